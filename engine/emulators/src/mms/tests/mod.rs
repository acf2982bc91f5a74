//! Tests of the MMS emulator over real HTTP on 127.0.0.1.

mod faults;
mod flow;
mod operations;

use serde_json::{Value, json};

use super::protocol::{BatchResponse, OperationResult};
use super::{ConnectorStatus, Directory, MmsConfig, MmsServer};
use crate::serve::ServeOptions;

pub(super) const KEY: &str = "key-of-connector-one-0001";
pub(super) const OTHER_KEY: &str = "key-of-connector-two-0002";

pub(super) fn directory() -> Directory {
    Directory::new(["user3@example.com", "Anna.Admin@Example.com"], ["Helsinki", "Espoo"])
}

pub(super) struct Harness {
    pub server: MmsServer,
    pub client: reqwest::Client,
}

pub(super) async fn harness(config: MmsConfig) -> Harness {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = super::start(config, ServeOptions::default()).await.expect("server starts");
    Harness { server, client: reqwest::Client::new() }
}

/// A server with the test directory and one Active connector named `one` with `KEY`.
pub(super) async fn active_harness() -> Harness {
    let harness = harness(MmsConfig { directory: directory(), ..MmsConfig::default() }).await;
    harness.server.admin().register_connector("one", KEY, ConnectorStatus::Active).unwrap();
    harness
}

pub(super) fn import(device: &str, serial: &str) -> Value {
    json!({
        "type": "import_inventory",
        "device_id": device,
        "identity": {"kind": "serial", "value": serial},
        "hardware": {"manufacturer": "Apple", "model": "iPhone14,5"},
        "software": [
            {"name": "FaceTime", "version": "5.0", "identifier": "com.apple.FaceTime"},
            {"name": "Notes", "version": null}
        ]
    })
}

pub(super) fn op(kind: &str, device: &str, serial: &str) -> Value {
    json!({"type": kind, "device_id": device, "identity": {"kind": "serial", "value": serial}})
}

pub(super) fn set_attributes(device: &str, serial: &str, attributes: Value) -> Value {
    json!({"type": "set_attributes", "device_id": device, "identity": {"kind": "serial", "value": serial},
           "attributes": attributes})
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}/connectors/rest.svc/v1{path}", self.server.base_url())
    }

    pub fn get(&self, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.client
            .get(self.url(path))
            .header("Authorization", format!("Connector {key}"))
            .header("X-Connector-Name", "mapper-miradore")
    }

    pub fn post(&self, path: &str, key: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).header("Authorization", format!("Connector {key}")).json(body)
    }

    pub async fn start_run(&self, key: &str) -> i64 {
        let response = self.post("/runs", key, &json!({"client": "mapper test", "mode": "sync"})).send().await.unwrap();
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["run_id"].as_i64().unwrap()
    }

    pub async fn send_batch(
        &self,
        key: &str,
        run: i64,
        idempotency: &str,
        operations: Vec<Value>,
    ) -> reqwest::Response {
        self.post(&format!("/runs/{run}/batches"), key, &json!({"operations": operations}))
            .header("Idempotency-Key", idempotency)
            .send()
            .await
            .unwrap()
    }

    pub async fn batch(&self, key: &str, run: i64, idempotency: &str, operations: Vec<Value>) -> Vec<OperationResult> {
        let response = self.send_batch(key, run, idempotency, operations).await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
        response.json::<BatchResponse>().await.unwrap().results
    }
}

/// `(status, code)` of each result, for compact assertions.
pub(super) fn statuses(results: &[OperationResult]) -> Vec<(&'static str, Option<String>)> {
    results.iter().map(|r| (r.status.as_str(), r.code.clone())).collect()
}

/// A fresh path for a database file under the system temp dir.
pub(super) fn temp_db(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    std::env::temp_dir().join(format!("mms-emulator-{name}-{}-{nanos}.db", std::process::id()))
}
