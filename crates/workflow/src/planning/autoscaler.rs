//! A bound asked of an autoscaler the cluster does not have ("set max
//! replicas of the nginx hpa to 10" where no HorizontalPodAutoscaler scales
//! nginx): the autoscaler that does scale the workload under another name
//! is the one meant; with none, the plan creates one as `kubectl autoscale`
//! would, its defaults stated on the card, approved like any change. The
//! classifier's bound change carries no `scaleTargetRef`, so it is never
//! applied as a partial, targetless autoscaler.

use serde_json::{Value, json};

use super::{Subject, creation, fetch};
use crate::cluster::{Fetched, cell};
use crate::coordinator::Pipeline;
use crate::error::WorkflowError;
use crate::plan::Planned;
use crate::response::{Clarify, Response};

/// The workload kinds an autoscaler of a bare name may scale, in the order
/// they are looked for (a DaemonSet has no replicas).
pub(super) const AUTOSCALED_KINDS: [&str; 2] = ["Deployment", "StatefulSet"];

/// The average CPU utilization a new autoscaler aims at: `kubectl
/// autoscale`'s default (the controller's own when no metric is given).
const DEFAULT_CPU_PERCENT: u64 = 80;

/// What the asked bound on a missing autoscaler comes to.
pub(super) enum Missing {
    /// Another autoscaler scales the workload of that name: this one, read.
    Existing(Value),
    /// No autoscaler scales it: the plan creating one, or the question.
    Planned(Box<Result<Planned, Response>>),
    /// No workload of that name either: the caller asks what is meant.
    NoWorkload,
}

/// `subject` is a HorizontalPodAutoscaler that does not exist and `asked`
/// the bound(s) the request sets on it. When an autoscaler of another name
/// scales the Deployment or StatefulSet of `subject`'s name (its REFERENCE
/// column), `subject` is renamed to it and it is returned; otherwise the
/// plan creating one for that workload.
pub(super) async fn missing(
    pipeline: &Pipeline,
    subject: &mut Subject,
    asked: &Value,
    inferred: &mut Vec<String>,
) -> Result<Missing, WorkflowError> {
    let autoscalers = pipeline
        .cluster
        .list(
            &subject.context,
            &subject.api_version,
            &subject.kind,
            subject.namespace.as_deref(),
            None,
        )
        .await?;
    for kind in AUTOSCALED_KINDS {
        let reference = format!("{kind}/{}", subject.name);
        if let Some(name) = autoscalers
            .iter()
            .find(|row| cell(row, "reference") == Some(reference.as_str()))
            .and_then(|row| cell(row, "name"))
        {
            let named = Subject {
                name: name.to_owned(),
                ..subject.clone()
            };
            if let Fetched::Found(live) = fetch(pipeline, &named).await? {
                inferred.push(format!(
                    "horizontalpodautoscaler/{name}: the autoscaler of {}/{}{} (none is named {})",
                    kind.to_lowercase(),
                    subject.name,
                    subject.place(),
                    subject.name
                ));
                *subject = named;
                return Ok(Missing::Existing(live));
            }
        }
    }
    for kind in AUTOSCALED_KINDS {
        let workload = Subject {
            api_version: "apps/v1".to_owned(),
            kind: kind.to_owned(),
            ..subject.clone()
        };
        if let Fetched::Found(live) = fetch(pipeline, &workload).await? {
            return Ok(Missing::Planned(Box::new(
                create(pipeline, subject, &workload, &live, asked).await?,
            )));
        }
    }
    Ok(Missing::NoWorkload)
}

