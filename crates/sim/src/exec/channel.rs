//! The `v5.channel.k8s.io` WebSocket exec protocol (kube-api-surface.md §5).
//!
//! Every binary message starts with a channel byte: 0 stdin (client to
//! server), 1 stdout, 2 stderr, 3 status (a JSON `Status`), 4 terminal resize,
//! and in v5 255 "close channel" whose payload names the channel being closed
//! (`[0xff, 0x00]`: the client has no more stdin). After the status frame the
//! server sends a WebSocket close frame with code 1000; closing the TCP
//! connection without one makes the client report a failed exec.

use serde_json::{Value, json};

/// The only subprotocol the simulator speaks; kubectl 1.32 and the MCP server offer it.
pub const V5_CHANNEL_PROTOCOL: &str = "v5.channel.k8s.io";

/// Channel bytes of the protocol.
pub mod channels {
    /// Client → server standard input.
    pub const STDIN: u8 = 0;
    /// Server → client standard output.
    pub const STDOUT: u8 = 1;
    /// Server → client standard error.
    pub const STDERR: u8 = 2;
    /// Server → client final status (JSON `Status`).
    pub const STATUS: u8 = 3;
    /// Client → server terminal size.
    pub const RESIZE: u8 = 4;
    /// v5: "this channel is closed"; the payload is the channel number.
    pub const CLOSE: u8 = 255;
}

/// A message the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFrame {
    /// Bytes for the command's standard input.
    Stdin(Vec<u8>),
    /// The client closed standard input (EOF).
    CloseStdin,
    /// A terminal resize (ignored: the simulator has no terminals).
    Resize,
    /// A channel this protocol does not define; ignored.
    Other(u8),
}

/// A message that is not a valid frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A zero-length binary message carries no channel byte.
    #[error("an exec frame must start with a channel byte")]
    Empty,
}

/// Reads one binary message from the client.
pub fn parse_client_frame(payload: &[u8]) -> Result<ClientFrame, FrameError> {
    let (&channel, data) = payload.split_first().ok_or(FrameError::Empty)?;
    Ok(match channel {
        channels::STDIN => ClientFrame::Stdin(data.to_vec()),
        channels::CLOSE if data.first() == Some(&channels::STDIN) => ClientFrame::CloseStdin,
        channels::RESIZE => ClientFrame::Resize,
        other => ClientFrame::Other(other),
    })
}

/// One server → client message: the channel byte, then the data.
pub fn frame(channel: u8, data: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(data.len() + 1);
    message.push(channel);
    message.extend_from_slice(data);
    message
}

/// The status frame of a finished command: `Success` for exit code 0, else
/// the `NonZeroExitCode` failure that clients turn into "command terminated
/// with exit code N".
pub fn exit_status_frame(command: &[String], exit_code: i32) -> Vec<u8> {
    let status = if exit_code == 0 {
        json!({"metadata": {}, "status": "Success"})
    } else {
        json!({
            "metadata": {},
            "status": "Failure",
            "message": format!(
                "command terminated with non-zero exit code: error executing command [{}], exit code {exit_code}",
                command.join(" ")
            ),
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": exit_code.to_string()}]},
        })
    };
    frame(channels::STATUS, status.to_string().as_bytes())
}

/// The status frame of an exec that could not run at all (e.g. the container
/// is not running): a plain `Failure` whose message the client prints.
pub fn error_status_frame(message: &str) -> Vec<u8> {
    let status: Value = json!({
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "InternalError",
        "code": 500,
    });
    frame(channels::STATUS, status.to_string().as_bytes())
}

/// What an exec request asks for, from its query string.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecRequest {
    /// The argv, one `command=` parameter per element.
    pub command: Vec<String>,
    /// The `container=` parameter, if any.
    pub container: Option<String>,
    /// Whether the client will send standard input.
    pub stdin: bool,
    /// Whether the client wants standard output.
    pub stdout: bool,
    /// Whether the client wants standard error.
    pub stderr: bool,
    /// Whether a terminal was requested.
    pub tty: bool,
}

impl ExecRequest {
    /// Reads the decoded query parameters of `GET .../pods/N/exec?...`.
    pub fn from_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ExecRequest {
        let mut request = ExecRequest::default();
        for (key, value) in pairs {
            let flag = matches!(value, "true" | "1");
            match key {
                "command" => request.command.push(value.to_string()),
                "container" => request.container = Some(value.to_string()),
                "stdin" => request.stdin = flag,
                "stdout" => request.stdout = flag,
                "stderr" => request.stderr = flag,
                "tty" => request.tty = flag,
                _ => {}
            }
        }
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_status_is_exactly_what_clients_expect() {
        let status = exit_status_frame(&["echo".to_string(), "hi".to_string()], 0);
        assert_eq!(status[0], 3);
        assert_eq!(&status[1..], br#"{"metadata":{},"status":"Success"}"#);
    }

    #[test]
    fn non_zero_exit_carries_the_exit_code_cause() {
        let status = exit_status_frame(
            &["sh".to_string(), "-c".to_string(), "exit 2".to_string()],
            2,
        );
        assert_eq!(status[0], 3);
        let parsed: Value = serde_json::from_slice(&status[1..]).expect("JSON");
        assert_eq!(parsed["status"], "Failure");
        assert_eq!(parsed["reason"], "NonZeroExitCode");
        assert_eq!(
            parsed["details"]["causes"][0],
            json!({"reason": "ExitCode", "message": "2"})
        );
        assert_eq!(
            parsed["message"],
            "command terminated with non-zero exit code: error executing command [sh -c exit 2], exit code 2"
        );
    }

    #[test]
    fn frames_prefix_the_channel() {
        assert_eq!(frame(channels::STDOUT, b"hi\n"), b"\x01hi\n");
        assert_eq!(frame(channels::STDERR, b"oops"), b"\x02oops");
    }

    #[test]
    fn reads_client_frames() {
        assert_eq!(
            parse_client_frame(b"\x00abc"),
            Ok(ClientFrame::Stdin(b"abc".to_vec()))
        );
        assert_eq!(
            parse_client_frame(&[0xff, 0x00]),
            Ok(ClientFrame::CloseStdin)
        );
        assert_eq!(
            parse_client_frame(b"\x04{\"Width\":80}"),
            Ok(ClientFrame::Resize)
        );
        assert_eq!(parse_client_frame(b"\x07"), Ok(ClientFrame::Other(7)));
        assert_eq!(parse_client_frame(b""), Err(FrameError::Empty));
    }

    #[test]
    fn reads_the_exec_query() {
        let request = ExecRequest::from_query([
            ("command", "echo"),
            ("command", "hello world"),
            ("container", "app"),
            ("stdout", "true"),
            ("stderr", "true"),
        ]);
        assert_eq!(request.command, vec!["echo", "hello world"]);
        assert_eq!(request.container.as_deref(), Some("app"));
        assert!(request.stdout && request.stderr && !request.stdin && !request.tty);
    }
}
