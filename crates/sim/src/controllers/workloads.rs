//! The workload controllers: Deployment → ReplicaSet → Pods, StatefulSet →
//! ordinal pods, DaemonSet → one pod per node, Job → pod.
//!
//! Names, labels, owner references, status fields, conditions and events are
//! the ones the real controllers produce, since that is what `kubectl get`,
//! `kubectl describe`, `kubectl rollout status` and the MCP server read:
//! `web-7d9f8b6c5` ReplicaSets with a `pod-template-hash`, `web-7d9f8b6c5-x2x4q`
//! pods, `postgres-0`, `ScalingReplicaSet` events, `NewReplicaSetAvailable`.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};

use super::{
    Action, EventCount, EventDraft, Kind, Snapshot, controller_event, controller_uid,
    creation_time, job_outcome, object_reference, pod_is_finished, pod_is_ready, scheduler, text,
};
use crate::clock::{parse_rfc3339, rfc3339};
use crate::fingerprint::safe_suffix;
use crate::meta::controller_reference;

/// The label that ties a ReplicaSet and its pods to one pod template.
pub const POD_TEMPLATE_HASH_LABEL: &str = "pod-template-hash";

/// A Deployment's rollout deadline when `progressDeadlineSeconds` is unset.
const DEFAULT_PROGRESS_DEADLINE: Duration = Duration::from_secs(600);

fn replicas(object: &Value) -> usize {
    object
        .pointer("/spec/replicas")
        .and_then(Value::as_u64)
        .map_or(1, |count| count as usize)
}

/// The deployment controller's `ScalingReplicaSet` event for scaling one of
/// its ReplicaSets from `from` to `to` replicas, worded as the real one
/// ("Scaled up replica set web-5d8f from 0 to 3"), for a new, rolled or
/// retired ReplicaSet alike.
fn scaled_event(
    deployment: &Value,
    set_name: &str,
    from: usize,
    to: usize,
    at: SystemTime,
) -> Action {
    let direction = if to > from { "up" } else { "down" };
    controller_event(
        deployment,
        "deployment-controller",
        "Normal",
        "ScalingReplicaSet",
        format!("Scaled {direction} replica set {set_name} from {from} to {to}"),
        at,
    )
}

