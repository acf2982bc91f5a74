//! The MMS client (`mapper::sink::mms`) against the MMS emulator on 127.0.0.1.

use std::collections::BTreeMap;
use std::time::Duration;

use mapper::ops::{Action, Application, Identity, Operation};
use mapper::secret::Secret;
use mapper::sink::mms::{
    AssetStatus, BatchOutcome, Client, ConnectorStatus, IdempotencyKey, LogSeverity, Mms, MmsError, ResultStatus,
    RetryPolicy, RunResult, Settings, StopEvent, StopResult,
};
use mapper_emulators::mms::{self as emulator, Faults, MmsConfig, MmsServer};
use mapper_emulators::serve::ServeOptions;

const KEY: &str = "connector-key-0123456789-abcdef";
const OTHER_KEY: &str = "someone-elses-key-9876543210";
const MIRADORE_KEY: &str = "miradore-api-key-kept-secret-42";
const NAME: &str = "mapper-miradore";

async fn server(tls: bool) -> MmsServer {
    let config =
        MmsConfig { directory: emulator::Directory::new(["user3@example.com"], ["Helsinki"]), ..MmsConfig::default() };
    emulator::start(config, ServeOptions { port: 0, tls }).await.expect("the emulator starts")
}

/// A server with `NAME` registered under `KEY` and Active.
async fn active_server() -> MmsServer {
    let server = server(false).await;
    server.admin().register_connector(NAME, KEY, emulator::ConnectorStatus::Active).unwrap();
    server
}

fn settings(base_url: &str, key: &str) -> Settings {
    let mut settings = Settings::new(base_url, Secret::new(key));
    settings.connect_timeout = Duration::from_secs(2);
    settings.request_timeout = Duration::from_secs(5);
    settings.retry = RetryPolicy { attempts: 3, base: Duration::from_millis(5), cap: Duration::from_millis(50) };
    settings
}

fn client(server: &MmsServer) -> Client {
    Client::new(settings(&server.base_url(), KEY)).unwrap()
}

fn operation(device: &str, serial: &str, action: Action) -> Operation {
    Operation { device_id: device.into(), identity: Identity { kind: "serial".into(), value: serial.into() }, action }
}

fn import(device: &str, serial: &str) -> Operation {
    let hardware = BTreeMap::from([("manufacturer".to_string(), "Apple".to_string())]);
    let software = vec![Application { name: "Notes".into(), version: Some("4.9".into()), identifier: None }];
    operation(device, serial, Action::ImportInventory { hardware, software })
}

fn place(device: &str, serial: &str) -> Operation {
    let attributes = BTreeMap::from([
        ("location".to_string(), "Helsinki".to_string()),
        ("responsible_person".to_string(), "user3@example.com".to_string()),
    ]);
    operation(device, serial, Action::SetAttributes { attributes })
}

fn statuses(results: &[mapper::sink::mms::OperationResult]) -> Vec<ResultStatus> {
    results.iter().map(|result| result.status).collect()
}

fn serial(value: &str) -> emulator::Identity {
    emulator::Identity { kind: "serial".into(), value: value.into() }
}

/// Every text an error shows: Display, Debug, and the diagnostic's message, notes and help.
fn texts(error: &MmsError) -> String {
    let diagnostic = error.diagnostic();
    format!("{error}\n{error:?}\n{}\n{}\n{:?}", diagnostic.message, diagnostic.notes.join("\n"), diagnostic.help)
}

#[tokio::test]
async fn first_contact_registers_not_authorized_then_active_after_authorization() {
    let server = server(false).await;
    let client = client(&server);
    let state = client.status().await.unwrap();
    assert_eq!((state.name.as_str(), state.status), (NAME, ConnectorStatus::NotAuthorized));
    let error = state.require_active().unwrap_err();
    let diagnostic = error.diagnostic();
    assert_eq!(diagnostic.code.as_str(), "E0501");
    let help = diagnostic.help.unwrap();
    assert!(help.contains("System Settings > Connectors") && help.contains(NAME), "{help}");

    // Every other endpoint refuses it with the same error.
    assert_eq!(client.start_run().await.unwrap_err(), MmsError::NotAuthorized { connector: NAME.into() });

    server.admin().authorize(NAME).unwrap();
    assert_eq!(client.status().await.unwrap().status, ConnectorStatus::Active);
    assert_eq!(client.status().await.unwrap().require_active(), Ok(()));
}

