//! [`SessionBook`]: the seats and waiting lists of one session, in memory, built on the rules of
//! [`super::rules`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::rules::{Admission, Occupancy, QueueKey, Request, admit, promotions};
use super::{Action, CapacityError, Change, RegistrationId, SeatKind, Seats, Status, Tier};

/// A registration as the book sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Registration {
    /// Its id.
    pub id: RegistrationId,
    /// The kind of seat it is for.
    pub kind: SeatKind,
    /// Its priority tier.
    pub tier: Tier,
    /// Its arrival order in the session: 0 for the first registration, then 1, 2 …
    pub sequence: u64,
    /// Where it stands (as of the last operation: a hold past its expiry shows as held until the
    /// next operation or [`SessionBook::expire_holds`]).
    pub status: Status,
}

impl Registration {
    /// Its place in a waiting list.
    pub fn queue_key(&self) -> QueueKey {
        QueueKey::new(self.tier, self.sequence)
    }
}

/// The seats and waiting lists of one session ("registro delle iscrizioni"): a pure state
/// machine, every operation given "now".
///
/// Every operation is all-or-nothing: it first expires the holds due at `now` (reported first in
/// its changes), then acts; if the action is refused, the error comes back and nothing changed,
/// the expiries included (as in a rolled-back transaction).
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use skillhub_core::capacity::{
///     Change, RegistrationId, Request, SeatKind, Seats, SessionBook, Status, Tier,
/// };
///
/// let now = Utc.with_ymd_and_hms(2019, 2, 12, 8, 30, 0).unwrap();
/// let mut book = SessionBook::new(Seats::new(0, 1)?);
/// let online = SeatKind::Online;
/// let [a, b, c] = [1, 2, 3].map(RegistrationId::new);
///
/// // `a` holds the only online seat for 15 minutes; `b` (ordinary) and `c` (priority) wait.
/// let hold = Request::Hold { expires_at: now + Duration::minutes(15) };
/// book.register(a, online, Tier::new(1), hold, now)?;
/// book.register(b, online, Tier::new(1), Request::Confirm, now)?;
/// book.register(c, online, Tier::FIRST, Request::Confirm, now)?;
/// assert_eq!(book.status(c), Some(Status::Waitlisted { position: 1 }));
///
/// // The hold is not confirmed in time: the seat goes to the head of the list.
/// let changes = book.expire_holds(now + Duration::minutes(15));
/// assert_eq!(
///     changes,
///     [Change::HoldExpired { id: a, kind: online }, Change::Promoted { id: c, kind: online }],
/// );
/// assert_eq!(book.status(b), Some(Status::Waitlisted { position: 1 }));
/// # Ok::<(), skillhub_core::capacity::CapacityError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionBook {
    seats: Seats,
    entries: BTreeMap<RegistrationId, Entry>,
    /// Indexed by [`index`].
    pools: [Pool; 2],
    /// The holds, soonest expiry first.
    holds: BTreeSet<(DateTime<Utc>, RegistrationId)>,
    next_sequence: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    kind: SeatKind,
    tier: Tier,
    sequence: u64,
    state: State,
}

impl Entry {
    fn key(&self) -> QueueKey {
        QueueKey::new(self.tier, self.sequence)
    }
}

/// [`Status`] without the position, which is derived from the waiting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Held { expires_at: DateTime<Utc> },
    Confirmed,
    Waitlisted,
    Cancelled,
    Attended,
    NoShow,
    Expired,
}

/// The counters and the waiting list of one seat kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Pool {
    seated: u32,
    held: u32,
    waiting: BTreeSet<(QueueKey, RegistrationId)>,
}

