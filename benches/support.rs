//! Shared by the end-to-end benches (`sync`, `memory`): the emulators started in the bench
//! process on 127.0.0.1, the real `mapper` binary run under GNU time (wall clock, CPU time and
//! peak resident memory of the child), scratch files, and environment overrides.

#![allow(dead_code)] // Each bench uses part of it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

#[path = "../tests/integration/environment.rs"]
mod environment;

use mapper_emulators::miradore::estate::Estate;
use mapper_emulators::miradore::{self, MiradoreConfig, MiradoreServer};
use mapper_emulators::mms::{
    self, Configuration, ConnectorStatus, Directory, Location, LogSeverity, MmsConfig, MmsServer, User,
};
use mapper_emulators::serve::ServeOptions;

pub const SITE: &str = "acme";
/// A Miradore API key with the characters real keys have.
pub const MIRADORE_KEY: &str = "Bench_{Pq},Yv$!]Rt";
/// The connector key MMS knows mapper by.
pub const CONNECTOR_KEY: &str = "bench-Ck7_{q}$!]Zw-0123456789";
pub const CONNECTOR: &str = "mapper-miradore";

/// The runtime the emulators run on while the binary runs in a child process. Two workers, as
/// in the integration tests: the machine the figures were taken on has two cores, shared with
/// the child.
pub static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime")
});

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| panic!("{name}={text:?} is not a number")),
        Err(_) => default,
    }
}

/// The repository root (the binary runs there, as in the tests).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh scratch folder under Cargo's target tmp dir.
pub fn scratch(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).expect("a scratch folder");
    path
}

/// Starts the Miradore emulator over HTTP serving `estate`, with `latency` on every request.
pub fn start_miradore(estate: Arc<Estate>, latency: Duration) -> MiradoreServer {
    let faults = miradore::Faults::default().with_latency(latency);
    let config = MiradoreConfig { site: SITE.into(), api_key: MIRADORE_KEY.into(), estate, faults };
    RUNTIME
        .block_on(miradore::start(config, ServeOptions { port: 0, tls: false }))
        .expect("the Miradore emulator starts")
}

/// Every user e-mail and location name of `estate`: the MMS directory of a site whose
/// administrators keep MMS in step with the MDM (so assets become active, as in production).
pub fn directory_of(estate: &Estate) -> Directory {
    let mut users: Vec<String> = estate.devices.iter().filter_map(|d| d.user.as_ref()?.email.clone()).collect();
    let mut locations: Vec<String> = estate.devices.iter().filter_map(|d| d.location.as_ref()?.name.clone()).collect();
    users.sort();
    users.dedup();
    locations.sort();
    locations.dedup();
    Directory {
        users: users.into_iter().map(|email| User { email, name: None }).collect(),
        locations: locations.into_iter().map(|name| Location { name }).collect(),
    }
}

/// Starts an empty MMS emulator over HTTP (in memory) with `directory`, `latency` on every
/// request, and the connector registered, authorized and configured for the Miradore site.
pub fn start_mms(directory: Directory, latency: Duration) -> MmsServer {
    let faults = mms::Faults { latency: Some(latency), ..mms::Faults::default() };
    let config = MmsConfig { directory, faults, ..MmsConfig::default() };
    let server =
        RUNTIME.block_on(mms::start(config, ServeOptions { port: 0, tls: false })).expect("the MMS emulator starts");
    server.admin().register_connector(CONNECTOR, CONNECTOR_KEY, ConnectorStatus::Active).expect("register");
    let configuration = Configuration {
        miradore_site: Some(SITE.into()),
        miradore_api_key: Some(MIRADORE_KEY.into()),
        log_severity: Some(LogSeverity::Info),
    };
    server.admin().configure(CONNECTOR, &configuration).expect("configure");
    server
}

/// How one run of the binary went.
#[derive(Debug, Clone)]
pub struct Run {
    pub code: Option<i32>,
    pub wall: Duration,
    /// The child's user and system CPU seconds (GNU time).
    pub cpu: Option<f64>,
    /// The child's peak resident set size in KiB (GNU time `%M`).
    pub max_rss_kib: Option<u64>,
    pub stderr: String,
}

/// Runs `mapper ARGS` in the repository root under `/usr/bin/time`, stdout to `stdout` (a file,
/// or /dev/null when `None`), with `env` set and the developer's Miradore and log variables
/// cleared.
pub fn run_mapper(args: &[OsString], env: &[(&str, &str)], stdout: Option<&Path>, folder: &Path) -> Run {
    let time_file = folder.join("time.txt");
    let _ = std::fs::remove_file(&time_file);
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut command = if gnu_time {
        let mut command = Command::new("/usr/bin/time");
        command.arg("-f").arg("%e %U %S %M").arg("-o").arg(&time_file).arg(env!("CARGO_BIN_EXE_mapper"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_mapper"))
    };
    command.current_dir(root()).args(args);
    for key in environment::CLEARED {
        command.env_remove(key);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let out = match stdout {
        Some(path) => Stdio::from(std::fs::File::create(path).expect("the stdout file")),
        None => Stdio::null(),
    };
    command.stdout(out).stderr(Stdio::piped()).stdin(Stdio::null());
    let started = Instant::now();
    let output = command.output().expect("the mapper binary runs");
    let wall = started.elapsed();
    let (mut cpu, mut max_rss_kib) = (None, None);
    if let Ok(text) = std::fs::read_to_string(&time_file) {
        // GNU time puts "Command exited with non-zero status N" before the format line.
        if let Some(line) = text.lines().rev().find(|line| !line.trim().is_empty()) {
            let fields: Vec<f64> = line.split_whitespace().filter_map(|f| f.parse().ok()).collect();
            if let [_, user, system, rss] = fields[..] {
                cpu = Some(user + system);
                max_rss_kib = Some(rss as u64);
            }
        }
    }
    Run { code: output.status.code(), wall, cpu, max_rss_kib, stderr: String::from_utf8_lossy(&output.stderr).into() }
}

/// CPU seconds (user + system) this process has used so far: the emulators' cost, read from
/// `/proc/self/stat` (Linux; `None` elsewhere).
pub fn own_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) (utime, stime), counted from the state field (3).
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux.
}

/// `nproc` and the model name, for the table headers.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores, {model}")
}

/// `met` or `MISSED`.
pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}
