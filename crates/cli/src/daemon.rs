//! `kubeop serve`: the actors under the supervisor, the socket in front of them,
//! and the mapping from socket methods to actor calls.
//!
//! Start with [`Daemon::start`]; [`Daemon::serve_until`] runs the socket until
//! a shutdown signal and then stops everything in order (stop accepting, let
//! in-flight requests finish, stop the actors last-started first so the
//! journal and the pending approvals are flushed).
//!
//! The same started actors also serve callers in this process, with no
//! socket: [`Daemon::call`] goes through the very method table the socket
//! serves ([`DaemonService`]'s `dispatch`), so a one-shot `kubeop ask` or an
//! embedded session behaves and answers exactly as the daemon does, and
//! [`Daemon::handoffs`] hands a supervisor agent its bounded channel
//! ([`crate::handoff`]). [`Daemon::shutdown`] stops the actors in order.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use std::time::Duration;

use hitl::grant::{GrantKey, GrantVerifier};
use hitl::{Hitl, HitlConfig, HitlError};
use mcp_gateway::{ApiRate, Gateway, GatewayConfig, GatewayError, ServerCommand};
use memory::{Memory, MemoryConfig, Query};
use ractor::{Actor, ActorCell, ActorRef, call_t};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use workflow::{
    ApproveRequest, Coordinator, DenyRequest, Dependencies, ProgressSink, Request, SessionId,
    SupervisorHandoff, WorkflowConfig, WorkflowError,
};

use crate::config::Config;
use crate::handoff::HandoffHandle;
use crate::rpc::{self, Call, RpcError, code, method};
use crate::server::{self, BindError, CallContext, Dispatch, Limits};
use crate::supervisor::{ChildSet, ChildStatus, Supervisor, SupervisorMsg};

/// How long a status or shutdown call may wait for the supervisor, which is
/// busy only while it restarts a child.
const SUPERVISOR_CALL_TIMEOUT_MS: u64 = 30_000;

