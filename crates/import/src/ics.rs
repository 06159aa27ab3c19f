//! iCalendar (RFC 5545): sessions written as a calendar people subscribe to, and calendars read
//! back into sessions.
//!
//! # Writing
//!
//! One `VEVENT` per session with a stable `UID` (`SESSION-ID@skillhub`, so a re-export updates
//! rather than duplicates), a `DTSTAMP` the caller passes (libraries read no clock), `DTSTART` and
//! `DTEND` either in UTC or in local time with a `TZID` and a `VTIMEZONE` built from the tz
//! database through `skillhub_core::tz` (one component per transition in the years spanned),
//! `SUMMARY` and `LOCATION`. Lines end in CRLF, TEXT values are escaped (`\\`, `\;`, `\,`,
//! `\n`) and lines longer than 75 octets are folded without splitting a UTF-8 character.
//!
//! # Reading
//!
//! Folded lines are unfolded, components nest, and each `VEVENT` becomes a session:
//! - `DTSTART`/`DTEND` (or `DURATION`) with a `TZID` resolve the `TZID` as an IANA zone name
//!   (a path prefix such as `/mozilla.org/20050126_1/` is dropped); `VTIMEZONE` definitions are
//!   not trusted over the tz database. UTC times (`…Z`) are kept as instants and shown in the
//!   default zone; floating times are read in the default zone.
//! - A series (`RRULE` with `COUNT` or `UNTIL`, `EXDATE`, `RDATE`) is expanded into one session
//!   per occurrence. Recurrence is computed in local wall-clock time as RFC 5545 says, then every
//!   occurrence is resolved through `skillhub_core::tz`, so a session in a DST gap is an error and
//!   an ambiguous one follows the [`Ambiguity`] policy; each occurrence lasts the exact duration
//!   of the first.
//! - Events whose start is a `DATE` (all day) and cancelled events (`STATUS:CANCELLED`) are not
//!   sessions and are skipped.
//!
//! # Why partly by hand
//!
//! Recurrence expansion uses the `rrule` crate, fed with wall-clock times as if they were UTC so
//! that its own time-zone database never decides an instant (every instant comes from
//! `skillhub_core::tz`, the project's single tz source). The content-line reader and writer are
//! hand-written (about 150 lines): the `icalendar` crate neither reports line numbers, which
//! every problem here must carry, nor writes `VTIMEZONE` components.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone as _, Utc,
};
use serde::{Serialize, Serializer};
use skillhub_core::ids::HubId;
use skillhub_core::program::Program;
use skillhub_core::session::{Ambiguity, Session};
use skillhub_core::tz::Zone;

use crate::{Error, Problem, Report, Result};

/// The product id written in every calendar.
pub const PRODID: &str = "-//skillhub//skillhub-import//IT";

/// How times are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Times {
    /// `DTSTART:20190212T083000Z`: no time zone definitions needed.
    #[default]
    Utc,
    /// `DTSTART;TZID=Europe/Rome:20190212T093000` with a `VTIMEZONE` per zone.
    Local,
}

/// What a calendar is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// The `DTSTAMP` of every event: when the calendar was made (the caller reads the clock).
    pub dtstamp: DateTime<Utc>,
    /// UTC or local times.
    pub times: Times,
}

/// A program's sessions as a calendar named after the program.
pub fn export_program(program: &Program, options: &ExportOptions) -> String {
    let sessions: Vec<&Session> = program.sessions().iter().collect();
    export_sessions(program.name(), &sessions, |s| location(program, s), options)
}

/// The sessions of one hub of a program, as a calendar named `PROGRAM — HUB`.
pub fn export_hub(program: &Program, hub: &HubId, options: &ExportOptions) -> Result<String> {
    let found = program
        .hub(hub)
        .ok_or_else(|| Error::Request(format!("program {} has no hub {hub}", program.id())))?;
    let sessions: Vec<&Session> = program
        .sessions()
        .iter()
        .filter(|s| s.hub() == Some(hub))
        .collect();
    let name = format!("{} — {}", program.name(), found.name);
    Ok(export_sessions(
        &name,
        &sessions,
        |s| location(program, s),
        options,
    ))
}

