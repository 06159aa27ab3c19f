//! Completions of online courses ("completamenti") from an e-learning platform: the facts an
//! online target counts ("e le altre con l'ausilio di sistemi virtuali").
//!
//! Two ways in, one output:
//!
//! - [`moodle::read`]: a Moodle export, the course completion report ("Completamento del corso")
//!   or a report builder report on course participation and completion, in English or Italian,
//!   as Moodle writes it or as Excel saves it again (`;` or `,`, UTF-8 with or without BOM or
//!   Windows-1252: the spreadsheet reader of [`crate::csv`]).
//! - [`xapi::read`]: xAPI statements, a JSON array or a Learning Record Store's answer
//!   (`{"statements": [...], "more": "..."}`); only `completed` counts.
//!
//! Both give [`Completions`]: who completed which course on which day (in the program's zone:
//! a parameter, no clock is read), in which country, for which organisation, and how many
//! records were skipped and why (a course not completed yet is not an error). Like every
//! importer here they are **all or nothing**: either every completion of the file or every
//! problem found, each with its file, line and column (Moodle) or JSON pointer (xAPI), in
//! Italian words.
//!
//! The country of a completion is the row's, else [`Options::country`] (a program's only
//! country, see [`Options::for_program`]); a completion with neither is refused, since
//! counting it in the wrong country would be worse than not counting it.

pub mod moodle;
pub mod xapi;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;
use skillhub_core::italian;
use skillhub_core::partner::FiscalCode;
use skillhub_core::person::{Country, Email, OrganisationType};
use skillhub_core::program::Program;
use skillhub_core::tz::Zone;

use crate::csv::{Encoding, fold_header};

/// Who completed a course: an e-mail address (the person's identity, as for a registration),
/// or, from xAPI, an account on the platform that names nobody's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Learner {
    /// An e-mail address (`Email address`, `mbox: mailto:…`).
    Email(Email),
    /// An xAPI account: the platform's home page and the name on it.
    Account {
        /// The platform (`account.homePage`).
        home_page: String,
        /// The login on it (`account.name`).
        name: String,
    },
}

impl Learner {
    /// The address, when the learner is known by one.
    pub fn email(&self) -> Option<&Email> {
        match self {
            Learner::Email(email) => Some(email),
            Learner::Account { .. } => None,
        }
    }

    /// The key the learner counts by: an address's [`Email::key`] (the same as their
    /// registrations', so someone who attends in a classroom and completes online is one
    /// person), or `account HOME_PAGE NAME` for an account (with spaces, which no address's
    /// key has, so it never meets one).
    ///
    /// ```
    /// use skillhub_core::person::Email;
    /// use skillhub_import::completions::Learner;
    /// let anna = Learner::Email(Email::parse("Anna.Rossi@Example.org").unwrap());
    /// assert_eq!(anna.key(), "anna.rossi@example.org");
    /// let account = Learner::Account { home_page: "https://lms.example.org".into(), name: "u42".into() };
    /// assert_eq!(account.key(), "account https://lms.example.org u42");
    /// ```
    pub fn key(&self) -> String {
        match self {
            Learner::Email(email) => email.key(),
            Learner::Account { home_page, name } => format!("account {home_page} {name}"),
        }
    }
}

/// One course completed by one learner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completion {
    /// The file line of the row (Moodle) or of the statement's start (xAPI).
    pub line: usize,
    /// Who.
    pub learner: Learner,
    /// Which course: its name (Moodle) or its activity id (xAPI `object.id`).
    pub course: String,
    /// The day it was completed, in the program's zone.
    pub completed_on: NaiveDate,
    /// Where it counts: the row's country, else the file's.
    pub country: Country,
    /// The kind of organisation the learner declared, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_type: Option<OrganisationType>,
    /// That organisation's partita IVA or codice fiscale (checked), if given: the key it
    /// counts once by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_code: Option<FiscalCode>,
}

/// Where completions came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A Moodle export (CSV).
    Moodle,
    /// xAPI statements (JSON).
    Xapi,
}

impl Source {
    /// `moodle` or `xapi`, as stored and as the command line and the API write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Moodle => "moodle",
            Source::Xapi => "xapi",
        }
    }

    /// The source named `moodle` or `xapi`.
    pub fn parse(text: &str) -> Option<Source> {
        match text {
            "moodle" => Some(Source::Moodle),
            "xapi" => Some(Source::Xapi),
            _ => None,
        }
    }
}

