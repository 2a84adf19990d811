//! "My service doesn't work" / "checkout returns 503" when the pods are
//! fine: the Service of that name reaches no ready pod (its selector matches
//! none, or the pods it selects are not ready), or it sends traffic to a port
//! its pods do not declare. Read after the pod playbook found no failing pod
//! (or no pod at all) for the name.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::Reads;
use crate::diagnosis::parse::{labels, rows};
use crate::diagnosis::pod_status::{PodState, symptom};
use crate::diagnosis::proposal::{self, selector_text};
use crate::diagnosis::reader::{ClusterReader, ReadTool};
use crate::diagnosis::{Cause, Diagnosis, DiagnosisError, Evidence, ObjectRef};
use crate::suggest::is_close;

/// At most this many selected pods are read whole (for readiness and ports).
pub const MAX_SELECTED_PODS_READ: usize = 3;

/// At most this many pods are named as near misses of a selector.
const MAX_NEAR_PODS: usize = 5;

/// At most this many NetworkPolicies of a namespace are read whole to see
/// whether they isolate a Service's pods: namespaces hold a few, and a
/// bound keeps one question from reading hundreds.
const MAX_POLICIES_READ: usize = 8;

/// A pod as its list row shows it: its name and its labels.
pub type LabelledPod = (String, BTreeMap<String, String>);

/// What was read about one Service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceFacts {
    /// The Service object.
    pub service: Value,
    /// Its Endpoints object, when it exists.
    pub endpoints: Option<Value>,
    /// How many pods its selector matches.
    pub selected_count: usize,
    /// The first few of those pods, read whole.
    pub selected: Vec<Value>,
    /// Pods of the namespace whose labels nearly match the selector (see
    /// `near_misses`), as (name, labels).
    pub near: Vec<LabelledPod>,
    /// The Deployment named like the Service, when there is one.
    pub same_named_deployment: Option<Value>,
    /// The NetworkPolicies that isolate the first selected pod for ingress
    /// (read when the Service selects pods).
    pub policies: Vec<Value>,
}

/// What the Service check concluded.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceVerdict {
    /// The Service reaches ready pods on ports they declare: what supports that.
    Routes(Vec<Evidence>),
    /// The Service is the problem.
    Broken(Box<Diagnosis>),
}

fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Reads the Service `name` in `namespace` and what it routes to; `None`
/// when there is no such Service or it has no selector (its endpoints are
/// written by hand).
pub(super) async fn gather<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    namespace: &str,
    name: &str,
) -> Result<Option<ServiceFacts>, DiagnosisError> {
    let Some(service) = reads.get("v1", "Service", Some(namespace), name).await? else {
        return Ok(None);
    };
    let Some(selector) = service
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .filter(|selector| !selector.is_empty())
        .cloned()
    else {
        return Ok(None);
    };
    let endpoints = reads.get("v1", "Endpoints", Some(namespace), name).await?;
    let selected_names = reads
        .list_names(
            "v1",
            "Pod",
            Some(namespace),
            Some(selector_text(&selector)),
            None,
        )
        .await?;
    let mut facts = ServiceFacts {
        selected_count: selected_names.len(),
        ..ServiceFacts::default()
    };
    for (_, pod_name) in selected_names.iter().take(MAX_SELECTED_PODS_READ) {
        if let Some(pod) = reads.get("v1", "Pod", Some(namespace), pod_name).await? {
            facts.selected.push(pod);
        }
    }
    if let Some(pod) = facts.selected.first() {
        let labels = netpol::labels_of(pod);
        let names = reads
            .list_names(
                "networking.k8s.io/v1",
                "NetworkPolicy",
                Some(namespace),
                None,
                None,
            )
            .await?;
        for (_, policy_name) in names.into_iter().take(MAX_POLICIES_READ) {
            if let Some(policy) = reads
                .get(
                    "networking.k8s.io/v1",
                    "NetworkPolicy",
                    Some(namespace),
                    &policy_name,
                )
                .await?
                && isolates_for_ingress(&policy, &labels)
            {
                facts.policies.push(policy);
            }
        }
    }
    if selected_names.is_empty() {
        let listed = reads
            .call(
                ReadTool::ResourcesList,
                [
                    ("apiVersion", Some(json!("v1"))),
                    ("kind", Some(json!("Pod"))),
                    ("namespace", Some(json!(namespace))),
                ],
            )
            .await?
            .succeeded(ReadTool::ResourcesList)?;
        let pods: Vec<LabelledPod> = rows(&listed)
            .into_iter()
            .filter_map(|row| Some((row.get("NAME")?.clone(), labels(row.get("LABELS")?))))
            .collect();
        facts.same_named_deployment = reads
            .get("apps/v1", "Deployment", Some(namespace), name)
            .await?;
        facts.near = near_misses(&selector, name, facts.same_named_deployment.as_ref(), pods);
    }
    facts.service = service;
    facts.endpoints = endpoints;
    Ok(Some(facts))
}

