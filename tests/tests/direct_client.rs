//! The benchmarks' baseline client against the real `kubernetes-mcp-server`
//! on the simulated cluster: it initializes the server, a call gets its own
//! result, and calls pipelined from several tasks each get the reply to
//! their own request.

use std::sync::Arc;

use e2e::SimEnv;
use e2e::direct_client::DirectClient;
use mcp_gateway::{GatewayConfig, ServerCommand};
use serde_json::{Value, json};

/// Concurrent callers in the pipelining test.
const CALLERS: usize = 8;

fn text(result: &Value) -> String {
    result["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|content| content["text"].as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_calls_each_get_the_reply_to_their_own_request() {
    let namespaces: Vec<String> = (0..CALLERS).map(|index| format!("team-{index}")).collect();
    let env = SimEnv::start(
        "direct",
        namespaces
            .iter()
            .map(
                |name| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
            )
            .collect(),
    )
    .await;
    let mut config = GatewayConfig::with_server(ServerCommand::binary(e2e::mcp_server_binary()));
    config.kubeconfig = Some(env.kubeconfig.clone());
    let client = Arc::new(DirectClient::start(&config).await);

    let listed = client.call("namespaces_list", json!({})).await;
    assert_ne!(listed["isError"], true, "{listed}");
    for name in &namespaces {
        assert!(text(&listed).contains(name.as_str()), "{listed}");
    }

    let callers: Vec<_> = namespaces
        .iter()
        .map(|name| {
            let client = Arc::clone(&client);
            let name = name.clone();
            tokio::spawn(async move {
                let result = client
                    .call(
                        "resources_get",
                        json!({"apiVersion": "v1", "kind": "Namespace", "name": name}),
                    )
                    .await;
                (name, result)
            })
        })
        .collect();
    for caller in callers {
        let (name, result) = caller.await.expect("the caller finishes");
        assert_ne!(result["isError"], true, "{result}");
        let got = text(&result);
        assert!(got.contains(&format!("name: {name}")), "{name}: {got}");
        for other in namespaces.iter().filter(|other| **other != name) {
            assert!(
                !got.contains(&format!("name: {other}\n")),
                "{name} got {other}'s reply: {got}"
            );
        }
    }
}
