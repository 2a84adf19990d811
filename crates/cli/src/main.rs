//! `kubeop`: the Level-1 SRE agent for Kubernetes.
//!
//! Only this crate knows clap, the terminal and the socket protocol's framing;
//! every subcommand lives in its own module under `cmd/`.

use clap::Parser;

/// kubeop: a Level-1 SRE agent for Kubernetes.
#[derive(Debug, Parser)]
#[command(name = "kubeop", version, about)]
struct Cli {}

fn main() -> anyhow::Result<()> {
    let _cli = Cli::parse();
    Ok(())
}
