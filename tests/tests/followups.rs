//! Conversation follow-ups through the whole coordinator, against the
//! built-in demo cluster and the real MCP server: "and in staging?" repeats
//! the last request in another namespace, "what about payment-service?" with
//! another object, "show me its logs" / "describe it" / "delete that pod" name
//! the object the session last talked about (a read's object, a diagnosis's
//! pod, a list's row), a change resolved from a follow-up waits for approval
//! with the resolved target on its card, a reference with nothing behind it
//! is a question, and two sessions never see each other's subjects.

use std::time::SystemTime;

use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use memory::{Event, OperationId, Query, QueryAnswer};
use serde_json::{Value, json};
use workflow::response::{Answer, Clarify, Diagnosis};
use workflow::{Outcome, PlanCard, Response};

fn demo() -> Vec<Value> {
    sim::scenario::Scenario::demo().objects_at(SystemTime::now())
}

async fn answer(stack: &Stack, session: &str, text: &str) -> Answer {
    match stack.ask_in(session, text).await {
        Ok(Response::Answer(answer)) => answer,
        other => panic!("{text:?} should be answered, got {other:?}"),
    }
}

async fn plan(stack: &Stack, session: &str, text: &str) -> PlanCard {
    match stack.ask_in(session, text).await {
        Ok(Response::Plan(card)) => card,
        other => panic!("{text:?} should give a plan, got {other:?}"),
    }
}

async fn clarify(stack: &Stack, session: &str, text: &str) -> Clarify {
    match stack.ask_in(session, text).await {
        Ok(Response::Clarify(question)) => question,
        other => panic!("{text:?} should be a question back, got {other:?}"),
    }
}

async fn diagnosis(stack: &Stack, session: &str, text: &str) -> Diagnosis {
    match stack.ask_in(session, text).await {
        Ok(Response::Diagnosis(diagnosis)) => diagnosis,
        other => panic!("{text:?} should be diagnosed, got {other:?}"),
    }
}

