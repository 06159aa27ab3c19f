//! Tests of seats and waiting lists: scripted scenarios through one `check` helper, a transcript
//! snapshot, and a property test that runs random operation sequences against the invariants
//! of the module docs and against a naive reference model.

mod properties;
mod scenarios;

use chrono::{DateTime, Duration, TimeZone, Utc};

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
