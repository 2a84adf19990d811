//! Conclusions about the pod's node rather than its containers: a node that
//! is not Ready (its pods unreported, a deleted pod stuck Terminating), and
//! an eviction under node pressure.

use serde_json::Value;

use super::{Context, describe, workload};
use crate::diagnosis::{Cause, Diagnosis, Evidence, conditions};

/// At most this many other pods on a lost node are named.
const MAX_NAMED_NEIGHBOURS: usize = 5;

fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn node_name(node: &Value) -> String {
    text(node, "/metadata/name").to_string()
}

/// Quotes the node's taints, if any.
fn quote_taints(context: &mut Context<'_>, node: &Value) {
    let taints = crate::diagnosis::node::taints(node);
    if !taints.is_empty() {
        context.evidence.push(Evidence::new(
            format!("node {}", node_name(node)),
            format!("taints {}", taints.join(", ")),
        ));
    }
}

/// The pod's node is not Ready.
pub(super) fn node_not_ready(mut context: Context<'_>, node: &Value) -> Diagnosis {
    let name = node_name(node);
    let pod_name = context.state.name.clone();
    let namespace = context.state.namespace.clone();
    let ready = conditions::find(node, "Ready")
        .map(|ready| ready.quote_since())
        .unwrap_or_else(|| "Ready condition missing".to_string());
    context
        .evidence
        .insert(0, Evidence::new(format!("node {name}"), ready.clone()));
    quote_taints(&mut context, node);
    let pod_source = context.pod_source();
    let mut pod_quote = format!(
        "phase {}, on node {name}, Ready condition {}",
        context.state.phase,
        conditions::find(&context.facts.pod, "Ready").map_or("unknown", |ready| ready.status)
    );
    if let Some(since) = &context.state.deleting_since {
        pod_quote.push_str(&format!(", deleted at {since} (Terminating)"));
    }
    context.evidence.push(Evidence::new(pod_source, pod_quote));
    context.quote_events(|event| event.reason == "NodeNotReady" || event.is_warning());
    let neighbours: Vec<&String> = context
        .facts
        .pods_on_node
        .iter()
        .filter(|pod| **pod != format!("{namespace}/{pod_name}"))
        .collect();
    if !neighbours.is_empty() {
        let named: Vec<&str> = neighbours
            .iter()
            .take(MAX_NAMED_NEIGHBOURS)
            .map(|pod| pod.as_str())
            .collect();
        context.evidence.push(Evidence::new(
            format!("resources_list Pod on node {name}"),
            format!(
                "{} other pods are bound to it: {}{}",
                neighbours.len(),
                named.join(", "),
                if neighbours.len() > named.len() {
                    ", …"
                } else {
                    ""
                }
            ),
        ));
    }
    let owner = workload(context.facts).map(describe);
    let stateful = owner
        .as_deref()
        .is_some_and(|owner| owner.starts_with("StatefulSet"));
    let terminating = match &context.state.deleting_since {
        Some(since) => format!(
            " The pod was deleted at {since} and stays Terminating: no kubelet can confirm that its containers stopped, so the API server keeps it until the node returns or the pod is force-deleted."
        ),
        None => String::new(),
    };
    let replacement = match (&owner, stateful) {
        (Some(owner), true) => format!(
            " {owner} will not start a replacement with the same identity while this pod exists."
        ),
        (Some(owner), false) => format!(
            " {owner} replaces the pod on another node once it is evicted from the unreachable node (after the taint's tolerationSeconds, 300 s by default)."
        ),
        (None, _) => " No workload owns the pod, so nothing will replace it.".to_string(),
    };
    let summary = format!(
        "Pod {pod_name} is on node {name}, which is not Ready ({ready}): no kubelet runs or reports its containers, so their state is the last one seen.{terminating}{replacement} Bring the node back (power, network, kubelet); if it is gone for good, make sure its containers are stopped and then `kubectl delete pod {pod_name} -n {namespace} --grace-period=0 --force`. kubeop proposes no automatic change here."
    );
    context.next_steps.push(format!("show node {name}"));
    context.next_steps.push(format!("list pods on node {name}"));
    context.finish(Cause::NodeNotReady, summary, None)
}

/// `Container app was using 1843200Ki, request is 256Mi` from an eviction
/// message, as (container, usage, request).
fn eviction_offender(message: &str) -> Option<(&str, &str, &str)> {
    let rest = message.split("Container ").nth(1)?;
    let (container, rest) = rest.split_once(" was using ")?;
    let (usage, rest) = rest.split_once(", request is ")?;
    let request = rest.split(',').next()?.trim();
    Some((container, usage, request))
}

