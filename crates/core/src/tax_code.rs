//! Tax codes of organisations, parsed into types that cannot hold a wrong one: a *partita IVA*
//! (11 digits, the check digit of the Agenzia delle Entrate) and a *codice fiscale* (an entity's
//! 11 digits with the same check, or a person's 16 characters with their check letter), each
//! refused with an Italian sentence that names the code and what is wrong. Partners
//! ([`crate::partner`]) carry them, and so does the organisation a person declares
//! ([`crate::person::Attributes::organisation_code`]), by which it counts once for a target.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codice_fiscale::{CodiceFiscale, FiscalCodeError, vat_check_digit};

/// Why a tax code is refused, in Italian (the words of the people who type them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaxCodeError {
    /// A partita IVA that is not 11 digits.
    #[error("la partita IVA {0} non è di 11 cifre")]
    VatDigits(String),
    /// A partita IVA whose last digit does not match the others.
    #[error(
        "la partita IVA {code} ha la cifra di controllo sbagliata: con le prime 10 cifre l'ultima dovrebbe essere {expected}, non {found}"
    )]
    VatCheck {
        /// The code as typed.
        code: String,
        /// The check digit of the first ten.
        expected: char,
        /// The last digit written.
        found: char,
    },
    /// A codice fiscale that is neither 11 digits nor 16 characters.
    #[error(
        "il codice fiscale {0} non è né di 11 cifre (un ente) né di 16 caratteri (una persona)"
    )]
    CfLength(String),
    /// An entity's numeric codice fiscale whose last digit does not match the others.
    #[error(
        "il codice fiscale {code} ha la cifra di controllo sbagliata: con le prime 10 cifre l'ultima dovrebbe essere {expected}, non {found}"
    )]
    CfDigitCheck {
        /// The code as typed.
        code: String,
        /// The check digit of the first ten.
        expected: char,
        /// The last digit written.
        found: char,
    },
    /// A person's codice fiscale whose last letter does not match the others.
    #[error(
        "il codice fiscale {code} ha il carattere di controllo sbagliato: dovrebbe essere {expected}, non {found}"
    )]
    CfLetterCheck {
        /// The code.
        code: String,
        /// The check letter of the first fifteen.
        expected: char,
        /// The last letter written.
        found: char,
    },
    /// A person's codice fiscale that breaks its pattern (letters, digits, month, day).
    #[error(
        "il codice fiscale {code} non è valido: {why} (6 lettere, 2 cifre, la lettera del mese, 2 cifre del giorno, 4 caratteri del comune, la lettera di controllo)"
    )]
    CfPattern {
        /// The code.
        code: String,
        /// What is wrong, in Italian.
        why: String,
    },
}

/// 11 digits whose last is the check digit of the first ten: `None` for anything else, `Err`
/// with the expected and found digit when only the check is wrong.
fn eleven_digits(text: &str) -> Option<Result<String, (char, char)>> {
    let bytes = text.as_bytes();
    if bytes.len() != 11 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let expected = vat_check_digit(&bytes[..10]).map_or('?', |d| char::from(b'0' + d));
    let found = char::from(bytes[10]);
    Some(if expected == found {
        Ok(text.to_owned())
    } else {
        Err((expected, found))
    })
}

/// A partita IVA: 11 digits, the last the check digit of the others (odd positions as they are,
/// even ones doubled minus 9 above 9, then (10 − sum mod 10) mod 10). An `IT` prefix and spaces
/// are allowed when typed and dropped.
///
/// ```
/// use skillhub_core::partner::VatNumber;
/// assert_eq!(VatNumber::parse("IT 01234567897")?.as_str(), "01234567897");
/// assert_eq!(
///     VatNumber::parse("01234567891").unwrap_err().to_string(),
///     "la partita IVA 01234567891 ha la cifra di controllo sbagliata: con le prime 10 cifre l'ultima dovrebbe essere 7, non 1"
/// );
/// # Ok::<(), skillhub_core::partner::TaxCodeError>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct VatNumber(String);

/// `text` without spaces and without an `IT` prefix, uppercase.
fn compact(text: &str) -> String {
    let joined: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    joined
        .strip_prefix("IT")
        .map_or(joined.clone(), str::to_owned)
}

impl VatNumber {
    /// Parses a partita IVA (see the type).
    pub fn parse(text: &str) -> Result<VatNumber, TaxCodeError> {
        let code = compact(text);
        match eleven_digits(&code) {
            None => Err(TaxCodeError::VatDigits(text.trim().to_owned())),
            Some(Err((expected, found))) => Err(TaxCodeError::VatCheck {
                code,
                expected,
                found,
            }),
            Some(Ok(code)) => Ok(VatNumber(code)),
        }
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The codice fiscale of a partner: an entity's 11 digits (the same check as a partita IVA, and
/// often the same number) or, for a sole trader or a person, their 16 characters.
///
/// ```
/// use skillhub_core::partner::FiscalCode;
/// assert!(matches!(FiscalCode::parse("97123450013")?, FiscalCode::Entity(_)));
/// assert!(matches!(FiscalCode::parse("RSSMRA85T10A562S")?, FiscalCode::Person(_)));
/// assert!(FiscalCode::parse("RSSMRA85T10A562T").is_err());
/// # Ok::<(), skillhub_core::partner::TaxCodeError>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum FiscalCode {
    /// Codice fiscale numerico of an entity: 11 digits, check digit verified.
    Entity(String),
    /// A person's codice fiscale.
    Person(CodiceFiscale),
}

impl FiscalCode {
    /// Parses either form, told apart by length (spaces are dropped, letters uppercased).
    pub fn parse(text: &str) -> Result<FiscalCode, TaxCodeError> {
        let code: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if let Some(digits) = eleven_digits(&code) {
            return match digits {
                Ok(code) => Ok(FiscalCode::Entity(code)),
                Err((expected, found)) => Err(TaxCodeError::CfDigitCheck {
                    code,
                    expected,
                    found,
                }),
            };
        }
        if code.chars().count() != 16 {
            return Err(TaxCodeError::CfLength(text.trim().to_owned()));
        }
        CodiceFiscale::parse(&code)
            .map(FiscalCode::Person)
            .map_err(|err| person_code_error(code, err))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        match self {
            FiscalCode::Entity(code) => code,
            FiscalCode::Person(code) => code.as_str(),
        }
    }
}

/// A person's code refused by [`CodiceFiscale::parse`], said in Italian.
fn person_code_error(code: String, err: FiscalCodeError) -> TaxCodeError {
    let why = match err {
        FiscalCodeError::Check {
            expected, found, ..
        } => {
            return TaxCodeError::CfLetterCheck {
                code,
                expected,
                found,
            };
        }
        FiscalCodeError::Month { letter, .. } => {
            format!("{letter} non è una lettera del mese (A B C D E H L M P R S T)")
        }
        FiscalCodeError::Day { day, .. } => {
            format!("{day} non è un giorno di nascita (1–31, o 41–71 per le donne)")
        }
        _ => "i caratteri non seguono lo schema".to_owned(),
    };
    TaxCodeError::CfPattern { code, why }
}

macro_rules! text_forms {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $name::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
            }
        }
    )*};
}
text_forms!(VatNumber, FiscalCode);
