//! Plan: the guards over a whole run: retirement only after a complete fetch, only of assets
//! this connector imported, and never more than a threshold unless the operator says so;
//! identities claimed by two devices are reported, not guessed.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::Identity;

/// Retirements allowed in one run without `--allow-mass-retirement`, whatever the estate size.
pub const DEFAULT_MAX_RETIRE: u64 = 50;
/// Share of the connector's assets (in percent) that one run may retire without the override.
pub const DEFAULT_MAX_RETIRE_PERCENT: f64 = 10.0;

/// The retirement threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetirementLimit {
    /// At most this many retirements.
    pub max: u64,
    /// At most this share of the connector's assets that are not retired yet, in percent.
    pub max_percent: f64,
    /// The operator's explicit override.
    pub allow_mass_retirement: bool,
}

impl Default for RetirementLimit {
    fn default() -> Self {
        RetirementLimit {
            max: DEFAULT_MAX_RETIRE,
            max_percent: DEFAULT_MAX_RETIRE_PERCENT,
            allow_mass_retirement: false,
        }
    }
}

impl RetirementLimit {
    /// Why `retirements` out of `owned` assets would be blocked, or `None` when allowed.
    pub fn check(&self, retirements: u64, owned: u64) -> Option<String> {
        if self.allow_mass_retirement || retirements == 0 {
            return None;
        }
        let percent = if owned == 0 { 100.0 } else { retirements as f64 * 100.0 / owned as f64 };
        if retirements > self.max {
            return Some(format!("{retirements} retirements exceed the limit of {} per run", self.max));
        }
        if percent > self.max_percent && retirements > 1 {
            return Some(format!(
                "{retirements} retirements are {percent:.0} % of the connector's {owned} assets, above the limit of {} %",
                self.max_percent
            ));
        }
        None
    }
}

/// What happened to a claim on an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The first device to claim it.
    First,
    /// Another device imported it already in this run: a conflict, not sent.
    Conflict {
        /// The device that claimed it first.
        first_device: String,
    },
}

/// Remembers which device claimed which identity in this run. It holds an entry for every
/// imported device, so it is kept small (about 40 bytes an entry instead of about 250 for the
/// identity and device ID as strings): identities by a 128-bit fingerprint, numeric device IDs
/// (Miradore's) as numbers.
#[derive(Debug, Default)]
pub struct Claims {
    imported: HashMap<Fingerprint, DeviceId>,
}

impl Claims {
    /// Records that `device` imports `identity`.
    pub fn import(&mut self, identity: &Identity, device: &str) -> Claim {
        match self.imported.get(&Fingerprint::of(identity)) {
            Some(first) if !first.is(device) => Claim::Conflict { first_device: first.to_string() },
            Some(_) => Claim::First,
            None => {
                self.imported.insert(Fingerprint::of(identity), DeviceId::new(device));
                Claim::First
            }
        }
    }

    /// The device that imports `identity` in this run, if any: a retirement of that identity
    /// would undo it (a device re-enrolled under the same serial number).
    pub fn importer(&self, identity: &Identity) -> Option<String> {
        self.imported.get(&Fingerprint::of(identity)).map(DeviceId::to_string)
    }
}

/// Two independent 64-bit digests of an identity. Two different identities of one run share a
/// fingerprint with a probability of about n² / 2¹²⁹ (below 10⁻²⁸ for a million devices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Fingerprint(u64, u64);

impl Fingerprint {
    fn of(identity: &Identity) -> Fingerprint {
        let digest = |salt: u8| {
            let mut hasher = std::hash::DefaultHasher::new();
            (salt, identity).hash(&mut hasher);
            hasher.finish()
        };
        Fingerprint(digest(0), digest(1))
    }
}

/// A device ID, as a number when it is one in canonical form (no leading zero), else as text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DeviceId {
    Numeric(u64),
    Text(Box<str>),
}

impl DeviceId {
    fn new(id: &str) -> DeviceId {
        let canonical = !id.is_empty() && (id == "0" || !id.starts_with('0'));
        match id.parse::<u64>() {
            Ok(number) if canonical && id.bytes().all(|byte| byte.is_ascii_digit()) => DeviceId::Numeric(number),
            _ => DeviceId::Text(id.into()),
        }
    }

    fn is(&self, id: &str) -> bool {
        *self == DeviceId::new(id)
    }
}

impl std::fmt::Display for DeviceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceId::Numeric(number) => write!(f, "{number}"),
            DeviceId::Text(text) => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_block_mass_retirement_unless_overridden() {
        let limit = RetirementLimit::default();
        assert_eq!(limit.check(0, 0), None);
        assert_eq!(limit.check(1, 100), None);
        assert_eq!(limit.check(10, 100), None);
        assert!(limit.check(11, 100).is_some());
        assert!(limit.check(51, 10_000).is_some());
        assert!(limit.check(40, 40).is_some());
        let allowed = RetirementLimit { allow_mass_retirement: true, ..limit };
        assert_eq!(allowed.check(40, 40), None);
    }

    #[test]
    fn a_second_device_with_the_same_identity_is_a_conflict() {
        let mut claims = Claims::default();
        let identity = Identity { kind: "serial".into(), value: "S1".into() };
        assert_eq!(claims.import(&identity, "1"), Claim::First);
        assert_eq!(claims.import(&identity, "2"), Claim::Conflict { first_device: "1".into() });
        assert_eq!(claims.importer(&identity).as_deref(), Some("1"));
        assert_eq!(claims.importer(&Identity { kind: "imei".into(), value: "S1".into() }), None);
    }

    #[test]
    fn device_ids_keep_their_spelling() {
        let mut claims = Claims::default();
        for (serial, device) in [("A", "007"), ("B", "12"), ("C", "0"), ("D", "x-9"), ("E", "")] {
            let identity = Identity { kind: "serial".into(), value: serial.into() };
            assert_eq!(claims.import(&identity, device), Claim::First);
            assert_eq!(claims.import(&identity, device), Claim::First, "{device:?} is the same device");
            assert_eq!(claims.importer(&identity).as_deref(), Some(device));
        }
        let b = Identity { kind: "serial".into(), value: "B".into() };
        assert_eq!(claims.import(&b, "012"), Claim::Conflict { first_device: "12".into() });
    }
}
