//! A network test asked from a workload ("why can't orders connect to
//! postgres"): where the debug pod runs (the source's namespace, found when
//! the request names none), what it reaches (the Service's name qualified
//! with its namespace when it lives in another; the Service's own port when
//! it serves no HTTP port 80), and what the NetworkPolicies of both ends
//! decide before any pod is started (`diagnosis::connectivity`): a policy
//! that drops the source's connections is the answer, with no pod to
//! approve, since a debug pod (labelled as itself) would not be dropped.

use std::collections::BTreeMap;

use classifier::Arguments;
use serde_json::Value;

use crate::cluster::{Fetched, cell};
use crate::coordinator::Pipeline;
use crate::diagnosis::Diagnosis;
use crate::diagnosis::connectivity::{self, ConnectionFacts, End, Port};
use crate::error::WorkflowError;
use crate::response::Clarify;

/// At most this many NetworkPolicies of each end's namespace are read.
const MAX_POLICIES_READ: usize = 16;

/// The workload kinds a test's source may be.
const SOURCE_KINDS: [&str; 3] = ["Deployment", "StatefulSet", "DaemonSet"];

/// Where and how the test runs, or why it need not.
#[derive(Debug)]
pub(super) enum Scoped {
    /// Run the debug pod in `namespace` (`None`: the context's default)
    /// with `command`.
    Test {
        /// The namespace of the debug pod.
        namespace: Option<String>,
        /// The test command, its host qualified as found.
        command: Option<Vec<String>>,
    },
    /// The policies drop the connection: the diagnosis, no pod needed.
    Diagnosed(Box<Diagnosis>),
    /// Several namespaces hold the source or the destination.
    Ask(Clarify),
}

/// The host and port a test command reaches: the URL of a curl or wget,
/// the `HOST PORT` of an nc. The index is the argument holding the host.
struct Reached {
    /// The argument holding the host.
    at: usize,
    /// The host as written (`postgres`, `postgres.data`).
    host: String,
    /// The port written, if any.
    port: Option<u16>,
    /// Whether the command is an HTTP request (curl, wget).
    http: bool,
}

fn reached(command: &[String]) -> Option<Reached> {
    let program = command.first()?.as_str();
    match program {
        "curl" | "wget" => command.iter().enumerate().skip(1).find_map(|(at, word)| {
            let rest = word
                .strip_prefix("http://")
                .or_else(|| word.strip_prefix("https://"))?;
            let authority = rest.split('/').next().unwrap_or(rest);
            let (host, port) = match authority.rsplit_once(':') {
                Some((host, port)) => (host, port.parse().ok()),
                None => (authority, None),
            };
            Some(Reached {
                at,
                host: host.to_owned(),
                port,
                http: true,
            })
        }),
        "nc" => {
            let mut words = Vec::new();
            let mut skip = false;
            for (at, word) in command.iter().enumerate().skip(1) {
                if skip {
                    skip = false;
                } else if matches!(word.as_str(), "-w" | "-i" | "-p" | "-s") {
                    skip = true;
                } else if !word.starts_with('-') {
                    words.push((at, word));
                }
            }
            let (at, host) = words.first()?;
            Some(Reached {
                at: *at,
                host: (*host).clone(),
                port: words.get(1).and_then(|(_, port)| port.parse().ok()),
                http: false,
            })
        }
        _ => None,
    }
}

