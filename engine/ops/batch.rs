//! Plan: batching operations for MMS. A device's operations stay together and in order (import
//! before attributes before activation), so MMS never sees an activation for an asset whose
//! import is in another batch.

use super::Operation;

/// Operations per batch when the command line does not say.
pub const DEFAULT_BATCH_SIZE: usize = 100;

/// One batch, numbered from 1 in the order it was closed.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The batch number.
    pub number: u64,
    /// The operations.
    pub operations: Vec<Operation>,
}

/// Collects operations into batches of at most `size` operations (a device with more
/// operations than that gets a batch of its own).
#[derive(Debug)]
pub struct Batcher {
    size: usize,
    open: Vec<Operation>,
    closed: u64,
}

impl Batcher {
    /// A batcher for batches of `size` operations.
    pub fn new(size: usize) -> Batcher {
        Batcher { size: size.max(1), open: Vec::new(), closed: 0 }
    }

    /// Adds one device's operations; returns the batch this closed, if any.
    pub fn add_device(&mut self, operations: Vec<Operation>) -> Option<Batch> {
        let closed =
            if !self.open.is_empty() && self.open.len() + operations.len() > self.size { self.close() } else { None };
        self.open.extend(operations);
        closed
    }

    /// Closes the open batch, if it holds anything.
    pub fn close(&mut self) -> Option<Batch> {
        if self.open.is_empty() {
            return None;
        }
        self.closed += 1;
        Some(Batch { number: self.closed, operations: std::mem::take(&mut self.open) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{Action, Identity};

    fn device(id: &str, count: usize) -> Vec<Operation> {
        (0..count)
            .map(|_| Operation {
                device_id: id.into(),
                identity: Identity { kind: "serial".into(), value: id.into() },
                action: Action::Activate,
            })
            .collect()
    }

    #[test]
    fn devices_are_never_split() {
        let mut batcher = Batcher::new(4);
        assert_eq!(batcher.add_device(device("1", 3)), None);
        let first = batcher.add_device(device("2", 3)).unwrap();
        assert_eq!((first.number, first.operations.len()), (1, 3));
        let second = batcher.add_device(device("3", 6)).unwrap();
        assert_eq!(second.operations.iter().map(|op| op.device_id.as_str()).collect::<Vec<_>>(), ["2", "2", "2"]);
        let third = batcher.close().unwrap();
        assert_eq!((third.number, third.operations.len()), (3, 6));
        assert_eq!(batcher.close(), None);
    }
}
