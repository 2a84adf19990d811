//! Resource usage: the `metrics.k8s.io/v1beta1` objects behind `kubectl top`
//! and `pods_top`/`nodes_top`, and the kubelet Summary API behind
//! `nodes/N/proxy/stats/summary`.
//!
//! Usage comes from the `sim.kubeop.dev/cpu-usage` and `memory-usage`
//! annotations (on the pod for its main container, on the node for the node),
//! else from small stable defaults derived from the pod's name, so that
//! `kubectl top` shows every running pod and the same numbers on every call.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::behaviour::{NodeBehaviour, PodBehaviour};
use crate::clock::{parse_rfc3339, rfc3339};
use crate::controllers::node_problems::NODE_PID_MAX;
use crate::fingerprint::hex_digest;
use crate::kubelet::main_container_name;
use crate::quantity::Quantity;

/// The metrics-server's scrape window, reported with every sample.
const METRICS_WINDOW: &str = "15.012s";

/// What the node's own processes (kubelet, containerd, the OS) use on top of
/// its pods, when the node has no usage annotation.
const NODE_SYSTEM_CPU_MILLIS: i128 = 140;
const NODE_SYSTEM_MEMORY_MIB: i128 = 920;

/// One container's usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// CPU.
    pub cpu: Quantity,
    /// Memory (working set).
    pub memory: Quantity,
}

