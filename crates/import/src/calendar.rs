//! Italian calendar listings ("il calendario degli incontri") as web pages and newspapers print
//! them, read into sessions with their UTC instants.
//!
//! ```text
//! Il programma
//! Febbraio:
//! - 12 febbraio (9.30 – 13.30) ➔ Facebook per la Sanità
//! - mar 19/02 ore 9,30-13,30 → Instagram per la Sanità
//! martedì 26 febbraio 2019 dalle 9 alle 13.30: WhatsApp per la Sanità
//! ```
//!
//! # What a line is
//!
//! Every line (CRLF or LF; a leading BOM is dropped) is exactly one of:
//!
//! - **blank**: ignored;
//! - a **month header**: a month name in any case, optionally followed by a four-digit year,
//!   optionally ending in `:` and nothing else (`Febbraio:`, `MARZO`, `Aprile 2019:`). A year in
//!   a header applies to the entries below it until the next header with a year; otherwise the
//!   year is the one the caller gives;
//! - an **entry**: a line that, after an optional bullet (`-`, `–`, `—`, `*`, `•`, `·`) *starts
//!   with a date*: an optional weekday (`martedì`, `mar`, `Mar.`, optionally followed by `,`),
//!   then a day of one or two digits followed by a space or `/`. Such a line must then parse in
//!   full, or it is an error (it is never skipped silently):
//!   `DAY MONTHNAME [YYYY]` or `DAY/MM[/YYYY]`, then a time range, optionally in parentheses and
//!   after `,`, `ore`, `h` or `dalle`: `START DASH END` with times `9`, `9.30`, `9,30`, `9:30` and
//!   dashes `-`, `–`, `—`, `/` or `alle`; then an optional arrow (`➔`, `→`, `->`, `=>`, `:`, `-`,
//!   `–`, `—`, `|`, `,`) and the title, kept as written (trimmed). A `.`, `,` or `:` after an
//!   hour is read as part of the time only when a digit follows (`13: Titolo` is 13.00);
//! - **prose**: anything else, ignored. A sentence that mentions a date ("in partenza il 12
//!   febbraio alle 9,30") does not start with one, so it is prose.
//!
//! # What is an error
//!
//! An impossible date (`31 febbraio`), a weekday that is not the date's, a time that does not
//! parse or is not a time of day, an end not after the start, a missing title, a local time in a
//! DST gap, and a local time that happens twice unless the [`Ambiguity`] policy chooses. Every
//! failing line is reported with its file, line and what was expected, and nothing is returned
//! when any line fails.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, SecondsFormat, Timelike, Utc, Weekday};
use serde::{Serialize, Serializer};
use skillhub_core::italian::{self, parse_month, parse_weekday};
use skillhub_core::session::Ambiguity;
use skillhub_core::tz::Zone;

use crate::{Problem, Report, Result};

/// How to read a listing: the year its dates are in (unless they say otherwise), the zone of
/// its times, and what to do with a time that happens twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The year of dates that name none (listings rarely do).
    pub year: i32,
    /// The zone of the hub the sessions happen in.
    pub zone: Zone,
    /// Policy for a local time that happens twice (the default refuses).
    pub ambiguity: Ambiguity,
}

/// The sessions of a listing, in file order. Serializes as `{"sessions": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listing {
    sessions: Vec<ListedSession>,
}

impl Listing {
    /// The sessions, in file order.
    pub fn sessions(&self) -> &[ListedSession] {
        &self.sessions
    }

    /// Takes the sessions out.
    pub fn into_sessions(self) -> Vec<ListedSession> {
        self.sessions
    }
}

/// One entry of a listing: local date and times, and the instants they denote in `zone`.
///
/// Serializes as `{"title", "local_date": "YYYY-MM-DD", "local_start": "HH:MM", "local_end":
/// "HH:MM", "zone", "starts_at", "ends_at", "line"}` with RFC 3339 UTC instants ending in `Z`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedSession {
    title: String,
    local_date: NaiveDate,
    #[serde(serialize_with = "hh_mm")]
    local_start: NaiveTime,
    #[serde(serialize_with = "hh_mm")]
    local_end: NaiveTime,
    zone: Zone,
    #[serde(serialize_with = "rfc3339")]
    starts_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    ends_at: DateTime<Utc>,
    line: usize,
}

