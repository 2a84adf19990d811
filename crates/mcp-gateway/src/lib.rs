//! The only place that spawns or speaks to `kubernetes-mcp-server`.
#![forbid(unsafe_code)]

pub mod server_binary;
