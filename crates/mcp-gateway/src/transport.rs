//! Newline-delimited JSON-RPC over the child's stdin and stdout, as an rmcp
//! [`Transport`].
//!
//! rmcp's own stdio transport drops unparsable lines at `debug` level. The
//! gateway wants them visible (a `warn` event and a metric) and wants to know
//! the instant the server's stdout closes, to answer every waiting caller at
//! once rather than after rmcp's drain period. It also carries the gateway's
//! own tool calls ([`crate::lane`]): their answers go straight to their
//! callers and never reach rmcp. Hence this small transport.

use std::sync::Arc;

use rmcp::RoleClient;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio_util::sync::CancellationToken;

use crate::lane::CallLane;
use crate::metrics::Metrics;

/// Longest line accepted from the server. Large list results are a few MiB;
/// anything beyond this is dropped (and counted) instead of growing the
/// buffer without bound.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// How much of a dropped line is shown in the log event.
const GARBAGE_PREVIEW_BYTES: usize = 120;

/// The client side of one server process's stdio.
pub(crate) struct LineTransport<R> {
    /// The server's stdout.
    reader: BufReader<R>,
    /// The line being read; kept across calls because rmcp polls `receive`
    /// inside `select!` and may drop it half-way through a line.
    line: Vec<u8>,
    /// Set while skipping the rest of an over-long line.
    discarding: bool,
    /// The server's stdin (rmcp's lines and the lane's), and the lane's
    /// callers waiting for their answers.
    lane: Arc<CallLane>,
    /// Cancelled when stdout closes: the signal that fails every caller of
    /// this connection immediately.
    closed: CancellationToken,
    /// Where dropped lines are counted.
    metrics: Arc<Metrics>,
}

impl<R> LineTransport<R> {
    pub(crate) fn new(
        reader: R,
        lane: Arc<CallLane>,
        closed: CancellationToken,
        metrics: Arc<Metrics>,
    ) -> Self
    where
        R: AsyncRead,
    {
        Self {
            reader: BufReader::new(reader),
            line: Vec::new(),
            discarding: false,
            lane,
            closed,
            metrics,
        }
    }
}

enum LineRead {
    Line,
    TooLong,
    Eof,
}

impl<R> LineTransport<R>
where
    R: AsyncRead + Unpin + Send,
{
    async fn read_line(&mut self) -> std::io::Result<LineRead> {
        loop {
            let room = MAX_LINE_BYTES.saturating_sub(self.line.len()).max(1);
            let limit = u64::try_from(room).unwrap_or(u64::MAX);
            let before = self.line.len();
            let read = (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut self.line)
                .await?;
            if read == 0 && before == self.line.len() {
                return Ok(LineRead::Eof);
            }
            let complete = self.line.last() == Some(&b'\n');
            if self.discarding {
                self.line.clear();
                if complete {
                    self.discarding = false;
                }
                continue;
            }
            if complete {
                return Ok(LineRead::Line);
            }
            if self.line.len() >= MAX_LINE_BYTES {
                self.line.clear();
                self.discarding = true;
                return Ok(LineRead::TooLong);
            }
        }
    }
}

impl<R> Transport<RoleClient> for LineTransport<R>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleClient>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let lane = self.lane.clone();
        let line = serde_json::to_vec(&item).map_err(std::io::Error::other);
        async move { lane.write_line(line?).await }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleClient>> {
        loop {
            match self.read_line().await {
                Ok(LineRead::Line) => {}
                Ok(LineRead::TooLong) => {
                    self.metrics.garbage_line();
                    tracing::warn!(
                        limit = MAX_LINE_BYTES,
                        "dropped an over-long line from the MCP server"
                    );
                    continue;
                }
                Ok(LineRead::Eof) => {
                    tracing::info!("the MCP server closed its stdout");
                    self.closed.cancel();
                    self.lane.fail_waiting();
                    return None;
                }
                Err(error) => {
                    tracing::warn!(%error, "reading the MCP server's stdout failed");
                    self.closed.cancel();
                    self.lane.fail_waiting();
                    return None;
                }
            }
            let text = self.line.trim_ascii();
            if text.is_empty() || self.lane.route(text) {
                self.line.clear();
                continue;
            }
            let parsed = serde_json::from_slice::<RxJsonRpcMessage<RoleClient>>(text);
            match parsed {
                Ok(message) => {
                    self.line.clear();
                    return Some(message);
                }
                Err(error) => {
                    self.metrics.garbage_line();
                    let preview =
                        String::from_utf8_lossy(&text[..text.len().min(GARBAGE_PREVIEW_BYTES)]);
                    tracing::warn!(%error, line = %preview, "dropped a line from the MCP server that is not JSON-RPC");
                    self.line.clear();
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        // Closing stdin is what tells the server to exit.
        self.lane.close().await;
        Ok(())
    }
}
