//! The coordinator actor: one request in, one answer out, along the path
//! the classifier chose.
//!
//! The actor itself only keeps the sessions (which context and namespace each
//! works in, and what each last talked about, for its follow-ups)
//! and hands every request to a task of its own, so a slow verification
//! never holds up another session's read. At most
//! [`MAX_CONCURRENT_REQUESTS`] requests run at once; past that callers are
//! told "busy" at once (ractor mailboxes are unbounded).

use std::sync::Arc;
use std::time::Duration;

use classifier::Operation;
use hitl::grant::PlanHash;
use hitl::policy::PlanTarget;
use hitl::{ApproveCommand, DenyCommand, Hitl, HitlError, LockedPlan, PendingApproval};
use mcp_gateway::Gateway;
use memory::{Event, Memory, OperationId, Record};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, rpc::CallResult};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use crate::cluster::Cluster;
use crate::error::WorkflowError;
use crate::followup::Recent;
use crate::plan::Draft;
use crate::response::{ExecutionResult, PlanCard, Response};
use crate::session::{SessionId, Sessions};
use crate::verify::{ProgressSink, VerifyTimings};
use crate::{changes, paths};

/// Most requests (asks, approvals) in progress at once. Each may hold a
/// gateway call or a verification poll; past this bound kubeop answers
/// "busy" rather than queueing without limit.
pub const MAX_CONCURRENT_REQUESTS: usize = 32;

/// How long a session update from a request's task may wait for the actor
/// (it is a map insert; only a stopped actor reaches this).
const SESSION_UPDATE_TIMEOUT: Duration = Duration::from_secs(5);

/// How the coordinator behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowConfig {
    /// The context sessions start in; the kubeconfig's current context if
    /// `None`.
    pub default_context: Option<String>,
    /// Deadline of one read.
    pub read_deadline: Duration,
    /// Deadline of one mutating call.
    pub change_deadline: Duration,
    /// Verification deadlines and pace.
    pub timings: VerifyTimings,
}

impl Default for WorkflowConfig {
    fn default() -> Self {
        Self {
            default_context: None,
            read_deadline: Duration::from_secs(30),
            change_deadline: Duration::from_secs(60),
            timings: VerifyTimings::default(),
        }
    }
}

/// The other actors the coordinator works with.
#[derive(Debug, Clone)]
pub struct Dependencies {
    /// The only way to the cluster.
    pub gateway: Gateway,
    /// Approvals.
    pub hitl: Hitl,
    /// The operations log.
    pub memory: Memory,
}

/// What someone asks kubeop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Plain words (or kubectl-style text).
    Text {
        /// The request.
        text: String,
    },
    /// A supervisor's structured hand-off.
    Handoff(Box<SupervisorHandoff>),
}

/// A supervisor's hand-off: what it knows, and possibly a plan a human
/// already approved upstream (PLAN-LOCKED).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SupervisorHandoff {
    /// The supervisor agent handing the work over (`app`, `observability`,
    /// `helm`): recorded in the tracing span and the operations log so an
    /// auditor sees whose hand-off a change came from.
    #[serde(alias = "source")]
    pub source_domain: Option<String>,
    /// The request in words, when the supervisor has one.
    pub request: Option<String>,
    /// The application concerned.
    pub app: Option<String>,
    /// Its namespace.
    pub namespace: Option<String>,
    /// The kube context, when the supervisor names one.
    pub context: Option<String>,
    /// The GitOps sync status, for the record.
    pub sync_status: Option<String>,
    /// The alert that triggered the hand-off.
    pub alert: Option<String>,
    /// The release name.
    pub release: Option<String>,
    /// How many pods of the app the supervisor expects (e.g. from a GitOps
    /// sync): the answer then says how many run and flags a mismatch.
    pub expected_pods: Option<u32>,
    /// A plan approved upstream: skips planning, runs exactly these
    /// parameters (see [`hitl::LockedPlan`] for the trust model).
    pub locked_plan: Option<LockedPlanHandoff>,
}

/// A plan approved upstream, as a supervisor hands it over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockedPlanHandoff {
    /// The upstream approval's id (redeemable once).
    pub upstream_approval_id: String,
    /// The hash the upstream approver saw.
    pub plan_hash: PlanHash,
    /// Who approved it upstream.
    pub approved_by: String,
    /// The mutating tool.
    pub tool: String,
    /// Its exact arguments.
    pub arguments: Map<String, Value>,
    /// What it acts on.
    pub target: PlanTarget,
    /// The retyped name, for namespaces whose policy asks for it.
    #[serde(default)]
    pub retyped_name: Option<String>,
}

