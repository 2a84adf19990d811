//! Acceptance tests of kubeop without a daemon, driving the real binary:
//! `kubeop ask` run in-process (one-shot) against a simulated cluster with
//! the real `kubernetes-mcp-server`, a plan it made approved by a later
//! one-shot `kubeop approve` on the same state directory, `--once` next to a
//! running daemon, and `--sandbox` on the built-in demo cluster.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::SystemTime;

use serde_json::Value;

const KUBEOP: &str = env!("CARGO_BIN_EXE_kubeop");

/// The built-in demo cluster served by this test process, and the files a
/// one-shot kubeop uses with it.
struct OneShot {
    /// The cluster and its kubeconfig.
    env: e2e::SimEnv,
    /// State directory and a socket path nobody listens on.
    dir: tempfile::TempDir,
}

impl OneShot {
    async fn start() -> Self {
        let objects = sim::scenario::Scenario::demo().objects_at(SystemTime::now());
        Self {
            env: e2e::SimEnv::start("demo", objects).await,
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn no_daemon_socket(&self) -> PathBuf {
        self.dir.path().join("nobody-listens.sock")
    }

    /// Runs `kubeop ARGS` with this cluster, state directory and socket.
    async fn kubeop(&self, args: &[&str]) -> Output {
        self.kubeop_with_socket(args, &self.no_daemon_socket())
            .await
    }

    async fn kubeop_with_socket(&self, args: &[&str], socket: &Path) -> Output {
        self.command(args, socket)
            .output()
            .await
            .expect("kubeop runs")
    }

    /// `kubeop ARGS` with this cluster, state directory and `socket`, ready to run.
    fn command(&self, args: &[&str], socket: &Path) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(KUBEOP);
        command
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.env.kubeconfig)
            .arg("--state-dir")
            .arg(self.state_dir())
            .arg("--socket")
            .arg(socket)
            .arg("--mcp-server")
            .arg(e2e::mcp_server_binary())
            .stdin(Stdio::null());
        command
    }

    /// Starts `kubeop serve` on `socket` and `state_dir` with this cluster,
    /// killed on drop, and waits for its socket.
    async fn serve(&self, socket: &Path, state_dir: &Path) -> tokio::process::Child {
        e2e::serve::Serve {
            kubeop: Path::new(KUBEOP),
            kubeconfig: &self.env.kubeconfig,
            socket,
            state_dir,
        }
        .start(&[])
        .await
    }
}

/// `kubeop ask --sandbox ARGS`, given a socket and a state directory that
/// the sandbox must ignore (anything configured for the user's own clusters
/// is).
async fn ask_sandbox(state: &tempfile::TempDir, args: &[&str]) -> Output {
    tokio::process::Command::new(KUBEOP)
        .arg("ask")
        .arg("--sandbox")
        .args(args)
        .arg("--mcp-server")
        .arg(e2e::mcp_server_binary())
        .arg("--socket")
        .arg(state.path().join("none.sock"))
        .arg("--state-dir")
        .arg(state.path().join("state"))
        .stdin(Stdio::null())
        .output()
        .await
        .expect("kubeop runs")
}

