//! What a pod names by reference: the ConfigMaps and Secrets its
//! containers read (env, envFrom) and its volumes mount (directly or
//! projected), the claims it mounts, the pull secrets and the service
//! account it runs with.
//!
//! One walk of the pod spec, for the two questions that need it: a
//! diagnosis asks which of them are missing (a missing non-optional one
//! stops a container), and "what uses the postgres-credentials secret"
//! asks which pods and workloads name one object. A workload is walked
//! through its pod template, which has the same `spec` shape.

use serde_json::Value;

/// One place a pod spec names another object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    /// `ConfigMap`, `Secret`, `PersistentVolumeClaim` or `ServiceAccount`.
    pub(crate) kind: &'static str,
    /// The object's name (in the pod's namespace).
    pub(crate) name: String,
    /// The key read from it, when one is (an env value, a volume item).
    pub(crate) key: Option<String>,
    /// Where the pod names it, e.g. `env DB_PASSWORD of container app`.
    pub(crate) place: String,
    /// Whether the pod starts without it: marked `optional`, or an image
    /// pull secret (a missing one is only warned about by the kubelet).
    pub(crate) optional: bool,
}

/// Every reference in `pod` (an object with a pod `spec`: a pod, or a
/// workload's `spec.template`), in the order the spec lists them: init
/// containers, containers, volumes, pull secrets, service account.
pub(crate) fn of_pod(pod: &Value) -> Vec<Reference> {
    let mut found = Vec::new();
    let mut note = |kind, name: &str, key: Option<&str>, place: String, optional| {
        found.push(Reference {
            kind,
            name: name.to_owned(),
            key: key.map(str::to_owned),
            place,
            optional,
        });
    };
    let optional = |selector: &Value| selector["optional"].as_bool().unwrap_or(false);
    let spec = &pod["spec"];
    for list in ["initContainers", "containers"] {
        for container in spec[list].as_array().into_iter().flatten() {
            let container_name = container["name"].as_str().unwrap_or_default();
            for env in container["env"].as_array().into_iter().flatten() {
                let variable = env["name"].as_str().unwrap_or_default();
                for (selector_key, kind) in
                    [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")]
                {
                    if let Some(selector) = env.pointer(&format!("/valueFrom/{selector_key}"))
                        && let Some(name) = selector["name"].as_str()
                    {
                        note(
                            kind,
                            name,
                            selector["key"].as_str(),
                            format!("env {variable} of container {container_name}"),
                            optional(selector),
                        );
                    }
                }
            }
            for source in container["envFrom"].as_array().into_iter().flatten() {
                for (selector_key, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")]
                {
                    if let Some(selector) = source.get(selector_key)
                        && let Some(name) = selector["name"].as_str()
                    {
                        note(
                            kind,
                            name,
                            None,
                            format!("envFrom of container {container_name}"),
                            optional(selector),
                        );
                    }
                }
            }
        }
    }
    for volume in spec["volumes"].as_array().into_iter().flatten() {
        let volume_name = volume["name"].as_str().unwrap_or_default();
        if let Some(claim) = volume.pointer("/persistentVolumeClaim/claimName")
            && let Some(claim) = claim.as_str()
        {
            note(
                "PersistentVolumeClaim",
                claim,
                None,
                format!("volume {volume_name}"),
                false,
            );
        }
        // A volume's own source, then each source of a projected volume:
        // the same fields, and a missing one blocks the mount alike.
        let direct = [("configMap", "name"), ("secret", "secretName")]
            .into_iter()
            .filter_map(|(key, name_key)| Some((key, volume.get(key)?, name_key)));
        let projected = volume
            .pointer("/projected/sources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|source| {
                ["configMap", "secret"]
                    .into_iter()
                    .filter_map(move |key| Some((key, source.get(key)?, "name")))
            });
        for (source_key, source, name_key) in direct.chain(projected) {
            let kind = if source_key == "configMap" {
                "ConfigMap"
            } else {
                "Secret"
            };
            let Some(name) = source[name_key].as_str() else {
                continue;
            };
            let skippable = optional(source);
            note(kind, name, None, format!("volume {volume_name}"), skippable);
            // Keys a volume projects by `items` must exist (the kubelet's
            // "references non-existent config key"), as an env key must.
            for key in source["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|item| item["key"].as_str())
            {
                note(
                    kind,
                    name,
                    Some(key),
                    format!("item {key} of volume {volume_name}"),
                    skippable,
                );
            }
        }
    }
    for secret in spec["imagePullSecrets"].as_array().into_iter().flatten() {
        if let Some(name) = secret["name"].as_str() {
            note("Secret", name, None, "imagePullSecrets".to_owned(), true);
        }
    }
    // A pod that names no service account runs as its namespace's
    // `default` one (the admission controller fills it in).
    match spec["serviceAccountName"].as_str() {
        Some(account) => note(
            "ServiceAccount",
            account,
            None,
            "serviceAccountName".to_owned(),
            false,
        ),
        None => note(
            "ServiceAccount",
            "default",
            None,
            "no serviceAccountName (runs as default)".to_owned(),
            false,
        ),
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_of_reference_is_found_with_its_place() {
        let template = json!({"spec": {
            "serviceAccountName": "reporter",
            "imagePullSecrets": [{"name": "registry"}],
            "initContainers": [{"name": "wait", "envFrom": [{"configMapRef": {"name": "wait-config"}}]}],
            "containers": [{"name": "app", "env": [
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token", "optional": true}}},
                {"name": "PLAIN", "value": "x"}]}],
            "volumes": [
                {"name": "data", "persistentVolumeClaim": {"claimName": "data-0"}},
                {"name": "all", "projected": {"sources": [
                    {"secret": {"name": "tls", "items": [{"key": "tls.crt", "path": "crt"}]}},
                    {"configMap": {"name": "ca"}},
                    {"serviceAccountToken": {"path": "token"}}]}},
            ],
        }});
        let reference = |kind, name: &str, key: Option<&str>, place: &str, optional| Reference {
            kind,
            name: name.to_owned(),
            key: key.map(str::to_owned),
            place: place.to_owned(),
            optional,
        };
        assert_eq!(
            of_pod(&template),
            vec![
                reference(
                    "ConfigMap",
                    "wait-config",
                    None,
                    "envFrom of container wait",
                    false
                ),
                reference(
                    "Secret",
                    "api",
                    Some("token"),
                    "env TOKEN of container app",
                    true
                ),
                reference(
                    "PersistentVolumeClaim",
                    "data-0",
                    None,
                    "volume data",
                    false
                ),
                reference("Secret", "tls", None, "volume all", false),
                reference(
                    "Secret",
                    "tls",
                    Some("tls.crt"),
                    "item tls.crt of volume all",
                    false
                ),
                reference("ConfigMap", "ca", None, "volume all", false),
                reference("Secret", "registry", None, "imagePullSecrets", true),
                reference(
                    "ServiceAccount",
                    "reporter",
                    None,
                    "serviceAccountName",
                    false
                ),
            ]
        );
    }
}
