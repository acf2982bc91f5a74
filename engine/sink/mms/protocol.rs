//! Sink: the MMS connector protocol v1 on the wire, written from `docs/mms-protocol.md` and
//! `schemas/mms-protocol.openapi.yaml` (not from the emulator). Answers are read leniently
//! (unknown fields ignored, as §1 asks of clients); requests are exactly the contract's shapes.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::ops::{Identity, Operation};
use crate::secret::Secret;

/// Under the base URL `<server>/<instance>`.
pub const PATH_PREFIX: &str = "/connectors/rest.svc/v1";
/// `Authorization: Connector <key>`.
pub const AUTH_SCHEME: &str = "Connector";
/// The header that names a connector on its first contact.
pub const NAME_HEADER: &str = "x-connector-name";
/// The header with the stable error code next to the XML envelope.
pub const ERROR_HEADER: &str = "x-mms-error";
/// The header that makes a batch idempotent.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// Present (`true`) on a batch answer that is the stored one of an earlier request.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// The most operations one batch may carry.
pub const MAX_BATCH_OPERATIONS: usize = 1000;
/// The longest `reason` a stop event may carry, in bytes.
pub const MAX_REASON_BYTES: usize = 4096;
/// The longest `log` a stop event may carry, in bytes.
pub const MAX_LOG_BYTES: usize = 65536;
/// Where an administrator authorizes a connector.
pub const AUTHORIZE_AT: &str = "System Settings > Connectors";

/// A connector's status in System Settings > Connectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectorStatus {
    /// Registered, waiting for an administrator.
    NotAuthorized,
    /// May work.
    Active,
    /// Stopped by an administrator.
    Disabled,
}

/// `GET /connector`: who the key belongs to and whether it may work.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConnectorState {
    /// The name the connector registered under.
    pub name: String,
    /// Whether it may work.
    pub status: ConnectorStatus,
    /// When it first made contact.
    #[serde(default)]
    pub registered: Option<String>,
}

/// The log severity the administrator set for the connector.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogSeverity {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warning,
    /// The default.
    #[default]
    Info,
    /// Retries and requests.
    Debug,
    /// Everything.
    Trace,
}

impl LogSeverity {
    /// The `tracing` level of this severity.
    pub fn as_filter(self) -> &'static str {
        match self {
            LogSeverity::Error => "error",
            LogSeverity::Warning => "warn",
            LogSeverity::Info => "info",
            LogSeverity::Debug => "debug",
            LogSeverity::Trace => "trace",
        }
    }
}

/// `GET /connector/configuration`: what the administrator set on the connector form. The
/// Miradore API key is a [`Secret`] from the moment it is read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Configuration {
    /// The Miradore site; `None` until set.
    #[serde(default)]
    pub miradore_site: Option<String>,
    /// The Miradore API key; `None` until set.
    #[serde(default, deserialize_with = "secret")]
    pub miradore_api_key: Option<Secret>,
    /// `info` when not set.
    #[serde(default, deserialize_with = "severity")]
    pub log_severity: LogSeverity,
}

fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Secret>, D::Error> {
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value.filter(|value| !value.trim().is_empty()).map(Secret::new))
}

fn severity<'de, D: Deserializer<'de>>(deserializer: D) -> Result<LogSeverity, D::Error> {
    Ok(Option::<LogSeverity>::deserialize(deserializer)?.unwrap_or_default())
}

/// A run's number, as MMS gave it at the start event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.0)
    }
}

/// `POST /runs`: the start event.
#[derive(Debug, Clone, Serialize)]
pub(super) struct StartRequest<'a> {
    pub client: &'a str,
    pub mode: &'a str,
}

/// The Result column of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunResult {
    /// The run finished its work.
    Success,
    /// The run stopped on an error.
    Failed,
    /// The run never sent its stop event (set by MMS, never sent).
    #[serde(rename = "N/A")]
    NotAvailable,
}

