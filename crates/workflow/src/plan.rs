//! Planning: from what was read off the live cluster to a plan an approver
//! can judge, or to "nothing to do".
//!
//! Everything here is pure: the coordinator reads first (read before write)
//! and hands the objects in; these functions decide the plan's content per
//! operation (design.md's table), its impact notes and the idempotency rules
//! (upsert with a warning, no duplicate debug pod, no-op scale).

use classifier::Operation;
use hitl::policy::PlanTarget;
use hitl::{PendingApproval, PlanRequest, PlannedCall};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::diff::{self, FieldChange};
use crate::impact::{self, Impact};
use crate::response::PlanCard;

/// A plan before it has an id: what planning read and decided. It is also
/// what the approvals ledger keeps as the plan card, so a pending plan can be
/// shown again after a restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The kind of change.
    pub operation: Operation,
    /// The MCP tool of the change's first call.
    pub tool: String,
    /// Its exact arguments.
    pub arguments: Map<String, Value>,
    /// Calls approved with the first (a debug pod's test and removal).
    #[serde(default)]
    pub follow_ups: Vec<PlannedCall>,
    /// What the change acts on.
    pub target: PlanTarget,
    /// The state read before planning.
    pub current: Value,
    /// The state asked for.
    pub desired: Value,
    /// Impact notes.
    pub warnings: Vec<String>,
    /// A create/update's YAML.
    pub preview: Option<String>,
    /// A create/update's diff against the live object.
    pub diff: Vec<FieldChange>,
    /// Dependents that go with a deletion.
    pub removes: Vec<String>,
    /// The clean-up that follows.
    pub cleanup: Option<String>,
    /// What discovery inferred.
    pub inferred: Vec<String>,
}

/// What planning concluded.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    /// A change for a human to approve.
    Change(Box<Draft>),
    /// The cluster already is as asked: the sentence that says so. Nothing is
    /// planned and nobody is asked anything.
    NothingToDo(String),
}

impl Draft {
    /// The approvals ledger's request for this plan.
    pub fn to_request(&self, requester: &str) -> Result<PlanRequest, serde_json::Error> {
        Ok(PlanRequest {
            tool: self.tool.clone(),
            arguments: self.arguments.clone(),
            follow_ups: self.follow_ups.clone(),
            target: self.target.clone(),
            requester: requester.to_owned(),
            card: serde_json::to_value(self)?,
        })
    }

    /// The plan card for the approver, once the ledger gave the plan its id.
    /// `shown_arguments` are the arguments as displayed (secrets redacted).
    pub fn to_card(&self, pending: &PendingApproval, shown_arguments: Value) -> PlanCard {
        PlanCard {
            plan_id: pending.plan_id.clone(),
            plan_hash: pending.plan_hash,
            operation: self.operation.as_str().to_owned(),
            target: self.target.clone(),
            current: self.current.clone(),
            desired: self.desired.clone(),
            warnings: self.warnings.clone(),
            tool: self.tool.clone(),
            arguments: shown_arguments,
            preview: self.preview.clone(),
            diff: self.diff.clone(),
            removes: self.removes.clone(),
            cleanup: self.cleanup.clone(),
            inferred: self.inferred.clone(),
            retype_required: pending.retype_required,
            expires_at_unix_ms: pending.expires_at_unix_ms,
        }
    }

    fn new(
        operation: Operation,
        tool: &str,
        arguments: Map<String, Value>,
        target: PlanTarget,
    ) -> Self {
        Self {
            operation,
            tool: tool.to_owned(),
            arguments,
            follow_ups: Vec::new(),
            target,
            current: Value::Null,
            desired: Value::Null,
            warnings: Vec::new(),
            preview: None,
            diff: Vec::new(),
            removes: Vec::new(),
            cleanup: None,
            inferred: Vec::new(),
        }
    }
}

/// The replica counts of a scalable object as read from the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replicas {
    /// `spec.replicas`.
    pub desired: u64,
    /// `status.readyReplicas` (absent means none ready).
    pub ready: u64,
}

impl Replicas {
    /// The counts of a Deployment, StatefulSet or ReplicaSet object.
    pub fn of(object: &Value) -> Option<Self> {
        Some(Self {
            desired: object.pointer("/spec/replicas")?.as_u64()?,
            ready: object
                .pointer("/status/readyReplicas")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        })
    }
}

/// Scale: current → target replicas, or nothing to do when they are equal.
pub fn scale(
    target: PlanTarget,
    arguments: Map<String, Value>,
    live: &Value,
    wanted: u64,
) -> Planned {
    let current = Replicas::of(live).unwrap_or(Replicas {
        desired: 0,
        ready: 0,
    });
    let kind = target.kind.to_lowercase();
    if current.desired == wanted {
        return Planned::NothingToDo(format!(
            "{kind}/{} already has {wanted} replicas ({} ready): nothing to change",
            target.name, current.ready
        ));
    }
    let mut draft = Draft::new(Operation::Scale, "resources_scale", arguments, target);
    draft.current = json!({"replicas": current.desired, "readyReplicas": current.ready});
    draft.desired = json!({"replicas": wanted});
    draft.warnings = impact::notes(&draft.target, Impact::Scale(wanted));
    Planned::Change(Box::new(draft))
}

