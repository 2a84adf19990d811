//! What the failing pod's owners add to a conclusion: a Job that gave up
//! (BackoffLimitExceeded), a CronJob whose runs fail, and a Deployment
//! rollout that is stuck while an older ReplicaSet still serves.

use serde_json::{Value, json};

use super::{Context, describe, workload};
use crate::diagnosis::pod_failure::PodFacts;
use crate::diagnosis::proposal::{self, ProposedChange};
use crate::diagnosis::{Cause, Diagnosis, Evidence, conditions};
use crate::diff::{ChangeKind, FieldChange, diff};

fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn count(object: &Value, pointer: &str) -> Option<u64> {
    object.pointer(pointer).and_then(Value::as_u64)
}

/// The Job among the pod's owners.
pub(super) fn job(facts: &PodFacts) -> Option<&Value> {
    facts.owners.iter().find(|owner| owner["kind"] == "Job")
}

/// A Job's pod failed: the Job's own verdict (Failed with its reason, or
/// still retrying) and counts, the CronJob that made it, the pod's exit.
/// A Job's template cannot be changed, so there is no proposal.
pub(super) fn job_failed(
    mut context: Context<'_>,
    job: &Value,
    container: &str,
    exits: &str,
    explanation: &str,
) -> Diagnosis {
    let namespace = context.state.namespace.clone();
    let pod_name = context.state.name.clone();
    let job_name = text(job, "/metadata/name").to_string();
    let failed = count(job, "/status/failed").unwrap_or(0);
    // The API server defaults backoffLimit to 6.
    let limit = count(job, "/spec/backoffLimit").unwrap_or(6);
    let source = format!("Job {namespace}/{job_name} status");
    let verdict = conditions::true_one(job, "Failed");
    if let Some(failed) = &verdict {
        context
            .evidence
            .insert(0, Evidence::new(source.clone(), failed.quote()));
    }
    context.evidence.push(Evidence::new(
        source,
        format!(
            "failed pods {failed}, succeeded {}, active {}; spec.backoffLimit {limit}",
            count(job, "/status/succeeded").unwrap_or(0),
            count(job, "/status/active").unwrap_or(0)
        ),
    ));
    let cron_job = context
        .facts
        .owners
        .iter()
        .find(|owner| owner["kind"] == "CronJob");
    let mut made_by = String::new();
    let mut rerun = format!(
        "a Job's pod template cannot be changed, so fix the cause and re-create Job {job_name}"
    );
    if let Some(cron_job) = cron_job {
        let cron_name = text(cron_job, "/metadata/name");
        let last_success = text(cron_job, "/status/lastSuccessfulTime");
        context.evidence.push(Evidence::new(
            format!("CronJob {namespace}/{cron_name}"),
            format!(
                "schedule {:?}, last scheduled {}, last successful run {}",
                text(cron_job, "/spec/schedule"),
                non_empty(text(cron_job, "/status/lastScheduleTime"), "never"),
                non_empty(last_success, "never"),
            ),
        ));
        made_by = format!(" (run by CronJob {cron_name})");
        rerun = format!(
            "fix the cause in CronJob {cron_name}'s job template; its next run (schedule {}) uses it",
            text(cron_job, "/spec/schedule")
        );
    }
    let outcome = match &verdict {
        Some(failed_condition) => format!(
            "failed ({}) after {failed} failed pods",
            failed_condition.reason
        ),
        None => format!("is failing: {failed} pods failed so far"),
    };
    let summary = format!(
        "Job {job_name}{made_by} {outcome} (backoffLimit {limit}). Its pod {pod_name}: container {container}: {exits}. {explanation} To run it again, {rerun}."
    );
    context
        .next_steps
        .push(format!("show the logs of pod {pod_name} in {namespace}"));
    context
        .next_steps
        .push(format!("show job {job_name} in {namespace}"));
    context.finish(Cause::JobFailed, summary, None)
}

fn non_empty<'a>(value: &'a str, otherwise: &'a str) -> &'a str {
    if value.is_empty() { otherwise } else { value }
}

