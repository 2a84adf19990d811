//! The library half of the `kubeop` binary: everything the subcommands share,
//! and the in-process API a supervisor agent embeds.
//!
//! # Layout
//! - [`config`]: the typed configuration, layered with figment, with the
//!   origin of every value.
//! - [`telemetry`]: tracing to stderr and OTLP trace export.
//! - [`output`]: `-o table|yaml|json` and the terminal (colour, `NO_COLOR`).
//! - [`exit`]: the documented exit statuses.
//!
//! Only this crate knows clap, the terminal and the socket protocol's framing.
#![forbid(unsafe_code)]

pub mod config;
pub mod exit;
pub mod output;
pub mod telemetry;
