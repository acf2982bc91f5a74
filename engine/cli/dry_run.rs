//! CLI: `mapper dry-run`, steps 1 and 5 to 7 of the run: compile, read, evaluate, print the
//! operations sync would send and a summary. It writes nothing anywhere.

use std::io::{IsTerminal, Write};

use super::args::{DryRunArgs, Format};
use super::{Exit, load_program, print_diagnostics};
use crate::diag::render_text;
use crate::eval::{Outcome, evaluate};
use crate::ops::Summary;
use crate::sink::preview;
use crate::source::snapshot;

/// Runs the dry run over a snapshot.
pub fn run(args: &DryRunArgs) -> Exit {
    let program = match load_program(&args.rules) {
        Ok(program) => program,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, Format::Text);
            return Exit::InvalidInput;
        }
    };
    let records = match snapshot::read(&args.snapshot) {
        Ok(records) => records,
        Err(diagnostic) => {
            print_diagnostics(&[diagnostic], Format::Text);
            return Exit::Remote;
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let colour = std::io::stderr().is_terminal();
    let mut summary = Summary::default();
    for record in &records {
        let outcome = evaluate(&program, record);
        summary.count(&outcome);
        match &outcome {
            Outcome::Mapped { operations, .. } => {
                for operation in operations {
                    let _ = preview::write(&mut out, operation, args.format);
                }
            }
            Outcome::Failed(error) => {
                let _ = out.flush();
                eprintln!("{}", render_text(&error.diagnostic, colour));
            }
            Outcome::Skipped { device_id, reason } => {
                tracing::debug!(device = %device_id, %reason, "skipped");
            }
        }
    }
    let _ = out.flush();
    drop(out);
    match args.format {
        Format::Text => println!("\n{summary}"),
        Format::Json => eprintln!("{summary}"),
    }
    if summary.failed > 0 {
        Exit::PartialFailure
    } else {
        Exit::Success
    }
}
