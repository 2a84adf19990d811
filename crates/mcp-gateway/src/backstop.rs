//! The safety backstop: which calls need an approval grant.
//!
//! A tool runs without a grant only if the server's own annotations say it is
//! read-only (`readOnlyHint: true`). Missing annotations count as "may change
//! the cluster". The one narrowing: `resources_scale` without a `scale`
//! argument only reads the current scale (the server sends a single GET of the
//! scale subresource), and the design's read-only fast path uses it for
//! "current replicas", so it runs without a grant. With `scale` present, in
//! any form, it needs one.
//!
//! The grant itself is checked by [`hitl::grant::GrantVerifier::redeem`]
//! (authentic, unexpired, unused, and issued for exactly this tool and these
//! arguments); this module only decides whether one is needed.

use serde_json::{Map, Value};

use crate::catalog::ToolInfo;

/// The tool that reads the current scale when called without `scale`.
pub const SCALE_TOOL: &str = "resources_scale";

/// The argument that turns [`SCALE_TOOL`] from a read into a change.
pub const SCALE_ARGUMENT: &str = "scale";

/// Whether calling `tool` with `arguments` needs an approval grant.
pub fn requires_grant(tool: &ToolInfo, arguments: &Map<String, Value>) -> bool {
    if tool.read_only {
        return false;
    }
    let reads_current_scale = tool.name == SCALE_TOOL && !arguments.contains_key(SCALE_ARGUMENT);
    !reads_current_scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(name: &str, read_only: bool) -> ToolInfo {
        ToolInfo {
            name: name.into(),
            title: None,
            description: None,
            input_schema: json!({"type": "object"}),
            read_only,
            destructive: !read_only,
            idempotent: false,
        }
    }

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().expect("object").clone()
    }

    #[test]
    fn only_read_only_tools_and_scale_reads_run_without_a_grant() {
        let get = args(json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}));
        assert!(!requires_grant(&tool("pods_get", true), &get));
        assert!(requires_grant(&tool("pods_delete", false), &get));
        assert!(!requires_grant(&tool(SCALE_TOOL, false), &get));
        let mut scale = get.clone();
        scale.insert(SCALE_ARGUMENT.into(), json!(3));
        assert!(requires_grant(&tool(SCALE_TOOL, false), &scale));
        scale.insert(SCALE_ARGUMENT.into(), Value::Null);
        assert!(requires_grant(&tool(SCALE_TOOL, false), &scale));
    }
}
