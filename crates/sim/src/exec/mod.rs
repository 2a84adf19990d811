//! `kubectl exec` inside the simulated cluster: the built-in shell that runs
//! the command ([`shell`]), the WebSocket channel protocol that carries its
//! input, output and exit status ([`channel`]), and [`environment_for`], which
//! gathers what the shell knows about its container from the cluster's objects.

pub mod channel;
pub mod shell;

use std::time::SystemTime;

use netpol::Port;
use serde_json::{Value, json};

use crate::controllers::{pod_is_ready, text};
use shell::{Endpoint, ExecEnvironment, ServiceRecord};

/// The objects of the cluster an exec looks at.
#[derive(Debug, Clone, Copy)]
pub struct ClusterObjects<'a> {
    /// Every Service.
    pub services: &'a [Value],
    /// Every Pod (for Service endpoints).
    pub pods: &'a [Value],
    /// Every ConfigMap (for `configMapKeyRef` and `envFrom`).
    pub config_maps: &'a [Value],
    /// Every Secret (for `secretKeyRef`).
    pub secrets: &'a [Value],
    /// Every NetworkPolicy (which connections a pod accepts).
    pub network_policies: &'a [Value],
    /// Every Namespace (for a NetworkPolicy's `namespaceSelector`).
    pub namespaces: &'a [Value],
}

/// Whether every `key: value` of a Service's selector is a label of the pod.
fn selects(selector: &serde_json::Map<String, Value>, pod: &Value) -> bool {
    !selector.is_empty()
        && selector.iter().all(|(key, value)| {
            pod.pointer("/metadata/labels")
                .and_then(|labels| labels.get(key))
                == Some(value)
        })
}

/// The Services as DNS and connectivity checks see them, with their ready endpoints.
pub fn service_records(objects: &ClusterObjects<'_>) -> Vec<ServiceRecord> {
    objects
        .services
        .iter()
        .map(|service| {
            let name = text(service, "/metadata/name").to_string();
            let namespace = text(service, "/metadata/namespace").to_string();
            let cluster_ip = match text(service, "/spec/clusterIP") {
                "" | "None" => None,
                ip => Some(ip.to_string()),
            };
            let ports = service
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .map(|ports| {
                    ports
                        .iter()
                        .filter_map(|port| port["port"].as_u64())
                        .map(|port| port as u16)
                        .collect()
                })
                .unwrap_or_default();
            let endpoints = match service.pointer("/spec/selector").and_then(Value::as_object) {
                Some(selector) => objects
                    .pods
                    .iter()
                    .filter(|pod| {
                        text(pod, "/metadata/namespace") == namespace
                            && selects(selector, pod)
                            && pod_is_ready(pod)
                    })
                    .filter(|pod| !text(pod, "/status/podIP").is_empty())
                    .map(|pod| Endpoint {
                        ip: text(pod, "/status/podIP").to_string(),
                        hostname: (text(pod, "/spec/subdomain") == name)
                            .then(|| text(pod, "/spec/hostname").to_string())
                            .filter(|hostname| !hostname.is_empty()),
                        pod_name: text(pod, "/metadata/name").to_string(),
                        dropped_service_ports: Vec::new(),
                        dropped_entirely: false,
                    })
                    .collect(),
                // The `kubernetes` Service has no selector: the API server is its endpoint.
                None if name == "kubernetes" && namespace == "default" => vec![Endpoint {
                    ip: cluster_ip.clone().unwrap_or_default(),
                    hostname: None,
                    pod_name: "kube-apiserver".to_string(),
                    dropped_service_ports: Vec::new(),
                    dropped_entirely: false,
                }],
                None => Vec::new(),
            };
            ServiceRecord {
                name,
                namespace,
                cluster_ip,
                ports,
                endpoints,
            }
        })
        .collect()
}

fn find<'a>(objects: &'a [Value], namespace: &str, name: &str) -> Option<&'a Value> {
    objects.iter().find(|object| {
        text(object, "/metadata/namespace") == namespace && text(object, "/metadata/name") == name
    })
}

/// The container port a Service port sends to on `pod` (its `targetPort`,
/// a number or the name of a port the pod declares; else the port itself),
/// with that port's name and the Service port's protocol.
fn target_on_pod<'a>(service_port: &'a Value, pod: &'a Value) -> Option<Port<'a>> {
    let declared = || {
        pod.pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|container| container["ports"].as_array().into_iter().flatten())
    };
    let named = |number: u64| {
        declared()
            .find(|port| port["containerPort"].as_u64() == Some(number))
            .map_or("", |port| text(port, "/name"))
    };
    let protocol = service_port["protocol"].as_str().unwrap_or("TCP");
    match service_port
        .get("targetPort")
        .or_else(|| service_port.get("port"))?
    {
        Value::String(name) => {
            let port = declared().find(|port| port["name"] == name.as_str())?;
            Some(Port {
                number: u16::try_from(port["containerPort"].as_u64()?).ok()?,
                name: text(port, "/name"),
                protocol,
            })
        }
        number => {
            let number = number.as_u64()?;
            Some(Port {
                number: u16::try_from(number).ok()?,
                name: named(number),
                protocol,
            })
        }
    }
}

