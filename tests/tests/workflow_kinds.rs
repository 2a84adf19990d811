//! The kind of a change's object, through the whole coordinator against the
//! built-in demo cluster and the real MCP server: a request that names no
//! kind ("restart postgres") assumes a Deployment and, when none has that
//! name, finds the StatefulSet or DaemonSet that has it (the classifier's
//! `kind_defaulted`); a request that names the kind ("restart deployment
//! postgres") is never switched to another kind silently: it is told that
//! no such Deployment exists and what does.

use std::time::SystemTime;

use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::Value;

fn demo() -> Vec<Value> {
    sim::scenario::Scenario::demo().objects_at(SystemTime::now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_left_out_is_found_and_a_kind_named_is_never_switched() {
    let stack = Stack::start(demo(), ApprovalPolicy::default()).await;

    // No kind named: the DaemonSet of that name is the object.
    let restart = stack.plan("restart node-exporter in monitoring").await;
    assert_eq!(restart.target.kind, "DaemonSet", "{restart:?}");
    assert!(
        restart.inferred.iter().any(|note| note
            == "daemonset/node-exporter: there is no deployment of that name in namespace monitoring, so the daemonset is meant"),
        "the inference is stated: {:?}",
        restart.inferred
    );

    // The kind named: a question that names what exists, never a plan for it.
    for request in [
        "restart deployment postgres in production",
        "scale deployment postgres to 3 in production",
        "set image of deployment postgres to postgres:16 in production",
    ] {
        let asked = stack.clarify(request).await;
        assert_eq!(asked.missing, vec!["kind"], "{request}: {asked:?}");
        assert_eq!(
            asked.candidates,
            vec!["statefulset/postgres"],
            "{request}: {asked:?}"
        );
        assert!(
            asked.question.starts_with(
                "There is no deployment named postgres in namespace production, but there is a statefulset postgres."
            ),
            "{request}: {asked:?}"
        );
    }
    let other_way = stack
        .clarify("restart statefulset checkout in production")
        .await;
    assert_eq!(
        other_way.candidates,
        vec!["deployment/checkout"],
        "{other_way:?}"
    );

    let delete = stack
        .answer("delete deployment postgres in production")
        .await;
    assert!(!delete.error, "{delete:?}");
    assert!(
        delete
            .text
            .starts_with("deployment/postgres does not exist in namespace production: nothing to delete. There is a statefulset postgres there"),
        "{delete:?}"
    );
    let pending: Vec<String> = stack
        .pending()
        .await
        .iter()
        .map(|card| format!("{}/{}", card.target.kind, card.target.name))
        .collect();
    assert_eq!(
        pending,
        vec!["DaemonSet/node-exporter"],
        "only the first request planned a change"
    );

    // The kind named and right: planned as asked.
    let named = stack
        .plan("scale statefulset postgres to 3 in production")
        .await;
    assert_eq!(named.target.kind, "StatefulSet", "{named:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workload_named_without_kind_or_namespace_is_found_where_it_is() {
    let stack = Stack::start(demo(), ApprovalPolicy::default()).await;

    // No Deployment is named postgres anywhere: the one StatefulSet is.
    let restart = stack.plan("restart postgres").await;
    assert_eq!(restart.target.kind, "StatefulSet", "{restart:?}");
    assert_eq!(restart.target.namespace.as_deref(), Some("production"));
    assert!(
        restart.inferred.iter().any(|note| note
            == "namespace production: the only namespace with a statefulset named postgres"),
        "{:?}",
        restart.inferred
    );
    let scale = stack.plan("scale postgres to 3").await;
    assert_eq!(scale.target.kind, "StatefulSet", "{scale:?}");
    assert_eq!(scale.target.namespace.as_deref(), Some("production"));

    let restart = stack.plan("restart node-exporter").await;
    assert_eq!(restart.target.kind, "DaemonSet", "{restart:?}");
    assert_eq!(restart.target.namespace.as_deref(), Some("monitoring"));

    // A DaemonSet has no replicas: said, nothing planned.
    for request in [
        "scale node-exporter to 2",
        "scale node-exporter to 2 in monitoring",
    ] {
        let answer = stack.answer(request).await;
        assert!(
            answer.text.starts_with(
                "node-exporter in namespace monitoring is a DaemonSet: it runs one pod on each node"
            ),
            "{request}: {}",
            answer.text
        );
    }
    assert!(
        stack
            .pending()
            .await
            .iter()
            .all(|card| card.target.kind != "DaemonSet" || card.operation != "scale")
    );

    // Nothing is named web: the one namespace where a name starts with it,
    // and the name resolved there.
    let web = stack.plan("scale web to 4").await;
    assert_eq!(
        (web.target.name.as_str(), web.target.namespace.as_deref()),
        ("web-frontend", Some("production")),
        "{web:?}"
    );
    assert!(
        web.inferred.iter().any(|note| note
            == "namespace production: the only namespace with a deployment whose name matches \"web\""),
        "{:?}",
        web.inferred
    );
}
