//! kubectl commands people run beyond get/apply/delete, against the
//! simulated cluster: autoscale, auth whoami, get all, wait, rollout
//! history and undo, top, deleting a namespace, and the streaming ones
//! (logs -f, get events --watch).

use std::process::Stdio;
use std::time::Duration;

use e2e::SimEnv;
use e2e::objects::{deployment, namespace, node};
use sim::registry;
use sim::store::ChangeKind;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

/// How long a streaming kubectl may take to print what the cluster does
/// (a convergence limit, not a measurement: the test only fails on a
/// cluster that never produces the output).
const STREAM_LIMIT: Duration = Duration::from_secs(90);

/// A cluster with one node and Deployment shop/web of 2 pods, rolled out.
async fn web() -> SimEnv {
    let env = SimEnv::start(
        "commands",
        vec![node(), namespace("shop"), deployment("shop", "web", 2)],
    )
    .await;
    env.kubectl_ok(&[
        "rollout",
        "status",
        "deploy/web",
        "-n",
        "shop",
        "--timeout=120s",
    ])
    .await;
    env
}

/// A kubectl that keeps running (`-f`, `--watch`), its output read line by line.
struct Streaming {
    child: Child,
    lines: tokio::io::Lines<BufReader<ChildStdout>>,
}

impl Streaming {
    fn start(env: &SimEnv, args: &[&str]) -> Streaming {
        let mut child = Command::new(e2e::kubectl_binary())
            .arg("--kubeconfig")
            .arg(&env.kubeconfig)
            .args(args)
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("kubectl starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        Streaming {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// Reads lines until one satisfies `wanted`; returns it.
    async fn line_where(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let mut seen = Vec::new();
        let found = tokio::time::timeout(STREAM_LIMIT, async {
            while let Some(line) = self.lines.next_line().await.expect("kubectl's output") {
                if wanted(&line) {
                    return Some(line);
                }
                seen.push(line);
            }
            None
        })
        .await;
        match found {
            Ok(Some(line)) => line,
            _ => panic!(
                "kubectl never printed the line; it printed:\n{}",
                seen.join("\n")
            ),
        }
    }

    /// Waits for kubectl to end by itself; whether it succeeded.
    async fn ends(&mut self) -> bool {
        let status = tokio::time::timeout(STREAM_LIMIT, self.child.wait())
            .await
            .expect("kubectl ends once its stream is over")
            .expect("kubectl's exit status");
        status.success()
    }
}

fn first_pod(env: &SimEnv) -> String {
    let (pods, _) = env
        .cluster
        .store()
        .list(
            &registry::PODS,
            &sim::store::ListOptions::in_namespace("shop"),
        )
        .expect("pods");
    pods[0]["metadata"]["name"]
        .as_str()
        .expect("a name")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoscale_makes_an_autoscaler_of_the_deployment() {
    let env = web().await;
    let out = env
        .kubectl_ok(&[
            "autoscale",
            "deployment",
            "web",
            "-n",
            "shop",
            "--min=2",
            "--max=5",
            "--cpu-percent=80",
        ])
        .await;
    assert_eq!(
        out.trim(),
        "horizontalpodautoscaler.autoscaling/web autoscaled"
    );
    let hpa = env.kubectl_json(&["get", "hpa", "web", "-n", "shop"]).await;
    assert_eq!(hpa["spec"]["maxReplicas"], 5);
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "web");
    assert_eq!(
        hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
        80
    );
    let table = env.kubectl_ok(&["get", "hpa", "-n", "shop"]).await;
    assert!(table.contains("Deployment/web"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_whoami_names_the_user_of_each_context() {
    let env = SimEnv::start("whoami", vec![]).await;
    let admin = env.kubectl_ok(&["auth", "whoami"]).await;
    assert!(
        admin.contains("admin") && admin.contains("system:masters"),
        "{admin}"
    );
    let read_only = env
        .kubectl_read_only(&["auth", "whoami", "-o", "json"])
        .await
        .expect_success("whoami as the read-only user");
    let review: serde_json::Value = serde_json::from_str(&read_only).expect("JSON");
    assert_eq!(review["status"]["userInfo"]["username"], "read-only");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_token_for_a_service_account() {
    let env = SimEnv::start("token", vec![]).await;
    env.kubectl_ok(&["create", "serviceaccount", "deployer"])
        .await;
    let token = env.kubectl_ok(&["create", "token", "deployer"]).await;
    let parts: Vec<&str> = token.trim().split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT: {token}");
    let missing = env.kubectl(&["create", "token", "nobody"]).await;
    assert!(
        !missing.success
            && missing
                .stderr
                .contains("serviceaccounts \"nobody\" not found"),
        "{missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_range_ratio_refuses_a_limit_too_far_above_its_request() {
    let env = SimEnv::start("ratio", vec![]).await;
    env.kubectl_with_stdin(
        &["apply", "-f", "-"],
        "apiVersion: v1\nkind: LimitRange\nmetadata: {name: burst}\nspec:\n  limits:\n  - type: Container\n    maxLimitRequestRatio: {cpu: \"2\"}\n",
    )
    .await
    .expect_success("apply the LimitRange");
    let refused = env
        .kubectl(&[
            "run",
            "greedy",
            "--image=nginx:1.27",
            "--overrides={\"spec\": {\"containers\": [{\"name\": \"greedy\", \"image\": \"nginx:1.27\", \"resources\": {\"requests\": {\"cpu\": \"250m\"}, \"limits\": {\"cpu\": \"1\"}}}]}}",
        ])
        .await;
    assert!(
        !refused.success
            && refused.stderr.contains(
                "pods \"greedy\" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000"
            ),
        "{refused:?}"
    );
    env.kubectl_ok(&[
        "run",
        "modest",
        "--image=nginx:1.27",
        "--overrides={\"spec\": {\"containers\": [{\"name\": \"modest\", \"image\": \"nginx:1.27\", \"resources\": {\"requests\": {\"cpu\": \"500m\"}, \"limits\": {\"cpu\": \"1\"}}}]}}",
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_all_and_wait_for_conditions() {
    let env = web().await;
    let all = env.kubectl_ok(&["get", "all", "-n", "shop"]).await;
    for expected in ["pod/web-", "deployment.apps/web", "replicaset.apps/web-"] {
        assert!(all.contains(expected), "{expected}:\n{all}");
    }
    let available = env
        .kubectl_ok(&[
            "wait",
            "--for=condition=Available",
            "deploy/web",
            "-n",
            "shop",
            "--timeout=60s",
        ])
        .await;
    assert_eq!(available.trim(), "deployment.apps/web condition met");
    let ready = env
        .kubectl_ok(&[
            "wait",
            "--for=condition=Ready",
            "pod",
            "-l",
            "app=web",
            "-n",
            "shop",
            "--timeout=60s",
        ])
        .await;
    assert_eq!(ready.matches("condition met").count(), 2, "{ready}");
    let replicas = env
        .kubectl_ok(&[
            "wait",
            "--for=jsonpath={.status.readyReplicas}=2",
            "deploy/web",
            "-n",
            "shop",
            "--timeout=60s",
        ])
        .await;
    assert!(replicas.contains("condition met"), "{replicas}");
    let pod = first_pod(&env);
    env.kubectl_ok(&["delete", "pod", &pod, "-n", "shop", "--wait=false"])
        .await;
    let gone = env
        .kubectl_ok(&[
            "wait",
            "--for=delete",
            &format!("pod/{pod}"),
            "-n",
            "shop",
            "--timeout=60s",
        ])
        .await;
    assert!(gone.contains("condition met"), "{gone}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_history_and_undo_return_to_the_previous_template() {
    let env = web().await;
    env.kubectl_ok(&["set", "image", "deploy/web", "app=nginx:1.28", "-n", "shop"])
        .await;
    env.kubectl_ok(&[
        "rollout",
        "status",
        "deploy/web",
        "-n",
        "shop",
        "--timeout=120s",
    ])
    .await;
    let history = env
        .kubectl_ok(&["rollout", "history", "deploy/web", "-n", "shop"])
        .await;
    let revisions: Vec<&str> = history
        .lines()
        .skip(2)
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(revisions, ["1", "2"], "{history}");
    let second = env
        .kubectl_ok(&[
            "rollout",
            "history",
            "deploy/web",
            "-n",
            "shop",
            "--revision=2",
        ])
        .await;
    assert!(second.contains("nginx:1.28"), "{second}");
    let undone = env
        .kubectl_ok(&["rollout", "undo", "deploy/web", "-n", "shop"])
        .await;
    assert_eq!(undone.trim(), "deployment.apps/web rolled back");
    env.kubectl_until(
        &[
            "get",
            "deploy",
            "web",
            "-n",
            "shop",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
        ],
        |out| out == "nginx:1.27 3",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_of_one_pod_its_containers_and_one_node() {
    let env = web().await;
    let pod = first_pod(&env);
    let one = env.kubectl_ok(&["top", "pod", &pod, "-n", "shop"]).await;
    assert!(one.starts_with("NAME") && one.contains(&pod), "{one}");
    let containers = env
        .kubectl_ok(&["top", "pod", &pod, "-n", "shop", "--containers"])
        .await;
    assert!(containers.contains("app"), "{containers}");
    let node = env.kubectl_ok(&["top", "node", e2e::objects::NODE]).await;
    assert!(node.contains(e2e::objects::NODE), "{node}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_namespace_terminates_its_pods_before_it_goes() {
    let env = web().await;
    let mut changes = env.cluster.store().subscribe();
    let out = env.kubectl_ok(&["delete", "namespace", "shop"]).await;
    assert_eq!(out.trim(), "namespace \"shop\" deleted");
    env.assert_not_found(&["get", "namespace", "shop"]).await;
    let mut namespace_terminating = false;
    let mut pods_terminating = 0;
    let mut pods_gone = 0;
    while let Ok(change) = changes.try_recv() {
        let deleting = change.object["metadata"]["deletionTimestamp"].is_string();
        if std::ptr::eq(change.resource, &registry::NAMESPACES)
            && change.kind == ChangeKind::Modified
        {
            namespace_terminating |= change.object["status"]["phase"] == "Terminating";
        }
        if std::ptr::eq(change.resource, &registry::PODS) {
            match change.kind {
                ChangeKind::Modified if deleting => pods_terminating += 1,
                ChangeKind::Deleted => {
                    assert!(
                        namespace_terminating,
                        "a pod went before its namespace was Terminating"
                    );
                    pods_gone += 1;
                }
                _ => {}
            }
        }
    }
    assert!(namespace_terminating);
    assert!(pods_terminating >= 2, "the pods were deleted gracefully");
    assert!(pods_gone >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_until_the_pod_goes() {
    let env = web().await;
    let pod = first_pod(&env);
    let mut follow = Streaming::start(&env, &["logs", "-f", &pod, "-n", "shop"]);
    follow.line_where(|line| !line.is_empty()).await;
    env.kubectl_ok(&["delete", "pod", &pod, "-n", "shop", "--wait=false"])
        .await;
    // Still streaming: the container's shutdown arrives after the delete.
    follow
        .line_where(|line| line.contains("signal 3 (SIGQUIT) received, shutting down"))
        .await;
    assert!(
        follow.ends().await,
        "kubectl logs -f ends cleanly when its container stops"
    );
    let stamped = env
        .kubectl_ok(&[
            "logs",
            "deploy/web",
            "-n",
            "shop",
            "--timestamps",
            "--tail=1",
        ])
        .await;
    assert!(
        stamped.starts_with("20")
            && stamped
                .split_whitespace()
                .next()
                .is_some_and(|stamp| stamp.ends_with('Z')),
        "{stamped}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_events_watch_streams_new_events() {
    let env = web().await;
    let mut watch = Streaming::start(&env, &["get", "events", "-n", "shop", "--watch"]);
    watch
        .line_where(|line| line.contains("ScalingReplicaSet"))
        .await;
    env.kubectl_ok(&["scale", "deploy/web", "-n", "shop", "--replicas=3"])
        .await;
    let line = watch
        .line_where(|line| line.contains("Scaled up replica set") && line.contains("from 2 to 3"))
        .await;
    assert!(line.contains("deployment/web"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateful_and_daemon_sets_have_a_history_to_undo() {
    let set = |kind: &str, name: &str| {
        let mut workload = deployment("shop", name, 1);
        workload["kind"] = serde_json::json!(kind);
        if kind == "DaemonSet" {
            workload["spec"]
                .as_object_mut()
                .expect("a spec")
                .remove("replicas");
        } else {
            workload["spec"]["serviceName"] = serde_json::json!(name);
        }
        workload
    };
    let env = SimEnv::start(
        "history",
        vec![
            node(),
            namespace("shop"),
            set("StatefulSet", "db"),
            set("DaemonSet", "agent"),
        ],
    )
    .await;
    for workload in ["sts/db", "ds/agent"] {
        env.kubectl_ok(&[
            "rollout",
            "status",
            workload,
            "-n",
            "shop",
            "--timeout=120s",
        ])
        .await;
        env.kubectl_ok(&["set", "image", workload, "app=nginx:1.28", "-n", "shop"])
            .await;
        env.kubectl_ok(&[
            "rollout",
            "status",
            workload,
            "-n",
            "shop",
            "--timeout=120s",
        ])
        .await;
        let history = env
            .kubectl_until(&["rollout", "history", workload, "-n", "shop"], |out| {
                out.lines()
                    .skip(2)
                    .filter(|line| !line.trim().is_empty())
                    .count()
                    == 2
            })
            .await;
        let revisions: Vec<&str> = history
            .lines()
            .skip(2)
            .filter_map(|line| line.split_whitespace().next())
            .collect();
        assert_eq!(revisions, ["1", "2"], "{workload}: {history}");
        let second = env
            .kubectl_ok(&["rollout", "history", workload, "-n", "shop", "--revision=2"])
            .await;
        assert!(second.contains("nginx:1.28"), "{workload}: {second}");
        let undone = env
            .kubectl_ok(&["rollout", "undo", workload, "-n", "shop"])
            .await;
        assert!(undone.contains("rolled back"), "{workload}: {undone}");
        env.kubectl_until(
            &[
                "get",
                workload,
                "-n",
                "shop",
                "-o",
                "jsonpath={.spec.template.spec.containers[0].image}",
            ],
            |image| image == "nginx:1.27",
        )
        .await;
        env.kubectl_until(&["rollout", "history", workload, "-n", "shop"], |out| {
            out.lines()
                .skip(2)
                .filter_map(|line| line.split_whitespace().next())
                .collect::<Vec<_>>()
                == ["2", "3"]
        })
        .await;
    }
}
