//! Supervisor hand-offs over a channel: how an agent running in the same
//! process as kubeop (a supervisor that routes work between domain agents)
//! hands it a structured request and gets the structured answer back.
//!
//! Start kubeop's actors with [`crate::daemon::Daemon::start`] and take the
//! [`HandoffHandle`] from [`crate::daemon::Daemon::handoffs`]. The handle is
//! cheap to clone; every clone feeds one bounded queue
//! ([`HANDOFF_QUEUE_DEPTH`]) drained by a worker that runs at most
//! [`MAX_HANDOFFS_IN_FLIGHT`] hand-offs at once. A full queue is refused at
//! once with [`HandoffError::Busy`] rather than waited on, so a supervisor
//! under load learns to back off instead of piling up work.
//!
//! A hand-off is a [`workflow::SupervisorHandoff`]: the source domain (the
//! supervisor agent handing over, recorded in the request's tracing span and
//! in the operations log's request line of any change it leads to),
//! its context (app, namespace, sync status, alert, release, expected pods,
//! in the request's words or fields; expected pods are checked against the
//! running ones and a mismatch is flagged) and optionally a plan a human approved
//! upstream (PLAN-LOCKED), which runs without re-planning but is still
//! verified, its progress sent where [`HandoffHandle::submit_with_progress`]
//! says. The answer is a [`workflow::Response`], the very object the
//! socket's `handoff` method returns: a request outside kubeop's scope (Helm,
//! GitOps, alerting) comes back as [`workflow::Response::Handoff`], the
//! signal naming the domain to re-route to, why, and what was found so far.
//!
//! The worker calls the daemon's method table ([`crate::daemon::DaemonService`])
//! exactly as the socket does, so the behaviour cannot drift between the two.

use std::sync::Arc;

use serde_json::json;
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use workflow::{Response, SupervisorHandoff};

use crate::daemon::{DaemonService, in_process_context};
use crate::rpc::{Call, RpcError, code, method};
use crate::server::Dispatch;

/// Hand-offs accepted and not yet started. Past it a supervisor is told
/// "busy" at once: a supervisor that outruns kubeop must slow down, not
/// build an unbounded backlog in memory.
pub const HANDOFF_QUEUE_DEPTH: usize = 64;

/// Hand-offs running at once. Each may wait on a verification for seconds;
/// the coordinator has its own bound, this one keeps a burst of hand-offs
/// from taking all of it away from people at the terminal and the socket.
pub const MAX_HANDOFFS_IN_FLIGHT: usize = 8;

/// Why a hand-off got no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HandoffError {
    /// The queue is full; nothing was queued. Retry later.
    #[error("busy: {depth} hand-offs are already waiting; try again later")]
    Busy {
        /// The queue's bound ([`HANDOFF_QUEUE_DEPTH`]).
        depth: usize,
    },
    /// kubeop was shut down; the hand-off was not (or no longer) handled.
    #[error("kubeop has stopped; the hand-off was not handled")]
    Stopped,
    /// kubeop understood the hand-off and refused it (a PLAN-LOCKED plan
    /// whose hash does not match its parameters, a policy).
    #[error("refused: {reason}")]
    Refused {
        /// Why.
        reason: String,
    },
    /// A part kubeop needs is restarting or at its own bound; retry later.
    #[error("unavailable: {message}")]
    Unavailable {
        /// What is unavailable.
        message: String,
    },
    /// Handling failed (the cluster, the MCP server, a malformed hand-off).
    #[error("the hand-off failed: {message}")]
    Failed {
        /// What went wrong.
        message: String,
    },
}

impl From<RpcError> for HandoffError {
    fn from(error: RpcError) -> Self {
        match error.code {
            code::REFUSED => Self::Refused {
                reason: error.message,
            },
            code::BUSY | code::UNAVAILABLE => Self::Unavailable {
                message: error.message,
            },
            _ => Self::Failed {
                message: error.message,
            },
        }
    }
}

/// One queued hand-off and where its answer goes.
struct Envelope {
    /// What the supervisor sent.
    handoff: SupervisorHandoff,
    /// Where the verification progress of a PLAN-LOCKED change goes, when
    /// the supervisor wants it.
    progress: Option<mpsc::Sender<String>>,
    /// Where the answer goes; dropped unanswered only if kubeop stops.
    reply: oneshot::Sender<Result<Response, HandoffError>>,
}

/// The sending side a supervisor holds. Clones share one bounded queue.
#[derive(Debug, Clone)]
pub struct HandoffHandle {
    /// Into the worker's queue.
    queue: mpsc::Sender<Envelope>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Envelope")
            .field("handoff", &self.handoff)
            .finish_non_exhaustive()
    }
}

/// A hand-off accepted into the queue, whose answer is still to come.
#[derive(Debug)]
pub struct PendingHandoff {
    /// The worker's answer.
    answer: oneshot::Receiver<Result<Response, HandoffError>>,
}

impl PendingHandoff {
    /// Waits for the answer. Dropping this instead abandons the answer; the
    /// hand-off itself still runs to its end (a change is still verified and
    /// recorded).
    pub async fn answer(self) -> Result<Response, HandoffError> {
        self.answer.await.unwrap_or(Err(HandoffError::Stopped))
    }
}

