//! Sink: idempotency keys for MMS batches.
//!
//! A key is `<run>-<batch, 6 digits>-<salt>`: deterministic from the run id and the batch's
//! index, plus a random salt drawn once per process. Deterministic, so that every retry of a
//! batch, by the client's own loop or by a caller that sends the same batch again, carries the
//! same key without anyone having to remember it: MMS then answers the stored results instead of
//! applying the batch twice. Salted, because the protocol asks for keys unique per batch within
//! the connector, and run ids alone are not: an MMS database restored from a backup hands out
//! run ids again, and a key reused for another body is refused (`422 idempotency-key-reused`).
//! The salt is not secret; it only has to differ between processes.

use std::fmt;
use std::sync::OnceLock;

use super::protocol::RunId;

/// The longest key the protocol allows.
const MAX_LENGTH: usize = 255;

/// The `Idempotency-Key` of one batch: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key of batch `batch` (0-based) of `run`, the same for every call in this process.
    pub fn for_batch(run: RunId, batch: u64) -> IdempotencyKey {
        IdempotencyKey(format!("{run}-{batch:06}-{}", salt()))
    }

    /// A key given whole, checked against the protocol's rules.
    pub fn new(key: impl Into<String>) -> Result<IdempotencyKey, String> {
        let key = key.into();
        if key.is_empty() || key.len() > MAX_LENGTH || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!("an idempotency key is 1 to {MAX_LENGTH} visible ASCII characters, not {key:?}"));
        }
        Ok(IdempotencyKey(key))
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

fn salt() -> &'static str {
    static SALT: OnceLock<String> = OnceLock::new();
    SALT.get_or_init(|| format!("{:08x}", rand::random::<u32>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_per_batch_and_differ_between_batches() {
        let first = IdempotencyKey::for_batch(RunId(7), 3);
        assert_eq!(first, IdempotencyKey::for_batch(RunId(7), 3));
        assert_ne!(first, IdempotencyKey::for_batch(RunId(7), 4));
        assert_ne!(first, IdempotencyKey::for_batch(RunId(8), 3));
        assert!(first.as_str().starts_with("7-000003-"), "{first}");
        assert!(IdempotencyKey::new(first.as_str()).is_ok());
        assert!(IdempotencyKey::new("").is_err());
        assert!(IdempotencyKey::new("a b").is_err());
        assert!(IdempotencyKey::new("x".repeat(256)).is_err());
    }
}
