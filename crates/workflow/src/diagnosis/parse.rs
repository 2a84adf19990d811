//! Readers for the text shapes `kubernetes-mcp-server` answers with: objects
//! (JSON `structuredContent`, else YAML text), events (a YAML list), and
//! kubectl-top tables. Each is lenient about what it does not need and says
//! clearly what it could not read.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

use super::reader::ToolOutput;

/// A tool answer the playbook could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not read the {what}: {reason}")]
pub struct ParseError {
    /// What was being read (e.g. "events_list answer").
    pub what: &'static str,
    /// Why, with the parser's message.
    pub reason: String,
}

/// The object a `resources_get` (or `pods_get`) answer carries: its
/// `structuredContent` when present (borrowed: an answer shown to a person
/// is only looked at, and copying a whole object was a tenth of the
/// daemon's work per read), else its YAML text.
pub fn object(output: &ToolOutput) -> Result<Cow<'_, Value>, ParseError> {
    if let Some(structured) = output.structured.as_ref().filter(|value| value.is_object()) {
        return Ok(Cow::Borrowed(structured.value()));
    }
    object_from_text(&output.text).map(Cow::Owned)
}

/// [`object`] for a playbook that keeps the object: the answer is consumed,
/// so its parsed `structuredContent` is moved out, never copied.
pub fn into_object(output: ToolOutput) -> Result<Value, ParseError> {
    match output.structured {
        Some(structured) if structured.is_object() => Ok(structured.into_value()),
        _ => object_from_text(&output.text),
    }
}

/// An object printed as YAML (what the server prints without structured
/// content).
fn object_from_text(text: &str) -> Result<Value, ParseError> {
    let value: Value = serde_norway::from_str(text).map_err(|error| ParseError {
        what: "object",
        reason: error.to_string(),
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ParseError {
            what: "object",
            reason: format!("expected a mapping, got: {}", first_line(text)),
        })
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// One Kubernetes event, as `events_list` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// The involved object's kind (`Pod`, `ReplicaSet`, ...).
    pub object_kind: String,
    /// The involved object's name.
    pub object_name: String,
    /// The event's namespace.
    pub namespace: String,
    /// `Normal` or `Warning`.
    pub event_type: String,
    /// The machine-readable reason (`FailedScheduling`, `BackOff`, ...).
    pub reason: String,
    /// The human message.
    pub message: String,
    /// When it last happened, as printed.
    pub timestamp: String,
}

impl Event {
    /// Whether this is a Warning event.
    pub fn is_warning(&self) -> bool {
        self.event_type.eq_ignore_ascii_case("warning")
    }
}

/// Looks a key up case-insensitively: the server prints Go field names
/// (`InvolvedObject`, `Kind`) next to JSON ones (`apiVersion`).
fn field<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, value)| value)
}

fn text_field(value: &Value, key: &str) -> String {
    match field(value, key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The events of an `events_list` answer (`# No events found` is none).
pub fn events(output: &ToolOutput) -> Result<Vec<Event>, ParseError> {
    let error = |reason: String| ParseError {
        what: "events_list answer",
        reason,
    };
    if output.is_error {
        return Err(error(output.text.to_string()));
    }
    let value: Value = serde_norway::from_str(&output.text).map_err(|e| error(e.to_string()))?;
    let items = match value {
        // Only the comment line (`# No events found`) or nothing at all.
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => return Err(error(format!("expected a list, got {other}"))),
    };
    Ok(items
        .iter()
        .map(|item| {
            let involved = field(item, "InvolvedObject").cloned().unwrap_or_default();
            Event {
                object_kind: text_field(&involved, "Kind"),
                object_name: text_field(&involved, "Name"),
                namespace: text_field(item, "Namespace"),
                event_type: text_field(item, "Type"),
                reason: text_field(item, "Reason"),
                message: text_field(item, "Message"),
                timestamp: text_field(item, "Timestamp"),
            }
        })
        .collect())
}

/// A column-aligned table (kubectl top, the list tools): the header's column
/// names and each row's cells, split on runs of whitespace. Cells in these
/// tables never contain spaces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// Column names, upper-case as printed (`NAME`, `MEMORY(bytes)`).
    pub columns: Vec<String>,
    /// The rows' cells, in column order.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads a table; comment lines (`#`) and blank lines are skipped, an
    /// empty text is an empty table.
    pub fn parse(text: &str) -> Table {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'));
        let columns = lines
            .next()
            .map(|header| header.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let rows = lines
            .map(|line| line.split_whitespace().map(str::to_string).collect())
            .collect();
        Table { columns, rows }
    }

    /// The index of the column named `prefix`, else of the first column whose
    /// name starts with it (case-insensitive): `NAME` is `NAME`, not
    /// `NAMESPACE`; `MEMORY(` matches `MEMORY(bytes)`.
    pub fn column(&self, prefix: &str) -> Option<usize> {
        let prefix = prefix.to_ascii_uppercase();
        self.columns
            .iter()
            .position(|name| name.eq_ignore_ascii_case(&prefix))
            .or_else(|| {
                self.columns
                    .iter()
                    .position(|name| name.to_ascii_uppercase().starts_with(&prefix))
            })
    }

    /// A row's cell in the column starting with `prefix`.
    pub fn cell<'a>(&self, row: &'a [String], prefix: &str) -> Option<&'a str> {
        self.column(prefix)
            .and_then(|index| row.get(index))
            .map(String::as_str)
    }
}

