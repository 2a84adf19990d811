//! "A kubeop" for the client commands: either the daemon over its socket or
//! the same actors started in this process. Both answer through the daemon's
//! one method table ([`crate::daemon::DaemonService`]), so a command prints
//! the same thing, returns the same JSON and fails with the same errors
//! wherever its kubeop runs.
//!
//! [`Kubeop::reach`] picks the daemon when one answers on the socket and
//! otherwise starts the pipeline in-process (one-shot: it lives as long as
//! the command). An in-process kubeop shares the daemon's state directory, so
//! a plan made one-shot is persisted with the pending approvals and can be
//! approved later by another `kubeop approve`, in-process or through a
//! daemon started on the same state directory.

use std::path::PathBuf;

use serde_json::Value;

use crate::client::{Client, ClientError};
use crate::config::Config;
use crate::daemon::{Daemon, DaemonError};

/// Where a command's requests go.
#[derive(Debug)]
pub enum Kubeop {
    /// A `kubeop serve` daemon; one connection per call, so a call abandoned
    /// half-way (Ctrl-C) never leaves a stale answer on a shared connection.
    Daemon {
        /// The daemon's socket.
        socket: PathBuf,
    },
    /// The actors started in this process, without a socket.
    InProcess(Box<Daemon>),
}

impl Kubeop {
    /// The daemon on `socket`, if one answers there.
    pub async fn daemon(socket: PathBuf) -> Result<Self, ClientError> {
        Client::connect(&socket).await?;
        Ok(Self::Daemon { socket })
    }

    /// Starts the actors of `config` in this process.
    pub async fn in_process(config: Config) -> Result<Self, DaemonError> {
        Ok(Self::InProcess(Box::new(Daemon::start(config).await?)))
    }

    /// The daemon on the configured socket when one answers, else the
    /// pipeline started in-process with `config`.
    pub async fn reach(config: Config) -> Result<Self, DaemonError> {
        match Self::daemon(config.daemon.socket.clone()).await {
            Ok(daemon) => Ok(daemon),
            Err(error) => {
                tracing::debug!(%error, "no daemon; running in-process");
                Self::in_process(config).await
            }
        }
    }

    /// Calls one method of the daemon's method table.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        self.call_with_progress(method, params, |_| {}).await
    }

    /// Calls one method, passing each progress line it reports (when the
    /// parameters ask for progress) to `on_progress` before the answer.
    pub async fn call_with_progress(
        &self,
        method: &str,
        params: Value,
        on_progress: impl FnMut(&str),
    ) -> Result<Value, ClientError> {
        match self {
            Self::Daemon { socket } => {
                Client::connect(socket)
                    .await?
                    .call_with_progress(method, params, on_progress)
                    .await
            }
            Self::InProcess(daemon) => daemon
                .call_with_progress(method, params, on_progress)
                .await
                .map_err(ClientError::Rpc),
        }
    }

    /// True when the actors run in this process.
    pub fn is_in_process(&self) -> bool {
        matches!(self, Self::InProcess(_))
    }

    /// Where requests go, for people: the socket, or "in-process".
    pub fn describe(&self) -> String {
        match self {
            Self::Daemon { socket } => format!("the daemon at {}", socket.display()),
            Self::InProcess(daemon) => format!(
                "in-process (state in {})",
                daemon.config().daemon.state_dir.display()
            ),
        }
    }

    /// Ends the use of this kubeop: an in-process one stops its actors in
    /// order (journal and pending approvals flushed); a daemon keeps running.
    pub async fn close(self) {
        if let Self::InProcess(daemon) = self {
            daemon.shutdown().await;
        }
    }
}
