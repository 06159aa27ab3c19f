//! `skillhub-progress`: progress against targets ("avanzamento rispetto agli obiettivi"): how
//! many people (or SMEs, cooperatives …) each target of a program has reached, on a given day,
//! and where the current pace leads.
//!
//! Input is a list of attendance facts supplied by the caller ([`Attendance`]: who, in which
//! mode, what is counted, in which country, on which day; the store will supply them, the CLI
//! reads them from a file with [`parse_attendance`]). Rules:
//!
//! - **Once each per target.** A target counts distinct person keys: someone who attended ten
//!   sessions counts once; an SME counts once however many of its people attended.
//! - **Filters nest.** A fact counts for a target when it matches the target's unit, mode and
//!   country *and those of all its ancestors*
//!   ([`skillhub_core::program::Target::parent`]). So a child never counts more than its parent
//!   (75,000 classroom candidates ⊂ 300,000 candidates ⊂ 500,000 people), and targets split by
//!   mode (100,000 SMEs in classrooms, 250,000 online) count disjoint facts.
//! - **Only the past counts.** Facts dated after "today", or before the program's start, are not
//!   counted (and are reported as ignored). "Today" is a parameter: core has no clock.
//! - **Pace.** The projection is linear from the program's start: `done × (days from start to
//!   deadline) ÷ (days from start to today)`, both counted inclusively, in whole numbers; the
//!   deadline is the target's, else the program's end. Past the deadline the projection is what
//!   was done. [`TargetProgress::reaches_goal_on`] is the day the goal is reached at that pace.
//!
//! - **Units.** A target counts one unit ([`Unit`]): people by their key, organisations (SMEs,
//!   cooperatives and non-profits) by their partita IVA or codice fiscale, grants awarded by
//!   their application, circles or hubs active and sessions held by their id; `people_and_
//!   organisations` counts people and organisations together (Community Skill Hubs' "un milione
//!   di realtà (persone e imprese)"). A person who attends in a classroom and completes a course
//!   online is one key: they count once for a target above both.
//! - **Estimates.** A goal the seed does not give as a goal carries its assumption
//!   ([`skillhub_core::program::Target::assumption`]); the report marks it "obiettivo stimato"
//!   and lists it with the program's other assumptions.
//!
//! Targets have no partner filter, so a target that differs from its parent only by partner
//! (Community Skill Hubs' 300,000 "candidates through Freeformers" within 500,000 people) counts
//! the same facts as its parent; the facts' [`Profile`] says through which hub and partner a
//! person came, for the breakdowns.
//!
//! ```
//! use chrono::NaiveDate;
//! use skillhub_core::fixture::Catalog;
//! use skillhub_progress::{parse_attendance, progress};
//! let catalog = Catalog::seeds().unwrap();
//! let program = catalog.program("community-skill-hubs").unwrap();
//! let facts = parse_attendance(r#"{"attendance": [
//!   {"person": "anna", "mode": "in_person", "unit": "people", "country": "IT", "date": "2018-03-01"},
//!   {"person": "anna", "mode": "online", "unit": "people", "country": "IT", "date": "2018-04-01"},
//!   {"person": "pmi-7", "mode": "online", "unit": "smes", "country": "ES", "date": "2018-05-01"}
//! ]}"#)?;
//! let report = progress(program, &facts, NaiveDate::from_ymd_opt(2018, 12, 31).unwrap());
//! let done: Vec<(&str, u64)> = report.targets.iter().map(|t| (t.id.as_str(), t.done)).collect();
//! assert_eq!(done, [("reach", 2), ("people", 1), ("candidates", 1), ("candidates-classroom", 1),
//!                   ("candidates-online", 1), ("smes-classroom", 0), ("smes-online", 1)]);
//! # Ok::<(), skillhub_progress::AttendanceError>(())
//! ```

#![deny(missing_docs)]

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use chrono::{Days, NaiveDate};
use serde::{Serialize, Serializer};

use skillhub_core::ids::{ProgramId, TargetId};
use skillhub_core::italian;
use skillhub_core::person::Country;
use skillhub_core::program::{Program, Target, Unit};
use skillhub_core::session::Mode;

mod facts;

pub use facts::{
    AgeBand, Attendance, AttendanceError, Profile, award_fact, country_of, facts_of, held_facts,
    organisation_key, organisation_unit, organisation_without_code, parse_attendance, profile_of,
};

/// How far ahead [`TargetProgress::reaches_goal_on`] looks, in years from the program's start.
pub const HORIZON_YEARS: u32 = 100;