impl HandoffHandle {
    /// Queues `handoff` without waiting: [`HandoffError::Busy`] at once when
    /// the queue is full, [`HandoffError::Stopped`] when kubeop is gone.
    pub fn submit(&self, handoff: SupervisorHandoff) -> Result<PendingHandoff, HandoffError> {
        self.enqueue(handoff, None)
    }

    /// [`HandoffHandle::submit`], with what the verification of a
    /// PLAN-LOCKED change waits on sent to `progress` while it runs, as an
    /// approval's progress is. Lines are dropped, never waited for, when
    /// `progress` (bounded by the supervisor) is full.
    pub fn submit_with_progress(
        &self,
        handoff: SupervisorHandoff,
        progress: mpsc::Sender<String>,
    ) -> Result<PendingHandoff, HandoffError> {
        self.enqueue(handoff, Some(progress))
    }

    fn enqueue(
        &self,
        handoff: SupervisorHandoff,
        progress: Option<mpsc::Sender<String>>,
    ) -> Result<PendingHandoff, HandoffError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .try_send(Envelope {
                handoff,
                progress,
                reply,
            })
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => HandoffError::Busy {
                    depth: HANDOFF_QUEUE_DEPTH,
                },
                mpsc::error::TrySendError::Closed(_) => HandoffError::Stopped,
            })?;
        Ok(PendingHandoff { answer })
    }

    /// Hands `handoff` over and waits for kubeop's structured answer.
    pub async fn handoff(&self, handoff: SupervisorHandoff) -> Result<Response, HandoffError> {
        self.submit(handoff)?.answer().await
    }
}

/// A handle and the queue it feeds, not yet drained.
fn channel() -> (HandoffHandle, mpsc::Receiver<Envelope>) {
    let (queue, inbox) = mpsc::channel(HANDOFF_QUEUE_DEPTH);
    (HandoffHandle { queue }, inbox)
}

/// Starts the worker that answers hand-offs through `service` and returns
/// the handle feeding it. The worker ends when `stopped` is cancelled (kubeop
/// shuts down: queued hand-offs and later ones get [`HandoffError::Stopped`])
/// or when every handle is dropped.
pub(crate) fn serve(service: Arc<DaemonService>, stopped: CancellationToken) -> HandoffHandle {
    let (handle, mut inbox) = channel();
    let slots = Arc::new(Semaphore::new(MAX_HANDOFFS_IN_FLIGHT));
    tokio::spawn(async move {
        // Take a slot before taking the next hand-off, so waiting hand-offs
        // stay in the bounded queue (and count against it) until they run.
        while let Ok(slot) = slots.clone().acquire_owned().await {
            let next = tokio::select! {
                () = stopped.cancelled() => None,
                next = inbox.recv() => next,
            };
            let Some(envelope) = next else {
                break;
            };
            let service = service.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let answer = answer(&service, envelope.handoff, envelope.progress).await;
                // The supervisor may have stopped waiting; the work is done
                // and recorded either way.
                let _unwanted = envelope.reply.send(answer);
            });
        }
    });
    handle
}

/// Runs one hand-off through the socket's `handoff` method.
async fn answer(
    service: &DaemonService,
    handoff: SupervisorHandoff,
    progress: Option<mpsc::Sender<String>>,
) -> Result<Response, HandoffError> {
    let mut context = in_process_context("handoff");
    let span = tracing::info_span!("handoff", request_id = %context.request_id);
    let mut params = json!(handoff);
    params["progress"] = json!(progress.is_some());
    context.progress = progress;
    let call = Call::new(0, method::HANDOFF, params);
    let answer = service
        .dispatch(call, context)
        .instrument(span)
        .await
        .map_err(HandoffError::from)?;
    serde_json::from_str(answer.get()).map_err(|error| HandoffError::Failed {
        message: format!("kubeop's answer is not a response: {error}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_is_refused_at_once_and_says_busy() {
        let (handle, _undrained) = channel();
        let copies: Vec<HandoffHandle> = (0..3).map(|_| handle.clone()).collect();
        for index in 0..HANDOFF_QUEUE_DEPTH {
            copies[index % copies.len()]
                .submit(SupervisorHandoff::default())
                .expect("room in the queue");
        }
        let refused = handle
            .submit(SupervisorHandoff::default())
            .expect_err("the queue is full");
        assert_eq!(
            refused,
            HandoffError::Busy {
                depth: HANDOFF_QUEUE_DEPTH
            }
        );
        assert!(refused.to_string().starts_with("busy:"));
    }

    #[tokio::test]
    async fn a_stopped_kubeop_is_reported_not_waited_on() {
        let (handle, inbox) = channel();
        drop(inbox);
        assert_eq!(
            handle.handoff(SupervisorHandoff::default()).await,
            Err(HandoffError::Stopped)
        );
    }

    #[test]
    fn refusals_and_failures_keep_their_meaning() {
        let refused = HandoffError::from(RpcError::new(code::REFUSED, "hash mismatch"));
        assert_eq!(
            refused,
            HandoffError::Refused {
                reason: "hash mismatch".into()
            }
        );
        let busy = HandoffError::from(RpcError::new(code::BUSY, "busy"));
        assert!(matches!(busy, HandoffError::Unavailable { .. }));
        let failed = HandoffError::from(RpcError::new(code::INTERNAL_ERROR, "boom"));
        assert!(matches!(failed, HandoffError::Failed { .. }));
    }
}
