//! `skillhub-roster`: rostering ("turni dei formatori"): who teaches which session, when
//! trainers are a limited resource — the 200 Bip employees lent to #milanodigitale for labs in
//! Milan's nine Municipi, in person and online.
//!
//! # The rules
//!
//! Hard rules, never broken by a roster this module makes (and reported by
//! [`RosterProblem::check`] in one made by hand):
//!
//! - a trainer teaches every competence of the session at its level or above
//!   ([`Trainer::teaches`]), reaches its Municipio or teaches online ([`Trainer::reaches`]), and
//!   is free then: inside a weekly slot, not on a day off ([`Trainer::available`]);
//! - a trainer is never in two sessions that clash: that overlap, or, both in person at
//!   different hubs, leave less than [`Rules::travel_minutes`] between them (online sessions need
//!   no travel) — see [`Rules::compatible`];
//! - a trainer's sessions in one ISO week (Monday–Sunday) and in one calendar month, by local
//!   date, stay within their limits;
//! - a session gets at most the trainers it needs, each once; a trainer who dropped out of a
//!   session ([`RosterProblem::with_exclusion`]) is not put back in it.
//!
//! Within them the roster minimises, in this order: **(1)** trainer slots left unfilled,
//! **(2)** the largest number of sessions any trainer teaches, **(3)** in-person sessions taught
//! by a trainer from another Municipio. Sessions left short are listed with the reason, in
//! Italian and English ([`Uncovered::it`], [`Uncovered::en`]): "nessun formatore con competenza
//! 3.4 livello 5 disponibile giovedì 12 marzo 2020, 9:30–13:30 nel Municipio 4".
//!
//! # The algorithm, and what it guarantees
//!
//! Clashes make this more than an assignment problem: a trainer's sessions must form a set of
//! pairwise compatible intervals, and with limits per week and month the general problem is
//! NP-hard (it contains interval scheduling on eligible machines). So [`RosterProblem::solve`]
//! is a heuristic with an exact fallback and a proof of coverage where it can give one:
//!
//! 1. **Greedy**: sessions by scarcity (eligible trainers − trainers needed, fewest first), each
//!    filled with free eligible trainers, least loaded first, then those of the session's own
//!    Municipio.
//! 2. **Repair**: for every slot still empty, augmenting chains as in Kuhn's matching
//!    algorithm, generalised to clashes and limits: a trainer gives up one session to take this
//!    one, and that session is filled the same way, up to 4 moves deep, each trainer tried once
//!    per search (polynomial). Each success fills one more slot and empties none. Then the same
//!    search made exhaustive (a trainer may appear in several tried chains), up to 3 moves and
//!    20,000 steps per empty slot.
//! 3. **Peak**: a trainer with the largest load `L` gives up a session and a chain refills it,
//!    ending at a trainer with load ≤ `L − 2`; repeated while every trainer at `L` can shed one.
//!    Then single moves from load `L` to load ≤ `L − 2` while any exists (the sum of squared
//!    loads falls at each, so it ends). Neither ever raises the largest load or empties a slot.
//! 4. **Own Municipio**: in-person sessions go to a free trainer of that Municipio when it does
//!    not raise the largest load, and two trainers each away from home swap when both then teach
//!    at home. Then step 2's first search once more.
//! 5. **Exact search** when the instance is small ([`ExactSearch`], default ≤ 40 slots): branch
//!    and bound over every subset of free eligible trainers per session, starting from the
//!    heuristic roster and pruning on the lexicographic cost. If it finishes within its node
//!    budget, the roster is optimal for (1), (2) and (3): [`Optimality::Proven`].
//! 6. **Bounds**: maximum flows on a relaxation (see `bound`) give the most slots any roster
//!    could fill, and the smallest largest load of any roster filling as many as this one. When
//!    the roster meets the first, its coverage is proven maximal
//!    ([`Optimality::CoverageProven`]); when it meets both, its largest load is proven minimal
//!    too ([`Optimality::CoverageAndLoadProven`]), even where step 5 does not run. Otherwise the
//!    roster is [`Optimality::Unproven`]: valid, but a better one may exist. The gap is in
//!    [`Summary`] (`slots_filled` against `slots_bound`, `max_load` against `max_load_bound`).
//!
//! Whatever the outcome, the hard rules hold: every phase only makes moves that keep them, and
//! the tests check every roster with [`RosterProblem::check`], written independently of the
//! engine. On small instances the result is compared with a brute-force search.
//!
//! The engine works on dense integers and bit sets (`engine`); on 200 trainers × 2,000 sessions
//! over a year, a full roster (indexing, solving, bounds, explanations) takes about 70 ms on
//! two cores (see `benches/roster.rs`).
//!
//! # Changes
//!
//! [`RosterProblem::replace`] takes a trainer out of one session and fills the place with the
//! fewest moves of other assignments: a free trainer if there is one (no other change), else the
//! shortest chain of moves (iterative deepening, exhaustive up to 3 other changes and 1,000,000
//! search steps). Nothing else in the roster changes. Chains move one session per step; a
//! replacement that would need a trainer to give up two sessions at once is not found, and the
//! session is reported short.
//!
//! # Crates
//!
//! No assignment crate is used. `pathfinding`'s Kuhn–Munkres solves square assignment problems
//! without clashes or limits, and its Edmonds–Karp max flow is too slow for the bound's network
//! (see `bound`); the flow (Dinic, ~80 lines) and the search are written here, on flat arrays.
//!
//! ```
//! use skillhub_fixtures::milano;
//! use skillhub_roster::{RosterProblem, Rules};
//! let (trainers, sessions) = milano::milano_pilot(2020);
//! let problem = RosterProblem::new(trainers, sessions, Rules::default())?;
//! let roster = problem.solve();
//! assert!(problem.check(&roster).is_empty());
//! assert!(roster.summary.slots_filled <= roster.summary.slots_bound);
//! # Ok::<(), skillhub_roster::RosterError>(())
//! ```

