//! "Why is my pod failing?": the pod-failure playbook.
//!
//! Gathering, in the order an SRE reads: the pod (or the failing pods of a
//! Deployment or name prefix), its owner chain (pod → ReplicaSet →
//! Deployment), the events of the pod and its owners (one namespace-wide
//! read, the only rate-limited call in the common case), then only what the
//! symptom calls for: previous logs of a crashing container, live usage of an
//! OOMKilled one, earlier revisions' images for a bad image, the referenced
//! ConfigMaps and Secrets, the nodes and claims of a pod that cannot be
//! scheduled. [`conclude`] then names the cause from those facts alone.

pub mod autoscaler;
mod conclude;
pub mod init_wait;
pub mod named_object;
pub(crate) mod node_target;
mod refused;
pub mod service;
mod workload;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tracing::Instrument;

use super::conditions;
use super::parse::{self, Event, Table, listed_names};
use super::pod_status::{PodState, Symptom, symptom};
use super::quantity::{Cpu, Memory};
use super::reader::{ClusterReader, ReadCall, ReadTool, ToolOutput, read_object};
use super::{Cause, Diagnosis, DiagnosisError};
use crate::verify::label_selector;
use service::ServiceVerdict;

pub use conclude::conclude;

/// At most this many candidate pods are read when the target is a
/// Deployment or a name prefix: enough to find the failing ones, bounded so a
/// broad prefix cannot turn one question into hundreds of reads.
pub const MAX_PODS_EXAMINED: usize = 20;

/// Log lines read from a crashed container: the end of a log holds the error.
pub const LOG_TAIL_LINES: u64 = 50;

/// At most this many earlier ReplicaSets are read looking for a working image.
pub const MAX_REVISIONS_EXAMINED: usize = 5;

/// At most this many nodes are read to explain a scheduling failure.
pub const MAX_NODES_EXAMINED: usize = 10;

/// What to diagnose: a pod, a Deployment, or a pod name prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodFailureTarget {
    /// The name as the user gave it.
    pub name: String,
    /// The namespace, when known; otherwise every namespace is searched.
    pub namespace: Option<String>,
}

/// A ConfigMap or Secret the pod refers to that does not exist, or that
/// lacks keys the pod reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingReference {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The keys the pod reads from it (empty for envFrom and volumes); for
    /// an object that exists, only the keys it lacks.
    pub keys: Vec<String>,
    /// Where the pod refers to it, e.g. `env LOG_LEVEL of container app`.
    pub referenced_by: Vec<String>,
    /// The live object when it exists (and only keys are missing).
    pub live: Option<Value>,
}

/// A ConfigMap or Secret of the same name as a missing one, in another
/// namespace: what the same application runs with elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SameNamedObject {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    /// The name shared with the missing reference.
    pub name: String,
    /// The namespace it lives in.
    pub namespace: String,
    /// The object as read (a Secret's values arrive redacted); `None` when
    /// only listed.
    pub object: Option<Value>,
}

/// The data keys of a ConfigMap or Secret (`data`, `binaryData`, `stringData`).
pub fn data_keys(object: &Value) -> Vec<String> {
    ["data", "binaryData", "stringData"]
        .iter()
        .filter_map(|field| object.get(*field).and_then(Value::as_object))
        .flat_map(|data| data.keys().cloned())
        .collect()
}

/// A node as the scheduler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFacts {
    /// The node name.
    pub name: String,
    /// `status.allocatable.cpu` and `.memory`, as written.
    pub allocatable_cpu: String,
    /// Allocatable memory.
    pub allocatable_memory: String,
    /// Taints as `key=value:Effect`.
    pub taints: Vec<String>,
    /// Its labels as `key=value`.
    pub labels: Vec<String>,
    /// Its pressure conditions that are True, as `DiskPressure: message`.
    pub pressure: Vec<String>,
    /// What the pods bound to it request, as the scheduler counts it; read
    /// only when the scheduler said a resource is insufficient.
    pub requested: Option<(Cpu, Memory)>,
}

/// An earlier ReplicaSet of the Deployment that owns the failing pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierRevision {
    /// The ReplicaSet's name.
    pub name: String,
    /// Its `deployment.kubernetes.io/revision` (0 when unreadable).
    pub revision: u64,
    /// The failing container's image in it, when it has that container.
    pub image: Option<String>,
    /// Its ready pods (`status.readyReplicas`): an old ReplicaSet with ready
    /// pods is what still serves while a rollout is stuck.
    pub ready_replicas: u64,
    /// Its pod template (`spec.template`), what a rollback restores.
    pub template: Value,
}

/// A PersistentVolumeClaim the pod mounts, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimFacts {
    /// Its name.
    pub name: String,
    /// `status.phase`; `NotFound` when the claim does not exist.
    pub phase: String,
    /// `spec.storageClassName`, when set.
    pub storage_class: Option<String>,
    /// Its bound volume's name and required node affinity
    /// (`topology.kubernetes.io/zone In [eu-west-1a]`), read only when the
    /// scheduler reports a volume node affinity conflict.
    pub volume_affinity: Option<(String, String)>,
}

