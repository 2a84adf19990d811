//! The pod-failure playbook when the node is the cause, end to end over the
//! real MCP server and the simulated cluster (`tests/scenarios/diagnosis-nodes.yaml`):
//! a pod evicted under MemoryPressure, and a pod on a node that stopped
//! reporting, then deleted and stuck Terminating.

use e2e::LOST_NODE_SINCE;
use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_evicted_under_memory_pressure_is_named_with_the_kubelets_numbers() {
    let env = DiagnosisEnv::start("diagnosis-nodes").await;
    env.pods_until("shop", &[], |out| {
        out.lines()
            .any(|line| line.starts_with("report-builder") && line.contains("Error"))
    })
    .await;

    let evicted = env
        .diagnosed("report-builder", "shop", Cause::Evicted)
        .await;
    assert_quoted(
        &evicted,
        "phase Failed, reason Evicted: The node was low on resource: memory. Threshold quantity: 100Mi",
    );
    assert_quoted(
        &evicted,
        "Container builder was using 1843200Ki, request is 256Mi, has larger consumption of memory.",
    );
    assert_quoted(
        &evicted,
        "[node node-a] MemoryPressure=True since 2026-11-25T08:10:00Z, KubeletHasInsufficientMemory: kubelet has insufficient memory available",
    );
    assert_quoted(
        &evicted,
        "Warning Evicted: The node was low on resource: memory.",
    );
    assert_says(&evicted, "was evicted by the kubelet of node node-a");
    assert_says(
        &evicted,
        "container builder used 1843200Ki against a request of 256Mi",
    );
    assert_says(&evicted, "No workload owns it");
    assert!(evicted.proposal.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_on_a_lost_node_is_blamed_on_the_node_and_stays_terminating_when_deleted() {
    let env = DiagnosisEnv::start("diagnosis-nodes").await;
    let placed = env
        .kubectl_until(
            &[
                "get", "pods", "-n", "shop", "-l", "app=checkout", "-o",
                "jsonpath={.items[0].metadata.name} {.items[0].spec.nodeName} {.items[0].status.phase} {.items[0].status.conditions[?(@.type==\"Ready\")].status}",
            ],
            // Ready, not only Running: the node controller marks a pod
            // NotReady (and says so in an event) only when it was ready.
            |out| out.ends_with(" node-b Running True"),
        )
        .await;
    let pod = placed
        .split_whitespace()
        .next()
        .expect("the checkout pod's name")
        .to_string();
    env.sim.lose_node("node-b").await;
    env.field_until(
        &format!("pod/{pod}"),
        Some("shop"),
        "{.status.conditions[?(@.type==\"Ready\")].status}",
        |out| out == "False",
    )
    .await;
    env.events_until("shop", "NodeNotReady", |out| out.contains("NodeNotReady"))
        .await;

    let down = env.diagnosed("checkout", "shop", Cause::NodeNotReady).await;
    assert_eq!(down.subject.name, pod);
    assert_quoted(
        &down,
        &format!(
            "[node node-b] Ready=Unknown since {LOST_NODE_SINCE}, NodeStatusUnknown: Kubelet stopped posting node status."
        ),
    );
    assert_quoted(&down, "Warning NodeNotReady: Node is not ready");
    assert_quoted(&down, "on node node-b, Ready condition False");
    assert_says(&down, "which is not Ready");
    assert_says(&down, "replaces the pod on another node once it is evicted");
    assert!(down.proposal.is_none(), "a lost node needs a human");

    env.sim
        .kubectl(&["delete", "pod", &pod, "-n", "shop", "--wait=false"])
        .await
        .expect_success("delete the pod on the lost node");
    env.pods_until("shop", &["-l", "app=checkout", "-o", "wide"], |out| {
        out.lines()
            .any(|line| line.contains("Running") && line.contains("node-c"))
            && out.contains("Terminating")
    })
    .await;
    let stuck = env.diagnosed(&pod, "shop", Cause::NodeNotReady).await;
    assert_quoted(&stuck, "(Terminating)");
    assert_says(&stuck, "stays Terminating");
    assert_says(
        &stuck,
        &format!("kubectl delete pod {pod} -n shop --grace-period=0 --force"),
    );
}
