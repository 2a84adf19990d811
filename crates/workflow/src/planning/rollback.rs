//! Rolling a workload back to an earlier revision, as `kubectl rollout undo`
//! does: from the cluster's own history, never from a guessed image.
//!
//! A Deployment's revisions are its ReplicaSets (numbered by the
//! `deployment.kubernetes.io/revision` annotation, each holding the pod
//! template it ran); a StatefulSet's or DaemonSet's are its
//! ControllerRevisions (numbered by `revision`, the template in
//! `data.spec.template`). The plan applies the chosen revision's pod
//! template over the live workload, and goes through approval, execution
//! and the rollout's verification like any other template change.

use classifier::{
    PREVIOUS_REVISION_PLACEHOLDER, RESTARTED_AT_ANNOTATION, REVISION_PLACEHOLDER_PREFIX,
};
use memory::{Event, Query, QueryAnswer};
use serde_json::{Map, Value, json};

use super::{Subject, apply_call};
use crate::coordinator::Pipeline;
use crate::diff::{self, ChangeKind};
use crate::error::WorkflowError;
use crate::history::{
    Revision, holder_kind, image_list, images, revisions, running, same_template,
};
use crate::plan::{self, Planned};
use crate::response::{Clarify, Response};

/// The annotation `kubectl rollout restart` sets on the pod template: a
/// rollback to a revision from before a restart cannot take it away (an
/// apply only removes fields its own manager set), and leaving it changes
/// nothing the pods run.
const RESTARTED_AT_PATH: &str =
    "spec.template.metadata.annotations.kubectl.kubernetes.io/restartedAt";

/// Which revision a rollback goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RollbackTo {
    /// The one before the running one ("roll back checkout").
    Previous,
    /// A revision by number ("roll back checkout to revision 3").
    Number(u64),
}

/// The rollback `manifest` asks for: its `spec.template` is the
/// classifier's placeholder for a revision.
pub(super) fn requested(manifest: &Value) -> Option<RollbackTo> {
    let placeholder = manifest.pointer("/spec/template")?.as_str()?;
    if placeholder == PREVIOUS_REVISION_PLACEHOLDER {
        return Some(RollbackTo::Previous);
    }
    placeholder
        .strip_prefix(REVISION_PLACEHOLDER_PREFIX)?
        .strip_suffix('}')?
        .parse()
        .ok()
        .map(RollbackTo::Number)
}

