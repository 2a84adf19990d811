//! ResourceQuota refusals end to end (`tests/scenarios/diagnosis-quota.yaml`):
//! the simulated API server admits pods against the namespace's quota as
//! the real quota plugin does (403 `exceeded quota` / `failed quota: ...
//! must specify`), the ReplicaSet's `FailedCreate` count grows with its
//! retries, real kubectl shows it, and the playbook (through the real MCP
//! server) explains a Deployment short of pods and one without any.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_short_of_pods_is_blamed_on_the_exceeded_quota_with_its_numbers() {
    let env = DiagnosisEnv::start("diagnosis-quota").await;
    env.pods_until("orders", &["-l", "app=worker", "--no-headers"], |out| {
        out.lines()
            .filter(|pod| pod.contains(" 1/1 ") && pod.contains("Running"))
            .count()
            == 2
    })
    .await;
    env.field_until(
        "resourcequota/compute-quota",
        Some("orders"),
        "{.status.used.requests\\.cpu}",
        |out| out == "1600m",
    )
    .await;
    // The refusal is retried with back-off, and the event recorder counts it.
    let counts = env
        .kubectl_until(
            &[
                "get",
                "events",
                "-n",
                "orders",
                "--field-selector",
                "reason=FailedCreate",
                "-o",
                "jsonpath={range .items[*]}{.count} {.message}{\"\\n\"}{end}",
            ],
            |out| {
                out.lines().any(|line| {
                    line.contains("exceeded quota")
                        && line
                            .split(' ')
                            .next()
                            .and_then(|count| count.parse::<u32>().ok())
                            .is_some_and(|count| count >= 3)
                })
            },
        )
        .await;
    assert!(
        counts.contains("is forbidden: exceeded quota: compute-quota, requested: requests.cpu=800m, used: requests.cpu=1600m, limited: requests.cpu=2"),
        "{counts}"
    );

    // A pod created by hand meets the same plugin.
    let refused = env
        .sim
        .kubectl_with_stdin(
            &["apply", "-f", "-"],
            "apiVersion: v1\nkind: Pod\nmetadata: {name: adhoc, namespace: orders}\nspec:\n  containers:\n  - name: adhoc\n    image: busybox:1.36\n    resources:\n      requests: {cpu: 500m, memory: 64Mi}\n",
        )
        .await;
    assert!(!refused.success, "{refused:?}");
    assert!(
        refused.stderr.contains(
            "Error from server (Forbidden): error when creating \"STDIN\": pods \"adhoc\" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=500m, used: requests.cpu=1600m, limited: requests.cpu=2"
        ),
        "{refused:?}"
    );

    let worker = env
        .diagnosed("worker", "orders", Cause::PodCreationRefused)
        .await;
    assert_eq!(worker.subject.kind, "Deployment");
    assert_says(&worker, "Deployment worker has 2 of its 3 pods");
    assert_says(
        &worker,
        "ResourceQuota compute-quota has no room for another pod (requests.cpu: a new pod asks 800m, 1600m of 2 is in use)",
    );
    assert_quoted(&worker, "[ResourceQuota orders/compute-quota status]");
    assert_quoted(&worker, "requests.cpu 1600m/2");
    assert_quoted(
        &worker,
        "Warning FailedCreate: Error creating: pods \"worker-",
    );
    assert!(
        worker.proposal.is_none(),
        "a quota is not kubeop's to raise"
    );
    assert!(
        worker
            .next_steps
            .contains(&"describe resourcequota compute-quota in orders".to_string()),
        "{:?}",
        worker.next_steps
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_without_requests_under_a_quota_is_told_what_to_state() {
    let env = DiagnosisEnv::start("diagnosis-quota").await;
    env.events_until("orders", "FailedCreate", |out| out.contains("must specify"))
        .await;
    let reports = env
        .diagnosed("reports", "orders", Cause::PodCreationRefused)
        .await;
    assert_says(&reports, "Deployment reports has no pods");
    assert_says(
        &reports,
        "failed quota: compute-quota: must specify requests.cpu for: report; requests.memory for: report",
    );
    assert_says(
        &reports,
        "add requests.cpu for: report; requests.memory for: report to the template's resources",
    );
    assert!(reports.proposal.is_none());
}
