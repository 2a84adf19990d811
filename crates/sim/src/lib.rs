//! A simulated Kubernetes cluster that speaks the REST API real clients use.
//!
//! Real `kubectl` and the real `kubernetes-mcp-server` talk to it as to a
//! small real cluster: discovery, CRUD with selectors and Table output,
//! server-side apply and the patch formats, subresources, access reviews, and
//! two users over HTTPS. `../shared/kube-api-surface.md` lists what the
//! clients send; this crate serves that.
//!
//! Start with [`SimCluster::start`]: it seeds a [`store::Store`] with objects,
//! serves it on a port (HTTPS with a fresh CA by default, or plain HTTP), and
//! hands back the address, CA, tokens and a kubeconfig entry
//! ([`SimCluster::kubeconfig_entry`], rendered by [`kubeconfig::render`]).
//!
//! # Layout
//! - [`registry`]: every served resource (kind, singular, short names, verbs,
//!   scope, subresources) — the one table that discovery and routing read.
//! - [`store`]: the objects, one global `resourceVersion`, `generation`,
//!   owner references and cascading deletion (the garbage collector), and the
//!   bounded change-notification channel ([`store::Store::subscribe`]).
//!   Controllers use its Rust API directly and never go through HTTP.
//! - [`admission`]: defaults and validation on writes (422 `Invalid`).
//! - [`selector`]: label and field selectors, evaluated by the server.
//! - [`patch`]: JSON merge patch, strategic merge patch, JSON patch, and the
//!   merge behind server-side apply.
//! - [`table`]: `meta.k8s.io/v1` Table output with kubectl's columns per kind.
//! - [`convert`]: `events.k8s.io/v1` Events as a view of core `v1` Events.
//! - [`auth`]: the `admin` and `read-only` users, Forbidden messages, and the
//!   SelfSubjectAccessReview / SelfSubjectRulesReview answers.
//! - [`protobuf`]: the minimal reader of `k8s\0` protobuf bodies (access
//!   reviews and typed DeleteOptions arrive that way); [`proto_objects`]
//!   reads the built-in objects `kubectl create ...` sends as protobuf.
//! - [`error`]: [`error::ApiError`] and its Kubernetes `Status` body.
//! - [`meta`]: helpers for metadata of untyped objects, timestamps, names.
//! - [`tls`]: the per-cluster CA and server certificate.
//! - [`kubeconfig`]: kubeconfig files for one or more clusters.
//! - [`http`]: the HTTP/1.1 server (plain or TLS, with upgrades), routing,
//!   discovery and the verbs. **Handlers for the `log`, `exec` and `proxy`
//!   subresources and the `metrics.k8s.io` group are added in
//!   [`http::subresources`]** (one match arm each, calling their own module).
//! - [`scenario`]: the YAML files a cluster starts from, validated up front,
//!   and the built-in demo cluster.
//! - [`behaviour`]: the `sim.kubeop.dev/*` annotations that make a pod crash,
//!   get OOMKilled, fail to pull its image, stay pending or become ready late.
//! - [`kubelet`]: a pod's status and events at any instant, from its
//!   annotations, its placement and the time since it was bound.
//! - [`logs`], [`metrics`], [`exec`]: what the log, metrics, node-proxy and
//!   exec endpoints serve, as pure functions of the objects.
//! - [`quantity`], [`clock`], [`fingerprint`]: Kubernetes quantities,
//!   timestamps and durations, and stable generated identifiers.
//! - [`cron`]: CronJob schedules (five-field cron and `@` descriptors),
//!   evaluated in the CronJob's time zone ([`zone`]: the system's zoneinfo).
//! - [`custom`]: CustomResourceDefinitions — the resources they add (served
//!   through [`registry::Catalog`]), their printer columns and schema defaults.
//! - [`controllers`]: the controllers (workloads, CronJobs, Endpoints and
//!   EndpointSlices), the scheduler and the kubelets.
#![forbid(unsafe_code)]

pub mod admission;
pub mod auth;
pub mod behaviour;
pub mod clock;
pub mod controllers;
pub mod convert;
pub mod cron;
pub mod custom;
pub mod error;
pub mod exec;
pub mod fingerprint;
pub mod http;
pub mod kubeconfig;
pub mod kubelet;
pub mod logs;
pub mod meta;
pub mod metrics;
pub mod patch;
pub mod proto_objects;
pub mod protobuf;
pub mod quantity;
pub mod registry;
pub mod scenario;
pub mod selector;
pub mod store;
pub mod table;
pub mod tls;
pub mod zone;

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::watch;

use crate::auth::Tokens;
use crate::error::ApiError;
use crate::store::Store;

/// Namespaces every cluster has, as a fresh real cluster does.
pub const BUILT_IN_NAMESPACES: &[&str] =
    &["default", "kube-system", "kube-public", "kube-node-lease"];

