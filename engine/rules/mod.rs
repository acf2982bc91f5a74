//! Load: a rules file (YAML) -> [`RuleSet`], with a span on every node and no semantics yet.

mod load;
mod model;
pub(crate) mod position;
pub(crate) mod yaml;

use std::sync::Arc;

pub use model::{
    Embedded, FORMAT_VERSION, FieldRule, FilterRule, IdentityRule, OperationRule, OperationsRule, RuleSet,
    SoftwareQuery, SoftwareRule, SourceSettings, Spanned, json_schema,
};

use crate::diag::{Code, Diagnostic, SourceFile};

/// Reads and loads the rules file at `path`: the rule set, as complete as the file allows, and
/// every problem found.
pub fn load_file(path: &str) -> (Option<RuleSet>, Vec<Diagnostic>) {
    match std::fs::read_to_string(path) {
        Ok(text) => load_text(path, text),
        Err(error) => {
            let mut diagnostic =
                Diagnostic::error(Code::UnreadableFile, format!("cannot read rules file `{path}`: {error}"));
            // No place to point at, but the JSON output still names the file.
            diagnostic.file = Some(SourceFile::new(path, ""));
            (None, vec![diagnostic])
        }
    }
}

/// Loads rules from `text`, naming them `name` in diagnostics.
pub fn load_text(name: &str, text: impl Into<String>) -> (Option<RuleSet>, Vec<Diagnostic>) {
    let file: Arc<SourceFile> = SourceFile::new(name, text);
    match yaml::parse(&file) {
        Ok(root) => load::load(&file, &root),
        Err(diagnostic) => (None, vec![diagnostic]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_keys_match_the_schema() {
        let schema = json_schema();
        for (type_name, keys) in load::KEYS {
            let definition = if *type_name == "RuleSet" { &schema } else { &schema["$defs"][*type_name] };
            let mut expected: Vec<String> = if *type_name == "FieldRule" {
                definition["oneOf"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{type_name} has no oneOf"))
                    .iter()
                    .flat_map(|variant| {
                        variant["required"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_string())
                    })
                    .collect()
            } else {
                definition["properties"]
                    .as_object()
                    .unwrap_or_else(|| panic!("{type_name} has no properties"))
                    .keys()
                    .cloned()
                    .collect()
            };
            let mut actual: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            expected.sort();
            actual.sort();
            assert_eq!(actual, expected, "keys of {type_name}");
        }
    }
}
