//! Many-to-one stable matching ("abbinamento stabile"): applicants to providers with capacities,
//! by applicant-proposing deferred acceptance (Gale–Shapley, hospitals/residents form).
//!
//! An applicant ranks providers, a provider ranks applicants and has a capacity (0 is allowed).
//! A pair is **acceptable** only if each lists the other. A matching is **stable** when every
//! assigned pair is acceptable, no provider holds more than its capacity, and no acceptable pair
//! `(a, p)` *blocks* it: `a` unassigned or preferring `p` to its provider, while `p` has a free
//! seat or prefers `a` to one of its assignees. [`solve`] returns the **applicant-optimal** stable
//! matching: every applicant weakly prefers it to any other stable matching. It is unique, so it
//! does not depend on the order in which proposals are made, and no applicant can gain a better
//! provider by misreporting its own list (strategy-proofness for applicants).
//!
//! # Design: dense integers on flat arrays
//!
//! Applicants and providers are numbers `0..n` and `0..m`. An [`Instance`] holds every list in one
//! `Vec<u32>` with an offset table, and precomputes once, for each entry of an applicant's list,
//! the rank that provider gives the applicant (or "unacceptable"). The solver then never looks
//! anything up: a proposal is two array reads and, per provider, a flag per rank it holds (one
//! array for all) and the worst rank held, which only moves up the ranking once the provider is
//! full. Ids (text) live outside: [`ParsedInstance`] maps them to numbers once
//! while reading the JSON of `skillhub match`, borrowing them from the input buffer, and maps the
//! numbers back only when writing the result.
//!
//! ```
//! use skillhub_allocation::matching::{Instance, solve};
//!
//! // Applicants 0, 1, 2; providers 0 (one seat) and 1 (one seat).
//! let instance = Instance::new(
//!     [vec![0, 1], vec![0], vec![1, 0]],
//!     [(1, vec![1, 0, 2]), (1, vec![0, 2])],
//! )?;
//! let matching = solve(&instance);
//! assert_eq!(matching.provider(0), Some(1));
//! assert_eq!(matching.provider(1), Some(0));
//! assert_eq!(matching.provider(2), None);
//! # Ok::<(), skillhub_allocation::matching::InstanceError>(())
//! ```

mod json;
#[cfg(test)]
mod tests;

pub use json::{InputError, InputErrorKind, ParsedInstance, solve_json};

/// Marks "no provider" and "unacceptable" in the flat arrays.
const NONE: u32 = u32::MAX;

/// Why dense lists do not make an instance. Indices are those given to [`InstanceBuilder`];
/// `position` is 0-based in the list concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InstanceError {
    /// An applicant lists a provider number that does not exist.
    #[error(
        "applicant {applicant} lists provider {provider} (at {position}), which does not exist"
    )]
    UnknownProvider {
        /// The applicant.
        applicant: u32,
        /// Where in its list.
        position: u32,
        /// The number listed.
        provider: u32,
    },
    /// A provider ranks an applicant number that does not exist.
    #[error(
        "provider {provider} ranks applicant {applicant} (at {position}), which does not exist"
    )]
    UnknownApplicant {
        /// The provider.
        provider: u32,
        /// Where in its ranking.
        position: u32,
        /// The number ranked.
        applicant: u32,
    },
    /// An applicant lists the same provider twice; `position` is the second time.
    #[error("applicant {applicant} lists provider {provider} twice (again at {position})")]
    DuplicateChoice {
        /// The applicant.
        applicant: u32,
        /// Where the provider appears the second time.
        position: u32,
        /// The provider listed twice.
        provider: u32,
    },
    /// A provider ranks the same applicant twice; `position` is the second time.
    #[error("provider {provider} ranks applicant {applicant} twice (again at {position})")]
    DuplicateRanking {
        /// The provider.
        provider: u32,
        /// Where the applicant appears the second time.
        position: u32,
        /// The applicant ranked twice.
        applicant: u32,
    },
    /// More than `u32::MAX − 1` applicants, providers or list entries.
    #[error("the instance is too large (at most 4294967294 applicants, providers and entries)")]
    TooLarge,
}