/// The node a cluster gets when its scenario declares none, so that a
/// scenario of workloads alone runs its pods as a one-node cluster (kind,
/// minikube) would, instead of leaving every pod Pending on "no nodes".
pub const DEFAULT_NODE_NAME: &str = "node-1";

/// The default StorageClass a cluster gets when its scenario declares no
/// StorageClass, as kind and minikube clusters have one: claims without a
/// class are provisioned by it.
pub const DEFAULT_STORAGE_CLASS_NAME: &str = "standard";

/// How to start one cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Cluster and context name.
    pub name: String,
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Serve plain HTTP (every request is the admin's) instead of HTTPS.
    pub plain_http: bool,
    /// How long an Event lives after its last write (the API server's
    /// `--event-ttl`, [`controllers::event_ttl::DEFAULT_EVENT_TTL`] unless
    /// set).
    pub event_ttl: std::time::Duration,
}

impl ClusterOptions {
    /// HTTPS on a free loopback port.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            plain_http: false,
            event_ttl: controllers::event_ttl::DEFAULT_EVENT_TTL,
        }
    }
}

/// Why a cluster could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Certificates or TLS configuration failed.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// An initial object was refused by the API rules.
    #[error("object {index} ({kind} \"{name}\") was refused: {source}")]
    Seed {
        /// Position in the list given to [`SimCluster::start`] (0-based).
        index: usize,
        /// Its kind.
        kind: String,
        /// Its name.
        name: String,
        /// The API's answer.
        #[source]
        source: Box<ApiError>,
    },
}

/// A running simulated cluster. Dropping it stops the server.
#[derive(Debug)]
pub struct SimCluster {
    /// Cluster and context name.
    name: String,
    /// The address the server listens on.
    address: SocketAddr,
    /// The cluster's objects.
    store: Store,
    /// The users' tokens.
    tokens: Tokens,
    /// The CA certificate (PEM), `None` over plain HTTP.
    ca_pem: Option<String>,
    /// Dropping this sender stops the server and its connections.
    _shutdown: watch::Sender<()>,
    /// The controllers, scheduler and kubelets; dropping them stops them.
    _controllers: controllers::runner::Controllers,
}

impl SimCluster {
    /// Seeds a store with the [`BUILT_IN_NAMESPACES`], a [`DEFAULT_NODE_NAME`]
    /// node when `objects` declare no Node, a [`DEFAULT_STORAGE_CLASS_NAME`]
    /// class when they declare no StorageClass, and `objects` (Namespaces
    /// first, then any namespace the others live in that is not declared,
    /// then CustomResourceDefinitions, then the rest in order; a Namespace
    /// that already exists is kept), lets the controllers replay the objects' history until the
    /// cluster settles (workloads have their pods, pods their nodes and
    /// states), then serves it.
    pub async fn start(objects: Vec<Value>, options: ClusterOptions) -> Result<Self, StartError> {
        let store = Store::new();
        seed(&store, objects)?;
        let controllers = controllers::runner::Controllers::start(store.clone(), options.event_ttl);
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|source| StartError::Bind {
                address: options.listen,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartError::Bind {
            address: options.listen,
            source,
        })?;
        let (acceptor, ca_pem) = if options.plain_http {
            (None, None)
        } else {
            let certificates = tls::ClusterCertificates::generate(&options.name)?;
            (Some(certificates.acceptor()?), Some(certificates.ca_pem))
        };
        let tokens = Tokens::generate();
        let context = http::ApiContext {
            store: store.clone(),
            tokens: Arc::new(tokens.clone()),
            address,
        };
        let (shutdown, shutdown_signal) = watch::channel(());
        tokio::spawn(http::serve(
            listener,
            http::router(context),
            acceptor,
            shutdown_signal,
        ));
        tracing::info!(cluster = %options.name, %address, tls = !options.plain_http, "simulated cluster serving");
        Ok(Self {
            name: options.name,
            address,
            store,
            tokens,
            ca_pem,
            _shutdown: shutdown,
            _controllers: controllers,
        })
    }

    /// Cluster and context name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `https://127.0.0.1:PORT` (or `http://` in plain-HTTP mode).
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.address)
    }

    /// The cluster's objects (shared with the server).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The users' bearer tokens.
    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// The CA certificate (PEM); `None` over plain HTTP.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// This cluster's entry for [`kubeconfig::render`].
    pub fn kubeconfig_entry(&self) -> kubeconfig::ClusterEntry {
        kubeconfig::ClusterEntry {
            name: self.name.clone(),
            server: self.url(),
            ca_pem: self.ca_pem.clone(),
            tokens: self.tokens.clone(),
        }
    }
}

