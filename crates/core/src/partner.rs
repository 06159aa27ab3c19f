//! Partner organisations ("enti partner", "organizzazioni locali"): who runs a program's hubs,
//! lends its trainers or promotes it. A partner is data of its program (`[[partners]]` in the
//! program file), named by an id that a hub ([`crate::hub::Hub::partner`]) and a member of staff
//! ([`crate::staff::Scope`]) refer to.
//!
//! Its tax codes are parsed into types that cannot hold a wrong one: a *partita IVA* (11 digits,
//! the check digit of the Agenzia delle Entrate) and a *codice fiscale* (an entity's 11 digits
//! with the same check, or a person's 16 characters with their check letter), each refused with
//! an Italian sentence that names the code and what is wrong ("la partita IVA 01234567891 ha la
//! cifra di controllo sbagliata: …"). The tax code and the contact are optional: a program's file
//! names an organisation without inventing a number it does not know.

use serde::{Deserialize, Serialize};

use crate::ids::Tag;
use crate::person::Email;
pub use crate::tax_code::{FiscalCode, TaxCodeError, VatNumber};

/// What kind of organisation a partner is ("tipo di ente").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    /// Associazione (also of promotion or volunteering).
    Association,
    /// Cooperativa sociale (Law 381/1991, tipo A or B).
    SocialCooperative,
    /// Cooperativa, or a consortium of cooperatives.
    Cooperative,
    /// Impresa: a company of any size.
    Company,
    /// Fondazione.
    Foundation,
    /// Scuola o università.
    School,
    /// Ente pubblico: a city, a ministry, a Municipio, a public agency.
    PublicBody,
    /// Altro: anything else, and partners written in the old `{ name, role }` form.
    Other,
}

impl PartnerKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [PartnerKind; 8] = [
        PartnerKind::Association,
        PartnerKind::SocialCooperative,
        PartnerKind::Cooperative,
        PartnerKind::Company,
        PartnerKind::Foundation,
        PartnerKind::School,
        PartnerKind::PublicBody,
        PartnerKind::Other,
    ];

    /// The name in the program file (`social_cooperative`).
    pub fn code(self) -> &'static str {
        match self {
            PartnerKind::Association => "association",
            PartnerKind::SocialCooperative => "social_cooperative",
            PartnerKind::Cooperative => "cooperative",
            PartnerKind::Company => "company",
            PartnerKind::Foundation => "foundation",
            PartnerKind::School => "school",
            PartnerKind::PublicBody => "public_body",
            PartnerKind::Other => "other",
        }
    }

    /// The Italian name ("cooperativa sociale").
    ///
    /// ```
    /// use skillhub_core::partner::PartnerKind;
    /// assert_eq!(PartnerKind::PublicBody.name_it(), "ente pubblico");
    /// assert_eq!(PartnerKind::PublicBody.name_en(), "public body");
    /// ```
    pub fn name_it(self) -> &'static str {
        match self {
            PartnerKind::Association => "associazione",
            PartnerKind::SocialCooperative => "cooperativa sociale",
            PartnerKind::Cooperative => "cooperativa",
            PartnerKind::Company => "impresa",
            PartnerKind::Foundation => "fondazione",
            PartnerKind::School => "scuola o università",
            PartnerKind::PublicBody => "ente pubblico",
            PartnerKind::Other => "altro",
        }
    }

    /// The English name ("social cooperative").
    pub fn name_en(self) -> &'static str {
        match self {
            PartnerKind::Association => "association",
            PartnerKind::SocialCooperative => "social cooperative",
            PartnerKind::Cooperative => "cooperative",
            PartnerKind::Company => "company",
            PartnerKind::Foundation => "foundation",
            PartnerKind::School => "school or university",
            PartnerKind::PublicBody => "public body",
            PartnerKind::Other => "other",
        }
    }
}

/// A telephone number as typed: digits with spaces, dots, dashes, slashes or brackets, an
/// optional leading `+`; 6 to 15 digits (E.164's most).
///
/// ```
/// use skillhub_core::partner::Phone;
/// assert_eq!(Phone::parse(" +39 02 1234 5678 ").unwrap().as_str(), "+39 02 1234 5678");
/// assert!(Phone::parse("chiamare in sede").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

/// A telephone number that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} non è un numero di telefono (da 6 a 15 cifre, con spazi, punti o trattini e un + iniziale facoltativo)"
)]
pub struct PhoneError(pub String);

impl Phone {
    /// Parses a number (see the type).
    pub fn parse(text: &str) -> Result<Phone, PhoneError> {
        let text = text.trim();
        let body = text.strip_prefix('+').unwrap_or(text);
        let allowed = |c: char| c.is_ascii_digit() || " .-/()".contains(c);
        let digits = body.chars().filter(char::is_ascii_digit).count();
        if !body.chars().all(allowed) || !(6..=15).contains(&digits) {
            return Err(PhoneError(text.to_owned()));
        }
        Ok(Phone(text.to_owned()))
    }

    /// The number as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Phone::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// Whom to write to at a partner ("referente").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// The address to write to.
    pub email: Email,
    /// A telephone number, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
}

/// A partner organisation of a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partner {
    /// Id, unique within the program: what hubs and staff accounts name.
    pub id: Tag,
    /// Name as published.
    pub name: String,
    /// What kind of organisation it is.
    pub kind: PartnerKind,
    /// What it does in the program, in Italian ("ente formatore", "gestione degli hub" …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Its partita IVA, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partita_iva: Option<VatNumber>,
    /// Its codice fiscale, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codice_fiscale: Option<FiscalCode>,
    /// Whom to write to, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