/// Whether an eviction message is the kubelet's local storage eviction (a
/// pod, container or emptyDir over its ephemeral-storage limit), which
/// happens without any node pressure.
fn is_local_storage_eviction(message: &str) -> bool {
    [
        "Pod ephemeral local storage usage exceeds",
        "exceeded its local ephemeral storage limit",
        "Usage of EmptyDir volume",
    ]
    .iter()
    .any(|words| message.contains(words))
}

/// The kubelet evicted the pod: node pressure, or its own ephemeral-storage
/// limit.
pub(super) fn evicted(mut context: Context<'_>, message: &str) -> Diagnosis {
    let pod_name = context.state.name.clone();
    let namespace = context.state.namespace.clone();
    let source = context.pod_source();
    context.evidence.insert(
        0,
        Evidence::new(
            source,
            format!("phase Failed, reason Evicted: {}", message.trim_end()),
        ),
    );
    context.quote_events(|event| event.reason == "Evicted");
    let node = context.facts.node.clone();
    let mut pressure_now = Vec::new();
    if let Some(node) = &node {
        for condition in crate::diagnosis::node::pressures(node) {
            context.evidence.push(Evidence::new(
                format!("node {}", node_name(node)),
                condition.quote_since(),
            ));
            pressure_now.push(condition.kind);
        }
        quote_taints(&mut context, node);
    }
    let node_text = context
        .state
        .node_name
        .clone()
        .map_or_else(|| "its node".to_string(), |name| format!("node {name}"));
    let pressure = if pressure_now.is_empty() {
        format!(" {node_text} reports no pressure now.")
    } else {
        format!(" {node_text} still reports {}.", pressure_now.join(", "))
    };
    // `The node was low on resource: memory.` names what ran short; the
    // local storage eviction names a limit instead.
    let resource = message
        .split("low on resource: ")
        .nth(1)
        .and_then(|rest| rest.split('.').next());
    let offender = match (eviction_offender(message), resource) {
        (_, None) if is_local_storage_eviction(message) => format!(
            " This is the pod's own ephemeral-storage limit, not node pressure: the kubelet evicts a pod as soon as what it writes to the node's disk (its containers' writable layers and logs, its emptyDir volumes) exceeds what its containers' `resources.limits.ephemeral-storage` (an emptyDir's `sizeLimit`) allow. Raise that limit to what {pod_name} really writes, or move the data to a volume sized for it (a PersistentVolumeClaim) and keep its logs small."
        ),
        (_, Some("pids")) => format!(
            " Under PID pressure the kubelet evicts first the pods running the most processes: the node ran out of process IDs, so a container of {pod_name} most likely forks processes or threads without bound. Find what it spawns (a process or thread leak) before it is started again, and cap process IDs per pod with the kubelet's `podPidsLimit`."
        ),
        (Some((container, usage, request)), Some("memory")) => format!(
            " Under memory pressure the kubelet evicts first the pods using most above their requests: container {container} used {usage} against a request of {request}. Raise its memory request to what it really uses (and keep a limit), so the scheduler only places it where that memory is free."
        ),
        (Some((container, usage, request)), Some("ephemeral-storage")) => format!(
            " Under disk pressure the kubelet evicts first the pods writing most above their ephemeral-storage requests: container {container} used {usage} of the node's disk (logs, emptyDir, its writable layer) against a request of {request}. Give it an ephemeral-storage request and limit that cover what it writes, or move that data to a volume, and free space on the node."
        ),
        (Some((container, usage, request)), other) => format!(
            " The kubelet evicts first the pods using most {} above their requests: container {container} used {usage} against a request of {request}.",
            other.unwrap_or("of a resource")
        ),
        (None, _) => String::new(),
    };
    let replaced = workload(context.facts).map_or_else(
        || " No workload owns it, so nothing has replaced it.".to_string(),
        |owner| {
            format!(
                " {} has started a replacement; the evicted pod object stays until it is deleted.",
                describe(owner)
            )
        },
    );
    let summary = format!(
        "Pod {pod_name} was evicted by the kubelet of {node_text}: {}{pressure}{offender}{replaced}",
        message.trim_end()
    );
    context
        .next_steps
        .push(format!("show resource pressure in {namespace}"));
    context.next_steps.push("show node usage".to_string());
    context.finish(Cause::Evicted, summary, None)
}
