//! An object's `status.conditions`, read one way for every playbook and
//! answer that shows or weighs them (a node's Ready and pressure, a pod's
//! PodScheduled, a Job's Failed, a Deployment's Progressing, an HPA's
//! ScalingActive).
//!
//! A field the API left out reads as empty, except `status`, which reads as
//! `Unknown` (the API's own word for a condition nobody has settled); the
//! texts built here leave empty fields out rather than print a placeholder,
//! so no answer shows `since ,` or `-` for something the cluster never said.

use serde_json::Value;

/// What a condition's `status` reads as when the object does not say.
const UNKNOWN_STATUS: &str = "Unknown";

/// One condition of an object, its fields borrowed from the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition<'a> {
    /// `type`: Ready, MemoryPressure, Progressing, Failed...
    pub kind: &'a str,
    /// `status`: True, False or Unknown.
    pub status: &'a str,
    /// `reason`, the controller's one word for why; empty when absent.
    pub reason: &'a str,
    /// `message`, the controller's sentence; empty when absent.
    pub message: &'a str,
    /// `lastTransitionTime`: since when the status holds; empty when absent.
    pub since: &'a str,
    /// `lastHeartbeatTime` (nodes only: when the kubelet last reported);
    /// empty when absent.
    pub heartbeat: &'a str,
}

fn field<'a>(condition: &'a Value, key: &str) -> &'a str {
    condition[key].as_str().unwrap_or_default()
}

impl<'a> Condition<'a> {
    fn read(condition: &'a Value) -> Self {
        Condition {
            kind: field(condition, "type"),
            status: condition["status"].as_str().unwrap_or(UNKNOWN_STATUS),
            reason: field(condition, "reason"),
            message: field(condition, "message"),
            since: field(condition, "lastTransitionTime"),
            heartbeat: field(condition, "lastHeartbeatTime"),
        }
    }

    /// Whether the status is True.
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }

    /// What the controller said about it, its message first (a sentence a
    /// person reads), else its reason; `None` when it said neither.
    pub fn explanation(&self) -> Option<&'a str> {
        [self.message, self.reason]
            .into_iter()
            .find(|said| !said.is_empty())
    }

    /// `Type=Status, Reason: message`, as evidence quotes it; the parts the
    /// object leaves out are left out.
    pub fn quote(&self) -> String {
        self.quote_from(None)
    }

    /// `Type=Status since T, Reason: message`: the quote with since when the
    /// status holds (a node's condition, where the time is the story).
    pub fn quote_since(&self) -> String {
        self.quote_from(Some(self.since).filter(|since| !since.is_empty()))
    }

    fn quote_from(&self, since: Option<&str>) -> String {
        let mut quote = format!("{}={}", self.kind, self.status);
        if let Some(since) = since {
            quote.push_str(&format!(" since {since}"));
        }
        let said = self.reason_and_message();
        if !said.is_empty() {
            quote.push_str(&format!(", {said}"));
        }
        quote
    }

    /// `Reason: message`, either alone when the other is absent; empty when
    /// the controller said neither.
    pub fn reason_and_message(&self) -> String {
        [self.reason, self.message]
            .into_iter()
            .filter(|said| !said.is_empty())
            .collect::<Vec<_>>()
            .join(": ")
    }
}

/// The object's conditions in the order it lists them.
pub fn of(object: &Value) -> impl Iterator<Item = Condition<'_>> {
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(Condition::read)
}

/// The object's condition of this type, if it has one.
pub fn find<'a>(object: &'a Value, kind: &str) -> Option<Condition<'a>> {
    of(object).find(|condition| condition.kind == kind)
}

/// The object's condition of this type when it is True.
pub fn true_one<'a>(object: &'a Value, kind: &str) -> Option<Condition<'a>> {
    find(object, kind).filter(Condition::is_true)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_condition_reads_its_fields_and_absent_ones_read_empty_or_unknown() {
        let node = json!({"status": {"conditions": [
            {"type": "Ready", "status": "False", "reason": "KubeletNotReady",
             "message": "container runtime is down", "lastTransitionTime": "2026-11-25T08:00:00Z",
             "lastHeartbeatTime": "2026-11-25T08:05:00Z"},
            {"type": "MemoryPressure"}]}});
        let ready = find(&node, "Ready").expect("a Ready condition");
        assert!(!ready.is_true());
        assert_eq!(ready.heartbeat, "2026-11-25T08:05:00Z");
        assert_eq!(
            ready.quote_since(),
            "Ready=False since 2026-11-25T08:00:00Z, KubeletNotReady: container runtime is down"
        );
        assert_eq!(
            ready.quote(),
            "Ready=False, KubeletNotReady: container runtime is down"
        );
        assert_eq!(ready.explanation(), Some("container runtime is down"));
        let bare = find(&node, "MemoryPressure").expect("listed");
        assert_eq!(bare.status, "Unknown");
        assert_eq!(bare.quote_since(), "MemoryPressure=Unknown");
        assert_eq!(bare.explanation(), None);
        assert_eq!(true_one(&node, "Ready"), None);
        assert_eq!(of(&json!({"kind": "ConfigMap"})).count(), 0);
    }

    #[test]
    fn a_quote_leaves_out_what_the_object_does_not_say() {
        let job = json!({"status": {"conditions": [
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"},
            {"type": "Complete", "status": "False", "message": "still running"}]}});
        assert_eq!(
            find(&job, "Failed").map(|failed| failed.quote()),
            Some("Failed=True, BackoffLimitExceeded".to_string())
        );
        assert_eq!(
            find(&job, "Complete").map(|complete| complete.quote()),
            Some("Complete=False, still running".to_string())
        );
        assert_eq!(
            true_one(&job, "Failed").and_then(|failed| failed.explanation()),
            Some("BackoffLimitExceeded")
        );
    }
}
