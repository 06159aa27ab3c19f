//! The ranking ("graduatoria") and the awards under the budget, with a reserve list.
//!
//! 1. Applications below a threshold are set apart: they get no rank and no money, and come last.
//! 2. The others are ordered by total, higher first; then by number of preferences met (priority
//!    criteria, and favoured project kinds in a [`super::call::Call`]), more first; then by
//!    submission instant, earlier first; then by the recorded lottery. Totals are exact fractions,
//!    so equal totals tie and go to the next key.
//! 3. **The lottery** ([`skillhub_allocation::lottery`]): the ids of *every* application given,
//!    sorted by their UTF-8 bytes, are shuffled with the call's seed; an application drawn
//!    earlier goes first. Sorting first makes the draw depend on the set of applications only,
//!    never on the order of a file, and ids are unique, so no tie survives it: the ranking is a
//!    total order. Without a seed, a tie that reaches the lottery is an error, never a silent
//!    choice.
//! 4. **The walk**: down the ranking, an application whose request fits what is left of the
//!    budget is funded and its request is taken from the budget; one that does not fit goes on
//!    the reserve list ("riserva") and the walk goes on, so a smaller request further down may
//!    still be funded. Nothing is split: an application gets its whole request or nothing.
//! 5. **Withdrawals** ([`Ranking::withdraw`]): the money of a withdrawn funded application goes
//!    back to the budget, then the reserve list is walked again in rank order, promoting each
//!    application whose request fits what is left (the first that fits, then the next that still
//!    fits …). Funded applications never lose their award, so after any withdrawals it still
//!    holds that no reserve application's request fits the money left.
//!
//! Every placed application carries what decided its place against the one just above it
//! ([`TieBreak`]), so the Italian explanation ([`Ranking::explain_it`]) can say "a pari
//! punteggio, presentata prima".

use std::cmp::Ordering;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::call::Call;
use super::evaluation::Miss;
use super::lifecycle::Application;
use super::score::Fraction;
use skillhub_allocation::lottery::{self, LotterySeed};
use skillhub_core::italian;
use skillhub_core::program::Cents;
use skillhub_core::tz::Zone;

/// Why a ranking cannot be made or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RankError {
    /// Two applications with the same id.
    #[error("application {0:?} appears twice")]
    DuplicateId(String),
    /// Two applications tie on every key before the lottery and there is no seed.
    #[error(
        "{0:?} and {1:?} tie on total, preferences and submission time: a lottery seed is needed"
    )]
    SeedNeeded(String, String),
    /// No application has this id.
    #[error("no application {0:?} in the ranking")]
    Unknown(String),
    /// The application was already withdrawn.
    #[error("application {0:?} was already withdrawn")]
    AlreadyWithdrawn(String),
}

/// An application as the ranking sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// Unique id.
    pub id: &'a str,
    /// The amount requested.
    pub requested: Cents,
    /// The weighted mean score, exact.
    pub total: Fraction,
    /// Thresholds it does not reach (empty: it is ranked).
    pub misses: Vec<Miss>,
    /// How many of the call's preferences it meets.
    pub preferences: u32,
    /// When it was handed in.
    pub submitted_at: DateTime<Utc>,
}

impl<'a> Candidate<'a> {
    /// The candidate an evaluated application makes under `call`: its request, its total and
    /// misses, the call's preferences it meets and when it was handed in. `None` for an
    /// application that was not submitted or not evaluated.
    pub fn from_application(call: &Call, application: &'a Application) -> Option<Self> {
        let assessment = application.assessment()?;
        Some(Candidate {
            id: application.id().as_str(),
            requested: application.requested(),
            total: assessment.total,
            misses: assessment.misses.clone(),
            preferences: call
                .preferences_met(application.priorities(), application.project_kinds()),
            submitted_at: application.submitted_at()?,
        })
    }
}

/// Where an application ends ("esito").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Awarded its whole request ("finanziata").
    Funded,
    /// Ranked, but its request did not fit what was left at its turn ("in riserva").
    Reserve,
    /// Below a threshold: not ranked ("sotto soglia").
    BelowThreshold,
    /// Withdrawn after the ranking ("ritirata").
    Withdrawn,
}

impl Status {
    /// The wire name: `funded`, `reserve`, `below_threshold`, `withdrawn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Funded => "funded",
            Status::Reserve => "reserve",
            Status::BelowThreshold => "below_threshold",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// Italian name.
    pub fn it(self) -> &'static str {
        match self {
            Status::Funded => "finanziata",
            Status::Reserve => "in riserva",
            Status::BelowThreshold => "sotto soglia",
            Status::Withdrawn => "ritirata",
        }
    }
}