/// The pods of a namespace whose labels nearly match a Service's selector
/// that matches none: what the selector was probably meant to select, and
/// so the only pods worth quoting. With a Deployment named like the
/// Service, its pods (they carry its template's labels); otherwise the pods
/// that score best, each selector key counting 2 when the pod has its value
/// and 1 when the pod's value, or a label key with the selector's value, is
/// a typo away, and a label valued like the Service's name 1 more (the
/// Service is usually named after the app it fronts). Pods of other apps
/// that only share a key (`app`) score nothing and are not quoted.
fn near_misses(
    selector: &Map<String, Value>,
    service: &str,
    same_named_deployment: Option<&Value>,
    pods: Vec<LabelledPod>,
) -> Vec<LabelledPod> {
    let template_labels = same_named_deployment
        .and_then(|deployment| deployment.pointer("/spec/template/metadata/labels"))
        .and_then(Value::as_object)
        .filter(|labels| !labels.is_empty());
    if let Some(template_labels) = template_labels {
        let own: Vec<_> = pods
            .iter()
            .filter(|(_, labels)| {
                template_labels
                    .iter()
                    .all(|(key, value)| value.as_str() == labels.get(key).map(String::as_str))
            })
            .take(MAX_NEAR_PODS)
            .cloned()
            .collect();
        if !own.is_empty() {
            return own;
        }
    }
    let score = |labels: &BTreeMap<String, String>| -> usize {
        let by_key: usize = selector
            .iter()
            .map(|(key, wanted)| {
                let wanted = wanted.as_str().unwrap_or_default();
                match labels.get(key) {
                    Some(value) if value == wanted => 2,
                    Some(value) if is_close(wanted, value) => 1,
                    _ if labels
                        .iter()
                        .any(|(other, value)| value == wanted && is_close(key, other)) =>
                    {
                        1
                    }
                    _ => 0,
                }
            })
            .sum();
        let named = labels.values().any(|value| is_close(service, value));
        by_key + usize::from(named && by_key > 0)
    };
    let scored: Vec<(usize, LabelledPod)> =
        pods.into_iter().map(|pod| (score(&pod.1), pod)).collect();
    let best = scored.iter().map(|(score, _)| *score).max().unwrap_or(0);
    scored
        .into_iter()
        .filter(|(score, _)| best > 0 && *score == best)
        .map(|(_, pod)| pod)
        .take(MAX_NEAR_PODS)
        .collect()
}

/// Whether a NetworkPolicy isolates a pod with these labels for ingress.
fn isolates_for_ingress(policy: &Value, labels: &BTreeMap<String, String>) -> bool {
    netpol::isolates(policy, netpol::Direction::Ingress, labels)
}

/// The NetworkPolicies of `namespace` that close a pod with these labels
/// to all ingress: they isolate it and not one of them has an ingress rule
/// (a deny-all policy with no companion admitting anything). Empty when the
/// pod is not isolated or some isolating policy admits something.
pub fn closing_policies<'a>(
    policies: &'a [Value],
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Vec<&'a Value> {
    let isolating: Vec<&Value> = policies
        .iter()
        .filter(|policy| text(policy, "/metadata/namespace") == namespace)
        .filter(|policy| isolates_for_ingress(policy, labels))
        .collect();
    let admits_some = isolating.iter().any(|policy| {
        policy
            .pointer("/spec/ingress")
            .and_then(Value::as_array)
            .is_some_and(|rules| !rules.is_empty())
    });
    if admits_some { Vec::new() } else { isolating }
}

