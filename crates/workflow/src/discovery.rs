//! Discovery: filling in what a request leaves out, and saying so.
//!
//! Parameters come from the request first; a missing namespace or a target
//! named only by "it" comes from the operations memory (the last operation on
//! that object, or the last operation at all); a name that is a prefix or an
//! informal word is resolved against the cluster. When several candidates
//! fit, the answer is a `clarify` listing them: kubeop never picks one.

use classifier::Intent;
use memory::{EventKind, Memory, Query, QueryAnswer, Target};
use serde_json::Value;

use crate::cluster::{Cluster, Fetched, cell};
use crate::coordinator::Pipeline;
use crate::error::WorkflowError;
use crate::response::Clarify;

/// Kinds that live outside namespaces.
const CLUSTER_SCOPED_KINDS: [&str; 8] = [
    "Namespace",
    "Node",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "StorageClass",
    "CustomResourceDefinition",
    "PriorityClass",
];

/// Most pods named `NAME-...` that are read one by one (the un-throttled
/// `resources_get`) to learn their owner, phase and age; past it a pod
/// workload is too large to rank, and the rest are left out.
const MAX_POD_CANDIDATES_READ: usize = 20;

/// Pods named in a not-found answer as examples of what does exist.
pub(crate) const MAX_SUGGESTED_PODS: usize = 8;

/// Words that stand for "the object I just worked on".
const PRONOUNS: [&str; 4] = ["it", "this", "that", "them"];

/// Words that make a request about many objects ("delete everything in
/// staging"): such a request never stands for the one object of the last
/// operation, so memory does not fill its target in.
pub(crate) const BULK_WORDS: [&str; 6] = ["everything", "all", "every", "each", "entire", "whole"];

/// Most words of a request without a pronoun that may still be about the
/// last target ("scale to 5", "restart again"): a longer one names
/// something of its own ("create secret db-pass with password=x"), which
/// the classifier only asked more about.
const MAX_WORDS_WITHOUT_PRONOUN: usize = 4;

/// Words that ask for the objects in trouble ("delete the failed pods",
/// "restart the crashing pod"): a question for the missing name then
/// offers only those.
const TROUBLE_WORDS: [&str; 14] = [
    "failed",
    "failing",
    "crashing",
    "crashed",
    "crashlooping",
    "broken",
    "errored",
    "erroring",
    "evicted",
    "stuck",
    "unhealthy",
    "dead",
    "bad",
    "pending",
];

/// The question for a change that names no object, with the names it may
/// mean: the `kind` objects of the namespace the request or the session
/// names (`scope`), or the pods in trouble there when the request asks
/// about trouble (a pod list's row as the health check judges it:
/// `diagnosis::health::row_is_suspicious`), each with its state. Without a
/// kind or namespace to look in, the question as it came.
pub(crate) async fn offer_names(
    cluster: &Cluster,
    context: &str,
    scope: &classifier::Arguments,
    text: &str,
    question: Clarify,
) -> Result<Clarify, WorkflowError> {
    let (Some(api_version), Some(kind), Some(namespace)) = (
        scope.api_version.as_deref(),
        scope.kind.as_deref(),
        scope.namespace.as_deref(),
    ) else {
        return Ok(question);
    };
    let trouble = kind == "Pod"
        && text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| TROUBLE_WORDS.contains(&word.to_ascii_lowercase().as_str()));
    let rows = cluster
        .list(context, api_version, kind, Some(namespace), None)
        .await?;
    let listed = rows.len();
    let offered: Vec<(String, String)> = rows
        .iter()
        .filter_map(|row| {
            let name = cell(row, "name")?.to_owned();
            if !trouble {
                return Some((name, String::new()));
            }
            let cells: std::collections::BTreeMap<String, String> = row
                .iter()
                .map(|(column, value)| {
                    let value = value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned);
                    (column.to_ascii_uppercase(), value)
                })
                .collect();
            crate::diagnosis::health::row_is_suspicious(&cells)
                .then(|| (name, format!(" ({})", cell(row, "status").unwrap_or("?"))))
        })
        .collect();
    let plural = crate::suggest::plural(kind);
    let what = if trouble {
        format!("{plural} in trouble in namespace {namespace}")
    } else {
        format!("{plural} in namespace {namespace}")
    };
    let said = if offered.is_empty() {
        if trouble {
            format!(
                " No {} in namespace {namespace} is in trouble ({listed} listed).",
                kind.to_lowercase()
            )
        } else {
            format!(
                " There is no {} in namespace {namespace}.",
                kind.to_lowercase()
            )
        }
    } else {
        let shown: Vec<String> = offered
            .iter()
            .take(MAX_SUGGESTED_PODS)
            .map(|(name, state)| format!("{name}{state}"))
            .collect();
        let more = offered.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(" {}: {}{more}.", capitalised(&what), shown.join(", "))
    };
    Ok(Clarify {
        question: format!("{}{said}", question.question),
        candidates: offered
            .into_iter()
            .take(MAX_SUGGESTED_PODS)
            .map(|(name, _)| name)
            .collect(),
        ..question
    })
}

