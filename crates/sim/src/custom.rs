//! CustomResourceDefinitions: the resources they add to a cluster, the
//! Table columns they declare, and the defaults of their schemas.
//!
//! Real-world manifests come with CRDs (a chart's `crds/` folder) and
//! objects of them. A definition is turned into one [`Resource`] per served
//! version; the storage version keeps the objects and the other served
//! versions are views of it. Resources are `&'static` everywhere in this
//! crate, so each distinct definition is interned: leaked once for the
//! life of the process and reused whenever the same definition is seen again
//! (by another cluster, a re-applied CRD, a scenario check). The memory is
//! bounded by the number of distinct definitions, not by how often they are
//! written.

use std::sync::Mutex;

use serde_json::Value;

use crate::registry::{self, Backing, PrinterColumn, Resource};

/// What one served version of a definition looks like, owned: the key
/// under which its [`Resource`] is interned.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Definition {
    group: String,
    version: String,
    plural: String,
    singular: String,
    kind: String,
    short_names: Vec<String>,
    categories: Vec<String>,
    namespaced: bool,
    status: bool,
    scale: bool,
    columns: Vec<Column>,
    /// The storage version's definition, for a version that is a view of it.
    view_of: Option<Box<Definition>>,
}

/// An owned [`PrinterColumn`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    name: String,
    kind: String,
    json_path: String,
    priority: u8,
    description: String,
}

/// Every resource interned so far, with the definition it was made from.
static INTERNED: Mutex<Vec<(Definition, &'static Resource)>> = Mutex::new(Vec::new());

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

fn leak_all(texts: &[String]) -> &'static [&'static str] {
    Box::leak(
        texts
            .iter()
            .map(|text| leak(text))
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    )
}

/// The one `&'static Resource` of `definition`, made on first use.
fn intern(definition: &Definition) -> &'static Resource {
    // The storage version first: a view points at it.
    let backing = match &definition.view_of {
        Some(storage) => Backing::ViewOf(intern(storage)),
        None => Backing::Stored,
    };
    let mut interned = INTERNED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, resource)) = interned.iter().find(|(known, _)| known == definition) {
        return resource;
    }
    let columns: Vec<PrinterColumn> = definition
        .columns
        .iter()
        .map(|column| PrinterColumn {
            name: leak(&column.name),
            kind: leak(&column.kind),
            json_path: leak(&column.json_path),
            priority: column.priority,
            description: leak(&column.description),
        })
        .collect();
    let resource: &'static Resource = Box::leak(Box::new(Resource {
        group: leak(&definition.group),
        version: leak(&definition.version),
        plural: leak(&definition.plural),
        singular: leak(&definition.singular),
        kind: leak(&definition.kind),
        short_names: leak_all(&definition.short_names),
        namespaced: definition.namespaced,
        verbs: registry::ALL_VERBS,
        categories: leak_all(&definition.categories),
        subresources: registry::custom_subresources(definition.status, definition.scale),
        backing,
        printer_columns: Box::leak(columns.into_boxed_slice()),
    }));
    interned.push((definition.clone(), resource));
    resource
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn texts(value: &Value, pointer: &str) -> Vec<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn columns_of(version: &Value) -> Vec<Column> {
    version["additionalPrinterColumns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|column| Column {
            name: text(column, "/name").to_owned(),
            kind: text(column, "/type").to_owned(),
            json_path: text(column, "/jsonPath").to_owned(),
            priority: column["priority"]
                .as_u64()
                .map_or(0, |priority| priority.min(u64::from(u8::MAX)) as u8),
            description: text(column, "/description").to_owned(),
        })
        .collect()
}

/// The resources of one CustomResourceDefinition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinedResources {
    /// The version the objects are stored in.
    pub storage: &'static Resource,
    /// Every served version (the storage version among them when it is served).
    pub served: Vec<&'static Resource>,
}