/// The rows of a list answer as column → cell maps, column names upper-case
/// (`NAME`, `READY`, `STATUS`): from `structuredContent` rows when present,
/// else from the text table.
pub fn rows(output: &ToolOutput) -> Vec<BTreeMap<String, String>> {
    let structured = output
        .structured
        .as_ref()
        .and_then(|structured| structured.get("items"))
        .and_then(Value::as_array);
    if let Some(items) = structured {
        return items
            .iter()
            .filter_map(Value::as_object)
            .map(|row| {
                row.iter()
                    .map(|(column, cell)| {
                        let cell = match cell {
                            Value::String(text) => text.clone(),
                            other => other.to_string(),
                        };
                        (column.to_ascii_uppercase(), cell)
                    })
                    .collect()
            })
            .collect();
    }
    let table = Table::parse(&output.text);
    table
        .rows
        .iter()
        .map(|row| {
            table
                .columns
                .iter()
                .map(|column| column.to_ascii_uppercase())
                .zip(row.iter().cloned())
                .collect()
        })
        .collect()
}

/// A list row's LABELS cell (`app=web,tier=front`) as a map.
pub fn labels(cell: &str) -> BTreeMap<String, String> {
    cell.split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
        .collect()
}

/// The workload a pod's list row belongs to: the Job its `job-name` label
/// names, the StatefulSet in a `statefulset.kubernetes.io/pod-name` pod's
/// name (`<statefulset>-<ordinal>`), the DaemonSet in a
/// `pod-template-generation` pod's (`<daemonset>-<suffix>`), else the
/// Deployment in a ReplicaSet-made name
/// (`<deployment>-<pod-template-hash>-<suffix>`); `None` for other pods.
pub fn workload_of_row(row: &BTreeMap<String, String>) -> Option<String> {
    let labels = labels(row.get("LABELS")?);
    if let Some(job) = labels
        .get("batch.kubernetes.io/job-name")
        .or_else(|| labels.get("job-name"))
    {
        return Some(job.clone());
    }
    if labels.contains_key("statefulset.kubernetes.io/pod-name")
        || labels.contains_key("pod-template-generation")
    {
        let (workload, _) = row.get("NAME")?.rsplit_once('-')?;
        return Some(workload.to_owned());
    }
    let hash = labels.get("pod-template-hash")?;
    let (replica_set, _) = row.get("NAME")?.rsplit_once('-')?;
    replica_set
        .strip_suffix(&format!("-{hash}"))
        .map(str::to_string)
}

/// The `(namespace, name)` pairs of a list answer; rows without a namespace
/// column get `default_namespace` (or an empty one).
pub fn listed_names(output: &ToolOutput, default_namespace: Option<&str>) -> Vec<(String, String)> {
    rows(output)
        .iter()
        .filter_map(|row| {
            let (namespace, name) = row_place(row, default_namespace)?;
            Some((namespace.to_string(), name.to_string()))
        })
        .collect()
}

/// The `(namespace, name)` of one list row: its NAMESPACE cell, else the
/// namespace the list was made in (empty for neither); `None` without a NAME.
pub fn row_place<'a>(
    row: &'a BTreeMap<String, String>,
    default_namespace: Option<&'a str>,
) -> Option<(&'a str, &'a str)> {
    let name = row.get("NAME")?;
    let namespace = row
        .get("NAMESPACE")
        .map(String::as_str)
        .or(default_namespace)
        .unwrap_or_default();
    Some((namespace, name))
}

/// A count field of an object, 0 when absent (the API leaves zero counts
/// out: a Job with no failed pod has no `status.failed`).
pub fn count(object: &Value, pointer: &str) -> u64 {
    object.pointer(pointer).and_then(Value::as_u64).unwrap_or(0)
}

