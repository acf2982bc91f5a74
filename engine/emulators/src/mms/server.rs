//! The HTTP side: routes under `/<instance>/connectors/rest.svc/v1`, one handler per endpoint.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::apply::Applied;
use super::auth::{authenticate, hex, require_active};
use super::db::{Connector, Store, StoredBatch, to_json};
use super::error::ApiError;
use super::faults::{BatchFault, FaultState, dropped_connection};
use super::protocol::{
    ADMIN_PATH, AssetPage, AssetStatus, BatchRequest, BatchResponse, ConnectorState, IDEMPOTENCY_HEADER, LogSeverity,
    MAX_BATCH_OPERATIONS, MAX_BODY_BYTES, OperationResult, PATH_PREFIX, RunResult, StartRequest, StopRequest,
};

/// What every handler shares.
#[derive(Clone)]
pub(super) struct AppState {
    pub(super) store: Arc<Mutex<Store>>,
    pub(super) faults: Arc<FaultState>,
}

impl AppState {
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The request's connector, which must be `Active`.
    fn active(&self, headers: &HeaderMap) -> Result<Connector, ApiError> {
        let connector = authenticate(&self.store(), headers)?;
        require_active(&connector)?;
        Ok(connector)
    }
}

/// The router for instance `instance`.
pub(super) fn router(state: AppState, instance: &str) -> Router {
    let api = Router::new()
        .route("/connector", get(connector_state))
        .route("/connector/configuration", get(configuration))
        .route("/runs", post(start_run))
        .route("/runs/{run}", get(read_run))
        .route("/runs/{run}/batches", post(batch))
        .route("/runs/{run}/stop", post(stop_run))
        .route("/assets", get(assets))
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest(&format!("/{instance}{PATH_PREFIX}"), api)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), faults_and_counts))
        .with_state(state)
}

async fn faults_and_counts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        state.faults.writes.fetch_add(1, Ordering::SeqCst);
    }
    if let Some(latency) = state.faults.latency() {
        tokio::time::sleep(latency).await;
    }
    if state.faults.is_down() {
        return dropped_connection();
    }
    next.run(request).await
}

async fn not_found() -> ApiError {
    ApiError::not_found("No such resource")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed on this resource")
}

async fn connector_state(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<ConnectorState>, ApiError> {
    let connector = authenticate(&state.store(), &headers)?;
    Ok(Json(ConnectorState {
        name: connector.name,
        status: connector.status,
        registered: connector.registered,
        authorize_at: ADMIN_PATH.to_string(),
    }))
}

async fn configuration(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let connector = state.active(&headers)?;
    let mut configuration = connector.configuration;
    configuration.log_severity.get_or_insert(LogSeverity::Info);
    let mut response = Json(configuration).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Parses a JSON body, answering 400, 413 or 415 in the envelope.
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    empty: Option<T>,
) -> Result<(T, serde_json::Value), ApiError> {
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE { "body-too-large" } else { "invalid-request" };
        ApiError::new(status, code, rejection.body_text())
    })?;
    if body.is_empty() {
        if let Some(empty) = empty {
            return Ok((empty, serde_json::Value::Null));
        }
    }
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let json = content_type.to_str().unwrap_or("").trim().to_ascii_lowercase();
        if !json.starts_with("application/json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Request bodies must be application/json",
            ));
        }
    }
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|error| ApiError::bad_request("invalid-request", format!("Body is not JSON: {error}")))?;
    let parsed = serde_json::from_value(value.clone())
        .map_err(|error| ApiError::bad_request("invalid-request", format!("Body does not match: {error}")))?;
    Ok((parsed, value))
}

async fn start_run(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let connector = state.active(&headers)?;
    let (request, _): (StartRequest, _) = json_body(&headers, body, Some(StartRequest::default()))?;
    let run = state.store().start_run(connector.id, request.client.as_deref(), request.mode.as_deref())?;
    tracing::info!(connector = connector.name, run = run.run_id, "run started");
    Ok((StatusCode::CREATED, Json(run)).into_response())
}

/// The `{run}` path segment; anything but a number names no run.
fn run_number(segment: &str) -> Result<i64, ApiError> {
    segment.parse().map_err(|_| ApiError::not_found(format!("Run {segment} does not exist for this connector")))
}

fn run_not_found(run_id: i64) -> ApiError {
    ApiError::not_found(format!("Run {run_id} does not exist for this connector"))
}

async fn read_run(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(run): Path<String>,
) -> Result<Response, ApiError> {
    let connector = state.active(&headers)?;
    let run_id = run_number(&run)?;
    let run = state.store().run(connector.id, run_id)?.ok_or_else(|| run_not_found(run_id))?;
    Ok(Json(run).into_response())
}

