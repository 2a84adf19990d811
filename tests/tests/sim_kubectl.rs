//! The real kubectl against the simulated cluster: what a person at a terminal
//! would run, asserted on what kubectl prints.

use e2e::SimEnv;
use serde_json::{Value, json};
use sim::registry::{DEPLOYMENTS, PODS, REPLICA_SETS};
use sim::store::ListOptions;

fn pod(namespace: &str, name: &str, app: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": namespace, "labels": {"app": app}},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})
}

/// A schedulable node, so that the controllers can place and start pods.
fn node(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node",
           "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}},
           "spec": {"podCIDR": "10.244.1.0/24"},
           "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                      "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                      "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                      "addresses": [{"type": "InternalIP", "address": "10.0.0.11"}]}})
}

fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

fn deployment(namespace: &str, name: &str, replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": namespace},
           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}},
                                 "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}})
}

/// Waits (through a watch) until the Deployment's rollout is complete.
async fn rollout_status(env: &SimEnv, namespace: &str, name: &str) {
    let target = format!("deploy/{name}");
    let out = env
        .kubectl_ok(&[
            "rollout",
            "status",
            &target,
            "-n",
            namespace,
            "--timeout=180s",
        ])
        .await;
    assert!(out.contains("successfully rolled out"), "{out}");
}

