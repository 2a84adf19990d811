//! Tamper evidence: walking the hash chain across segments and naming the
//! first broken link.
//!
//! Every entry must (1) be the canonical encoding of its content and match its
//! own hash, (2) carry the next seq, and (3) carry the previous entry's hash.
//! The first violation is classified for a human:
//! - **edited**: a line's content no longer matches its hash, or its
//!   `prev_hash` no longer matches the entry before it (that entry was
//!   rewritten with a recomputed hash);
//! - **deleted**: seqs jump forward and the missing ones appear nowhere later;
//! - **reordered**: an entry appears before or after its place (the expected
//!   seq shows up later, or an earlier seq shows up again);
//! - **corrupted**: a line in the middle is not an entry at all.
//!
//! Removing entries from the very end cannot be detected by a chain alone
//! (nothing links to them); a torn tail is reported separately.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::chain::{ChainHash, LineDefect};
use crate::error::MemoryError;
use crate::journal::{self, Anchor, JOURNAL_DIR, Scan, ScannedLine, ScannedSegment, TornTail};

/// What kind of damage a broken link shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// Content changed after it was written.
    Edited,
    /// Entries are missing.
    Deleted,
    /// Entries are out of order.
    Reordered,
    /// A line is not a journal entry.
    Corrupted,
}

impl fmt::Display for BreakKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            BreakKind::Edited => "edited",
            BreakKind::Deleted => "deleted",
            BreakKind::Reordered => "reordered",
            BreakKind::Corrupted => "corrupted",
        })
    }
}

/// The first place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainBreak {
    /// The segment file holding the offending line.
    pub segment: PathBuf,
    /// Its 1-based line number in that file.
    pub line: usize,
    /// The seq the line claims (when it can be read).
    pub seq: Option<u64>,
    /// The seq the chain expected at that place.
    pub expected_seq: u64,
    /// What kind of damage this is.
    pub kind: BreakKind,
    /// What exactly is wrong, in words.
    pub detail: String,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{} at {} line {} (",
            self.kind,
            self.segment.display(),
            self.line
        )?;
        match self.seq {
            Some(seq) => write!(formatter, "seq {seq}, ")?,
            None => formatter.write_str("unreadable, ")?,
        }
        write!(
            formatter,
            "expected seq {}): {}",
            self.expected_seq, self.detail
        )
    }
}

/// The result of walking the chain.
#[derive(Debug)]
pub(crate) struct ChainCheck {
    /// How many lines were examined.
    pub checked: u64,
    /// The first broken link.
    pub first_break: Option<ChainBreak>,
    /// Seq and hash of the last valid entry in file order (the writer links
    /// new entries to it).
    pub last_entry: Option<(u64, ChainHash)>,
}

/// Walks every retained line from the anchor on.
pub(crate) fn check_chain(scan: &Scan) -> ChainCheck {
    let lines: Vec<(&ScannedSegment, &ScannedLine)> = scan
        .segments
        .iter()
        .flat_map(|segment| segment.lines.iter().map(move |line| (segment, line)))
        .collect();
    let mut expected_seq = scan.anchor.first_seq;
    let mut expected_prev = scan.anchor.prev_hash;
    let mut first_break = None;
    let mut last_entry = None;
    let mut previous_segment: Option<u64> = None;
    for (position, (segment, line)) in lines.iter().enumerate() {
        let broken = |seq: Option<u64>, kind: BreakKind, detail: String| ChainBreak {
            segment: segment.path.clone(),
            line: line.number,
            seq,
            expected_seq,
            kind,
            detail,
        };
        let entry = match &line.parsed {
            Ok(entry) => entry,
            Err(defect) => {
                if first_break.is_none() {
                    let (kind, seq) = match defect {
                        LineDefect::Unparseable(_) => (BreakKind::Corrupted, None),
                        LineDefect::NotCanonical { seq } | LineDefect::HashMismatch { seq } => {
                            (BreakKind::Edited, Some(*seq))
                        }
                    };
                    first_break = Some(broken(seq, kind, defect.to_string()));
                }
                continue;
            }
        };
        if first_break.is_none() {
            let gap_in_segments =
                previous_segment.is_some_and(|previous| segment.index > previous + 1);
            if entry.seq == expected_seq && entry.prev_hash != expected_prev {
                first_break = Some(broken(
                    Some(entry.seq),
                    BreakKind::Edited,
                    format!(
                        "prev_hash does not match the hash of seq {}: that entry or this link was rewritten",
                        entry.seq.saturating_sub(1)
                    ),
                ));
            } else if entry.seq > expected_seq {
                let expected_later = lines[position + 1..].iter().any(|(_, later)| {
                    later
                        .parsed
                        .as_ref()
                        .is_ok_and(|later| later.seq == expected_seq)
                });
                first_break = Some(if expected_later {
                    broken(
                        Some(entry.seq),
                        BreakKind::Reordered,
                        format!("seq {} appears before seq {expected_seq}", entry.seq),
                    )
                } else {
                    let segments_note = if gap_in_segments {
                        " (a whole segment file is missing)"
                    } else {
                        ""
                    };
                    broken(
                        Some(entry.seq),
                        BreakKind::Deleted,
                        format!(
                            "seq {expected_seq}..={} missing{segments_note}",
                            entry.seq - 1
                        ),
                    )
                });
            } else if entry.seq < expected_seq {
                first_break = Some(broken(
                    Some(entry.seq),
                    BreakKind::Reordered,
                    format!(
                        "seq {} appears again after seq {}",
                        entry.seq,
                        expected_seq - 1
                    ),
                ));
            }
        }
        previous_segment = Some(segment.index);
        expected_seq = entry.seq + 1;
        expected_prev = entry.hash;
        last_entry = Some((entry.seq, entry.hash));
    }
    ChainCheck {
        checked: lines.len() as u64,
        first_break,
        last_entry,
    }
}

/// The outcome of [`verify`]: what `kubeop log --verify` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// True when the retained chain holds from its anchor to its last entry.
    pub ok: bool,
    /// How many entries were checked.
    pub entries: u64,
    /// Where the retained chain starts.
    pub anchor: Anchor,
    /// The segment files checked, oldest first.
    pub segments: Vec<PathBuf>,
    /// The first broken link (then `ok` is false).
    pub first_break: Option<ChainBreak>,
    /// An incomplete last line: a write cut short (or in progress), not
    /// tampering; the next open sets it aside.
    pub torn_tail: Option<TornTail>,
    /// Tails set aside by earlier opens, kept for inspection.
    pub set_aside_files: Vec<PathBuf>,
}

/// Checks the whole retained chain of the journal in `state_dir`, without
/// modifying anything.
#[tracing::instrument(name = "memory.verify", skip_all, fields(state_dir = %state_dir.display()))]
pub fn verify(state_dir: &Path) -> Result<VerifyReport, MemoryError> {
    let scan = journal::scan(&state_dir.join(JOURNAL_DIR))?;
    let check = check_chain(&scan);
    Ok(VerifyReport {
        ok: check.first_break.is_none(),
        entries: check.checked,
        anchor: scan.anchor,
        segments: scan
            .segments
            .iter()
            .map(|segment| segment.path.clone())
            .collect(),
        first_break: check.first_break,
        torn_tail: scan
            .segments
            .last()
            .and_then(|segment| segment.torn_tail.clone()),
        set_aside_files: scan.set_aside_files,
    })
}
