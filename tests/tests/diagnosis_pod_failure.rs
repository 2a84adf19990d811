//! The pod-failure playbook end to end: scenario files on the simulated
//! cluster, the real `kubernetes-mcp-server` behind the gateway, and for each
//! cause the named cause, the quoted evidence and the proposed plan.

use e2e::diagnosis::{CountingReader, DiagnosisEnv, assert_quoted, assert_says, target};
use workflow::diagnosis::{Cause, DiagnosisError, ObjectRef, diagnose_pod_failure};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_loop_is_named_with_its_exit_code_and_the_error_in_the_previous_log() {
    let env = DiagnosisEnv::start("diagnosis-crashloop").await;
    env.pods_until("shop", &[], |out| out.contains("CrashLoopBackOff"))
        .await;
    let diagnosis = env
        .diagnosed("orders", "shop", Cause::CrashLoopBackOff)
        .await;
    assert!(diagnosis.subject.name.starts_with("orders-"));
    assert_quoted(&diagnosis, "exit code 1 (application error");
    assert_quoted(
        &diagnosis,
        "container orders is waiting: CrashLoopBackOff, restarted ",
    );
    assert_quoted(
        &diagnosis,
        "[previous logs of container orders] 2026-11-25T08:47:07.331Z FATAL could not connect to database after 5 attempts, exiting",
    );
    assert_quoted(&diagnosis, "[owner chain] Pod orders-");
    assert_quoted(&diagnosis, "→ Deployment orders");
    assert!(
        diagnosis.proposal.is_none(),
        "an application error has no config fix"
    );
    assert!(
        diagnosis
            .next_steps
            .iter()
            .any(|step| step.starts_with("show the previous logs of pod orders-"))
    );
    assert!(diagnosis.tool_calls > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oomkilled_container_gets_a_limit_raised_from_the_actual_numbers() {
    let env = DiagnosisEnv::start("diagnosis-oomkilled").await;
    env.pods_until("payments", &[], |out| {
        out.contains("OOMKilled") || out.contains("CrashLoopBackOff")
    })
    .await;
    let diagnosis = env.diagnosed("ledger", "payments", Cause::OomKilled).await;
    assert_quoted(&diagnosis, "reason OOMKilled, exit code 137");
    assert_quoted(&diagnosis, "resources.limits.memory: 384Mi");
    assert_quoted(
        &diagnosis,
        "[pods_top] container ledger uses 380Mi of memory now (98% of the 384Mi limit)",
    );
    assert_quoted(&diagnosis, "[nodes_top] node node-a uses 6Gi of memory");
    assert_quoted(&diagnosis, "java.lang.OutOfMemoryError: Java heap space");
    let proposal = diagnosis.proposal.clone().expect("a limit raise");
    assert_eq!(
        proposal.target,
        ObjectRef::namespaced("apps/v1", "Deployment", "ledger", "payments")
    );
    // 384Mi × 1.2 = 460.8Mi, rounded up to the 32Mi step: 480Mi.
    assert_eq!(proposal.current, "memory limit 384Mi");
    assert_eq!(proposal.desired, "memory limit 480Mi");

    // The plan is ready: applied as approved, the Deployment carries the new limit.
    env.apply(&proposal).await;
    let limit = env
        .field_until(
            "deployment/ledger",
            Some("payments"),
            "{.spec.template.spec.containers[0].resources.limits.memory}",
            |out| !out.is_empty(),
        )
        .await;
    assert_eq!(limit, "480Mi");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_rollout_tag_proposes_the_previous_revisions_image() {
    let env = DiagnosisEnv::start("diagnosis-imagepull").await;
    env.pods_until("comms", &["-l", "app=notifier"], |out| {
        out.contains("Running")
    })
    .await;
    let rollout = r#"{"spec":{"template":{"metadata":{"annotations":{"sim.kubeop.dev/state":"imagepullbackoff"}},"spec":{"containers":[{"name":"notifier","image":"ghcr.io/acme/notifier:2.0.1-typo","ports":[{"containerPort":8080,"name":"http"}],"resources":{"requests":{"cpu":"50m","memory":"64Mi"},"limits":{"memory":"128Mi"}}}]}}}}"#;
    env.sim
        .kubectl(&[
            "patch",
            "deployment",
            "notifier",
            "-n",
            "comms",
            "--type",
            "merge",
            "-p",
            rollout,
        ])
        .await
        .expect_success("patch the rollout");
    env.pods_until("comms", &["-l", "app=notifier"], |out| {
        out.contains("ImagePullBackOff") || out.contains("ErrImagePull")
    })
    .await;
    let diagnosis = env
        .diagnosed("notifier", "comms", Cause::ImagePullBackOff)
        .await;
    assert_quoted(&diagnosis, "image: ghcr.io/acme/notifier:2.0.1-typo");
    assert_quoted(
        &diagnosis,
        "Failed to pull image \"ghcr.io/acme/notifier:2.0.1-typo\"",
    );
    assert_quoted(
        &diagnosis,
        "[earlier ReplicaSet] revision 1 ran container notifier with image ghcr.io/acme/notifier:2.0.0",
    );
    assert!(
        diagnosis
            .summary
            .contains("repository ghcr.io/acme/notifier has no tag 2.0.1-typo")
    );
    let proposal = diagnosis.proposal.expect("a rollback of the image");
    assert_eq!(
        proposal.target,
        ObjectRef::namespaced("apps/v1", "Deployment", "notifier", "comms")
    );
    assert_eq!(proposal.current, "image ghcr.io/acme/notifier:2.0.1-typo");
    assert_eq!(proposal.desired, "image ghcr.io/acme/notifier:2.0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_pull_secret_points_at_credentials() {
    let env = DiagnosisEnv::start("diagnosis-imagepull").await;
    env.pods_until("comms", &["-l", "app=mailer"], |out| {
        out.contains("ImagePullBackOff") || out.contains("ErrImagePull")
    })
    .await;
    let diagnosis = env
        .diagnosed("mailer", "comms", Cause::ImagePullBackOff)
        .await;
    assert_quoted(
        &diagnosis,
        "[imagePullSecrets] Secret comms/private-registry named by the pod does not exist",
    );
    assert!(
        diagnosis
            .summary
            .contains("create the missing pull secret private-registry")
    );
    assert!(
        diagnosis.proposal.is_none(),
        "kubeop does not invent credentials"
    );
    assert_quoted(
        &diagnosis,
        "unexpected status from HEAD request to https://registry.acme.internal/v2/comms/mailer/manifests/1.2.0: 401 Unauthorized",
    );
    assert_quoted(
        &diagnosis,
        "Warning FailedToRetrieveImagePullSecret: Unable to retrieve some image pull secrets (private-registry); attempting to pull the image may not succeed.",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_registry_without_pull_secrets_and_a_missing_tag_are_told_apart() {
    let env = DiagnosisEnv::start("diagnosis-imagepull").await;
    env.pods_until("comms", &[], |out| {
        ["billing-ui-", "fax-"].iter().all(|name| {
            out.lines().any(|line| {
                line.starts_with(name)
                    && (line.contains("ImagePullBackOff") || line.contains("ErrImagePull"))
            })
        })
    })
    .await;

    let private = env
        .diagnosed("billing-ui", "comms", Cause::ImagePullBackOff)
        .await;
    assert_quoted(&private, "[pod spec] imagePullSecrets: none");
    assert_quoted(&private, "401 Unauthorized");
    assert_says(
        &private,
        "registry registry.acme.internal refused access to repository registry.acme.internal/web/billing-ui",
    );
    assert_says(&private, "the pod has no imagePullSecrets");
    assert!(private.proposal.is_none(), "no invented credentials");

    let missing_tag = env.diagnosed("fax", "comms", Cause::ImagePullBackOff).await;
    assert_quoted(
        &missing_tag,
        "rpc error: code = NotFound desc = failed to pull and unpack image \"ghcr.io/acme/fax:3.0.0-rc9\"",
    );
    assert_says(
        &missing_tag,
        "registry ghcr.io answered that repository ghcr.io/acme/fax has no tag 3.0.0-rc9",
    );
    assert_says(&missing_tag, "it never guesses a tag");
    assert!(
        missing_tag.proposal.is_none(),
        "no earlier revision: no image to propose, and none invented"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unschedulable_pods_are_explained_by_resources_selectors_and_claims() {
    let env = DiagnosisEnv::start("diagnosis-pending").await;
    env.pods_until("analytics", &[], |out| {
        out.lines().filter(|line| line.contains("Pending")).count() >= 4
    })
    .await;

    let memory = env
        .diagnosed("cruncher", "analytics", Cause::Unschedulable)
        .await;
    assert_quoted(&memory, "Insufficient memory");
    assert_quoted(&memory, "\"memory\":\"48Gi\"");
    assert_quoted(&memory, "[node node-a] allocatable cpu 3900m, memory 15Gi");
    assert!(
        memory
            .summary
            .contains("no node has enough unrequested memory")
    );
    assert_says(&memory, "the most memory left unrequested is ");
    assert_says(&memory, "and the pod requests 48Gi");
    assert!(memory.proposal.is_none());

    let selector = env
        .diagnosed("trainer", "analytics", Cause::Unschedulable)
        .await;
    assert_quoted(&selector, "didn't match Pod's node affinity/selector");
    assert_quoted(
        &selector,
        "[pod spec] nodeSelector: {\"accelerator\":\"nvidia-a100\"}",
    );
    assert_says(&selector, "no node has the label accelerator=nvidia-a100");

    let claim = env
        .diagnosed("warehouse-0", "analytics", Cause::Unschedulable)
        .await;
    assert_quoted(&claim, "pod has unbound immediate PersistentVolumeClaims");
    assert_quoted(
        &claim,
        "[PersistentVolumeClaim analytics/warehouse-data] phase Pending, storageClassName fast-ssd",
    );
    assert_quoted(
        &claim,
        "Warning ProvisioningFailed: storageclass.storage.k8s.io \"fast-ssd\" not found",
    );
    assert_says(
        &claim,
        "PersistentVolumeClaim warehouse-data is Pending: ProvisioningFailed storageclass.storage.k8s.io \"fast-ssd\" not found",
    );

    let missing = env
        .diagnosed("archive-0", "analytics", Cause::Unschedulable)
        .await;
    assert_quoted(&missing, "persistentvolumeclaim \"archive-data\" not found");
    assert_quoted(
        &missing,
        "[PersistentVolumeClaim analytics/archive-data] does not exist",
    );
    assert_says(
        &missing,
        "PersistentVolumeClaim archive-data does not exist",
    );
    assert!(
        claim
            .summary
            .contains("PersistentVolumeClaim the pod mounts is not bound")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_target_is_a_clear_error() {
    let env = DiagnosisEnv::start("diagnosis-crashloop").await;
    let reader = CountingReader::new(&env);
    let error = diagnose_pod_failure(&reader, &target("nothing-like-this", "shop"))
        .await
        .expect_err("nothing matches");
    let calls = reader.calls();
    // The pod, the Deployment and the pods of the namespace (for a prefix),
    // then one get per other kind the name could be and the node: no
    // event list (the throttled read), no second look at a kind.
    assert!(
        calls.len() <= 12 && !calls.iter().any(|call| call.starts_with("events_list")),
        "{} calls:\n{}",
        calls.len(),
        calls.join("\n")
    );
    assert_eq!(
        error,
        DiagnosisError::TargetNotFound {
            target: "nothing-like-this".into(),
            scope: " in namespace shop".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "no pod, workload, Service, PersistentVolumeClaim, Ingress or pod name prefix matches `nothing-like-this` in namespace shop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_config_map_is_copied_from_staging_and_the_pod_then_starts() {
    let env = DiagnosisEnv::start("diagnosis-configerror").await;
    env.pods_until("production", &[], |out| {
        out.matches("CreateContainerConfigError").count() == 3
    })
    .await;
    let events = env
        .events_until("production", "Failed", |out| {
            out.contains("Error: configmap \"app-config\" not found")
        })
        .await;
    assert!(
        events.contains("Error: secret \"db-creds\" not found"),
        "{events}"
    );

    let diagnosis = env
        .diagnosed("api", "production", Cause::CreateContainerConfigError)
        .await;
    assert_quoted(
        &diagnosis,
        "container api is waiting: CreateContainerConfigError: configmap \"app-config\" not found",
    );
    assert_quoted(
        &diagnosis,
        "ConfigMap app-config not found; referenced by env LOG_LEVEL of container api (keys LOG_LEVEL)",
    );
    assert_quoted(
        &diagnosis,
        "ConfigMap staging/app-config exists with keys [FEATURE_FLAGS, LOG_LEVEL]",
    );
    assert_quoted(
        &diagnosis,
        "Warning Failed: Error: configmap \"app-config\" not found",
    );
    let proposal = diagnosis
        .proposal
        .clone()
        .expect("a copy of staging's ConfigMap");
    assert_eq!(
        proposal.target,
        ObjectRef::namespaced("v1", "ConfigMap", "app-config", "production")
    );
    assert_eq!(
        proposal.manifest["data"],
        serde_json::json!({"LOG_LEVEL": "debug", "FEATURE_FLAGS": "checkout-v2"})
    );

    // Applied as approved, the ConfigMap appears and the kubelet starts the pod.
    env.apply(&proposal).await;
    env.pods_until("production", &["-l", "app=api"], |out| {
        out.contains("1/1") && out.contains("Running")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_secret_or_key_gets_an_honest_instruction_and_no_invented_values() {
    let env = DiagnosisEnv::start("diagnosis-configerror").await;
    env.pods_until("production", &[], |out| {
        out.matches("CreateContainerConfigError").count() == 3
    })
    .await;

    let billing = env
        .diagnosed("billing", "production", Cause::CreateContainerConfigError)
        .await;
    assert_quoted(
        &billing,
        "container billing is waiting: CreateContainerConfigError: secret \"db-creds\" not found",
    );
    assert_quoted(
        &billing,
        "Secret db-creds not found; referenced by env DB_PASSWORD of container billing (keys password)",
    );
    assert!(billing.proposal.is_none(), "no invented secret values");
    assert!(
        billing.summary.contains("No automatic fix")
            && billing.summary.contains(
                "`kubectl create secret generic db-creds -n production --from-literal=password=<value>`"
            ),
        "{}",
        billing.summary
    );

    let worker = env
        .diagnosed("worker", "production", Cause::CreateContainerConfigError)
        .await;
    assert_quoted(
        &worker,
        "CreateContainerConfigError: couldn't find key QUEUE_URL in ConfigMap production/worker-config",
    );
    assert_quoted(
        &worker,
        "ConfigMap worker-config exists with keys [CONCURRENCY] but has no key QUEUE_URL",
    );
    assert!(worker.proposal.is_none());
    assert!(
        worker
            .summary
            .contains("Add key QUEUE_URL to ConfigMap worker-config in namespace production"),
        "{}",
        worker.summary
    );
    env.events_until("production", "FailedMount", |out| {
        out.contains("configmap \"nginx-conf\" not found")
    })
    .await;
    let web = env.diagnosed("web", "production", Cause::FailedMount).await;
    assert_quoted(
        &web,
        "Warning FailedMount: MountVolume.SetUp failed for volume \"conf\" : configmap \"nginx-conf\" not found",
    );
    assert_quoted(
        &web,
        "ConfigMap nginx-conf not found; referenced by volume conf",
    );
    assert!(web.proposal.is_none());
    assert!(
        web.summary.contains(
            "`kubectl create configmap nginx-conf -n production --from-literal=<key>=<value>`"
        ),
        "{}",
        web.summary
    );
}
