//! People and the attributes that eligibility and priority rules read ("partecipante").

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

use crate::codice_fiscale::CodiceFiscale;
use crate::ids::Tag;
use crate::tax_code::FiscalCode;

/// Why a person's data does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PersonError {
    /// Not an e-mail address of the form `name@domain.tld`.
    #[error("{0:?} is not an e-mail address (expected name@domain.tld)")]
    Email(String),
    /// Not an ISO 3166-1 alpha-2 country code.
    #[error("{0:?} is not a country code (expected two letters, such as IT or ES)")]
    Country(String),
    /// Empty or too long.
    #[error("the name must be 1 to 200 characters long")]
    Name,
}

/// An e-mail address, kept as written but compared case-insensitively on the domain.
///
/// ```
/// use skillhub_core::person::Email;
/// assert!(Email::parse("anna.rossi@comune.milano.it").is_ok());
/// assert!(Email::parse("anna.rossi@").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a non-empty local part, a domain with a dot, no spaces,
    /// at most 254 characters. The domain is lowercased.
    pub fn parse(text: &str) -> Result<Self, PersonError> {
        let text = text.trim();
        let bad = || PersonError::Email(text.to_owned());
        let (local, domain) = text.split_once('@').ok_or_else(bad)?;
        // Byte checks where the text is ASCII (the same answers, without decoding characters);
        // `..` is looked for pairwise rather than with a substring searcher.
        let domain_chars_ok = if domain.is_ascii() {
            domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        } else {
            domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.as_bytes().windows(2).any(|w| w == b"..")
            && domain_chars_ok;
        let local_chars_bad = if local.is_ascii() {
            // ASCII whitespace other than the space is made of control characters.
            local
                .bytes()
                .any(|b| b == b' ' || b == b'@' || b.is_ascii_control())
        } else {
            local
                .chars()
                .any(|c| c.is_whitespace() || c == '@' || c.is_control())
        };
        let local_ok = !local.is_empty() && local.len() <= 64 && !local_chars_bad;
        if !domain_ok || !local_ok || text.len() > 254 {
            return Err(bad());
        }
        let mut address = String::with_capacity(text.len());
        address.push_str(local);
        address.push('@');
        if domain.is_ascii() {
            // The common case, lowercased in place instead of in a second allocation.
            address.push_str(domain);
            if let Some(written) = address.get_mut(local.len() + 1..) {
                written.make_ascii_lowercase();
            }
        } else {
            address.push_str(&domain.to_lowercase());
        }
        Ok(Email(address))
    }

    /// The address as text, as typed (the domain lowercased): for display and for messages.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The person's identity: the address with its ASCII letters lowercased, so that
    /// `Anna@Example.it` and `ANNA@EXAMPLE.IT` are one person. Other letters are kept as typed
    /// (so SQL's `LOWER` on ASCII, in SQLite and in PostgreSQL under `COLLATE "C"`, computes
    /// the same key).
    ///
    /// ```
    /// use skillhub_core::person::Email;
    /// let a = Email::parse("Anna.Rossi@Example.IT")?;
    /// let b = Email::parse("anna.rossi@example.it")?;
    /// assert_eq!(a.key(), b.key());
    /// assert_eq!(a.as_str(), "Anna.Rossi@example.it");
    /// # Ok::<(), skillhub_core::person::PersonError>(())
    /// ```
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({:?})", self.0)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Email::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// An ISO 3166-1 alpha-2 country code, uppercase (`IT`, `ES`, `PL`, `GB`).
///
/// ```
/// use skillhub_core::person::Country;
/// assert_eq!(Country::parse("it").unwrap().as_str(), "IT");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Country([u8; 2]);

impl Country {
    /// Parses two ASCII letters, in any case.
    pub fn parse(text: &str) -> Result<Self, PersonError> {
        match text.trim().as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Country([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(PersonError::Country(text.to_owned())),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters, checked in `parse`.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The country's name in Italian for the countries the programs name, else the code.
    pub fn name_it(&self) -> &str {
        match self.as_str() {
            "IT" => "Italia",
            "ES" => "Spagna",
            "PL" => "Polonia",
            "FR" => "Francia",
            "GB" => "Regno Unito",
            "IE" => "Irlanda",
            "SE" => "Svezia",
            "DE" => "Germania",
            other => other,
        }
    }

    /// The country's name in English for the countries the programs name, else the code.
    pub fn name_en(&self) -> &str {
        match self.as_str() {
            "IT" => "Italy",
            "ES" => "Spain",
            "PL" => "Poland",
            "FR" => "France",
            "GB" => "the United Kingdom",
            "IE" => "Ireland",
            "SE" => "Sweden",
            "DE" => "Germany",
            other => other,
        }
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Country({})", self.as_str())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Country::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// Gender as the person declares it ("genere").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Donna.
    Female,
    /// Uomo.
    Male,
    /// Non binario.
    NonBinary,
}

impl Gender {
    /// Italian word, as used in explanations.
    pub fn it(self) -> &'static str {
        match self {
            Gender::Female => "donna",
            Gender::Male => "uomo",
            Gender::NonBinary => "persona non binaria",
        }
    }

    /// English word, as used in explanations.
    pub fn en(self) -> &'static str {
        match self {
            Gender::Female => "a woman",
            Gender::Male => "a man",
            Gender::NonBinary => "a non-binary person",
        }
    }
}

/// The kind of organisation a person belongs to, or that applies ("tipo di organizzazione").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationType {
    /// Pubblica amministrazione.
    PublicAdministration,
    /// Azienda di servizi pubblici (utility).
    Utility,
    /// Piccola o media impresa.
    Sme,
    /// Start-up.
    Startup,
    /// Società cooperativa.
    Cooperative,
    /// Cooperativa sociale (L. 381/1991).
    SocialCooperative,
    /// Ente del terzo settore / no profit.
    NonProfit,
    /// Grande impresa.
    LargeEnterprise,
    /// Scuola o università.
    Education,
}

impl OrganisationType {
    /// Italian name, as used in explanations.
    pub fn it(self) -> &'static str {
        match self {
            OrganisationType::PublicAdministration => "pubblica amministrazione",
            OrganisationType::Utility => "azienda di servizi pubblici",
            OrganisationType::Sme => "piccola o media impresa",
            OrganisationType::Startup => "start-up",
            OrganisationType::Cooperative => "società cooperativa",
            OrganisationType::SocialCooperative => "cooperativa sociale",
            OrganisationType::NonProfit => "ente no profit",
            OrganisationType::LargeEnterprise => "grande impresa",
            OrganisationType::Education => "scuola o università",
        }
    }

    /// English name, as used in explanations.
    pub fn en(self) -> &'static str {
        match self {
            OrganisationType::PublicAdministration => "public administration",
            OrganisationType::Utility => "public utility",
            OrganisationType::Sme => "small or medium enterprise",
            OrganisationType::Startup => "start-up",
            OrganisationType::Cooperative => "cooperative",
            OrganisationType::SocialCooperative => "social cooperative",
            OrganisationType::NonProfit => "non-profit organisation",
            OrganisationType::LargeEnterprise => "large enterprise",
            OrganisationType::Education => "school or university",
        }
    }
}

