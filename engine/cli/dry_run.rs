//! CLI: `mapper dry-run`, steps 1 and 5 to 7 of the run: compile, read (a snapshot, or Miradore
//! live), evaluate, apply the guards and print the operations sync would send, then a summary.
//! With `--mms-url` it also reads MMS (the connector's configuration and its assets, so that
//! retirements are planned exactly as sync plans them), but it never writes anywhere.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use super::args::{DryRunArgs, Format};
use super::live::{consume_live, runtime};
use super::{Exit, load_program_to_run, print_diagnostics};
use crate::diag::Diagnostic;
use crate::ops::plan::OwnedAssets;
use crate::secret::Secret;
use crate::sink::mms::Client;
use crate::sink::preview::{Preview, write_devices, write_retirements};
use crate::source::{Record, snapshot};

/// Runs the dry run.
pub fn run(args: &DryRunArgs) -> Exit {
    match dry_run(args) {
        Ok(exit) => exit,
        Err((exit, diagnostic)) => {
            print_diagnostics(&[diagnostic], Format::Text);
            exit
        }
    }
}

fn dry_run(args: &DryRunArgs) -> Result<Exit, (Exit, Diagnostic)> {
    let program = match load_program_to_run(&args.rules) {
        Ok(program) => std::sync::Arc::new(program),
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, Format::Text);
            return Ok(Exit::InvalidInput);
        }
    };
    let runtime = runtime().map_err(|diagnostic| (Exit::Remote, diagnostic))?;
    let mms = read_mms(args, &runtime)?;
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
    let (written, fetched) = match &args.snapshot {
        Some(path) => {
            let mut records = snapshot::Snapshot::open(path, program.query.software.is_some())
                .map_err(|diagnostic| (Exit::Remote, diagnostic))?;
            let written = preview(&mut records);
            (written, records.finish())
        }
        None => {
            let (site, key) = mms.as_ref().map_or((None, None), |mms| (mms.site.as_deref(), mms.key.as_ref()));
            let settings = args.miradore.settings(site, key).map_err(|diagnostic| (Exit::InvalidInput, diagnostic))?;
            let timeout = Duration::from_secs(args.miradore.fetch_timeout);
            let (written, fetched) = runtime
                .block_on(consume_live(settings, &program.query, timeout, None, preview))
                .map_err(|diagnostic| (Exit::Remote, diagnostic))?;
            (written, fetched.map(|_| ()).map_err(|error| error.diagnostic()))
        }
    };
    let owned = mms.as_ref().map(|mms| &mms.owned);
    let written = written.and_then(|mut preview| {
        let mut out = std::io::stdout().lock();
        write_retirements(&mut preview, fetched.is_ok(), owned, &mut out, &mut std::io::stderr(), format)?;
        Ok(preview.summary)
    });
    let summary = match written {
        Ok(summary) => summary,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return Ok(Exit::Success),
        Err(error) => {
            eprintln!("mapper: cannot write the preview: {error}");
            return Ok(Exit::PartialFailure);
        }
    };
    match format {
        Format::Text => println!("\n{summary}"),
        Format::Json => eprintln!("{summary}"),
    }
    if let Err(diagnostic) = fetched {
        return Err((Exit::Remote, diagnostic));
    }
    Ok(if summary.failed > 0 { Exit::PartialFailure } else { Exit::Success })
}

/// What a dry run reads from MMS.
struct MmsView {
    site: Option<String>,
    key: Option<Secret>,
    owned: OwnedAssets,
}

/// Reads the connector's configuration and assets, with GET requests only.
fn read_mms(args: &DryRunArgs, runtime: &tokio::runtime::Runtime) -> Result<Option<MmsView>, (Exit, Diagnostic)> {
    let Some(settings) = args.mms.settings().map_err(|diagnostic| (Exit::InvalidInput, diagnostic))? else {
        return Ok(None);
    };
    let client = Client::new(settings).map_err(|error| (Exit::InvalidInput, error.diagnostic()))?;
    runtime.block_on(async {
        let failed = |error: crate::sink::mms::MmsError| (super::sync::exit_of(&error), error.diagnostic());
        let configuration = client.configuration().await.map_err(failed)?;
        let owned = client
            .assets(None)
            .await
            .map_err(failed)?
            .into_iter()
            .map(|asset| (asset.identity, asset.status.as_str().to_string()))
            .collect();
        Ok(Some(MmsView { site: configuration.miradore_site, key: configuration.miradore_api_key, owned }))
    })
}
