//! The CronJob controller: a Job for each due run of the schedule, with the
//! concurrency policy, suspension, history limits, status and events of the
//! real `cronjob-controller`.
//!
//! Like the real controller it starts only the latest due run (missed older
//! runs are skipped, with `TooManyMissedTimes` past the limit), names the Job
//! `<cronjob>-<scheduled time in Unix minutes>` so a run is never started
//! twice, and counts every Job it controls as its own, so a Job made by
//! `kubectl create job --from=cronjob/x` is active for `Forbid` too.
//! Schedules are evaluated in `spec.timeZone` (UTC when unset), as the real
//! controller does.

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};

use super::workloads::{is_deleting, name, namespace, not_deleting, uid};
use super::{
    Action, EventCount, Kind, Snapshot, controller_event, controller_event_draft, controller_uid,
    creation_time, job_outcome, text,
};
use crate::clock::{parse_rfc3339, rfc3339, unix_seconds};
use crate::cron::{Schedule, TOO_MANY_MISSED};
use crate::meta::controller_reference;
use crate::zone::Zone;

/// The component name on the controller's events.
const COMPONENT: &str = "cronjob-controller";

/// The annotation a scheduled Job carries: when its run was due.
pub const SCHEDULED_TIMESTAMP_ANNOTATION: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

fn history_limit(cron_job: &Value, field: &str, default: usize) -> usize {
    cron_job
        .pointer(&format!("/spec/{field}"))
        .and_then(Value::as_u64)
        .map_or(default, |limit| limit as usize)
}

fn time_at(object: &Value, pointer: &str) -> Option<SystemTime> {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
}

/// The `status.active` entry of a Job (kept as first written, as the real
/// controller does, so a Job's later writes do not rewrite its CronJob).
fn active_reference(cron_job: &Value, job: &Value) -> Value {
    let listed = cron_job
        .pointer("/status/active")
        .and_then(Value::as_array)
        .and_then(|active| active.iter().find(|entry| entry["uid"] == uid(job)));
    listed.cloned().unwrap_or_else(|| {
        json!({
            "kind": "Job",
            "namespace": namespace(job),
            "name": name(job),
            "uid": uid(job),
            "apiVersion": "batch/v1",
            "resourceVersion": text(job, "/metadata/resourceVersion"),
        })
    })
}

/// The Job of the run due at `scheduled`, from the CronJob's `jobTemplate`.
fn job_for_run(
    cron_job: &Value,
    job_name: &str,
    scheduled: SystemTime,
    created: SystemTime,
) -> Value {
    let template = cron_job
        .pointer("/spec/jobTemplate")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut annotations = template
        .pointer("/metadata/annotations")
        .cloned()
        .unwrap_or_else(|| json!({}));
    annotations[SCHEDULED_TIMESTAMP_ANNOTATION] = json!(rfc3339(scheduled));
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": job_name,
            "namespace": namespace(cron_job),
            "labels": template.pointer("/metadata/labels").cloned().unwrap_or_else(|| json!({})),
            "annotations": annotations,
            "ownerReferences": [controller_reference(cron_job)],
            "creationTimestamp": rfc3339(created),
        },
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    })
}

/// An event recorded once however often a pass sees its cause again (a
/// skipped run stays skipped until the next one is due).
fn event_once(
    cron_job: &Value,
    event_type: &'static str,
    reason: &'static str,
    message: String,
    at: SystemTime,
) -> Action {
    event_counted(cron_job, (event_type, reason), message, at, 1)
}

/// An event whose total count the controller's state tells (a skipped run
/// per schedule tick since the running Job started).
fn event_counted(
    cron_job: &Value,
    (event_type, reason): (&'static str, &'static str),
    message: String,
    at: SystemTime,
    count: u32,
) -> Action {
    let mut draft = controller_event_draft(cron_job, COMPONENT, event_type, reason, message, at);
    draft.count = EventCount::Total(count);
    Action::Record(draft)
}

