//! A workload asking a hostPort on more replicas than the cluster has
//! nodes, end to end over the real MCP server and real kubectl
//! (`tests/scenarios/diagnosis-hostports.yaml`): the scheduler's NodePorts
//! filter keeps the extra replica Pending in its own words, and the
//! playbook names the port and why one replica per node is the most.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_without_a_free_host_port_is_pending_and_the_port_named() {
    let env = DiagnosisEnv::start("diagnosis-hostports").await;
    env.sim
        .ready_pods_until("ingress", "app=edge-proxy", 2)
        .await;
    let diagnosis = env
        .unschedulable(
            "edge-proxy",
            "ingress",
            "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.",
        )
        .await;
    assert_quoted(
        &diagnosis,
        "[pod spec] hostPort 8443/TCP of container envoy",
    );
    assert_says(
        &diagnosis,
        "every node that could take it already runs a pod holding the host port it asks for",
    );
    assert_says(
        &diagnosis,
        "runs at most one replica per node (the cluster has 2 node(s))",
    );
}
