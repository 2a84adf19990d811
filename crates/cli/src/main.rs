//! `kubeop`: the Level-1 SRE agent for Kubernetes.
//!
//! Only this crate knows clap, the terminal and the socket protocol's framing;
//! every subcommand lives in its own module under `cmd/`. This file holds the
//! clap definition and the dispatch, nothing else.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// kubeop: a Level-1 SRE agent for Kubernetes.
#[derive(Debug, Parser)]
#[command(name = "kubeop", version, about, after_long_help = cli::exit::help_text())]
struct Cli {
    /// The subcommand; none opens the interactive session on a terminal
    /// (and prints this help elsewhere).
    #[command(subcommand)]
    command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Print the classifier's decision for a request, without touching a cluster.
    Classify(cmd::classify::Args),
    /// Run the daemon: the actors behind an owner-only Unix socket.
    Serve(cmd::serve::Args),
    /// Ask kubeop something in plain words (the daemon, else in-process).
    Ask(cmd::ask::Args),
    /// A conversation with kubeop: line editing, history, inline approval.
    Shell(cmd::shell::Args),
    /// kubeop on its built-in simulated cluster: a tour, then your requests.
    Demo(cmd::demo::Args),
    /// Approve a pending plan: it runs and is verified.
    Approve(cmd::approve::Args),
    /// Show the daemon's actors, gateway, context and MCP server.
    Status(cmd::status::Args),
    /// List the plans waiting for approval.
    Pending(cmd::pending::Args),
    /// Deny a pending plan.
    Deny(cmd::deny::Args),
    /// List the MCP server's tools, marking the ones that change the cluster.
    Tools(cmd::tools::Args),
    /// Inspect the effective configuration.
    Config(cmd::config::Args),
    /// Print shell completions.
    Completions(cmd::completions::Args),
    /// Print the man page.
    Man(cmd::man::Args),
    /// Serve simulated Kubernetes clusters (the built-in demo, or scenario files).
    Sim(cmd::sim::Args),
    /// Show the operations log: recent changes, their Markdown view, or a
    /// check of its hash chain (reads the journal; no daemon needed).
    Log(cmd::log::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return cmd::no_subcommand::<Cli>();
    };
    let outcome = match command {
        Command::Classify(args) => cmd::classify::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Ask(args) => cmd::ask::run(args),
        Command::Shell(args) => cmd::shell::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Approve(args) => cmd::approve::run(args),
        Command::Status(args) => cmd::status::run(args),
        Command::Pending(args) => cmd::pending::run(args),
        Command::Deny(args) => cmd::deny::run(args),
        Command::Tools(args) => cmd::tools::run(args),
        Command::Config(args) => cmd::config::run(args),
        Command::Completions(args) => cmd::completions::run(args),
        Command::Man(args) => cmd::man::run(args),
        Command::Sim(args) => cmd::sim::run(args),
        Command::Log(args) => cmd::log::run(args),
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("kubeop: {error:#}");
        ExitCode::from(cli::exit::FAILURE)
    })
}
