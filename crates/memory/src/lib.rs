//! The durable, tamper-evident operations log: kubeop's memory of every change.
//!
//! Start with [`Memory`] (the actor's handle) to record steps of a change, or
//! with [`read_journal`] / [`verify`] to read the log without a running
//! daemon (that is what `kubeop log` does).
//!
//! # Layout
//! - [`record`]: the record model, the API the workflow writes: one
//!   [`Record`] per event of a change (requested, planned, approved, denied,
//!   executed, verified, failed, unverified, outcome unknown).
//! - [`chain`]: how a record becomes a hash-chained journal line.
//! - [`journal`]: the append-only segment files, fsync before acknowledge,
//!   torn-tail recovery, rotation under a size bound.
//! - [`verify`]: walking the chain and naming the first broken link.
//! - [`query`]: discovery's questions and `kubeop log`'s listing.
//! - [`markdown`]: the `operations-log.md` view.
//! - [`redact`]: the last-line refusal to store Secret values.
//! - [`actor`]: the ractor actor (group commit, bounded queue).
//! - [`lock`]: the state directory's single-writer lock.
//!
//! # Invariants
//! - An append is acknowledged only after its bytes are fsynced; acknowledged
//!   records survive a kill at any point.
//! - The journal is only ever appended to, except that opening it moves a
//!   damaged tail (a write cut short) to a side file, and the size bound
//!   removes whole oldest segments after recording where the chain resumes.
//! - Reading never modifies anything.
//! - One writer per state directory: opening the journal takes an exclusive
//!   advisory lock on `STATE_DIR/lock`, held while the journal lives and
//!   released by the OS when the process exits (even `kill -9`); a second
//!   opener is refused with the holder named. Readers take no lock.
#![forbid(unsafe_code)]

pub mod actor;
pub mod chain;
pub mod error;
pub mod journal;
pub mod lock;
pub mod markdown;
pub mod query;
pub mod record;
pub mod redact;
pub mod time;
pub mod verify;

pub use actor::{Appended, MAX_QUEUED_REQUESTS, Memory, MemoryConfig, MemoryMsg, OpenReport};
pub use chain::{ChainHash, Entry};
pub use error::MemoryError;
pub use journal::{JournalConfig, JournalSnapshot, read_journal};
pub use lock::StateDirLock;
pub use markdown::{MARKDOWN_FILE, render as render_markdown};
pub use query::{OperationSummary, Query, QueryAnswer};
pub use record::{Event, EventKind, Operation, OperationId, Record, Target};
pub use time::Timestamp;
pub use verify::{BreakKind, ChainBreak, VerifyReport, verify};
