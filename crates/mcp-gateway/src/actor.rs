//! The gateway actor: owns the server process's life (spawn, initialize,
//! catalog, death, restart with backoff, shutdown) and publishes the current
//! connection for [`crate::Gateway`] handles.
//!
//! Nothing slow runs inside `handle`: starting a process (up to the start-up
//! deadline) and reloading the catalog run in spawned tasks that report back
//! with a message, so status requests and deaths are handled promptly. Only
//! `Shutdown`, the last message, waits in place.

use std::collections::VecDeque;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use rmcp::model::{
    ClientCapabilities, ClientConfig, ClientRequest, Implementation, PingRequest, ProtocolVersion,
};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use rustix::process::{Pid, Signal, kill_process};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStderr};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::catalog::Catalog;
use crate::gateway::{Connection, GatewayStatus, ServerIdentity, ServerPhase, ServerState, Shared};
use crate::lane::CallLane;
use crate::transport::LineTransport;

/// The protocol version `kubernetes-mcp-server` 0.0.67 speaks. rmcp's latest
/// (2026-07-28) is newer than the server and must not be offered.
pub const PROTOCOL_VERSION: ProtocolVersion = ProtocolVersion::V_2025_06_18;

/// Lines of the server's stderr kept to explain a failed start or a death.
pub const STDERR_TAIL_LINES: usize = 20;

/// A server that stayed up this long is considered healthy: its death
/// restarts after the initial backoff again, not after a grown one.
pub const HEALTHY_RUN: Duration = Duration::from_secs(30);

/// How long to wait for the stderr reader to catch the last lines of a
/// process that ended, before explaining its end without them.
const STDERR_DRAIN: Duration = Duration::from_millis(500);

/// The one message type of the gateway actor.
#[derive(Debug)]
pub(crate) enum GatewayMsg {
    /// Health and counters, for [`crate::Gateway::status`].
    Status(RpcReplyPort<GatewayStatus>),
    /// Graceful shutdown, for [`crate::Gateway::shutdown`]; answered when the
    /// process is gone.
    Shutdown(RpcReplyPort<()>),
    /// Start a server process (at start and after each backoff).
    Launch,
    /// A start attempt finished.
    Launched {
        /// The attempt's generation.
        generation: u64,
        /// The running server, or why it did not start.
        outcome: Result<Box<LaunchedServer>, String>,
    },
    /// The server of `generation` exited or closed its stdout.
    ConnectionLost {
        /// Which server.
        generation: u64,
        /// Exit status and stderr tail.
        reason: String,
    },
    /// The server said its tools or prompts changed.
    CatalogChanged {
        /// Which server.
        generation: u64,
    },
    /// A catalog reload finished.
    CatalogReloaded {
        /// Which server.
        generation: u64,
        /// The new catalog, or why it could not be read.
        catalog: Result<Catalog, String>,
    },
    /// A call sent to the server of `generation` timed out: ping it.
    CheckLiveness {
        /// Which server.
        generation: u64,
    },
    /// The liveness ping of `generation` finished.
    LivenessChecked {
        /// Which server.
        generation: u64,
        /// `Err` says how the ping failed.
        outcome: Result<(), String>,
    },
}

/// A started, initialized server with its catalog.
pub(crate) struct LaunchedServer {
    child: Child,
    running: RunningService<RoleClient, ServerEvents>,
    lane: Arc<CallLane>,
    catalog: Catalog,
    lost: CancellationToken,
    stderr: StderrTail,
}

impl std::fmt::Debug for LaunchedServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaunchedServer")
            .field("pid", &self.child.id())
            .finish()
    }
}

/// The last lines the server wrote to stderr, and the task reading them.
#[derive(Debug)]
struct StderrTail {
    kept: Arc<Mutex<KeptLines>>,
    reader: JoinHandle<()>,
}

/// What a failed start or a death is explained with: the last lines before
/// any usage text. A server refusing its command line (cobra's `Error:
/// unknown flag: --x`) prints the one line that says why and then dozens of
/// lines of usage; a plain tail would keep the usage and lose the reason.
#[derive(Debug, Default)]
struct KeptLines {
    lines: VecDeque<String>,
    /// The server printed its usage text (not kept) after these lines.
    usage_followed: bool,
}

