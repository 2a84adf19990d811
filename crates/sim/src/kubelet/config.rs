//! What the kubelet checks before it can create a pod's containers: that the
//! ConfigMaps and Secrets the pod mounts or reads its environment from exist
//! and hold the keys it names.
//!
//! A real kubelet mounts volumes before it creates any container, so a missing
//! ConfigMap or Secret *volume* keeps the whole pod in `ContainerCreating` with
//! `FailedMount` events; a missing object or key in a container's `env` or
//! `envFrom` is found when that container's configuration is built, after its
//! image is pulled, and leaves it waiting in `CreateContainerConfigError`. The
//! messages here are the kubelet's own, word for word, because they are what
//! an operator (and kubeop's diagnosis) quotes.

use std::time::SystemTime;

use serde_json::Value;

use crate::clock::parse_rfc3339;

/// The ConfigMaps and Secrets a kubelet can read (its object caches).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConfigObjects<'a> {
    /// Every ConfigMap of the cluster.
    pub config_maps: &'a [Value],
    /// Every Secret of the cluster.
    pub secrets: &'a [Value],
}

/// What stands between a pod and its containers' creation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigCheck {
    /// Volumes that cannot be set up, as (volume, kubelet message); while any
    /// is listed no container of the pod is created.
    pub unmountable_volumes: Vec<(String, String)>,
    /// Containers whose configuration cannot be built, as (container, the
    /// kubelet's error, e.g. `configmap "app-config" not found`).
    pub unconfigurable_containers: Vec<(String, String)>,
    /// When the newest object the pod refers to was created: nothing of the
    /// pod could start before it existed, so a pod that waited for it starts
    /// from then (the kubelet retries a failed pod sync until it succeeds).
    pub available_since: Option<SystemTime>,
    /// The `imagePullSecrets` the pod names that do not exist: the kubelet
    /// warns (`FailedToRetrieveImagePullSecret`) and pulls without them.
    pub missing_pull_secrets: Vec<String>,
    /// Whether at least one named pull secret exists: a registry that
    /// wants credentials gets them.
    pub has_pull_credentials: bool,
}

impl ConfigCheck {
    /// The error that keeps `container` from being created, if any.
    pub fn container_error(&self, container: &str) -> Option<&str> {
        self.unconfigurable_containers
            .iter()
            .find(|(name, _)| name == container)
            .map(|(_, message)| message.as_str())
    }
}

/// ConfigMap or Secret, with the words the kubelet uses for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    ConfigMap,
    Secret,
}

impl Source {
    /// The resource name in a not-found error: `configmap "x" not found`.
    fn not_found_word(self) -> &'static str {
        match self {
            Source::ConfigMap => "configmap",
            Source::Secret => "secret",
        }
    }

    /// The kind in a missing-key error: `couldn't find key K in ConfigMap ns/x`.
    fn kind(self) -> &'static str {
        match self {
            Source::ConfigMap => "ConfigMap",
            Source::Secret => "Secret",
        }
    }

    /// A volume's missing-key error, as the volume plugin words it.
    fn missing_volume_key(self, key: &str) -> String {
        match self {
            Source::ConfigMap => format!("configmap references non-existent config key: {key}"),
            Source::Secret => format!("secret references non-existent secret key: {key}"),
        }
    }

    /// The data maps of an object of this kind.
    fn data_fields(self) -> &'static [&'static str] {
        match self {
            Source::ConfigMap => &["data", "binaryData"],
            Source::Secret => &["data", "stringData"],
        }
    }
}

/// Resolves references against the cluster's objects in one namespace.
struct Resolver<'a> {
    objects: &'a ConfigObjects<'a>,
    namespace: &'a str,
    /// The newest creation time among the objects found.
    newest: Option<SystemTime>,
}

impl<'a> Resolver<'a> {
    /// The object, or the kubelet's not-found error.
    fn object(&mut self, source: Source, name: &str) -> Result<&'a Value, String> {
        let list = match source {
            Source::ConfigMap => self.objects.config_maps,
            Source::Secret => self.objects.secrets,
        };
        let namespace = self.namespace;
        let found = list.iter().find(|object| {
            object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                == Some(namespace)
                && object.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
        });
        match found {
            Some(object) => {
                let created = object
                    .pointer("/metadata/creationTimestamp")
                    .and_then(Value::as_str)
                    .and_then(parse_rfc3339);
                self.newest = self.newest.max(created);
                Ok(object)
            }
            None => Err(format!("{} \"{name}\" not found", source.not_found_word())),
        }
    }
}

fn has_key(object: &Value, source: Source, key: &str) -> bool {
    source
        .data_fields()
        .iter()
        .any(|field| object.get(*field).and_then(|data| data.get(key)).is_some())
}