/// The source workload named `name`: `(kind, namespace)` of each found.
async fn sources(
    pipeline: &Pipeline,
    context: &str,
    name: &str,
    namespace: Option<&str>,
) -> Result<Vec<(String, String)>, WorkflowError> {
    for kind in SOURCE_KINDS {
        let found: Vec<(String, String)> = pipeline
            .cluster
            .list(context, "apps/v1", kind, namespace, None)
            .await?
            .iter()
            .filter(|row| cell(row, "name") == Some(name))
            .filter_map(|row| cell(row, "namespace").or(namespace))
            .map(|held| (kind.to_owned(), held.to_owned()))
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Ok(Vec::new())
}

fn labels_at(object: &Value, pointer: &str) -> BTreeMap<String, String> {
    object
        .pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
        .collect()
}

async fn get(
    pipeline: &Pipeline,
    context: &str,
    api_version: &str,
    kind: &str,
    name: &str,
    namespace: &str,
) -> Result<Option<Value>, WorkflowError> {
    Ok(
        match pipeline
            .cluster
            .get(context, api_version, kind, name, Some(namespace))
            .await?
        {
            Fetched::Found(object) => Some(object),
            Fetched::Missing(_) => None,
        },
    )
}

/// The first pod `selector` selects in `namespace`, read whole.
async fn first_pod(
    pipeline: &Pipeline,
    context: &str,
    namespace: &str,
    selector: &str,
) -> Result<Option<Value>, WorkflowError> {
    let rows = pipeline
        .cluster
        .list(context, "v1", "Pod", Some(namespace), Some(selector))
        .await?;
    match rows.iter().find_map(|row| cell(row, "name")) {
        Some(name) => get(pipeline, context, "v1", "Pod", name, namespace).await,
        None => Ok(None),
    }
}

/// A pod as one end of a connection.
fn pod_end(pod: &Value) -> End {
    let text = |pointer: &str| {
        pod.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    End {
        kind: "Pod".into(),
        name: text("/metadata/name"),
        namespace: text("/metadata/namespace"),
        labels: labels_at(pod, "/metadata/labels"),
        ip: text("/status/podIP"),
    }
}

/// The port a Service port sends to on `pod`: its `targetPort` (a number,
/// or the name of a port the pod declares), else the port itself.
fn target_port(service_port: &Value, pod: &Value) -> Option<Port> {
    let declared: Vec<&Value> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|container| container["ports"].as_array().into_iter().flatten())
        .collect();
    let protocol = service_port["protocol"]
        .as_str()
        .unwrap_or("TCP")
        .to_owned();
    let (number, name) = match service_port
        .get("targetPort")
        .or_else(|| service_port.get("port"))?
    {
        Value::String(name) => {
            let port = declared.iter().find(|port| port["name"] == name.as_str())?;
            (port["containerPort"].as_u64()?, name.clone())
        }
        number => {
            let number = number.as_u64()?;
            let name = declared
                .iter()
                .find(|port| port["containerPort"].as_u64() == Some(number))
                .and_then(|port| port["name"].as_str())
                .unwrap_or_default()
                .to_owned();
            (number, name)
        }
    };
    Some(Port {
        number: u16::try_from(number).ok()?,
        name,
        protocol,
    })
}

/// The NetworkPolicies of `namespace`, read whole (at most [`MAX_POLICIES_READ`]).
async fn policies_of(
    pipeline: &Pipeline,
    context: &str,
    namespace: &str,
) -> Result<Vec<Value>, WorkflowError> {
    let rows = pipeline
        .cluster
        .list(
            context,
            "networking.k8s.io/v1",
            "NetworkPolicy",
            Some(namespace),
            None,
        )
        .await?;
    let mut policies = Vec::new();
    for name in rows
        .iter()
        .filter_map(|row| cell(row, "name"))
        .take(MAX_POLICIES_READ)
    {
        if let Some(policy) = get(
            pipeline,
            context,
            "networking.k8s.io/v1",
            "NetworkPolicy",
            name,
            namespace,
        )
        .await?
        {
            policies.push(policy);
        }
    }
    Ok(policies)
}

/// Whether the source's egress policies drop its DNS queries: the
/// diagnosis when they do (read only where its namespace has policies and
/// the cluster DNS runs pods).
async fn dns_verdict(
    pipeline: &Pipeline,
    context: &str,
    kind: &str,
    source_name: &str,
    namespace: &str,
) -> Result<Option<Diagnosis>, WorkflowError> {
    let policies = policies_of(pipeline, context, namespace).await?;
    if policies.is_empty() {
        return Ok(None);
    }
    let (Some(workload), Some(dns)) = (
        get(pipeline, context, "apps/v1", kind, source_name, namespace).await?,
        first_pod(pipeline, context, "kube-system", "k8s-app=kube-dns").await?,
    ) else {
        return Ok(None);
    };
    let mut namespaces = Vec::new();
    for held in [namespace, "kube-system"] {
        if let Fetched::Found(object) = pipeline
            .cluster
            .get(context, "v1", "Namespace", held, None)
            .await?
        {
            namespaces.push(object);
        }
    }
    let dns = pod_end(&dns);
    Ok(connectivity::conclude(&ConnectionFacts {
        source: End {
            kind: kind.to_owned(),
            name: source_name.to_owned(),
            namespace: namespace.to_owned(),
            labels: labels_at(&workload, "/spec/template/metadata/labels"),
            ip: String::new(),
        },
        destination: dns.clone(),
        service: "kube-dns".into(),
        port: Some(Port::dns()),
        dns: Some(dns),
        policies,
        namespaces,
    }))
}

/// Settles where and how the network test of `request` runs.
pub(super) async fn scope(
    pipeline: &Pipeline,
    context: &str,
    request: &str,
    arguments: &Arguments,
    inferred: &mut Vec<String>,
) -> Result<Scoped, WorkflowError> {
    let given = arguments.namespace.clone();
    let mut command = arguments.command.clone();
    let unchanged = Scoped::Test {
        namespace: given.clone(),
        command: command.clone(),
    };
    let Some(source_name) = classifier::network_test_source(request) else {
        return Ok(unchanged);
    };
    let found = sources(pipeline, context, &source_name, given.as_deref()).await?;
    let (kind, namespace) = match found.as_slice() {
        [] => return Ok(unchanged),
        [only] => only.clone(),
        several => {
            let mut candidates: Vec<String> = several
                .iter()
                .map(|(_, namespace)| namespace.clone())
                .collect();
            candidates.dedup();
            return Ok(Scoped::Ask(Clarify {
                question: format!(
                    "There is a {} named {source_name} in {} namespaces ({}): which one is the test from?",
                    several[0].0.to_lowercase(),
                    candidates.len(),
                    candidates.join(", ")
                ),
                missing: vec!["namespace".into()],
                candidates,
            }));
        }
    };
    if given.is_none() {
        inferred.push(format!(
            "namespace {namespace}: where {} {source_name} runs, so the test starts beside it",
            kind.to_lowercase()
        ));
    }
    let Some(words) = command.as_mut() else {
        return Ok(Scoped::Test {
            namespace: Some(namespace),
            command,
        });
    };
    let Some(target) = reached(words) else {
        // A lookup ("can ledger resolve postgres") reaches the cluster DNS.
        if words
            .first()
            .is_some_and(|program| matches!(program.as_str(), "nslookup" | "dig" | "host"))
        {
            let found = dns_verdict(pipeline, context, &kind, &source_name, &namespace).await?;
            return Ok(match found {
                Some(found) => Scoped::Diagnosed(Box::new(found)),
                None => Scoped::Test {
                    namespace: Some(namespace),
                    command,
                },
            });
        }
        return Ok(Scoped::Test {
            namespace: Some(namespace),
            command,
        });
    };
    if target.host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(Scoped::Test {
            namespace: Some(namespace),
            command,
        });
    }
    let mut labels = target.host.split('.');
    let service_name = labels.next().unwrap_or_default().to_owned();
    let written_namespace = labels.next().map(str::to_owned);
    let mut service_namespace = written_namespace
        .clone()
        .unwrap_or_else(|| namespace.clone());
    let mut service = get(
        pipeline,
        context,
        "v1",
        "Service",
        &service_name,
        &service_namespace,
    )
    .await?;
    let mut host = target.host.clone();
    if service.is_none() && written_namespace.is_none() {
        let mut elsewhere: Vec<String> = pipeline
            .cluster
            .list(context, "v1", "Service", None, None)
            .await?
            .iter()
            .filter(|row| cell(row, "name") == Some(service_name.as_str()))
            .filter_map(|row| cell(row, "namespace").map(str::to_owned))
            .collect();
        elsewhere.sort();
        elsewhere.dedup();
        match elsewhere.as_slice() {
            [] => {}
            [only] => {
                service_namespace = only.clone();
                host = format!("{service_name}.{only}");
                inferred.push(format!(
                    "{host}: Service {service_name} is in namespace {only}, not {namespace}"
                ));
                service = get(pipeline, context, "v1", "Service", &service_name, only).await?;
            }
            several => {
                return Ok(Scoped::Ask(Clarify {
                    question: format!(
                        "There is a Service named {service_name} in {} namespaces ({}): which one should {source_name} reach?",
                        several.len(),
                        several.join(", ")
                    ),
                    missing: vec!["namespace".into()],
                    candidates: several.to_vec(),
                }));
            }
        }
    }
    let Some(service) = service else {
        return Ok(Scoped::Test {
            namespace: Some(namespace),
            command,
        });
    };
    let service_ports: Vec<&Value> = service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let served = |number: u16| {
        service_ports
            .iter()
            .find(|port| port["port"].as_u64() == Some(u64::from(number)))
            .copied()
    };
    let asked_port = target.port.unwrap_or(if target.http { 80 } else { 0 });
    let service_port = match (served(asked_port), service_ports.first()) {
        (Some(port), _) => Some(port),
        // "connect to postgres": the classifier's default HTTP request on
        // port 80 to a Service serving none is a TCP check of its own port.
        (None, Some(first)) if target.http && target.port.is_none() => {
            let number = first["port"].as_u64().unwrap_or_default();
            inferred.push(format!(
                "port {number}: the port Service {service_name} serves (it serves no HTTP port 80), checked with nc"
            ));
            *words = [
                "nc",
                "-z",
                "-v",
                "-w",
                "5",
                host.as_str(),
                &number.to_string(),
            ]
            .map(str::to_owned)
            .to_vec();
            Some(*first)
        }
        _ => None,
    };
    if host != target.host && words.first().is_some_and(|program| program != "nc") {
        words[target.at] = words[target.at].replacen(&target.host, &host, 1);
    }
    let test = Scoped::Test {
        namespace: Some(namespace.clone()),
        command: command.clone(),
    };
    // The policies' verdict, read only where there are policies.
    let mut policies = policies_of(pipeline, context, &namespace).await?;
    if service_namespace != namespace {
        policies.extend(policies_of(pipeline, context, &service_namespace).await?);
    }
    if policies.is_empty() {
        return Ok(test);
    }
    let Some(selector) = service
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .filter(|selector| !selector.is_empty())
    else {
        return Ok(test);
    };
    let selector = crate::diagnosis::proposal::selector_text(selector);
    let (Some(workload), Some(pod), Some(service_port)) = (
        get(
            pipeline,
            context,
            "apps/v1",
            &kind,
            &source_name,
            &namespace,
        )
        .await?,
        first_pod(pipeline, context, &service_namespace, &selector).await?,
        service_port,
    ) else {
        return Ok(test);
    };
    let dns = first_pod(pipeline, context, "kube-system", "k8s-app=kube-dns")
        .await?
        .map(|pod| pod_end(&pod));
    let mut namespaces = Vec::new();
    for held in [
        namespace.as_str(),
        service_namespace.as_str(),
        "kube-system",
    ] {
        if let Fetched::Found(object) = pipeline
            .cluster
            .get(context, "v1", "Namespace", held, None)
            .await?
        {
            namespaces.push(object);
        }
    }
    let facts = ConnectionFacts {
        source: End {
            kind: kind.clone(),
            name: source_name.clone(),
            namespace: namespace.clone(),
            labels: labels_at(&workload, "/spec/template/metadata/labels"),
            ip: String::new(),
        },
        port: target_port(service_port, &pod),
        destination: pod_end(&pod),
        service: service_name,
        dns,
        policies,
        namespaces,
    };
    Ok(match connectivity::conclude(&facts) {
        Some(found) => Scoped::Diagnosed(Box::new(found)),
        None => test,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(command: &[&str]) -> Vec<String> {
        command.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn the_host_a_test_reaches_is_read_from_its_url_or_its_nc_arguments() {
        let curl = reached(&words(&[
            "curl",
            "-sS",
            "-m",
            "5",
            "http://postgres.data:5432/health",
        ]))
        .expect("a URL");
        assert_eq!(
            (curl.at, curl.host.as_str(), curl.port, curl.http),
            (4, "postgres.data", Some(5432), true)
        );
        let nc = reached(&words(&["nc", "-z", "-w", "5", "redis", "6379"])).expect("nc");
        assert_eq!(
            (nc.at, nc.host.as_str(), nc.port, nc.http),
            (4, "redis", Some(6379), false)
        );
        assert!(reached(&words(&["nslookup", "redis"])).is_none());
    }
}