/// The plan creating an autoscaler for `workload` (read as `live`) with
/// the bound(s) `asked`, or the question when the request gives no maximum
/// (an autoscaler needs one, and kubeop guesses no upper bound).
async fn create(
    pipeline: &Pipeline,
    subject: &Subject,
    workload: &Subject,
    live: &Value,
    asked: &Value,
) -> Result<Result<Planned, Response>, WorkflowError> {
    let what = format!("{}/{}", workload.kind.to_lowercase(), workload.name);
    let namespace_flag = workload
        .namespace
        .as_deref()
        .map(|namespace| format!(" -n {namespace}"))
        .unwrap_or_default();
    let replicas = live
        .pointer("/spec/replicas")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .max(1);
    let asked_min = asked.pointer("/spec/minReplicas").and_then(Value::as_u64);
    let Some(max) = asked.pointer("/spec/maxReplicas").and_then(Value::as_u64) else {
        return Ok(Err(Response::Clarify(Clarify {
            question: format!(
                "No HorizontalPodAutoscaler scales {what}{}. Creating one needs its maximum too: say \"set max replicas of the {} hpa to N\", or run `kubectl autoscale {} {} --min={} --max=N --cpu-percent={DEFAULT_CPU_PERCENT}{namespace_flag}`.",
                workload.place(),
                workload.name,
                workload.kind.to_lowercase(),
                workload.name,
                asked_min.unwrap_or(replicas),
            ),
            missing: vec!["resource".to_owned()],
            candidates: Vec::new(),
        })));
    };
    // Its replicas now, so that creating it scales nothing down by itself.
    let (min, min_why) = match asked_min {
        Some(min) => (min, "asked"),
        None if replicas > max => (max, "the maximum asked: it runs more replicas now"),
        None => (
            replicas,
            "its replicas now, so the autoscaler does not scale it down on creation",
        ),
    };
    if min > max || max == 0 {
        return Ok(Ok(Planned::NothingToDo(format!(
            "An autoscaler's maximum must be at least 1 and at least its minimum ({min}); {max} is not."
        ))));
    }
    let asked_percent = asked
        .pointer("/spec/metrics/0/resource/target/averageUtilization")
        .and_then(Value::as_u64);
    let (percent, percent_why) = match asked_percent {
        Some(percent) => (percent, "asked"),
        None => (DEFAULT_CPU_PERCENT, "kubectl's default"),
    };
    let manifest = json!({
        "apiVersion": subject.api_version,
        "kind": subject.kind,
        "metadata": {"name": subject.name, "namespace": subject.namespace},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": workload.kind, "name": workload.name},
            "minReplicas": min,
            "maxReplicas": max,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": percent}}}],
        },
    });
    let planned = creation(pipeline, subject, &manifest).await?;
    let Planned::Change(mut draft) = planned else {
        return Ok(Ok(planned));
    };
    draft.warnings.insert(
        0,
        format!(
            "No HorizontalPodAutoscaler scales {what}{}: this creates horizontalpodautoscaler/{} for it, as `kubectl autoscale {} {} --min={min} --max={max} --cpu-percent={percent}{namespace_flag}` would: min {min} ({min_why}), max {max} (asked), aiming at {percent}% average CPU utilization ({percent_why}).",
            workload.place(),
            subject.name,
            workload.kind.to_lowercase(),
            workload.name,
        ),
    );
    if replicas > max {
        draft.warnings.push(format!(
            "{what} runs {replicas} replicas now: the autoscaler scales it down to {max}."
        ));
    }
    let unrequested = containers_without_cpu_request(live);
    if !unrequested.is_empty() {
        let (containers, request) = match unrequested.as_slice() {
            [_] => ("Container", "requests"),
            _ => ("Containers", "request"),
        };
        draft.warnings.push(format!(
            "{containers} {} of {what} {request} no CPU: CPU utilization is measured against the request, so the autoscaler cannot compute it and will not scale until every container requests CPU.",
            unrequested.join(", ")
        ));
    }
    Ok(Ok(Planned::Change(draft)))
}

/// The names of the workload's containers that set no CPU request.
fn containers_without_cpu_request(live: &Value) -> Vec<String> {
    live.pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|container| container.pointer("/resources/requests/cpu").is_none())
        .filter_map(|container| container.get("name")?.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_container_without_a_cpu_request_is_named() {
        let live = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "resources": {"requests": {"cpu": "100m"}}},
            {"name": "sidecar", "resources": {"requests": {"memory": "64Mi"}}},
        ]}}}});
        assert_eq!(containers_without_cpu_request(&live), ["sidecar"]);
    }
}
