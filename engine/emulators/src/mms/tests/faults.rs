//! Fault injection: latency, a 503 on the Nth batch (once or for good), a dropped connection
//! after the Nth batch.

use std::time::{Duration, Instant};

use super::*;
use crate::mms::{Faults, Identity};

#[tokio::test]
async fn a_failed_batch_applies_nothing_and_its_retry_applies_once() {
    let h = active_harness().await;
    h.server.set_faults(Faults { fail_batch: Some(2), ..Faults::default() });
    let run = h.start_run(KEY).await;
    h.batch(KEY, run, "first", vec![import("1", "SN-1")]).await;
    let response = h.send_batch(KEY, run, "second", vec![import("2", "SN-2")]).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["x-mms-error"], "service-unavailable");
    assert!(response.text().await.unwrap().starts_with("<Response MDVersion=\"3.5.0\" StatusCode=\"503\">"));
    assert_eq!(h.server.admin().assets(None).unwrap().len(), 1);
    let results = h.batch(KEY, run, "second", vec![import("2", "SN-2")]).await;
    assert_eq!(statuses(&results), vec![("created", None)]);
    assert_eq!(h.server.batches_received(), 3);
}

#[tokio::test]
async fn a_batch_that_fails_for_good_fails_on_every_retry_and_no_other_batch_does() {
    let h = active_harness().await;
    h.server.set_faults(Faults { fail_batch_always: Some(2), retry_after: Some(0), ..Faults::default() });
    let run = h.start_run(KEY).await;
    h.batch(KEY, run, "first", vec![import("1", "SN-1")]).await;
    for _ in 0..3 {
        let response = h.send_batch(KEY, run, "doomed", vec![import("2", "SN-2")]).await;
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["retry-after"], "0");
        assert_eq!(response.headers()["x-mms-error"], "service-unavailable");
    }
    let results = h.batch(KEY, run, "third", vec![import("3", "SN-3")]).await;
    assert_eq!(statuses(&results), vec![("created", None)]);
    assert_eq!(h.server.admin().assets(None).unwrap().len(), 2);
    assert_eq!(h.server.batches_received(), 5);

    // New faults forgive the doomed batch.
    h.server.set_faults(Faults::default());
    let results = h.batch(KEY, run, "doomed", vec![import("2", "SN-2")]).await;
    assert_eq!(statuses(&results), vec![("created", None)]);
}

#[tokio::test]
async fn a_dropped_connection_after_applying_is_answered_from_storage_on_retry() {
    let h = active_harness().await;
    h.server.set_faults(Faults { drop_after_batch: Some(1), ..Faults::default() });
    let run = h.start_run(KEY).await;
    let operations =
        vec![import("1", "SN-1"), set_attributes("1", "SN-1", serde_json::json!({"location": "Helsinki"}))];
    let error = h
        .post(&format!("/runs/{run}/batches"), KEY, &serde_json::json!({"operations": operations}))
        .header("Idempotency-Key", "dropped")
        .send()
        .await
        .expect_err("the connection is dropped before any answer");
    // Over HTTP/1.1 hyper closes the connection before writing a status line.
    assert!(error.is_request() && error.status().is_none(), "{error:?}");
    assert!(format!("{error:?}").contains("IncompleteMessage"), "{error:?}");

    // It was applied.
    let identity = Identity { kind: "serial".into(), value: "SN-1".into() };
    let asset = h.server.admin().asset(&identity).unwrap().unwrap();
    assert_eq!(asset.revision, 2);

    // The retry gets the stored answer and applies nothing again.
    let response = h.send_batch(KEY, run, "dropped", operations).await;
    assert_eq!(response.headers()["idempotent-replayed"], "true");
    let results: BatchResponse = response.json().await.unwrap();
    assert_eq!(statuses(&results.results), vec![("created", None), ("updated", None)]);
    assert_eq!(h.server.admin().asset(&identity).unwrap().unwrap(), asset);
    assert_eq!(h.server.admin().runs().unwrap()[0].applied["batches"], 1);
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let h = active_harness().await;
    h.server.set_faults(Faults { latency: Some(Duration::from_millis(150)), ..Faults::default() });
    let started = Instant::now();
    assert_eq!(h.get("/connector", KEY).send().await.unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn reads_are_not_counted_as_writes() {
    let h = active_harness().await;
    h.get("/connector", KEY).send().await.unwrap();
    h.get("/connector/configuration", KEY).send().await.unwrap();
    h.get("/assets", KEY).send().await.unwrap();
    assert_eq!(h.server.writes_received(), 0);
    h.start_run(KEY).await;
    assert_eq!(h.server.writes_received(), 1);
}

#[tokio::test]
async fn over_http2_a_dropped_batch_gives_no_answer_body() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = MmsConfig {
        directory: directory(),
        faults: Faults { drop_after_batch: Some(1), ..Faults::default() },
        ..MmsConfig::default()
    };
    let server = crate::mms::start(config, ServeOptions { port: 0, tls: true }).await.unwrap();
    server.admin().register_connector("one", KEY, ConnectorStatus::Active).unwrap();
    let certificate = reqwest::Certificate::from_pem(server.certificate_pem().unwrap().as_bytes()).unwrap();
    let client = reqwest::Client::builder().add_root_certificate(certificate).build().unwrap();
    let h = Harness { server, client };
    let run = h.start_run(KEY).await;
    let request = h
        .post(&format!("/runs/{run}/batches"), KEY, &serde_json::json!({"operations": [import("1", "SN-1")]}))
        .header("Idempotency-Key", "dropped");
    let outcome = match request.send().await {
        Ok(response) => {
            assert_eq!(response.version(), reqwest::Version::HTTP_2);
            response.bytes().await.map(drop)
        }
        Err(error) => Err(error),
    };
    assert!(outcome.is_err(), "the client must see a transport error");
    let results = h.batch(KEY, run, "dropped", vec![import("1", "SN-1")]).await;
    assert_eq!(statuses(&results), vec![("created", None)]);
    assert_eq!(h.server.admin().runs().unwrap()[0].applied["batches"], 1);
}
