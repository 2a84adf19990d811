//! Stable, deterministic identifiers derived from content: container IDs,
//! image digests, `pod-template-hash` values and generated name suffixes.
//!
//! Deterministic on purpose: the same scenario gives the same pod names and
//! IDs on every run, so demos and tests are reproducible, while the values
//! still look like what a real cluster shows.

/// The alphabet Kubernetes uses for generated names and `pod-template-hash`
/// (`k8s.io/apimachinery/pkg/util/rand.SafeEncodeString`): no vowels, no
/// look-alike characters, so it never spells words.
const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// 64-bit FNV-1a over the parts (separated so that ("ab","c") != ("a","bc")), seeded.
fn fnv1a(seed: u64, parts: &[&str]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ seed.wrapping_mul(PRIME);
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    // A final avalanche so that nearby inputs differ in every position.
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^ (hash >> 33)
}

/// `length` lowercase hex digits derived from the parts (e.g. 64 for a container ID).
pub fn hex_digest(parts: &[&str], length: usize) -> String {
    let mut digest = String::with_capacity(length + 16);
    let mut seed = 0_u64;
    while digest.len() < length {
        digest.push_str(&format!("{:016x}", fnv1a(seed, parts)));
        seed += 1;
    }
    digest.truncate(length);
    digest
}

/// `length` characters of the Kubernetes safe alphabet derived from the parts:
/// `pod-template-hash` (10) and generated name suffixes (5).
pub fn safe_suffix(parts: &[&str], length: usize) -> String {
    let mut suffix = String::with_capacity(length);
    let mut seed = 0_u64;
    while suffix.len() < length {
        let mut bits = fnv1a(seed, parts);
        // 27 letters: 12 characters of 5 bits each fit in 64 bits with little bias.
        for _ in 0..12 {
            if suffix.len() == length {
                break;
            }
            suffix.push(char::from(
                SAFE_ALPHABET[(bits % SAFE_ALPHABET.len() as u64) as usize],
            ));
            bits /= SAFE_ALPHABET.len() as u64;
        }
        seed += 1;
    }
    suffix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_stable_and_distinct() {
        let id = hex_digest(&["uid-1", "app", "0"], 64);
        assert_eq!(id.len(), 64);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(id, hex_digest(&["uid-1", "app", "0"], 64));
        assert_ne!(id, hex_digest(&["uid-1", "app", "1"], 64));
        assert_ne!(hex_digest(&["ab", "c"], 16), hex_digest(&["a", "bc"], 16));
    }

    #[test]
    fn suffixes_use_the_safe_alphabet() {
        let suffix = safe_suffix(&["web-7d9f8b6c5", "3"], 5);
        assert_eq!(suffix.len(), 5);
        assert!(suffix.bytes().all(|b| SAFE_ALPHABET.contains(&b)));
        assert_eq!(safe_suffix(&["template"], 10).len(), 10);
        assert_ne!(safe_suffix(&["a"], 10), safe_suffix(&["b"], 10));
    }
}
