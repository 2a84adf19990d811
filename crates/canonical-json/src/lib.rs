//! Canonical JSON: the one byte encoding of a JSON value that kubeop hashes.
//!
//! Two hashes must not depend on how a map happened to be built: the plan
//! hash an approval is bound to (`hitl`) and the journal's hash chain
//! (`memory`). Both hash the encoding written here: serde_json's compact
//! output (its string escaping, its number formatting) with object keys sorted
//! by their bytes at every depth. Sorting here, rather than trusting
//! `serde_json::Map`'s order, keeps the bytes the same whether or not
//! serde_json's `preserve_order` feature is switched on anywhere in the build.
//!
//! **Invariant:** the encoding never changes: approvals pending on disk,
//! PLAN-LOCKED hand-offs and every journal ever written are verified against
//! it. The tests pin its bytes, and the crates that hash it pin their hashes.
#![forbid(unsafe_code)]

use serde_json::{Map, Value};

/// The canonical encoding of `value`.
pub fn to_string(value: &Value) -> String {
    let mut out = String::with_capacity(128);
    write(value, &mut out);
    out
}

/// Appends the canonical encoding of `value` to `out`.
pub fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => write_object(map, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::String(text) => write_string(text, out),
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Appends the canonical encoding of an object to `out`, without first
/// wrapping it in a [`Value`] (a plan's arguments are a bare map).
pub fn write_object(map: &Map<String, Value>, out: &mut String) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (index, (key, value)) in entries.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        write(value, out);
    }
    out.push('}');
}

/// Appends `text` as a JSON string, escaped exactly as serde_json escapes it.
pub fn write_string(text: &str, out: &mut String) {
    out.push_str(&Value::String(text.to_owned()).to_string());
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_are_sorted_at_every_depth_and_nothing_else_changes() {
        let value = json!({
            "z": [3, 2.5, -1, null, true, false, {"y": "é\"\n</", "b": {"d": 1, "c": 2}}],
            "a": "text",
            "é": 0,
            "B": 1
        });
        assert_eq!(
            to_string(&value),
            r#"{"B":1,"a":"text","z":[3,2.5,-1,null,true,false,{"b":{"c":2,"d":1},"y":"é\"\n</"}],"é":0}"#
        );
    }

    #[test]
    fn the_encoding_is_valid_json_of_the_same_value() {
        let value = json!({"b": [{"y": 1, "x": [2, {"q": "\u{1}"}]}], "a": 1.0e300});
        let encoded = to_string(&value);
        assert_eq!(
            serde_json::from_str::<Value>(&encoded).expect("the encoding parses"),
            value
        );
    }

    #[test]
    fn a_bare_map_encodes_as_its_object() {
        let value = json!({"tool": "t", "arguments": {"b": 1, "a": 2}});
        let mut out = String::new();
        write_object(
            value.as_object().expect("the literal is an object"),
            &mut out,
        );
        assert_eq!(out, to_string(&value));
        assert_eq!(out, r#"{"arguments":{"a":2,"b":1},"tool":"t"}"#);
    }
}
