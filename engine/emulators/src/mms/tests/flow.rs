//! Registration, authorization, configuration, runs, the error envelope, restarts.

use serde_json::{Value, json};

use super::*;
use crate::mms::protocol::RunResult;
use crate::mms::{Configuration, LogSeverity};

#[tokio::test]
async fn missing_authorization_gets_the_exact_mms_envelope() {
    let h = harness(MmsConfig::default()).await;
    let response = h.client.get(h.url("/connector")).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["content-type"], "application/xml; charset=utf-8");
    assert_eq!(response.headers()["x-mms-error"], "authentication-failed");
    assert_eq!(
        response.text().await.unwrap(),
        "<Response MDVersion=\"3.5.0\" StatusCode=\"403\"><Error><StatusCode>403</StatusCode>\
         <Description>Forbidden</Description><Details>Authentication failed: Authorization header is missing\
         </Details></Error></Response>"
    );
}

#[tokio::test]
async fn bad_authorization_headers_are_refused_and_register_nothing() {
    let h = harness(MmsConfig::default()).await;
    for value in ["Basic dXNlcjpwYXNz", "Connector short", "Connector"] {
        let response = h.client.get(h.url("/connector")).header("Authorization", value).send().await.unwrap();
        assert_eq!(response.status(), 403, "{value}");
        assert_eq!(response.headers()["x-mms-error"], "authentication-failed");
    }
    // A well-formed unknown key without a name cannot register.
    let response = h.client.get(h.url("/connector")).header("Authorization", format!("Connector {KEY}")).send();
    let response = response.await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("X-Connector-Name"));
    assert!(h.server.admin().connectors().unwrap().is_empty());
}

#[tokio::test]
async fn first_contact_registers_not_authorized_until_an_admin_authorizes() {
    let h = harness(MmsConfig::default()).await;
    let state: Value = h.get("/connector", KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["name"], "mapper-miradore");
    assert_eq!(state["status"], "NotAuthorized");
    assert_eq!(state["authorize_at"], "System Settings > Connectors");

    let connectors = h.server.admin().connectors().unwrap();
    assert_eq!(connectors.len(), 1);
    assert_eq!(connectors[0].status, ConnectorStatus::NotAuthorized);

    for (method, path) in [("GET", "/connector/configuration"), ("POST", "/runs"), ("GET", "/assets")] {
        let request = match method {
            "GET" => h.get(path, KEY),
            _ => h.post(path, KEY, &json!({})),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403, "{path}");
        assert_eq!(response.headers()["x-mms-error"], "connector-not-authorized");
        let body = response.text().await.unwrap();
        assert!(body.contains("Connector 'mapper-miradore' is not authorized"), "{body}");
        assert!(body.contains("System Settings &gt; Connectors"), "{body}");
    }
    assert!(h.server.admin().runs().unwrap().is_empty());

    h.server.admin().authorize("mapper-miradore").unwrap();
    let state: Value = h.get("/connector", KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["status"], "Active");
    assert_eq!(h.get("/assets", KEY).send().await.unwrap().status(), 200);

    h.server.admin().set_status("mapper-miradore", ConnectorStatus::Disabled).unwrap();
    let response = h.get("/assets", KEY).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["x-mms-error"], "connector-disabled");
}

#[tokio::test]
async fn a_second_key_cannot_take_a_registered_name() {
    let h = harness(MmsConfig::default()).await;
    assert_eq!(h.get("/connector", KEY).send().await.unwrap().status(), 200);
    let response = h.get("/connector", OTHER_KEY).send().await.unwrap();
    assert_eq!(response.status(), 409);
    assert_eq!(response.headers()["x-mms-error"], "connector-name-taken");
}

