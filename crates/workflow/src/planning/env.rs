//! Environment variables set on a workload's container ("set env
//! LOG_LEVEL=debug on cart", `kubectl set env deployment/cart
//! LOG_LEVEL=debug`): merged by name into the live container's `env`, each
//! asked variable replacing its live entry whole (a `valueFrom` gives way
//! to the new `value`, as `kubectl set env` does), and said old → new on
//! the plan card. The rollout is verified like a new image's.

use serde_json::Value;

use super::TEMPLATE_CONTAINERS;

/// One variable the request sets on one container: `(container, name,
/// value)`.
type Asked = (String, String, Value);

/// The variables `asked` (the request's own fields) sets, per container.
fn asked_variables(asked: &Value) -> Vec<Asked> {
    asked
        .pointer(TEMPLATE_CONTAINERS)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|container| {
            let name = container.get("name")?.as_str()?.to_owned();
            let entries = container.get("env")?.as_array()?;
            Some(entries.iter().filter_map(move |entry| {
                Some((
                    name.clone(),
                    entry.get("name")?.as_str()?.to_owned(),
                    entry.clone(),
                ))
            }))
        })
        .flatten()
        .collect()
}

/// `desired` (the request laid over the live object) with each asked
/// variable's entry replaced whole by the asked one, so no live
/// `valueFrom` stays beside the new `value`.
pub(super) fn replace_whole(desired: &mut Value, asked: &Value) {
    for (container, variable, entry) in asked_variables(asked) {
        let Some(containers) = desired
            .pointer_mut(TEMPLATE_CONTAINERS)
            .and_then(Value::as_array_mut)
        else {
            return;
        };
        let Some(env) = containers
            .iter_mut()
            .find(|live| live.get("name").and_then(Value::as_str) == Some(container.as_str()))
            .and_then(|live| live.get_mut("env"))
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        for live in env.iter_mut() {
            if live.get("name").and_then(Value::as_str) == Some(variable.as_str()) {
                *live = entry.clone();
            }
        }
    }
}

/// "container cart env LOG_LEVEL: info → debug; FEATURE_X: (not set) →
/// on. Every replica is replaced." for the plan card, from the live
/// workload; `None` when the request sets no variable.
pub(super) fn change_note(live: Option<&Value>, asked: &Value) -> Option<String> {
    let variables = asked_variables(asked);
    if variables.is_empty() {
        return None;
    }
    let mut said = Vec::new();
    let mut container_said = String::new();
    for (container, variable, entry) in &variables {
        let old = live
            .and_then(|live| live.pointer(TEMPLATE_CONTAINERS))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|live| live.get("name").and_then(Value::as_str) == Some(container.as_str()))
            .and_then(|live| live.get("env"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|live| live.get("name").and_then(Value::as_str) == Some(variable.as_str()))
            .map_or_else(|| "(not set)".to_owned(), shown);
        let prefix = if container_said == *container {
            String::new()
        } else {
            container_said.clone_from(container);
            format!("container {container} env ")
        };
        said.push(format!("{prefix}{variable}: {old} → {}", shown(entry)));
    }
    Some(format!(
        "Sets {}. Every replica is replaced.",
        said.join("; ")
    ))
}

/// An env entry's value as a person reads it: the value, or where it
/// comes from.
fn shown(entry: &Value) -> String {
    if let Some(value) = entry.get("value") {
        return match value {
            Value::String(text) => format!("\"{text}\""),
            other => other.to_string(),
        };
    }
    match entry.get("valueFrom").and_then(Value::as_object) {
        Some(from) => {
            let source = from.keys().next().map_or("", String::as_str);
            let reference = &from[source];
            match (reference.get("name"), reference.get("key")) {
                (Some(Value::String(name)), Some(Value::String(key))) => {
                    format!("from {source} {name}/{key}")
                }
                _ => format!("from {source}"),
            }
        }
        None => "\"\"".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn deployment(env: Value) -> Value {
        json!({"spec": {"template": {"spec": {"containers": [
            {"name": "cart", "image": "shop/cart:1", "env": env}]}}}})
    }

    #[test]
    fn an_asked_variable_replaces_its_live_entry_whole_and_is_said_old_to_new() {
        let live = deployment(json!([
            {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "cart-config", "key": "level"}}},
            {"name": "PORT", "value": "8080"}]));
        let asked = deployment(json!([
            {"name": "LOG_LEVEL", "value": "debug"},
            {"name": "FEATURE_X", "value": "on"}]));
        let mut desired = crate::diff::overlay(&live, &asked);
        replace_whole(&mut desired, &asked);
        assert_eq!(
            desired.pointer("/spec/template/spec/containers/0/env"),
            Some(&json!([
                {"name": "LOG_LEVEL", "value": "debug"},
                {"name": "PORT", "value": "8080"},
                {"name": "FEATURE_X", "value": "on"}]))
        );
        assert_eq!(
            change_note(Some(&live), &asked).as_deref(),
            Some(
                "Sets container cart env LOG_LEVEL: from configMapKeyRef cart-config/level → \"debug\"; FEATURE_X: (not set) → \"on\". Every replica is replaced."
            )
        );
        assert_eq!(change_note(Some(&live), &json!({"spec": {}})), None);
    }
}
