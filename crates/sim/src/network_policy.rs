//! NetworkPolicy as a policy-enforcing CNI decides it, for the connections
//! the simulated shell makes (`curl`, `wget`, `nc` and DNS lookups from an
//! exec session or an init container).
//!
//! A connection from a source pod to a destination passes only when both
//! ends let it: the destination's ingress and the source's egress.
//! A pod is isolated in a direction when a NetworkPolicy of its namespace
//! selects it (`podSelector`; an empty one selects every pod) and lists that
//! direction among its `policyTypes`. A policy listing none is an ingress
//! policy, and an egress one too when it has `egress` rules (the API
//! server's defaulting). An isolated pod's traffic in that direction passes
//! only when some rule of a policy selecting it admits the other end
//! (`from` for ingress, `to` for egress: pods by `podSelector` in the
//! policy's namespace, namespaces by `namespaceSelector`, both together, or
//! an IPv4 `ipBlock`; no peers admit every peer) on the destination port
//! (`ports`: a number, a range up to `endPort`, or a container port's name,
//! each with its `protocol`, TCP when left out; none admits every port).
//! Everything else is dropped, so the client waits until it times out
//! (a DNS lookup over UDP 53 to the cluster DNS included).

use serde_json::Value;

use crate::controllers::text;
use crate::selector::LabelSelector;

/// A destination port of a pod: its number and, when a container declares
/// it with one, its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodPort<'a> {
    /// The port number.
    pub number: u16,
    /// The container port's name (`""` when unnamed).
    pub name: &'a str,
    /// `TCP`, `UDP` or `SCTP`: a rule's port admits only its own protocol.
    pub protocol: &'a str,
}

/// Which traffic of the pods it selects a policy constrains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// Connections the pod accepts.
    Ingress,
    /// Connections the pod makes.
    Egress,
}

impl Direction {
    /// The `policyTypes` entry and the `spec` field of its rules.
    fn policy_type(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }

    /// A rule's field listing the peers it admits.
    fn peers(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }

    fn rules(self, policy: &Value) -> &[Value] {
        let field = match self {
            Direction::Ingress => "/spec/ingress",
            Direction::Egress => "/spec/egress",
        };
        policy
            .pointer(field)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether `policy` constrains this direction: its `policyTypes` say so,
    /// or, left out, the API server's default (always Ingress, Egress when
    /// the policy has egress rules).
    fn constrained_by(self, policy: &Value) -> bool {
        match policy
            .pointer("/spec/policyTypes")
            .and_then(Value::as_array)
        {
            Some(types) if !types.is_empty() => types.iter().any(|kind| kind == self.policy_type()),
            _ => self == Direction::Ingress || !self.rules(policy).is_empty(),
        }
    }
}

/// The policies that isolate `pod` in `direction`.
fn isolating<'a>(policies: &'a [Value], pod: &Value, direction: Direction) -> Vec<&'a Value> {
    let namespace = text(pod, "/metadata/namespace");
    policies
        .iter()
        .filter(|policy| text(policy, "/metadata/namespace") == namespace)
        .filter(|policy| direction.constrained_by(policy))
        .filter(|policy| {
            let selector = policy.pointer("/spec/podSelector").unwrap_or(&Value::Null);
            LabelSelector::from_object(selector).is_ok_and(|selector| selector.matches_object(pod))
        })
        .collect()
}

/// Whether an IPv4 address lies in a CIDR block.
fn in_block(ip: &str, cidr: &str) -> bool {
    let parse = |text: &str| text.parse::<std::net::Ipv4Addr>().ok().map(u32::from);
    let (network, bits) = cidr.split_once('/').unwrap_or((cidr, "32"));
    let (Some(ip), Some(network), Ok(bits)) = (parse(ip), parse(network), bits.parse::<u32>())
    else {
        return false;
    };
    let mask = u32::MAX.checked_shl(32 - bits.min(32)).unwrap_or(0);
    ip & mask == network & mask
}

