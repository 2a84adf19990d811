//! Kubelet evictions besides memory and disk pressure, end to end over the
//! real MCP server and real kubectl (`tests/scenarios/diagnosis-evictions.yaml`):
//! a pod evicted under PIDPressure (the kubelet's message names no
//! container) and a pod evicted for writing past its own ephemeral-storage
//! limit on a node under no pressure at all.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

/// Waits until the kubelet has evicted `pod` in namespace jobs.
async fn evicted(env: &DiagnosisEnv, pod: &str) {
    let reason = env
        .field_until(
            &format!("pod/{pod}"),
            Some("jobs"),
            "{.status.reason}",
            |out| out == "Evicted",
        )
        .await;
    assert_eq!(reason, "Evicted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_evicted_under_pid_pressure_is_blamed_on_its_processes() {
    let env = DiagnosisEnv::start("diagnosis-evictions").await;
    env.field_until("node/batch-7", None, "{.spec.taints[*].key}", |out| {
        out.contains("node.kubernetes.io/pid-pressure")
    })
    .await;
    evicted(&env, "crawler-0").await;

    let diagnosis = env.diagnosed("crawler-0", "jobs", Cause::Evicted).await;
    assert_quoted(
        &diagnosis,
        "phase Failed, reason Evicted: The node was low on resource: pids. Threshold quantity: 419430, available: 294304.",
    );
    assert_quoted(
        &diagnosis,
        "[node batch-7] PIDPressure=True since 2026-11-25T10:05:00Z, KubeletHasInsufficientPID: kubelet has insufficient PID available",
    );
    assert_quoted(
        &diagnosis,
        "taints node.kubernetes.io/pid-pressure:NoSchedule",
    );
    assert_quoted(
        &diagnosis,
        "Warning Evicted: The node was low on resource: pids.",
    );
    assert_says(&diagnosis, "node batch-7 still reports PIDPressure");
    assert_says(
        &diagnosis,
        "Under PID pressure the kubelet evicts first the pods running the most processes",
    );
    assert_says(&diagnosis, "podPidsLimit");
    assert!(diagnosis.proposal.is_none(), "no safe automatic fix");

    // One pod at a time, the top-ranked: crawler-0's processes freed
    // enough, so indexer-0 on the same node keeps running (once started:
    // under load it may still be creating) and is never evicted.
    env.kubectl_until(&["get", "pod", "indexer-0", "-n", "jobs"], |out| {
        out.lines()
            .any(|line| line.starts_with("indexer-0") && line.contains("Running"))
    })
    .await;
    let events = env.sim.kubectl_ok(&["get", "events", "-n", "jobs"]).await;
    assert!(
        !events
            .lines()
            .any(|line| line.contains("indexer-0") && line.contains("Evicted")),
        "{events}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_over_its_ephemeral_storage_limit_is_evicted_without_node_pressure() {
    let env = DiagnosisEnv::start("diagnosis-evictions").await;
    evicted(&env, "log-compactor").await;
    let conditions = env
        .field_until(
            "pod/log-compactor",
            Some("jobs"),
            "{.status.conditions[*].type}",
            |out| !out.is_empty(),
        )
        .await;
    assert!(
        !conditions.contains("DisruptionTarget"),
        "a limit eviction is no node-pressure disruption: {conditions}"
    );

    let diagnosis = env.diagnosed("log-compactor", "jobs", Cause::Evicted).await;
    assert_quoted(
        &diagnosis,
        "phase Failed, reason Evicted: Pod ephemeral local storage usage exceeds the total limit of containers 2Gi.",
    );
    assert_quoted(
        &diagnosis,
        "Warning Evicted: Pod ephemeral local storage usage exceeds the total limit of containers 2Gi.",
    );
    assert_says(&diagnosis, "node web-2 reports no pressure now");
    assert_says(
        &diagnosis,
        "the pod's own ephemeral-storage limit, not node pressure",
    );
    assert_says(&diagnosis, "resources.limits.ephemeral-storage");
    assert!(
        !diagnosis.summary.contains("Under disk pressure"),
        "{}",
        diagnosis.summary
    );
    assert!(
        diagnosis.proposal.is_none(),
        "how much it needs is not known"
    );
}
