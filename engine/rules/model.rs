//! Load: the [`RuleSet`], a rules file as written, every node with its span, no semantics yet.
//!
//! These types also generate `schemas/rules.schema.json` (through schemars), so the schema that
//! editors complete with cannot drift from what the loader accepts.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use schemars::JsonSchema;
use serde_saphyr::granit_parser::ScalarStyle;

use crate::diag::SourceFile;

/// The only rules format version this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// A value with the byte span it was written at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Range<usize>,
}

/// Source text embedded in a rules file (a Rhai expression or a JSONPath selector), with enough
/// to map positions inside it back to the file.
#[derive(Debug, Clone)]
pub struct Embedded {
    /// The decoded text.
    pub text: String,
    /// The whole scalar's span.
    pub span: Range<usize>,
    /// How the scalar was written.
    pub style: ScalarStyle,
}

/// A mapping: a rules file, as written.
#[derive(Debug, Clone, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "mapper rules",
    description = "A mapper rules file: how Miradore MDM device records become MMS operations. See docs/rules.md."
)]
pub struct RuleSet {
    /// The file it was read from.
    #[schemars(skip)]
    pub file: Arc<SourceFile>,
    /// Format version; must be 1.
    #[schemars(with = "u32")]
    pub version: Spanned<u32>,
    /// What this rule set is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Settings for reading Miradore.
    #[serde(default)]
    pub source: SourceSettings,
    /// Named values taken from each device record, in order; expressions see earlier fields.
    #[schemars(with = "BTreeMap<String, FieldRule>")]
    pub fields: Vec<(Spanned<String>, FieldRule)>,
    /// Exclusion rules: the first that matches skips the device with its reason.
    #[serde(default)]
    pub filter: Vec<FilterRule>,
    /// Identity keys, in order of preference: the first valid value identifies the device.
    pub identity: Vec<IdentityRule>,
    /// When true, the device is retired in MMS instead of imported.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub retired: Option<Embedded>,
    /// Hardware inventory: MMS attribute name -> expression.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub hardware: Vec<(Spanned<String>, Embedded)>,
    /// Software inventory.
    #[serde(default)]
    pub software: Option<SoftwareRule>,
    /// Asset attributes (location, responsible person, others): MMS attribute name -> expression.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub attributes: Vec<(Spanned<String>, Embedded)>,
    /// Which operations are produced, and when.
    pub operations: OperationsRule,
}

/// How to read Miradore.
#[derive(Debug, Clone, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    /// Devices per page of the device query (default 200).
    #[serde(default)]
    pub page_size: Option<u32>,
    /// Attributes to request in addition to those the selectors reference, as `Item.Attribute`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub select: Vec<Spanned<String>>,
    /// The separate software-inventory query.
    #[serde(default)]
    pub software: Option<SoftwareQuery>,
}

/// The software-inventory query: device ID plus application attributes, in small pages.
#[derive(Debug, Clone, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SoftwareQuery {
    /// Devices per page (default 25: a device with its applications is about 40 KB).
    #[serde(default)]
    pub page_size: Option<u32>,
    /// Application attributes to request, as `InvApplication.Attribute`.
    #[schemars(with = "Vec<String>")]
    pub select: Vec<Spanned<String>>,
}

/// Where a field's value comes from: exactly one key.
#[derive(Debug, Clone, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldRule {
    /// A JSONPath selector that must find exactly one value.
    #[schemars(with = "String")]
    One(Embedded),
    /// A JSONPath selector that finds one value or none.
    #[schemars(with = "String")]
    Optional(Embedded),
    /// A JSONPath selector that finds any number of values (an array).
    #[schemars(with = "String")]
    Many(Embedded),
    /// A Rhai expression over earlier fields.
    #[schemars(with = "String")]
    Expr(Embedded),
}

/// Skips a device when `exclude` is true.
#[derive(Debug, Clone, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterRule {
    /// Rhai expression; true skips the device.
    #[schemars(with = "String")]
    pub exclude: Embedded,
    /// Why, as counted in the summary.
    #[schemars(with = "String")]
    pub reason: Spanned<String>,
}

/// One identity key.
#[derive(Debug, Clone, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityRule {
    /// The kind of identifier, e.g. `serial`, `imei`.
    #[schemars(with = "String")]
    pub kind: Spanned<String>,
    /// Rhai expression giving the identifier, or `()` when there is none.
    #[schemars(with = "String")]
    pub value: Embedded,
    /// Optional extra check: a Rhai expression over `value` that must be true.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub valid: Option<Embedded>,
}

/// Software inventory: one entry per element that `each` selects.
#[derive(Debug, Clone, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SoftwareRule {
    /// JSONPath selecting the applications in the device record.
    #[schemars(with = "String")]
    pub each: Embedded,
    /// Named values taken from each application (selectors are relative to it).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, FieldRule>")]
    pub fields: Vec<(Spanned<String>, FieldRule)>,
    /// Expression for the application name; an application without one is left out.
    #[schemars(with = "String")]
    pub name: Embedded,
    /// Expression for the version; `()` is normal.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub version: Option<Embedded>,
    /// Expression for the identifier (bundle or package id); `()` is normal.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub identifier: Option<Embedded>,
}

/// The operations a device can produce. A missing key means that operation is never produced.
#[derive(Debug, Clone, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationsRule {
    /// Import hardware and software inventory.
    #[serde(default)]
    pub import_inventory: Option<OperationRule>,
    /// Set the attributes (location, responsible person, ...).
    #[serde(default)]
    pub set_attributes: Option<OperationRule>,
    /// Activate the asset.
    #[serde(default)]
    pub activate: Option<OperationRule>,
    /// Retire the asset (devices for which `retired` is true).
    #[serde(default)]
    pub retire: Option<OperationRule>,
}

/// When an operation is produced.
#[derive(Debug, Clone, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationRule {
    /// Rhai expression; the operation is produced when it is true (always, when absent).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<Embedded>,
}

/// The JSON Schema of rules files, as written to `schemas/rules.schema.json`.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(RuleSet)).unwrap_or_default()
}
