//! Source: one Miradore API v1 page over HTTP(S), with timeouts, retries with backoff and
//! jitter (honouring `Retry-After`), and error envelopes turned into [`FetchError`]s. URLs carry
//! the key, so they are never logged or printed unredacted.

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;

use super::error::FetchError;
use super::settings::Settings;
use crate::secret::{QUERY_VALUE, Secret};
use crate::source::xml::{Page, PageError, parse_page};

/// Which of the two queries a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    /// Devices with their hardware attributes.
    Devices,
    /// Device IDs with their applications.
    Software,
}

impl QueryKind {
    /// A word for messages and file names.
    pub fn name(self) -> &'static str {
        match self {
            QueryKind::Devices => "device",
            QueryKind::Software => "software",
        }
    }
}

/// One paged query.
#[derive(Debug, Clone)]
pub struct Query {
    /// Which query.
    pub kind: QueryKind,
    /// The `select` attributes.
    pub select: Vec<String>,
    /// Devices per page.
    pub rows: u32,
}

/// A Miradore API v1 client.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    settings: Settings,
    /// Some request of this run (by this client or a clone) got a page: the site exists, so a
    /// 500 is the service failing.
    reached: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Client {
    /// A client for `settings`.
    pub fn new(settings: Settings) -> Result<Client, FetchError> {
        if settings.site.trim().is_empty() {
            return Err(FetchError::Setup("no Miradore site: give --site or MIRADORE_SITE".into()));
        }
        if settings.api_key.expose().is_empty() {
            return Err(FetchError::Setup("no Miradore API key: set MIRADORE_API_KEY or give --api-key-file".into()));
        }
        reqwest::Url::parse(&settings.base_url)
            .map_err(|error| FetchError::Setup(format!("--miradore-url `{}`: {error}", settings.base_url)))?;
        let http =
            crate::http::client(settings.connect_timeout, settings.request_timeout, settings.trust_pem.as_deref())
                .map_err(FetchError::Setup)?;
        Ok(Client { http, settings, reached: Default::default() })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The request URL; it carries the key, so print only [`Client::redacted_url`].
    fn url(&self, query: &Query, page: u32) -> String {
        let encode = |value: &str| percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string();
        format!(
            "{}/{}/API/Device?auth={}&select={}&options={}",
            self.settings.base_url,
            encode(&self.settings.site),
            self.settings.api_key.encoded(),
            encode(&query.select.join(",")),
            encode(&format!("rows={},page={page}", query.rows)),
        )
    }

    /// The request URL with the key redacted, for logs and messages.
    pub fn redacted_url(&self, query: &Query, page: u32) -> String {
        self.settings.api_key.redact(&self.url(query, page))
    }

    /// The key, for scrubbing text that may hold it.
    pub fn secret(&self) -> &Secret {
        &self.settings.api_key
    }

    /// Fetches and parses one page, retrying what can be retried. `first_contact` marks a
    /// query's first page, where a lasting 500 before any page arrived means a wrong site name.
    pub async fn page(&self, query: &Query, page: u32, first_contact: bool) -> Result<(Bytes, Page), FetchError> {
        let policy = self.settings.retry;
        let mut last_reason = String::new();
        for attempt in 1..=policy.attempts.max(1) {
            let (reason, retry_after) = match self.attempt(query, page).await {
                Attempt::Done(result) => return result,
                // A wrong site and a failing service both answer 500 with nothing to tell them
                // apart: a first page is retried like any other, and only if every attempt got
                // 500 and no request of the run ever got a page is the site named as the likely
                // cause.
                Attempt::Retry { reason, retry_after, status } => {
                    if first_contact
                        && status == Some(StatusCode::INTERNAL_SERVER_ERROR)
                        && attempt >= policy.attempts.max(1)
                        && !self.reached.load(std::sync::atomic::Ordering::SeqCst)
                    {
                        return Err(FetchError::UnknownSite { site: self.settings.site.clone(), attempts: attempt });
                    }
                    (reason, retry_after)
                }
            };
            last_reason = reason;
            if attempt == policy.attempts {
                break;
            }
            let wait = policy.backoff(attempt, retry_after);
            tracing::debug!(query = query.kind.name(), page, attempt, reason = %last_reason, wait_ms = wait.as_millis() as u64, "retrying a Miradore page");
            tokio::time::sleep(wait).await;
        }
        Err(FetchError::Page { query: query.kind.name(), page, reason: last_reason })
    }

    async fn attempt(&self, query: &Query, page: u32) -> Attempt {
        let response =
            self.http.get(self.url(query, page)).header(reqwest::header::ACCEPT, "application/xml").send().await;
        let response = match response {
            Ok(response) => response,
            Err(error) => return Attempt::transport(self.secret().redact(&error.without_url().to_string())),
        };
        let status = response.status();
        let retry_after = crate::http::retry_after(response.headers());
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => {
                return Attempt::transport(format!(
                    "the body broke off: {}",
                    self.secret().redact(&error.without_url().to_string())
                ));
            }
        };
        // Parsing is CPU work (milliseconds for a software page): on the blocking pool, the pages
        // in flight are parsed side by side and the runtime's threads stay free for I/O.
        let parsed = {
            let body = body.clone();
            tokio::task::spawn_blocking(move || parse_page(&body)).await
        };
        let parsed = parsed.unwrap_or_else(|stopped| {
            Err(PageError::Malformed { offset: 0, message: format!("the parser stopped: {stopped}") })
        });
        let envelope = match parsed {
            Ok(parsed) if status.is_success() => {
                self.reached.store(true, std::sync::atomic::Ordering::SeqCst);
                return Attempt::Done(Ok((body, parsed)));
            }
            Ok(_) => None,
            Err(PageError::Envelope { description, .. }) => Some(description),
            Err(PageError::Malformed { offset, message }) if status.is_success() => {
                return Attempt::Retry {
                    reason: format!("malformed or truncated XML at byte {offset}: {message}"),
                    retry_after: None,
                    status: Some(status),
                };
            }
            Err(PageError::Malformed { .. }) => None,
        };
        let described =
            envelope.clone().unwrap_or_else(|| status.canonical_reason().unwrap_or("no description").to_string());
        match status.as_u16() {
            401 => Attempt::Done(Err(FetchError::Unauthorized)),
            400 => Attempt::Done(Err(FetchError::Rejected { description: described, origin: None })),
            408 | 425 | 429 | 500 | 502 | 503 | 504 => Attempt::Retry {
                reason: format!("HTTP {}: {described}", status.as_u16()),
                retry_after,
                status: Some(status),
            },
            code => Attempt::Done(Err(FetchError::Page {
                query: query.kind.name(),
                page,
                reason: format!("HTTP {code}: {described}"),
            })),
        }
    }
}

enum Attempt {
    Done(Result<(Bytes, Page), FetchError>),
    Retry { reason: String, retry_after: Option<Duration>, status: Option<StatusCode> },
}

impl Attempt {
    fn transport(reason: String) -> Attempt {
        Attempt::Retry { reason, retry_after: None, status: None }
    }
}
