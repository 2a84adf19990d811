//! The cluster's behaviour: the controllers, the scheduler and the kubelets.
//!
//! Every controller here is a pure function from a [`Snapshot`] of the
//! cluster to the [`Action`]s that move it toward its desired state
//! (level-triggered, like the real controllers: whatever happened before,
//! one pass looks at what is and says what to do). The [`runner`] takes
//! snapshots from the store, applies the actions and repeats on every change
//! and on a short tick, which is what makes time-based behaviour (a pod
//! becoming ready after its ready delay, a crash loop's restarts) progress.
//!
//! Passes are idempotent: an action is produced only when the store differs
//! from what it should be, so a settled cluster produces none.

pub mod autoscalers;
pub mod cron_jobs;
pub mod disruption;
pub mod endpoints;
pub mod event_ttl;
pub mod node_problems;
pub mod quotas;
pub mod runner;
pub mod scheduler;
pub mod service_accounts;
pub mod volumes;
pub mod workloads;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::clock::{parse_rfc3339, rfc3339};
use crate::fingerprint::hex_digest;
use crate::kubelet::{self, EventRecord, EventSubject, PodObservation};

/// The kinds of object the controllers read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `v1` Pod.
    Pod,
    /// `v1` Node.
    Node,
    /// `v1` Event.
    Event,
    /// `v1` PersistentVolumeClaim.
    PersistentVolumeClaim,
    /// `v1` PersistentVolume.
    PersistentVolume,
    /// `storage.k8s.io/v1` StorageClass (read by the volume binder).
    StorageClass,
    /// `v1` ResourceQuota.
    ResourceQuota,
    /// `apps/v1` ControllerRevision (StatefulSet and DaemonSet history).
    ControllerRevision,
    /// `apps/v1` Deployment.
    Deployment,
    /// `apps/v1` ReplicaSet.
    ReplicaSet,
    /// `apps/v1` StatefulSet.
    StatefulSet,
    /// `apps/v1` DaemonSet.
    DaemonSet,
    /// `batch/v1` Job.
    Job,
    /// `batch/v1` CronJob.
    CronJob,
    /// `v1` Service (read by the endpoints controllers).
    Service,
    /// `v1` Endpoints.
    Endpoints,
    /// `discovery.k8s.io/v1` EndpointSlice.
    EndpointSlice,
    /// `policy/v1` PodDisruptionBudget.
    PodDisruptionBudget,
    /// `v1` ConfigMap (read by the kubelets).
    ConfigMap,
    /// `v1` Secret (read by the kubelets).
    Secret,
    /// `autoscaling/v2` HorizontalPodAutoscaler.
    HorizontalPodAutoscaler,
    /// `v1` Namespace (read by the service account controller).
    Namespace,
    /// `v1` ServiceAccount.
    ServiceAccount,
    /// `networking.k8s.io/v1` NetworkPolicy (read by the shell's
    /// connections).
    NetworkPolicy,
}

impl Kind {
    /// `(apiVersion, kind)` of the objects.
    pub fn type_meta(self) -> (&'static str, &'static str) {
        match self {
            Kind::Pod => ("v1", "Pod"),
            Kind::Node => ("v1", "Node"),
            Kind::HorizontalPodAutoscaler => ("autoscaling/v2", "HorizontalPodAutoscaler"),
            Kind::Event => ("v1", "Event"),
            Kind::PersistentVolumeClaim => ("v1", "PersistentVolumeClaim"),
            Kind::PersistentVolume => ("v1", "PersistentVolume"),
            Kind::StorageClass => ("storage.k8s.io/v1", "StorageClass"),
            Kind::ResourceQuota => ("v1", "ResourceQuota"),
            Kind::ControllerRevision => ("apps/v1", "ControllerRevision"),
            Kind::Deployment => ("apps/v1", "Deployment"),
            Kind::ReplicaSet => ("apps/v1", "ReplicaSet"),
            Kind::StatefulSet => ("apps/v1", "StatefulSet"),
            Kind::DaemonSet => ("apps/v1", "DaemonSet"),
            Kind::Job => ("batch/v1", "Job"),
            Kind::CronJob => ("batch/v1", "CronJob"),
            Kind::Service => ("v1", "Service"),
            Kind::Endpoints => ("v1", "Endpoints"),
            Kind::EndpointSlice => ("discovery.k8s.io/v1", "EndpointSlice"),
            Kind::PodDisruptionBudget => ("policy/v1", "PodDisruptionBudget"),
            Kind::ConfigMap => ("v1", "ConfigMap"),
            Kind::Secret => ("v1", "Secret"),
            Kind::Namespace => ("v1", "Namespace"),
            Kind::ServiceAccount => ("v1", "ServiceAccount"),
            Kind::NetworkPolicy => ("networking.k8s.io/v1", "NetworkPolicy"),
        }
    }
}

/// One change a pass asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create the object (it carries its namespace).
    Create(Kind, Value),
    /// Replace the object's spec and metadata (a PUT).
    Replace(Kind, Value),
    /// Replace the object's status (a PUT on `/status`).
    ReplaceStatus(Kind, Value),
    /// Delete the object (its dependents go with it); a running pod is
    /// deleted gracefully, and nothing happens to an object already being deleted.
    Delete(Kind, String, String),
    /// Remove an object whose graceful deletion is over (the kubelet's final
    /// delete, with grace period 0).
    Remove(Kind, String, String),
    /// Record an event (created, or its count and last time updated).
    Record(EventDraft),
}

/// How an event's count is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventCount {
    /// The observer knows the total (the kubelet replays a pod's whole life).
    Total(u32),
    /// One more occurrence (a controller just did something).
    Occurrence,
    /// A controller retrying a write the API server refused (a pod it may
    /// not create): its work queue retries the object after a back-off that
    /// doubles from [`RETRY_BACKOFF_INITIAL`] to [`RETRY_BACKOFF_MAX`], and
    /// the event recorder counts each identical refusal. The count is the
    /// attempts made since the event was first recorded, however often the
    /// simulator's passes look.
    Retried,
}

/// A controller work queue's first retry of a failed object (client-go's
/// default per-item exponential back-off).
pub const RETRY_BACKOFF_INITIAL: Duration = Duration::from_millis(5);

/// A controller work queue's longest wait before retrying an object.
pub const RETRY_BACKOFF_MAX: Duration = Duration::from_secs(1000);

impl EventCount {
    /// The count and last time of an event once this occurrence at `at` is
    /// recorded, given the stored event's count and first time (`None`
    /// when there is none yet).
    pub fn next(self, stored: Option<(u32, SystemTime)>, at: SystemTime) -> (u32, SystemTime) {
        match (self, stored) {
            (EventCount::Total(total), _) => (total, at),
            (EventCount::Occurrence, Some((count, _))) => (count + 1, at),
            (EventCount::Occurrence | EventCount::Retried, None) => (1, at),
            (EventCount::Retried, Some((_, first))) => {
                kubelet::attempts_with_backoff(first, at, RETRY_BACKOFF_INITIAL, RETRY_BACKOFF_MAX)
            }
        }
    }
}

/// An event to record, before it becomes an `Event` object.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    /// The namespace the event lives in (`default` for node events).
    pub namespace: String,
    /// `involvedObject`: kind, namespace, name, uid, apiVersion, fieldPath.
    pub involved: Value,
    /// `Normal` or `Warning`.
    pub event_type: &'static str,
    /// The reason (`Scheduled`, `BackOff`, ...).
    pub reason: &'static str,
    /// The message.
    pub message: String,
    /// The reporting component (`kubelet`, `deployment-controller`, ...).
    pub component: &'static str,
    /// The reporting node, for node components.
    pub host: Option<String>,
    /// How the count is kept.
    pub count: EventCount,
    /// When it first happened.
    pub first: SystemTime,
    /// When it last happened.
    pub last: SystemTime,
}

