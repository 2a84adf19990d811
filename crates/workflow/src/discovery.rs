//! Discovery: filling in what a request leaves out, and saying so.
//!
//! Parameters come from the request first; a missing namespace or a target
//! named only by "it" comes from the operations memory (the last operation on
//! that object, or the last operation at all); a name that is a prefix or an
//! informal word is resolved against the cluster. When several candidates
//! fit, the answer is a `clarify` listing them: kubeop never picks one.

use classifier::Intent;
use memory::{Memory, Query, QueryAnswer, Target};

use crate::cluster::{Cluster, cell};
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

/// Words that stand for "the object I just worked on".
const PRONOUNS: [&str; 4] = ["it", "this", "that", "them"];

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

/// Fills the namespace of `kind/name` when the request gave none: from the
/// last operation on that object, else from where the cluster has it, else
/// the context's default namespace. Each inference is noted in `inferred`.
#[allow(clippy::too_many_arguments)] // each is one fact of the request
pub(crate) async fn namespace(
    cluster: &Cluster,
    memory: &Memory,
    context: &str,
    api_version: &str,
    kind: &str,
    name: &str,
    given: Option<String>,
    inferred: &mut Vec<String>,
) -> Result<Found<Option<String>>, WorkflowError> {
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
            limit: 1,
        })
        .await?;
    if let QueryAnswer::Operations { operations } = answer
        && let Some(last) = operations.first()
        && let Some(namespace) = &last.target.namespace
    {
        inferred.push(format!(
            "namespace {namespace}: from your last operation on {}/{name} ({}, {})",
            kind.to_lowercase(),
            last.operation,
            last.operation_id
        ));
        return Ok(Found::Value(Some(namespace.clone())));
    }
    let rows = cluster.list(context, api_version, kind, None, None).await?;
    let mut namespaces: Vec<String> = rows
        .iter()
        .filter(|row| cell(row, "name") == Some(name))
        .filter_map(|row| cell(row, "namespace").map(str::to_owned))
        .collect();
    namespaces.sort();
    namespaces.dedup();
    match namespaces.as_slice() {
        [only] => {
            inferred.push(format!(
                "namespace {only}: the only namespace with a {} named {name}",
                kind.to_lowercase()
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
                "There is a {} named {name} in {} namespaces: which one do you mean?",
                kind.to_lowercase(),
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
    let informal_lower = informal.to_lowercase();
    let mut candidates: Vec<String> = names
        .iter()
        .filter(|name| name.starts_with(&informal_lower))
        .map(|name| (*name).to_owned())
        .collect();
    if candidates.is_empty() {
        candidates = names
            .iter()
            .filter(|name| name.contains(&informal_lower))
            .map(|name| (*name).to_owned())
            .collect();
    }
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
    let intent = classifier::classify(&with_target(text, &target));
    if !matches!(intent, Intent::Mutation { .. }) {
        return Ok(None);
    }
    Ok(Some((
        intent,
        format!("target {target}: from your last operation"),
    )))
}

/// The request with its pronoun (or, lacking one, its verb) followed by the
/// target spelled out, and the namespace appended.
fn with_target(text: &str, target: &Target) -> String {
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
    let mut request = rewritten.join(" ");
    if let Some(namespace) = &target.namespace {
        request.push_str(&format!(" in namespace {namespace}"));
    }
    request
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
    fn namespaces_and_nodes_are_cluster_scoped() {
        assert!(is_cluster_scoped("namespace"));
        assert!(is_cluster_scoped("Node"));
        assert!(!is_cluster_scoped("Deployment"));
    }
}
