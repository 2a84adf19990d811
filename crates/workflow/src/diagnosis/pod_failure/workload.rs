//! A Job or CronJob asked about by name when its pods do not tell why: a
//! Job that ran past `activeDeadlineSeconds` (the job controller stopped
//! and deleted its pods: `DeadlineExceeded`), a Job that failed and whose
//! pods are gone, a suspended Job or CronJob (nothing runs, nothing fails:
//! the question is "why doesn't it run"), and otherwise what the object's
//! own status says, so an existing Job or CronJob is never "not found".

use serde_json::{Value, json};

use super::Reads;
use crate::diagnosis::parse::{self, Event};
use crate::diagnosis::proposal;
use crate::diagnosis::reader::{ClusterReader, ReadTool};
use crate::diagnosis::{Cause, Diagnosis, DiagnosisError, Evidence, ObjectRef};

fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn count(object: &Value, pointer: &str) -> u64 {
    object.pointer(pointer).and_then(Value::as_u64).unwrap_or(0)
}

fn or_never(value: &str) -> &str {
    if value.is_empty() { "never" } else { value }
}

/// The True condition of this type, as (reason, message).
fn true_condition(object: &Value, kind: &str) -> Option<(String, String)> {
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|condition| condition["type"] == kind && condition["status"] == "True")
        .map(|condition| {
            (
                text(condition, "/reason").to_string(),
                text(condition, "/message").to_string(),
            )
        })
}

/// The Job or CronJob `name` in `namespace`, read with its events, and what
/// it says; `None` when neither exists.
pub(super) async fn diagnose<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    namespace: &str,
    name: &str,
) -> Result<Option<Diagnosis>, DiagnosisError> {
    let (object, kind) = match reads.get("batch/v1", "Job", Some(namespace), name).await? {
        Some(job) => (job, "Job"),
        None => match reads
            .get("batch/v1", "CronJob", Some(namespace), name)
            .await?
        {
            Some(cron_job) => (cron_job, "CronJob"),
            None => return Ok(None),
        },
    };
    let output = reads
        .call(
            ReadTool::EventsList,
            [("namespace", Some(json!(namespace)))],
        )
        .await?;
    // Events support the verdict; an unreadable answer must not hide it.
    let events = parse::events(&output).unwrap_or_default();
    Ok(Some(if kind == "Job" {
        job_verdict(&object, &events)
    } else {
        cron_job_verdict(&object, &events)
    }))
}

/// The object's Warning events among `events`, as evidence.
fn warnings(kind: &str, name: &str, events: &[Event]) -> Vec<Evidence> {
    events
        .iter()
        .filter(|event| {
            event.is_warning() && event.object_kind == kind && event.object_name == name
        })
        .map(|event| {
            Evidence::new(
                format!("event on {kind} {name}"),
                format!("{} {}: {}", event.event_type, event.reason, event.message),
            )
        })
        .collect()
}

fn diagnosis(
    object: &Value,
    cause: Cause,
    summary: String,
    evidence: Vec<Evidence>,
    proposal: Option<proposal::ProposedChange>,
) -> Diagnosis {
    let kind = text(object, "/kind");
    let name = text(object, "/metadata/name");
    let namespace = text(object, "/metadata/namespace");
    Diagnosis {
        subject: ObjectRef::namespaced("batch/v1", kind, name, namespace),
        cause,
        summary,
        evidence,
        proposal,
        next_steps: vec![
            format!(
                "describe {} {name} in {namespace}",
                kind.to_ascii_lowercase()
            ),
            format!("show events in {namespace}"),
        ],
        other_failing_pods: Vec::new(),
        tool_calls: 0,
    }
}

