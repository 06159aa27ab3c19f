//! Exact scores: points 0–5, weights, and the weighted mean as a fraction ("punteggio").
//!
//! Points and weights are decimals with at most six decimal places, held as integer millionths
//! ([`Points`], [`Weight`]); a criterion's score is a mean over evaluators and an application's
//! total is a weighted mean of criterion scores, both held as a reduced fraction of `u128`s
//! ([`Fraction`]) and compared by exact cross-multiplication in 256 bits. So `10/3` and `20/6` are
//! equal, two totals that are equal as numbers always tie, and no rounding ever decides a rank.
//! Floating point appears only when a total is *shown* ([`Fraction::to_f64`],
//! [`Fraction::to_it`]).

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Millionths in one unit: decimals have at most six places.
pub const SCALE: u64 = 1_000_000;

/// The highest score an evaluator can give a criterion.
pub const MAX_POINTS: u64 = 5;

/// The largest weight accepted, in units (weights are relative, so this is no real limit).
pub const MAX_WEIGHT: u64 = 1_000;

/// Why a number is not a valid score or weight.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// Not a decimal number (`3`, `3.5`, `0.25`), or negative.
    #[error("{0:?} is not a decimal number of at most 6 decimal places")]
    Decimal(String),
    /// A score outside 0–5.
    #[error("a score goes from 0 to 5, not {0}")]
    Points(String),
    /// A weight that is zero, or above 1000.
    #[error("a weight must be more than 0 and at most 1000, not {0}")]
    Weight(String),
    /// A criterion that nobody scored has no mean.
    #[error("a criterion that nobody scored has no mean")]
    Unscored,
    /// The exact arithmetic would need more than 128 bits (thousands of evaluators with
    /// different counts per criterion); never with realistic calls.
    #[error("the weighted mean is too large to compute exactly")]
    Overflow,
}

/// Parses a non-negative decimal written with a `.` (`"3"`, `"3.5"`, `"0.000001"`) into
/// millionths. More than six decimal places, signs, exponents and empty parts are refused.
///
/// ```
/// use skillhub_grants::score::parse_micros;
/// assert_eq!(parse_micros("2.5"), Some(2_500_000));
/// assert_eq!(parse_micros("0.1"), Some(100_000));
/// assert_eq!(parse_micros("1.0000001"), None);
/// assert_eq!(parse_micros("-1"), None);
/// ```
pub fn parse_micros(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || text.ends_with('.') {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 6 {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let mut micros = 0u64;
    for (i, b) in fraction.bytes().enumerate() {
        micros += u64::from(b - b'0') * 10u64.pow(5 - u32::try_from(i).ok()?);
    }
    whole.checked_mul(SCALE)?.checked_add(micros)
}

/// Millionths written as a decimal with `sep` and no trailing zeros: `2500000` → `2.5`.
fn micros_text(micros: u64, sep: char) -> String {
    let (whole, rest) = (micros / SCALE, micros % SCALE);
    if rest == 0 {
        return whole.to_string();
    }
    let fraction = format!("{rest:06}");
    format!("{whole}{sep}{}", fraction.trim_end_matches('0'))
}

/// A score from 0 to 5 with at most six decimal places ("punti"), exact.
///
/// ```
/// use skillhub_grants::score::Points;
/// assert_eq!(Points::whole(4)?.to_string(), "4");
/// assert_eq!(Points::parse("3.5")?.micros(), 3_500_000);
/// assert!(Points::parse("5.5").is_err());
/// # Ok::<(), skillhub_grants::score::ScoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(u32);

impl Points {
    /// Zero points.
    pub const ZERO: Points = Points(0);

    /// A whole score, 0–5.
    pub fn whole(points: u8) -> Result<Self, ScoreError> {
        Self::from_micros(u64::from(points) * SCALE)
    }

    /// A score in millionths, 0–5,000,000.
    pub fn from_micros(micros: u64) -> Result<Self, ScoreError> {
        if micros > MAX_POINTS * SCALE {
            return Err(ScoreError::Points(micros_text(micros, '.')));
        }
        u32::try_from(micros)
            .map(Points)
            .map_err(|_| ScoreError::Points(micros_text(micros, '.')))
    }

    /// Parses a decimal such as `4` or `3.25`.
    pub fn parse(text: &str) -> Result<Self, ScoreError> {
        let micros = parse_micros(text).ok_or_else(|| ScoreError::Decimal(text.to_owned()))?;
        Self::from_micros(micros)
    }

    /// The score in millionths.
    pub fn micros(self) -> u64 {
        u64::from(self.0)
    }

    /// The score as an exact fraction.
    pub fn to_fraction(self) -> Fraction {
        Fraction::new(u128::from(self.0), u128::from(SCALE)).unwrap_or(Fraction::ZERO)
    }

    /// Italian form: `3,5`.
    pub fn to_it(self) -> String {
        micros_text(self.micros(), ',')
    }
}

impl fmt::Display for Points {
    /// `3.5`, as JSON writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&micros_text(self.micros(), '.'))
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.micros() as f64 / SCALE as f64)
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let micros = decimal_micros(deserializer)?;
        Points::from_micros(micros).map_err(serde::de::Error::custom)
    }
}

