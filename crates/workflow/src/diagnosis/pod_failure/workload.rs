//! A workload asked about by name when its pods do not tell why: a Job
//! that ran past `activeDeadlineSeconds` (the job controller stopped and
//! deleted its pods: `DeadlineExceeded`), a Job that failed and whose pods
//! are gone, a suspended Job or CronJob (nothing runs, nothing fails: the
//! question is "why doesn't it run"), a Deployment or StatefulSet scaled to
//! zero, and a paused Deployment whose changed template does not roll out.
//! Otherwise a Job's or CronJob's own status is the answer, so an existing
//! one is never "not found".

use serde_json::Value;

use super::Reads;
use crate::diagnosis::parse::{self, Event, count};
use crate::diagnosis::proposal::{self, POD_TEMPLATE_HASH_LABEL};
use crate::diagnosis::reader::ClusterReader;
use crate::diagnosis::{Cause, Diagnosis, DiagnosisError, Evidence, ObjectRef, conditions};

fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn or_never(value: &str) -> &str {
    if value.is_empty() { "never" } else { value }
}

/// The `startingDeadlineSeconds` proposed for a CronJob that missed too
/// many start times: a run may start up to five minutes late, and the
/// controller counts no run missed longer ago.
pub const PROPOSED_STARTING_DEADLINE_SECONDS: u64 = 300;

/// At most this many warnings about a failed Job's deleted pods are quoted:
/// the last ones say how they ended.
const MAX_POD_WARNINGS_QUOTED: usize = 3;

/// The kinds a workload without pods may be, in the order they are read.
const WORKLOAD_KINDS: [(&str, &str); 4] = [
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
];

/// The Job, CronJob, or zero-replica Deployment or StatefulSet `name` in
/// `namespace`, read with its events, and what it says; `None` when there
/// is none (or the Deployment asks for pods: something else is wrong).
pub(super) async fn diagnose<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    namespace: &str,
    name: &str,
) -> Result<Option<Diagnosis>, DiagnosisError> {
    let mut found = None;
    for (api_version, kind) in WORKLOAD_KINDS {
        if let Some(object) = reads.get(api_version, kind, Some(namespace), name).await? {
            found = Some((object, kind));
            break;
        }
    }
    let Some((object, kind)) = found else {
        return Ok(None);
    };
    let scaled_to_zero = object.pointer("/spec/replicas").and_then(Value::as_u64) == Some(0);
    if matches!(kind, "Deployment" | "StatefulSet") && !scaled_to_zero {
        return Ok(None);
    }
    let events = reads.events(namespace).await?;
    Ok(Some(match kind {
        "Job" => job_verdict(&object, &events),
        "CronJob" => {
            let verdict = cron_job_verdict(&object, &events);
            match last_failed_run(name, &events) {
                Some(job_name) if verdict.cause == Cause::NoFailureFound => {
                    match reads
                        .get("batch/v1", "Job", Some(namespace), &job_name)
                        .await?
                    {
                        Some(job) => last_run_failed(verdict, &job_verdict(&job, &events)),
                        None => verdict,
                    }
                }
                _ => verdict,
            }
        }
        _ => zero_replicas_verdict(&object, &events),
    }))
}

/// The Job of the CronJob `name`'s newest finished run, when it failed, as
/// the cronjob controller reported it (`SawCompletedJob: Saw completed
/// job: X, condition: Failed`).
fn last_failed_run(name: &str, events: &[Event]) -> Option<String> {
    let newest = events
        .iter()
        .enumerate()
        .filter(|(_, event)| {
            event.object_kind == "CronJob"
                && event.object_name == name
                && event.reason == "SawCompletedJob"
        })
        .max_by(|(a_index, a), (b_index, b)| {
            a.timestamp
                .cmp(&b.timestamp)
                .then_with(|| a_index.cmp(b_index))
        })?
        .1;
    let (job, condition) = newest
        .message
        .strip_prefix("Saw completed job: ")?
        .split_once(", condition: ")?;
    (condition == "Failed").then(|| job.to_owned())
}

