//! Shared support for kubeop's end-to-end tests.
//!
//! The tests use the real `kubernetes-mcp-server` and the real `kubectl`. When
//! either is missing they fail loudly, naming the set-up step, rather than skip:
//! a green suite must mean the real components were exercised.
#![forbid(unsafe_code)]

pub mod diagnosis;
pub mod direct_client;
pub mod objects;
pub mod serve;
pub mod stack;

use std::path::{Path, PathBuf};

/// The repository root (the workspace this test crate belongs to).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives one level below the repository root")
}

/// The real `kubernetes-mcp-server` installed by `scripts/setup`; panics with
/// the fix when it is not there.
pub fn mcp_server_binary() -> PathBuf {
    mcp_gateway::server_binary::installed_under(repo_root()).unwrap_or_else(|| {
        panic!(
            "kubernetes-mcp-server {} is not installed under {}: run scripts/setup",
            mcp_gateway::server_binary::PINNED_VERSION,
            repo_root().display()
        )
    })
}

/// The real `kubectl` on PATH; panics with the fix when it is not there.
pub fn kubectl_binary() -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("kubectl"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("kubectl is not on PATH: the end-to-end tests need a 1.32 client")
        })
}

/// Runs `command` with `stdin` written to its standard input and both
/// output streams captured, to its end.
pub fn run_with_stdin(command: &mut std::process::Command, stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{command:?} does not start: {error}"));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin)
        .expect("the command reads its stdin");
    child
        .wait_with_output()
        .unwrap_or_else(|error| panic!("{command:?} does not run to its end: {error}"))
}

/// A simulated cluster started in-process for a test, with a kubeconfig for
/// it in a temporary directory (removed when dropped).
///
/// The kubeconfig has the context `NAME` (admin user) and `NAME-readonly`
/// (read-only user), both in namespace `default`; `NAME` is current.
#[derive(Debug)]
pub struct SimEnv {
    /// The running cluster (its store is reachable for setup and assertions).
    pub cluster: sim::SimCluster,
    /// The kubeconfig written for it.
    pub kubeconfig: PathBuf,
    /// Keeps the temporary directory alive as long as the environment.
    _directory: tempfile::TempDir,
}

