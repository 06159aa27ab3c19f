//! Batch allocation of one session ("assegnazione a chiusura iscrizioni"): when the registration
//! window closes, everyone who applied is ordered at once, fairly, and the seats go down the order.
//!
//! The order, exactly: the applicants are numbered in the order given (`0..n`); the lottery
//! ([`lottery::places`]) gives each number a place; applicants are sorted by
//! `(tier, lottery place)`, so a better [`Tier`] always comes first and the lottery only breaks
//! ties within a tier. The first `min(seats, n)` are confirmed, the rest are waitlisted at
//! positions `1..=n − seats`, in that order.
//!
//! The seed is recorded in the outcome. For a verifiable allocation, give the applicants in a
//! published order (for example sorted by id, as [`lottery::canonical_list`] writes them) and take
//! the seed from [`LotterySeed::from_public_value`] of that list, so that anyone holding the list
//! and the public value can recompute every position.
//!
//! ```
//! use skillhub_allocation::batch::{Applicant, Outcome, allocate};
//! use skillhub_allocation::lottery::LotterySeed;
//! use skillhub_core::capacity::Tier;
//!
//! let applicants = vec![
//!     Applicant { id: "anna", tier: Tier::new(1) },
//!     Applicant { id: "bruno", tier: Tier::FIRST },
//!     Applicant { id: "carla", tier: Tier::new(1) },
//! ];
//! let allocation = allocate(applicants, 2, LotterySeed::from_u64(2019));
//! assert_eq!(allocation.order()[0].id, "bruno"); // tier 0 goes first, whatever the lottery
//! assert_eq!(allocation.confirmed().count(), 2);
//! assert_eq!(allocation.order()[2].outcome, Outcome::Waitlisted { position: 1 });
//! assert_eq!(allocation.seed(), LotterySeed::from_u64(2019));
//! ```

use serde::Serialize;

use super::lottery::{self, LotterySeed};
use skillhub_core::capacity::Tier;

/// Someone who applied for a seat, with their priority tier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Applicant<T> {
    /// Whoever the caller identifies them by (a registration id, an email …).
    pub id: T,
    /// Their priority tier, 0 first.
    pub tier: Tier,
}

/// What the allocation gives one applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// A seat ("confermata").
    Confirmed,
    /// A place on the waiting list, 1 for the head ("in lista d'attesa").
    Waitlisted {
        /// 1-based.
        position: u32,
    },
}

/// One applicant in the final order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placed<T> {
    /// The applicant's id.
    pub id: T,
    /// Their tier.
    pub tier: Tier,
    /// Their place in the lottery among all applicants (0 first), before tiers are applied.
    pub lottery_place: u32,
    /// Seat or waiting list.
    pub outcome: Outcome,
}

/// The outcome of a batch allocation: the order, and the seed that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchAllocation<T> {
    seed: LotterySeed,
    seats: u32,
    order: Vec<Placed<T>>,
}

impl<T> BatchAllocation<T> {
    /// The seed used; with the applicants in the same order it gives the same allocation.
    pub fn seed(&self) -> LotterySeed {
        self.seed
    }

    /// The seats offered.
    pub fn seats(&self) -> u32 {
        self.seats
    }

    /// Everyone, confirmed first, then the waiting list from its head.
    pub fn order(&self) -> &[Placed<T>] {
        &self.order
    }

    /// The confirmed applicants, in order.
    pub fn confirmed(&self) -> impl Iterator<Item = &T> {
        self.order
            .iter()
            .filter(|p| p.outcome == Outcome::Confirmed)
            .map(|p| &p.id)
    }

    /// The waiting list: `(position, id)` from position 1.
    pub fn waitlisted(&self) -> impl Iterator<Item = (u32, &T)> {
        self.order.iter().filter_map(|p| match p.outcome {
            Outcome::Waitlisted { position } => Some((position, &p.id)),
            Outcome::Confirmed => None,
        })
    }
}

/// Orders the applicants by tier and lottery and gives the first `seats` of them a seat (see
/// the module docs for the exact order).
pub fn allocate<T>(
    applicants: impl IntoIterator<Item = Applicant<T>>,
    seats: u32,
    seed: LotterySeed,
) -> BatchAllocation<T> {
    let applicants: Vec<Applicant<T>> = applicants.into_iter().collect();
    let places = lottery::places(applicants.len(), &seed);
    allocate_placed(applicants.into_iter().zip(places), seats, seed)
}

