//! The three patch formats real clients send, applied to untyped objects.
//!
//! - JSON merge patch (RFC 7386): `kubectl scale`, `kubectl patch --type merge`.
//! - Strategic merge patch: `kubectl apply` (client-side) and `kubectl edit`.
//!   Lists of objects with a merge key (`containers` by `name`, `ports` by
//!   `containerPort`/`port`, ...) are merged element by element, and the
//!   `$patch`, `$retainKeys`, `$setElementOrder/...` and
//!   `$deleteFromPrimitiveList/...` directives are honoured.
//! - JSON patch (RFC 6902): `kubectl patch --type json`.
//!
//! Server-side apply reuses the strategic merge (see [`apply_merge`]): without
//! field ownership tracking it is a create-or-merge, which is what the MCP
//! server's `resources_create_or_update` and `kubectl apply --server-side` need.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// A patch as sent on `PATCH`, by its `Content-Type`.
#[derive(Debug, Clone, PartialEq)]
pub enum Patch {
    /// `application/merge-patch+json`.
    Merge(Value),
    /// `application/strategic-merge-patch+json`.
    Strategic(Value),
    /// `application/json-patch+json`.
    Json(Value),
    /// `application/apply-patch+yaml` (already parsed from YAML or JSON).
    Apply {
        /// The applied configuration.
        object: Value,
        /// `fieldManager` query parameter.
        field_manager: String,
        /// `force=true`: take over fields owned by other managers.
        force: bool,
    },
}

impl Patch {
    /// The media types `PATCH` accepts, for the 415 message.
    pub const ACCEPTED_MEDIA_TYPES: &'static str = "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json";

    /// Applies a merge, strategic or JSON patch to `target`. Apply patches are
    /// handled by the store (they may create) and merge like strategic ones here.
    pub fn apply_to(&self, target: &Value) -> Result<Value, ApiError> {
        match self {
            Self::Merge(patch) => Ok(merge_patch(target, patch)),
            Self::Strategic(patch) => strategic_merge(target, patch),
            Self::Json(operations) => json_patch(target, operations),
            Self::Apply { object, .. } => Ok(apply_merge(target, object)),
        }
    }
}

/// RFC 7386: objects merge recursively, `null` deletes, everything else replaces.
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    let Value::Object(patch_map) = patch else {
        return patch.clone();
    };
    let mut result = match target {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    for (key, value) in patch_map {
        if value.is_null() {
            result.remove(key);
        } else {
            let merged = merge_patch(result.get(key).unwrap_or(&Value::Null), value);
            result.insert(key.clone(), merged);
        }
    }
    Value::Object(result)
}

/// The merge key of a list field, as the Kubernetes API types declare it
/// (`patchMergeKey`); `None` means the list is replaced as a whole (or, for
/// lists of scalars, see [`is_merged_scalar_list`]).
fn merge_key(field: &str, sample: Option<&Value>) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "containerStatuses"
        | "initContainerStatuses"
        | "resourceClaims" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "hostAliases" => Some("ip"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "ports" => {
            let has = |key: &str| sample.is_some_and(|element| element.get(key).is_some());
            if has("containerPort") {
                Some("containerPort")
            } else if has("port") {
                Some("port")
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Lists of scalars that strategic merge unions instead of replacing.
fn is_merged_scalar_list(field: &str) -> bool {
    field == "finalizers"
}

/// Strategic merge patch of `patch` into `target`.
pub fn strategic_merge(target: &Value, patch: &Value) -> Result<Value, ApiError> {
    match (target, patch) {
        (Value::Object(target_map), Value::Object(patch_map)) => {
            strategic_merge_map(target_map, patch_map).map(Value::Object)
        }
        (_, Value::Object(patch_map)) => {
            strategic_merge_map(&Map::new(), patch_map).map(Value::Object)
        }
        _ => Ok(patch.clone()),
    }
}

fn strategic_merge_map(
    target: &Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut replaced = patch.clone();
            replaced.remove("$patch");
            return Ok(replaced);
        }
        Some("delete") => return Ok(Map::new()),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "unknown patch type: {other:?} in map"
            )));
        }
        None => {}
    }
    let mut result = target.clone();
    for (key, value) in patch {
        if key == "$patch" || key == "$retainKeys" || key.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(existing)), Value::Array(removed)) =
                (result.get_mut(field), value)
            {
                existing.retain(|item| !removed.contains(item));
            }
            continue;
        }
        if value.is_null() {
            result.remove(key);
            continue;
        }
        let merged = match (result.get(key), value) {
            (Some(Value::Object(_)), Value::Object(_)) | (None, Value::Object(_)) => {
                strategic_merge(result.get(key).unwrap_or(&Value::Null), value)?
            }
            (Some(Value::Array(existing)), Value::Array(patch_items)) => {
                strategic_merge_list(key, existing, patch_items)?
            }
            (None, Value::Array(patch_items)) => strategic_merge_list(key, &[], patch_items)?,
            _ => value.clone(),
        };
        result.insert(key.clone(), merged);
    }
    if let Some(Value::Array(retained)) = patch.get("$retainKeys") {
        let keep: Vec<&str> = retained.iter().filter_map(Value::as_str).collect();
        result.retain(|key, _| keep.contains(&key.as_str()));
    }
    Ok(result)
}

