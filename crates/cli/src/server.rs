//! The daemon's Unix socket: owner-only, peer uid checked, bounded in
//! connections and request size, shut down gracefully.
//!
//! Each connection is a task reading newline-delimited JSON-RPC requests and
//! writing one response line per request, in order. A malformed line gets a
//! JSON-RPC error and the connection stays usable; an oversized line is read
//! to its end without being kept, answered with an error, and the connection
//! stays usable too. Work is bounded in front of the actors: at most
//! `max_connections` connections, each handling one request at a time.

use std::future::Future;
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;
use serde_json::value::RawValue;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::OwnedWriteHalf;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::rpc::{self, Call, Notification, Response, RpcError, code};

/// Permissions of the socket file: only its owner may connect.
pub const SOCKET_MODE: u32 = 0o600;

/// Permissions of a socket directory kubeop creates: only its owner may enter.
pub const SOCKET_DIR_MODE: u32 = 0o700;

/// How long in-flight requests may run after a shutdown signal before their
/// connections are closed regardless.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Progress lines one request may have waiting to be written to its client.
/// Progress is informational: past this bound lines are dropped (the sender
/// uses `try_send`), never waited for, so a slow reader cannot slow a change.
pub const MAX_QUEUED_NOTIFICATIONS: usize = 32;

/// Read-buffer size of a connection; requests are read through it in pieces,
/// so it bounds memory per connection below the request-size limit.
const READ_BUFFER_BYTES: usize = 8 * 1024;

/// The limits a socket server enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most connections served at once; the next is answered "busy" and closed.
    pub max_connections: usize,
    /// Longest request line in bytes (newline excluded).
    pub max_request_bytes: usize,
}

/// Who sent a request, for the handler and the logs.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The id of this request in the daemon's logs and traces.
    pub request_id: String,
    /// The connecting process's user (always the daemon's own, by the check).
    pub peer_uid: u32,
    /// The connecting process, where the kernel reports it.
    pub peer_pid: Option<i32>,
    /// Where progress lines for the caller go: over the socket they become
    /// notifications written before the response; `None` where nobody
    /// listens. A method uses it only when the caller asked for progress.
    pub progress: Option<mpsc::Sender<String>>,
}

/// What the daemon does with a well-formed request.
pub trait Dispatch: Send + Sync + 'static {
    /// Answers one request.
    fn dispatch(
        &self,
        call: Call,
        context: CallContext,
    ) -> impl Future<Output = Result<Box<RawValue>, RpcError>> + Send;
}

/// Why the socket could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// Another daemon answers on this socket already.
    #[error("a kubeop daemon is already listening on {0}")]
    InUse(PathBuf),
    /// Something that is not a socket is in the way.
    #[error("{0} exists and is not a socket; refusing to replace it")]
    NotASocket(PathBuf),
    /// Creating the directory, binding or setting permissions failed.
    #[error("cannot listen on {path}: {source}")]
    Io {
        /// The socket path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// Binds the socket at `path`: creates its directory (mode 0700) if missing,
/// replaces a stale socket left by a dead daemon, refuses to start beside a
/// live one, and makes the socket owner-only (mode 0600).
pub async fn bind(path: &Path) -> Result<UnixListener, BindError> {
    let io_error = |source| BindError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        && !parent.exists()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(SOCKET_DIR_MODE)
            .create(parent)
            .map_err(io_error)?;
    }
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_socket() => {
            if UnixStream::connect(path).await.is_ok() {
                return Err(BindError::InUse(path.to_owned()));
            }
            std::fs::remove_file(path).map_err(io_error)?;
        }
        Ok(_) => return Err(BindError::NotASocket(path.to_owned())),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(io_error(error)),
    }
    let listener = UnixListener::bind(path).map_err(io_error)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(SOCKET_MODE))
        .map_err(io_error)?;
    Ok(listener)
}

/// Whether a peer may use the daemon: only the user the daemon runs as. The
/// socket's mode already keeps others out; this check also holds when the
/// mode was loosened by hand or the socket sits in a shared directory.
pub fn peer_allowed(peer_uid: u32, own_uid: u32) -> bool {
    peer_uid == own_uid
}

