//! A Service exposing a workload ("expose deployment nginx --port 80",
//! "create a service for web on port 8080"), built as `kubectl expose`
//! builds it from the live object: its selector is the workload's own
//! (`spec.selector.matchLabels`, a subset of its pod-template labels that
//! every pod of it carries; a pod's labels for a pod), its ports the
//! request's, with the target port read from the containers when the
//! request leaves it open. Verified by the Service having ready endpoints.

use classifier::SELECTOR_OF_PLACEHOLDER_PREFIX;
use serde_json::{Map, Value, json};

use super::{Subject, creation, fetch, missing, other_workload_kind};
use crate::cluster::Fetched;
use crate::coordinator::Pipeline;
use crate::error::WorkflowError;
use crate::plan::Planned;
use crate::response::{Clarify, Response};
use crate::verify::label_selector;

/// The workload (kind, name) whose pods the Service in `manifest` is to
/// select: its selector is the classifier's placeholder.
pub(super) fn requested(manifest: &Value) -> Option<(String, String)> {
    let placeholder = manifest.pointer("/spec/selector")?.as_str()?;
    let (kind, name) = placeholder
        .strip_prefix(SELECTOR_OF_PLACEHOLDER_PREFIX)?
        .strip_suffix('}')?
        .split_once('/')?;
    Some((kind.to_owned(), name.to_owned()))
}

/// The API version of a kind a Service may expose.
pub(super) fn api_version(kind: &str) -> &'static str {
    if kind == "Pod" { "v1" } else { "apps/v1" }
}

/// The workload a Service is to expose, as a subject in the Service's
/// namespace and context.
fn workload(service: &Subject, (kind, name): &(String, String)) -> Subject {
    Subject {
        api_version: api_version(kind).to_owned(),
        kind: kind.clone(),
        name: name.clone(),
        ..service.clone()
    }
}

