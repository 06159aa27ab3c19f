//! Held seats: a program that requires address confirmation holds a public registration's seat
//! until the mailed link is followed; an expired hold frees its seat for the head of the line.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use skillhub_core::capacity::{SeatKind, Status};
use skillhub_core::fixture::Catalog;
use skillhub_core::ids::{ProgramId, SessionId};
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::tz::Zone;
use skillhub_notify::Canceller;
use skillhub_store::{Error, NewSession, Store, Timing};

use super::{PgDatabase, at, parallel, request, sqlite, statuses};

contract!(
    a_hold_keeps_a_seat_and_the_line_forms_behind_it,
    confirming_turns_a_hold_confirmed_once,
    an_expired_hold_frees_its_seat_for_the_head_of_the_line,
    a_registration_after_a_hold_ran_out_gets_its_seat,
    staff_and_imports_are_never_held,
    registrations_confirmations_and_expiries_racing_never_overbook,
);

/// A program like the seed ones, requiring address confirmation with a 30-minute hold.
const CONFIRMING: &str = r#"
id = "conferma-prova"
name = "Conferma prova"
summary_it = "Un programma di prova che chiede di confermare l'indirizzo."
source = "test"
zone = "Europe/Rome"
countries = ["IT"]
window = { from = "2017-01-01", until = "2020-12-31" }
audiences = ["women"]
email_confirmation = "required"
hold_minutes = 30
"#;

/// Loads [`CONFIRMING`] and creates its online session `id` with `seats` seats.
async fn held_session(store: &Store, id: &str, seats: i64) -> String {
    if store.program("conferma-prova").await.unwrap().is_none() {
        let catalog = Catalog::parse([("conferma-prova.toml", CONFIRMING)]).unwrap();
        store.load_programs(&catalog, &[CONFIRMING]).await.unwrap();
    }
    let session = Session::new(SessionSpec {
        id: SessionId::parse(id).unwrap(),
        program: ProgramId::parse("conferma-prova").unwrap(),
        hub: None,
        room: None,
        title: "Prova".into(),
        competences: vec![],
        level: None,
        mode: Mode::Online,
        seats: skillhub_core::capacity::Seats::new(0, seats).unwrap(),
        trainers: vec![],
        date: chrono::NaiveDate::from_ymd_opt(2019, 6, 11).unwrap(),
        start: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(13, 30, 0).unwrap(),
        zone: Zone::rome(),
        ambiguity: Ambiguity::Refuse,
    })
    .unwrap();
    store
        .create_session("admin", &NewSession::open_until_start(session))
        .await
        .unwrap();
    id.to_owned()
}

/// Registers person `n` at `now` with `timing`; returns the registration's id and status.
async fn join(
    store: &Store,
    session: &str,
    n: usize,
    timing: Timing,
    now: DateTime<Utc>,
) -> (i64, Status) {
    let mut asked = request(session, n, 0);
    asked.timing = timing;
    let registered = store.register(&asked, None, now).await.unwrap();
    let r = registered.registration;
    assert_eq!(store.registration(r.id).await.unwrap().as_ref(), Some(&r));
    (r.id, r.status)
}

/// The kinds of the messages about registration `id`, oldest first.
async fn told(store: &Store, id: i64) -> Vec<String> {
    store
        .messages_about(id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.kind)
        .collect()
}

/// The secret of the link a confirmation message of registration `id` would carry.
async fn link(store: &Store, id: i64) -> String {
    store
        .issue_confirm_tokens(&[id], at(9, 1))
        .await
        .unwrap()
        .remove(&id)
        .expect("a held registration gets a confirmation link")
}

async fn a_hold_keeps_a_seat_and_the_line_forms_behind_it(store: Store, _url: String) {
    let id = held_session(&store, "held-line", 2).await;
    let (a, status) = join(&store, &id, 0, Timing::InWindow, at(9, 0)).await;
    assert_eq!(
        status,
        Status::Held {
            expires_at: at(9, 30)
        }
    );
    let (_, status) = join(&store, &id, 1, Timing::InWindow, at(9, 5)).await;
    assert_eq!(
        status,
        Status::Held {
            expires_at: at(9, 35)
        }
    );
    let (c, status) = join(&store, &id, 2, Timing::InWindow, at(9, 10)).await;
    assert_eq!(status, Status::Waitlisted { position: 1 });
    assert_eq!(told(&store, a).await, ["confirm_address"]);
    assert_eq!(told(&store, c).await, ["waitlisted"]);
    let view = store.session(&id).await.unwrap().unwrap();
    assert_eq!(
        (view.confirmed(), view.waitlisted(), view.seats_left()),
        (2, 1, 0)
    );
    // A hold is live: the same person cannot register twice meanwhile.
    let again = store
        .register(&request(&id, 0, 0), None, at(9, 11))
        .await
        .unwrap_err();
    assert!(
        matches!(again, Error::AlreadyRegistered { .. }),
        "{again:?}"
    );
}

