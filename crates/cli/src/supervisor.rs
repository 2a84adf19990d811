//! The daemon's supervisor: starts the actors in dependency order, restarts a
//! failed one together with the actors started after it (which hold handles
//! to it), and reports what happened.
//!
//! This is Erlang's `rest_for_one` strategy: the coordinator holds handles to
//! the gateway, approvals and memory, so when one of those is replaced, the
//! ones after it must be started again over the new handle. Restarts are
//! bounded ([`MAX_RESTARTS`] within [`RESTART_WINDOW`]); past that the child
//! is left down and reported `failed`, and the daemon answers the methods that
//! need it with "unavailable" rather than restarting in a tight loop.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use serde::Serialize;
use tracing::Instrument;

/// Most restarts of one child within [`RESTART_WINDOW`] before it is left down.
pub const MAX_RESTARTS: usize = 5;

/// The window [`MAX_RESTARTS`] is counted in.
pub const RESTART_WINDOW: Duration = Duration::from_secs(60);

/// Pause before a restart, times the number of recent restarts: a child that
/// fails at once on start is not hammered.
const RESTART_BACKOFF_STEP: Duration = Duration::from_millis(100);

/// The actors a supervisor runs, in start order: each may depend on the ones
/// before it.
pub trait ChildSet: Send + Sync + 'static {
    /// The children's names, in start order.
    fn names(&self) -> Vec<&'static str>;

    /// Starts child `index` (every child before it is running) and returns its
    /// actor, which the supervisor links to itself.
    fn start(&mut self, index: usize) -> impl Future<Output = Result<ActorCell, String>> + Send;

    /// Stops child `index` and forgets its handle (its dependents are already
    /// stopped).
    fn stop(&mut self, index: usize) -> impl Future<Output = ()> + Send;
}

/// The state of one child, for `kubeop status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildStatus {
    /// The actor's name.
    pub name: &'static str,
    /// `running`, `restarting` or `failed` (left down after too many restarts).
    pub state: &'static str,
    /// Restarts since the daemon started.
    pub restarts: usize,
    /// Why it last failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_failure: Option<String>,
    /// When it last failed (milliseconds since the Unix epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_failure_at_unix_ms: Option<u64>,
}

/// The supervisor's one message enum.
#[derive(Debug)]
pub enum SupervisorMsg {
    /// Report every child's state.
    Status(RpcReplyPort<Vec<ChildStatus>>),
    /// Stop every child, last first, and do not restart them (the daemon's
    /// shutdown); answers when they are stopped.
    StopChildren(RpcReplyPort<()>),
}

/// One supervised child's bookkeeping.
#[derive(Debug)]
struct Child {
    /// Its running actor, when it runs.
    cell: Option<ActorCell>,
    /// What `kubeop status` shows.
    status: ChildStatus,
    /// When its recent restarts happened, for the restart bound.
    recent_restarts: Vec<Instant>,
}

/// The supervisor's state.
pub struct SupervisorState<C> {
    /// Starts and stops the children.
    set: C,
    /// The children, in start order.
    children: Vec<Child>,
    /// Set once shutdown began: exits are then expected, not failures.
    stopping: bool,
}

impl<C> std::fmt::Debug for SupervisorState<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupervisorState")
            .field("children", &self.children)
            .field("stopping", &self.stopping)
            .finish_non_exhaustive()
    }
}

/// The supervisor actor over a [`ChildSet`].
#[derive(Debug)]
pub struct Supervisor<C>(std::marker::PhantomData<fn() -> C>);

