//! The semantics over pods written as the API returns them: the same
//! policies the simulated cluster enforces and the diagnosis reads.

use serde_json::{Value, json};

use super::*;

/// Whether a connection from pod `source` to `target` (a pod, or a bare
/// address with only `status.podIP`) passes.
fn admits(
    policies: &[Value],
    namespaces: &[Value],
    source: &Value,
    target: &Value,
    port: Option<Port<'_>>,
) -> bool {
    Policies {
        policies,
        namespaces,
    }
    .connection_between_pods(source, target, port)
    .is_admitted()
}

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
    let http = Some(Port {
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
    let metrics = Some(Port {
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
        Some(Port {
            number,
            name: "",
            protocol: "TCP",
        })
    };
    let dns = Some(Port {
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

#[test]
fn a_dropped_connection_names_the_end_and_the_policies_that_drop_it() {
    let payments = pod("payments-1", "shop", "payments", "10.244.1.5");
    let checkout = pod("checkout-1", "shop", "checkout", "10.244.1.6");
    let lockdown = policy(
        "lockdown",
        json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["payments", "ledger"]}]},
               "policyTypes": ["Ingress"]}),
    );
    let no_egress = policy(
        "no-egress",
        json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["payments"]}]},
               "policyTypes": ["Egress"]}),
    );
    let policies = [lockdown.clone(), no_egress.clone()];

    // The destination's ingress is read first.
    assert_eq!(
        Policies {
            policies: &policies,
            namespaces: &[],
        }
        .connection_between_pods(&checkout, &payments, None),
        Verdict::Dropped {
            direction: Direction::Ingress,
            policies: vec![&lockdown],
        }
    );
    assert_eq!(
        Policies {
            policies: &policies[1..],
            namespaces: &[],
        }
        .connection_between_pods(&checkout, &payments, None),
        Verdict::Dropped {
            direction: Direction::Egress,
            policies: vec![&no_egress],
        }
    );
    // The other way round, neither selects the end it would have to.
    assert!(admits(&policies, &[], &payments, &checkout, None));
    // An operator the API does not know selects nothing.
    let unknown = policy(
        "unknown",
        json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "Gt", "values": ["1"]}]}}),
    );
    assert!(admits(&[unknown], &[], &checkout, &payments, None));
}

#[test]
fn every_namespace_carries_its_name_label_even_when_its_object_was_not_read() {
    let orders = pod("orders-1", "shop", "orders", "10.244.1.5");
    let postgres = pod("postgres-0", "data", "postgres", "10.244.2.9");
    let from_shop = json!({"metadata": {"name": "from-shop", "namespace": "data"},
        "spec": {"podSelector": {}, "ingress": [{"from": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}}}]}]}});
    let policies = std::slice::from_ref(&from_shop);
    assert!(admits(policies, &[], &orders, &postgres, None));
    // A bare address is in no namespace: only an ipBlock matches it.
    let outside = json!({"status": {"podIP": "10.244.1.5"}});
    assert!(!admits(policies, &[], &outside, &postgres, None));
}