/// The resources a CustomResourceDefinition (`apiextensions.k8s.io/v1`)
/// serves; `None` when it lacks a group, names or a storage version (such a
/// definition is refused on write, see [`validate`]).
pub fn defined_resources(crd: &Value) -> Option<DefinedResources> {
    let group = text(crd, "/spec/group");
    let plural = text(crd, "/spec/names/plural");
    let kind = text(crd, "/spec/names/kind");
    if group.is_empty() || plural.is_empty() || kind.is_empty() {
        return None;
    }
    let singular = match text(crd, "/spec/names/singular") {
        "" => kind.to_lowercase(),
        singular => singular.to_owned(),
    };
    let versions = crd.pointer("/spec/versions")?.as_array()?;
    let base = |version: &Value| Definition {
        group: group.to_owned(),
        version: text(version, "/name").to_owned(),
        plural: plural.to_owned(),
        singular: singular.clone(),
        kind: kind.to_owned(),
        short_names: texts(crd, "/spec/names/shortNames"),
        categories: texts(crd, "/spec/names/categories"),
        namespaced: text(crd, "/spec/scope") != "Cluster",
        status: version.pointer("/subresources/status").is_some(),
        scale: version.pointer("/subresources/scale").is_some(),
        columns: columns_of(version),
        view_of: None,
    };
    let storage_version = versions.iter().find(|version| version["storage"] == true)?;
    let storage_definition = base(storage_version);
    let storage = intern(&storage_definition);
    let served = versions
        .iter()
        .filter(|version| version["served"] != false)
        .map(|version| {
            if std::ptr::eq(version, storage_version) {
                storage
            } else {
                intern(&Definition {
                    view_of: Some(Box::new(storage_definition.clone())),
                    ..base(version)
                })
            }
        })
        .collect();
    Some(DefinedResources { storage, served })
}

/// The served resources of every definition in `crds`.
pub fn served_by<'a>(crds: impl IntoIterator<Item = &'a Value>) -> Vec<&'static Resource> {
    crds.into_iter()
        .filter_map(defined_resources)
        .flat_map(|defined| defined.served)
        .collect()
}

/// The name a definition of `resource` must have: `plural.group`.
pub fn definition_name(resource: &Resource) -> String {
    format!("{}.{}", resource.plural, resource.group)
}

/// Fills a CustomResourceDefinition's defaults and the status the
/// apiextensions server reports once the names are accepted.
pub fn default_definition(crd: &mut Value) {
    let kind = text(crd, "/spec/names/kind").to_owned();
    let Some(names) = crd
        .pointer_mut("/spec/names")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    names
        .entry("singular")
        .or_insert_with(|| Value::String(kind.to_lowercase()));
    names
        .entry("listKind")
        .or_insert_with(|| Value::String(format!("{kind}List")));
    let accepted = Value::Object(names.clone());
    if let Some(spec) = crd.get_mut("spec").and_then(Value::as_object_mut) {
        spec.entry("conversion")
            .or_insert_with(|| serde_json::json!({"strategy": "None"}));
        spec.entry("scope")
            .or_insert_with(|| Value::String("Namespaced".into()));
    }
    let stored: Vec<Value> = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|version| version["storage"] == true)
        .map(|version| version["name"].clone())
        .collect();
    let created = crd
        .pointer("/metadata/creationTimestamp")
        .filter(|time| time.is_string())
        .cloned()
        .unwrap_or_else(|| Value::String(crate::meta::now_rfc3339()));
    crd["status"] = serde_json::json!({
        "acceptedNames": accepted,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found", "lastTransitionTime": created},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted", "lastTransitionTime": created},
        ],
        "storedVersions": stored,
    });
}

/// The problems of a CustomResourceDefinition, as `(field, message)`.
pub fn validate(crd: &Value) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let group = text(crd, "/spec/group");
    let plural = text(crd, "/spec/names/plural");
    if group.is_empty() {
        problems.push(("spec.group".into(), "Required value".into()));
    } else if !group.contains('.') {
        problems.push((
            "spec.group".into(),
            format!("Invalid value: \"{group}\": should be a domain with at least one dot"),
        ));
    }
    if plural.is_empty() {
        problems.push(("spec.names.plural".into(), "Required value".into()));
    }
    if text(crd, "/spec/names/kind").is_empty() {
        problems.push(("spec.names.kind".into(), "Required value".into()));
    }
    let name = text(crd, "/metadata/name");
    if !group.is_empty() && !plural.is_empty() && name != format!("{plural}.{group}") {
        problems.push((
            "metadata.name".into(),
            format!("Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group"),
        ));
    }
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if versions.is_empty() {
        problems.push((
            "spec.versions".into(),
            "Invalid value: null: must have exactly one version marked as storage version".into(),
        ));
    } else if versions
        .iter()
        .filter(|version| version["storage"] == true)
        .count()
        != 1
    {
        problems.push((
            "spec.versions".into(),
            "Invalid value: must have exactly one version marked as storage version".into(),
        ));
    }
    problems
}

