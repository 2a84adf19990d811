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
//!
//! One process at a time writes a state directory (`memory::lock`). A
//! one-shot that finds another one-shot kubeop writing there waits for it,
//! up to [`STATE_DIR_PATIENCE`] and saying so, since that one ends within
//! moments (two `kubeop ask` started together are the common case); a
//! daemon holding it is refused at once, since a daemon does not end on its
//! own and its socket is the way to reach it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::client::{Client, ClientError};
use crate::config::Config;
use crate::daemon::{Daemon, DaemonError};

/// How long a one-shot waits for another one-shot kubeop to release the
/// state directory before giving up: a one-shot answers and exits within a
/// second or two, so a few seconds cover it on a loaded machine, and a
/// holder that keeps it longer (a person at an approval prompt) is named in
/// the refusal rather than waited on without end.
pub const STATE_DIR_PATIENCE: Duration = Duration::from_secs(5);

/// How often a waiting one-shot tries the state directory's lock again.
const STATE_DIR_RETRY_INTERVAL: Duration = Duration::from_millis(100);

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

    /// Starts the actors of `config` in this process. When another one-shot
    /// kubeop writes the state directory, waits for it (up to
    /// [`STATE_DIR_PATIENCE`], telling the person on stderr); a daemon
    /// holding it, or a holder that outlasts the wait, is refused with
    /// [`DaemonError::StateDirInUse`] naming it.
    pub async fn in_process(config: Config) -> Result<Self, DaemonError> {
        let started = Instant::now();
        let mut told = false;
        loop {
            match Daemon::start(config.clone()).await {
                Ok(daemon) => return Ok(Self::InProcess(Box::new(daemon))),
                Err(DaemonError::StateDirInUse(memory::MemoryError::StateDirInUse {
                    state_dir,
                    holder,
                })) if !held_by_daemon(&holder) && started.elapsed() < STATE_DIR_PATIENCE => {
                    if !told {
                        eprintln!(
                            "kubeop: waiting up to {} s for the other kubeop writing {} to finish ({holder})",
                            STATE_DIR_PATIENCE.as_secs(),
                            state_dir.display()
                        );
                        told = true;
                    }
                    tokio::time::sleep(STATE_DIR_RETRY_INTERVAL).await;
                }
                Err(error) => return Err(error),
            }
        }
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

/// True when the lock's holder (as `memory::lock` records it: `kubeop pid N
/// (PROGRAM ARGS...)`) is a `kubeop serve` daemon.
fn held_by_daemon(holder: &str) -> bool {
    holder
        .split_once('(')
        .and_then(|(_, command)| command.split_whitespace().nth(1))
        == Some("serve")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daemon_holder_is_told_from_a_one_shot() {
        assert!(held_by_daemon(
            "kubeop pid 7 (/usr/bin/kubeop serve --socket /run/k.sock)"
        ));
        assert!(!held_by_daemon(
            "kubeop pid 8 (/usr/bin/kubeop ask --once list pods)"
        ));
        assert!(!held_by_daemon("kubeop pid 9 (kubeop ask serve the app)"));
        assert!(!held_by_daemon("kubeop (holder not yet recorded)"));
    }
}
