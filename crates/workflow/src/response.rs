//! What the coordinator answers: the `-o json` objects of design.md
//! ("Contracts other parts rely on"), one per request.
//!
//! These types are an IPC boundary: the daemon prints or sends them as they
//! are, so each serializes to exactly one JSON object with a `kind` tag
//! (`answer`, `plan`, `diagnosis`, `health`, `handoff`, `clarify`, `result`)
//! and the contract's field names. Fields beyond the contract (the YAML
//! preview, the diff, what discovery inferred) are additions a client may
//! ignore; none of the contract's fields is ever missing.

use hitl::grant::PlanHash;
use hitl::policy::PlanTarget;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diff::FieldChange;

/// One answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    /// A read's result, or a confirmation (context switched, nothing to do).
    Answer(Answer),
    /// A change waiting for approval.
    Plan(PlanCard),
    /// A playbook's conclusion.
    Diagnosis(Diagnosis),
    /// The cluster health overview.
    Health(Health),
    /// Outside kubeop's scope.
    Handoff(Handoff),
    /// Something is missing or ambiguous: a question, never a guess.
    Clarify(Clarify),
    /// The verified outcome of an approved change.
    Result(ExecutionResult),
}

/// A read's result as the server gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The classifier's path (`read_only`, `switch_context`, `mutation` for a
    /// no-op change).
    pub path: String,
    /// The MCP tool that answered, if one was called.
    pub tool: Option<String>,
    /// The text as the server gave it (a table, YAML or plain text).
    pub text: mcp_gateway::ToolText,
    /// The server's `structuredContent`, when it sent one (for `-o json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured: Option<mcp_gateway::StructuredContent>,
    /// The server reported a failure (e.g. "not found"); `text` holds its message.
    #[serde(default)]
    pub error: bool,
    /// The kube context the answer comes from.
    pub context: String,
}

/// A change waiting for approval: everything the approver needs, and the
/// id and hash to approve it with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanCard {
    /// The id to approve or deny.
    pub plan_id: String,
    /// The hash of the exact call; the approval must name it.
    pub plan_hash: PlanHash,
    /// `scale`, `delete`, `create_update`, `exec` or `run`.
    pub operation: String,
    /// What the change acts on, with the context it runs in.
    pub target: PlanTarget,
    /// The state read from the cluster before planning (`null` if absent).
    pub current: Value,
    /// The state the change asks for.
    pub desired: Value,
    /// Impact notes and warnings the approver must read.
    pub warnings: Vec<String>,
    /// The MCP tool the change will call.
    pub tool: String,
    /// Its exact arguments (Secret data redacted for display).
    pub arguments: Value,
    /// The full YAML of a create/update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// A create/update's field-level difference against the live object.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diff: Vec<FieldChange>,
    /// What will disappear with the target (the pods of a deployment).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removes: Vec<String>,
    /// The clean-up that will follow (a debug pod's removal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<String>,
    /// Parameters discovery filled in, and from where.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inferred: Vec<String>,
    /// The approver must retype the target's name.
    pub retype_required: bool,
    /// When the plan can no longer be approved (milliseconds since the epoch).
    pub expires_at_unix_ms: u64,
}

/// A playbook's conclusion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The named cause.
    pub cause: Value,
    /// The quoted evidence.
    pub evidence: Vec<String>,
    /// The playbook's whole report (findings, next steps, tool calls made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Value>,
    /// A fix, as an ordinary plan awaiting approval: serialized as the
    /// contract's whole `<plan>` object, `"kind":"plan"` included, so a
    /// client handles it exactly like a plan `ask` returned.
    #[serde(with = "tagged_plan")]
    pub proposal: Option<PlanCard>,
    /// The kube context diagnosed.
    pub context: String,
}

/// The cluster health overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// The overview.
    pub report: Value,
    /// The kube context checked.
    pub context: String,
}

/// A proposal as the contract's `<plan>`: a [`PlanCard`] with its `kind`.
mod tagged_plan {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::PlanCard;

    /// Borrowed, for serializing without a copy.
    #[derive(Serialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Tagged<'a> {
        Plan(&'a PlanCard),
    }

    /// Owned, for reading a proposal back.
    #[derive(Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum TaggedOwned {
        Plan(PlanCard),
    }

    pub(super) fn serialize<S: Serializer>(
        proposal: &Option<PlanCard>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        proposal.as_ref().map(Tagged::Plan).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<PlanCard>, D::Error> {
        Ok(Option::<TaggedOwned>::deserialize(deserializer)?.map(|TaggedOwned::Plan(card)| card))
    }
}

/// A request for another agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handoff {
    /// `helm`, `app` or `observability`.
    pub domain: String,
    /// Why kubeop hands it over.
    pub reason: String,
    /// What kubeop found so far, so the receiving agent need not start over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<Found>,
}

/// What kubeop learnt before handing a request over.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Found {
    /// The target's kind, when the request names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The target's name (an app, a release, an object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The kube context the request would have run in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Reads already done, one line each (e.g. running vs expected pods).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<String>,
    /// Why `reads` is empty, when it is, so the receiving agent knows it
    /// starts from nothing rather than from a lost answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_nothing_read: Option<String>,
}

