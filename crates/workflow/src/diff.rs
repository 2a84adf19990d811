//! The field-level difference between a live object and the manifest that
//! would be applied over it: what a create/update plan shows its approver.
//!
//! Server-owned fields (status, uid, resourceVersion, managedFields, ...) are
//! left out on both sides: they are not part of the change. Lists whose
//! elements all have a `name` (containers, ports, env) are compared by name,
//! so reordering is not a change and a path reads `containers[app].image`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Metadata fields that describe the object rather than being managed by the
/// API server; every other metadata field is the server's.
const USER_METADATA: [&str; 4] = ["name", "namespace", "labels", "annotations"];

/// Annotations the server or kubectl write on their own.
const SERVER_ANNOTATIONS: [&str; 2] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
];

/// How one field differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only in the manifest: the apply adds it.
    Added,
    /// In both, with different values: the apply changes it.
    Changed,
    /// Only in the live object. Server-side apply removes such a field only
    /// if an earlier apply by the same manager set it; otherwise it stays.
    Removed,
}

/// One field that differs between the live object and the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field's path, e.g. `spec.template.spec.containers[app].image`.
    pub path: String,
    /// Added, changed or removed.
    pub change: ChangeKind,
    /// The live value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<Value>,
    /// The manifest's value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired: Option<Value>,
}

/// The object without the fields the API server owns.
pub fn user_fields(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(fields) = object.as_object_mut() {
        fields.remove("status");
        if let Some(Value::Object(metadata)) = fields.get_mut("metadata") {
            metadata.retain(|key, _| USER_METADATA.contains(&key.as_str()));
            if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
                annotations.retain(|key, _| !SERVER_ANNOTATIONS.contains(&key.as_str()));
                if annotations.is_empty() {
                    metadata.remove("annotations");
                }
            }
        }
    }
    object
}

/// `changes` laid over `base`: objects merge key by key, lists of named
/// objects merge by name, anything else is replaced. This is how a partial
/// manifest ("set the image", "restart") becomes the full desired state of
/// the live object it changes.
pub fn overlay(base: &Value, changes: &Value) -> Value {
    match (base, changes) {
        (Value::Object(base), Value::Object(changes)) => {
            let mut merged = base.clone();
            for (key, change) in changes {
                let value = match base.get(key) {
                    Some(existing) => overlay(existing, change),
                    None => change.clone(),
                };
                merged.insert(key.clone(), value);
            }
            Value::Object(merged)
        }
        (Value::Array(base_items), Value::Array(change_items)) => {
            match (by_name(base_items), by_name(change_items)) {
                (Some(_), Some(_)) => {
                    let mut merged = base_items.clone();
                    for change in change_items {
                        let name = change.get("name");
                        match merged.iter_mut().find(|item| item.get("name") == name) {
                            Some(item) => *item = overlay(item, change),
                            None => merged.push(change.clone()),
                        }
                    }
                    Value::Array(merged)
                }
                _ => changes.clone(),
            }
        }
        _ => changes.clone(),
    }
}

/// The fields that differ between `live` and `desired`, both taken without
/// their server-owned fields, in path order.
pub fn diff(live: &Value, desired: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    compare(&user_fields(live), &user_fields(desired), "", &mut changes);
    changes
}

fn compare(live: &Value, desired: &Value, path: &str, out: &mut Vec<FieldChange>) {
    match (live, desired) {
        (Value::Object(live), Value::Object(desired)) => compare_maps(live, desired, path, out),
        (Value::Array(live), Value::Array(desired)) => match (by_name(live), by_name(desired)) {
            (Some(live), Some(desired)) => compare_maps(&live, &desired, path, out),
            _ if live == desired => {}
            _ => out.push(changed(
                path,
                Value::Array(live.clone()),
                Value::Array(desired.clone()),
            )),
        },
        _ if live == desired => {}
        _ => out.push(changed(path, live.clone(), desired.clone())),
    }
}

fn compare_maps(
    live: &Map<String, Value>,
    desired: &Map<String, Value>,
    path: &str,
    out: &mut Vec<FieldChange>,
) {
    let mut keys: Vec<&String> = live.keys().chain(desired.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let child = join(path, key);
        match (live.get(key), desired.get(key)) {
            (Some(live), Some(desired)) => compare(live, desired, &child, out),
            (None, Some(desired)) => out.push(FieldChange {
                path: child,
                change: ChangeKind::Added,
                live: None,
                desired: Some(desired.clone()),
            }),
            (Some(live), None) => out.push(FieldChange {
                path: child,
                change: ChangeKind::Removed,
                live: Some(live.clone()),
                desired: None,
            }),
            (None, None) => {}
        }
    }
}

/// A list whose elements are all objects with a distinct `name`, keyed
/// `[name]` so the paths read naturally.
fn by_name(items: &[Value]) -> Option<Map<String, Value>> {
    let mut keyed = Map::new();
    for item in items {
        let name = item.get("name")?.as_str()?;
        if keyed.insert(format!("[{name}]"), item.clone()).is_some() {
            return None;
        }
    }
    Some(keyed)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() || key.starts_with('[') {
        format!("{path}{key}")
    } else {
        format!("{path}.{key}")
    }
}

fn changed(path: &str, live: Value, desired: Value) -> FieldChange {
    FieldChange {
        path: path.to_owned(),
        change: ChangeKind::Changed,
        live: Some(live),
        desired: Some(desired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_added_changed_and_removed_fields_by_path() {
        let live = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "demo", "uid": "u1", "resourceVersion": "7",
                         "labels": {"app": "web", "tier": "front"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                {"name": "app", "image": "nginx:1.25"},
                {"name": "sidecar", "image": "envoy:1"}]}}},
            "status": {"readyReplicas": 2}
        });
        let desired = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "demo", "labels": {"app": "web", "team": "a"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                {"name": "sidecar", "image": "envoy:1"},
                {"name": "app", "image": "nginx:1.27"}]}}}
        });
        let changes: Vec<(String, ChangeKind)> = diff(&live, &desired)
            .into_iter()
            .map(|change| (change.path, change.change))
            .collect();
        assert_eq!(
            changes,
            vec![
                ("metadata.labels.team".into(), ChangeKind::Added),
                ("metadata.labels.tier".into(), ChangeKind::Removed),
                (
                    "spec.template.spec.containers[app].image".into(),
                    ChangeKind::Changed
                ),
            ]
        );
    }

    #[test]
    fn a_partial_manifest_overlays_the_live_object_by_container_name() {
        let live = json!({"spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "app", "image": "nginx:1.25", "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "envoy:1"}]}}}});
        let change = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "nginx:1.27"}]}}}});
        let merged = overlay(&live, &change);
        assert_eq!(merged["spec"]["replicas"], 2);
        assert_eq!(
            merged["spec"]["template"]["spec"]["containers"][0]["image"],
            "nginx:1.27"
        );
        assert_eq!(
            merged["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"],
            80
        );
        assert_eq!(
            merged["spec"]["template"]["spec"]["containers"][1]["image"],
            "envoy:1"
        );
    }

    #[test]
    fn an_identical_manifest_has_no_changes() {
        let object = json!({"kind": "ConfigMap", "metadata": {"name": "c", "uid": "x"},
                            "data": {"a": "1"}});
        let manifest = json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
        assert!(diff(&object, &manifest).is_empty());
    }
}
