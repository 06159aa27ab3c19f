//! A program's settings in one place ("impostazioni del programma"): what the features read of
//! a program rather than of a session. The `[settings]` table of a program file (see
//! [`crate::fixture`]) gives them; each has a default, so a program that says nothing behaves as
//! programs always did.
//!
//! - the **registration window** a session gets when it is created without one (opens N days
//!   before the start, closes M hours before it; by default open from creation until the start);
//! - the **reminders** before each session (48 and 2 hours), whether a person **confirms their
//!   address** before the seat is theirs and for how many minutes a seat is **held** meanwhile;
//! - the **languages** the public pages offer for the program's sessions (Italian and English);
//! - the **funder's line** printed on the attendance register ("registro presenze");
//! - the **time zone** of the program's own dates (its window, milestones, targets' deadlines);
//! - whether a registration needs the person's **codice fiscale**.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codice_fiscale::CodiceFiscale;
use crate::lang::Lang;
use crate::person::Person;
use crate::program::{DEFAULT_HOLD_MINUTES, EmailConfirmation};
use crate::reminder::Reminders;
use crate::tz::Zone;
use crate::window::{RegistrationWindow, WindowError};

/// The most days before a session a default window may open (a year).
pub const MAX_OPENS_DAYS_BEFORE: u32 = 366;
/// The most hours before a session a default window may close (a week).
pub const MAX_CLOSES_HOURS_BEFORE: u32 = 168;

/// The registration window a session gets when it is created without one.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use skillhub_core::settings::WindowDefaults;
/// let defaults = WindowDefaults::new(Some(14), 2).unwrap();
/// let start = Utc.with_ymd_and_hms(2030, 3, 5, 8, 30, 0).unwrap();
/// let window = defaults.window(start);
/// assert_eq!(window.opens_at(), Some(Utc.with_ymd_and_hms(2030, 2, 19, 8, 30, 0).unwrap()));
/// assert_eq!(window.closes_at(), Utc.with_ymd_and_hms(2030, 3, 5, 6, 30, 0).unwrap());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct WindowDefaults {
    opens_days_before: Option<u32>,
    closes_hours_before: u32,
}

/// Default window bounds that cannot make a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WindowDefaultsError {
    /// Opening 0 days before, or more than a year.
    #[error("registration opens 1 to {MAX_OPENS_DAYS_BEFORE} days before the start, not {0}")]
    OpensDays(u32),
    /// Closing more than a week before.
    #[error("registration closes 0 to {MAX_CLOSES_HOURS_BEFORE} hours before the start, not {0}")]
    ClosesHours(u32),
    /// Closing before it opens.
    #[error(
        "registration would close ({closes} hours before the start) before it opens ({opens} days before)"
    )]
    ClosesBeforeOpening {
        /// Days before the start it opens.
        opens: u32,
        /// Hours before the start it closes.
        closes: u32,
    },
}

impl WindowDefaults {
    /// Opens `opens_days_before` days before the start (none: from creation) and closes
    /// `closes_hours_before` hours before it (0: at the start).
    pub fn new(
        opens_days_before: Option<u32>,
        closes_hours_before: u32,
    ) -> Result<WindowDefaults, WindowDefaultsError> {
        if let Some(days) = opens_days_before
            && !(1..=MAX_OPENS_DAYS_BEFORE).contains(&days)
        {
            return Err(WindowDefaultsError::OpensDays(days));
        }
        if closes_hours_before > MAX_CLOSES_HOURS_BEFORE {
            return Err(WindowDefaultsError::ClosesHours(closes_hours_before));
        }
        if let Some(days) = opens_days_before
            && closes_hours_before >= days * 24
        {
            return Err(WindowDefaultsError::ClosesBeforeOpening {
                opens: days,
                closes: closes_hours_before,
            });
        }
        Ok(WindowDefaults {
            opens_days_before,
            closes_hours_before,
        })
    }

    /// Days before the start registration opens (none: from the session's creation).
    pub fn opens_days_before(&self) -> Option<u32> {
        self.opens_days_before
    }

    /// Hours before the start registration closes (0: at the start).
    pub fn closes_hours_before(&self) -> u32 {
        self.closes_hours_before
    }

