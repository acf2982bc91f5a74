//! Fault injection: a fixed latency per request, a 503 on the Nth batch request (once, or for
//! good: that batch's retries too), a dropped connection after the Nth batch was applied but
//! before its answer, and MMS going away from the Nth batch on (every connection dropped).

use std::collections::HashSet;
use std::io;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use http_body::Frame;

/// Faults to inject. Batch numbers are 1-based and count the batch requests that passed
/// authentication since the faults were set (retries count too), so each fires once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Sleep this long before handling each request.
    pub latency: Option<Duration>,
    /// Answer this batch request with 503, applying nothing.
    pub fail_batch: Option<u64>,
    /// Answer this batch request with 503, applying nothing, and every later request carrying
    /// the same `Idempotency-Key` too: a batch that fails on every retry.
    pub fail_batch_always: Option<u64>,
    /// Send `Retry-After: <seconds>` with the injected 503s (none when `None`).
    pub retry_after: Option<u64>,
    /// Apply this batch request, then drop the connection without an answer.
    pub drop_after_batch: Option<u64>,
    /// From this batch request on, drop every request's connection without applying or answering
    /// anything: MMS went away in the middle of a run.
    pub down_from_batch: Option<u64>,
}

/// What to do with one batch request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BatchFault {
    None,
    Fail(u64),
    DropAfter(u64),
    Down(u64),
}

/// Faults plus the counters the tests read.
#[derive(Debug, Default)]
pub(super) struct FaultState {
    faults: Mutex<Faults>,
    batches_since_set: AtomicU64,
    /// The idempotency keys of the batches that fail for good.
    doomed: Mutex<HashSet<String>>,
    pub(super) batches: AtomicU64,
    pub(super) writes: AtomicU64,
    /// Set by `down_from_batch`: every request from then on is dropped.
    down: AtomicBool,
}

impl FaultState {
    pub(super) fn new(faults: Faults) -> Self {
        FaultState { faults: Mutex::new(faults), ..Default::default() }
    }

    pub(super) fn set(&self, faults: Faults) {
        *self.faults.lock().expect("faults lock") = faults;
        self.doomed.lock().expect("doomed lock").clear();
        self.batches_since_set.store(0, Ordering::SeqCst);
        self.down.store(false, Ordering::SeqCst);
    }

    /// Whether MMS has "gone away" (`down_from_batch`).
    pub(super) fn is_down(&self) -> bool {
        self.down.load(Ordering::SeqCst)
    }

    pub(super) fn latency(&self) -> Option<Duration> {
        self.faults.lock().expect("faults lock").latency
    }

    /// The `Retry-After` seconds to send with an injected 503.
    pub(super) fn retry_after(&self) -> Option<u64> {
        self.faults.lock().expect("faults lock").retry_after
    }

    /// Counts a batch request carrying idempotency key `key` and says which fault, if any,
    /// applies to it.
    pub(super) fn on_batch(&self, key: &str) -> BatchFault {
        self.batches.fetch_add(1, Ordering::SeqCst);
        let number = self.batches_since_set.fetch_add(1, Ordering::SeqCst) + 1;
        let faults = self.faults.lock().expect("faults lock");
        let mut doomed = self.doomed.lock().expect("doomed lock");
        if faults.fail_batch_always == Some(number) {
            doomed.insert(key.to_string());
        }
        if faults.down_from_batch.is_some_and(|first| number >= first) {
            self.down.store(true, Ordering::SeqCst);
            BatchFault::Down(number)
        } else if faults.fail_batch == Some(number) || doomed.contains(key) {
            BatchFault::Fail(number)
        } else if faults.drop_after_batch == Some(number) {
            BatchFault::DropAfter(number)
        } else {
            BatchFault::None
        }
    }
}

/// A response whose body fails at once: hyper then closes the connection before it has written
/// the status line, so the client sees the connection end with no answer.
pub(super) fn dropped_connection() -> Response {
    Response::new(Body::new(FailingBody))
}

struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Poll::Ready(Some(Err(io::Error::new(io::ErrorKind::ConnectionAborted, "injected fault: connection dropped"))))
    }
}
