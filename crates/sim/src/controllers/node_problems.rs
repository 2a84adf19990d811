//! What happens to pods when their node is in trouble, as the control plane
//! and the kubelet report it:
//! - a node that is not Ready has no kubelet updating its pods: the node
//!   lifecycle controller marks each pod's Ready condition False and records
//!   `NodeNotReady` on it ([`unreachable`]); the containers keep the state
//!   the kubelet last reported.
//! - a node under MemoryPressure (DiskPressure): the kubelet's eviction
//!   manager evicts the pods that use more memory (ephemeral storage) than
//!   they request ([`evict`]): phase Failed, reason Evicted, the eviction
//!   manager's message, `Evicted` and `Killing` events. The workload
//!   controllers then replace the pod elsewhere. Under PIDPressure it evicts
//!   the pods that run processes (`sim.kubeop.dev/pid-usage`); there is no
//!   PID request, so its message names no container. As the kubelet's, it
//!   evicts one pod at a time, the top-ranked ([`pressure_victim`]: lowest
//!   priority, then most used above its request), at most one per
//!   [`EVICTION_MONITORING_PERIOD`], and stops once what the evicted pods
//!   used brings the node back above its threshold.
//! - whatever the node's state, a pod writing more ephemeral storage than
//!   its containers' `ephemeral-storage` limits add up to is evicted first,
//!   as the kubelet's local storage eviction does, in its words and without
//!   the DisruptionTarget condition node pressure adds.
//! - a node with a pressure condition True carries the matching
//!   `node.kubernetes.io/*-pressure:NoSchedule` taint, as the node lifecycle
//!   controller's TaintNodesByCondition keeps it ([`pressure_taints`]); the
//!   scheduler then keeps new pods off it unless they tolerate it.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::scheduler::pod_requests;
use super::{Action, EventCount, EventDraft, Kind, object_reference, text};
use crate::behaviour::{NodeBehaviour, PodBehaviour};
use crate::clock::{parse_rfc3339, rfc3339};
use crate::quantity::Quantity;

/// How often the kubelet's eviction manager looks at its node's signals
/// (the kubelet's housekeeping period): it evicts at most one pod for node
/// pressure per look.
pub const EVICTION_MONITORING_PERIOD: Duration = Duration::from_secs(10);

/// The kubelet's default hard eviction threshold for `memory.available`.
const MEMORY_EVICTION_THRESHOLD: &str = "100Mi";

/// The kubelet's default hard eviction threshold for `nodefs.available`, in
/// percent of the node's root filesystem.
const DISK_EVICTION_THRESHOLD_PERCENT: i128 = 10;

/// The `pid.available` hard eviction threshold of the sim's kubelets, in
/// percent of the node's PID limit. The kubelet sets none by default; 10%
/// is the figure clusters configure (and the one `--eviction-hard` examples
/// use), so a node's PIDPressure can evict anything at all.
const PID_EVICTION_THRESHOLD_PERCENT: i128 = 10;

/// The node's PID limit (`kernel.pid_max` as systemd sets it on 64-bit
/// hosts), also the stats summary's `rlimit.maxpid`.
pub const NODE_PID_MAX: i128 = 4_194_304;

/// Each pressure condition and the taint the node lifecycle controller
/// keeps on a node while it is True.
pub const PRESSURE_TAINTS: [(&str, &str); 3] = [
    ("MemoryPressure", "node.kubernetes.io/memory-pressure"),
    ("DiskPressure", "node.kubernetes.io/disk-pressure"),
    ("PIDPressure", "node.kubernetes.io/pid-pressure"),
];

/// The taint the node lifecycle controller keeps on a cordoned node
/// (`spec.unschedulable: true`).
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";