    /// The window of a session starting at `starts_at`. It always is one: the bounds were
    /// checked so that it opens before it closes, and it closes at the start at the latest.
    pub fn window(&self, starts_at: DateTime<Utc>) -> RegistrationWindow {
        self.try_window(starts_at)
            .unwrap_or_else(|_| RegistrationWindow::until_start(starts_at))
    }

    fn try_window(&self, starts_at: DateTime<Utc>) -> Result<RegistrationWindow, WindowError> {
        let opens = self
            .opens_days_before
            .map(|days| starts_at - Duration::days(i64::from(days)));
        let closes = (self.closes_hours_before > 0)
            .then(|| starts_at - Duration::hours(i64::from(self.closes_hours_before)));
        RegistrationWindow::new(opens, closes, starts_at)
    }
}

/// Whether a registration asks for the person's codice fiscale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodiceFiscaleRule {
    /// Not asked (the default).
    #[default]
    NotAsked,
    /// Required, and checked (its check letter) before a seat is given: the form asks for it
    /// and the API refuses a registration without it.
    Required,
}

impl CodiceFiscaleRule {
    /// Whether `person` gives what the program asks: under [`CodiceFiscaleRule::Required`] a
    /// codice fiscale, which (its check letter verified when it was parsed) must also agree
    /// with the date of birth the person gives, if any. A code given to a program that does
    /// not ask for it is accepted as it is.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::codice_fiscale::CodiceFiscale;
    /// use skillhub_core::person::{Attributes, Email, Person, PersonName};
    /// use skillhub_core::settings::{CodiceFiscaleProblem, CodiceFiscaleRule};
    /// let mut person = Person {
    ///     name: PersonName::parse("Mario Rossi").unwrap(),
    ///     email: Email::parse("mario@example.it").unwrap(),
    ///     attributes: Attributes::default(),
    ///     codice_fiscale: None,
    /// };
    /// assert_eq!(CodiceFiscaleRule::Required.check(&person), Err(CodiceFiscaleProblem::Missing));
    /// assert_eq!(CodiceFiscaleRule::NotAsked.check(&person), Ok(()));
    /// person.codice_fiscale = Some(CodiceFiscale::parse("RSSMRA85T10A562S").unwrap());
    /// assert_eq!(CodiceFiscaleRule::Required.check(&person), Ok(()));
    /// person.attributes.birth_date = NaiveDate::from_ymd_opt(1985, 12, 11);
    /// assert!(CodiceFiscaleRule::Required.check(&person).is_err());
    /// ```
    pub fn check(self, person: &Person) -> Result<(), CodiceFiscaleProblem> {
        self.check_code(person.codice_fiscale.as_ref(), person.attributes.birth_date)
    }

    /// [`CodiceFiscaleRule::check`] on a code and a date of birth alone, for a form that asks
    /// for them before it has a whole [`Person`] (the back office's desk).
    pub fn check_code(
        self,
        code: Option<&CodiceFiscale>,
        born: Option<NaiveDate>,
    ) -> Result<(), CodiceFiscaleProblem> {
        let Some(code) = code else {
            return match self {
                CodiceFiscaleRule::Required => Err(CodiceFiscaleProblem::Missing),
                CodiceFiscaleRule::NotAsked => Ok(()),
            };
        };
        if self == CodiceFiscaleRule::Required
            && let Some(born) = born
        {
            let agrees = born.day() == code.birth_day()
                && born.month() == code.birth_month()
                && born.year().rem_euclid(100).unsigned_abs() == code.birth_year_2();
            if !agrees {
                return Err(CodiceFiscaleProblem::NotTheBirthDate {
                    code: code.as_str().to_owned(),
                    born,
                });
            }
        }
        Ok(())
    }
}

/// Why a registration does not give the codice fiscale its program asks for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodiceFiscaleProblem {
    /// The program requires it and none was given.
    #[error("this program needs the codice fiscale of whoever registers")]
    Missing,
    /// The code's date of birth is not the one the person gives.
    #[error("the codice fiscale {code} is of someone born on another day than {born}")]
    NotTheBirthDate {
        /// The code given.
        code: String,
        /// The date of birth given.
        born: NaiveDate,
    },
}

