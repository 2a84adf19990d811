//! Property: any single edit, deletion or reordering of journal lines (other
//! than removing the very last record, which no chain can notice) is caught
//! by `verify`.

mod common;

use std::fs;

use memory::journal::{Journal, JournalConfig};
use proptest::prelude::*;

/// One way of tampering with the lines of a segment.
#[derive(Debug, Clone)]
enum Tamper {
    /// Remove line `index` (never the last).
    Delete { index: usize },
    /// Exchange two different lines.
    Swap { first: usize, second: usize },
    /// XOR one byte (never the file's final newline) with a non-zero mask.
    Flip { offset_permille: usize, mask: u8 },
}

fn tamper(records: usize) -> impl Strategy<Value = Tamper> {
    prop_oneof![
        (0..records - 1).prop_map(|index| Tamper::Delete { index }),
        (0..records, 0..records)
            .prop_filter("two different lines", |(first, second)| first != second)
            .prop_map(|(first, second)| Tamper::Swap { first, second }),
        (0..1000usize, 1..=255u8).prop_map(|(offset_permille, mask)| Tamper::Flip {
            offset_permille,
            mask
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_tampering_is_detected((records, how) in (3usize..12).prop_flat_map(|records| (Just(records), tamper(records)))) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (mut journal, _) = Journal::open(JournalConfig::new(dir.path())).expect("opens");
        journal
            .append((1..=records as u64).map(common::executed).collect())
            .expect("appends");
        drop(journal);
        let segment = dir.path().join("journal/segment-0000000001.jsonl");
        let original = fs::read(&segment).expect("readable");
        let mut lines: Vec<&[u8]> = original.split_inclusive(|&byte| byte == b'\n').collect();
        let tampered: Vec<u8> = match how {
            Tamper::Delete { index } => {
                lines.remove(index);
                lines.concat()
            }
            Tamper::Swap { first, second } => {
                lines.swap(first, second);
                lines.concat()
            }
            Tamper::Flip { offset_permille, mask } => {
                let mut bytes = original.clone();
                let offset = (bytes.len() - 1) * offset_permille / 1000;
                bytes[offset] ^= mask;
                bytes
            }
        };
        fs::write(&segment, &tampered).expect("writable");
        let report = memory::verify(dir.path()).expect("verifies");
        prop_assert!(!report.ok, "undetected: {how:?}");
        prop_assert!(report.first_break.is_some());
    }
}