impl<C> Default for Supervisor<C> {
    fn default() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<C: ChildSet> Actor for Supervisor<C> {
    type Msg = SupervisorMsg;
    type State = SupervisorState<C>;
    type Arguments = C;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        mut set: C,
    ) -> Result<Self::State, ActorProcessingErr> {
        let mut children = Vec::new();
        for (index, name) in set.names().into_iter().enumerate() {
            let span = tracing::info_span!("supervisor.start", child = name);
            let cell = set
                .start(index)
                .instrument(span.clone())
                .await
                .map_err(|error| format!("starting {name} failed: {error}"))?;
            cell.link(myself.get_cell());
            span.in_scope(|| tracing::info!("started"));
            children.push(Child {
                cell: Some(cell),
                status: ChildStatus {
                    name,
                    state: "running",
                    restarts: 0,
                    last_failure: None,
                    last_failure_at_unix_ms: None,
                },
                recent_restarts: Vec::new(),
            });
        }
        Ok(SupervisorState {
            set,
            children,
            stopping: false,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            SupervisorMsg::Status(reply) => {
                let statuses = state.children.iter().map(|c| c.status.clone()).collect();
                if reply.send(statuses).is_err() {
                    tracing::debug!("status caller went away");
                }
            }
            SupervisorMsg::StopChildren(reply) => {
                state.stopping = true;
                stop_from(&myself, state, 0).await;
                if reply.send(()).is_err() {
                    tracing::debug!("shutdown caller went away");
                }
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let (cell, reason) = match event {
            SupervisionEvent::ActorFailed(cell, error) => (cell, error.to_string()),
            SupervisionEvent::ActorTerminated(cell, _, reason) => (
                cell,
                reason.unwrap_or_else(|| "stopped unexpectedly".to_owned()),
            ),
            _ => return Ok(()),
        };
        if state.stopping {
            return Ok(());
        }
        let Some(index) = state.children.iter().position(|child| {
            child
                .cell
                .as_ref()
                .is_some_and(|running| running.get_id() == cell.get_id())
        }) else {
            return Ok(());
        };
        restart(&myself, state, index, reason).await;
        Ok(())
    }
}

/// Stops children `from..` (last first), unlinking them so their exits are
/// not taken for failures.
async fn stop_from<C: ChildSet>(
    myself: &ActorRef<SupervisorMsg>,
    state: &mut SupervisorState<C>,
    from: usize,
) {
    for index in (from..state.children.len()).rev() {
        if let Some(cell) = state.children[index].cell.take() {
            cell.unlink(myself.get_cell());
        }
        state.set.stop(index).await;
    }
}

/// Restarts child `index` and every child after it, within the restart bound.
async fn restart<C: ChildSet>(
    myself: &ActorRef<SupervisorMsg>,
    state: &mut SupervisorState<C>,
    index: usize,
    reason: String,
) {
    let now = Instant::now();
    let child = &mut state.children[index];
    let name = child.status.name;
    tracing::error!(child = name, %reason, "supervised actor failed");
    child.cell = None;
    child.status.last_failure = Some(reason);
    child.status.last_failure_at_unix_ms = Some(unix_millis());
    child
        .recent_restarts
        .retain(|at| now.duration_since(*at) < RESTART_WINDOW);
    if child.recent_restarts.len() >= MAX_RESTARTS {
        tracing::error!(
            child = name,
            limit = MAX_RESTARTS,
            window_seconds = RESTART_WINDOW.as_secs(),
            "too many restarts; leaving it down"
        );
        child.status.state = "failed";
        stop_from(myself, state, index + 1).await;
        for dependent in &mut state.children[index + 1..] {
            dependent.status.state = "failed";
        }
        state.set.stop(index).await;
        return;
    }
    child.recent_restarts.push(now);
    child.status.restarts += 1;
    let backoff = RESTART_BACKOFF_STEP
        .saturating_mul(u32::try_from(child.recent_restarts.len()).unwrap_or(u32::MAX));
    for dependent in &mut state.children[index..] {
        dependent.status.state = "restarting";
    }
    stop_from(myself, state, index + 1).await;
    state.set.stop(index).await;
    tokio::time::sleep(backoff).await;
    for position in index..state.children.len() {
        let name = state.children[position].status.name;
        match state.set.start(position).await {
            Ok(cell) => {
                cell.link(myself.get_cell());
                tracing::warn!(child = name, "restarted");
                let child = &mut state.children[position];
                child.cell = Some(cell);
                child.status.state = "running";
            }
            Err(error) => {
                tracing::error!(child = name, %error, "restart failed; leaving it and its dependents down");
                for dependent in &mut state.children[position..] {
                    dependent.status.state = "failed";
                }
                state.children[position].status.last_failure = Some(error);
                return;
            }
        }
    }
}

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    use ractor::call_t;

    /// A child that fails when told to.
    struct Fragile;

    impl Actor for Fragile {
        type Msg = &'static str;
        type State = ();
        type Arguments = ();

        async fn pre_start(
            &self,
            _myself: ActorRef<Self::Msg>,
            _arguments: (),
        ) -> Result<(), ActorProcessingErr> {
            Ok(())
        }

        async fn handle(
            &self,
            _myself: ActorRef<Self::Msg>,
            message: Self::Msg,
            _state: &mut (),
        ) -> Result<(), ActorProcessingErr> {
            Err(message.into())
        }
    }

    /// Two fragile children, "base" and "dependent"; records every start.
    #[derive(Clone, Default)]
    struct Pair {
        running: Arc<Mutex<Vec<Option<ActorRef<&'static str>>>>>,
        starts: Arc<Mutex<Vec<&'static str>>>,
    }

    impl ChildSet for Pair {
        fn names(&self) -> Vec<&'static str> {
            vec!["base", "dependent"]
        }

        async fn start(&mut self, index: usize) -> Result<ActorCell, String> {
            let (actor, _join) = Actor::spawn(None, Fragile, ())
                .await
                .map_err(|error| error.to_string())?;
            let mut running = self.running.lock().expect("not poisoned");
            running.resize(2, None);
            running[index] = Some(actor.clone());
            self.starts
                .lock()
                .expect("not poisoned")
                .push(self.names()[index]);
            Ok(actor.get_cell())
        }

        async fn stop(&mut self, index: usize) {
            let actor = self.running.lock().expect("not poisoned")[index].take();
            if let Some(actor) = actor {
                actor.stop(None);
            }
        }
    }

    async fn statuses(supervisor: &ActorRef<SupervisorMsg>) -> Vec<ChildStatus> {
        call_t!(supervisor, SupervisorMsg::Status, 5_000).expect("status")
    }

    /// The statuses once child `index` has been restarted. The failure event
    /// may reach the supervisor after a status call, so ask until it shows
    /// (bounded, so a supervisor that never restarts fails the test).
    async fn after_restart_of(
        supervisor: &ActorRef<SupervisorMsg>,
        index: usize,
    ) -> Vec<ChildStatus> {
        for _ in 0..10_000 {
            let seen = statuses(supervisor).await;
            if seen[index].restarts > 0 && seen[index].state == "running" {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        panic!("child {index} was never restarted");
    }

    #[tokio::test]
    async fn a_failed_child_is_restarted_with_its_dependents_and_reported() {
        let pair = Pair::default();
        let (supervisor, _join) = Actor::spawn(None, Supervisor::<Pair>::default(), pair.clone())
            .await
            .expect("starts");
        let base = pair.running.lock().expect("not poisoned")[0]
            .clone()
            .expect("base runs");
        base.send_message("disk on fire").expect("sent");
        let seen = after_restart_of(&supervisor, 0).await;
        assert_eq!(seen[0].last_failure.as_deref(), Some("disk on fire"));
        assert_eq!(
            seen[1].restarts, 0,
            "only the failed child counts a restart"
        );
        assert_eq!(
            *pair.starts.lock().expect("not poisoned"),
            vec!["base", "dependent", "base", "dependent"],
            "the dependent was restarted over the new base"
        );
        let restarted = pair.running.lock().expect("not poisoned")[0]
            .clone()
            .expect("base runs again");
        assert_ne!(restarted.get_id(), base.get_id());
        supervisor.stop(None);
    }

    #[tokio::test]
    async fn a_failed_dependent_leaves_its_base_alone() {
        let pair = Pair::default();
        let (supervisor, _join) = Actor::spawn(None, Supervisor::<Pair>::default(), pair.clone())
            .await
            .expect("starts");
        let dependent = pair.running.lock().expect("not poisoned")[1]
            .clone()
            .expect("dependent runs");
        dependent.send_message("bad request").expect("sent");
        after_restart_of(&supervisor, 1).await;
        assert_eq!(
            *pair.starts.lock().expect("not poisoned"),
            vec!["base", "dependent", "dependent"]
        );
        supervisor.stop(None);
    }

    #[tokio::test]
    async fn stopping_children_is_not_a_failure() {
        let pair = Pair::default();
        let (supervisor, _join) = Actor::spawn(None, Supervisor::<Pair>::default(), pair.clone())
            .await
            .expect("starts");
        call_t!(supervisor, SupervisorMsg::StopChildren, 5_000).expect("stops");
        let seen = statuses(&supervisor).await;
        assert!(seen.iter().all(|child| child.restarts == 0));
        assert_eq!(pair.starts.lock().expect("not poisoned").len(), 2);
        supervisor.stop(None);
    }
}