/// The node with its pressure taints matching its conditions, and its
/// unschedulable taint matching `spec.unschedulable` (a cordon), when they
/// differ (other taints are kept as they are).
pub fn pressure_taints(node: &Value) -> Option<Action> {
    let current: Vec<Value> = node
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let is_pressure_taint = |taint: &Value| {
        taint["key"] == UNSCHEDULABLE_TAINT
            || PRESSURE_TAINTS.iter().any(|(_, key)| taint["key"] == *key)
    };
    let mut wanted: Vec<Value> = current
        .iter()
        .filter(|taint| !is_pressure_taint(taint))
        .cloned()
        .collect();
    if node.pointer("/spec/unschedulable") == Some(&Value::Bool(true)) {
        wanted.push(json!({"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule"}));
    }
    for (condition, key) in PRESSURE_TAINTS {
        if condition_is_true(node, condition) {
            wanted.push(json!({"key": key, "effect": "NoSchedule"}));
        }
    }
    let same = wanted.len() == current.len()
        && wanted.iter().all(|taint| {
            current.iter().any(|existing| {
                existing["key"] == taint["key"] && existing["effect"] == taint["effect"]
            })
        });
    if same {
        return None;
    }
    let mut updated = node.clone();
    if wanted.is_empty() {
        if let Some(spec) = updated.get_mut("spec").and_then(Value::as_object_mut) {
            spec.remove("taints");
        }
    } else {
        updated["spec"]["taints"] = json!(wanted);
    }
    Some(Action::Replace(Kind::Node, updated))
}

/// A resource the kubelet's eviction manager reclaims, with how it reads
/// the node's and the pod's figures.
struct Reclaim {
    /// The condition that starts evictions.
    condition: &'static str,
    /// The resource name in the eviction message.
    resource: &'static str,
    /// The pod's use of it.
    usage: fn(&PodBehaviour) -> Option<Quantity>,
    /// What the pod requests of it.
    request: fn(&Value) -> Quantity,
    /// The node's use of it.
    node_usage: fn(&NodeBehaviour) -> Option<Quantity>,
    /// The node's capacity of it.
    capacity: fn(&Value) -> Quantity,
    /// The hard eviction threshold as the eviction message prints it, from
    /// the node's capacity.
    threshold: fn(Quantity) -> String,
    /// A quantity of it as the eviction message prints it.
    printed: fn(Quantity) -> String,
    /// Whether the message names the container using most above its
    /// request (memory and ephemeral storage have requests; PIDs do not).
    names_container: bool,
}

/// The node's `status.capacity` of `resource`, zero when it states none.
fn node_capacity(node: &Value, resource: &str) -> Quantity {
    node.pointer(&format!("/status/capacity/{resource}"))
        .and_then(Value::as_str)
        .and_then(|quantity| Quantity::parse(quantity).ok())
        .unwrap_or_default()
}

/// A percentage threshold as the kubelet reports it: its share of the
/// capacity, in whole units (bytes, PIDs).
fn share_of(capacity: Quantity, percent: i128) -> String {
    (capacity.units() * percent / 100).to_string()
}

/// The sum of the pod's containers' ephemeral-storage `requests` or
/// `limits` (`which`); `None` when no container states one.
fn ephemeral_storage(pod: &Value, which: &str) -> Option<Quantity> {
    let stated: Vec<Quantity> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|container| {
            container
                .pointer(&format!("/resources/{which}/ephemeral-storage"))
                .and_then(Value::as_str)
        })
        .filter_map(|text| Quantity::parse(text).ok())
        .collect();
    (!stated.is_empty())
        .then(|| Quantity::from_units(stated.into_iter().map(Quantity::units).sum()))
}

/// The sum of the pod's containers' ephemeral-storage requests.
fn ephemeral_storage_request(pod: &Value) -> Quantity {
    ephemeral_storage(pod, "requests").unwrap_or_default()
}

