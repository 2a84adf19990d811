//! The Kubernetes objects the end-to-end tests' clusters are made of, in the
//! shapes the tests build again and again; a test changes a field where it
//! needs something else (a second container, a simulated kubelet state).

use serde_json::{Value, json};

/// The name of [`node`].
pub const NODE: &str = "node-1";

/// A namespace.
pub fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

/// A Ready node (`node-1`, 4 CPUs, 16Gi) with an address and a pod CIDR, so
/// that the simulated controllers place and start pods on it.
pub fn node() -> Value {
    json!({"apiVersion": "v1", "kind": "Node",
           "metadata": {"name": NODE, "labels": {"kubernetes.io/hostname": NODE}},
           "spec": {"podCIDR": "10.244.1.0/24"},
           "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                      "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
                      "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                      "conditions": [{"type": "Ready", "status": "True"}]}})
}

/// A pod labelled `app: NAME`, bound to [`node`], running one nginx
/// container `app`.
pub fn pod(namespace: &str, name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
           "spec": {"nodeName": NODE, "containers": [{"name": "app", "image": "nginx:1.27"}]}})
}

/// A Deployment labelled and selecting `app: NAME`, of `replicas` pods with
/// one nginx container `app`.
pub fn deployment(namespace: &str, name: &str, replicas: u64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
           "spec": {"replicas": replicas,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}},
                                 "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}})
}