/// `Binario F, Stazione Roma Termini, 00185 Roma` for a hub's session, `Online` without a hub.
fn location(program: &Program, session: &Session) -> String {
    match session.hub().and_then(|id| program.hub(id)) {
        Some(hub) => format!("{}, {}", hub.name, hub.address.one_line()),
        None => "Online".to_owned(),
    }
}

/// Any sessions as a calendar; `location` says where each one is.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use skillhub_core::fixture::Catalog;
/// use skillhub_import::ics::{ExportOptions, Times, export_sessions};
/// let catalog = Catalog::seeds().unwrap();
/// let program = catalog.program("binario-f").unwrap();
/// let first = &program.sessions()[..1];
/// let options = ExportOptions { dtstamp: Utc.with_ymd_and_hms(2019, 1, 15, 9, 0, 0).unwrap(), times: Times::Utc };
/// let ics = export_sessions("Binario F", &first.iter().collect::<Vec<_>>(), |_| "Roma".into(), &options);
/// assert!(ics.contains("\r\nUID:binario-f-2019-02-12@skillhub\r\n"));
/// assert!(ics.contains("\r\nDTSTART:20190212T083000Z\r\n"));
/// ```
pub fn export_sessions(
    name: &str,
    sessions: &[&Session],
    location: impl Fn(&Session) -> String,
    options: &ExportOptions,
) -> String {
    let mut out = Writer::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line(&format!("PRODID:{PRODID}"));
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.line(&format!("X-WR-CALNAME:{}", escape(name)));
    if options.times == Times::Local {
        let zones: BTreeSet<&'static str> = sessions.iter().map(|s| s.zone().name()).collect();
        for zone in zones {
            let years = sessions
                .iter()
                .filter(|s| s.zone().name() == zone)
                .flat_map(|s| [s.local_start().year(), s.local_end().year()]);
            let (first, last) = years.fold((i32::MAX, i32::MIN), |(a, b), y| (a.min(y), b.max(y)));
            if let Ok(zone) = Zone::parse(zone) {
                vtimezone(&mut out, zone, first, last);
            }
        }
    }
    for session in sessions {
        out.line("BEGIN:VEVENT");
        out.line(&format!("UID:{}@skillhub", session.id()));
        out.line(&format!("DTSTAMP:{}", utc_stamp(options.dtstamp)));
        match options.times {
            Times::Utc => {
                out.line(&format!("DTSTART:{}", utc_stamp(session.starts_at())));
                out.line(&format!("DTEND:{}", utc_stamp(session.ends_at())));
            }
            Times::Local => {
                let tzid = session.zone().name();
                out.line(&format!(
                    "DTSTART;TZID={tzid}:{}",
                    stamp(session.local_start())
                ));
                out.line(&format!("DTEND;TZID={tzid}:{}", stamp(session.local_end())));
            }
        }
        out.line(&format!("SUMMARY:{}", escape(session.title())));
        out.line(&format!("LOCATION:{}", escape(&location(session))));
        out.line("END:VEVENT");
    }
    out.line("END:VCALENDAR");
    out.text
}

/// What an invitation asks of a calendar (iTIP, RFC 5546): add or update the event, or remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `METHOD:REQUEST`: add the event, or update the one with the same `UID` when the
    /// `SEQUENCE` is higher.
    Request,
    /// `METHOD:CANCEL` with `STATUS:CANCELLED`: remove the event with the same `UID`.
    Cancel,
}

impl Method {
    /// `REQUEST` or `CANCEL`, as in the calendar and in a MIME part's `method=` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// One event sent to one person, e.g. attached to a confirmation e-mail: its `uid` stays the same
/// for every later message about the same registration, so the person's calendar updates (a
/// higher `sequence`) or removes (`Method::Cancel`) the entry it made the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Add or update, or remove.
    pub method: Method,
    /// The event's `UID`, e.g. `registration-42@example.org`.
    pub uid: String,
    /// `SEQUENCE`: 0 first, higher for each change (a cancellation is higher than the last
    /// request).
    pub sequence: u32,
    /// `DTSTAMP`: when the message was made (the caller reads the clock).
    pub stamp: DateTime<Utc>,
    /// `DTSTART`, written in UTC.
    pub starts_at: DateTime<Utc>,
    /// `DTEND`, written in UTC.
    pub ends_at: DateTime<Utc>,
    /// `SUMMARY`: the session's title.
    pub summary: String,
    /// `LOCATION`: the place, or `Online`.
    pub location: String,
    /// `DESCRIPTION`: free text (newlines allowed).
    pub description: String,
    /// `URL`: e.g. the registration's manage link.
    pub url: Option<String>,
}

