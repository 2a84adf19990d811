//! A workload's rollout history, as `kubectl rollout history` reads it: the
//! one place that knows where revisions live. A rollback plans from it
//! (`planning::rollback`) and "rollout history of checkout" is answered
//! from it.
//!
//! A Deployment's revisions are the ReplicaSets it controls (by owner
//! uid, never by a name prefix), numbered by their
//! `deployment.kubernetes.io/revision` annotation; a StatefulSet's or
//! DaemonSet's are its ControllerRevisions (numbered by `revision`, the
//! template in `data.spec.template`).

use serde_json::{Map, Value};

use crate::cluster::{Cluster, Fetched, cell};
use crate::diagnosis::pod_failure::deployment_revision;
use crate::diagnosis::proposal::revision_template;
use crate::diff;
use crate::error::WorkflowError;
use crate::verify::label_selector;

/// Most revisions read one by one (the controllers keep 10 by default,
/// `revisionHistoryLimit`; a few more for workloads that keep more).
const MAX_REVISIONS_READ: usize = 25;

/// The annotation `kubectl rollout history` shows as CHANGE-CAUSE.
const CHANGE_CAUSE_ANNOTATION: &str = "kubernetes.io/change-cause";

/// The workload kinds that keep revisions.
pub(crate) const KINDS_WITH_HISTORY: [&str; 3] = ["Deployment", "StatefulSet", "DaemonSet"];

/// One revision of a workload.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Revision {
    /// The ReplicaSet or ControllerRevision that holds it.
    pub(crate) holder: String,
    /// Its number.
    pub(crate) number: u64,
    /// The pod template it runs, without the controller's own hash label.
    pub(crate) template: Value,
    /// When its holder was created (the revision's first rollout).
    created: Option<String>,
    /// A ReplicaSet's replicas now (a ControllerRevision has none).
    replicas: Option<u64>,
    /// The `kubernetes.io/change-cause` annotation, when someone set it.
    change_cause: Option<String>,
}

impl Revision {
    /// `revision 3 (replicaset checkout-5f6b8)`.
    pub(crate) fn named(&self, holder_kind: &str) -> String {
        format!("revision {} ({holder_kind} {})", self.number, self.holder)
    }
}

/// What holds a kind's revisions, as answers name it.
pub(crate) fn holder_kind(kind: &str) -> &'static str {
    if kind == "Deployment" {
        "replicaset"
    } else {
        "controllerrevision"
    }
}

/// The revisions of `live` (a Deployment, StatefulSet or DaemonSet of
/// `kind` in `namespace`): the objects of the holder kind its selector
/// lists that it controls, in no particular order.
pub(crate) async fn revisions(
    cluster: &Cluster,
    context: &str,
    kind: &str,
    namespace: Option<&str>,
    live: &Value,
) -> Result<Vec<Revision>, WorkflowError> {
    let Some(selector) = label_selector(live) else {
        return Ok(Vec::new());
    };
    let uid = live.pointer("/metadata/uid").and_then(Value::as_str);
    let holder = if kind == "Deployment" {
        "ReplicaSet"
    } else {
        "ControllerRevision"
    };
    let rows = cluster
        .list(context, "apps/v1", holder, namespace, Some(&selector))
        .await?;
    let mut found = Vec::new();
    for name in rows
        .iter()
        .filter_map(|row| cell(row, "name"))
        .take(MAX_REVISIONS_READ)
    {
        let fetched = cluster
            .get(context, "apps/v1", holder, name, namespace)
            .await?;
        if let Fetched::Found(object) = fetched
            && controlled_by(&object, uid)
            && let Some(revision) = revision_of(&object)
        {
            found.push(revision);
        }
    }
    Ok(found)
}

/// Whether `object`'s controller is the object with `uid` (any controller
/// when the workload has no uid, as in a test's object).
pub(crate) fn controlled_by(object: &Value, uid: Option<&str>) -> bool {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|owner| {
            owner["controller"] == Value::Bool(true)
                && uid.is_none_or(|uid| owner["uid"].as_str() == Some(uid))
        })
}

