//! Plan hashes and approval grants: the mechanical link between a human's
//! "yes" and the one tool call it allows.
//!
//! A plan is bound to its exact tool and arguments by [`PlanHash`], a SHA-256
//! over the `canonical-json` encoding of `{"arguments","tool"}` (object keys
//! sorted at every depth, so the hash does not depend on map ordering). An approval becomes an
//! [`ApprovalGrant`]: the plan id, the plan hash, the approver and an expiry,
//! authenticated with HMAC-SHA-256 under a per-process [`GrantKey`], so a grant
//! cannot be forged or altered by whoever carries it. The gateway redeems a
//! grant with a [`GrantVerifier`], which checks the MAC, the expiry and that the
//! call it comes with is exactly the approved one, and remembers it as spent so
//! it is single-use.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// SHA-256 over the canonical encoding of a tool name and its arguments.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlanHash([u8; 32]);

impl PlanHash {
    /// The hash of exactly this tool call.
    pub fn of_call(tool: &str, arguments: &Map<String, Value>) -> Self {
        let mut canonical = String::with_capacity(128);
        write_call(tool, arguments, &mut canonical);
        Self(Sha256::digest(canonical.as_bytes()).into())
    }

    /// The hash of a plan that makes several calls, in order (a debug pod's
    /// run, its test command and its removal): what the approver names. A
    /// plan of one call hashes exactly as that call, so for the common case
    /// the approver's hash and the grant's are the same value.
    pub fn of_calls<'a>(
        calls: impl IntoIterator<Item = (&'a str, &'a Map<String, Value>)>,
    ) -> Self {
        let calls: Vec<(&str, &Map<String, Value>)> = calls.into_iter().collect();
        if let [(tool, arguments)] = calls.as_slice() {
            return Self::of_call(tool, arguments);
        }
        let mut canonical = String::with_capacity(256);
        canonical.push_str("{\"calls\":[");
        for (index, (tool, arguments)) in calls.iter().enumerate() {
            if index > 0 {
                canonical.push(',');
            }
            write_call(tool, arguments, &mut canonical);
        }
        canonical.push_str("]}");
        Self(Sha256::digest(canonical.as_bytes()).into())
    }

    /// The bytes of the hash.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// A call as the canonical encoding of `{"arguments": …, "tool": …}` (keys
/// in sorted order), written without first copying the arguments into a value.
fn write_call(tool: &str, arguments: &Map<String, Value>, out: &mut String) {
    out.push_str("{\"arguments\":");
    canonical_json::write_object(arguments, out);
    out.push_str(",\"tool\":");
    canonical_json::write_string(tool, out);
    out.push('}');
}

impl fmt::Display for PlanHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PlanHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlanHash({self})")
    }
}

/// A plan hash given as text was not 64 hexadecimal digits.
#[derive(Debug, thiserror::Error)]
#[error("a plan hash is 64 hexadecimal digits, got {0:?}")]
pub struct InvalidPlanHash(String);

impl FromStr for PlanHash {
    type Err = InvalidPlanHash;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes)
            .map_err(|_| InvalidPlanHash(text.to_owned()))?;
        Ok(Self(bytes))
    }
}

impl Serialize for PlanHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PlanHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

type HmacSha256 = Hmac<Sha256>;

/// The per-process secret that authenticates grants. Whoever holds it can
/// issue grants, so only the approval side and the gateway's verifier get it.
#[derive(Clone)]
pub struct GrantKey(Arc<[u8; 32]>);

impl fmt::Debug for GrantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GrantKey(<secret>)")
    }
}

/// The operating system could not provide randomness for a new key.
#[derive(Debug, thiserror::Error)]
#[error("no randomness for a grant key: {0}")]
pub struct KeyGenerationError(String);

