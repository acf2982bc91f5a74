//! End-to-end tests of the Miradore emulator over HTTP(S) on 127.0.0.1, with a plain client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::StatusCode;

use super::estate::{Application, Device, Estate, InvDevice, InvStorage, Location, Platform, Status, User};
use super::faults::{FaultAction, FaultRule, Faults, QueryKind};
use super::{MiradoreConfig, MiradoreServer, render_pages, start};
use crate::serve::ServeOptions;

/// A key with the characters real keys contain and that must be percent-encoded.
const KEY: &str = "7_Ab{c},d$!]e";
const INTERNAL_ERROR: &str =
    "<Content><Error><Description>Internal server error</Description><Code>500</Code></Error></Content>";
const AUTH_FAILED: &str =
    "<Content><Error><Description>Authentication failed</Description><Code>401</Code></Error></Content>";
const PROLOG: &str = r#"<?xml version="1.0" encoding="utf-8"?>"#;

fn generated(devices: usize) -> Estate {
    Estate::generate_with(super::generate::GenerateOptions { devices, seed: 11, mean_applications: 3 })
}

/// Two devices built by hand: one with a single tag, application and storage, one bare.
fn small_estate() -> Estate {
    let first = Device {
        id: 4,
        platform: Platform::Ios,
        inv_device: InvDevice {
            device_name: Some("Loaner’s iPhone & <spare>".into()),
            serial_number: Some(String::new()),
            ..InvDevice::default()
        },
        user: Some(User { id: 1, firstname: Some("Åsa".into()), lastname: Some("O'Brien".into()), ..User::default() }),
        location: Some(Location { id: 2, name: Some("Jyväskylä".into()), full_name: None }),
        tags: vec!["R&D".into()],
        applications: vec![0],
        storages: vec![InvStorage {
            total_space: Some(64_000_000_000),
            free_space: None,
            kind: Some("Internal".into()),
        }],
        ..Device::default()
    };
    let bare = Device { id: 9, status: Status::Deleted, ..Device::default() };
    let applications =
        vec![Application { name: "FaceTime".into(), version: Some("5.0".into()), identifier: None, size: None }];
    Estate::new(applications, vec![bare, first]).unwrap()
}

async fn serve(estate: Estate, faults: Faults) -> MiradoreServer {
    serve_with(estate, faults, ServeOptions::default()).await
}

async fn serve_with(estate: Estate, faults: Faults, options: ServeOptions) -> MiradoreServer {
    let config = MiradoreConfig { site: "acme".into(), api_key: KEY.into(), estate: Arc::new(estate), faults };
    start(config, options).await.unwrap()
}

