//! `events.k8s.io/v1` Events are a view of the core `v1` Events, as in a real
//! cluster (one storage, two versions): these functions convert between them.
//! Manifests of an older version the cluster still accepts (`autoscaling/v1`
//! HorizontalPodAutoscalers) are converted to the version it stores, and
//! read back in the version asked for; the other served versions of a custom
//! resource differ only in `apiVersion`.

use serde_json::{Map, Value, json};

use crate::registry::{Backing, Resource};

/// A stored object as the version `resource` serves it in.
pub fn present(resource: &Resource, object: Value) -> Value {
    match resource.backing {
        Backing::ViewOf(_) if resource.group == "events.k8s.io" => event_to_events_v1(&object),
        Backing::ViewOf(_) if resource.group == "autoscaling" => autoscaler_to_v1(object),
        // Another served version of a custom resource: the same fields.
        Backing::ViewOf(_) => with_api_version(resource, object),
        _ => object,
    }
}

/// An object in the version `resource` serves, as the version it is stored in.
pub fn to_storage(resource: &'static Resource, object: Value) -> Value {
    match resource.backing {
        Backing::ViewOf(_) if resource.group == "events.k8s.io" => events_v1_to_event(&object),
        Backing::ViewOf(_) if resource.group == "autoscaling" => {
            to_stored_version(with_api_version(resource, object))
        }
        Backing::ViewOf(storage) => with_api_version(storage, object),
        _ => object,
    }
}

fn with_api_version(resource: &Resource, mut object: Value) -> Value {
    if object.is_object() {
        object["apiVersion"] = json!(resource.api_version());
    }
    object
}

/// Renames fields, copying only those present.
fn copy_fields(from: &Value, to: &mut Map<String, Value>, pairs: &[(&str, &str)]) {
    for (source, target) in pairs {
        if let Some(value) = from.get(*source).filter(|value| !value.is_null()) {
            to.insert((*target).to_owned(), value.clone());
        }
    }
}

const SHARED: &[(&str, &str)] = &[
    ("metadata", "metadata"),
    ("reason", "reason"),
    ("type", "type"),
    ("action", "action"),
    ("related", "related"),
    ("eventTime", "eventTime"),
];
const RENAMED: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("reportingComponent", "reportingController"),
    ("reportingInstance", "reportingInstance"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
];

/// A core `v1` Event as `events.k8s.io/v1`.
pub fn event_to_events_v1(core: &Value) -> Value {
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!("events.k8s.io/v1"));
    out.insert("kind".into(), json!("Event"));
    copy_fields(core, &mut out, SHARED);
    copy_fields(core, &mut out, RENAMED);
    if !out.contains_key("reportingController")
        && let Some(component) = core["source"]["component"].as_str()
    {
        out.insert("reportingController".into(), json!(component));
    }
    if core["count"].as_i64().is_some_and(|count| count > 1) {
        out.insert(
            "series".into(),
            json!({"count": core["count"], "lastObservedTime": core["lastTimestamp"]}),
        );
    }
    Value::Object(out)
}

/// An `events.k8s.io/v1` Event as core `v1`.
pub fn events_v1_to_event(event: &Value) -> Value {
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!("v1"));
    out.insert("kind".into(), json!("Event"));
    copy_fields(event, &mut out, SHARED);
    let reversed: Vec<(&str, &str)> = RENAMED.iter().map(|(core, v1)| (*v1, *core)).collect();
    copy_fields(event, &mut out, &reversed);
    if let Some(count) = event["series"]["count"].as_i64() {
        out.insert("count".into(), json!(count));
        out.insert(
            "lastTimestamp".into(),
            event["series"]["lastObservedTime"].clone(),
        );
    }
    Value::Object(out)
}

/// A field selector written against `events.k8s.io/v1` field names, in core names.
pub fn events_v1_field_selector(selector: &str) -> String {
    selector
        .replace("regarding.", "involvedObject.")
        .replace("reportingController", "reportingComponent")
}

