//! `kubeop config show`: the effective configuration and where each value came from.

use std::process::ExitCode;

use clap::Subcommand;
use cli::config::{self, FlagOverrides};
use cli::output::{self, OutputFormat};

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
    /// (built-in default, a file, a KUBEOP_* variable or a flag).
    Show {
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t)]
        output: OutputFormat,
    },
}

/// Runs `kubeop config ...`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.action {
        Action::Show { output } => show(output),
    }
}

fn show(format: OutputFormat) -> anyhow::Result<ExitCode> {
    let loaded = config::load(&FlagOverrides::default())?;
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
