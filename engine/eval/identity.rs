//! Eval: whether an identity value can identify a device. Empty values and placeholders such as
//! `unknown`, `0`, `000000` or one character repeated are passed over, with the reason; the
//! rules are those of the `is_placeholder` helper, so a rule author sees the same judgement.

pub use crate::compile::functions::placeholder_reason as invalid_reason;

#[cfg(test)]
mod tests {
    use super::invalid_reason;

    #[test]
    fn placeholders_are_passed_over() {
        for value in ["", "  ", "unknown", "UNKNOWN", "0", "000000", "xxxxxx", "N/A", "-", "00:00:00:00:00:00"] {
            assert!(invalid_reason(value).is_some(), "{value:?} should be invalid");
        }
        for value in ["R58N123", "SN-MIR-0021", "C02XK1ZZJG5H", "01"] {
            assert_eq!(invalid_reason(value), None, "{value:?} should be valid");
        }
    }
}