#[tokio::test]
async fn a_disabled_connector_is_told_apart() {
    let server = active_server().await;
    server.admin().set_status(NAME, emulator::ConnectorStatus::Disabled).unwrap();
    let client = client(&server);
    let error = client.status().await.unwrap().require_active().unwrap_err();
    assert_eq!(error.diagnostic().code.as_str(), "E0502");
    assert_eq!(client.configuration().await.unwrap_err(), MmsError::Disabled { connector: NAME.into() });
}

#[tokio::test]
async fn configuration_is_read_and_its_miradore_key_stays_secret() {
    let server = active_server().await;
    let client = client(&server);
    let empty = client.configuration().await.unwrap();
    assert_eq!((empty.miradore_site, empty.miradore_api_key, empty.log_severity), (None, None, LogSeverity::Info));

    let configuration = emulator::Configuration {
        miradore_site: Some("acme".into()),
        miradore_api_key: Some(MIRADORE_KEY.into()),
        log_severity: Some(emulator::LogSeverity::Debug),
    };
    server.admin().configure(NAME, &configuration).unwrap();
    let read = client.configuration().await.unwrap();
    assert_eq!(read.miradore_site.as_deref(), Some("acme"));
    assert_eq!(read.miradore_api_key.as_ref().map(Secret::expose), Some(MIRADORE_KEY));
    assert_eq!(read.log_severity, LogSeverity::Debug);
    assert!(!format!("{read:?}").contains(MIRADORE_KEY));
}

#[tokio::test]
async fn a_run_starts_applies_a_batch_and_stops_through_the_trait() {
    let server = active_server().await;
    let mms: Box<dyn Mms> = Box::new(client(&server));
    let run = mms.start_run().await.unwrap();
    let operations = vec![import("21", "SN-1"), place("21", "SN-1"), operation("21", "SN-1", Action::Activate)];
    let key = IdempotencyKey::for_batch(run, 0);
    let results = mms.apply_batch(run, &operations, &key).await.unwrap();
    assert_eq!(statuses(&results), vec![ResultStatus::Created, ResultStatus::Updated, ResultStatus::Updated]);
    assert_eq!(results[2].asset_status, Some(AssetStatus::Active));

    let counts = BTreeMap::from([("devices".to_string(), 1), ("created".to_string(), 1)]);
    let stop = StopEvent { result: StopResult::Success, counts: counts.clone(), reason: None, log: None };
    let ended = mms.stop_run(run, &stop).await.unwrap();
    assert_eq!((ended.run_id, ended.result, &ended.counts), (run, Some(RunResult::Success), &counts));
    assert_eq!(ended.applied["batches"], 1);
    // A stop sent again (a retry) answers the stored run.
    assert_eq!(mms.stop_run(run, &stop).await.unwrap().result, Some(RunResult::Success));

    let assets = mms.assets(None).await.unwrap();
    assert_eq!(assets.len(), 1);
    assert_eq!((assets[0].identity.value.as_str(), assets[0].status), ("SN-1", AssetStatus::Active));
}

#[tokio::test]
async fn assets_are_read_across_pages_and_filtered_by_status() {
    let server = active_server().await;
    let mut settings = settings(&server.base_url(), KEY);
    settings.asset_page_size = 2;
    let client = Client::new(settings).unwrap();
    let run = client.start_run().await.unwrap();
    let operations: Vec<Operation> = (1..=5).map(|n| import(&n.to_string(), &format!("SN-{n}"))).collect();
    client.apply_batch(run, &operations, &IdempotencyKey::for_batch(run, 0)).await.unwrap();
    let retire = [operation("5", "SN-5", Action::Retire)];
    client.apply_batch(run, &retire, &IdempotencyKey::for_batch(run, 1)).await.unwrap();

    let all = client.assets(None).await.unwrap();
    let serials: Vec<&str> = all.iter().map(|asset| asset.identity.value.as_str()).collect();
    assert_eq!(serials, ["SN-1", "SN-2", "SN-3", "SN-4", "SN-5"]);
    let retired = client.assets(Some(AssetStatus::Retired)).await.unwrap();
    assert_eq!(retired.iter().map(|asset| asset.device_id.as_deref()).collect::<Vec<_>>(), [Some("5")]);
}