/// Serves `listener` until `shutdown` is cancelled, then stops accepting,
/// lets in-flight requests finish (up to [`SHUTDOWN_GRACE`]) and returns.
pub async fn serve<D: Dispatch>(
    listener: UnixListener,
    dispatcher: Arc<D>,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let own_uid = crate::config::current_uid();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let connections = TaskTracker::new();
    let connection_ids = AtomicU64::new(0);
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::warn!(%error, "accepting a connection failed");
                continue;
            }
        };
        let connection_id = connection_ids.fetch_add(1, Ordering::Relaxed);
        let credentials = match stream.peer_cred() {
            Ok(credentials) => credentials,
            Err(error) => {
                tracing::warn!(%error, "no peer credentials; closing the connection");
                continue;
            }
        };
        if !peer_allowed(credentials.uid(), own_uid) {
            tracing::warn!(
                peer_uid = credentials.uid(),
                peer_pid = credentials.pid(),
                "refused a connection from another user"
            );
            let refusal = RpcError::new(
                code::FORBIDDEN,
                format!(
                    "uid {} may not use this daemon: it serves uid {own_uid} only",
                    credentials.uid()
                ),
            );
            connections.spawn(refuse(stream, refusal));
            continue;
        }
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(
                limit = limits.max_connections,
                "connection limit reached; refusing"
            );
            let busy = RpcError::new(
                code::BUSY,
                format!(
                    "busy: the daemon serves at most {} connections at once; try again",
                    limits.max_connections
                ),
            );
            connections.spawn(refuse(stream, busy));
            continue;
        };
        let span = tracing::info_span!(
            "connection",
            connection_id,
            peer_uid = credentials.uid(),
            peer_pid = credentials.pid()
        );
        let connection = Connection {
            id: connection_id,
            peer_uid: credentials.uid(),
            peer_pid: credentials.pid(),
            limits,
            dispatcher: dispatcher.clone(),
            shutdown: shutdown.clone(),
        };
        connections.spawn(
            async move {
                connection.run(stream).await;
                drop(slot);
            }
            .instrument(span),
        );
    }
    // Closed now, not when this function returns: a client connecting during
    // the grace period is refused at once instead of sitting unaccepted in
    // the backlog until the daemon exits.
    drop(listener);
    connections.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_seconds = SHUTDOWN_GRACE.as_secs(),
            "in-flight requests did not finish in time; closing their connections"
        );
    }
}

/// Writes one error line to a connection that will not be served, then closes it.
async fn refuse(mut stream: UnixStream, error: RpcError) {
    let line = Response::failure(Value::Null, error).to_line();
    if let Err(error) = stream.write_all(line.as_bytes()).await {
        tracing::debug!(%error, "could not tell a refused client why");
    }
    // The client may still be writing its request; closing without reading it
    // is fine, the refusal line is already in its receive buffer.
    let _closed = stream.shutdown().await;
}

/// One served connection.
struct Connection<D> {
    /// For request ids.
    id: u64,
    /// The peer's uid.
    peer_uid: u32,
    /// The peer's pid.
    peer_pid: Option<i32>,
    /// Size limits.
    limits: Limits,
    /// Where requests go.
    dispatcher: Arc<D>,
    /// Stops reading new requests.
    shutdown: CancellationToken,
}

/// One read from the connection.
#[derive(Debug, PartialEq)]
enum Line {
    /// A complete request line (without its newline).
    Request(Vec<u8>),
    /// A line longer than the limit, read to its end and dropped.
    TooLarge(usize),
    /// The client closed the connection.
    End,
}

impl<D: Dispatch> Connection<D> {
    async fn run(self, stream: UnixStream) {
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::with_capacity(READ_BUFFER_BYTES, read);
        let mut sequence = 0u64;
        loop {
            let line = tokio::select! {
                biased;
                () = self.shutdown.cancelled() => break,
                line = read_line(&mut reader, self.limits.max_request_bytes) => line,
            };
            let line = match line {
                Ok(Line::End) => break,
                Err(error) => {
                    tracing::debug!(%error, "connection read failed");
                    break;
                }
                Ok(Line::TooLarge(size)) => Response::failure(
                    Value::Null,
                    RpcError::new(
                        code::REQUEST_TOO_LARGE,
                        format!(
                            "request of {size} bytes refused: the limit is {} bytes",
                            self.limits.max_request_bytes
                        ),
                    )
                    .with_data(serde_json::json!({"limit_bytes": self.limits.max_request_bytes})),
                )
                .to_line(),
                Ok(Line::Request(bytes)) if bytes.iter().all(u8::is_ascii_whitespace) => continue,
                Ok(Line::Request(bytes)) => {
                    sequence += 1;
                    self.answer(&bytes, sequence, &mut write).await
                }
            };
            if let Err(error) = write.write_all(line.as_bytes()).await {
                tracing::debug!(%error, "client went away before its answer");
                break;
            }
        }
    }