/// Plans Service `service` (the request's `manifest`) selecting the pods
/// of `exposed`; the kinds in `instead` are tried when there is no object
/// of its kind (the request named none). A question when the workload is
/// not there, the Service name is taken, or no port is known.
pub(super) async fn plan(
    pipeline: &Pipeline,
    service: &Subject,
    manifest: &Value,
    exposed: &(String, String),
    instead: &[&str],
    inferred: &mut Vec<String>,
) -> Result<Result<Planned, Response>, WorkflowError> {
    let mut target = workload(service, exposed);
    let live = match fetch(pipeline, &target).await? {
        Fetched::Found(live) => live,
        Fetched::Missing(_) => {
            match other_workload_kind(pipeline, &target, instead, inferred).await? {
                Some((other, live)) => {
                    target = other;
                    live
                }
                None => return Ok(Err(missing(pipeline, &target).await?)),
            }
        }
    };
    let what = format!("{}/{}", target.kind.to_lowercase(), target.name);
    if let Fetched::Found(existing) = fetch(pipeline, service).await? {
        return Ok(Err(Response::Clarify(Clarify {
            question: format!(
                "service/{}{} already exists (selecting {}). Name the new one: \"expose {} {} --name NAME\".",
                service.name,
                service.place(),
                selector_text(existing.pointer("/spec/selector")),
                target.kind.to_lowercase(),
                target.name
            ),
            missing: vec!["name".to_owned()],
            candidates: vec![format!("{}-svc", service.name)],
        })));
    }
    let selector = if target.kind == "Pod" {
        live.pointer("/metadata/labels").cloned()
    } else {
        live.pointer("/spec/selector/matchLabels").cloned()
    }
    .filter(|labels| labels.as_object().is_some_and(|labels| !labels.is_empty()));
    let Some(selector) = selector else {
        return Ok(Err(Response::Clarify(Clarify {
            question: format!(
                "{what}{} has no labels to select its pods by, so a Service cannot find them. Label its pods first, or paste the Service manifest.",
                target.place()
            ),
            missing: vec!["resource".to_owned()],
            candidates: Vec::new(),
        })));
    };
    let container_ports = container_ports(&live, &target.kind);
    let asked_port = manifest
        .pointer("/spec/ports/0/port")
        .and_then(Value::as_u64);
    let asked_target = manifest
        .pointer("/spec/ports/0/targetPort")
        .and_then(Value::as_u64);
    let (ports, ports_said) = match asked_port {
        Some(port) => {
            let (target_port, why) = match asked_target {
                Some(target_port) => (target_port, "asked".to_owned()),
                None => target_for(port, &container_ports),
            };
            (
                vec![
                    json!({"name": null, "port": port, "targetPort": target_port, "protocol": "TCP"}),
                ],
                format!("port {port} → targetPort {target_port} ({why})"),
            )
        }
        None if container_ports.is_empty() => {
            return Ok(Err(Response::Clarify(Clarify {
                question: format!(
                    "{what}{} declares no container port. Which port should the Service serve on? Say \"expose {what} --port N\" (and --target-port if its pods listen elsewhere).",
                    target.place()
                ),
                missing: vec!["resource".to_owned()],
                candidates: Vec::new(),
            })));
        }
        None => (
            container_ports
                .iter()
                .map(|port| {
                    json!({"name": port.name, "port": port.number,
                           "targetPort": port.number, "protocol": port.protocol})
                })
                .collect(),
            format!(
                "the containers' ports {} (the request names none)",
                container_ports
                    .iter()
                    .map(|port| format!("{}/{}", port.number, port.protocol))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    };
    // One port needs no name; several do (the API refuses them unnamed).
    let ports: Vec<Value> = ports
        .into_iter()
        .map(|mut port| {
            if let Some(fields) = port.as_object_mut()
                && fields.get("name").is_none_or(Value::is_null)
            {
                fields.remove("name");
            }
            port
        })
        .collect();
    let mut spec = Map::new();
    spec.insert("selector".into(), selector.clone());
    spec.insert("ports".into(), Value::Array(ports));
    if let Some(service_type) = manifest.pointer("/spec/type") {
        spec.insert("type".into(), service_type.clone());
    }
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(service.name));
    if let Some(namespace) = &service.namespace {
        metadata.insert("namespace".into(), json!(namespace));
    }
    if let Some(labels) = live.pointer("/metadata/labels") {
        metadata.insert("labels".into(), labels.clone());
    }
    let built = json!({"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec});
    let pods = match label_selector(&json!({"spec": {"selector": {"matchLabels": selector}}})) {
        Some(selector) => pipeline
            .cluster
            .list(
                &service.context,
                "v1",
                "Pod",
                service.namespace.as_deref(),
                Some(&selector),
            )
            .await?
            .len(),
        None => 0,
    };
    let planned = creation(pipeline, service, &built).await?;
    let Planned::Change(mut draft) = planned else {
        return Ok(Ok(planned));
    };
    draft.warnings.insert(
        0,
        format!(
            "Creates service/{}{} for {what}, as `kubectl expose` would: it selects {} ({}; {pods} pod{} carry those labels now), {ports_said}. Verified once it has a ready endpoint.",
            service.name,
            service.place(),
            selector_text(Some(&selector)),
            if target.kind == "Pod" {
                "the pod's labels"
            } else {
                "the workload's own selector"
            },
            if pods == 1 { "" } else { "s" },
        ),
    );
    if pods == 0 {
        draft.warnings.push(format!(
            "No pod carries those labels now: the Service will have no endpoints until {what} runs pods."
        ));
    }
    Ok(Ok(Planned::Change(draft)))
}

/// `app=web, tier=front`, or `nothing` for no selector.
fn selector_text(selector: Option<&Value>) -> String {
    selector
        .and_then(Value::as_object)
        .filter(|labels| !labels.is_empty())
        .map_or_else(
            || "nothing".to_owned(),
            |labels| {
                labels
                    .iter()
                    .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        )
}

/// A port a container declares.
#[derive(Debug, Clone, PartialEq)]
struct ContainerPort {
    name: Option<String>,
    number: u64,
    protocol: String,
}

/// The ports the containers of `live` (a workload's template, or a pod) declare.
fn container_ports(live: &Value, kind: &str) -> Vec<ContainerPort> {
    let containers = if kind == "Pod" {
        "/spec/containers"
    } else {
        "/spec/template/spec/containers"
    };
    live.pointer(containers)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|container| {
            container
                .get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(|port| {
            Some(ContainerPort {
                name: port.get("name").and_then(Value::as_str).map(str::to_owned),
                number: port.get("containerPort")?.as_u64()?,
                protocol: port
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP")
                    .to_owned(),
            })
        })
        .collect()
}

/// The pods' port a Service port asked without a target goes to, and why:
/// the port itself when a container declares it (or none declares any, as
/// `kubectl expose` defaults), else the one port the containers declare.
fn target_for(port: u64, declared: &[ContainerPort]) -> (u64, String) {
    match declared {
        [] => (
            port,
            "the same port: its containers declare none".to_owned(),
        ),
        _ if declared.iter().any(|declared| declared.number == port) => {
            (port, "a container listens on it".to_owned())
        }
        [only] => (
            only.number,
            format!("the one port its containers declare, since none declares {port}"),
        ),
        several => (
            port,
            format!(
                "the same port, though its containers declare {} and not {port}: say --target-port if they listen elsewhere",
                several
                    .iter()
                    .map(|declared| declared.number.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(number: u64) -> ContainerPort {
        ContainerPort {
            name: None,
            number,
            protocol: "TCP".to_owned(),
        }
    }

    #[test]
    fn the_placeholder_names_the_workload() {
        let manifest = json!({"spec": {"selector": "${SELECTOR_OF:Deployment/nginx}"}});
        assert_eq!(
            requested(&manifest),
            Some(("Deployment".to_owned(), "nginx".to_owned()))
        );
        assert_eq!(
            requested(&json!({"spec": {"selector": {"app": "web"}}})),
            None
        );
    }

    #[test]
    fn a_port_without_target_goes_where_the_containers_listen() {
        assert_eq!(target_for(80, &[port(8080)]).0, 8080);
        assert_eq!(target_for(8080, &[port(8080), port(9090)]).0, 8080);
        assert_eq!(target_for(80, &[]).0, 80);
        let (target, why) = target_for(80, &[port(8080), port(9090)]);
        assert_eq!(target, 80);
        assert!(why.contains("8080, 9090"), "{why}");
    }
}
