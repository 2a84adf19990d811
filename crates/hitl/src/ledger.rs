//! The approval ledger: the synchronous state machine behind the actor.
//!
//! A plan enters as a [`PendingApproval`] and leaves exactly once, approved,
//! denied or expired; only the approval of a pending, unexpired plan whose hash
//! the approver named issues a grant. Every transition is written to the
//! [`ApprovalStore`] *before* its result is returned, so a restart can neither
//! resurrect a decided plan nor lose a pending one. The clock is a parameter so
//! the property tests can drive expiry exactly.

use std::collections::{BTreeMap, VecDeque};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::HitlError;
use crate::grant::{ApprovalGrant, GrantKey, PlanHash, duration_millis, unix_millis};
use crate::policy::{ApprovalPolicy, PlanTarget};
use crate::store::{ApprovalFile, ApprovalStore};

/// Most plans that may wait for approval at once; past it new plans are
/// refused, so a runaway client cannot grow the state file without bound.
pub const MAX_PENDING_APPROVALS: usize = 256;

/// Most recent decisions remembered so that approving a decided plan again is
/// refused with its reason; older ones are forgotten and then refused as
/// unknown, which is just as safe.
pub const MAX_REMEMBERED_DECISIONS: usize = 1024;

/// A change the coordinator has planned and wants a human to approve.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanRequest {
    /// The mutating MCP tool the plan will call.
    pub tool: String,
    /// Its exact arguments; the approval is bound to these.
    pub arguments: Map<String, Value>,
    /// Calls that complete the change after the first one, approved with it
    /// (a debug pod's test command and its removal).
    pub follow_ups: Vec<PlannedCall>,
    /// What the change acts on, for policy and for the approver.
    pub target: PlanTarget,
    /// Who asked for the change (user or supervisor), for the log.
    pub requester: String,
    /// The plan card shown to the approver (the coordinator's plan answer),
    /// kept so `kubeop` can show a pending plan again after a restart.
    pub card: Value,
}

/// One more call of a plan, after its first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedCall {
    /// The MCP tool.
    pub tool: String,
    /// Its exact arguments.
    pub arguments: Map<String, Value>,
}

/// Most calls one plan may make, so a plan stays something a human can read.
pub const MAX_CALLS_PER_PLAN: usize = 4;

/// A plan waiting for a human.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingApproval {
    /// The id the approver names.
    pub plan_id: String,
    /// The hash of every call of the plan (of `tool` and `arguments` alone
    /// when there are no follow-ups); the approver must name it.
    pub plan_hash: PlanHash,
    /// The mutating MCP tool the plan will call.
    pub tool: String,
    /// Its exact arguments.
    pub arguments: Map<String, Value>,
    /// The calls that follow the first, approved with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_ups: Vec<PlannedCall>,
    /// What the change acts on.
    pub target: PlanTarget,
    /// Who asked for the change.
    pub requester: String,
    /// The plan card shown to the approver.
    pub card: Value,
    /// When the plan was made (milliseconds since the Unix epoch).
    pub requested_at_unix_ms: u64,
    /// After this instant the plan can no longer be approved.
    pub expires_at_unix_ms: u64,
    /// Whether the approver must retype the target's name.
    pub retype_required: bool,
}

/// An approver's "yes" to one plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApproveCommand {
    /// The plan approved.
    pub plan_id: String,
    /// The hash the approver was shown; refused unless it is the plan's.
    pub plan_hash: PlanHash,
    /// Who approves.
    pub approver: String,
    /// The target's name as retyped by the approver, where policy asks for it.
    pub retyped_name: Option<String>,
}

/// An approver's "no" to one plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenyCommand {
    /// The plan denied.
    pub plan_id: String,
    /// Who denies.
    pub approver: String,
    /// Why, for the requester and the log.
    pub reason: String,
}

/// A hand-off carrying a plan a human already approved upstream (PLAN-LOCKED).
///
/// # Trust model
/// The hand-off's sender is trusted to have obtained a human approval: it is a
/// supervisor in the same process, or a client of the daemon's owner-only
/// socket (same user). What kubeop verifies is that the parameters it will run
/// are *exactly* the ones that were approved: the carried hash is compared with
/// the hash kubeop recomputes over `tool` and `arguments`, so a parameter
/// changed in transit or re-derived differently is refused, not run. Each
/// upstream approval id is redeemed at most once. Policy still applies
/// (read-only contexts and namespaces are refused, retype namespaces need the
/// retyped name carried in the hand-off), the call still passes the gateway's
/// backstop with a grant, and the result is still verified.
#[derive(Clone, Debug, PartialEq)]
pub struct LockedPlan {
    /// The upstream approval's id; redeemable once.
    pub upstream_approval_id: String,
    /// The hash the upstream approver saw.
    pub plan_hash: PlanHash,
    /// Who approved upstream.
    pub approved_by: String,
    /// Who sent the hand-off.
    pub requester: String,
    /// The mutating MCP tool to call.
    pub tool: String,
    /// Its exact arguments.
    pub arguments: Map<String, Value>,
    /// What the change acts on.
    pub target: PlanTarget,
    /// The target's name as retyped upstream, where policy asks for it.
    pub retyped_name: Option<String>,
}