/// What the eviction manager reclaims, in the order it checks.
const RECLAIMED: [Reclaim; 3] = [
    Reclaim {
        condition: "MemoryPressure",
        resource: "memory",
        usage: |behaviour| behaviour.memory_usage,
        request: |pod| pod_requests(pod).memory,
        node_usage: |behaviour| behaviour.memory_usage,
        capacity: |node| node_capacity(node, "memory"),
        threshold: |_| MEMORY_EVICTION_THRESHOLD.to_string(),
        printed: Quantity::to_kibibytes_string,
        names_container: true,
    },
    Reclaim {
        condition: "DiskPressure",
        resource: "ephemeral-storage",
        usage: |behaviour| behaviour.disk_usage,
        request: ephemeral_storage_request,
        node_usage: |behaviour| behaviour.disk_usage,
        capacity: |node| node_capacity(node, "ephemeral-storage"),
        threshold: |capacity| share_of(capacity, DISK_EVICTION_THRESHOLD_PERCENT),
        printed: Quantity::to_kibibytes_string,
        names_container: true,
    },
    Reclaim {
        condition: "PIDPressure",
        resource: "pids",
        usage: |behaviour| {
            behaviour
                .pid_usage
                .map(|pids| Quantity::from_units(i128::from(pids)))
        },
        request: |_| Quantity::ZERO,
        node_usage: |behaviour| {
            behaviour
                .pid_usage
                .map(|pids| Quantity::from_units(i128::from(pids)))
        },
        capacity: |_| Quantity::from_units(NODE_PID_MAX),
        threshold: |capacity| share_of(capacity, PID_EVICTION_THRESHOLD_PERCENT),
        printed: |quantity| quantity.units().to_string(),
        names_container: false,
    },
];

/// Whether a node condition of this type is True.
fn condition_is_true(node: &Value, kind: &str) -> bool {
    node.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|condition| condition["type"] == kind && condition["status"] == "True")
        })
}

/// The pod's conditions with `kind` set to False (added when missing).
fn with_condition_false(pod: &Value, kind: &str, now: SystemTime) -> Vec<Value> {
    let mut conditions: Vec<Value> = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match conditions
        .iter_mut()
        .find(|condition| condition["type"] == kind)
    {
        Some(condition) if condition["status"] == "False" => {}
        Some(condition) => {
            condition["status"] = json!("False");
            condition["lastTransitionTime"] = json!(rfc3339(now));
        }
        None => conditions.push(json!({
            "type": kind, "status": "False", "lastProbeTime": null,
            "lastTransitionTime": rfc3339(now),
        })),
    }
    conditions
}

fn pod_event(
    pod: &Value,
    event_type: &'static str,
    reason: &'static str,
    message: String,
    component: &'static str,
    host: Option<String>,
    now: SystemTime,
) -> Action {
    Action::Record(EventDraft {
        namespace: text(pod, "/metadata/namespace").to_string(),
        involved: object_reference(pod, None),
        event_type,
        reason,
        message,
        component,
        host,
        count: EventCount::Total(1),
        first: now,
        last: now,
    })
}

/// A pod on a node that is not Ready: Ready=False (once) and `NodeNotReady`.
pub fn unreachable(pod: &Value, now: SystemTime) -> Vec<Action> {
    let ready_already_false = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions
                .iter()
                .any(|condition| condition["type"] == "Ready" && condition["status"] == "False")
        });
    if ready_already_false {
        return Vec::new();
    }
    let mut updated = pod.clone();
    updated["status"]["conditions"] = json!(with_condition_false(pod, "Ready", now));
    vec![
        Action::ReplaceStatus(Kind::Pod, updated),
        pod_event(
            pod,
            "Warning",
            "NodeNotReady",
            "Node is not ready".to_string(),
            "node-controller",
            None,
            now,
        ),
    ]
}

/// When a pod was evicted for node pressure (its DisruptionTarget
/// condition's transition); `None` for any other pod.
fn evicted_for_pressure_at(pod: &Value) -> Option<SystemTime> {
    if text(pod, "/status/reason") != "Evicted" {
        return None;
    }
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|condition| condition["type"] == "DisruptionTarget")
        .and_then(|condition| condition["lastTransitionTime"].as_str())
        .and_then(parse_rfc3339)
}