    /// Dispatches one request, writing the progress it reports as
    /// notifications while it runs; returns the response line (written by
    /// the caller, so it always comes after the request's last notification).
    async fn answer(&self, bytes: &[u8], sequence: u64, write: &mut OwnedWriteHalf) -> String {
        let call = match rpc::parse_line(bytes) {
            Ok(call) => call,
            Err(response) => return response.to_line(),
        };
        let request_id = format!("c{}-r{sequence}", self.id);
        let span = tracing::info_span!("request", request_id = %request_id, method = %call.method);
        let id = call.id.clone();
        let (progress, mut notifications) = mpsc::channel(MAX_QUEUED_NOTIFICATIONS);
        let context = CallContext {
            request_id,
            peer_uid: self.peer_uid,
            peer_pid: self.peer_pid,
            progress: Some(progress),
        };
        let dispatch = self
            .dispatcher
            .dispatch(call, context)
            .instrument(span.clone());
        tokio::pin!(dispatch);
        // A client that went away mid-request no longer gets progress, but
        // the request still runs to its end (an approved change is verified
        // and journaled whether or not anyone watches).
        let mut listening = true;
        let outcome = loop {
            tokio::select! {
                outcome = &mut dispatch => break outcome,
                Some(message) = notifications.recv() => {
                    listening = listening && notify(write, &id, &message).await;
                }
            }
        };
        while let Ok(message) = notifications.try_recv() {
            listening = listening && notify(write, &id, &message).await;
        }
        let _entered = span.enter();
        match outcome {
            Ok(result) => {
                tracing::info!("answered");
                Response::success_line(&id, &result)
            }
            Err(error) => {
                tracing::info!(code = error.code, message = %error.message, "answered with an error");
                Response::failure(id, error).to_line()
            }
        }
    }
}

/// Writes one progress notification about request `id`; false when the
/// client is gone.
async fn notify(write: &mut OwnedWriteHalf, id: &Value, message: &str) -> bool {
    let line = Notification::progress(id, message).to_line();
    match write.write_all(line.as_bytes()).await {
        Ok(()) => true,
        Err(error) => {
            tracing::debug!(%error, "client went away while its request runs");
            false
        }
    }
}