fn optional(selector: &Value) -> bool {
    selector.get("optional").and_then(Value::as_bool) == Some(true)
}

/// The first error building `container`'s environment, in the kubelet's
/// order: `envFrom` sources first, then `env` entries.
fn environment_error(container: &Value, resolver: &mut Resolver<'_>) -> Option<String> {
    let mut first_error = None;
    let mut fail = |error: String| {
        first_error.get_or_insert(error);
    };
    for source in container
        .get("envFrom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for (field, kind) in [
            ("configMapRef", Source::ConfigMap),
            ("secretRef", Source::Secret),
        ] {
            let Some(selector) = source.get(field) else {
                continue;
            };
            let name = selector.get("name").and_then(Value::as_str).unwrap_or("");
            if let Err(error) = resolver.object(kind, name)
                && !optional(selector)
            {
                fail(error);
            }
        }
    }
    for variable in container
        .get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for (field, kind) in [
            ("configMapKeyRef", Source::ConfigMap),
            ("secretKeyRef", Source::Secret),
        ] {
            let Some(selector) = variable.pointer(&format!("/valueFrom/{field}")) else {
                continue;
            };
            let name = selector.get("name").and_then(Value::as_str).unwrap_or("");
            let key = selector.get("key").and_then(Value::as_str).unwrap_or("");
            let namespace = resolver.namespace;
            let resolved = resolver.object(kind, name).and_then(|object| {
                if has_key(object, kind, key) {
                    Ok(())
                } else {
                    Err(format!(
                        "couldn't find key {key} in {} {namespace}/{name}",
                        kind.kind()
                    ))
                }
            });
            if let Err(error) = resolved
                && !optional(selector)
            {
                fail(error);
            }
        }
    }
    first_error
}

/// The error setting up `volume`, if it is a ConfigMap or Secret volume that
/// cannot be.
fn volume_error(volume: &Value, resolver: &mut Resolver<'_>) -> Option<String> {
    let (source, name, selector) = if let Some(selector) = volume.get("configMap") {
        (Source::ConfigMap, selector.get("name"), selector)
    } else if let Some(selector) = volume.get("secret") {
        (Source::Secret, selector.get("secretName"), selector)
    } else {
        return None;
    };
    let name = name.and_then(Value::as_str).unwrap_or("");
    let problem = match resolver.object(source, name) {
        Err(error) => error,
        Ok(object) => selector
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|item| item.get("key").and_then(Value::as_str))
            .find(|key| !has_key(object, source, key))
            .map(|key| source.missing_volume_key(key))?,
    };
    if optional(selector) {
        return None;
    }
    let volume_name = volume.get("name").and_then(Value::as_str).unwrap_or("");
    Some(format!(
        "MountVolume.SetUp failed for volume \"{volume_name}\" : {problem}"
    ))
}