/// A run as MMS records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Run {
    /// Its number.
    pub run_id: RunId,
    /// `None` while running.
    #[serde(default)]
    pub ended: Option<String>,
    /// `None` while running.
    #[serde(default)]
    pub result: Option<RunResult>,
    /// Why it failed or was superseded.
    #[serde(default)]
    pub reason: Option<String>,
    /// What the client reported at stop.
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
    /// What MMS applied: `batches`, `operations`, one count per result status.
    #[serde(default)]
    pub applied: BTreeMap<String, u64>,
}

/// How a run ended, as the client reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StopResult {
    /// The run did its work.
    Success,
    /// The run failed; a reason is required.
    Failed,
}

/// `POST /runs/{run}/stop`: the stop event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StopEvent {
    /// Success or Failed.
    pub result: StopResult,
    /// Free-form counts shown as given (`devices`, `created`, `failed`, ...).
    pub counts: BTreeMap<String, u64>,
    /// Why it failed; required when `Failed`, at most 4096 bytes (longer is cut).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Text for the Log column, at most 65536 bytes (longer is cut).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

/// `POST /runs/{run}/batches`.
#[derive(Debug, Serialize)]
pub(super) struct BatchRequest<'a> {
    pub operations: &'a [Operation],
}

/// What one operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultStatus {
    /// A new asset was made.
    Created,
    /// The asset changed.
    Updated,
    /// Nothing was written.
    Unchanged,
    /// Applied as far as possible; the administrator must fix something in MMS.
    Warning,
    /// Refused; nothing changed.
    Failed,
    /// Nothing to act on.
    Skipped,
}

impl ResultStatus {
    /// The wire spelling, e.g. `created`: also the count's name in a run summary.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultStatus::Created => "created",
            ResultStatus::Updated => "updated",
            ResultStatus::Unchanged => "unchanged",
            ResultStatus::Warning => "warning",
            ResultStatus::Failed => "failed",
            ResultStatus::Skipped => "skipped",
        }
    }
}

/// An asset's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AssetStatus {
    /// Imported, not yet complete (no responsible person or location).
    AutoGenerated,
    /// In use.
    Active,
    /// Retired.
    Retired,
}

impl AssetStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AssetStatus::AutoGenerated => "AutoGenerated",
            AssetStatus::Active => "Active",
            AssetStatus::Retired => "Retired",
        }
    }
}

/// One operation's result; `index` is its position in the batch.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OperationResult {
    /// The operation's position in the batch.
    pub index: usize,
    /// What it did.
    pub status: ResultStatus,
    /// On warning, failed and skipped (e.g. `unknown-location`); judge an unknown code by `status`.
    #[serde(default)]
    pub code: Option<String>,
    /// Human text naming what is wrong.
    #[serde(default)]
    pub message: Option<String>,
    /// The asset the operation found or made.
    #[serde(default)]
    pub asset_id: Option<i64>,
    /// The asset's status after the operation.
    #[serde(default)]
    pub asset_status: Option<AssetStatus>,
}

#[derive(Debug, Deserialize)]
pub(super) struct BatchResponse {
    pub results: Vec<OperationResult>,
}

/// An asset this connector imported, as listed by `GET /assets`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AssetSummary {
    /// MMS's number for it.
    pub asset_id: i64,
    /// What it is keyed by.
    pub identity: Identity,
    /// The Miradore device ID it was last imported from.
    #[serde(default)]
    pub device_id: Option<String>,
    /// Its status.
    pub status: AssetStatus,
    /// Bumped by every change.
    #[serde(default)]
    pub revision: i64,
}

#[derive(Debug, Deserialize)]
pub(super) struct AssetPage {
    pub assets: Vec<AssetSummary>,
    pub next_after: Option<i64>,
}

/// `text` cut to at most `limit` bytes at a character boundary.
pub(super) fn truncate(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