/// reqwest is built without a default crypto provider; every client needs one installed.
fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn client() -> reqwest::Client {
    install_provider();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn auth() -> String {
    utf8_percent_encode(KEY, NON_ALPHANUMERIC).to_string()
}

/// `GET <url>` → status, Retry-After, Content-Type, body.
async fn get(client: &reqwest::Client, url: &str) -> (StatusCode, Option<String>, Option<String>, String) {
    let response = client.get(url).send().await.unwrap();
    let header = |name| {
        response.headers().get(name).map(|value: &reqwest::header::HeaderValue| value.to_str().unwrap().to_string())
    };
    let (status, retry_after, content_type) = (response.status(), header("retry-after"), header("content-type"));
    (status, retry_after, content_type, response.text().await.unwrap())
}

/// The devices listed on `server` with `query` appended to the auth parameter.
async fn devices(server: &MiradoreServer, query: &str) -> (StatusCode, String) {
    let url = format!("{}/Device?auth={}{query}", server.api_url(), auth());
    let (status, _, _, body) = get(&client(), &url).await;
    (status, body)
}

fn ids(body: &str) -> Vec<u32> {
    body.split("<ID>").skip(1).map(|rest| rest[..rest.find('<').unwrap()].parse().unwrap()).collect()
}

#[tokio::test]
async fn pages_carry_the_total_count_and_follow_id_order() {
    let estate = generated(25);
    let expected_ids: Vec<u32> = estate.devices.iter().map(|d| d.id).collect();
    let expected_pages = render_pages(&estate, "ID,Status", 10).unwrap();
    let server = serve(estate, Faults::default()).await;
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (status, body) = devices(&server, &format!("&select=ID,Status&options=rows=10,page={page}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.starts_with(&format!(r#"{PROLOG}<Content><Items count="25"><Device><ID>"#)), "{body}");
        assert_eq!(body, expected_pages[page - 1], "served page {page} equals render_pages");
        seen.extend(ids(&body));
    }
    assert_eq!(seen, expected_ids);
    assert!(body_contains_deleted(&expected_pages), "deleted devices are listed");
    let (_, past_the_end) = devices(&server, "&select=ID&options=rows=10,page=4").await;
    assert_eq!(past_the_end, format!(r#"{PROLOG}<Content><Items count="25"></Items></Content>"#));
}

fn body_contains_deleted(pages: &[String]) -> bool {
    pages.iter().any(|page| page.contains("<Status>Deleted</Status>"))
}

#[tokio::test]
async fn default_rows_is_one_hundred_and_default_select_is_small() {
    let server = serve(generated(130), Faults::default()).await;
    let (_, body) = devices(&server, "").await;
    assert_eq!(body.matches("<Device>").count(), 100);
    let first = &body[body.find("<Device>").unwrap()..body.find("</Device>").unwrap()];
    assert!(first.starts_with("<Device><ID>") && first.contains("<Platform>") && first.contains("<Status>"));
    assert!(first.contains("<InvDevice><DeviceName>") && !first.contains("<Created>"), "{first}");
    let (_, second) = devices(&server, "&options=page=2").await;
    assert_eq!(second.matches("<Device>").count(), 30);
}

#[tokio::test]
async fn options_work_raw_and_percent_encoded_in_any_case() {
    let server = serve(generated(12), Faults::default()).await;
    let (_, raw) = devices(&server, "&select=ID&options=rows=5,page=2").await;
    let (_, encoded) = devices(&server, "&select=ID&options=rows%3D5%2Cpage%3D2").await;
    let (_, shouting) = devices(&server, "&SELECT=ID&OPTIONS=ROWS%3D5%2CPAGE%3D2%2CdateFormat%3Dyyyy-MM-dd").await;
    assert_eq!(ids(&raw).len(), 5);
    assert_eq!(raw, encoded);
    assert_eq!(raw, shouting);
    let (status, body) = devices(&server, "&options=rows=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("<Code>400</Code>"), "{body}");
}

#[tokio::test]
async fn select_is_case_insensitive_and_renders_canonical_names() {
    let server = serve(small_estate(), Faults::default()).await;
    let (_, lower) = devices(&server, "&select=id,invdevice.devicename,user.firstname,USER.LASTNAME").await;
    let (_, canonical) = devices(&server, "&select=ID,InvDevice.DeviceName,User.Firstname,User.Lastname").await;
    assert_eq!(lower, canonical);
    assert!(lower.contains("<User><Firstname>Åsa</Firstname><Lastname>O'Brien</Lastname></User>"), "{lower}");
}

#[tokio::test]
async fn unknown_attribute_is_refused_with_the_live_envelope() {
    let server = serve(small_estate(), Faults::default()).await;
    let (status, body) = devices(&server, "&select=InvApplication.Name,InvApplication.Vendor").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        "<Content><Error><Description>Entity &#39;InvApplication&#39; does not have property &#39;Vendor&#39;.</Description><Code>400</Code></Error></Content>"
    );
}

#[tokio::test]
async fn wrong_or_missing_key_is_401_and_never_logged() {
    let server = serve(small_estate(), Faults::default()).await;
    let client = client();
    for query in ["", "?auth=7_Ab", "?auth=7_Ab{c},d$!]e", "?select=ID"] {
        // The raw `{c},d$!]` key is accepted too (it decodes to itself); the others are wrong.
        let (status, _, _, body) = get(&client, &format!("{}/Device{query}", server.api_url())).await;
        if query == "?auth=7_Ab{c},d$!]e" {
            assert_eq!(status, StatusCode::OK);
        } else {
            assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, AUTH_FAILED), "{query}");
        }
    }
    let (status, _) = devices(&server, "").await;
    assert_eq!(status, StatusCode::OK);
    let log = server.requests();
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|record| !record.query.contains("Ab")), "{log:?}");
    assert_eq!(log[4].query, "auth=<redacted>");
    assert_eq!(log[0].status, 401);
}

