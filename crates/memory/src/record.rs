//! The record model: what the workflow tells memory about each step of a change.
//!
//! These types are an **API boundary** (they are written to disk and served
//! over the daemon's socket), so they are plain serde types with stable,
//! `snake_case` names. Every record repeats the operation's target and kind so
//! that any single record is self-describing: discovery can use a record even
//! when the operation's earlier records were rotated away.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::time::Timestamp;

/// Identifies one change from its request to its outcome; every record of
/// that change carries it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OperationId(String);

/// Distinguishes ids generated in the same millisecond by the same process.
static GENERATED_IDS: AtomicU64 = AtomicU64::new(0);

impl OperationId {
    /// Wraps an id chosen by the caller (for example the workflow's plan id).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// A fresh id, unique across processes on this host: `op-` followed by
    /// the time in milliseconds, the process id and a per-process counter
    /// (all hexadecimal), so ids also sort roughly by creation time.
    pub fn generate() -> Self {
        let count = GENERATED_IDS.fetch_add(1, Ordering::Relaxed);
        Self(format!(
            "op-{:011x}-{:x}-{count:x}",
            Timestamp::now().unix_millis(),
            std::process::id()
        ))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OperationId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// The object a change is about, and where it lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    /// The kube context the change runs in; `None` means the kubeconfig's
    /// current context at the time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The namespace; `None` for cluster-scoped objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The object's kind as Kubernetes spells it (`Deployment`, `Pod`).
    pub kind: String,
    /// The object's name.
    pub name: String,
}

impl fmt::Display for Target {
    /// `kind/name -n namespace (context)`, the way a human reads a target.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}/{}", self.kind, self.name)?;
        if let Some(namespace) = &self.namespace {
            write!(formatter, " -n {namespace}")?;
        }
        if let Some(context) = &self.context {
            write!(formatter, " ({context})")?;
        }
        Ok(())
    }
}

/// The kind of change: the classifier owns the vocabulary (its `operation`
/// field), and the journal stores the same names.
pub use classifier::Operation;

/// One step in the life of a change, with what that step needs to be audited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A human (or a supervisor's hand-off) asked for the change.
    Requested {
        /// The request as it was worded.
        request: String,
    },
    /// The plan was read from the live cluster and shown for approval.
    Planned {
        /// The hash the approval is bound to.
        plan_hash: String,
        /// What the plan will do (`replicas 3 → 5`, the YAML's impact, ...).
        summary: String,
    },
    /// The exact plan was approved.
    Approved {
        /// The hash of the plan that was approved.
        plan_hash: String,
        /// Who approved it.
        approver: String,
    },
    /// The plan was refused, or its approval was rejected (expired, reused,
    /// hash mismatch).
    Denied {
        /// The hash of the plan that was refused.
        plan_hash: String,
        /// Who refused it (`None` when the approval itself was invalid).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approver: Option<String>,
        /// Why.
        reason: String,
    },
    /// The mutating tool call ran. Its outcome is not known yet: until a
    /// verification record follows, the operation is "outcome unknown".
    Executed {
        /// The MCP tool that ran (`resources_scale`, ...).
        tool: String,
        /// Its arguments, already redacted by the gateway; memory additionally
        /// redacts the data of Secret manifests (see [`crate::redact`]).
        arguments: Value,
        /// What the tool answered, in short.
        summary: String,
    },
    /// The cluster shows the intended state.
    Verified {
        /// What was observed (`readyReplicas 5/5`, `404 after delete`, ...).
        evidence: Vec<String>,
    },
    /// The tool call or the verification failed.
    Failed {
        /// What went wrong.
        summary: String,
        /// What was observed.
        evidence: Vec<String>,
    },
    /// Verification could not conclude (timed out, not observable).
    Unverified {
        /// Why it could not conclude.
        summary: String,
        /// What was observed.
        evidence: Vec<String>,
    },
    /// The change ran but its outcome could not be established (found after a
    /// restart and not re-verifiable).
    OutcomeUnknown {
        /// Why the outcome is unknown.
        summary: String,
    },
}

/// The kind of an [`Event`], without its payload: for filters and tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// See [`Event::Requested`].
    Requested,
    /// See [`Event::Planned`].
    Planned,
    /// See [`Event::Approved`].
    Approved,
    /// See [`Event::Denied`].
    Denied,
    /// See [`Event::Executed`].
    Executed,
    /// See [`Event::Verified`].
    Verified,
    /// See [`Event::Failed`].
    Failed,
    /// See [`Event::Unverified`].
    Unverified,
    /// See [`Event::OutcomeUnknown`].
    OutcomeUnknown,
}

