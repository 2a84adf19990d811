//! The daemon's wire protocol: newline-delimited JSON-RPC 2.0 over a Unix socket.
//!
//! One request per line, one response per line, in the order the requests
//! came on that connection. Notifications from a client (requests without an
//! id) are not used by kubeop and are answered like requests with a `null`
//! id, so a client never waits for an answer that will not come.
//!
//! The daemon sends notifications of its own only to a client that asked
//! for them (`"progress": true` in an `approve`): [`notification::PROGRESS`]
//! lines, each naming the request's id, all before that request's response.
//! A client reading responses skips any line that is a notification.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// The protocol version string every message carries.
pub const JSONRPC_VERSION: &str = "2.0";

/// The methods the daemon serves.
pub mod method {
    /// A request in plain words: `{"text", "namespace"?, "context"?, "session"?}`.
    pub const ASK: &str = "ask";
    /// Approve a pending plan: `{"plan_id", "plan_hash", "retyped_name"?,
    /// "progress"?}`; with `"progress": true` what verification waits on
    /// comes as [`super::notification::PROGRESS`] notifications first.
    pub const APPROVE: &str = "approve";
    /// Deny a pending plan: `{"plan_id", "reason"?}`.
    pub const DENY: &str = "deny";
    /// The plans waiting for a human.
    pub const PENDING: &str = "pending";
    /// Recent entries of the operations log: `{"limit"?}`.
    pub const LOG: &str = "log";
    /// The daemon's actors, gateway metrics, current context and MCP server version.
    pub const STATUS: &str = "status";
    /// The MCP server's tool catalog.
    pub const TOOLS: &str = "tools";
    /// A structured hand-off from a supervisor agent.
    pub const HANDOFF: &str = "handoff";
}

/// The notifications the daemon sends while it works on a request.
pub mod notification {
    /// A line about what is being waited on while a change is verified:
    /// `{"id": <the request's id>, "message": "waiting for 4/5 replicas ..."}`.
    pub const PROGRESS: &str = "progress";
}

/// A notification line from the daemon: a method and parameters, no id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// The protocol version.
    pub jsonrpc: String,
    /// One of [`notification`].
    pub method: String,
    /// What it says.
    pub params: Value,
}

impl Notification {
    /// A progress line about the request `id`.
    pub fn progress(id: &Value, message: &str) -> Self {
        Self {
            jsonrpc: JSONRPC_VERSION.to_owned(),
            method: notification::PROGRESS.to_owned(),
            params: serde_json::json!({"id": id, "message": message}),
        }
    }

    /// The notification as one line, newline included.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("a notification always serializes");
        line.push('\n');
        line
    }
}

/// One line the daemon sends: a notification, or the response.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// Something said while the request is worked on.
    Notification(Notification),
    /// The answer; nothing more comes for this request.
    Response(Response),
}

impl Incoming {
    /// Reads one line from the daemon: a line with a method and no id is a
    /// notification, anything else must be a response.
    pub fn parse(line: &str) -> Result<Self, serde_json::Error> {
        let value: Value = serde_json::from_str(line)?;
        if value.get("method").is_some() && value.get("id").is_none() {
            return Ok(Self::Notification(serde_json::from_value(value)?));
        }
        Ok(Self::Response(serde_json::from_value(value)?))
    }
}

/// Standard and kubeop-specific error codes.
pub mod code {
    /// The line was not JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON was not a JSON-RPC 2.0 request.
    pub const INVALID_REQUEST: i64 = -32600;
    /// No such method.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// The parameters do not fit the method.
    pub const INVALID_PARAMS: i64 = -32602;
    /// The daemon failed while handling the request.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// The request line was longer than the daemon accepts.
    pub const REQUEST_TOO_LARGE: i64 = -32000;
    /// The daemon is at its bound (connections or work) and did not queue this.
    pub const BUSY: i64 = -32001;
    /// The request was understood and refused (an approval with a wrong hash,
    /// an expired plan, a policy): `data.reason` says why.
    pub const REFUSED: i64 = -32002;
    /// A part the request needs is not running (restarting, or shutting down).
    pub const UNAVAILABLE: i64 = -32003;
    /// The connecting process belongs to another user.
    pub const FORBIDDEN: i64 = -32004;
}

