//! Checking a roster against the rules, written plainly (every pair of a trainer's sessions,
//! every week and month counted afresh) so that it can judge the fast engine and rosters made by
//! hand ("verifica").

use std::collections::BTreeMap;
use std::fmt;

use chrono::Datelike;
use serde::Serialize;

use super::{Assignment, RosterProblem};
use skillhub_core::ids::{SessionId, TrainerId};

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Violation {
    /// The session is not in the problem.
    UnknownSession {
        /// The session.
        session: SessionId,
    },
    /// The trainer is not in the problem.
    UnknownTrainer {
        /// The trainer.
        trainer: TrainerId,
    },
    /// The trainer is in the session twice.
    Twice {
        /// The trainer.
        trainer: TrainerId,
        /// The session.
        session: SessionId,
    },
    /// More trainers than the session needs.
    TooMany {
        /// The session.
        session: SessionId,
        /// Trainers it needs.
        needed: u8,
        /// Trainers it has.
        assigned: usize,
    },
    /// The trainer does not teach the session's competences at its level.
    Skill {
        /// The trainer.
        trainer: TrainerId,
        /// The session.
        session: SessionId,
    },
    /// The trainer does not reach the session's place (or does not teach online).
    Place {
        /// The trainer.
        trainer: TrainerId,
        /// The session.
        session: SessionId,
    },
    /// The session is outside the trainer's weekly hours or on a day off.
    Availability {
        /// The trainer.
        trainer: TrainerId,
        /// The session.
        session: SessionId,
    },
    /// The trainer was excluded from the session (they dropped out of it).
    Excluded {
        /// The trainer.
        trainer: TrainerId,
        /// The session.
        session: SessionId,
    },
    /// Two sessions of the trainer overlap, or leave less than the travel buffer between hubs.
    Clash {
        /// The trainer.
        trainer: TrainerId,
        /// The earlier session.
        first: SessionId,
        /// The later session.
        second: SessionId,
    },
    /// More sessions in an ISO week than the trainer's weekly limit.
    Weekly {
        /// The trainer.
        trainer: TrainerId,
        /// ISO year.
        year: i32,
        /// ISO week.
        week: u32,
        /// Sessions that week.
        sessions: u32,
    },
    /// More sessions in a month than the trainer's monthly limit.
    Monthly {
        /// The trainer.
        trainer: TrainerId,
        /// Year.
        year: i32,
        /// Month, 1–12.
        month: u32,
        /// Sessions that month.
        sessions: u32,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::UnknownSession { session } => write!(f, "unknown session {session}"),
            Violation::UnknownTrainer { trainer } => write!(f, "unknown trainer {trainer}"),
            Violation::Twice { trainer, session } => {
                write!(f, "{trainer} is in {session} twice")
            }
            Violation::TooMany {
                session,
                needed,
                assigned,
            } => write!(f, "{session} needs {needed} trainers, has {assigned}"),
            Violation::Skill { trainer, session } => {
                write!(f, "{trainer} does not teach what {session} needs")
            }
            Violation::Place { trainer, session } => {
                write!(f, "{trainer} does not reach the place of {session}")
            }
            Violation::Availability { trainer, session } => {
                write!(f, "{trainer} is not available for {session}")
            }
            Violation::Excluded { trainer, session } => {
                write!(f, "{trainer} dropped out of {session}")
            }
            Violation::Clash {
                trainer,
                first,
                second,
            } => write!(f, "{trainer}: {first} and {second} clash"),
            Violation::Weekly {
                trainer,
                year,
                week,
                sessions,
            } => write!(
                f,
                "{trainer}: {sessions} sessions in week {week} of {year}, above the weekly limit"
            ),
            Violation::Monthly {
                trainer,
                year,
                month,
                sessions,
            } => write!(
                f,
                "{trainer}: {sessions} sessions in {year}-{month:02}, above the monthly limit"
            ),
        }
    }
}

/// Every rule `assignments` break in `problem`; empty when the roster is valid.
pub(super) fn check(problem: &RosterProblem, assignments: &[Assignment]) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut per_session: BTreeMap<&SessionId, Vec<&TrainerId>> = BTreeMap::new();
    let mut per_trainer: BTreeMap<&TrainerId, Vec<usize>> = BTreeMap::new();
    for a in assignments {
        let Some(s) = problem.session_index(&a.session) else {
            out.push(Violation::UnknownSession {
                session: a.session.clone(),
            });
            continue;
        };
        let Some(t) = problem.trainer_index(&a.trainer) else {
            out.push(Violation::UnknownTrainer {
                trainer: a.trainer.clone(),
            });
            continue;
        };
        let (trainer, session) = (&problem.trainers()[t], &problem.sessions()[s]);
        let pair = || (a.trainer.clone(), a.session.clone());
        let seen = per_session.entry(&a.session).or_default();
        if seen.contains(&&a.trainer) {
            let (trainer, session) = pair();
            out.push(Violation::Twice { trainer, session });
            continue;
        }
        seen.push(&a.trainer);
        per_trainer.entry(&a.trainer).or_default().push(s);
        if !trainer.teaches(session.competences(), session.level()) {
            let (trainer, session) = pair();
            out.push(Violation::Skill { trainer, session });
        }
        if !trainer.reaches(session.place()) {
            let (trainer, session) = pair();
            out.push(Violation::Place { trainer, session });
        }
        if !trainer.available(session.local_start(), session.local_end()) {
            let (trainer, session) = pair();
            out.push(Violation::Availability { trainer, session });
        }
        if problem.is_excluded(t, s) {
            let (trainer, session) = pair();
            out.push(Violation::Excluded { trainer, session });
        }
    }
    for (session, trainers) in &per_session {
        if let Some(s) = problem.session_index(session) {
            let needed = problem.sessions()[s].trainers_needed();
            if trainers.len() > usize::from(needed) {
                out.push(Violation::TooMany {
                    session: (*session).clone(),
                    needed,
                    assigned: trainers.len(),
                });
            }
        }
    }
    for (trainer_id, sessions) in &per_trainer {
        let Some(t) = problem.trainer_index(trainer_id) else {
            continue;
        };
        let trainer = &problem.trainers()[t];
        for (i, &a) in sessions.iter().enumerate() {
            for &b in &sessions[i + 1..] {
                let (x, y) = (&problem.sessions()[a], &problem.sessions()[b]);
                if !problem.rules().compatible(x, y) {
                    let (first, second) = if x.starts_at() <= y.starts_at() {
                        (x, y)
                    } else {
                        (y, x)
                    };
                    out.push(Violation::Clash {
                        trainer: (*trainer_id).clone(),
                        first: first.id().clone(),
                        second: second.id().clone(),
                    });
                }
            }
        }
        let mut weeks: BTreeMap<(i32, u32), u32> = BTreeMap::new();
        let mut months: BTreeMap<(i32, u32), u32> = BTreeMap::new();
        for &s in sessions {
            let day = problem.sessions()[s].local_start().date();
            *weeks
                .entry((day.iso_week().year(), day.iso_week().week()))
                .or_default() += 1;
            *months.entry((day.year(), day.month())).or_default() += 1;
        }
        for ((year, week), n) in weeks {
            if n > u32::from(trainer.max_per_week()) {
                out.push(Violation::Weekly {
                    trainer: (*trainer_id).clone(),
                    year,
                    week,
                    sessions: n,
                });
            }
        }
        for ((year, month), n) in months {
            if n > u32::from(trainer.max_per_month()) {
                out.push(Violation::Monthly {
                    trainer: (*trainer_id).clone(),
                    year,
                    month,
                    sessions: n,
                });
            }
        }
    }
    out
}
