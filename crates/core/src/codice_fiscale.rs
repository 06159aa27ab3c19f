//! Italian tax codes: the *codice fiscale* of people (16 characters) and the *partita IVA*
//! (11 digits, also the codice fiscale of organisations), with their check characters.
//!
//! A person's code is `RSS MRA 85 T 10 A562 S`: surname, name, year, month letter (`A B C D E H
//! L M P R S T`), day (+40 for women), Belfiore place code (`Z…` abroad), check letter. When two
//! people would get the same code (*omocodia*), the digits at positions 7, 8, 10, 11, 13, 14, 15
//! are replaced right to left by `L M N P Q R S T U V` (0–9); such codes are valid, so a
//! digits-only pattern is wrong.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a tax code does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FiscalCodeError {
    /// Not 16 characters (codice fiscale) or 11 digits (partita IVA).
    #[error(
        "{0:?} has the wrong length (a codice fiscale has 16 characters, a partita IVA 11 digits)"
    )]
    Length(String),
    /// A character where the pattern wants another kind (a digit for a letter, …).
    #[error(
        "{0:?} does not follow the pattern of a codice fiscale (6 letters, 2 digits, month letter, 2 digits, letter, 3 digits, check letter; digits may be omocodia letters L–V)"
    )]
    Pattern(String),
    /// The month letter is not one of `A B C D E H L M P R S T`.
    #[error("{code:?}: {letter:?} is not a month letter (expected one of A B C D E H L M P R S T)")]
    Month {
        /// The code.
        code: String,
        /// The letter found.
        letter: char,
    },
    /// The day is not 1–31 (men) or 41–71 (women), or not a day of that month.
    #[error("{code:?}: day {day} is not a day of birth (expected 1–31, or 41–71 for women)")]
    Day {
        /// The code.
        code: String,
        /// The day as written (with +40 for women).
        day: u32,
    },
    /// The check character does not match the rest.
    #[error("{code:?}: the check character should be {expected}, not {found}")]
    Check {
        /// The code.
        code: String,
        /// What the rest of the code computes to.
        expected: char,
        /// What is written.
        found: char,
    },
    /// A partita IVA with something other than 11 digits.
    #[error("{0:?} is not a partita IVA (expected 11 digits)")]
    VatDigits(String),
}

/// The month letters, January first.
pub const MONTH_LETTERS: [u8; 12] = *b"ABCDEHLMPRST";
/// The letters that replace digits 0–9 in omocodia codes.
pub const OMOCODIA_LETTERS: [u8; 10] = *b"LMNPQRSTUV";
/// 0-based positions of the digits that omocodia may replace.
pub const OMOCODIA_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];

/// Values of characters in odd (1st, 3rd …) positions; digits take the value of the letter at
/// the same index (`0` as `A`).
const ODD: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/// The check letter of the first 15 characters (uppercase ASCII letters and digits), or `None`
/// when a character is neither.
///
/// ```
/// use skillhub_core::codice_fiscale::check_character;
/// assert_eq!(check_character(b"RSSMRA85T10A562"), Some('S'));
/// ```
pub fn check_character(first15: &[u8]) -> Option<char> {
    if first15.len() != 15 {
        return None;
    }
    let mut sum = 0;
    for (i, &c) in first15.iter().enumerate() {
        let index = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'Z' => c - b'A',
            _ => return None,
        };
        sum += if i % 2 == 0 {
            ODD[usize::from(index)]
        } else {
            u32::from(index)
        };
    }
    char::from_u32(u32::from(b'A') + sum % 26)
}

/// A person's codice fiscale, uppercase, check character verified.
///
/// ```
/// use skillhub_core::codice_fiscale::CodiceFiscale;
/// let cf = CodiceFiscale::parse("rssmra85t10a562s").unwrap();
/// assert_eq!(cf.as_str(), "RSSMRA85T10A562S");
/// assert!(!cf.is_female());
/// // The same code with omocodia (the last digits replaced by letters) is valid too.
/// assert!(CodiceFiscale::parse("RSSMRA85T10A56NH").is_ok());
/// assert!(CodiceFiscale::parse("RSSMRA85T10A562T").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CodiceFiscale(String);