impl EventDraft {
    /// The deterministic name of the event: the same occurrence always maps
    /// to the same object, so repeats raise its count instead of multiplying.
    pub fn object_name(&self) -> String {
        let name = self.involved["name"].as_str().unwrap_or("object");
        let uid = self.involved["uid"].as_str().unwrap_or_default();
        let field_path = self.involved["fieldPath"].as_str().unwrap_or_default();
        format!(
            "{name}.{}",
            hex_digest(&[uid, field_path, self.reason, &self.message], 16)
        )
    }

    /// The `v1` Event object, with `count` occurrences.
    pub fn to_object(&self, count: u32, first: SystemTime, last: SystemTime) -> Value {
        let mut source = json!({"component": self.component});
        if let Some(host) = &self.host {
            source["host"] = json!(host);
        }
        json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": self.object_name(),
                "namespace": self.namespace,
                "creationTimestamp": rfc3339(first),
            },
            "involvedObject": self.involved,
            "reason": self.reason,
            "message": self.message,
            "type": self.event_type,
            "source": source,
            "count": count,
            "firstTimestamp": rfc3339(first),
            "lastTimestamp": rfc3339(last),
            "eventTime": null,
            "reportingComponent": self.component,
            "reportingInstance": self.host.clone().unwrap_or_default(),
        })
    }
}

/// What the kubelets remember between passes: the configuration each
/// started pod was created with, by pod uid ([`kubelet_memory`]).
pub type KubeletMemory = BTreeMap<String, kubelet::ConfigCheck>;

/// What a pass looks at: every object the controllers care about, and the time.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The pass's "now".
    pub now: Option<SystemTime>,
    /// Whether the pass replays the scenario's past: objects created now are
    /// dated back to their owner's creation, so a freshly started demo looks
    /// like a cluster that has been running for days.
    pub history: bool,
    /// Nodes.
    pub nodes: Vec<Value>,
    /// Pods.
    pub pods: Vec<Value>,
    /// Deployments.
    pub deployments: Vec<Value>,
    /// ReplicaSets.
    pub replica_sets: Vec<Value>,
    /// StatefulSets.
    pub stateful_sets: Vec<Value>,
    /// DaemonSets.
    pub daemon_sets: Vec<Value>,
    /// Jobs.
    pub jobs: Vec<Value>,
    /// CronJobs.
    pub cron_jobs: Vec<Value>,
    /// Services.
    pub services: Vec<Value>,
    /// Endpoints.
    pub endpoints: Vec<Value>,
    /// EndpointSlices.
    pub endpoint_slices: Vec<Value>,
    /// PodDisruptionBudgets.
    pub pod_disruption_budgets: Vec<Value>,
    /// PersistentVolumeClaims.
    pub claims: Vec<Value>,
    /// PersistentVolumes.
    pub persistent_volumes: Vec<Value>,
    /// StorageClasses.
    pub storage_classes: Vec<Value>,
    /// ResourceQuotas.
    pub resource_quotas: Vec<Value>,
    /// ControllerRevisions.
    pub controller_revisions: Vec<Value>,
    /// ConfigMaps, which pods read their environment and volumes from.
    pub config_maps: Vec<Value>,
    /// Secrets, likewise.
    pub secrets: Vec<Value>,
    /// HorizontalPodAutoscalers (`autoscaling/v2`).
    pub autoscalers: Vec<Value>,
    /// Namespaces.
    pub namespaces: Vec<Value>,
    /// ServiceAccounts.
    pub service_accounts: Vec<Value>,
    /// NetworkPolicies, which decide the connections pods accept.
    pub network_policies: Vec<Value>,
    /// What the kubelets resolved of each started pod's ConfigMaps and
    /// Secrets (kept between passes by [`kubelet_memory`]).
    pub started_configs: KubeletMemory,
}

impl Snapshot {
    /// The pass's time.
    pub fn now(&self) -> SystemTime {
        self.now.unwrap_or_else(SystemTime::now)
    }

    /// When a new object made for `owner` is created: now, or during history
    /// replay shortly after its owner.
    pub fn creation_time_for(&self, owner: &Value) -> SystemTime {
        let now = self.now();
        if !self.history {
            return now;
        }
        creation_time(owner).map_or(now, |created| (created + Duration::from_secs(2)).min(now))
    }

    /// What the kubelets find about `pod`'s ConfigMap and Secret references:
    /// for a started pod, what they found when they started it.
    pub fn config_check(&self, pod: &Value) -> kubelet::ConfigCheck {
        if let Some(resolved) = self.started_configs.get(text(pod, "/metadata/uid")) {
            return resolved.clone();
        }
        kubelet::config::check(
            pod,
            &kubelet::ConfigObjects {
                config_maps: &self.config_maps,
                secrets: &self.secrets,
            },
        )
    }

    /// What each init container of `pod` does in the cluster as it is now
    /// (empty when it has none left to run).
    pub fn init_outcomes(&self, pod: &Value) -> Vec<kubelet::InitOutcome> {
        if kubelet::init::all_completed(pod) {
            return Vec::new();
        }
        let objects = crate::exec::ClusterObjects {
            services: &self.services,
            pods: &self.pods,
            config_maps: &self.config_maps,
            secrets: &self.secrets,
            network_policies: &self.network_policies,
            namespaces: &self.namespaces,
        };
        kubelet::init::outcomes(pod, &objects, self.now())
    }

    /// The pods controlled by the object with this uid.
    pub fn pods_owned_by<'a>(&'a self, uid: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.pods
            .iter()
            .filter(move |pod| controller_uid(pod) == Some(uid))
    }
}

/// The kubelets' memory after a pass: every bound pod whose containers
/// could be created keeps the configuration it was started with. A real
/// kubelet reads a container's ConfigMaps and Secrets when it creates the
/// container, so recreating (or deleting) one later neither moves the start
/// of a running container nor stops it.
pub fn kubelet_memory(snapshot: &Snapshot) -> KubeletMemory {
    snapshot
        .pods
        .iter()
        .filter(|pod| placement_of(pod, &snapshot.nodes).is_some())
        .filter_map(|pod| {
            let check = snapshot.config_check(pod);
            let startable =
                check.unmountable_volumes.is_empty() && check.unconfigurable_containers.is_empty();
            startable.then(|| (text(pod, "/metadata/uid").to_string(), check))
        })
        .collect()
}

/// Runs every controller once over the snapshot.
pub fn reconcile(snapshot: &Snapshot) -> Vec<Action> {
    let mut actions = Vec::new();
    actions.extend(workloads::deployments(snapshot));
    actions.extend(workloads::replica_sets(snapshot));
    actions.extend(workloads::stateful_sets(snapshot));
    actions.extend(workloads::daemon_sets(snapshot));
    actions.extend(workloads::jobs(snapshot));
    actions.extend(cron_jobs::cron_jobs(snapshot));
    actions.extend(endpoints::endpoints(snapshot));
    actions.extend(disruption::pod_disruption_budgets(snapshot));
    actions.extend(volumes::bind_claims(snapshot));
    actions.extend(quotas::resource_quotas(snapshot));
    actions.extend(autoscalers::horizontal_pod_autoscalers(snapshot));
    actions.extend(service_accounts::default_accounts(snapshot));
    actions.extend(
        snapshot
            .nodes
            .iter()
            .filter_map(node_problems::pressure_taints),
    );
    actions.extend(scheduler::schedule(snapshot));
    actions.extend(kubelets(snapshot));
    actions
}

/// Text at a JSON pointer, or "".
pub(crate) fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// An object's `metadata.creationTimestamp`.
pub(crate) fn creation_time(object: &Value) -> Option<SystemTime> {
    object
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
}

/// The uid of the object's controller (its owner reference with `controller: true`).
pub(crate) fn controller_uid(object: &Value) -> Option<&str> {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|owner| owner.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|owner| owner.get("uid").and_then(Value::as_str))
}

