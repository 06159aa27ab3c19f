//! The property tests: random operation sequences against the invariants of the module docs
//! and against a naive reference model, a batch session before its draw, and seats'
//! validation and JSON round trip.

use std::collections::BTreeMap;
use std::mem::discriminant;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use super::*;

// ---------------------------------------------------------------------------------------------
// The reference model: a list of registrations in arrival order, every rule by scanning it.

#[derive(Debug, Clone, Copy, PartialEq)]
enum MState {
    Held(DateTime<Utc>),
    Confirmed,
    Waiting,
    Cancelled,
    Attended,
    NoShow,
    Expired,
}

#[derive(Debug, Clone)]
struct MReg {
    id: u64,
    kind: SeatKind,
    tier: u8,
    state: MState,
}

#[derive(Debug, Clone)]
struct Model {
    seats: Seats,
    regs: Vec<MReg>,
}

impl Model {
    fn taken(&self, kind: SeatKind) -> usize {
        self.regs
            .iter()
            .filter(|r| r.kind == kind)
            .filter(|r| {
                matches!(
                    r.state,
                    MState::Held(_) | MState::Confirmed | MState::Attended | MState::NoShow
                )
            })
            .count()
    }

    /// Indices of the waiting registrations of `kind`, head first.
    fn queue(&self, kind: SeatKind) -> Vec<usize> {
        let mut queue: Vec<usize> = (0..self.regs.len())
            .filter(|&i| self.regs[i].kind == kind && self.regs[i].state == MState::Waiting)
            .collect();
        queue.sort_by_key(|&i| self.regs[i].tier); // stable: arrival order within a tier
        queue
    }

    fn fill(&mut self) {
        for kind in SeatKind::ALL {
            while self.taken(kind) < self.seats.get(kind) as usize {
                let Some(&head) = self.queue(kind).first() else {
                    break;
                };
                self.regs[head].state = MState::Confirmed;
            }
        }
    }

    fn expire(&mut self, now: DateTime<Utc>) {
        for r in &mut self.regs {
            if matches!(r.state, MState::Held(at) if at <= now) {
                r.state = MState::Expired;
            }
        }
        self.fill();
    }

    /// `None` for steps that do not touch the book, else whether the operation was accepted.
    fn apply(&mut self, op: &Op, now: DateTime<Utc>) -> Option<bool> {
        let mut next = self.clone();
        next.expire(now);
        let ok = match *op {
            Op::Advance(_) | Op::Show => return None,
            Op::Expire => true,
            Op::SetSeats(a, b) => {
                next.seats = Seats::new(a, b).unwrap();
                next.fill();
                true
            }
            Op::Register {
                id,
                kind,
                tier,
                hold,
            } => next.register(id, kind, tier, hold, now),
            Op::ConfirmHold(id) => next.transition(id, |s| match s {
                MState::Held(_) => Some(MState::Confirmed),
                _ => None,
            }),
            Op::Cancel(id) => next.transition(id, |s| match s {
                MState::Held(_) | MState::Confirmed | MState::Waiting => Some(MState::Cancelled),
                _ => None,
            }),
            Op::Attend(id) => {
                next.transition(id, |s| (s == MState::Confirmed).then_some(MState::Attended))
            }
            Op::NoShow(id) => {
                next.transition(id, |s| (s == MState::Confirmed).then_some(MState::NoShow))
            }
        };
        if ok {
            *self = next;
        }
        Some(ok)
    }

    fn register(
        &mut self,
        id: u64,
        kind: SeatKind,
        tier: u8,
        hold: Option<i64>,
        now: DateTime<Utc>,
    ) -> bool {
        if self.regs.iter().any(|r| r.id == id) || hold.is_some_and(|m| m <= 0) {
            return false;
        }
        let free = self.taken(kind) < self.seats.get(kind) as usize && self.queue(kind).is_empty();
        let state = match (free, hold) {
            (false, _) => MState::Waiting,
            (true, None) => MState::Confirmed,
            (true, Some(m)) => MState::Held(now + Duration::minutes(m)),
        };
        self.regs.push(MReg {
            id,
            kind,
            tier,
            state,
        });
        true
    }

    fn transition(&mut self, id: u64, rule: impl Fn(MState) -> Option<MState>) -> bool {
        let Some(r) = self.regs.iter_mut().find(|r| r.id == id) else {
            return false;
        };
        let Some(state) = rule(r.state) else {
            return false;
        };
        r.state = state;
        self.fill();
        true
    }

