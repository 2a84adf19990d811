//! `kubeop config show`: the effective configuration and where each value came from.

use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;
use cli::config;
use cli::output;

use super::{ClientArgs, InProcessArgs};

/// `kubeop config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with the configuration.
    #[command(subcommand)]
    action: Action,
}

/// The `config` actions.
#[derive(Debug, Subcommand)]
enum Action {
    /// Print the effective configuration and where each value came from
    /// (built-in default, a file, a KUBEOP_* variable or a flag); the flags
    /// given here are the flag layer, as the other commands would take them.
    Show {
        /// The client options (`-n` names a request's namespace, which is
        /// not configuration, and is refused here).
        #[command(flatten)]
        client: ClientArgs,
        /// The options of an in-process run.
        #[command(flatten)]
        local: InProcessArgs,
    },
}

/// Runs `kubeop config ...`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.action {
        Action::Show { client, local } => show(&client, &local),
    }
}

fn show(client: &ClientArgs, local: &InProcessArgs) -> anyhow::Result<ExitCode> {
    if client.namespace.is_some() {
        bail!("-n/--namespace names the namespace of a request; it is not configuration");
    }
    let format = client.output;
    let loaded = config::load(&client.flags_with(local))?;
    let provenance = loaded.provenance();
    let document = serde_json::json!({
        "kind": "config",
        "files": loaded.files.iter().map(|(path, exists)| serde_json::json!({
            "path": path, "exists": exists,
        })).collect::<Vec<_>>(),
        "values": provenance.iter().map(|(key, (value, origin))| {
            (key.clone(), serde_json::json!({"value": value, "source": origin}))
        }).collect::<serde_json::Map<_, _>>(),
    });
    if let Some(text) = output::machine_text(&document, format)? {
        output::emit(&format!("{}\n", text.trim_end()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = provenance
        .iter()
        .map(|(key, (value, origin))| {
            let shown = match value {
                serde_json::Value::Null => "(unset)".to_owned(),
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            vec![key.clone(), shown, origin.clone()]
        })
        .collect();
    let mut text = output::table(&["KEY", "VALUE", "SOURCE"], &rows);
    text.push_str(
        "\nFiles read, in order (later ones win; KUBEOP_* variables and flags win over all):\n",
    );
    for (path, exists) in &loaded.files {
        let state = if *exists { "read" } else { "absent" };
        text.push_str(&format!("  {} ({state})\n", path.display()));
    }
    output::emit(&text)?;
    Ok(ExitCode::SUCCESS)
}
