//! `kubeop man`: the man page (roff) generated from the clap definition.

use std::process::ExitCode;

use clap::CommandFactory;

/// `kubeop man`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Prints the man page on stdout (`kubeop man > kubeop.1`).
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(crate::Cli::command()).render(&mut page)?;
    cli::output::emit(&String::from_utf8_lossy(&page))?;
    Ok(ExitCode::SUCCESS)
}
