//! [`Gateway`]: the cheap, cloneable handle every caller uses.
//!
//! Calls do not pass through the actor's mailbox: the handle admits them
//! (bounded in-flight slots and a bounded queue in front of them), checks them
//! against the catalog and the backstop, and sends them on the current
//! connection: tool calls on its lane (`lane.rs`), prompts on its rmcp
//! peer, both pipelined over the one stdio pipe. The actor ([`crate::actor`])
//! owns the process and publishes which connection is current; a slow call
//! therefore never holds up another call, the actor, or a restart.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant, SystemTime};

use hitl::grant::{ApprovalGrant, GrantVerifier};
use ractor::{Actor, ActorRef, rpc::CallResult};
use rmcp::RoleClient;
use rmcp::model::{ContentBlock, GetPromptRequestParams};
use rmcp::service::{Peer, ServiceError};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio::sync::{Semaphore, watch};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::actor::{GatewayActor, GatewayMsg};
use crate::backstop;
use crate::catalog::Catalog;
use crate::config::GatewayConfig;
use crate::error::{ErrorKind, GatewayError, NotApprovedReason};
use crate::lane::{CallLane, LaneError};
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::redact::{may_hold_secrets, may_hold_secrets_in_json_string, redact_json, redact_text};
use crate::structured::StructuredContent;
use crate::tool_text::ToolText;

/// One tool call as a caller asks for it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// The tool's name in the server's catalog.
    pub tool: String,
    /// The arguments, exactly as the server's input schema names them.
    pub arguments: Map<String, Value>,
    /// The approval a non-read-only call needs, issued for exactly this tool
    /// and these arguments.
    pub grant: Option<ApprovalGrant>,
    /// How long the caller will wait, queueing included; the configured
    /// default when `None`.
    pub deadline: Option<Duration>,
}

impl ToolCall {
    /// A call of `tool` with `arguments`, no grant and the default deadline.
    pub fn new(tool: impl Into<String>, arguments: Map<String, Value>) -> Self {
        Self {
            tool: tool.into(),
            arguments,
            grant: None,
            deadline: None,
        }
    }

    /// The same call carrying `grant`.
    pub fn with_grant(mut self, grant: ApprovalGrant) -> Self {
        self.grant = Some(grant);
        self
    }

    /// The same call with its own deadline.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }
}

/// What a tool returned, with secret values already redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolOutput {
    /// The text content blocks, joined by newlines (YAML, a table, a log, or
    /// the error message when `is_error`).
    pub text: ToolText,
    /// The server's `structuredContent`, when it sent one.
    pub structured: Option<StructuredContent>,
    /// The tool ran and failed (e.g. `pods "nope" not found`).
    pub is_error: bool,
}

/// One message of a rendered prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromptMessageText {
    /// `user` or `assistant`.
    pub role: String,
    /// The message's text (redacted like tool results).
    pub text: String,
}

/// A prompt the server rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromptOutput {
    /// The prompt's description.
    pub description: Option<String>,
    /// Its messages, in order.
    pub messages: Vec<PromptMessageText>,
}

/// Whether there is a server to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerPhase {
    /// Spawning and initializing a server process; calls wait.
    Starting,
    /// A server is up; calls are sent.
    Ready,
    /// The last start failed or the server died; a restart is scheduled and
    /// calls fail at once with `Unavailable`.
    Down,
    /// The gateway was shut down.
    Stopped,
}

/// The gateway's health and counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GatewayStatus {
    /// Whether a server is up.
    pub phase: ServerPhase,
    /// Why it is down, when it is.
    pub reason: Option<String>,
    /// Server processes started so far (the current one's number).
    pub generation: u64,
    /// The current server process.
    pub pid: Option<u32>,
    /// Tools in the current catalog.
    pub tools: usize,
    /// Prompts in the current catalog.
    pub prompts: usize,
    /// Calls sent and not yet answered.
    pub in_flight: usize,
    /// Callers admitted and waiting for a slot or for the server to start.
    pub queued: usize,
    /// The in-flight bound.
    pub max_in_flight: usize,
    /// The queue bound.
    pub max_queued: usize,
    /// Totals since start.
    pub metrics: MetricsSnapshot,
    /// Who the current server says it is, from its `initialize` answer.
    pub server: Option<ServerIdentity>,
}

