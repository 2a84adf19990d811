//! The paths only a terminal takes, driven on a pseudo-terminal as a person
//! would: the real `kubeop` binary, the real `kubernetes-mcp-server`, a
//! simulated cluster served by `kubeop sim` in its own process.
//!
//! - `kubeop ask` on a terminal shows the plan card, then asks; `y` runs the
//!   exact plan and verifies it, `n` denies it and nothing runs, Enter
//!   leaves it pending with the commands to decide later.
//! - `kubeop shell`: the prompt names the context and namespace, Ctrl-C
//!   cancels the request in progress and the session goes on, history is
//!   kept across sessions (the Up arrow brings the last request back).
//! - `kubeop` alone on a terminal opens that session (configured here by
//!   `KUBEOP_*` variables only); `kubeop demo` opens it after its tour.
//! - Cards are coloured on a terminal, and plain with `NO_COLOR`.
//!
//! The expectations wait for text, never for time: the timeout only keeps a
//! hung binary from hanging the suite.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};
use serde_json::Value;

const KUBEOP: &str = env!("CARGO_BIN_EXE_kubeop");

/// How long one expectation may wait before the test fails as hung: far
/// beyond any answer on a loaded machine; reaching it means a hang.
const HANG_GUARD_MS: u64 = 300_000;

/// What `kubeop` asks under a plan card on a terminal.
const QUESTION: &str = cli::inline_approval::QUESTION;

/// A simulated cluster (`kubeop sim`, killed on drop) and the files a
/// kubeop on a terminal uses with it.
struct Cluster {
    /// Kubeconfig, scenario, state directory, home.
    dir: tempfile::TempDir,
    /// `kubeop sim`.
    sim: Child,
}

impl Cluster {
    /// The built-in demo cluster (context `demo`).
    fn demo() -> Self {
        Self::serve(&[])
    }

    /// One cluster from a scenario file named `NAME.yaml` (context `NAME`).
    fn scenario(name: &str, manifests: &str) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&file, manifests).expect("the scenario is written");
        Self::serve_in(dir, &["--scenario".into(), file.display().to_string()])
    }

    fn serve(args: &[String]) -> Self {
        Self::serve_in(tempfile::tempdir().expect("a temporary directory"), args)
    }

    fn serve_in(dir: tempfile::TempDir, args: &[String]) -> Self {
        let kubeconfig = dir.path().join("kubeconfig");
        let sim = Command::new(KUBEOP)
            .arg("sim")
            .args(args)
            .arg("--kubeconfig-out")
            .arg(&kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("kubeop sim starts");
        // `kubeop sim` writes the kubeconfig once it serves.
        while !kubeconfig.is_file() {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Self { dir, sim }
    }

    fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// `kubeop ARGS` against this cluster, in-process (no daemon answers on
    /// its socket), with a home and state of its own and no colour, so the
    /// text to expect is plain.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(KUBEOP);
        command
            .args(args)
            .arg("--kubeconfig")
            .arg(self.kubeconfig())
            .arg("--state-dir")
            .arg(self.state_dir())
            .arg("--socket")
            .arg(self.dir.path().join("nobody-listens.sock"))
            .arg("--mcp-server")
            .arg(e2e::mcp_server_binary())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("TERM", "xterm")
            .env("NO_COLOR", "1");
        command
    }

    /// `kubeop ARGS` on a pseudo-terminal of its own; what it shows is read
    /// without the terminal's escape sequences (line editing, spinner).
    fn on_terminal(&self, args: &[&str]) -> PtySession {
        on_terminal(self.command(args), Escapes::Strip)
    }

    /// `kubeop ARGS -o json` off a terminal, its one JSON object.
    fn json(&self, args: &[&str]) -> Value {
        let output = self
            .command(args)
            .args(["-o", "json"])
            .stdin(Stdio::null())
            .output()
            .expect("kubeop runs");
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{args:?}: {error}: {output:?}"))
    }

    /// The operations log as `kubeop log -o json` shows it.
    fn log(&self) -> Value {
        let output = Command::new(KUBEOP)
            .args(["log", "-o", "json", "--state-dir"])
            .arg(self.state_dir())
            .output()
            .expect("kubeop log runs");
        serde_json::from_slice(&output.stdout).expect("one JSON object")
    }

    /// `kubectl ARGS` against this cluster, its stdout.
    fn kubectl(&self, args: &[&str]) -> String {
        let output = Command::new(e2e::kubectl_binary())
            .arg("--kubeconfig")
            .arg(self.kubeconfig())
            .args(args)
            .output()
            .expect("kubectl runs");
        assert!(output.status.success(), "kubectl {args:?}: {output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _killed = self.sim.kill();
        let _reaped = self.sim.wait();
    }
}

/// What the test reads of a terminal's escape sequences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escapes {
    /// Read past them (line editing, the spinner, colours).
    Strip,
    /// Keep them, to see the colours.
    Keep,
}