/// A NetworkPolicy peer (`from` entry) as a person reads it.
pub(crate) fn peer_text(peer: &Value, namespace: &str) -> String {
    let selector_text = |selector: &Value| {
        let mut parts: Vec<String> = selector["matchLabels"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
            .collect();
        parts.extend(
            selector["matchExpressions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|expression| {
                    format!(
                        "{} {} {}",
                        expression["key"].as_str().unwrap_or_default(),
                        expression["operator"].as_str().unwrap_or_default(),
                        expression["values"]
                    )
                }),
        );
        if parts.is_empty() {
            "any".to_owned()
        } else {
            parts.join(",")
        }
    };
    if let Some(block) = peer.get("ipBlock") {
        return format!("addresses {}", block["cidr"].as_str().unwrap_or_default());
    }
    match (peer.get("podSelector"), peer.get("namespaceSelector")) {
        (Some(pods), Some(namespaces)) => format!(
            "pods {} in namespaces {}",
            selector_text(pods),
            selector_text(namespaces)
        ),
        (Some(pods), None) => format!("pods {} in {namespace}", selector_text(pods)),
        (None, Some(namespaces)) => format!("namespaces {}", selector_text(namespaces)),
        (None, None) => "anywhere".to_owned(),
    }
}

/// What the NetworkPolicies isolating a Service's pods do to it: for each
/// policy an evidence line, and the sources admitted on the container
/// port the Service's first port sends to (`None`: no rule admits that
/// port, every connection is dropped).
fn policy_reading(facts: &ServiceFacts, pod: &Value) -> (Vec<Evidence>, Option<Vec<String>>) {
    let namespace = text(&facts.service, "/metadata/namespace");
    let first_port = facts.service.pointer("/spec/ports/0");
    let protocol = first_port
        .and_then(|port| port["protocol"].as_str())
        .unwrap_or("TCP");
    let target = first_port
        .and_then(|port| port.get("targetPort").or_else(|| port.get("port")))
        .cloned()
        .unwrap_or(Value::Null);
    let declared = declared_ports(pod);
    let (number, name) = match &target {
        Value::String(port_name) => (
            declared
                .iter()
                .find(|(declared_name, _)| declared_name == port_name)
                .map_or(0, |(_, number)| *number),
            port_name.clone(),
        ),
        other => {
            let number = other.as_u64().unwrap_or(0);
            let name = declared
                .iter()
                .find(|(_, declared_number)| *declared_number == number)
                .map(|(declared_name, _)| declared_name.clone())
                .unwrap_or_default();
            (number, name)
        }
    };
    let mut evidence = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    let mut admitted = false;
    for policy in &facts.policies {
        let policy_name = text(policy, "/metadata/name");
        let rules: Vec<&Value> = policy
            .pointer("/spec/ingress")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        let mut said = Vec::new();
        for rule in &rules {
            let peers: Vec<String> = rule["from"]
                .as_array()
                .filter(|from| !from.is_empty())
                .map(|from| from.iter().map(|peer| peer_text(peer, namespace)).collect())
                .unwrap_or_else(|| vec!["anywhere".to_owned()]);
            let ports: Vec<String> = rule["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|port| match &port["port"] {
                    Value::Null => "all ports".to_owned(),
                    Value::String(port_name) => port_name.clone(),
                    other => other.to_string(),
                })
                .collect();
            said.push(format!(
                "from {} on {}",
                peers.join(" or "),
                if ports.is_empty() {
                    "all ports".to_owned()
                } else {
                    format!("port {}", ports.join(", "))
                }
            ));
            let port = netpol::Port {
                // A declared port beyond 65535 is invalid: the API refuses it.
                number: u16::try_from(number).unwrap_or_default(),
                name: &name,
                protocol,
            };
            if netpol::rule_admits_port(rule, port) {
                admitted = true;
                sources.extend(peers);
            }
        }
        evidence.push(Evidence::new(
            format!("NetworkPolicy {namespace}/{policy_name}"),
            format!(
                "isolates pod {} for ingress; admits {}",
                text(pod, "/metadata/name"),
                if said.is_empty() {
                    "nothing (no ingress rule)".to_owned()
                } else {
                    said.join("; ")
                }
            ),
        ));
    }
    sources.sort();
    sources.dedup();
    (evidence, admitted.then_some(sources))
}

