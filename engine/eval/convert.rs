//! Eval: converting between record values (JSON) and Rhai values, only for what a rule reads.

use rhai::{Array, Dynamic};
use serde_json::Value;

/// A record value as a Rhai value: text stays text; objects become maps.
pub fn to_dynamic(value: &Value) -> Dynamic {
    match value {
        Value::String(text) => Dynamic::from(rhai::ImmutableString::from(text.as_str())),
        Value::Null => Dynamic::UNIT,
        Value::Bool(flag) => Dynamic::from(*flag),
        Value::Number(number) => Dynamic::from(number.to_string()),
        Value::Array(items) => Dynamic::from_array(items.iter().map(to_dynamic).collect::<Array>()),
        Value::Object(_) => rhai::serde::to_dynamic(value).unwrap_or(Dynamic::UNIT),
    }
}

/// A rule result as an attribute value: `()` and empty text are absent; numbers, booleans and
/// characters become text; arrays and maps are not attribute values (`Err` names the type).
pub fn to_text(value: Dynamic) -> Result<Option<String>, &'static str> {
    if value.is_unit() {
        return Ok(None);
    }
    if value.is_string() {
        let text = value.into_immutable_string().unwrap_or_default();
        return Ok((!text.trim().is_empty()).then(|| text.to_string()));
    }
    if value.is_int() || value.is_float() || value.is_bool() || value.is_char() {
        return Ok(Some(value.to_string()));
    }
    Err(value.type_name())
}