/// The `openAPIV3Schema` of `version` in a definition.
pub fn schema_of<'a>(crd: &'a Value, version: &str) -> Option<&'a Value> {
    crd.pointer("/spec/versions")?
        .as_array()?
        .iter()
        .find(|served| served["name"] == version)?
        .pointer("/schema/openAPIV3Schema")
}

/// Fills the `default`s a structural schema declares, as the API server does
/// on every write: a property with a default that is missing from an object
/// that is present gets the default (recursively, through arrays too).
pub fn apply_schema_defaults(schema: &Value, value: &mut Value) {
    match value {
        Value::Object(map) => {
            let Some(properties) = schema["properties"].as_object() else {
                return;
            };
            for (name, property) in properties {
                if name == "metadata" && map.contains_key("apiVersion") {
                    continue;
                }
                if !map.contains_key(name)
                    && let Some(default) = property.get("default")
                {
                    map.insert(name.clone(), default.clone());
                }
                if let Some(child) = map.get_mut(name) {
                    apply_schema_defaults(property, child);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                apply_schema_defaults(&schema["items"], item);
            }
        }
        _ => {}
    }
}

/// One step of a JSONPath.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// `.name`
    Field(String),
    /// `[3]`
    Index(usize),
    /// `[*]`
    Every,
    /// `[?(@.key=="value")]`
    Filter(Vec<String>, String),
}

/// Parses the JSONPaths CRDs use in printer columns: `.a.b`, `.a[0]`,
/// `.a[*].b` and `.a[?(@.type=="Ready")].status` (also in `{...}`).
fn parse_path(path: &str) -> Option<Vec<Step>> {
    let path = path.trim();
    let path = path
        .strip_prefix('{')
        .and_then(|inner| inner.strip_suffix('}'))
        .unwrap_or(path);
    let path = path.strip_prefix('$').unwrap_or(path);
    let mut steps = Vec::new();
    let mut chars = path.chars().peekable();
    while let Some(next) = chars.next() {
        match next {
            '.' => {
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c == '.' || c == '[' {
                        break;
                    }
                    if c == '\\' {
                        chars.next();
                        if let Some(escaped) = chars.next() {
                            name.push(escaped);
                        }
                        continue;
                    }
                    name.push(c);
                    chars.next();
                }
                if !name.is_empty() {
                    steps.push(Step::Field(name));
                }
            }
            '[' => {
                let mut inner = String::new();
                let mut depth = 1;
                for c in chars.by_ref() {
                    match c {
                        '[' => depth += 1,
                        ']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    inner.push(c);
                }
                steps.push(bracket_step(inner.trim())?);
            }
            _ => return None,
        }
    }
    Some(steps)
}

fn bracket_step(inner: &str) -> Option<Step> {
    if inner == "*" {
        return Some(Step::Every);
    }
    if let Ok(index) = inner.parse::<usize>() {
        return Some(Step::Index(index));
    }
    let condition = inner
        .strip_prefix("?(")
        .and_then(|rest| rest.strip_suffix(')'))?;
    let (left, right) = condition.split_once("==")?;
    let key: Vec<String> = left
        .trim()
        .strip_prefix("@.")?
        .split('.')
        .map(str::to_owned)
        .collect();
    let wanted = right.trim().trim_matches(|c| c == '"' || c == '\'');
    Some(Step::Filter(key, wanted.to_owned()))
}

fn step_into<'a>(values: Vec<&'a Value>, step: &Step) -> Vec<&'a Value> {
    let mut next = Vec::new();
    for value in values {
        match step {
            Step::Field(name) => next.extend(value.get(name)),
            Step::Index(index) => next.extend(value.get(*index)),
            Step::Every => next.extend(value.as_array().into_iter().flatten()),
            Step::Filter(key, wanted) => {
                next.extend(value.as_array().into_iter().flatten().filter(|item| {
                    key.iter()
                        .try_fold(*item, |current, part| current.get(part))
                        .is_some_and(|found| match found {
                            Value::String(text) => text == wanted,
                            other => {
                                serde_json::from_str::<Value>(wanted).ok().as_ref() == Some(other)
                            }
                        })
                }));
            }
        }
    }
    next
}

