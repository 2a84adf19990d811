//! A workload without pods, or short of them, because the API server
//! refuses to create them: its controller records `FailedCreate` with the
//! admission plugin's words (`pods "web-7d4b9c8f5-" is forbidden: no
//! PriorityClass with name X was found`, `exceeded quota: NAME, requested:
//! ..., used: ..., limited: ...`, `failed quota: NAME: must specify ...`).
//! The conclusion quotes that refusal and, for a missing PriorityClass
//! (ServiceAccount), which classes (the namespace's accounts) do exist; for
//! a quota, what it allows and what the namespace already uses, read from
//! the ResourceQuota itself.

use serde_json::{Value, json};

use super::Reads;
use crate::diagnosis::parse::{Event, listed_names};
use crate::diagnosis::reader::{ClusterReader, ReadTool};
use crate::diagnosis::{Cause, Diagnosis, DiagnosisError, Evidence, ObjectRef};

/// The API group and version of each controller kind an event may name.
fn api_version_of(kind: &str) -> &'static str {
    match kind {
        "Job" | "CronJob" => "batch/v1",
        _ => "apps/v1",
    }
}

/// `no PriorityClass with name X was found` → X.
fn missing_priority_class(message: &str) -> Option<&str> {
    message
        .split("no PriorityClass with name ")
        .nth(1)?
        .split(" was found")
        .next()
}

/// `error looking up service account NS/NAME: serviceaccount "NAME" not
/// found` (the ServiceAccount admission plugin) → NAME.
fn missing_service_account(message: &str) -> Option<&str> {
    let rest = message.split("error looking up service account ").nth(1)?;
    let (_, rest) = rest.split_once('/')?;
    let (account, rest) = rest.split_once(": ")?;
    rest.contains("not found").then_some(account)
}

/// The LimitRanger plugin's refusals in a message (`maximum memory usage
/// per Container is 1Gi, but limit is 2Gi`, `minimum cpu usage per
/// Container is 50m, but request is 10m`), one or several (`[a, b]`).
fn limit_range_violations(message: &str) -> Vec<&str> {
    let Some((_, said)) = message.split_once(" is forbidden: ") else {
        return Vec::new();
    };
    // A ratio's violation opens with its resource's name: "cpu max limit to
    // request ratio per Container is 2, but provided ratio is 4.000000".
    let ratio_starts = said
        .match_indices(" max limit to request ratio per ")
        .map(|(at, _)| said[..at].rfind([' ', '[']).map_or(0, |space| space + 1));
    let mut starts: Vec<usize> = said
        .match_indices("maximum ")
        .chain(said.match_indices("minimum "))
        .map(|(start, _)| start)
        .chain(ratio_starts)
        .collect();
    starts.sort_unstable();
    starts
        .iter()
        .enumerate()
        .map(|(index, start)| {
            let end = starts.get(index + 1).copied().unwrap_or(said.len());
            said[*start..end].trim_end_matches([',', ' ', ']'])
        })
        .filter(|part| {
            part.contains(" usage per Container is ")
                || part.contains(" max limit to request ratio per Container is ")
        })
        .collect()
}

/// The names of the `kind` objects (in `namespace`), listed with one call,
/// as evidence says them: `a, b` or `none`.
async fn existing<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
) -> Result<String, DiagnosisError> {
    let listed = reads
        .call(
            ReadTool::ResourcesList,
            [
                ("apiVersion", Some(json!(api_version))),
                ("kind", Some(json!(kind))),
                ("namespace", namespace.map(|namespace| json!(namespace))),
            ],
        )
        .await?;
    let names: Vec<String> = listed_names(&listed, namespace)
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    Ok(if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    })
}

/// What an `exceeded quota` refusal says: the quota, and for each resource
/// it ran out of, what the pod asked, what was in use and the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ExceededQuota {
    quota: String,
    /// (resource, requested, used, limited), in the refusal's order.
    resources: Vec<(String, String, String, String)>,
}

