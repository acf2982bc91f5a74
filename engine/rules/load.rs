//! Load: YAML node tree -> [`RuleSet`]. Walks the whole file and reports every structural
//! problem in one pass (unknown keys with "did you mean", missing keys, wrong types), so that
//! `validate` shows all of them at once.

use std::collections::HashSet;
use std::sync::Arc;

use super::model::{
    Embedded, FORMAT_VERSION, FieldRule, FilterRule, IdentityRule, OperationRule, OperationsRule, RuleSet,
    SoftwareQuery, SoftwareRule, SourceSettings, Spanned,
};
use super::yaml::{Node, NodeKind};
use crate::diag::{Code, Diagnostic, SourceFile};

/// The keys each mapping of the format accepts; a test checks them against the JSON Schema.
pub(crate) const KEYS: &[(&str, &[&str])] = &[
    (
        "RuleSet",
        &[
            "version",
            "description",
            "source",
            "fields",
            "filter",
            "identity",
            "retired",
            "hardware",
            "software",
            "attributes",
            "operations",
        ],
    ),
    ("SourceSettings", &["page_size", "select", "software"]),
    ("SoftwareQuery", &["page_size", "select"]),
    ("FieldRule", &["one", "optional", "many", "expr"]),
    ("FilterRule", &["exclude", "reason"]),
    ("IdentityRule", &["kind", "value", "valid"]),
    ("SoftwareRule", &["each", "fields", "name", "version", "identifier"]),
    ("OperationsRule", &["import_inventory", "set_attributes", "activate", "retire"]),
    ("OperationRule", &["when"]),
];

fn keys(name: &str) -> &'static [&'static str] {
    KEYS.iter().find(|(type_name, _)| *type_name == name).map_or(&[], |(_, keys)| keys)
}

/// Builds the [`RuleSet`] from `root` with every problem found. The rule set is as complete as
/// the file allows even when there are problems, so that compiling it can report the problems
/// inside expressions and selectors in the same run.
pub fn load(file: &Arc<SourceFile>, root: &Node) -> (Option<RuleSet>, Vec<Diagnostic>) {
    let mut loader = Loader { file: file.clone(), diagnostics: Vec::new() };
    let rule_set = loader.rule_set(root);
    (rule_set, loader.diagnostics)
}

struct Loader {
    file: Arc<SourceFile>,
    diagnostics: Vec<Diagnostic>,
}

/// The entries of one mapping, checked against the keys it accepts.
struct Entries<'a> {
    node: &'a Node,
    entries: Vec<(&'a str, &'a Node, &'a Node)>,
    /// Keys suggested for misspelt ones: a missing key that was suggested is not reported again.
    suggested: Vec<&'static str>,
}

impl<'a> Entries<'a> {
    fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries.iter().find(|(name, _, _)| *name == key).map(|(_, _, value)| *value)
    }
}

impl Loader {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn wrong_type(&mut self, node: &Node, expected: &str) {
        let diagnostic = Diagnostic::error(Code::WrongType, format!("expected {expected}, found {}", node.kind_name()))
            .at(&self.file, node.span.clone(), format!("expected {expected}"));
        self.report(diagnostic);
    }

