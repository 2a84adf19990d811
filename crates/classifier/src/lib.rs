//! Plain words to a safe, exact intent, deterministically and in microseconds.
//!
//! Every request kubeop receives is classified here before anything touches a
//! cluster. The classifier never calls a cluster, a model or the network.
#![forbid(unsafe_code)]
