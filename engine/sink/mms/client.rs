//! Sink: the MMS connector protocol v1 over HTTP(S): one request per call, retried with backoff
//! and jitter (honouring `Retry-After`) on 408, 425, 429, 500, 502, 503, 504, transport failures
//! and bodies that break off; error envelopes become [`MmsError`]s. The connector key travels in
//! a header marked sensitive and is scrubbed from every text that comes back.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::envelope;
use super::error::{BatchFailure, BatchOutcome, MmsError, Unconfirmed};
use super::idempotency::IdempotencyKey;
use super::protocol::{
    AUTH_SCHEME, AssetPage, AssetStatus, AssetSummary, BatchRequest, BatchResponse, Configuration, ConnectorState,
    ConnectorStatus, ERROR_HEADER, IDEMPOTENCY_HEADER, MAX_LOG_BYTES, MAX_REASON_BYTES, NAME_HEADER, OperationResult,
    PATH_PREFIX, REPLAYED_HEADER, Run, RunId, StartRequest, StopEvent, StopResult, truncate,
};
use super::settings::Settings;
use crate::ops::Operation;

/// What the start event says about the client.
const CLIENT: &str = concat!("mapper ", env!("CARGO_PKG_VERSION"));

/// An MMS connector-protocol client.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    settings: Settings,
    /// `<base>/connectors/rest.svc/v1`.
    root: String,
    /// `Connector <key>`, marked sensitive.
    authorization: HeaderValue,
    name: HeaderValue,
}

impl fmt::Debug for Client {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Client")
            .field("base_url", &self.settings.base_url)
            .field("connector_name", &self.settings.connector_name)
            .finish_non_exhaustive()
    }
}

impl ConnectorState {
    /// `Ok` when the connector may work; otherwise the error that tells the administrator where
    /// to authorize it.
    pub fn require_active(&self) -> Result<(), MmsError> {
        match self.status {
            ConnectorStatus::Active => Ok(()),
            ConnectorStatus::NotAuthorized => Err(MmsError::NotAuthorized { connector: self.name.clone() }),
            ConnectorStatus::Disabled => Err(MmsError::Disabled { connector: self.name.clone() }),
        }
    }
}