impl KeptLines {
    fn push(&mut self, line: String) {
        if self.usage_followed {
            return;
        }
        if line.trim() == "Usage:" {
            self.usage_followed = true;
            return;
        }
        if self.lines.len() == STDERR_TAIL_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }

    fn explain(&self) -> String {
        let mut shown: Vec<&str> = self.lines.iter().map(String::as_str).collect();
        if self.usage_followed {
            shown.push("(then its usage text)");
        }
        if shown.is_empty() {
            String::from("no stderr output")
        } else {
            format!("stderr: {}", shown.join(" | "))
        }
    }
}

impl StderrTail {
    fn start(stderr: ChildStderr, generation: u64) -> Self {
        let kept = Arc::new(Mutex::new(KeptLines::default()));
        let writer = kept.clone();
        let reader = tokio::spawn(async move {
            let mut stderr = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = stderr.next_line().await {
                tracing::info!(target: "kubernetes_mcp_server", generation, "{line}");
                writer
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(line);
            }
        });
        Self { kept, reader }
    }

    /// The kept lines as one line, after giving the reader a moment to
    /// catch up with a process that has ended.
    async fn explain(&mut self) -> String {
        tokio::time::timeout(STDERR_DRAIN, &mut self.reader)
            .await
            .ok();
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .explain()
    }
}

/// What the server sends unprompted that the gateway acts on: list changes.
#[derive(Debug, Clone)]
pub(crate) struct ServerEvents {
    actor: ActorRef<GatewayMsg>,
    generation: u64,
}

impl ClientHandler for ServerEvents {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("kubeop", env!("CARGO_PKG_VERSION")),
        )
        .with_protocol_version(PROTOCOL_VERSION)
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.actor
            .cast(GatewayMsg::CatalogChanged {
                generation: self.generation,
            })
            .ok();
    }

    async fn on_prompt_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.actor
            .cast(GatewayMsg::CatalogChanged {
                generation: self.generation,
            })
            .ok();
    }
}

/// The process currently serving, as the actor holds it.
#[derive(Debug)]
struct LiveServer {
    connection: Arc<Connection>,
    /// Tells the keeper task to stop the process; answered with how it ended.
    stop: Option<oneshot::Sender<oneshot::Sender<String>>>,
    /// The task that owns the process and watches it end.
    keeper: JoinHandle<()>,
    started: Instant,
    /// A liveness ping is under way: further timeouts wait for its verdict
    /// instead of piling up pings.
    probing: bool,
}

/// The actor's state.
#[derive(Debug)]
pub(crate) struct GatewayState {
    shared: Arc<Shared>,
    /// Start attempts so far; the current (or last) one's number.
    generation: u64,
    live: Option<LiveServer>,
    /// Failed starts and early deaths in a row, for the backoff.
    failures_in_row: u32,
    /// A shutdown was asked for: no more launches.
    stopping: bool,
}

/// The gateway actor (see the module doc).
#[derive(Debug)]
pub(crate) struct GatewayActor;

