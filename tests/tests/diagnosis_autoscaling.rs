//! "Why isn't my HPA scaling?" end to end: the simulated controller computes
//! each HorizontalPodAutoscaler's status from the metrics the cluster serves
//! and scales its target, real kubectl shows it, and the pod-failure
//! playbook (through the real MCP server) reads the HPA's conditions
//! (`tests/scenarios/diagnosis-autoscaling.yaml`).

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_autoscaler_at_its_maximum_is_explained_with_its_metrics() {
    let env = DiagnosisEnv::start("diagnosis-autoscaling").await;
    let listed = env
        .kubectl_until(&["get", "hpa", "search", "-n", "catalog"], |out| {
            out.contains("cpu: 150%/70%") && out.split_whitespace().any(|cell| cell == "4")
        })
        .await;
    assert!(listed.contains("Deployment/search"), "{listed}");
    env.field_until(
        "deployment/search",
        Some("catalog"),
        "{.status.readyReplicas}",
        |out| out == "4",
    )
    .await;
    let diagnosis = env
        .diagnosed("search", "catalog", Cause::AutoscalerNotScaling)
        .await;
    assert_says(&diagnosis, "wants more replicas than its maximum");
    assert_says(&diagnosis, "runs 4 and maxReplicas is 4");
    assert_says(&diagnosis, "cpu at 150% of request (average 300m per pod)");
    assert_quoted(
        &diagnosis,
        "ScalingLimited=True, TooManyReplicas: the desired replica count is more than the maximum replica count",
    );
    assert!(diagnosis.proposal.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_autoscaler_without_requests_is_told_what_is_missing() {
    let env = DiagnosisEnv::start("diagnosis-autoscaling").await;
    // Before the first pod runs, the controller's reading is "no metrics
    // returned" (also FailedGetResourceMetric): a loaded CI run saw that
    // one. The missing request is what it settles on once a pod runs.
    let described = env
        .kubectl_until(
            &["get", "hpa", "indexer-hpa", "-n", "catalog", "-o", "yaml"],
            |out| out.contains("missing request for cpu in container indexer of Pod indexer-"),
        )
        .await;
    assert!(described.contains("FailedGetResourceMetric"), "{described}");
    let diagnosis = env
        .diagnosed("indexer-hpa", "catalog", Cause::AutoscalerNotScaling)
        .await;
    assert_eq!(diagnosis.subject.kind, "HorizontalPodAutoscaler");
    assert_says(&diagnosis, "is not scaling Deployment indexer");
    assert_says(
        &diagnosis,
        "missing request for cpu in container indexer of Pod indexer-",
    );
    assert_says(&diagnosis, "kubeop does not guess one");

    // Asked about the workload, the playbook finds the autoscaler pointing at
    // it once the pods are healthy (before their readiness probe first
    // passes, a not-ready pod is the better answer: a loaded CI preview asked
    // then).
    env.pods_until("catalog", &["-l", "app=indexer", "--no-headers"], |out| {
        !out.trim().is_empty()
            && out
                .lines()
                .all(|pod| pod.contains(" 1/1 ") && pod.contains("Running"))
    })
    .await;
    let by_workload = env
        .diagnosed("indexer", "catalog", Cause::AutoscalerNotScaling)
        .await;
    assert_eq!(by_workload.subject.name, "indexer-hpa");
}
