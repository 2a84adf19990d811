//! Diagnosis requests in plain words through the whole pipeline: the
//! classifier picks the pod-failure playbook, the coordinator runs it over
//! the real MCP server and answers with design.md's `{"kind":"diagnosis"}`
//! object (cause, quoted evidence, and a proposed fix as an ordinary plan
//! that is approved and verified like any other change).

use e2e::diagnosis::scenario_path;
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::Value;
use workflow::{Outcome, Response};

fn scenario(name: &str) -> Vec<Value> {
    if name == sim::scenario::DEMO_SCENARIO_NAME {
        return sim::scenario::Scenario::demo().objects;
    }
    sim::scenario::Scenario::from_file(&scenario_path(name))
        .unwrap_or_else(|error| panic!("scenario {name}: {error}"))
        .objects
}

/// Asks `text` and returns its diagnosis and that diagnosis's `-o json` object.
async fn diagnosed(stack: &Stack, text: &str) -> (workflow::response::Diagnosis, Value) {
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
    (diagnosis, json)
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
    let stack = Stack::start(scenario("demo"), ApprovalPolicy::default()).await;
    stack
        .env
        .kubectl_until(&["get", "pods", "-n", "production"], |out| {
            out.lines()
                .filter(|line| line.contains("CrashLoopBackOff"))
                .count()
                >= 3
        })
        .await;

    let (_, crashing) = diagnosed(&stack, "why is my checkout pod crashing in production").await;
    assert_eq!(crashing["cause"], "crash_loop_back_off", "{crashing}");
    let quoted = evidence(&crashing);
    assert!(quoted.contains("checkout"), "{quoted}");
    assert!(quoted.contains("exit code"), "{quoted}");
    assert!(
        crashing["proposal"].is_null(),
        "an application error has no configuration fix: {crashing}"
    );
    assert_eq!(crashing["report"]["subject"]["namespace"], "production");

    // A name prefix ("payment" for the payment-service pods).
    let (_, oom) = diagnosed(&stack, "why does payment keep restarting in production").await;
    assert_eq!(oom["cause"], "oom_killed", "{oom}");
    assert!(evidence(&oom).contains("OOMKilled"), "{}", evidence(&oom));
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
    let stack = Stack::start(scenario("diagnosis-configerror"), ApprovalPolicy::default()).await;
    stack
        .env
        .kubectl_until(
            &["get", "pods", "-n", "production", "-l", "app=api"],
            |out| out.contains("CreateContainerConfigError"),
        )
        .await;

    let (diagnosis, json) = diagnosed(&stack, "debug the api deployment in production").await;
    assert_eq!(json["cause"], "create_container_config_error", "{json}");
    let quoted = evidence(&json);
    assert!(
        quoted.contains("CreateContainerConfigError: configmap \"app-config\" not found"),
        "{quoted}"
    );
    assert!(
        quoted.contains("ConfigMap staging/app-config exists"),
        "{quoted}"
    );
    let card = diagnosis.proposal.expect("a plan to approve");
    assert_eq!(card.target.kind, "ConfigMap");
    assert_eq!(card.target.name, "app-config");
    assert_eq!(card.target.namespace.as_deref(), Some("production"));

    let result = stack.approve(&card).await.expect("the approval runs");
    assert_eq!(result.outcome, Outcome::Verified, "{:?}", result.evidence);
    stack
        .env
        .kubectl_until(
            &["get", "pods", "-n", "production", "-l", "app=api"],
            |out| out.contains("1/1") && out.contains("Running"),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_down_with_healthy_pods_is_its_services_selector_fixed_through_a_plan() {
    let stack = Stack::start(scenario("diagnosis-services"), ApprovalPolicy::default()).await;
    stack
        .env
        .kubectl_until(
            &["get", "pods", "-n", "shop", "-l", "app=checkout"],
            |out| out.matches("1/1").count() == 2,
        )
        .await;

    let (diagnosis, json) = diagnosed(&stack, "why is checkout down in shop").await;
    assert_eq!(json["cause"], "service_without_endpoints", "{json}");
    let quoted = evidence(&json);
    assert!(
        quoted.contains("Endpoints shop/checkout: no addresses (<none>)"),
        "{quoted}"
    );
    let card = diagnosis.proposal.expect("a plan to approve");
    assert_eq!(card.target.kind, "Service");
    assert_eq!(card.target.name, "checkout");
    let result = stack.approve(&card).await.expect("the approval runs");
    assert_eq!(result.outcome, Outcome::Verified, "{:?}", result.evidence);
    stack
        .env
        .field_until(
            "endpoints/checkout",
            Some("shop"),
            "{.subsets[*].addresses[*].ip}",
            |out| out.split_whitespace().count() == 2,
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unnamed_failures_are_offered_by_workload_and_a_failed_job_is_named() {
    let stack = Stack::start(scenario("diagnosis-workloads"), ApprovalPolicy::default()).await;
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

    let (_, job) = diagnosed(&stack, "my job db-migrate failed in ops").await;
    assert_eq!(job["cause"], "job_failed", "{job}");
    assert!(
        evidence(&job).contains("Failed=True, BackoffLimitExceeded"),
        "{}",
        evidence(&job)
    );
    assert!(job["proposal"].is_null(), "{job}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_job_that_never_runs_is_resumed_through_an_approved_verified_plan() {
    let stack = Stack::start(scenario("diagnosis-jobs"), ApprovalPolicy::default()).await;
    stack
        .env
        .field_until(
            "cronjob/nightly-export",
            Some("data"),
            "{.spec.suspend}",
            |out| out == "true",
        )
        .await;

    let (diagnosis, json) =
        diagnosed(&stack, "why isn't cronjob nightly-export running in data").await;
    assert_eq!(json["cause"], "suspended", "{json}");
    assert!(
        evidence(&json).contains("schedule \"0 2 * * *\", suspend true"),
        "{json}"
    );
    let card = diagnosis.proposal.expect("a plan to resume it");
    assert_eq!(card.target.kind, "CronJob");
    assert_eq!(card.target.name, "nightly-export");
    let result = stack.approve(&card).await.expect("the approval runs");
    assert_eq!(result.outcome, Outcome::Verified, "{:?}", result.evidence);
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
    let stack = Stack::start(scenario("diagnosis-quota"), ApprovalPolicy::default()).await;
    stack
        .env
        .kubectl_until(
            &["get", "pods", "-n", "orders", "-l", "app=worker"],
            |out| out.matches(" 1/1 ").count() == 2,
        )
        .await;
    stack
        .env
        .events_until("orders", "FailedCreate", |out| {
            out.contains("exceeded quota")
        })
        .await;

    let (diagnosis, json) = diagnosed(&stack, "why does worker only have 2 pods in orders").await;
    assert_eq!(json["cause"], "pod_creation_refused", "{json}");
    assert!(evidence(&json).contains("requests.cpu 1600m/2"), "{json}");
    assert!(diagnosis.proposal.is_none(), "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_asked_about_by_name_is_diagnosed_as_a_node() {
    let stack = Stack::start(scenario("diagnosis-nodes"), ApprovalPolicy::default()).await;
    let lost = r#"{"status":{"conditions":[{"type":"Ready","status":"Unknown","reason":"NodeStatusUnknown","message":"Kubelet stopped posting node status.","lastHeartbeatTime":"2026-11-25T09:00:00Z","lastTransitionTime":"2026-11-25T09:00:40Z"}]}}"#;
    stack
        .env
        .kubectl(&[
            "patch",
            "node",
            "node-b",
            "--subresource=status",
            "--type=merge",
            "-p",
            lost,
        ])
        .await
        .expect_success("node-b stops reporting");
    stack
        .env
        .field_until(
            "node/node-b",
            None,
            "{.status.conditions[?(@.type==\"Ready\")].status}",
            |out| out == "Unknown",
        )
        .await;

    let (diagnosis, json) = diagnosed(&stack, "what's wrong with node node-b").await;
    assert_eq!(json["cause"], "node_not_ready", "{json}");
    assert!(
        evidence(&json).contains(
            "Ready=Unknown since 2026-11-25T09:00:40Z, NodeStatusUnknown: Kubelet stopped posting node status."
        ),
        "{json}"
    );
    assert!(diagnosis.proposal.is_none(), "{json}");
}
