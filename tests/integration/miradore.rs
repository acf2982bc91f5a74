//! The Miradore side end to end: the `mapper` binary reading the Miradore emulator, clean and
//! with every fault the emulator injects. A transient fault must change nothing in the output;
//! a permanent one must end the run incomplete (E0406, exit 5) with nothing retired; the key
//! must never show.

use std::time::Duration;

use mapper_emulators::miradore::generate::GenerateOptions;
use mapper_emulators::miradore::{Estate, FaultAction, FaultRule, Faults, QueryKind, RequestRecord};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::support::{Miradore, Output, Scratch, Test};

/// A key with the characters real keys hold and a query string must encode.
const KEY: &str = "5_Kq{Zx},Wv$!]Jt";
const DEFAULT_RULES: &str = "rules/default.yaml";
const INCOMPLETE: &str = "E0406";
const RETIRE: &str = r#""type":"retire""#;
/// Device pages of 20 and software pages of 10 in [`small_pages`].
const DEVICE_ROWS: usize = 20;
const SOFTWARE_ROWS: usize = 10;

/// 60 devices with about 5 applications each: 3 device pages and 6 software pages of
/// [`small_pages`], 1 and 3 of the default rules.
fn estate() -> Estate {
    Estate::generate_with(GenerateOptions { devices: 60, seed: 7, mean_applications: 5 })
}

/// The default rules with small pages, so that both queries page several times.
fn small_pages(scratch: &Scratch) -> String {
    let rules = std::fs::read_to_string(format!("{}/{DEFAULT_RULES}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let rules = rules.replacen("  page_size: 200\n", &format!("  page_size: {DEVICE_ROWS}\n"), 1).replacen(
        "    page_size: 25\n",
        &format!("    page_size: {SOFTWARE_ROWS}\n"),
        1,
    );
    assert!(rules.contains(&format!("page_size: {SOFTWARE_ROWS}\n")), "rules/default.yaml changed its page sizes");
    scratch.write("rules.yaml", &rules).display().to_string()
}

/// `dry-run --format json` against `site` with `rules`.
fn live(site: &Miradore, rules: &str) -> Test {
    Test::new().args(["dry-run", "--format", "json", "--rules", rules]).miradore(site)
}

/// The operations of a clean live run of `rules` over [`estate`].
fn clean_run(rules: &str) -> Output {
    let site = Miradore::start(&estate(), KEY, Faults::default());
    live(&site, rules).run()
}

/// Every form the key could leak in: raw, and percent-encoded (as sent, or strictly) in either
/// case, whole or in part.
fn key_forms() -> Vec<String> {
    let sent = mapper::secret::Secret::new(KEY).encoded();
    let strict = utf8_percent_encode(KEY, NON_ALPHANUMERIC).to_string();
    let mut forms = vec![KEY.to_string(), "Zx},Wv".into(), "Kq%7BZx".into()];
    for form in [sent, strict] {
        forms.push(form.to_lowercase());
        forms.push(form);
    }
    forms
}

#[track_caller]
fn assert_no_key(what: &str, text: &str) {
    for form in key_forms() {
        assert!(!text.contains(&form), "the key ({form}) appears in {what}:\n{text}");
    }
}

/// The distinct list pages of one kind that were answered 200 in full (slowly or not), as
/// (rows, page).
fn served(requests: &[RequestRecord], kind: QueryKind) -> Vec<(usize, usize)> {
    let mut pages: Vec<(usize, usize)> = requests
        .iter()
        .filter(|request| request.kind == Some(kind) && request.status == 200)
        .filter(|request| request.fault.is_none_or(|fault| fault == "slow-body"))
        .map(|request| {
            let options = decoded(request, "options");
            let get = |name: &str| {
                options.split(',').find_map(|entry| entry.strip_prefix(&format!("{name}="))).unwrap().parse().unwrap()
            };
            (get("rows"), get("page"))
        })
        .collect();
    pages.sort_unstable();
    pages.dedup();
    pages
}

/// A parameter of a logged request, raw as sent.
fn raw_parameter<'a>(request: &'a RequestRecord, name: &str) -> &'a str {
    request.query.split('&').find_map(|pair| pair.strip_prefix(&format!("{name}="))).unwrap_or_default()
}

/// A parameter of a logged request, percent-decoded.
fn decoded(request: &RequestRecord, name: &str) -> String {
    percent_decode_str(raw_parameter(request, name)).decode_utf8().unwrap().into_owned()
}