/// A ReplicaSet's or ControllerRevision's revision: its number and the pod
/// template without the controller's hash label (a ControllerRevision
/// holds it as a replacing patch, `$patch: replace`).
pub(crate) fn revision_of(object: &Value) -> Option<Revision> {
    let holder = object.pointer("/metadata/name")?.as_str()?.to_owned();
    let (number, template, replicas) = if object["kind"] == "ControllerRevision" {
        (
            object.get("revision")?.as_u64()?,
            object.pointer("/data/spec/template")?,
            None,
        )
    } else {
        (
            deployment_revision(object)?,
            object.pointer("/spec/template")?,
            Some(
                object
                    .pointer("/status/replicas")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
            ),
        )
    };
    let text = |pointer: &str| {
        object
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Some(Revision {
        holder,
        number,
        template: revision_template(template),
        created: text("/metadata/creationTimestamp"),
        replicas,
        change_cause: object
            .pointer("/metadata/annotations")
            .and_then(|annotations| annotations.get(CHANGE_CAUSE_ANNOTATION))
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// Whether two pod templates run the same thing (the controllers' hash
/// labels aside).
pub(crate) fn same_template(a: &Value, b: &Value) -> bool {
    diff::diff(a, b).is_empty()
}

/// The revision `live` runs: the newest whose template is the workload's.
pub(crate) fn running<'a>(live: &Value, revisions: &'a [Revision]) -> Option<&'a Revision> {
    let live_template = live.pointer("/spec/template").unwrap_or(&Value::Null);
    revisions
        .iter()
        .filter(|revision| same_template(live_template, &revision.template))
        .max_by_key(|revision| revision.number)
}

/// A pod template's images by container.
pub(crate) fn images(template: &Value) -> Map<String, Value> {
    template
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|container| {
            Some((
                container.get("name")?.as_str()?.to_owned(),
                container.get("image")?.clone(),
            ))
        })
        .collect()
}

/// `image nginx:1.27` or `images web nginx:1.27, envoy envoy:1`.
pub(crate) fn image_list(images: &Map<String, Value>) -> String {
    match images.values().collect::<Vec<_>>().as_slice() {
        [only] => format!("image {}", only.as_str().unwrap_or_default()),
        _ => format!("images {}", container_images(images)),
    }
}

/// `web nginx:1.27, envoy envoy:1` (a single container: its image alone).
fn container_images(images: &Map<String, Value>) -> String {
    match images.values().collect::<Vec<_>>().as_slice() {
        [only] => only.as_str().unwrap_or_default().to_owned(),
        _ => images
            .iter()
            .map(|(name, image)| format!("{name} {}", image.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The answer to "rollout history of checkout": the revisions of `live`
/// (its `kind`), oldest first as `kubectl rollout history` lists them,
/// each with its holder, images, creation time, replicas now and change
/// cause, the running one marked, and how to roll back to one.
pub(crate) fn answer(kind: &str, live: &Value, revisions: &[Revision]) -> String {
    let name = live
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("-");
    let place = live
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .map(|namespace| format!(" in namespace {namespace}"))
        .unwrap_or_default();
    let what = format!("{}/{name}", kind.to_lowercase());
    let holder = holder_kind(kind);
    if revisions.is_empty() {
        return format!(
            "{what}{place} has no revisions: no {holder} it controls was found (its history is kept by its controller, up to spec.revisionHistoryLimit)."
        );
    }
    let mut sorted: Vec<&Revision> = revisions.iter().collect();
    sorted.sort_by_key(|revision| revision.number);
    let current = running(live, revisions).map(|revision| revision.number);
    let mut rows = vec![[
        "REVISION".to_owned(),
        holder.to_uppercase(),
        "IMAGES".to_owned(),
        "CREATED".to_owned(),
        "REPLICAS".to_owned(),
        "CHANGE-CAUSE".to_owned(),
    ]];
    for revision in &sorted {
        rows.push([
            if Some(revision.number) == current {
                format!("{} (current)", revision.number)
            } else {
                revision.number.to_string()
            },
            revision.holder.clone(),
            container_images(&images(&revision.template)),
            revision.created.clone().unwrap_or_else(|| "-".to_owned()),
            revision
                .replicas
                .map_or_else(|| "-".to_owned(), |replicas| replicas.to_string()),
            revision
                .change_cause
                .clone()
                .unwrap_or_else(|| "<none>".to_owned()),
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|column| rows.iter().map(|row| row[column].len()).max().unwrap_or(0))
        .collect();
    let table: Vec<String> = rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect::<Vec<_>>()
                .join("   ")
                .trim_end()
                .to_owned()
        })
        .collect();
    let count = sorted.len();
    let running_line = match current.and_then(|number| sorted.iter().find(|r| r.number == number)) {
        Some(revision) => format!(
            "It runs revision {} ({}).",
            revision.number,
            image_list(&images(&revision.template))
        ),
        None => format!(
            "Its pod template matches none of these revisions (a rollout may be under way: \"rollout status of {name}\")."
        ),
    };
    format!(
        "Rollout history of {what}{place}: {count} revision{} (its {holder}s). {running_line}\n{}\nTo go back to one: \"roll back {} {name} to revision N\" (you see and approve the plan first).",
        if count == 1 { "" } else { "s" },
        table.join("\n"),
        kind.to_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn replica_set(name: &str, revision: u64, image: &str, replicas: u64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
               "metadata": {"name": name, "creationTimestamp": format!("2026-11-2{revision}T10:00:00Z"),
                            "annotations": {"deployment.kubernetes.io/revision": revision.to_string()},
                            "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "d-1", "controller": true}]},
               "spec": {"template": {"metadata": {"labels": {"app": "web", "pod-template-hash": name}},
                                     "spec": {"containers": [{"name": "web", "image": image}]}}},
               "status": {"replicas": replicas}})
    }

    fn deployment(image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "shop", "uid": "d-1"},
               "spec": {"template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": [{"name": "web", "image": image}]}}}})
    }

    #[test]
    fn the_history_lists_each_revision_oldest_first_with_the_running_one_marked() {
        let mut second = replica_set("web-b", 2, "web:2", 2);
        second["metadata"]["annotations"][CHANGE_CAUSE_ANNOTATION] = json!("release 2");
        let revisions: Vec<Revision> = [
            replica_set("web-c", 3, "web:3", 0),
            second,
            replica_set("web-a", 1, "web:1", 0),
        ]
        .iter()
        .filter_map(revision_of)
        .collect();
        let text = answer("Deployment", &deployment("web:2"), &revisions);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("Rollout history of deployment/web in namespace shop: 3 revisions (its replicasets). It runs revision 2 (image web:2)."),
            "{text}"
        );
        assert!(lines[1].starts_with("REVISION"), "{text}");
        assert!(
            lines[2].starts_with("1 ")
                && lines[2].contains("web-a")
                && lines[2].contains("web:1")
                && lines[2].ends_with("<none>"),
            "{text}"
        );
        assert!(
            lines[3].starts_with("2 (current)")
                && lines[3].contains("2026-11-22T10:00:00Z")
                && lines[3].ends_with("release 2"),
            "{text}"
        );
        assert!(
            lines[4].starts_with("3 ") && lines[4].contains("web:3"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "\"roll back deployment web to revision N\" (you see and approve the plan first)."
            ),
            "{text}"
        );
    }

    #[test]
    fn controller_revisions_hold_the_template_as_a_replacing_patch() {
        let revision = json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": "db-6c9f", "ownerReferences": [{"kind": "StatefulSet", "uid": "s-1", "controller": true}]},
            "data": {"spec": {"template": {"$patch": "replace", "metadata": {"labels": {"app": "db"}},
                                           "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}}}},
            "revision": 2});
        let read = revision_of(&revision).expect("a revision");
        assert_eq!(read.number, 2);
        assert!(read.template.get("$patch").is_none());
        assert_eq!(
            read.template["spec"]["containers"][0]["image"],
            "postgres:16"
        );
        assert!(controlled_by(&revision, Some("s-1")));
        assert!(!controlled_by(&revision, Some("other")));
    }

    #[test]
    fn a_workload_without_revisions_says_so() {
        assert!(
            answer("StatefulSet", &deployment("web:1"), &[]).contains(
                "statefulset/web in namespace shop has no revisions: no controllerrevision"
            )
        );
    }
}