/// Plans the rollback of `subject` (read as `live`) to `to`: the plan, the
/// answer saying why there is nothing to roll back to, or the question
/// naming the revisions there are when the one asked for is not kept.
pub(super) async fn plan(
    pipeline: &Pipeline,
    subject: &Subject,
    live: &Value,
    to: RollbackTo,
) -> Result<Result<Planned, Response>, WorkflowError> {
    let holder_kind = holder_kind(&subject.kind);
    let revisions = revisions(
        &pipeline.cluster,
        &subject.context,
        &subject.kind,
        subject.namespace.as_deref(),
        live,
    )
    .await?;
    let (current, chosen) = match choose(live, &revisions, to) {
        Ok(found) => found,
        Err(NoRevision::Unknown(number, kept)) => {
            return Ok(Err(Response::Clarify(Clarify {
                candidates: kept
                    .iter()
                    .map(|revision| format!("revision {}", revision.number))
                    .collect(),
                question: NoRevision::Unknown(number, kept).say(subject, holder_kind),
                missing: vec!["resource".to_owned()],
            })));
        }
        Err(why) => return Ok(Ok(Planned::NothingToDo(why.say(subject, holder_kind)))),
    };
    let live_template = live
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(Value::Null);
    // Each removed field to its leaves: a revision from before any restart
    // has no annotations map at all, and the whole map removed is then only
    // the restart's annotation.
    let kept: Vec<String> = diff::diff(&live_template, &chosen.template)
        .into_iter()
        .filter(|change| change.change == ChangeKind::Removed)
        .flat_map(|change| {
            let mut leaves = Vec::new();
            leaf_paths(
                change.live.as_ref().unwrap_or(&Value::Null),
                &format!("spec.template.{}", change.path),
                &mut leaves,
            );
            leaves
        })
        .collect();
    let (tolerated, blocking): (Vec<String>, Vec<String>) =
        kept.into_iter().partition(|path| path == RESTARTED_AT_PATH);
    let what = format!("{}/{}", subject.kind.to_lowercase(), subject.name);
    if !blocking.is_empty() {
        return Ok(Ok(Planned::NothingToDo(format!(
            "I cannot roll {what}{} back to {} by an apply: the running revision added {} and an apply cannot remove fields another client set. Roll it back with `kubectl rollout undo {what}{} --to-revision={}`.",
            subject.place(),
            chosen.named(holder_kind),
            blocking.join(", "),
            subject
                .namespace
                .as_deref()
                .map(|namespace| format!(" -n {namespace}"))
                .unwrap_or_default(),
            chosen.number
        ))));
    }
    let mut manifest = diff::user_fields(live);
    if let Some(template) = manifest.pointer_mut("/spec/template") {
        *template = chosen.template.clone();
    }
    let (preview, call) = apply_call(pipeline, &subject.context, &manifest).await?;
    let planned = plan::create_update(
        subject.target(),
        call,
        &manifest,
        &manifest,
        preview,
        Some(live),
        true,
    );
    let Planned::Change(mut draft) = planned else {
        return Ok(Ok(planned));
    };
    let from = current.as_ref().map_or_else(
        || "the running template".to_owned(),
        |current| current.named(holder_kind),
    );
    let (now_images, then_images) = (images(&live_template), images(&chosen.template));
    draft.current =
        json!({"revision": current.as_ref().map(|current| current.number), "images": now_images});
    draft.desired = json!({"revision": chosen.number, "images": then_images});
    draft.warnings.insert(
        0,
        format!(
            "Rolls {what} back from {from} to {}: {}. Every replica is replaced.",
            chosen.named(holder_kind),
            image_change(&now_images, &then_images)
        ),
    );
    if !tolerated.is_empty() {
        let restarted_at = live
            .pointer("/spec/template/metadata/annotations")
            .and_then(|annotations| annotations.get(RESTARTED_AT_ANNOTATION))
            .and_then(Value::as_str);
        let by_kubeop = match restarted_at {
            Some(value) => restarted_by_kubeop(pipeline, subject, value).await?,
            None => None,
        };
        draft.warnings.push(match by_kubeop {
            // kubeop's own apply set it: the server keeps what kubeop's field
            // manager applies, and drops what it stops applying.
            Some(operation) => format!(
                "{} was set by kubeop's own restart ({operation}): this apply, by the same field manager, leaves it out, so the server drops it and the pods run revision {}'s template exactly.",
                tolerated.join(", "),
                chosen.number
            ),
            None => format!(
                "{} stays as it is (another client set it, e.g. `kubectl rollout restart`, and an apply cannot remove it); the pods run revision {}'s containers.",
                tolerated.join(", "),
                chosen.number
            ),
        });
    }
    draft.inferred.push(match to {
        RollbackTo::Previous => format!(
            "{}: the newest revision of {what} before the running one, as `kubectl rollout undo` picks it",
            chosen.named(holder_kind)
        ),
        RollbackTo::Number(_) => format!("{}: the revision asked for", chosen.named(holder_kind)),
    });
    Ok(Ok(Planned::Change(draft)))
}

/// The dotted paths of `value`'s leaves under `path` (a map's keys
/// appended; anything else is a leaf), as the diff names fields.
fn leaf_paths(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(fields) if !fields.is_empty() => {
            for (key, child) in fields {
                leaf_paths(child, &format!("{path}.{key}"), out);
            }
        }
        _ => out.push(path.to_owned()),
    }
}

/// Most of a workload's recent operations searched for the restart that
/// set its `restartedAt` annotation.
const MAX_OPERATIONS_SEARCHED: usize = 10;

/// The id of kubeop's executed change on `subject` that applied the pod
/// template annotation `restartedAt: value` (a restart kubeop ran), from
/// the operations log; `None` when another client set it.
async fn restarted_by_kubeop(
    pipeline: &Pipeline,
    subject: &Subject,
    value: &str,
) -> Result<Option<String>, WorkflowError> {
    let answer = pipeline
        .memory
        .query(Query::OperationsOn {
            kind: subject.kind.clone(),
            name: subject.name.clone(),
            namespace: subject.namespace.clone(),
            context: Some(subject.context.clone()),
            limit: MAX_OPERATIONS_SEARCHED,
        })
        .await?;
    let QueryAnswer::Operations { operations } = answer else {
        return Ok(None);
    };
    for operation in operations {
        let history = pipeline
            .memory
            .query(Query::History {
                operation_id: operation.operation_id.clone(),
            })
            .await?;
        let QueryAnswer::History { entries } = history else {
            continue;
        };
        let applied_it = entries.iter().any(|entry| match &entry.record.event {
            Event::Executed { arguments, .. } => arguments
                .get("resource")
                .and_then(Value::as_str)
                .is_some_and(|resource| applies_restarted_at(resource, value)),
            _ => false,
        });
        if applied_it {
            return Ok(Some(operation.operation_id.to_string()));
        }
    }
    Ok(None)
}

