//! Compile stage: the helper functions that rule expressions (Rhai) can call.
//!
//! Naming scheme (every helper follows it; `docs/design.md` repeats it):
//! - `is_*` returns a bool and never fails.
//! - `to_*` converts and never fails; it gives `()` when there is nothing to convert.
//! - `parse_*` returns the parsed value, or `()` when the input cannot be parsed; it never throws.
//! - `*_ci` are case-insensitive forms of Rhai's string predicates (`contains`, `starts_with`, …).
//! - The first parameter is the value; no helper mutates its argument.
//! - Nothing here touches the network, files or the clock: rule evaluation stays pure.
//!
//! Values in records are strings, `()` (a missing optional field) or arrays of those. Every helper
//! accepts `()` wherever it accepts a string, and answers `()` (or `false` for a predicate), so a
//! missing field never makes a rule throw. The one deliberate exception is `is_placeholder(())`,
//! which is `true`: a missing value is as meaningless as `"N/A"`, and the safe answer to "is this
//! junk?" for nothing at all is yes. Numbers, booleans and chars are read as their text.
//!
//! Rhai's built-ins: `trim` is a mutating method in Rhai; it is replaced here by a non-mutating
//! function of the same name (`x.trim()` and `trim(x)` both return the trimmed copy and leave `x`
//! alone). `parse_int` and `parse_float` are also replaced: Rhai's throw on bad input, these return
//! `()`. `to_upper` and `to_lower` stay Rhai's (Unicode, non-mutating) and gain a `()` overload.

use rhai::{Array, Dynamic, Engine, FLOAT, INT, ImmutableString};

mod catalog;
#[cfg(test)]
mod markdown;

pub use catalog::{Example, FUNCTIONS, FunctionDoc};

/// Registers every helper on `engine`.
pub fn register(engine: &mut Engine) {
    register_all(&mut Registry { engine, names: Vec::new() });
}

/// Registers helpers and remembers their names, so a test can compare them with [`FUNCTIONS`].
struct Registry<'e> {
    engine: &'e mut Engine,
    names: Vec<&'static str>,
}

impl Registry<'_> {
    fn note(&mut self, name: &'static str) {
        if !self.names.contains(&name) {
            self.names.push(name);
        }
    }

    /// A helper of one value. The exact string overload is what makes it win over a Rhai built-in
    /// of the same name; the `Dynamic` overload takes `()`, numbers and anything else.
    fn unary<R: Into<Dynamic> + 'static>(&mut self, name: &'static str, f: fn(&Dynamic) -> R) {
        self.note(name);
        self.engine.register_fn(name, move |s: ImmutableString| -> Dynamic { f(&Dynamic::from(s)).into() });
        self.engine.register_fn(name, move |v: Dynamic| -> Dynamic { f(&v).into() });
    }

    fn binary<R: Into<Dynamic> + 'static>(&mut self, name: &'static str, f: fn(&Dynamic, &Dynamic) -> R) {
        self.note(name);
        self.engine.register_fn(name, move |a: Dynamic, b: Dynamic| -> Dynamic { f(&a, &b).into() });
    }

    /// A `()` overload for a Rhai built-in string function.
    fn unit_overload(&mut self, name: &'static str) {
        self.note(name);
        self.engine.register_fn(name, |_: ()| Dynamic::UNIT);
    }
}

fn register_all(r: &mut Registry<'_>) {
    // Text cleanup.
    r.unary("trim", |v| map_text(v, |s| s.trim().into()));
    r.unary("normalize_space", |v| map_text(v, |s| s.split_whitespace().collect::<Vec<_>>().join(" ")));
    r.unit_overload("to_upper");
    r.unit_overload("to_lower");
    r.binary("truncate_chars", truncate_chars);
    r.unary("to_string_or_empty", |v| text(v).unwrap_or_else(|| ImmutableString::from("")));

    // Case-insensitive comparisons.
    r.binary("equals_ci", |a, b| both(a, b, |a, b| lower(a) == lower(b)));
    r.binary("contains_ci", |a, b| both(a, b, |a, b| lower(a).contains(&lower(b))));
    r.binary("starts_with_ci", |a, b| both(a, b, |a, b| lower(a).starts_with(&lower(b))));
    r.binary("ends_with_ci", |a, b| both(a, b, |a, b| lower(a).ends_with(&lower(b))));

    // Presence.
    r.unary("is_present", is_present);
    r.unary("is_placeholder", |v| text(v).is_none_or(|s| is_placeholder(&s)));
    r.unary("first_present", first_present);
    r.binary("coalesce", |a, b| if is_present(a) { a.clone() } else { b.clone() });
    r.binary("join_present", join_present);

    // Identifiers.
    r.unary("is_serial", |v| text(v).is_some_and(|s| is_serial(&s)));
    r.unary("is_imei", |v| text(v).and_then(|s| imei(&s)).is_some());
    r.unary("to_imei", |v| text(v).and_then(|s| imei(&s)).map_or(Dynamic::UNIT, Dynamic::from));
    r.unary("normalize_mac", |v| text(v).and_then(|s| normalize_mac(&s)).map_or(Dynamic::UNIT, Dynamic::from));
    r.unary("is_email", |v| text(v).is_some_and(|s| is_email(&s)));

    // Parsing.
    r.unary("parse_miradore_date", |v| {
        text(v).and_then(|s| parse_miradore_date(&s)).map_or(Dynamic::UNIT, Dynamic::from)
    });
    r.unary("parse_int", |v| text(v).and_then(|s| s.trim().parse::<INT>().ok()).map_or(Dynamic::UNIT, Dynamic::from));
    r.unary("parse_float", |v| {
        text(v)
            .and_then(|s| s.trim().parse::<FLOAT>().ok())
            .filter(|f| f.is_finite())
            .map_or(Dynamic::UNIT, Dynamic::from)
    });
    r.unary("parse_bool", |v| text(v).and_then(|s| parse_bool(&s)).map_or(Dynamic::UNIT, Dynamic::from));
}