/// A namespace no scenario document declares (built in, or implied).
fn create_namespace(store: &Store, namespace: &str) -> Result<(), StartError> {
    store
        .create(
            &registry::NAMESPACES,
            "",
            json!({"metadata": {"name": namespace}}),
        )
        .map(drop)
        .map_err(|source| StartError::Seed {
            index: 0,
            kind: "Namespace".into(),
            name: namespace.into(),
            source: Box::new(source),
        })
}

fn seed(store: &Store, objects: Vec<Value>) -> Result<(), StartError> {
    for namespace in BUILT_IN_NAMESPACES {
        create_namespace(store, namespace)?;
    }
    let declares_nodes = objects
        .iter()
        .any(|object| object["kind"] == "Node" && object["apiVersion"] == "v1");
    if !declares_nodes {
        store
            .create_manifest(json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": DEFAULT_NODE_NAME, "labels": {
                    "kubernetes.io/hostname": DEFAULT_NODE_NAME,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                }},
                "status": {"addresses": [
                    {"type": "InternalIP", "address": "10.0.0.10"},
                    {"type": "Hostname", "address": DEFAULT_NODE_NAME},
                ]},
            }))
            .map_err(|source| StartError::Seed {
                index: 0,
                kind: "Node".into(),
                name: DEFAULT_NODE_NAME.into(),
                source: Box::new(source),
            })?;
    }
    let declares_storage_classes = objects.iter().any(|object| {
        object["kind"] == "StorageClass" && object["apiVersion"] == "storage.k8s.io/v1"
    });
    if !declares_storage_classes {
        store
            .create_manifest(json!({
                "apiVersion": "storage.k8s.io/v1",
                "kind": "StorageClass",
                "metadata": {"name": DEFAULT_STORAGE_CLASS_NAME, "annotations": {
                    controllers::volumes::DEFAULT_CLASS_ANNOTATION: "true",
                }},
                "provisioner": "rancher.io/local-path",
                "reclaimPolicy": "Delete",
                "volumeBindingMode": "WaitForFirstConsumer",
            }))
            .map_err(|source| StartError::Seed {
                index: 0,
                kind: "StorageClass".into(),
                name: DEFAULT_STORAGE_CLASS_NAME.into(),
                source: Box::new(source),
            })?;
    }
    let is_namespace =
        |object: &Value| object["kind"] == "Namespace" && object["apiVersion"] == "v1";
    let is_definition = |object: &Value| {
        object["kind"] == "CustomResourceDefinition"
            && object["apiVersion"] == "apiextensions.k8s.io/v1"
    };
    let catalog = registry::Catalog::with_custom(custom::served_by(
        objects.iter().filter(|object| is_definition(object)),
    ));
    let (namespaces, others): (Vec<_>, Vec<_>) = objects
        .into_iter()
        .enumerate()
        .partition(|(_, object)| is_namespace(object));
    // Definitions before the objects of the kinds they define.
    let (definitions, others): (Vec<_>, Vec<_>) = others
        .into_iter()
        .partition(|(_, object)| is_definition(object));
    // Quotas last: the pods a scenario lists are already running, admitted
    // before any quota of theirs was set; the pods controllers create from
    // now on are admitted against the quotas.
    let (quotas, mut others): (Vec<_>, Vec<_>) = others
        .into_iter()
        .partition(|(_, object)| object["kind"] == "ResourceQuota" && object["apiVersion"] == "v1");
    others.extend(quotas);
    // A scenario describes a cluster as it is: a namespace its objects live
    // in exists even when the file does not declare it.
    let mut implied: Vec<String> = others
        .iter()
        .filter(|(_, object)| {
            catalog
                .by_kind(
                    object["apiVersion"].as_str().unwrap_or_default(),
                    object["kind"].as_str().unwrap_or_default(),
                )
                .is_some_and(|resource| resource.namespaced)
        })
        .map(|(_, object)| meta::namespace(object).to_owned())
        .filter(|namespace| !namespace.is_empty())
        .filter(|namespace| {
            !namespaces
                .iter()
                .any(|(_, declared)| meta::name(declared) == namespace)
        })
        .collect();
    implied.sort();
    implied.dedup();
    for namespace in implied {
        if store.get(&registry::NAMESPACES, "", &namespace).is_ok() {
            continue;
        }
        create_namespace(store, &namespace)?;
    }
    for (index, object) in namespaces.into_iter().chain(definitions).chain(others) {
        let kind = object["kind"].as_str().unwrap_or_default().to_owned();
        let name = meta::name(&object).to_owned();
        if is_namespace(&object) && store.get(&registry::NAMESPACES, "", &name).is_ok() {
            continue;
        }
        store
            .create_manifest(object)
            .map_err(|source| StartError::Seed {
                index,
                kind,
                name,
                source: Box::new(source),
            })?;
    }
    Ok(())
}
