//! "Why can't orders connect to postgres": what the NetworkPolicies of both
//! ends decide about a connection from a source workload's pods to a
//! Service's pods, read before any debug pod runs. A debug pod carries
//! labels of its own, so a policy selecting the source's pods does not
//! select it: its test can pass where the source's own connections are
//! dropped, and only this reading names that cause.
//!
//! The semantics are the `netpol` crate's, the same the simulated cluster
//! enforces; this module gathers nothing and decides nothing of its own: it
//! puts the read facts to those semantics and words the verdict.

use std::collections::BTreeMap;

use netpol::Direction;
use serde_json::Value;

use super::pod_failure::service::peer_text;
use super::{Cause, Diagnosis, Evidence, ObjectRef};

/// One end of a connection as policies see it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct End {
    /// `Deployment`, `Service`, `Pod`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its namespace (where the policies that select it live).
    pub namespace: String,
    /// The labels of its pods (a workload's pod template, a Service's pod).
    pub labels: BTreeMap<String, String>,
    /// A pod's address, for `ipBlock` peers (empty when unknown).
    pub ip: String,
}

impl End {
    /// This end as the policies see it.
    fn endpoint(&self) -> netpol::Endpoint<'_> {
        netpol::Endpoint {
            namespace: &self.namespace,
            labels: &self.labels,
            ip: &self.ip,
        }
    }

    fn described(&self) -> String {
        format!(
            "{} {}/{}",
            self.kind.to_lowercase(),
            self.namespace,
            self.name
        )
    }
}

/// The destination port of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// The number the destination pod listens on.
    pub number: u16,
    /// The container port's name (empty when unnamed).
    pub name: String,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
}

impl Port {
    /// A DNS query to the cluster DNS.
    pub fn dns() -> Port {
        Port {
            number: 53,
            name: "dns".into(),
            protocol: "UDP".into(),
        }
    }

    /// This port as the policies see it.
    fn policy_port(&self) -> netpol::Port<'_> {
        netpol::Port {
            number: self.number,
            name: &self.name,
            protocol: &self.protocol,
        }
    }
}

/// A policy's rules in `direction`, as a person reads them.
fn rules_text(policy: &Value, direction: Direction) -> String {
    let namespace = policy
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let said: Vec<String> = direction
        .rules(policy)
        .iter()
        .map(|rule| {
            let peers: Vec<String> = rule[direction.peers_field()]
                .as_array()
                .filter(|peers| !peers.is_empty())
                .map(|peers| {
                    peers
                        .iter()
                        .map(|peer| peer_text(peer, namespace))
                        .collect()
                })
                .unwrap_or_else(|| vec!["anywhere".to_owned()]);
            let ports: Vec<String> = rule["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|port| {
                    let protocol = port["protocol"].as_str().unwrap_or("TCP");
                    match &port["port"] {
                        Value::Null => format!("all {protocol} ports"),
                        Value::String(name) => format!("{name}/{protocol}"),
                        number => format!("{number}/{protocol}"),
                    }
                })
                .collect();
            format!(
                "{} {} on {}",
                direction.peers_field(),
                peers.join(" or "),
                if ports.is_empty() {
                    "all ports".to_owned()
                } else {
                    ports.join(", ")
                }
            )
        })
        .collect();
    if said.is_empty() {
        format!("nothing (no {} rule)", direction.spec_field())
    } else {
        said.join("; ")
    }
}

/// What was read about one connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectionFacts {
    /// The workload the connection is made from.
    pub source: End,
    /// A pod of the Service it is made to.
    pub destination: End,
    /// The Service's name.
    pub service: String,
    /// The port the Service sends the connection to on that pod.
    pub port: Option<Port>,
    /// A pod of the cluster DNS (its queries are a connection too); `None`
    /// when the cluster runs none that could be read.
    pub dns: Option<End>,
    /// The NetworkPolicies of both ends' namespaces.
    pub policies: Vec<Value>,
    /// The Namespace objects of both ends and of the cluster DNS.
    pub namespaces: Vec<Value>,
}

