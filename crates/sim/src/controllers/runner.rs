//! Runs the controller passes against a [`Store`]: once per batch of changes
//! and on a short tick (time-based behaviour needs no change to progress).
//!
//! The first passes after start replay the scenario's history (see
//! [`Snapshot::history`]) until the cluster settles, so that a freshly loaded
//! scenario looks like a cluster that has been running for a while. Every
//! pass is level-triggered and idempotent, so a failed write (a conflict with
//! a client's write, say) is simply retried by the next pass.

use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::{Action, EventCount, Kind, KubeletMemory, Snapshot, event_ttl, reconcile};
use crate::error::ApiError;
use crate::registry::{self, Resource};
use crate::store::{DeleteOptions, ListOptions, Store};

/// How soon the controllers look again after a pass that changed
/// something: short enough that a pod's ready delay of a second or two
/// shows as it ends.
pub const CONTROLLER_TICK: Duration = Duration::from_millis(200);

/// The longest wait between passes while nothing changes. Each pass that
/// writes nothing doubles the wait from [`CONTROLLER_TICK`] up to this; any
/// write, or any change a client makes, starts over. A full pass (every
/// object listed, every pod's life replayed) five times a second kept an
/// idle debug build of the demo busy a tenth of a core or more; time-based
/// behaviour (a ready delay ending, a crash loop's next restart, a cron
/// schedule) shows at most this much later on a settled cluster.
pub const IDLE_TICK_MAX: Duration = Duration::from_millis(1600);

/// At most this many history passes at start; a scenario settles in a
/// handful (Deployment → ReplicaSet → Pod → binding → status → owner status).
pub const MAX_HISTORY_PASSES: usize = 24;

/// The store resource behind each kind the controllers handle.
fn resource(kind: Kind) -> &'static Resource {
    match kind {
        Kind::Pod => &registry::PODS,
        Kind::Node => &registry::NODES,
        Kind::Event => &registry::EVENTS,
        Kind::PersistentVolumeClaim => &registry::PERSISTENT_VOLUME_CLAIMS,
        Kind::PersistentVolume => &registry::PERSISTENT_VOLUMES,
        Kind::StorageClass => &registry::STORAGE_CLASSES,
        Kind::ResourceQuota => &registry::RESOURCE_QUOTAS,
        Kind::ControllerRevision => &registry::CONTROLLER_REVISIONS,
        Kind::Deployment => &registry::DEPLOYMENTS,
        Kind::ReplicaSet => &registry::REPLICA_SETS,
        Kind::StatefulSet => &registry::STATEFUL_SETS,
        Kind::DaemonSet => &registry::DAEMON_SETS,
        Kind::Job => &registry::JOBS,
        Kind::CronJob => &registry::CRON_JOBS,
        Kind::Service => &registry::SERVICES,
        Kind::Endpoints => &registry::ENDPOINTS,
        Kind::EndpointSlice => &registry::ENDPOINT_SLICES,
        Kind::PodDisruptionBudget => &registry::POD_DISRUPTION_BUDGETS,
        Kind::ConfigMap => &registry::CONFIGMAPS,
        Kind::Secret => &registry::SECRETS,
        Kind::HorizontalPodAutoscaler => &registry::HORIZONTAL_POD_AUTOSCALERS,
        Kind::Namespace => &registry::NAMESPACES,
        Kind::ServiceAccount => &registry::SERVICE_ACCOUNTS,
        Kind::NetworkPolicy => &registry::NETWORK_POLICIES,
    }
}

/// The controllers of one cluster; they stop when this is dropped.
#[derive(Debug)]
pub struct Controllers {
    /// The task running the passes.
    task: JoinHandle<()>,
}

impl Drop for Controllers {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Controllers {
    /// Replays the scenario's history at once (so the cluster is settled when
    /// this returns), then keeps the controllers running in a task. Events
    /// live `event_ttl` after their last write (`event_ttl`).
    pub fn start(store: Store, event_ttl: Duration) -> Controllers {
        let changes = store.subscribe();
        let mut memory = KubeletMemory::new();
        let mut history_passes = 0;
        while history_passes < MAX_HISTORY_PASSES && pass(&store, true, &mut memory, event_ttl) > 0
        {
            history_passes += 1;
        }
        tracing::debug!(history_passes, "scenario history replayed");
        let span = tracing::info_span!("controllers");
        let task = tokio::spawn(run(store, changes, memory, event_ttl).instrument(span));
        Controllers { task }
    }
}

async fn run(
    store: Store,
    mut changes: tokio::sync::broadcast::Receiver<crate::store::Change>,
    mut memory: KubeletMemory,
    event_ttl: Duration,
) {
    let mut wait = CONTROLLER_TICK;
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            change = changes.recv() => match change {
                Ok(_) | Err(RecvError::Lagged(_)) => wait = CONTROLLER_TICK,
                Err(RecvError::Closed) => return,
            },
        }
        // One pass covers every change so far: drain the backlog first.
        while let Ok(_) | Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) =
            changes.try_recv()
        {}
        wait = next_wait(wait, pass(&store, false, &mut memory, event_ttl));
    }
}

