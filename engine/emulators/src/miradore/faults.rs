//! Fault injection: latency, rate limiting, server errors, broken bodies and inconsistent paging,
//! matched by page number and query kind, so a client's retry and completeness checks can be tested.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The two queries a connector makes: device attributes, or software (a `select` reaching into
/// `InvApplication`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryKind {
    /// A query without application inventory.
    Device,
    /// A query whose `select` includes `InvApplication`.
    Software,
}

/// What a fault does to a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// HTTP 429 with `Retry-After: <seconds>`.
    RateLimit {
        /// The `Retry-After` value, in seconds.
        retry_after: u32,
    },
    /// HTTP 500 with the Internal server error envelope.
    ServerError,
    /// Another error status with the error envelope: 408, 425, 502, 503, 504 (a proxy or the
    /// service refusing for a while), or any status a test needs.
    Status {
        /// The HTTP status code.
        status: u16,
    },
    /// HTTP 200 whose XML is cut in the middle; the response itself is complete (consistent
    /// Content-Length), so only the XML parser notices.
    Truncate,
    /// HTTP 200 that sends half the body, then closes the connection mid-response.
    DropConnection,
    /// HTTP 200 whose body arrives in chunks of `chunk_bytes` with `delay` before each one after
    /// the first.
    SlowBody {
        /// Bytes per chunk (at least 1).
        chunk_bytes: usize,
        /// Pause between chunks.
        delay: Duration,
    },
    /// HTTP 200 carrying the previous page's devices in place of this page's, as an API whose
    /// paging slipped would send. Page 1 (and a single-device request) is answered as it is.
    RepeatPreviousPage,
    /// HTTP 200 whose `Items@count` is `delta` off the number of devices the query matches
    /// (never below 0); the devices on the page are the right ones.
    Miscount {
        /// Added to the true count.
        delta: i64,
    },
}

impl FaultAction {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            FaultAction::RateLimit { .. } => "rate-limit",
            FaultAction::ServerError => "server-error",
            FaultAction::Status { .. } => "status",
            FaultAction::Truncate => "truncate",
            FaultAction::DropConnection => "drop-connection",
            FaultAction::SlowBody { .. } => "slow-body",
            FaultAction::RepeatPreviousPage => "repeat-page",
            FaultAction::Miscount { .. } => "miscount",
        }
    }
}

/// How often a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// The first N matching requests.
    Times(u32),
    /// Every matching request.
    Always,
}

/// One fault: an action applied to the requests that match `page` and `query`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// What to do.
    pub action: FaultAction,
    /// Only list requests for this 1-based page; `None` matches every request, including
    /// single-device ones.
    pub page: Option<usize>,
    /// Only this kind of query; `None` matches both.
    pub query: Option<QueryKind>,
    /// How many times it fires.
    pub repeat: Repeat,
}

impl FaultRule {
    /// Fires once on every request (any page, any kind); narrow it with the builder methods.
    pub fn new(action: FaultAction) -> Self {
        Self { action, page: None, query: None, repeat: Repeat::Times(1) }
    }

    /// 429 with `Retry-After: retry_after` for the first `requests` requests.
    pub fn rate_limit_first(requests: u32, retry_after: u32) -> Self {
        Self::new(FaultAction::RateLimit { retry_after }).times(requests)
    }

    /// 500 on list page `page`, once.
    pub fn server_error_on_page(page: usize) -> Self {
        Self::new(FaultAction::ServerError).on_page(page)
    }

    /// Only on list page `page`.
    pub fn on_page(mut self, page: usize) -> Self {
        self.page = Some(page);
        self
    }

    /// Only for queries of `kind`.
    pub fn on_query(mut self, kind: QueryKind) -> Self {
        self.query = Some(kind);
        self
    }

    /// Fires for the first `count` matching requests.
    pub fn times(mut self, count: u32) -> Self {
        self.repeat = Repeat::Times(count);
        self
    }

    /// Fires on every matching request.
    pub fn always(mut self) -> Self {
        self.repeat = Repeat::Always;
        self
    }

    fn matches(&self, page: Option<usize>, kind: QueryKind) -> bool {
        self.page.is_none_or(|wanted| page == Some(wanted)) && self.query.is_none_or(|wanted| wanted == kind)
    }
}

/// Every fault of one emulator. The default injects nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Added to every request before it is answered.
    pub latency: Duration,
    /// Checked in order for each authenticated, valid request; the first rule that matches and
    /// still has firings left applies (one fault per request).
    pub rules: Vec<FaultRule>,
}

impl Faults {
    /// Sets the per-request latency.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Adds a rule.
    pub fn with(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }
}

/// The faults of a running server, with how often each rule has fired.
#[derive(Debug)]
pub(crate) struct Injector {
    rules: Vec<(FaultRule, AtomicU32)>,
}

impl Injector {
    pub fn new(faults: &Faults) -> Self {
        Self { rules: faults.rules.iter().map(|rule| (rule.clone(), AtomicU32::new(0))).collect() }
    }

    /// The fault for this request, if any, counting it as fired.
    pub fn pick(&self, page: Option<usize>, kind: QueryKind) -> Option<FaultAction> {
        self.rules.iter().find_map(|(rule, fired)| {
            if !rule.matches(page, kind) {
                return None;
            }
            let fires = match rule.repeat {
                Repeat::Always => true,
                Repeat::Times(limit) => fired
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |count| (count < limit).then_some(count + 1))
                    .is_ok(),
            };
            fires.then(|| rule.action.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_fire_on_their_page_and_kind_as_often_as_asked() {
        let faults = Faults::default()
            .with(FaultRule::server_error_on_page(2).on_query(QueryKind::Software))
            .with(FaultRule::new(FaultAction::Truncate).on_page(3).always());
        let injector = Injector::new(&faults);
        assert_eq!(injector.pick(Some(2), QueryKind::Device), None);
        assert_eq!(injector.pick(Some(2), QueryKind::Software), Some(FaultAction::ServerError));
        assert_eq!(injector.pick(Some(2), QueryKind::Software), None);
        for _ in 0..3 {
            assert_eq!(injector.pick(Some(3), QueryKind::Device), Some(FaultAction::Truncate));
        }
        assert_eq!(injector.pick(None, QueryKind::Device), None);
    }

    #[test]
    fn rate_limit_applies_to_the_first_requests() {
        let injector = Injector::new(&Faults::default().with(FaultRule::rate_limit_first(2, 7)));
        let limited = FaultAction::RateLimit { retry_after: 7 };
        assert_eq!(injector.pick(Some(1), QueryKind::Device), Some(limited.clone()));
        assert_eq!(injector.pick(None, QueryKind::Software), Some(limited));
        assert_eq!(injector.pick(Some(1), QueryKind::Device), None);
    }
}
