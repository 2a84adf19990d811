//! The events of one workload: "events for checkout in production".
//!
//! Kubernetes files an event against the object it is about, and a
//! Deployment's trouble is reported against its ReplicaSets and pods
//! (`checkout-5d9c8`, `checkout-5d9c8-x2k4p`), never against `checkout`
//! itself. A field selector `involvedObject.name=checkout` therefore finds
//! almost nothing, while the whole namespace's events bury the few that
//! matter. So a request for one object's events reads the namespace's
//! events once, without the name term, and keeps the events of the object
//! and of the objects its controllers named after it; the answer says what
//! was kept out of how many.
//!
//! The controllers' names are recognised by their shape alone (no read of
//! owner references, which would cost a call per object): `NAME` followed
//! by one or two generated segments, each either digits (a StatefulSet's
//! ordinal, a CronJob's scheduled minute) or a hash or random suffix in
//! Kubernetes' safe alphabet (a ReplicaSet's pod-template-hash, a pod's
//! five random characters). `api-gateway` is not generated from `api`: it
//! has vowels, which that alphabet leaves out.

use crate::diagnosis::ToolOutput;
use crate::suggest;

/// The field-selector term that names the involved object.
const NAME_TERM: &str = "involvedObject.name=";

/// The term that names its kind: with it the request is about that one
/// object exactly, and the server's own filter is right.
const KIND_TERM: &str = "involvedObject.kind=";

/// The characters Kubernetes generates names from (`rand.SafeEncodeString`):
/// no vowels, no digits that read as letters.
const SAFE_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";

/// Shortest generated hash or random segment (a pod's random suffix).
const MIN_GENERATED_LENGTH: usize = 5;

/// Most generated segments after the name: `NAME-<hash>-<suffix>`, or a
/// CronJob's `NAME-<minute>-<suffix>`.
const MAX_GENERATED_SEGMENTS: usize = 2;

/// The object a field selector asks the events of, by name and without a
/// kind, and the rest of the selector (`type=Warning`), if any. `None` when
/// the selector names no object, or names its kind too.
pub(crate) fn named_object(field_selector: &str) -> Option<(String, Option<String>)> {
    let terms: Vec<&str> = field_selector
        .split(',')
        .map(str::trim)
        .filter(|term| !term.is_empty())
        .collect();
    if terms.iter().any(|term| term.starts_with(KIND_TERM)) {
        return None;
    }
    let name = terms
        .iter()
        .find_map(|term| term.strip_prefix(NAME_TERM))
        .filter(|name| !name.is_empty())?;
    let rest: Vec<&str> = terms
        .iter()
        .copied()
        .filter(|term| !term.starts_with(NAME_TERM))
        .collect();
    Some((name.to_owned(), (!rest.is_empty()).then(|| rest.join(","))))
}

/// Whether `object` is `wanted` or an object a controller named after it
/// (see the module documentation).
pub(crate) fn is_or_belongs_to(wanted: &str, object: &str) -> bool {
    if object == wanted {
        return true;
    }
    let Some(rest) = object
        .strip_prefix(wanted)
        .and_then(|rest| rest.strip_prefix('-'))
    else {
        return false;
    };
    let segments: Vec<&str> = rest.split('-').collect();
    segments.len() <= MAX_GENERATED_SEGMENTS
        && segments.iter().all(|segment| {
            !segment.is_empty() && segment.bytes().all(|byte| byte.is_ascii_digit())
                || segment.len() >= MIN_GENERATED_LENGTH
                    && segment.chars().all(|c| SAFE_ALPHABET.contains(c))
        })
}

/// One event of the server's YAML list, as its own lines.
struct Item<'a> {
    /// The lines of the item, as the server printed them.
    text: &'a str,
    /// Its involved object as `kind/name` (kind lower-case).
    object: String,
    /// The involved object's name.
    name: String,
}

/// The server's answer split into its heading (`# The following events
/// ...`) and its items, each kept as printed. `None` when it is not that
/// list.
fn items(text: &str) -> Option<(&str, Vec<Item<'_>>)> {
    let start = text.find("\n- ")? + 1;
    let heading = text[..start].trim_end();
    let body = &text[start..];
    let mut starts: Vec<usize> = body
        .match_indices("\n- ")
        .map(|(index, _)| index + 1)
        .collect();
    starts.insert(0, 0);
    let mut items = Vec::new();
    for (index, begin) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(body.len());
        let text = &body[*begin..end];
        let output = ToolOutput {
            text: text.into(),
            ..ToolOutput::default()
        };
        let event = crate::diagnosis::parse::events(&output).ok()?.pop()?;
        items.push(Item {
            text,
            object: format!("{}/{}", event.object_kind.to_lowercase(), event.object_name),
            name: event.object_name,
        });
    }
    Some((heading, items))
}