fn pages(count: usize, rows: usize) -> Vec<(usize, usize)> {
    (1..=count).map(|page| (rows, page)).collect()
}

#[test]
fn live_dry_run_prints_what_a_snapshot_of_the_same_data_prints() {
    let site = Miradore::start(&estate(), KEY, Faults::default());
    let scratch = Scratch::new("snapshot");
    let folder = scratch.join("pages");
    let saved = Test::new().args(["snapshot", "--rules", DEFAULT_RULES, "--out"]).arg(&folder).miradore(&site).run();
    assert!(saved.stdout.contains("saved 60 devices"), "{}", saved.stdout);
    let mut files: Vec<String> =
        std::fs::read_dir(&folder).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(
        files,
        ["device-00001.xml", "snapshot.json", "software-00001.xml", "software-00002.xml", "software-00003.xml"]
    );

    let live = Test::new().args(["dry-run", "--format", "json", "--rules", DEFAULT_RULES]).miradore(&site).run();
    let offline =
        Test::new().args(["dry-run", "--format", "json", "--rules", DEFAULT_RULES, "--snapshot"]).arg(&folder).run();
    pretty_assertions::assert_eq!(live.stdout, offline.stdout);
    pretty_assertions::assert_eq!(live.stderr, offline.stderr, "the summaries differ");
    let kinds = |kind: &str| live.json_lines().iter().filter(|operation| operation["type"] == kind).count();
    assert!(kinds("retire") > 0 && kinds("import_inventory") > 0, "{}", live.stdout);
    assert!(live.stdout.contains(r#""software":[{"#), "no software was joined:\n{}", live.stdout);

    let text_live = Test::new().args(["dry-run", "--rules", DEFAULT_RULES]).miradore(&site).run();
    let text_offline = Test::new().args(["dry-run", "--rules", DEFAULT_RULES, "--snapshot"]).arg(&folder).run();
    pretty_assertions::assert_eq!(text_live.stdout, text_offline.stdout);
}

/// `examples/demo.sh` serves the estate the emulator generates with 60 devices, seed 17 and 12
/// applications on average: it must be the shipped example, byte for byte, so that the README's
/// first command runs on the data `examples/estate` documents and `expected.txt` checks.
#[test]
fn the_demo_estate_is_the_shipped_example_snapshot() {
    let demo = Estate::generate_with(GenerateOptions { devices: 60, seed: 17, mean_applications: 12 });
    let site = Miradore::start(&demo, KEY, Faults::default());
    let scratch = Scratch::new("demo-estate");
    let folder = scratch.join("pages");
    Test::new().args(["snapshot", "--rules", DEFAULT_RULES, "--out"]).arg(&folder).miradore(&site).run();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/estate/snapshot");
    let mut names: Vec<_> = std::fs::read_dir(&shipped).unwrap().map(|entry| entry.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
    for name in names {
        let saved = std::fs::read_to_string(folder.join(&name)).unwrap_or_default();
        let expected = std::fs::read_to_string(shipped.join(&name)).unwrap();
        pretty_assertions::assert_eq!(saved, expected, "{name:?}");
    }
}

#[test]
fn live_dry_run_over_https_trusting_the_emulator_certificate() {
    let expected = clean_run(DEFAULT_RULES);
    let site = Miradore::start_tls(&estate(), KEY, Faults::default());
    assert!(site.server.url().starts_with("https://"));
    let output = live(&site, DEFAULT_RULES).run();
    pretty_assertions::assert_eq!(output.stdout, expected.stdout);

    let scratch = Scratch::new("snapshot-tls");
    let folder = scratch.join("pages");
    Test::new().args(["snapshot", "--rules", DEFAULT_RULES, "--out"]).arg(&folder).miradore(&site).run();
    let offline =
        Test::new().args(["dry-run", "--format", "json", "--rules", DEFAULT_RULES, "--snapshot"]).arg(&folder).run();
    pretty_assertions::assert_eq!(offline.stdout, expected.stdout);
}

#[test]
fn an_untrusted_certificate_is_refused() {
    let site = Miradore::start_tls(&estate(), KEY, Faults::default());
    let output = Test::new()
        .args(["dry-run", "--format", "json", "--miradore-url", &site.server.url(), "--site", "acme"])
        .env("MIRADORE_API_KEY", KEY)
        .env("MAPPER_RETRY_BASE_MS", "5")
        .code(5)
        .run();
    assert!(output.stderr.contains(INCOMPLETE), "{}", output.stderr);
    assert!(!output.stdout.contains(RETIRE));
    assert_no_key("the output", &output.all());
}

#[test]
fn pages_rows_and_select_follow_the_rules_one_request_per_page() {
    let scratch = Scratch::new("paging");
    let rules = small_pages(&scratch);
    let site = Miradore::start(&estate(), KEY, Faults::default());
    live(&site, &rules).run();
    let requests = site.requests();
    assert_eq!(requests.len(), 3 + 6, "{requests:#?}");
    assert_eq!(served(&requests, QueryKind::Device), pages(3, DEVICE_ROWS));
    assert_eq!(served(&requests, QueryKind::Software), pages(6, SOFTWARE_ROWS));

    let queries = Test::new().args(["validate", "--show-queries", "--rules", &rules]).run();
    let derived = |prefix: &str| -> String {
        let line = queries.stdout.lines().find(|line| line.starts_with(prefix)).unwrap();
        line.split_once(" select=").unwrap().1.to_string()
    };
    for request in &requests {
        assert_eq!(request.path, "/acme/API/Device");
        assert_eq!(raw_parameter(request, "auth"), "<redacted>");
        let page = request.page.unwrap();
        let rows = if request.kind == Some(QueryKind::Device) { DEVICE_ROWS } else { SOFTWARE_ROWS };
        assert_eq!(raw_parameter(request, "options"), format!("rows%3D{rows}%2Cpage%3D{page}"), "{request:?}");
        let select = decoded(request, "select");
        assert!(!raw_parameter(request, "select").contains(','), "select is not encoded: {request:?}");
        match request.kind {
            Some(QueryKind::Device) => {
                assert_eq!(select, derived("device query:"));
                assert!(select.starts_with("ID,") && select.contains("InvDevice.SerialNumber"), "{select}");
                assert!(!select.contains("InvApplication"), "{select}");
            }
            _ => {
                assert_eq!(select, derived("software query:"));
                assert_eq!(select, "ID,InvApplication.Name,InvApplication.Version,InvApplication.Identifier");
            }
        }
    }
}

/// Runs the small-page rules against an emulator with `faults` and checks that the output is
/// byte for byte the clean run's; returns the emulator's request log.
#[track_caller]
fn recovers(faults: Faults, extra: &[&str]) -> (Output, Vec<RequestRecord>) {
    let scratch = Scratch::new("transient");
    let rules = small_pages(&scratch);
    let expected = clean_run(&rules);
    let site = Miradore::start(&estate(), KEY, faults);
    let output = live(&site, &rules).args(extra).run();
    pretty_assertions::assert_eq!(output.stdout, expected.stdout);
    pretty_assertions::assert_eq!(output.stderr, expected.stderr);
    let requests = site.requests();
    // Every page was still served once, cleanly, whatever was retried.
    assert_eq!(served(&requests, QueryKind::Device), pages(3, DEVICE_ROWS));
    assert_eq!(served(&requests, QueryKind::Software), pages(6, SOFTWARE_ROWS));
    (output, requests)
}

fn faulted(requests: &[RequestRecord]) -> Vec<(Option<QueryKind>, Option<usize>, u16, &'static str)> {
    requests
        .iter()
        .filter_map(|request| request.fault.map(|fault| (request.kind, request.page, request.status, fault)))
        .collect()
}

#[test]
fn rate_limiting_with_retry_after_is_waited_out() {
    let (output, requests) = recovers(Faults::default().with(FaultRule::rate_limit_first(2, 1)), &[]);
    assert_eq!(requests.len(), 9 + 2);
    assert_eq!(requests.iter().filter(|request| request.status == 429).count(), 2);
    assert!(output.elapsed >= Duration::from_secs(1), "Retry-After: 1 was not honoured: {:?}", output.elapsed);
}

#[test]
fn a_server_error_on_a_software_page_is_retried() {
    let faults = Faults::default().with(FaultRule::server_error_on_page(2).on_query(QueryKind::Software));
    let (_, requests) = recovers(faults, &[]);
    assert_eq!(faulted(&requests), [(Some(QueryKind::Software), Some(2), 500, "server-error")]);
    assert_eq!(requests.len(), 9 + 1);
}

/// Every status the client retries besides 429 and 500 (those have tests of their own): a
/// proxy's timeout, too early, bad gateway, unavailable, gateway timeout.
#[test]
fn the_other_retried_statuses_are_retried() {
    for status in [408, 425, 502, 503, 504] {
        let rule = FaultRule::new(FaultAction::Status { status }).on_page(3).on_query(QueryKind::Software);
        let (_, requests) = recovers(Faults::default().with(rule), &[]);
        assert_eq!(faulted(&requests), [(Some(QueryKind::Software), Some(3), status, "status")], "{status}");
    }
}

#[test]
fn a_truncated_page_is_fetched_again_not_read_short() {
    let faults = Faults::default().with(FaultRule::new(FaultAction::Truncate).on_page(2).on_query(QueryKind::Device));
    let (_, requests) = recovers(faults, &[]);
    assert_eq!(faulted(&requests), [(Some(QueryKind::Device), Some(2), 200, "truncate")]);
    assert_eq!(requests.len(), 9 + 1);
}

#[test]
fn a_dropped_connection_is_retried() {
    let faults =
        Faults::default().with(FaultRule::new(FaultAction::DropConnection).on_page(3).on_query(QueryKind::Software));
    let (_, requests) = recovers(faults, &[]);
    assert_eq!(faulted(&requests), [(Some(QueryKind::Software), Some(3), 200, "drop-connection")]);
    assert_eq!(requests.len(), 9 + 1);
}

#[test]
fn slow_bodies_are_read_to_their_end() {
    let slow = FaultAction::SlowBody { chunk_bytes: 2_000, delay: Duration::from_millis(10) };
    let (_, requests) = recovers(Faults::default().with(FaultRule::new(slow).always()), &[]);
    assert_eq!(requests.len(), 9, "a slow body was fetched twice");
}

#[test]
fn a_body_slower_than_the_request_timeout_is_fetched_again() {
    let slow = FaultAction::SlowBody { chunk_bytes: 100, delay: Duration::from_millis(200) };
    let faults = Faults::default().with(FaultRule::new(slow).on_page(2).on_query(QueryKind::Device));
    let (_, requests) = recovers(faults, &["--request-timeout", "1"]);
    assert_eq!(faulted(&requests), [(Some(QueryKind::Device), Some(2), 200, "slow-body")]);
    assert_eq!(requests.len(), 9 + 1);
}

/// Runs the small-page rules against `faults` and checks that the run ends incomplete: exit 5,
/// E0406 with `message`, and no retirement.
#[track_caller]
fn ends_incomplete(faults: Faults, message: &str) -> (Output, Vec<RequestRecord>) {
    let scratch = Scratch::new("permanent");
    let rules = small_pages(&scratch);
    let site = Miradore::start(&estate(), KEY, faults);
    let output = live(&site, &rules).code(5).run();
    assert!(output.stderr.contains(INCOMPLETE), "{}", output.stderr);
    assert!(output.stderr.contains(message), "`{message}` not in:\n{}", output.stderr);
    assert!(output.stderr.contains("nothing is retired"), "{}", output.stderr);
    assert!(!output.stdout.contains(RETIRE), "an incomplete fetch retired:\n{}", output.stdout);
    (output, site.requests())
}

#[test]
fn a_device_page_failing_every_retry_ends_incomplete_without_retirement() {
    let faults = Faults::default().with(FaultRule::server_error_on_page(2).on_query(QueryKind::Device).always());
    let (_, requests) = ends_incomplete(faults, "page 2 of the device query could not be fetched: HTTP 500");
    let failed = requests.iter().filter(|request| request.fault.is_some()).count();
    assert_eq!(failed, 5, "five attempts, the first included");
}

#[test]
fn a_software_page_failing_every_retry_ends_incomplete_without_retirement() {
    let faults = Faults::default().with(FaultRule::server_error_on_page(2).on_query(QueryKind::Software).always());
    ends_incomplete(faults, "page 2 of the software query could not be fetched: HTTP 500");
}

/// An incomplete software query must not let a device through without its applications: that
/// would import an inventory with the software missing.
#[test]
fn an_incomplete_software_query_prints_no_device_without_its_software() {
    let scratch = Scratch::new("software-gap");
    let rules = small_pages(&scratch);
    let clean: std::collections::HashSet<String> = clean_run(&rules).stdout.lines().map(str::to_string).collect();
    let faults = Faults::default().with(FaultRule::server_error_on_page(2).on_query(QueryKind::Software).always());
    let site = Miradore::start(&estate(), KEY, faults);
    let output = live(&site, &rules).code(5).run();
    let wrong: Vec<&str> = output.stdout.lines().filter(|line| !clean.contains(*line)).collect();
    assert!(wrong.is_empty(), "{} operation(s) a complete fetch would not send, e.g.\n{}", wrong.len(), wrong[0]);
}

/// A snapshot that failed keeps the pages it saved (for a bug report), marked incomplete in its
/// manifest; a dry run over it is refused as an incomplete fetch is, and maps nothing.
#[test]
fn a_failed_snapshot_is_marked_incomplete_and_refused_by_dry_run() {
    let scratch = Scratch::new("failed-snapshot");
    let rules = small_pages(&scratch);
    let faults = Faults::default().with(FaultRule::server_error_on_page(1).on_query(QueryKind::Software).always());
    let site = Miradore::start(&estate(), KEY, faults);
    let folder = scratch.join("pages");
    let saved = Test::new().args(["snapshot", "--rules", &rules, "--out"]).arg(&folder).miradore(&site).code(5).run();
    assert!(saved.stderr.contains(INCOMPLETE), "{}", saved.stderr);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("snapshot.json")).unwrap()).unwrap();
    assert!(manifest["incomplete"].as_str().is_some_and(|reason| reason.contains("software")), "{manifest}");

    let offline = Test::new().args(["dry-run", "--rules", &rules, "--snapshot"]).arg(&folder).code(5).run();
    assert!(offline.stderr.contains(INCOMPLETE), "{}", offline.stderr);
    assert!(offline.stdout.is_empty(), "a failed snapshot was mapped:\n{}", offline.stdout);

    // The device pages alone, without the manifest, are refused too: the rules read a software
    // query and none of its pages is there.
    std::fs::remove_file(folder.join("snapshot.json")).unwrap();
    let pages_only = Test::new().args(["dry-run", "--rules", &rules, "--snapshot"]).arg(&folder).code(5).run();
    assert!(pages_only.stderr.contains("software"), "{}", pages_only.stderr);
    assert!(pages_only.stdout.is_empty(), "{}", pages_only.stdout);
}

#[test]
fn a_page_that_repeats_the_previous_one_ends_incomplete() {
    let faults =
        Faults::default().with(FaultRule::new(FaultAction::RepeatPreviousPage).on_page(2).on_query(QueryKind::Device));
    ends_incomplete(faults, "page 2 of the device query repeats the previous page");
}

#[test]
fn a_repeated_software_page_ends_incomplete() {
    let faults = Faults::default()
        .with(FaultRule::new(FaultAction::RepeatPreviousPage).on_page(4).on_query(QueryKind::Software));
    ends_incomplete(faults, "page 4 of the software query repeats the previous page");
}

#[test]
fn more_devices_announced_than_served_ends_incomplete() {
    let faults = Faults::default().with(FaultRule::new(FaultAction::Miscount { delta: 7 }).always());
    ends_incomplete(faults, "announced 67 devices but 60 arrived");
}

#[test]
fn fewer_devices_announced_than_served_ends_incomplete() {
    let faults = Faults::default()
        .with(FaultRule::new(FaultAction::Miscount { delta: -5 }).on_query(QueryKind::Device).always());
    ends_incomplete(faults, "the device query announced 55 devices but 60 arrived");
}

/// `Items@count` going from 60 on page 1 to 61 on page 3 means the estate changed during the
/// walk (a device enrolled, or re-enrolled under a new ID): the pages no longer add up to one
/// consistent listing, and the device that moved past the last page was never read.
#[test]
fn an_items_count_that_changes_between_pages_ends_incomplete() {
    let faults = Faults::default()
        .with(FaultRule::new(FaultAction::Miscount { delta: 1 }).on_page(3).on_query(QueryKind::Device).always());
    ends_incomplete(faults, "E0406");
}

#[test]
fn the_fetch_timeout_ends_incomplete() {
    let faults = Faults::default().with_latency(Duration::from_millis(400));
    let scratch = Scratch::new("fetch-timeout");
    let rules = small_pages(&scratch);
    let site = Miradore::start(&estate(), KEY, faults);
    let output = live(&site, &rules).args(["--fetch-timeout", "1", "--concurrency", "1"]).code(5).run();
    assert!(output.stderr.contains(INCOMPLETE) && output.stderr.contains("longer than 1 s"), "{}", output.stderr);
    assert!(!output.stdout.contains(RETIRE));
}

#[test]
fn a_rejected_key_is_e0404() {
    let site = Miradore::start(&estate(), "another-key", Faults::default());
    let output = live(&site, DEFAULT_RULES).env("MIRADORE_API_KEY", KEY).code(5).run();
    assert!(output.stderr.contains("E0404"), "{}", output.stderr);
    assert!(!output.stdout.contains(RETIRE));
    // 401 is final: no retry.
    assert!(site.requests().iter().all(|request| request.status == 401));
    assert!(site.requests().len() <= 2, "{:#?}", site.requests());
    assert_no_key("the output", &output.all());
}

#[test]
fn a_site_in_the_wrong_case_is_e0405() {
    let site = Miradore::start(&estate(), KEY, Faults::default());
    let output = Test::new()
        .args(["dry-run", "--format", "json", "--rules", DEFAULT_RULES])
        .miradore_as(&site, "Acme")
        .code(5)
        .run();
    assert!(output.stderr.contains("E0405") && output.stderr.contains("`Acme`"), "{}", output.stderr);
    assert!(!output.stdout.contains(RETIRE));
    assert!(site.requests().iter().all(|request| request.path.starts_with("/Acme/") && request.status == 500));
}

/// A 500 that lasts from the very first request may be an outage as well as a wrong site: every
/// attempt is made before the site is named, and the message says both. Once any page of the
/// run has arrived, the site exists: a lasting 500 is then an incomplete fetch.
#[test]
fn a_lasting_500_on_the_first_pages_is_retried_and_names_both_causes() {
    let dry_run = |site: &Miradore| {
        Test::new().args(["dry-run", "--format", "json", "--rules", DEFAULT_RULES]).miradore(site).code(5).run()
    };
    let site = Miradore::start(&estate(), KEY, Faults::default().with(FaultRule::server_error_on_page(1).always()));
    let output = dry_run(&site);
    assert!(output.stderr.contains("E0405") && output.stderr.contains("Miradore is failing"), "{}", output.stderr);
    assert!(output.stderr.contains("nothing is retired"), "{}", output.stderr);
    // The query that ended the fetch made all five attempts (the other stops with it).
    let attempts = |kind| site.requests().iter().filter(|request| request.kind == Some(kind)).count();
    assert_eq!(attempts(QueryKind::Device).max(attempts(QueryKind::Software)), 5, "five attempts");
    assert!(output.stdout.is_empty());

    let device_only = FaultRule::server_error_on_page(1).on_query(QueryKind::Device).always();
    let site = Miradore::start(&estate(), KEY, Faults::default().with(device_only));
    let output = dry_run(&site);
    assert!(output.stderr.contains(INCOMPLETE) && !output.stderr.contains("E0405"), "{}", output.stderr);
}

/// A rules file asking for `attribute` through `source.select` (or `source.software.select`).
fn asking_for(scratch: &Scratch, software: bool, attribute: &str) -> String {
    let rules = std::fs::read_to_string(format!("{}/{DEFAULT_RULES}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let rules = if software {
        rules.replacen("InvApplication.Identifier]", &format!("InvApplication.Identifier, {attribute}]"), 1)
    } else {
        rules.replacen("source:\n", &format!("source:\n  select: [{attribute}]\n"), 1)
    };
    assert!(rules.contains(attribute));
    scratch.write("rules.yaml", &rules).display().to_string()
}

#[test]
fn an_unknown_software_attribute_is_e0402_with_the_api_description() {
    let scratch = Scratch::new("vendor");
    let rules = asking_for(&scratch, true, "InvApplication.Vendor");
    let site = Miradore::start(&estate(), KEY, Faults::default());
    let output = live(&site, &rules).code(5).run();
    assert!(output.stderr.contains("E0402"), "{}", output.stderr);
    assert!(output.stderr.contains("Entity 'InvApplication' does not have property 'Vendor'."), "{}", output.stderr);
    // The rule that asked for it is named, with its place in the rules file.
    let named = output.stderr.contains("source.software.select") && output.stderr.contains("rules.yaml:");
    assert!(named, "{}", output.stderr);
    assert!(!output.stdout.contains(RETIRE));
    assert!(site.requests().iter().all(|request| request.status != 200 || request.kind == Some(QueryKind::Device)));
}

#[test]
fn an_unknown_device_attribute_is_e0402_with_the_api_description() {
    let scratch = Scratch::new("bogus");
    let rules = asking_for(&scratch, false, "InvDevice.Bogus");
    let site = Miradore::start(&estate(), KEY, Faults::default());
    let output = live(&site, &rules).code(5).run();
    assert!(output.stderr.contains("E0402"), "{}", output.stderr);
    assert!(output.stderr.contains("Entity 'InvDevice' does not have property 'Bogus'."), "{}", output.stderr);
    let named = output.stderr.contains("source.select") && output.stderr.contains("rules.yaml:");
    assert!(named, "{}", output.stderr);
    assert!(!output.stdout.contains(RETIRE));
}

/// A final answer on one query (here a 400 on the device query) ends the fetch: the other query
/// is not read to its end first.
#[test]
fn a_final_error_on_one_query_stops_the_other() {
    let scratch = Scratch::new("stop");
    let rules = std::fs::read_to_string(small_pages(&scratch)).unwrap();
    let rules = scratch.write("bogus.yaml", &rules.replacen("source:\n", "source:\n  select: [InvDevice.Bogus]\n", 1));
    let rules = rules.display().to_string();
    let site = Miradore::start(&estate(), KEY, Faults::default());
    let output = live(&site, &rules).args(["--concurrency", "1"]).code(5).run();
    assert!(output.stderr.contains("E0402"), "{}", output.stderr);
    let software = site.requests().iter().filter(|request| request.kind == Some(QueryKind::Software)).count();
    // Page 1 may be in flight when the 400 arrives, and one more page after it at most.
    assert!(software <= 2, "the software query went on for {software} of 6 pages after the device query failed");
}

#[test]
fn the_key_appears_in_no_output_log_or_snapshot_file() {
    let faults = Faults::default()
        .with(FaultRule::server_error_on_page(2).on_query(QueryKind::Software))
        .with(FaultRule::new(FaultAction::Truncate).on_page(2).on_query(QueryKind::Device))
        .with(FaultRule::new(FaultAction::DropConnection).on_page(3).on_query(QueryKind::Software))
        .with(FaultRule::server_error_on_page(5).on_query(QueryKind::Software).always());
    let scratch = Scratch::new("secret");
    let rules = small_pages(&scratch);
    let key_file = scratch.write("key.txt", &format!("{KEY}\n"));

    let failing = Miradore::start(&estate(), KEY, faults);
    for level in ["debug", "trace"] {
        let output = live(&failing, &rules).env("RUST_LOG", level).code(5).run();
        assert!(output.stderr.contains("retrying a Miradore page"), "no debug log at {level}:\n{}", output.stderr);
        assert_no_key(&format!("a failing run at RUST_LOG={level}"), &output.all());
    }

    let site = Miradore::start(&estate(), KEY, Faults::default());
    let folder = scratch.join("pages");
    let output = Test::new()
        .args(["snapshot", "--rules", &rules, "--out"])
        .arg(&folder)
        .miradore(&site)
        .env_remove("MIRADORE_API_KEY")
        .arg("--api-key-file")
        .arg(&key_file)
        .env("RUST_LOG", "debug")
        .run();
    assert_no_key("the snapshot run", &output.all());
    let mut checked = 0;
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert_no_key(&path.display().to_string(), &String::from_utf8_lossy(&bytes));
        checked += 1;
    }
    assert_eq!(checked, 3 + 6 + 1);

    let rejected = Miradore::start(&estate(), "another-key", Faults::default());
    let output = live(&rejected, &rules).env("MIRADORE_API_KEY", KEY).env("RUST_LOG", "debug").code(5).run();
    assert_no_key("a rejected run", &output.all());

    let wrong_site = Test::new()
        .args(["dry-run", "--format", "json", "--rules", &rules])
        .miradore_as(&site, "ACME")
        .env("RUST_LOG", "debug")
        .code(5)
        .run();
    assert_no_key("a wrong-site run", &wrong_site.all());

    // Nothing listens on port 1 (a stopped emulator's port may be taken by another test's).
    let unreachable = Test::new()
        .args(["dry-run", "--format", "json", "--rules", &rules])
        .args(["--site", "acme", "--miradore-url", "http://127.0.0.1:1"])
        .env("MIRADORE_API_KEY", KEY)
        .env("MAPPER_RETRY_BASE_MS", "5")
        .env("RUST_LOG", "debug")
        .code(5)
        .run();
    assert_no_key("an unreachable run", &unreachable.all());
}
