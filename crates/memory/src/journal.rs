//! The journal on disk: append-only JSON Lines segments in
//! `STATE_DIR/journal/`, written and fsynced before an append returns.
//!
//! Files:
//! - `segment-NNNNNNNNNN.jsonl`: the entries, one line each, oldest segment
//!   first. A new segment starts when the current one reached
//!   [`JournalConfig::max_segment_bytes`]; when all segments together exceed
//!   [`JournalConfig::max_total_bytes`], the oldest are removed.
//! - `anchor.json`: where the retained chain starts once old segments were
//!   removed (segment, first seq, and the `prev_hash` that first entry must
//!   carry), so the chain stays verifiable across files. No anchor means the
//!   chain starts at seq 1 with the all-zero hash.
//! - `segment-….jsonl.torn-OFFSET`: bytes set aside on open because a write
//!   was cut short (the process was killed mid-write) or the last line does
//!   not match its hash. Kept for inspection, never read back.
//!
//! Durability: an append writes every line of the batch with one `write`,
//! then `fdatasync`s the segment; creating, renaming or removing a file is
//! followed by an fsync of the directory. A failed write is rolled back by
//! truncating to the last acknowledged length; if even that fails the journal
//! refuses further appends until it is reopened.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::chain::{self, ChainHash, Entry, LineDefect};
use crate::error::MemoryError;
use crate::lock::StateDirLock;
use crate::record::Event;
use crate::record::Record;
use crate::redact::redact_secrets;
use crate::verify::{self, ChainBreak};

/// The journal's directory inside the state directory.
pub const JOURNAL_DIR: &str = "journal";
/// The default size at which a new segment is started (4 MiB): small enough
/// that dropping the oldest segment frees a modest slice of the bound.
pub const DEFAULT_MAX_SEGMENT_BYTES: u64 = 4 * 1024 * 1024;
/// The default bound on all retained segments together (64 MiB, tens of
/// thousands of operations).
pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;

const SEGMENT_PREFIX: &str = "segment-";
const SEGMENT_SUFFIX: &str = ".jsonl";
const ANCHOR_FILE: &str = "anchor.json";
const TORN_MARKER: &str = ".torn-";
/// How often a reader rescans when a running writer rotated segments during
/// its pass. Rotation happens once per segment's worth of appends, so a
/// second interruption in a row is already unlikely; after the last attempt
/// the pass is reported as read.
const SCAN_ATTEMPTS: usize = 3;

/// Where the journal lives and how large it may grow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalConfig {
    /// The state directory; the journal is its `journal/` subdirectory.
    pub state_dir: PathBuf,
    /// A segment at or above this size is closed and a new one started.
    pub max_segment_bytes: u64,
    /// The oldest segments are removed while all of them together exceed
    /// this size (the current segment is always kept).
    pub max_total_bytes: u64,
}

impl JournalConfig {
    /// The default bounds in `state_dir`.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        Self {
            state_dir: state_dir.into(),
            max_segment_bytes: DEFAULT_MAX_SEGMENT_BYTES,
            max_total_bytes: DEFAULT_MAX_TOTAL_BYTES,
        }
    }

    fn journal_dir(&self) -> PathBuf {
        self.state_dir.join(JOURNAL_DIR)
    }
}

/// Where the retained chain starts (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// The oldest retained segment's number.
    pub segment: u64,
    /// The seq of that segment's first entry.
    pub first_seq: u64,
    /// The `prev_hash` that first entry carries (the hash of the last entry
    /// removed by rotation).
    pub prev_hash: ChainHash,
}

impl Anchor {
    /// The start of a journal that never rotated.
    pub const GENESIS: Anchor = Anchor {
        segment: 1,
        first_seq: 1,
        prev_hash: ChainHash::GENESIS,
    };
}

/// Bytes after the last complete line of a segment: a write cut short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TornTail {
    /// The segment file.
    pub segment: PathBuf,
    /// Where the incomplete line starts.
    pub offset: u64,
    /// How many bytes it has.
    pub bytes: u64,
}