/// An approved plan and the grant that lets its one call through the gateway.
#[derive(Clone, Debug, PartialEq)]
pub struct Approval {
    /// The plan's id (for a PLAN-LOCKED plan, derived from the upstream id).
    pub plan_id: String,
    /// The tool to call.
    pub tool: String,
    /// The exact arguments to call it with.
    pub arguments: Map<String, Value>,
    /// What the change acts on.
    pub target: PlanTarget,
    /// Who asked for the change.
    pub requester: String,
    /// Who approved it.
    pub approver: String,
    /// The single-use grant for exactly this call.
    pub grant: ApprovalGrant,
    /// The follow-up calls, each with its own single-use grant.
    pub follow_ups: Vec<(PlannedCall, ApprovalGrant)>,
}

/// A denied plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Denial {
    /// The plan as it was pending.
    pub plan: PendingApproval,
    /// Who denied it.
    pub approver: String,
    /// Why.
    pub reason: String,
}

/// How a plan left the pending set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub(crate) enum Decision {
    /// Approved by a human here.
    Approved { approver: String },
    /// Denied by a human here.
    Denied { approver: String, reason: String },
    /// Nobody decided in time.
    Expired,
    /// A PLAN-LOCKED hand-off redeemed its upstream approval.
    RedeemedUpstream { approver: String },
}

/// A remembered decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DecidedPlan {
    /// The plan (or `upstream-<id>` for a PLAN-LOCKED redemption).
    pub(crate) plan_id: String,
    /// What happened to it.
    pub(crate) decision: Decision,
}

/// The pending plans and recent decisions of one state directory.
#[derive(Debug)]
pub(crate) struct Ledger {
    /// Where every transition is made durable.
    store: ApprovalStore,
    /// The configured rules.
    policy: ApprovalPolicy,
    /// Signs grants; shared with the gateway's verifier.
    key: GrantKey,
    /// Plans waiting for a human, by id.
    pending: BTreeMap<String, PendingApproval>,
    /// Recent decisions, oldest first, at most [`MAX_REMEMBERED_DECISIONS`].
    decided: VecDeque<DecidedPlan>,
}

impl Ledger {
    /// Reloads the ledger of `store` (empty when the file does not exist).
    pub(crate) fn open(
        store: ApprovalStore,
        policy: ApprovalPolicy,
        key: GrantKey,
    ) -> Result<Self, HitlError> {
        let file = store.load()?;
        Ok(Self {
            store,
            policy,
            key,
            pending: file
                .pending
                .into_iter()
                .map(|plan| (plan.plan_id.clone(), plan))
                .collect(),
            decided: file.decided.into(),
        })
    }

    /// Records `plan` as pending and returns it with its id and hash.
    pub(crate) fn request(
        &mut self,
        plan: PlanRequest,
        now: SystemTime,
    ) -> Result<PendingApproval, HitlError> {
        self.sweep_expired(now);
        self.policy.check(&plan.target)?;
        if plan.follow_ups.len() >= MAX_CALLS_PER_PLAN {
            return Err(HitlError::TooManyCalls {
                limit: MAX_CALLS_PER_PLAN,
            });
        }
        if self.pending.len() >= MAX_PENDING_APPROVALS {
            return Err(HitlError::TooManyPending {
                limit: MAX_PENDING_APPROVALS,
            });
        }
        let requested_at_unix_ms = unix_millis(now);
        let pending = PendingApproval {
            plan_id: new_plan_id()?,
            plan_hash: PlanHash::of_calls(
                std::iter::once((plan.tool.as_str(), &plan.arguments)).chain(
                    plan.follow_ups
                        .iter()
                        .map(|call| (call.tool.as_str(), &call.arguments)),
                ),
            ),
            retype_required: self.policy.requires_retype(&plan.target),
            tool: plan.tool,
            arguments: plan.arguments,
            follow_ups: plan.follow_ups,
            target: plan.target,
            requester: plan.requester,
            card: plan.card,
            requested_at_unix_ms,
            expires_at_unix_ms: requested_at_unix_ms
                .saturating_add(duration_millis(self.policy.approval_ttl())),
        };
        let plan_id = pending.plan_id.clone();
        self.pending.insert(plan_id.clone(), pending.clone());
        self.persist_or_undo(|ledger| {
            ledger.pending.remove(&plan_id);
        })?;
        Ok(pending)
    }