/// `command` on a pseudo-terminal of its own.
fn on_terminal(command: Command, escapes: Escapes) -> PtySession {
    let options = Options::new()
        .timeout_ms(Some(HANG_GUARD_MS))
        .strip_ansi_escape_codes(escapes == Escapes::Strip);
    spawn_with_options(command, options).expect("kubeop starts on a pty")
}

/// Waits for `text` on the terminal; the text shown before it. (The reader
/// takes the terminal's bytes one by one as characters, so expectations are
/// ASCII: `VERIFIED`, not `✓ VERIFIED`.)
fn expect(terminal: &mut PtySession, text: &str) -> String {
    terminal
        .exp_string(text)
        .unwrap_or_else(|error| panic!("waiting for {text:?}: {error}"))
}

/// Types `keys` as a person would (no newline added).
fn type_keys(terminal: &mut PtySession, keys: &str) {
    terminal.send(keys).expect("the terminal takes input");
    terminal.flush().expect("the input is sent");
}

/// Types `request` and Enter at a session's prompt: what it printed until
/// `prompt` came back.
fn answer_at(terminal: &mut PtySession, request: &str, prompt: &str) -> String {
    type_keys(terminal, &format!("{request}\r"));
    expect(terminal, prompt)
}

/// Waits for the program to end; its exit status.
fn exit_status(mut terminal: PtySession) -> i32 {
    terminal.exp_eof().expect("kubeop ends");
    match terminal.process().wait().expect("kubeop is reaped") {
        rexpect::process::WaitStatus::Exited(_, status) => status,
        other => panic!("kubeop did not exit normally: {other:?}"),
    }
}

fn replicas(cluster: &Cluster, namespace: &str, name: &str) -> String {
    cluster.kubectl(&[
        "get",
        "deployment",
        name,
        "-n",
        namespace,
        "-o",
        "jsonpath={.spec.replicas}",
    ])
}

#[test]
fn ask_on_a_terminal_shows_the_plan_then_y_runs_and_verifies_it() {
    let cluster = Cluster::demo();
    let mut ask = cluster.on_terminal(&["ask", "scale nginx to 4 in staging"]);
    let card = expect(&mut ask, QUESTION);
    assert!(card.contains("operation scale"), "{card}");
    assert!(
        card.contains("target    Deployment staging/nginx"),
        "{card}"
    );
    assert!(
        card.contains("~ replicas: 2 ") && card.contains(" 4\r\n"),
        "the change is shown before the question: {card}"
    );
    assert!(
        !card.contains("Approve with:"),
        "the question replaces the commands: {card}"
    );
    type_keys(&mut ask, "y\r");
    let result = expect(&mut ask, "VERIFIED Deployment staging/nginx");
    assert!(!result.contains("Denied"), "{result}");
    assert_eq!(exit_status(ask), 0);

    assert_eq!(replicas(&cluster, "staging", "nginx"), "4");
    let log = cluster.log();
    let operation = &log["operations"][0];
    assert_eq!(operation["status"], "verified", "{log}");
    assert_eq!(operation["request"], "scale nginx to 4 in staging", "{log}");
}

