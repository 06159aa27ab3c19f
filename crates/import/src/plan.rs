//! From what a file says to what would be written: the sessions of a calendar listing or an
//! iCalendar file at one hub, and the registrations of a spreadsheet judged by their programs.
//!
//! This is the part of an import that the command line (`skillhub import`) and the back
//! office's upload page share, so a file is planned the same way whoever reads it; the
//! callers only look up what the plan needs (a hub's zone, the sessions a sheet names) and
//! hand the result to the store, which writes it all or nothing. Like the readers, a plan
//! reports every problem with its file and line, and returns nothing when any is found.
//!
//! ```
//! use skillhub_core::capacity::Seats;
//! use skillhub_core::ids::{HubId, ProgramId};
//! use skillhub_core::{session::Ambiguity, tz::Zone};
//! use skillhub_import::{calendar, plan};
//! let options = calendar::Options { year: 2020, zone: Zone::rome(), ambiguity: Ambiguity::Refuse };
//! let listing = calendar::parse("pilota.txt", "- 11/03 ore 9.30-12.30 ➔ SPID\n", &options).unwrap();
//! let (program, hub) = (ProgramId::parse("milano-digitale").unwrap(), HubId::parse("municipio-4").unwrap());
//! let target = plan::Target { program: &program, hub: &hub, zone: Zone::rome(), seats: Seats::new(25, 0).unwrap() };
//! let sessions = plan::sessions("pilota.txt", &plan::from_listing(&listing, options.ambiguity), &target).unwrap();
//! assert_eq!(sessions[0].id().as_str(), "municipio-4-2020-03-11-0930");
//! ```

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use skillhub_core::capacity::{SeatKind, Seats, Tier};
use skillhub_core::ids::{HubId, ProgramId, SessionId};
use skillhub_core::person::Person;
use skillhub_core::program::{Program, Verdict};
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::tz::Zone;

use crate::calendar::Listing;
use crate::csv::RegistrationRow;
use crate::{Problem, Report, Result, ics};

/// A session read from a file, in the hub's local time, ready to be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Title.
    pub title: String,
    /// Local date.
    pub date: NaiveDate,
    /// Local start.
    pub start: NaiveTime,
    /// Local end (the same day).
    pub end: NaiveTime,
    /// Which occurrence a repeated local time means.
    pub ambiguity: Ambiguity,
    /// The line of the file it comes from.
    pub line: usize,
}

/// Where planned sessions go: a hub of a program (its zone is the sessions' zone) and the
/// in-person seats of each.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The program.
    pub program: &'a ProgramId,
    /// The hub.
    pub hub: &'a HubId,
    /// The hub's zone.
    pub zone: Zone,
    /// The seats of each session.
    pub seats: Seats,
}

/// The entries of a listing, in file order, read with `ambiguity`.
pub fn from_listing(listing: &Listing, ambiguity: Ambiguity) -> Vec<Planned> {
    listing
        .sessions()
        .iter()
        .map(|s| Planned {
            title: s.title().to_owned(),
            date: s.local_date(),
            start: s.local_start(),
            end: s.local_end(),
            ambiguity,
            line: s.line(),
        })
        .collect()
}

/// Each event in the hub's local time (`zone`). An event that ends on another day (local)
/// cannot be a session; every such event is reported with its line.
pub fn from_events(file: &str, events: &[ics::Event], zone: Zone) -> Result<Vec<Planned>> {
    let mut report = Report::default();
    let mut planned = Vec::with_capacity(events.len());
    for event in events {
        let local = |at| zone.to_local(at);
        let (start, end) = match (local(event.starts_at()), local(event.ends_at())) {
            (Ok(start), Ok(end)) => (start, end),
            (Err(err), _) | (_, Err(err)) => {
                report.problems.push(problem(
                    file,
                    event.line(),
                    Some("DTSTART"),
                    err.to_string(),
                ));
                continue;
            }
        };
        if end.date() != start.date() {
            report.problems.push(problem(
                file,
                event.line(),
                Some("DTEND"),
                format!(
                    "the event ends on another day ({} to {} in {}); a session starts and ends on the same day",
                    start.format("%Y-%m-%d %H:%M"),
                    end.format("%Y-%m-%d %H:%M"),
                    zone.name()
                ),
            ));
            continue;
        }
        planned.push(Planned {
            title: event.title().to_owned(),
            date: start.date(),
            start: start.time(),
            end: end.time(),
            ambiguity: occurrence_of(zone, start, event.starts_at()),
            line: event.line(),
        });
    }
    report.into_result(planned)
}

