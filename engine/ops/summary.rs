//! Plan: counting what a run did with each device, for the summary and the JSON report.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Action, Operation};
use crate::eval::Outcome;

/// Counts over a run.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Device records read from the source.
    pub devices_read: u64,
    /// Devices whose operations (other than retirement) go out; a device whose identity another
    /// device claimed first is not sent, and counts as failed.
    pub imported: u64,
    /// Devices skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Devices the MDM lists as retired or deleted; the guards may hold some back (each is a
    /// warning), so `operations` can count fewer retirements.
    pub to_retire: u64,
    /// Of those, how many MMS holds no asset of this connector for (deleted before they were
    /// ever imported, or retired already): nothing to send.
    pub already_gone: u64,
    /// Devices whose mapping failed.
    pub failed: u64,
    /// Operations that go out (past the guards), by type.
    pub operations: BTreeMap<String, u64>,
}

impl Summary {
    /// Counts one device's outcome.
    pub fn count(&mut self, outcome: &Outcome) {
        self.devices_read += 1;
        match outcome {
            Outcome::Skipped { reason, .. } => *self.skipped.entry(reason.to_string()).or_default() += 1,
            Outcome::Failed(_) => self.failed += 1,
            Outcome::Mapped { operations, .. } => {
                if operations.iter().any(|op| matches!(op.action, Action::Retire)) {
                    self.to_retire += 1;
                }
            }
        }
    }

    /// Counts operations the plan lets out: one device's, or the retirements at the end.
    pub fn planned(&mut self, operations: &[Operation]) {
        if operations.iter().any(|op| !matches!(op.action, Action::Retire)) {
            self.imported += 1;
        }
        for operation in operations {
            *self.operations.entry(operation.action.name().to_string()).or_default() += 1;
        }
    }

    /// The skipped total.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(out, "devices read: {}", self.devices_read)?;
        writeln!(out, "imported:     {}", self.imported)?;
        writeln!(out, "skipped:      {}", self.skipped_total())?;
        for (reason, count) in &self.skipped {
            writeln!(out, "  {reason}: {count}")?;
        }
        match self.already_gone {
            0 => writeln!(out, "to retire:    {}", self.to_retire)?,
            gone => writeln!(out, "to retire:    {} ({gone} not in MMS or retired already)", self.to_retire)?,
        }
        writeln!(out, "failed:       {}", self.failed)?;
        let operations: Vec<String> = self.operations.iter().map(|(name, count)| format!("{name} {count}")).collect();
        write!(out, "operations:   {}", if operations.is_empty() { "none".to_string() } else { operations.join(", ") })
    }
}