    /// Reads a mapping, reporting unknown and duplicate keys.
    fn mapping<'a>(&mut self, node: &'a Node, type_name: &str, what: &str) -> Option<Entries<'a>> {
        let NodeKind::Mapping(pairs) = &node.kind else {
            self.wrong_type(node, &format!("a mapping ({what})"));
            return None;
        };
        let allowed = keys(type_name);
        let mut seen = HashSet::new();
        let mut entries = Vec::new();
        let mut suggested = Vec::new();
        for (key, value) in pairs {
            let Some(name) = key.as_scalar().map(|scalar| scalar.text.as_str()) else {
                self.wrong_type(key, "a key");
                continue;
            };
            if !seen.insert(name) {
                let diagnostic = Diagnostic::error(Code::DuplicateKey, format!("`{name}` appears twice in {what}")).at(
                    &self.file,
                    key.span.clone(),
                    "second definition",
                );
                self.report(diagnostic);
                continue;
            }
            if !allowed.is_empty() && !allowed.contains(&name) {
                let suggestion = crate::diag::closest(name, allowed.iter().copied());
                suggested.extend(suggestion);
                let diagnostic = Diagnostic::error(Code::UnknownKey, format!("unknown key `{name}` in {what}"))
                    .at(&self.file, key.span.clone(), "not a key of this mapping")
                    .did_you_mean(name, allowed.iter().copied())
                    .note(format!("{what} accepts: {}", allowed.join(", ")));
                self.report(diagnostic);
                // Read on as if it were spelt as suggested, so that what it holds is checked too
                // and is not reported again as missing (`feilds:` would make every field unknown).
                if let Some(suggestion) = suggestion
                    && !pairs.iter().any(|(other, _)| other.as_scalar().is_some_and(|s| s.text == suggestion))
                    && seen.insert(suggestion)
                {
                    entries.push((suggestion, key, value));
                }
                continue;
            }
            entries.push((name, key, value));
        }
        Some(Entries { node, entries, suggested })
    }

    fn require<'a>(&mut self, entries: &Entries<'a>, key: &str, what: &str) -> Option<&'a Node> {
        let found = entries.get(key);
        if found.is_none() && !entries.suggested.contains(&key) {
            let start = entries.node.span.start;
            let diagnostic = Diagnostic::error(Code::MissingKey, format!("{what} needs `{key}`")).at(
                &self.file,
                start..start,
                format!("`{key}` is missing here"),
            );
            self.report(diagnostic);
        }
        found
    }

    fn string(&mut self, node: &Node) -> Option<Spanned<String>> {
        match node.as_scalar() {
            Some(scalar) if !node.is_null() => Some(Spanned { value: scalar.text.clone(), span: node.span.clone() }),
            _ => {
                self.wrong_type(node, "a string");
                None
            }
        }
    }

    fn embedded(&mut self, node: &Node) -> Option<Embedded> {
        match node.as_scalar() {
            Some(scalar) if !node.is_null() && !scalar.text.trim().is_empty() => {
                Some(Embedded { text: scalar.text.clone(), span: node.span.clone(), style: scalar.style })
            }
            _ => {
                self.wrong_type(node, "an expression");
                None
            }
        }
    }

    fn number(&mut self, node: &Node, what: &str) -> Option<Spanned<u32>> {
        let parsed = node.as_scalar().and_then(|scalar| scalar.text.trim().parse::<u32>().ok());
        match parsed {
            Some(value) => Some(Spanned { value, span: node.span.clone() }),
            None => {
                self.wrong_type(node, &format!("a whole number ({what})"));
                None
            }
        }
    }

    fn positive(&mut self, node: Option<&Node>, what: &str) -> Option<u32> {
        let number = self.number(node?, what)?;
        if number.value == 0 {
            let diagnostic = Diagnostic::error(Code::InvalidValue, format!("{what} must be at least 1")).at(
                &self.file,
                number.span,
                "zero",
            );
            self.report(diagnostic);
            return None;
        }
        Some(number.value)
    }

    fn list<'a>(&mut self, node: &'a Node, what: &str) -> &'a [Node] {
        match &node.kind {
            NodeKind::Sequence(items) => items,
            _ if node.is_null() => &[],
            _ => {
                self.wrong_type(node, &format!("a list ({what})"));
                &[]
            }
        }
    }

    fn rule_set(&mut self, root: &Node) -> Option<RuleSet> {
        let entries = self.mapping(root, "RuleSet", "the rules file")?;
        let version =
            self.require(&entries, "version", "the rules file").and_then(|node| self.number(node, "format version"));
        if let Some(version) = &version
            && version.value != FORMAT_VERSION
        {
            let diagnostic = Diagnostic::error(
                Code::UnsupportedVersion,
                format!("rules format version {} is not supported", version.value),
            )
            .at(&self.file, version.span.clone(), format!("this build reads version {FORMAT_VERSION}"));
            self.report(diagnostic);
        }
        let description = entries.get("description").and_then(|node| self.string(node)).map(|text| text.value);
        let source = entries.get("source").map(|node| self.source(node)).unwrap_or_default();
        let fields = self
            .require(&entries, "fields", "the rules file")
            .map(|node| self.fields(node, "fields"))
            .unwrap_or_default();
        let filter = entries.get("filter").map(|node| self.filter(node)).unwrap_or_default();
        let identity =
            self.require(&entries, "identity", "the rules file").map(|node| self.identity(node)).unwrap_or_default();
        let retired = entries.get("retired").and_then(|node| self.embedded(node));
        let hardware = entries.get("hardware").map(|node| self.targets(node, "hardware")).unwrap_or_default();
        let software = entries.get("software").and_then(|node| self.software(node));
        let attributes = entries.get("attributes").map(|node| self.targets(node, "attributes")).unwrap_or_default();
        let operations = self
            .require(&entries, "operations", "the rules file")
            .map(|node| self.operations(node))
            .unwrap_or_default();
        Some(RuleSet {
            file: self.file.clone(),
            version: version.unwrap_or(Spanned { value: FORMAT_VERSION, span: 0..0 }),
            description,
            source,
            fields,
            filter,
            identity,
            retired,
            hardware,
            software,
            attributes,
            operations,
        })
    }

    fn source(&mut self, node: &Node) -> SourceSettings {
        let Some(entries) = self.mapping(node, "SourceSettings", "`source`") else {
            return SourceSettings::default();
        };
        let page_size = self.positive(entries.get("page_size"), "page_size");
        let select = entries.get("select").map(|node| self.strings(node, "select")).unwrap_or_default();
        let software = entries.get("software").and_then(|node| {
            let entries = self.mapping(node, "SoftwareQuery", "`source.software`")?;
            let page_size = self.positive(entries.get("page_size"), "page_size");
            let select = self
                .require(&entries, "select", "`source.software`")
                .map(|node| self.strings(node, "select"))
                .unwrap_or_default();
            Some(SoftwareQuery { page_size, select })
        });
        SourceSettings { page_size, select, software }
    }

    fn strings(&mut self, node: &Node, what: &str) -> Vec<Spanned<String>> {
        self.list(node, what).iter().filter_map(|item| self.string(item)).collect()
    }

    fn fields(&mut self, node: &Node, what: &str) -> Vec<(Spanned<String>, FieldRule)> {
        let NodeKind::Mapping(pairs) = &node.kind else {
            self.wrong_type(node, &format!("a mapping of field names ({what})"));
            return Vec::new();
        };
        pairs
            .iter()
            .filter_map(|(key, value)| {
                let name = self.string(key)?;
                // A field whose definition is broken (reported) keeps its name, as `()`, so that the
                // expressions using it are not reported again as naming an unknown field.
                let rule = self.field_rule(value).unwrap_or_else(|| {
                    FieldRule::Expr(Embedded {
                        text: "()".into(),
                        span: value.span.clone(),
                        style: serde_saphyr::granit_parser::ScalarStyle::Plain,
                    })
                });
                Some((name, rule))
            })
            .collect()
    }

    fn field_rule(&mut self, node: &Node) -> Option<FieldRule> {
        let entries = self.mapping(node, "FieldRule", "a field")?;
        if entries.entries.len() != 1 {
            if entries.entries.is_empty()
                && self
                    .diagnostics
                    .iter()
                    .all(|d| !node.span.contains(&d.labels.first().map_or(usize::MAX, |l| l.span.start)))
            {
                let diagnostic = Diagnostic::error(
                    Code::MissingKey,
                    "a field needs one of `one`, `optional`, `many` or `expr`",
                )
                .at(&self.file, node.span.clone(), "empty field");
                self.report(diagnostic);
            } else if entries.entries.len() > 1 {
                let diagnostic = Diagnostic::error(
                    Code::InvalidValue,
                    "a field takes exactly one of `one`, `optional`, `many` or `expr`",
                )
                .at(&self.file, entries.entries[1].1.span.clone(), "second source");
                self.report(diagnostic);
            }
            return None;
        }
        let (kind, _, value) = entries.entries[0];
        let embedded = self.embedded(value)?;
        Some(match kind {
            "one" => FieldRule::One(embedded),
            "optional" => FieldRule::Optional(embedded),
            "many" => FieldRule::Many(embedded),
            _ => FieldRule::Expr(embedded),
        })
    }

    fn filter(&mut self, node: &Node) -> Vec<FilterRule> {
        let items = self.list(node, "filter");
        items
            .iter()
            .filter_map(|item| {
                let entries = self.mapping(item, "FilterRule", "a filter rule")?;
                let exclude = self.require(&entries, "exclude", "a filter rule").and_then(|node| self.embedded(node));
                let reason = self.require(&entries, "reason", "a filter rule").and_then(|node| self.string(node));
                Some(FilterRule { exclude: exclude?, reason: reason? })
            })
            .collect()
    }

    fn identity(&mut self, node: &Node) -> Vec<IdentityRule> {
        let items = self.list(node, "identity");
        if items.is_empty() && matches!(node.kind, NodeKind::Sequence(_)) {
            let diagnostic = Diagnostic::error(Code::InvalidValue, "`identity` needs at least one key").at(
                &self.file,
                node.span.clone(),
                "empty list",
            );
            self.report(diagnostic);
        }
        items
            .iter()
            .filter_map(|item| {
                let entries = self.mapping(item, "IdentityRule", "an identity key")?;
                let kind = self.require(&entries, "kind", "an identity key").and_then(|node| self.string(node));
                let value = self.require(&entries, "value", "an identity key").and_then(|node| self.embedded(node));
                let valid = entries.get("valid").and_then(|node| self.embedded(node));
                Some(IdentityRule { kind: kind?, value: value?, valid })
            })
            .collect()
    }

    fn targets(&mut self, node: &Node, what: &str) -> Vec<(Spanned<String>, Embedded)> {
        let NodeKind::Mapping(pairs) = &node.kind else {
            if !node.is_null() {
                self.wrong_type(node, &format!("a mapping of attribute names to expressions ({what})"));
            }
            return Vec::new();
        };
        let mut seen = HashSet::new();
        pairs
            .iter()
            .filter_map(|(key, value)| {
                let name = self.string(key)?;
                if !seen.insert(name.value.clone()) {
                    let diagnostic =
                        Diagnostic::error(Code::DuplicateKey, format!("`{}` appears twice in `{what}`", name.value))
                            .at(&self.file, name.span.clone(), "second definition");
                    self.report(diagnostic);
                    return None;
                }
                let expression = self.embedded(value)?;
                Some((name, expression))
            })
            .collect()
    }

    fn software(&mut self, node: &Node) -> Option<SoftwareRule> {
        let entries = self.mapping(node, "SoftwareRule", "`software`")?;
        let each = self.require(&entries, "each", "`software`").and_then(|node| self.embedded(node));
        let fields = entries.get("fields").map(|node| self.fields(node, "software.fields")).unwrap_or_default();
        let name = self.require(&entries, "name", "`software`").and_then(|node| self.embedded(node));
        let version = entries.get("version").and_then(|node| self.embedded(node));
        let identifier = entries.get("identifier").and_then(|node| self.embedded(node));
        Some(SoftwareRule { each: each?, fields, name: name?, version, identifier })
    }

    fn operations(&mut self, node: &Node) -> OperationsRule {
        let Some(entries) = self.mapping(node, "OperationsRule", "`operations`") else {
            return OperationsRule::default();
        };
        let mut rule = |key: &str| {
            let node = entries.get(key)?;
            if node.is_null() {
                return Some(OperationRule::default());
            }
            let inner = self.mapping(node, "OperationRule", &format!("`operations.{key}`"))?;
            let when = inner.get("when").and_then(|node| self.embedded(node));
            Some(OperationRule { when })
        };
        OperationsRule {
            import_inventory: rule("import_inventory"),
            set_attributes: rule("set_attributes"),
            activate: rule("activate"),
            retire: rule("retire"),
        }
    }
}
