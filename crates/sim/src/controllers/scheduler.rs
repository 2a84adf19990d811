//! The scheduler: binds pending pods to nodes and gives them IPs.
//!
//! It filters nodes the way kube-scheduler's default plugins do for the
//! fields scenarios use (cordoned nodes, taints and tolerations, nodeSelector
//! and required node affinity, CPU, memory, pod-count and extended-resource
//! requests such as `nvidia.com/gpu` against allocatable), picks the least
//! loaded node that fits, and when none does it leaves the pod Pending with the
//! real FailedScheduling message, e.g. `0/3 nodes are available: 3 Insufficient
//! memory. preemption: 0/3 nodes are available: 3 No preemption victims found
//! for incoming pod.`

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

use serde_json::{Value, json};

use super::{
    Action, EventCount, EventDraft, Kind, Snapshot, creation_time, node_internal_ip, node_is_ready,
    object_reference, pod_is_finished, text,
};
use crate::behaviour::{PodBehaviour, SimState};
use crate::kubelet::{self, ConfigCheck, Placement};
use crate::quantity::Quantity;

/// What a pod asks of a node: the sum of its containers' requests (a limit
/// without a request counts as the request, as the API server defaults it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requests {
    /// CPU.
    pub cpu: Quantity,
    /// Memory.
    pub memory: Quantity,
}

/// The requests of a pod.
pub fn pod_requests(pod: &Value) -> Requests {
    let mut requests = Requests::default();
    for container in pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let amount = |resource: &str| {
            container
                .pointer(&format!("/resources/requests/{resource}"))
                .or_else(|| container.pointer(&format!("/resources/limits/{resource}")))
                .and_then(Value::as_str)
                .and_then(|text| Quantity::parse(text).ok())
                .unwrap_or_default()
        };
        requests.cpu = requests.cpu + amount("cpu");
        requests.memory = requests.memory + amount("memory");
    }
    requests
}

/// Whether a resource name is an extended resource (`nvidia.com/gpu`,
/// `example.com/dongle`): one the node advertises by a device plugin or by
/// hand, counted in whole units, and a pod can only ask for by a limit equal
/// to its request. The native ones (`cpu`, `memory`, `ephemeral-storage`,
/// `hugepages-*`, `pods`) are not.
fn is_extended_resource(resource: &str) -> bool {
    resource.contains('/') && !resource.starts_with("kubernetes.io/")
}

/// The extended resources a pod asks for, summed over its containers (a
/// limit without a request counts as the request, as the API server
/// defaults it), by name.
fn extended_requests(pod: &Value) -> BTreeMap<String, i128> {
    let mut asked: BTreeMap<String, i128> = BTreeMap::new();
    for container in pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let resources = &container["resources"];
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for section in ["requests", "limits"] {
            if let Some(map) = resources[section].as_object() {
                names.extend(map.keys().map(String::as_str));
            }
        }
        for resource in names.into_iter().filter(|name| is_extended_resource(name)) {
            let amount = resources["requests"]
                .get(resource)
                .or_else(|| resources["limits"].get(resource))
                .and_then(Value::as_str)
                .and_then(|text| Quantity::parse(text).ok())
                .map(Quantity::units)
                .unwrap_or_default();
            *asked.entry(resource.to_string()).or_default() += amount;
        }
    }
    asked
}

/// Whether `tolerations` let a pod stay on or be placed on a node with
/// `taint` (the TaintToleration filter's rule: an `Exists` toleration
/// matches the key, or every key when it names none; an `Equal` one the
/// key and the value; an empty effect every effect).
pub(super) fn tolerates(tolerations: &[Value], taint: &Value) -> bool {
    tolerations.iter().any(|toleration| {
        let key = text(toleration, "/key");
        let key_matches = match text(toleration, "/operator") {
            "Exists" => key.is_empty() || key == text(taint, "/key"),
            _ => key == text(taint, "/key") && text(toleration, "/value") == text(taint, "/value"),
        };
        let effect = text(toleration, "/effect");
        key_matches && (effect.is_empty() || effect == text(taint, "/effect"))
    })
}

