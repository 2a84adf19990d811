//! Proposed fixes: a whole object, read from the cluster, with one field
//! changed, ready for `resources_create_or_update`. The coordinator turns a
//! [`ProposedChange`] into an ordinary create/update plan; nothing here
//! applies anything.
//!
//! The manifest is the live object stripped of server-owned fields (status,
//! uid, resourceVersion, managedFields, the last-applied copy that would carry
//! the old value back in, ...: [`crate::diff::user_fields`]), so a server-side
//! apply of it changes only the field the diagnosis names.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::ObjectRef;
use crate::diff::user_fields;

/// The tool that applies a proposal.
pub const APPLY_TOOL: &str = "resources_create_or_update";

/// A fix the evidence determines, as a create/update of one object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposedChange {
    /// The object created or updated.
    pub target: ObjectRef,
    /// What the change does, in one sentence.
    pub summary: String,
    /// The field's current value, as a human reads it (`memory limit 256Mi`).
    pub current: String,
    /// The field's proposed value (`memory limit 320Mi`).
    pub desired: String,
    /// The whole object to apply.
    pub manifest: Value,
    /// What the approver should know (restarts, placeholders, capacity).
    pub warnings: Vec<String>,
}

impl ProposedChange {
    /// The `resources_create_or_update` arguments that apply this change
    /// (the manifest as JSON text, which the server reads as YAML).
    pub fn tool_arguments(&self) -> Map<String, Value> {
        let mut arguments = Map::new();
        arguments.insert(
            "resource".to_string(),
            Value::String(self.manifest.to_string()),
        );
        arguments
    }
}

/// Where an object keeps its containers: a Pod's spec, or a workload's template.
fn containers_pointer(object: &Value) -> &'static str {
    if object["kind"] == "Pod" {
        "/spec/containers"
    } else {
        "/spec/template/spec/containers"
    }
}

/// The container of this name in an object (Pod or workload).
pub fn container<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object
        .pointer(containers_pointer(object))?
        .as_array()?
        .iter()
        .find(|container| container["name"] == name)
}

/// A manifest of `owner` with `change` applied to the named container; `None`
/// when the owner has no such container.
fn with_container(
    owner: &Value,
    container_name: &str,
    change: impl FnOnce(&mut Map<String, Value>),
) -> Option<Value> {
    let mut manifest = user_fields(owner);
    let pointer = containers_pointer(owner);
    let container = manifest
        .pointer_mut(pointer)?
        .as_array_mut()?
        .iter_mut()
        .find(|container| container["name"] == container_name)?
        .as_object_mut()?;
    change(container);
    Some(manifest)
}