fn generation(object: &Value) -> i64 {
    object
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

pub(super) fn uid(object: &Value) -> &str {
    text(object, "/metadata/uid")
}

pub(super) fn name(object: &Value) -> &str {
    text(object, "/metadata/name")
}

pub(super) fn namespace(object: &Value) -> &str {
    text(object, "/metadata/namespace")
}

pub(super) fn is_deleting(object: &Value) -> bool {
    object.pointer("/metadata/deletionTimestamp").is_some()
}

/// The objects a controller still reconciles: those not being deleted
/// (what a deleting object owns goes with it).
pub(super) fn not_deleting(objects: &[Value]) -> impl Iterator<Item = &Value> {
    objects.iter().filter(|object| !is_deleting(object))
}

/// The hash of a pod template, as the `pod-template-hash` label: stable for
/// the same template, different after any change (which is what rolls pods).
pub fn template_hash(template: &Value) -> String {
    safe_suffix(&[&without_nulls(template).to_string()], 10)
}

/// `value` without its null fields, at any depth: the real controllers hash
/// the decoded template, in which a null (`creationTimestamp: null`, as
/// `kubectl rollout undo` sends a ReplicaSet's template back) is the same as
/// a field left out. Hashing the JSON as written would give a rolled-back
/// template a new ReplicaSet instead of its old one.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(_, field)| !field.is_null())
                .map(|(key, field)| (key.clone(), without_nulls(field)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// A workload's pod template (empty when it has none).
pub(super) fn template_of(workload: &Value) -> Value {
    workload
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_else(|| json!({}))
}

/// Creating `pod` for `owner`, with the controller's `SuccessfulCreate` event.
fn create_pod(
    owner: &Value,
    component: &'static str,
    pod: Value,
    created: SystemTime,
) -> [Action; 2] {
    let event = controller_event(
        owner,
        component,
        "Normal",
        "SuccessfulCreate",
        format!("Created pod: {}", name(&pod)),
        created,
    );
    [Action::Create(Kind::Pod, pod), event]
}

/// A new pod named `name` from a workload's template.
fn pod_from_template(
    owner: &Value,
    template: &Value,
    pod_name: &str,
    extra_labels: &[(&str, String)],
    created: SystemTime,
) -> Value {
    let mut labels = template
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or_else(|| json!({}));
    for (key, value) in extra_labels {
        labels[*key] = json!(value);
    }
    let mut metadata = json!({
        "name": pod_name,
        "namespace": namespace(owner),
        "labels": labels,
        "ownerReferences": [controller_reference(owner)],
        "creationTimestamp": rfc3339(created),
    });
    if let Some(annotations) = template.pointer("/metadata/annotations") {
        metadata["annotations"] = annotations.clone();
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    })
}

/// A name `prefix-xxxxx` not taken by any pod of the namespace.
fn unused_pod_name(
    snapshot: &Snapshot,
    owner: &Value,
    prefix: &str,
    taken_now: &BTreeSet<String>,
    salt: usize,
) -> String {
    let now = snapshot
        .now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
        .to_string();
    (0..)
        .map(|attempt: usize| {
            format!(
                "{prefix}-{}",
                safe_suffix(
                    &[uid(owner), &now, &salt.to_string(), &attempt.to_string()],
                    5
                )
            )
        })
        .find(|candidate| {
            !taken_now.contains(candidate)
                && !snapshot
                    .pods
                    .iter()
                    .any(|pod| name(pod) == candidate && namespace(pod) == namespace(owner))
        })
        .expect("an unbounded sequence of random names has a free one")
}

/// Keeps a condition's timestamps when its status (and reason) did not change.
fn carry_condition(existing: Option<&Value>, mut condition: Value, now: SystemTime) -> Value {
    let previous = existing
        .and_then(|status| status.get("conditions"))
        .and_then(Value::as_array)
        .and_then(|conditions| {
            conditions
                .iter()
                .find(|old| old["type"] == condition["type"])
        });
    let stamp = json!(rfc3339(now));
    match previous {
        Some(old)
            if old["status"] == condition["status"] && old["reason"] == condition["reason"] =>
        {
            condition["lastUpdateTime"] = old
                .get("lastUpdateTime")
                .cloned()
                .unwrap_or_else(|| stamp.clone());
            condition["lastTransitionTime"] =
                old.get("lastTransitionTime").cloned().unwrap_or(stamp);
        }
        Some(old) if old["status"] == condition["status"] => {
            condition["lastUpdateTime"] = stamp;
            condition["lastTransitionTime"] = old
                .get("lastTransitionTime")
                .cloned()
                .unwrap_or_else(|| json!(rfc3339(now)));
        }
        _ => {
            condition["lastUpdateTime"] = stamp.clone();
            condition["lastTransitionTime"] = stamp;
        }
    }
    condition
}

/// Sets `key` to `count` in a status map, leaving zero counts out as the API does.
fn put_count(status: &mut Map<String, Value>, key: &str, count: usize) {
    if count > 0 {
        status.insert(key.to_string(), json!(count));
    }
}

fn status_action(kind: Kind, object: &Value, status: Value) -> Option<Action> {
    if object.get("status") == Some(&status) {
        return None;
    }
    let mut updated = object.clone();
    updated["status"] = status;
    Some(Action::ReplaceStatus(kind, updated))
}

/// `Stopping container X` events for a pod being removed, as its kubelet reports them.
pub(super) fn killing_events(pod: &Value, at: SystemTime, count: EventCount) -> Vec<Action> {
    let node = text(pod, "/spec/nodeName");
    if node.is_empty() {
        return Vec::new();
    }
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|container| {
            let container_name = text(container, "/name");
            Action::Record(EventDraft {
                namespace: namespace(pod).to_string(),
                involved: object_reference(
                    pod,
                    Some(&format!("spec.containers{{{container_name}}}")),
                ),
                event_type: "Normal",
                reason: "Killing",
                message: format!("Stopping container {container_name}"),
                component: "kubelet",
                host: Some(node.to_string()),
                count,
                first: at,
                last: at,
            })
        })
        .collect()
}

/// Which pods a controller removes first: unscheduled, then not ready, then newest.
fn deletion_order(pods: &mut [&Value]) {
    pods.sort_by_key(|pod| {
        let unscheduled = text(pod, "/spec/nodeName").is_empty();
        let ready = pod_is_ready(pod);
        let created = creation_time(pod).unwrap_or(SystemTime::UNIX_EPOCH);
        (
            !unscheduled,
            ready,
            std::cmp::Reverse(created),
            name(pod).to_string(),
        )
    });
}

/// A rolling update's `maxSurge` and `maxUnavailable`, resolved against the
/// replica count as the deployment controller does: a percentage rounds
/// up for the surge and down for the unavailable pods, each defaults to
/// 25%, and when both come to 0 one pod may be unavailable. A `Recreate`
/// Deployment surges nothing and, as the controller's `MaxUnavailable`
/// says for it, counts as available only with every pod ready.
fn rollout_bounds(deployment: &Value, desired: usize) -> (usize, usize) {
    if text(deployment, "/spec/strategy/type") == "Recreate" {
        return (0, 0);
    }
    let resolve = |field: &str, round_up: bool| {
        let percent = match deployment.pointer(&format!("/spec/strategy/rollingUpdate/{field}")) {
            Some(Value::Number(number)) => return number.as_u64().unwrap_or(0) as usize,
            Some(Value::String(percent)) => percent.trim_end_matches('%').parse().unwrap_or(0),
            _ => 25,
        };
        if round_up {
            (desired * percent).div_ceil(100)
        } else {
            desired * percent / 100
        }
    };
    let surge = resolve("maxSurge", true);
    let unavailable = resolve("maxUnavailable", false);
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

/// A ReplicaSet as a rollout step sees it: the pods it wants and how many
/// of them are available (ready).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SetCount {
    replicas: usize,
    available: usize,
}

/// One step of a rolling update, as the deployment controller's
/// `rolloutRolling` takes it: the new ReplicaSet grows while all the pods
/// wanted stay within `desired + surge`; when it did not grow, the old
/// ReplicaSets (oldest first) shrink, first by their unavailable pods, then
/// by what keeps `desired - unavailable` pods available. Returns the new
/// ReplicaSet's replicas and each old one's.
fn rolling_step(
    desired: usize,
    (surge, unavailable): (usize, usize),
    new: SetCount,
    olds: &[SetCount],
) -> (usize, Vec<usize>) {
    let mut old_replicas: Vec<usize> = olds.iter().map(|old| old.replicas).collect();
    let all = new.replicas + old_replicas.iter().sum::<usize>();
    let new_target = if new.replicas >= desired {
        desired
    } else {
        let room = (desired + surge).saturating_sub(all);
        new.replicas + room.min(desired - new.replicas)
    };
    if new_target != new.replicas || old_replicas.iter().all(|replicas| *replicas == 0) {
        return (new_target, old_replicas);
    }
    let min_available = desired.saturating_sub(unavailable);
    let new_unavailable = new.replicas.saturating_sub(new.available);
    let mut budget = all.saturating_sub(min_available + new_unavailable);
    // Unavailable old pods go first: they serve nothing.
    let mut availables: Vec<usize> = olds.iter().map(|old| old.available).collect();
    for (replicas, available) in old_replicas.iter_mut().zip(&mut availables) {
        *available = (*available).min(*replicas);
        let cut = (*replicas - *available).min(budget);
        *replicas -= cut;
        budget -= cut;
    }
    // Then available ones, while enough stay available.
    let available_total = new.available.min(new.replicas) + availables.iter().sum::<usize>();
    let mut removable = available_total.saturating_sub(min_available);
    for replicas in &mut old_replicas {
        let cut = (*replicas).min(removable);
        *replicas -= cut;
        removable -= cut;
    }
    (new.replicas, old_replicas)
}

fn revision(object: &Value) -> u64 {
    text(
        object,
        "/metadata/annotations/deployment.kubernetes.io~1revision",
    )
    .parse()
    .unwrap_or(0)
}

/// `set` numbered `number`, its former number appended to
/// `deployment.kubernetes.io/revision-history` (comma-separated).
fn renumbered(set: &Value, number: u64) -> Value {
    let mut renumbered = set.clone();
    let former = text(
        set,
        "/metadata/annotations/deployment.kubernetes.io~1revision",
    );
    let history = text(
        set,
        "/metadata/annotations/deployment.kubernetes.io~1revision-history",
    );
    let history = match (history.is_empty(), former.is_empty()) {
        (_, true) => history.to_owned(),
        (true, false) => former.to_owned(),
        (false, false) => format!("{history},{former}"),
    };
    let annotations = &mut renumbered["metadata"]["annotations"];
    annotations["deployment.kubernetes.io/revision"] = json!(number.to_string());
    if !history.is_empty() {
        annotations["deployment.kubernetes.io/revision-history"] = json!(history);
    }
    renumbered
}

/// Deployments: one ReplicaSet per pod template, scaled so the new one takes
/// over as its pods become ready; status and conditions from the pods. A
/// paused Deployment (`spec.paused`) rolls nothing out: a changed template
/// gets no ReplicaSet, the newest one keeps serving at the desired scale,
/// and Progressing is Unknown with `DeploymentPaused`, as the real
/// controller's sync of a paused Deployment does.
pub fn deployments(snapshot: &Snapshot) -> Vec<Action> {
    let now = snapshot.now();
    let mut actions = Vec::new();
    for deployment in not_deleting(&snapshot.deployments) {
        let desired = replicas(deployment);
        let template = template_of(deployment);
        let hash = template_hash(&template);
        let owned: Vec<&Value> = snapshot
            .replica_sets
            .iter()
            .filter(|replica_set| controller_uid(replica_set) == Some(uid(deployment)))
            .collect();
        let new_set = owned
            .iter()
            .find(|replica_set| {
                text(
                    replica_set,
                    &format!("/metadata/labels/{POD_TEMPLATE_HASH_LABEL}"),
                ) == hash
            })
            .copied();
        let paused = deployment.pointer("/spec/paused") == Some(&Value::Bool(true));
        let template_rolled_out = new_set.is_some();
        let serving = new_set.or_else(|| {
            paused
                .then(|| owned.iter().max_by_key(|set| revision(set)).copied())
                .flatten()
        });
        let Some(new_set) = serving else {
            if paused {
                // Paused before its first rollout: no ReplicaSet at all.
                continue;
            }
            let set_name = format!("{}-{hash}", name(deployment));
            let next_revision = owned.iter().map(|set| revision(set)).max().unwrap_or(0) + 1;
            let mut set_template = template.clone();
            set_template["metadata"]["labels"][POD_TEMPLATE_HASH_LABEL] = json!(hash);
            let mut selector = deployment
                .pointer("/spec/selector")
                .cloned()
                .unwrap_or_else(|| json!({}));
            selector["matchLabels"][POD_TEMPLATE_HASH_LABEL] = json!(hash);
            let mut labels = template
                .pointer("/metadata/labels")
                .cloned()
                .unwrap_or_else(|| json!({}));
            labels[POD_TEMPLATE_HASH_LABEL] = json!(hash);
            let created = snapshot.creation_time_for(deployment);
            // The first step of the rollout: all of it when nothing runs yet.
            let olds: Vec<SetCount> = owned
                .iter()
                .map(|set| SetCount {
                    replicas: replicas(set),
                    available: 0,
                })
                .collect();
            let (surge, unavailable) = rollout_bounds(deployment, desired);
            let recreate = text(deployment, "/spec/strategy/type") == "Recreate";
            let first = if recreate && olds.iter().any(|old| old.replicas > 0) {
                0
            } else {
                rolling_step(
                    desired,
                    (surge, unavailable),
                    SetCount {
                        replicas: 0,
                        available: 0,
                    },
                    &olds,
                )
                .0
            };
            let replica_set = json!({
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": set_name,
                    "namespace": namespace(deployment),
                    "labels": labels,
                    "annotations": {
                        "deployment.kubernetes.io/desired-replicas": desired.to_string(),
                        "deployment.kubernetes.io/max-replicas": (desired + surge).to_string(),
                        "deployment.kubernetes.io/revision": next_revision.to_string(),
                    },
                    "ownerReferences": [controller_reference(deployment)],
                    "creationTimestamp": rfc3339(created),
                },
                "spec": {"replicas": first, "selector": selector, "template": set_template},
            });
            actions.push(Action::Create(Kind::ReplicaSet, replica_set));
            if first > 0 {
                actions.push(scaled_event(deployment, &set_name, 0, first, created));
            }
            continue;
        };

        // A template seen before (a rollback) re-uses its ReplicaSet, which
        // becomes the newest revision, its old number kept in the history
        // annotation, as the real controller's SetNewReplicaSetAnnotations.
        let newest_other = owned
            .iter()
            .filter(|set| uid(set) != uid(new_set))
            .map(|set| revision(set))
            .max()
            .unwrap_or(0);
        let reused = template_rolled_out && revision(new_set) <= newest_other;
        let new_revision = if reused {
            newest_other + 1
        } else {
            revision(new_set)
        };
        let bounds = rollout_bounds(deployment, desired);
        let available_in = |set: &Value| {
            snapshot
                .pods_owned_by(uid(set))
                .filter(|pod| pod_is_ready(pod))
                .count()
                .min(replicas(set))
        };
        let mut olds: Vec<&Value> = owned
            .iter()
            .filter(|set| uid(set) != uid(new_set))
            .copied()
            .collect();
        olds.sort_by_key(|set| (creation_time(set), name(set).to_string()));
        let old_counts: Vec<SetCount> = olds
            .iter()
            .map(|set| SetCount {
                replicas: replicas(set),
                available: available_in(set),
            })
            .collect();
        let new_count = SetCount {
            replicas: replicas(new_set),
            available: available_in(new_set),
        };
        let (new_target, old_targets) = if paused {
            // A paused Deployment only scales: the serving set to the
            // desired count, the others as its pods become ready.
            let mut budget = desired.saturating_sub(new_count.available);
            let targets = old_counts
                .iter()
                .map(|old| {
                    let target = old.replicas.min(budget);
                    budget -= target;
                    target
                })
                .collect();
            (desired, targets)
        } else if text(deployment, "/spec/strategy/type") == "Recreate" {
            // Every old pod goes first; the new ones start once they are gone.
            let old_pods_left = olds.iter().any(|set| {
                snapshot
                    .pods_owned_by(uid(set))
                    .any(|pod| !pod_is_finished(pod))
            });
            let new_target = if old_pods_left || old_counts.iter().any(|old| old.replicas > 0) {
                new_count.replicas
            } else {
                desired
            };
            (new_target, vec![0; old_counts.len()])
        } else {
            rolling_step(desired, bounds, new_count, &old_counts)
        };
        if new_target != new_count.replicas || reused {
            let mut scaled = if reused {
                renumbered(new_set, new_revision)
            } else {
                new_set.clone()
            };
            scaled["spec"]["replicas"] = json!(new_target);
            scaled["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] =
                json!(desired.to_string());
            scaled["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] =
                json!((desired + bounds.0).to_string());
            actions.push(Action::Replace(Kind::ReplicaSet, scaled));
            if new_count.replicas != new_target {
                actions.push(scaled_event(
                    deployment,
                    name(new_set),
                    new_count.replicas,
                    new_target,
                    now,
                ));
            }
        }
        for (old, target) in olds.iter().zip(old_targets) {
            let current = replicas(old);
            if target != current {
                let mut scaled = (*old).clone();
                scaled["spec"]["replicas"] = json!(target);
                actions.push(Action::Replace(Kind::ReplicaSet, scaled));
                actions.push(scaled_event(deployment, name(old), current, target, now));
            }
        }
        if revision(deployment) != new_revision && new_revision > 0 {
            let mut annotated = deployment.clone();
            annotated["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                json!(new_revision.to_string());
            actions.push(Action::Replace(Kind::Deployment, annotated));
        }

        let pods: Vec<&Value> = owned
            .iter()
            .flat_map(|set| snapshot.pods_owned_by(uid(set)))
            .filter(|pod| !pod_is_finished(pod) && !is_deleting(pod))
            .collect();
        // Pods of a template not rolled out yet (paused) are not updated.
        let updated = snapshot
            .pods_owned_by(uid(new_set))
            .filter(|pod| template_rolled_out && !pod_is_finished(pod) && !is_deleting(pod))
            .count();
        let ready = pods.iter().filter(|pod| pod_is_ready(pod)).count();
        let total = pods.len();
        let existing = deployment.get("status");
        let minimum = desired.saturating_sub(bounds.1);
        let available = if ready >= minimum {
            json!({"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."})
        } else {
            json!({"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability."})
        };
        let complete = updated == desired && total == desired && ready == desired;
        let deadline = deployment
            .pointer("/spec/progressDeadlineSeconds")
            .and_then(Value::as_u64)
            .map_or(DEFAULT_PROGRESS_DEADLINE, Duration::from_secs);
        let progressing_since = existing
            .and_then(|status| status.get("conditions"))
            .and_then(Value::as_array)
            .and_then(|conditions| {
                conditions
                    .iter()
                    .find(|c| c["type"] == "Progressing" && c["reason"] == "ReplicaSetUpdated")
            })
            .and_then(|condition| condition.get("lastUpdateTime").and_then(Value::as_str))
            .and_then(parse_rfc3339)
            .or_else(|| creation_time(new_set))
            .unwrap_or(now);
        let set_name = name(new_set);
        let progressing = if paused {
            json!({"type": "Progressing", "status": "Unknown", "reason": "DeploymentPaused", "message": "Deployment is paused"})
        } else if complete {
            json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": format!("ReplicaSet \"{set_name}\" has successfully progressed.")})
        } else if now.duration_since(progressing_since).unwrap_or_default() > deadline {
            json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": format!("ReplicaSet \"{set_name}\" has timed out progressing.")})
        } else {
            json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "message": format!("ReplicaSet \"{set_name}\" is progressing.")})
        };
        let mut status = Map::new();
        status.insert(
            "observedGeneration".to_string(),
            json!(generation(deployment)),
        );
        put_count(&mut status, "replicas", total);
        put_count(&mut status, "updatedReplicas", updated);
        put_count(&mut status, "readyReplicas", ready);
        put_count(&mut status, "availableReplicas", ready);
        put_count(
            &mut status,
            "unavailableReplicas",
            desired.saturating_sub(ready),
        );
        status.insert(
            "conditions".to_string(),
            json!([
                carry_condition(existing, available, now),
                carry_condition(existing, progressing, now)
            ]),
        );
        actions.extend(status_action(
            Kind::Deployment,
            deployment,
            Value::Object(status),
        ));
    }
    actions
}

