//! The gateway with the real `kubernetes-mcp-server` 0.0.67.
//!
//! The first tests point the server at an API server that refuses
//! connections: the server still initializes, lists its tools and prompts,
//! renders its kubeconfig, and answers every cluster call with an `isError`
//! result at once. That is enough to check the catalog, the backstop, schema
//! checks and kubeconfig redaction against the real thing. The rest run
//! against the simulated cluster (`crates/sim`): Secret redaction in every
//! output form, `context` routing across two clusters, 200 concurrent mixed
//! calls, and a SIGKILL of the server under load.

use std::path::Path;
use std::time::{Duration, SystemTime};

use hitl::grant::{GrantKey, GrantRefusal, GrantVerifier, PlanHash};
use mcp_gateway::{
    Gateway, GatewayConfig, GatewayError, NotApprovedReason, ServerCommand, ToolCall,
};
use serde_json::{Map, Value, json};

/// A kubeconfig with two contexts on an unreachable API server, and every
/// kind of credential `configuration_view` can show.
const UNREACHABLE_KUBECONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://127.0.0.1:1
    insecure-skip-tls-verify: true
  name: c-a
contexts:
- context: {cluster: c-a, user: u-a, namespace: default}
  name: ctx-a
- context: {cluster: c-a, user: u-b}
  name: ctx-b
current-context: ctx-a
users:
- name: u-a
  user:
    token: tok-0123456789abcdef
- name: u-b
  user:
    client-certificate-data: Q0VSVERBVEFfU0VDUkVU
    client-key-data: S0VZREFUQV9TRUNSRVQ=
    username: admin
    password: pw-hunter2-secret
";

const CREDENTIALS: [&str; 4] = [
    "tok-0123456789abcdef",
    "Q0VSVERBVEFfU0VDUkVU",
    "S0VZREFUQV9TRUNSRVQ=",
    "pw-hunter2-secret",
];

fn args(value: Value) -> Map<String, Value> {
    value
        .as_object()
        .cloned()
        .expect("test arguments are an object")
}

async fn start(dir: &Path, key: &GrantKey) -> Gateway {
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, UNREACHABLE_KUBECONFIG).expect("write kubeconfig");
    let mut config = GatewayConfig::with_server(ServerCommand::binary(e2e::mcp_server_binary()));
    config.kubeconfig = Some(kubeconfig);
    let gateway = Gateway::start(config, GrantVerifier::new(key.clone()))
        .await
        .expect("gateway starts");
    gateway
        .wait_ready(Duration::from_secs(60))
        .await
        .expect("the real server initializes against an unreachable API server");
    gateway
}

