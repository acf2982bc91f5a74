//! Sink: what can go wrong talking to MMS, as data; [`MmsError::diagnostic`] words it. No
//! variant holds the connector key: texts that came from the network are scrubbed of it before
//! they are stored here.

use std::fmt;

use super::idempotency::IdempotencyKey;
use super::protocol::{AUTHORIZE_AT, RunId};
use crate::diag::{Code, Diagnostic};
use crate::ops::Identity;

/// Why a call to MMS failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MmsError {
    /// The client could not be set up (bad URL, key, name or certificate).
    Setup(String),
    /// The connector is registered but waits for an administrator.
    NotAuthorized {
        /// The connector's name.
        connector: String,
    },
    /// An administrator disabled the connector.
    Disabled {
        /// The connector's name.
        connector: String,
    },
    /// 403 `authentication-failed`: MMS does not accept the key.
    KeyRejected {
        /// The envelope's `Details`.
        details: String,
    },
    /// 409 `connector-name-taken`: the key is unknown and the name belongs to another key.
    NameTaken {
        /// The connector's name.
        connector: String,
    },
    /// No answer: connection refused or broken, timeout; after every retry.
    Unreachable {
        /// e.g. `GET /connector`.
        endpoint: String,
        /// Attempts made.
        attempts: u32,
        /// The last transport failure.
        reason: String,
    },
    /// An answer the protocol does not allow (unexpected body or shape).
    Protocol {
        /// e.g. `GET /assets`.
        endpoint: String,
        /// What was wrong.
        reason: String,
    },
    /// An error answer: not retryable, or still failing after every retry.
    Answered {
        /// e.g. `POST /runs/7/stop`.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The `X-MMS-Error` code, when present.
        code: Option<String>,
        /// The envelope's `Details`, or the reason phrase.
        details: String,
        /// Attempts made.
        attempts: u32,
    },
    /// A batch was not confirmed; see [`BatchFailure`].
    Batch(Box<BatchFailure>),
}

/// Whether MMS may have applied a batch it did not confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Every attempt was answered or refused before anything was sent: nothing was applied.
    NotApplied,
    /// An attempt broke off after the batch was sent (dropped connection, timeout, a gateway
    /// error, or a success answer that could not be read): MMS may have applied all of it.
    /// Batches are one transaction, so it is all or nothing.
    MayBeApplied,
}

/// One operation of a batch that MMS did not confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconfirmed {
    /// Its position in the batch.
    pub index: usize,
    /// The Miradore device it came from.
    pub device_id: String,
    /// The asset it was for.
    pub identity: Identity,
    /// Its type, e.g. `import_inventory`.
    pub operation: &'static str,
}

/// A batch that MMS did not confirm: every one of its operations is unconfirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchFailure {
    /// The run.
    pub run: RunId,
    /// The batch's key: sending the same operations again with it is safe.
    pub key: IdempotencyKey,
    /// Whether it may have been applied.
    pub outcome: BatchOutcome,
    /// The operations not confirmed, in batch order.
    pub unconfirmed: Vec<Unconfirmed>,
    /// Why: the last failure.
    pub cause: MmsError,
}

/// Device IDs listed in a message before "and N more".
const LISTED: usize = 10;

impl MmsError {
    /// The batch failure, when this is one.
    pub fn batch(&self) -> Option<&BatchFailure> {
        match self {
            MmsError::Batch(failure) => Some(failure),
            _ => None,
        }
    }

