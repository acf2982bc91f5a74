//! CLI: arguments -> commands -> exit code. The only place that prints to the terminal.

mod args;
mod connection;
mod dry_run;
mod exit;
mod live;
mod logging;
mod mms_args;
mod snapshot;
mod sync;
mod validate;

use std::io::{IsTerminal, Write};

use clap::Parser;

pub use args::{Args, Command, Format};
pub use exit::Exit;

use crate::compile::{Program, compile_file};
use crate::diag::{Diagnostic, render_json, render_text};

/// Where sync logs when `--log-file` is not given (the vendor's connector, too, keeps a log file).
pub const DEFAULT_SYNC_LOG: &str = "mapper-sync.log";

/// Runs mapper with the process arguments and returns the exit code.
pub fn run() -> Exit {
    let args = Args::parse();
    let default_log = match &args.command {
        Command::Sync(_) => Some(std::path::PathBuf::from(DEFAULT_SYNC_LOG)),
        _ => None,
    };
    let log = logging::init(args.log_level.as_deref(), args.log_file.as_deref().or(default_log.as_deref()));
    match args.command {
        Command::Validate(args) => validate::run(&args),
        Command::DryRun(args) => dry_run::run(&args),
        Command::Snapshot(args) => snapshot::run(&args),
        Command::Sync(args) => sync::run(&args, &log),
    }
}

/// Loads and compiles a rules file, returning every diagnostic on failure.
pub fn load_program(path: &std::path::Path) -> Result<Program, Vec<Diagnostic>> {
    compile_file(&path.to_string_lossy())
}

/// [`load_program`] for a command that goes on to run the rules: their warnings are printed
/// first (validate prints them in its own format).
pub fn load_program_to_run(path: &std::path::Path) -> Result<Program, Vec<Diagnostic>> {
    let program = load_program(path)?;
    print_diagnostics(&program.warnings, Format::Text);
    Ok(program)
}

/// Prints diagnostics to stderr (text) or stdout (JSON, one object per line).
pub fn print_diagnostics(diagnostics: &[Diagnostic], format: Format) {
    match format {
        Format::Text => {
            let colour = std::io::stderr().is_terminal();
            for diagnostic in diagnostics {
                eprintln!("{}", render_text(diagnostic, colour));
            }
        }
        Format::Json => {
            // A closed stdout (`validate --format json | head -1`) ends the listing quietly.
            let mut out = std::io::stdout().lock();
            for diagnostic in diagnostics {
                let line = serde_json::to_string(&render_json(diagnostic)).unwrap_or_default();
                if writeln!(out, "{line}").is_err() {
                    break;
                }
            }
        }
    }
}
