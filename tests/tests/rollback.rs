//! Rolling a workload back to an earlier revision, end to end through the
//! real MCP server against the simulated cluster: the classifier's revision
//! placeholder, planning from the workload's own history (a Deployment's
//! ReplicaSets, a StatefulSet's ControllerRevisions) with the images before
//! and after on the card, approval, execution and the rollout's
//! verification, read back with the real kubectl; a workload without an
//! earlier revision, and a revision its history does not keep. The
//! simulator keeps that history as the real controllers do, so the real
//! `kubectl rollout history` and `kubectl rollout undo` work against it.

use e2e::objects::{deployment, namespace, node};
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::{Value, json};
use workflow::{Outcome, Response};

fn cluster() -> Vec<Value> {
    vec![
        node(),
        namespace("demo"),
        deployment("demo", "web", 2),
        deployment("demo", "api", 1),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "db", "namespace": "demo", "labels": {"app": "db"}},
               "spec": {"replicas": 1, "serviceName": "db",
                        "selector": {"matchLabels": {"app": "db"}},
                        "template": {"metadata": {"labels": {"app": "db"}},
                                     "spec": {"containers": [{"name": "db", "image": "postgres:16.4"}]}}}}),
    ]
}

/// The image of the first container of `kind/name`'s pod template.
async fn template_image(stack: &Stack, kind: &str, name: &str) -> Value {
    stack
        .env
        .kubectl_json(&["get", kind, name, "-n", "demo"])
        .await["spec"]["template"]["spec"]["containers"][0]["image"]
        .clone()
}

