//! What must not run: denied plans, approvals naming another hash, second
//! approvals, expired plans, plans refused by policy, and changes the
//! cluster itself forbids (the simulated cluster's read-only user). Also:
//! pending plans survive a restart of kubeop.

use std::time::Duration;

use e2e::stack::Stack;
use hitl::HitlError;
use hitl::policy::{ApprovalPolicy, NamePattern};
use serde_json::{Value, json};
use workflow::{ApproveRequest, DenyRequest, Outcome, ProgressSink, Response, WorkflowError};

fn cluster() -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}),
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "tool", "namespace": "demo"},
               "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}),
    ]
}

async fn pod_exists(stack: &Stack) -> bool {
    stack
        .env
        .kubectl(&["get", "pod", "tool", "-n", "demo"])
        .await
        .success
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_plan_never_runs() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack.plan("delete pod tool in namespace demo").await;
    let denied = stack
        .coordinator
        .deny(DenyRequest {
            plan_id: card.plan_id.clone(),
            approver: "approver".into(),
            reason: "not during the incident".into(),
        })
        .await
        .expect("denied");
    assert!(matches!(denied, Response::Answer(answer) if answer.text.contains("denied")));
    let approval = stack.approve(&card).await;
    assert!(
        matches!(approval, Err(WorkflowError::Approval(HitlError::Denied { ref reason, .. })) if reason == "not during the incident"),
        "{approval:?}"
    );
    assert!(pod_exists(&stack).await);
    assert_eq!(
        stack.recorded(&card.plan_id).await,
        ["requested", "planned", "denied"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_naming_another_hash_is_refused_and_a_second_approval_too() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack.plan("delete pod tool in namespace demo").await;
    let other = stack.plan("create namespace elsewhere").await;
    let mismatched = stack
        .coordinator
        .approve(
            ApproveRequest {
                plan_id: card.plan_id.clone(),
                plan_hash: other.plan_hash,
                approver: "approver".into(),
                retyped_name: None,
            },
            ProgressSink::default(),
        )
        .await;
    assert!(
        matches!(
            mismatched,
            Err(WorkflowError::Approval(HitlError::HashMismatch { .. }))
        ),
        "{mismatched:?}"
    );
    assert!(pod_exists(&stack).await, "nothing ran on a mismatched hash");
    let first = stack.approve(&card).await.expect("the right hash approves");
    assert_eq!(first.outcome, Outcome::Verified, "{first:?}");
    let second = stack.approve(&card).await;
    assert!(
        matches!(
            second,
            Err(WorkflowError::Approval(HitlError::AlreadyApproved { .. }))
        ),
        "{second:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_plan_cannot_be_approved() {
    let policy = ApprovalPolicy {
        approval_ttl_seconds: 1,
        ..ApprovalPolicy::default()
    };
    let stack = Stack::start(cluster(), policy).await;
    let card = stack.plan("delete pod tool in namespace demo").await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let approval = stack.approve(&card).await;
    assert!(
        matches!(
            approval,
            Err(WorkflowError::Approval(HitlError::Expired { .. }))
        ),
        "{approval:?}"
    );
    assert!(pod_exists(&stack).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_plan_survives_a_restart_and_stays_single_use() {
    let mut stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack.plan("delete pod tool in namespace demo").await;
    let done = stack.plan("create namespace before-restart").await;
    stack.approve(&done).await.expect("runs before the restart");
    stack.restart().await;
    let pending = stack.pending().await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].plan_id, card.plan_id);
    assert_eq!(pending[0].plan_hash, card.plan_hash);
    let again = stack.approve(&done).await;
    assert!(
        matches!(
            again,
            Err(WorkflowError::Approval(HitlError::AlreadyApproved { .. }))
        ),
        "{again:?}"
    );
    let result = stack
        .approve(&card)
        .await
        .expect("approvable after the restart");
    assert_eq!(result.outcome, Outcome::Verified, "{result:?}");
    assert!(!pod_exists(&stack).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_namespace_is_refused_at_planning() {
    let policy = ApprovalPolicy {
        read_only_namespaces: vec![NamePattern::new("demo")],
        ..ApprovalPolicy::default()
    };
    let stack = Stack::start(cluster(), policy).await;
    let refused = stack.ask("delete pod tool in namespace demo").await;
    assert!(
        matches!(refused, Err(WorkflowError::Policy(_))),
        "{refused:?}"
    );
    assert!(stack.pending().await.is_empty());
    assert!(pod_exists(&stack).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clusters_403_for_a_read_only_user_is_a_failed_outcome_with_the_reason() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let switched = stack.ask("switch to context sim-readonly").await;
    assert!(
        matches!(&switched, Ok(Response::Answer(answer)) if answer.context == "sim-readonly"),
        "{switched:?}"
    );
    let card = stack.plan("delete pod tool in namespace demo").await;
    assert_eq!(card.target.context, "sim-readonly");
    let result = stack.approve_to(&card, Outcome::Failed).await;
    assert!(
        result
            .evidence
            .iter()
            .any(|line| line.contains("forbidden")),
        "the cluster's reason is quoted: {result:?}"
    );
    assert!(pod_exists(&stack).await);
    assert_eq!(
        stack.recorded(&card.plan_id).await,
        ["requested", "planned", "approved", "failed"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_context_gets_the_list_back_and_a_named_context_holds_for_one_request() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let clarify = stack.clarify("switch to context nowhere").await;
    assert!(
        clarify.candidates.contains(&"sim".to_owned()),
        "{clarify:?}"
    );
    assert!(
        clarify.candidates.contains(&"sim-readonly".to_owned()),
        "{clarify:?}"
    );
    let answer = stack
        .answer("list pods in namespace demo --context sim-readonly")
        .await;
    assert_eq!(answer.context, "sim-readonly");
    let answer = stack.answer("list pods in namespace demo").await;
    assert_eq!(
        answer.context, "sim",
        "the named context held for one request only"
    );
    assert!(answer.text.contains("tool"), "{answer:?}");
    // A read or a change naming a context the kubeconfig lacks gets the
    // same list back, not the server's "failed to create rest config".
    for request in [
        "list pods in namespace demo --context nowhere",
        "delete pod tool in namespace demo --context nowhere",
    ] {
        let unknown = stack.clarify(request).await;
        assert!(
            unknown
                .question
                .starts_with("There is no context nowhere in the kubeconfig. Available: ")
                && unknown.candidates.contains(&"sim".to_owned()),
            "{request}: {unknown:?}"
        );
    }
    assert!(stack.pending().await.is_empty());
}
