//! Kill -9 while writing: every acknowledged record must survive.
//!
//! This test binary is its own child: run with `--append-forever DIR` it
//! starts the memory actor on DIR and appends from several tasks in a loop,
//! printing each acknowledgement (`ack SEQ HASH ID`) as soon as it gets it.
//! The parent reads acknowledgements, sends SIGKILL at a different point in
//! each round, collects every acknowledgement the child managed to print,
//! then reopens the journal: all of them must be there, in a verifiable chain
//! (a record cut short by the kill is set aside, never fatal).
//!
//! `harness = false` because the child mode needs its own `main`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use memory::journal::{Journal, JournalConfig};
use memory::{Event, Memory, MemoryConfig, Operation, OperationId, Record, Target};

const CHILD_FLAG: &str = "--append-forever";
/// Concurrent appending tasks in the child (several, so kills land inside
/// group commits of more than one record).
const CHILD_WRITERS: usize = 4;
/// After how many acknowledgements each round kills the child.
const KILL_AFTER: [usize; 6] = [1, 3, 17, 40, 96, 150];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|arg| arg == CHILD_FLAG) {
        let dir = args.get(position + 1).expect("the child needs a directory");
        append_forever(Path::new(dir));
    } else {
        kill_while_writing();
    }
}

fn append_forever(dir: &Path) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let (memory, _handle) = Memory::spawn(MemoryConfig::new(dir))
            .await
            .expect("the actor starts");
        let writers: Vec<_> = (0..CHILD_WRITERS)
            .map(|writer| {
                let memory = memory.clone();
                tokio::spawn(async move {
                    for index in 0u64.. {
                        let id = format!("pid{}-w{writer}-{index}", std::process::id());
                        let record = Record::now(
                            OperationId::new(id.clone()),
                            Operation::Scale,
                            Target {
                                context: None,
                                namespace: Some("shop".into()),
                                kind: "Deployment".into(),
                                name: "web".into(),
                            },
                            Event::Requested {
                                request: format!("scale web, attempt {index}"),
                            },
                        );
                        let ack = memory.append(record).await.expect("acknowledged");
                        let line = format!("ack {} {} {id}\n", ack.seq, ack.hash);
                        let mut stdout = std::io::stdout().lock();
                        stdout.write_all(line.as_bytes()).expect("stdout is open");
                        stdout.flush().expect("stdout is open");
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.await.expect("writers run until killed");
        }
    });
}

/// Parses `ack SEQ HASH ID\n`; anything else (there is nothing else) fails.
fn parse_ack(line: &str) -> (u64, String, String) {
    let mut fields = line.trim_end().split(' ');
    let (Some("ack"), Some(seq), Some(hash), Some(id), None) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        panic!("malformed acknowledgement {line:?}");
    };
    (seq.parse().expect("a seq"), hash.to_owned(), id.to_owned())
}

fn kill_while_writing() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let me = std::env::current_exe().expect("the test binary's path");
    let mut acknowledged: HashMap<u64, (String, String)> = HashMap::new();
    let mut torn_tails = 0;
    for (round, kill_after) in KILL_AFTER.into_iter().enumerate() {
        let mut child = Command::new(&me)
            .arg(CHILD_FLAG)
            .arg(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the child starts");
        let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        let mut seen = 0;
        while seen < kill_after {
            line.clear();
            let read = reader
                .read_line(&mut line)
                .expect("reads the child's output");
            assert!(
                read > 0,
                "round {round}: the child exited on its own: {:?}",
                child.wait()
            );
            let (seq, hash, id) = parse_ack(&line);
            acknowledged.insert(seq, (hash, id));
            seen += 1;
        }
        child.kill().expect("SIGKILL is delivered");
        child.wait().expect("the child is reaped");
        // Acknowledgements printed before the kill are still in the pipe.
        loop {
            line.clear();
            if reader
                .read_line(&mut line)
                .expect("reads the child's output")
                == 0
            {
                break;
            }
            assert!(line.ends_with('\n'), "lines are written whole: {line:?}");
            let (seq, hash, id) = parse_ack(&line);
            acknowledged.insert(seq, (hash, id));
        }

        let (_, recovery) =
            Journal::open(JournalConfig::new(dir.path())).expect("reopens after kill -9");
        torn_tails += recovery.set_aside.len();
        assert!(
            recovery.chain_break.is_none(),
            "round {round}: {:?}",
            recovery.chain_break
        );
        let on_disk: HashMap<u64, (String, String)> = recovery
            .entries
            .iter()
            .map(|entry| {
                (
                    entry.seq,
                    (
                        entry.hash.to_string(),
                        entry.record.operation_id.to_string(),
                    ),
                )
            })
            .collect();
        for (seq, acked) in &acknowledged {
            assert_eq!(
                on_disk.get(seq),
                Some(acked),
                "round {round}: acknowledged seq {seq} lost or altered"
            );
        }
        assert!(
            memory::verify(dir.path()).expect("verifies").ok,
            "round {round}"
        );
    }
    println!(
        "kill9: {} acknowledged records across {} kills all present; {torn_tails} torn tail(s) set aside",
        acknowledged.len(),
        KILL_AFTER.len()
    );
}