impl ListedSession {
    /// The title as written (trimmed).
    pub fn title(&self) -> &str {
        &self.title
    }
    /// The local date.
    pub fn local_date(&self) -> NaiveDate {
        self.local_date
    }
    /// The local start time.
    pub fn local_start(&self) -> NaiveTime {
        self.local_start
    }
    /// The local end time (same day).
    pub fn local_end(&self) -> NaiveTime {
        self.local_end
    }
    /// The zone of the local times.
    pub fn zone(&self) -> Zone {
        self.zone
    }
    /// The start instant.
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }
    /// The end instant.
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.ends_at
    }
    /// The 1-based line of the file it was read from.
    pub fn line(&self) -> usize {
        self.line
    }
}

fn hh_mm<S: Serializer>(time: &NaiveTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.format("%H:%M").to_string())
}

fn rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// Reads a listing. `file` names the input in problems.
///
/// ```
/// use skillhub_core::{session::Ambiguity, tz::Zone};
/// use skillhub_import::calendar::{Options, parse};
/// let options = Options { year: 2019, zone: Zone::rome(), ambiguity: Ambiguity::Refuse };
/// let text = "Aprile:\n- 2 aprile (9,30-13,30) ➔ Instagram per Ambiente\n";
/// let listing = parse("programma.txt", text, &options).unwrap();
/// let session = &listing.sessions()[0];
/// assert_eq!(session.starts_at().to_rfc3339(), "2019-04-02T07:30:00+00:00");
/// assert_eq!(session.line(), 2);
///
/// let err = parse("programma.txt", "- 31 febbraio (9-13) ➔ X\n", &options).unwrap_err();
/// assert_eq!(err.to_string(), "programma.txt:1: 31 febbraio 2019 is not a date");
/// ```
pub fn parse(file: &str, text: &str, options: &Options) -> Result<Listing> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sessions = Vec::new();
    let mut report = Report::default();
    let mut header_year = None;
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(year) = month_header(line) {
            header_year = year.or(header_year);
            continue;
        }
        let year = header_year.unwrap_or(options.year);
        match entry(line, year, options) {
            None => {}
            Some(Ok(mut session)) => {
                session.line = index + 1;
                sessions.push(session);
            }
            Some(Err(message)) => report.problems.push(Problem {
                file: file.to_owned(),
                line: index + 1,
                field: None,
                message,
            }),
        }
    }
    report.into_result(Listing { sessions })
}

/// `Some(year?)` when the line is a month header.
fn month_header(line: &str) -> Option<Option<i32>> {
    let line = line.strip_suffix(':').unwrap_or(line).trim_end();
    let mut words = line.split_whitespace();
    parse_month(words.next()?)?;
    let year = match words.next() {
        None => None,
        Some(word) => Some(four_digit_year(word)?),
    };
    words.next().is_none().then_some(year)
}

