//! The HTTP side of the emulator: an axum Router answering `GET /<site>/API/Device[/<id>]`
//! like Miradore MDM API v1, with the configured faults injected.
//!
//! Order of checks for each request: latency, site (500), `auth` (401), `select` (400),
//! `options` (400), then faults, then the answer (404 for an unknown device id).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::get;
use futures_util::{StreamExt, stream};

use super::MiradoreConfig;
use super::faults::{FaultAction, Injector, QueryKind};
use super::log::{RequestLog, RequestRecord};
use super::options::{Options, RequestQuery, redact};
use super::select::Selection;
use super::xml::{render_error, render_page};

const CONTENT_TYPE: &str = "application/xml; charset=utf-8";

struct Shared {
    config: MiradoreConfig,
    injector: Injector,
    log: RequestLog,
}

/// What the handler learnt about a request, for the log.
#[derive(Default)]
struct Outcome {
    kind: Option<QueryKind>,
    page: Option<usize>,
    fault: Option<&'static str>,
}

/// The emulator's routes, and the log they write to.
pub fn router(config: MiradoreConfig) -> (Router, RequestLog) {
    let log = RequestLog::default();
    let shared = Arc::new(Shared { injector: Injector::new(&config.faults), config, log: log.clone() });
    let router = Router::new()
        .route("/{site}/API/Device", get(list))
        .route("/{site}/API/Device/{id}", get(single))
        .route("/API/Device", get(siteless))
        .route("/API/Device/{id}", get(siteless))
        .fallback(not_found)
        .with_state(shared);
    (router, log)
}

async fn list(State(shared): State<Arc<Shared>>, Path(site): Path<String>, method: Method, uri: Uri) -> Response {
    answer(&shared, &site, None, method, uri).await
}

async fn single(
    State(shared): State<Arc<Shared>>,
    Path((site, id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
) -> Response {
    answer(&shared, &site, Some(&id), method, uri).await
}

/// The live API answers 500 when the URL has no site, whatever the key.
async fn siteless(State(shared): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    tokio::time::sleep(shared.config.faults.latency).await;
    let response = error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
    log(&shared, &method, &uri, &response, Outcome::default());
    response
}

async fn not_found(State(shared): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    let response = error(StatusCode::NOT_FOUND, "Not found");
    log(&shared, &method, &uri, &response, Outcome::default());
    response
}

async fn answer(shared: &Shared, site: &str, id: Option<&str>, method: Method, uri: Uri) -> Response {
    tokio::time::sleep(shared.config.faults.latency).await;
    let mut outcome = Outcome::default();
    let response = respond(shared, site, id, uri.query().unwrap_or(""), &mut outcome).await;
    log(shared, &method, &uri, &response, outcome);
    response
}

async fn respond(shared: &Shared, site: &str, id: Option<&str>, raw_query: &str, outcome: &mut Outcome) -> Response {
    let config = &shared.config;
    // Sites are case-sensitive: `/Acme/` is as unknown as `/nobody/`.
    if site != config.site {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
    }
    let query = RequestQuery::parse(raw_query);
    if query.auth.as_deref() != Some(config.api_key.as_str()) {
        return error(StatusCode::UNAUTHORIZED, "Authentication failed");
    }
    let selection = match Selection::parse_or_default(query.select.as_deref()) {
        Ok(selection) => selection,
        Err(refused) => return error(StatusCode::BAD_REQUEST, &refused.to_string()),
    };
    let options = match Options::parse(query.options.as_deref()) {
        Ok(options) => options,
        Err(refused) => return error(StatusCode::BAD_REQUEST, &refused.to_string()),
    };
    let kind = if selection.includes_applications() { QueryKind::Software } else { QueryKind::Device };
    outcome.kind = Some(kind);
    outcome.page = id.is_none().then_some(options.page);

    let fault = shared.injector.pick(outcome.page, kind);
    outcome.fault = fault.as_ref().map(FaultAction::name);
    match fault {
        Some(FaultAction::RateLimit { retry_after }) => {
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return response;
        }
        Some(FaultAction::ServerError) => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
        }
        Some(FaultAction::Status { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return error(status, status.canonical_reason().unwrap_or("Error"));
        }
        _ => {}
    }

    let estate = &config.estate;
    let body = match id {
        Some(id) => match id.parse().ok().and_then(|id| estate.device(id)) {
            Some(device) => render_page(estate, std::slice::from_ref(device), 1, &selection, &options.date_format),
            None => return error(StatusCode::NOT_FOUND, "Not found"),
        },
        None => {
            let total = estate.devices.len();
            let page = match fault {
                Some(FaultAction::RepeatPreviousPage) => options.page.saturating_sub(1).max(1),
                _ => options.page,
            };
            let start = (page - 1).saturating_mul(options.rows).min(total);
            let end = start.saturating_add(options.rows).min(total);
            let announced = match fault {
                Some(FaultAction::Miscount { delta }) => total.saturating_add_signed(delta as isize),
                _ => total,
            };
            render_page(estate, &estate.devices[start..end], announced, &selection, &options.date_format)
        }
    };
    match fault {
        Some(FaultAction::Truncate) => {
            let mut cut = body.len() / 2;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            xml(StatusCode::OK, Body::from(body[..cut].to_string()))
        }
        Some(FaultAction::DropConnection) => xml(StatusCode::OK, dropped_body(body)),
        Some(FaultAction::SlowBody { chunk_bytes, delay }) => xml(StatusCode::OK, slow_body(body, chunk_bytes, delay)),
        _ => xml(StatusCode::OK, Body::from(body)),
    }
}

/// Half the body, then (once that has had time to go out with the headers) an error that makes
/// the server abort the connection.
fn dropped_body(body: String) -> Body {
    let bytes = Bytes::from(body);
    let first = bytes.slice(..bytes.len() / 2);
    let abort = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "fault injected: connection dropped"))
    };
    let stream = stream::once(async { Ok(first) }).chain(stream::once(abort));
    Body::from_stream(stream)
}

/// The body in chunks of `chunk_bytes`, pausing `delay` before each chunk after the first.
fn slow_body(body: String, chunk_bytes: usize, delay: Duration) -> Body {
    let bytes = Bytes::from(body);
    let chunk_bytes = chunk_bytes.max(1);
    let stream = stream::unfold(0usize, move |offset| {
        let bytes = bytes.clone();
        async move {
            if offset >= bytes.len() {
                return None;
            }
            if offset > 0 {
                tokio::time::sleep(delay).await;
            }
            let end = (offset + chunk_bytes).min(bytes.len());
            Some((Ok::<_, Infallible>(bytes.slice(offset..end)), end))
        }
    });
    Body::from_stream(stream)
}

fn error(status: StatusCode, description: &str) -> Response {
    xml(status, Body::from(render_error(description, status.as_u16())))
}

fn xml(status: StatusCode, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

fn log(shared: &Shared, method: &Method, uri: &Uri, response: &Response, outcome: Outcome) {
    shared.log.push(RequestRecord {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: redact(uri.query().unwrap_or("")),
        status: response.status().as_u16(),
        kind: outcome.kind,
        page: outcome.page,
        fault: outcome.fault,
    });
}
