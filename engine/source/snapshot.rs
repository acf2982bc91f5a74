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
pub fn read(path: &Path, software_query: bool) -> Result<Vec<Record>, Diagnostic> {
    let mut snapshot = Snapshot::open(path, software_query)?;
    let records: Vec<Record> = snapshot.by_ref().collect();
    snapshot.finish().map(|()| records)
}

/// The records of a snapshot, streamed page by page. After the iterator ends, [`Snapshot::finish`]
/// tells whether every page could be read and the snapshot was complete.
pub struct Snapshot {
    devices: VecDeque<PathBuf>,
    software: VecDeque<PathBuf>,
    join: Join,
    ready: VecDeque<Record>,
    error: Option<Diagnostic>,
    /// Per query (devices, software): what the first page announced, and the records read.
    counts: [Count; 2],
    /// The first page of each query, parsed by `open` for its check, handed out when its turn comes.
    first_pages: Vec<(PathBuf, super::xml::Page)>,
}

/// What one query's pages announced and held.
#[derive(Debug, Default, Clone, Copy)]
struct Count {
    announced: Option<u64>,
    read: u64,
}

const QUERIES: [&str; 2] = ["device", "software"];

impl Snapshot {
    /// Lists the pages of the snapshot at `path`, and checks that none is missing: a snapshot is
    /// complete, as a live fetch must be, or it is refused before any device is mapped. It is
    /// incomplete when `mapper snapshot` said so in its manifest, when the rules read a separate
    /// `software_query` and it holds none of its pages, or when a query holds fewer pages than
    /// its first page's count and size require.
    pub fn open(path: &Path, software_query: bool) -> Result<Snapshot, Diagnostic> {
        if let Some(reason) = manifest_incomplete(path) {
            return Err(incomplete(path, format!("`mapper snapshot` ended without all of it: {reason}")));
        }
        let (software, devices): (Vec<PathBuf>, Vec<PathBuf>) = page_files(path)?
            .into_iter()
            .partition(|file| file.file_name().is_some_and(|name| name.to_string_lossy().starts_with("software")));
        if software_query && software.is_empty() {
            return Err(incomplete(
                path,
                "the rules read applications in a separate software query, and it holds no page of it (software-*.xml)"
                    .into(),
            ));
        }
        let mut first_pages = Vec::new();
        for (query, files) in QUERIES.into_iter().zip([&devices, &software]) {
            let Some(first) = files.first() else { continue };
            let page = read_page(first)?;
            let rows = page.records.len() as u64;
            if let Some(total) = page.total
                && rows > 0
                && (files.len() as u64) < total.div_ceil(rows)
            {
                return Err(incomplete(
                    path,
                    format!(
                        "its {query} query announces {total} devices in pages of {rows}, which takes {} pages, but it holds {}",
                        total.div_ceil(rows),
                        files.len()
                    ),
                ));
            }
            first_pages.push((first.clone(), page));
        }
        Ok(Snapshot {
            join: Join::new(!software.is_empty()),
            devices: devices.into(),
            software: software.into(),
            ready: VecDeque::new(),
            error: None,
            counts: [Count::default(); 2],
            first_pages,
        })
    }

    /// `Err` when a page could not be read, or the pages of a query hold fewer or more devices
    /// than they announce: the snapshot is incomplete, as a fetch would be.
    pub fn finish(self) -> Result<(), Diagnostic> {
        if let Some(error) = self.error {
            return Err(error);
        }
        for (query, count) in QUERIES.into_iter().zip(self.counts) {
            if let Some(announced) = count.announced
                && announced != count.read
            {
                return Err(Diagnostic::error(
                    Code::MiradoreIncomplete,
                    format!(
                        "the snapshot is incomplete: its {query} query announces {announced} devices, its pages hold {}",
                        count.read
                    ),
                ));
            }
        }
        Ok(())
    }

    fn page(&mut self, file: &Path, query: usize) -> Option<Vec<serde_json::Map<String, serde_json::Value>>> {
        let parsed = match self.first_pages.iter().position(|(first, _)| first == file) {
            Some(index) => Ok(self.first_pages.swap_remove(index).1),
            None => read_page(file),
        };
        match parsed {
            Ok(page) => {
                let count = &mut self.counts[query];
                count.announced = count.announced.or(page.total);
                count.read += page.records.len() as u64;
                Some(page.records)
            }
            Err(diagnostic) => {
                self.error = Some(diagnostic);
                None
            }
        }
    }
}

/// The manifest of a folder saved by `mapper snapshot` says why it is incomplete, if it is.
fn manifest_incomplete(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path.join(MANIFEST)).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    manifest.get("incomplete")?.as_str().map(str::to_string)
}

/// The manifest `mapper snapshot` writes beside the pages.
pub const MANIFEST: &str = "snapshot.json";

fn read_page(file: &Path) -> Result<super::xml::Page, Diagnostic> {
    let body = std::fs::read(file).map_err(|error| {
        Diagnostic::error(Code::SnapshotUnreadable, format!("cannot read `{}`: {error}", file.display()))
    })?;
    parse_page(&body).map_err(|error| page_error(file, error))
}

fn incomplete(path: &Path, why: String) -> Diagnostic {
    Diagnostic::error(Code::MiradoreIncomplete, format!("the snapshot `{}` is incomplete: {why}", path.display()))
        .help("save it again with `mapper snapshot`; nothing is mapped from an incomplete snapshot")
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
                let records = self.page(&file, 1)?;
                self.join.add_software(records);
            } else if let Some(file) = self.devices.pop_front() {
                let records = self.page(&file, 0)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str, pages: &[(&str, &str)]) -> PathBuf {
        let folder = std::env::temp_dir().join(format!("mapper-snapshot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        for (file, body) in pages {
            std::fs::write(folder.join(file), body).unwrap();
        }
        folder
    }

    fn page(total: u64, ids: &[u32]) -> String {
        let devices: String = ids.iter().map(|id| format!("<Device><ID>{id}</ID></Device>")).collect();
        format!("<Content><Items count=\"{total}\">{devices}</Items></Content>")
    }

    #[test]
    fn pages_that_hold_other_than_they_announce_are_incomplete() {
        let (one, two) = (page(3, &[1, 2]), page(3, &[3, 4]));
        let path = folder("more", &[("device-1.xml", &one), ("device-2.xml", &two)]);
        let mut snapshot = Snapshot::open(&path, false).unwrap();
        assert_eq!(snapshot.by_ref().count(), 4);
        let error = snapshot.finish().unwrap_err();
        assert_eq!(error.code, Code::MiradoreIncomplete);
        assert!(error.message.contains("announces 3 devices, its pages hold 4"), "{}", error.message);

        let complete = page(3, &[3]);
        let path = folder("complete", &[("device-1.xml", &one), ("device-2.xml", &complete)]);
        let mut snapshot = Snapshot::open(&path, false).unwrap();
        assert_eq!(snapshot.by_ref().count(), 3);
        assert!(snapshot.finish().is_ok());
    }

    #[test]
    fn a_missing_page_is_refused_before_any_record() {
        let path = folder("gap", &[("device-1.xml", &page(5, &[1, 2]))]);
        let error = Snapshot::open(&path, false).err().expect("refused");
        assert!(error.message.contains("takes 3 pages, but it holds 1"), "{}", error.message);
    }
}
