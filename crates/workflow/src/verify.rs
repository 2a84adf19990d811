//! Verification: never from the tool's output alone. After a change the
//! cluster is read back until it shows the planned state, a definitive
//! failure shows up, or the deadline passes.
//!
//! Polls use `resources_get` (un-throttled); the pod list that explains a
//! stuck rollout is a throttled list call, so it is read only every few polls.

use std::time::{Duration, Instant};

use hitl::policy::PlanTarget;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::cluster::{Cluster, Fetched, cell};
use crate::diagnosis::conditions;
use crate::diff::{self, ChangeKind};
use crate::error::WorkflowError;
use crate::plan::Replicas;
use crate::response::Outcome;

/// Every how many polls a stuck rollout's pods are listed for a failure
/// reason (the list is rate-limited by the server; the object read is not).
const POD_CHECK_EVERY: u32 = 3;

/// Pod statuses (kubectl's STATUS column) that will not heal by waiting.
const FAILING_POD_STATUSES: [&str; 8] = [
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "OOMKilled",
    "Error",
    "CreateContainerConfigError",
    "CreateContainerError",
];

/// The verification deadlines and polling pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyTimings {
    /// Pause between two reads of the same object.
    pub poll_interval: Duration,
    /// How long a scale may take to reach its ready count, and a pod
    /// template change to roll out.
    pub scale: Duration,
    /// How long a deletion may take (graceful termination included).
    pub delete: Duration,
    /// How long a new pod may take to run.
    pub pod_start: Duration,
    /// How long a Job run now ("run db-backup now") is waited on to
    /// complete; one still running then is reported unverified, not done.
    pub job: Duration,
}

impl Default for VerifyTimings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(500),
            scale: Duration::from_secs(120),
            delete: Duration::from_secs(60),
            pod_start: Duration::from_secs(60),
            job: Duration::from_secs(300),
        }
    }
}

/// What verification concluded, and what shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub(crate) outcome: Outcome,
    pub(crate) evidence: Vec<String>,
}

impl Verdict {
    pub(crate) fn new(outcome: Outcome, evidence: Vec<String>) -> Self {
        Self { outcome, evidence }
    }
}

/// Where progress lines go while a change is verified. Progress is
/// informational: when the receiver is slow, lines are dropped, never waited for.
#[derive(Debug, Clone, Default)]
pub struct ProgressSink(Option<mpsc::Sender<String>>);

impl ProgressSink {
    /// Progress into `sender` (bounded by whoever made it).
    pub fn to(sender: mpsc::Sender<String>) -> Self {
        Self(Some(sender))
    }

    pub(crate) fn report(&self, line: impl Into<String>) {
        let line = line.into();
        tracing::info!(progress = %line);
        if let Some(sender) = &self.0 {
            // A full or closed channel only loses a progress line.
            let _ = sender.try_send(line);
        }
    }
}

/// Scale: until `readyReplicas` (and the replica count) equal `wanted`.
pub(crate) async fn scaled(
    cluster: &Cluster,
    target: &PlanTarget,
    api_version: &str,
    wanted: u64,
    timings: VerifyTimings,
    progress: &ProgressSink,
) -> Result<Verdict, WorkflowError> {
    until_settled(
        cluster,
        target,
        api_version,
        &[],
        timings,
        progress,
        |object| Scale::of(object, wanted),
    )
    .await
}

/// A workload's state as one poll reads it, and the words each verdict on
/// it uses: what [`until_settled`] needs to wait on a scale and a rollout
/// alike.
trait Settling: Copy + PartialEq {
    /// What the check says when the object is gone ("disappeared while
    /// scaling"); the server's message follows it.
    const GONE: &'static str;
    /// Whether the workload shows the planned state.
    fn complete(self) -> bool;
    /// The progress line while it does not (`on`: the target and its namespace).
    fn waiting(self, on: &str) -> String;
    /// The evidence of a `Verified` verdict, `seconds` after the change.
    fn verified(self, label: &str, seconds: u64) -> String;
    /// The line before the failing pods of a `Failed` verdict.
    fn failing(self, label: &str) -> String;
    /// The `Unverified` verdict's line when the deadline of
    /// `deadline_seconds` passed, before the pods' states.
    fn stuck(self, label: &str, deadline_seconds: u64) -> String;
}

