//! The journal's library layer: round trip, torn-write recovery, tamper
//! evidence, rotation. No actor involved.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use memory::chain::seal;
use memory::journal::{Journal, JournalConfig, Recovery};
use memory::{BreakKind, ChainBreak, ChainHash, Entry, Event, read_journal, verify};
use serde_json::json;

fn segment(state_dir: &Path, index: u64) -> PathBuf {
    state_dir.join(format!("journal/segment-{index:010}.jsonl"))
}

/// A journal in a fresh directory holding records 1..=count, one batch each.
fn journal_with(count: u64) -> (tempfile::TempDir, Vec<Entry>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut journal, _) = Journal::open(JournalConfig::new(dir.path())).expect("opens");
    let entries = (1..=count)
        .flat_map(|number| {
            journal
                .append(vec![common::executed(number)])
                .expect("appends")
        })
        .collect();
    (dir, entries)
}

fn reopen(state_dir: &Path) -> (Journal, Recovery) {
    Journal::open(JournalConfig::new(state_dir)).expect("reopens")
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .expect("the segment is readable")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    fs::write(
        path,
        lines
            .iter()
            .map(|line| format!("{line}\n"))
            .collect::<String>(),
    )
    .expect("the segment is writable");
}

/// Rewrites the journal's first segment with `edit` applied to its lines,
/// as someone tampering with the file by hand would; returns its path.
fn edit_segment(state_dir: &Path, edit: impl FnOnce(&mut Vec<String>)) -> PathBuf {
    let path = segment(state_dir, 1);
    let mut content = lines(&path);
    edit(&mut content);
    write_lines(&path, &content);
    path
}

/// The first break `verify` finds (a journal without one fails the test).
fn first_break(state_dir: &Path) -> ChainBreak {
    verify(state_dir)
        .expect("verifies")
        .first_break
        .expect("a break")
}

#[test]
fn appended_records_read_back_identically_after_reopen() {
    let (dir, written) = journal_with(5);
    let batch_records = vec![common::executed(6), common::executed(7)];
    let (mut journal, recovery) = reopen(dir.path());
    assert_eq!(recovery.entries, written);
    assert!(recovery.set_aside.is_empty());
    let batch = journal
        .append(batch_records.clone())
        .expect("appends a batch");
    assert_eq!(
        batch.iter().map(|entry| entry.seq).collect::<Vec<_>>(),
        [6, 7]
    );
    assert_eq!(batch[0].prev_hash, written[4].hash);
    drop(journal);

    let snapshot = read_journal(dir.path()).expect("reads");
    let records: Vec<_> = snapshot
        .entries
        .iter()
        .map(|entry| entry.record.clone())
        .collect();
    let mut expected: Vec<_> = written.iter().map(|entry| entry.record.clone()).collect();
    expected.extend(batch_records);
    assert_eq!(records, expected);
    assert_eq!(
        snapshot.entries.first().map(|entry| entry.prev_hash),
        Some(ChainHash::GENESIS)
    );
    assert!(snapshot.torn_tail.is_none() && snapshot.chain_break.is_none());
    let report = verify(dir.path()).expect("verifies");
    assert!(report.ok, "{report:?}");
    assert_eq!(report.entries, 7);
}

#[test]
fn a_torn_last_record_is_set_aside_at_every_byte_offset() {
    let (source, written) = journal_with(4);
    let original = fs::read(segment(source.path(), 1)).expect("the segment is readable");
    let last_start = original[..original.len() - 1]
        .iter()
        .rposition(|&byte| byte == b'\n')
        .expect("several lines")
        + 1;
    let last_len = original.len() - last_start;
    for kept in 0..last_len {
        let dir = tempfile::tempdir().expect("a temporary directory");
        fs::create_dir_all(dir.path().join("journal")).expect("creates the journal directory");
        let truncated = &original[..last_start + kept];
        fs::write(segment(dir.path(), 1), truncated).expect("writes the truncated segment");

        let (mut journal, recovery) = reopen(dir.path());
        assert_eq!(recovery.entries, written[..3], "cut after {kept} bytes");
        if kept == 0 {
            assert!(
                recovery.set_aside.is_empty(),
                "nothing torn when the record is wholly absent"
            );
        } else {
            assert_eq!(recovery.set_aside.len(), 1, "cut after {kept} bytes");
            let aside = &recovery.set_aside[0];
            assert_eq!(
                (aside.offset, aside.bytes),
                (last_start as u64, kept as u64)
            );
            assert_eq!(
                fs::read(&aside.side_file).expect("the side file is readable"),
                original[last_start..last_start + kept]
            );
        }
        assert_eq!(
            fs::read(segment(dir.path(), 1)).expect("readable"),
            original[..last_start]
        );
        // The journal goes on from the last intact record.
        let next = journal
            .append(vec![common::executed(99)])
            .expect("appends after recovery");
        assert_eq!(next[0].seq, 4);
        assert_eq!(next[0].prev_hash, written[2].hash);
        let report = verify(dir.path()).expect("verifies");
        assert!(report.ok, "cut after {kept} bytes: {report:?}");
        assert_eq!(report.set_aside_files.len(), usize::from(kept > 0));
    }
}

