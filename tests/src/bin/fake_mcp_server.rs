//! A purpose-built misbehaving MCP server, for the gateway's fault tests only.
//!
//! It speaks just enough MCP over stdio (initialize, tools/list, prompts/list,
//! prompts/get, tools/call) with the real server's recorded catalog, and
//! misbehaves on request. A call's `name` argument chooses what happens:
//! - `die`: the process exits at once, without answering (dies mid-call);
//! - `die-when-released`: the process exits, without answering, once the
//!   test creates `STATE_DIR/release` (so the test can fill the queue first);
//! - `hang`: never answered (the server stays responsive: it answers `ping`
//!   and other calls);
//! - `freeze`: never answered, and from then on nothing else is either
//!   (`ping` included, nothing logged) while the process stays alive reading
//!   stdin: a hung server;
//! - `slow-N`: answered after N milliseconds (so answers come out of order);
//! - `garbage`: three lines that are not JSON-RPC, then the answer;
//! - `change-catalog`: `notifications/tools/list_changed`, and from then on
//!   `tools/list` also offers `fake_extra_tool`;
//! - anything else: answered at once.
//!
//! An answer's text is the call itself as JSON (`{"tool":..,"arguments":..}`),
//! so a test can tell whose answer it got. Every `tools/call` that arrives is
//! appended to `STATE_DIR/calls.log` before anything else happens, and every
//! `notifications/cancelled` to `STATE_DIR/cancelled.log`: that is what
//! "reached the server" means in the tests.
//!
//! Flags: `--state-dir DIR` (required); `--hang-initialize-starts N`: the first
//! N processes started with this state dir never answer `initialize`;
//! `--linger-after-stdin-close`: keep running after stdin closes (until
//! signalled).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

const RECORDED_CATALOG: &str = include_str!("../../../docs/mcp-server-0.0.67-catalog.json");

struct Options {
    state_dir: PathBuf,
    hang_initialize_starts: u64,
    linger_after_stdin_close: bool,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut state_dir = None;
    let mut hang_initialize_starts = 0;
    let mut linger_after_stdin_close = false;
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--state-dir" => state_dir = args.next().map(PathBuf::from),
            "--hang-initialize-starts" => {
                hang_initialize_starts = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--hang-initialize-starts takes a number");
            }
            "--linger-after-stdin-close" => linger_after_stdin_close = true,
            // The gateway always passes these; they mean nothing here.
            "--log-file" | "--kubeconfig" | "--list-output" | "--toolsets" | "--log-level" => {
                args.next();
            }
            _ => {}
        }
    }
    Options {
        state_dir: state_dir.expect("--state-dir is required"),
        hang_initialize_starts,
        linger_after_stdin_close,
    }
}

/// This process's number among those started with the same state dir (0-based).
fn count_start(state_dir: &Path) -> u64 {
    let path = state_dir.join("starts");
    let previous = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(0);
    std::fs::write(&path, (previous + 1).to_string()).expect("write the start counter");
    previous
}

fn append(path: &Path, line: &str) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open a log in the state dir");
    writeln!(file, "{line}").expect("append to a log in the state dir");
    file.sync_data().expect("flush a log in the state dir");
}

type Out = Arc<Mutex<std::io::Stdout>>;

fn send(out: &Out, message: &Value) {
    let mut out = out
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // A closed stdout means the gateway is gone; nothing left to do.
    if writeln!(out, "{message}")
        .and_then(|()| out.flush())
        .is_err()
    {
        std::process::exit(0);
    }
}

fn send_raw(out: &Out, line: &str) {
    let mut out = out
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        std::process::exit(0);
    }
}

fn tools(extra: bool) -> Value {
    let recorded: Value =
        serde_json::from_str(RECORDED_CATALOG).expect("the recorded catalog is JSON");
    let mut tools = recorded["tools"]
        .as_array()
        .cloned()
        .expect("the catalog lists tools");
    if extra {
        tools.push(
            json!({"name": "fake_extra_tool", "inputSchema": {"type": "object", "properties": {}},
                          "annotations": {"readOnlyHint": true}}),
        );
    }
    Value::Array(tools)
}