/// Whether one node selector requirement (of a `nodeSelectorTerms` term)
/// holds for `value`, the node's label or field (absent: `None`), with the
/// operators node affinity knows: `In`, `NotIn`, `Exists`, `DoesNotExist`,
/// and `Gt`/`Lt` comparing integers.
fn requirement_holds(requirement: &Value, value: Option<&str>) -> bool {
    let values: Vec<&str> = requirement["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let compared = |wanted: fn(i64, i64) -> bool| {
        let bound = values.first().and_then(|bound| bound.parse::<i64>().ok());
        let actual = value.and_then(|value| value.parse::<i64>().ok());
        matches!((actual, bound), (Some(actual), Some(bound)) if wanted(actual, bound))
    };
    match text(requirement, "/operator") {
        "In" => value.is_some_and(|value| values.contains(&value)),
        "NotIn" => value.is_none_or(|value| !values.contains(&value)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" => compared(|actual, bound| actual > bound),
        "Lt" => compared(|actual, bound| actual < bound),
        _ => false,
    }
}

/// Whether the node matches one of `terms` (a `nodeSelectorTerms` list):
/// every `matchExpressions` requirement against its labels and every
/// `matchFields` one against its name. A term with neither matches nothing.
fn matches_a_term(node: &Value, terms: &Value) -> bool {
    let labels = node.pointer("/metadata/labels");
    terms.as_array().into_iter().flatten().any(|term| {
        let expressions = term["matchExpressions"].as_array();
        let fields = term["matchFields"].as_array();
        if expressions.is_none_or(Vec::is_empty) && fields.is_none_or(Vec::is_empty) {
            return false;
        }
        let labels_hold = expressions.into_iter().flatten().all(|requirement| {
            let key = text(requirement, "/key");
            let value = labels
                .and_then(|labels| labels.get(key))
                .and_then(Value::as_str);
            requirement_holds(requirement, value)
        });
        let fields_hold = fields.into_iter().flatten().all(|requirement| {
            let value = (text(requirement, "/key") == "metadata.name")
                .then(|| text(node, "/metadata/name"));
            requirement_holds(requirement, value)
        });
        labels_hold && fields_hold
    })
}

/// Whether a pod (or a pod template: anything with a pod `spec`) may go to
/// the node by its `nodeSelector` and its required node affinity, as the
/// scheduler's NodeAffinity filter (and the DaemonSet controller) decide.
pub(super) fn matches_node_selection(pod: &Value, node: &Value) -> bool {
    let labels = node.pointer("/metadata/labels");
    let selector_holds = pod
        .pointer("/spec/nodeSelector")
        .and_then(Value::as_object)
        .is_none_or(|selector| {
            selector
                .iter()
                .all(|(key, value)| labels.and_then(|labels| labels.get(key)) == Some(value))
        });
    let affinity_holds = pod
        .pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .is_none_or(|terms| matches_a_term(node, terms));
    selector_holds && affinity_holds
}

/// The host ports a pod's containers ask for, as (protocol, port): only one
/// pod on a node can hold each (the scheduler's NodePorts filter).
fn host_ports(pod: &Value) -> Vec<(String, i64)> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|container| container["ports"].as_array())
        .flatten()
        .filter_map(|port| {
            let host_port = port["hostPort"].as_i64().filter(|port| *port > 0)?;
            let protocol = port["protocol"].as_str().unwrap_or("TCP").to_string();
            Some((protocol, host_port))
        })
        .collect()
}

/// What is already committed on a node.
#[derive(Debug, Clone, Default)]
struct NodeLoad {
    /// The host ports its live pods hold.
    host_ports: BTreeSet<(String, i64)>,
    requests: Requests,
    /// The extended resources (`nvidia.com/gpu`) its live pods ask for.
    extended: BTreeMap<String, i128>,
    pods: usize,
    /// Addresses of the node's live pods: never handed out again.
    ips: BTreeSet<String>,
    /// Addresses finished pods still show: handed out again only when the
    /// range has nothing else, so two pods listed side by side rarely share one.
    retired: BTreeSet<String>,
}

/// The required node affinity of each PersistentVolume bound to one of the
/// pod's claims (its `nodeSelectorTerms`): a node must match one term of
/// each (the VolumeBinding filter), as a zonal disk can only attach there.
fn bound_volume_affinities<'a>(snapshot: &'a Snapshot, pod: &Value) -> Vec<&'a Value> {
    let namespace = text(pod, "/metadata/namespace");
    pod.pointer("/spec/volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|volume| {
            volume
                .pointer("/persistentVolumeClaim/claimName")
                .and_then(Value::as_str)
        })
        .filter_map(|claim_name| {
            snapshot.claims.iter().find(|claim| {
                text(claim, "/metadata/namespace") == namespace
                    && text(claim, "/metadata/name") == claim_name
            })
        })
        .filter(|claim| text(claim, "/status/phase") == "Bound")
        .filter_map(|claim| {
            let volume_name = text(claim, "/spec/volumeName");
            snapshot
                .persistent_volumes
                .iter()
                .find(|volume| text(volume, "/metadata/name") == volume_name)
        })
        .filter_map(|volume| volume.pointer("/spec/nodeAffinity/required/nodeSelectorTerms"))
        .collect()
}

