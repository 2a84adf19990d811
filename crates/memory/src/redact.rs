//! A last line of defence against storing Secret values in the operations log.
//!
//! Arguments reach memory **already redacted by the caller**: the gateway owns
//! redaction of cluster data, because it is the one place that sees every tool
//! call. Memory still refuses to persist the obvious case — a Secret manifest
//! passed to `resources_create_or_update` — because the log outlives the
//! request and is readable as Markdown. The values under `data` and
//! `stringData` become `<redacted: N bytes>` (N is the decoded size), keys stay
//! so the log still says *which* keys changed.
//!
//! Covered, and tested: Secret objects anywhere in a JSON value (including
//! `List` items), JSON text in a string argument, and top-level Secret
//! documents of (multi-document) YAML text with plain, quoted and block-scalar
//! values or an inline flow map. Anything subtler is the gateway's job.

use serde_json::Value;

/// Redacts the values of every Secret manifest found in `arguments`, in place.
pub fn redact_secrets(arguments: &mut Value) {
    match arguments {
        Value::Object(map) => {
            if map.get("kind").and_then(Value::as_str) == Some("Secret") {
                for field in ["data", "stringData"] {
                    if let Some(values) = map.get_mut(field) {
                        redact_secret_values(values, field == "data");
                    }
                }
            }
            map.values_mut().for_each(redact_secrets);
        }
        Value::Array(items) => items.iter_mut().for_each(redact_secrets),
        Value::String(text) if text.contains("Secret") => {
            if let Some(redacted) = redact_manifest_text(text) {
                *text = redacted;
            }
        }
        _ => {}
    }
}

/// The placeholder stored instead of a secret value of `len` bytes.
fn placeholder(len: usize) -> String {
    format!("<redacted: {len} bytes>")
}

fn redact_secret_values(values: &mut Value, base64_encoded: bool) {
    match values {
        Value::Object(entries) => {
            for value in entries.values_mut() {
                let len = match &*value {
                    Value::String(text) if base64_encoded => decoded_len(text),
                    Value::String(text) => text.len(),
                    other => other.to_string().len(),
                };
                *value = Value::String(placeholder(len));
            }
        }
        Value::Null => {}
        other => *other = Value::String(placeholder(other.to_string().len())),
    }
}

/// The number of bytes a base64 text decodes to (its length when it is not
/// base64: an over- or under-estimate is harmless, a leak is not).
fn decoded_len(text: &str) -> usize {
    let significant: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    let padding = significant
        .iter()
        .rev()
        .take_while(|&&byte| byte == b'=')
        .count();
    if !significant.len().is_multiple_of(4) || padding > 2 {
        return text.len();
    }
    significant.len() / 4 * 3 - padding
}

/// Redacted text of a manifest given as JSON or YAML text, or `None` when the
/// text holds no Secret (so unrelated strings are never rewritten).
fn redact_manifest_text(text: &str) -> Option<String> {
    if let Ok(mut parsed) = serde_json::from_str::<Value>(text)
        && parsed.is_object()
    {
        let original = parsed.clone();
        redact_secrets(&mut parsed);
        return (parsed != original).then(|| parsed.to_string());
    }
    let redacted = redact_yaml_secrets(text);
    (redacted != text).then_some(redacted)
}

/// Line-based redaction of top-level Secret documents in YAML text.
fn redact_yaml_secrets(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut document: Vec<&str> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            output.push_str(&redact_yaml_document(&document));
            output.push_str(line);
            document.clear();
        } else {
            document.push(line);
        }
    }
    output.push_str(&redact_yaml_document(&document));
    output
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn unquote(value: &str) -> &str {
    value
        .trim()
        .trim_matches(|quote| quote == '"' || quote == '\'')
}

/// The value after `key:` on a top-level line, if the line is that key.
fn top_level_value<'line>(line: &'line str, key: &str) -> Option<&'line str> {
    let rest = line.strip_prefix(key)?.strip_prefix(':')?;
    let value = rest.split(" #").next().unwrap_or_default();
    Some(value.trim())
}

