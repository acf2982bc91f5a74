//! Source: the whole Miradore read: the device query and the software query walked side by
//! side, a few pages in flight each, their records joined by device ID (see `join.rs`) and
//! handed on as they complete.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;

use super::client::{Client, Query, QueryKind};
use super::error::FetchError;
use super::paging::{PageBatch, walk};
use crate::compile::QueryPlan;
use crate::source::Record;
use crate::source::join::Join;

/// Devices held waiting for their software before the join stops taking device pages (the
/// device query then waits on its channel). Two default device pages: enough that the software
/// query never waits for devices, small enough that memory does not depend on the site.
const MAX_PENDING: usize = 400;
/// Parsed pages waiting per query between its walk and the join, besides the pages in flight.
const PAGES_WAITING: usize = 1;

/// Counts of a completed fetch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// Devices read.
    pub devices: u64,
    /// Device IDs read by the software query.
    pub software_devices: u64,
}

/// Sees every raw page as it arrives (the `snapshot` command saves them).
pub trait PageObserver: Send + Sync {
    /// Called once per page, in page order per query.
    fn page(&self, kind: QueryKind, page: u32, body: &[u8]);
}

/// The queries of a [`QueryPlan`].
pub fn queries(plan: &QueryPlan) -> (Query, Option<Query>) {
    let devices = Query { kind: QueryKind::Devices, select: plan.select.clone(), rows: plan.page_size };
    let software = plan.software.as_ref().map(|software| Query {
        kind: QueryKind::Software,
        select: software.select.clone(),
        rows: software.page_size,
    });
    (devices, software)
}

/// Reads every device, with its software when the plan has a software query, and sends each
/// complete record to `out`. An `Err` means the fetch is incomplete.
pub async fn fetch(
    client: &Client,
    plan: &QueryPlan,
    observer: Option<&dyn PageObserver>,
    out: mpsc::Sender<Record>,
) -> Result<FetchStats, FetchError> {
    let (device_query, software_query) = queries(plan);
    let (device_tx, mut device_rx) = mpsc::channel::<PageBatch>(PAGES_WAITING);
    let (software_tx, mut software_rx) = mpsc::channel::<PageBatch>(PAGES_WAITING);
    // A channel closes the same way whether its walk finished or failed: the flag tells them
    // apart, so that a failed software query never releases devices without their software.
    let software_complete = AtomicBool::new(software_query.is_none());
    let devices = async {
        let walked = walk(client, &device_query, true, observer.is_some(), &device_tx).await;
        drop(device_tx);
        walked
    };
    let software = async {
        let walked = match &software_query {
            Some(query) => walk(client, query, true, observer.is_some(), &software_tx).await,
            None => Ok(0),
        };
        if walked.is_ok() {
            software_complete.store(true, Ordering::SeqCst);
        }
        drop(software_tx);
        walked
    };
    let join = async {
        let mut join = Join::new(software_query.is_some());
        let (mut devices_open, mut software_open) = (true, software_query.is_some());
        while devices_open || software_open {
            let want_software = software_open && (!devices_open || join.pending() >= MAX_PENDING);
            let batch = if want_software {
                software_rx.recv().await.map(|batch| (QueryKind::Software, batch))
            } else if !software_open {
                device_rx.recv().await.map(|batch| (QueryKind::Devices, batch))
            } else {
                tokio::select! {
                    batch = device_rx.recv() => batch.map(|batch| (QueryKind::Devices, batch)),
                    batch = software_rx.recv() => batch.map(|batch| (QueryKind::Software, batch)),
                }
            };
            let Some((kind, batch)) = batch else {
                // One side ended; which one is seen by trying it without waiting.
                if devices_open && device_rx.is_closed() && device_rx.is_empty() {
                    devices_open = false;
                }
                if software_open && software_rx.is_closed() && software_rx.is_empty() {
                    software_open = false;
                    if !software_complete.load(Ordering::SeqCst) {
                        return;
                    }
                    join.software_ended();
                }
                for record in join.ready() {
                    if out.send(record).await.is_err() {
                        return;
                    }
                }
                continue;
            };
            if let (Some(observer), Some(body)) = (observer, &batch.body) {
                observer.page(kind, batch.page, body);
            }
            match kind {
                QueryKind::Devices => join.add_devices(batch.records),
                QueryKind::Software => join.add_software(batch.records),
            }
            for record in join.ready() {
                if out.send(record).await.is_err() {
                    return;
                }
            }
        }
        join.software_ended();
        for record in join.ready() {
            if out.send(record).await.is_err() {
                return;
            }
        }
    };
    // The first query to fail ends the other at once.
    let walks = async { tokio::try_join!(devices, software) };
    let (walked, ()) = tokio::join!(walks, join);
    let (devices, software_devices) = walked?;
    Ok(FetchStats { devices, software_devices })
}
