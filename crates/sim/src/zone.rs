//! IANA time zones for CronJob `spec.timeZone`, read from the system's
//! zoneinfo database (TZif files) as the real controller reads Go's.
//!
//! A zone is its UTC offsets over time: the transitions of its TZif file.
//! Where the machine has no zoneinfo database at all, a zone cannot be told
//! from a typo, so it is accepted and evaluated in UTC rather than refused.

use std::path::Path;

/// Where the zoneinfo database lives on the systems the simulator runs on.
pub const ZONEINFO_DIR: &str = "/usr/share/zoneinfo";

/// A time zone's offsets from UTC over time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Zone {
    /// `(transition time, offset after it)`, seconds since the epoch and
    /// seconds east of UTC, in time order.
    transitions: Vec<(i64, i32)>,
    /// The offset before the first transition (and of a zone without any).
    initial: i32,
}

/// Why a zone name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone {0}")]
pub struct UnknownZone(pub String);

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at + 4)
        .and_then(|slice| slice.try_into().ok())
        .map(u32::from_be_bytes)
}

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone::default()
    }

    /// The zone of `name` (`Europe/Berlin`), from [`ZONEINFO_DIR`].
    pub fn load(name: &str) -> Result<Zone, UnknownZone> {
        Zone::load_from(Path::new(ZONEINFO_DIR), name)
    }

    fn load_from(directory: &Path, name: &str) -> Result<Zone, UnknownZone> {
        let unknown = || UnknownZone(name.to_owned());
        if name.is_empty() || name.starts_with('/') || name.split('/').any(|part| part == "..") {
            return Err(unknown());
        }
        if matches!(name, "UTC" | "Etc/UTC") || !directory.is_dir() {
            return Ok(Zone::utc());
        }
        let bytes = std::fs::read(directory.join(name)).map_err(|_| unknown())?;
        Zone::parse(&bytes).ok_or_else(unknown)
    }

    /// Reads a TZif file (version 1, or the 64-bit block of versions 2+).
    pub fn parse(bytes: &[u8]) -> Option<Zone> {
        if bytes.get(..4)? != b"TZif" {
            return None;
        }
        let counts = |at: usize| -> Option<[usize; 6]> {
            let mut counts = [0; 6];
            for (index, count) in counts.iter_mut().enumerate() {
                *count = be_u32(bytes, at + 20 + index * 4)? as usize;
            }
            Some(counts)
        };
        let [
            utc_count,
            std_count,
            leap_count,
            time_count,
            type_count,
            char_count,
        ] = counts(0)?;
        let (start, time_size, time_count, type_count) = if bytes[4] == 0 {
            (44, 4, time_count, type_count)
        } else {
            let v1_size = time_count * 4
                + time_count
                + type_count * 6
                + char_count
                + leap_count * 8
                + std_count
                + utc_count;
            let header = 44 + v1_size;
            let [_, _, _, time_count, type_count, _] = counts(header)?;
            (header + 44, 8, time_count, type_count)
        };
        let times = bytes.get(start..start + time_count * time_size)?;
        let indices = bytes
            .get(start + time_count * time_size..)?
            .get(..time_count)?;
        let types_at = start + time_count * time_size + time_count;
        let offset_of = |index: usize| -> Option<i32> {
            let at = types_at + index * 6;
            bytes
                .get(at..at + 4)
                .and_then(|slice| slice.try_into().ok())
                .map(i32::from_be_bytes)
        };
        if type_count == 0 {
            return None;
        }
        let mut transitions = Vec::with_capacity(time_count);
        for (position, index) in indices.iter().enumerate() {
            let raw = &times[position * time_size..(position + 1) * time_size];
            let at = if time_size == 8 {
                i64::from_be_bytes(raw.try_into().ok()?)
            } else {
                i64::from(i32::from_be_bytes(raw.try_into().ok()?))
            };
            transitions.push((at, offset_of(usize::from(*index))?));
        }
        Some(Zone {
            transitions,
            initial: offset_of(0)?,
        })
    }

    /// Seconds east of UTC at `unix_seconds`.
    pub fn offset_at(&self, unix_seconds: i64) -> i32 {
        match self
            .transitions
            .partition_point(|(at, _)| *at <= unix_seconds)
        {
            0 => self.initial,
            after => self.transitions[after - 1].1,
        }
    }

    /// The UTC instant of a local wall-clock time (seconds since the epoch
    /// as if local were UTC); in a DST gap or overlap, the offset before it.
    pub fn to_utc(&self, local: i64) -> i64 {
        let guess = local - i64::from(self.offset_at(local));
        local - i64::from(self.offset_at(guess))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version-2 TZif file with one transition at `at` to `after`.
    fn tzif(before: i32, at: i64, after: i32) -> Vec<u8> {
        let header = |times: usize, size: usize| {
            let mut header = b"TZif2".to_vec();
            header.extend([0; 15]);
            for count in [0u32, 0, 0, times as u32, 2, 4] {
                header.extend(count.to_be_bytes());
            }
            let mut block = Vec::new();
            if size == 4 {
                block.extend((at as i32).to_be_bytes());
            } else {
                block.extend(at.to_be_bytes());
            }
            block.push(1);
            for offset in [before, after] {
                block.extend(offset.to_be_bytes());
                block.extend([0, 0]);
            }
            block.extend(b"AAA\0");
            header.extend(block);
            header
        };
        let mut file = header(1, 4);
        file.extend(header(1, 8));
        file
    }

    #[test]
    fn offsets_follow_the_transitions() {
        let zone = Zone::parse(&tzif(3600, 1_000_000, 7200)).expect("valid");
        assert_eq!(zone.offset_at(0), 3600);
        assert_eq!(zone.offset_at(1_000_000), 7200);
        assert_eq!(zone.to_utc(3600), 0);
        assert_eq!(Zone::parse(b"nope"), None);
    }

    #[test]
    fn names_are_checked_against_the_database() {
        let directory = tempfile::tempdir().expect("a directory");
        std::fs::create_dir(directory.path().join("Europe")).expect("a folder");
        std::fs::write(
            directory.path().join("Europe/Berlin"),
            tzif(3600, 1_000_000, 7200),
        )
        .expect("written");
        assert!(Zone::load_from(directory.path(), "Europe/Berlin").is_ok());
        assert_eq!(
            Zone::load_from(directory.path(), "Europe/Berlinn"),
            Err(UnknownZone("Europe/Berlinn".into()))
        );
        assert!(Zone::load_from(directory.path(), "../etc/passwd").is_err());
        assert_eq!(
            Zone::load_from(&directory.path().join("missing"), "Mars/Olympus"),
            Ok(Zone::utc()),
            "without a database, any zone is evaluated in UTC"
        );
    }
}