async fn confirming_turns_a_hold_confirmed_once(store: Store, _url: String) {
    let id = held_session(&store, "held-confirm", 1).await;
    let (a, _) = join(&store, &id, 0, Timing::InWindow, at(9, 0)).await;
    let secret = link(&store, a).await;
    let wrong = store
        .confirm_address(a, "not-the-secret", at(9, 10))
        .await
        .unwrap_err();
    assert!(
        matches!(wrong, Error::ConfirmationRefused(r) if r == a),
        "{wrong:?}"
    );
    let confirmed = store.confirm_address(a, &secret, at(9, 10)).await.unwrap();
    assert_eq!(confirmed.status, Status::Confirmed);
    assert_eq!(
        store.registration(a).await.unwrap().as_ref(),
        Some(&confirmed)
    );
    assert_eq!(told(&store, a).await, ["confirm_address", "confirmed"]);
    // Following the link again changes nothing and tells nobody again.
    let again = store.confirm_address(a, &secret, at(9, 40)).await.unwrap();
    assert_eq!(again.status, Status::Confirmed);
    assert_eq!(told(&store, a).await, ["confirm_address", "confirmed"]);
    // A confirmed seat does not expire.
    assert_eq!(store.expire_holds(at(10, 0)).await.unwrap(), 0);
    let view = store.session(&id).await.unwrap().unwrap();
    assert_eq!((view.confirmed(), view.seats_left()), (1, 0));
}

async fn an_expired_hold_frees_its_seat_for_the_head_of_the_line(store: Store, _url: String) {
    let id = held_session(&store, "held-expire", 1).await;
    let (a, _) = join(&store, &id, 0, Timing::InWindow, at(9, 0)).await;
    let secret = link(&store, a).await;
    // Staff add someone late: never held, and promoted to a seat like anyone confirmed.
    let (b, status) = join(&store, &id, 1, Timing::Late, at(9, 1)).await;
    assert_eq!(status, Status::Waitlisted { position: 1 });
    let (c, status) = join(&store, &id, 2, Timing::InWindow, at(9, 2)).await;
    assert_eq!(status, Status::Waitlisted { position: 2 });

    assert_eq!(store.expire_holds(at(9, 29)).await.unwrap(), 0, "not yet");
    assert_eq!(
        store.expire_holds(at(9, 30)).await.unwrap(),
        1,
        "at its end"
    );
    assert_eq!(
        store.registration(a).await.unwrap().unwrap().status,
        Status::Expired
    );
    assert_eq!(
        store.registration(b).await.unwrap().unwrap().status,
        Status::Confirmed
    );
    assert_eq!(told(&store, a).await, ["confirm_address", "hold_expired"]);
    assert_eq!(told(&store, b).await, ["waitlisted", "promoted"]);
    assert_eq!(store.expire_holds(at(9, 31)).await.unwrap(), 0, "once");

    // Too late to confirm: the seat went on.
    let late = store
        .confirm_address(a, &secret, at(9, 31))
        .await
        .unwrap_err();
    assert!(
        matches!(late, Error::HoldExpired { id, .. } if id == a),
        "{late:?}"
    );

    // The next seat goes to someone who registered publicly and never confirmed: a new hold.
    let cancelled = store
        .cancel("admin", Canceller::Staff, b, at(9, 40))
        .await
        .unwrap();
    assert_eq!(cancelled.promoted, [c]);
    assert_eq!(
        store.registration(c).await.unwrap().unwrap().status,
        Status::Held {
            expires_at: at(10, 10)
        }
    );
    assert_eq!(told(&store, c).await, ["waitlisted", "confirm_address"]);
    let secret = link(&store, c).await;
    let confirmed = store.confirm_address(c, &secret, at(10, 0)).await.unwrap();
    assert_eq!(confirmed.status, Status::Confirmed);
    assert_eq!(
        told(&store, c).await,
        ["waitlisted", "confirm_address", "confirmed"]
    );
    let view = store.session(&id).await.unwrap().unwrap();
    assert_eq!((view.confirmed(), view.waitlisted()), (1, 0));
}