/// Polls `target` until the state `read` from it is complete (`Verified`),
/// one of its pods other than `known_pods` shows a failure waiting won't
/// fix (`Failed`; looked for every [`POD_CHECK_EVERY`] polls), or the scale
/// deadline passes (`Unverified`, with its pods' states). The object's
/// disappearance fails the check. A progress line goes out whenever the
/// state changes.
async fn until_settled<S: Settling>(
    cluster: &Cluster,
    target: &PlanTarget,
    api_version: &str,
    known_pods: &[String],
    timings: VerifyTimings,
    progress: &ProgressSink,
    read: impl Fn(&Value) -> S,
) -> Result<Verdict, WorkflowError> {
    let started = Instant::now();
    let mut last_seen = None;
    let mut polls = 0u32;
    loop {
        let fetched = get(cluster, target, api_version).await?;
        let object = match found_or_failed(fetched, target, S::GONE) {
            Ok(object) => object,
            Err(failed) => return Ok(failed),
        };
        let state = read(&object);
        if last_seen != Some(state) {
            progress.report(state.waiting(&waited_on(target)));
            last_seen = Some(state);
        }
        if state.complete() {
            return Ok(Verdict::new(
                Outcome::Verified,
                vec![state.verified(&label(target), started.elapsed().as_secs())],
            ));
        }
        polls += 1;
        if polls.is_multiple_of(POD_CHECK_EVERY)
            && let Some(failures) = failing_pods(cluster, target, &object, known_pods).await?
        {
            let mut evidence = vec![state.failing(&label(target))];
            evidence.extend(failures);
            return Ok(Verdict::new(Outcome::Failed, evidence));
        }
        if started.elapsed() >= timings.scale {
            let mut evidence = vec![state.stuck(&label(target), timings.scale.as_secs())];
            evidence.extend(pod_states(cluster, target, &object).await?);
            return Ok(Verdict::new(Outcome::Unverified, evidence));
        }
        tokio::time::sleep(timings.poll_interval).await;
    }
}

/// Where a scale stands, from the workload's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scale {
    /// The replica count the change asked for.
    wanted: u64,
    /// Ready replicas.
    ready: u64,
    /// Replicas that exist (ready or not).
    current: u64,
}

impl Scale {
    fn of(object: &Value, wanted: u64) -> Scale {
        Scale {
            wanted,
            ready: Replicas::of(object).map_or(0, |replicas| replicas.ready),
            current: object
                .pointer("/status/replicas")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        }
    }
}

impl Settling for Scale {
    const GONE: &'static str = "disappeared while scaling";

    fn complete(self) -> bool {
        self.ready == self.wanted && self.current == self.wanted
    }

    fn waiting(self, on: &str) -> String {
        format!(
            "waiting for {}/{} replicas of {on} to be ready ({} exist)",
            self.ready, self.wanted, self.current
        )
    }

    fn verified(self, label: &str, seconds: u64) -> String {
        format!(
            "{label}: readyReplicas {} = target {}, after {seconds}s",
            self.ready, self.wanted
        )
    }

    fn failing(self, label: &str) -> String {
        format!(
            "{label}: {}/{} ready, and its pods are failing:",
            self.ready, self.wanted
        )
    }

    fn stuck(self, label: &str, deadline_seconds: u64) -> String {
        format!(
            "{label}: {}/{} ready when the {deadline_seconds}s deadline passed",
            self.ready, self.wanted
        )
    }
}

/// Delete: until the object answers "not found", waiting out graceful deletion.
pub(crate) async fn deleted(
    cluster: &Cluster,
    target: &PlanTarget,
    api_version: &str,
    timings: VerifyTimings,
    progress: &ProgressSink,
) -> Result<Verdict, WorkflowError> {
    let started = Instant::now();
    let mut reported_terminating = false;
    loop {
        match get(cluster, target, api_version).await? {
            Fetched::Missing(message) => {
                return Ok(Verdict::new(
                    Outcome::Verified,
                    vec![format!(
                        "{} is gone after {}s: {message}",
                        label(target),
                        started.elapsed().as_secs()
                    )],
                ));
            }
            Fetched::Found(object) => {
                let terminating = object.pointer("/metadata/deletionTimestamp").is_some();
                if terminating && !reported_terminating {
                    progress.report(format!(
                        "waiting for {} to be gone: terminating",
                        waited_on(target)
                    ));
                    reported_terminating = true;
                }
                if started.elapsed() >= timings.delete {
                    return Ok(Verdict::new(
                        Outcome::Unverified,
                        vec![format!(
                            "{} still exists after {}s{}",
                            label(target),
                            timings.delete.as_secs(),
                            if terminating { " (terminating)" } else { "" }
                        )],
                    ));
                }
            }
        }
        tokio::time::sleep(timings.poll_interval).await;
    }
}

