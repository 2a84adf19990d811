//! [`ClusterReader`] over the real MCP gateway: what the coordinator hands
//! the playbooks. It adds the session's kube context to every call, so a
//! playbook never reads a cluster other than the one the answer names.

use std::collections::BTreeMap;

use mcp_gateway::{Gateway, ToolCall};
use serde_json::{Map, Value};

use super::reader::{ClusterReader, ReadCall, ReadError, ToolOutput};

/// The playbooks' reads, through the gateway, in one kube context.
#[derive(Debug, Clone, Copy)]
pub struct GatewayReader<'g> {
    /// The gateway every read goes through (bounded, with deadlines).
    gateway: &'g Gateway,
    /// The kube context of the session; the server's current one when `None`.
    context: Option<&'g str>,
}

impl<'g> GatewayReader<'g> {
    /// Reads through `gateway` in `context` (the server's current context when `None`).
    pub fn new(gateway: &'g Gateway, context: Option<&'g str>) -> GatewayReader<'g> {
        GatewayReader { gateway, context }
    }
}

impl ClusterReader for GatewayReader<'_> {
    async fn call(&self, call: ReadCall) -> Result<ToolOutput, ReadError> {
        let mut arguments = call.arguments;
        if let Some(context) = self.context {
            arguments.insert("context".to_string(), Value::String(context.to_string()));
        }
        let output = self
            .gateway
            .call(ToolCall::new(call.tool.name(), arguments))
            .await
            .map_err(|error| ReadError {
                tool: call.tool.name().to_string(),
                reason: error.to_string(),
            })?;
        Ok(ToolOutput {
            text: output.text,
            structured: output.structured,
            is_error: output.is_error,
        })
    }

    async fn prompt(&self, name: &str, arguments: Map<String, Value>) -> Result<String, ReadError> {
        // Prompt arguments are strings on the wire.
        let mut strings: BTreeMap<String, String> = arguments
            .into_iter()
            .map(|(key, value)| {
                let text = match value {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                (key, text)
            })
            .collect();
        if let Some(context) = self.context {
            strings.insert("context".to_string(), context.to_string());
        }
        let rendered = self
            .gateway
            .get_prompt(name, strings)
            .await
            .map_err(|error| ReadError {
                tool: format!("prompt {name}"),
                reason: error.to_string(),
            })?;
        Ok(rendered
            .messages
            .into_iter()
            .map(|message| message.text)
            .collect::<Vec<_>>()
            .join("\n"))
    }
}