/// A CronJob that runs on schedule but whose last run failed: the Job's
/// verdict, told as the CronJob's.
fn last_run_failed(cron_job: Diagnosis, job: &Diagnosis) -> Diagnosis {
    let mut evidence = cron_job.evidence;
    evidence.extend(job.evidence.iter().cloned());
    Diagnosis {
        cause: job.cause,
        summary: format!(
            "CronJob {} runs on schedule, but its last run, Job {}, failed: {}",
            cron_job.subject.name, job.subject.name, job.summary
        ),
        evidence,
        next_steps: job.next_steps.clone(),
        ..cron_job
    }
}

/// A Deployment or StatefulSet with `spec.replicas: 0`: when it was scaled
/// down (its events), and the count of its last `kubectl apply`, which a
/// plan restores.
fn zero_replicas_verdict(workload: &Value, events: &[Event]) -> Diagnosis {
    let kind = text(workload, "/kind");
    let name = text(workload, "/metadata/name");
    let namespace = text(workload, "/metadata/namespace");
    let mut evidence = vec![Evidence::new(
        format!("{kind} {namespace}/{name} spec"),
        "replicas: 0".to_string(),
    )];
    evidence.extend(
        events
            .iter()
            .filter(|event| {
                event.object_kind == kind
                    && event.object_name == name
                    && event.reason == "ScalingReplicaSet"
                    && event.message.ends_with(" to 0")
            })
            .map(|event| {
                Evidence::new(
                    format!("event on {kind} {name}"),
                    format!("{} {}: {}", event.event_type, event.reason, event.message),
                )
            }),
    );
    let applied = workload
        .pointer("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration")
        .and_then(Value::as_str)
        .and_then(|applied| serde_json::from_str::<Value>(applied).ok())
        .and_then(|applied| applied.pointer("/spec/replicas").and_then(Value::as_u64))
        .filter(|replicas| *replicas > 0);
    let (advice, plan) = match applied {
        Some(replicas) => {
            evidence.push(Evidence::new(
                "last-applied-configuration",
                format!("replicas: {replicas}"),
            ));
            (
                format!(
                    "Its last `kubectl apply` asked for {replicas} replicas, so it was scaled down since (`kubectl scale`, an operator or a script); scaling back to {replicas} restores it."
                ),
                Some(proposal::set_replicas(
                    workload,
                    replicas,
                    "the count of its last kubectl apply",
                )),
            )
        }
        None => (
            format!(
                "Scale it up to serve again (`scale {} {name} to N in {namespace}`); kubeop does not guess the count.",
                kind.to_ascii_lowercase()
            ),
            None,
        ),
    };
    let summary = format!(
        "{kind} {name} has no pods because it asks for none: spec.replicas is 0. Nothing is failing. {advice}"
    );
    diagnosis(workload, Cause::ScaledToZero, summary, evidence, plan)
}

/// The pod template without the label its ReplicaSet adds.
fn template_without_hash(template: Option<&Value>) -> Value {
    let mut template = template.cloned().unwrap_or(Value::Null);
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(POD_TEMPLATE_HASH_LABEL);
    }
    template
}

/// `container: image` of a pod template.
fn images(template: &Value) -> Vec<(String, String)> {
    template
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|container| {
            (
                text(container, "/name").to_string(),
                text(container, "/image").to_string(),
            )
        })
        .collect()
}