    /// Approves a pending plan and issues its grant.
    pub(crate) fn approve(
        &mut self,
        command: ApproveCommand,
        now: SystemTime,
    ) -> Result<Approval, HitlError> {
        self.sweep_expired(now);
        let plan = self.pending_or_refusal(&command.plan_id)?;
        if command.plan_hash != plan.plan_hash {
            return Err(HitlError::HashMismatch {
                plan_id: command.plan_id,
                named: command.plan_hash,
                current: plan.plan_hash,
            });
        }
        self.policy.check(&plan.target)?;
        if plan.retype_required || self.policy.requires_retype(&plan.target) {
            check_retyped(&plan.plan_id, &plan.target, command.retyped_name.as_deref())?;
        }
        let plan = self.decide(
            &command.plan_id,
            Decision::Approved {
                approver: command.approver.clone(),
            },
        )?;
        let grant_ttl = self.policy.grant_ttl();
        let grant = self.key.issue(
            &plan.plan_id,
            PlanHash::of_call(&plan.tool, &plan.arguments),
            &command.approver,
            now,
            grant_ttl,
        );
        let follow_ups = plan
            .follow_ups
            .into_iter()
            .enumerate()
            .map(|(index, call)| {
                let grant = self.key.issue(
                    &format!("{}/{}", plan.plan_id, index + 1),
                    PlanHash::of_call(&call.tool, &call.arguments),
                    &command.approver,
                    now,
                    grant_ttl,
                );
                (call, grant)
            })
            .collect();
        Ok(Approval {
            plan_id: plan.plan_id,
            tool: plan.tool,
            arguments: plan.arguments,
            target: plan.target,
            requester: plan.requester,
            approver: command.approver,
            grant,
            follow_ups,
        })
    }

    /// Denies a pending plan.
    pub(crate) fn deny(
        &mut self,
        command: DenyCommand,
        now: SystemTime,
    ) -> Result<Denial, HitlError> {
        self.sweep_expired(now);
        self.pending_or_refusal(&command.plan_id)?;
        let plan = self.decide(
            &command.plan_id,
            Decision::Denied {
                approver: command.approver.clone(),
                reason: command.reason.clone(),
            },
        )?;
        Ok(Denial {
            plan,
            approver: command.approver,
            reason: command.reason,
        })
    }

    /// Issues the grant for a plan approved upstream, after checking that its
    /// parameters are exactly the approved ones (see [`LockedPlan`]).
    pub(crate) fn redeem_locked(
        &mut self,
        locked: LockedPlan,
        now: SystemTime,
    ) -> Result<Approval, HitlError> {
        self.sweep_expired(now);
        let recomputed = PlanHash::of_call(&locked.tool, &locked.arguments);
        if recomputed != locked.plan_hash {
            return Err(HitlError::LockedHashMismatch {
                upstream_approval_id: locked.upstream_approval_id,
                carried: locked.plan_hash,
                recomputed,
            });
        }
        self.policy.check(&locked.target)?;
        let plan_id = format!("upstream-{}", locked.upstream_approval_id);
        if self.policy.requires_retype(&locked.target) {
            check_retyped(&plan_id, &locked.target, locked.retyped_name.as_deref())?;
        }
        if self
            .decided
            .iter()
            .any(|decided| decided.plan_id == plan_id)
        {
            return Err(HitlError::AlreadyRedeemed {
                upstream_approval_id: locked.upstream_approval_id,
            });
        }
        self.remember(DecidedPlan {
            plan_id: plan_id.clone(),
            decision: Decision::RedeemedUpstream {
                approver: locked.approved_by.clone(),
            },
        });
        self.persist_or_undo(|ledger| {
            ledger.decided.pop_back();
        })?;
        let grant = self.key.issue(
            &plan_id,
            recomputed,
            &locked.approved_by,
            now,
            self.policy.grant_ttl(),
        );
        Ok(Approval {
            plan_id,
            tool: locked.tool,
            arguments: locked.arguments,
            target: locked.target,
            requester: locked.requester,
            approver: locked.approved_by,
            grant,
            follow_ups: Vec::new(),
        })
    }

    /// The plans still waiting for a human at `now`, oldest first.
    pub(crate) fn pending(&mut self, now: SystemTime) -> Vec<PendingApproval> {
        self.sweep_expired(now);
        let mut plans: Vec<PendingApproval> = self.pending.values().cloned().collect();
        plans.sort_by_key(|plan| plan.requested_at_unix_ms);
        plans
    }