/// Create/update: the object exists and every field of the plan has the
/// planned value.
pub(crate) async fn applied(
    cluster: &Cluster,
    target: &PlanTarget,
    api_version: &str,
    manifest: &Value,
) -> Result<Verdict, WorkflowError> {
    let fetched = get(cluster, target, api_version).await?;
    let object = match found_or_failed(fetched, target, "does not exist after the apply") {
        Ok(object) => object,
        Err(failed) => return Ok(failed),
    };
    let planned_fields = leaf_count(&diff::user_fields(manifest));
    let mismatches: Vec<String> = diff::diff(&object, manifest)
        .into_iter()
        .filter(|change| change.change != ChangeKind::Removed)
        .map(|change| {
            format!(
                "{}: planned {}, found {}",
                change.path,
                change.desired.unwrap_or(Value::Null),
                change.live.unwrap_or(Value::Null)
            )
        })
        .collect();
    if mismatches.is_empty() {
        Ok(Verdict::new(
            Outcome::Verified,
            vec![format!(
                "{} exists and all {planned_fields} fields of the plan match",
                label(target)
            )],
        ))
    } else {
        let mut evidence = vec![format!(
            "{} exists but {} of {planned_fields} planned fields differ:",
            label(target),
            mismatches.len()
        )];
        evidence.extend(mismatches);
        Ok(Verdict::new(Outcome::Failed, evidence))
    }
}

/// Workload kinds whose pods are replaced when their pod template changes.
const ROLLING_KINDS: [&str; 3] = ["Deployment", "StatefulSet", "DaemonSet"];

/// What a rollout is checked against: the workload's pods before the
/// change, so a pod that was already failing is not taken for the new
/// template's failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RolloutBaseline {
    /// The names of the workload's pods before the change.
    pods_before: Vec<String>,
}

/// Read before a create/update runs: when `manifest` changes the pod
/// template of a live Deployment, StatefulSet or DaemonSet (a restart, a
/// new image, new resource limits), its pods will be replaced, so the
/// change is verified only once the new pods are ready. `None` for every
/// other change (a label, a new object), which the applied fields verify.
pub(crate) async fn rollout_baseline(
    cluster: &Cluster,
    target: &PlanTarget,
    manifest: &Value,
) -> Result<Option<RolloutBaseline>, WorkflowError> {
    if !ROLLING_KINDS.contains(&target.kind.as_str()) {
        return Ok(None);
    }
    let Some(planned_template) = manifest.pointer("/spec/template") else {
        return Ok(None);
    };
    let api_version = manifest
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("apps/v1");
    let Fetched::Found(live) = get(cluster, target, api_version).await? else {
        return Ok(None);
    };
    let live_template = live.pointer("/spec/template").unwrap_or(&Value::Null);
    let template_changes = diff::diff(live_template, planned_template)
        .into_iter()
        .any(|change| change.change != ChangeKind::Removed);
    if !template_changes {
        return Ok(None);
    }
    let pods_before = pods_of(cluster, target, &live)
        .await?
        .unwrap_or_default()
        .iter()
        .filter_map(|row| cell(row, "name").map(str::to_owned))
        .collect();
    Ok(Some(RolloutBaseline { pods_before }))
}

/// A pod template change: until the workload has rolled out (its
/// controller saw the new generation, every replica runs the new template
/// and is ready, the old pods are gone), a new pod shows a failure waiting
/// won't fix, or the deadline (the scale one) passes.
pub(crate) async fn rolled_out(
    cluster: &Cluster,
    target: &PlanTarget,
    api_version: &str,
    baseline: &RolloutBaseline,
    timings: VerifyTimings,
    progress: &ProgressSink,
) -> Result<Verdict, WorkflowError> {
    until_settled(
        cluster,
        target,
        api_version,
        &baseline.pods_before,
        timings,
        progress,
        |object| Rollout::of(&target.kind, object),
    )
    .await
}

/// Where a workload's rollout stands, from its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rollout {
    /// The controller has seen the latest spec (`observedGeneration`).
    observed: bool,
    /// Replicas the spec asks for (a DaemonSet: nodes it should run on).
    wanted: u64,
    /// Replicas running the latest template.
    updated: u64,
    /// Ready replicas.
    ready: u64,
    /// Replicas of any template (old ones included).
    total: u64,
}

impl Rollout {
    fn of(kind: &str, object: &Value) -> Rollout {
        let number = |pointer: &str| object.pointer(pointer).and_then(Value::as_u64);
        let observed = match (
            number("/status/observedGeneration"),
            number("/metadata/generation"),
        ) {
            (Some(observed), Some(generation)) => observed >= generation,
            _ => false,
        };
        if kind == "DaemonSet" {
            let wanted = number("/status/desiredNumberScheduled").unwrap_or(0);
            return Rollout {
                observed,
                wanted,
                updated: number("/status/updatedNumberScheduled").unwrap_or(0),
                ready: number("/status/numberReady").unwrap_or(0),
                total: number("/status/currentNumberScheduled").unwrap_or(0),
            };
        }
        let wanted = number("/spec/replicas").unwrap_or(1);
        Rollout {
            observed,
            wanted,
            updated: number("/status/updatedReplicas").unwrap_or(0),
            ready: number("/status/readyReplicas").unwrap_or(0),
            total: number("/status/replicas").unwrap_or(0),
        }
    }
}

impl Settling for Rollout {
    const GONE: &'static str = "disappeared during its rollout";

