//! Breakdowns for funders ("ripartizioni"): how many distinct people (or organisations, or
//! whatever a unit counts) of a period were of each gender, age band, country, region, hub,
//! partner and mode.
//!
//! **Each dimension is a partition** of the keys counted in the period, so its cells add up to
//! the period's total and a funder can check one table against another:
//!
//! - a key (a person, an organisation …) is counted once per dimension, with the profile of its
//!   **earliest fact in the period** (the first of the list among facts of the same day): someone
//!   who came to two hubs counts at the hub of their first session, someone who turned 25
//!   during the period in the band they were in at their first;
//! - the mode is the one dimension read from all of a key's facts: **in presenza** (only in
//!   person), **online** (only online) or **entrambi** (both), and "non dichiarato" for facts
//!   without a mode (grants awarded);
//! - a value the facts do not give is **"non dichiarato"**, a cell of its own (always listed,
//!   last).
//!
//! The rows are stable from one period to the next: every gender, age band and mode, every
//! country, region, hub and partner the program names, then values the facts name that the
//! program does not (sorted), then "non dichiarato"; a row may be 0.
//!
//! Linear in the facts: each key is interned once to a dense number (as [`crate::progress`]
//! does), and a dimension counts keys, never facts; no string is made per fact.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use skillhub_core::person::Gender;
use skillhub_core::program::{Program, Unit};
use skillhub_core::session::Mode;

use crate::{AgeBand, Attendance};

/// The days a report covers, both included ("periodo").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

/// Why a period is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeriodError {
    /// The first day is after the last.
    #[error(
        "il periodo inizia il {from} e finisce prima, il {to} (the period ends before it starts)"
    )]
    Reversed {
        /// The first day given, dd/mm/yyyy.
        from: String,
        /// The last day given, dd/mm/yyyy.
        to: String,
    },
}

impl Period {
    /// From `from` to `to`, both included; refused when `to` is before `from`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_progress::breakdown::Period;
    /// let day = |m, d| NaiveDate::from_ymd_opt(2019, m, d).unwrap();
    /// let q1 = Period::new(day(1, 1), day(3, 31)).unwrap();
    /// assert!(q1.contains(day(3, 31)) && !q1.contains(day(4, 1)));
    /// assert!(Period::new(day(3, 31), day(1, 1)).is_err());
    /// ```
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if to < from {
            return Err(PeriodError::Reversed {
                from: skillhub_core::italian::short_date(from),
                to: skillhub_core::italian::short_date(to),
            });
        }
        Ok(Period { from, to })
    }

    /// The first day.
    pub fn from(self) -> NaiveDate {
        self.from
    }

    /// The last day.
    pub fn to(self) -> NaiveDate {
        self.to
    }

    /// Whether `day` is in the period.
    pub fn contains(self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// `dal 01/01/2019 al 31/03/2019`.
    pub fn text_it(self) -> String {
        format!(
            "dal {} al {}",
            skillhub_core::italian::short_date(self.from),
            skillhub_core::italian::short_date(self.to)
        )
    }
}

/// What a breakdown splits by ("dimensione").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Declared gender.
    Gender,
    /// Age band on the day of the first fact.
    AgeBand,
    /// Country counted in (declared, else the hub's).
    Country,
    /// Region (declared, else the hub's).
    Region,
    /// Hub of the first session.
    Hub,
    /// Partner running that hub.
    Partner,
    /// In person, online or both.
    Mode,
}

impl Dimension {
    /// Every dimension, in the order reports list them.
    pub const ALL: [Dimension; 7] = [
        Dimension::Gender,
        Dimension::AgeBand,
        Dimension::Country,
        Dimension::Region,
        Dimension::Hub,
        Dimension::Partner,
        Dimension::Mode,
    ];

    /// The Italian name, as a report heads a table.
    pub fn label_it(self) -> &'static str {
        match self {
            Dimension::Gender => "Genere",
            Dimension::AgeBand => "Fascia d'età",
            Dimension::Country => "Paese",
            Dimension::Region => "Regione",
            Dimension::Hub => "Hub",
            Dimension::Partner => "Partner",
            Dimension::Mode => "Modalità",
        }
    }
}

/// The label of the cell of keys whose value is not known.
pub const UNDECLARED: &str = "non dichiarato";

/// One value of a dimension and how many keys have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakdownCell {
    /// The value as data (`female`, `18-24`, `IT`, a hub's id …); `None` for "non dichiarato".
    pub value: Option<String>,
    /// The value in Italian, as a table shows it.
    pub label_it: String,
    /// Distinct keys.
    pub count: u64,
}

/// A dimension's cells: a partition of the keys of the period (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    /// What it splits by.
    pub dimension: Dimension,
    /// The cells, in a stable order, "non dichiarato" last.
    pub cells: Vec<BreakdownCell>,
    /// Distinct keys in the period: the sum of the cells.
    pub total: u64,
}