fn four_digit_year(word: &str) -> Option<i32> {
    (word.len() == 4 && word.bytes().all(|b| b.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
}

const BULLETS: [char; 6] = ['-', '–', '—', '*', '•', '·'];
const ARROWS: [&str; 10] = ["➔", "→", "->", "=>", ":", "-", "–", "—", "|", ","];

/// `None` for prose; otherwise the session or what was expected.
fn entry(line: &str, year: i32, options: &Options) -> Option<Result<ListedSession, String>> {
    let mut cur = Cursor::new(line);
    if cur.eat_any(&BULLETS).is_some() {
        cur.skip_ws();
    }
    let weekday = cur.clone().word().and_then(parse_weekday);
    if weekday.is_some() {
        cur.word();
        cur.eat(",");
        cur.skip_ws();
    }
    if !starts_with_day(cur.rest) {
        return None;
    }
    Some(entry_after_weekday(cur, weekday, year, options))
}

/// One or two digits, then a space or `/`.
fn starts_with_day(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    (1..=2).contains(&digits)
        && text[digits..]
            .chars()
            .next()
            .is_some_and(|c| c.is_whitespace() || c == '/')
}

fn entry_after_weekday(
    mut cur: Cursor<'_>,
    weekday: Option<Weekday>,
    year: i32,
    options: &Options,
) -> Result<ListedSession, String> {
    let date = date(&mut cur, year)?;
    if let Some(claimed) = weekday
        && claimed != date.weekday()
    {
        return Err(format!(
            "{} is a {}, not a {}",
            written_date(date),
            italian::weekday_name(date.weekday()),
            italian::weekday_name(claimed)
        ));
    }
    let (start, end) = time_range(&mut cur)?;
    cur.skip_ws();
    for arrow in ARROWS {
        if cur.eat(arrow) {
            break;
        }
    }
    let title = cur.rest.trim();
    if title.is_empty() {
        return Err("expected a title after the time range".to_owned());
    }
    if end <= start {
        return Err(format!(
            "the end {} is not after the start {}",
            dotted(end),
            dotted(start)
        ));
    }
    let instant = |time: NaiveTime| {
        options
            .ambiguity
            .instant(options.zone, date.and_time(time))
            .map_err(|err| err.to_string())
    };
    Ok(ListedSession {
        title: title.to_owned(),
        local_date: date,
        local_start: start,
        local_end: end,
        zone: options.zone,
        starts_at: instant(start)?,
        ends_at: instant(end)?,
        line: 0,
    })
}

/// `12 febbraio [2019]` or `12/02[/2019]`.
fn date(cur: &mut Cursor<'_>, default_year: i32) -> Result<NaiveDate, String> {
    let day = cur.number(2).unwrap_or(0);
    let (month, year) = if cur.eat("/") {
        let month = cur
            .number(2)
            .ok_or_else(|| expected("a month number after the '/' of the date", cur.rest))?;
        let year = if cur.eat("/") {
            let year = cur
                .number(4)
                .filter(|_| cur.consumed_digits == 4)
                .ok_or_else(|| expected("a four-digit year after the month", cur.rest))?;
            i32::try_from(year).unwrap_or(default_year)
        } else {
            default_year
        };
        (month, year)
    } else {
        cur.skip_ws();
        let word = cur.clone().word().unwrap_or_default();
        let month = parse_month(word).ok_or_else(|| {
            expected(
                "a month after the day: a name (gennaio … dicembre) or /MM",
                cur.rest,
            )
        })?;
        cur.word();
        let mut peek = cur.clone();
        peek.skip_ws();
        let year = match peek.clone().word_or_number().and_then(four_digit_year) {
            Some(year) => {
                peek.word_or_number();
                *cur = peek;
                year
            }
            None => default_year,
        };
        (month, year)
    };
    cur.eat(",");
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| match italian::month_name(month) {
        Some(name) => format!("{day} {name} {year} is not a date"),
        None => format!("{day}/{month:02}/{year} is not a date (the month must be 1 to 12)"),
    })
}

/// `(9.30 – 13.30)`, `ore 9,30-13,30`, `dalle 9 alle 13`.
fn time_range(cur: &mut Cursor<'_>) -> Result<(NaiveTime, NaiveTime), String> {
    const WANTED: &str = "a time range such as (9.30 – 13.30) after the date";
    cur.skip_ws();
    cur.eat(",");
    cur.skip_ws();
    let open = cur.eat("(");
    cur.skip_ws();
    for word in ["dalle", "ore", "h"] {
        let mut peek = cur.clone();
        if peek.word().is_some_and(|w| italian::fold(w) == word) {
            *cur = peek;
            cur.skip_ws();
        }
    }
    if !cur.rest.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(expected(WANTED, cur.rest));
    }
    let start = time(cur)?;
    cur.skip_ws();
    let dash = cur.eat_any(&['-', '–', '—', '/']).is_some() || {
        let mut peek = cur.clone();
        let alle = peek.word().is_some_and(|w| italian::fold(w) == "alle");
        if alle {
            *cur = peek;
        }
        alle
    };
    if !dash {
        return Err(expected(
            "a dash (-, –, —, / or alle) between the start and the end time",
            cur.rest,
        ));
    }
    cur.skip_ws();
    let mut peek = cur.clone();
    if peek.word().is_some_and(|w| italian::fold(w) == "ore") {
        *cur = peek;
        cur.skip_ws();
    }
    if !cur.rest.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(expected("an end time after the dash", cur.rest));
    }
    let end = time(cur)?;
    if open {
        cur.skip_ws();
        if !cur.eat(")") {
            return Err(expected("')' after the end time", cur.rest));
        }
    }
    Ok((start, end))
}

/// `9`, `9.30`, `9,30`, `9:30`, `09.30`.
fn time(cur: &mut Cursor<'_>) -> Result<NaiveTime, String> {
    let written = cur.rest;
    let hour = cur.number(2).unwrap_or(0);
    // A separator belongs to the time only when a digit follows: `13: Titolo` is 13.00 and an
    // arrow, `9.3` is a broken time.
    let separated = cur.rest.starts_with(['.', ',', ':'])
        && cur.rest[1..].starts_with(|c: char| c.is_ascii_digit());
    let minute = if separated {
        cur.eat_any(&['.', ',', ':']);
        match cur.number(2) {
            Some(minute) if cur.consumed_digits == 2 => minute,
            _ => return Err(expected("two digits of minutes after the hour", cur.rest)),
        }
    } else {
        0
    };
    if cur.rest.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(expected("a time such as 9, 9.30, 9,30 or 9:30", written));
    }
    let text = &written[..written.len() - cur.rest.len()];
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(|| {
        format!(
            "{text:?} is not a time of day (expected 0.00 to 23.59, written 9, 9.30, 9,30 or 9:30)"
        )
    })
}