    /// The pending plan `plan_id`, or the typed reason it cannot be decided.
    fn pending_or_refusal(&self, plan_id: &str) -> Result<PendingApproval, HitlError> {
        if let Some(plan) = self.pending.get(plan_id) {
            return Ok(plan.clone());
        }
        let decided = self
            .decided
            .iter()
            .rev()
            .find(|decided| decided.plan_id == plan_id);
        let plan_id = plan_id.to_owned();
        Err(match decided.map(|decided| decided.decision.clone()) {
            None => HitlError::UnknownPlan { plan_id },
            Some(Decision::Approved { approver } | Decision::RedeemedUpstream { approver }) => {
                HitlError::AlreadyApproved { plan_id, approver }
            }
            Some(Decision::Denied { approver, reason }) => HitlError::Denied {
                plan_id,
                approver,
                reason,
            },
            Some(Decision::Expired) => HitlError::Expired { plan_id },
        })
    }

    /// Moves a pending plan to the decided list, durably.
    fn decide(&mut self, plan_id: &str, decision: Decision) -> Result<PendingApproval, HitlError> {
        let plan = self
            .pending
            .remove(plan_id)
            .ok_or_else(|| HitlError::UnknownPlan {
                plan_id: plan_id.to_owned(),
            })?;
        self.remember(DecidedPlan {
            plan_id: plan_id.to_owned(),
            decision,
        });
        let restore = plan.clone();
        self.persist_or_undo(move |ledger| {
            ledger.decided.pop_back();
            ledger.pending.insert(restore.plan_id.clone(), restore);
        })?;
        Ok(plan)
    }

    fn remember(&mut self, decided: DecidedPlan) {
        if self.decided.len() >= MAX_REMEMBERED_DECISIONS {
            self.decided.pop_front();
        }
        self.decided.push_back(decided);
    }

    /// Marks plans whose time ran out as expired. Not persisted on its own:
    /// expiry is an absolute instant, so a reload reaches the same verdict.
    fn sweep_expired(&mut self, now: SystemTime) {
        let now_ms = unix_millis(now);
        let expired: Vec<String> = self
            .pending
            .values()
            .filter(|plan| plan.expires_at_unix_ms <= now_ms)
            .map(|plan| plan.plan_id.clone())
            .collect();
        for plan_id in expired {
            self.pending.remove(&plan_id);
            tracing::info!(%plan_id, "plan expired before approval");
            self.remember(DecidedPlan {
                plan_id,
                decision: Decision::Expired,
            });
        }
    }

    /// Writes the ledger; if that fails, `undo` reverts the in-memory change
    /// so memory never runs ahead of the disk.
    fn persist_or_undo(&mut self, undo: impl FnOnce(&mut Self)) -> Result<(), HitlError> {
        let file = ApprovalFile::current(
            self.pending.values().cloned().collect(),
            self.decided.iter().cloned().collect(),
        );
        self.store.save(&file).map_err(|error| {
            undo(self);
            HitlError::Store(error)
        })
    }
}

fn check_retyped(plan_id: &str, target: &PlanTarget, typed: Option<&str>) -> Result<(), HitlError> {
    match typed {
        None => Err(HitlError::RetypeRequired {
            plan_id: plan_id.to_owned(),
            name: target.name.clone(),
        }),
        Some(typed) if typed.trim() != target.name => Err(HitlError::RetypeMismatch {
            plan_id: plan_id.to_owned(),
            name: target.name.clone(),
            typed: typed.to_owned(),
        }),
        Some(_) => Ok(()),
    }
}

