//! The coordinator's view of the cluster: every read and every change it
//! makes goes through the MCP gateway here, with the session's context.
//!
//! Reads use `resources_get` (one object, un-throttled, with the object as
//! `structuredContent`) wherever one object will do, and the list tools only
//! where a set is needed, because the server rate-limits its list calls
//! (see `shared/deps.md`).

use std::collections::HashMap;
use std::time::Duration;

use hitl::grant::ApprovalGrant;
use mcp_gateway::{Gateway, ToolCall, ToolOutput};
use serde_json::{Map, Value, json};
use tokio::sync::OnceCell;

use crate::error::WorkflowError;

/// The namespace the MCP server uses when a context names none.
const FALLBACK_NAMESPACE: &str = "default";

/// What the kubeconfig says, read once through `configuration_view`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KubeconfigFacts {
    /// The kubeconfig's current context: the starting context when the
    /// configuration names none.
    pub(crate) current_context: String,
    /// Each context's default namespace.
    pub(crate) namespaces: HashMap<String, String>,
    /// Whether the server's tools take a `context` argument (it offers them
    /// only when the kubeconfig has more than one context).
    pub(crate) multi_cluster: bool,
}

impl KubeconfigFacts {
    /// The default namespace of `context`.
    pub(crate) fn namespace_of(&self, context: &str) -> String {
        self.namespaces
            .get(context)
            .cloned()
            .unwrap_or_else(|| FALLBACK_NAMESPACE.to_owned())
    }
}

/// A tool's answer to a read of one object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fetched {
    /// The object.
    Found(Value),
    /// The server said it does not exist; its message.
    Missing(String),
}

/// The gateway, with the kubeconfig facts the coordinator needs.
#[derive(Debug, Clone)]
pub(crate) struct Cluster {
    /// The only way to the MCP server.
    gateway: Gateway,
    /// Deadline of one read.
    read_deadline: Duration,
    /// Read once, on first use.
    facts: std::sync::Arc<OnceCell<KubeconfigFacts>>,
}

impl Cluster {
    pub(crate) fn new(gateway: Gateway, read_deadline: Duration) -> Self {
        Self {
            gateway,
            read_deadline,
            facts: std::sync::Arc::default(),
        }
    }

    /// The gateway itself, for the playbooks' reader.
    pub(crate) fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// The kubeconfig facts, read through the server on first use.
    pub(crate) async fn facts(&self) -> Result<&KubeconfigFacts, WorkflowError> {
        self.facts
            .get_or_try_init(|| async {
                let catalog = self.gateway.catalog().await?;
                let multi_cluster = catalog
                    .tool("pods_get")
                    .and_then(|tool| tool.input_schema.pointer("/properties/context"))
                    .is_some();
                let view = self
                    .call(ToolCall::new(
                        "configuration_view",
                        args(json!({"minified": false})),
                    ))
                    .await?;
                if view.is_error {
                    return Err(WorkflowError::Cluster(view.text.into_string()));
                }
                parse_kubeconfig(&view.text, multi_cluster)
            })
            .await
    }

    /// `arguments` with the `context` argument set, when the server takes one.
    pub(crate) async fn in_context(
        &self,
        tool: &str,
        mut arguments: Map<String, Value>,
        context: &str,
    ) -> Result<Map<String, Value>, WorkflowError> {
        let takes_context = !tool.starts_with("configuration_");
        if takes_context && self.facts().await?.multi_cluster {
            arguments.insert("context".into(), Value::String(context.to_owned()));
        }
        Ok(arguments)
    }