/// A human's approval, as the CLI passes it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApproveRequest {
    /// The plan.
    pub plan_id: String,
    /// The hash the approver saw.
    pub plan_hash: PlanHash,
    /// Who approves.
    pub approver: String,
    /// The retyped name, where policy asks for it.
    pub retyped_name: Option<String>,
}

/// A human's refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyRequest {
    /// The plan.
    pub plan_id: String,
    /// Who denies.
    pub approver: String,
    /// Why.
    pub reason: String,
}

/// The coordinator's one message enum.
#[derive(Debug)]
pub enum CoordinatorMsg {
    /// Answer a request in a session.
    Ask {
        /// The conversation.
        session: SessionId,
        /// Who asks (for plans and the log).
        requester: String,
        /// The request.
        request: Request,
        /// Where verification progress goes when the request runs a change
        /// at once (a PLAN-LOCKED hand-off).
        progress: ProgressSink,
        /// The caller's span (its request id), parent of the work's spans.
        caller: tracing::Span,
        /// The caller's admission, released when the answer is sent.
        permit: OwnedSemaphorePermit,
        /// The answer.
        reply: RpcReplyPort<Result<Response, WorkflowError>>,
    },
    /// Approve a plan, run it and verify it.
    Approve {
        /// The approval.
        approval: ApproveRequest,
        /// Where verification progress goes.
        progress: ProgressSink,
        /// The caller's span (its request id), parent of the work's spans.
        caller: tracing::Span,
        /// The caller's admission.
        permit: OwnedSemaphorePermit,
        /// The verified outcome.
        reply: RpcReplyPort<Result<ExecutionResult, WorkflowError>>,
    },
    /// Deny a plan.
    Deny {
        /// The refusal.
        denial: DenyRequest,
        /// The caller's span (its request id), parent of the work's spans.
        caller: tracing::Span,
        /// The caller's admission.
        permit: OwnedSemaphorePermit,
        /// The confirmation.
        reply: RpcReplyPort<Result<Response, WorkflowError>>,
    },
    /// The plans waiting for approval.
    Pending {
        /// The caller's admission.
        permit: OwnedSemaphorePermit,
        /// The plan cards.
        reply: RpcReplyPort<Result<Vec<PlanCard>, WorkflowError>>,
    },
    /// A request's task switched its session's context or namespace.
    SwitchSession {
        /// The conversation.
        session: SessionId,
        /// Its new context, if it changes.
        context: Option<String>,
        /// Its new namespace, if it changes.
        namespace: Option<String>,
        /// Acknowledged once recorded, so the next request sees it.
        reply: RpcReplyPort<()>,
    },
    /// Remember what a session's last request was about, for its
    /// follow-ups. Sent without waiting for a reply: the actor handles its
    /// mailbox in order, and the session's next request can only come
    /// after the answer this is sent before. At most one is in flight per
    /// admitted request ([`MAX_CONCURRENT_REQUESTS`]).
    Remember {
        /// The conversation.
        session: SessionId,
        /// What its last request was about.
        recent: Arc<Recent>,
    },
}

/// Everything a request's task needs; shared by all of them.
#[derive(Debug)]
pub(crate) struct Pipeline {
    /// The cluster, through the gateway.
    pub(crate) cluster: Cluster,
    /// Approvals.
    pub(crate) hitl: Hitl,
    /// The operations log.
    pub(crate) memory: Memory,
    /// Behaviour.
    pub(crate) config: WorkflowConfig,
}

/// The actor's state.
#[derive(Debug)]
struct CoordinatorState {
    pipeline: Arc<Pipeline>,
    sessions: Sessions,
}

#[derive(Debug)]
struct CoordinatorActor;