/// What a Job's status says: failed (with the controller's reason), suspended,
/// or neither.
pub(super) fn job_verdict(job: &Value, events: &[Event]) -> Diagnosis {
    let name = text(job, "/metadata/name");
    let namespace = text(job, "/metadata/namespace");
    let source = format!("Job {namespace}/{name} status");
    let failed = count(job, "/status/failed");
    let succeeded = count(job, "/status/succeeded");
    let deadline = job
        .pointer("/spec/activeDeadlineSeconds")
        .and_then(Value::as_u64);
    // The API server defaults backoffLimit to 6.
    let backoff_limit = job
        .pointer("/spec/backoffLimit")
        .and_then(Value::as_u64)
        .unwrap_or(6);
    let mut evidence = Vec::new();
    let verdict = true_condition(job, "Failed");
    if let Some((reason, message)) = &verdict {
        evidence.push(Evidence::new(
            source.clone(),
            format!("Failed=True, {reason}: {message}"),
        ));
    }
    evidence.push(Evidence::new(
        source,
        format!(
            "started {}, failed pods {failed}, succeeded {succeeded}, active {}; spec.activeDeadlineSeconds {}, spec.backoffLimit {backoff_limit}",
            or_never(text(job, "/status/startTime")),
            count(job, "/status/active"),
            deadline.map_or_else(|| "unset".to_string(), |seconds| seconds.to_string()),
        ),
    ));
    evidence.extend(warnings("Job", name, events));
    let rerun = match job
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|owner| owner["kind"] == "CronJob")
        .and_then(|owner| owner["name"].as_str())
    {
        Some(cron_job) => format!("change CronJob {cron_job}'s jobTemplate; its next run uses it"),
        None => format!(
            "fix the cause and re-create Job {name} (a Job's pod template cannot be changed)"
        ),
    };
    match verdict {
        Some((reason, _)) if reason == "DeadlineExceeded" => {
            let seconds =
                deadline.map_or_else(|| "its".to_string(), |seconds| format!("{seconds}s"));
            let summary = format!(
                "Job {name} failed (DeadlineExceeded): it was still running when its spec.activeDeadlineSeconds ({seconds}) ran out after it started at {}, so the job controller stopped its pods ({failed} counted as failed) and deleted them; no pod finished the work. Either the work needs longer than the deadline (raise activeDeadlineSeconds) or it hangs (run it again and read its logs while it runs). To run it again, {rerun}.",
                or_never(text(job, "/status/startTime")),
            );
            diagnosis(job, Cause::JobFailed, summary, evidence, None)
        }
        Some((reason, message)) => {
            let summary = format!(
                "Job {name} failed ({reason}: {message}) after {failed} failed pods (backoffLimit {backoff_limit}); its pods are no longer there to show why. To run it again, {rerun}, then read the logs of its pod."
            );
            diagnosis(job, Cause::JobFailed, summary, evidence, None)
        }
        None if job.pointer("/spec/suspend") == Some(&Value::Bool(true)) => {
            let summary = format!(
                "Job {name} is suspended (spec.suspend: true): the job controller starts no pods for it until it is resumed."
            );
            diagnosis(
                job,
                Cause::Suspended,
                summary,
                evidence,
                Some(proposal::resume(job)),
            )
        }
        None => {
            let state = match true_condition(job, "Complete") {
                Some(_) => "completed".to_string(),
                None => format!("is running ({} active pods)", count(job, "/status/active")),
            };
            let summary = format!(
                "Job {name} {state}; it has not failed ({failed} failed pods, backoffLimit {backoff_limit})."
            );
            diagnosis(job, Cause::NoFailureFound, summary, evidence, None)
        }
    }
}

