//! What happens to pods when their node is in trouble, as the control plane
//! and the kubelet report it:
//! - a node that is not Ready has no kubelet updating its pods: the node
//!   lifecycle controller marks each pod's Ready condition False and records
//!   `NodeNotReady` on it ([`unreachable`]); the containers keep the state
//!   the kubelet last reported.
//! - a node under MemoryPressure: the kubelet's eviction manager evicts the
//!   pods that use more memory than they request ([`evict`]): phase Failed,
//!   reason Evicted, the eviction manager's message, `Evicted` and `Killing`
//!   events. The workload controllers then replace the pod elsewhere.

use std::time::SystemTime;

use serde_json::{Value, json};

use super::scheduler::pod_requests;
use super::{Action, EventCount, EventDraft, Kind, object_reference, text};
use crate::behaviour::{NodeBehaviour, PodBehaviour};
use crate::clock::rfc3339;
use crate::quantity::Quantity;

/// The kubelet's default hard eviction threshold for `memory.available`.
const MEMORY_EVICTION_THRESHOLD: &str = "100Mi";

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

/// Evicts `pod` from `node` when the node is under MemoryPressure and the
/// pod uses more memory than it requests; `None` when it stays.
pub fn evict(pod: &Value, node: &Value, now: SystemTime) -> Option<Vec<Action>> {
    if !condition_is_true(node, "MemoryPressure") {
        return None;
    }
    let usage = PodBehaviour::of_pod(pod).memory_usage?;
    let request = pod_requests(pod).memory;
    if usage <= request {
        return None;
    }
    let container = text(pod, "/spec/containers/0/name").to_string();
    let capacity = node
        .pointer("/status/capacity/memory")
        .and_then(Value::as_str)
        .and_then(|memory| Quantity::parse(memory).ok())
        .unwrap_or_default();
    let node_usage = NodeBehaviour::of_node(node)
        .memory_usage
        .unwrap_or(capacity);
    let available = Quantity::from_units((capacity.units() - node_usage.units()).max(0));
    let message = format!(
        "The node was low on resource: memory. Threshold quantity: {MEMORY_EVICTION_THRESHOLD}, available: {}. Container {container} was using {}, request is {}, has larger consumption of memory. ",
        available.to_kibibytes_string(),
        usage.to_kibibytes_string(),
        request.to_memory_string(),
    );
    let node_name = text(node, "/metadata/name").to_string();
    let mut updated = pod.clone();
    let mut conditions = with_condition_false(pod, "Ready", now);
    conditions.push(json!({
        "type": "DisruptionTarget", "status": "True", "lastProbeTime": null,
        "lastTransitionTime": rfc3339(now), "reason": "TerminationByKubelet",
        "message": message.trim_end(),
    }));
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
               "spec": {"containers": [{"name": "report", "resources": {"requests": {"memory": "256Mi"}}}]},
               "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                          "containerStatuses": [{"name": "report", "ready": true,
                              "state": {"running": {"startedAt": "2026-11-25T08:00:00Z"}}}]}})
    }

    #[test]
    fn memory_pressure_evicts_a_pod_above_its_request() {
        let now = from_unix_seconds(1_795_596_253);
        assert!(evict(&pod("1800Mi"), &node(false), now).is_none());
        assert!(evict(&pod("200Mi"), &node(true), now).is_none());
        let actions = evict(&pod("1800Mi"), &node(true), now).expect("evicted");
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