    fn statuses(&self) -> BTreeMap<u64, Status> {
        let mut positions = BTreeMap::new();
        for kind in SeatKind::ALL {
            for (position, i) in (1..).zip(self.queue(kind)) {
                positions.insert(self.regs[i].id, position);
            }
        }
        self.regs
            .iter()
            .map(|r| {
                let status = match r.state {
                    MState::Held(expires_at) => Status::Held { expires_at },
                    MState::Confirmed => Status::Confirmed,
                    MState::Waiting => Status::Waitlisted {
                        position: positions[&r.id],
                    },
                    MState::Cancelled => Status::Cancelled,
                    MState::Attended => Status::Attended,
                    MState::NoShow => Status::NoShow,
                    MState::Expired => Status::Expired,
                };
                (r.id, status)
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Invariants.

fn taken(book: &SessionBook, kind: SeatKind) -> u32 {
    book.occupancy(kind).taken()
}

/// What a change makes of its registration.
fn target(change: &Change) -> Option<(RegistrationId, Status)> {
    let to = match *change {
        Change::Confirmed { .. } | Change::HoldConfirmed { .. } | Change::Promoted { .. } => {
            Status::Confirmed
        }
        Change::Held { expires_at, .. } => Status::Held { expires_at },
        Change::Waitlisted { position, .. } => Status::Waitlisted { position },
        Change::HoldExpired { .. } => Status::Expired,
        Change::Cancelled { .. } => Status::Cancelled,
        Change::Attended { .. } => Status::Attended,
        Change::NoShow { .. } => Status::NoShow,
        Change::SeatsChanged { .. } => return None,
    };
    Some((change.id()?, to))
}

/// Checks one step: `before` and `after` the operation `op` at `now`, which returned `result`.
fn check_step(
    before: &SessionBook,
    after: &SessionBook,
    op: &Op,
    result: &Result<Vec<Change>, CapacityError>,
    now: DateTime<Utc>,
) {
    after.audit();
    // The book's attendance agrees with the rule a store applies alone (`after_attendance`).
    if let Op::Attend(n) | Op::NoShow(n) = *op {
        let presence = match op {
            Op::Attend(_) => Presence::Attended,
            _ => Presence::NoShow,
        };
        let mut seen = before.clone();
        seen.expire_holds(now);
        let id = RegistrationId::new(n);
        let rule = seen.status(id).and_then(|s| after_attendance(&s, presence));
        assert_eq!(
            result.is_ok(),
            rule.is_some(),
            "{op:?} from {:?}",
            seen.status(id)
        );
        if rule.is_some() {
            assert_eq!(after.status(id), rule);
        }
    }
    let changes = match result {
        Err(_) => {
            assert_eq!(before, after, "a refused operation changed the book");
            return;
        }
        Ok(changes) => changes,
    };
    // The book as the operation itself saw it, after the expiries due.
    let mut swept = before.clone();
    swept.expire_holds(now);

    // No hold is left past its expiry.
    assert!(
        after.next_expiry().is_none_or(|at| at > now),
        "a due hold survived"
    );

    // Replaying the changes: no seat is ever given beyond the seats, and the counts add up.
    let mut seats = before.seats();
    let mut running = SeatKind::ALL.map(|kind| taken(before, kind));
    let at = |kind: SeatKind| kind as usize;
    for change in changes {
        match *change {
            Change::Confirmed { kind, .. }
            | Change::Held { kind, .. }
            | Change::Promoted { kind, .. } => {
                running[at(kind)] += 1;
                assert!(
                    running[at(kind)] <= seats.get(kind),
                    "{change:?} gave a {kind} seat beyond the {} seats",
                    seats.get(kind)
                );
            }
            Change::HoldExpired { kind, .. }
            | Change::Cancelled {
                kind,
                from: Status::Confirmed | Status::Held { .. },
                ..
            } => running[at(kind)] -= 1,
            Change::SeatsChanged { from, to } => {
                assert_eq!(from, seats);
                seats = to;
            }
            _ => {}
        }
    }
    assert_eq!(seats, after.seats());
    for kind in SeatKind::ALL {
        assert_eq!(running[at(kind)], taken(after, kind), "{kind} seats taken");
        let occupancy = after.occupancy(kind);
        // No seat is free while someone of that kind waits.
        assert!(
            occupancy.waiting == 0 || occupancy.free() == 0,
            "{kind}: a free seat while {} wait",
            occupancy.waiting
        );
        check_waiting_list(after, kind);
    }

    // One registration read alone (its position counted) is the same as read with all the rest.
    for r in after.registrations() {
        assert_eq!(after.registration(r.id), Some(r));
    }

    // The changes are exactly what changed.
    let mut last = BTreeMap::new();
    for change in changes {
        if let Some((id, to)) = target(change) {
            last.insert(id, to);
        }
    }
    for r in after.registrations() {
        match (last.get(&r.id), before.status(r.id)) {
            // Exactly, fields included: a newcomer's position is its position after the step.
            (Some(to), _) => assert_eq!(*to, r.status, "r{}", r.id),
            (None, Some(was)) => {
                assert_eq!(discriminant(&was), discriminant(&r.status), "r{}", r.id)
            }
            (None, None) => panic!("r{} appeared without a change", r.id),
        }
    }
    for change in changes {
        if let Change::Cancelled { id, from, .. } = change {
            assert_eq!(swept.status(*id), Some(*from), "Cancelled.from");
        }
    }

    // Promotions go to the head: whoever was waiting before and still waits is behind them.
    for change in changes {
        if let Change::Promoted { id, kind } = *change {
            let promoted = before.registration(id).unwrap().queue_key();
            for waiting in before.waiting_list(kind) {
                if matches!(after.status(waiting), Some(Status::Waitlisted { .. })) {
                    assert!(promoted < before.registration(waiting).unwrap().queue_key());
                }
            }
        }
    }

    // Cancelling a seat with a non-empty list promotes exactly the head, unless over the seats.
    if let Op::Cancel(n) = *op {
        let id = RegistrationId::new(n);
        let cancelled = swept.registration(id).unwrap();
        let occupancy = swept.occupancy(cancelled.kind);
        if matches!(cancelled.status, Status::Confirmed | Status::Held { .. })
            && occupancy.waiting > 0
        {
            let promoted: Vec<RegistrationId> = changes
                .iter()
                .skip_while(|c| !matches!(c, Change::Cancelled { .. }))
                .filter_map(|c| match *c {
                    Change::Promoted { id, .. } => Some(id),
                    _ => None,
                })
                .collect();
            let head = swept.waiting_list(cancelled.kind).next();
            if occupancy.taken() <= occupancy.seats {
                assert_eq!(
                    promoted,
                    Vec::from_iter(head),
                    "cancel must promote the head"
                );
            } else {
                assert_eq!(promoted, [], "over the seats: nobody is promoted");
            }
        }
    }
}

/// Waiting positions are exactly 1..=n; a better tier is never behind a worse one, and within a
/// tier the earlier arrival is ahead; the list and the statuses agree.
fn check_waiting_list(book: &SessionBook, kind: SeatKind) {
    let mut waiting: Vec<(u32, QueueKey, RegistrationId)> = book
        .registrations()
        .into_iter()
        .filter(|r| r.kind == kind)
        .filter_map(|r| match r.status {
            Status::Waitlisted { position } => Some((position, r.queue_key(), r.id)),
            _ => None,
        })
        .collect();
    waiting.sort();
    let positions: Vec<u32> = waiting.iter().map(|w| w.0).collect();
    let expect: Vec<u32> = (1..).take(waiting.len()).collect();
    assert_eq!(positions, expect, "{kind} positions");
    for pair in waiting.windows(2) {
        let (a, b) = (pair[0].1, pair[1].1);
        assert!(
            a.tier() <= b.tier(),
            "{kind}: a better tier behind a worse one"
        );
        assert!(a < b, "{kind}: not FIFO within a tier");
    }
    let ids: Vec<RegistrationId> = waiting.iter().map(|w| w.2).collect();
    assert!(book.waiting_list(kind).eq(ids), "{kind} waiting_list order");
    assert_eq!(book.occupancy(kind).waiting as usize, waiting.len());
}

fn register_strategy() -> impl Strategy<Value = Op> {
    // Ids 0..16, so duplicates happen; tiers 0..3; a third ask for a hold, some already expired.
    let kind = prop_oneof![Just(SeatKind::InPerson), Just(SeatKind::Online)];
    let hold = prop::option::weighted(0.35, -2i64..30);
    (0u64..16, kind, 0u8..3, hold).prop_map(|(id, kind, tier, hold)| Op::Register {
        id,
        kind,
        tier,
        hold,
    })
}

fn op_strategy() -> impl Strategy<Value = Op> {
    // Ids 0..18, aimed by `aim`: mostly registered ones, sometimes unknown ones.
    let id = || 0u64..18;
    prop_oneof![
        5 => register_strategy(),
        2 => id().prop_map(Op::ConfirmHold),
        3 => id().prop_map(Op::Cancel),
        1 => id().prop_map(Op::Attend),
        1 => id().prop_map(Op::NoShow),
        1 => (0i64..5, 0i64..5).prop_map(|(a, b)| Op::SetSeats(a, b)),
        2 => (0i64..12).prop_map(Op::Advance),
        1 => Just(Op::Expire),
    ]
}

/// Aims an operation on an existing registration: an id `n` below 16 stands for the registered
/// id `known[n % known.len()]`; 16 and 17 are never registered, so they test unknown ids.
fn aim(op: &Op, known: &[u64]) -> Op {
    let aim = |n: u64| match known.len() {
        0 => n,
        k if n < 16 => known[n as usize % k],
        _ => n,
    };
    match *op {
        Op::ConfirmHold(n) => Op::ConfirmHold(aim(n)),
        Op::Cancel(n) => Op::Cancel(aim(n)),
        Op::Attend(n) => Op::Attend(aim(n)),
        Op::NoShow(n) => Op::NoShow(aim(n)),
        ref other => other.clone(),
    }
}

/// Up to 60 operations: a burst of registrations (so that the rest has something to act on),
/// then anything.
fn ops_strategy() -> impl Strategy<Value = Vec<Op>> {
    (
        prop::collection::vec(register_strategy(), 0..=10),
        prop::collection::vec(op_strategy(), 1..=50),
    )
        .prop_map(|(mut ops, rest)| {
            ops.extend(rest);
            ops
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Random sequences of operations keep every invariant after every step, and the book
    /// agrees with the reference model on every status and every refusal.
    #[test]
    fn random_sequences_keep_the_invariants(
        in_person in 0i64..4,
        online in 0i64..4,
        ops in ops_strategy(),
    ) {
        let seats = Seats::new(in_person, online).unwrap();
        let mut book = SessionBook::new(seats);
        let mut model = Model { seats, regs: Vec::new() };
        let mut now = start();
        let mut known = Vec::new();
        for op in &ops {
            let op = &aim(op, &known);
            if let Op::Advance(minutes) = op {
                now += Duration::minutes(*minutes);
            }
            let before = book.clone();
            let result = apply(&mut book, op, now);
            let accepted = model.apply(op, now);
            let Some(result) = result else { continue };
            if let (Op::Register { id, .. }, Ok(_)) = (op, &result) {
                known.push(*id);
            }
            check_step(&before, &book, op, &result, now);
            prop_assert_eq!(Some(result.is_ok()), accepted, "{:?} -> {:?}", op, result);
            let statuses: BTreeMap<u64, Status> =
                book.registrations().into_iter().map(|r| (r.id.get(), r.status)).collect();
            prop_assert_eq!(statuses, model.statuses(), "after {:?}", op);
        }
    }

    /// What a store runs for a batch session before its draw ([`Phase::AwaitingDraw`]): whatever
    /// arrives and leaves, nobody is seated, every live registration waits at the position its
    /// tier gives, and a cancellation promotes nobody; once the draw has run ([`Phase::Open`])
    /// the same counts promote into the free seats as first come does.
    #[test]
    fn before_the_draw_nobody_is_seated(
        seats in 0u32..5,
        ops in prop::collection::vec((any::<bool>(), 0u8..3, any::<prop::sample::Index>()), 1..40),
    ) {
        let mut tiers: Vec<u8> = Vec::new();
        let mut occupancy = Occupancy { seats, seated: 0, held: 0, waiting: 0 };
        for (arrives, tier, which) in ops {
            if arrives || tiers.is_empty() {
                let ahead = u32::try_from(tiers.iter().filter(|t| **t <= tier).count()).unwrap();
                let admission = Phase::AwaitingDraw.admit(&occupancy, ahead, Request::Confirm);
                prop_assert_eq!(admission, Admission::Waitlist { position: ahead + 1 });
                // Not even staff's explicit choice seats anyone before the draw.
                prop_assert_eq!(
                    Phase::AwaitingDraw.admit_beyond_seats(ahead),
                    Admission::Waitlist { position: ahead + 1 }
                );
                tiers.push(tier);
                occupancy.waiting += 1;
            } else {
                tiers.remove(which.index(tiers.len()));
                let position = 1;
                let after = after_cancel(&occupancy, &Status::Waitlisted { position }).unwrap();
                prop_assert_eq!(Phase::AwaitingDraw.promotions(&after), 0);
                occupancy = after;
            }
            prop_assert_eq!(occupancy.seated, 0);
            prop_assert_eq!(occupancy.waiting as usize, tiers.len());
        }
        prop_assert_eq!(
            Phase::Open.promotions(&occupancy),
            promotions(&occupancy),
            "after the draw, first come's rules"
        );
        prop_assert_eq!(Phase::of(Policy::Batch, false), Phase::AwaitingDraw);
        prop_assert_eq!(Phase::of(Policy::Batch, true), Phase::Open);
        prop_assert_eq!(Phase::of(Policy::FirstCome, false), Phase::Open);
    }

    /// Seats accept exactly 0..=MAX_SEATS per kind and survive a JSON round trip.
    #[test]
    fn seats_validate_and_round_trip(in_person in -5i64..200_000, online in -5i64..200_000) {
        let valid = |n: i64| (0..=i64::from(MAX_SEATS)).contains(&n);
        let parsed = Seats::new(in_person, online);
        prop_assert_eq!(parsed.is_ok(), valid(in_person) && valid(online));
        if let Ok(seats) = parsed {
            let json = serde_json::to_string(&seats).unwrap();
            prop_assert_eq!(serde_json::from_str::<Seats>(&json).unwrap(), seats);
        }
    }
}
