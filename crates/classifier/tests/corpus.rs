//! Accuracy of the classifier over the labelled corpus (`tests/corpus.jsonl`):
//! requests as people type them (plain English, questions, politeness, odd
//! casing, kubectl syntax with flags before or after the verb) with the intent
//! each must get. Reports accuracy by path, by tool and by arguments, lists
//! every miss, and fails below [`MIN_TOOL_AND_ARGUMENTS_ACCURACY`].
//!
//! A corpus line: `{"text": "...", "expect": {"path": ..., "tool": ...,
//! "operation"|"playbook"|"domain"|"missing"|"kind_defaulted": ...,
//! "arguments": {...}}}`. The
//! arguments must match exactly (same keys, same values), except a `resource`
//! manifest, given as `{"contains": [lines...]}`.

use std::collections::BTreeMap;

use classifier::classify;
use serde_json::Value;

/// The share of requests whose path, tool and arguments must all be right:
/// all of them. A request the classifier gets wrong is a defect to fix (or,
/// when the better answer changed, a label to update), never a tolerated miss.
const MIN_TOOL_AND_ARGUMENTS_ACCURACY: f64 = 1.0;

/// The least number of labelled requests the corpus must hold.
const MIN_CORPUS_SIZE: usize = 400;

const CORPUS: &str = include_str!("corpus.jsonl");

struct Case {
    text: String,
    expect: Value,
}

fn corpus() -> Vec<Case> {
    CORPUS
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            let mut value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("corpus line {}: {e}", n + 1));
            let text = value["text"]
                .as_str()
                .unwrap_or_else(|| panic!("corpus line {}: no text", n + 1))
                .to_owned();
            Case {
                text,
                expect: value["expect"].take(),
            }
        })
        .collect()
}

/// Whether `actual` arguments are exactly the `expected` ones.
fn arguments_match(expected: &Value, actual: &Value) -> bool {
    let (Some(expected), Some(actual)) = (expected.as_object(), actual.as_object()) else {
        return expected == actual;
    };
    if expected.len() != actual.len() {
        return false;
    }
    expected.iter().all(|(key, want)| {
        let Some(got) = actual.get(key) else {
            return false;
        };
        match (key.as_str(), want.get("contains")) {
            ("resource", Some(lines)) => {
                let text = got.as_str().unwrap_or_default();
                lines.as_array().is_some_and(|lines| {
                    lines
                        .iter()
                        .all(|line| line.as_str().is_some_and(|line| text.contains(line)))
                })
            }
            _ => want == got,
        }
    })
}

/// The fields that name the decision besides the path and the arguments
/// (`kind_defaulted`: a change that assumed a Deployment says so).
const DECISION_FIELDS: &[&str] = &[
    "tool",
    "operation",
    "playbook",
    "domain",
    "missing",
    "kind_defaulted",
];

#[derive(Default)]
struct Tally {
    total: usize,
    path: usize,
    tool: usize,
    arguments: usize,
}