impl Client {
    /// A client for `settings`; checks the URL, key, name and certificate.
    pub fn new(settings: Settings) -> Result<Client, MmsError> {
        let url = reqwest::Url::parse(&settings.base_url)
            .map_err(|error| MmsError::Setup(format!("--mms-url `{}`: {error}", settings.base_url)))?;
        if !matches!(url.scheme(), "http" | "https") || url.query().is_some() || url.fragment().is_some() {
            return Err(MmsError::Setup(format!(
                "--mms-url `{}` is not an http(s) base URL `<server>/<instance>`",
                settings.base_url
            )));
        }
        if settings.connector_key.expose().is_empty() {
            return Err(MmsError::Setup("no MMS connector key was given".into()));
        }
        let mut authorization = HeaderValue::from_str(&format!("{AUTH_SCHEME} {}", settings.connector_key.expose()))
            .map_err(|_| {
                MmsError::Setup("the MMS connector key holds characters an HTTP header cannot carry".into())
            })?;
        authorization.set_sensitive(true);
        let name = &settings.connector_name;
        let valid_name = !name.trim().is_empty()
            && name.len() <= 100
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '));
        if !valid_name {
            return Err(MmsError::Setup(format!(
                "the connector name `{name}` must be 1 to 100 letters, digits, '-', '_', '.' or spaces"
            )));
        }
        let name = HeaderValue::from_str(name).map_err(|error| MmsError::Setup(error.to_string()))?;
        let http =
            crate::http::client(settings.connect_timeout, settings.request_timeout, settings.trust_pem.as_deref())
                .map_err(MmsError::Setup)?;
        let root = format!("{}{PATH_PREFIX}", settings.base_url);
        Ok(Client { http, settings, root, authorization, name })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// `GET /connector`: the connector's status. The first contact with an unknown key
    /// registers the connector as `NotAuthorized` under the configured name.
    pub async fn status(&self) -> Result<ConnectorState, MmsError> {
        let call = Call { register: true, ..Call::new(Method::GET, "/connector".into()) };
        self.call(&call, json).await.map_err(|failure| failure.error)
    }

    /// `POST /runs`: the start event. A retry after a lost answer may start a second run; MMS
    /// then marks the first one `N/A`, superseded, which is the truth.
    pub async fn start_run(&self) -> Result<RunId, MmsError> {
        let body = serde_json::to_vec(&StartRequest { client: CLIENT, mode: "sync" })
            .map_err(|error| MmsError::Setup(error.to_string()))?;
        let call = Call { body: Some(Bytes::from(body)), ..Call::new(Method::POST, "/runs".into()) };
        let run: Run = self.call(&call, json).await.map_err(|failure| failure.error)?;
        Ok(run.run_id)
    }

    /// `GET /connector/configuration`: the Miradore site and key and the log severity.
    pub async fn configuration(&self) -> Result<Configuration, MmsError> {
        let call = Call::new(Method::GET, "/connector/configuration".into());
        // serde's messages may quote a value, and this answer holds a secret: say only where.
        let parse = |headers: &HeaderMap, body: &Bytes| decode::<Configuration>(headers, body, false);
        self.call(&call, parse).await.map_err(|failure| failure.error)
    }

    /// `POST /runs/{run}/batches`: applies `operations` in order, in one transaction; one result
    /// per operation. Retries send the same body with the same `key`, so MMS applies it once.
    /// Every error is [`MmsError::Batch`]: it lists the unconfirmed operations and says whether
    /// MMS may have applied them.
    pub async fn apply_batch(
        &self,
        run: RunId,
        operations: &[Operation],
        key: &IdempotencyKey,
    ) -> Result<Vec<OperationResult>, MmsError> {
        let failed = |error: MmsError, ambiguous: bool| {
            MmsError::Batch(Box::new(BatchFailure {
                run,
                key: key.clone(),
                outcome: if ambiguous { BatchOutcome::MayBeApplied } else { BatchOutcome::NotApplied },
                unconfirmed: operations
                    .iter()
                    .enumerate()
                    .map(|(index, operation)| Unconfirmed {
                        index,
                        device_id: operation.device_id.clone(),
                        identity: operation.identity.clone(),
                        operation: operation.action.name(),
                    })
                    .collect(),
                cause: error,
            }))
        };
        let body = serde_json::to_vec(&BatchRequest { operations })
            .map_err(|error| failed(MmsError::Setup(error.to_string()), false))?;
        let call = Call {
            body: Some(Bytes::from(body)),
            idempotency_key: Some(key.as_str()),
            ..Call::new(Method::POST, format!("/runs/{run}/batches"))
        };
        let expected = operations.len();
        let parse = |headers: &HeaderMap, body: &Bytes| {
            let response: BatchResponse = json(headers, body)?;
            if response.results.len() != expected {
                return Err(Unreadable::invalid(format!(
                    "{} results for {expected} operations",
                    response.results.len()
                )));
            }
            if let Some((position, result)) =
                response.results.iter().enumerate().find(|(position, result)| result.index != *position)
            {
                return Err(Unreadable::invalid(format!("result {position} has index {}", result.index)));
            }
            if headers.get(REPLAYED_HEADER).is_some() {
                tracing::debug!(
                    run = run.0,
                    key = key.as_str(),
                    "MMS answered the batch from storage: it had been applied before"
                );
            }
            Ok(response.results)
        };
        self.call(&call, parse).await.map_err(|failure| failed(failure.error, failure.ambiguous))
    }

    /// `POST /runs/{run}/stop`: the stop event, also for a failed run. A `Failed` result without
    /// a reason gets one; reason and log are cut to the protocol's limits.
    pub async fn stop_run(&self, run: RunId, stop: &StopEvent) -> Result<Run, MmsError> {
        let key = &self.settings.connector_key;
        let mut stop = stop.clone();
        stop.reason = match (stop.result, stop.reason.take().filter(|reason| !reason.trim().is_empty())) {
            (_, Some(reason)) => Some(truncate(&key.redact(&reason), MAX_REASON_BYTES).to_string()),
            (StopResult::Failed, None) => Some("the run failed; no reason was given".into()),
            (StopResult::Success, None) => None,
        };
        stop.log = stop.log.take().map(|log| truncate(&key.redact(&log), MAX_LOG_BYTES).to_string());
        let body = serde_json::to_vec(&stop).map_err(|error| MmsError::Setup(error.to_string()))?;
        // Safe to retry: the same result again answers the stored run.
        let call = Call { body: Some(Bytes::from(body)), ..Call::new(Method::POST, format!("/runs/{run}/stop")) };
        self.call(&call, json).await.map_err(|failure| failure.error)
    }

    /// `GET /assets`, every page: the assets this connector imported, by `asset_id`.
    pub async fn assets(&self, status: Option<AssetStatus>) -> Result<Vec<AssetSummary>, MmsError> {
        let mut assets = Vec::new();
        let mut after = 0;
        loop {
            let (page, next) = self.asset_page(status, after).await?;
            assets.extend(page);
            match next {
                Some(next) if next > after => after = next,
                Some(next) => {
                    return Err(MmsError::Protocol {
                        endpoint: "GET /assets".into(),
                        reason: format!("next_after {next} does not advance past {after}"),
                    });
                }
                None => return Ok(assets),
            }
        }
    }

    /// One page of `GET /assets` after `after`: the assets and the `after` of the next page.
    pub async fn asset_page(
        &self,
        status: Option<AssetStatus>,
        after: i64,
    ) -> Result<(Vec<AssetSummary>, Option<i64>), MmsError> {
        let limit = self.settings.asset_page_size.clamp(1, 5000);
        let status = status.map(|status| format!("&status={}", status.as_str())).unwrap_or_default();
        let call = Call::new(Method::GET, format!("/assets?after={after}&limit={limit}{status}"));
        let page: AssetPage = self.call(&call, json).await.map_err(|failure| failure.error)?;
        Ok((page.assets, page.next_after))
    }

    /// Sends `call`, retrying what may be retried, and parses a success answer with `parse`.
    async fn call<T>(
        &self,
        call: &Call<'_>,
        parse: impl Fn(&HeaderMap, &Bytes) -> Result<T, Unreadable>,
    ) -> Result<T, Failure> {
        let policy = self.settings.retry;
        let attempts = policy.attempts.max(1);
        let endpoint = call.endpoint();
        let mut ambiguous = false;
        let mut last = Retryable::Transport(String::new());
        for attempt in 1..=attempts {
            let (step, sent) = self.attempt(call, &parse).await;
            ambiguous |= sent;
            let retry_after = match step {
                Step::Done(value) => return Ok(value),
                Step::Refused(error) => return Err(Failure { error: with_attempts(error, attempt), ambiguous }),
                Step::Retry { reason, retry_after } => {
                    last = reason;
                    retry_after
                }
            };
            if attempt == attempts {
                break;
            }
            let wait = policy.backoff(attempt, retry_after);
            tracing::debug!(endpoint = %endpoint, attempt, reason = %last, wait_ms = wait.as_millis() as u64, "retrying an MMS request");
            tokio::time::sleep(wait).await;
        }
        let error = match last {
            Retryable::Transport(reason) => MmsError::Unreachable { endpoint, attempts, reason },
            Retryable::Unreadable(reason) => {
                MmsError::Protocol { endpoint, reason: format!("{reason} (after {attempts} attempts)") }
            }
            Retryable::Status { status, code, details } => {
                MmsError::Answered { endpoint, status, code, details, attempts }
            }
        };
        Err(Failure { error, ambiguous })
    }

    /// One attempt, and whether the request may have taken effect without a success answer.
    async fn attempt<T>(
        &self,
        call: &Call<'_>,
        parse: &impl Fn(&HeaderMap, &Bytes) -> Result<T, Unreadable>,
    ) -> (Step<T>, bool) {
        let mut request = self
            .http
            .request(call.method.clone(), format!("{}{}", self.root, call.path))
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, "application/json");
        if call.register {
            request = request.header(NAME_HEADER, self.name.clone());
        }
        if let Some(key) = call.idempotency_key {
            request = request.header(IDEMPOTENCY_HEADER, key);
        }
        if let Some(body) = &call.body {
            request = request.header(CONTENT_TYPE, "application/json").body(body.clone());
        }
        let response = match request.send().await {
            Ok(response) => response,
            // A failed connect sent nothing; any later failure may have come after MMS acted.
            Err(error) => return (Step::transport(self.describe(&error)), !error.is_connect()),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let retry_after = crate::http::retry_after(&headers);
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => {
                let reason = format!("the answer broke off: {}", self.describe(&error));
                return (Step::transport(reason), true);
            }
        };
        if status.is_success() {
            return match parse(&headers, &body) {
                Ok(value) => (Step::Done(value), false),
                Err(Unreadable { reason, retry: true }) => {
                    (Step::Retry { reason: Retryable::Unreadable(self.scrub(&reason)), retry_after: None }, true)
                }
                Err(Unreadable { reason, retry: false }) => {
                    let error = MmsError::Protocol { endpoint: call.endpoint(), reason: self.scrub(&reason) };
                    (Step::Refused(error), true)
                }
            };
        }
        let code = headers.get(ERROR_HEADER).and_then(|value| value.to_str().ok()).map(|code| code.trim().to_string());
        let details = envelope::parse(&body)
            .and_then(|envelope| envelope.text().map(str::to_string))
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("no details").to_string());
        let details = self.scrub(&details);
        let connector = || self.settings.connector_name.clone();
        let step = match (status.as_u16(), code.as_deref()) {
            (403, Some("connector-not-authorized")) => {
                Step::Refused(MmsError::NotAuthorized { connector: connector() })
            }
            (403, Some("connector-disabled")) => Step::Refused(MmsError::Disabled { connector: connector() }),
            (403, _) => Step::Refused(MmsError::KeyRejected { details }),
            (409, Some("connector-name-taken")) => Step::Refused(MmsError::NameTaken { connector: connector() }),
            (408 | 425 | 429 | 500 | 502 | 503 | 504, _) => {
                // MMS applies a batch in one transaction and says so with its own code; a
                // gateway's 502 or 504, or a 5xx without MMS's header, may hide a batch that was applied.
                let ambiguous = matches!(status, StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT)
                    || (status.is_server_error() && code.is_none());
                let reason = Retryable::Status { status: status.as_u16(), code, details };
                return (Step::Retry { reason, retry_after }, ambiguous);
            }
            (status, _) => {
                Step::Refused(MmsError::Answered { endpoint: call.endpoint(), status, code, details, attempts: 1 })
            }
        };
        (step, false)
    }

    /// A transport error's text with its causes, without the URL (the endpoint is said
    /// elsewhere) and without the key.
    fn describe(&self, error: &reqwest::Error) -> String {
        let mut parts: Vec<String> = Vec::new();
        if error.is_timeout() {
            parts.push("timed out".into());
        }
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let part = cause.to_string();
            if !part.is_empty() && !parts.iter().any(|known| known.contains(&part)) {
                parts.push(part);
            }
            source = cause.source();
        }
        if parts.is_empty() {
            parts.push(error.to_string());
        }
        self.scrub(&parts.join(": "))
    }

    /// `text` with the connector key scrubbed out.
    fn scrub(&self, text: &str) -> String {
        self.settings.connector_key.redact(text)
    }
}