/// The `involvedObject` of an event about `object`.
pub(crate) fn object_reference(object: &Value, field_path: Option<&str>) -> Value {
    let mut reference = json!({
        "kind": object["kind"],
        "apiVersion": object["apiVersion"],
        "name": text(object, "/metadata/name"),
        "uid": text(object, "/metadata/uid"),
        "resourceVersion": text(object, "/metadata/resourceVersion"),
    });
    let namespace = text(object, "/metadata/namespace");
    if !namespace.is_empty() {
        reference["namespace"] = json!(namespace);
    }
    if let Some(path) = field_path {
        reference["fieldPath"] = json!(path);
    }
    reference
}

/// A controller's event about `object`, happening at `at`: one more
/// occurrence each time it is recorded.
pub(crate) fn controller_event(
    object: &Value,
    component: &'static str,
    event_type: &'static str,
    reason: &'static str,
    message: String,
    at: SystemTime,
) -> Action {
    Action::Record(controller_event_draft(
        object, component, event_type, reason, message, at,
    ))
}

/// The draft behind [`controller_event`], for callers that count differently.
pub(crate) fn controller_event_draft(
    object: &Value,
    component: &'static str,
    event_type: &'static str,
    reason: &'static str,
    message: String,
    at: SystemTime,
) -> EventDraft {
    EventDraft {
        namespace: text(object, "/metadata/namespace").to_string(),
        involved: object_reference(object, None),
        event_type,
        reason,
        message,
        component,
        host: None,
        count: EventCount::Occurrence,
        first: at,
        last: at,
    }
}

/// A Job's final condition, `Complete` or `Failed`, once it has finished.
pub(crate) fn job_outcome(job: &Value) -> Option<&'static str> {
    let conditions = job
        .pointer("/status/conditions")
        .and_then(Value::as_array)?;
    ["Complete", "Failed"].into_iter().find(|outcome| {
        conditions
            .iter()
            .any(|condition| condition["type"] == *outcome && condition["status"] == "True")
    })
}

/// Whether the pod has its Ready condition True.
pub(crate) fn pod_is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|condition| condition["type"] == "Ready" && condition["status"] == "True")
        })
}

/// Whether the pod has finished (Succeeded or Failed).
pub(crate) fn pod_is_finished(pod: &Value) -> bool {
    matches!(text(pod, "/status/phase"), "Succeeded" | "Failed")
}

/// Whether a node's kubelet reports Ready (a node without a Ready
/// condition counts as ready, as hand-written scenario nodes often have none).
pub(crate) fn node_is_ready(node: &Value) -> bool {
    node.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_none_or(|conditions| {
            conditions
                .iter()
                .find(|condition| condition["type"] == "Ready")
                .is_none_or(|condition| condition["status"] == "True")
        })
}

/// The InternalIP of a node.
pub(crate) fn node_internal_ip(node: &Value) -> Option<&str> {
    node.pointer("/status/addresses")
        .and_then(Value::as_array)?
        .iter()
        .find(|address| address["type"] == "InternalIP")
        .and_then(|address| address["address"].as_str())
}

/// Where a bound pod runs, from its spec and status (written by the
/// scheduler); None for pods the scheduler has not finished with.
fn placement_of(pod: &Value, nodes: &[Value]) -> Option<kubelet::Placement> {
    let node_name = text(pod, "/spec/nodeName");
    let pod_ip = text(pod, "/status/podIP");
    let bound_at = pod
        .pointer("/status/startTime")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)?;
    if node_name.is_empty() || pod_ip.is_empty() {
        return None;
    }
    let host_ip = nodes
        .iter()
        .find(|node| text(node, "/metadata/name") == node_name)
        .and_then(node_internal_ip)
        .unwrap_or_default();
    Some(kubelet::Placement::Bound {
        node_name: node_name.to_string(),
        host_ip: host_ip.to_string(),
        pod_ip: pod_ip.to_string(),
        bound_at,
    })
}

/// How long a pod's containers take to stop once it is deleted (a process
/// that exits promptly on SIGTERM), unless its grace period is shorter.
pub const POD_SHUTDOWN_TIME: Duration = Duration::from_secs(2);

/// A terminating pod's kubelet: `Killing` events for its containers, then,
/// once they have stopped, the final removal. A pod on a node that is not
/// Ready stays Terminating: no kubelet confirms its containers stopped, so
/// only a forced delete removes it (the real "stuck Terminating" pod).
/// None for pods not being deleted.
fn terminate(snapshot: &Snapshot, pod: &Value) -> Option<Vec<Action>> {
    let deadline = pod
        .pointer("/metadata/deletionTimestamp")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)?;
    let node = text(pod, "/spec/nodeName");
    let kubelet_reachable = snapshot
        .nodes
        .iter()
        .find(|candidate| text(candidate, "/metadata/name") == node)
        .is_some_and(node_is_ready);
    if !kubelet_reachable {
        return Some(Vec::new());
    }
    let grace = Duration::from_secs(
        pod.pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(0),
    );
    let asked = deadline.checked_sub(grace).unwrap_or(deadline);
    // One stop, however many passes see it.
    let mut actions = workloads::killing_events(pod, asked, EventCount::Total(1));
    if snapshot.history || snapshot.now() >= asked + grace.min(POD_SHUTDOWN_TIME) {
        actions.push(Action::Remove(
            Kind::Pod,
            text(pod, "/metadata/namespace").to_string(),
            text(pod, "/metadata/name").to_string(),
        ));
    }
    Some(actions)
}

/// The kubelets: every bound pod's status
/// and events, as [`kubelet::observe`] sees them now.
pub fn kubelets(snapshot: &Snapshot) -> Vec<Action> {
    let now = snapshot.now();
    let mut actions = Vec::new();
    for pod in &snapshot.pods {
        if let Some(termination) = terminate(snapshot, pod) {
            actions.extend(termination);
            continue;
        }
        // An evicted pod is finished for good: no kubelet starts it again.
        if text(pod, "/status/reason") == "Evicted" {
            continue;
        }
        let Some(placement) = placement_of(pod, &snapshot.nodes) else {
            continue;
        };
        if let Some(node) = snapshot
            .nodes
            .iter()
            .find(|node| text(node, "/metadata/name") == text(pod, "/spec/nodeName"))
        {
            if !node_is_ready(node) {
                actions.extend(node_problems::unreachable(pod, now));
                continue;
            }
            if let Some(eviction) = node_problems::evict(pod, node, &snapshot.pods, now) {
                actions.extend(eviction);
                continue;
            }
        }
        let config = snapshot.config_check(pod);
        let init = snapshot.init_outcomes(pod);
        let PodObservation { status, events, .. } =
            kubelet::observe(pod, &placement, &config, &init, now);
        if pod.get("status") != Some(&status) {
            let mut updated = pod.clone();
            updated["status"] = status;
            actions.push(Action::ReplaceStatus(Kind::Pod, updated));
        }
        actions.extend(
            events
                .into_iter()
                .map(|event| Action::Record(pod_event_draft(pod, event))),
        );
    }
    actions
}

