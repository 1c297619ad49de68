//! Deserializing one resource's table so that a single run reports all its type errors, and
//! the rest of the resource can still be checked.

use super::diag::{Diagnostic, Place};
use schemars::JsonSchema;
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::Deserialize;
use std::ops::Range;
use toml::de::DeValue;
use toml::Spanned;

const TYPES_HELP: &str = "see docs/config.md or schema/rdsplan.schema.json for the expected types";

/// A problem of a value's type (or a missing field), pointing at the docs.
fn type_error(file: usize, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
    Diagnostic::at(Place { file, span }, message).help(TYPES_HELP)
}

/// Decodes a table whole, reporting its first error.
pub(super) fn decode<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    file: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    T::deserialize(value.clone().into_deserializer())
        .map_err(|e| {
            let span = e.span().unwrap_or_else(|| value.span());
            diags.push(type_error(file, span, e.message().trim()));
        })
        .ok()
}

/// Decodes a resource, reporting every field of the wrong type (serde stops at the first): a
/// top-level field that fails is reported and left out, and the rest decoded again. A
/// required field left out, or missing from the file, is stood in for by a value of its type
/// from the JSON Schema (a left-out one is never reported as missing), so that the rest of the
/// resource can be checked. Where a stand-in could be what a check sees (the resource's name
/// `name_span`, the left-out fields, the table's start for a missing field) goes to
/// `doubtful`. `None` when no stand-in would do.
pub(super) fn decode_all<T: DeserializeOwned + JsonSchema>(
    value: &Spanned<DeValue<'_>>,
    file: usize,
    name_span: Range<usize>,
    diags: &mut Vec<Diagnostic>,
    doubtful: &mut Vec<Place>,
) -> Option<T> {
    let mut current = value.clone();
    let mut left_out: Vec<String> = vec![];
    let mut doubt: Vec<Range<usize>> = vec![];
    let spec = loop {
        let e = match T::deserialize(current.clone().into_deserializer()) {
            Ok(v) => break v,
            Err(e) => e,
        };
        let message = e.message().trim().to_string();
        let span = e.span().unwrap_or_else(|| value.span());
        if missing_field(&message).is_some() {
            let names: Vec<&str> = left_out.iter().map(String::as_str).collect();
            let Some((spec, missing)) = with_stand_ins::<T>(&current, &names) else {
                diags.push(type_error(file, span, message));
                return None;
            };
            for m in &missing {
                diags.push(type_error(
                    file,
                    span.clone(),
                    format!("missing field `{m}`"),
                ));
            }
            if !missing.is_empty() {
                // A check of an absent field points at the table's start.
                let start = value.span().start;
                doubt.push(start..start + 1);
            }
            break spec;
        }
        diags.push(type_error(file, span.clone(), message));
        // The top-level field the error lies in: from its key to the end of its value.
        let DeValue::Table(t) = current.get_mut() else {
            return None;
        };
        let (name, range) = t
            .iter()
            .map(|(k, v)| (k.get_ref().to_string(), k.span().start..v.span().end))
            .find(|(_, s)| s.start <= span.start && span.start < s.end)?;
        t.remove(name.as_str());
        left_out.push(name);
        doubt.push(range);
    };
    if !doubt.is_empty() {
        doubt.push(name_span);
        doubtful.extend(doubt.into_iter().map(|span| Place { file, span }));
    }
    Some(spec)
}

/// `NAME` of serde's "missing field `NAME`".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// The table's remaining fields plus a stand-in for each required one that is missing, decoded
/// through JSON (the stand-ins have no place in the file). Gives the value and the required
/// fields that are missing though not `left_out` (missing from the file itself).
fn with_stand_ins<T: DeserializeOwned + JsonSchema>(
    table: &Spanned<DeValue<'_>>,
    left_out: &[&str],
) -> Option<(T, Vec<String>)> {
    let schema = schemars::schema_for!(T);
    let mut json = serde_json::Value::deserialize(table.clone().into_deserializer()).ok()?;
    let fields = json.as_object_mut()?;
    let mut missing = vec![];
    for _ in 0..64 {
        match serde_json::from_value::<T>(serde_json::Value::Object(fields.clone())) {
            Ok(v) => return Some((v, missing)),
            Err(e) => {
                let message = e.to_string();
                let name = missing_field(&message)?;
                let property = schema.get("properties")?.get(name)?;
                fields.insert(name.to_string(), stand_in(schema.as_value(), property, 0)?);
                if !left_out.contains(&name) {
                    missing.push(name.to_string());
                }
            }
        }
    }
    None
}

/// A value of the type a schema describes: its first allowed value, or the type's zero.
fn stand_in(
    root: &serde_json::Value,
    s: &serde_json::Value,
    depth: u8,
) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    if depth > 8 {
        return None;
    }
    if let Some(r) = s.get("$ref").and_then(J::as_str) {
        let name = r.strip_prefix("#/$defs/")?;
        return stand_in(root, root.get("$defs")?.get(name)?, depth + 1);
    }
    if let Some(first) = s.get("enum").and_then(J::as_array).and_then(|e| e.first()) {
        return Some(first.clone());
    }
    if let Some(c) = s.get("const") {
        return Some(c.clone());
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = s.get(key).and_then(J::as_array).and_then(|v| v.first()) {
            return stand_in(root, first, depth + 1);
        }
    }
    let ty = match s.get("type")? {
        J::String(t) => t.as_str(),
        J::Array(ts) => ts.iter().filter_map(J::as_str).find(|t| *t != "null")?,
        _ => return None,
    };
    Some(match ty {
        "string" => J::String(String::new()),
        "integer" | "number" => J::from(0),
        "boolean" => J::Bool(false),
        "array" => J::Array(vec![]),
        "object" => J::Object(Default::default()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stand_ins_are_values_of_the_schema_type() {
        let root = json!({"$defs": {"Mode": {"type": "string", "enum": ["generated", "managed"]}}});
        let cases = [
            (json!({"type": "string"}), json!("")),
            (json!({"type": ["integer", "null"]}), json!(0)),
            (json!({"type": "boolean"}), json!(false)),
            (
                json!({"type": "array", "items": {"type": "string"}}),
                json!([]),
            ),
            (json!({"$ref": "#/$defs/Mode"}), json!("generated")),
            (
                json!({"anyOf": [{"type": "integer"}, {"type": "string"}]}),
                json!(0),
            ),
        ];
        for (schema, want) in cases {
            assert_eq!(stand_in(&root, &schema, 0), Some(want), "{schema}");
        }
        assert_eq!(stand_in(&root, &json!({"$ref": "#/$defs/Nope"}), 0), None);
        assert_eq!(missing_field("missing field `engine`"), Some("engine"));
        assert_eq!(missing_field("invalid type: integer `5`"), None);
    }
}
