//! Scenario files: what a simulated cluster starts with.
//!
//! A scenario is multi-document YAML of ordinary Kubernetes manifests; the
//! simulator's behaviour is set by `sim.kubeop.dev/*` annotations on Pods, pod
//! templates and Nodes ([`crate::behaviour`]). Everything is checked before a
//! cluster starts, and a refusal names the file, the document (its 1-based
//! position and kind/name) and the field, so a typo never turns into a
//! silently different cluster.

use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde_json::Value;

use crate::behaviour::{NodeBehaviour, PodBehaviour};
use crate::clock::rfc3339;
use crate::registry::{Backing, Catalog};

/// The built-in demo: a small production-like cluster (see `demo.yaml`).
const DEMO_SCENARIO_YAML: &str = include_str!("demo.yaml");

/// The name of the built-in demo scenario (and of its kubeconfig context).
pub const DEMO_SCENARIO_NAME: &str = "demo";

/// Where an object sits in a scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A document of its own (1-based position in the file).
    Document(usize),
    /// An item (1-based) of a `List` document (1-based).
    Item {
        /// The List's position in the file.
        document: usize,
        /// The item's position in the List.
        item: usize,
    },
}

impl fmt::Display for Place {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Document(index) => write!(formatter, "document {index}"),
            Place::Item { document, item } => {
                write!(formatter, "document {document}, List item {item}")
            }
        }
    }
}

/// Where in a scenario something is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRef {
    /// Which document (or List item).
    pub place: Place,
    /// `Deployment production/web`, or what could be read of it.
    pub label: String,
}

impl fmt::Display for DocumentRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} ({})", self.place, self.label)
    }
}

/// The items of a `List` document (`kind: List`, or `PodList` and the like,
/// as `kubectl get -o yaml` writes them); None for any other document.
fn list_items(document: &Value) -> Option<&Vec<Value>> {
    let kind = document.get("kind")?.as_str()?;
    if kind != "List" && !(kind.ends_with("List") && kind.len() > "List".len()) {
        return None;
    }
    document.get("items")?.as_array()
}

/// A scenario that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("scenario {file}: cannot read it: {source}")]
    Read {
        /// The file as given.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A document is not YAML (or not a mapping).
    #[error("scenario {file}: document {index}: invalid YAML: {problem}")]
    Yaml {
        /// The file as given.
        file: String,
        /// 1-based position of the document.
        index: usize,
        /// The parser's message, with its line and column.
        problem: String,
    },
    /// A document is YAML but not an acceptable manifest.
    #[error("scenario {file}: {document}: field `{field}`: {problem}")]
    Invalid {
        /// The file as given.
        file: String,
        /// Which document.
        document: DocumentRef,
        /// The offending field, as a path (`spec.template.metadata.annotations["sim.kubeop.dev/state"]`).
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// The file holds no manifest at all.
    #[error("scenario {file}: no Kubernetes objects in it")]
    Empty {
        /// The file as given.
        file: String,
    },
}

/// A validated scenario: its name and its objects, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file's stem (the kubeconfig context name), or `demo`.
    pub name: String,
    /// The manifests, each with apiVersion, kind and metadata.name; namespaced
    /// objects without a namespace are put in `default`.
    pub objects: Vec<Value>,
}

impl Scenario {
    /// The built-in demo cluster.
    pub fn demo() -> Scenario {
        Scenario::parse(
            DEMO_SCENARIO_NAME,
            "built-in demo scenario",
            DEMO_SCENARIO_YAML,
        )
        .expect("the built-in demo scenario is checked by this crate's tests")
    }

