//! Why a call did not produce a result.
//!
//! A tool that ran and failed (`pods "nope" not found`) is not an error here:
//! it is a [`crate::ToolOutput`] with `is_error` set, as the server reports it.
//! These are the cases where the gateway, not the tool, has the last word.

use std::time::Duration;

use hitl::grant::GrantRefusal;
use serde::Serialize;

/// A call, prompt or catalog request the gateway could not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// Every in-flight slot and every queue place is taken; retry later.
    #[error(
        "the MCP gateway is busy ({in_flight} calls in flight, {queued} waiting); retry shortly"
    )]
    Busy {
        /// Calls in flight when the caller was turned away.
        in_flight: usize,
        /// Callers waiting when the caller was turned away.
        queued: usize,
    },
    /// The call's deadline passed; if it had reached the server, the server
    /// was told to cancel it.
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// The tool or prompt that was asked for.
        operation: String,
        /// The deadline that passed.
        after: Duration,
    },
    /// The server's catalog has no tool of that name.
    #[error("unknown tool {tool:?}: the server offers no such tool")]
    UnknownTool {
        /// The name asked for.
        tool: String,
    },
    /// The server's catalog has no prompt of that name.
    #[error("unknown prompt {prompt:?}: the server offers no such prompt")]
    UnknownPrompt {
        /// The name asked for.
        prompt: String,
    },
    /// The arguments break the tool's input schema (or the prompt's argument list).
    #[error("invalid arguments for {operation}: {}", problems.join("; "))]
    InvalidArguments {
        /// The tool or prompt.
        operation: String,
        /// Every violation found, each naming the argument.
        problems: Vec<String>,
    },
    /// The safety backstop refused a tool that may change the cluster.
    #[error("{tool} may change the cluster and was refused: {reason}")]
    NotApproved {
        /// The tool that was refused.
        tool: String,
        /// Why: no grant, or the grant did not hold.
        reason: NotApprovedReason,
    },
    /// No server is running right now (start-up failed, or it died and is
    /// being restarted); nothing was sent.
    #[error("the MCP server is unavailable: {reason}")]
    Unavailable {
        /// What went wrong last (exit status, start-up error, stderr tail).
        reason: String,
    },
    /// The server died or closed its output while the call was queued or in
    /// flight; the call may or may not have taken effect.
    #[error("the MCP server went away during {operation}: {reason}")]
    ConnectionLost {
        /// The tool or prompt.
        operation: String,
        /// What the gateway saw.
        reason: String,
    },
    /// The server answered with a JSON-RPC error instead of a result.
    #[error("the MCP server rejected {operation}: {message}")]
    Protocol {
        /// The tool or prompt.
        operation: String,
        /// The server's error message.
        message: String,
    },
    /// The gateway has been shut down.
    #[error("the MCP gateway has shut down")]
    ShutDown,
}

/// Why the backstop refused a call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotApprovedReason {
    /// The call carried no approval grant.
    #[error("no approval grant came with the call; it needs an approved plan")]
    NoGrant,
    /// The grant did not hold for this call.
    #[error(transparent)]
    Refused(#[from] GrantRefusal),
}

/// The kinds of [`GatewayError`], for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// [`GatewayError::Busy`].
    Busy,
    /// [`GatewayError::Timeout`].
    Timeout,
    /// [`GatewayError::UnknownTool`] and [`GatewayError::UnknownPrompt`].
    Unknown,
    /// [`GatewayError::InvalidArguments`].
    InvalidArguments,
    /// [`GatewayError::NotApproved`].
    NotApproved,
    /// [`GatewayError::Unavailable`].
    Unavailable,
    /// [`GatewayError::ConnectionLost`].
    ConnectionLost,
    /// [`GatewayError::Protocol`].
    Protocol,
    /// [`GatewayError::ShutDown`].
    ShutDown,
    /// The caller dropped its future before an answer (not a `GatewayError`:
    /// nobody is left to receive one).
    Abandoned,
}

impl ErrorKind {
    /// Every kind, in the order metrics report them.
    pub const ALL: [ErrorKind; 10] = [
        Self::Busy,
        Self::Timeout,
        Self::Unknown,
        Self::InvalidArguments,
        Self::NotApproved,
        Self::Unavailable,
        Self::ConnectionLost,
        Self::Protocol,
        Self::ShutDown,
        Self::Abandoned,
    ];

    /// Stable name for logs and status output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Busy => "busy",
            Self::Timeout => "timeout",
            Self::Unknown => "unknown",
            Self::InvalidArguments => "invalid_arguments",
            Self::NotApproved => "not_approved",
            Self::Unavailable => "unavailable",
            Self::ConnectionLost => "connection_lost",
            Self::Protocol => "protocol",
            Self::ShutDown => "shut_down",
            Self::Abandoned => "abandoned",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl GatewayError {
    /// The metrics bucket of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Busy { .. } => ErrorKind::Busy,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::UnknownTool { .. } | Self::UnknownPrompt { .. } => ErrorKind::Unknown,
            Self::InvalidArguments { .. } => ErrorKind::InvalidArguments,
            Self::NotApproved { .. } => ErrorKind::NotApproved,
            Self::Unavailable { .. } => ErrorKind::Unavailable,
            Self::ConnectionLost { .. } => ErrorKind::ConnectionLost,
            Self::Protocol { .. } => ErrorKind::Protocol,
            Self::ShutDown => ErrorKind::ShutDown,
        }
    }
}