/// The values a printer column's JSONPath selects in `object` (empty when
/// the path selects nothing or cannot be read).
pub fn select<'a>(object: &'a Value, path: &str) -> Vec<&'a Value> {
    let Some(steps) = parse_path(path) else {
        return Vec::new();
    };
    steps
        .iter()
        .fold(vec![object], |values, step| step_into(values, step))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn crd(versions: Value) -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                     "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
                     "versions": versions}
        })
    }

    #[test]
    fn a_definition_serves_each_version_and_stores_one() {
        let defined = defined_resources(&crd(json!([
            {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
             "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]},
            {"name": "v1beta1", "served": true, "storage": false},
            {"name": "v1alpha1", "served": false, "storage": false},
        ])))
        .expect("a complete definition");
        assert_eq!(defined.served.len(), 2);
        assert_eq!(defined.storage.kind, "Widget");
        assert_eq!(defined.storage.singular, "widget");
        assert!(defined.storage.has_status());
        assert_eq!(defined.storage.printer_columns[0].name, "Size");
        let beta = defined.served[1];
        assert_eq!(beta.version, "v1beta1");
        assert!(std::ptr::eq(beta.storage(), defined.storage));
        let again = defined_resources(&crd(json!([
            {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
             "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]},
        ])))
        .expect("complete");
        assert!(
            std::ptr::eq(again.storage, defined.storage),
            "the same definition is interned once"
        );
    }

    #[test]
    fn definitions_without_a_storage_version_serve_nothing_and_are_invalid() {
        let incomplete = crd(json!([{"name": "v1", "served": true, "storage": false}]));
        assert_eq!(defined_resources(&incomplete), None);
        let problems = validate(&incomplete);
        assert!(problems.iter().any(|(field, _)| field == "spec.versions"));
        let mut misnamed = crd(json!([{"name": "v1", "served": true, "storage": true}]));
        misnamed["metadata"]["name"] = json!("widgets");
        let problems = validate(&misnamed);
        assert!(problems.iter().any(|(field, _)| field == "metadata.name"));
    }

    #[test]
    fn the_status_reports_accepted_names() {
        let mut definition = crd(json!([{"name": "v1", "served": true, "storage": true}]));
        default_definition(&mut definition);
        assert_eq!(definition["spec"]["names"]["listKind"], "WidgetList");
        assert_eq!(definition["status"]["acceptedNames"]["kind"], "Widget");
        assert_eq!(definition["status"]["conditions"][1]["type"], "Established");
        assert_eq!(definition["status"]["storedVersions"], json!(["v1"]));
    }

    #[test]
    fn schema_defaults_fill_missing_fields_of_present_objects() {
        let schema = json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "retention": {"type": "integer", "default": 7},
            "ports": {"type": "array", "items": {"type": "object", "properties": {
                "protocol": {"type": "string", "default": "TCP"}}}},
            "tls": {"type": "object", "properties": {"enabled": {"type": "boolean", "default": false}}}
        }}}});
        let mut object = json!({"apiVersion": "example.com/v1", "spec": {"ports": [{"port": 80}]}});
        apply_schema_defaults(&schema, &mut object);
        assert_eq!(object["spec"]["retention"], 7);
        assert_eq!(object["spec"]["ports"][0]["protocol"], "TCP");
        assert!(
            object["spec"].get("tls").is_none(),
            "absent objects stay absent"
        );
    }

    #[test]
    fn printer_column_paths_select_fields_items_and_filtered_conditions() {
        let object = json!({"spec": {"target": {"name": "db"}, "hosts": ["a", "b"]},
            "metadata": {"labels": {"app.kubernetes.io/name": "web"}},
            "status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}});
        assert_eq!(select(&object, ".spec.target.name"), [&json!("db")]);
        assert_eq!(select(&object, ".spec.hosts[1]"), [&json!("b")]);
        assert_eq!(select(&object, ".spec.hosts[*]").len(), 2);
        assert_eq!(
            select(&object, r#".status.conditions[?(@.type=="Ready")].status"#),
            [&json!("True")]
        );
        assert_eq!(
            select(&object, r".metadata.labels.app\.kubernetes\.io/name"),
            [&json!("web")]
        );
        assert!(select(&object, ".spec.missing").is_empty());
        assert!(
            select(&object, "spec").is_empty(),
            "a path starts with a dot"
        );
    }
}