/// The wait before the next pass, after one that made `changed` writes
/// following a wait of `waited`.
fn next_wait(waited: Duration, changed: usize) -> Duration {
    if changed > 0 {
        CONTROLLER_TICK
    } else {
        (waited * 2).min(IDLE_TICK_MAX)
    }
}

fn list(store: &Store, kind: Kind) -> Vec<Value> {
    store
        .list(resource(kind), &ListOptions::default())
        .map(|(items, _)| items)
        .unwrap_or_default()
}

/// Takes a snapshot, reconciles and applies; returns how many writes changed
/// the store. `memory` is the kubelets' memory, carried to the next pass.
/// Events past `event_ttl` are deleted, and none is recorded that would
/// already be past it.
pub fn pass(
    store: &Store,
    history: bool,
    memory: &mut KubeletMemory,
    event_ttl: Duration,
) -> usize {
    let _span = tracing::debug_span!("controller_pass", history).entered();
    let now = SystemTime::now();
    let mut changed = 0;
    for (namespace, name) in event_ttl::expired(&list(store, Kind::Event), now, event_ttl) {
        if matches!(
            remove(
                store,
                Kind::Event,
                &namespace,
                &name,
                DeleteOptions::default()
            ),
            Ok(true)
        ) {
            changed += 1;
        }
    }
    let snapshot = Snapshot {
        now: Some(now),
        history,
        nodes: list(store, Kind::Node),
        pods: list(store, Kind::Pod),
        deployments: list(store, Kind::Deployment),
        replica_sets: list(store, Kind::ReplicaSet),
        stateful_sets: list(store, Kind::StatefulSet),
        daemon_sets: list(store, Kind::DaemonSet),
        jobs: list(store, Kind::Job),
        cron_jobs: list(store, Kind::CronJob),
        services: list(store, Kind::Service),
        endpoints: list(store, Kind::Endpoints),
        endpoint_slices: list(store, Kind::EndpointSlice),
        pod_disruption_budgets: list(store, Kind::PodDisruptionBudget),
        claims: list(store, Kind::PersistentVolumeClaim),
        persistent_volumes: list(store, Kind::PersistentVolume),
        storage_classes: list(store, Kind::StorageClass),
        resource_quotas: list(store, Kind::ResourceQuota),
        controller_revisions: list(store, Kind::ControllerRevision),
        config_maps: list(store, Kind::ConfigMap),
        secrets: list(store, Kind::Secret),
        autoscalers: list(store, Kind::HorizontalPodAutoscaler),
        namespaces: list(store, Kind::Namespace),
        service_accounts: list(store, Kind::ServiceAccount),
        network_policies: list(store, Kind::NetworkPolicy),
        started_configs: std::mem::take(memory),
    };
    *memory = super::kubelet_memory(&snapshot);
    // A pod the API server refused was not created: the controller's
    // `SuccessfulCreate` for it is replaced by its `FailedCreate`.
    let mut refused_pod: Option<String> = None;
    for action in reconcile(&snapshot) {
        if let Action::Record(draft) = &action
            && event_ttl::is_past(draft.last, now, event_ttl)
        {
            continue;
        }
        if let (Some(pod), Action::Record(draft)) = (&refused_pod, &action)
            && draft.reason == "SuccessfulCreate"
            && (draft.message.ends_with(pod.as_str())
                || draft.message.contains(&format!(" Pod {pod} in ")))
        {
            continue;
        }
        let refusable = match &action {
            Action::Create(Kind::Pod, pod) => Some(pod.clone()),
            _ => None,
        };
        match apply(store, action) {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(error @ (ApiError::Forbidden { .. } | ApiError::Invalid { .. }))
                if refusable.is_some() =>
            {
                let pod = refusable.unwrap_or_default();
                refused_pod = Some(super::text(&pod, "/metadata/name").to_string());
                if let Some(draft) = failed_create(&snapshot, &pod, &error)
                    && matches!(apply(store, Action::Record(draft)), Ok(true))
                {
                    changed += 1;
                }
            }
            // Conflicts and vanished objects are normal between passes: the
            // next pass sees the new state and decides again.
            Err(error) => tracing::debug!(%error, "controller write not applied"),
        }
    }
    changed
}