/// The id a partner written in the old `{ name, role }` form gets: its name in lowercase ASCII,
/// accents dropped, anything else a single `-`, at most 64 characters; `None` when nothing of
/// the name is left (a name of symbols only).
///
/// ```
/// use skillhub_core::partner::id_from_name;
/// assert_eq!(id_from_name("Node (Confcooperative)").unwrap().as_str(), "node-confcooperative");
/// assert_eq!(id_from_name("Città di Torino").unwrap().as_str(), "citta-di-torino");
/// assert!(id_from_name("—").is_none());
/// ```
pub fn id_from_name(name: &str) -> Option<Tag> {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        };
        if plain.is_ascii_lowercase() || plain.is_ascii_digit() {
            slug.push(plain);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.truncate(64);
    Tag::parse(slug.trim_end_matches('-')).ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codice_fiscale::vat_check_digit;

    #[test]
    fn known_codes() {
        // A foundation's numeric codice fiscale and a partita IVA with computed check digits.
        assert!(VatNumber::parse("01234567897").is_ok());
        assert!(VatNumber::parse("it01234567897").is_ok());
        assert!(FiscalCode::parse("80012345678").is_err());
        assert_eq!(
            VatNumber::parse("0123456789").unwrap_err().to_string(),
            "la partita IVA 0123456789 non è di 11 cifre"
        );
        assert_eq!(
            FiscalCode::parse("97123450012").unwrap_err().to_string(),
            "il codice fiscale 97123450012 ha la cifra di controllo sbagliata: con le prime 10 cifre l'ultima dovrebbe essere 3, non 2"
        );
        assert_eq!(
            FiscalCode::parse("RSSMRA85T10A562T")
                .unwrap_err()
                .to_string(),
            "il codice fiscale RSSMRA85T10A562T ha il carattere di controllo sbagliato: dovrebbe essere S, non T"
        );
        assert_eq!(
            FiscalCode::parse("RSSMRA85X10A562S")
                .unwrap_err()
                .to_string(),
            "il codice fiscale RSSMRA85X10A562S non è valido: X non è una lettera del mese (A B C D E H L M P R S T) (6 lettere, 2 cifre, la lettera del mese, 2 cifre del giorno, 4 caratteri del comune, la lettera di controllo)"
        );
        assert_eq!(
            FiscalCode::parse("1234").unwrap_err().to_string(),
            "il codice fiscale 1234 non è né di 11 cifre (un ente) né di 16 caratteri (una persona)"
        );
        assert_eq!(
            FiscalCode::parse(" rssmra85t10a562s ").unwrap().as_str(),
            "RSSMRA85T10A562S"
        );
    }

    #[test]
    fn kinds_have_both_names_and_read_back() {
        for kind in PartnerKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.code()));
            assert_eq!(serde_json::from_str::<PartnerKind>(&json).unwrap(), kind);
            assert!(!kind.name_it().is_empty() && !kind.name_en().is_empty());
        }
    }

    #[test]
    fn phones() {
        for ok in [
            "02 1234567",
            "+39 333 123 4567",
            "(06) 555-1234",
            "0521/123456",
        ] {
            assert!(Phone::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "12345", "+39 abc", "1234567890123456", "++391234567"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    /// 10 digits and their check digit.
    fn valid_eleven() -> impl Strategy<Value = String> {
        "[0-9]{10}".prop_map(|first| {
            let check = vat_check_digit(first.as_bytes()).unwrap();
            format!("{first}{check}")
        })
    }

    proptest! {
        /// Every number with its computed check digit is a valid partita IVA and a valid
        /// entity codice fiscale, and reads back as written.
        #[test]
        fn every_valid_number_passes(code in valid_eleven()) {
            prop_assert_eq!(VatNumber::parse(&code).unwrap().to_string(), code.clone());
            prop_assert_eq!(FiscalCode::parse(&code).unwrap().to_string(), code);
        }

        /// Changing any one digit of a valid number to another digit is always caught, with
        /// the sentence about the check digit.
        #[test]
        fn every_single_digit_change_fails(code in valid_eleven(), at in 0usize..11, by in 1u8..10) {
            let mut changed = code.into_bytes();
            changed[at] = b'0' + (changed[at] - b'0' + by) % 10;
            let changed = String::from_utf8(changed).unwrap();
            let vat = VatNumber::parse(&changed).unwrap_err();
            prop_assert!(matches!(vat, TaxCodeError::VatCheck { .. }), "{}", vat);
            let expected = format!("la partita IVA {changed} ha la cifra di controllo sbagliata");
            prop_assert!(vat.to_string().starts_with(&expected), "{}", vat);
            let cf = FiscalCode::parse(&changed).unwrap_err();
            prop_assert!(matches!(cf, TaxCodeError::CfDigitCheck { .. }), "{}", cf);
        }

        /// Parsing never panics, whatever is typed.
        #[test]
        fn never_panics(text in ".{0,24}") {
            let _ = VatNumber::parse(&text);
            let _ = FiscalCode::parse(&text);
            let _ = Phone::parse(&text);
            let _ = id_from_name(&text);
        }

        /// A name's id is always a valid tag or nothing.
        #[test]
        fn ids_from_names_are_tags(name in "[A-Za-zàèé0-9 ()'.-]{0,80}") {
            if let Some(id) = id_from_name(&name) {
                prop_assert!(Tag::parse(id.as_str()).is_ok());
                prop_assert!(id.as_str().len() <= 64);
            }
        }
    }
}
