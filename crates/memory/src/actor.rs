//! The memory actor: the one writer of the journal in a process, with group
//! commit, a bounded request queue and the Markdown view kept current.
//!
//! Start with [`Memory::spawn`] (or [`Memory::spawn_linked`] under a
//! supervisor) and talk to it through the [`Memory`] handle.
//!
//! **Group commit.** An `Append` joins the pending batch. When no batch is
//! being written, the pending batch is handed at once to a writer task (one
//! write, one fsync), which answers each of its callers in order and then
//! tells the actor `Committed`; appends arriving meanwhile form the next
//! batch, started as soon as the previous one is committed. One batch at a
//! time, in mailbox order: seqs follow the order appends reached the actor,
//! and no caller is answered before its bytes are on stable storage.
//!
//! **Markdown view.** After each commit (once its callers are answered: the
//! view is derived, durability does not wait for it) the actor renders the
//! window and writes `operations-log.md` on a background task, at most one
//! write at a time; commits during a write cause one more write after it. The
//! view is also written when the actor starts and when it stops.
//!
//! **Bound.** ractor mailboxes are unbounded, so every request first takes a
//! permit from a semaphore of [`MAX_QUEUED_REQUESTS`] permits, carried inside
//! the message and released when it is answered; without a permit the caller
//! gets [`MemoryError::Busy`] at once.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::chain::{ChainHash, Entry};
use crate::error::MemoryError;
use crate::journal::{Journal, JournalConfig, SetAside, read_journal};
use crate::markdown::{MarkdownWriter, render};
use crate::query::{OperationSummary, Query, QueryAnswer, answer, awaiting_verification};
use crate::record::{OperationId, Record};
use crate::verify::{ChainBreak, VerifyReport, verify};

/// How many requests may wait for the memory actor before callers are told
/// "busy". Appends are fsync-bound: 1024 queued records are a few group
/// commits, far above what the workflow produces, so hitting the bound means
/// the disk is stuck, and queueing more would only hide it.
pub const MAX_QUEUED_REQUESTS: usize = 1024;

/// The default number of operations in `operations-log.md`: the view is for
/// reading, the journal (and `kubeop log -o json`) keeps the rest.
pub const DEFAULT_MARKDOWN_OPERATIONS: usize = 100;

/// The default number of recent entries the actor keeps in memory to answer
/// queries and render the Markdown view without reading the files.
pub const DEFAULT_WINDOW_ENTRIES: usize = 4096;

/// How the memory actor is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryConfig {
    /// Where the journal lives and its size bounds.
    pub journal: JournalConfig,
    /// How many operations `operations-log.md` shows.
    pub markdown_operations: usize,
    /// How many recent entries are kept in memory. While every retained entry
    /// fits, queries are answered from memory; beyond, they read the files.
    pub window_entries: usize,
}

impl MemoryConfig {
    /// The defaults, in `state_dir`.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        Self {
            journal: JournalConfig::new(state_dir),
            markdown_operations: DEFAULT_MARKDOWN_OPERATIONS,
            window_entries: DEFAULT_WINDOW_ENTRIES,
        }
    }
}

/// The acknowledgement of an append: the record is on stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appended {
    /// The record's place in the journal.
    pub seq: u64,
    /// Its chain hash.
    pub hash: ChainHash,
}

/// What the actor found when it opened the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenReport {
    /// How many valid entries the journal held.
    pub entries: u64,
    /// Damaged tails moved to side files (a write cut short).
    pub set_aside: Vec<SetAside>,
    /// Segments of an interrupted rotation that were removed.
    pub removed_leftovers: Vec<PathBuf>,
    /// The first broken link of the chain, if the journal was tampered with.
    pub chain_break: Option<ChainBreak>,
    /// Operations whose last record is `executed`: the process stopped
    /// before their outcome was recorded.
    pub outcome_unknown: Vec<OperationSummary>,
}

/// A place in the request queue (see [`MAX_QUEUED_REQUESTS`]); only
/// [`Memory`] hands them out, so every message is counted.
#[derive(Debug)]
pub struct QueuePermit {
    /// Released (returning the place) when the message is answered.
    _place: OwnedSemaphorePermit,
}

