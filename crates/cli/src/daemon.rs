//! `kubeop serve`: the actors under the supervisor, the socket in front of them,
//! and the mapping from socket methods to actor calls.
//!
//! Start with [`Daemon::start`]; [`Daemon::serve_until`] runs the socket until
//! a shutdown signal and then stops everything in order (stop accepting, let
//! in-flight requests finish, stop the actors last-started first so the
//! journal and the pending approvals are flushed).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use hitl::grant::GrantKey;
use hitl::{DenyCommand, Hitl, HitlConfig, HitlError};
use ractor::{Actor, ActorCell, ActorRef, call_t};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::rpc::{self, Call, RpcError, code, method};
use crate::server::{self, BindError, CallContext, Dispatch, Limits};
use crate::supervisor::{ChildSet, ChildStatus, Supervisor, SupervisorMsg};

/// How long a status or shutdown call may wait for the supervisor, which is
/// busy only while it restarts a child.
const SUPERVISOR_CALL_TIMEOUT_MS: u64 = 30_000;

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
    /// Approvals.
    hitl: Option<Hitl>,
}

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

/// The child names, in start order.
const CHILDREN: [&str; 1] = ["hitl"];

impl ChildSet for DaemonChildren {
    fn names(&self) -> Vec<&'static str> {
        CHILDREN.to_vec()
    }

    async fn start(&mut self, index: usize) -> Result<ActorCell, String> {
        match CHILDREN[index] {
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
            other => Err(format!("unknown child {other}")),
        }
    }

    async fn stop(&mut self, index: usize) {
        if CHILDREN[index] == "hitl"
            && let Some(hitl) = write(&self.services).hitl.take()
        {
            hitl.stop();
        }
    }
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
}

impl Daemon {
    /// Creates the state directory and starts the actors under the supervisor.
    pub async fn start(config: Config) -> Result<Self, DaemonError> {
        create_private_dir(&config.daemon.state_dir)?;
        let services = SharedServices::default();
        let children = DaemonChildren {
            services: services.clone(),
            config: config.clone(),
            key: GrantKey::generate()?,
        };
        let (supervisor, _join) = Actor::spawn(None, Supervisor::default(), children)
            .await
            .map_err(|error| DaemonError::Actors(error.to_string()))?;
        let service = Arc::new(DaemonService {
            services,
            supervisor: supervisor.clone(),
            config: config.clone(),
        });
        Ok(Self {
            supervisor,
            service,
            config,
        })
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
    async fn dispatch(&self, call: Call, context: CallContext) -> Result<Value, RpcError> {
        match call.method.as_str() {
            method::STATUS => self.status().await,
            method::PENDING => {
                let hitl = self.hitl()?;
                let plans = hitl.pending().await.map_err(hitl_error)?;
                Ok(json!({"kind": "pending", "plans": plans}))
            }
            method::DENY => {
                let params: DenyParams = rpc::params(call.params)?;
                let hitl = self.hitl()?;
                let denial = hitl
                    .deny(DenyCommand {
                        plan_id: params.plan_id,
                        approver: approver(params.approver, &context),
                        reason: params
                            .reason
                            .unwrap_or_else(|| "denied without a reason".to_owned()),
                    })
                    .await
                    .map_err(hitl_error)?;
                Ok(json!({
                    "kind": "denied",
                    "plan_id": denial.plan.plan_id,
                    "approver": denial.approver,
                    "reason": denial.reason,
                }))
            }
            other => Err(RpcError::new(
                code::METHOD_NOT_FOUND,
                format!("no method {other:?}"),
            )),
        }
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

    async fn status(&self) -> Result<Value, RpcError> {
        let actors: Vec<ChildStatus> = call_t!(
            self.supervisor,
            SupervisorMsg::Status,
            SUPERVISOR_CALL_TIMEOUT_MS
        )
        .map_err(|error| RpcError::new(code::INTERNAL_ERROR, error.to_string()))?;
        Ok(json!({
            "kind": "status",
            "pid": std::process::id(),
            "version": env!("CARGO_PKG_VERSION"),
            "socket": self.config.daemon.socket,
            "state_dir": self.config.daemon.state_dir,
            "context": self.config.daemon.context,
            "actors": actors,
        }))
    }
}

fn unavailable(what: &str) -> RpcError {
    RpcError::new(
        code::UNAVAILABLE,
        format!("{what} not running (restarting or shutting down); try again"),
    )
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
