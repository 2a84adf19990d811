//! Acceptance tests of `kubeop demo` and `kubeop shell`, driving the real
//! binary on the built-in simulated cluster with the real
//! `kubernetes-mcp-server`: the demo's tour (what the README's first command
//! runs), `demo --script` with reads, a diagnosis and an approved, verified
//! change, a shell fed through a pipe, and `kubeop` alone off a terminal.

use std::process::{Command, Output, Stdio};

const KUBEOP: &str = env!("CARGO_BIN_EXE_kubeop");

/// Runs `kubeop ARGS` with `stdin` piped in, the real MCP server, and a
/// state directory of its own (the shell's history, never the user's).
fn kubeop(args: &[&str], stdin: &str) -> Output {
    let state = tempfile::tempdir().expect("a temporary directory");
    e2e::run_with_stdin(
        Command::new(KUBEOP)
            .args(args)
            .arg("--mcp-server")
            .arg(e2e::mcp_server_binary())
            .env("XDG_STATE_HOME", state.path())
            .env("XDG_RUNTIME_DIR", state.path()),
        stdin.as_bytes(),
    )
}

/// Runs `kubeop ARGS` as [`kubeop`] does, expecting success: its stdout.
fn succeeds(args: &[&str], stdin: &str) -> String {
    let output = kubeop(args, stdin);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    stdout
}

/// Asserts that `stdout` shows every one of `expected`.
fn assert_shows(stdout: &str, expected: &[&str]) {
    for expected in expected {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_demo_tour_reads_diagnoses_and_makes_a_verified_change_off_a_terminal() {
    let stdout = succeeds(&["demo"], "");
    assert_shows(
        &stdout,
        &[
            "kubeop (demo)> show me all pods in production",
            "CrashLoopBackOff",
            "Health of the cluster",
            "Diagnosis: CrashLoopBackOff",
            "kubeop (demo)> approve",
            "✓ VERIFIED Deployment staging/nginx",
            "$ kubeop log",
        ],
    );
    // The operations log shows the change, and the session did not open.
    assert!(
        stdout
            .lines()
            .any(|line| line.contains("scale") && line.contains("verified")),
        "{stdout}"
    );
    assert!(!stdout.contains("Your turn"), "{stdout}");
}

#[test]
fn a_demo_script_runs_reads_a_diagnosis_and_an_approved_change_and_reports_failures() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let script = directory.path().join("tour.kubeop");
    std::fs::write(
        &script,
        "# reads\n\
         list deployments in staging\n\
         list events in production\n\
         \n\
         # a diagnosis\n\
         why is payment-service failing in production?\n\
         # a change, approved by the script\n\
         scale nginx to 3 in staging\n\
         approve\n\
         # a change refused by it\n\
         delete deployment report-generator in staging\n\
         deny not in the demo\n\
         # every later plan approved as soon as it is shown\n\
         auto-approve on\n\
         scale api-gateway to 3 in production\n",
    )
    .expect("the script is written");
    let stdout = succeeds(&["demo", "--script", script.to_str().expect("utf-8")], "");
    assert_shows(
        &stdout,
        &[
            "nginx",
            "BackOff",
            "Diagnosis: OOMKilled",
            "✓ VERIFIED Deployment staging/nginx",
            "not in the demo",
            "✓ VERIFIED Deployment production/api-gateway",
        ],
    );
    assert!(
        !stdout.contains("Your turn"),
        "a script never opens the session"
    );

    // A line that fails makes the script's status, after every line ran.
    std::fs::write(&script, "approve\nlist namespaces\n").expect("written");
    let failed = kubeop(&["demo", "--script", script.to_str().expect("utf-8")], "");
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed.stderr));
    assert!(text(&failed.stderr).contains("no plan waits for approval"));
    assert!(
        text(&failed.stdout).contains("kube-system"),
        "the next line still ran"
    );
}

#[test]
fn a_shell_fed_through_a_pipe_answers_each_line_and_approves_on_request() {
    let stdout = succeeds(
        &["shell", "--sandbox"],
        "use namespace staging\n\
         list pods\n\
         list pods in production\n\
         scale nginx to 5\n\
         approve\n\
         use context demo-readonly\n\
         exit\n\
         list namespaces\n",
    );
    // The prompt carries the context and the namespace.
    assert!(
        stdout.contains("kubeop (demo/staging)> list pods\n"),
        "{stdout}"
    );
    let staging_pods = stdout
        .split("kubeop (demo/staging)> list pods\n")
        .nth(1)
        .expect("answered");
    assert!(staging_pods.contains("nginx-"), "{stdout}");
    // A request naming its namespace keeps it.
    assert!(stdout.contains("checkout-"), "{stdout}");
    assert!(
        stdout.contains("✓ VERIFIED Deployment staging/nginx"),
        "{stdout}"
    );
    // A context switch holds for the session (and starts over with that
    // context's namespace), and `exit` ends it.
    assert!(stdout.contains("kubeop (demo-readonly)> exit"), "{stdout}");
    assert!(!stdout.contains("list namespaces"), "{stdout}");
}

#[test]
fn kubeop_alone_off_a_terminal_prints_its_help() {
    let output = kubeop(&[], "");
    // No --mcp-server without a subcommand: call the binary bare.
    let bare = Command::new(KUBEOP)
        .stdin(Stdio::null())
        .output()
        .expect("kubeop runs");
    assert!(bare.status.success(), "{}", text(&bare.stderr));
    assert_shows(&text(&bare.stdout), &["Usage: kubeop", "shell", "demo"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "a stray flag is still refused"
    );
}