#![deny(missing_docs)]

mod bound;
mod check;
mod engine;
mod explain;
pub mod file;
pub mod report;
mod session;
mod trainer;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub use check::Violation;
pub use explain::{Shortfall, Uncovered};
pub use session::{MAX_TRAINERS_PER_SESSION, Place, RosterSession, RosterSessionSpec};
pub use trainer::{DayOff, Skill, SkillScope, Trainer, TrainerError, TrainerSpec, WeeklySlot};

use engine::{Busy, Index, Marking, State};

use skillhub_core::ids::{SessionId, TrainerId};

/// How deep repair chains go (moves of other assignments).
const REPAIR_DEPTH: u32 = 4;
/// Search steps an exhaustive repair spends on one empty slot.
const EXHAUSTIVE_BUDGET: u64 = 20_000;
/// How many other changes a replacement may make.
const REPLACE_DEPTH: u32 = 3;
/// Search steps a replacement may take in all (a bound on time; never reached on the fixture).
const REPLACE_BUDGET: u64 = 1_000_000;
/// The most trainers or sessions in one problem.
pub const MAX_ITEMS: usize = 1 << 24;

/// Why a rostering input is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RosterError {
    /// A session's times do not make sense (ends first, a DST gap, an ambiguous time).
    #[error("session {session}: {reason}")]
    InvalidSession {
        /// The session.
        session: SessionId,
        /// What is wrong.
        reason: String,
    },
    /// A session needs no trainer, or more than [`MAX_TRAINERS_PER_SESSION`].
    #[error("session {session} needs {needed} trainers (expected 1 to 20)")]
    TrainersNeeded {
        /// The session.
        session: SessionId,
        /// What it asked for.
        needed: u8,
    },
    /// Two trainers with one id.
    #[error("trainer id {0} is used twice")]
    DuplicateTrainer(TrainerId),
    /// Two sessions with one id.
    #[error("session id {0} is used twice")]
    DuplicateSession(SessionId),
    /// A trainer id the problem does not have.
    #[error("no trainer has id {0}")]
    UnknownTrainer(TrainerId),
    /// A session id the problem does not have.
    #[error("no session has id {0}")]
    UnknownSession(SessionId),
    /// The trainer is not in the session, so cannot drop out of it.
    #[error("{trainer} is not assigned to {session}")]
    NotAssigned {
        /// The trainer.
        trainer: TrainerId,
        /// The session.
        session: SessionId,
    },
    /// More than [`MAX_ITEMS`] trainers or sessions.
    #[error("too many trainers or sessions (at most 16,777,216 each)")]
    TooLarge,
}

