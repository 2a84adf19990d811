//! `kubeop completions SHELL`: shell completions generated from the clap definition.

use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

/// `kubeop completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the completion script for the chosen shell on stdout.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut command = crate::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "kubeop", &mut script);
    cli::output::emit(&String::from_utf8_lossy(&script))?;
    Ok(ExitCode::SUCCESS)
}
