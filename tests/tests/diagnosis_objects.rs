//! "What is wrong with X" when X is a PersistentVolumeClaim or an Ingress,
//! end to end over the real MCP server and the simulated cluster
//! (`tests/scenarios/diagnosis-objects.yaml`), and the demo's Pending claim
//! asked in plain words through the whole pipeline.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use e2e::stack::Stack;
use serde_json::Value;
use workflow::Response;
use workflow::diagnosis::{Cause, ObjectRef};

/// Waits until the claims' binder has spoken and web's pod is ready.
async fn settled(env: &DiagnosisEnv) {
    env.events_until("store", "WaitForFirstConsumer", |out| {
        out.contains("scratch")
    })
    .await;
    env.events_until("store", "FailedBinding", |out| out.contains("backups"))
        .await;
    env.events_until("store", "ProvisioningFailed", |out| out.contains("media"))
        .await;
    env.field_until("pvc/uploads", Some("store"), "{.status.phase}", |phase| {
        phase == "Bound"
    })
    .await;
    env.sim.endpoints_until("web", "store", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_are_diagnosed_by_what_keeps_them_from_binding() {
    let env = DiagnosisEnv::start("diagnosis-objects").await;
    settled(&env).await;

    let media = env
        .diagnosed("media", "store", Cause::VolumeClaimNotBound)
        .await;
    assert_eq!(
        media.subject,
        ObjectRef::namespaced("v1", "PersistentVolumeClaim", "media", "store")
    );
    assert_quoted(
        &media,
        "Warning ProvisioningFailed: storageclass.storage.k8s.io \"fast-ssd\" not found",
    );
    assert_quoted(&media, "[resources_list StorageClass] local-wait, standard");
    assert_says(
        &media,
        "asks for StorageClass fast-ssd, which does not exist",
    );
    assert!(media.proposal.is_none(), "{:?}", media.proposal);

    let backups = env
        .diagnosed("backups", "store", Cause::VolumeClaimNotBound)
        .await;
    assert_quoted(&backups, "FailedBinding: no persistent volumes available");
    assert_quoted(&backups, "archive-pv (5Gi RWO, Available");
    assert_says(&backups, "none is Available with 20Gi or more");

    let scratch = env
        .diagnosed("scratch", "store", Cause::NoFailureFound)
        .await;
    assert_says(&scratch, "Pending by design");
    assert_quoted(&scratch, "volumeBindingMode WaitForFirstConsumer");

    let uploads = env
        .diagnosed("uploads", "store", Cause::NoFailureFound)
        .await;
    assert_says(&uploads, "is Bound to volume pvc-");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingresses_are_diagnosed_by_their_backend_services() {
    let env = DiagnosisEnv::start("diagnosis-objects").await;
    settled(&env).await;

    let api = env
        .diagnosed("api", "store", Cause::IngressBackendUnavailable)
        .await;
    assert_eq!(
        api.subject,
        ObjectRef::namespaced("networking.k8s.io/v1", "Ingress", "api", "store")
    );
    assert_quoted(&api, "[resources_get Service store/api] not found");
    assert_says(
        &api,
        "sends api.example.com/v1 to Service api, which does not exist",
    );

    let admin = env
        .diagnosed("admin", "store", Cause::IngressBackendUnavailable)
        .await;
    assert_says(
        &admin,
        "to port 8080 of Service web, which exposes only http 80",
    );
    let fix = admin.proposal.clone().expect("the Service's only port");
    assert_eq!(fix.desired, "backend port 80");
    env.apply(&fix).await;
    env.diagnosed("admin", "store", Cause::NoFailureFound).await;

    let docs = env
        .diagnosed("docs-site", "store", Cause::IngressBackendUnavailable)
        .await;
    assert_says(&docs, "Service docs has no endpoints");
    assert_quoted(&docs, "[Endpoints store/docs]");

    // Healthy pods and a Service that routes: the Ingress of the same
    // name is what fails.
    let web = env
        .diagnosed("web", "store", Cause::IngressBackendUnavailable)
        .await;
    assert_eq!(web.subject.kind, "Ingress");
    assert_says(
        &web,
        "to port 8080 of Service web, which exposes only http 80",
    );

    let shop = env.diagnosed("shop", "store", Cause::NoFailureFound).await;
    assert_quoted(&shop, "shop.example.com/ → service web port 80");
    assert_quoted(
        &shop,
        "[Endpoints store/web] 1 ready addresses, 0 not ready",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_job_whose_last_run_failed_says_why_though_its_pods_are_gone() {
    let env = DiagnosisEnv::start("diagnosis-objects").await;
    env.events_until("store", "SawCompletedJob", |out| {
        out.contains("condition: Failed")
    })
    .await;
    let diagnosis = env
        .diagnosed("nightly-report", "store", Cause::JobFailed)
        .await;
    assert_eq!(diagnosis.subject.kind, "CronJob");
    assert_says(&diagnosis, "its last run, Job nightly-report-");
    assert_says(&diagnosis, "failed (DeadlineExceeded)");
    assert_quoted(&diagnosis, "Failed=True, DeadlineExceeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_set_without_pods_names_the_selection_or_taint_that_keeps_it_off_every_node() {
    let env = DiagnosisEnv::start("diagnosis-objects").await;
    env.field_until(
        "daemonset/batch-agent",
        Some("store"),
        "{.status.desiredNumberScheduled}",
        |desired| desired == "0",
    )
    .await;
    let gpu = env
        .diagnosed("gpu-agent", "store", Cause::NoEligibleNode)
        .await;
    assert_says(&gpu, "matches none of the 2 nodes");
    assert_quoted(&gpu, "nodeSelector: {\"accelerator\":\"nvidia\"}");
    assert_quoted(&gpu, "[node node-b labels]");
    let batch = env
        .diagnosed("batch-agent", "store", Cause::NoEligibleNode)
        .await;
    assert_says(
        &batch,
        "does not tolerate (node-b (dedicated=batch:NoSchedule))",
    );
    assert!(batch.proposal.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demos_pending_claim_is_diagnosed_in_plain_words() {
    let stack = Stack::start_scenario("demo").await;
    stack
        .env
        .events_until("staging", "ProvisioningFailed", |out| {
            out.contains("report-archive")
        })
        .await;
    let response = stack
        .ask("what is wrong with report-archive in staging")
        .await
        .expect("the request is answered");
    let json = serde_json::to_value(&response).expect("a response serializes");
    assert!(matches!(response, Response::Diagnosis(_)), "{json}");
    assert_eq!(json["cause"], "volume_claim_not_bound", "{json}");
    let evidence: Vec<&str> = json["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        evidence
            .iter()
            .any(|line| line.contains("storageclass.storage.k8s.io \"fast-ssd\" not found")),
        "{evidence:?}"
    );
    assert!(json["proposal"].is_null(), "{json}");
}