/// The `serverInfo` of a server's `initialize` answer: what actually runs,
/// which may differ from the version kubeop pins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerIdentity {
    /// e.g. `kubernetes-mcp-server`.
    pub name: String,
    /// e.g. `0.0.67`.
    pub version: String,
}

/// One running server process as callers see it.
#[derive(Debug)]
pub(crate) struct Connection {
    /// Which start of the server this is (1 for the first).
    pub(crate) generation: u64,
    /// rmcp's handle for pipelined requests on this process's stdio.
    pub(crate) peer: Peer<RoleClient>,
    /// Tool calls, written and answered beside rmcp (see [`crate::lane`]).
    pub(crate) lane: Arc<CallLane>,
    /// The tools and prompts this process offers; replaced on `list_changed`.
    pub(crate) catalog: RwLock<Arc<Catalog>>,
    /// Cancelled when the process's stdout closes or it exits: every caller
    /// of this connection stops waiting at that instant.
    pub(crate) lost: CancellationToken,
    /// The process id, for status and logs.
    pub(crate) pid: Option<u32>,
    /// Why the gateway gave up on this process, when it did so itself (a
    /// failed liveness ping) rather than seeing it exit.
    pub(crate) lost_reason: OnceLock<String>,
}

impl Connection {
    pub(crate) fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    async fn until_lost<F: Future>(
        &self,
        work: F,
        operation: &str,
    ) -> Result<F::Output, GatewayError> {
        tokio::select! {
            biased;
            output = work => Ok(output),
            () = self.lost.cancelled() => Err(self.lost_error(operation)),
        }
    }

    fn lost_error(&self, operation: &str) -> GatewayError {
        GatewayError::ConnectionLost {
            operation: operation.to_owned(),
            reason: self.lost_reason.get().map_or_else(
                || "the server process exited or closed its output".to_owned(),
                Clone::clone,
            ),
        }
    }

    /// rmcp's error for a request on this connection; when the gateway gave
    /// up on the process itself, its reason beats rmcp's "transport closed".
    fn service_error(&self, error: ServiceError, operation: &str) -> GatewayError {
        match error {
            ServiceError::TransportClosed | ServiceError::TransportSend(_)
                if self.lost_reason.get().is_some() =>
            {
                self.lost_error(operation)
            }
            error => from_service_error(error, operation),
        }
    }

    /// The lane's error for a call on this connection, named as rmcp's
    /// equivalents are.
    fn lane_error(&self, error: LaneError, operation: &str) -> GatewayError {
        match error {
            LaneError::Write(_) | LaneError::Closed if self.lost_reason.get().is_some() => {
                self.lost_error(operation)
            }
            LaneError::Write(error) => GatewayError::ConnectionLost {
                operation: operation.to_owned(),
                reason: format!("cannot write to the server: {error}"),
            },
            LaneError::Closed => self.lost_error(operation),
            LaneError::Refused(error) => GatewayError::Protocol {
                operation: operation.to_owned(),
                message: error.message.to_string(),
            },
            LaneError::Unreadable(reason) => GatewayError::Protocol {
                operation: operation.to_owned(),
                message: format!("the server's answer is not a tool result: {reason}"),
            },
        }
    }
}

/// Which server, if any, calls go to; published by the actor.
#[derive(Debug, Clone)]
pub(crate) enum ServerState {
    Starting,
    Ready(Arc<Connection>),
    Down { reason: String },
    Stopped,
}

/// What the handle and the actor share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Limits, deadlines and how to run the server.
    pub(crate) config: GatewayConfig,
    /// One permit per admitted caller (in flight + queued): `try_acquire`
    /// failing is the "busy at once" answer.
    pub(crate) admission: Arc<Semaphore>,
    /// One permit per call sent to the server.
    pub(crate) in_flight: Arc<Semaphore>,
    /// Counters for status and tracing.
    pub(crate) metrics: Arc<Metrics>,
    /// The current server, published by the actor.
    pub(crate) state: watch::Sender<ServerState>,
    /// Redeems approval grants (single use) for the backstop.
    pub(crate) grants: GrantVerifier,
}