/// The memory actor's messages. Build them through [`Memory`], which takes
/// the queue permit each one carries.
#[derive(Debug)]
pub enum MemoryMsg {
    /// Record one event; answered once it is fsynced.
    Append {
        /// The record (its arguments already redacted by the caller).
        record: Record,
        /// Its place in the queue, released with the answer.
        permit: QueuePermit,
        /// Where the acknowledgement goes.
        reply: RpcReplyPort<Result<Appended, MemoryError>>,
    },
    /// A batch was written and its callers answered. Sent by the writer
    /// task; only this crate can build one.
    Committed(CommittedBatch),
    /// The background write of the Markdown view finished. Sent by that
    /// write to the actor.
    MarkdownWritten,
    /// Answer a query.
    Query {
        /// The question.
        query: Query,
        /// Its place in the queue.
        permit: QueuePermit,
        /// Where the answer goes.
        reply: RpcReplyPort<Result<QueryAnswer, MemoryError>>,
    },
    /// The operations found "outcome unknown" on open and still without a
    /// later record: the workflow re-verifies them.
    OutcomeUnknown {
        /// Its place in the queue.
        permit: QueuePermit,
        /// Where the answer goes.
        reply: RpcReplyPort<Vec<OperationSummary>>,
    },
    /// What opening the journal found.
    OpenReport {
        /// Its place in the queue.
        permit: QueuePermit,
        /// Where the answer goes.
        reply: RpcReplyPort<OpenReport>,
    },
    /// Check the hash chain.
    Verify {
        /// Its place in the queue.
        permit: QueuePermit,
        /// Where the answer goes.
        reply: RpcReplyPort<Result<VerifyReport, MemoryError>>,
    },
}

/// The entries of a written batch, in order (none if the write failed).
#[derive(Debug)]
pub struct CommittedBatch {
    /// The new entries, for the window and the Markdown view.
    entries: Vec<Entry>,
}

/// The actor type; see the module documentation.
#[derive(Debug)]
pub struct MemoryActor;

/// An append waiting for the next commit.
#[derive(Debug)]
struct PendingAppend {
    record: Record,
    permit: QueuePermit,
    reply: RpcReplyPort<Result<Appended, MemoryError>>,
}

/// The actor's state.
#[derive(Debug)]
pub struct MemoryState {
    /// The journal; held by the writer task of the batch in flight (the lock
    /// orders the final batch written at stop after it).
    journal: Arc<tokio::sync::Mutex<Journal>>,
    /// Settings.
    config: MemoryConfig,
    /// Appends waiting for the batch in flight to finish.
    pending: Vec<PendingAppend>,
    /// Whether a batch is being written.
    commit_in_flight: bool,
    /// The newest entries, oldest first.
    window: VecDeque<Entry>,
    /// Whether `window` holds every retained entry (no query needs the files).
    window_complete: bool,
    /// What open found.
    open_report: OpenReport,
    /// Ids from `open_report.outcome_unknown` that got no record since.
    unresolved: HashSet<OperationId>,
    /// Writes `operations-log.md`.
    markdown: MarkdownWriter,
    /// The number of the latest rendering.
    markdown_generation: u64,
    /// Whether a rendering is being written.
    markdown_in_flight: bool,
    /// Whether entries arrived since the rendering being written.
    markdown_stale: bool,
}

impl MemoryState {
    fn remember(&mut self, entries: impl IntoIterator<Item = Entry>) {
        for entry in entries {
            self.unresolved.remove(&entry.record.operation_id);
            self.window.push_back(entry);
            if self.window.len() > self.config.window_entries {
                self.window.pop_front();
                self.window_complete = false;
            }
        }
    }

    /// Renders the window as the next generation of the Markdown view.
    fn render_next(&mut self) -> (u64, String) {
        self.markdown_generation += 1;
        let text = render(
            self.window.make_contiguous(),
            self.config.markdown_operations,
        );
        (self.markdown_generation, text)
    }

    /// Brings the Markdown view up to date without holding up the actor: at
    /// most one write in flight; changes during it cause one more write.
    fn refresh_markdown(&mut self, myself: &ActorRef<MemoryMsg>) {
        if self.markdown_in_flight {
            self.markdown_stale = true;
            return;
        }
        let (generation, text) = self.render_next();
        self.markdown_in_flight = true;
        let writer = self.markdown.clone();
        let myself = myself.clone();
        tokio::spawn(
            async move {
                let written =
                    tokio::task::spawn_blocking(move || writer.write(generation, &text)).await;
                log_markdown_failure(written);
                // The actor may have stopped meanwhile; its final write covers it.
                let _ = myself.send_message(MemoryMsg::MarkdownWritten);
            }
            .instrument(tracing::debug_span!("memory.markdown")),
        );
    }

    /// Writes the Markdown view now and waits for it (start and stop).
    async fn write_markdown_now(&mut self) {
        let (generation, text) = self.render_next();
        let writer = self.markdown.clone();
        log_markdown_failure(
            tokio::task::spawn_blocking(move || writer.write(generation, &text)).await,
        );
    }
}

