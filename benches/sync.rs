//! Bench: a whole `mapper sync` end to end, against the limits.
//!
//! `cargo bench --bench sync`: 10,000 devices with about 40 applications each; the Miradore and
//! MMS emulators run in this process on 127.0.0.1 (HTTP) with a fixed latency on every request
//! (20 ms); the real `mapper` binary runs with default settings. It is compared with
//!
//! (a) the vendor connector's strategy: one device at a time, run by the same binary with
//!     `--concurrency 1 --batch-concurrency 1 --batch-size 1` on a smaller estate (1,000 devices)
//!     and extrapolated linearly (see `vendor_estimate`); and
//! (b) the network bound: the round trips the emulators logged (Miradore pages of both queries,
//!     MMS batches, and the fixed calls status, start, configuration, assets, stop), each stream
//!     divided by its concurrency, times the latency.
//!
//! Targets: at least 20x faster than (a), within 2x of (b).
//!
//! Overrides for a quick smoke run: `MAPPER_BENCH_DEVICES=500 MAPPER_BENCH_LATENCY_MS=5
//! MAPPER_BENCH_VENDOR_DEVICES=100 cargo bench --bench sync`. `MAPPER_BENCH_VENDOR_DEVICES=0`
//! skips (a).

#[path = "support.rs"]
mod support;

use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

use mapper_emulators::miradore::QueryKind;
use mapper_emulators::miradore::estate::Estate;
use mapper_emulators::miradore::generate::GenerateOptions;
use support::{
    CONNECTOR_KEY, env_number, machine, own_cpu_seconds, run_mapper, scratch, start_miradore, start_mms, verdict,
};

/// mapper's defaults: Miradore pages in flight per query, MMS batches in flight.
const CONCURRENCY: u64 = 4;
const BATCH_CONCURRENCY: u64 = 4;
/// MMS calls outside the batches: status, start, configuration, assets (one page: MMS is empty), stop.
const FIXED_CALLS: u64 = 5;
const TARGET_SPEEDUP: f64 = 20.0;
const TARGET_BOUND_RATIO: f64 = 2.0;

