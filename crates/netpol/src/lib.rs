//! NetworkPolicy semantics, as a policy-enforcing CNI applies them: the one
//! reading of `networking.k8s.io/v1` policies that both the simulated
//! cluster (`sim`, which drops its shell's connections by it) and the
//! diagnosis (`workflow`, which names the policy that drops one) use, so
//! what the sim enforces and what kubeop explains can never disagree.
//!
//! Start with [`Policies::connection`]: a connection from a source pod to a
//! destination passes only when both ends let it, the destination's
//! ingress and the source's egress. A pod is isolated in a [`Direction`]
//! when a policy of its namespace selects it (`podSelector`; an empty one
//! selects every pod) and lists that direction among its `policyTypes`. A
//! policy listing none is an ingress policy, and an egress one too when it
//! has `egress` rules (the API server's defaulting). An isolated pod's
//! traffic in that direction passes only when some rule of a policy
//! selecting it admits the other end (`from` for ingress, `to` for egress:
//! pods by `podSelector` in the policy's namespace, namespaces by
//! `namespaceSelector`, both together, or an IPv4 `ipBlock` with its
//! `except`; no peers admit every peer) on the destination port (`ports`: a
//! number, a range up to `endPort`, or a container port's name, each with
//! its `protocol`, TCP when left out; none admits every port). Everything
//! else is dropped.
//!
//! Policies and Namespaces are the API's JSON objects, as read; the crate
//! does no I/O and has no errors: a malformed policy simply admits less.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

use serde_json::Value;

/// The label the API server puts on every Namespace (since Kubernetes
/// 1.21), so that `namespaceSelector`s can name a namespace.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Which traffic of the pods it selects a policy constrains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Connections the pods accept.
    Ingress,
    /// Connections the pods make.
    Egress,
}

impl Direction {
    /// The `policyTypes` entry.
    fn policy_type(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }

    /// The `spec` field holding the rules of this direction (`ingress`,
    /// `egress`), also the word a person uses for it.
    pub fn spec_field(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// A rule's field listing the peers it admits (`from`, `to`).
    pub fn peers_field(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }

    /// The rules of `policy` in this direction (none when it has none).
    pub fn rules(self, policy: &Value) -> &[Value] {
        policy
            .get("spec")
            .and_then(|spec| spec.get(self.spec_field()))
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

/// One end of a connection, as policies see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint<'a> {
    /// The pod's namespace: its policies are the ones that can isolate it.
    /// Empty for a bare address no pod backs, which only an `ipBlock`
    /// matches.
    pub namespace: &'a str,
    /// The pod's labels, which `podSelector`s match.
    pub labels: &'a BTreeMap<String, String>,
    /// The pod's IPv4 address, which `ipBlock`s match (empty when unknown).
    pub ip: &'a str,
}

impl<'a> Endpoint<'a> {
    /// A pod object as the API returns it, with its `labels` read by
    /// [`labels_of`].
    fn of_pod(pod: &'a Value, labels: &'a BTreeMap<String, String>) -> Self {
        let text = |pointer| {
            pod.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        Endpoint {
            namespace: text("/metadata/namespace"),
            labels,
            ip: text("/status/podIP"),
        }
    }
}

/// The string labels of an API object (a pod, a Namespace), as selectors
/// match them.
pub fn labels_of(object: &Value) -> BTreeMap<String, String> {
    object
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
        .collect()
}

/// The destination port of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port<'a> {
    /// The number the destination pod listens on.
    pub number: u16,
    /// The container port's name (`""` when unnamed): a rule may name it
    /// instead of its number.
    pub name: &'a str,
    /// `TCP`, `UDP` or `SCTP`: a rule's port admits only its own protocol.
    pub protocol: &'a str,
}

/// What the policies isolating one end decide about its traffic in one
/// direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<'a> {
    /// The policies isolating the end in that direction (none: it is not
    /// isolated), the ones to name when the traffic is dropped.
    pub isolating: Vec<&'a Value>,
    /// Whether the traffic passes: the end is not isolated, or a rule of
    /// one of those policies admits it.
    pub admitted: bool,
}

/// The verdict on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// Both the destination's ingress and the source's egress let it through.
    Admitted,
    /// Dropped: the client waits until it times out.
    Dropped {
        /// The direction whose policies drop it: `Ingress`, the
        /// destination's, when both ends would (it is read first), else
        /// `Egress`, the source's.
        direction: Direction,
        /// The policies isolating that end in that direction.
        policies: Vec<&'a Value>,
    },
}

impl Verdict<'_> {
    /// Whether the connection passes.
    pub fn is_admitted(&self) -> bool {
        matches!(self, Verdict::Admitted)
    }
}

