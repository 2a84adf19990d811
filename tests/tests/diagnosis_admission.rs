//! Admission refusals end to end: the simulated API server refuses a pod
//! naming a PriorityClass that does not exist as the real Priority plugin
//! does (403), the ReplicaSet records `FailedCreate`, real kubectl shows
//! both, and the playbook (through the real MCP server) explains why the
//! Deployment has no pods (`tests/scenarios/diagnosis-admission.yaml`).

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_naming_a_missing_priority_class_is_refused_and_its_deployment_explained() {
    let env = DiagnosisEnv::start("diagnosis-admission").await;
    let refused = env
        .sim
        .kubectl_with_stdin(
            &["apply", "-f", "-"],
            "apiVersion: v1\nkind: Pod\nmetadata: {name: adhoc-report, namespace: analytics}\nspec:\n  priorityClassName: batch-low\n  containers:\n  - {name: report, image: ghcr.io/acme/nightly-report:3.3}\n",
        )
        .await;
    assert!(!refused.success, "{refused:?}");
    assert!(
        refused.stderr.contains(
            "pods \"adhoc-report\" is forbidden: no PriorityClass with name batch-low was found"
        ),
        "{refused:?}"
    );
    assert!(
        refused.stderr.contains("Error from server (Forbidden)"),
        "{refused:?}"
    );

    let events = env
        .kubectl_until(&["get", "events", "-n", "analytics"], |out| {
            out.contains("FailedCreate")
        })
        .await;
    assert!(
        events.contains("Error creating: pods \"nightly-report-"),
        "{events}"
    );
    let listed = env
        .sim
        .kubectl_ok(&["get", "pods", "-n", "analytics"])
        .await;
    assert!(!listed.contains("nightly-report-"), "{listed}");

    let diagnosis = env
        .diagnosed("nightly-report", "analytics", Cause::PodCreationRefused)
        .await;
    assert_eq!(diagnosis.subject.kind, "Deployment");
    assert_says(&diagnosis, "Deployment nightly-report has no pods");
    assert_says(&diagnosis, "no PriorityClass with name batch-low was found");
    assert_says(&diagnosis, "the cluster has: batch-high");
    assert_quoted(
        &diagnosis,
        "Warning FailedCreate: Error creating: pods \"nightly-report-",
    );
    assert!(
        diagnosis.proposal.is_none(),
        "no priority is chosen for the user"
    );
}