/// What put an application below the one just above it in the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TieBreak {
    /// A lower total.
    Total,
    /// The same total, fewer preferences met.
    Preferences,
    /// Same total and preferences, handed in later.
    SubmittedAt,
    /// Tied on everything but the lottery, and drawn later.
    Lottery,
}

/// One application's place and outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed<'a> {
    /// The application's position in the input.
    pub index: usize,
    /// Its id.
    pub id: &'a str,
    /// 1, 2, … for applications above threshold; `None` below.
    pub rank: Option<u32>,
    /// The weighted mean, exact.
    pub total: Fraction,
    /// The request.
    pub requested: Cents,
    /// Preferences met.
    pub preferences: u32,
    /// When it was handed in.
    pub submitted_at: DateTime<Utc>,
    /// Its place in the lottery (0 first drawn), when there is a seed.
    pub lottery_place: Option<u32>,
    /// What separates it from the entry just above (`None` for the first of each part).
    pub decided_by: Option<TieBreak>,
    /// What was left of the budget when the walk reached it (for ranked applications).
    pub left_at_turn: Cents,
    /// Outcome.
    pub status: Status,
    /// The money awarded: the request when funded, else 0.
    pub awarded: Cents,
    /// Thresholds missed.
    pub misses: Vec<Miss>,
}

/// The whole ranking: ranked applications in rank order, then the ones below threshold.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use skillhub_allocation::lottery::LotterySeed;
/// use skillhub_grants::ranking::{Candidate, Status, rank};
/// use skillhub_grants::score::Fraction;
/// use skillhub_core::program::Cents;
/// let at = Utc.with_ymd_and_hms(2022, 4, 1, 9, 0, 0).unwrap();
/// let candidate = |id, cents, total| Candidate {
///     id, requested: Cents::new(cents), total: Fraction::whole(total), misses: vec![],
///     preferences: 0, submitted_at: at,
/// };
/// let ranking = rank(
///     &[candidate("a", 600, 5), candidate("b", 600, 4), candidate("c", 300, 3)],
///     Cents::new(1000),
///     Some(LotterySeed::from_u64(42)),
/// )?;
/// let status: Vec<Status> = ranking.entries().iter().map(|e| e.status).collect();
/// assert_eq!(status, [Status::Funded, Status::Reserve, Status::Funded]);
/// assert_eq!(ranking.remaining(), Cents::new(100));
/// # Ok::<(), skillhub_grants::ranking::RankError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranking<'a> {
    entries: Vec<Placed<'a>>,
    budget: Cents,
    remaining: Cents,
    seed: Option<LotterySeed>,
}

/// Ranks `candidates` and walks the budget (see the module docs).
pub fn rank<'a>(
    candidates: &[Candidate<'a>],
    budget: Cents,
    seed: Option<LotterySeed>,
) -> Result<Ranking<'a>, RankError> {
    let places = lottery_places(candidates, seed.as_ref())?;
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    let key_order = |&a: &usize, &b: &usize| {
        let (x, y) = (&candidates[a], &candidates[b]);
        y.misses
            .is_empty()
            .cmp(&x.misses.is_empty())
            .then_with(|| compare(x, y).map_or(Ordering::Equal, |(o, _)| o))
    };
    order.sort_by(|a, b| key_order(a, b).then_with(|| places[*a].cmp(&places[*b])));

    let mut entries = Vec::with_capacity(order.len());
    let mut remaining = budget;
    let mut next_rank = 1u32;
    let mut above: Option<usize> = None;
    for &i in &order {
        let c = &candidates[i];
        let ranked = c.misses.is_empty();
        let decided_by = match above {
            Some(a) if candidates[a].misses.is_empty() == ranked => {
                Some(compare(&candidates[a], c).map_or(TieBreak::Lottery, |(_, by)| by))
            }
            _ => None,
        };
        if ranked && decided_by == Some(TieBreak::Lottery) && seed.is_none() {
            let a = above.map_or("", |a| candidates[a].id);
            return Err(RankError::SeedNeeded(a.to_owned(), c.id.to_owned()));
        }
        above = Some(i);
        let left_at_turn = remaining;
        let (rank, status, awarded) = if !ranked {
            (None, Status::BelowThreshold, Cents::new(0))
        } else if c.requested <= remaining {
            remaining = Cents::new(remaining.get() - c.requested.get());
            (Some(next_rank), Status::Funded, c.requested)
        } else {
            (Some(next_rank), Status::Reserve, Cents::new(0))
        };
        if ranked {
            next_rank += 1;
        }
        entries.push(Placed {
            index: i,
            id: c.id,
            rank,
            total: c.total,
            requested: c.requested,
            preferences: c.preferences,
            submitted_at: c.submitted_at,
            lottery_place: seed.map(|_| places[i]),
            decided_by,
            left_at_turn,
            status,
            awarded,
            misses: c.misses.clone(),
        });
    }
    Ok(Ranking {
        entries,
        budget,
        remaining,
        seed,
    })
}