/// One target's progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetProgress {
    /// Target id.
    pub id: TargetId,
    /// Italian label.
    pub label_it: String,
    /// English label.
    pub label_en: String,
    /// The target it is part of.
    pub parent: Option<TargetId>,
    /// 0 for a top target, 1 for its children …
    pub depth: u32,
    /// What is counted.
    pub unit: Unit,
    /// Only this mode counts (with its ancestors' filters).
    pub mode: Option<Mode>,
    /// Only this country counts (with its ancestors' filters).
    pub country: Option<Country>,
    /// The goal.
    pub goal: u64,
    /// Why the goal is an estimate ("obiettivo stimato"), when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
    /// Distinct things counted (people, organisations, awards … as `unit` says).
    pub done: u64,
    /// `done / goal` in percent, rounded down to one decimal.
    #[serde(serialize_with = "tenths")]
    pub percent: u64,
    /// The deadline, if any.
    pub deadline: Option<NaiveDate>,
    /// Days from today to the deadline (negative once past).
    pub days_left: Option<i64>,
    /// The count at the deadline at the current pace (the count itself once past).
    pub projected: Option<u64>,
    /// Whether the projection reaches the goal.
    pub on_track: Option<bool>,
    /// The day the goal is reached at the current pace, if not reached yet, anything was done,
    /// and the day is within [`HORIZON_YEARS`] of the start.
    pub reaches_goal_on: Option<NaiveDate>,
    /// Where a steady pace from the start to the deadline would be today: `goal × days so far ÷
    /// days in all` (the goal itself once past the deadline).
    pub expected: Option<u64>,
}

/// Percent in tenths, written as a number with one decimal.
fn tenths<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(*value as f64 / 10.0)
}

impl TargetProgress {
    /// `24,0 %`.
    pub fn percent_it(&self) -> String {
        format!("{},{} %", self.percent / 10, self.percent % 10)
    }
}

/// A program's progress on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressReport {
    /// The program.
    pub program: ProgramId,
    /// Its name.
    pub name: String,
    /// The day of the report.
    pub today: NaiveDate,
    /// The program's start, from which the pace is measured.
    pub start: NaiveDate,
    /// Targets, each parent followed by its children.
    pub targets: Vec<TargetProgress>,
    /// Facts read.
    pub facts: usize,
    /// Facts dated before the start or after today, not counted.
    pub ignored: usize,
    /// What the program's definition assumes beyond its seed (see
    /// [`Program::assumptions`]).
    pub assumptions: Vec<String>,
}

/// Computes every target's progress on `today` (see the module docs).
pub fn progress(program: &Program, facts: &[Attendance], today: NaiveDate) -> ProgressReport {
    let start = program.window().from;
    let in_time: Vec<&Attendance> = facts
        .iter()
        .filter(|f| start <= f.date && f.date <= today)
        .collect();
    let by_id: BTreeMap<&TargetId, &Target> =
        program.targets().iter().map(|t| (&t.id, t)).collect();
    let targets = tree_order(program.targets())
        .into_iter()
        .zip(done_per_target(program, &in_time))
        .map(|(target, done)| {
            let chain = ancestry(target, &by_id);
            let end = target.deadline.or(program.window().until);
            target_progress(target, &chain, done, start, today, end)
        })
        .collect();
    ProgressReport {
        program: program.id().clone(),
        name: program.name().to_owned(),
        today,
        start,
        targets,
        facts: facts.len(),
        ignored: facts.len() - in_time.len(),
        assumptions: program.assumptions().to_vec(),
    }
}

/// What each target counts among `facts` (all counted, whatever their day), in the order of
/// [`ProgressReport::targets`].
pub(crate) fn done_per_target(program: &Program, facts: &[&Attendance]) -> Vec<u64> {
    // Each person key is hashed once, to a dense number; every target then counts distinct
    // numbers with a flag per person instead of hashing every fact again.
    let mut numbers: HashMap<&str, usize> = HashMap::with_capacity(facts.len());
    let who: Vec<usize> = facts
        .iter()
        .map(|f| {
            let next = numbers.len();
            *numbers.entry(f.person.as_str()).or_insert(next)
        })
        .collect();
    let mut counted = vec![false; numbers.len()];
    let by_id: BTreeMap<&TargetId, &Target> =
        program.targets().iter().map(|t| (&t.id, t)).collect();
    tree_order(program.targets())
        .into_iter()
        .map(|target| {
            let chain = ancestry(target, &by_id);
            counted.fill(false);
            let mut done = 0u64;
            for (fact, &person) in facts.iter().zip(&who) {
                if !counted[person] && chain.iter().all(|t| matches(t, fact)) {
                    counted[person] = true;
                    done += 1;
                }
            }
            done
        })
        .collect()
}

