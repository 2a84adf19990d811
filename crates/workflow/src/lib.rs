//! The coordinator: the read-only fast path, the phased change workflow
//! (discovery, planning, approval, execution, verification), diagnosis
//! playbooks and hand-offs.
//!
//! Start with [`Coordinator`]: [`Coordinator::ask`] answers a request with a
//! [`Response`] (an answer, a plan card, a question...), and
//! [`Coordinator::approve`] runs an approved plan and returns its verified
//! [`ExecutionResult`].
//!
//! # Layout
//! - `coordinator`: the actor (sessions) and its handle; each request runs
//!   in a task of its own, admission bounded by [`MAX_CONCURRENT_REQUESTS`].
//! - `paths`: routing by the classifier's path; the read-only fast path
//!   (one gateway call), context switches, health check, hand-offs.
//! - `answers`: the fast path's one output shaped for the question asked
//!   (top rows sorted, lists counted, node stats and scales in words).
//! - `planning` and [`plan`]: discovery, policy, reads of the live state,
//!   and the plan per operation (pure), with [`diff`] and impact notes.
//! - `discovery`: parameters from memory and name resolution on the cluster;
//!   `suggest`: the closest real namespaces and names when one is not there.
//! - `session`: the context and namespace each conversation works in, and
//!   what it last talked about.
//! - `followup`: a follow-up ("and in staging?", "restart it") resolved to
//!   the complete request it stands for, before classification runs it.
//! - `changes`: execution with the grant, verification (`verify`), records.
//! - [`response`]: the `-o json` shapes of design.md.
//! - `cluster`: every gateway call the coordinator makes.
//! - [`diagnosis`]: the playbooks (a separate concern, read-only); `playbooks`
//!   runs them over the gateway and turns a proposed fix into a plan.
//!
//! # Invariants
//! - A mutating call is made only with the grant of an approval (the gateway
//!   refuses it otherwise), and only after its plan was recorded.
//! - An outcome is `verified` only when the cluster was read back in the
//!   planned state; otherwise `failed` with evidence or `unverified`.
//! - A follow-up is resolved to a complete request before it is classified
//!   and run: a change it asks for is planned and approved like any other,
//!   its resolved target on the card; an unresolvable one is a question.
#![forbid(unsafe_code)]

mod answers;
mod capacity;
mod changes;
mod cluster;
mod consumers;
mod coordinator;
pub mod diagnosis;
pub mod diff;
mod discovery;
mod error;
mod followup;
mod history;
mod impact;
mod paths;
pub mod plan;
mod planning;
mod playbooks;
mod references;
pub mod response;
mod session;
mod suggest;
mod undo;
mod verify;

pub use coordinator::{
    ApproveRequest, Coordinator, CoordinatorMsg, DenyRequest, Dependencies, LockedPlanHandoff,
    MAX_CONCURRENT_REQUESTS, Request, SupervisorHandoff, WorkflowConfig,
};
pub use error::WorkflowError;
pub use response::{ExecutionResult, Found, Handoff, Outcome, PlanCard, Response};
pub use session::{MAX_SESSIONS, SessionId};
pub use verify::{ProgressSink, VerifyTimings};
