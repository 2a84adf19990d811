//! Changes end to end: plan → approve → execute → verify through the real
//! MCP server against the simulated cluster, with the cluster's state read
//! back afterwards with the real kubectl, and every step in the operations log.

use e2e::objects::{deployment, namespace, node, pod};
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::Value;
use workflow::Outcome;

fn cluster() -> Vec<Value> {
    vec![
        node(),
        namespace("demo"),
        pod("demo", "checkout-7d9f"),
        pod("demo", "tool"),
        deployment("demo", "web", 2),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_is_created_through_plan_approval_and_verification() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack.plan("create namespace staging").await;
    assert_eq!(card.operation, "create_update");
    assert_eq!(card.target.kind, "Namespace");
    assert_eq!(
        card.target.context, "sim",
        "the context is shown in every plan"
    );
    assert!(
        card.preview
            .as_deref()
            .is_some_and(|yaml| yaml.contains("name: staging"))
    );
    assert!(
        stack
            .env
            .kubectl(&["get", "namespace", "staging"])
            .await
            .stdout
            .is_empty(),
        "nothing exists before approval"
    );
    stack.approve_to(&card, Outcome::Verified).await;
    let namespace = stack
        .env
        .kubectl_json(&["get", "namespace", "staging"])
        .await;
    assert_eq!(namespace["metadata"]["name"], "staging");
    assert_eq!(
        stack.recorded(&card.plan_id).await,
        ["requested", "planned", "approved", "executed", "verified"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_is_created_then_updated_with_a_diff_and_an_overwrite_warning() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let created = stack
        .plan("create deployment api with image nginx:1.27 and 2 replicas in namespace demo")
        .await;
    assert!(
        created.diff.is_empty(),
        "a new object has nothing to diff against"
    );
    stack.approve_to(&created, Outcome::Verified).await;
    let live = stack
        .env
        .kubectl_json(&["get", "deployment", "api", "-n", "demo"])
        .await;
    assert_eq!(live["spec"]["replicas"], 2);

    let update = stack
        .plan("set image deployment/api api=nginx:1.28 -n demo")
        .await;
    assert!(
        !update
            .warnings
            .iter()
            .any(|warning| warning.contains("already exists")),
        "a change in place is exactly what was asked, no upsert to warn about: {:?}",
        update.warnings
    );
    assert!(
        update
            .diff
            .iter()
            .any(|change| change.path.ends_with("containers[api].image")
                || change.path.ends_with("].image")),
        "{:?}",
        update.diff
    );
    stack.approve_to(&update, Outcome::Verified).await;
    let live = stack
        .env
        .kubectl_json(&["get", "deployment", "api", "-n", "demo"])
        .await;
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.28"
    );

    // Creating it again replaces values it holds: that upsert is warned about.
    let again = stack
        .plan("create deployment api with image nginx:1.29 and 3 replicas in namespace demo")
        .await;
    assert!(
        again
            .warnings
            .iter()
            .any(|warning| warning.contains("already exists")),
        "{:?}",
        again.warnings
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_named_informally_is_resolved_deleted_and_its_absence_verified() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack
        .plan("delete the checkout pod in namespace demo")
        .await;
    assert_eq!(card.target.name, "checkout-7d9f");
    assert!(
        card.inferred.iter().any(|note| note.contains("checkout")),
        "the resolution is stated: {:?}",
        card.inferred
    );
    stack.approve_to(&card, Outcome::Verified).await;
    stack
        .env
        .assert_not_found(&["get", "pod", "checkout-7d9f", "-n", "demo"])
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_delete_lists_its_pods_and_ends_in_404() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack.plan("delete deployment web in namespace demo").await;
    assert_eq!(card.operation, "delete");
    assert_eq!(card.target.namespace.as_deref(), Some("demo"));
    stack.approve_to(&card, Outcome::Verified).await;
    stack
        .env
        .assert_not_found(&["get", "deployment", "web", "-n", "demo"])
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scale_to_the_current_count_is_a_no_op_that_asks_nothing() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let answer = stack
        .answer("scale deployment web to 2 in namespace demo")
        .await;
    assert!(answer.text.contains("already has 2 replicas"), "{answer:?}");
    assert_eq!(answer.context, "sim");
    assert!(stack.pending().await.is_empty());
}

/// A value YAML 1.1 reads as a boolean (`on`, `yes`, `off`) stays the
/// string asked for: the server's YAML reader never sees it unquoted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configmap_value_that_reads_as_a_boolean_stays_a_string() {
    let stack = Stack::start(
        vec![namespace("staging"), node()],
        ApprovalPolicy::default(),
    )
    .await;
    let card = stack
        .plan("create configmap feature-flags --from-literal=beta=on --from-literal=legacy=no -n staging")
        .await;
    stack.approve_to(&card, Outcome::Verified).await;
    let live = stack
        .env
        .kubectl_json(&["get", "configmap", "feature-flags", "-n", "staging"])
        .await;
    assert_eq!(live["data"]["beta"], "on", "{live}");
    assert_eq!(live["data"]["legacy"], "no", "{live}");
}

/// A set image naming a container the workload does not run is asked
/// about: merged into the live object it would add a container to every
/// pod, which no such request means.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_image_for_a_container_the_workload_lacks_is_asked_about() {
    let stack = Stack::start_scenario("demo").await;
    let question = stack
        .clarify("set image nginx=nginx:1.28 on payment-service in production")
        .await;
    assert_eq!(question.missing, ["container"], "{question:?}");
    assert_eq!(question.candidates, ["payment-service"], "{question:?}");
    assert!(
        question.question.starts_with(
            "deployment/payment-service in namespace production has no container nginx"
        ),
        "{}",
        question.question
    );
    assert!(stack.pending().await.is_empty());
}

/// "Set the image of web to 1.28": a tag alone goes on the repository the
/// container runs now (read before write), says so, and is what runs
/// after approval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_given_as_a_tag_alone_keeps_the_running_repository() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let plan = stack.plan("set the image of web to 1.28 in demo").await;
    assert!(
        plan.inferred.iter().any(|line| line
            == "image nginx:1.28: the tag 1.28 on the image container app runs now (nginx:1.27)"),
        "{:?}",
        plan.inferred
    );
    stack.approve_to(&plan, Outcome::Verified).await;
    let live = stack
        .env
        .kubectl_json(&["get", "deployment", "web", "-n", "demo"])
        .await;
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.28"
    );
    // No workload to read the repository from: asked, nothing planned.
    let question = stack
        .clarify("set the image of nosuch to 1.28 in demo")
        .await;
    assert!(
        question.question.contains("nosuch"),
        "{}",
        question.question
    );
    assert!(stack.pending().await.is_empty());
}

