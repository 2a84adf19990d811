//! The only place that spawns or speaks to `kubernetes-mcp-server`.
//!
//! **Start with [`Gateway`]**: [`Gateway::start`] with a [`GatewayConfig`]
//! (defaults run the pinned server `scripts/setup` installed) and the
//! [`hitl::grant::GrantVerifier`] made from the key approvals are issued with;
//! then, from any task, [`Gateway::call`] a [`ToolCall`] and get a
//! [`ToolOutput`] or a typed [`GatewayError`].
//!
//! ```no_run
//! # async fn example(verifier: hitl::grant::GrantVerifier) -> Result<(), mcp_gateway::GatewayError> {
//! use mcp_gateway::{Gateway, GatewayConfig, ToolCall};
//! let gateway = Gateway::start(GatewayConfig::default(), verifier).await?;
//! let arguments = serde_json::json!({"name": "web-0", "namespace": "prod"});
//! let output = gateway
//!     .call(ToolCall::new("pods_get", arguments.as_object().cloned().unwrap_or_default()))
//!     .await?;
//! println!("{}", output.text);
//! gateway.shutdown().await
//! # }
//! ```
//!
//! What callers can rely on:
//! - **Bounded work.** At most `max_in_flight` calls are sent at once and at
//!   most `max_queued` wait; past that a call fails with
//!   [`GatewayError::Busy`] at once. Every call has a deadline (its own or the
//!   default); on expiry the server is sent `notifications/cancelled` and the
//!   caller gets [`GatewayError::Timeout`]. Dropping the future cancels too.
//! - **Checked before sent.** Unknown tools and arguments that break the
//!   tool's input schema are refused without reaching the server.
//! - **The backstop.** A tool the server does not annotate `readOnlyHint:
//!   true` runs only with an approval grant for exactly that tool and those
//!   arguments, redeemed once ([`backstop`]).
//! - **Faults survived.** When the server dies, every waiting caller is
//!   answered at once, the server is restarted with capped exponential
//!   backoff and its catalog reloaded. A server that stays alive but stops
//!   answering is found by a `ping` after a call times out on it, and is
//!   treated the same way. Unparsable lines are logged and dropped.
//! - **Clean results.** Secret values are redacted from every result
//!   ([`redact`]; reuse [`redact::redact_text`] and [`redact::redact_json`]
//!   wherever cluster data is shown).
//!
//! # Layout
//! - [`gateway`]: the [`Gateway`] handle, the call path (admission, deadline,
//!   catalog check, backstop, send, redaction) and the public types.
//! - `actor`: the ractor actor that owns the server process's life: spawn,
//!   initialize (protocol `2025-06-18`, own start-up deadline), catalog,
//!   restart with backoff, graceful shutdown, status.
//! - `transport`: newline-delimited JSON-RPC over the child's stdio for rmcp,
//!   counting garbage lines and signalling a closed stdout at once.
//! - `lane`: tool calls written and answered beside rmcp on the same pipe
//!   (rmcp's request machinery cost ~17-20% of a fast read); rmcp keeps the
//!   handshake, catalog, notifications, pings and prompts.
//! - [`catalog`]: tools and prompts, and the input-schema check.
//! - [`backstop`]: which calls need an approval grant.
//! - [`redact`]: secret hiding, shared with other crates.
//! - [`config`]: server flags, limits, deadlines and their defaults.
//! - [`metrics`]: counters and the latency histogram behind [`Gateway::status`].
//! - [`server_binary`]: where the pinned server is installed.
#![forbid(unsafe_code)]

mod actor;
pub mod backstop;
pub mod catalog;
pub mod config;
pub mod error;
pub mod gateway;
mod lane;
pub mod metrics;
pub mod redact;
pub mod server_binary;
mod structured;
mod tool_text;
mod transport;

pub use actor::PROTOCOL_VERSION;
pub use catalog::{Catalog, PromptInfo, ToolInfo};
pub use config::{
    ApiRate, DEFAULT_API_BURST, DEFAULT_API_QPS, Deadlines, GatewayConfig, Limits, ListOutput,
    RestartPolicy, ServerCommand,
};
pub use error::{ErrorKind, GatewayError, NotApprovedReason};
pub use gateway::{
    Gateway, GatewayStatus, PromptMessageText, PromptOutput, ServerIdentity, ServerPhase, ToolCall,
    ToolOutput,
};
pub use metrics::MetricsSnapshot;
pub use structured::StructuredContent;
pub use tool_text::ToolText;
pub use transport::MAX_LINE_BYTES;