/// A whole `VCALENDAR` with one `VEVENT`: the invitation, with `METHOD` and, for a cancellation,
/// `STATUS:CANCELLED`. Escaping and folding are this module's, as in [`export_sessions`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use skillhub_import::ics::{Invitation, Method, invitation};
/// let at = |h| Utc.with_ymd_and_hms(2030, 2, 12, h, 30, 0).unwrap();
/// let ics = invitation(&Invitation {
///     method: Method::Request,
///     uid: "registration-42@example.org".into(),
///     sequence: 0,
///     stamp: at(7),
///     starts_at: at(8),
///     ends_at: at(12),
///     summary: "SPID, passo per passo".into(),
///     location: "Biblioteca Sormani, Milano".into(),
///     description: "Gestisci l'iscrizione: https://example.org/x".into(),
///     url: Some("https://example.org/x".into()),
/// });
/// assert!(ics.contains("\r\nMETHOD:REQUEST\r\n"));
/// assert!(ics.contains("\r\nDTSTART:20300212T083000Z\r\n"));
/// assert!(ics.contains("\r\nSUMMARY:SPID\\, passo per passo\r\n"));
/// ```
pub fn invitation(invitation: &Invitation) -> String {
    let mut out = Writer::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line(&format!("PRODID:{PRODID}"));
    out.line("CALSCALE:GREGORIAN");
    out.line(&format!("METHOD:{}", invitation.method.as_str()));
    out.line("BEGIN:VEVENT");
    out.line(&format!("UID:{}", invitation.uid));
    out.line(&format!("SEQUENCE:{}", invitation.sequence));
    out.line(&format!("DTSTAMP:{}", utc_stamp(invitation.stamp)));
    out.line(&format!("DTSTART:{}", utc_stamp(invitation.starts_at)));
    out.line(&format!("DTEND:{}", utc_stamp(invitation.ends_at)));
    out.line(&format!("SUMMARY:{}", escape(&invitation.summary)));
    out.line(&format!("LOCATION:{}", escape(&invitation.location)));
    out.line(&format!("DESCRIPTION:{}", escape(&invitation.description)));
    if let Some(url) = &invitation.url {
        out.line(&format!("URL:{url}"));
    }
    out.line(match invitation.method {
        Method::Request => "STATUS:CONFIRMED",
        Method::Cancel => "STATUS:CANCELLED",
    });
    out.line("END:VEVENT");
    out.line("END:VCALENDAR");
    out.text
}

/// One `STANDARD`/`DAYLIGHT` per offset change from 1 January of `first` to 31 December of
/// `last`, found by scanning the zone day by day and bisecting to the second.
fn vtimezone(out: &mut Writer, zone: Zone, first: i32, last: i32) {
    out.line("BEGIN:VTIMEZONE");
    out.line(&format!("TZID:{}", zone.name()));
    let offset = |at: DateTime<Utc>| zone.offset_seconds(at).ok();
    let start = NaiveDate::from_ymd_opt(first, 1, 1)
        .map(|d| Utc.from_utc_datetime(&d.and_time(Default::default())));
    let end = NaiveDate::from_ymd_opt(last, 12, 31)
        .map(|d| Utc.from_utc_datetime(&d.and_time(Default::default())));
    let mut transitions = Vec::new();
    if let (Some(mut day), Some(end)) = (start, end) {
        while day < end {
            let next = day + Duration::days(1);
            if let (Some(a), Some(b)) = (offset(day), offset(next))
                && a != b
            {
                let (mut lo, mut hi) = (day, next);
                while hi - lo > Duration::seconds(1) {
                    let mid = lo + (hi - lo) / 2;
                    if offset(mid) == Some(a) {
                        lo = mid
                    } else {
                        hi = mid
                    }
                }
                transitions.push((hi, a, b));
            }
            day = next;
        }
    }
    if transitions.is_empty() {
        let now = start.and_then(offset).unwrap_or(0);
        transitions.push((
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            now,
            now,
        ));
    }
    for (at, from, to) in transitions {
        let kind = if to > from { "DAYLIGHT" } else { "STANDARD" };
        let local = at.naive_utc() + Duration::seconds(i64::from(from));
        out.line(&format!("BEGIN:{kind}"));
        out.line(&format!("DTSTART:{}", stamp(local)));
        out.line(&format!("TZOFFSETFROM:{}", utc_offset(from)));
        out.line(&format!("TZOFFSETTO:{}", utc_offset(to)));
        out.line(&format!("END:{kind}"));
    }
    out.line("END:VTIMEZONE");
}

