//! Plan: turning the stream of outcomes into what is sent, with the guards over a whole run
//! (docs/design.md, "Sending to MMS").
//! Imports go out as devices arrive; retirements are held until the fetch is known complete,
//! then checked: only identities that no device of this run imports (a device re-enrolled under
//! the same serial number keeps its asset), only assets this connector imported (when MMS was
//! read), and not more than the threshold allows. Two devices importing one identity are a
//! conflict: the first was sent as it arrived (the plan streams), the second is not sent and is
//! a failure of the run, and the first gets a warning naming the second, so that both devices
//! are in the report for an administrator to resolve in the MDM.

use std::collections::HashMap;

use super::guard::{Claim, Claims, RetirementLimit};
use super::report::Problem;
use super::{Action, Identity, Operation, Summary};
use crate::eval::Outcome;

/// What MMS says this connector owns: identity -> asset status.
pub type OwnedAssets = HashMap<Identity, String>;

/// The status MMS gives retired assets.
pub const RETIRED: &str = "Retired";

/// The report code of two devices claiming one identity.
pub const IDENTITY_CONFLICT: &str = "identity-conflict";

/// Plans a run.
#[derive(Debug, Default)]
pub struct Planner {
    claims: Claims,
    retirements: Vec<Operation>,
    /// Devices not sent because another device claimed their identity first.
    pub failures: Vec<Problem>,
    /// The devices that claimed first, and held-back retirements, for the report.
    pub warnings: Vec<Problem>,
    /// Retirements with nothing to retire: MMS holds no asset of this connector, or it is retired.
    pub already_gone: u64,
}

/// The retirements that may be sent, or why none may.
#[derive(Debug, Clone, PartialEq)]
pub enum Retirements {
    /// Send these.
    Send(Vec<Operation>),
    /// The fetch was incomplete: nothing is retired.
    Incomplete {
        /// How many were planned.
        planned: usize,
    },
    /// Over the threshold without the override: nothing is retired.
    Blocked {
        /// Why.
        reason: String,
        /// The retirements held back.
        held: Vec<Operation>,
    },
}

impl Planner {
    /// Counts one device's outcome in `summary` and returns the operations to send now (never
    /// retirements), counting those too; a device not sent for a conflict counts as failed.
    pub fn plan(&mut self, outcome: &Outcome, summary: &mut Summary) -> Vec<Operation> {
        summary.count(outcome);
        let failures = self.failures.len();
        let operations = self.device(outcome);
        if self.failures.len() > failures {
            summary.failed += 1;
        }
        summary.planned(&operations);
        operations
    }

    /// Takes one device's outcome and returns the operations to send now (never retirements).
    pub fn device(&mut self, outcome: &Outcome) -> Vec<Operation> {
        let Outcome::Mapped { operations, device_id, .. } = outcome else {
            return Vec::new();
        };
        let mut now = Vec::with_capacity(operations.len());
        for operation in operations {
            if matches!(operation.action, Action::Retire) {
                self.retirements.push(operation.clone());
                continue;
            }
            if matches!(operation.action, Action::ImportInventory { .. })
                && let Claim::Conflict { first_device } = self.claims.import(&operation.identity, device_id)
            {
                let Identity { kind, value } = &operation.identity;
                self.failures.push(Problem {
                    device_id: device_id.clone(),
                    operation: None,
                    code: IDENTITY_CONFLICT.into(),
                    reason: format!(
                        "not sent: {kind} {value} is also claimed by device {first_device}, which was sent first"
                    ),
                });
                self.warnings.push(Problem {
                    device_id: first_device,
                    operation: None,
                    code: IDENTITY_CONFLICT.into(),
                    reason: format!("{kind} {value} is also claimed by device {device_id}, which was not sent"),
                });
                return Vec::new();
            }
            now.push(operation.clone());
        }
        now
    }

    /// Decides the retirements once the fetch has ended. `owned` is what MMS says this
    /// connector imported (none for a dry run over a snapshot, which cannot know).
    pub fn retirements(
        &mut self,
        fetch_complete: bool,
        owned: Option<&OwnedAssets>,
        limit: &RetirementLimit,
    ) -> Retirements {
        let planned = std::mem::take(&mut self.retirements);
        if !fetch_complete {
            return Retirements::Incomplete { planned: planned.len() };
        }
        let mut send: Vec<Operation> = Vec::new();
        let mut retiring = std::collections::HashSet::new();
        for operation in planned {
            // Two deleted records of one device (re-enrolled, then deleted again) retire one asset.
            if !retiring.insert(operation.identity.clone()) {
                continue;
            }
            if let Some(importer) = self.claims.importer(&operation.identity) {
                self.warnings.push(Problem {
                    device_id: operation.device_id.clone(),
                    operation: Some("retire".into()),
                    code: "identity-reused".into(),
                    reason: format!(
                        "not retired: device {importer} imports the same {} {}",
                        operation.identity.kind, operation.identity.value
                    ),
                });
                continue;
            }
            let retirable = owned.is_none_or(|owned| is_retirable(owned.get(&operation.identity)));
            if retirable {
                send.push(operation);
            } else {
                // Deleted before it was ever imported, retired already, or another connector's.
                self.already_gone += 1;
                tracing::debug!(
                    device = %operation.device_id,
                    identity = %format_args!("{}:{}", operation.identity.kind, operation.identity.value),
                    "not retired: MMS holds no asset of this connector to retire"
                );
            }
        }
        let owned_active =
            owned.map_or(0, |owned| owned.values().filter(|status| status.as_str() != RETIRED).count() as u64);
        if owned.is_some()
            && let Some(reason) = limit.check(send.len() as u64, owned_active)
        {
            return Retirements::Blocked { reason, held: send };
        }
        Retirements::Send(send)
    }
}