/// The `FailedCreate` warning a workload controller records on its object
/// when the API server refuses the pod it tried to create (an admission
/// plugin: a missing PriorityClass, an exceeded quota). The message names
/// the pod as the controller asked for it: a ReplicaSet's, Job's or
/// DaemonSet's pods by their name prefix, a StatefulSet's by name. One
/// event per refusal reason whose count grows with the controller's retries
/// ([`EventCount::Retried`]), as `kubectl describe` shows `(x12 over 3m)`.
fn failed_create(snapshot: &Snapshot, pod: &Value, error: &ApiError) -> Option<super::EventDraft> {
    let owner = pod
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|owner| owner["controller"] == true)?;
    let kind = owner["kind"].as_str()?;
    let owner_name = owner["name"].as_str()?;
    let pod_name = super::text(pod, "/metadata/name");
    let (component, message) = match kind {
        "StatefulSet" => (
            "statefulset-controller",
            format!("create Pod {pod_name} in StatefulSet {owner_name} failed error: {error}"),
        ),
        _ => {
            let component = match kind {
                "ReplicaSet" => "replicaset-controller",
                "DaemonSet" => "daemonset-controller",
                "Job" => "job-controller",
                _ => "controller-manager",
            };
            let message = error
                .to_string()
                .replace(&format!("\"{pod_name}\""), &format!("\"{owner_name}-\""));
            (component, format!("Error creating: {message}"))
        }
    };
    let namespace = super::text(pod, "/metadata/namespace").to_string();
    let now = snapshot.now();
    Some(super::EventDraft {
        involved: serde_json::json!({
            "kind": kind, "apiVersion": owner["apiVersion"], "name": owner_name,
            "uid": owner["uid"], "namespace": namespace,
        }),
        namespace,
        event_type: "Warning",
        reason: "FailedCreate",
        message,
        component,
        host: None,
        count: EventCount::Retried,
        first: now,
        last: now,
    })
}

fn namespace_of(object: &Value) -> String {
    object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn without_resource_version(mut object: Value) -> Value {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("resourceVersion");
    }
    object
}

/// Deletes an object; Ok(false) when it was already gone.
fn remove(
    store: &Store,
    kind: Kind,
    namespace: &str,
    name: &str,
    options: DeleteOptions,
) -> Result<bool, ApiError> {
    match store.delete(resource(kind), namespace, name, &options) {
        Ok(_) => Ok(true),
        Err(ApiError::NotFound(_)) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Applies one action; Ok(true) when the store changed.
fn apply(store: &Store, action: Action) -> Result<bool, ApiError> {
    match action {
        Action::Create(kind, object) => {
            let namespace = namespace_of(&object);
            let status = object.get("status").cloned();
            let created = store.create(resource(kind), &namespace, object)?;
            if let Some(status) = status
                && created.get("status") != Some(&status)
                && resource(kind).has_status()
            {
                let mut with_status = created;
                with_status["status"] = status;
                store.update_status(
                    resource(kind),
                    &namespace,
                    without_resource_version(with_status),
                )?;
            }
            Ok(true)
        }
        Action::Replace(kind, object) => {
            // The resourceVersion stays: a client's write in between wins,
            // and the next pass works from it.
            let namespace = namespace_of(&object);
            let before = object.pointer("/metadata/resourceVersion").cloned();
            let after = store.update(resource(kind), &namespace, object)?;
            Ok(after.pointer("/metadata/resourceVersion").cloned() != before)
        }
        Action::ReplaceStatus(kind, object) => {
            // Status is written by the controllers alone: last writer wins.
            let namespace = namespace_of(&object);
            let before = object.pointer("/metadata/resourceVersion").cloned();
            let after = store.update_status(
                resource(kind),
                &namespace,
                without_resource_version(object),
            )?;
            Ok(after.pointer("/metadata/resourceVersion").cloned() != before)
        }
        Action::Delete(kind, namespace, name) => {
            let being_deleted = store
                .get(resource(kind), &namespace, &name)
                .is_ok_and(|object| object.pointer("/metadata/deletionTimestamp").is_some());
            if being_deleted {
                return Ok(false);
            }
            remove(store, kind, &namespace, &name, DeleteOptions::default())
        }
        Action::Remove(kind, namespace, name) => {
            let at_once = DeleteOptions {
                grace_period_seconds: Some(0),
                ..DeleteOptions::default()
            };
            remove(store, kind, &namespace, &name, at_once)
        }
        Action::Record(draft) => {
            let events = resource(Kind::Event);
            let name = draft.object_name();
            match store.get(events, &draft.namespace, &name) {
                Ok(existing) => {
                    let count = existing.get("count").and_then(Value::as_u64).unwrap_or(0) as u32;
                    let first = existing
                        .get("firstTimestamp")
                        .and_then(Value::as_str)
                        .and_then(crate::clock::parse_rfc3339)
                        .unwrap_or(draft.first);
                    let (wanted, last) = draft.count.next(Some((count, first)), draft.last);
                    if wanted == count {
                        return Ok(false);
                    }
                    let mut updated = existing;
                    updated["count"] = wanted.into();
                    updated["lastTimestamp"] = crate::clock::rfc3339(last).into();
                    store.update(events, &draft.namespace, without_resource_version(updated))?;
                    Ok(true)
                }
                Err(ApiError::NotFound(_)) => {
                    let (count, _) = draft.count.next(None, draft.last);
                    store.create(
                        events,
                        &draft.namespace,
                        draft.to_object(count, draft.first, draft.last),
                    )?;
                    Ok(true)
                }
                Err(error) => Err(error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_passes_back_off_to_the_idle_tick_and_a_write_starts_over() {
        let mut wait = CONTROLLER_TICK;
        let mut waits = Vec::new();
        for _ in 0..6 {
            wait = next_wait(wait, 0);
            waits.push(wait.as_millis());
        }
        assert_eq!(waits, [400, 800, 1600, 1600, 1600, 1600]);
        assert_eq!(next_wait(IDLE_TICK_MAX, 3), CONTROLLER_TICK);
    }
}
