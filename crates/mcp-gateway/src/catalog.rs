//! The server's tools and prompts, and the checks made against them before a
//! call is sent.
//!
//! The catalog is what the server itself said in `tools/list` and
//! `prompts/list` (reloaded after every restart and on `list_changed`), so a
//! call is refused for exactly the reasons the server would refuse it, but
//! without the round trip and without anything reaching the cluster.
//!
//! The input-schema check covers the JSON Schema keywords the server's schemas
//! use: `type`, `required`, `properties`, `items`, `enum`, `minimum`,
//! `maximum` and `additionalProperties`. The 0.0.67 schemas never say
//! `additionalProperties: false`, so (as JSON Schema says, and as the server
//! does) extra arguments are accepted. `pattern` (selectors) is left to the
//! server, which answers a bad selector with an `isError` result.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// One tool the server offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolInfo {
    /// The tool's name, as calls name it.
    pub name: String,
    /// Human-readable title from the annotations, if any.
    pub title: Option<String>,
    /// What the tool does, from the server.
    pub description: Option<String>,
    /// The JSON Schema its arguments must satisfy.
    pub input_schema: Value,
    /// `readOnlyHint` is `true`. A tool without annotations is not read-only:
    /// the backstop treats anything it cannot prove harmless as a change.
    pub read_only: bool,
    /// `destructiveHint` (MCP's default when missing is `true`).
    pub destructive: bool,
    /// `idempotentHint` (MCP's default when missing is `false`).
    pub idempotent: bool,
}

/// One argument of a prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromptArgumentInfo {
    /// The argument's name.
    pub name: String,
    /// What it means, from the server.
    pub description: Option<String>,
    /// Whether the prompt needs it.
    pub required: bool,
}

/// One prompt the server offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromptInfo {
    /// The prompt's name.
    pub name: String,
    /// What it is for, from the server.
    pub description: Option<String>,
    /// The arguments it takes (all strings, as MCP prompts' arguments are).
    pub arguments: Vec<PromptArgumentInfo>,
}

/// Tools and prompts of one server process.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Catalog {
    /// Tools by name.
    pub tools: BTreeMap<String, ToolInfo>,
    /// Prompts by name.
    pub prompts: BTreeMap<String, PromptInfo>,
}

impl Catalog {
    /// Builds the catalog from what rmcp decoded of `tools/list` and `prompts/list`.
    pub(crate) fn from_lists(
        tools: Vec<rmcp::model::Tool>,
        prompts: Vec<rmcp::model::Prompt>,
    ) -> Self {
        let tools = tools
            .into_iter()
            .map(|tool| {
                let annotations = tool.annotations.as_ref();
                let read_only = annotations.and_then(|a| a.read_only_hint).unwrap_or(false);
                let info = ToolInfo {
                    name: tool.name.to_string(),
                    title: annotations.and_then(|a| a.title.clone()).or(tool.title),
                    description: tool.description.map(|d| d.to_string()),
                    input_schema: Value::Object((*tool.input_schema).clone()),
                    read_only,
                    destructive: annotations
                        .and_then(|a| a.destructive_hint)
                        .unwrap_or(!read_only),
                    idempotent: annotations.and_then(|a| a.idempotent_hint).unwrap_or(false),
                };
                (info.name.clone(), info)
            })
            .collect();
        let prompts = prompts
            .into_iter()
            .map(|prompt| {
                let info = PromptInfo {
                    name: prompt.name,
                    description: prompt.description,
                    arguments: prompt
                        .arguments
                        .unwrap_or_default()
                        .into_iter()
                        .map(|argument| PromptArgumentInfo {
                            name: argument.name,
                            description: argument.description,
                            required: argument.required.unwrap_or(false),
                        })
                        .collect(),
                };
                (info.name.clone(), info)
            })
            .collect();
        Self { tools, prompts }
    }

    /// The tool of that name.
    pub fn tool(&self, name: &str) -> Option<&ToolInfo> {
        self.tools.get(name)
    }

    /// The prompt of that name.
    pub fn prompt(&self, name: &str) -> Option<&PromptInfo> {
        self.prompts.get(name)
    }
}

impl ToolInfo {
    /// Every way `arguments` break this tool's input schema (empty when none).
    pub fn violations(&self, arguments: &Map<String, Value>) -> Vec<String> {
        let mut problems = Vec::new();
        check_object(&self.input_schema, arguments, "", &mut problems);
        problems
    }
}

impl PromptInfo {
    /// Every way `arguments` break this prompt's argument list.
    pub fn violations(&self, arguments: &BTreeMap<String, String>) -> Vec<String> {
        let mut problems: Vec<String> = self
            .arguments
            .iter()
            .filter(|argument| argument.required && !arguments.contains_key(&argument.name))
            .map(|argument| format!("missing required argument {:?}", argument.name))
            .collect();
        for name in arguments.keys() {
            if !self.arguments.iter().any(|argument| &argument.name == name) {
                problems.push(format!("unknown argument {name:?}"));
            }
        }
        problems
    }
}

