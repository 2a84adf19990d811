//! Kubernetes resource quantities (`128Mi`, `1.5Gi`, `500m`, `1500000n`) as
//! plain numbers, and the rounding that turns "20% more" into a limit a human
//! would write.
//!
//! Memory is held in bytes and CPU in millicores: the playbooks only compare,
//! scale and print them, and these units are exact for every quantity a
//! manifest or the metrics API uses in practice.

use std::fmt;

/// A quantity string that is not a Kubernetes quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a Kubernetes quantity")]
pub struct QuantityError {
    /// The text as given.
    pub text: String,
}

const KI: f64 = 1024.0;

/// The suffixes of the quantity grammar with their multipliers.
const SUFFIXES: [(&str, f64); 13] = [
    ("Ki", KI),
    ("Mi", KI * KI),
    ("Gi", KI * KI * KI),
    ("Ti", KI * KI * KI * KI),
    ("Pi", KI * KI * KI * KI * KI),
    ("Ei", KI * KI * KI * KI * KI * KI),
    ("n", 1e-9),
    ("u", 1e-6),
    ("m", 1e-3),
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
];

/// Parses a quantity into its value in base units (bytes, cores).
fn parse_base(text: &str) -> Result<f64, QuantityError> {
    let trimmed = text.trim();
    let error = || QuantityError {
        text: text.to_string(),
    };
    let (number, multiplier) = SUFFIXES
        .iter()
        .find_map(|(suffix, multiplier)| {
            trimmed
                .strip_suffix(suffix)
                .map(|number| (number, *multiplier))
        })
        .unwrap_or((trimmed, 1.0));
    // A plain number may use an exponent (`1e3`); a suffixed one may not end in `e`.
    let value: f64 = number.parse().map_err(|_| error())?;
    if !value.is_finite() || value < 0.0 || number.is_empty() {
        return Err(error());
    }
    Ok(value * multiplier)
}

/// An amount of memory in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Memory(pub u64);

/// A mebibyte, the unit memory limits are usually written in.
const MIB: u64 = 1024 * 1024;
/// A gibibyte.
const GIB: u64 = 1024 * MIB;

impl Memory {
    /// Parses `128Mi`, `1G`, `134217728`, `10240Ki`.
    pub fn parse(text: &str) -> Result<Memory, QuantityError> {
        // Memory is whole bytes; a fractional byte count rounds up, as the API server does.
        parse_base(text).map(|bytes| Memory(bytes.ceil() as u64))
    }

    /// This amount grown by `percent` and rounded UP to a value a human would
    /// write as a limit: a multiple of the largest power-of-two mebibyte step
    /// no bigger than an eighth of the value (so 153.6Mi → 160Mi,
    /// 614.4Mi → 640Mi, 2457.6Mi → 2560Mi). Rounding up keeps the raise at
    /// least `percent`.
    pub fn raised_by_percent(self, percent: u64) -> Memory {
        let raised = self.0.saturating_mul(100 + percent).div_ceil(100);
        Memory(round_up_to_sensible_step(raised))
    }

    /// The amount as a person reads it: exact when it is whole gibibytes or
    /// mebibytes (`16Gi`, `640Mi`), else rounded to one decimal of a
    /// gibibyte from 1Gi up (`14.4Gi`, not the kubelet's `15150324Ki`) or
    /// to whole mebibytes from 1Mi up. For what people read; manifests and
    /// patches use the exact [`Display`](fmt::Display) form.
    pub fn readable(self) -> String {
        let bytes = self.0;
        if bytes == 0 || bytes.is_multiple_of(MIB) {
            self.to_string()
        } else if bytes >= GIB {
            format!("{:.1}Gi", bytes as f64 / GIB as f64)
        } else if bytes >= MIB {
            format!("{}Mi", (bytes as f64 / MIB as f64).round() as u64)
        } else {
            self.to_string()
        }
    }

    /// The percentage `self` is of `whole` (0 when `whole` is zero).
    pub fn percent_of(self, whole: Memory) -> u64 {
        if whole.0 == 0 {
            return 0;
        }
        ((u128::from(self.0) * 100) / u128::from(whole.0)) as u64
    }
}

/// Rounds bytes up to a multiple of a power-of-two MiB step of at most an
/// eighth of the value (at least 1Mi).
fn round_up_to_sensible_step(bytes: u64) -> u64 {
    let eighth = bytes / 8;
    let mut step = MIB;
    while step.saturating_mul(2) <= eighth {
        step *= 2;
    }
    bytes.div_ceil(step).saturating_mul(step)
}

impl fmt::Display for Memory {
    /// The shortest exact binary form: `2Gi`, `640Mi`, `1536Ki`, else bytes.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0;
        if bytes != 0 && bytes.is_multiple_of(GIB) {
            write!(formatter, "{}Gi", bytes / GIB)
        } else if bytes != 0 && bytes.is_multiple_of(MIB) {
            write!(formatter, "{}Mi", bytes / MIB)
        } else if bytes != 0 && bytes.is_multiple_of(1024) {
            write!(formatter, "{}Ki", bytes / 1024)
        } else {
            write!(formatter, "{bytes}")
        }
    }
}

/// An amount of CPU in millicores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Cpu(pub u64);

