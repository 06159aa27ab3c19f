//! A roster as a report for people and programs: which sessions to roster for a program and a
//! range of days, and the result as Italian text, spreadsheet rows and JSON. The adapters (the
//! CLI's `skillhub roster`, the HTTP route) call [`RosterReport::build`] and print.
//!
//! The program's trainers and sessions are data the caller gives: this module knows no program
//! by name and generates nothing (the adapters take the trainers of `fixtures/trainers/` and the
//! generated labs of `skillhub-fixtures`). The default range is the program's first milestone
//! (for #milanodigitale, the pilot week).

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use super::{
    Change, Optimality, Place, Roster, RosterError, RosterProblem, RosterSession, Rules, Trainer,
};
use skillhub_core::ids::{ProgramId, SessionId, TrainerId};
use skillhub_core::italian;
use skillhub_core::program::Program;

/// What to roster: a range of days (default: the program's first milestone), the travel buffer,
/// the seed the trainers and sessions were generated from (printed with the report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RosterRequest {
    /// First day; default: the first day of the program's first milestone.
    pub from: Option<NaiveDate>,
    /// Last day, included; default: the last day of the program's first milestone.
    pub to: Option<NaiveDate>,
    /// Minutes needed between in-person sessions in different Municipi.
    pub travel_minutes: u32,
    /// The seed the trainers and sessions were generated from, printed with the report.
    pub seed: u64,
}

/// Why a roster cannot be made for a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RosterRequestError {
    /// The program has no trainers.
    #[error("{0} has no trainers to roster")]
    NoTrainers(ProgramId),
    /// No range was given and the program has no milestone to default to.
    #[error("give the first and last day")]
    NoRange,
    /// The last day is before the first.
    #[error("the last day {to} is before the first day {from}")]
    Reversed {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
    /// The generated trainers and sessions do not form a valid problem.
    #[error("{0}")]
    Problem(String),
}

/// A program's roster for a range of days, ready to print.
#[derive(Debug)]
pub struct RosterReport<'a> {
    program: &'a Program,
    problem: RosterProblem,
    roster: Roster,
    from: NaiveDate,
    to: NaiveDate,
    seed: u64,
}

impl<'a> RosterReport<'a> {
    /// Rosters `program`'s `sessions` between the request's days with its `trainers`.
    ///
    /// ```
    /// use skillhub_core::fixture::Catalog;
    /// use skillhub_fixtures::milano::{SEED, milano_year};
    /// use skillhub_roster::report::{RosterReport, RosterRequest};
    /// let catalog = Catalog::seeds().unwrap();
    /// let milano = catalog.program("milano-digitale").unwrap();
    /// let (trainers, sessions) = milano_year(SEED, 2_000);
    /// let request = RosterRequest { from: None, to: None, travel_minutes: 45, seed: SEED };
    /// let report = RosterReport::build(milano, trainers, sessions.clone(), request).unwrap();
    /// assert!(report.text_it().starts_with("Turni dei formatori — "));
    /// assert!(RosterReport::build(milano, vec![], sessions, request).is_err());
    /// ```
    pub fn build(
        program: &'a Program,
        trainers: Vec<Trainer>,
        sessions: Vec<RosterSession>,
        request: RosterRequest,
    ) -> Result<Self, RosterRequestError> {
        if trainers.is_empty() {
            return Err(RosterRequestError::NoTrainers(program.id().clone()));
        }
        let pilot = program.milestones().first().map(|m| m.window);
        let from = request.from.or(pilot.map(|w| w.from));
        let to = request.to.or(pilot.and_then(|w| w.until));
        let (Some(from), Some(to)) = (from, to) else {
            return Err(RosterRequestError::NoRange);
        };
        if to < from {
            return Err(RosterRequestError::Reversed { from, to });
        }
        let sessions: Vec<RosterSession> = sessions
            .into_iter()
            .filter(|s| (from..=to).contains(&s.local_start().date()))
            .collect();
        let rules = Rules {
            travel_minutes: request.travel_minutes,
            ..Rules::default()
        };
        let problem = RosterProblem::new(trainers, sessions, rules)
            .map_err(|err| RosterRequestError::Problem(err.to_string()))?;
        let roster = problem.solve();
        Ok(RosterReport {
            program,
            problem,
            roster,
            from,
            to,
            seed: request.seed,
        })
    }

    /// The roster itself.
    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    /// The report after `trainer` drops out of `session`: the session is refilled with the
    /// fewest changes elsewhere ([`RosterProblem::replace`]); the changes come back with it, the
    /// dropped-out session's first.
    ///
    /// ```
    /// use skillhub_core::fixture::Catalog;
    /// use skillhub_fixtures::milano::{SEED, milano_pilot};
    /// use skillhub_roster::report::{RosterReport, RosterRequest};
    /// let catalog = Catalog::seeds().unwrap();
    /// let milano = catalog.program("milano-digitale").unwrap();
    /// let (trainers, sessions) = milano_pilot(SEED);
    /// let request = RosterRequest { from: None, to: None, travel_minutes: 45, seed: SEED };
    /// let report = RosterReport::build(milano, trainers, sessions, request).unwrap();
    /// let first = report.roster().assignments[0].clone();
    /// let (after, changes) = report.drop_out(&first.trainer, &first.session).unwrap();
    /// assert_eq!(changes[0].removed.as_ref(), Some(&first.trainer));
    /// assert!(after.roster().trainers_of(&first.session).all(|t| t != &first.trainer));
    /// ```
    pub fn drop_out(
        self,
        trainer: &TrainerId,
        session: &SessionId,
    ) -> Result<(RosterReport<'a>, Vec<Change>), RosterError> {
        let replacement = self.problem.replace(&self.roster, trainer, session)?;
        Ok((
            RosterReport {
                roster: replacement.roster,
                ..self
            },
            replacement.changes,
        ))
    }