/// One request, the same bytes on every attempt.
struct Call<'a> {
    method: Method,
    /// Under the protocol root, with the query.
    path: String,
    body: Option<Bytes>,
    /// Send `X-Connector-Name`, so that an unknown key registers.
    register: bool,
    idempotency_key: Option<&'a str>,
}

impl Call<'_> {
    fn new(method: Method, path: String) -> Self {
        Call { method, path, body: None, register: false, idempotency_key: None }
    }

    /// `GET /assets` (the query left out), for messages.
    fn endpoint(&self) -> String {
        let path = self.path.split('?').next().unwrap_or_default();
        format!("{} {path}", self.method)
    }
}

/// How an attempt ended.
enum Step<T> {
    Done(T),
    /// Not retried: retrying would get the same answer.
    Refused(MmsError),
    Retry {
        reason: Retryable,
        retry_after: Option<Duration>,
    },
}

impl<T> Step<T> {
    fn transport(reason: String) -> Self {
        Step::Retry { reason: Retryable::Transport(reason), retry_after: None }
    }
}

/// The last reason to retry, which becomes the error once the attempts run out.
enum Retryable {
    Transport(String),
    Unreadable(String),
    Status { status: u16, code: Option<String>, details: String },
}

impl fmt::Display for Retryable {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retryable::Transport(reason) | Retryable::Unreadable(reason) => formatter.write_str(reason),
            Retryable::Status { status, code: Some(code), details } => {
                write!(formatter, "HTTP {status} {code}: {details}")
            }
            Retryable::Status { status, code: None, details } => write!(formatter, "HTTP {status}: {details}"),
        }
    }
}

