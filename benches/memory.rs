//! Bench: peak resident memory (max RSS) of `mapper dry-run` reading Miradore live, over a small
//! and a ten times larger estate. The source streams (two queries walked side by side, joined by
//! device ID, a bounded channel to the evaluator), so memory must not grow with the site.
//!
//! `cargo bench --bench memory`: 5,000 and 50,000 devices with about 40 applications each, the
//! Miradore emulator in this process on 127.0.0.1 (HTTP, no added latency: the fastest producer
//! is the worst case for buffering), the real binary with default settings, its stdout to
//! /dev/null. The child's max RSS comes from GNU time (`/usr/bin/time -f %M`). A run of 100
//! devices shows the fixed cost (binary, runtime, compiled rules).
//!
//! Target: the large run uses less than 1.5x the memory of the small run.
//!
//! Overrides: `MAPPER_BENCH_SMALL_DEVICES=500 MAPPER_BENCH_LARGE_DEVICES=5000
//! MAPPER_BENCH_LATENCY_MS=0 cargo bench --bench memory`.

#[path = "support.rs"]
mod support;

use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

use mapper_emulators::miradore::estate::Estate;
use mapper_emulators::miradore::generate::GenerateOptions;
use support::{MIRADORE_KEY, SITE, env_number, machine, own_cpu_seconds, run_mapper, scratch, start_miradore, verdict};

const TARGET_RATIO: f64 = 1.5;

fn main() {
    let small = env_number("MAPPER_BENCH_SMALL_DEVICES", 5_000) as usize;
    let large = env_number("MAPPER_BENCH_LARGE_DEVICES", 50_000) as usize;
    let latency = Duration::from_millis(env_number("MAPPER_BENCH_LATENCY_MS", 0));
    if !std::path::Path::new("/usr/bin/time").exists() {
        eprintln!("GNU time (/usr/bin/time) is needed to read the child's max RSS; install the `time` package");
        std::process::exit(2);
    }

    println!();
    println!(
        "mapper memory bench: `mapper dry-run` live against the Miradore emulator (about 40 applications per device, {} ms latency), stdout to /dev/null",
        latency.as_millis()
    );
    println!("machine: {}", machine());
    println!();
    println!(
        "| {:>8} | {:>11} | {:>9} | {:>9} | {:>9} | {:>10} | {:>5} |",
        "devices", "max RSS MiB", "wall s", "child CPU", "emu CPU", "devices/s", "exit"
    );
    println!("|{:->10}|{:->13}|{:->11}|{:->11}|{:->11}|{:->12}|{:->7}|", "", "", "", "", "", "", "");
    let mut rss = Vec::new();
    for devices in [100, small, large] {
        let measured = measure(devices, latency);
        let run = &measured.run;
        let seconds = |s: Option<f64>| s.map_or("?".to_string(), |s| format!("{s:.2}"));
        println!(
            "| {:>8} | {:>11} | {:>9.2} | {:>9} | {:>9} | {:>10.0} | {:>5} |",
            devices,
            run.max_rss_kib.map_or("?".into(), |kib| format!("{:.1}", kib as f64 / 1024.0)),
            run.wall.as_secs_f64(),
            seconds(run.cpu),
            seconds(measured.emulator_cpu),
            devices as f64 / run.wall.as_secs_f64(),
            run.code.map_or("signal".to_string(), |c| c.to_string()),
        );
        if run.code != Some(0) {
            eprintln!("mapper dry-run ({devices} devices) exited with {:?}:\n{}", run.code, run.stderr);
        }
        rss.push(run.max_rss_kib.unwrap_or(0) as f64);
    }
    let ratio = rss[2] / rss[1].max(1.0);
    println!();
    println!(
        "target: max RSS at {large} devices < {TARGET_RATIO}x that at {small}: {ratio:.2}x ({:.1} MiB / {:.1} MiB) → {}",
        rss[2] / 1024.0,
        rss[1] / 1024.0,
        verdict(ratio < TARGET_RATIO)
    );
}

struct Measured {
    run: support::Run,
    emulator_cpu: Option<f64>,
}

fn measure(devices: usize, latency: Duration) -> Measured {
    let estate = Arc::new(Estate::generate_with(GenerateOptions { devices, seed: 13, mean_applications: 40 }));
    let folder = scratch(&format!("memory-{devices}"));
    let miradore = start_miradore(estate, latency);
    let args: Vec<OsString> = ["dry-run", "--rules", "rules/default.yaml", "--site", SITE, "--miradore-url"]
        .map(OsString::from)
        .into_iter()
        .chain([OsString::from(miradore.url())])
        .collect();
    eprintln!("running mapper dry-run ({devices} devices) ...");
    let before = own_cpu_seconds();
    let run = run_mapper(&args, &[("MIRADORE_API_KEY", MIRADORE_KEY)], None, &folder);
    let emulator_cpu = own_cpu_seconds().zip(before).map(|(after, before)| after - before);
    miradore.stop();
    let _ = std::fs::remove_dir_all(&folder);
    Measured { run, emulator_cpu }
}
