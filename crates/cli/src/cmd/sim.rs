//! `kubeop sim`: serve simulated clusters in the foreground until SIGINT/SIGTERM.
//!
//! With no `--scenario`, one cluster named `demo` serves the built-in demo.
//! Each `--scenario FILE` becomes one cluster named after the file's stem, on
//! its own port. Ports: without `--listen` every cluster gets a free loopback
//! port; with `--listen ADDR` the first cluster uses ADDR and the N-th the
//! port N-1 above it (or a free port again when ADDR's port is 0).
//!
//! Once every cluster serves, one kubeconfig is written (default:
//! `$XDG_STATE_HOME/kubeop/sim/kubeconfig`) with, per cluster, a context
//! `NAME` (admin user) and a context `NAME-readonly` (read-only user), both in
//! namespace `default`; the first cluster's context is current. Its path and a
//! `kubectl` hint are printed on stdout.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sim::scenario::Scenario;
use sim::{ClusterOptions, SimCluster};

/// `kubeop sim`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A scenario file (multi-document YAML of Kubernetes manifests); repeat
    /// for several clusters. Without any, the built-in demo cluster.
    #[arg(long = "scenario", value_name = "FILE")]
    scenarios: Vec<PathBuf>,
    /// Address of the first cluster; the others take the following ports.
    /// Default: a free port on 127.0.0.1 for each.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Where to write the kubeconfig (default: in kubeop's state directory).
    #[arg(long = "kubeconfig-out", value_name = "PATH")]
    kubeconfig_out: Option<PathBuf>,
    /// Serve plain HTTP instead of HTTPS. Clients send no tokens over HTTP,
    /// so every request is the admin's and the read-only user cannot be told apart.
    #[arg(long)]
    plain_http: bool,
    /// How long an event lives after it was last written, as the API
    /// server's `--event-ttl` (Go duration: `1h`, `30m`, `90s`).
    #[arg(long = "event-ttl", value_name = "DURATION", default_value = "1h", value_parser = event_ttl)]
    event_ttl: std::time::Duration,
}

/// Parses `--event-ttl`.
fn event_ttl(text: &str) -> Result<std::time::Duration, String> {
    sim::clock::parse_duration(text).map_err(|error| error.to_string())
}

/// The listen address of the `index`-th cluster (see the module doc).
fn listen_address(first: Option<SocketAddr>, index: usize) -> anyhow::Result<SocketAddr> {
    let Some(first) = first else {
        return Ok(SocketAddr::from(([127, 0, 0, 1], 0)));
    };
    if first.port() == 0 || index == 0 {
        return Ok(first);
    }
    let port = u16::try_from(usize::from(first.port()) + index)
        .with_context(|| format!("no port left above {first} for cluster {}", index + 1))?;
    Ok(SocketAddr::new(first.ip(), port))
}

/// Runs `kubeop sim`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let scenarios = if args.scenarios.is_empty() {
        vec![Scenario::demo()]
    } else {
        args.scenarios
            .iter()
            .map(|path| Scenario::from_file(path))
            .collect::<Result<Vec<_>, _>>()?
    };
    let mut names: Vec<&str> = scenarios
        .iter()
        .map(|scenario| scenario.name.as_str())
        .collect();
    names.sort_unstable();
    if let Some(twin) = names.windows(2).find(|pair| pair[0] == pair[1]) {
        anyhow::bail!(
            "two scenario files are named {:?}: each cluster's context is named after its file's stem, so the stems must differ",
            twin[0]
        );
    }
    let kubeconfig_path = args.kubeconfig_out.clone().unwrap_or_else(|| {
        cli::config::default_state_dir()
            .join("sim")
            .join("kubeconfig")
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(scenarios, &args, kubeconfig_path))
}

async fn serve(
    scenarios: Vec<Scenario>,
    args: &Args,
    kubeconfig_path: PathBuf,
) -> anyhow::Result<ExitCode> {
    let loaded = cli::config::load(&cli::config::FlagOverrides::default())?;
    let _telemetry = cli::telemetry::init(&loaded.config.telemetry)?;
    let mut clusters = Vec::new();
    for (index, scenario) in scenarios.into_iter().enumerate() {
        let options = ClusterOptions {
            name: scenario.name.clone(),
            listen: listen_address(args.listen, index)?,
            plain_http: args.plain_http,
            event_ttl: args.event_ttl,
        };
        let cluster = SimCluster::start(scenario.objects_at(std::time::SystemTime::now()), options)
            .await
            .with_context(|| format!("starting the simulated cluster {:?}", scenario.name))?;
        clusters.push(cluster);
    }
    let entries: Vec<_> = clusters.iter().map(SimCluster::kubeconfig_entry).collect();
    let kubeconfig = sim::kubeconfig::render(&entries, sim::kubeconfig::ReadOnlyContexts::Include);
    sim::kubeconfig::write(&kubeconfig_path, &kubeconfig)
        .with_context(|| format!("writing the kubeconfig to {}", kubeconfig_path.display()))?;
    for cluster in &clusters {
        println!(
            "cluster {} serving at {} (contexts {} and {})",
            cluster.name(),
            cluster.url(),
            cluster.name(),
            sim::kubeconfig::read_only_context(cluster.name())
        );
    }
    println!("kubeconfig written to {}", kubeconfig_path.display());
    println!(
        "try: kubectl --kubeconfig {} get pods -A",
        kubeconfig_path.display()
    );
    wait_for_termination().await?;
    tracing::info!("stopping the simulated clusters");
    drop(clusters);
    Ok(ExitCode::SUCCESS)
}

async fn wait_for_termination() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted.context("listening for SIGINT")?,
        _ = terminate.recv() => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_follow_the_first() {
        let first: SocketAddr = "127.0.0.1:18080".parse().expect("valid");
        assert_eq!(listen_address(Some(first), 0).expect("fits"), first);
        assert_eq!(listen_address(Some(first), 2).expect("fits").port(), 18082);
        let any: SocketAddr = "127.0.0.1:0".parse().expect("valid");
        assert_eq!(listen_address(Some(any), 3).expect("fits").port(), 0);
        assert_eq!(listen_address(None, 1).expect("fits").port(), 0);
        let top: SocketAddr = "127.0.0.1:65535".parse().expect("valid");
        assert!(listen_address(Some(top), 1).is_err());
    }
}