#[tokio::test]
async fn the_catalog_is_the_servers_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gateway = start(dir.path(), &GrantKey::generate().expect("key")).await;
    let catalog = gateway.catalog().await.expect("catalog");
    let recorded: Value =
        serde_json::from_str(include_str!("../../docs/mcp-server-0.0.67-catalog.json"))
            .expect("the recorded catalog is JSON");
    let recorded_tools = recorded["tools"].as_array().expect("tools");
    assert_eq!(catalog.tools.len(), recorded_tools.len());
    for tool in recorded_tools {
        let name = tool["name"].as_str().expect("name");
        let info = catalog
            .tool(name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(
            info.read_only,
            tool["annotations"]["readOnlyHint"] == json!(true),
            "{name}"
        );
    }
    assert!(catalog.prompt("cluster-health-check").is_some());
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn configuration_view_never_shows_credentials() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gateway = start(dir.path(), &GrantKey::generate().expect("key")).await;
    for minified in [None, Some(true), Some(false)] {
        let arguments = match minified {
            Some(minified) => args(json!({ "minified": minified })),
            None => Map::new(),
        };
        let output = gateway
            .call(ToolCall::new("configuration_view", arguments))
            .await
            .expect("configuration_view answers");
        assert!(!output.is_error, "{}", output.text);
        for credential in CREDENTIALS {
            assert!(
                !output.text.contains(credential),
                "{credential} leaked: {}",
                output.text
            );
        }
        assert!(
            output.text.contains("token: \"<redacted: 20 bytes>\""),
            "{}",
            output.text
        );
        if minified == Some(false) {
            for shown in [
                "client-certificate-data: \"<redacted: 20 bytes>\"",
                "client-key-data: \"<redacted: 20 bytes>\"",
                "password: \"<redacted: 17 bytes>\"",
                "username: admin",
            ] {
                assert!(
                    output.text.contains(shown),
                    "{shown} missing: {}",
                    output.text
                );
            }
        }
    }
    let status = gateway.status().await.expect("status");
    assert!(status.metrics.redactions >= 6, "{status:?}");
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn the_backstop_holds_against_the_real_catalog() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = GrantKey::generate().expect("key");
    let gateway = start(dir.path(), &key).await;
    let delete = args(json!({"name": "web-0", "namespace": "prod"}));

    let refused = gateway
        .call(ToolCall::new("pods_delete", delete.clone()))
        .await;
    assert_eq!(
        refused,
        Err(GatewayError::NotApproved {
            tool: "pods_delete".into(),
            reason: NotApprovedReason::NoGrant
        })
    );

    let now = SystemTime::now();
    let other = args(json!({"name": "web-1", "namespace": "prod"}));
    let wrong_grant = key.issue(
        "p1",
        PlanHash::of_call("pods_delete", &other),
        "alice",
        now,
        Duration::from_secs(60),
    );
    let refused = gateway
        .call(ToolCall::new("pods_delete", delete.clone()).with_grant(wrong_grant))
        .await;
    assert!(
        matches!(
            refused,
            Err(GatewayError::NotApproved {
                reason: NotApprovedReason::Refused(GrantRefusal::DifferentCall { .. }),
                ..
            })
        ),
        "{refused:?}"
    );

    let grant = key.issue(
        "p2",
        PlanHash::of_call("pods_delete", &delete),
        "alice",
        now,
        Duration::from_secs(60),
    );
    let sent = gateway
        .call(ToolCall::new("pods_delete", delete.clone()).with_grant(grant.clone()))
        .await
        .expect("an approved call reaches the server");
    assert!(
        sent.is_error && sent.text.contains("connection refused"),
        "{sent:?}"
    );
    let reused = gateway
        .call(ToolCall::new("pods_delete", delete).with_grant(grant))
        .await;
    assert!(
        matches!(
            reused,
            Err(GatewayError::NotApproved {
                reason: NotApprovedReason::Refused(GrantRefusal::AlreadyUsed { .. }),
                ..
            })
        ),
        "{reused:?}"
    );

    // Reading the current scale is the one narrowing: no grant needed.
    let current = args(
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "prod"}),
    );
    let read = gateway
        .call(ToolCall::new("resources_scale", current.clone()))
        .await
        .expect("reading the scale needs no grant");
    assert!(
        read.is_error && read.text.contains("connection refused"),
        "{read:?}"
    );
    let mut scale = current;
    scale.insert("scale".into(), json!(3));
    assert!(matches!(
        gateway.call(ToolCall::new("resources_scale", scale)).await,
        Err(GatewayError::NotApproved {
            reason: NotApprovedReason::NoGrant,
            ..
        })
    ));
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn unknown_tools_and_bad_arguments_never_reach_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gateway = start(dir.path(), &GrantKey::generate().expect("key")).await;
    assert_eq!(
        gateway
            .call(ToolCall::new("pods_explode", Map::new()))
            .await,
        Err(GatewayError::UnknownTool {
            tool: "pods_explode".into()
        })
    );
    assert_eq!(
        gateway
            .call(ToolCall::new("pods_get", args(json!({"name": 5}))))
            .await,
        Err(GatewayError::InvalidArguments {
            operation: "pods_get".into(),
            problems: vec!["argument \"name\" must be string but is a number".into()],
        })
    );
    assert_eq!(
        gateway
            .call(ToolCall::new("pods_log", args(json!({"namespace": "x"}))))
            .await,
        Err(GatewayError::InvalidArguments {
            operation: "pods_log".into(),
            problems: vec!["missing required argument \"name\"".into()],
        })
    );
    let status = gateway.status().await.expect("status");
    assert_eq!(status.metrics.errors_of(mcp_gateway::ErrorKind::Unknown), 1);
    assert_eq!(
        status
            .metrics
            .errors_of(mcp_gateway::ErrorKind::InvalidArguments),
        2
    );
    gateway.shutdown().await.expect("shutdown");
}

// ---------------------------------------------------------------------------
// Against the simulated cluster.
// ---------------------------------------------------------------------------

const DB_PASSWORD: &str = "s3cr3t-db-password";
const API_TOKEN: &str = "tok-api-7f3a9c";

fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (index, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if index <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The secret values in every form a result could show them.
fn leaked(text: &str) -> Option<String> {
    [DB_PASSWORD, API_TOKEN]
        .into_iter()
        .flat_map(|secret| [secret.to_owned(), base64(secret)])
        .find(|form| text.contains(form.as_str()))
}

fn shop_objects() -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1",
               "labels": {"kubernetes.io/hostname": "node-1"},
               "annotations": {"sim.kubeop.dev/cpu-usage": "500m", "sim.kubeop.dev/memory-usage": "1Gi",
                               "sim.kubeop.dev/kubelet-logs": "I1125 kubelet started\n"}},
               "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                          "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"}}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "tool", "namespace": "shop",
               "annotations": {"sim.kubeop.dev/logs": "hello from tool\n", "sim.kubeop.dev/cpu-usage": "10m",
                               "sim.kubeop.dev/memory-usage": "20Mi"}},
               "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "busybox:1.36"}]}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "shop"},
               "data": {"mode": "fast"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"},
               "type": "Opaque", "data": {"password": base64(DB_PASSWORD), "token": base64(API_TOKEN)}}),
    ]
}

struct SimGateway {
    gateway: Gateway,
    key: GrantKey,
    env: e2e::SimEnv,
}

impl SimGateway {
    async fn start(list_output: Option<mcp_gateway::ListOutput>) -> Self {
        let env = e2e::SimEnv::start("shop-cluster", shop_objects()).await;
        let key = GrantKey::generate().expect("key");
        let mut config =
            GatewayConfig::with_server(ServerCommand::binary(e2e::mcp_server_binary()));
        config.kubeconfig = Some(env.kubeconfig.clone());
        config.list_output = list_output;
        let gateway = Gateway::start(config, GrantVerifier::new(key.clone()))
            .await
            .expect("gateway starts");
        gateway
            .wait_ready(Duration::from_secs(60))
            .await
            .expect("the real server starts against the simulated cluster");
        Self { gateway, key, env }
    }

    fn approved(&self, tool: &str, arguments: Value) -> ToolCall {
        let arguments = args(arguments);
        let grant = self.key.issue(
            &format!("plan-{tool}-{}", PlanHash::of_call(tool, &arguments)),
            PlanHash::of_call(tool, &arguments),
            "tester",
            SystemTime::now(),
            Duration::from_secs(60),
        );
        ToolCall::new(tool, arguments).with_grant(grant)
    }

