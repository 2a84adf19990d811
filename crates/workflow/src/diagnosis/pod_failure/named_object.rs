//! "What is wrong with X" when X has no pods to read: a
//! PersistentVolumeClaim (Pending: a StorageClass that does not exist, no
//! volume that fits, a class that binds only for a scheduled consumer; or
//! Lost), an Ingress (a backend Service that does not exist, does not
//! expose the port the Ingress names, or reaches no ready pod), or a
//! DaemonSet no node is eligible for (its node selection matches no node,
//! or every node it selects carries a taint it does not tolerate). A Service
//! of that name that routes well is answered as such, so an object that
//! exists is never "not found".
//!
//! Finding the object costs few reads: the namespace's events (already read
//! by the steps before) name the kind of an object that had trouble, so
//! that kind is read first; the other kinds are single gets.

use serde_json::{Value, json};

use super::conclude::{selected_nodes, tolerated};
use super::service::{self, ServiceVerdict};
use super::{MAX_NODES_EXAMINED, NodeFacts, Reads, node_facts};
use crate::diagnosis::parse::{Event, count, rows};
use crate::diagnosis::proposal::set_ingress_backend_port;
use crate::diagnosis::reader::{ClusterReader, ReadTool};
use crate::diagnosis::{Cause, Diagnosis, DiagnosisError, Evidence, ObjectRef};

/// The kinds looked for here, in the order they are read when no event
/// names one.
const OTHER_KINDS: [(&str, &str); 3] = [
    ("v1", "PersistentVolumeClaim"),
    ("networking.k8s.io/v1", "Ingress"),
    ("apps/v1", "DaemonSet"),
];

/// At most this many distinct backend Services of one Ingress are read.
pub const MAX_INGRESS_BACKENDS_READ: usize = 4;

fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The events on `kind` `name`, as evidence lines.
fn event_evidence(events: &[Event], kind: &str, name: &str) -> Vec<Evidence> {
    events
        .iter()
        .filter(|event| event.object_kind == kind && event.object_name == name)
        .map(|event| {
            Evidence::new(
                format!("event on {kind} {name}"),
                format!("{} {}: {}", event.event_type, event.reason, event.message),
            )
        })
        .collect()
}

/// The PersistentVolumeClaim or Ingress `name` in `namespace`, diagnosed;
/// `None` when there is none. With `named_in_events_only`, only a kind the
/// namespace's events name an object `name` of is read (no extra get).
pub(super) async fn diagnose<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    namespace: &str,
    name: &str,
    named_in_events_only: bool,
) -> Result<Option<Diagnosis>, DiagnosisError> {
    let events = reads.events(namespace).await?;
    let named_in_events = |kind: &str| {
        events
            .iter()
            .any(|event| event.object_kind == kind && event.object_name == name)
    };
    let mut kinds: Vec<(&str, &str)> = OTHER_KINDS
        .into_iter()
        .filter(|(_, kind)| !named_in_events_only || named_in_events(kind))
        .collect();
    kinds.sort_by_key(|(_, kind)| !named_in_events(kind));
    for (api_version, kind) in kinds {
        let Some(object) = reads.get(api_version, kind, Some(namespace), name).await? else {
            continue;
        };
        let diagnosis = match kind {
            "PersistentVolumeClaim" => {
                let facts = gather_claim(reads, object, &events).await?;
                conclude_claim(&facts)
            }
            "DaemonSet" => {
                // A DaemonSet that wants pods but has none is refused
                // (read before this) or just starting: its pods tell.
                if count(&object, "/status/desiredNumberScheduled") > 0 {
                    continue;
                }
                let nodes = reads.list_names("v1", "Node", None, None, None).await?;
                let mut read = Vec::new();
                for (_, node) in nodes.into_iter().take(MAX_NODES_EXAMINED) {
                    if let Some(node) = reads.get("v1", "Node", None, &node).await? {
                        read.push(node_facts(&node));
                    }
                }
                conclude_daemon_set(&object, &read)
            }
            _ => {
                let facts = gather_ingress(reads, object).await?;
                conclude_ingress(&facts)
            }
        };
        return Ok(Some(diagnosis));
    }
    Ok(None)
}

/// A StorageClass as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRow {
    /// Its name.
    pub name: String,
    /// Whether it is the cluster's default class.
    pub default: bool,
    /// `Immediate` or `WaitForFirstConsumer`.
    pub binding_mode: String,
    /// Its provisioner.
    pub provisioner: String,
}

