//! Source: reading saved Miradore responses: one XML file, or a folder of page files exactly as
//! the API returned them. Files whose names start with `software` are pages of the software query; every other
//! `.xml` file is a page of the device query. Pages are read one at a time, in name order, and
//! joined by device ID as a live fetch joins them, so memory does not grow with the snapshot.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use super::Record;
use super::join::Join;
use super::xml::{PageError, parse_page};
use crate::diag::{Code, Diagnostic};

/// The page files of a snapshot, in name order.
pub fn page_files(path: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let unreadable = |error: std::io::Error| {
        Diagnostic::error(Code::SnapshotUnreadable, format!("cannot read snapshot `{}`: {error}", path.display()))
    };
    if !path.is_dir() {
        std::fs::metadata(path).map_err(unreadable)?;
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(unreadable)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|file| file.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("xml")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Diagnostic::error(
            Code::SnapshotUnreadable,
            format!("snapshot folder `{}` holds no .xml page files", path.display()),
        ));
    }
    Ok(files)
}

/// Reads every record of the snapshot at `path` (see [`Snapshot`] to stream them).
pub fn read(path: &Path) -> Result<Vec<Record>, Diagnostic> {
    let mut snapshot = Snapshot::open(path)?;
    let records: Vec<Record> = snapshot.by_ref().collect();
    snapshot.finish().map(|()| records)
}

/// The records of a snapshot, streamed page by page. After the iterator ends, [`Snapshot::finish`]
/// tells whether every page could be read.
pub struct Snapshot {
    devices: VecDeque<PathBuf>,
    software: VecDeque<PathBuf>,
    join: Join,
    ready: VecDeque<Record>,
    error: Option<Diagnostic>,
}

impl Snapshot {
    /// Lists the pages of the snapshot at `path`.
    pub fn open(path: &Path) -> Result<Snapshot, Diagnostic> {
        let (software, devices): (Vec<PathBuf>, Vec<PathBuf>) = page_files(path)?
            .into_iter()
            .partition(|file| file.file_name().is_some_and(|name| name.to_string_lossy().starts_with("software")));
        Ok(Snapshot {
            join: Join::new(!software.is_empty()),
            devices: devices.into(),
            software: software.into(),
            ready: VecDeque::new(),
            error: None,
        })
    }

    /// `Err` when a page could not be read: the records before it were complete, the rest is missing.
    pub fn finish(self) -> Result<(), Diagnostic> {
        self.error.map_or(Ok(()), Err)
    }

    fn page(&mut self, file: &Path) -> Option<Vec<serde_json::Map<String, serde_json::Value>>> {
        let body = std::fs::read(file).map_err(|error| {
            Diagnostic::error(Code::SnapshotUnreadable, format!("cannot read `{}`: {error}", file.display()))
        });
        match body.and_then(|body| parse_page(&body).map_err(|error| page_error(file, error))) {
            Ok(page) => Some(page.records),
            Err(diagnostic) => {
                self.error = Some(diagnostic);
                None
            }
        }
    }
}

impl Iterator for Snapshot {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        loop {
            if let Some(record) = self.ready.pop_front() {
                return Some(record);
            }
            if self.error.is_some() {
                return None;
            }
            let read_software = self.join.waiting() || self.devices.is_empty();
            if read_software && let Some(file) = self.software.pop_front() {
                let records = self.page(&file)?;
                self.join.add_software(records);
            } else if let Some(file) = self.devices.pop_front() {
                let records = self.page(&file)?;
                self.join.add_devices(records);
            } else {
                self.join.software_ended();
                self.ready.extend(self.join.ready());
                return self.ready.pop_front();
            }
            self.ready.extend(self.join.ready());
        }
    }
}

/// The diagnostic for a page that could not be read.
pub fn page_error(file: &Path, error: PageError) -> Diagnostic {
    match error {
        PageError::Malformed { offset, message } => Diagnostic::error(
            Code::MalformedXml,
            format!("`{}` is not a complete Miradore response: {message} (at byte {offset})", file.display()),
        ),
        PageError::Envelope { code, description } => Diagnostic::error(
            Code::MiradoreError,
            format!(
                "`{}` holds a Miradore error{}: {description}",
                file.display(),
                code.map(|code| format!(" {code}")).unwrap_or_default()
            ),
        ),
    }
}
