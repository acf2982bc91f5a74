//! CLI: `mapper dry-run`, steps 1 and 5 to 7 of the run: compile, read, evaluate, print the
//! operations sync would send and a summary. It writes nothing anywhere.

use std::io::{IsTerminal, Write};

use super::args::{DryRunArgs, Format};
use super::{Exit, load_program, print_diagnostics};
use crate::sink::preview::write_preview;
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
    let colour = std::io::stderr().is_terminal();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let summary = write_preview(&program, records, &mut out, &mut std::io::stderr(), args.format, colour);
    let _ = out.flush();
    drop(out);
    let summary = match summary {
        Ok(summary) => summary,
        Err(error) => {
            eprintln!("mapper: cannot write the preview: {error}");
            return Exit::PartialFailure;
        }
    };
    match args.format {
        Format::Text => println!("\n{summary}"),
        Format::Json => eprintln!("{summary}"),
    }
    if summary.failed > 0 { Exit::PartialFailure } else { Exit::Success }
}
