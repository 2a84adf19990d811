//! "undo it" / "revert that" after a change kubeop planned, end to end
//! through the real MCP server against the simulated cluster: the change
//! that puts the object back, planned from the live state and approved like
//! any other. A pod template change is rolled back to the previous revision
//! (tests/tests/rollback.rs); a scale is scaled back to the count its plan
//! read, a cordon uncordoned; a deletion cannot be undone and says so.

use e2e::objects::{NODE, deployment, namespace, node};
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::json;
use workflow::Outcome;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_puts_back_what_the_last_change_changed() {
    let stack = Stack::start(
        vec![
            node(),
            namespace("demo"),
            deployment("demo", "web", 2),
            deployment("demo", "api", 1),
        ],
        ApprovalPolicy::default(),
    )
    .await;

    // A scale is undone by scaling back, not by rolling the template back.
    let scale = stack.plan("scale web to 4 in demo").await;
    stack.approve_to(&scale, Outcome::Verified).await;
    stack.answer("list pods in demo").await;
    let undo = stack.plan("undo it").await;
    assert_eq!(undo.operation, "scale", "{undo:?}");
    assert_eq!(undo.target.name, "web");
    assert_eq!(undo.desired["replicas"], 2, "{undo:?}");
    assert!(
        undo.inferred.iter().any(|line| line.contains(
            "undoes your last change (the scale of deployment/web in namespace demo from 2 to 4)"
        )),
        "{:?}",
        undo.inferred
    );
    stack.approve_to(&undo, Outcome::Verified).await;
    assert_eq!(stack.env.wanted_replicas("deployment/web", "demo").await, 2);

    // A cordon is undone by an uncordon.
    let cordon = stack.plan(&format!("cordon {NODE}")).await;
    stack.approve_to(&cordon, Outcome::Verified).await;
    let revert = stack.plan("revert that").await;
    assert_eq!(revert.target.kind, "Node");
    assert_eq!(revert.desired["spec"]["unschedulable"], false, "{revert:?}");
    stack.approve_to(&revert, Outcome::Verified).await;
    let unschedulable =
        stack.env.kubectl_json(&["get", "node", NODE]).await["spec"]["unschedulable"].clone();
    assert!(
        unschedulable.is_null() || unschedulable == false,
        "{unschedulable}"
    );

    // A deletion cannot be undone: said, and nothing is planned.
    let delete = stack.plan("delete deployment api in demo").await;
    stack.approve_to(&delete, Outcome::Verified).await;
    let asked = stack.clarify("undo it").await;
    assert!(
        asked
            .question
            .starts_with("I cannot undo the deletion of deployment/api in namespace demo"),
        "{asked:?}"
    );
    assert!(stack.pending().await.is_empty());
}

/// "undo it" after a diagnosis of a bad rollout: the rollback of the
/// workload that owns the pod the diagnosis examined, back to the image
/// before the bad one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_after_a_diagnosis_rolls_the_examined_pods_workload_back() {
    // The simulator's state control, on the good revision too, so that
    // the bad revision changes it rather than adding it.
    let mut web = deployment("demo", "web", 1);
    web["spec"]["template"]["metadata"]["annotations"] = json!({"sim.kubeop.dev/state": "running"});
    let stack = Stack::start(
        vec![node(), namespace("demo"), web],
        ApprovalPolicy::default(),
    )
    .await;
    let bad = r#"{"spec":{"template":{"metadata":{"annotations":{"sim.kubeop.dev/state":"imagepullbackoff"}},"spec":{"containers":[{"name":"app","image":"nginx:1.99-typo"}]}}}}"#;
    stack
        .env
        .kubectl_ok(&["patch", "deployment", "web", "-n", "demo", "-p", bad])
        .await;
    stack
        .env
        .kubectl_until(&["get", "pods", "-n", "demo"], |out| {
            out.contains("ImagePullBackOff") || out.contains("ErrImagePull")
        })
        .await;
    match stack.ask("why is web failing in demo").await {
        Ok(workflow::Response::Diagnosis(_)) => {}
        other => panic!("a diagnosis: {other:?}"),
    }
    let undo = stack.plan("undo it").await;
    assert_eq!(
        (undo.target.kind.as_str(), undo.target.name.as_str()),
        ("Deployment", "web"),
        "{undo:?}"
    );
    assert!(
        undo.warnings[0].contains("nginx:1.99-typo → nginx:1.27"),
        "{:?}",
        undo.warnings
    );
    stack.approve_to(&undo, Outcome::Verified).await;
}
