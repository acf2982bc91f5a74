//! Compile (docs): `docs/functions.md`, rendered from [`FUNCTIONS`] and the naming scheme in the
//! module documentation of `functions/mod.rs`, so the page cannot drift from what the engine has.
//! Every example on the page also runs as a test there (`every_documented_example_holds`).
//!
//! After a reviewed change to the helpers, rewrite the page with
//! `MAPPER_BLESS=1 cargo test --lib functions::markdown`.

use std::fmt::Write as _;

use super::{FUNCTIONS, FunctionDoc};

/// The page, relative to the package root.
const PAGE: &str = "docs/functions.md";

/// The source of `functions/mod.rs`, whose `//!` documentation holds the naming scheme.
const FUNCTIONS_SOURCE: &str = include_str!("mod.rs");

/// The whole page.
fn render() -> String {
    let mut page = String::new();
    page.push_str("# Helper functions\n\n");
    page.push_str(
        "<!-- Generated from `FUNCTIONS` in engine/compile/functions/mod.rs by the test in \
         engine/compile/functions/markdown.rs. Do not edit by hand: change the table, then run \
         `MAPPER_BLESS=1 cargo test --lib functions::markdown`. -->\n\n",
    );
    page.push_str(
        "Rule expressions (Rhai) can call these helpers as well as Rhai's built-in functions. \
         Every example below runs as a test, so each result shown is what the engine gives.\n\n",
    );
    page.push_str("## Naming scheme and `()`\n\n");
    page.push_str(&naming_scheme());
    page.push_str("\n## Summary\n\n| Function | Signature |\n|---|---|\n");
    for function in FUNCTIONS {
        let _ = writeln!(
            page,
            "| [`{}`](#{}) | `{}` |",
            function.name,
            function.name,
            function.signature.replace('|', "\\|")
        );
    }
    page.push_str("\n## Functions\n");
    for function in FUNCTIONS {
        page.push('\n');
        page.push_str(&render_function(function));
    }
    page
}

/// The module documentation of `functions/mod.rs` after its first paragraph (the stage line).
fn naming_scheme() -> String {
    let lines: Vec<&str> = FUNCTIONS_SOURCE
        .lines()
        .take_while(|line| line.starts_with("//!"))
        .map(|line| {
            let text = &line["//!".len()..];
            text.strip_prefix(' ').unwrap_or(text)
        })
        .skip_while(|line| !line.is_empty())
        .skip_while(|line| line.is_empty())
        .collect();
    assert!(
        !lines.is_empty(),
        "engine/compile/functions/mod.rs lost the `//!` naming scheme that docs/functions.md shows"
    );
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// One function's section: heading, signature, summary and its examples with their results.
fn render_function(function: &FunctionDoc) -> String {
    let mut section =
        format!("### `{}`\n\n`{}`\n\n{}\n\n```rhai\n", function.name, function.signature, function.summary);
    let width = function.examples.iter().map(|example| example.expression.chars().count()).max().unwrap_or(0);
    for example in function.examples {
        let padding = width - example.expression.chars().count();
        let _ = writeln!(section, "{}{}  // → {}", example.expression, " ".repeat(padding), example.result);
    }
    section.push_str("```\n");
    section
}

#[test]
fn docs_functions_md_is_generated_from_the_function_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PAGE);
    let generated = render();
    if std::env::var("MAPPER_BLESS").is_ok_and(|value| !value.is_empty() && value != "0") {
        std::fs::write(&path, &generated).unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
        eprintln!("MAPPER_BLESS: rewrote {PAGE}");
        return;
    }
    // A checkout with CRLF line endings holds the same page.
    let written = std::fs::read_to_string(&path).unwrap_or_default().replace("\r\n", "\n");
    if written == generated {
        return;
    }
    let first_difference = written
        .lines()
        .zip(generated.lines())
        .position(|(old, new)| old != new)
        .unwrap_or_else(|| written.lines().count().min(generated.lines().count()));
    let line = |text: &str| {
        text.lines().nth(first_difference).map_or_else(|| "(end of page)".to_string(), |line| format!("{line:?}"))
    };
    panic!(
        "{PAGE} is out of step with FUNCTIONS in engine/compile/functions/mod.rs \
         (first difference at line {}):\n  in {PAGE}: {}\n  generated: {}\n\
         After reviewing the change, rewrite the page with:\n  \
         MAPPER_BLESS=1 cargo test --lib functions::markdown",
        first_difference + 1,
        line(&written),
        line(&generated),
    );
}

#[test]
fn every_function_has_a_section_and_a_summary_row() {
    let page = render();
    for function in FUNCTIONS {
        assert!(page.contains(&format!("\n### `{}`\n", function.name)), "{}", function.name);
        assert!(page.contains(&format!("| [`{}`](#{}) |", function.name, function.name)));
    }
    assert!(page.contains("`is_*`"), "the naming scheme is missing:\n{page}");
}
