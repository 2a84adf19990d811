//! The disruption controller: each PodDisruptionBudget's status from the
//! pods its selector matches, as `kubectl get pdb` (ALLOWED DISRUPTIONS) and
//! a "why can't I drain this node" question read it.

use serde_json::{Value, json};

use super::workloads::{is_deleting, namespace, not_deleting};
use super::{Action, Kind, Snapshot, pod_is_finished, pod_is_ready};
use crate::clock::rfc3339;
use crate::selector::LabelSelector;

/// An int-or-percent budget field resolved against `expected` pods
/// (percentages round up, as the real controller rounds them).
fn resolve(value: &Value, expected: usize) -> Option<usize> {
    match value {
        Value::Number(number) => number.as_u64().map(|count| count as usize),
        Value::String(percent) => percent
            .trim_end_matches('%')
            .parse::<usize>()
            .ok()
            .map(|percent| (expected * percent).div_ceil(100)),
        _ => None,
    }
}

/// PodDisruptionBudgets: healthy, desired and expected pods, and how many
/// may be disrupted now.
pub fn pod_disruption_budgets(snapshot: &Snapshot) -> Vec<Action> {
    let now = snapshot.now();
    let mut actions = Vec::new();
    for budget in not_deleting(&snapshot.pod_disruption_budgets) {
        // A budget without a selector selects no pod (policy/v1).
        let selector = budget
            .pointer("/spec/selector")
            .filter(|selector| selector.is_object())
            .and_then(|selector| LabelSelector::from_object(selector).ok());
        let pods: Vec<&Value> = snapshot
            .pods
            .iter()
            .filter(|pod| namespace(pod) == namespace(budget))
            .filter(|pod| !pod_is_finished(pod) && !is_deleting(pod))
            .filter(|pod| {
                selector
                    .as_ref()
                    .is_some_and(|selector| selector.matches_object(pod))
            })
            .collect();
        let expected = pods.len();
        let healthy = pods.iter().filter(|pod| pod_is_ready(pod)).count();
        let spec = &budget["spec"];
        let desired = match (
            resolve(&spec["minAvailable"], expected),
            resolve(&spec["maxUnavailable"], expected),
        ) {
            (Some(minimum), _) => minimum,
            (None, Some(unavailable)) => expected.saturating_sub(unavailable),
            (None, None) => expected,
        };
        let allowed = healthy.saturating_sub(desired);
        let (status, reason) = if allowed > 0 {
            ("True", "SufficientPods")
        } else {
            ("False", "InsufficientPods")
        };
        let generation = budget
            .pointer("/metadata/generation")
            .cloned()
            .unwrap_or(json!(1));
        let previous = budget
            .pointer("/status/conditions/0")
            .filter(|condition| condition["status"] == status);
        let transition = previous
            .and_then(|condition| condition.get("lastTransitionTime").cloned())
            .unwrap_or_else(|| json!(rfc3339(now)));
        let new_status = json!({
            "observedGeneration": generation,
            "disruptionsAllowed": allowed,
            "currentHealthy": healthy,
            "desiredHealthy": desired,
            "expectedPods": expected,
            "conditions": [{
                "type": "DisruptionAllowed",
                "status": status,
                "reason": reason,
                "message": "",
                "observedGeneration": generation,
                "lastTransitionTime": transition,
            }],
        });
        if budget.get("status") != Some(&new_status) {
            let mut updated = budget.clone();
            updated["status"] = new_status;
            actions.push(Action::ReplaceStatus(Kind::PodDisruptionBudget, updated));
        }
    }
    actions
}