    fn complete(self) -> bool {
        self.observed
            && self.updated == self.wanted
            && self.ready == self.wanted
            && self.total == self.wanted
    }

    fn waiting(self, on: &str) -> String {
        format!(
            "waiting for the rollout of {on}: {} of {} replicas updated, {} ready",
            self.updated, self.wanted, self.ready
        )
    }

    fn verified(self, label: &str, seconds: u64) -> String {
        format!(
            "{label}: rolled out, {} of {} replicas updated and ready, after {seconds}s",
            self.updated, self.wanted
        )
    }

    fn failing(self, label: &str) -> String {
        format!(
            "{label}: the rollout's new pods are failing ({} of {} updated, {} ready):",
            self.updated, self.wanted, self.ready
        )
    }

    fn stuck(self, label: &str, deadline_seconds: u64) -> String {
        format!(
            "{label}: the rollout had {} of {} replicas updated and {} ready when the {deadline_seconds}s deadline passed",
            self.updated, self.wanted, self.ready
        )
    }
}

/// A new pod: until it runs (or shows a failure that waiting won't fix).
pub(crate) async fn pod_running(
    cluster: &Cluster,
    target: &PlanTarget,
    timings: VerifyTimings,
    progress: &ProgressSink,
) -> Result<Verdict, WorkflowError> {
    let started = Instant::now();
    let mut last_phase = String::new();
    loop {
        if let Fetched::Found(pod) = get(cluster, target, "v1").await? {
            let phase = pod
                .pointer("/status/phase")
                .and_then(Value::as_str)
                .unwrap_or("Pending")
                .to_owned();
            if phase != last_phase {
                progress.report(format!("waiting for {} to run: {phase}", waited_on(target)));
                last_phase.clone_from(&phase);
            }
            if phase == "Running" {
                return Ok(Verdict::new(
                    Outcome::Verified,
                    vec![format!(
                        "{} is Running after {}s",
                        label(target),
                        started.elapsed().as_secs()
                    )],
                ));
            }
            if let Some(reason) =
                waiting_reason(&pod).filter(|reason| FAILING_POD_STATUSES.contains(reason))
            {
                return Ok(Verdict::new(
                    Outcome::Failed,
                    vec![format!("{} cannot start: {reason}", label(target))],
                ));
            }
        }
        if started.elapsed() >= timings.pod_start {
            return Ok(Verdict::new(
                Outcome::Unverified,
                vec![format!(
                    "{} is not running after {}s (last phase {})",
                    label(target),
                    timings.pod_start.as_secs(),
                    if last_phase.is_empty() {
                        "unknown"
                    } else {
                        &last_phase
                    }
                )],
            ));
        }
        tokio::time::sleep(timings.poll_interval).await;
    }
}

/// The label the Job controller puts on every pod of a Job.
const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";

/// Pod statuses of a Job's pod that no retry of the Job fixes: its image
/// cannot be pulled or its container cannot be made. A crash is not among
/// them: the Job runs another pod, up to its `backoffLimit`, and says
/// `Failed` itself when it gives up.
const UNRETRIABLE_JOB_POD_STATUSES: [&str; 5] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
];

/// Where a Job stands, from its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct JobRun {
    /// Pods running now.
    active: u64,
    /// Pods that succeeded.
    succeeded: u64,
    /// Pods that failed.
    failed: u64,
    /// Successful pods the Job needs (`spec.completions`, 1 when unset).
    completions: u64,
}

impl JobRun {
    fn of(job: &Value) -> JobRun {
        let number = |pointer: &str| job.pointer(pointer).and_then(Value::as_u64);
        JobRun {
            active: number("/status/active").unwrap_or(0),
            succeeded: number("/status/succeeded").unwrap_or(0),
            failed: number("/status/failed").unwrap_or(0),
            completions: number("/spec/completions").unwrap_or(1),
        }
    }

    /// `1 active, 0 of 1 succeeded, 0 failed`.
    fn counts(self) -> String {
        format!(
            "{} active, {} of {} succeeded, {} failed",
            self.active, self.succeeded, self.completions, self.failed
        )
    }
}