/// The text of a scalar value; `None` for `()`, arrays and maps.
fn text(value: &Dynamic) -> Option<ImmutableString> {
    if value.is_string() {
        value.clone().into_immutable_string().ok()
    } else if value.is_unit() || value.is_array() || value.is_map() || value.is_blob() {
        None
    } else if value.is_char() || value.is_int() || value.is_float() || value.is_bool() {
        Some(value.to_string().into())
    } else {
        None
    }
}

fn map_text(value: &Dynamic, f: impl FnOnce(&str) -> String) -> Dynamic {
    text(value).map_or(Dynamic::UNIT, |s| Dynamic::from(f(&s)))
}

fn both(a: &Dynamic, b: &Dynamic, f: impl FnOnce(&str, &str) -> bool) -> bool {
    match (text(a), text(b)) {
        (Some(a), Some(b)) => f(&a, &b),
        _ => false,
    }
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

fn truncate_chars(value: &Dynamic, max: &Dynamic) -> Dynamic {
    let Some(s) = text(value) else {
        return Dynamic::UNIT;
    };
    let max = max.as_int().map_or(0, |n| usize::try_from(n).unwrap_or(0));
    match s.char_indices().nth(max) {
        Some((end, _)) => Dynamic::from(s[..end].to_owned()),
        None => Dynamic::from(s),
    }
}

fn is_present(value: &Dynamic) -> bool {
    text(value).is_some_and(|s| !s.trim().is_empty())
}

fn first_present(values: &Dynamic) -> Dynamic {
    match values.read_lock::<Array>() {
        Some(values) => values.iter().find(|v| is_present(v)).cloned().unwrap_or(Dynamic::UNIT),
        None if is_present(values) => values.clone(),
        None => Dynamic::UNIT,
    }
}

fn join_present(values: &Dynamic, separator: &Dynamic) -> Dynamic {
    let separator = text(separator).unwrap_or_default();
    let parts: Vec<ImmutableString> = match values.read_lock::<Array>() {
        Some(values) => values.iter().filter(|v| is_present(v)).filter_map(text).collect(),
        None => text(values).filter(|s| !s.trim().is_empty()).into_iter().collect(),
    };
    if parts.is_empty() {
        return Dynamic::UNIT;
    }
    let parts: Vec<&str> = parts.iter().map(ImmutableString::as_str).collect();
    Dynamic::from(parts.join(&separator))
}

/// Why `s` is a value MDMs and vendors put where they have no real one (empty, `unknown`,
/// `N/A`, all zeros, one character repeated, ...), or `None` when it is a real value. Identity
/// keys pass over such values with this reason.
pub fn placeholder_reason(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return Some("empty".to_string());
    }
    const WORDS: &[&str] = &[
        "unknown",
        "n/a",
        "na",
        "none",
        "null",
        "nil",
        "-",
        "undefined",
        "not available",
        "default string",
        "to be filled by o.e.m.",
    ];
    if WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        return Some(format!("placeholder `{s}`"));
    }
    // Separators do not make a value real: `00:00:00:00:00:00`, `000-000`.
    let mut chars = s.chars().filter(|c| !matches!(c, ':' | '-' | '.' | ' ' | '_'));
    let Some(first) = chars.next() else {
        return Some(format!("only separators `{s}`"));
    };
    let mut count = 1;
    for c in chars {
        if c != first {
            return None;
        }
        count += 1;
    }
    // All zeros (`0`, `000000`), or one character repeated (`xxxxxxx`, `1111`).
    if first == '0' {
        Some(format!("all zeros `{s}`"))
    } else if count >= 3 {
        Some(format!("one repeated character `{s}`"))
    } else {
        None
    }
}

