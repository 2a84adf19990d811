//! A pod whose bound volume lives in a zone without nodes, end to end over
//! the real MCP server and real kubectl
//! (`tests/scenarios/diagnosis-volume-zones.yaml`): the scheduler's
//! VolumeBinding filter keeps it Pending in its own words, and the playbook
//! names the volume's zone and the nodes' zones.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_whose_volume_is_pinned_to_a_zone_without_nodes_is_explained() {
    let env = DiagnosisEnv::start("diagnosis-volume-zones").await;
    let diagnosis = env
        .unschedulable(
            "ledger-db",
            "orders",
            "0/2 nodes are available: 2 node(s) had volume node affinity conflict. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
        )
        .await;
    assert_eq!(diagnosis.subject.name, "ledger-db-0");
    assert_quoted(
        &diagnosis,
        "[PersistentVolume pvc-8f14e45f-ceea-467a-9d0c-2b1c7a3e6f10] nodeAffinity required: topology.kubernetes.io/zone In [eu-west-1a]",
    );
    assert_says(
        &diagnosis,
        "behind claim data-ledger-db-0 can only be attached on nodes with topology.kubernetes.io/zone In [eu-west-1a], and the nodes are ip-10-0-2-17.eu-west-1.compute.internal (eu-west-1b), ip-10-0-3-41.eu-west-1.compute.internal (eu-west-1c)",
    );
    assert_says(&diagnosis, "deleting the claim loses its data");
}