/// A new Job: until it finishes. `Verified` only when the Job says
/// `Complete` (its work done, not merely started); `Failed` when it says
/// `Failed` (backoff limit, deadline) or a pod of it shows a status no
/// retry fixes; `Unverified` when the job deadline passes with it still
/// running, which is what a long job honestly is. The Job object itself is
/// checked by [`applied`] first.
pub(crate) async fn job_finished(
    cluster: &Cluster,
    target: &PlanTarget,
    timings: VerifyTimings,
    progress: &ProgressSink,
) -> Result<Verdict, WorkflowError> {
    let started = Instant::now();
    let mut last_seen = None;
    let mut polls = 0u32;
    loop {
        let fetched = get(cluster, target, "batch/v1").await?;
        let job = match found_or_failed(fetched, target, "disappeared while running") {
            Ok(job) => job,
            Err(failed) => return Ok(failed),
        };
        let run = JobRun::of(&job);
        if last_seen != Some(run) {
            progress.report(format!(
                "waiting for {} to complete: {}",
                waited_on(target),
                run.counts()
            ));
            last_seen = Some(run);
        }
        let seconds = started.elapsed().as_secs();
        if let Some(complete) = conditions::true_one(&job, "Complete") {
            return Ok(Verdict::new(
                Outcome::Verified,
                vec![format!(
                    "{} completed after {seconds}s: {} ({})",
                    label(target),
                    run.counts(),
                    complete.quote()
                )],
            ));
        }
        if let Some(failed) = conditions::true_one(&job, "Failed") {
            let mut evidence = vec![format!(
                "{} failed after {seconds}s: {} ({})",
                label(target),
                run.counts(),
                failed.quote()
            )];
            evidence.extend(job_pod_lines(cluster, target).await?);
            return Ok(Verdict::new(Outcome::Failed, evidence));
        }
        polls += 1;
        if polls.is_multiple_of(POD_CHECK_EVERY) {
            let pods = job_pods(cluster, target).await?;
            if let Some((name, status)) = pods
                .iter()
                .find(|(_, status)| UNRETRIABLE_JOB_POD_STATUSES.contains(&status.as_str()))
            {
                return Ok(Verdict::new(
                    Outcome::Failed,
                    vec![format!(
                        "pod/{name} of {} cannot run: {status}, which no retry of the job fixes",
                        label(target)
                    )],
                ));
            }
        }
        if started.elapsed() >= timings.job {
            let mut evidence = vec![format!(
                "{} is still running after {}s ({}): not verified, since only a completed job has done its work; follow it with `kubectl get job {}{}`",
                label(target),
                timings.job.as_secs(),
                run.counts(),
                target.name,
                target
                    .namespace
                    .as_deref()
                    .map(|namespace| format!(" -n {namespace}"))
                    .unwrap_or_default()
            )];
            evidence.extend(job_pod_lines(cluster, target).await?);
            return Ok(Verdict::new(Outcome::Unverified, evidence));
        }
        tokio::time::sleep(timings.poll_interval).await;
    }
}

/// The pods of the Job `target` as evidence lines (`pod/NAME: STATUS`).
async fn job_pod_lines(
    cluster: &Cluster,
    target: &PlanTarget,
) -> Result<Vec<String>, WorkflowError> {
    Ok(job_pods(cluster, target)
        .await?
        .into_iter()
        .map(|(name, status)| format!("pod/{name}: {status}"))
        .collect())
}

/// The pods of the Job `target` with their status (kubectl's STATUS column).
async fn job_pods(
    cluster: &Cluster,
    target: &PlanTarget,
) -> Result<Vec<(String, String)>, WorkflowError> {
    let selector = format!("{JOB_NAME_LABEL}={}", target.name);
    let rows = pods_selected(cluster, target, &selector).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            Some((
                cell(row, "name")?.to_owned(),
                cell(row, "status").unwrap_or("Pending").to_owned(),
            ))
        })
        .collect())
}

/// A Service that selects pods: until its Endpoints object lists a ready
/// address (its pods are found and ready, so traffic to it arrives), or
/// the pod-start deadline passes (`Unverified`, with the not-ready
/// addresses or none). The Service object itself is checked by [`applied`]
/// first.
pub(crate) async fn service_endpoints(
    cluster: &Cluster,
    target: &PlanTarget,
    timings: VerifyTimings,
    progress: &ProgressSink,
) -> Result<Verdict, WorkflowError> {
    let started = Instant::now();
    let endpoints = PlanTarget {
        kind: "Endpoints".to_owned(),
        ..target.clone()
    };
    let mut last_seen = None;
    loop {
        let (ready, not_ready) = match get(cluster, &endpoints, "v1").await? {
            Fetched::Found(object) => endpoint_addresses(&object),
            Fetched::Missing(_) => (Vec::new(), Vec::new()),
        };
        let seen = (ready.len(), not_ready.len());
        if last_seen != Some(seen) {
            progress.report(format!(
                "waiting for a ready endpoint of {}: {} ready, {} not ready",
                waited_on(target),
                seen.0,
                seen.1
            ));
            last_seen = Some(seen);
        }
        if !ready.is_empty() {
            return Ok(Verdict::new(
                Outcome::Verified,
                vec![format!(
                    "{} has {} ready endpoint{} after {}s: {}",
                    label(target),
                    ready.len(),
                    if ready.len() == 1 { "" } else { "s" },
                    started.elapsed().as_secs(),
                    ready.join(", ")
                )],
            ));
        }
        if started.elapsed() >= timings.pod_start {
            return Ok(Verdict::new(
                Outcome::Unverified,
                vec![format!(
                    "{} has no ready endpoint after {}s ({}): its selector finds no ready pod, so traffic to it goes nowhere yet",
                    label(target),
                    timings.pod_start.as_secs(),
                    if not_ready.is_empty() {
                        "no pod selected".to_owned()
                    } else {
                        format!("not ready: {}", not_ready.join(", "))
                    }
                )],
            ));
        }
        tokio::time::sleep(timings.poll_interval).await;
    }
}