/// The policy that gives back `at` from its local time: the event's instant is known, so a time
/// that happens twice is never a question here.
fn occurrence_of(zone: Zone, local: NaiveDateTime, at: DateTime<Utc>) -> Ambiguity {
    if Ambiguity::Earlier.instant(zone, local).ok() == Some(at) {
        Ambiguity::Earlier
    } else {
        Ambiguity::Later
    }
}

/// The sessions `planned` become at `target`, built by core, in person, with ids
/// `HUB-YYYY-MM-DD-HHMM` (so the same file imported twice is refused, not duplicated).
/// Every session core refuses (one that ends on another day, a hub in another zone) is a
/// problem with its line.
pub fn sessions(file: &str, planned: &[Planned], target: &Target<'_>) -> Result<Vec<Session>> {
    let mut report = Report::default();
    let mut sessions = Vec::with_capacity(planned.len());
    for listed in planned {
        let id = match SessionId::starting(target.hub.as_str(), listed.date.and_time(listed.start))
        {
            Ok(id) => id,
            Err(err) => {
                report
                    .problems
                    .push(problem(file, listed.line, None, err.to_string()));
                continue;
            }
        };
        let spec = SessionSpec {
            id,
            program: target.program.clone(),
            hub: Some(target.hub.clone()),
            room: None,
            title: listed.title.clone(),
            competences: Vec::new(),
            level: None,
            mode: Mode::InPerson,
            seats: target.seats,
            trainers: Vec::new(),
            date: listed.date,
            start: listed.start,
            end: listed.end,
            zone: target.zone,
            ambiguity: listed.ambiguity,
        };
        match Session::new(spec) {
            Ok(session) => sessions.push(session),
            Err(err) => report
                .problems
                .push(problem(file, listed.line, None, err.to_string())),
        }
    }
    report.into_result(sessions)
}

/// What judging a registration needs of its session: its program, zone and start.
#[derive(Debug, Clone, Copy)]
pub struct SessionFacts<'a> {
    /// The session's program (its eligibility rules and priority tiers).
    pub program: &'a Program,
    /// The session's zone (rules read its local day).
    pub zone: Zone,
    /// Its start.
    pub starts_at: DateTime<Utc>,
}

/// A spreadsheet row its program admits, with the tier its rules give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// The file line of the row.
    pub line: u64,
    /// The session.
    pub session: SessionId,
    /// The person.
    pub person: Person,
    /// The seat kind asked for, if any.
    pub kind: Option<SeatKind>,
    /// The priority tier the program's rules give.
    pub tier: Tier,
}

/// Each row judged as one registration of its own would be: `lookup` gives its session's facts,
/// or why it may not be used (no such session, one the importer does not run), and the
/// program's rules must admit the person on the session's local day. Every refusal is a
/// problem with the row's line (at most `max_problems` kept, the rest counted).
pub fn judge_registrations<'a>(
    file: &str,
    rows: &[RegistrationRow],
    lookup: impl Fn(&SessionId) -> std::result::Result<SessionFacts<'a>, String>,
    max_problems: usize,
) -> Result<Vec<Judged>> {
    let mut report = Report::default();
    let mut judged = Vec::with_capacity(rows.len());
    for row in rows {
        let line = usize::try_from(row.line).unwrap_or(usize::MAX);
        let mut fail = |field: &str, message: String| {
            report.push_limited(problem(file, line, Some(field), message), max_problems);
        };
        let facts = match lookup(&row.session) {
            Ok(facts) => facts,
            Err(message) => {
                fail("sessione", message);
                continue;
            }
        };
        let program = facts.program;
        if let Err(problem) = program.settings().codice_fiscale().check(&row.person) {
            fail("codice fiscale", problem.to_string());
            continue;
        }
        let tier = match program.judge(&row.person.attributes, &facts.zone, facts.starts_at) {
            Ok(Verdict::Admitted(tier)) => tier,
            Ok(Verdict::Refused(reasons)) => {
                let why: Vec<&str> = reasons.iter().map(|r| r.it()).collect();
                fail(
                    "email",
                    format!(
                        "{} may not take part in {}: {}",
                        row.person.email.as_str(),
                        program.id(),
                        why.join(" ")
                    ),
                );
                continue;
            }
            Err(err) => {
                fail("sessione", format!("session {}: {err}", row.session));
                continue;
            }
        };
        judged.push(Judged {
            line: row.line,
            session: row.session.clone(),
            person: row.person.clone(),
            kind: row.kind,
            tier,
        });
    }
    report.into_result(judged)
}