impl Shared {
    pub(crate) fn in_flight_now(&self) -> usize {
        self.config.limits.max_in_flight - self.in_flight.available_permits()
    }

    pub(crate) fn queued_now(&self) -> usize {
        let admitted = self.admission_capacity() - self.admission.available_permits();
        admitted.saturating_sub(self.in_flight_now())
    }

    pub(crate) fn admission_capacity(&self) -> usize {
        self.config.limits.max_in_flight + self.config.limits.max_queued
    }
}

/// Stops the actor (and with it the server process) when the last handle goes.
#[derive(Debug)]
struct StopOnLastDrop(ActorRef<GatewayMsg>);

impl Drop for StopOnLastDrop {
    fn drop(&mut self) {
        self.0
            .stop(Some("every gateway handle was dropped".to_owned()));
    }
}

/// The handle to the MCP gateway: clone it freely, call it from anywhere.
#[derive(Debug, Clone)]
pub struct Gateway {
    shared: Arc<Shared>,
    actor: ActorRef<GatewayMsg>,
    _owner: Arc<StopOnLastDrop>,
}

/// Records a call's outcome once, including when the caller drops it.
struct CallRecord<'a> {
    metrics: &'a Metrics,
    started: Instant,
    finished: bool,
}

impl<'a> CallRecord<'a> {
    fn start(metrics: &'a Metrics) -> Self {
        metrics.call_started();
        Self {
            metrics,
            started: Instant::now(),
            finished: false,
        }
    }

    fn finish<T>(mut self, result: &Result<T, GatewayError>, tool_error: impl Fn(&T) -> bool) {
        self.finished = true;
        let elapsed = self.started.elapsed();
        match result {
            Ok(output) => {
                self.metrics.call_completed(elapsed, tool_error(output));
                tracing::debug!(elapsed_us = elapsed.as_micros() as u64, "answered");
            }
            Err(error) => {
                self.metrics.call_failed(error.kind());
                tracing::info!(kind = error.kind().as_str(), %error, "failed");
            }
        }
    }
}

impl Drop for CallRecord<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.metrics.call_failed(ErrorKind::Abandoned);
        }
    }
}