/// ReplicaSets: as many pods as `spec.replicas`, replacing lost ones and
/// removing extra ones; status from the pods.
pub fn replica_sets(snapshot: &Snapshot) -> Vec<Action> {
    let now = snapshot.now();
    let mut actions = Vec::new();
    for replica_set in not_deleting(&snapshot.replica_sets) {
        let desired = replicas(replica_set);
        let mut pods: Vec<&Value> = snapshot
            .pods_owned_by(uid(replica_set))
            .filter(|pod| !pod_is_finished(pod) && !is_deleting(pod))
            .collect();
        let template = template_of(replica_set);
        let mut taken = BTreeSet::new();
        for index in pods.len()..desired {
            let pod_name = unused_pod_name(snapshot, replica_set, name(replica_set), &taken, index);
            taken.insert(pod_name.clone());
            let created = snapshot.creation_time_for(replica_set);
            actions.extend(create_pod(
                replica_set,
                "replicaset-controller",
                pod_from_template(replica_set, &template, &pod_name, &[], created),
                created,
            ));
        }
        if pods.len() > desired {
            deletion_order(&mut pods);
            for pod in &pods[..pods.len() - desired] {
                actions.push(Action::Delete(
                    Kind::Pod,
                    namespace(pod).to_string(),
                    name(pod).to_string(),
                ));
                actions.extend(killing_events(pod, now, EventCount::Occurrence));
                actions.push(controller_event(
                    replica_set,
                    "replicaset-controller",
                    "Normal",
                    "SuccessfulDelete",
                    format!("Deleted pod: {}", name(pod)),
                    now,
                ));
            }
        }
        let ready = pods
            .iter()
            .filter(|pod| pod_is_ready(pod))
            .count()
            .min(desired);
        let mut status = Map::new();
        status.insert("replicas".to_string(), json!(pods.len()));
        put_count(&mut status, "fullyLabeledReplicas", pods.len());
        put_count(&mut status, "readyReplicas", ready);
        put_count(&mut status, "availableReplicas", ready);
        status.insert(
            "observedGeneration".to_string(),
            json!(generation(replica_set)),
        );
        actions.extend(status_action(
            Kind::ReplicaSet,
            replica_set,
            Value::Object(status),
        ));
    }
    actions
}

