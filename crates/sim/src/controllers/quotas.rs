//! The resource quota controller: each ResourceQuota's `status.hard` and
//! `status.used`, from the namespace's live pods, claims and objects, as
//! `kubectl describe quota` and a "why can't I create more pods" question
//! read them.

use serde_json::{Map, Value, json};

use super::workloads::{is_deleting, namespace, not_deleting};
use super::{Action, Kind, Snapshot, pod_is_finished};
use crate::quantity::Quantity;

/// How much of `key` the namespace uses, in the quota's own units; `None`
/// for a key this controller does not count.
fn used(key: &str, snapshot: &Snapshot, pods: &[&Value], in_namespace: &str) -> Option<String> {
    let count = |objects: &[Value]| {
        objects
            .iter()
            .filter(|object| namespace(object) == in_namespace && !is_deleting(object))
            .count()
            .to_string()
    };
    if let Some(usage) = crate::admission::quota::pod_usage(key, pods) {
        return Some(usage);
    }
    Some(match key {
        "persistentvolumeclaims" | "count/persistentvolumeclaims" => count(&snapshot.claims),
        "requests.storage" => snapshot
            .claims
            .iter()
            .filter(|claim| namespace(claim) == in_namespace)
            .filter_map(|claim| claim.pointer("/spec/resources/requests/storage"))
            .filter_map(Value::as_str)
            .filter_map(|text| Quantity::parse(text).ok())
            .fold(Quantity::default(), |total, amount| total + amount)
            .to_memory_string(),
        "services" | "count/services" => count(&snapshot.services),
        "services.loadbalancers" | "services.nodeports" => {
            let wanted = if key == "services.loadbalancers" {
                &["LoadBalancer"][..]
            } else {
                &["NodePort", "LoadBalancer"][..]
            };
            snapshot
                .services
                .iter()
                .filter(|service| namespace(service) == in_namespace)
                .filter(|service| {
                    wanted.contains(&service["spec"]["type"].as_str().unwrap_or_default())
                })
                .count()
                .to_string()
        }
        "configmaps" | "count/configmaps" => count(&snapshot.config_maps),
        "secrets" | "count/secrets" => count(&snapshot.secrets),
        "resourcequotas" | "count/resourcequotas" => count(&snapshot.resource_quotas),
        "count/deployments.apps" => count(&snapshot.deployments),
        "count/replicasets.apps" => count(&snapshot.replica_sets),
        "count/statefulsets.apps" => count(&snapshot.stateful_sets),
        "count/daemonsets.apps" => count(&snapshot.daemon_sets),
        "count/jobs.batch" => count(&snapshot.jobs),
        "count/cronjobs.batch" => count(&snapshot.cron_jobs),
        _ => return None,
    })
}

/// ResourceQuotas: what each allows and what its namespace uses now.
pub fn resource_quotas(snapshot: &Snapshot) -> Vec<Action> {
    let mut actions = Vec::new();
    for quota in not_deleting(&snapshot.resource_quotas) {
        let in_namespace = namespace(quota);
        let pods: Vec<&Value> = snapshot
            .pods
            .iter()
            .filter(|pod| namespace(pod) == in_namespace && !pod_is_finished(pod))
            .collect();
        let hard = quota
            .pointer("/spec/hard")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let mut usage = Map::new();
        for key in hard.as_object().into_iter().flat_map(Map::keys) {
            if let Some(amount) = used(key, snapshot, &pods, in_namespace) {
                usage.insert(key.clone(), json!(amount));
            }
        }
        let status = json!({"hard": hard, "used": usage});
        if quota.get("status") != Some(&status) {
            let mut updated = quota.clone();
            updated["status"] = status;
            actions.push(Action::ReplaceStatus(Kind::ResourceQuota, updated));
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_counts_live_pods_their_requests_limits_and_objects() {
        let pod = |name: &str, phase: &str| {
            json!({"metadata": {"name": name, "namespace": "shop"},
                "spec": {"containers": [
                    {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}},
                    {"name": "b", "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}}}]},
                "status": {"phase": phase}})
        };
        let snapshot = Snapshot {
            pods: vec![
                pod("a", "Running"),
                pod("b", "Running"),
                pod("done", "Succeeded"),
            ],
            config_maps: vec![json!({"metadata": {"name": "c", "namespace": "shop"}})],
            resource_quotas: vec![json!({"metadata": {"name": "q", "namespace": "shop"},
                "spec": {"hard": {"pods": "10", "requests.cpu": "4", "requests.memory": "8Gi",
                    "limits.memory": "16Gi", "configmaps": "5", "requests.nvidia.com/gpu": "1"}}})],
            ..Snapshot::default()
        };
        let actions = resource_quotas(&snapshot);
        let [Action::ReplaceStatus(Kind::ResourceQuota, quota)] = actions.as_slice() else {
            panic!("{actions:?}");
        };
        assert_eq!(quota["status"]["hard"]["pods"], "10");
        assert_eq!(
            quota["status"]["used"],
            json!({"pods": "2", "requests.cpu": "1500m", "requests.memory": "768Mi",
                   "limits.memory": "1280Mi", "configmaps": "1"})
        );
    }
}
