//! Placement by skill level ("assegnazione per livello"): people with a DigComp level and ranked
//! session choices, sessions meant for a range of levels with a number of seats.
//!
//! 1. Each person's choices are filtered to the sessions whose [`LevelRange`] contains the
//!    person's [`Level`] (a session without a range suits every level). A person is never placed
//!    in a session that is not meant for their level, even if it has free seats.
//! 2. The rest is a many-to-one stable matching ([`matching::solve`]): people propose down their
//!    filtered lists; every session ranks the people who chose it by priority [`Tier`] (0 first)
//!    and then by one lottery over all people ([`lottery::places`], people numbered in the order
//!    given). The result is the people-optimal stable placement: nobody could take a seat in a
//!    session they prefer from someone that session ranks lower.
//! 3. The [`PlacementReport`] says, for each person, which session and which choice they got, or
//!    why they got nothing, in Italian and English: no choice given, no choice suited to their
//!    level, or every suitable choice full (of people ahead of them in that session's order).
//!
//! ```
//! use skillhub_allocation::lottery::LotterySeed;
//! use skillhub_allocation::placement::{Offer, Person, place};
//! use skillhub_core::capacity::Tier;
//! use skillhub_core::digcomp::{Level, LevelRange};
//!
//! let level = |n| Level::new(n).unwrap();
//! let offers = [
//!     Offer { session: "base-1", level: Some(LevelRange::new(level(1), level(2))?), seats: 1 },
//!     Offer { session: "avanzato", level: Some(LevelRange::new(level(5), level(6))?), seats: 10 },
//! ];
//! let people = [
//!     Person { person: "anna", level: level(2), tier: Tier::FIRST, choices: vec!["base-1"] },
//!     Person { person: "bruno", level: level(2), tier: Tier::new(1), choices: vec!["base-1"] },
//!     Person { person: "carla", level: level(2), tier: Tier::FIRST, choices: vec!["avanzato"] },
//! ];
//! let report = place(&people, &offers, LotterySeed::from_u64(7)).unwrap();
//! assert_eq!(report.outcomes[0].en(), "has a seat in base-1 (choice 1)");
//! assert_eq!(report.outcomes[1].it(), "tutte le scelte adatte sono al completo");
//! assert_eq!(report.outcomes[2].it(), "nessuna delle scelte è adatta al livello 2");
//! # Ok::<(), skillhub_core::digcomp::DigCompError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::lottery::{self, LotterySeed};
use super::matching::{self, InstanceBuilder};
use skillhub_core::capacity::Tier;
use skillhub_core::digcomp::{Level, LevelRange};

/// Why placement inputs are refused. Indices are 0-based, into the slices given to [`place`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlacementError {
    /// Two offers for the same session.
    #[error("session at {index} is offered twice")]
    DuplicateSession {
        /// The second offer.
        index: usize,
    },
    /// A person chose a session that is not offered.
    #[error("person {person} chose a session that is not offered (choice {position})")]
    UnknownChoice {
        /// The person.
        person: usize,
        /// Where in their choices.
        position: usize,
    },
    /// A person chose the same session twice.
    #[error("person {person} chose the same session twice (again at choice {position})")]
    DuplicateChoice {
        /// The person.
        person: usize,
        /// The second time.
        position: usize,
    },
    /// More than `u32::MAX − 1` people, sessions or choices.
    #[error("too many people, sessions or choices")]
    TooLarge,
}

/// A session open for placement, with the levels it is meant for and its seats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer<S> {
    /// The session's id.
    pub session: S,
    /// The levels it is meant for; `None` for every level.
    pub level: Option<LevelRange>,
    /// Seats to fill.
    pub seats: u32,
}

/// A person to place, with their level, priority tier and session choices, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person<P, S> {
    /// The person's id.
    pub person: P,
    /// Their DigComp level (e.g. the overall level of [`skillhub_core::digcomp::SelfAssessment::place`]).
    pub level: Level,
    /// Their priority tier, 0 first.
    pub tier: Tier,
    /// Sessions, best first.
    pub choices: Vec<S>,
}

/// Why a person got no session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Unplaced {
    /// They chose no session.
    NoChoices,
    /// None of their choices is meant for their level.
    NoSuitableChoice {
        /// Their level.
        level: Level,
    },
    /// Every choice meant for their level is full of people ahead of them.
    SuitableChoicesFull,
}

impl Unplaced {
    /// The reason in Italian.
    pub fn it(self) -> String {
        match self {
            Unplaced::NoChoices => "nessuna scelta indicata".to_owned(),
            Unplaced::NoSuitableChoice { level } => {
                format!("nessuna delle scelte è adatta al livello {level}")
            }
            Unplaced::SuitableChoicesFull => "tutte le scelte adatte sono al completo".to_owned(),
        }
    }

