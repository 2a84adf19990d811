//! The pod-failure playbook on failures beyond one crashing Deployment, end
//! to end over the real MCP server and the simulated cluster
//! (`tests/scenarios/diagnosis-workloads.yaml`): a Job that hit its
//! backoffLimit, a CronJob whose runs fail, a rollout stuck while the old
//! ReplicaSet serves, and crashes told apart by their exit codes (0, 127,
//! 137 without OOMKilled), each with the last log lines quoted.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::{Cause, ObjectRef};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_past_its_backoff_limit_and_a_failing_cron_job_are_named_with_their_verdicts() {
    let env = DiagnosisEnv::start("diagnosis-workloads").await;
    env.kubectl_until(&["get", "jobs", "-n", "ops"], |out| {
        out.lines().filter(|line| line.contains("Failed")).count() >= 2
    })
    .await;

    let job = env.diagnosed("db-migrate", "ops", Cause::JobFailed).await;
    assert!(job.subject.name.starts_with("db-migrate-"));
    assert_quoted(
        &job,
        "[Job ops/db-migrate status] Failed=True, BackoffLimitExceeded: Job has reached the specified backoff limit",
    );
    assert_quoted(
        &job,
        "failed pods 3, succeeded 0, active 0; spec.backoffLimit 2",
    );
    assert_quoted(&job, "exit code 1 (application error");
    assert_quoted(
        &job,
        "logs of container migrate] 2026-11-25T08:00:02Z ERROR relation \"orders_customer_idx\" already exists",
    );
    // The last line is where it stopped, error word or not.
    assert_quoted(&job, "2026-11-25T08:00:02Z INFO  rolling back transaction");
    assert_quoted(
        &job,
        "Warning BackoffLimitExceeded: Job has reached the specified backoff limit",
    );
    assert_says(
        &job,
        "Job db-migrate failed (BackoffLimitExceeded) after 3 failed pods (backoffLimit 2)",
    );
    assert_says(&job, "re-create Job db-migrate");
    assert!(job.proposal.is_none(), "a Job's template cannot be changed");

    let cron = env
        .diagnosed("nightly-report", "ops", Cause::JobFailed)
        .await;
    assert_quoted(&cron, "[CronJob ops/nightly-report] schedule \"0 * * * *\"");
    assert_quoted(&cron, "last successful run never");
    assert_quoted(&cron, "usage: report --month=YYYY-MM [--format=csv|pdf]");
    assert_says(
        &cron,
        "(run by CronJob nightly-report) failed (BackoffLimitExceeded)",
    );
    assert_says(&cron, "exits with code 2");
    assert_says(
        &cron,
        "fix the cause in CronJob nightly-report's job template",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_are_told_apart_by_their_exit_codes() {
    let env = DiagnosisEnv::start("diagnosis-workloads").await;
    env.pods_until("ops", &[], |out| {
        out.lines()
            .filter(|line| line.contains("CrashLoopBackOff"))
            .count()
            >= 2
    })
    .await;

    let exporter = env
        .diagnosed("exporter", "ops", Cause::CrashLoopBackOff)
        .await;
    assert_quoted(&exporter, "reason Completed, exit code 0");
    assert_quoted(&exporter, "done, 1284 series written");
    assert_says(&exporter, "main process ends successfully");

    let cache = env.diagnosed("cache", "ops", Cause::CrashLoopBackOff).await;
    assert_quoted(&cache, "reason Error, exit code 137");
    assert_says(&cache, "not by the OOM killer");
    assert!(
        cache.proposal.is_none(),
        "no memory raise without OOMKilled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_rollout_with_a_missing_command_is_rolled_back_to_the_serving_revision() {
    let env = DiagnosisEnv::start("diagnosis-workloads").await;
    env.pods_until("ops", &["-l", "app=storefront"], |out| {
        out.lines().filter(|line| line.contains("1/1")).count() == 3
    })
    .await;
    let rollout = r#"{"spec":{"template":{"metadata":{"annotations":{"sim.kubeop.dev/state":"crashloop","sim.kubeop.dev/exit-code":"127","sim.kubeop.dev/previous-logs":"/bin/sh: 1: gunicorn: not found\n"}},"spec":{"containers":[{"name":"web","image":"ghcr.io/acme/storefront:2.0.0"}]}}}}"#;
    env.sim
        .kubectl(&[
            "patch",
            "deployment",
            "storefront",
            "-n",
            "ops",
            "--type",
            "strategic",
            "-p",
            rollout,
        ])
        .await
        .expect_success("roll storefront to 2.0.0");
    env.field_until(
        "deployment/storefront",
        Some("ops"),
        "{.status.conditions[?(@.type==\"Progressing\")].reason}",
        |out| out == "ProgressDeadlineExceeded",
    )
    .await;
    env.pods_until("ops", &["-l", "app=storefront"], |out| {
        out.contains("CrashLoopBackOff")
    })
    .await;

    let diagnosis = env
        .diagnosed("storefront", "ops", Cause::CrashLoopBackOff)
        .await;
    assert_quoted(&diagnosis, "exit code 127 (command not found");
    assert_quoted(
        &diagnosis,
        "command: [\"/bin/sh\",\"-c\",\"gunicorn storefront.wsgi --bind :8000\"]",
    );
    assert_quoted(&diagnosis, "/bin/sh: 1: gunicorn: not found");
    assert_quoted(&diagnosis, "Progressing=False, ProgressDeadlineExceeded");
    assert_quoted(
        &diagnosis,
        "still serves 3 ready pods with image ghcr.io/acme/storefront:1.9.3",
    );
    assert_says(
        &diagnosis,
        "does not exist or cannot be executed in image ghcr.io/acme/storefront:2.0.0",
    );
    assert_says(
        &diagnosis,
        "The rollout of Deployment storefront is stuck (ProgressDeadlineExceeded)",
    );
    assert_says(
        &diagnosis,
        "The new revision runs image ghcr.io/acme/storefront:2.0.0.",
    );
    let proposal = diagnosis
        .proposal
        .clone()
        .expect("the serving revision's template");
    assert_eq!(
        proposal.target,
        ObjectRef::namespaced("apps/v1", "Deployment", "storefront", "ops")
    );
    assert_eq!(proposal.current, "pod template of revision 2");
    assert_eq!(proposal.desired, "pod template of revision 1");

    assert_quoted(
        &diagnosis,
        "differs from Deployment storefront's template in metadata.annotations",
    );

    // Applied as approved, the Deployment is back on revision 1's template
    // and its rollout completes.
    env.apply(&proposal).await;
    env.field_until(
        "deployment/storefront",
        Some("ops"),
        "{.spec.template.spec.containers[0].image} {.status.conditions[?(@.type==\"Progressing\")].reason}",
        |out| out == "ghcr.io/acme/storefront:1.9.3 NewReplicaSetAvailable",
    )
    .await;
}