/// `+0100`, `-0330`, `+053328` (seconds only when there are some).
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

fn stamp(local: NaiveDateTime) -> String {
    local.format("%Y%m%dT%H%M%S").to_string()
}

fn utc_stamp(at: DateTime<Utc>) -> String {
    format!("{}Z", stamp(at.naive_utc()))
}

/// Escapes a TEXT value: backslash, `;`, `,` and newlines (RFC 5545 §3.3.11).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Undoes [`escape`]; an unknown escape keeps the character.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Content lines with CRLF, folded at 75 octets on character boundaries.
#[derive(Debug, Default)]
struct Writer {
    text: String,
}

impl Writer {
    fn line(&mut self, line: &str) {
        fold_into(&mut self.text, line);
    }
}

/// Appends `line` folded: each physical line holds at most 75 octets, continuations start
/// with a space, and no UTF-8 character is split.
pub fn fold_into(out: &mut String, line: &str) {
    let mut budget = 75;
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > budget {
            out.push_str("\r\n ");
            budget = 74;
            used = 0;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// What to read a calendar with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// The zone of floating times, and the zone UTC times are shown in.
    pub zone: Zone,
    /// Policy for a local time that happens twice.
    pub ambiguity: Ambiguity,
    /// The most occurrences one series may expand to; more is an error.
    pub max_occurrences: u16,
}

/// One session read from a calendar (an event, or one occurrence of a series).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    uid: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    local_start: NaiveDateTime,
    local_end: NaiveDateTime,
    zone: Zone,
    #[serde(serialize_with = "rfc3339")]
    starts_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    ends_at: DateTime<Utc>,
    line: usize,
}

fn rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

impl Event {
    /// The event's `UID` (shared by the occurrences of a series).
    pub fn uid(&self) -> &str {
        &self.uid
    }
    /// `SUMMARY`, unescaped.
    pub fn title(&self) -> &str {
        &self.title
    }
    /// `LOCATION`, unescaped.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }
    /// Local start in [`Event::zone`].
    pub fn local_start(&self) -> NaiveDateTime {
        self.local_start
    }
    /// Local end in [`Event::zone`].
    pub fn local_end(&self) -> NaiveDateTime {
        self.local_end
    }
    /// The zone of the local times.
    pub fn zone(&self) -> Zone {
        self.zone
    }
    /// Start instant.
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }
    /// End instant.
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.ends_at
    }
    /// The line of the file where the event begins.
    pub fn line(&self) -> usize {
        self.line
    }
}

/// A logical (unfolded) content line.
#[derive(Debug, Clone)]
struct ContentLine {
    line: usize,
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl ContentLine {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Unfolds and splits into content lines; a line without `:` is a problem.
fn content_lines(file: &str, text: &str, report: &mut Report) -> Vec<ContentLine> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut logical: Vec<(usize, String)> = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), logical.last_mut()) {
            (Some(rest), Some((_, last))) => last.push_str(rest),
            _ if raw.is_empty() => {}
            _ => logical.push((index + 1, raw.to_owned())),
        }
    }
    logical
        .into_iter()
        .filter_map(|(line, text)| match split_content_line(&text, line) {
            Some(content) => Some(content),
            None => {
                report.problems.push(problem(
                    file,
                    line,
                    None,
                    "expected NAME[;PARAM=VALUE]:VALUE".to_owned(),
                ));
                None
            }
        })
        .collect()
}

