//! The tool-call lane: `tools/call` requests the gateway writes on the
//! server's stdin itself, and whose answers the transport hands straight back
//! to their callers, beside rmcp's own traffic on the same pipe.
//!
//! Why not rmcp's `call_tool`: rmcp's client passes every request through its
//! service task and a spawned send task, and parses every answer as an
//! untagged union of all result types. Against a minimal direct client on the
//! same server that measured ~120-300 µs more per call on an idle 2-core
//! machine, 17-20% of a fast read, while the gateway's own checks cost a few
//! microseconds (docs/benchmarks.md, "mcp-gateway"). Tool calls are the
//! gateway's hot path and need none of that machinery: the lane writes a
//! request from the caller's own task and the reader hands the answer to the
//! caller, exactly the hops a direct client has. rmcp keeps everything else:
//! the handshake, the catalog, `list_changed` notifications, pings, prompts.
//!
//! Lane ids are strings with their own prefix ([`LANE_ID_PREFIX`]), rmcp's
//! are numbers: the two never collide, and a line that is not a lane answer
//! goes to rmcp untouched.

use std::collections::HashMap;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rmcp::model::ErrorData;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::oneshot;

use crate::tool_text::ToolText;

/// The prefix of the ids of lane requests (`kubeop-call-7`).
pub(crate) const LANE_ID_PREFIX: &str = "kubeop-call-";

/// The server's stdin, shared by rmcp's sends and the lane's.
type ServerStdin = Pin<Box<dyn AsyncWrite + Send>>;

/// Why a lane call got no result.
#[derive(Debug)]
pub(crate) enum LaneError {
    /// The request could not be written: the server's stdin is closed.
    Write(std::io::Error),
    /// The server's stdout closed before the answer came.
    Closed,
    /// The server answered with a JSON-RPC error.
    Refused(ErrorData),
    /// The answer carried this call's id but was not a tool result.
    Unreadable(String),
}

/// What the reader hands a waiting caller.
type Answer = Result<ToolResult, LaneError>;

/// A tool's result, read in the one pass that also finds the answer's id.
///
/// Only what the gateway passes on is kept. rmcp's `CallToolResult` reads
/// each content block through serde's internally tagged buffering (every
/// text copied twice) and needed a second pass after the id; one pass of
/// this shape reads a 6 KB `resources_get` answer 10-15% faster.
#[derive(Debug, Deserialize)]
pub(crate) struct ToolResult {
    #[serde(default)]
    content: Vec<ContentItem>,
    #[serde(rename = "structuredContent", default)]
    pub(crate) structured_content: Option<Box<RawValue>>,
    #[serde(rename = "isError", default)]
    pub(crate) is_error: Option<bool>,
}

/// One content block; only text blocks carry what the gateway returns.
#[derive(Debug, Deserialize)]
struct ContentItem {
    #[serde(rename = "type")]
    kind: String,
    /// The text as the JSON string the server wrote (see [`ToolText`]).
    #[serde(default)]
    text: Option<Box<RawValue>>,
}

impl ToolResult {
    /// The text blocks, one per line: the server's own JSON string when
    /// there is one block (nearly always), decoded and joined otherwise. A
    /// block whose `text` is not a JSON string breaks the protocol; it is
    /// shown as the raw JSON it was rather than lost as empty text.
    pub(crate) fn take_text(&mut self) -> ToolText {
        let mut blocks = std::mem::take(&mut self.content)
            .into_iter()
            .filter(|item| item.kind == "text")
            .filter_map(|item| item.text)
            .map(|json| {
                if json.get().starts_with('"') {
                    ToolText::from_json(json)
                } else {
                    ToolText::from(json.get())
                }
            });
        let Some(first) = blocks.next() else {
            return ToolText::default();
        };
        let mut rest = blocks.peekable();
        if rest.peek().is_none() {
            return first;
        }
        let mut text = first.into_string();
        for block in rest {
            text.push('\n');
            text.push_str(&block);
        }
        ToolText::from(text)
    }
}

/// One server process's stdin and the lane calls waiting for an answer.
pub(crate) struct CallLane {
    stdin: tokio::sync::Mutex<Option<ServerStdin>>,
    /// Callers by request number. Bounded by the gateway's in-flight slots:
    /// a caller holds one from before it registers here until it is gone.
    waiting: Mutex<HashMap<u64, oneshot::Sender<Answer>>>,
    next_id: AtomicU64,
}