/// The pod a diagnosis examined.
fn examined_pod(diagnosis: &Diagnosis) -> String {
    diagnosis
        .report
        .as_ref()
        .and_then(|report| report.pointer("/subject/name"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("the diagnosis names its pod: {diagnosis:?}"))
        .to_owned()
}

async fn replicas(stack: &Stack, name: &str, namespace: &str) -> String {
    stack
        .env
        .kubectl(&[
            "get",
            "deployment",
            name,
            "-n",
            namespace,
            "-o",
            "jsonpath={.spec.replicas}",
        ])
        .await
        .expect_success("get the deployment's replicas")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_is_repeated_in_another_namespace_or_for_another_object() {
    let stack = Stack::start(demo(), ApprovalPolicy::default()).await;
    let session = "reads";

    let production = answer(&stack, session, "list deployments in production").await;
    assert!(production.text.contains("checkout"), "{production:?}");

    let staging = answer(&stack, session, "and in staging?").await;
    assert!(
        staging.text.contains("nginx") && !staging.text.contains("checkout"),
        "the same list, in staging: {staging:?}"
    );
    assert!(
        staging
            .text
            .contains("read as \"list deployments in staging\""),
        "the answer says what the follow-up was read as: {staging:?}"
    );

    let system = answer(&stack, session, "what about kube-system?").await;
    assert!(
        system.text.contains("coredns") && !system.text.contains("nginx"),
        "a word after a list that named no object is a namespace: {system:?}"
    );

    let checkout = answer(
        &stack,
        session,
        "describe deployment checkout in production",
    )
    .await;
    assert_eq!(checkout.tool.as_deref(), Some("resources_get"));
    let payment = answer(&stack, session, "what about payment-service?").await;
    assert_eq!(
        payment.tool.as_deref(),
        Some("resources_get"),
        "{payment:?}"
    );
    assert!(
        payment.text.contains("payment-service") && !payment.text.contains("name: checkout"),
        "the same read, for payment-service: {payment:?}"
    );

    // "staging" is a namespace of the cluster and no deployment's name: the
    // deployment is looked for there (and is not there).
    let elsewhere = answer(&stack, session, "same for staging").await;
    assert!(elsewhere.error, "{elsewhere:?}");
    assert!(
        elsewhere.text.contains("payment-service") && elsewhere.text.contains("staging"),
        "{elsewhere:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn its_logs_describe_it_and_that_pod_name_the_object_a_diagnosis_examined() {
    let stack = Stack::start(demo(), ApprovalPolicy::default()).await;
    let session = "on-call";

    let why = diagnosis(&stack, session, "why is checkout failing in production").await;
    let pod = examined_pod(&why);
    assert!(pod.starts_with("checkout-"), "{why:?}");

    let logs = answer(&stack, session, "show me its logs").await;
    assert_eq!(logs.tool.as_deref(), Some("pods_log"), "{logs:?}");
    assert!(
        logs.text.contains(&format!(
            "read as \"show me the logs of pod {pod} in namespace production\""
        )),
        "the logs of the pod the diagnosis examined: {logs:?}"
    );

    let described = answer(&stack, session, "describe it").await;
    assert_eq!(described.tool.as_deref(), Some("pods_get"), "{described:?}");
    assert!(described.text.contains(&pod), "{described:?}");

    let events = answer(&stack, session, "its events").await;
    assert_eq!(events.tool.as_deref(), Some("events_list"), "{events:?}");
    assert!(events.text.contains(&pod), "{events:?}");

    // A change through a pronoun is a plan with the resolved target, not a
    // deletion.
    let delete = plan(&stack, session, "delete that pod").await;
    assert_eq!(delete.operation, "delete");
    assert_eq!(
        (
            delete.target.kind.as_str(),
            delete.target.name.as_str(),
            delete.target.namespace.as_deref()
        ),
        ("Pod", pod.as_str(), Some("production")),
        "{delete:?}"
    );
    assert!(
        delete
            .inferred
            .iter()
            .any(|note| note.contains("'that pod' is pod")),
        "the card says how the target was resolved: {:?}",
        delete.inferred
    );
    stack
        .env
        .kubectl(&["get", "pod", &pod, "-n", "production"])
        .await
        .expect_success("the pod is still there: nothing runs before approval");

    // A scale of "it", a pod, is a scale of the workload that owns it.
    let scale = plan(&stack, session, "scale it to 3").await;
    assert_eq!(
        (
            scale.target.kind.as_str(),
            scale.target.name.as_str(),
            scale.target.namespace.as_deref()
        ),
        ("Deployment", "checkout", Some("production")),
        "{scale:?}"
    );
    assert!(
        scale
            .inferred
            .iter()
            .any(|note| note.contains(&format!("the owner of pod {pod}"))),
        "{:?}",
        scale.inferred
    );
    // Another kind, in the namespace the conversation is in.
    let services = answer(&stack, session, "and the services?").await;
    assert_eq!(
        services.tool.as_deref(),
        Some("resources_list"),
        "{services:?}"
    );
    assert!(
        services
            .text
            .contains("read as \"list services in namespace production\"")
            && services.text.contains("payment-service"),
        "{services:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_named_by_a_pronoun_goes_through_approval_with_the_resolved_target() {
    let stack = Stack::start(demo(), ApprovalPolicy::default()).await;
    let session = "changes";

    answer(&stack, session, "show me the nginx deployment in staging").await;
    let card = plan(&stack, session, "scale it to 3").await;
    assert_eq!(card.operation, "scale");
    assert_eq!(
        (
            card.target.kind.as_str(),
            card.target.name.as_str(),
            card.target.namespace.as_deref()
        ),
        ("Deployment", "nginx", Some("staging")),
        "{card:?}"
    );
    assert_eq!(card.desired["replicas"], json!(3), "{card:?}");
    assert!(
        card.inferred
            .iter()
            .any(|note| note.contains("'it' is deployment nginx in namespace staging")),
        "{:?}",
        card.inferred
    );
    assert_eq!(
        replicas(&stack, "nginx", "staging").await.trim(),
        "2",
        "nothing changes before approval"
    );
    assert!(
        stack
            .pending()
            .await
            .iter()
            .any(|pending| pending.plan_id == card.plan_id),
        "the plan waits for approval"
    );
    stack.approve_to(&card, Outcome::Verified).await;
    assert_eq!(replicas(&stack, "nginx", "staging").await.trim(), "3");
    // A short request that only lacks its object is about the last one.
    let logs = answer(&stack, session, "show the logs").await;
    assert_eq!(logs.tool.as_deref(), Some("pods_log"), "{logs:?}");
    assert!(
        logs.text
            .starts_with("('show the logs' is about deployment nginx in namespace staging")
            && logs.text.contains("nginx-"),
        "{logs:?}"
    );
    let history = stack
        .memory
        .query(Query::History {
            operation_id: OperationId::new(&card.plan_id),
        })
        .await
        .expect("the log answers");
    let QueryAnswer::History { entries } = history else {
        panic!("a history query gave {history:?}");
    };
    assert!(
        entries.iter().any(|entry| matches!(&entry.record.event,
            Event::Requested { request }
                if request.starts_with("scale deployment nginx to 3 in namespace staging")
                    && request.contains("scale it to 3"))),
        "the log records the complete request and the words it came from: {entries:?}"
    );

    // After a list, "it" is one of several rows: a question naming them.
    answer(&stack, session, "list pods in production").await;
    let which = clarify(&stack, session, "restart it").await;
    assert_eq!(which.missing, vec!["name"]);
    assert!(
        which
            .candidates
            .iter()
            .any(|pod| pod.starts_with("checkout-"))
            && which
                .candidates
                .iter()
                .any(|pod| pod.starts_with("web-frontend-")),
        "{which:?}"
    );
    // "the first one" picks the list's first row as shown.
    let first = answer(&stack, session, "describe the first one").await;
    assert_eq!(first.tool.as_deref(), Some("pods_get"), "{first:?}");
    assert!(
        first.text.contains(&which.candidates[0]) && first.text.contains("row 1 of the last list"),
        "{first:?}"
    );
    // A row named by the start of its name.
    let named = answer(&stack, session, "show logs for the payment-service one").await;
    assert_eq!(named.tool.as_deref(), Some("pods_log"), "{named:?}");
    assert!(
        named
            .text
            .contains("read as \"show logs for pod payment-service-"),
        "{named:?}"
    );
    // The list stays the last list until another is read.
    let second = answer(&stack, session, "show me the logs of the second one").await;
    assert_eq!(second.tool.as_deref(), Some("pods_log"), "{second:?}");
    assert!(
        second.text.contains(&format!(
            "read as \"show me the logs of pod {} in namespace production\"",
            which.candidates[1]
        )),
        "{second:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reference_with_nothing_before_it_is_a_question_and_sessions_never_mix() {
    let stack = Stack::start(demo(), ApprovalPolicy::default()).await;

    for text in ["show me its logs", "describe it", "why is it failing?"] {
        let unknown = clarify(&stack, "fresh", text).await;
        assert!(
            unknown
                .question
                .starts_with("I don't know what 'it' refers to yet"),
            "{text:?}: {unknown:?}"
        );
        assert_eq!(unknown.missing, vec!["name"]);
    }
    let nothing = clarify(&stack, "fresh", "and in staging?").await;
    assert!(
        nothing
            .question
            .starts_with("There is no earlier request in this session"),
        "{nothing:?}"
    );

    answer(
        &stack,
        "alice",
        "describe deployment checkout in production",
    )
    .await;
    answer(&stack, "bob", "describe deployment nginx in staging").await;
    let alice = answer(&stack, "alice", "show me its logs").await;
    assert!(
        alice.text.contains("checkout") && !alice.text.contains("nginx"),
        "alice's 'it' is her checkout: {alice:?}"
    );
    let bob = plan(&stack, "bob", "scale it to 1").await;
    assert_eq!(
        (bob.target.name.as_str(), bob.target.namespace.as_deref()),
        ("nginx", Some("staging")),
        "bob's 'it' is his nginx: {bob:?}"
    );
    let carol = clarify(&stack, "carol", "describe it").await;
    assert!(
        carol
            .question
            .starts_with("I don't know what 'it' refers to yet"),
        "a new session sees neither: {carol:?}"
    );
    let moved = answer(&stack, "alice", "and in staging?").await;
    assert!(
        moved.text.contains("checkout") && moved.error,
        "alice's own last request moved to staging (no checkout there): {moved:?}"
    );
    // Small talk is never about the last object: "hello" is not "hello
    // deployment nginx".
    for text in ["hello", "what can you do", "thanks"] {
        let small_talk = clarify(&stack, "bob", text).await;
        assert!(
            !small_talk.question.contains("nginx")
                && (small_talk.question.starts_with("I am kubeop")
                    || small_talk.question.starts_with("You're welcome")),
            "{text:?}: {small_talk:?}"
        );
    }
}

/// "do it" / "apply the fix" / "raise its memory limit" right after a
/// diagnosis that proposed a memory fix: that very plan again (same id and
/// hash, still waiting for approval),
/// even after a read in between, never a read of an object named "it";
/// another session has no plan to assent to, and once the plan is decided
/// the assent is a question.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assent_after_a_proposed_fix_offers_that_plan_again() {
    let stack = Stack::start_scenario("demo").await;
    stack
        .env
        .kubectl_until(&["get", "pods", "-n", "production"], |out| {
            out.lines().any(|line| {
                line.starts_with("payment-service") && line.contains("CrashLoopBackOff")
            })
        })
        .await;
    let nothing_offered = clarify(&stack, "assent", "do it").await;
    assert_eq!(nothing_offered.missing, vec!["plan".to_owned()]);

    let oom = diagnosis(
        &stack,
        "assent",
        "why does payment keep restarting in production",
    )
    .await;
    let offered = oom.proposal.expect("an OOMKilled pod gets a memory fix");
    let raised = plan(&stack, "assent", "raise its memory limit").await;
    assert_eq!(
        raised.plan_id, offered.plan_id,
        "the amount-less change is the proposed one"
    );
    answer(&stack, "assent", "list pods in production").await;
    for assent in ["do it", "apply the fix", "yes, go ahead"] {
        let again = plan(&stack, "assent", assent).await;
        assert_eq!(
            (&again.plan_id, again.plan_hash),
            (&offered.plan_id, offered.plan_hash),
            "{assent:?} offers the proposed plan"
        );
    }
    let elsewhere = clarify(&stack, "other-session", "do it").await;
    assert_eq!(elsewhere.missing, vec!["plan".to_owned()]);
    assert_eq!(stack.pending().await.len(), 1, "nothing was approved");

    stack
        .coordinator
        .deny(workflow::DenyRequest {
            plan_id: offered.plan_id.clone(),
            approver: "approver".into(),
            reason: "not now".into(),
        })
        .await
        .expect("the plan is denied");
    let decided = clarify(&stack, "assent", "do it").await;
    assert!(
        decided.question.contains(&offered.plan_id)
            && decided.question.contains("no longer waiting"),
        "{decided:?}"
    );
}

/// A resource change stating an amount is the plan offered last only when
/// that plan makes that change: a plan setting 128Mi → 256Mi is "double
/// the memory limit", never "raise it by 20%" (which stays the question
/// for the exact value).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amount_asked_is_never_answered_with_a_plan_of_another_amount() {
    let stack = Stack::start_scenario("demo").await;
    let set = plan(
        &stack,
        "amounts",
        "set the memory limit of nginx to 256Mi in staging",
    )
    .await;
    let by_twenty = clarify(
        &stack,
        "amounts",
        "raise the memory limit of nginx by 20% in staging",
    )
    .await;
    assert!(
        by_twenty.missing.contains(&"resource".to_owned()),
        "{by_twenty:?}"
    );
    let doubled = plan(
        &stack,
        "amounts",
        "double the memory limit of nginx in staging",
    )
    .await;
    assert_eq!(doubled.plan_id, set.plan_id);
}
