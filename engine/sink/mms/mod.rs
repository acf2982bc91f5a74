//! Sink: MMS over its connector protocol v1 (`docs/mms-protocol.md`). Everything that knows the
//! wire lives in this module; `sync` and `dry-run` see only the [`Mms`] trait, so an MMS that
//! speaks another protocol is one more implementation of it.
//!
//! ```text
//! Settings -> Client (HTTP, retries, idempotent batches) -> impl Mms -> sync / dry-run
//! ```

mod client;
mod envelope;
mod error;
mod idempotency;
mod protocol;
mod settings;

use futures_util::future::BoxFuture;

pub use client::Client;
pub use error::{BatchFailure, BatchOutcome, MmsError, Unconfirmed};
pub use idempotency::IdempotencyKey;
pub use protocol::{
    AUTHORIZE_AT, AssetStatus, AssetSummary, Configuration, ConnectorState, ConnectorStatus, LogSeverity,
    MAX_BATCH_OPERATIONS, OperationResult, ResultStatus, Run, RunId, RunResult, StopEvent, StopResult,
};
pub use settings::{DEFAULT_CONNECTOR_NAME, RetryPolicy, Settings};

use crate::ops::Operation;

/// What a run needs from MMS. Object safe (`Arc<dyn Mms>`), and every future is `Send`, so
/// batches can go out from several tasks at once.
pub trait Mms: Send + Sync {
    /// The connector's status; the first contact registers it as `NotAuthorized`. Use
    /// [`ConnectorState::require_active`] to stop with the message that says where to authorize it.
    fn status(&self) -> BoxFuture<'_, Result<ConnectorState, MmsError>>;

    /// The start event: a new run.
    fn start_run(&self) -> BoxFuture<'_, Result<RunId, MmsError>>;

    /// What the administrator configured: Miradore site, Miradore API key, log severity.
    fn configuration(&self) -> BoxFuture<'_, Result<Configuration, MmsError>>;

    /// Applies one batch (at most [`MAX_BATCH_OPERATIONS`]) idempotently under `key`: one result
    /// per operation, in order. Any error is [`MmsError::Batch`], naming the unconfirmed
    /// operations and whether MMS may have applied them.
    fn apply_batch<'a>(
        &'a self,
        run: RunId,
        operations: &'a [Operation],
        key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Vec<OperationResult>, MmsError>>;

    /// The stop event, with result, counts and reason; send it also when the run failed.
    fn stop_run<'a>(&'a self, run: RunId, stop: &'a StopEvent) -> BoxFuture<'a, Result<Run, MmsError>>;

    /// Every asset this connector imported (all pages), optionally only those in `status`.
    fn assets(&self, status: Option<AssetStatus>) -> BoxFuture<'_, Result<Vec<AssetSummary>, MmsError>>;
}

impl Mms for Client {
    fn status(&self) -> BoxFuture<'_, Result<ConnectorState, MmsError>> {
        Box::pin(Client::status(self))
    }

    fn start_run(&self) -> BoxFuture<'_, Result<RunId, MmsError>> {
        Box::pin(Client::start_run(self))
    }

    fn configuration(&self) -> BoxFuture<'_, Result<Configuration, MmsError>> {
        Box::pin(Client::configuration(self))
    }

    fn apply_batch<'a>(
        &'a self,
        run: RunId,
        operations: &'a [Operation],
        key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Vec<OperationResult>, MmsError>> {
        Box::pin(Client::apply_batch(self, run, operations, key))
    }

    fn stop_run<'a>(&'a self, run: RunId, stop: &'a StopEvent) -> BoxFuture<'a, Result<Run, MmsError>> {
        Box::pin(Client::stop_run(self, run, stop))
    }

    fn assets(&self, status: Option<AssetStatus>) -> BoxFuture<'_, Result<Vec<AssetSummary>, MmsError>> {
        Box::pin(Client::assets(self, status))
    }
}