fn expected(what: &str, rest: &str) -> String {
    let rest = rest.trim_start();
    if rest.is_empty() {
        return format!("expected {what}, found the end of the line");
    }
    let found: String = rest.chars().take(24).collect();
    let ellipsis = if rest.chars().count() > 24 { "…" } else { "" };
    format!("expected {what}, found {found:?}{ellipsis}")
}

fn written_date(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        italian::month_name(date.month()).unwrap_or("?"),
        date.year()
    )
}

/// `9.30`, as listings write times.
fn dotted(time: NaiveTime) -> String {
    format!("{}.{:02}", time.hour(), time.minute())
}

/// A position in a line.
#[derive(Debug, Clone)]
struct Cursor<'a> {
    rest: &'a str,
    consumed_digits: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            rest: text,
            consumed_digits: 0,
        }
    }

    fn skip_ws(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, prefix: &str) -> bool {
        match self.rest.strip_prefix(prefix) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn eat_any(&mut self, chars: &[char]) -> Option<char> {
        let c = self.rest.chars().next().filter(|c| chars.contains(c))?;
        self.rest = &self.rest[c.len_utf8()..];
        Some(c)
    }

    /// Up to `max` digits as a number; `consumed_digits` says how many there were.
    fn number(&mut self, max: usize) -> Option<u32> {
        let len = self
            .rest
            .bytes()
            .take(max)
            .take_while(u8::is_ascii_digit)
            .count();
        self.consumed_digits = len;
        if len == 0 {
            return None;
        }
        let (digits, rest) = self.rest.split_at(len);
        self.rest = rest;
        digits.parse().ok()
    }

    /// Letters, then an optional abbreviation dot.
    fn word(&mut self) -> Option<&'a str> {
        let len: usize = self
            .rest
            .chars()
            .take_while(|c| c.is_alphabetic())
            .map(char::len_utf8)
            .sum();
        if len == 0 {
            return None;
        }
        let with_dot = if self.rest[len..].starts_with('.') {
            len + 1
        } else {
            len
        };
        let (word, rest) = self.rest.split_at(with_dot);
        self.rest = rest;
        Some(word)
    }

    /// Letters or digits (a token up to the next space or punctuation).
    fn word_or_number(&mut self) -> Option<&'a str> {
        let len: usize = self
            .rest
            .chars()
            .take_while(|c| c.is_alphanumeric())
            .map(char::len_utf8)
            .sum();
        if len == 0 {
            return None;
        }
        let (word, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(word)
    }
}

/// Writes sessions as a listing that [`parse`] reads back: a month header with its year
/// whenever the month changes, then `- 12 febbraio (9.30 – 13.30) ➔ Title` lines.
///
/// ```
/// use skillhub_core::{session::Ambiguity, tz::Zone};
/// use skillhub_import::calendar::{Options, parse, render};
/// let options = Options { year: 2019, zone: Zone::rome(), ambiguity: Ambiguity::Refuse };
/// let listing = parse("a.txt", "- 5 marzo (9.30 – 13.30) ➔ Facebook per Cultura", &options).unwrap();
/// assert_eq!(render(listing.sessions()), "Marzo 2019:\n- 5 marzo (9.30 – 13.30) ➔ Facebook per Cultura\n");
/// ```
pub fn render(sessions: &[ListedSession]) -> String {
    let mut out = String::new();
    let mut month = None;
    for session in sessions {
        let date = session.local_date;
        if month != Some((date.year(), date.month())) {
            month = Some((date.year(), date.month()));
            let name = italian::month_name(date.month()).unwrap_or("?");
            let mut chars = name.chars();
            let capitalised: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            out.push_str(&format!("{capitalised} {}:\n", date.year()));
        }
        out.push_str(&format!(
            "- {} {} ({} – {}) ➔ {}\n",
            date.day(),
            italian::month_name(date.month()).unwrap_or("?"),
            dotted(session.local_start),
            dotted(session.local_end),
            session.title
        ));
    }
    out
}

#[cfg(test)]
mod tests;