fn log_markdown_failure(written: Result<Result<(), MemoryError>, tokio::task::JoinError>) {
    match written {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "could not write the Markdown view"),
        Err(error) => tracing::warn!(%error, "the Markdown writer task failed"),
    }
}

impl Actor for MemoryActor {
    type Msg = MemoryMsg;
    type State = MemoryState;
    type Arguments = MemoryConfig;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        config: MemoryConfig,
    ) -> Result<Self::State, ActorProcessingErr> {
        let journal_config = config.journal.clone();
        let config_state_dir = config.journal.state_dir.clone();
        let (journal, recovery) =
            tokio::task::spawn_blocking(move || Journal::open(journal_config)).await??;
        let outcome_unknown = awaiting_verification(&recovery.entries);
        for operation in &outcome_unknown {
            tracing::warn!(operation_id = %operation.operation_id, target = %operation.target,
                "operation executed without a recorded outcome: outcome unknown");
        }
        let open_report = OpenReport {
            entries: recovery.entries.len() as u64,
            set_aside: recovery.set_aside,
            removed_leftovers: recovery.removed_leftovers,
            chain_break: recovery.chain_break,
            outcome_unknown,
        };
        let unresolved = open_report
            .outcome_unknown
            .iter()
            .map(|operation| operation.operation_id.clone())
            .collect();
        let skip = recovery.entries.len().saturating_sub(config.window_entries);
        let mut state = MemoryState {
            journal: Arc::new(tokio::sync::Mutex::new(journal)),
            window_complete: skip == 0,
            window: recovery.entries.into_iter().skip(skip).collect(),
            config,
            pending: Vec::new(),
            commit_in_flight: false,
            open_report,
            unresolved,
            markdown: MarkdownWriter::new(&config_state_dir),
            markdown_generation: 0,
            markdown_in_flight: false,
            markdown_stale: false,
        };
        state.write_markdown_now().await;
        Ok(state)
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        // Waits for the batch in flight, if any: appends already taken in are
        // written after it and answered, rather than dropped.
        let journal = Arc::clone(&state.journal).lock_owned().await;
        let batch = std::mem::take(&mut state.pending);
        let entries = write_batch(journal, batch).await;
        if state.commit_in_flight {
            // The batch in flight reports to a stopped actor: take the newest
            // entries from the files instead.
            let state_dir = state.config.journal.state_dir.clone();
            let window = state.config.window_entries;
            let newest = tokio::task::spawn_blocking(move || {
                read_journal(&state_dir).map(|snapshot| {
                    let skip = snapshot.entries.len().saturating_sub(window);
                    snapshot
                        .entries
                        .into_iter()
                        .skip(skip)
                        .collect::<VecDeque<Entry>>()
                })
            })
            .await;
            match newest {
                Ok(Ok(newest)) => state.window = newest,
                Ok(Err(error)) => tracing::warn!(%error, "could not reread the journal at stop"),
                Err(error) => tracing::warn!(%error, "the journal reader task failed"),
            }
        } else {
            state.remember(entries);
        }
        // The last word: whatever background write is still running, this
        // rendering is newer and wins.
        state.write_markdown_now().await;
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            MemoryMsg::Append {
                record,
                permit,
                reply,
            } => {
                state.pending.push(PendingAppend {
                    record,
                    permit,
                    reply,
                });
                start_commit(state, &myself);
            }
            MemoryMsg::Committed(CommittedBatch { entries }) => {
                state.commit_in_flight = false;
                if !entries.is_empty() {
                    state.remember(entries);
                    state.refresh_markdown(&myself);
                }
                start_commit(state, &myself);
            }
            MemoryMsg::MarkdownWritten => {
                state.markdown_in_flight = false;
                if std::mem::take(&mut state.markdown_stale) {
                    state.refresh_markdown(&myself);
                }
            }
            MemoryMsg::Query {
                query,
                permit,
                reply,
            } => {
                if state.window_complete {
                    let window = state.window.make_contiguous();
                    let _ = reply.send(Ok(answer(window, &query)));
                    drop(permit);
                } else {
                    // Beyond the window: read the files off the actor so
                    // appends are not held up.
                    let state_dir = state.config.journal.state_dir.clone();
                    tokio::spawn(
                        async move {
                            let answered = tokio::task::spawn_blocking(move || {
                                read_journal(&state_dir)
                                    .map(|snapshot| answer(&snapshot.entries, &query))
                            })
                            .await
                            .unwrap_or_else(|error| {
                                Err(MemoryError::Unavailable {
                                    reason: format!("the query task failed: {error}"),
                                })
                            });
                            let _ = reply.send(answered);
                            drop(permit);
                        }
                        .instrument(tracing::info_span!("memory.query.files")),
                    );
                }
            }
            MemoryMsg::OutcomeUnknown { permit, reply } => {
                let still_unknown = state
                    .open_report
                    .outcome_unknown
                    .iter()
                    .filter(|operation| state.unresolved.contains(&operation.operation_id))
                    .cloned()
                    .collect();
                let _ = reply.send(still_unknown);
                drop(permit);
            }
            MemoryMsg::OpenReport { permit, reply } => {
                let _ = reply.send(state.open_report.clone());
                drop(permit);
            }
            MemoryMsg::Verify { permit, reply } => {
                let state_dir = state.config.journal.state_dir.clone();
                tokio::spawn(
                    async move {
                        let report = tokio::task::spawn_blocking(move || verify(&state_dir))
                            .await
                            .unwrap_or_else(|error| {
                                Err(MemoryError::Unavailable {
                                    reason: format!("the verify task failed: {error}"),
                                })
                            });
                        let _ = reply.send(report);
                        drop(permit);
                    }
                    .instrument(tracing::info_span!("memory.verify")),
                );
            }
        }
        Ok(())
    }
}

