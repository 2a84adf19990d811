//! `kubeop log` against a journal written by the memory library, with no
//! daemon running.

use std::path::Path;
use std::process::{Command, Output};

use memory::journal::{Journal, JournalConfig};
use memory::{Event, Operation, OperationId, Record, Target};
use serde_json::{Value, json};

fn kubeop_log(state_dir: &Path, flags: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubeop"))
        .arg("log")
        .arg("--state-dir")
        .arg(state_dir)
        .args(flags)
        .env_remove("KUBEOP_DAEMON__STATE_DIR")
        .output()
        .expect("kubeop runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// A journal with one verified scale and one denied delete.
fn sample_journal() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut journal, _) = Journal::open(JournalConfig::new(dir.path())).expect("opens");
    let web = Target {
        context: Some("ctx-a".into()),
        namespace: Some("shop".into()),
        kind: "Deployment".into(),
        name: "web".into(),
    };
    let step = |id: &str, operation, event| {
        Record::now(OperationId::new(id), operation, web.clone(), event)
    };
    journal
        .append(vec![
            step(
                "op-scale",
                Operation::Scale,
                Event::Requested {
                    request: "scale web to 5".into(),
                },
            ),
            step(
                "op-scale",
                Operation::Scale,
                Event::Approved {
                    plan_hash: "h1".into(),
                    approver: "ana".into(),
                },
            ),
            step(
                "op-scale",
                Operation::Scale,
                Event::Executed {
                    tool: "resources_scale".into(),
                    arguments: json!({"name": "web", "scale": 5}),
                    summary: "scaled".into(),
                },
            ),
            step(
                "op-scale",
                Operation::Scale,
                Event::Verified {
                    evidence: vec!["readyReplicas 5/5".into()],
                },
            ),
            step(
                "op-delete",
                Operation::Delete,
                Event::Denied {
                    plan_hash: "h2".into(),
                    approver: Some("bo".into()),
                    reason: "not in business hours".into(),
                },
            ),
        ])
        .expect("appends");
    dir
}

#[test]
fn the_table_lists_recent_operations_newest_first() {
    let dir = sample_journal();
    let output = kubeop_log(dir.path(), &[]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("UPDATED"), "{text}");
    assert!(
        lines[1].contains("op-delete") && lines[1].contains("denied") && lines[1].contains("bo"),
        "{text}"
    );
    assert!(
        lines[2].contains("op-scale") && lines[2].contains("verified"),
        "{text}"
    );
    assert!(
        lines[2].contains("Deployment/web -n shop (ctx-a)"),
        "{text}"
    );
    let limited = stdout(&kubeop_log(dir.path(), &["--limit", "1"]));
    assert_eq!(limited.lines().count(), 2, "{limited}");
}

#[test]
fn json_output_is_one_object() {
    let dir = sample_journal();
    let output = kubeop_log(dir.path(), &["-o", "json"]);
    assert!(output.status.success(), "{output:?}");
    let object: Value = serde_json::from_str(&stdout(&output)).expect("one JSON object");
    assert_eq!(object["kind"], "log");
    assert_eq!(object["operations"][1]["operation_id"], "op-scale");
    assert_eq!(object["operations"][1]["request"], "scale web to 5");
    assert_eq!(object["operations"][1]["status"], "verified");
    assert!(object["chain_break"].is_null());
}

#[test]
fn markdown_prints_the_rendered_view() {
    let dir = sample_journal();
    let output = kubeop_log(dir.path(), &["--markdown"]);
    assert!(output.status.success(), "{output:?}");
    let entries = memory::read_journal(dir.path()).expect("reads").entries;
    assert_eq!(stdout(&output), memory::render_markdown(&entries, 100));
}

#[test]
fn verify_passes_on_an_intact_log_and_fails_on_an_edited_one() {
    let dir = sample_journal();
    let intact = kubeop_log(dir.path(), &["--verify"]);
    assert!(intact.status.success(), "{intact:?}");
    assert!(
        stdout(&intact).starts_with("ok: 5 records in 1 segment(s)"),
        "{intact:?}"
    );

    let segment = dir.path().join("journal/segment-0000000001.jsonl");
    let text = std::fs::read_to_string(&segment).expect("readable");
    std::fs::write(
        &segment,
        text.replace("\"approver\":\"ana\"", "\"approver\":\"eve\""),
    )
    .expect("writable");
    let broken = kubeop_log(dir.path(), &["--verify"]);
    assert!(!broken.status.success(), "a broken chain exits non-zero");
    let message = String::from_utf8_lossy(&broken.stderr);
    assert!(
        message.contains("hash chain is broken: edited at"),
        "{message}"
    );
    assert!(message.contains("line 2 (seq 2"), "{message}");

    let as_json = kubeop_log(dir.path(), &["--verify", "-o", "json"]);
    assert!(!as_json.status.success());
    let report: Value = serde_json::from_str(&stdout(&as_json)).expect("one JSON object");
    assert_eq!(
        (report["kind"].as_str(), report["ok"].as_bool()),
        (Some("verify"), Some(false))
    );
    assert_eq!(report["first_break"]["kind"], "edited");
}

#[test]
fn a_missing_state_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let output = kubeop_log(&dir.path().join("absent"), &[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("the state directory does not exist"));
}