    /// Reads and validates a scenario file; its name is the file's stem.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            file: file.clone(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.clone());
        Scenario::parse(&name, &file, &text)
    }

    /// Validates scenario text; `file` names it in errors.
    pub fn parse(name: &str, file: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let mut documents = Vec::new();
        for (position, document) in serde_norway::Deserializer::from_str(text).enumerate() {
            let index = position + 1;
            let value = Value::deserialize(document).map_err(|error| ScenarioError::Yaml {
                file: file.to_string(),
                index,
                problem: error.to_string(),
            })?;
            if value.is_null() {
                continue;
            }
            match list_items(&value) {
                // `kubectl get ... -o yaml` writes a List of the objects.
                Some(items) => {
                    for (item_index, item) in items.iter().enumerate() {
                        let place = Place::Item {
                            document: index,
                            item: item_index + 1,
                        };
                        documents.push((place, crate::convert::to_stored_version(item.clone())));
                    }
                }
                None => documents.push((
                    Place::Document(index),
                    crate::convert::to_stored_version(value),
                )),
            }
        }
        // The file's CustomResourceDefinitions make their kinds valid
        // anywhere in it, as `kubectl apply -f` of a chart's crds/ would.
        let catalog = Catalog::with_custom(crate::custom::served_by(
            documents
                .iter()
                .map(|(_, document)| document)
                .filter(|document| {
                    document["apiVersion"] == "apiextensions.k8s.io/v1"
                        && document["kind"] == "CustomResourceDefinition"
                }),
        ));
        let mut objects = Vec::new();
        for (place, document) in documents {
            objects.push(validate_document(file, place, document, &catalog)?);
        }
        if objects.is_empty() {
            return Err(ScenarioError::Empty {
                file: file.to_string(),
            });
        }
        Ok(Scenario {
            name: name.to_string(),
            objects,
        })
    }
}

/// How long ago a scenario object of this kind was created, when the file
/// does not say: the cluster's foundations first, workloads later, so a
/// freshly started simulator shows the ages of a cluster that has been
/// running for weeks.
fn assumed_age(kind: &str) -> Duration {
    const DAY: u64 = 24 * 3600;
    Duration::from_secs(match kind {
        "Namespace" | "Node" | "ClusterRole" | "ClusterRoleBinding" | "PersistentVolume" => {
            41 * DAY
        }
        "Job" | "Pod" => 6 * 3600 + 14 * 60,
        "Event" => 5 * 60,
        _ => 12 * DAY + 3 * 3600,
    })
}

impl Scenario {
    /// The objects as they are loaded at `now`: each without a
    /// `creationTimestamp` gets one in the past, by kind.
    pub fn objects_at(&self, now: SystemTime) -> Vec<Value> {
        self.objects
            .iter()
            .map(|object| {
                let mut object = object.clone();
                let has_time = object
                    .pointer("/metadata/creationTimestamp")
                    .is_some_and(Value::is_string);
                if !has_time {
                    let kind = object["kind"].as_str().unwrap_or_default();
                    object["metadata"]["creationTimestamp"] =
                        Value::String(rfc3339(now - assumed_age(kind)));
                }
                object
            })
            .collect()
    }
}

/// Whether `kind` of `api_version` is namespaced, or None when a scenario may
/// not hold it: any resource the cluster stores (the catalog is the one list
/// of kinds, with the file's own CustomResourceDefinitions), but nothing
/// computed per request (metrics, access reviews).
pub fn scenario_kind_namespaced(catalog: &Catalog, api_version: &str, kind: &str) -> Option<bool> {
    catalog
        .by_kind(api_version, kind)
        .filter(|resource| resource.backing != Backing::Virtual)
        .map(|resource| resource.namespaced)
}

/// `apiVersion Kind` of every kind a scenario may hold, for error messages.
fn scenario_kinds(catalog: &Catalog) -> String {
    catalog
        .resources()
        .filter(|resource| resource.backing == Backing::Stored)
        .map(|resource| format!("{} {}", resource.api_version(), resource.kind))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where pod templates sit in each workload kind, as JSON pointers to their metadata.
fn pod_template_metadata_pointers(kind: &str) -> &'static [&'static str] {
    match kind {
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" => {
            &["/spec/template/metadata"]
        }
        "CronJob" => &["/spec/jobTemplate/spec/template/metadata"],
        _ => &[],
    }
}