/// What a CronJob's spec and status say: suspended (a plan to resume it),
/// or when it last ran.
pub(super) fn cron_job_verdict(cron_job: &Value, events: &[Event]) -> Diagnosis {
    let name = text(cron_job, "/metadata/name");
    let namespace = text(cron_job, "/metadata/namespace");
    let schedule = text(cron_job, "/spec/schedule");
    let suspended = cron_job.pointer("/spec/suspend") == Some(&Value::Bool(true));
    let active: Vec<&str> = cron_job
        .pointer("/status/active")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|job| job["name"].as_str())
        .collect();
    let last_scheduled = or_never(text(cron_job, "/status/lastScheduleTime"));
    let last_successful = or_never(text(cron_job, "/status/lastSuccessfulTime"));
    let mut evidence = vec![Evidence::new(
        format!("CronJob {namespace}/{name}"),
        format!(
            "schedule {schedule:?}, suspend {suspended}, concurrencyPolicy {}, last scheduled {last_scheduled}, last successful run {last_successful}, active jobs [{}]",
            match text(cron_job, "/spec/concurrencyPolicy") {
                "" => "Allow",
                policy => policy,
            },
            active.join(", ")
        ),
    )];
    evidence.extend(warnings("CronJob", name, events));
    if suspended {
        let summary = format!(
            "CronJob {name} is suspended (spec.suspend: true): the cronjob controller starts no Job for its schedule {schedule:?} until it is resumed (last scheduled run: {last_scheduled}). Resuming it lets the next scheduled time start a Job."
        );
        return diagnosis(
            cron_job,
            Cause::Suspended,
            summary,
            evidence,
            Some(proposal::resume(cron_job)),
        );
    }
    let summary = format!(
        "CronJob {name} is not suspended and none of its Jobs is failing now: schedule {schedule:?}, last scheduled run {last_scheduled}, last successful run {last_successful}."
    );
    diagnosis(cron_job, Cause::NoFailureFound, summary, evidence, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, name: &str, event_type: &str, reason: &str, message: &str) -> Event {
        Event {
            object_kind: kind.into(),
            object_name: name.into(),
            namespace: "data".into(),
            event_type: event_type.into(),
            reason: reason.into(),
            message: message.into(),
            timestamp: String::new(),
        }
    }

    #[test]
    fn a_job_past_its_deadline_is_named_with_its_deadline_and_start() {
        let job = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "reindex", "namespace": "data"},
            "spec": {"activeDeadlineSeconds": 600, "backoffLimit": 2},
            "status": {"startTime": "2026-11-25T08:00:00Z", "failed": 1, "conditions": [
                {"type": "Failed", "status": "True", "reason": "DeadlineExceeded",
                 "message": "Job was active longer than specified deadline"}]}});
        let events = [event(
            "Job",
            "reindex",
            "Warning",
            "DeadlineExceeded",
            "Job was active longer than specified deadline",
        )];
        let verdict = job_verdict(&job, &events);
        assert_eq!(verdict.cause, Cause::JobFailed);
        assert!(
            verdict.summary.contains(
                "Job reindex failed (DeadlineExceeded): it was still running when its spec.activeDeadlineSeconds (600s) ran out after it started at 2026-11-25T08:00:00Z"
            ),
            "{}",
            verdict.summary
        );
        assert!(verdict.summary.contains("re-create Job reindex"));
        assert_eq!(
            verdict.evidence[0].quote,
            "Failed=True, DeadlineExceeded: Job was active longer than specified deadline"
        );
        assert!(
            verdict.evidence[1]
                .quote
                .contains("spec.activeDeadlineSeconds 600")
        );
        assert_eq!(
            verdict.evidence[2].quote,
            "Warning DeadlineExceeded: Job was active longer than specified deadline"
        );
        assert!(verdict.proposal.is_none());
    }

    #[test]
    fn a_suspended_cron_job_gets_a_plan_to_resume_it() {
        let cron_job = json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "nightly-export", "namespace": "data", "uid": "u1", "resourceVersion": "7"},
            "spec": {"schedule": "0 2 * * *", "suspend": true, "jobTemplate": {"spec": {}}},
            "status": {"lastScheduleTime": "2026-11-20T02:00:00Z"}});
        let verdict = cron_job_verdict(&cron_job, &[]);
        assert_eq!(verdict.cause, Cause::Suspended);
        assert!(
            verdict
                .summary
                .contains("CronJob nightly-export is suspended")
        );
        assert!(
            verdict
                .summary
                .contains("last scheduled run: 2026-11-20T02:00:00Z")
        );
        let plan = verdict.proposal.expect("a resume");
        assert_eq!(plan.desired, "suspend false");
        assert_eq!(plan.manifest["spec"]["suspend"], false);
        assert_eq!(plan.manifest["spec"]["schedule"], "0 2 * * *");
        assert!(plan.manifest["metadata"].get("uid").is_none());

        let mut running = cron_job.clone();
        running["spec"]["suspend"] = json!(false);
        assert_eq!(cron_job_verdict(&running, &[]).cause, Cause::NoFailureFound);
    }
}