/// A request as it arrives; validated into [`Call`] before dispatch.
#[derive(Debug, Deserialize)]
struct RawRequest {
    /// Must be "2.0".
    jsonrpc: Option<String>,
    /// Echoed in the response; `None` for notifications.
    #[serde(default)]
    id: Option<Value>,
    /// The method name.
    method: Option<Value>,
    /// Named parameters (an object) or none.
    #[serde(default)]
    params: Option<Value>,
}

/// A well-formed request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// The protocol version.
    pub jsonrpc: String,
    /// The request id, echoed in the response.
    pub id: Value,
    /// The method.
    pub method: String,
    /// Named parameters; an empty object when none were given.
    pub params: Value,
}

impl Call {
    /// A request with the given id, method and parameters.
    pub fn new(id: u64, method: &str, params: Value) -> Self {
        Self {
            jsonrpc: JSONRPC_VERSION.to_owned(),
            id: Value::from(id),
            method: method.to_owned(),
            params,
        }
    }
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} (code {code})")]
pub struct RpcError {
    /// One of [`code`].
    pub code: i64,
    /// What went wrong, for a person.
    pub message: String,
    /// Structured detail (e.g. `{"reason": ...}` for a refusal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with a code and a message.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Adds structured detail.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// A response line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The protocol version.
    pub jsonrpc: String,
    /// The id of the request answered; `null` when it could not be read.
    pub id: Value,
    /// The answer, when the request succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The error, when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RpcError>,
}

impl Response {
    /// An error answer to `id`.
    pub fn failure(id: Value, error: RpcError) -> Self {
        Self {
            jsonrpc: JSONRPC_VERSION.to_owned(),
            id,
            result: None,
            error: Some(error),
        }
    }

    /// A successful answer to `id` as one line, newline included, with the
    /// answer written as its method serialized it.
    pub fn success_line(id: &Value, result: &RawValue) -> String {
        /// A response line that borrows what it writes.
        #[derive(Serialize)]
        struct Success<'a> {
            jsonrpc: &'a str,
            id: &'a Value,
            result: &'a RawValue,
        }
        let success = Success {
            jsonrpc: JSONRPC_VERSION,
            id,
            result,
        };
        let mut line = serde_json::to_string(&success).expect("a response always serializes");
        line.push('\n');
        line
    }

    /// The response as one line, newline included.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("a response always serializes");
        line.push('\n');
        line
    }

    /// The result, or the error as `Err`.
    pub fn into_result(self) -> Result<Value, RpcError> {
        match (self.result, self.error) {
            (_, Some(error)) => Err(error),
            (Some(result), None) => Ok(result),
            (None, None) => Ok(Value::Null),
        }
    }
}

/// `value` as a method's answer, serialized once, where it is made: the
/// daemon writes it into the response line as it is. A read's answer carries
/// the object it read (several KB); building a `Value` copy of it only to
/// serialize that again cost the read path measurably (docs/benchmarks.md,
/// "Daemon").
pub fn answer<T: Serialize + ?Sized>(value: &T) -> Result<Box<RawValue>, RpcError> {
    serde_json::value::to_raw_value(value).map_err(|error| {
        RpcError::new(
            code::INTERNAL_ERROR,
            format!("the answer could not be serialized: {error}"),
        )
    })
}

/// An answer made by [`answer`], read back as a `Value` (for callers in this
/// process, which get what a socket client would parse).
pub fn answer_value(answer: &RawValue) -> Result<Value, RpcError> {
    serde_json::from_str(answer.get()).map_err(|error| {
        RpcError::new(
            code::INTERNAL_ERROR,
            format!("the answer could not be read back: {error}"),
        )
    })
}

