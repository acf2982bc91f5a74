//! Plan: the operation model, the run summary, and (for sync) guards and batching.

mod operation;
mod summary;

pub use operation::{Action, Application, Identity, Operation, json_schema};
pub use summary::Summary;