fn object_ref(object: &Value) -> ObjectRef {
    let text = |pointer: &str| {
        object
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    ObjectRef {
        api_version: text("/apiVersion"),
        kind: text("/kind"),
        name: text("/metadata/name"),
        namespace: object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// Sets `resources.limits.memory` of a container on its owner; keeps the
/// request at or below the new limit (it already is, as limits only grow).
pub fn set_memory_limit(
    owner: &Value,
    container_name: &str,
    current: &str,
    new_limit: &str,
    warnings: Vec<String>,
) -> Option<ProposedChange> {
    let manifest = with_container(owner, container_name, |container| {
        let resources = container.entry("resources").or_insert_with(|| json!({}));
        if !resources.is_object() {
            *resources = json!({});
        }
        if resources
            .get("limits")
            .is_none_or(|limits| !limits.is_object())
        {
            resources["limits"] = json!({});
        }
        resources["limits"]["memory"] = Value::String(new_limit.to_string());
    })?;
    let target = object_ref(owner);
    Some(ProposedChange {
        summary: format!(
            "Raise the memory limit of container {container_name} on {target} from {current} to {new_limit}"
        ),
        current: format!("memory limit {current}"),
        desired: format!("memory limit {new_limit}"),
        target,
        manifest,
        warnings,
    })
}

/// Sets a container's image on its owner.
pub fn set_image(
    owner: &Value,
    container_name: &str,
    current: &str,
    new_image: &str,
    why: &str,
) -> Option<ProposedChange> {
    let manifest = with_container(owner, container_name, |container| {
        container.insert("image".to_string(), Value::String(new_image.to_string()));
    })?;
    let target = object_ref(owner);
    Some(ProposedChange {
        summary: format!(
            "Set the image of container {container_name} on {target} from {current} to {new_image} ({why})"
        ),
        current: format!("image {current}"),
        desired: format!("image {new_image}"),
        target,
        manifest,
        warnings: vec!["Rolling the pods replaces every replica of the workload.".to_string()],
    })
}

/// Resumes a suspended CronJob or Job (`spec.suspend: false`, what
/// `kubectl patch cronjob X -p '{"spec":{"suspend":false}}'` does) or a
/// paused Deployment (`spec.paused: false`, what `kubectl rollout resume`
/// does).
pub fn resume(object: &Value) -> ProposedChange {
    let (field, warning) = match object["kind"].as_str() {
        Some("CronJob") => (
            "suspend",
            "Once resumed, the cronjob controller starts the latest run it missed at once (unless spec.startingDeadlineSeconds has passed for it), then follows the schedule.",
        ),
        Some("Deployment") => (
            "paused",
            "Resuming rolls out the current pod template: every replica is replaced.",
        ),
        _ => ("suspend", "The Job starts its pods at once."),
    };
    let mut change = spec_field(object, field, Value::Bool(false));
    change.summary = format!("Resume {} (set spec.{field} to false)", change.target);
    change.current = format!("{field} true");
    change.warnings = vec![warning.to_string()];
    change
}

/// Bounds how late a CronJob's run may start (`spec.startingDeadlineSeconds`),
/// so runs missed longer ago are dropped instead of counted: what the
/// controller's TooManyMissedTimes message asks for.
pub fn set_starting_deadline(cron_job: &Value, seconds: u64) -> ProposedChange {
    let mut change = spec_field(cron_job, "startingDeadlineSeconds", Value::from(seconds));
    let current = cron_job
        .pointer("/spec/startingDeadlineSeconds")
        .map_or_else(|| "unset".to_string(), Value::to_string);
    change.summary = format!(
        "Set spec.startingDeadlineSeconds of {} to {seconds}: a run that could not start within {seconds}s of its time is skipped, and the controller no longer counts every run missed since the last one",
        change.target
    );
    change.current = format!("startingDeadlineSeconds {current}");
    change.warnings = vec![
        "A run that cannot start within the deadline is skipped (a Warning event says so) instead of started late.".to_string(),
    ];
    change
}

/// Scales a workload to `replicas` (its `spec.replicas`): one scaled to
/// zero, or one a disruption budget holds; `why` says where the number
/// comes from.
pub fn set_replicas(object: &Value, replicas: u64, why: &str) -> ProposedChange {
    let current = object
        .pointer("/spec/replicas")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let mut change = spec_field(object, "replicas", json!(replicas));
    change.summary = format!(
        "Scale {} from {current} to {replicas} replicas ({why})",
        change.target
    );
    change.current = format!("replicas {current}");
    change
}

/// `object` with one top-level `spec` field set, as a change whose
/// `desired` reads `field value`; the caller words the summary, the current
/// value and the warnings.
fn spec_field(object: &Value, field: &str, value: Value) -> ProposedChange {
    let mut manifest = user_fields(object);
    manifest["spec"][field] = value.clone();
    ProposedChange {
        summary: String::new(),
        current: String::new(),
        desired: format!("{field} {value}"),
        target: object_ref(object),
        manifest,
        warnings: Vec::new(),
    }
}

/// The label the Deployment controller adds to a ReplicaSet's template; a
/// rollback drops it, as `kubectl rollout undo` does.
pub const POD_TEMPLATE_HASH_LABEL: &str = "pod-template-hash";

/// The pod template an earlier revision holds, as a workload runs it: a
/// ReplicaSet's without the controller's [`POD_TEMPLATE_HASH_LABEL`], a
/// ControllerRevision's without its `$patch: replace` directive (what
/// `kubectl rollout undo` drops before it applies the template), and
/// without the `creationTimestamp: null` a template carries once a client
/// sent it (kubectl does): a null is no value, and kept it would show in
/// the plan as a change the rollback does not make.
pub fn revision_template(template: &Value) -> Value {
    let mut template = template.clone();
    if let Some(fields) = template.as_object_mut() {
        fields.remove("$patch");
    }
    if let Some(metadata) = template
        .pointer_mut("/metadata")
        .and_then(Value::as_object_mut)
        && metadata
            .get("creationTimestamp")
            .is_some_and(Value::is_null)
    {
        metadata.remove("creationTimestamp");
    }
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(POD_TEMPLATE_HASH_LABEL);
    }
    template
}

/// Restores a Deployment's pod template to an earlier ReplicaSet's (what
/// `kubectl rollout undo --to-revision=N` does), from the cluster's own
/// history.
pub fn restore_template(
    deployment: &Value,
    template: &Value,
    revision: u64,
    current_revision: &str,
    why: &str,
) -> Option<ProposedChange> {
    let mut manifest = user_fields(deployment);
    *manifest.pointer_mut("/spec/template")? = revision_template(template);
    let target = object_ref(deployment);
    Some(ProposedChange {
        summary: format!("Roll {target} back to the pod template of revision {revision} ({why})"),
        current: format!("pod template of revision {current_revision}"),
        desired: format!("pod template of revision {revision}"),
        target,
        manifest,
        warnings: vec!["Rolling the pods replaces every replica of the workload.".to_string()],
    })
}

/// Adds `tolerations` to the pod template of a workload (its other
/// tolerations are kept), so its pods may go to the nodes carrying the
/// matching taints. `taints` says which taints, as `key=value:Effect`.
pub fn add_tolerations(
    owner: &Value,
    tolerations: &[Value],
    taints: &str,
) -> Option<ProposedChange> {
    let mut manifest = user_fields(owner);
    let spec = manifest
        .pointer_mut("/spec/template/spec")?
        .as_object_mut()?;
    let list = spec.entry("tolerations").or_insert_with(|| json!([]));
    if !list.is_array() {
        *list = json!([]);
    }
    let existing = list.as_array_mut()?;
    let before = existing.len();
    existing.extend(tolerations.iter().cloned());
    let target = object_ref(owner);
    Some(ProposedChange {
        summary: format!("Let the pods of {target} tolerate {taints}"),
        current: format!("{before} toleration(s)"),
        desired: format!("{} toleration(s), tolerating {taints}", existing.len()),
        target,
        manifest,
        warnings: vec![
            "Rolling the pods replaces every replica of the workload.".to_string(),
            format!(
                "A taint keeps other workloads off dedicated nodes: tolerate {taints} only if this workload belongs there."
            ),
        ],
    })
}

/// Points every environment variable of the workload's containers, and
/// every volume item, that reads key `from_key` of ConfigMap or Secret
/// `object_name` (`kind`) at `to_key` instead (an item keeps its `path`:
/// the application reads the same file); `None` when nothing reads it.
pub fn set_key_reference(
    owner: &Value,
    kind: &str,
    object_name: &str,
    from_key: &str,
    to_key: &str,
) -> Option<ProposedChange> {
    let selector_field = if kind == "Secret" {
        "secretKeyRef"
    } else {
        "configMapKeyRef"
    };
    let mut manifest = user_fields(owner);
    let mut variables = Vec::new();
    for container in manifest
        .pointer_mut(containers_pointer(owner))?
        .as_array_mut()?
        .iter_mut()
    {
        let container_name = container["name"].as_str().unwrap_or_default().to_string();
        for variable in container
            .get_mut("env")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let variable_name = variable["name"].as_str().unwrap_or_default().to_string();
            if let Some(selector) = variable.pointer_mut(&format!("/valueFrom/{selector_field}"))
                && selector["name"] == object_name
                && selector["key"] == from_key
            {
                selector["key"] = Value::String(to_key.to_string());
                variables.push(format!("env {variable_name} of container {container_name}"));
            }
        }
    }
    let (source_field, name_field) = if kind == "Secret" {
        ("secret", "secretName")
    } else {
        ("configMap", "name")
    };
    let volumes_pointer = containers_pointer(owner).replace("/containers", "/volumes");
    for volume in manifest
        .pointer_mut(&volumes_pointer)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let volume_name = volume["name"].as_str().unwrap_or_default().to_string();
        let Some(source) = volume
            .get_mut(source_field)
            .filter(|source| source[name_field] == object_name)
        else {
            continue;
        };
        for item in source
            .get_mut("items")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .filter(|item| item["key"] == from_key)
        {
            item["key"] = Value::String(to_key.to_string());
            variables.push(format!("item {from_key} of volume {volume_name}"));
        }
    }
    if variables.is_empty() {
        return None;
    }
    let target = object_ref(owner);
    Some(ProposedChange {
        summary: format!(
            "Point {} on {target} at key {to_key} of {kind} {object_name}, instead of {from_key}",
            variables.join(", ")
        ),
        current: format!("{kind} {object_name} key {from_key}"),
        desired: format!("{kind} {object_name} key {to_key}"),
        target,
        manifest,
        warnings: vec![
            "Rolling the pods replaces every replica of the workload.".to_string(),
            format!(
                "If {from_key} is a new key the application needs, add it to {kind} {object_name} instead."
            ),
        ],
    })
}

