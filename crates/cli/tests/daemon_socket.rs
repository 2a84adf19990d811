//! Acceptance tests of `kubeop serve` driving the real binary: the daemon
//! against the simulated cluster (`kubeop sim`) with the real
//! `kubernetes-mcp-server`, and real client commands over its socket.
//!
//! These live in `crates/cli/tests/` rather than `tests/tests/` because only
//! the package that defines a binary gets `CARGO_BIN_EXE_<name>`: cargo builds
//! the exact `kubeop` under test before running them, with no nested cargo
//! invocation and no stale binary. The shared end-to-end support (the real MCP
//! server's location) comes from the `e2e` crate as a dev-dependency.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const KUBEOP: &str = env!("CARGO_BIN_EXE_kubeop");

/// How many times readiness is polled (every [`POLL`]) before a test gives up:
/// generous, since the machine is shared and a cold start can be slow.
const READY_POLLS: usize = 1200;

/// Pause between readiness polls.
const POLL: Duration = Duration::from_millis(50);

/// A simulated cluster and a daemon over it, both real processes, killed on drop.
struct Stack {
    /// Holds the kubeconfig, the socket and the state directory.
    dir: tempfile::TempDir,
    /// `kubeop sim`.
    sim: Child,
    /// `kubeop serve`, when running.
    daemon: Option<Child>,
}

impl Stack {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let sim = Command::new(KUBEOP)
            .args(["sim", "--kubeconfig-out"])
            .arg(&kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("kubeop sim starts");
        wait_for(
            || kubeconfig.is_file(),
            "the simulated cluster's kubeconfig",
        );
        let mut stack = Self {
            dir,
            sim,
            daemon: None,
        };
        stack.start_daemon();
        stack
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("run").join("kubeop.sock")
    }

    fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn start_daemon(&mut self) {
        let daemon = Command::new(KUBEOP)
            .arg("serve")
            .arg("--kubeconfig")
            .arg(self.dir.path().join("kubeconfig"))
            .arg("--socket")
            .arg(self.socket())
            .arg("--state-dir")
            .arg(self.state_dir())
            .arg("--mcp-server")
            .arg(e2e::mcp_server_binary())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("kubeop serve starts");
        self.daemon = Some(daemon);
        let socket = self.socket();
        wait_for(
            || UnixStream::connect(&socket).is_ok(),
            "the daemon's socket",
        );
    }

    /// Runs a client command against this stack's daemon.
    fn kubeop(&self, args: &[&str]) -> Output {
        Command::new(KUBEOP)
            .args(args)
            .arg("--socket")
            .arg(self.socket())
            .output()
            .expect("kubeop runs")
    }

    /// Runs a client command with `-o json` and parses its one JSON object.
    fn json(&self, args: &[&str]) -> Value {
        let mut with_output = args.to_vec();
        with_output.extend(["-o", "json"]);
        let output = self.kubeop(&with_output);
        assert!(
            output.status.success(),
            "kubeop {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        one_json_object(&output.stdout)
    }

    /// Asks for the change `request`: the plan card kubeop waits to have approved.
    fn plan(&self, request: &str) -> Value {
        let asked = self.kubeop(&["ask", request, "-o", "json"]);
        assert_eq!(
            asked.status.code(),
            Some(4),
            "a plan waits for approval: {asked:?}"
        );
        one_json_object(&asked.stdout)
    }

    /// Sends, on a connection of its own, the approval of `plan` as request
    /// `id` asking for progress: the connection, to read what comes back.
    fn approve_with_progress(&self, plan: &Value, id: u64) -> BufReader<UnixStream> {
        let mut connection = BufReader::new(UnixStream::connect(self.socket()).expect("connects"));
        let request = json!({"jsonrpc": "2.0", "id": id, "method": "approve", "params": {
            "plan_id": plan["plan_id"], "plan_hash": plan["plan_hash"], "progress": true}});
        connection
            .get_mut()
            .write_all(format!("{request}\n").as_bytes())
            .expect("writes");
        connection
    }

    fn daemon_pid(&self) -> u32 {
        self.daemon.as_ref().expect("daemon running").id()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let Some(mut daemon) = self.daemon.take() {
            let _killed = daemon.kill();
            let _reaped = daemon.wait();
        }
        let _killed = self.sim.kill();
        let _reaped = self.sim.wait();
    }
}

fn wait_for(ready: impl Fn() -> bool, what: &str) {
    for _ in 0..READY_POLLS {
        if ready() {
            return;
        }
        std::thread::sleep(POLL);
    }
    panic!("{what} never became ready");
}

fn one_json_object(stdout: &[u8]) -> Value {
    let text = String::from_utf8_lossy(stdout);
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "-o json prints one line: {text}"
    );
    serde_json::from_str(text.trim_end()).expect("one JSON object")
}