/// `x` against `y` on the keys before the lottery: `Less` when `x` goes first, with the key
/// that decided; `None` when they tie on all of them.
fn compare(x: &Candidate<'_>, y: &Candidate<'_>) -> Option<(Ordering, TieBreak)> {
    let keys = [
        (y.total.cmp(&x.total), TieBreak::Total),
        (y.preferences.cmp(&x.preferences), TieBreak::Preferences),
        (x.submitted_at.cmp(&y.submitted_at), TieBreak::SubmittedAt),
    ];
    keys.into_iter().find(|(o, _)| o.is_ne())
}

/// Each candidate's place in the lottery over the ids sorted by their bytes (the sorted
/// position itself without a seed). Refuses duplicate ids.
fn lottery_places(
    candidates: &[Candidate<'_>],
    seed: Option<&LotterySeed>,
) -> Result<Vec<u32>, RankError> {
    let mut by_id: Vec<usize> = (0..candidates.len()).collect();
    by_id.sort_unstable_by_key(|&i| candidates[i].id.as_bytes());
    if let Some(pair) = by_id
        .windows(2)
        .find(|p| candidates[p[0]].id == candidates[p[1]].id)
    {
        return Err(RankError::DuplicateId(candidates[pair[0]].id.to_owned()));
    }
    // Without a seed, places follow the ids' order: only applications below threshold may
    // tie then (a ranked tie is an error), and their order must not depend on the input's.
    let drawn = match seed {
        Some(seed) => lottery::places(candidates.len(), seed),
        None => (0..candidates.len())
            .map(|p| u32::try_from(p).unwrap_or(u32::MAX))
            .collect(),
    };
    let mut places = vec![0u32; candidates.len()];
    for (sorted_position, &i) in by_id.iter().enumerate() {
        places[i] = drawn[sorted_position];
    }
    Ok(places)
}

impl<'a> Ranking<'a> {
    /// Ranked applications in rank order, then those below threshold.
    pub fn entries(&self) -> &[Placed<'a>] {
        &self.entries
    }

    /// The budget of the call.
    pub fn budget(&self) -> Cents {
        self.budget
    }

    /// The money awarded.
    pub fn awarded(&self) -> Cents {
        Cents::new(self.budget.get() - self.remaining.get())
    }

    /// The money left.
    pub fn remaining(&self) -> Cents {
        self.remaining
    }

    /// The lottery seed used, if any.
    pub fn seed(&self) -> Option<LotterySeed> {
        self.seed
    }

    /// The entry of an application.
    pub fn entry(&self, id: &str) -> Option<&Placed<'a>> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Withdraws an application: its award (if any) goes back to the budget and the reserve list
    /// is walked in rank order, promoting each application whose request fits what is left.
    /// Returns the ids promoted, in rank order.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use skillhub_allocation::lottery::LotterySeed;
    /// use skillhub_grants::ranking::{Candidate, Status, rank};
    /// use skillhub_grants::score::Fraction;
    /// use skillhub_core::program::Cents;
    /// let at = Utc.with_ymd_and_hms(2022, 4, 1, 9, 0, 0).unwrap();
    /// let candidate = |id, cents, total| Candidate {
    ///     id, requested: Cents::new(cents), total: Fraction::whole(total), misses: vec![],
    ///     preferences: 0, submitted_at: at,
    /// };
    /// let mut ranking = rank(
    ///     &[candidate("a", 600, 5), candidate("b", 900, 4), candidate("c", 500, 3)],
    ///     Cents::new(1000),
    ///     Some(LotterySeed::from_u64(42)),
    /// )?;
    /// assert_eq!(ranking.entry("c").unwrap().status, Status::Reserve); // 500 > 400 left
    /// assert_eq!(ranking.withdraw("a")?, ["b"]); // 1000 left: b (900) first, in rank order
    /// assert_eq!(ranking.entry("c").unwrap().status, Status::Reserve); // 500 > 100 left
    /// # Ok::<(), skillhub_grants::ranking::RankError>(())
    /// ```
    pub fn withdraw(&mut self, id: &str) -> Result<Vec<&'a str>, RankError> {
        let entry = self
            .entries
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or_else(|| RankError::Unknown(id.to_owned()))?;
        if entry.status == Status::Withdrawn {
            return Err(RankError::AlreadyWithdrawn(id.to_owned()));
        }
        self.remaining = Cents::new(self.remaining.get() + entry.awarded.get());
        entry.awarded = Cents::new(0);
        entry.status = Status::Withdrawn;
        let mut promoted = Vec::new();
        for entry in &mut self.entries {
            if entry.status == Status::Reserve && entry.requested <= self.remaining {
                entry.left_at_turn = self.remaining;
                self.remaining = Cents::new(self.remaining.get() - entry.requested.get());
                entry.status = Status::Funded;
                entry.awarded = entry.requested;
                promoted.push(entry.id);
            }
        }
        Ok(promoted)
    }

    /// One line per application, in Italian, saying its place and why: the score, what decided
    /// against the application just above, and the outcome with the money.
    pub fn explain_it(&self) -> Vec<String> {
        self.entries
            .iter()
            .enumerate()
            .map(|(k, e)| explain_entry(e, k.checked_sub(1).map(|k| &self.entries[k])))
            .collect()
    }

    /// The ranking as Italian text: a heading, one explained line per application, totals.
    pub fn text_it(&self) -> String {
        let mut out = String::new();
        let ranked = self.entries.iter().filter(|e| e.rank.is_some()).count();
        let funded = self.entries.iter().filter(|e| e.status == Status::Funded);
        let _ = writeln!(
            out,
            "Graduatoria: {} domande, {} in graduatoria; budget {}.",
            self.entries.len(),
            ranked,
            self.budget
        );
        if let Some(seed) = self.seed {
            let _ = writeln!(out, "Seme del sorteggio: {seed}.");
        }
        for line in self.explain_it() {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(
            out,
            "Finanziate {}: assegnati {}, restano {}.",
            funded.count(),
            self.awarded(),
            self.remaining
        );
        out
    }
}

fn explain_entry(e: &Placed<'_>, above: Option<&Placed<'_>>) -> String {
    let place = e.rank.map_or("–".to_owned(), |r| format!("{r}."));
    let mut line = format!("{place} {}: punteggio {}", e.id, e.total.to_it(2));
    if let (Some(by), Some(above)) = (e.decided_by, above) {
        match by {
            TieBreak::Total => {}
            TieBreak::Preferences => {
                let _ = write!(
                    line,
                    " (a pari punteggio con {}, meno criteri di priorità: {} contro {})",
                    above.id, e.preferences, above.preferences
                );
            }
            TieBreak::SubmittedAt => {
                let _ = write!(
                    line,
                    " (a pari punteggio e priorità con {}, presentata dopo: {} contro {})",
                    above.id,
                    rome_time(e.submitted_at),
                    rome_time(above.submitted_at)
                );
            }
            TieBreak::Lottery if e.lottery_place.is_none() => {
                let _ = write!(
                    line,
                    " (pari in tutto con {}, in ordine di codice)",
                    above.id
                );
            }
            TieBreak::Lottery => {
                let _ = write!(
                    line,
                    " (pari in tutto con {}, estratta dopo al sorteggio: {}ª contro {}ª)",
                    above.id,
                    e.lottery_place.map_or(0, |p| p + 1),
                    above.lottery_place.map_or(0, |p| p + 1)
                );
            }
        }
    }
    match e.status {
        Status::Funded => {
            let _ = write!(
                line,
                " — finanziata con {} (restavano {})",
                e.awarded, e.left_at_turn
            );
        }
        Status::Reserve => {
            let _ = write!(
                line,
                " — in riserva: chiede {}, al suo turno restavano {}",
                e.requested, e.left_at_turn
            );
        }
        Status::BelowThreshold => {
            let misses: Vec<String> = e.misses.iter().map(Miss::it).collect();
            let _ = write!(line, " — sotto soglia: {}", misses.join("; "));
        }
        Status::Withdrawn => {
            let _ = write!(line, " — ritirata");
        }
    }
    line
}

/// `01/03/2019 10:00` in Europe/Rome (UTC if the zone data cannot place it).
fn rome_time(at: DateTime<Utc>) -> String {
    match Zone::rome().to_local(at) {
        Ok(local) => format!(
            "{} {}",
            italian::short_date(local.date()),
            local.format("%H:%M")
        ),
        Err(_) => at.format("%d/%m/%Y %H:%M UTC").to_string(),
    }
}
