//! Source: the whole Miradore read: the device query and the software query walked side by
//! side, their records joined by device ID and handed on as they complete. Both queries come
//! back in ascending ID order, so a device is complete as soon as the software query has passed
//! its ID, and memory stays bounded by a few pages whatever the number of devices. Should either
//! query ever come back out of order, the join still gives the right result, holding devices
//! until the software query ends.

use std::collections::{HashMap, VecDeque};

use tokio::sync::mpsc;

use super::client::{Client, Query, QueryKind};
use super::error::FetchError;
use super::paging::{PageBatch, walk};
use crate::compile::QueryPlan;
use crate::source::Record;

/// Devices held waiting for their software before the device query is paused.
const MAX_PENDING: usize = 2_000;

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
    let (device_tx, mut device_rx) = mpsc::channel::<PageBatch>(4);
    let (software_tx, mut software_rx) = mpsc::channel::<PageBatch>(4);
    let devices = walk(client, &device_query, true, device_tx);
    let software = async {
        match &software_query {
            Some(query) => walk(client, query, false, software_tx).await,
            None => {
                drop(software_tx);
                Ok(0)
            }
        }
    };
    let join = async {
        let mut join = Join::new(software_query.is_some());
        let (mut devices_open, mut software_open) = (true, software_query.is_some());
        while devices_open || software_open {
            let want_software = software_open && (!devices_open || join.pending.len() >= MAX_PENDING);
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
                    join.software_done = true;
                }
                for record in join.ready() {
                    if out.send(record).await.is_err() {
                        return;
                    }
                }
                continue;
            };
            if let Some(observer) = observer {
                observer.page(kind, batch.page, &batch.body);
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
        join.software_done = true;
        for record in join.ready() {
            if out.send(record).await.is_err() {
                return;
            }
        }
    };
    let (devices, software, ()) = tokio::join!(devices, software, join);
    Ok(FetchStats { devices: devices?, software_devices: software? })
}

type Map = serde_json::Map<String, serde_json::Value>;

struct Join {
    with_software: bool,
    software_done: bool,
    pending: VecDeque<Map>,
    software: HashMap<String, Map>,
    software_high: Option<u64>,
    ordered: bool,
}

impl Join {
    fn new(with_software: bool) -> Join {
        Join {
            with_software,
            software_done: !with_software,
            pending: VecDeque::new(),
            software: HashMap::new(),
            software_high: None,
            ordered: true,
        }
    }

    fn add_devices(&mut self, records: Vec<Map>) {
        for record in records {
            if let (Some(last), Some(id)) = (self.pending.back().and_then(numeric_id), numeric_id(&record))
                && id < last
            {
                self.ordered = false;
            }
            self.pending.push_back(record);
        }
    }

    fn add_software(&mut self, records: Vec<Map>) {
        for record in records {
            match numeric_id(&record) {
                Some(id) if self.software_high.is_none_or(|high| id >= high) => self.software_high = Some(id),
                _ => self.ordered = false,
            }
            let id = record.get("ID").and_then(|id| id.as_str()).unwrap_or_default().to_string();
            self.software.insert(id, record);
        }
    }

    /// The devices whose software has arrived (or can no longer arrive), merged, in order.
    fn ready(&mut self) -> Vec<Record> {
        let mut ready = Vec::new();
        while let Some(front) = self.pending.front() {
            let complete = self.software_done
                || !self.with_software
                || (self.ordered && numeric_id(front).zip(self.software_high).is_some_and(|(id, high)| id < high));
            let id = front.get("ID").and_then(|id| id.as_str()).unwrap_or_default().to_string();
            let has_software = self.software.contains_key(&id);
            if !complete && !has_software {
                break;
            }
            let mut record = self.pending.pop_front().unwrap_or_default();
            if let Some(software) = self.software.remove(&id) {
                for (key, value) in software {
                    record.entry(key).or_insert(value);
                }
            }
            ready.push(Record::new(record));
        }
        ready
    }
}

fn numeric_id(record: &Map) -> Option<u64> {
    record.get("ID")?.as_str()?.parse().ok()
}