/// The languages a program's public pages offer: at least one, each once, the first the one a
/// page falls back to.
///
/// ```
/// use skillhub_core::lang::Lang;
/// use skillhub_core::settings::Languages;
/// let only_italian = Languages::new(vec![Lang::It]).unwrap();
/// assert_eq!(only_italian.pick(Lang::En), Lang::It);
/// assert_eq!(Languages::default().pick(Lang::En), Lang::En);
/// assert!(Languages::new(vec![]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Languages(Vec<Lang>);

/// A list of languages that offers none, or one twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LanguagesError {
    /// No language.
    #[error("a program offers at least one language (\"it\", \"en\")")]
    Empty,
    /// A language given twice.
    #[error("the language {0:?} is given twice")]
    Twice(&'static str),
}

impl Default for Languages {
    /// Italian and English.
    fn default() -> Self {
        Languages(Lang::ALL.to_vec())
    }
}

impl Languages {
    /// The languages in the order given.
    pub fn new(languages: Vec<Lang>) -> Result<Languages, LanguagesError> {
        if languages.is_empty() {
            return Err(LanguagesError::Empty);
        }
        for (i, lang) in languages.iter().enumerate() {
            if languages[..i].contains(lang) {
                return Err(LanguagesError::Twice(lang.code()));
            }
        }
        Ok(Languages(languages))
    }

    /// Every language offered, the fallback first.
    pub fn all(&self) -> &[Lang] {
        &self.0
    }

    /// Whether `lang` is offered.
    pub fn offers(&self, lang: Lang) -> bool {
        self.0.contains(&lang)
    }

    /// The language a page is shown in when `wanted` is asked for: `wanted` when offered, else
    /// the first offered.
    pub fn pick(&self, wanted: Lang) -> Lang {
        if self.offers(wanted) {
            wanted
        } else {
            self.0.first().copied().unwrap_or_default()
        }
    }
}

/// A program's settings (see the module docs). Built by [`crate::fixture::parse_program`], so
/// every value has been checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub(crate) zone: Zone,
    pub(crate) registration: WindowDefaults,
    pub(crate) reminders: Reminders,
    pub(crate) email_confirmation: EmailConfirmation,
    pub(crate) hold_minutes: u32,
    pub(crate) languages: Languages,
    pub(crate) funder_line: Option<String>,
    pub(crate) codice_fiscale: CodiceFiscaleRule,
}

impl Settings {
    /// The defaults, with the program's zone (the one setting without a default).
    pub fn defaults(zone: Zone) -> Settings {
        Settings {
            zone,
            registration: WindowDefaults::default(),
            reminders: Reminders::default(),
            email_confirmation: EmailConfirmation::None,
            hold_minutes: DEFAULT_HOLD_MINUTES,
            languages: Languages::default(),
            funder_line: None,
            codice_fiscale: CodiceFiscaleRule::NotAsked,
        }
    }

    /// The zone of the program's dates, and of its sessions without a hub.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The window a session gets when it is created without one.
    pub fn registration(&self) -> WindowDefaults {
        self.registration
    }

    /// The reminders before each session.
    pub fn reminders(&self) -> &Reminders {
        &self.reminders
    }

    /// Whether a person confirms their address before the seat is theirs.
    pub fn email_confirmation(&self) -> EmailConfirmation {
        self.email_confirmation
    }

    /// How many minutes a seat is held for an address to be confirmed (1–1440).
    pub fn hold_minutes(&self) -> u32 {
        self.hold_minutes
    }

    /// The languages the public pages offer.
    pub fn languages(&self) -> &Languages {
        &self.languages
    }

    /// The funder's line for the attendance register, when the program gives one
    /// ("Iniziativa finanziata da …").
    pub fn funder_line(&self) -> Option<&str> {
        self.funder_line.as_deref()
    }

