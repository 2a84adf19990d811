//! Reading and writing the common parts of objects kept as `serde_json::Value`.
//!
//! Objects stay untyped so that any manifest a client sends survives a round
//! trip unchanged (fields the simulator does not model are kept, not dropped);
//! these helpers are the one place that knows where the metadata lives.

use serde_json::{Map, Value, json};

/// The current time as Kubernetes prints timestamps (`2026-11-25T08:45:14Z`).
pub fn now_rfc3339() -> String {
    crate::clock::rfc3339(std::time::SystemTime::now())
}

/// `metadata.name`, or `""`.
pub fn name(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or_default()
}

/// `metadata.namespace`, or `""` (cluster-scoped objects).
pub fn namespace(object: &Value) -> &str {
    object["metadata"]["namespace"].as_str().unwrap_or_default()
}

/// `metadata.uid`, or `""`.
pub fn uid(object: &Value) -> &str {
    object["metadata"]["uid"].as_str().unwrap_or_default()
}

/// `metadata.resourceVersion`, or `""`.
pub fn resource_version(object: &Value) -> &str {
    object["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default()
}

/// `metadata.labels` as string pairs (non-string values are ignored).
pub fn labels(object: &Value) -> Vec<(&str, &str)> {
    string_map(&object["metadata"]["labels"])
}

/// `metadata.annotations[key]`.
pub fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object["metadata"]["annotations"][key].as_str()
}

/// The string entries of a JSON object.
pub fn string_map(value: &Value) -> Vec<(&str, &str)> {
    value
        .as_object()
        .map(|map| {
            map.iter()
                .filter_map(|(key, value)| value.as_str().map(|value| (key.as_str(), value)))
                .collect()
        })
        .unwrap_or_default()
}

/// `metadata`, created empty when missing so callers can write into it.
pub fn metadata_mut(object: &mut Value) -> &mut Map<String, Value> {
    if !object.is_object() {
        *object = json!({});
    }
    let root = object
        .as_object_mut()
        .expect("the object was just made a JSON object");
    let metadata = root.entry("metadata").or_insert_with(|| json!({}));
    if !metadata.is_object() {
        *metadata = json!({});
    }
    metadata
        .as_object_mut()
        .expect("metadata was just made a JSON object")
}

/// The owner references of an object: `(uid, kind, name)`.
pub fn owner_uids(object: &Value) -> Vec<&str> {
    object["metadata"]["ownerReferences"]
        .as_array()
        .map(|owners| {
            owners
                .iter()
                .filter_map(|owner| owner["uid"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// The owner reference a controller puts on an object it creates for `owner`.
pub fn controller_reference(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": name(owner),
        "uid": uid(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// A random suffix of `length` characters in the API server's alphabet, as
/// `generateName` uses (random, unlike the deterministic names controllers give).
pub fn random_suffix(length: usize) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    crate::fingerprint::safe_suffix(&[&random], length)
}

/// A new object uid.
pub fn new_uid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_suffixes_use_the_api_alphabet() {
        let suffix = random_suffix(5);
        assert_eq!(suffix.len(), 5);
        assert!(
            suffix
                .bytes()
                .all(|byte| b"bcdfghjklmnpqrstvwxz2456789".contains(&byte))
        );
    }

    #[test]
    fn metadata_mut_creates_missing_metadata() {
        let mut object = json!({"kind": "Pod"});
        metadata_mut(&mut object).insert("name".into(), json!("web"));
        assert_eq!(name(&object), "web");
    }
}
