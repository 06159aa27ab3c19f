//! Tests of seats and waiting lists: scripted scenarios through one `check` helper, a transcript
//! snapshot, and a property test that runs random operation sequences against the invariants
//! of the module docs and against a naive reference model.

use std::collections::BTreeMap;
use std::mem::discriminant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::*;

/// 2019-02-12 08:30 UTC: 9:30 in Rome, the first Binario F session.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 2, 12, 8, 30, 0).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Operations, a tiny script language for them, and an Italian transcript.

#[derive(Debug, Clone)]
enum Op {
    /// Register `id` for `kind` at `tier`; with `hold`, ask a hold of that many minutes.
    Register {
        id: u64,
        kind: SeatKind,
        tier: u8,
        hold: Option<i64>,
    },
    ConfirmHold(u64),
    Cancel(u64),
    Attend(u64),
    NoShow(u64),
    SetSeats(i64, i64),
    /// Move the clock forward by minutes, without telling the book.
    Advance(i64),
    /// `expire_holds` at the current time.
    Expire,
    /// Print the state of both kinds (scripts only).
    Show,
}

/// Parses one script step:
/// `r1 presenza [t2] [tiene 15]`, `r2 online`, `conferma r1`, `annulla r1`, `presente r1`,
/// `assente r1`, `posti 2 1`, `+15` (minutes pass), `scadenze` (expire holds), `?` (show).
fn parse_op(step: &str) -> Op {
    let words: Vec<&str> = step.split_whitespace().collect();
    let id = |w: &str| w.strip_prefix('r').unwrap().parse::<u64>().unwrap();
    match words.as_slice() {
        ["conferma", r] => Op::ConfirmHold(id(r)),
        ["annulla", r] => Op::Cancel(id(r)),
        ["presente", r] => Op::Attend(id(r)),
        ["assente", r] => Op::NoShow(id(r)),
        ["posti", a, b] => Op::SetSeats(a.parse().unwrap(), b.parse().unwrap()),
        ["scadenze"] => Op::Expire,
        ["?"] => Op::Show,
        [m] if m.starts_with('+') => Op::Advance(m[1..].parse().unwrap()),
        [r, kind, rest @ ..] => {
            let kind = match *kind {
                "presenza" => SeatKind::InPerson,
                "online" => SeatKind::Online,
                other => panic!("unknown seat kind {other:?} in {step:?}"),
            };
            let (mut tier, mut hold) = (0, None);
            let mut rest = rest.iter();
            while let Some(word) = rest.next() {
                match *word {
                    "tiene" => hold = Some(rest.next().unwrap().parse().unwrap()),
                    t => tier = t.strip_prefix('t').unwrap().parse().unwrap(),
                }
            }
            Op::Register {
                id: id(r),
                kind,
                tier,
                hold,
            }
        }
        _ => panic!("cannot parse step {step:?}"),
    }
}

/// Runs one operation on the book at `now`; `None` for steps that do not call the book.
fn apply(
    book: &mut SessionBook,
    op: &Op,
    now: DateTime<Utc>,
) -> Option<Result<Vec<Change>, CapacityError>> {
    let rid = |n: u64| RegistrationId::new(n);
    Some(match *op {
        Op::Register {
            id,
            kind,
            tier,
            hold,
        } => {
            let request = match hold {
                Some(minutes) => Request::Hold {
                    expires_at: now + Duration::minutes(minutes),
                },
                None => Request::Confirm,
            };
            book.register(rid(id), kind, Tier::new(tier), request, now)
        }
        Op::ConfirmHold(id) => book.confirm_hold(rid(id), now),
        Op::Cancel(id) => book.cancel(rid(id), now),
        Op::Attend(id) => book.attend(rid(id), now),
        Op::NoShow(id) => book.no_show(rid(id), now),
        Op::SetSeats(a, b) => Ok(book.set_seats(Seats::new(a, b).unwrap(), now)),
        Op::Expire => Ok(book.expire_holds(now)),
        Op::Advance(_) | Op::Show => return None,
    })
}

fn status_it(status: &Status) -> String {
    match status {
        Status::Held { expires_at } => {
            format!("posto tenuto fino alle {}", expires_at.format("%H:%M"))
        }
        Status::Confirmed => "confermata".into(),
        Status::Waitlisted { position } => format!("in lista d'attesa, posizione {position}"),
        Status::Cancelled => "annullata".into(),
        Status::Attended => "presente".into(),
        Status::NoShow => "assente".into(),
        Status::Expired => "scaduta".into(),
    }
}

