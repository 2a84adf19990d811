//! Everyday changes that copy or merge into what the cluster holds, end to
//! end through the real MCP server against the simulated cluster and read
//! back with the real kubectl: a run of a CronJob now (a Job from its job
//! template, as `kubectl create job --from=cronjob/...` builds it), and an
//! environment variable set on a workload's container (`kubectl set env`),
//! each planned from the live objects, approved, executed and verified.

use e2e::objects::{namespace, node};
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::{Value, json};
use workflow::Outcome;

fn cluster() -> Vec<Value> {
    vec![
        node(),
        namespace("data"),
        namespace("shop"),
        json!({"apiVersion": "batch/v1", "kind": "CronJob",
               "metadata": {"name": "nightly-export", "namespace": "data"},
               "spec": {"schedule": "0 2 * * *", "jobTemplate": {
                   "metadata": {"labels": {"team": "data"}},
                   "spec": {"backoffLimit": 1, "template": {"spec": {"restartPolicy": "Never",
                       "containers": [{"name": "export", "image": "busybox:1.36",
                                       "command": ["sh", "-c", "echo exported"]}]}}}}}}),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cronjob_runs_now_as_a_job_copied_from_its_template() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let card = stack
        .plan("kubectl create job manual-export --from=cronjob/nightly-export -n data")
        .await;
    assert_eq!(
        (card.target.kind.as_str(), card.target.name.as_str()),
        ("Job", "manual-export")
    );
    assert_eq!(card.target.namespace.as_deref(), Some("data"));
    assert!(
        card.warnings[0].contains("container export runs busybox:1.36 (sh -c echo exported)"),
        "the card says what will run: {:?}",
        card.warnings
    );
    let jobs = stack.env.kubectl_json(&["get", "jobs", "-n", "data"]).await;
    assert_eq!(jobs["items"], json!([]), "nothing runs before approval");

    let result = stack.approve_to(&card, Outcome::Verified).await;
    assert!(
        result
            .evidence
            .iter()
            .any(|line| line.starts_with("job/manual-export completed after")
                && line.contains("1 of 1 succeeded")
                && line.contains("Complete=True")),
        "verified because the job completed: {:?}",
        result.evidence
    );
    let job = stack
        .env
        .kubectl_json(&["get", "job", "manual-export", "-n", "data"])
        .await;
    assert_eq!(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
    assert_eq!(
        job["metadata"]["ownerReferences"][0]["name"],
        "nightly-export"
    );
    assert_eq!(
        job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"],
        "manual"
    );
    assert_eq!(job["metadata"]["labels"]["team"], "data");
    assert_eq!(
        job["spec"]["template"]["spec"]["containers"][0]["image"],
        "busybox:1.36"
    );

    // The same name again: a Job's template cannot change, so a new name.
    let taken = stack
        .clarify("kubectl create job manual-export --from=cronjob/nightly-export -n data")
        .await;
    assert!(
        taken
            .question
            .contains("job/manual-export in namespace data already exists"),
        "{taken:?}"
    );
    assert_eq!(taken.candidates, ["manual-export-2"]);

    // In words, with the Job named after the CronJob.
    let now = stack
        .plan("run the nightly-export cronjob now in data")
        .await;
    assert_eq!(now.target.name, "nightly-export-manual");
    stack.approve_to(&now, Outcome::Verified).await;

    // A CronJob that is not there: asked about, never guessed.
    let unknown = stack.clarify("run cronjob nightly-exprt in data").await;
    assert!(
        unknown
            .candidates
            .iter()
            .any(|name| name.contains("nightly-export")),
        "{unknown:?}"
    );
    assert!(stack.pending().await.is_empty());
}

/// A CronJob `name` in data whose pods behave as the simulator annotations
/// `behaviour` say, with `restartPolicy: OnFailure` and `backoffLimit: 1`.
fn cronjob(name: &str, behaviour: Value) -> Value {
    json!({"apiVersion": "batch/v1", "kind": "CronJob",
           "metadata": {"name": name, "namespace": "data"},
           "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {
               "backoffLimit": 1, "template": {
                   "metadata": {"annotations": behaviour},
                   "spec": {"restartPolicy": "OnFailure",
                       "containers": [{"name": "backup", "image": "postgres:16",
                                       "command": ["pg_dump", "shop"]}]}}}}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_run_now_is_verified_only_once_it_completes() {
    let mut objects = cluster();
    objects.push(cronjob(
        "db-backup",
        json!({"sim.kubeop.dev/ready-delay": "10m"}),
    ));
    objects.push(cronjob(
        "db-vacuum",
        json!({"sim.kubeop.dev/state": "crashloop", "sim.kubeop.dev/exit-code": "3"}),
    ));
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;

    // Its pod runs for ten minutes: running is not done.
    // No namespace named: the Job runs where the CronJob is.
    let backup = stack.plan("run the db-backup cronjob now").await;
    assert_eq!(backup.target.namespace.as_deref(), Some("data"));
    assert!(
        backup.inferred.iter().any(|line| line
            .contains("namespace data: the only namespace with a cronjob named db-backup")),
        "{:?}",
        backup.inferred
    );
    assert!(
        backup.warnings[0].contains("Verified once the job completes"),
        "the card says what verifies it: {:?}",
        backup.warnings
    );
    let result = stack.approve_to(&backup, Outcome::Unverified).await;
    assert!(
        result
            .evidence
            .iter()
            .any(|line| line.starts_with(
                "job/db-backup-manual is still running after 15s (1 active, 0 of 1 succeeded"
            ) && line.contains("kubectl get job db-backup-manual -n data")),
        "{:?}",
        result.evidence
    );
    assert!(
        result
            .evidence
            .iter()
            .any(|line| line.starts_with("pod/db-backup-manual-")),
        "{:?}",
        result.evidence
    );

    // Its pod crashes until the Job gives up: failed, with the Job's reason.
    let vacuum = stack.plan("run the db-vacuum cronjob now in data").await;
    let result = stack.approve_to(&vacuum, Outcome::Failed).await;
    assert!(
        result
            .evidence
            .iter()
            .any(|line| line.starts_with("job/db-vacuum-manual failed after")
                && line.contains("Failed=True, BackoffLimitExceeded")),
        "{:?}",
        result.evidence
    );
}

/// A Deployment `name` in shop whose containers are `containers`.
fn shop_deployment(name: &str, containers: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": "shop", "labels": {"app": name}},
           "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}},
                                 "spec": {"containers": containers}}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_env_variable_is_merged_into_the_live_container_and_rolled_out() {
    let mut objects = cluster();
    objects.push(shop_deployment(
        "cart",
        json!([{"name": "cart", "image": "nginx:1.27",
                "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "PORT", "value": "8080"}]}]),
    ));
    objects.push(shop_deployment(
        "api",
        json!([{"name": "api", "image": "nginx:1.27"}, {"name": "sidecar", "image": "nginx:1.27"}]),
    ));
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let card = stack
        .plan("kubectl set env deployment/cart LOG_LEVEL=debug -n shop")
        .await;
    assert_eq!(
        card.warnings[0],
        "Sets container cart env LOG_LEVEL: \"info\" → \"debug\". Every replica is replaced."
    );
    assert!(
        card.inferred
            .iter()
            .any(|line| line.starts_with("container cart: the only container")),
        "{:?}",
        card.inferred
    );
    stack.approve_to(&card, Outcome::Verified).await;
    let cart = stack
        .env
        .kubectl_json(&["get", "deployment", "cart", "-n", "shop"])
        .await;
    assert_eq!(
        cart["spec"]["template"]["spec"]["containers"][0]["env"],
        json!([{"name": "LOG_LEVEL", "value": "debug"}, {"name": "PORT", "value": "8080"}]),
        "merged by name: the other variable stays"
    );

    // The same again, in words: nothing to do.
    let same = stack
        .answer("set env LOG_LEVEL=debug on cart in shop")
        .await;
    assert_eq!(
        same.text.as_str(),
        "Nothing to do: deployment/cart in namespace shop already has env LOG_LEVEL=debug (container cart)."
    );

    // Several containers: which one is asked, then `-c` names it.
    let which = stack
        .clarify("set env LOG_LEVEL=debug on api in shop")
        .await;
    assert_eq!(which.candidates, ["api", "sidecar"], "{which:?}");
    let named = stack
        .plan("kubectl set env deploy/api -c sidecar LOG_LEVEL=debug -n shop")
        .await;
    assert_eq!(
        named.warnings[0],
        "Sets container sidecar env LOG_LEVEL: (not set) → \"debug\". Every replica is replaced."
    );
    stack.approve_to(&named, Outcome::Verified).await;
    let api = stack
        .env
        .kubectl_json(&["get", "deployment", "api", "-n", "shop"])
        .await;
    assert_eq!(
        api["spec"]["template"]["spec"]["containers"][1]["env"],
        json!([{"name": "LOG_LEVEL", "value": "debug"}])
    );
    assert!(api["spec"]["template"]["spec"]["containers"][0]["env"].is_null());
}