/// The name of the object's owner of this kind (a Job's CronJob, a pod's
/// ReplicaSet), if it has one.
pub fn owner_named<'a>(object: &'a Value, kind: &str) -> Option<&'a str> {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|owner| owner["kind"] == kind)
        .and_then(|owner| owner["name"].as_str())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn events_read_the_servers_yaml_list() {
        let answer = ToolOutput::from_text(
            "# The following events (YAML format) were found:\n\
             - InvolvedObject:\n    Kind: Pod\n    Name: web-7d4b9-abcde\n    apiVersion: v1\n  \
             Message: 'Back-off restarting failed container app in pod web-7d4b9-abcde_demo'\n  \
             Namespace: demo\n  Reason: BackOff\n  Timestamp: 2026-11-25 08:00:00 +0000 UTC\n  Type: Warning\n\
             - InvolvedObject:\n    Kind: ReplicaSet\n    Name: web-7d4b9\n    apiVersion: apps/v1\n  \
             Message: 'Created pod: web-7d4b9-abcde'\n  Namespace: demo\n  Reason: SuccessfulCreate\n  \
             Timestamp: 2026-11-25 07:59:00 +0000 UTC\n  Type: Normal\n",
        );
        let events = events(&answer).expect("a valid events answer");
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].object_kind, "Pod");
        assert_eq!(events[0].object_name, "web-7d4b9-abcde");
        assert_eq!(events[0].reason, "BackOff");
        assert!(events[0].is_warning());
        assert!(events[0].message.starts_with("Back-off restarting"));
        assert_eq!(events[1].object_kind, "ReplicaSet");
        assert!(!events[1].is_warning());
    }

    #[test]
    fn no_events_is_an_empty_list_and_an_error_answer_is_an_error() {
        assert_eq!(
            events(&ToolOutput::from_text("# No events found")),
            Ok(Vec::new())
        );
        assert_eq!(events(&ToolOutput::from_text("")), Ok(Vec::new()));
        let failed = ToolOutput::from_failure("failed to list events: forbidden");
        assert!(events(&failed).is_err());
        assert!(events(&ToolOutput::from_text("just words")).is_err());
    }

    #[test]
    fn objects_come_from_structured_content_else_from_yaml() {
        let structured = ToolOutput {
            text: "ignored: true".into(),
            structured: Some(json!({"kind": "Pod"}).into()),
            is_error: false,
        };
        assert_eq!(object(&structured).expect("structured")["kind"], "Pod");
        let yaml = ToolOutput::from_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n");
        assert_eq!(object(&yaml).expect("yaml")["metadata"]["name"], "web");
        assert!(object(&ToolOutput::from_text("pods \"x\" not found")).is_err());
    }

    #[test]
    fn listed_names_come_from_structured_rows_or_the_table() {
        let structured = ToolOutput::from_structured(
            json!({"items": [{"NAMESPACE": "demo", "NAME": "web-1"}, {"Name": "web-2"}]}),
        );
        assert_eq!(
            listed_names(&structured, Some("demo")),
            vec![
                ("demo".into(), "web-1".into()),
                ("demo".into(), "web-2".into())
            ]
        );
        let text = ToolOutput::from_text(
            "NAMESPACE   APIVERSION   KIND   NAME    READY\nshop        v1           Pod    api-1   0/1\n",
        );
        assert_eq!(
            listed_names(&text, None),
            vec![("shop".into(), "api-1".into())]
        );
    }

    #[test]
    fn a_rows_workload_is_its_job_stateful_set_daemon_set_or_deployment() {
        let row = |name: &str, labels: &str| {
            BTreeMap::from([
                ("NAME".to_string(), name.to_string()),
                ("LABELS".to_string(), labels.to_string()),
            ])
        };
        assert_eq!(
            workload_of_row(&row(
                "db-migrate-x2x4q",
                "batch.kubernetes.io/job-name=db-migrate,controller-uid=1"
            )),
            Some("db-migrate".into())
        );
        assert_eq!(
            workload_of_row(&row("web-7d4b9c-x2x4q", "app=web,pod-template-hash=7d4b9c")),
            Some("web".into())
        );
        assert_eq!(workload_of_row(&row("search-0", "app=search")), None);
        assert_eq!(
            workload_of_row(&row(
                "ledger-db-0",
                "app=ledger-db,controller-revision-hash=ledger-db-48p8p5648v,statefulset.kubernetes.io/pod-name=ledger-db-0"
            )),
            Some("ledger-db".into())
        );
        assert_eq!(
            workload_of_row(&row(
                "node-exporter-x7k2p",
                "app=node-exporter,controller-revision-hash=5d8f,pod-template-generation=1"
            )),
            Some("node-exporter".into())
        );
        assert_eq!(labels("<none>"), BTreeMap::new());
    }

    #[test]
    fn top_tables_are_read_by_column_name() {
        let table = Table::parse(
            "NAME     CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)\n\
             node-a   250m         12%      3010Mi          78%\n\
             node-b   <unknown>    <unknown> <unknown>      <unknown>\n",
        );
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.cell(&table.rows[0], "MEMORY(b"), Some("3010Mi"));
        assert_eq!(table.cell(&table.rows[0], "MEMORY(%"), Some("78%"));
        assert_eq!(table.cell(&table.rows[1], "NAME"), Some("node-b"));
        assert_eq!(Table::parse(""), Table::default());
    }
}