/// Deletes the oldest of `jobs` beyond `limit`, with the controller's events.
fn trim_history(
    cron_job: &Value,
    mut jobs: Vec<&Value>,
    limit: usize,
    now: SystemTime,
) -> Vec<Action> {
    jobs.sort_by_key(|job| (creation_time(job), name(job).to_string()));
    let surplus = jobs.len().saturating_sub(limit);
    jobs.into_iter()
        .take(surplus)
        .flat_map(|job| delete_job(cron_job, job, now))
        .collect()
}

/// Deleting one of the CronJob's Jobs (its pods go with it), with the event.
fn delete_job(cron_job: &Value, job: &Value, now: SystemTime) -> [Action; 2] {
    [
        Action::Delete(Kind::Job, namespace(job).to_string(), name(job).to_string()),
        controller_event(
            cron_job,
            COMPONENT,
            "Normal",
            "SuccessfulDelete",
            format!("Deleted job {}", name(job)),
            now,
        ),
    ]
}

/// CronJobs: start due runs, track active Jobs, keep the history limits.
pub fn cron_jobs(snapshot: &Snapshot) -> Vec<Action> {
    let now = snapshot.now();
    let mut actions = Vec::new();
    for cron_job in not_deleting(&snapshot.cron_jobs) {
        let owned: Vec<&Value> = snapshot
            .jobs
            .iter()
            .filter(|job| controller_uid(job) == Some(uid(cron_job)) && !is_deleting(job))
            .collect();
        let (finished, mut active): (Vec<&Value>, Vec<&Value>) = owned
            .into_iter()
            .partition(|job| job_outcome(job).is_some());
        let mut status = cron_job
            .get("status")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();

        let listed_active = |job: &Value| {
            cron_job
                .pointer("/status/active")
                .and_then(Value::as_array)
                .is_some_and(|listed| listed.iter().any(|entry| entry["uid"] == uid(job)))
        };
        for job in finished.iter().filter(|job| listed_active(job)) {
            let outcome = job_outcome(job).unwrap_or("Complete");
            actions.push(controller_event(
                cron_job,
                COMPONENT,
                "Normal",
                "SawCompletedJob",
                format!("Saw completed job: {}, condition: {outcome}", name(job)),
                now,
            ));
        }
        let last_success = finished
            .iter()
            .filter(|job| job_outcome(job) == Some("Complete"))
            .filter_map(|job| time_at(job, "/status/completionTime"))
            .chain(time_at(cron_job, "/status/lastSuccessfulTime"))
            .max();
        if let Some(time) = last_success {
            status.insert("lastSuccessfulTime".into(), json!(rfc3339(time)));
        }
        let (succeeded, failed): (Vec<&Value>, Vec<&Value>) = finished
            .into_iter()
            .partition(|job| job_outcome(job) == Some("Complete"));
        actions.extend(trim_history(
            cron_job,
            succeeded,
            history_limit(cron_job, "successfulJobsHistoryLimit", 3),
            now,
        ));
        actions.extend(trim_history(
            cron_job,
            failed,
            history_limit(cron_job, "failedJobsHistoryLimit", 1),
            now,
        ));

        if cron_job.pointer("/spec/suspend") != Some(&json!(true)) {
            actions.extend(start_due_run(snapshot, cron_job, &mut active, &mut status));
        }

        let references: Vec<Value> = active
            .iter()
            .map(|job| active_reference(cron_job, job))
            .collect();
        if references.is_empty() {
            status.remove("active");
        } else {
            status.insert("active".into(), Value::Array(references));
        }
        let status = Value::Object(status);
        if cron_job.get("status") != Some(&status) {
            let mut updated = cron_job.clone();
            updated["status"] = status;
            actions.push(Action::ReplaceStatus(Kind::CronJob, updated));
        }
    }
    actions
}