/// Why a node cannot take a pod (the scheduler's per-node reasons), in the
/// order kube-scheduler's filters run, the first failing one speaking.
fn unfit_reasons(
    node: &Value,
    load: &NodeLoad,
    pod: &Value,
    requests: Requests,
    volume_affinities: &[&Value],
) -> (Vec<String>, bool) {
    // Returns the reasons and whether they are only about resources (where
    // preemption could help in principle).
    if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        return (vec!["node(s) were unschedulable".to_string()], false);
    }
    let ready = node_is_ready(node);
    let mut taints: Vec<Value> = node
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !ready {
        taints.push(json!({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}));
    }
    let tolerations: Vec<Value> = pod
        .pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for taint in &taints {
        let effect = text(taint, "/effect");
        if effect == "PreferNoSchedule" {
            continue;
        }
        if !tolerates(&tolerations, taint) {
            return (
                vec![format!(
                    "node(s) had untolerated taint {{{}: {}}}",
                    text(taint, "/key"),
                    text(taint, "/value")
                )],
                false,
            );
        }
    }
    if !matches_node_selection(pod, node) {
        return (
            vec!["node(s) didn't match Pod's node affinity/selector".to_string()],
            false,
        );
    }
    if host_ports(pod)
        .iter()
        .any(|port| load.host_ports.contains(port))
    {
        return (
            vec!["node(s) didn't have free ports for the requested pod ports".to_string()],
            true,
        );
    }
    let allocatable = |resource: &str| {
        node.pointer("/status/allocatable")
            .and_then(|allocatable| allocatable.get(resource))
            .and_then(Value::as_str)
            .and_then(|text| Quantity::parse(text).ok())
    };
    let mut reasons = Vec::new();
    if allocatable("pods").is_some_and(|pods| load.pods as i128 + 1 > pods.units()) {
        reasons.push("Too many pods".to_string());
    }
    if allocatable("cpu").is_some_and(|cpu| load.requests.cpu + requests.cpu > cpu) {
        reasons.push("Insufficient cpu".to_string());
    }
    if allocatable("memory").is_some_and(|memory| load.requests.memory + requests.memory > memory) {
        reasons.push("Insufficient memory".to_string());
    }
    for (resource, amount) in extended_requests(pod) {
        let committed = load.extended.get(&resource).copied().unwrap_or_default();
        // A node that does not advertise the resource has none of it.
        let available = allocatable(&resource)
            .map(Quantity::units)
            .unwrap_or_default();
        if amount > 0 && committed + amount > available {
            reasons.push(format!("Insufficient {resource}"));
        }
    }
    if reasons.is_empty()
        && volume_affinities
            .iter()
            .any(|terms| !matches_a_term(node, terms))
    {
        return (
            vec!["node(s) had volume node affinity conflict".to_string()],
            false,
        );
    }
    (reasons, true)
}