/// What answers at an endpoint: its pod, or for an endpoint no pod backs
/// (the API server behind `kubernetes`) the bare address, which only a
/// policy's `ipBlock` can match.
fn endpoint_peer(objects: &ClusterObjects<'_>, namespace: &str, endpoint: &Endpoint) -> Value {
    find(objects.pods, namespace, &endpoint.pod_name)
        .cloned()
        .unwrap_or_else(|| json!({"status": {"podIP": endpoint.ip}}))
}

/// Marks, on every Service endpoint, what the NetworkPolicies (the
/// endpoint's ingress, `source`'s egress) drop of the connections `source`
/// (the pod the shell runs in) makes.
fn drop_by_network_policy(
    services: &mut [ServiceRecord],
    source: &Value,
    objects: &ClusterObjects<'_>,
) {
    if objects.network_policies.is_empty() {
        return;
    }
    for record in services.iter_mut() {
        let Some(service) = find(objects.services, &record.namespace, &record.name) else {
            continue;
        };
        let ports: Vec<&Value> = service
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        for endpoint in &mut record.endpoints {
            let target = endpoint_peer(objects, &record.namespace, endpoint);
            let admits = |port| admits(objects, source, &target, port);
            endpoint.dropped_entirely = !admits(None);
            endpoint.dropped_service_ports = ports
                .iter()
                .filter(|port| {
                    endpoint.dropped_entirely
                        || target_on_pod(port, &target)
                            .is_some_and(|pod_port| !admits(Some(pod_port)))
                })
                .filter_map(|port| u16::try_from(port["port"].as_u64()?).ok())
                .collect();
        }
    }
}