/// Targets in depth-first order, roots and siblings in the program's order.
fn tree_order(targets: &[Target]) -> Vec<&Target> {
    fn visit<'a>(t: &'a Target, all: &'a [Target], out: &mut Vec<&'a Target>) {
        if out.iter().any(|o| o.id == t.id) {
            return;
        }
        out.push(t);
        for child in all.iter().filter(|c| c.parent.as_ref() == Some(&t.id)) {
            visit(child, all, out);
        }
    }
    let mut out = Vec::with_capacity(targets.len());
    let known = |id: &TargetId| targets.iter().any(|t| &t.id == id);
    for root in targets
        .iter()
        .filter(|t| t.parent.as_ref().is_none_or(|p| !known(p)))
    {
        visit(root, targets, &mut out);
    }
    out
}

/// The target and its ancestors, itself first (a cycle, which validation forbids, stops).
fn ancestry<'a>(target: &'a Target, by_id: &BTreeMap<&TargetId, &'a Target>) -> Vec<&'a Target> {
    let mut chain = vec![target];
    let mut at = target;
    while let Some(parent) = at.parent.as_ref().and_then(|p| by_id.get(p)) {
        if chain.iter().any(|t| t.id == parent.id) {
            break;
        }
        chain.push(parent);
        at = parent;
    }
    chain
}

