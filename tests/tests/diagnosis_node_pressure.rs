//! Node pressure besides memory, end to end over the real MCP server and
//! real kubectl (`tests/scenarios/diagnosis-disk-pressure.yaml`): the node
//! lifecycle controller's taint for a DiskPressure node, the kubelet's
//! ephemeral-storage eviction in its own words, and the diagnoses that say
//! the node is under pressure.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_pressure_taints_the_node_and_evicts_the_pod_writing_most() {
    let env = DiagnosisEnv::start("diagnosis-disk-pressure").await;
    env.field_until("node/edge-3", None, "{.spec.taints[*].key}", |out| {
        out.contains("node.kubernetes.io/disk-pressure")
    })
    .await;
    let reason = env
        .field_until(
            "pod/transcoder-0",
            Some("media"),
            "{.status.reason}",
            |out| out == "Evicted",
        )
        .await;
    assert_eq!(reason, "Evicted");

    let evicted = env.diagnosed("transcoder-0", "media", Cause::Evicted).await;
    assert_quoted(
        &evicted,
        "phase Failed, reason Evicted: The node was low on resource: ephemeral-storage. Threshold quantity: 10737418240, available: 7340032Ki. Container ffmpeg was using 12582912Ki, request is 0, has larger consumption of ephemeral-storage.",
    );
    assert_quoted(
        &evicted,
        "[node edge-3] DiskPressure=True since 2026-11-25T09:40:00Z, KubeletHasDiskPressure: kubelet has disk pressure",
    );
    assert_quoted(
        &evicted,
        "taints node.kubernetes.io/disk-pressure:NoSchedule",
    );
    assert_says(&evicted, "node edge-3 still reports DiskPressure");
    assert_says(&evicted, "Under disk pressure the kubelet evicts first");
    assert_says(&evicted, "container ffmpeg used 12582912Ki");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_kept_off_a_pressured_node_is_told_the_node_is_under_pressure() {
    let env = DiagnosisEnv::start("diagnosis-disk-pressure").await;
    env.pods_until("media", &["-l", "app=thumbnailer"], |out| {
        out.contains("Pending")
    })
    .await;
    env.events_until("media", "FailedScheduling", |out| {
        out.contains("untolerated taint {node.kubernetes.io/disk-pressure: }")
    })
    .await;
    let pending = env
        .diagnosed("thumbnailer", "media", Cause::Unschedulable)
        .await;
    assert_quoted(
        &pending,
        "untolerated taint {node.kubernetes.io/disk-pressure: }",
    );
    assert_quoted(
        &pending,
        "[node edge-3] DiskPressure: kubelet has disk pressure",
    );
    assert_says(&pending, "node edge-3 is under DiskPressure");
}