/// Why a record was skipped: none is an error, each is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    /// Moodle: the completion cell is empty (the course is not completed yet).
    NotCompleted,
    /// xAPI: a verb other than `completed` (launched, attempted, passed …).
    OtherVerb,
    /// xAPI: `completed` with `result.completion` false.
    CompletionFalse,
}

impl Skip {
    /// Why, in Italian, as the summaries say it.
    pub fn label_it(self) -> &'static str {
        match self {
            Skip::NotCompleted => "non ancora completati (cella di completamento vuota)",
            Skip::OtherVerb => "statement con un verbo diverso da completed",
            Skip::CompletionFalse => "statement completed con result.completion false",
        }
    }
}

/// What a file held: every completion, and the records skipped by reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completions {
    /// Where they came from.
    pub source: Source,
    /// Records read (rows or statements), skipped ones included.
    pub read: usize,
    /// The completions, in file order.
    pub completions: Vec<Completion>,
    /// Records skipped, by reason.
    pub skipped: BTreeMap<Skip, usize>,
}

impl Completions {
    /// Records skipped, whatever the reason.
    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }
}

/// How to read a file of completions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The zone a completion's day is taken in (instants: xAPI timestamps, Unix seconds).
    pub zone: Zone,
    /// The country of completions whose row names none; `None` refuses them.
    pub country: Option<Country>,
    /// The course of a Moodle export without a course column (the course completion report is
    /// one course's; Moodle names the file `completion-SHORTNAME.csv`).
    pub course: Option<String>,
    /// Moodle: the encoding, or detect it.
    pub encoding: Encoding,
    /// The most problems kept; further ones are only counted.
    pub max_problems: usize,
}

impl Options {
    /// A program's options: its zone, its country when it has exactly one, no course,
    /// detected encoding, 100 problems.
    pub fn for_program(program: &Program) -> Options {
        Options {
            zone: program.zone(),
            country: match program.countries() {
                [only] => Some(*only),
                _ => None,
            },
            course: None,
            encoding: Encoding::Detect,
            max_problems: 100,
        }
    }
}

/// The course a Moodle course completion report is about, from its file name: Moodle writes
/// `completion-SHORTNAME.csv` (the short name lowercased, other characters as `_`).
///
/// ```
/// use skillhub_import::completions::course_from_file_name;
/// assert_eq!(course_from_file_name("export/completion-competenze_digitali.csv").as_deref(), Some("competenze_digitali"));
/// assert_eq!(course_from_file_name("corsi.csv"), None);
/// ```
pub fn course_from_file_name(path: &str) -> Option<String> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let stem = name.strip_suffix(".csv").unwrap_or(name);
    stem.strip_prefix("completion-")
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// Country names as Moodle writes them in English and Italian (folded: see [`fold_header`]),
/// with their ISO codes: the countries of the programs and their neighbours.
const COUNTRIES: [(&str, &[&str]); 32] = [
    ("IT", &["italy", "italia"]),
    ("ES", &["spain", "spagna", "espana", "españa"]),
    ("PL", &["poland", "polonia", "polska"]),
    ("FR", &["france", "francia"]),
    ("DE", &["germany", "germania", "deutschland"]),
    (
        "GB",
        &[
            "unitedkingdom",
            "regnounito",
            "uk",
            "greatbritain",
            "granbretagna",
        ],
    ),
    ("IE", &["ireland", "irlanda"]),
    ("SE", &["sweden", "svezia"]),
    ("PT", &["portugal", "portogallo"]),
    ("NL", &["netherlands", "paesibassi", "olanda"]),
    ("BE", &["belgium", "belgio"]),
    ("LU", &["luxembourg", "lussemburgo"]),
    ("AT", &["austria"]),
    ("CH", &["switzerland", "svizzera"]),
    ("SM", &["sanmarino"]),
    (
        "VA",
        &["holysee", "santasede", "cittadelvaticano", "vaticano"],
    ),
    ("MT", &["malta"]),
    ("SI", &["slovenia"]),
    ("HR", &["croatia", "croazia"]),
    ("GR", &["greece", "grecia"]),
    ("RO", &["romania"]),
    ("BG", &["bulgaria"]),
    ("HU", &["hungary", "ungheria"]),
    (
        "CZ",
        &["czechia", "czechrepublic", "repubblicaceca", "cechia"],
    ),
    ("SK", &["slovakia", "slovacchia"]),
    ("DK", &["denmark", "danimarca"]),
    ("FI", &["finland", "finlandia"]),
    ("NO", &["norway", "norvegia"]),
    ("AL", &["albania"]),
    ("UA", &["ukraine", "ucraina"]),
    ("US", &["unitedstates", "statiuniti", "statiunitidamerica"]),
    ("CY", &["cyprus", "cipro"]),
];

