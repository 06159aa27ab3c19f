//! The seat decisions as pure functions over counts: what [`super::SessionBook`] runs in memory
//! and what a store runs inside one transaction (see the module docs of [`super`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Tier;

/// One seat kind of one session at one moment, as counts that a store gets with `COUNT` queries.
///
/// Nothing here is checked: after lowering the seats, `seated + held` may exceed `seats`, and a
/// store mid-transaction may see a free seat while entries wait (that is what [`promotions`]
/// fixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Occupancy {
    /// The seats of this kind ([`super::Seats::get`]).
    pub seats: u32,
    /// Registrations of this kind that were given a seat and did not give it back: confirmed,
    /// attended or no-show. Attendance is recorded on a seat; it does not free it.
    pub seated: u32,
    /// Registrations of this kind holding a seat (a hold not yet expired at "now").
    pub held: u32,
    /// Registrations of this kind on the waiting list.
    pub waiting: u32,
}

impl Occupancy {
    /// Seats in use: seated and held.
    pub fn taken(&self) -> u32 {
        self.seated.saturating_add(self.held)
    }

    /// Seats not in use; 0 when the kind is full or over its seats.
    pub fn free(&self) -> u32 {
        self.seats.saturating_sub(self.taken())
    }
}

/// What a newcomer asks for when a seat is free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Request {
    /// A confirmed seat at once.
    Confirm,
    /// A seat held until `expires_at` (exclusive), to be confirmed before then. If no seat is
    /// free, the newcomer waits like anyone else, and a promotion confirms it directly.
    Hold {
        /// The first instant at which the hold is no longer valid; must be after "now".
        expires_at: DateTime<Utc>,
    },
}

/// The decision for a newcomer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Admission {
    /// Seated, confirmed.
    Confirm,
    /// Holding a seat until `expires_at`.
    Hold {
        /// When the hold expires.
        expires_at: DateTime<Utc>,
    },
    /// On the waiting list at `position` (1 for the head).
    Waitlist {
        /// 1-based position in the waiting list of its kind.
        position: u32,
    },
}

/// Decides a newcomer: a seat when one is free and nobody of its kind waits (a free seat with a
/// waiting list belongs to the head of the list, not to the newcomer); otherwise the waiting
/// list at position `1 + ahead`.
///
/// `ahead` is the number of waiting entries of the same kind whose tier is the same as the
/// newcomer's or better (`COUNT(*) WHERE status = 'waitlisted' AND kind = ? AND tier <= ?`): the
/// newcomer goes behind them and ahead of every worse tier.
///
/// ```
/// use skillhub_core::capacity::{Admission, Occupancy, Request, admit};
/// let full = Occupancy { seats: 2, seated: 2, held: 0, waiting: 3 };
/// assert_eq!(admit(&full, 1, Request::Confirm), Admission::Waitlist { position: 2 });
/// let open = Occupancy { seats: 2, seated: 1, held: 0, waiting: 0 };
/// assert_eq!(admit(&open, 0, Request::Confirm), Admission::Confirm);
/// ```
pub fn admit(occupancy: &Occupancy, ahead: u32, request: Request) -> Admission {
    if occupancy.free() == 0 || occupancy.waiting > 0 {
        return Admission::Waitlist {
            position: ahead.saturating_add(1),
        };
    }
    match request {
        Request::Confirm => Admission::Confirm,
        Request::Hold { expires_at } => Admission::Hold { expires_at },
    }
}

/// How many heads of the waiting list to promote now: the free seats, at most the list's length.
/// The ones promoted are those with the smallest [`QueueKey`]s (`ORDER BY tier, sequence LIMIT n`).
///
/// Run after anything that may free or add a seat: a cancellation, an expired hold, more seats.
///
/// ```
/// use skillhub_core::capacity::{Occupancy, promotions};
/// let after_cancel = Occupancy { seats: 10, seated: 9, held: 0, waiting: 4 };
/// assert_eq!(promotions(&after_cancel), 1);
/// let over = Occupancy { seats: 5, seated: 7, held: 0, waiting: 4 };
/// assert_eq!(promotions(&over), 0);
/// ```
pub fn promotions(occupancy: &Occupancy) -> u32 {
    occupancy.free().min(occupancy.waiting)
}

/// The counts of a registration's kind after it is cancelled from `from`: a seat (confirmed or
/// held) or a waiting place is freed. `None` when a registration in that status cannot be
/// cancelled (already cancelled or expired, or closed by attendance). Run [`promotions`] on the
/// result: a freed seat goes to the head of the list.
///
/// ```
/// use skillhub_core::capacity::{Occupancy, Status, after_cancel, promotions};
/// let full = Occupancy { seats: 1, seated: 1, held: 0, waiting: 2 };
/// let after = after_cancel(&full, &Status::Confirmed).unwrap();
/// assert_eq!(promotions(&after), 1);
/// assert!(after_cancel(&full, &Status::Cancelled).is_none());
/// ```
pub fn after_cancel(occupancy: &Occupancy, from: &super::Status) -> Option<Occupancy> {
    use super::Status;
    let mut after = *occupancy;
    match from {
        Status::Confirmed => after.seated = after.seated.checked_sub(1)?,
        Status::Held { .. } => after.held = after.held.checked_sub(1)?,
        Status::Waitlisted { .. } => after.waiting = after.waiting.checked_sub(1)?,
        Status::Cancelled | Status::Expired | Status::Attended | Status::NoShow => return None,
    }
    Some(after)
}

