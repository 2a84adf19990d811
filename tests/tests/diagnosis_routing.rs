//! Diagnosis requests in plain words through the whole pipeline: the
//! classifier picks the pod-failure playbook, the coordinator runs it over
//! the real MCP server and answers with design.md's `{"kind":"diagnosis"}`
//! object (cause, quoted evidence, and a proposed fix as an ordinary plan
//! that is approved and verified like any other change).

use e2e::LOST_NODE_SINCE;
use e2e::stack::Stack;
use serde_json::Value;
use workflow::{Outcome, Response};

/// Asks `text`, checks that the answer is a diagnosis naming `cause` and
/// quoting each of `quotes` among its evidence, and returns it and its
/// `-o json` object.
async fn diagnosed(
    stack: &Stack,
    text: &str,
    cause: &str,
    quotes: &[&str],
) -> (workflow::response::Diagnosis, Value) {
    let response = stack
        .ask(text)
        .await
        .unwrap_or_else(|error| panic!("{text:?} failed: {error}"));
    let json = serde_json::to_value(&response).expect("a response serializes");
    let Response::Diagnosis(diagnosis) = response else {
        panic!("{text:?} should be diagnosed, got {response:?}");
    };
    assert_eq!(json["kind"], "diagnosis", "{json}");
    for field in ["cause", "evidence", "proposal"] {
        assert!(json.get(field).is_some(), "{field} missing from {json}");
    }
    assert_eq!(json["cause"], cause, "{json}");
    let quoted = evidence(&json);
    for quote in quotes {
        assert!(quoted.contains(quote), "{quote:?} not quoted:\n{quoted}");
    }
    (diagnosis, json)
}

/// The diagnosis's plan, checked to change `kind` `name` in `namespace`,
/// approved as shown and verified.
async fn fix_verified(
    stack: &Stack,
    diagnosis: workflow::response::Diagnosis,
    kind: &str,
    name: &str,
    namespace: &str,
) {
    let card = diagnosis.proposal.expect("a plan to approve");
    assert_eq!(
        (
            card.target.kind.as_str(),
            card.target.name.as_str(),
            card.target.namespace.as_deref()
        ),
        (kind, name, Some(namespace)),
        "{card:?}"
    );
    stack.approve_to(&card, Outcome::Verified).await;
}

