//! The classifier as a ractor actor, for the parts of kubeop that talk by
//! messages (the daemon, supervisors' hand-offs).
//!
//! Classification is pure and takes microseconds, so the actor holds no state
//! and never awaits inside `handle`. ractor mailboxes are unbounded, so the
//! bound sits in front of the actor: [`ClassifierHandle`] takes a permit from a
//! semaphore of [`MAX_PENDING_REQUESTS`] before sending and answers
//! [`ClassifierError::Busy`] at once when none is left.

use std::sync::Arc;

use ractor::rpc::CallResult;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SpawnErr};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::classify::classify;
use crate::intent::Intent;

/// Requests that may wait in the actor's mailbox at once. Each costs a few
/// microseconds, so 1024 is under 10 ms of work: a caller past it is told
/// "busy" instead of queueing without limit.
pub const MAX_PENDING_REQUESTS: usize = 1024;

/// Most requests in one batch message; a bigger batch is refused whole (the
/// CLI's `--batch` streams line by line and never sends one).
pub const MAX_BATCH_REQUESTS: usize = 4096;

/// The one message enum of the classifier actor.
#[derive(Debug)]
pub enum ClassifierMsg {
    /// Classify one request.
    Classify {
        /// The request, as the human wrote it.
        text: String,
        /// Where the intent goes.
        reply: RpcReplyPort<Intent>,
    },
    /// Classify several requests, answered in order.
    ClassifyBatch {
        /// The requests.
        texts: Vec<String>,
        /// Where the intents go, one per request, in order.
        reply: RpcReplyPort<Vec<Intent>>,
    },
}

/// Why a request through [`ClassifierHandle`] got no intent.
#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    /// [`MAX_PENDING_REQUESTS`] are already waiting.
    #[error("the classifier is busy ({MAX_PENDING_REQUESTS} requests pending); retry shortly")]
    Busy,
    /// The batch holds more than [`MAX_BATCH_REQUESTS`] requests.
    #[error("a batch holds at most {MAX_BATCH_REQUESTS} requests, got {0}")]
    BatchTooLarge(usize),
    /// The actor has stopped.
    #[error("the classifier actor has stopped")]
    Stopped,
    /// The actor could not be started.
    #[error("could not start the classifier actor")]
    Spawn(#[source] SpawnErr),
}

/// The stateless classifier actor.
#[derive(Debug, Default)]
pub struct ClassifierActor;

impl Actor for ClassifierActor {
    type Msg = ClassifierMsg;
    type State = ();
    type Arguments = ();

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        _args: (),
    ) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        _state: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        match message {
            ClassifierMsg::Classify { text, reply } => {
                let span = tracing::debug_span!("classify", bytes = text.len());
                let intent = span.in_scope(|| classify(&text));
                tracing::debug!(parent: &span, path = intent.path(), "classified");
                // The caller may have given up waiting; nothing to do then.
                let _ = reply.send(intent);
            }
            ClassifierMsg::ClassifyBatch { texts, reply } => {
                let span = tracing::debug_span!("classify_batch", requests = texts.len());
                let intents = span.in_scope(|| texts.iter().map(|text| classify(text)).collect());
                let _ = reply.send(intents);
            }
        }
        Ok(())
    }
}

/// A bounded front to the classifier actor: clone it freely.
#[derive(Debug, Clone)]
pub struct ClassifierHandle {
    /// The actor the requests go to.
    actor: ActorRef<ClassifierMsg>,
    /// One permit per request in flight; the bound ractor's mailbox lacks.
    permits: Arc<Semaphore>,
}

impl ClassifierHandle {
    /// Spawns the actor (unnamed) and returns its handle and join handle.
    pub async fn spawn() -> Result<(ClassifierHandle, JoinHandle<()>), ClassifierError> {
        let (actor, join) = Actor::spawn(None, ClassifierActor, ())
            .await
            .map_err(ClassifierError::Spawn)?;
        Ok((ClassifierHandle::new(actor), join))
    }

    /// Wraps an actor already spawned (e.g. linked under a supervisor).
    pub fn new(actor: ActorRef<ClassifierMsg>) -> ClassifierHandle {
        ClassifierHandle {
            actor,
            permits: Arc::new(Semaphore::new(MAX_PENDING_REQUESTS)),
        }
    }

    /// The actor behind this handle.
    pub fn actor(&self) -> &ActorRef<ClassifierMsg> {
        &self.actor
    }

    /// Classifies one request through the actor.
    pub async fn classify(&self, text: String) -> Result<Intent, ClassifierError> {
        let _permit = self
            .permits
            .clone()
            .try_acquire_owned()
            .map_err(|_| ClassifierError::Busy)?;
        match self
            .actor
            .call(|reply| ClassifierMsg::Classify { text, reply }, None)
            .await
        {
            Ok(CallResult::Success(intent)) => Ok(intent),
            _ => Err(ClassifierError::Stopped),
        }
    }

    /// Classifies several requests through the actor, answered in order.
    pub async fn classify_batch(&self, texts: Vec<String>) -> Result<Vec<Intent>, ClassifierError> {
        if texts.len() > MAX_BATCH_REQUESTS {
            return Err(ClassifierError::BatchTooLarge(texts.len()));
        }
        let _permit = self
            .permits
            .clone()
            .try_acquire_owned()
            .map_err(|_| ClassifierError::Busy)?;
        match self
            .actor
            .call(|reply| ClassifierMsg::ClassifyBatch { texts, reply }, None)
            .await
        {
            Ok(CallResult::Success(intents)) => Ok(intents),
            _ => Err(ClassifierError::Stopped),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intent::Tool;

    #[tokio::test]
    async fn answers_through_the_actor_in_order() {
        let (handle, join) = ClassifierHandle::spawn().await.expect("the actor starts");
        let one = handle
            .classify("list pods in staging".to_owned())
            .await
            .expect("an answer");
        assert_eq!(one.tool(), Some(Tool::PodsListInNamespace));
        let batch = handle
            .classify_batch(vec![
                "list namespaces".to_owned(),
                String::new(),
                "delete pod web-1".to_owned(),
            ])
            .await
            .expect("answers");
        let paths: Vec<&str> = batch.iter().map(Intent::path).collect();
        assert_eq!(paths, ["read_only", "clarify", "mutation"]);
        handle.actor().stop(None);
        join.await.expect("the actor stops cleanly");
        assert!(matches!(
            handle.classify("list pods".to_owned()).await,
            Err(ClassifierError::Stopped)
        ));
    }

    #[tokio::test]
    async fn refuses_an_oversized_batch() {
        let (handle, join) = ClassifierHandle::spawn().await.expect("the actor starts");
        let texts = vec![String::new(); MAX_BATCH_REQUESTS + 1];
        assert!(matches!(
            handle.classify_batch(texts).await,
            Err(ClassifierError::BatchTooLarge(_))
        ));
        handle.actor().stop(None);
        join.await.expect("the actor stops cleanly");
    }
}