/// When [`RosterProblem::solve`] runs its exact search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExactSearch {
    /// Only for problems needing at most this many trainer slots in all.
    pub max_slots: u32,
    /// Give up (keeping the best roster found) after this many search nodes.
    pub max_nodes: u64,
}

impl ExactSearch {
    /// Never search: heuristic and bound only.
    pub const OFF: ExactSearch = ExactSearch {
        max_slots: 0,
        max_nodes: 0,
    };
}

/// The rules a roster follows beyond each trainer's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rules {
    /// Minutes needed between two in-person sessions at different hubs ("tempo di spostamento").
    pub travel_minutes: u32,
    /// When to search exactly.
    pub exact: ExactSearch,
}

impl Default for Rules {
    /// 45 minutes of travel; exact search up to 40 slots and 200,000 nodes.
    fn default() -> Self {
        Rules {
            travel_minutes: 45,
            exact: ExactSearch {
                max_slots: 40,
                max_nodes: 200_000,
            },
        }
    }
}

impl Rules {
    /// Whether one trainer can teach both sessions: they do not overlap and, if both are in
    /// person at different hubs, at least [`Rules::travel_minutes`] separate them.
    ///
    /// ```
    /// use chrono::{NaiveDate, NaiveTime};
    /// use skillhub_core::digcomp::Level;
    /// use skillhub_core::ids::{HubId, SessionId};
    /// use skillhub_roster::{Place, RosterSession, RosterSessionSpec, Rules};
    /// use skillhub_core::session::Ambiguity;
    /// use skillhub_core::tz::Zone;
    /// let at = |id: &str, place: Place, start: (u32, u32), end: (u32, u32)| {
    ///     RosterSession::new(RosterSessionSpec {
    ///         id: SessionId::parse(id).unwrap(), place,
    ///         date: NaiveDate::from_ymd_opt(2020, 3, 12).unwrap(),
    ///         start: NaiveTime::from_hms_opt(start.0, start.1, 0).unwrap(),
    ///         end: NaiveTime::from_hms_opt(end.0, end.1, 0).unwrap(),
    ///         zone: Zone::rome(), ambiguity: Ambiguity::Refuse,
    ///         competences: vec![], level: Level::MIN, trainers_needed: 1,
    ///     }).unwrap()
    /// };
    /// let hub = |n: u8| Place::Hub(HubId::parse(&format!("municipio-{n}")).unwrap());
    /// let morning = at("a", hub(4), (9, 30), (11, 30));
    /// let rules = Rules::default();
    /// assert!(!rules.compatible(&morning, &at("b", hub(8), (12, 0), (13, 0))));
    /// assert!(rules.compatible(&morning, &at("c", hub(8), (12, 15), (13, 0))));
    /// assert!(rules.compatible(&morning, &at("d", hub(4), (11, 30), (13, 0))));
    /// assert!(rules.compatible(&morning, &at("e", Place::Online, (11, 30), (13, 0))));
    /// ```
    pub fn compatible(&self, a: &RosterSession, b: &RosterSession) -> bool {
        let travel = match (a.place(), b.place()) {
            (Place::Hub(x), Place::Hub(y)) if x != y => {
                chrono::Duration::minutes(i64::from(self.travel_minutes))
            }
            _ => chrono::Duration::zero(),
        };
        a.ends_at() + travel <= b.starts_at() || b.ends_at() + travel <= a.starts_at()
    }
}

