//! The approvals actor and the cloneable handle callers use to reach it.
//!
//! One actor owns the [`Ledger`] so every decision about a plan is taken in
//! one place, one at a time: two approvers racing for the same plan get one
//! grant and one "already approved". ractor mailboxes are unbounded, so the
//! handle admits at most [`MAX_WAITING_HITL_CALLS`] callers at once and
//! answers the rest "busy" at once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, rpc::CallResult};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::HitlError;
use crate::grant::GrantKey;
use crate::ledger::{
    Approval, ApproveCommand, Denial, DenyCommand, Ledger, LockedPlan, PendingApproval, PlanRequest,
};
use crate::policy::ApprovalPolicy;
use crate::store::ApprovalStore;

/// Most callers that may wait on the actor at once. A ledger operation is a
/// small fsynced write (milliseconds); more than this many waiting means
/// something is flooding approvals, and they are told "busy" instead of
/// queueing without bound in the actor's mailbox.
pub const MAX_WAITING_HITL_CALLS: usize = 64;

/// How long a caller waits for the actor's answer before reporting it
/// unavailable; far above one fsync, so only a wedged disk reaches it.
const HITL_CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// What the approvals actor needs to start.
#[derive(Debug, Clone)]
pub struct HitlConfig {
    /// The daemon's state directory; pending plans live in
    /// `pending-approvals.json` there.
    pub state_dir: PathBuf,
    /// The configured approval rules.
    pub policy: ApprovalPolicy,
    /// The key grants are signed with; the gateway's verifier holds the same.
    pub key: GrantKey,
}

/// The one message enum of the approvals actor.
#[derive(Debug)]
pub enum HitlMsg {
    /// Record a plan as pending approval.
    Request(
        PlanRequest,
        RpcReplyPort<Result<PendingApproval, HitlError>>,
    ),
    /// Approve a pending plan, naming the hash the approver saw.
    Approve(ApproveCommand, RpcReplyPort<Result<Approval, HitlError>>),
    /// Deny a pending plan with a reason.
    Deny(DenyCommand, RpcReplyPort<Result<Denial, HitlError>>),
    /// Redeem a PLAN-LOCKED hand-off's upstream approval.
    RedeemLocked(LockedPlan, RpcReplyPort<Result<Approval, HitlError>>),
    /// List the plans waiting for a human.
    ListPending(RpcReplyPort<Vec<PendingApproval>>),
}

/// The actor itself; its state is the ledger.
#[derive(Debug)]
struct HitlActor;

impl Actor for HitlActor {
    type Msg = HitlMsg;
    type State = Ledger;
    type Arguments = Ledger;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        ledger: Ledger,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(ledger)
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        ledger: &mut Ledger,
    ) -> Result<(), ActorProcessingErr> {
        let now = SystemTime::now();
        match message {
            HitlMsg::Request(plan, reply) => {
                let _span =
                    tracing::info_span!("hitl.request", tool = %plan.tool, target = %plan.target)
                        .entered();
                let result = ledger.request(plan, now);
                log_outcome(&result);
                answer(reply, result);
            }
            HitlMsg::Approve(command, reply) => {
                let _span = tracing::info_span!("hitl.approve", plan_id = %command.plan_id, approver = %command.approver).entered();
                let result = ledger.approve(command, now);
                log_outcome(&result);
                answer(reply, result);
            }
            HitlMsg::Deny(command, reply) => {
                let _span = tracing::info_span!("hitl.deny", plan_id = %command.plan_id, approver = %command.approver).entered();
                let result = ledger.deny(command, now);
                log_outcome(&result);
                answer(reply, result);
            }
            HitlMsg::RedeemLocked(locked, reply) => {
                let _span = tracing::info_span!("hitl.plan_locked", upstream = %locked.upstream_approval_id, approver = %locked.approved_by).entered();
                let result = ledger.redeem_locked(locked, now);
                log_outcome(&result);
                answer(reply, result);
            }
            HitlMsg::ListPending(reply) => answer(reply, ledger.pending(now)),
        }
        Ok(())
    }
}

fn log_outcome<T>(result: &Result<T, HitlError>) {
    match result {
        Ok(_) => tracing::info!("accepted"),
        Err(error) => tracing::info!(%error, "refused"),
    }
}

/// A caller that gave up waiting is not the actor's failure.
fn answer<T>(reply: RpcReplyPort<T>, value: T) {
    if reply.send(value).is_err() {
        tracing::debug!("the caller stopped waiting for the answer");
    }
}

/// A cloneable handle to the running approvals actor.
#[derive(Debug, Clone)]
pub struct Hitl {
    /// The actor.
    actor: ActorRef<HitlMsg>,
    /// Admission in front of the unbounded mailbox.
    admission: Arc<Semaphore>,
    /// The rules, readable without a round trip so the coordinator can refuse
    /// a read-only namespace before it reads anything for a plan.
    policy: Arc<ApprovalPolicy>,
}

impl Hitl {
    /// Reloads the pending plans of `config.state_dir` and starts the actor.
    /// An unreadable approvals file is an error (and is left untouched).
    pub async fn start(config: HitlConfig) -> Result<(Self, JoinHandle<()>), HitlError> {
        let policy = Arc::new(config.policy.clone());
        let ledger = Ledger::open(
            ApprovalStore::in_dir(&config.state_dir),
            config.policy,
            config.key,
        )?;
        let (actor, join) = Actor::spawn(None, HitlActor, ledger)
            .await
            .map_err(|error| HitlError::Unavailable(error.to_string()))?;
        Ok((
            Self {
                actor,
                admission: Arc::new(Semaphore::new(MAX_WAITING_HITL_CALLS)),
                policy,
            },
            join,
        ))
    }