fn check_object(
    schema: &Value,
    object: &Map<String, Value>,
    path: &str,
    problems: &mut Vec<String>,
) {
    let properties = schema.get("properties").and_then(Value::as_object);
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                problems.push(format!("missing required argument {:?}", join(path, name)));
            }
        }
    }
    for (name, value) in object {
        let at = join(path, name);
        match properties.and_then(|properties| properties.get(name)) {
            Some(property_schema) => check_value(property_schema, value, &at, problems),
            None => match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    let known = properties
                        .map(|properties| properties.keys().cloned().collect::<Vec<_>>())
                        .unwrap_or_default();
                    problems.push(format!(
                        "unknown argument {at:?} (known: {})",
                        known.join(", ")
                    ));
                }
                Some(additional @ Value::Object(_)) => {
                    check_value(additional, value, &at, problems)
                }
                _ => {}
            },
        }
    }
}

fn check_value(schema: &Value, value: &Value, path: &str, problems: &mut Vec<String>) {
    if let Some(expected) = schema.get("type") {
        let allowed: Vec<&str> = match expected {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !allowed.is_empty() && !allowed.iter().any(|kind| has_type(value, kind)) {
            problems.push(format!(
                "argument {path:?} must be {} but is {}",
                allowed.join(" or "),
                describe(value)
            ));
            return;
        }
    }
    if let Some(choices) = schema.get("enum").and_then(Value::as_array)
        && !choices.contains(value)
    {
        problems.push(format!(
            "argument {path:?} must be one of {}",
            Value::Array(choices.clone())
        ));
    }
    if let Some(number) = value.as_f64() {
        if let Some(minimum) = schema.get("minimum").and_then(Value::as_f64)
            && number < minimum
        {
            problems.push(format!("argument {path:?} must be at least {minimum}"));
        }
        if let Some(maximum) = schema.get("maximum").and_then(Value::as_f64)
            && number > maximum
        {
            problems.push(format!("argument {path:?} must be at most {maximum}"));
        }
    }
    match value {
        Value::Object(object) => check_object(schema, object, path, problems),
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    check_value(item_schema, item, &format!("{path}[{index}]"), problems);
                }
            }
        }
        _ => {}
    }
}

fn has_type(value: &Value, kind: &str) -> bool {
    match kind {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|n| n.fract() == 0.0)
        }
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        // A type this check does not know is the server's to judge.
        _ => true,
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(schema: Value) -> ToolInfo {
        ToolInfo {
            name: "t".into(),
            title: None,
            description: None,
            input_schema: schema,
            read_only: true,
            destructive: false,
            idempotent: false,
        }
    }

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().expect("object").clone()
    }

    /// `pods_exec`'s schema as the 0.0.67 server publishes it.
    fn pods_exec() -> ToolInfo {
        tool(json!({"type": "object", "properties": {
            "command": {"type": "array", "items": {"type": "string"}},
            "container": {"type": "string"}, "context": {"type": "string"},
            "name": {"type": "string"}, "namespace": {"type": "string"}},
            "required": ["name", "command"]}))
    }

    #[test]
    fn valid_arguments_pass_and_extra_ones_are_allowed_as_the_schema_says() {
        let exec = pods_exec();
        assert!(
            exec.violations(&args(json!({"name": "p", "command": ["ls", "-l"]})))
                .is_empty()
        );
        assert!(
            exec.violations(&args(json!({"name": "p", "command": [], "x": 1})))
                .is_empty()
        );
    }

    #[test]
    fn every_violation_is_named() {
        let problems = pods_exec().violations(&args(json!({"name": 5, "command": ["ls", 3]})));
        assert_eq!(
            problems,
            [
                "argument \"command[1]\" must be string but is a number",
                "argument \"name\" must be string but is a number"
            ]
        );
        let problems = pods_exec().violations(&Map::new());
        assert_eq!(
            problems,
            [
                "missing required argument \"name\"",
                "missing required argument \"command\""
            ]
        );
    }

    #[test]
    fn integers_booleans_minimum_enum_and_closed_objects() {
        let schema = tool(
            json!({"type": "object", "additionalProperties": false, "properties": {
            "tail": {"type": "integer", "minimum": 0}, "previous": {"type": "boolean"},
            "mode": {"enum": ["a", "b"]}}}),
        );
        assert!(
            schema
                .violations(&args(json!({"tail": 10, "previous": true, "mode": "a"})))
                .is_empty()
        );
        assert_eq!(
            schema.violations(&args(
                json!({"tail": 1.5, "previous": "yes", "mode": "c", "x": 1})
            )),
            [
                "argument \"mode\" must be one of [\"a\",\"b\"]",
                "argument \"previous\" must be boolean but is a string",
                "argument \"tail\" must be integer but is a number",
                "unknown argument \"x\" (known: mode, previous, tail)"
            ]
        );
        assert_eq!(
            schema.violations(&args(json!({"tail": -1}))),
            ["argument \"tail\" must be at least 0"]
        );
    }

    #[test]
    fn prompt_arguments_are_checked_by_name() {
        let prompt = PromptInfo {
            name: "p".into(),
            description: None,
            arguments: vec![
                PromptArgumentInfo {
                    name: "ns".into(),
                    description: None,
                    required: true,
                },
                PromptArgumentInfo {
                    name: "x".into(),
                    description: None,
                    required: false,
                },
            ],
        };
        let given: BTreeMap<String, String> = [("y".to_owned(), "1".to_owned())].into();
        assert_eq!(
            prompt.violations(&given),
            ["missing required argument \"ns\"", "unknown argument \"y\""]
        );
    }
}
