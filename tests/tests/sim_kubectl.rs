//! The real kubectl against the simulated cluster.

use e2e::SimEnv;
use serde_json::json;

fn pod(namespace: &str, name: &str, app: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": namespace, "labels": {"app": app}},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})
}

fn namespace(name: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
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
    let out = env
        .kubectl(&["get", "pods", "-A"])
        .await
        .expect_success("get pods -A");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("NAMESPACE"), "{out}");
    for header in ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] {
        assert!(lines[0].contains(header), "{header} missing: {out}");
    }
    assert!(
        out.lines().any(|line| line.starts_with("shop")
            && line.contains("web-1")
            && line.contains("Pending")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|line| line.starts_with("default") && line.contains("tool")),
        "{out}"
    );
}