/// A question back to the human.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clarify {
    /// The question.
    pub question: String,
    /// The parameters that are missing or ambiguous.
    pub missing: Vec<String>,
    /// The values to choose from, when discovery found several.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

/// How a change ended. Never a silent success: verified only when the
/// cluster was seen in the planned state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The cluster shows the planned state.
    Verified,
    /// The call or the verification failed; the evidence says why.
    Failed,
    /// The deadline passed before the cluster showed the planned state.
    Unverified,
}

impl Outcome {
    /// The contract's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Verified => "verified",
            Outcome::Failed => "failed",
            Outcome::Unverified => "unverified",
        }
    }
}

/// The outcome of an approved change and what shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionResult {
    /// The plan that ran.
    pub plan_id: String,
    /// Verified, failed or unverified.
    pub outcome: Outcome,
    /// What was observed: one line each.
    pub evidence: Vec<String>,
    /// What the change acted on, with its context.
    pub target: PlanTarget,
    /// An exec's output, as the command printed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target() -> PlanTarget {
        PlanTarget {
            kind: "Deployment".into(),
            name: "api".into(),
            namespace: Some("staging".into()),
            context: "prod-eu".into(),
        }
    }

    #[test]
    fn each_response_is_one_object_with_the_contracts_kind_and_fields() {
        let answer = serde_json::to_value(Response::Answer(Answer {
            path: "read_only".into(),
            tool: Some("pods_list".into()),
            text: "NAME READY".into(),
            structured: None,
            error: false,
            context: "prod-eu".into(),
        }))
        .expect("serializes");
        assert_eq!(answer["kind"], "answer");
        for field in ["path", "tool", "text"] {
            assert!(answer.get(field).is_some(), "{field} missing: {answer}");
        }
        let hash = PlanHash::of_call("resources_scale", &serde_json::Map::new());
        let plan = serde_json::to_value(Response::Plan(PlanCard {
            plan_id: "plan-1".into(),
            plan_hash: hash,
            operation: "scale".into(),
            target: target(),
            current: json!({"replicas": 3}),
            desired: json!({"replicas": 5}),
            warnings: Vec::new(),
            tool: "resources_scale".into(),
            arguments: json!({}),
            preview: None,
            diff: Vec::new(),
            removes: Vec::new(),
            cleanup: None,
            inferred: Vec::new(),
            retype_required: false,
            expires_at_unix_ms: 0,
        }))
        .expect("serializes");
        assert_eq!(plan["kind"], "plan");
        assert_eq!(plan["plan_hash"], hash.to_string());
        assert_eq!(
            plan["target"],
            json!({"kind": "Deployment", "name": "api", "namespace": "staging", "context": "prod-eu"})
        );
        for field in ["plan_id", "operation", "current", "desired", "warnings"] {
            assert!(plan.get(field).is_some(), "{field} missing: {plan}");
        }
        let result = serde_json::to_value(Response::Result(ExecutionResult {
            plan_id: "plan-1".into(),
            outcome: Outcome::Verified,
            evidence: vec!["readyReplicas 5 = target 5".into()],
            target: target(),
            output: None,
        }))
        .expect("serializes");
        assert_eq!(result["kind"], "result");
        assert_eq!(result["outcome"], "verified");
        let clarify = serde_json::to_value(Response::Clarify(Clarify {
            question: "Which deployment?".into(),
            missing: vec!["name".into()],
            candidates: Vec::new(),
        }))
        .expect("serializes");
        assert_eq!(
            clarify,
            json!({"kind": "clarify", "question": "Which deployment?", "missing": ["name"]})
        );
        let back: Response = serde_json::from_value(plan.clone()).expect("a client reads it back");
        assert!(matches!(back, Response::Plan(card) if card.plan_hash == hash));

        let card: PlanCard = serde_json::from_value(plan.clone()).expect("a plan card");
        let diagnosis = serde_json::to_value(Response::Diagnosis(Diagnosis {
            cause: json!("OOMKilled"),
            evidence: vec!["lastState.terminated.reason: OOMKilled".into()],
            report: None,
            proposal: Some(card),
            context: "prod-eu".into(),
        }))
        .expect("serializes");
        assert_eq!(diagnosis["kind"], "diagnosis");
        assert_eq!(
            diagnosis["proposal"], plan,
            "the proposal is the contract's whole <plan>, kind included"
        );
        let back: Response = serde_json::from_value(diagnosis).expect("a client reads it back");
        assert!(
            matches!(back, Response::Diagnosis(Diagnosis { proposal: Some(card), .. }) if card.plan_hash == hash)
        );
        let without = serde_json::to_value(Response::Diagnosis(Diagnosis {
            cause: json!(null),
            evidence: Vec::new(),
            report: None,
            proposal: None,
            context: "prod-eu".into(),
        }))
        .expect("serializes");
        assert_eq!(without["proposal"], Value::Null);

        let signal = serde_json::to_value(Response::Handoff(Handoff {
            domain: "helm".into(),
            reason: "Helm releases are the Helm agent's.".into(),
            found: None,
        }))
        .expect("serializes");
        assert_eq!(
            signal,
            json!({"kind": "handoff", "domain": "helm", "reason": "Helm releases are the Helm agent's."})
        );
    }
}