/// The latest due run, if any: created, skipped (`Forbid`) or replacing the
/// active Jobs (`Replace`), with `lastScheduleTime` moved when it started.
fn start_due_run(
    snapshot: &Snapshot,
    cron_job: &Value,
    active: &mut Vec<&Value>,
    status: &mut Map<String, Value>,
) -> Vec<Action> {
    let now = snapshot.now();
    let mut actions = Vec::new();
    let schedule = match Schedule::parse(text(cron_job, "/spec/schedule")) {
        Ok(schedule) => schedule,
        Err(error) => {
            actions.push(event_once(
                cron_job,
                "Warning",
                "UnparseableSchedule",
                format!(
                    "unparseable schedule: \"{}\" : {error}",
                    text(cron_job, "/spec/schedule")
                ),
                now,
            ));
            return actions;
        }
    };
    let Some(mut since) =
        time_at(cron_job, "/status/lastScheduleTime").or_else(|| creation_time(cron_job))
    else {
        return actions;
    };
    if let Some(deadline) = cron_job
        .pointer("/spec/startingDeadlineSeconds")
        .and_then(Value::as_u64)
        && let Some(earliest) = now.checked_sub(Duration::from_secs(deadline))
    {
        since = since.max(earliest);
    }
    let zone = match cron_job.pointer("/spec/timeZone").and_then(Value::as_str) {
        None => Zone::utc(),
        Some(name) => match Zone::load(name) {
            Ok(zone) => zone,
            Err(error) => {
                actions.push(event_once(
                    cron_job,
                    "Warning",
                    "UnknownTimeZone",
                    format!("invalid timeZone: \"{name}\": {error}"),
                    now,
                ));
                return actions;
            }
        },
    };
    let Some((scheduled, due_runs)) = schedule.latest_due(since, now, &zone) else {
        return actions;
    };
    if due_runs > TOO_MANY_MISSED {
        actions.push(event_once(
            cron_job,
            "Warning",
            "TooManyMissedTimes",
            format!(
                "too many missed start times: {}. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
                due_runs - 1
            ),
            now,
        ));
    }
    let policy = text(cron_job, "/spec/concurrencyPolicy");
    // Replaying the history of a Forbid CronJob that never ran, its first
    // due run starts first, at its own time: a Job of it still running when
    // the next runs are due blocks them, as on a cluster that ran all along
    // (a Job that finished lets the latest run start on the next pass).
    let scheduled = if snapshot.history
        && policy == "Forbid"
        && active.is_empty()
        && cron_job.pointer("/status/lastScheduleTime").is_none()
        && (2..=TOO_MANY_MISSED).contains(&due_runs)
    {
        schedule.next_after_in(since, &zone).unwrap_or(scheduled)
    } else {
        scheduled
    };
    let job_name = format!("{}-{}", name(cron_job), unix_seconds(scheduled) / 60);
    let exists = snapshot
        .jobs
        .iter()
        .any(|job| name(job) == job_name && namespace(job) == namespace(cron_job));
    if exists {
        status.insert("lastScheduleTime".into(), json!(rfc3339(scheduled)));
        return actions;
    }
    match policy {
        "Forbid" if !active.is_empty() => {
            // lastScheduleTime stays at the running Job's run: every run due
            // since was skipped, one event each (aggregated).
            actions.push(event_counted(
                cron_job,
                ("Normal", "JobAlreadyActive"),
                "Not starting job because prior execution is running and concurrency policy is Forbid".to_string(),
                scheduled,
                u32::try_from(due_runs).unwrap_or(u32::MAX),
            ));
            return actions;
        }
        "Replace" => {
            for job in active.drain(..) {
                actions.extend(delete_job(cron_job, job, now));
            }
        }
        _ => {}
    }
    let created = if snapshot.history { scheduled } else { now };
    actions.push(Action::Create(
        Kind::Job,
        job_for_run(cron_job, &job_name, scheduled, created),
    ));
    actions.push(controller_event(
        cron_job,
        COMPONENT,
        "Normal",
        "SuccessfulCreate",
        format!("Created job {job_name}"),
        created,
    ));
    status.insert("lastScheduleTime".into(), json!(rfc3339(scheduled)));
    actions
}
