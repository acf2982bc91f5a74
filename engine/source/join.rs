//! Source: joining the device query's records with the software query's by device ID. Both
//! queries come back in ascending ID order, so a device is complete as soon as the software
//! query has passed its ID, and memory stays bounded by a few pages whatever the number of
//! devices. Should either come back out of order, the join still gives the right result,
//! holding devices until the software query ends.

use std::collections::{HashMap, VecDeque};

use super::Record;

type Map = serde_json::Map<String, serde_json::Value>;

/// Joins device records with their software records by device ID.
pub struct Join {
    with_software: bool,
    software_done: bool,
    pending: VecDeque<Map>,
    software: HashMap<String, Map>,
    software_high: Option<u64>,
    ordered: bool,
}

impl Join {
    /// Devices waiting for their software.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Whether the first waiting device needs more software pages before it is complete.
    pub fn waiting(&self) -> bool {
        self.pending.front().is_some_and(|front| !self.is_complete(front))
    }

    /// The software query has ended: every waiting device is complete.
    pub fn software_ended(&mut self) {
        self.software_done = true;
    }

    fn is_complete(&self, front: &Map) -> bool {
        let id = front.get("ID").and_then(|id| id.as_str()).unwrap_or_default();
        self.software_done
            || !self.with_software
            || self.software.contains_key(id)
            || (self.ordered && numeric_id(front).zip(self.software_high).is_some_and(|(id, high)| id < high))
    }

    /// A join; without software every device is complete as it arrives.
    pub fn new(with_software: bool) -> Join {
        Join {
            with_software,
            software_done: !with_software,
            pending: VecDeque::new(),
            software: HashMap::new(),
            software_high: None,
            ordered: true,
        }
    }

    /// Adds a page of device records.
    pub fn add_devices(&mut self, records: Vec<Map>) {
        for record in records {
            if let (Some(last), Some(id)) = (self.pending.back().and_then(numeric_id), numeric_id(&record))
                && id < last
            {
                self.ordered = false;
            }
            self.pending.push_back(record);
        }
    }

    /// Adds a page of software records.
    pub fn add_software(&mut self, records: Vec<Map>) {
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
    pub fn ready(&mut self) -> Vec<Record> {
        let mut ready = Vec::new();
        while let Some(front) = self.pending.front() {
            if !self.is_complete(front) {
                break;
            }
            let id = front.get("ID").and_then(|id| id.as_str()).unwrap_or_default().to_string();
            let mut record = self.pending.pop_front().unwrap_or_default();
            let software = self.software.remove(&id);
            let missing_software = self.with_software && software.is_none();
            for (key, value) in software.into_iter().flatten() {
                record.entry(key).or_insert(value);
            }
            ready.push(Record { missing_software, ..Record::new(record) });
        }
        ready
    }
}

fn numeric_id(record: &Map) -> Option<u64> {
    record.get("ID")?.as_str()?.parse().ok()
}
