//! "Why isn't my HPA scaling?": the HorizontalPodAutoscaler of the name
//! asked about, read as its controller reports it: the target, the bounds,
//! the metrics it measured (`currentMetrics`) against its targets, and the
//! `AbleToScale`, `ScalingActive` and `ScalingLimited` conditions, whose
//! messages are the controller's own explanation. Nothing is changed: the
//! bounds and requests of a workload are a human's decision.

use serde_json::{Value, json};

use super::Reads;
use crate::diagnosis::parse::rows;
use crate::diagnosis::reader::{ClusterReader, ReadTool};
use crate::diagnosis::{Cause, Diagnosis, DiagnosisError, Evidence, ObjectRef, conditions};

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The HPA named `name` in `namespace`, read and concluded; `None` when
/// there is none.
pub(super) async fn diagnose<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    namespace: &str,
    name: &str,
) -> Result<Option<Diagnosis>, DiagnosisError> {
    let hpa = reads
        .get(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            Some(namespace),
            name,
        )
        .await?;
    Ok(hpa.as_ref().map(conclude))
}

/// The HPA that scales the workload `name` (named otherwise, as
/// `name-hpa` often is), found by its REFERENCE column, read and concluded.
pub(super) async fn diagnose_scaling_of<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    namespace: &str,
    name: &str,
) -> Result<Option<Diagnosis>, DiagnosisError> {
    let listed = reads
        .call(
            ReadTool::ResourcesList,
            [
                ("apiVersion", Some(json!("autoscaling/v2"))),
                ("kind", Some(json!("HorizontalPodAutoscaler"))),
                ("namespace", Some(json!(namespace))),
            ],
        )
        .await?;
    let scaling = rows(&listed).into_iter().find_map(|row| {
        let reference = row.get("REFERENCE")?;
        let (_, target) = reference.split_once('/')?;
        (target == name).then(|| row.get("NAME").cloned()).flatten()
    });
    match scaling {
        Some(hpa) if hpa != name => diagnose(reads, namespace, &hpa).await,
        _ => Ok(None),
    }
}

/// `cpu 60% of request`, `memory 512Mi per pod`.
fn metric_target(metric: &Value) -> Option<String> {
    let resource = text(metric, "/resource/name");
    let target = metric.pointer("/resource/target")?;
    match target["averageUtilization"].as_i64() {
        Some(percent) => Some(format!("{resource} {percent}% of request")),
        None => Some(format!(
            "{resource} {} per pod",
            target["averageValue"].as_str()?
        )),
    }
}

/// `cpu at 180% of request (average 180m per pod)`.
fn metric_current(metric: &Value) -> Option<String> {
    let resource = text(metric, "/resource/name");
    let current = metric.pointer("/resource/current")?;
    let average = current["averageValue"].as_str().unwrap_or("?");
    Some(match current["averageUtilization"].as_i64() {
        Some(percent) => format!("{resource} at {percent}% of request (average {average} per pod)"),
        None => format!("{resource} at {average} per pod"),
    })
}

/// The condition of this type as (status, reason, message).
fn condition<'a>(hpa: &'a Value, kind: &str) -> Option<(&'a str, &'a str, &'a str)> {
    conditions::find(hpa, kind)
        .map(|condition| (condition.status, condition.reason, condition.message))
}

