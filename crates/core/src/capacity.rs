//! Seats and waiting lists ("posti", "lista d'attesa"): who gets a seat, who waits, who moves up.
//!
//! A session offers seats of two kinds, in person and online ([`SeatKind`], [`Seats`]); a hybrid
//! session has both. Each kind has its own seats and its own waiting list, and nothing ever moves
//! between kinds. A registration ("iscrizione") is in exactly one [`Status`]:
//!
//! ```text
//! register ─┬─> Held { expires_at } ─┬─> Confirmed ─┬─> Attended
//!           │     (a seat, for now)  ├─> Expired    ├─> NoShow
//!           │                        └─> Cancelled  └─> Cancelled
//!           ├─> Confirmed ─> (as above)
//!           └─> Waitlisted { position } ─┬─> Confirmed   (promoted: a seat came free)
//!                                        └─> Cancelled
//! ```
//!
//! Anything else (attending from the waiting list, cancelling twice, an unknown or duplicate id)
//! is a [`CapacityError`], never a panic, and a refused operation changes nothing.
//!
//! # Two layers: the rules, and the book built on them
//!
//! The decisions are small pure functions over counts, so that a database can make them inside
//! **one transaction** with a couple of `COUNT` queries, without loading every registration:
//!
//! - [`Occupancy`]: per seat kind, the seats, how many are seated (confirmed, attended or no-show:
//!   a seat once given is not given back by attending), how many hold a seat, how many wait.
//! - [`admit`]: a newcomer gets a seat (or a hold, if asked) when one is free and nobody of that
//!   kind waits; otherwise it waits at position `1 + ahead`, where `ahead` counts the waiting
//!   entries of its kind whose [`Tier`] is the same or better.
//! - [`QueueKey`] `(tier, sequence)`: the waiting list's order. The head is the smallest key;
//!   a waiting entry's position is `1 +` the number of waiting keys smaller than its own.
//!   Positions are derived, never stored, so they are always exactly `1..=n` and moving up is not
//!   a change that anyone has to write.
//! - [`promotions`]: how many heads to promote now (free seats, capped by the list's length).
//!
//! A store serves one operation at instant `now` like this, inside one transaction that holds the
//! session's lock (a `FOR UPDATE` on the session row in PostgreSQL, `BEGIN IMMEDIATE` in SQLite):
//!
//! 1. expire the holds with `expires_at <= now` (each one is a [`Change::HoldExpired`]);
//! 2. per kind, compute the [`Occupancy`] and promote the first [`promotions`] entries
//!    `ORDER BY tier, sequence` ([`Change::Promoted`]);
//! 3. do the operation: for a registration, [`admit`] with `ahead` =
//!    `COUNT(*) WHERE status = 'waitlisted' AND kind = ? AND tier <= ?`; for a cancellation or a
//!    change of seats, write it and repeat step 2;
//! 4. if the operation is refused, roll everything back, expiries included.
//!
//! [`SessionBook`], the in-memory book of one session, is written on exactly these functions and
//! in exactly this order, so its property tests (thousands of random sequences of operations,
//! compared after every step with a naive reference model) test the rules the store relies on.
//!
//! # What always holds
//!
//! Per seat kind, after every operation:
//! - no operation that gives a seat (a confirmation, a hold, a promotion) leaves more seats taken
//!   (seated + held) than there are seats. Lowering the seats below the seats taken un-confirms
//!   nobody: the kind is then over its seats until enough registrations leave, and nobody new is
//!   seated meanwhile;
//! - no seat is free while someone of that kind waits, so a cancellation of a seat (confirmed or
//!   held) or an expired hold always promotes the head of that kind's list, unless the kind is
//!   over its seats;
//! - waiting positions are exactly `1..=n`; a better tier is never behind a worse one, and within
//!   a tier the earlier arrival goes first. Tiers say who goes first, never who may take part:
//!   that is eligibility's business (`crate::eligibility`).
//!
//! # Time
//!
//! There is no clock: every operation takes `now`. A hold expiring at `expires_at` is expired at
//! that instant and after. Holds are expired lazily, at the start of every operation, and on
//! demand with [`SessionBook::expire_holds`] (for a scheduler: [`SessionBook::next_expiry`]).
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use skillhub_core::capacity::{Change, RegistrationId, Request, SeatKind, Seats, SessionBook, Tier};
//!
//! let now = Utc.with_ymd_and_hms(2019, 2, 12, 8, 30, 0).unwrap();
//! let mut book = SessionBook::new(Seats::new(1, 0)?);
//! let (anna, bruno) = (RegistrationId::new(1), RegistrationId::new(2));
//! book.register(anna, SeatKind::InPerson, Tier::FIRST, Request::Confirm, now)?;
//! book.register(bruno, SeatKind::InPerson, Tier::FIRST, Request::Confirm, now)?;
//!
//! let changes = book.cancel(anna, now)?;
//! assert_eq!(changes.last(), Some(&Change::Promoted { id: bruno, kind: SeatKind::InPerson }));
//! # Ok::<(), skillhub_core::capacity::CapacityError>(())
//! ```

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