async fn a_registration_after_a_hold_ran_out_gets_its_seat(store: Store, _url: String) {
    let id = held_session(&store, "held-lazy", 1).await;
    let (a, _) = join(&store, &id, 0, Timing::InWindow, at(9, 0)).await;
    let (_, status) = join(&store, &id, 1, Timing::InWindow, at(9, 10)).await;
    assert!(matches!(status, Status::Waitlisted { .. }));
    let (c, _) = join(&store, &id, 2, Timing::InWindow, at(9, 15)).await;
    // Nobody ran expire_holds: the next registration expires the hold first, and its seat goes
    // to the head of the line (a new hold), so the newcomer waits behind the one still waiting.
    let (d, status) = join(&store, &id, 3, Timing::InWindow, at(9, 45)).await;
    assert_eq!(status, Status::Waitlisted { position: 2 });
    assert_eq!(
        store.registration(a).await.unwrap().unwrap().status,
        Status::Expired
    );
    assert_eq!(
        statuses(&store, &id).await,
        [
            super::s("persona2", "waitlisted", Some(1)),
            super::s("persona3", "waitlisted", Some(2)),
            super::s("persona0", "expired", None),
            super::s("persona1", "held", None),
        ]
    );
    assert_eq!(told(&store, c).await, ["waitlisted"]);
    assert_eq!(told(&store, d).await, ["waitlisted"]);
}

async fn staff_and_imports_are_never_held(store: Store, _url: String) {
    let id = held_session(&store, "held-staff", 3).await;
    let (_, status) = join(&store, &id, 0, Timing::Late, at(9, 0)).await;
    assert_eq!(status, Status::Confirmed);
    let mut rows = vec![request(&id, 1, 0), request(&id, 2, 0)];
    for row in &mut rows {
        row.timing = Timing::Late;
        row.kind = Some(SeatKind::Online);
    }
    let imported = store.import_registrations(&rows, at(9, 1)).await.unwrap();
    assert!(
        imported
            .iter()
            .all(|i| i.registration.status == Status::Confirmed)
    );
    assert_eq!(store.expire_holds(at(12, 0)).await.unwrap(), 0);
}

async fn registrations_confirmations_and_expiries_racing_never_overbook(
    store: Store,
    _url: String,
) {
    let id = Arc::new(held_session(&store, "held-race", 3).await);
    let mut first = Vec::new();
    for n in 0..6 {
        first.push(join(&store, &id, n, Timing::InWindow, at(9, 0)).await.0);
    }
    let mut secrets = Vec::new();
    for &r in &first[..3] {
        secrets.push(link(&store, r).await);
    }
    let (first, secrets) = (Arc::new(first), Arc::new(secrets));
    parallel(16, |i| {
        let (store, id, first, secrets) =
            (store.clone(), id.clone(), first.clone(), secrets.clone());
        async move {
            match i {
                // Confirmations in time, unless an expiry at 9:40 came first.
                0..=1 => match store
                    .confirm_address(first[i], &secrets[i], at(9, 20))
                    .await
                {
                    Ok(_) | Err(Error::HoldExpired { .. }) => {}
                    Err(err) => panic!("{err}"),
                },
                2..=5 => {
                    store.expire_holds(at(9, 40)).await.unwrap();
                }
                _ => {
                    let mut asked = request(&id, 100 + i, 0);
                    asked.timing = Timing::InWindow;
                    store.register(&asked, None, at(9, 40)).await.unwrap();
                }
            }
        }
    })
    .await;
    let rows = store.session_registrations(&id).await.unwrap();
    let taken = rows
        .iter()
        .filter(|r| matches!(r.status, Status::Held { .. } | Status::Confirmed))
        .count();
    let waiting = rows.iter().filter(|r| r.position().is_some()).count();
    assert!(taken <= 3, "{rows:?}");
    assert!(
        waiting == 0 || taken == 3,
        "no seat is free while someone waits: {rows:?}"
    );
    let mut positions: Vec<u32> = rows.iter().filter_map(|r| r.position()).collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=waiting as u32).collect::<Vec<_>>());
    let view = store.session(&id).await.unwrap().unwrap();
    assert_eq!(
        (view.confirmed(), view.waitlisted()),
        (taken as i64, waiting as i64),
        "the counters agree with the registrations"
    );
    // Whatever still holds expires in time, and the counters still agree.
    store.expire_holds(at(11, 0)).await.unwrap();
    let rows = store.session_registrations(&id).await.unwrap();
    let taken = rows
        .iter()
        .filter(|r| matches!(r.status, Status::Held { .. } | Status::Confirmed))
        .count();
    let view = store.session(&id).await.unwrap().unwrap();
    assert!(taken <= 3);
    assert_eq!(view.confirmed(), taken as i64);
}
