//! Admission refusals end to end: the simulated API server refuses a pod
//! naming a PriorityClass (a ServiceAccount) that does not exist as the real
//! Priority (ServiceAccount) plugin does (403), the ReplicaSet records
//! `FailedCreate`, real kubectl shows both, and the playbook (through the real MCP server) explains why the
//! Deployment has no pods (`tests/scenarios/diagnosis-admission.yaml`).

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::{Cause, Diagnosis};

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

/// Waits for the `FailedCreate` of Deployment `name` that says `refusal`,
/// then diagnoses it: a Deployment without pods, its refusal quoted, and no
/// plan (what to change is the user's decision).
async fn refused_deployment(
    env: &DiagnosisEnv,
    name: &str,
    namespace: &str,
    refusal: &str,
) -> Diagnosis {
    let events = env
        .events_until(namespace, "FailedCreate", |out| out.contains(refusal))
        .await;
    let created = format!("Error creating: pods \"{name}-");
    assert!(events.contains(&created), "{events}");
    let diagnosis = env
        .diagnosed(name, namespace, Cause::PodCreationRefused)
        .await;
    assert_eq!(diagnosis.subject.kind, "Deployment");
    assert_says(&diagnosis, &format!("Deployment {name} has no pods"));
    assert_says(&diagnosis, refusal);
    assert_quoted(&diagnosis, &format!("Warning FailedCreate: {created}"));
    assert!(diagnosis.proposal.is_none(), "{:?}", diagnosis.proposal);
    diagnosis
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_naming_a_missing_service_account_is_refused_and_explained() {
    let env = DiagnosisEnv::start("diagnosis-admission").await;
    let refused = env
        .sim
        .kubectl_with_stdin(
            &["apply", "-f", "-"],
            "apiVersion: v1\nkind: Pod\nmetadata: {name: ledger-debug, namespace: payments}\nspec:\n  serviceAccountName: ledger-writer\n  containers:\n  - {name: ledger, image: ghcr.io/acme/ledger:5.2.1}\n",
        )
        .await;
    assert!(!refused.success, "{refused:?}");
    assert!(
        refused.stderr.contains(
            "Error from server (Forbidden): error when creating \"STDIN\": pods \"ledger-debug\" is forbidden: error looking up service account payments/ledger-writer: serviceaccount \"ledger-writer\" not found"
        ),
        "{refused:?}"
    );
    let diagnosis = refused_deployment(
        &env,
        "ledger",
        "payments",
        "error looking up service account payments/ledger-writer: serviceaccount \"ledger-writer\" not found",
    )
    .await;
    assert_says(
        &diagnosis,
        "namespace payments has no ServiceAccount of that name (it has: default, ledger-reader)",
    );
    assert_quoted(
        &diagnosis,
        "[resources_list ServiceAccount in payments] default, ledger-reader",
    );

    // Once the account exists the ReplicaSet's next try creates the pods.
    env.sim
        .kubectl_with_stdin(
            &["apply", "-f", "-"],
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: ledger-writer, namespace: payments}\n",
        )
        .await
        .expect_success("create the ledger-writer ServiceAccount");
    env.sim.ready_pods_until("payments", "app=ledger", 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_container_above_its_namespaces_limit_range_is_refused_and_explained() {
    let env = DiagnosisEnv::start("diagnosis-admission").await;
    let diagnosis = refused_deployment(
        &env,
        "transform",
        "etl",
        "maximum memory usage per Container is 1Gi, but limit is 2Gi",
    )
    .await;
    assert_says(
        &diagnosis,
        "The LimitRange of namespace etl (container-bounds) bounds every container, and the pod template is outside it: maximum memory usage per Container is 1Gi, but limit is 2Gi.",
    );
    assert_quoted(
        &diagnosis,
        "[resources_list LimitRange in etl] container-bounds",
    );

    // Within the range, the ReplicaSet's next try creates the pod.
    env.sim
        .kubectl_ok(&[
            "set",
            "resources",
            "deployment/transform",
            "-n",
            "etl",
            "--limits=memory=1Gi",
        ])
        .await;
    env.sim.ready_pods_until("etl", "app=transform", 1).await;
}
