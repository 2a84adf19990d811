//! "My service doesn't work" when the pods run: the pod-failure playbook
//! finds no failing pod and reads the Service of that name, end to end over
//! the real MCP server and the simulated cluster
//! (`tests/scenarios/diagnosis-services.yaml`).

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::{Cause, ObjectRef};

/// Waits until every pod of the scenario is ready, but catalog's, which runs
/// and never gets ready.
async fn settled(env: &DiagnosisEnv) {
    env.pods_until("shop", &[], |out| {
        let ready = out
            .lines()
            .filter(|line| line.contains("1/1") && line.contains("Running"))
            .count();
        let catalog_unready = out
            .lines()
            .any(|line| line.starts_with("catalog-") && line.contains("0/1"));
        ready == 4 && catalog_unready
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selector_matching_no_pod_is_found_and_fixed_from_the_deployments_labels() {
    let env = DiagnosisEnv::start("diagnosis-services").await;
    settled(&env).await;

    let diagnosis = env
        .diagnosed("checkout", "shop", Cause::ServiceWithoutEndpoints)
        .await;
    assert_eq!(
        diagnosis.subject,
        ObjectRef::namespaced("v1", "Service", "checkout", "shop")
    );
    assert_quoted(
        &diagnosis,
        "[Service shop/checkout] selector app=checkout,tier=web",
    );
    assert_quoted(
        &diagnosis,
        "[Endpoints shop/checkout] no addresses (<none>)",
    );
    assert_quoted(&diagnosis, "labels] app=checkout,tier=frontend");
    assert_says(
        &diagnosis,
        "its selector app=checkout,tier=web matches no pod",
    );
    let proposal = diagnosis.proposal.clone().expect("the Deployment's labels");
    assert_eq!(proposal.current, "selector app=checkout,tier=web");
    assert_eq!(proposal.desired, "selector app=checkout,tier=frontend");

    // Applied as approved, the Service gets the two pods as endpoints.
    env.apply(&proposal).await;
    env.sim.endpoints_until("checkout", "shop", 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_target_port_unready_pods_and_a_working_service_are_told_apart() {
    let env = DiagnosisEnv::start("diagnosis-services").await;
    settled(&env).await;

    let port = env
        .diagnosed("payment", "shop", Cause::ServicePortMismatch)
        .await;
    assert_quoted(&port, "container ports: https 8443");
    assert_says(&port, "targetPort 8080, which its pods do not declare");
    let fix = port.proposal.expect("the declared port");
    assert_eq!(fix.desired, "targetPort 8443");

    let unready = env
        .diagnosed("catalog-api", "shop", Cause::ServiceWithoutEndpoints)
        .await;
    assert_quoted(
        &unready,
        "[Endpoints shop/catalog-api] 0 ready addresses, 1 not ready",
    );
    assert_says(&unready, "are not ready");
    assert!(unready.proposal.is_none());
    assert!(
        unready
            .next_steps
            .iter()
            .any(|step| step.starts_with("why is pod catalog-")),
        "{:?}",
        unready.next_steps
    );

    let working = env.diagnosed("search", "shop", Cause::NoFailureFound).await;
    assert_quoted(
        &working,
        "[Endpoints shop/search] 1 ready addresses, 0 not ready",
    );
}
