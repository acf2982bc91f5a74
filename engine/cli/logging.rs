//! CLI: logging to standard error (ANSI colours only on a terminal) and, when asked, to a log
//! file. The level comes from `--log-level`, else `RUST_LOG`, else `warn`. Secrets are never
//! logged: every type that holds one redacts it.

use std::io::IsTerminal;
use std::path::Path;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Keeps the log file writer alive until the process ends.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Installs the global subscriber.
pub fn init(level: Option<&str>, file: Option<&Path>) -> LogGuard {
    let filter = match level {
        Some(level) => EnvFilter::new(format!("warn,mapper={level}")),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
    };
    let terminal = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    let (file_layer, guard) = match file.and_then(open_log) {
        Some(writer) => {
            let (writer, guard) = tracing_appender::non_blocking(writer);
            (Some(tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(false)), Some(guard))
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry().with(filter).with(terminal).with(file_layer).try_init();
    LogGuard(guard)
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
