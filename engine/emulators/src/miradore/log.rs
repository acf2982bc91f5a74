//! The request log of a running emulator (the API key redacted), and counters derived from it.

use std::sync::{Arc, Mutex, PoisonError};

use super::faults::QueryKind;

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// `GET`, ….
    pub method: String,
    /// The path, e.g. `/acme/API/Device`.
    pub path: String,
    /// The raw query string with the `auth` value replaced by `<redacted>`.
    pub query: String,
    /// The HTTP status sent.
    pub status: u16,
    /// The kind of query, once the request got that far.
    pub kind: Option<QueryKind>,
    /// The 1-based page of a list request.
    pub page: Option<usize>,
    /// The injected fault, by [`FaultAction::name`](super::faults::FaultAction::name).
    pub fault: Option<&'static str>,
}

/// Totals over the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Every request.
    pub requests: usize,
    /// Answered 200.
    pub ok: usize,
    /// Answered with another status.
    pub errors: usize,
    /// With a fault injected.
    pub faults: usize,
    /// Successful device queries.
    pub device_queries: usize,
    /// Successful software queries.
    pub software_queries: usize,
}

/// A shared, append-only request log.
#[derive(Debug, Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<RequestRecord>>>);

impl RequestLog {
    /// Appends a record.
    pub fn push(&self, record: RequestRecord) {
        tracing::debug!(method = %record.method, path = %record.path, query = %record.query, status = record.status, "request");
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(record);
    }

    /// A copy of every record so far, oldest first.
    pub fn records(&self) -> Vec<RequestRecord> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Totals over every record so far.
    pub fn counters(&self) -> Counters {
        let records = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut counters = Counters { requests: records.len(), ..Counters::default() };
        for record in records.iter() {
            let ok = record.status == 200;
            counters.ok += usize::from(ok);
            counters.errors += usize::from(!ok);
            counters.faults += usize::from(record.fault.is_some());
            if ok && record.fault.is_none() {
                counters.device_queries += usize::from(record.kind == Some(QueryKind::Device));
                counters.software_queries += usize::from(record.kind == Some(QueryKind::Software));
            }
        }
        counters
    }
}