fn pod_event_draft(pod: &Value, event: EventRecord) -> EventDraft {
    let (namespace, involved) = match &event.subject {
        EventSubject::Pod { field_path } => (
            text(pod, "/metadata/namespace").to_string(),
            object_reference(pod, field_path.as_deref()),
        ),
        EventSubject::Node(node) => (
            "default".to_string(),
            json!({"kind": "Node", "name": node, "uid": node, "apiVersion": "v1"}),
        ),
    };
    EventDraft {
        namespace,
        involved,
        event_type: event.event_type.as_str(),
        reason: event.reason,
        message: event.message,
        component: event.component,
        host: event.host,
        count: EventCount::Total(event.count),
        first: event.first,
        last: event.last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_are_stable_per_occurrence() {
        let draft = EventDraft {
            namespace: "shop".to_string(),
            involved: json!({"kind": "Pod", "name": "web-1", "uid": "u-1"}),
            event_type: "Warning",
            reason: "BackOff",
            message: "Back-off restarting failed container".to_string(),
            component: "kubelet",
            host: Some("node-1".to_string()),
            count: EventCount::Total(3),
            first: SystemTime::UNIX_EPOCH,
            last: SystemTime::UNIX_EPOCH,
        };
        let name = draft.object_name();
        assert!(name.starts_with("web-1."));
        let mut other = draft.clone();
        other.message = "something else".to_string();
        assert_ne!(name, other.object_name());
        let object = draft.to_object(3, SystemTime::UNIX_EPOCH, SystemTime::UNIX_EPOCH);
        assert_eq!(object["count"], 3);
        assert_eq!(
            object["source"],
            json!({"component": "kubelet", "host": "node-1"})
        );
        assert_eq!(object["firstTimestamp"], "1970-01-01T00:00:00Z");
    }
}

/// Convergence tests: a small in-memory world that applies each pass's
/// actions the way the store does (uids, owner cascade, status kept apart),
/// run pass after pass with the clock moving, as the runner does.
#[cfg(test)]
mod convergence {
    use super::*;
    use crate::clock::from_unix_seconds;
    use std::collections::BTreeMap;

    #[derive(Default)]
    struct World {
        objects: BTreeMap<(String, String, String), Value>,
        events: BTreeMap<(String, String), Value>,
        started_configs: KubeletMemory,
        next_uid: usize,
        now: u64,
    }

    fn kind_name(object: &Value) -> String {
        object["kind"].as_str().unwrap_or_default().to_string()
    }

    fn key(object: &Value) -> (String, String, String) {
        (
            kind_name(object),
            text(object, "/metadata/namespace").to_string(),
            text(object, "/metadata/name").to_string(),
        )
    }

    impl World {
        fn new() -> World {
            let mut world = World {
                now: 1_795_596_253,
                ..World::default()
            };
            for index in 1..=3 {
                world.add(json!({
                    "apiVersion": "v1", "kind": "Node",
                    "metadata": {"name": format!("node-{index}"), "labels": {"kubernetes.io/hostname": format!("node-{index}")}},
                    "spec": {"podCIDR": format!("10.244.{index}.0/24")},
                    "status": {
                        "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                        "addresses": [{"type": "InternalIP", "address": format!("10.0.0.{index}")}],
                        "conditions": [{"type": "Ready", "status": "True"}],
                    }
                }));
            }
            world
        }

        fn add(&mut self, mut object: Value) {
            self.next_uid += 1;
            object["metadata"]["uid"] = json!(format!("uid-{}", self.next_uid));
            if object.pointer("/metadata/creationTimestamp").is_none() {
                object["metadata"]["creationTimestamp"] =
                    json!(rfc3339(from_unix_seconds(self.now as i64)));
            }
            if object.pointer("/metadata/generation").is_none() {
                object["metadata"]["generation"] = json!(1);
            }
            self.objects.insert(key(&object), object);
        }

        fn all(&self, kind: &str) -> Vec<Value> {
            self.objects
                .values()
                .filter(|object| object["kind"] == kind)
                .cloned()
                .collect()
        }

        fn get(&self, kind: &str, namespace: &str, name: &str) -> Value {
            self.objects
                .get(&(kind.to_string(), namespace.to_string(), name.to_string()))
                .cloned()
                .unwrap_or(Value::Null)
        }

        fn snapshot(&self) -> Snapshot {
            Snapshot {
                now: Some(from_unix_seconds(self.now as i64)),
                history: false,
                nodes: self.all("Node"),
                pods: self.all("Pod"),
                deployments: self.all("Deployment"),
                replica_sets: self.all("ReplicaSet"),
                stateful_sets: self.all("StatefulSet"),
                daemon_sets: self.all("DaemonSet"),
                jobs: self.all("Job"),
                cron_jobs: self.all("CronJob"),
                services: self.all("Service"),
                endpoints: self.all("Endpoints"),
                endpoint_slices: self.all("EndpointSlice"),
                pod_disruption_budgets: self.all("PodDisruptionBudget"),
                claims: self.all("PersistentVolumeClaim"),
                persistent_volumes: self.all("PersistentVolume"),
                storage_classes: self.all("StorageClass"),
                resource_quotas: self.all("ResourceQuota"),
                controller_revisions: self.all("ControllerRevision"),
                config_maps: self.all("ConfigMap"),
                secrets: self.all("Secret"),
                autoscalers: self.all("HorizontalPodAutoscaler"),
                namespaces: self.all("Namespace"),
                service_accounts: self.all("ServiceAccount"),
                network_policies: self.all("NetworkPolicy"),
                started_configs: self.started_configs.clone(),
            }
        }

        fn delete(&mut self, kind: &str, namespace: &str, name: &str) {
            if let Some(object) =
                self.objects
                    .remove(&(kind.to_string(), namespace.to_string(), name.to_string()))
            {
                let owner = text(&object, "/metadata/uid").to_string();
                let dependents: Vec<(String, String, String)> = self
                    .objects
                    .iter()
                    .filter(|(_, dependent)| controller_uid(dependent) == Some(owner.as_str()))
                    .map(|(key, _)| key.clone())
                    .collect();
                for (kind, namespace, name) in dependents {
                    self.delete(&kind, &namespace, &name);
                }
            }
        }

        /// One pass; returns how many actions changed something.
        fn pass(&mut self) -> usize {
            let snapshot = self.snapshot();
            let actions = reconcile(&snapshot);
            self.started_configs = kubelet_memory(&snapshot);
            let mut changed = 0;
            for action in actions {
                match action {
                    Action::Create(_, object) => {
                        if !self.objects.contains_key(&key(&object)) {
                            self.add(object);
                            changed += 1;
                        }
                    }
                    Action::Replace(_, mut object) => {
                        let stored = self
                            .objects
                            .get(&key(&object))
                            .cloned()
                            .unwrap_or(Value::Null);
                        object["status"] = stored.get("status").cloned().unwrap_or(Value::Null);
                        if stored.get("spec") != object.get("spec") {
                            object["metadata"]["generation"] = json!(
                                stored
                                    .pointer("/metadata/generation")
                                    .and_then(Value::as_i64)
                                    .unwrap_or(1)
                                    + 1
                            );
                        }
                        if stored != object {
                            self.objects.insert(key(&object), object);
                            changed += 1;
                        }
                    }
                    Action::ReplaceStatus(_, object) => {
                        if let Some(stored) = self.objects.get_mut(&key(&object))
                            && stored.get("status") != object.get("status")
                        {
                            stored["status"] = object["status"].clone();
                            changed += 1;
                        }
                    }
                    Action::Delete(kind, namespace, name)
                    | Action::Remove(kind, namespace, name) => {
                        self.delete(kind.type_meta().1, &namespace, &name);
                        changed += 1;
                    }
                    Action::Record(draft) => {
                        let event_key = (draft.namespace.clone(), draft.object_name());
                        let stored = self.events.get(&event_key).map(|event| {
                            (
                                event["count"].as_u64().unwrap_or(0) as u32,
                                event["firstTimestamp"]
                                    .as_str()
                                    .and_then(crate::clock::parse_rfc3339)
                                    .unwrap_or(draft.first),
                            )
                        });
                        let existing = stored.map_or(0, |(count, _)| count);
                        let (count, _) = draft.count.next(stored, draft.last);
                        if count != existing {
                            self.events
                                .insert(event_key, draft.to_object(count, draft.first, draft.last));
                            changed += 1;
                        }
                    }
                }
            }
            changed
        }

        /// Passes until nothing changes (at most 30), then the clock moves on.
        fn settle(&mut self, seconds: u64) {
            for _ in 0..30 {
                if self.pass() == 0 {
                    break;
                }
            }
            self.now += seconds;
            for _ in 0..30 {
                if self.pass() == 0 {
                    break;
                }
            }
        }

        fn events_with(&self, reason: &str) -> Vec<Value> {
            self.events
                .values()
                .filter(|event| event["reason"] == reason)
                .cloned()
                .collect()
        }
    }

    fn deployment(name: &str, replicas: u64, image: &str) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}, "annotations": {"sim.kubeop.dev/ready-delay": "2s"}},
                    "spec": {"containers": [{"name": "app", "image": image, "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]},
                },
            },
        })
    }

    fn pods_of(world: &World, prefix: &str) -> Vec<Value> {
        world
            .all("Pod")
            .into_iter()
            .filter(|pod| text(pod, "/metadata/name").starts_with(prefix))
            .collect()
    }

    #[test]
    fn a_pod_waits_for_its_config_map_and_starts_once_it_exists() {
        let mut world = World::new();
        let mut web = deployment("web", 1, "nginx:1.27");
        web["spec"]["template"]["spec"]["containers"][0]["envFrom"] =
            json!([{"configMapRef": {"name": "web-config"}}]);
        world.add(web);
        world.settle(30);
        let pod = pods_of(&world, "web-").pop().expect("a pod");
        assert_eq!(pod["status"]["phase"], "Pending");
        assert_eq!(
            pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
            "CreateContainerConfigError"
        );
        let failed = world.events_with("Failed");
        assert_eq!(failed.len(), 1);
        assert_eq!(
            failed[0]["message"],
            "Error: configmap \"web-config\" not found"
        );
        assert_eq!(failed[0]["type"], "Warning");
        assert_eq!(
            world.get("Deployment", "shop", "web")["status"].get("readyReplicas"),
            None
        );

        world.add(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "web-config", "namespace": "shop"}, "data": {"MODE": "fast"}}));
        world.settle(5);
        let pod = pods_of(&world, "web-").pop().expect("a pod");
        assert_eq!(pod["status"]["phase"], "Running");
        assert!(pod["status"]["containerStatuses"][0]["state"]["running"].is_object());
        assert_eq!(
            world.get("Deployment", "shop", "web")["status"]["readyReplicas"],
            1
        );
    }

    #[test]
    fn a_deployment_converges_to_ready_pods_with_real_names() {
        let mut world = World::new();
        world.add(deployment("web", 3, "nginx:1.27"));
        world.settle(1);
        let sets = world.all("ReplicaSet");
        assert_eq!(sets.len(), 1);
        let set_name = text(&sets[0], "/metadata/name").to_string();
        let hash = text(&sets[0], "/metadata/labels/pod-template-hash").to_string();
        assert_eq!(set_name, format!("web-{hash}"));
        let pods = pods_of(&world, &format!("{set_name}-"));
        assert_eq!(pods.len(), 3);
        for pod in &pods {
            let suffix = text(pod, "/metadata/name")
                .rsplit('-')
                .next()
                .unwrap_or_default()
                .to_string();
            assert_eq!(suffix.len(), 5);
            assert!(!text(pod, "/spec/nodeName").is_empty());
            assert!(text(pod, "/status/podIP").starts_with("10.244."));
        }
        let status = world.get("Deployment", "shop", "web")["status"].clone();
        assert_eq!(
            status.get("readyReplicas"),
            None,
            "not ready before the ready delay: {status}"
        );
        assert_eq!(status["replicas"], 3);

        world.settle(2);
        let deployment = world.get("Deployment", "shop", "web");
        assert_eq!(deployment["status"]["readyReplicas"], 3);
        assert_eq!(deployment["status"]["availableReplicas"], 3);
        assert_eq!(deployment["status"]["updatedReplicas"], 3);
        assert_eq!(deployment["status"]["observedGeneration"], 1);
        assert_eq!(deployment["status"]["conditions"][0]["type"], "Available");
        assert_eq!(deployment["status"]["conditions"][0]["status"], "True");
        assert_eq!(
            deployment["status"]["conditions"][1]["reason"],
            "NewReplicaSetAvailable"
        );
        assert_eq!(
            deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "1"
        );
        let scaling = world.events_with("ScalingReplicaSet");
        assert_eq!(scaling.len(), 1);
        assert_eq!(
            scaling[0]["message"],
            format!("Scaled up replica set {set_name} from 0 to 3")
        );
        assert_eq!(scaling[0]["source"]["component"], "deployment-controller");
        assert_eq!(world.events_with("SuccessfulCreate").len(), 3);
        assert!(world.events_with("Scheduled").len() == 3);
        assert!(world.events_with("Started").len() == 3);
    }

    #[test]
    fn scaling_down_removes_pods_and_a_deleted_pod_is_replaced() {
        let mut world = World::new();
        world.add(deployment("web", 3, "nginx:1.27"));
        world.settle(3);
        world.settle(1);
        let mut scaled = world.get("Deployment", "shop", "web");
        scaled["spec"]["replicas"] = json!(1);
        scaled["metadata"]["generation"] = json!(2);
        world.objects.insert(key(&scaled), scaled);
        world.settle(3);
        assert_eq!(pods_of(&world, "web-").len(), 1);
        let deployment = world.get("Deployment", "shop", "web");
        assert_eq!(deployment["status"]["replicas"], 1);
        assert_eq!(deployment["status"]["observedGeneration"], 2);
        assert_eq!(world.events_with("SuccessfulDelete").len(), 2);
        assert!(world.events_with("Killing").len() >= 2);

        let survivor = pods_of(&world, "web-")[0].clone();
        world.delete("Pod", "shop", text(&survivor, "/metadata/name"));
        world.settle(3);
        let replacement = pods_of(&world, "web-");
        assert_eq!(replacement.len(), 1);
        assert_ne!(
            replacement[0]["metadata"]["name"],
            survivor["metadata"]["name"]
        );
        assert_eq!(
            world.get("Deployment", "shop", "web")["status"]["readyReplicas"],
            1
        );
    }

    #[test]
    fn a_template_change_rolls_the_pods_to_a_new_replica_set() {
        let mut world = World::new();
        world.add(deployment("web", 2, "nginx:1.27"));
        world.settle(3);
        world.settle(1);
        let mut changed = world.get("Deployment", "shop", "web");
        changed["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.28");
        world.objects.insert(key(&changed), changed);
        for _ in 0..5 {
            world.settle(2);
        }
        let sets = world.all("ReplicaSet");
        assert_eq!(sets.len(), 2);
        let (new, old): (Vec<&Value>, Vec<&Value>) = sets.iter().partition(|set| {
            set["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
        });
        assert_eq!(new[0]["spec"]["replicas"], 2);
        assert_eq!(old[0]["spec"]["replicas"], 0);
        assert_eq!(
            new[0]["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "2"
        );
        let pods = pods_of(&world, "web-");
        assert_eq!(pods.len(), 2);
        assert!(
            pods.iter()
                .all(|pod| pod["spec"]["containers"][0]["image"] == "nginx:1.28")
        );
        assert_eq!(
            world.get("Deployment", "shop", "web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "2"
        );
    }

    #[test]
    fn a_rolled_back_template_reuses_its_replica_set_as_the_newest_revision() {
        let mut world = World::new();
        world.add(deployment("web", 2, "nginx:1.27"));
        world.settle(3);
        let mut changed = world.get("Deployment", "shop", "web");
        let first_template = changed["spec"]["template"].clone();
        changed["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.28");
        world.objects.insert(key(&changed), changed);
        for _ in 0..5 {
            world.settle(2);
        }
        // `kubectl rollout undo` sends the old template back as the Go
        // client serialises it: with `creationTimestamp: null`.
        let mut undone = world.get("Deployment", "shop", "web");
        let mut template = first_template;
        template["metadata"]["creationTimestamp"] = Value::Null;
        undone["spec"]["template"] = template;
        world.objects.insert(key(&undone), undone);
        for _ in 0..5 {
            world.settle(2);
        }
        let sets = world.all("ReplicaSet");
        assert_eq!(
            sets.len(),
            2,
            "no third ReplicaSet for a template seen before"
        );
        let first = sets
            .iter()
            .find(|set| set["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27")
            .expect("the first ReplicaSet");
        let annotations = &first["metadata"]["annotations"];
        assert_eq!(annotations["deployment.kubernetes.io/revision"], "3");
        assert_eq!(
            annotations["deployment.kubernetes.io/revision-history"],
            "1"
        );
        assert_eq!(first["spec"]["replicas"], 2);
        assert_eq!(
            world.get("Deployment", "shop", "web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "3"
        );
        assert!(
            pods_of(&world, "web-")
                .iter()
                .all(|pod| pod["spec"]["containers"][0]["image"] == "nginx:1.27")
        );
    }

    #[test]
    fn a_crashing_rollout_exceeds_its_progress_deadline() {
        let mut world = World::new();
        let mut crashing = deployment("api", 1, "ghcr.io/acme/api:2");
        crashing["spec"]["template"]["metadata"]["annotations"]["sim.kubeop.dev/state"] =
            json!("crashloop");
        world.add(crashing);
        world.settle(700);
        let deployment = world.get("Deployment", "shop", "api");
        assert_eq!(deployment["status"]["conditions"][0]["status"], "False");
        assert_eq!(
            deployment["status"]["conditions"][1]["reason"],
            "ProgressDeadlineExceeded"
        );
        assert_eq!(deployment["status"]["unavailableReplicas"], 1);
        let pod = &pods_of(&world, "api-")[0];
        assert_eq!(
            pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
            "CrashLoopBackOff"
        );
        assert!(
            world.events_with("BackOff")[0]["count"]
                .as_u64()
                .is_some_and(|count| count >= 3)
        );
    }

    #[test]
    fn a_rollout_whose_new_pods_never_get_ready_stays_within_its_surge() {
        let mut world = World::new();
        let mut inventory = deployment("inventory", 4, "ghcr.io/acme/inventory:6.0.0");
        inventory["spec"]["strategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}});
        world.add(inventory);
        world.settle(5);
        let mut rolled = world.get("Deployment", "shop", "inventory");
        rolled["spec"]["template"]["spec"]["containers"][0]["image"] =
            json!("ghcr.io/acme/inventory:6.1.0");
        rolled["spec"]["template"]["metadata"]["annotations"]["sim.kubeop.dev/state"] =
            json!("not-ready");
        world.objects.insert(key(&rolled), rolled);
        for _ in 0..6 {
            world.settle(3);
        }
        let pods = pods_of(&world, "inventory-");
        let by_image = |image: &str| {
            pods.iter()
                .filter(|pod| pod["spec"]["containers"][0]["image"] == image)
                .count()
        };
        assert_eq!(
            (
                by_image("ghcr.io/acme/inventory:6.0.0"),
                by_image("ghcr.io/acme/inventory:6.1.0")
            ),
            (3, 2),
            "4 replicas, maxSurge 1, maxUnavailable 1: 3 old pods keep serving beside 2 new unready ones"
        );
        let status = &world.get("Deployment", "shop", "inventory")["status"];
        assert_eq!(status["replicas"], 5);
        assert_eq!(status["updatedReplicas"], 2);
        assert_eq!(status["readyReplicas"], 3);
    }

    #[test]
    fn a_stateful_set_creates_ordinal_pods_in_order_with_their_claims() {
        let mut world = World::new();
        world.add(json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "shop"},
            "spec": {
                "replicas": 2, "serviceName": "db",
                "selector": {"matchLabels": {"app": "db"}},
                "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "postgres", "image": "postgres:16"}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}}}],
            },
        }));
        world.add(json!({
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "standard", "annotations": {volumes::DEFAULT_CLASS_ANNOTATION: "true"}},
            "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer",
        }));
        world.settle(0);
        assert_eq!(
            pods_of(&world, "db-").len(),
            1,
            "db-1 waits for db-0 to be ready"
        );
        for _ in 0..3 {
            world.settle(2);
        }
        let pods = pods_of(&world, "db-");
        let names: Vec<&str> = pods.iter().map(|pod| text(pod, "/metadata/name")).collect();
        assert_eq!(names, ["db-0", "db-1"]);
        assert_eq!(pods[1]["spec"]["hostname"], "db-1");
        assert_eq!(pods[1]["spec"]["subdomain"], "db");
        let claim = world.get("PersistentVolumeClaim", "shop", "data-db-1");
        assert_eq!(claim["status"]["phase"], "Bound");
        let volume = text(&claim, "/spec/volumeName");
        assert_eq!(
            world.get("PersistentVolume", "", volume)["spec"]["claimRef"]["name"],
            "data-db-1",
            "the default class provisioned its volume"
        );
        let set = world.get("StatefulSet", "shop", "db");
        assert_eq!(set["status"]["readyReplicas"], 2);
        let mut smaller = set.clone();
        smaller["spec"]["replicas"] = json!(1);
        world.objects.insert(key(&smaller), smaller);
        world.settle(1);
        let names: Vec<String> = pods_of(&world, "db-")
            .iter()
            .map(|pod| text(pod, "/metadata/name").to_string())
            .collect();
        assert_eq!(names, ["db-0"]);
    }

    #[test]
    fn a_daemon_set_runs_one_pod_per_node() {
        let mut world = World::new();
        world.add(json!({
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "exporter", "namespace": "shop"},
            "spec": {
                "selector": {"matchLabels": {"app": "exporter"}},
                "template": {"metadata": {"labels": {"app": "exporter"}}, "spec": {"hostNetwork": true, "containers": [{"name": "exporter", "image": "prom/node-exporter"}]}},
            },
        }));
        world.settle(2);
        world.settle(1);
        let pods = pods_of(&world, "exporter-");
        let mut nodes: Vec<&str> = pods.iter().map(|pod| text(pod, "/spec/nodeName")).collect();
        nodes.sort();
        assert_eq!(nodes, ["node-1", "node-2", "node-3"]);
        assert_eq!(
            pods_of(&world, "exporter-")
                .iter()
                .filter(|pod| pod["status"]["podIP"] == pod["status"]["hostIP"])
                .count(),
            3
        );
        let set = world.get("DaemonSet", "shop", "exporter");
        assert_eq!(set["status"]["desiredNumberScheduled"], 3);
        assert_eq!(set["status"]["numberReady"], 3);
    }

    #[test]
    fn a_job_runs_its_pod_to_completion() {
        let mut world = World::new();
        world.add(json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "backup", "namespace": "shop"},
            "spec": {"template": {
                "metadata": {"annotations": {"sim.kubeop.dev/state": "completed"}},
                "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "backup", "image": "postgres:16"}]},
            }},
        }));
        world.settle(10);
        world.settle(1);
        let job = world.get("Job", "shop", "backup");
        assert_eq!(job["status"]["succeeded"], 1);
        assert_eq!(job["status"]["conditions"][1]["type"], "Complete");
        assert_eq!(
            pods_of(&world, "backup-")[0]["metadata"]["labels"]["job-name"],
            "backup"
        );
        assert_eq!(world.events_with("Completed").len(), 1);
    }

    #[test]
    fn a_job_past_its_active_deadline_loses_its_pod_and_fails() {
        let mut world = World::new();
        world.add(json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "reindex", "namespace": "shop"},
            "spec": {"activeDeadlineSeconds": 30, "template": {
                "metadata": {"annotations": {"sim.kubeop.dev/ready-delay": "1h"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "reindex", "image": "busybox:1.36"}]},
            }},
        }));
        world.settle(10);
        assert_eq!(
            pods_of(&world, "reindex-").len(),
            1,
            "runs until the deadline"
        );
        world.settle(30);
        world.settle(1);
        let job = world.get("Job", "shop", "reindex");
        assert_eq!(job["status"]["conditions"][1]["type"], "Failed");
        assert_eq!(job["status"]["conditions"][1]["reason"], "DeadlineExceeded");
        assert_eq!(
            job["status"]["conditions"][1]["message"],
            "Job was active longer than specified deadline"
        );
        assert_eq!(job["status"]["failed"], 1);
        assert!(job["status"].get("active").is_none(), "{job}");
        assert!(pods_of(&world, "reindex-").is_empty(), "its pod is deleted");
        assert_eq!(world.events_with("DeadlineExceeded").len(), 1);
        world.settle(5);
        assert_eq!(world.get("Job", "shop", "reindex")["status"]["failed"], 1);
        assert!(
            pods_of(&world, "reindex-").is_empty(),
            "no new pod after failing"
        );
    }

    #[test]
    fn a_paused_deployment_keeps_serving_its_old_template() {
        let mut world = World::new();
        world.add(deployment("web", 2, "nginx:1.27"));
        world.settle(5);
        let mut paused = world.get("Deployment", "shop", "web");
        paused["spec"]["paused"] = json!(true);
        paused["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.28");
        world.objects.insert(key(&paused), paused);
        world.settle(5);
        assert_eq!(
            world.all("ReplicaSet").len(),
            1,
            "no ReplicaSet for the new template"
        );
        let images: Vec<String> = pods_of(&world, "web-")
            .iter()
            .map(|pod| text(pod, "/spec/containers/0/image").to_string())
            .collect();
        assert_eq!(images, ["nginx:1.27", "nginx:1.27"]);
        let status = &world.get("Deployment", "shop", "web")["status"];
        let progressing = status["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|condition| condition["type"] == "Progressing")
            .cloned()
            .unwrap_or_default();
        assert_eq!(progressing["status"], "Unknown");
        assert_eq!(progressing["reason"], "DeploymentPaused");
        assert!(status.get("updatedReplicas").is_none(), "{status}");
    }

    #[test]
    fn a_retried_refusal_counts_attempts_on_the_work_queues_back_off() {
        let first = from_unix_seconds(1_795_596_253);
        let retried = EventCount::Retried;
        assert_eq!(retried.next(None, first), (1, first));
        // 5ms, 10ms, ... doubling: 1 + 8 retries fit in the first 2 seconds.
        let (count, last) = retried.next(Some((1, first)), first + Duration::from_secs(2));
        assert_eq!(count, 9);
        assert!(last <= first + Duration::from_secs(2));
        // An hour later the waits are long (18 doublings reach 1310s, then
        // 1000s apart): the count grows slowly.
        let (hourly, _) = retried.next(Some((count, first)), first + Duration::from_secs(3600));
        assert_eq!(hourly, 21);
        assert_eq!(EventCount::Occurrence.next(Some((4, first)), first).0, 5);
    }

    #[test]
    fn an_oversized_pod_stays_pending_with_failed_scheduling() {
        let mut world = World::new();
        let mut big = deployment("report", 1, "ghcr.io/acme/report:1");
        big["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] =
            json!("24Gi");
        world.add(big);
        world.settle(5);
        let pod = &pods_of(&world, "report-")[0];
        assert_eq!(pod["status"]["phase"], "Pending");
        assert_eq!(
            pod["status"]["conditions"][0]["message"],
            "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
        );
        let failed = world.events_with("FailedScheduling");
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0]["type"], "Warning");
    }

    fn cron_job(name: &str, schedule: &str, policy: &str, state: &str) -> Value {
        json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {
                "schedule": schedule, "concurrencyPolicy": policy, "suspend": false,
                "successfulJobsHistoryLimit": 2, "failedJobsHistoryLimit": 1,
                "jobTemplate": {"metadata": {"labels": {"app": name}}, "spec": {"template": {
                    "metadata": {"annotations": {"sim.kubeop.dev/state": state}},
                    "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "task", "image": "busybox:1.36"}]},
                }}},
            },
        })
    }

    fn job_names(world: &World) -> Vec<String> {
        world
            .all("Job")
            .iter()
            .map(|job| text(job, "/metadata/name").to_string())
            .collect()
    }

    /// The name of the Job a CronJob starts for the run due at `unix_minutes`.
    fn run_name(cron_job: &str, unix_minutes: u64) -> String {
        format!("{cron_job}-{unix_minutes}")
    }

    #[test]
    fn a_cron_job_runs_on_schedule_and_keeps_its_history_limit() {
        let mut world = World::new();
        // 08:44:13; the first run of */5 is due at 08:45.
        let first_run = (world.now / 300 + 1) * 5;
        world.add(cron_job("report", "*/5 * * * *", "Allow", "completed"));
        world.settle(30);
        assert!(job_names(&world).is_empty(), "nothing is due yet");
        world.settle(30);
        assert_eq!(job_names(&world), [run_name("report", first_run)]);
        let job = world.get("Job", "shop", &run_name("report", first_run));
        assert_eq!(job["metadata"]["labels"]["app"], "report");
        assert_eq!(
            job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"],
            rfc3339(from_unix_seconds(first_run as i64 * 60))
        );
        assert_eq!(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
        let cron = world.get("CronJob", "shop", "report");
        assert_eq!(
            cron["status"]["lastScheduleTime"],
            rfc3339(from_unix_seconds(first_run as i64 * 60))
        );
        assert_eq!(
            cron["status"]["active"][0]["name"],
            run_name("report", first_run)
        );
        assert!(
            world.events_with("SuccessfulCreate").iter().any(|event| {
                event["source"]["component"] == "cronjob-controller"
                    && event["message"] == format!("Created job {}", run_name("report", first_run))
            }),
            "the CronJob reports the Job it created"
        );

        world.settle(10);
        world.settle(10);
        let cron = world.get("CronJob", "shop", "report");
        assert!(cron["status"].get("active").is_none(), "{cron}");
        assert!(cron["status"]["lastSuccessfulTime"].is_string(), "{cron}");
        assert_eq!(
            world.events_with("SawCompletedJob")[0]["message"],
            format!(
                "Saw completed job: {}, condition: Complete",
                run_name("report", first_run)
            )
        );

        for _ in 0..3 {
            world.settle(300);
            world.settle(10);
        }
        let names = job_names(&world);
        assert_eq!(
            names,
            [
                run_name("report", first_run + 10),
                run_name("report", first_run + 15)
            ],
            "two successful Jobs are kept"
        );
        assert_eq!(world.events_with("SuccessfulDelete").len(), 2);
        assert!(
            pods_of(&world, &run_name("report", first_run)).is_empty(),
            "a deleted Job's pods go with it"
        );
    }

    #[test]
    fn forbid_skips_a_run_while_one_is_active_and_replace_replaces_it() {
        let mut world = World::new();
        let first_run = world.now / 60 + 1;
        world.add(cron_job("sync", "* * * * *", "Forbid", "running"));
        world.add(cron_job("refresh", "* * * * *", "Replace", "running"));
        world.settle(60);
        world.settle(60);
        let names = job_names(&world);
        assert_eq!(
            names,
            [
                run_name("refresh", first_run + 1),
                run_name("sync", first_run)
            ],
            "{names:?}"
        );
        let skipped = world.events_with("JobAlreadyActive");
        assert_eq!(skipped.len(), 1);
        assert_eq!(
            skipped[0]["message"],
            "Not starting job because prior execution is running and concurrency policy is Forbid"
        );
        assert_eq!(
            world.get("CronJob", "shop", "sync")["status"]["lastScheduleTime"],
            rfc3339(from_unix_seconds(first_run as i64 * 60))
        );
    }

    #[test]
    fn a_suspended_cron_job_starts_nothing() {
        let mut world = World::new();
        let mut paused = cron_job("paused", "* * * * *", "Allow", "completed");
        paused["spec"]["suspend"] = json!(true);
        world.add(paused);
        world.settle(120);
        world.settle(120);
        assert!(job_names(&world).is_empty());
    }

    fn service(name: &str, selector: Value, target_port: Value) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "shop", "labels": {"tier": "front"}},
            "spec": {"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": target_port, "protocol": "TCP"}]},
        })
    }

    #[test]
    fn endpoints_list_the_ready_pods_a_service_selects() {
        let mut world = World::new();
        let mut web = deployment("web", 2, "nginx:1.27");
        web["spec"]["template"]["spec"]["containers"][0]["ports"] =
            json!([{"name": "web", "containerPort": 8080}]);
        world.add(web);
        world.add(service("web", json!({"app": "web"}), json!("web")));
        world.add(service(
            "orphan",
            json!({"app": "nothing-has-this"}),
            json!(80),
        ));
        world.add(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "external", "namespace": "shop"}, "spec": {"ports": [{"port": 5432}]}}));
        world.settle(0);
        let endpoints = world.get("Endpoints", "shop", "web");
        let not_ready = endpoints["subsets"][0]["notReadyAddresses"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(
            not_ready, 2,
            "not ready before the ready delay: {endpoints}"
        );
        world.settle(3);
        let endpoints = world.get("Endpoints", "shop", "web");
        let subset = &endpoints["subsets"][0];
        assert_eq!(
            subset["addresses"].as_array().map_or(0, Vec::len),
            2,
            "{endpoints}"
        );
        assert!(subset.get("notReadyAddresses").is_none());
        assert_eq!(
            subset["ports"],
            json!([{"name": "http", "port": 8080, "protocol": "TCP"}])
        );
        assert_eq!(subset["addresses"][0]["targetRef"]["kind"], "Pod");
        assert_eq!(endpoints["metadata"]["labels"]["tier"], "front");

        let orphan = world.get("Endpoints", "shop", "orphan");
        assert_eq!(orphan["metadata"]["name"], "orphan");
        assert!(orphan.get("subsets").is_none(), "{orphan}");
        assert_eq!(world.get("Endpoints", "shop", "external"), Value::Null);

        let slices = world.all("EndpointSlice");
        let web_slice = slices
            .iter()
            .find(|slice| slice["metadata"]["labels"]["kubernetes.io/service-name"] == "web")
            .expect("a slice for web");
        assert_eq!(web_slice["endpoints"].as_array().map_or(0, Vec::len), 2);
        assert_eq!(web_slice["endpoints"][0]["conditions"]["ready"], true);
        assert_eq!(
            web_slice["metadata"]["ownerReferences"][0]["kind"],
            "Service"
        );
        let orphan_slice = slices
            .iter()
            .find(|slice| slice["metadata"]["labels"]["kubernetes.io/service-name"] == "orphan")
            .expect("a placeholder slice for orphan");
        assert!(orphan_slice["endpoints"].is_null());

        world.delete("Service", "shop", "web");
        world.settle(1);
        assert_eq!(world.get("Endpoints", "shop", "web"), Value::Null);
    }

    #[test]
    fn recreating_a_config_map_neither_restarts_nor_stops_a_running_pod() {
        let mut world = World::new();
        let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "web-config", "namespace": "shop"}, "data": {"MODE": "fast"}});
        world.add(config_map.clone());
        let mut web = deployment("web", 1, "nginx:1.27");
        web["spec"]["template"]["spec"]["containers"][0]["envFrom"] =
            json!([{"configMapRef": {"name": "web-config"}}]);
        world.add(web);
        world.settle(60);
        world.settle(60);
        let before = pods_of(&world, "web-").pop().expect("a pod");
        let started =
            before["status"]["containerStatuses"][0]["state"]["running"]["startedAt"].clone();
        assert!(started.is_string(), "{before}");

        world.delete("ConfigMap", "shop", "web-config");
        world.settle(60);
        let during = pods_of(&world, "web-").pop().expect("a pod");
        assert_eq!(during["status"]["phase"], "Running");
        assert_eq!(
            during["status"]["containerStatuses"][0]["state"]["running"]["startedAt"],
            started
        );

        world.add(config_map);
        world.settle(60);
        let after = pods_of(&world, "web-").pop().expect("a pod");
        assert_eq!(after["metadata"]["name"], before["metadata"]["name"]);
        assert_eq!(
            after["status"]["containerStatuses"][0]["state"]["running"]["startedAt"],
            started
        );
        assert_eq!(after["status"]["containerStatuses"][0]["restartCount"], 0);
        assert_eq!(after["status"]["startTime"], before["status"]["startTime"]);
    }

    #[test]
    fn a_budget_allows_disruptions_only_above_its_minimum() {
        let mut world = World::new();
        world.add(deployment("web", 3, "nginx:1.27"));
        world.add(
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}}),
        );
        world.add(
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "strict", "namespace": "shop"},
            "spec": {"maxUnavailable": "0%", "selector": {"matchLabels": {"app": "web"}}}}),
        );
        world.settle(0);
        let budget = world.get("PodDisruptionBudget", "shop", "web");
        assert_eq!(
            budget["status"]["disruptionsAllowed"], 0,
            "not ready yet: {budget}"
        );
        world.settle(3);
        let budget = world.get("PodDisruptionBudget", "shop", "web");
        assert_eq!(budget["status"]["currentHealthy"], 3);
        assert_eq!(budget["status"]["desiredHealthy"], 2);
        assert_eq!(budget["status"]["expectedPods"], 3);
        assert_eq!(budget["status"]["disruptionsAllowed"], 1);
        assert_eq!(
            budget["status"]["conditions"][0]["reason"],
            "SufficientPods"
        );
        let strict = world.get("PodDisruptionBudget", "shop", "strict");
        assert_eq!(strict["status"]["disruptionsAllowed"], 0);
        assert_eq!(
            strict["status"]["conditions"][0]["reason"],
            "InsufficientPods"
        );
    }

    fn autoscaler(name: &str, target: &str, min: u64, max: u64, percent: u64) -> Value {
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                     "minReplicas": min, "maxReplicas": max,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                         "target": {"type": "Utilization", "averageUtilization": percent}}}]}})
    }

    fn condition_of(hpa: &Value, kind: &str) -> (String, String, String) {
        let condition = hpa["status"]["conditions"]
            .as_array()
            .and_then(|conditions| conditions.iter().find(|c| c["type"] == kind))
            .cloned()
            .unwrap_or(Value::Null);
        (
            text(&condition, "/status").to_string(),
            text(&condition, "/reason").to_string(),
            text(&condition, "/message").to_string(),
        )
    }

    #[test]
    fn an_autoscaler_scales_on_cpu_and_stops_at_its_maximum() {
        let mut world = World::new();
        let mut api = deployment("api", 2, "ghcr.io/acme/api:7");
        api["spec"]["template"]["metadata"]["annotations"]["sim.kubeop.dev/cpu-usage"] =
            json!("180m");
        world.add(api);
        world.add(autoscaler("api", "api", 2, 3, 60));
        world.settle(5);
        world.settle(5);
        let hpa = world.get("HorizontalPodAutoscaler", "shop", "api");
        // 180m of a 100m request is 180%: three times the 60% target asks
        // for 6 replicas, capped at 3.
        assert_eq!(
            hpa["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"],
            180
        );
        assert_eq!(hpa["status"]["desiredReplicas"], 3);
        assert_eq!(
            world.get("Deployment", "shop", "api")["spec"]["replicas"],
            3
        );
        assert_eq!(
            condition_of(&hpa, "ScalingLimited"),
            (
                "True".to_string(),
                "TooManyReplicas".to_string(),
                "the desired replica count is more than the maximum replica count".to_string()
            )
        );
        assert_eq!(condition_of(&hpa, "ScalingActive").1, "ValidMetricFound");
        let rescale = world.events_with("SuccessfulRescale");
        assert_eq!(
            rescale[0]["message"],
            "New size: 3; reason: cpu resource utilization (percentage of request) above target"
        );
    }

    #[test]
    fn an_autoscaler_without_cpu_requests_cannot_compute_a_replica_count() {
        let mut world = World::new();
        let mut worker = deployment("worker", 1, "ghcr.io/acme/worker:2");
        worker["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({});
        world.add(worker);
        world.add(autoscaler("worker", "worker", 1, 5, 70));
        world.settle(5);
        world.settle(1);
        let hpa = world.get("HorizontalPodAutoscaler", "shop", "worker");
        let pod = text(&pods_of(&world, "worker-")[0], "/metadata/name").to_string();
        let (status, reason, message) = condition_of(&hpa, "ScalingActive");
        assert_eq!(
            (status.as_str(), reason.as_str()),
            ("False", "FailedGetResourceMetric")
        );
        assert_eq!(
            message,
            format!(
                "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container app of Pod {pod}"
            )
        );
        assert_eq!(hpa["status"]["desiredReplicas"], 1);
        assert!(
            world
                .events_with("FailedGetResourceMetric")
                .iter()
                .any(|event| event["message"]
                    == format!("failed to get cpu utilization: missing request for cpu in container app of Pod {pod}"))
        );
    }
}