fn change_it(change: &Change) -> String {
    match change {
        Change::Confirmed { id, .. } => format!("r{id} → confermata"),
        Change::Held { id, expires_at, .. } => {
            format!(
                "r{id} → posto tenuto fino alle {}",
                expires_at.format("%H:%M")
            )
        }
        Change::Waitlisted { id, position, .. } => {
            format!("r{id} → lista d'attesa, posizione {position}")
        }
        Change::HoldConfirmed { id, .. } => format!("r{id} → confermata (era un posto tenuto)"),
        Change::HoldExpired { id, .. } => format!("r{id} → scaduta"),
        Change::Promoted { id, .. } => format!("r{id} → confermata dalla lista d'attesa"),
        Change::Cancelled { id, from, .. } => {
            format!("r{id} → annullata (era {})", status_it(from))
        }
        Change::Attended { id, .. } => format!("r{id} → presente"),
        Change::NoShow { id, .. } => format!("r{id} → assente"),
        Change::SeatsChanged { from, to } => format!(
            "posti: in presenza {} → {}, online {} → {}",
            from.get(SeatKind::InPerson),
            to.get(SeatKind::InPerson),
            from.get(SeatKind::Online),
            to.get(SeatKind::Online)
        ),
    }
}

fn show(book: &SessionBook, kind: SeatKind) -> String {
    let o = book.occupancy(kind);
    let waiting: Vec<String> = book.waiting_list(kind).map(|id| format!("r{id}")).collect();
    format!(
        "{}: posti {}, occupati {}, di cui tenuti {}, in attesa [{}]",
        kind.name_it(),
        o.seats,
        o.taken(),
        o.held,
        waiting.join(", ")
    )
}