impl Actor for CoordinatorActor {
    type Msg = CoordinatorMsg;
    type State = CoordinatorState;
    type Arguments = Arc<Pipeline>;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        pipeline: Arc<Pipeline>,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(CoordinatorState {
            pipeline,
            sessions: Sessions::default(),
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut CoordinatorState,
    ) -> Result<(), ActorProcessingErr> {
        let pipeline = state.pipeline.clone();
        match message {
            CoordinatorMsg::Ask {
                session,
                requester,
                request,
                progress,
                caller,
                permit,
                reply,
            } => {
                let switched = state.sessions.scope(&session);
                tokio::spawn(async move {
                    let source_domain = match &request {
                        Request::Handoff(handoff) => handoff.source_domain.clone(),
                        Request::Text { .. } => None,
                    };
                    let span = tracing::info_span!(parent: &caller, "workflow.ask", %session, %requester, source_domain = source_domain.as_deref());
                    let answer = tracing::Instrument::instrument(
                        paths::answer(
                            &pipeline, &myself, session, switched, &requester, request, &progress,
                        ),
                        span,
                    )
                    .await;
                    send(reply, answer);
                    drop(permit);
                });
            }
            CoordinatorMsg::Approve {
                approval,
                progress,
                caller,
                permit,
                reply,
            } => {
                tokio::spawn(async move {
                    let span = tracing::info_span!(parent: &caller, "workflow.approve", plan_id = %approval.plan_id, approver = %approval.approver);
                    let result = tracing::Instrument::instrument(
                        changes::approve(&pipeline, approval, &progress),
                        span,
                    )
                    .await;
                    send(reply, result);
                    drop(permit);
                });
            }
            CoordinatorMsg::Deny {
                denial,
                caller,
                permit,
                reply,
            } => {
                tokio::spawn(async move {
                    let span = tracing::info_span!(parent: &caller, "workflow.deny", plan_id = %denial.plan_id);
                    let result =
                        tracing::Instrument::instrument(changes::deny(&pipeline, denial), span)
                            .await;
                    send(reply, result);
                    drop(permit);
                });
            }
            CoordinatorMsg::Pending { permit, reply } => {
                tokio::spawn(async move {
                    send(reply, changes::pending(&pipeline).await);
                    drop(permit);
                });
            }
            CoordinatorMsg::SwitchSession {
                session,
                context,
                namespace,
                reply,
            } => {
                tracing::info!(%session, ?context, ?namespace, "session switched");
                state.sessions.switch(session, context, namespace);
                send(reply, ());
            }
            CoordinatorMsg::Remember { session, recent } => {
                state.sessions.remember(session, recent);
            }
        }
        Ok(())
    }
}

fn send<T>(reply: RpcReplyPort<T>, value: T) {
    if reply.send(value).is_err() {
        tracing::debug!("the caller stopped waiting for the answer");
    }
}

/// Records that `session` now works in `context` and/or `namespace`,
/// before the answer that says so leaves.
pub(crate) async fn switch_session(
    coordinator: &ActorRef<CoordinatorMsg>,
    session: SessionId,
    context: Option<String>,
    namespace: Option<String>,
) -> Result<(), WorkflowError> {
    match coordinator
        .call(
            |reply| CoordinatorMsg::SwitchSession {
                session,
                context,
                namespace,
                reply,
            },
            Some(SESSION_UPDATE_TIMEOUT),
        )
        .await
    {
        Ok(CallResult::Success(())) => Ok(()),
        Ok(_) => Err(WorkflowError::Unavailable(
            "the coordinator did not record the context switch".into(),
        )),
        Err(error) => Err(WorkflowError::Unavailable(error.to_string())),
    }
}

/// Records what `session`'s last request was about (see
/// [`CoordinatorMsg::Remember`]); a stopped actor only loses the memory.
pub(crate) fn remember(coordinator: &ActorRef<CoordinatorMsg>, session: SessionId, recent: Recent) {
    let recent = Arc::new(recent);
    if let Err(error) = coordinator.cast(CoordinatorMsg::Remember { session, recent }) {
        tracing::debug!(%error, "the coordinator did not take what the session talked about");
    }
}

/// The cloneable handle to the running coordinator.
#[derive(Debug, Clone)]
pub struct Coordinator {
    /// The actor.
    actor: ActorRef<CoordinatorMsg>,
    /// Admission in front of the actor (see [`MAX_CONCURRENT_REQUESTS`]).
    admission: Arc<Semaphore>,
}

impl Coordinator {
    /// Starts the coordinator over running gateway, approvals and memory.
    pub async fn start(
        dependencies: Dependencies,
        config: WorkflowConfig,
    ) -> Result<(Self, JoinHandle<()>), WorkflowError> {
        let pipeline = Arc::new(Pipeline {
            cluster: Cluster::new(dependencies.gateway, config.read_deadline),
            hitl: dependencies.hitl,
            memory: dependencies.memory,
            config,
        });
        let (actor, join) = Actor::spawn(None, CoordinatorActor, pipeline)
            .await
            .map_err(|error| WorkflowError::Unavailable(error.to_string()))?;
        Ok((
            Self {
                actor,
                admission: Arc::new(Semaphore::new(MAX_CONCURRENT_REQUESTS)),
            },
            join,
        ))
    }