impl EventKind {
    /// The wire name of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Requested => "requested",
            EventKind::Planned => "planned",
            EventKind::Approved => "approved",
            EventKind::Denied => "denied",
            EventKind::Executed => "executed",
            EventKind::Verified => "verified",
            EventKind::Failed => "failed",
            EventKind::Unverified => "unverified",
            EventKind::OutcomeUnknown => "outcome_unknown",
        }
    }

    /// Whether an operation whose latest record has this kind is finished
    /// (nothing more will be recorded for it).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            EventKind::Denied
                | EventKind::Verified
                | EventKind::Failed
                | EventKind::Unverified
                | EventKind::OutcomeUnknown
        )
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Event {
    /// This event's kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Requested { .. } => EventKind::Requested,
            Event::Planned { .. } => EventKind::Planned,
            Event::Approved { .. } => EventKind::Approved,
            Event::Denied { .. } => EventKind::Denied,
            Event::Executed { .. } => EventKind::Executed,
            Event::Verified { .. } => EventKind::Verified,
            Event::Failed { .. } => EventKind::Failed,
            Event::Unverified { .. } => EventKind::Unverified,
            Event::OutcomeUnknown { .. } => EventKind::OutcomeUnknown,
        }
    }
}

/// One event of one change, as the workflow hands it to memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// When the step happened.
    pub time: Timestamp,
    /// The change this step belongs to.
    pub operation_id: OperationId,
    /// The kind of change.
    pub operation: Operation,
    /// What the change is about.
    pub target: Target,
    /// The step and its details.
    pub event: Event,
}

impl Record {
    /// A record of `event` for `operation_id`, stamped with the current time.
    pub fn now(
        operation_id: OperationId,
        operation: Operation,
        target: Target,
        event: Event,
    ) -> Self {
        Self {
            time: Timestamp::now(),
            operation_id,
            operation,
            target,
            event,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_use_the_contract_names_on_the_wire() {
        let record = Record {
            time: Timestamp::from_unix_millis(0),
            operation_id: OperationId::new("op-1"),
            operation: Operation::CreateUpdate,
            target: Target {
                context: None,
                namespace: Some("shop".into()),
                kind: "Deployment".into(),
                name: "web".into(),
            },
            event: Event::OutcomeUnknown {
                summary: "restarted".into(),
            },
        };
        let json = serde_json::to_value(&record).expect("records serialize");
        assert_eq!(json["operation"], "create_update");
        assert_eq!(json["event"]["kind"], "outcome_unknown");
        assert_eq!(json["time"], "1970-01-01T00:00:00.000Z");
        assert!(json["target"].get("context").is_none());
        let back: Record = serde_json::from_value(json).expect("records deserialize");
        assert_eq!(back, record);
    }

    /// Records written when memory still had its own copy of `Operation`
    /// read back unchanged with the classifier's, for every operation.
    #[test]
    fn records_written_before_operation_moved_to_the_classifier_still_parse() {
        let names = [
            ("scale", Operation::Scale),
            ("delete", Operation::Delete),
            ("create_update", Operation::CreateUpdate),
            ("exec", Operation::Exec),
            ("run", Operation::Run),
        ];
        for (name, operation) in names {
            let line = format!(
                r#"{{"event":{{"kind":"requested","request":"r"}},"operation":"{name}","operation_id":"op-1","target":{{"kind":"Pod","name":"p"}},"time":"1970-01-01T00:00:00.000Z"}}"#
            );
            let record: Record = serde_json::from_str(&line).expect("an old record parses");
            assert_eq!(record.operation, operation);
            assert_eq!(record.operation.to_string(), name);
            let written_back = serde_json::to_value(&record).expect("records serialize");
            assert_eq!(
                canonical_json::to_string(&written_back),
                line,
                "the journal's (canonical) bytes are unchanged"
            );
        }
    }

    #[test]
    fn generated_ids_are_distinct() {
        let ids: std::collections::HashSet<_> =
            (0..1_000).map(|_| OperationId::generate()).collect();
        assert_eq!(ids.len(), 1_000);
    }

    #[test]
    fn event_kind_names_match_serde_names() {
        for kind in [
            EventKind::Requested,
            EventKind::Planned,
            EventKind::Approved,
            EventKind::Denied,
            EventKind::Executed,
            EventKind::Verified,
            EventKind::Failed,
            EventKind::Unverified,
            EventKind::OutcomeUnknown,
        ] {
            assert_eq!(
                serde_json::to_value(kind).expect("serializes"),
                kind.as_str()
            );
        }
    }
}