/// Whether `source`'s egress lets its DNS queries (UDP 53) reach the
/// cluster DNS: one of the `kube-dns` Service's pods, or, in a cluster
/// that runs none, the pods a cluster DNS runs as (`k8s-app: kube-dns` in
/// `kube-system`) at the Service's address.
fn dns_reachable(source: &Value, services: &[ServiceRecord], objects: &ClusterObjects<'_>) -> bool {
    if objects.network_policies.is_empty() {
        return true;
    }
    let Some(dns) = services
        .iter()
        .find(|service| service.name == "kube-dns" && service.namespace == "kube-system")
    else {
        return true;
    };
    let servers: Vec<Value> = if dns.endpoints.is_empty() {
        vec![
            json!({"metadata": {"namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
                    "status": {"podIP": dns.cluster_ip.clone().unwrap_or_default()}}),
        ]
    } else {
        dns.endpoints
            .iter()
            .map(|endpoint| endpoint_peer(objects, "kube-system", endpoint))
            .collect()
    };
    let query = Port {
        number: 53,
        name: "dns",
        protocol: "UDP",
    };
    servers
        .iter()
        .any(|server| admits(objects, source, server, Some(query)))
}

/// Whether the cluster's NetworkPolicies let `source` (a pod) connect to
/// `target` (a pod, or a bare address with only `status.podIP`) on `port`
/// (`None`: on some port), as a policy-enforcing CNI decides it. The
/// semantics are `netpol`'s, the same the diagnosis explains by; a
/// dropped connection leaves the shell's client waiting until it times out.
fn admits(
    objects: &ClusterObjects<'_>,
    source: &Value,
    target: &Value,
    port: Option<Port<'_>>,
) -> bool {
    netpol::Policies {
        policies: objects.network_policies,
        namespaces: objects.namespaces,
    }
    .connection_between_pods(source, target, port)
    .is_admitted()
}

/// The environment variables a container was started with, resolved as the
/// kubelet resolves them (values, ConfigMap and Secret keys, field references,
/// `envFrom` ConfigMaps); unresolvable references are left out.
fn container_env(
    pod: &Value,
    container: &Value,
    objects: &ClusterObjects<'_>,
) -> Vec<(String, String)> {
    let namespace = text(pod, "/metadata/namespace");
    let mut env = Vec::new();
    for source in container
        .get("envFrom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(config_map) = source.pointer("/configMapRef/name").and_then(Value::as_str)
            && let Some(data) = find(objects.config_maps, namespace, config_map)
                .and_then(|cm| cm.get("data"))
                .and_then(Value::as_object)
        {
            let prefix = text(source, "/prefix");
            env.extend(data.iter().filter_map(|(key, value)| {
                value
                    .as_str()
                    .map(|value| (format!("{prefix}{key}"), value.to_string()))
            }));
        }
    }
    for variable in container
        .get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = text(variable, "/name").to_string();
        let value = if let Some(value) = variable.get("value").and_then(Value::as_str) {
            Some(value.to_string())
        } else if let Some(reference) = variable.pointer("/valueFrom/configMapKeyRef") {
            find(objects.config_maps, namespace, text(reference, "/name"))
                .and_then(|cm| cm.pointer(&format!("/data/{}", text(reference, "/key"))))
                .and_then(Value::as_str)
                .map(str::to_string)
        } else if let Some(reference) = variable.pointer("/valueFrom/secretKeyRef") {
            find(objects.secrets, namespace, text(reference, "/name")).and_then(|secret| {
                let key = text(reference, "/key");
                secret
                    .pointer(&format!("/stringData/{key}"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| {
                        secret
                            .pointer(&format!("/data/{key}"))
                            .and_then(Value::as_str)
                            .and_then(decode_base64)
                    })
            })
        } else if let Some(path) = variable
            .pointer("/valueFrom/fieldRef/fieldPath")
            .and_then(Value::as_str)
        {
            let pointer = match path {
                "metadata.name" => "/metadata/name",
                "metadata.namespace" => "/metadata/namespace",
                "spec.nodeName" => "/spec/nodeName",
                "spec.serviceAccountName" => "/spec/serviceAccountName",
                "status.podIP" => "/status/podIP",
                "status.hostIP" => "/status/hostIP",
                _ => "",
            };
            pod.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        } else {
            None
        };
        if let Some(value) = value {
            env.push((name, value));
        }
    }
    env
}

/// Decodes a Secret's base64 value into text.
fn decode_base64(encoded: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// PID 1 of a container as `ps` shows it: its command and args, else what its image runs.
fn main_process(container: &Value) -> String {
    let words: Vec<&str> = ["command", "args"]
        .iter()
        .flat_map(|field| {
            container
                .get(*field)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(Value::as_str)
        .collect();
    if !words.is_empty() {
        return words.join(" ");
    }
    let image = text(container, "/image");
    let program = image
        .rsplit('/')
        .next()
        .unwrap_or(image)
        .split([':', '@'])
        .next()
        .unwrap_or(image);
    match program {
        "nginx" => "nginx: master process nginx -g daemon off;".to_string(),
        "redis" => "redis-server *:6379".to_string(),
        "postgres" => "postgres".to_string(),
        "busybox" | "alpine" | "netshoot" => "sh".to_string(),
        other => format!("/usr/local/bin/{other}"),
    }
}

/// What the shell knows inside `container` (an app or init container) of `pod`.
pub fn environment_for(
    pod: &Value,
    container: &str,
    objects: &ClusterObjects<'_>,
    now: SystemTime,
) -> ExecEnvironment {
    let spec_container = ["/spec/containers", "/spec/initContainers"]
        .iter()
        .filter_map(|list| pod.pointer(list).and_then(Value::as_array))
        .flatten()
        .find(|candidate| text(candidate, "/name") == container)
        .cloned()
        .unwrap_or(Value::Null);
    let mut services = service_records(objects);
    drop_by_network_policy(&mut services, pod, objects);
    let dns_answers = dns_reachable(pod, &services, objects);
    let dns_server = services
        .iter()
        .find(|service| service.name == "kube-dns" && service.namespace == "kube-system")
        .and_then(|service| service.cluster_ip.clone())
        .unwrap_or_else(|| "10.96.0.10".to_string());
    let pod_name = text(pod, "/metadata/name").to_string();
    let hostname = match text(pod, "/spec/hostname") {
        "" => pod_name.clone(),
        hostname => hostname.to_string(),
    };
    ExecEnvironment {
        namespace: text(pod, "/metadata/namespace").to_string(),
        hostname,
        pod_ip: text(pod, "/status/podIP").to_string(),
        image: text(&spec_container, "/image").to_string(),
        main_process: main_process(&spec_container),
        container_env: container_env(pod, &spec_container, objects),
        services,
        dns_server,
        dns_answers,
        now,
        pod_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_environment_from_the_cluster() {
        let pod = json!({
            "metadata": {"name": "api-1", "namespace": "shop", "labels": {"app": "api"}},
            "spec": {"containers": [{
                "name": "api", "image": "ghcr.io/acme/api:2",
                "envFrom": [{"configMapRef": {"name": "settings"}}],
                "env": [
                    {"name": "PORT", "value": "8080"},
                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                    {"name": "MY_POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "MISSING", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "x"}}},
                ],
            }]},
            "status": {"podIP": "10.244.1.5", "phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
        });
        let services = [
            json!({"metadata": {"name": "api", "namespace": "shop"}, "spec": {"clusterIP": "10.96.1.1", "selector": {"app": "api"}, "ports": [{"port": 80}]}}),
            json!({"metadata": {"name": "kube-dns", "namespace": "kube-system"}, "spec": {"clusterIP": "10.96.0.10", "selector": {"k8s-app": "kube-dns"}, "ports": [{"port": 53}]}}),
        ];
        let config_maps = [
            json!({"metadata": {"name": "settings", "namespace": "shop"}, "data": {"LOG_LEVEL": "debug"}}),
        ];
        let secrets = [
            json!({"metadata": {"name": "db", "namespace": "shop"}, "data": {"password": "UzNjcjN0LVBnLTIwMjQh"}}),
        ];
        let pods = [pod.clone()];
        let objects = ClusterObjects {
            services: &services,
            pods: &pods,
            config_maps: &config_maps,
            secrets: &secrets,
            network_policies: &[],
            namespaces: &[],
        };
        let environment = environment_for(&pod, "api", &objects, SystemTime::UNIX_EPOCH);
        assert_eq!(
            environment.container_env,
            vec![
                ("LOG_LEVEL".to_string(), "debug".to_string()),
                ("PORT".to_string(), "8080".to_string()),
                ("DB_PASSWORD".to_string(), "S3cr3t-Pg-2024!".to_string()),
                ("MY_POD".to_string(), "api-1".to_string()),
            ]
        );
        assert_eq!(environment.main_process, "/usr/local/bin/api");
        assert_eq!(environment.dns_server, "10.96.0.10");
        let api = environment
            .services
            .iter()
            .find(|service| service.name == "api")
            .expect("api");
        assert_eq!(api.endpoints.len(), 1);
        assert_eq!(api.endpoints[0].ip, "10.244.1.5");
        let dns = environment
            .services
            .iter()
            .find(|service| service.name == "kube-dns")
            .expect("kube-dns");
        assert!(dns.endpoints.is_empty(), "no coredns pod here");
    }

    #[test]
    fn the_shell_pods_egress_policies_drop_its_connections_and_dns_queries() {
        let ready =
            json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]});
        let pod = |name: &str, namespace: &str, labels: Value, ip: &str| {
            let mut status = ready.clone();
            status["podIP"] = json!(ip);
            json!({"metadata": {"name": name, "namespace": namespace, "labels": labels},
                   "spec": {"containers": [{"name": "app", "image": "busybox"}]}, "status": status})
        };
        let orders = pod("orders-1", "shop", json!({"app": "orders"}), "10.244.1.5");
        let pods = [
            orders.clone(),
            pod(
                "postgres-0",
                "data",
                json!({"app": "postgres"}),
                "10.244.2.9",
            ),
            pod(
                "coredns-1",
                "kube-system",
                json!({"k8s-app": "kube-dns"}),
                "10.244.0.3",
            ),
        ];
        let services = [
            json!({"metadata": {"name": "postgres", "namespace": "data"}, "spec": {"clusterIP": "10.96.3.3", "selector": {"app": "postgres"}, "ports": [{"port": 5432}]}}),
            json!({"metadata": {"name": "kube-dns", "namespace": "kube-system"}, "spec": {"clusterIP": "10.96.0.10", "selector": {"k8s-app": "kube-dns"}, "ports": [{"port": 53, "protocol": "UDP"}]}}),
        ];
        let namespaces = ["shop", "data", "kube-system"].map(|name| {
            json!({"metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}})
        });
        let environment = |policies: &[Value]| {
            let objects = ClusterObjects {
                services: &services,
                pods: &pods,
                config_maps: &[],
                secrets: &[],
                network_policies: policies,
                namespaces: &namespaces,
            };
            environment_for(&orders, "app", &objects, SystemTime::UNIX_EPOCH)
        };
        let postgres_dropped = |environment: &ExecEnvironment| {
            environment
                .services
                .iter()
                .find(|service| service.name == "postgres")
                .expect("postgres")
                .endpoints[0]
                .dropped_service_ports
                .clone()
        };
        // Only DNS to kube-system leaves orders: postgres is dropped.
        let dns_only = json!({"metadata": {"name": "orders-egress", "namespace": "shop"}, "spec": {
            "podSelector": {"matchLabels": {"app": "orders"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                        "ports": [{"protocol": "UDP", "port": 53}]}]}});
        let cut = environment(std::slice::from_ref(&dns_only));
        assert!(cut.dns_answers);
        assert_eq!(postgres_dropped(&cut), vec![5432]);
        // Deny-all egress: not even DNS gets out.
        let deny_all = json!({"metadata": {"name": "deny-egress", "namespace": "shop"},
            "spec": {"podSelector": {}, "policyTypes": ["Egress"]}});
        assert!(!environment(&[deny_all]).dns_answers);
        // No policy: everything gets through.
        let open = environment(&[]);
        assert!(open.dns_answers);
        assert!(postgres_dropped(&open).is_empty());
    }
}
