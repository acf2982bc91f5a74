//! Data-driven cases: one test per folder under `tests/cases/<area>/<name>/` and per example
//! under `examples/<name>/`. Each folder holds the rules (or uses rules/default.yaml), the input
//! (saved Miradore responses), and the expected transcript; see tests/cases/README.md.
//!
//! After a reviewed change, rewrite the expected files with `MAPPER_BLESS=1 cargo test --test cases`.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use mapper::cli::Format;
use mapper::diag::render_text;
use mapper::sink::preview::{write_devices, write_retirements};

fn main() {
    let arguments = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut trials = Vec::new();
    for area in sorted_dirs(&root.join("tests/cases")) {
        for case in sorted_dirs(&area) {
            let name = format!("{}::{}", file_name(&area), file_name(&case));
            trials.push(Trial::test(name, move || run_case(&case)));
        }
    }
    for example in sorted_dirs(&root.join("examples")) {
        if example.join("expected.txt").exists() {
            let name = format!("examples::{}", file_name(&example));
            trials.push(Trial::test(name, move || run_case(&example)));
        }
    }
    libtest_mimic::run(&arguments, trials).exit();
}

/// Runs one case folder and compares its transcript with `expected.txt`.
fn run_case(folder: &Path) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (rules_path, rules_name) = if folder.join("rules.yaml").exists() {
        (folder.join("rules.yaml"), "rules.yaml".to_string())
    } else {
        (root.join("rules/default.yaml"), "rules/default.yaml".to_string())
    };
    let text = std::fs::read_to_string(&rules_path).map_err(|error| format!("{}: {error}", rules_path.display()))?;
    let input = ["input", "snapshot"].iter().map(|name| folder.join(name)).find(|path| path.exists());
    let actual = transcript(&rules_name, &text, input.as_deref());
    let expected_path = folder.join("expected.txt");
    if std::env::var_os("MAPPER_BLESS").is_some() {
        std::fs::write(&expected_path, &actual).map_err(|error| format!("{}: {error}", expected_path.display()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if expected != actual {
        return Err(format!(
            "{} differs from the actual transcript:\n{}\nafter review, rewrite it with MAPPER_BLESS=1 cargo test --test cases",
            expected_path.display(),
            pretty_assertions::StrComparison::new(&expected, &actual)
        )
        .into());
    }
    Ok(())
}

/// What a case produces: the rendered diagnostics when the rules are invalid; otherwise, with an
/// input, the dry-run JSON operations, the failures and the summary; without input, `valid`.
fn transcript(rules_name: &str, rules_text: &str, input: Option<&Path>) -> String {
    let program = mapper::compile::compile_text(rules_name, rules_text);
    let program = match program {
        Ok(program) => program,
        Err(diagnostics) => {
            return diagnostics.iter().map(|diagnostic| render_text(diagnostic, false)).collect::<Vec<_>>().join("\n");
        }
    };
    let warnings: String = program.warnings.iter().map(|warning| render_text(warning, false) + "\n").collect();
    let Some(input) = input else {
        return format!("{warnings}valid\n");
    };
    let records = match mapper::source::snapshot::read(input, program.query.software.is_some()) {
        Ok(records) => records,
        Err(diagnostic) => return render_text(&diagnostic, false).replace(&*input.to_string_lossy(), "INPUT"),
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut preview = write_devices(&program, records, &mut out, &mut errors, Format::Json, false).expect("in memory");
    write_retirements(&mut preview, true, None, &mut out, &mut errors, Format::Json).expect("in memory");
    format!("{}{}{}\n", String::from_utf8_lossy(&out), String::from_utf8_lossy(&errors), preview.summary)
}

fn sorted_dirs(path: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(path)
        .map(|entries| {
            entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).filter(|path| path.is_dir()).collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}
