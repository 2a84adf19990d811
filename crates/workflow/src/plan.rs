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
    if current.desired == wanted {
        return Planned::NothingToDo(format!(
            "Nothing to do: {} already has {wanted} replicas ({} ready).",
            subject(&target),
            current.ready
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

/// `deployment/web in namespace staging`, `node/node-1`.
fn subject(target: &PlanTarget) -> String {
    let place = target
        .namespace
        .as_deref()
        .map(|namespace| format!(" in namespace {namespace}"))
        .unwrap_or_default();
    format!("{}/{}{place}", target.kind.to_lowercase(), target.name)
}

/// Boolean fields (as JSON pointers under `spec`) the API server leaves
/// out while they are false: asking for `false` where the live object has
/// none ("uncordon" a node that was never cordoned) changes nothing.
const FALSE_WHEN_ABSENT: [&str; 3] = ["unschedulable", "paused", "suspend"];

/// `manifest` without the [`FALSE_WHEN_ABSENT`] fields it sets to false
/// where `live` has none (and without a `spec` left empty by that), so
/// that the diff holds only real changes.
fn without_false_defaults(manifest: &Value, live: &Value) -> Value {
    let mut manifest = manifest.clone();
    let Some(spec) = manifest.get_mut("spec").and_then(Value::as_object_mut) else {
        return manifest;
    };
    for field in FALSE_WHEN_ABSENT {
        if spec.get(field) == Some(&Value::Bool(false))
            && live.pointer(&format!("/spec/{field}")).is_none()
        {
            spec.remove(field);
        }
    }
    if spec.is_empty()
        && live.get("spec").is_none()
        && let Some(fields) = manifest.as_object_mut()
    {
        fields.remove("spec");
    }
    manifest
}

/// Create or update: the full YAML, and the diff against the live object
/// when it exists (an upsert). Applying a manifest equal to the live object
/// is nothing to do, said with the state the request asked for, which the
/// object already has (`asked`: the request's own fields, before they were
/// laid over the live object). The upsert is warned about only when it
/// matters: the object exists, the request was not a change of that object
/// in place (`in_place`: a restart, label, cordon, set image, whose diff is
/// exactly what was asked), and the apply replaces values the object holds
/// (a manifest that only adds fields overwrites nothing).
pub fn create_update(
    target: PlanTarget,
    arguments: Map<String, Value>,
    manifest: &Value,
    asked: &Value,
    preview: String,
    live: Option<&Value>,
    in_place: bool,
) -> Planned {
    let changes = live.map(|live| diff::diff(live, &without_false_defaults(manifest, live)));
    if changes.as_ref().is_some_and(Vec::is_empty) {
        return Planned::NothingToDo(already_as_asked(&target, asked));
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

/// "Nothing to do: node/node-1 is not cordoned: it already accepts new
/// pods." — what the request asked for, which the object already is, in
/// words per field (`asked` holds only the request's fields).
fn already_as_asked(target: &PlanTarget, asked: &Value) -> String {
    let mut leaves = Vec::new();
    collect_leaves(&diff::user_fields(asked), "", &mut leaves);
    let states: Vec<String> = leaves
        .iter()
        .filter(|(path, _)| {
            !matches!(
                path.as_str(),
                "apiVersion" | "kind" | "metadata.name" | "metadata.namespace"
            )
        })
        .map(|(path, value)| state_in_words(path, value))
        .collect();
    let states = if states.is_empty() {
        "already matches the request field for field".to_owned()
    } else {
        states.join(", and ")
    };
    format!("Nothing to do: {} {states}.", subject(target))
}

/// The leaf fields of `value` as (path, value), lists of named objects
/// keyed by name (`containers[web].image`) as the diff keys them.
fn collect_leaves(value: &Value, path: &str, out: &mut Vec<(String, Value)>) {
    let join = |key: &str| {
        if path.is_empty() || key.starts_with('[') {
            format!("{path}{key}")
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(fields) if !fields.is_empty() => {
            for (key, child) in fields {
                collect_leaves(child, &join(key), out);
            }
        }
        Value::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|item| item.get("name").and_then(Value::as_str).is_some()) =>
        {
            for item in items {
                let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
                let mut rest = item.clone();
                if let Some(fields) = rest.as_object_mut() {
                    fields.remove("name");
                }
                collect_leaves(&rest, &join(&format!("[{name}]")), out);
            }
        }
        _ => out.push((path.to_owned(), value.clone())),
    }
}

/// One asked-for field the object already has, as a predicate: "already
/// runs image nginx:1.27 (container web)", "already has label team=a".
fn state_in_words(path: &str, value: &Value) -> String {
    let shown = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let yes = value == &Value::Bool(true);
    if let Some(key) = path.strip_prefix("metadata.labels.") {
        return format!("already has label {key}={shown}");
    }
    if let Some(key) = path.strip_prefix("metadata.annotations.") {
        return format!("already has annotation {key}={shown}");
    }
    if let Some(rest) = path.strip_prefix("spec.template.spec.containers[")
        && let Some((container, field)) = rest.split_once(']')
    {
        let field = field.trim_start_matches('.');
        if let Some(variable) = field
            .strip_prefix("env[")
            .and_then(|rest| rest.strip_suffix("].value"))
        {
            return format!("already has env {variable}={shown} (container {container})");
        }
        return match field {
            "image" => format!("already runs image {shown} (container {container})"),
            _ => match field.strip_prefix("resources.") {
                Some(resource) => {
                    let (bound, what) = resource.split_once('.').unwrap_or((resource, ""));
                    let bound = bound.trim_end_matches('s');
                    format!("already has {what} {bound} {shown} (container {container})")
                }
                None => format!("already has {field} {shown} (container {container})"),
            },
        };
    }
    match path {
        "spec.unschedulable" if yes => {
            "is already cordoned (SchedulingDisabled): no new pods land on it".to_owned()
        }
        "spec.unschedulable" => "is not cordoned: it already accepts new pods".to_owned(),
        "spec.paused" if yes => "already has its rollout paused".to_owned(),
        "spec.paused" => "is not paused: its rollouts already proceed".to_owned(),
        "spec.suspend" if yes => "is already suspended: no new runs start".to_owned(),
        "spec.suspend" => "is not suspended: it already runs on schedule".to_owned(),
        "spec.replicas" => format!("already has {shown} replicas"),
        _ => format!("already has {path} = {shown}"),
    }
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
    // The test is what the approver is asked to let run: the card says it
    // in words, not only in the plan's arguments.
    let test_run = draft.desired["test"]
        .as_array()
        .map(|words| {
            let words: Vec<&str> = words.iter().filter_map(Value::as_str).collect();
            format!("`{}` runs in it, then ", words.join(" "))
        })
        .unwrap_or_default();
    draft.cleanup = Some(format!(
        "{test_run}pod {} is deleted after use and its removal verified",
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
                "Nothing to do: deployment/api in namespace staging already has 5 replicas (4 ready)."
                    .into()
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

    /// What `create_update` answers when `asked`, laid over `live`,
    /// changes nothing.
    fn nothing_to_do(target: PlanTarget, live: &Value, asked: &Value) -> String {
        let manifest = diff::overlay(&diff::user_fields(live), asked);
        match create_update(
            target,
            Map::new(),
            &manifest,
            asked,
            String::new(),
            Some(live),
            true,
        ) {
            Planned::NothingToDo(text) => text,
            Planned::Change(draft) => panic!("nothing to do was expected, got {:?}", draft.diff),
        }
    }

    #[test]
    fn a_change_the_object_already_has_is_nothing_to_do_in_words() {
        let node = json!({"apiVersion": "v1", "kind": "Node",
                          "metadata": {"name": "node-1", "uid": "n", "labels": {"disk": "ssd"}},
                          "spec": {"podCIDR": "10.0.1.0/24"}});
        let node_target = PlanTarget {
            namespace: None,
            ..target("Node", "node-1", "")
        };
        let uncordon = json!({"apiVersion": "v1", "kind": "Node",
                              "metadata": {"name": "node-1"}, "spec": {"unschedulable": false}});
        assert_eq!(
            nothing_to_do(node_target.clone(), &node, &uncordon),
            "Nothing to do: node/node-1 is not cordoned: it already accepts new pods."
        );
        let mut cordoned = node.clone();
        cordoned["spec"]["unschedulable"] = json!(true);
        let cordon = json!({"apiVersion": "v1", "kind": "Node",
                            "metadata": {"name": "node-1"}, "spec": {"unschedulable": true}});
        assert_eq!(
            nothing_to_do(node_target.clone(), &cordoned, &cordon),
            "Nothing to do: node/node-1 is already cordoned (SchedulingDisabled): no new pods land on it."
        );
        let label = json!({"apiVersion": "v1", "kind": "Node",
                           "metadata": {"name": "node-1", "labels": {"disk": "ssd"}}});
        assert_eq!(
            nothing_to_do(node_target, &node, &label),
            "Nothing to do: node/node-1 already has label disk=ssd."
        );
        let web = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                         "metadata": {"name": "web", "namespace": "staging"},
                         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                                  "template": {"spec": {"containers": [
                                      {"name": "web", "image": "nginx:1.27",
                                       "resources": {"limits": {"memory": "256Mi"}}}]}}}});
        let set_image = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                               "metadata": {"name": "web", "namespace": "staging"},
                               "spec": {"template": {"spec": {"containers": [
                                   {"name": "web", "image": "nginx:1.27"}]}}}});
        assert_eq!(
            nothing_to_do(target("Deployment", "web", "staging"), &web, &set_image),
            "Nothing to do: deployment/web in namespace staging already runs image nginx:1.27 (container web)."
        );
        let limit = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                           "metadata": {"name": "web", "namespace": "staging"},
                           "spec": {"template": {"spec": {"containers": [
                               {"name": "web", "resources": {"limits": {"memory": "256Mi"}}}]}}}});
        assert_eq!(
            nothing_to_do(target("Deployment", "web", "staging"), &web, &limit),
            "Nothing to do: deployment/web in namespace staging already has memory limit 256Mi (container web)."
        );
    }

    #[test]
    fn resuming_what_runs_is_nothing_to_do_whether_the_field_is_false_or_absent() {
        let resume = json!({"apiVersion": "batch/v1", "kind": "CronJob",
                            "metadata": {"name": "db-backup", "namespace": "production"},
                            "spec": {"suspend": false}});
        for live_spec in [
            json!({"schedule": "30 2 * * *", "suspend": false}),
            json!({"schedule": "30 2 * * *"}),
        ] {
            let live = json!({"apiVersion": "batch/v1", "kind": "CronJob",
                              "metadata": {"name": "db-backup", "namespace": "production"},
                              "spec": live_spec});
            assert_eq!(
                nothing_to_do(target("CronJob", "db-backup", "production"), &live, &resume),
                "Nothing to do: cronjob/db-backup in namespace production is not suspended: it already runs on schedule."
            );
        }
    }

    #[test]
    fn asking_false_for_a_field_that_is_absent_while_false_changes_nothing_else() {
        let bare = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}});
        let uncordon = json!({"apiVersion": "v1", "kind": "Node",
                              "metadata": {"name": "node-1"}, "spec": {"unschedulable": false}});
        assert!(
            nothing_to_do(target("Node", "node-1", ""), &bare, &uncordon)
                .contains("is not cordoned"),
            "a node without a spec is not cordoned either"
        );
        let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"},
                          "spec": {"podCIDR": "10.0.1.0/24"}});
        let cordon = json!({"apiVersion": "v1", "kind": "Node",
                            "metadata": {"name": "node-1"}, "spec": {"unschedulable": true}});
        let manifest = diff::overlay(&node, &cordon);
        let Planned::Change(draft) = create_update(
            target("Node", "node-1", ""),
            Map::new(),
            &manifest,
            &cordon,
            String::new(),
            Some(&node),
            true,
        ) else {
            panic!("cordoning a schedulable node is a change");
        };
        assert_eq!(draft.diff.len(), 1);
        assert_eq!(draft.diff[0].path, "spec.unschedulable");
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
        assert_eq!(draft.follow_ups, vec![removal.clone()]);
        assert_eq!(
            draft.cleanup.as_deref(),
            Some("pod kubeop-debug is deleted after use and its removal verified")
        );
        // With a test, the card says the command it runs.
        let test = PlannedCall {
            tool: "pods_exec".into(),
            arguments: json!({"command": ["curl", "-sS", "http://checkout"]})
                .as_object()
                .cloned()
                .expect("an object"),
        };
        let Planned::Change(draft) = debug_pod(
            target("Pod", "kubeop-debug", "staging"),
            Map::new(),
            "kind: Pod".into(),
            "busybox",
            Some(test),
            removal,
            None,
        ) else {
            panic!("a change was expected");
        };
        assert_eq!(
            draft.cleanup.as_deref(),
            Some(
                "`curl -sS http://checkout` runs in it, then pod kubeop-debug is deleted after use and its removal verified"
            )
        );
    }
}
