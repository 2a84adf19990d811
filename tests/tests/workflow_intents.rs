//! Requests in everyday words through the whole coordinator, against the
//! simulated cluster and the real MCP server: a namespace switch that scopes
//! the later requests of its session, a resource limit or image change whose
//! container the workflow finds on the live workload, warnings read as
//! events, trouble with nothing named checked as health, and a DNS question
//! planned as a debug-pod test.

use e2e::objects;
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::{Value, json};
use workflow::{Outcome, Response};

/// A Deployment of one replica with one nginx container per name.
fn deployment(namespace: &str, name: &str, containers: &[&str]) -> Value {
    let mut deployment = objects::deployment(namespace, name, 1);
    deployment["spec"]["template"]["spec"]["containers"] = containers
        .iter()
        .map(|container| json!({"name": container, "image": "nginx:1.27"}))
        .collect();
    deployment
}

fn cluster() -> Vec<Value> {
    vec![
        objects::node(),
        objects::namespace("demo"),
        objects::namespace("shop"),
        objects::pod("demo", "tool"),
        objects::pod("shop", "cart-0"),
        deployment("demo", "web", &["app"]),
        deployment("demo", "duo", &["main", "sidecar"]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_switch_scopes_the_later_requests_of_its_session_only() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let switched = stack.answer_in("alice", "use namespace shop").await;
    assert_eq!(switched.path, "switch_context");
    assert!(switched.text.contains("shop"), "{switched:?}");

    let pods = stack.answer_in("alice", "list pods").await;
    assert_eq!(pods.tool.as_deref(), Some("pods_list_in_namespace"));
    assert!(pods.text.contains("cart-0"), "{pods:?}");
    assert!(!pods.text.contains("tool"), "only shop's pods: {pods:?}");

    let named = stack.answer_in("alice", "list pods in demo").await;
    assert!(
        named.text.contains("tool") && !named.text.contains("cart-0"),
        "{named:?}"
    );

    let everywhere = stack.answer_in("alice", "list all pods").await;
    assert_eq!(everywhere.tool.as_deref(), Some("pods_list"));

    let other_session = stack.answer_in("bob", "list pods").await;
    assert_eq!(other_session.tool.as_deref(), Some("pods_list"));

    match stack.ask_in("alice", "switch to namespace nowhere").await {
        Ok(Response::Clarify(question)) => {
            assert_eq!(question.missing, vec!["namespace"]);
            assert!(
                question.candidates.contains(&"shop".to_owned()),
                "{question:?}"
            );
        }
        other => panic!("an unknown namespace should be questioned, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_switch_to_a_namespace_name_switches_the_namespace_as_kubens_does() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    // "use shop" names a context as `use-context` does; the kubeconfig has
    // none called shop, the cluster has that namespace: it is meant.
    for (session, request) in [
        ("carol", "use shop"),
        ("dave", "ns shop"),
        ("erin", "cd shop"),
    ] {
        let switched = stack.answer_in(session, request).await;
        assert_eq!(switched.path, "switch_context", "{request}");
        assert!(
            switched.text.contains("namespace shop"),
            "{request}: {switched:?}"
        );
        let pods = stack.answer_in(session, "list pods").await;
        assert!(
            pods.text.contains("cart-0") && !pods.text.contains("tool"),
            "{request}: only shop's pods: {pods:?}"
        );
    }
    // Neither a context nor a namespace: the contexts there are.
    match stack.ask_in("carol", "use nowhere").await {
        Ok(Response::Clarify(question)) => {
            assert_eq!(question.missing, vec!["context"], "{question:?}");
        }
        other => panic!("an unknown context should be questioned, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_limit_change_fills_in_the_only_container_and_is_verified() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack.plan("set memory limit of web to 256Mi in demo").await;
    assert_eq!(card.operation, "create_update");
    assert!(
        card.inferred
            .iter()
            .any(|note| note.contains("container app")),
        "the container is stated: {:?}",
        card.inferred
    );
    assert!(
        card.diff
            .iter()
            .any(|change| change.path.contains("containers[app].resources.limits")),
        "{:?}",
        card.diff
    );
    stack.approve_to(&card, Outcome::Verified).await;
    let live = stack
        .env
        .kubectl_json(&["get", "deployment", "web", "-n", "demo"])
        .await;
    let containers = &live["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers.as_array().map(Vec::len), Some(1), "{containers}");
    assert_eq!(containers[0]["name"], "app");
    assert_eq!(containers[0]["resources"]["limits"]["memory"], "256Mi");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_set_resources_sets_every_pair_of_its_flags() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack
        .plan("kubectl set resources deployment web -n demo --limits=cpu=1,memory=512Mi --requests=cpu=250m")
        .await;
    assert_eq!(card.operation, "create_update");
    stack.approve_to(&card, Outcome::Verified).await;
    let live = stack
        .env
        .kubectl_json(&["get", "deployment", "web", "-n", "demo"])
        .await;
    let resources = &live["spec"]["template"]["spec"]["containers"][0]["resources"];
    assert_eq!(resources["limits"]["cpu"], "1", "{resources}");
    assert_eq!(resources["limits"]["memory"], "512Mi", "{resources}");
    assert_eq!(resources["requests"]["cpu"], "250m", "{resources}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_change_without_a_container_asks_which_when_there_are_several() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let question = stack
        .clarify("set image of duo to nginx:1.28 in demo")
        .await;
    assert_eq!(question.missing, vec!["container"]);
    assert_eq!(question.candidates, vec!["main", "sidecar"]);
    assert!(stack.pending().await.is_empty(), "nothing is planned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_read_events_and_unnamed_trouble_checks_the_namespace_health() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let events = stack.answer("any warnings in demo?").await;
    assert_eq!(events.tool.as_deref(), Some("events_list"));
    assert!(!events.error, "{events:?}");
    match stack.ask("any problems in demo?").await {
        Ok(Response::Health(health)) => assert_eq!(health.context, "sim"),
        other => panic!("unnamed trouble should get the health overview, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dns_question_is_planned_as_a_debug_pod_test() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack.plan("is dns working in demo?").await;
    assert_eq!(card.operation, "run");
    assert_eq!(card.target.namespace.as_deref(), Some("demo"));
    let plan = serde_json::to_string(&card).expect("a card serialises");
    assert!(
        plan.contains("nslookup"),
        "the test is part of the plan: {plan}"
    );
}