fn main() {
    let devices = env_number("MAPPER_BENCH_DEVICES", 10_000) as usize;
    let latency = Duration::from_millis(env_number("MAPPER_BENCH_LATENCY_MS", 20));
    let vendor_devices = env_number("MAPPER_BENCH_VENDOR_DEVICES", 1_000.min(devices as u64)) as usize;

    println!();
    println!(
        "mapper sync bench: {devices} devices (about 40 applications each), {} ms latency on every request",
        latency.as_millis()
    );
    println!("machine: {}", machine());

    let estate = Arc::new(estate(devices));
    let render = render_seconds(&estate);
    let mapper = measure("mapper", &estate, latency, &[]);
    let vendor = (vendor_devices > 0).then(|| {
        let small = if vendor_devices == devices { estate.clone() } else { Arc::new(estate_of(vendor_devices)) };
        measure("vendor", &small, latency, &["--concurrency", "1", "--batch-concurrency", "1", "--batch-size", "1"])
    });

    println!();
    println!(
        "| {:<34} | {:>7} | {:>9} | {:>9} | {:>9} | {:>8} | {:>8} | {:>10} | {:>9} | {:>9} |",
        "run", "devices", "wall s", "child CPU", "emu CPU", "dev pages", "sw pages", "operations", "batches", "exit"
    );
    println!(
        "|{:-<36}|{:->9}|{:->11}|{:->11}|{:->11}|{:->10}|{:->10}|{:->12}|{:->11}|{:->11}|",
        "", "", "", "", "", "", "", "", "", ""
    );
    row("mapper, defaults", &mapper);
    if let Some(vendor) = &vendor {
        row("(a) vendor: 1 device per request", vendor);
    }

    // (b) The network bound from the requests actually made.
    let lat = latency.as_secs_f64();
    let rounds = |n: u64, c: u64| n.div_ceil(c);
    let miradore_rounds = rounds(mapper.device_pages, CONCURRENCY) + rounds(mapper.software_pages, CONCURRENCY);
    let batch_rounds = rounds(mapper.batches, BATCH_CONCURRENCY);
    let bound = (miradore_rounds + batch_rounds + FIXED_CALLS) as f64 * lat;
    // Stricter: the fetch and the sends overlap (the binary streams), the two queries run side by
    // side; the longest stream plus the fixed calls and one last batch.
    let longest = (1 + rounds(mapper.device_pages.saturating_sub(1), CONCURRENCY))
        .max(1 + rounds(mapper.software_pages.saturating_sub(1), CONCURRENCY))
        .max(batch_rounds);
    let pipelined = (longest + FIXED_CALLS + 1) as f64 * lat;
    let wall = mapper.run.wall.as_secs_f64();

    println!();
    println!(
        "(b) network bound: ({} device pages + {} software pages) / {CONCURRENCY} + {} batches / {BATCH_CONCURRENCY} + {FIXED_CALLS} fixed calls \
         = {} round trips x {} ms = {bound:.2} s",
        mapper.device_pages,
        mapper.software_pages,
        mapper.batches,
        miradore_rounds + batch_rounds + FIXED_CALLS,
        latency.as_millis(),
    );
    println!(
        "    pipelined bound (fetch and send overlap, both queries side by side): {} round trips = {pipelined:.2} s (mapper is {:.2}x of it)",
        longest + FIXED_CALLS + 1,
        wall / pipelined
    );
    if let Some(emulators) = mapper.emulator_cpu {
        println!(
            "    CPU: mapper {} s; the emulators {emulators:.2} s, of which rendering the Miradore pages {render:.2} s (timed alone), MMS and HTTP the rest",
            mapper.run.cpu.map_or("?".into(), |cpu| format!("{cpu:.2}")),
        );
    }
    println!(
        "    emulator log check: Miradore {} requests ({} errors), MMS {} writes = {} batches + start + stop",
        mapper.miradore_requests, mapper.miradore_errors, mapper.writes, mapper.batches
    );

    let mut verdicts = Vec::new();
    if let Some(vendor) = &vendor {
        let VendorEstimate { seconds: estimate, full_requests, small_requests } = vendor_estimate(&mapper, vendor);
        println!();
        if vendor.devices != mapper.devices {
            println!(
                "(a) EXTRAPOLATED from {} to {} devices: {:.2} s x {full_requests} / {small_requests} requests = {estimate:.1} s. Linear because with \
                 batch size 1 and one batch in flight every device's operations are one sequential MMS round trip (>= the latency); the \
                 Miradore pages (1 per 200 devices + 1 per 25) are read alongside; so requests, and time, grow in proportion to devices.",
                vendor.devices,
                mapper.devices,
                vendor.run.wall.as_secs_f64(),
            );
        } else {
            println!("(a) measured on the full estate: {estimate:.1} s ({small_requests} requests)");
        }
        let per_request = vendor.run.wall.as_secs_f64() / small_requests as f64;
        println!(
            "    note: `--batch-size 1` keeps a device's operations together ({:.2} operations per request); the vendor connector sends one \
             request per operation: {} MMS requests here, about {:.0} s at the measured {:.1} ms per request. The target is checked \
             against the measured, faster strategy.",
            vendor.operations as f64 / vendor.batches.max(1) as f64,
            mapper.operations,
            (mapper.operations + mapper.device_pages + mapper.software_pages + FIXED_CALLS) as f64 * per_request,
            per_request * 1e3,
        );
        let speedup = estimate / wall;
        verdicts.push(format!(
            "target: >= {TARGET_SPEEDUP:.0}x faster than (a): {speedup:.1}x ({estimate:.1} s / {wall:.2} s) → {}",
            verdict(speedup >= TARGET_SPEEDUP)
        ));
    }
    let ratio = wall / bound;
    verdicts.push(format!(
        "target: within {TARGET_BOUND_RATIO:.0}x of (b): {ratio:.2}x ({wall:.2} s / {bound:.2} s) → {}",
        verdict(ratio <= TARGET_BOUND_RATIO)
    ));
    println!();
    for line in verdicts {
        println!("{line}");
    }
}

/// One measured run.
struct Measured {
    devices: usize,
    run: support::Run,
    emulator_cpu: Option<f64>,
    device_pages: u64,
    software_pages: u64,
    miradore_requests: usize,
    miradore_errors: usize,
    batches: u64,
    writes: u64,
    operations: u64,
}