/// The ReplicaSets of deployment web: (revision, image), by revision.
async fn web_history(stack: &Stack) -> Vec<(String, String)> {
    let sets = stack
        .env
        .kubectl_json(&["get", "replicasets", "-n", "demo", "-l", "app=web"])
        .await;
    let mut history: Vec<(String, String)> = sets["items"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|set| {
            (
                set["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                set["spec"]["template"]["spec"]["containers"][0]["image"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    history.sort();
    history
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_is_rolled_back_to_its_previous_image_through_approval() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let update = stack.plan("set image of web to nginx:1.28 in demo").await;
    stack.approve_to(&update, Outcome::Verified).await;
    assert_eq!(
        template_image(&stack, "deployment", "web").await,
        "nginx:1.28"
    );

    let card = stack.plan("roll back web in demo").await;
    assert_eq!(card.operation, "create_update");
    assert_eq!(
        (card.target.kind.as_str(), card.target.name.as_str()),
        ("Deployment", "web")
    );
    assert_eq!(card.current["revision"], 2, "{card:?}");
    assert_eq!(card.current["images"]["app"], "nginx:1.28", "{card:?}");
    assert_eq!(card.desired["revision"], 1, "{card:?}");
    assert_eq!(card.desired["images"]["app"], "nginx:1.27", "{card:?}");
    assert!(
        card.warnings[0].contains("container app image nginx:1.28 → nginx:1.27"),
        "the plan says what the pods will run: {:?}",
        card.warnings
    );
    assert_eq!(
        template_image(&stack, "deployment", "web").await,
        "nginx:1.28",
        "nothing changes before approval"
    );
    stack.approve_to(&card, Outcome::Verified).await;
    assert_eq!(
        template_image(&stack, "deployment", "web").await,
        "nginx:1.27"
    );
    assert_eq!(
        stack.recorded(&card.plan_id).await,
        ["requested", "planned", "approved", "executed", "verified"]
    );
    // The old ReplicaSet serves again as the newest revision, as the real
    // controller renumbers it; the real kubectl lists that history.
    assert_eq!(
        web_history(&stack).await,
        [
            ("2".to_owned(), "nginx:1.28".to_owned()),
            ("3".to_owned(), "nginx:1.27".to_owned())
        ]
    );
    let history = stack
        .env
        .kubectl_ok(&["rollout", "history", "deployment/web", "-n", "demo"])
        .await;
    let revisions: Vec<&str> = history
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|first| first.parse::<u32>().is_ok())
        .collect();
    assert_eq!(revisions, ["2", "3"], "{history}");

    // A revision the history does not keep: a question naming those it does.
    let asked = stack.clarify("roll back web to revision 7 in demo").await;
    assert_eq!(asked.candidates, ["revision 2", "revision 3"], "{asked:?}");
    assert!(
        asked.question.contains("has no revision 7"),
        "{}",
        asked.question
    );

    // "undo it" after the change: the object the session changed, back to
    // the image before the rollback.
    let undo = stack.plan("undo it").await;
    assert_eq!(undo.target.name, "web", "{undo:?}");
    assert_eq!(undo.target.namespace.as_deref(), Some("demo"), "{undo:?}");
    assert!(
        undo.warnings[0].contains("nginx:1.27 → nginx:1.28"),
        "{:?}",
        undo.warnings
    );

    // The real `kubectl rollout undo` against the simulator re-uses the
    // ReplicaSet of the template it goes back to.
    stack
        .env
        .kubectl_ok(&["rollout", "undo", "deployment/web", "-n", "demo"])
        .await;
    stack
        .env
        .kubectl_until(
            &["get", "deployment", "web", "-n", "demo", "-o", "json"],
            |out| out.contains("\"deployment.kubernetes.io/revision\": \"4\""),
        )
        .await;
    assert_eq!(
        template_image(&stack, "deployment", "web").await,
        "nginx:1.28"
    );
    assert_eq!(
        web_history(&stack).await,
        [
            ("3".to_owned(), "nginx:1.27".to_owned()),
            ("4".to_owned(), "nginx:1.28".to_owned())
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statefulset_is_rolled_back_from_its_controller_revisions() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let update = stack
        .plan("set image of statefulset db to postgres:16.5 in demo")
        .await;
    stack.approve_to(&update, Outcome::Verified).await;
    let card = stack.plan("rollback statefulset db in demo").await;
    assert_eq!(card.target.kind, "StatefulSet");
    assert!(
        card.warnings[0].contains("controllerrevision")
            && card.warnings[0].contains("postgres:16.5 → postgres:16.4"),
        "{:?}",
        card.warnings
    );
    stack.approve_to(&card, Outcome::Verified).await;
    assert_eq!(
        template_image(&stack, "statefulset", "db").await,
        "postgres:16.4"
    );
    let history = stack
        .env
        .kubectl_ok(&["rollout", "history", "statefulset/db", "-n", "demo"])
        .await;
    assert!(
        history.contains("\n2 ") && history.contains("\n3 "),
        "revision 1 came back as revision 3: {history}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_earlier_revision_there_is_nothing_to_roll_back_to() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    for request in [
        "roll back api in demo",
        "undo the last rollout of api in demo",
    ] {
        let answer = match stack.ask(request).await {
            Ok(Response::Answer(answer)) => answer,
            other => panic!("{request}: {other:?}"),
        };
        assert!(
            answer.text.starts_with(
                "Nothing to roll back to: deployment/api in namespace demo has no earlier revision."
            ),
            "{request}: {}",
            answer.text
        );
    }
    let running = stack.answer("roll back api to revision 1 in demo").await;
    assert!(
        running
            .text
            .starts_with("Nothing to do: deployment/api in namespace demo already runs revision 1"),
        "{}",
        running.text
    );
    let asked = stack.clarify("roll back api to revision 4 in demo").await;
    assert_eq!(asked.candidates, ["revision 1"], "{asked:?}");
    assert!(
        stack.pending().await.is_empty(),
        "no plan waits for approval"
    );
    assert_eq!(
        template_image(&stack, "deployment", "api").await,
        "nginx:1.27"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemonset_is_rolled_back_from_its_controller_revisions() {
    let mut objects = cluster();
    objects.push(json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "demo", "labels": {"app": "agent"}},
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
                 "template": {"metadata": {"labels": {"app": "agent"}},
                              "spec": {"containers": [{"name": "agent", "image": "fluent-bit:3.0"}]}}}}));
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    let update = stack
        .plan("set image of daemonset agent to fluent-bit:3.1 in demo")
        .await;
    stack.approve_to(&update, Outcome::Verified).await;
    let card = stack.plan("roll back daemonset agent in demo").await;
    assert_eq!(card.target.kind, "DaemonSet");
    assert!(
        card.warnings[0].contains("controllerrevision")
            && card.warnings[0].contains("fluent-bit:3.1 → fluent-bit:3.0"),
        "{:?}",
        card.warnings
    );
    assert_eq!(
        template_image(&stack, "daemonset", "agent").await,
        "fluent-bit:3.1",
        "nothing changes before approval"
    );
    stack.approve_to(&card, Outcome::Verified).await;
    assert_eq!(
        template_image(&stack, "daemonset", "agent").await,
        "fluent-bit:3.0"
    );
    let history = stack
        .env
        .kubectl_ok(&["rollout", "history", "daemonset/agent", "-n", "demo"])
        .await;
    assert!(history.contains("\n3 "), "{history}");
}

/// A revision whose template another client added fields to (here the real
/// `kubectl set env`) cannot be undone by an apply: the plan is refused with
/// the `kubectl rollout undo` that can, and nothing waits or changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_an_apply_cannot_make_is_refused_with_the_command_that_can() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    stack
        .env
        .kubectl_ok(&["set", "env", "deployment/web", "FEATURE=on", "-n", "demo"])
        .await;
    stack
        .env
        .kubectl_until(
            &["get", "deployment", "web", "-n", "demo", "-o", "json"],
            |out| out.contains("\"deployment.kubernetes.io/revision\": \"2\""),
        )
        .await;
    let refused = stack.answer("roll back web in demo").await;
    assert!(
        refused.text.starts_with(
            "I cannot roll deployment/web in namespace demo back to revision 1 (replicaset "
        ) && refused
            .text
            .contains("spec.template.spec.containers[app].env")
            && refused.text.ends_with(
                "Roll it back with `kubectl rollout undo deployment/web -n demo --to-revision=1`."
            ),
        "{}",
        refused.text
    );
    assert!(stack.pending().await.is_empty(), "no plan waits");
    let env = stack
        .env
        .kubectl_json(&["get", "deployment", "web", "-n", "demo"])
        .await["spec"]["template"]["spec"]["containers"][0]["env"]
        .clone();
    assert_eq!(env, json!([{"name": "FEATURE", "value": "on"}]));
}

/// A restart's `restartedAt` annotation: dropped by the rollback's apply
/// when kubeop's own restart set it (the same field manager), kept when
/// another client did (`kubectl rollout restart`); the card says which.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restart_annotation_is_said_dropped_or_kept_by_who_set_it() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let restart = stack.plan("restart web in demo").await;
    stack.approve_to(&restart, Outcome::Verified).await;
    let card = stack.plan("roll back web in demo").await;
    let said = card.warnings.last().expect("a note on the annotation");
    assert!(
        said.contains("restartedAt was set by kubeop's own restart (")
            && said.contains(&restart.plan_id)
            && said.contains("the server drops it"),
        "{said}"
    );
    stack
        .coordinator
        .deny(workflow::DenyRequest {
            plan_id: card.plan_id.clone(),
            approver: "approver".into(),
            reason: "test".into(),
        })
        .await
        .expect("denied");

    stack
        .env
        .kubectl_ok(&["rollout", "restart", "deployment/api", "-n", "demo"])
        .await;
    stack
        .env
        .kubectl_until(
            &["get", "deployment", "api", "-n", "demo", "-o", "json"],
            |out| out.contains("\"deployment.kubernetes.io/revision\": \"2\""),
        )
        .await;
    let card = stack.plan("roll back api in demo").await;
    let said = card.warnings.last().expect("a note on the annotation");
    assert!(
        said.contains("restartedAt stays as it is (another client set it"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rollout_history_lists_the_revisions_the_workload_owns_and_a_rollback_names_its_image()
{
    let mut objects = cluster();
    // Selected by app=web and named like web's, but no ReplicaSet of it.
    objects.push(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "web-legacy", "namespace": "demo", "labels": {"app": "web"},
                     "annotations": {"deployment.kubernetes.io/revision": "9"}},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web", "era": "legacy"}},
                 "template": {"metadata": {"labels": {"app": "web", "era": "legacy"}},
                              "spec": {"containers": [{"name": "app", "image": "httpd:2.2"}]}}}}));
    let stack = Stack::start(objects, ApprovalPolicy::default()).await;
    stack
        .env
        .set_image("deployment/web", "demo", "app", "nginx:1.28")
        .await;
    stack
        .env
        .kubectl_ok(&[
            "annotate",
            "deployment/web",
            "-n",
            "demo",
            "kubernetes.io/change-cause=release 1.28",
        ])
        .await;
    stack
        .env
        .set_image("deployment/web", "demo", "app", "nginx:1.29")
        .await;
    stack
        .env
        .ready_replicas_until("deployment/web", "demo", 2)
        .await;

    // No namespace named: found in demo; kubectl rollout history's rows.
    for request in [
        "rollout history of web",
        "what versions of web have we deployed in demo",
        "kubectl rollout history deployment/web -n demo",
    ] {
        let answer = stack.answer(request).await;
        let text = answer.text.to_string();
        assert!(
            text.contains("Rollout history of deployment/web in namespace demo: 3 revisions (its replicasets). It runs revision 3 (image nginx:1.29)."),
            "{request}: {text}"
        );
        let rows: Vec<&str> = text
            .lines()
            .skip_while(|line| !line.starts_with("REVISION"))
            .skip(1)
            .take(3)
            .collect();
        assert!(
            rows[0].starts_with("1 ") && rows[0].contains("nginx:1.27"),
            "{text}"
        );
        assert!(
            rows[1].starts_with("2 ") && rows[1].contains("nginx:1.28"),
            "{text}"
        );
        assert!(
            rows[2].starts_with("3 (current)") && rows[2].contains("nginx:1.29"),
            "{text}"
        );
        assert!(
            !text.contains("web-legacy") && !text.contains("httpd"),
            "{text}"
        );
    }
    let statefulset = stack.answer("revisions of statefulset db in demo").await;
    assert!(
        statefulset.text.contains("Rollout history of statefulset/db in namespace demo: 1 revision (its controllerrevisions). It runs revision 1 (image postgres:16.4)."),
        "{}",
        statefulset.text
    );

    // A revision from that history: the card says which image comes back.
    let card = stack.plan("roll back web to revision 1 in demo").await;
    assert!(
        card.warnings[0].contains("to revision 1 (replicaset web-")
            && card.warnings[0].contains("nginx:1.29 → nginx:1.27"),
        "{:?}",
        card.warnings
    );
}