fn is_placeholder(s: &str) -> bool {
    placeholder_reason(s).is_some()
}

fn is_serial(s: &str) -> bool {
    let s = s.trim();
    (4..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !is_placeholder(s)
}

/// The digits of an IMEI with spaces and dashes removed, when they form one: 15 digits with a
/// valid Luhn check digit, or 14 digits (no check digit). Placeholders like all zeros are refused.
pub fn imei(s: &str) -> Option<String> {
    let digits: String = s.trim().chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || is_placeholder(&digits) {
        return None;
    }
    match digits.len() {
        14 => Some(digits),
        15 if luhn_valid(&digits) => Some(digits),
        _ => None,
    }
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// `aa-bb-cc-dd-ee-ff`, `aa:bb:…`, `aabb.ccdd.eeff` or `AABBCCDDEEFF` -> `AA:BB:CC:DD:EE:FF`.
fn normalize_mac(s: &str) -> Option<String> {
    let s = s.trim();
    let hex: String = if s.len() == 12 {
        s.to_owned()
    } else if s.len() == 17 {
        let separator = s.as_bytes()[2];
        if !matches!(separator, b':' | b'-') {
            return None;
        }
        let groups: Vec<&str> = s.split(char::from(separator)).collect();
        if groups.len() != 6 || groups.iter().any(|g| g.len() != 2) {
            return None;
        }
        groups.concat()
    } else if s.len() == 14 {
        let groups: Vec<&str> = s.split('.').collect();
        if groups.len() != 3 || groups.iter().any(|g| g.len() != 4) {
            return None;
        }
        groups.concat()
    } else {
        return None;
    };
    if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_uppercase();
    let pairs: Vec<&str> = (0..6).map(|i| &hex[i * 2..i * 2 + 2]).collect();
    Some(pairs.join(":"))
}

fn is_email(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
}

fn parse_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    const TRUE: &[&str] = &["true", "yes", "1", "on"];
    const FALSE: &[&str] = &["false", "no", "0", "off"];
    if TRUE.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        Some(true)
    } else if FALSE.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        Some(false)
    } else {
        None
    }
}

