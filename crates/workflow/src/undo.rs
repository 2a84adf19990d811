//! "undo it", "revert that", "roll it back" after a change kubeop planned:
//! the change that puts the object back, which is not always a rollback.
//!
//! A pod template change (set image, restart, env, resources, a rollback)
//! is undone by rolling the workload back to its previous revision, which
//! the follow-up machinery already reads "undo it" as. Every other change
//! has no revision to go back to, and a rollback of the pod template would
//! undo something else (after "scale web to 5", rolling back web's
//! template would change its image and leave 5 replicas). So the plan card
//! of the session's last change says how it is undone: a scale back to the
//! replica count the card read, an uncordon after a cordon, a resume after
//! a suspend (and the other way round), or a question when only a person
//! can say (a deletion, a new object, labels). The undo is a request like
//! any other: planned from the live state and approved.

use serde_json::Value;

use crate::followup::Resolved;
use crate::response::{Clarify, PlanCard};

/// How the change of a plan card is undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Undo {
    /// The complete request that puts the object back.
    Request {
        /// The request, as a person would type it.
        request: String,
        /// The change it undoes, in words ("scale of deployment/web to 5").
        undoes: String,
    },
    /// Nothing kubeop can plan puts it back: the question saying why.
    Question(String),
}

/// Words that open a request to undo the last change, when the request
/// names nothing else ("undo it", "revert that", "roll it back").
const UNDO_VERBS: [&str; 4] = ["undo", "revert", "rollback", "roll"];

impl Undo {
    /// How `card`'s change is undone; `None` for a pod template change,
    /// which a rollback to the previous revision undoes.
    pub(crate) fn of(card: &PlanCard) -> Option<Undo> {
        let target = &card.target;
        let kind = target.kind.to_lowercase();
        let place = target
            .namespace
            .as_deref()
            .map(|namespace| format!(" in namespace {namespace}"))
            .unwrap_or_default();
        let object = format!("{kind}/{}{place}", target.name);
        let request = |request: String, undoes: String| {
            Some(Undo::Request {
                request: format!("{request}{place}"),
                undoes,
            })
        };
        let spec_bool = |field: &str| {
            card.desired
                .pointer(&format!("/spec/{field}"))
                .and_then(Value::as_bool)
        };
        match card.operation.as_str() {
            "scale" => {
                let before = card.current.get("replicas").and_then(Value::as_u64)?;
                let after = card.desired.get("replicas").and_then(Value::as_u64)?;
                request(
                    format!("scale {kind} {} to {before}", target.name),
                    format!("the scale of {object} from {before} to {after}"),
                )
            }
            "delete" => Some(Undo::Question(format!(
                "I cannot undo the deletion of {object}: it is gone, and kubeop keeps no copy to recreate it from. Recreate it from its manifest (your repository or CI)."
            ))),
            "create_update" if card.diff.is_empty() => Some(Undo::Question(format!(
                "That change created {object}. To undo it, delete it: say \"delete {kind} {}{place}\" and I plan the deletion for your approval.",
                target.name
            ))),
            "create_update"
                if card
                    .diff
                    .iter()
                    .all(|change| change.path.starts_with("spec.template.")) =>
            {
                None
            }
            "create_update" if target.kind == "Node" => {
                let cordoned = spec_bool("unschedulable")?;
                let (verb, undone) = if cordoned {
                    ("uncordon", "cordon")
                } else {
                    ("cordon", "uncordon")
                };
                request(
                    format!("{verb} node {}", target.name),
                    format!("the {undone} of {object}"),
                )
            }
            "create_update" if target.kind == "CronJob" => {
                let suspended = spec_bool("suspend")?;
                let (verb, undone) = if suspended {
                    ("resume", "suspension")
                } else {
                    ("suspend", "resumption")
                };
                request(
                    format!("{verb} cronjob {}", target.name),
                    format!("the {undone} of {object}"),
                )
            }
            "create_update" => {
                let fields: Vec<String> = card
                    .diff
                    .iter()
                    .map(|change| {
                        let was = change
                            .live
                            .as_ref()
                            .map_or_else(|| "not set".to_owned(), Value::to_string);
                        format!("{} (was {was})", change.path)
                    })
                    .collect();
                Some(Undo::Question(format!(
                    "That change to {object} has no earlier revision to roll back to. To undo it, tell me the values to set back: {}.",
                    fields.join(", ")
                )))
            }
            _ => Some(Undo::Question(format!(
                "A command run in {object} cannot be undone by kubeop."
            ))),
        }
    }
}