#[test]
fn a_reader_reports_a_torn_tail_without_touching_it() {
    let (dir, _) = journal_with(2);
    let path = segment(dir.path(), 1);
    let mut bytes = fs::read(&path).expect("readable");
    let partial = b"{\"seq\":3,\"prev";
    bytes.extend_from_slice(partial);
    fs::write(&path, &bytes).expect("writable");
    let snapshot = read_journal(dir.path()).expect("reads");
    assert_eq!(snapshot.entries.len(), 2);
    let torn = snapshot.torn_tail.expect("the torn tail is reported");
    assert_eq!(torn.bytes, partial.len() as u64);
    let report = verify(dir.path()).expect("verifies");
    assert!(report.ok, "a torn tail is not tampering: {report:?}");
    assert!(report.torn_tail.is_some());
    assert_eq!(
        fs::read(&path).expect("readable"),
        bytes,
        "reading modified nothing"
    );
}

#[test]
fn a_damaged_complete_last_line_is_set_aside_on_open() {
    let (dir, written) = journal_with(3);
    edit_segment(dir.path(), |content| {
        content[2] = content[2].replace("scaled web to 3", "scaled web to 4");
    });
    let (_, recovery) = reopen(dir.path());
    assert_eq!(recovery.entries, written[..2]);
    assert_eq!(recovery.set_aside.len(), 1);
    assert!(
        recovery.set_aside[0]
            .reason
            .contains("does not match its hash")
    );
}

#[test]
fn verify_names_an_edited_record() {
    let (dir, _) = journal_with(5);
    let path = edit_segment(dir.path(), |content| {
        content[2] = content[2].replace("scaled web to 3", "scaled web to 30");
    });
    let report = verify(dir.path()).expect("verifies");
    assert!(!report.ok);
    let broken = report.first_break.expect("a break");
    assert_eq!(
        (broken.kind, broken.line, broken.seq),
        (BreakKind::Edited, 3, Some(3))
    );
    assert_eq!(broken.segment, path);
}

#[test]
fn verify_names_an_edit_whose_hash_was_recomputed() {
    let (dir, written) = journal_with(5);
    edit_segment(dir.path(), |content| {
        let mut forged = written[2].record.clone();
        forged.event = Event::Executed {
            tool: "resources_scale".into(),
            arguments: json!({"scale": 300}),
            summary: "forged".into(),
        };
        let (_, line) = seal(3, written[1].hash, forged);
        content[2] = String::from_utf8(line)
            .expect("UTF-8")
            .trim_end()
            .to_owned();
    });
    let broken = first_break(dir.path());
    assert_eq!(
        (broken.kind, broken.line, broken.seq),
        (BreakKind::Edited, 4, Some(4))
    );
    assert!(broken.detail.contains("prev_hash"), "{broken}");
}

#[test]
fn verify_names_a_deleted_record() {
    let (dir, _) = journal_with(5);
    edit_segment(dir.path(), |content| {
        content.remove(2);
    });
    let broken = first_break(dir.path());
    assert_eq!(
        (broken.kind, broken.line, broken.seq, broken.expected_seq),
        (BreakKind::Deleted, 3, Some(4), 3)
    );
    assert!(broken.to_string().contains("seq 3..=3 missing"), "{broken}");
}

#[test]
fn verify_names_reordered_records() {
    let (dir, _) = journal_with(5);
    edit_segment(dir.path(), |content| {
        content.swap(1, 3);
    });
    let broken = first_break(dir.path());
    assert_eq!(
        (broken.kind, broken.line, broken.seq),
        (BreakKind::Reordered, 2, Some(4))
    );
}