/// `/spec/template/metadata` → `spec.template.metadata`.
fn dotted(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

fn validate_document(
    file: &str,
    place: Place,
    mut value: Value,
    catalog: &Catalog,
) -> Result<Value, ScenarioError> {
    let text_at = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let kind = text_at("/kind");
    let name = text_at("/metadata/name");
    let namespace = text_at("/metadata/namespace");
    let label = match (&kind, &namespace, &name) {
        (Some(kind), Some(namespace), Some(name)) => format!("{kind} {namespace}/{name}"),
        (Some(kind), None, Some(name)) => format!("{kind} {name}"),
        (Some(kind), _, None) => format!("{kind} without a name"),
        (None, _, Some(name)) => format!("{name}, without a kind"),
        (None, _, None) => "no kind, no name".to_string(),
    };
    let invalid = |field: &str, problem: String| ScenarioError::Invalid {
        file: file.to_string(),
        document: DocumentRef {
            place,
            label: label.clone(),
        },
        field: field.to_string(),
        problem,
    };
    if !value.is_object() {
        return Err(invalid(
            "",
            "a document must be a mapping (a Kubernetes object)".to_string(),
        ));
    }
    let api_version =
        text_at("/apiVersion").ok_or_else(|| invalid("apiVersion", "missing".to_string()))?;
    let kind = kind.ok_or_else(|| invalid("kind", "missing".to_string()))?;
    let namespaced = scenario_kind_namespaced(catalog, &api_version, &kind).ok_or_else(|| {
        invalid(
            "kind",
            format!(
                "unknown kind `{kind}` in `{api_version}` (a scenario may hold: {}, and the kinds of its CustomResourceDefinitions)",
                scenario_kinds(catalog)
            ),
        )
    })?;
    let generated = value
        .pointer("/metadata/generateName")
        .and_then(Value::as_str)
        .is_some_and(|prefix| !prefix.trim().is_empty());
    match value.pointer("/metadata/name") {
        Some(Value::String(name)) if !name.trim().is_empty() => {}
        None if generated => {}
        Some(_) => {
            return Err(invalid(
                "metadata.name",
                "must be a non-empty string".to_string(),
            ));
        }
        None => {
            return Err(invalid(
                "metadata.name",
                "missing (give a name or a generateName)".to_string(),
            ));
        }
    }
    let annotated: Vec<&str> = match kind.as_str() {
        "Pod" | "Node" => vec!["/metadata"],
        other => pod_template_metadata_pointers(other).to_vec(),
    };
    for pointer in annotated {
        let annotations = match value.pointer(&format!("{pointer}/annotations")) {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(_) => {
                return Err(invalid(
                    &format!("{}.annotations", dotted(pointer)),
                    "must be a mapping of strings".to_string(),
                ));
            }
        };
        let checked = if kind == "Node" {
            NodeBehaviour::parse(annotations).map(drop)
        } else {
            PodBehaviour::parse(annotations).map(drop)
        };
        checked.map_err(|error| {
            invalid(
                &format!("{}.annotations[\"{}\"]", dotted(pointer), error.key),
                error.problem,
            )
        })?;
    }
    if namespaced
        && namespace.is_none()
        && let Some(metadata) = value
            .pointer_mut("/metadata")
            .and_then(Value::as_object_mut)
    {
        metadata.insert(
            "namespace".to_string(),
            Value::String("default".to_string()),
        );
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> String {
        Scenario::parse("broken", "broken.yaml", text)
            .expect_err("the scenario is invalid")
            .to_string()
    }

    #[test]
    fn reads_documents_in_order_and_defaults_the_namespace() {
        let scenario = Scenario::parse(
            "tiny",
            "tiny.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\n\
             apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n---\n",
        )
        .expect("valid");
        assert_eq!(scenario.name, "tiny");
        assert_eq!(scenario.objects.len(), 2);
        assert_eq!(scenario.objects[1]["metadata"]["namespace"], "default");
        assert!(scenario.objects[0]["metadata"].get("namespace").is_none());
    }

    #[test]
    fn refuses_bad_yaml_naming_file_and_document() {
        let message =
            refusal("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: [unclosed\n");
        assert!(
            message.starts_with("scenario broken.yaml: document 2: invalid YAML"),
            "{message}"
        );
    }

    #[test]
    fn refuses_an_unknown_kind() {
        let message = refusal("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n");
        assert!(
            message.starts_with(
                "scenario broken.yaml: document 1 (Widget w): field `kind`: unknown kind `Widget`"
            ),
            "{message}"
        );
    }

    #[test]
    fn refuses_kinds_that_are_computed_not_stored() {
        let message =
            refusal("apiVersion: metrics.k8s.io/v1beta1\nkind: PodMetrics\nmetadata:\n  name: m\n");
        assert!(
            message.contains("field `kind`: unknown kind `PodMetrics`"),
            "{message}"
        );
        assert!(message.contains("apps/v1 Deployment"), "{message}");
    }

    #[test]
    fn refuses_a_missing_name_or_kind() {
        let message = refusal("apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: a\n");
        assert!(
            message.contains("document 1 (Pod without a name): field `metadata.name`: missing"),
            "{message}"
        );
        let message = refusal("apiVersion: v1\nmetadata:\n  name: x\n");
        assert!(message.contains("field `kind`: missing"), "{message}");
    }

    #[test]
    fn refuses_bad_simulator_annotations_with_the_field_path() {
        let message = refusal(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n\
             spec:\n  template:\n    metadata:\n      annotations:\n        sim.kubeop.dev/state: exploding\n",
        );
        assert!(
            message.starts_with(
                "scenario broken.yaml: document 2 (Deployment shop/web): \
                 field `spec.template.metadata.annotations[\"sim.kubeop.dev/state\"]`: `exploding` is not a simulated state"
            ),
            "{message}"
        );
        let message = refusal(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    sim.kubeop.dev/memory-usage: lots\n",
        );
        assert!(
            message.contains("field `metadata.annotations[\"sim.kubeop.dev/memory-usage\"]`"),
            "{message}"
        );
        let message = refusal(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations:\n            sim.kubeop.dev/restarts: \"x\"\n",
        );
        assert!(
            message.contains("field `spec.jobTemplate.spec.template.metadata.annotations[\"sim.kubeop.dev/restarts\"]`"),
            "{message}"
        );
        let message = refusal(
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: n\n  annotations:\n    sim.kubeop.dev/colour: red\n",
        );
        assert!(
            message.contains("unknown simulator annotation on a node"),
            "{message}"
        );
    }

    #[test]
    fn a_list_document_holds_its_items_and_generate_name_is_a_name() {
        let scenario = Scenario::parse(
            "exported",
            "exported.yaml",
            "apiVersion: v1\nkind: List\nitems:\n\
             - apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a, namespace: shop}\n\
             - apiVersion: v1\n  kind: Pod\n  metadata: {generateName: worker-}\n  spec: {containers: [{name: w, image: busybox}]}\n---\n\
             apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec: {minAvailable: 1}\n---\n\
             apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n\
             spec: {maxReplicas: 4, targetCPUUtilizationPercentage: 60, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}\n",
        )
        .expect("valid");
        let kinds: Vec<&str> = scenario
            .objects
            .iter()
            .filter_map(|object| object["kind"].as_str())
            .collect();
        assert_eq!(
            kinds,
            [
                "ConfigMap",
                "Pod",
                "PodDisruptionBudget",
                "HorizontalPodAutoscaler"
            ]
        );
        assert_eq!(scenario.objects[3]["apiVersion"], "autoscaling/v2");
        let message = refusal(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n\
             - apiVersion: example.com/v1\n  kind: Widget\n  metadata: {name: w}\n",
        );
        assert!(
            message.starts_with(
                "scenario broken.yaml: document 1, List item 2 (Widget w): field `kind`: unknown kind `Widget`"
            ),
            "{message}"
        );
    }

    #[test]
    fn refuses_an_empty_file_and_an_unreadable_one() {
        assert!(refusal("---\n").contains("no Kubernetes objects"));
        let error =
            Scenario::from_file(Path::new("/nonexistent/scenario.yaml")).expect_err("missing");
        assert!(
            error
                .to_string()
                .starts_with("scenario /nonexistent/scenario.yaml: cannot read it")
        );
    }

    #[test]
    fn the_demo_looks_like_a_small_production_cluster() {
        let demo = Scenario::demo();
        let count = |kind: &str| {
            demo.objects
                .iter()
                .filter(|object| object["kind"] == kind)
                .count()
        };
        assert_eq!(count("Node"), 3);
        let namespaces: Vec<&str> = demo
            .objects
            .iter()
            .filter(|object| object["kind"] == "Namespace")
            .filter_map(|object| object["metadata"]["name"].as_str())
            .collect();
        assert_eq!(
            namespaces,
            [
                "default",
                "kube-system",
                "production",
                "staging",
                "monitoring"
            ]
        );
        assert!(count("Deployment") >= 10);
        for kind in [
            "StatefulSet",
            "DaemonSet",
            "CronJob",
            "Ingress",
            "Secret",
            "ResourceQuota",
            "Role",
            "RoleBinding",
            "ClusterRole",
            "ClusterRoleBinding",
            "ServiceAccount",
            "ConfigMap",
        ] {
            assert!(count(kind) >= 1, "the demo has no {kind}");
        }
        let template_state = |state: &str| {
            demo.objects.iter().any(|object| {
                pod_template_metadata_pointers(object["kind"].as_str().unwrap_or_default())
                    .iter()
                    .any(|pointer| {
                        object
                            .pointer(&format!("{pointer}/annotations/sim.kubeop.dev~1state"))
                            .and_then(Value::as_str)
                            == Some(state)
                    })
            })
        };
        for state in ["crashloop", "oomkilled", "imagepullbackoff", "completed"] {
            assert!(template_state(state), "no workload in state {state}");
        }
        let kube_dns = demo
            .objects
            .iter()
            .find(|object| object["kind"] == "Service" && object["metadata"]["name"] == "kube-dns")
            .expect("kube-dns");
        assert_eq!(kube_dns["spec"]["clusterIP"], "10.96.0.10");
    }

    #[test]
    fn loaded_objects_are_dated_in_the_past_unless_the_file_says_when() {
        let scenario = Scenario::parse(
            "aged",
            "aged.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n\
             apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: a, creationTimestamp: \"2026-01-01T00:00:00Z\"}\n",
        )
        .expect("valid");
        let now = crate::clock::from_unix_seconds(1_795_596_253);
        let objects = scenario.objects_at(now);
        assert_eq!(
            objects[0]["metadata"]["creationTimestamp"],
            "2026-10-15T08:44:13Z"
        );
        assert_eq!(
            objects[1]["metadata"]["creationTimestamp"],
            "2026-01-01T00:00:00Z"
        );
    }

    #[test]
    fn names_a_scenario_after_its_file_stem() {
        let directory = std::env::temp_dir().join(format!("sim-scenario-{}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("temp dir");
        let path = directory.join("prod-eu.yaml");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
        )
        .expect("write");
        let scenario = Scenario::from_file(&path).expect("valid");
        assert_eq!(scenario.name, "prod-eu");
        std::fs::remove_dir_all(&directory).expect("clean up");
    }
}
