//! `events.k8s.io/v1` Events are a view of the core `v1` Events, as in a real
//! cluster (one storage, two versions): these functions convert between them.
//! Manifests of an older version the cluster still accepts (`autoscaling/v1`
//! HorizontalPodAutoscalers) are converted to the version it stores.

use serde_json::{Map, Value, json};

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
}