impl Breakdown {
    /// The counts of the cells, in order.
    pub fn counts(&self) -> Vec<u64> {
        self.cells.iter().map(|c| c.count).collect()
    }
}

const IN_PERSON: u8 = 1;
const ONLINE: u8 = 2;

/// Every dimension's breakdown of the keys that `unit` counts ([`Unit::counts`]) among the
/// facts of `period` (see the module docs).
///
/// ```
/// use chrono::NaiveDate;
/// use skillhub_core::fixture::Catalog;
/// use skillhub_core::program::Unit;
/// use skillhub_progress::breakdown::{Dimension, Period, breakdowns};
/// use skillhub_progress::parse_attendance;
/// let catalog = Catalog::seeds().unwrap();
/// let program = catalog.program("community-skill-hubs").unwrap();
/// let facts = parse_attendance(r#"{"attendance": [
///   {"person": "anna", "mode": "in_person", "unit": "people", "country": "IT", "date": "2019-03-01", "gender": "female"},
///   {"person": "anna", "mode": "online", "unit": "people", "country": "IT", "date": "2019-04-01"},
///   {"person": "bruno", "mode": "online", "unit": "people", "country": "PL", "date": "2019-03-02"}
/// ]}"#)?;
/// let day = |m, d| NaiveDate::from_ymd_opt(2019, m, d).unwrap();
/// let all = breakdowns(program, &facts, Unit::People, Period::new(day(1, 1), day(12, 31)).unwrap());
/// let mode = all.iter().find(|b| b.dimension == Dimension::Mode).unwrap();
/// let cells: Vec<(&str, u64)> = mode.cells.iter().map(|c| (c.label_it.as_str(), c.count)).collect();
/// assert_eq!(cells, [("in presenza", 0), ("online", 1), ("entrambi", 1), ("non dichiarato", 0)]);
/// // anna's earliest fact says she is a woman; bruno said nothing.
/// assert_eq!(all[0].counts(), [1, 0, 0, 1]);
/// # Ok::<(), skillhub_progress::AttendanceError>(())
/// ```
pub fn breakdowns(
    program: &Program,
    facts: &[Attendance],
    unit: Unit,
    period: Period,
) -> Vec<Breakdown> {
    let keys = Keys::of(facts, unit, period);
    Dimension::ALL
        .iter()
        .map(|&dimension| keys.breakdown(program, dimension))
        .collect()
}

/// The keys of a period: for each, its earliest fact and the modes of all its facts.
struct Keys<'a> {
    facts: &'a [Attendance],
    first: Vec<usize>,
    modes: Vec<u8>,
}

