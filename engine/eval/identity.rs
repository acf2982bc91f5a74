//! Eval: whether an identity value can identify a device. Empty values and placeholders such as
//! `unknown`, `0`, `000000` or one character repeated are passed over, with the reason.

/// Why a value cannot identify a device, or `None` when it can.
pub fn invalid_reason(value: &str) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Some("empty".to_string());
    }
    let lower = trimmed.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "unknown" | "n/a" | "na" | "none" | "null" | "undefined" | "-" | "not available" | "default" | "serial"
    ) {
        return Some(format!("placeholder `{trimmed}`"));
    }
    let mut chars = trimmed.chars();
    let first = chars.next()?;
    if chars.all(|c| c == first) {
        return Some(if first == '0' {
            format!("all zeros `{trimmed}`")
        } else {
            format!("one repeated character `{trimmed}`")
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::invalid_reason;

    #[test]
    fn placeholders_are_passed_over() {
        for value in ["", "  ", "unknown", "UNKNOWN", "0", "000000", "xxxxxx", "N/A", "-"] {
            assert!(invalid_reason(value).is_some(), "{value:?} should be invalid");
        }
        for value in ["R58N123", "SN-MIR-0021", "C02XK1ZZJG5H", "01"] {
            assert_eq!(invalid_reason(value), None, "{value:?} should be valid");
        }
    }
}