/// What was read about a claim asked about by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClaimFacts {
    /// The claim.
    pub claim: Value,
    /// The events on it.
    pub events: Vec<Evidence>,
    /// The cluster's StorageClasses (read when the claim is not bound).
    pub classes: Vec<ClassRow>,
    /// The cluster's PersistentVolumes as `NAME (CAPACITY ACCESS MODES,
    /// STATUS[ CLAIM], class C)`, read when no class can provision for it.
    pub volumes: Vec<String>,
    /// For a Lost claim: whether its volume still exists.
    pub volume_exists: Option<bool>,
}

async fn gather_claim<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    claim: Value,
    events: &[Event],
) -> Result<ClaimFacts, DiagnosisError> {
    let name = text(&claim, "/metadata/name").to_owned();
    let mut facts = ClaimFacts {
        events: event_evidence(events, "PersistentVolumeClaim", &name),
        ..ClaimFacts::default()
    };
    match text(&claim, "/status/phase") {
        "Bound" => {}
        "Lost" => {
            let volume = text(&claim, "/spec/volumeName");
            facts.volume_exists = Some(
                !volume.is_empty()
                    && reads
                        .get("v1", "PersistentVolume", None, volume)
                        .await?
                        .is_some(),
            );
        }
        _ => {
            let listed = reads
                .call(
                    ReadTool::ResourcesList,
                    [
                        ("apiVersion", Some(json!("storage.k8s.io/v1"))),
                        ("kind", Some(json!("StorageClass"))),
                    ],
                )
                .await?
                .succeeded(ReadTool::ResourcesList)?;
            facts.classes = rows(&listed)
                .into_iter()
                .filter_map(|row| {
                    let shown = row.get("NAME")?;
                    let (name, default) = match shown.strip_suffix(" (default)") {
                        Some(name) => (name.to_owned(), true),
                        None => (shown.clone(), false),
                    };
                    let cell = |column: &str| row.get(column).cloned().unwrap_or_default();
                    Some(ClassRow {
                        name,
                        default,
                        binding_mode: cell("VOLUMEBINDINGMODE"),
                        provisioner: cell("PROVISIONER"),
                    })
                })
                .collect();
            let class_name = claim_class(&claim, &facts.classes);
            // A class of hand-made volumes: which of its volumes exist is
            // the whole story, as it is for a claim with no class.
            let by_hand = class_name.as_deref().is_some_and(|class_name| {
                facts
                    .classes
                    .iter()
                    .any(|class| class.name == class_name && class.provisioner == NO_PROVISIONER)
            });
            if class_name.is_none() || by_hand {
                let listed = reads
                    .call(
                        ReadTool::ResourcesList,
                        [
                            ("apiVersion", Some(json!("v1"))),
                            ("kind", Some(json!("PersistentVolume"))),
                        ],
                    )
                    .await?
                    .succeeded(ReadTool::ResourcesList)?;
                facts.volumes = rows(&listed)
                    .iter()
                    .filter(|row| {
                        !by_hand
                            || row.get("STORAGECLASS").map(String::as_str) == class_name.as_deref()
                    })
                    .filter_map(|row| {
                        let cell = |column: &str| row.get(column).map_or("", String::as_str);
                        let claim = match cell("CLAIM") {
                            "" | "<none>" => String::new(),
                            claim => format!(" {claim}"),
                        };
                        let class = match cell("STORAGECLASS") {
                            "" | "<unset>" | "<none>" => "no class".to_owned(),
                            class => format!("class {class}"),
                        };
                        Some(format!(
                            "{} ({} {}, {}{claim}, {class})",
                            row.get("NAME")?,
                            cell("CAPACITY"),
                            cell("ACCESS MODES"),
                            cell("STATUS"),
                        ))
                    })
                    .collect();
            }
        }
    }
    facts.claim = claim;
    Ok(facts)
}

/// The class a claim gets its volume from: the one it names (when it
/// names one, empty meaning none), else the default class.
fn claim_class(claim: &Value, classes: &[ClassRow]) -> Option<String> {
    match claim.pointer("/spec/storageClassName") {
        Some(Value::String(class)) if class.is_empty() => None,
        Some(Value::String(class)) => Some(class.clone()),
        _ => classes
            .iter()
            .find(|class| class.default)
            .map(|class| class.name.clone()),
    }
}

/// The PersistentVolumes read, as evidence: `none` when there are none.
fn volumes_listed(volumes: &[String]) -> String {
    if volumes.is_empty() {
        "none".to_owned()
    } else {
        volumes.join("; ")
    }
}