/// How long stopping waits for the operations log to write its Markdown
/// view and close (a file write; only a stuck disk reaches this).
const MEMORY_STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Mode of a state directory kubeop creates: plans and the journal are private.
const STATE_DIR_MODE: u32 = 0o700;

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The state directory could not be created.
    #[error("cannot create the state directory {path}: {source}")]
    StateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// No randomness for the approval key.
    #[error(transparent)]
    Key(#[from] hitl::grant::KeyGenerationError),
    /// Another kubeop writes to this state directory (see `memory::lock`).
    #[error(transparent)]
    StateDirInUse(memory::MemoryError),
    /// An actor did not start.
    #[error("the daemon's actors did not start: {0}")]
    Actors(String),
    /// The socket could not be bound.
    #[error(transparent)]
    Bind(#[from] BindError),
}

/// The running actors' handles, replaced by the supervisor on a restart.
#[derive(Debug, Default)]
pub struct Services {
    /// The operations log.
    memory: Option<Memory>,
    /// The only way to the cluster.
    gateway: Option<Gateway>,
    /// Approvals.
    hitl: Option<Hitl>,
    /// The workflow over all of the above.
    coordinator: Option<Coordinator>,
}

/// Most operations `log` returns when the client names no limit.
const DEFAULT_LOG_LIMIT: usize = 20;

/// Shared between the supervisor (which writes on restart) and the socket's
/// handlers (which read a handle per request).
type SharedServices = Arc<RwLock<Services>>;

/// The daemon's children, in dependency order.
struct DaemonChildren {
    /// Where handles are published.
    services: SharedServices,
    /// Settings the children start with.
    config: Config,
    /// Signs approval grants; the same key across restarts of a child, so a
    /// grant issued before a restart still verifies after it.
    key: GrantKey,
}

/// The child names, in start order: each may hold handles to the ones before.
const CHILDREN: [&str; 4] = ["memory", "gateway", "hitl", "coordinator"];

impl ChildSet for DaemonChildren {
    fn names(&self) -> Vec<&'static str> {
        CHILDREN.to_vec()
    }

    async fn start(&mut self, index: usize) -> Result<ActorCell, String> {
        match CHILDREN[index] {
            "memory" => {
                let (memory, _join) =
                    Memory::spawn(MemoryConfig::new(&self.config.daemon.state_dir))
                        .await
                        .map_err(|error| error.to_string())?;
                let cell = memory.actor().get_cell();
                write(&self.services).memory = Some(memory);
                Ok(cell)
            }
            "gateway" => {
                let gateway = Gateway::start(
                    gateway_config(&self.config),
                    GrantVerifier::new(self.key.clone()),
                )
                .await
                .map_err(|error| error.to_string())?;
                let cell = gateway.actor_cell();
                write(&self.services).gateway = Some(gateway);
                Ok(cell)
            }
            "hitl" => {
                let (hitl, _join) = Hitl::start(HitlConfig {
                    state_dir: self.config.daemon.state_dir.clone(),
                    policy: self.config.approval.clone(),
                    key: self.key.clone(),
                })
                .await
                .map_err(|error| error.to_string())?;
                let cell = hitl.actor_cell();
                write(&self.services).hitl = Some(hitl);
                Ok(cell)
            }
            "coordinator" => {
                let dependencies = {
                    let services = read(&self.services);
                    Dependencies {
                        gateway: services.gateway.clone().ok_or("no gateway")?,
                        hitl: services.hitl.clone().ok_or("no approvals")?,
                        memory: services.memory.clone().ok_or("no memory")?,
                    }
                };
                let config = WorkflowConfig {
                    default_context: self.config.daemon.context.clone(),
                    ..WorkflowConfig::default()
                };
                let (coordinator, _join) = Coordinator::start(dependencies, config)
                    .await
                    .map_err(|error| error.to_string())?;
                let cell = coordinator.actor_cell();
                write(&self.services).coordinator = Some(coordinator);
                Ok(cell)
            }
            other => Err(format!("unknown child {other}")),
        }
    }

    async fn stop(&mut self, index: usize) {
        match CHILDREN[index] {
            "memory" => {
                let memory = write(&self.services).memory.take();
                if let Some(memory) = memory {
                    // The journal is fsynced per record; stopping closes it
                    // and writes the Markdown view one last time, which must
                    // finish before a one-shot process exits.
                    if let Err(error) = memory
                        .actor()
                        .stop_and_wait(None, Some(MEMORY_STOP_TIMEOUT))
                        .await
                    {
                        tracing::warn!(%error, "the operations log did not close in time");
                    }
                }
            }
            "gateway" => {
                let gateway = write(&self.services).gateway.take();
                if let Some(gateway) = gateway
                    && let Err(error) = gateway.shutdown().await
                {
                    tracing::warn!(%error, "the gateway did not shut down cleanly");
                }
            }
            "coordinator" => {
                let coordinator = write(&self.services).coordinator.take();
                if let Some(coordinator) = coordinator {
                    coordinator.stop();
                }
            }
            _ => {
                let hitl = write(&self.services).hitl.take();
                if let Some(hitl) = hitl {
                    hitl.stop();
                }
            }
        }
    }
}

/// The gateway's settings from kubeop's configuration.
fn gateway_config(config: &Config) -> GatewayConfig {
    let server = config
        .gateway
        .server_binary
        .clone()
        .map(ServerCommand::binary)
        .unwrap_or_else(ServerCommand::pinned);
    let mut gateway = GatewayConfig::with_server(server);
    gateway.kubeconfig = config.daemon.kubeconfig.clone();
    gateway.read_only = config.gateway.read_only;
    gateway.limits.max_in_flight = config.gateway.max_in_flight;
    gateway.limits.max_queued = config.gateway.queue_depth;
    gateway.deadlines.default_call = Duration::from_secs(config.gateway.call_timeout_seconds);
    gateway.api_rate = Some(ApiRate {
        qps: config.gateway.api_qps,
        burst: config.gateway.api_burst,
    });
    if let Some(provider) = &config.gateway.cluster_provider {
        gateway
            .extra_args
            .extend(["--cluster-provider".into(), provider.into()]);
    }
    gateway
}

/// The handles are plain values; a panic while one was being replaced
/// cannot leave them half-written, so a poisoned lock is still usable.
fn write(services: &SharedServices) -> std::sync::RwLockWriteGuard<'_, Services> {
    services
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn read(services: &SharedServices) -> std::sync::RwLockReadGuard<'_, Services> {
    services
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A started daemon: actors running, socket not yet served.
#[derive(Debug)]
pub struct Daemon {
    /// The supervisor of every actor.
    supervisor: ActorRef<SupervisorMsg>,
    /// What the socket handlers call.
    service: Arc<DaemonService>,
    /// The effective configuration.
    config: Config,
    /// The supervisor hand-off channel into the method table.
    handoffs: HandoffHandle,
    /// Stops the hand-off worker when the actors stop.
    handoffs_stopped: CancellationToken,
}

