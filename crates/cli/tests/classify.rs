//! End-to-end tests of `kubeop classify`: the real binary, its stdout, its exit status.

use std::process::{Command, Output};

use serde_json::Value;

fn kubeop() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubeop"))
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    e2e::run_with_stdin(kubeop().args(args), stdin)
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not one JSON object per line: {line:?}: {e}"))
        })
        .collect()
}

#[test]
fn json_prints_one_object_with_the_exact_tool_arguments() {
    let output = kubeop()
        .args([
            "classify",
            "--json",
            "kubectl scale deploy/web --replicas=3 -n prod",
        ])
        .output()
        .expect("kubeop runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1);
    assert_eq!(
        lines[0],
        serde_json::json!({
            "path": "mutation",
            "operation": "scale",
            "tool": "resources_scale",
            "arguments": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "prod", "scale": 3}
        })
    );
}

#[test]
fn words_after_the_flag_are_one_request() {
    let output = kubeop()
        .args(["classify", "--json", "list", "pods", "in", "staging"])
        .output()
        .expect("kubeop runs");
    assert!(output.status.success());
    let lines = json_lines(&output);
    assert_eq!(lines[0]["tool"], "pods_list_in_namespace");
    assert_eq!(
        lines[0]["arguments"],
        serde_json::json!({"namespace": "staging"})
    );
}

#[test]
fn kubectl_flags_in_an_unquoted_request_belong_to_the_request() {
    let output = kubeop()
        .args([
            "classify",
            "--json",
            "kubectl",
            "logs",
            "web-1",
            "--previous",
            "-n",
            "prod",
        ])
        .output()
        .expect("kubeop runs");
    assert!(output.status.success(), "{output:?}");
    let lines = json_lines(&output);
    assert_eq!(lines[0]["tool"], "pods_log");
    assert_eq!(
        lines[0]["arguments"],
        serde_json::json!({"name": "web-1", "namespace": "prod", "previous": true})
    );
}

#[test]
fn batch_answers_every_line_in_order_including_empty_and_invalid_ones() {
    let mut input =
        b"list namespaces\n\ndelete pod web-1 -n staging\r\nswitch to staging-eu\n".to_vec();
    input.extend_from_slice(b"\xff\xfe garbage\n");
    input.extend_from_slice(b"who can delete pods in production");
    let output = run_with_stdin(&["classify", "--json", "--batch"], &input);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = json_lines(&output);
    let paths: Vec<&str> = lines
        .iter()
        .map(|l| l["path"].as_str().expect("a path"))
        .collect();
    assert_eq!(
        paths,
        [
            "read_only",
            "clarify",
            "mutation",
            "switch_context",
            "clarify",
            "diagnose"
        ]
    );
    assert_eq!(lines[0]["tool"], "namespaces_list");
    assert_eq!(
        lines[2]["arguments"],
        serde_json::json!({"name": "web-1", "namespace": "staging"})
    );
    assert_eq!(lines[3]["arguments"]["context"], "staging-eu");
    assert_eq!(lines[5]["playbook"], "rbac_audit");
}

#[test]
fn human_rendering_is_one_short_line_per_request() {
    let output = run_with_stdin(
        &["classify", "--batch"],
        b"scale web\nlist pods in staging\n",
    );
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("clarify: How many replicas should deployment web have?"),
        "{text}"
    );
    assert_eq!(
        lines[1],
        "read_only: pods_list_in_namespace namespace=staging"
    );
}

#[test]
fn without_text_or_batch_the_usage_error_is_clear() {
    let output = kubeop().arg("classify").output().expect("kubeop runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TEXT") || stderr.contains("text"),
        "{stderr}"
    );
}

#[test]
fn output_formats_carry_the_same_decision_as_json() {
    let input = b"scale web to 3 in shop\nlist pods\n";
    let json = json_lines(&run_with_stdin(&["classify", "--json", "--batch"], input));
    let dash_o = json_lines(&run_with_stdin(
        &["classify", "-o", "json", "--batch"],
        input,
    ));
    assert_eq!(dash_o, json);
    let yaml = run_with_stdin(&["classify", "-o", "yaml", "--batch"], input);
    assert!(yaml.status.success(), "{yaml:?}");
    let text = String::from_utf8(yaml.stdout).expect("UTF-8");
    let documents: Vec<Value> = text
        .split("---\n")
        .filter(|document| !document.trim().is_empty())
        .map(|document| serde_norway::from_str(document).expect("a YAML document"))
        .collect();
    assert_eq!(documents, json, "{text}");
    let both = run_with_stdin(&["classify", "--json", "-o", "yaml", "list pods"], b"");
    assert_eq!(both.status.code(), Some(2), "one format at a time");
}