/// The ordinal of a StatefulSet pod (`postgres-1` → 1).
fn ordinal(set_name: &str, pod_name: &str) -> Option<usize> {
    pod_name
        .strip_prefix(set_name)?
        .strip_prefix('-')?
        .parse()
        .ok()
}

/// The ControllerRevisions of a StatefulSet or DaemonSet (what `kubectl
/// rollout history` lists and `rollout undo` patches back): one per
/// template, named `revision_name`, holding the template as the patch that
/// restores it. A template seen before (a rollback) gets its old revision
/// back with the next number, as the real controllers renumber it.
fn controller_revisions(
    snapshot: &Snapshot,
    set: &Value,
    revision_name: &str,
    hash: &str,
    created: SystemTime,
) -> Vec<Action> {
    let owned: Vec<&Value> = snapshot
        .controller_revisions
        .iter()
        .filter(|revision| controller_uid(revision) == Some(uid(set)))
        .collect();
    let number = |revision: &Value| revision["revision"].as_i64().unwrap_or(0);
    let latest = owned
        .iter()
        .map(|revision| number(revision))
        .max()
        .unwrap_or(0);
    match owned
        .iter()
        .find(|revision| name(revision) == revision_name)
    {
        Some(current) if number(current) == latest => Vec::new(),
        Some(current) => {
            let mut renumbered = (*current).clone();
            renumbered["revision"] = json!(latest + 1);
            vec![Action::Replace(Kind::ControllerRevision, renumbered)]
        }
        None => {
            let mut template = template_of(set);
            template["$patch"] = json!("replace");
            let mut labels = template
                .pointer("/metadata/labels")
                .cloned()
                .unwrap_or_else(|| json!({}));
            labels["controller.kubernetes.io/hash"] = json!(hash);
            vec![Action::Create(
                Kind::ControllerRevision,
                json!({
                    "apiVersion": "apps/v1",
                    "kind": "ControllerRevision",
                    "metadata": {
                        "name": revision_name,
                        "namespace": namespace(set),
                        "labels": labels,
                        "ownerReferences": [controller_reference(set)],
                        "creationTimestamp": rfc3339(created),
                    },
                    "data": {"spec": {"template": template}},
                    "revision": latest + 1,
                }),
            )]
        }
    }
}