/// What a person declares about themselves; every field is optional, and a rule that needs a
/// missing one fails with a reason that says so.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attributes {
    /// Declared gender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Roles, e.g. `community_admin`, `pa_communicator`.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub roles: BTreeSet<Tag>,
    /// Country of residence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    /// Region of residence, e.g. `lazio`, `lombardia`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Tag>,
    /// Date of birth, for age rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// Kind of organisation the person belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_type: Option<OrganisationType>,
    /// The partita IVA or codice fiscale of that organisation (checked): the key by which an
    /// organisation counts once for a target however many of its people attend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_code: Option<FiscalCode>,
    /// Memberships, e.g. `albo_cooperative`.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub memberships: BTreeSet<Tag>,
}

impl Attributes {
    /// Age in whole years on `day`, if the birth date is known and not after `day`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::person::Attributes;
    /// let a = Attributes { birth_date: NaiveDate::from_ymd_opt(2000, 3, 12), ..Default::default() };
    /// assert_eq!(a.age_on(NaiveDate::from_ymd_opt(2019, 3, 11).unwrap()), Some(18));
    /// assert_eq!(a.age_on(NaiveDate::from_ymd_opt(2019, 3, 12).unwrap()), Some(19));
    /// ```
    pub fn age_on(&self, day: NaiveDate) -> Option<u32> {
        let born = self.birth_date?;
        if born > day {
            return None;
        }
        let mut years = day.year() - born.year();
        if (day.month(), day.day()) < (born.month(), born.day()) {
            years -= 1;
        }
        u32::try_from(years).ok()
    }
}

