//! CLI: logging to standard error (ANSI colours only on a terminal) and to a log file. The
//! terminal's level comes from `--log-level`, else `RUST_LOG`, else `warn`; the file's from
//! `--log-level`, else the severity MMS configures for the connector (sync), else `info`.
//! Secrets are never logged: every type that holds one redacts it.

use std::io::IsTerminal;
use std::path::Path;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// Sets the log file's level.
type SetLevel = Box<dyn Fn(&str) + Send + Sync>;

/// Keeps the log file writer alive until the process ends, and lets sync set the file's level.
pub struct Logging {
    _guard: Option<tracing_appender::non_blocking::WorkerGuard>,
    set_file_level: Option<SetLevel>,
    level_given: bool,
}

impl Logging {
    /// Sets the log file's level (e.g. from MMS), unless `--log-level` decided it.
    pub fn configure_file_level(&self, level: &str) {
        if let (false, Some(set)) = (self.level_given, &self.set_file_level) {
            set(level);
        }
    }
}

/// Installs the global subscriber.
pub fn init(level: Option<&str>, file: Option<&Path>) -> Logging {
    let directive = |level: &str| EnvFilter::new(format!("warn,mapper={level}"));
    let terminal_filter = match level {
        Some(level) => directive(level),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
    };
    let terminal = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(terminal_filter);
    let Some(writer) = file.and_then(open_log) else {
        let _ = tracing_subscriber::registry().with(terminal).try_init();
        return Logging { _guard: None, set_file_level: None, level_given: level.is_some() };
    };
    let (writer, guard) = tracing_appender::non_blocking(writer);
    let (file_filter, handle) = tracing_subscriber::reload::Layer::new(directive(level.unwrap_or("info")));
    let file_layer = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(false).with_filter(file_filter);
    let _ = tracing_subscriber::registry().with(terminal).with(file_layer).try_init();
    let set_file_level = Box::new(move |level: &str| {
        let _ = handle.reload(directive(level));
    });
    Logging { _guard: Some(guard), set_file_level: Some(set_file_level), level_given: level.is_some() }
}

fn open_log(path: &Path) -> Option<std::fs::File> {
    match std::fs::OpenOptions::new().create(true).append(true).open(path) {
        Ok(file) => Some(file),
        Err(error) => {
            eprintln!("mapper: cannot open the log file `{}`: {error}", path.display());
            None
        }
    }
}
