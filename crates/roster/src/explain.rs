//! Why a session stays short of trainers, in Italian and English ("incontri scoperti").
//!
//! The reason is the first step of a funnel where too few trainers remain: those who teach the
//! competences at the level, those of them who reach the place, those of them free at that time
//! (weekly hours, days off), and those of them not already busy in this roster (a clashing
//! session, travel included, or a weekly or monthly limit reached).

use chrono::NaiveDateTime;
use serde::Serialize;

use super::session::Place;
use skillhub_core::digcomp::{Competence, Level};
use skillhub_core::ids::SessionId;
use skillhub_core::italian;

/// Why a session has fewer trainers than it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Shortfall {
    /// Nobody teaches the competences at that level.
    NoSkill,
    /// Some teach it, but none of them reaches the place (or teaches online).
    NoneReachable {
        /// How many teach it.
        skilled: u32,
    },
    /// Some teach it and reach the place, but none is free at that time (weekly hours, days off,
    /// or excluded from this session).
    NoneAvailable {
        /// How many teach it and reach the place.
        reachable: u32,
    },
    /// Fewer trainers could ever take it than it needs.
    TooFew {
        /// How many could.
        available: u32,
    },
    /// Enough could, but the others are busy in this roster.
    AllBusy {
        /// How many could.
        available: u32,
        /// Of those not in this session: teaching a clashing session (travel included).
        overlapping: u32,
        /// Of those not in this session: at their weekly limit.
        weekly_limit: u32,
        /// Of those not in this session: at their monthly limit.
        monthly_limit: u32,
    },
}

/// A session with fewer trainers than it needs, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncovered {
    /// The session.
    pub session: SessionId,
    /// Where.
    pub place: Place,
    /// Local start.
    pub local_start: NaiveDateTime,
    /// Local end.
    pub local_end: NaiveDateTime,
    /// Competences it teaches.
    pub competences: Vec<Competence>,
    /// Level needed.
    pub level: Level,
    /// Trainers needed.
    pub needed: u8,
    /// Trainers it has.
    pub assigned: u8,
    /// Why not more.
    pub shortfall: Shortfall,
}

fn join<T: AsRef<str>>(items: &[T], and: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} {and} {}", init.join(", "), last.as_ref())
        }
    }
}

fn plural<'a>(n: u32, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