    /// One read-only call, as the fast path makes it.
    pub(crate) async fn read(
        &self,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<ToolOutput, WorkflowError> {
        self.call(ToolCall::new(tool, arguments)).await
    }

    /// One read-only call in `context` (named when the server takes one):
    /// [`Cluster::in_context`] then [`Cluster::read`], as most reads are made.
    pub(crate) async fn read_in(
        &self,
        context: &str,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<ToolOutput, WorkflowError> {
        let arguments = self.in_context(tool, arguments, context).await?;
        self.read(tool, arguments).await
    }

    /// One object, or the server's "not found".
    pub(crate) async fn get(
        &self,
        context: &str,
        api_version: &str,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
    ) -> Result<Fetched, WorkflowError> {
        let mut arguments = args(json!({"apiVersion": api_version, "kind": kind, "name": name}));
        if let Some(namespace) = namespace {
            arguments.insert("namespace".into(), Value::String(namespace.to_owned()));
        }
        let output = self.read_in(context, "resources_get", arguments).await?;
        if output.is_error {
            return if output.text.contains("not found") {
                Ok(Fetched::Missing(output.text.into_string()))
            } else {
                Err(WorkflowError::Cluster(output.text.into_string()))
            };
        }
        match output.structured {
            Some(object) if object.is_object() => Ok(Fetched::Found(object.into_value())),
            _ => serde_norway::from_str::<Value>(strip_heading(&output.text))
                .map(Fetched::Found)
                .map_err(|error| {
                    WorkflowError::Cluster(format!("unreadable object from resources_get: {error}"))
                }),
        }
    }

    /// The rows of a list (`structuredContent.items`: one map of column →
    /// cell per object), optionally narrowed by label and field selectors.
    pub(crate) async fn list(
        &self,
        context: &str,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<Map<String, Value>>, WorkflowError> {
        let mut arguments = args(json!({"apiVersion": api_version, "kind": kind}));
        for (key, value) in [("namespace", namespace), ("labelSelector", label_selector)] {
            if let Some(value) = value {
                arguments.insert(key.into(), Value::String(value.to_owned()));
            }
        }
        let output = self.read_in(context, "resources_list", arguments).await?;
        if output.is_error {
            return Err(WorkflowError::Cluster(output.text.into_string()));
        }
        Ok(rows(&output))
    }

    /// The events of a namespace, as the server's text.
    pub(crate) async fn events(
        &self,
        context: &str,
        namespace: &str,
    ) -> Result<String, WorkflowError> {
        let output = self
            .read_in(
                context,
                "events_list",
                args(json!({"namespace": namespace})),
            )
            .await?;
        Ok(output.text.into_string())
    }

    /// The one call an approval grant allows.
    pub(crate) async fn change(
        &self,
        tool: &str,
        arguments: Map<String, Value>,
        grant: ApprovalGrant,
        deadline: Duration,
    ) -> Result<ToolOutput, WorkflowError> {
        Ok(self
            .gateway
            .call(
                ToolCall::new(tool, arguments)
                    .with_grant(grant)
                    .with_deadline(deadline),
            )
            .await?)
    }

    async fn call(&self, call: ToolCall) -> Result<ToolOutput, WorkflowError> {
        Ok(self
            .gateway
            .call(call.with_deadline(self.read_deadline))
            .await?)
    }
}

/// The rows of a list tool's answer (`structuredContent.items`: one map of
/// column → cell per object); none when it sent no structured content.
pub(crate) fn rows(output: &ToolOutput) -> Vec<Map<String, Value>> {
    output
        .structured
        .as_ref()
        .and_then(|structured| structured.get("items"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_object().cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// A cell of a list row by column name, whatever the column's case.
pub(crate) fn cell<'a>(row: &'a Map<String, Value>, column: &str) -> Option<&'a str> {
    row.iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(column))
        .and_then(|(_, value)| value.as_str())
}

/// Builds an arguments map from a JSON object literal.
pub(crate) fn args(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The server prefixes some YAML answers with a `# ...` heading line.
fn strip_heading(text: &str) -> &str {
    match text.strip_prefix('#') {
        Some(rest) => rest.split_once('\n').map_or("", |(_, body)| body),
        None => text,
    }
}

fn parse_kubeconfig(text: &str, multi_cluster: bool) -> Result<KubeconfigFacts, WorkflowError> {
    let config: Value = serde_norway::from_str(strip_heading(text))
        .map_err(|error| WorkflowError::Cluster(format!("unreadable kubeconfig view: {error}")))?;
    let current_context = config
        .get("current-context")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let namespaces = config
        .get("contexts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let name = entry.get("name")?.as_str()?;
            let namespace = entry.pointer("/context/namespace")?.as_str()?;
            Some((name.to_owned(), namespace.to_owned()))
        })
        .collect();
    Ok(KubeconfigFacts {
        current_context,
        namespaces,
        multi_cluster,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_current_context_and_each_contexts_namespace() {
        let view = "apiVersion: v1\nkind: Config\ncurrent-context: sim-a\ncontexts:\n- name: sim-a\n  context:\n    cluster: a\n    namespace: staging\n- name: sim-b\n  context:\n    cluster: b\n";
        let facts = parse_kubeconfig(view, true).expect("parses");
        assert_eq!(facts.current_context, "sim-a");
        assert_eq!(facts.namespace_of("sim-a"), "staging");
        assert_eq!(facts.namespace_of("sim-b"), "default");
    }

    #[test]
    fn a_heading_line_is_not_part_of_the_yaml() {
        assert_eq!(
            strip_heading("# Current resource scale (YAML) is below\nspec: 1\n"),
            "spec: 1\n"
        );
        assert_eq!(strip_heading("spec: 1\n"), "spec: 1\n");
    }
}
