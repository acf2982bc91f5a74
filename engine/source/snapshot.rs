//! Source: reading saved Miradore responses: one XML file, or a folder of page files exactly as
//! the API returned them (device pages and software pages alike). Records with the same ID are
//! merged, so a software page adds its applications to the device read from a device page.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::Record;
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

/// Reads every page of the snapshot at `path` and returns its records, merged by device ID, in
/// the order each ID first appears.
pub fn read(path: &Path) -> Result<Vec<Record>, Diagnostic> {
    let mut records: Vec<serde_json::Map<String, serde_json::Value>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for file in page_files(path)? {
        let body = std::fs::read(&file).map_err(|error| {
            Diagnostic::error(Code::SnapshotUnreadable, format!("cannot read `{}`: {error}", file.display()))
        })?;
        let page = parse_page(&body).map_err(|error| page_error(&file, error))?;
        for record in page.records {
            let id = record.get("ID").and_then(|id| id.as_str()).map(str::to_string);
            match id.and_then(|id| index.get(&id).copied().map(Ok).or(Some(Err(id)))) {
                Some(Ok(position)) => records[position].extend(record),
                Some(Err(id)) => {
                    index.insert(id, records.len());
                    records.push(record);
                }
                None => records.push(record),
            }
        }
    }
    Ok(records.into_iter().map(Record::new).collect())
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
