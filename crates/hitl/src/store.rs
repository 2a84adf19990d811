//! The pending-approvals file in the state directory.
//!
//! Only plans and decisions are stored, never grants: a grant is issued at the
//! moment of approval under the running process's key, so nothing on disk can
//! be replayed to the gateway. Each write goes to a temporary file that is
//! fsynced and then renamed over the old one (and the directory fsynced), so a
//! crash leaves either the old or the new file, never a torn one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ledger::{DecidedPlan, PendingApproval};

/// The format version written by this build; a file of another version is
/// refused rather than misread.
const FORMAT_VERSION: u32 = 1;

/// The persisted form of the ledger.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ApprovalFile {
    /// [`FORMAT_VERSION`] of the writer.
    pub(crate) version: u32,
    /// Plans waiting for a human.
    pub(crate) pending: Vec<PendingApproval>,
    /// Recent decisions, so a second approval of the same plan is refused with
    /// the reason ("already approved by …") even across a restart.
    pub(crate) decided: Vec<DecidedPlan>,
}

impl ApprovalFile {
    /// A file of this build's format holding `pending` and `decided`.
    pub(crate) fn current(pending: Vec<PendingApproval>, decided: Vec<DecidedPlan>) -> Self {
        Self {
            version: FORMAT_VERSION,
            pending,
            decided,
        }
    }
}

/// Reading or writing the approvals file failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file system refused.
    #[error("approvals file {path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: io::Error,
    },
    /// The file exists but is not an approvals file this build can read. It is
    /// left untouched for a human to inspect.
    #[error("approvals file {path} is unreadable ({reason}); it was left as it is")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        reason: String,
    },
}

/// The approvals file of one state directory.
#[derive(Debug, Clone)]
pub(crate) struct ApprovalStore {
    /// `<state dir>/pending-approvals.json`.
    path: PathBuf,
}

impl ApprovalStore {
    /// The file's name inside the state directory.
    pub(crate) const FILE_NAME: &'static str = "pending-approvals.json";

    pub(crate) fn in_dir(state_dir: &Path) -> Self {
        Self {
            path: state_dir.join(Self::FILE_NAME),
        }
    }

    /// The stored ledger, or an empty one when no file exists yet.
    pub(crate) fn load(&self) -> Result<ApprovalFile, StoreError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(ApprovalFile::current(Vec::new(), Vec::new()));
            }
            Err(source) => {
                return Err(StoreError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let file: ApprovalFile =
            serde_json::from_slice(&bytes).map_err(|error| StoreError::Corrupt {
                path: self.path.clone(),
                reason: error.to_string(),
            })?;
        if file.version != FORMAT_VERSION {
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                reason: format!(
                    "format version {} (this build reads {FORMAT_VERSION})",
                    file.version
                ),
            });
        }
        Ok(file)
    }

    /// Replaces the stored ledger atomically and durably.
    pub(crate) fn save(&self, file: &ApprovalFile) -> Result<(), StoreError> {
        let io_error = |path: &Path| {
            let path = path.to_owned();
            move |source| StoreError::Io { path, source }
        };
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        fs::create_dir_all(dir).map_err(io_error(dir))?;
        let bytes = serde_json::to_vec_pretty(file).map_err(|error| StoreError::Corrupt {
            path: self.path.clone(),
            reason: format!("could not encode: {error}"),
        })?;
        let temporary = self.path.with_extension("json.tmp");
        let mut out = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temporary)
            .map_err(io_error(&temporary))?;
        out.write_all(&bytes).map_err(io_error(&temporary))?;
        out.sync_all().map_err(io_error(&temporary))?;
        drop(out);
        fs::rename(&temporary, &self.path).map_err(io_error(&self.path))?;
        File::open(dir)
            .and_then(|handle| handle.sync_all())
            .map_err(io_error(dir))?;
        Ok(())
    }

    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}