/// A PersistentVolume's required node affinity as people read it: each
/// term's expressions joined by `, `, terms by ` or `.
fn volume_node_affinity(volume: &Value) -> Option<String> {
    let terms = volume
        .pointer("/spec/nodeAffinity/required/nodeSelectorTerms")?
        .as_array()?;
    let said: Vec<String> = terms
        .iter()
        .map(|term| {
            term["matchExpressions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|expression| {
                    let values = expression_values(expression);
                    format!(
                        "{} {} [{}]",
                        expression["key"].as_str().unwrap_or_default(),
                        expression["operator"].as_str().unwrap_or_default(),
                        values.join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    (!said.is_empty()).then(|| said.join(" or "))
}

/// A node's live memory use from `nodes_top`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeMemory {
    /// The node name.
    pub node: String,
    /// Memory in use.
    pub usage: Memory,
    /// Its share of the node's allocatable memory, in percent.
    pub percent: Option<u64>,
}

/// Everything the playbook read about one pod; [`conclude`] needs nothing else.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodFacts {
    /// The Pod object.
    pub pod: Value,
    /// Its owners, nearest first (ReplicaSet, then Deployment).
    pub owners: Vec<Value>,
    /// Events of the pod and its owners.
    pub events: Vec<Event>,
    /// The end of the previous (crashed) instance's log of the failing container.
    pub previous_logs: Option<String>,
    /// The end of the current instance's log.
    pub current_logs: Option<String>,
    /// The failing container's live memory use (`pods_top`).
    pub memory_usage: Option<Memory>,
    /// The node's live memory use (`nodes_top`).
    pub node_memory: Option<NodeMemory>,
    /// Referenced ConfigMaps and Secrets that do not exist or lack keys.
    pub missing_references: Vec<MissingReference>,
    /// Objects named like a missing reference in other namespaces.
    pub same_named_elsewhere: Vec<SameNamedObject>,
    /// The earlier ReplicaSets of the owning Deployment, newest first: read
    /// for a bad image and for a rollout that has not finished.
    pub earlier_revisions: Vec<EarlierRevision>,
    /// Image pull secrets the pod names that do not exist.
    pub missing_pull_secrets: Vec<String>,
    /// Claims the pod mounts.
    pub claims: Vec<ClaimFacts>,
    /// The nodes, for a pod that cannot be scheduled.
    pub nodes: Vec<NodeFacts>,
    /// The node the pod is bound to, as read.
    pub node: Option<Value>,
    /// The pods bound to that node, when it is not Ready: everything on it
    /// shares the pod's fate.
    pub pods_on_node: Vec<String>,
    /// What an init container that does not complete waits for, as the
    /// cluster answers it.
    pub waited_services: Vec<init_wait::WaitedService>,
    /// Services of the pod's namespace, read when a waited-for one is missing.
    pub services_in_namespace: Vec<String>,
}

/// The `values` of one `matchExpressions` entry (none for Exists).
fn expression_values(expression: &Value) -> Vec<&str> {
    expression["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Whether every `matchExpressions` entry holds for an object whose label
/// `key` reads `value_of(key)`: In, NotIn, Exists, DoesNotExist; any other
/// operator (node affinity's Gt and Lt, which are not read) counts as
/// `other_operators`. Label selectors and nodeSelectorTerms share it.
pub(crate) fn expressions_hold<'a>(
    expressions: Option<&Value>,
    value_of: impl Fn(&str) -> Option<&'a str>,
    other_operators: bool,
) -> bool {
    expressions
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .all(|expression| {
            let value = value_of(expression["key"].as_str().unwrap_or_default());
            let values = expression_values(expression);
            match expression["operator"].as_str().unwrap_or_default() {
                "In" => value.is_some_and(|value| values.contains(&value)),
                "NotIn" => value.is_none_or(|value| !values.contains(&value)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => other_operators,
            }
        })
}

/// Counts the calls a playbook makes, so its cost is reported with its
/// answer, and keeps the objects it read: one diagnosis reads a cluster at
/// one moment, so an object met twice (the Deployment the request named,
/// then as the pod's owner) is read once.
struct Reads<'r, R> {
    reader: &'r R,
    calls: usize,
    /// Objects read so far (`None`: not found), by apiVersion, kind,
    /// namespace and name.
    objects: BTreeMap<(String, String, String, String), Option<Value>>,
    /// The events of each namespace read so far: the pod, its owners, a
    /// refused workload and an object of another kind all read the same
    /// namespace-wide (rate-limited) list, once.
    events: BTreeMap<String, Vec<Event>>,
}

impl<R: ClusterReader> Reads<'_, R> {
    async fn call<'a>(
        &mut self,
        tool: ReadTool,
        arguments: impl IntoIterator<Item = (&'a str, Option<Value>)>,
    ) -> Result<ToolOutput, DiagnosisError> {
        self.calls += 1;
        Ok(self.reader.call(ReadCall::new(tool, arguments)).await?)
    }

    /// One object, or `None` when it does not exist.
    async fn get(
        &mut self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, DiagnosisError> {
        let key = (
            api_version.to_owned(),
            kind.to_owned(),
            namespace.unwrap_or_default().to_owned(),
            name.to_owned(),
        );
        if let Some(known) = self.objects.get(&key) {
            return Ok(known.clone());
        }
        self.calls += 1;
        let object = read_object(self.reader, api_version, kind, namespace, name).await?;
        self.objects.insert(key, object.clone());
        Ok(object)
    }

    /// The events of `namespace`. Events are supporting evidence: an
    /// unreadable answer reads as none rather than hiding the cause.
    async fn events(&mut self, namespace: &str) -> Result<Vec<Event>, DiagnosisError> {
        if let Some(known) = self.events.get(namespace) {
            return Ok(known.clone());
        }
        let output = self
            .call(
                ReadTool::EventsList,
                [("namespace", Some(json!(namespace)))],
            )
            .await?;
        let events = parse::events(&output).unwrap_or_default();
        self.events.insert(namespace.to_owned(), events.clone());
        Ok(events)
    }

    /// `(namespace, name)` of the objects of a list, optionally filtered by labels.
    async fn list_names(
        &mut self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        label_selector: Option<String>,
        field_selector: Option<String>,
    ) -> Result<Vec<(String, String)>, DiagnosisError> {
        let output = self
            .call(
                ReadTool::ResourcesList,
                [
                    ("apiVersion", Some(json!(api_version))),
                    ("kind", Some(json!(kind))),
                    ("namespace", namespace.map(|namespace| json!(namespace))),
                    ("labelSelector", label_selector.map(Value::String)),
                    ("fieldSelector", field_selector.map(Value::String)),
                ],
            )
            .await?
            .succeeded(ReadTool::ResourcesList)?;
        Ok(listed_names(&output, namespace))
    }

    async fn logs(
        &mut self,
        namespace: &str,
        pod: &str,
        container: &str,
        previous: bool,
    ) -> Result<Option<String>, DiagnosisError> {
        let output = self
            .call(
                ReadTool::PodsLog,
                [
                    ("name", Some(json!(pod))),
                    ("namespace", Some(json!(namespace))),
                    ("container", Some(json!(container))),
                    ("previous", Some(json!(previous))),
                    ("tail", Some(json!(LOG_TAIL_LINES))),
                ],
            )
            .await?;
        // A missing previous instance is an answer ("no earlier log"), not a failure.
        Ok(
            (!output.is_error && !output.text.contains("has not logged any message yet"))
                .then_some(output.text.into_string()),
        )
    }
}

/// The controller owner reference of an object, as (apiVersion, kind, name).
fn controller_of(object: &Value) -> Option<(String, String, String)> {
    object
        .pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|owner| owner["controller"].as_bool().unwrap_or(true))
        .map(|owner| {
            let text = |key: &str| owner[key].as_str().unwrap_or_default().to_string();
            (text("apiVersion"), text("kind"), text("name"))
        })
}

/// Diagnoses the failing pod named by `target` (a pod, a Deployment, or a
/// prefix of pod names) and proposes a fix when the evidence determines one.
pub async fn diagnose_pod_failure<R: ClusterReader>(
    reader: &R,
    target: &PodFailureTarget,
) -> Result<Diagnosis, DiagnosisError> {
    let span = tracing::info_span!(
        "diagnose_pod_failure",
        target = %target.name,
        namespace = target.namespace.as_deref().unwrap_or("*")
    );
    async move {
        let mut reads = Reads {
            reader,
            calls: 0,
            objects: BTreeMap::new(),
            events: BTreeMap::new(),
        };
        let (candidates, missing_ordinal) = resolve(&mut reads, target).await?;
        let mut ranked: Vec<(Value, PodState, Symptom)> = candidates
            .into_iter()
            .map(|pod| {
                let state = PodState::read(&pod);
                let found = symptom(&state);
                (pod, state, found)
            })
            .collect();
        let revisions = replica_set_revisions(&mut reads, &ranked).await?;
        worst_newest_first(&mut ranked, &revisions);
        let mut ranked = ranked.into_iter();
        let Some((pod, state, found)) = ranked.next() else {
            // No pod: a workload whose pods the API server refuses, or a
            // Service of that name, may be what is meant. Each kind's
            // playbook reads what it needs (the events first): only when
            // some object holds the name, so that a name nothing holds
            // costs one get per kind and no event list.
            let namespace = match target.namespace.as_deref() {
                Some(namespace) if holds_name(&mut reads, namespace, &target.name).await? => {
                    Some(namespace)
                }
                _ => None,
            };
            if let Some(namespace) = namespace {
                let mut explained =
                    autoscaler::diagnose(&mut reads, namespace, &target.name).await?;
                if explained.is_none() {
                    explained =
                        refused::diagnose(&mut reads, namespace, &target.name, None).await?;
                }
                // A claim or an Ingress the events already name (a
                // ProvisioningFailed claim): read that, not every kind.
                if explained.is_none() {
                    explained =
                        named_object::diagnose(&mut reads, namespace, &target.name, true).await?;
                }
                // A Job whose pods are gone (stopped at its deadline), or a
                // CronJob that does not run.
                if explained.is_none() {
                    explained = workload::diagnose(&mut reads, namespace, &target.name).await?;
                }
                if let Some(mut diagnosis) = explained {
                    diagnosis.tool_calls = reads.calls;
                    return Ok(diagnosis);
                }
            }
            // A node asked about by name ("what's wrong with node-2").
            if let Some(mut diagnosis) = node_target::diagnose(&mut reads, &target.name).await? {
                diagnosis.tool_calls = reads.calls;
                return Ok(diagnosis);
            }
            if let Some(namespace) = namespace {
                let mut explained = service::gather(&mut reads, namespace, &target.name)
                    .await?
                    .map(|facts| service::verdict(&facts));
                // A Service that routes may front an Ingress of the same
                // name that does not: the broken one is the answer.
                if explained
                    .as_ref()
                    .is_none_or(|found| found.cause == Cause::NoFailureFound)
                    && let Some(other) =
                        named_object::diagnose(&mut reads, namespace, &target.name, false).await?
                    && (explained.is_none() || other.cause != Cause::NoFailureFound)
                {
                    explained = Some(other);
                }
                if let Some(mut diagnosis) = explained {
                    diagnosis.tool_calls = reads.calls;
                    return Ok(diagnosis);
                }
            }
            return Err(not_found(target));
        };
        let other_failing_pods = ranked
            .filter(|(_, _, other)| other.severity() > 0)
            .map(|(_, other_state, other)| {
                format!(
                    "{}/{}: {}",
                    other_state.namespace,
                    other_state.name,
                    other.short()
                )
            })
            .collect();
        let facts = gather(&mut reads, pod, &state, &found).await?;
        let mut diagnosis = conclude(&facts);
        if diagnosis.cause != Cause::NoFailureFound
            && let Some((evidence, sentence)) = workload::ordered_wait(&facts.owners, &state.name)
        {
            diagnosis.summary = format!("{} {sentence}", diagnosis.summary);
            diagnosis.evidence.push(evidence);
        }
        // Healthy pods: "why isn't api scaling" is its autoscaler's doing
        // (named as the workload, or otherwise and pointing at it).
        let scaling = if diagnosis.cause == Cause::NoFailureFound {
            match autoscaler::diagnose(&mut reads, &state.namespace, &target.name).await? {
                Some(found) => Some(found),
                None => {
                    autoscaler::diagnose_scaling_of(&mut reads, &state.namespace, &target.name)
                        .await?
                }
            }
        } else {
            None
        };
        if let Some(scaling) = scaling {
            if scaling.cause == Cause::NoFailureFound {
                diagnosis.evidence.extend(scaling.evidence);
                diagnosis.summary = format!("{} {}", diagnosis.summary, scaling.summary);
            } else {
                diagnosis = scaling;
            }
        }
        // A healthy pod of a Job that failed: stopped at its deadline.
        if diagnosis.cause == Cause::NoFailureFound
            && let Some(job) = facts.owners.iter().find(|owner| owner["kind"] == "Job")
            && conditions::true_one(job, "Failed").is_some()
        {
            diagnosis = workload::job_verdict(job, &facts.events);
        }
        // Healthy pods of a CronJob's Jobs: the CronJob says why no new run
        // starts (a running Job under Forbid, missed start times).
        if diagnosis.cause == Cause::NoFailureFound
            && let Some(cron_job) = facts.owners.iter().find(|owner| owner["kind"] == "CronJob")
        {
            let verdict = workload::cron_job_verdict(cron_job, &facts.events);
            if verdict.cause != Cause::NoFailureFound {
                diagnosis = verdict;
            }
        }
        // Healthy pods of a paused Deployment whose new template waits.
        if diagnosis.cause == Cause::NoFailureFound
            && let Some(paused) = workload::paused_rollout(&facts.owners)
        {
            diagnosis = paused;
        }
        // Healthy pods, fewer than wanted: the API server may refuse the
        // rest (a quota, a missing PriorityClass).
        if diagnosis.cause == Cause::NoFailureFound
            && let Some((workload, short)) = refused::shortfall(&facts.owners)
            && let Some(refusal) =
                refused::diagnose(&mut reads, &state.namespace, &workload, Some(short)).await?
        {
            diagnosis = refusal;
        }
        // Healthy pods: "checkout returns 503" may be its Service's doing.
        if diagnosis.cause == Cause::NoFailureFound
            && let Some(facts) = service::gather(&mut reads, &state.namespace, &target.name).await?
        {
            match service::conclude(&facts) {
                ServiceVerdict::Broken(broken) => diagnosis = *broken,
                ServiceVerdict::Routes(evidence) => diagnosis.evidence.extend(evidence),
            }
        }
        // ... or the Ingress (or claim) of that name in front of them.
        if diagnosis.cause == Cause::NoFailureFound
            && let Some(other) =
                named_object::diagnose(&mut reads, &state.namespace, &target.name, false).await?
            && other.cause != Cause::NoFailureFound
        {
            diagnosis = other;
        }
        if let Some(note) = missing_ordinal {
            diagnosis.summary = format!("{note} {}", diagnosis.summary);
        }
        diagnosis.other_failing_pods = other_failing_pods;
        diagnosis.tool_calls = reads.calls;
        tracing::info!(cause = ?diagnosis.cause, tool_calls = reads.calls, "diagnosed");
        Ok(diagnosis)
    }
    .instrument(span)
    .await
}

fn not_found(target: &PodFailureTarget) -> DiagnosisError {
    DiagnosisError::TargetNotFound {
        target: target.name.clone(),
        scope: target
            .namespace
            .as_ref()
            .map(|namespace| format!(" in namespace {namespace}"))
            .unwrap_or_default(),
    }
}

/// The pod objects the target names: the pod itself; else the pods of the
/// Deployment of that name; else the pods named after it; else, for a
/// StatefulSet's ordinal not created (`NAME-N`), the set's pods, with a
/// sentence saying the pod does not exist.
async fn resolve<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    target: &PodFailureTarget,
) -> Result<(Vec<Value>, Option<String>), DiagnosisError> {
    let namespace = target.namespace.as_deref();
    if namespace.is_some()
        && let Some(pod) = reads.get("v1", "Pod", namespace, &target.name).await?
    {
        return Ok((vec![pod], None));
    }
    let mut names = Vec::new();
    let mut note = None;
    if namespace.is_some()
        && let Some(deployment) = reads
            .get("apps/v1", "Deployment", namespace, &target.name)
            .await?
        && let Some(selector) = label_selector(&deployment)
    {
        names = reads
            .list_names("v1", "Pod", namespace, Some(selector), None)
            .await?;
    }
    if names.is_empty() {
        let listed = reads
            .call(
                ReadTool::ResourcesList,
                [
                    ("apiVersion", Some(json!("v1"))),
                    ("kind", Some(json!("Pod"))),
                    ("namespace", namespace.map(|namespace| json!(namespace))),
                ],
            )
            .await?
            .succeeded(ReadTool::ResourcesList)?;
        let rows = parse::rows(&listed);
        names = pods_named_after(&rows, namespace, &target.name);
        // A StatefulSet's ordinal that does not exist yet ("why is
        // ledger-db-1 missing"): its set's pods say why it is not created.
        if names.is_empty()
            && let Some((set, ordinal)) = target.name.rsplit_once('-')
            && let Ok(ordinal) = ordinal.parse::<u64>()
            && let Some(stateful_set) = reads.get("apps/v1", "StatefulSet", namespace, set).await?
        {
            let wanted = stateful_set
                .pointer("/spec/replicas")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            let created = parse::count(&stateful_set, "/status/replicas");
            note = Some(if ordinal < wanted {
                format!(
                    "Pod {} does not exist: StatefulSet {set} wants {wanted} replicas and has created {created}.",
                    target.name
                )
            } else {
                format!(
                    "Pod {} does not exist: StatefulSet {set} wants {wanted} replicas, so its ordinals end at {}.",
                    target.name,
                    wanted.saturating_sub(1)
                )
            });
            names = pods_named_after(&rows, namespace, set);
        }
    }
    let mut pods = Vec::new();
    for (pod_namespace, name) in names.into_iter().take(MAX_PODS_EXAMINED) {
        if let Some(pod) = reads.get("v1", "Pod", Some(&pod_namespace), &name).await? {
            pods.push(pod);
        }
    }
    Ok((pods, note))
}

/// The kinds a name asked about may be, when no pod has it or starts with
/// it, the most asked about first: what [`holds_name`] probes.
const NAMED_KINDS: [(&str, &str); 9] = [
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("apps/v1", "StatefulSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("apps/v1", "DaemonSet"),
    ("v1", "PersistentVolumeClaim"),
    ("networking.k8s.io/v1", "Ingress"),
];

/// Whether an object of one of [`NAMED_KINDS`] is named `name` in
/// `namespace`, stopping at the first that is (the playbooks then read it
/// again from the cache).
async fn holds_name<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    namespace: &str,
    name: &str,
) -> Result<bool, DiagnosisError> {
    for (api_version, kind) in NAMED_KINDS {
        if reads
            .get(api_version, kind, Some(namespace), name)
            .await?
            .is_some()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Orders candidate pods worst first; among equally bad pods the newest (a
/// rollout's new ReplicaSet, not the one it replaces: its pod is what the
/// fix must reach), then the order of names, so the answer is stable.
/// Newest is the controlling ReplicaSet's revision (`revisions`, by
/// ReplicaSet name) before the pod's creation time: timestamps have a
/// one-second resolution, and both ReplicaSets' pods are often created in
/// the same second.
fn worst_newest_first(
    ranked: &mut [(Value, PodState, Symptom)],
    revisions: &BTreeMap<String, u64>,
) {
    let revision = |pod: &Value| {
        controller_of(pod)
            .filter(|(_, kind, _)| kind == "ReplicaSet")
            .and_then(|(_, _, name)| revisions.get(&name).copied())
            .unwrap_or(0)
    };
    let created = |pod: &Value| {
        pod.pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    ranked.sort_by(|a, b| {
        b.2.severity()
            .cmp(&a.2.severity())
            .then_with(|| revision(&b.0).cmp(&revision(&a.0)))
            .then_with(|| created(&b.0).cmp(&created(&a.0)))
            .then_with(|| a.1.name.cmp(&b.1.name))
    });
}

/// Of a pod's running, unready containers, the one whose readiness probe
/// the kubelet's `Unhealthy` events name (by the port in the probe's URL or
/// address), else `chosen`: two containers are unready together until each
/// passes its first probe, and the failing one is the cause, not the first.
pub(crate) fn readiness_failing_container(pod: &Value, events: &[Event], chosen: &str) -> String {
    let failures: Vec<&str> = events
        .iter()
        .filter(|event| event.message.starts_with("Readiness probe failed"))
        .map(|event| event.message.as_str())
        .collect();
    let probe_port = |name: &str| -> Option<u64> {
        let spec = super::proposal::container(pod, name)?;
        let probe = spec.get("readinessProbe")?;
        let port = probe
            .pointer("/httpGet/port")
            .or_else(|| probe.pointer("/tcpSocket/port"))?;
        match port {
            Value::String(port_name) => spec["ports"]
                .as_array()?
                .iter()
                .find(|declared| declared["name"] == port_name.as_str())?["containerPort"]
                .as_u64(),
            number => number.as_u64(),
        }
    };
    let named = |name: &str| {
        probe_port(name).is_some_and(|port| {
            failures.iter().any(|message| {
                message.contains(&format!(":{port}/"))
                    || message.contains(&format!(":{port}:"))
                    || message.contains(&format!(":{port}\""))
            })
        })
    };
    if failures.is_empty() || named(chosen) {
        return chosen.to_owned();
    }
    PodState::read(pod)
        .containers
        .iter()
        .filter(|container| !container.init && container.running && !container.ready)
        .map(|container| container.name.as_str())
        .find(|name| named(name))
        .unwrap_or(chosen)
        .to_owned()
}

/// A ReplicaSet's `deployment.kubernetes.io/revision`: which of a
/// Deployment's ReplicaSets is newer, whatever their creation times.
pub(crate) fn deployment_revision(replica_set: &Value) -> Option<u64> {
    replica_set
        .pointer("/metadata/annotations/deployment.kubernetes.io~1revision")?
        .as_str()?
        .parse()
        .ok()
}

/// The revision of each ReplicaSet controlling one of the worst pods, by
/// ReplicaSet name, read only when those pods belong to several
/// ReplicaSets (a rollout): with one, there is nothing to order, and
/// its ReplicaSet is read (once) as the chosen pod's owner anyway.
async fn replica_set_revisions<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    ranked: &[(Value, PodState, Symptom)],
) -> Result<BTreeMap<String, u64>, DiagnosisError> {
    let worst = ranked
        .iter()
        .map(|(_, _, found)| found.severity())
        .max()
        .unwrap_or_default();
    let mut sets = BTreeMap::new();
    for (pod, state, _) in ranked
        .iter()
        .filter(|(_, _, found)| found.severity() == worst)
    {
        if let Some((_, kind, name)) = controller_of(pod)
            && kind == "ReplicaSet"
        {
            sets.insert(name, state.namespace.clone());
        }
    }
    let mut revisions = BTreeMap::new();
    if sets.len() < 2 {
        return Ok(revisions);
    }
    for (name, namespace) in sets {
        if let Some(replica_set) = reads
            .get("apps/v1", "ReplicaSet", Some(&namespace), &name)
            .await?
            && let Some(revision) = deployment_revision(&replica_set)
        {
            revisions.insert(name, revision);
        }
    }
    Ok(revisions)
}

/// The listed pods (`namespace`, name) named after `name`: those its own
/// controller named (the pod itself, a StatefulSet's `name-0`, a
/// DaemonSet's, Job's or ReplicaSet's `name-x7k2p`, a Deployment's
/// `name-<pod-template-hash>-x7k2p`, a CronJob's `name-<time>-x7k2p`) when
/// there are any, else every pod whose name starts with `name-`. A healthy
/// StatefulSet `search` is not blamed for the crash of Deployment
/// `search-indexer`'s pods, whose names start the same.
fn pods_named_after(
    rows: &[BTreeMap<String, String>],
    namespace: Option<&str>,
    name: &str,
) -> Vec<(String, String)> {
    let prefix = format!("{name}-");
    let generated = |token: &str| {
        token.len() == 5
            && token
                .chars()
                .all(|letter| letter.is_ascii_lowercase() || letter.is_ascii_digit())
    };
    let own = |pod: &str, row: &BTreeMap<String, String>| {
        let Some(suffix) = pod.strip_prefix(&prefix) else {
            return pod == name;
        };
        if suffix.chars().all(|letter| letter.is_ascii_digit()) || generated(suffix) {
            return true;
        }
        let template_hash = row
            .get("LABELS")
            .map(|labels| parse::labels(labels))
            .and_then(|labels| labels.get("pod-template-hash").cloned());
        suffix.split_once('-').is_some_and(|(first, rest)| {
            generated(rest)
                && (Some(first) == template_hash.as_deref()
                    || first.chars().all(|letter| letter.is_ascii_digit()))
        })
    };
    let mut named = Vec::new();
    let mut owned = Vec::new();
    for row in rows {
        let Some((pod_namespace, pod)) = parse::row_place(row, namespace) else {
            continue;
        };
        if pod != name && !pod.starts_with(&prefix) {
            continue;
        }
        let place = (pod_namespace.to_owned(), pod.to_owned());
        if own(pod, row) {
            owned.push(place.clone());
        }
        named.push(place);
    }
    if owned.is_empty() { named } else { owned }
}

/// Reads what the symptom calls for.
async fn gather<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    pod: Value,
    state: &PodState,
    found: &Symptom,
) -> Result<PodFacts, DiagnosisError> {
    let namespace = state.namespace.as_str();
    let mut facts = PodFacts::default();

    let mut current = pod.clone();
    while facts.owners.len() < 3
        && let Some((api_version, kind, name)) = controller_of(&current)
        && let Some(owner) = reads
            .get(&api_version, &kind, Some(namespace), &name)
            .await?
    {
        current = owner.clone();
        facts.owners.push(owner);
    }

    let events = reads.events(namespace).await?;
    // The pod, its owners and its claims (a claim's binding events explain a Pending pod).
    let mut involved: Vec<String> = vec![state.name.clone()];
    involved.extend(claim_names(&pod));
    involved.extend(facts.owners.iter().filter_map(|owner| {
        owner
            .pointer("/metadata/name")?
            .as_str()
            .map(str::to_string)
    }));
    facts.events = events
        .into_iter()
        .filter(|event| involved.contains(&event.object_name))
        .collect();

    if let Some(node_name) = &state.node_name {
        facts.node = reads.get("v1", "Node", None, node_name).await?;
        if facts
            .node
            .as_ref()
            .is_some_and(|node| !super::node::is_ready(node))
        {
            facts.pods_on_node = reads
                .list_names(
                    "v1",
                    "Pod",
                    None,
                    None,
                    Some(format!("spec.nodeName={node_name}")),
                )
                .await?
                .into_iter()
                .map(|(pod_namespace, name)| format!("{pod_namespace}/{name}"))
                .collect();
            facts.pod = pod;
            return Ok(facts);
        }
    }
    match found {
        Symptom::Evicted { .. } => {}
        Symptom::Crashing { container, .. } | Symptom::OomKilled { container, .. } => {
            if rollout_unfinished(&facts.owners) {
                facts.earlier_revisions =
                    earlier_revisions(reads, &facts.owners, namespace, container).await?;
            }
            facts.previous_logs = reads.logs(namespace, &state.name, container, true).await?;
            if facts.previous_logs.is_none() {
                facts.current_logs = reads.logs(namespace, &state.name, container, false).await?;
            }
            if matches!(found, Symptom::OomKilled { .. }) {
                facts.memory_usage =
                    pod_memory_usage(reads, namespace, &state.name, container).await?;
                if let Some(node) = &state.node_name {
                    facts.node_memory = node_memory(reads, node).await?;
                }
            }
        }
        Symptom::InitWaiting { container, .. } => {
            facts.current_logs = reads.logs(namespace, &state.name, container, false).await?;
            let spec = pod
                .pointer("/spec/initContainers")
                .and_then(Value::as_array)
                .and_then(|specs| specs.iter().find(|spec| spec["name"] == *container));
            (facts.waited_services, facts.services_in_namespace) =
                init_wait::gather(reads, spec, namespace).await?;
        }
        Symptom::NotReady { container } => {
            let container = &readiness_failing_container(&pod, &facts.events, container);
            if rollout_unfinished(&facts.owners) {
                facts.earlier_revisions =
                    earlier_revisions(reads, &facts.owners, namespace, container).await?;
            }
            facts.current_logs = reads.logs(namespace, &state.name, container, false).await?;
        }
        Symptom::ImagePull { container, .. } => {
            facts.earlier_revisions =
                earlier_revisions(reads, &facts.owners, namespace, container).await?;
            for secret in pull_secret_names(&pod) {
                if reads
                    .get("v1", "Secret", Some(namespace), &secret)
                    .await?
                    .is_none()
                {
                    facts.missing_pull_secrets.push(secret);
                }
            }
        }
        Symptom::ConfigError { .. } => {
            missing_references(reads, &pod, namespace, &mut facts).await?
        }
        // Scheduled but nothing created: volumes that cannot be mounted
        // (FailedMount events) keep a pod here, often a missing ConfigMap or Secret.
        Symptom::Healthy if state.phase == "Pending" => {
            missing_references(reads, &pod, namespace, &mut facts).await?;
        }
        Symptom::Unschedulable { message } => {
            let volume_conflict = message.contains("volume node affinity conflict");
            for claim in claim_names(&pod) {
                let object = reads
                    .get("v1", "PersistentVolumeClaim", Some(namespace), &claim)
                    .await?;
                let volume_name = object
                    .as_ref()
                    .and_then(|object| object.pointer("/spec/volumeName"))
                    .and_then(Value::as_str)
                    .filter(|name| volume_conflict && !name.is_empty());
                let volume_affinity = match volume_name {
                    Some(volume_name) => reads
                        .get("v1", "PersistentVolume", None, volume_name)
                        .await?
                        .as_ref()
                        .and_then(volume_node_affinity)
                        .map(|affinity| (volume_name.to_string(), affinity)),
                    None => None,
                };
                facts.claims.push(ClaimFacts {
                    volume_affinity,
                    phase: object.as_ref().map_or_else(
                        || "NotFound".to_string(),
                        |object| {
                            object
                                .pointer("/status/phase")
                                .and_then(Value::as_str)
                                .unwrap_or("Pending")
                                .to_string()
                        },
                    ),
                    storage_class: object
                        .as_ref()
                        .and_then(|object| object.pointer("/spec/storageClassName"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    name: claim,
                });
            }
            let nodes = reads.list_names("v1", "Node", None, None, None).await?;
            for (_, name) in nodes.into_iter().take(MAX_NODES_EXAMINED) {
                if let Some(node) = reads.get("v1", "Node", None, &name).await? {
                    facts.nodes.push(node_facts(&node));
                }
            }
            let said = |event: &Event| event.reason == "FailedScheduling";
            let insufficient = std::iter::once(message.clone())
                .chain(
                    facts
                        .events
                        .iter()
                        .filter(|event| said(event))
                        .map(|event| event.message.clone()),
                )
                .any(|text| text.contains("Insufficient"));
            if insufficient && fits_some_node(&pod, &facts.nodes, message, &facts.events) {
                let requested = requested_per_node(reads).await?;
                for node in &mut facts.nodes {
                    node.requested = Some(requested.get(&node.name).copied().unwrap_or_default());
                }
            }
        }
        Symptom::Healthy => {}
    }
    facts.pod = pod;
    Ok(facts)
}

/// Whether what the scheduler found insufficient (`Insufficient cpu`,
/// `Insufficient memory`, in `message` or the FailedScheduling events)
/// would fit some node were it empty. When the pod asks for more than any
/// node's whole allocatable amount, what the nodes' pods request changes
/// nothing, and reading them would only cost calls.
fn fits_some_node(pod: &Value, nodes: &[NodeFacts], message: &str, events: &[Event]) -> bool {
    let said: Vec<String> = std::iter::once(message.to_ascii_lowercase())
        .chain(
            events
                .iter()
                .filter(|event| event.reason == "FailedScheduling")
                .map(|event| event.message.to_ascii_lowercase()),
        )
        .collect();
    let (need_cpu, need_memory) = super::pressure::pod_requests(pod);
    let most_cpu = nodes
        .iter()
        .filter_map(|node| Cpu::parse(&node.allocatable_cpu).ok())
        .max();
    let most_memory = nodes
        .iter()
        .filter_map(|node| Memory::parse(&node.allocatable_memory).ok())
        .max();
    let said_of = |resource: &str| said.iter().any(|text| text.contains(resource));
    let beyond_every_node = (said_of("insufficient cpu")
        && most_cpu.is_some_and(|most| need_cpu > most))
        || (said_of("insufficient memory") && most_memory.is_some_and(|most| need_memory > most));
    !beyond_every_node
}

/// At most this many pods (one per template) are read to add up what each
/// node has committed.
pub const MAX_PODS_FOR_CAPACITY: usize = 40;

/// The requests of the running pods bound to each node, as the scheduler
/// adds them up (finished pods hold nothing).
///
/// One list of the pods that are neither Succeeded nor Failed says where
/// each runs; the pods made from one template (a ReplicaSet's, a
/// StatefulSet's or DaemonSet's revision, a Job's) request the same, so one
/// of them is read for all (`template_of_row`). A cluster of a few large
/// workloads costs a few reads, not one per pod.
async fn requested_per_node<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
) -> Result<BTreeMap<String, (Cpu, Memory)>, DiagnosisError> {
    let output = reads
        .call(
            ReadTool::ResourcesList,
            [
                ("apiVersion", Some(json!("v1"))),
                ("kind", Some(json!("Pod"))),
                (
                    "fieldSelector",
                    Some(json!("status.phase!=Succeeded,status.phase!=Failed")),
                ),
            ],
        )
        .await?
        .succeeded(ReadTool::ResourcesList)?;
    // Per template: the pod to read for it and how many of its pods run on each node.
    let mut templates: BTreeMap<String, Template> = BTreeMap::new();
    for row in parse::rows(&output) {
        let (Some(name), Some(node)) = (row.get("NAME"), row.get("NODE")) else {
            continue;
        };
        if node.is_empty() || node == "<none>" {
            continue;
        }
        let namespace = row.get("NAMESPACE").cloned().unwrap_or_default();
        let per_node = &mut templates
            .entry(template_of_row(&row, &namespace, name))
            .or_insert_with(|| ((namespace.clone(), name.clone()), BTreeMap::new()))
            .1;
        *per_node.entry(node.clone()).or_default() += 1;
    }
    let mut requested: BTreeMap<String, (Cpu, Memory)> = BTreeMap::new();
    for ((namespace, name), per_node) in templates.into_values().take(MAX_PODS_FOR_CAPACITY) {
        let Some(pod) = reads.get("v1", "Pod", Some(&namespace), &name).await? else {
            continue;
        };
        let (cpu, memory) = super::pressure::pod_requests(&pod);
        for (node, pods) in per_node {
            let entry = requested.entry(node).or_default();
            entry.0 = Cpu(entry.0.0 + cpu.0 * pods);
            entry.1 = Memory(entry.1.0 + memory.0 * pods);
        }
    }
    Ok(requested)
}

/// The pods of one template: `(namespace, name)` of the one read for all,
/// and how many of them run on each node.
type Template = ((String, String), BTreeMap<String, u64>);

/// The template a listed pod was made from, as a key: its Job's uid, its
/// ReplicaSet (`pod-template-hash`) or its StatefulSet's or DaemonSet's
/// revision (`controller-revision-hash`), each with the name its pods share
/// before their own suffix; a pod of no controller is its own template.
fn template_of_row(row: &BTreeMap<String, String>, namespace: &str, name: &str) -> String {
    let labels = row
        .get("LABELS")
        .map(|cell| parse::labels(cell))
        .unwrap_or_default();
    let stem = name.rsplit_once('-').map_or(name, |(stem, _)| stem);
    let template = ["batch.kubernetes.io/controller-uid", "controller-uid"]
        .iter()
        .find_map(|key| labels.get(*key).map(|uid| format!("job {uid}")))
        .or_else(|| {
            ["pod-template-hash", "controller-revision-hash"]
                .iter()
                .find_map(|key| labels.get(*key).map(|hash| format!("{stem} {key}={hash}")))
        });
    match template {
        Some(template) => format!("{namespace} {template}"),
        None => format!("{namespace} pod {name}"),
    }
}

/// The failing container's memory use from `pods_top` (a kubectl-top table,
/// one row per pod or, with a POD column, per container).
async fn pod_memory_usage<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    namespace: &str,
    pod: &str,
    container: &str,
) -> Result<Option<Memory>, DiagnosisError> {
    let output = reads
        .call(
            ReadTool::PodsTop,
            [
                ("namespace", Some(json!(namespace))),
                ("name", Some(json!(pod))),
                ("all_namespaces", Some(json!(false))),
            ],
        )
        .await?;
    // No metrics (metrics API absent, pod not running) is no evidence, not a failure.
    if output.is_error {
        return Ok(None);
    }
    Ok(memory_from_top(&Table::parse(&output.text), pod, container))
}

/// The memory of `container` in `pod` from a pods_top table.
pub fn memory_from_top(table: &Table, pod: &str, container: &str) -> Option<Memory> {
    let per_container = table.column("POD").is_some();
    table
        .rows
        .iter()
        .filter(|row| {
            if per_container {
                table.cell(row, "POD") == Some(pod) && table.cell(row, "NAME") == Some(container)
            } else {
                table.cell(row, "NAME") == Some(pod)
            }
        })
        .find_map(|row| Memory::parse(table.cell(row, "MEMORY")?).ok())
}

async fn node_memory<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    node: &str,
) -> Result<Option<NodeMemory>, DiagnosisError> {
    let output = reads
        .call(ReadTool::NodesTop, [("name", Some(json!(node)))])
        .await?;
    if output.is_error {
        return Ok(None);
    }
    let table = Table::parse(&output.text);
    Ok(table
        .rows
        .iter()
        .find(|row| table.cell(row, "NAME") == Some(node))
        .and_then(|row| {
            Some(NodeMemory {
                node: node.to_string(),
                usage: Memory::parse(table.cell(row, "MEMORY(B")?).ok()?,
                percent: table
                    .cell(row, "MEMORY(%")
                    .and_then(|percent| percent.trim_end_matches('%').parse().ok()),
            })
        }))
}

/// Whether the Deployment among `owners` is still rolling out: fewer updated
/// replicas than wanted, or a Progressing condition that is not
/// `NewReplicaSetAvailable` (a stuck rollout says `ProgressDeadlineExceeded`).
pub fn rollout_unfinished(owners: &[Value]) -> bool {
    let Some(deployment) = owners.iter().find(|owner| owner["kind"] == "Deployment") else {
        return false;
    };
    let wanted = deployment
        .pointer("/spec/replicas")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let updated = deployment
        .pointer("/status/updatedReplicas")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let progressing = conditions::find(deployment, "Progressing");
    updated < wanted
        || progressing.is_some_and(|progressing| {
            !progressing.reason.is_empty() && progressing.reason != "NewReplicaSetAvailable"
        })
}

/// The earlier ReplicaSets of the owning Deployment (every one but the
/// failing pod's), newest revision first.
async fn earlier_revisions<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    owners: &[Value],
    namespace: &str,
    container: &str,
) -> Result<Vec<EarlierRevision>, DiagnosisError> {
    let Some(deployment) = owners.iter().find(|owner| owner["kind"] == "Deployment") else {
        return Ok(Vec::new());
    };
    let current_replica_set = owners
        .iter()
        .find(|owner| owner["kind"] == "ReplicaSet")
        .and_then(|owner| owner.pointer("/metadata/name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(selector) = label_selector(deployment) else {
        return Ok(Vec::new());
    };
    let names = reads
        .list_names(
            "apps/v1",
            "ReplicaSet",
            Some(namespace),
            Some(selector),
            None,
        )
        .await?;
    let mut found = Vec::new();
    for (_, name) in names
        .into_iter()
        .filter(|(_, name)| *name != current_replica_set)
        .take(MAX_REVISIONS_EXAMINED)
    {
        let Some(replica_set) = reads
            .get("apps/v1", "ReplicaSet", Some(namespace), &name)
            .await?
        else {
            continue;
        };
        found.push(EarlierRevision {
            revision: deployment_revision(&replica_set).unwrap_or(0),
            image: super::proposal::container(&replica_set, container)
                .and_then(|spec| spec["image"].as_str())
                .map(str::to_string),
            ready_replicas: replica_set
                .pointer("/status/readyReplicas")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            template: replica_set
                .pointer("/spec/template")
                .cloned()
                .unwrap_or(Value::Null),
            name,
        });
    }
    found.sort_by_key(|earlier| std::cmp::Reverse(earlier.revision));
    Ok(found)
}

/// The image pull secrets a pod names.
pub fn pull_secret_names(pod: &Value) -> Vec<String> {
    pod.pointer("/spec/imagePullSecrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|secret| secret["name"].as_str().map(str::to_string))
        .collect()
}

fn claim_names(pod: &Value) -> Vec<String> {
    pod.pointer("/spec/volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|volume| {
            volume
                .pointer("/persistentVolumeClaim/claimName")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect()
}

/// The ConfigMaps and Secrets `pod` refers to that are missing or lack the
/// keys it reads, and same-named objects in other namespaces.
async fn missing_references<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    pod: &Value,
    namespace: &str,
    facts: &mut PodFacts,
) -> Result<(), DiagnosisError> {
    for mut reference in references(pod) {
        let live = reads
            .get("v1", &reference.kind, Some(namespace), &reference.name)
            .await?;
        if let Some(object) = &live {
            let present = data_keys(object);
            reference.keys.retain(|key| !present.contains(key));
            if reference.keys.is_empty() {
                continue;
            }
        }
        reference.live = live;
        facts.same_named_elsewhere.extend(
            same_named_elsewhere(reads, &reference.kind, &reference.name, namespace).await?,
        );
        facts.missing_references.push(reference);
    }
    Ok(())
}

/// The objects of this kind and name in namespaces other than `namespace`
/// (one list with a field selector); the first ConfigMap is read whole, as
/// the template a fix could copy. Secrets are only listed: their values are
/// never copied.
async fn same_named_elsewhere<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    kind: &str,
    name: &str,
    namespace: &str,
) -> Result<Vec<SameNamedObject>, DiagnosisError> {
    let listed = reads
        .list_names(
            "v1",
            kind,
            None,
            None,
            Some(format!("metadata.name={name}")),
        )
        .await?;
    let mut found = Vec::new();
    for (other_namespace, listed_name) in listed {
        if other_namespace == namespace || listed_name != name {
            continue;
        }
        let object = if kind == "ConfigMap" && found.is_empty() {
            reads.get("v1", kind, Some(&other_namespace), name).await?
        } else {
            None
        };
        found.push(SameNamedObject {
            kind: kind.to_string(),
            name: name.to_string(),
            namespace: other_namespace,
            object,
        });
    }
    Ok(found)
}

/// Every ConfigMap and Secret the pod refers to (env, envFrom, volumes),
/// merged by object, with the keys read and where. Optional references are
/// left out: their absence cannot stop a container.
pub fn references(pod: &Value) -> Vec<MissingReference> {
    let mut found: Vec<MissingReference> = Vec::new();
    for reference in crate::references::of_pod(pod) {
        if reference.optional || !matches!(reference.kind, "ConfigMap" | "Secret") {
            continue;
        }
        let index = match found
            .iter()
            .position(|known| known.kind == reference.kind && known.name == reference.name)
        {
            Some(index) => index,
            None => {
                found.push(MissingReference {
                    kind: reference.kind.to_owned(),
                    name: reference.name,
                    keys: Vec::new(),
                    referenced_by: Vec::new(),
                    live: None,
                });
                found.len() - 1
            }
        };
        let merged = &mut found[index];
        if let Some(key) = reference.key
            && !merged.keys.contains(&key)
        {
            merged.keys.push(key);
        }
        merged.referenced_by.push(reference.place);
    }
    found
}

fn node_facts(node: &Value) -> NodeFacts {
    let text = |pointer: &str| {
        node.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string()
    };
    NodeFacts {
        name: text("/metadata/name"),
        allocatable_cpu: text("/status/allocatable/cpu"),
        allocatable_memory: text("/status/allocatable/memory"),
        taints: super::node::taints(node),
        labels: node
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(key, value)| Some(format!("{key}={}", value.as_str()?)))
            .collect(),
        pressure: super::node::pressures(node)
            .map(|condition| {
                format!(
                    "{}: {}",
                    condition.kind,
                    condition.explanation().unwrap_or("(no message)")
                )
            })
            .collect(),
        requested: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_replica_sets_pod_comes_first_when_both_were_created_the_same_second() {
        let pending = |name: &str, replica_set: &str| {
            let pod = json!({
                "metadata": {"name": name, "namespace": "ml", "creationTimestamp": "2026-01-01T10:00:00Z",
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": replica_set, "controller": true}]},
                "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                    "reason": "Unschedulable", "message": "0/2 nodes are available"}]}
            });
            let state = PodState::read(&pod);
            let found = symptom(&state);
            (pod, state, found)
        };
        // The same second, and the old ReplicaSet's pod first by name.
        let mut ranked = vec![
            pending("trainer-8d2b1-vwxyz", "trainer-8d2b1"),
            pending("trainer-5f7c9-abcde", "trainer-5f7c9"),
        ];
        let revisions = BTreeMap::from([
            ("trainer-5f7c9".to_owned(), 1),
            ("trainer-8d2b1".to_owned(), 2),
        ]);
        worst_newest_first(&mut ranked, &revisions);
        assert_eq!(ranked[0].1.name, "trainer-8d2b1-vwxyz");
    }

    #[test]
    fn a_workloads_own_pods_are_preferred_to_pods_of_workloads_named_like_it() {
        let row = |name: &str, labels: &str| {
            BTreeMap::from([
                ("NAME".to_owned(), name.to_owned()),
                ("LABELS".to_owned(), labels.to_owned()),
            ])
        };
        let rows = [
            row(
                "search-0",
                "app=search,controller-revision-hash=search-5d8f",
            ),
            row(
                "search-1",
                "app=search,controller-revision-hash=search-5d8f",
            ),
            row(
                "search-indexer-bn9cnmxdng-8qdsl",
                "app=search-indexer,pod-template-hash=bn9cnmxdng",
            ),
            row("search-agent-x7k2p", "app=search-agent"),
            row("searchlight-0", "app=searchlight"),
        ];
        let named = |name: &str| -> Vec<String> {
            pods_named_after(&rows, Some("billing"), name)
                .into_iter()
                .map(|(_, pod)| pod)
                .collect()
        };
        assert_eq!(named("search"), ["search-0", "search-1"]);
        assert_eq!(named("search-indexer"), ["search-indexer-bn9cnmxdng-8qdsl"]);
        assert_eq!(named("search-agent"), ["search-agent-x7k2p"]);
        // A name no controller gave its pods: every pod it starts.
        assert_eq!(
            named("search-indexer-bn9cnmxdng"),
            ["search-indexer-bn9cnmxdng-8qdsl"]
        );
        let cron = [row("backup-29384756-abcde", "job-name=backup-29384756")];
        assert_eq!(
            pods_named_after(&cron, Some("ops"), "backup"),
            [("ops".to_owned(), "backup-29384756-abcde".to_owned())]
        );
    }

    #[test]
    fn a_volumes_node_affinity_reads_term_by_term() {
        let volume = json!({"spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["eu-west-1a"]}]},
            {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["n1", "n2"]}]}
        ]}}}});
        assert_eq!(
            volume_node_affinity(&volume).as_deref(),
            Some(
                "topology.kubernetes.io/zone In [eu-west-1a] or kubernetes.io/hostname In [n1, n2]"
            )
        );
        assert_eq!(volume_node_affinity(&json!({"spec": {}})), None);
    }

    #[test]
    fn references_collect_keys_and_places_and_skip_optional_ones() {
        let pod = json!({"spec": {
            "containers": [{"name": "app",
                "env": [
                    {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "log-level"}}},
                    {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "mode"}}},
                    {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token", "optional": true}}},
                ],
                "envFrom": [{"secretRef": {"name": "db-creds"}}]}],
            "volumes": [
                {"name": "conf", "configMap": {"name": "nginx-conf"}},
                {"name": "templates", "configMap": {"name": "reports-config",
                    "items": [{"key": "templates.yaml", "path": "templates.yaml"}]}},
            ],
        }});
        let found = references(&pod);
        assert_eq!(found.len(), 4);
        assert_eq!(found[3].keys, vec!["templates.yaml"]);
        assert_eq!(
            found[3].referenced_by,
            vec![
                "volume templates",
                "item templates.yaml of volume templates"
            ]
        );
        assert_eq!(found[0].name, "app-config");
        assert_eq!(found[0].keys, vec!["log-level", "mode"]);
        assert_eq!(found[0].referenced_by[0], "env LOG_LEVEL of container app");
        assert_eq!(
            (found[1].kind.as_str(), found[1].name.as_str()),
            ("Secret", "db-creds")
        );
        assert_eq!(found[2].referenced_by, vec!["volume conf"]);
    }

    #[test]
    fn pods_of_one_template_share_a_key_and_other_pods_do_not() {
        let row = |name: &str, labels: &str| {
            BTreeMap::from([
                ("NAME".to_owned(), name.to_owned()),
                ("LABELS".to_owned(), labels.to_owned()),
            ])
        };
        let key = |name: &str, labels: &str| template_of_row(&row(name, labels), "shop", name);
        assert_eq!(
            key("web-7d4b9-abcde", "app=web,pod-template-hash=7d4b9"),
            key("web-7d4b9-fghjk", "app=web,pod-template-hash=7d4b9")
        );
        assert_ne!(
            key("web-7d4b9-abcde", "app=web,pod-template-hash=7d4b9"),
            key("web-8f5c2-abcde", "app=web,pod-template-hash=8f5c2")
        );
        assert_eq!(
            key("db-0", "controller-revision-hash=db-6c9f"),
            key("db-1", "controller-revision-hash=db-6c9f")
        );
        assert_eq!(
            key("backup-1-x", "batch.kubernetes.io/controller-uid=u1"),
            key("backup-1-y", "batch.kubernetes.io/controller-uid=u1")
        );
        assert_ne!(key("lone-a", "app=x"), key("lone-b", "app=x"));
    }

    #[test]
    fn only_a_pod_that_an_empty_node_could_hold_needs_the_nodes_pods_read() {
        let pod = |memory: &str| json!({"spec": {"containers": [{"name": "app", "resources": {"requests": {"memory": memory, "cpu": "100m"}}}]}});
        let node = NodeFacts {
            name: "node-a".into(),
            allocatable_cpu: "4".into(),
            allocatable_memory: "15Gi".into(),
            taints: vec![],
            labels: vec![],
            pressure: vec![],
            requested: None,
        };
        let said = "0/1 nodes are available: 1 Insufficient memory.";
        assert!(!fits_some_node(
            &pod("24Gi"),
            std::slice::from_ref(&node),
            said,
            &[]
        ));
        assert!(fits_some_node(
            &pod("8Gi"),
            std::slice::from_ref(&node),
            said,
            &[]
        ));
        // CPU is what the scheduler said: the memory beyond the node is not the question.
        let cpu = "0/1 nodes are available: 1 Insufficient cpu.";
        assert!(fits_some_node(
            &pod("24Gi"),
            std::slice::from_ref(&node),
            cpu,
            &[]
        ));
    }

    #[test]
    fn pod_memory_is_read_from_either_top_layout() {
        let per_pod =
            Table::parse("NAME     CPU(cores)   MEMORY(bytes)\nweb-1    5m           250Mi\n");
        assert_eq!(
            memory_from_top(&per_pod, "web-1", "app"),
            Memory::parse("250Mi").ok()
        );
        let per_container = Table::parse(
            "NAMESPACE  POD    NAME     CPU(cores)   MEMORY(bytes)\n\
             demo       web-1  sidecar  1m           10Mi\n\
             demo       web-1  app      5m           250Mi\n",
        );
        assert_eq!(
            memory_from_top(&per_container, "web-1", "app"),
            Memory::parse("250Mi").ok()
        );
        assert_eq!(memory_from_top(&per_container, "web-2", "app"), None);
    }

    #[test]
    fn owners_and_selectors_are_read_from_metadata_and_spec() {
        let pod = json!({"metadata": {"ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9", "controller": true}]}});
        assert_eq!(
            controller_of(&pod),
            Some(("apps/v1".into(), "ReplicaSet".into(), "web-7d4b9".into()))
        );
        assert_eq!(controller_of(&json!({"metadata": {}})), None);
        let deployment =
            json!({"spec": {"selector": {"matchLabels": {"app": "web", "tier": "front"}}}});
        assert_eq!(
            label_selector(&deployment).as_deref(),
            Some("app=web,tier=front")
        );
    }
}
