//! Requests a platform engineer types on an ordinary day, through the whole
//! coordinator against the built-in demo cluster and the real MCP server:
//! typos and names the cluster does not have get the closest real names
//! (never an empty table, never a new object), a workload named without its
//! kind is found as the StatefulSet it is, "debug my failing pod" finds the
//! failing pods, and a request about many objects never inherits the last
//! operation's target.

use std::time::SystemTime;

use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::{Value, json};
use workflow::{Outcome, Response};

fn demo() -> Vec<Value> {
    sim::scenario::Scenario::demo().objects_at(SystemTime::now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_or_object_that_does_not_exist_is_named_with_the_closest_real_ones() {
    let stack = Stack::start(demo(), ApprovalPolicy::default()).await;

    // A read in a namespace that can only mean one is read there, saying
    // so; one that can mean none is an error naming the real ones.
    let typo = stack.answer("show me pods in prodution").await;
    assert!(
        !typo.error
            && typo
                .text
                .starts_with("(there is no namespace prodution in context sim; read in production")
            && typo.text.contains("checkout-"),
        "{typo:?}"
    );
    let nowhere = stack.answer("show me pods in warehouse").await;
    assert!(
        nowhere.error && nowhere.text.contains("There is no namespace warehouse"),
        "a namespace that is not there is an error: {nowhere:?}"
    );

    let empty = stack.answer("list networkpolicies in production").await;
    assert!(!empty.error, "{empty:?}");
    assert_eq!(
        empty.text,
        "No networkpolicies found in namespace production."
    );

    // A read of a name that can mean only one object reads that one and
    // says so; a name that can mean several or none is an error naming
    // what is there (a change, below, always asks).
    let typo = stack.answer("get deployment ngnix in staging").await;
    assert!(
        !typo.error
            && typo.text.starts_with(
                "(there is no deployment named ngnix in namespace staging; read nginx, the one name it can mean)"
            )
            && typo.text.contains("deployment nginx in namespace staging"),
        "{typo:?}"
    );
    let missing = stack.answer("get deployment ghost in staging").await;
    assert!(missing.error, "{missing:?}");
    assert!(
        missing
            .text
            .contains("There is no deployment named ghost in namespace staging")
            && missing.text.contains("nginx")
            && missing.text.contains("not found"),
        "what is there and the server's own words: {missing:?}"
    );

    let elsewhere = stack
        .answer("what's in the web-frontend-config configmap")
        .await;
    assert!(!elsewhere.error, "{elsewhere:?}");
    assert!(
        elsewhere.text.contains("is in namespace production")
            && elsewhere.text.contains("default.conf"),
        "found where it is, and said so: {elsewhere:?}"
    );

    let scale = stack.clarify("scale ngnix to 3 in staging").await;
    assert_eq!(scale.candidates, vec!["nginx"], "{scale:?}");
    assert!(
        scale.question.starts_with(
            "I found no deployment named like ngnix in namespace staging. Did you mean nginx? The deployments in namespace staging: "
        ) && scale.question.ends_with(" Which one do you mean?"),
        "{scale:?}"
    );

    let delete = stack.answer("delete deployment ghost in staging").await;
    assert!(!delete.error, "nothing to delete is no failure: {delete:?}");
    assert!(
        delete.text.starts_with(
            "deployment/ghost does not exist in namespace staging: nothing to delete. The deployments in namespace staging: "
        ),
        "what is there instead, and the server's words: {delete:?}"
    );

    // Naming no namespace, the name was looked for everywhere, and the
    // answer says so rather than "none in default".
    let anywhere = stack.clarify("restart ghost").await;
    assert!(
        anywhere.question.starts_with(
            "I found no deployment named like ghost in any namespace. The deployments: "
        ) && anywhere.question.contains("nginx"),
        "{anywhere:?}"
    );
    let delete_anywhere = stack.answer("delete deployment ghost").await;
    assert!(
        delete_anywhere
            .text
            .starts_with("deployment/ghost does not exist in any namespace: nothing to delete.")
            && delete_anywhere.text.contains("nginx"),
        "{delete_anywhere:?}"
    );

    let namespace = stack.clarify("scale nginx to 3 in stagin").await;
    assert_eq!(namespace.missing, vec!["namespace"]);
    assert_eq!(namespace.candidates, vec!["staging"], "{namespace:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_place_change_to_an_object_that_is_not_there_is_a_question_never_a_creation() {
    let stack = Stack::start(demo(), ApprovalPolicy::default()).await;
    for request in [
        "restart ghost in staging",
        "set image of ghost to nginx:1.28 in staging",
        "label deployment ghost team=a in staging",
        "cordon node-9",
    ] {
        let asked = stack.clarify(request).await;
        assert_eq!(asked.missing, vec!["name"], "{request}: {asked:?}");
        assert!(!asked.candidates.is_empty(), "{request}: {asked:?}");
    }
    assert!(stack.pending().await.is_empty(), "nothing is planned");
    let ghost = stack
        .env
        .kubectl(&["get", "deployment", "ghost", "-n", "staging"])
        .await;
    assert!(!ghost.success, "no deployment ghost was created: {ghost:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workload_named_without_its_kind_is_found_as_the_statefulset_it_is() {
    let stack = Stack::start(demo(), ApprovalPolicy::default()).await;

    let restart = stack.plan("restart postgres in production").await;
    assert_eq!(restart.target.kind, "StatefulSet");
    assert!(
        restart.inferred.iter().any(|note| note
            == "statefulset/postgres: there is no deployment of that name in namespace production, so the statefulset is meant"),
        "the inference is stated: {:?}",
        restart.inferred
    );

    let scale = stack.plan("scale postgres to 3 in production").await;
    assert_eq!(scale.target.kind, "StatefulSet");
    assert_eq!(scale.current["replicas"], json!(2), "{scale:?}");
    stack.approve_to(&scale, Outcome::Verified).await;
    let replicas = stack
        .env
        .kubectl(&[
            "get",
            "statefulset",
            "postgres",
            "-n",
            "production",
            "-o",
            "jsonpath={.spec.replicas}",
        ])
        .await
        .expect_success("get statefulset postgres");
    assert_eq!(replicas.trim(), "3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_my_failing_pod_finds_the_failing_pods_instead_of_asking_for_a_name() {
    let mut objects = demo();
    objects.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "batch"}}));
    objects.push(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "nightly-report", "namespace": "batch",
                     "annotations": {"sim.kubeop.dev/state": "crashloop",
                                     "sim.kubeop.dev/exit-code": "2",
                                     "sim.kubeop.dev/restarts": "4"}},
        "spec": {"containers": [{"name": "report", "image": "acme/report:1.0"}]}}));
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;

    let several = stack.clarify("debug my failing pod in production").await;
    assert_eq!(several.missing, vec!["name"]);
    assert!(
        several
            .candidates
            .iter()
            .any(|workload| workload.starts_with("checkout"))
            && several
                .candidates
                .iter()
                .any(|workload| workload.starts_with("payment-service")),
        "{several:?}"
    );

    match stack.ask("my pod keeps restarting in batch").await {
        Ok(Response::Diagnosis(diagnosis)) => {
            let report = serde_json::to_string(&diagnosis).expect("serialises");
            assert!(report.contains("nightly-report"), "{report}");
            assert!(
                diagnosis
                    .evidence
                    .iter()
                    .any(|line| line.contains("only failing pod")),
                "why this pod is stated: {:?}",
                diagnosis.evidence
            );
        }
        other => panic!("the one failing pod should be diagnosed, got {other:?}"),
    }

    let healthy = stack.answer("why is my pod failing in monitoring").await;
    assert!(
        healthy
            .text
            .starts_with("No pod is failing in namespace monitoring"),
        "{healthy:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_about_many_objects_never_inherits_the_last_operations_target() {
    let stack = Stack::start(demo(), ApprovalPolicy::default()).await;
    let first = stack.plan("scale nginx to 3 in staging").await;
    assert_eq!(first.target.name, "nginx");

    let everything = stack.clarify("delete everything in production").await;
    assert_eq!(everything.missing, vec!["name"], "{everything:?}");
    let elsewhere = stack.clarify("scale it to 4 in production").await;
    assert_eq!(elsewhere.missing, vec!["name"], "{elsewhere:?}");

    let own_object = stack.clarify("create secret db-pass in staging").await;
    assert_eq!(own_object.missing, vec!["resource"], "{own_object:?}");

    let again = stack.plan("scale it to 4").await;
    assert_eq!(again.target.name, "nginx", "a pronoun still means it");
    assert_eq!(again.target.namespace.as_deref(), Some("staging"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_template_change_is_verified_only_once_its_new_pods_are_ready() {
    let stack = Stack::start(demo(), ApprovalPolicy::default()).await;

    let healthy = stack.plan("restart api-gateway in production").await;
    let result = stack.approve_to(&healthy, Outcome::Verified).await;
    assert!(
        result.evidence.iter().any(|line| {
            line.starts_with("deployment/api-gateway: rolled out, ")
                && line.contains(" replicas updated and ready, after ")
        }),
        "the rollout is the evidence: {:?}",
        result.evidence
    );

    // checkout crashes whatever its restart: applying the annotation works,
    // but the change did not give a running workload, and kubeop says so.
    let crashing = stack.plan("restart checkout in production").await;
    let result = stack.approve_to(&crashing, Outcome::Failed).await;
    let has_line = |holds: fn(&str) -> bool| result.evidence.iter().any(|line| holds(line));
    assert!(
        has_line(
            |line| line.starts_with("deployment/checkout: the rollout's new pods are failing (")
        ) && has_line(|line| line.contains("CrashLoopBackOff")),
        "{:?}",
        result.evidence
    );

    // A label leaves the pods alone: verified by its fields, no rollout.
    let label = stack
        .plan("label deployment checkout team=payments in production")
        .await;
    let result = stack.approve_to(&label, Outcome::Verified).await;
    assert!(
        !result
            .evidence
            .iter()
            .any(|line| line.contains("rolled out")),
        "{:?}",
        result.evidence
    );
}
