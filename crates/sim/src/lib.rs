//! A simulated Kubernetes cluster that speaks the REST API real clients use.
//!
//! # Layout
//! - [`scenario`]: the YAML files a cluster starts from, validated up front,
//!   and the built-in demo cluster.
//! - [`behaviour`]: the `sim.kubeop.dev/*` annotations that make a pod crash,
//!   get OOMKilled, fail to pull its image, stay pending or become ready late.
//! - [`quantity`] and [`clock`]: Kubernetes quantities, timestamps and durations.
#![forbid(unsafe_code)]

pub mod behaviour;
pub mod clock;
pub mod exec;
pub mod fingerprint;
pub mod kubelet;
pub mod quantity;
pub mod scenario;
