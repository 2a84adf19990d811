//! A node drain that cannot finish, end to end over real kubectl and the
//! real MCP server (`tests/scenarios/diagnosis-drain.yaml`): `kubectl
//! drain` cordons the node and the eviction API refuses the pod a
//! PodDisruptionBudget keeps (429); asked about the node, the playbook names
//! the budget and proposes one more replica, and once that plan is applied
//! the drain completes.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_held_by_a_disruption_budget_is_explained_and_unblocked_by_one_more_replica() {
    let env = DiagnosisEnv::start("diagnosis-drain").await;
    env.field_until(
        "poddisruptionbudget/web-pdb",
        Some("shop"),
        "{.status.currentHealthy} {.status.disruptionsAllowed}",
        |out| out == "2 0",
    )
    .await;
    let placed = env
        .field_until(
            "pods",
            Some("shop"),
            "{.items[0].metadata.name} {.items[0].spec.nodeName}",
            |out| out.split_whitespace().count() == 2,
        )
        .await;
    let node = placed
        .split_whitespace()
        .nth(1)
        .expect("the node of a web pod")
        .to_string();

    let drain = env
        .sim
        .kubectl(&[
            "drain",
            &node,
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout=3s",
        ])
        .await;
    assert!(!drain.success, "{drain:?}");
    assert!(
        drain
            .stderr
            .contains("Cannot evict pod as it would violate the pod's disruption budget."),
        "{drain:?}"
    );
    env.field_until(
        &format!("node/{node}"),
        None,
        "{.spec.taints[*].key}",
        |out| out.contains("node.kubernetes.io/unschedulable"),
    )
    .await;

    let diagnosis = env.diagnosed(&node, "shop", Cause::DrainBlocked).await;
    assert_eq!(diagnosis.subject.kind, "Node");
    assert_says(
        &diagnosis,
        &format!("Node {node} is cordoned but cannot be drained: pod shop/web-"),
    );
    assert_says(&diagnosis, "is kept by PodDisruptionBudget web-pdb");
    assert_quoted(
        &diagnosis,
        "[PodDisruptionBudget shop/web-pdb status] disruptionsAllowed 0 (minAvailable 2; 2 of 2 pods healthy, 2 needed)",
    );
    assert_quoted(
        &diagnosis,
        "unschedulable: true; taints node.kubernetes.io/unschedulable:NoSchedule",
    );
    let proposal = diagnosis.proposal.expect("one more replica");
    assert_eq!(proposal.target.name, "web");
    assert_eq!(proposal.current, "replicas 2");
    assert_eq!(proposal.desired, "replicas 3");

    env.apply(&proposal).await;
    env.field_until(
        "poddisruptionbudget/web-pdb",
        Some("shop"),
        "{.status.disruptionsAllowed}",
        |out| out == "1",
    )
    .await;
    env.sim
        .kubectl(&[
            "drain",
            &node,
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout=60s",
        ])
        .await
        .expect_success("the drain completes");
    env.field_until("pods", Some("shop"), "{.items[*].spec.nodeName}", |out| {
        !out.split_whitespace().any(|placed| placed == node)
    })
    .await;
}

/// Deleting a pod a budget protects is not an eviction: the budget does
/// not hold it back, so the plan says so (the steps kubeop offers for a
/// drain are exactly such deletes); a pod no budget covers gets no warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_pod_a_budget_allows_no_disruption_of_is_warned_about() {
    let stack = e2e::stack::Stack::start_scenario("diagnosis-drain").await;
    let sim = &stack.env;
    let healthy = sim
        .field_until(
            "poddisruptionbudget/web-pdb",
            Some("shop"),
            "{.status.currentHealthy} {.status.disruptionsAllowed}",
            |out| out == "2 0",
        )
        .await;
    assert_eq!(healthy, "2 0");
    let pod = sim
        .field_until("pods", Some("shop"), "{.items[0].metadata.name}", |out| {
            !out.is_empty()
        })
        .await;
    let card = stack.plan(&format!("delete pod {pod} in shop")).await;
    assert!(
        card.warnings.iter().any(|warning| warning
            == "PodDisruptionBudget shop/web-pdb covers this pod and allows no disruption now (minAvailable 2, 2 healthy): a delete is not an eviction, so the budget does not stop it, and the pods it protects drop below what it guarantees until the replacement is ready"),
        "{:?}",
        card.warnings
    );
    let run = sim
        .kubectl(&[
            "run",
            "solo",
            "-n",
            "shop",
            "--image=busybox",
            "--labels=app=solo",
        ])
        .await;
    assert!(run.success, "{run:?}");
    let card = stack.plan("delete pod solo in shop").await;
    assert!(
        card.warnings
            .iter()
            .all(|warning| !warning.contains("PodDisruptionBudget")),
        "{:?}",
        card.warnings
    );
}