/// Whether one peer (`from` or `to` entry) of a policy in
/// `policy_namespace` is `other`, the pod at the far end (or a bare
/// address: an object with only `status.podIP`, which only an `ipBlock`
/// matches).
fn peer_is(peer: &Value, policy_namespace: &str, other: &Value, namespaces: &[Value]) -> bool {
    if let Some(block) = peer.get("ipBlock") {
        let ip = text(other, "/status/podIP");
        return in_block(ip, text(block, "/cidr"))
            && !block["except"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|except| in_block(ip, except));
    }
    let selects = |selector: &Value, object: &Value| {
        LabelSelector::from_object(selector).is_ok_and(|selector| selector.matches_object(object))
    };
    let other_namespace = text(other, "/metadata/namespace");
    if other_namespace.is_empty() {
        return false;
    }
    let namespace_holds = match peer.get("namespaceSelector") {
        Some(selector) => namespaces
            .iter()
            .find(|namespace| text(namespace, "/metadata/name") == other_namespace)
            .is_some_and(|namespace| selects(selector, namespace)),
        None => other_namespace == policy_namespace,
    };
    namespace_holds
        && peer
            .get("podSelector")
            .is_none_or(|selector| selects(selector, other))
}

/// Whether a rule's `ports` admit `port` (`None`: any port of the pod).
fn rule_admits_port(rule: &Value, port: Option<PodPort<'_>>) -> bool {
    let Some(port) = port else {
        return true;
    };
    let Some(ports) = rule["ports"].as_array().filter(|ports| !ports.is_empty()) else {
        return true;
    };
    ports.iter().any(|entry| {
        let protocol = entry["protocol"].as_str().unwrap_or("TCP");
        protocol == port.protocol
            && match entry.get("port") {
                None => true,
                Some(Value::String(name)) => !port.name.is_empty() && name == port.name,
                Some(number) => number.as_u64().is_some_and(|first| {
                    let last = entry["endPort"].as_u64().unwrap_or(first);
                    (first..=last).contains(&u64::from(port.number))
                }),
            }
    })
}

/// Whether the policies isolating `pod` in `direction` (none: it is not
/// isolated) let its traffic to or from `other` through on `port`.
fn passes(
    policies: &[Value],
    namespaces: &[Value],
    pod: &Value,
    other: &Value,
    port: Option<PodPort<'_>>,
    direction: Direction,
) -> bool {
    let isolating = isolating(policies, pod, direction);
    isolating.is_empty()
        || isolating.iter().any(|policy| {
            let policy_namespace = text(policy, "/metadata/namespace");
            direction.rules(policy).iter().any(|rule| {
                let peer_admitted = rule[direction.peers()]
                    .as_array()
                    .filter(|peers| !peers.is_empty())
                    .is_none_or(|peers| {
                        peers
                            .iter()
                            .any(|peer| peer_is(peer, policy_namespace, other, namespaces))
                    });
                peer_admitted && rule_admits_port(rule, port)
            })
        })
}

