//! A simulated Kubernetes cluster that speaks the REST API real clients use.
#![forbid(unsafe_code)]
