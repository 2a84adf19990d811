//! A list asked for as YAML or JSON ("get pods -n shop -o yaml", "list the
//! deployments in shop as json"): its items as a `kind: List`, from the one
//! list call the fast path makes.
//!
//! The MCP server's list tools return `kubectl get`'s table (rows of
//! columns), not whole objects, and a second call per item would break the
//! read's one-call rule. So each item is what the row holds: its apiVersion,
//! kind, name, namespace and labels as metadata, and the table's other
//! columns under `columns`, named as the table names them. The YAML's first
//! line says so, and how to read one object whole.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::describe::Format;
use crate::diagnosis::ToolOutput;
use crate::diagnosis::parse;

/// Columns that become the item's identity and metadata rather than one of
/// its `columns`.
const IDENTITY_COLUMNS: [&str; 5] = ["APIVERSION", "KIND", "NAME", "NAMESPACE", "LABELS"];

/// The list of `tool` (called with `asked`) as a `kind: List` in `format`;
/// `None` when the output holds no table.
pub(super) fn listed(
    tool: &str,
    asked: &Map<String, Value>,
    output: &ToolOutput,
    format: Format,
) -> Option<String> {
    let rows = parse::rows(output);
    if rows.is_empty() && !output.text.trim().is_empty() {
        return None;
    }
    let asked_text = |key: &str| asked.get(key).and_then(Value::as_str);
    let pods = tool.starts_with("pods_");
    let default_kind = if pods {
        Some("Pod")
    } else if tool == "namespaces_list" {
        Some("Namespace")
    } else {
        asked_text("kind")
    };
    let default_api_version = if pods || tool == "namespaces_list" {
        Some("v1")
    } else {
        asked_text("apiVersion")
    };
    let items: Vec<Value> = rows
        .iter()
        .map(|row| {
            item(
                row,
                default_api_version,
                default_kind,
                asked_text("namespace"),
            )
        })
        .collect();
    match format {
        Format::Json => serde_json::to_string_pretty(
            &json!({"apiVersion": "v1", "kind": "List", "items": items}),
        )
        .ok()
        .map(|json| json + "\n"),
        Format::Yaml => {
            // The list's own fields first, as kubectl prints them.
            let listed = if items.is_empty() {
                " []\n".to_owned()
            } else {
                format!("\n{}", serde_norway::to_string(&items).ok()?)
            };
            let example = example_request(&items, default_kind);
            Some(format!(
                "# {} item(s) as the list returns them: each row's columns, not the whole object ({example} shows one whole).\napiVersion: v1\nkind: List\nitems:{listed}",
                items.len()
            ))
        }
    }
}

/// One row as an item: identity and labels in `metadata`, the other
/// columns under `columns`.
fn item(
    row: &BTreeMap<String, String>,
    api_version: Option<&str>,
    kind: Option<&str>,
    namespace: Option<&str>,
) -> Value {
    let cell = |column: &str| {
        row.get(column)
            .map(String::as_str)
            .filter(|cell| !cell.is_empty() && *cell != "<none>")
    };
    let mut metadata = Map::new();
    if let Some(name) = cell("NAME") {
        metadata.insert("name".into(), name.into());
    }
    if let Some(namespace) = cell("NAMESPACE").or(namespace) {
        metadata.insert("namespace".into(), namespace.into());
    }
    if let Some(labels) = cell("LABELS") {
        let labels: Map<String, Value> = parse::labels(labels)
            .into_iter()
            .map(|(key, value)| (key, Value::String(value)))
            .collect();
        metadata.insert("labels".into(), Value::Object(labels));
    }
    let columns: Map<String, Value> = row
        .iter()
        .filter(|(column, _)| !IDENTITY_COLUMNS.contains(&column.as_str()))
        .map(|(column, cell)| (column.clone(), Value::String(cell.clone())))
        .collect();
    let mut item = Map::new();
    if let Some(api_version) = cell("APIVERSION").or(api_version) {
        item.insert("apiVersion".into(), api_version.into());
    }
    if let Some(kind) = cell("KIND").or(kind) {
        item.insert("kind".into(), kind.into());
    }
    item.insert("metadata".into(), Value::Object(metadata));
    if !columns.is_empty() {
        item.insert("columns".into(), Value::Object(columns));
    }
    Value::Object(item)
}

/// `"get pod web-1 -n shop -o yaml"` for the first item (a generic one for
/// an empty list).
fn example_request(items: &[Value], kind: Option<&str>) -> String {
    let kind = items
        .first()
        .and_then(|item| item.get("kind"))
        .and_then(Value::as_str)
        .or(kind)
        .unwrap_or("pod")
        .to_lowercase();
    let first = items.first().and_then(|item| item.get("metadata"));
    let name = first
        .and_then(|metadata| metadata.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("NAME");
    let namespace = first
        .and_then(|metadata| metadata.get("namespace"))
        .and_then(Value::as_str)
        .map(|namespace| format!(" -n {namespace}"))
        .unwrap_or_default();
    format!("\"get {kind} {name}{namespace} -o yaml\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_listed_table_is_a_list_of_its_rows_said_as_such() {
        let output = ToolOutput::from_text(
            "NAMESPACE   APIVERSION   KIND   NAME    READY   STATUS    LABELS\nshop        v1           Pod    web-1   1/1     Running   app=web\n",
        );
        let yaml = listed(
            "pods_list_in_namespace",
            &asked(json!({"namespace": "shop"})),
            &output,
            Format::Yaml,
        )
        .expect("a list");
        assert!(
            yaml.starts_with("# 1 item(s) as the list returns them: each row's columns, not the whole object (\"get pod web-1 -n shop -o yaml\" shows one whole).\napiVersion: v1\nkind: List\n"),
            "{yaml}"
        );
        let json = listed(
            "pods_list_in_namespace",
            &asked(json!({"namespace": "shop"})),
            &output,
            Format::Json,
        )
        .expect("a list");
        let parsed: Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(
            parsed["items"][0],
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
                   "columns": {"READY": "1/1", "STATUS": "Running"}})
        );
        let empty = listed(
            "resources_list",
            &asked(json!({"apiVersion": "apps/v1", "kind": "Deployment"})),
            &ToolOutput::from_text(""),
            Format::Json,
        )
        .expect("an empty list");
        assert_eq!(
            serde_json::from_str::<Value>(&empty).expect("JSON")["items"],
            json!([])
        );
    }
}