mod book;
mod rules;
#[cfg(test)]
mod tests;

pub use book::{Registration, SessionBook};
pub use rules::{
    Admission, Occupancy, Phase, Policy, Presence, QueueKey, Request, admit, after_attendance,
    after_cancel, promotions,
};

/// Why a seat operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CapacityError {
    /// A number of seats below 0 or above [`MAX_SEATS`].
    #[error("{kind} seats must be 0 to {MAX_SEATS}, not {given}")]
    Seats {
        /// The kind of seat.
        kind: SeatKind,
        /// The number given.
        given: i64,
    },
    /// The id is already registered in this session.
    #[error("registration {0} already exists")]
    Duplicate(RegistrationId),
    /// No registration with this id in this session.
    #[error("there is no registration {0}")]
    Unknown(RegistrationId),
    /// The registration's status does not allow the action.
    #[error("cannot {action} registration {id}: it is {status}")]
    Transition {
        /// The registration.
        id: RegistrationId,
        /// What was asked.
        action: Action,
        /// Its status when it was asked (after expiring the holds due).
        status: Status,
    },
    /// A hold asked to expire at or before the time of the request.
    #[error("a hold must expire after the time of the request ({now}), not at {expires_at}")]
    HoldExpiry {
        /// The expiry asked for.
        expires_at: DateTime<Utc>,
        /// The time of the request.
        now: DateTime<Utc>,
    },
}

/// An action on an existing registration, as named in a [`CapacityError::Transition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Turn a hold into a confirmed seat ([`SessionBook::confirm_hold`]).
    ConfirmHold,
    /// Cancel ([`SessionBook::cancel`]).
    Cancel,
    /// Record attendance ([`SessionBook::attend`]).
    Attend,
    /// Record a no-show ([`SessionBook::no_show`]).
    NoShow,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::ConfirmHold => "confirm the hold of",
            Action::Cancel => "cancel",
            Action::Attend => "record the attendance of",
            Action::NoShow => "record the no-show of",
        })
    }
}

/// The largest number of seats of one kind in one session.
pub const MAX_SEATS: u32 = 100_000;

/// How a participant takes part: in the room or online ("in presenza", "online").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatKind {
    /// A seat in the room ("in presenza").
    InPerson,
    /// A place in the online session ("online", "a distanza").
    Online,
}

impl SeatKind {
    /// Both kinds, in person first.
    pub const ALL: [SeatKind; 2] = [SeatKind::InPerson, SeatKind::Online];

    /// The stored and wire name: `in_person` or `online`.
    pub fn as_str(self) -> &'static str {
        match self {
            SeatKind::InPerson => "in_person",
            SeatKind::Online => "online",
        }
    }

    /// The kind named `text` ([`SeatKind::as_str`]).
    pub fn parse(text: &str) -> Option<SeatKind> {
        SeatKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The Italian name, as the catalog writes it.
    pub fn name_it(self) -> &'static str {
        match self {
            SeatKind::InPerson => "in presenza",
            SeatKind::Online => "online",
        }
    }

    /// The English name.
    pub fn name_en(self) -> &'static str {
        match self {
            SeatKind::InPerson => "in-person",
            SeatKind::Online => "online",
        }
    }
}

impl fmt::Display for SeatKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_en())
    }
}

/// A session's seats per kind ("posti"), each 0 to [`MAX_SEATS`].
///
/// Zero seats are allowed, for one kind or both: a kind with no seats only collects a waiting
/// list, which is promoted in order when seats are added with [`SessionBook::set_seats`] (a
/// session announced before its room is known). Whether a kind is offered at all is the
/// session's mode, not this type's business.
///
/// Serialized as `{"in_person": n, "online": n}`; deserializing validates, rejects unknown keys
/// and reads a missing key as 0.
///
/// ```
/// use skillhub_core::capacity::{SeatKind, Seats};
/// let hybrid = Seats::new(20, 100)?;
/// assert_eq!(hybrid.get(SeatKind::InPerson), 20);
/// assert_eq!(hybrid.total(), 120);
/// assert!(Seats::new(-1, 0).is_err());
/// let parsed: Seats = serde_json::from_str(r#"{"in_person": 20, "online": 100}"#)?;
/// assert_eq!(parsed, hybrid);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Seats {
    in_person: u32,
    online: u32,
}

