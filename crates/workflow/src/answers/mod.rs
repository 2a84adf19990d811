//! The fast path's one answer, shaped for the question that was asked.
//!
//! The read-only fast path makes exactly one tool call; what the MCP server
//! prints for it is written for a program (a Scale object, the kubelet's
//! Summary JSON, `kubectl top` rows in the metrics server's order). A person
//! asking "what uses the most memory" or "how many pods are in staging"
//! wants the answer first: the rows sorted by what was asked, the count, the
//! numbers in words. Shaping works on that one output only (sorting,
//! counting, summarising), never with another call, and leaves any output it
//! does not recognise exactly as the server gave it.
//!
//! What to lead with comes from the request's own words
//! ([`classifier::read_focus`]), never from the object's name: the same
//! words get the same shape on any cluster.

mod describe;
pub(crate) mod events;
mod items;
mod kubeconfig;
mod logs;
mod objects;
mod state;
mod stats;
mod table;
mod top;

use std::borrow::Cow;

use classifier::{Grouping, Order, ReadFocus};
use serde_json::{Map, Value};

use crate::diagnosis::ToolOutput;
use crate::suggest;

/// The list tools whose answer is a table with one row per object.
const COUNTED_LISTS: [&str; 4] = [
    "pods_list",
    "pods_list_in_namespace",
    "resources_list",
    "namespaces_list",
];

/// `output` of `tool` called with `asked`, its text shaped for `focus`
/// (see [`shape`]); its structured content and error flag as they came.
pub(crate) fn shaped(
    tool: &str,
    asked: &Map<String, Value>,
    focus: ReadFocus,
    output: mcp_gateway::ToolOutput,
) -> ToolOutput {
    let output = ToolOutput {
        text: output.text,
        structured: output.structured,
        is_error: output.is_error,
    };
    let shaped = shape(tool, asked, focus, &output);
    let note = phase_note(tool, asked).filter(|_| !output.is_error);
    let text = match (shaped, note) {
        (shaped, Some(note)) => format!(
            "{note}\n\n{}",
            shaped.as_deref().unwrap_or(&output.text).trim_start()
        ),
        (Some(shaped), None) => shaped,
        (None, None) => return output,
    };
    ToolOutput {
        text: text.into(),
        ..output
    }
}

/// The pod phase a selector leaves out is not the state `kubectl get`
/// prints: a crash-looping pod's phase is Running. "Which pods are not
/// running" made with `status.phase!=Running` lists Pending, Succeeded and
/// Failed pods only, so the answer (listed or empty) says what it cannot
/// show and how to ask for it; the fast path makes no second call to find
/// them.
pub(crate) fn phase_note(tool: &str, asked: &Map<String, Value>) -> Option<&'static str> {
    let selector = asked.get("fieldSelector").and_then(Value::as_str)?;
    let excludes_running = selector
        .split(',')
        .any(|term| term.replace(' ', "") == "status.phase!=Running");
    (matches!(tool, "pods_list" | "pods_list_in_namespace") && excludes_running).then_some(
        "Selected by phase: a pod that crash-loops or is not ready is still in phase Running \
         and is not listed here; ask \"which pods are failing\" for those.",
    )
}

/// The answer text for `output` of `tool` called with `asked`, shaped for
/// `focus`; `None` keeps the server's text as it came (an error, a shape
/// this does not know, nothing to lead with).
pub(crate) fn shape(
    tool: &str,
    asked: &Map<String, Value>,
    focus: ReadFocus,
    output: &ToolOutput,
) -> Option<String> {
    if output.is_error {
        return None;
    }
    match tool {
        "pods_top" | "nodes_top" => top::sorted(&output.text, focus.order, focus.per),
        "nodes_stats_summary" => stats::summary(&output.text),
        "configuration_view" => kubeconfig::summary(&output.text),
        "pods_log" => logs::shaped(&output.text, focus),
        "resources_scale" if !asked.contains_key("scale") => objects::replicas(output, asked),
        // "get pod web-1 -o yaml", "show me checkout as json": the manifest
        // alone, in the format asked.
        "resources_get" | "pods_get" if focus.manifest => {
            describe::shown_manifest(output, manifest_format(focus))
        }
        "resources_get" | "pods_get" if focus.ports => objects::ports(output),
        "resources_get" | "pods_get" if focus.images => objects::images(output),
        "resources_get" if focus.hosts => objects::routes(output),
        "resources_get" | "pods_get" if focus.status => state::summary(output),
        // "describe deployment checkout": the description alone.
        "resources_get" | "pods_get" if focus.describe => describe::described(output),
        // "show me the checkout deployment", "describe node node-1": as
        // `kubectl describe` shows it, then its manifest.
        "resources_get" | "pods_get" => described(output),
        // "which kubernetes version are the nodes on": their kubelets'.
        "resources_list"
            if focus.images && asked.get("kind").and_then(Value::as_str) == Some("Node") =>
        {
            node_versions(&output.text)
        }
        // "get pods -n shop -o yaml": the list's items in the format asked
        // (a count asked for wins: "how many pods, as json" is a number).
        _ if COUNTED_LISTS.contains(&tool) && focus.manifest && !focus.count => {
            items::listed(tool, asked, output, manifest_format(focus))
        }
        _ if COUNTED_LISTS.contains(&tool) => {
            let compacted =
                table::compact(&output.text, asked.contains_key("namespace"), focus.labels);
            let listed = compacted.as_deref().unwrap_or(&output.text);
            let sorted = match focus.order {
                Some(Order::Restarts) => table::sorted_by_restarts(listed, focus.restarts_over),
                Some(Order::Newest) => table::sorted_by_age(listed, true),
                Some(Order::Oldest) => table::sorted_by_age(listed, false),
                _ => None,
            };
            if focus.count {
                let listed = sorted.as_deref().unwrap_or(listed);
                Some(counted(tool, asked, output, listed, focus.per))
            } else {
                sorted.or(compacted)
            }
        }
        _ => None,
    }
}