/// An Endpoints object's ready and not-ready addresses, each as `IP (pod
/// NAME)` (or the IP alone when no pod is named).
fn endpoint_addresses(endpoints: &Value) -> (Vec<String>, Vec<String>) {
    let mut ready = Vec::new();
    let mut not_ready = Vec::new();
    for subset in endpoints
        .get("subsets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for (key, into) in [
            ("addresses", &mut ready),
            ("notReadyAddresses", &mut not_ready),
        ] {
            for address in subset
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let ip = address.get("ip").and_then(Value::as_str).unwrap_or("?");
                into.push(
                    match address.pointer("/targetRef/name").and_then(Value::as_str) {
                        Some(pod) => format!("{ip} (pod {pod})"),
                        None => ip.to_owned(),
                    },
                );
            }
        }
    }
    (ready, not_ready)
}

/// An exec's result: the output arrived, and the exit status.
pub(crate) fn exec_result(is_error: bool, text: &str) -> Verdict {
    if !is_error {
        return Verdict::new(
            Outcome::Verified,
            vec![format!("exit status 0; {} bytes of output", text.len())],
        );
    }
    let status = text
        .rsplit_once("exit code ")
        .and_then(|(_, code)| code.split_whitespace().next())
        .map_or_else(
            || "unknown".to_owned(),
            |code| code.trim_end_matches('.').to_owned(),
        );
    Verdict::new(
        Outcome::Failed,
        vec![format!("exit status {status}"), text.trim().to_owned()],
    )
}

async fn get(
    cluster: &Cluster,
    target: &PlanTarget,
    api_version: &str,
) -> Result<Fetched, WorkflowError> {
    cluster
        .get(
            &target.context,
            api_version,
            &target.kind,
            &target.name,
            target.namespace.as_deref(),
        )
        .await
}

/// The object a check goes on with, or the `Failed` verdict its absence
/// means: a change that needs the object to be there fails when it is gone.
/// `absence` says what went wrong in the check's own words ("disappeared
/// while scaling"); the server's message follows it.
fn found_or_failed(fetched: Fetched, target: &PlanTarget, absence: &str) -> Result<Value, Verdict> {
    match fetched {
        Fetched::Found(object) => Ok(object),
        Fetched::Missing(message) => Err(Verdict::new(
            Outcome::Failed,
            vec![format!("{} {absence}: {message}", label(target))],
        )),
    }
}

/// The pods of a workload that show a status waiting will not fix, with the
/// warning events about them; `None` when none does. The pods named in
/// `known` (those that were there, and perhaps failing, before the change)
/// are left out.
async fn failing_pods(
    cluster: &Cluster,
    target: &PlanTarget,
    workload: &Value,
    known: &[String],
) -> Result<Option<Vec<String>>, WorkflowError> {
    let Some(rows) = pods_of(cluster, target, workload).await? else {
        return Ok(None);
    };
    let failing: Vec<(String, String)> = rows
        .iter()
        .filter_map(|row| {
            let name = cell(row, "name")?;
            if known.iter().any(|known| known == name) {
                return None;
            }
            let status = cell(row, "status")?;
            FAILING_POD_STATUSES
                .contains(&status)
                .then(|| (name.to_owned(), status.to_owned()))
        })
        .collect();
    if failing.is_empty() {
        return Ok(None);
    }
    let mut evidence: Vec<String> = failing
        .iter()
        .map(|(name, status)| format!("pod/{name}: {status}"))
        .collect();
    if let Some(namespace) = &target.namespace {
        let events = cluster.events(&target.context, namespace).await?;
        let names: Vec<&str> = failing.iter().map(|(name, _)| name.as_str()).collect();
        evidence.extend(warning_events(&events, &names));
    }
    Ok(Some(evidence))
}

/// One line per pod of the workload with its status, for a deadline's evidence.
async fn pod_states(
    cluster: &Cluster,
    target: &PlanTarget,
    workload: &Value,
) -> Result<Vec<String>, WorkflowError> {
    Ok(pods_of(cluster, target, workload)
        .await?
        .unwrap_or_default()
        .iter()
        .filter_map(|row| {
            Some(format!(
                "pod/{}: {} (ready {})",
                cell(row, "name")?,
                cell(row, "status").unwrap_or("unknown"),
                cell(row, "ready").unwrap_or("?")
            ))
        })
        .collect())
}

