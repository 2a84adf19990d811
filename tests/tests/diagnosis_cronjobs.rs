//! CronJobs whose runs do not start, end to end: the simulated cronjob
//! controller skips runs while a Job of a Forbid CronJob still runs
//! (JobAlreadyActive) and counts missed start times (TooManyMissedTimes),
//! real kubectl shows both as on a real cluster, and the pod-failure
//! playbook (through the real `kubernetes-mcp-server`) names the running
//! Job that blocks, and proposes a startingDeadlineSeconds for the misses.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::{Cause, ObjectRef};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_job_of_a_forbid_cron_job_blocks_its_next_runs() {
    let env = DiagnosisEnv::start("diagnosis-cronjobs").await;
    let skipped = env
        .events_until("batch", "JobAlreadyActive", |out| {
            out.contains("cronjob/sync")
        })
        .await;
    assert!(
        skipped.contains(
            "Not starting job because prior execution is running and concurrency policy is Forbid"
        ),
        "{skipped}"
    );
    // One Job only, still running; the CronJob lists it as active.
    let jobs = env
        .kubectl_until(&["get", "jobs", "-n", "batch"], |out| {
            out.lines()
                .any(|line| line.starts_with("sync-") && line.contains("Running"))
        })
        .await;
    let sync_jobs: Vec<&str> = jobs
        .lines()
        .filter(|line| line.starts_with("sync-"))
        .collect();
    assert_eq!(sync_jobs.len(), 1, "{jobs}");
    let active = env
        .field_until(
            "cronjob/sync",
            Some("batch"),
            "{.status.active[0].name}",
            |name| name.starts_with("sync-"),
        )
        .await;

    let blocked = env.diagnosed("sync", "batch", Cause::CronJobBlocked).await;
    assert_eq!(
        blocked.subject,
        ObjectRef::namespaced("batch/v1", "CronJob", "sync", "batch")
    );
    assert_quoted(
        &blocked,
        "Normal JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid",
    );
    assert_quoted(&blocked, "concurrencyPolicy Forbid");
    assert_says(&blocked, &format!("Job {active}, started for the run of"));
    assert_says(&blocked, "is still running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_missed_start_times_get_a_starting_deadline() {
    let env = DiagnosisEnv::start("diagnosis-cronjobs").await;
    let missed = env
        .events_until("batch", "TooManyMissedTimes", |out| {
            out.contains("cronjob/ledger-export")
        })
        .await;
    assert!(
        missed.contains("too many missed start times: 100. Set or decrease .spec.startingDeadlineSeconds or check clock skew"),
        "{missed}"
    );

    let diagnosis = env
        .diagnosed("ledger-export", "batch", Cause::MissedSchedules)
        .await;
    assert_quoted(
        &diagnosis,
        "Warning TooManyMissedTimes: too many missed start times",
    );
    assert_says(&diagnosis, "missed more than 100 start times");
    let fix = diagnosis.proposal.expect("a starting deadline");
    assert_eq!(fix.current, "startingDeadlineSeconds unset");
    assert_eq!(fix.desired, "startingDeadlineSeconds 300");
    env.apply(&fix).await;
    env.field_until(
        "cronjob/ledger-export",
        Some("batch"),
        "{.spec.startingDeadlineSeconds}",
        |deadline| deadline == "300",
    )
    .await;
}