/// `text` with its first letter capitalised.
fn capitalised(text: &str) -> String {
    let mut letters = text.chars();
    letters
        .next()
        .map(|first| first.to_uppercase().chain(letters).collect())
        .unwrap_or_default()
}

/// Whether `kind` is cluster-scoped.
pub(crate) fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED_KINDS
        .iter()
        .any(|scoped| scoped.eq_ignore_ascii_case(kind))
}

/// A value discovery found, or the question to ask instead.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Found<T> {
    /// The value.
    Value(T),
    /// Several fit, or none: ask.
    Ask(Clarify),
}

/// An object a change names, as discovery looks for it: by its kind and
/// name in a context, before its namespace is settled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Named<'a> {
    /// The kube context the change works in.
    pub(crate) context: &'a str,
    /// The kind's API group and version, for the cluster-wide listing.
    pub(crate) api_version: &'a str,
    /// The kind, as the API names it.
    pub(crate) kind: &'a str,
    /// The object's name.
    pub(crate) name: &'a str,
    /// Kinds (`apps/v1`) the object may be when no `kind` has its name: the
    /// other workload kinds, when the request named none ("restart
    /// postgres"); empty when it named its kind.
    pub(crate) instead: &'a [&'a str],
}

/// How many of the latest operations on an object are looked through for
/// the last approved one (plans left waiting come between them).
const OPERATIONS_LOOKED_BACK: usize = 16;