/// `NAME;P=V;Q="a:b":VALUE` → name (uppercased), params, value. Quoted parameter values may
/// hold `:` and `;`.
fn split_content_line(text: &str, line: usize) -> Option<ContentLine> {
    let mut in_quotes = false;
    let mut cut = None;
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                cut = Some(i);
                break;
            }
            _ => {}
        }
    }
    let cut = cut?;
    let (head, value) = (&text[..cut], &text[cut + 1..]);
    let mut parts = Vec::new();
    let mut current = String::new();
    in_quotes = false;
    for c in head.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            ';' if !in_quotes => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    let mut parts = parts.into_iter();
    let name = parts.next()?.to_ascii_uppercase();
    if name.is_empty() {
        return None;
    }
    let params = parts
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (n.to_ascii_uppercase(), v.to_owned()),
            None => (p.to_ascii_uppercase(), String::new()),
        })
        .collect();
    Some(ContentLine {
        line,
        name,
        params,
        value: value.to_owned(),
    })
}

fn problem(file: &str, line: usize, field: Option<&str>, message: String) -> Problem {
    Problem {
        file: file.to_owned(),
        line,
        field: field.map(str::to_owned),
        message,
    }
}

/// Reads a calendar into sessions, in file order (a series' occurrences in time order).
///
/// ```
/// use skillhub_core::{session::Ambiguity, tz::Zone};
/// use skillhub_import::ics::{ImportOptions, parse};
/// let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Europe/Rome:20190212T093000\r\n\
///            DTEND;TZID=Europe/Rome:20190212T133000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n\
///            EXDATE;TZID=Europe/Rome:20190219T093000\r\nSUMMARY:Facebook per la Sanit\r\n à\r\n\
///            END:VEVENT\r\nEND:VCALENDAR\r\n";
/// let options = ImportOptions { zone: Zone::rome(), ambiguity: Ambiguity::Refuse, max_occurrences: 500 };
/// let events = parse("a.ics", ics, &options).unwrap();
/// assert_eq!(events.len(), 2);
/// assert_eq!(events[1].local_start().to_string(), "2019-02-26 09:30:00");
/// assert_eq!(events[0].title(), "Facebook per la Sanità");
/// ```
pub fn parse(file: &str, text: &str, options: &ImportOptions) -> Result<Vec<Event>> {
    let mut report = Report::default();
    let lines = content_lines(file, text, &mut report);
    let mut events = Vec::new();
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut current: Option<(usize, Vec<ContentLine>)> = None;
    for line in lines {
        match line.name.as_str() {
            "BEGIN" => {
                let kind = line.value.to_ascii_uppercase();
                if kind == "VEVENT" {
                    current = Some((line.line, Vec::new()));
                }
                stack.push((kind, line.line));
            }
            "END" => {
                let kind = line.value.to_ascii_uppercase();
                match stack.pop() {
                    Some((open, _)) if open == kind => {}
                    Some((open, at)) => report.problems.push(problem(
                        file,
                        line.line,
                        None,
                        format!("expected END:{open} (opened on line {at}), found END:{kind}"),
                    )),
                    None => report.problems.push(problem(
                        file,
                        line.line,
                        None,
                        format!("END:{kind} without a BEGIN"),
                    )),
                }
                if kind == "VEVENT"
                    && let Some((begin, props)) = current.take()
                {
                    match event(file, begin, &props, options) {
                        Ok(mut found) => events.append(&mut found),
                        Err(mut problems) => report.problems.append(&mut problems),
                    }
                }
            }
            _ => {
                if let Some((_, props)) = current.as_mut()
                    && stack.last().is_some_and(|(k, _)| k == "VEVENT")
                {
                    props.push(line);
                }
            }
        }
    }
    if let Some((open, at)) = stack.pop() {
        report.problems.push(problem(
            file,
            at,
            None,
            format!("BEGIN:{open} is never closed (expected END:{open})"),
        ));
    }
    report.problems.sort_by_key(|p| p.line);
    report.into_result(events)
}

/// How a date-time was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Basis {
    /// Local time in a zone (`TZID`, or floating read in the default zone).
    Zone(Zone),
    /// UTC (`…Z`).
    Utc,
}

