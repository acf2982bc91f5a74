//! Source: Miradore API v1 XML -> [`Record`]s, from saved responses (snapshot) or live.

pub mod join;
pub mod miradore;
pub mod snapshot;
pub mod xml;

/// One device as read from Miradore: its ID and its record (see docs/records.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The Miradore device ID.
    pub id: String,
    /// The record: elements as fields, list wrappers as arrays, text as strings.
    pub data: serde_json::Value,
    /// The software query, which lists every device, went past this one without it: its
    /// applications are unknown (the site changed between the two queries).
    pub missing_software: bool,
}

impl Record {
    /// Wraps a parsed record, taking its ID from the `ID` field (empty when it has none).
    pub fn new(data: serde_json::Map<String, serde_json::Value>) -> Record {
        let id = data.get("ID").and_then(|id| id.as_str()).unwrap_or_default().to_string();
        Record { id, data: serde_json::Value::Object(data), missing_software: false }
    }
}
