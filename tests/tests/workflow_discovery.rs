//! Discovery and hand-offs end to end: what a request leaves out is filled
//! from the cluster or the operations log and stated on the plan, several
//! candidates are a question, and a PLAN-LOCKED hand-off runs exactly the
//! parameters approved upstream, once.

use e2e::objects::{deployment, namespace};
use e2e::stack::Stack;
use hitl::HitlError;
use hitl::grant::PlanHash;
use hitl::policy::{ApprovalPolicy, PlanTarget};
use serde_json::{Map, Value, json};
use workflow::{
    LockedPlanHandoff, Outcome, Request, Response, SessionId, SupervisorHandoff, WorkflowError,
};

fn pod(namespace: &str, name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": namespace},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})
}

fn cluster() -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        pod("shop", "cart"),
        pod("demo", "web-a"),
        pod("demo", "web-b"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_the_request_leaves_out_is_found_and_stated() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack.plan("delete pod cart").await;
    assert_eq!(card.target.namespace.as_deref(), Some("shop"));
    assert!(
        card.inferred
            .iter()
            .any(|note| note.contains("namespace shop")),
        "{:?}",
        card.inferred
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_to_a_workload_in_another_namespace_finds_it_and_a_new_one_stays_default() {
    let mut objects = cluster();
    objects.extend([
        e2e::objects::deployment("shop", "checkout", 1),
        e2e::objects::deployment("shop", "api", 1),
        e2e::objects::deployment("demo", "api", 1),
    ]);
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    for request in ["restart checkout", "set image of checkout to nginx:1.28"] {
        let card = stack.plan(request).await;
        assert_eq!(card.target.namespace.as_deref(), Some("shop"), "{request}");
        assert!(
            card.inferred
                .iter()
                .any(|note| note.contains("namespace shop")),
            "{request}: {:?}",
            card.inferred
        );
    }
    let question = stack.clarify("restart api").await;
    assert_eq!(question.missing, ["namespace"], "{question:?}");
    assert_eq!(question.candidates, ["demo", "shop"]);
    // A new object is created where the context points, never onto a
    // namesake found in another namespace.
    let card = stack
        .plan("create deployment checkout with image nginx:1.27")
        .await;
    assert_eq!(
        card.target.namespace.as_deref(),
        Some("default"),
        "{card:?}"
    );
    assert!(stack.pending().await.len() >= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workload_named_as_its_service_is_found_by_that_word_in_its_namespace() {
    let mut objects = cluster();
    objects.extend([
        e2e::objects::deployment("shop", "web", 1),
        e2e::objects::deployment("shop", "payment-service", 1),
    ]);
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    // "the web service": Service web's workload is web, never a
    // `web-service` the cluster does not have.
    let card = stack.plan("scale the web service to 3").await;
    assert_eq!(card.target.name, "web", "{card:?}");
    assert_eq!(card.target.namespace.as_deref(), Some("shop"), "{card:?}");
    // "the payment service" with no namespace named: no object is called
    // "payment", so the namespace of the one it stands for is the one.
    for request in ["restart the payment service", "scale payment to 2"] {
        let card = stack.plan(request).await;
        assert_eq!(card.target.name, "payment-service", "{request}: {card:?}");
        assert_eq!(
            card.target.namespace.as_deref(),
            Some("shop"),
            "{request}: {card:?}"
        );
        assert!(
            card.inferred
                .iter()
                .any(|note| note.contains("namespace shop") && note.contains("\"payment\"")),
            "{request}: {:?}",
            card.inferred
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_candidates_are_a_question_never_a_guess() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let clarify = stack.clarify("delete the web pod in namespace demo").await;
    // Candidates come best first (running, then newest): which of the two
    // that is depends on when each pod started, so only the set is fixed.
    let mut candidates = clarify.candidates.clone();
    candidates.sort();
    assert_eq!(candidates, ["web-a", "web-b"], "{clarify:?}");
    assert_eq!(clarify.missing, ["name"]);
    assert!(stack.pending().await.is_empty());
}

fn locked_delete(upstream: &str, name: &str, hash_of: &str) -> LockedPlanHandoff {
    let arguments = |name: &str| -> Map<String, Value> {
        json!({"name": name, "namespace": "shop", "context": "sim"})
            .as_object()
            .expect("object")
            .clone()
    };
    LockedPlanHandoff {
        upstream_approval_id: upstream.into(),
        plan_hash: PlanHash::of_call("pods_delete", &arguments(hash_of)),
        approved_by: "carol@supervisor".into(),
        tool: "pods_delete".into(),
        arguments: arguments(name),
        target: PlanTarget {
            kind: "Pod".into(),
            name: name.into(),
            namespace: Some("shop".into()),
            context: "sim".into(),
        },
        retyped_name: None,
    }
}

async fn hand_off(stack: &Stack, locked: LockedPlanHandoff) -> Result<Response, WorkflowError> {
    stack
        .coordinator
        .ask(
            SessionId::new("supervisor"),
            "supervisor",
            Request::Handoff(Box::new(SupervisorHandoff {
                locked_plan: Some(locked),
                ..SupervisorHandoff::default()
            })),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_locked_hand_off_runs_its_exact_parameters_once_and_is_verified() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let tampered = hand_off(&stack, locked_delete("u-1", "web-a", "cart")).await;
    assert!(
        matches!(
            tampered,
            Err(WorkflowError::Approval(
                HitlError::LockedHashMismatch { .. }
            ))
        ),
        "{tampered:?}"
    );
    assert!(
        stack
            .env
            .kubectl(&["get", "pod", "web-a", "-n", "demo"])
            .await
            .success
    );
    match hand_off(&stack, locked_delete("u-1", "cart", "cart")).await {
        Ok(Response::Result(result)) => {
            assert_eq!(result.outcome, Outcome::Verified, "{result:?}");
            assert_eq!(
                stack.recorded(&result.plan_id).await,
                ["requested", "approved", "executed", "verified"]
            );
        }
        other => panic!("the hand-off should run, got {other:?}"),
    }
    assert!(
        !stack
            .env
            .kubectl(&["get", "pod", "cart", "-n", "shop"])
            .await
            .success
    );
    let replay = hand_off(&stack, locked_delete("u-1", "cart", "cart")).await;
    assert!(
        matches!(
            replay,
            Err(WorkflowError::Approval(HitlError::AlreadyRedeemed { .. }))
        ),
        "{replay:?}"
    );
}

/// The namespace a change naming none takes from memory is that of the last
/// change someone approved on the object: a plan left waiting may have named
/// the wrong one, and with the name in two namespaces the request is a
/// question until a change there is approved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_approved_change_says_where_a_name_in_two_namespaces_is_meant() {
    let stack = Stack::start(
        vec![
            namespace("staging"),
            namespace("production"),
            deployment("staging", "nginx", 1),
            deployment("production", "nginx", 1),
        ],
        ApprovalPolicy::default(),
    )
    .await;
    let waiting = stack
        .plan("scale deployment nginx to 2 in namespace staging")
        .await;
    let asked = stack.clarify("restart deployment nginx").await;
    let mut candidates = asked.candidates.clone();
    candidates.sort();
    assert_eq!(candidates, ["production", "staging"], "{asked:?}");
    stack.approve_to(&waiting, Outcome::Verified).await;
    let restart = stack.plan("restart deployment nginx").await;
    assert_eq!(restart.target.namespace.as_deref(), Some("staging"));
    assert!(
        restart
            .inferred
            .iter()
            .any(|note| note.contains("from your last approved operation")),
        "{:?}",
        restart.inferred
    );
}