fn strategic_merge_list(
    field: &str,
    existing: &[Value],
    patch: &[Value],
) -> Result<Value, ApiError> {
    if patch
        .iter()
        .any(|item| item.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        let kept: Vec<Value> = patch
            .iter()
            .filter(|item| item.get("$patch").is_none())
            .cloned()
            .collect();
        return Ok(Value::Array(kept));
    }
    if is_merged_scalar_list(field) {
        let mut merged = existing.to_vec();
        for item in patch {
            if !merged.contains(item) {
                merged.push(item.clone());
            }
        }
        return Ok(Value::Array(merged));
    }
    let sample = patch.iter().chain(existing).find(|item| item.is_object());
    let Some(key) = merge_key(field, sample) else {
        return Ok(Value::Array(patch.to_vec()));
    };
    let mut merged = existing.to_vec();
    for item in patch {
        let identity = item.get(key);
        let position = identity.and_then(|identity| {
            merged
                .iter()
                .position(|candidate| candidate.get(key) == Some(identity))
        });
        let deleting = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, deleting) {
            (Some(index), true) => {
                merged.remove(index);
            }
            (None, true) => {}
            (Some(index), false) => merged[index] = strategic_merge(&merged[index], item)?,
            (None, false) => merged.push(strategic_merge(&Value::Null, item)?),
        }
    }
    Ok(Value::Array(merged))
}

/// The merge of a server-side-apply configuration into a live object:
/// a strategic merge in which `null` keeps its meaning of "remove".
pub fn apply_merge(live: &Value, applied: &Value) -> Value {
    strategic_merge(live, applied).unwrap_or_else(|_| merge_patch(live, applied))
}

/// RFC 6902 JSON patch.
pub fn json_patch(target: &Value, operations: &Value) -> Result<Value, ApiError> {
    let Value::Array(operations) = operations else {
        return Err(ApiError::BadRequest(
            "the JSON patch must be an array of operations".into(),
        ));
    };
    let mut document = target.clone();
    for operation in operations {
        let op = operation["op"].as_str().unwrap_or_default();
        let path = operation["path"]
            .as_str()
            .ok_or_else(|| ApiError::BadRequest(format!("operation {op:?} has no path")))?;
        match op {
            "add" => add(&mut document, path, operation["value"].clone())?,
            "remove" => {
                remove(&mut document, path)?;
            }
            "replace" => {
                remove(&mut document, path)?;
                add(&mut document, path, operation["value"].clone())?;
            }
            "move" | "copy" => {
                let from = operation["from"]
                    .as_str()
                    .ok_or_else(|| ApiError::BadRequest(format!("operation {op} has no from")))?;
                let value = if op == "move" {
                    remove(&mut document, from)?
                } else {
                    pointer(&document, from)?.clone()
                };
                add(&mut document, path, value)?;
            }
            "test" => {
                if pointer(&document, path)? != &operation["value"] {
                    return Err(ApiError::Invalid {
                        kind: String::new(),
                        name: String::new(),
                        causes: vec![crate::error::FieldCause {
                            field: path.to_owned(),
                            message: "testing value failed".into(),
                        }],
                    });
                }
            }
            other => {
                return Err(ApiError::BadRequest(format!("Unexpected kind: {other}")));
            }
        }
    }
    Ok(document)
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn split_pointer(path: &str) -> Result<(String, String), ApiError> {
    let (parent, last) = path
        .rsplit_once('/')
        .ok_or_else(|| ApiError::BadRequest(format!("invalid JSON pointer {path:?}")))?;
    Ok((parent.to_owned(), unescape(last)))
}

fn pointer<'a>(document: &'a Value, path: &str) -> Result<&'a Value, ApiError> {
    document
        .pointer(path)
        .ok_or_else(|| ApiError::BadRequest(format!("path {path:?} does not exist in the object")))
}

fn add(document: &mut Value, path: &str, value: Value) -> Result<(), ApiError> {
    if path.is_empty() {
        *document = value;
        return Ok(());
    }
    let (parent, last) = split_pointer(path)?;
    let missing = || ApiError::BadRequest(format!("path {parent:?} does not exist in the object"));
    match document.pointer_mut(&parent).ok_or_else(missing)? {
        Value::Object(map) => {
            map.insert(last, value);
            Ok(())
        }
        Value::Array(items) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>()
                    .ok()
                    .filter(|index| *index <= items.len())
                    .ok_or_else(|| {
                        ApiError::BadRequest(format!("invalid array index in {path:?}"))
                    })?
            };
            items.insert(index, value);
            Ok(())
        }
        _ => Err(missing()),
    }
}

