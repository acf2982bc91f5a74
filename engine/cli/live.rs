//! CLI: reading Miradore live: the fetch runs on the async runtime and hands complete records
//! to a blocking consumer (the evaluator), page by page, so memory does not grow with the site.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::compile::QueryPlan;
use crate::diag::{Code, Diagnostic};
use crate::source::Record;
use crate::source::miradore::{Client, FetchError, FetchStats, PageObserver, Settings, fetch};

/// Complete records waiting between the fetch and the consumer: a few MMS batches' worth. A
/// record with its software is some tens of KB, so this bounds memory, not speed.
const CHANNEL_RECORDS: usize = 128;

/// A multi-threaded async runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, Diagnostic> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| Diagnostic::error(Code::MiradoreSetup, format!("cannot start the async runtime: {error}")))
}

/// [`consume_live`] on a runtime of its own.
pub fn read_live<T: Send + 'static>(
    settings: Settings,
    plan: &QueryPlan,
    fetch_timeout: Duration,
    observer: Option<Arc<dyn PageObserver>>,
    consume: impl FnOnce(&mut dyn Iterator<Item = Record>) -> T + Send + 'static,
) -> Result<(T, Result<FetchStats, FetchError>), Diagnostic> {
    runtime()?.block_on(consume_live(settings, plan, fetch_timeout, observer, consume))
}

/// Fetches every record and gives them, in order, to `consume` on a blocking thread. Returns
/// what `consume` returned and whether the fetch completed.
pub async fn consume_live<T: Send + 'static>(
    settings: Settings,
    plan: &QueryPlan,
    fetch_timeout: Duration,
    observer: Option<Arc<dyn PageObserver>>,
    consume: impl FnOnce(&mut dyn Iterator<Item = Record>) -> T + Send + 'static,
) -> Result<(T, Result<FetchStats, FetchError>), Diagnostic> {
    let client = Client::new(settings).map_err(|error| error.diagnostic())?;
    let (sender, mut receiver) = mpsc::channel::<Record>(CHANNEL_RECORDS);
    let consumer = tokio::task::spawn_blocking(move || {
        let mut records = std::iter::from_fn(move || receiver.blocking_recv());
        consume(&mut records)
    });
    let fetched = tokio::time::timeout(fetch_timeout, fetch(&client, plan, observer.as_deref(), sender))
        .await
        .unwrap_or(Err(FetchError::Timeout { seconds: fetch_timeout.as_secs() }))
        .map_err(|error| match error {
            FetchError::Rejected { description, origin: None } => {
                let origin = plan.origin_of(&description).map(str::to_string);
                FetchError::Rejected { description, origin }
            }
            other => other,
        });
    let consumed = consumer
        .await
        .map_err(|error| Diagnostic::error(Code::MiradoreSetup, format!("the evaluator stopped: {error}")))?;
    Ok((consumed, fetched))
}