/// Points a container's probe at another port (an httpGet or tcpSocket probe).
pub fn set_probe_port(
    owner: &Value,
    container_name: &str,
    probe: &str,
    current_port: &Value,
    new_port: u64,
) -> Option<ProposedChange> {
    let manifest = with_container(owner, container_name, |container| {
        if let Some(handler) = container.get_mut(probe).and_then(|probe| {
            ["httpGet", "tcpSocket", "grpc"]
                .into_iter()
                .find(|handler| probe.get(*handler).is_some())
                .and_then(|handler| probe.get_mut(handler))
        }) {
            handler["port"] = Value::from(new_port);
        }
    })?;
    let target = object_ref(owner);
    let current_port = match current_port {
        Value::String(name) => name.clone(),
        other => other.to_string(),
    };
    Some(ProposedChange {
        summary: format!(
            "Point the {probe} of container {container_name} on {target} at port {new_port}, the port the container declares, instead of {current_port}"
        ),
        current: format!("{probe} port {current_port}"),
        desired: format!("{probe} port {new_port}"),
        target,
        manifest,
        warnings: vec!["Rolling the pods replaces every replica of the workload.".to_string()],
    })
}

/// Points a container's httpGet probe at another path on the same port.
/// `why` says where the path comes from (what shows it answers).
pub fn set_probe_path(
    owner: &Value,
    container_name: &str,
    probe: &str,
    current_path: &str,
    new_path: &str,
    why: &str,
) -> Option<ProposedChange> {
    let manifest = with_container(owner, container_name, |container| {
        if let Some(http) = container
            .get_mut(probe)
            .and_then(|probe| probe.get_mut("httpGet"))
        {
            http["path"] = Value::from(new_path);
        }
    })?;
    let target = object_ref(owner);
    Some(ProposedChange {
        summary: format!(
            "Point the {probe} of container {container_name} on {target} at path {new_path} ({why}) instead of {current_path}"
        ),
        current: format!("{probe} path {current_path}"),
        desired: format!("{probe} path {new_path}"),
        target,
        manifest,
        warnings: vec!["Rolling the pods replaces every replica of the workload.".to_string()],
    })
}