/// Whether the NetworkPolicies let `source` (a pod) connect to `target`
/// (a pod, or a bare address with only `status.podIP`) on `port`: the
/// target's ingress and the source's egress both admit it. With `None`,
/// whether each lets some port through.
pub fn admits(
    policies: &[Value],
    namespaces: &[Value],
    source: &Value,
    target: &Value,
    port: Option<PodPort<'_>>,
) -> bool {
    passes(
        policies,
        namespaces,
        target,
        source,
        port,
        Direction::Ingress,
    ) && passes(
        policies,
        namespaces,
        source,
        target,
        port,
        Direction::Egress,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, namespace: &str, app: &str, ip: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": namespace, "labels": {"app": app}},
               "status": {"podIP": ip}})
    }

    fn policy(name: &str, spec: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": "shop"}, "spec": spec})
    }

    #[test]
    fn an_isolated_pod_admits_only_what_a_rule_of_a_selecting_policy_admits() {
        let namespaces = [
            json!({"metadata": {"name": "shop", "labels": {"kubernetes.io/metadata.name": "shop"}}}),
            json!({"metadata": {"name": "ops", "labels": {"team": "ops"}}}),
        ];
        let payments = pod("payments-1", "shop", "payments", "10.244.1.5");
        let checkout = pod("checkout-1", "shop", "checkout", "10.244.1.6");
        let frontend = pod("frontend-1", "shop", "frontend", "10.244.1.7");
        let monitor = pod("monitor-1", "ops", "monitor", "10.244.2.9");
        let http = Some(PodPort {
            number: 8080,
            name: "http",
            protocol: "TCP",
        });
        // No policy: everything is admitted.
        assert!(admits(&[], &namespaces, &checkout, &payments, http));
        // Deny-all ingress: nothing is.
        let lockdown = policy(
            "lockdown",
            json!({"podSelector": {"matchLabels": {"app": "payments"}}, "policyTypes": ["Ingress"]}),
        );
        assert!(!admits(
            std::slice::from_ref(&lockdown),
            &namespaces,
            &checkout,
            &payments,
            http
        ));
        assert!(!admits(
            std::slice::from_ref(&lockdown),
            &namespaces,
            &checkout,
            &payments,
            None
        ));
        // It does not select other pods.
        assert!(admits(
            std::slice::from_ref(&lockdown),
            &namespaces,
            &payments,
            &checkout,
            http
        ));
        // An egress-only policy isolates nothing for ingress: a pod of
        // another namespace still connects (pods of its own have no egress).
        let egress = policy(
            "egress",
            json!({"podSelector": {}, "policyTypes": ["Egress"]}),
        );
        assert!(admits(
            std::slice::from_ref(&egress),
            &namespaces,
            &monitor,
            &payments,
            http
        ));
        assert!(!admits(&[egress], &namespaces, &checkout, &payments, http));
        // Policies add up: a rule admitting checkout on port http (by name).
        let from_checkout = policy(
            "from-checkout",
            json!({"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "checkout"}}}],
                   "ports": [{"protocol": "TCP", "port": "http"}]}]}),
        );
        let both = [lockdown, from_checkout];
        assert!(admits(&both, &namespaces, &checkout, &payments, http));
        assert!(!admits(&both, &namespaces, &frontend, &payments, http));
        let metrics = Some(PodPort {
            number: 9090,
            name: "metrics",
            protocol: "TCP",
        });
        assert!(!admits(&both, &namespaces, &checkout, &payments, metrics));
        // A namespace selector admits every pod of the namespaces it selects,
        // a range of ports admits the ports in it, an ipBlock its addresses.
        let from_ops = policy(
            "from-ops",
            json!({"podSelector": {}, "ingress": [
                {"from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}],
                 "ports": [{"port": 9000, "endPort": 9100}]},
                {"from": [{"ipBlock": {"cidr": "10.244.1.0/24", "except": ["10.244.1.7/32"]}}]}]}),
        );
        assert!(admits(
            std::slice::from_ref(&from_ops),
            &namespaces,
            &monitor,
            &payments,
            metrics
        ));
        assert!(!admits(
            std::slice::from_ref(&from_ops),
            &namespaces,
            &monitor,
            &payments,
            http
        ));
        assert!(admits(
            std::slice::from_ref(&from_ops),
            &namespaces,
            &checkout,
            &payments,
            http
        ));
        assert!(!admits(
            &[from_ops],
            &namespaces,
            &frontend,
            &payments,
            http
        ));
    }

    #[test]
    fn an_egress_isolated_pod_reaches_only_what_a_rule_of_a_selecting_policy_admits() {
        let namespaces = [
            json!({"metadata": {"name": "shop", "labels": {"kubernetes.io/metadata.name": "shop"}}}),
            json!({"metadata": {"name": "data", "labels": {"kubernetes.io/metadata.name": "data"}}}),
            json!({"metadata": {"name": "kube-system", "labels": {"kubernetes.io/metadata.name": "kube-system"}}}),
        ];
        let orders = pod("orders-1", "shop", "orders", "10.244.1.5");
        let cart = pod("cart-1", "shop", "cart", "10.244.1.6");
        let postgres = pod("postgres-0", "data", "postgres", "10.244.2.9");
        let coredns = json!({"metadata": {"name": "coredns-1", "namespace": "kube-system",
            "labels": {"k8s-app": "kube-dns"}}, "status": {"podIP": "10.244.0.3"}});
        let api_server = json!({"status": {"podIP": "10.0.1.21"}});
        let tcp = |number| {
            Some(PodPort {
                number,
                name: "",
                protocol: "TCP",
            })
        };
        let dns = Some(PodPort {
            number: 53,
            name: "dns",
            protocol: "UDP",
        });
        // Egress rules and no policyTypes: the policy constrains egress
        // (and ingress, which it admits from nowhere).
        let only_dns = policy(
            "orders-egress",
            json!({"podSelector": {"matchLabels": {"app": "orders"}}, "egress": [
                {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                         "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                 "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}),
        );
        let policies = std::slice::from_ref(&only_dns);
        assert!(admits(policies, &namespaces, &orders, &coredns, dns));
        assert!(!admits(
            policies,
            &namespaces,
            &orders,
            &postgres,
            tcp(5432)
        ));
        assert!(!admits(
            policies,
            &namespaces,
            &orders,
            &api_server,
            tcp(443)
        ));
        // It selects only orders: cart's traffic passes, but with its
        // policyTypes left out it isolates orders for ingress too, and
        // having no ingress rule, admits nothing to orders.
        assert!(admits(policies, &namespaces, &cart, &postgres, tcp(5432)));
        assert!(!admits(policies, &namespaces, &cart, &orders, tcp(8080)));
        // An Egress-only policy leaves ingress open.
        let egress_only = policy(
            "orders-egress",
            json!({"podSelector": {"matchLabels": {"app": "orders"}}, "policyTypes": ["Egress"], "egress": [
                {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "data"}}}],
                 "ports": [{"port": 5432}]},
                {"to": [{"ipBlock": {"cidr": "10.0.1.0/24"}}], "ports": [{"port": 443}]},
                {"ports": [{"port": 53}]}]}),
        );
        let policies = std::slice::from_ref(&egress_only);
        assert!(admits(policies, &namespaces, &cart, &orders, tcp(8080)));
        assert!(admits(policies, &namespaces, &orders, &postgres, tcp(5432)));
        assert!(!admits(
            policies,
            &namespaces,
            &orders,
            &postgres,
            tcp(6432)
        ));
        assert!(admits(
            policies,
            &namespaces,
            &orders,
            &api_server,
            tcp(443)
        ));
        // A port without its protocol is TCP: DNS over UDP is dropped, the
        // mistake that leaves a pod resolving nothing.
        assert!(!admits(policies, &namespaces, &orders, &coredns, dns));
        // Deny-all egress: nothing leaves, on any port.
        let deny_all = policy(
            "deny-egress",
            json!({"podSelector": {}, "policyTypes": ["Egress"]}),
        );
        assert!(!admits(
            std::slice::from_ref(&deny_all),
            &namespaces,
            &cart,
            &postgres,
            None
        ));
        // Policies of the destination's namespace do not constrain the source's egress.
        let elsewhere = json!({"metadata": {"name": "deny-egress", "namespace": "data"},
            "spec": {"podSelector": {}, "policyTypes": ["Egress"]}});
        assert!(admits(
            &[elsewhere],
            &namespaces,
            &cart,
            &postgres,
            tcp(5432)
        ));
    }
}