impl Actor for GatewayActor {
    type Msg = GatewayMsg;
    type State = GatewayState;
    type Arguments = Arc<Shared>;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        shared: Arc<Shared>,
    ) -> Result<Self::State, ActorProcessingErr> {
        myself.send_message(GatewayMsg::Launch)?;
        Ok(GatewayState {
            shared,
            generation: 0,
            live: None,
            failures_in_row: 0,
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
            GatewayMsg::Status(reply) => {
                reply.send(state.status()).ok();
            }
            GatewayMsg::Launch => state.launch(&myself),
            GatewayMsg::Launched {
                generation,
                outcome,
            } => {
                state.launched(&myself, generation, outcome);
            }
            GatewayMsg::ConnectionLost { generation, reason } => {
                state.connection_lost(&myself, generation, reason);
            }
            GatewayMsg::CatalogChanged { generation } => state.reload_catalog(&myself, generation),
            GatewayMsg::CatalogReloaded {
                generation,
                catalog,
            } => {
                state.catalog_reloaded(generation, catalog);
            }
            GatewayMsg::CheckLiveness { generation } => state.check_liveness(&myself, generation),
            GatewayMsg::LivenessChecked {
                generation,
                outcome,
            } => state.liveness_checked(&myself, generation, outcome),
            GatewayMsg::Shutdown(reply) => {
                state.shutdown().await;
                reply.send(()).ok();
                myself.stop(Some("shut down".to_owned()));
            }
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        state.shared.state.send_replace(ServerState::Stopped);
        if let Some(live) = state.live.take() {
            live.connection.lost.cancel();
            // The keeper owns the child with kill-on-drop: aborting it kills
            // a server that a graceful shutdown did not already stop.
            live.keeper.abort();
        }
        Ok(())
    }
}

impl GatewayState {
    fn status(&self) -> GatewayStatus {
        let shared = &self.shared;
        let (phase, reason) = match &*shared.state.borrow() {
            ServerState::Starting => (ServerPhase::Starting, None),
            ServerState::Ready(_) => (ServerPhase::Ready, None),
            ServerState::Down { reason } => (ServerPhase::Down, Some(reason.clone())),
            ServerState::Stopped => (ServerPhase::Stopped, None),
        };
        let catalog = self.live.as_ref().map(|live| live.connection.catalog());
        let status = GatewayStatus {
            phase,
            reason,
            generation: self.generation,
            pid: self.live.as_ref().and_then(|live| live.connection.pid),
            tools: catalog.as_ref().map_or(0, |catalog| catalog.tools.len()),
            prompts: catalog.as_ref().map_or(0, |catalog| catalog.prompts.len()),
            in_flight: shared.in_flight_now(),
            queued: shared.queued_now(),
            max_in_flight: shared.config.limits.max_in_flight,
            max_queued: shared.config.limits.max_queued,
            metrics: shared.metrics.snapshot(),
            server: self
                .live
                .as_ref()
                .and_then(|live| live.connection.peer.peer_info())
                .and_then(|info| {
                    let server = info.server_info.as_ref()?;
                    Some(ServerIdentity {
                        name: server.name.clone(),
                        version: server.version.clone(),
                    })
                }),
        };
        tracing::info!(
            phase = ?status.phase,
            generation = status.generation,
            in_flight = status.in_flight,
            queued = status.queued,
            calls = status.metrics.calls,
            completed = status.metrics.completed,
            restarts = status.metrics.restarts,
            "gateway status"
        );
        status
    }

    fn launch(&mut self, myself: &ActorRef<GatewayMsg>) {
        if self.stopping || self.live.is_some() {
            return;
        }
        self.generation += 1;
        if self.generation > 1 {
            self.shared.metrics.restarted();
        }
        let generation = self.generation;
        self.shared.state.send_replace(ServerState::Starting);
        let shared = self.shared.clone();
        let actor = myself.clone();
        tokio::spawn(
            async move {
                let outcome = launch(&shared, actor.clone(), generation)
                    .await
                    .map(Box::new);
                // If the actor is gone, dropping the outcome kills the process.
                actor
                    .cast(GatewayMsg::Launched {
                        generation,
                        outcome,
                    })
                    .ok();
            }
            .instrument(tracing::info_span!("mcp_server_launch", generation)),
        );
    }

    fn launched(
        &mut self,
        myself: &ActorRef<GatewayMsg>,
        generation: u64,
        outcome: Result<Box<LaunchedServer>, String>,
    ) {
        if generation != self.generation || self.stopping {
            return;
        }
        let server = match outcome {
            Ok(server) => *server,
            Err(reason) => {
                tracing::warn!(generation, %reason, "the MCP server did not start");
                self.schedule_restart(myself, reason);
                return;
            }
        };
        let LaunchedServer {
            child,
            running,
            lane,
            catalog,
            lost,
            stderr,
        } = server;
        let pid = child.id();
        let connection = Arc::new(Connection {
            generation,
            peer: running.peer().clone(),
            lane,
            catalog: RwLock::new(Arc::new(catalog)),
            lost: lost.clone(),
            pid,
            lost_reason: OnceLock::new(),
        });
        let (stop, stop_requested) = oneshot::channel();
        let span = tracing::info_span!("mcp_server", generation, pid);
        let keeper = tokio::spawn(
            keep(
                Kept {
                    child,
                    running,
                    lost,
                    stderr,
                },
                stop_requested,
                self.shared.config.deadlines.shutdown_grace,
                myself.clone(),
                generation,
            )
            .instrument(span),
        );
        let catalog = connection.catalog();
        tracing::info!(
            generation,
            pid,
            tools = catalog.tools.len(),
            prompts = catalog.prompts.len(),
            "the MCP server is ready"
        );
        self.live = Some(LiveServer {
            connection: connection.clone(),
            stop: Some(stop),
            keeper,
            started: Instant::now(),
            probing: false,
        });
        self.shared
            .state
            .send_replace(ServerState::Ready(connection));
    }

    fn connection_lost(&mut self, myself: &ActorRef<GatewayMsg>, generation: u64, reason: String) {
        let Some(live) = self.live.as_ref() else {
            return;
        };
        if live.connection.generation != generation || self.stopping {
            return;
        }
        if live.started.elapsed() >= HEALTHY_RUN {
            self.failures_in_row = 0;
        }
        self.live = None;
        tracing::warn!(generation, %reason, "the MCP server went away");
        self.schedule_restart(
            myself,
            format!("the server process ended ({reason}); restarting"),
        );
    }

    /// Pings the server of `generation` (once at a time), bounded by the
    /// liveness deadline.
    fn check_liveness(&mut self, myself: &ActorRef<GatewayMsg>, generation: u64) {
        let Some(live) = self
            .live
            .as_mut()
            .filter(|live| live.connection.generation == generation && !live.probing)
        else {
            return;
        };
        live.probing = true;
        let peer = live.connection.peer.clone();
        let limit = self.shared.config.deadlines.liveness_ping;
        let actor = myself.clone();
        tokio::spawn(
            async move {
                let ping = peer.send_request(ClientRequest::PingRequest(PingRequest::default()));
                let outcome = match tokio::time::timeout(limit, ping).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(error)) => Err(format!("its ping failed ({error})")),
                    Err(_) => Err(format!("it did not answer a ping within {limit:?}")),
                };
                actor
                    .cast(GatewayMsg::LivenessChecked {
                        generation,
                        outcome,
                    })
                    .ok();
            }
            .instrument(tracing::info_span!("mcp_liveness_ping", generation)),
        );
    }

    /// A server that answers its ping is only slow; one that does not is
    /// hung: every caller of it is answered at once, it is stopped, and a new
    /// one is started after the backoff.
    fn liveness_checked(
        &mut self,
        myself: &ActorRef<GatewayMsg>,
        generation: u64,
        outcome: Result<(), String>,
    ) {
        let Some(live) = self
            .live
            .as_mut()
            .filter(|live| live.connection.generation == generation)
        else {
            return;
        };
        live.probing = false;
        let reason = match outcome {
            Ok(()) => {
                tracing::debug!(generation, "the MCP server answered its liveness ping");
                return;
            }
            Err(reason) => format!("the server stopped answering: {reason}"),
        };
        if self.stopping {
            return;
        }
        let Some(mut live) = self.live.take() else {
            return;
        };
        tracing::warn!(generation, %reason, "the MCP server is hung; restarting it");
        self.shared.metrics.hung();
        live.connection.lost_reason.set(reason.clone()).ok();
        // Callers first: from this instant no call is sent to this process
        // and every caller of it is answered, before anything else can see
        // the connection go (the stop below fails rmcp's pending requests).
        live.connection.lost.cancel();
        if let Some(stop) = live.stop.take() {
            let (ended, how) = oneshot::channel();
            if stop.send(ended).is_ok() {
                tokio::spawn(
                    async move {
                        if let Ok(how) = how.await {
                            tracing::info!(how, "the hung MCP server stopped");
                        }
                    }
                    .instrument(tracing::info_span!("mcp_server_stop", generation)),
                );
            }
        }
        if live.started.elapsed() >= HEALTHY_RUN {
            self.failures_in_row = 0;
        }
        self.schedule_restart(myself, format!("{reason}; restarting"));
    }

    fn schedule_restart(&mut self, myself: &ActorRef<GatewayMsg>, reason: String) {
        self.failures_in_row = self.failures_in_row.saturating_add(1);
        let backoff = self.shared.config.restart.backoff(self.failures_in_row);
        tracing::info!(
            ?backoff,
            failures_in_row = self.failures_in_row,
            "restarting the MCP server after a backoff"
        );
        self.shared.state.send_replace(ServerState::Down { reason });
        myself.send_after(backoff, || GatewayMsg::Launch);
    }

    fn reload_catalog(&self, myself: &ActorRef<GatewayMsg>, generation: u64) {
        let Some(live) = self
            .live
            .as_ref()
            .filter(|live| live.connection.generation == generation)
        else {
            return;
        };
        let peer = live.connection.peer.clone();
        let limit = self.shared.config.deadlines.startup;
        let actor = myself.clone();
        tokio::spawn(
            async move {
                let catalog = match tokio::time::timeout(limit, load_catalog(&peer)).await {
                    Ok(catalog) => catalog,
                    Err(_) => Err(format!("the catalog did not load within {limit:?}")),
                };
                actor
                    .cast(GatewayMsg::CatalogReloaded {
                        generation,
                        catalog,
                    })
                    .ok();
            }
            .instrument(tracing::info_span!("mcp_catalog_reload", generation)),
        );
    }

    fn catalog_reloaded(&self, generation: u64, catalog: Result<Catalog, String>) {
        let Some(live) = self
            .live
            .as_ref()
            .filter(|live| live.connection.generation == generation)
        else {
            return;
        };
        match catalog {
            Ok(catalog) => {
                tracing::info!(
                    generation,
                    tools = catalog.tools.len(),
                    prompts = catalog.prompts.len(),
                    "reloaded the catalog"
                );
                *live
                    .connection
                    .catalog
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(catalog);
            }
            Err(reason) => tracing::warn!(generation, %reason, "kept the old catalog"),
        }
    }

    async fn shutdown(&mut self) {
        self.stopping = true;
        self.shared.state.send_replace(ServerState::Stopped);
        let grace = self.shared.config.deadlines.shutdown_grace;
        let slots = u32::try_from(self.shared.config.limits.max_in_flight).unwrap_or(u32::MAX);
        // Every in-flight slot free means every sent call was answered.
        if tokio::time::timeout(grace, self.shared.in_flight.acquire_many(slots))
            .await
            .is_err()
        {
            tracing::warn!(
                in_flight = self.shared.in_flight_now(),
                "in-flight calls did not finish within the shutdown grace"
            );
        }
        let Some(mut live) = self.live.take() else {
            return;
        };
        if let Some(stop) = live.stop.take() {
            let (ended, how) = oneshot::channel();
            if stop.send(ended).is_ok()
                && let Ok(how) = how.await
            {
                tracing::info!(how, "the MCP server stopped");
            }
        }
        live.connection.lost.cancel();
    }
}