/// The conclusion about one HPA object.
pub fn conclude(hpa: &Value) -> Diagnosis {
    let name = text(hpa, "/metadata/name");
    let namespace = text(hpa, "/metadata/namespace");
    let target = format!(
        "{} {}",
        text(hpa, "/spec/scaleTargetRef/kind"),
        text(hpa, "/spec/scaleTargetRef/name")
    );
    let min = hpa
        .pointer("/spec/minReplicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let max = hpa
        .pointer("/spec/maxReplicas")
        .and_then(Value::as_i64)
        .unwrap_or(min);
    let current = hpa
        .pointer("/status/currentReplicas")
        .and_then(Value::as_i64);
    let desired = hpa
        .pointer("/status/desiredReplicas")
        .and_then(Value::as_i64);
    let source = format!("HorizontalPodAutoscaler {namespace}/{name}");
    let targets: Vec<String> = hpa
        .pointer("/spec/metrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(metric_target)
        .collect();
    let measured: Vec<String> = hpa
        .pointer("/status/currentMetrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(metric_current)
        .collect();
    let mut evidence = vec![Evidence::new(
        format!("{source} spec"),
        format!(
            "scaleTargetRef {target}, minReplicas {min}, maxReplicas {max}, targets: {}",
            if targets.is_empty() {
                "none".to_string()
            } else {
                targets.join(", ")
            }
        ),
    )];
    let replicas = match (current, desired) {
        (Some(current), Some(desired)) => {
            format!("currentReplicas {current}, desiredReplicas {desired}")
        }
        _ => "no replica counts in its status yet".to_string(),
    };
    evidence.push(Evidence::new(
        format!("{source} status"),
        format!(
            "{replicas}; measured: {}",
            if measured.is_empty() {
                "nothing".to_string()
            } else {
                measured.join(", ")
            }
        ),
    ));
    for kind in ["AbleToScale", "ScalingActive", "ScalingLimited"] {
        if let Some(condition) = conditions::find(hpa, kind) {
            evidence.push(Evidence::new(
                format!("{source} conditions"),
                condition.quote(),
            ));
        }
    }
    let subject =
        ObjectRef::namespaced("autoscaling/v2", "HorizontalPodAutoscaler", name, namespace);
    let measured_text = if measured.is_empty() {
        String::new()
    } else {
        format!(
            " It measures {} against {}.",
            measured.join(", "),
            targets.join(", ")
        )
    };
    let (cause, summary) = match (
        condition(hpa, "AbleToScale"),
        condition(hpa, "ScalingActive"),
        condition(hpa, "ScalingLimited"),
    ) {
        (Some(("False", _, message)), _, _) => (
            Cause::AutoscalerNotScaling,
            format!(
                "HorizontalPodAutoscaler {name} cannot scale {target}: {message}. Point scaleTargetRef at an existing workload."
            ),
        ),
        (_, Some(("False", _, message)), _) => {
            let advice = if message.contains("missing request for") {
                " Utilization is measured against requests: give every container of the target a request for that resource (kubeop does not guess one), and the HPA can compute a replica count."
            } else {
                " The metrics it needs are not available: check that metrics-server serves the target's pods (kubectl top pods)."
            };
            (
                Cause::AutoscalerNotScaling,
                format!(
                    "HorizontalPodAutoscaler {name} is not scaling {target}: {message}.{advice}"
                ),
            )
        }
        (_, _, Some(("True", "TooManyReplicas", _))) => (
            Cause::AutoscalerNotScaling,
            format!(
                "HorizontalPodAutoscaler {name} wants more replicas than its maximum: {target} runs {} and maxReplicas is {max}.{measured_text} Raising maxReplicas (if the nodes have room) or lowering the load per pod is a human decision.",
                current.map_or_else(|| "?".to_string(), |current| current.to_string())
            ),
        ),
        (_, _, Some(("True", "TooFewReplicas", _))) => (
            Cause::NoFailureFound,
            format!(
                "HorizontalPodAutoscaler {name} holds {target} at its minimum of {min} replicas: the load asks for fewer.{measured_text}"
            ),
        ),
        (Some((_, "ScaleDownStabilized", message)), _, _) => (
            Cause::NoFailureFound,
            format!(
                "HorizontalPodAutoscaler {name} is waiting before scaling {target} down: {message} (a 5-minute stabilization window).{measured_text}"
            ),
        ),
        _ => (
            Cause::NoFailureFound,
            format!(
                "HorizontalPodAutoscaler {name} works: {target} has the replicas its metrics ask for ({replicas}).{measured_text} Within 10% of the target it does not scale."
            ),
        ),
    };
    Diagnosis::new(
        subject,
        cause,
        summary,
        evidence,
        None,
        vec![
            format!("show events in {namespace}"),
            format!("top pods in {namespace}"),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hpa(status: Value) -> Value {
        json!({"metadata": {"name": "search", "namespace": "catalog"},
               "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "search"}, "minReplicas": 2, "maxReplicas": 4,
                        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
               "status": status})
    }

    #[test]
    fn a_missing_request_is_named_from_the_condition() {
        let diagnosis = conclude(&hpa(
            json!({"currentReplicas": 2, "desiredReplicas": 2, "conditions": [
            {"type": "AbleToScale", "status": "True", "reason": "SucceededGetScale", "message": "the HPA controller was able to get the target's current scale"},
            {"type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric",
             "message": "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container search of Pod search-5c-abcde"}]}),
        ));
        assert_eq!(diagnosis.cause, Cause::AutoscalerNotScaling);
        assert!(
            diagnosis
                .summary
                .contains("missing request for cpu in container search of Pod search-5c-abcde"),
            "{}",
            diagnosis.summary
        );
        assert!(
            diagnosis
                .summary
                .contains("give every container of the target a request")
        );
    }

    #[test]
    fn an_autoscaler_at_its_maximum_says_so_with_the_numbers() {
        let diagnosis = conclude(&hpa(json!({"currentReplicas": 4, "desiredReplicas": 4,
            "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 150, "averageValue": "300m"}}}],
            "conditions": [{"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas", "message": "the desired replica count is more than the maximum replica count"}]})));
        assert_eq!(diagnosis.cause, Cause::AutoscalerNotScaling);
        assert!(
            diagnosis.summary.contains("runs 4 and maxReplicas is 4"),
            "{}",
            diagnosis.summary
        );
        assert!(
            diagnosis.summary.contains(
                "cpu at 150% of request (average 300m per pod) against cpu 70% of request"
            ),
            "{}",
            diagnosis.summary
        );
    }
}
