//! Wall-clock times as Kubernetes writes them, and Go-style durations.
//!
//! Kubernetes objects carry RFC 3339 timestamps at second precision in UTC
//! (`2026-11-25T08:44:13Z`), and scenario files give durations the way Go
//! prints them (`2s`, `1m30s`). Both are small enough to handle here exactly,
//! which keeps a date-time dependency out of the simulator.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Why a string is not a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a duration (expected e.g. 500ms, 2s, 1m30s, 1h)")]
pub struct DurationError {
    /// The text that was refused.
    pub text: String,
}

/// Parses a Go duration: one or more `<number><unit>` with units ns, us, ms, s, m, h.
/// A bare `0` is accepted, as in Go.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let refuse = || DurationError {
        text: text.to_string(),
    };
    let mut rest = text.trim();
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(refuse());
    }
    let mut total_nanos: u128 = 0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(refuse)?;
        let (number, after) = rest.split_at(number_end);
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, remainder) = after.split_at(unit_end);
        let nanos_per_unit: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(refuse()),
        };
        let value: f64 = number.parse().map_err(|_| refuse())?;
        total_nanos += (value * nanos_per_unit).round() as u128;
        rest = remainder;
    }
    let nanos = u64::try_from(total_nanos).map_err(|_| refuse())?;
    Ok(Duration::from_nanos(nanos))
}

/// Formats a duration the way Go's `time.Duration.String` does for whole
/// seconds and up (`5m0s`, `1h2m3s`, `40s`): it appears in kubelet messages
/// such as `back-off 5m0s restarting failed container`.
pub fn format_go_duration(duration: Duration) -> String {
    let total = duration.as_secs();
    let (hours, minutes, seconds) = (total / 3600, (total % 3600) / 60, total % 60);
    if hours > 0 {
        format!("{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds}s")
    } else {
        format!("{seconds}s")
    }
}

/// Seconds since the Unix epoch (negative before it).
pub fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs() as i64,
        Err(before) => -(before.duration().as_secs() as i64),
    }
}

/// The time `seconds` after the Unix epoch.
pub fn from_unix_seconds(seconds: i64) -> SystemTime {
    if seconds >= 0 {
        UNIX_EPOCH + Duration::from_secs(seconds as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
    }
}

/// A UTC civil date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    /// 0 = Sunday.
    pub(crate) weekday: u32,
}

/// The UTC calendar date and time of day of `time`.
pub(crate) fn civil(time: SystemTime) -> Civil {
    let seconds = unix_seconds(time);
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400) as u32;
    // Howard Hinnant's days-to-civil algorithm.
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: second_of_day / 3600,
        minute: (second_of_day % 3600) / 60,
        second: second_of_day % 60,
        weekday: (days + 4).rem_euclid(7) as u32,
    }
}

/// Days since the Unix epoch of a UTC calendar date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `2026-11-25T08:44:13Z`: the form of every Kubernetes timestamp.
pub fn rfc3339(time: SystemTime) -> String {
    let c = civil(time);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `2026-11-25T08:44:13.123456789Z`: the kubelet's log timestamps.
pub fn rfc3339_nanos(time: SystemTime) -> String {
    let nanos = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|since| since.subsec_nanos())
        .unwrap_or_default();
    let seconds = rfc3339(time);
    format!("{}.{nanos:09}Z", seconds.trim_end_matches('Z'))
}

/// Parses an RFC 3339 timestamp in UTC (`Z`) or with an offset; fractional
/// seconds are dropped.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: u32 = date_parts.next()?.parse().ok()?;
    let day: u32 = date_parts.next()?.parse().ok()?;
    let (clock, offset_seconds) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let sign_at = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(sign_at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (offset_hours, offset_minutes) = offset[1..].split_once(':')?;
        let offset_hours: i64 = offset_hours.parse().ok()?;
        let offset_minutes: i64 = offset_minutes.parse().ok()?;
        (clock, sign * (offset_hours * 3600 + offset_minutes * 60))
    };
    let clock = clock.split('.').next()?;
    let mut clock_parts = clock.splitn(3, ':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let second: i64 = clock_parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(from_unix_seconds(
        days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds,
    ))
}

/// `Wed Nov 25 08:44:13 UTC 2026`: what `date` prints in a container.
pub fn date_command(time: SystemTime) -> String {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let c = civil(time);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[c.weekday as usize],
        MONTHS[(c.month - 1) as usize],
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.year
    )
}

/// `I1125 08:44:13.000000`: the klog header date of kubelet and controller logs.
pub fn klog_stamp(time: SystemTime) -> String {
    let c = civil(time);
    format!(
        "{:02}{:02} {:02}:{:02}:{:02}.000000",
        c.month, c.day, c.hour, c.minute, c.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "2", "two seconds", "5x", "s", "1m 30s"] {
            assert!(parse_duration(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn formats_go_durations() {
        assert_eq!(format_go_duration(Duration::from_secs(300)), "5m0s");
        assert_eq!(format_go_duration(Duration::from_secs(40)), "40s");
        assert_eq!(format_go_duration(Duration::from_secs(3723)), "1h2m3s");
    }

    #[test]
    fn round_trips_timestamps() {
        let time = from_unix_seconds(1_795_596_253);
        assert_eq!(rfc3339(time), "2026-11-25T08:44:13Z");
        assert_eq!(parse_rfc3339("2026-11-25T08:44:13Z"), Some(time));
        assert_eq!(parse_rfc3339("2026-11-25T09:44:13.123+01:00"), Some(time));
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(from_unix_seconds(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn formats_the_date_command_and_klog_stamps() {
        let time = from_unix_seconds(1_795_596_253);
        assert_eq!(date_command(time), "Wed Nov 25 08:44:13 UTC 2026");
        assert_eq!(klog_stamp(time), "1125 08:44:13.000000");
    }
}