#[tokio::test]
async fn a_failed_stop_without_a_reason_still_records_the_failure() {
    let server = active_server().await;
    let client = client(&server);
    let run = client.start_run().await.unwrap();
    let stop = StopEvent { result: StopResult::Failed, counts: BTreeMap::new(), reason: None, log: None };
    let ended = client.stop_run(run, &stop).await.unwrap();
    assert_eq!(ended.result, Some(RunResult::Failed));
    assert!(ended.reason.is_some());
    // A different result for an ended run is refused, not retried.
    let success = StopEvent { result: StopResult::Success, ..stop };
    match client.stop_run(run, &success).await.unwrap_err() {
        MmsError::Answered { status: 409, code, attempts: 1, .. } => assert_eq!(code.as_deref(), Some("run-finished")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_batch_answered_503_is_retried_and_applied_once() {
    let server = active_server().await;
    server.set_faults(Faults { fail_batch: Some(1), ..Faults::default() });
    let client = client(&server);
    let run = client.start_run().await.unwrap();
    let results = client.apply_batch(run, &[import("1", "SN-1")], &IdempotencyKey::for_batch(run, 0)).await.unwrap();
    assert_eq!(statuses(&results), [ResultStatus::Created]);
    assert_eq!(server.batches_received(), 2);
    assert_eq!(server.admin().asset(&serial("SN-1")).unwrap().unwrap().revision, 1);
}

#[tokio::test]
async fn a_dropped_answer_is_retried_with_the_same_key_and_answered_from_storage() {
    let server = active_server().await;
    server.set_faults(Faults { drop_after_batch: Some(1), ..Faults::default() });
    let client = client(&server);
    let run = client.start_run().await.unwrap();
    let operations = [import("1", "SN-1"), place("1", "SN-1")];
    let results = client.apply_batch(run, &operations, &IdempotencyKey::for_batch(run, 0)).await.unwrap();
    // The stored results of the first, applied attempt.
    assert_eq!(statuses(&results), [ResultStatus::Created, ResultStatus::Updated]);
    assert_eq!(server.batches_received(), 2);
    let asset = server.admin().asset(&serial("SN-1")).unwrap().unwrap();
    assert_eq!(asset.revision, 2, "applied once: created, then attributes");
    assert_eq!(server.admin().runs().unwrap()[0].applied["batches"], 1);
    assert_eq!(server.admin().runs().unwrap()[0].applied["operations"], 2);
}

#[tokio::test]
async fn an_unconfirmed_batch_names_its_operations_and_may_have_been_applied() {
    let server = active_server().await;
    server.set_faults(Faults { drop_after_batch: Some(1), ..Faults::default() });
    let mut settings = settings(&server.base_url(), KEY);
    settings.retry.attempts = 1;
    let client = Client::new(settings).unwrap();
    let run = client.start_run().await.unwrap();
    let operations = [import("7", "SN-7"), place("7", "SN-7"), import("8", "SN-8")];
    let key = IdempotencyKey::for_batch(run, 4);
    let error = client.apply_batch(run, &operations, &key).await.unwrap_err();
    let failure = error.batch().expect("a batch failure");
    assert_eq!(failure.outcome, BatchOutcome::MayBeApplied);
    assert_eq!(failure.key, key);
    let unconfirmed: Vec<(usize, &str, &str)> =
        failure.unconfirmed.iter().map(|u| (u.index, u.device_id.as_str(), u.operation)).collect();
    assert_eq!(unconfirmed, [(0, "7", "import_inventory"), (1, "7", "set_attributes"), (2, "8", "import_inventory")]);
    assert!(matches!(failure.cause, MmsError::Unreachable { attempts: 1, .. }), "{:?}", failure.cause);
    let diagnostic = error.diagnostic();
    assert_eq!(diagnostic.code.as_str(), "E0507");
    let notes = diagnostic.notes.join("\n");
    assert!(notes.contains("may have applied") && notes.contains("unconfirmed devices: 7, 8"), "{notes}");

    // It had been applied: sending it again with the same key applies nothing twice.
    let results = client.apply_batch(run, &operations, &key).await.unwrap();
    assert_eq!(statuses(&results), [ResultStatus::Created, ResultStatus::Updated, ResultStatus::Created]);
    assert_eq!(server.admin().asset(&serial("SN-7")).unwrap().unwrap().revision, 2);
    assert_eq!(server.admin().runs().unwrap()[0].applied["batches"], 1);
}

#[tokio::test]
async fn a_batch_refused_with_503_after_every_retry_was_not_applied() {
    let server = active_server().await;
    server.set_faults(Faults { fail_batch: Some(1), ..Faults::default() });
    let mut settings = settings(&server.base_url(), KEY);
    settings.retry.attempts = 1;
    let client = Client::new(settings).unwrap();
    let run = client.start_run().await.unwrap();
    let error = client.apply_batch(run, &[import("1", "SN-1")], &IdempotencyKey::for_batch(run, 0)).await.unwrap_err();
    let failure = error.batch().unwrap();
    assert_eq!(failure.outcome, BatchOutcome::NotApplied);
    match &failure.cause {
        MmsError::Answered { status: 503, code, .. } => assert_eq!(code.as_deref(), Some("service-unavailable")),
        other => panic!("{other:?}"),
    }
    assert!(error.diagnostic().notes.iter().any(|note| note.contains("did not apply")));
    assert!(server.admin().assets(None).unwrap().is_empty());
}

#[tokio::test]
async fn a_wrong_key_is_a_clear_error() {
    let server = active_server().await;
    let client = Client::new(settings(&server.base_url(), OTHER_KEY)).unwrap();
    // Without X-Connector-Name an unknown key is 403 authentication-failed.
    let error = client.configuration().await.unwrap_err();
    assert!(matches!(error, MmsError::KeyRejected { .. }), "{error:?}");
    assert_eq!(error.diagnostic().code.as_str(), "E0503");
    assert!(error.to_string().contains("MMS rejected the connector key"), "{error}");
    // At registration, the name belongs to the right key.
    let error = client.status().await.unwrap_err();
    assert_eq!(error, MmsError::NameTaken { connector: NAME.into() });
    assert_eq!(error.diagnostic().code.as_str(), "E0503");
    assert_eq!(server.admin().connectors().unwrap().len(), 1, "no connector was registered");
}

#[tokio::test]
async fn https_with_the_emulators_certificate_trusted_by_pem() {
    let server = server(true).await;
    assert!(server.base_url().starts_with("https://"));
    let mut trusted = settings(&server.base_url(), KEY);
    trusted.trust_pem = Some(server.certificate_pem().unwrap().as_bytes().to_vec());
    let state = Client::new(trusted).unwrap().status().await.unwrap();
    assert_eq!(state.status, ConnectorStatus::NotAuthorized);

    let mut untrusted = settings(&server.base_url(), KEY);
    untrusted.retry.attempts = 1;
    let error = Client::new(untrusted).unwrap().status().await.unwrap_err();
    assert!(matches!(error, MmsError::Unreachable { .. }), "{error:?}");
    assert!(error.to_string().to_lowercase().contains("certificate"), "{error}");
}

#[tokio::test]
async fn a_closed_port_is_unreachable_after_the_retries() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::new(settings(&format!("http://127.0.0.1:{port}/miradore"), KEY)).unwrap();
    let error = client.status().await.unwrap_err();
    match &error {
        MmsError::Unreachable { endpoint, attempts: 3, .. } => assert_eq!(endpoint, "GET /connector"),
        other => panic!("{other:?}"),
    }
    assert_eq!(error.diagnostic().code.as_str(), "E0504");
}

#[tokio::test]
async fn bad_settings_are_refused_before_any_request() {
    for (url, key, name) in [
        ("mms.example.com", KEY, NAME),
        ("http://x/m", "", NAME),
        ("http://x/m", "a\nb", NAME),
        ("http://x/m", KEY, "no/slash"),
    ] {
        let mut settings = settings(url, key);
        settings.connector_name = name.into();
        let error = Client::new(settings).unwrap_err();
        assert_eq!(error.diagnostic().code.as_str(), "E0508", "{error}");
    }
}

#[tokio::test]
async fn the_connector_key_never_shows_in_errors_or_debug_output() {
    let server = server(false).await;
    let client = client(&server);
    let mut errors =
        vec![client.status().await.unwrap().require_active().unwrap_err(), client.start_run().await.unwrap_err()];
    server.admin().authorize(NAME).unwrap();
    let run = client.start_run().await.unwrap();
    server.set_faults(Faults { drop_after_batch: Some(1), fail_batch: Some(2), ..Faults::default() });
    let mut settings = settings(&server.base_url(), KEY);
    settings.retry.attempts = 2;
    let impatient = Client::new(settings).unwrap();
    errors.push(
        impatient.apply_batch(run, &[import("1", "SN-1")], &IdempotencyKey::for_batch(run, 0)).await.unwrap_err(),
    );
    let stranger = Client::new(self::settings(&server.base_url(), OTHER_KEY)).unwrap();
    errors.push(stranger.configuration().await.unwrap_err());
    errors.push(stranger.status().await.unwrap_err());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    errors.push(
        Client::new(self::settings(&format!("http://127.0.0.1:{port}/m"), KEY)).unwrap().status().await.unwrap_err(),
    );
    let mut bad_name = self::settings(&server.base_url(), KEY);
    bad_name.connector_name = String::new();
    errors.push(Client::new(bad_name).unwrap_err());

    assert_eq!(errors.len(), 7);
    for error in &errors {
        let text = texts(error);
        assert!(!text.contains(KEY) && !text.contains(OTHER_KEY), "{text}");
    }
    let shown = format!("{client:?} {:?}", client.settings());
    assert!(!shown.contains(KEY), "{shown}");
}