fn classes_text(classes: &[ClassRow]) -> String {
    if classes.is_empty() {
        return "none".to_owned();
    }
    classes
        .iter()
        .map(|class| {
            if class.default {
                format!("{} (default)", class.name)
            } else {
                class.name.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The claim's verdict from what was read.
pub fn conclude_claim(facts: &ClaimFacts) -> Diagnosis {
    let claim = &facts.claim;
    let name = text(claim, "/metadata/name");
    let namespace = text(claim, "/metadata/namespace");
    let subject = ObjectRef::namespaced("v1", "PersistentVolumeClaim", name, namespace);
    let asked_class = match claim.pointer("/spec/storageClassName") {
        Some(Value::String(class)) if class.is_empty() => "storageClassName \"\"".to_owned(),
        Some(Value::String(class)) => format!("storageClassName {class}"),
        _ => "no storageClassName".to_owned(),
    };
    let modes: Vec<&str> = claim
        .pointer("/spec/accessModes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let size = text(claim, "/spec/resources/requests/storage");
    let phase = match text(claim, "/status/phase") {
        "" => "Pending",
        phase => phase,
    };
    let mut evidence = vec![Evidence::new(
        format!("PersistentVolumeClaim {namespace}/{name}"),
        format!("status {phase}; {asked_class}, {size} {}", modes.join(",")),
    )];
    evidence.extend(facts.events.iter().cloned());
    let verdict = |cause, summary: String, evidence, next_steps| {
        Diagnosis::new(subject.clone(), cause, summary, evidence, None, next_steps)
    };
    let volume = text(claim, "/spec/volumeName");
    match phase {
        "Bound" => {
            let capacity = text(claim, "/status/capacity/storage");
            return verdict(
                Cause::NoFailureFound,
                format!(
                    "PersistentVolumeClaim {name} is Bound to volume {volume} ({capacity}): nothing is wrong with it. If a pod that mounts it fails, ask about that pod."
                ),
                evidence,
                Vec::new(),
            );
        }
        "Lost" => {
            let gone = if facts.volume_exists == Some(false) {
                evidence.push(Evidence::new(
                    format!("resources_get PersistentVolume {volume}"),
                    "not found",
                ));
                format!("its volume {volume} no longer exists")
            } else {
                format!("it lost its volume {volume}")
            };
            return verdict(
                Cause::VolumeClaimNotBound,
                format!(
                    "PersistentVolumeClaim {name} is Lost: {gone}, so its data is not reachable and pods that mount it cannot start. Restore the volume (from a backup or a snapshot) under that name, or recreate the claim; kubeop does not delete or recreate storage."
                ),
                evidence,
                Vec::new(),
            );
        }
        _ => {}
    }
    let classes = classes_text(&facts.classes);
    let Some(class_name) = claim_class(claim, &facts.classes) else {
        evidence.push(Evidence::new(
            "resources_list StorageClass",
            format!("{classes} (no default class)"),
        ));
        evidence.push(Evidence::new(
            "resources_list PersistentVolume",
            volumes_listed(&facts.volumes),
        ));
        return verdict(
            Cause::VolumeClaimNotBound,
            format!(
                "PersistentVolumeClaim {name} is Pending: it names no StorageClass that could provision a volume ({asked_class}, and no class is the default), so it can only bind an existing PersistentVolume, and none is Available with {size} or more, access modes {} and no class. Create such a PersistentVolume, or recreate the claim with a StorageClass (the cluster has: {classes}); a claim's class cannot be changed in place.",
                modes.join(",")
            ),
            evidence,
            vec!["list persistentvolumes".to_owned()],
        );
    };
    let Some(class) = facts.classes.iter().find(|class| class.name == class_name) else {
        evidence.push(Evidence::new("resources_list StorageClass", &classes));
        return verdict(
            Cause::VolumeClaimNotBound,
            format!(
                "PersistentVolumeClaim {name} is Pending: it asks for StorageClass {class_name}, which does not exist (the cluster has: {classes}), so no volume is provisioned for it and every pod that mounts it stays Pending. Create StorageClass {class_name}, or recreate the claim with an existing class: a claim's storageClassName cannot be changed in place, so kubeop proposes no change (deleting a claim is yours to decide)."
            ),
            evidence,
            vec!["list storageclasses".to_owned()],
        );
    };
    evidence.push(Evidence::new(
        format!("StorageClass {}", class.name),
        format!(
            "provisioner {}, volumeBindingMode {}",
            class.provisioner, class.binding_mode
        ),
    ));
    if class.provisioner == NO_PROVISIONER {
        evidence.push(Evidence::new(
            format!("resources_list PersistentVolume of class {class_name}"),
            volumes_listed(&facts.volumes),
        ));
        return verdict(
            Cause::VolumeClaimNotBound,
            format!(
                "PersistentVolumeClaim {name} is Pending: StorageClass {class_name} provisions nothing ({NO_PROVISIONER}: an administrator creates its volumes), and no Available volume of the class offers {size} or more with access modes {}. Create such a PersistentVolume, or recreate the claim asking for what the class's volumes offer (a claim's access modes cannot be changed in place); kubeop proposes no change.",
                modes.join(",")
            ),
            evidence,
            vec!["list persistentvolumes".to_owned()],
        );
    }
    if class.binding_mode == "WaitForFirstConsumer" {
        return verdict(
            Cause::NoFailureFound,
            format!(
                "PersistentVolumeClaim {name} is Pending by design: StorageClass {class_name} binds a claim only once a pod that mounts it is scheduled (WaitForFirstConsumer), and none is yet. It binds when such a pod is placed on a node; if a pod that mounts it stays Pending, ask about that pod."
            ),
            evidence,
            vec![format!("list pods in {namespace}")],
        );
    }
    verdict(
        Cause::VolumeClaimNotBound,
        format!(
            "PersistentVolumeClaim {name} is Pending: StorageClass {class_name} (provisioner {}) has not provisioned a volume for it{}. Check the provisioner's own logs and events; kubeop proposes no change.",
            class.provisioner,
            if facts.events.is_empty() {
                ", and no event says why"
            } else {
                " (its events above say why)"
            }
        ),
        evidence,
        Vec::new(),
    )
}

/// One backend of an Ingress: where it is used and the Service port it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    /// `host/path` (or `default backend`).
    pub route: String,
    /// The backend Service's name.
    pub service: String,
    /// `port.number` or `port.name`.
    pub port: Value,
    /// Where the port sits in the Ingress, as a JSON pointer.
    pub pointer: String,
}

/// The provisioner of a class whose volumes an administrator creates by
/// hand (local volumes): it provisions nothing.
const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// What was read about an Ingress asked about by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IngressFacts {
    /// The Ingress.
    pub ingress: Value,
    /// Its backends, in spec order.
    pub backends: Vec<Backend>,
    /// Each distinct backend Service read (up to
    /// [`MAX_INGRESS_BACKENDS_READ`]): its name, the object (`None`: it
    /// does not exist) and what it routes to.
    pub services: Vec<(String, Option<Value>, Option<service::ServiceFacts>)>,
}

/// The backends of an Ingress: its default backend, then each rule's paths.
pub fn backends(ingress: &Value) -> Vec<Backend> {
    let mut found = Vec::new();
    let mut take = |route: String, backend: &Value, pointer: String| {
        if let Some(service) = backend.pointer("/service/name").and_then(Value::as_str) {
            let port = backend
                .pointer("/service/port/number")
                .or_else(|| backend.pointer("/service/port/name"))
                .cloned()
                .unwrap_or(Value::Null);
            found.push(Backend {
                route,
                service: service.to_owned(),
                port,
                pointer: format!("{pointer}/service/port"),
            });
        }
    };
    if let Some(backend) = ingress.pointer("/spec/defaultBackend") {
        take(
            "default backend".to_owned(),
            backend,
            "/spec/defaultBackend".to_owned(),
        );
    }
    for (rule_index, rule) in ingress
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let host = rule["host"].as_str().unwrap_or("*");
        for (path_index, path) in rule
            .pointer("/http/paths")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            take(
                format!("{host}{}", path["path"].as_str().unwrap_or("/")),
                &path["backend"],
                format!("/spec/rules/{rule_index}/http/paths/{path_index}/backend"),
            );
        }
    }
    found
}

async fn gather_ingress<R: ClusterReader>(
    reads: &mut Reads<'_, R>,
    ingress: Value,
) -> Result<IngressFacts, DiagnosisError> {
    let namespace = text(&ingress, "/metadata/namespace").to_owned();
    let backends = backends(&ingress);
    let mut services = Vec::new();
    for backend in &backends {
        if services.len() == MAX_INGRESS_BACKENDS_READ
            || services.iter().any(|(name, _, _)| *name == backend.service)
        {
            continue;
        }
        let object = reads
            .get("v1", "Service", Some(&namespace), &backend.service)
            .await?;
        let routes = match object {
            Some(_) => service::gather(reads, &namespace, &backend.service).await?,
            None => None,
        };
        services.push((backend.service.clone(), object, routes));
    }
    Ok(IngressFacts {
        ingress,
        backends,
        services,
    })
}

fn port_text(port: &Value) -> String {
    port.as_str()
        .map_or_else(|| port.to_string(), str::to_owned)
}

/// The ports a Service exposes, as (name, port).
fn exposed(service: &Value) -> Vec<(String, u64)> {
    service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|port| {
            Some((
                port["name"].as_str().unwrap_or_default().to_owned(),
                port["port"].as_u64()?,
            ))
        })
        .collect()
}