impl Seats {
    /// Checks that both numbers are 0 to [`MAX_SEATS`].
    pub fn new(in_person: i64, online: i64) -> Result<Self, CapacityError> {
        Ok(Seats {
            in_person: check_seats(SeatKind::InPerson, in_person)?,
            online: check_seats(SeatKind::Online, online)?,
        })
    }

    /// No seats of either kind: a session that only collects a waiting list.
    pub const NONE: Seats = Seats {
        in_person: 0,
        online: 0,
    };

    /// The seats of one kind.
    pub fn get(self, kind: SeatKind) -> u32 {
        match kind {
            SeatKind::InPerson => self.in_person,
            SeatKind::Online => self.online,
        }
    }

    /// These seats with those of `kind` replaced by `n`, checked like [`Seats::new`].
    pub fn with(self, kind: SeatKind, n: i64) -> Result<Self, CapacityError> {
        let n = check_seats(kind, n)?;
        Ok(match kind {
            SeatKind::InPerson => Seats {
                in_person: n,
                ..self
            },
            SeatKind::Online => Seats { online: n, ..self },
        })
    }

    /// The seats `capacity` gives a session of `mode`: all in the room for an in-person one, all
    /// online for an online one, and for a hybrid one half and half with the odd seat in the
    /// room.
    ///
    /// ```
    /// use skillhub_core::capacity::{SeatKind, Seats};
    /// use skillhub_core::session::Mode;
    /// let hybrid = Seats::for_mode(Mode::Hybrid, 31)?;
    /// assert_eq!((hybrid.get(SeatKind::InPerson), hybrid.get(SeatKind::Online)), (16, 15));
    /// # Ok::<(), skillhub_core::capacity::CapacityError>(())
    /// ```
    pub fn for_mode(mode: crate::session::Mode, capacity: u32) -> Result<Self, CapacityError> {
        use crate::session::Mode;
        let n = i64::from(capacity);
        match mode {
            Mode::InPerson => Seats::new(n, 0),
            Mode::Online => Seats::new(0, n),
            Mode::Hybrid => Seats::new(n - n / 2, n / 2),
        }
    }

    /// Seats of both kinds together.
    pub fn total(self) -> u32 {
        // Both are at most MAX_SEATS, so the sum fits.
        self.in_person.saturating_add(self.online)
    }
}

fn check_seats(kind: SeatKind, given: i64) -> Result<u32, CapacityError> {
    u32::try_from(given)
        .ok()
        .filter(|n| *n <= MAX_SEATS)
        .ok_or(CapacityError::Seats { kind, given })
}

impl<'de> Deserialize<'de> for Seats {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            #[serde(default)]
            in_person: i64,
            #[serde(default)]
            online: i64,
        }
        let raw = Raw::deserialize(deserializer)?;
        Seats::new(raw.in_person, raw.online).map_err(serde::de::Error::custom)
    }
}

/// A registration's id, unique within its session; assigned by whoever stores registrations.
///
/// ```
/// use skillhub_core::capacity::RegistrationId;
/// assert_eq!(RegistrationId::new(7).get(), 7);
/// assert_eq!(RegistrationId::new(7).to_string(), "7");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegistrationId(u64);

impl RegistrationId {
    /// Any number is a valid id.
    pub const fn new(n: u64) -> Self {
        RegistrationId(n)
    }

    /// The number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for RegistrationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegistrationId({})", self.0)
    }
}

impl fmt::Display for RegistrationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A priority tier ("fascia di priorità"): who goes first on a waiting list. [`Tier::FIRST`] (0)
/// is the highest priority; a lower number goes first, and within a tier the earlier arrival.
///
/// A tier never decides who may take part (that is eligibility), only the order of waiting.
///
/// ```
/// use skillhub_core::capacity::Tier;
/// assert!(Tier::FIRST < Tier::new(1));
/// assert_eq!(Tier::default(), Tier::FIRST);
/// ```
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Tier(u8);

impl Tier {
    /// The highest priority, 0; also the default, for a session without priority criteria.
    pub const FIRST: Tier = Tier(0);
    /// The lowest priority, 255.
    pub const LAST: Tier = Tier(u8::MAX);

    /// Any number is a valid tier; 0 goes first.
    pub const fn new(n: u8) -> Self {
        Tier(n)
    }