#[test]
fn corpus_accuracy_by_path_tool_and_arguments() {
    let cases = corpus();
    assert!(
        cases.len() >= MIN_CORPUS_SIZE,
        "the corpus holds {} requests, fewer than {MIN_CORPUS_SIZE}",
        cases.len()
    );
    let mut overall = Tally::default();
    let mut by_path: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_tool: BTreeMap<String, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    for case in &cases {
        let actual = serde_json::to_value(classify(&case.text)).expect("an intent serialises");
        let expected_path = case.expect["path"].as_str().unwrap_or_default().to_owned();
        let path_ok = actual["path"] == case.expect["path"];
        let tool_ok = path_ok
            && DECISION_FIELDS
                .iter()
                .all(|field| actual[*field] == case.expect[*field]);
        let arguments_ok = tool_ok
            && (case.expect.get("arguments").is_none()
                || arguments_match(&case.expect["arguments"], &actual["arguments"]));
        let tool_key = case.expect["tool"]
            .as_str()
            .map_or_else(|| expected_path.clone(), str::to_owned);
        for tally in [
            &mut overall,
            by_path.entry(expected_path).or_default(),
            by_tool.entry(tool_key).or_default(),
        ] {
            tally.total += 1;
            tally.path += usize::from(path_ok);
            tally.tool += usize::from(tool_ok);
            tally.arguments += usize::from(arguments_ok);
        }
        if !arguments_ok {
            misses.push(format!(
                "  {:?}\n    expected {}\n    got      {}",
                case.text, case.expect, actual
            ));
        }
    }
    let share = |part: usize, total: usize| part as f64 / total.max(1) as f64;
    let mut report = format!(
        "classifier corpus: {} requests; path {:.1}%, tool {:.1}%, tool and arguments {:.1}%\n",
        overall.total,
        100.0 * share(overall.path, overall.total),
        100.0 * share(overall.tool, overall.total),
        100.0 * share(overall.arguments, overall.total),
    );
    for (title, table) in [("by path", &by_path), ("by tool", &by_tool)] {
        report.push_str(&format!("{title}:\n"));
        for (key, tally) in table {
            report.push_str(&format!(
                "  {key:<30} {:>4}  path {:>5.1}%  tool {:>5.1}%  arguments {:>5.1}%\n",
                tally.total,
                100.0 * share(tally.path, tally.total),
                100.0 * share(tally.tool, tally.total),
                100.0 * share(tally.arguments, tally.total),
            ));
        }
    }
    if !misses.is_empty() {
        report.push_str(&format!(
            "misses ({}):\n{}\n",
            misses.len(),
            misses.join("\n")
        ));
    }
    println!("{report}");
    let accuracy = share(overall.arguments, overall.total);
    assert!(
        accuracy >= MIN_TOOL_AND_ARGUMENTS_ACCURACY,
        "tool-and-arguments accuracy {:.1}% is below {:.0}%\n{report}",
        100.0 * accuracy,
        100.0 * MIN_TOOL_AND_ARGUMENTS_ACCURACY
    );
}

#[test]
fn corpus_covers_every_path_and_every_tool_of_the_design() {
    let cases = corpus();
    let seen = |field: &str, value: &str| cases.iter().any(|c| c.expect[field] == value);
    for path in [
        "read_only",
        "health_check",
        "diagnose",
        "mutation",
        "switch_context",
        "handoff",
        "clarify",
    ] {
        assert!(seen("path", path), "no corpus request for path {path}");
    }
    for tool in [
        "pods_list",
        "pods_list_in_namespace",
        "pods_get",
        "pods_log",
        "pods_top",
        "resources_list",
        "resources_get",
        "namespaces_list",
        "events_list",
        "nodes_top",
        "nodes_stats_summary",
        "nodes_log",
        "configuration_contexts_list",
        "configuration_view",
        "resources_scale",
        "resources_create_or_update",
        "resources_delete",
        "pods_delete",
        "pods_exec",
        "pods_run",
    ] {
        assert!(seen("tool", tool), "no corpus request for tool {tool}");
    }
    for value in ["scale", "delete", "create_update", "exec", "run"] {
        assert!(
            seen("operation", value),
            "no corpus request for operation {value}"
        );
    }
    for value in ["pod_failure", "resource_pressure", "rbac_audit"] {
        assert!(
            seen("playbook", value),
            "no corpus request for playbook {value}"
        );
    }
    for value in ["helm", "app", "observability"] {
        assert!(
            seen("domain", value),
            "no corpus request for domain {value}"
        );
    }
    let mut texts: Vec<&str> = cases.iter().map(|c| c.text.as_str()).collect();
    texts.sort_unstable();
    let before = texts.len();
    texts.dedup();
    assert_eq!(before, texts.len(), "the corpus repeats a request");
}