/// Hands the pending appends to a writer task, unless a batch is in flight
/// (then they wait for its `Committed`).
fn start_commit(state: &mut MemoryState, myself: &ActorRef<MemoryMsg>) {
    if state.commit_in_flight || state.pending.is_empty() {
        return;
    }
    // Taken here, not in the task, so that batches hold the journal in the
    // order they were started.
    let Ok(journal) = Arc::clone(&state.journal).try_lock_owned() else {
        // Only a batch in flight or the stopping actor holds the lock, and
        // neither is the case here; leave the appends pending rather than
        // reorder them.
        tracing::error!("the journal is locked with no batch in flight");
        return;
    };
    let batch = std::mem::take(&mut state.pending);
    state.commit_in_flight = true;
    let myself = myself.clone();
    let span = tracing::info_span!("memory.commit", records = batch.len());
    tokio::spawn(
        async move {
            let entries = write_batch(journal, batch).await;
            // A stopped actor rereads the files instead (see `post_stop`).
            let _ = myself.send_message(MemoryMsg::Committed(CommittedBatch { entries }));
        }
        .instrument(span),
    );
}

/// Writes one batch with one fsync and answers its callers in order; returns
/// the new entries (none if the write failed).
async fn write_batch(
    mut journal: tokio::sync::OwnedMutexGuard<Journal>,
    batch: Vec<PendingAppend>,
) -> Vec<Entry> {
    if batch.is_empty() {
        return Vec::new();
    }
    let (records, waiters): (Vec<Record>, Vec<_>) = batch
        .into_iter()
        .map(|pending| (pending.record, (pending.permit, pending.reply)))
        .unzip();
    let written = tokio::task::spawn_blocking(move || journal.append(records))
        .await
        .unwrap_or_else(|error| {
            Err(MemoryError::Unavailable {
                reason: format!("the journal writer task failed: {error}"),
            })
        });
    match written {
        Ok(entries) => {
            for ((permit, reply), entry) in waiters.into_iter().zip(&entries) {
                let _ = reply.send(Ok(Appended {
                    seq: entry.seq,
                    hash: entry.hash,
                }));
                drop(permit);
            }
            entries
        }
        Err(error) => {
            tracing::error!(%error, "could not append to the operations log");
            for (permit, reply) in waiters {
                let _ = reply.send(Err(error.clone()));
                drop(permit);
            }
            Vec::new()
        }
    }
}

/// The handle to a running memory actor: cheap to clone, bounded, typed.
#[derive(Debug, Clone)]
pub struct Memory {
    /// The actor.
    actor: ActorRef<MemoryMsg>,
    /// The request queue's places (see [`MAX_QUEUED_REQUESTS`]).
    queue: Arc<Semaphore>,
}

impl Memory {
    /// Opens the journal (recovering a torn tail) and starts the actor.
    pub async fn spawn(config: MemoryConfig) -> Result<(Memory, JoinHandle<()>), MemoryError> {
        Self::start(config, None).await
    }

    /// Like [`Memory::spawn`], linked to `supervisor`.
    pub async fn spawn_linked(
        config: MemoryConfig,
        supervisor: ActorCell,
    ) -> Result<(Memory, JoinHandle<()>), MemoryError> {
        Self::start(config, Some(supervisor)).await
    }