async fn pods_of(
    cluster: &Cluster,
    target: &PlanTarget,
    workload: &Value,
) -> Result<Option<Vec<serde_json::Map<String, Value>>>, WorkflowError> {
    let Some(selector) = label_selector(workload) else {
        return Ok(None);
    };
    pods_selected(cluster, target, &selector).await.map(Some)
}

/// The rows of the pods `selector` selects in `target`'s namespace.
async fn pods_selected(
    cluster: &Cluster,
    target: &PlanTarget,
    selector: &str,
) -> Result<Vec<serde_json::Map<String, Value>>, WorkflowError> {
    cluster
        .list(
            &target.context,
            "v1",
            "Pod",
            target.namespace.as_deref(),
            Some(selector),
        )
        .await
}

/// A workload's `spec.selector.matchLabels` as a label selector.
pub(crate) fn label_selector(workload: &Value) -> Option<String> {
    let labels = workload
        .pointer("/spec/selector/matchLabels")?
        .as_object()?;
    let selector: Vec<String> = labels
        .iter()
        .filter_map(|(key, value)| Some(format!("{key}={}", value.as_str()?)))
        .collect();
    (!selector.is_empty()).then(|| selector.join(","))
}

/// The warning events (from `events_list`'s YAML) about the named objects.
fn warning_events(text: &str, names: &[&str]) -> Vec<String> {
    let body = text.split_once('\n').map_or("", |(_, body)| body);
    let Ok(Value::Array(events)) = serde_norway::from_str::<Value>(body) else {
        return Vec::new();
    };
    events
        .iter()
        .filter(|event| event.get("Type").and_then(Value::as_str) == Some("Warning"))
        .filter_map(|event| {
            let object = event.pointer("/InvolvedObject/Name")?.as_str()?;
            names.contains(&object).then(|| {
                format!(
                    "event on {object}: {} {}",
                    event.get("Reason").and_then(Value::as_str).unwrap_or(""),
                    event.get("Message").and_then(Value::as_str).unwrap_or("")
                )
            })
        })
        .collect()
}

fn waiting_reason(pod: &Value) -> Option<&str> {
    pod.pointer("/status/containerStatuses")?
        .as_array()?
        .iter()
        .find_map(|status| status.pointer("/state/waiting/reason")?.as_str())
}

fn leaf_count(value: &Value) -> usize {
    match value {
        Value::Object(map) => map.values().map(leaf_count).sum(),
        Value::Array(items) => items.iter().map(leaf_count).sum(),
        _ => 1,
    }
}

fn label(target: &PlanTarget) -> String {
    format!("{}/{}", target.kind.to_lowercase(), target.name)
}