fn new_plan_id() -> Result<String, HitlError> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|error| HitlError::NoRandomness(error.to_string()))?;
    Ok(format!("plan-{}", hex::encode(bytes)))
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::time::Duration;

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::grant::GrantVerifier;
    use crate::policy::NamePattern;
    use crate::store::StoreError;

    const APPROVAL_TTL: Duration = Duration::from_secs(60);
    const GRANT_TTL: Duration = Duration::from_secs(30);

    fn policy() -> ApprovalPolicy {
        ApprovalPolicy {
            read_only_namespaces: vec![NamePattern::new("kube-system")],
            retype_namespaces: vec![NamePattern::new("production")],
            approval_ttl_seconds: APPROVAL_TTL.as_secs(),
            grant_ttl_seconds: GRANT_TTL.as_secs(),
            ..ApprovalPolicy::default()
        }
    }

    fn open(dir: &std::path::Path, key: &GrantKey) -> Ledger {
        Ledger::open(ApprovalStore::in_dir(dir), policy(), key.clone()).expect("ledger opens")
    }

    /// A ledger over a fresh state directory, the key it issues grants
    /// under, and the time the test runs at.
    struct Fixture {
        /// Bound by every test so the directory outlives the ledger.
        dir: tempfile::TempDir,
        key: GrantKey,
        ledger: Ledger,
        now: SystemTime,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = GrantKey::generate().expect("key");
        let ledger = open(dir.path(), &key);
        Fixture {
            dir,
            key,
            ledger,
            now: SystemTime::now(),
        }
    }

    /// A JSON object literal as tool arguments.
    fn object(value: Value) -> Map<String, Value> {
        value.as_object().expect("an object literal").clone()
    }

    fn scale(name: &str, namespace: &str, replicas: u64) -> PlanRequest {
        PlanRequest {
            tool: "resources_scale".into(),
            arguments: object(
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                              "namespace": namespace, "scale": replicas}),
            ),
            follow_ups: Vec::new(),
            target: PlanTarget {
                kind: "Deployment".into(),
                name: name.into(),
                namespace: Some(namespace.into()),
                context: "dev".into(),
            },
            requester: "alice".into(),
            card: json!({"kind": "plan", "operation": "scale"}),
        }
    }

    /// Plans `request`, which must wait for approval.
    fn requested(ledger: &mut Ledger, request: PlanRequest, now: SystemTime) -> PendingApproval {
        ledger
            .request(request, now)
            .expect("the plan waits for approval")
    }

    fn approve(plan: &PendingApproval, hash: PlanHash) -> ApproveCommand {
        ApproveCommand {
            plan_id: plan.plan_id.clone(),
            plan_hash: hash,
            approver: "bob".into(),
            retyped_name: None,
        }
    }

    #[test]
    fn an_approved_plan_yields_a_grant_for_exactly_its_call_once() {
        let Fixture {
            dir: _dir,
            key,
            mut ledger,
            now,
        } = fixture();
        let verifier = GrantVerifier::new(key);
        let plan = requested(&mut ledger, scale("api", "staging", 5), now);
        assert_eq!(
            plan.plan_hash,
            PlanHash::of_call(&plan.tool, &plan.arguments)
        );
        let approval = ledger
            .approve(approve(&plan, plan.plan_hash), now)
            .expect("approved");
        assert_eq!(approval.grant.plan_hash, plan.plan_hash);
        assert_eq!(approval.approver, "bob");
        verifier
            .redeem(&approval.grant, &approval.tool, &approval.arguments, now)
            .expect("the gateway accepts the grant once");
        assert!(matches!(
            ledger.approve(approve(&plan, plan.plan_hash), now),
            Err(HitlError::AlreadyApproved { approver, .. }) if approver == "bob"
        ));
    }

    #[test]
    fn follow_up_calls_are_approved_with_the_plan_each_with_its_own_grant() {
        let Fixture {
            dir: _dir,
            key,
            mut ledger,
            now,
        } = fixture();
        let verifier = GrantVerifier::new(key);
        let removal = PlannedCall {
            tool: "pods_delete".into(),
            arguments: object(json!({"name": "dbg", "namespace": "staging"})),
        };
        let run = PlanRequest {
            tool: "pods_run".into(),
            arguments: object(json!({"image": "busybox", "name": "dbg", "namespace": "staging"})),
            follow_ups: vec![removal.clone()],
            ..scale("dbg", "staging", 0)
        };
        let plan = requested(&mut ledger, run.clone(), now);
        assert_eq!(
            plan.plan_hash,
            PlanHash::of_calls([
                ("pods_run", &run.arguments),
                ("pods_delete", &removal.arguments)
            ])
        );
        assert!(matches!(
            ledger.approve(
                approve(&plan, PlanHash::of_call("pods_run", &run.arguments)),
                now
            ),
            Err(HitlError::HashMismatch { .. })
        ));
        let approval = ledger
            .approve(approve(&plan, plan.plan_hash), now)
            .expect("approved");
        let (call, cleanup_grant) = &approval.follow_ups[0];
        assert_eq!(call, &removal);
        assert!(
            verifier
                .redeem(cleanup_grant, "pods_run", &run.arguments, now)
                .is_err(),
            "the clean-up grant does not cover the run"
        );
        verifier
            .redeem(&approval.grant, "pods_run", &run.arguments, now)
            .expect("the run's grant");
        verifier
            .redeem(cleanup_grant, "pods_delete", &removal.arguments, now)
            .expect("the clean-up's grant");
    }

    #[test]
    fn a_wrong_hash_is_refused_and_the_plan_stays_pending() {
        let Fixture {
            dir: _dir,
            mut ledger,
            now,
            ..
        } = fixture();
        let plan = requested(&mut ledger, scale("api", "staging", 5), now);
        let other = requested(&mut ledger, scale("api", "staging", 6), now);
        assert!(matches!(
            ledger.approve(approve(&plan, other.plan_hash), now),
            Err(HitlError::HashMismatch { named, current, .. })
                if named == other.plan_hash && current == plan.plan_hash
        ));
        assert_eq!(ledger.pending(now).len(), 2);
        ledger
            .approve(approve(&plan, plan.plan_hash), now)
            .expect("the right hash still approves");
    }

    #[test]
    fn denied_and_expired_plans_are_refused_with_their_reason() {
        let Fixture {
            dir: _dir,
            mut ledger,
            now,
            ..
        } = fixture();
        let denied = requested(&mut ledger, scale("api", "staging", 5), now);
        let late = requested(&mut ledger, scale("web", "staging", 2), now);
        ledger
            .deny(
                DenyCommand {
                    plan_id: denied.plan_id.clone(),
                    approver: "bob".into(),
                    reason: "not during the freeze".into(),
                },
                now,
            )
            .expect("denied");
        assert!(matches!(
            ledger.approve(approve(&denied, denied.plan_hash), now),
            Err(HitlError::Denied { reason, .. }) if reason == "not during the freeze"
        ));
        assert!(matches!(
            ledger.approve(approve(&late, late.plan_hash), now + APPROVAL_TTL),
            Err(HitlError::Expired { .. })
        ));
        assert!(matches!(
            ledger.approve(
                ApproveCommand {
                    plan_id: "plan-000000000000".into(),
                    ..approve(&late, late.plan_hash)
                },
                now
            ),
            Err(HitlError::UnknownPlan { .. })
        ));
    }

    #[test]
    fn pending_plans_and_decisions_survive_a_restart_but_grants_do_not() {
        let Fixture {
            dir,
            mut ledger,
            now,
            ..
        } = fixture();
        let waiting = requested(&mut ledger, scale("api", "staging", 5), now);
        let approved = requested(&mut ledger, scale("web", "staging", 1), now);
        ledger
            .approve(approve(&approved, approved.plan_hash), now)
            .expect("approved");
        drop(ledger);
        let restarted_key = GrantKey::generate().expect("key");
        let mut ledger = open(dir.path(), &restarted_key);
        assert_eq!(ledger.pending(now), vec![waiting.clone()]);
        assert!(matches!(
            ledger.approve(approve(&approved, approved.plan_hash), now),
            Err(HitlError::AlreadyApproved { .. })
        ));
        let approval = ledger
            .approve(approve(&waiting, waiting.plan_hash), now)
            .expect("a reloaded plan is approvable");
        GrantVerifier::new(restarted_key)
            .redeem(&approval.grant, &approval.tool, &approval.arguments, now)
            .expect("the grant is issued under the new process's key");
    }

    #[test]
    fn policy_refuses_read_only_namespaces_and_asks_for_retyping() {
        let Fixture {
            dir: _dir,
            mut ledger,
            now,
            ..
        } = fixture();
        assert!(matches!(
            ledger.request(scale("coredns", "kube-system", 0), now),
            Err(HitlError::Policy(_))
        ));
        assert!(ledger.pending(now).is_empty());
        let plan = requested(&mut ledger, scale("api", "production", 3), now);
        assert!(plan.retype_required);
        assert!(matches!(
            ledger.approve(approve(&plan, plan.plan_hash), now),
            Err(HitlError::RetypeRequired { name, .. }) if name == "api"
        ));
        assert!(matches!(
            ledger.approve(
                ApproveCommand {
                    retyped_name: Some("apj".into()),
                    ..approve(&plan, plan.plan_hash)
                },
                now
            ),
            Err(HitlError::RetypeMismatch { .. })
        ));
        ledger
            .approve(
                ApproveCommand {
                    retyped_name: Some("api".into()),
                    ..approve(&plan, plan.plan_hash)
                },
                now,
            )
            .expect("retyped correctly");
    }

    fn locked(upstream: &str, request: &PlanRequest, hash: PlanHash) -> LockedPlan {
        LockedPlan {
            upstream_approval_id: upstream.into(),
            plan_hash: hash,
            approved_by: "carol@upstream".into(),
            requester: "supervisor".into(),
            tool: request.tool.clone(),
            arguments: request.arguments.clone(),
            target: request.target.clone(),
            retyped_name: None,
        }
    }

    #[test]
    fn a_plan_locked_hand_off_runs_only_its_exact_parameters_once() {
        let Fixture {
            dir,
            key,
            mut ledger,
            now,
        } = fixture();
        let request = scale("api", "staging", 5);
        let approved_hash = PlanHash::of_call(&request.tool, &request.arguments);
        let tampered = scale("api", "staging", 50);
        assert!(matches!(
            ledger.redeem_locked(locked("u1", &tampered, approved_hash), now),
            Err(HitlError::LockedHashMismatch { carried, .. }) if carried == approved_hash
        ));
        let approval = ledger
            .redeem_locked(locked("u1", &request, approved_hash), now)
            .expect("exact parameters redeem");
        assert_eq!(approval.grant.plan_hash, approved_hash);
        assert_eq!(approval.approver, "carol@upstream");
        let mut ledger = open(dir.path(), &key);
        assert!(matches!(
            ledger.redeem_locked(locked("u1", &request, approved_hash), now),
            Err(HitlError::AlreadyRedeemed { .. })
        ));
        let system = scale("coredns", "kube-system", 0);
        let system_hash = PlanHash::of_call(&system.tool, &system.arguments);
        assert!(matches!(
            ledger.redeem_locked(locked("u2", &system, system_hash), now),
            Err(HitlError::Policy(_))
        ));
    }

    #[test]
    fn an_unreadable_file_is_reported_and_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ApprovalStore::in_dir(dir.path());
        std::fs::write(store.path(), b"{not json").expect("write");
        let key = GrantKey::generate().expect("key");
        assert!(matches!(
            Ledger::open(store.clone(), policy(), key),
            Err(HitlError::Store(StoreError::Corrupt { .. }))
        ));
        assert_eq!(std::fs::read(store.path()).expect("read"), b"{not json");
    }

    /// One step of the property test's random interleaving.
    #[derive(Clone, Debug)]
    enum Step {
        /// Plan the call numbered `call`.
        Request { call: usize },
        /// Approve the `plan`-th plan ever made (or an unknown id), naming the
        /// hash of call `hash_of` (right or wrong).
        Approve { plan: usize, hash_of: usize },
        /// Deny the `plan`-th plan.
        Deny { plan: usize },
        /// Hand off call `call` as approved upstream under id `upstream`,
        /// carrying the hash of call `hash_of`.
        Locked {
            upstream: usize,
            call: usize,
            hash_of: usize,
        },
        /// Try the gateway with the `grant`-th grant ever issued on call `call`.
        Gateway { grant: usize, call: usize },
        /// Let time pass.
        Wait { seconds: u64 },
        /// Restart the process: new key, new verifier, ledger reloaded.
        Restart,
    }

    const CALLS: usize = 4;

    fn call(number: usize) -> PlanRequest {
        scale("api", "staging", number as u64)
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => (0..CALLS).prop_map(|call| Step::Request { call }),
            4 => (0..8usize, 0..CALLS).prop_map(|(plan, hash_of)| Step::Approve { plan, hash_of }),
            1 => (0..8usize).prop_map(|plan| Step::Deny { plan }),
            2 => (0..3usize, 0..CALLS, 0..CALLS)
                .prop_map(|(upstream, call, hash_of)| Step::Locked { upstream, call, hash_of }),
            4 => (0..8usize, 0..CALLS).prop_map(|(grant, call)| Step::Gateway { grant, call }),
            2 => (0..45u64).prop_map(|seconds| Step::Wait { seconds }),
            1 => Just(Step::Restart),
        ]
    }

    /// What the model says about a plan.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum ModelPlan {
        Pending { call: usize, expires: SystemTime },
        Decided,
    }

    /// A grant as the model tracks it.
    #[derive(Debug)]
    struct ModelGrant {
        grant: ApprovalGrant,
        call: usize,
        issued_in_epoch: usize,
        expires: SystemTime,
        redeemed: bool,
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Over random interleavings of plans, approvals (right and wrong
        /// hashes), denials, PLAN-LOCKED hand-offs, waiting and restarts, the
        /// ledger answers exactly as the model says, and a call gets through
        /// the gateway's verifier only with a grant issued for an approved,
        /// unexpired, unused plan of exactly that call, at most once.
        #[test]
        fn no_call_passes_without_a_matching_unexpired_unused_approval(
            steps in prop::collection::vec(step(), 1..60)
        ) {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut key = GrantKey::generate().expect("key");
            let mut verifier = GrantVerifier::new(key.clone());
            let mut ledger = open(dir.path(), &key);
            let mut now = SystemTime::now();
            let mut epoch = 0;
            let mut plans: Vec<(PendingApproval, ModelPlan)> = Vec::new();
            let mut grants: Vec<ModelGrant> = Vec::new();
            let mut redeemed_upstream: HashSet<usize> = HashSet::new();
            let hash = |number: usize| {
                let request = call(number);
                PlanHash::of_call(&request.tool, &request.arguments)
            };

            for step in steps {
                match step {
                    Step::Request { call: number } => {
                        let plan = ledger.request(call(number), now).expect("plans are accepted");
                        prop_assert_eq!(plan.plan_hash, hash(number));
                        plans.push((plan, ModelPlan::Pending { call: number, expires: now + APPROVAL_TTL }));
                    }
                    Step::Approve { plan, hash_of } => {
                        let Some((pending, model)) = plans.get_mut(plan) else {
                            let unknown = ApproveCommand {
                                plan_id: format!("plan-unknown{plan}"),
                                plan_hash: hash(hash_of),
                                approver: "bob".into(),
                                retyped_name: None,
                            };
                            prop_assert!(
                                matches!(ledger.approve(unknown, now), Err(HitlError::UnknownPlan { .. })),
                                "an unknown plan is refused as unknown"
                            );
                            continue;
                        };
                        let result = ledger.approve(approve(pending, hash(hash_of)), now);
                        match *model {
                            ModelPlan::Pending { call: number, expires } if now < expires && hash_of == number => {
                                let approval = result.expect("a pending, unexpired, matching plan is approved");
                                prop_assert_eq!(approval.grant.plan_hash, hash(number));
                                prop_assert_eq!(&approval.arguments, &call(number).arguments);
                                *model = ModelPlan::Decided;
                                grants.push(ModelGrant {
                                    grant: approval.grant,
                                    call: number,
                                    issued_in_epoch: epoch,
                                    expires: now + GRANT_TTL,
                                    redeemed: false,
                                });
                            }
                            ModelPlan::Pending { expires, .. } if now >= expires => {
                                prop_assert!(matches!(result, Err(HitlError::Expired { .. })), "expired: {result:?}");
                                *model = ModelPlan::Decided;
                            }
                            ModelPlan::Pending { .. } => {
                                prop_assert!(matches!(result, Err(HitlError::HashMismatch { .. })), "mismatch: {result:?}");
                            }
                            ModelPlan::Decided => {
                                prop_assert!(result.is_err(), "a decided plan is never approved again");
                                prop_assert!(!matches!(result, Err(HitlError::HashMismatch { .. })), "a decided plan is refused for its decision: {:?}", result);
                            }
                        }
                    }
                    Step::Deny { plan } => {
                        let Some((pending, model)) = plans.get_mut(plan) else { continue };
                        let result = ledger.deny(
                            DenyCommand { plan_id: pending.plan_id.clone(), approver: "bob".into(), reason: "no".into() },
                            now,
                        );
                        match *model {
                            ModelPlan::Pending { expires, .. } if now < expires => {
                                prop_assert!(result.is_ok(), "a pending plan can be denied: {result:?}");
                            }
                            _ => prop_assert!(result.is_err(), "a decided or expired plan cannot be denied"),
                        }
                        *model = ModelPlan::Decided;
                    }
                    Step::Locked { upstream, call: number, hash_of } => {
                        let result = ledger.redeem_locked(locked(&format!("u{upstream}"), &call(number), hash(hash_of)), now);
                        if hash_of != number {
                            prop_assert!(matches!(result, Err(HitlError::LockedHashMismatch { .. })), "{result:?}");
                        } else if !redeemed_upstream.insert(upstream) {
                            prop_assert!(matches!(result, Err(HitlError::AlreadyRedeemed { .. })), "{result:?}");
                        } else {
                            let approval = result.expect("an exact, fresh hand-off redeems");
                            prop_assert_eq!(approval.grant.plan_hash, hash(number));
                            grants.push(ModelGrant {
                                grant: approval.grant,
                                call: number,
                                issued_in_epoch: epoch,
                                expires: now + GRANT_TTL,
                                redeemed: false,
                            });
                        }
                    }
                    Step::Gateway { grant, call: number } => {
                        let request = call(number);
                        let Some(model) = grants.get_mut(grant) else {
                            continue;
                        };
                        let result = verifier.redeem(&model.grant, &request.tool, &request.arguments, now);
                        let allowed = model.issued_in_epoch == epoch
                            && model.call == number
                            && now < model.expires
                            && !model.redeemed;
                        prop_assert_eq!(result.is_ok(), allowed, "gateway verdict {:?} for {:?}", result, model);
                        if allowed {
                            model.redeemed = true;
                        }
                    }
                    Step::Wait { seconds } => now += Duration::from_secs(seconds),
                    Step::Restart => {
                        key = GrantKey::generate().expect("key");
                        verifier = GrantVerifier::new(key.clone());
                        ledger = open(dir.path(), &key);
                        epoch += 1;
                        let still_pending: HashMap<String, PendingApproval> = ledger
                            .pending(now)
                            .into_iter()
                            .map(|plan| (plan.plan_id.clone(), plan))
                            .collect();
                        for (plan, model) in &plans {
                            let model_pending = matches!(model, ModelPlan::Pending { expires, .. } if now < *expires);
                            prop_assert_eq!(still_pending.get(&plan.plan_id), model_pending.then_some(plan));
                        }
                    }
                }
            }
        }
    }
}
