//! The library half of the `kubeop` binary: everything the subcommands share,
//! and the in-process API a supervisor agent embeds.
//!
//! # Layout
//! - [`config`]: the typed configuration, layered with figment, with the
//!   origin of every value.
//! - [`telemetry`]: tracing to stderr and OTLP trace export.
//! - [`output`]: `-o table|yaml|json` and the terminal (colour, `NO_COLOR`).
//! - [`render`]: the human cards of every response (plan, diagnosis,
//!   health, result, ...), pure functions of the response's JSON.
//! - [`progress`]: the spinner with what verification waits on, fed by the
//!   daemon's progress notifications, only on a terminal.
//! - [`exit`]: the documented exit statuses.
//! - [`rpc`]: the daemon's wire protocol (newline-delimited JSON-RPC 2.0).
//! - [`server`]: the daemon's socket: owner-only, peer uid checked, bounded.
//! - [`client`]: the client side of the socket.
//! - [`daemon`]: `kubeop serve`: the actors, the socket, and the method table.
//! - [`supervisor`]: starts the daemon's actors in dependency order and
//!   restarts a failed one with its dependents (`rest_for_one`).
//! - [`handoff`]: the in-process supervisor hand-off channel (bounded,
//!   "busy" when full): the API a supervisor agent embeds.
//! - [`backend`]: "a kubeop" for the client commands: the daemon over the
//!   socket, or the same actors and method table in-process.
//! - [`script`]: the line language of conversations (requests, `approve`,
//!   `deny`, `auto-approve`, `help`, `exit`), shared by the shell and the demo.
//! - [`conversation`]: carries those lines out against a kubeop.
//! - [`inline_approval`]: the approval question asked where a plan is shown.
//! - [`sandbox`]: the built-in simulated demo cluster, started in-process.
//!
//! Only this crate knows clap, the terminal and the socket protocol's framing.
#![forbid(unsafe_code)]

pub mod backend;
pub mod client;
pub mod config;
pub mod conversation;
pub mod daemon;
pub mod exit;
pub mod handoff;
pub mod inline_approval;
pub mod output;
pub mod progress;
pub mod render;
pub mod rpc;
pub mod sandbox;
pub mod script;
pub mod server;
pub mod supervisor;
pub mod telemetry;