/// Checks every ConfigMap and Secret reference of `pod` against `objects`.
pub fn check(pod: &Value, objects: &ConfigObjects<'_>) -> ConfigCheck {
    let namespace = pod
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let mut resolver = Resolver {
        objects,
        namespace,
        newest: None,
    };
    let unmountable_volumes = pod
        .pointer("/spec/volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|volume| {
            let error = volume_error(volume, &mut resolver)?;
            let name = volume.get("name").and_then(Value::as_str).unwrap_or("");
            Some((name.to_string(), error))
        })
        .collect();
    let unconfigurable_containers = ["initContainers", "containers"]
        .iter()
        .flat_map(|list| {
            pod.pointer(&format!("/spec/{list}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(|container| {
            let error = environment_error(container, &mut resolver)?;
            let name = container.get("name").and_then(Value::as_str).unwrap_or("");
            Some((name.to_string(), error))
        })
        .collect();
    let named_pull_secrets: Vec<&str> = pod
        .pointer("/spec/imagePullSecrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|secret| secret.get("name").and_then(Value::as_str))
        .collect();
    let (present, missing): (Vec<&str>, Vec<&str>) =
        named_pull_secrets.into_iter().partition(|name| {
            objects.secrets.iter().any(|secret| {
                secret
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    == Some(namespace)
                    && secret.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
            })
        });
    ConfigCheck {
        unmountable_volumes,
        unconfigurable_containers,
        available_since: resolver.newest,
        missing_pull_secrets: missing.into_iter().map(str::to_string).collect(),
        has_pull_credentials: !present.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(containers: Value, volumes: Value) -> Value {
        json!({
            "metadata": {"name": "api-1", "namespace": "production"},
            "spec": {"containers": containers, "volumes": volumes},
        })
    }

    fn config_map(name: &str, data: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": "production",
            "creationTimestamp": "2026-11-25T10:00:00Z"}, "data": data})
    }

    fn errors(pod: &Value, config_maps: &[Value], secrets: &[Value]) -> ConfigCheck {
        check(
            pod,
            &ConfigObjects {
                config_maps,
                secrets,
            },
        )
    }

    #[test]
    fn pull_secrets_are_found_or_reported_missing() {
        let mut pod = pod(json!([{"name": "api"}]), json!([]));
        pod["spec"]["imagePullSecrets"] = json!([{"name": "regcred"}, {"name": "old-regcred"}]);
        let regcred = json!({"metadata": {"name": "regcred", "namespace": "production"}});
        let check = errors(&pod, &[], &[regcred]);
        assert_eq!(check.missing_pull_secrets, vec!["old-regcred".to_string()]);
        assert!(check.has_pull_credentials);
        let check = errors(&pod, &[], &[]);
        assert_eq!(check.missing_pull_secrets.len(), 2);
        assert!(!check.has_pull_credentials);
    }

    #[test]
    fn a_missing_config_map_in_env_is_the_kubelets_not_found_error() {
        let pod = pod(
            json!([{"name": "api", "env": [
                {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "LOG_LEVEL"}}}
            ]}]),
            json!([]),
        );
        let check = errors(&pod, &[], &[]);
        assert_eq!(
            check.container_error("api"),
            Some("configmap \"app-config\" not found")
        );
        assert!(check.unmountable_volumes.is_empty());
        assert_eq!(check.available_since, None);
    }

    #[test]
    fn a_missing_key_names_the_key_and_the_object() {
        let pod = pod(
            json!([{"name": "api", "env": [
                {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "LOG_LEVEL"}}}
            ]}]),
            json!([]),
        );
        let present = [config_map("app-config", json!({"MODE": "fast"}))];
        let check = errors(&pod, &present, &[]);
        assert_eq!(
            check.container_error("api"),
            Some("couldn't find key LOG_LEVEL in ConfigMap production/app-config")
        );
        let complete = [config_map("app-config", json!({"LOG_LEVEL": "info"}))];
        let resolved = errors(&pod, &complete, &[]);
        assert_eq!(resolved.container_error("api"), None);
        assert_eq!(
            resolved.available_since,
            parse_rfc3339("2026-11-25T10:00:00Z")
        );
    }

    #[test]
    fn env_from_is_checked_before_env_and_secrets_use_their_own_words() {
        let pod = pod(
            json!([{"name": "api",
                "envFrom": [{"secretRef": {"name": "db-creds"}}],
                "env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "A"}}}]
            }]),
            json!([]),
        );
        assert_eq!(
            errors(&pod, &[], &[]).container_error("api"),
            Some("secret \"db-creds\" not found")
        );
        let secret = json!({"metadata": {"name": "db-creds", "namespace": "production"}, "data": {"password": "cHc="}});
        let key_pod = self::pod(
            json!([{"name": "api", "env": [
                {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "username"}}}
            ]}]),
            json!([]),
        );
        assert_eq!(
            errors(&key_pod, &[], &[secret]).container_error("api"),
            Some("couldn't find key username in Secret production/db-creds")
        );
    }

    #[test]
    fn optional_references_never_block() {
        let pod = pod(
            json!([{"name": "api",
                "envFrom": [{"configMapRef": {"name": "extra", "optional": true}}],
                "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k", "optional": true}}}]
            }]),
            json!([{"name": "conf", "configMap": {"name": "conf", "optional": true}}]),
        );
        assert_eq!(errors(&pod, &[], &[]), ConfigCheck::default());
    }

    #[test]
    fn a_missing_volume_source_fails_the_mount() {
        let pod = pod(
            json!([{"name": "api"}]),
            json!([
                {"name": "conf", "configMap": {"name": "nginx-conf", "items": [{"key": "nginx.conf", "path": "nginx.conf"}]}},
                {"name": "certs", "secret": {"secretName": "tls-certs"}},
                {"name": "scratch", "emptyDir": {}}
            ]),
        );
        let check = errors(
            &pod,
            &[config_map("nginx-conf", json!({"other": "x"}))],
            &[],
        );
        assert_eq!(
            check.unmountable_volumes,
            vec![
                (
                    "conf".to_string(),
                    "MountVolume.SetUp failed for volume \"conf\" : configmap references non-existent config key: nginx.conf".to_string()
                ),
                (
                    "certs".to_string(),
                    "MountVolume.SetUp failed for volume \"certs\" : secret \"tls-certs\" not found".to_string()
                ),
            ]
        );
        assert!(check.unconfigurable_containers.is_empty());
    }
}