/// One trainer in one session.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Assignment {
    /// The session.
    pub session: SessionId,
    /// The trainer.
    pub trainer: TrainerId,
}

/// How many sessions a trainer teaches ("carico").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Load {
    /// The trainer.
    pub trainer: TrainerId,
    /// Sessions in all.
    pub sessions: u32,
    /// In person in their own Municipio.
    pub at_home: u32,
    /// In person elsewhere.
    pub away: u32,
    /// Online.
    pub online: u32,
}

/// What is known about how good a roster is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Optimality {
    /// No roster is better: fewest unfilled slots, then smallest largest load, then fewest
    /// sessions away from home (the exact search finished).
    Proven,
    /// No roster fills more slots, and none filling as many has a smaller largest load (both
    /// meet their flow bounds); the home criterion is heuristic.
    CoverageAndLoadProven,
    /// No roster fills more slots (it meets the flow bound); the load and home criteria are
    /// heuristic.
    CoverageProven,
    /// Valid, but a roster filling more slots might exist.
    Unproven,
}

/// Figures about a roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Sessions to staff.
    pub sessions: u32,
    /// Sessions with all the trainers they need.
    pub sessions_covered: u32,
    /// Trainer slots needed in all.
    pub slots_needed: u32,
    /// Trainer slots filled.
    pub slots_filled: u32,
    /// The most slots any roster could fill (see the module docs).
    pub slots_bound: u32,
    /// The largest number of sessions one trainer teaches.
    pub max_load: u32,
    /// No roster filling as many slots has a smaller largest load (see the module docs).
    pub max_load_bound: u32,
    /// In-person sessions taught by a trainer from another Municipio.
    pub away: u32,
    /// What is proven.
    pub optimality: Optimality,
}

/// Who teaches what, what is left uncovered and why, and every trainer's load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Roster {
    /// Assignments in session start order, then by trainer id.
    pub assignments: Vec<Assignment>,
    /// Sessions short of trainers, in start order.
    pub uncovered: Vec<Uncovered>,
    /// Every trainer's load, in the order the trainers were given.
    pub loads: Vec<Load>,
    /// Figures.
    pub summary: Summary,
}

impl Roster {
    /// The trainers of a session, by id.
    pub fn trainers_of<'a>(
        &'a self,
        session: &'a SessionId,
    ) -> impl Iterator<Item = &'a TrainerId> {
        self.assignments
            .iter()
            .filter(move |a| &a.session == session)
            .map(|a| &a.trainer)
    }
}

/// One change a replacement made to a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The session.
    pub session: SessionId,
    /// Who left it.
    pub removed: Option<TrainerId>,
    /// Who joined it.
    pub added: Option<TrainerId>,
}

/// A roster after a trainer dropped out of one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replacement {
    /// The new roster.
    pub roster: Roster,
    /// Every change, the dropped-out session's first.
    pub changes: Vec<Change>,
    /// Changes to sessions other than the dropped-out one.
    pub other_changes: u32,
}

/// A rostering problem: trainers, sessions (kept in start order), rules, and trainers excluded
/// from single sessions; checked and indexed once, then solved, checked against, or edited.
#[derive(Debug)]
pub struct RosterProblem {
    trainers: Vec<Trainer>,
    sessions: Vec<RosterSession>,
    rules: Rules,
    excluded: Vec<(u32, u32)>,
    trainer_index: BTreeMap<TrainerId, usize>,
    session_index: BTreeMap<SessionId, usize>,
    index: Index,
}