/// A damaged tail moved out of a segment when the journal was opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAside {
    /// The segment it was cut from.
    pub segment: PathBuf,
    /// Where in the segment it started.
    pub offset: u64,
    /// Its size.
    pub bytes: u64,
    /// The file that now holds those bytes.
    pub side_file: PathBuf,
    /// Why it was set aside.
    pub reason: String,
}

/// One line of a segment as read from disk.
#[derive(Debug)]
pub(crate) struct ScannedLine {
    /// Byte offset of the line in its segment.
    pub offset: u64,
    /// 1-based line number, for humans.
    pub number: usize,
    /// The entry, or why the line is not a valid one on its own.
    pub parsed: Result<Entry, LineDefect>,
}

/// One segment file as read from disk.
#[derive(Debug)]
pub(crate) struct ScannedSegment {
    /// The segment's number.
    pub index: u64,
    /// Its path.
    pub path: PathBuf,
    /// Its size.
    pub len: u64,
    /// Its complete lines, in order.
    pub lines: Vec<ScannedLine>,
    /// Trailing bytes without a newline, if any.
    pub torn_tail: Option<TornTail>,
}

/// Everything in the journal directory, read without changing anything.
#[derive(Debug)]
pub(crate) struct Scan {
    /// The anchor, or genesis when there is no anchor file.
    pub anchor: Anchor,
    /// Retained segments, oldest first.
    pub segments: Vec<ScannedSegment>,
    /// Segments older than the anchor: left behind by an interrupted rotation.
    pub leftovers: Vec<PathBuf>,
    /// Side files of earlier recoveries.
    pub set_aside_files: Vec<PathBuf>,
}

fn io_error<'path>(
    action: &'static str,
    path: &'path Path,
) -> impl FnOnce(io::Error) -> MemoryError + 'path {
    move |source| MemoryError::io(action, path, source)
}

fn segment_path(dir: &Path, index: u64) -> PathBuf {
    dir.join(format!("{SEGMENT_PREFIX}{index:010}{SEGMENT_SUFFIX}"))
}

fn segment_index(file_name: &str) -> Option<u64> {
    let digits = file_name
        .strip_prefix(SEGMENT_PREFIX)?
        .strip_suffix(SEGMENT_SUFFIX)?;
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn read_anchor(dir: &Path) -> Result<Anchor, MemoryError> {
    let path = dir.join(ANCHOR_FILE);
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| MemoryError::BadAnchor {
            path,
            reason: error.to_string(),
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Anchor::GENESIS),
        Err(error) => Err(MemoryError::io("reading", path, error)),
    }
}

/// Splits a segment's bytes into checked lines and a torn tail.
fn scan_segment(index: u64, path: PathBuf, bytes: &[u8]) -> ScannedSegment {
    let mut lines = Vec::new();
    let mut offset = 0usize;
    while let Some(newline) = bytes[offset..].iter().position(|&byte| byte == b'\n') {
        let line = &bytes[offset..offset + newline];
        lines.push(ScannedLine {
            offset: offset as u64,
            number: lines.len() + 1,
            parsed: chain::open_line(line),
        });
        offset += newline + 1;
    }
    let torn_tail = (offset < bytes.len()).then(|| TornTail {
        segment: path.clone(),
        offset: offset as u64,
        bytes: (bytes.len() - offset) as u64,
    });
    ScannedSegment {
        index,
        path,
        len: bytes.len() as u64,
        lines,
        torn_tail,
    }
}

/// Reads the journal directory without modifying it. A missing directory is
/// an empty journal.
pub(crate) fn scan(dir: &Path) -> Result<Scan, MemoryError> {
    let mut attempt = 1;
    loop {
        let (scan, consistent) = scan_once(dir)?;
        if consistent || attempt == SCAN_ATTEMPTS {
            return Ok(scan);
        }
        attempt += 1;
    }
}