/// What a `kubectl` run printed and how it ended.
#[derive(Debug, Clone)]
pub struct KubectlOutput {
    /// Whether it exited 0.
    pub success: bool,
    /// Its exit code (None when killed by a signal).
    pub code: Option<i32>,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl KubectlOutput {
    /// The standard output, panicking with both streams when kubectl failed.
    pub fn expect_success(self, what: &str) -> String {
        assert!(
            self.success,
            "kubectl {what} failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self.stdout
    }
}

/// When a node lost by [`SimEnv::lose_node`] last heard from its kubelet.
pub const LOST_NODE_HEARTBEAT: &str = "2026-11-25T09:00:00Z";

/// Since when a node lost by [`SimEnv::lose_node`] reads Ready=Unknown.
pub const LOST_NODE_SINCE: &str = "2026-11-25T09:00:40Z";

/// Whether a `kubectl get pods --no-headers` row is a Running pod with every
/// container ready (`2/2 Running`).
fn pod_row_is_ready(row: &str) -> bool {
    let mut columns = row.split_whitespace().skip(1);
    let ready = columns
        .next()
        .and_then(|cell| cell.split_once('/'))
        .is_some_and(|(ready, wanted)| ready == wanted && wanted != "0");
    ready && columns.next() == Some("Running")
}

/// How long a cluster may take to converge to the state a test waits for.
const CONVERGENCE_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// How often a convergence check is repeated.
const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

impl SimEnv {
    /// Starts an HTTPS cluster named `name` holding `objects` and writes its kubeconfig.
    pub async fn start(name: &str, objects: Vec<serde_json::Value>) -> Self {
        let cluster = sim::SimCluster::start(objects, sim::ClusterOptions::new(name))
            .await
            .unwrap_or_else(|error| panic!("the simulated cluster {name} did not start: {error}"));
        let directory = tempfile::tempdir().expect("a temporary directory for the kubeconfig");
        let kubeconfig = directory.path().join("kubeconfig");
        let content = sim::kubeconfig::render(
            &[cluster.kubeconfig_entry()],
            sim::kubeconfig::ReadOnlyContexts::Include,
        );
        sim::kubeconfig::write(&kubeconfig, &content).expect("the kubeconfig is written");
        Self {
            cluster,
            kubeconfig,
            _directory: directory,
        }
    }

    /// Runs the real kubectl as the admin (the current context).
    pub async fn kubectl(&self, args: &[&str]) -> KubectlOutput {
        self.run_kubectl(args, None, None).await
    }

    /// Runs `kubectl ARGS` until its output satisfies `ready`, and returns
    /// that output; panics with the last output when the cluster does not
    /// converge within the limit (a failure of the cluster, not a timing
    /// assertion: nothing is measured).
    pub async fn kubectl_until(&self, args: &[&str], ready: impl Fn(&str) -> bool) -> String {
        let started = tokio::time::Instant::now();
        loop {
            let output = self.kubectl(args).await;
            if output.success && ready(&output.stdout) {
                return output.stdout;
            }
            if started.elapsed() > CONVERGENCE_LIMIT {
                panic!(
                    "kubectl {} never showed the expected state:\nstdout: {}\nstderr: {}",
                    args.join(" "),
                    output.stdout,
                    output.stderr
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Waits until one field of an object (`kubectl get OBJECT [-n
    /// NAMESPACE] -o jsonpath=PATH`, OBJECT as `kind/name` or a kind for a
    /// list) shows what `ready` wants, and returns it: the state a question
    /// needs settled first (a taint, a reason, a ready count), on a loaded
    /// machine too.
    pub async fn field_until(
        &self,
        object: &str,
        namespace: Option<&str>,
        jsonpath: &str,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        let template = format!("jsonpath={jsonpath}");
        let mut args = vec!["get", object, "-o", template.as_str()];
        if let Some(namespace) = namespace {
            args.extend(["-n", namespace]);
        }
        self.kubectl_until(&args, ready).await
    }

    /// Waits until the events of `namespace` with this `reason` show what
    /// `ready` wants, and returns their listing: a diagnosis quotes events,
    /// so a test asks only once the component has recorded them.
    pub async fn events_until(
        &self,
        namespace: &str,
        reason: &str,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        let selector = format!("reason={reason}");
        self.kubectl_until(
            &[
                "get",
                "events",
                "-n",
                namespace,
                "--field-selector",
                &selector,
            ],
            ready,
        )
        .await
    }

    /// Waits until exactly `count` pods of `namespace` that `selector`
    /// selects are Running with every container ready, and returns their
    /// rows: the settled workload a question or a fix starts from.
    pub async fn ready_pods_until(&self, namespace: &str, selector: &str, count: usize) -> String {
        self.kubectl_until(
            &[
                "get",
                "pods",
                "-n",
                namespace,
                "-l",
                selector,
                "--no-headers",
            ],
            |out| out.lines().filter(|row| pod_row_is_ready(row)).count() == count,
        )
        .await
    }

    /// The replicas `workload` (`kind/name`) in `namespace` asks for
    /// (`spec.replicas`), as stored now.
    pub async fn wanted_replicas(&self, workload: &str, namespace: &str) -> serde_json::Value {
        self.kubectl_json(&["get", workload, "-n", namespace]).await["spec"]["replicas"].clone()
    }

    /// Waits until `workload` (`kind/name`) in `namespace` reports `count`
    /// ready replicas.
    pub async fn ready_replicas_until(&self, workload: &str, namespace: &str, count: usize) {
        let wanted = count.to_string();
        self.field_until(
            workload,
            Some(namespace),
            "{.status.readyReplicas}",
            |out| out == wanted,
        )
        .await;
    }

    /// Waits until the Service `service` in `namespace` has `count` ready
    /// endpoint addresses: traffic reaches that many pods.
    pub async fn endpoints_until(&self, service: &str, namespace: &str, count: usize) {
        self.field_until(
            &format!("endpoints/{service}"),
            Some(namespace),
            "{.subsets[*].addresses[*].ip}",
            |out| out.split_whitespace().count() == count,
        )
        .await;
    }

    /// `kubectl set image WORKLOAD CONTAINER=IMAGE -n NAMESPACE`, expecting
    /// success: a new pod template, as a user's release makes one.
    pub async fn set_image(&self, workload: &str, namespace: &str, container: &str, image: &str) {
        let assignment = format!("{container}={image}");
        self.kubectl(&["set", "image", workload, &assignment, "-n", namespace])
            .await
            .expect_success(&format!("set image {assignment} on {workload}"));
    }

    /// Makes `node` lost as the node controller records a kubelet that
    /// stopped posting its status: Ready=Unknown (NodeStatusUnknown,
    /// "Kubelet stopped posting node status.") since [`LOST_NODE_SINCE`],
    /// last heartbeat [`LOST_NODE_HEARTBEAT`]; waits until the node reads so.
    pub async fn lose_node(&self, node: &str) {
        let lost = serde_json::json!({"status": {"conditions": [{
            "type": "Ready",
            "status": "Unknown",
            "reason": "NodeStatusUnknown",
            "message": "Kubelet stopped posting node status.",
            "lastHeartbeatTime": LOST_NODE_HEARTBEAT,
            "lastTransitionTime": LOST_NODE_SINCE,
        }]}})
        .to_string();
        self.kubectl(&[
            "patch",
            "node",
            node,
            "--subresource=status",
            "--type=merge",
            "-p",
            &lost,
        ])
        .await
        .expect_success(&format!("{node} stops reporting"));
        self.field_until(
            &format!("node/{node}"),
            None,
            "{.status.conditions[?(@.type==\"Ready\")].status}",
            |out| out == "Unknown",
        )
        .await;
    }

    /// Runs `kubectl ARGS` as the admin, expecting success: what it printed.
    pub async fn kubectl_ok(&self, args: &[&str]) -> String {
        self.kubectl(args).await.expect_success(&args.join(" "))
    }

    /// Runs `kubectl ARGS -o json` as the admin, expecting success, and
    /// parses what it printed.
    pub async fn kubectl_json(&self, args: &[&str]) -> serde_json::Value {
        let mut with_output = args.to_vec();
        with_output.extend(["-o", "json"]);
        serde_json::from_str(&self.kubectl_ok(&with_output).await).expect("kubectl prints JSON")
    }

    /// Asserts that `kubectl ARGS` fails because the object is not there.
    pub async fn assert_not_found(&self, args: &[&str]) {
        let after = self.kubectl(args).await;
        assert!(
            !after.success && after.stderr.contains("NotFound"),
            "kubectl {} should find nothing: {after:?}",
            args.join(" ")
        );
    }

    /// Runs the real kubectl as the read-only user (context `NAME-readonly`).
    pub async fn kubectl_read_only(&self, args: &[&str]) -> KubectlOutput {
        let context = sim::kubeconfig::read_only_context(self.cluster.name());
        self.run_kubectl(args, Some(&context), None).await
    }

    /// Runs the real kubectl as the admin with `stdin` piped in (for `apply -f -`).
    pub async fn kubectl_with_stdin(&self, args: &[&str], stdin: &str) -> KubectlOutput {
        self.run_kubectl(args, None, Some(stdin)).await
    }

    async fn run_kubectl(
        &self,
        args: &[&str],
        context: Option<&str>,
        stdin: Option<&str>,
    ) -> KubectlOutput {
        use tokio::io::AsyncWriteExt;
        let mut command = tokio::process::Command::new(kubectl_binary());
        command.arg("--kubeconfig").arg(&self.kubeconfig);
        if let Some(context) = context {
            command.arg("--context").arg(context);
        }
        command
            .args(args)
            .env_remove("KUBECONFIG")
            .stdin(if stdin.is_some() {
                std::process::Stdio::piped()
            } else {
                std::process::Stdio::null()
            })
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("kubectl starts");
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes())
                .await
                .expect("stdin written to kubectl");
        }
        let output = child
            .wait_with_output()
            .await
            .expect("kubectl runs to completion");
        KubectlOutput {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}