/// When the failing pod belongs to the newest ReplicaSet of a Deployment
/// whose rollout has not finished: the Deployment's Progressing condition
/// and the older ReplicaSet that still serves, quoted; a sentence for the
/// summary; and the rollback to that revision's pod template as a proposal
/// (what `kubectl rollout undo` does, from the cluster's own history, never
/// a guessed image or command).
pub(super) fn stuck_rollout(
    context: &mut Context<'_>,
    container: &str,
) -> (String, Option<ProposedChange>) {
    let facts = context.facts;
    let Some(deployment) = facts
        .owners
        .iter()
        .find(|owner| owner["kind"] == "Deployment")
    else {
        return (String::new(), None);
    };
    let Some(serving) = facts
        .earlier_revisions
        .iter()
        .find(|earlier| earlier.ready_replicas > 0)
    else {
        return (String::new(), None);
    };
    let namespace = context.state.namespace.clone();
    let deployment_name = text(deployment, "/metadata/name").to_string();
    let new_set = facts
        .owners
        .iter()
        .find(|owner| owner["kind"] == "ReplicaSet")
        .map(describe)
        .unwrap_or_else(|| "the new ReplicaSet".to_string());
    let mut stuck = String::new();
    if let Some(progressing) = conditions::find(deployment, "Progressing") {
        context.evidence.push(Evidence::new(
            format!("Deployment {namespace}/{deployment_name} status"),
            progressing.quote(),
        ));
        if progressing.reason == "ProgressDeadlineExceeded" {
            stuck = " (ProgressDeadlineExceeded)".to_string();
        }
    }
    let serving_image = serving.image.clone().unwrap_or_default();
    context.evidence.push(Evidence::new(
        format!("ReplicaSet {namespace}/{}", serving.name),
        format!(
            "revision {} still serves {} ready pods with image {serving_image}",
            serving.revision, serving.ready_replicas
        ),
    ));
    let current_image = context
        .container(container)
        .map(|state| state.image.clone())
        .unwrap_or_default();
    let current_revision = text(
        deployment,
        "/metadata/annotations/deployment.kubernetes.io~1revision",
    );
    let changes = template_changes(deployment, &serving.template);
    if !changes.is_empty() {
        let listed: Vec<String> = changes
            .iter()
            .map(|change| match change.change {
                ChangeKind::Changed => change.path.clone(),
                ChangeKind::Added => {
                    format!("{} (only in revision {})", change.path, serving.revision)
                }
                ChangeKind::Removed => format!("{} (added since)", change.path),
            })
            .collect();
        context.evidence.push(Evidence::new(
            format!("ReplicaSet {namespace}/{} template", serving.name),
            format!(
                "differs from Deployment {deployment_name}'s template in {}",
                listed.join(", ")
            ),
        ));
    }
    let why = format!(
        "its ReplicaSet still serves {} ready pods",
        serving.ready_replicas
    );
    let only_image = matches!(changes.as_slice(), [change]
        if change.change == ChangeKind::Changed
            && change.path == format!("spec.containers[{container}].image"));
    let added_since: Vec<&str> = changes
        .iter()
        .filter(|change| change.change == ChangeKind::Removed)
        .map(|change| change.path.as_str())
        .collect();
    let proposal = if only_image {
        workload(facts).and_then(|owner| {
            proposal::set_image(
                owner,
                container,
                &current_image,
                &serving_image,
                &format!("the image of revision {}; {why}", serving.revision),
            )
        })
    } else if added_since.is_empty() && serving.template.is_object() {
        proposal::restore_template(
            deployment,
            &serving.template,
            serving.revision,
            non_empty(current_revision, "now"),
            &format!("image {serving_image}; {why}"),
        )
    } else {
        None
    };
    let fix = match &proposal {
        Some(change) => format!(" Proposed: {}.", change.summary),
        None if !added_since.is_empty() => format!(
            " kubeop proposes no rollback: an apply cannot remove what the new revision added ({}); roll back with `kubectl rollout undo deployment/{deployment_name} -n {namespace}`.",
            added_since.join(", ")
        ),
        None => format!(
            " Roll it back with `kubectl rollout undo deployment/{deployment_name} -n {namespace}` once you have checked what changed."
        ),
    };
    let image_note = if serving_image != current_image && !serving_image.is_empty() {
        format!(" The new revision runs image {current_image}.")
    } else {
        String::new()
    };
    let note = format!(
        " The rollout of Deployment {deployment_name} is stuck{stuck}: {new_set} fails while ReplicaSet {} (revision {}) still serves {} ready pods.{image_note}{fix}",
        serving.name, serving.revision, serving.ready_replicas
    );
    (note, proposal)
}

/// How an earlier ReplicaSet's pod template differs from the Deployment's
/// (the controller's `pod-template-hash` label left out): `Changed` and
/// `Added` fields a rollback apply would set, `Removed` ones it could not
/// take away (server-side apply removes only fields its own manager set).
fn template_changes(deployment: &Value, earlier_template: &Value) -> Vec<FieldChange> {
    let wrap = |template: &Value| {
        let mut template = template.clone();
        if let Some(labels) = template
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            labels.remove(proposal::POD_TEMPLATE_HASH_LABEL);
        }
        let part = |field: &str| template.get(field).cloned().unwrap_or_else(|| json!({}));
        json!({"metadata": part("metadata"), "spec": part("spec")})
    };
    let live = deployment
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(Value::Null);
    diff(&wrap(&live), &wrap(earlier_template))
}