/// Spawns the server, initializes it and reads its catalog, all within the
/// start-up deadline. On failure the process is killed (kill-on-drop) and the
/// reason carries its stderr tail.
async fn launch(
    shared: &Shared,
    actor: ActorRef<GatewayMsg>,
    generation: u64,
) -> Result<LaunchedServer, String> {
    let config = &shared.config;
    let program = config.server.program.display().to_string();
    let mut child = config
        .server_command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        // Its own process group: Ctrl-C at a terminal (`kubeop shell`
        // cancelling one request) signals kubeop's group, and must not kill
        // the server under every other caller. The gateway stops it itself
        // (stdin closed, then killed on drop).
        .process_group(0)
        .spawn()
        .map_err(|error| format!("cannot run {program}: {error}"))?;
    let pipes = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let (Some(stdin), Some(stdout), Some(stderr)) = pipes else {
        return Err(format!("{program} was started without its stdio pipes"));
    };
    let mut stderr = StderrTail::start(stderr, generation);
    let lost = CancellationToken::new();
    let lane = CallLane::new(stdin);
    let transport = LineTransport::new(stdout, lane.clone(), lost.clone(), shared.metrics.clone());
    let events = ServerEvents { actor, generation };
    let limit = config.deadlines.startup;
    let start = async {
        let running = events
            .serve(transport)
            .await
            .map_err(|error| format!("initialize failed: {error}"))?;
        let catalog = load_catalog(running.peer()).await?;
        Ok::<_, String>((running, catalog))
    };
    match tokio::time::timeout(limit, start).await {
        Ok(Ok((running, catalog))) => Ok(LaunchedServer {
            child,
            running,
            lane,
            catalog,
            lost,
            stderr,
        }),
        Ok(Err(reason)) => {
            child.start_kill().ok();
            Err(format!("{program}: {reason}; {}", stderr.explain().await))
        }
        Err(_) => {
            child.start_kill().ok();
            Err(format!(
                "{program} did not finish start-up within {limit:?} (initialize waits for the API server's discovery); {}",
                stderr.explain().await
            ))
        }
    }
}