impl RosterProblem {
    /// Checks that ids are unique and indexes the problem.
    pub fn new(
        trainers: Vec<Trainer>,
        mut sessions: Vec<RosterSession>,
        rules: Rules,
    ) -> Result<Self, RosterError> {
        if trainers.len() > MAX_ITEMS || sessions.len() > MAX_ITEMS {
            return Err(RosterError::TooLarge);
        }
        sessions.sort_by(|a, b| (a.starts_at(), a.id()).cmp(&(b.starts_at(), b.id())));
        let mut trainer_index = BTreeMap::new();
        for (i, t) in trainers.iter().enumerate() {
            if trainer_index.insert(t.id().clone(), i).is_some() {
                return Err(RosterError::DuplicateTrainer(t.id().clone()));
            }
        }
        let mut session_index = BTreeMap::new();
        for (i, s) in sessions.iter().enumerate() {
            if session_index.insert(s.id().clone(), i).is_some() {
                return Err(RosterError::DuplicateSession(s.id().clone()));
            }
        }
        let index = Index::new(&trainers, &sessions, &rules, &[]);
        Ok(RosterProblem {
            trainers,
            sessions,
            rules,
            excluded: Vec::new(),
            trainer_index,
            session_index,
            index,
        })
    }

    /// The same problem where `trainer` may not teach `session` (they dropped out of it).
    pub fn with_exclusion(
        mut self,
        trainer: &TrainerId,
        session: &SessionId,
    ) -> Result<Self, RosterError> {
        let pair = self.pair(trainer, session)?;
        if !self.excluded.contains(&pair) {
            self.excluded.push(pair);
            self.excluded.sort_unstable();
            self.index = Index::new(&self.trainers, &self.sessions, &self.rules, &self.excluded);
        }
        Ok(self)
    }

    fn pair(&self, trainer: &TrainerId, session: &SessionId) -> Result<(u32, u32), RosterError> {
        let t = self
            .trainer_index(trainer)
            .ok_or_else(|| RosterError::UnknownTrainer(trainer.clone()))?;
        let s = self
            .session_index(session)
            .ok_or_else(|| RosterError::UnknownSession(session.clone()))?;
        Ok((t as u32, s as u32))
    }

    /// Trainers, as given.
    pub fn trainers(&self) -> &[Trainer] {
        &self.trainers
    }
    /// Sessions, in start order.
    pub fn sessions(&self) -> &[RosterSession] {
        &self.sessions
    }
    /// Rules.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }
    /// Position of a trainer in [`RosterProblem::trainers`].
    pub fn trainer_index(&self, id: &TrainerId) -> Option<usize> {
        self.trainer_index.get(id).copied()
    }
    /// Position of a session in [`RosterProblem::sessions`].
    pub fn session_index(&self, id: &SessionId) -> Option<usize> {
        self.session_index.get(id).copied()
    }
    fn is_excluded(&self, t: usize, s: usize) -> bool {
        self.excluded.binary_search(&(t as u32, s as u32)).is_ok()
    }

    /// Makes a roster (see the module docs for the algorithm and what it guarantees).
    pub fn solve(&self) -> Roster {
        let mut state = State::new(&self.index);
        state.greedy();
        state.repair(REPAIR_DEPTH);
        state.repair_exhaustive(REPLACE_DEPTH, EXHAUSTIVE_BUDGET);
        state.shed_peak(REPAIR_DEPTH);
        state.balance();
        state.prefer_home();
        state.repair(REPAIR_DEPTH);
        let slots: u64 = self.index.need.iter().map(|&n| u64::from(n)).sum();
        let exact = self.rules.exact;
        let mut proven = false;
        if slots <= u64::from(exact.max_slots) && exact.max_nodes > 0 {
            let (best, finished) = engine::exact(&state, exact.max_nodes);
            state = best;
            proven = finished;
        }
        self.report(&state, proven)
    }

    /// Every rule the roster breaks; empty when it is valid. Checks assignments one by one and
    /// pair by pair, independently of the engine.
    pub fn check(&self, roster: &Roster) -> Vec<Violation> {
        check::check(self, &roster.assignments)
    }