/// StatefulSets: pods `name-0` … `name-(n-1)`, created in order (each once the
/// previous is ready, unless `podManagementPolicy: Parallel`), removed from the
/// highest ordinal down, each with its claims from `volumeClaimTemplates`.
pub fn stateful_sets(snapshot: &Snapshot) -> Vec<Action> {
    let now = snapshot.now();
    let mut actions = Vec::new();
    for set in not_deleting(&snapshot.stateful_sets) {
        let set_name = name(set);
        let desired = replicas(set);
        let parallel = text(set, "/spec/podManagementPolicy") == "Parallel";
        let template = template_of(set);
        let hash = template_hash(&template);
        let revision = format!("{set_name}-{hash}");
        actions.extend(controller_revisions(
            snapshot,
            set,
            &revision,
            &hash,
            snapshot.creation_time_for(set),
        ));
        let mut pods: Vec<(usize, &Value)> = snapshot
            .pods_owned_by(uid(set))
            .filter_map(|pod| ordinal(set_name, name(pod)).map(|index| (index, pod)))
            .collect();
        pods.sort_by_key(|(index, _)| *index);
        let claim_templates: Vec<Value> = set
            .pointer("/spec/volumeClaimTemplates")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();

        for index in 0..desired {
            if pods.iter().any(|(existing, _)| *existing == index) {
                continue;
            }
            let predecessors_ready = pods
                .iter()
                .filter(|(existing, _)| *existing < index)
                .all(|(_, pod)| pod_is_ready(pod))
                && pods
                    .iter()
                    .filter(|(existing, _)| *existing < index)
                    .count()
                    == index;
            if !parallel && !predecessors_ready {
                break;
            }
            let pod_name = format!("{set_name}-{index}");
            let created = snapshot.creation_time_for(set);
            let mut pod = pod_from_template(
                set,
                &template,
                &pod_name,
                &[
                    ("controller-revision-hash", revision.clone()),
                    ("statefulset.kubernetes.io/pod-name", pod_name.clone()),
                    ("apps.kubernetes.io/pod-index", index.to_string()),
                ],
                created,
            );
            pod["spec"]["hostname"] = json!(pod_name);
            if let Some(service) = set.pointer("/spec/serviceName").and_then(Value::as_str) {
                pod["spec"]["subdomain"] = json!(service);
            }
            for claim in &claim_templates {
                let claim_template_name = text(claim, "/metadata/name");
                let claim_name = format!("{claim_template_name}-{pod_name}");
                let volumes = pod["spec"]["volumes"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let mut volumes: Vec<Value> = volumes
                    .into_iter()
                    .filter(|volume| volume["name"] != claim_template_name)
                    .collect();
                volumes.push(json!({"name": claim_template_name, "persistentVolumeClaim": {"claimName": claim_name}}));
                pod["spec"]["volumes"] = Value::Array(volumes);
                let exists = snapshot.claims.iter().any(|existing| {
                    name(existing) == claim_name && namespace(existing) == namespace(set)
                });
                if !exists {
                    let spec = claim.get("spec").cloned().unwrap_or_else(|| json!({}));
                    let mut labels = template
                        .pointer("/metadata/labels")
                        .cloned()
                        .unwrap_or_else(|| json!({}));
                    labels["app.kubernetes.io/managed-by"] = json!("statefulset-controller");
                    actions.push(Action::Create(
                        Kind::PersistentVolumeClaim,
                        json!({
                            "apiVersion": "v1",
                            "kind": "PersistentVolumeClaim",
                            "metadata": {"name": claim_name, "namespace": namespace(set), "labels": labels, "creationTimestamp": rfc3339(created)},
                            // The volume binder binds (or provisions) it.
                            "spec": spec,
                        }),
                    ));
                    actions.push(controller_event(
                        set,
                        "statefulset-controller",
                        "Normal",
                        "SuccessfulCreate",
                        format!("create Claim {claim_name} Pod {pod_name} in StatefulSet {set_name} success"),
                        created,
                    ));
                }
            }
            actions.push(Action::Create(Kind::Pod, pod));
            actions.push(controller_event(
                set,
                "statefulset-controller",
                "Normal",
                "SuccessfulCreate",
                format!("create Pod {pod_name} in StatefulSet {set_name} successful"),
                created,
            ));
            if !parallel {
                break;
            }
        }
        let surplus: Vec<&(usize, &Value)> = pods
            .iter()
            .rev()
            .filter(|(index, pod)| *index >= desired && !is_deleting(pod))
            .collect();
        // Ordered pod management waits for a terminating pod to be gone.
        let terminating = pods.iter().any(|(_, pod)| is_deleting(pod));
        let surplus = if parallel {
            surplus
        } else if terminating {
            Vec::new()
        } else {
            surplus.into_iter().take(1).collect()
        };
        for (_, pod) in &surplus {
            actions.push(Action::Delete(
                Kind::Pod,
                namespace(pod).to_string(),
                name(pod).to_string(),
            ));
            actions.extend(killing_events(pod, now, EventCount::Occurrence));
            actions.push(controller_event(
                set,
                "statefulset-controller",
                "Normal",
                "SuccessfulDelete",
                format!(
                    "delete Pod {} in StatefulSet {set_name} successful",
                    name(pod)
                ),
                now,
            ));
        }
        // Rolling update: replace the highest outdated pod once all are ready.
        let all_ready = pods.iter().all(|(_, pod)| pod_is_ready(pod));
        if surplus.is_empty()
            && !terminating
            && all_ready
            && let Some((_, outdated)) = pods.iter().rev().find(|(index, pod)| {
                *index < desired
                    && text(pod, "/metadata/labels/controller-revision-hash") != revision
            })
        {
            actions.push(Action::Delete(
                Kind::Pod,
                namespace(outdated).to_string(),
                name(outdated).to_string(),
            ));
            actions.extend(killing_events(outdated, now, EventCount::Occurrence));
        }
        let live: Vec<&Value> = pods
            .iter()
            .map(|(_, pod)| *pod)
            .filter(|pod| !pod_is_finished(pod))
            .collect();
        let ready = live.iter().filter(|pod| pod_is_ready(pod)).count();
        let current = live
            .iter()
            .filter(|pod| text(pod, "/metadata/labels/controller-revision-hash") == revision)
            .count();
        let mut status = Map::new();
        status.insert("observedGeneration".to_string(), json!(generation(set)));
        status.insert("replicas".to_string(), json!(live.len()));
        put_count(&mut status, "readyReplicas", ready);
        put_count(&mut status, "currentReplicas", current);
        put_count(&mut status, "updatedReplicas", current);
        put_count(&mut status, "availableReplicas", ready);
        status.insert("currentRevision".to_string(), json!(revision));
        status.insert("updateRevision".to_string(), json!(revision));
        status.insert("collisionCount".to_string(), json!(0));
        actions.extend(status_action(Kind::StatefulSet, set, Value::Object(status)));
    }
    actions
}

/// The NoSchedule taints the DaemonSet controller makes every DaemonSet pod
/// tolerate: a cordon or node pressure does not take a node's daemons away.
const DAEMON_DEFAULT_TOLERATED: [&str; 4] = [
    "node.kubernetes.io/unschedulable",
    "node.kubernetes.io/disk-pressure",
    "node.kubernetes.io/memory-pressure",
    "node.kubernetes.io/pid-pressure",
];

/// Whether a DaemonSet pod may run on a node: its taints are tolerated (by
/// the template or by default) and its nodeSelector and required node
/// affinity match (resources are not checked, as for real DaemonSets of
/// system components).
fn daemon_fits(node: &Value, template: &Value) -> bool {
    let tolerations: Vec<Value> = template
        .pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let taints_ok = node
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|taint| text(taint, "/effect") != "PreferNoSchedule")
        .filter(|taint| {
            !(text(taint, "/effect") == "NoSchedule"
                && DAEMON_DEFAULT_TOLERATED.contains(&text(taint, "/key")))
        })
        .all(|taint| scheduler::tolerates(&tolerations, taint));
    taints_ok && scheduler::matches_node_selection(template, node)
}