/// Whether a `metav1.LabelSelector` (`matchLabels`, `matchExpressions`)
/// selects these labels: an empty or missing one selects everything, as
/// in a NetworkPolicy; an unknown operator selects nothing.
fn selector_selects(selector: &Value, labels: &BTreeMap<String, String>) -> bool {
    let labels_hold = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .all(|(key, value)| labels.get(key).map(String::as_str) == value.as_str());
    labels_hold
        && selector["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|expression| {
                let value = labels
                    .get(expression["key"].as_str().unwrap_or_default())
                    .map(String::as_str);
                let mut values = expression["values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str);
                match expression["operator"].as_str().unwrap_or_default() {
                    "In" => value.is_some_and(|value| values.any(|listed| listed == value)),
                    "NotIn" => value.is_none_or(|value| values.all(|listed| listed != value)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
}

/// Whether `policy` isolates pods with these labels (of its namespace) in
/// `direction`: it constrains that direction and its `podSelector` selects
/// them.
pub fn isolates(policy: &Value, direction: Direction, labels: &BTreeMap<String, String>) -> bool {
    direction.constrained_by(policy)
        && selector_selects(
            policy.pointer("/spec/podSelector").unwrap_or(&Value::Null),
            labels,
        )
}

/// The namespace of an API object (`""` when it has none).
fn namespace_of(object: &Value) -> &str {
    object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The policies that isolate `end` in `direction`.
fn isolating<'a>(
    policies: &'a [Value],
    end: &Endpoint<'_>,
    direction: Direction,
) -> Vec<&'a Value> {
    policies
        .iter()
        .filter(|policy| namespace_of(policy) == end.namespace)
        .filter(|policy| isolates(policy, direction, end.labels))
        .collect()
}

/// Whether an IPv4 address lies in a CIDR block (a bare address is a /32).
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

/// The labels of namespace `name`: its object's, plus the name label the
/// API server gives every namespace (so a cluster read without it, or a
/// Namespace that could not be read, still matches a selector naming it).
fn namespace_labels(namespaces: &[Value], name: &str) -> BTreeMap<String, String> {
    let mut labels = namespaces
        .iter()
        .find(|namespace| namespace.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
        .map(labels_of)
        .unwrap_or_default();
    labels
        .entry(NAMESPACE_NAME_LABEL.to_owned())
        .or_insert_with(|| name.to_owned());
    labels
}

/// Whether one peer (a `from` or `to` entry) of a policy in
/// `policy_namespace` is `other`: an `ipBlock` by its address (outside its
/// `except`s), else by its namespace (`namespaceSelector`, or the policy's
/// own namespace) and its pod labels (`podSelector`, or any pod).
fn peer_matches(
    peer: &Value,
    policy_namespace: &str,
    other: &Endpoint<'_>,
    namespaces: &[Value],
) -> bool {
    if let Some(block) = peer.get("ipBlock") {
        return in_block(other.ip, block["cidr"].as_str().unwrap_or_default())
            && !block["except"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|except| in_block(other.ip, except));
    }
    if other.namespace.is_empty() {
        return false;
    }
    let namespace_holds = match peer.get("namespaceSelector") {
        Some(selector) => {
            selector_selects(selector, &namespace_labels(namespaces, other.namespace))
        }
        None => other.namespace == policy_namespace,
    };
    namespace_holds
        && peer
            .get("podSelector")
            .is_none_or(|selector| selector_selects(selector, other.labels))
}

/// Whether a rule's `ports` admit `port`: none admit every port; an entry
/// admits its own protocol (TCP when left out) on its number, its range up
/// to `endPort`, or the container port it names (an unnamed port matches
/// no name).
pub fn rule_admits_port(rule: &Value, port: Port<'_>) -> bool {
    let Some(ports) = rule["ports"].as_array().filter(|ports| !ports.is_empty()) else {
        return true;
    };
    ports.iter().any(|entry| {
        entry["protocol"].as_str().unwrap_or("TCP") == port.protocol
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

/// The NetworkPolicies in force and the Namespaces their
/// `namespaceSelector`s are matched against: what every verdict reads.
#[derive(Debug, Clone, Copy)]
pub struct Policies<'a> {
    /// The NetworkPolicies (of every namespace a verdict may involve).
    pub policies: &'a [Value],
    /// The Namespace objects, for their labels.
    pub namespaces: &'a [Value],
}

impl<'a> Policies<'a> {
    /// What the policies isolating `end` decide about its traffic with
    /// `other` in `direction` (`end` is the destination for ingress, the
    /// source for egress) on `port` (`None`: whether some port passes).
    pub fn decide(
        &self,
        end: &Endpoint<'_>,
        other: &Endpoint<'_>,
        port: Option<Port<'_>>,
        direction: Direction,
    ) -> Decision<'a> {
        let isolating = isolating(self.policies, end, direction);
        let admitted = isolating.is_empty()
            || isolating.iter().any(|policy| {
                let policy_namespace = namespace_of(policy);
                direction.rules(policy).iter().any(|rule| {
                    let peer_admitted = rule[direction.peers_field()]
                        .as_array()
                        .filter(|peers| !peers.is_empty())
                        .is_none_or(|peers| {
                            peers.iter().any(|peer| {
                                peer_matches(peer, policy_namespace, other, self.namespaces)
                            })
                        });
                    peer_admitted && port.is_none_or(|port| rule_admits_port(rule, port))
                })
            });
        Decision {
            isolating,
            admitted,
        }
    }

    /// The verdict on a connection from `source` to `destination` on
    /// `port` (`None`: whether each end lets some port through).
    pub fn connection(
        &self,
        source: &Endpoint<'_>,
        destination: &Endpoint<'_>,
        port: Option<Port<'_>>,
    ) -> Verdict<'a> {
        for (end, other, direction) in [
            (destination, source, Direction::Ingress),
            (source, destination, Direction::Egress),
        ] {
            let decision = self.decide(end, other, port, direction);
            if !decision.admitted {
                return Verdict::Dropped {
                    direction,
                    policies: decision.isolating,
                };
            }
        }
        Verdict::Admitted
    }

    /// The verdict on a connection between two pod objects as the API
    /// returns them (`destination` may be a bare address: an object with
    /// only `status.podIP`, which only an `ipBlock` matches).
    pub fn connection_between_pods(
        &self,
        source: &Value,
        destination: &Value,
        port: Option<Port<'_>>,
    ) -> Verdict<'a> {
        let (source_labels, destination_labels) = (labels_of(source), labels_of(destination));
        self.connection(
            &Endpoint::of_pod(source, &source_labels),
            &Endpoint::of_pod(destination, &destination_labels),
            port,
        )
    }
}

#[cfg(test)]
mod tests;