/// A criterion's weight, more than 0 and at most 1000, with at most six decimal places
/// ("peso"). Weights are relative: only their ratios matter.
///
/// ```
/// use skillhub_grants::score::Weight;
/// assert_eq!(Weight::parse("2.0")?.to_string(), "2");
/// assert!(Weight::parse("0").is_err());
/// # Ok::<(), skillhub_grants::score::ScoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Weight(u64);

impl Weight {
    /// A weight in millionths, 1–1,000,000,000.
    pub fn from_micros(micros: u64) -> Result<Self, ScoreError> {
        if micros == 0 || micros > MAX_WEIGHT * SCALE {
            return Err(ScoreError::Weight(micros_text(micros, '.')));
        }
        Ok(Weight(micros))
    }

    /// A whole weight.
    pub fn whole(units: u32) -> Result<Self, ScoreError> {
        Self::from_micros(u64::from(units) * SCALE)
    }

    /// Parses a decimal such as `2` or `1.5`.
    pub fn parse(text: &str) -> Result<Self, ScoreError> {
        let micros = parse_micros(text).ok_or_else(|| ScoreError::Decimal(text.to_owned()))?;
        Self::from_micros(micros)
    }

    /// The weight in millionths.
    pub fn micros(self) -> u64 {
        self.0
    }

    /// Italian form: `1,5`.
    pub fn to_it(self) -> String {
        micros_text(self.0, ',')
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&micros_text(self.0, '.'))
    }
}

impl Serialize for Weight {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0 as f64 / SCALE as f64)
    }
}

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let micros = decimal_micros(deserializer)?;
        Weight::from_micros(micros).map_err(serde::de::Error::custom)
    }
}

/// Reads a JSON or TOML number as exact millionths: integers as they are, floats through their
/// shortest decimal form (`0.1` is read as one tenth, not as the nearest binary fraction).
fn decimal_micros<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    number_micros(&number).map_err(serde::de::Error::custom)
}

/// The millionths of a JSON number: integers as they are, floats through their shortest
/// decimal form (`0.1` is one tenth), at most 6 decimal places.
pub fn number_micros(number: &serde_json::Number) -> Result<u64, ScoreError> {
    let text = match (number.as_u64(), number.as_f64()) {
        (Some(n), _) => n.to_string(),
        // Rust writes a float in the shortest form that reads back the same, without exponent.
        (None, Some(f)) if f.is_finite() => format!("{f}"),
        _ => number.to_string(),
    };
    parse_micros(&text).ok_or(ScoreError::Decimal(text))
}

/// A non-negative exact fraction `num / den`, always reduced, `den > 0`.
///
/// Equality and order are exact (cross-multiplied in 256 bits), so fractions that are equal as
/// numbers are equal as values.
///
/// ```
/// use skillhub_grants::score::Fraction;
/// let a = Fraction::new(10, 3).unwrap();
/// let b = Fraction::new(20, 6).unwrap();
/// assert_eq!(a, b);
/// assert!(Fraction::new(7, 2).unwrap() > a);
/// assert_eq!(a.to_it(2), "3,33");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fraction {
    num: u128,
    den: u128,
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `a × b` as `(high, low)` 128-bit halves of the 256-bit product.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const LOW: u128 = u64::MAX as u128;
    let (a_hi, a_lo) = (a >> 64, a & LOW);
    let (b_hi, b_lo) = (b >> 64, b & LOW);
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    let cross = (lo_lo >> 64) + (hi_lo & LOW) + (lo_hi & LOW);
    let low = (cross << 64) | (lo_lo & LOW);
    let high = hi_hi + (hi_lo >> 64) + (lo_hi >> 64) + (cross >> 64);
    (high, low)
}