/// DaemonSets: one pod on every node that can run it.
pub fn daemon_sets(snapshot: &Snapshot) -> Vec<Action> {
    let now = snapshot.now();
    let mut actions = Vec::new();
    for set in not_deleting(&snapshot.daemon_sets) {
        let template = template_of(set);
        let template_generation = generation(set).to_string();
        let revision = template_hash(&template);
        actions.extend(controller_revisions(
            snapshot,
            set,
            &format!("{}-{revision}", name(set)),
            &revision,
            snapshot.creation_time_for(set),
        ));
        let eligible: Vec<&str> = snapshot
            .nodes
            .iter()
            .filter(|node| daemon_fits(node, &template))
            .map(name)
            .collect();
        let pods: Vec<&Value> = snapshot.pods_owned_by(uid(set)).collect();
        let mut taken = BTreeSet::new();
        for (index, node_name) in eligible.iter().enumerate() {
            if pods
                .iter()
                .any(|pod| text(pod, "/spec/nodeName") == *node_name)
            {
                continue;
            }
            let pod_name = unused_pod_name(snapshot, set, name(set), &taken, index);
            taken.insert(pod_name.clone());
            let created = snapshot.creation_time_for(set);
            let mut pod = pod_from_template(
                set,
                &template,
                &pod_name,
                &[
                    ("controller-revision-hash", revision.clone()),
                    ("pod-template-generation", template_generation.clone()),
                ],
                created,
            );
            pod["spec"]["nodeName"] = json!(node_name);
            actions.extend(create_pod(set, "daemonset-controller", pod, created));
        }
        let mut replaced_one = false;
        for pod in pods.iter().filter(|pod| !is_deleting(pod)) {
            let misplaced = !eligible.contains(&text(pod, "/spec/nodeName"));
            let outdated = text(pod, "/metadata/labels/controller-revision-hash") != revision;
            if misplaced || (outdated && !replaced_one && pods.iter().all(|pod| pod_is_ready(pod)))
            {
                replaced_one |= outdated;
                actions.push(Action::Delete(
                    Kind::Pod,
                    namespace(pod).to_string(),
                    name(pod).to_string(),
                ));
                actions.extend(killing_events(pod, now, EventCount::Occurrence));
                actions.push(controller_event(
                    set,
                    "daemonset-controller",
                    "Normal",
                    "SuccessfulDelete",
                    format!("Deleted pod: {}", name(pod)),
                    now,
                ));
            }
        }
        let on_eligible: Vec<&&Value> = pods
            .iter()
            .filter(|pod| eligible.contains(&text(pod, "/spec/nodeName")))
            .collect();
        let ready = on_eligible.iter().filter(|pod| pod_is_ready(pod)).count();
        let updated = on_eligible
            .iter()
            .filter(|pod| text(pod, "/metadata/labels/controller-revision-hash") == revision)
            .count();
        let mut status = Map::new();
        status.insert(
            "currentNumberScheduled".to_string(),
            json!(on_eligible.len()),
        );
        status.insert("desiredNumberScheduled".to_string(), json!(eligible.len()));
        status.insert(
            "numberMisscheduled".to_string(),
            json!(pods.len() - on_eligible.len()),
        );
        status.insert("numberReady".to_string(), json!(ready));
        put_count(&mut status, "numberAvailable", ready);
        put_count(
            &mut status,
            "numberUnavailable",
            eligible.len().saturating_sub(ready),
        );
        put_count(&mut status, "updatedNumberScheduled", updated);
        status.insert("observedGeneration".to_string(), json!(generation(set)));
        actions.extend(status_action(Kind::DaemonSet, set, Value::Object(status)));
    }
    actions
}

