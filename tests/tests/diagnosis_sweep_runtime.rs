//! Runtime failures side by side in one namespace, each beside a healthy
//! object named like it, end to end over the real MCP server and real
//! kubectl (`tests/scenarios/diagnosis-sweep-runtime.yaml`). A sidecar's
//! crash quotes the line of its own log that says why, not its farewell;
//! a healthy StatefulSet is not blamed for a Deployment whose pods' names
//! start like its own; an ordinal that crash-loops says which ordinals it
//! holds up, and a question about one of those is answered by it; a volume item's key spelled another way is pointed at the key
//! the ConfigMap has, and the pod then starts; a Secret that exists only in
//! another namespace is named there and never copied.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use e2e::stack::Stack;
use workflow::diagnosis::Cause;

const NAMESPACE: &str = "billing";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_are_blamed_on_the_container_and_ordinal_that_fail_and_not_on_decoys() {
    let env = DiagnosisEnv::start("diagnosis-sweep-runtime").await;
    env.pods_until(NAMESPACE, &[], |out| {
        out.matches("CrashLoopBackOff").count() == 3
    })
    .await;
    // The healthy ones are asked about too: wait until they are.
    env.sim.ready_pods_until(NAMESPACE, "app=search", 2).await;
    env.sim
        .ready_pods_until(NAMESPACE, "app=invoicer-worker", 2)
        .await;
    env.sim.endpoints_until("api-gateway", NAMESPACE, 1).await;
    env.sim.endpoints_until("api", NAMESPACE, 2).await;

    let invoicer = env
        .diagnosed("invoicer", NAMESPACE, Cause::CrashLoopBackOff)
        .await;
    assert_says(&invoicer, "Container log-shipper of pod invoicer-");
    assert_says(
        &invoicer,
        "Its log names the cause: \"[2026/11/26 08:40:01] [error] [config] section 'output' has an unknown property 'Hostt' (line 14 of /fluent-bit/etc/fluent-bit.conf)\".",
    );

    // search-indexer's pods start with "search-" and crash; search's own
    // pods (search-0, search-1) run.
    let search = env
        .diagnosed("search", NAMESPACE, Cause::NoFailureFound)
        .await;
    assert!(
        ["search-0", "search-1"].contains(&search.subject.name.as_str()),
        "{}",
        search.summary
    );
    assert!(search.other_failing_pods.is_empty(), "{search:?}");

    let ledger = env
        .diagnosed("ledger-db", NAMESPACE, Cause::CrashLoopBackOff)
        .await;
    assert_eq!(ledger.subject.name, "ledger-db-0");
    assert_says(
        &ledger,
        "data directory \"/var/lib/postgresql/data/pgdata\" has invalid permissions",
    );
    assert_says(
        &ledger,
        "1 of 3 exist, and ledger-db-1, ledger-db-2 will not be created until ledger-db-0 is Running and Ready.",
    );
    assert_quoted(
        &ledger,
        "[StatefulSet billing/ledger-db] podManagementPolicy OrderedReady, spec.replicas 3, status.replicas 1",
    );

    // An ordinal not created yet is explained by the one it waits for.
    let missing = env
        .diagnosed("ledger-db-1", NAMESPACE, Cause::CrashLoopBackOff)
        .await;
    assert_eq!(missing.subject.name, "ledger-db-0");
    assert!(
        missing.summary.starts_with(
            "Pod ledger-db-1 does not exist: StatefulSet ledger-db wants 3 replicas and has created 1. Container postgres of pod ledger-db-0"
        ),
        "{}",
        missing.summary
    );

    for healthy in ["invoicer-worker", "api-gateway"] {
        env.diagnosed(healthy, NAMESPACE, Cause::NoFailureFound)
            .await;
    }
    let api = env
        .diagnosed("api", NAMESPACE, Cause::ServicePortMismatch)
        .await;
    assert_says(&api, "Service api sends traffic to targetPort 8080");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_and_placement_failures_name_what_is_missing_and_where_it_is() {
    let env = DiagnosisEnv::start("diagnosis-sweep-runtime").await;
    env.events_until(NAMESPACE, "FailedMount", |out| {
        out.contains("configmap references non-existent config key: templates.yaml")
    })
    .await;
    let reports = env
        .diagnosed("reports", NAMESPACE, Cause::FailedMount)
        .await;
    assert_says(
        &reports,
        "ConfigMap billing/reports-config has no key templates.yaml",
    );
    assert_says(
        &reports,
        "It has key template.yaml, the same name spelled another way",
    );
    let proposal = reports.proposal.clone().expect("the key it has");
    assert_eq!(proposal.target.to_string(), "Deployment billing/reports");
    assert_eq!(
        proposal.manifest["spec"]["template"]["spec"]["volumes"][0]["configMap"]["items"],
        serde_json::json!([{"key": "template.yaml", "path": "templates.yaml"}])
    );
    env.apply(&proposal).await;
    env.sim.ready_pods_until(NAMESPACE, "app=reports", 1).await;

    env.pods_until(NAMESPACE, &["-l", "app=uploader"], |out| {
        out.contains("CreateContainerConfigError")
    })
    .await;
    let uploader = env
        .diagnosed("uploader", NAMESPACE, Cause::CreateContainerConfigError)
        .await;
    assert_says(&uploader, "Secret billing/s3-credentials does not exist");
    assert_says(&uploader, "A Secret named s3-credentials exists in media");
    assert!(uploader.proposal.is_none(), "{:?}", uploader.proposal);

    let render = env
        .unschedulable(
            "pdf-render",
            NAMESPACE,
            "0/2 nodes are available: 2 Insufficient memory.",
        )
        .await;
    assert_says(
        &render,
        "the pod requests 48Gi: more than any node has even empty",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_my_failing_pod_offers_the_workloads_a_stateful_set_included() {
    let stack = Stack::start_scenario("diagnosis-sweep-runtime").await;
    stack
        .env
        .kubectl_until(&["get", "pods", "-n", NAMESPACE], |out| {
            out.matches("CrashLoopBackOff").count() == 3
                && out.contains("Pending")
                && out.contains("CreateContainerConfigError")
        })
        .await;
    let question = stack.clarify("debug my failing pod in billing").await;
    assert!(
        question.candidates.iter().any(|name| name == "ledger-db"),
        "{question:?}"
    );
    assert!(
        !question.candidates.iter().any(|name| name == "ledger-db-0"),
        "the StatefulSet, not its pod: {question:?}"
    );
}
