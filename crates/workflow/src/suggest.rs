//! What to say when a request names something the cluster does not have:
//! a namespace that does not exist ("prodution"), or an object that is not
//! there ("ngnix"). The answer names what was looked for and what does
//! exist, with the closest names first, so a typo costs one more request
//! rather than an empty table or a bare "not found".
//!
//! The string functions are pure; the two reads go through [`Cluster`].

use serde_json::{Map, Value};

use crate::cluster::{Cluster, Fetched, cell};
use crate::error::WorkflowError;

/// Most names listed in a "there is no X; these exist" answer: enough to
/// spot the right one, short enough to read.
pub(crate) const MAX_LISTED_NAMES: usize = 12;

/// The Optimal String Alignment distance (Levenshtein with adjacent
/// transpositions counted once): "ngnix" is one step from "nginx".
fn edit_distance(left: &str, right: &str) -> usize {
    let left: Vec<char> = left.chars().collect();
    let right: Vec<char> = right.chars().collect();
    let width = right.len() + 1;
    let mut table = vec![0usize; (left.len() + 1) * width];
    for (row, cell) in table.iter_mut().step_by(width).enumerate() {
        *cell = row;
    }
    for (column, cell) in table.iter_mut().take(width).enumerate() {
        *cell = column;
    }
    for row in 1..=left.len() {
        for column in 1..=right.len() {
            let cost = usize::from(left[row - 1] != right[column - 1]);
            let mut best = (table[(row - 1) * width + column] + 1)
                .min(table[row * width + column - 1] + 1)
                .min(table[(row - 1) * width + column - 1] + cost);
            if row > 1
                && column > 1
                && left[row - 1] == right[column - 2]
                && left[row - 2] == right[column - 1]
            {
                best = best.min(table[(row - 2) * width + column - 2] + 1);
            }
            table[row * width + column] = best;
        }
    }
    table[left.len() * width + right.len()]
}

/// How far `name` is from `wanted` when it is close (a typo away, or one
/// containing the other), `None` otherwise. Both are compared lower-case.
fn closeness(wanted: &str, name: &str) -> Option<usize> {
    let wanted = wanted.to_lowercase();
    let lower = name.to_lowercase();
    // Short names allow one slip, longer ones two.
    let allowed = if wanted.chars().count() < 5 { 1 } else { 2 };
    let distance = edit_distance(&wanted, &lower);
    let related = wanted.len() >= 3 && (lower.contains(&wanted) || wanted.contains(&lower));
    (distance <= allowed || related).then_some(distance)
}

/// Whether `name` is close to `wanted`: a typo away, or one containing the
/// other (`chekout`, `checkout-api` for `checkout`).
pub(crate) fn is_close(wanted: &str, name: &str) -> bool {
    closeness(wanted, name).is_some()
}

/// The names close to `wanted` (a typo away, or one containing the other),
/// closest first.
pub(crate) fn similar<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut close: Vec<(usize, String)> = names
        .into_iter()
        .filter_map(|name| closeness(wanted, name).map(|distance| (distance, name.to_owned())))
        .collect();
    close.sort();
    close.dedup();
    close.into_iter().map(|(_, name)| name).collect()
}

/// `names` as one line, at most [`MAX_LISTED_NAMES`] of them.
pub(crate) fn listing(names: &[String]) -> String {
    if names.len() <= MAX_LISTED_NAMES {
        return names.join(", ");
    }
    format!(
        "{}, … and {} more",
        names[..MAX_LISTED_NAMES].join(", "),
        names.len() - MAX_LISTED_NAMES
    )
}

/// A kind as kubectl names a list of it: `Ingress` → `ingresses`,
/// `NetworkPolicy` → `networkpolicies`, `Endpoints` → `endpoints`.
pub(crate) fn plural(kind: &str) -> String {
    let lower = kind.to_lowercase();
    if lower.ends_with("ss") || lower.ends_with("ch") || lower.ends_with("sh") {
        format!("{lower}es")
    } else if lower.ends_with('s') {
        lower
    } else if let Some(stem) = lower.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    }
}

/// Why `namespace` is not a namespace of `context`, with the closest
/// existing names, or `None` when it exists.
pub(crate) async fn missing_namespace(
    cluster: &Cluster,
    context: &str,
    namespace: &str,
) -> Result<Option<(String, Vec<String>)>, WorkflowError> {
    if let Fetched::Found(_) = cluster
        .get(context, "v1", "Namespace", namespace, None)
        .await?
    {
        return Ok(None);
    }
    let rows = cluster.list(context, "v1", "Namespace", None, None).await?;
    let existing: Vec<String> = rows
        .iter()
        .filter_map(|row| cell(row, "name"))
        .map(str::to_owned)
        .collect();
    let close = similar(namespace, existing.iter().map(String::as_str));
    let text = match close.as_slice() {
        [] => format!(
            "There is no namespace {namespace} in context {context}. Namespaces: {}.",
            listing(&existing)
        ),
        [best, ..] => format!(
            "There is no namespace {namespace} in context {context}. Did you mean {best}? Namespaces: {}.",
            listing(&existing)
        ),
    };
    let candidates = if close.is_empty() { existing } else { close };
    Ok(Some((text, candidates)))
}