/// Sends raw lines on one connection and reads one response line per line sent.
/// The next JSON-RPC line on `connection` (a notification or a response).
fn next_line(connection: &mut BufReader<UnixStream>) -> Value {
    let mut line = String::new();
    connection.read_line(&mut line).expect("reads");
    serde_json::from_str(&line).expect("a JSON-RPC line")
}

fn exchange(stream: &mut BufReader<UnixStream>, line: &[u8]) -> Value {
    stream.get_mut().write_all(line).expect("writes");
    next_line(stream)
}

#[test]
fn several_clients_read_the_catalog_and_status_at_once() {
    let stack = Stack::start();
    let answers: Vec<(Value, Value)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| (stack.json(&["tools"]), stack.json(&["status"]))))
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("client thread"))
            .collect()
    });
    for (tools, status) in answers {
        assert_eq!(tools["kind"], "tools");
        let tool = |name: &str| {
            tools["tools"]
                .as_array()
                .expect("a list")
                .iter()
                .find(|tool| tool["name"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("{name} is in the real server's catalog"))
        };
        assert_eq!(tool("pods_list")["read_only"], true);
        assert_eq!(tool("resources_scale")["read_only"], false);
        assert_eq!(status["kind"], "status");
        assert_eq!(status["gateway"]["phase"], "ready");
        // The version the real server reported in its initialize handshake.
        assert_eq!(
            status["mcp_server"]["name"], "kubernetes-mcp-server",
            "{status}"
        );
        // (The server says "v0.0.67" where kubeop pins "0.0.67".)
        let reported = status["mcp_server"]["version"].as_str().expect("a version");
        assert_eq!(
            reported.trim_start_matches('v'),
            status["mcp_server"]["pinned_version"],
            "{status}"
        );
        let actors: Vec<&str> = status["actors"]
            .as_array()
            .expect("actors")
            .iter()
            .map(|actor| actor["name"].as_str().expect("a name"))
            .collect();
        assert_eq!(actors, ["memory", "gateway", "hitl", "coordinator"]);
        assert!(
            status["actors"]
                .as_array()
                .expect("actors")
                .iter()
                .all(|actor| actor["state"] == "running")
        );
    }
    // Once the server is up, the human status names its own version.
    let human = stack.kubeop(&["status"]);
    assert!(human.status.success());
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("MCP server kubernetes-mcp-server v0.0.67 (pinned 0.0.67"),
        "kubeop status names the server's own version: {human}"
    );
}

#[test]
fn malformed_and_oversized_messages_get_errors_and_the_connection_survives() {
    let stack = Stack::start();
    let mut connection = BufReader::new(UnixStream::connect(stack.socket()).expect("connects"));
    let garbage = exchange(&mut connection, b"this is not json\n");
    assert_eq!(garbage["error"]["code"], -32700);
    assert_eq!(garbage["id"], Value::Null);
    let not_a_request = exchange(&mut connection, b"{\"jsonrpc\":\"2.0\",\"id\":1}\n");
    assert_eq!(not_a_request["error"]["code"], -32600);
    let unknown = exchange(
        &mut connection,
        b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"rm -rf\"}\n",
    );
    assert_eq!(unknown["error"]["code"], -32601);
    assert_eq!(unknown["id"], 2);
    let mut oversized =
        b"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"status\",\"params\":{\"pad\":\"".to_vec();
    oversized.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
    oversized.extend(b"\"}}\n");
    let refused = exchange(&mut connection, &oversized);
    assert_eq!(refused["error"]["code"], -32000);
    assert_eq!(refused["error"]["data"]["limit_bytes"], 1024 * 1024);
    let status = exchange(
        &mut connection,
        b"{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"status\"}\n",
    );
    assert_eq!(status["id"], 4);
    assert_eq!(status["result"]["kind"], "status");
}