impl CodiceFiscale {
    /// Parses a code in any case with surrounding spaces; checks the pattern, the month, the
    /// day and the check character.
    pub fn parse(text: &str) -> Result<Self, FiscalCodeError> {
        let text = text.trim();
        let mut code = [0u8; 16];
        if text.len() != 16 {
            return Err(FiscalCodeError::Length(text.to_owned()));
        }
        for (slot, b) in code.iter_mut().zip(text.bytes()) {
            *slot = b.to_ascii_uppercase();
        }
        let owned = || String::from_utf8_lossy(&code).into_owned();
        let letter = |i: usize| code[i].is_ascii_uppercase();
        let digitish = |i: usize| code[i].is_ascii_digit() || OMOCODIA_LETTERS.contains(&code[i]);
        let pattern_ok = (0..6).all(letter)
            && OMOCODIA_POSITIONS.iter().all(|&i| digitish(i))
            && letter(8)
            && letter(11)
            && letter(15);
        if !pattern_ok {
            return Err(FiscalCodeError::Pattern(text.to_owned()));
        }
        let month = MONTH_LETTERS
            .iter()
            .position(|&m| m == code[8])
            .ok_or_else(|| FiscalCodeError::Month {
                code: owned(),
                letter: char::from(code[8]),
            })?;
        let day = decoded_number(code[9], code[10]);
        let plain_day = if day > 40 { day - 40 } else { day };
        let month_len = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month];
        if !(1..=month_len).contains(&plain_day) || (32..=40).contains(&day) || day > 71 {
            return Err(FiscalCodeError::Day { code: owned(), day });
        }
        let expected = check_character(&code[..15]).unwrap_or('?');
        let found = char::from(code[15]);
        if expected != found {
            return Err(FiscalCodeError::Check {
                code: owned(),
                expected,
                found,
            });
        }
        // The pattern admitted only ASCII letters and digits, so this is `code` as text.
        Ok(CodiceFiscale(text.to_ascii_uppercase()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the day carries the +40 of women.
    pub fn is_female(&self) -> bool {
        let b = self.0.as_bytes();
        decoded_number(b[9], b[10]) > 40
    }

    /// Month of birth, 1–12.
    pub fn birth_month(&self) -> u32 {
        let b = self.0.as_bytes()[8];
        MONTH_LETTERS
            .iter()
            .position(|&m| m == b)
            .and_then(|p| u32::try_from(p + 1).ok())
            .unwrap_or(0)
    }

    /// Day of birth, 1–31 (without the +40).
    pub fn birth_day(&self) -> u32 {
        let b = self.0.as_bytes();
        let day = decoded_number(b[9], b[10]);
        if day > 40 { day - 40 } else { day }
    }

    /// The last two digits of the year of birth.
    pub fn birth_year_2(&self) -> u32 {
        let b = self.0.as_bytes();
        decoded_number(b[6], b[7])
    }
}

/// A digit or its omocodia letter → 0–9.
fn decoded_digit(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        _ => OMOCODIA_LETTERS
            .iter()
            .position(|&l| l == c)
            .and_then(|p| u32::try_from(p).ok())
            .unwrap_or(0),
    }
}

fn decoded_number(tens: u8, units: u8) -> u32 {
    decoded_digit(tens) * 10 + decoded_digit(units)
}

impl fmt::Debug for CodiceFiscale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CodiceFiscale({})", self.0)
    }
}

impl fmt::Display for CodiceFiscale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for CodiceFiscale {
    type Err = FiscalCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> Deserialize<'de> for CodiceFiscale {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A partita IVA (also the codice fiscale of companies and cooperatives): 11 digits, the last
/// a check digit (odd positions as they are, even positions doubled minus 9 above 9, then
/// (10 − sum mod 10) mod 10).
///
/// ```
/// use skillhub_core::codice_fiscale::PartitaIva;
/// assert!(PartitaIva::parse("01234567897").is_ok());
/// assert!(PartitaIva::parse("01234567890").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct PartitaIva(String);

/// The check digit of the first 10 digits of a partita IVA.
pub fn vat_check_digit(first10: &[u8]) -> Option<u8> {
    if first10.len() != 10 || !first10.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first10
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 0 {
                d
            } else if d * 2 > 9 {
                d * 2 - 9
            } else {
                d * 2
            }
        })
        .sum();
    u8::try_from((10 - sum % 10) % 10).ok()
}

impl PartitaIva {
    /// Parses 11 digits (an `IT` prefix and spaces around are allowed) and checks the last.
    pub fn parse(text: &str) -> Result<Self, FiscalCodeError> {
        let trimmed = text.trim();
        let digits = trimmed
            .strip_prefix("IT")
            .or_else(|| trimmed.strip_prefix("it"))
            .unwrap_or(trimmed);
        let bytes = digits.as_bytes();
        if bytes.len() != 11 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(FiscalCodeError::VatDigits(text.to_owned()));
        }
        let expected = vat_check_digit(&bytes[..10]).unwrap_or(0);
        let found = bytes[10] - b'0';
        if expected != found {
            return Err(FiscalCodeError::Check {
                code: digits.to_owned(),
                expected: char::from(b'0' + expected),
                found: char::from(bytes[10]),
            });
        }
        Ok(PartitaIva(digits.to_owned()))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PartitaIva {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartitaIva({})", self.0)
    }
}