/// The job controller's words when a Job outlives `activeDeadlineSeconds`.
const DEADLINE_MESSAGE: &str = "Job was active longer than specified deadline";

/// Whether a Job has failed for this reason already (its Failed condition).
fn failed_for(job: &Value, reason: &str) -> bool {
    job.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|condition| {
            condition["type"] == "Failed"
                && condition["status"] == "True"
                && condition["reason"] == reason
        })
}

/// Whether a Job whose pods restart in place (`restartPolicy: OnFailure`)
/// has used up its `backoffLimit`: the job controller then counts the
/// restarts of the containers (init containers included) of its running
/// and pending pods as its retries (`pastBackoffLimitOnFailure`), since no
/// pod of it ever reaches phase Failed.
fn past_backoff_limit_on_failure(job: &Value, active: &[&&Value], backoff_limit: usize) -> bool {
    if text(job, "/spec/template/spec/restartPolicy") != "OnFailure" {
        return false;
    }
    let restarts: u64 = active
        .iter()
        .filter(|pod| matches!(text(pod, "/status/phase"), "Running" | "Pending"))
        .flat_map(|pod| {
            ["/status/initContainerStatuses", "/status/containerStatuses"]
                .into_iter()
                .filter_map(|list| pod.pointer(list).and_then(Value::as_array))
                .flatten()
        })
        .filter_map(|status| status["restartCount"].as_u64())
        .sum();
    if backoff_limit == 0 {
        restarts > 0
    } else {
        restarts >= backoff_limit as u64
    }
}

