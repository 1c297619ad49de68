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

/// Decodes a table whole, reporting its first error.
pub(super) fn decode<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    file: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    match T::deserialize(value.clone().into_deserializer()) {
        Ok(v) => Some(v),
        Err(e) => {
            let span = e.span().unwrap_or_else(|| value.span());
            diags.push(
                Diagnostic::at(Place { file, span }, e.message().trim().to_string())
                    .help(TYPES_HELP),
            );
            None
        }
    }
}

/// Decodes a resource, reporting every field of the wrong type (serde stops at the first): a
/// top-level field that fails is reported and left out, and the rest decoded again. A
/// required field left out is stood in for by a value of its type from the JSON Schema (never
/// reported as missing). Gives the value and the spans of the fields left out (empty when it
/// decoded whole), or `None` when no stand-in would do.
pub(super) fn decode_all<T: DeserializeOwned + JsonSchema>(
    value: &Spanned<DeValue<'_>>,
    file: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<(T, Vec<Range<usize>>)> {
    let mut current = value.clone();
    let mut left_out: Vec<(String, Range<usize>)> = vec![];
    loop {
        let e = match T::deserialize(current.clone().into_deserializer()) {
            Ok(v) => return Some((v, left_out.into_iter().map(|(_, s)| s).collect())),
            Err(e) => e,
        };
        let message = e.message().trim().to_string();
        let span = e.span().unwrap_or_else(|| value.span());
        if let Some(name) = missing_field(&message) {
            if left_out.iter().any(|(n, _)| n == name) {
                let names: Vec<&str> = left_out.iter().map(|(n, _)| n.as_str()).collect();
                let (spec, missing) = with_stand_ins::<T>(&current, &names)?;
                // Fields missing from the file are reported as serde would have; what is
                // checked of them lands at the table's start, in doubt too.
                for m in &missing {
                    diags.push(
                        Diagnostic::at(
                            Place {
                                file,
                                span: span.clone(),
                            },
                            format!("missing field `{m}`"),
                        )
                        .help(TYPES_HELP),
                    );
                }
                let mut doubt: Vec<Range<usize>> = left_out.into_iter().map(|(_, s)| s).collect();
                if !missing.is_empty() {
                    doubt.push(span.start..span.start + 1);
                }
                return Some((spec, doubt));
            }
        }
        diags.push(
            Diagnostic::at(
                Place {
                    file,
                    span: span.clone(),
                },
                message,
            )
            .help(TYPES_HELP),
        );
        // The top-level field the error lies in: from its key to the end of its value.
        let DeValue::Table(t) = current.get_mut() else {
            return None;
        };
        let field = t
            .iter()
            .map(|(k, v)| (k.get_ref().to_string(), k.span().start..v.span().end))
            .find(|(_, s)| s.start <= span.start && span.start < s.end)?;
        t.remove(field.0.as_str());
        left_out.push(field);
    }
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
