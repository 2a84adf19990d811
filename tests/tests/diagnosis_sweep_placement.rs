//! Pods kept off every node for four different reasons in one namespace,
//! next to a healthy one, end to end over the real MCP server and real
//! kubectl (`tests/scenarios/diagnosis-sweep-placement.yaml`). Each answer
//! names what decides the placement, not every objection the scheduler
//! lists: a pod selecting a tainted pool is offered the toleration (and
//! then runs, one replica per free GPU), a pod whose node affinity matches
//! no node is not blamed on another node's taint, requests beyond every
//! node are not blamed on taints, and a missing StorageClass says what to
//! do about a StatefulSet's claim.

use e2e::diagnosis::{DiagnosisEnv, assert_quoted, assert_says};
use workflow::diagnosis::Cause;

const NAMESPACE: &str = "data-platform";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_selecting_a_tainted_pool_is_offered_the_toleration_and_then_runs() {
    let env = DiagnosisEnv::start("diagnosis-sweep-placement").await;
    let scheduler_says = "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {nvidia.com/gpu: present}.";
    env.events_until(NAMESPACE, "FailedScheduling", |out| {
        out.contains(scheduler_says)
    })
    .await;
    let diagnosis = env
        .diagnosed("trainer", NAMESPACE, Cause::Unschedulable)
        .await;
    assert_says(
        &diagnosis,
        "the only node(s) its nodeSelector or required affinity selects (pool-gpu-1) carry nvidia.com/gpu=present:NoSchedule, which the pod does not tolerate",
    );
    assert!(
        !diagnosis.summary.contains("no node has the labels"),
        "the GPU node has the labels: {}",
        diagnosis.summary
    );
    assert_quoted(
        &diagnosis,
        r#"resources.requests: {"cpu":"2","memory":"8Gi","nvidia.com/gpu":"1"}"#,
    );
    let proposal = diagnosis.proposal.clone().expect("a toleration");
    assert_eq!(
        proposal.target.to_string(),
        "Deployment data-platform/trainer"
    );
    assert_eq!(
        proposal.manifest["spec"]["template"]["spec"]["tolerations"],
        serde_json::json!([{"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}])
    );
    env.apply(&proposal).await;

    // The node has one GPU: one replica runs there, the other waits for a GPU.
    env.sim.ready_pods_until(NAMESPACE, "app=trainer", 1).await;
    let gpu_short = "0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) didn't match Pod's node affinity/selector.";
    env.events_until(NAMESPACE, "FailedScheduling", |out| out.contains(gpu_short))
        .await;
    let placed = env
        .kubectl_until(
            &[
                "get",
                "pods",
                "-n",
                NAMESPACE,
                "-l",
                "app=trainer",
                "-o",
                "wide",
            ],
            |out| waiting_beside_placed(out).is_some(),
        )
        .await;
    assert!(!placed.contains("pool-general-1"), "{placed}");
    // The rollout is stuck, so the old ReplicaSet's pod (refused by the
    // taint) stays beside the new one's waiting pod, often created the same
    // second: asked about the Deployment, the diagnosis takes the newest
    // ReplicaSet's pod, whose reason is the GPU, not the taint.
    let waiting_pod = waiting_beside_placed(&placed).expect("the new ReplicaSet's waiting pod");
    let waiting = env.unschedulable("trainer", NAMESPACE, gpu_short).await;
    assert_eq!(waiting.subject.name, waiting_pod, "{}", waiting.summary);
    assert_says(&waiting, "no node has a free nvidia.com/gpu left");
}

/// In `kubectl get pods -o wide` output: the Pending pod of the ReplicaSet
/// whose other pod runs on the GPU node, once there is one.
fn waiting_beside_placed(pods: &str) -> Option<String> {
    let name = |line: &str| {
        line.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let placed = pods
        .lines()
        .find(|line| line.contains("pool-gpu-1"))
        .map(name)?;
    let (set, _) = placed.rsplit_once('-')?;
    let set = format!("{set}-");
    pods.lines()
        .filter(|line| line.contains("Pending"))
        .map(name)
        .find(|pod| pod.starts_with(&set))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_placement_failure_is_blamed_on_what_decides_it_and_the_healthy_pod_is_not() {
    let env = DiagnosisEnv::start("diagnosis-sweep-placement").await;
    env.sim.ready_pods_until(NAMESPACE, "app=superset", 1).await;

    let driver = env
        .unschedulable(
            "spark-driver",
            NAMESPACE,
            "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {nvidia.com/gpu: present}.",
        )
        .await;
    assert_says(
        &driver,
        "cannot be scheduled: no node has the labels the pod's nodeSelector or affinity asks for.",
    );
    assert_says(
        &driver,
        "no node satisfies the pod's required node affinity (node-pool in (highmem)); node-pool: the nodes have general, gpu",
    );

    let etl = env
        .unschedulable(
            "etl",
            NAMESPACE,
            "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {nvidia.com/gpu: present}.",
        )
        .await;
    assert_says(
        &etl,
        "cannot be scheduled: no node has enough unrequested CPU for the pod's requests.",
    );
    assert_says(
        &etl,
        "the pod requests 12: more than any node has even empty",
    );

    let clickhouse = env
        .unschedulable(
            "clickhouse-0",
            NAMESPACE,
            "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
        )
        .await;
    assert_says(
        &clickhouse,
        "cannot be scheduled: a PersistentVolumeClaim the pod mounts is not bound. In detail",
    );
    assert_says(
        &clickhouse,
        "StorageClass fast-ssd does not exist: create it, or re-create the claim with a class the cluster has",
    );
    assert_says(
        &clickhouse,
        "a StatefulSet's volumeClaimTemplates cannot be changed in place",
    );

    let superset = env
        .diagnosed("superset", NAMESPACE, Cause::NoFailureFound)
        .await;
    assert!(superset.proposal.is_none());
    env.assert_health_omits(NAMESPACE, "superset").await;
}