/// Jobs: a pod at a time until `completions` pods succeeded, more than
/// `backoffLimit` failed (or, restarting in place, their containers
/// restarted as often), or `activeDeadlineSeconds` passed since it started
/// (its running pods are then stopped and count as failed);
/// status, conditions and events as the job controller.
pub fn jobs(snapshot: &Snapshot) -> Vec<Action> {
    let now = snapshot.now();
    let mut actions = Vec::new();
    for job in not_deleting(&snapshot.jobs) {
        let completions = job
            .pointer("/spec/completions")
            .and_then(Value::as_u64)
            .unwrap_or(1) as usize;
        let backoff_limit = job
            .pointer("/spec/backoffLimit")
            .and_then(Value::as_u64)
            .unwrap_or(6) as usize;
        let pods: Vec<&Value> = snapshot.pods_owned_by(uid(job)).collect();
        let succeeded = pods
            .iter()
            .filter(|pod| text(pod, "/status/phase") == "Succeeded")
            .count();
        let failed = pods
            .iter()
            .filter(|pod| text(pod, "/status/phase") == "Failed")
            .count();
        let active: Vec<&&Value> = pods.iter().filter(|pod| !pod_is_finished(pod)).collect();
        let complete = succeeded >= completions;
        let existing = job.get("status");
        let start_time = existing
            .and_then(|status| status.get("startTime"))
            .cloned()
            .unwrap_or_else(|| json!(rfc3339(snapshot.creation_time_for(job))));
        let deadline = job
            .pointer("/spec/activeDeadlineSeconds")
            .and_then(Value::as_u64)
            .and_then(|seconds| {
                let started = parse_rfc3339(start_time.as_str().unwrap_or_default())?;
                Some(started + std::time::Duration::from_secs(seconds))
            });
        let past_deadline = failed_for(job, "DeadlineExceeded")
            || (!complete && job_outcome(job).is_none() && deadline.is_some_and(|at| now >= at));
        let restarts_exceeded = !past_deadline
            && (failed_for(job, "BackoffLimitExceeded")
                || (!complete
                    && job_outcome(job).is_none()
                    && past_backoff_limit_on_failure(job, &active, backoff_limit)));
        // Pods stopped at the deadline or at the backoff limit are gone
        // from the cluster but stay counted as failed, as the real
        // controller's status keeps them.
        let stopped = past_deadline || restarts_exceeded;
        let failed = if stopped {
            let counted = existing
                .and_then(|status| status.get("failed"))
                .and_then(Value::as_u64)
                .unwrap_or(0) as usize;
            // It ran at least one pod before the deadline stopped it.
            counted.max(failed + active.len()).max(1)
        } else {
            failed
        };
        let failed_out = stopped || failed > backoff_limit;
        if stopped {
            for pod in active.iter().filter(|pod| !is_deleting(pod)) {
                actions.push(Action::Delete(
                    Kind::Pod,
                    namespace(pod).to_string(),
                    name(pod).to_string(),
                ));
                actions.extend(killing_events(pod, now, EventCount::Total(1)));
                actions.push(controller_event(
                    job,
                    "job-controller",
                    "Normal",
                    "SuccessfulDelete",
                    format!("Deleted pod: {}", name(pod)),
                    now,
                ));
            }
        }
        let active: Vec<&&Value> = if stopped { Vec::new() } else { active };
        if !complete && !failed_out && active.is_empty() {
            let template = template_of(job);
            let pod_name = unused_pod_name(snapshot, job, name(job), &BTreeSet::new(), pods.len());
            let created = snapshot.creation_time_for(job);
            let labels = [
                ("batch.kubernetes.io/controller-uid", uid(job).to_string()),
                ("batch.kubernetes.io/job-name", name(job).to_string()),
                ("controller-uid", uid(job).to_string()),
                ("job-name", name(job).to_string()),
            ];
            actions.extend(create_pod(
                job,
                "job-controller",
                pod_from_template(job, &template, &pod_name, &labels, created),
                created,
            ));
        }
        let mut status = Map::new();
        status.insert("startTime".to_string(), start_time);
        put_count(&mut status, "active", active.len());
        status.insert(
            "ready".to_string(),
            json!(active.iter().filter(|pod| pod_is_ready(pod)).count()),
        );
        put_count(&mut status, "succeeded", succeeded);
        put_count(&mut status, "failed", failed);
        status.insert("terminating".to_string(), json!(0));
        status.insert("uncountedTerminatedPods".to_string(), json!({}));
        let finished_at = pods
            .iter()
            .filter_map(|pod| {
                pod.pointer("/status/containerStatuses/0/state/terminated/finishedAt")
                    .and_then(Value::as_str)
            })
            .filter_map(parse_rfc3339)
            .max()
            .unwrap_or(now);
        let already_done = job_outcome(job).is_some();
        if complete {
            let completed = existing
                .and_then(|status| status.get("completionTime"))
                .cloned()
                .unwrap_or_else(|| json!(rfc3339(finished_at)));
            status.insert("completionTime".to_string(), completed.clone());
            status.insert(
                "conditions".to_string(),
                json!([
                    {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": completed, "lastTransitionTime": completed},
                    {"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": completed, "lastTransitionTime": completed},
                ]),
            );
            if !already_done {
                let at = parse_rfc3339(completed.as_str().unwrap_or_default()).unwrap_or(now);
                actions.push(controller_event(
                    job,
                    "job-controller",
                    "Normal",
                    "Completed",
                    "Job completed".to_string(),
                    at,
                ));
            }
        } else if failed_out {
            let (reason, message, at) = if past_deadline {
                // The deadline, not the last pod's end, is when it failed.
                let at = existing
                    .and_then(|status| status.pointer("/conditions/0/lastTransitionTime"))
                    .and_then(Value::as_str)
                    .and_then(parse_rfc3339)
                    .or(deadline)
                    .unwrap_or(now);
                ("DeadlineExceeded", DEADLINE_MESSAGE, at)
            } else if restarts_exceeded {
                // Its pod was stopped while restarting: it failed when
                // the controller saw the restarts, and stays so.
                let at = existing
                    .and_then(|status| status.pointer("/conditions/0/lastTransitionTime"))
                    .and_then(Value::as_str)
                    .and_then(parse_rfc3339)
                    .unwrap_or(now);
                (
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    at,
                )
            } else {
                (
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    finished_at,
                )
            };
            let stamp = json!(rfc3339(at));
            status.insert(
                "conditions".to_string(),
                json!([
                    {"type": "FailureTarget", "status": "True", "reason": reason, "message": message, "lastProbeTime": stamp, "lastTransitionTime": stamp},
                    {"type": "Failed", "status": "True", "reason": reason, "message": message, "lastProbeTime": stamp, "lastTransitionTime": stamp},
                ]),
            );
            if !already_done {
                actions.push(controller_event(
                    job,
                    "job-controller",
                    "Warning",
                    reason,
                    message.to_string(),
                    if past_deadline { at } else { now },
                ));
            }
        }
        actions.extend(status_action(Kind::Job, job, Value::Object(status)));
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(replicas: usize, available: usize) -> SetCount {
        SetCount {
            replicas,
            available,
        }
    }

    #[test]
    fn an_on_failure_jobs_restarts_count_against_its_backoff_limit() {
        let job = |policy: &str| json!({"spec": {"template": {"spec": {"restartPolicy": policy}}}});
        let pod = |phase: &str, restarts: u64, init_restarts: u64| {
            json!({"status": {"phase": phase,
                "initContainerStatuses": [{"name": "init", "restartCount": init_restarts}],
                "containerStatuses": [{"name": "app", "restartCount": restarts}]}})
        };
        let running = pod("Running", 1, 0);
        let pending = pod("Pending", 0, 1);
        let fresh = pod("Running", 0, 0);
        let on_failure = job("OnFailure");
        assert!(past_backoff_limit_on_failure(&on_failure, &[&&running], 1));
        assert!(!past_backoff_limit_on_failure(&on_failure, &[&&running], 3));
        assert!(past_backoff_limit_on_failure(
            &on_failure,
            &[&&running, &&pending],
            2
        ));
        // A limit of 0: the first restart fails it.
        assert!(!past_backoff_limit_on_failure(&on_failure, &[&&fresh], 0));
        assert!(past_backoff_limit_on_failure(&on_failure, &[&&running], 0));
        // Pods that restart not in place fail as pods, counted elsewhere.
        assert!(!past_backoff_limit_on_failure(
            &job("Never"),
            &[&&running],
            1
        ));
    }

    #[test]
    fn rollout_bounds_round_like_the_deployment_controller() {
        let with = |strategy: Value| json!({"spec": {"strategy": strategy}});
        assert_eq!(rollout_bounds(&json!({"spec": {}}), 4), (1, 1));
        assert_eq!(
            rollout_bounds(&json!({"spec": {}}), 2),
            (1, 0),
            "25% of 2: surge rounds up, unavailable down"
        );
        assert_eq!(
            rollout_bounds(
                &with(json!({"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}})),
                3
            ),
            (0, 1),
            "both 0: one pod may be unavailable"
        );
        assert_eq!(
            rollout_bounds(
                &with(json!({"rollingUpdate": {"maxSurge": "50%", "maxUnavailable": 2}})),
                3
            ),
            (2, 2)
        );
        assert_eq!(
            rollout_bounds(&with(json!({"type": "Recreate"})), 3),
            (0, 0)
        );
    }

    #[test]
    fn a_rolling_update_grows_the_new_set_and_shrinks_the_old_within_its_bounds() {
        let bounds = (1, 1);
        // The new set surges by one, then the old one gives up a pod.
        assert_eq!(
            rolling_step(4, bounds, set(0, 0), &[set(4, 4)]),
            (1, vec![4])
        );
        assert_eq!(
            rolling_step(4, bounds, set(1, 0), &[set(4, 4)]),
            (1, vec![3])
        );
        assert_eq!(
            rolling_step(4, bounds, set(1, 0), &[set(3, 3)]),
            (2, vec![3])
        );
        // New pods that never get ready: nothing more moves.
        assert_eq!(
            rolling_step(4, bounds, set(2, 0), &[set(3, 3)]),
            (2, vec![3])
        );
        // Ready new pods let the old set go, oldest first.
        assert_eq!(
            rolling_step(4, bounds, set(2, 2), &[set(3, 3)]),
            (2, vec![1])
        );
        assert_eq!(
            rolling_step(4, bounds, set(4, 4), &[set(1, 1), set(1, 0)]),
            (4, vec![0, 0]),
            "an unavailable old pod goes first, then what availability allows"
        );
        // A scale of a finished rollout is immediate.
        assert_eq!(
            rolling_step(6, bounds, set(4, 4), &[set(0, 0)]),
            (6, vec![0])
        );
    }
}