/// The Ingress's verdict: the first backend that cannot serve, else that
/// every backend read routes.
pub fn conclude_ingress(facts: &IngressFacts) -> Diagnosis {
    let ingress = &facts.ingress;
    let name = text(ingress, "/metadata/name");
    let namespace = text(ingress, "/metadata/namespace");
    let subject = ObjectRef::namespaced("networking.k8s.io/v1", "Ingress", name, namespace);
    let mut evidence: Vec<Evidence> = facts
        .backends
        .iter()
        .map(|backend| {
            Evidence::new(
                format!("Ingress {namespace}/{name}"),
                format!(
                    "{} → service {} port {}",
                    backend.route,
                    backend.service,
                    port_text(&backend.port)
                ),
            )
        })
        .collect();
    let verdict = |cause, summary: String, evidence, proposal, next_steps| {
        Diagnosis::new(
            subject.clone(),
            cause,
            summary,
            evidence,
            proposal,
            next_steps,
        )
    };
    if facts.backends.is_empty() {
        return verdict(
            Cause::IngressBackendUnavailable,
            format!(
                "Ingress {name} names no backend Service (no default backend, no rule path with a service): the ingress controller has nowhere to send its traffic."
            ),
            evidence,
            None,
            Vec::new(),
        );
    }
    for (service_name, object, routes) in &facts.services {
        let routes_here: Vec<&Backend> = facts
            .backends
            .iter()
            .filter(|backend| backend.service == *service_name)
            .collect();
        let shown: Vec<&str> = routes_here
            .iter()
            .map(|backend| backend.route.as_str())
            .collect();
        let Some(service) = object else {
            evidence.push(Evidence::new(
                format!("resources_get Service {namespace}/{service_name}"),
                "not found",
            ));
            return verdict(
                Cause::IngressBackendUnavailable,
                format!(
                    "Ingress {name} sends {} to Service {service_name}, which does not exist in namespace {namespace}: the ingress controller answers 503 there. Create the Service, or point the Ingress at the Service that fronts the application.",
                    shown.join(", ")
                ),
                evidence,
                None,
                vec![format!("list services in {namespace}")],
            );
        };
        let ports = exposed(service);
        let ports_shown = super::service::ports_shown(&ports);
        if let Some(backend) = routes_here.iter().find(|backend| match &backend.port {
            Value::Number(number) => !ports.iter().any(|(_, port)| number.as_u64() == Some(*port)),
            Value::String(wanted) => !ports.iter().any(|(port_name, _)| port_name == wanted),
            _ => false,
        }) {
            evidence.push(Evidence::new(
                format!("Service {namespace}/{service_name}"),
                format!("ports: {}", ports_shown.join(", ")),
            ));
            let proposal = match ports.as_slice() {
                [(_, only)] => set_ingress_backend_port(
                    ingress,
                    &backend.pointer,
                    &backend.port,
                    *only,
                    service_name,
                ),
                _ => None,
            };
            let fix = match &proposal {
                Some(change) => format!(" Proposed: {}.", change.summary),
                None => " Set the Ingress backend's port to one the Service exposes.".to_owned(),
            };
            return verdict(
                Cause::IngressBackendUnavailable,
                format!(
                    "Ingress {name} sends {} to port {} of Service {service_name}, which exposes only {}: the ingress controller finds no such port and answers 503.{fix}",
                    backend.route,
                    port_text(&backend.port),
                    ports_shown.join(", ")
                ),
                evidence,
                proposal,
                Vec::new(),
            );
        }
        match routes.as_ref().map(service::conclude) {
            Some(ServiceVerdict::Broken(broken)) => {
                let broken = *broken;
                evidence.extend(broken.evidence);
                return verdict(
                    Cause::IngressBackendUnavailable,
                    format!(
                        "Ingress {name} sends {} to Service {service_name}, which cannot serve it: {}",
                        shown.join(", "),
                        broken.summary
                    ),
                    evidence,
                    broken.proposal,
                    broken.next_steps,
                );
            }
            Some(ServiceVerdict::Routes(routed)) => evidence.extend(routed),
            None => evidence.push(Evidence::new(
                format!("Service {namespace}/{service_name}"),
                "no selector: its endpoints are set by hand",
            )),
        }
    }
    let unread = facts.backends.iter().any(|backend| {
        !facts
            .services
            .iter()
            .any(|(service, _, _)| *service == backend.service)
    });
    verdict(
        Cause::NoFailureFound,
        format!(
            "Ingress {name}: every backend Service {}exists, exposes the port the Ingress names and has ready endpoints. If requests still fail, look at the ingress controller (its class {}) and DNS for the hosts.",
            if unread {
                format!("read (the first {MAX_INGRESS_BACKENDS_READ}) ")
            } else {
                String::new()
            },
            match text(ingress, "/spec/ingressClassName") {
                "" => "is the default one",
                class => class,
            }
        ),
        evidence,
        None,
        Vec::new(),
    )
}