/// `app=web,tier=front` from a selector map.
pub fn selector_text(selector: &Map<String, Value>) -> String {
    selector
        .iter()
        .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Sets a Service's selector to `selector` (same keys, the values the
/// workload's pods carry).
pub fn set_service_selector(
    service: &Value,
    selector: Map<String, Value>,
    workload: &str,
) -> Option<ProposedChange> {
    let current = selector_text(service.pointer("/spec/selector")?.as_object()?);
    let desired = selector_text(&selector);
    let mut manifest = user_fields(service);
    *manifest.pointer_mut("/spec/selector")? = Value::Object(selector);
    let target = object_ref(service);
    Some(ProposedChange {
        summary: format!(
            "Set the selector of {target} to {desired}, the labels the pods of {workload} carry"
        ),
        current: format!("selector {current}"),
        desired: format!("selector {desired}"),
        target,
        manifest,
        warnings: vec![
            "Every pod carrying these labels receives the Service's traffic at once.".to_string(),
        ],
    })
}

/// Points one port of a Service (by its index in `spec.ports`) at the
/// container port its pods declare.
pub fn set_service_target_port(
    service: &Value,
    index: usize,
    current: &Value,
    new_port: u64,
) -> Option<ProposedChange> {
    let mut manifest = user_fields(service);
    let port = manifest
        .pointer_mut("/spec/ports")?
        .as_array_mut()?
        .get_mut(index)?;
    port["targetPort"] = Value::from(new_port);
    let current = match current {
        Value::String(name) => name.clone(),
        other => other.to_string(),
    };
    let target = object_ref(service);
    Some(ProposedChange {
        summary: format!(
            "Point {target} at container port {new_port}, the port its pods declare, instead of {current}"
        ),
        current: format!("targetPort {current}"),
        desired: format!("targetPort {new_port}"),
        target,
        manifest,
        warnings: Vec::new(),
    })
}

/// Points one backend of an Ingress (its `service.port`, at `pointer`) at
/// the one port its Service exposes.
pub fn set_ingress_backend_port(
    ingress: &Value,
    pointer: &str,
    current: &Value,
    new_port: u64,
    service: &str,
) -> Option<ProposedChange> {
    let mut manifest = user_fields(ingress);
    *manifest.pointer_mut(pointer)? = json!({"number": new_port});
    let current = match current {
        Value::String(name) => name.clone(),
        other => other.to_string(),
    };
    let target = object_ref(ingress);
    Some(ProposedChange {
        summary: format!(
            "Point the backend of {target} at port {new_port} of Service {service}, the port it exposes, instead of {current}"
        ),
        current: format!("backend port {current}"),
        desired: format!("backend port {new_port}"),
        target,
        manifest,
        warnings: Vec::new(),
    })
}

/// The warning on every ConfigMap copied from another namespace.
fn copied_values_warning(from_namespace: &str) -> String {
    format!(
        "The values come from namespace {from_namespace}: check those that differ between environments (URLs, hosts, sizes) before approving."
    )
}

/// Creates a missing ConfigMap in `namespace` as a copy of the same-named
/// one in another namespace (its `data` and `binaryData`, nothing else).
pub fn copy_config_map(template: &Value, namespace: &str, from_namespace: &str) -> ProposedChange {
    let name = template
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut manifest = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
    });
    for field in ["data", "binaryData"] {
        if let Some(data) = template.get(field) {
            manifest[field] = data.clone();
        }
    }
    let keys = super::pod_failure::data_keys(template).join(", ");
    ProposedChange {
        target: ObjectRef::namespaced("v1", "ConfigMap", name, namespace),
        summary: format!(
            "create ConfigMap {namespace}/{name} as a copy of {from_namespace}/{name} (keys {keys})"
        ),
        current: "absent".to_string(),
        desired: format!("ConfigMap with keys {keys}, copied from {from_namespace}"),
        manifest,
        warnings: vec![copied_values_warning(from_namespace)],
    }
}