/// Reads one request line: a [`Call`] to dispatch, or the error response to
/// send back at once (parse error, invalid request).
pub fn parse_line(line: &[u8]) -> Result<Call, Box<Response>> {
    let raw: RawRequest = serde_json::from_slice(line).map_err(|error| {
        let code = if error.is_data() {
            code::INVALID_REQUEST
        } else {
            code::PARSE_ERROR
        };
        let message = if code == code::PARSE_ERROR {
            format!("parse error: {error}")
        } else {
            format!("invalid request: {error}")
        };
        Box::new(Response::failure(Value::Null, RpcError::new(code, message)))
    })?;
    let id = raw.id.unwrap_or(Value::Null);
    let invalid = |reason: &str| {
        Box::new(Response::failure(
            id.clone(),
            RpcError::new(code::INVALID_REQUEST, format!("invalid request: {reason}")),
        ))
    };
    if !matches!(id, Value::Null | Value::Number(_) | Value::String(_)) {
        return Err(Box::new(Response::failure(
            Value::Null,
            RpcError::new(
                code::INVALID_REQUEST,
                "invalid request: id must be a number or a string",
            ),
        )));
    }
    if raw.jsonrpc.as_deref() != Some(JSONRPC_VERSION) {
        return Err(invalid("jsonrpc must be \"2.0\""));
    }
    let method = match raw.method {
        Some(Value::String(method)) => method,
        _ => return Err(invalid("method must be a string")),
    };
    let params = match raw.params {
        None | Some(Value::Null) => Value::Object(serde_json::Map::new()),
        Some(object @ Value::Object(_)) => object,
        Some(_) => return Err(invalid("params must be an object (named parameters)")),
    };
    Ok(Call {
        jsonrpc: JSONRPC_VERSION.to_owned(),
        id,
        method,
        params,
    })
}

/// Decodes a method's parameters into its typed form, or an invalid-params error.
pub fn params<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, RpcError> {
    serde_json::from_value(params)
        .map_err(|error| RpcError::new(code::INVALID_PARAMS, format!("invalid params: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_well_formed_request_parses() {
        let call = parse_line(br#"{"jsonrpc":"2.0","id":7,"method":"status"}"#).expect("valid");
        assert_eq!(call.id, json!(7));
        assert_eq!(call.method, "status");
        assert_eq!(call.params, json!({}));
    }

    #[test]
    fn garbage_is_a_parse_error_with_a_null_id() {
        let response = parse_line(b"{not json").expect_err("garbage");
        assert_eq!(response.id, Value::Null);
        assert_eq!(response.error.expect("an error").code, code::PARSE_ERROR);
    }

    #[test]
    fn json_that_is_not_a_request_is_an_invalid_request() {
        for line in [
            &br#"[1,2]"#[..],
            br#"{"jsonrpc":"1.0","id":1,"method":"status"}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":5}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"ask","params":[1]}"#,
            br#"{"jsonrpc":"2.0","id":{"x":1},"method":"ask"}"#,
        ] {
            let response = parse_line(line).expect_err("not a request");
            assert_eq!(
                response.error.expect("an error").code,
                code::INVALID_REQUEST,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn notifications_and_responses_are_told_apart() {
        let progress = Notification::progress(&json!(3), "waiting for 1/2 replicas");
        let line = progress.to_line();
        assert_eq!(line.matches('\n').count(), 1);
        assert_eq!(
            Incoming::parse(&line).expect("parses"),
            Incoming::Notification(progress)
        );
        let result = answer(&json!({"kind": "result"})).expect("serializes");
        let Incoming::Response(response) =
            Incoming::parse(&Response::success_line(&json!(3), &result)).expect("parses")
        else {
            panic!("a success line is a response");
        };
        assert_eq!(response.id, json!(3));
        assert_eq!(response.into_result(), Ok(json!({"kind": "result"})));
        assert!(Incoming::parse("{nope").is_err());
        assert!(Incoming::parse("{\"jsonrpc\":\"2.0\",\"method\":7}").is_err());
    }

    #[test]
    fn responses_are_one_line() {
        let line = Response::success_line(
            &json!(1),
            &answer(&json!({"text": "a\nb"})).expect("serializes"),
        );
        assert_eq!(line.matches('\n').count(), 1);
        assert!(line.ends_with('\n'));
    }
}