impl Gateway {
    /// Starts the gateway: spawns its actor, which starts the server in the
    /// background. Returns at once; calls made before the server is ready
    /// wait for it (within their deadline). `grants` redeems the approval
    /// grants of non-read-only calls; build it from the key `hitl` issues with.
    pub async fn start(config: GatewayConfig, grants: GrantVerifier) -> Result<Self, GatewayError> {
        let limits = config.limits;
        let (state, _) = watch::channel(ServerState::Starting);
        let shared = Arc::new(Shared {
            admission: Arc::new(Semaphore::new(limits.max_in_flight + limits.max_queued)),
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight)),
            metrics: Arc::new(Metrics::default()),
            state,
            grants,
            config,
        });
        let (actor, _) = Actor::spawn(None, GatewayActor, shared.clone())
            .await
            .map_err(|error| GatewayError::Unavailable {
                reason: format!("the gateway actor did not start: {error}"),
            })?;
        Ok(Self {
            shared,
            _owner: Arc::new(StopOnLastDrop(actor.clone())),
            actor,
        })
    }

    /// Calls a tool. `Ok` carries the tool's result, which may itself be a
    /// tool-level failure (`is_error`); `Err` says why the gateway gave no
    /// result. Dropping the returned future cancels the call on the server.
    pub async fn call(&self, call: ToolCall) -> Result<ToolOutput, GatewayError> {
        let span =
            tracing::info_span!("mcp_call", tool = %call.tool, generation = tracing::field::Empty);
        async {
            let record = CallRecord::start(&self.shared.metrics);
            let result = self.call_within_deadline(call).await;
            record.finish(&result, |output| output.is_error);
            result
        }
        .instrument(span)
        .await
    }

    /// Renders a prompt (e.g. `cluster-health-check`) with string arguments.
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: BTreeMap<String, String>,
    ) -> Result<PromptOutput, GatewayError> {
        let span =
            tracing::info_span!("mcp_prompt", prompt = %name, generation = tracing::field::Empty);
        async {
            let record = CallRecord::start(&self.shared.metrics);
            let result = self.prompt_within_deadline(name, arguments).await;
            record.finish(&result, |_| false);
            result
        }
        .instrument(span)
        .await
    }

    /// The current server's tools and prompts; waits (up to the default call
    /// deadline) while the server starts.
    pub async fn catalog(&self) -> Result<Arc<Catalog>, GatewayError> {
        let limit = self.shared.config.deadlines.default_call;
        match tokio::time::timeout(limit, self.connection()).await {
            Ok(connection) => Ok(connection?.catalog()),
            Err(_) => Err(GatewayError::Timeout {
                operation: "catalog".to_owned(),
                after: limit,
            }),
        }
    }

    /// Waits until a server is up, through restarts, for at most `within`;
    /// the error names the last failure.
    pub async fn wait_ready(&self, within: Duration) -> Result<(), GatewayError> {
        let mut state = self.shared.state.subscribe();
        let waiting = async {
            loop {
                if let ServerState::Ready(connection) = &*state.borrow_and_update()
                    && !connection.lost.is_cancelled()
                {
                    return Ok(());
                }
                if matches!(&*state.borrow(), ServerState::Stopped) {
                    return Err(GatewayError::ShutDown);
                }
                if state.changed().await.is_err() {
                    return Err(GatewayError::ShutDown);
                }
            }
        };
        match tokio::time::timeout(within, waiting).await {
            Ok(result) => result,
            Err(_) => Err(match &*self.shared.state.borrow() {
                ServerState::Down { reason } => GatewayError::Unavailable {
                    reason: reason.clone(),
                },
                _ => GatewayError::Unavailable {
                    reason: format!("the server was not ready within {within:?}"),
                },
            }),
        }
    }

    /// Health and counters (also logged by the actor).
    pub async fn status(&self) -> Result<GatewayStatus, GatewayError> {
        match self.actor.call(GatewayMsg::Status, None).await {
            Ok(CallResult::Success(status)) => Ok(status),
            _ => Err(GatewayError::ShutDown),
        }
    }

    /// The gateway's actor, for a supervisor to link to (ractor reports a
    /// linked actor's failure to its supervisor, which can then restart it).
    pub fn actor_cell(&self) -> ractor::ActorCell {
        self.actor.get_cell()
    }

    /// Shuts down gracefully: new calls are refused, in-flight calls get the
    /// shutdown grace to finish, then the server's stdin is closed, then it is
    /// sent SIGTERM, then SIGKILL, each after the grace period.
    pub async fn shutdown(&self) -> Result<(), GatewayError> {
        match self.actor.call(GatewayMsg::Shutdown, None).await {
            Ok(CallResult::Success(())) => Ok(()),
            _ => Err(GatewayError::ShutDown),
        }
    }

    /// Calls admitted beyond this many get `Busy`: the in-flight bound plus
    /// the queue bound.
    pub fn capacity(&self) -> usize {
        self.shared.admission_capacity()
    }

    fn admit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, GatewayError> {
        self.shared
            .admission
            .clone()
            .try_acquire_owned()
            .map_err(|_| {
                let busy = GatewayError::Busy {
                    in_flight: self.shared.in_flight_now(),
                    queued: self.shared.queued_now(),
                };
                tracing::warn!(%busy, "turned a caller away");
                busy
            })
    }

    async fn connection(&self) -> Result<Arc<Connection>, GatewayError> {
        let mut state = self.shared.state.subscribe();
        loop {
            match &*state.borrow_and_update() {
                ServerState::Ready(connection) if !connection.lost.is_cancelled() => {
                    return Ok(connection.clone());
                }
                ServerState::Ready(_) => {
                    return Err(GatewayError::Unavailable {
                        reason: "the server process exited; it is being restarted".to_owned(),
                    });
                }
                ServerState::Down { reason } => {
                    return Err(GatewayError::Unavailable {
                        reason: reason.clone(),
                    });
                }
                ServerState::Stopped => return Err(GatewayError::ShutDown),
                ServerState::Starting => {}
            }
            if state.changed().await.is_err() {
                return Err(GatewayError::ShutDown);
            }
        }
    }

    async fn call_within_deadline(&self, call: ToolCall) -> Result<ToolOutput, GatewayError> {
        let _admitted = self.admit()?;
        let limit = call
            .deadline
            .unwrap_or(self.shared.config.deadlines.default_call);
        let operation = call.tool.clone();
        let sent_to = OnceLock::new();
        match tokio::time::timeout(limit, self.send_call(call, &sent_to)).await {
            Ok(result) => result,
            Err(_) => {
                if let Some(connection) = sent_to.get() {
                    self.suspect_hung(connection);
                }
                Err(GatewayError::Timeout {
                    operation,
                    after: limit,
                })
            }
        }
    }

    /// A call sent to `connection` got no answer within its deadline: a slow
    /// tool, or a server that stopped answering altogether. The actor tells
    /// them apart with a ping (and restarts a server that does not answer).
    fn suspect_hung(&self, connection: &Connection) {
        self.actor
            .cast(GatewayMsg::CheckLiveness {
                generation: connection.generation,
            })
            .ok();
    }

    /// Sends `call`; `sent_to` is set to the connection once the request is
    /// on its way to the server (so a timeout can tell a queued call from one
    /// the server did not answer).
    async fn send_call(
        &self,
        call: ToolCall,
        sent_to: &OnceLock<Arc<Connection>>,
    ) -> Result<ToolOutput, GatewayError> {
        let connection = self.connection().await?;
        tracing::Span::current().record("generation", connection.generation);
        let catalog = connection.catalog();
        let tool = catalog
            .tool(&call.tool)
            .ok_or_else(|| GatewayError::UnknownTool {
                tool: call.tool.clone(),
            })?;
        let problems = tool.violations(&call.arguments);
        if !problems.is_empty() {
            return Err(GatewayError::InvalidArguments {
                operation: call.tool,
                problems,
            });
        }
        let grant = if backstop::requires_grant(tool, &call.arguments) {
            match &call.grant {
                Some(grant) => Some(grant),
                None => return Err(self.refuse(&call.tool, NotApprovedReason::NoGrant)),
            }
        } else {
            None
        };
        let _slot = connection
            .until_lost(self.shared.in_flight.clone().acquire_owned(), &call.tool)
            .await?
            .map_err(|_| GatewayError::ShutDown)?;
        // Redeemed only now, with a slot held and nothing left between the
        // check and the send, so that a call that timed out in the queue does
        // not burn its single-use grant.
        if let Some(grant) = grant {
            self.shared
                .grants
                .redeem(grant, &call.tool, &call.arguments, SystemTime::now())
                .map_err(|refusal| self.refuse(&call.tool, refusal.into()))?;
            tracing::info!(plan_id = %grant.plan_id, approver = %grant.approver, "approved change sent");
        }
        sent_to.set(connection.clone()).ok();
        let mut result = connection
            .until_lost(
                connection.lane.call(&call.tool, &call.arguments),
                &call.tool,
            )
            .await?
            .map_err(|error| connection.lane_error(error, &call.tool))?;
        let (text, mut hidden) = redact_tool_text(result.take_text());
        let (structured, hidden_structured) = result
            .structured_content
            .map_or((None, 0), redact_structured);
        hidden += hidden_structured;
        if hidden > 0 {
            self.shared.metrics.redacted(hidden);
            tracing::debug!(hidden, "redacted secret values from the result");
        }
        Ok(ToolOutput {
            text,
            structured,
            is_error: result.is_error.unwrap_or(false),
        })
    }

    fn refuse(&self, tool: &str, reason: NotApprovedReason) -> GatewayError {
        tracing::warn!(tool, %reason, "backstop refused a call that may change the cluster");
        GatewayError::NotApproved {
            tool: tool.to_owned(),
            reason,
        }
    }

    async fn prompt_within_deadline(
        &self,
        name: &str,
        arguments: BTreeMap<String, String>,
    ) -> Result<PromptOutput, GatewayError> {
        let _admitted = self.admit()?;
        let limit = self.shared.config.deadlines.default_call;
        let sent_to = OnceLock::new();
        match tokio::time::timeout(limit, self.send_prompt(name, arguments, &sent_to)).await {
            Ok(result) => result,
            Err(_) => {
                if let Some(connection) = sent_to.get() {
                    self.suspect_hung(connection);
                }
                Err(GatewayError::Timeout {
                    operation: name.to_owned(),
                    after: limit,
                })
            }
        }
    }

    async fn send_prompt(
        &self,
        name: &str,
        arguments: BTreeMap<String, String>,
        sent_to: &OnceLock<Arc<Connection>>,
    ) -> Result<PromptOutput, GatewayError> {
        let connection = self.connection().await?;
        tracing::Span::current().record("generation", connection.generation);
        let catalog = connection.catalog();
        let prompt = catalog
            .prompt(name)
            .ok_or_else(|| GatewayError::UnknownPrompt {
                prompt: name.to_owned(),
            })?;
        let problems = prompt.violations(&arguments);
        if !problems.is_empty() {
            return Err(GatewayError::InvalidArguments {
                operation: name.to_owned(),
                problems,
            });
        }
        let _slot = connection
            .until_lost(self.shared.in_flight.clone().acquire_owned(), name)
            .await?
            .map_err(|_| GatewayError::ShutDown)?;
        let arguments: Map<String, Value> = arguments
            .into_iter()
            .map(|(key, value)| (key, Value::String(value)))
            .collect();
        let params = GetPromptRequestParams::new(name).with_arguments(arguments);
        sent_to.set(connection.clone()).ok();
        let result = connection
            .until_lost(connection.peer.get_prompt(params), name)
            .await?
            .map_err(|error| connection.service_error(error, name))?;
        let mut hidden = 0;
        let messages = result
            .messages
            .into_iter()
            .map(|message| {
                let role = serde_json::to_value(&message.role)
                    .ok()
                    .and_then(|role| role.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let (text, redacted) =
                    redact_owned(joined_text(std::slice::from_ref(&message.content)));
                hidden += redacted;
                PromptMessageText { role, text }
            })
            .collect();
        if hidden > 0 {
            self.shared.metrics.redacted(hidden);
        }
        Ok(PromptOutput {
            description: result.description,
            messages,
        })
    }
}