/// Like [`allocate`], with each applicant's lottery place given: the places of a draw made
/// over a larger pool (a verifiable draw over every applicant of a session, whose seats of
/// each kind are then given by tier and place among that kind's applicants). Places must be
/// distinct; `seed` is the draw's, recorded in the outcome.
///
/// ```
/// use skillhub_allocation::batch::{Applicant, allocate_placed};
/// use skillhub_allocation::lottery::LotterySeed;
/// use skillhub_core::capacity::Tier;
///
/// let placed = vec![
///     (Applicant { id: "anna", tier: Tier::FIRST }, 7),
///     (Applicant { id: "bruno", tier: Tier::FIRST }, 2),
/// ];
/// let allocation = allocate_placed(placed, 1, LotterySeed::from_u64(5));
/// assert_eq!(allocation.confirmed().collect::<Vec<_>>(), [&"bruno"]);
/// ```
pub fn allocate_placed<T>(
    applicants: impl IntoIterator<Item = (Applicant<T>, u32)>,
    seats: u32,
    seed: LotterySeed,
) -> BatchAllocation<T> {
    let mut keyed: Vec<(Tier, u32, Applicant<T>)> = applicants
        .into_iter()
        .map(|(applicant, place)| (applicant.tier, place, applicant))
        .collect();
    // Places are distinct, so the key is a total order and any sort gives the same result.
    keyed.sort_unstable_by_key(|&(tier, place, _)| (tier, place));
    let order = keyed
        .into_iter()
        .zip(0u32..)
        .map(|((tier, place, applicant), k)| Placed {
            id: applicant.id,
            tier,
            lottery_place: place,
            outcome: if k < seats {
                Outcome::Confirmed
            } else {
                Outcome::Waitlisted {
                    position: k - seats + 1,
                }
            },
        })
        .collect();
    BatchAllocation { seed, seats, order }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nobody_applied() {
        let allocation = allocate(Vec::<Applicant<u32>>::new(), 3, LotterySeed::from_u64(1));
        assert!(allocation.order().is_empty());
    }

    #[test]
    fn zero_seats_waitlist_everyone() {
        let applicants = (0..4).map(|id| Applicant {
            id,
            tier: Tier::FIRST,
        });
        let allocation = allocate(applicants, 0, LotterySeed::from_u64(1));
        let positions: Vec<u32> = allocation.waitlisted().map(|(p, _)| p).collect();
        assert_eq!(positions, [1, 2, 3, 4]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// A worse tier never precedes a better one; exactly min(seats, n) are confirmed, and they
        /// come first; waiting positions are 1..n − confirmed; everyone appears once; the same
        /// seed gives the same allocation.
        #[test]
        fn tiers_first_then_lottery(
            tiers in proptest::collection::vec(0u8..4, 0..40),
            seats in 0u32..50,
            seed in any::<u64>(),
        ) {
            let applicants = || tiers.iter().enumerate().map(|(id, &t)| Applicant { id, tier: Tier::new(t) });
            let seed = LotterySeed::from_u64(seed);
            let allocation = allocate(applicants(), seats, seed);
            prop_assert_eq!(&allocation, &allocate(applicants(), seats, seed));
            let order = allocation.order();
            prop_assert_eq!(order.len(), tiers.len());
            for pair in order.windows(2) {
                prop_assert!(pair[0].tier <= pair[1].tier);
                if pair[0].tier == pair[1].tier {
                    prop_assert!(pair[0].lottery_place < pair[1].lottery_place);
                }
            }
            let confirmed = (seats as usize).min(tiers.len());
            prop_assert_eq!(allocation.confirmed().count(), confirmed);
            prop_assert!(order[..confirmed].iter().all(|p| p.outcome == Outcome::Confirmed));
            let positions: Vec<u32> = allocation.waitlisted().map(|(p, _)| p).collect();
            prop_assert_eq!(positions, (1..=(tiers.len() - confirmed) as u32).collect::<Vec<_>>());
            let mut ids: Vec<usize> = order.iter().map(|p| p.id).collect();
            ids.sort_unstable();
            prop_assert_eq!(ids, (0..tiers.len()).collect::<Vec<_>>());
            for p in order {
                prop_assert_eq!(p.tier, Tier::new(tiers[p.id]));
            }
        }
    }
}