/// A country by its ISO code (`IT`) or its name in English or Italian (`Italy`, `Italia`).
///
/// ```
/// use skillhub_import::completions::parse_country;
/// assert_eq!(parse_country("Italia").unwrap().as_str(), "IT");
/// assert_eq!(parse_country("United Kingdom").unwrap().as_str(), "GB");
/// assert_eq!(parse_country("es").unwrap().as_str(), "ES");
/// assert!(parse_country("Atlantide").is_err());
/// ```
pub fn parse_country(text: &str) -> Result<Country, String> {
    let folded = fold_header(text);
    let named = COUNTRIES
        .iter()
        .find(|(_, names)| names.contains(&folded.as_str()))
        .map(|(code, _)| *code);
    let code = match named {
        Some(code) => code,
        None if folded.len() == 2 => text.trim(),
        None => "",
    };
    Country::parse(code).map_err(|_| {
        format!(
            "«{}» non è un paese riconosciuto: scrivi il codice ISO di due lettere (IT, ES, PL …) o il nome (Italia, Spagna …)",
            text.trim()
        )
    })
}

/// English month names (Moodle's English dates).
const MONTHS_EN: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// English weekday names, Monday first.
const WEEKDAYS_EN: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A month in Italian or English, in full or abbreviated to three or more letters.
fn month(word: &str) -> Option<u32> {
    if let Some(month) = italian::parse_month(word) {
        return Some(month);
    }
    let folded = italian::fold(word.trim_end_matches('.'));
    if folded.chars().count() < 3 {
        return None;
    }
    let position = MONTHS_EN.iter().position(|m| m.starts_with(&folded))?;
    u32::try_from(position + 1).ok()
}

/// A weekday in Italian or English, in full or abbreviated to three or more letters.
fn weekday(word: &str) -> Option<Weekday> {
    if let Some(day) = italian::parse_weekday(word) {
        return Some(day);
    }
    let folded = italian::fold(word.trim_end_matches('.'));
    if folded.chars().count() < 3 {
        return None;
    }
    let position = WEEKDAYS_EN.iter().position(|d| d.starts_with(&folded))?;
    Weekday::try_from(u8::try_from(position).ok()?).ok()
}

/// `H:MM` or `HH:MM[:SS]`, then optionally `AM`/`PM` (Moodle's English 12-hour clock).
fn is_clock(tokens: &[&str]) -> bool {
    let (time, rest) = match tokens {
        [] => return true,
        [time, rest @ ..] => (*time, rest),
    };
    let parts: Vec<&str> = time.split(':').collect();
    let digits = |s: &str, max: u32| {
        (1..=2).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| n <= max)
    };
    let clock_ok = match parts.as_slice() {
        [h, m] => digits(h, 23) && m.len() == 2 && digits(m, 59),
        [h, m, s] => digits(h, 23) && m.len() == 2 && digits(m, 59) && digits(s, 59),
        _ => false,
    };
    let suffix_ok = match rest {
        [] => true,
        [suffix] => matches!(suffix.to_ascii_lowercase().as_str(), "am" | "pm"),
        _ => false,
    };
    clock_ok && suffix_ok
}

/// What a completion date cell may hold, for messages.
const DATE_FORMATS: &str = "ad esempio «mercoledì, 12 giugno 2019, 10:30», «Wednesday, 12 June 2019, 10:30 AM», «12/06/2019 10:30», «2019-06-12» o i secondi Unix";