#[tokio::test]
async fn wrong_site_case_unknown_site_and_siteless_paths_are_500() {
    let server = serve(small_estate(), Faults::default()).await;
    let client = client();
    for path in [
        "/Acme/API/Device",
        "/ACME/API/Device",
        "/nobody/API/Device",
        "/API/Device",
        "/Acme/API/Device/4",
        "/API/Device/4",
    ] {
        let url = format!("{}{path}?auth={}", server.url(), auth());
        let (status, _, content_type, body) = get(&client, &url).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert_eq!(body, INTERNAL_ERROR);
        assert_eq!(content_type.as_deref(), Some("application/xml; charset=utf-8"));
    }
}

#[tokio::test]
async fn lists_use_plural_wrappers_escape_entities_and_omit_empty_values() {
    let server = serve(small_estate(), Faults::default()).await;
    let select = "ID,InvDevice.DeviceName,InvDevice.SerialNumber,Location.FullName,Location.Name,User.Email,Tag.Name,InvApplication.Name,InvApplication.Identifier,InvStorage.TotalSpace,InvStorage.FreeSpace";
    let (status, body) = devices(&server, &format!("&select={}", utf8_percent_encode(select, NON_ALPHANUMERIC))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        concat!(
            r#"<?xml version="1.0" encoding="utf-8"?><Content><Items count="2">"#,
            "<Device><ID>4</ID><InvDevice><DeviceName>Loaner’s iPhone &amp; &lt;spare&gt;</DeviceName></InvDevice>",
            "<Location><Name>Jyväskylä</Name></Location>",
            "<Tags><Tag><Name>R&amp;D</Name></Tag></Tags>",
            "<InvApplications><InvApplication><Name>FaceTime</Name></InvApplication></InvApplications>",
            "<InvStorages><InvStorage><TotalSpace>64000000000</TotalSpace></InvStorage></InvStorages></Device>",
            "<Device><ID>9</ID></Device>",
            "</Items></Content>"
        )
    );
}

#[tokio::test]
async fn single_devices_are_served_by_id_and_unknown_ids_are_404() {
    let server = serve(small_estate(), Faults::default()).await;
    let client = client();
    let url = |id: &str| format!("{}/Device/{id}?auth={}&select=ID,Status", server.api_url(), auth());
    let (status, _, content_type, body) = get(&client, &url("9")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("application/xml; charset=utf-8"));
    assert_eq!(
        body,
        format!(
            r#"{PROLOG}<Content><Items count="1"><Device><ID>9</ID><Status>Deleted</Status></Device></Items></Content>"#
        )
    );
    for missing in ["5", "abc"] {
        let (status, _, _, _) = get(&client, &url(missing)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn https_works_when_the_emitted_certificate_is_trusted() {
    install_provider();
    let options = ServeOptions { port: 0, tls: true };
    let server = serve_with(small_estate(), Faults::default(), options).await;
    let pem = server.certificate_pem.clone().expect("a certificate");
    assert!(server.api_url().starts_with("https://localhost:"));
    let trusting = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let url = format!("{}/Device?auth={}&select=ID", server.api_url(), auth());
    let (status, _, _, body) = get(&trusting, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), vec![4, 9]);
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap().cert.pem();
    let distrusting = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(other.as_bytes()).unwrap()])
        .build()
        .unwrap();
    assert!(distrusting.get(&url).send().await.is_err());
}