#[test]
fn verify_names_a_duplicated_record_as_out_of_order() {
    let (dir, _) = journal_with(3);
    edit_segment(dir.path(), |content| {
        content.push(content[0].clone());
    });
    let broken = first_break(dir.path());
    assert_eq!(
        (broken.kind, broken.line, broken.seq),
        (BreakKind::Reordered, 4, Some(1))
    );
}

fn small_segments(state_dir: &Path) -> JournalConfig {
    JournalConfig {
        max_segment_bytes: 2_000,
        max_total_bytes: 6_000,
        ..JournalConfig::new(state_dir)
    }
}

#[test]
fn rotation_bounds_the_size_and_keeps_the_chain_verifiable() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut journal, _) = Journal::open(small_segments(dir.path())).expect("opens");
    let mut first_segment = None;
    for number in 1..=100 {
        journal
            .append(vec![common::executed(number)])
            .expect("appends");
        if number == 5 {
            first_segment = Some(fs::read(segment(dir.path(), 1)).expect("segment 1 exists early"));
        }
    }
    drop(journal);
    let segments: Vec<PathBuf> = fs::read_dir(dir.path().join("journal"))
        .expect("lists")
        .map(|item| item.expect("an entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "jsonl")
        })
        .collect();
    let total: u64 = segments
        .iter()
        .map(|path| fs::metadata(path).expect("stat").len())
        .sum();
    assert!(
        segments.len() >= 2,
        "rotated into several segments: {segments:?}"
    );
    assert!(total <= 6_000 + 2_000, "size bound held: {total} bytes");
    assert!(
        !segment(dir.path(), 1).exists(),
        "the oldest segment was removed"
    );

    let report = verify(dir.path()).expect("verifies");
    assert!(report.ok, "{report:?}");
    assert!(
        report.anchor.first_seq > 1,
        "the chain resumes at the anchor"
    );
    let snapshot = read_journal(dir.path()).expect("reads");
    let seqs: Vec<u64> = snapshot.entries.iter().map(|entry| entry.seq).collect();
    assert_eq!(seqs, (report.anchor.first_seq..=100).collect::<Vec<_>>());

    // A crash between writing the anchor and removing old segments leaves a
    // leftover: readers ignore it and the next open removes it.
    fs::write(segment(dir.path(), 1), first_segment.expect("saved")).expect("restores a leftover");
    assert!(verify(dir.path()).expect("verifies").ok);
    let (mut journal, recovery) = Journal::open(small_segments(dir.path())).expect("reopens");
    assert_eq!(recovery.removed_leftovers, [segment(dir.path(), 1)]);
    assert_eq!(
        journal
            .append(vec![common::executed(101)])
            .expect("appends")[0]
            .seq,
        101
    );
    assert!(verify(dir.path()).expect("verifies").ok);
}

#[test]
fn verify_notices_a_missing_segment() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = JournalConfig {
        max_total_bytes: u64::MAX,
        ..small_segments(dir.path())
    };
    let (mut journal, _) = Journal::open(config).expect("opens");
    for number in 1..=40 {
        journal
            .append(vec![common::executed(number)])
            .expect("appends");
    }
    assert!(segment(dir.path(), 3).exists());
    fs::remove_file(segment(dir.path(), 2)).expect("removes a middle segment");
    let broken = first_break(dir.path());
    assert_eq!(broken.kind, BreakKind::Deleted);
    assert_eq!(broken.segment, segment(dir.path(), 3));
    assert!(
        broken.detail.contains("segment file is missing"),
        "{broken}"
    );
}

#[test]
fn secret_values_never_reach_the_disk() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut journal, _) = Journal::open(JournalConfig::new(dir.path())).expect("opens");
    let mut record = common::executed(1);
    record.event = Event::Executed {
        tool: "resources_create_or_update".into(),
        arguments: json!({"resource": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n"}),
        summary: "created".into(),
    };
    let stored = journal.append(vec![record]).expect("appends");
    let on_disk = fs::read_to_string(segment(dir.path(), 1)).expect("readable");
    assert!(!on_disk.contains("hunter2"));
    assert!(on_disk.contains("<redacted: 7 bytes>"));
    assert_eq!(read_journal(dir.path()).expect("reads").entries, stored);
}