impl fmt::Debug for CallLane {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("CallLane")
            .field("waiting", &self.waiting_now())
            .finish_non_exhaustive()
    }
}

impl CallLane {
    pub(crate) fn new(stdin: impl AsyncWrite + Send + 'static) -> Arc<Self> {
        Arc::new(Self {
            stdin: tokio::sync::Mutex::new(Some(Box::pin(stdin))),
            waiting: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
        })
    }

    /// Writes one message (a line without its newline) to the server, whole:
    /// the lock keeps rmcp's lines and the lane's from interleaving.
    pub(crate) async fn write_line(&self, mut line: Vec<u8>) -> std::io::Result<()> {
        line.push(b'\n');
        let mut stdin = self.stdin.lock().await;
        let stdin = stdin.as_mut().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotConnected, "server stdin is closed")
        })?;
        stdin.write_all(&line).await?;
        stdin.flush().await
    }

    /// Closes the server's stdin: its cue to exit.
    pub(crate) async fn close(&self) {
        let stdin = self.stdin.lock().await.take();
        if let Some(mut stdin) = stdin {
            stdin.shutdown().await.ok();
        }
    }

    /// Calls `tool` and waits for its answer. Dropping the future before the
    /// answer tells the server with `notifications/cancelled`.
    pub(crate) async fn call(
        self: &Arc<Self>,
        tool: &str,
        arguments: &Map<String, Value>,
    ) -> Result<ToolResult, LaneError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, answer) = oneshot::channel();
        self.lock_waiting().insert(id, sender);
        let mut outstanding = Outstanding {
            lane: self.clone(),
            id,
            sent: false,
        };
        let request = Request {
            jsonrpc: "2.0",
            id: lane_id(id),
            method: "tools/call",
            params: CallParams {
                name: tool,
                arguments,
            },
        };
        let line = serde_json::to_vec(&request).map_err(|error| LaneError::Write(error.into()))?;
        self.write_line(line).await.map_err(LaneError::Write)?;
        outstanding.sent = true;
        answer.await.unwrap_or(Err(LaneError::Closed))
    }

    /// Hands `line` to its caller when it answers a lane call; `false` when
    /// it is anything else (for rmcp).
    pub(crate) fn route(&self, line: &[u8]) -> bool {
        let (id, answer) = match serde_json::from_slice::<Reply>(line) {
            Ok(Reply {
                id: LaneId(Some(id)),
                result,
                error,
            }) => {
                let answer = match (result, error) {
                    (_, Some(error)) => Err(LaneError::Refused(error)),
                    (Some(result), None) => Ok(result),
                    (None, None) => Err(LaneError::Unreadable(
                        "an answer with neither a result nor an error".to_owned(),
                    )),
                };
                (id, answer)
            }
            Ok(_) => return false,
            // Not a tool result: the caller still learns it at once when the
            // id is one of the lane's.
            Err(error) => match serde_json::from_slice::<Addressed>(line) {
                Ok(Addressed {
                    id: LaneId(Some(id)),
                }) => (id, Err(LaneError::Unreadable(error.to_string()))),
                _ => return false,
            },
        };
        match self.lock_waiting().remove(&id) {
            Some(caller) => {
                caller.send(answer).ok();
            }
            None => tracing::debug!(id, "an answer came for a call nobody waits for any more"),
        }
        true
    }

    /// The server's output ended: every waiting caller learns it now.
    pub(crate) fn fail_waiting(&self) {
        self.lock_waiting().clear();
    }

    fn waiting_now(&self) -> usize {
        self.lock_waiting().len()
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<Answer>>> {
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A lane call on its way; dropped before its answer (a deadline, or a caller
/// gone), it stops waiting and tells the server it may stop working.
struct Outstanding {
    lane: Arc<CallLane>,
    id: u64,
    /// The request is on the pipe and no answer came yet.
    sent: bool,
}

impl Drop for Outstanding {
    fn drop(&mut self) {
        let still_waiting = self.lane.lock_waiting().remove(&self.id).is_some();
        if !(self.sent && still_waiting) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let cancel = Cancelled {
            jsonrpc: "2.0",
            method: "notifications/cancelled",
            params: CancelledParams {
                request_id: lane_id(self.id),
                reason: "the caller stopped waiting",
            },
        };
        let Ok(line) = serde_json::to_vec(&cancel) else {
            return;
        };
        let lane = self.lane.clone();
        runtime.spawn(async move {
            if let Err(error) = lane.write_line(line).await {
                tracing::debug!(%error, "could not tell the server a call was cancelled");
            }
        });
    }
}

fn lane_id(number: u64) -> String {
    format!("{LANE_ID_PREFIX}{number}")
}

#[derive(Serialize)]
struct Request<'a> {
    jsonrpc: &'static str,
    id: String,
    method: &'static str,
    params: CallParams<'a>,
}

#[derive(Serialize)]
struct CallParams<'a> {
    name: &'a str,
    arguments: &'a Map<String, Value>,
}

#[derive(Serialize)]
struct Cancelled {
    jsonrpc: &'static str,
    method: &'static str,
    params: CancelledParams,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CancelledParams {
    request_id: String,
    reason: &'static str,
}

/// A line's id, read without reading the rest of it.
#[derive(Deserialize)]
struct Addressed {
    #[serde(default)]
    id: LaneId,
}

/// A message as the lane reads it: its id and, when it answers a lane call,
/// the result or the error. Other messages (rmcp's answers, notifications)
/// read as `LaneId(None)` and are left to rmcp.
#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    id: LaneId,
    result: Option<ToolResult>,
    error: Option<ErrorData>,
}

/// The number of a lane id; `None` for any other id (rmcp's numbers).
#[derive(Default)]
struct LaneId(Option<u64>);

impl<'de> Deserialize<'de> for LaneId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;

        impl Visitor<'_> for IdVisitor {
            type Value = LaneId;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON-RPC id")
            }

            fn visit_str<E: de::Error>(self, id: &str) -> Result<LaneId, E> {
                Ok(LaneId(
                    id.strip_prefix(LANE_ID_PREFIX)
                        .and_then(|number| number.parse().ok()),
                ))
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<LaneId, E> {
                Ok(LaneId(None))
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<LaneId, E> {
                Ok(LaneId(None))
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<LaneId, E> {
                Ok(LaneId(None))
            }

            fn visit_unit<E: de::Error>(self) -> Result<LaneId, E> {
                Ok(LaneId(None))
            }
        }

        deserializer.deserialize_any(IdVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tokio::io::{AsyncBufReadExt, BufReader};

    fn line(value: Value) -> Vec<u8> {
        value.to_string().into_bytes()
    }

    /// A lane whose stdin is the returned reader's other end.
    fn lane() -> (
        Arc<CallLane>,
        tokio::io::Lines<BufReader<tokio::io::DuplexStream>>,
    ) {
        let (ours, theirs) = tokio::io::duplex(64 * 1024);
        (CallLane::new(ours), BufReader::new(theirs).lines())
    }

    type Server = tokio::io::Lines<BufReader<tokio::io::DuplexStream>>;

    /// The next line the lane wrote to the server, as JSON.
    async fn next_message(server: &mut Server) -> Value {
        serde_json::from_str(&server.next_line().await.expect("read").expect("a line"))
            .expect("json")
    }

    /// A `pods_get` call started on `lane`, and the request the server got.
    async fn started_call(
        lane: &Arc<CallLane>,
        server: &mut Server,
    ) -> (
        tokio::task::JoinHandle<Result<ToolResult, LaneError>>,
        Value,
    ) {
        let call = tokio::spawn({
            let lane = lane.clone();
            async move { lane.call("pods_get", &Map::new()).await }
        });
        (call, next_message(server).await)
    }

    /// A result read from its JSON text, as the reader reads it (raw
    /// values need the text).
    fn result(value: Value) -> ToolResult {
        serde_json::from_str(&value.to_string()).expect("a tool result")
    }

    #[test]
    fn a_text_that_is_not_a_json_string_is_kept_as_its_raw_json() {
        let mut object = result(json!({"content": [{"type": "text", "text": {"pods": [1, 2]}}]}));
        assert_eq!(object.take_text().as_str(), r#"{"pods":[1,2]}"#);
        let mut number = result(json!({"content": [{"type": "text", "text": 42}]}));
        assert_eq!(number.take_text().as_str(), "42");
        let mut mixed = result(json!({"content": [
            {"type": "text", "text": "listed:"},
            {"type": "text", "text": [true]}]}));
        assert_eq!(mixed.take_text().as_str(), "listed:\n[true]");
    }

    #[tokio::test]
    async fn a_call_is_written_with_a_lane_id_and_its_answer_comes_back() {
        let (lane, mut server) = lane();
        let arguments = json!({"name": "web", "namespace": "shop"});
        let call = tokio::spawn({
            let lane = lane.clone();
            async move {
                lane.call("pods_get", arguments.as_object().expect("object"))
                    .await
            }
        });
        let request = next_message(&mut server).await;
        assert_eq!(request["method"], "tools/call");
        assert_eq!(request["params"]["name"], "pods_get");
        assert_eq!(request["params"]["arguments"]["namespace"], "shop");
        let id = request["id"].as_str().expect("a string id").to_owned();
        assert!(id.starts_with(LANE_ID_PREFIX), "{id}");

        assert!(lane.route(&line(json!({"jsonrpc": "2.0", "id": id,
            "result": {"content": [{"type": "text", "text": "pod web"}], "isError": false}}))));
        let mut result = call.await.expect("joined").expect("answered");
        assert_eq!(result.take_text(), "pod web");
        assert_eq!(lane.waiting_now(), 0);
    }

    #[tokio::test]
    async fn one_text_block_stays_the_server_string_and_several_are_joined() {
        let (lane, mut server) = lane();
        for (content, expected) in [
            (
                json!([{"type": "text", "text": "a: \"b\"\n"}]),
                "a: \"b\"\n",
            ),
            (
                json!([{"type": "text", "text": "one"}, {"type": "image", "data": "x"},
                    {"type": "text", "text": "two"}]),
                "one\ntwo",
            ),
            (json!([]), ""),
        ] {
            let (call, request) = started_call(&lane, &mut server).await;
            let reply = json!({"jsonrpc": "2.0", "id": request["id"],
                "result": {"content": content}});
            assert!(lane.route(&line(reply)));
            let text = call.await.expect("joined").expect("answered").take_text();
            assert_eq!(text, expected);
            let written = serde_json::to_string(&text).expect("serializes");
            assert_eq!(written, json!(expected).to_string());
        }
    }

    #[tokio::test]
    async fn answers_to_other_ids_are_left_to_rmcp() {
        let (lane, _server) = lane();
        for other in [
            json!({"jsonrpc": "2.0", "id": 3, "result": {"tools": []}}),
            json!({"jsonrpc": "2.0", "id": "someone-else-1", "result": {}}),
            json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}),
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "parse error"}}),
        ] {
            assert!(!lane.route(&line(other.clone())), "{other}");
        }
        assert!(!lane.route(b"not json at all"));
    }

    #[tokio::test]
    async fn a_json_rpc_error_and_a_malformed_answer_reach_the_caller_as_errors() {
        let (lane, mut server) = lane();
        for (answer, expected) in [
            (
                json!({"error": {"code": -32602, "message": "unknown tool"}}),
                "refused",
            ),
            (json!({"result": {"content": "not a list"}}), "unreadable"),
            (json!({}), "unreadable"),
        ] {
            let (call, request) = started_call(&lane, &mut server).await;
            let mut reply = answer.clone();
            reply["jsonrpc"] = json!("2.0");
            reply["id"] = request["id"].clone();
            assert!(lane.route(&line(reply)));
            let outcome = call.await.expect("joined");
            match (expected, outcome) {
                ("refused", Err(LaneError::Refused(error))) => {
                    assert_eq!(error.message, "unknown tool");
                }
                ("unreadable", Err(LaneError::Unreadable(_))) => {}
                (_, other) => panic!("{answer} gave {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_dropped_call_is_cancelled_on_the_server_and_forgotten() {
        let (lane, mut server) = lane();
        let (call, request) = started_call(&lane, &mut server).await;
        call.abort();
        let cancelled = next_message(&mut server).await;
        assert_eq!(cancelled["method"], "notifications/cancelled");
        assert_eq!(cancelled["params"]["requestId"], request["id"]);
        assert_eq!(lane.waiting_now(), 0);
        // A late answer is consumed and goes nowhere.
        assert!(
            lane.route(&line(json!({"jsonrpc": "2.0", "id": request["id"],
            "result": {"content": []}})))
        );
    }

    #[tokio::test]
    async fn callers_learn_at_once_when_the_output_ends_or_stdin_is_closed() {
        let (lane, mut server) = lane();
        let (call, _request) = started_call(&lane, &mut server).await;
        lane.fail_waiting();
        assert!(matches!(
            call.await.expect("joined"),
            Err(LaneError::Closed)
        ));
        lane.close().await;
        assert!(matches!(
            lane.call("pods_get", &Map::new()).await,
            Err(LaneError::Write(_))
        ));
    }
}
