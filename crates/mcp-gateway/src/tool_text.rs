//! A tool's text content, kept as the JSON string the server wrote.
//!
//! A read's answer is text the server escaped into its JSON line (a
//! several-KB YAML object: a newline and often a quote every few words).
//! The read-only fast path passes it to a socket client as it came; decoding
//! every escape only to encode them all again was a quarter of the daemon's
//! work per read (docs/benchmarks.md, "Daemon"). So the text keeps the
//! server's JSON string, decodes it the first time someone reads it, and is
//! written out as the server's JSON string while nobody replaced it.

use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Text content: the server's JSON string literal and/or the decoded text.
#[derive(Clone, Default)]
pub struct ToolText {
    /// The JSON string literal (quotes included) the server wrote, while this
    /// is still exactly that text.
    json: Option<Box<RawValue>>,
    /// The decoded text, made on first read (or given).
    text: OnceLock<String>,
}

impl ToolText {
    /// Text read from the server as the JSON string literal `json` (the
    /// lane reads only string literals here).
    pub(crate) fn from_json(json: Box<RawValue>) -> Self {
        Self {
            json: Some(json),
            text: OnceLock::new(),
        }
    }

    /// The server's JSON string literal, while this text is still that.
    pub(crate) fn json(&self) -> Option<&str> {
        self.json.as_deref().map(RawValue::get)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        self.text.get_or_init(|| match &self.json {
            Some(json) => decode(json),
            None => String::new(),
        })
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        match (self.text.into_inner(), self.json) {
            (Some(text), _) => text,
            (None, Some(json)) => decode(&json),
            (None, None) => String::new(),
        }
    }
}

/// A JSON string literal's text. The lane keeps only literals serde_json read
/// as strings, so this always decodes; an empty text stands for the one
/// impossible case rather than a panic.
fn decode(json: &RawValue) -> String {
    serde_json::from_str(json.get()).unwrap_or_default()
}

impl Deref for ToolText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for ToolText {
    fn from(text: String) -> Self {
        Self {
            json: None,
            text: OnceLock::from(text),
        }
    }
}

impl From<&str> for ToolText {
    fn from(text: &str) -> Self {
        Self::from(text.to_owned())
    }
}

impl From<ToolText> for String {
    fn from(text: ToolText) -> Self {
        text.into_string()
    }
}

impl fmt::Display for ToolText {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Debug for ToolText {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), formatter)
    }
}

impl PartialEq for ToolText {
    fn eq(&self, other: &Self) -> bool {
        match (self.json(), other.json()) {
            (Some(mine), Some(theirs)) if mine == theirs => true,
            _ => self.as_str() == other.as_str(),
        }
    }
}

impl Eq for ToolText {}

impl PartialEq<str> for ToolText {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ToolText {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for ToolText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.json {
            Some(json) => json.serialize(serializer),
            None => self.as_str().serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ToolText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> ToolText {
        ToolText::from_json(RawValue::from_string(json.to_owned()).expect("a JSON string"))
    }

    #[test]
    fn the_server_string_is_written_as_it_came_and_decoded_when_read() {
        let json = r#""kind: Deployment\nmetadata:\n  name: \"web\"\n""#;
        let text = read(json);
        assert_eq!(serde_json::to_string(&text).expect("serializes"), json);
        assert_eq!(&*text, "kind: Deployment\nmetadata:\n  name: \"web\"\n");
        assert!(text.contains("name: \"web\""));
        assert_eq!(text, "kind: Deployment\nmetadata:\n  name: \"web\"\n");
        assert_eq!(
            text.into_string(),
            "kind: Deployment\nmetadata:\n  name: \"web\"\n"
        );
    }

    #[test]
    fn text_made_here_is_encoded_and_reads_back() {
        let text = ToolText::from("a \"b\"\nc".to_owned());
        let line = serde_json::to_string(&text).expect("serializes");
        assert_eq!(line, r#""a \"b\"\nc""#);
        let back: ToolText = serde_json::from_str(&line).expect("reads back");
        assert_eq!(back, text);
        assert_eq!(back, read(&line));
        assert_eq!(format!("{back}"), "a \"b\"\nc");
    }
}
