//! Sink: the dry-run preview: every operation sync would send (readable, or as JSON lines: the
//! exact payloads), each mapping failure as a diagnostic, and the summary.

use std::io::Write;

use crate::cli::Format;
use crate::compile::Program;
use crate::diag::render_text;
use crate::eval::{Outcome, evaluate};
use crate::ops::guard::RetirementLimit;
use crate::ops::plan::{OwnedAssets, Planner, Retirements};
use crate::ops::{Action, Operation, Summary};
use crate::source::Record;

/// What a preview has seen so far.
#[derive(Debug, Default)]
pub struct Preview {
    /// Counts.
    pub summary: Summary,
    /// The plan: retirements held back, conflicts.
    pub planner: Planner,
}

/// Evaluates `records` and writes the operations that go out as devices arrive to `out`, and
/// mapping failures to `errors`. Retirements are held: see [`write_retirements`].
pub fn write_devices(
    program: &Program,
    records: impl IntoIterator<Item = Record>,
    out: &mut dyn Write,
    errors: &mut dyn Write,
    format: Format,
    colour: bool,
) -> std::io::Result<Preview> {
    let mut preview = Preview::default();
    for record in records {
        let outcome = evaluate(program, &record);
        let operations = preview.planner.plan(&outcome, &mut preview.summary);
        for operation in &operations {
            write(out, operation, format)?;
            // For people: why the identity is not the first key's (the JSON lines stay payloads).
            if let (Format::Text, Action::ImportInventory { .. }, Outcome::Mapped { passed_over, .. }) =
                (format, &operation.action, &outcome)
                && !passed_over.is_empty()
            {
                writeln!(out, "    passed over: {}", passed_over_text(passed_over))?;
            }
        }
        match &outcome {
            Outcome::Failed(error) => {
                out.flush()?;
                writeln!(errors, "{}", render_text(&error.diagnostic, colour))?;
            }
            Outcome::Skipped { device_id, reason } => {
                tracing::debug!(device = %device_id, %reason, "skipped");
            }
            Outcome::Mapped { .. } => {}
        }
    }
    Ok(preview)
}

/// Writes the retirements once the fetch has ended (none when it was incomplete), then the
/// plan's warnings. With `owned` (what MMS says this connector imported) only those assets are
/// retired and the threshold applies, as in sync; without it every planned retirement is shown.
pub fn write_retirements(
    preview: &mut Preview,
    fetch_complete: bool,
    owned: Option<&OwnedAssets>,
    out: &mut dyn Write,
    errors: &mut dyn Write,
    format: Format,
) -> std::io::Result<()> {
    let retirements = preview.planner.retirements(fetch_complete, owned, &RetirementLimit::default());
    preview.summary.already_gone = preview.planner.already_gone;
    match retirements {
        Retirements::Send(operations) => {
            for operation in &operations {
                preview.summary.planned(std::slice::from_ref(operation));
                write(out, operation, format)?;
            }
        }
        Retirements::Incomplete { planned } => {
            writeln!(errors, "warning: {planned} retirement(s) held back: the fetch is incomplete")?;
        }
        Retirements::Blocked { reason, held } => {
            writeln!(errors, "warning: {} retirement(s) blocked: {reason}", held.len())?;
        }
    }
    out.flush()?;
    for failure in &preview.planner.failures {
        writeln!(errors, "error: device {}: {}", failure.device_id, failure.reason)?;
    }
    for warning in &preview.planner.warnings {
        writeln!(errors, "warning: device {}: {}", warning.device_id, warning.reason)?;
    }
    Ok(())
}

/// The identity keys passed over before the one used, with their reasons.
pub fn passed_over_text(passed_over: &[crate::eval::PassedOver]) -> String {
    let reasons: Vec<String> = passed_over.iter().map(ToString::to_string).collect();
    reasons.join("; ")
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