/// The ready and not-ready addresses of an Endpoints object.
fn addresses(endpoints: Option<&Value>) -> (usize, usize) {
    let subsets = endpoints
        .and_then(|endpoints| endpoints.get("subsets"))
        .and_then(Value::as_array);
    let count = |field: &str| {
        subsets
            .into_iter()
            .flatten()
            .map(|subset| subset[field].as_array().map_or(0, Vec::len))
            .sum()
    };
    (count("addresses"), count("notReadyAddresses"))
}

/// Ports as a person reads them: `http 8080`, or `8080` when unnamed.
pub(super) fn ports_shown(ports: &[(String, u64)]) -> Vec<String> {
    ports
        .iter()
        .map(|(port_name, number)| {
            if port_name.is_empty() {
                number.to_string()
            } else {
                format!("{port_name} {number}")
            }
        })
        .collect()
}

/// The ports a pod's containers declare, as (name, number).
fn declared_ports(pod: &Value) -> Vec<(String, u64)> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|container| container["ports"].as_array().into_iter().flatten())
        .filter_map(|port| {
            Some((
                port["name"].as_str().unwrap_or_default().to_string(),
                port["containerPort"].as_u64()?,
            ))
        })
        .collect()
}

/// A Service port whose target no selected pod declares, as (index in
/// `spec.ports`, the target), when the pods declare their ports at all.
fn unmatched_target(service: &Value, pod: &Value) -> Option<(usize, Value)> {
    let declared = declared_ports(pod);
    if declared.is_empty() {
        return None;
    }
    service
        .pointer("/spec/ports")
        .and_then(Value::as_array)?
        .iter()
        .enumerate()
        .find_map(|(index, port)| {
            let target = port.get("targetPort").or_else(|| port.get("port"))?.clone();
            let matches = match &target {
                Value::Number(number) => declared
                    .iter()
                    .any(|(_, declared)| Some(*declared) == number.as_u64()),
                Value::String(name) => declared.iter().any(|(declared, _)| declared == name),
                _ => true,
            };
            (!matches).then_some((index, target))
        })
}