/// One pass over the directory; `false` when a rotation by a running writer
/// moved the anchor or removed a segment meanwhile (the pass mixes two
/// states of the journal and would report a deletion that did not happen).
fn scan_once(dir: &Path) -> Result<(Scan, bool), MemoryError> {
    let anchor = read_anchor(dir)?;
    let mut consistent = true;
    let mut indexed = Vec::new();
    let mut set_aside_files = Vec::new();
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let scan = Scan {
                anchor,
                segments: Vec::new(),
                leftovers: Vec::new(),
                set_aside_files,
            };
            return Ok((scan, true));
        }
        Err(error) => return Err(MemoryError::io("listing", dir, error)),
    };
    for item in listing {
        let item = item.map_err(io_error("listing", dir))?;
        let name = item.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(index) = segment_index(name) {
            indexed.push((index, item.path()));
        } else if name.contains(TORN_MARKER) {
            set_aside_files.push(item.path());
        }
    }
    indexed.sort();
    set_aside_files.sort();
    let mut segments = Vec::new();
    let mut leftovers = Vec::new();
    for (index, path) in indexed {
        if index < anchor.segment {
            leftovers.push(path);
            continue;
        }
        let mut bytes = Vec::new();
        match File::open(&path) {
            Ok(mut file) => {
                file.read_to_end(&mut bytes)
                    .map_err(io_error("reading", &path))?;
            }
            // Removed by a concurrent rotation between listing and opening.
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                consistent = false;
                continue;
            }
            Err(error) => return Err(MemoryError::io("opening", path, error)),
        }
        segments.push(scan_segment(index, path, &bytes));
    }
    let consistent = consistent && read_anchor(dir)? == anchor;
    let scan = Scan {
        anchor,
        segments,
        leftovers,
        set_aside_files,
    };
    Ok((scan, consistent))
}

/// The journal as read by [`read_journal`]: what a client without the daemon
/// sees.
#[derive(Debug, Clone)]
pub struct JournalSnapshot {
    /// Every valid entry, in journal order.
    pub entries: Vec<Entry>,
    /// An incomplete last line (the writer was killed mid-write, or is
    /// writing right now); it will be set aside when the journal is opened.
    pub torn_tail: Option<TornTail>,
    /// The first place where the chain does not hold, if any.
    pub chain_break: Option<ChainBreak>,
}

/// Reads the journal in `state_dir` without modifying anything (safe while
/// the daemon is appending: a line being written shows as a torn tail).
pub fn read_journal(state_dir: &Path) -> Result<JournalSnapshot, MemoryError> {
    let scan = scan(&state_dir.join(JOURNAL_DIR))?;
    let check = verify::check_chain(&scan);
    let torn_tail = scan
        .segments
        .last()
        .and_then(|segment| segment.torn_tail.clone());
    let entries = scan
        .segments
        .into_iter()
        .flat_map(|segment| segment.lines)
        .filter_map(|line| line.parsed.ok())
        .collect();
    Ok(JournalSnapshot {
        entries,
        torn_tail,
        chain_break: check.first_break,
    })
}

/// fsyncs a directory so that a file created, renamed or removed in it
/// survives a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), MemoryError> {
    File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(io_error("syncing directory", dir))
}

/// Writes `bytes` to `path` atomically: a temporary file, fsynced when
/// `durable`, renamed over `path`.
pub(crate) fn write_atomically(
    path: &Path,
    bytes: &[u8],
    durable: bool,
) -> Result<(), MemoryError> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut file = File::create(&temporary).map_err(io_error("creating", &temporary))?;
    file.write_all(bytes)
        .map_err(io_error("writing", &temporary))?;
    if durable {
        file.sync_all().map_err(io_error("syncing", &temporary))?;
    }
    fs::rename(&temporary, path).map_err(io_error("renaming", &temporary))?;
    if durable {
        let parent = path.parent().unwrap_or(Path::new("."));
        sync_dir(parent)?;
    }
    Ok(())
}

