//! Sink: printing operations for a dry run, readable or as JSON lines (the exact payloads).

use std::io::Write;

use crate::cli::Format;
use crate::ops::{Action, Operation};

/// Writes one operation.
pub fn write(out: &mut impl Write, operation: &Operation, format: Format) -> std::io::Result<()> {
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
            let pairs: Vec<String> = hardware
                .iter()
                .map(|(name, value)| format!("{name}={value:?}"))
                .collect();
            format!(
                "{head}\n    hardware: {}\n    software: {} application{}",
                pairs.join(" "),
                software.len(),
                if software.len() == 1 { "" } else { "s" }
            )
        }
        Action::SetAttributes { attributes } => {
            let pairs: Vec<String> = attributes
                .iter()
                .map(|(name, value)| format!("{name}={value:?}"))
                .collect();
            format!("{head}  {}", pairs.join(" "))
        }
        Action::Activate | Action::Retire => head,
    }
}