/// A date-time property value: the wall-clock time and what it is relative to; `None` for a
/// `DATE` value (all day).
fn date_time(
    prop: &ContentLine,
    options: &ImportOptions,
) -> Result<Option<(NaiveDateTime, Basis)>, String> {
    let value = prop.value.trim();
    if prop
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
        || value.len() == 8
    {
        return match NaiveDate::parse_from_str(value, "%Y%m%d") {
            Ok(_) => Ok(None),
            Err(_) => Err(format!("{value:?} is not a DATE (expected YYYYMMDD)")),
        };
    }
    let (local, utc) = match value.strip_suffix(['Z', 'z']) {
        Some(local) => (local, true),
        None => (value, false),
    };
    let naive = NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S").map_err(|_| {
        format!("{value:?} is not a DATE-TIME (expected YYYYMMDDTHHMMSS, with Z for UTC)")
    })?;
    let basis = match (utc, prop.param("TZID")) {
        (true, _) => Basis::Utc,
        (false, Some(tzid)) => Basis::Zone(zone_of(tzid)?),
        (false, None) => Basis::Zone(options.zone),
    };
    Ok(Some((naive, basis)))
}

/// A `TZID` as an IANA name, dropping path prefixes such as `/mozilla.org/20050126_1/`.
fn zone_of(tzid: &str) -> Result<Zone, String> {
    let tzid = tzid.trim_matches('"');
    let mut candidate = tzid;
    loop {
        if let Ok(zone) = Zone::parse(candidate) {
            return Ok(zone);
        }
        match candidate.split_once('/') {
            Some((_, rest)) if !rest.is_empty() => candidate = rest,
            _ => {
                return Err(format!(
                    "TZID {tzid:?} is not an IANA time zone name (expected one such as Europe/Rome)"
                ));
            }
        }
    }
}

/// The instant of a wall-clock time, and its wall-clock time in the event's zone.
fn resolve(
    naive: NaiveDateTime,
    basis: Basis,
    options: &ImportOptions,
) -> Result<DateTime<Utc>, String> {
    match basis {
        Basis::Utc => Ok(Utc.from_utc_datetime(&naive)),
        Basis::Zone(zone) => options
            .ambiguity
            .instant(zone, naive)
            .map_err(|e| e.to_string()),
    }
}

/// `P1DT2H30M`, `PT4H`, `-PT15M` → seconds.
fn duration(text: &str) -> Option<Duration> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let rest = rest.strip_prefix('P')?;
    let mut total = 0i64;
    let mut number = String::new();
    let mut in_time = false;
    for c in rest.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' if number.is_empty() => in_time = true,
            unit => {
                let n: i64 = std::mem::take(&mut number).parse().ok()?;
                total += n * match (unit, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
            }
        }
    }
    (number.is_empty() && rest != "T" && !rest.is_empty()).then_some(())?;
    Some(Duration::seconds(if negative { -total } else { total }))
}

