//! A workload without pods because the API server refuses to create them:
//! its controller records `FailedCreate` with the admission plugin's words
//! (`pods "web-7d4b9c8f5-" is forbidden: no PriorityClass with name X was
//! found`, `exceeded quota: ...`). The conclusion quotes that refusal and,
//! for a missing PriorityClass, which classes do exist.

use serde_json::json;

use super::Reads;
use crate::diagnosis::parse::{self, Event, listed_names};
use crate::diagnosis::reader::{ClusterReader, ReadTool};
use crate::diagnosis::{Cause, Diagnosis, DiagnosisError, Evidence, ObjectRef};

/// The API group and version of each controller kind an event may name.
fn api_version_of(kind: &str) -> &'static str {
    match kind {
        "Job" | "CronJob" => "batch/v1",
        _ => "apps/v1",
    }
}

/// `no PriorityClass with name X was found` → X.
fn missing_priority_class(message: &str) -> Option<&str> {
    message
        .split("no PriorityClass with name ")
        .nth(1)?
        .split(" was found")
        .next()
}

/// The newest `FailedCreate` of the workload `name` (or of its ReplicaSets,
/// `name-<hash>`) in `namespace`, and a diagnosis built on it; `None` when
/// nothing refused its pods.
pub(super) async fn diagnose<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    namespace: &str,
    name: &str,
) -> Result<Option<Diagnosis>, DiagnosisError> {
    let output = reads
        .call(
            ReadTool::EventsList,
            [("namespace", Some(json!(namespace)))],
        )
        .await?;
    let prefix = format!("{name}-");
    let refusals: Vec<Event> = parse::events(&output)
        .unwrap_or_default()
        .into_iter()
        .filter(|event| event.reason == "FailedCreate")
        .filter(|event| event.object_name == name || event.object_name.starts_with(&prefix))
        .collect();
    let Some(refusal) = refusals.last() else {
        return Ok(None);
    };
    let mut evidence = vec![Evidence::new(
        format!("event on {} {}", refusal.object_kind, refusal.object_name),
        format!(
            "{} {}: {}",
            refusal.event_type, refusal.reason, refusal.message
        ),
    )];
    let mut explanation = String::new();
    if let Some(class) = missing_priority_class(&refusal.message) {
        let listed = reads
            .call(
                ReadTool::ResourcesList,
                [
                    ("apiVersion", Some(json!("scheduling.k8s.io/v1"))),
                    ("kind", Some(json!("PriorityClass"))),
                ],
            )
            .await?;
        let classes: Vec<String> = listed_names(&listed, None)
            .into_iter()
            .map(|(_, name)| name)
            .collect();
        evidence.push(Evidence::new(
            "resources_list PriorityClass",
            if classes.is_empty() {
                "no PriorityClass exists".to_string()
            } else {
                classes.join(", ")
            },
        ));
        explanation = format!(
            " The pod template names priorityClassName {class}, and no PriorityClass of that name exists (the cluster has: {}). Create the PriorityClass (its value is a cluster-wide decision) or change priorityClassName in the template to an existing class; kubeop does not choose a priority for you.",
            if classes.is_empty() {
                "none".to_string()
            } else {
                classes.join(", ")
            }
        );
    } else if refusal.message.contains("exceeded quota") {
        explanation = " A ResourceQuota of the namespace has no room for another pod with these requests: lower the requests, free quota, or raise the quota (a human decision).".to_string();
    }
    let workload_kind = if refusal.object_kind == "ReplicaSet" && refusal.object_name != name {
        "Deployment"
    } else {
        refusal.object_kind.as_str()
    };
    let summary = format!(
        "{workload_kind} {name} has no pods: the API server refuses to create them ({}).{explanation}",
        refusal.message
    );
    Ok(Some(Diagnosis {
        subject: ObjectRef::namespaced(
            api_version_of(workload_kind),
            workload_kind,
            name,
            namespace,
        ),
        cause: Cause::PodCreationRefused,
        summary,
        evidence,
        proposal: None,
        next_steps: vec![format!("show events in {namespace}")],
        other_failing_pods: Vec::new(),
        tool_calls: 0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_class_is_read_from_the_refusal() {
        assert_eq!(
            missing_priority_class(
                "Error creating: pods \"nightly-report-6f9c-\" is forbidden: no PriorityClass with name batch-low was found"
            ),
            Some("batch-low")
        );
        assert_eq!(missing_priority_class("exceeded quota: compute"), None);
    }
}