/// An `autoscaling/v1` HorizontalPodAutoscaler as `autoscaling/v2`, the
/// version this cluster stores (a real API server converts the same way:
/// the CPU target becomes a Resource metric); any other object unchanged.
pub fn to_stored_version(object: Value) -> Value {
    if object["apiVersion"] != "autoscaling/v1" || object["kind"] != "HorizontalPodAutoscaler" {
        return object;
    }
    let mut upgraded = object;
    upgraded["apiVersion"] = json!("autoscaling/v2");
    if let Some(spec) = upgraded.get_mut("spec").and_then(Value::as_object_mut)
        && let Some(target) = spec.remove("targetCPUUtilizationPercentage")
    {
        spec.insert(
            "metrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": target}}}]),
        );
    }
    if let Some(status) = upgraded
        .as_object_mut()
        .and_then(|map| map.get_mut("status"))
        && let Some(status) = status.as_object_mut()
    {
        status.remove("currentCPUUtilizationPercentage");
    }
    upgraded
}

/// A stored `autoscaling/v2` HorizontalPodAutoscaler as `autoscaling/v1`
/// (what `kubectl autoscale` reads back): the CPU utilization target and
/// the current CPU utilization are the only metrics v1 knows.
pub fn autoscaler_to_v1(object: Value) -> Value {
    let mut v1 = object;
    v1["apiVersion"] = json!("autoscaling/v1");
    let cpu_target = v1
        .pointer("/spec/metrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|metric| metric["type"] == "Resource" && metric["resource"]["name"] == "cpu")
        .and_then(|metric| metric.pointer("/resource/target/averageUtilization"))
        .cloned();
    if let Some(spec) = v1.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("metrics");
        spec.remove("behavior");
        if let Some(target) = cpu_target {
            spec.insert("targetCPUUtilizationPercentage".into(), target);
        }
    }
    let cpu_current = v1
        .pointer("/status/currentMetrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|metric| metric["type"] == "Resource" && metric["resource"]["name"] == "cpu")
        .and_then(|metric| metric.pointer("/resource/current/averageUtilization"))
        .cloned();
    if let Some(status) = v1.get_mut("status").and_then(Value::as_object_mut) {
        status.remove("currentMetrics");
        status.remove("conditions");
        if let Some(current) = cpu_current {
            status.insert("currentCPUUtilizationPercentage".into(), current);
        }
    }
    v1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_between_versions() {
        let core = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web.1", "namespace": "prod"},
            "involvedObject": {"kind": "Pod", "name": "web"},
            "reason": "BackOff", "message": "Back-off restarting failed container", "type": "Warning",
            "count": 5, "firstTimestamp": "2026-11-25T10:00:00Z", "lastTimestamp": "2026-11-25T11:00:00Z",
            "source": {"component": "kubelet", "host": "node-a"}
        });
        let v1 = event_to_events_v1(&core);
        assert_eq!(v1["regarding"]["name"], "web");
        assert_eq!(v1["note"], "Back-off restarting failed container");
        assert_eq!(v1["reportingController"], "kubelet");
        assert_eq!(v1["series"]["count"], 5);
        let back = events_v1_to_event(&v1);
        assert_eq!(back["involvedObject"], core["involvedObject"]);
        assert_eq!(back["message"], core["message"]);
        assert_eq!(back["count"], 5);
        assert_eq!(back["lastTimestamp"], core["lastTimestamp"]);
    }

    #[test]
    fn field_selectors_are_renamed() {
        assert_eq!(
            events_v1_field_selector("regarding.name=web,type=Warning"),
            "involvedObject.name=web,type=Warning"
        );
    }

    #[test]
    fn an_autoscaling_v1_autoscaler_becomes_v2_with_a_cpu_metric() {
        let v1 = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                     "minReplicas": 2, "maxReplicas": 5, "targetCPUUtilizationPercentage": 70}});
        let v2 = to_stored_version(v1);
        assert_eq!(v2["apiVersion"], "autoscaling/v2");
        assert_eq!(
            v2["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            70
        );
        assert!(v2["spec"].get("targetCPUUtilizationPercentage").is_none());
        let pod = json!({"apiVersion": "v1", "kind": "Pod"});
        assert_eq!(to_stored_version(pod.clone()), pod);
    }

    #[test]
    fn a_v2_autoscaler_reads_as_v1_with_its_cpu_target() {
        let v2 = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"},
            "spec": {"minReplicas": 1, "maxReplicas": 4, "metrics": [
                {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "1Gi"}}},
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]},
            "status": {"currentReplicas": 2, "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 35}}}]}});
        let v1 = autoscaler_to_v1(v2);
        assert_eq!(v1["apiVersion"], "autoscaling/v1");
        assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 80);
        assert!(v1["spec"].get("metrics").is_none());
        assert_eq!(v1["status"]["currentCPUUtilizationPercentage"], 35);
        assert_eq!(v1["status"]["currentReplicas"], 2);
    }
}
