//! Answers and plans as a demanding platform engineer reads them, end to
//! end through the real MCP server against the simulated cluster: a change
//! the cluster already has is "nothing to do" with its state, a rollback
//! goes to the previous revision from the cluster's own history, an object
//! is described like `kubectl describe`, top tables carry no padding.

use e2e::objects::{NODE, deployment, namespace, node, pod};
use e2e::stack::Stack;
use hitl::policy::ApprovalPolicy;
use serde_json::Value;
use workflow::{Outcome, Response};

fn cluster() -> Vec<Value> {
    let mut web = deployment("demo", "web", 2);
    web["metadata"]["annotations"] = serde_json::json!({"team": "storefront"});
    web["spec"]["template"]["metadata"]["annotations"] =
        serde_json::json!({"sim.kubeop.dev/cpu-usage": "20m"});
    vec![
        node(),
        namespace("demo"),
        namespace("qa"),
        pod("demo", "tool"),
        web,
    ]
}

/// The text of a request answered without a plan.
async fn nothing_to_do(stack: &Stack, request: &str) -> String {
    match stack.ask(request).await.expect("an answer") {
        Response::Answer(answer) => answer.text.to_string(),
        other => panic!("{request}: nothing to do was expected, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_the_cluster_already_has_is_nothing_to_do_with_its_state() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    assert_eq!(
        nothing_to_do(&stack, &format!("uncordon {NODE}")).await,
        format!("Nothing to do: node/{NODE} is not cordoned: it already accepts new pods.")
    );
    let cordon = stack.plan(&format!("cordon {NODE}")).await;
    stack.approve_to(&cordon, Outcome::Verified).await;
    assert_eq!(
        nothing_to_do(&stack, &format!("cordon node {NODE}")).await,
        format!(
            "Nothing to do: node/{NODE} is already cordoned (SchedulingDisabled): no new pods land on it."
        )
    );
    web_ready(&stack).await;
    assert_eq!(
        nothing_to_do(&stack, "scale web to 2 in demo").await,
        "Nothing to do: deployment/web in namespace demo already has 2 replicas (2 ready)."
    );
    assert_eq!(
        nothing_to_do(&stack, "set image of web to nginx:1.27 in demo").await,
        "Nothing to do: deployment/web in namespace demo already runs image nginx:1.27 (container app)."
    );
    assert_eq!(
        nothing_to_do(&stack, "label deployment web app=web in demo").await,
        "Nothing to do: deployment/web in namespace demo already has label app=web."
    );
    assert!(
        stack.pending().await.is_empty(),
        "no plan is left waiting for approval"
    );
}

/// Waits until deployment web has its 2 replicas ready.
async fn web_ready(stack: &Stack) {
    stack
        .env
        .kubectl_until(
            &["get", "deployment", "web", "-n", "demo", "-o", "json"],
            |out| out.contains("\"readyReplicas\": 2"),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_is_described_with_its_fields_in_one_read_and_no_machinery() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    web_ready(&stack).await;
    let text = stack
        .answer("describe deployment web in demo")
        .await
        .text
        .to_string();
    assert!(
        text.starts_with("deployment web in namespace demo: 2/2 ready"),
        "state first: {text}"
    );
    for wanted in [
        "Labels:\n  app=web\n",
        "Annotations:\n",
        "  team=storefront\n",
        "Spec:\n  selects pods with app=web\n",
        "Containers:\n  app: nginx:1.27\n",
    ] {
        assert!(text.contains(wanted), "{wanted:?} missing from:\n{text}");
    }
    assert!(
        text.ends_with("Events: not read here; ask \"events for deployment web in demo\"\n"),
        "one read: the last line says how to see the events:\n{text}"
    );
    assert!(
        !text.contains("Manifest:") && !text.contains("apiVersion:"),
        "a description without the manifest:\n{text}"
    );
    for unwanted in [
        "managedFields",
        "sim.kubeop.dev",
        "last-applied-configuration",
    ] {
        assert!(!text.contains(unwanted), "{unwanted:?} shown in:\n{text}");
    }
    // A plain get: the description, then the cleaned manifest.
    let text = stack
        .answer("get deployment web in demo")
        .await
        .text
        .to_string();
    let (description, manifest) = text
        .split_once("\nManifest:\n")
        .expect("the manifest after the description");
    assert!(
        !description.contains("apiVersion:") && manifest.starts_with("apiVersion: apps/v1\n"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_format_shows_the_cleaned_manifest_alone() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    web_ready(&stack).await;
    let yaml = stack
        .answer("kubectl get deploy web -n demo -o yaml")
        .await
        .text
        .to_string();
    assert!(
        yaml.starts_with("apiVersion: apps/v1\n")
            && yaml.contains("\nkind: Deployment\n")
            && yaml.contains("\n  name: web\n"),
        "the manifest alone, as YAML:\n{yaml}"
    );
    let json = stack
        .answer("show me the web deployment in demo as json")
        .await
        .text
        .to_string();
    let manifest: Value = serde_json::from_str(&json).expect("the answer is JSON");
    assert_eq!(
        manifest["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.27",
        "{json}"
    );
    for text in [&yaml, &json] {
        for unwanted in [
            "managedFields",
            "sim.kubeop.dev",
            "last-applied-configuration",
            "\nLabels:\n",
        ] {
            assert!(!text.contains(unwanted), "{unwanted:?} shown in:\n{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_tables_carry_no_trailing_padding() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    stack
        .env
        .kubectl_until(&["get", "pods", "-n", "demo"], |out| {
            out.matches("Running").count() >= 3
        })
        .await;
    for request in [
        "top pods in demo",
        "top nodes",
        "which pod uses the most memory in demo",
    ] {
        let text = stack.answer(request).await.text.to_string();
        assert!(
            text.contains("CPU(cores)"),
            "{request}: a top table: {text}"
        );
        for line in text.lines() {
            assert_eq!(line, line.trim_end(), "{request}: padded line in:\n{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diagnosis_of_what_is_not_in_the_namespace_says_where_it_runs() {
    let stack = Stack::start(cluster(), ApprovalPolicy::default()).await;
    let question = stack.clarify("why is web crashing in qa").await;
    assert_eq!(
        question.question,
        "Nothing named web runs in namespace qa (no pod, workload, Service, claim, Ingress or pod name prefix). There is deployment web in namespace demo: say the namespace, e.g. \"why is web failing in demo\"."
    );
    assert_eq!(question.missing, ["namespace"]);
    let unknown = stack.clarify("why is ledger crashing in demo").await;
    assert!(
        unknown
            .question
            .starts_with("Nothing named ledger runs in namespace demo"),
        "{unknown:?}"
    );
}