/// A retained segment, as the writer tracks it.
#[derive(Debug)]
struct SegmentMeta {
    /// The segment's number.
    index: u64,
    /// Its path.
    path: PathBuf,
    /// Its acknowledged size.
    len: u64,
    /// Seq and `prev_hash` of its first entry, the anchor if older segments
    /// are dropped (`None` while it is empty).
    first: Option<(u64, ChainHash)>,
}

/// What opening the journal found and repaired.
#[derive(Debug)]
pub struct Recovery {
    /// Damaged tails moved to side files.
    pub set_aside: Vec<SetAside>,
    /// Segments of an interrupted rotation, removed.
    pub removed_leftovers: Vec<PathBuf>,
    /// The first broken link of the retained chain (tampering or corruption
    /// that is not a torn tail): reported, not repaired.
    pub chain_break: Option<ChainBreak>,
    /// Every valid entry, in journal order.
    pub entries: Vec<Entry>,
}

/// The writer: owns the segment being appended to.
#[derive(Debug)]
pub struct Journal {
    /// Bounds and location.
    config: JournalConfig,
    /// `state_dir/journal`.
    dir: PathBuf,
    /// Retained segments, oldest first; the last is open in `file`.
    segments: VecDeque<SegmentMeta>,
    /// The last segment, opened for appending.
    file: File,
    /// The seq the next entry gets.
    next_seq: u64,
    /// The hash the next entry links to.
    head_hash: ChainHash,
    /// Set when a failed write could not be rolled back.
    poisoned: Option<String>,
    /// This process's exclusive hold on the state directory, released when
    /// the journal is dropped (or the process dies).
    _lock: StateDirLock,
}

impl Journal {
    /// Opens (creating if needed) the journal, setting aside a torn tail and
    /// finishing an interrupted rotation.
    #[tracing::instrument(name = "memory.journal.open", skip_all, fields(state_dir = %config.state_dir.display()))]
    pub fn open(config: JournalConfig) -> Result<(Journal, Recovery), MemoryError> {
        let dir = config.journal_dir();
        fs::create_dir_all(&dir).map_err(io_error("creating", &dir))?;
        // Before anything is repaired or written: a second writer must not
        // even set aside the tail the first one is appending to.
        let lock = StateDirLock::acquire(&config.state_dir)?;
        sync_dir(&dir)?;
        if let Some(parent) = dir.parent() {
            sync_dir(parent)?;
        }
        let mut scan = scan(&dir)?;
        let mut set_aside = Vec::new();
        if let Some(last) = scan.segments.last_mut() {
            set_aside.extend(set_aside_damaged_tail(last)?);
        }
        let mut removed_leftovers = Vec::new();
        for leftover in std::mem::take(&mut scan.leftovers) {
            fs::remove_file(&leftover).map_err(io_error("removing", &leftover))?;
            removed_leftovers.push(leftover);
        }
        if !removed_leftovers.is_empty() {
            sync_dir(&dir)?;
        }
        if scan.segments.is_empty() {
            let path = segment_path(&dir, scan.anchor.segment);
            File::create_new(&path).map_err(io_error("creating", &path))?;
            sync_dir(&dir)?;
            scan.segments
                .push(scan_segment(scan.anchor.segment, path, &[]));
        }
        let check = verify::check_chain(&scan);
        let (next_seq, head_hash) = match check.last_entry {
            Some((seq, hash)) => (seq + 1, hash),
            None => (scan.anchor.first_seq, scan.anchor.prev_hash),
        };
        let segments: VecDeque<SegmentMeta> = scan
            .segments
            .iter()
            .map(|segment| SegmentMeta {
                index: segment.index,
                path: segment.path.clone(),
                len: segment.len,
                first: segment.lines.iter().find_map(|line| {
                    line.parsed
                        .as_ref()
                        .ok()
                        .map(|entry| (entry.seq, entry.prev_hash))
                }),
            })
            .collect();
        let current = segments.back().expect("at least one segment exists by now");
        let file = OpenOptions::new()
            .append(true)
            .open(&current.path)
            .map_err(io_error("opening", &current.path))?;
        for aside in &set_aside {
            tracing::warn!(segment = %aside.segment.display(), offset = aside.offset, bytes = aside.bytes,
                side_file = %aside.side_file.display(), reason = %aside.reason, "set aside a damaged journal tail");
        }
        if let Some(broken) = &check.first_break {
            tracing::warn!(%broken, "the operations log's hash chain is broken");
        }
        let entries = scan
            .segments
            .into_iter()
            .flat_map(|segment| segment.lines)
            .filter_map(|line| line.parsed.ok())
            .collect();
        let journal = Journal {
            config,
            dir,
            segments,
            file,
            next_seq,
            head_hash,
            poisoned: None,
            _lock: lock,
        };
        let recovery = Recovery {
            set_aside,
            removed_leftovers,
            chain_break: check.first_break,
            entries,
        };
        Ok((journal, recovery))
    }