#[test]
fn the_socket_is_owner_only_and_another_uid_is_refused_even_when_it_can_connect() {
    let stack = Stack::start();
    let socket = stack.socket();
    let mode = |path: &Path| {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&socket), 0o600);
    assert_eq!(mode(socket.parent().expect("a directory")), 0o700);
    assert!(
        rustix::process::getuid().is_root(),
        "this test runs a client as another user, which needs root (CI and the dev machines run as root)"
    );
    // Loosen the permissions by hand, as an administrator might: the peer uid
    // check must still turn the other user away.
    for (path, loose) in [
        (stack.dir.path().to_path_buf(), 0o755),
        (socket.parent().expect("a directory").to_path_buf(), 0o755),
        (socket.clone(), 0o666),
    ] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(loose)).expect("chmod");
    }
    let nobody = 65534;
    let output = Command::new(KUBEOP)
        .args(["status", "--socket"])
        .arg(&socket)
        .uid(nobody)
        .gid(nobody)
        .env("HOME", "/")
        .current_dir("/")
        .output()
        .expect("kubeop runs as nobody");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("uid 65534 may not use this daemon"),
        "{stderr}"
    );
    // The owner is still served.
    assert_eq!(stack.json(&["status"])["kind"], "status");
}

#[test]
fn pending_approvals_survive_a_killed_daemon_and_sigterm_stops_it_cleanly() {
    let mut stack = Stack::start();
    let plan_id = request_plan_in(&stack.state_dir());
    // The daemon reads pending plans when its approvals actor starts; this
    // plan was written by another process, so restart to pick it up, the
    // hard way.
    let killed = stack.daemon.take().expect("running");
    kill(killed, "-KILL");
    stack.start_daemon();
    let pending = stack.json(&["pending"]);
    let ids: Vec<&str> = pending["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .map(|plan| plan["plan_id"].as_str().expect("an id"))
        .collect();
    assert_eq!(ids, [plan_id.as_str()]);

    let killed = stack.daemon.take().expect("running");
    kill(killed, "-KILL");
    stack.start_daemon();
    let pending = stack.json(&["pending"]);
    assert_eq!(pending["plans"][0]["plan_id"], plan_id.as_str());

    let denied = stack.json(&["deny", &plan_id, "--reason", "not today"]);
    assert_eq!(denied["kind"], "denied");
    assert_eq!(denied["reason"], "not today");
    let again = stack.kubeop(&["deny", &plan_id]);
    assert_eq!(again.status.code(), Some(5), "a decided plan is refused");
    assert!(
        stack.json(&["pending"])["plans"]
            .as_array()
            .expect("plans")
            .is_empty()
    );

    let pid = stack.daemon_pid();
    let mut daemon = stack.daemon.take().expect("running");
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = daemon.wait().expect("the daemon exits");
    assert!(exit.success(), "SIGTERM is a clean shutdown: {exit:?}");
    assert!(
        !stack.socket().exists(),
        "the socket is removed on shutdown"
    );
    let unreachable = stack.kubeop(&["status"]);
    assert_eq!(unreachable.status.code(), Some(3));
}

fn kill(mut child: Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    child.wait().expect("reaped");
}

/// Records a pending plan in `state_dir` through the approvals crate, as the
/// coordinator does when it plans a change.
fn request_plan_in(state_dir: &Path) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (hitl, _join) = hitl::Hitl::start(hitl::HitlConfig {
            state_dir: state_dir.to_owned(),
            policy: hitl::policy::ApprovalPolicy::default(),
            key: hitl::grant::GrantKey::generate().expect("randomness"),
        })
        .await
        .expect("approvals start");
        let arguments = json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                               "namespace": "default", "scale": 5});
        let pending = hitl
            .request(hitl::PlanRequest {
                tool: "resources_scale".into(),
                arguments: arguments.as_object().expect("object").clone(),
                follow_ups: Vec::new(),
                target: hitl::policy::PlanTarget {
                    kind: "Deployment".into(),
                    name: "web".into(),
                    namespace: Some("default".into()),
                    context: "demo".into(),
                },
                requester: "test".into(),
                card: json!({"kind": "plan"}),
            })
            .await
            .expect("pending");
        hitl.stop();
        pending.plan_id
    })
}