fn measure(name: &str, estate: &Arc<Estate>, latency: Duration, extra: &[&str]) -> Measured {
    let folder = scratch(&format!("sync-{name}"));
    let miradore = start_miradore(estate.clone(), latency);
    let mms = start_mms(support::directory_of(estate), latency);
    let key_file = folder.join("connector.key");
    std::fs::write(&key_file, format!("{CONNECTOR_KEY}\n")).expect("the key file");
    let report = folder.join("report.json");
    let mut args: Vec<OsString> = ["sync", "--rules", "rules/default.yaml", "--mms-url"].map(OsString::from).to_vec();
    args.push(mms.base_url().into());
    args.extend([
        "--miradore-url".into(),
        miradore.url().into(),
        "--connector-key-file".into(),
        key_file.into_os_string(),
    ]);
    args.extend([
        "--report".into(),
        report.clone().into_os_string(),
        "--log-file".into(),
        folder.join("mapper.log").into_os_string(),
    ]);
    args.extend(extra.iter().map(OsString::from));

    eprintln!("running mapper sync ({name}, {} devices) ...", estate.devices.len());
    let before = own_cpu_seconds();
    let run = run_mapper(&args, &[], Some(&folder.join("stdout.txt")), &folder);
    let emulator_cpu = own_cpu_seconds().zip(before).map(|(after, before)| after - before);
    if run.code != Some(0) {
        eprintln!("mapper sync ({name}) exited with {:?}:\n{}", run.code, run.stderr);
        eprintln!("stdout: {}", std::fs::read_to_string(folder.join("stdout.txt")).unwrap_or_default());
    }
    let requests = miradore.requests();
    let page_count = |kind| requests.iter().filter(|r| r.kind == Some(kind) && r.page.is_some()).count() as u64;
    let counters = miradore.counters();
    let report: serde_json::Value = std::fs::read_to_string(&report)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(serde_json::Value::Null);
    let operations = report["applied"]
        .as_object()
        .map(|applied| {
            applied
                .values()
                .flat_map(|statuses| statuses.as_object().into_iter().flat_map(|s| s.values()))
                .filter_map(|n| n.as_u64())
                .sum()
        })
        .unwrap_or(0);
    let measured = Measured {
        devices: estate.devices.len(),
        run,
        emulator_cpu,
        device_pages: page_count(QueryKind::Device),
        software_pages: page_count(QueryKind::Software),
        miradore_requests: counters.requests,
        miradore_errors: counters.errors,
        batches: mms.batches_received(),
        writes: mms.writes_received(),
        operations,
    };
    mms.stop();
    miradore.stop();
    if std::env::var_os("MAPPER_BENCH_KEEP").is_some() {
        eprintln!("kept {} (log, report, stdout)", folder.display());
    } else {
        let _ = std::fs::remove_dir_all(&folder);
    }
    measured
}

fn row(name: &str, m: &Measured) {
    let seconds = |s: Option<f64>| s.map_or("?".to_string(), |s| format!("{s:.2}"));
    println!(
        "| {:<34} | {:>7} | {:>9.2} | {:>9} | {:>9} | {:>9} | {:>8} | {:>10} | {:>9} | {:>9} |",
        name,
        m.devices,
        m.run.wall.as_secs_f64(),
        seconds(m.run.cpu),
        seconds(m.emulator_cpu),
        m.device_pages,
        m.software_pages,
        m.operations,
        m.batches,
        m.run.code.map_or("signal".to_string(), |c| c.to_string()),
    );
}

/// The requests the vendor strategy made: one MMS request per device with operations, the
/// Miradore pages and the fixed calls.
fn vendor_requests(m: &Measured) -> u64 {
    m.batches + m.device_pages + m.software_pages + FIXED_CALLS
}

/// (a) on the full estate.
struct VendorEstimate {
    seconds: f64,
    /// Requests the vendor strategy needs on the full estate.
    full_requests: u64,
    /// Requests the vendor run made.
    small_requests: u64,
}

/// Measured when the vendor run had every device; otherwise its time scaled by the requests the
/// full estate needs (its pages as the full run read them, one MMS request per device with
/// operations: the full run's operations over the vendor run's operations per request) over the
/// requests the vendor run made.
fn vendor_estimate(full: &Measured, vendor: &Measured) -> VendorEstimate {
    let small_requests = vendor_requests(vendor);
    if vendor.devices == full.devices {
        return VendorEstimate {
            seconds: vendor.run.wall.as_secs_f64(),
            full_requests: small_requests,
            small_requests,
        };
    }
    let operations_per_request = vendor.operations as f64 / vendor.batches.max(1) as f64;
    let full_batches = (full.operations as f64 / operations_per_request).round() as u64;
    let full_requests = full_batches + full.device_pages + full.software_pages + FIXED_CALLS;
    let seconds = vendor.run.wall.as_secs_f64() * full_requests as f64 / small_requests as f64;
    VendorEstimate { seconds, full_requests, small_requests }
}

fn estate(devices: usize) -> Estate {
    estate_of(devices)
}

/// CPU seconds the Miradore emulator spends rendering every page of both default queries for
/// `estate` (one thread): part of the emulators' cost in the runs, shown so that it can be told
/// apart from mapper's.
fn render_seconds(estate: &Estate) -> f64 {
    let program =
        mapper::cli::load_program(&support::root().join("rules/default.yaml")).expect("the default rules compile");
    let plan = &program.query;
    let started = std::time::Instant::now();
    let mut bytes = 0;
    for (select, rows) in [(plan.select.join(","), plan.page_size)]
        .into_iter()
        .chain(plan.software.iter().map(|software| (software.select.join(","), software.page_size)))
    {
        for page in mapper_emulators::miradore::pages(estate, &select, rows as usize).expect("a valid select") {
            bytes += std::hint::black_box(page).len();
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("rendered {:.1} MB of Miradore pages in {seconds:.2} s", bytes as f64 / 1e6);
    seconds
}

fn estate_of(devices: usize) -> Estate {
    Estate::generate_with(GenerateOptions { devices, seed: 11, mean_applications: 40 })
}
