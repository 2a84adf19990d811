//! Kubernetes resource quantities (`250m`, `1.5`, `128Mi`, `2Gi`, `1e3`).
//!
//! The simulator needs exact arithmetic on them (summing pod requests against a
//! node's allocatable, turning a `memory-usage` annotation into `10240Ki` for the
//! metrics API), so a quantity is held as an integer count of nano-units rather
//! than a float: `1` is 1e9, `250m` is 2.5e8, `1Ki` is 1024e9.

use std::fmt;

/// Nano-units in one whole unit.
const NANOS_PER_UNIT: i128 = 1_000_000_000;

/// A parsed quantity, exact to the nano-unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Quantity {
    /// The value times 1e9.
    nanos: i128,
}

/// Why a string is not a quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a Kubernetes quantity (expected e.g. 250m, 1.5, 128Mi, 2Gi)")]
pub struct QuantityError {
    /// The text that was refused.
    pub text: String,
}

impl Quantity {
    /// The zero quantity.
    pub const ZERO: Quantity = Quantity { nanos: 0 };

    /// A quantity of `millis` thousandths (CPU millicores).
    pub fn from_millis(millis: i128) -> Self {
        Quantity {
            nanos: millis * 1_000_000,
        }
    }

    /// A quantity of whole units (bytes for memory).
    pub fn from_units(units: i128) -> Self {
        Quantity {
            nanos: units * NANOS_PER_UNIT,
        }
    }

    /// Parses the Kubernetes quantity syntax: a decimal number, then an optional
    /// binary suffix (Ki..Ei), decimal suffix (n, u, m, k, M..E) or exponent.
    pub fn parse(text: &str) -> Result<Self, QuantityError> {
        let refuse = || QuantityError {
            text: text.to_string(),
        };
        let trimmed = text.trim();
        let (negative, body) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let number_end = body
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(body.len());
        let (number, suffix) = body.split_at(number_end);
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(refuse());
        }
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        // Exact decimal: mantissa / 10^scale.
        let digits = format!("{whole}{fraction}");
        if digits.len() > 30 {
            return Err(refuse());
        }
        let mantissa: i128 = digits.parse().map_err(|_| refuse())?;
        let scale = fraction.len() as u32;
        // The suffix as (numerator, denominator, extra power of ten).
        let (multiplier, power_of_ten): (i128, i32) = match suffix {
            "" => (1, 0),
            "n" => (1, -9),
            "u" => (1, -6),
            "m" => (1, -3),
            "k" => (1, 3),
            "M" => (1, 6),
            "G" => (1, 9),
            "T" => (1, 12),
            "P" => (1, 15),
            "E" => (1, 18),
            "Ki" => (1 << 10, 0),
            "Mi" => (1 << 20, 0),
            "Gi" => (1 << 30, 0),
            "Ti" => (1 << 40, 0),
            "Pi" => (1 << 50, 0),
            "Ei" => (1 << 60, 0),
            exponent if exponent.starts_with(['e', 'E']) => {
                let power: i32 = exponent[1..].parse().map_err(|_| refuse())?;
                if !(-9..=18).contains(&power) {
                    return Err(refuse());
                }
                (1, power)
            }
            _ => return Err(refuse()),
        };
        // nanos = mantissa * multiplier * 10^(9 + power_of_ten - scale)
        let exponent = 9 + power_of_ten - scale as i32;
        let scaled = mantissa.checked_mul(multiplier).ok_or_else(refuse)?;
        let nanos = if exponent >= 0 {
            scaled
                .checked_mul(10_i128.pow(exponent as u32))
                .ok_or_else(refuse)?
        } else {
            // Below a nano-unit: Kubernetes rounds up.
            let divisor = 10_i128.pow((-exponent) as u32);
            (scaled + divisor - 1) / divisor
        };
        Ok(Quantity {
            nanos: if negative { -nanos } else { nanos },
        })
    }

    /// The value in nano-units (the metrics API's CPU unit).
    pub fn nanos(self) -> i128 {
        self.nanos
    }

    /// The value in thousandths, rounded up (CPU millicores).
    pub fn millis(self) -> i128 {
        ceil_div(self.nanos, 1_000_000)
    }

    /// The value in whole units, rounded up (bytes for memory).
    pub fn units(self) -> i128 {
        ceil_div(self.nanos, NANOS_PER_UNIT)
    }

    /// CPU as the metrics API writes it: nanocores, `1500000n`.
    pub fn to_nanocores_string(self) -> String {
        format!("{}n", self.nanos)
    }

    /// Memory as the metrics API writes it: kibibytes, `10240Ki`.
    pub fn to_kibibytes_string(self) -> String {
        format!("{}Ki", ceil_div(self.units(), 1024))
    }

    /// CPU as people write it: `250m`, or whole cores when exact.
    pub fn to_cpu_string(self) -> String {
        let millis = self.millis();
        if millis % 1000 == 0 {
            format!("{}", millis / 1000)
        } else {
            format!("{millis}m")
        }
    }

    /// Memory as people write it: the largest binary suffix that is exact.
    pub fn to_memory_string(self) -> String {
        let bytes = self.units();
        for (suffix, size) in [("Gi", 1_i128 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
            if bytes != 0 && bytes % size == 0 {
                return format!("{}{suffix}", bytes / size);
            }
        }
        bytes.to_string()
    }
}