impl GrantKey {
    /// A fresh random key. Grants issued under it die with the process, which
    /// is intended: an approval is redeemed right after it is given.
    pub fn generate() -> Result<Self, KeyGenerationError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|error| KeyGenerationError(error.to_string()))?;
        Ok(Self(Arc::new(bytes)))
    }

    /// Issues a grant for exactly `plan_hash`, valid for `ttl` from `now`.
    pub fn issue(
        &self,
        plan_id: &str,
        plan_hash: PlanHash,
        approver: &str,
        now: SystemTime,
        ttl: Duration,
    ) -> ApprovalGrant {
        let expires_at_unix_ms = unix_millis(now).saturating_add(duration_millis(ttl));
        let mac = self.mac(plan_id, &plan_hash, approver, expires_at_unix_ms);
        ApprovalGrant {
            plan_id: plan_id.to_owned(),
            plan_hash,
            approver: approver.to_owned(),
            expires_at_unix_ms,
            mac: hex::encode(mac),
        }
    }

    fn mac(&self, plan_id: &str, plan_hash: &PlanHash, approver: &str, expires: u64) -> [u8; 32] {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(self.0.as_slice())
            .expect("HMAC takes a key of any length");
        // Length-prefix the variable fields so that no two different grants
        // share a MAC input.
        for field in [plan_id.as_bytes(), approver.as_bytes()] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        mac.update(plan_hash.as_bytes());
        mac.update(&expires.to_be_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// A human's approval of one plan, carried with the tool call it allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalGrant {
    /// The plan the human approved.
    pub plan_id: String,
    /// The exact tool call the plan will make.
    pub plan_hash: PlanHash,
    /// Who approved it, for the operations log.
    pub approver: String,
    /// After this instant (milliseconds since the Unix epoch) the grant is void.
    pub expires_at_unix_ms: u64,
    /// HMAC-SHA-256 of the fields above under the process's [`GrantKey`].
    mac: String,
}

/// Why the backstop refused a grant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantRefusal {
    /// The grant was not issued under this process's key, or was altered.
    #[error("approval grant for plan {plan_id} is not authentic")]
    NotAuthentic {
        /// The plan the grant claims.
        plan_id: String,
    },
    /// The grant is for another tool call than the one it came with.
    #[error("approval grant for plan {plan_id} covers call {approved} but the call is {attempted}")]
    DifferentCall {
        /// The plan the grant is for.
        plan_id: String,
        /// The hash the human approved.
        approved: PlanHash,
        /// The hash of the call that was attempted.
        attempted: PlanHash,
    },
    /// The grant's time ran out.
    #[error("approval grant for plan {plan_id} expired")]
    Expired {
        /// The plan the grant is for.
        plan_id: String,
    },
    /// The grant has been redeemed before.
    #[error("approval grant for plan {plan_id} was already used")]
    AlreadyUsed {
        /// The plan the grant is for.
        plan_id: String,
    },
}

/// Redeems grants at the gateway: each grant at most once, only for the exact
/// call it was issued for, only before it expires.
#[derive(Debug)]
pub struct GrantVerifier {
    /// The key grants must be authenticated under.
    key: GrantKey,
    /// Redeemed grants (by plan id) and when they expire; an entry can be
    /// forgotten once expired, since an expired grant is refused anyway.
    spent: Mutex<HashMap<String, u64>>,
}

impl GrantVerifier {
    /// A verifier for grants issued under `key`.
    pub fn new(key: GrantKey) -> Self {
        Self {
            key,
            spent: Mutex::new(HashMap::new()),
        }
    }

