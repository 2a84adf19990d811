//! The coordinator's other paths end to end: the read-only fast path, the
//! health check through the diagnosis playbook, and hand-offs.

use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::json;
use workflow::Response;

fn cluster() -> Vec<serde_json::Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}),
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "tool", "namespace": "demo"},
               "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}),
        // Labelled as most charts do: the recommended name label, no `app`.
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "catalog-0", "namespace": "demo",
                            "labels": {"app.kubernetes.io/name": "catalog"}},
               "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pods_for_an_app_are_found_by_the_recommended_name_label_too() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let answer = stack.answer("show me the pods for catalog in demo").await;
    assert!(
        answer.text.starts_with(
            "Selected by app.kubernetes.io/name=catalog (nothing carries app=catalog)"
        ),
        "the answer says which selector matched: {answer:?}"
    );
    assert!(answer.text.contains("catalog-0"), "{answer:?}");
    assert!(
        !answer.text.contains("tool"),
        "only the app's pods: {answer:?}"
    );
    let none = stack.answer("show me the pods for ledger in demo").await;
    assert_eq!(
        none.text, "No pods matching app=ledger found in namespace demo.",
        "{none:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_is_answered_as_the_server_formats_it_with_the_context() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let answer = stack.answer("get pod tool -n demo").await;
    assert_eq!(answer.path, "read_only");
    assert_eq!(answer.context, "sim");
    assert!(answer.text.contains("name: tool"), "{answer:?}");
    assert!(stack.pending().await.is_empty(), "a read plans nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_check_is_one_overview_in_the_sessions_context() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    match stack.ask("check the cluster health").await {
        Ok(Response::Health(health)) => {
            assert_eq!(health.context, "sim");
            assert!(health.report.get("summary").is_some(), "{health:?}");
        }
        other => panic!("a health check should give the overview, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_scope_requests_are_handed_off() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    match stack.ask("upgrade the helm release payments").await {
        Ok(Response::Handoff(handoff)) => {
            assert_eq!(handoff.domain, "helm");
            let found = handoff.found.expect("what was found");
            assert_eq!(found.name.as_deref(), Some("payments"), "the release named");
            assert_eq!(found.context.as_deref(), Some("sim"));
        }
        other => panic!("a Helm request should be handed off, got {other:?}"),
    }
}
