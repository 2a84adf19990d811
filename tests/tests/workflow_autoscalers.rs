//! An autoscaler's bounds changed end to end: the plan names only the bound
//! asked for, the approved change keeps the autoscaler's target and other
//! bound, and verification reads the new bound back from the cluster; an
//! autoscaler that does not exist is never created from a partial one
//! (`tests/scenarios/diagnosis-autoscaling.yaml`: catalog/search, 2-4).

use e2e::objects::{deployment, namespace, node};
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::json;
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

/// A bound asked of an autoscaler that is not there: the one scaling the
/// workload under another name is changed; with none, the plan creates one
/// as `kubectl autoscale` would, its defaults on the card; a minimum alone
/// is asked about, since an autoscaler needs a maximum kubeop will not guess.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bound_of_a_missing_autoscaler_changes_the_workloads_or_creates_one() {
    let objects = vec![
        node(),
        namespace("shop"),
        deployment("shop", "nginx", 2),
        deployment("shop", "api", 3),
        deployment("shop", "cart", 1),
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": "api-scaler", "namespace": "shop"},
               "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                        "minReplicas": 2, "maxReplicas": 5}}),
    ];
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;

    // No namespace named: the workload's; no autoscaler: a new one.
    let card = stack.plan("set max replicas of the nginx hpa to 10").await;
    assert_eq!(
        (card.target.kind.as_str(), card.target.name.as_str()),
        ("HorizontalPodAutoscaler", "nginx")
    );
    assert_eq!(card.target.namespace.as_deref(), Some("shop"));
    assert!(
        card.warnings[0]
            .starts_with("No HorizontalPodAutoscaler scales deployment/nginx in namespace shop")
            && card.warnings[0].contains(
                "`kubectl autoscale deployment nginx --min=2 --max=10 --cpu-percent=80 -n shop`"
            )
            && card.warnings[0].contains("min 2 (its replicas now"),
        "{:?}",
        card.warnings
    );
    assert!(
        card.warnings
            .iter()
            .any(|warning| warning.starts_with("Container app of deployment/nginx requests no CPU")),
        "{:?}",
        card.warnings
    );
    let before = stack
        .env
        .kubectl(&["get", "hpa", "nginx", "-n", "shop"])
        .await;
    assert!(!before.success, "nothing is created before approval");
    stack.approve_to(&card, Outcome::Verified).await;
    let created = stack
        .env
        .kubectl_json(&["get", "hpa", "nginx", "-n", "shop"])
        .await;
    assert_eq!(created["spec"]["scaleTargetRef"]["kind"], "Deployment");
    assert_eq!(created["spec"]["scaleTargetRef"]["name"], "nginx");
    assert_eq!(created["spec"]["minReplicas"], 2);
    assert_eq!(created["spec"]["maxReplicas"], 10);

    // The autoscaler of api is named otherwise: that one, its bound alone.
    let api = stack.plan("set the api hpa max replicas to 8").await;
    assert_eq!(api.target.name, "api-scaler");
    let changed: Vec<&str> = api.diff.iter().map(|change| change.path.as_str()).collect();
    assert_eq!(changed, ["spec.maxReplicas"], "{:?}", api.diff);
    assert!(
        api.inferred
            .iter()
            .any(|line| line.contains("the autoscaler of deployment/api")),
        "{:?}",
        api.inferred
    );

    // `kubectl autoscale` itself: its flags, the CPU target included.
    let autoscale = stack
        .plan("kubectl autoscale deployment cart --min=1 --max=4 --cpu-percent=60")
        .await;
    assert_eq!(autoscale.target.name, "cart");
    assert!(
        autoscale.warnings[0].contains(
            "min 1 (asked), max 4 (asked), aiming at 60% average CPU utilization (asked)"
        ),
        "{:?}",
        autoscale.warnings
    );
    let again = stack.plan("kubectl autoscale deployment api --max=9").await;
    assert_eq!(again.target.name, "api-scaler");
    let changed: Vec<&str> = again
        .diff
        .iter()
        .map(|change| change.path.as_str())
        .collect();
    assert_eq!(changed, ["spec.maxReplicas"], "{:?}", again.diff);

    // A minimum alone: the maximum is asked for, with the command.
    let cart = stack.clarify("set min replicas of the cart hpa to 3").await;
    assert!(
        cart.question
            .contains("kubectl autoscale deployment cart --min=3 --max=N --cpu-percent=80 -n shop"),
        "{cart:?}"
    );
}