#[tokio::test]
async fn configuration_is_what_the_admin_set() {
    let h = active_harness().await;
    let configuration: Value = h.get("/connector/configuration", KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(configuration, json!({"miradore_site": null, "miradore_api_key": null, "log_severity": "info"}));
    let set = Configuration {
        miradore_site: Some("acme".into()),
        miradore_api_key: Some("secret-api-key".into()),
        log_severity: Some(LogSeverity::Debug),
    };
    h.server.admin().configure("one", &set).unwrap();
    assert!(!format!("{:?}", h.server.admin().connectors().unwrap()).contains("secret-api-key"));
    let response = h.get("/connector/configuration", KEY).send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let configuration: Configuration = response.json().await.unwrap();
    assert_eq!(configuration, set);
}

#[tokio::test]
async fn a_run_records_start_end_result_and_counts() {
    let h = active_harness().await;
    let run = h.start_run(KEY).await;
    let results = h.batch(KEY, run, "b1", vec![import("21", "SN-1"), import("22", "SN-2")]).await;
    assert_eq!(statuses(&results), vec![("created", None), ("created", None)]);

    let stop = json!({"result": "Success", "counts": {"devices": 2, "created": 2}, "log": "2 devices"});
    let response = h.post(&format!("/runs/{run}/stop"), KEY, &stop).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let stopped: crate::mms::Run = response.json().await.unwrap();
    assert_eq!(stopped.result, Some(RunResult::Success));
    assert!(stopped.ended.is_some());
    assert_eq!(stopped.counts["devices"], 2);
    assert_eq!(stopped.applied["created"], 2);
    assert_eq!(stopped.applied["batches"], 1);
    assert_eq!(h.server.admin().runs().unwrap(), vec![stopped.clone()]);

    // The same stop again is answered with the run; a different result is a conflict.
    let again = h.post(&format!("/runs/{run}/stop"), KEY, &stop).send().await.unwrap();
    assert_eq!(again.status(), 200);
    let failed = json!({"result": "Failed", "reason": "x"});
    let response = h.post(&format!("/runs/{run}/stop"), KEY, &failed).send().await.unwrap();
    assert_eq!(response.status(), 409);

    // A finished run takes no new batch.
    let response = h.send_batch(KEY, run, "b2", vec![import("23", "SN-3")]).await;
    assert_eq!(response.status(), 409);
    assert_eq!(response.headers()["x-mms-error"], "run-finished");
}

#[tokio::test]
async fn a_failed_run_needs_a_reason_and_an_unstopped_run_becomes_not_available() {
    let h = active_harness().await;
    let first = h.start_run(KEY).await;
    let response = h.post(&format!("/runs/{first}/stop"), KEY, &json!({"result": "Failed"})).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["x-mms-error"], "reason-required");

    let second = h.start_run(KEY).await;
    let stop = json!({"result": "Failed", "reason": "Miradore answered 401"});
    let response = h.post(&format!("/runs/{second}/stop"), KEY, &stop).send().await.unwrap();
    assert_eq!(response.status(), 200);

    let runs = h.server.admin().runs().unwrap();
    assert_eq!(runs[0].result, Some(RunResult::Failed));
    assert_eq!(runs[0].reason.as_deref(), Some("Miradore answered 401"));
    assert_eq!(runs[1].result, Some(RunResult::NotAvailable));
    assert_eq!(runs[1].ended, None);
}

#[tokio::test]
async fn runs_of_another_connector_are_not_found() {
    let h = active_harness().await;
    h.server.admin().register_connector("two", OTHER_KEY, ConnectorStatus::Active).unwrap();
    let run = h.start_run(KEY).await;
    let response = h.get(&format!("/runs/{run}"), OTHER_KEY).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(h.get(&format!("/runs/{run}"), KEY).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_the_envelope() {
    let h = active_harness().await;
    let response = h.get("/nothing", KEY).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().starts_with("<Response MDVersion="));
    let response = h.get("/runs/abc", KEY).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-mms-error"], "not-found");
    let wrong_instance = format!("{}/other/connectors/rest.svc/v1/connector", h.server.url());
    assert_eq!(h.client.get(wrong_instance).send().await.unwrap().status(), 404);
    let response = h.client.delete(h.url("/runs")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["x-mms-error"], "method-not-allowed");
}

#[tokio::test]
async fn state_survives_a_restart() {
    let path = temp_db("restart");
    let config = MmsConfig { db_path: path.clone(), directory: directory(), ..MmsConfig::default() };
    {
        let h = harness(config.clone()).await;
        assert_eq!(h.get("/connector", KEY).send().await.unwrap().status(), 200);
        h.server.admin().authorize("mapper-miradore").unwrap();
        let run = h.start_run(KEY).await;
        h.batch(KEY, run, "restart-1", vec![import("21", "SN-1")]).await;
        h.server.stop();
    }
    let h = harness(MmsConfig { directory: Directory::default(), ..config }).await;
    let state: Value = h.get("/connector", KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["status"], "Active");
    let page: Value = h.get("/assets", KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(page["assets"][0]["identity"], json!({"kind": "serial", "value": "SN-1"}));
    // The idempotency key and the directory survived too.
    let run = h.server.admin().runs().unwrap()[0].run_id;
    let response = h.send_batch(KEY, run, "restart-1", vec![import("21", "SN-1")]).await;
    assert_eq!(response.headers()["idempotent-replayed"], "true");
    let results =
        h.batch(KEY, run, "restart-2", vec![set_attributes("21", "SN-1", json!({"location": "Helsinki"}))]).await;
    assert_eq!(statuses(&results), vec![("updated", None)]);
    // The raw key is nowhere in the file.
    drop(h);
    for suffix in ["", "-wal"] {
        let bytes = std::fs::read(format!("{}{suffix}", path.display())).unwrap_or_default();
        assert!(!bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()));
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn serves_https_with_the_self_signed_certificate() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = crate::mms::start(MmsConfig::default(), ServeOptions { port: 0, tls: true }).await.unwrap();
    let pem = server.certificate_pem().unwrap();
    let certificate = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    let client = reqwest::Client::builder().add_root_certificate(certificate).build().unwrap();
    let url = format!("{}/connectors/rest.svc/v1/connector", server.base_url());
    assert!(url.starts_with("https://localhost:"));
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 403);
}