/// A cluster (named `cluster`) with one schedulable node and Deployment
/// shop/web of `replicas`, its rollout complete.
async fn web_rolled_out(cluster: &str, replicas: i64) -> SimEnv {
    let env = SimEnv::start(
        cluster,
        vec![
            node("node-1"),
            namespace("shop"),
            deployment("shop", "web", replicas),
        ],
    )
    .await;
    rollout_status(&env, "shop", "web").await;
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_pods_in_all_namespaces() {
    let env = SimEnv::start(
        "smoke",
        vec![
            namespace("shop"),
            pod("shop", "web-1", "web"),
            pod("default", "tool", "tool"),
        ],
    )
    .await;
    let out = env.kubectl_ok(&["get", "pods", "-A"]).await;
    let header = out.lines().next().unwrap_or_default();
    for column in ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"] {
        assert!(header.contains(column), "{column} missing: {out}");
    }
    assert!(
        out.lines()
            .any(|line| line.starts_with("shop") && line.contains("web-1") && line.contains("/1")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|line| line.starts_with("default") && line.contains("tool")),
        "{out}"
    );
    let wide = env
        .kubectl_ok(&["get", "pods", "-n", "shop", "-o", "wide"])
        .await;
    assert!(
        wide.lines()
            .next()
            .is_some_and(|line| line.contains("IP") && line.contains("NODE")),
        "{wide}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selectors_are_evaluated_by_the_server() {
    let env = SimEnv::start(
        "selectors",
        vec![
            namespace("shop"),
            pod("shop", "web-1", "web"),
            pod("shop", "db-1", "db"),
        ],
    )
    .await;
    let by_label = env
        .kubectl_ok(&["get", "pods", "-A", "-l", "app in (web)", "-o", "name"])
        .await;
    assert_eq!(by_label.trim(), "pod/web-1");
    let by_field = env
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "shop",
            "--field-selector",
            "metadata.name!=web-1",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(by_field.trim(), "pod/db-1");
    let unsupported = env
        .kubectl(&["get", "pods", "--field-selector", "spec.foo=bar"])
        .await;
    assert!(!unsupported.success);
    assert!(
        unsupported
            .stderr
            .contains("field label not supported: spec.foo"),
        "{}",
        unsupported.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_deployments_in_a_namespace() {
    let env = SimEnv::start(
        "deploys",
        vec![
            node("node-1"),
            namespace("shop"),
            deployment("shop", "web", 2),
            deployment("default", "other", 1),
        ],
    )
    .await;
    rollout_status(&env, "shop", "web").await;
    let out = env.kubectl_ok(&["get", "deploy", "-n", "shop"]).await;
    let mut lines = out.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(header, ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    let row: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(&row[..4], ["web", "2/2", "2", "2"], "{out}");
    assert!(lines.next().is_none(), "only the shop namespace: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_pod_shows_spec_and_events() {
    let env = SimEnv::start(
        "describe",
        vec![namespace("shop"), pod("shop", "web-1", "web")],
    )
    .await;
    let pod_uid = sim::meta::uid(
        &env.cluster
            .store()
            .get(&PODS, "shop", "web-1")
            .expect("pod"),
    )
    .to_owned();
    env.cluster
        .store()
        .create_manifest(json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web-1.17a1", "namespace": "shop"},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "web-1", "namespace": "shop", "uid": pod_uid},
            "reason": "Scheduled", "message": "Successfully assigned shop/web-1 to node-1", "type": "Normal",
            "source": {"component": "default-scheduler"}, "count": 1,
            "firstTimestamp": sim::meta::now_rfc3339(), "lastTimestamp": sim::meta::now_rfc3339()
        }))
        .expect("event created");
    let out = env
        .kubectl_ok(&["describe", "pod", "web-1", "-n", "shop"])
        .await;
    assert!(out.contains("Name:") && out.contains("web-1"), "{out}");
    assert!(out.contains("Namespace:") && out.contains("shop"), "{out}");
    assert!(
        out.contains("Image:") && out.contains("nginx:1.27"),
        "{out}"
    );
    assert!(
        out.contains("Scheduled") && out.contains("Successfully assigned shop/web-1 to node-1"),
        "{out}"
    );
}

const WEB_V1: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        env:
        - {name: MODE, value: blue}
      - name: sidecar
        image: envoy:1.30
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_apply_creates_then_updates() {
    let env = SimEnv::start("apply", vec![namespace("shop")]).await;
    let created = env
        .kubectl_with_stdin(&["apply", "-f", "-"], WEB_V1)
        .await
        .expect_success("apply (create)");
    assert_eq!(created.trim(), "deployment.apps/web created");
    let updated_yaml = WEB_V1
        .replace("replicas: 2", "replicas: 4")
        .replace("nginx:1.27", "nginx:1.28")
        .replace("value: blue", "value: green");
    let configured = env
        .kubectl_with_stdin(&["apply", "-f", "-"], &updated_yaml)
        .await
        .expect_success("apply (update)");
    assert_eq!(configured.trim(), "deployment.apps/web configured");
    let unchanged = env
        .kubectl_with_stdin(&["apply", "-f", "-"], &updated_yaml)
        .await
        .expect_success("apply (again)");
    assert_eq!(unchanged.trim(), "deployment.apps/web unchanged");
    let stored = env
        .cluster
        .store()
        .get(&DEPLOYMENTS, "shop", "web")
        .expect("stored");
    assert_eq!(stored["spec"]["replicas"], 4);
    let containers = stored["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers");
    assert_eq!(
        containers.len(),
        2,
        "containers merged by name: {containers:?}"
    );
    assert_eq!(containers[0]["image"], "nginx:1.28");
    assert_eq!(
        containers[0]["env"],
        json!([{"name": "MODE", "value": "green"}])
    );
    assert_eq!(containers[1]["image"], "envoy:1.30");
    assert_eq!(stored["metadata"]["generation"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_apply_creates_then_updates() {
    let env = SimEnv::start("ssa", vec![namespace("shop")]).await;
    let created = env
        .kubectl_with_stdin(&["apply", "--server-side", "-f", "-"], WEB_V1)
        .await
        .expect_success("apply --server-side (create)");
    assert_eq!(created.trim(), "deployment.apps/web serverside-applied");
    let updated_yaml = WEB_V1
        .replace("replicas: 2", "replicas: 3")
        .replace("envoy:1.30", "envoy:1.31");
    env.kubectl_with_stdin(&["apply", "--server-side", "-f", "-"], &updated_yaml)
        .await
        .expect_success("apply --server-side (update)");
    let out = env
        .kubectl(&[
            "get",
            "deploy",
            "web",
            "-n",
            "shop",
            "-o",
            "jsonpath={.spec.replicas} {.spec.template.spec.containers[1].image}",
        ])
        .await
        .expect_success("get -o jsonpath");
    assert_eq!(out, "3 envoy:1.31");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_sends_a_strategic_merge_patch() {
    let env = SimEnv::start("edit", vec![namespace("shop")]).await;
    env.kubectl_with_stdin(&["apply", "-f", "-"], WEB_V1)
        .await
        .expect_success("apply");
    let mut command = tokio::process::Command::new(e2e::kubectl_binary());
    command
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["edit", "deploy", "web", "-n", "shop"])
        .env("KUBE_EDITOR", "sed -i s/envoy:1.30/envoy:1.32/")
        .env_remove("KUBECONFIG");
    let output = command.output().await.expect("kubectl edit runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "deployment.apps/web edited"
    );
    let stored = env
        .cluster
        .store()
        .get(&DEPLOYMENTS, "shop", "web")
        .expect("stored");
    assert_eq!(
        stored["spec"]["template"]["spec"]["containers"][1]["image"],
        "envoy:1.32"
    );
    assert_eq!(
        stored["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_cascades_to_replica_sets_and_pods() {
    let env = web_rolled_out("cascade", 2).await;
    let before = env
        .kubectl_ok(&["get", "pods", "-n", "shop", "-o", "name"])
        .await;
    assert_eq!(before.lines().count(), 2, "{before}");
    let deleted = env
        .kubectl_ok(&["delete", "deploy", "web", "-n", "shop"])
        .await;
    assert_eq!(deleted.trim(), "deployment.apps \"web\" deleted");
    // The garbage collector deletes the pods gracefully: Terminating, then gone.
    env.kubectl_until(&["get", "pods,rs", "-n", "shop"], str::is_empty)
        .await;
    let store = env.cluster.store();
    assert!(
        store
            .list(&REPLICA_SETS, &ListOptions::in_namespace("shop"))
            .expect("listed")
            .0
            .is_empty()
    );
    let missing = env.kubectl(&["get", "deploy", "web", "-n", "shop"]).await;
    assert!(
        missing
            .stderr
            .contains("Error from server (NotFound): deployments.apps \"web\" not found"),
        "{}",
        missing.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphaning_delete_keeps_the_dependents() {
    let env = web_rolled_out("orphan", 2).await;
    env.kubectl_ok(&["delete", "deploy", "web", "-n", "shop", "--cascade=orphan"])
        .await;
    let store = env.cluster.store();
    let (replica_sets, _) = store
        .list(&REPLICA_SETS, &ListOptions::in_namespace("shop"))
        .expect("listed");
    assert_eq!(replica_sets.len(), 1);
    assert!(
        replica_sets[0]["metadata"].get("ownerReferences").is_none(),
        "the owner reference is dropped"
    );
    let (pods, _) = store
        .list(&PODS, &ListOptions::in_namespace("shop"))
        .expect("listed");
    assert_eq!(pods.len(), 2, "the replica set keeps its pods");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_can_i_as_admin_and_read_only() {
    let env = SimEnv::start("authz", vec![namespace("shop")]).await;
    let admin = env
        .kubectl(&["auth", "can-i", "delete", "pods", "-n", "shop"])
        .await;
    assert_eq!((admin.success, admin.stdout.trim()), (true, "yes"));
    let read_only_delete = env
        .kubectl_read_only(&["auth", "can-i", "delete", "pods", "-n", "shop"])
        .await;
    assert_eq!(
        (read_only_delete.success, read_only_delete.stdout.trim()),
        (false, "no")
    );
    let read_only_list = env
        .kubectl_read_only(&["auth", "can-i", "list", "pods", "-A"])
        .await;
    assert_eq!(
        (read_only_list.success, read_only_list.stdout.trim()),
        (true, "yes")
    );
    let rules = env
        .kubectl_read_only(&["auth", "can-i", "--list", "-n", "shop"])
        .await
        .expect_success("auth can-i --list");
    assert!(
        rules
            .lines()
            .any(|line| line.starts_with("*.*") && line.contains("[get list watch]")),
        "{rules}"
    );
    assert!(
        !rules.lines().any(|line| line.trim_end().ends_with("[*]")),
        "the read-only user has no wildcard verbs: {rules}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_user_cannot_delete() {
    let env = SimEnv::start(
        "readonly",
        vec![
            namespace("shop"),
            pod("shop", "web-1", "web"),
            deployment("shop", "web", 1),
        ],
    )
    .await;
    let listed = env
        .kubectl_read_only(&["get", "pod", "web-1", "-n", "shop", "-o", "name"])
        .await
        .expect_success("read-only get");
    assert_eq!(listed.trim(), "pod/web-1");
    let refused = env
        .kubectl_read_only(&["delete", "pod", "web-1", "-n", "shop"])
        .await;
    assert!(!refused.success);
    assert!(
        refused.stderr.contains(
            "Error from server (Forbidden): pods \"web-1\" is forbidden: User \"read-only\" cannot delete resource \"pods\" in API group \"\" in the namespace \"shop\""
        ),
        "{}",
        refused.stderr
    );
    assert!(
        env.cluster.store().get(&PODS, "shop", "web-1").is_ok(),
        "the pod survives"
    );
    let scale = env
        .kubectl_read_only(&["scale", "deploy", "web", "-n", "shop", "--replicas=2"])
        .await;
    assert!(
        scale.stderr.contains("deployments.apps \"web\" is forbidden: User \"read-only\" cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"shop\""),
        "{}",
        scale.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_token_is_unauthorized() {
    let env = SimEnv::start("tokens", vec![]).await;
    let out = env.kubectl(&["--token", "not-a-user", "get", "pods"]).await;
    assert!(!out.success);
    assert!(
        out.stderr.contains("You must be logged in to the server"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_deployment_converges_to_the_ready_count() {
    let env = web_rolled_out("scale", 1).await;
    let scaled = env
        .kubectl_ok(&["scale", "deploy", "web", "-n", "shop", "--replicas=3"])
        .await;
    assert_eq!(scaled.trim(), "deployment.apps/web scaled");
    rollout_status(&env, "shop", "web").await;
    let ready = env
        .kubectl_ok(&[
            "get",
            "deploy",
            "web",
            "-n",
            "shop",
            "-o",
            "jsonpath={.spec.replicas} {.status.readyReplicas}",
        ])
        .await;
    assert_eq!(ready, "3 3");
    let pods = env
        .kubectl_ok(&["get", "pods", "-n", "shop", "-l", "app=web", "-o", "name"])
        .await;
    assert_eq!(pods.lines().count(), 3, "{pods}");
    let missing = env
        .kubectl(&["scale", "deploy", "nope", "-n", "shop", "--replicas=3"])
        .await;
    assert!(
        missing
            .stderr
            .contains("deployments.apps \"nope\" not found"),
        "{}",
        missing.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_sees_a_change_through_a_watch() {
    let env = SimEnv::start(
        "watch",
        vec![namespace("shop"), pod("shop", "web-1", "web")],
    )
    .await;
    let waiter = {
        let kubeconfig = env.kubeconfig.clone();
        tokio::spawn(async move {
            tokio::process::Command::new(e2e::kubectl_binary())
                .arg("--kubeconfig")
                .arg(kubeconfig)
                .args([
                    "wait",
                    "pod/web-1",
                    "-n",
                    "shop",
                    "--for=jsonpath={.metadata.labels.tier}=front",
                    "--timeout=120s",
                ])
                .env_remove("KUBECONFIG")
                .output()
                .await
        })
    };
    let labelled = env
        .kubectl_ok(&["label", "pod", "web-1", "-n", "shop", "tier=front"])
        .await;
    assert_eq!(labelled.trim(), "pod/web-1 labeled");
    let output = waiter
        .await
        .expect("the waiter task finished")
        .expect("kubectl wait ran");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "pod/web-1 condition met"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_carry_the_real_messages() {
    let env = SimEnv::start("errors", vec![]).await;
    let missing = env.kubectl(&["get", "pod", "nope"]).await;
    assert!(
        missing
            .stderr
            .contains("Error from server (NotFound): pods \"nope\" not found"),
        "{}",
        missing.stderr
    );
    let no_namespace = env
        .kubectl_with_stdin(
            &["create", "-f", "-"],
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ghost}\n",
        )
        .await;
    assert!(
        no_namespace
            .stderr
            .contains("namespaces \"ghost\" not found"),
        "{}",
        no_namespace.stderr
    );
    let invalid = env
        .kubectl_with_stdin(
            &["create", "-f", "-"],
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a}]}\n",
        )
        .await;
    assert!(
        invalid
            .stderr
            .contains("Pod \"p\" is invalid: spec.containers[0].image: Required value"),
        "{}",
        invalid.stderr
    );
    env.kubectl_with_stdin(
        &["create", "-f", "-"],
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    )
    .await
    .expect_success("create");
    let duplicate = env
        .kubectl_with_stdin(
            &["create", "-f", "-"],
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        )
        .await;
    assert!(duplicate.stderr.contains("Error from server (AlreadyExists): error when creating \"STDIN\": configmaps \"c\" already exists"), "{}", duplicate.stderr);
}
