//! Container lifecycle and storage failures beside healthy objects named
//! like them, end to end over the real MCP server and real kubectl
//! (`tests/scenarios/diagnosis-sweep-lifecycle.yaml`): a shell exiting 127
//! is a command the image lacks; a startup probe on a path the application
//! does not serve is the cause of its kills (not "something stopped it"),
//! fixed by the path its liveness probe asks, after which the pod starts;
//! a ReadWriteMany claim of a class whose volumes are made by hand (and
//! offer ReadWriteOnce) is Pending, as the binder leaves it, and said so;
//! the decoys are neither diagnosed nor reported.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

const NAMESPACE: &str = "media";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_and_storage_failures_name_their_own_cause_and_not_the_decoys() {
    let env = DiagnosisEnv::start("diagnosis-sweep-lifecycle").await;
    for app in ["transcoder-api", "thumbnails-archiver", "uploader-worker"] {
        env.sim
            .ready_pods_until(NAMESPACE, &format!("app={app}"), 1)
            .await;
    }
    env.pods_until(NAMESPACE, &["-l", "app=transcoder"], |out| {
        out.contains("CrashLoopBackOff")
    })
    .await;
    let transcoder = env
        .diagnosed("transcoder", NAMESPACE, Cause::CrashLoopBackOff)
        .await;
    assert_says(&transcoder, "it exits with code 127");
    assert_quoted(
        &transcoder,
        "/entrypoint.sh: line 14: ffmpeg-static: not found",
    );

    env.events_until(NAMESPACE, "Killing", |out| {
        out.contains("failed startup probe")
    })
    .await;
    let uploader = env
        .diagnosed("uploader", NAMESPACE, Cause::StartupProbeFailure)
        .await;
    assert_says(
        &uploader,
        "is killed by its failing startup probe before it ever counts as started",
    );
    assert_says(
        &uploader,
        "Its startup probe asks path /startup on port http, which answers 404 Not Found",
    );
    let proposal = uploader.proposal.clone().expect("the path that answers");
    assert_eq!(
        proposal.manifest["spec"]["template"]["spec"]["containers"][0]["startupProbe"]["httpGet"]["path"],
        "/healthz"
    );
    env.apply(&proposal).await;
    env.sim.ready_pods_until(NAMESPACE, "app=uploader", 1).await;

    env.field_until(
        "pvc/thumbnails-cache",
        Some(NAMESPACE),
        "{.status.phase}",
        |phase| phase == "Pending",
    )
    .await;
    env.events_until(NAMESPACE, "ProvisioningFailed", |out| {
        out.contains("no volume plugin matched name: kubernetes.io/no-provisioner")
    })
    .await;
    let claim = env
        .diagnosed("thumbnails-cache", NAMESPACE, Cause::VolumeClaimNotBound)
        .await;
    assert_says(
        &claim,
        "StorageClass local provisions nothing (kubernetes.io/no-provisioner: an administrator creates its volumes), and no Available volume of the class offers 20Gi or more with access modes ReadWriteMany",
    );
    assert_quoted(&claim, "local-pv-2 (50Gi RWO, Available, class local)");
    // Its pod waits for the claim: the next question is the claim's, not
    // the nodes' usage.
    let thumbnails = env
        .diagnosed("thumbnails", NAMESPACE, Cause::Unschedulable)
        .await;
    assert_eq!(
        thumbnails.next_steps,
        vec!["why is the thumbnails-cache claim pending in media"],
        "{}",
        thumbnails.summary
    );

    for decoy in ["transcoder-api", "thumbnails-archiver", "uploader-worker"] {
        env.diagnosed(decoy, NAMESPACE, Cause::NoFailureFound).await;
        env.assert_health_omits(NAMESPACE, decoy).await;
    }
}