/// Whether the applied manifest `resource` (YAML or JSON) sets the pod
/// template's `restartedAt` to `value`.
fn applies_restarted_at(resource: &str, value: &str) -> bool {
    serde_norway::from_str::<Value>(resource).is_ok_and(|manifest| {
        manifest
            .pointer("/spec/template/metadata/annotations")
            .and_then(|annotations| annotations.get(RESTARTED_AT_ANNOTATION))
            .and_then(Value::as_str)
            == Some(value)
    })
}

/// Why there is no revision to roll back to.
#[derive(Debug, Clone, PartialEq)]
enum NoRevision {
    /// The workload has no revision other than the one it runs.
    OnlyOne(Option<Box<Revision>>),
    /// The revision asked for is not kept; these are.
    Unknown(u64, Vec<Revision>),
    /// The revision asked for is the one running.
    Running(Box<Revision>),
}

impl NoRevision {
    fn say(self, subject: &Subject, holder_kind: &str) -> String {
        let what = format!(
            "{}/{}{}",
            subject.kind.to_lowercase(),
            subject.name,
            subject.place()
        );
        match self {
            NoRevision::OnlyOne(Some(only)) => format!(
                "Nothing to roll back to: {what} has no earlier revision. It runs {} ({}), the only one its history keeps.",
                only.named(holder_kind),
                image_list(&images(&only.template))
            ),
            NoRevision::OnlyOne(None) => format!(
                "Nothing to roll back to: {what} has no earlier revision in its history (no {holder_kind} of it other than the running template)."
            ),
            NoRevision::Unknown(number, kept) => format!(
                "Which revision should {what} go back to? It has no revision {number}; its history keeps {}. Say \"roll back {} {} to revision N\".",
                kept.iter()
                    .map(|revision| format!(
                        "{} ({})",
                        revision.named(holder_kind),
                        image_list(&images(&revision.template))
                    ))
                    .collect::<Vec<_>>()
                    .join(", "),
                subject.kind.to_lowercase(),
                subject.name
            ),
            NoRevision::Running(running) => format!(
                "Nothing to do: {what} already runs {} ({}).",
                running.named(holder_kind),
                image_list(&images(&running.template))
            ),
        }
    }
}

/// The running revision (the one whose template is the workload's) and the
/// one to roll back to: the highest-numbered revision with another template
/// (what `kubectl rollout undo` picks), or the one numbered `to`.
fn choose(
    live: &Value,
    revisions: &[Revision],
    to: RollbackTo,
) -> Result<(Option<Revision>, Revision), NoRevision> {
    let live_template = live.pointer("/spec/template").unwrap_or(&Value::Null);
    let mut sorted = revisions.to_vec();
    sorted.sort_by_key(|revision| std::cmp::Reverse(revision.number));
    let current = running(live, revisions).cloned();
    match to {
        RollbackTo::Previous => sorted
            .iter()
            .find(|revision| !same_template(live_template, &revision.template))
            .cloned()
            .map(|chosen| (current.clone(), chosen))
            .ok_or(NoRevision::OnlyOne(current.map(Box::new))),
        RollbackTo::Number(number) => {
            let Some(chosen) = sorted.iter().find(|revision| revision.number == number) else {
                sorted.reverse();
                return Err(NoRevision::Unknown(number, sorted));
            };
            if same_template(live_template, &chosen.template) {
                return Err(NoRevision::Running(Box::new(chosen.clone())));
            }
            Ok((current, chosen.clone()))
        }
    }
}

