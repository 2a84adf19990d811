//! The smallest MCP client, for benchmarks' baselines: the real
//! `kubernetes-mcp-server` spoken to with raw newline-delimited JSON-RPC over
//! its stdio, without rmcp and without the gateway.
//!
//! A benchmark compares a kubeop path with this client's `tools/call`, so it
//! does as little as an MCP client can: `initialize`, then requests written
//! as lines and replies matched to them by id (requests may be pipelined from
//! several tasks). Nothing is checked beyond the reply being a result rather
//! than a JSON-RPC error; a tool's own failure (`isError`) is the caller's.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mcp_gateway::GatewayConfig;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin};
use tokio::sync::oneshot;

/// The MCP protocol version `kubernetes-mcp-server` 0.0.67 speaks.
const PROTOCOL_VERSION: &str = "2025-06-18";

/// Who waits for the reply to which request id.
type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// A `kubernetes-mcp-server` child and the client speaking to it; the server
/// is killed when the client is dropped.
#[derive(Debug)]
pub struct DirectClient {
    /// One writer at a time, so that pipelined requests stay whole lines.
    stdin: tokio::sync::Mutex<ChildStdin>,
    /// The replies not yet arrived; the reader task fills them.
    pending: Pending,
    /// The next request id.
    next_id: AtomicU64,
    /// Kept so the server lives as long as the client.
    _server: Child,
}

impl DirectClient {
    /// Runs the server exactly as the gateway would for `config` (its
    /// arguments and environment) and initializes it.
    pub async fn start(config: &GatewayConfig) -> Self {
        let mut server = config
            .server_command()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the MCP server starts");
        let stdin = server.stdin.take().expect("the server's stdin is piped");
        let stdout = server.stdout.take().expect("the server's stdout is piped");
        let pending = Pending::default();
        tokio::spawn(route_replies(BufReader::new(stdout), pending.clone()));
        let client = Self {
            stdin: tokio::sync::Mutex::new(stdin),
            pending,
            next_id: AtomicU64::new(0),
            _server: server,
        };
        client
            .request(
                "initialize",
                json!({"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                       "clientInfo": {"name": "e2e-direct-client", "version": "0"}}),
            )
            .await;
        client
            .send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        client
    }

    /// `tools/call`: the call's result (`isError` is the caller's to check);
    /// panics when the server answers with a JSON-RPC error.
    pub async fn call(&self, tool: &str, arguments: impl Serialize) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": arguments}))
            .await
    }

    /// Sends a request and waits for the reply with its id.
    async fn request(&self, method: &str, params: Value) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = oneshot::channel();
        self.pending
            .lock()
            .expect("no reply router panicked")
            .insert(id, sender);
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        let mut reply = receiver.await.unwrap_or_else(|_| {
            panic!("the MCP server closed its output before answering {method}")
        });
        match reply.get_mut("result") {
            Some(result) => result.take(),
            None => panic!("{method} failed: {reply}"),
        }
    }

    async fn send(&self, message: &Value) {
        let mut line = message.to_string();
        line.push('\n');
        self.stdin
            .lock()
            .await
            .write_all(line.as_bytes())
            .await
            .expect("the MCP server reads its stdin");
    }
}

/// Hands each reply to whoever waits for its id, until the server's output
/// ends (the waiters left then learn it from their dropped senders). The
/// server's own notifications and requests carry a `method` and are skipped.
async fn route_replies(stdout: BufReader<tokio::process::ChildStdout>, pending: Pending) {
    let mut lines = stdout.lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if message.get("method").is_some() {
            continue;
        }
        let Some(id) = message["id"].as_u64() else {
            continue;
        };
        let waiter = pending.lock().expect("no requester panicked").remove(&id);
        if let Some(waiter) = waiter {
            waiter.send(message).ok();
        }
    }
}