    /// The reason in English.
    pub fn en(self) -> String {
        match self {
            Unplaced::NoChoices => "no choice given".to_owned(),
            Unplaced::NoSuitableChoice { level } => {
                format!("none of the choices suits level {level}")
            }
            Unplaced::SuitableChoicesFull => "all suitable choices are full".to_owned(),
        }
    }
}

/// What one person got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome<S> {
    /// A seat in `session`, their `choice`-th choice (1 = first).
    Placed {
        /// The session.
        session: S,
        /// 1-based rank of the session in the person's own choices.
        choice: u32,
    },
    /// No seat, and why.
    Unplaced(Unplaced),
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonOutcome<P, S> {
    /// The person.
    pub person: P,
    /// Their level.
    pub level: Level,
    /// What they got.
    pub outcome: Outcome<S>,
}

impl<P, S: fmt::Display> PersonOutcome<P, S> {
    /// The outcome in Italian: "ha un posto in base-1 (1ª scelta)", or the reason.
    pub fn it(&self) -> String {
        match &self.outcome {
            Outcome::Placed { session, choice } => {
                format!("ha un posto in {session} ({choice}ª scelta)")
            }
            Outcome::Unplaced(reason) => reason.it(),
        }
    }

    /// The outcome in English: "has a seat in base-1 (choice 1)", or the reason.
    pub fn en(&self) -> String {
        match &self.outcome {
            Outcome::Placed { session, choice } => {
                format!("has a seat in {session} (choice {choice})")
            }
            Outcome::Unplaced(reason) => reason.en(),
        }
    }
}

/// The result of a placement: one outcome per person, in the order given, and the seed used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlacementReport<P, S> {
    /// The lottery seed that broke ties within tiers.
    pub seed: LotterySeed,
    /// One per person, in the order given.
    pub outcomes: Vec<PersonOutcome<P, S>>,
}

impl<P, S> PlacementReport<P, S> {
    /// How many people got a seat.
    pub fn placed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Placed { .. }))
            .count()
    }
}

