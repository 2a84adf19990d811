//! `kubeop serve` as a real process, for the tests and the benchmark of the
//! `cli` package. Only that package knows where the `kubeop` under test is
//! (`CARGO_BIN_EXE_kubeop`), so it passes the binary in.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// How many times readiness is checked (every [`READY_POLL`]) before a
/// start is given up: generous, since the machine is shared and a cold
/// start can be slow.
const READY_POLLS: u32 = 1200;

/// Pause between two readiness checks.
const READY_POLL: Duration = Duration::from_millis(50);

/// What a started daemon runs over, and where it keeps its files.
#[derive(Debug, Clone, Copy)]
pub struct Serve<'a> {
    /// The `kubeop` binary under test.
    pub kubeop: &'a Path,
    /// The cluster, with the real MCP server over it.
    pub kubeconfig: &'a Path,
    /// The daemon's Unix socket.
    pub socket: &'a Path,
    /// Its state directory.
    pub state_dir: &'a Path,
}

impl Serve<'_> {
    /// Starts `kubeop serve` with `environment` added (configuration such as
    /// `KUBEOP_GATEWAY__API_QPS`), its output discarded and killed on drop,
    /// and waits until its socket accepts a connection.
    pub async fn start(self, environment: &[(&str, &str)]) -> Child {
        let daemon = Command::new(self.kubeop)
            .arg("serve")
            .arg("--kubeconfig")
            .arg(self.kubeconfig)
            .arg("--socket")
            .arg(self.socket)
            .arg("--state-dir")
            .arg(self.state_dir)
            .arg("--mcp-server")
            .arg(crate::mcp_server_binary())
            .envs(environment.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("kubeop serve starts");
        let socket = self.socket;
        wait_until(
            || std::os::unix::net::UnixStream::connect(socket).is_ok(),
            "the daemon's socket",
        )
        .await;
        daemon
    }
}

/// Waits until `ready` holds; panics naming `what` when it never does.
pub async fn wait_until(ready: impl Fn() -> bool, what: &str) {
    for _ in 0..READY_POLLS {
        if ready() {
            return;
        }
        tokio::time::sleep(READY_POLL).await;
    }
    panic!("{what} never became ready");
}