/// Delete: the live object and what goes with it (`dependents`, e.g. the
/// pods of a deployment, as `kind/name` lines).
pub fn delete(
    tool: &str,
    target: PlanTarget,
    arguments: Map<String, Value>,
    live: &Value,
    dependents: Vec<String>,
) -> Planned {
    let mut draft = Draft::new(Operation::Delete, tool, arguments, target);
    draft.current = diff::user_fields(live);
    draft.removes = dependents;
    draft.warnings = impact::notes(&draft.target, Impact::Delete);
    Planned::Change(Box::new(draft))
}

/// Create or update: the full YAML, and the diff against the live object
/// when it exists (an upsert). Applying a manifest equal to the live object
/// is nothing to do. The upsert is warned about only when it matters: the
/// object exists, the request was not a change of that object in place
/// (`in_place`: a restart, label, cordon, set image, whose diff is exactly
/// what was asked), and the apply replaces values the object holds (a
/// manifest that only adds fields overwrites nothing).
pub fn create_update(
    target: PlanTarget,
    arguments: Map<String, Value>,
    manifest: &Value,
    preview: String,
    live: Option<&Value>,
    in_place: bool,
) -> Planned {
    let changes = live.map(|live| diff::diff(live, manifest));
    if changes.as_ref().is_some_and(Vec::is_empty) {
        return Planned::NothingToDo(format!(
            "{}/{} already matches the manifest field for field: nothing to change",
            target.kind.to_lowercase(),
            target.name
        ));
    }
    let mut draft = Draft::new(
        Operation::CreateUpdate,
        "resources_create_or_update",
        arguments,
        target,
    );
    draft.current = live.map(diff::user_fields).unwrap_or(Value::Null);
    draft.desired = manifest.clone();
    draft.preview = Some(preview);
    draft.diff = changes.unwrap_or_default();
    let replaces_values = draft
        .diff
        .iter()
        .any(|change| change.change != diff::ChangeKind::Added);
    draft.warnings = impact::notes(
        &draft.target,
        Impact::Apply {
            overwrites: live.is_some() && !in_place && replaces_values,
        },
    );
    Planned::Change(Box::new(draft))
}

/// Exec: pod, container, command, namespace, and the shell-access warning.
pub fn exec(
    target: PlanTarget,
    arguments: Map<String, Value>,
    pod: &Value,
    container: &str,
    command: &[String],
) -> Planned {
    let mut draft = Draft::new(Operation::Exec, "pods_exec", arguments, target);
    draft.current = json!({
        "phase": pod.pointer("/status/phase").cloned().unwrap_or(Value::Null),
        "container": container,
    });
    draft.desired = json!({"command": command, "container": container});
    draft.warnings = impact::notes(&draft.target, Impact::Exec);
    Planned::Change(Box::new(draft))
}

