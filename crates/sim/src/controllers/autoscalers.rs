//! The HorizontalPodAutoscaler controller: for each `autoscaling/v2` HPA,
//! the resource metrics of its target's pods as the metrics API serves them
//! ([`crate::metrics::container_usage`], so `kubectl top` and the HPA
//! agree), the replica count they call for, and the status the real
//! controller writes: `currentReplicas`, `desiredReplicas`,
//! `currentMetrics`, and the `AbleToScale`, `ScalingActive` and
//! `ScalingLimited` conditions in the controller's own words, with its
//! events (`FailedGetResourceMetric`, `SuccessfulRescale`, ...). It scales
//! the target when the desired count differs, up at once and down only
//! after the 5-minute stabilization window.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::workloads::not_deleting;
use super::{Action, Kind, Snapshot, controller_event_draft, text};
use crate::clock::{parse_rfc3339, rfc3339};
use crate::metrics::container_usage;
use crate::quantity::Quantity;
use crate::selector::LabelSelector;

/// The component name on the controller's events.
const COMPONENT: &str = "horizontal-pod-autoscaler";

/// The ratio of usage to target within which the controller does not scale.
const TOLERANCE: f64 = 0.1;

/// How long a scale-down waits for recommendations to stay low.
const SCALE_DOWN_STABILIZATION: Duration = Duration::from_secs(300);

/// A target kind the controller can scale, with its Kind.
fn target_kind(kind: &str) -> Option<(Kind, &'static str)> {
    match kind {
        "Deployment" => Some((Kind::Deployment, "deployments")),
        "StatefulSet" => Some((Kind::StatefulSet, "statefulsets")),
        "ReplicaSet" => Some((Kind::ReplicaSet, "replicasets")),
        _ => None,
    }
}

/// What one metric says: its `currentMetrics` entry and the replicas it asks for.
struct Reading {
    current: Value,
    wanted: i64,
    /// `cpu resource utilization (percentage of request)`: the words of a rescale.
    description: String,
    above_target: bool,
}

/// One `Resource` metric over the pods: usage against requests.
fn read_resource_metric(
    metric: &Value,
    pods: &[&Value],
    current_replicas: i64,
) -> Result<Reading, String> {
    let resource = text(metric, "/resource/name");
    let target = &metric["resource"]["target"];
    if pods.is_empty() {
        return Err(format!(
            "failed to get {resource} utilization: unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        ));
    }
    let mut usage_total = Quantity::ZERO;
    let mut request_total = Quantity::ZERO;
    for pod in pods {
        let usage = container_usage(pod);
        for container in pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = text(container, "/name");
            let request = container
                .pointer(&format!("/resources/requests/{resource}"))
                .and_then(Value::as_str)
                .and_then(|quantity| Quantity::parse(quantity).ok());
            let used = usage
                .iter()
                .find(|(container, _)| container == name)
                .map(|(_, usage)| {
                    if resource == "cpu" {
                        usage.cpu
                    } else {
                        usage.memory
                    }
                })
                .unwrap_or(Quantity::ZERO);
            match request {
                Some(request) if target["type"] == "Utilization" => {
                    request_total =
                        Quantity::from_millis(request_total.millis() + request.millis());
                }
                None if target["type"] == "Utilization" => {
                    return Err(format!(
                        "failed to get {resource} utilization: missing request for {resource} in container {name} of Pod {}",
                        text(pod, "/metadata/name")
                    ));
                }
                _ => {}
            }
            usage_total = Quantity::from_millis(usage_total.millis() + used.millis());
        }
    }
    let count = pods.len() as i128;
    let average = Quantity::from_millis(usage_total.millis() / count);
    let average_text = if resource == "cpu" {
        average.to_cpu_string()
    } else {
        average.to_memory_string()
    };
    if target["type"] == "Utilization" {
        let wanted_percent = target["averageUtilization"].as_i64().unwrap_or(80).max(1);
        let utilization = if request_total.millis() == 0 {
            0
        } else {
            i64::try_from(usage_total.millis() * 100 / request_total.millis()).unwrap_or(i64::MAX)
        };
        let ratio = utilization as f64 / wanted_percent as f64;
        let wanted = if (ratio - 1.0).abs() <= TOLERANCE {
            current_replicas
        } else {
            (ratio * current_replicas as f64).ceil() as i64
        };
        return Ok(Reading {
            current: json!({"type": "Resource", "resource": {"name": resource, "current": {
                "averageUtilization": utilization, "averageValue": average_text}}}),
            wanted,
            description: format!("{resource} resource utilization (percentage of request)"),
            above_target: ratio > 1.0,
        });
    }
    let target_value = target["averageValue"]
        .as_str()
        .and_then(|quantity| Quantity::parse(quantity).ok())
        .filter(|quantity| quantity.millis() > 0)
        .ok_or_else(|| format!("invalid target for {resource}: no averageValue"))?;
    let ratio = average.millis() as f64 / target_value.millis() as f64;
    let wanted = if (ratio - 1.0).abs() <= TOLERANCE {
        current_replicas
    } else {
        (usage_total.millis() as f64 / target_value.millis() as f64).ceil() as i64
    };
    Ok(Reading {
        current: json!({"type": "Resource", "resource": {"name": resource, "current": {"averageValue": average_text}}}),
        wanted,
        description: format!("{resource} resource"),
        above_target: ratio > 1.0,
    })
}

/// A condition, keeping its transition time while its status is unchanged.
fn condition(
    previous: &Value,
    kind: &str,
    status: bool,
    reason: &str,
    message: &str,
    now: SystemTime,
) -> Value {
    let status = if status { "True" } else { "False" };
    let since = previous
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|condition| condition["type"] == kind && condition["status"] == status)
        .and_then(|condition| condition.get("lastTransitionTime").cloned())
        .unwrap_or_else(|| json!(rfc3339(now)));
    json!({"type": kind, "status": status, "reason": reason, "message": message, "lastTransitionTime": since})
}

