//! CronJob schedules: the standard five-field cron syntax and the `@`
//! descriptors, read the way the real CronJob controller reads them (it uses
//! `robfig/cron`'s `ParseStandard`), evaluated in UTC.
//!
//! A schedule is parsed into one bit set per field; the next run after a
//! time is found day by day (at most [`SEARCH_YEARS`] ahead, as the real
//! parser gives up), so rare schedules (`0 0 29 2 *`) cost a few thousand
//! cheap steps rather than one per minute.

use std::time::{Duration, SystemTime};

use crate::clock::{civil, from_unix_seconds, parse_duration, unix_seconds};
use crate::zone::Zone;

/// How far ahead a next run is searched before the schedule counts as
/// never firing (robfig/cron gives up after five years too).
pub const SEARCH_YEARS: i64 = 5;

/// More missed runs than this since the last one, and the controller warns
/// `TooManyMissedTimes` (the real controller's limit) and starts only the latest.
pub const TOO_MANY_MISSED: usize = 100;

/// How many wall-clock matches a zoned search tries before giving up: a
/// DST overlap repeats an hour once, so two always suffice.
const MAX_ZONE_STEPS: usize = 3;

/// Why a schedule is refused, worded as the API server's validation words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScheduleError(String);

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Five cron fields, each a bit set of the values it allows.
    Fields {
        /// Bits 0-59.
        minutes: u64,
        /// Bits 0-23.
        hours: u64,
        /// Bits 1-31.
        days_of_month: u64,
        /// Bits 1-12.
        months: u64,
        /// Bits 0-6, 0 = Sunday.
        days_of_week: u64,
        /// Whether day-of-month or day-of-week was `*`/`?`: then a day must
        /// match both fields, otherwise either (cron's historical rule).
        day_star: bool,
    },
    /// `@every <duration>`: runs at fixed intervals from the reference time.
    Every(Duration),
}

/// One cron field's name and bounds.
struct Bounds {
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
const DAY_OF_WEEK: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

impl Bounds {
    fn value(&self, text: &str) -> Result<u32, ScheduleError> {
        if let Some(index) = self
            .names
            .iter()
            .position(|name| name.eq_ignore_ascii_case(text))
        {
            return Ok(index as u32 + self.min);
        }
        text.parse::<u32>().map_err(|_| {
            ScheduleError(format!(
                "failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax"
            ))
        })
    }

    /// The bit set of one field (`1,5-10/2,*/15`); the flag says it was `*` or `?`.
    fn parse(&self, field: &str) -> Result<(u64, bool), ScheduleError> {
        let mut bits = 0u64;
        let mut star = false;
        for part in field.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((range, step)) => {
                    let step: u32 = step.parse().map_err(|_| {
                        ScheduleError(format!(
                            "failed to parse int from {step}: strconv.Atoi: parsing \"{step}\": invalid syntax"
                        ))
                    })?;
                    (range, Some(step))
                }
                None => (part, None),
            };
            let (start, end, whole) = if range == "*" || range == "?" {
                (self.min, self.max, true)
            } else if let Some((low, high)) = range.split_once('-') {
                (self.value(low)?, self.value(high)?, false)
            } else {
                let start = self.value(range)?;
                // `5/15` means from 5 to the end, every 15.
                (start, if step.is_some() { self.max } else { start }, false)
            };
            if start < self.min {
                return Err(ScheduleError(format!(
                    "beginning of range ({start}) below minimum ({}): {part}",
                    self.min
                )));
            }
            if end > self.max {
                return Err(ScheduleError(format!(
                    "end of range ({end}) above maximum ({}): {part}",
                    self.max
                )));
            }
            if start > end {
                return Err(ScheduleError(format!(
                    "beginning of range ({start}) beyond end of range ({end}): {part}"
                )));
            }
            let step = step.unwrap_or(1);
            if step == 0 {
                return Err(ScheduleError(format!(
                    "step of range should be a positive number: {part}"
                )));
            }
            star |= whole && step == 1;
            bits |= (start..=end)
                .step_by(step as usize)
                .fold(0u64, |set, value| set | (1 << value));
        }
        Ok((bits, star))
    }
}