/// `k=v,k=v` → pairs.
fn resource_list(text: &str) -> Vec<(String, String)> {
    text.split(',')
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

/// Reads `exceeded quota: NAME, requested: A, used: B, limited: C`.
fn exceeded_quota(message: &str) -> Option<ExceededQuota> {
    let rest = message.split("exceeded quota: ").nth(1)?;
    let (quota, rest) = rest.split_once(", requested: ")?;
    let (requested, rest) = rest.split_once(", used: ")?;
    let (used, limited) = rest.split_once(", limited: ")?;
    let used = resource_list(used);
    let limited = resource_list(limited);
    let value_of = |list: &[(String, String)], key: &str| {
        list.iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let resources = resource_list(requested)
        .into_iter()
        .map(|(key, asked)| {
            let in_use = value_of(&used, &key);
            let limit = value_of(&limited, &key);
            (key, asked, in_use, limit)
        })
        .collect();
    Some(ExceededQuota {
        quota: quota.to_string(),
        resources,
    })
}

/// Reads `failed quota: NAME: must specify R for: c1,c2; R2 for: c3`:
/// the quota and what it needs stated.
fn unstated_for_quota(message: &str) -> Option<(String, String)> {
    let rest = message.split("failed quota: ").nth(1)?;
    let (quota, needs) = rest.split_once(": must specify ")?;
    Some((quota.to_string(), needs.trim().to_string()))
}

/// A quota's `status.hard` and `status.used` as `key used/hard` pairs.
fn quota_usage(quota: &Value) -> String {
    let hard = quota.pointer("/status/hard").and_then(Value::as_object);
    let used = quota.pointer("/status/used");
    hard.into_iter()
        .flatten()
        .map(|(key, limit)| {
            let in_use = used
                .and_then(|used| used.get(key))
                .and_then(Value::as_str)
                .unwrap_or("0");
            format!("{key} {in_use}/{}", limit.as_str().unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many pods a workload has and wants, when it is short of some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shortfall {
    /// Pods it has.
    pub have: u64,
    /// Pods it wants.
    pub want: u64,
}

/// Whether the controller that owns a pod (nearest owner first: a
/// ReplicaSet, StatefulSet, DaemonSet or Job) has fewer pods than it wants,
/// and which object its refusals would be recorded on: the workload named
/// by the user (a Deployment) or that owner.
pub(super) fn shortfall(owners: &[Value]) -> Option<(String, Shortfall)> {
    let owner = owners.first()?;
    let count = |pointer: &str| owner.pointer(pointer).and_then(Value::as_u64);
    let (have, want) = match owner["kind"].as_str()? {
        "ReplicaSet" | "StatefulSet" => (
            count("/status/replicas").unwrap_or(0),
            count("/spec/replicas").unwrap_or(1),
        ),
        "DaemonSet" => (
            count("/status/currentNumberScheduled").unwrap_or(0),
            count("/status/desiredNumberScheduled")?,
        ),
        _ => return None,
    };
    if have >= want {
        return None;
    }
    let workload = owners
        .iter()
        .find(|owner| owner["kind"] == "Deployment")
        .unwrap_or(owner);
    let name = workload.pointer("/metadata/name")?.as_str()?.to_string();
    Some((name, Shortfall { have, want }))
}

/// The newest `FailedCreate` of the workload `name` (or of its ReplicaSets,
/// `name-<hash>`) in `namespace`, and a diagnosis built on it; `None` when
/// nothing refused its pods. `shortfall` says how many pods it has of how
/// many it wants, when it has some.
pub(super) async fn diagnose<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    namespace: &str,
    name: &str,
    shortfall: Option<Shortfall>,
) -> Result<Option<Diagnosis>, DiagnosisError> {
    let prefix = format!("{name}-");
    let refusals: Vec<Event> = reads
        .events(namespace)
        .await?
        .into_iter()
        .filter(|event| event.reason == "FailedCreate")
        .filter(|event| event.object_name == name || event.object_name.starts_with(&prefix))
        .collect();
    let Some(refusal) = refusals.last() else {
        return Ok(None);
    };
    let mut evidence = vec![Evidence::new(
        format!("event on {} {}", refusal.object_kind, refusal.object_name),
        format!(
            "{} {}: {}",
            refusal.event_type, refusal.reason, refusal.message
        ),
    )];
    let mut explanation = String::new();
    if let Some(class) = missing_priority_class(&refusal.message) {
        let classes = existing(reads, "scheduling.k8s.io/v1", "PriorityClass", None).await?;
        evidence.push(Evidence::new("resources_list PriorityClass", &classes));
        explanation = format!(
            " The pod template names priorityClassName {class}, and no PriorityClass of that name exists (the cluster has: {classes}). Create the PriorityClass (its value is a cluster-wide decision) or change priorityClassName in the template to an existing class; kubeop does not choose a priority for you."
        );
    } else if let Some(account) = missing_service_account(&refusal.message) {
        let accounts = existing(reads, "v1", "ServiceAccount", Some(namespace)).await?;
        evidence.push(Evidence::new(
            format!("resources_list ServiceAccount in {namespace}"),
            &accounts,
        ));
        explanation = format!(
            " The pod template names serviceAccountName {account}, and namespace {namespace} has no ServiceAccount of that name (it has: {accounts}). Create ServiceAccount {account} in {namespace} with the RBAC bindings the application needs, or correct serviceAccountName in the template; kubeop does not create identities or grant permissions on its own."
        );
    } else if let violations @ [_, ..] = limit_range_violations(&refusal.message).as_slice() {
        let ranges = existing(reads, "v1", "LimitRange", Some(namespace)).await?;
        evidence.push(Evidence::new(
            format!("resources_list LimitRange in {namespace}"),
            &ranges,
        ));
        explanation = format!(
            " The LimitRange of namespace {namespace} ({ranges}) bounds every container, and the pod template is outside it: {}. Bring the template's resources within the range, or have whoever owns the namespace's limits widen the LimitRange; kubeop changes neither on its own (a lower limit can starve the application, a wider range is a policy decision).",
            violations.join("; ")
        );
    } else if let Some(exceeded) = exceeded_quota(&refusal.message) {
        let quota = reads
            .get("v1", "ResourceQuota", Some(namespace), &exceeded.quota)
            .await?;
        if let Some(quota) = &quota {
            evidence.push(Evidence::new(
                format!("ResourceQuota {namespace}/{} status", exceeded.quota),
                quota_usage(quota),
            ));
        }
        let short: Vec<String> = exceeded
            .resources
            .iter()
            .map(|(key, asked, in_use, limit)| {
                format!("{key}: a new pod asks {asked}, {in_use} of {limit} is in use")
            })
            .collect();
        explanation = format!(
            " ResourceQuota {} has no room for another pod ({}). Lower the pod template's requests, scale down or remove other workloads in {namespace}, or raise the quota (a decision for whoever owns the namespace's budget); kubeop does not change a quota on its own.",
            exceeded.quota,
            short.join("; ")
        );
    } else if let Some((quota, needs)) = unstated_for_quota(&refusal.message) {
        explanation = format!(
            " ResourceQuota {quota} counts these resources, so every container must state them, and the pod template does not: add {needs} to the template's resources (or give namespace {namespace} a LimitRange with defaults)."
        );
    }
    let workload_kind = if refusal.object_kind == "ReplicaSet" && refusal.object_name != name {
        "Deployment"
    } else {
        refusal.object_kind.as_str()
    };
    let pods = match shortfall {
        Some(Shortfall { have, want }) => format!(
            "has {have} of its {want} pods: the API server refuses to create the other {}",
            want - have
        ),
        None => "has no pods: the API server refuses to create them".to_string(),
    };
    let summary = format!(
        "{workload_kind} {name} {pods} ({}).{explanation}",
        refusal.message
    );
    Ok(Some(Diagnosis::new(
        ObjectRef::namespaced(
            api_version_of(workload_kind),
            workload_kind,
            name,
            namespace,
        ),
        Cause::PodCreationRefused,
        summary,
        evidence,
        None,
        match exceeded_quota(&refusal.message) {
            Some(exceeded) => vec![
                format!("describe resourcequota {} in {namespace}", exceeded.quota),
                format!("show events in {namespace}"),
            ],
            None => vec![format!("show events in {namespace}")],
        },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_class_is_read_from_the_refusal() {
        assert_eq!(
            missing_priority_class(
                "Error creating: pods \"nightly-report-6f9c-\" is forbidden: no PriorityClass with name batch-low was found"
            ),
            Some("batch-low")
        );
        assert_eq!(missing_priority_class("exceeded quota: compute"), None);
    }

    #[test]
    fn the_missing_service_account_is_read_from_the_refusal() {
        assert_eq!(
            missing_service_account(
                "Error creating: pods \"ledger-5c6f-\" is forbidden: error looking up service account pay/ledger-writer: serviceaccount \"ledger-writer\" not found"
            ),
            Some("ledger-writer")
        );
        assert_eq!(missing_service_account("exceeded quota: compute"), None);
    }

    #[test]
    fn limit_range_refusals_are_read_one_by_one() {
        assert_eq!(
            limit_range_violations(
                "Error creating: pods \"etl-5d9f-\" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi"
            ),
            vec!["maximum memory usage per Container is 1Gi, but limit is 2Gi"]
        );
        assert_eq!(
            limit_range_violations(
                "Error creating: pods \"etl-5d9f-\" is forbidden: [maximum memory usage per Container is 1Gi, but limit is 3Gi, minimum cpu usage per Container is 50m, but request is 10m]"
            ),
            vec![
                "maximum memory usage per Container is 1Gi, but limit is 3Gi",
                "minimum cpu usage per Container is 50m, but request is 10m"
            ]
        );
        assert_eq!(
            limit_range_violations(
                "Error creating: pods \"web-\" is forbidden: [maximum memory usage per Container is 1Gi, but limit is 2Gi, cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000]"
            ),
            vec![
                "maximum memory usage per Container is 1Gi, but limit is 2Gi",
                "cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000"
            ]
        );
        assert!(limit_range_violations("exceeded quota: compute, requested: pods=1").is_empty());
    }

    #[test]
    fn an_exceeded_quota_is_read_resource_by_resource() {
        let message = "Error creating: pods \"web-7d4b9c8f5-\" is forbidden: exceeded quota: compute, requested: pods=1,requests.cpu=500m, used: pods=4,requests.cpu=1800m, limited: pods=10,requests.cpu=2";
        assert_eq!(
            exceeded_quota(message),
            Some(ExceededQuota {
                quota: "compute".into(),
                resources: vec![
                    ("pods".into(), "1".into(), "4".into(), "10".into()),
                    (
                        "requests.cpu".into(),
                        "500m".into(),
                        "1800m".into(),
                        "2".into()
                    ),
                ],
            })
        );
        assert_eq!(
            unstated_for_quota(
                "pods \"web-1\" is forbidden: failed quota: compute: must specify limits.memory for: app; requests.memory for: app"
            ),
            Some((
                "compute".into(),
                "limits.memory for: app; requests.memory for: app".into()
            ))
        );
        assert_eq!(
            exceeded_quota("no PriorityClass with name x was found"),
            None
        );
    }

    #[test]
    fn a_replica_set_short_of_pods_points_at_its_deployment() {
        let owners = [
            json!({"kind": "ReplicaSet", "metadata": {"name": "web-7d4b9c8f5"},
                "spec": {"replicas": 5}, "status": {"replicas": 3}}),
            json!({"kind": "Deployment", "metadata": {"name": "web"}}),
        ];
        assert_eq!(
            shortfall(&owners),
            Some(("web".into(), Shortfall { have: 3, want: 5 }))
        );
        let full = [json!({"kind": "ReplicaSet", "metadata": {"name": "web-1"},
            "spec": {"replicas": 2}, "status": {"replicas": 2}})];
        assert_eq!(shortfall(&full), None);
        assert_eq!(
            quota_usage(
                &json!({"status": {"hard": {"pods": "10", "requests.cpu": "2"},
                "used": {"pods": "4", "requests.cpu": "1800m"}}})
            ),
            "pods 4/10, requests.cpu 1800m/2"
        );
    }
}
