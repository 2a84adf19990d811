//! Label and field selectors, evaluated by the server as real clients expect
//! (the MCP server passes `labelSelector`/`fieldSelector` through and filters
//! nothing itself).

use serde_json::Value;

use crate::error::ApiError;
use crate::registry::Resource;

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key=value` / `key==value` (a one-value `in`).
    In(String, Vec<String>),
    /// `key!=value` / `key notin (a,b)`: true also when the key is absent.
    NotIn(String, Vec<String>),
    /// `key`.
    Exists(String),
    /// `!key`.
    DoesNotExist(String),
}

impl Requirement {
    fn matches(&self, labels: &[(&str, &str)]) -> bool {
        let value_of = |key: &str| labels.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        match self {
            Self::In(key, values) => value_of(key).is_some_and(|v| values.iter().any(|x| x == v)),
            Self::NotIn(key, values) => value_of(key).is_none_or(|v| values.iter().all(|x| x != v)),
            Self::Exists(key) => value_of(key).is_some(),
            Self::DoesNotExist(key) => value_of(key).is_none(),
        }
    }
}

/// A parsed label selector: all requirements must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses the `labelSelector` query syntax (`=`, `==`, `!=`, `in`, `notin`,
    /// `key`, `!key`, comma-separated).
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let mut requirements = Vec::new();
        for term in split_top_level(text) {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(term)?);
        }
        Ok(Self { requirements })
    }

    /// The selector of a `metav1.LabelSelector` object (`matchLabels` and
    /// `matchExpressions`), as workloads and services carry it.
    pub fn from_object(selector: &Value) -> Result<Self, ApiError> {
        let mut requirements = Vec::new();
        for (key, value) in crate::meta::string_map(&selector["matchLabels"]) {
            requirements.push(Requirement::In(key.to_owned(), vec![value.to_owned()]));
        }
        for expression in selector["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let key = expression["key"].as_str().unwrap_or_default().to_owned();
            let values: Vec<String> = expression["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|value| value.as_str().map(str::to_owned))
                .collect();
            let requirement = match expression["operator"].as_str().unwrap_or_default() {
                "In" => Requirement::In(key, values),
                "NotIn" => Requirement::NotIn(key, values),
                "Exists" => Requirement::Exists(key),
                "DoesNotExist" => Requirement::DoesNotExist(key),
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "\"{other}\" is not a valid label selector operator"
                    )));
                }
            };
            requirements.push(requirement);
        }
        Ok(Self { requirements })
    }

    /// The selector of a plain `key: value` map (a Service's `spec.selector`).
    pub fn from_map(map: &Value) -> Self {
        Self {
            requirements: crate::meta::string_map(map)
                .into_iter()
                .map(|(key, value)| Requirement::In(key.to_owned(), vec![value.to_owned()]))
                .collect(),
        }
    }

    /// Whether the selector has no requirement (matches everything).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &[(&str, &str)]) -> bool {
        self.requirements
            .iter()
            .all(|requirement| requirement.matches(labels))
    }

    /// Whether the object's `metadata.labels` satisfy the selector.
    pub fn matches_object(&self, object: &Value) -> bool {
        self.matches(&crate::meta::labels(object))
    }
}

impl std::fmt::Display for LabelSelector {
    /// The query-string form (`app=web,tier in (a,b)`), as `Scale.status.selector` carries it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let terms: Vec<String> = self
            .requirements
            .iter()
            .map(|requirement| match requirement {
                Requirement::In(key, values) if values.len() == 1 => format!("{key}={}", values[0]),
                Requirement::In(key, values) => format!("{key} in ({})", values.join(",")),
                Requirement::NotIn(key, values) if values.len() == 1 => {
                    format!("{key}!={}", values[0])
                }
                Requirement::NotIn(key, values) => format!("{key} notin ({})", values.join(",")),
                Requirement::Exists(key) => key.clone(),
                Requirement::DoesNotExist(key) => format!("!{key}"),
            })
            .collect();
        f.write_str(&terms.join(","))
    }
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    terms.push(&text[start..]);
    terms
}

fn parse_requirement(term: &str) -> Result<Requirement, ApiError> {
    let invalid = || {
        ApiError::BadRequest(format!(
            "unable to parse requirement: found '{term}', expected: '=', '!=', '==', 'in', notin'"
        ))
    };
    if let Some(key) = term.strip_prefix('!') {
        return Ok(Requirement::DoesNotExist(valid_key(key.trim(), term)?));
    }
    if let Some((key, value)) = term.split_once("!=") {
        return Ok(Requirement::NotIn(
            valid_key(key.trim(), term)?,
            vec![value.trim().to_owned()],
        ));
    }
    if let Some((key, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return Ok(Requirement::In(
            valid_key(key.trim(), term)?,
            vec![value.trim().to_owned()],
        ));
    }
    let words: Vec<&str> = term.splitn(2, char::is_whitespace).collect();
    match words.as_slice() {
        [key] => Ok(Requirement::Exists(valid_key(key, term)?)),
        [key, rest] => {
            let rest = rest.trim();
            let (negated, list) = if let Some(list) = rest.strip_prefix("notin") {
                (true, list)
            } else if let Some(list) = rest.strip_prefix("in") {
                (false, list)
            } else {
                return Err(invalid());
            };
            let list = list.trim();
            let inner = list
                .strip_prefix('(')
                .and_then(|list| list.strip_suffix(')'))
                .ok_or_else(invalid)?;
            let values: Vec<String> = inner
                .split(',')
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .collect();
            let key = valid_key(key, term)?;
            Ok(if negated {
                Requirement::NotIn(key, values)
            } else {
                Requirement::In(key, values)
            })
        }
        _ => Err(invalid()),
    }
}

fn valid_key(key: &str, term: &str) -> Result<String, ApiError> {
    let allowed = |ch: char| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.' | '/');
    if key.is_empty() || !key.chars().all(allowed) {
        return Err(ApiError::BadRequest(format!(
            "unable to parse requirement: invalid label key \"{key}\" in '{term}'"
        )));
    }
    Ok(key.to_owned())
}

/// One `field=value` or `field!=value` term of a field selector.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldTerm {
    field: String,
    value: String,
    negated: bool,
}

/// A parsed field selector for one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

/// Fields every resource can be selected on.
const COMMON_FIELDS: &[&str] = &["metadata.name", "metadata.namespace"];

/// The extra fields each kind supports, as the real API server registers them.
fn kind_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "Pod" => &[
            "status.phase",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "Event" => &[
            "involvedObject.kind",
            "involvedObject.name",
            "involvedObject.namespace",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        "Node" => &["spec.unschedulable"],
        "Namespace" => &["status.phase"],
        "Secret" => &["type"],
        "Job" => &["status.successful"],
        "ReplicaSet" => &["status.replicas"],
        _ => &[],
    }
}

impl FieldSelector {
    /// Parses `a=b,c!=d` for `resource`; fields the kind does not support are a 400.
    pub fn parse(text: &str, resource: &Resource) -> Result<Self, ApiError> {
        let mut terms = Vec::new();
        for term in text
            .split(',')
            .map(str::trim)
            .filter(|term| !term.is_empty())
        {
            let (field, value, negated) = if let Some((field, value)) = term.split_once("!=") {
                (field, value, true)
            } else if let Some((field, value)) =
                term.split_once("==").or_else(|| term.split_once('='))
            {
                (field, value, false)
            } else {
                return Err(ApiError::BadRequest(format!(
                    "invalid selector: '{text}'; can't understand '{term}'"
                )));
            };
            let field = field.trim();
            if !COMMON_FIELDS.contains(&field) && !kind_fields(resource.kind).contains(&field) {
                return Err(ApiError::BadRequest(format!(
                    "field label not supported: {field}"
                )));
            }
            terms.push(FieldTerm {
                field: field.to_owned(),
                value: value.trim().to_owned(),
                negated,
            });
        }
        Ok(Self { terms })
    }

    /// Whether the object satisfies every term.
    pub fn matches(&self, object: &Value) -> bool {
        self.terms.iter().all(|term| {
            let actual = field_value(object, &term.field);
            (actual == term.value) != term.negated
        })
    }
}

/// The string value of a dotted field path; absent fields read as `""`.
fn field_value(object: &Value, path: &str) -> String {
    let value = if path == "source" {
        &object["source"]["component"]
    } else {
        path.split('.')
            .fold(object, |value, segment| &value[segment])
    };
    match value {
        Value::String(text) => text.clone(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;
    use serde_json::json;

    fn labels<'a>(pairs: &'a [(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        pairs.to_vec()
    }

    #[test]
    fn equality_and_inequality() {
        let selector = LabelSelector::parse("app=web,tier!=db").expect("valid");
        assert!(selector.matches(&labels(&[("app", "web")])));
        assert!(selector.matches(&labels(&[("app", "web"), ("tier", "front")])));
        assert!(!selector.matches(&labels(&[("app", "web"), ("tier", "db")])));
        assert!(!selector.matches(&labels(&[("app", "api")])));
        let double = LabelSelector::parse("app==web").expect("valid");
        assert!(double.matches(&labels(&[("app", "web")])));
    }

    #[test]
    fn set_based_requirements() {
        let selector = LabelSelector::parse("env in (prod, staging),tier notin (db),app,!legacy")
            .expect("valid");
        assert!(selector.matches(&labels(&[("env", "prod"), ("app", "x")])));
        assert!(!selector.matches(&labels(&[("env", "dev"), ("app", "x")])));
        assert!(!selector.matches(&labels(&[("env", "prod"), ("app", "x"), ("tier", "db")])));
        assert!(!selector.matches(&labels(&[("env", "prod")])));
        assert!(!selector.matches(&labels(&[("env", "prod"), ("app", "x"), ("legacy", "1")])));
    }

    #[test]
    fn empty_selector_matches_everything() {
        let selector = LabelSelector::parse("").expect("valid");
        assert!(selector.is_empty());
        assert!(selector.matches(&[]));
    }

    #[test]
    fn malformed_selectors_are_bad_requests() {
        assert!(matches!(
            LabelSelector::parse("app in web"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            LabelSelector::parse("a b c"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            LabelSelector::parse("=x"),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn selector_objects_render_as_query_strings() {
        let selector = LabelSelector::from_object(&json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]
        }))
        .expect("valid");
        assert_eq!(selector.to_string(), "app=web,tier in (a,b)");
        assert!(selector.matches(&labels(&[("app", "web"), ("tier", "b")])));
    }

    #[test]
    fn field_selectors_on_pods_and_events() {
        let pod = json!({"metadata": {"name": "web-1", "namespace": "prod"},
                         "spec": {"nodeName": "node-a"}, "status": {"phase": "Running"}});
        let selector = FieldSelector::parse(
            "status.phase=Running,spec.nodeName!=node-b",
            &registry::PODS,
        )
        .expect("valid");
        assert!(selector.matches(&pod));
        let pending =
            FieldSelector::parse("status.phase==Pending", &registry::PODS).expect("valid");
        assert!(!pending.matches(&pod));

        let event = json!({"involvedObject": {"kind": "Pod", "name": "web-1"}, "type": "Warning"});
        let by_object =
            FieldSelector::parse("involvedObject.name=web-1,type=Warning", &registry::EVENTS)
                .expect("valid");
        assert!(by_object.matches(&event));
    }

    #[test]
    fn unsupported_fields_are_refused() {
        let error = FieldSelector::parse("spec.replicas=3", &registry::DEPLOYMENTS)
            .expect_err("unsupported");
        assert_eq!(
            error.to_string(),
            "field label not supported: spec.replicas"
        );
    }
}
