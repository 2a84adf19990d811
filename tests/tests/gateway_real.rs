//! The gateway with the real `kubernetes-mcp-server` 0.0.67.
//!
//! These tests point the server at an API server that refuses connections:
//! the server still initializes, lists its tools and prompts, renders its
//! kubeconfig, and answers every cluster call with an `isError` result at
//! once. That is enough to check the catalog, the backstop, schema checks and
//! kubeconfig redaction against the real thing.

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
