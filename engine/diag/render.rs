//! Diagnostics: rendering for people (miette, with the source snippet) and for machines (JSON).

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};

use super::{Diagnostic, Severity};

/// The JSON form of a diagnostic, as printed by `--format json`.
#[derive(Debug, serde::Serialize)]
pub struct JsonDiagnostic<'a> {
    /// The rules file, when the diagnostic points into one.
    pub file: Option<&'a str>,
    /// 1-based line of the primary label.
    pub line: Option<usize>,
    /// 1-based column, in characters, of the primary label.
    pub column: Option<usize>,
    /// Stable code, e.g. `E0103`.
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: Severity,
    /// The headline.
    pub message: &'a str,
    /// The primary label's text.
    pub label: Option<&'a str>,
    /// Help, such as "did you mean".
    pub help: Option<&'a str>,
    /// Further facts.
    pub notes: &'a [String],
}

/// The JSON form of `diagnostic`.
pub fn render_json(diagnostic: &Diagnostic) -> JsonDiagnostic<'_> {
    let location = diagnostic.location();
    JsonDiagnostic {
        file: location.map(|(file, _, _)| file).or(diagnostic.file.as_ref().map(|file| file.name.as_str())),
        line: location.map(|(_, line, _)| line),
        column: location.map(|(_, _, column)| column),
        code: diagnostic.code.as_str(),
        severity: diagnostic.severity,
        message: &diagnostic.message,
        label: diagnostic.labels.first().map(|label| label.text.as_str()),
        help: diagnostic.help.as_deref(),
        notes: &diagnostic.notes,
    }
}

/// Renders `diagnostic` with its source snippet; colours only when `colour` is set.
pub fn render_text(diagnostic: &Diagnostic, colour: bool) -> String {
    let theme = if colour { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    let report = Report(diagnostic);
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}: {}", diagnostic.code, diagnostic.message);
    }
    for note in &diagnostic.notes {
        out.push_str(&format!("  note: {note}\n"));
    }
    if let Some((file, line, column)) = diagnostic.location() {
        out = format!("{file}:{line}:{column}\n{out}");
    }
    out.trim_end().to_string() + "\n"
}

struct Report<'a>(&'a Diagnostic);

impl std::fmt::Debug for Report<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0, formatter)
    }
}

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.0.code, self.0.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.0.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.0.help.as_ref().map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.file.as_ref().map(|file| &file.text as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.0.file.as_ref()?;
        Some(Box::new(self.0.labels.iter().enumerate().map(|(index, label)| {
            let span = (label.span.start, label.span.len());
            if index == 0 {
                LabeledSpan::new_primary_with_span(Some(label.text.clone()), span)
            } else {
                LabeledSpan::new_with_span(Some(label.text.clone()), span)
            }
        })))
    }
}