/// Runs a script (steps separated by `;` or new lines) and returns its transcript: each step
/// echoed as `» step`, then what it changed, or why it was refused.
fn transcript(seats: Seats, script: &str) -> Vec<String> {
    let mut book = SessionBook::new(seats);
    let mut now = start();
    let mut lines = Vec::new();
    for step in script
        .split([';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        lines.push(format!("» {step}"));
        let op = parse_op(step);
        match &op {
            Op::Advance(minutes) => {
                now += Duration::minutes(*minutes);
                lines.push(format!("ore {}", now.format("%H:%M")));
            }
            Op::Show => lines.extend(SeatKind::ALL.map(|kind| show(&book, kind))),
            _ => {}
        }
        match apply(&mut book, &op, now) {
            Some(Ok(changes)) => lines.extend(changes.iter().map(change_it)),
            Some(Err(error)) => lines.push(format!("rifiutata: {error}")),
            None => {}
        }
        book.audit();
    }
    lines
}

/// Runs `script` on a book with `seats` ("in_person online") and compares what changed with
/// `expect`, one line per change or refusal.
#[track_caller]
fn check(seats: &str, script: &str, expect: &[&str]) {
    let (a, b) = seats.split_once(' ').unwrap();
    let seats = Seats::new(a.parse().unwrap(), b.parse().unwrap()).unwrap();
    let lines = transcript(seats, script);
    let got: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with("» ") && !l.starts_with("ore "))
        .collect();
    assert_eq!(
        got,
        expect,
        "\nscript: {script}\ntranscript:\n{}",
        lines.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

#[test]
fn first_come_first_seated_then_the_list_moves_up() {
    check(
        "2 0",
        "r1 presenza; r2 presenza; r3 presenza; r4 presenza; annulla r1; annulla r3",
        &[
            "r1 → confermata",
            "r2 → confermata",
            "r3 → lista d'attesa, posizione 1",
            "r4 → lista d'attesa, posizione 2",
            "r1 → annullata (era confermata)",
            "r3 → confermata dalla lista d'attesa",
            "r3 → annullata (era confermata)",
            "r4 → confermata dalla lista d'attesa",
        ],
    );
}

#[test]
fn leaving_the_list_frees_no_seat() {
    check(
        "1 0",
        "r1 presenza; r2 presenza; r3 presenza; annulla r2; ?",
        &[
            "r1 → confermata",
            "r2 → lista d'attesa, posizione 1",
            "r3 → lista d'attesa, posizione 2",
            "r2 → annullata (era in lista d'attesa, posizione 1)",
            "in presenza: posti 1, occupati 1, di cui tenuti 0, in attesa [r3]",
            "online: posti 0, occupati 0, di cui tenuti 0, in attesa []",
        ],
    );
}

#[test]
fn a_better_tier_goes_ahead_fifo_within_a_tier() {
    check(
        "1 0",
        "r1 presenza t1; r2 presenza t2; r3 presenza t1; r4 presenza t0; r5 presenza t2; ?",
        &[
            "r1 → confermata",
            "r2 → lista d'attesa, posizione 1",
            "r3 → lista d'attesa, posizione 1",
            "r4 → lista d'attesa, posizione 1",
            "r5 → lista d'attesa, posizione 4",
            "in presenza: posti 1, occupati 1, di cui tenuti 0, in attesa [r4, r3, r2, r5]",
            "online: posti 0, occupati 0, di cui tenuti 0, in attesa []",
        ],
    );
}

#[test]
fn a_tier_does_not_take_a_seat_already_given() {
    // Priority orders the waiting list; it never un-confirms anyone.
    check(
        "1 0",
        "r1 presenza t3; r2 presenza t0",
        &["r1 → confermata", "r2 → lista d'attesa, posizione 1"],
    );
}

#[test]
fn kinds_have_their_own_seats_and_lists() {
    check(
        "1 1",
        "r1 presenza; r2 online; r3 presenza; r4 online; annulla r2; r5 presenza",
        &[
            "r1 → confermata",
            "r2 → confermata",
            "r3 → lista d'attesa, posizione 1",
            "r4 → lista d'attesa, posizione 1",
            "r2 → annullata (era confermata)",
            "r4 → confermata dalla lista d'attesa",
            "r5 → lista d'attesa, posizione 2",
        ],
    );
}

#[test]
fn holds_confirm_expire_and_promote() {
    check(
        "1 0",
        "r1 presenza tiene 10; r2 presenza tiene 10; +5; conferma r1; annulla r1",
        &[
            "r1 → posto tenuto fino alle 08:40",
            "r2 → lista d'attesa, posizione 1",
            "r1 → confermata (era un posto tenuto)",
            "r1 → annullata (era confermata)",
            "r2 → confermata dalla lista d'attesa",
        ],
    );
    check(
        "1 0",
        "r1 presenza tiene 10; r2 presenza; +10; scadenze; scadenze",
        &[
            "r1 → posto tenuto fino alle 08:40",
            "r2 → lista d'attesa, posizione 1",
            "r1 → scaduta",
            "r2 → confermata dalla lista d'attesa",
        ],
    );
    check(
        "1 0",
        "r1 presenza tiene 10; annulla r1; r2 presenza",
        &[
            "r1 → posto tenuto fino alle 08:40",
            "r1 → annullata (era posto tenuto fino alle 08:40)",
            "r2 → confermata",
        ],
    );
}

#[test]
fn any_operation_expires_the_holds_due_first() {
    // r3 arrives after the hold has expired: the seat went to r2, the head, not to r3.
    check(
        "1 0",
        "r1 presenza tiene 10; r2 presenza; +11; r3 presenza",
        &[
            "r1 → posto tenuto fino alle 08:40",
            "r2 → lista d'attesa, posizione 1",
            "r1 → scaduta",
            "r2 → confermata dalla lista d'attesa",
            "r3 → lista d'attesa, posizione 1",
        ],
    );
}

#[test]
fn a_refused_operation_changes_nothing_not_even_expiries() {
    let rid = RegistrationId::new;
    let mut book = SessionBook::new(Seats::new(1, 0).unwrap());
    let hold = Request::Hold {
        expires_at: start() + Duration::minutes(10),
    };
    book.register(rid(1), SeatKind::InPerson, Tier::FIRST, hold, start())
        .unwrap();
    book.register(
        rid(2),
        SeatKind::InPerson,
        Tier::FIRST,
        Request::Confirm,
        start(),
    )
    .unwrap();
    let before = book.clone();
    let late = start() + Duration::minutes(10);
    let error = book.confirm_hold(rid(1), late).unwrap_err();
    assert_eq!(
        error,
        CapacityError::Transition {
            id: rid(1),
            action: Action::ConfirmHold,
            status: Status::Expired
        }
    );
    assert_eq!(
        error.to_string(),
        "cannot confirm the hold of registration 1: it is an expired hold"
    );
    assert_eq!(book, before, "the expiry was rolled back with the refusal");
    assert_eq!(
        book.expire_holds(late),
        [
            Change::HoldExpired {
                id: rid(1),
                kind: SeatKind::InPerson
            },
            Change::Promoted {
                id: rid(2),
                kind: SeatKind::InPerson
            }
        ]
    );
}

#[test]
fn illegal_transitions_are_refused() {
    check(
        "1 0",
        "r1 presenza; r2 presenza; presente r2; assente r2; conferma r1; r1 online; annulla r9; \
         r3 online tiene 0; presente r1; annulla r1; presente r1; assente r1",
        &[
            "r1 → confermata",
            "r2 → lista d'attesa, posizione 1",
            "rifiutata: cannot record the attendance of registration 2: it is waitlisted at position 1",
            "rifiutata: cannot record the no-show of registration 2: it is waitlisted at position 1",
            "rifiutata: cannot confirm the hold of registration 1: it is confirmed",
            "rifiutata: registration 1 already exists",
            "rifiutata: there is no registration 9",
            "rifiutata: a hold must expire after the time of the request (2019-02-12 08:30:00 UTC), not at 2019-02-12 08:30:00 UTC",
            "r1 → presente",
            "rifiutata: cannot cancel registration 1: it is attended",
            "rifiutata: cannot record the attendance of registration 1: it is attended",
            "rifiutata: cannot record the no-show of registration 1: it is attended",
        ],
    );
    check(
        "0 1",
        "r1 online; annulla r1; annulla r1; assente r1; r2 online; assente r2; annulla r2",
        &[
            "r1 → confermata",
            "r1 → annullata (era confermata)",
            "rifiutata: cannot cancel registration 1: it is cancelled",
            "rifiutata: cannot record the no-show of registration 1: it is cancelled",
            "r2 → confermata",
            "r2 → assente",
            "rifiutata: cannot cancel registration 2: it is a no-show",
        ],
    );
}

#[test]
fn attendance_keeps_the_seat() {
    check(
        "1 0",
        "r1 presenza; r2 presenza; presente r1; ?",
        &[
            "r1 → confermata",
            "r2 → lista d'attesa, posizione 1",
            "r1 → presente",
            "in presenza: posti 1, occupati 1, di cui tenuti 0, in attesa [r2]",
            "online: posti 0, occupati 0, di cui tenuti 0, in attesa []",
        ],
    );
}

#[test]
fn lowering_seats_unconfirms_nobody_and_seats_nobody_until_under() {
    check(
        "3 0",
        "r1 presenza; r2 presenza; r3 presenza; r4 presenza; posti 1 0; annulla r1; annulla r2; \
         annulla r3",
        &[
            "r1 → confermata",
            "r2 → confermata",
            "r3 → confermata",
            "r4 → lista d'attesa, posizione 1",
            "posti: in presenza 3 → 1, online 0 → 0",
            "r1 → annullata (era confermata)",
            "r2 → annullata (era confermata)",
            "r3 → annullata (era confermata)",
            "r4 → confermata dalla lista d'attesa",
        ],
    );
}

#[test]
fn raising_seats_promotes_in_order() {
    check(
        "0 0",
        "r1 presenza t1; r2 online; r3 presenza; r4 presenza t1; posti 2 0; posti 2 0; posti 3 1",
        &[
            "r1 → lista d'attesa, posizione 1",
            "r2 → lista d'attesa, posizione 1",
            "r3 → lista d'attesa, posizione 1",
            "r4 → lista d'attesa, posizione 3",
            "posti: in presenza 0 → 2, online 0 → 0",
            "r3 → confermata dalla lista d'attesa",
            "r1 → confermata dalla lista d'attesa",
            "posti: in presenza 2 → 3, online 0 → 1",
            "r4 → confermata dalla lista d'attesa",
            "r2 → confermata dalla lista d'attesa",
        ],
    );
}

#[test]
fn the_rules_on_counts() {
    let occ = |seats, seated, held, waiting| Occupancy {
        seats,
        seated,
        held,
        waiting,
    };
    let later = start() + Duration::minutes(15);
    let hold = Request::Hold { expires_at: later };
    assert_eq!(
        admit(&occ(2, 1, 0, 0), 0, Request::Confirm),
        Admission::Confirm
    );
    assert_eq!(
        admit(&occ(2, 1, 0, 0), 0, hold),
        Admission::Hold { expires_at: later }
    );
    assert_eq!(
        admit(&occ(2, 1, 1, 0), 0, hold),
        Admission::Waitlist { position: 1 }
    );
    // A free seat with a waiting list is the head's, not the newcomer's.
    assert_eq!(
        admit(&occ(2, 1, 0, 3), 3, Request::Confirm),
        Admission::Waitlist { position: 4 }
    );
    assert_eq!(
        admit(&occ(0, 0, 0, 0), 0, Request::Confirm),
        Admission::Waitlist { position: 1 }
    );
    assert_eq!(promotions(&occ(5, 2, 1, 1)), 1);
    assert_eq!(promotions(&occ(5, 2, 1, 9)), 2);
    assert_eq!(promotions(&occ(5, 6, 0, 9)), 0);
    assert_eq!(occ(5, 6, 1, 0).free(), 0);
}

#[test]
fn seats_parse_and_deserialize_with_validation() {
    #[track_caller]
    fn json(text: &str, expect: Result<(u32, u32), &str>) {
        let got = serde_json::from_str::<Seats>(text)
            .map(|s| (s.get(SeatKind::InPerson), s.get(SeatKind::Online)))
            .map_err(|e| e.to_string());
        match (got, expect) {
            (Ok(got), Ok(expect)) => assert_eq!(got, expect, "{text}"),
            (Err(got), Err(expect)) => assert!(got.contains(expect), "{text}: {got}"),
            (got, expect) => panic!("{text}: got {got:?}, expected {expect:?}"),
        }
    }
    json(r#"{"in_person": 20, "online": 100}"#, Ok((20, 100)));
    json(r#"{"in_person": 20}"#, Ok((20, 0)));
    json(r#"{}"#, Ok((0, 0)));
    json(
        r#"{"in_person": -1, "online": 0}"#,
        Err("in-person seats must be 0 to 100000, not -1"),
    );
    json(
        r#"{"online": 100001}"#,
        Err("online seats must be 0 to 100000, not 100001"),
    );
    json(r#"{"inperson": 3}"#, Err("unknown field `inperson`"));
    json(r#"{"in_person": 2.5}"#, Err("invalid type"));
    let seats = Seats::new(20, 100).unwrap();
    assert_eq!(
        serde_json::to_string(&seats).unwrap(),
        r#"{"in_person":20,"online":100}"#
    );
    assert_eq!(seats.with(SeatKind::Online, 0).unwrap().total(), 20);
    assert!(seats.with(SeatKind::Online, -3).is_err());
    assert_eq!(serde_json::to_string(&RegistrationId::new(7)).unwrap(), "7");
    assert_eq!(serde_json::to_string(&Tier::new(2)).unwrap(), "2");
}

/// A small hybrid morning at Binario F, for people to read.
#[test]
fn transcript_snapshot() {
    let script = "
        r1 presenza t1
        r2 presenza tiene 15
        r3 presenza t1
        r4 online tiene 10
        r5 presenza t0
        r6 online
        r7 online t2
        ?
        annulla r1
        presente r3
        +10
        r8 online t0
        conferma r2
        +20
        posti 1 3
        ?
        annulla r5
        posti 2 3
        presente r2
        assente r3
        ?
    ";
    let seats = Seats::new(2, 1).unwrap();
    insta::assert_yaml_snapshot!(transcript(seats, script));
}

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

#[test]
fn capacity_goes_to_the_mode_and_hybrid_splits() {
    use crate::session::Mode;
    let check = |mode, capacity, in_person, online| {
        let seats = Seats::for_mode(mode, capacity).unwrap();
        assert_eq!(
            (seats.get(SeatKind::InPerson), seats.get(SeatKind::Online)),
            (in_person, online),
            "{mode:?} {capacity}"
        );
    };
    check(Mode::InPerson, 30, 30, 0);
    check(Mode::Online, 30, 0, 30);
    check(Mode::Hybrid, 30, 15, 15);
    check(Mode::Hybrid, 31, 16, 15);
    check(Mode::Hybrid, 1, 1, 0);
    assert!(Seats::for_mode(Mode::InPerson, 100_001).is_err());
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
