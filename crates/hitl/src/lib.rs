//! Human in the loop: plans bound to their exact parameters, approvals that are
//! single-use and expiring, and the grants the gateway's backstop checks.
//!
//! Start with [`Hitl`], the handle to the approvals actor: the coordinator
//! [`Hitl::request`]s approval for a plan and gets a [`PendingApproval`] (id,
//! hash, expiry); a human [`Hitl::approve`]s it by id, naming the hash they
//! saw, and the coordinator gets an [`Approval`] carrying the one
//! [`grant::ApprovalGrant`] that lets exactly that call through the gateway.
//!
//! # Layout
//! - [`grant`]: the plan hash (what an approval is bound to) and the approval
//!   grant that travels with a mutating tool call. The `hitl` side issues
//!   grants with a [`grant::GrantKey`]; the gateway redeems them with a
//!   [`grant::GrantVerifier`] made from the same key, once each.
//! - [`policy`]: read-only contexts and namespaces, retype namespaces, TTLs.
//! - `ledger`: the state machine (pending → approved | denied | expired),
//!   persisted by `store` before any answer leaves it.
//! - `actor`: the ractor actor owning the ledger, and the [`Hitl`] handle.
//!
//! # Invariants
//! - A grant is issued only by approving a pending, unexpired plan whose hash
//!   the approver named, or by redeeming a PLAN-LOCKED plan whose carried hash
//!   equals the recomputed one; each plan or upstream approval at most once.
//! - Grants are never written to disk; only pending plans and decisions are.
#![forbid(unsafe_code)]

mod actor;
pub mod grant;
mod ledger;
pub mod policy;
mod store;

pub use actor::{Hitl, HitlConfig, HitlMsg, MAX_WAITING_HITL_CALLS};
pub use ledger::{
    Approval, ApproveCommand, Denial, DenyCommand, LockedPlan, MAX_CALLS_PER_PLAN,
    MAX_PENDING_APPROVALS, MAX_REMEMBERED_DECISIONS, PendingApproval, PlanRequest, PlannedCall,
};
pub use store::StoreError;

use grant::PlanHash;
use policy::PolicyRefusal;

/// Why the approvals actor refused, each with the reason a human can act on.
#[derive(Debug, thiserror::Error)]
pub enum HitlError {
    /// No such plan was ever requested here (or its decision was long ago).
    #[error("no plan {plan_id} is known here: it was never requested, or was decided long ago")]
    UnknownPlan {
        /// The id named.
        plan_id: String,
    },
    /// The approver named another hash than the plan's.
    #[error(
        "plan {plan_id} has hash {current}, but the approval names {named}: \
         this is not the plan you saw; show it again and approve what it says"
    )]
    HashMismatch {
        /// The plan.
        plan_id: String,
        /// The hash the approver named.
        named: PlanHash,
        /// The plan's actual hash.
        current: PlanHash,
    },
    /// The plan waited too long.
    #[error("plan {plan_id} expired before it was approved: ask again for a fresh plan")]
    Expired {
        /// The plan.
        plan_id: String,
    },
    /// The plan was approved before; approvals are single-use.
    #[error("plan {plan_id} was already approved by {approver}: an approval is single-use")]
    AlreadyApproved {
        /// The plan.
        plan_id: String,
        /// Who approved it.
        approver: String,
    },
    /// The plan was denied.
    #[error("plan {plan_id} was denied by {approver}: {reason}")]
    Denied {
        /// The plan.
        plan_id: String,
        /// Who denied it.
        approver: String,
        /// Their reason.
        reason: String,
    },
    /// Policy asks the approver to retype the name, and they did not.
    #[error("plan {plan_id} changes {name} in a protected namespace: retype its name to approve")]
    RetypeRequired {
        /// The plan.
        plan_id: String,
        /// The name to retype.
        name: String,
    },
    /// The retyped name is not the target's.
    #[error("plan {plan_id} changes {name}, but the retyped name is {typed:?}")]
    RetypeMismatch {
        /// The plan.
        plan_id: String,
        /// The target's name.
        name: String,
        /// What was typed.
        typed: String,
    },
    /// The change is forbidden by policy whoever approves it.
    #[error(transparent)]
    Policy(#[from] PolicyRefusal),
    /// A plan makes more calls than a human should approve at once.
    #[error("a plan may make at most {limit} calls")]
    TooManyCalls {
        /// [`MAX_CALLS_PER_PLAN`].
        limit: usize,
    },
    /// Too many plans are waiting already.
    #[error("{limit} plans are already waiting for approval: approve or deny some first")]
    TooManyPending {
        /// [`MAX_PENDING_APPROVALS`].
        limit: usize,
    },
    /// A PLAN-LOCKED hand-off's parameters are not the ones approved upstream.
    #[error(
        "hand-off {upstream_approval_id} carries plan hash {carried}, but its parameters hash to \
         {recomputed}: the parameters are not the ones approved upstream, nothing was run"
    )]
    LockedHashMismatch {
        /// The upstream approval.
        upstream_approval_id: String,
        /// The hash carried in the hand-off.
        carried: PlanHash,
        /// The hash of the parameters it carries.
        recomputed: PlanHash,
    },
    /// A PLAN-LOCKED upstream approval was redeemed before.
    #[error(
        "upstream approval {upstream_approval_id} was already redeemed: an approval is single-use"
    )]
    AlreadyRedeemed {
        /// The upstream approval.
        upstream_approval_id: String,
    },
    /// The approvals file could not be read or written; nothing was decided.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The system gave no randomness for a plan id.
    #[error("no randomness for a plan id: {0}")]
    NoRandomness(String),
    /// Too many callers are waiting for the approvals actor.
    #[error("the approvals service is busy ({limit} requests waiting): try again")]
    Busy {
        /// [`MAX_WAITING_HITL_CALLS`].
        limit: usize,
    },
    /// The approvals actor is not running or did not answer.
    #[error("the approvals service is unavailable: {0}")]
    Unavailable(String),
}
