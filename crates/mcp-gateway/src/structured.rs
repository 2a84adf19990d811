//! A tool's `structuredContent`, kept as the JSON text the server wrote.
//!
//! The read-only fast path passes a `resources_get` object (several KB) from
//! the server to a socket client without looking into it. Building a
//! `serde_json::Value` tree of it, dropping it and serializing it again was a
//! fifth of the daemon's work on that path (docs/benchmarks.md, "Daemon"), so
//! the object stays text and is parsed only when someone reads into it (a
//! playbook, an answer shaped for a question), once.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// `structuredContent` as JSON text, with its parsed form made on first use.
#[derive(Clone)]
pub struct StructuredContent {
    /// The JSON, as the server wrote it (already redacted).
    json: Box<RawValue>,
    /// `json` parsed, once someone asked for it.
    parsed: OnceLock<Value>,
}

impl StructuredContent {
    /// Keeps JSON that is known to be valid (a [`RawValue`] only holds that).
    pub(crate) fn from_raw(json: Box<RawValue>) -> Self {
        Self {
            json,
            parsed: OnceLock::new(),
        }
    }

    /// Structured content made from a value (tests, answers built by kubeop).
    pub fn from_value(value: Value) -> Self {
        let json = serde_json::value::to_raw_value(&value)
            .expect("a Value always serializes: its map keys are strings");
        Self {
            json,
            parsed: OnceLock::from(value),
        }
    }

    /// The JSON text.
    pub fn json(&self) -> &str {
        self.json.get()
    }

    /// The parsed value (parsed on the first call).
    pub fn value(&self) -> &Value {
        self.parsed.get_or_init(|| parse(&self.json))
    }

    /// The parsed value, owned.
    pub fn into_value(self) -> Value {
        match self.parsed.into_inner() {
            Some(value) => value,
            None => parse(&self.json),
        }
    }

    /// The value under `key` when this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.value().get(key)
    }

    /// Whether this is a JSON object (an object or a list of objects the
    /// server read), told from the text without parsing it.
    pub fn is_object(&self) -> bool {
        self.json().starts_with('{')
    }
}

/// A [`RawValue`] holds valid JSON, which parses unless it nests deeper than
/// serde_json's recursion limit (128 levels); no Kubernetes object does, and
/// such content reads as `Null` (the gateway drops it before it gets here
/// when it has to look into it to redact).
fn parse(json: &RawValue) -> Value {
    serde_json::from_str(json.get()).unwrap_or(Value::Null)
}

impl fmt::Debug for StructuredContent {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.json())
    }
}

impl PartialEq for StructuredContent {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json() || self.value() == other.value()
    }
}

impl Serialize for StructuredContent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for StructuredContent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Self::from_raw)
    }
}

impl From<Value> for StructuredContent {
    fn from(value: Value) -> Self {
        Self::from_value(value)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(json: &str) -> StructuredContent {
        StructuredContent::from_raw(RawValue::from_string(json.to_owned()).expect("valid JSON"))
    }

    #[test]
    fn the_server_text_is_passed_on_as_written_and_parsed_when_read() {
        let text = r#"{"kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3}}"#;
        let content = read(text);
        assert_eq!(serde_json::to_string(&content).expect("serializes"), text);
        assert!(content.is_object());
        assert_eq!(content.get("kind"), Some(&json!("Deployment")));
        assert_eq!(content.value()["spec"]["replicas"], 3);
        assert_eq!(content.into_value()["metadata"]["name"], "web");
    }

    #[test]
    fn it_reads_back_from_a_line_and_from_a_value() {
        let answer = json!({"structured": {"items": [{"name": "a"}]}});
        #[derive(Deserialize)]
        struct Answer {
            structured: StructuredContent,
        }
        let from_line: Answer = serde_json::from_str(&answer.to_string()).expect("reads from text");
        let from_value: Answer = serde_json::from_value(answer).expect("reads from a value");
        assert_eq!(from_line.structured, from_value.structured);
        assert_eq!(from_value.structured.value()["items"][0]["name"], "a");
        assert!(!read("[1]").is_object());
    }
}