/// A node list asked about versions, led by the kubelet versions the
/// nodes run (the API server's own is not in any tool's answer, so the
/// line says whose version it is) and a skew between them.
fn node_versions(text: &str) -> Option<String> {
    let versions = table::tally(text, "VERSION")?;
    let lead = match versions.as_slice() {
        [] => return None,
        [(version, 1)] => format!("The node runs Kubernetes {version} (its kubelet's version)."),
        [(version, count)] => {
            format!("All {count} nodes run Kubernetes {version} (their kubelets' version).")
        }
        several => format!(
            "The nodes run different Kubernetes versions (their kubelets'): {}. A skew like this is normal during an upgrade, not after it.",
            several
                .iter()
                .map(|(version, count)| format!("{version} on {count}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let listed = table::compact(text, false, false).unwrap_or_else(|| text.to_owned());
    Some(format!("{lead}\n\n{listed}"))
}

/// The object of `output` described (the fast path's one call reads no
/// events), then its manifest without what only the machinery reads.
fn described(output: &ToolOutput) -> Option<String> {
    let description = describe::described(output)?;
    Some(
        match describe::shown_manifest(output, describe::Format::Yaml) {
            Some(manifest) => format!("{description}Manifest:\n{manifest}"),
            None => description,
        },
    )
}

/// The format a manifest is shown in: JSON when the request said so.
fn manifest_format(focus: ReadFocus) -> describe::Format {
    if focus.json {
        describe::Format::Json
    } else {
        describe::Format::Yaml
    }
}

/// The one object a read returned, and how an answer names it: "service
/// checkout in namespace shop". `None` when the output is no single object.
fn named_object(output: &ToolOutput) -> Option<(Cow<'_, Value>, String)> {
    let object = crate::diagnosis::parse::object(output).ok()?;
    let kind = object["kind"].as_str()?.to_lowercase();
    let name = object.pointer("/metadata/name").and_then(Value::as_str)?;
    let place = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .map(|namespace| format!(" in namespace {namespace}"))
        .unwrap_or_default();
    let subject = format!("{kind} {name}{place}");
    Some((object, subject))
}

/// A list answered with its count first ("3 deployments in namespace
/// production."), broken down by the grouping asked for ("by node:" and a
/// line per node) when the list has that column, then the list.
fn counted(
    tool: &str,
    asked: &Map<String, Value>,
    output: &ToolOutput,
    listed: &str,
    per: Option<Grouping>,
) -> String {
    let count = crate::diagnosis::parse::rows(output).len();
    let kinds = match tool {
        "resources_list" => asked
            .get("kind")
            .and_then(Value::as_str)
            .map_or_else(|| "objects".to_owned(), suggest::plural),
        "namespaces_list" => "namespaces".to_owned(),
        _ => "pods".to_owned(),
    };
    let kinds = if count == 1 { singular(&kinds) } else { kinds };
    let selectors = ["labelSelector", "fieldSelector"]
        .iter()
        .filter_map(|key| asked.get(*key).and_then(Value::as_str))
        .map(|selector| format!(" matching {selector}"))
        .collect::<String>();
    let place = match asked.get("namespace").and_then(Value::as_str) {
        Some(namespace) => format!(" in namespace {namespace}"),
        None if tool == "namespaces_list" => String::new(),
        None if asked
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(crate::discovery::is_cluster_scoped) =>
        {
            String::new()
        }
        None => " across all namespaces".to_owned(),
    };
    let breakdown = match per {
        None => ".\n".to_owned(),
        Some(grouping) => match table::tally(listed, grouping.column()) {
            Some(groups) => {
                let width = groups
                    .iter()
                    .map(|(value, _)| value.len())
                    .max()
                    .unwrap_or(0);
                let lines: String = groups
                    .iter()
                    .map(|(value, count)| format!("  {value:<width$}  {count}\n"))
                    .collect();
                format!(", by {}:\n{lines}", grouping.as_str())
            }
            // A grouping the list cannot show ("deployments per node": no
            // NODE column; "by namespace" within one namespace) is said,
            // not hidden.
            None => format!(
                " (this list has no {} column to count by).\n",
                grouping.column()
            ),
        },
    };
    format!(
        "{count} {kinds}{selectors}{place}{breakdown}\n{}",
        listed.trim_end()
    )
}

/// Bytes as a person reads them: `1.5Gi`, `250Mi`, `12Ki`, `512B`, one
/// decimal from Gi up (kubectl's own quantities are exact but unreadable at
/// node scale: `3082240Ki`).
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if bytes >= size {
            return if size >= 1 << 30 {
                format!("{:.1}{unit}", bytes as f64 / size as f64)
            } else {
                format!("{}{unit}", bytes / size)
            };
        }
    }
    format!("{bytes}B")
}

/// `deployments` → `deployment`, `ingresses` → `ingress`, `policies` → `policy`.
fn singular(plural: &str) -> String {
    if let Some(stem) = plural.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = plural
        .strip_suffix("es")
        .filter(|stem| stem.ends_with("ss") || stem.ends_with("ch") || stem.ends_with("sh"))
    {
        stem.to_owned()
    } else {
        plural.strip_suffix('s').unwrap_or(plural).to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn asked(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    const DEPLOYMENTS: &str = "NAMESPACE    APIVERSION   KIND         NAME       READY   UP-TO-DATE   AVAILABLE   AGE\n\
        production   apps/v1      Deployment   checkout   3/3     3            3           2d\n\
        production   apps/v1      Deployment   web        2/2     2            2           2d\n";

    #[test]
    fn a_count_question_is_answered_with_the_count_then_the_list() {
        let focus = classifier::read_focus("how many deployments are in production");
        let text = shape(
            "resources_list",
            &asked(
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "production"}),
            ),
            focus,
            &ToolOutput::from_text(DEPLOYMENTS),
        )
        .expect("a count");
        assert!(
            text.starts_with("2 deployments in namespace production.\n\n"),
            "{text}"
        );
        assert!(text.ends_with("2           2d"), "{text}");
        let one = shape(
            "pods_list",
            &Map::new(),
            classifier::read_focus("count pods"),
            &ToolOutput::from_text("NAMESPACE   NAME    READY\ndemo        web-1   1/1\n"),
        )
        .expect("a count");
        assert!(one.starts_with("1 pod across all namespaces."), "{one}");
        let nodes = shape(
            "resources_list",
            &asked(json!({"apiVersion": "v1", "kind": "Node"})),
            classifier::read_focus("how many nodes"),
            &ToolOutput::from_text("NAME     STATUS\nnode-1   Ready\nnode-2   Ready\n"),
        )
        .expect("a count");
        assert!(nodes.starts_with("2 nodes.\n"), "{nodes}");
    }

    #[test]
    fn a_count_per_group_breaks_the_list_down_by_its_column() {
        let pods = "\
NAMESPACE    NAME     READY   STATUS             RESTARTS       AGE   NODE
production   web-1    1/1     Running            0              12d   node-1
production   web-2    0/1     CrashLoopBackOff   14 (71s ago)   12d   node-2
staging      web-3    1/1     Running            0              12d   node-1
";
        let per_node = shape(
            "pods_list",
            &Map::new(),
            classifier::read_focus("how many pods are on each node"),
            &ToolOutput::from_text(pods),
        )
        .expect("a count");
        assert!(
            per_node.starts_with(
                "3 pods across all namespaces, by node:\n  node-1  2\n  node-2  1\n\nNAMESPACE"
            ),
            "{per_node}"
        );
        let per_status = shape(
            "pods_list",
            &Map::new(),
            classifier::read_focus("pods per status"),
            &ToolOutput::from_text(pods),
        )
        .expect("a count");
        assert!(
            per_status.contains("by status:\n  Running           2\n  CrashLoopBackOff  1\n"),
            "{per_status}"
        );
        let deployments = shape(
            "resources_list",
            &asked(json!({"apiVersion": "apps/v1", "kind": "Deployment"})),
            classifier::read_focus("deployments per node"),
            &ToolOutput::from_text(DEPLOYMENTS),
        )
        .expect("a count");
        assert!(
            deployments.starts_with(
                "2 deployments across all namespaces (this list has no NODE column to count by).\n\n"
            ),
            "{deployments}"
        );
    }

    #[test]
    fn a_plain_list_reads_like_kubectl_get_and_an_error_keeps_the_servers_text() {
        let asked = asked(json!({"namespace": "production"}));
        // The columns that say the same on every row go; every row and
        // every other cell stays.
        assert_eq!(
            shape(
                "resources_list",
                &asked,
                classifier::read_focus("list deployments in production"),
                &ToolOutput::from_text(DEPLOYMENTS)
            )
            .as_deref(),
            Some(
                "NAME       READY   UP-TO-DATE   AVAILABLE   AGE\n\
                 checkout   3/3     3            3           2d\n\
                 web        2/2     2            2           2d\n"
            )
        );
        // A table with nothing to leave out is the server's text as it came.
        assert_eq!(
            shape(
                "pods_list_in_namespace",
                &asked,
                classifier::read_focus("list pods in production"),
                &ToolOutput::from_text("NAME    READY\nweb-1   1/1\n")
            ),
            None
        );
        let failed = ToolOutput::from_failure("forbidden");
        assert_eq!(
            shape(
                "pods_list",
                &asked,
                classifier::read_focus("how many pods"),
                &failed
            ),
            None
        );
    }

    #[test]
    fn an_object_shown_whole_opens_with_its_state() {
        let cron_job = ToolOutput {
            structured: Some(
                json!({"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": "db-backup", "namespace": "production"},
                "spec": {"schedule": "30 2 * * *", "suspend": false},
                "status": {"lastScheduleTime": "2026-11-25T02:30:00Z"}})
                .into(),
            ),
            ..ToolOutput::from_text("apiVersion: batch/v1\nkind: CronJob\n")
        };
        let text = shape(
            "resources_get",
            &Map::new(),
            classifier::read_focus("when does db-backup run in production"),
            &cron_job,
        )
        .expect("a known kind");
        assert!(
            text.starts_with("cronjob db-backup in namespace production: "),
            "{text}"
        );
        assert!(text.contains("30 2 * * *"), "{text}");
        assert!(
            text.contains("\nManifest:\napiVersion: batch/v1\nkind: CronJob\n"),
            "the manifest follows the description: {text}"
        );
        // A kind without a state summary is named, then its fields.
        let config_map = ToolOutput::from_object(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "production"},
            "data": {"LOG_LEVEL": "debug"}}));
        assert_eq!(
            shape(
                "resources_get",
                &Map::new(),
                classifier::read_focus("show configmap settings"),
                &config_map
            )
            .as_deref(),
            Some(
                "configmap settings in namespace production\nData:\n  LOG_LEVEL=debug\nEvents: not read here; ask \"events for configmap settings in production\"\nManifest:\napiVersion: v1\ndata:\n  LOG_LEVEL: debug\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: production\n"
            )
        );
    }

    #[test]
    fn bytes_read_like_a_person_writes_them() {
        assert_eq!(human_bytes(512), "512B");
        assert_eq!(human_bytes(12 * 1024), "12Ki");
        assert_eq!(human_bytes(250 * 1024 * 1024 + 5), "250Mi");
        assert_eq!(human_bytes(3 * (1 << 30) / 2), "1.5Gi");
    }

    #[test]
    fn plurals_become_singular() {
        assert_eq!(singular("deployments"), "deployment");
        assert_eq!(singular("ingresses"), "ingress");
        assert_eq!(singular("networkpolicies"), "networkpolicy");
        assert_eq!(singular("pods"), "pod");
    }

    #[test]
    fn describe_shows_the_description_and_an_output_format_the_manifest_alone() {
        let config_map = ToolOutput::from_object(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "production",
                         "managedFields": [{"manager": "kubectl"}]},
            "data": {"LOG_LEVEL": "debug"}}));
        let shaped = |request: &str| {
            shape(
                "resources_get",
                &Map::new(),
                classifier::read_focus(request),
                &config_map,
            )
            .unwrap_or_default()
        };
        let described = shaped("describe configmap settings in production");
        assert_eq!(
            described,
            "configmap settings in namespace production\nData:\n  LOG_LEVEL=debug\nEvents: not read here; ask \"events for configmap settings in production\"\n",
            "no manifest, and the last line says how to read the events"
        );
        assert_eq!(
            shaped("get configmap settings -n production -o yaml"),
            "apiVersion: v1\ndata:\n  LOG_LEVEL: debug\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: production\n"
        );
        let json = shaped("get configmap settings -n production -o json");
        let parsed: Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(parsed["data"]["LOG_LEVEL"], "debug");
        assert!(parsed["metadata"].get("managedFields").is_none(), "{json}");
    }
}
