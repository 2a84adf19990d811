//! The state directory's writer lock: one process at a time appends to the
//! journal, or two writers would interleave records and break the hash chain.
//!
//! An exclusive advisory lock (`flock`, through `File::try_lock`) on
//! `STATE_DIR/lock`, taken when the journal is opened for writing and held
//! for as long as the [`Journal`](crate::journal::Journal) lives. The
//! operating system releases it when the holder exits, even on `kill -9`, so
//! a stale lock cannot outlive its process. The file names the holder (pid
//! and command line) so a refused opener can say who is in the way. Readers
//! (`read_journal`, `verify`) never take it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::MemoryError;

/// The lock file inside the state directory.
pub const LOCK_FILE: &str = "lock";

/// Held while this process is the state directory's writer; dropping it
/// (closing the file) releases the lock.
#[derive(Debug)]
pub struct StateDirLock {
    /// The open, locked file: the lock lives as long as this descriptor.
    _file: File,
}

impl StateDirLock {
    /// Takes the lock on `state_dir` without waiting, recording this process
    /// as the holder; refuses with [`MemoryError::StateDirInUse`] when another
    /// writer (in this process or another) holds it.
    #[tracing::instrument(name = "memory.lock.acquire", skip_all, fields(state_dir = %state_dir.display()))]
    pub fn acquire(state_dir: &Path) -> Result<Self, MemoryError> {
        let path = state_dir.join(LOCK_FILE);
        // Not truncated on open: until we hold the lock the contents are the
        // holder's, needed for the refusal message.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| MemoryError::io("opening", &path, source))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(MemoryError::StateDirInUse {
                    state_dir: state_dir.to_owned(),
                    holder: read_holder(&mut file),
                });
            }
            Err(TryLockError::Error(source)) => {
                return Err(MemoryError::io("locking", &path, source));
            }
        }
        write_holder(&mut file).map_err(|source| MemoryError::io("writing", &path, source))?;
        Ok(Self { _file: file })
    }
}

/// What the holder wrote, or a placeholder while it has not written yet.
fn read_holder(file: &mut File) -> String {
    let mut holder = String::new();
    match file.read_to_string(&mut holder) {
        Ok(_) if !holder.trim().is_empty() => holder.trim().to_owned(),
        _ => "kubeop (holder not yet recorded)".to_owned(),
    }
}

/// Records `kubeop pid N (command line)` as the holder.
fn write_holder(file: &mut File) -> std::io::Result<()> {
    let command: Vec<String> = std::env::args().collect();
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(
        file,
        "kubeop pid {} ({})",
        std::process::id(),
        command.join(" ")
    )?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Journal, JournalConfig};

    #[test]
    fn a_second_writer_is_refused_with_the_holder_named_until_the_first_drops() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (first, _) = Journal::open(JournalConfig::new(dir.path())).expect("first opens");

        let refused = Journal::open(JournalConfig::new(dir.path())).expect_err("second refused");
        let MemoryError::StateDirInUse { state_dir, holder } = &refused else {
            panic!("expected StateDirInUse, got {refused:?}");
        };
        assert_eq!(state_dir, dir.path());
        assert!(
            holder.starts_with(&format!("kubeop pid {} (", std::process::id())),
            "holder names this process: {holder}"
        );
        let message = refused.to_string();
        assert!(message.contains("is in use by kubeop pid"), "{message}");
        assert!(message.contains("another --state-dir"), "{message}");

        drop(first);
        Journal::open(JournalConfig::new(dir.path())).expect("opens once the first is dropped");
    }

    #[test]
    fn readers_take_no_lock() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_writer, _) = Journal::open(JournalConfig::new(dir.path())).expect("opens");
        crate::read_journal(dir.path()).expect("reads while the writer holds the lock");
        crate::verify(dir.path()).expect("verifies while the writer holds the lock");
    }
}