/// The one name of `candidates` that `wanted` can only mean: the sole
/// candidate, and close to it ("prod" for production, "stagin" for
/// staging). A read may go there, saying so; a change never guesses.
pub(crate) fn unmistakable<'a>(wanted: &str, candidates: &'a [String]) -> Option<&'a str> {
    match candidates {
        [only] if is_close(wanted, only) => Some(only),
        _ => None,
    }
}

/// What exists instead of `kind/name` in `namespace`: the sentence to add to
/// a "not found" and the names to offer (closest first, else every name).
pub(crate) async fn instead_of(
    cluster: &Cluster,
    context: &str,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Result<(String, Vec<String>), WorkflowError> {
    let rows = cluster
        .list(context, api_version, kind, namespace, None)
        .await?;
    Ok(instead_among(&rows, kind, namespace, name))
}

/// [`instead_of`] from the rows of the listing it makes, for a caller that
/// has just listed the kind there (a read that named no namespace lists
/// it across every namespace to find the name).
pub(crate) fn instead_among(
    rows: &[Map<String, Value>],
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> (String, Vec<String>) {
    let existing: Vec<String> = rows
        .iter()
        .filter_map(|row| cell(row, "name"))
        .map(str::to_owned)
        .collect();
    let place = namespace
        .map(|namespace| format!(" in namespace {namespace}"))
        .unwrap_or_default();
    let kinds = plural(kind);
    let close = similar(name, existing.iter().map(String::as_str));
    match close.as_slice() {
        [] if existing.is_empty() => (format!("There are no {kinds}{place}."), Vec::new()),
        [] => (
            format!("The {kinds}{place}: {}.", listing(&existing)),
            existing,
        ),
        [best, ..] => (
            format!(
                "Did you mean {best}? The {kinds}{place}: {}.",
                listing(&existing)
            ),
            close,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_there_instead_comes_from_a_listing_already_made() {
        let rows: Vec<Map<String, Value>> = ["web-frontend", "api-gateway"]
            .iter()
            .map(|name| serde_json::json!({"name": name, "namespace": "production"}))
            .filter_map(|row| row.as_object().cloned())
            .collect();
        let (sentence, candidates) = instead_among(&rows, "Deployment", None, "web-frontnd");
        assert_eq!(candidates, ["web-frontend"]);
        assert!(
            sentence.starts_with("Did you mean web-frontend?"),
            "{sentence}"
        );
        let (sentence, candidates) = instead_among(&[], "Deployment", Some("shop"), "web");
        assert!(candidates.is_empty());
        assert_eq!(sentence, "There are no deployments in namespace shop.");
    }

    #[test]
    fn only_a_sole_close_name_is_unmistakable() {
        let production = vec!["production".to_owned()];
        assert_eq!(unmistakable("prod", &production), Some("production"));
        let two = vec!["production".to_owned(), "prod-eu".to_owned()];
        assert_eq!(unmistakable("prod", &two), None);
        let unrelated = vec!["monitoring".to_owned()];
        assert_eq!(unmistakable("prod", &unrelated), None);
    }

    #[test]
    fn a_typo_is_close_and_another_name_is_not() {
        let names = ["nginx", "notification-service", "report-generator"];
        assert_eq!(similar("ngnix", names), vec!["nginx"]);
        assert_eq!(similar("report", names), vec!["report-generator"]);
        assert!(similar("ghost", names).is_empty());
        assert_eq!(
            similar("prodution", ["default", "production", "staging"]),
            vec!["production"]
        );
    }

    #[test]
    fn the_distance_counts_a_swap_once() {
        assert_eq!(edit_distance("ngnix", "nginx"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("staging", "staging"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn kinds_are_pluralised_as_kubectl_does() {
        assert_eq!(plural("Ingress"), "ingresses");
        assert_eq!(plural("NetworkPolicy"), "networkpolicies");
        assert_eq!(plural("Endpoints"), "endpoints");
        assert_eq!(plural("Deployment"), "deployments");
        assert_eq!(plural("Gateway"), "gateways");
    }

    #[test]
    fn a_long_listing_is_cut_with_a_count() {
        let names: Vec<String> = (0..15).map(|index| format!("pod-{index}")).collect();
        let line = listing(&names);
        assert!(line.ends_with("… and 3 more"), "{line}");
        assert_eq!(listing(&names[..2]), "pod-0, pod-1");
    }
}
