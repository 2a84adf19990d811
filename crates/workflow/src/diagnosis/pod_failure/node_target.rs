//! A Node asked about by name ("what's wrong with node-2", "why is my
//! drain of node-2 stuck"): not Ready (its kubelet stopped reporting), under
//! a pressure condition, cordoned with pods a PodDisruptionBudget keeps from
//! being evicted (the drain retries forever), cordoned and drained, or
//! healthy. The pods it still runs are read one by one (bounded), and the
//! budgets of their namespaces.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{MAX_PODS_EXAMINED, Reads, controller_of, expressions_hold};
use crate::diagnosis::proposal::{self, ProposedChange};
use crate::diagnosis::reader::ClusterReader;
use crate::diagnosis::{Cause, Diagnosis, DiagnosisError, Evidence, ObjectRef, conditions, node};

fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Whether a label selector (`matchLabels`, `matchExpressions`) selects an
/// object with these labels; an empty or missing selector selects nothing,
/// as for a policy/v1 PodDisruptionBudget.
pub(crate) fn selects(selector: Option<&Value>, labels: &BTreeMap<String, String>) -> bool {
    let Some(selector) = selector.filter(|selector| selector.is_object()) else {
        return false;
    };
    let match_labels = selector["matchLabels"].as_object();
    let expressions = selector["matchExpressions"].as_array();
    if match_labels.is_none_or(|labels| labels.is_empty())
        && expressions.is_none_or(|expressions| expressions.is_empty())
    {
        return false;
    }
    let labels_hold = match_labels
        .into_iter()
        .flatten()
        .all(|(key, value)| labels.get(key).map(String::as_str) == value.as_str());
    labels_hold
        && expressions_hold(
            selector.get("matchExpressions"),
            |key| labels.get(key).map(String::as_str),
            false,
        )
}

/// A pod a drain must evict: not finished, not a DaemonSet's (drain skips
/// those) and not a static pod's mirror.
fn must_be_evicted(pod: &Value) -> bool {
    let finished = matches!(text(pod, "/status/phase"), "Succeeded" | "Failed");
    let daemon = controller_of(pod).is_some_and(|(_, kind, _)| kind == "DaemonSet");
    let mirror = pod
        .pointer("/metadata/annotations/kubernetes.io~1config.mirror")
        .is_some();
    !finished && !daemon && !mirror
}

/// A budget that allows no disruption now, and the pod it keeps.
struct Blocking {
    pod: Value,
    budget: Value,
}