fn remove(document: &mut Value, path: &str) -> Result<Value, ApiError> {
    let (parent, last) = split_pointer(path)?;
    let missing = || ApiError::BadRequest(format!("path {path:?} does not exist in the object"));
    match document.pointer_mut(&parent).ok_or_else(missing)? {
        Value::Object(map) => map.remove(&last).ok_or_else(missing),
        Value::Array(items) => {
            let index = last
                .parse::<usize>()
                .ok()
                .filter(|index| *index < items.len())
                .ok_or_else(missing)?;
            Ok(items.remove(index))
        }
        _ => Err(missing()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_replaces_merges_and_deletes() {
        let target =
            json!({"spec": {"replicas": 1, "paused": true}, "metadata": {"labels": {"a": "1"}}});
        let patch =
            json!({"spec": {"replicas": 3, "paused": null}, "metadata": {"labels": {"b": "2"}}});
        assert_eq!(
            merge_patch(&target, &patch),
            json!({"spec": {"replicas": 3}, "metadata": {"labels": {"a": "1", "b": "2"}}})
        );
    }

    #[test]
    fn merge_patch_replaces_lists_whole() {
        let target = json!({"containers": [{"name": "a"}, {"name": "b"}]});
        let patch = json!({"containers": [{"name": "c"}]});
        assert_eq!(
            merge_patch(&target, &patch),
            json!({"containers": [{"name": "c"}]})
        );
    }

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let target = json!({"spec": {"containers": [
            {"name": "app", "image": "web:1", "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "sidecar", "image": "proxy:1"}
        ]}});
        let patch = json!({"spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
            "containers": [{"name": "app", "image": "web:2", "ports": [{"containerPort": 8080}]}]
        }});
        let merged = strategic_merge(&target, &patch).expect("valid patch");
        assert_eq!(merged["spec"]["containers"][0]["image"], "web:2");
        assert_eq!(merged["spec"]["containers"][1]["image"], "proxy:1");
        let ports = merged["spec"]["containers"][0]["ports"]
            .as_array()
            .expect("ports");
        assert_eq!(ports.len(), 2, "ports merge by containerPort: {ports:?}");
        assert!(merged["spec"].get("$setElementOrder/containers").is_none());
    }

    #[test]
    fn strategic_merge_env_and_delete_directive() {
        let target = json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]});
        let patch = json!({"env": [{"name": "A", "value": "9"}, {"name": "B", "$patch": "delete"}, {"name": "C", "value": "3"}]});
        let merged = strategic_merge(&target, &patch).expect("valid patch");
        assert_eq!(
            merged,
            json!({"env": [{"name": "A", "value": "9"}, {"name": "C", "value": "3"}]})
        );
    }

    #[test]
    fn strategic_merge_retain_keys_and_null() {
        let target = json!({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "x": 1});
        let patch = json!({"strategy": {"$retainKeys": ["type"], "type": "Recreate"}, "x": null});
        let merged = strategic_merge(&target, &patch).expect("valid patch");
        assert_eq!(merged, json!({"strategy": {"type": "Recreate"}}));
    }

    #[test]
    fn strategic_merge_replaces_lists_without_merge_key() {
        let target = json!({"args": ["a", "b"], "finalizers": ["x"]});
        let patch = json!({"args": ["c"], "finalizers": ["y"]});
        let merged = strategic_merge(&target, &patch).expect("valid patch");
        assert_eq!(merged, json!({"args": ["c"], "finalizers": ["x", "y"]}));
    }

    #[test]
    fn service_ports_merge_by_port() {
        let target =
            json!({"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]});
        let patch = json!({"ports": [{"port": 80, "targetPort": 8080}]});
        let merged = strategic_merge(&target, &patch).expect("valid patch");
        assert_eq!(merged["ports"].as_array().map(Vec::len), Some(2));
        assert_eq!(merged["ports"][0]["targetPort"], 8080);
    }

    #[test]
    fn json_patch_operations() {
        let target = json!({"spec": {"replicas": 1, "list": [1, 2]}});
        let operations = json!([
            {"op": "replace", "path": "/spec/replicas", "value": 5},
            {"op": "add", "path": "/spec/list/-", "value": 3},
            {"op": "remove", "path": "/spec/list/0"},
            {"op": "add", "path": "/metadata", "value": {"labels": {"a~b/c": "x"}}},
            {"op": "copy", "from": "/spec/replicas", "path": "/spec/copied"},
            {"op": "test", "path": "/metadata/labels/a~0b~1c", "value": "x"}
        ]);
        let patched = json_patch(&target, &operations).expect("valid patch");
        assert_eq!(
            patched["spec"],
            json!({"replicas": 5, "list": [2, 3], "copied": 5})
        );
    }

    #[test]
    fn json_patch_failures_are_errors() {
        let target = json!({"a": 1});
        assert!(json_patch(&target, &json!([{"op": "remove", "path": "/b"}])).is_err());
        assert!(json_patch(&target, &json!([{"op": "test", "path": "/a", "value": 2}])).is_err());
        assert!(json_patch(&target, &json!({"op": "add"})).is_err());
    }
}