/// Whether an asset in this state can be retired: it exists, this connector owns it, and it is
/// not retired already.
fn is_retirable(status: Option<&String>) -> bool {
    status.is_some_and(|status| status != RETIRED)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(device: &str, serial: &str, action: Action) -> Operation {
        Operation {
            device_id: device.into(),
            identity: Identity { kind: "serial".into(), value: serial.into() },
            action,
        }
    }

    fn mapped(operations: Vec<Operation>) -> Outcome {
        Outcome::Mapped { device_id: operations[0].device_id.clone(), operations, passed_over: Vec::new() }
    }

    fn import(device: &str, serial: &str) -> Operation {
        operation(device, serial, Action::ImportInventory { hardware: Default::default(), software: Vec::new() })
    }

    #[test]
    fn retirements_wait_for_a_complete_fetch() {
        let mut planner = Planner::default();
        assert!(planner.device(&mapped(vec![operation("1", "A", Action::Retire)])).is_empty());
        assert_eq!(
            planner.retirements(false, None, &RetirementLimit::default()),
            Retirements::Incomplete { planned: 1 }
        );
    }

    #[test]
    fn a_reenrolled_serial_is_not_retired() {
        let mut planner = Planner::default();
        planner.device(&mapped(vec![operation("3", "A", Action::Retire)]));
        assert_eq!(planner.device(&mapped(vec![import("11", "A")])).len(), 1);
        assert_eq!(planner.retirements(true, None, &RetirementLimit::default()), Retirements::Send(Vec::new()));
        assert_eq!(planner.warnings[0].code, "identity-reused");
    }

    #[test]
    fn only_owned_unretired_assets_are_retired() {
        let mut planner = Planner::default();
        for (device, serial) in [("1", "A"), ("2", "B"), ("3", "C")] {
            planner.device(&mapped(vec![operation(device, serial, Action::Retire)]));
        }
        let owned: OwnedAssets = [("A", "Active"), ("B", RETIRED)]
            .into_iter()
            .chain((0..100).map(|_| ("X", "Active")))
            .enumerate()
            .map(|(index, (serial, status))| {
                let value = if serial == "X" { format!("X{index}") } else { serial.to_string() };
                (Identity { kind: "serial".into(), value }, status.to_string())
            })
            .collect();
        let Retirements::Send(sent) = planner.retirements(true, Some(&owned), &RetirementLimit::default()) else {
            panic!()
        };
        assert_eq!(sent.iter().map(|op| op.identity.value.as_str()).collect::<Vec<_>>(), ["A"]);
        assert_eq!(planner.already_gone, 2);
    }

    #[test]
    fn one_identity_is_retired_once() {
        let mut planner = Planner::default();
        planner.device(&mapped(vec![operation("3", "A", Action::Retire)]));
        planner.device(&mapped(vec![operation("11", "A", Action::Retire)]));
        let Retirements::Send(sent) = planner.retirements(true, None, &RetirementLimit::default()) else { panic!() };
        assert_eq!(sent.len(), 1);
    }

    #[test]
    fn mass_retirement_is_blocked() {
        let mut planner = Planner::default();
        let mut owned = OwnedAssets::new();
        for index in 0..20 {
            let serial = format!("S{index}");
            planner.device(&mapped(vec![operation(&index.to_string(), &serial, Action::Retire)]));
            owned.insert(Identity { kind: "serial".into(), value: serial }, "Active".into());
        }
        assert!(matches!(
            planner.retirements(true, Some(&owned), &RetirementLimit::default()),
            Retirements::Blocked { held, .. } if held.len() == 20
        ));
    }

    #[test]
    fn two_devices_importing_one_identity_conflict() {
        let mut planner = Planner::default();
        assert_eq!(planner.device(&mapped(vec![import("1", "A")])).len(), 1);
        let mut summary = Summary::default();
        let second = mapped(vec![import("2", "A"), operation("2", "A", Action::Activate)]);
        assert!(planner.plan(&second, &mut summary).is_empty());
        assert_eq!(
            (planner.failures[0].device_id.as_str(), planner.failures[0].code.as_str()),
            ("2", IDENTITY_CONFLICT)
        );
        assert_eq!(
            (planner.warnings[0].device_id.as_str(), planner.warnings[0].code.as_str()),
            ("1", IDENTITY_CONFLICT)
        );
        assert_eq!((summary.devices_read, summary.failed, summary.imported), (1, 1, 0));
    }
}
