//! Batch work that does not finish or does not run, end to end over the real
//! MCP server and real kubectl (`tests/scenarios/diagnosis-jobs.yaml`): the
//! simulated job controller stops a Job at its `activeDeadlineSeconds` as
//! the real one does (pods deleted, `DeadlineExceeded`), and the playbook
//! explains it from the Job alone; a suspended CronJob is named and resumed
//! through an approved plan.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_stopped_at_its_deadline_is_explained_after_its_pods_are_gone() {
    let env = DiagnosisEnv::start("diagnosis-jobs").await;
    env.field_until(
        "job/reindex",
        Some("data"),
        "{.status.conditions[?(@.type==\"Failed\")].reason}",
        |out| out == "DeadlineExceeded",
    )
    .await;
    env.pods_until("data", &["-l", "job-name=reindex"], |out| {
        !out.contains("reindex-")
    })
    .await;
    env.events_until("data", "DeadlineExceeded", |out| {
        out.contains("Job was active longer than specified deadline")
    })
    .await;

    let job = env.diagnosed("reindex", "data", Cause::JobFailed).await;
    assert_eq!(job.subject.kind, "Job");
    assert_quoted(
        &job,
        "[Job data/reindex status] Failed=True, DeadlineExceeded: Job was active longer than specified deadline",
    );
    assert_quoted(&job, "spec.activeDeadlineSeconds 6, spec.backoffLimit 2");
    assert_quoted(
        &job,
        "[event on Job reindex] Warning DeadlineExceeded: Job was active longer than specified deadline",
    );
    assert_says(&job, "Job reindex failed (DeadlineExceeded)");
    assert_says(&job, "spec.activeDeadlineSeconds (6s) ran out");
    assert_says(&job, "re-create Job reindex");
    assert!(job.proposal.is_none(), "a finished Job is not restarted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_cron_job_is_named_and_resumed_through_an_approved_plan() {
    let env = DiagnosisEnv::start("diagnosis-jobs").await;
    env.field_until(
        "cronjob/nightly-export",
        Some("data"),
        "{.spec.suspend}",
        |out| out == "true",
    )
    .await;
    let diagnosis = env
        .diagnosed("nightly-export", "data", Cause::Suspended)
        .await;
    assert_eq!(diagnosis.subject.kind, "CronJob");
    assert_quoted(
        &diagnosis,
        "[CronJob data/nightly-export] schedule \"0 2 * * *\", suspend true, concurrencyPolicy Forbid, last scheduled never",
    );
    assert_says(
        &diagnosis,
        "CronJob nightly-export is suspended (spec.suspend: true)",
    );
    let proposal = diagnosis.proposal.expect("a plan to resume it");
    assert_eq!(proposal.current, "suspend true");
    assert_eq!(proposal.desired, "suspend false");

    env.apply(&proposal).await;
    let resumed = env
        .field_until(
            "cronjob/nightly-export",
            Some("data"),
            "{.spec.suspend} {.spec.schedule}",
            |out| out.starts_with("false"),
        )
        .await;
    assert_eq!(resumed, "false 0 2 * * *");
}