/// Numbers the calls made inside this process, for their request ids (the
/// socket numbers its own per connection).
static IN_PROCESS_CALLS: AtomicU64 = AtomicU64::new(1);

/// Who an in-process call comes from: this process and its user, under a
/// request id of its own (`PREFIX-N`), as the socket would report a peer.
pub(crate) fn in_process_context(prefix: &str) -> CallContext {
    let sequence = IN_PROCESS_CALLS.fetch_add(1, Ordering::Relaxed);
    CallContext {
        request_id: format!("{prefix}-{sequence}"),
        peer_uid: crate::config::current_uid(),
        peer_pid: i32::try_from(std::process::id()).ok(),
        progress: None,
    }
}

impl Daemon {
    /// Creates the state directory and starts the actors under the supervisor.
    pub async fn start(config: Config) -> Result<Self, DaemonError> {
        create_private_dir(&config.daemon.state_dir)?;
        // The journal takes the state directory's lock when the memory actor
        // opens it; probing first turns "another kubeop holds it" into this
        // one clear error instead of an actor start-up failure.
        memory::StateDirLock::acquire(&config.daemon.state_dir)
            .map_err(DaemonError::StateDirInUse)?;
        let services = SharedServices::default();
        let children = DaemonChildren {
            services: services.clone(),
            config: config.clone(),
            key: GrantKey::generate()?,
        };
        let (supervisor, _join) = Actor::spawn(None, Supervisor::default(), children)
            .await
            .map_err(|error| {
                // Two starts racing past the probe are kept apart by the
                // journal's own lock: the loser's memory actor fails. Say
                // so as clearly as the probe would have.
                match memory::StateDirLock::acquire(&config.daemon.state_dir) {
                    Err(in_use @ memory::MemoryError::StateDirInUse { .. }) => {
                        DaemonError::StateDirInUse(in_use)
                    }
                    _ => DaemonError::Actors(error.to_string()),
                }
            })?;
        let service = Arc::new(DaemonService {
            services,
            supervisor: supervisor.clone(),
            config: config.clone(),
        });
        let handoffs_stopped = CancellationToken::new();
        let handoffs = crate::handoff::serve(service.clone(), handoffs_stopped.clone());
        Ok(Self {
            supervisor,
            service,
            config,
            handoffs,
            handoffs_stopped,
        })
    }

    /// Answers one call from this process through the method table the
    /// socket serves: same parameters, same JSON answer, same errors.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        self.call_with_progress(method, params, |_| {}).await
    }

    /// [`Daemon::call`], passing each progress line the method reports
    /// (when the parameters ask for progress) to `on_progress`, as the
    /// socket would send them as notifications before the answer.
    pub async fn call_with_progress(
        &self,
        method: &str,
        params: Value,
        mut on_progress: impl FnMut(&str),
    ) -> Result<Value, RpcError> {
        let (progress, mut lines) = mpsc::channel(server::MAX_QUEUED_NOTIFICATIONS);
        let mut context = in_process_context("local");
        context.progress = Some(progress);
        let span =
            tracing::info_span!("request", request_id = %context.request_id, method = %method);
        let id = IN_PROCESS_CALLS.fetch_add(1, Ordering::Relaxed);
        let dispatch = self
            .service
            .dispatch(Call::new(id, method, params), context)
            .instrument(span);
        tokio::pin!(dispatch);
        let outcome = loop {
            tokio::select! {
                outcome = &mut dispatch => break outcome,
                Some(line) = lines.recv() => on_progress(&line),
            }
        };
        while let Ok(line) = lines.try_recv() {
            on_progress(&line);
        }
        rpc::answer_value(&outcome?)
    }

    /// The channel a supervisor agent in this process sends hand-offs on
    /// (cheap to clone; bounded, "busy" when full).
    pub fn handoffs(&self) -> HandoffHandle {
        self.handoffs.clone()
    }

    /// The effective configuration the actors run with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Stops the actors in order (the journal and pending approvals are
    /// flushed); hand-offs queued or sent afterwards get
    /// [`crate::handoff::HandoffError::Stopped`].
    pub async fn shutdown(self) {
        self.stop_actors().await;
    }

    /// Serves the socket until `shutdown` is cancelled, then stops in order.
    pub async fn serve_until(self, shutdown: CancellationToken) -> Result<(), DaemonError> {
        let socket = self.config.daemon.socket.clone();
        let listener = match server::bind(&socket).await {
            Ok(listener) => listener,
            Err(error) => {
                self.stop_actors().await;
                return Err(error.into());
            }
        };
        tracing::info!(socket = %socket.display(), "listening");
        let limits = Limits {
            max_connections: self.config.daemon.max_connections,
            max_request_bytes: self.config.daemon.max_request_bytes,
        };
        server::serve(listener, self.service.clone(), limits, shutdown).await;
        tracing::info!("no longer accepting; stopping the actors");
        self.stop_actors().await;
        if let Err(error) = std::fs::remove_file(&socket) {
            tracing::debug!(%error, "socket already gone");
        }
        Ok(())
    }

    async fn stop_actors(&self) {
        self.handoffs_stopped.cancel();
        if let Err(error) = call_t!(
            self.supervisor,
            SupervisorMsg::StopChildren,
            SUPERVISOR_CALL_TIMEOUT_MS
        ) {
            tracing::warn!(%error, "the supervisor did not confirm the shutdown");
        }
        self.supervisor.stop(None);
    }
}