#[test]
fn ask_on_a_terminal_denies_with_n_and_leaves_the_plan_pending_with_enter() {
    let cluster = Cluster::demo();
    let mut ask = cluster.on_terminal(&["ask", "scale nginx to 5 in staging"]);
    expect(&mut ask, QUESTION);
    type_keys(&mut ask, "n\r");
    expect(&mut ask, "Denied plan ");
    expect(&mut ask, cli::inline_approval::DENIED_AT_PROMPT);
    assert_eq!(
        exit_status(ask),
        0,
        "a refusal is the person's answer, not an error"
    );
    assert_eq!(replicas(&cluster, "staging", "nginx"), "2", "nothing ran");
    let log = cluster.log();
    assert_eq!(log["operations"][0]["status"], "denied", "{log}");
    assert_eq!(
        cluster.json(&["pending"])["plans"],
        serde_json::json!([]),
        "nothing waits"
    );

    // Enter decides nothing: the plan waits, with the commands to decide it.
    let mut ask = cluster.on_terminal(&["ask", "scale nginx to 6 in staging"]);
    expect(&mut ask, QUESTION);
    type_keys(&mut ask, "\r");
    let commands = expect(&mut ask, "Deny with:");
    assert_eq!(exit_status(ask), i32::from(cli::exit::PLAN_PENDING));
    let pending = cluster.json(&["pending"]);
    let plan = &pending["plans"][0];
    let approve = format!(
        "kubeop approve {} --hash {}",
        plan["plan_id"].as_str().expect("an id"),
        plan["plan_hash"].as_str().expect("a hash")
    );
    assert!(commands.contains(&approve), "{commands}");
    assert_eq!(replicas(&cluster, "staging", "nginx"), "2", "nothing ran");
}

/// A shop whose new pods never become ready while the test runs, so a
/// scale's verification is still waiting when Ctrl-C comes.
const SLOW_SHOP: &str = "\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: sleepy, namespace: shop, labels: {app: sleepy}}
spec:
  replicas: 1
  selector: {matchLabels: {app: sleepy}}
  template:
    metadata:
      labels: {app: sleepy}
      annotations: {sim.kubeop.dev/ready-delay: 1h}
    spec:
      containers: [{name: app, image: nginx:1.27}]
";

#[test]
fn the_shell_prompts_with_context_and_namespace_ctrl_c_cancels_the_request_and_history_stays() {
    let cluster = Cluster::scenario("shop", SLOW_SHOP);
    let mut shell = cluster.on_terminal(&["shell", "-n", "shop"]);
    let prompt = "kubeop (shop/shop)> ";
    expect(&mut shell, prompt);
    let answer = answer_at(&mut shell, "list deployments", prompt);
    assert!(answer.contains("sleepy"), "{answer}");

    // A change approved inline, whose verification waits ...
    type_keys(&mut shell, "scale sleepy to 2\r");
    let card = expect(&mut shell, QUESTION);
    assert!(card.contains("target    Deployment shop/sleepy"), "{card}");
    type_keys(&mut shell, "y\r");
    expect(
        &mut shell,
        "replicas of deployment/sleepy in shop to be ready",
    );
    // ... is cancelled by Ctrl-C, and the session goes on.
    type_keys(&mut shell, "\x03");
    let cancelled = expect(&mut shell, prompt);
    assert!(cancelled.contains("kubeop: cancelled."), "{cancelled}");
    let answer = answer_at(&mut shell, "list pods", prompt);
    assert!(
        answer.contains("sleepy-"),
        "the session still answers: {answer}"
    );
    // Ctrl-C at the prompt only clears the line.
    type_keys(&mut shell, "list namesp\x03");
    expect(&mut shell, prompt);
    type_keys(&mut shell, "\x04");
    assert_eq!(exit_status(shell), 0, "Ctrl-D ends the session");

    // The change still ran (it was approved): the cancel only stopped the wait.
    assert_eq!(replicas(&cluster, "shop", "sleepy"), "2");
    let history = std::fs::read_to_string(cluster.state_dir().join("shell-history"))
        .expect("the history is kept in the state directory");
    let requests: Vec<&str> = history
        .lines()
        .filter(|line| !line.starts_with('#'))
        .collect();
    assert_eq!(
        requests,
        ["list deployments", "scale sleepy to 2", "list pods"],
        "{history}"
    );

    // A new session recalls the last request with the Up arrow.
    let mut shell = cluster.on_terminal(&["shell", "-n", "shop"]);
    expect(&mut shell, prompt);
    type_keys(&mut shell, "\x1b[A");
    expect(&mut shell, "list pods");
    type_keys(&mut shell, "\r");
    expect(&mut shell, "sleepy-");
    expect(&mut shell, prompt);
    type_keys(&mut shell, "exit\r");
    assert_eq!(exit_status(shell), 0);
}

