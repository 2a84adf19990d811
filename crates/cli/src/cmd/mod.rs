//! One module per subcommand. Each has an `Args` struct (its clap definition)
//! and a `run` function returning the process's exit status.

pub mod classify;
pub mod completions;
pub mod config;
pub mod log;
pub mod man;
pub mod sim;
