//! Scripted scenarios through the one `check` helper: first come, tiers, holds, refusals,
//! attendance and changing seats; the rules on counts and seats; and the transcript snapshot of
//! a small hybrid morning.

use super::*;

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
    // Staff seating someone beyond the seats (a seat added for them) skip the line on purpose.
    assert_eq!(Phase::Open.admit_beyond_seats(3), Admission::Confirm);
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