#[test]
fn cards_are_coloured_on_a_terminal_unless_no_color_is_set() {
    let cluster = Cluster::demo();
    let card_shown = |no_color: Option<&str>| {
        let mut command = cluster.command(&["ask", "scale nginx to 3 in staging"]);
        command.env_remove("NO_COLOR");
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        let mut ask = on_terminal(command, Escapes::Keep);
        let card = expect(&mut ask, QUESTION);
        type_keys(&mut ask, "\r");
        assert_eq!(exit_status(ask), i32::from(cli::exit::PLAN_PENDING));
        card
    };
    let coloured = card_shown(None);
    assert!(coloured.contains("\x1b[1mPlan\x1b[0m"), "{coloured:?}");
    let plain = card_shown(Some("1"));
    assert!(plain.contains("Plan plan-"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "NO_COLOR: {plain:?}");
}

#[test]
fn kubeop_alone_on_a_terminal_opens_the_session_configured_by_its_environment() {
    let cluster = Cluster::demo();
    let mut command = Command::new(KUBEOP);
    command
        .env("HOME", cluster.dir.path())
        .env("XDG_CONFIG_HOME", cluster.dir.path().join("config"))
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("KUBEOP_DAEMON__KUBECONFIG", cluster.kubeconfig())
        .env("KUBEOP_DAEMON__STATE_DIR", cluster.state_dir())
        .env(
            "KUBEOP_DAEMON__SOCKET",
            cluster.dir.path().join("nobody-listens.sock"),
        )
        .env("KUBEOP_GATEWAY__SERVER_BINARY", e2e::mcp_server_binary());
    let mut session = on_terminal(command, Escapes::Strip);
    expect(&mut session, "Type a request in plain words");
    let prompt = "kubeop (demo)> ";
    expect(&mut session, prompt);
    let answer = answer_at(&mut session, "list namespaces", prompt);
    assert!(answer.contains("staging"), "{answer}");
    type_keys(&mut session, "\x04");
    assert_eq!(exit_status(session), 0);
}

#[test]
fn the_demo_on_a_terminal_opens_the_session_after_its_tour() {
    let home = tempfile::tempdir().expect("a temporary directory");
    let mut command = Command::new(KUBEOP);
    command
        .args(["demo", "--mcp-server"])
        .arg(e2e::mcp_server_binary())
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_RUNTIME_DIR", home.path().join("run"))
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut demo = on_terminal(command, Escapes::Strip);
    let tour = expect(&mut demo, "Your turn. Some requests to try:");
    assert!(tour.contains("VERIFIED Deployment staging/nginx"), "{tour}");
    let prompt = "kubeop (demo)> ";
    expect(&mut demo, prompt);
    let answer = answer_at(&mut demo, "list deployments in staging", prompt);
    assert!(answer.contains("nginx"), "{answer}");
    type_keys(&mut demo, "exit\r");
    assert_eq!(exit_status(demo), 0);
}