/// The Node `name`, what runs on it, and what that says; `None` when no
/// node has that name.
pub(super) async fn diagnose<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    name: &str,
) -> Result<Option<Diagnosis>, DiagnosisError> {
    let Some(node) = reads.get("v1", "Node", None, name).await? else {
        return Ok(None);
    };
    let on_node = reads
        .list_names(
            "v1",
            "Pod",
            None,
            None,
            Some(format!("spec.nodeName={name}")),
        )
        .await?;
    let mut pods = Vec::new();
    for (namespace, pod) in on_node.iter().take(MAX_PODS_EXAMINED) {
        if let Some(pod) = reads.get("v1", "Pod", Some(namespace), pod).await? {
            pods.push(pod);
        }
    }
    let cordoned = node.pointer("/spec/unschedulable") == Some(&Value::Bool(true));
    if !node::is_ready(&node) || !cordoned {
        return Ok(Some(state_verdict(&node, on_node.len())));
    }
    let remaining: Vec<Value> = pods.into_iter().filter(must_be_evicted).collect();
    let mut blocking = Vec::new();
    let mut namespaces: Vec<String> = remaining
        .iter()
        .map(|pod| text(pod, "/metadata/namespace").to_string())
        .collect();
    namespaces.sort();
    namespaces.dedup();
    for namespace in namespaces {
        let budgets = reads
            .list_names(
                "policy/v1",
                "PodDisruptionBudget",
                Some(&namespace),
                None,
                None,
            )
            .await?;
        for (_, budget_name) in budgets {
            let Some(budget) = reads
                .get(
                    "policy/v1",
                    "PodDisruptionBudget",
                    Some(&namespace),
                    &budget_name,
                )
                .await?
            else {
                continue;
            };
            if budget
                .pointer("/status/disruptionsAllowed")
                .and_then(Value::as_u64)
                != Some(0)
            {
                continue;
            }
            for pod in remaining.iter().filter(|pod| {
                text(pod, "/metadata/namespace") == namespace
                    && selects(budget.pointer("/spec/selector"), &netpol::labels_of(pod))
            }) {
                blocking.push(Blocking {
                    pod: pod.clone(),
                    budget: budget.clone(),
                });
            }
        }
    }
    let Some(first) = blocking.first() else {
        return Ok(Some(cordoned_verdict(&node, &remaining)));
    };
    // The workload that would get one more pod elsewhere: the pod's
    // Deployment (through its ReplicaSet) or StatefulSet.
    let mut workload = None;
    if let Some((api_version, kind, owner)) = controller_of(&first.pod) {
        let namespace = text(&first.pod, "/metadata/namespace");
        let owner_object = reads
            .get(&api_version, &kind, Some(namespace), &owner)
            .await?;
        workload = match (kind.as_str(), owner_object) {
            ("StatefulSet", Some(set)) => Some(set),
            ("ReplicaSet", Some(set)) => match controller_of(&set) {
                Some((api_version, kind, deployment)) if kind == "Deployment" => {
                    reads
                        .get(&api_version, &kind, Some(namespace), &deployment)
                        .await?
                }
                _ => None,
            },
            _ => None,
        };
    }
    Ok(Some(drain_blocked(&node, &blocking, workload.as_ref())))
}

fn node_subject(node: &Value) -> ObjectRef {
    ObjectRef {
        api_version: "v1".to_string(),
        kind: "Node".to_string(),
        name: text(node, "/metadata/name").to_string(),
        namespace: None,
    }
}

fn node_diagnosis(
    node: &Value,
    cause: Cause,
    summary: String,
    evidence: Vec<Evidence>,
    proposal: Option<ProposedChange>,
) -> Diagnosis {
    let name = text(node, "/metadata/name");
    Diagnosis::new(
        node_subject(node),
        cause,
        summary,
        evidence,
        proposal,
        vec![
            format!("describe node {name}"),
            format!("show pods on node {name}"),
        ],
    )
}

/// The node's taints in one line, `none` when it has none.
fn taints(node: &Value) -> String {
    let taints = node::taints(node);
    if taints.is_empty() {
        "none".to_string()
    } else {
        taints.join(", ")
    }
}

/// A node that is not cordoned, or not Ready: its conditions say it.
fn state_verdict(node: &Value, pod_count: usize) -> Diagnosis {
    let name = text(node, "/metadata/name");
    let source = format!("node {name}");
    let mut evidence = Vec::new();
    let ready = conditions::find(node, "Ready");
    if let Some(ready) = ready {
        evidence.push(Evidence::new(source.clone(), ready.quote_since()));
    }
    let pressure: Vec<_> = node::pressures(node).collect();
    evidence.extend(
        pressure
            .iter()
            .map(|condition| Evidence::new(source.clone(), condition.quote_since())),
    );
    evidence.push(Evidence::new(
        format!("node {name} spec"),
        format!("taints {}", taints(node)),
    ));
    if !node::is_ready(node) {
        let mut said: Vec<String> = ready
            .and_then(|ready| ready.explanation())
            .map(str::to_string)
            .into_iter()
            .collect();
        if let Some(ready) = ready.filter(|ready| !ready.heartbeat.is_empty()) {
            said.push(format!("last heartbeat {}", ready.heartbeat));
        }
        let said = if said.is_empty() {
            String::new()
        } else {
            format!(" ({})", said.join("; "))
        };
        let summary = format!(
            "Node {name} is not Ready{said}: its kubelet does not report, so the states of its {pod_count} pods are stale and the node controller marks them not ready; pods of workloads are replaced elsewhere once evicted, and a pod deleted there stays Terminating until the kubelet is back. Check the machine and its kubelet (kubeop cannot reach a node's host)."
        );
        return node_diagnosis(node, Cause::NodeNotReady, summary, evidence, None);
    }
    if !pressure.is_empty() {
        let kinds: Vec<&str> = pressure.iter().map(|condition| condition.kind).collect();
        let summary = format!(
            "Node {name} is Ready but under {}: the kubelet evicts pods that use more than they request of the scarce resource, and the node's pressure taints keep new pods off it. Free the resource on the node (or move heavy pods) and the condition clears by itself.",
            kinds.join(" and ")
        );
        return node_diagnosis(node, Cause::NodePressure, summary, evidence, None);
    }
    let summary = format!(
        "Node {name} is Ready, schedulable and under no pressure; it runs {pod_count} pods."
    );
    node_diagnosis(node, Cause::NoFailureFound, summary, evidence, None)
}

