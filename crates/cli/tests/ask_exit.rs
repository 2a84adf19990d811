//! `kubeop ask`'s exit status on the built-in demo cluster: a read the
//! server answers "not found" exits 1 (as kubectl does), with the answer
//! still printed, so a script never takes a failed read for a result.

use std::process::{Output, Stdio};

use serde_json::Value;

const KUBEOP: &str = env!("CARGO_BIN_EXE_kubeop");

async fn sandbox(state: &tempfile::TempDir, args: &[&str]) -> Output {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_the_server_answers_not_found_exits_1_with_the_answer_printed() {
    let state = tempfile::tempdir().expect("a temporary directory");
    let missing = sandbox(
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

    let human = sandbox(&state, &["get deployment ghost in production"]).await;
    assert_eq!(human.status.code(), Some(1), "{human:?}");
    assert!(
        String::from_utf8_lossy(&human.stdout).starts_with("error: "),
        "{human:?}"
    );

    let found = sandbox(&state, &["get deployment nginx in staging"]).await;
    assert!(found.status.success(), "{found:?}");
}
