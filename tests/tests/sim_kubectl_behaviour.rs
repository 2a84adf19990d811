//! Real `kubectl` against the simulated cluster's behaviour: logs (current,
//! previous, the refusal when there is no previous container), exec (output,
//! a non-zero exit, DNS and connectivity from inside a pod), top pods and
//! nodes, scale convergence, and delete with its cascading pods.

use std::time::{Duration, Instant, SystemTime};

use e2e::{KubectlOutput, SimEnv};
use serde_json::Value;
use sim::SimCluster;
use sim::registry;
use sim::scenario::Scenario;
use sim::store::ListOptions;

/// How long a convergence is given before the test gives up.
const CONVERGENCE_DEADLINE: Duration = Duration::from_secs(90);

async fn demo() -> SimEnv {
    SimEnv::start("demo", Scenario::demo().objects_at(SystemTime::now())).await
}

async fn fails(env: &SimEnv, arguments: &[&str]) -> KubectlOutput {
    let output = env.kubectl(arguments).await;
    assert!(
        !output.success,
        "kubectl {arguments:?} should have failed: {output:?}"
    );
    output
}

fn pod_names(cluster: &SimCluster, namespace: &str, prefix: &str) -> Vec<String> {
    let (pods, _) = cluster
        .store()
        .list(&registry::PODS, &ListOptions::in_namespace(namespace))
        .expect("pods list");
    pods.iter()
        .filter_map(|pod| pod["metadata"]["name"].as_str())
        .filter(|name| name.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_current_previous_and_missing_previous() {
    let env = demo().await;
    let cluster = &env.cluster;
    let checkout = pod_names(cluster, "production", "checkout-").remove(0);
    let current = env
        .kubectl_ok(&["logs", "-n", "production", &checkout])
        .await;
    assert!(
        current.contains("connecting to postgres at postgres.production.svc.cluster.local:5432"),
        "{current}"
    );
    let previous = env
        .kubectl_ok(&[
            "logs",
            "-n",
            "production",
            &checkout,
            "--previous",
            "--tail=1",
        ])
        .await;
    assert_eq!(
        previous.trim(),
        "2026-11-25T08:47:02.512Z FATAL could not connect to database: pq: password authentication failed for user \"checkout\" (DB_PASSWORD from secret postgres-credentials)"
    );
    let oom = pod_names(cluster, "production", "payment-service-").remove(0);
    let oom_previous = env
        .kubectl_ok(&["logs", "-n", "production", &oom, "-p"])
        .await;
    assert!(
        oom_previous.contains("java.lang.OutOfMemoryError: Java heap space"),
        "{oom_previous}"
    );

    let nginx = pod_names(cluster, "staging", "nginx-").remove(0);
    let missing = fails(&env, &["logs", "-n", "staging", &nginx, "--previous"]).await;
    assert_ne!(missing.code, Some(0));
    assert!(
        missing
            .stderr
            .contains(&format!("Error from server (BadRequest): previous terminated container \"nginx\" in pod \"{nginx}\" not found")),
        "{missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_runs_commands_and_reports_exit_codes() {
    let env = demo().await;
    let cluster = &env.cluster;
    let nginx = pod_names(cluster, "staging", "nginx-").remove(0);
    assert_eq!(
        env.kubectl_ok(&["exec", "-n", "staging", &nginx, "--", "echo", "hi"])
            .await,
        "hi\n"
    );

    let failed = fails(
        &env,
        &[
            "exec",
            "-n",
            "staging",
            &nginx,
            "--",
            "sh",
            "-c",
            "echo partial; exit 2",
        ],
    )
    .await;
    assert_eq!(
        failed.code,
        Some(2),
        "kubectl exits with the command's code: {failed:?}"
    );
    assert_eq!(failed.stdout, "partial\n");
    assert!(
        failed
            .stderr
            .contains("command terminated with exit code 2"),
        "{failed:?}"
    );

    let unknown = fails(&env, &["exec", "-n", "staging", &nginx, "--", "frobnicate"]).await;
    assert_eq!(unknown.code, Some(127), "{unknown:?}");
    assert!(
        unknown.stderr.contains("sh: frobnicate: not found"),
        "{unknown:?}"
    );

    let dns = env
        .kubectl_ok(&[
            "exec",
            "-n",
            "staging",
            &nginx,
            "--",
            "nslookup",
            "kubernetes.default",
        ])
        .await;
    assert!(
        dns.contains("Name:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1"),
        "{dns}"
    );
    let web = pod_names(cluster, "production", "web-frontend-").remove(0);
    let reachable = env
        .kubectl_ok(&[
            "exec",
            "-n",
            "production",
            &web,
            "--",
            "sh",
            "-c",
            "wget -qO- http://api-gateway:8080/healthz && echo reachable",
        ])
        .await;
    assert!(
        reachable.contains("\"service\":\"api-gateway.production\"")
            && reachable.ends_with("reachable\n"),
        "{reachable}"
    );
    let refused = fails(
        &env,
        &[
            "exec",
            "-n",
            "production",
            &web,
            "--",
            "wget",
            "-qO-",
            "http://checkout:8080/",
        ],
    )
    .await;
    assert_eq!(
        refused.code,
        Some(1),
        "checkout has no ready endpoint: {refused:?}"
    );
    assert!(refused.stderr.contains("Connection refused"), "{refused:?}");

    let piped = env
        .kubectl_with_stdin(
            &["exec", "-i", "-n", "staging", &nginx, "--", "cat"],
            "through stdin\n",
        )
        .await;
    assert_eq!(piped.expect_success("exec -i cat"), "through stdin\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_pods_and_nodes() {
    let env = demo().await;
    let cluster = &env.cluster;
    let payment = pod_names(cluster, "production", "payment-service-").remove(0);
    let pods = env.kubectl_ok(&["top", "pods", "-n", "production"]).await;
    let line = pods
        .lines()
        .find(|line| line.starts_with(&payment))
        .unwrap_or_else(|| panic!("{payment} missing:\n{pods}"));
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(columns, [payment.as_str(), "410m", "501Mi"]);
    let all = env.kubectl_ok(&["top", "pods", "-A"]).await;
    assert!(
        all.contains("kube-system") && all.contains("coredns-"),
        "{all}"
    );
    let nodes = env.kubectl_ok(&["top", "nodes"]).await;
    let node_1: Vec<&str> = nodes
        .lines()
        .find(|line| line.starts_with("node-1"))
        .unwrap_or_else(|| panic!("node-1 missing:\n{nodes}"))
        .split_whitespace()
        .collect();
    // 1840m of 3920m allocatable is 46%; 9876Mi of 15150324Ki is 66%.
    assert_eq!(node_1[..3], ["node-1", "1840m", "46%"]);
    assert_eq!(node_1[3], "9876Mi");
    assert_eq!(node_1[4], "66%");
}

async fn ready_replicas(env: &SimEnv, namespace: &str, deployment: &str) -> Value {
    let json = env
        .kubectl_ok(&[
            "get",
            "deployment",
            "-n",
            namespace,
            deployment,
            "-o",
            "json",
        ])
        .await;
    let deployment: Value = serde_json::from_str(&json).expect("JSON");
    deployment["status"]["readyReplicas"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_converges_and_scales_back_down() {
    let env = demo().await;
    let cluster = &env.cluster;
    assert_eq!(ready_replicas(&env, "staging", "nginx").await, 2);
    let scaled = env
        .kubectl_ok(&[
            "scale",
            "deployment",
            "nginx",
            "-n",
            "staging",
            "--replicas=5",
        ])
        .await;
    assert_eq!(scaled.trim(), "deployment.apps/nginx scaled");
    let started = Instant::now();
    while ready_replicas(&env, "staging", "nginx").await != 5 {
        assert!(
            started.elapsed() < CONVERGENCE_DEADLINE,
            "nginx never reached 5 ready replicas"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(pod_names(cluster, "staging", "nginx-").len(), 5);
    let rollout = env
        .kubectl_ok(&[
            "rollout",
            "status",
            "deployment/nginx",
            "-n",
            "staging",
            "--timeout=60s",
        ])
        .await;
    assert!(rollout.contains("successfully rolled out"), "{rollout}");
    let wide = env
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "staging",
            "-l",
            "app=nginx",
            "-o",
            "wide",
        ])
        .await;
    assert_eq!(
        wide.lines()
            .filter(|line| line.contains("Running") && line.contains("1/1"))
            .count(),
        5,
        "{wide}"
    );

    env.kubectl_ok(&[
        "scale",
        "deployment",
        "nginx",
        "-n",
        "staging",
        "--replicas=1",
    ])
    .await;
    let started = Instant::now();
    while pod_names(cluster, "staging", "nginx-").len() != 1 {
        assert!(
            started.elapsed() < CONVERGENCE_DEADLINE,
            "nginx never scaled down to 1 pod"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let events = env
        .kubectl_ok(&[
            "get",
            "events",
            "-n",
            "staging",
            "--field-selector",
            "reason=ScalingReplicaSet",
        ])
        .await;
    assert!(
        events.contains("from 2 to 5") && events.contains("from 5 to 1"),
        "{events}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_deployment_removes_its_pods_and_a_deleted_pod_is_replaced() {
    let env = demo().await;
    let cluster = &env.cluster;
    let before = pod_names(cluster, "production", "web-frontend-");
    assert_eq!(before.len(), 3);
    let victim = &before[0];
    env.kubectl_ok(&["delete", "pod", "-n", "production", victim, "--wait=false"])
        .await;
    let started = Instant::now();
    loop {
        let now = pod_names(cluster, "production", "web-frontend-");
        if now.len() == 3 && !now.contains(victim) {
            break;
        }
        assert!(
            started.elapsed() < CONVERGENCE_DEADLINE,
            "the deleted pod was never replaced: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let deleted = env
        .kubectl_ok(&["delete", "deployment", "web-frontend", "-n", "production"])
        .await;
    assert_eq!(deleted.trim(), "deployment.apps \"web-frontend\" deleted");
    let started = Instant::now();
    while !pod_names(cluster, "production", "web-frontend-").is_empty() {
        assert!(
            started.elapsed() < CONVERGENCE_DEADLINE,
            "the pods outlived their deployment"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sets = env
        .kubectl_ok(&["get", "replicasets", "-n", "production", "-o", "name"])
        .await;
    assert!(!sets.contains("web-frontend"), "{sets}");
    let describe = env
        .kubectl_ok(&[
            "describe",
            "pod",
            "-n",
            "production",
            &pod_names(cluster, "production", "checkout-")[0],
        ])
        .await;
    assert!(
        describe.contains("CrashLoopBackOff")
            && describe.contains("Exit Code:    1")
            && describe.contains("Back-off restarting failed container"),
        "{describe}"
    );
    // The kubelet's repeated BackOff is one event with a count, which
    // kubectl prints as `(xN over AGE)`.
    assert!(
        describe
            .lines()
            .any(|line| line.contains("Warning  BackOff")
                && line.contains("(x")
                && line.contains(" over ")),
        "{describe}"
    );
}

/// A hand-written scenario is often just workloads: no Node at all, or Nodes
/// that are only a name. Their pods must run as on a small real cluster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_of_bare_workloads_runs_its_pods() {
    for (name, nodes) in [
        ("no-nodes", ""),
        (
            "bare-nodes",
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-a\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: worker-b\n---\n",
        ),
    ] {
        let text = format!(
            "{nodes}apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n"
        );
        let scenario = Scenario::parse(name, name, &text).expect("a valid scenario");
        let env = SimEnv::start(name, scenario.objects_at(SystemTime::now())).await;
        let started = Instant::now();
        while ready_replicas(&env, "default", "web").await != 3 {
            assert!(
                started.elapsed() < CONVERGENCE_DEADLINE,
                "{name}: web never reached 3 ready replicas"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let pods: Value = serde_json::from_str(
            &env.kubectl_ok(&["get", "pods", "-n", "default", "-o", "json"])
                .await,
        )
        .expect("JSON");
        for pod in pods["items"].as_array().expect("items") {
            assert_eq!(pod["status"]["phase"], "Running", "{name}: {pod}");
            let ip = pod["status"]["podIP"].as_str().unwrap_or_default();
            assert!(ip.starts_with("10.244."), "{name}: pod IP {ip:?}");
        }
        let nodes = env.kubectl_ok(&["get", "nodes"]).await;
        assert!(nodes.contains(" Ready "), "{name}: {nodes}");
    }
}
