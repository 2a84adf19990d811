//! The client side of the daemon's socket, used by every client subcommand.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

use crate::rpc::{Call, Incoming, RpcError};

/// Why a call to the daemon did not get an answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens on the socket.
    #[error("no kubeop daemon at {path}: {source} (start one with `kubeop serve`)")]
    Unreachable {
        /// The socket.
        path: PathBuf,
        /// Why connecting failed.
        #[source]
        source: std::io::Error,
    },
    /// The connection broke mid-call.
    #[error("the connection to the daemon failed: {0}")]
    Io(#[from] std::io::Error),
    /// The daemon answered something that is not a JSON-RPC response.
    #[error("the daemon's answer is not a JSON-RPC response: {0}")]
    Protocol(String),
    /// The daemon answered with an error.
    #[error("{}", .0.message)]
    Rpc(RpcError),
}

impl ClientError {
    /// The exit status this failure ends a command with: unreachable → 3,
    /// refused → 5, anything else → 1 (see [`crate::exit`]).
    pub fn exit_status(&self) -> u8 {
        match self {
            Self::Unreachable { .. } => crate::exit::UNREACHABLE,
            Self::Rpc(rpc) if rpc.code == crate::rpc::code::REFUSED => crate::exit::REFUSED,
            _ => crate::exit::FAILURE,
        }
    }
}

/// One connection to the daemon; calls on it are answered in order.
#[derive(Debug)]
pub struct Client {
    /// The connection, buffered for reading response lines.
    stream: BufReader<UnixStream>,
    /// The next request id.
    next_id: u64,
}

impl Client {
    /// Connects to the daemon at `path`.
    pub async fn connect(path: &Path) -> Result<Self, ClientError> {
        let stream =
            UnixStream::connect(path)
                .await
                .map_err(|source| ClientError::Unreachable {
                    path: path.to_owned(),
                    source,
                })?;
        Ok(Self {
            stream: BufReader::new(stream),
            next_id: 1,
        })
    }

    /// Calls `method` with `params` and waits for its answer, skipping any
    /// notification the daemon sends before it.
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Value, ClientError> {
        self.call_with_progress(method, params, |_| {}).await
    }

    /// Calls `method` with `params`; each progress message the daemon sends
    /// before the answer goes to `on_progress` (ask for them with
    /// `"progress": true` where the method takes it).
    pub async fn call_with_progress(
        &mut self,
        method: &str,
        params: Value,
        mut on_progress: impl FnMut(&str),
    ) -> Result<Value, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut line = serde_json::to_string(&Call::new(id, method, params))
            .map_err(|error| ClientError::Protocol(error.to_string()))?;
        line.push('\n');
        // A daemon that refuses the connection (another user, too many
        // clients) writes its reason and closes at once, possibly before the
        // request is written: read the reason even when writing failed.
        let mut write_error = self.stream.get_mut().write_all(line.as_bytes()).await.err();
        loop {
            let mut answer = String::new();
            match self.stream.read_line(&mut answer).await {
                Ok(read) if read > 0 => {}
                Ok(_) => {
                    return Err(write_error.take().map_or_else(
                        || {
                            ClientError::Protocol(
                                "the daemon closed the connection without answering".to_owned(),
                            )
                        },
                        ClientError::Io,
                    ));
                }
                Err(error) => return Err(ClientError::Io(write_error.take().unwrap_or(error))),
            }
            match Incoming::parse(&answer)
                .map_err(|error| ClientError::Protocol(format!("{error}: {answer}")))?
            {
                Incoming::Notification(notification) => {
                    if let Some(message) = notification.params["message"].as_str() {
                        on_progress(message);
                    }
                }
                Incoming::Response(response) => {
                    return response.into_result().map_err(ClientError::Rpc);
                }
            }
        }
    }
}