/// "undo it" (an undo verb first, and the classifier asking which object:
/// `names_nothing`, asked last: it classifies the request once more) after
/// a change the session planned that a rollback
/// does not undo: the request that does, or the question why none can.
/// `None` leaves the request to the follow-up machinery (a rollback of the
/// object last talked about).
pub(crate) fn of_last_change(
    undo: Option<&Undo>,
    text: &str,
    names_nothing: impl FnOnce() -> bool,
) -> Option<Result<Resolved, Clarify>> {
    let undo = undo?;
    let first = text
        .split_whitespace()
        .next()?
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_ascii_lowercase();
    if !UNDO_VERBS.contains(&first.as_str()) || !names_nothing() {
        return None;
    }
    Some(match undo {
        Undo::Request { request, undoes } => Ok(Resolved {
            note: format!(
                "'{}' undoes your last change ({undoes}); read as \"{request}\"",
                text.trim()
            ),
            request: request.clone(),
        }),
        Undo::Question(question) => Err(Clarify {
            question: question.clone(),
            missing: vec!["resource".to_owned()],
            candidates: Vec::new(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::diff::{ChangeKind, FieldChange};

    fn card(
        operation: &str,
        kind: &str,
        current: Value,
        desired: Value,
        diff: Vec<&str>,
    ) -> PlanCard {
        let card = json!({
            "plan_id": "p-1", "plan_hash": "0".repeat(64), "operation": operation,
            "target": {"kind": kind, "name": "web", "namespace": "demo", "context": "sim"},
            "current": current, "desired": desired, "warnings": [], "tool": "t",
            "arguments": {}, "retype_required": false, "expires_at_unix_ms": 0,
        });
        let mut card: PlanCard = serde_json::from_value(card).expect("a card");
        card.diff = diff
            .into_iter()
            .map(|path| FieldChange {
                path: path.to_owned(),
                change: ChangeKind::Changed,
                live: Some(json!("a")),
                desired: Some(json!("b")),
            })
            .collect();
        card
    }

    #[test]
    fn each_change_is_undone_by_its_inverse_or_a_rollback_or_a_question() {
        let scale = card(
            "scale",
            "Deployment",
            json!({"replicas": 2}),
            json!({"replicas": 5}),
            vec![],
        );
        assert_eq!(
            of_last_change(Undo::of(&scale).as_ref(), "undo it", || true),
            Some(Ok(Resolved {
                request: "scale deployment web to 2 in namespace demo".into(),
                note: "'undo it' undoes your last change (the scale of deployment/web in namespace demo from 2 to 5); read as \"scale deployment web to 2 in namespace demo\"".into(),
            }))
        );
        let image = card(
            "create_update",
            "Deployment",
            json!({}),
            json!({}),
            vec!["spec.template.spec.containers[app].image"],
        );
        assert_eq!(Undo::of(&image), None, "a rollback undoes it");
        let cordon = card(
            "create_update",
            "Node",
            json!({}),
            json!({"spec": {"unschedulable": true}}),
            vec!["spec.unschedulable"],
        );
        assert!(matches!(
            Undo::of(&cordon),
            Some(Undo::Request { request, .. }) if request.starts_with("uncordon node web")
        ));
        let delete = card("delete", "Deployment", json!({}), json!({}), vec![]);
        assert!(matches!(
            of_last_change(Undo::of(&delete).as_ref(), "revert that", || true),
            Some(Err(question)) if question.question.starts_with("I cannot undo the deletion")
        ));
        // Another verb, or a request that names its object, is not this.
        assert_eq!(
            of_last_change(Undo::of(&scale).as_ref(), "restart it", || true),
            None
        );
        assert_eq!(
            of_last_change(Undo::of(&scale).as_ref(), "undo web", || false),
            None
        );
    }
}