/// A healthy pod whose Deployment is paused with a changed template waiting:
/// the change does not roll out until the rollout is resumed. `owners` are
/// the pod's (ReplicaSet, Deployment); `None` when not paused or nothing
/// waits.
pub(super) fn paused_rollout(owners: &[Value]) -> Option<Diagnosis> {
    let deployment = owners.iter().find(|owner| owner["kind"] == "Deployment")?;
    if deployment.pointer("/spec/paused") != Some(&Value::Bool(true)) {
        return None;
    }
    let serving = owners.iter().find(|owner| owner["kind"] == "ReplicaSet")?;
    let wanted = template_without_hash(deployment.pointer("/spec/template"));
    let running = template_without_hash(serving.pointer("/spec/template"));
    if wanted == running {
        return None;
    }
    let name = text(deployment, "/metadata/name");
    let namespace = text(deployment, "/metadata/namespace");
    let serving_name = text(serving, "/metadata/name");
    let revision = text(
        serving,
        "/metadata/annotations/deployment.kubernetes.io~1revision",
    );
    let mut evidence = vec![Evidence::new(
        format!("Deployment {namespace}/{name} spec"),
        "paused: true".to_string(),
    )];
    if let Some(progressing) = conditions::find(deployment, "Progressing") {
        evidence.push(Evidence::new(
            format!("Deployment {namespace}/{name} status"),
            progressing.quote(),
        ));
    }
    let running_images = images(&running);
    let changes: Vec<String> = images(&wanted)
        .into_iter()
        .filter_map(|(container, image)| {
            let now = running_images
                .iter()
                .find(|(name, _)| *name == container)
                .map(|(_, image)| image.as_str())?;
            (now != image).then(|| format!("container {container}: image {now} → {image}"))
        })
        .collect();
    let change = if changes.is_empty() {
        "its pod template changed".to_string()
    } else {
        format!("its pod template changed ({})", changes.join(", "))
    };
    evidence.push(Evidence::new(
        format!("ReplicaSet {namespace}/{serving_name}"),
        format!(
            "revision {revision} serves the pods with {}",
            running_images
                .iter()
                .map(|(container, image)| format!("{container}={image}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ));
    let summary = format!(
        "Deployment {name} is paused (spec.paused: true): {change}, but nothing rolls out while it is paused; its pods still run ReplicaSet {serving_name} (revision {revision}). Resume the rollout (`kubectl rollout resume deployment/{name} -n {namespace}`) to apply the change."
    );
    Some(diagnosis(
        deployment,
        Cause::RolloutPaused,
        summary,
        evidence,
        Some(proposal::resume(deployment)),
    ))
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
    let api_version = match text(object, "/apiVersion") {
        "" => "batch/v1",
        given => given,
    };
    Diagnosis::new(
        ObjectRef::namespaced(api_version, kind, name, namespace),
        cause,
        summary,
        evidence,
        proposal,
        vec![
            format!(
                "describe {} {name} in {namespace}",
                kind.to_ascii_lowercase()
            ),
            format!("show events in {namespace}"),
        ],
    )
}

/// What a failing pod of a StatefulSet that creates its pods in order
/// (`podManagementPolicy: OrderedReady`, the default) holds up: the
/// ordinals after it are not created until it is Running and Ready, so one
/// broken replica is the whole set's outage. The evidence and the sentence
/// saying so; `None` for a Parallel set, or when every replica exists.
pub(super) fn ordered_wait(owners: &[Value], pod: &str) -> Option<(Evidence, String)> {
    let set = owners.iter().find(|owner| owner["kind"] == "StatefulSet")?;
    if text(set, "/spec/podManagementPolicy") == "Parallel" {
        return None;
    }
    let name = text(set, "/metadata/name");
    let wanted = set
        .pointer("/spec/replicas")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let created = count(set, "/status/replicas");
    let ordinal: u64 = pod.strip_prefix(&format!("{name}-"))?.parse().ok()?;
    if created >= wanted || ordinal + 1 < created {
        return None;
    }
    let waiting: Vec<String> = (ordinal + 1..wanted)
        .map(|next| format!("{name}-{next}"))
        .collect();
    let evidence = Evidence::new(
        format!("StatefulSet {}/{name}", text(set, "/metadata/namespace")),
        format!(
            "podManagementPolicy OrderedReady, spec.replicas {wanted}, status.replicas {created}"
        ),
    );
    let sentence = format!(
        "StatefulSet {name} creates its pods in order, each after the one before is Ready: {created} of {wanted} exist, and {} will not be created until {pod} is Running and Ready.",
        waiting.join(", ")
    );
    Some((evidence, sentence))
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
    let verdict = conditions::true_one(job, "Failed");
    if let Some(failed) = &verdict {
        evidence.push(Evidence::new(source.clone(), failed.quote()));
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
    // Its pods are deleted with it failing, their events are not. The job
    // controller names them NAME-x7k2p (NAME-<index>-x7k2p when indexed):
    // another Job's pods, NAME-v2-x7k2p, are not its.
    let prefix = format!("{name}-");
    let its_pod = |pod: &str| {
        pod.strip_prefix(&prefix).is_some_and(|suffix| {
            let (index, generated) = suffix.rsplit_once('-').unwrap_or(("0", suffix));
            generated.len() == 5 && index.chars().all(|digit| digit.is_ascii_digit())
        })
    };
    let pod_warnings: Vec<&Event> = events
        .iter()
        .filter(|event| {
            event.is_warning() && event.object_kind == "Pod" && its_pod(&event.object_name)
        })
        .collect();
    let skip = pod_warnings.len().saturating_sub(MAX_POD_WARNINGS_QUOTED);
    for event in pod_warnings.iter().skip(skip) {
        evidence.push(Evidence::new(
            format!("event on Pod {}", event.object_name),
            format!("{} {}: {}", event.event_type, event.reason, event.message),
        ));
    }
    let pods_said = match pod_warnings.last() {
        Some(last) => format!(
            "its pods are gone, and the last warning about them was \"{}: {}\"",
            last.reason, last.message
        ),
        None => "its pods are no longer there to show why".to_owned(),
    };
    let rerun = match parse::owner_named(job, "CronJob") {
        Some(cron_job) => format!("change CronJob {cron_job}'s jobTemplate; its next run uses it"),
        None => format!(
            "fix the cause and re-create Job {name} (a Job's pod template cannot be changed)"
        ),
    };
    match verdict {
        Some(failed_condition) if failed_condition.reason == "DeadlineExceeded" => {
            let seconds =
                deadline.map_or_else(|| "its".to_string(), |seconds| format!("{seconds}s"));
            let summary = format!(
                "Job {name} failed (DeadlineExceeded): it was still running when its spec.activeDeadlineSeconds ({seconds}) ran out after it started at {}, so the job controller stopped its pods ({failed} counted as failed) and deleted them; no pod finished the work. Either the work needs longer than the deadline (raise activeDeadlineSeconds) or it hangs (run it again and read its logs while it runs). To run it again, {rerun}.",
                or_never(text(job, "/status/startTime")),
            );
            diagnosis(job, Cause::JobFailed, summary, evidence, None)
        }
        Some(failed_condition) => {
            let summary = format!(
                "Job {name} failed ({}) after {failed} failed pods (backoffLimit {backoff_limit}); {pods_said}. To run it again, {rerun}, then read the logs of its pod.",
                failed_condition.reason_and_message()
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
            let state = match conditions::true_one(job, "Complete") {
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
    let policy = text(cron_job, "/spec/concurrencyPolicy");
    let skipped: Vec<&Event> = events
        .iter()
        .filter(|event| {
            event.object_kind == "CronJob"
                && event.object_name == name
                && event.reason == "JobAlreadyActive"
        })
        .collect();
    let too_many_missed = events.iter().any(|event| {
        event.object_kind == "CronJob"
            && event.object_name == name
            && event.reason == "TooManyMissedTimes"
    });
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
    if policy == "Forbid" && !active.is_empty() && !skipped.is_empty() {
        evidence.extend(skipped.iter().map(|event| {
            Evidence::new(
                format!("event on CronJob {name}"),
                format!("{} {}: {}", event.event_type, event.reason, event.message),
            )
        }));
        let running = active.join(", ");
        let summary = format!(
            "CronJob {name} starts no new Job: its concurrencyPolicy is Forbid and Job {running}, started for the run of {last_scheduled}, is still running, so the cronjob controller skips every run due since (JobAlreadyActive). The running Job is the problem: it takes longer than the schedule {schedule:?} leaves it (it hangs, or the work outgrew the interval). Read its pods' logs; if it hangs, deleting Job {running} lets the next scheduled run start, and spec.jobTemplate.spec.activeDeadlineSeconds bounds later runs."
        );
        let mut verdict = diagnosis(cron_job, Cause::CronJobBlocked, summary, evidence, None);
        verdict
            .next_steps
            .insert(0, format!("describe job {} in {namespace}", active[0]));
        return verdict;
    }
    if too_many_missed {
        let deadline = cron_job
            .pointer("/spec/startingDeadlineSeconds")
            .and_then(Value::as_u64);
        let proposal = match deadline {
            Some(seconds) if seconds <= PROPOSED_STARTING_DEADLINE_SECONDS => None,
            _ => Some(proposal::set_starting_deadline(
                cron_job,
                PROPOSED_STARTING_DEADLINE_SECONDS,
            )),
        };
        let fix = match &proposal {
            Some(change) => format!(" Proposed: {}.", change.summary),
            None => String::new(),
        };
        let summary = format!(
            "CronJob {name} missed more than 100 start times of its schedule {schedule:?} since its last scheduled run ({last_scheduled}) (TooManyMissedTimes): nothing started them while it was suspended, its controller was down or the clock skewed. The controller starts only the latest missed run; the others are lost. Without a small spec.startingDeadlineSeconds (now {}) it counts every run missed since the last one.{fix}",
            deadline.map_or_else(|| "unset".to_string(), |seconds| format!("{seconds}s"))
        );
        return diagnosis(
            cron_job,
            Cause::MissedSchedules,
            summary,
            evidence,
            proposal,
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
    use serde_json::json;

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
    fn a_failing_ordinal_of_an_ordered_stateful_set_holds_up_the_ones_after_it() {
        let set = |policy: Option<&str>, created: u64| {
            let mut set = json!({"kind": "StatefulSet",
                "metadata": {"name": "ledger-db", "namespace": "billing"},
                "spec": {"replicas": 3}, "status": {"replicas": created}});
            if let Some(policy) = policy {
                set["spec"]["podManagementPolicy"] = json!(policy);
            }
            set
        };
        let (evidence, sentence) =
            ordered_wait(&[set(None, 1)], "ledger-db-0").expect("ordinals wait");
        assert_eq!(
            evidence.quote,
            "podManagementPolicy OrderedReady, spec.replicas 3, status.replicas 1"
        );
        assert!(
            sentence.contains("1 of 3 exist, and ledger-db-1, ledger-db-2 will not be created until ledger-db-0 is Running and Ready"),
            "{sentence}"
        );
        assert!(ordered_wait(&[set(Some("Parallel"), 1)], "ledger-db-0").is_none());
        assert!(ordered_wait(&[set(None, 3)], "ledger-db-0").is_none());
        // An earlier ordinal than the last created holds nothing up by itself.
        assert!(ordered_wait(&[set(None, 2)], "ledger-db-0").is_none());
    }

    #[test]
    fn the_newest_finished_run_of_a_cron_job_is_read_from_its_controllers_events() {
        let saw = |job: &str, condition: &str, at: &str| Event {
            timestamp: at.into(),
            ..event(
                "CronJob",
                "backup",
                "Normal",
                "SawCompletedJob",
                &format!("Saw completed job: {job}, condition: {condition}"),
            )
        };
        let events = [
            saw("backup-29000001", "Complete", "2026-11-26T08:01:00Z"),
            saw("backup-29000002", "Failed", "2026-11-26T08:02:00Z"),
        ];
        assert_eq!(
            last_failed_run("backup", &events),
            Some("backup-29000002".to_owned())
        );
        let recovered = [
            events[1].clone(),
            saw("backup-29000003", "Complete", "2026-11-26T08:03:00Z"),
        ];
        assert_eq!(last_failed_run("backup", &recovered), None);
        assert_eq!(last_failed_run("other", &events), None);
    }

    #[test]
    fn a_failed_jobs_deleted_pods_are_read_from_their_events() {
        let job = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "nightly-export", "namespace": "data"},
            "spec": {"backoffLimit": 1},
            "status": {"failed": 1, "conditions": [
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit"}]}});
        let back_off =
            "Back-off restarting failed container export in pod nightly-export-x7k2p_data(1)";
        let events = [
            event(
                "Pod",
                "nightly-export-x7k2p",
                "Warning",
                "BackOff",
                back_off,
            ),
            event(
                "Pod",
                "other-job-x7k2p",
                "Warning",
                "BackOff",
                "not about it",
            ),
            event(
                "Pod",
                "nightly-export-v2-x7k2p",
                "Warning",
                "BackOff",
                "not about it",
            ),
        ];
        let verdict = job_verdict(&job, &events);
        assert!(
            verdict.summary.contains(&format!(
                "its pods are gone, and the last warning about them was \"BackOff: {back_off}\""
            )),
            "{}",
            verdict.summary
        );
        assert!(
            verdict
                .evidence
                .iter()
                .any(|line| line.source == "event on Pod nightly-export-x7k2p")
        );
        assert!(
            !verdict
                .evidence
                .iter()
                .any(|line| line.quote.contains("not about it"))
        );
        assert!(
            job_verdict(&job, &[])
                .summary
                .contains("its pods are no longer there to show why")
        );
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

    #[test]
    fn a_deployment_at_zero_is_scaled_back_to_its_last_applied_count_only_when_known() {
        let applied = r#"{"spec":{"replicas":4}}"#;
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "data",
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": applied}},
            "spec": {"replicas": 0}});
        let events = [event(
            "Deployment",
            "web",
            "Normal",
            "ScalingReplicaSet",
            "Scaled down replica set web-5d8f to 0 from 4",
        )];
        let verdict = zero_replicas_verdict(&deployment, &events);
        assert_eq!(verdict.cause, Cause::ScaledToZero);
        assert_eq!(
            verdict.proposal.expect("a scale back").desired,
            "replicas 4"
        );
        let mut unknown = deployment.clone();
        unknown["metadata"]["annotations"] = json!({});
        let verdict = zero_replicas_verdict(&unknown, &[]);
        assert!(verdict.proposal.is_none(), "no guessed count");
        assert!(verdict.summary.contains("kubeop does not guess the count"));
    }

    #[test]
    fn a_paused_deployment_is_the_cause_only_when_a_change_waits() {
        let template = |image: &str| {
            json!({"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]}})
        };
        let mut served = template("web:1");
        served["metadata"]["labels"]["pod-template-hash"] = json!("5d8f");
        let replica_set = json!({"kind": "ReplicaSet",
            "metadata": {"name": "web-5d8f", "namespace": "data",
                "annotations": {"deployment.kubernetes.io/revision": "3"}},
            "spec": {"template": served}});
        let deployment = |paused: bool, image: &str| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "data"},
                "spec": {"paused": paused, "template": template(image)}})
        };
        let verdict = paused_rollout(&[replica_set.clone(), deployment(true, "web:2")])
            .expect("a waiting change");
        assert_eq!(verdict.cause, Cause::RolloutPaused);
        assert!(
            verdict
                .summary
                .contains("container web: image web:1 → web:2")
        );
        assert!(verdict.summary.contains("ReplicaSet web-5d8f (revision 3)"));
        assert_eq!(verdict.proposal.expect("resume").desired, "paused false");
        assert_eq!(
            paused_rollout(&[replica_set.clone(), deployment(true, "web:1")]),
            None
        );
        assert_eq!(
            paused_rollout(&[replica_set, deployment(false, "web:2")]),
            None
        );
    }
}