    /// The state directory this journal lives in.
    pub fn state_dir(&self) -> &Path {
        &self.config.state_dir
    }

    /// Appends `records` in order (redacting Secret values first), and
    /// returns their entries once all of them are on stable storage. On error
    /// none of them is part of the journal.
    #[tracing::instrument(name = "memory.journal.append", skip_all, fields(records = records.len()))]
    pub fn append(&mut self, records: Vec<Record>) -> Result<Vec<Entry>, MemoryError> {
        if let Some(reason) = &self.poisoned {
            return Err(MemoryError::Poisoned {
                reason: reason.clone(),
            });
        }
        if records.is_empty() {
            return Ok(Vec::new());
        }
        if self.current().len >= self.config.max_segment_bytes {
            self.start_segment()?;
        }
        let mut buffer = Vec::new();
        let mut entries = Vec::with_capacity(records.len());
        let (mut seq, mut prev_hash) = (self.next_seq, self.head_hash);
        for mut record in records {
            if let Event::Executed { arguments, .. } = &mut record.event {
                redact_secrets(arguments);
            }
            let (entry, line) = chain::seal(seq, prev_hash, record);
            buffer.extend_from_slice(&line);
            seq += 1;
            prev_hash = entry.hash;
            entries.push(entry);
        }
        let written = self
            .file
            .write_all(&buffer)
            .and_then(|()| self.file.sync_data());
        if let Err(error) = written {
            let failure = MemoryError::io("appending to", &self.current().path, error);
            self.roll_back(&failure);
            return Err(failure);
        }
        let current = self
            .segments
            .back_mut()
            .expect("the current segment exists");
        current.len += buffer.len() as u64;
        if current.first.is_none() {
            current.first = entries.first().map(|entry| (entry.seq, entry.prev_hash));
        }
        self.next_seq = seq;
        self.head_hash = prev_hash;
        self.enforce_size_bound()?;
        Ok(entries)
    }

    fn current(&self) -> &SegmentMeta {
        self.segments
            .back()
            .expect("the journal always has a current segment")
    }

    /// Truncates the current segment to its last acknowledged length, or
    /// poisons the journal when that is impossible.
    fn roll_back(&mut self, failure: &MemoryError) {
        let acknowledged = self.current().len;
        let restored = self
            .file
            .set_len(acknowledged)
            .and_then(|()| self.file.sync_data());
        if let Err(error) = restored {
            tracing::error!(%failure, %error, "could not roll back a failed journal write");
            self.poisoned = Some(format!("{failure}; rolling back failed: {error}"));
        }
    }

    fn start_segment(&mut self) -> Result<(), MemoryError> {
        let index = self.current().index + 1;
        let path = segment_path(&self.dir, index);
        let file = File::create_new(&path).map_err(io_error("creating", &path))?;
        sync_dir(&self.dir)?;
        tracing::debug!(segment = %path.display(), "started a journal segment");
        self.file = file;
        self.segments.push_back(SegmentMeta {
            index,
            path,
            len: 0,
            first: None,
        });
        Ok(())
    }