    /// The configured approval rules.
    pub fn policy(&self) -> &ApprovalPolicy {
        &self.policy
    }

    /// Records a plan as pending; refused outright by a read-only policy.
    pub async fn request(&self, plan: PlanRequest) -> Result<PendingApproval, HitlError> {
        self.call(|reply| HitlMsg::Request(plan, reply)).await?
    }

    /// Approves a pending plan and returns its single-use grant.
    pub async fn approve(&self, command: ApproveCommand) -> Result<Approval, HitlError> {
        self.call(|reply| HitlMsg::Approve(command, reply)).await?
    }

    /// Denies a pending plan.
    pub async fn deny(&self, command: DenyCommand) -> Result<Denial, HitlError> {
        self.call(|reply| HitlMsg::Deny(command, reply)).await?
    }

    /// Redeems a PLAN-LOCKED hand-off (see [`LockedPlan`] for the trust model).
    pub async fn redeem_locked(&self, locked: LockedPlan) -> Result<Approval, HitlError> {
        self.call(|reply| HitlMsg::RedeemLocked(locked, reply))
            .await?
    }

    /// The plans waiting for a human, oldest first.
    pub async fn pending(&self) -> Result<Vec<PendingApproval>, HitlError> {
        self.call(HitlMsg::ListPending).await
    }

    /// The actor, for a supervisor to link to (ractor reports a linked
    /// actor's failure to its supervisor, which can then restart it).
    pub fn actor_cell(&self) -> ractor::ActorCell {
        self.actor.get_cell()
    }

    /// Stops the actor (the daemon's shutdown); pending plans stay on disk.
    pub fn stop(&self) {
        self.actor.stop(None);
    }

    async fn call<T: Send + 'static>(
        &self,
        build: impl FnOnce(RpcReplyPort<T>) -> HitlMsg,
    ) -> Result<T, HitlError> {
        let _permit = self.admission.try_acquire().map_err(|_| HitlError::Busy {
            limit: MAX_WAITING_HITL_CALLS,
        })?;
        match self.actor.call(build, Some(HITL_CALL_TIMEOUT)).await {
            Ok(CallResult::Success(value)) => Ok(value),
            Ok(CallResult::Timeout) => Err(HitlError::Unavailable(format!(
                "no answer within {}s",
                HITL_CALL_TIMEOUT.as_secs()
            ))),
            Ok(CallResult::SenderError) => Err(HitlError::Unavailable(
                "the approvals actor dropped the request".into(),
            )),
            Err(error) => Err(HitlError::Unavailable(error.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::grant::{GrantVerifier, PlanHash};
    use crate::policy::PlanTarget;

    fn config(dir: &std::path::Path, key: &GrantKey) -> HitlConfig {
        HitlConfig {
            state_dir: dir.to_owned(),
            policy: ApprovalPolicy::default(),
            key: key.clone(),
        }
    }

    fn delete_pod() -> PlanRequest {
        PlanRequest {
            tool: "pods_delete".into(),
            arguments: json!({"name": "web-1", "namespace": "demo"})
                .as_object()
                .expect("object")
                .clone(),
            follow_ups: Vec::new(),
            target: PlanTarget {
                kind: "Pod".into(),
                name: "web-1".into(),
                namespace: Some("demo".into()),
                context: "dev".into(),
            },
            requester: "alice".into(),
            card: json!({"kind": "plan"}),
        }
    }

    #[tokio::test]
    async fn racing_approvers_get_one_grant_and_one_refusal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = GrantKey::generate().expect("key");
        let (hitl, _join) = Hitl::start(config(dir.path(), &key)).await.expect("starts");
        let plan = hitl.request(delete_pod()).await.expect("pending");
        let command = |approver: &str| ApproveCommand {
            plan_id: plan.plan_id.clone(),
            plan_hash: plan.plan_hash,
            approver: approver.into(),
            retyped_name: None,
        };
        let (first, second) =
            tokio::join!(hitl.approve(command("bob")), hitl.approve(command("carol")));
        let (granted, refused): (Vec<_>, Vec<_>) =
            [first, second].into_iter().partition(Result::is_ok);
        assert_eq!(granted.len(), 1);
        assert!(matches!(refused[0], Err(HitlError::AlreadyApproved { .. })));
        let approval = granted.into_iter().next().expect("one").expect("ok");
        GrantVerifier::new(key)
            .redeem(
                &approval.grant,
                "pods_delete",
                &approval.arguments,
                SystemTime::now(),
            )
            .expect("the grant covers the planned call");
        hitl.stop();
    }

    #[tokio::test]
    async fn a_restarted_actor_still_knows_the_pending_plans() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = GrantKey::generate().expect("key");
        let (hitl, join) = Hitl::start(config(dir.path(), &key)).await.expect("starts");
        let plan = hitl.request(delete_pod()).await.expect("pending");
        hitl.stop();
        join.await.expect("actor stops");
        let (hitl, _join) = Hitl::start(config(dir.path(), &key))
            .await
            .expect("restarts");
        assert_eq!(hitl.pending().await.expect("listed"), vec![plan.clone()]);
        let wrong = PlanHash::of_call("pods_delete", &serde_json::Map::new());
        assert!(matches!(
            hitl.approve(ApproveCommand {
                plan_id: plan.plan_id.clone(),
                plan_hash: wrong,
                approver: "bob".into(),
                retyped_name: None,
            })
            .await,
            Err(HitlError::HashMismatch { .. })
        ));
        hitl.deny(DenyCommand {
            plan_id: plan.plan_id.clone(),
            approver: "bob".into(),
            reason: "wrong pod".into(),
        })
        .await
        .expect("denied");
        assert!(hitl.pending().await.expect("listed").is_empty());
        hitl.stop();
    }
}