/// A success answer that could not be read; `retry` when it broke off (the JSON ends early).
struct Unreadable {
    reason: String,
    retry: bool,
}

impl Unreadable {
    fn invalid(reason: String) -> Self {
        Unreadable { reason, retry: false }
    }
}

/// A call's failure, and whether the request may have taken effect anyway.
struct Failure {
    error: MmsError,
    ambiguous: bool,
}

fn json<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, Unreadable> {
    decode(headers, body, true)
}

/// Reads a JSON answer; `detailed` lets the reason quote serde's message (which may quote values).
fn decode<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes, detailed: bool) -> Result<T, Unreadable> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        let shown = if content_type.is_empty() { "no content type" } else { content_type };
        return Err(Unreadable::invalid(format!("the answer is {shown}, not application/json")));
    }
    serde_json::from_slice(body).map_err(|error| Unreadable {
        retry: error.is_eof(),
        reason: match detailed {
            true => format!("the JSON answer is not valid: {error}"),
            false => format!("the JSON answer is not valid at line {} column {}", error.line(), error.column()),
        },
    })
}

fn with_attempts(error: MmsError, attempts: u32) -> MmsError {
    match error {
        MmsError::Answered { endpoint, status, code, details, .. } => {
            MmsError::Answered { endpoint, status, code, details, attempts }
        }
        other => other,
    }
}