    /// Answers one request of `session`.
    pub async fn ask(
        &self,
        session: SessionId,
        requester: &str,
        request: Request,
    ) -> Result<Response, WorkflowError> {
        self.ask_with_progress(session, requester, request, ProgressSink::default())
            .await
    }

    /// [`Coordinator::ask`], with what verification waits on sent to
    /// `progress` when the request runs a change at once (a PLAN-LOCKED
    /// hand-off), as an approval's progress is.
    pub async fn ask_with_progress(
        &self,
        session: SessionId,
        requester: &str,
        request: Request,
        progress: ProgressSink,
    ) -> Result<Response, WorkflowError> {
        let permit = self.admit()?;
        let requester = requester.to_owned();
        let caller = tracing::Span::current();
        self.call(|reply| CoordinatorMsg::Ask {
            session,
            requester,
            request,
            progress,
            caller,
            permit,
            reply,
        })
        .await?
    }

    /// Approves a plan, runs it through the gateway with its grant, and
    /// verifies it; progress lines go to `progress`.
    pub async fn approve(
        &self,
        approval: ApproveRequest,
        progress: ProgressSink,
    ) -> Result<ExecutionResult, WorkflowError> {
        let permit = self.admit()?;
        let caller = tracing::Span::current();
        self.call(|reply| CoordinatorMsg::Approve {
            approval,
            progress,
            caller,
            permit,
            reply,
        })
        .await?
    }

    /// Denies a plan.
    pub async fn deny(&self, denial: DenyRequest) -> Result<Response, WorkflowError> {
        let permit = self.admit()?;
        let caller = tracing::Span::current();
        self.call(|reply| CoordinatorMsg::Deny {
            denial,
            caller,
            permit,
            reply,
        })
        .await?
    }

    /// The plans waiting for approval.
    pub async fn pending(&self) -> Result<Vec<PlanCard>, WorkflowError> {
        let permit = self.admit()?;
        self.call(|reply| CoordinatorMsg::Pending { permit, reply })
            .await?
    }

    /// The actor, for a supervisor to link to.
    pub fn actor_cell(&self) -> ractor::ActorCell {
        self.actor.get_cell()
    }

    /// Stops the coordinator (the daemon's shutdown).
    pub fn stop(&self) {
        self.actor.stop(None);
    }

    fn admit(&self) -> Result<OwnedSemaphorePermit, WorkflowError> {
        self.admission
            .clone()
            .try_acquire_owned()
            .map_err(|_| WorkflowError::Busy {
                limit: MAX_CONCURRENT_REQUESTS,
            })
    }

    async fn call<T: Send + 'static>(
        &self,
        build: impl FnOnce(RpcReplyPort<T>) -> CoordinatorMsg,
    ) -> Result<T, WorkflowError> {
        match self.actor.call(build, None).await {
            Ok(CallResult::Success(value)) => Ok(value),
            Ok(_) => Err(WorkflowError::Unavailable(
                "the coordinator dropped the request".into(),
            )),
            Err(error) => Err(WorkflowError::Unavailable(error.to_string())),
        }
    }
}

impl Pipeline {
    /// Writes one step of operation `plan_id` to the operations log.
    pub(crate) async fn record(
        &self,
        plan_id: &str,
        operation: Operation,
        target: &PlanTarget,
        event: Event,
    ) -> Result<(), WorkflowError> {
        self.memory
            .append(Record::now(
                OperationId::new(plan_id),
                operation,
                memory::Target {
                    context: Some(target.context.clone()),
                    namespace: target.namespace.clone(),
                    kind: target.kind.clone(),
                    name: target.name.clone(),
                },
                event,
            ))
            .await?;
        Ok(())
    }