impl std::ops::Add for Usage {
    type Output = Usage;
    fn add(self, other: Usage) -> Usage {
        Usage {
            cpu: self.cpu + other.cpu,
            memory: self.memory + other.memory,
        }
    }
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Whether the metrics-server would have samples for the pod: it runs on a node.
pub fn has_metrics(pod: &Value) -> bool {
    text(pod, "/status/phase") == "Running"
}

/// A small, stable usage for a container without annotations (1-6m CPU, 8-40Mi memory).
fn default_usage(pod_name: &str, container: &str) -> Usage {
    let seed = u64::from_str_radix(&hex_digest(&[pod_name, container], 8), 16).unwrap_or(0);
    Usage {
        cpu: Quantity::from_millis(1 + i128::from(seed % 6)),
        memory: Quantity::from_units((8 + i128::from((seed >> 8) % 33)) * 1024 * 1024),
    }
}

/// Each container's usage, in spec order.
pub fn container_usage(pod: &Value) -> Vec<(String, Usage)> {
    let behaviour = PodBehaviour::of_pod(pod);
    let main = main_container_name(pod);
    let pod_name = text(pod, "/metadata/name");
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|containers| {
            containers
                .iter()
                .map(|container| {
                    let name = text(container, "/name").to_string();
                    let fallback = default_usage(pod_name, &name);
                    let usage = if main.as_deref() == Some(name.as_str()) {
                        Usage {
                            cpu: behaviour.cpu_usage.unwrap_or(fallback.cpu),
                            memory: behaviour.memory_usage.unwrap_or(fallback.memory),
                        }
                    } else {
                        fallback
                    };
                    (name, usage)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The pod's total usage.
pub fn pod_usage(pod: &Value) -> Usage {
    container_usage(pod)
        .into_iter()
        .map(|(_, usage)| usage)
        .fold(
            Usage {
                cpu: Quantity::ZERO,
                memory: Quantity::ZERO,
            },
            |total, usage| total + usage,
        )
}

/// A `PodMetrics` object, or None when the pod is not running.
pub fn pod_metrics(pod: &Value, now: SystemTime) -> Option<Value> {
    if !has_metrics(pod) {
        return None;
    }
    let containers: Vec<Value> = container_usage(pod)
        .into_iter()
        .map(|(name, usage)| {
            json!({
                "name": name,
                "usage": {"cpu": usage.cpu.to_nanocores_string(), "memory": usage.memory.to_kibibytes_string()},
            })
        })
        .collect();
    let mut metadata = json!({
        "name": text(pod, "/metadata/name"),
        "namespace": text(pod, "/metadata/namespace"),
        "creationTimestamp": rfc3339(now),
    });
    if let Some(labels) = pod.pointer("/metadata/labels") {
        metadata["labels"] = labels.clone();
    }
    Some(json!({
        "kind": "PodMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": metadata,
        "timestamp": rfc3339(now - Duration::from_secs(7)),
        "window": METRICS_WINDOW,
        "containers": containers,
    }))
}

/// The node's usage: its annotations, else its running pods plus the system's share.
pub fn node_usage(node: &Value, pods_on_node: &[Value]) -> Usage {
    let behaviour = NodeBehaviour::of_node(node);
    let from_pods = pods_on_node
        .iter()
        .filter(|pod| has_metrics(pod))
        .map(pod_usage)
        .fold(
            Usage {
                cpu: Quantity::from_millis(NODE_SYSTEM_CPU_MILLIS),
                memory: Quantity::from_units(NODE_SYSTEM_MEMORY_MIB * 1024 * 1024),
            },
            |total, usage| total + usage,
        );
    Usage {
        cpu: behaviour.cpu_usage.unwrap_or(from_pods.cpu),
        memory: behaviour.memory_usage.unwrap_or(from_pods.memory),
    }
}

/// A `NodeMetrics` object.
pub fn node_metrics(node: &Value, pods_on_node: &[Value], now: SystemTime) -> Value {
    let usage = node_usage(node, pods_on_node);
    let mut metadata =
        json!({"name": text(node, "/metadata/name"), "creationTimestamp": rfc3339(now)});
    if let Some(labels) = node.pointer("/metadata/labels") {
        metadata["labels"] = labels.clone();
    }
    json!({
        "kind": "NodeMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": metadata,
        "timestamp": rfc3339(now - Duration::from_secs(5)),
        "window": "20.05s",
        "usage": {"cpu": usage.cpu.to_nanocores_string(), "memory": usage.memory.to_kibibytes_string()},
    })
}

fn quantity_at(value: &Value, pointer: &str) -> Option<Quantity> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|text| Quantity::parse(text).ok())
}

/// CPU stats as the kubelet reports them: current nanocores and the
/// cumulative core-nanoseconds since `started`.
fn cpu_stats(cpu: Quantity, started: SystemTime, now: SystemTime) -> Value {
    let seconds = now.duration_since(started).unwrap_or_default().as_secs() as i128;
    json!({
        "time": rfc3339(now),
        "usageNanoCores": cpu.nanos(),
        "usageCoreNanoSeconds": cpu.nanos() * seconds,
    })
}

fn memory_stats(memory: Quantity, limit: Option<Quantity>, now: SystemTime) -> Value {
    let working_set = memory.units();
    let mut stats = json!({
        "time": rfc3339(now),
        "usageBytes": working_set + working_set / 8,
        "workingSetBytes": working_set,
        "rssBytes": working_set * 9 / 10,
        "pageFaults": working_set / 4096,
        "majorPageFaults": 0,
    });
    if let Some(limit) = limit {
        stats["availableBytes"] = json!((limit.units() - working_set).max(0));
    }
    stats
}

/// `GET /api/v1/nodes/N/proxy/stats/summary`: the kubelet Summary API.
pub fn stats_summary(node: &Value, pods_on_node: &[Value], now: SystemTime) -> Value {
    let node_name = text(node, "/metadata/name");
    let usage = node_usage(node, pods_on_node);
    let boot = now - Duration::from_secs(9 * 24 * 3600);
    let memory_capacity = quantity_at(node, "/status/capacity/memory");
    let fs_capacity: i128 = quantity_at(node, "/status/capacity/ephemeral-storage")
        .map_or(105_550_000_000, Quantity::units);
    let fs_used = fs_capacity * 31 / 100;
    let pods: Vec<Value> = pods_on_node
        .iter()
        .filter(|pod| has_metrics(pod))
        .map(|pod| {
            let started = pod
                .pointer("/status/startTime")
                .and_then(Value::as_str)
                .and_then(parse_rfc3339)
                .unwrap_or(boot);
            let containers: Vec<Value> = container_usage(pod)
                .into_iter()
                .map(|(name, usage)| {
                    let limit = pod
                        .pointer("/spec/containers")
                        .and_then(Value::as_array)
                        .and_then(|list| list.iter().find(|c| text(c, "/name") == name))
                        .and_then(|c| quantity_at(c, "/resources/limits/memory"));
                    json!({
                        "name": name,
                        "startTime": rfc3339(started),
                        "cpu": cpu_stats(usage.cpu, started, now),
                        "memory": memory_stats(usage.memory, limit, now),
                        "rootfs": {"time": rfc3339(now), "usedBytes": 49_152, "inodesUsed": 12},
                        "logs": {"time": rfc3339(now), "usedBytes": 20_480, "inodesUsed": 1},
                    })
                })
                .collect();
            let total = pod_usage(pod);
            json!({
                "podRef": {
                    "name": text(pod, "/metadata/name"),
                    "namespace": text(pod, "/metadata/namespace"),
                    "uid": text(pod, "/metadata/uid"),
                },
                "startTime": rfc3339(started),
                "containers": containers,
                "cpu": cpu_stats(total.cpu, started, now),
                "memory": memory_stats(total.memory, None, now),
                "network": {"time": rfc3339(now), "name": "eth0", "rxBytes": 18_242_311, "rxErrors": 0, "txBytes": 9_811_204, "txErrors": 0},
                "volume": [],
                "ephemeral-storage": {"time": rfc3339(now), "availableBytes": fs_capacity - fs_used, "capacityBytes": fs_capacity, "usedBytes": 69_632},
                "process_stats": {"process_count": PodBehaviour::of_pod(pod).pid_usage
                    .map_or(containers.len(), |pids| pids as usize)},
            })
        })
        .collect();
    json!({
        "node": {
            "nodeName": node_name,
            "systemContainers": [
                {"name": "kubelet", "startTime": rfc3339(boot), "cpu": cpu_stats(Quantity::from_millis(28), boot, now), "memory": memory_stats(Quantity::from_units(74 * 1024 * 1024), None, now)},
                {"name": "runtime", "startTime": rfc3339(boot), "cpu": cpu_stats(Quantity::from_millis(12), boot, now), "memory": memory_stats(Quantity::from_units(61 * 1024 * 1024), None, now)},
                {"name": "pods", "startTime": rfc3339(boot), "cpu": cpu_stats(usage.cpu, boot, now), "memory": memory_stats(usage.memory, memory_capacity, now)},
            ],
            "startTime": rfc3339(boot),
            "cpu": cpu_stats(usage.cpu, boot, now),
            "memory": memory_stats(usage.memory, memory_capacity, now),
            "network": {"time": rfc3339(now), "name": "eth0", "rxBytes": 48_112_903_115_u64, "rxErrors": 0, "txBytes": 31_774_020_118_u64, "txErrors": 0},
            "fs": {"time": rfc3339(now), "availableBytes": fs_capacity - fs_used, "capacityBytes": fs_capacity, "usedBytes": fs_used, "inodesFree": 6_291_328, "inodes": 6_553_600, "inodesUsed": 262_272},
            "runtime": {"imageFs": {"time": rfc3339(now), "availableBytes": fs_capacity - fs_used, "capacityBytes": fs_capacity, "usedBytes": fs_used / 2, "inodesFree": 6_291_328, "inodes": 6_553_600, "inodesUsed": 262_272}},
            "rlimit": {"time": rfc3339(now), "maxpid": NODE_PID_MAX,
                "curproc": NodeBehaviour::of_node(node).pid_usage.unwrap_or(412)},
        },
        "pods": pods,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::from_unix_seconds;

    fn running_pod(annotations: Value) -> Value {
        json!({
            "metadata": {"name": "payment-service-6b7c-abcde", "namespace": "production", "uid": "u-3", "labels": {"app": "payment-service"}, "annotations": annotations},
            "spec": {"containers": [
                {"name": "payment-service", "image": "ghcr.io/acme/payment-service:1.9.3", "resources": {"limits": {"memory": "512Mi"}}},
                {"name": "envoy", "image": "envoyproxy/envoy:v1.31"}
            ]},
            "status": {"phase": "Running", "startTime": "2026-11-25T06:00:00Z"},
        })
    }

    #[test]
    fn pod_metrics_use_the_annotations_for_the_main_container() {
        let pod = running_pod(
            json!({"sim.kubeop.dev/cpu-usage": "410m", "sim.kubeop.dev/memory-usage": "501Mi"}),
        );
        let metrics = pod_metrics(&pod, from_unix_seconds(1_795_596_253)).expect("running");
        assert_eq!(metrics["kind"], "PodMetrics");
        assert_eq!(metrics["metadata"]["labels"]["app"], "payment-service");
        assert_eq!(metrics["containers"][0]["name"], "payment-service");
        assert_eq!(metrics["containers"][0]["usage"]["cpu"], "410000000n");
        assert_eq!(metrics["containers"][0]["usage"]["memory"], "513024Ki");
        assert_eq!(metrics["containers"][1]["name"], "envoy");
        let same_again = pod_metrics(&pod, from_unix_seconds(1_795_596_253)).expect("running");
        assert_eq!(metrics, same_again, "defaults are stable");
    }

    #[test]
    fn pods_that_do_not_run_have_no_metrics() {
        let mut pod = running_pod(json!({}));
        pod["status"]["phase"] = json!("Pending");
        assert_eq!(pod_metrics(&pod, from_unix_seconds(0)), None);
    }

    #[test]
    fn node_usage_prefers_the_annotation_else_sums_its_pods() {
        let pods = vec![running_pod(
            json!({"sim.kubeop.dev/cpu-usage": "400m", "sim.kubeop.dev/memory-usage": "100Mi"}),
        )];
        let node = json!({"metadata": {"name": "node-1"}});
        let usage = node_usage(&node, &pods);
        assert!(usage.cpu.millis() >= 400 + NODE_SYSTEM_CPU_MILLIS);
        let annotated = json!({"metadata": {"name": "node-1", "annotations": {"sim.kubeop.dev/cpu-usage": "1840m", "sim.kubeop.dev/memory-usage": "9876Mi"}}});
        let metrics = node_metrics(&annotated, &pods, from_unix_seconds(0));
        assert_eq!(metrics["usage"]["cpu"], "1840000000n");
        assert_eq!(metrics["usage"]["memory"], format!("{}Ki", 9876 * 1024));
    }

    #[test]
    fn the_summary_has_the_kubelet_shape() {
        let pods = vec![running_pod(json!({"sim.kubeop.dev/memory-usage": "501Mi"}))];
        let node = json!({"metadata": {"name": "node-1"}, "status": {"capacity": {"memory": "16069876Ki", "ephemeral-storage": "103080204Ki"}}});
        let summary = stats_summary(&node, &pods, from_unix_seconds(1_795_596_253));
        assert_eq!(summary["node"]["nodeName"], "node-1");
        assert!(
            summary["node"]["cpu"]["usageNanoCores"]
                .as_i64()
                .is_some_and(|n| n > 0)
        );
        assert!(
            summary["node"]["memory"]["availableBytes"]
                .as_i64()
                .is_some_and(|n| n > 0)
        );
        let pod = &summary["pods"][0];
        assert_eq!(pod["podRef"]["name"], "payment-service-6b7c-abcde");
        assert_eq!(
            pod["containers"][0]["memory"]["workingSetBytes"],
            501 * 1024 * 1024
        );
        assert_eq!(
            pod["containers"][0]["memory"]["availableBytes"],
            11 * 1024 * 1024
        );
    }
}