impl Fraction {
    /// Zero.
    pub const ZERO: Fraction = Fraction { num: 0, den: 1 };

    /// `num / den`, reduced; `None` when `den` is 0.
    pub fn new(num: u128, den: u128) -> Option<Self> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        Some(Fraction {
            num: num / g,
            den: den / g,
        })
    }

    /// A whole number.
    pub fn whole(n: u64) -> Self {
        Fraction {
            num: u128::from(n),
            den: 1,
        }
    }

    /// The numerator (reduced).
    pub fn numer(self) -> u128 {
        self.num
    }

    /// The denominator (reduced, never 0).
    pub fn denom(self) -> u128 {
        self.den
    }

    /// `self + other`, or `None` if it does not fit in 128 bits even when reduced.
    pub fn checked_add(self, other: Fraction) -> Option<Fraction> {
        let g = gcd(self.den, other.den);
        let (a, b) = (self.den / g, other.den / g);
        let num = self
            .num
            .checked_mul(b)?
            .checked_add(other.num.checked_mul(a)?)?;
        Fraction::new(num, self.den.checked_mul(b)?)
    }

    /// `self × n / d`, or `None` if `d` is 0 or it does not fit.
    pub fn checked_scale(self, n: u128, d: u128) -> Option<Fraction> {
        let g1 = gcd(n, self.den).max(1);
        let g2 = gcd(self.num, d).max(1);
        let num = (self.num / g2).checked_mul(n / g1)?;
        let den = (self.den / g1).checked_mul(d / g2)?;
        Fraction::new(num, den)
    }

    /// The nearest `f64` (for display and JSON; comparisons never use it).
    pub fn to_f64(self) -> f64 {
        let whole = self.num / self.den;
        let rest = self.num % self.den;
        whole as f64 + rest as f64 / self.den as f64
    }

    /// Rounded half up to `decimals` places (at most 9), in Italian form: `3,67`.
    pub fn to_it(self, decimals: u32) -> String {
        let decimals = decimals.min(9);
        let unit = 10u128.pow(decimals);
        // num × unit may overflow for huge fractions; fall back to floating point then.
        let scaled = match self.num.checked_mul(unit).and_then(|n| n.checked_mul(2)) {
            Some(twice) => (twice / self.den).div_ceil(2),
            None => (self.to_f64() * unit as f64).round() as u128,
        };
        let (whole, rest) = (scaled / unit, scaled % unit);
        if decimals == 0 {
            return whole.to_string();
        }
        format!("{whole},{rest:0width$}", width = decimals as usize)
    }
}