    /// Removes the oldest segments while the journal exceeds its bound. The
    /// anchor is written (durably) before any segment is removed, so a crash
    /// in between leaves leftovers that the next open removes.
    fn enforce_size_bound(&mut self) -> Result<(), MemoryError> {
        let mut total: u64 = self.segments.iter().map(|segment| segment.len).sum();
        let mut drop_count = 0;
        while total > self.config.max_total_bytes && drop_count + 1 < self.segments.len() {
            total -= self.segments[drop_count].len;
            drop_count += 1;
        }
        if drop_count == 0 {
            return Ok(());
        }
        let new_first = &self.segments[drop_count];
        let Some((first_seq, prev_hash)) = new_first.first else {
            // Only an empty current segment would remain: keep the old ones
            // until it has an entry to anchor to.
            return Ok(());
        };
        let anchor = Anchor {
            segment: new_first.index,
            first_seq,
            prev_hash,
        };
        let encoded = serde_json::to_vec(&anchor).expect("an anchor always serializes");
        write_atomically(&self.dir.join(ANCHOR_FILE), &encoded, true)?;
        for dropped in self.segments.drain(..drop_count) {
            fs::remove_file(&dropped.path).map_err(io_error("removing", &dropped.path))?;
            tracing::info!(segment = %dropped.path.display(), "removed the oldest journal segment (size bound)");
        }
        sync_dir(&self.dir)
    }
}

/// A side file name not yet taken: `SEGMENT.torn-OFFSET` (then `-2`, `-3`...
/// should the same offset be torn again).
fn side_file_for(segment: &Path, offset: u64) -> PathBuf {
    let mut base = segment.as_os_str().to_owned();
    base.push(format!("{TORN_MARKER}{offset}"));
    let base = PathBuf::from(base);
    let mut candidate = base.clone();
    let mut attempt = 1;
    while candidate.exists() {
        attempt += 1;
        let mut name = base.as_os_str().to_owned();
        name.push(format!("-{attempt}"));
        candidate = PathBuf::from(name);
    }
    candidate
}

/// Sets aside the damaged tail of the last segment: an incomplete last line,
/// and the last complete line too when it does not match its hash (a write
/// can be torn inside the page cache as well as at the end of the file).
fn set_aside_damaged_tail(segment: &mut ScannedSegment) -> Result<Option<SetAside>, MemoryError> {
    let defective_last_line = segment.lines.last().and_then(|line| {
        line.parsed
            .as_ref()
            .err()
            .map(|defect| (line.offset, defect.clone()))
    });
    let (cut, reason) = match (&defective_last_line, &segment.torn_tail) {
        (Some((offset, defect)), torn) => (
            *offset,
            match torn {
                Some(_) => {
                    format!("last line damaged ({defect}) and followed by an incomplete line")
                }
                None => format!("last line damaged ({defect})"),
            },
        ),
        (None, Some(torn)) => (
            torn.offset,
            "incomplete last line (write cut short)".to_owned(),
        ),
        (None, None) => return Ok(None),
    };
    let path = segment.path.clone();
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .map_err(io_error("opening", &path))?;
    let mut all = Vec::new();
    file.read_to_end(&mut all)
        .map_err(io_error("reading", &path))?;
    let cut_at = usize::try_from(cut).expect("a segment held in memory fits usize");
    let damaged = &all[cut_at..];
    let side_file = side_file_for(&path, cut);
    let mut side = File::create_new(&side_file).map_err(io_error("creating", &side_file))?;
    side.write_all(damaged)
        .and_then(|()| side.sync_all())
        .map_err(io_error("writing", &side_file))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    sync_dir(dir)?;
    file.set_len(cut)
        .and_then(|()| file.sync_all())
        .map_err(io_error("truncating", &path))?;
    if defective_last_line.is_some() {
        segment.lines.pop();
    }
    segment.torn_tail = None;
    segment.len = cut;
    Ok(Some(SetAside {
        segment: path,
        offset: cut,
        bytes: damaged.len() as u64,
        side_file,
        reason,
    }))
}