fn one_json_object(output: &Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "-o json prints one line: {text}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(text.trim_end()).expect("one JSON object")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_without_a_daemon_runs_in_process_and_a_later_approve_runs_its_plan() {
    let one_shot = OneShot::start().await;
    let read = one_shot
        .kubeop(&["ask", "-o", "json", "show me all pods in production"])
        .await;
    assert!(read.status.success(), "{read:?}");
    let answer = one_json_object(&read);
    assert_eq!(answer["kind"], "answer");
    assert_eq!(answer["tool"], "pods_list_in_namespace");
    assert!(
        answer["text"].as_str().expect("text").contains("checkout-"),
        "{answer}"
    );

    let asked = one_shot
        .kubeop(&["ask", "-o", "json", "scale nginx to 4 in staging"])
        .await;
    assert_eq!(asked.status.code(), Some(4), "a plan waits: {asked:?}");
    let plan = one_json_object(&asked);
    assert_eq!(plan["kind"], "plan");
    assert_eq!(plan["operation"], "scale");
    let plan_id = plan["plan_id"].as_str().expect("an id");
    let plan_hash = plan["plan_hash"].as_str().expect("a hash");

    // The one-shot run persisted the plan with the pending approvals; a
    // later process (no daemon either) finds it there and runs it.
    let pending = one_json_object(&one_shot.kubeop(&["pending", "-o", "json"]).await);
    assert_eq!(pending["plans"][0]["plan_id"], plan_id, "{pending}");
    let approved = one_shot
        .kubeop(&["approve", plan_id, "--hash", plan_hash, "-o", "json"])
        .await;
    assert!(approved.status.success(), "{approved:?}");
    let result = one_json_object(&approved);
    assert_eq!(result["kind"], "result");
    assert_eq!(result["outcome"], "verified", "{result}");
    let replicas = one_shot
        .env
        .kubectl(&[
            "get",
            "deployment",
            "nginx",
            "-n",
            "staging",
            "-o",
            "jsonpath={.spec.replicas}",
        ])
        .await
        .expect_success("get the scaled deployment");
    assert_eq!(replicas, "4");
    let reused = one_shot
        .kubeop(&["approve", plan_id, "--hash", plan_hash])
        .await;
    assert_eq!(reused.status.code(), Some(5), "an approval is single-use");
    let log = tokio::process::Command::new(KUBEOP)
        .args(["log", "-o", "json", "--state-dir"])
        .arg(one_shot.state_dir())
        .output()
        .await
        .expect("kubeop log runs");
    let log = one_json_object(&log);
    assert_eq!(log["operations"][0]["status"], "verified", "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_once_runs_in_process_even_when_a_daemon_answers() {
    let one_shot = OneShot::start().await;
    let daemon_state = one_shot.dir.path().join("daemon-state");
    let socket = one_shot.dir.path().join("run").join("kubeop.sock");
    let mut daemon = one_shot.serve(&socket, &daemon_state).await;

    let through_daemon = one_shot
        .kubeop_with_socket(
            &[
                "ask",
                "-o",
                "json",
                "scale notification-service to 3 in staging",
            ],
            &socket,
        )
        .await;
    assert_eq!(through_daemon.status.code(), Some(4), "{through_daemon:?}");
    let once = one_shot
        .kubeop_with_socket(
            &["ask", "--once", "-o", "json", "scale nginx to 5 in staging"],
            &socket,
        )
        .await;
    assert_eq!(once.status.code(), Some(4), "{once:?}");
    let once_plan = one_json_object(&once)["plan_id"].clone();

    // The daemon holds only the plan asked through it; the `--once` plan
    // lives in the one-shot's own state directory.
    let daemon_pending = one_json_object(
        &one_shot
            .kubeop_with_socket(&["pending", "-o", "json"], &socket)
            .await,
    );
    let daemon_plans = daemon_pending["plans"].as_array().expect("plans");
    assert_eq!(daemon_plans.len(), 1, "{daemon_pending}");
    assert_eq!(daemon_plans[0]["target"]["name"], "notification-service");
    let local_pending = one_json_object(&one_shot.kubeop(&["pending", "-o", "json"]).await);
    assert_eq!(local_pending["plans"][0]["plan_id"], once_plan);
    daemon.kill().await.expect("the daemon stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_shot_on_a_daemons_state_dir_is_refused_and_the_lock_dies_with_the_daemon() {
    let one_shot = OneShot::start().await;
    // The daemon listens elsewhere, so the one-shot cannot reach it but
    // shares its state directory.
    let socket = one_shot.dir.path().join("run").join("kubeop.sock");
    let mut daemon = one_shot.serve(&socket, &one_shot.state_dir()).await;
    let asked = one_shot
        .kubeop_with_socket(
            &["ask", "-o", "json", "scale nginx to 5 in staging"],
            &socket,
        )
        .await;
    assert_eq!(asked.status.code(), Some(4), "{asked:?}");

    let refused = one_shot
        .kubeop(&[
            "ask",
            "--once",
            "scale notification-service to 3 in staging",
        ])
        .await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let daemon_pid = daemon.id().expect("the daemon runs");
    // Refused at once, with no wait: a daemon does not finish on its own.
    assert!(
        stderr.starts_with(&format!(
            "kubeop: the state directory {} is in use by kubeop pid {daemon_pid} (",
            one_shot.state_dir().display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains(" serve "), "the holder's command: {stderr}");
    assert!(
        stderr.contains("use its socket, or another --state-dir"),
        "{stderr}"
    );
    for args in [&["pending"][..], &["approve", "plan-1", "--hash", "0"][..]] {
        let refused = one_shot.kubeop(args).await;
        assert_eq!(refused.status.code(), Some(1), "{args:?}: {refused:?}");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("is in use by kubeop pid"),
            "{args:?}: {refused:?}"
        );
    }

    // Readers take no lock: the log reads and verifies under the daemon.
    let log_command = |args: &[&str]| {
        tokio::process::Command::new(KUBEOP)
            .arg("log")
            .args(args)
            .arg("--state-dir")
            .arg(one_shot.state_dir())
            .output()
    };
    let log = one_json_object(&log_command(&["-o", "json"]).await.expect("kubeop log runs"));
    assert_eq!(
        log["operations"].as_array().expect("operations").len(),
        1,
        "{log}"
    );
    let verified = log_command(&["--verify"]).await.expect("kubeop log runs");
    assert!(verified.status.success(), "{verified:?}");

    // kill -9 leaves no stale lock: the OS released it with the process.
    daemon.kill().await.expect("SIGKILL the daemon");
    daemon.wait().await.expect("the daemon is reaped");
    let after = one_shot
        .kubeop(&[
            "ask",
            "--once",
            "-o",
            "json",
            "scale notification-service to 3 in staging",
        ])
        .await;
    assert_eq!(after.status.code(), Some(4), "{after:?}");
    let pending = one_json_object(&one_shot.kubeop(&["pending", "-o", "json"]).await);
    assert_eq!(
        pending["plans"].as_array().expect("plans").len(),
        2,
        "the daemon's plan and the one-shot's: {pending}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_shot_waits_for_another_one_shot_on_its_state_dir_then_runs_or_names_it() {
    use tokio::io::AsyncBufReadExt;

    let one_shot = OneShot::start().await;
    std::fs::create_dir_all(one_shot.state_dir()).expect("the state directory");
    // This test process plays the other one-shot: it holds the state
    // directory's lock exactly as long as the test says.
    let held = memory::StateDirLock::acquire(&one_shot.state_dir()).expect("the lock is free");
    let mut waiting = one_shot
        .command(
            &["ask", "--once", "-o", "json", "list namespaces"],
            &one_shot.no_daemon_socket(),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubeop starts");
    let mut stderr = tokio::io::BufReader::new(waiting.stderr.take().expect("piped")).lines();
    let told = stderr
        .next_line()
        .await
        .expect("stderr reads")
        .expect("kubeop says it waits");
    assert!(
        told.starts_with(&format!(
            "kubeop: waiting up to {} s for the other kubeop writing {} to finish (kubeop pid {} (",
            cli::backend::STATE_DIR_PATIENCE.as_secs(),
            one_shot.state_dir().display(),
            std::process::id()
        )),
        "{told}"
    );
    // The other one finishes: the waiting one goes ahead and answers.
    drop(held);
    let answered = waiting.wait_with_output().await.expect("kubeop ends");
    assert!(answered.status.success(), "{answered:?}");
    let answer = one_json_object(&answered);
    assert_eq!(answer["tool"], "namespaces_list", "{answer}");
    assert!(
        answer["text"]
            .as_str()
            .is_some_and(|text| text.contains("staging")),
        "{answer}"
    );

    // A holder that outlasts the wait is named in the refusal.
    let held = memory::StateDirLock::acquire(&one_shot.state_dir()).expect("free again");
    let refused = one_shot.kubeop(&["ask", "--once", "list namespaces"]).await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let mut lines = stderr.lines();
    assert!(
        lines
            .next()
            .is_some_and(|line| line.starts_with("kubeop: waiting up to ")),
        "{stderr}"
    );
    assert!(
        lines.next().is_some_and(|line| line.starts_with(&format!(
            "kubeop: the state directory {} is in use by kubeop pid {} (",
            one_shot.state_dir().display(),
            std::process::id()
        ))),
        "{stderr}"
    );
    assert!(refused.stdout.is_empty(), "{refused:?}");
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_sandbox_answers_from_the_built_in_demo_cluster() {
    let state = tempfile::tempdir().expect("a temporary directory");
    let listed = ask_sandbox(&state, &["-o", "json", "list deployments in staging"]).await;
    assert!(listed.status.success(), "{listed:?}");
    let answer = one_json_object(&listed);
    assert_eq!(answer["kind"], "answer");
    assert_eq!(answer["context"], "demo");
    assert!(
        answer["text"].as_str().expect("text").contains("nginx"),
        "{answer}"
    );
    let diagnosed = ask_sandbox(
        &state,
        &[
            "-o",
            "json",
            "why is the checkout pod crashing in production?",
        ],
    )
    .await;
    let diagnosis = one_json_object(&diagnosed);
    assert_eq!(diagnosis["kind"], "diagnosis", "{diagnosis}");
    let planned = ask_sandbox(&state, &["-o", "json", "scale nginx to 4 in staging"]).await;
    assert_eq!(planned.status.code(), Some(4), "{planned:?}");
    assert_eq!(one_json_object(&planned)["target"]["context"], "demo");
    assert!(
        !state.path().join("state").exists(),
        "the sandbox keeps its state in its own directory, not the configured one"
    );
}

/// A read the server answers "not found" exits 1 (as kubectl does), with the
/// answer still printed, so a script never takes a failed read for a result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_the_server_answers_not_found_exits_1_with_the_answer_printed() {
    let state = tempfile::tempdir().expect("a temporary directory");
    let missing = ask_sandbox(
        &state,
        &["-o", "json", "get deployment ghost in production"],
    )
    .await;
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
    let answer: Value = serde_json::from_slice(&missing.stdout).expect("one JSON object");
    assert_eq!(answer["kind"], "answer");
    assert_eq!(answer["error"], true);
    assert!(
        answer["text"]
            .as_str()
            .is_some_and(|text| text.contains("ghost")),
        "{answer}"
    );

    let human = ask_sandbox(&state, &["get deployment ghost in production"]).await;
    assert_eq!(human.status.code(), Some(1), "{human:?}");
    assert!(
        String::from_utf8_lossy(&human.stdout).starts_with("error: "),
        "{human:?}"
    );

    let found = ask_sandbox(&state, &["get deployment nginx in staging"]).await;
    assert!(found.status.success(), "{found:?}");
}
