//! Shared by the binary tests: a [`Test`] builder that runs the real `mapper` binary (just's
//! `Test` builder), emulators started in the test process on 127.0.0.1, and scratch folders.

use std::ffi::{OsStr, OsString};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use mapper_emulators::miradore::{self, Estate, Faults, MiradoreConfig, MiradoreServer, RequestRecord};
use mapper_emulators::serve::ServeOptions;

/// The runtime the emulators run on while the binary runs outside the test process. One for
/// every test: servers keep serving on its workers between `block_on` calls.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime")
});

/// Runs `future` on the emulators' runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.block_on(future)
}

/// One run of the `mapper` binary, built up then [`run`](Test::run), in the repository root.
#[must_use]
pub struct Test {
    args: Vec<OsString>,
    env: Vec<(OsString, Option<OsString>)>,
    expected_code: i32,
}

impl Test {
    /// `mapper` with no arguments yet and a clean environment.
    pub fn new() -> Test {
        Test { args: Vec::new(), env: Vec::new(), expected_code: 0 }
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Test {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    /// Appends arguments.
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Test {
        self.args.extend(args.into_iter().map(|arg| arg.as_ref().to_os_string()));
        self
    }

    /// Sets an environment variable for the run.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Test {
        self.env.push((key.as_ref().to_os_string(), Some(value.as_ref().to_os_string())));
        self
    }

    /// Unsets an environment variable for the run (also one set earlier on this builder).
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Test {
        self.env.push((key.as_ref().to_os_string(), None));
        self
    }

    /// Points the run at `site`: `--miradore-url`, `--site`, the key in `MIRADORE_API_KEY`,
    /// `--trust-cert` over HTTPS, and a short first backoff so that retries stay fast.
    pub fn miradore(self, site: &Miradore) -> Test {
        self.miradore_as(site, &site.site)
    }

    /// Like [`Test::miradore`], giving `--site name` (e.g. one the emulator does not serve).
    pub fn miradore_as(self, site: &Miradore, name: &str) -> Test {
        let mut test = self
            .args(["--miradore-url", &site.server.url(), "--site", name])
            .env("MIRADORE_API_KEY", &site.key)
            .env("MAPPER_RETRY_BASE_MS", "5");
        if let Some(certificate) = &site.certificate {
            test = test.arg("--trust-cert").arg(certificate);
        }
        test
    }

    /// The exit code the run must end with (0 unless told).
    pub fn code(mut self, code: i32) -> Test {
        self.expected_code = code;
        self
    }

    /// Runs the binary to its end and checks the exit code.
    #[track_caller]
    pub fn run(self) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mapper"));
        command.current_dir(env!("CARGO_MANIFEST_DIR")).args(&self.args);
        for key in crate::environment::CLEARED {
            command.env_remove(key);
        }
        for (key, value) in &self.env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        let started = Instant::now();
        let output = command.output().expect("the mapper binary runs");
        let output = Output {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
            elapsed: started.elapsed(),
        };
        assert_eq!(
            output.code,
            Some(self.expected_code),
            "mapper {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.args,
            output.stdout,
            output.stderr
        );
        output
    }
}

/// What a run printed, and how it ended.
#[derive(Debug)]
pub struct Output {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
}

impl Output {
    /// Standard output parsed as one JSON object per line.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
            .collect()
    }

    /// Both streams, for searching.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A Miradore emulator serving one site, started on the shared runtime.
pub struct Miradore {
    /// The running server (its request log, `url()`, …).
    pub server: MiradoreServer,
    /// The site name.
    pub site: String,
    /// The API key it accepts.
    pub key: String,
    certificate: Option<PathBuf>,
    _folder: Arc<Scratch>,
}

impl Miradore {
    /// Serves `estate` over HTTP at site `acme` with `key`, injecting `faults`.
    pub fn start(estate: &Estate, key: &str, faults: Faults) -> Miradore {
        Self::start_with(estate, key, faults, false)
    }

    /// Like [`Miradore::start`], over HTTPS with a self-signed certificate the run trusts.
    pub fn start_tls(estate: &Estate, key: &str, faults: Faults) -> Miradore {
        Self::start_with(estate, key, faults, true)
    }

    fn start_with(estate: &Estate, key: &str, faults: Faults, tls: bool) -> Miradore {
        let config =
            MiradoreConfig { site: "acme".into(), api_key: key.into(), estate: Arc::new(estate.clone()), faults };
        let server = block_on(miradore::start(config, ServeOptions { port: 0, tls })).expect("the emulator starts");
        let folder = Arc::new(Scratch::new("miradore"));
        let certificate = server.certificate_pem.as_ref().map(|pem| {
            let path = folder.join("emulator.pem");
            std::fs::write(&path, pem).unwrap();
            path
        });
        Miradore { server, site: "acme".into(), key: key.into(), certificate, _folder: folder }
    }

    /// Every request answered so far, oldest first (the key redacted).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.server.requests()
    }
}

/// A fresh folder under Cargo's scratch directory for integration tests, removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new, empty folder whose name starts with `name`.
    pub fn new(name: &str) -> Scratch {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let unique = format!("{name}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(unique);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Scratch(path)
    }

    /// A path inside the folder.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `text` to `name` inside the folder and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