#[test]
fn a_change_planned_by_one_client_is_approved_by_another_and_verified() {
    let stack = Stack::start();
    let plan = stack.plan("scale deployment web-frontend to 4 in namespace production");
    assert_eq!(plan["kind"], "plan");
    assert_eq!(plan["operation"], "scale");
    let plan_id = plan["plan_id"].as_str().expect("an id");
    let plan_hash = plan["plan_hash"].as_str().expect("a hash");
    let pending = stack.json(&["pending"]);
    assert_eq!(pending["plans"][0]["plan_id"], plan_id);
    let result = stack.json(&["approve", plan_id, "--hash", plan_hash]);
    assert_eq!(result["kind"], "result");
    assert_eq!(result["plan_id"], plan_id);
    assert_eq!(result["outcome"], "verified");
    let reused = stack.kubeop(&["approve", plan_id, "--hash", plan_hash]);
    assert_eq!(reused.status.code(), Some(5), "an approval is single-use");
}

#[test]
fn follow_ups_of_two_clients_resolve_in_each_clients_session_only() {
    let stack = Stack::start();
    let ask = |session: &str, request: &str| {
        let output = stack.kubeop(&["ask", request, "--session", session, "-o", "json"]);
        one_json_object(&output.stdout)
    };
    let alice = ask("alice", "describe deployment checkout in production");
    assert_eq!(alice["kind"], "answer", "{alice}");
    let bob = ask("bob", "describe deployment nginx in staging");
    assert_eq!(bob["kind"], "answer", "{bob}");

    let logs = ask("alice", "show me its logs");
    assert_eq!(logs["tool"], "pods_log", "{logs}");
    let text = logs["text"].as_str().expect("the logs' text");
    assert!(
        text.contains("checkout") && !text.contains("nginx"),
        "alice's 'its' is her checkout: {logs}"
    );
    let scale = ask("bob", "scale it to 3");
    assert_eq!(scale["kind"], "plan", "{scale}");
    assert_eq!(
        (
            &scale["target"]["kind"],
            &scale["target"]["name"],
            &scale["target"]["namespace"]
        ),
        (&json!("Deployment"), &json!("nginx"), &json!("staging")),
        "bob's 'it' is his nginx, shown on the plan card: {scale}"
    );
    let carol = ask("carol", "describe it");
    assert_eq!(carol["kind"], "clarify", "{carol}");
    assert!(
        carol["question"]
            .as_str()
            .is_some_and(|question| question.starts_with("I don't know what 'it' refers to yet")),
        "a new session sees neither: {carol}"
    );
}

#[test]
fn asks_from_one_terminal_share_follow_ups_and_another_terminals_do_not() {
    let stack = Stack::start();
    // Every `kubeop ask` this test starts is in the test's POSIX session:
    // one terminal, as far as kubeop can tell.
    let ask =
        |request: &str| one_json_object(&stack.kubeop(&["ask", request, "-o", "json"]).stdout);
    let described = ask("describe deployment checkout in production");
    assert_eq!(described["kind"], "answer", "{described}");
    let logs = ask("show me its logs");
    assert_eq!(logs["tool"], "pods_log", "{logs}");
    assert!(
        logs["text"]
            .as_str()
            .is_some_and(|text| text.contains("checkout")),
        "the same terminal's 'its' is its checkout: {logs}"
    );

    // `setsid` starts kubeop in a new POSIX session: another terminal.
    let elsewhere = Command::new("setsid")
        .arg("--wait")
        .arg(KUBEOP)
        .args(["ask", "show me its logs", "-o", "json", "--socket"])
        .arg(stack.socket())
        .output()
        .expect("setsid (util-linux) runs kubeop in a new session");
    let elsewhere = one_json_object(&elsewhere.stdout);
    assert_eq!(elsewhere["kind"], "clarify", "{elsewhere}");
    assert!(
        elsewhere["question"]
            .as_str()
            .is_some_and(|question| question.starts_with("I don't know what 'it' refers to yet")),
        "another terminal does not see the first one's checkout: {elsewhere}"
    );
}

