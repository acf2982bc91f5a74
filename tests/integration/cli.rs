//! The `mapper` binary as a user runs it.

use std::process::Command;

fn mapper() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mapper"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

#[test]
fn validate_accepts_the_default_rules() {
    let output = mapper().args(["validate", "--rules", "rules/default.yaml"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn validate_reports_three_mistakes_at_their_characters_as_json() {
    let path = "tests/cases/validate/three_mistakes/rules.yaml";
    let output = mapper().args(["validate", "--rules", path, "--format", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let diagnostics: Vec<serde_json::Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let found: Vec<(String, String)> = diagnostics
        .iter()
        .map(|diagnostic| {
            let line = diagnostic["line"].as_u64().unwrap() as usize;
            let column = diagnostic["column"].as_u64().unwrap() as usize;
            let at: String = lines[line - 1].chars().skip(column - 1).take(5).collect();
            (diagnostic["code"].as_str().unwrap().to_string(), at)
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("E0203".to_string(), "Seria".to_string()),
            ("E0201".to_string(), "* \"x\"".to_string()),
            ("E0103".to_string(), "reson".to_string()),
        ]
    );
}

#[test]
fn validate_checks_every_file_given() {
    let output = mapper()
        .args(["validate", "--rules", "rules/default.yaml", "--rules", "tests/cases/validate/did_you_mean/rules.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rules/default.yaml: valid"), "{stderr}");
    assert!(stderr.contains("did you mean `serial_number`?"), "{stderr}");
}

#[test]
fn dry_run_with_bad_rules_exits_with_invalid_input() {
    let output = mapper()
        .args([
            "dry-run",
            "--rules",
            "tests/cases/validate/structure/rules.yaml",
            "--snapshot",
            "tests/cases/eval/identity_fallback/input",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn warnings_leave_a_rules_file_valid() {
    let path = "tests/cases/validate/undocumented_attributes/rules.yaml";
    let output = mapper().args(["validate", "--rules", path, "--format", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&output.stdout).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|line| line["severity"] == "warning" && line["code"] == "E0207"), "{lines:?}");
}

#[test]
fn an_unreadable_rules_file_is_named_in_json_too() {
    let output = mapper().args(["validate", "--rules", "no/such/rules.yaml", "--format", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!((line["file"].as_str(), line["code"].as_str()), (Some("no/such/rules.yaml"), Some("E0108")));
}

#[test]
fn a_retirement_percentage_outside_0_to_100_is_refused() {
    for value in ["NaN", "-1", "150", "ten"] {
        let flag = format!("--max-retire-percent={value}");
        let output = mapper().args(["sync", "--mms-url", "http://127.0.0.1:9", &flag]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{value}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("percentage from 0 to 100"), "{value}");
    }
}

/// The example snapshot less some of its pages is refused as incomplete, as a live fetch with
/// a page missing would be: nothing is mapped from it.
#[test]
fn dry_run_refuses_a_snapshot_with_a_page_missing() {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/estate/snapshot");
    for missing in ["software-00002.xml", "software-00003.xml"] {
        let scratch = crate::support::Scratch::new("snapshot-gap");
        for entry in std::fs::read_dir(&shipped).unwrap() {
            let name = entry.unwrap().file_name();
            if name != missing {
                std::fs::copy(shipped.join(&name), scratch.join(&name)).unwrap();
            }
        }
        let output =
            mapper().args(["dry-run", "--format", "json", "--snapshot"]).arg(scratch.join("")).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(5), "{missing}: {stderr}");
        assert!(stderr.contains("E0406") && stderr.contains("incomplete"), "{missing}: {stderr}");
        assert!(output.stdout.is_empty(), "{missing}: operations were printed");
    }
}

/// The readable preview says why a device is not identified by its first identity key.
#[test]
fn dry_run_shows_the_identity_keys_passed_over() {
    let output = mapper().args(["dry-run", "--snapshot", "examples/estate/snapshot"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let device_6 = stdout.split("import_inventory  device 6 ").nth(1).expect("device 6 is imported");
    let passed = device_6.lines().find(|line| line.trim_start().starts_with("passed over:")).unwrap_or_default();
    assert!(passed.contains("serial `serial_number`: placeholder `unknown`"), "{passed}");
}

#[test]
fn dry_run_reports_a_missing_snapshot() {
    let output = mapper().args(["dry-run", "--snapshot", "does/not/exist"]).output().unwrap();
    assert_eq!(output.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&output.stderr).contains("does/not/exist"));
}