/// The target with its namespace, for progress lines a person watches
/// ("waiting for 4/5 replicas of deployment/nginx in staging to be ready").
fn waited_on(target: &PlanTarget) -> String {
    match &target.namespace {
        Some(namespace) => format!("{} in {namespace}", label(target)),
        None => label(target),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoints_object_reads_as_its_ready_and_not_ready_pods() {
        let endpoints = serde_json::json!({"subsets": [{
            "addresses": [{"ip": "10.0.0.4", "targetRef": {"kind": "Pod", "name": "web-1"}}],
            "notReadyAddresses": [{"ip": "10.0.0.5"}]}]});
        assert_eq!(
            endpoint_addresses(&endpoints),
            (
                vec!["10.0.0.4 (pod web-1)".to_owned()],
                vec!["10.0.0.5".to_owned()]
            )
        );
        assert_eq!(
            endpoint_addresses(&serde_json::json!({})),
            (Vec::new(), Vec::new())
        );
    }

    #[test]
    fn a_rollout_is_complete_only_when_every_replica_is_new_and_ready_and_the_old_are_gone() {
        let deployment = |generation: u64, observed: u64, updated: u64, ready: u64, total: u64| {
            serde_json::json!({"metadata": {"generation": generation},
                               "spec": {"replicas": 2},
                               "status": {"observedGeneration": observed, "updatedReplicas": updated,
                                          "readyReplicas": ready, "replicas": total}})
        };
        assert!(Rollout::of("Deployment", &deployment(3, 3, 2, 2, 2)).complete());
        assert!(
            !Rollout::of("Deployment", &deployment(3, 2, 2, 2, 2)).complete(),
            "not yet observed"
        );
        assert!(
            !Rollout::of("Deployment", &deployment(3, 3, 1, 2, 3)).complete(),
            "an old pod is left"
        );
        assert!(
            !Rollout::of("Deployment", &deployment(3, 3, 2, 1, 2)).complete(),
            "a new pod is not ready"
        );
        let daemon_set = serde_json::json!({"metadata": {"generation": 2},
            "status": {"observedGeneration": 2, "desiredNumberScheduled": 3,
                       "updatedNumberScheduled": 3, "numberReady": 3, "currentNumberScheduled": 3}});
        assert!(Rollout::of("DaemonSet", &daemon_set).complete());
    }
    use serde_json::json;

    #[test]
    fn a_scale_is_complete_when_every_wanted_replica_exists_and_is_ready() {
        let deployment = |ready: u64, current: u64| json!({"spec": {"replicas": 3}, "status": {"readyReplicas": ready, "replicas": current}});
        assert!(Scale::of(&deployment(3, 3), 3).complete());
        assert!(!Scale::of(&deployment(2, 3), 3).complete(), "one not ready");
        assert!(
            !Scale::of(&deployment(3, 4), 3).complete(),
            "one more still terminating"
        );
        assert_eq!(
            Scale::of(&json!({"status": {}}), 2),
            Scale {
                wanted: 2,
                ready: 0,
                current: 0
            },
            "a status without counts is nothing ready yet"
        );
    }

    #[test]
    fn each_verdict_on_a_scale_states_its_counts() {
        let scale = Scale {
            wanted: 5,
            ready: 4,
            current: 5,
        };
        assert_eq!(
            scale.waiting("deployment/nginx in staging"),
            "waiting for 4/5 replicas of deployment/nginx in staging to be ready (5 exist)"
        );
        assert_eq!(
            scale.verified("deployment/nginx", 7),
            "deployment/nginx: readyReplicas 4 = target 5, after 7s"
        );
        assert_eq!(
            scale.failing("deployment/nginx"),
            "deployment/nginx: 4/5 ready, and its pods are failing:"
        );
        assert_eq!(
            scale.stuck("deployment/nginx", 120),
            "deployment/nginx: 4/5 ready when the 120s deadline passed"
        );
    }

    #[test]
    fn each_verdict_on_a_rollout_states_its_counts() {
        let rollout = Rollout {
            observed: true,
            wanted: 3,
            updated: 2,
            ready: 1,
            total: 4,
        };
        assert_eq!(
            rollout.waiting("deployment/api in production"),
            "waiting for the rollout of deployment/api in production: 2 of 3 replicas updated, 1 ready"
        );
        assert_eq!(
            rollout.verified("deployment/api", 9),
            "deployment/api: rolled out, 2 of 3 replicas updated and ready, after 9s"
        );
        assert_eq!(
            rollout.failing("deployment/api"),
            "deployment/api: the rollout's new pods are failing (2 of 3 updated, 1 ready):"
        );
        assert_eq!(
            rollout.stuck("deployment/api", 120),
            "deployment/api: the rollout had 2 of 3 replicas updated and 1 ready when the 120s deadline passed"
        );
    }

    #[test]
    fn an_exec_reports_its_exit_status() {
        let ok = exec_result(false, "hello\n");
        assert_eq!(ok.outcome, Outcome::Verified);
        assert_eq!(ok.evidence[0], "exit status 0; 6 bytes of output");
        let failed = exec_result(
            true,
            "failed to exec in pod web-1: command terminated with exit code 2",
        );
        assert_eq!(failed.outcome, Outcome::Failed);
        assert_eq!(failed.evidence[0], "exit status 2");
    }

    #[test]
    fn a_missing_object_fails_the_check_in_its_own_words() {
        let target = PlanTarget {
            context: "dev".to_owned(),
            namespace: Some("staging".to_owned()),
            kind: "Deployment".to_owned(),
            name: "web".to_owned(),
        };
        let missing = Fetched::Missing("deployments.apps \"web\" not found".to_owned());
        assert_eq!(
            found_or_failed(missing, &target, "disappeared while scaling"),
            Err(Verdict::new(
                Outcome::Failed,
                vec![
                    "deployment/web disappeared while scaling: deployments.apps \"web\" not found"
                        .to_owned()
                ]
            ))
        );
        let found = Fetched::Found(json!({"kind": "Deployment"}));
        assert_eq!(
            found_or_failed(found, &target, "disappeared while scaling"),
            Ok(json!({"kind": "Deployment"}))
        );
    }

    #[test]
    fn a_selector_comes_from_match_labels() {
        let deployment =
            json!({"spec": {"selector": {"matchLabels": {"app": "web", "tier": "front"}}}});
        assert_eq!(
            label_selector(&deployment).as_deref(),
            Some("app=web,tier=front")
        );
        assert_eq!(label_selector(&json!({"spec": {}})), None);
    }

    #[test]
    fn warning_events_about_the_failing_pods_are_quoted() {
        let text = "# The following events (YAML format) were found:\n- InvolvedObject:\n    Kind: Pod\n    Name: web-1\n  Message: Back-off restarting failed container\n  Reason: BackOff\n  Type: Warning\n- InvolvedObject:\n    Kind: Pod\n    Name: other\n  Message: x\n  Reason: BackOff\n  Type: Warning\n";
        assert_eq!(
            warning_events(text, &["web-1"]),
            vec!["event on web-1: BackOff Back-off restarting failed container".to_owned()]
        );
    }
}
