//! What a Node object says about itself, read one way for the health check,
//! the pressure report, the node and pod diagnoses and a node's state
//! answer: whether it is Ready, which of its conditions signal trouble, and
//! its taints as `kubectl describe node` writes them.

use serde_json::Value;

use super::conditions::{self, Condition};

/// Whether the node reports Ready=True (a node without the condition counts
/// as ready, as hand-written nodes often have none).
pub fn is_ready(node: &Value) -> bool {
    conditions::find(node, "Ready").is_none_or(|ready| ready.is_true())
}

/// The node's conditions that signal trouble: every one but Ready is a
/// problem when True (MemoryPressure, DiskPressure, PIDPressure,
/// NetworkUnavailable, and the node-problem-detector's own).
pub fn troubles(node: &Value) -> impl Iterator<Item = Condition<'_>> {
    conditions::of(node).filter(|condition| condition.kind != "Ready" && condition.is_true())
}

/// The node's resource pressure conditions that are True (memory, disk,
/// PIDs): the ones the kubelet evicts pods for and taints the node with.
pub fn pressures(node: &Value) -> impl Iterator<Item = Condition<'_>> {
    troubles(node).filter(|condition| condition.kind.ends_with("Pressure"))
}

/// The node's taints as `key=value:Effect` (`key:Effect` without a value).
pub fn taints(node: &Value) -> Vec<String> {
    node.pointer("/spec/taints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|taint| {
            let key = taint["key"].as_str().unwrap_or_default();
            let effect = taint["effect"].as_str().unwrap_or_default();
            match taint["value"].as_str() {
                Some(value) if !value.is_empty() => format!("{key}={value}:{effect}"),
                _ => format!("{key}:{effect}"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_node_reads_as_ready_its_troubles_and_its_taints() {
        let node = json!({"spec": {"taints": [
                {"key": "dedicated", "value": "db", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"},
                {"key": "empty", "value": "", "effect": "NoExecute"}]},
            "status": {"conditions": [
                {"type": "Ready", "status": "True"},
                {"type": "DiskPressure", "status": "True", "message": "kubelet has disk pressure"},
                {"type": "MemoryPressure", "status": "False"},
                {"type": "NetworkUnavailable", "status": "True", "reason": "NoRouteCreated"}]}});
        assert!(is_ready(&node));
        let troubled: Vec<&str> = troubles(&node).map(|condition| condition.kind).collect();
        assert_eq!(troubled, ["DiskPressure", "NetworkUnavailable"]);
        let pressed: Vec<&str> = pressures(&node).map(|condition| condition.kind).collect();
        assert_eq!(pressed, ["DiskPressure"]);
        assert_eq!(
            taints(&node),
            [
                "dedicated=db:NoSchedule",
                "node.kubernetes.io/disk-pressure:NoSchedule",
                "empty:NoExecute"
            ]
        );
        let unreported =
            json!({"status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}});
        assert!(!is_ready(&unreported));
        assert!(is_ready(&json!({"metadata": {"name": "bare"}})));
        assert!(taints(&unreported).is_empty());
    }
}