/// Every HPA's status, its events, and the rescales it makes.
pub fn horizontal_pod_autoscalers(snapshot: &Snapshot) -> Vec<Action> {
    let now = snapshot.now();
    let mut actions = Vec::new();
    for hpa in not_deleting(&snapshot.autoscalers) {
        let namespace = text(hpa, "/metadata/namespace");
        let reference = &hpa["spec"]["scaleTargetRef"];
        let target_name = text(reference, "/name");
        let target = target_kind(text(reference, "/kind")).and_then(|(kind, _)| {
            let objects = match kind {
                Kind::Deployment => &snapshot.deployments,
                Kind::StatefulSet => &snapshot.stateful_sets,
                _ => &snapshot.replica_sets,
            };
            objects
                .iter()
                .find(|object| {
                    text(object, "/metadata/namespace") == namespace
                        && text(object, "/metadata/name") == target_name
                })
                .map(|object| (kind, object))
        });
        let min = hpa["spec"]["minReplicas"].as_i64().unwrap_or(1);
        let max = hpa["spec"]["maxReplicas"].as_i64().unwrap_or(min);
        let event = |event_type, reason, message: String| {
            let mut draft =
                controller_event_draft(hpa, COMPONENT, event_type, reason, message, now);
            draft.count = super::EventCount::Total(1);
            Action::Record(draft)
        };
        let Some((kind, target)) = target else {
            let resource = target_kind(text(reference, "/kind")).map_or_else(
                || text(reference, "/kind").to_ascii_lowercase(),
                |(_, plural)| format!("{plural}/scale.apps"),
            );
            let message = format!(
                "the HPA controller was unable to get the target's current scale: {resource} \"{target_name}\" not found"
            );
            let status = json!({
                "currentReplicas": hpa.pointer("/status/currentReplicas").cloned().unwrap_or(json!(0)),
                "desiredReplicas": hpa.pointer("/status/desiredReplicas").cloned().unwrap_or(json!(0)),
                "conditions": [condition(hpa, "AbleToScale", false, "FailedGetScale", &message, now)],
            });
            actions.extend(replace_status(hpa, status));
            actions.push(event(
                "Warning",
                "FailedGetScale",
                format!("{resource} \"{target_name}\" not found"),
            ));
            continue;
        };
        let current = target["spec"]["replicas"].as_i64().unwrap_or(1);
        let selector = target
            .pointer("/spec/selector")
            .and_then(|selector| LabelSelector::from_object(selector).ok());
        let pods: Vec<&Value> = snapshot
            .pods
            .iter()
            .filter(|pod| text(pod, "/metadata/namespace") == namespace)
            .filter(|pod| text(pod, "/status/phase") == "Running")
            .filter(|pod| pod.pointer("/metadata/deletionTimestamp").is_none())
            .filter(|pod| {
                selector
                    .as_ref()
                    .is_some_and(|selector| selector.matches_object(pod))
            })
            .collect();
        let metrics: Vec<&Value> = hpa["spec"]["metrics"]
            .as_array()
            .map(|metrics| metrics.iter().collect())
            .unwrap_or_default();
        let mut readings = Vec::new();
        let mut failures = Vec::new();
        for metric in &metrics {
            if metric["type"] != "Resource" {
                continue;
            }
            match read_resource_metric(metric, &pods, current) {
                Ok(reading) => readings.push(reading),
                Err(problem) => {
                    failures.push((text(metric, "/resource/name").to_string(), problem))
                }
            }
        }
        let mut conditions = Vec::new();
        let mut desired = current;
        if let Some((resource, problem)) = failures.first() {
            let message = format!("the HPA was unable to compute the replica count: {problem}");
            conditions.push(condition(
                hpa,
                "AbleToScale",
                true,
                "SucceededGetScale",
                "the HPA controller was able to get the target's current scale",
                now,
            ));
            conditions.push(condition(
                hpa,
                "ScalingActive",
                false,
                "FailedGetResourceMetric",
                &message,
                now,
            ));
            actions.push(event("Warning", "FailedGetResourceMetric", problem.clone()));
            actions.push(event(
                "Warning",
                "FailedComputeMetricsReplicas",
                format!(
                    "invalid metrics ({} invalid out of {}), first error is: failed to get {resource} resource metric value: {problem}",
                    failures.len(),
                    metrics.len()
                ),
            ));
        } else if let Some(leading) = readings.iter().max_by_key(|reading| reading.wanted) {
            let recommended = leading.wanted;
            let (limited, limit_reason, limit_message) = if recommended > max {
                (
                    true,
                    "TooManyReplicas",
                    "the desired replica count is more than the maximum replica count",
                )
            } else if recommended < min {
                (
                    true,
                    "TooFewReplicas",
                    "the desired replica count is less than the minimum replica count",
                )
            } else {
                (
                    false,
                    "DesiredWithinRange",
                    "the desired count is within the acceptable range",
                )
            };
            desired = recommended.clamp(min, max);
            let last_scale = hpa
                .pointer("/status/lastScaleTime")
                .and_then(Value::as_str)
                .and_then(parse_rfc3339)
                .or_else(|| super::creation_time(hpa));
            let stabilizing = desired < current
                && last_scale.is_some_and(|at| {
                    now.duration_since(at).unwrap_or_default() < SCALE_DOWN_STABILIZATION
                });
            let able = if stabilizing {
                desired = current;
                ("ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation".to_string())
            } else if desired != current {
                (
                    "SucceededRescale",
                    format!("the HPA controller was able to update the target scale to {desired}"),
                )
            } else {
                (
                    "ReadyForNewScale",
                    "recommended size matches current size".to_string(),
                )
            };
            conditions.push(condition(hpa, "AbleToScale", true, able.0, &able.1, now));
            conditions.push(condition(
                hpa,
                "ScalingActive",
                true,
                "ValidMetricFound",
                &format!(
                    "the HPA was able to successfully calculate a replica count from {}",
                    leading.description
                ),
                now,
            ));
            conditions.push(condition(
                hpa,
                "ScalingLimited",
                limited,
                limit_reason,
                limit_message,
                now,
            ));
            if desired != current {
                let mut scaled = target.clone();
                scaled["spec"]["replicas"] = json!(desired);
                actions.push(Action::Replace(kind, scaled));
                let direction = if leading.above_target {
                    "above"
                } else {
                    "below"
                };
                let mut draft = controller_event_draft(
                    hpa,
                    COMPONENT,
                    "Normal",
                    "SuccessfulRescale",
                    format!(
                        "New size: {desired}; reason: {} {direction} target",
                        leading.description
                    ),
                    now,
                );
                draft.count = super::EventCount::Total(1);
                actions.push(Action::Record(draft));
            }
        }
        let mut status = json!({
            "currentReplicas": current,
            "desiredReplicas": desired,
            "currentMetrics": readings.iter().map(|reading| reading.current.clone()).collect::<Vec<_>>(),
            "conditions": conditions,
        });
        let last_scale = if desired != current {
            Some(json!(rfc3339(now)))
        } else {
            hpa.pointer("/status/lastScaleTime").cloned()
        };
        if let Some(at) = last_scale {
            status["lastScaleTime"] = at;
        }
        actions.extend(replace_status(hpa, status));
    }
    actions
}

/// The HPA with `status`, when that changes it.
fn replace_status(hpa: &Value, status: Value) -> Option<Action> {
    if hpa.get("status") == Some(&status) {
        return None;
    }
    let mut updated = hpa.clone();
    updated["status"] = status;
    Some(Action::ReplaceStatus(
        Kind::HorizontalPodAutoscaler,
        updated,
    ))
}