#[test]
fn a_hand_off_comes_in_and_an_out_of_scope_one_goes_back_as_a_signal() {
    let stack = Stack::start();
    let mut connection = BufReader::new(UnixStream::connect(stack.socket()).expect("connects"));
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "handoff", "params": {
        "request": "roll back the helm release payments",
        "release": "payments", "namespace": "production"}});
    let signal = exchange(&mut connection, format!("{request}\n").as_bytes());
    assert_eq!(signal["result"]["kind"], "handoff");
    assert_eq!(signal["result"]["domain"], "helm");
    assert!(signal["result"]["reason"].is_string(), "{signal}");
    let found = &signal["result"]["found"];
    assert_eq!(
        (&found["kind"], &found["name"], &found["namespace"]),
        (
            &json!("HelmRelease"),
            &json!("payments"),
            &json!("production")
        ),
        "what was found so far goes back with the signal: {signal}"
    );
    assert!(found["context"].is_string(), "{signal}");
    assert!(
        found["why_nothing_read"]
            .as_str()
            .is_some_and(|why| why.contains("helm agent")),
        "with no expected pods to check, it says why nothing was read: {signal}"
    );
    let request = json!({"jsonrpc": "2.0", "id": 2, "method": "handoff", "params": {
        "source_domain": "app", "request": "list pods in namespace production",
        "app": "web-frontend", "namespace": "production", "alert": "HighErrorRate",
        "sync_status": "Synced", "expected_pods": 5}});
    let answer = exchange(&mut connection, format!("{request}\n").as_bytes());
    assert_eq!(answer["id"], 2);
    assert_eq!(answer["result"]["kind"], "answer", "{answer}");
    let text = answer["result"]["text"].as_str().expect("text");
    assert!(text.contains("web-frontend-"), "{text}");
    assert!(
        text.ends_with("web-frontend in production: 3 of 5 expected pods running (MISMATCH)"),
        "a supervisor expecting more pods than run is told: {text}"
    );
}

#[test]
fn an_approval_asking_for_progress_gets_what_is_waited_on_before_its_result() {
    let stack = Stack::start();
    let plan = stack.plan("scale deployment web-frontend to 5 in namespace production");
    let mut connection = stack.approve_with_progress(&plan, 7);
    let mut progress = Vec::new();
    let response = loop {
        let line = next_line(&mut connection);
        if line.get("id").is_some() {
            break line;
        }
        assert_eq!(line["method"], "progress", "{line}");
        assert_eq!(line["params"]["id"], 7, "{line}");
        progress.push(
            line["params"]["message"]
                .as_str()
                .expect("a message")
                .to_owned(),
        );
    };
    assert_eq!(response["id"], 7);
    assert_eq!(response["result"]["outcome"], "verified", "{response}");
    assert!(
        progress.iter().any(|message| message
            .contains("replicas of deployment/web-frontend in production to be ready")),
        "what was waited on came before the result: {progress:?}"
    );
    // Without asking, a client gets exactly its response, as before.
    let status = exchange(
        &mut connection,
        b"{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"status\"}\n",
    );
    assert_eq!(status["id"], 8);
}

#[test]
fn people_get_cards_without_colour_when_the_output_is_piped() {
    let stack = Stack::start();
    let asked = stack.kubeop(&[
        "ask",
        "scale deployment api-gateway to 3 in namespace production",
    ]);
    assert_eq!(asked.status.code(), Some(4), "a plan waits for approval");
    let card = String::from_utf8_lossy(&asked.stdout);
    assert!(!card.contains('\x1b'), "no colour into a pipe: {card}");
    for expected in [
        "operation scale",
        "target    Deployment production/api-gateway",
        "~ replicas: ",
        " → 3",
    ] {
        assert!(
            card.contains(expected),
            "{expected:?} missing from:\n{card}"
        );
    }
    let pending = stack.json(&["pending"]);
    let plan = &pending["plans"][0];
    let (plan_id, plan_hash) = (
        plan["plan_id"].as_str().expect("an id"),
        plan["plan_hash"].as_str().expect("a hash"),
    );
    assert!(
        card.contains(&format!("kubeop approve {plan_id} --hash {plan_hash}")),
        "the card says how to approve: {card}"
    );
    let approved = stack.kubeop(&["approve", plan_id, "--hash", plan_hash]);
    assert!(approved.status.success(), "{approved:?}");
    let result = String::from_utf8_lossy(&approved.stdout);
    assert!(!result.contains('\x1b'), "no colour into a pipe: {result}");
    assert!(
        result.starts_with("✓ VERIFIED Deployment production/api-gateway"),
        "{result}"
    );
    assert!(
        approved.stderr.is_empty(),
        "no spinner off a terminal: {}",
        String::from_utf8_lossy(&approved.stderr)
    );
}

