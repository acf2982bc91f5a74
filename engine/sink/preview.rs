//! Sink: the dry-run preview: every operation sync would send (readable, or as JSON lines: the
//! exact payloads), each mapping failure as a diagnostic, and the summary.

use std::io::Write;

use crate::cli::Format;
use crate::compile::Program;
use crate::diag::render_text;
use crate::eval::{Outcome, evaluate};
use crate::ops::{Action, Operation, Summary};
use crate::source::Record;

/// Evaluates `records` and writes the preview: operations to `out`, failures to `errors`.
/// Returns the summary (not yet written).
pub fn write_preview(
    program: &Program,
    records: impl IntoIterator<Item = Record>,
    out: &mut dyn Write,
    errors: &mut dyn Write,
    format: Format,
    colour: bool,
) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    for record in records {
        let outcome = evaluate(program, &record);
        summary.count(&outcome);
        match &outcome {
            Outcome::Mapped { operations, .. } => {
                for operation in operations {
                    write(out, operation, format)?;
                }
            }
            Outcome::Failed(error) => {
                out.flush()?;
                writeln!(errors, "{}", render_text(&error.diagnostic, colour))?;
            }
            Outcome::Skipped { device_id, reason } => {
                tracing::debug!(device = %device_id, %reason, "skipped");
            }
        }
    }
    Ok(summary)
}

/// Writes one operation.
pub fn write(out: &mut dyn Write, operation: &Operation, format: Format) -> std::io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer(&mut *out, operation)?;
            writeln!(out)
        }
        Format::Text => writeln!(out, "{}", readable(operation)),
    }
}

/// One line for people: the type, the device, the identity and the payload in brief.
pub fn readable(operation: &Operation) -> String {
    let head = format!(
        "{:<17} device {:<6} {}={}",
        operation.action.name(),
        operation.device_id,
        operation.identity.kind,
        operation.identity.value
    );
    match &operation.action {
        Action::ImportInventory { hardware, software } => {
            let pairs: Vec<String> = hardware.iter().map(|(name, value)| format!("{name}={value:?}")).collect();
            let plural = if software.len() == 1 { "" } else { "s" };
            format!("{head}\n    hardware: {}\n    software: {} application{plural}", pairs.join(" "), software.len())
        }
        Action::SetAttributes { attributes } => {
            let pairs: Vec<String> = attributes.iter().map(|(name, value)| format!("{name}={value:?}")).collect();
            format!("{head}  {}", pairs.join(" "))
        }
        Action::Activate | Action::Retire => head,
    }
}