impl Uncovered {
    fn ids(&self) -> Vec<&'static str> {
        self.competences.iter().map(|c| c.id()).collect()
    }

    /// "con competenza 3.4 livello 5" (empty when the session names no competence).
    fn with_skill_it(&self) -> String {
        match self.competences.len() {
            0 => String::new(),
            1 => format!(" con competenza {} livello {}", self.ids()[0], self.level),
            _ => format!(
                " con competenze {} livello {}",
                join(&self.ids(), "e"),
                self.level
            ),
        }
    }

    fn with_skill_en(&self) -> String {
        match self.competences.len() {
            0 => String::new(),
            1 => format!(" with competence {} at level {}", self.ids()[0], self.level),
            _ => format!(
                " with competences {} at level {}",
                join(&self.ids(), "and"),
                self.level
            ),
        }
    }

    /// "giovedì 12 marzo 2020, 9:30–13:30 nel Municipio 4".
    fn when_where_it(&self) -> String {
        format!(
            "{} {}",
            italian::span(self.local_start, self.local_end),
            self.place.at_it()
        )
    }

    /// "on Thursday 12 March 2020, 9:30–13:30 in Municipio 4".
    fn when_where_en(&self) -> String {
        format!(
            "on {}, {}–{} {}",
            self.local_start.format("%A %-d %B %Y"),
            italian::clock(self.local_start),
            italian::clock(self.local_end),
            self.place.at_en()
        )
    }

    /// Why, in Italian: "nessun formatore con competenza 3.4 livello 5 disponibile giovedì 12
    /// marzo 2020, 9:30–13:30 nel Municipio 4".
    pub fn reason_it(&self) -> String {
        let skill = self.with_skill_it();
        match self.shortfall {
            Shortfall::NoSkill if self.competences.is_empty() => {
                "non c'è nessun formatore".to_owned()
            }
            Shortfall::NoSkill => format!(
                "nessun formatore insegna {} {} al livello {}",
                plural(
                    self.competences.len() as u32,
                    "la competenza",
                    "le competenze"
                ),
                join(&self.ids(), "e"),
                self.level
            ),
            Shortfall::NoneReachable { skilled } => match &self.place {
                Place::Online => {
                    format!("nessun formatore{skill} insegna online ({skilled} solo in presenza)")
                }
                place => format!(
                    "nessun formatore{skill} raggiunge {} ({skilled} {} altrove)",
                    place.name_it_with_article(),
                    plural(skilled, "insegna", "insegnano")
                ),
            },
            Shortfall::NoneAvailable { .. } => {
                format!(
                    "nessun formatore{skill} disponibile {}",
                    self.when_where_it()
                )
            }
            Shortfall::TooFew { available } => format!(
                "solo {available} {}{skill} {} {}",
                plural(available, "formatore", "formatori"),
                plural(available, "disponibile", "disponibili"),
                self.when_where_it()
            ),
            Shortfall::AllBusy {
                available,
                overlapping,
                weekly_limit,
                monthly_limit,
            } => {
                let mut parts = Vec::new();
                if overlapping > 0 {
                    parts.push(format!(
                        "{overlapping} in incontri che si sovrappongono (spostamento compreso)"
                    ));
                }
                if weekly_limit > 0 {
                    parts.push(format!("{weekly_limit} al limite settimanale"));
                }
                if monthly_limit > 0 {
                    parts.push(format!("{monthly_limit} al limite mensile"));
                }
                format!(
                    "{available} {}{skill} {} {}, ma già impegnati: {}",
                    plural(available, "formatore", "formatori"),
                    plural(available, "disponibile", "disponibili"),
                    self.when_where_it(),
                    join(&parts, "e")
                )
            }
        }
    }

    /// Why, in English: "no trainer with competence 3.4 at level 5 available on Thursday 12 March
    /// 2020, 9:30–13:30 in Municipio 4".
    pub fn reason_en(&self) -> String {
        let skill = self.with_skill_en();
        match self.shortfall {
            Shortfall::NoSkill if self.competences.is_empty() => "there are no trainers".to_owned(),
            Shortfall::NoSkill => format!(
                "no trainer teaches {} {} at level {}",
                plural(self.competences.len() as u32, "competence", "competences"),
                join(&self.ids(), "and"),
                self.level
            ),
            Shortfall::NoneReachable { skilled } => match &self.place {
                Place::Online => {
                    format!("no trainer{skill} teaches online ({skilled} only in person)")
                }
                place => format!(
                    "no trainer{skill} reaches {} ({skilled} {} elsewhere)",
                    place.name(),
                    plural(skilled, "teaches", "teach")
                ),
            },
            Shortfall::NoneAvailable { .. } => {
                format!("no trainer{skill} available {}", self.when_where_en())
            }
            Shortfall::TooFew { available } => format!(
                "only {available} {}{skill} available {}",
                plural(available, "trainer", "trainers"),
                self.when_where_en()
            ),
            Shortfall::AllBusy {
                available,
                overlapping,
                weekly_limit,
                monthly_limit,
            } => {
                let mut parts = Vec::new();
                if overlapping > 0 {
                    parts.push(format!(
                        "{overlapping} in clashing sessions (travel included)"
                    ));
                }
                if weekly_limit > 0 {
                    parts.push(format!("{weekly_limit} at their weekly limit"));
                }
                if monthly_limit > 0 {
                    parts.push(format!("{monthly_limit} at their monthly limit"));
                }
                format!(
                    "{available} {}{skill} available {}, but already busy: {}",
                    plural(available, "trainer", "trainers"),
                    self.when_where_en(),
                    join(&parts, "and")
                )
            }
        }
    }

    /// The whole line in Italian: "manca 1 formatore su 2: " and the reason.
    pub fn it(&self) -> String {
        let missing = u32::from(self.needed - self.assigned.min(self.needed));
        format!(
            "{} {missing} {} su {}: {}",
            plural(missing, "manca", "mancano"),
            plural(missing, "formatore", "formatori"),
            self.needed,
            self.reason_it()
        )
    }

    /// The whole line in English: "1 of 2 trainers missing: " and the reason.
    pub fn en(&self) -> String {
        let missing = self.needed - self.assigned.min(self.needed);
        format!(
            "{missing} of {} {} missing: {}",
            self.needed,
            plural(u32::from(self.needed), "trainer", "trainers"),
            self.reason_en()
        )
    }
}