    /// The changes of [`RosterReport::drop_out`] in Italian, one line each:
    /// `- [sessione] esce Nome (id), entra Nome (id)`.
    pub fn changes_it(&self, changes: &[Change]) -> String {
        let who = |id: &Option<TrainerId>| {
            id.as_ref().map(|id| match self.trainer(id) {
                Some(t) => format!("{} ({id})", t.name()),
                None => id.to_string(),
            })
        };
        let mut out = String::new();
        for change in changes {
            let parts: Vec<String> = [
                who(&change.removed).map(|w| format!("esce {w}")),
                who(&change.added).map(|w| format!("entra {w}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            let _ = writeln!(out, "- [{}] {}", change.session, parts.join(", "));
        }
        out
    }
}

impl Serialize for RosterReport<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.wire().serialize(serializer)
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn plural<'a>(n: u32, one: &'a str, many: &'a str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn optimality_it(optimality: Optimality) -> &'static str {
    match optimality {
        Optimality::Proven => "turni ottimali (dimostrato con ricerca esatta)",
        Optimality::CoverageAndLoadProven => {
            "copertura e carico massimo ottimali (dimostrato); preferenza per il proprio Municipio euristica"
        }
        Optimality::CoverageProven => {
            "copertura ottimale (dimostrato); carico e preferenza per il proprio Municipio euristici"
        }
        _ => "turni validi, non dimostrati ottimali",
    }
}

impl RosterReport<'_> {
    fn place_name(&self, place: &Place) -> String {
        place
            .hub()
            .and_then(|hub| self.program.hub(hub))
            .map_or_else(|| place.name(), |hub| hub.name.clone())
    }

    fn trainer(&self, id: &TrainerId) -> Option<&Trainer> {
        self.problem
            .trainer_index(id)
            .map(|i| &self.problem.trainers()[i])
    }

    fn names(&self, session: &RosterSession) -> Vec<String> {
        self.roster
            .trainers_of(session.id())
            .map(|id| match self.trainer(id) {
                Some(t) => format!("{} ({id})", t.name()),
                None => id.to_string(),
            })
            .collect()
    }

    /// The roster in Italian: a summary, then each session with its trainers, then the sessions
    /// left short with the reason.
    pub fn text_it(&self) -> String {
        let s = &self.roster.summary;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Turni dei formatori — {}, dal {} al {} (formatori e incontri generati, seme {})",
            self.program.name(),
            italian::short_date(self.from),
            italian::short_date(self.to),
            self.seed
        );
        let _ = writeln!(
            out,
            "{}, {} necessari: {} assegnati (al massimo {}), {} con tutti i formatori.",
            plural(s.sessions, "incontro", "incontri"),
            plural(s.slots_needed, "formatore", "formatori"),
            s.slots_filled,
            s.slots_bound,
            s.sessions_covered
        );
        let _ = writeln!(
            out,
            "Carico massimo: {} a formatore (non meno di {}); {} fuori dal proprio Municipio.",
            plural(s.max_load, "incontro", "incontri"),
            s.max_load_bound,
            plural(s.away, "incontro in presenza", "incontri in presenza")
        );
        let _ = writeln!(out, "Esito: {}.", optimality_it(s.optimality));
        let _ = writeln!(out);
        for session in self.problem.sessions() {
            let names = self.names(session);
            let missing = usize::from(session.trainers_needed()).saturating_sub(names.len());
            let _ = writeln!(
                out,
                "{}  {}  [{}]  {}{}",
                italian::span(session.local_start(), session.local_end()),
                self.place_name(session.place()),
                session.id(),
                if names.is_empty() {
                    "—".to_owned()
                } else {
                    names.join(", ")
                },
                if missing == 1 {
                    "  (ne manca 1)".to_owned()
                } else if missing > 1 {
                    format!("  (ne mancano {missing})")
                } else {
                    String::new()
                }
            );
        }
        if !self.roster.uncovered.is_empty() {
            let _ = writeln!(out, "\nIncontri scoperti:");
            for u in &self.roster.uncovered {
                let _ = writeln!(out, "- [{}] {}", u.session, u.it());
            }
        }
        out
    }

    /// The roster as spreadsheet rows, the header first (Italian column names; dates dd/mm/yyyy):
    /// one row per session.
    pub fn rows_it(&self) -> Vec<[String; 12]> {
        let header = [
            "data",
            "inizio",
            "fine",
            "sede",
            "modalita",
            "incontro",
            "competenze",
            "livello",
            "formatori_necessari",
            "formatori_assegnati",
            "formatori",
            "motivo_scopertura",
        ]
        .map(str::to_owned);
        let mut rows = vec![header];
        for session in self.problem.sessions() {
            let names = self.names(session);
            let competences: Vec<String> = session
                .competences()
                .iter()
                .map(|c| format!("{} {}", c.id(), c.it()))
                .collect();
            let reason = self
                .roster
                .uncovered
                .iter()
                .find(|u| &u.session == session.id())
                .map(|u| u.reason_it())
                .unwrap_or_default();
            let mode = match session.place() {
                Place::Online => "online",
                Place::Hub(_) => "in presenza",
            };
            rows.push([
                italian::short_date(session.local_start().date()),
                italian::clock(session.local_start()),
                italian::clock(session.local_end()),
                self.place_name(session.place()),
                mode.to_owned(),
                session.id().to_string(),
                competences.join(", "),
                session.level().to_string(),
                session.trainers_needed().to_string(),
                names.len().to_string(),
                names.join(", "),
                reason,
            ]);
        }
        rows
    }

    fn wire(&self) -> RosterWire<'_> {
        let s = &self.roster.summary;
        RosterWire {
            program_id: self.program.id().as_str(),
            from: self.from,
            to: self.to,
            seed: self.seed,
            travel_minutes: self.problem.rules().travel_minutes,
            summary: SummaryWire {
                sessions: s.sessions,
                sessions_covered: s.sessions_covered,
                slots_needed: s.slots_needed,
                slots_filled: s.slots_filled,
                slots_bound: s.slots_bound,
                max_load: s.max_load,
                max_load_bound: s.max_load_bound,
                away: s.away,
                optimality: match s.optimality {
                    Optimality::Proven => "proven",
                    Optimality::CoverageAndLoadProven => "coverage_and_load_proven",
                    Optimality::CoverageProven => "coverage_proven",
                    _ => "unproven",
                },
            },
            sessions: self
                .problem
                .sessions()
                .iter()
                .map(|session| SessionWire {
                    id: session.id().as_str(),
                    place: session.place().to_string(),
                    place_name: self.place_name(session.place()),
                    local_start: session.local_start().format("%Y-%m-%dT%H:%M").to_string(),
                    local_end: session.local_end().format("%Y-%m-%dT%H:%M").to_string(),
                    starts_at: rfc3339(session.starts_at()),
                    ends_at: rfc3339(session.ends_at()),
                    competences: session.competences().iter().map(|c| c.id()).collect(),
                    level: session.level().get(),
                    trainers_needed: session.trainers_needed(),
                    trainers: self
                        .roster
                        .trainers_of(session.id())
                        .map(|id| TrainerWire {
                            id: id.as_str(),
                            name: self.trainer(id).map_or("", Trainer::name),
                        })
                        .collect(),
                })
                .collect(),
            uncovered: self
                .roster
                .uncovered
                .iter()
                .map(|u| UncoveredWire {
                    session: u.session.as_str(),
                    needed: u.needed,
                    assigned: u.assigned,
                    reason: serde_json::to_value(u.shortfall).unwrap_or_default(),
                    it: u.it(),
                    en: u.en(),
                })
                .collect(),
            loads: self
                .roster
                .loads
                .iter()
                .map(|l| LoadWire {
                    trainer: l.trainer.as_str(),
                    sessions: l.sessions,
                    at_home: l.at_home,
                    away: l.away,
                    online: l.online,
                })
                .collect(),
        }
    }
}