/// Container by container, the image now → the image after the rollback.
fn image_change(now: &Map<String, Value>, then: &Map<String, Value>) -> String {
    let mut names: Vec<&String> = now.keys().chain(then.keys()).collect();
    names.sort_unstable();
    names.dedup();
    let image = |images: &Map<String, Value>, name: &str| {
        images
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("(no such container)")
            .to_owned()
    };
    names
        .into_iter()
        .map(|name| {
            let (before, after) = (image(now, name), image(then, name));
            if before == after {
                format!("container {name} keeps image {before}")
            } else {
                format!("container {name} image {before} → {after}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::proposal::POD_TEMPLATE_HASH_LABEL;
    use crate::history::revision_of;

    fn template(image: &str, hash: &str) -> Value {
        json!({"metadata": {"labels": {"app": "web", POD_TEMPLATE_HASH_LABEL: hash}},
               "spec": {"containers": [{"name": "web", "image": image}]}})
    }

    fn replica_set(name: &str, revision: u64, image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
               "metadata": {"name": name, "annotations": {"deployment.kubernetes.io/revision": revision.to_string()},
                            "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "d-1", "controller": true}]},
               "spec": {"template": template(image, name)}})
    }

    fn deployment(image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "shop", "uid": "d-1"},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": [{"name": "web", "image": image}]}}}})
    }

    fn revisions(sets: &[Value]) -> Vec<Revision> {
        sets.iter().filter_map(revision_of).collect()
    }

    #[test]
    fn the_placeholder_names_the_revision() {
        let at = |template: &str| requested(&json!({"spec": {"template": template}}));
        assert_eq!(
            at(PREVIOUS_REVISION_PLACEHOLDER),
            Some(RollbackTo::Previous)
        );
        assert_eq!(
            at(&format!("{REVISION_PLACEHOLDER_PREFIX}3}}")),
            Some(RollbackTo::Number(3))
        );
        assert_eq!(at("nginx"), None);
        assert_eq!(requested(&json!({"spec": {"template": {}}})), None);
    }

    #[test]
    fn the_previous_revision_is_the_latest_with_another_template() {
        let history = revisions(&[
            replica_set("web-a", 1, "web:1"),
            replica_set("web-c", 3, "web:3"),
            replica_set("web-b", 2, "web:2"),
        ]);
        let (current, chosen) =
            choose(&deployment("web:3"), &history, RollbackTo::Previous).expect("a revision");
        assert_eq!(current.map(|current| current.number), Some(3));
        assert_eq!(chosen.number, 2);
        assert_eq!(chosen.holder, "web-b");
        assert!(
            chosen
                .template
                .pointer("/metadata/labels/pod-template-hash")
                .is_none(),
            "the controller's hash label is not part of the template"
        );
        // After a rollback to 1 (before the controller renumbers it), the
        // previous one is the newest other template again.
        let (_, again) =
            choose(&deployment("web:1"), &history, RollbackTo::Previous).expect("a revision");
        assert_eq!(again.number, 3);
        let (_, numbered) =
            choose(&deployment("web:3"), &history, RollbackTo::Number(1)).expect("revision 1");
        assert_eq!(numbered.holder, "web-a");
    }

    #[test]
    fn without_an_earlier_revision_there_is_nothing_to_roll_back_to() {
        let only = revisions(&[replica_set("web-a", 1, "web:1")]);
        let Err(NoRevision::OnlyOne(Some(running))) =
            choose(&deployment("web:1"), &only, RollbackTo::Previous)
        else {
            panic!("no earlier revision");
        };
        assert_eq!(running.number, 1);
        assert!(matches!(
            choose(&deployment("web:1"), &only, RollbackTo::Number(1)),
            Err(NoRevision::Running(_))
        ));
        assert!(matches!(
            choose(&deployment("web:1"), &only, RollbackTo::Number(7)),
            Err(NoRevision::Unknown(7, _))
        ));
    }

    #[test]
    fn images_are_shown_container_by_container() {
        let now = images(&template("web:3", "x"));
        let then = images(&template("web:2", "y"));
        assert_eq!(
            image_change(&now, &then),
            "container web image web:3 → web:2"
        );
        assert_eq!(image_change(&now, &now), "container web keeps image web:3");
        assert_eq!(image_list(&now), "image web:3");
    }

    #[test]
    fn a_removed_map_is_its_leaves_and_kubeops_restart_is_found_by_its_value() {
        let mut leaves = Vec::new();
        leaf_paths(
            &json!({"kubectl.kubernetes.io/restartedAt": "2026-11-26T06:00:00Z"}),
            "spec.template.metadata.annotations",
            &mut leaves,
        );
        assert_eq!(leaves, [RESTARTED_AT_PATH]);
        let applied = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    metadata:\n      annotations:\n        kubectl.kubernetes.io/restartedAt: \"2026-11-26T06:00:00Z\"\n";
        assert!(applies_restarted_at(applied, "2026-11-26T06:00:00Z"));
        assert!(!applies_restarted_at(applied, "2026-11-26T07:00:00Z"));
        assert!(!applies_restarted_at("not: [yaml", "2026-11-26T06:00:00Z"));
    }
}