#[tokio::test]
async fn latency_delays_every_request() {
    let server = serve(small_estate(), Faults::default().with_latency(Duration::from_millis(30))).await;
    let started = Instant::now();
    devices(&server, "").await;
    assert!(started.elapsed() >= Duration::from_millis(30));
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_for_the_first_requests() {
    let server = serve(small_estate(), Faults::default().with(FaultRule::rate_limit_first(2, 3))).await;
    let client = client();
    let url = format!("{}/Device?auth={}", server.api_url(), auth());
    for _ in 0..2 {
        let (status, retry_after, _, body) = get(&client, &url).await;
        assert_eq!((status, retry_after.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some("3")));
        assert!(body.contains("<Code>429</Code>"));
    }
    assert_eq!(get(&client, &url).await.0, StatusCode::OK);
    let counters = server.counters();
    assert_eq!((counters.requests, counters.faults, counters.ok, counters.device_queries), (3, 2, 1, 1));
}

#[tokio::test]
async fn server_error_hits_only_the_given_page_and_query_kind() {
    let faults = Faults::default().with(FaultRule::server_error_on_page(2).on_query(QueryKind::Software));
    let server = serve(generated(6), faults).await;
    let software = "&select=ID,InvApplication.Name&options=rows=2,page=2";
    assert_eq!(devices(&server, "&select=ID&options=rows=2,page=2").await.0, StatusCode::OK);
    assert_eq!(devices(&server, "&select=ID,InvApplication.Name&options=rows=2,page=1").await.0, StatusCode::OK);
    let (status, body) = devices(&server, software).await;
    assert_eq!((status, body.as_str()), (StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_ERROR));
    assert_eq!(devices(&server, software).await.0, StatusCode::OK, "once, then recovered");
    let record = &server.requests()[2];
    assert_eq!((record.kind, record.page, record.fault), (Some(QueryKind::Software), Some(2), Some("server-error")));
}

#[tokio::test]
async fn always_faults_keep_firing() {
    let faults = Faults::default().with(FaultRule::server_error_on_page(1).always());
    let server = serve(small_estate(), faults).await;
    for _ in 0..3 {
        assert_eq!(devices(&server, "").await.0, StatusCode::INTERNAL_SERVER_ERROR);
    }
}

#[tokio::test]
async fn truncation_cuts_the_xml_of_the_given_page() {
    let estate = generated(8);
    let full = render_pages(&estate, "*", 4).unwrap();
    let server = serve(estate, Faults::default().with(FaultRule::new(FaultAction::Truncate).on_page(2))).await;
    let (status, cut) = devices(&server, "&select=*&options=rows=4,page=2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(full[1].starts_with(&cut) && cut.len() < full[1].len() && !cut.ends_with("</Content>"));
    assert_eq!(devices(&server, "&select=*&options=rows=4,page=2").await.1, full[1]);
}

#[tokio::test]
async fn dropped_connections_fail_the_body() {
    let server =
        serve(generated(8), Faults::default().with(FaultRule::new(FaultAction::DropConnection).on_page(1))).await;
    let url = format!("{}/Device?auth={}&select=*", server.api_url(), auth());
    let response = client().get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.is_err());
}

#[tokio::test]
async fn slow_bodies_arrive_complete_but_late() {
    let estate = generated(3);
    let full = render_pages(&estate, "ID", 100).unwrap().remove(0);
    let chunk_bytes = full.len().div_ceil(4);
    let action = FaultAction::SlowBody { chunk_bytes, delay: Duration::from_millis(15) };
    let server = serve(estate, Faults::default().with(FaultRule::new(action))).await;
    let started = Instant::now();
    let (status, body) = devices(&server, "&select=ID").await;
    assert_eq!((status, body), (StatusCode::OK, full));
    assert!(started.elapsed() >= Duration::from_millis(45), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_repeated_page_carries_the_previous_page_once() {
    let estate = generated(8);
    let full = render_pages(&estate, "ID", 3).unwrap();
    let faults = Faults::default().with(FaultRule::new(FaultAction::RepeatPreviousPage).on_page(2));
    let server = serve(estate, faults).await;
    assert_eq!(devices(&server, "&select=ID&options=rows=3,page=2").await, (StatusCode::OK, full[0].clone()));
    assert_eq!(devices(&server, "&select=ID&options=rows=3,page=2").await.1, full[1]);
    assert_eq!(server.requests()[0].fault, Some("repeat-page"));
}

#[tokio::test]
async fn a_miscount_changes_only_the_announced_count() {
    let estate = generated(8);
    let full = render_pages(&estate, "ID", 3).unwrap();
    let faults = Faults::default()
        .with(FaultRule::new(FaultAction::Miscount { delta: 2 }).on_page(1))
        .with(FaultRule::new(FaultAction::Miscount { delta: -20 }).on_page(3));
    let server = serve(estate, faults).await;
    let (_, first) = devices(&server, "&select=ID&options=rows=3,page=1").await;
    assert_eq!(first, full[0].replace(r#"count="8""#, r#"count="10""#));
    let (_, last) = devices(&server, "&select=ID&options=rows=3,page=3").await;
    assert_eq!(last, full[2].replace(r#"count="8""#, r#"count="0""#));
}
