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
    ]
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
        Ok(Response::Handoff(handoff)) => assert_eq!(handoff.domain, "helm"),
        other => panic!("a Helm request should be handed off, got {other:?}"),
    }
}
