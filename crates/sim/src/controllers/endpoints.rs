//! The endpoints and EndpointSlice controllers: for every Service with a
//! selector, the `v1` Endpoints of the same name and one
//! `discovery.k8s.io/v1` EndpointSlice, listing the pods the selector matches.
//!
//! This is what `kubectl get endpoints`, `kubectl describe service` and any
//! "why does my Service not reach its pods" diagnosis read: a pod is a ready
//! address only while it has an IP, is Ready and is not terminating; a
//! Service whose selector matches nothing has an Endpoints object with no
//! subsets (`<none>`). Services without a selector are left alone, since
//! their Endpoints are written by hand, as on a real cluster.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::workloads::{is_deleting, name, namespace, not_deleting, uid};
use super::{Action, Kind, Snapshot, pod_is_finished, pod_is_ready, text};
use crate::clock::rfc3339;
use crate::fingerprint::safe_suffix;
use crate::meta::controller_reference;
use crate::selector::LabelSelector;

/// The label marking Endpoints this controller maintains (so it removes
/// them with their Service, and never touches hand-written ones).
pub const ENDPOINTS_MANAGED_BY_LABEL: &str = "endpoints.kubernetes.io/managed-by";

/// The value of [`ENDPOINTS_MANAGED_BY_LABEL`].
const ENDPOINTS_MANAGER: &str = "endpoint-controller";

/// The label tying an EndpointSlice to its Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// The label naming who manages an EndpointSlice.
const SLICE_MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";

/// The value of [`SLICE_MANAGED_BY_LABEL`].
const SLICE_MANAGER: &str = "endpointslice-controller.k8s.io";

/// The Service's selector; None when it has none (or is ExternalName).
fn selector(service: &Value) -> Option<LabelSelector> {
    if text(service, "/spec/type") == "ExternalName" {
        return None;
    }
    let selector = LabelSelector::from_map(service.pointer("/spec/selector")?);
    (!selector.is_empty()).then_some(selector)
}

/// A Service port resolved against one pod: its `targetPort` as a number
/// (a named one is looked up in the pod's container ports); None when the
/// pod has no port of that name, so it cannot serve this port.
fn resolved_port(service_port: &Value, pod: &Value) -> Option<Value> {
    let number = match service_port.get("targetPort") {
        Some(Value::Number(number)) => number.as_u64()?,
        Some(Value::String(port_name)) => pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)?
            .iter()
            .flat_map(|container| container["ports"].as_array().into_iter().flatten())
            .find(|port| port["name"] == *port_name.as_str())
            .and_then(|port| port["containerPort"].as_u64())?,
        _ => service_port.get("port").and_then(Value::as_u64)?,
    };
    let mut port = json!({
        "port": number,
        "protocol": service_port.get("protocol").and_then(Value::as_str).unwrap_or("TCP"),
    });
    if let Some(port_name) = service_port
        .get("name")
        .and_then(Value::as_str)
        .filter(|port_name| !port_name.is_empty())
    {
        port["name"] = json!(port_name);
    }
    if let Some(app_protocol) = service_port.get("appProtocol") {
        port["appProtocol"] = app_protocol.clone();
    }
    Some(port)
}

fn target_reference(pod: &Value) -> Value {
    json!({"kind": "Pod", "namespace": namespace(pod), "name": name(pod), "uid": uid(pod)})
}

/// One selected pod, as both objects list it.
struct Member<'a> {
    pod: &'a Value,
    ip: &'a str,
    ready: bool,
    terminating: bool,
    ports: Vec<Value>,
}

/// The pods a Service selects that have an IP, sorted by IP.
fn members<'a>(
    snapshot: &'a Snapshot,
    service: &Value,
    selector: &LabelSelector,
) -> Vec<Member<'a>> {
    let service_ports: Vec<&Value> = service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|ports| ports.iter().collect())
        .unwrap_or_default();
    let publish_not_ready = service.pointer("/spec/publishNotReadyAddresses") == Some(&json!(true));
    let mut members: Vec<Member> = snapshot
        .pods
        .iter()
        .filter(|pod| namespace(pod) == namespace(service) && selector.matches_object(pod))
        .filter(|pod| !pod_is_finished(pod))
        .filter_map(|pod| {
            let ip = text(pod, "/status/podIP");
            (!ip.is_empty()).then(|| Member {
                pod,
                ip,
                ready: publish_not_ready || pod_is_ready(pod),
                terminating: is_deleting(pod),
                ports: service_ports
                    .iter()
                    .filter_map(|port| resolved_port(port, pod))
                    .collect(),
            })
        })
        .collect();
    members.sort_by(|a, b| (a.ip, name(a.pod)).cmp(&(b.ip, name(b.pod))));
    members
}