/// Collects dense lists into an [`Instance`]; numbers are checked only by [`InstanceBuilder::build`],
/// so lists may name applicants and providers that are added later.
#[derive(Debug, Clone)]
pub struct InstanceBuilder {
    pub(super) app_start: Vec<u32>,
    pub(super) app_choice: Vec<u32>,
    pub(super) capacity: Vec<u32>,
    pub(super) prov_start: Vec<u32>,
    pub(super) prov_rank: Vec<u32>,
    pub(super) too_large: bool,
}

impl Default for InstanceBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl InstanceBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        InstanceBuilder {
            app_start: vec![0],
            app_choice: Vec::new(),
            capacity: Vec::new(),
            prov_start: vec![0],
            prov_rank: Vec::new(),
            too_large: false,
        }
    }

    /// Adds an applicant with its providers, best first; returns its number (0, 1, …).
    pub fn applicant(&mut self, choices: impl IntoIterator<Item = u32>) -> u32 {
        self.app_choice.extend(choices);
        self.end_applicant()
    }

    /// Adds a provider with its capacity and its applicants, best first; returns its number.
    pub fn provider(&mut self, capacity: u32, ranking: impl IntoIterator<Item = u32>) -> u32 {
        self.prov_rank.extend(ranking);
        self.end_provider(capacity)
    }

    /// Closes the list of the applicant whose choices were pushed onto `app_choice`.
    pub(super) fn end_applicant(&mut self) -> u32 {
        let end = self.index(self.app_choice.len());
        self.app_start.push(end);
        self.index(self.app_start.len() - 2)
    }

    /// Closes the ranking of the provider whose applicants were pushed onto `prov_rank`.
    pub(super) fn end_provider(&mut self, capacity: u32) -> u32 {
        let end = self.index(self.prov_rank.len());
        self.prov_start.push(end);
        self.capacity.push(capacity);
        self.index(self.capacity.len() - 1)
    }

    fn index(&mut self, i: usize) -> u32 {
        match u32::try_from(i) {
            Ok(i) if i < NONE => i,
            _ => {
                self.too_large = true;
                NONE
            }
        }
    }

    /// Checks every number and duplicate and precomputes the ranks the solver reads.
    pub fn build(self) -> Result<Instance, InstanceError> {
        if self.too_large {
            return Err(InstanceError::TooLarge);
        }
        let InstanceBuilder {
            app_start,
            app_choice,
            capacity,
            prov_start,
            prov_rank,
            too_large: _,
        } = self;
        let (n, m) = (app_start.len() - 1, capacity.len());
        check_choices(&app_start, &app_choice, m)?;

        // Group the entries of applicants' lists by provider (a counting sort), so that each
        // provider's ranking is read once to fill `choice_rank` for every entry naming it.
        let mut group_start = vec![0u32; m + 1];
        for &p in &app_choice {
            group_start[p as usize + 1] += 1;
        }
        for p in 0..m {
            group_start[p + 1] += group_start[p];
        }
        let mut fill = group_start.clone();
        let mut group = vec![(0u32, 0u32); app_choice.len()];
        for a in 0..n {
            for e in app_start[a]..app_start[a + 1] {
                let p = app_choice[e as usize] as usize;
                group[fill[p] as usize] = (e, a as u32);
                fill[p] += 1;
            }
        }

        let mut choice_rank = vec![NONE; app_choice.len()];
        // `seen_by[a] == p` when provider p's ranking has been seen to name a, at `rank_of[a]`.
        let mut seen_by = vec![NONE; n];
        let mut rank_of = vec![0u32; n];
        for p in 0..m {
            let ranking = &prov_rank[prov_start[p] as usize..prov_start[p + 1] as usize];
            for (r, &a) in ranking.iter().enumerate() {
                let (provider, position) = (p as u32, r as u32);
                let slot = seen_by
                    .get_mut(a as usize)
                    .ok_or(InstanceError::UnknownApplicant {
                        provider,
                        position,
                        applicant: a,
                    })?;
                if *slot == provider {
                    return Err(InstanceError::DuplicateRanking {
                        provider,
                        position,
                        applicant: a,
                    });
                }
                *slot = provider;
                rank_of[a as usize] = position;
            }
            for &(e, a) in &group[group_start[p] as usize..group_start[p + 1] as usize] {
                if seen_by[a as usize] == p as u32 {
                    choice_rank[e as usize] = rank_of[a as usize];
                }
            }
        }
        Ok(Instance {
            app_start,
            app_choice,
            choice_rank,
            capacity,
            prov_start,
            prov_rank,
        })
    }
}