/// Fills the namespace of `object` when the request gave none: from the
/// last approved operation on that object, else from where the cluster has it (or,
/// when nothing has that name, the objects it stands for: see
/// [`resolve_name`]), else the context's default namespace. Each inference
/// is noted in `inferred`.
pub(crate) async fn namespace(
    pipeline: &Pipeline,
    object: Named<'_>,
    given: Option<String>,
    inferred: &mut Vec<String>,
) -> Result<Found<Option<String>>, WorkflowError> {
    let Named {
        context,
        api_version,
        kind,
        name,
        instead,
    } = object;
    let (cluster, memory) = (&pipeline.cluster, &pipeline.memory);
    if is_cluster_scoped(kind) {
        return Ok(Found::Value(None));
    }
    if given.is_some() {
        return Ok(Found::Value(given));
    }
    let answer = memory
        .query(Query::OperationsOn {
            kind: kind.to_owned(),
            name: name.to_owned(),
            namespace: None,
            context: Some(context.to_owned()),
            limit: OPERATIONS_LOOKED_BACK,
        })
        .await?;
    // Only a change someone approved says where they work on it: a plan
    // left waiting, expired or denied may have named the wrong namespace.
    if let QueryAnswer::Operations { operations } = answer
        && let Some(last) = operations.iter().find(|operation| {
            !matches!(
                operation.status,
                EventKind::Requested | EventKind::Planned | EventKind::Denied
            )
        })
        && let Some(namespace) = &last.target.namespace
    {
        inferred.push(format!(
            "namespace {namespace}: from your last approved operation on {}/{name} ({}, {})",
            kind.to_lowercase(),
            last.operation,
            last.operation_id
        ));
        return Ok(Found::Value(Some(namespace.clone())));
    }
    let rows = cluster.list(context, api_version, kind, None, None).await?;
    let namespaces_of = |rows: &[serde_json::Map<String, Value>], fits: &dyn Fn(&str) -> bool| {
        let mut namespaces: Vec<String> = rows
            .iter()
            .filter(|row| cell(row, "name").is_some_and(fits))
            .filter_map(|row| cell(row, "namespace").map(str::to_owned))
            .collect();
        namespaces.sort();
        namespaces.dedup();
        namespaces
    };
    let mut found_kind = kind;
    let mut namespaces = namespaces_of(&rows, &|held| held == name);
    let mut named = format!("named {name}");
    // "restart postgres": another workload kind of exactly that name.
    for &other in instead {
        if !namespaces.is_empty() {
            break;
        }
        let others = cluster.list(context, "apps/v1", other, None, None).await?;
        namespaces = namespaces_of(&others, &|held| held == name);
        found_kind = other;
    }
    // No object has the name: the namespaces of the objects it stands for
    // ("payment" for `payment-service`, a pod by its workload's name),
    // which planning resolves there.
    if namespaces.is_empty() {
        found_kind = kind;
        let names: Vec<&str> = rows.iter().filter_map(|row| cell(row, "name")).collect();
        let candidates = informal_candidates(&names, name);
        namespaces = namespaces_of(&rows, &|held| candidates.contains(&held));
        named = format!("whose name matches \"{name}\"");
    }
    match namespaces.as_slice() {
        [only] => {
            inferred.push(format!(
                "namespace {only}: the only namespace with a {} {named}",
                found_kind.to_lowercase()
            ));
            Ok(Found::Value(Some(only.clone())))
        }
        [] => {
            let default = cluster.facts().await?.namespace_of(context);
            inferred.push(format!(
                "namespace {default}: the default namespace of context {context}"
            ));
            Ok(Found::Value(Some(default)))
        }
        several => Ok(Found::Ask(Clarify {
            question: format!(
                "There is a {} {named} in {} namespaces: which one do you mean?",
                found_kind.to_lowercase(),
                several.len()
            ),
            missing: vec!["namespace".into()],
            candidates: several.to_vec(),
        })),
    }
}

/// Resolves a name the cluster does not know as such ("checkout" for the
/// pod `checkout-7d9f-x2`): the one object whose name starts with it, or
/// contains it; several → a question listing them; none → `None`.
pub(crate) async fn resolve_name(
    cluster: &Cluster,
    context: &str,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    informal: &str,
    inferred: &mut Vec<String>,
) -> Result<Option<Found<String>>, WorkflowError> {
    let rows = cluster
        .list(context, api_version, kind, namespace, None)
        .await?;
    let names: Vec<&str> = rows.iter().filter_map(|row| cell(row, "name")).collect();
    let mut candidates: Vec<String> = informal_candidates(&names, informal)
        .into_iter()
        .map(str::to_owned)
        .collect();
    candidates.sort();
    match candidates.as_slice() {
        [] => Ok(None),
        [only] => {
            inferred.push(format!(
                "{}/{only}: the only {} whose name matches \"{informal}\"",
                kind.to_lowercase(),
                kind.to_lowercase()
            ));
            Ok(Some(Found::Value(only.clone())))
        }
        several => Ok(Some(Found::Ask(Clarify {
            question: format!(
                "Several {}s match \"{informal}\"{}: which one do you mean?",
                kind.to_lowercase(),
                namespace
                    .map(|ns| format!(" in namespace {ns}"))
                    .unwrap_or_default()
            ),
            missing: vec!["name".into()],
            candidates: several.to_vec(),
        }))),
    }
}

