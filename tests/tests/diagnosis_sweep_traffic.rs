//! Traffic and dependency failures side by side in one namespace, each
//! beside a healthy object named like it, end to end over the real MCP
//! server and real kubectl (`tests/scenarios/diagnosis-sweep-traffic.yaml`).
//! A Service whose pods run but that a NetworkPolicy closes is blamed on the
//! policy, by its own diagnosis and by the namespace's health check (and a connection to it really times out, while one the policy
//! admits answers; a debug pod's curl says what its timeout means); an init container waiting on a Service in another
//! namespace names it and why it has no ready endpoint; a sidecar's readiness
//! probe on the wrong port is fixed on that container; an HPA on memory
//! without memory requests says so; a Job restarting in place fails at its
//! backoff limit as the job controller decides it.

use e2e::diagnosis::{CountingReader, DiagnosisEnv, assert_quoted, assert_says};
use e2e::stack::Stack;
use workflow::Outcome;
use workflow::diagnosis::Cause;
use workflow::diagnosis::health::{HealthCategory, health_check};

const NAMESPACE: &str = "shop";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_policy_that_admits_nobody_is_the_cause_and_its_drops_are_real() {
    let env = DiagnosisEnv::start("diagnosis-sweep-traffic").await;
    env.sim.endpoints_until("payments", NAMESPACE, 2).await;
    env.sim.endpoints_until("catalog", NAMESPACE, 1).await;
    env.sim.ready_pods_until(NAMESPACE, "app=cart-ui", 1).await;
    env.sim
        .ready_pods_until(NAMESPACE, "app=payments-worker", 1)
        .await;

    let payments = env
        .diagnosed("payments", NAMESPACE, Cause::NetworkPolicyBlocksIngress)
        .await;
    assert_eq!(payments.subject.to_string(), "Service shop/payments");
    assert_says(
        &payments,
        "Service payments has 2 ready endpoints, but NetworkPolicy payments-lockdown isolates its pods for ingress",
    );
    assert_quoted(&payments, "for ingress; admits nothing (no ingress rule)");
    assert!(payments.proposal.is_none(), "{:?}", payments.proposal);
    // The worker is named like it, and not selected by the policy.
    env.diagnosed("payments-worker", NAMESPACE, Cause::NoFailureFound)
        .await;

    // The namespace's health check names the policy, once, and neither
    // the policy that admits the frontend nor the worker.
    let report = health_check(&env.reader(), Some(NAMESPACE))
        .await
        .expect("the health check");
    let cut_off: Vec<String> = report
        .items
        .iter()
        .filter(|item| item.category == HealthCategory::Network)
        .map(|item| format!("{}: {}", item.subject, item.message))
        .collect();
    assert_eq!(
        cut_off,
        vec![
            "NetworkPolicy shop/payments-lockdown: isolates the pods of Service payments (all 2 of its pods) for ingress and admits no traffic to them: connections to those pods are dropped and clients time out"
        ],
        "{:#?}",
        report.items
    );
    assert!(
        report
            .next_steps
            .contains(&"why is service payments failing in shop".to_string()),
        "{:?}",
        report.next_steps
    );
    env.assert_health_omits(NAMESPACE, "catalog").await;
    env.assert_health_omits(NAMESPACE, "payments-worker").await;
    // A namespace without policies costs one list of them, nothing more.
    let counting = CountingReader::new(&env);
    health_check(&counting, Some("data"))
        .await
        .expect("the health check");
    let calls = counting.calls();
    let policy_calls: Vec<&String> = calls
        .iter()
        .filter(|call| call.contains("NetworkPolicy") || call.contains("\"Service\""))
        .collect();
    assert_eq!(policy_calls.len(), 1, "{calls:#?}");

    // catalog works for the clients its policy admits, and says which.
    let catalog = env
        .diagnosed("catalog", NAMESPACE, Cause::NoFailureFound)
        .await;
    assert_quoted(
        &catalog,
        "[NetworkPolicy shop/catalog-from-frontend] only pods app=frontend in shop may connect",
    );
    env.pods_until(NAMESPACE, &["-l", "app=frontend"], |out| {
        out.matches("Running").count() == 2
    })
    .await;
    let refused = env
        .sim
        .kubectl(&[
            "exec",
            "-n",
            NAMESPACE,
            "deploy/cart-ui",
            "--",
            "curl",
            "-sS",
            "http://catalog",
        ])
        .await;
    assert_eq!(refused.code, Some(28), "{refused:?}");
    let admitted = env
        .sim
        .kubectl(&[
            "exec",
            "-n",
            NAMESPACE,
            "deploy/frontend",
            "-c",
            "web",
            "--",
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "http://catalog",
        ])
        .await;
    assert_eq!(admitted.stdout, "200", "{admitted:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connectivity_test_the_policy_drops_fails_and_says_what_its_timeout_means() {
    let stack = Stack::start_scenario("diagnosis-sweep-traffic").await;
    stack.env.endpoints_until("payments", NAMESPACE, 2).await;
    let card = stack
        .plan("why can't checkout reach payments in shop")
        .await;
    let result = stack.approve_to(&card, Outcome::Failed).await;
    assert!(
        result.evidence.iter().any(|line| line
            == "test command: curl exit 28: the connection timed out: nothing answered, as when a NetworkPolicy or a firewall drops the packets (or the server is overloaded)"),
        "{result:?}"
    );
    // Asked from a workload that runs there, the policy is the answer,
    // read before any debug pod.
    match stack.ask("why can't frontend reach payments").await {
        Ok(workflow::Response::Diagnosis(diagnosis)) => {
            assert_eq!(
                diagnosis.cause, "network_policy_blocks_ingress",
                "{diagnosis:?}"
            );
            assert!(
                diagnosis.evidence.iter().any(|line| line.starts_with(
                    "NetworkPolicy shop/payments-lockdown: isolates the pods of pod shop/payments-"
                ) && line
                    .ends_with(" for ingress; admits nothing (no ingress rule)")),
                "{diagnosis:?}"
            );
        }
        other => panic!("a diagnosis, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependencies_probes_autoscaling_and_a_restarting_job_name_their_own_cause() {
    let env = DiagnosisEnv::start("diagnosis-sweep-traffic").await;
    // The healthy ones are asked about too: wait until they are.
    env.sim
        .ready_pods_until(NAMESPACE, "app=orders-api", 1)
        .await;
    env.sim.ready_pods_until(NAMESPACE, "app=cart-ui", 1).await;
    env.pods_until(NAMESPACE, &["-l", "app=orders"], |out| {
        out.contains("Init:0/1")
    })
    .await;
    let orders = env
        .diagnosed("orders", NAMESPACE, Cause::InitContainerWaiting)
        .await;
    assert_says(
        &orders,
        "It waits for postgres.data.svc.cluster.local (nc): Service postgres in namespace data exists but has no ready endpoints",
    );
    env.diagnosed("orders-api", NAMESPACE, Cause::NoFailureFound)
        .await;

    env.events_until(NAMESPACE, "Unhealthy", |out| {
        out.contains("dial tcp") && out.contains(":9091: connect: connection refused")
    })
    .await;
    let frontend = env
        .diagnosed("frontend", NAMESPACE, Cause::ReadinessProbeFailure)
        .await;
    assert_says(&frontend, "Container metrics of pod frontend-");
    let proposal = frontend.proposal.clone().expect("the declared port");
    assert_eq!(
        proposal.manifest["spec"]["template"]["spec"]["containers"][1]["readinessProbe"]["httpGet"]
            ["port"],
        9090
    );
    env.apply(&proposal).await;
    env.sim.endpoints_until("frontend", NAMESPACE, 2).await;

    env.field_until(
        "hpa/cart",
        Some(NAMESPACE),
        "{.status.conditions[?(@.type==\"ScalingActive\")].reason}",
        |reason| reason == "FailedGetResourceMetric",
    )
    .await;
    let cart = env
        .diagnosed("cart", NAMESPACE, Cause::AutoscalerNotScaling)
        .await;
    assert_says(&cart, "missing request for memory in container cart");
    env.diagnosed("cart-ui", NAMESPACE, Cause::NoFailureFound)
        .await;

    env.field_until(
        "job/nightly-export",
        Some(NAMESPACE),
        "{.status.conditions[?(@.type==\"Failed\")].reason}",
        |reason| reason == "BackoffLimitExceeded",
    )
    .await;
    let export = env
        .diagnosed("nightly-export", NAMESPACE, Cause::JobFailed)
        .await;
    // Whether its stopped pod is still being removed or already gone.
    assert_says(&export, "Job nightly-export failed (BackoffLimitExceeded");
    assert_quoted(
        &export,
        "[Job shop/nightly-export status] Failed=True, BackoffLimitExceeded: Job has reached the specified backoff limit",
    );
}