/// Miradore's `dd.MM.yyyy HH:mm:ss` (also `HH.mm.ss`, a date alone, or an ISO `yyyy-MM-dd
/// HH:mm:ss` from a `dateformat` option) -> `yyyy-MM-ddTHH:mm:ss`. Year 1 means "never": `None`.
fn parse_miradore_date(s: &str) -> Option<String> {
    let s = s.trim();
    let (date, time) = match s.split_once([' ', 'T']) {
        Some((date, time)) => (date, Some(time.trim_start())),
        None => (s, None),
    };
    let (year, month, day) = if let Some((d, rest)) = date.split_once('.') {
        let (m, y) = rest.split_once('.')?;
        (number(y, 4, 4)?, number(m, 1, 2)?, number(d, 1, 2)?)
    } else {
        let mut parts = date.splitn(3, ['-', '/']);
        let y = number(parts.next()?, 4, 4)?;
        (y, number(parts.next()?, 1, 2)?, number(parts.next()?, 1, 2)?)
    };
    let (hour, minute, second) = match time {
        None => (0, 0, 0),
        Some(time) => {
            let separator = if time.contains(':') { ':' } else { '.' };
            let mut parts = time.split(separator);
            let h = number(parts.next()?, 1, 2)?;
            let m = number(parts.next()?, 2, 2)?;
            let sec = number(parts.next()?, 2, 2)?;
            if parts.next().is_some() {
                return None;
            }
            (h, m, sec)
        }
    };
    if year == 1 {
        return None; // .NET's DateTime.MinValue: "never"
    }
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then(|| format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"))
}

fn number(s: &str, min_len: usize, max_len: usize) -> Option<u32> {
    if (min_len..=max_len).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox() -> Engine {
        let mut engine = Engine::new();
        register(&mut engine);
        engine.set_strict_variables(true);
        engine.disable_symbol("eval");
        engine.set_max_operations(100_000);
        engine
    }

    fn eval(engine: &Engine, expression: &str) -> String {
        match engine.eval::<Dynamic>(expression) {
            Ok(value) => format!("{value:?}"),
            Err(error) => format!("error: {error}"),
        }
    }

    #[test]
    fn every_documented_example_holds() {
        let engine = sandbox();
        let mut failures = Vec::new();
        for function in FUNCTIONS {
            assert!(
                (2..=4).contains(&function.examples.len()),
                "{} has {} examples",
                function.name,
                function.examples.len()
            );
            assert!(
                function.examples.iter().any(|e| e.expression.contains("()")),
                "{} has no `()` example",
                function.name
            );
            for example in function.examples {
                let got = eval(&engine, example.expression);
                if got != example.result {
                    failures.push(format!("{}: expected {}, got {got}", example.expression, example.result));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn registered_and_documented_match() {
        let mut engine = Engine::new_raw();
        let mut registry = Registry { engine: &mut engine, names: Vec::new() };
        register_all(&mut registry);
        let mut registered = registry.names;
        let mut documented: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
        registered.sort_unstable();
        documented.sort_unstable();
        let before = documented.len();
        documented.dedup();
        assert_eq!(before, documented.len(), "a helper is documented twice");
        assert_eq!(registered, documented);
        for function in FUNCTIONS {
            assert!(function.signature.starts_with(&format!("{}(", function.name)), "{}", function.signature);
        }
    }

    #[test]
    fn missing_values_never_throw() {
        let engine = sandbox();
        for function in FUNCTIONS {
            let call = match function.name {
                "truncate_chars" => "truncate_chars((), 2)".to_owned(),
                "coalesce" | "equals_ci" | "contains_ci" | "starts_with_ci" | "ends_with_ci" | "join_present" => {
                    format!("{}((), ())", function.name)
                }
                name => format!("{name}(())"),
            };
            let got = eval(&engine, &call);
            assert!(!got.starts_with("error"), "{call}: {got}");
        }
    }

    #[test]
    fn trim_does_not_mutate_and_works_as_method() {
        let engine = sandbox();
        assert_eq!(eval(&engine, r#"let s = " a "; let t = s.trim(); s + "|" + t"#), r#"" a |a""#);
    }

    #[test]
    fn placeholders() {
        for junk in [
            "",
            "  ",
            "Unknown",
            "UNKNOWN",
            "n/a",
            "NA",
            "None",
            "null",
            "-",
            "0",
            "000000",
            "xxxxxxx",
            "XXX",
            "00:00:00:00:00:00",
            "---",
        ] {
            assert!(is_placeholder(junk), "{junk:?}");
        }
        for real in ["C02XL0GHJGH5", "SN-MIR-0021", "1", "ab", "10", "Apple", "x1x"] {
            assert!(!is_placeholder(real), "{real:?}");
        }
    }

    #[test]
    fn imei_checks() {
        assert_eq!(imei("352099001761481").as_deref(), Some("352099001761481"));
        assert_eq!(imei("35209900176148").as_deref(), Some("35209900176148"));
        assert_eq!(imei("352099001761482"), None);
        assert_eq!(imei("35209900176148a"), None);
        assert_eq!(imei("3520990017614"), None);
        assert_eq!(imei("00000000000000"), None);
    }

    #[test]
    fn macs() {
        for ok in ["aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff", "AABBCCDDEEFF", " aabbccddeeff "] {
            assert_eq!(normalize_mac(ok).as_deref(), Some("AA:BB:CC:DD:EE:FF"), "{ok}");
        }
        for bad in [
            "aa:bb-cc:dd:ee:ff",
            "aa:bb:cc:dd:ee:fg",
            "aabbccddeef",
            "aa:bb:cc:dd:eeff:",
            "aabb.ccdd.eeff.",
            "a:b:c:d:e:f",
        ] {
            assert_eq!(normalize_mac(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates() {
        let cases = [
            ("28.07.2023 13:57:54", Some("2023-07-28T13:57:54")),
            ("28.07.2023 13.57.54", Some("2023-07-28T13:57:54")),
            ("28.07.2023", Some("2023-07-28T00:00:00")),
            ("29.02.2024 00:00:00", Some("2024-02-29T00:00:00")),
            ("29.02.2000 00:00:00", Some("2000-02-29T00:00:00")),
            ("29.02.1900 00:00:00", None),
            ("31.04.2024 00:00:00", None),
            ("00.01.2024", None),
            ("01.13.2024", None),
            ("01.01.2024 24:00:00", None),
            ("01.01.2024 23:60:00", None),
            ("01.01.2024 23:59:60", None),
            ("01.01.0001 00:00:00", None),
            ("0001-01-01T00:00:00", None),
            ("2024-03-05 07:08:09", Some("2024-03-05T07:08:09")),
            ("2024/03/05", Some("2024-03-05T00:00:00")),
            ("1.2.2024 7:08:09", Some("2024-02-01T07:08:09")),
            ("01.01.24", None),
            ("01.01.2024 12:00", None),
            ("yesterday", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_miradore_date(input).as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn arrays_of_records() {
        let engine = sandbox();
        assert_eq!(eval(&engine, r#"first_present(["", (), 5])"#), "5");
        assert_eq!(eval(&engine, r#"join_present(["a", 1, true], "/")"#), r#""a/1/true""#);
        assert_eq!(eval(&engine, r#"is_present([])"#), "false");
        assert_eq!(eval(&engine, r#"contains_ci('x', "X")"#), "true");
    }
}