/// The JSON form of a report.
#[derive(Debug, Serialize)]
struct RosterWire<'a> {
    program_id: &'a str,
    from: NaiveDate,
    to: NaiveDate,
    seed: u64,
    travel_minutes: u32,
    summary: SummaryWire,
    sessions: Vec<SessionWire<'a>>,
    uncovered: Vec<UncoveredWire<'a>>,
    loads: Vec<LoadWire<'a>>,
}

#[derive(Debug, Serialize)]
struct SummaryWire {
    sessions: u32,
    sessions_covered: u32,
    slots_needed: u32,
    slots_filled: u32,
    slots_bound: u32,
    max_load: u32,
    max_load_bound: u32,
    away: u32,
    optimality: &'static str,
}

#[derive(Debug, Serialize)]
struct SessionWire<'a> {
    id: &'a str,
    place: String,
    place_name: String,
    local_start: String,
    local_end: String,
    starts_at: String,
    ends_at: String,
    competences: Vec<&'static str>,
    level: u8,
    trainers_needed: u8,
    trainers: Vec<TrainerWire<'a>>,
}

#[derive(Debug, Serialize)]
struct TrainerWire<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Debug, Serialize)]
struct UncoveredWire<'a> {
    session: &'a str,
    needed: u8,
    assigned: u8,
    reason: serde_json::Value,
    it: String,
    en: String,
}

#[derive(Debug, Serialize)]
struct LoadWire<'a> {
    trainer: &'a str,
    sessions: u32,
    at_home: u32,
    away: u32,
    online: u32,
}