fn redact_yaml_document(lines: &[&str]) -> String {
    let is_secret = lines
        .iter()
        .any(|line| top_level_value(line, "kind").is_some_and(|kind| unquote(kind) == "Secret"));
    if !is_secret {
        return lines.concat();
    }
    let mut output = String::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        index += 1;
        let field = ["data", "stringData"]
            .into_iter()
            .find_map(|key| top_level_value(line, key).map(|value| (key, value)));
        let Some((field, inline)) = field else {
            output.push_str(line);
            continue;
        };
        let base64_encoded = field == "data";
        if !inline.is_empty() {
            // A flow map (`data: {a: b}`) or a scalar: the whole value goes.
            let redacted = if inline == "{}" {
                inline.to_owned()
            } else {
                placeholder(inline.len())
            };
            output.push_str(&format!("{field}: {redacted}\n"));
            continue;
        }
        output.push_str(line);
        // The block of entries: every following line indented deeper than 0
        // (blank lines included) belongs to this map.
        let mut entry_indent = None;
        while index < lines.len() {
            let entry = lines[index];
            if !entry.trim().is_empty() && indentation(entry) == 0 {
                break;
            }
            index += 1;
            let indent = indentation(entry);
            if entry.trim().is_empty() || entry.trim_start().starts_with('#') {
                output.push_str(entry);
                continue;
            }
            let entry_indent = *entry_indent.get_or_insert(indent);
            if indent > entry_indent {
                // A continuation line of a block scalar: already counted.
                continue;
            }
            let body = entry.trim_end_matches(['\n', '\r']);
            let (key, value) = match body.split_once(": ") {
                Some((key, value)) => (key, value.trim()),
                None => (body.trim_end_matches(':'), ""),
            };
            let len = if value.starts_with('|') || value.starts_with('>') || value.is_empty() {
                // A block scalar: its value is the deeper-indented lines below.
                let mut block = String::new();
                for continuation in &lines[index..] {
                    if !continuation.trim().is_empty() && indentation(continuation) <= entry_indent
                    {
                        break;
                    }
                    block.push_str(continuation.trim());
                }
                if base64_encoded {
                    decoded_len(&block)
                } else {
                    block.len()
                }
            } else if base64_encoded {
                decoded_len(unquote(value))
            } else {
                unquote(value).len()
            };
            output.push_str(&format!("{key}: {}\n", placeholder(len)));
        }
    }
    output
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secret_objects_lose_their_values_but_keep_their_keys() {
        let mut arguments = json!({
            "resource": {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "db", "namespace": "shop"},
                "data": {"password": "aHVudGVyMg=="},
                "stringData": {"user": "admin"}
            }
        });
        redact_secrets(&mut arguments);
        assert_eq!(
            arguments,
            json!({
                "resource": {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": "db", "namespace": "shop"},
                    "data": {"password": "<redacted: 7 bytes>"},
                    "stringData": {"user": "<redacted: 5 bytes>"}
                }
            })
        );
    }

    #[test]
    fn secrets_inside_lists_and_json_text_are_redacted() {
        let list = json!({"kind": "List", "items": [
            {"kind": "Secret", "data": {"token": "c2VjcmV0"}},
            {"kind": "ConfigMap", "data": {"color": "blue"}}
        ]});
        let mut arguments = json!({"resource": list.to_string()});
        redact_secrets(&mut arguments);
        let stored: Value =
            serde_json::from_str(arguments["resource"].as_str().expect("still text"))
                .expect("still JSON");
        assert_eq!(stored["items"][0]["data"]["token"], "<redacted: 6 bytes>");
        assert_eq!(stored["items"][1]["data"]["color"], "blue");
    }

    #[test]
    fn yaml_secret_documents_are_redacted_and_other_documents_kept() {
        let yaml = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
---
apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: aHVudGVyMg==
  \"tls.key\": |
    LS0tLS1CRUdJTi
    BLRVktLS0tLQ==

stringData:
  user: 'admin'
type: Opaque
";
        let mut arguments = json!({"resource": yaml});
        redact_secrets(&mut arguments);
        let stored = arguments["resource"].as_str().expect("still text");
        assert_eq!(
            stored,
            "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
---
apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: <redacted: 7 bytes>
  \"tls.key\": <redacted: 19 bytes>

stringData:
  user: <redacted: 5 bytes>
type: Opaque
"
        );
        assert!(!stored.contains("aHVudGVyMg"));
        assert!(!stored.contains("admin"));
    }

    #[test]
    fn yaml_flow_maps_are_redacted_whole() {
        let mut arguments = json!({"resource": "kind: Secret\ndata: {password: aHVudGVyMg==}\n"});
        redact_secrets(&mut arguments);
        assert_eq!(
            arguments["resource"],
            "kind: Secret\ndata: <redacted: 24 bytes>\n"
        );
    }

    #[test]
    fn arguments_without_secrets_are_untouched() {
        let original = json!({
            "resource": "kind: ConfigMap\ndata:\n  note: mentions a Secret by name\n",
            "command": ["echo", "Secret"],
            "scale": 3
        });
        let mut arguments = original.clone();
        redact_secrets(&mut arguments);
        assert_eq!(arguments, original);
    }
}