/// The policies' verdict on the connection: `None` when they let it
/// through (what is left to test is the network itself), else the
/// diagnosis naming the policy of the end that drops it.
pub fn conclude(facts: &ConnectionFacts) -> Option<Diagnosis> {
    let ConnectionFacts {
        source,
        destination,
        service,
        port,
        dns,
        policies,
        namespaces,
    } = facts;
    let port = port.as_ref()?;
    let verdicts = netpol::Policies {
        policies,
        namespaces,
    };
    let netpol::Decision {
        isolating: egress,
        admitted: mut egress_admits,
    } = verdicts.decide(
        &source.endpoint(),
        &destination.endpoint(),
        Some(port.policy_port()),
        Direction::Egress,
    );
    // A lookup's destination is the cluster DNS itself: the DNS verdict
    // says it all.
    let lookup = service == "kube-dns" && destination.namespace == "kube-system";
    egress_admits |= lookup;
    let dns_admits = dns.as_ref().is_none_or(|dns| {
        verdicts
            .decide(
                &source.endpoint(),
                &dns.endpoint(),
                Some(Port::dns().policy_port()),
                Direction::Egress,
            )
            .admitted
    });
    let netpol::Decision {
        isolating: ingress,
        admitted: ingress_admits,
    } = verdicts.decide(
        &destination.endpoint(),
        &source.endpoint(),
        Some(port.policy_port()),
        Direction::Ingress,
    );
    if egress_admits && dns_admits && ingress_admits {
        return None;
    }
    let names = |isolating: &[&Value]| {
        isolating
            .iter()
            .filter_map(|policy| policy.pointer("/metadata/name").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let evidence_of = |isolating: &[&Value], end: &End, direction: Direction| {
        isolating
            .iter()
            .map(|policy| {
                Evidence::new(
                    format!(
                        "NetworkPolicy {}/{}",
                        end.namespace,
                        policy
                            .pointer("/metadata/name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                    ),
                    format!(
                        "isolates the pods of {} for {}; admits {}",
                        end.described(),
                        direction.spec_field(),
                        rules_text(policy, direction)
                    ),
                )
            })
            .collect::<Vec<_>>()
    };
    let target = format!(
        "Service {service} in {} on port {}/{}",
        destination.namespace, port.number, port.protocol
    );
    let no_change = "kubeop proposes no change to a network policy (a security decision)";
    let (cause, subject, summary, evidence, policy_names, policy_namespace) = if !(egress_admits
        && dns_admits)
    {
        let dropped = match (egress_admits, dns_admits) {
            (false, false) => format!(
                "no rule admits {target}, nor DNS queries (UDP 53) to the cluster DNS: it resolves no Service name and its connections to {service} are dropped"
            ),
            (false, true) => format!(
                "no rule admits {target}: its connections to {service} are dropped and time out"
            ),
            _ if lookup => "no rule admits its DNS queries (UDP 53) to the cluster DNS: it resolves no Service name".to_owned(),
            _ => format!(
                "no rule admits its DNS queries (UDP 53) to the cluster DNS: it resolves no Service name, so it cannot find {service}"
            ),
        };
        let missing = match (egress_admits, dns_admits) {
            (false, false) => format!("{target} and UDP/TCP 53 to the cluster DNS"),
            (false, true) => target.clone(),
            _ => "UDP/TCP 53 to the cluster DNS".to_owned(),
        };
        let summary = format!(
            "NetworkPolicy {} isolates the pods of {} for egress and {dropped}. A debug pod would not show it: the policy selects the pods of {} by their labels, not a debug pod's. {no_change}: add an egress rule admitting {missing} to the policy, or remove it if it was applied by mistake.",
            names(&egress),
            source.described(),
            source.name,
        );
        (
            Cause::NetworkPolicyBlocksEgress,
            ObjectRef::namespaced("apps/v1", &source.kind, &source.name, &source.namespace),
            summary,
            evidence_of(&egress, source, Direction::Egress),
            names(&egress),
            source.namespace.clone(),
        )
    } else {
        let summary = format!(
            "NetworkPolicy {} isolates the pods of Service {service} for ingress and no rule admits {} on port {}/{}: its connections to {service} are dropped and time out. {no_change}: add an ingress rule admitting the pods of {}, or remove the policy if it was applied by mistake.",
            names(&ingress),
            source.described(),
            port.number,
            port.protocol,
            source.name,
        );
        (
            Cause::NetworkPolicyBlocksIngress,
            ObjectRef::namespaced("v1", "Service", service, &destination.namespace),
            summary,
            evidence_of(&ingress, destination, Direction::Ingress),
            names(&ingress),
            destination.namespace.clone(),
        )
    };
    let next_steps = policy_names
        .split(", ")
        .map(|policy| format!("describe networkpolicy {policy} in {policy_namespace}"))
        .collect();
    Some(Diagnosis::new(
        subject, cause, summary, evidence, None, next_steps,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn end(kind: &str, name: &str, namespace: &str, app: &str, ip: &str) -> End {
        End {
            kind: kind.into(),
            name: name.into(),
            namespace: namespace.into(),
            labels: BTreeMap::from([("app".to_owned(), app.to_owned())]),
            ip: ip.into(),
        }
    }

    fn facts(policies: Vec<Value>) -> ConnectionFacts {
        ConnectionFacts {
            source: end("Deployment", "orders", "shop", "orders", ""),
            destination: end("Pod", "postgres-0", "data", "postgres", "10.244.2.9"),
            service: "postgres".into(),
            port: Some(Port {
                number: 5432,
                name: "pg".into(),
                protocol: "TCP".into(),
            }),
            dns: Some(End {
                kind: "Pod".into(),
                name: "coredns-1".into(),
                namespace: "kube-system".into(),
                labels: BTreeMap::from([("k8s-app".to_owned(), "kube-dns".to_owned())]),
                ip: "10.244.0.3".into(),
            }),
            policies,
            namespaces: Vec::new(),
        }
    }

    fn policy(name: &str, namespace: &str, spec: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": namespace}, "spec": spec})
    }

    #[test]
    fn the_sources_egress_policy_is_named_when_it_drops_the_connection() {
        let dns_only = policy(
            "orders-egress",
            "shop",
            json!({"podSelector": {"matchLabels": {"app": "orders"}}, "policyTypes": ["Egress"],
                   "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                               "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}),
        );
        let found = conclude(&facts(vec![dns_only.clone()])).expect("dropped");
        assert_eq!(found.cause, Cause::NetworkPolicyBlocksEgress);
        assert_eq!(found.subject.to_string(), "Deployment shop/orders");
        assert!(
            found.summary.starts_with("NetworkPolicy orders-egress isolates the pods of deployment shop/orders for egress and no rule admits Service postgres in data on port 5432/TCP: its connections to postgres are dropped and time out."),
            "{}",
            found.summary
        );
        assert_eq!(
            found.evidence[0].quote,
            "isolates the pods of deployment shop/orders for egress; admits to namespaces kubernetes.io/metadata.name=kube-system on 53/UDP, 53/TCP"
        );
        // A rule admitting the data namespace on 5432 lets it through.
        let to_data = policy(
            "orders-to-data",
            "shop",
            json!({"podSelector": {"matchLabels": {"app": "orders"}}, "policyTypes": ["Egress"],
                   "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "data"}}}],
                               "ports": [{"port": 5432}]}]}),
        );
        assert_eq!(conclude(&facts(vec![dns_only, to_data.clone()])), None);
        // Alone, that rule leaves DNS out: the lookups are what fail.
        let found = conclude(&facts(vec![to_data])).expect("no DNS");
        assert_eq!(found.cause, Cause::NetworkPolicyBlocksEgress);
        assert!(
            found
                .summary
                .contains("no rule admits its DNS queries (UDP 53) to the cluster DNS"),
            "{}",
            found.summary
        );
        // A policy of another workload changes nothing.
        let other = policy(
            "cart-egress",
            "shop",
            json!({"podSelector": {"matchLabels": {"app": "cart"}}, "policyTypes": ["Egress"]}),
        );
        assert_eq!(conclude(&facts(vec![other])), None);
    }

    #[test]
    fn the_destinations_ingress_policy_is_named_when_it_drops_the_connection() {
        let from_api = policy(
            "postgres-from-api",
            "data",
            json!({"podSelector": {"matchLabels": {"app": "postgres"}},
                   "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "api"}}}],
                                "ports": [{"port": "pg"}]}]}),
        );
        let found = conclude(&facts(vec![from_api])).expect("dropped");
        assert_eq!(found.cause, Cause::NetworkPolicyBlocksIngress);
        assert_eq!(found.subject.to_string(), "Service data/postgres");
        let from_orders = policy(
            "postgres-from-orders",
            "data",
            json!({"podSelector": {}, "ingress": [{"from": [
                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}},
                 "podSelector": {"matchLabels": {"app": "orders"}}}]}]}),
        );
        assert_eq!(conclude(&facts(vec![from_orders])), None);
    }
}
