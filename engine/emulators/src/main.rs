//! `mapper-emulators`: run the Miradore or MMS emulator from the command line.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mapper_emulators::{miradore, mms};

#[derive(Debug, Parser)]
#[command(name = "mapper-emulators", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The Miradore MDM API v1 emulator.
    Miradore(miradore::cli::Args),
    /// The MMS connector-protocol emulator.
    Mms(mms::cli::Args),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Miradore(args) => miradore::cli::run(args),
        Command::Mms(args) => mms::cli::run(args),
    }
}
