//! Application failures in shapes the other scenarios lack, end to end over
//! the real MCP server and real kubectl
//! (`tests/scenarios/diagnosis-sweep-apps.yaml`): a Secret key referenced
//! under another spelling than the Secret holds it is pointed at (no value
//! invented) and the pod then starts; a mistyped sidecar tag is blamed on
//! the sidecar, not on the app container beside it; a healthy Deployment
//! next to them is not reported; and a rollout whose new pods never get
//! ready keeps its old pods within its surge, as the deployment controller
//! does, and is named by the health check while the old pods serve.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;
use workflow::diagnosis::health::health_check;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_referenced_under_another_spelling_is_pointed_at_and_the_pod_starts() {
    let env = DiagnosisEnv::start("diagnosis-sweep-apps").await;
    env.pods_until("payments", &["-l", "app=fraud-check"], |out| {
        out.contains("CreateContainerConfigError")
    })
    .await;
    let diagnosis = env
        .diagnosed("fraud-check", "payments", Cause::CreateContainerConfigError)
        .await;
    assert_says(
        &diagnosis,
        "Secret payments/fraud-keys has no key api-token",
    );
    assert_says(
        &diagnosis,
        "It has key apiToken, the same name spelled another way",
    );
    assert_quoted(
        &diagnosis,
        "Secret fraud-keys exists with keys [apiToken] but has no key api-token",
    );
    let proposal = diagnosis.proposal.clone().expect("a corrected reference");
    assert_eq!(
        proposal.target.to_string(),
        "Deployment payments/fraud-check"
    );
    let env_vars = &proposal.manifest["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(
        env_vars[1]["valueFrom"]["secretKeyRef"],
        serde_json::json!({"name": "fraud-keys", "key": "apiToken"})
    );
    assert_eq!(env_vars[0]["value"], "strict", "other variables are kept");
    env.apply(&proposal).await;
    env.sim
        .ready_pods_until("payments", "app=fraud-check", 1)
        .await;

    let gateway = env
        .diagnosed("gateway", "payments", Cause::ImagePullBackOff)
        .await;
    assert_says(&gateway, "Container envoy of pod gateway-");
    assert_quoted(
        &gateway,
        "[spec of container envoy] image: envoyproxy/envoy:v1.31.O",
    );
    assert!(gateway.proposal.is_none(), "no tag is guessed");

    // A pod in its first run has not crashed yet: wait until every ledger
    // pod has (the diagnosis reads the newest one).
    env.pods_until("payments", &["-l", "app=ledger"], |out| {
        let pods: Vec<&str> = out.lines().skip(1).collect();
        !pods.is_empty() && pods.iter().all(|pod| pod.contains("CrashLoopBackOff"))
    })
    .await;
    let ledger = env
        .diagnosed("ledger", "payments", Cause::CrashLoopBackOff)
        .await;
    assert_says(
        &ledger,
        "required environment variable LEDGER_DB_URL is not set",
    );

    env.assert_health_omits("payments", "statements").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollout_stuck_on_unready_pods_stays_within_its_surge_and_is_named() {
    let env = DiagnosisEnv::start("diagnosis-sweep-apps").await;
    env.sim.ready_pods_until("orders", "app=inventory", 4).await;
    let release = serde_json::json!({"spec": {"template": {
        "metadata": {"annotations": {"sim.kubeop.dev/serves": "8080/ready=503 8080/healthz"}},
        "spec": {"containers": [{"name": "inventory", "image": "ghcr.io/acme/inventory:6.1.0"}]}}}});
    env.sim
        .kubectl_ok(&[
            "patch",
            "deployment",
            "inventory",
            "-n",
            "orders",
            "-p",
            &release.to_string(),
        ])
        .await;
    env.field_until(
        "deployment/inventory",
        Some("orders"),
        "{.status.conditions[?(@.type==\"Progressing\")].reason}",
        |reason| reason == "ProgressDeadlineExceeded",
    )
    .await;
    // 4 replicas, maxSurge 1, maxUnavailable 1: the new ReplicaSet stops at
    // 2 unready pods and the old one keeps 3 serving.
    let listing = env
        .kubectl_until(
            &["get", "pods", "-n", "orders", "-o", "custom-columns=IMAGE:.spec.containers[0].image,READY:.status.containerStatuses[0].ready", "--no-headers"],
            |out| out.lines().count() == 5,
        )
        .await;
    let count = |wanted: &str| {
        listing
            .lines()
            .filter(|line| line.split_whitespace().collect::<Vec<_>>().join(" ") == wanted)
            .count()
    };
    assert_eq!(count("ghcr.io/acme/inventory:6.0.0 true"), 3, "{listing}");
    assert_eq!(count("ghcr.io/acme/inventory:6.1.0 false"), 2, "{listing}");
    let status = env
        .sim
        .kubectl_json(&["get", "deployment", "inventory", "-n", "orders"])
        .await["status"]
        .clone();
    assert_eq!(
        (
            status["replicas"].as_u64(),
            status["updatedReplicas"].as_u64(),
            status["readyReplicas"].as_u64()
        ),
        (Some(5), Some(2), Some(3))
    );

    let report = health_check(&env.reader(), Some("orders"))
        .await
        .expect("the health check");
    let item = report
        .items
        .iter()
        .find(|item| item.subject == "Deployment orders/inventory")
        .unwrap_or_else(|| panic!("the stuck rollout is named: {:#?}", report.items));
    assert!(
        item.message.starts_with(
            "3/4 replicas ready; rollout stuck (ProgressDeadlineExceeded): ReplicaSet \"inventory-"
        ),
        "{}",
        item.message
    );
    assert!(
        item.message.ends_with("2/4 replicas updated"),
        "{}",
        item.message
    );
    assert!(
        report
            .next_steps
            .contains(&"why is the inventory rollout stuck in orders".to_string()),
        "{:?}",
        report.next_steps
    );

    let diagnosis = env
        .diagnosed("inventory", "orders", Cause::ReadinessProbeFailure)
        .await;
    assert_says(
        &diagnosis,
        "answers its readiness probe on /ready with HTTP 503",
    );
    assert_says(&diagnosis, "still serves 3 ready pods");
    let rollback = diagnosis
        .proposal
        .expect("a rollback to the serving revision");
    assert_eq!(
        rollback.manifest["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/acme/inventory:6.0.0"
    );
}