impl Ord for Fraction {
    fn cmp(&self, other: &Self) -> Ordering {
        mul_wide(self.num, other.den).cmp(&mul_wide(other.num, self.den))
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Fraction {
    /// `num/den`, or just `num` for a whole number: the exact value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// Sums of points given to one criterion: the running total in millionths and how many
/// evaluators gave them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Sum of the points, in millionths.
    pub sum_micros: u64,
    /// How many evaluators scored.
    pub count: u32,
}

impl Tally {
    /// Adds one evaluator's points.
    pub fn add(&mut self, points: Points) {
        self.sum_micros += points.micros();
        self.count += 1;
    }

    /// The mean, if anyone scored.
    pub fn mean(self) -> Option<Fraction> {
        Fraction::new(
            u128::from(self.sum_micros),
            u128::from(self.count) * u128::from(SCALE),
        )
        .filter(|_| self.count > 0)
    }

    /// Whether the mean is below `min` (exactly: `sum < min × count`).
    pub fn mean_below(self, min: Points) -> bool {
        u128::from(self.sum_micros) < u128::from(min.micros()) * u128::from(self.count)
    }
}

/// The weighted mean of criterion means: `Σ wᵢ·meanᵢ / Σ wᵢ`, exact. `parts` pairs each weight
/// with its criterion's tally; a criterion nobody scored must not be passed.
///
/// ```
/// use skillhub_grants::score::{Fraction, Points, Tally, Weight, weighted_mean};
/// let mut impact = Tally::default();
/// impact.add(Points::whole(4)?);
/// impact.add(Points::whole(5)?);
/// let mut quality = Tally::default();
/// quality.add(Points::whole(3)?);
/// let total = weighted_mean(&[(Weight::whole(2)?, impact), (Weight::whole(1)?, quality)])?;
/// assert_eq!(total, Fraction::new(4, 1).unwrap()); // (2 × 4.5 + 1 × 3) / 3
/// # Ok::<(), skillhub_grants::score::ScoreError>(())
/// ```
pub fn weighted_mean(parts: &[(Weight, Tally)]) -> Result<Fraction, ScoreError> {
    let weights: u128 = parts.iter().map(|(w, _)| u128::from(w.micros())).sum();
    let mut total = Fraction::ZERO;
    for &(weight, tally) in parts {
        let mean = tally.mean().ok_or(ScoreError::Unscored)?;
        let term = mean
            .checked_scale(u128::from(weight.micros()), weights)
            .ok_or(ScoreError::Overflow)?;
        total = total.checked_add(term).ok_or(ScoreError::Overflow)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decimals() {
        for (text, micros) in [
            ("0", Some(0)),
            ("5", Some(5_000_000)),
            ("2.0", Some(2_000_000)),
            ("0.000001", Some(1)),
            ("3.1400", Some(3_140_000)),
            ("1.", None),
            (".5", None),
            ("1e3", None),
            ("", None),
            ("1.2.3", None),
        ] {
            assert_eq!(parse_micros(text), micros, "{text}");
        }
        let n = |v: f64| serde_json::Number::from_f64(v).unwrap();
        assert_eq!(number_micros(&n(0.1)), Ok(100_000));
        assert_eq!(number_micros(&n(2.675)), Ok(2_675_000));
        assert!(number_micros(&n(1e-7)).is_err());
        assert!(number_micros(&n(-1.0)).is_err());
    }

    #[test]
    fn display() {
        let f = Fraction::new(11, 3).unwrap();
        assert_eq!(f.to_it(2), "3,67");
        assert_eq!(f.to_it(0), "4");
        assert_eq!(Fraction::whole(4).to_it(2), "4,00");
        assert_eq!(f.to_string(), "11/3");
        assert_eq!(Fraction::new(9, 2).unwrap().to_f64(), 4.5);
    }

    proptest! {
        /// Comparison agrees with cross-multiplication in exact big integers (checked here with
        /// values small enough for u128), and equal values compare equal whatever their form.
        #[test]
        fn order_is_exact(a in 0u64.., b in 1u64.., c in 0u64.., d in 1u64.., k in 1u64..1000) {
            let x = Fraction::new(a.into(), b.into()).unwrap();
            let y = Fraction::new(c.into(), d.into()).unwrap();
            let expected = (u128::from(a) * u128::from(d)).cmp(&(u128::from(c) * u128::from(b)));
            prop_assert_eq!(x.cmp(&y), expected);
            let scaled = Fraction::new(u128::from(a) * u128::from(k), u128::from(b) * u128::from(k)).unwrap();
            prop_assert_eq!(x, scaled);
        }

        /// Wide multiplication is right: checked against u128 where it fits, and its halves
        /// recombine.
        #[test]
        fn wide_multiplication(a in any::<u128>(), b in any::<u64>()) {
            let (high, low) = mul_wide(a, u128::from(b));
            prop_assert_eq!(low, a.wrapping_mul(u128::from(b)));
            prop_assert_eq!(high == 0, a.checked_mul(u128::from(b)).is_some());
            // (a × b) / 2⁶⁴ computed another way: the high half is (a_hi × b + carry) / 2⁶⁴.
            let partial = (a & u128::from(u64::MAX)) * u128::from(b);
            let upper = (a >> 64) * u128::from(b) + (partial >> 64);
            prop_assert_eq!(high, upper >> 64);
        }

        /// The weighted mean lies between the lowest and highest criterion means.
        #[test]
        fn mean_is_between(parts in proptest::collection::vec((1u64..=3_000_000, proptest::collection::vec(0u64..=5_000_000, 1..5)), 1..6)) {
            let parts: Vec<(Weight, Tally)> = parts.into_iter().map(|(w, scores)| {
                let mut tally = Tally::default();
                for s in scores { tally.add(Points::from_micros(s).unwrap()); }
                (Weight::from_micros(w).unwrap(), tally)
            }).collect();
            let total = weighted_mean(&parts).unwrap();
            let means: Vec<Fraction> = parts.iter().map(|(_, t)| t.mean().unwrap()).collect();
            prop_assert!(total >= *means.iter().min().unwrap());
            prop_assert!(total <= *means.iter().max().unwrap());
        }
    }
}