impl Cpu {
    /// Parses `500m`, `2`, `0.5`, `1500000n`.
    pub fn parse(text: &str) -> Result<Cpu, QuantityError> {
        parse_base(text).map(|cores| {
            // `410m` is 0.41 cores, which times 1000 is 410.00000000000006
            // in floating point: a whole millicore within rounding error
            // is that millicore; only a real fraction (`1500000n` is
            // 1.5m) rounds up.
            let millis = cores * 1000.0;
            let whole = millis.round();
            if (millis - whole).abs() < 1e-6 {
                Cpu(whole as u64)
            } else {
                Cpu(millis.ceil() as u64)
            }
        })
    }

    /// The percentage `self` is of `whole` (0 when `whole` is zero).
    pub fn percent_of(self, whole: Cpu) -> u64 {
        if whole.0 == 0 {
            return 0;
        }
        (u128::from(self.0) * 100 / u128::from(whole.0)) as u64
    }
}

impl fmt::Display for Cpu {
    /// Whole cores as `2`, anything else in millicores as `500m`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(1000) {
            write!(formatter, "{}", self.0 / 1000)
        } else {
            write!(formatter, "{}m", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_reads_as_people_write_it() {
        assert_eq!(
            Memory::parse("16Gi").map(Memory::readable),
            Ok("16Gi".into())
        );
        assert_eq!(
            Memory::parse("640Mi").map(Memory::readable),
            Ok("640Mi".into())
        );
        assert_eq!(
            Memory::parse("15150324Ki").map(Memory::readable),
            Ok("14.4Gi".into())
        );
        assert_eq!(
            Memory::parse("13540596Ki").map(Memory::readable),
            Ok("12.9Gi".into())
        );
        assert_eq!(
            Memory::parse("10300Ki").map(Memory::readable),
            Ok("10Mi".into())
        );
        assert_eq!(Memory(512).readable(), "512");
    }

    #[test]
    fn memory_parses_every_suffix_form() {
        assert_eq!(Memory::parse("128Mi"), Ok(Memory(128 * MIB)));
        assert_eq!(Memory::parse("1Gi"), Ok(Memory(GIB)));
        assert_eq!(Memory::parse("10240Ki"), Ok(Memory(10 * MIB)));
        assert_eq!(Memory::parse("500M"), Ok(Memory(500_000_000)));
        assert_eq!(Memory::parse("1.5Gi"), Ok(Memory(GIB + GIB / 2)));
        assert_eq!(Memory::parse("1e3"), Ok(Memory(1000)));
        assert_eq!(Memory::parse(" 64Mi "), Ok(Memory(64 * MIB)));
        assert!(Memory::parse("lots").is_err());
        assert!(Memory::parse("Mi").is_err());
        assert!(Memory::parse("-1Mi").is_err());
    }

    #[test]
    fn cpu_parses_cores_millicores_and_nanocores() {
        assert_eq!(Cpu::parse("500m"), Ok(Cpu(500)));
        assert_eq!(Cpu::parse("2"), Ok(Cpu(2000)));
        assert_eq!(Cpu::parse("0.25"), Ok(Cpu(250)));
        assert_eq!(Cpu::parse("1500000n"), Ok(Cpu(2)));
        // Millicores that are not exact in binary floating point stay exact.
        assert_eq!(Cpu::parse("410m"), Ok(Cpu(410)));
        assert_eq!(Cpu::parse("0.41"), Ok(Cpu(410)));
        assert_eq!(Cpu::parse("1215m"), Ok(Cpu(1215)));
        assert_eq!(Cpu(1500).to_string(), "1500m");
        assert_eq!(Cpu(3000).to_string(), "3");
    }

    #[test]
    fn a_twenty_percent_raise_rounds_up_to_a_sensible_limit() {
        let raise = |text: &str| {
            Memory::parse(text)
                .expect("a valid quantity")
                .raised_by_percent(20)
                .to_string()
        };
        assert_eq!(raise("128Mi"), "160Mi");
        assert_eq!(raise("256Mi"), "320Mi");
        assert_eq!(raise("512Mi"), "640Mi");
        assert_eq!(raise("1Gi"), "1280Mi");
        assert_eq!(raise("2Gi"), "2560Mi");
        assert_eq!(raise("100Mi"), "120Mi");
        assert_eq!(raise("10Mi"), "12Mi");
    }

    #[test]
    fn a_raise_is_never_below_the_asked_percentage() {
        for mebibytes in 1..4096u64 {
            let current = Memory(mebibytes * MIB);
            let raised = current.raised_by_percent(20);
            assert!(raised.0 * 100 >= current.0 * 120, "{current} → {raised}");
            // and never more than one step (an eighth) above the exact raise
            assert!(raised.0 <= current.0 * 120 / 100 + current.0 * 120 / 800 + MIB);
        }
    }

    #[test]
    fn memory_prints_in_the_largest_exact_binary_unit() {
        assert_eq!(Memory(2 * GIB).to_string(), "2Gi");
        assert_eq!(Memory(640 * MIB).to_string(), "640Mi");
        assert_eq!(Memory(1536 * 1024).to_string(), "1536Ki");
        assert_eq!(Memory(1000).to_string(), "1000");
        assert_eq!(Memory(255 * MIB).percent_of(Memory(256 * MIB)), 99);
    }
}
