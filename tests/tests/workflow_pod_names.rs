//! Pods named as users name them: "the checkout pod" for the generated
//! `checkout-7d9f8c6b5-x2x9q`. Reads resolve the name (logs pick the newest
//! Running pod, as `kubectl logs deploy/x` does), changes never guess, and an
//! unknown name is not found with pods that do exist. Against the simulated
//! cluster and the real MCP server.

use e2e::objects;
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::{Value, json};

fn cluster() -> Vec<Value> {
    vec![
        objects::node(),
        objects::namespace("production"),
        objects::deployment("production", "checkout", 1),
        objects::deployment("production", "api", 3),
    ]
}

/// The names of the running pods of deployment `app`, once its pods all run.
async fn running_pods(stack: &Stack, app: &str, count: usize) -> Vec<String> {
    let selector = format!("app={app}");
    let names = stack
        .env
        .kubectl_until(
            &[
                "get",
                "pods",
                "-n",
                "production",
                "-l",
                &selector,
                "--field-selector",
                "status.phase=Running",
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ],
            |out| out.split_whitespace().count() == count,
        )
        .await;
    names.split_whitespace().map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logs_of_a_deployments_pod_by_the_deployments_name() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let checkout = running_pods(&stack, "checkout", 1).await;
    let logs = stack
        .answer("show me the logs of the checkout pod in namespace production")
        .await;
    assert!(!logs.error, "{logs:?}");
    assert_eq!(logs.tool.as_deref(), Some("pods_log"));
    assert!(
        logs.text
            .starts_with(&format!("checkout → {}", checkout[0])),
        "{}",
        logs.text
    );
    let described = stack.answer("describe pod checkout -n production").await;
    assert!(!described.error, "{described:?}");
    assert!(described.text.contains(&checkout[0]), "{}", described.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_pods_logs_pick_the_newest_running_and_a_get_lists_them() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let api = running_pods(&stack, "api", 3).await;
    let logs = stack
        .answer("logs of pod api in namespace production")
        .await;
    assert!(!logs.error, "{logs:?}");
    let first_line = logs.text.lines().next().unwrap_or_default();
    assert!(
        first_line.contains("of the 3 pods of the workload api, the one `kubectl logs` picks"),
        "{}",
        logs.text
    );
    for pod in &api {
        assert!(first_line.contains(pod.as_str()), "{pod}: {first_line}");
    }
    let top = stack.answer("top pod api -n production").await;
    assert!(!top.error, "{top:?}");
    assert!(
        top.text.starts_with("api → the 3 pods of the workload api"),
        "{}",
        top.text
    );
    for pod in &api {
        assert!(top.text.contains(pod.as_str()), "{pod}: {}", top.text);
    }
    for request in ["describe pod api -n production"] {
        let listed = stack.answer(request).await;
        assert!(!listed.error, "{request}: {listed:?}");
        assert!(
            listed.text.contains("Name one"),
            "{request}: {}",
            listed.text
        );
        for pod in &api {
            assert!(
                listed.text.contains(pod.as_str()),
                "{request}: {}",
                listed.text
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_read_naming_no_namespace_finds_the_pods_namespace() {
    let mut objects = cluster();
    objects.extend([
        objects::namespace("staging"),
        objects::deployment("staging", "api", 1),
    ]);
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let checkout = running_pods(&stack, "checkout", 1).await;
    running_pods(&stack, "api", 3).await;
    for request in ["show me the logs of the checkout pod", "top pod checkout"] {
        let answer = stack.answer(request).await;
        assert!(!answer.error, "{request}: {answer:?}");
        assert!(
            answer.text.starts_with(
                "checkout is in namespace production (you named no namespace, and default has none)"
            ) && answer.text.contains(checkout[0].as_str()),
            "{request}: {}",
            answer.text
        );
    }
    let question = stack.clarify("logs of pod api").await;
    assert_eq!(question.missing, ["namespace"], "{question:?}");
    assert_eq!(question.candidates, ["production", "staging"]);
    let missing = stack.answer("logs of pod payments").await;
    assert!(missing.error, "{missing:?}");
    assert!(
        missing
            .text
            .contains("There is no pod payments in any namespace"),
        "{}",
        missing.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_to_a_pod_name_never_guess() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let api = running_pods(&stack, "api", 3).await;
    let checkout = running_pods(&stack, "checkout", 1).await;
    for request in [
        "exec env in pod api -n production",
        "delete pod api in namespace production",
    ] {
        let question = stack.clarify(request).await;
        assert_eq!(question.missing, ["name"], "{request}: {question:?}");
        let mut candidates = question.candidates.clone();
        candidates.sort();
        let mut expected = api.clone();
        expected.sort();
        assert_eq!(candidates, expected, "{request}");
    }
    let card = stack
        .plan("delete pod checkout in namespace production")
        .await;
    assert_eq!(
        card.target.name, checkout[0],
        "the card names the exact pod"
    );
    assert!(
        card.inferred
            .iter()
            .any(|line| line.contains(&format!("checkout → {}", checkout[0]))),
        "{:?}",
        card.inferred
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_pod_is_not_found_with_pods_that_exist() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    running_pods(&stack, "checkout", 1).await;
    let logs = stack
        .answer("logs of pod payments in namespace production")
        .await;
    assert!(logs.error, "{logs:?}");
    assert!(
        logs.text
            .contains("There is no pod payments in namespace production")
            && logs.text.contains("checkout-"),
        "{}",
        logs.text
    );
    let question = stack
        .clarify("exec env in pod payments -n production")
        .await;
    assert!(
        question
            .candidates
            .iter()
            .any(|pod| pod.starts_with("checkout-")),
        "{question:?}"
    );
}

/// Pods owned by other workloads than Deployments: StatefulSet `ledger`
/// (ordinal pods), DaemonSet `fluent-bit` (one pod on the one node), Job
/// `db-migrate` and CronJob `nightly-report` (whose pods belong to its Jobs).
fn owned_by_other_workloads() -> Vec<Value> {
    let template = |app: &str, annotations: Value| {
        json!({"metadata": {"labels": {"app": app}, "annotations": annotations},
               "spec": {"restartPolicy": "OnFailure",
                        "containers": [{"name": app, "image": "busybox:1.36"}]}})
    };
    let mut ledger = objects::deployment("production", "ledger", 2);
    ledger["kind"] = json!("StatefulSet");
    ledger["spec"]["serviceName"] = json!("ledger");
    let mut fluent_bit = objects::deployment("production", "fluent-bit", 1);
    fluent_bit["kind"] = json!("DaemonSet");
    if let Some(spec) = fluent_bit["spec"].as_object_mut() {
        spec.remove("replicas");
    }
    let hour_ago =
        sim::clock::rfc3339(std::time::SystemTime::now() - std::time::Duration::from_secs(3600));
    let mut objects = cluster();
    objects.truncate(2);
    objects.extend([
        ledger,
        fluent_bit,
        json!({"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": "db-migrate", "namespace": "production"},
               "spec": {"template": template("db-migrate", json!({"sim.kubeop.dev/logs": "schema is at version 42\n"}))}}),
        json!({"apiVersion": "batch/v1", "kind": "CronJob",
               "metadata": {"name": "nightly-report", "namespace": "production", "creationTimestamp": hour_ago},
               "spec": {"schedule": "*/10 * * * *",
                        "jobTemplate": {"spec": {"template": template("nightly-report", json!({"sim.kubeop.dev/logs": "report sent\n"}))}}}}),
    ]);
    objects
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_of_stateful_sets_daemon_sets_jobs_and_cron_jobs_resolve_by_their_owner() {
    let stack = Stack::start(owned_by_other_workloads(), ApprovalPolicy::default()).await;
    let pods = stack
        .env
        .kubectl_until(&["get", "pods", "-n", "production"], |out| {
            out.lines().filter(|line| line.contains("Running")).count() == 3
                && out.matches("Completed").count() == 2
        })
        .await;
    let name_of = |prefix: &str| {
        pods.lines()
            .filter_map(|line| line.split_whitespace().next())
            .find(|name| name.starts_with(prefix))
            .unwrap_or_else(|| panic!("no pod {prefix}...: {pods}"))
            .to_owned()
    };

    let ledger = stack
        .answer("show me the logs of the ledger pod in namespace production")
        .await;
    assert!(!ledger.error, "{ledger:?}");
    let first_line = ledger.text.lines().next().unwrap_or_default();
    assert!(
        first_line.contains("of the 2 pods of the workload ledger, the one `kubectl logs` picks")
            && first_line.contains("ledger-0")
            && first_line.contains("ledger-1"),
        "{}",
        ledger.text
    );

    for (request, owner, pod) in [
        (
            "logs of pod fluent-bit in namespace production",
            "fluent-bit",
            name_of("fluent-bit-"),
        ),
        (
            "logs of the db-migrate pod in namespace production",
            "db-migrate",
            name_of("db-migrate-"),
        ),
        (
            "logs of pod nightly-report in namespace production",
            "nightly-report",
            name_of("nightly-report-"),
        ),
    ] {
        let logs = stack.answer(request).await;
        assert!(!logs.error, "{request}: {logs:?}");
        assert!(
            logs.text.starts_with(&format!(
                "{owner} → {pod} (the only one of the pods of the workload {owner})"
            )),
            "{request}: {}",
            logs.text
        );
    }
    let report = stack
        .answer("logs of pod nightly-report in namespace production")
        .await;
    assert!(report.text.contains("report sent"), "{}", report.text);

    let question = stack
        .clarify("delete pod ledger in namespace production")
        .await;
    assert_eq!(question.missing, ["name"], "{question:?}");
    let mut candidates = question.candidates.clone();
    candidates.sort();
    assert_eq!(candidates, ["ledger-0", "ledger-1"]);
    let card = stack
        .plan("delete pod db-migrate in namespace production")
        .await;
    assert_eq!(card.target.name, name_of("db-migrate-"), "{card:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_naming_no_pod_offers_the_pods_there_the_failing_ones_when_asked() {
    let stack = Stack::start_scenario("demo").await;
    stack
        .env
        .kubectl_until(&["get", "pods", "-n", "production"], |out| {
            out.lines()
                .filter(|line| {
                    line.starts_with("checkout-") || line.starts_with("payment-service-")
                })
                .filter(|line| line.contains("CrashLoopBackOff") || line.contains("Error"))
                .count()
                == 3
        })
        .await;

    let failed = stack.clarify("delete the failed pods in production").await;
    assert_eq!(failed.missing, ["name"]);
    assert!(
        failed.question.starts_with(
            "Which pod should I delete? I need a name. Pods in trouble in namespace production: "
        ),
        "{}",
        failed.question
    );
    assert_eq!(failed.candidates.len(), 3, "{failed:?}");
    assert!(
        failed
            .candidates
            .iter()
            .all(|pod| pod.starts_with("checkout-") || pod.starts_with("payment-service-")),
        "only the crash-looping pods: {failed:?}"
    );

    // Nothing in trouble there: said, and nothing offered.
    let none = stack.clarify("delete the broken pods in kube-system").await;
    assert!(
        none.question
            .ends_with(" No pod in namespace kube-system is in trouble (6 listed)."),
        "{}",
        none.question
    );
    assert!(none.candidates.is_empty());

    // No state asked about: the namespace's pods.
    let any = stack.clarify("delete a pod in staging").await;
    assert_eq!(any.candidates.len(), 4, "{any:?}");
    assert!(
        any.question.contains(" Pods in namespace staging: nginx-"),
        "{}",
        any.question
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_named_by_its_workload_without_a_namespace_is_found_where_it_runs() {
    let stack = Stack::start_scenario("demo").await;
    let card = stack.plan("delete the report-generator pod").await;
    assert_eq!(
        card.target.namespace.as_deref(),
        Some("staging"),
        "{card:?}"
    );
    assert!(
        card.target.name.starts_with("report-generator-"),
        "{card:?}"
    );
    assert!(
        card.inferred.iter().any(|note| note
            == "namespace staging: the only namespace with a pod whose name matches \"report-generator\""),
        "{:?}",
        card.inferred
    );
}