    /// Takes `trainer` out of `session` and fills the place with the fewest other changes (see
    /// the module docs). The new roster treats the trainer as excluded from the session; keep it
    /// so with [`RosterProblem::with_exclusion`].
    ///
    /// ```
    /// use skillhub_fixtures::milano;
    /// use skillhub_roster::{RosterProblem, Rules};
    /// let (trainers, sessions) = milano::milano_pilot(2020);
    /// let problem = RosterProblem::new(trainers, sessions, Rules::default())?;
    /// let roster = problem.solve();
    /// let first = roster.assignments[0].clone();
    /// let after = problem.replace(&roster, &first.trainer, &first.session)?;
    /// assert_eq!(after.changes[0].removed.as_ref(), Some(&first.trainer));
    /// assert!(after.roster.trainers_of(&first.session).all(|t| t != &first.trainer));
    /// # Ok::<(), skillhub_roster::RosterError>(())
    /// ```
    pub fn replace(
        &self,
        roster: &Roster,
        trainer: &TrainerId,
        session: &SessionId,
    ) -> Result<Replacement, RosterError> {
        let (t, s) = self.pair(trainer, session)?;
        if !roster
            .assignments
            .iter()
            .any(|a| &a.trainer == trainer && &a.session == session)
        {
            return Err(RosterError::NotAssigned {
                trainer: trainer.clone(),
                session: session.clone(),
            });
        }
        let mut excluded = self.excluded.clone();
        excluded.push((t, s));
        excluded.sort_unstable();
        let index = Index::new(&self.trainers, &self.sessions, &self.rules, &excluded);
        let edited = RosterProblem {
            trainers: self.trainers.clone(),
            sessions: self.sessions.clone(),
            rules: self.rules,
            excluded,
            trainer_index: self.trainer_index.clone(),
            session_index: self.session_index.clone(),
            index,
        };
        let mut state = State::new(&edited.index);
        for a in &roster.assignments {
            let (x, y) = edited.pair(&a.trainer, &a.session)?;
            if (x, y) != (t, s) && !state.by_session[y as usize].contains(&x) {
                state.assign(x, y);
            }
        }
        let mut tried = vec![false; self.trainers.len()];
        state.set_budget(REPLACE_BUDGET);
        for depth in 0..=REPLACE_DEPTH {
            tried.fill(false);
            if state.augment(s, depth, &mut tried, Marking::PathLocal) {
                break;
            }
        }
        state.set_budget(u64::MAX);
        let new = edited.report(&state, false);
        let changes = diff(&roster.assignments, &new.assignments, session);
        let other_changes = changes.iter().filter(|c| &c.session != session).count() as u32;
        Ok(Replacement {
            roster: new,
            changes,
            other_changes,
        })
    }

    fn report(&self, state: &State<'_>, proven: bool) -> Roster {
        let ix = &self.index;
        let mut assignments = Vec::with_capacity(state.filled());
        let mut uncovered = Vec::new();
        for (s, trainers) in state.by_session.iter().enumerate() {
            let mut ids: Vec<&TrainerId> = trainers
                .iter()
                .map(|&t| self.trainers[t as usize].id())
                .collect();
            ids.sort();
            let session = &self.sessions[s];
            assignments.extend(ids.into_iter().map(|id| Assignment {
                session: session.id().clone(),
                trainer: id.clone(),
            }));
            if state.deficit(s as u32) > 0 {
                uncovered.push(Uncovered {
                    session: session.id().clone(),
                    place: session.place().clone(),
                    local_start: session.local_start(),
                    local_end: session.local_end(),
                    competences: session.competences().to_vec(),
                    level: session.level(),
                    needed: session.trainers_needed(),
                    assigned: trainers.len() as u8,
                    shortfall: self.shortfall(state, s),
                });
            }
        }
        let loads = self
            .trainers
            .iter()
            .enumerate()
            .map(|(t, trainer)| {
                let list = &state.by_trainer[t];
                let online = list
                    .iter()
                    .filter(|&&s| ix.hub[s as usize] == engine::ONLINE);
                let online = online.count() as u32;
                let away = list.iter().filter(|&&s| ix.away(t as u32, s)).count() as u32;
                Load {
                    trainer: trainer.id().clone(),
                    sessions: list.len() as u32,
                    at_home: list.len() as u32 - online - away,
                    away,
                    online,
                }
            })
            .collect();
        let filled = state.filled() as u32;
        let mut bounds = bound::Bounds::new(ix);
        let bound = bounds.coverage().min(u64::from(u32::MAX)) as u32;
        let max_load = state.max_load();
        let load_bound = bounds.load(u64::from(filled), ix.trainers(), max_load);
        let optimality = if proven {
            Optimality::Proven
        } else if filled >= bound && max_load <= load_bound {
            Optimality::CoverageAndLoadProven
        } else if filled >= bound {
            Optimality::CoverageProven
        } else {
            Optimality::Unproven
        };
        let covered = (0..ix.sessions() as u32)
            .filter(|&s| state.deficit(s) == 0)
            .count() as u32;
        Roster {
            assignments,
            uncovered,
            loads,
            summary: Summary {
                sessions: ix.sessions() as u32,
                sessions_covered: covered,
                slots_needed: ix.need.iter().map(|&n| u32::from(n)).sum(),
                slots_filled: filled,
                slots_bound: bound,
                max_load,
                max_load_bound: load_bound,
                away: state.away_count(),
                optimality,
            },
        }
    }

