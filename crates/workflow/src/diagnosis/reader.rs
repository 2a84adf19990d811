//! The read-only view of the cluster the playbooks need, as a small trait the
//! coordinator implements over the MCP gateway.
//!
//! The playbooks name every tool they call through [`ReadTool`], which has no
//! mutating member: a playbook cannot change the cluster even by mistake. The
//! gateway's approval backstop would refuse it anyway; this makes it
//! impossible to write.

use std::future::Future;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{DiagnosisError, parse};

/// The read-only tools of `kubernetes-mcp-server` the playbooks call
/// (serialized as the tool's name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadTool {
    /// `resources_get`: one object, as YAML text and JSON `structuredContent`.
    ResourcesGet,
    /// `resources_list`: a table (and `structuredContent` rows). Namespaced
    /// lists cost an access review and are rate-limited by the server.
    ResourcesList,
    /// `events_list`: events as YAML text. Rate-limited like `resources_list`.
    EventsList,
    /// `pods_log`: a container's log (`previous` for the crashed instance).
    PodsLog,
    /// `pods_top`: live pod usage from the metrics API (kubectl-top table).
    PodsTop,
    /// `nodes_top`: live node usage and its share of allocatable.
    NodesTop,
}

impl ReadTool {
    /// The tool's name exactly as the MCP server lists it.
    pub fn name(self) -> &'static str {
        match self {
            ReadTool::ResourcesGet => "resources_get",
            ReadTool::ResourcesList => "resources_list",
            ReadTool::EventsList => "events_list",
            ReadTool::PodsLog => "pods_log",
            ReadTool::PodsTop => "pods_top",
            ReadTool::NodesTop => "nodes_top",
        }
    }
}

/// One read: the tool and its arguments, named as the MCP server names them.
/// The reader adds the session's kube `context` when it has one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadCall {
    /// Which tool.
    pub tool: ReadTool,
    /// Its arguments (`apiVersion`, `kind`, `name`, `namespace`, ...).
    pub arguments: Map<String, Value>,
}

impl ReadCall {
    /// A call with the given `(argument, value)` pairs; `None` values are
    /// left out, so an unknown namespace is never sent as an empty string.
    pub fn new<'a>(
        tool: ReadTool,
        arguments: impl IntoIterator<Item = (&'a str, Option<Value>)>,
    ) -> ReadCall {
        ReadCall {
            tool,
            arguments: arguments
                .into_iter()
                .filter_map(|(key, value)| value.map(|value| (key.to_string(), value)))
                .collect(),
        }
    }
}

/// What a tool answered. A tool-level failure (`isError: true`, e.g. a 404)
/// is an output, not an error: for a playbook "not found" is evidence.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolOutput {
    /// The text content, joined.
    pub text: mcp_gateway::ToolText,
    /// `structuredContent`, when the tool sends it (`resources_get`, `resources_list`).
    pub structured: Option<mcp_gateway::StructuredContent>,
    /// The tool reported a failure; `text` holds its message.
    pub is_error: bool,
}

impl ToolOutput {
    /// Whether this is the server's "not found" failure for a missing object.
    pub fn is_not_found(&self) -> bool {
        self.is_error && self.text.contains("not found")
    }
}

/// Outputs as the gateway hands them over, built one way for every unit test
/// of the code that reads them (answers, parsing, playbooks).
#[cfg(test)]
impl ToolOutput {
    /// A tool's text answer (a table, YAML, a message) and nothing else.
    pub(crate) fn from_text(text: &str) -> Self {
        ToolOutput {
            text: text.into(),
            ..ToolOutput::default()
        }
    }

    /// A tool's structured answer (`resources_get` of `object`), no text.
    pub(crate) fn from_structured(object: Value) -> Self {
        ToolOutput {
            structured: Some(object.into()),
            ..ToolOutput::default()
        }
    }

    /// A get's answer as the server gives it: the object printed as YAML
    /// and as `structuredContent`.
    pub(crate) fn from_object(object: Value) -> Self {
        ToolOutput {
            text: serde_norway::to_string(&object)
                .expect("a JSON value prints as YAML")
                .into(),
            structured: Some(object.into()),
            ..ToolOutput::default()
        }
    }

    /// A tool-level failure (`isError: true`) saying `message`.
    pub(crate) fn from_failure(message: &str) -> Self {
        ToolOutput {
            is_error: true,
            ..ToolOutput::from_text(message)
        }
    }
}

/// The read could not be made at all (gateway busy, server down, deadline).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{tool} could not be read: {reason}")]
pub struct ReadError {
    /// The tool name.
    pub tool: String,
    /// Why, as the gateway said it.
    pub reason: String,
}

/// The read-only cluster access a playbook needs. Implemented by the
/// coordinator over the gateway; every call is one MCP request, so the number
/// of calls a playbook makes is what it costs.
pub trait ClusterReader: Sync {
    /// Calls one read-only tool.
    fn call(&self, call: ReadCall) -> impl Future<Output = Result<ToolOutput, ReadError>> + Send;

    /// Fetches an MCP prompt (the health check uses `cluster-health-check`)
    /// and returns its messages' text, joined in order.
    fn prompt(
        &self,
        name: &str,
        arguments: Map<String, Value>,
    ) -> impl Future<Output = Result<String, ReadError>> + Send;
}

impl ToolOutput {
    /// This output, unless `tool` reported a failure (forbidden, say): a
    /// failure is not evidence, and the playbook stops with it.
    pub(crate) fn succeeded(self, tool: ReadTool) -> Result<Self, DiagnosisError> {
        if self.is_error {
            return Err(DiagnosisError::ToolFailed {
                tool: tool.name(),
                message: self.text.into_string(),
            });
        }
        Ok(self)
    }
}

/// One object, read with `resources_get`; `None` when it does not exist.
/// Every playbook that reads an object by name reads it through this.
pub(crate) async fn read_object<R: ClusterReader>(
    reader: &R,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Result<Option<Value>, DiagnosisError> {
    let output = reader
        .call(ReadCall::new(
            ReadTool::ResourcesGet,
            [
                ("apiVersion", Some(json!(api_version))),
                ("kind", Some(json!(kind))),
                ("name", Some(json!(name))),
                ("namespace", namespace.map(|namespace| json!(namespace))),
            ],
        ))
        .await?;
    if output.is_not_found() {
        return Ok(None);
    }
    let output = output.succeeded(ReadTool::ResourcesGet)?;
    Ok(Some(parse::into_object(output)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_serializes_as_its_name() {
        for tool in [
            ReadTool::ResourcesGet,
            ReadTool::ResourcesList,
            ReadTool::EventsList,
            ReadTool::PodsLog,
            ReadTool::PodsTop,
            ReadTool::NodesTop,
        ] {
            assert_eq!(
                serde_json::to_value(tool).ok(),
                Some(Value::from(tool.name()))
            );
        }
    }
}
