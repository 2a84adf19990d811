//! Workloads that fail nothing yet do not run what their owners expect, end
//! to end over the real MCP server and real kubectl
//! (`tests/scenarios/diagnosis-rollouts.yaml`): a Deployment scaled to zero
//! after its last apply is named and scaled back through an approved plan;
//! a paused Deployment's new image does not roll out (the simulated
//! controller keeps the old ReplicaSet serving, Progressing Unknown
//! `DeploymentPaused`) until an approved plan resumes it.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_scaled_to_zero_is_named_and_scaled_back_to_its_applied_count() {
    let env = DiagnosisEnv::start("diagnosis-rollouts").await;
    env.field_until(
        "deployment/storefront",
        Some("web"),
        "{.spec.replicas} {.status.observedGeneration}",
        |out| out == "0 1",
    )
    .await;
    let diagnosis = env
        .diagnosed("storefront", "web", Cause::ScaledToZero)
        .await;
    assert_eq!(diagnosis.subject.kind, "Deployment");
    assert_says(
        &diagnosis,
        "Deployment storefront has no pods because it asks for none: spec.replicas is 0",
    );
    assert_quoted(&diagnosis, "[last-applied-configuration] replicas: 3");
    let proposal = diagnosis.proposal.expect("a scale back to 3");
    assert_eq!(proposal.current, "replicas 0");
    assert_eq!(proposal.desired, "replicas 3");

    env.apply(&proposal).await;
    env.sim.ready_pods_until("web", "app=storefront", 3).await;
}

/// The rollouts scenario once its checkout Deployment serves its two ready
/// pods, the state each change to checkout starts from.
async fn checkout_settled() -> DiagnosisEnv {
    let env = DiagnosisEnv::start("diagnosis-rollouts").await;
    env.sim
        .ready_replicas_until("deployment/checkout", "web", 2)
        .await;
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_rollout_is_named_with_the_waiting_image_and_resumed() {
    let env = checkout_settled().await;
    env.sim
        .kubectl(&["rollout", "pause", "deployment/checkout", "-n", "web"])
        .await
        .expect_success("pause the rollout");
    env.sim
        .set_image(
            "deployment/checkout",
            "web",
            "checkout",
            "ghcr.io/acme/checkout:1.5.0",
        )
        .await;
    env.field_until(
        "deployment/checkout",
        Some("web"),
        "{.status.conditions[?(@.type==\"Progressing\")].reason} {.status.updatedReplicas}",
        |out| out == "DeploymentPaused ",
    )
    .await;
    // Nothing rolled out: the old pods still run the old image.
    let images = env
        .field_until(
            "pods",
            Some("web"),
            "{.items[*].spec.containers[0].image}",
            |out| out.contains("checkout:1.4.0"),
        )
        .await;
    assert!(!images.contains("checkout:1.5.0"), "{images}");

    let diagnosis = env.diagnosed("checkout", "web", Cause::RolloutPaused).await;
    assert_says(
        &diagnosis,
        "Deployment checkout is paused (spec.paused: true)",
    );
    assert_says(
        &diagnosis,
        "container checkout: image ghcr.io/acme/checkout:1.4.0 → ghcr.io/acme/checkout:1.5.0",
    );
    assert_quoted(
        &diagnosis,
        "Progressing=Unknown, DeploymentPaused: Deployment is paused",
    );
    let proposal = diagnosis.proposal.expect("a plan to resume the rollout");
    assert_eq!(proposal.desired, "paused false");

    env.apply(&proposal).await;
    env.field_until(
        "deployment/checkout",
        Some("web"),
        "{.status.updatedReplicas} {.status.readyReplicas} {.status.conditions[?(@.type==\"Progressing\")].reason}",
        |out| out == "2 2 NewReplicaSetAvailable",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_written_with_capitals_is_named_invalid_and_lowered_by_the_plan() {
    let env = checkout_settled().await;
    env.sim
        .set_image(
            "deployment/checkout",
            "web",
            "checkout",
            "ghcr.io/Acme/checkout:1.5.0",
        )
        .await;
    env.pods_until("web", &["-l", "app=checkout"], |out| {
        out.contains("InvalidImageName")
    })
    .await;
    env.events_until("web", "InspectFailed", |out| {
        out.contains("repository name (Acme/checkout) must be lowercase")
    })
    .await;

    let diagnosis = env
        .diagnosed("checkout", "web", Cause::InvalidImageName)
        .await;
    assert_quoted(
        &diagnosis,
        "InvalidImageName: Failed to apply default image tag \"ghcr.io/Acme/checkout:1.5.0\": couldn't parse image name \"ghcr.io/Acme/checkout:1.5.0\": invalid reference format: repository name (Acme/checkout) must be lowercase",
    );
    assert_quoted(&diagnosis, "Warning Failed: Error: InvalidImageName");
    assert_says(&diagnosis, "so the kubelet never tries to pull it");
    let proposal = diagnosis.proposal.expect("the image in lower case");
    assert_eq!(proposal.current, "image ghcr.io/Acme/checkout:1.5.0");
    assert_eq!(proposal.desired, "image ghcr.io/acme/checkout:1.5.0");

    env.apply(&proposal).await;
    env.field_until(
        "deployment/checkout",
        Some("web"),
        "{.spec.template.spec.containers[0].image} {.status.updatedReplicas} {.status.readyReplicas}",
        |out| out == "ghcr.io/acme/checkout:1.5.0 2 2",
    )
    .await;
}