/// The names an informal one stands for: those it begins ("checkout" for
/// `checkout-api`), else those it is part of.
fn informal_candidates<'n>(names: &[&'n str], informal: &str) -> Vec<&'n str> {
    let informal = informal.to_lowercase();
    let begun: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| name.starts_with(&informal))
        .collect();
    if !begun.is_empty() {
        return begun;
    }
    names
        .iter()
        .copied()
        .filter(|name| name.contains(&informal))
        .collect()
}

/// What a pod name in a request stands for in its namespace, as kubectl
/// users expect ("checkout" for `checkout-7d9f8c6b5-x2x9q`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PodMatch {
    /// A pod has exactly that name.
    Exact,
    /// The pods the name stands for, best first (Running before not, then
    /// newest), and whether a workload of that name owns them (else they
    /// only share the `NAME-` prefix).
    Candidates { pods: Vec<String>, owned: bool },
    /// Nothing fits; a few pods that do exist there, to choose from.
    Nothing { existing: Vec<String> },
}

impl PodMatch {
    /// How the candidates relate to the wanted name, for the answer text.
    pub(crate) fn how(owned: bool, wanted: &str) -> String {
        if owned {
            format!("pods of the workload {wanted}")
        } else {
            format!("pods named {wanted}-...")
        }
    }
}

/// One candidate's facts for ranking.
struct PodFacts {
    name: String,
    running: bool,
    /// RFC 3339, which sorts as time does.
    created: String,
}