fn problem(file: &str, line: usize, field: Option<&str>, message: String) -> Problem {
    Problem {
        file: file.to_owned(),
        line,
        field: field.map(str::to_owned),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar;

    fn target<'a>(program: &'a ProgramId, hub: &'a HubId) -> Target<'a> {
        Target {
            program,
            hub,
            zone: Zone::rome(),
            seats: Seats::new(20, 0).unwrap(),
        }
    }

    #[test]
    fn a_listing_becomes_sessions_at_the_hub() {
        let options = calendar::Options {
            year: 2020,
            zone: Zone::rome(),
            ambiguity: Ambiguity::Refuse,
        };
        let text = "Marzo:\n- 11/03 ore 9.30-12.30 ➔ SPID\n- 12 marzo (14,30 – 17) → Fascicolo\n";
        let listing = calendar::parse("pilota.txt", text, &options).unwrap();
        let planned = from_listing(&listing, Ambiguity::Refuse);
        assert_eq!(planned[1].line, 3);
        let program = ProgramId::parse("milano-digitale").unwrap();
        let hub = HubId::parse("municipio-4").unwrap();
        let built = sessions("pilota.txt", &planned, &target(&program, &hub)).unwrap();
        let ids: Vec<&str> = built.iter().map(|s| s.id().as_str()).collect();
        assert_eq!(
            ids,
            ["municipio-4-2020-03-11-0930", "municipio-4-2020-03-12-1430"]
        );
        assert_eq!(built[0].seats().total(), 20);
    }

    #[test]
    fn every_session_core_refuses_is_a_problem_with_its_line() {
        let day = NaiveDate::from_ymd_opt(2020, 3, 11).unwrap();
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let planned = |title: &str, start, end, line| Planned {
            title: title.to_owned(),
            date: day,
            start,
            end,
            ambiguity: Ambiguity::Refuse,
            line,
        };
        let program = ProgramId::parse("milano-digitale").unwrap();
        let hub = HubId::parse("municipio-4").unwrap();
        let err = sessions(
            "f.txt",
            &[
                planned("", at(9, 0), at(10, 0), 2),
                planned("Buono", at(11, 0), at(12, 0), 3),
                planned("Lungo", at(10, 0), at(9, 0), 4),
            ],
            &target(&program, &hub),
        )
        .unwrap_err();
        let crate::Error::Invalid(report) = err else {
            panic!("{err}")
        };
        let lines: Vec<usize> = report.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 4], "{report}");
    }

    /// A program that requires the codice fiscale: a row without one (or of another birth
    /// date) is a problem at its line, in the `codice fiscale` column; a row with it passes.
    #[test]
    fn a_required_codice_fiscale_is_checked_by_line() {
        let program = skillhub_core::fixture::parse_program(
            r#"
id = "con-codice"
name = "Con codice fiscale"
summary_it = "Prova."
source = "test"
countries = ["IT"]
window = { from = "2030-01-01" }
audiences = ["people"]

[settings]
zone = "Europe/Rome"
codice_fiscale = "required"
"#,
        )
        .unwrap();
        let session = SessionId::parse("con-codice-1").unwrap();
        let row = |line: u64, code: Option<&str>, born: Option<(i32, u32, u32)>| {
            let mut person: Person = serde_json::from_value(serde_json::json!({
                "name": "Mario Rossi",
                "email": format!("mario{line}@example.it"),
            }))
            .unwrap();
            person.codice_fiscale =
                code.map(|c| skillhub_core::codice_fiscale::CodiceFiscale::parse(c).unwrap());
            person.attributes.birth_date =
                born.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
            RegistrationRow {
                line,
                session: session.clone(),
                person,
                kind: None,
            }
        };
        let rows = [
            row(2, Some("RSSMRA85T10A562S"), Some((1985, 12, 10))),
            row(3, None, None),
            row(4, Some("RSSMRA85T10A562S"), Some((1986, 12, 10))),
        ];
        let lookup = |_: &SessionId| {
            Ok(SessionFacts {
                program: &program,
                zone: Zone::rome(),
                starts_at: DateTime::parse_from_rfc3339("2030-03-05T09:30:00+01:00")
                    .unwrap()
                    .with_timezone(&Utc),
            })
        };
        let err = judge_registrations("iscritti.csv", &rows, lookup, 100).unwrap_err();
        let crate::Error::Invalid(report) = err else {
            panic!("{err}")
        };
        let found: Vec<(usize, Option<&str>)> = report
            .problems
            .iter()
            .map(|p| (p.line, p.field.as_deref()))
            .collect();
        assert_eq!(
            found,
            [(3, Some("codice fiscale")), (4, Some("codice fiscale"))],
            "{report}"
        );
        let judged = judge_registrations("iscritti.csv", &rows[..1], lookup, 100).unwrap();
        assert_eq!(judged.len(), 1);
    }
}