/// `subsets` of the Endpoints: pods grouped by their resolved ports, ready
/// ones as `addresses`, the others as `notReadyAddresses`; terminating pods
/// are left out, as the real controller leaves them out.
fn subsets(members: &[Member]) -> Value {
    let mut groups: BTreeMap<String, Value> = BTreeMap::new();
    for member in members
        .iter()
        .filter(|member| !member.terminating && !member.ports.is_empty())
    {
        let key = Value::Array(member.ports.clone()).to_string();
        let subset = groups
            .entry(key)
            .or_insert_with(|| json!({"ports": member.ports}));
        let mut address = json!({"ip": member.ip, "targetRef": target_reference(member.pod)});
        let node = text(member.pod, "/spec/nodeName");
        if !node.is_empty() {
            address["nodeName"] = json!(node);
        }
        let field = if member.ready {
            "addresses"
        } else {
            "notReadyAddresses"
        };
        match subset[field].as_array_mut() {
            Some(addresses) => addresses.push(address),
            None => subset[field] = json!([address]),
        }
    }
    Value::Array(groups.into_values().collect())
}

/// The service's labels plus `extra`, as both objects carry them.
fn labels_with(service: &Value, extra: &[(&str, &str)]) -> Value {
    let mut labels = service
        .pointer("/metadata/labels")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    for (key, value) in extra {
        labels[*key] = json!(value);
    }
    labels
}

/// Creates `desired` when missing, or replaces the stored object's
/// `fields` and labels when they differ from it.
fn converge(
    kind: Kind,
    existing: Option<&Value>,
    desired: Value,
    fields: &[&str],
) -> Option<Action> {
    let Some(existing) = existing else {
        return Some(Action::Create(kind, desired));
    };
    let mut updated = existing.clone();
    updated["metadata"]["labels"] = desired["metadata"]["labels"].clone();
    for field in fields {
        match desired.get(*field) {
            Some(value) => updated[*field] = value.clone(),
            None => {
                if let Some(map) = updated.as_object_mut() {
                    map.remove(*field);
                }
            }
        }
    }
    (updated != *existing).then_some(Action::Replace(kind, updated))
}

/// The Endpoints and EndpointSlice of every Service with a selector, and the
/// removal of managed Endpoints whose Service is gone.
pub fn endpoints(snapshot: &Snapshot) -> Vec<Action> {
    let mut actions = Vec::new();
    for service in not_deleting(&snapshot.services) {
        let Some(selector) = selector(service) else {
            continue;
        };
        let members = members(snapshot, service, &selector);
        let created = rfc3339(snapshot.creation_time_for(service));

        let mut endpoints = json!({
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": name(service),
                "namespace": namespace(service),
                "labels": labels_with(service, &[(ENDPOINTS_MANAGED_BY_LABEL, ENDPOINTS_MANAGER)]),
                "creationTimestamp": created,
            },
        });
        let subsets = subsets(&members);
        if subsets
            .as_array()
            .is_some_and(|subsets| !subsets.is_empty())
        {
            endpoints["subsets"] = subsets;
        }
        let existing = snapshot.endpoints.iter().find(|object| {
            name(object) == name(service) && namespace(object) == namespace(service)
        });
        actions.extend(converge(Kind::Endpoints, existing, endpoints, &["subsets"]));

        let slice_endpoints: Vec<Value> = members
            .iter()
            .map(|member| {
                let mut endpoint = json!({
                    "addresses": [member.ip],
                    "conditions": {
                        "ready": member.ready && !member.terminating,
                        "serving": member.ready,
                        "terminating": member.terminating,
                    },
                    "targetRef": target_reference(member.pod),
                });
                let node = text(member.pod, "/spec/nodeName");
                if !node.is_empty() {
                    endpoint["nodeName"] = json!(node);
                }
                endpoint
            })
            .collect();
        // A Service without endpoints keeps a placeholder slice with neither
        // endpoints nor ports, as the real controller does.
        let slice_ports = members
            .first()
            .map_or(Value::Null, |member| Value::Array(member.ports.clone()));
        let slice_endpoints = if slice_endpoints.is_empty() {
            Value::Null
        } else {
            Value::Array(slice_endpoints)
        };
        let slice_name = format!("{}-{}", name(service), safe_suffix(&[uid(service)], 5));
        let slice = json!({
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": slice_name,
                "namespace": namespace(service),
                "generateName": format!("{}-", name(service)),
                "labels": labels_with(service, &[(SERVICE_NAME_LABEL, name(service)), (SLICE_MANAGED_BY_LABEL, SLICE_MANAGER)]),
                "ownerReferences": [controller_reference(service)],
                "creationTimestamp": created,
            },
            "addressType": "IPv4",
            "endpoints": slice_endpoints,
            "ports": slice_ports,
        });
        let existing = snapshot
            .endpoint_slices
            .iter()
            .find(|object| name(object) == slice_name && namespace(object) == namespace(service));
        actions.extend(converge(
            Kind::EndpointSlice,
            existing,
            slice,
            &["endpoints", "ports"],
        ));
    }
    for endpoints in &snapshot.endpoints {
        let managed = text(
            endpoints,
            &format!(
                "/metadata/labels/{}",
                ENDPOINTS_MANAGED_BY_LABEL.replace('/', "~1")
            ),
        ) == ENDPOINTS_MANAGER;
        let service_selects = snapshot.services.iter().any(|service| {
            name(service) == name(endpoints)
                && namespace(service) == namespace(endpoints)
                && selector(service).is_some()
        });
        if managed && !service_selects {
            actions.push(Action::Delete(
                Kind::Endpoints,
                namespace(endpoints).to_string(),
                name(endpoints).to_string(),
            ));
        }
    }
    actions
}