impl fmt::Display for PartitaIva {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(code: &str, ok: bool) {
        assert_eq!(
            CodiceFiscale::parse(code).is_ok(),
            ok,
            "{code}: {:?}",
            CodiceFiscale::parse(code)
        );
    }

    #[test]
    fn known_codes() {
        check("RSSMRA85T10A562S", true);
        check(" rssmra85t10a562s ", true);
        check("RSSMRA85T10A562T", false); // check letter
        check("RSSMRA85T10A562", false); // length
        check("RSSMRA85X10A562S", false); // month letter
        check("RSSMRA85T32A562S", false); // day
        check("RSSMRA8ST10A562S", false); // an omocodia letter changes the check letter
        check("RSSMRA85T1OA562S", false); // letter O instead of a digit
        let err = CodiceFiscale::parse("RSSMRA85T10A562T").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"RSSMRA85T10A562T\": the check character should be S, not T"
        );
        let cf = CodiceFiscale::parse("RSSMRA85T10A562S").unwrap();
        assert_eq!(
            (cf.birth_year_2(), cf.birth_month(), cf.birth_day()),
            (85, 12, 10)
        );
        assert!(!cf.is_female());
    }

    #[test]
    fn partita_iva() {
        for ok in ["01234567897", "IT01234567897", "00743110157", "12345678903"] {
            assert!(PartitaIva::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["01234567890", "1234567890", "0123456789a", ""] {
            assert!(PartitaIva::parse(bad).is_err(), "{bad}");
        }
    }

    /// Replaces the digits at the omocodia positions, right to left, `n` times, and fixes the
    /// check letter.
    fn omocodia(code: &str, n: usize) -> String {
        let mut bytes = code.as_bytes()[..15].to_vec();
        for &i in OMOCODIA_POSITIONS.iter().rev().take(n) {
            bytes[i] = OMOCODIA_LETTERS[usize::from(bytes[i] - b'0')];
        }
        let check = check_character(&bytes).unwrap();
        bytes.push(check as u8);
        String::from_utf8(bytes).unwrap()
    }

    fn code_strategy() -> impl Strategy<Value = String> {
        (
            "[A-Z]{6}",
            0u32..100,
            0usize..12,
            1u32..29,
            any::<bool>(),
            "[A-Z][0-9]{3}",
        )
            .prop_map(|(letters, year, month, day, female, place)| {
                let day = if female { day + 40 } else { day };
                let first = format!(
                    "{letters}{year:02}{}{day:02}{place}",
                    char::from(MONTH_LETTERS[month])
                );
                let check = check_character(first.as_bytes()).unwrap();
                format!("{first}{check}")
            })
    }

    proptest! {
        /// Every well-formed code is valid in all its omocodia variants, and changing any one
        /// character of it to another letter or digit is always caught.
        #[test]
        fn omocodia_variants_and_single_changes(code in code_strategy(), n in 0usize..=7, at in 0usize..16, to in "[A-Z0-9]") {
            let variant = omocodia(&code, n);
            prop_assert!(CodiceFiscale::parse(&variant).is_ok(), "{}", variant);
            let mut changed = code.clone().into_bytes();
            let to = to.as_bytes()[0];
            prop_assume!(changed[at] != to);
            changed[at] = to;
            let changed = String::from_utf8(changed).unwrap();
            // Both position tables give distinct values to all 36 characters, so the sum mod 26
            // always moves; where it could not, the pattern refuses the character.
            prop_assert!(CodiceFiscale::parse(&changed).is_err(), "{} → {}", code, changed);
        }

        /// A partita IVA with a computed check digit is valid; changing any single digit makes
        /// it invalid.
        #[test]
        fn vat_single_digit_errors_are_caught(first in "[0-9]{10}", at in 0usize..11, to in 0u8..10) {
            let digit = vat_check_digit(first.as_bytes()).unwrap();
            let code = format!("{first}{digit}");
            prop_assert!(PartitaIva::parse(&code).is_ok());
            let mut changed = code.into_bytes();
            prop_assume!(changed[at] != b'0' + to);
            changed[at] = b'0' + to;
            prop_assert!(PartitaIva::parse(std::str::from_utf8(&changed).unwrap()).is_err());
        }

        /// Parsing never panics.
        #[test]
        fn never_panics(text in ".{0,20}") {
            let _ = CodiceFiscale::parse(&text);
            let _ = PartitaIva::parse(&text);
        }
    }
}
