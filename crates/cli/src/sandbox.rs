//! The built-in simulated demo cluster, started in this process for
//! `kubeop demo` and `kubeop ask --sandbox`: a new user sees kubeop answer,
//! diagnose and change a cluster with nothing installed but what the
//! README's set-up installs.
//!
//! The cluster serves HTTPS on a free loopback port; its kubeconfig (context
//! [`SANDBOX_CONTEXT`] for the admin, `demo-readonly` for the read-only user)
//! and a state directory for the journal and approvals live in a temporary
//! directory removed with the [`Sandbox`]. Nothing touches the user's own
//! kubeconfig or state.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sim::scenario::Scenario;
use sim::{ClusterOptions, SimCluster};

use crate::config::Config;

/// The sandbox cluster's name, which is also its (admin) kube context.
pub const SANDBOX_CONTEXT: &str = "demo";

/// Why the sandbox did not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The temporary directory or the kubeconfig could not be written.
    #[error("cannot prepare the sandbox's files: {0}")]
    Files(#[from] std::io::Error),
    /// The simulated cluster did not start.
    #[error("the simulated cluster did not start: {0}")]
    Cluster(#[from] sim::StartError),
}

/// A running simulated demo cluster and the files kubeop uses with it.
/// Dropping it stops the cluster and removes the files.
#[derive(Debug)]
pub struct Sandbox {
    /// The cluster (stopped on drop).
    cluster: SimCluster,
    /// The kubeconfig written for it.
    kubeconfig: PathBuf,
    /// The state directory (journal, pending approvals) for this sandbox.
    state_dir: PathBuf,
    /// Holds the kubeconfig and the state; removed on drop, after the cluster.
    _directory: tempfile::TempDir,
}

impl Sandbox {
    /// Starts the built-in demo cluster and writes its kubeconfig.
    pub async fn start() -> Result<Self, SandboxError> {
        let directory = tempfile::Builder::new()
            .prefix("kubeop-sandbox.")
            .tempdir()?;
        let scenario = Scenario::demo();
        let cluster = SimCluster::start(
            scenario.objects_at(SystemTime::now()),
            ClusterOptions::new(SANDBOX_CONTEXT),
        )
        .await?;
        let kubeconfig = directory.path().join("kubeconfig");
        let content = sim::kubeconfig::render(
            &[cluster.kubeconfig_entry()],
            sim::kubeconfig::ReadOnlyContexts::Include,
        );
        sim::kubeconfig::write(&kubeconfig, &content)?;
        let state_dir = directory.path().join("state");
        tracing::info!(url = %cluster.url(), "sandbox cluster serving");
        Ok(Self {
            cluster,
            kubeconfig,
            state_dir,
            _directory: directory,
        })
    }

    /// The kubeconfig of the sandbox cluster (for `kubectl --kubeconfig`).
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// The sandbox's own state directory (journal, pending approvals).
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Where the cluster serves.
    pub fn url(&self) -> String {
        self.cluster.url()
    }

    /// `base` pointed at the sandbox: its kubeconfig, its state directory and
    /// its context (a context configured for the user's own clusters would
    /// not exist here). Everything else (policy, limits, the server binary)
    /// stays as configured.
    pub fn configure(&self, base: &Config) -> Config {
        let mut config = base.clone();
        config.daemon.kubeconfig = Some(self.kubeconfig.clone());
        config.daemon.state_dir = self.state_dir.clone();
        config.daemon.context = None;
        config
    }
}
