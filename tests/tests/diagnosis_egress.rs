//! "Why can't A reach B" asked from a workload, end to end over the real
//! MCP server and real kubectl (`tests/scenarios/diagnosis-egress.yaml`):
//! the test's source is looked up where it runs, its destination where it
//! lives, and a NetworkPolicy of the source that drops the connection (or
//! its DNS queries) is the answer before any debug pod, which the policy
//! would not select, is started. The sim really drops those connections.

use e2e::stack::Stack;
use workflow::{Outcome, Response};

const NAMESPACE: &str = "shop";

/// Asks, expecting a diagnosis; its cause and its summary and evidence.
async fn diagnosed(stack: &Stack, text: &str) -> (String, String) {
    match stack.ask(text).await {
        Ok(Response::Diagnosis(diagnosis)) => (
            diagnosis.cause.as_str().unwrap_or_default().to_owned(),
            format!(
                "{}\n{}",
                diagnosis
                    .report
                    .as_ref()
                    .and_then(|report| report["summary"].as_str())
                    .unwrap_or_default(),
                diagnosis.evidence.join("\n")
            ),
        ),
        other => panic!("{text:?} should be diagnosed, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sources_egress_policy_is_named_and_the_test_runs_where_the_source_runs() {
    let stack = Stack::start_scenario("diagnosis-egress").await;
    let sim = &stack.env;
    sim.endpoints_until("postgres", "data", 1).await;
    sim.endpoints_until("kube-dns", "kube-system", 1).await;
    for app in ["orders", "ledger", "cart", "orders-worker"] {
        sim.ready_pods_until(NAMESPACE, &format!("app={app}"), 1)
            .await;
    }

    // The policy really drops orders' connection and ledger's lookups.
    let dropped = sim
        .kubectl(&[
            "exec",
            "-n",
            NAMESPACE,
            "deploy/orders",
            "--",
            "nc",
            "-z",
            "-w",
            "5",
            "postgres.data",
            "5432",
        ])
        .await;
    assert_eq!(dropped.code, Some(1), "{dropped:?}");
    assert!(
        dropped.stdout.contains("nc: timed out") || dropped.stderr.contains("nc: timed out"),
        "{dropped:?}"
    );
    let lookup = sim
        .kubectl(&[
            "exec",
            "-n",
            NAMESPACE,
            "deploy/ledger",
            "--",
            "nslookup",
            "postgres.data",
        ])
        .await;
    assert!(
        lookup
            .stdout
            .contains(";; connection timed out; no servers could be reached"),
        "{lookup:?}"
    );

    let (cause, said) = diagnosed(&stack, "why can't orders connect to postgres").await;
    assert_eq!(cause, "network_policy_blocks_egress", "{said}");
    assert!(
        said.contains("NetworkPolicy orders-egress isolates the pods of deployment shop/orders for egress and no rule admits Service postgres in data on port 5432/TCP"),
        "{said}"
    );
    assert!(
        said.contains("NetworkPolicy shop/orders-egress: isolates the pods of deployment shop/orders for egress; admits to pods k8s-app=kube-dns in namespaces kubernetes.io/metadata.name=kube-system on 53/UDP, 53/TCP"),
        "{said}"
    );
    let (cause, said) = diagnosed(&stack, "why can't ledger connect to postgres").await;
    assert_eq!(cause, "network_policy_blocks_egress", "{said}");
    assert!(
        said.contains("no rule admits its DNS queries (UDP 53) to the cluster DNS"),
        "{said}"
    );

    // A lookup asked from ledger is the same verdict; orders may send DNS
    // queries, so its lookup is a test to run.
    let (cause, said) = diagnosed(&stack, "can ledger resolve postgres").await;
    assert_eq!(cause, "network_policy_blocks_egress", "{said}");
    assert!(
        said.contains(
            "NetworkPolicy ledger-egress isolates the pods of deployment shop/ledger for egress and no rule admits its DNS queries (UDP 53) to the cluster DNS: it resolves no Service name."
        ),
        "{said}"
    );
    let card = stack.plan("can orders resolve postgres").await;
    assert_eq!(
        card.target.namespace.as_deref(),
        Some(NAMESPACE),
        "{card:?}"
    );

    // cart has no policy: the test runs beside it, against postgres where
    // it lives, on the port it serves, and passes.
    let card = stack.plan("can cart reach postgres").await;
    assert_eq!(
        card.target.namespace.as_deref(),
        Some(NAMESPACE),
        "{card:?}"
    );
    for line in [
        "namespace shop: where deployment cart runs, so the test starts beside it",
        "postgres.data: Service postgres is in namespace data, not shop",
        "port 5432: the port Service postgres serves (it serves no HTTP port 80), checked with nc",
    ] {
        assert!(
            card.inferred.iter().any(|said| said == line),
            "{line}: {:?}",
            card.inferred
        );
    }
    let result = stack.approve_to(&card, Outcome::Verified).await;
    assert!(
        result.output.as_deref().is_some_and(
            |output| output.contains("postgres.data (") && output.contains(":5432) open")
        ),
        "{result:?}"
    );
    // orders-worker is named like orders and not selected by its policy.
    let card = stack
        .plan("why can't orders-worker connect to postgres")
        .await;
    assert_eq!(
        card.target.namespace.as_deref(),
        Some(NAMESPACE),
        "{card:?}"
    );

    // invoices runs in two namespaces: which one is asked.
    let question = stack.clarify("why can't invoices reach postgres").await;
    assert_eq!(question.candidates, vec!["billing", "shop"], "{question:?}");
    assert_eq!(question.missing, vec!["namespace"], "{question:?}");
}
