//! The ResourceQuota admission plugin, for pods: a pod whose creation would
//! take its namespace past a quota is refused with the plugin's own words
//! (`exceeded quota: NAME, requested: ..., used: ..., limited: ...`), and so
//! is a pod that leaves out a request or limit a quota counts (`failed
//! quota: NAME: must specify ...`). Workload controllers then record those
//! words as `FailedCreate` on their object, which is how a platform engineer
//! meets a quota: a Deployment short of replicas.
//!
//! The pod-related sums live here so that the quota controller
//! (`controllers::quotas`) reports in `status.used` exactly what admission
//! compares against.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{ApiError, ObjectTarget};
use crate::quantity::Quantity;

/// The quota keys whose presence makes every container state the resource
/// (the API server's "validation set": a quota on CPU or memory needs each
/// container to say what it asks for).
const MUST_SPECIFY: [&str; 6] = [
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
];

/// How a quota key is measured and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    /// A number of objects.
    Count,
    /// CPU (`1500m`, `2`).
    Cpu,
    /// Memory (`768Mi`).
    Memory,
}

/// The pod-related quota keys: how each is measured, and from which part of
/// a container's resources (`None` for the pod count).
fn pod_key(key: &str) -> Option<(Measure, Option<(&'static str, &'static str)>)> {
    Some(match key {
        "pods" | "count/pods" => (Measure::Count, None),
        "cpu" | "requests.cpu" => (Measure::Cpu, Some(("requests", "cpu"))),
        "memory" | "requests.memory" => (Measure::Memory, Some(("requests", "memory"))),
        "limits.cpu" => (Measure::Cpu, Some(("limits", "cpu"))),
        "limits.memory" => (Measure::Memory, Some(("limits", "memory"))),
        _ => return None,
    })
}

