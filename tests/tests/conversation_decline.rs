//! "no", "cancel", "never mind" said to kubeop, end to end through the
//! real MCP server against the simulated cluster: right after a plan was
//! offered the words deny it (recorded, nothing changes, nothing waits any
//! longer); after other answers the plan is left waiting and the answer
//! says how to deny it; a plan already decided is said to be so; with no
//! plan offered the classifier's answer stands. Nothing is ever approved.

use e2e::objects::{deployment, namespace, node};
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use workflow::{Outcome, Response};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_right_after_a_plan_denies_it_and_later_leaves_it_waiting() {
    let stack = Stack::start(
        vec![node(), namespace("demo"), deployment("demo", "web", 2)],
        ApprovalPolicy::default(),
    )
    .await;

    // Nothing offered yet: nothing to drop, and no tool runs.
    let nothing = stack.clarify("never mind").await;
    assert_eq!(nothing.missing, ["decline"], "{nothing:?}");
    assert!(nothing.question.starts_with("Nothing done"), "{nothing:?}");

    // Right after the offer: the plan is denied in the requester's name.
    let card = stack.plan("scale web to 5 in demo").await;
    let denied = stack.answer("no").await;
    assert!(
        denied
            .text
            .contains(&format!("Plan {} denied by tester", card.plan_id))
            && denied.text.contains("Nothing was changed"),
        "{}",
        denied.text
    );
    assert!(stack.pending().await.is_empty(), "nothing waits any more");
    assert_eq!(
        stack.recorded(&card.plan_id).await,
        ["requested", "planned", "denied"]
    );
    assert_eq!(
        stack.env.wanted_replicas("deployment/web", "demo").await,
        2,
        "nothing changed"
    );

    // After another answer "cancel" may be about anything: the plan stays.
    let card = stack.plan("scale web to 4 in demo").await;
    stack.answer("list pods in demo").await;
    let left = stack.answer("cancel").await;
    assert_eq!(
        left.text.as_str(),
        format!(
            "Nothing done. Plan {id} (scale of deployment/web in namespace demo) stays pending until it expires — deny it with `kubeop deny {id}`.",
            id = card.plan_id
        ),
    );
    assert_eq!(stack.pending().await.len(), 1, "the plan still waits");

    // Decided since: said so, and still nothing is approved by the words.
    stack.approve_to(&card, Outcome::Verified).await;
    let decided = stack.answer("don't").await;
    assert!(
        decided.text.contains(&card.plan_id) && decided.text.contains("no longer waiting"),
        "{}",
        decided.text
    );
    assert_eq!(stack.env.wanted_replicas("deployment/web", "demo").await, 4);

    // Another session was offered nothing.
    match stack.ask_in("other", "no").await {
        Ok(Response::Clarify(question)) => assert_eq!(question.missing, ["decline"]),
        other => panic!("{other:?}"),
    }
}