/// The day of a completion as Moodle writes it (the day as written: Moodle writes times in the
/// exporting user's zone), or of an instant in `zone`:
///
/// - `mercoledì, 12 giugno 2019, 10:30` and `Wednesday, 12 June 2019, 10:30 AM` (the weekday,
///   the time and the commas optional; months and weekdays in Italian or English, in full or
///   abbreviated; a weekday that is not the date's is refused);
/// - `12/06/2019`, `12/06/2019 10:30`, `12/06/19, 10:30` (day first);
/// - ISO 8601: `2019-06-12`, `2019-06-12T10:30:00`, `2019-06-12T08:30:00Z` (an instant with an
///   offset is taken in `zone`);
/// - Unix seconds (`1560328200`), taken in `zone`.
///
/// ```
/// use skillhub_core::tz::Zone;
/// use skillhub_import::completions::completion_day;
/// let rome = Zone::rome();
/// for text in ["mercoledì, 12 giugno 2019, 10:30", "Wednesday, 12 June 2019, 10:30 AM",
///              "12/06/19, 10:30", "2019-06-12", "2019-06-11T22:30:00Z", "1560328200"] {
///     assert_eq!(completion_day(text, rome).unwrap().to_string(), "2019-06-12", "{text}");
/// }
/// assert!(completion_day("giovedì, 12 giugno 2019", rome).is_err());
/// ```
pub fn completion_day(text: &str, zone: Zone) -> Result<NaiveDate, String> {
    let t = text.trim();
    let bad = || format!("«{t}» non è una data di completamento ({DATE_FORMATS})");
    if t.is_empty() {
        return Err(bad());
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return unix_day(t, zone).ok_or_else(bad);
    }
    if t.len() >= 10 && t.as_bytes()[4] == b'-' && t.is_char_boundary(10) {
        return iso_day(t, zone).ok_or_else(bad);
    }
    if t.as_bytes()[0].is_ascii_digit() && t.contains('/') {
        return numeric_day(t).ok_or_else(bad);
    }
    written_day(t).unwrap_or_else(|| Err(bad()))
}

/// Unix seconds (at least 9 digits: from 1973), as a day in `zone`.
fn unix_day(t: &str, zone: Zone) -> Option<NaiveDate> {
    if t.len() < 9 {
        return None;
    }
    let seconds: i64 = t.parse().ok()?;
    let at = chrono::DateTime::from_timestamp(seconds, 0)?;
    let day = zone.date_of(at);
    skillhub_core::tz::supported_date(day).then_some(day)
}

/// An ISO 8601 date, date and time, or instant with an offset (as a day in `zone`).
fn iso_day(t: &str, zone: Zone) -> Option<NaiveDate> {
    let day = NaiveDate::parse_from_str(&t[..10], "%Y-%m-%d").ok()?;
    if t.len() == 10 {
        return Some(day);
    }
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(zone.date_of(at.with_timezone(&chrono::Utc)));
    }
    let time = t[10..].strip_prefix(['T', ' '])?;
    let local = ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"]
        .iter()
        .any(|f| chrono::NaiveTime::parse_from_str(time, f).is_ok());
    local.then_some(day)
}

/// `dd/mm/yyyy` or `dd/mm/yy` (2000 + yy), then optionally `,` and a time.
fn numeric_day(t: &str) -> Option<NaiveDate> {
    let (date, rest) = t.split_once([' ', ',']).unwrap_or((t, ""));
    let rest: Vec<&str> = rest.split([' ', ',']).filter(|s| !s.is_empty()).collect();
    if !is_clock(&rest) {
        return None;
    }
    let mut parts = date.split('/');
    let (Some(d), Some(m), Some(y), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let year = match y.len() {
        2 => 2000 + number(y)?,
        4 => number(y)?,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, number(m)?, number(d)?)
}

/// `[weekday,] day month year[, time]`, in Italian or English: `None` when it does not have
/// this shape, `Some(Err)` when the weekday is not the date's.
fn written_day(t: &str) -> Option<Result<NaiveDate, String>> {
    let tokens: Vec<&str> = t.split([' ', ',']).filter(|s| !s.is_empty()).collect();
    let (named, rest) = match tokens.split_first() {
        Some((first, rest)) if !first.as_bytes()[0].is_ascii_digit() => {
            (Some(weekday(first)?), rest)
        }
        _ => (None, tokens.as_slice()),
    };
    let [day, month_name, year, time @ ..] = rest else {
        return None;
    };
    if !(1..=2).contains(&day.len()) || year.len() != 4 || !is_clock(time) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year.parse().ok()?, month(month_name)?, day.parse().ok()?)?;
    if let Some(named) = named
        && named != date.weekday()
    {
        // "un lunedì", "una domenica".
        let a = |day: Weekday| match day {
            Weekday::Sun => "una",
            _ => "un",
        };
        return Some(Err(format!(
            "«{t}»: il {} è {} {}, non {} {}",
            italian::short_date(date),
            a(date.weekday()),
            italian::weekday_name(date.weekday()),
            a(named),
            italian::weekday_name(named)
        )));
    }
    Some(Ok(date))
}

#[cfg(test)]
mod tests;
