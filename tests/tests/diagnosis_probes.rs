//! Probes end to end: the simulated kubelet probes what each pod serves
//! (`sim.kubeop.dev/serves`, else its declared ports), real kubectl shows the
//! kubelet's own words (connection refused, statuscode 404, a client
//! timeout, the liveness kill and the restart count growing), and the
//! pod-failure playbook (through the real `kubernetes-mcp-server`) tells a
//! probe misconfiguration (with its fix) from a slow application.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::{Cause, ObjectRef};

/// Whether `kubectl get pods` shows a pod starting with `prefix` whose line
/// contains every one of `columns`.
fn shows(listing: &str, prefix: &str, columns: &[&str]) -> bool {
    listing
        .lines()
        .any(|line| line.starts_with(prefix) && columns.iter().all(|column| line.contains(column)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_on_a_port_nothing_listens_on_is_refused_and_the_declared_port_proposed() {
    let env = DiagnosisEnv::start("diagnosis-probes").await;
    // search-0 is killed by its liveness probe and restarted; catalog runs unready.
    let listing = env
        .kubectl_until(&["get", "pods", "-n", "store"], |out| {
            shows(out, "catalog-", &["0/1", "Running"])
                && out.lines().any(|line| {
                    line.starts_with("search-0")
                        && line
                            .split_whitespace()
                            .nth(3)
                            .and_then(|restarts| restarts.parse::<u32>().ok())
                            .is_some_and(|restarts| restarts >= 1)
                })
        })
        .await;
    assert!(shows(&listing, "search-0", &["search-0"]), "{listing}");
    let pod_ip = env
        .field_until("pod/search-0", Some("store"), "{.status.podIP}", |ip| {
            !ip.is_empty()
        })
        .await;
    let described = env
        .kubectl_until(&["describe", "pod", "search-0", "-n", "store"], |out| {
            out.contains("Killing")
        })
        .await;
    for expected in [
        format!(
            "Liveness probe failed: Get \"http://{pod_ip}:9090/_cluster/health\": dial tcp {pod_ip}:9090: connect: connection refused"
        ),
        "Container search failed liveness probe, will be restarted".to_string(),
        "Exit Code:    143".to_string(),
    ] {
        assert!(described.contains(&expected), "{expected}\n{described}");
    }

    let readiness = env
        .diagnosed("catalog", "store", Cause::ReadinessProbeFailure)
        .await;
    assert_quoted(&readiness, ":8081/ready\": dial tcp");
    assert_quoted(&readiness, "connect: connection refused");
    assert_says(&readiness, "asks port 8081, where nothing listens");
    let fix = readiness.proposal.expect("a probe port fix");
    assert_eq!(
        fix.target,
        ObjectRef::namespaced("apps/v1", "Deployment", "catalog", "store")
    );
    assert_eq!(fix.current, "readinessProbe port 8081");
    assert_eq!(fix.desired, "readinessProbe port 8080");

    let liveness = env
        .diagnosed("search", "store", Cause::LivenessProbeFailure)
        .await;
    assert_eq!(liveness.subject.name, "search-0");
    assert_quoted(&liveness, "exit code 143 (SIGTERM");
    assert_quoted(
        &liveness,
        &format!("Liveness probe failed: Get \"http://{pod_ip}:9090/_cluster/health\""),
    );
    let fix = liveness.proposal.expect("a probe port fix");
    assert_eq!(
        fix.target,
        ObjectRef::namespaced("apps/v1", "StatefulSet", "search", "store")
    );
    assert_eq!(fix.desired, "livenessProbe port 9200");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_answering_404_is_fixed_and_a_slow_application_is_not_blamed_on_the_probe() {
    let env = DiagnosisEnv::start("diagnosis-probes").await;
    let unhealthy = env
        .events_until("store", "Unhealthy", |out| {
            out.contains("statuscode: 404") && out.contains("context deadline exceeded")
        })
        .await;
    for expected in [
        "Readiness probe failed: HTTP probe failed with statuscode: 404",
        ":8080/ready\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
    ] {
        assert!(unhealthy.contains(expected), "{expected}\n{unhealthy}");
    }

    let slow = env
        .diagnosed("reports", "store", Cause::ReadinessProbeFailure)
        .await;
    assert_quoted(&slow, "context deadline exceeded");
    assert_says(&slow, "slower than the probe's timeoutSeconds (1s)");
    assert_says(&slow, "the application is slow");
    assert!(slow.proposal.is_none(), "{:?}", slow.proposal);

    let wrong_path = env
        .diagnosed("orders", "store", Cause::ReadinessProbeFailure)
        .await;
    assert_quoted(
        &wrong_path,
        "Readiness probe failed: HTTP probe failed with statuscode: 404",
    );
    assert_says(&wrong_path, "path /ready on port http, which answers 404");
    let fix = wrong_path.proposal.expect("a probe path fix");
    assert_eq!(fix.current, "readinessProbe path /ready");
    assert_eq!(fix.desired, "readinessProbe path /healthz");
    // Approved, the fix rolls out a pod that becomes ready.
    env.apply(&fix).await;
    env.pods_until("store", &["-l", "app=orders"], |out| {
        out.lines().skip(1).count() == 1 && shows(out, "orders-", &["1/1", "Running"])
    })
    .await;
}