    /// Why session `s` is short: the first step of the funnel where too few trainers remain.
    fn shortfall(&self, state: &State<'_>, s: usize) -> Shortfall {
        let session = &self.sessions[s];
        let need = u32::from(session.trainers_needed());
        let skilled: Vec<&Trainer> = self
            .trainers
            .iter()
            .filter(|t| t.teaches(session.competences(), session.level()))
            .collect();
        let reachable: Vec<&&Trainer> = skilled
            .iter()
            .filter(|t| t.reaches(session.place()))
            .collect();
        let available = self.index.eligible[s].len() as u32;
        if skilled.is_empty() {
            return Shortfall::NoSkill;
        }
        if reachable.is_empty() {
            return Shortfall::NoneReachable {
                skilled: skilled.len() as u32,
            };
        }
        if available == 0 {
            return Shortfall::NoneAvailable {
                reachable: reachable.len() as u32,
            };
        }
        if available < need {
            return Shortfall::TooFew { available };
        }
        let (mut overlapping, mut weekly_limit, mut monthly_limit) = (0, 0, 0);
        for &t in &self.index.eligible[s] {
            if state.by_session[s].contains(&t) {
                continue;
            }
            match state.busy(t, s as u32) {
                Some(Busy::Overlap) => overlapping += 1,
                Some(Busy::Week) => weekly_limit += 1,
                Some(Busy::Month) => monthly_limit += 1,
                None => {}
            }
        }
        Shortfall::AllBusy {
            available,
            overlapping,
            weekly_limit,
            monthly_limit,
        }
    }
}

/// The changes from `before` to `after`, those of `first` first.
fn diff(before: &[Assignment], after: &[Assignment], first: &SessionId) -> Vec<Change> {
    let group = |list: &[Assignment]| {
        let mut map: BTreeMap<SessionId, BTreeSet<TrainerId>> = BTreeMap::new();
        for a in list {
            map.entry(a.session.clone())
                .or_default()
                .insert(a.trainer.clone());
        }
        map
    };
    let (before, after) = (group(before), group(after));
    let sessions: BTreeSet<&SessionId> = before.keys().chain(after.keys()).collect();
    let empty = BTreeSet::new();
    let mut changes = Vec::new();
    for session in sessions {
        let old = before.get(session).unwrap_or(&empty);
        let new = after.get(session).unwrap_or(&empty);
        let removed: Vec<&TrainerId> = old.difference(new).collect();
        let added: Vec<&TrainerId> = new.difference(old).collect();
        for i in 0..removed.len().max(added.len()) {
            changes.push(Change {
                session: session.clone(),
                removed: removed.get(i).map(|&t| t.clone()),
                added: added.get(i).map(|&t| t.clone()),
            });
        }
    }
    changes.sort_by_key(|c| &c.session != first);
    changes
}
