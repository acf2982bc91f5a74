//! Compile: the documentation of every helper function, with examples that run as tests and
//! generate `docs/functions.md`.

/// Documentation of one helper, with examples that run as tests.
#[derive(Debug, Clone, Copy)]
pub struct FunctionDoc {
    /// The name expressions call.
    pub name: &'static str,
    /// Parameter and result types, for example `trim(s: string | ()) -> string | ()`.
    pub signature: &'static str,
    /// One or two sentences on what it does.
    pub summary: &'static str,
    /// Expressions with their expected results.
    pub examples: &'static [Example],
}

/// One documented call and its result.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// A Rhai expression.
    pub expression: &'static str,
    /// The expected value as Rhai's `Dynamic` Debug rendering: `"text"`, `true`, `42`, `()`.
    pub result: &'static str,
}

const fn ex(expression: &'static str, result: &'static str) -> Example {
    Example { expression, result }
}

/// Every registered helper, with its documentation and examples.
pub const FUNCTIONS: &[FunctionDoc] = &[
    FunctionDoc {
        name: "trim",
        signature: "trim(s: string | ()) -> string | ()",
        summary: "Removes leading and trailing whitespace. Replaces Rhai's mutating `trim`: returns a new string and never changes the variable.",
        examples: &[
            ex(r#"trim("  SN-1 ")"#, r#""SN-1""#),
            ex(r#"let s = " a "; s.trim(); s"#, r#"" a ""#),
            ex("trim(())", "()"),
        ],
    },
    FunctionDoc {
        name: "normalize_space",
        signature: "normalize_space(s: string | ()) -> string | ()",
        summary: "Trims and collapses every run of inner whitespace (tabs, newlines) to one space.",
        examples: &[
            ex(r#"normalize_space("  Loaner's \t MacBook\nPro ")"#, r#""Loaner's MacBook Pro""#),
            ex(r#"normalize_space("   ")"#, r#""""#),
            ex("normalize_space(())", "()"),
        ],
    },
    FunctionDoc {
        name: "to_upper",
        signature: "to_upper(s: string | ()) -> string | ()",
        summary: "Rhai's built-in Unicode upper-casing (non-mutating), extended to return `()` for `()`.",
        examples: &[
            ex(r#"to_upper("aa:bb")"#, r#""AA:BB""#),
            ex(r#""jyväskylä".to_upper()"#, r#""JYVÄSKYLÄ""#),
            ex("to_upper(())", "()"),
        ],
    },
    FunctionDoc {
        name: "to_lower",
        signature: "to_lower(s: string | ()) -> string | ()",
        summary: "Rhai's built-in Unicode lower-casing (non-mutating), extended to return `()` for `()`.",
        examples: &[ex(r#"to_lower("User@Example.COM")"#, r#""user@example.com""#), ex("to_lower(())", "()")],
    },
    FunctionDoc {
        name: "truncate_chars",
        signature: "truncate_chars(s: string | (), max: int) -> string | ()",
        summary: "The first `max` characters (not bytes) of `s`, for target fields with a length limit.",
        examples: &[
            ex(r#"truncate_chars("MacBook Pro", 7)"#, r#""MacBook""#),
            ex(r#"truncate_chars("ÄÖ", 5)"#, r#""ÄÖ""#),
            ex("truncate_chars((), 3)", "()"),
        ],
    },
    FunctionDoc {
        name: "to_string_or_empty",
        signature: "to_string_or_empty(v: any) -> string",
        summary: "The value's text, or `\"\"` for `()` (and for arrays and maps).",
        examples: &[
            ex(r#"to_string_or_empty("x")"#, r#""x""#),
            ex("to_string_or_empty(42)", r#""42""#),
            ex("to_string_or_empty(())", r#""""#),
        ],
    },
    FunctionDoc {
        name: "equals_ci",
        signature: "equals_ci(a: string | (), b: string | ()) -> bool",
        summary: "Case-insensitive equality; `false` when either side is `()`.",
        examples: &[
            ex(r#"equals_ci("iOS", "IOS")"#, "true"),
            ex(r#"equals_ci("iOS", "macOS")"#, "false"),
            ex(r#"equals_ci((), "")"#, "false"),
        ],
    },
    FunctionDoc {
        name: "contains_ci",
        signature: "contains_ci(s: string | (), needle: string | ()) -> bool",
        summary: "Whether `s` contains `needle`, ignoring case; `false` for `()`.",
        examples: &[
            ex(r#"contains_ci("Apple iPad13,4", "ipad")"#, "true"),
            ex(r#"contains_ci("Apple MacBookPro17,1", "ipad")"#, "false"),
            ex(r#"contains_ci((), "ipad")"#, "false"),
        ],
    },
    FunctionDoc {
        name: "starts_with_ci",
        signature: "starts_with_ci(s: string | (), prefix: string | ()) -> bool",
        summary: "Whether `s` starts with `prefix`, ignoring case; `false` for `()`.",
        examples: &[
            ex(r#"starts_with_ci("Windows 11 Pro", "windows")"#, "true"),
            ex(r#"starts_with_ci("macOS 14", "windows")"#, "false"),
            ex(r#"starts_with_ci((), "x")"#, "false"),
        ],
    },
    FunctionDoc {
        name: "ends_with_ci",
        signature: "ends_with_ci(s: string | (), suffix: string | ()) -> bool",
        summary: "Whether `s` ends with `suffix`, ignoring case; `false` for `()`.",
        examples: &[
            ex(r#"ends_with_ci("user@Example.com", "@example.com")"#, "true"),
            ex(r#"ends_with_ci("user@other.org", "@example.com")"#, "false"),
            ex(r#"ends_with_ci((), "@example.com")"#, "false"),
        ],
    },
    FunctionDoc {
        name: "is_present",
        signature: "is_present(v: any) -> bool",
        summary: "Whether `v` has a value: not `()` and not empty or whitespace. Arrays and maps are not present.",
        examples: &[
            ex(r#"is_present("SN-1")"#, "true"),
            ex(r#"is_present("  ")"#, "false"),
            ex("is_present(())", "false"),
        ],
    },
    FunctionDoc {
        name: "is_placeholder",
        signature: "is_placeholder(s: string | ()) -> bool",
        summary: "Whether `s` is junk standing in for a value: empty after trim, `unknown`, `n/a`, `na`, `none`, `null`, `nil`, `-`, `undefined`, `not available`, `Default string`, `To be filled by O.E.M.` (any case), all zeros (`0`, `000000`, `00:00:00:00:00:00`) or one character repeated three or more times (`xxxxxxx`). `()` counts as a placeholder (`true`).",
        examples: &[
            ex(r#"is_placeholder(" N/A ")"#, "true"),
            ex(r#"is_placeholder("0000000000")"#, "true"),
            ex(r#"is_placeholder("C02XL0GHJGH5")"#, "false"),
            ex("is_placeholder(())", "true"),
        ],
    },
    FunctionDoc {
        name: "first_present",
        signature: "first_present(values: array) -> any",
        summary: "The first element that is present (see `is_present`), unchanged; `()` when none is. A single value is treated as a one-element array.",
        examples: &[
            ex(r#"first_present([(), "  ", "SN-2", "SN-3"])"#, r#""SN-2""#),
            ex(r#"first_present([(), ""])"#, "()"),
            ex("first_present(())", "()"),
        ],
    },
    FunctionDoc {
        name: "coalesce",
        signature: "coalesce(a: any, b: any) -> any",
        summary: "`a` when it is present (see `is_present`), otherwise `b` as it is.",
        examples: &[
            ex(r#"coalesce("SN-1", "SN-2")"#, r#""SN-1""#),
            ex(r#"coalesce("", "SN-2")"#, r#""SN-2""#),
            ex("coalesce((), ())", "()"),
        ],
    },
    FunctionDoc {
        name: "join_present",
        signature: "join_present(values: array, separator: string) -> string | ()",
        summary: "Joins the present elements with `separator`; `()` when none is present.",
        examples: &[
            ex(r#"join_present(["Ann", (), " ", "Lee"], " ")"#, r#""Ann Lee""#),
            ex(r#"join_present([(), ""], ", ")"#, "()"),
            ex(r#"join_present((), ", ")"#, "()"),
        ],
    },
    FunctionDoc {
        name: "is_serial",
        signature: "is_serial(s: string | ()) -> bool",
        summary: "Whether `s` (trimmed) looks like a hardware serial number: 4 to 64 ASCII letters, digits, `-`, `_` or `.`, and not a placeholder.",
        examples: &[
            ex(r#"is_serial("C02XL0GHJGH5")"#, "true"),
            ex(r#"is_serial("Unknown")"#, "false"),
            ex(r#"is_serial("SN 1")"#, "false"),
            ex("is_serial(())", "false"),
        ],
    },
    FunctionDoc {
        name: "is_imei",
        signature: "is_imei(s: string | ()) -> bool",
        summary: "Whether `s`, with spaces and dashes removed, is an IMEI: 15 digits with a valid Luhn check digit, or 14 digits without one. All zeros is not an IMEI.",
        examples: &[
            ex(r#"is_imei("490154203237518")"#, "true"),
            ex(r#"is_imei("35-209900-176148-2")"#, "false"),
            ex(r#"is_imei("000000000000000")"#, "false"),
            ex("is_imei(())", "false"),
        ],
    },
    FunctionDoc {
        name: "to_imei",
        signature: "to_imei(s: string | ()) -> string | ()",
        summary: "The IMEI's digits with spaces and dashes removed, or `()` when `s` is not an IMEI (see `is_imei`).",
        examples: &[
            ex(r#"to_imei("35 209900 176148 1")"#, r#""352099001761481""#),
            ex(r#"to_imei("35-2099-00")"#, "()"),
            ex("to_imei(())", "()"),
        ],
    },
    FunctionDoc {
        name: "normalize_mac",
        signature: "normalize_mac(s: string | ()) -> string | ()",
        summary: "A MAC address as `AA:BB:CC:DD:EE:FF` from `aa:bb:…`, `aa-bb-…`, `aabb.ccdd.eeff` or `AABBCCDDEEFF`; `()` when it is not one.",
        examples: &[
            ex(r#"normalize_mac("00-11-22-aa-00-21")"#, r#""00:11:22:AA:00:21""#),
            ex(r#"normalize_mac("0011.22aa.0021")"#, r#""00:11:22:AA:00:21""#),
            ex(r#"normalize_mac("00:11:22:AA:00")"#, "()"),
            ex("normalize_mac(())", "()"),
        ],
    },
    FunctionDoc {
        name: "is_email",
        signature: "is_email(s: string | ()) -> bool",
        summary: "Whether `s` (trimmed) is shaped like an e-mail address: `local@domain.tld`, no spaces.",
        examples: &[
            ex(r#"is_email("user3@example.com")"#, "true"),
            ex(r#"is_email("user3")"#, "false"),
            ex("is_email(())", "false"),
        ],
    },
    FunctionDoc {
        name: "parse_miradore_date",
        signature: "parse_miradore_date(s: string | ()) -> string | ()",
        summary: "Miradore's `dd.MM.yyyy HH:mm:ss` (also `HH.mm.ss`, a date alone, or `yyyy-MM-dd HH:mm:ss`) as ISO 8601 `yyyy-MM-ddTHH:mm:ss` without a zone (a date alone gives midnight). Year 1 (`01.01.0001`, `0001-01-01`) means never and gives `()`, as does an invalid date.",
        examples: &[
            ex(r#"parse_miradore_date("28.07.2023 13:57:54")"#, r#""2023-07-28T13:57:54""#),
            ex(r#"parse_miradore_date("22.09.2026 10.15.00")"#, r#""2026-09-22T10:15:00""#),
            ex(r#"parse_miradore_date("29.02.2023")"#, "()"),
            ex("parse_miradore_date(())", "()"),
        ],
    },
    FunctionDoc {
        name: "parse_int",
        signature: "parse_int(s: string | ()) -> int | ()",
        summary: "The integer in `s` (trimmed), or `()`. Replaces Rhai's `parse_int`, which throws.",
        examples: &[
            ex(r#"parse_int(" 128000000000 ")"#, "128000000000"),
            ex(r#"parse_int("12 GB")"#, "()"),
            ex("parse_int(())", "()"),
        ],
    },
    FunctionDoc {
        name: "parse_float",
        signature: "parse_float(s: string | ()) -> float | ()",
        summary: "The decimal number in `s` (trimmed, `.` as decimal point), or `()`. Replaces Rhai's `parse_float`, which throws.",
        examples: &[
            ex(r#"parse_float("60.1699")"#, "60.1699"),
            ex(r#"parse_float("60,1699")"#, "()"),
            ex("parse_float(())", "()"),
        ],
    },
    FunctionDoc {
        name: "parse_bool",
        signature: "parse_bool(s: string | ()) -> bool | ()",
        summary: "`true` for `true`, `yes`, `1`, `on`; `false` for `false`, `no`, `0`, `off` (any case, trimmed); otherwise `()`.",
        examples: &[
            ex(r#"parse_bool("Yes")"#, "true"),
            ex(r#"parse_bool("false")"#, "false"),
            ex(r#"parse_bool("Unknown")"#, "()"),
            ex("parse_bool(())", "()"),
        ],
    },
];