fn create_private_dir(path: &Path) -> Result<(), DaemonError> {
    use std::os::unix::fs::DirBuilderExt;
    if path.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(STATE_DIR_MODE)
        .create(path)
        .map_err(|source| DaemonError::StateDir {
            path: path.to_owned(),
            source,
        })
}

/// Maps socket methods to the actors.
#[derive(Debug)]
pub struct DaemonService {
    /// The live handles.
    services: SharedServices,
    /// For the actors' states in `status`.
    supervisor: ActorRef<SupervisorMsg>,
    /// For `status`.
    config: Config,
}

/// `ask` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AskParams {
    /// The request in words.
    text: String,
    /// `-n`.
    #[serde(default)]
    namespace: Option<String>,
    /// `--context`.
    #[serde(default)]
    context: Option<String>,
    /// The conversation; `kubeop ask` sends its terminal's, and a client
    /// that sends none gets one per user.
    #[serde(default)]
    session: Option<String>,
    /// The client's user name.
    #[serde(default)]
    requester: Option<String>,
}

/// `approve` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveParams {
    /// The plan.
    plan_id: String,
    /// The hash the approver saw.
    plan_hash: String,
    /// The name retyped, where policy asks for it.
    #[serde(default)]
    retyped_name: Option<String>,
    /// The client's user name.
    #[serde(default)]
    approver: Option<String>,
    /// Send what verification waits on as progress notifications before
    /// the result (for a client showing a spinner); off by default so a
    /// plain JSON-RPC client gets exactly one line per request.
    #[serde(default)]
    progress: bool,
}

/// `handoff` parameters: the supervisor's hand-off itself, and whether the
/// caller wants progress.
#[derive(Debug, Deserialize)]
struct HandoffParams {
    /// The hand-off, its fields at the top level of the parameters.
    #[serde(flatten)]
    handoff: SupervisorHandoff,
    /// Send what the verification of a PLAN-LOCKED change waits on as
    /// progress notifications before the result, as `approve` does.
    #[serde(default)]
    progress: bool,
}

/// `log` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogParams {
    /// At most this many operations, newest first.
    #[serde(default)]
    limit: Option<usize>,
}

/// `deny` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DenyParams {
    /// The plan.
    plan_id: String,
    /// Why.
    #[serde(default)]
    reason: Option<String>,
    /// The client's user name, for the record.
    #[serde(default)]
    approver: Option<String>,
}