fn ports_text(service: &Value) -> String {
    service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|port| {
            let target = port.get("targetPort").unwrap_or(&port["port"]);
            format!(
                "{}→{}",
                port["port"],
                target
                    .as_str()
                    .map_or_else(|| target.to_string(), str::to_string)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Service's verdict from what was read.
pub fn conclude(facts: &ServiceFacts) -> ServiceVerdict {
    let service = &facts.service;
    let name = text(service, "/metadata/name").to_string();
    let namespace = text(service, "/metadata/namespace").to_string();
    let selector = service
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let selector_shown = selector_text(&selector);
    let (ready, not_ready) = addresses(facts.endpoints.as_ref());
    let mut evidence = vec![
        Evidence::new(
            format!("Service {namespace}/{name}"),
            format!("selector {selector_shown}, ports {}", ports_text(service)),
        ),
        Evidence::new(
            format!("Endpoints {namespace}/{name}"),
            match facts.endpoints {
                None => "does not exist".to_string(),
                Some(_) if ready + not_ready == 0 => "no addresses (<none>)".to_string(),
                Some(_) => format!("{ready} ready addresses, {not_ready} not ready"),
            },
        ),
        Evidence::new(
            format!("resources_list Pod in {namespace} with labelSelector {selector_shown}"),
            format!("{} pods match", facts.selected_count),
        ),
    ];
    let subject = ObjectRef::namespaced("v1", "Service", &name, &namespace);
    let finish = |cause, summary: String, evidence, proposal, next_steps| {
        ServiceVerdict::Broken(Box::new(Diagnosis::new(
            subject.clone(),
            cause,
            summary,
            evidence,
            proposal,
            next_steps,
        )))
    };
    if facts.selected_count == 0 {
        for (pod, labels) in &facts.near {
            let shown: Vec<String> = selector
                .keys()
                .map(|key| format!("{key}={}", labels.get(key).map_or("(none)", String::as_str)))
                .collect();
            evidence.push(Evidence::new(
                format!("pod {namespace}/{pod} labels"),
                shown.join(","),
            ));
        }
        let proposal = facts.same_named_deployment.as_ref().and_then(|deployment| {
            let labels = deployment
                .pointer("/spec/template/metadata/labels")
                .and_then(Value::as_object)?;
            let fixed: Map<String, Value> = selector
                .keys()
                .map(|key| Some((key.clone(), labels.get(key)?.clone())))
                .collect::<Option<_>>()?;
            (fixed != selector).then_some(())?;
            proposal::set_service_selector(service, fixed, &format!("Deployment {name}"))
        });
        let fix = match &proposal {
            Some(change) => format!(" Proposed: {}.", change.summary),
            None if facts.near.is_empty() => {
                " No pod in the namespace has labels close to the selector's: check that the workload is deployed here, with the labels the Service selects.".to_string()
            }
            None => " Make the selector and the pod template's labels agree (kubeop proposes no change when no workload named like the Service shows which labels are right).".to_string(),
        };
        let summary = format!(
            "Service {name} has no endpoints: its selector {selector_shown} matches no pod in namespace {namespace}, so connections to it are refused (an ingress or gateway in front answers 503).{fix}"
        );
        return finish(
            Cause::ServiceWithoutEndpoints,
            summary,
            evidence,
            proposal,
            vec![format!("list pods in {namespace}")],
        );
    }
    let states: Vec<(String, String)> = facts
        .selected
        .iter()
        .map(|pod| {
            let state = PodState::read(pod);
            let found = symptom(&state);
            (state.name, found.short())
        })
        .collect();
    if ready == 0 {
        for (pod, short) in &states {
            evidence.push(Evidence::new(
                format!("pod {namespace}/{pod}"),
                short.clone(),
            ));
        }
        let listed: Vec<String> = states
            .iter()
            .map(|(pod, short)| format!("{pod} ({short})"))
            .collect();
        let summary = format!(
            "Service {name} has no ready endpoints: the {} pods its selector {selector_shown} matches are not ready ({}), so it has nothing to send traffic to (an ingress or gateway in front answers 503).",
            facts.selected_count,
            listed.join(", ")
        );
        let next_steps = states
            .iter()
            .take(1)
            .map(|(pod, _)| format!("why is pod {pod} failing in {namespace}"))
            .collect();
        return finish(
            Cause::ServiceWithoutEndpoints,
            summary,
            evidence,
            None,
            next_steps,
        );
    }
    if let Some(pod) = facts.selected.first()
        && let Some((index, target)) = unmatched_target(service, pod)
    {
        let declared = declared_ports(pod);
        let declared_text = ports_shown(&declared);
        let pod_name = text(pod, "/metadata/name");
        evidence.push(Evidence::new(
            format!("spec of pod {namespace}/{pod_name}"),
            format!("container ports: {}", declared_text.join(", ")),
        ));
        let target_text = target
            .as_str()
            .map_or_else(|| target.to_string(), str::to_string);
        let proposal = match declared.as_slice() {
            [(_, only)] => proposal::set_service_target_port(service, index, &target, *only),
            _ => None,
        };
        let fix = match &proposal {
            Some(change) => format!(" Proposed: {}.", change.summary),
            None => " Set targetPort to the port the application listens on.".to_string(),
        };
        let summary = format!(
            "Service {name} sends traffic to targetPort {target_text}, which its pods do not declare (they declare {}): connections reach the pods on a port nothing listens on.{fix}",
            declared_text.join(", ")
        );
        return finish(
            Cause::ServicePortMismatch,
            summary,
            evidence,
            proposal,
            Vec::new(),
        );
    }
    if let Some(pod) = facts.selected.first()
        && !facts.policies.is_empty()
    {
        let (policy_evidence, admitted) = policy_reading(facts, pod);
        evidence.extend(policy_evidence);
        let policies: Vec<&str> = facts
            .policies
            .iter()
            .map(|policy| text(policy, "/metadata/name"))
            .collect();
        match admitted {
            None => {
                let summary = format!(
                    "Service {name} has {ready} ready endpoints, but NetworkPolicy {} isolates its pods for ingress and no rule admits traffic to the port it sends to: every connection to {name} is dropped, and clients time out. kubeop proposes no change to a network policy (a security decision): add an ingress rule admitting the clients that should reach {name}, or remove the policy if it was applied by mistake.",
                    policies.join(", ")
                );
                let next_steps = policies
                    .iter()
                    .map(|policy| format!("describe networkpolicy {policy} in {namespace}"))
                    .collect();
                return finish(
                    Cause::NetworkPolicyBlocksIngress,
                    summary,
                    evidence,
                    None,
                    next_steps,
                );
            }
            Some(sources) if !sources.iter().any(|source| source == "anywhere") => {
                evidence.push(Evidence::new(
                    format!("NetworkPolicy {namespace}/{}", policies.join(", ")),
                    format!(
                        "only {} may connect; other clients time out",
                        sources.join(" or ")
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    ServiceVerdict::Routes(evidence)
}

/// The Service asked about by name, as a diagnosis of its own: what
/// [`conclude`] found wrong, or that it routes (nothing failing).
pub fn verdict(facts: &ServiceFacts) -> Diagnosis {
    match conclude(facts) {
        ServiceVerdict::Broken(broken) => *broken,
        ServiceVerdict::Routes(evidence) => {
            let name = text(&facts.service, "/metadata/name");
            let namespace = text(&facts.service, "/metadata/namespace");
            let (ready, _) = addresses(facts.endpoints.as_ref());
            Diagnosis::new(
                ObjectRef::namespaced("v1", "Service", name, namespace),
                Cause::NoFailureFound,
                format!(
                    "Service {name} routes: its selector matches {} pods, {ready} ready addresses, on ports they declare. If clients still fail, test the connection from a pod (\"can a pod reach {name} on PORT in {namespace}\").",
                    facts.selected_count
                ),
                evidence,
                None,
                Vec::new(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(selector: Value, target_port: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "checkout", "namespace": "shop"},
               "spec": {"selector": selector, "ports": [{"port": 80, "targetPort": target_port}]}})
    }

    fn pod(name: &str, ready: bool) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "shop"},
               "spec": {"nodeName": "node-a", "containers": [{"name": "app", "image": "checkout:1",
                        "ports": [{"name": "http", "containerPort": 8080}]}]},
               "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": ready,
                          "restartCount": 0, "state": {"running": {}}}]}})
    }

    fn broken(verdict: ServiceVerdict) -> Diagnosis {
        match verdict {
            ServiceVerdict::Broken(diagnosis) => *diagnosis,
            ServiceVerdict::Routes(evidence) => panic!("expected a broken Service: {evidence:?}"),
        }
    }

    #[test]
    fn a_selector_that_matches_no_pod_proposes_the_deployments_labels() {
        let facts = ServiceFacts {
            service: service(json!({"app": "checkout", "tier": "web"}), json!(8080)),
            endpoints: Some(json!({"subsets": []})),
            near: vec![(
                "checkout-7d4b9-x2x".into(),
                labels("app=checkout,pod-template-hash=7d4b9,tier=frontend"),
            )],
            same_named_deployment: Some(
                json!({"spec": {"template": {"metadata": {"labels": {"app": "checkout", "tier": "frontend"}}}}}),
            ),
            ..ServiceFacts::default()
        };
        let diagnosis = broken(conclude(&facts));
        assert_eq!(diagnosis.cause, Cause::ServiceWithoutEndpoints);
        let quotes: Vec<String> = diagnosis
            .evidence
            .iter()
            .map(|e| format!("[{}] {}", e.source, e.quote))
            .collect();
        assert!(
            quotes.contains(&"[Endpoints shop/checkout] no addresses (<none>)".to_string()),
            "{quotes:?}"
        );
        assert!(
            quotes.contains(
                &"[pod shop/checkout-7d4b9-x2x labels] app=checkout,tier=frontend".to_string()
            ),
            "{quotes:?}"
        );
        assert!(
            diagnosis
                .summary
                .contains("its selector app=checkout,tier=web matches no pod")
        );
        let proposal = diagnosis.proposal.expect("the Deployment's labels");
        assert_eq!(proposal.current, "selector app=checkout,tier=web");
        assert_eq!(proposal.desired, "selector app=checkout,tier=frontend");
        assert_eq!(
            proposal.manifest["spec"]["selector"],
            json!({"app": "checkout", "tier": "frontend"})
        );
    }

    #[test]
    fn only_the_pods_a_selector_nearly_matches_are_near_misses() {
        let pods = || {
            vec![
                (
                    "checkout-7d4b9-x2x".to_owned(),
                    labels("app=checkout,pod-template-hash=7d4b9,tier=frontend"),
                ),
                (
                    "payments-5c6d7-a1a".to_owned(),
                    labels("app=payments,pod-template-hash=5c6d7,tier=web"),
                ),
                (
                    "cart-8e9f0-b2b".to_owned(),
                    labels("app=cart,pod-template-hash=8e9f0,tier=backend"),
                ),
            ]
        };
        let names = |near: Vec<LabelledPod>| -> Vec<String> {
            near.into_iter().map(|(name, _)| name).collect()
        };
        let selector = |value: Value| value.as_object().cloned().expect("a selector");
        // One key matches, the other is wrong: the app's pods, not another
        // app's that shares the wrong value, nor one that shares only a key.
        let two_keys = selector(json!({"app": "checkout", "tier": "web"}));
        assert_eq!(
            names(near_misses(&two_keys, "checkout", None, pods())),
            ["checkout-7d4b9-x2x"]
        );
        // A typo in the value, or in the key.
        let typo = selector(json!({"app": "chekout"}));
        assert_eq!(
            names(near_misses(&typo, "checkout", None, pods())),
            ["checkout-7d4b9-x2x"]
        );
        let key_typo = selector(json!({"ap": "cart"}));
        assert_eq!(
            names(near_misses(&key_typo, "cart", None, pods())),
            ["cart-8e9f0-b2b"]
        );
        // The Deployment named like the Service says which pods are meant.
        let deployment = json!({"spec": {"template": {"metadata": {"labels": {"app": "payments", "tier": "web"}}}}});
        assert_eq!(
            names(near_misses(
                &selector(json!({"app": "payment"})),
                "payments",
                Some(&deployment),
                pods()
            )),
            ["payments-5c6d7-a1a"]
        );
        // Nothing close: nobody is quoted.
        let unrelated = selector(json!({"app": "search"}));
        assert!(near_misses(&unrelated, "search", None, pods()).is_empty());
    }

    #[test]
    fn unready_pods_leave_a_service_without_ready_endpoints() {
        let facts = ServiceFacts {
            service: service(json!({"app": "checkout"}), json!(8080)),
            endpoints: Some(json!({"subsets": [{"notReadyAddresses": [{"ip": "10.244.1.5"}]}]})),
            selected_count: 1,
            selected: vec![pod("checkout-1", false)],
            ..ServiceFacts::default()
        };
        let diagnosis = broken(conclude(&facts));
        assert_eq!(diagnosis.cause, Cause::ServiceWithoutEndpoints);
        assert!(
            diagnosis
                .summary
                .contains("checkout-1 (running, container app not ready)"),
            "{}",
            diagnosis.summary
        );
        assert!(diagnosis.proposal.is_none());
    }

    #[test]
    fn a_target_port_the_pods_do_not_declare_proposes_the_declared_one() {
        let facts = ServiceFacts {
            service: service(json!({"app": "checkout"}), json!(9090)),
            endpoints: Some(json!({"subsets": [{"addresses": [{"ip": "10.244.1.5"}]}]})),
            selected_count: 1,
            selected: vec![pod("checkout-1", true)],
            ..ServiceFacts::default()
        };
        let diagnosis = broken(conclude(&facts));
        assert_eq!(diagnosis.cause, Cause::ServicePortMismatch);
        let proposal = diagnosis.proposal.expect("the declared port");
        assert_eq!(proposal.desired, "targetPort 8080");
        assert_eq!(proposal.manifest["spec"]["ports"][0]["targetPort"], 8080);
        let fine = ServiceFacts {
            service: service(json!({"app": "checkout"}), json!("http")),
            ..facts
        };
        assert!(matches!(conclude(&fine), ServiceVerdict::Routes(_)));
    }

    #[test]
    fn a_network_policy_that_admits_nothing_on_the_target_port_blocks_the_service() {
        let policy = |name: &str, ingress: Option<Value>| {
            let mut policy = json!({"metadata": {"name": name, "namespace": "shop"},
                "spec": {"podSelector": {"matchLabels": {"app": "checkout"}}, "policyTypes": ["Ingress"]}});
            if let Some(ingress) = ingress {
                policy["spec"]["ingress"] = ingress;
            }
            policy
        };
        let facts = |policies: Vec<Value>| ServiceFacts {
            service: service(json!({"app": "checkout"}), json!("http")),
            endpoints: Some(json!({"subsets": [{"addresses": [{"ip": "10.244.1.5"}]}]})),
            selected_count: 1,
            selected: vec![pod("checkout-1", true)],
            policies,
            ..ServiceFacts::default()
        };
        let quotes = |evidence: &[Evidence]| -> String {
            evidence
                .iter()
                .map(|line| format!("[{}] {}", line.source, line.quote))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let denied = broken(conclude(&facts(vec![policy("lockdown", None)])));
        assert_eq!(denied.cause, Cause::NetworkPolicyBlocksIngress);
        assert!(
            denied.summary.contains(
                "NetworkPolicy lockdown isolates its pods for ingress and no rule admits traffic"
            ),
            "{}",
            denied.summary
        );
        assert!(
            quotes(&denied.evidence).contains(
                "[NetworkPolicy shop/lockdown] isolates pod checkout-1 for ingress; admits nothing (no ingress rule)"
            ),
            "{}",
            quotes(&denied.evidence)
        );
        // A rule for another port admits nothing on the Service's.
        let metrics_only = policy("metrics", Some(json!([{"ports": [{"port": 9090}]}])));
        assert_eq!(
            broken(conclude(&facts(vec![metrics_only.clone()]))).cause,
            Cause::NetworkPolicyBlocksIngress
        );
        // Policies add up: another one admitting the frontend on the port
        // (by its name) lets the frontend through, and only it.
        let frontend = policy(
            "from-frontend",
            Some(
                json!([{"from": [{"podSelector": {"matchLabels": {"app": "frontend"}}}],
                         "ports": [{"protocol": "TCP", "port": "http"}]}]),
            ),
        );
        let ServiceVerdict::Routes(evidence) = conclude(&facts(vec![metrics_only, frontend]))
        else {
            panic!("the frontend is admitted");
        };
        assert!(
            quotes(&evidence).contains("only pods app=frontend in shop may connect"),
            "{}",
            quotes(&evidence)
        );
        // A policy that does not select the pod isolates nothing.
        let other = json!({"spec": {"podSelector": {"matchLabels": {"app": "cart"}}}});
        assert!(!isolates_for_ingress(&other, &labels("app=checkout")));
        let everything = json!({"spec": {"podSelector": {}}});
        assert!(isolates_for_ingress(&everything, &labels("app=checkout")));
        let egress_only = json!({"spec": {"podSelector": {}, "policyTypes": ["Egress"]}});
        assert!(!isolates_for_ingress(&egress_only, &labels("app=checkout")));
    }
}