async fn load_catalog(peer: &rmcp::service::Peer<RoleClient>) -> Result<Catalog, String> {
    let tools = peer
        .list_all_tools()
        .await
        .map_err(|error| format!("tools/list failed: {error}"))?;
    let offers_prompts = peer
        .peer_info()
        .is_some_and(|info| info.capabilities.prompts.is_some());
    let prompts = if offers_prompts {
        peer.list_all_prompts()
            .await
            .map_err(|error| format!("prompts/list failed: {error}"))?
    } else {
        Vec::new()
    };
    Ok(Catalog::from_lists(tools, prompts))
}

/// What the keeper task owns.
struct Kept {
    child: Child,
    /// Kept alive: dropping it would cancel the connection.
    running: RunningService<RoleClient, ServerEvents>,
    lost: CancellationToken,
    stderr: StderrTail,
}

/// Owns one server process until it ends or is told to stop, and reports how
/// it ended.
async fn keep(
    kept: Kept,
    stop_requested: oneshot::Receiver<oneshot::Sender<String>>,
    grace: Duration,
    actor: ActorRef<GatewayMsg>,
    generation: u64,
) {
    let Kept {
        mut child,
        running,
        lost,
        mut stderr,
    } = kept;
    tokio::select! {
        // A requested stop goes first: the actor fails the callers (the
        // `lost` token) in the same breath as it asks for the stop.
        biased;
        Ok(ended) = stop_requested => {
            // Cancelling the service closes the server's stdin, which is the
            // server's cue to exit by itself.
            running.cancellation_token().cancel();
            let how = end(&mut child, grace).await;
            lost.cancel();
            ended.send(how).ok();
        }
        () = lost.cancelled() => {
            // Stdout closed (the process is ending or has ended), or the
            // actor gave up on a hung process: close its stdin too, the cue
            // for a live server to exit by itself.
            running.cancellation_token().cancel();
            let how = end(&mut child, grace).await;
            let reason = format!("{how}; {}", stderr.explain().await);
            actor.cast(GatewayMsg::ConnectionLost { generation, reason }).ok();
        }
        status = child.wait() => {
            lost.cancel();
            let reason = format!("{}; {}", describe(status), stderr.explain().await);
            actor.cast(GatewayMsg::ConnectionLost { generation, reason }).ok();
        }
    }
}