/// The events of `wanted` and of the objects named after it, out of every
/// event in `output` (what the namespace, or every namespace, holds of the
/// selector's other terms), led by a line saying what was kept of how many.
/// `None` when the text is not the server's event list (an error, the
/// server's "no events" line), which the caller shows as it came.
pub(crate) fn of_object(wanted: &str, place: &str, output: &ToolOutput) -> Option<String> {
    if output.is_error {
        return None;
    }
    let (heading, items) = items(&output.text)?;
    let total = items.len();
    let (kept, others): (Vec<Item<'_>>, Vec<Item<'_>>) = items
        .into_iter()
        .partition(|item| is_or_belongs_to(wanted, &item.name));
    if kept.is_empty() {
        let mut names: Vec<&str> = others.iter().map(|item| item.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let close = suggest::similar(wanted, names.iter().copied());
        let hint = match close.as_slice() {
            [] => String::new(),
            close => format!(" Events there name {}.", suggest::listing(close)),
        };
        return Some(format!(
            "No event {place} is about {wanted} or the objects named after it ({wanted}-…); {total} {} about other objects.{hint}\n",
            if total == 1 { "is" } else { "are" }
        ));
    }
    let mut objects: Vec<&str> = Vec::new();
    for item in &kept {
        if !objects.contains(&item.object.as_str()) {
            objects.push(&item.object);
        }
    }
    let objects: Vec<String> = objects.into_iter().map(str::to_owned).collect();
    let mut text = format!(
        "{} of the {total} events {place} are about {wanted} and the objects named after it: {}.\n\n{heading}\n",
        kept.len(),
        suggest::listing(&objects)
    );
    for item in kept {
        text.push_str(item.text.trim_end());
        text.push('\n');
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_term_without_a_kind_is_taken_out_of_the_selector() {
        assert_eq!(
            named_object("involvedObject.name=checkout"),
            Some(("checkout".into(), None))
        );
        assert_eq!(
            named_object("type=Warning,involvedObject.name=checkout"),
            Some(("checkout".into(), Some("type=Warning".into())))
        );
        assert_eq!(
            named_object("involvedObject.name=web-1,involvedObject.kind=Pod"),
            None
        );
        assert_eq!(named_object("type=Warning"), None);
    }

    #[test]
    fn what_a_controller_names_after_a_workload_belongs_to_it() {
        for (wanted, owned) in [
            ("checkout", "checkout"),
            ("checkout", "checkout-5d9c8b7f4"),
            ("checkout", "checkout-5d9c8b7f4-x2k4p"),
            ("postgres", "postgres-0"),
            ("db-backup", "db-backup-29400000"),
            ("db-backup", "db-backup-29400000-qz7wd"),
            ("node-exporter", "node-exporter-hx2bn"),
        ] {
            assert!(is_or_belongs_to(wanted, owned), "{wanted} owns {owned}");
        }
        assert!(!is_or_belongs_to("api", "api-gateway"));
        assert!(!is_or_belongs_to("api", "api-gateway-7d4b9c5f6-x2k4p"));
        assert!(!is_or_belongs_to("checkout", "checkout-db-0"));
        assert!(!is_or_belongs_to("checkout", "checkoutv2-5d9c8"));
        assert!(!is_or_belongs_to("web", "web-5d9c8-x2k4p-extra"));
    }

    const EVENTS: &str = "# The following events (YAML format) were found:\n\
        - InvolvedObject:\n    Kind: Pod\n    Name: checkout-5d9c8b7f4-x2k4p\n    apiVersion: v1\n  \
        Message: 'Back-off restarting failed container checkout'\n  Namespace: production\n  \
        Reason: BackOff\n  Timestamp: 2026-11-25 08:00:00 +0000 UTC\n  Type: Warning\n\
        - InvolvedObject:\n    Kind: Pod\n    Name: api-gateway-7d4b9c5f6-bbbbb\n    apiVersion: v1\n  \
        Message: 'Started container api'\n  Namespace: production\n  \
        Reason: Started\n  Timestamp: 2026-11-25 08:00:00 +0000 UTC\n  Type: Normal\n\
        - InvolvedObject:\n    Kind: Deployment\n    Name: checkout\n    apiVersion: apps/v1\n  \
        Message: 'Scaled up replica set checkout-5d9c8b7f4 to 2'\n  Namespace: production\n  \
        Reason: ScalingReplicaSet\n  Timestamp: 2026-11-25 07:59:00 +0000 UTC\n  Type: Normal\n";

    #[test]
    fn only_the_workloads_events_are_kept_and_the_answer_says_so() {
        let text = of_object(
            "checkout",
            "in namespace production",
            &ToolOutput::from_text(EVENTS),
        )
        .expect("an event list");
        assert!(
            text.starts_with(
                "2 of the 3 events in namespace production are about checkout and the objects named after it: pod/checkout-5d9c8b7f4-x2k4p, deployment/checkout.\n\n# The following events (YAML format) were found:\n- InvolvedObject:"
            ),
            "{text}"
        );
        assert!(!text.contains("api-gateway"), "{text}");
        let kept = crate::diagnosis::parse::events(&ToolOutput::from_text(
            text.split_once("\n\n").map_or("", |(_, list)| list),
        ))
        .expect("still the server's YAML list");
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[1].reason, "ScalingReplicaSet");
    }

    #[test]
    fn no_event_of_the_workload_says_how_many_others_there_are() {
        let text = of_object(
            "chekout",
            "in namespace production",
            &ToolOutput::from_text(EVENTS),
        )
        .expect("an event list");
        assert_eq!(
            text,
            "No event in namespace production is about chekout or the objects named after it (chekout-…); 3 are about other objects. Events there name checkout.\n"
        );
        assert_eq!(
            of_object(
                "checkout",
                "in namespace production",
                &ToolOutput::from_text("# No events found")
            ),
            None
        );
    }
}