fn check_choices(app_start: &[u32], app_choice: &[u32], m: usize) -> Result<(), InstanceError> {
    let mut listed_by = vec![NONE; m];
    for a in 0..app_start.len() - 1 {
        let list = &app_choice[app_start[a] as usize..app_start[a + 1] as usize];
        for (k, &p) in list.iter().enumerate() {
            let (applicant, position) = (a as u32, k as u32);
            let slot = listed_by
                .get_mut(p as usize)
                .ok_or(InstanceError::UnknownProvider {
                    applicant,
                    position,
                    provider: p,
                })?;
            if *slot == applicant {
                return Err(InstanceError::DuplicateChoice {
                    applicant,
                    position,
                    provider: p,
                });
            }
            *slot = applicant;
        }
    }
    Ok(())
}

/// A checked many-to-one instance on dense numbers: applicants `0..n`, providers `0..m`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// `app_choice[app_start[a]..app_start[a + 1]]` are applicant a's providers, best first.
    app_start: Vec<u32>,
    app_choice: Vec<u32>,
    /// For each entry of `app_choice`, the provider's rank of the applicant, or [`NONE`].
    choice_rank: Vec<u32>,
    capacity: Vec<u32>,
    /// `prov_rank[prov_start[p]..prov_start[p + 1]]` are provider p's applicants, best first.
    prov_start: Vec<u32>,
    prov_rank: Vec<u32>,
}

impl Instance {
    /// Builds an instance from each applicant's list of providers and each provider's
    /// `(capacity, ranking of applicants)`, all best first.
    pub fn new<A, P>(
        applicants: impl IntoIterator<Item = A>,
        providers: impl IntoIterator<Item = (u32, P)>,
    ) -> Result<Self, InstanceError>
    where
        A: IntoIterator<Item = u32>,
        P: IntoIterator<Item = u32>,
    {
        let mut builder = InstanceBuilder::new();
        for choices in applicants {
            builder.applicant(choices);
        }
        for (capacity, ranking) in providers {
            builder.provider(capacity, ranking);
        }
        builder.build()
    }

    /// How many applicants.
    pub fn applicants(&self) -> u32 {
        // Checked by the builder: fewer than u32::MAX.
        (self.app_start.len() - 1) as u32
    }

    /// How many providers.
    pub fn providers(&self) -> u32 {
        self.capacity.len() as u32
    }

    /// Applicant `a`'s providers, best first (acceptable or not). Panics if `a` is out of range.
    pub fn choices(&self, a: u32) -> &[u32] {
        let a = a as usize;
        &self.app_choice[self.app_start[a] as usize..self.app_start[a + 1] as usize]
    }

    /// Provider `p`'s applicants, best first. Panics if `p` is out of range.
    pub fn ranking(&self, p: u32) -> &[u32] {
        let p = p as usize;
        &self.prov_rank[self.prov_start[p] as usize..self.prov_start[p + 1] as usize]
    }

    /// Provider `p`'s capacity. Panics if `p` is out of range.
    pub fn capacity(&self, p: u32) -> u32 {
        self.capacity[p as usize]
    }

    /// The rank (0 best) provider `p` gives applicant `a`, if the pair is acceptable.
    pub fn provider_rank(&self, a: u32, p: u32) -> Option<u32> {
        let start = self.app_start[a as usize] as usize;
        let k = self.choices(a).iter().position(|&q| q == p)?;
        Some(self.choice_rank[start + k]).filter(|&r| r != NONE)
    }

    /// Whether `a` lists `p` and `p` ranks `a`.
    pub fn is_acceptable(&self, a: u32, p: u32) -> bool {
        self.provider_rank(a, p).is_some()
    }
}