/// Deleting a Secret a workload reads, or a claim whose volume is deleted
/// with it, says so first on the card: what breaks, and what is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_config_in_use_or_a_claims_data_is_warned_about_first() {
    let mut web = deployment("demo", "web", 1);
    web["spec"]["template"]["spec"]["containers"][0]["env"] = serde_json::json!([
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]);
    let objects = vec![
        node(),
        namespace("demo"),
        web,
        serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "demo"}, "data": {"password": "c2VjcmV0"}}),
        serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "unused", "namespace": "demo"}, "data": {"k": "dg=="}}),
        serde_json::json!({"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": "pv-data"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                     "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                     "hostPath": {"path": "/data"},
                     "claimRef": {"namespace": "demo", "name": "data"}}}),
        serde_json::json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "demo"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                     "volumeName": "pv-data", "resources": {"requests": {"storage": "1Gi"}}}}),
    ];
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let secret = stack.plan("delete secret db in demo").await;
    assert!(
        secret.warnings.first().is_some_and(|warning| warning.starts_with(
            "IN USE: secret/db is named by deployment/web (env DB_PASSWORD of container app (key password))"
        )),
        "{:?}",
        secret.warnings
    );
    let unused = stack.plan("delete secret unused in demo").await;
    assert!(
        !unused
            .warnings
            .iter()
            .any(|warning| warning.starts_with("IN USE")),
        "{:?}",
        unused.warnings
    );
    let claim = stack.plan("delete pvc data in demo").await;
    assert!(
        claim
            .warnings
            .first()
            .is_some_and(|warning| warning
                .starts_with("DATA LOSS: volume pv-data has reclaim policy Delete")),
        "{:?}",
        claim.warnings
    );
}

/// `kubectl expose` in words: a Service selecting the workload's pods by
/// its own selector (read from the live object), its target port where the
/// containers listen, verified by a ready endpoint; a name taken is asked
/// about, never overwritten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workload_is_exposed_by_a_service_that_selects_its_pods() {
    let mut web = deployment("shop", "web", 2);
    web["spec"]["template"]["metadata"]["labels"]["tier"] = "front".into();
    web["spec"]["template"]["spec"]["containers"][0]["ports"] =
        serde_json::json!([{"name": "http", "containerPort": 8080}]);
    let stack = Stack::start(
        vec![node(), namespace("shop"), web],
        ApprovalPolicy::default(),
    )
    .await;
    stack
        .env
        .ready_replicas_until("deployment/web", "shop", 2)
        .await;

    // No namespace named: the workload's; the port asked, the target where
    // its container listens.
    let card = stack.plan("expose deployment web --port 80").await;
    assert_eq!(
        (card.target.kind.as_str(), card.target.name.as_str()),
        ("Service", "web")
    );
    assert_eq!(card.target.namespace.as_deref(), Some("shop"));
    assert!(
        card.warnings[0].contains("it selects app=web (the workload's own selector; 2 pods carry those labels now), port 80 → targetPort 8080"),
        "{:?}",
        card.warnings
    );
    let result = stack.approve_to(&card, Outcome::Verified).await;
    assert!(
        result
            .evidence
            .iter()
            .any(|line| line.starts_with("service/web has 2 ready endpoints")),
        "{:?}",
        result.evidence
    );
    let service = stack
        .env
        .kubectl_json(&["get", "service", "web", "-n", "shop"])
        .await;
    assert_eq!(
        service["spec"]["selector"],
        serde_json::json!({"app": "web"})
    );
    assert_eq!(service["spec"]["ports"][0]["port"], 80);
    assert_eq!(service["spec"]["ports"][0]["targetPort"], 8080);

    // In words, with no port: the containers' own; the name is taken.
    let taken = stack.clarify("create a service for web").await;
    assert!(
        taken
            .question
            .contains("service/web in namespace shop already exists (selecting app=web)"),
        "{taken:?}"
    );
    let card = stack
        .plan("expose web --name web-internal --type NodePort")
        .await;
    assert_eq!(card.target.name, "web-internal");
    assert!(
        card.warnings[0].contains("the containers' ports 8080/TCP"),
        "{:?}",
        card.warnings
    );
    stack.approve_to(&card, Outcome::Verified).await;
    let internal = stack
        .env
        .kubectl_json(&["get", "service", "web-internal", "-n", "shop"])
        .await;
    assert_eq!(internal["spec"]["type"], "NodePort");
    assert_eq!(internal["spec"]["ports"][0]["name"], "http");
}
