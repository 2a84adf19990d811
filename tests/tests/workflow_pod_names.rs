//! Pods named as users name them: "the checkout pod" for the generated
//! `checkout-7d9f8c6b5-x2x9q`. Reads resolve the name (logs pick the newest
//! Running pod, as `kubectl logs deploy/x` does), changes never guess, and an
//! unknown name is not found with pods that do exist. Against the simulated
//! cluster and the real MCP server.

use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::{Value, json};
use workflow::Response;

fn deployment(name: &str, replicas: u64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": "production", "labels": {"app": name}},
           "spec": {"replicas": replicas,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}},
                                 "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}})
}

fn cluster() -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Node",
               "metadata": {"name": "node-1", "labels": {"kubernetes.io/hostname": "node-1"}},
               "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                          "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                          "conditions": [{"type": "Ready", "status": "True"}]}}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "production"}}),
        deployment("checkout", 1),
        deployment("api", 3),
    ]
}

/// The names of the running pods of deployment `app`, once its pods all run.
async fn running_pods(stack: &Stack, app: &str, count: usize) -> Vec<String> {
    for _ in 0..300 {
        let out = stack
            .env
            .kubectl(&[
                "get",
                "pods",
                "-n",
                "production",
                "-l",
                &format!("app={app}"),
                "--field-selector",
                "status.phase=Running",
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ])
            .await;
        let names: Vec<String> = out.stdout.split_whitespace().map(str::to_owned).collect();
        if names.len() == count {
            return names;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("deployment {app} never ran {count} pods");
}

fn answer(response: Result<Response, workflow::WorkflowError>) -> workflow::response::Answer {
    match response {
        Ok(Response::Answer(answer)) => answer,
        other => panic!("expected an answer, got {other:?}"),
    }
}

fn clarify(response: Result<Response, workflow::WorkflowError>) -> workflow::response::Clarify {
    match response {
        Ok(Response::Clarify(question)) => question,
        other => panic!("expected a question, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logs_of_a_deployments_pod_by_the_deployments_name() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let checkout = running_pods(&stack, "checkout", 1).await;
    let logs = answer(
        stack
            .ask("show me the logs of the checkout pod in namespace production")
            .await,
    );
    assert!(!logs.error, "{logs:?}");
    assert_eq!(logs.tool.as_deref(), Some("pods_log"));
    assert!(
        logs.text
            .starts_with(&format!("checkout → {}", checkout[0])),
        "{}",
        logs.text
    );
    let described = answer(stack.ask("describe pod checkout -n production").await);
    assert!(!described.error, "{described:?}");
    assert!(described.text.contains(&checkout[0]), "{}", described.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_pods_logs_pick_the_newest_running_and_a_get_lists_them() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let api = running_pods(&stack, "api", 3).await;
    let logs = answer(stack.ask("logs of pod api in namespace production").await);
    assert!(!logs.error, "{logs:?}");
    let first_line = logs.text.lines().next().unwrap_or_default();
    assert!(first_line.contains("newest Running of 3"), "{}", logs.text);
    for pod in &api {
        assert!(first_line.contains(pod.as_str()), "{pod}: {first_line}");
    }
    for request in [
        "describe pod api -n production",
        "top pod api -n production",
    ] {
        let listed = answer(stack.ask(request).await);
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
async fn changes_to_a_pod_name_never_guess() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let api = running_pods(&stack, "api", 3).await;
    let checkout = running_pods(&stack, "checkout", 1).await;
    for request in [
        "exec env in pod api -n production",
        "delete pod api in namespace production",
    ] {
        let question = clarify(stack.ask(request).await);
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
    let logs = answer(
        stack
            .ask("logs of pod payments in namespace production")
            .await,
    );
    assert!(logs.error, "{logs:?}");
    assert!(
        logs.text
            .contains("There is no pod payments in namespace production")
            && logs.text.contains("checkout-"),
        "{}",
        logs.text
    );
    let question = clarify(stack.ask("exec env in pod payments -n production").await);
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
    let mut ledger = deployment("ledger", 2);
    ledger["kind"] = json!("StatefulSet");
    ledger["spec"]["serviceName"] = json!("ledger");
    let mut fluent_bit = deployment("fluent-bit", 1);
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

    let ledger = answer(
        stack
            .ask("show me the logs of the ledger pod in namespace production")
            .await,
    );
    assert!(!ledger.error, "{ledger:?}");
    let first_line = ledger.text.lines().next().unwrap_or_default();
    assert!(
        first_line.contains("the newest Running of 2 pods of the workload ledger")
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
        let logs = answer(stack.ask(request).await);
        assert!(!logs.error, "{request}: {logs:?}");
        assert!(
            logs.text.starts_with(&format!(
                "{owner} → {pod} (the only one of the pods of the workload {owner})"
            )),
            "{request}: {}",
            logs.text
        );
    }
    let report = answer(
        stack
            .ask("logs of pod nightly-report in namespace production")
            .await,
    );
    assert!(report.text.contains("report sent"), "{}", report.text);

    let question = clarify(stack.ask("delete pod ledger in namespace production").await);
    assert_eq!(question.missing, ["name"], "{question:?}");
    let mut candidates = question.candidates.clone();
    candidates.sort();
    assert_eq!(candidates, ["ledger-0", "ledger-1"]);
    let card = stack
        .plan("delete pod db-migrate in namespace production")
        .await;
    assert_eq!(card.target.name, name_of("db-migrate-"), "{card:?}");
}
