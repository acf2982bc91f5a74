//! CLI: the command-line arguments (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::connection::MiradoreArgs;
use super::mms_args::MmsArgs;

/// Moves device inventory from Miradore MDM into Miradore Management Suite, driven by rules.
#[derive(Debug, Parser)]
#[command(name = "mapper", version, about, long_about = None)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Log level: error, warn, info, debug or trace [default: RUST_LOG, else warn].
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Also write the log to FILE (appended).
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check rule files; prints every problem with its place; exit 0 when all are valid.
    Validate(ValidateArgs),
    /// Print the operations a sync would send, without writing anything anywhere.
    DryRun(DryRunArgs),
    /// Save Miradore's raw responses to a folder, for offline dry runs and bug reports.
    Snapshot(SnapshotArgs),
    /// The real run: read Miradore, map, and send the operations to MMS.
    Sync(SyncArgs),
}

/// How to print.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// For machines: JSON (one object per line for operations).
    Json,
}

/// `mapper validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// A rules file; repeat to check several.
    #[arg(long = "rules", value_name = "FILE", required = true)]
    pub rules: Vec<PathBuf>,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Also print the Miradore queries each valid file derives (select lists and page sizes).
    #[arg(long)]
    pub show_queries: bool,
}

/// `mapper dry-run`.
#[derive(Debug, clap::Args)]
pub struct DryRunArgs {
    /// The rules file.
    #[arg(long = "rules", value_name = "FILE", default_value = "rules/default.yaml")]
    pub rules: PathBuf,
    /// Saved Miradore API v1 responses: one XML file, or a folder of page files. Without it,
    /// Miradore is read live.
    #[arg(long, value_name = "PATH")]
    pub snapshot: Option<PathBuf>,
    /// Output format of the operations.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// How to reach Miradore (without --snapshot).
    #[command(flatten)]
    pub miradore: MiradoreArgs,
    /// Optionally, how to read MMS (never written to by a dry run).
    #[command(flatten)]
    pub mms: MmsArgs,
}

/// `mapper snapshot`.
#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    /// The rules file (it decides what is requested).
    #[arg(long = "rules", value_name = "FILE", default_value = "rules/default.yaml")]
    pub rules: PathBuf,
    /// The folder to write the page files to (created if missing; must be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// How to reach Miradore.
    #[command(flatten)]
    pub miradore: MiradoreArgs,
}

/// `mapper sync`.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// The rules file.
    #[arg(long = "rules", value_name = "FILE", default_value = "rules/default.yaml")]
    pub rules: PathBuf,
    /// How to reach MMS.
    #[command(flatten)]
    pub mms: MmsArgs,
    /// How to reach Miradore; the site and key default to MMS's connector configuration.
    #[command(flatten)]
    pub miradore: MiradoreArgs,
    /// Operations per batch sent to MMS.
    #[arg(long, value_name = "N", default_value_t = crate::ops::batch::DEFAULT_BATCH_SIZE)]
    pub batch_size: usize,
    /// Batches sent to MMS at once.
    #[arg(long, value_name = "N", default_value_t = crate::sink::sender::DEFAULT_BATCH_CONCURRENCY)]
    pub batch_concurrency: usize,
    /// Most retirements one run may send without --allow-mass-retirement.
    #[arg(long, value_name = "N", default_value_t = crate::ops::guard::DEFAULT_MAX_RETIRE)]
    pub max_retire: u64,
    /// Largest share (percent) of this connector's assets one run may retire without --allow-mass-retirement.
    #[arg(long, value_name = "PERCENT", default_value_t = crate::ops::guard::DEFAULT_MAX_RETIRE_PERCENT, value_parser = percent)]
    pub max_retire_percent: f64,
    /// Send the retirements even above the thresholds (after checking the MDM).
    #[arg(long)]
    pub allow_mass_retirement: bool,
    /// Write the JSON run report to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// A share in percent: a number from 0 to 100.
fn percent(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if (0.0..=100.0).contains(&value) => Ok(value),
        _ => Err(format!("`{text}` is not a percentage from 0 to 100")),
    }
}