impl Dispatch for DaemonService {
    async fn dispatch(&self, call: Call, context: CallContext) -> Result<Box<RawValue>, RpcError> {
        match call.method.as_str() {
            method::STATUS => rpc::answer(&self.status().await?),
            method::TOOLS => rpc::answer(&self.tools().await?),
            method::ASK => {
                let params: AskParams = rpc::params(call.params)?;
                let mut text = params.text;
                if let Some(namespace) = params.namespace {
                    text.push_str(&format!(" -n {namespace}"));
                }
                if let Some(context) = params.context {
                    text.push_str(&format!(" --context {context}"));
                }
                let session = SessionId::new(
                    params
                        .session
                        .unwrap_or_else(|| format!("uid-{}", context.peer_uid)),
                );
                let response = self
                    .coordinator()?
                    .ask(
                        session,
                        &approver(params.requester, &context),
                        Request::Text { text },
                    )
                    .await
                    .map_err(workflow_error)?;
                rpc::answer(&response)
            }
            method::HANDOFF => {
                let params: HandoffParams = rpc::params(call.params)?;
                let session = SessionId::new(format!("handoff-{}", context.request_id));
                let requester = approver(None, &context);
                let response = self
                    .coordinator()?
                    .ask_with_progress(
                        session,
                        &requester,
                        Request::Handoff(Box::new(params.handoff)),
                        progress_sink(params.progress, context.progress),
                    )
                    .await
                    .map_err(workflow_error)?;
                rpc::answer(&response)
            }
            method::APPROVE => {
                let params: ApproveParams = rpc::params(call.params)?;
                let plan_hash =
                    params
                        .plan_hash
                        .parse()
                        .map_err(|error: hitl::grant::InvalidPlanHash| {
                            RpcError::new(code::INVALID_PARAMS, error.to_string())
                        })?;
                let result = self
                    .coordinator()?
                    .approve(
                        ApproveRequest {
                            plan_id: params.plan_id,
                            plan_hash,
                            approver: approver(params.approver, &context),
                            retyped_name: params.retyped_name,
                        },
                        progress_sink(params.progress, context.progress),
                    )
                    .await
                    .map_err(workflow_error)?;
                rpc::answer(&workflow::Response::Result(result))
            }
            method::LOG => {
                let params: LogParams = rpc::params(call.params)?;
                let memory = read(&self.services)
                    .memory
                    .clone()
                    .ok_or_else(|| unavailable("the operations log"))?;
                let answer = memory
                    .query(Query::Recent {
                        limit: params.limit.unwrap_or(DEFAULT_LOG_LIMIT),
                    })
                    .await
                    .map_err(|error| RpcError::new(code::UNAVAILABLE, error.to_string()))?;
                rpc::answer(&json!({"kind": "log", "answer": answer}))
            }
            method::PENDING => {
                let hitl = self.hitl()?;
                let plans = hitl.pending().await.map_err(hitl_error)?;
                rpc::answer(&json!({"kind": "pending", "plans": plans}))
            }
            method::DENY => {
                // Through the workflow, not the approvals actor alone: the
                // denial is a step of the change and goes into the
                // operations log.
                let params: DenyParams = rpc::params(call.params)?;
                let approver = approver(params.approver, &context);
                let reason = params
                    .reason
                    .unwrap_or_else(|| "denied without a reason".to_owned());
                self.coordinator()?
                    .deny(DenyRequest {
                        plan_id: params.plan_id.clone(),
                        approver: approver.clone(),
                        reason: reason.clone(),
                    })
                    .await
                    .map_err(|error| match error {
                        WorkflowError::Approval(refused) => hitl_error(refused),
                        other => workflow_error(other),
                    })?;
                rpc::answer(&json!({
                    "kind": "denied",
                    "plan_id": params.plan_id,
                    "approver": approver,
                    "reason": reason,
                }))
            }
            other => Err(RpcError::new(
                code::METHOD_NOT_FOUND,
                format!("no method {other:?}"),
            )),
        }
    }
}

/// Where a change's verification progress goes: to the caller when it asked
/// for progress and has a channel for it, nowhere otherwise.
fn progress_sink(wanted: bool, channel: Option<mpsc::Sender<String>>) -> ProgressSink {
    match (wanted, channel) {
        (true, Some(progress)) => ProgressSink::to(progress),
        _ => ProgressSink::default(),
    }
}

/// The approver as recorded: the name the client gave and the uid the kernel
/// vouches for.
fn approver(name: Option<String>, context: &CallContext) -> String {
    match name {
        Some(name) => format!("{name} (uid {})", context.peer_uid),
        None => format!("uid {}", context.peer_uid),
    }
}

impl DaemonService {
    fn hitl(&self) -> Result<Hitl, RpcError> {
        read(&self.services)
            .hitl
            .clone()
            .ok_or_else(|| unavailable("approvals"))
    }