    /// Checks `grant` against the call `tool(arguments)` at `now` and, if it
    /// holds, marks it spent so that no second call can use it.
    pub fn redeem(
        &self,
        grant: &ApprovalGrant,
        tool: &str,
        arguments: &Map<String, Value>,
        now: SystemTime,
    ) -> Result<(), GrantRefusal> {
        let expected = self.key.mac(
            &grant.plan_id,
            &grant.plan_hash,
            &grant.approver,
            grant.expires_at_unix_ms,
        );
        let authentic = hex::decode(&grant.mac)
            .ok()
            .is_some_and(|given| constant_time_eq(&given, &expected));
        if !authentic {
            return Err(GrantRefusal::NotAuthentic {
                plan_id: grant.plan_id.clone(),
            });
        }
        let attempted = PlanHash::of_call(tool, arguments);
        if attempted != grant.plan_hash {
            return Err(GrantRefusal::DifferentCall {
                plan_id: grant.plan_id.clone(),
                approved: grant.plan_hash,
                attempted,
            });
        }
        let now_ms = unix_millis(now);
        if now_ms >= grant.expires_at_unix_ms {
            return Err(GrantRefusal::Expired {
                plan_id: grant.plan_id.clone(),
            });
        }
        let mut spent = self
            .spent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        spent.retain(|_, expires| *expires > now_ms);
        if spent.contains_key(&grant.plan_id) {
            return Err(GrantRefusal::AlreadyUsed {
                plan_id: grant.plan_id.clone(),
            });
        }
        spent.insert(grant.plan_id.clone(), grant.expires_at_unix_ms);
        Ok(())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn unix_millis(at: SystemTime) -> u64 {
    duration_millis(at.duration_since(UNIX_EPOCH).unwrap_or_default())
}

pub(crate) fn duration_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const TTL: Duration = Duration::from_secs(300);

    fn args(value: Value) -> Map<String, Value> {
        value
            .as_object()
            .expect("test arguments are an object")
            .clone()
    }

    fn scale_nginx(replicas: u64) -> Map<String, Value> {
        args(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "nginx",
                    "namespace": "staging", "scale": replicas}),
        )
    }

    fn verifier() -> (GrantKey, GrantVerifier) {
        let key = GrantKey::generate().expect("randomness");
        (key.clone(), GrantVerifier::new(key))
    }

    #[test]
    fn plan_hash_ignores_key_order_and_sees_every_value() {
        let a = PlanHash::of_call("t", &args(json!({"a": 1, "b": {"x": [1, 2], "y": "z"}})));
        let b = PlanHash::of_call("t", &args(json!({"b": {"y": "z", "x": [1, 2]}, "a": 1})));
        assert_eq!(a, b);
        let c = PlanHash::of_call("t", &args(json!({"a": 1, "b": {"x": [2, 1], "y": "z"}})));
        assert_ne!(a, c);
        assert_ne!(
            a,
            PlanHash::of_call("u", &args(json!({"a": 1, "b": {"x": [1, 2], "y": "z"}})))
        );
    }

    #[test]
    fn plan_hash_round_trips_through_text() {
        let hash = PlanHash::of_call("resources_scale", &scale_nginx(5));
        let text = hash.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text.parse::<PlanHash>().expect("valid"), hash);
        assert!("abc".parse::<PlanHash>().is_err());
        let json = serde_json::to_string(&hash).expect("serializes");
        assert_eq!(
            serde_json::from_str::<PlanHash>(&json).expect("parses"),
            hash
        );
    }

    #[test]
    fn a_grant_allows_exactly_its_call_once() {
        let (key, verifier) = verifier();
        let now = SystemTime::now();
        let hash = PlanHash::of_call("resources_scale", &scale_nginx(5));
        let grant = key.issue("p1", hash, "alice", now, TTL);
        assert_eq!(
            verifier.redeem(&grant, "resources_scale", &scale_nginx(6), now),
            Err(GrantRefusal::DifferentCall {
                plan_id: "p1".into(),
                approved: hash,
                attempted: PlanHash::of_call("resources_scale", &scale_nginx(6)),
            })
        );
        assert_eq!(
            verifier.redeem(&grant, "resources_scale", &scale_nginx(5), now),
            Ok(())
        );
        assert_eq!(
            verifier.redeem(&grant, "resources_scale", &scale_nginx(5), now),
            Err(GrantRefusal::AlreadyUsed {
                plan_id: "p1".into()
            })
        );
    }

    #[test]
    fn expired_grants_are_refused() {
        let (key, verifier) = verifier();
        let issued = SystemTime::now();
        let grant = key.issue(
            "p1",
            PlanHash::of_call("t", &Map::new()),
            "alice",
            issued,
            TTL,
        );
        assert_eq!(
            verifier.redeem(&grant, "t", &Map::new(), issued + TTL),
            Err(GrantRefusal::Expired {
                plan_id: "p1".into()
            })
        );
    }

    #[test]
    fn altered_or_foreign_grants_are_not_authentic() {
        let (key, verifier) = verifier();
        let now = SystemTime::now();
        let mut grant = key.issue("p1", PlanHash::of_call("t", &Map::new()), "alice", now, TTL);
        grant.expires_at_unix_ms += 1_000_000;
        assert!(matches!(
            verifier.redeem(&grant, "t", &Map::new(), now),
            Err(GrantRefusal::NotAuthentic { .. })
        ));
        let stranger = GrantKey::generate().expect("randomness");
        let foreign = stranger.issue("p2", PlanHash::of_call("t", &Map::new()), "eve", now, TTL);
        assert!(matches!(
            verifier.redeem(&foreign, "t", &Map::new(), now),
            Err(GrantRefusal::NotAuthentic { .. })
        ));
    }

    #[test]
    fn a_plan_of_one_call_hashes_as_the_call_and_order_matters_for_more() {
        let run = args(json!({"image": "busybox", "name": "dbg"}));
        let delete = args(json!({"name": "dbg"}));
        assert_eq!(
            PlanHash::of_calls([("pods_run", &run)]),
            PlanHash::of_call("pods_run", &run)
        );
        let forward = PlanHash::of_calls([("pods_run", &run), ("pods_delete", &delete)]);
        let backward = PlanHash::of_calls([("pods_delete", &delete), ("pods_run", &run)]);
        assert_ne!(forward, backward);
        assert_ne!(forward, PlanHash::of_call("pods_run", &run));
    }

    /// Plan hashes are stored in `pending-approvals.json`, in the operations
    /// log and in upstream PLAN-LOCKED hand-offs: the encoding may never
    /// change. These values were computed by the encoding as first released.
    #[test]
    fn plan_hashes_are_pinned() {
        let arguments = args(json!({
            "namespace": "shop", "name": "web", "scale": 3,
            "labels": {"z": "é\"\n", "a": [1, 2.5, -7, null, true, {"y": 1, "b": "</"}]}
        }));
        assert_eq!(
            PlanHash::of_call("resources_scale", &arguments).to_string(),
            "6f1f773e2521c4fbadd1ad3d04e5efaa900f061fa34e66f6218f947f9fcc1659"
        );
        let run = args(json!({"image": "busybox", "name": "dbg"}));
        let delete = args(json!({"name": "dbg"}));
        assert_eq!(
            PlanHash::of_calls([("pods_run", &run), ("pods_delete", &delete)]).to_string(),
            "201bfef68d83eb55de7095ad21b2b9b8460eb8de462a9c339a3487c0af581f8a"
        );
    }

    proptest! {
        #[test]
        fn a_grant_never_redeems_for_other_arguments(replicas in 0u64..100, other in 0u64..100) {
            let (key, verifier) = verifier();
            let now = SystemTime::now();
            let grant = key.issue("p", PlanHash::of_call("resources_scale", &scale_nginx(replicas)), "a", now, TTL);
            let outcome = verifier.redeem(&grant, "resources_scale", &scale_nginx(other), now);
            prop_assert_eq!(outcome.is_ok(), replicas == other);
        }
    }
}
