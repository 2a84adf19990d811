//! The errors of the operations log.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// What can go wrong when recording or reading the operations log.
///
/// `Clone` because one failed group commit answers every caller in the batch
/// with the same error (hence the `Arc` around `io::Error`).
#[derive(Debug, Clone, thiserror::Error)]
pub enum MemoryError {
    /// A file of the journal could not be read, written or synced.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done (`writing`, `syncing`, ...).
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: Arc<io::Error>,
    },
    /// Another writer holds the state directory's lock (see
    /// [`crate::lock`]): a second writer would break the journal's chain.
    #[error(
        "the state directory {} is in use by {holder}; use its socket, or another --state-dir",
        state_dir.display()
    )]
    StateDirInUse {
        /// The state directory.
        state_dir: PathBuf,
        /// Who holds it, as the holder recorded (`kubeop pid N (command)`).
        holder: String,
    },
    /// The anchor file (where the retained chain starts) is not valid.
    #[error("the journal anchor {} is not valid: {reason}", path.display())]
    BadAnchor {
        /// The anchor file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A write failed and the journal could not be restored to its last
    /// acknowledged state; nothing more is appended until it is reopened
    /// (reopening sets the damaged tail aside).
    #[error("the journal is unusable after a failed write; reopen it to recover: {reason}")]
    Poisoned {
        /// The failure that left the journal in this state.
        reason: String,
    },
    /// More requests are waiting than the log accepts (see
    /// [`crate::MAX_QUEUED_REQUESTS`]); retry later.
    #[error("the operations log is busy ({queued} requests queued); retry shortly")]
    Busy {
        /// How many requests were already queued.
        queued: usize,
    },
    /// The memory actor is not running (stopped or failed).
    #[error("the operations log is not running: {reason}")]
    Unavailable {
        /// Why the request could not be delivered or answered.
        reason: String,
    },
}

impl MemoryError {
    /// An I/O error while `action` on `path`.
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        MemoryError::Io {
            action,
            path: path.into(),
            source: Arc::new(source),
        }
    }
}
