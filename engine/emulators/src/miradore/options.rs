//! The query string of an API v1 request: `auth`, `select`, `filters` and `options`
//! (`rows=N,page=N,dateformat=F`, raw or percent-encoded), decoded the way the live API does.

use std::fmt::Write;

use percent_encoding::percent_decode_str;

use super::estate::Timestamp;

/// Rows per page when `options` has no `rows` (the live default is undocumented).
pub const DEFAULT_ROWS: usize = 100;

/// The parameters of one request. Keys are matched case-insensitively; when a key repeats, the
/// last value wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestQuery {
    /// `auth`: the API key, percent-decoded.
    pub auth: Option<String>,
    /// `select`.
    pub select: Option<String>,
    /// `filters`: accepted and ignored (the emulator returns every device).
    pub filters: Option<String>,
    /// `options`, still unparsed.
    pub options: Option<String>,
}

impl RequestQuery {
    /// Decodes a raw query string (`+` is a space, as in form encoding).
    pub fn parse(raw: &str) -> Self {
        let mut query = Self::default();
        for (key, value) in pairs(raw) {
            let slot = match key.to_ascii_lowercase().as_str() {
                "auth" => &mut query.auth,
                "select" => &mut query.select,
                "filters" => &mut query.filters,
                "options" => &mut query.options,
                _ => continue,
            };
            *slot = Some(value);
        }
        query
    }
}

/// The raw query string with the value of `auth` replaced by `<redacted>`, for logs.
pub fn redact(raw: &str) -> String {
    raw.split('&')
        .map(|pair| {
            let key = pair.split_once('=').map_or(pair, |(key, _)| key);
            if decode(key).eq_ignore_ascii_case("auth") { format!("{key}=<redacted>") } else { pair.to_string() }
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn pairs(raw: &str) -> impl Iterator<Item = (String, String)> + '_ {
    raw.split('&').filter(|pair| !pair.is_empty()).map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key), decode(value))
    })
}

fn decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// Paging and date format, from `options=rows=10,page=2,dateformat=yyyy-MM-dd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Rows per page, at least 1.
    pub rows: usize,
    /// 1-based page number.
    pub page: usize,
    /// How dates are written.
    pub date_format: DateFormat,
}

impl Default for Options {
    fn default() -> Self {
        Self { rows: DEFAULT_ROWS, page: 1, date_format: DateFormat::default() }
    }
}

/// An `options` value the emulator refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid value '{value}' for option '{option}'.")]
pub struct OptionsError {
    /// The option's key.
    pub option: String,
    /// Its value.
    pub value: String,
}

impl Options {
    /// Parses the (already percent-decoded) `options` value. Keys are case-insensitive; unknown
    /// keys are ignored; `rows` and `page` must be positive integers.
    pub fn parse(options: Option<&str>) -> Result<Self, OptionsError> {
        let mut parsed = Self::default();
        let Some(options) = options else {
            return Ok(parsed);
        };
        for entry in options.split(',').filter(|entry| !entry.trim().is_empty()) {
            let (key, value) = entry.split_once('=').unwrap_or((entry, ""));
            let (key, value) = (key.trim(), value.trim());
            let positive = || {
                value
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| OptionsError { option: key.to_string(), value: value.to_string() })
            };
            match key.to_ascii_lowercase().as_str() {
                "rows" => parsed.rows = positive()?,
                "page" => parsed.page = positive()?,
                "dateformat" => parsed.date_format = DateFormat(value.to_string()),
                _ => {}
            }
        }
        Ok(parsed)
    }
}

/// A .NET-style date format; `yyyy`, `yy`, `MM`, `dd`, `HH`, `mm` and `ss` are replaced, every
/// other character is copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat(pub String);

impl Default for DateFormat {
    /// The API's default, `dd.MM.yyyy HH:mm:ss`.
    fn default() -> Self {
        Self("dd.MM.yyyy HH:mm:ss".to_string())
    }
}

impl DateFormat {
    /// Appends `time` in this format.
    pub fn write(&self, out: &mut String, time: Timestamp) {
        let (year, month, day, hour, minute, second) = time.parts();
        let mut rest = self.0.as_str();
        while let Some(first) = rest.chars().next() {
            let token = ["yyyy", "yy", "MM", "dd", "HH", "mm", "ss"].into_iter().find(|token| rest.starts_with(token));
            let _ = match token {
                Some("yyyy") => write!(out, "{year:04}"),
                Some("yy") => write!(out, "{:02}", year.rem_euclid(100)),
                Some("MM") => write!(out, "{month:02}"),
                Some("dd") => write!(out, "{day:02}"),
                Some("HH") => write!(out, "{hour:02}"),
                Some("mm") => write!(out, "{minute:02}"),
                Some("ss") => write!(out, "{second:02}"),
                _ => {
                    out.push(first);
                    Ok(())
                }
            };
            rest = &rest[token.map_or(first.len_utf8(), str::len)..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_raw_and_encoded_options_and_keys_in_any_case() {
        let raw = RequestQuery::parse("auth=1_a%7Bb%7D%2Cc%24!%5D&options=rows=10,page=2");
        assert_eq!(raw.auth.as_deref(), Some("1_a{b},c$!]"));
        let encoded = RequestQuery::parse("OPTIONS=Rows%3D10%2CPAGE%3D2&Select=ID");
        assert_eq!(raw.options, encoded.options.map(|o| o.to_lowercase()));
        let options = Options::parse(Some("Rows=10,PAGE=2,dateFormat=yyyy-MM-dd")).unwrap();
        assert_eq!((options.rows, options.page), (10, 2));
        assert_eq!(Options::parse(None).unwrap().rows, DEFAULT_ROWS);
        assert!(Options::parse(Some("rows=0")).is_err());
        assert!(Options::parse(Some("page=x")).is_err());
    }

    #[test]
    fn formats_dates_with_net_tokens() {
        let time = Timestamp::from_parts(2023, 7, 8, 3, 4, 5);
        let mut out = String::new();
        DateFormat("yyyy/MM/dd HH:mm:ss|yy".into()).write(&mut out, time);
        assert_eq!(out, "2023/07/08 03:04:05|23");
        out.clear();
        DateFormat::default().write(&mut out, time);
        assert_eq!(out, time.to_string());
    }

    #[test]
    fn redacts_the_key_only() {
        assert_eq!(redact("select=ID&AUTH=1_secret%7B&options=rows%3D1"), "select=ID&AUTH=<redacted>&options=rows%3D1");
    }
}