/// One VEVENT → its sessions, or every problem it has.
fn event(
    file: &str,
    begin: usize,
    props: &[ContentLine],
    options: &ImportOptions,
) -> Result<Vec<Event>, Vec<Problem>> {
    let problems = std::cell::RefCell::new(Vec::new());
    let get = |name: &str| props.iter().find(|p| p.name == name);
    let fail = |prop: Option<&ContentLine>, name: &str, message: String| {
        let line = prop.map_or(begin, |p| p.line);
        problems
            .borrow_mut()
            .push(problem(file, line, Some(name), message));
    };
    if get("STATUS").is_some_and(|s| s.value.eq_ignore_ascii_case("CANCELLED")) {
        return Ok(Vec::new());
    }
    let uid = get("UID")
        .map(|p| p.value.trim().to_owned())
        .unwrap_or_default();
    let title = get("SUMMARY")
        .map(|p| unescape(&p.value).trim().to_owned())
        .unwrap_or_default();
    if title.is_empty() {
        fail(
            get("SUMMARY"),
            "SUMMARY",
            "expected a SUMMARY (the session's title)".to_owned(),
        );
    }
    let location = get("LOCATION")
        .map(|p| unescape(&p.value))
        .filter(|l| !l.trim().is_empty());
    let Some(dtstart) = get("DTSTART") else {
        fail(None, "DTSTART", "expected a DTSTART".to_owned());
        return Err(problems.into_inner());
    };
    let start = match date_time(dtstart, options) {
        Ok(Some(start)) => start,
        Ok(None) => return Ok(Vec::new()),
        Err(message) => {
            fail(Some(dtstart), "DTSTART", message);
            return Err(problems.into_inner());
        }
    };
    let starts_at = match resolve(start.0, start.1, options) {
        Ok(at) => Some(at),
        Err(message) => {
            fail(Some(dtstart), "DTSTART", message);
            None
        }
    };
    let length = match (get("DTEND"), get("DURATION")) {
        (Some(dtend), _) => match date_time(dtend, options) {
            Ok(Some((naive, basis))) => match (resolve(naive, basis, options), starts_at) {
                (Ok(end), Some(start)) => Some(end - start),
                (Ok(_), None) => None,
                (Err(message), _) => {
                    fail(Some(dtend), "DTEND", message);
                    None
                }
            },
            Ok(None) => {
                fail(
                    Some(dtend),
                    "DTEND",
                    "expected a DATE-TIME like DTSTART, found a DATE".to_owned(),
                );
                None
            }
            Err(message) => {
                fail(Some(dtend), "DTEND", message);
                None
            }
        },
        (None, Some(prop)) => {
            let parsed = duration(prop.value.trim());
            if parsed.is_none() {
                fail(
                    Some(prop),
                    "DURATION",
                    format!(
                        "{:?} is not a duration (expected e.g. PT4H or PT3H30M)",
                        prop.value
                    ),
                );
            }
            parsed
        }
        (None, None) => {
            fail(
                None,
                "DTEND",
                "expected DTEND or DURATION (a session needs an end)".to_owned(),
            );
            None
        }
    };
    if let Some(length) = length
        && length <= Duration::zero()
    {
        fail(
            get("DTEND").or(get("DURATION")),
            "DTEND",
            "the end is not after the start".to_owned(),
        );
    }
    let zone = match start.1 {
        Basis::Zone(zone) => zone,
        Basis::Utc => options.zone,
    };
    let occurrences = match occurrences(start, props, options) {
        Ok(list) => list,
        Err((prop, name, message)) => {
            fail(Some(prop), name, message);
            Vec::new()
        }
    };
    if !problems.borrow().is_empty() {
        return Err(problems.into_inner());
    }
    let (Some(length), Some(_)) = (length, starts_at) else {
        return Err(problems.into_inner());
    };
    let mut events = Vec::new();
    for naive in occurrences {
        let starts_at = match resolve(naive, start.1, options) {
            Ok(at) => at,
            Err(message) => {
                fail(
                    get("RRULE").or(Some(dtstart)),
                    "RRULE",
                    format!("occurrence {naive}: {message}"),
                );
                continue;
            }
        };
        let ends_at = starts_at + length;
        let (Ok(local_start), Ok(local_end)) = (zone.to_local(starts_at), zone.to_local(ends_at))
        else {
            fail(
                Some(dtstart),
                "DTSTART",
                format!("{naive} is outside the supported range"),
            );
            continue;
        };
        events.push(Event {
            uid: uid.clone(),
            title: title.clone(),
            location: location.clone(),
            local_start,
            local_end,
            zone,
            starts_at,
            ends_at,
            line: begin,
        });
    }
    let problems = problems.into_inner();
    if problems.is_empty() {
        Ok(events)
    } else {
        Err(problems)
    }
}

type PropError<'a> = (&'a ContentLine, &'static str, String);

