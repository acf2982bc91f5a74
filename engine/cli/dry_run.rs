//! CLI: `mapper dry-run`, steps 1 and 5 to 7 of the run: compile, read (a snapshot, or Miradore
//! live), evaluate, print the operations sync would send and a summary. It writes nothing
//! anywhere.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use super::args::{DryRunArgs, Format};
use super::live::read_live;
use super::{Exit, load_program, print_diagnostics};
use crate::sink::preview::{Preview, write_devices, write_retirements};
use crate::source::{Record, snapshot};

/// Runs the dry run.
pub fn run(args: &DryRunArgs) -> Exit {
    let program = match load_program(&args.rules) {
        Ok(program) => std::sync::Arc::new(program),
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, Format::Text);
            return Exit::InvalidInput;
        }
    };
    let format = args.format;
    let preview = {
        let program = program.clone();
        move |records: &mut dyn Iterator<Item = Record>| -> std::io::Result<Preview> {
            let colour = std::io::stderr().is_terminal();
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let preview = write_devices(&program, records, &mut out, &mut std::io::stderr(), format, colour)?;
            out.flush()?;
            Ok(preview)
        }
    };
    let (summary, fetched) = match &args.snapshot {
        Some(path) => match snapshot::read(path) {
            Ok(records) => (preview(&mut records.into_iter()), Ok(())),
            Err(diagnostic) => {
                print_diagnostics(&[diagnostic], Format::Text);
                return Exit::Remote;
            }
        },
        None => {
            let settings = match args.miradore.settings(None, None) {
                Ok(settings) => settings,
                Err(diagnostic) => {
                    print_diagnostics(&[diagnostic], Format::Text);
                    return Exit::InvalidInput;
                }
            };
            let timeout = Duration::from_secs(args.miradore.fetch_timeout);
            match read_live(settings, &program.query, timeout, None, preview) {
                Ok((summary, fetched)) => (summary, fetched.map(|_| ()).map_err(|error| error.diagnostic())),
                Err(diagnostic) => {
                    print_diagnostics(&[diagnostic], Format::Text);
                    return Exit::Remote;
                }
            }
        }
    };
    let written = summary.and_then(|mut preview| {
        let mut out = std::io::stdout().lock();
        write_retirements(&mut preview, fetched.is_ok(), &mut out, &mut std::io::stderr(), format)?;
        Ok(preview.summary)
    });
    let summary = match written {
        Ok(summary) => summary,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return Exit::Success,
        Err(error) => {
            eprintln!("mapper: cannot write the preview: {error}");
            return Exit::PartialFailure;
        }
    };
    match format {
        Format::Text => println!("\n{summary}"),
        Format::Json => eprintln!("{summary}"),
    }
    if let Err(diagnostic) = fetched {
        print_diagnostics(&[diagnostic], Format::Text);
        return Exit::Remote;
    }
    if summary.failed > 0 { Exit::PartialFailure } else { Exit::Success }
}
