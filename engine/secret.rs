//! Edges: secrets (API keys) that never reach a log, an error, a report or a file. A [`Secret`]
//! prints as `<redacted>`, and [`Secret::redact`] scrubs it, raw or percent-encoded, from text.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Characters left as they are in query values: RFC 3986 unreserved.
pub const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A secret value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`, trimming the line break a key file usually ends with.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into().trim().to_string())
    }

    /// The value itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value percent-encoded for a query string.
    pub fn encoded(&self) -> String {
        utf8_percent_encode(&self.0, QUERY_VALUE).to_string()
    }

    /// `text` with every occurrence of the secret, raw or encoded in any common way, replaced.
    pub fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            return text.to_string();
        }
        let mut out = text.to_string();
        let forms = [
            self.encoded(),
            utf8_percent_encode(&self.0, NON_ALPHANUMERIC).to_string(),
            self.encoded().replace("%20", "+"),
            self.0.clone(),
        ];
        for form in forms {
            if !form.is_empty() {
                out = out.replace(&form, "<redacted>");
                out = out.replace(&form.to_lowercase(), "<redacted>");
            }
        }
        out
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_with_special_characters_are_encoded_and_redacted() {
        let key = Secret::new("1_Aa{Df},$!]x\n");
        assert_eq!(key.expose(), "1_Aa{Df},$!]x");
        assert_eq!(key.encoded(), "1_Aa%7BDf%7D%2C%24%21%5Dx");
        let text = format!(
            "GET /s/API/Device?auth={}&x=1 and raw {} and {}",
            key.encoded(),
            key.expose(),
            key.encoded().to_lowercase()
        );
        let redacted = key.redact(&text);
        assert!(!redacted.contains("Df"), "{redacted}");
        assert_eq!(format!("{key:?} {key}"), "<redacted> <redacted>");
    }
}