fn joined_text(content: &[ContentBlock]) -> String {
    let mut text = String::new();
    for block in content.iter().filter_map(ContentBlock::as_text) {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&block.text);
    }
    text
}

/// `json` with every secret value hidden (see [`redact_json`]), and how many
/// were hidden; looked into only when it holds a word redaction keys on.
/// Content that cannot be looked into is dropped rather than passed on
/// unredacted (the text content says the same).
fn redact_structured(json: Box<RawValue>) -> (Option<StructuredContent>, usize) {
    if !may_hold_secrets(json.get()) {
        return (Some(StructuredContent::from_raw(json)), 0);
    }
    let Ok(mut value) = serde_json::from_str::<Value>(json.get()) else {
        return (None, 1);
    };
    let hidden = redact_json(&mut value);
    (Some(StructuredContent::from_value(value)), hidden)
}

/// `text` with every secret value hidden (see [`redact_text`]), and how
/// many were hidden; the server's JSON string is looked into only when it
/// holds a word redaction keys on, and kept as it came when nothing is hidden.
fn redact_tool_text(text: ToolText) -> (ToolText, usize) {
    if text
        .json()
        .is_some_and(|json| !may_hold_secrets_in_json_string(json))
    {
        return (text, 0);
    }
    match redact_text(&text) {
        (Cow::Borrowed(_), hidden) => (text, hidden),
        (Cow::Owned(redacted), hidden) => (ToolText::from(redacted), hidden),
    }
}

fn redact_owned(text: String) -> (String, usize) {
    match redact_text(&text) {
        (Cow::Borrowed(_), hidden) => (text, hidden),
        (Cow::Owned(redacted), hidden) => (redacted, hidden),
    }
}

fn from_service_error(error: ServiceError, operation: &str) -> GatewayError {
    match error {
        ServiceError::McpError(error) => GatewayError::Protocol {
            operation: operation.to_owned(),
            message: error.message.to_string(),
        },
        ServiceError::TransportClosed | ServiceError::TransportSend(_) => {
            GatewayError::ConnectionLost {
                operation: operation.to_owned(),
                reason: error.to_string(),
            }
        }
        ServiceError::Timeout { timeout } => GatewayError::Timeout {
            operation: operation.to_owned(),
            after: timeout,
        },
        other => GatewayError::Protocol {
            operation: operation.to_owned(),
            message: other.to_string(),
        },
    }
}
