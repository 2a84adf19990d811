//! A minimal reader of the Kubernetes protobuf envelope, for the few request
//! bodies real clients send as protobuf (access reviews, typed deletes).
//!
//! Answering 415 to those bodies does not make the clients retry in JSON (the
//! access review then counts as "denied"), so the few fields the simulator
//! needs are read by hand: magic `k8s\0`, then a `runtime.Unknown` whose
//! field 2 holds the object's own protobuf encoding.

/// The four bytes every Kubernetes protobuf body starts with.
pub const MAGIC: &[u8] = b"k8s\0";

/// Why a protobuf body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The body does not start with `k8s\0`.
    #[error("the body does not start with the Kubernetes protobuf magic")]
    MissingMagic,
    /// A varint, length or field runs past the end of the body.
    #[error("the protobuf message is truncated")]
    Truncated,
    /// A wire type this reader does not know (groups, or garbage).
    #[error("unsupported protobuf wire type {0}")]
    UnsupportedWireType(u8),
}

/// One field value on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireValue<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 2: bytes, strings and embedded messages.
    Bytes(&'a [u8]),
    /// Wire types 1 and 5, skipped.
    Fixed,
}

/// The fields of one message, in wire order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message<'a> {
    fields: Vec<(u32, WireValue<'a>)>,
}

fn read_varint(data: &[u8], position: &mut usize) -> Result<u64, DecodeError> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *data.get(*position).ok_or(DecodeError::Truncated)?;
        *position += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(DecodeError::Truncated)
}

impl<'a> Message<'a> {
    /// Reads all fields of a message.
    pub fn parse(data: &'a [u8]) -> Result<Self, DecodeError> {
        let mut fields = Vec::new();
        let mut position = 0;
        while position < data.len() {
            let tag = read_varint(data, &mut position)?;
            let number = u32::try_from(tag >> 3).map_err(|_| DecodeError::Truncated)?;
            let wire_type = (tag & 0x7) as u8;
            let value = match wire_type {
                0 => WireValue::Varint(read_varint(data, &mut position)?),
                2 => {
                    let length = usize::try_from(read_varint(data, &mut position)?)
                        .map_err(|_| DecodeError::Truncated)?;
                    let end = position
                        .checked_add(length)
                        .filter(|end| *end <= data.len())
                        .ok_or(DecodeError::Truncated)?;
                    let bytes = &data[position..end];
                    position = end;
                    WireValue::Bytes(bytes)
                }
                1 | 5 => {
                    let width = if wire_type == 1 { 8 } else { 4 };
                    position = position
                        .checked_add(width)
                        .filter(|end| *end <= data.len())
                        .ok_or(DecodeError::Truncated)?;
                    WireValue::Fixed
                }
                other => return Err(DecodeError::UnsupportedWireType(other)),
            };
            fields.push((number, value));
        }
        Ok(Self { fields })
    }

    /// The last occurrence of a length-delimited field (protobuf's "last one wins").
    pub fn bytes(&self, number: u32) -> Option<&'a [u8]> {
        self.fields
            .iter()
            .rev()
            .find_map(|(field, value)| match value {
                WireValue::Bytes(bytes) if *field == number => Some(*bytes),
                _ => None,
            })
    }

    /// A string field; `""` when absent or not UTF-8.
    pub fn string(&self, number: u32) -> String {
        self.bytes(number)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// An embedded message; empty when absent.
    pub fn message(&self, number: u32) -> Result<Message<'a>, DecodeError> {
        self.bytes(number)
            .map_or_else(|| Ok(Message::default()), Message::parse)
    }

    /// Every occurrence of a field, in wire order (repeated fields and map entries).
    pub fn all(&self, number: u32) -> impl Iterator<Item = WireValue<'a>> + '_ {
        self.fields
            .iter()
            .filter(move |(field, _)| *field == number)
            .map(|(_, value)| *value)
    }

    /// A varint field.
    pub fn varint(&self, number: u32) -> Option<u64> {
        self.fields
            .iter()
            .rev()
            .find_map(|(field, value)| match value {
                WireValue::Varint(value) if *field == number => Some(*value),
                _ => None,
            })
    }
}

/// The object inside a `k8s\0` + `runtime.Unknown` body, with its `apiVersion` and `kind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// `typeMeta.apiVersion`.
    pub api_version: String,
    /// `typeMeta.kind`.
    pub kind: String,
    /// The object's own protobuf message.
    pub object: Message<'a>,
}

/// Unwraps a Kubernetes protobuf body.
pub fn envelope(body: &[u8]) -> Result<Envelope<'_>, DecodeError> {
    let inner = body.strip_prefix(MAGIC).ok_or(DecodeError::MissingMagic)?;
    let unknown = Message::parse(inner)?;
    let type_meta = unknown.message(1)?;
    Ok(Envelope {
        api_version: type_meta.string(1),
        kind: type_meta.string(2),
        object: unknown.message(2)?,
    })
}

/// Test helpers that encode protobuf, shared by the unit tests of the modules
/// that read protobuf bodies.
#[cfg(test)]
pub mod encode {
    fn varint(mut value: u64, out: &mut Vec<u8>) {
        while value >= 0x80 {
            out.push((value as u8) | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }

    /// A length-delimited field.
    pub fn bytes(number: u32, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        varint(u64::from(number) << 3 | 2, &mut out);
        varint(data.len() as u64, &mut out);
        out.extend_from_slice(data);
        out
    }

    /// A varint field.
    pub fn number(number: u32, value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        varint(u64::from(number) << 3, &mut out);
        varint(value, &mut out);
        out
    }

    /// `k8s\0` + runtime.Unknown around `object`.
    pub fn envelope(api_version: &str, kind: &str, object: &[u8]) -> Vec<u8> {
        let type_meta = [bytes(1, api_version.as_bytes()), bytes(2, kind.as_bytes())].concat();
        let mut out = super::MAGIC.to_vec();
        out.extend(bytes(1, &type_meta));
        out.extend(bytes(2, object));
        out.extend(bytes(4, b"application/vnd.kubernetes.protobuf"));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_envelope_and_nested_strings() {
        let inner = [
            encode::bytes(2, &encode::bytes(1, b"prod")),
            encode::number(3, 300),
        ]
        .concat();
        let body = encode::envelope("authorization.k8s.io/v1", "SelfSubjectRulesReview", &inner);
        let envelope = envelope(&body).expect("valid body");
        assert_eq!(envelope.api_version, "authorization.k8s.io/v1");
        assert_eq!(envelope.kind, "SelfSubjectRulesReview");
        assert_eq!(envelope.object.message(2).expect("spec").string(1), "prod");
        assert_eq!(envelope.object.varint(3), Some(300));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(
            envelope(b"{\"json\": true}"),
            Err(DecodeError::MissingMagic)
        );
        assert_eq!(envelope(b"k8s\0\x0a\xff"), Err(DecodeError::Truncated));
        assert!(envelope(b"k8s\0\x0b").is_err());
    }
}