    fn coordinator(&self) -> Result<Coordinator, RpcError> {
        read(&self.services)
            .coordinator
            .clone()
            .ok_or_else(|| unavailable("the workflow coordinator"))
    }

    fn gateway(&self) -> Result<Gateway, RpcError> {
        read(&self.services)
            .gateway
            .clone()
            .ok_or_else(|| unavailable("the MCP gateway"))
    }

    async fn tools(&self) -> Result<Value, RpcError> {
        let catalog = self.gateway()?.catalog().await.map_err(gateway_error)?;
        let tools: Vec<Value> = catalog
            .tools
            .values()
            .map(|tool| {
                json!({
                    "name": tool.name,
                    "title": tool.title,
                    "read_only": tool.read_only,
                    "destructive": tool.destructive,
                    "description": tool.description,
                })
            })
            .collect();
        let prompts: Vec<&String> = catalog.prompts.keys().collect();
        Ok(json!({"kind": "tools", "tools": tools, "prompts": prompts}))
    }

    async fn status(&self) -> Result<Value, RpcError> {
        let actors: Vec<ChildStatus> = call_t!(
            self.supervisor,
            SupervisorMsg::Status,
            SUPERVISOR_CALL_TIMEOUT_MS
        )
        .map_err(|error| RpcError::new(code::INTERNAL_ERROR, error.to_string()))?;
        let gateway = match self.gateway() {
            Ok(gateway) => match gateway.status().await {
                Ok(status) => json!(status),
                Err(error) => json!({"error": error.to_string()}),
            },
            Err(error) => json!({"error": error.message}),
        };
        Ok(json!({
            "kind": "status",
            "pid": std::process::id(),
            "version": env!("CARGO_PKG_VERSION"),
            "socket": self.config.daemon.socket,
            "state_dir": self.config.daemon.state_dir,
            "context": self.config.daemon.context,
            "actors": actors,
            "gateway": gateway,
            // What the running server reported in its initialize handshake
            // (null while none runs), beside the version kubeop pins.
            "mcp_server": {
                "name": gateway.pointer("/server/name"),
                "version": gateway.pointer("/server/version"),
                "pinned_version": mcp_gateway::server_binary::PINNED_VERSION,
                "pid": gateway.get("pid"),
                "phase": gateway.get("phase"),
            },
        }))
    }
}

fn unavailable(what: &str) -> RpcError {
    RpcError::new(
        code::UNAVAILABLE,
        format!("{what} not running (restarting or shutting down); try again"),
    )
}

fn workflow_error(error: WorkflowError) -> RpcError {
    let message = error.to_string();
    match error {
        WorkflowError::Busy { .. } => RpcError::new(code::BUSY, message),
        WorkflowError::Unavailable(_) => RpcError::new(code::UNAVAILABLE, message),
        WorkflowError::Policy(_) | WorkflowError::Approval(_) => {
            RpcError::new(code::REFUSED, message.clone()).with_data(json!({"reason": message}))
        }
        _ => RpcError::new(code::INTERNAL_ERROR, message),
    }
}

fn gateway_error(error: GatewayError) -> RpcError {
    let message = error.to_string();
    match error {
        GatewayError::Busy { .. } => RpcError::new(code::BUSY, message),
        _ => RpcError::new(code::UNAVAILABLE, message),
    }
}

fn hitl_error(error: HitlError) -> RpcError {
    match error {
        HitlError::Busy { .. } => RpcError::new(code::BUSY, error.to_string()),
        HitlError::Unavailable(_) => RpcError::new(code::UNAVAILABLE, error.to_string()),
        HitlError::Store(_) => RpcError::new(code::INTERNAL_ERROR, error.to_string()),
        refused => RpcError::new(code::REFUSED, refused.to_string())
            .with_data(json!({"reason": refused.to_string()})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_api_rate_comes_from_configuration() {
        let mut config = Config::default();
        config.gateway.api_qps = 200;
        config.gateway.api_burst = 400;
        let env = gateway_config(&config).server_env();
        assert!(
            env.contains(&("KUBE_CLIENT_QPS", "200".to_owned())),
            "{env:?}"
        );
        assert!(
            env.contains(&("KUBE_CLIENT_BURST", "400".to_owned())),
            "{env:?}"
        );
    }
}