/// A debug pod: image, name, namespace, then the test command (if any) and
/// the removal that follows, all approved together. `arguments` create the
/// pod of `preview` (`diagnosis::debug_pod::pod_manifest`). An existing pod
/// of that name is reported instead of creating a duplicate.
pub fn debug_pod(
    target: PlanTarget,
    arguments: Map<String, Value>,
    preview: String,
    image: &str,
    test: Option<PlannedCall>,
    removal: PlannedCall,
    existing: Option<&Value>,
) -> Planned {
    if let Some(existing) = existing {
        let phase = existing
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or("Unknown");
        let image = existing
            .pointer("/spec/containers/0/image")
            .and_then(Value::as_str)
            .unwrap_or("unknown image");
        return Planned::NothingToDo(format!(
            "debug pod {} already exists in namespace {} ({phase}, image {image}): \
             no duplicate created; use it, or delete it first",
            target.name,
            target.namespace.as_deref().unwrap_or("default"),
        ));
    }
    let mut draft = Draft::new(
        Operation::Run,
        "resources_create_or_update",
        arguments,
        target,
    );
    draft.desired =
        json!({"image": image, "name": draft.target.name, "namespace": draft.target.namespace});
    draft.preview = Some(preview);
    if let Some(test) = &test {
        draft.desired["test"] = test
            .arguments
            .get("command")
            .cloned()
            .unwrap_or(Value::Null);
        draft.warnings = impact::notes(&draft.target, Impact::Exec);
    }
    draft
        .warnings
        .extend(impact::notes(&draft.target, Impact::Run));
    draft.cleanup = Some(format!(
        "pod {} is deleted after use and its removal verified",
        draft.target.name
    ));
    draft.follow_ups = test.into_iter().chain([removal]).collect();
    Planned::Change(Box::new(draft))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(kind: &str, name: &str, namespace: &str) -> PlanTarget {
        PlanTarget {
            kind: kind.into(),
            name: name.into(),
            namespace: Some(namespace.into()),
            context: "dev".into(),
        }
    }

    fn deployment(replicas: u64, ready: u64) -> Value {
        json!({"kind": "Deployment", "metadata": {"name": "api", "namespace": "staging"},
               "spec": {"replicas": replicas}, "status": {"readyReplicas": ready}})
    }

    #[test]
    fn scale_shows_current_and_target_and_a_no_op_asks_nothing() {
        let Planned::Change(draft) = scale(
            target("Deployment", "api", "staging"),
            Map::new(),
            &deployment(3, 3),
            5,
        ) else {
            panic!("a change was expected");
        };
        assert_eq!(draft.current, json!({"replicas": 3, "readyReplicas": 3}));
        assert_eq!(draft.desired, json!({"replicas": 5}));
        assert!(draft.warnings.is_empty());
        assert_eq!(
            scale(
                target("Deployment", "api", "staging"),
                Map::new(),
                &deployment(5, 4),
                5
            ),
            Planned::NothingToDo(
                "deployment/api already has 5 replicas (4 ready): nothing to change".into()
            )
        );
    }

    #[test]
    fn create_update_of_an_existing_object_warns_and_diffs() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
                          "metadata": {"name": "c", "namespace": "staging", "uid": "1"},
                          "data": {"a": "1"}});
        let manifest = json!({"apiVersion": "v1", "kind": "ConfigMap",
                              "metadata": {"name": "c", "namespace": "staging"},
                              "data": {"a": "2"}});
        let Planned::Change(draft) = create_update(
            target("ConfigMap", "c", "staging"),
            Map::new(),
            &manifest,
            "kind: ConfigMap\n".into(),
            Some(&live),
            false,
        ) else {
            panic!("a change was expected");
        };
        assert_eq!(draft.diff.len(), 1);
        assert_eq!(draft.diff[0].path, "data.a");
        assert!(draft.warnings[0].contains("already exists"));
        assert!(matches!(
            create_update(
                target("ConfigMap", "c", "staging"),
                Map::new(),
                &live,
                String::new(),
                Some(&live),
                false,
            ),
            Planned::NothingToDo(_)
        ));
    }

    #[test]
    fn the_upsert_is_warned_about_only_when_it_replaces_values() {
        let live = json!({"apiVersion": "v1", "kind": "Node",
                          "metadata": {"name": "node-1", "labels": {"disk": "hdd"}}});
        let planned = |manifest: Value, in_place: bool| match create_update(
            target("Node", "node-1", "staging"),
            Map::new(),
            &manifest,
            String::new(),
            Some(&live),
            in_place,
        ) {
            Planned::Change(draft) => draft.warnings,
            Planned::NothingToDo(text) => panic!("a change was expected, got {text}"),
        };
        let relabel = json!({"apiVersion": "v1", "kind": "Node",
                             "metadata": {"name": "node-1", "labels": {"disk": "ssd"}}});
        assert!(
            planned(relabel.clone(), true).is_empty(),
            "a change in place is exactly what was asked"
        );
        assert!(
            planned(relabel, false)[0].contains("already exists"),
            "a manifest replacing a value is warned about"
        );
        let added = json!({"apiVersion": "v1", "kind": "Node",
                           "metadata": {"name": "node-1", "labels": {"disk": "hdd", "zone": "a"}}});
        assert!(
            planned(added, false).is_empty(),
            "a manifest that only adds fields overwrites nothing"
        );
    }

    #[test]
    fn an_existing_debug_pod_is_reported_not_duplicated() {
        let removal = PlannedCall {
            tool: "pods_delete".into(),
            arguments: Map::new(),
        };
        let existing =
            json!({"spec": {"containers": [{"image": "busybox"}]}, "status": {"phase": "Running"}});
        let planned = debug_pod(
            target("Pod", "kubeop-debug", "staging"),
            Map::new(),
            "kind: Pod".into(),
            "busybox",
            None,
            removal.clone(),
            Some(&existing),
        );
        assert!(matches!(planned, Planned::NothingToDo(text) if text.contains("already exists")));
        let Planned::Change(draft) = debug_pod(
            target("Pod", "kubeop-debug", "staging"),
            Map::new(),
            "kind: Pod".into(),
            "busybox",
            None,
            removal.clone(),
            None,
        ) else {
            panic!("a change was expected");
        };
        assert_eq!(draft.follow_ups, vec![removal]);
        assert!(draft.cleanup.is_some());
    }
}