/// Waits `grace` for the process to exit, then SIGTERMs it and waits again,
/// then SIGKILLs it. Its stdin is closed already.
async fn end(child: &mut Child, grace: Duration) -> String {
    if let Ok(status) = tokio::time::timeout(grace, child.wait()).await {
        return describe(status);
    }
    tracing::warn!("the MCP server did not exit after its stdin closed; sending SIGTERM");
    if let Some(pid) = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .and_then(Pid::from_raw)
    {
        kill_process(pid, Signal::TERM).ok();
    }
    if let Ok(status) = tokio::time::timeout(grace, child.wait()).await {
        return format!("{} after SIGTERM", describe(status));
    }
    tracing::warn!("the MCP server ignored SIGTERM; sending SIGKILL");
    child.kill().await.ok();
    describe(child.wait().await) + " after SIGKILL"
}

fn describe(status: std::io::Result<ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(signal)) => format!("killed by signal {signal}"),
            (None, None) => format!("ended ({status})"),
        },
        Err(error) => format!("its exit status is unknown ({error})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_command_line_is_explained_by_its_error_not_its_usage() {
        let mut kept = KeptLines::default();
        kept.push("Error: unknown flag: --bogus".into());
        kept.push("Usage:".into());
        for flag in 0..40 {
            kept.push(format!("      --flag-{flag} string   help"));
        }
        assert_eq!(
            kept.explain(),
            "stderr: Error: unknown flag: --bogus | (then its usage text)"
        );
    }

    #[test]
    fn a_long_stderr_keeps_its_last_lines() {
        let mut long = KeptLines::default();
        for line in 0..STDERR_TAIL_LINES + 5 {
            long.push(format!("line {line}"));
        }
        let explained = long.explain();
        assert!(explained.starts_with("stderr: line 5 | "), "{explained}");
        assert!(
            explained.ends_with(&format!("| line {}", STDERR_TAIL_LINES + 4)),
            "{explained}"
        );
        assert_eq!(KeptLines::default().explain(), "no stderr output");
    }
}