/// The sum of one resource over the containers of `pods` (`requests` or
/// `limits`); a container without a request falls back to its limit, as
/// the API server defaults it.
fn container_sum(pods: &[&Value], section: &str, resource: &str) -> Quantity {
    pods.iter()
        .flat_map(|pod| {
            pod.pointer("/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(|container| {
            let resources = &container["resources"];
            resources[section][resource]
                .as_str()
                .or_else(|| {
                    (section == "requests")
                        .then(|| resources["limits"][resource].as_str())
                        .flatten()
                })
                .and_then(|text| Quantity::parse(text).ok())
        })
        .fold(Quantity::default(), |total, amount| total + amount)
}

/// What `pods` use of a pod-related quota key, written as `status.used`
/// writes it; `None` for a key that does not count pods.
pub fn pod_usage(key: &str, pods: &[&Value]) -> Option<String> {
    let (measure, part) = pod_key(key)?;
    Some(written(measure, amount(pods, part)))
}

fn amount(pods: &[&Value], part: Option<(&str, &str)>) -> Quantity {
    match part {
        None => Quantity::from_units(pods.len() as i128),
        Some((section, resource)) => container_sum(pods, section, resource),
    }
}

fn written(measure: Measure, amount: Quantity) -> String {
    match measure {
        Measure::Count => amount.units().to_string(),
        Measure::Cpu => amount.to_cpu_string(),
        Measure::Memory => amount.to_memory_string(),
    }
}

/// Whether a quota applies to every pod: one with `scopes` or a
/// `scopeSelector` (BestEffort, a priority class, ...) counts only some,
/// which the simulator does not model, so it is not enforced.
fn applies_to_every_pod(quota: &Value) -> bool {
    quota.pointer("/spec/scopes").is_none() && quota.pointer("/spec/scopeSelector").is_none()
}

/// The resources a container states, as the quota plugin sees them: a
/// request names both `cpu` and `requests.cpu`.
fn stated(container: &Value) -> Vec<String> {
    let resources = &container["resources"];
    let mut names = Vec::new();
    for resource in ["cpu", "memory"] {
        if resources["requests"][resource].is_string() {
            names.push(resource.to_string());
            names.push(format!("requests.{resource}"));
        }
        if resources["limits"][resource].is_string() {
            names.push(format!("limits.{resource}"));
        }
    }
    names
}

/// `k=v,k=v` in key order, as the plugin prints a resource list.
fn listed(entries: &BTreeMap<&str, String>) -> String {
    entries
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Admits `pod` (defaulted, named) against the `quotas` of its namespace,
/// given the `pods` the namespace already runs (unfinished ones).
pub fn admit(pod: &Value, quotas: &[&Value], pods: &[&Value]) -> Result<(), ApiError> {
    let name = crate::meta::name(pod);
    let forbidden = |reason: String| ApiError::Forbidden {
        message: format!("pods \"{name}\" is forbidden: {reason}"),
        target: ObjectTarget::new("", "pods", name),
    };
    let mut quotas: Vec<&Value> = quotas
        .iter()
        .copied()
        .filter(|quota| applies_to_every_pod(quota))
        .collect();
    quotas.sort_by_key(|quota| crate::meta::name(quota));
    for quota in quotas {
        let quota_name = crate::meta::name(quota);
        let Some(hard) = quota.pointer("/spec/hard").and_then(Value::as_object) else {
            continue;
        };
        let required: Vec<&str> = MUST_SPECIFY
            .into_iter()
            .filter(|key| hard.contains_key(*key))
            .collect();
        let mut missing: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for list in ["containers", "initContainers"] {
            for container in pod
                .pointer(&format!("/spec/{list}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let has = stated(container);
                for key in &required {
                    if !has.iter().any(|name| name == key) {
                        let names = missing.entry(key).or_default();
                        names.push(container["name"].as_str().unwrap_or_default().to_string());
                        names.sort();
                        names.dedup();
                    }
                }
            }
        }
        if !missing.is_empty() {
            let lacking: Vec<String> = missing
                .iter()
                .map(|(key, containers)| format!("{key} for: {}", containers.join(",")))
                .collect();
            return Err(forbidden(format!(
                "failed quota: {quota_name}: must specify {}",
                lacking.join("; ")
            )));
        }
        let mut requested = BTreeMap::new();
        let mut used = BTreeMap::new();
        let mut limited = BTreeMap::new();
        for (key, limit) in hard {
            let (Some((measure, part)), Some(limit_text)) = (pod_key(key), limit.as_str()) else {
                continue;
            };
            let Ok(limit) = Quantity::parse(limit_text) else {
                continue;
            };
            let asked = amount(&[pod], part);
            let in_use = amount(pods, part);
            if in_use + asked > limit {
                requested.insert(key.as_str(), written(measure, asked));
                used.insert(key.as_str(), written(measure, in_use));
                limited.insert(key.as_str(), limit_text.to_string());
            }
        }
        if !requested.is_empty() {
            return Err(forbidden(format!(
                "exceeded quota: {quota_name}, requested: {}, used: {}, limited: {}",
                listed(&requested),
                listed(&used),
                listed(&limited)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(name: &str, cpu: &str, memory: Option<&str>) -> Value {
        let mut requests = json!({"cpu": cpu});
        if let Some(memory) = memory {
            requests["memory"] = json!(memory);
        }
        json!({"metadata": {"name": name, "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "resources": {"requests": requests}}]},
            "status": {"phase": "Running"}})
    }

    fn quota(hard: Value) -> Value {
        json!({"metadata": {"name": "compute", "namespace": "shop"}, "spec": {"hard": hard}})
    }

    #[test]
    fn a_pod_past_the_quota_is_refused_with_the_plugins_numbers() {
        let running = [pod("a", "750m", None), pod("b", "750m", None)];
        let running: Vec<&Value> = running.iter().collect();
        let compute = quota(json!({"requests.cpu": "2", "pods": "10"}));
        let error = admit(&pod("web-1", "600m", None), &[&compute], &running)
            .expect_err("1500m + 600m is more than 2 cores");
        assert_eq!(
            error.to_string(),
            "pods \"web-1\" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=1500m, limited: requests.cpu=2"
        );
        // Reaching the limit exactly is allowed.
        admit(&pod("web-2", "500m", None), &[&compute], &running).expect("fits");
    }

    #[test]
    fn several_exceeded_resources_are_listed_in_key_order() {
        let running = [pod("a", "1", Some("1Gi"))];
        let running: Vec<&Value> = running.iter().collect();
        let compute = quota(json!({"requests.memory": "1Gi", "pods": "1", "requests.cpu": "4"}));
        let error = admit(&pod("web-1", "1", Some("512Mi")), &[&compute], &running)
            .expect_err("pods and memory are used up");
        assert_eq!(
            error.to_string(),
            "pods \"web-1\" is forbidden: exceeded quota: compute, requested: pods=1,requests.memory=512Mi, used: pods=1,requests.memory=1Gi, limited: pods=1,requests.memory=1Gi"
        );
    }

    #[test]
    fn a_quota_on_memory_needs_every_container_to_state_it() {
        let compute = quota(json!({"requests.memory": "4Gi", "limits.memory": "8Gi"}));
        let error = admit(&pod("web-1", "100m", None), &[&compute], &[]).expect_err("no memory");
        assert_eq!(
            error.to_string(),
            "pods \"web-1\" is forbidden: failed quota: compute: must specify limits.memory for: app; requests.memory for: app"
        );
    }

    #[test]
    fn scoped_quotas_and_other_keys_are_not_enforced_here() {
        let mut scoped = quota(json!({"pods": "0"}));
        scoped["spec"]["scopes"] = json!(["BestEffort"]);
        let objects = quota(json!({"configmaps": "0"}));
        admit(&pod("web-1", "100m", None), &[&scoped, &objects], &[]).expect("admitted");
    }

    #[test]
    fn usage_is_written_like_the_quota_status() {
        let pods = [
            pod("a", "250m", Some("256Mi")),
            pod("b", "1", Some("512Mi")),
        ];
        let pods: Vec<&Value> = pods.iter().collect();
        assert_eq!(pod_usage("requests.cpu", &pods).as_deref(), Some("1250m"));
        assert_eq!(pod_usage("memory", &pods).as_deref(), Some("768Mi"));
        assert_eq!(pod_usage("count/pods", &pods).as_deref(), Some("2"));
        assert_eq!(pod_usage("services", &pods), None);
    }
}