impl Schedule {
    /// Parses `*/5 * * * *`, `0 2 * * mon-fri`, `@daily`, `@every 90s`...
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ScheduleError("empty spec string".to_string()));
        }
        if text.starts_with("TZ=") || text.starts_with("CRON_TZ=") {
            return Err(ScheduleError(
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead".to_string(),
            ));
        }
        if let Some(interval) = text.strip_prefix("@every ") {
            let duration = parse_duration(interval).map_err(|_| {
                ScheduleError(format!(
                    "failed to parse duration {text}: time: invalid duration \"{interval}\""
                ))
            })?;
            if duration < Duration::from_secs(1) {
                return Err(ScheduleError(format!(
                    "failed to parse duration {text}: the interval is shorter than a second"
                )));
            }
            return Ok(Schedule::Every(Duration::from_secs(duration.as_secs())));
        }
        let expanded = match text {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other if other.starts_with('@') => {
                return Err(ScheduleError(format!("unrecognized descriptor: {other}")));
            }
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(ScheduleError(format!(
                "expected exactly 5 fields, found {}: [{}]",
                fields.len(),
                fields.join(" ")
            )));
        }
        let (minutes, _) = MINUTE.parse(fields[0])?;
        let (hours, _) = HOUR.parse(fields[1])?;
        let (days_of_month, dom_star) = DAY_OF_MONTH.parse(fields[2])?;
        let (months, _) = MONTH.parse(fields[3])?;
        let (days_of_week, dow_star) = DAY_OF_WEEK.parse(fields[4])?;
        Ok(Schedule::Fields {
            minutes,
            hours,
            days_of_month,
            months,
            days_of_week,
            day_star: dom_star || dow_star,
        })
    }

    /// The first run strictly after `after` (whole minutes for cron fields),
    /// or None when there is none within [`SEARCH_YEARS`].
    pub fn next_after(&self, after: SystemTime) -> Option<SystemTime> {
        let (minutes, hours, days_of_month, months, days_of_week, day_star) = match self {
            Schedule::Every(interval) => {
                return Some(from_unix_seconds(
                    unix_seconds(after) + interval.as_secs() as i64,
                ));
            }
            Schedule::Fields {
                minutes,
                hours,
                days_of_month,
                months,
                days_of_week,
                day_star,
            } => (
                *minutes,
                *hours,
                *days_of_month,
                *months,
                *days_of_week,
                *day_star,
            ),
        };
        let start = unix_seconds(after).div_euclid(60) * 60 + 60;
        let first_day = start.div_euclid(86_400);
        let mut first_minute_of_day = (start.rem_euclid(86_400) / 60) as u32;
        for day in first_day..first_day + SEARCH_YEARS * 366 {
            let date = civil(from_unix_seconds(day * 86_400));
            let month_ok = months & (1 << date.month) != 0;
            let dom_ok = days_of_month & (1 << date.day) != 0;
            let dow_ok = days_of_week & (1 << date.weekday) != 0;
            let day_ok = if day_star {
                dom_ok && dow_ok
            } else {
                dom_ok || dow_ok
            };
            if month_ok && day_ok {
                let found = (first_minute_of_day..24 * 60).find(|minute_of_day| {
                    hours & (1 << (minute_of_day / 60)) != 0
                        && minutes & (1 << (minute_of_day % 60)) != 0
                });
                if let Some(minute_of_day) = found {
                    return Some(from_unix_seconds(
                        day * 86_400 + i64::from(minute_of_day) * 60,
                    ));
                }
            }
            first_minute_of_day = 0;
        }
        None
    }

    /// The first run strictly after `after` with the fields read as wall
    /// clock time in `zone` (a CronJob's `spec.timeZone`).
    pub fn next_after_in(&self, after: SystemTime, zone: &Zone) -> Option<SystemTime> {
        if let Schedule::Every(_) = self {
            return self.next_after(after);
        }
        let after_seconds = unix_seconds(after);
        let mut cursor =
            from_unix_seconds(after_seconds + i64::from(zone.offset_at(after_seconds)));
        // A wall-clock time repeated by a DST change can map before `after`:
        // the next one then does.
        for _ in 0..MAX_ZONE_STEPS {
            let local = self.next_after(cursor)?;
            let instant = zone.to_utc(unix_seconds(local));
            if instant > after_seconds {
                return Some(from_unix_seconds(instant));
            }
            cursor = local;
        }
        None
    }

    /// The latest run in `(since, now]` (in `zone`) and how many runs fell
    /// in that interval (counted up to just past [`TOO_MANY_MISSED`]), or
    /// None when no run is due.
    pub fn latest_due(
        &self,
        since: SystemTime,
        now: SystemTime,
        zone: &Zone,
    ) -> Option<(SystemTime, usize)> {
        let mut cursor = since;
        let mut latest = None;
        let mut count = 0;
        while let Some(next) = self.next_after_in(cursor, zone).filter(|next| *next <= now) {
            latest = Some(next);
            count += 1;
            cursor = next;
            if count > TOO_MANY_MISSED {
                return self
                    .latest_in_window(next, now, zone)
                    .map(|time| (time, count));
            }
        }
        latest.map(|time| (time, count))
    }

    /// The latest run in `(from, now]`, searched in windows before `now`
    /// that double until one holds a run, so a long gap costs a few short
    /// scans instead of a step per missed run.
    fn latest_in_window(
        &self,
        from: SystemTime,
        now: SystemTime,
        zone: &Zone,
    ) -> Option<SystemTime> {
        let mut window = Duration::from_secs(60);
        loop {
            let start = now
                .checked_sub(window)
                .map_or(from, |start| start.max(from));
            let mut cursor = start;
            let mut latest = None;
            while let Some(next) = self.next_after_in(cursor, zone).filter(|next| *next <= now) {
                latest = Some(next);
                cursor = next;
            }
            if latest.is_some() || start == from {
                return latest.or(Some(from));
            }
            window *= 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{days_from_civil, rfc3339};

    /// A UTC date and time of day.
    fn date(year: i64, month: u32, day: u32, hour: i64, minute: i64) -> SystemTime {
        from_unix_seconds(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60)
    }

    fn next(schedule: &str, after: SystemTime) -> String {
        rfc3339(
            Schedule::parse(schedule)
                .expect("valid schedule")
                .next_after(after)
                .expect("a next run"),
        )
    }

    #[test]
    fn finds_the_next_run_of_common_schedules() {
        // Wednesday 2026-11-25 14:47.
        let now = date(2026, 11, 25, 14, 47);
        assert_eq!(next("*/5 * * * *", now), "2026-11-25T14:50:00Z");
        assert_eq!(next("* * * * *", now), "2026-11-25T14:48:00Z");
        assert_eq!(next("30 2 * * *", now), "2026-11-26T02:30:00Z");
        assert_eq!(next("0 9 * * mon-fri", now), "2026-11-26T09:00:00Z");
        assert_eq!(next("0 9 * * SAT", now), "2026-11-28T09:00:00Z");
        assert_eq!(next("@hourly", now), "2026-11-25T15:00:00Z");
        assert_eq!(next("@weekly", now), "2026-11-29T00:00:00Z");
        assert_eq!(next("@monthly", now), "2026-12-01T00:00:00Z");
        assert_eq!(next("@yearly", now), "2027-01-01T00:00:00Z");
        assert_eq!(next("0 0 29 2 *", now), "2028-02-29T00:00:00Z");
        assert_eq!(next("15,45 */6 * jan,nov *", now), "2026-11-25T18:15:00Z");
        assert_eq!(next("@every 90s", now), "2026-11-25T14:48:30Z");
        // A run exactly now is not "next": runs are strictly after.
        assert_eq!(next("47 14 * * *", now), "2026-11-26T14:47:00Z");
    }

    #[test]
    fn day_of_month_and_day_of_week_are_either_unless_one_is_a_star() {
        let now = date(2026, 11, 25, 14, 47);
        // The 1st of the month or any Friday, whichever comes first.
        assert_eq!(next("0 0 1 * 5", now), "2026-11-27T00:00:00Z");
        // Fridays only (the day of month is a star).
        assert_eq!(next("0 0 * * 5", now), "2026-11-27T00:00:00Z");
        assert_eq!(next("0 0 1 * *", now), "2026-12-01T00:00:00Z");
    }

    #[test]
    fn refuses_what_the_api_server_refuses() {
        let refusal = |text: &str| {
            Schedule::parse(text)
                .expect_err("invalid schedule")
                .to_string()
        };
        assert_eq!(refusal("bad"), "expected exactly 5 fields, found 1: [bad]");
        assert_eq!(
            refusal("60 * * * *"),
            "end of range (60) above maximum (59): 60"
        );
        assert_eq!(
            refusal("* * * * 7"),
            "end of range (7) above maximum (6): 7"
        );
        assert_eq!(
            refusal("0 0 0 * *"),
            "beginning of range (0) below minimum (1): 0"
        );
        assert!(refusal("x * * * *").starts_with("failed to parse int from x"));
        assert_eq!(refusal(""), "empty spec string");
        assert_eq!(refusal("@sometimes"), "unrecognized descriptor: @sometimes");
        assert!(refusal("CRON_TZ=UTC 0 * * * *").contains("use timeZone field"));
        assert!(refusal("*/0 * * * *").contains("positive"));
    }

    #[test]
    fn a_zoned_schedule_runs_at_the_local_wall_clock_time() {
        // A zone two hours east of UTC, with no transitions.
        let mut tzif = b"TZif\0".to_vec();
        tzif.extend([0; 15]);
        for count in [0u32, 0, 0, 0, 1, 4] {
            tzif.extend(count.to_be_bytes());
        }
        tzif.extend(7200i32.to_be_bytes());
        tzif.extend([0, 0]);
        tzif.extend(b"EET\0");
        let zone = Zone::parse(&tzif).expect("valid");
        let schedule = Schedule::parse("30 2 * * *").expect("valid");
        let next = schedule
            .next_after_in(date(2026, 11, 25, 0, 0), &zone)
            .expect("a run");
        assert_eq!(rfc3339(next), "2026-11-25T00:30:00Z");
        let utc = schedule
            .next_after_in(date(2026, 11, 25, 0, 0), &Zone::utc())
            .expect("a run");
        assert_eq!(rfc3339(utc), "2026-11-25T02:30:00Z");
    }

    #[test]
    fn the_latest_due_run_and_the_missed_count() {
        let schedule = Schedule::parse("*/5 * * * *").expect("valid");
        let since = date(2026, 11, 25, 14, 0);
        let (latest, count) = schedule
            .latest_due(since, date(2026, 11, 25, 14, 47), &Zone::utc())
            .expect("due");
        assert_eq!(rfc3339(latest), "2026-11-25T14:45:00Z");
        assert_eq!(count, 9);
        assert_eq!(
            schedule.latest_due(since, date(2026, 11, 25, 14, 4), &Zone::utc()),
            None
        );

        // Twelve days of a minutely schedule: far more than the missed limit,
        // and still the exact latest run.
        let minutely = Schedule::parse("* * * * *").expect("valid");
        let (latest, count) = minutely
            .latest_due(
                date(2026, 11, 13, 0, 0),
                date(2026, 11, 25, 14, 47),
                &Zone::utc(),
            )
            .expect("due");
        assert_eq!(rfc3339(latest), "2026-11-25T14:47:00Z");
        assert!(count > TOO_MANY_MISSED);

        // Weekdays at nine, looked at on a Sunday after a long gap: Friday's run.
        let weekdays = Schedule::parse("0 9 * * 1-5").expect("valid");
        let (latest, _) = weekdays
            .latest_due(
                date(2026, 1, 1, 0, 0),
                date(2026, 11, 29, 12, 0),
                &Zone::utc(),
            )
            .expect("due");
        assert_eq!(rfc3339(latest), "2026-11-27T09:00:00Z");
    }
}
