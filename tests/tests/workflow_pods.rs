//! Changes that need running pods: exec, debug pods, scaling to a ready
//! count, and a scale whose pods crash-loop (verification fails with the
//! evidence). Plan → approve → execute → verify against the simulated
//! cluster's controllers and kubelets, read back with the real kubectl.

use e2e::objects;
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::{Value, json};
use workflow::Outcome;

/// A Deployment in demo whose pods the simulated kubelet runs as `state` says.
fn deployment(name: &str, replicas: u64, state: &str) -> Value {
    let mut deployment = objects::deployment("demo", name, replicas);
    deployment["spec"]["template"]["metadata"]["annotations"] =
        json!({"sim.kubeop.dev/state": state});
    deployment
}

fn cluster() -> Vec<Value> {
    vec![
        objects::node(),
        objects::namespace("demo"),
        objects::pod("demo", "tool"),
        deployment("web", 2, "running"),
        deployment("crashy", 1, "crashloop"),
    ]
}

async fn ready_replicas(stack: &Stack, name: &str) -> Value {
    let object = stack
        .env
        .kubectl_json(&["get", "deployment", name, "-n", "demo"])
        .await;
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
    let verified = stack.approve_to(&up, Outcome::Verified).await;
    assert!(
        verified.evidence[0].starts_with("deployment/web: readyReplicas 4 = target 4, after "),
        "the ready count read back is the evidence: {verified:?}"
    );
    assert_eq!(ready_replicas(&stack, "web").await, 4);
    let down = stack.plan("scale it to 1").await;
    assert_eq!(
        down.target.name, "web",
        "the target comes from the last operation"
    );
    assert!(!down.inferred.is_empty(), "the inference is stated");
    stack.approve_to(&down, Outcome::Verified).await;
    assert_eq!(ready_replicas(&stack, "web").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scale_whose_pods_crash_loop_fails_with_the_evidence() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack
        .plan("scale deployment crashy to 2 in namespace demo")
        .await;
    let result = stack.approve_to(&card, Outcome::Failed).await;
    assert!(
        result.evidence[0].starts_with("deployment/crashy: ")
            && result.evidence[0].ends_with("/2 ready, and its pods are failing:"),
        "the ready count, then the failing pods: {result:?}"
    );
    assert!(
        result
            .evidence
            .iter()
            .any(|line| line.starts_with("pod/crashy-") && line.ends_with(": CrashLoopBackOff")),
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
    stack
        .env
        .kubectl_until(
            &[
                "get",
                "pod",
                "tool",
                "-n",
                "demo",
                "-o",
                "jsonpath={.status.phase}",
            ],
            |phase| phase == "Running",
        )
        .await;
    let card = stack.plan("exec echo hello in pod tool -n demo").await;
    assert_eq!(card.operation, "exec");
    assert!(
        card.warnings
            .iter()
            .any(|warning| warning.contains("shell access")),
        "{:?}",
        card.warnings
    );
    let result = stack.approve_to(&card, Outcome::Verified).await;
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
    let result = stack.approve_to(&card, Outcome::Verified).await;
    assert!(
        result.evidence.iter().any(|line| line.contains("Running")),
        "{result:?}"
    );
    assert!(
        result.evidence.iter().any(|line| line.contains("gone")),
        "{result:?}"
    );
    stack
        .env
        .assert_not_found(&["get", "pod", &card.target.name, "-n", "demo"])
        .await;
}