async fn stop_run(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(run): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let connector = state.active(&headers)?;
    let run_id = run_number(&run)?;
    let (request, _): (StopRequest, _) = json_body(&headers, body, None)?;
    if request.result == RunResult::NotAvailable {
        return Err(ApiError::bad_request("invalid-request", "result must be Success or Failed"));
    }
    let reason = request.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if request.result == RunResult::Failed && reason.is_none() {
        return Err(ApiError::bad_request("reason-required", "A Failed run needs a reason"));
    }
    if reason.is_some_and(|r| r.len() > 4096) || request.log.as_ref().is_some_and(|l| l.len() > 65_536) {
        return Err(ApiError::bad_request("invalid-request", "reason is limited to 4096 bytes, log to 65536"));
    }
    let store = state.store();
    let run = store.run(connector.id, run_id)?.ok_or_else(|| run_not_found(run_id))?;
    match run.result {
        None => {
            store.stop_run(run_id, request.result, &request.counts, reason, request.log.as_deref())?;
            tracing::info!(connector = connector.name, run = run_id, result = %request.result, "run stopped");
        }
        Some(result) if result == request.result => {}
        Some(result) => {
            return Err(ApiError::conflict("run-finished", format!("Run {run_id} already ended with result {result}")));
        }
    }
    let run = store.run(connector.id, run_id)?.ok_or_else(|| run_not_found(run_id))?;
    Ok(Json(run).into_response())
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(IDEMPOTENCY_HEADER)
        .ok_or_else(|| ApiError::bad_request("idempotency-key-missing", "A batch needs an Idempotency-Key header"))?;
    let key = value.to_str().unwrap_or("");
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            "idempotency-key-invalid",
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(key.to_string())
}

fn replay(stored: StoredBatch, run_id: i64, request_sha256: &str, key: &str) -> Result<Vec<OperationResult>, ApiError> {
    if stored.run_id != run_id || stored.request_sha256 != request_sha256 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            format!("Idempotency-Key '{key}' was already used for a different batch"),
        ));
    }
    serde_json::from_str(&stored.results).map_err(ApiError::internal)
}

async fn batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(run): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let connector = state.active(&headers)?;
    let run_id = run_number(&run)?;
    let key = idempotency_key(&headers)?;
    let fault = state.faults.on_batch(&key);
    if let BatchFault::Down(number) = fault {
        tracing::info!(batch = number, "injected fault: MMS goes away; every request from now on is dropped");
        return Ok(dropped_connection());
    }
    if let BatchFault::Fail(number) = fault {
        let mut response = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service-unavailable",
            format!("Injected fault: batch request {number} failed; nothing was applied"),
        )
        .into_response();
        if let Some(seconds) = state.faults.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        return Ok(response);
    }
    let (request, value): (BatchRequest, _) = json_body(&headers, body, None)?;
    if request.operations.len() > MAX_BATCH_OPERATIONS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch-too-large",
            format!("A batch carries at most {MAX_BATCH_OPERATIONS} operations"),
        ));
    }
    let request_sha256 = hex(ring::digest::digest(&ring::digest::SHA256, to_json(&value).as_bytes()).as_ref());
    let (results, replayed) = {
        let mut store = state.store();
        let run = store.run(connector.id, run_id)?.ok_or_else(|| run_not_found(run_id))?;
        match store.stored_batch(connector.id, &key)? {
            Some(stored) => (replay(stored, run_id, &request_sha256, &key)?, true),
            None if run.result.is_some() => {
                return Err(ApiError::conflict("run-finished", format!("Run {run_id} has ended; start a new run")));
            }
            None => match store.apply_batch(connector.id, run_id, &key, &request_sha256, &request.operations)? {
                Applied::Now(results) => (results, false),
                Applied::Before(stored) => (replay(stored, run_id, &request_sha256, &key)?, true),
            },
        }
    };
    if let BatchFault::DropAfter(number) = fault {
        tracing::info!(batch = number, "injected fault: dropping the connection after applying the batch");
        return Ok(dropped_connection());
    }
    let mut response = Json(BatchResponse { results }).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

async fn assets(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AssetPage>, ApiError> {
    let connector = state.active(&headers)?;
    let Query(query) = query.map_err(|rejection| ApiError::bad_request("invalid-request", rejection.body_text()))?;
    let status = match query.get("status") {
        None => None,
        Some(text) => Some(AssetStatus::parse(text).ok_or_else(|| {
            ApiError::bad_request("invalid-request", "status must be AutoGenerated, Active or Retired")
        })?),
    };
    let number = |name: &str, default: i64, range: std::ops::RangeInclusive<i64>| -> Result<i64, ApiError> {
        match query.get(name) {
            None => Ok(default),
            Some(text) => text.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                ApiError::bad_request("invalid-request", format!("{name} must be a number in {range:?}"))
            }),
        }
    };
    let after = number("after", 0, 0..=i64::MAX)?;
    let limit = number("limit", 1000, 1..=5000)? as usize;
    let assets = state.store().assets_of(connector.id, status, after, limit)?;
    let next_after = if assets.len() == limit { assets.last().map(|a| a.asset_id) } else { None };
    Ok(Json(AssetPage { assets, next_after }))
}