fn matches(target: &Target, fact: &Attendance) -> bool {
    target.unit.counts(fact.unit)
        && target.mode.is_none_or(|m| Some(m) == fact.mode)
        && target.country.is_none_or(|c| c == fact.country)
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

fn target_progress(
    target: &Target,
    chain: &[&Target],
    done: u64,
    start: NaiveDate,
    today: NaiveDate,
    end: Option<NaiveDate>,
) -> TargetProgress {
    let goal = target.goal;
    let percent = if goal == 0 {
        1000
    } else {
        u64::try_from(u128::from(done) * 1000 / u128::from(goal)).unwrap_or(u64::MAX)
    };
    // Days from the start to today, both included; 0 before the start.
    let elapsed = u64::try_from(days_between(start, today) + 1).unwrap_or(0);
    let expected = match end {
        _ if elapsed == 0 => None,
        Some(end) if end < today => Some(goal),
        Some(end) => {
            let horizon = u64::try_from(days_between(start, end) + 1).unwrap_or(0);
            (horizon > 0)
                .then(|| u128::from(goal) * u128::from(elapsed) / u128::from(horizon))
                .and_then(|e| u64::try_from(e).ok())
        }
        None => None,
    };
    let projected = match end {
        _ if elapsed == 0 => None,
        Some(end) if end < today => Some(done),
        Some(end) => {
            let horizon = u64::try_from(days_between(start, end) + 1).unwrap_or(0);
            u64::try_from(u128::from(done) * u128::from(horizon) / u128::from(elapsed)).ok()
        }
        None => None,
    };
    let reaches_goal_on = (done > 0 && done < goal && elapsed > 0)
        .then(|| {
            let days = (u128::from(goal) * u128::from(elapsed)).div_ceil(u128::from(done));
            u64::try_from(days - 1)
                .ok()
                .and_then(|d| start.checked_add_days(Days::new(d)))
        })
        .flatten()
        // A date centuries away says "not at this pace" better as nothing.
        .filter(|day| day.years_since(start).is_some_and(|y| y <= HORIZON_YEARS));
    TargetProgress {
        id: target.id.clone(),
        label_it: target.label_it.clone(),
        label_en: target.label_en.clone(),
        parent: target.parent.clone(),
        depth: u32::try_from(chain.len() - 1).unwrap_or(u32::MAX),
        unit: target.unit,
        mode: chain.iter().find_map(|t| t.mode),
        country: chain.iter().find_map(|t| t.country),
        goal,
        assumption: target.assumption.clone(),
        done,
        percent,
        deadline: target.deadline,
        days_left: target.deadline.map(|d| days_between(today, d)),
        projected,
        on_track: projected.map(|p| p >= goal),
        reaches_goal_on,
        expected,
    }
}

impl ProgressReport {
    /// One spreadsheet row per target, the header first: `obiettivo;descrizione;livello;unita;
    /// modalita;paese;traguardo;fatti;percentuale;scadenza;giorni_rimasti;proiezione;in_linea;
    /// previsto_oggi;traguardo_previsto_il;conteggio;obiettivo_stimato`, with Italian decimals
    /// and dd/mm/yyyy dates; `conteggio` says what one counted thing is, `obiettivo_stimato` the
    /// assumption behind an estimated goal (empty for a goal the seed gives).
    pub fn rows_it(&self) -> Vec<[String; 17]> {
        let header = [
            "obiettivo",
            "descrizione",
            "livello",
            "unita",
            "modalita",
            "paese",
            "traguardo",
            "fatti",
            "percentuale",
            "scadenza",
            "giorni_rimasti",
            "proiezione",
            "in_linea",
            "previsto_oggi",
            "traguardo_previsto_il",
            "conteggio",
            "obiettivo_stimato",
        ]
        .map(str::to_owned);
        let opt = |v: Option<String>| v.unwrap_or_default();
        let mut rows = vec![header];
        for t in &self.targets {
            rows.push([
                t.id.to_string(),
                t.label_it.clone(),
                t.depth.to_string(),
                t.unit.as_str().to_owned(),
                opt(t.mode.map(|m| m.as_str().to_owned())),
                opt(t.country.map(|c| c.as_str().to_owned())),
                t.goal.to_string(),
                t.done.to_string(),
                format!("{},{}", t.percent / 10, t.percent % 10),
                opt(t.deadline.map(italian::short_date)),
                opt(t.days_left.map(|d| d.to_string())),
                opt(t.projected.map(|p| p.to_string())),
                opt(t.on_track.map(|ok| if ok { "Sì" } else { "No" }.to_owned())),
                opt(t.expected.map(|e| e.to_string())),
                opt(t.reaches_goal_on.map(italian::short_date)),
                t.unit.counting_it().to_owned(),
                opt(t.assumption.clone()),
            ]);
        }
        rows
    }

    /// The report in Italian: one line per target, children indented under their parent.
    pub fn text_it(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Avanzamento di {} al {} (dall'avvio del {}).",
            self.name,
            italian::short_date(self.today),
            italian::short_date(self.start),
        );
        for t in &self.targets {
            let indent = "  ".repeat(t.depth as usize);
            let _ = write!(
                out,
                "{indent}- {}{}: {} su {} ({})",
                t.label_it,
                if t.assumption.is_some() {
                    " (obiettivo stimato)"
                } else {
                    ""
                },
                italian::thousands(t.done),
                italian::thousands(t.goal),
                t.percent_it()
            );
            if let (Some(deadline), Some(left)) = (t.deadline, t.days_left) {
                let when = match left {
                    0 => "oggi".to_owned(),
                    1 => "tra 1 giorno".to_owned(),
                    n if n > 1 => format!("tra {n} giorni"),
                    -1 => "scaduta da 1 giorno".to_owned(),
                    n => format!("scaduta da {} giorni", -n),
                };
                let _ = write!(out, "; scadenza {} ({when})", italian::short_date(deadline));
            }
            match (t.projected, t.on_track) {
                (Some(p), Some(ok)) if t.days_left.is_some_and(|d| d < 0) => {
                    let _ = write!(
                        out,
                        "; risultato finale {}: {}",
                        italian::thousands(p),
                        if ok { "raggiunto" } else { "non raggiunto" }
                    );
                }
                (Some(p), Some(ok)) => {
                    let _ = write!(
                        out,
                        "; al ritmo attuale {} alla scadenza: {}",
                        italian::thousands(p),
                        if ok { "in linea" } else { "in ritardo" }
                    );
                }
                _ => {}
            }
            if t.done >= t.goal {
                let _ = write!(out, "; obiettivo raggiunto");
            } else if let Some(day) = t.reaches_goal_on {
                let _ = write!(
                    out,
                    "; a questo ritmo l'obiettivo arriva il {}",
                    italian::short_date(day)
                );
            }
            let _ = writeln!(out, ".");
        }
        let estimated: Vec<&TargetProgress> = self
            .targets
            .iter()
            .filter(|t| t.assumption.is_some())
            .collect();
        if !estimated.is_empty() || !self.assumptions.is_empty() {
            let _ = writeln!(out, "Ipotesi (non dalle fonti):");
            for t in estimated {
                let _ = writeln!(
                    out,
                    "- {}: {}",
                    t.label_it,
                    t.assumption.as_deref().unwrap_or_default()
                );
            }
            for note in &self.assumptions {
                let _ = writeln!(out, "- {note}");
            }
        }
        if self.ignored > 0 {
            let (what, counted) = if self.ignored == 1 {
                ("presenza", "contata")
            } else {
                ("presenze", "contate")
            };
            let _ = writeln!(
                out,
                "{} {what} su {} non {counted} perché prima dell'avvio o dopo il {}.",
                italian::thousands(self.ignored as u64),
                italian::thousands(self.facts as u64),
                italian::short_date(self.today)
            );
        }
        out
    }
}

pub mod breakdown;
mod chart;
pub mod funder;
pub mod suppress;
pub mod turnout;

#[cfg(test)]
mod tests;