#[test]
fn sigterm_lets_an_approval_in_flight_finish_and_leaves_a_verified_journal() {
    let mut stack = Stack::start();
    // nginx's new pods take a while to become ready (the demo's ready-delay),
    // so its verification is still waiting when the signal arrives.
    let plan = stack.plan("scale nginx to 4 in staging");
    let mut connection = stack.approve_with_progress(&plan, 1);
    // The first progress line: the change ran and verification waits.
    let first = next_line(&mut connection);
    assert_eq!(first["method"], "progress", "{first}");

    let mut daemon = stack.daemon.take().expect("running");
    let signalled = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(signalled.success());
    // New clients are no longer served ...
    wait_for(
        || UnixStream::connect(stack.socket()).is_err(),
        "the daemon to stop accepting",
    );
    // ... while the approval in flight runs to its verified result.
    let response = loop {
        let line = next_line(&mut connection);
        if line.get("id").is_some() {
            break line;
        }
    };
    assert_eq!(response["result"]["outcome"], "verified", "{response}");
    let exit = daemon.wait().expect("the daemon exits");
    assert!(exit.success(), "SIGTERM is a clean shutdown: {exit:?}");

    // The journal was flushed: its chain holds and ends with the verification.
    let log = |args: &[&str]| {
        Command::new(KUBEOP)
            .arg("log")
            .args(args)
            .arg("--state-dir")
            .arg(stack.state_dir())
            .output()
            .expect("kubeop log runs")
    };
    let verified = log(&["--verify"]);
    assert!(verified.status.success(), "{verified:?}");
    let operations = one_json_object(&log(&["-o", "json"]).stdout);
    assert_eq!(
        operations["operations"][0]["operation_id"], plan["plan_id"],
        "{operations}"
    );
    assert_eq!(
        operations["operations"][0]["status"], "verified",
        "{operations}"
    );
}

#[test]
fn every_client_command_prints_the_same_object_as_yaml_and_json() {
    let stack = Stack::start();
    let asked = stack.kubeop(&["ask", "scale nginx to 3 in staging", "-o", "yaml"]);
    assert_eq!(asked.status.code(), Some(4), "{asked:?}");
    let plan: Value = serde_norway::from_slice(&asked.stdout).expect("one YAML document");
    assert_eq!(plan["kind"], "plan", "{plan}");
    let plan_id = plan["plan_id"].as_str().expect("an id");
    let yaml = |args: &[&str]| -> Value {
        let mut with_output = args.to_vec();
        with_output.extend(["-o", "yaml"]);
        let output = stack.kubeop(&with_output);
        assert!(output.status.success(), "{args:?}: {output:?}");
        serde_norway::from_slice(&output.stdout).expect("one YAML document")
    };
    // (A read whose answer holds no ages, which tick between two calls.)
    for args in [
        &["tools"][..],
        &["pending"],
        &["ask", "list kubeconfig contexts"],
    ] {
        assert_eq!(yaml(args), stack.json(args), "{args:?}");
    }
    let status = yaml(&["status"]);
    assert_eq!(status["kind"], "status");
    assert_eq!(status["actors"], stack.json(&["status"])["actors"]);
    let denied = yaml(&["deny", plan_id, "--reason", "yaml too"]);
    assert_eq!(denied["kind"], "denied");
    assert_eq!(denied["reason"], "yaml too");
    let log = |format: &str| {
        Command::new(KUBEOP)
            .args(["log", "-o", format, "--state-dir"])
            .arg(stack.state_dir())
            .output()
            .expect("kubeop log runs")
            .stdout
    };
    let from_yaml: Value = serde_norway::from_slice(&log("yaml")).expect("one YAML document");
    assert_eq!(from_yaml, one_json_object(&log("json")));
}