/// A DaemonSet that places no pod (`desiredNumberScheduled` 0), against
/// the nodes read: its node selection matches none, or every node it
/// selects carries a NoSchedule or NoExecute taint its template does not
/// tolerate. Nothing is proposed: where a daemon runs is a human's choice.
pub fn conclude_daemon_set(daemon_set: &Value, nodes: &[NodeFacts]) -> Diagnosis {
    let name = text(daemon_set, "/metadata/name");
    let namespace = text(daemon_set, "/metadata/namespace");
    let template = daemon_set
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(Value::Null);
    let mut evidence = vec![Evidence::new(
        format!("DaemonSet {namespace}/{name} status"),
        format!(
            "desiredNumberScheduled {}, currentNumberScheduled {}",
            count(daemon_set, "/status/desiredNumberScheduled"),
            count(daemon_set, "/status/currentNumberScheduled")
        ),
    )];
    let verdict = |cause, summary: String, evidence| {
        Diagnosis::new(
            ObjectRef::namespaced("apps/v1", "DaemonSet", name, namespace),
            cause,
            summary,
            evidence,
            None,
            vec!["list nodes".to_owned()],
        )
    };
    if let Some(selector) = template.pointer("/spec/nodeSelector") {
        evidence.push(Evidence::new(
            format!("DaemonSet {namespace}/{name} pod template"),
            format!("nodeSelector: {selector}"),
        ));
    }
    let selected = selected_nodes(&template, nodes);
    if let Some(selected) = &selected
        && selected.is_empty()
    {
        for node in nodes {
            evidence.push(Evidence::new(
                format!("node {} labels", node.name),
                node.labels.join(","),
            ));
        }
        return verdict(
            Cause::NoEligibleNode,
            format!(
                "DaemonSet {name} runs no pod: its pod template's node selection matches none of the {} nodes read, so the DaemonSet controller places none (desiredNumberScheduled 0). Label the nodes it should run on, or correct the template's nodeSelector or node affinity.",
                nodes.len()
            ),
            evidence,
        );
    }
    let candidates: Vec<&NodeFacts> = selected.unwrap_or_else(|| nodes.iter().collect());
    let tolerations: Vec<Value> = template
        .pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let blocked: Vec<String> = candidates
        .iter()
        .filter_map(|node| {
            let untolerated: Vec<&str> = node
                .taints
                .iter()
                .filter(|taint| taint.ends_with(":NoSchedule") || taint.ends_with(":NoExecute"))
                .filter(|taint| !tolerated(&tolerations, taint))
                .map(String::as_str)
                .collect();
            (!untolerated.is_empty()).then(|| format!("{} ({})", node.name, untolerated.join(", ")))
        })
        .collect();
    if !candidates.is_empty() && blocked.len() == candidates.len() {
        evidence.push(Evidence::new(
            "nodes it selects, with the taints it does not tolerate",
            blocked.join("; "),
        ));
        return verdict(
            Cause::NoEligibleNode,
            format!(
                "DaemonSet {name} runs no pod: every node it selects carries a taint its pod template does not tolerate ({}), so the DaemonSet controller places none. Add a toleration for the taint to the template if the daemon belongs on those nodes; kubeop does not choose which nodes a daemon may run on.",
                blocked.join("; ")
            ),
            evidence,
        );
    }
    verdict(
        Cause::NoFailureFound,
        format!(
            "DaemonSet {name} wants no pod yet (desiredNumberScheduled 0), though {} of the nodes read would take it: its controller has not counted them yet.",
            candidates.len()
        ),
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(class: Option<&str>, phase: &str) -> Value {
        let mut claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "report-archive", "namespace": "staging"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}}},
            "status": {"phase": phase}});
        if let Some(class) = class {
            claim["spec"]["storageClassName"] = json!(class);
        }
        claim
    }

    fn class(name: &str, default: bool, mode: &str) -> ClassRow {
        ClassRow {
            name: name.into(),
            default,
            binding_mode: mode.into(),
            provisioner: "rancher.io/local-path".into(),
        }
    }

    fn quotes(diagnosis: &Diagnosis) -> Vec<String> {
        diagnosis
            .evidence
            .iter()
            .map(|evidence| format!("[{}] {}", evidence.source, evidence.quote))
            .collect()
    }

    #[test]
    fn a_claim_naming_a_missing_class_is_pending_for_that_class() {
        let facts = ClaimFacts {
            claim: claim(Some("fast-ssd"), "Pending"),
            events: vec![Evidence::new(
                "event on PersistentVolumeClaim report-archive",
                "Warning ProvisioningFailed: storageclass.storage.k8s.io \"fast-ssd\" not found",
            )],
            classes: vec![class("standard", true, "WaitForFirstConsumer")],
            ..ClaimFacts::default()
        };
        let diagnosis = conclude_claim(&facts);
        assert_eq!(diagnosis.cause, Cause::VolumeClaimNotBound);
        assert!(
            diagnosis.summary.contains(
                "asks for StorageClass fast-ssd, which does not exist (the cluster has: standard (default))"
            ),
            "{}",
            diagnosis.summary
        );
        let quoted = quotes(&diagnosis);
        assert!(
            quoted.contains(&"[PersistentVolumeClaim staging/report-archive] status Pending; storageClassName fast-ssd, 50Gi ReadWriteOnce".to_owned()),
            "{quoted:?}"
        );
        assert!(
            quoted
                .iter()
                .any(|quote| quote.contains("ProvisioningFailed"))
        );
        assert!(diagnosis.proposal.is_none());
    }

    #[test]
    fn a_claim_without_class_and_no_default_lists_the_volumes_that_do_not_fit() {
        let facts = ClaimFacts {
            claim: claim(Some(""), "Pending"),
            classes: vec![class("standard", false, "Immediate")],
            volumes: vec!["archive-pv (5Gi RWO, Available, no class)".into()],
            ..ClaimFacts::default()
        };
        let diagnosis = conclude_claim(&facts);
        assert_eq!(diagnosis.cause, Cause::VolumeClaimNotBound);
        assert!(
            diagnosis
                .summary
                .contains("none is Available with 50Gi or more")
        );
        assert!(
            quotes(&diagnosis).contains(
                &"[resources_list PersistentVolume] archive-pv (5Gi RWO, Available, no class)"
                    .to_owned()
            )
        );
        // Without storageClassName at all, the default class is the one asked for.
        let defaulted = ClaimFacts {
            claim: claim(None, "Pending"),
            classes: vec![class("local", true, "WaitForFirstConsumer")],
            ..ClaimFacts::default()
        };
        let waiting = conclude_claim(&defaulted);
        assert_eq!(waiting.cause, Cause::NoFailureFound);
        assert!(waiting.summary.contains("Pending by design"));
    }

    #[test]
    fn a_claim_of_a_class_of_hand_made_volumes_lists_its_volumes_none_of_which_fits() {
        let mut by_hand = class("local", false, "Immediate");
        by_hand.provisioner = NO_PROVISIONER.into();
        let facts = ClaimFacts {
            claim: claim(Some("local"), "Pending"),
            classes: vec![by_hand],
            volumes: vec!["local-pv-2 (50Gi RWO, Available, class local)".into()],
            ..ClaimFacts::default()
        };
        let diagnosis = conclude_claim(&facts);
        assert_eq!(diagnosis.cause, Cause::VolumeClaimNotBound);
        assert!(
            diagnosis.summary.contains(
                "StorageClass local provisions nothing (kubernetes.io/no-provisioner: an administrator creates its volumes)"
            ),
            "{}",
            diagnosis.summary
        );
        assert!(
            quotes(&diagnosis).contains(
                &"[resources_list PersistentVolume of class local] local-pv-2 (50Gi RWO, Available, class local)"
                    .to_owned()
            ),
            "{:?}",
            quotes(&diagnosis)
        );
    }

    #[test]
    fn bound_and_lost_claims_say_so() {
        let mut bound = claim(Some("standard"), "Bound");
        bound["spec"]["volumeName"] = json!("pvc-1");
        bound["status"]["capacity"] = json!({"storage": "50Gi"});
        let facts = ClaimFacts {
            claim: bound.clone(),
            ..ClaimFacts::default()
        };
        let diagnosis = conclude_claim(&facts);
        assert_eq!(diagnosis.cause, Cause::NoFailureFound);
        assert!(diagnosis.summary.contains("Bound to volume pvc-1 (50Gi)"));
        bound["status"]["phase"] = json!("Lost");
        let lost = conclude_claim(&ClaimFacts {
            claim: bound,
            volume_exists: Some(false),
            ..ClaimFacts::default()
        });
        assert_eq!(lost.cause, Cause::VolumeClaimNotBound);
        assert!(lost.summary.contains("its volume pvc-1 no longer exists"));
    }

    #[test]
    fn a_daemon_set_no_node_is_eligible_for_says_why() {
        let node = |name: &str, labels: &[&str], taints: &[&str]| NodeFacts {
            name: name.into(),
            allocatable_cpu: "4".into(),
            allocatable_memory: "16Gi".into(),
            taints: taints.iter().map(|taint| (*taint).to_owned()).collect(),
            labels: labels.iter().map(|label| (*label).to_owned()).collect(),
            pressure: Vec::new(),
            requested: None,
        };
        let daemon_set = |template_spec: Value| {
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
                "metadata": {"name": "gpu-agent", "namespace": "store"},
                "spec": {"template": {"spec": template_spec}},
                "status": {"desiredNumberScheduled": 0, "currentNumberScheduled": 0}})
        };
        let nodes = [
            node("node-a", &["pool=web"], &[]),
            node("node-b", &["pool=batch"], &["dedicated=batch:NoSchedule"]),
        ];
        let unmatched = conclude_daemon_set(
            &daemon_set(json!({"nodeSelector": {"accelerator": "nvidia"}})),
            &nodes,
        );
        assert_eq!(unmatched.cause, Cause::NoEligibleNode);
        assert!(
            unmatched.summary.contains("matches none of the 2 nodes"),
            "{}",
            unmatched.summary
        );
        let tainted = conclude_daemon_set(
            &daemon_set(json!({"nodeSelector": {"pool": "batch"}})),
            &nodes,
        );
        assert_eq!(tainted.cause, Cause::NoEligibleNode);
        assert!(
            tainted
                .summary
                .contains("does not tolerate (node-b (dedicated=batch:NoSchedule))"),
            "{}",
            tainted.summary
        );
        let tolerating = conclude_daemon_set(
            &daemon_set(json!({"nodeSelector": {"pool": "batch"},
                "tolerations": [{"key": "dedicated", "operator": "Exists"}]})),
            &nodes,
        );
        assert_eq!(tolerating.cause, Cause::NoFailureFound);
    }

    fn ingress(service: &str, port: Value) -> Value {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "shop", "namespace": "store"},
            "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [
                {"path": "/", "pathType": "Prefix",
                 "backend": {"service": {"name": service, "port": {"number": port}}}}]}}]}})
    }

    fn web_service() -> Value {
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "store"},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
    }

    #[test]
    fn an_ingress_backend_that_does_not_exist_or_misses_the_port_is_named() {
        let ingress_to_api = ingress("api", json!(80));
        let missing = conclude_ingress(&IngressFacts {
            backends: backends(&ingress_to_api),
            ingress: ingress_to_api,
            services: vec![("api".into(), None, None)],
        });
        assert_eq!(missing.cause, Cause::IngressBackendUnavailable);
        assert!(
            missing
                .summary
                .contains("sends shop.example.com/ to Service api, which does not exist"),
            "{}",
            missing.summary
        );
        assert!(quotes(&missing).contains(&"[resources_get Service store/api] not found".into()));

        let ingress_to_8080 = ingress("web", json!(8080));
        let wrong_port = conclude_ingress(&IngressFacts {
            backends: backends(&ingress_to_8080),
            ingress: ingress_to_8080,
            services: vec![("web".into(), Some(web_service()), None)],
        });
        assert_eq!(wrong_port.cause, Cause::IngressBackendUnavailable);
        assert!(
            wrong_port
                .summary
                .contains("to port 8080 of Service web, which exposes only http 80"),
            "{}",
            wrong_port.summary
        );
        let fix = wrong_port.proposal.expect("the Service's only port");
        assert_eq!(fix.current, "backend port 8080");
        assert_eq!(fix.desired, "backend port 80");
        assert_eq!(
            fix.manifest["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"],
            json!({"number": 80})
        );
    }

    #[test]
    fn an_ingress_whose_service_has_no_endpoints_carries_the_services_reason() {
        let ingress = ingress("web", json!(80));
        let routes = service::ServiceFacts {
            service: web_service(),
            endpoints: Some(json!({"subsets": []})),
            ..service::ServiceFacts::default()
        };
        let diagnosis = conclude_ingress(&IngressFacts {
            backends: backends(&ingress),
            ingress,
            services: vec![("web".into(), Some(web_service()), Some(routes))],
        });
        assert_eq!(diagnosis.cause, Cause::IngressBackendUnavailable);
        assert!(
            diagnosis
                .summary
                .contains("which cannot serve it: Service web has no endpoints"),
            "{}",
            diagnosis.summary
        );
    }
}
