//! Event expiry. The API server keeps an Event only for `--event-ttl` (one
//! hour by default) after it was last written, so a cluster's events tell
//! what happened lately: a cluster that has run for weeks shows no event of
//! its first day. The simulator replays a scenario's history with the
//! times it happened at, so an event last written longer ago than the TTL
//! is one a real cluster would already have dropped: it is never recorded,
//! and one that ages past the TTL is deleted.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::clock::parse_rfc3339;

/// The API server's default `--event-ttl`.
pub const DEFAULT_EVENT_TTL: Duration = Duration::from_secs(3600);

/// When `event` was last written: the latest of its creation, its
/// `lastTimestamp`, its `eventTime` and its series' `lastObservedTime`
/// (a repeat updates the event, and an update renews its lease).
pub fn last_written(event: &Value) -> Option<SystemTime> {
    [
        "/metadata/creationTimestamp",
        "/lastTimestamp",
        "/eventTime",
        "/series/lastObservedTime",
    ]
    .iter()
    .filter_map(|pointer| event.pointer(pointer).and_then(Value::as_str))
    .filter_map(parse_rfc3339)
    .max()
}

/// Whether something last written at `written` is past `ttl` at `now`.
pub fn is_past(written: SystemTime, now: SystemTime, ttl: Duration) -> bool {
    now.duration_since(written).is_ok_and(|age| age > ttl)
}

/// `(namespace, name)` of each of `events` past `ttl` at `now`; an event
/// with no readable time is kept.
pub fn expired(events: &[Value], now: SystemTime, ttl: Duration) -> Vec<(String, String)> {
    events
        .iter()
        .filter(|event| last_written(event).is_some_and(|written| is_past(written, now, ttl)))
        .filter_map(|event| {
            let metadata = event.get("metadata")?;
            Some((
                metadata.get("namespace")?.as_str()?.to_owned(),
                metadata.get("name")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::rfc3339;
    use serde_json::json;

    fn event(name: &str, created: SystemTime, last: SystemTime) -> Value {
        json!({"apiVersion": "v1", "kind": "Event",
               "metadata": {"name": name, "namespace": "shop", "creationTimestamp": rfc3339(created)},
               "lastTimestamp": rfc3339(last)})
    }

    #[test]
    fn an_event_expires_a_ttl_after_its_last_write() {
        let now = SystemTime::now();
        let hours = |count: u64| now - Duration::from_secs(count * 3600);
        let events = [
            // Happened twelve days ago: gone.
            event("old", hours(12 * 24), hours(12 * 24)),
            // First seen long ago, repeated a minute ago: kept.
            event("repeating", hours(30), now - Duration::from_secs(60)),
            // Written now about something long past (a client's event): kept.
            event("reported", now, hours(30)),
        ];
        assert_eq!(
            expired(&events, now, DEFAULT_EVENT_TTL),
            [("shop".to_owned(), "old".to_owned())]
        );
        assert_eq!(
            expired(&events, now, Duration::from_secs(30)).len(),
            2,
            "a shorter TTL drops the repeat a minute old too"
        );
    }
}