/// `0/3 nodes are available: 1 node(s) had untolerated taint {...}, 2 Insufficient memory. preemption: ...`
fn failed_scheduling_message(node_count: usize, failures: &[(Vec<String>, bool)]) -> String {
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    let mut preemption: BTreeMap<&str, usize> = BTreeMap::new();
    for (node_reasons, resources_only) in failures {
        for reason in node_reasons {
            *reasons.entry(reason.as_str()).or_default() += 1;
        }
        let verdict = if *resources_only {
            "No preemption victims found for incoming pod."
        } else {
            "Preemption is not helpful for scheduling."
        };
        *preemption.entry(verdict).or_default() += 1;
    }
    let join = |counts: &BTreeMap<&str, usize>| {
        counts
            .iter()
            .map(|(reason, count)| format!("{count} {reason}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let summary = join(&reasons);
    let preemption_summary = join(&preemption);
    let preemption_summary = preemption_summary.trim_end_matches('.');
    format!(
        "0/{node_count} nodes are available: {summary}. preemption: 0/{node_count} nodes are available: {preemption_summary}."
    )
}

/// Why the pod's PersistentVolumeClaims keep it from any node, in the
/// scheduler's VolumeBinding words: a claim that does not exist, or one that
/// is not bound although its class binds immediately (a
/// `WaitForFirstConsumer` claim binds once the pod is placed).
fn unusable_claim(snapshot: &Snapshot, pod: &Value) -> Option<String> {
    let namespace = text(pod, "/metadata/namespace");
    let mut unbound = false;
    for volume in pod
        .pointer("/spec/volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(claim_name) = volume
            .pointer("/persistentVolumeClaim/claimName")
            .and_then(Value::as_str)
        else {
            continue;
        };
        let Some(claim) = snapshot.claims.iter().find(|claim| {
            text(claim, "/metadata/namespace") == namespace
                && text(claim, "/metadata/name") == claim_name
        }) else {
            return Some(format!("persistentvolumeclaim \"{claim_name}\" not found"));
        };
        // A claim without a class gets the default one, as admission sets it.
        let class_name = text(claim, "/spec/storageClassName");
        let waits_for_consumer = snapshot.storage_classes.iter().any(|class| {
            let chosen = if class_name.is_empty() {
                class
                    .pointer("/metadata/annotations")
                    .and_then(|annotations| {
                        annotations.get(super::volumes::DEFAULT_CLASS_ANNOTATION)
                    })
                    .and_then(Value::as_str)
                    == Some("true")
            } else {
                text(class, "/metadata/name") == class_name
            };
            chosen && text(class, "/volumeBindingMode") == "WaitForFirstConsumer"
        });
        if text(claim, "/status/phase") != "Bound" && !waits_for_consumer {
            unbound = true;
        }
    }
    unbound.then(|| "pod has unbound immediate PersistentVolumeClaims".to_string())
}

/// The first free host address of a node's pod CIDR (`10.244.1.0/24`) that
/// no pod shows, else the first no live pod holds. A node that declares no
/// CIDR (scenario files rarely do) gets the range a real cluster's node IPAM
/// would hand the `position`-th node, so pods on hand-written nodes still get
/// addresses.
fn allocate_ip(node: &Value, position: usize, load: &NodeLoad) -> Option<String> {
    let declared = text(node, "/spec/podCIDR");
    let cidr = if declared.is_empty() {
        format!("10.244.{}.0/24", position + 1)
    } else {
        declared.to_string()
    };
    let (base, bits) = cidr.split_once('/')?;
    let base: Ipv4Addr = base.parse().ok()?;
    let bits: u32 = bits.parse().ok()?;
    let size = 1_u32.checked_shl(32 - bits)?;
    let base = u32::from(base);
    let candidates =
        || (2..size.saturating_sub(1)).map(|offset| Ipv4Addr::from(base + offset).to_string());
    candidates()
        .find(|ip| !load.ips.contains(ip) && !load.retired.contains(ip))
        .or_else(|| candidates().find(|ip| !load.ips.contains(ip)))
}

/// One scheduling pass over the pods that have no node or no IP yet.
pub fn schedule(snapshot: &Snapshot) -> Vec<Action> {
    let now = snapshot.now();
    let mut loads: HashMap<&str, NodeLoad> = HashMap::new();
    for pod in &snapshot.pods {
        let node_name = text(pod, "/spec/nodeName");
        if node_name.is_empty() {
            continue;
        }
        if pod_is_finished(pod) {
            let ip = text(pod, "/status/podIP");
            if !ip.is_empty() {
                loads
                    .entry(node_name)
                    .or_default()
                    .retired
                    .insert(ip.to_string());
            }
            continue;
        }
        let load = loads.entry(node_name).or_default();
        let requests = pod_requests(pod);
        load.requests.cpu = load.requests.cpu + requests.cpu;
        load.requests.memory = load.requests.memory + requests.memory;
        load.pods += 1;
        load.host_ports.extend(host_ports(pod));
        for (resource, amount) in extended_requests(pod) {
            *load.extended.entry(resource).or_default() += amount;
        }
        let ip = text(pod, "/status/podIP");
        if !ip.is_empty() {
            load.ips.insert(ip.to_string());
        }
    }
    let mut actions = Vec::new();
    let mut nodes: Vec<&Value> = snapshot.nodes.iter().collect();
    nodes.sort_by_key(|node| text(node, "/metadata/name"));

    for pod in &snapshot.pods {
        if pod_is_finished(pod) || pod.pointer("/metadata/deletionTimestamp").is_some() {
            continue;
        }
        let assigned = text(pod, "/spec/nodeName");
        let previously_unschedulable = pod
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .and_then(|conditions| {
                conditions.iter().find(|condition| {
                    condition["type"] == "PodScheduled" && condition["status"] == "False"
                })
            })
            .cloned();
        let node_name = if assigned.is_empty() {
            let requests = pod_requests(pod);
            let behaviour = PodBehaviour::of_pod(pod);
            let mut failures = Vec::new();
            let mut best: Option<(&Value, i128)> = None;
            let volume_affinities = bound_volume_affinities(snapshot, pod);
            if behaviour.state != SimState::Pending {
                for node in &nodes {
                    let name = text(node, "/metadata/name");
                    let load = loads.get(name).cloned().unwrap_or_default();
                    let (reasons, resources_only) =
                        unfit_reasons(node, &load, pod, requests, &volume_affinities);
                    if reasons.is_empty() {
                        // Least allocated memory first, so pods spread over nodes.
                        let committed = load.requests.memory.units();
                        if best.is_none_or(|(_, least)| committed < least) {
                            best = Some((node, committed));
                        }
                    } else {
                        failures.push((reasons, resources_only));
                    }
                }
            }
            let claim_problem = unusable_claim(snapshot, pod);
            if claim_problem.is_some() {
                best = None;
            }
            let Some((node, _)) = best else {
                let message = behaviour.pending_reason.clone().unwrap_or_else(|| {
                    if let Some(problem) = &claim_problem {
                        format!(
                            "0/{count} nodes are available: {problem}. preemption: 0/{count} nodes are available: {count} Preemption is not helpful for scheduling.",
                            count = nodes.len()
                        )
                    } else if behaviour.state == SimState::Pending {
                        format!(
                            "0/{count} nodes are available: {count} node(s) didn't match Pod's node affinity/selector. preemption: 0/{count} nodes are available: {count} Preemption is not helpful for scheduling.",
                            count = nodes.len()
                        )
                    } else if nodes.is_empty() {
                        "no nodes available to schedule pods".to_string()
                    } else {
                        failed_scheduling_message(nodes.len(), &failures)
                    }
                });
                let since = previously_unschedulable
                    .as_ref()
                    .filter(|condition| text(condition, "/message") == message)
                    .and_then(|condition| {
                        condition.get("lastTransitionTime").and_then(Value::as_str)
                    })
                    .and_then(crate::clock::parse_rfc3339)
                    .unwrap_or_else(|| {
                        creation_time(pod)
                            .filter(|_| snapshot.history)
                            .unwrap_or(now)
                    });
                let observation = kubelet::observe(
                    pod,
                    &Placement::Unschedulable { message, since },
                    &ConfigCheck::default(),
                    &[],
                    now,
                );
                if pod.get("status") != Some(&observation.status) {
                    let mut updated = pod.clone();
                    updated["status"] = observation.status;
                    actions.push(Action::ReplaceStatus(Kind::Pod, updated));
                }
                for event in observation.events {
                    actions.push(Action::Record(EventDraft {
                        namespace: text(pod, "/metadata/namespace").to_string(),
                        involved: object_reference(pod, None),
                        event_type: event.event_type.as_str(),
                        reason: event.reason,
                        message: event.message,
                        component: event.component,
                        host: None,
                        count: EventCount::Total(event.count),
                        first: event.first,
                        last: event.last,
                    }));
                }
                continue;
            };
            text(node, "/metadata/name").to_string()
        } else if text(pod, "/status/podIP").is_empty()
            || pod.pointer("/status/startTime").is_none()
        {
            assigned.to_string()
        } else {
            continue;
        };

        let Some((position, node)) = nodes
            .iter()
            .enumerate()
            .find(|(_, node)| text(node, "/metadata/name") == node_name)
        else {
            continue;
        };
        let load = loads.entry(text(node, "/metadata/name")).or_default();
        let host_ip = node_internal_ip(node).unwrap_or_default().to_string();
        let host_network = pod.pointer("/spec/hostNetwork").and_then(Value::as_bool) == Some(true);
        let pod_ip = if host_network {
            Some(host_ip.clone())
        } else {
            allocate_ip(node, position, load)
        };
        let Some(pod_ip) = pod_ip else {
            tracing::warn!(node = node_name, "no free pod IP on the node");
            continue;
        };
        load.ips.insert(pod_ip.clone());
        if assigned.is_empty() {
            let requests = pod_requests(pod);
            load.requests.cpu = load.requests.cpu + requests.cpu;
            load.requests.memory = load.requests.memory + requests.memory;
            load.pods += 1;
            load.host_ports.extend(host_ports(pod));
            for (resource, amount) in extended_requests(pod) {
                *load.extended.entry(resource).or_default() += amount;
            }
        }
        let bound_at = if previously_unschedulable.is_some() {
            now
        } else {
            creation_time(pod).map_or(now, |created| created.min(now))
        };
        let mut bound = pod.clone();
        bound["spec"]["nodeName"] = json!(node_name);
        let placement = Placement::Bound {
            node_name: node_name.clone(),
            host_ip,
            pod_ip,
            bound_at,
        };
        bound["status"] = kubelet::observe(
            &bound,
            &placement,
            &snapshot.config_check(&bound),
            &snapshot.init_outcomes(&bound),
            now,
        )
        .status;
        if assigned.is_empty() {
            actions.push(Action::Replace(Kind::Pod, bound.clone()));
        }
        actions.push(Action::ReplaceStatus(Kind::Pod, bound));
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::from_unix_seconds;

    fn node(name: &str, cidr: &str, memory: &str) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "disk": "ssd"}},
            "spec": {"podCIDR": cidr},
            "status": {
                "allocatable": {"cpu": "4", "memory": memory, "pods": "110"},
                "addresses": [{"type": "InternalIP", "address": format!("10.0.0.{}", &name[5..])}],
                "conditions": [{"type": "Ready", "status": "True"}],
            }
        })
    }

    fn pod(name: &str, memory: &str) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"), "creationTimestamp": "2026-11-25T08:00:00Z"},
            "spec": {"containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "100m", "memory": memory}}}]},
        })
    }

    fn snapshot(nodes: Vec<Value>, pods: Vec<Value>) -> Snapshot {
        Snapshot {
            now: Some(from_unix_seconds(1_795_596_253)),
            nodes,
            pods,
            ..Snapshot::default()
        }
    }

    #[test]
    fn binds_to_the_least_loaded_fitting_node_with_an_ip_from_its_cidr() {
        let mut busy = pod("busy", "6Gi");
        busy["spec"]["nodeName"] = json!("node-1");
        busy["status"] = json!({"podIP": "10.244.1.2", "startTime": "2026-11-25T08:00:00Z"});
        let actions = schedule(&snapshot(
            vec![
                node("node-1", "10.244.1.0/24", "8Gi"),
                node("node-2", "10.244.2.0/24", "8Gi"),
            ],
            vec![busy, pod("web", "1Gi")],
        ));
        let Some(Action::Replace(Kind::Pod, bound)) = actions.first() else {
            panic!("expected a bind, got {actions:?}");
        };
        assert_eq!(bound["spec"]["nodeName"], "node-2");
        let Some(Action::ReplaceStatus(Kind::Pod, with_status)) = actions.get(1) else {
            panic!("expected a status, got {actions:?}");
        };
        assert_eq!(with_status["status"]["podIP"], "10.244.2.2");
        assert_eq!(with_status["status"]["hostIP"], "10.0.0.2");
        assert_eq!(with_status["status"]["startTime"], "2026-11-25T08:00:00Z");
    }

    #[test]
    fn a_node_without_a_pod_cidr_still_gives_its_pods_addresses() {
        let mut bare = node("node-2", "", "8Gi");
        bare["spec"] = json!({});
        let actions = schedule(&snapshot(
            vec![node("node-1", "10.244.1.0/24", "1Gi"), bare],
            vec![pod("web", "2Gi")],
        ));
        let Some(Action::ReplaceStatus(Kind::Pod, with_status)) = actions.get(1) else {
            panic!("expected a bind and a status, got {actions:?}");
        };
        assert_eq!(with_status["spec"]["nodeName"], "node-2");
        assert_eq!(with_status["status"]["podIP"], "10.244.2.2");
    }

    #[test]
    fn a_host_port_is_held_by_one_pod_per_node() {
        let with_host_port = |name: &str| {
            let mut pod = pod(name, "64Mi");
            pod["spec"]["containers"][0]["ports"] =
                json!([{"containerPort": 8443, "hostPort": 8443, "protocol": "TCP"}]);
            pod
        };
        let mut holder = with_host_port("edge-a");
        holder["spec"]["nodeName"] = json!("node-1");
        let actions = schedule(&snapshot(
            vec![node("node-1", "10.244.1.0/24", "8Gi")],
            vec![holder, with_host_port("edge-b")],
        ));
        let pending = actions
            .iter()
            .find_map(|action| match action {
                Action::ReplaceStatus(Kind::Pod, pod) if pod["metadata"]["name"] == "edge-b" => {
                    Some(pod)
                }
                _ => None,
            })
            .expect("edge-b's status");
        assert_eq!(
            pending["status"]["conditions"][0]["message"],
            "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
        );
    }

    #[test]
    fn explains_insufficient_memory_like_kube_scheduler() {
        let nodes = vec![
            node("node-1", "10.244.1.0/24", "15Gi"),
            node("node-2", "10.244.2.0/24", "15Gi"),
            node("node-3", "10.244.3.0/24", "15Gi"),
        ];
        let actions = schedule(&snapshot(nodes, vec![pod("report", "24Gi")]));
        let Some(Action::ReplaceStatus(Kind::Pod, pending)) = actions.first() else {
            panic!("expected a pending status, got {actions:?}");
        };
        assert_eq!(pending["status"]["phase"], "Pending");
        let condition = &pending["status"]["conditions"][0];
        assert_eq!(condition["reason"], "Unschedulable");
        assert_eq!(
            condition["message"],
            "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
        );
        assert!(actions.iter().any(|action| matches!(action, Action::Record(event) if event.reason == "FailedScheduling" && event.component == "default-scheduler")));
    }

    #[test]
    fn respects_taints_and_node_selectors() {
        let mut tainted = node("node-1", "10.244.1.0/24", "8Gi");
        tainted["spec"]["taints"] =
            json!([{"key": "dedicated", "value": "monitoring", "effect": "NoSchedule"}]);
        let mut other = node("node-2", "10.244.2.0/24", "8Gi");
        other["metadata"]["labels"]["disk"] = json!("hdd");
        let mut picky = pod("picky", "1Gi");
        picky["spec"]["nodeSelector"] = json!({"disk": "ssd"});
        let actions = schedule(&snapshot(vec![tainted.clone(), other], vec![picky.clone()]));
        let Some(Action::ReplaceStatus(Kind::Pod, pending)) = actions.first() else {
            panic!("expected a pending status, got {actions:?}");
        };
        assert_eq!(
            pending["status"]["conditions"][0]["message"],
            "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: monitoring}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
        );
        picky["spec"]["tolerations"] = json!([{"key": "dedicated", "operator": "Equal", "value": "monitoring", "effect": "NoSchedule"}]);
        let actions = schedule(&snapshot(vec![tainted], vec![picky]));
        assert!(
            matches!(actions.first(), Some(Action::Replace(Kind::Pod, bound)) if bound["spec"]["nodeName"] == "node-1")
        );
    }

    /// The FailedScheduling message of the first pod left pending, if any.
    fn pending_message(actions: &[Action]) -> Option<&str> {
        actions.iter().find_map(|action| match action {
            Action::ReplaceStatus(Kind::Pod, pod) if pod["spec"].get("nodeName").is_none() => {
                pod["status"]["conditions"][0]["message"].as_str()
            }
            _ => None,
        })
    }

    #[test]
    fn required_node_affinity_filters_nodes_like_a_node_selector() {
        let mut general = node("node-1", "10.244.1.0/24", "8Gi");
        general["metadata"]["labels"]["pool"] = json!("general");
        general["metadata"]["labels"]["generation"] = json!("5");
        let mut large = node("node-2", "10.244.2.0/24", "8Gi");
        large["metadata"]["labels"]["pool"] = json!("highmem");
        large["metadata"]["labels"]["generation"] = json!("7");
        let with_terms = |terms: Value| {
            let mut driver = pod("driver", "1Gi");
            driver["spec"]["affinity"] = json!({"nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}});
            driver
        };
        let placed_on = |terms: Value, nodes: Vec<Value>| {
            schedule(&snapshot(nodes, vec![with_terms(terms)]))
                .iter()
                .find_map(|action| match action {
                    Action::Replace(Kind::Pod, pod) => {
                        pod["spec"]["nodeName"].as_str().map(str::to_string)
                    }
                    _ => None,
                })
        };
        let both = || vec![general.clone(), large.clone()];
        let in_highmem = json!([{"matchExpressions": [{"key": "pool", "operator": "In", "values": ["highmem"]}]}]);
        assert_eq!(
            placed_on(in_highmem.clone(), both()).as_deref(),
            Some("node-2")
        );
        let newer_than_6 = json!([{"matchExpressions": [{"key": "generation", "operator": "Gt", "values": ["6"]}]}]);
        assert_eq!(placed_on(newer_than_6, both()).as_deref(), Some("node-2"));
        let not_node_2 = json!([{"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["node-2"]}]}]);
        assert_eq!(placed_on(not_node_2, both()).as_deref(), Some("node-1"));
        let either = json!([
            {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["gpu"]}]},
            {"matchExpressions": [{"key": "pool", "operator": "DoesNotExist"}]},
            {"matchExpressions": [{"key": "pool", "operator": "NotIn", "values": ["highmem"]}]}
        ]);
        assert_eq!(
            placed_on(either, both()).as_deref(),
            Some("node-1"),
            "terms are ORed"
        );

        let actions = schedule(&snapshot(
            vec![general.clone()],
            vec![with_terms(in_highmem)],
        ));
        assert_eq!(
            pending_message(&actions),
            Some(
                "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
            )
        );
    }

    #[test]
    fn extended_resources_are_counted_against_what_nodes_advertise() {
        let mut gpu_node = node("node-1", "10.244.1.0/24", "8Gi");
        gpu_node["status"]["allocatable"]["nvidia.com/gpu"] = json!("1");
        let plain = node("node-2", "10.244.2.0/24", "8Gi");
        let trainer = |name: &str| {
            let mut trainer = pod(name, "1Gi");
            trainer["spec"]["containers"][0]["resources"]["limits"] =
                json!({"nvidia.com/gpu": "1"});
            trainer
        };
        let mut holder = trainer("trainer-a");
        holder["spec"]["nodeName"] = json!("node-1");
        let actions = schedule(&snapshot(
            vec![gpu_node.clone(), plain.clone()],
            vec![holder, trainer("trainer-b")],
        ));
        assert_eq!(
            pending_message(&actions),
            Some(
                "0/2 nodes are available: 2 Insufficient nvidia.com/gpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
            )
        );
        let actions = schedule(&snapshot(vec![plain, gpu_node], vec![trainer("trainer-c")]));
        assert!(
            matches!(actions.first(), Some(Action::Replace(Kind::Pod, bound)) if bound["spec"]["nodeName"] == "node-1"),
            "the free GPU takes it: {actions:?}"
        );
    }

    #[test]
    fn a_pending_annotation_keeps_the_pod_unscheduled_with_its_reason() {
        let mut stuck = pod("stuck", "1Gi");
        stuck["metadata"]["annotations"] = json!({"sim.kubeop.dev/state": "pending", "sim.kubeop.dev/pending-reason": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."});
        let actions = schedule(&snapshot(
            vec![node("node-1", "10.244.1.0/24", "8Gi")],
            vec![stuck],
        ));
        let Some(Action::ReplaceStatus(Kind::Pod, pending)) = actions.first() else {
            panic!("expected a pending status, got {actions:?}");
        };
        assert_eq!(
            pending["status"]["conditions"][0]["message"],
            "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."
        );
    }

    #[test]
    fn pods_placed_in_one_pass_count_against_the_node() {
        let pods = vec![pod("a", "5Gi"), pod("b", "5Gi"), pod("c", "5Gi")];
        let actions = schedule(&snapshot(
            vec![
                node("node-1", "10.244.1.0/24", "8Gi"),
                node("node-2", "10.244.2.0/24", "8Gi"),
            ],
            pods,
        ));
        let placed: Vec<&str> = actions
            .iter()
            .filter_map(|action| match action {
                Action::Replace(Kind::Pod, pod) => pod["spec"]["nodeName"].as_str(),
                _ => None,
            })
            .collect();
        assert_eq!(placed, ["node-1", "node-2"], "the third pod fits nowhere");
    }

    #[test]
    fn a_pod_already_on_a_node_gets_its_ip() {
        let mut daemon = pod("exporter", "30Mi");
        daemon["spec"]["nodeName"] = json!("node-1");
        daemon["spec"]["hostNetwork"] = json!(true);
        let actions = schedule(&snapshot(
            vec![node("node-1", "10.244.1.0/24", "8Gi")],
            vec![daemon],
        ));
        assert_eq!(actions.len(), 1);
        let Some(Action::ReplaceStatus(Kind::Pod, placed)) = actions.first() else {
            panic!("expected a status");
        };
        assert_eq!(placed["status"]["podIP"], "10.0.0.1");
    }
}