/// Places `people` in `offers` (see the module docs).
pub fn place<P: Clone, S: Ord + Clone>(
    people: &[Person<P, S>],
    offers: &[Offer<S>],
    seed: LotterySeed,
) -> Result<PlacementReport<P, S>, PlacementError> {
    let mut index = BTreeMap::new();
    for (i, offer) in offers.iter().enumerate() {
        let i = u32::try_from(i).map_err(|_| PlacementError::TooLarge)?;
        if index.insert(&offer.session, i).is_some() {
            return Err(PlacementError::DuplicateSession { index: i as usize });
        }
    }

    // Each person's suitable choices as (session, 1-based rank in their own list).
    let mut suitable: Vec<Vec<(u32, u32)>> = Vec::with_capacity(people.len());
    for (i, person) in people.iter().enumerate() {
        let mut kept = Vec::new();
        let mut seen = Vec::with_capacity(person.choices.len());
        for (k, choice) in person.choices.iter().enumerate() {
            let unknown = PlacementError::UnknownChoice {
                person: i,
                position: k,
            };
            let s = *index.get(choice).ok_or(unknown)?;
            if seen.contains(&s) {
                return Err(PlacementError::DuplicateChoice {
                    person: i,
                    position: k,
                });
            }
            seen.push(s);
            if offers[s as usize]
                .level
                .is_none_or(|r| r.contains(person.level))
            {
                let rank = u32::try_from(k + 1).map_err(|_| PlacementError::TooLarge)?;
                kept.push((s, rank));
            }
        }
        suitable.push(kept);
    }

    // Sessions rank everyone who kept them by (tier, lottery place).
    let places = lottery::places(people.len(), &seed);
    let mut rankings: Vec<Vec<u32>> = vec![Vec::new(); offers.len()];
    for (i, kept) in suitable.iter().enumerate() {
        let i = u32::try_from(i).map_err(|_| PlacementError::TooLarge)?;
        for &(s, _) in kept {
            rankings[s as usize].push(i);
        }
    }
    for ranking in &mut rankings {
        ranking.sort_unstable_by_key(|&i| (people[i as usize].tier, places[i as usize]));
    }

    let mut builder = InstanceBuilder::new();
    for kept in &suitable {
        builder.applicant(kept.iter().map(|&(s, _)| s));
    }
    for (offer, ranking) in offers.iter().zip(rankings) {
        builder.provider(offer.seats, ranking);
    }
    // Every number was made here from valid indices; only size can fail.
    let instance = builder.build().map_err(|_| PlacementError::TooLarge)?;
    let matching = matching::solve(&instance);

    let outcomes = people
        .iter()
        .zip(&suitable)
        .zip(matching.iter())
        .map(|((person, kept), assigned)| {
            let outcome = match assigned {
                Some(s) => Outcome::Placed {
                    session: offers[s as usize].session.clone(),
                    choice: kept.iter().find(|&&(k, _)| k == s).map_or(0, |&(_, r)| r),
                },
                None if person.choices.is_empty() => Outcome::Unplaced(Unplaced::NoChoices),
                None if kept.is_empty() => Outcome::Unplaced(Unplaced::NoSuitableChoice {
                    level: person.level,
                }),
                None => Outcome::Unplaced(Unplaced::SuitableChoicesFull),
            };
            PersonOutcome {
                person: person.person.clone(),
                level: person.level,
                outcome,
            }
        })
        .collect();
    Ok(PlacementReport { seed, outcomes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(n: i64) -> Level {
        Level::new(n).unwrap()
    }

    fn range(min: i64, max: i64) -> Option<LevelRange> {
        Some(LevelRange::new(level(min), level(max)).unwrap())
    }

    fn person(
        id: &'static str,
        lvl: i64,
        tier: u8,
        choices: &[&'static str],
    ) -> Person<&'static str, &'static str> {
        Person {
            person: id,
            level: level(lvl),
            tier: Tier::new(tier),
            choices: choices.to_vec(),
        }
    }

    fn offers() -> Vec<Offer<&'static str>> {
        vec![
            Offer {
                session: "alfabetizzazione-1",
                level: range(1, 2),
                seats: 2,
            },
            Offer {
                session: "alfabetizzazione-2",
                level: range(1, 2),
                seats: 1,
            },
            Offer {
                session: "fogli-di-calcolo",
                level: range(3, 4),
                seats: 1,
            },
            Offer {
                session: "sicurezza",
                level: None,
                seats: 0,
            },
        ]
    }

    /// A small placement, as a person reads it: who got what, and why not.
    #[test]
    fn report() {
        let people = [
            person("anna", 1, 0, &["alfabetizzazione-1", "alfabetizzazione-2"]),
            person("bruno", 2, 1, &["alfabetizzazione-1", "alfabetizzazione-2"]),
            person("carla", 2, 1, &["alfabetizzazione-1", "alfabetizzazione-2"]),
            person("dario", 1, 2, &["alfabetizzazione-1", "alfabetizzazione-2"]),
            person("elena", 2, 0, &["fogli-di-calcolo", "sicurezza"]),
            person("franco", 3, 0, &["fogli-di-calcolo", "alfabetizzazione-1"]),
            person("giulia", 4, 1, &["alfabetizzazione-2", "fogli-di-calcolo"]),
            person("ilaria", 5, 0, &["alfabetizzazione-1", "fogli-di-calcolo"]),
            person("ugo", 3, 0, &[]),
        ];
        let report = place(&people, &offers(), LotterySeed::from_u64(2019)).unwrap();
        let lines: Vec<String> = report
            .outcomes
            .iter()
            .map(|o| {
                format!(
                    "{} (livello {}): {} | {}",
                    o.person,
                    o.level,
                    o.it(),
                    o.en()
                )
            })
            .collect();
        insta::assert_yaml_snapshot!(lines);
        assert_eq!(report.placed(), 4);
    }

    #[test]
    fn bad_inputs() {
        let seed = LotterySeed::from_u64(1);
        let unknown = place(&[person("a", 1, 0, &["nope"])], &offers(), seed).unwrap_err();
        assert_eq!(
            unknown,
            PlacementError::UnknownChoice {
                person: 0,
                position: 0
            }
        );
        let twice = place(
            &[person("a", 1, 0, &["sicurezza", "sicurezza"])],
            &offers(),
            seed,
        )
        .unwrap_err();
        assert_eq!(
            twice,
            PlacementError::DuplicateChoice {
                person: 0,
                position: 1
            }
        );
        let mut doubled = offers();
        doubled.push(doubled[0].clone());
        let offered_twice = place(&[person("a", 1, 0, &[])], &doubled, seed).unwrap_err();
        assert_eq!(offered_twice, PlacementError::DuplicateSession { index: 4 });
    }

    /// The better tier takes the seat whatever the seed; within a tier the lottery decides.
    #[test]
    fn tiers_then_lottery() {
        let offers = [Offer {
            session: "s",
            level: None,
            seats: 1,
        }];
        let people = [person("late", 1, 1, &["s"]), person("first", 1, 0, &["s"])];
        let mut winners = std::collections::BTreeSet::new();
        for s in 0..50 {
            let report = place(&people, &offers, LotterySeed::from_u64(s)).unwrap();
            assert!(matches!(report.outcomes[1].outcome, Outcome::Placed { .. }));
            let tied = [person("x", 1, 0, &["s"]), person("y", 1, 0, &["s"])];
            let report = place(&tied, &offers, LotterySeed::from_u64(s)).unwrap();
            winners.extend(
                report
                    .outcomes
                    .iter()
                    .filter(|o| matches!(o.outcome, Outcome::Placed { .. }))
                    .map(|o| o.person),
            );
        }
        assert_eq!(winners.len(), 2, "both tied people win with some seed");
    }
}