impl std::ops::Add for Quantity {
    type Output = Quantity;
    fn add(self, other: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos + other.nanos,
        }
    }
}

impl std::ops::Sub for Quantity {
    type Output = Quantity;
    fn sub(self, other: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos - other.nanos,
        }
    }
}

impl std::iter::Sum for Quantity {
    fn sum<I: Iterator<Item = Quantity>>(iter: I) -> Quantity {
        iter.fold(Quantity::ZERO, |total, next| total + next)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}n", self.nanos)
    }
}

fn ceil_div(value: i128, divisor: i128) -> i128 {
    if value >= 0 {
        (value + divisor - 1) / divisor
    } else {
        value / divisor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpu_and_memory_forms() {
        assert_eq!(Quantity::parse("250m").map(Quantity::millis), Ok(250));
        assert_eq!(Quantity::parse("1.5").map(Quantity::millis), Ok(1500));
        assert_eq!(Quantity::parse("2").map(Quantity::millis), Ok(2000));
        assert_eq!(Quantity::parse("100n").map(Quantity::nanos), Ok(100));
        assert_eq!(
            Quantity::parse("128Mi").map(Quantity::units),
            Ok(128 * 1024 * 1024)
        );
        assert_eq!(
            Quantity::parse("1.5Gi").map(Quantity::units),
            Ok(3 * 512 * 1024 * 1024)
        );
        assert_eq!(
            Quantity::parse("500M").map(Quantity::units),
            Ok(500_000_000)
        );
        assert_eq!(Quantity::parse("1e3").map(Quantity::units), Ok(1000));
        assert_eq!(Quantity::parse("12k").map(Quantity::units), Ok(12_000));
    }

    #[test]
    fn refuses_what_is_not_a_quantity() {
        for bad in ["", "abc", "12 Mi", "1.2.3", "5Xi", "m", "1e99", "."] {
            assert!(Quantity::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn formats_for_the_metrics_api_and_for_people() {
        let cpu = Quantity::parse("1500m").expect("valid");
        assert_eq!(cpu.to_nanocores_string(), "1500000000n");
        assert_eq!(cpu.to_cpu_string(), "1500m");
        assert_eq!(Quantity::parse("2").expect("valid").to_cpu_string(), "2");
        let memory = Quantity::parse("10Mi").expect("valid");
        assert_eq!(memory.to_kibibytes_string(), "10240Ki");
        assert_eq!(memory.to_memory_string(), "10Mi");
        assert_eq!(
            Quantity::parse("1536Mi").expect("valid").to_memory_string(),
            "1536Mi"
        );
    }

    #[test]
    fn sums_exactly() {
        let total: Quantity = ["100m", "250m", "0.65"]
            .iter()
            .map(|text| Quantity::parse(text).expect("valid"))
            .sum();
        assert_eq!(total.millis(), 1000);
    }
}