/// Reads one line of at most `limit` bytes. A longer line is consumed to its
/// newline without being kept, so memory stays bounded whatever the client
/// sends, and the next line is read normally.
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R, limit: usize) -> io::Result<Line> {
    let mut line = Vec::new();
    let mut seen = 0usize;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(match seen {
                0 => Line::End,
                size if size > limit => Line::TooLarge(size),
                _ => Line::Request(line),
            });
        }
        let (chunk, complete) = match available.iter().position(|byte| *byte == b'\n') {
            Some(end) => (&available[..end], true),
            None => (available, false),
        };
        seen = seen.saturating_add(chunk.len());
        if seen <= limit {
            line.extend_from_slice(chunk);
        } else {
            line = Vec::new();
        }
        let consumed = chunk.len() + usize::from(complete);
        reader.consume(consumed);
        if complete {
            return Ok(if seen > limit {
                Line::TooLarge(seen)
            } else {
                Line::Request(line)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_owner_is_allowed() {
        assert!(peer_allowed(1000, 1000));
        assert!(!peer_allowed(65534, 1000));
        assert!(!peer_allowed(0, 1000));
    }

    #[tokio::test]
    async fn long_lines_are_dropped_and_the_next_line_is_read() {
        let input = format!("{}\nshort\n", "x".repeat(100));
        let mut reader = BufReader::with_capacity(16, input.as_bytes());
        assert_eq!(
            read_line(&mut reader, 10).await.expect("reads"),
            Line::TooLarge(100)
        );
        assert_eq!(
            read_line(&mut reader, 10).await.expect("reads"),
            Line::Request(b"short".to_vec())
        );
        assert_eq!(read_line(&mut reader, 10).await.expect("reads"), Line::End);
    }

    #[tokio::test]
    async fn a_last_line_without_newline_is_a_request() {
        let mut reader = BufReader::new(&b"abc"[..]);
        assert_eq!(
            read_line(&mut reader, 10).await.expect("reads"),
            Line::Request(b"abc".to_vec())
        );
    }

    /// Echoes the method, or fails for "fail", to exercise the server alone.
    struct Echo;

    impl Dispatch for Echo {
        async fn dispatch(
            &self,
            call: Call,
            context: CallContext,
        ) -> Result<Box<RawValue>, RpcError> {
            match call.method.as_str() {
                "fail" => Err(RpcError::new(code::METHOD_NOT_FOUND, "no such method")),
                "report" => {
                    for step in ["one", "two"] {
                        let progress = context.progress.as_ref().expect("a socket's");
                        progress.send(step.to_owned()).await.expect("open");
                    }
                    rpc::answer(&json!({"reported": 2}))
                }
                method => rpc::answer(&json!({"method": method, "request_id": context.request_id})),
            }
        }
    }

    async fn start(limits: Limits) -> (tempfile::TempDir, PathBuf, CancellationToken) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("run").join("kubeop.sock");
        let listener = bind(&path).await.expect("binds");
        let shutdown = CancellationToken::new();
        tokio::spawn(serve(listener, Arc::new(Echo), limits, shutdown.clone()));
        (dir, path, shutdown)
    }

    async fn exchange(stream: &mut BufReader<UnixStream>, line: &[u8]) -> Response {
        stream.get_mut().write_all(line).await.expect("writes");
        let mut answer = String::new();
        stream.read_line(&mut answer).await.expect("reads");
        serde_json::from_str(&answer).expect("a JSON-RPC response")
    }

    const LIMITS: Limits = Limits {
        max_connections: 2,
        max_request_bytes: 1024,
    };

    #[tokio::test]
    async fn the_socket_is_owner_only_in_an_owner_only_directory() {
        let (_dir, path, shutdown) = start(LIMITS).await;
        let mode = |p: &Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode(&path), SOCKET_MODE);
        assert_eq!(mode(path.parent().expect("a parent")), SOCKET_DIR_MODE);
        shutdown.cancel();
    }

    #[tokio::test]
    async fn bad_lines_get_errors_and_the_connection_stays_usable() {
        let (_dir, path, shutdown) = start(LIMITS).await;
        let mut client = BufReader::new(UnixStream::connect(&path).await.expect("connects"));
        let garbage = exchange(&mut client, b"{nope\n").await;
        assert_eq!(garbage.error.expect("error").code, code::PARSE_ERROR);
        let huge = format!("{}\n", "y".repeat(5000));
        let oversized = exchange(&mut client, huge.as_bytes()).await;
        assert_eq!(
            oversized.error.expect("error").code,
            code::REQUEST_TOO_LARGE
        );
        let unknown = exchange(
            &mut client,
            b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"fail\"}\n",
        )
        .await;
        assert_eq!(unknown.id, json!(2));
        let fine = exchange(
            &mut client,
            b"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"status\"}\n",
        )
        .await;
        assert_eq!(fine.id, json!(3));
        assert_eq!(fine.result.expect("result")["method"], "status");
        shutdown.cancel();
    }

    #[tokio::test]
    async fn progress_comes_as_notifications_before_the_response() {
        let (_dir, path, shutdown) = start(LIMITS).await;
        let mut client = BufReader::new(UnixStream::connect(&path).await.expect("connects"));
        client
            .get_mut()
            .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"report\"}\n")
            .await
            .expect("writes");
        let mut lines = Vec::new();
        for _ in 0..3 {
            let mut line = String::new();
            client.read_line(&mut line).await.expect("reads");
            lines.push(rpc::Incoming::parse(&line).expect("a daemon line"));
        }
        for (line, expected) in lines.iter().zip(["one", "two"]) {
            let rpc::Incoming::Notification(notification) = line else {
                panic!("expected a notification, got {line:?}");
            };
            assert_eq!(notification.method, rpc::notification::PROGRESS);
            assert_eq!(notification.params, json!({"id": 9, "message": expected}));
        }
        let rpc::Incoming::Response(response) = &lines[2] else {
            panic!("expected the response last, got {:?}", lines[2]);
        };
        assert_eq!(response.id, json!(9));
        assert_eq!(response.result, Some(json!({"reported": 2})));
        // The connection carries on with the next request as before.
        let next = exchange(
            &mut client,
            b"{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"status\"}\n",
        )
        .await;
        assert_eq!(next.id, json!(10));
        shutdown.cancel();
    }

    #[tokio::test]
    async fn connections_beyond_the_limit_are_told_busy() {
        let (_dir, path, shutdown) = start(LIMITS).await;
        let mut held = Vec::new();
        for _ in 0..LIMITS.max_connections {
            let mut client = BufReader::new(UnixStream::connect(&path).await.expect("connects"));
            let answer = exchange(
                &mut client,
                b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}\n",
            )
            .await;
            assert!(answer.error.is_none());
            held.push(client);
        }
        let mut extra = BufReader::new(UnixStream::connect(&path).await.expect("connects"));
        let mut answer = String::new();
        extra.read_line(&mut answer).await.expect("reads");
        let refusal: Response = serde_json::from_str(&answer).expect("a response");
        assert_eq!(refusal.error.expect("error").code, code::BUSY);
        drop(held);
        shutdown.cancel();
    }

    #[tokio::test]
    async fn a_second_daemon_on_the_same_socket_is_refused() {
        let (_dir, path, shutdown) = start(LIMITS).await;
        assert!(matches!(bind(&path).await, Err(BindError::InUse(_))));
        shutdown.cancel();
    }

    #[tokio::test]
    async fn a_stale_socket_is_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("kubeop.sock");
        drop(std::os::unix::net::UnixListener::bind(&path).expect("binds"));
        assert!(bind(&path).await.is_ok());
    }
}
