//! Changes that need running pods: exec, debug pods, scaling to a ready
//! count, and a scale whose pods crash-loop (verification fails with the
//! evidence). Plan → approve → execute → verify against the simulated
//! cluster's controllers and kubelets, read back with the real kubectl.

use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::{Value, json};
use workflow::Outcome;

fn node() -> Value {
    json!({"apiVersion": "v1", "kind": "Node",
           "metadata": {"name": "node-1", "labels": {"kubernetes.io/hostname": "node-1"}},
           "spec": {"podCIDR": "10.244.1.0/24"},
           "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                      "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
                      "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                      "conditions": [{"type": "Ready", "status": "True"}]}})
}

fn deployment(name: &str, replicas: u64, state: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": "demo", "labels": {"app": name}},
           "spec": {"replicas": replicas,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name},
                                              "annotations": {"sim.kubeop.dev/state": state}},
                                 "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}})
}

fn cluster() -> Vec<Value> {
    vec![
        node(),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}),
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "tool", "namespace": "demo", "labels": {"app": "tool"}},
               "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "nginx:1.27"}]}}),
        deployment("web", 2, "running"),
        deployment("crashy", 1, "crashloop"),
    ]
}

async fn ready_replicas(stack: &Stack, name: &str) -> Value {
    let out = stack
        .env
        .kubectl(&["get", "deployment", name, "-n", "demo", "-o", "json"])
        .await
        .expect_success("get deployment");
    let object: Value = serde_json::from_str(&out).expect("JSON");
    object["status"]["readyReplicas"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_up_and_down_is_verified_by_the_ready_count() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let up = stack
        .plan("scale deployment web to 4 in namespace demo")
        .await;
    assert_eq!(up.operation, "scale");
    assert_eq!(up.current["replicas"], 2);
    assert_eq!(up.desired["replicas"], 4);
    let result = stack.approve(&up).await.expect("runs");
    assert_eq!(result.outcome, Outcome::Verified, "{result:?}");
    assert_eq!(ready_replicas(&stack, "web").await, 4);
    let down = stack.plan("scale it to 1").await;
    assert_eq!(
        down.target.name, "web",
        "the target comes from the last operation"
    );
    assert!(!down.inferred.is_empty(), "the inference is stated");
    let result = stack.approve(&down).await.expect("runs");
    assert_eq!(result.outcome, Outcome::Verified, "{result:?}");
    assert_eq!(ready_replicas(&stack, "web").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scale_whose_pods_crash_loop_fails_with_the_evidence() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack
        .plan("scale deployment crashy to 2 in namespace demo")
        .await;
    let result = stack.approve(&card).await.expect("runs");
    assert_eq!(result.outcome, Outcome::Failed, "{result:?}");
    assert!(
        result
            .evidence
            .iter()
            .any(|line| line.contains("CrashLoopBackOff")),
        "{result:?}"
    );
    assert_eq!(
        stack.recorded(&card.plan_id).await,
        ["requested", "planned", "approved", "executed", "failed"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exec_warns_about_shell_access_and_reports_output_and_exit_status() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    // The kubelet starts the pod's container shortly after the cluster starts.
    let mut phase = String::new();
    for _ in 0..300 {
        phase = stack
            .env
            .kubectl(&[
                "get",
                "pod",
                "tool",
                "-n",
                "demo",
                "-o",
                "jsonpath={.status.phase}",
            ])
            .await
            .stdout;
        if phase == "Running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(phase, "Running", "the pod to exec into never ran");
    let card = stack.plan("exec echo hello in pod tool -n demo").await;
    assert_eq!(card.operation, "exec");
    assert!(
        card.warnings
            .iter()
            .any(|warning| warning.contains("shell access")),
        "{:?}",
        card.warnings
    );
    let result = stack.approve(&card).await.expect("runs");
    assert_eq!(result.outcome, Outcome::Verified, "{result:?}");
    assert!(
        result
            .output
            .as_deref()
            .is_some_and(|out| out.contains("hello")),
        "{result:?}"
    );
    assert!(result.evidence[0].contains("exit status 0"), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_debug_pod_runs_and_is_removed_with_the_removal_verified() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack
        .plan("run a busybox debug pod in namespace demo")
        .await;
    assert_eq!(card.operation, "run");
    assert!(card.cleanup.is_some(), "{card:?}");
    // The same sleeping, labelled, self-ending pod as the safe-debugging
    // playbook's: something stays running to exec into, whatever the image.
    assert_eq!(card.tool, "resources_create_or_update");
    let preview = card.preview.as_deref().unwrap_or_default();
    assert!(
        preview.contains("kubeop.dev/debug-pod") && preview.contains("activeDeadlineSeconds"),
        "{preview}"
    );
    let result = stack.approve(&card).await.expect("runs");
    assert_eq!(result.outcome, Outcome::Verified, "{result:?}");
    assert!(
        result.evidence.iter().any(|line| line.contains("Running")),
        "{result:?}"
    );
    assert!(
        result.evidence.iter().any(|line| line.contains("gone")),
        "{result:?}"
    );
    let after = stack
        .env
        .kubectl(&["get", "pod", &card.target.name, "-n", "demo"])
        .await;
    assert!(
        !after.success && after.stderr.contains("NotFound"),
        "{after:?}"
    );
}