/// A pod's `spec.priority` (0 when unset), which ranks evictions first.
fn priority(pod: &Value) -> i64 {
    pod.pointer("/spec/priority")
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

/// The pod the eviction manager evicts next from `node` for its pressure,
/// with the eviction message, among `pods` (those bound to `node` count):
/// the node's first pressure condition that is True names the resource;
/// the pods using more of it than they request are ranked as the kubelet
/// ranks them (lowest priority first, then most used above the request)
/// and only the first is evicted. None while the last such eviction on the
/// node is younger than [`EVICTION_MONITORING_PERIOD`], or once what the
/// pods it evicted used brings the node's available amount back to the
/// threshold.
pub fn pressure_victim(node: &Value, pods: &[Value], now: SystemTime) -> Option<(String, String)> {
    let reclaim = RECLAIMED
        .iter()
        .find(|reclaim| condition_is_true(node, reclaim.condition))?;
    let node_name = text(node, "/metadata/name");
    let on_node: Vec<&Value> = pods
        .iter()
        .filter(|pod| text(pod, "/spec/nodeName") == node_name)
        .collect();
    let evicted: Vec<(&Value, SystemTime)> = on_node
        .iter()
        .filter_map(|pod| Some((*pod, evicted_for_pressure_at(pod)?)))
        .collect();
    if evicted
        .iter()
        .any(|(_, at)| now < *at + EVICTION_MONITORING_PERIOD)
    {
        return None;
    }
    let freed: i128 = evicted
        .iter()
        .filter_map(|(pod, _)| (reclaim.usage)(&PodBehaviour::of_pod(pod)))
        .map(Quantity::units)
        .sum();
    let capacity = (reclaim.capacity)(node);
    let node_usage = (reclaim.node_usage)(&NodeBehaviour::of_node(node)).unwrap_or(capacity);
    let available = Quantity::from_units((capacity.units() - node_usage.units() + freed).max(0));
    let threshold = Quantity::parse(&(reclaim.threshold)(capacity)).ok()?;
    if available >= threshold {
        return None;
    }
    let (victim, usage, request) = on_node
        .iter()
        .filter(|pod| {
            !matches!(text(pod, "/status/phase"), "Succeeded" | "Failed")
                && pod.pointer("/metadata/deletionTimestamp").is_none()
        })
        .filter_map(|pod| {
            let usage = (reclaim.usage)(&PodBehaviour::of_pod(pod))?;
            let request = (reclaim.request)(pod);
            (usage > request).then_some((*pod, usage, request))
        })
        .min_by(|(a, a_usage, a_request), (b, b_usage, b_request)| {
            priority(a)
                .cmp(&priority(b))
                .then_with(|| {
                    (b_usage.units() - b_request.units())
                        .cmp(&(a_usage.units() - a_request.units()))
                })
                .then_with(|| text(a, "/metadata/name").cmp(text(b, "/metadata/name")))
        })?;
    let mut message = format!(
        "The node was low on resource: {resource}. Threshold quantity: {}, available: {}. ",
        (reclaim.threshold)(capacity),
        (reclaim.printed)(available),
        resource = reclaim.resource,
    );
    if reclaim.names_container {
        let request_text = if request.units() == 0 {
            "0".to_string()
        } else {
            request.to_memory_string()
        };
        message.push_str(&format!(
            "Container {} was using {}, request is {request_text}, has larger consumption of {resource}. ",
            text(victim, "/spec/containers/0/name"),
            (reclaim.printed)(usage),
            resource = reclaim.resource,
        ));
    }
    Some((text(victim, "/metadata/uid").to_owned(), message))
}

/// Why the kubelet evicts `pod` from `node`, in its words, and whether
/// node pressure is the reason (which adds the DisruptionTarget condition);
/// `None` when it stays. The local storage limit is checked first, as the
/// kubelet's eviction manager does; then whether `pod` is the one
/// [`pressure_victim`] picks among `pods`.
fn eviction(pod: &Value, node: &Value, pods: &[Value], now: SystemTime) -> Option<(String, bool)> {
    let behaviour = PodBehaviour::of_pod(pod);
    if let (Some(limit), Some(usage)) = (ephemeral_storage(pod, "limits"), behaviour.disk_usage)
        && usage > limit
    {
        return Some((
            format!(
                "Pod ephemeral local storage usage exceeds the total limit of containers {}. ",
                limit.to_memory_string()
            ),
            false,
        ));
    }
    let (victim, message) = pressure_victim(node, pods, now)?;
    (victim == text(pod, "/metadata/uid")).then_some((message, true))
}

/// Evicts `pod` from `node` when it writes more ephemeral storage than its
/// containers' limits, or when the node is under MemoryPressure
/// (DiskPressure, PIDPressure) and the pod is the one the eviction manager
/// picks now among `pods` ([`pressure_victim`]); `None` when it stays.
pub fn evict(pod: &Value, node: &Value, pods: &[Value], now: SystemTime) -> Option<Vec<Action>> {
    let (message, under_pressure) = eviction(pod, node, pods, now)?;
    let container = text(pod, "/spec/containers/0/name").to_string();
    let node_name = text(node, "/metadata/name").to_string();
    let mut updated = pod.clone();
    let mut conditions = with_condition_false(pod, "Ready", now);
    if under_pressure {
        conditions.push(json!({
            "type": "DisruptionTarget", "status": "True", "lastProbeTime": null,
            "lastTransitionTime": rfc3339(now), "reason": "TerminationByKubelet",
            "message": message.trim_end(),
        }));
    }
    updated["status"]["phase"] = json!("Failed");
    updated["status"]["reason"] = json!("Evicted");
    updated["status"]["message"] = json!(message);
    updated["status"]["conditions"] = json!(conditions);
    if let Some(statuses) = updated
        .pointer_mut("/status/containerStatuses")
        .and_then(Value::as_array_mut)
    {
        for status in statuses {
            let started = status
                .pointer("/state/running/startedAt")
                .cloned()
                .unwrap_or(Value::Null);
            status["ready"] = json!(false);
            status["started"] = json!(false);
            status["state"] = json!({"terminated": {
                "exitCode": 137, "reason": "Error",
                "startedAt": started, "finishedAt": rfc3339(now),
            }});
        }
    }
    Some(vec![
        Action::ReplaceStatus(Kind::Pod, updated),
        pod_event(
            pod,
            "Warning",
            "Evicted",
            message,
            "kubelet",
            Some(node_name.clone()),
            now,
        ),
        pod_event(
            pod,
            "Normal",
            "Killing",
            format!("Stopping container {container}"),
            "kubelet",
            Some(node_name),
            now,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::from_unix_seconds;

    fn node(pressure: bool) -> Value {
        json!({"metadata": {"name": "node-a", "annotations": {"sim.kubeop.dev/memory-usage": "16300Mi"}},
               "status": {"capacity": {"memory": "16Gi"}, "conditions": [
                   {"type": "MemoryPressure", "status": if pressure { "True" } else { "False" }}]}})
    }

    fn pod(usage: &str) -> Value {
        json!({"metadata": {"name": "report-1", "namespace": "ops", "uid": "u-1",
                            "annotations": {"sim.kubeop.dev/memory-usage": usage}},
               "spec": {"nodeName": "node-a", "containers": [{"name": "report", "resources": {"requests": {"memory": "256Mi"}}}]},
               "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                          "containerStatuses": [{"name": "report", "ready": true,
                              "state": {"running": {"startedAt": "2026-11-25T08:00:00Z"}}}]}})
    }

    #[test]
    fn memory_pressure_evicts_a_pod_above_its_request() {
        let now = from_unix_seconds(1_795_596_253);
        assert!(evict(&pod("1800Mi"), &node(false), &[pod("1800Mi")], now).is_none());
        assert!(evict(&pod("200Mi"), &node(true), &[pod("200Mi")], now).is_none());
        let actions = evict(&pod("1800Mi"), &node(true), &[pod("1800Mi")], now).expect("evicted");
        let Action::ReplaceStatus(Kind::Pod, evicted) = &actions[0] else {
            panic!("a status update first: {actions:?}");
        };
        assert_eq!(evicted["status"]["phase"], "Failed");
        assert_eq!(evicted["status"]["reason"], "Evicted");
        assert_eq!(
            evicted["status"]["message"],
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 86016Ki. Container report was using 1843200Ki, request is 256Mi, has larger consumption of memory. "
        );
        assert_eq!(
            evicted["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"],
            137
        );
    }

    #[test]
    fn disk_pressure_evicts_a_pod_writing_beyond_its_ephemeral_storage_request() {
        let now = from_unix_seconds(1_795_596_253);
        let node = json!({"metadata": {"name": "node-a", "annotations": {"sim.kubeop.dev/disk-usage": "95Gi"}},
               "status": {"capacity": {"memory": "16Gi", "ephemeral-storage": "100Gi"}, "conditions": [
                   {"type": "DiskPressure", "status": "True"}]}});
        let mut writer = pod("100Mi");
        writer["metadata"]["annotations"]["sim.kubeop.dev/disk-usage"] = json!("12Gi");
        let actions = evict(&writer, &node, &[writer.clone()], now).expect("evicted");
        let Action::ReplaceStatus(Kind::Pod, evicted) = &actions[0] else {
            panic!("a status update first: {actions:?}");
        };
        assert_eq!(
            evicted["status"]["message"],
            "The node was low on resource: ephemeral-storage. Threshold quantity: 10737418240, available: 5242880Ki. Container report was using 12582912Ki, request is 0, has larger consumption of ephemeral-storage. "
        );
        assert!(
            evict(&pod("100Mi"), &node, &[pod("100Mi")], now).is_none(),
            "writes nothing"
        );
    }

    #[test]
    fn pid_pressure_evicts_a_pod_running_processes_without_naming_a_container() {
        let now = from_unix_seconds(1_795_596_253);
        let node = json!({"metadata": {"name": "node-a", "annotations": {"sim.kubeop.dev/pid-usage": "3900000"}},
               "status": {"capacity": {"memory": "16Gi"}, "conditions": [
                   {"type": "PIDPressure", "status": "True"}]}});
        let mut forker = pod("100Mi");
        forker["metadata"]["annotations"]["sim.kubeop.dev/pid-usage"] = json!("31000");
        let actions = evict(&forker, &node, &[forker.clone()], now).expect("evicted");
        let Action::ReplaceStatus(Kind::Pod, evicted) = &actions[0] else {
            panic!("a status update first: {actions:?}");
        };
        assert_eq!(
            evicted["status"]["message"],
            "The node was low on resource: pids. Threshold quantity: 419430, available: 294304. "
        );
        assert_eq!(
            evicted["status"]["conditions"][1]["type"],
            "DisruptionTarget"
        );
        assert!(
            evict(&pod("100Mi"), &node, &[pod("100Mi")], now).is_none(),
            "runs no counted processes"
        );
    }

    #[test]
    fn pressure_evicts_the_top_ranked_pod_one_at_a_time_until_the_node_recovers() {
        let now = from_unix_seconds(1_795_596_253);
        let node = json!({"metadata": {"name": "node-a", "annotations": {"sim.kubeop.dev/pid-usage": "3900000"}},
               "status": {"capacity": {"memory": "16Gi"}, "conditions": [
                   {"type": "PIDPressure", "status": "True"}]}});
        let forking = |name: &str, uid: &str, pids: &str, priority: i64| {
            let mut forker = pod("100Mi");
            forker["metadata"]["name"] = json!(name);
            forker["metadata"]["uid"] = json!(uid);
            forker["metadata"]["annotations"]["sim.kubeop.dev/pid-usage"] = json!(pids);
            forker["spec"]["priority"] = json!(priority);
            forker
        };
        let pods = vec![
            forking("crawler", "u-crawler", "31000", 0),
            forking("indexer", "u-indexer", "90000", 0),
            forking("critical", "u-critical", "500000", 1000),
        ];
        // Lowest priority first, then the most processes: indexer.
        let (victim, message) = pressure_victim(&node, &pods, now).expect("under pressure");
        assert_eq!(victim, "u-indexer");
        assert!(message.ends_with("available: 294304. "), "{message}");
        assert!(
            evict(&pods[0], &node, &pods, now).is_none(),
            "one at a time"
        );
        let evicted = |pod: &Value, all: &[Value], at: SystemTime| {
            let Some(Action::ReplaceStatus(Kind::Pod, evicted)) =
                evict(pod, &node, all, at).map(|actions| actions[0].clone())
            else {
                panic!("{pod} is evicted");
            };
            evicted
        };
        let mut after = pods.clone();
        after[1] = evicted(&pods[1], &pods, now);
        // The next look comes a monitoring period later, and counts what the
        // evicted pod freed: 294304 + 90000 is still below 419430.
        assert_eq!(
            pressure_victim(&node, &after, now + Duration::from_secs(1)),
            None
        );
        let later = now + EVICTION_MONITORING_PERIOD;
        let (next, message) = pressure_victim(&node, &after, later).expect("still under");
        assert_eq!(next, "u-crawler");
        assert!(message.ends_with("available: 384304. "), "{message}");
        after[0] = evicted(&after[0], &after, later);
        // 384304 + 31000 is still short: the critical pod goes last.
        let last = later + EVICTION_MONITORING_PERIOD;
        assert_eq!(
            pressure_victim(&node, &after, last).map(|(uid, _)| uid),
            Some("u-critical".to_owned())
        );
        // Had the first eviction freed enough, nothing more goes.
        let mut relieved = pods.clone();
        relieved[1]["metadata"]["annotations"]["sim.kubeop.dev/pid-usage"] = json!("200000");
        relieved[1] = evicted(&relieved[1], &relieved, now);
        assert_eq!(pressure_victim(&node, &relieved, last), None);
    }

    #[test]
    fn a_pod_over_its_ephemeral_storage_limit_is_evicted_without_node_pressure() {
        let now = from_unix_seconds(1_795_596_253);
        let mut writer = pod("100Mi");
        writer["metadata"]["annotations"]["sim.kubeop.dev/disk-usage"] = json!("3Gi");
        writer["spec"]["containers"][0]["resources"]["limits"] =
            json!({"ephemeral-storage": "2Gi"});
        let actions = evict(&writer, &node(false), &[writer.clone()], now).expect("evicted");
        let Action::ReplaceStatus(Kind::Pod, evicted) = &actions[0] else {
            panic!("a status update first: {actions:?}");
        };
        assert_eq!(evicted["status"]["reason"], "Evicted");
        assert_eq!(
            evicted["status"]["message"],
            "Pod ephemeral local storage usage exceeds the total limit of containers 2Gi. "
        );
        let conditions = evicted["status"]["conditions"]
            .as_array()
            .expect("conditions");
        assert!(
            conditions.iter().all(|c| c["type"] != "DisruptionTarget"),
            "a limit eviction is no disruption: {conditions:?}"
        );
        writer["spec"]["containers"][0]["resources"]["limits"] =
            json!({"ephemeral-storage": "4Gi"});
        assert!(
            evict(&writer, &node(false), &[writer.clone()], now).is_none(),
            "within its limit"
        );
    }

    #[test]
    fn pressure_conditions_carry_their_taints() {
        let mut node = json!({"metadata": {"name": "node-c"},
            "spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]},
            "status": {"conditions": [{"type": "DiskPressure", "status": "True"}, {"type": "PIDPressure", "status": "False"}]}});
        let Some(Action::Replace(Kind::Node, tainted)) = pressure_taints(&node) else {
            panic!("the disk-pressure taint is added");
        };
        assert_eq!(
            tainted["spec"]["taints"],
            json!([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                   {"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"}])
        );
        assert!(pressure_taints(&tainted).is_none(), "kept once present");
        node = tainted;
        node["status"]["conditions"][0]["status"] = json!("False");
        let Some(Action::Replace(Kind::Node, relieved)) = pressure_taints(&node) else {
            panic!("the taint goes with the pressure");
        };
        assert_eq!(
            relieved["spec"]["taints"],
            json!([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
        );
    }

    #[test]
    fn a_pod_on_a_lost_node_turns_unready_once() {
        let now = from_unix_seconds(1_795_596_253);
        let actions = unreachable(&pod("1Mi"), now);
        assert_eq!(actions.len(), 2);
        let Action::ReplaceStatus(Kind::Pod, marked) = &actions[0] else {
            panic!("a status update first: {actions:?}");
        };
        assert_eq!(marked["status"]["conditions"][0]["status"], "False");
        assert!(unreachable(marked, now).is_empty());
    }
}