/// An assignment of applicants to providers, indexed by applicant number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matching {
    provider: Vec<u32>,
}

impl Matching {
    /// The provider applicant `a` is assigned to, if any (also `None` for an `a` out of range).
    pub fn provider(&self, a: u32) -> Option<u32> {
        self.provider
            .get(a as usize)
            .copied()
            .filter(|&p| p != NONE)
    }

    /// Every applicant's provider, in applicant order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<u32>> + '_ {
        self.provider.iter().map(|&p| (p != NONE).then_some(p))
    }

    /// How many applicants the matching covers (all of the instance's).
    pub fn len(&self) -> usize {
        self.provider.len()
    }

    /// Whether the instance had no applicants.
    pub fn is_empty(&self) -> bool {
        self.provider.is_empty()
    }

    /// How many applicants have a provider.
    pub fn assigned(&self) -> usize {
        self.provider.iter().filter(|&&p| p != NONE).count()
    }
}

/// The applicant-optimal stable matching of `instance`, by applicant-proposing deferred
/// acceptance in McVitie–Wilson order: applicants enter one at a time; an applicant proposes down
/// its list until a provider holds it, and an applicant displaced from a full provider proposes
/// next, from where it stopped. Time O(total list length + total ranking length), memory
/// O(n + total ranking length).
///
/// ```
/// use skillhub_allocation::matching::{Instance, solve};
/// // Provider 0 has no seats; applicant 1 lists provider 1, which does not rank it.
/// let instance = Instance::new([vec![0, 1], vec![1]], [(0, vec![0]), (3, vec![0])])?;
/// let matching = solve(&instance);
/// assert_eq!(matching.provider(0), Some(1));
/// assert_eq!(matching.provider(1), None);
/// # Ok::<(), skillhub_allocation::matching::InstanceError>(())
/// ```
pub fn solve(instance: &Instance) -> Matching {
    let n = instance.app_start.len() - 1;
    let mut providers: Vec<Held> = instance
        .prov_start
        .windows(2)
        .zip(&instance.capacity)
        .map(|(range, &capacity)| Held {
            base: range[0],
            // A provider never holds more than it ranks.
            seats: capacity.min(range[1] - range[0]),
            held: 0,
            worst: 0,
        })
        .collect();
    // `holds[prov_start[p] + r]`: provider p holds the applicant it ranks r-th.
    let mut holds = vec![false; instance.prov_rank.len()];
    let mut next = instance.app_start[..n].to_vec();
    let mut provider = vec![NONE; n];

    for first in 0..n {
        let mut a = first;
        while next[a] < instance.app_start[a + 1] {
            let e = next[a] as usize;
            next[a] += 1;
            let rank = instance.choice_rank[e];
            if rank == NONE {
                continue;
            }
            let p = instance.app_choice[e];
            let held = &mut providers[p as usize];
            let base = held.base as usize;
            if held.held < held.seats {
                holds[base + rank as usize] = true;
                held.held += 1;
                held.worst = held.worst.max(rank);
                provider[a] = p;
                break;
            }
            if held.seats > 0 && rank < held.worst {
                let worst = held.worst as usize;
                holds[base + rank as usize] = true;
                holds[base + worst] = false;
                // The next worst is the last rank still held: `rank` at the latest, so the scan
                // stops; a full provider's worst only moves up its ranking, so all the scans
                // of a provider together read its ranking at most once.
                let mut w = worst - 1;
                while !holds[base + w] {
                    w -= 1;
                }
                held.worst = w as u32;
                provider[a] = p;
                let displaced = instance.prov_rank[base + worst];
                provider[displaced as usize] = NONE;
                a = displaced as usize;
            }
        }
    }
    Matching { provider }
}

/// What [`solve`] keeps per provider.
#[derive(Debug, Clone, Copy)]
struct Held {
    /// Where its ranking starts in `prov_rank` (and its flags in `holds`).
    base: u32,
    /// How many it may hold: its capacity, at most the length of its ranking.
    seats: u32,
    /// How many it holds.
    held: u32,
    /// The worst rank it holds (0 when it holds none).
    worst: u32,
}
