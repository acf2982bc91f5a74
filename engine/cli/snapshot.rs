//! CLI: `mapper snapshot`: fetches Miradore as a sync would and saves every raw response, so
//! that `dry-run --snapshot DIR` reproduces the same operations offline. Responses never hold
//! the API key; the manifest names the queries, never the key.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::args::{Format, SnapshotArgs};
use super::live::read_live;
use super::{Exit, load_program_to_run, print_diagnostics};
use crate::diag::{Code, Diagnostic};
use crate::source::miradore::{PageObserver, QueryKind, queries};

/// Runs the snapshot.
pub fn run(args: &SnapshotArgs) -> Exit {
    let program = match load_program_to_run(&args.rules) {
        Ok(program) => program,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, Format::Text);
            return Exit::InvalidInput;
        }
    };
    let settings = match args.miradore.settings(None, None).and_then(|settings| prepare(&args.out).map(|()| settings)) {
        Ok(settings) => settings,
        Err(diagnostic) => {
            print_diagnostics(&[diagnostic], Format::Text);
            return Exit::InvalidInput;
        }
    };
    let writer = Arc::new(PageWriter { folder: args.out.clone(), error: Mutex::new(None) });
    let timeout = Duration::from_secs(args.miradore.fetch_timeout);
    let result = read_live(settings, &program.query, timeout, Some(writer.clone()), |records| records.count());
    let (devices, fetched) = match result {
        Ok(done) => done,
        Err(diagnostic) => {
            print_diagnostics(&[diagnostic], Format::Text);
            return Exit::Remote;
        }
    };
    let (device_query, software_query) = queries(&program.query);
    let mut manifest = serde_json::json!({
        "written_by": concat!("mapper ", env!("CARGO_PKG_VERSION")),
        "rules": args.rules.display().to_string(),
        "devices": devices,
        "device_query": { "select": device_query.select, "rows": device_query.rows },
        "software_query": software_query.map(|query| serde_json::json!({ "select": query.select, "rows": query.rows })),
    });
    // The pages saved before a failure stay for a bug report; the manifest marks them, so that
    // `dry-run --snapshot` refuses them as it refuses an incomplete fetch.
    let failure = fetched.err().map(|error| error.diagnostic());
    if let Some(diagnostic) = &failure {
        manifest["incomplete"] = serde_json::Value::String(diagnostic.message.clone());
    }
    let manifest_path = args.out.join(crate::source::snapshot::MANIFEST);
    if let Err(error) =
        std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n")
    {
        eprintln!("mapper: cannot write `{}`: {error}", manifest_path.display());
        return Exit::PartialFailure;
    }
    if let Some(diagnostic) = failure {
        print_diagnostics(&[diagnostic], Format::Text);
        return Exit::Remote;
    }
    if let Some(error) = writer.error.lock().ok().and_then(|slot| slot.clone()) {
        eprintln!("mapper: the snapshot in `{}` is incomplete: {error}", args.out.display());
        return Exit::PartialFailure;
    }
    println!("saved {devices} devices to {}", args.out.display());
    Exit::Success
}

fn prepare(folder: &Path) -> Result<(), Diagnostic> {
    std::fs::create_dir_all(folder).map_err(|error| {
        Diagnostic::error(Code::SnapshotUnreadable, format!("cannot create `{}`: {error}", folder.display()))
    })?;
    let occupied = std::fs::read_dir(folder).map(|mut entries| entries.next().is_some()).unwrap_or(false);
    if occupied {
        return Err(Diagnostic::error(
            Code::SnapshotUnreadable,
            format!("`{}` is not empty: a snapshot needs an empty folder", folder.display()),
        ));
    }
    Ok(())
}

struct PageWriter {
    folder: PathBuf,
    error: Mutex<Option<String>>,
}

impl PageObserver for PageWriter {
    fn page(&self, kind: QueryKind, page: u32, body: &[u8]) {
        let path = self.folder.join(format!("{}-{page:05}.xml", kind.name()));
        let written = std::fs::File::create(&path).and_then(|mut file| file.write_all(body));
        if let Err(error) = written {
            tracing::error!(path = %path.display(), %error, "cannot write a snapshot page");
            if let Ok(mut slot) = self.error.lock() {
                slot.get_or_insert(error.to_string());
            }
        }
    }
}
