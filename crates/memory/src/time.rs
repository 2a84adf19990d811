//! Wall-clock timestamps for records: UTC, millisecond precision, written as
//! RFC 3339 (`2026-11-25T08:44:13.123Z`) so the journal stays readable with
//! `less` and `jq`, and ordered like the integers they wrap.
//!
//! The conversion is a few lines of calendar arithmetic (Howard Hinnant's
//! `days_from_civil`), which keeps a date-time crate out of the build.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, in milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

/// Why a text is not a timestamp of the journal's form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a UTC time of the form 2026-11-25T08:44:13.123Z (or without the milliseconds)"
)]
pub struct TimestampParseError {
    /// The text that was refused.
    pub text: String,
}

impl Timestamp {
    /// The current wall-clock time (a clock before 1970 reads as the epoch).
    pub fn now() -> Self {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        Self(u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX))
    }

    /// The timestamp `millis` milliseconds after the Unix epoch.
    pub fn from_unix_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> u64 {
        self.0
    }

    /// This time moved back by `duration` (saturating at the epoch): the
    /// start of a "last N minutes" window.
    pub fn saturating_sub(self, duration: Duration) -> Self {
        let millis = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        Self(self.0.saturating_sub(millis))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.mmm]Z`, the form this type writes.
    pub fn parse(text: &str) -> Result<Self, TimestampParseError> {
        parse_rfc3339_utc(text).ok_or_else(|| TimestampParseError {
            text: text.to_owned(),
        })
    }
}

fn parse_rfc3339_utc(text: &str) -> Option<Timestamp> {
    let body = text.strip_suffix('Z')?;
    let (date, clock) = body.split_once('T')?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = parse_digits(date_parts.next()?, 4)?;
    let month: u32 = parse_digits(date_parts.next()?, 2)?;
    let day: u32 = parse_digits(date_parts.next()?, 2)?;
    let (clock, millis) = match clock.split_once('.') {
        Some((clock, fraction)) => (clock, parse_digits::<u64>(fraction, 3)?),
        None => (clock, 0),
    };
    let mut clock_parts = clock.splitn(3, ':');
    let hour: u64 = parse_digits(clock_parts.next()?, 2)?;
    let minute: u64 = parse_digits(clock_parts.next()?, 2)?;
    let second: u64 = parse_digits(clock_parts.next()?, 2)?;
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60
        && year >= 1970;
    if !valid {
        return None;
    }
    let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(Timestamp(seconds * 1_000 + millis))
}

/// Parses exactly `width` ASCII digits (no sign, no spaces).
fn parse_digits<T: std::str::FromStr>(text: &str, width: usize) -> Option<T> {
    if text.len() != width || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of `days_from_civil`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = u32::try_from(day_of_year - (153 * month_from_march + 2) / 5 + 1)
        .expect("day of month is 1..=31 by construction");
    let month = u32::try_from(if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    })
    .expect("month is 1..=12 by construction");
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0 % 1_000;
        let seconds = self.0 / 1_000;
        let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX / 2);
        let second_of_day = seconds % 86_400;
        let (year, month, day) = civil_from_days(days);
        write!(
            formatter,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
            second_of_day / 3_600,
            second_of_day % 3_600 / 60,
            second_of_day % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(
            Timestamp::from_unix_millis(0).to_string(),
            "1970-01-01T00:00:00.000Z"
        );
        // 2024-02-29T12:34:56.789Z, a leap day, computed with `date -u -d ... +%s`.
        assert_eq!(
            Timestamp::from_unix_millis(1_709_210_096_789).to_string(),
            "2024-02-29T12:34:56.789Z"
        );
    }

    #[test]
    fn parse_inverts_display_across_many_days() {
        // One instant every ~37 hours over 60 years, with varying milliseconds.
        let mut millis = 0u64;
        while millis < 60 * 365 * 86_400_000 {
            let stamp = Timestamp::from_unix_millis(millis);
            assert_eq!(Timestamp::parse(&stamp.to_string()), Ok(stamp), "{stamp}");
            millis += 133_200_007;
        }
    }

    #[test]
    fn parse_accepts_whole_seconds_and_refuses_malformed_text() {
        assert_eq!(
            Timestamp::parse("1970-01-02T00:00:01Z"),
            Ok(Timestamp::from_unix_millis(86_401_000))
        );
        for bad in [
            "",
            "2026-11-25",
            "2026-11-25T08:44:13.123",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T08:44:13.12Z",
            "+026-11-25T08:44:13Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "accepted {bad:?}");
        }
    }
}