/// A person's name as they write it ("nome e cognome").
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// Trims and checks length (1–200 characters).
    pub fn parse(text: &str) -> Result<Self, PersonError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 200 {
            return Err(PersonError::Name);
        }
        Ok(PersonName(text.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({:?})", self.0)
    }
}

impl<'de> Deserialize<'de> for PersonName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        PersonName::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A person who registers or applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Name and surname.
    pub name: PersonName,
    /// Contact address; unique per session.
    pub email: Email,
    /// What the rules read.
    #[serde(default)]
    pub attributes: Attributes,
    /// The codice fiscale, when the person gave it (a program may require it: see
    /// [`crate::settings::CodiceFiscaleRule`]). An identifier, not something rules read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codice_fiscale: Option<CodiceFiscale>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in [
            "a@b.it",
            "Anna.Rossi+pa@Comune.Milano.IT",
            "x_y@sub-d.example.org",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "a", "a@", "@b.it", "a@b", "a b@c.it", "a@b..it", "a@.b.it", "a@b.it.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Email::parse("A@B.IT").unwrap().as_str(), "A@b.it");
    }

    proptest::proptest! {
        /// The key is the same whatever the ASCII case the address is typed in, and two
        /// addresses that differ other than by case have different keys.
        #[test]
        fn the_key_ignores_ascii_case_only(
            local in "[A-Za-z0-9._+-]{1,20}",
            domain in "[A-Za-z0-9]{1,10}\\.[A-Za-z]{2,4}",
            flips in proptest::collection::vec(proptest::bool::ANY, 40),
            other in "[a-z0-9]{1,5}",
        ) {
            let typed = format!("{local}@{domain}");
            let flipped: String = typed
                .chars()
                .zip(flips.iter().cycle())
                .map(|(c, &flip)| if flip { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                .collect();
            let a = Email::parse(&typed).unwrap();
            let b = Email::parse(&flipped).unwrap();
            proptest::prop_assert_eq!(a.key(), b.key());
            proptest::prop_assert_eq!(a.key(), typed.to_ascii_lowercase());
            let c = Email::parse(&format!("{local}{other}@{domain}")).unwrap();
            proptest::prop_assert_ne!(a.key(), c.key());
        }
    }

    #[test]
    fn non_ascii_letters_keep_their_case_in_the_key() {
        let a = Email::parse("Ànna@example.it").unwrap();
        assert_eq!(a.key(), "Ànna@example.it");
        assert_ne!(a.key(), Email::parse("ànna@example.it").unwrap().key());
    }

    #[test]
    fn countries() {
        assert_eq!(Country::parse(" se ").unwrap().as_str(), "SE");
        for bad in ["", "I", "ITA", "1T", "é"] {
            assert!(Country::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn person_from_json_rejects_unknown_fields() {
        let ok =
            r#"{"name":"Anna","email":"a@b.it","attributes":{"gender":"female","country":"it"}}"#;
        let person: Person = serde_json::from_str(ok).unwrap();
        assert_eq!(person.attributes.country.unwrap().as_str(), "IT");
        let bad = r#"{"name":"Anna","email":"a@b.it","attributes":{"sex":"f"}}"#;
        assert!(serde_json::from_str::<Person>(bad).is_err());
    }
}
