//! NetworkPolicy ingress as a policy-enforcing CNI decides it, for the
//! connections the simulated shell makes (`curl`, `wget`, `nc` from an exec
//! session or an init container).
//!
//! A pod is isolated for ingress when a NetworkPolicy of its namespace
//! selects it (`podSelector`; an empty one selects every pod) and lists
//! `Ingress` among its `policyTypes` (or lists none). An isolated pod
//! accepts a connection only when some ingress rule of a policy selecting
//! it admits the source (`from`: pods by `podSelector` in the policy's
//! namespace, namespaces by `namespaceSelector`, both together, or an IPv4
//! `ipBlock`; no `from` admits every source) on the destination port
//! (`ports`: a number, a range up to `endPort`, or a container port's
//! name; none admits every port). Everything else is dropped, so the
//! client waits until it times out. Egress is not enforced.

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
}

/// The policies that isolate `target` for ingress.
fn isolating<'a>(policies: &'a [Value], target: &Value) -> Vec<&'a Value> {
    let namespace = text(target, "/metadata/namespace");
    policies
        .iter()
        .filter(|policy| text(policy, "/metadata/namespace") == namespace)
        .filter(|policy| {
            policy
                .pointer("/spec/policyTypes")
                .and_then(Value::as_array)
                .is_none_or(|types| types.iter().any(|kind| kind == "Ingress"))
        })
        .filter(|policy| {
            let selector = policy.pointer("/spec/podSelector").unwrap_or(&Value::Null);
            LabelSelector::from_object(selector)
                .is_ok_and(|selector| selector.matches_object(target))
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

/// Whether one `from` peer of a policy in `policy_namespace` is `source`.
fn peer_is(peer: &Value, policy_namespace: &str, source: &Value, namespaces: &[Value]) -> bool {
    if let Some(block) = peer.get("ipBlock") {
        let ip = text(source, "/status/podIP");
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
    let source_namespace = text(source, "/metadata/namespace");
    let namespace_holds = match peer.get("namespaceSelector") {
        Some(selector) => namespaces
            .iter()
            .find(|namespace| text(namespace, "/metadata/name") == source_namespace)
            .is_some_and(|namespace| selects(selector, namespace)),
        None => source_namespace == policy_namespace,
    };
    namespace_holds
        && peer
            .get("podSelector")
            .is_none_or(|selector| selects(selector, source))
}

/// Whether a rule's `ports` admit `port` (`None`: any port of the pod).
fn rule_admits_port(rule: &Value, port: Option<PodPort<'_>>) -> bool {
    let Some(port) = port else {
        return true;
    };
    let Some(ports) = rule["ports"].as_array().filter(|ports| !ports.is_empty()) else {
        return true;
    };
    ports.iter().any(|entry| match entry.get("port") {
        None => true,
        Some(Value::String(name)) => !port.name.is_empty() && name == port.name,
        Some(number) => number.as_u64().is_some_and(|first| {
            let last = entry["endPort"].as_u64().unwrap_or(first);
            (first..=last).contains(&u64::from(port.number))
        }),
    })
}

/// Whether the NetworkPolicies let `source` (a pod) connect to `target`
/// (a pod) on `port`; with `None`, whether they let it connect on any port.
pub fn admits(
    policies: &[Value],
    namespaces: &[Value],
    source: &Value,
    target: &Value,
    port: Option<PodPort<'_>>,
) -> bool {
    let isolating = isolating(policies, target);
    if isolating.is_empty() {
        return true;
    }
    isolating.iter().any(|policy| {
        let policy_namespace = text(policy, "/metadata/namespace");
        policy
            .pointer("/spec/ingress")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|rule| {
                let from_admits = rule["from"]
                    .as_array()
                    .filter(|from| !from.is_empty())
                    .is_none_or(|from| {
                        from.iter()
                            .any(|peer| peer_is(peer, policy_namespace, source, namespaces))
                    });
                from_admits && rule_admits_port(rule, port)
            })
    })
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
        // An egress-only policy isolates nothing for ingress.
        let egress = policy(
            "egress",
            json!({"podSelector": {}, "policyTypes": ["Egress"]}),
        );
        assert!(admits(&[egress], &namespaces, &checkout, &payments, http));
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
}