fn index(kind: SeatKind) -> usize {
    match kind {
        SeatKind::InPerson => 0,
        SeatKind::Online => 1,
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl SessionBook {
    /// An empty book with these seats.
    pub fn new(seats: Seats) -> Self {
        SessionBook {
            seats,
            entries: BTreeMap::new(),
            pools: Default::default(),
            holds: BTreeSet::new(),
            next_sequence: 0,
        }
    }

    /// The seats now.
    pub fn seats(&self) -> Seats {
        self.seats
    }

    /// The counts of one seat kind, as [`admit`] and [`promotions`] see them.
    pub fn occupancy(&self, kind: SeatKind) -> Occupancy {
        let pool = self.pool(kind);
        Occupancy {
            seats: self.seats.get(kind),
            seated: pool.seated,
            held: pool.held,
            waiting: count(pool.waiting.len()),
        }
    }

    /// One registration's status, or `None` for an unknown id.
    pub fn status(&self, id: RegistrationId) -> Option<Status> {
        self.registration(id).map(|r| r.status)
    }

    /// One registration, or `None` for an unknown id.
    pub fn registration(&self, id: RegistrationId) -> Option<Registration> {
        let entry = self.entries.get(&id)?;
        Some(self.view(id, entry))
    }

    /// Every registration, by id.
    pub fn registrations(&self) -> Vec<Registration> {
        let mut positions = BTreeMap::new();
        for pool in &self.pools {
            for (position, (_, id)) in (1..).zip(&pool.waiting) {
                positions.insert(*id, position);
            }
        }
        self.entries
            .iter()
            .map(|(id, entry)| {
                let position = positions.get(id).copied().unwrap_or(0);
                view_with(*id, entry, position)
            })
            .collect()
    }

    /// The waiting list of one kind, head first.
    pub fn waiting_list(&self, kind: SeatKind) -> impl Iterator<Item = RegistrationId> + '_ {
        self.pool(kind).waiting.iter().map(|(_, id)| *id)
    }

    /// The earliest expiry among the holds: when [`SessionBook::expire_holds`] next has work.
    pub fn next_expiry(&self) -> Option<DateTime<Utc>> {
        self.holds.first().map(|(at, _)| *at)
    }

    /// Registers a newcomer for a seat of `kind`: a seat (confirmed, or held if `request` asks
    /// for a hold) when one is free and nobody of that kind waits, else the waiting list behind
    /// every entry of the same or a better tier ([`admit`]).
    ///
    /// Refused for an id already in the book, or a hold expiring at or before `now`.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use skillhub_core::capacity::{Change, RegistrationId, Request, SeatKind, Seats, SessionBook, Tier};
    ///
    /// let now = Utc.with_ymd_and_hms(2019, 2, 12, 8, 30, 0).unwrap();
    /// let mut book = SessionBook::new(Seats::new(1, 0)?);
    /// let kind = SeatKind::InPerson;
    /// let [a, b] = [1, 2].map(RegistrationId::new);
    /// assert_eq!(
    ///     book.register(a, kind, Tier::FIRST, Request::Confirm, now)?,
    ///     [Change::Confirmed { id: a, kind }],
    /// );
    /// assert_eq!(
    ///     book.register(b, kind, Tier::FIRST, Request::Confirm, now)?,
    ///     [Change::Waitlisted { id: b, kind, position: 1 }],
    /// );
    /// assert!(book.register(b, kind, Tier::FIRST, Request::Confirm, now).is_err());
    /// # Ok::<(), skillhub_core::capacity::CapacityError>(())
    /// ```
    pub fn register(
        &mut self,
        id: RegistrationId,
        kind: SeatKind,
        tier: Tier,
        request: Request,
        now: DateTime<Utc>,
    ) -> Result<Vec<Change>, CapacityError> {
        self.atomically(now, |book, changes| {
            book.register_now(id, kind, tier, request, now, changes)
        })
    }

    /// Turns a hold into a confirmed seat. Refused unless the registration holds a seat at `now`:
    /// a hold confirmed at or after its expiry has expired.
    pub fn confirm_hold(
        &mut self,
        id: RegistrationId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Change>, CapacityError> {
        self.atomically(now, |book, changes| book.confirm_hold_now(id, changes))
    }

    /// Cancels a registration that is held, confirmed or waiting. A seat given back goes to the
    /// head of the waiting list of its kind at once ([`Change::Promoted`]), unless the kind is
    /// over its seats; the entries behind move up.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use skillhub_core::capacity::{Change, RegistrationId, Request, SeatKind, Seats, SessionBook, Status, Tier};
    ///
    /// let now = Utc.with_ymd_and_hms(2019, 2, 12, 8, 30, 0).unwrap();
    /// let mut book = SessionBook::new(Seats::new(1, 0)?);
    /// let kind = SeatKind::InPerson;
    /// let [a, b, c] = [1, 2, 3].map(RegistrationId::new);
    /// for id in [a, b, c] {
    ///     book.register(id, kind, Tier::FIRST, Request::Confirm, now)?;
    /// }
    /// let changes = book.cancel(a, now)?;
    /// assert_eq!(changes[1], Change::Promoted { id: b, kind });
    /// assert_eq!(book.status(c), Some(Status::Waitlisted { position: 1 }));
    /// assert!(book.cancel(a, now).is_err(), "already cancelled");
    /// # Ok::<(), skillhub_core::capacity::CapacityError>(())
    /// ```
    pub fn cancel(
        &mut self,
        id: RegistrationId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Change>, CapacityError> {
        self.atomically(now, |book, changes| book.cancel_now(id, changes))
    }

    /// Records that a confirmed registration came. Refused from any other status. The seat stays
    /// given: nobody is promoted.
    pub fn attend(
        &mut self,
        id: RegistrationId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Change>, CapacityError> {
        self.atomically(now, |book, changes| {
            book.close_now(id, Action::Attend, changes)
        })
    }

    /// Records that a confirmed registration did not come. Refused from any other status. The
    /// seat stays given: nobody is promoted.
    pub fn no_show(
        &mut self,
        id: RegistrationId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Change>, CapacityError> {
        self.atomically(now, |book, changes| {
            book.close_now(id, Action::NoShow, changes)
        })
    }

    /// Changes the seats. More seats promote the heads of the waiting lists at once; fewer seats
    /// un-confirm nobody: a kind left over its seats seats nobody new until enough leave.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use skillhub_core::capacity::{Change, RegistrationId, Request, SeatKind, Seats, SessionBook, Tier};
    ///
    /// let now = Utc.with_ymd_and_hms(2019, 2, 12, 8, 30, 0).unwrap();
    /// let mut book = SessionBook::new(Seats::NONE);
    /// let a = RegistrationId::new(1);
    /// book.register(a, SeatKind::Online, Tier::FIRST, Request::Confirm, now)?;
    /// let changes = book.set_seats(Seats::new(0, 50)?, now);
    /// assert_eq!(changes[1], Change::Promoted { id: a, kind: SeatKind::Online });
    /// # Ok::<(), skillhub_core::capacity::CapacityError>(())
    /// ```
    pub fn set_seats(&mut self, seats: Seats, now: DateTime<Utc>) -> Vec<Change> {
        let mut changes = Vec::new();
        self.expire_due(now, &mut changes);
        if seats != self.seats {
            changes.push(Change::SeatsChanged {
                from: self.seats,
                to: seats,
            });
            self.seats = seats;
            for kind in SeatKind::ALL {
                self.fill(kind, &mut changes);
            }
        }
        changes
    }

    /// Expires every hold due at `now` (`expires_at <= now`), each followed by the promotion it
    /// allows. Every other operation does this first anyway; call it from a scheduler to free
    /// seats when nothing else happens.
    pub fn expire_holds(&mut self, now: DateTime<Utc>) -> Vec<Change> {
        let mut changes = Vec::new();
        self.expire_due(now, &mut changes);
        changes
    }

    /// Expires the holds due, then runs `act`; on refusal, restores the book as it was.
    fn atomically(
        &mut self,
        now: DateTime<Utc>,
        act: impl FnOnce(&mut Self, &mut Vec<Change>) -> Result<(), CapacityError>,
    ) -> Result<Vec<Change>, CapacityError> {
        // Each `*_now` checks before it writes, so only the expiries need undoing; copy the book
        // only when there are some, which happens once per hold.
        let backup = self
            .next_expiry()
            .is_some_and(|at| at <= now)
            .then(|| self.clone());
        let mut changes = Vec::new();
        self.expire_due(now, &mut changes);
        match act(self, &mut changes) {
            Ok(()) => Ok(changes),
            Err(error) => {
                if let Some(backup) = backup {
                    *self = backup;
                }
                Err(error)
            }
        }
    }

    fn expire_due(&mut self, now: DateTime<Utc>, changes: &mut Vec<Change>) {
        while let Some(&(at, id)) = self.holds.first() {
            if at > now {
                break;
            }
            self.holds.pop_first();
            let Some(kind) = self.entries.get(&id).map(|e| e.kind) else {
                continue;
            };
            let pool = self.pool_mut(kind);
            pool.held = pool.held.saturating_sub(1);
            self.set_state(id, State::Expired);
            changes.push(Change::HoldExpired { id, kind });
            self.fill(kind, changes);
        }
    }

    /// Promotes as many heads of `kind`'s waiting list as [`promotions`] says.
    fn fill(&mut self, kind: SeatKind, changes: &mut Vec<Change>) {
        for _ in 0..promotions(&self.occupancy(kind)) {
            let pool = self.pool_mut(kind);
            let Some((_, id)) = pool.waiting.pop_first() else {
                break;
            };
            pool.seated = pool.seated.saturating_add(1);
            self.set_state(id, State::Confirmed);
            changes.push(Change::Promoted { id, kind });
        }
    }

    fn register_now(
        &mut self,
        id: RegistrationId,
        kind: SeatKind,
        tier: Tier,
        request: Request,
        now: DateTime<Utc>,
        changes: &mut Vec<Change>,
    ) -> Result<(), CapacityError> {
        if self.entries.contains_key(&id) {
            return Err(CapacityError::Duplicate(id));
        }
        if let Request::Hold { expires_at } = request
            && expires_at <= now
        {
            return Err(CapacityError::HoldExpiry { expires_at, now });
        }
        let ahead = self
            .pool(kind)
            .waiting
            .iter()
            .take_while(|(key, _)| key.tier() <= tier)
            .count();
        let admission = admit(&self.occupancy(kind), count(ahead), request);
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let key = QueueKey::new(tier, sequence);
        // The field, not `pool_mut`, so that `self.holds` stays borrowable.
        let pool = &mut self.pools[index(kind)];
        let (state, change) = match admission {
            Admission::Confirm => {
                pool.seated = pool.seated.saturating_add(1);
                (State::Confirmed, Change::Confirmed { id, kind })
            }
            Admission::Hold { expires_at } => {
                pool.held = pool.held.saturating_add(1);
                self.holds.insert((expires_at, id));
                let change = Change::Held {
                    id,
                    kind,
                    expires_at,
                };
                (State::Held { expires_at }, change)
            }
            Admission::Waitlist { position } => {
                pool.waiting.insert((key, id));
                (State::Waitlisted, Change::Waitlisted { id, kind, position })
            }
        };
        let entry = Entry {
            kind,
            tier,
            sequence,
            state,
        };
        self.entries.insert(id, entry);
        changes.push(change);
        Ok(())
    }

    fn confirm_hold_now(
        &mut self,
        id: RegistrationId,
        changes: &mut Vec<Change>,
    ) -> Result<(), CapacityError> {
        let entry = self.entry(id)?;
        let State::Held { expires_at } = entry.state else {
            return Err(self.refuse(id, &entry, Action::ConfirmHold));
        };
        self.holds.remove(&(expires_at, id));
        let pool = self.pool_mut(entry.kind);
        pool.held = pool.held.saturating_sub(1);
        pool.seated = pool.seated.saturating_add(1);
        self.set_state(id, State::Confirmed);
        changes.push(Change::HoldConfirmed {
            id,
            kind: entry.kind,
        });
        Ok(())
    }

    fn cancel_now(
        &mut self,
        id: RegistrationId,
        changes: &mut Vec<Change>,
    ) -> Result<(), CapacityError> {
        let entry = self.entry(id)?;
        let from = self.view(id, &entry).status;
        let kind = entry.kind;
        // The same gate a store uses: the rule decides whether this status can be cancelled.
        if super::after_cancel(&self.occupancy(kind), &from).is_none() {
            return Err(self.refuse(id, &entry, Action::Cancel));
        }
        match entry.state {
            State::Confirmed => {
                let pool = self.pool_mut(kind);
                pool.seated = pool.seated.saturating_sub(1);
            }
            State::Held { expires_at } => {
                self.holds.remove(&(expires_at, id));
                let pool = self.pool_mut(kind);
                pool.held = pool.held.saturating_sub(1);
            }
            State::Waitlisted => {
                self.pool_mut(kind).waiting.remove(&(entry.key(), id));
            }
            State::Cancelled | State::Attended | State::NoShow | State::Expired => {
                return Err(self.refuse(id, &entry, Action::Cancel));
            }
        }
        self.set_state(id, State::Cancelled);
        changes.push(Change::Cancelled { id, kind, from });
        self.fill(kind, changes);
        Ok(())
    }

    /// Attend or no-show: from confirmed only, and the seat stays taken.
    fn close_now(
        &mut self,
        id: RegistrationId,
        action: Action,
        changes: &mut Vec<Change>,
    ) -> Result<(), CapacityError> {
        let entry = self.entry(id)?;
        if entry.state != State::Confirmed {
            return Err(self.refuse(id, &entry, action));
        }
        let kind = entry.kind;
        let (state, change) = match action {
            Action::NoShow => (State::NoShow, Change::NoShow { id, kind }),
            _ => (State::Attended, Change::Attended { id, kind }),
        };
        self.set_state(id, state);
        changes.push(change);
        Ok(())
    }

    fn entry(&self, id: RegistrationId) -> Result<Entry, CapacityError> {
        self.entries
            .get(&id)
            .copied()
            .ok_or(CapacityError::Unknown(id))
    }

    fn refuse(&self, id: RegistrationId, entry: &Entry, action: Action) -> CapacityError {
        CapacityError::Transition {
            id,
            action,
            status: self.view(id, entry).status,
        }
    }

    fn set_state(&mut self, id: RegistrationId, state: State) {
        if let Some(entry) = self.entries.get_mut(&id) {
            entry.state = state;
        }
    }

    fn pool(&self, kind: SeatKind) -> &Pool {
        &self.pools[index(kind)]
    }

    fn pool_mut(&mut self, kind: SeatKind) -> &mut Pool {
        &mut self.pools[index(kind)]
    }

    /// The view of one entry; finds its waiting position if it waits (counting the keys before).
    fn view(&self, id: RegistrationId, entry: &Entry) -> Registration {
        let position = match entry.state {
            State::Waitlisted => {
                let before = self.pool(entry.kind).waiting.range(..(entry.key(), id));
                count(before.count()).saturating_add(1)
            }
            _ => 0,
        };
        view_with(id, entry, position)
    }
}

/// The view of one entry, given its waiting position (ignored unless it waits).
fn view_with(id: RegistrationId, entry: &Entry, position: u32) -> Registration {
    let status = match entry.state {
        State::Held { expires_at } => Status::Held { expires_at },
        State::Confirmed => Status::Confirmed,
        State::Waitlisted => Status::Waitlisted { position },
        State::Cancelled => Status::Cancelled,
        State::Attended => Status::Attended,
        State::NoShow => Status::NoShow,
        State::Expired => Status::Expired,
    };
    Registration {
        id,
        kind: entry.kind,
        tier: entry.tier,
        sequence: entry.sequence,
        status,
    }
}

#[cfg(test)]
impl SessionBook {
    /// The book's internals agree with each other: every entry is in exactly one state and in the
    /// one index that state implies (the waiting set, the hold index, the counters), no other.
    pub(super) fn audit(&self) {
        let book = self;
        for kind in SeatKind::ALL {
            let entries = || book.entries.iter().filter(move |(_, e)| e.kind == kind);
            let pool = book.pool(kind);
            let seated = entries()
                .filter(|(_, e)| {
                    matches!(e.state, State::Confirmed | State::Attended | State::NoShow)
                })
                .count();
            let held = entries()
                .filter(|(_, e)| matches!(e.state, State::Held { .. }))
                .count();
            let waiting: Vec<_> = entries()
                .filter(|(_, e)| e.state == State::Waitlisted)
                .map(|(id, e)| (e.key(), *id))
                .collect();
            assert_eq!(pool.seated as usize, seated, "{kind} seated counter");
            assert_eq!(pool.held as usize, held, "{kind} held counter");
            let mut sorted = waiting.clone();
            sorted.sort();
            assert!(
                pool.waiting.iter().copied().eq(sorted),
                "{kind} waiting set"
            );
        }
        let holds: Vec<_> = book
            .entries
            .iter()
            .filter_map(|(id, e)| match e.state {
                State::Held { expires_at } => Some((expires_at, *id)),
                _ => None,
            })
            .collect();
        let mut sorted = holds.clone();
        sorted.sort();
        assert!(book.holds.iter().copied().eq(sorted), "hold index");
        let mut sequences: Vec<u64> = book.entries.values().map(|e| e.sequence).collect();
        sequences.sort_unstable();
        sequences.dedup();
        assert_eq!(sequences.len(), book.entries.len(), "sequences are unique");
        assert!(sequences.iter().all(|s| *s < book.next_sequence));
    }
}
