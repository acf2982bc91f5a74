//! Plan: the operation model, the run summary, and (for sync) guards and batching.

pub mod batch;
pub mod guard;
mod operation;
pub mod plan;
pub mod report;
mod summary;

pub use operation::{Action, Application, Identity, Operation, json_schema};
pub use summary::Summary;