/// The wall-clock starts of an event: just DTSTART, or the expansion of its series.
fn occurrences<'a>(
    start: (NaiveDateTime, Basis),
    props: &'a [ContentLine],
    options: &ImportOptions,
) -> Result<Vec<NaiveDateTime>, PropError<'a>> {
    let rrules: Vec<&ContentLine> = props.iter().filter(|p| p.name == "RRULE").collect();
    let rdates: Vec<&ContentLine> = props.iter().filter(|p| p.name == "RDATE").collect();
    if rrules.is_empty() && rdates.is_empty() {
        return Ok(vec![start.0]);
    }
    // Wall-clock times in the event's basis, carried by rrule as if they were UTC.
    let floating = |naive: NaiveDateTime| rrule::Tz::UTC.from_utc_datetime(&naive);
    let mut set = rrule::RRuleSet::new(floating(start.0));
    for prop in &rrules {
        let rule = series_rule(prop, start, options)?;
        set = set.rrule(rule);
    }
    for prop in props
        .iter()
        .filter(|p| p.name == "EXDATE" || p.name == "RDATE")
    {
        for value in prop.value.split(',') {
            let single = ContentLine {
                value: value.to_owned(),
                ..prop.clone()
            };
            let name = if prop.name == "EXDATE" {
                "EXDATE"
            } else {
                "RDATE"
            };
            let naive = match date_time(&single, options) {
                Ok(Some((naive, basis))) => {
                    in_basis(naive, basis, start.1, options).map_err(|m| (prop, name, m))?
                }
                Ok(None) => value_date(value).and_time(start.0.time()),
                Err(message) => return Err((prop, name, message)),
            };
            set = if name == "EXDATE" {
                set.exdate(floating(naive))
            } else {
                set.rdate(floating(naive))
            };
        }
    }
    let result = set.all(options.max_occurrences);
    if result.limited {
        let prop = rrules
            .first()
            .copied()
            .or(rdates.first().copied())
            .unwrap_or(&props[0]);
        return Err((
            prop,
            "RRULE",
            format!(
                "the series has more than {} occurrences",
                options.max_occurrences
            ),
        ));
    }
    Ok(result.dates.into_iter().map(|d| d.naive_utc()).collect())
}

/// The date of a `DATE` value (EXDATE;VALUE=DATE), for an all-day exception.
fn value_date(value: &str) -> NaiveDate {
    NaiveDate::parse_from_str(value.trim(), "%Y%m%d").unwrap_or_default()
}

/// A date-time written in `basis` as a wall-clock time in `target`.
fn in_basis(
    naive: NaiveDateTime,
    basis: Basis,
    target: Basis,
    options: &ImportOptions,
) -> Result<NaiveDateTime, String> {
    if basis == target {
        return Ok(naive);
    }
    let at = resolve(naive, basis, options)?;
    match target {
        Basis::Utc => Ok(at.naive_utc()),
        Basis::Zone(zone) => zone.to_local(at).map_err(|e| e.to_string()),
    }
}

/// Parses an RRULE, requiring an end (COUNT or UNTIL); UNTIL is converted to the event's
/// wall-clock time by core, so rrule's own zones never matter.
fn series_rule<'a>(
    prop: &'a ContentLine,
    start: (NaiveDateTime, Basis),
    options: &ImportOptions,
) -> Result<rrule::RRule, PropError<'a>> {
    let err = |message: String| (prop, "RRULE", message);
    let mut until = None;
    let mut rest = Vec::new();
    for part in prop.value.split(';').filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some((key, value)) if key.eq_ignore_ascii_case("UNTIL") => {
                until = Some(value.to_owned())
            }
            _ => rest.push(part),
        }
    }
    let mut rule = rrule::RRule::<rrule::Unvalidated>::from_str(&rest.join(";"))
        .map_err(|e| err(format!("{e}")))?;
    match (&until, rule.get_count()) {
        (None, None) => {
            return Err(err(
                "expected COUNT or UNTIL: an endless series cannot become sessions".to_owned(),
            ));
        }
        (Some(value), _) => {
            let single = ContentLine {
                value: value.clone(),
                ..prop.clone()
            };
            let naive = match date_time(&single, options) {
                Ok(Some((naive, basis))) => {
                    in_basis(naive, basis, start.1, options).map_err(err)?
                }
                Ok(None) => value_date(value).and_hms_opt(23, 59, 59).unwrap_or(start.0),
                Err(message) => return Err(err(format!("UNTIL: {message}"))),
            };
            rule = rule.until(rrule::Tz::UTC.from_utc_datetime(&naive));
        }
        (None, Some(_)) => {}
    }
    rule.validate(rrule::Tz::UTC.from_utc_datetime(&start.0))
        .map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests;
