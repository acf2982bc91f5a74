//! Diagnostics: one model for every stage. A [`Diagnostic`] has a stable [`Code`], a message,
//! labels that point into a rules file, notes and help; it renders through miette for people and
//! as JSON for machines.

mod codes;
mod render;
mod source_file;

use std::ops::Range;
use std::sync::Arc;

pub use codes::Code;
pub use render::{JsonDiagnostic, render_json, render_text};
pub use source_file::SourceFile;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops the rules from compiling, or a record from mapping.
    Error,
    /// Worth a look; nothing stops.
    Warning,
}

/// A span in a source file with a short text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Byte range in the file.
    pub span: Range<usize>,
    /// What is wrong at that place.
    pub text: String,
}

/// A problem found by any stage.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// The headline.
    pub message: String,
    /// The file the labels point into, if any.
    pub file: Option<Arc<SourceFile>>,
    /// Places in the file; the first is the primary one.
    pub labels: Vec<Label>,
    /// Further facts.
    pub notes: Vec<String>,
    /// A suggestion, such as "did you mean".
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with a message and nothing else yet.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            file: None,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// A warning: worth a look, stops nothing.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    /// Points at `span` in `file` with a label text.
    pub fn at(mut self, file: &Arc<SourceFile>, span: Range<usize>, text: impl Into<String>) -> Self {
        self.file = Some(file.clone());
        self.labels.push(Label { span, text: text.into() });
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets help to "did you mean `x`?" when one of `candidates` is close to `name`.
    pub fn did_you_mean<'a>(self, name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Self {
        match closest(name, candidates) {
            Some(best) => self.help(format!("did you mean `{best}`?")),
            None => self,
        }
    }

    /// File, 1-based line and column of the primary label.
    pub fn location(&self) -> Option<(&str, usize, usize)> {
        let file = self.file.as_ref()?;
        let label = self.labels.first()?;
        let (line, column) = file.line_column(label.span.start);
        Some((&file.name, line, column))
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= (name.len().max(candidate.len()) / 3).max(1) && *distance > 0)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_and_ignores_strangers() {
        let names = ["serial_number", "platform", "model"];
        assert_eq!(closest("serail_number", names), Some("serial_number"));
        assert_eq!(closest("platfrom", names), Some("platform"));
        assert_eq!(closest("location", names), None);
    }
}