    async fn ok(&self, call: ToolCall) -> String {
        let tool = call.tool.clone();
        let output = self
            .gateway
            .call(call)
            .await
            .unwrap_or_else(|error| panic!("{tool} failed: {error}"));
        assert!(
            !output.is_error,
            "{tool} returned an error: {}",
            output.text
        );
        if let Some(form) = leaked(&output.text) {
            panic!("{tool} leaked {form}: {}", output.text);
        }
        output.text.into_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_is_callable_through_the_gateway() {
    let sim = SimGateway::start(None).await;
    // Exec and logs need the pod started by the simulated kubelet.
    loop {
        let pod = sim
            .ok(ToolCall::new(
                "pods_get",
                args(json!({"name": "tool", "namespace": "shop"})),
            ))
            .await;
        if pod.contains("phase: Running") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let catalog = sim.gateway.catalog().await.expect("catalog");
    let read = |tool: &str, arguments: Value| ToolCall::new(tool, args(arguments));
    let calls = vec![
        read("configuration_contexts_list", json!({})),
        read("configuration_view", json!({})),
        read("events_list", json!({"namespace": "shop"})),
        read("namespaces_list", json!({})),
        read("nodes_log", json!({"name": "node-1", "query": "kubelet"})),
        read("nodes_stats_summary", json!({"name": "node-1"})),
        read("nodes_top", json!({})),
        read("pods_list", json!({})),
        read("pods_list_in_namespace", json!({"namespace": "shop"})),
        read("pods_get", json!({"name": "tool", "namespace": "shop"})),
        read("pods_log", json!({"name": "tool", "namespace": "shop"})),
        read("pods_top", json!({"namespace": "shop", "all_namespaces": false})),
        read("resources_get", json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "settings", "namespace": "shop"})),
        read("resources_list", json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop"})),
        read("resources_scale", json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "shop"})),
        sim.approved("resources_scale", json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "shop", "scale": 3})),
        sim.approved("resources_create_or_update", json!({"resource": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: shop\ndata:\n  a: b\n"})),
        sim.approved("pods_exec", json!({"name": "tool", "namespace": "shop", "command": ["echo", "hi"]})),
        sim.approved("pods_run", json!({"name": "debug", "namespace": "shop", "image": "busybox:1.36"})),
        sim.approved("pods_delete", json!({"name": "debug", "namespace": "shop"})),
        sim.approved("resources_delete", json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "extra", "namespace": "shop"})),
    ];
    let mut called: Vec<String> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    for call in calls {
        let tool = call.tool.clone();
        let output = sim
            .gateway
            .call(call)
            .await
            .unwrap_or_else(|error| panic!("{tool}: {error}"));
        if output.is_error || output.text.is_empty() {
            failed.push(format!("{tool}: {}", output.text));
        }
        called.push(tool);
    }
    assert!(failed.is_empty(), "{failed:#?}");
    // projects_list is OpenShift's; on Kubernetes it is callable and says so.
    let projects = sim
        .gateway
        .call(ToolCall::new("projects_list", Map::new()))
        .await
        .expect("projects_list is answered");
    called.push("projects_list".into());
    assert!(projects.is_error, "{projects:?}");
    for tool in catalog.tools.keys() {
        assert!(called.contains(tool), "{tool} was not exercised");
    }
    sim.gateway.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_redacted_in_every_tool_that_can_show_them() {
    for list_output in [
        mcp_gateway::ListOutput::Table,
        mcp_gateway::ListOutput::Yaml,
    ] {
        let sim = SimGateway::start(Some(list_output)).await;
        let get = sim
            .ok(ToolCall::new("resources_get", args(json!({"apiVersion": "v1", "kind": "Secret", "name": "db", "namespace": "shop"}))))
            .await;
        assert!(get.contains("password: \"<redacted: 24 bytes>\""), "{get}");
        assert!(get.contains("token: \"<redacted: 20 bytes>\""), "{get}");
        for namespace in [Some("shop"), None] {
            let mut arguments = json!({"apiVersion": "v1", "kind": "Secret"});
            if let Some(namespace) = namespace {
                arguments["namespace"] = json!(namespace);
            }
            let list = sim
                .ok(ToolCall::new("resources_list", args(arguments)))
                .await;
            assert!(list.contains("db"), "{list}");
            if list_output == mcp_gateway::ListOutput::Yaml {
                assert!(
                    list.contains("password: \"<redacted: 24 bytes>\""),
                    "{list}"
                );
            }
        }
        let echo = sim
            .ok(sim.approved(
                "resources_create_or_update",
                json!({"resource": format!(
                    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\n  namespace: shop\ntype: Opaque\nstringData:\n  token: {API_TOKEN}\ndata:\n  password: {}\n",
                    base64(DB_PASSWORD)
                )}),
            ))
            .await;
        assert!(echo.contains("<redacted: "), "{echo}");
        let status = sim.gateway.status().await.expect("status");
        assert!(status.metrics.redactions >= 4, "{status:?}");
        sim.gateway.shutdown().await.expect("shutdown");
        drop(sim.env);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_context_argument_routes_to_the_named_cluster() {
    let namespace =
        |name: &str| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    let alpha = sim::SimCluster::start(
        vec![namespace("only-in-alpha")],
        sim::ClusterOptions::new("alpha"),
    )
    .await
    .expect("cluster alpha");
    let beta = sim::SimCluster::start(
        vec![namespace("only-in-beta")],
        sim::ClusterOptions::new("beta"),
    )
    .await
    .expect("cluster beta");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sim::kubeconfig::write(
        &kubeconfig,
        &sim::kubeconfig::render(
            &[alpha.kubeconfig_entry(), beta.kubeconfig_entry()],
            sim::kubeconfig::ReadOnlyContexts::Omit,
        ),
    )
    .expect("kubeconfig");
    let mut config = GatewayConfig::with_server(ServerCommand::binary(e2e::mcp_server_binary()));
    config.kubeconfig = Some(kubeconfig);
    let gateway = Gateway::start(
        config,
        GrantVerifier::new(GrantKey::generate().expect("key")),
    )
    .await
    .expect("gateway starts");
    gateway
        .wait_ready(Duration::from_secs(60))
        .await
        .expect("ready");

    let namespaces = |context: Option<&str>| {
        let mut arguments = Map::new();
        if let Some(context) = context {
            arguments.insert("context".into(), json!(context));
        }
        gateway.call(ToolCall::new("namespaces_list", arguments))
    };
    let default = namespaces(None).await.expect("default context").text;
    let in_alpha = namespaces(Some("alpha")).await.expect("alpha").text;
    let in_beta = namespaces(Some("beta")).await.expect("beta").text;
    assert!(
        default.contains("only-in-alpha") && !default.contains("only-in-beta"),
        "{default}"
    );
    assert!(
        in_alpha.contains("only-in-alpha") && !in_alpha.contains("only-in-beta"),
        "{in_alpha}"
    );
    assert!(
        in_beta.contains("only-in-beta") && !in_beta.contains("only-in-alpha"),
        "{in_beta}"
    );
    let contexts = gateway
        .call(ToolCall::new("configuration_contexts_list", Map::new()))
        .await
        .expect("contexts")
        .text;
    assert!(
        contexts.contains("alpha") && contexts.contains("beta"),
        "{contexts}"
    );
    let unknown = gateway
        .call(ToolCall::new(
            "namespaces_list",
            args(json!({"context": "gamma"})),
        ))
        .await
        .expect("an unknown context is the server's tool error");
    assert!(unknown.is_error, "{unknown:?}");
    gateway.shutdown().await.expect("shutdown");
}

/// One of the mixed calls of the concurrency test, and how to tell its answer.
fn mixed_call(index: usize) -> (ToolCall, &'static str) {
    match index % 5 {
        0 => (
            ToolCall::new(
                "pods_get",
                args(json!({"name": "tool", "namespace": "shop"})),
            ),
            "name: tool",
        ),
        1 => (
            ToolCall::new(
                "resources_get",
                args(
                    json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "settings", "namespace": "shop"}),
                ),
            ),
            "mode: fast",
        ),
        2 => (ToolCall::new("namespaces_list", Map::new()), "shop"),
        3 => (
            ToolCall::new("configuration_view", Map::new()),
            "shop-cluster",
        ),
        // Throttled by the server (an access review first): a few of these.
        _ if index % 20 == 4 => (
            ToolCall::new("pods_list_in_namespace", args(json!({"namespace": "shop"}))),
            "tool",
        ),
        _ => (
            ToolCall::new(
                "resources_get",
                args(
                    json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "shop"}),
                ),
            ),
            "replicas: 2",
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_mixed_calls_are_all_answered_correctly() {
    let sim = SimGateway::start(None).await;
    let mut callers = Vec::new();
    for index in 0..200 {
        let gateway = sim.gateway.clone();
        callers.push(tokio::spawn(async move {
            let (call, expected) = mixed_call(index);
            let tool = call.tool.clone();
            (tool, expected, gateway.call(call).await)
        }));
    }
    for caller in callers {
        let (tool, expected, outcome) = caller.await.expect("caller task");
        let output = outcome.unwrap_or_else(|error| panic!("{tool}: {error}"));
        assert!(!output.is_error, "{tool}: {}", output.text);
        assert!(
            output.text.contains(expected),
            "{tool} without {expected:?}: {}",
            output.text
        );
    }
    let status = sim.gateway.status().await.expect("status");
    assert_eq!(status.metrics.completed, 200);
    assert_eq!((status.in_flight, status.queued), (0, 0));
    sim.gateway.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_the_real_server_under_load_answers_everyone_and_recovers() {
    let sim = SimGateway::start(None).await;
    let pid = sim
        .gateway
        .status()
        .await
        .expect("status")
        .pid
        .expect("pid");
    let mut callers = Vec::new();
    for index in 0..150 {
        let gateway = sim.gateway.clone();
        callers.push(tokio::spawn(async move {
            // Keep calling until the kill has been seen, so the kill lands under load.
            let mut answered = 0usize;
            loop {
                let (call, _) = mixed_call(index);
                match gateway.call(call).await {
                    Ok(output) => {
                        assert!(!output.is_error, "{}", output.text);
                        answered += 1;
                    }
                    Err(GatewayError::ConnectionLost { .. } | GatewayError::Unavailable { .. }) => {
                        return answered;
                    }
                    Err(other) => panic!("unexpected error under a kill: {other}"),
                }
            }
        }));
    }
    // Kill once a good share of the load has been answered.
    loop {
        let status = sim.gateway.status().await.expect("status");
        if status.metrics.completed >= 300 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    for caller in callers {
        caller.await.expect("every caller is answered");
    }
    sim.gateway
        .wait_ready(Duration::from_secs(60))
        .await
        .expect("the gateway restarts the server");
    let after = sim
        .ok(ToolCall::new(
            "pods_get",
            args(json!({"name": "tool", "namespace": "shop"})),
        ))
        .await;
    assert!(after.contains("name: tool"), "{after}");
    let status = sim.gateway.status().await.expect("status");
    assert_eq!(status.generation, 2);
    assert_ne!(status.pid, Some(pid));
    assert!(status.reason.is_none());
    sim.gateway.shutdown().await.expect("shutdown");
}