impl<'a> Keys<'a> {
    fn of(facts: &'a [Attendance], unit: Unit, period: Period) -> Keys<'a> {
        let mut numbers: HashMap<&str, usize> = HashMap::new();
        let mut first: Vec<usize> = Vec::new();
        let mut modes: Vec<u8> = Vec::new();
        for (i, fact) in facts.iter().enumerate() {
            if !unit.counts(fact.unit) || !period.contains(fact.date) {
                continue;
            }
            let next = numbers.len();
            let key = *numbers.entry(fact.person.as_str()).or_insert(next);
            if key == first.len() {
                first.push(i);
                modes.push(0);
            } else if fact.date < facts[first[key]].date {
                first[key] = i;
            }
            modes[key] |= match fact.mode {
                Some(Mode::InPerson) => IN_PERSON,
                Some(Mode::Online) => ONLINE,
                Some(Mode::Hybrid) => IN_PERSON | ONLINE,
                None => 0,
            };
        }
        Keys {
            facts,
            first,
            modes,
        }
    }

    fn earliest(&self) -> impl Iterator<Item = &'a Attendance> + '_ {
        self.first.iter().map(|&i| &self.facts[i])
    }

    fn breakdown(&self, program: &Program, dimension: Dimension) -> Breakdown {
        let cells = match dimension {
            Dimension::Gender => self.closed(
                &[Gender::Female, Gender::Male, Gender::NonBinary],
                |f| f.profile.gender,
                |g| (gender_value(*g), gender_label(*g)),
            ),
            Dimension::AgeBand => self.closed(
                &AgeBand::ALL,
                |f| f.profile.age_band,
                |b| (age_value(*b), b.label_it()),
            ),
            Dimension::Mode => {
                let mut counts = [0u64; 4];
                for &m in &self.modes {
                    let cell = match m {
                        IN_PERSON => 0,
                        ONLINE => 1,
                        0 => 3,
                        _ => 2,
                    };
                    counts[cell] += 1;
                }
                [
                    ("in_person", "in presenza"),
                    ("online", "online"),
                    ("both", "entrambi"),
                ]
                .iter()
                .zip(counts)
                .map(|((value, label), count)| BreakdownCell {
                    value: Some((*value).to_owned()),
                    label_it: (*label).to_owned(),
                    count,
                })
                .chain(std::iter::once(undeclared(counts[3])))
                .collect()
            }
            Dimension::Country => self.open(
                program.countries().iter().map(|c| c.as_str()),
                |f| Some(f.country.as_str()),
                |code| code.to_owned(),
            ),
            Dimension::Region => self.open(
                program.regions().iter().map(|r| r.as_str()),
                |f| f.profile.region.as_ref().map(|r| r.as_str()),
                region_label,
            ),
            Dimension::Hub => self.open(
                program.hubs().iter().map(|h| h.id.as_str()),
                |f| f.profile.hub.as_ref().map(|h| h.as_str()),
                |id| {
                    program
                        .hubs()
                        .iter()
                        .find(|h| h.id.as_str() == id)
                        .map_or_else(|| id.to_owned(), |h| h.name.clone())
                },
            ),
            Dimension::Partner => self.open(
                program.partners().iter().map(|p| p.id.as_str()),
                |f| f.profile.partner.as_ref().map(|p| p.as_str()),
                |id| {
                    program
                        .partners()
                        .iter()
                        .find(|p| p.id.as_str() == id)
                        .map_or_else(|| id.to_owned(), |p| p.name.clone())
                },
            ),
        };
        Breakdown {
            dimension,
            total: self.first.len() as u64,
            cells,
        }
    }

    /// A dimension of a fixed set of values, in `values`' order.
    fn closed<V: Copy + PartialEq>(
        &self,
        values: &[V],
        read: impl Fn(&Attendance) -> Option<V>,
        name: impl Fn(&V) -> (&'static str, &'static str),
    ) -> Vec<BreakdownCell> {
        let mut counts = vec![0u64; values.len() + 1];
        for fact in self.earliest() {
            let cell = read(fact)
                .and_then(|v| values.iter().position(|x| *x == v))
                .unwrap_or(values.len());
            counts[cell] += 1;
        }
        values
            .iter()
            .zip(&counts)
            .map(|(v, &count)| {
                let (value, label) = name(v);
                BreakdownCell {
                    value: Some(value.to_owned()),
                    label_it: label.to_owned(),
                    count,
                }
            })
            .chain(std::iter::once(undeclared(counts[values.len()])))
            .collect()
    }

    /// A dimension of open values: the program's first (in its order), then the others met
    /// (sorted), then "non dichiarato".
    fn open<'p>(
        &self,
        known: impl Iterator<Item = &'p str>,
        read: impl Fn(&'a Attendance) -> Option<&'a str>,
        label: impl Fn(&str) -> String,
    ) -> Vec<BreakdownCell> {
        let mut counts: HashMap<&str, u64> = HashMap::new();
        let mut unknown = 0u64;
        for fact in self.earliest() {
            match read(fact) {
                Some(value) => *counts.entry(value).or_insert(0) += 1,
                None => unknown += 1,
            }
        }
        let known: Vec<&str> = known.collect();
        let others: BTreeMap<&str, u64> = counts
            .iter()
            .filter(|(v, _)| !known.contains(v))
            .map(|(v, n)| (*v, *n))
            .collect();
        known
            .iter()
            .map(|v| (*v, counts.get(v).copied().unwrap_or(0)))
            .chain(others)
            .map(|(value, count)| BreakdownCell {
                value: Some(value.to_owned()),
                label_it: label(value),
                count,
            })
            .chain(std::iter::once(undeclared(unknown)))
            .collect()
    }
}

fn undeclared(count: u64) -> BreakdownCell {
    BreakdownCell {
        value: None,
        label_it: UNDECLARED.to_owned(),
        count,
    }
}

fn gender_value(gender: Gender) -> &'static str {
    match gender {
        Gender::Female => "female",
        Gender::Male => "male",
        Gender::NonBinary => "non_binary",
    }
}

fn gender_label(gender: Gender) -> &'static str {
    match gender {
        Gender::Female => "donne",
        Gender::Male => "uomini",
        Gender::NonBinary => "persone non binarie",
    }
}

fn age_value(band: AgeBand) -> &'static str {
    match band {
        AgeBand::Under18 => "0-17",
        AgeBand::From18To24 => "18-24",
        AgeBand::From25To34 => "25-34",
        AgeBand::From35To44 => "35-44",
        AgeBand::From45To54 => "45-54",
        AgeBand::From55To64 => "55-64",
        AgeBand::From65 => "65+",
    }
}

/// A region's id as a label: `emilia-romagna` → `Emilia Romagna`.
fn region_label(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}