/// How a session gives its seats at a moment: the rules a store runs under the session's lock.
///
/// ```
/// use skillhub_core::capacity::{Admission, Occupancy, Phase, Request};
/// let empty = Occupancy { seats: 2, seated: 0, held: 0, waiting: 0 };
/// assert_eq!(Phase::Open.admit(&empty, 0, Request::Confirm), Admission::Confirm);
/// // Before a batch session's draw everyone waits, however early, and a freed place
/// // promotes nobody: only the draw gives seats.
/// assert_eq!(Phase::AwaitingDraw.admit(&empty, 0, Request::Confirm), Admission::Waitlist { position: 1 });
/// let after_a_cancellation = Occupancy { seats: 2, seated: 0, held: 0, waiting: 3 };
/// assert_eq!(Phase::AwaitingDraw.promotions(&after_a_cancellation), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Seats in order of arrival (by tier once a list forms): a first-come session, and a batch
    /// session after its draw.
    Open,
    /// A batch session before its draw: nobody holds a seat; everyone waits for the draw in
    /// tier order, and a cancellation only leaves the pool.
    AwaitingDraw,
}

/// How a session gives its seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Until seats run out, in order of arrival (by tier when the list forms).
    #[default]
    FirstCome,
    /// Everyone waits until registration closes; then a draw by tier and lottery.
    Batch,
}

impl Policy {
    /// The stored and wire name: `first_come` or `batch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::FirstCome => "first_come",
            Policy::Batch => "batch",
        }
    }

    /// The policy named `text` ([`Policy::as_str`]).
    pub fn parse(text: &str) -> Option<Policy> {
        [Policy::FirstCome, Policy::Batch]
            .into_iter()
            .find(|policy| policy.as_str() == text)
    }
}

impl Phase {
    /// The phase of a session with this seat `policy` whose draw has or has not run.
    pub fn of(policy: Policy, drawn: bool) -> Phase {
        if policy == Policy::Batch && !drawn {
            Phase::AwaitingDraw
        } else {
            Phase::Open
        }
    }

    /// [`admit`] in this phase: before the draw, the waiting list at `1 + ahead` whatever is
    /// free.
    pub fn admit(self, occupancy: &Occupancy, ahead: u32, request: Request) -> Admission {
        match self {
            Phase::Open => admit(occupancy, ahead, request),
            Phase::AwaitingDraw => Admission::Waitlist {
                position: ahead.saturating_add(1),
            },
        }
    }

    /// Staff's explicit choice to seat someone beyond the seats (the seat is added for them
    /// first, so nobody waiting loses a seat): confirmed at once while open; before a batch
    /// session's draw, in the pool like everyone else (`ahead` of them).
    pub fn admit_beyond_seats(self, ahead: u32) -> Admission {
        match self {
            Phase::Open => Admission::Confirm,
            Phase::AwaitingDraw => Admission::Waitlist {
                position: ahead.saturating_add(1),
            },
        }
    }

    /// [`promotions`] in this phase: none before the draw.
    pub fn promotions(self, occupancy: &Occupancy) -> u32 {
        match self {
            Phase::Open => promotions(occupancy),
            Phase::AwaitingDraw => 0,
        }
    }
}

/// Whether a person with a seat came to the session ("presente") or not ("assente").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Came ("presente").
    Attended,
    /// Did not come ("assente").
    NoShow,
}

/// The status after recording `presence` on a registration in status `from`: only a confirmed
/// seat can be marked, and the seat stays given (nobody is promoted). `None` for any other
/// status: a waiting, held, cancelled or expired registration had no seat to come to, and an
/// attendance once recorded is final.
///
/// ```
/// use skillhub_core::capacity::{Presence, Status, after_attendance};
/// assert_eq!(after_attendance(&Status::Confirmed, Presence::Attended), Some(Status::Attended));
/// assert_eq!(after_attendance(&Status::Waitlisted { position: 1 }, Presence::NoShow), None);
/// assert_eq!(after_attendance(&Status::Attended, Presence::NoShow), None);
/// ```
pub fn after_attendance(from: &super::Status, presence: Presence) -> Option<super::Status> {
    use super::Status;
    match (from, presence) {
        (Status::Confirmed, Presence::Attended) => Some(Status::Attended),
        (Status::Confirmed, Presence::NoShow) => Some(Status::NoShow),
        _ => None,
    }
}

/// A waiting entry's place in line: its tier, then its arrival sequence. The head of a list is
/// its smallest key; an entry's position is 1 + the number of waiting keys of its kind smaller
/// than its own.
///
/// `sequence` is unique within a session and grows with arrival (a store can use a serial
/// column assigned under the session's lock). Comparison is by tier first, so a better tier is
/// never behind a worse one, and FIFO within a tier.
///
/// ```
/// use skillhub_core::capacity::{QueueKey, Tier};
/// let early_worse = QueueKey::new(Tier::new(1), 1);
/// let late_better = QueueKey::new(Tier::FIRST, 9);
/// assert!(late_better < early_worse);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QueueKey {
    // Field order is the order: tier first.
    tier: Tier,
    sequence: u64,
}

impl QueueKey {
    /// The key of an entry of `tier` that arrived `sequence`-th.
    pub const fn new(tier: Tier, sequence: u64) -> Self {
        QueueKey { tier, sequence }
    }

    /// The tier.
    pub const fn tier(self) -> Tier {
        self.tier
    }

    /// The arrival sequence.
    pub const fn sequence(self) -> u64 {
        self.sequence
    }
}