/// Adds `keys` to an existing ConfigMap, with the values the same-named
/// ConfigMap of another namespace has for them; every other key is kept.
pub fn add_config_map_keys(
    live: &Value,
    template: &Value,
    keys: &[String],
    from_namespace: &str,
) -> ProposedChange {
    let mut manifest = user_fields(live);
    if !manifest.get("data").is_some_and(Value::is_object) {
        manifest["data"] = json!({});
    }
    let mut added = Vec::new();
    for key in keys {
        if let Some(value) = template.pointer(&format!("/data/{key}")) {
            manifest["data"][key] = value.clone();
            added.push(format!("{key}={}", value.as_str().unwrap_or_default()));
        }
    }
    let target = object_ref(live);
    ProposedChange {
        summary: format!(
            "add {} to {target}, with the value{} of {from_namespace}",
            keys.join(", "),
            if keys.len() == 1 { "" } else { "s" }
        ),
        current: format!("no key {}", keys.join(", ")),
        desired: added.join(", "),
        target,
        manifest,
        warnings: vec![copied_values_warning(from_namespace)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "web", "namespace": "demo", "uid": "1234", "resourceVersion": "42",
                "generation": 3, "creationTimestamp": "2026-11-25T08:00:00Z",
                "labels": {"app": "web"},
                "annotations": {"deployment.kubernetes.io/revision": "3", "team": "payments"},
                "managedFields": [{"manager": "kubectl"}],
            },
            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                {"name": "app", "image": "web:1.0", "resources": {"limits": {"memory": "256Mi"}, "requests": {"memory": "128Mi"}},
                 "readinessProbe": {"httpGet": {"path": "/", "port": 8081}}},
                {"name": "sidecar", "image": "envoy:1"},
            ]}}},
            "status": {"replicas": 2},
        })
    }

    #[test]
    fn a_proposals_manifest_keeps_the_spec_and_drops_what_the_server_owns() {
        let manifest = set_image(&deployment(), "app", "web:1.0", "web:1.1", "a fix")
            .expect("the container exists")
            .manifest;
        assert!(manifest.get("status").is_none());
        let metadata = &manifest["metadata"];
        assert_eq!(metadata["name"], "web");
        assert_eq!(metadata["labels"]["app"], "web");
        assert_eq!(metadata["annotations"]["team"], "payments");
        for owned in [
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "managedFields",
        ] {
            assert!(metadata.get(owned).is_none(), "{owned} kept");
        }
        assert!(
            metadata["annotations"]
                .get("deployment.kubernetes.io/revision")
                .is_none()
        );
        assert_eq!(manifest["spec"]["replicas"], 2);
    }

    #[test]
    fn a_memory_limit_change_touches_only_that_container() {
        let change = set_memory_limit(&deployment(), "app", "256Mi", "320Mi", Vec::new())
            .expect("the container exists");
        let containers = &change.manifest["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers[0]["resources"]["limits"]["memory"], "320Mi");
        assert_eq!(containers[0]["resources"]["requests"]["memory"], "128Mi");
        assert_eq!(
            containers[1],
            json!({"name": "sidecar", "image": "envoy:1"})
        );
        assert_eq!(
            change.target,
            ObjectRef::namespaced("apps/v1", "Deployment", "web", "demo")
        );
        assert_eq!(change.desired, "memory limit 320Mi");
        let arguments = change.tool_arguments();
        let resource: Value =
            serde_json::from_str(arguments["resource"].as_str().expect("text")).expect("json");
        assert_eq!(resource, change.manifest);
        // A container without limits gets one.
        let sidecar = set_memory_limit(&deployment(), "sidecar", "none", "64Mi", Vec::new())
            .expect("the container exists");
        assert_eq!(
            sidecar.manifest["spec"]["template"]["spec"]["containers"][1]["resources"]["limits"]["memory"],
            "64Mi"
        );
        assert!(set_memory_limit(&deployment(), "nope", "1", "2", Vec::new()).is_none());
    }

    #[test]
    fn image_and_probe_changes_edit_the_named_fields() {
        let image = set_image(
            &deployment(),
            "app",
            "web:1.0",
            "web:0.9",
            "the previous revision",
        )
        .expect("the container exists");
        assert_eq!(
            image.manifest["spec"]["template"]["spec"]["containers"][0]["image"],
            "web:0.9"
        );
        let probe = set_probe_port(&deployment(), "app", "readinessProbe", &json!(8081), 8080)
            .expect("the container exists");
        assert_eq!(
            probe.manifest["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"],
            json!({"path": "/", "port": 8080})
        );
        assert_eq!(probe.current, "readinessProbe port 8081");
    }

    #[test]
    fn a_revisions_template_drops_the_controllers_label_and_a_null_timestamp() {
        let stored = json!({
            "metadata": {"creationTimestamp": null, "labels": {"app": "web", POD_TEMPLATE_HASH_LABEL: "5d9f"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        });
        assert_eq!(
            revision_template(&stored),
            json!({"metadata": {"labels": {"app": "web"}},
                   "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
        );
    }

    #[test]
    fn a_missing_config_map_is_copied_from_another_namespace() {
        let staging = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "app-config", "namespace": "staging", "uid": "u", "resourceVersion": "7"},
            "data": {"LOG_LEVEL": "debug"}});
        let change = copy_config_map(&staging, "production", "staging");
        assert_eq!(
            change.manifest,
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "app-config", "namespace": "production"},
                "data": {"LOG_LEVEL": "debug"}})
        );
        assert_eq!(
            change.target,
            ObjectRef::namespaced("v1", "ConfigMap", "app-config", "production")
        );
        assert!(change.warnings[0].contains("namespace staging"));
    }

    #[test]
    fn a_missing_key_is_added_and_the_other_keys_kept() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "app-config", "namespace": "production", "uid": "u", "resourceVersion": "9"},
            "data": {"MODE": "fast"}});
        let staging = json!({"data": {"MODE": "slow", "LOG_LEVEL": "info"}});
        let change = add_config_map_keys(&live, &staging, &["LOG_LEVEL".to_string()], "staging");
        assert_eq!(
            change.manifest["data"],
            json!({"MODE": "fast", "LOG_LEVEL": "info"})
        );
        assert!(change.manifest["metadata"].get("uid").is_none());
        assert_eq!(change.desired, "LOG_LEVEL=info");
    }
}