fn prompts() -> Value {
    let recorded: Value =
        serde_json::from_str(RECORDED_CATALOG).expect("the recorded catalog is JSON");
    recorded["prompts"].clone()
}

fn result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

fn answer_call(out: &Out, id: &Value, call: &Value) {
    let text = call.to_string();
    send(
        out,
        &result(id, json!({"content": [{"type": "text", "text": text}]})),
    );
}

fn main() {
    let options = options();
    std::fs::create_dir_all(&options.state_dir).expect("create the state dir");
    let start = count_start(&options.state_dir);
    let hang_initialize = start < options.hang_initialize_starts;
    eprintln!("fake MCP server start {start} (hang initialize: {hang_initialize})");
    let calls_log = options.state_dir.join("calls.log");
    let cancelled_log = options.state_dir.join("cancelled.log");
    let out: Out = Arc::new(Mutex::new(std::io::stdout()));
    let extra_tool = Arc::new(AtomicBool::new(false));
    let mut frozen = false;

    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if frozen {
            continue;
        }
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            eprintln!("fake MCP server: ignoring a line that is not JSON");
            continue;
        };
        let id = message["id"].clone();
        match message["method"].as_str().unwrap_or_default() {
            "initialize" if hang_initialize => {}
            "initialize" => send(
                &out,
                &result(
                    &id,
                    json!({
                        "protocolVersion": message["params"]["protocolVersion"],
                        "capabilities": {"tools": {"listChanged": true}, "prompts": {"listChanged": true}},
                        "serverInfo": {"name": "fake-mcp-server", "version": "0.0.0"}
                    }),
                ),
            ),
            "tools/list" => send(
                &out,
                &result(
                    &id,
                    json!({"tools": tools(extra_tool.load(Ordering::SeqCst))}),
                ),
            ),
            "ping" => send(&out, &result(&id, json!({}))),
            "prompts/list" => send(&out, &result(&id, json!({"prompts": prompts()}))),
            "prompts/get" => send(
                &out,
                &result(
                    &id,
                    json!({"description": "fake", "messages": [
                    {"role": "user", "content": {"type": "text", "text": message["params"].to_string()}}]}),
                ),
            ),
            "notifications/cancelled" => append(&cancelled_log, &message["params"].to_string()),
            "tools/call" => {
                let call = json!({"tool": message["params"]["name"], "arguments": message["params"]["arguments"]});
                append(&calls_log, &call.to_string());
                let behaviour = call["arguments"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                match behaviour.as_str() {
                    "die" => {
                        eprintln!("fake MCP server: dying mid-call as asked");
                        std::process::exit(3);
                    }
                    "die-when-released" => {
                        let release = options.state_dir.join("release");
                        std::thread::spawn(move || {
                            while !release.exists() {
                                std::thread::sleep(Duration::from_millis(5));
                            }
                            eprintln!("fake MCP server: released, dying mid-call");
                            std::process::exit(3);
                        });
                    }
                    "hang" => {}
                    "freeze" => {
                        eprintln!("fake MCP server: frozen as asked");
                        frozen = true;
                    }
                    "garbage" => {
                        send_raw(&out, "this is not JSON-RPC");
                        send_raw(&out, "{\"jsonrpc\": \"2.0\", \"id\": ");
                        send_raw(&out, "[1, 2, 3]");
                        answer_call(&out, &id, &call);
                    }
                    "change-catalog" => {
                        extra_tool.store(true, Ordering::SeqCst);
                        send(
                            &out,
                            &json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}),
                        );
                        answer_call(&out, &id, &call);
                    }
                    slow if slow.starts_with("slow-") => {
                        let millis = slow["slow-".len()..].parse().unwrap_or(0);
                        let out = out.clone();
                        std::thread::spawn(move || {
                            std::thread::sleep(Duration::from_millis(millis));
                            answer_call(&out, &id, &call);
                        });
                    }
                    _ => answer_call(&out, &id, &call),
                }
            }
            _ => {}
        }
    }
    if options.linger_after_stdin_close {
        eprintln!("fake MCP server: stdin closed, lingering until signalled");
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}
