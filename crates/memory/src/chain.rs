//! The hash chain: how a record becomes a journal line and how a line proves
//! it was not altered.
//!
//! A journal line is the JSON object `{"seq","prev_hash","record","hash"}`.
//! `hash` is SHA-256 over a domain tag and the canonical encoding of
//! `{"seq","prev_hash","record"}`; `prev_hash` is the previous line's `hash`
//! (all zeros for the first record ever written). The record is encoded as
//! `canonical-json` (serde_json's compact output with object keys sorted at
//! every depth), so the same record always hashes the same, and a line is
//! accepted only if re-encoding it gives back exactly its bytes: whitespace,
//! key order or an unknown field added by hand all count as an edit.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::record::Record;

/// Separates kubeop's journal hashes from any other SHA-256 use of the same
/// bytes, and names the encoding version.
const HASH_DOMAIN: &[u8] = b"kubeop-memory-journal-v1\n";

/// A SHA-256 link of the chain, written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHash([u8; 32]);

impl ChainHash {
    /// The `prev_hash` of the very first record.
    pub const GENESIS: ChainHash = ChainHash([0; 32]);

    fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 lowercase hex digits (uppercase is refused so that every
    /// hash has exactly one spelling, as the canonical encoding requires).
    fn from_hex(text: &str) -> Option<Self> {
        if text.bytes().any(|byte| byte.is_ascii_uppercase()) {
            return None;
        }
        let mut hash = [0u8; 32];
        hex::decode_to_slice(text, &mut hash).ok()?;
        Some(Self(hash))
    }
}

impl fmt::Display for ChainHash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ChainHash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "ChainHash({self})")
    }
}

impl Serialize for ChainHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for ChainHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ChainHash::from_hex(&text)
            .ok_or_else(|| serde::de::Error::custom("a chain hash is 64 lowercase hex digits"))
    }
}

/// A record as stored: its place in the chain and its proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the journal, 1 for the first record ever written, no gaps.
    pub seq: u64,
    /// The `hash` of the record before this one.
    pub prev_hash: ChainHash,
    /// What was recorded.
    pub record: Record,
    /// SHA-256 over this entry's `seq`, `prev_hash` and `record`.
    pub hash: ChainHash,
}

/// Why a line is not a valid entry on its own (independent of its neighbours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineDefect {
    /// Not an entry at all (truncated, not JSON, wrong fields).
    Unparseable(String),
    /// An entry (claiming `seq`), but its bytes are not the canonical
    /// encoding of its content.
    NotCanonical {
        /// The seq the line claims.
        seq: u64,
    },
    /// An entry (claiming `seq`) whose content does not match its `hash`.
    HashMismatch {
        /// The seq the line claims.
        seq: u64,
    },
}

impl fmt::Display for LineDefect {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineDefect::Unparseable(reason) => write!(formatter, "not a journal entry ({reason})"),
            LineDefect::NotCanonical { .. } => {
                formatter.write_str("bytes differ from the canonical encoding")
            }
            LineDefect::HashMismatch { .. } => {
                formatter.write_str("content does not match its hash")
            }
        }
    }
}

/// The record in the `canonical-json` encoding (keys sorted at every depth),
/// so the same record always hashes the same whatever order its maps were
/// built in.
fn canonical_record(record: &Record) -> String {
    canonical_json::to_string(
        &serde_json::to_value(record).expect("a Record always serializes to JSON"),
    )
}

/// The hashed part of an entry, `{"seq","prev_hash","record"}`, in that order.
fn hashed_part(seq: u64, prev_hash: &ChainHash, canonical_record: &str) -> String {
    format!("{{\"seq\":{seq},\"prev_hash\":\"{prev_hash}\",\"record\":{canonical_record}}}")
}

fn hash_of(seq: u64, prev_hash: &ChainHash, canonical_record: &str) -> ChainHash {
    let mut hasher = Sha256::new();
    hasher.update(HASH_DOMAIN);
    hasher.update(hashed_part(seq, prev_hash, canonical_record).as_bytes());
    ChainHash(hasher.finalize().into())
}

/// The full entry line (without the newline): the hashed part's fields, then
/// `hash`. Hashes are hex digits, so neither needs escaping.
fn encode(seq: u64, prev_hash: &ChainHash, canonical_record: &str, hash: &ChainHash) -> Vec<u8> {
    format!(
        "{{\"seq\":{seq},\"prev_hash\":\"{prev_hash}\",\"record\":{canonical_record},\"hash\":\"{hash}\"}}"
    )
    .into_bytes()
}

/// Chains `record` after `prev_hash` as entry number `seq`; returns the entry
/// and its line (newline included), ready to append.
pub fn seal(seq: u64, prev_hash: ChainHash, record: Record) -> (Entry, Vec<u8>) {
    let canonical = canonical_record(&record);
    let hash = hash_of(seq, &prev_hash, &canonical);
    let mut line = encode(seq, &prev_hash, &canonical, &hash);
    line.push(b'\n');
    let entry = Entry {
        seq,
        prev_hash,
        record,
        hash,
    };
    (entry, line)
}