    /// Submits a plan for approval and records it; the plan card to show.
    pub(crate) async fn submit(
        &self,
        draft: Draft,
        requester: &str,
        request: &str,
    ) -> Result<Response, WorkflowError> {
        let pending = self.hitl.request(draft.to_request(requester)?).await?;
        let card = card_of(&draft, &pending);
        let recorded = async {
            self.record(
                &pending.plan_id,
                draft.operation,
                &draft.target,
                Event::Requested {
                    request: request.to_owned(),
                },
            )
            .await?;
            self.record(
                &pending.plan_id,
                draft.operation,
                &draft.target,
                Event::Planned {
                    plan_hash: pending.plan_hash.to_string(),
                    summary: summary_of(&card),
                },
            )
            .await
        }
        .await;
        if let Err(error) = recorded {
            // A plan the log does not know must not be approvable.
            let withdrawn = self
                .hitl
                .deny(DenyCommand {
                    plan_id: pending.plan_id.clone(),
                    approver: "kubeop".into(),
                    reason: format!("withdrawn: the operations log could not record it ({error})"),
                })
                .await;
            if let Err(withdraw_error) = withdrawn {
                tracing::error!(%withdraw_error, plan_id = %pending.plan_id, "an unrecorded plan could not be withdrawn");
            }
            return Err(error);
        }
        Ok(Response::Plan(card))
    }

    /// Redeems a PLAN-LOCKED hand-off and runs it.
    pub(crate) async fn run_locked(
        &self,
        locked: LockedPlanHandoff,
        requester: &str,
        source_domain: Option<&str>,
        progress: &ProgressSink,
    ) -> Result<Response, WorkflowError> {
        let operation =
            changes::operation_of(&locked.tool, &locked.arguments).ok_or_else(|| {
                WorkflowError::Approval(HitlError::Unavailable(format!(
                    "{} is not a change kubeop runs",
                    locked.tool
                )))
            })?;
        let upstream = locked.upstream_approval_id.clone();
        let approval = self
            .hitl
            .redeem_locked(LockedPlan {
                upstream_approval_id: locked.upstream_approval_id,
                plan_hash: locked.plan_hash,
                approved_by: locked.approved_by,
                requester: requester.to_owned(),
                tool: locked.tool,
                arguments: locked.arguments,
                target: locked.target,
                retyped_name: locked.retyped_name,
            })
            .await?;
        self.record(
            &approval.plan_id,
            operation,
            &approval.target,
            Event::Requested {
                request: format!(
                    "PLAN-LOCKED {}: upstream approval {upstream}",
                    paths::handoff_origin(source_domain)
                ),
            },
        )
        .await?;
        self.record(
            &approval.plan_id,
            operation,
            &approval.target,
            Event::Approved {
                plan_hash: approval.grant.plan_hash.to_string(),
                approver: format!("{} (upstream, PLAN-LOCKED)", approval.approver),
            },
        )
        .await?;
        Ok(Response::Result(
            changes::execute(self, approval, progress).await?,
        ))
    }
}

/// The plan card of a pending plan.
pub(crate) fn card_of(draft: &Draft, pending: &PendingApproval) -> PlanCard {
    let mut shown = Value::Object(draft.arguments.clone());
    mcp_gateway::redact::redact_json(&mut shown);
    let mut card = draft.to_card(pending, shown);
    if let Some(preview) = &card.preview {
        card.preview = Some(mcp_gateway::redact::redact_text(preview).0.into_owned());
    }
    card
}

/// One line for the log: what the plan does.
fn summary_of(card: &PlanCard) -> String {
    format!(
        "{} {}/{}{} (context {}): {} → {}",
        card.operation,
        card.target.kind.to_lowercase(),
        card.target.name,
        card.target
            .namespace
            .as_deref()
            .map(|ns| format!(" in {ns}"))
            .unwrap_or_default(),
        card.target.context,
        compact(&card.current),
        compact(&card.desired)
    )
}

/// A value in one short line for the log.
fn compact(value: &Value) -> String {
    /// Longest value quoted in a log summary; the plan card has the whole.
    const MAX_SUMMARY_VALUE: usize = 120;
    let text = value.to_string();
    if text.len() <= MAX_SUMMARY_VALUE {
        return text;
    }
    let cut = (0..=MAX_SUMMARY_VALUE)
        .rev()
        .find(|index| text.is_char_boundary(*index))
        .unwrap_or(0);
    format!("{}…", &text[..cut])
}

/// Approve command for the ledger.
pub(crate) fn approve_command(approval: ApproveRequest) -> ApproveCommand {
    ApproveCommand {
        plan_id: approval.plan_id,
        plan_hash: approval.plan_hash,
        approver: approval.approver,
        retyped_name: approval.retyped_name,
    }
}