    /// The number, 0 first.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a registration stands ("stato dell'iscrizione"). Each registration is in exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Holds a seat until `expires_at` (exclusive), e.g. while finishing a form; then it is
    /// confirmed, cancelled or expires.
    Held {
        /// The first instant at which the hold is no longer valid.
        expires_at: DateTime<Utc>,
    },
    /// Has a seat ("confermata").
    Confirmed,
    /// Waits for a seat of its kind ("in lista d'attesa"); `position` is 1 for the head.
    Waitlisted {
        /// 1-based place in the waiting list of its kind; moves up as others leave.
        position: u32,
    },
    /// Cancelled by the participant or an administrator ("annullata"); final.
    Cancelled,
    /// Came to the session ("presente"); final. Still counts as a seat given.
    Attended,
    /// Had a seat and did not come ("assente"); final. Still counts as a seat given.
    NoShow,
    /// A hold that was neither confirmed nor cancelled before it expired ("scaduta"); final.
    Expired,
}

impl Status {
    /// The stored and wire name: `held`, `confirmed`, `waitlisted`, `cancelled`, `attended`,
    /// `no_show` or `expired`.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Held { .. } => "held",
            Status::Confirmed => "confirmed",
            Status::Waitlisted { .. } => "waitlisted",
            Status::Cancelled => "cancelled",
            Status::Attended => "attended",
            Status::NoShow => "no_show",
            Status::Expired => "expired",
        }
    }

    /// The waiting position, for a registration on the waiting list.
    pub fn position(&self) -> Option<u32> {
        match self {
            Status::Waitlisted { position } => Some(*position),
            _ => None,
        }
    }

    /// Whether the registration is live: holding or waiting for a seat (not cancelled, expired,
    /// attended or a no-show).
    pub fn is_live(&self) -> bool {
        matches!(
            self,
            Status::Held { .. } | Status::Confirmed | Status::Waitlisted { .. }
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Held { expires_at } => write!(f, "holding a seat until {expires_at}"),
            Status::Confirmed => f.write_str("confirmed"),
            Status::Waitlisted { position } => write!(f, "waitlisted at position {position}"),
            Status::Cancelled => f.write_str("cancelled"),
            Status::Attended => f.write_str("attended"),
            Status::NoShow => f.write_str("a no-show"),
            Status::Expired => f.write_str("an expired hold"),
        }
    }
}

/// One thing an operation changed, in the order it happened: what an adapter writes, and what an
/// audit log records.
///
/// Waiting positions are derived from [`QueueKey`]s, so the positions that move up when someone
/// leaves the list are not changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// A new registration got a seat.
    Confirmed {
        /// The registration.
        id: RegistrationId,
        /// Its seat kind.
        kind: SeatKind,
    },
    /// A new registration holds a seat until `expires_at`.
    Held {
        /// The registration.
        id: RegistrationId,
        /// Its seat kind.
        kind: SeatKind,
        /// When the hold expires.
        expires_at: DateTime<Utc>,
    },
    /// A new registration joined the waiting list of its kind.
    Waitlisted {
        /// The registration.
        id: RegistrationId,
        /// Its seat kind.
        kind: SeatKind,
        /// Its position when it joined.
        position: u32,
    },
    /// A hold became a confirmed seat.
    HoldConfirmed {
        /// The registration.
        id: RegistrationId,
        /// Its seat kind.
        kind: SeatKind,
    },
    /// A hold expired and gave its seat back.
    HoldExpired {
        /// The registration.
        id: RegistrationId,
        /// Its seat kind.
        kind: SeatKind,
    },
    /// The head of a waiting list got a seat that came free (or was added).
    Promoted {
        /// The registration.
        id: RegistrationId,
        /// Its seat kind.
        kind: SeatKind,
    },
    /// A registration was cancelled; from `Confirmed` or `Held` it gave its seat back.
    Cancelled {
        /// The registration.
        id: RegistrationId,
        /// Its seat kind.
        kind: SeatKind,
        /// Its status just before.
        from: Status,
    },
    /// Attendance was recorded.
    Attended {
        /// The registration.
        id: RegistrationId,
        /// Its seat kind.
        kind: SeatKind,
    },
    /// A no-show was recorded.
    NoShow {
        /// The registration.
        id: RegistrationId,
        /// Its seat kind.
        kind: SeatKind,
    },
    /// The session's seats changed.
    SeatsChanged {
        /// The seats before.
        from: Seats,
        /// The seats after.
        to: Seats,
    },
}

impl Change {
    /// The registration changed, or `None` for [`Change::SeatsChanged`].
    pub fn id(&self) -> Option<RegistrationId> {
        match *self {
            Change::Confirmed { id, .. }
            | Change::Held { id, .. }
            | Change::Waitlisted { id, .. }
            | Change::HoldConfirmed { id, .. }
            | Change::HoldExpired { id, .. }
            | Change::Promoted { id, .. }
            | Change::Cancelled { id, .. }
            | Change::Attended { id, .. }
            | Change::NoShow { id, .. } => Some(id),
            Change::SeatsChanged { .. } => None,
        }
    }
}