    /// The diagnostic for this error.
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            MmsError::Setup(reason) => Diagnostic::error(Code::MmsSetup, format!("cannot set up the MMS client: {reason}")),
            MmsError::NotAuthorized { connector } => {
                Diagnostic::error(Code::MmsNotAuthorized, format!("the MMS connector `{connector}` is not authorized yet"))
                    .note("a connector is registered as Not authorized on its first contact with MMS")
                    .help(format!("an MMS administrator must set `{connector}` Active in {AUTHORIZE_AT}; then run again"))
            }
            MmsError::Disabled { connector } => {
                Diagnostic::error(Code::MmsDisabled, format!("the MMS connector `{connector}` is disabled"))
                    .help(format!("an MMS administrator can set `{connector}` Active again in {AUTHORIZE_AT}"))
            }
            MmsError::KeyRejected { details } => {
                Diagnostic::error(Code::MmsKeyRejected, format!("MMS rejected the connector key: {details}"))
                    .help("check the connector key given to mapper (MMS_CONNECTOR_KEY): 16 to 256 visible ASCII characters, the one the connector registered with")
            }
            MmsError::NameTaken { connector } => Diagnostic::error(
                Code::MmsKeyRejected,
                format!("MMS does not know this connector key, and the name `{connector}` is registered with another key"),
            )
            .help(format!(
                "use the key `{connector}` was registered with, or choose another connector name (a new name registers a new connector)"
            )),
            MmsError::Unreachable { endpoint, attempts, reason } => {
                let diagnostic = Diagnostic::error(Code::MmsUnreachable, format!("MMS cannot be reached ({endpoint}, {}): {reason}", plural(*attempts, "attempt")));
                match reason.to_lowercase().contains("certificate") {
                    true => diagnostic.help("MMS's certificate is not trusted: give mapper its certificate, or its CA's, as a PEM file to trust"),
                    false => diagnostic.help("check --mms-url, the network, and that the MMS web service is running"),
                }
            }
            MmsError::Protocol { endpoint, reason } => {
                Diagnostic::error(Code::MmsProtocol, format!("MMS answered {endpoint} with something the connector protocol does not allow: {reason}"))
                    .note("is --mms-url the MMS base URL `<server>/<instance>`, and does this MMS speak protocol v1?")
            }
            MmsError::Answered { endpoint, status, code, details, attempts } => {
                let shown = code.as_deref().map(|code| format!(" {code}")).unwrap_or_default();
                let mut diagnostic = Diagnostic::error(Code::MmsAnswered, format!("MMS answered {endpoint} with {status}{shown}: {details}"));
                if *attempts > 1 {
                    diagnostic = diagnostic.note(format!("still failing after {attempts} attempts"));
                }
                match (status, code.as_deref()) {
                    (404, None | Some("not-found")) if endpoint.starts_with("GET /connector") => diagnostic
                        .help("check --mms-url: it is the MMS base URL `<server>/<instance>`, e.g. https://mms.example.com/miradore"),
                    _ => diagnostic,
                }
            }
            MmsError::Batch(failure) => failure.diagnostic(),
        }
    }
}

impl BatchFailure {
    /// The diagnostic: the cause, whether the batch may have been applied, and which devices.
    pub fn diagnostic(&self) -> Diagnostic {
        let cause = self.cause.diagnostic();
        let count = self.unconfirmed.len();
        let mut diagnostic = Diagnostic::error(
            Code::MmsBatchUnconfirmed,
            format!(
                "MMS did not confirm a batch of {} (run {}, key {}): {}",
                plural(count as u64, "operation"),
                self.run,
                self.key,
                cause.message
            ),
        )
        .note(format!("cause: {} {}", cause.code, cause.code.title()));
        diagnostic = match self.outcome {
            BatchOutcome::NotApplied => diagnostic.note("MMS did not apply the batch: none of its operations took effect"),
            BatchOutcome::MayBeApplied => diagnostic.note(
                "the outcome is unknown: the answer was lost after the batch was sent, so MMS may have applied all of it (a batch is all or nothing)",
            ),
        };
        let mut devices: Vec<&str> = Vec::new();
        for unconfirmed in &self.unconfirmed {
            if !devices.contains(&unconfirmed.device_id.as_str()) {
                devices.push(&unconfirmed.device_id);
            }
        }
        let more = devices.len().saturating_sub(LISTED);
        let listed = devices.iter().take(LISTED).copied().collect::<Vec<_>>().join(", ");
        let devices = match more {
            0 => format!("unconfirmed devices: {listed}"),
            more => format!("unconfirmed devices: {listed} and {more} more"),
        };
        diagnostic = diagnostic.note(devices);
        let diagnostic = cause.notes.into_iter().fold(diagnostic, Diagnostic::note);
        match cause.help {
            Some(help) => diagnostic.help(help),
            None => diagnostic
                .help("the next run sends these operations again; operations already applied come back unchanged"),
        }
    }
}

fn plural(count: impl Into<u64>, word: &str) -> String {
    match count.into() {
        1 => format!("1 {word}"),
        count => format!("{count} {word}s"),
    }
}

impl fmt::Display for MmsError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.diagnostic().message)
    }
}

impl std::error::Error for MmsError {}

impl fmt::Display for BatchFailure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.diagnostic().message)
    }
}
