//! The published schemas and the error-code docs stay in step with the code.
//! Rewrite the schemas after a reviewed change with `MAPPER_BLESS=1 cargo test --test integration`.

use std::path::Path;

fn in_step(relative: &str, generated: &serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let generated = serde_json::to_string_pretty(generated).unwrap() + "\n";
    if std::env::var_os("MAPPER_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    pretty_assertions::assert_eq!(
        written,
        generated,
        "{relative} is out of step; after review run MAPPER_BLESS=1 cargo test --test integration"
    );
}

#[test]
fn rules_schema_is_generated_from_the_rule_types() {
    in_step("schemas/rules.schema.json", &mapper::rules::json_schema());
}

#[test]
fn operations_schema_is_generated_from_the_operation_types() {
    in_step("schemas/operations.schema.json", &mapper::ops::json_schema());
}

#[test]
fn every_error_code_is_documented() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md")).unwrap();
    for code in mapper::diag::Code::ALL {
        let heading = format!("## {}: {}", code.as_str(), code.title());
        assert!(docs.contains(&heading), "docs/errors.md lacks the heading `{heading}`");
    }
}
