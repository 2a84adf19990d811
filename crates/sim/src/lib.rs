//! A simulated Kubernetes cluster that speaks the REST API real clients use.
//!
//! # Layout
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
#![forbid(unsafe_code)]

pub mod behaviour;
pub mod clock;
pub mod controllers;
pub mod exec;
pub mod fingerprint;
pub mod kubelet;
pub mod logs;
pub mod metrics;
pub mod quantity;
pub mod scenario;
