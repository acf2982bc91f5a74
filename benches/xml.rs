//! Bench: `mapper::source::xml::parse_page` over realistic Miradore API v1 pages, against merely
//! reading the same bytes (counting `<`, which touches every byte and nothing more).
//!
//! `cargo bench --bench xml` (an estate of 2,000 devices with about 40 applications each, the
//! default rules' device query at 200 rows and software query at 25 rows, rendered exactly as the
//! Miradore emulator serves them). Smoke run: `MAPPER_BENCH_DEVICES=200 MAPPER_BENCH_ITERATIONS=2
//! cargo bench --bench xml`.
//!
//! Target: parsing keeps up with the network. At the sync bench's 20 ms latency with 4 pages in
//! flight per query (the defaults), Miradore delivers both queries' bytes in
//! `ceil(software pages / 4) × 20 ms` at best; parsing all of them on one core must take less
//! than that, so the parser is never what a sync waits for. The ratio to reading the bytes is
//! printed for information: it is what a faster parser could win at most.

#[path = "support.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use mapper::source::xml::parse_page;
use mapper_emulators::miradore::generate::GenerateOptions;
use mapper_emulators::miradore::{Estate, render_pages};
use support::{env_number, machine, verdict};

/// The sync bench's Miradore latency and the default pages in flight per query.
const LATENCY: Duration = Duration::from_millis(20);
const CONCURRENCY: u64 = 4;

struct Query {
    name: &'static str,
    rows: usize,
    pages: Vec<String>,
    bytes: usize,
    records: usize,
}

fn main() {
    let devices = env_number("MAPPER_BENCH_DEVICES", 2_000) as usize;
    let iterations = env_number("MAPPER_BENCH_ITERATIONS", 7).max(1) as usize;

    let program =
        mapper::cli::load_program(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/default.yaml"))
            .unwrap_or_else(|diagnostics| panic!("rules/default.yaml does not compile: {diagnostics:#?}"));
    let plan = &program.query;
    let software = plan.software.as_ref().expect("the default rules have a software query");
    let estate = Estate::generate_with(GenerateOptions { devices, seed: 7, mean_applications: 40 });
    let queries = [
        render("device", &estate, &plan.select.join(","), plan.page_size as usize),
        render("software", &estate, &software.select.join(","), software.page_size as usize),
    ];

    // Warm-up, then interleaved rounds so that load from other processes hits both alike.
    for query in &queries {
        read(query);
        parse(query);
    }
    let mut results = Vec::new();
    for query in &queries {
        let (mut reads, mut parses) = (Vec::new(), Vec::new());
        for _ in 0..iterations {
            reads.push(read(query));
            parses.push(parse(query));
        }
        results.push((median(&mut reads), median(&mut parses)));
    }

    println!();
    println!(
        "mapper XML bench: parse_page over {devices} devices (seed 7, about 40 applications each), median of {iterations} rounds"
    );
    println!("machine: {}", machine());
    println!();
    println!(
        "| {:<18} | {:>5} | {:>8} | {:>12} | {:>14} | {:>11} | {:>14} | {:>12} |",
        "query", "pages", "MB", "parse MB/s", "parse records/s", "µs/page", "read MB/s", "parse / read"
    );
    println!("|{:-<20}|{:->7}|{:->10}|{:->14}|{:->16}|{:->13}|{:->16}|{:->14}|", "", "", "", "", "", "", "", "");
    let (mut total_bytes, mut total_parse) = (0usize, Duration::ZERO);
    for (query, (read, parse)) in queries.iter().zip(&results) {
        let mb = query.bytes as f64 / 1e6;
        println!(
            "| {:<18} | {:>5} | {:>8.1} | {:>12.0} | {:>14.0} | {:>11.0} | {:>14.0} | {:>11.0}x |",
            format!("{} ({} rows)", query.name, query.rows),
            query.pages.len(),
            mb,
            mb / parse.as_secs_f64(),
            query.records as f64 / parse.as_secs_f64(),
            parse.as_secs_f64() * 1e6 / query.pages.len() as f64,
            mb / read.as_secs_f64(),
            parse.as_secs_f64() / read.as_secs_f64(),
        );
        total_bytes += query.bytes;
        total_parse += *parse;
    }
    let software_pages = queries[1].pages.len() as u64;
    let network = LATENCY * software_pages.div_ceil(CONCURRENCY) as u32;
    let needed = total_bytes as f64 / 1e6 / network.as_secs_f64();
    let achieved = total_bytes as f64 / 1e6 / total_parse.as_secs_f64();
    println!();
    println!(
        "both queries: {:.1} MB parsed in {:.0} ms ({achieved:.0} MB/s on one core); the network delivers them in {:.0} ms at best \
         ({} software pages, {CONCURRENCY} in flight, {} ms latency), i.e. {needed:.0} MB/s",
        total_bytes as f64 / 1e6,
        total_parse.as_secs_f64() * 1e3,
        network.as_secs_f64() * 1e3,
        software_pages,
        LATENCY.as_millis(),
    );
    println!(
        "target: parsing keeps up with the network (>= {needed:.0} MB/s) → {} ({:.1}x headroom)",
        verdict(achieved >= needed),
        achieved / needed
    );
}

fn render(name: &'static str, estate: &Estate, select: &str, rows: usize) -> Query {
    let pages = render_pages(estate, select, rows).expect("the default rules' select is valid");
    let bytes = pages.iter().map(String::len).sum();
    let records =
        pages.iter().map(|page| parse_page(page.as_bytes()).expect("rendered pages parse").records.len()).sum();
    assert_eq!(records, estate.devices.len(), "{name}: every device is on a page");
    Query { name, rows, pages, bytes, records }
}

/// Touches every byte: counts `<`.
fn read(query: &Query) -> Duration {
    let started = Instant::now();
    let mut angles = 0usize;
    for page in &query.pages {
        angles += black_box(page.as_bytes()).iter().filter(|&&byte| byte == b'<').count();
    }
    black_box(angles);
    started.elapsed()
}

fn parse(query: &Query) -> Duration {
    let started = Instant::now();
    let mut records = 0usize;
    for page in &query.pages {
        records += parse_page(black_box(page.as_bytes())).expect("parses").records.len();
    }
    assert_eq!(records, query.records);
    started.elapsed()
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