    async fn start(
        config: MemoryConfig,
        supervisor: Option<ActorCell>,
    ) -> Result<(Memory, JoinHandle<()>), MemoryError> {
        let spawned = match supervisor {
            Some(supervisor) => Actor::spawn_linked(None, MemoryActor, config, supervisor).await,
            None => Actor::spawn(None, MemoryActor, config).await,
        };
        let (actor, handle) = spawned.map_err(|error| MemoryError::Unavailable {
            reason: format!("could not start: {error}"),
        })?;
        let memory = Memory {
            actor,
            queue: Arc::new(Semaphore::new(MAX_QUEUED_REQUESTS)),
        };
        Ok((memory, handle))
    }

    /// The actor, for supervision and shutdown.
    pub fn actor(&self) -> &ActorRef<MemoryMsg> {
        &self.actor
    }

    fn permit(&self) -> Result<QueuePermit, MemoryError> {
        Arc::clone(&self.queue)
            .try_acquire_owned()
            .map(|place| QueuePermit { _place: place })
            .map_err(|_| MemoryError::Busy {
                queued: MAX_QUEUED_REQUESTS,
            })
    }

    async fn request<T: Send + 'static>(
        &self,
        build: impl FnOnce(QueuePermit, RpcReplyPort<T>) -> MemoryMsg,
    ) -> Result<T, MemoryError> {
        let permit = self.permit()?;
        match self.actor.call(|reply| build(permit, reply), None).await {
            Ok(ractor::rpc::CallResult::Success(answer)) => Ok(answer),
            Ok(_) => Err(MemoryError::Unavailable {
                reason: "the actor stopped before answering".to_owned(),
            }),
            Err(error) => Err(MemoryError::Unavailable {
                reason: error.to_string(),
            }),
        }
    }

    /// Records `record`; returns once it is fsynced (or failed).
    pub async fn append(&self, record: Record) -> Result<Appended, MemoryError> {
        self.request(|permit, reply| MemoryMsg::Append {
            record,
            permit,
            reply,
        })
        .await?
    }

    /// Answers `query`.
    pub async fn query(&self, query: Query) -> Result<QueryAnswer, MemoryError> {
        self.request(|permit, reply| MemoryMsg::Query {
            query,
            permit,
            reply,
        })
        .await?
    }

    /// The operations found "outcome unknown" on open that still have no
    /// later record: re-verify them and record the result.
    pub async fn outcome_unknown(&self) -> Result<Vec<OperationSummary>, MemoryError> {
        self.request(|permit, reply| MemoryMsg::OutcomeUnknown { permit, reply })
            .await
    }

    /// What opening the journal found (torn tail set aside, outcome unknown).
    pub async fn open_report(&self) -> Result<OpenReport, MemoryError> {
        self.request(|permit, reply| MemoryMsg::OpenReport { permit, reply })
            .await
    }

    /// Checks the hash chain.
    pub async fn verify(&self) -> Result<VerifyReport, MemoryError> {
        self.request(|permit, reply| MemoryMsg::Verify { permit, reply })
            .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::tests::sample_record;

    #[tokio::test]
    async fn requests_beyond_the_queue_bound_are_told_busy_at_once() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (memory, handle) = Memory::spawn(MemoryConfig::new(dir.path()))
            .await
            .expect("starts");
        let occupied: Vec<QueuePermit> = (0..MAX_QUEUED_REQUESTS)
            .map(|_| memory.permit().expect("a free place"))
            .collect();
        let refused = memory.append(sample_record(1)).await;
        assert!(
            matches!(
                refused,
                Err(MemoryError::Busy {
                    queued: MAX_QUEUED_REQUESTS
                })
            ),
            "{refused:?}"
        );
        assert!(matches!(
            memory.verify().await,
            Err(MemoryError::Busy { .. })
        ));
        drop(occupied);
        let accepted = memory
            .append(sample_record(2))
            .await
            .expect("accepted once places are free");
        assert_eq!(accepted.seq, 1, "the refused append left no trace");
        memory.actor().stop(None);
        handle.await.expect("stops");
    }

    #[tokio::test]
    async fn a_stopped_actor_answers_unavailable() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (memory, handle) = Memory::spawn(MemoryConfig::new(dir.path()))
            .await
            .expect("starts");
        memory.actor().stop(None);
        handle.await.expect("stops");
        let refused = memory.append(sample_record(1)).await;
        assert!(
            matches!(refused, Err(MemoryError::Unavailable { .. })),
            "{refused:?}"
        );
    }
}