    /// Whether a registration needs the codice fiscale.
    pub fn codice_fiscale(&self) -> CodiceFiscaleRule {
        self.codice_fiscale
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;
    use crate::window::WindowState;

    #[test]
    fn window_bounds_are_checked() {
        assert_eq!(
            WindowDefaults::new(Some(0), 0),
            Err(WindowDefaultsError::OpensDays(0))
        );
        assert_eq!(
            WindowDefaults::new(None, 169),
            Err(WindowDefaultsError::ClosesHours(169))
        );
        assert_eq!(
            WindowDefaults::new(Some(1), 24),
            Err(WindowDefaultsError::ClosesBeforeOpening {
                opens: 1,
                closes: 24
            })
        );
        let start = Utc.with_ymd_and_hms(2030, 3, 5, 8, 30, 0).unwrap();
        assert_eq!(
            WindowDefaults::default().window(start),
            RegistrationWindow::until_start(start)
        );
    }

    proptest! {
        /// Every accepted pair of bounds makes the window it says: open exactly from N days
        /// before the start until M hours before it.
        #[test]
        fn default_windows_are_what_they_say(days in proptest::option::of(0u32..400), hours in 0u32..200, minute in 0i64..10_000_000) {
            let start = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(minute);
            let Ok(defaults) = WindowDefaults::new(days, hours) else {
                return Ok(());
            };
            let window = defaults.try_window(start);
            prop_assert!(window.is_ok());
            let window = defaults.window(start);
            let closes = start - Duration::hours(i64::from(hours));
            prop_assert_eq!(window.closes_at(), closes);
            prop_assert_eq!(window.state_at(closes), WindowState::Closed { closed_at: closes });
            match days {
                Some(days) => {
                    let opens = start - Duration::days(i64::from(days));
                    prop_assert_eq!(window.state_at(opens), WindowState::Open);
                    prop_assert_eq!(window.state_at(opens - Duration::seconds(1)), WindowState::NotYetOpen { opens_at: opens });
                }
                None => prop_assert_eq!(window.opens_at(), None),
            }
        }

        /// A codice fiscale agrees with exactly the dates of birth it encodes (day, month and
        /// the year's last two digits; a woman's day +40; with omocodia too), and a required
        /// code is never skipped.
        #[test]
        fn a_code_agrees_with_its_birth_date(
            born in (1920i32..2020, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()),
            other in (1920i32..2020, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()),
            female in any::<bool>(),
            omocodia in any::<bool>(),
        ) {
            let code = code_for(born, female, omocodia);
            let mut person = Person {
                name: crate::person::PersonName::parse("Maria Rossi").unwrap(),
                email: crate::person::Email::parse("maria@example.it").unwrap(),
                attributes: crate::person::Attributes::default(),
                codice_fiscale: None,
            };
            prop_assert_eq!(CodiceFiscaleRule::Required.check(&person), Err(CodiceFiscaleProblem::Missing));
            person.codice_fiscale = Some(code);
            prop_assert_eq!(CodiceFiscaleRule::Required.check(&person), Ok(()));
            person.attributes.birth_date = Some(born);
            prop_assert_eq!(CodiceFiscaleRule::Required.check(&person), Ok(()));
            person.attributes.birth_date = Some(other);
            let same_code_day = other.day() == born.day() && other.month() == born.month()
                && other.year() % 100 == born.year() % 100;
            prop_assert_eq!(CodiceFiscaleRule::Required.check(&person).is_ok(), same_code_day);
            // A program that does not ask reads nothing of it.
            prop_assert_eq!(CodiceFiscaleRule::NotAsked.check(&person), Ok(()));
        }
    }

    /// A valid code for someone born on `born` (a made-up name and place).
    fn code_for(
        born: NaiveDate,
        female: bool,
        omocodia: bool,
    ) -> crate::codice_fiscale::CodiceFiscale {
        const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";
        let day = born.day() + if female { 40 } else { 0 };
        let mut first15 = format!(
            "RSSMRA{:02}{}{:02}F205",
            born.year() % 100,
            char::from(MONTHS[born.month0() as usize]),
            day
        );
        if omocodia {
            // The last digit of the place code replaced by its letter (5 → R).
            first15.replace_range(14..15, "R");
        }
        let check = crate::codice_fiscale::check_character(first15.as_bytes()).unwrap();
        crate::codice_fiscale::CodiceFiscale::parse(&format!("{first15}{check}")).unwrap()
    }
}