/// A cordoned node with nothing left that a drain would wait for.
fn cordoned_verdict(node: &Value, remaining: &[Value]) -> Diagnosis {
    let name = text(node, "/metadata/name");
    let evidence = vec![
        Evidence::new(
            format!("node {name} spec"),
            format!("unschedulable: true; taints {}", taints(node)),
        ),
        Evidence::new(
            format!("pods on node {name}"),
            if remaining.is_empty() {
                "none but DaemonSet pods".to_string()
            } else {
                remaining
                    .iter()
                    .map(|pod| {
                        format!(
                            "{}/{}",
                            text(pod, "/metadata/namespace"),
                            text(pod, "/metadata/name")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
    ];
    let summary = if remaining.is_empty() {
        format!(
            "Node {name} is cordoned (spec.unschedulable: true) and drained: only DaemonSet pods run on it, and the scheduler places no new pod there. Uncordon it when its maintenance is done (`uncordon node {name}`)."
        )
    } else {
        format!(
            "Node {name} is cordoned (spec.unschedulable: true): no new pod is placed there, and {} pods still run on it; no PodDisruptionBudget holds them, so a drain can evict them.",
            remaining.len()
        )
    };
    node_diagnosis(node, Cause::NodeCordoned, summary, evidence, None)
}

/// A cordoned node whose pods a budget allowing no disruption keeps: the
/// eviction API answers 429 and `kubectl drain` retries without end.
fn drain_blocked(node: &Value, blocking: &[Blocking], workload: Option<&Value>) -> Diagnosis {
    let name = text(node, "/metadata/name");
    let mut evidence = vec![Evidence::new(
        format!("node {name} spec"),
        format!("unschedulable: true; taints {}", taints(node)),
    )];
    let mut described = Vec::new();
    for Blocking { pod, budget } in blocking {
        let namespace = text(pod, "/metadata/namespace");
        let budget_name = text(budget, "/metadata/name");
        let count = |pointer: &str| budget.pointer(pointer).and_then(Value::as_u64).unwrap_or(0);
        let rule = match (
            budget.pointer("/spec/minAvailable"),
            budget.pointer("/spec/maxUnavailable"),
        ) {
            (Some(minimum), _) => format!("minAvailable {}", value_text(minimum)),
            (None, Some(maximum)) => format!("maxUnavailable {}", value_text(maximum)),
            (None, None) => "no rule".to_string(),
        };
        let line = format!(
            "disruptionsAllowed 0 ({rule}; {} of {} pods healthy, {} needed)",
            count("/status/currentHealthy"),
            count("/status/expectedPods"),
            count("/status/desiredHealthy"),
        );
        if !described.contains(&budget_name.to_string()) {
            evidence.push(Evidence::new(
                format!("PodDisruptionBudget {namespace}/{budget_name} status"),
                line,
            ));
            described.push(budget_name.to_string());
        }
        evidence.push(Evidence::new(
            format!(
                "pod {namespace}/{} on node {name}",
                text(pod, "/metadata/name")
            ),
            format!("selected by PodDisruptionBudget {budget_name}"),
        ));
    }
    let first = &blocking[0];
    let pod_name = format!(
        "{}/{}",
        text(&first.pod, "/metadata/namespace"),
        text(&first.pod, "/metadata/name")
    );
    let budget_name = text(&first.budget, "/metadata/name");
    let fixed_minimum = first
        .budget
        .pointer("/spec/minAvailable")
        .and_then(Value::as_u64);
    let plan = workload.zip(fixed_minimum).and_then(|(workload, _)| {
        let replicas = workload.pointer("/spec/replicas").and_then(Value::as_u64)?;
        Some(proposal::set_replicas(
            workload,
            replicas + 1,
            &format!(
                "one more pod elsewhere, so PodDisruptionBudget {budget_name} allows one eviction"
            ),
        ))
    });
    let remedy = match &plan {
        Some(plan) => format!(
            "{} adds a pod on another node; once it is ready the budget allows one eviction and the drain goes on (scale back afterwards if you wish).",
            plan.summary
        ),
        None => format!(
            "Relax PodDisruptionBudget {budget_name} or add capacity for its pods elsewhere (a decision for the workload's owner); kubeop does not change a budget on its own."
        ),
    };
    let summary = format!(
        "Node {name} is cordoned but cannot be drained: pod {pod_name} is kept by PodDisruptionBudget {budget_name}, which allows no disruption now, so the eviction API refuses it (429: Cannot evict pod as it would violate the pod's disruption budget) and `kubectl drain` retries without end. {remedy}"
    );
    node_diagnosis(node, Cause::DrainBlocked, summary, evidence, plan)
}

fn value_text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn selectors_match_labels_and_expressions_and_empty_selects_nothing() {
        let pod = labels(&[("app", "web"), ("tier", "front")]);
        assert!(selects(Some(&json!({"matchLabels": {"app": "web"}})), &pod));
        assert!(!selects(Some(&json!({"matchLabels": {"app": "db"}})), &pod));
        assert!(selects(
            Some(
                &json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "edge"]}]})
            ),
            &pod
        ));
        assert!(!selects(
            Some(&json!({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]})),
            &pod
        ));
        assert!(!selects(Some(&json!({})), &pod));
        assert!(!selects(None, &pod));
    }

    #[test]
    fn a_budget_at_its_minimum_blocks_the_drain_and_one_more_replica_is_proposed() {
        let node = json!({"metadata": {"name": "node-2"}, "spec": {"unschedulable": true,
            "taints": [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]}});
        let pod =
            json!({"metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}}});
        let budget = json!({"metadata": {"name": "web-pdb", "namespace": "shop"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
            "status": {"disruptionsAllowed": 0, "currentHealthy": 2, "desiredHealthy": 2, "expectedPods": 2}});
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"}, "spec": {"replicas": 2}});
        let verdict = drain_blocked(&node, &[Blocking { pod, budget }], Some(&deployment));
        assert_eq!(verdict.cause, Cause::DrainBlocked);
        assert!(verdict.summary.contains(
            "pod shop/web-1 is kept by PodDisruptionBudget web-pdb, which allows no disruption now"
        ));
        assert_eq!(
            verdict.evidence[1].quote,
            "disruptionsAllowed 0 (minAvailable 2; 2 of 2 pods healthy, 2 needed)"
        );
        assert_eq!(
            verdict.proposal.expect("one more replica").desired,
            "replicas 3"
        );
    }

    #[test]
    fn a_not_ready_node_is_named_with_its_heartbeat() {
        let node = json!({"metadata": {"name": "node-3"}, "status": {"conditions": [
            {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
             "message": "Kubelet stopped posting node status.",
             "lastHeartbeatTime": "2026-11-25T09:00:00Z", "lastTransitionTime": "2026-11-25T09:00:40Z"}]}});
        let verdict = state_verdict(&node, 4);
        assert_eq!(verdict.cause, Cause::NodeNotReady);
        assert!(verdict.summary.contains("Node node-3 is not Ready (Kubelet stopped posting node status.; last heartbeat 2026-11-25T09:00:00Z)"));
        assert_eq!(
            verdict.evidence[0].quote,
            "Ready=Unknown since 2026-11-25T09:00:40Z, NodeStatusUnknown: Kubelet stopped posting node status."
        );
    }
}