/// Parses one line (without its newline) and checks it against its own hash.
pub fn open_line(line: &[u8]) -> Result<Entry, LineDefect> {
    let entry: Entry =
        serde_json::from_slice(line).map_err(|error| LineDefect::Unparseable(error.to_string()))?;
    let canonical = canonical_record(&entry.record);
    if encode(entry.seq, &entry.prev_hash, &canonical, &entry.hash) != line {
        return Err(LineDefect::NotCanonical { seq: entry.seq });
    }
    if hash_of(entry.seq, &entry.prev_hash, &canonical) != entry.hash {
        return Err(LineDefect::HashMismatch { seq: entry.seq });
    }
    Ok(entry)
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::*;
    use crate::record::{Event, Operation, OperationId, Target};
    use crate::time::Timestamp;

    /// A small executed-step record for tests across the crate.
    pub(crate) fn sample_record(number: u64) -> Record {
        Record {
            time: Timestamp::from_unix_millis(1_700_000_000_000 + number),
            operation_id: OperationId::new(format!("op-{number}")),
            operation: Operation::Scale,
            target: Target {
                context: Some("ctx-a".into()),
                namespace: Some("shop".into()),
                kind: "Deployment".into(),
                name: "web".into(),
            },
            event: Event::Executed {
                tool: "resources_scale".into(),
                arguments: json!({"scale": number, "name": "web", "kind": "Deployment"}),
                summary: format!("scaled to {number}"),
            },
        }
    }

    #[test]
    fn sealed_lines_open_to_the_same_entry() {
        let (entry, line) = seal(7, ChainHash::GENESIS, sample_record(7));
        assert_eq!(line.last(), Some(&b'\n'));
        let reopened = open_line(&line[..line.len() - 1]).expect("a sealed line is valid");
        assert_eq!(reopened, entry);
    }

    #[test]
    fn argument_key_order_does_not_change_the_hash() {
        let mut reordered = sample_record(1);
        reordered.event = Event::Executed {
            tool: "resources_scale".into(),
            arguments: json!({"kind": "Deployment", "name": "web", "scale": 1}),
            summary: "scaled to 1".into(),
        };
        assert_eq!(
            seal(1, ChainHash::GENESIS, sample_record(1)).0.hash,
            seal(1, ChainHash::GENESIS, reordered).0.hash
        );
    }

    #[test]
    fn any_change_to_a_line_is_detected() {
        let (_, line) = seal(3, ChainHash::GENESIS, sample_record(3));
        let text = String::from_utf8(line[..line.len() - 1].to_vec()).expect("lines are UTF-8");
        let edited = text.replace("scaled to 3", "scaled to 4");
        assert_eq!(
            open_line(edited.as_bytes()),
            Err(LineDefect::HashMismatch { seq: 3 })
        );
        let spaced = text.replacen(':', ": ", 1);
        assert_eq!(
            open_line(spaced.as_bytes()),
            Err(LineDefect::NotCanonical { seq: 3 })
        );
        let extra = text.replacen('{', "{\"note\":1,", 1);
        assert!(open_line(extra.as_bytes()).is_err());
        assert!(matches!(
            open_line(&line[..line.len() / 2]),
            Err(LineDefect::Unparseable(_))
        ));
    }

    /// Journals written by earlier builds must keep verifying: the line and
    /// hash of a record may never change. These were written by the
    /// encoding as first released.
    #[test]
    fn journal_lines_are_pinned() {
        let mut record = sample_record(2);
        record.event = Event::Executed {
            tool: "resources_create_or_update".into(),
            arguments: json!({"resource": "kind: Pod\n", "z": [1, 2.5, null, {"b": "é\"", "a": true}]}),
            summary: "applied </script>".into(),
        };
        let (entry, line) = seal(2, ChainHash::GENESIS, record);
        assert_eq!(
            entry.hash.to_string(),
            "7c8c0b83f8d29570384271667cf678e25c9d51c7ff24cf270e70738af359da55"
        );
        let pinned = concat!(
            r#"{"seq":2,"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","record":{"event":{"arguments":{"resource":"kind: Pod\n","z":[1,2.5,null,{"a":true,"b":"é\""}]},"kind":"executed","summary":"applied </script>","tool":"resources_create_or_update"},"operation":"scale","operation_id":"op-2","target":{"context":"ctx-a","kind":"Deployment","name":"web","namespace":"shop"},"time":"2023-11-14T22:13:20.002Z"},"hash":"7c8c0b83f8d29570384271667cf678e25c9d51c7ff24cf270e70738af359da55"}"#,
            "\n"
        );
        assert_eq!(String::from_utf8(line).expect("UTF-8"), pinned);
    }

    #[test]
    fn hashes_round_trip_through_hex_and_refuse_uppercase() {
        let (entry, _) = seal(1, ChainHash::GENESIS, sample_record(1));
        let hex = entry.hash.to_string();
        assert_eq!(ChainHash::from_hex(&hex), Some(entry.hash));
        assert_eq!(ChainHash::from_hex(&hex.to_uppercase()), None);
        assert_eq!(ChainHash::from_hex(&hex[1..]), None);
    }
}
