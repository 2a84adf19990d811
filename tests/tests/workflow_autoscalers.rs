//! An autoscaler's bounds changed end to end: the plan names only the bound
//! asked for, the approved change keeps the autoscaler's target and other
//! bound, and verification reads the new bound back from the cluster; an
//! autoscaler that does not exist is never created from a partial one
//! (`tests/scenarios/diagnosis-autoscaling.yaml`: catalog/search, 2-4).

use e2e::stack::Stack;
use workflow::{Outcome, Response};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_autoscalers_bounds_change_alone_and_are_verified() {
    let stack = Stack::start_scenario("diagnosis-autoscaling").await;

    let raise = stack
        .plan("set the search hpa max replicas to 8 in catalog")
        .await;
    assert_eq!(raise.target.kind, "HorizontalPodAutoscaler", "{raise:?}");
    assert_eq!(raise.target.name, "search");
    assert_eq!(raise.target.namespace.as_deref(), Some("catalog"));
    let changed: Vec<&str> = raise
        .diff
        .iter()
        .map(|change| change.path.as_str())
        .collect();
    assert_eq!(changed, ["spec.maxReplicas"], "{:?}", raise.diff);
    assert_eq!(raise.diff[0].live, Some(4.into()));
    assert_eq!(raise.diff[0].desired, Some(8.into()));
    stack.approve_to(&raise, Outcome::Verified).await;

    let lower = stack
        .plan("set the min replicas of the search hpa to 3 in catalog")
        .await;
    let changed: Vec<&str> = lower
        .diff
        .iter()
        .map(|change| change.path.as_str())
        .collect();
    assert_eq!(changed, ["spec.minReplicas"], "{:?}", lower.diff);
    stack.approve_to(&lower, Outcome::Verified).await;

    let live = stack
        .env
        .kubectl_json(&["get", "hpa", "search", "-n", "catalog"])
        .await;
    assert_eq!(live["spec"]["maxReplicas"], 8, "{live}");
    assert_eq!(live["spec"]["minReplicas"], 3, "{live}");
    assert_eq!(live["spec"]["scaleTargetRef"]["name"], "search", "{live}");
    assert_eq!(
        live["spec"]["metrics"][0]["resource"]["name"], "cpu",
        "the metrics are kept: {live}"
    );

    // No autoscaler of that name: nothing is planned, nothing created.
    match stack
        .ask("set the nosuch hpa max replicas to 5 in catalog")
        .await
    {
        Ok(Response::Plan(card)) => panic!("a partial autoscaler was planned: {card:?}"),
        Ok(_) => {}
        Err(error) => panic!("the request failed: {error}"),
    }
    assert!(stack.pending().await.is_empty());
    let missing = stack
        .env
        .kubectl(&["get", "hpa", "nosuch", "-n", "catalog"])
        .await;
    assert!(!missing.success, "{missing:?}");
}

/// A manual scale of a workload an autoscaler scales warns first that the
/// count does not last and names the bounds to change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_an_autoscaled_workload_warns_that_the_autoscaler_sets_it_back() {
    let stack = Stack::start_scenario("diagnosis-autoscaling").await;
    let card = stack.plan("scale deployment search to 6 in catalog").await;
    let first = card.warnings.first().expect("a warning");
    assert!(
        first.starts_with(
            "AUTOSCALED: horizontalpodautoscaler/search scales deployment/search between 2 and 4 replicas"
        ),
        "{:?}",
        card.warnings
    );
    assert!(
        first.contains("\"set the search hpa max replicas to N\""),
        "{first}"
    );
}