fn evidence(json: &Value) -> String {
    json["evidence"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_words_about_a_failing_pod_reach_the_playbook_through_the_coordinator() {
    let stack = Stack::start_scenario("demo").await;
    stack
        .env
        .kubectl_until(&["get", "pods", "-n", "production"], |out| {
            out.lines()
                .filter(|line| line.contains("CrashLoopBackOff"))
                .count()
                >= 3
        })
        .await;

    let (_, crashing) = diagnosed(
        &stack,
        "why is my checkout pod crashing in production",
        "crash_loop_back_off",
        &["checkout", "exit code"],
    )
    .await;
    assert!(
        crashing["proposal"].is_null(),
        "an application error has no configuration fix: {crashing}"
    );
    assert_eq!(crashing["report"]["subject"]["namespace"], "production");

    // A name prefix ("payment" for the payment-service pods).
    let (_, oom) = diagnosed(
        &stack,
        "why does payment keep restarting in production",
        "oom_killed",
        &["OOMKilled"],
    )
    .await;
    let plan = &oom["proposal"];
    for field in ["plan_id", "plan_hash"] {
        assert!(
            plan[field].is_string(),
            "{field} missing from the plan {plan}"
        );
    }
    assert_eq!(plan["operation"], "create_update");
    assert_eq!(plan["target"]["kind"], "Deployment");
    assert_eq!(plan["target"]["name"], "payment-service");
    assert_eq!(plan["target"]["namespace"], "production");
    assert!(
        plan["desired"]
            .as_str()
            .is_some_and(|desired| desired.starts_with("memory limit ")),
        "{plan}"
    );
    assert_eq!(
        stack.pending().await.len(),
        1,
        "the proposal waits for approval; nothing was applied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diagnosed_missing_config_map_is_fixed_through_an_approved_verified_plan() {
    let stack = Stack::start_scenario("diagnosis-configerror").await;
    stack
        .env
        .kubectl_until(
            &["get", "pods", "-n", "production", "-l", "app=api"],
            |out| out.contains("CreateContainerConfigError"),
        )
        .await;

    let (diagnosis, _) = diagnosed(
        &stack,
        "debug the api deployment in production",
        "create_container_config_error",
        &[
            "CreateContainerConfigError: configmap \"app-config\" not found",
            "ConfigMap staging/app-config exists",
        ],
    )
    .await;
    fix_verified(&stack, diagnosis, "ConfigMap", "app-config", "production").await;
    stack.env.ready_pods_until("production", "app=api", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_down_with_healthy_pods_is_its_services_selector_fixed_through_a_plan() {
    let stack = Stack::start_scenario("diagnosis-services").await;
    stack.env.ready_pods_until("shop", "app=checkout", 2).await;

    let (diagnosis, _) = diagnosed(
        &stack,
        "why is checkout down in shop",
        "service_without_endpoints",
        &["Endpoints shop/checkout: no addresses (<none>)"],
    )
    .await;
    fix_verified(&stack, diagnosis, "Service", "checkout", "shop").await;
    stack.env.endpoints_until("checkout", "shop", 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unnamed_failures_are_offered_by_workload_and_a_failed_job_is_named() {
    let stack = Stack::start_scenario("diagnosis-workloads").await;
    stack
        .env
        .kubectl_until(&["get", "jobs", "-n", "ops"], |out| {
            out.matches("Failed").count() == 2
        })
        .await;

    // Three failed pods of one Job are one workload to ask about, not three.
    let question = stack.clarify("debug my failing pod in ops").await;
    assert_eq!(question.missing, vec!["name"]);
    for workload in ["db-migrate", "exporter", "cache"] {
        assert!(
            question
                .candidates
                .iter()
                .any(|candidate| candidate == workload),
            "{workload} missing from {:?}",
            question.candidates
        );
    }
    assert!(
        !question
            .candidates
            .iter()
            .any(|candidate| candidate.starts_with("db-migrate-")),
        "{question:?}"
    );

    let (_, job) = diagnosed(
        &stack,
        "my job db-migrate failed in ops",
        "job_failed",
        &["Failed=True, BackoffLimitExceeded"],
    )
    .await;
    assert!(job["proposal"].is_null(), "{job}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_job_that_never_runs_is_resumed_through_an_approved_verified_plan() {
    let stack = Stack::start_scenario("diagnosis-jobs").await;
    stack
        .env
        .field_until(
            "cronjob/nightly-export",
            Some("data"),
            "{.spec.suspend}",
            |out| out == "true",
        )
        .await;

    let (diagnosis, _) = diagnosed(
        &stack,
        "why isn't cronjob nightly-export running in data",
        "suspended",
        &["schedule \"0 2 * * *\", suspend true"],
    )
    .await;
    fix_verified(&stack, diagnosis, "CronJob", "nightly-export", "data").await;
    stack
        .env
        .field_until(
            "cronjob/nightly-export",
            Some("data"),
            "{.spec.suspend}",
            |out| out == "false",
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workload_short_of_pods_under_a_quota_is_explained_without_a_plan() {
    let stack = Stack::start_scenario("diagnosis-quota").await;
    stack.env.ready_pods_until("orders", "app=worker", 2).await;
    stack
        .env
        .events_until("orders", "FailedCreate", |out| {
            out.contains("exceeded quota")
        })
        .await;

    let (diagnosis, json) = diagnosed(
        &stack,
        "why does worker only have 2 pods in orders",
        "pod_creation_refused",
        &["requests.cpu 1600m/2"],
    )
    .await;
    assert!(diagnosis.proposal.is_none(), "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_asked_about_by_name_is_diagnosed_as_a_node() {
    let stack = Stack::start_scenario("diagnosis-nodes").await;
    stack.env.lose_node("node-b").await;

    let lost = format!(
        "Ready=Unknown since {LOST_NODE_SINCE}, NodeStatusUnknown: Kubelet stopped posting node status."
    );
    let (diagnosis, json) = diagnosed(
        &stack,
        "what's wrong with node node-b",
        "node_not_ready",
        &[&lost],
    )
    .await;
    assert!(diagnosis.proposal.is_none(), "{json}");
}