/// Resolves the pod name `wanted` in `namespace`: the exact name, else the
/// pods a Deployment/ReplicaSet/StatefulSet/DaemonSet/Job of that name owns
/// (by `ownerReferences` or the `NAME-<pod-template-hash>-` shape), else the
/// pods named `NAME-...`.
pub(crate) async fn resolve_pod(
    cluster: &Cluster,
    context: &str,
    namespace: &str,
    wanted: &str,
) -> Result<PodMatch, WorkflowError> {
    let rows = cluster
        .list(context, "v1", "Pod", Some(namespace), None)
        .await?;
    let mut names: Vec<&str> = rows.iter().filter_map(|row| cell(row, "name")).collect();
    names.sort_unstable();
    if names.contains(&wanted) {
        return Ok(PodMatch::Exact);
    }
    let prefix = format!("{wanted}-");
    let prefixed: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| name.starts_with(&prefix))
        .collect();
    if prefixed.is_empty() {
        return Ok(PodMatch::Nothing {
            existing: names
                .iter()
                .take(MAX_SUGGESTED_PODS)
                .map(|name| (*name).to_owned())
                .collect(),
        });
    }
    let mut owned = Vec::new();
    let mut others = Vec::new();
    for name in prefixed.into_iter().take(MAX_POD_CANDIDATES_READ) {
        let Fetched::Found(pod) = cluster
            .get(context, "v1", "Pod", name, Some(namespace))
            .await?
        else {
            continue;
        };
        let facts = PodFacts {
            name: name.to_owned(),
            running: pod.pointer("/status/phase").and_then(Value::as_str) == Some("Running"),
            created: pod
                .pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        };
        if owned_by(&pod, wanted) {
            owned.push(facts);
        } else {
            others.push(facts);
        }
    }
    let is_owned = !owned.is_empty();
    let mut best = if is_owned { owned } else { others };
    best.sort_by(|a, b| {
        b.running
            .cmp(&a.running)
            .then_with(|| b.created.cmp(&a.created))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(PodMatch::Candidates {
        pods: best.into_iter().map(|facts| facts.name).collect(),
        owned: is_owned,
    })
}

/// The namespaces holding a pod named `wanted` or `wanted-...` (sorted): where
/// a pod read that named no namespace should look when the session's own
/// namespace has none. One listing of every namespace's pods.
pub(crate) async fn namespaces_with_pod(
    cluster: &Cluster,
    context: &str,
    wanted: &str,
) -> Result<Vec<String>, WorkflowError> {
    let rows = cluster.list(context, "v1", "Pod", None, None).await?;
    let prefix = format!("{wanted}-");
    let mut namespaces: Vec<String> = rows
        .iter()
        .filter(|row| {
            cell(row, "name").is_some_and(|name| name == wanted || name.starts_with(&prefix))
        })
        .filter_map(|row| cell(row, "namespace").map(str::to_owned))
        .collect();
    namespaces.sort();
    namespaces.dedup();
    Ok(namespaces)
}

/// Whether a workload named `wanted` owns `pod`: a StatefulSet, DaemonSet
/// or Job of that name directly, a Deployment through its ReplicaSet
/// `wanted-<hash>`, a CronJob through its Job `wanted-<scheduled minute>`,
/// or a pod named `wanted-<pod-template-hash>-...`.
fn owned_by(pod: &Value, wanted: &str) -> bool {
    let template_hash_shaped = pod
        .pointer("/metadata/labels/pod-template-hash")
        .and_then(Value::as_str)
        .zip(pod.pointer("/metadata/name").and_then(Value::as_str))
        .is_some_and(|(hash, name)| name.starts_with(&format!("{wanted}-{hash}-")));
    let owners = pod
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    template_hash_shaped
        || owners.into_iter().any(|owner| {
            let name = owner.get("name").and_then(Value::as_str).unwrap_or("");
            match owner.get("kind").and_then(Value::as_str) {
                Some("ReplicaSet") => {
                    name == wanted
                        || name
                            .strip_prefix(wanted)
                            .and_then(|rest| rest.strip_prefix('-'))
                            .is_some_and(|hash| !hash.is_empty() && !hash.contains('-'))
                }
                Some("Job") => {
                    name == wanted
                        || name
                            .strip_prefix(wanted)
                            .and_then(|rest| rest.strip_prefix('-'))
                            .is_some_and(|minute| {
                                !minute.is_empty() && minute.bytes().all(|b| b.is_ascii_digit())
                            })
                }
                Some("StatefulSet" | "DaemonSet") => name == wanted,
                _ => false,
            }
        })
}

/// When the classifier asked for a target ("scale it to 5"), re-reads the
/// request with the target of the last operation in `context` put in, and
/// returns the change it then describes, with the inference stated.
pub(crate) async fn from_last_operation(
    memory: &Memory,
    text: &str,
    context: &str,
) -> Result<Option<(Intent, String)>, WorkflowError> {
    let answer = memory
        .query(Query::LatestTarget {
            context: Some(context.to_owned()),
            namespace: None,
        })
        .await?;
    let QueryAnswer::Target {
        target: Some(target),
    } = answer
    else {
        return Ok(None);
    };
    if !may_stand_for_last_target(text, &target) {
        return Ok(None);
    }
    let intent = classifier::classify(&with_target(text, &target));
    if !matches!(intent, Intent::Mutation { .. }) {
        return Ok(None);
    }
    Ok(Some((
        intent,
        format!("target {target}: from your last operation"),
    )))
}

/// Whether a request that leaves its target open can mean the last
/// operation's target: not when it is about many objects ("delete
/// everything in staging"), and not when it names a namespace other than
/// the target's (the person is talking about somewhere else). A change is
/// never pointed at an object the request contradicts.
fn may_stand_for_last_target(text: &str, target: &Target) -> bool {
    let bulk = text.split_whitespace().any(|word| {
        BULK_WORDS.contains(
            &word
                .to_lowercase()
                .trim_matches(|c: char| !c.is_alphanumeric()),
        )
    });
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| {
            word.to_lowercase()
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_owned()
        })
        .collect();
    let pronoun = words.iter().any(|word| PRONOUNS.contains(&word.as_str()));
    if bulk || (!pronoun && words.len() > MAX_WORDS_WITHOUT_PRONOUN) {
        return false;
    }
    let named_namespace = classifier::classify(&with_object(text, target))
        .arguments()
        .and_then(|arguments| arguments.namespace.clone());
    match (named_namespace, &target.namespace) {
        (Some(named), Some(last)) => &named == last,
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// The request with its pronoun (or, lacking one, its verb) followed by the
/// target spelled out, and the namespace appended.
fn with_target(text: &str, target: &Target) -> String {
    let mut request = with_object(text, target);
    if let Some(namespace) = &target.namespace {
        request.push_str(&format!(" in namespace {namespace}"));
    }
    request
}

/// The request with its pronoun (or, lacking one, its verb) followed by the
/// target's kind and name.
fn with_object(text: &str, target: &Target) -> String {
    let object = format!("{} {}", target.kind.to_lowercase(), target.name);
    let words: Vec<&str> = text.split_whitespace().collect();
    let pronoun = words.iter().position(|word| {
        PRONOUNS.contains(
            &word
                .to_lowercase()
                .trim_matches(|c: char| !c.is_alphanumeric()),
        )
    });
    let mut rewritten: Vec<String> = words.iter().map(|word| (*word).to_owned()).collect();
    match pronoun {
        Some(index) => rewritten[index] = object,
        None if !rewritten.is_empty() => rewritten.insert(1, object),
        None => return text.to_owned(),
    }
    rewritten.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            context: Some("sim".into()),
            namespace: Some("staging".into()),
            kind: "Deployment".into(),
            name: "api".into(),
        }
    }

    #[test]
    fn a_pronoun_becomes_the_last_target() {
        assert_eq!(
            with_target("scale it to 5", &target()),
            "scale deployment api to 5 in namespace staging"
        );
        assert_eq!(
            with_target("scale to 5", &target()),
            "scale deployment api to 5 in namespace staging"
        );
    }

    #[test]
    fn a_request_about_many_objects_or_another_namespace_is_not_the_last_target() {
        let last = target();
        assert!(may_stand_for_last_target("scale it to 5", &last));
        assert!(may_stand_for_last_target("restart it", &last));
        assert!(may_stand_for_last_target("scale to 5", &last));
        assert!(!may_stand_for_last_target(
            "create secret db-pass with password=hunter2 in staging",
            &last
        ));
        assert!(may_stand_for_last_target("scale it to 5 in staging", &last));
        assert!(!may_stand_for_last_target(
            "delete everything in staging",
            &last
        ));
        assert!(!may_stand_for_last_target("delete all of them", &last));
        assert!(!may_stand_for_last_target(
            "scale it to 5 in production",
            &last
        ));
    }

    #[test]
    fn a_workload_owns_its_pods_but_not_a_longer_named_ones() {
        let pod = |name: &str, owner_kind: &str, owner: &str| {
            serde_json::json!({"metadata": {"name": name,
                "ownerReferences": [{"kind": owner_kind, "name": owner}]}})
        };
        assert!(owned_by(
            &pod(
                "checkout-7d9f8c6b5-x2x9q",
                "ReplicaSet",
                "checkout-7d9f8c6b5"
            ),
            "checkout"
        ));
        assert!(!owned_by(
            &pod(
                "checkout-worker-5f6-abcde",
                "ReplicaSet",
                "checkout-worker-5f6"
            ),
            "checkout"
        ));
        assert!(owned_by(&pod("redis-0", "StatefulSet", "redis"), "redis"));
        assert!(!owned_by(
            &pod("redis-0", "StatefulSet", "redis-ha"),
            "redis"
        ));
        let hashed = serde_json::json!({"metadata": {"name": "api-abc12-qwert",
            "labels": {"pod-template-hash": "abc12"}}});
        assert!(owned_by(&hashed, "api"));
        assert!(owned_by(
            &pod("report-29409150-x2x9q", "Job", "report-29409150"),
            "report"
        ));
        assert!(!owned_by(
            &pod("report-manual-x2x9q", "Job", "report-manual"),
            "report"
        ));
    }

    #[test]
    fn namespaces_and_nodes_are_cluster_scoped() {
        assert!(is_cluster_scoped("namespace"));
        assert!(is_cluster_scoped("Node"));
        assert!(!is_cluster_scoped("Deployment"));
    }
}
