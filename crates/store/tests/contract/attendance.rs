//! Attendance: presence recorded on seats only, in the session's transaction, and read back as
//! the facts that progress counts.

use skillhub_core::capacity::Presence;
use skillhub_core::program::Unit;
use skillhub_core::session::Mode;
use skillhub_notify::Canceller;
use skillhub_store::{Error, Store};

use super::{PgDatabase, at, register, session_with, sqlite, statuses};

contract!(
    presence_is_recorded_on_seats_only_and_keeps_them,
    attended_registrations_become_facts_once_per_person,
    turnout_counts_registrations_by_status_per_session,
);

async fn presence_is_recorded_on_seats_only_and_keeps_them(store: Store, _url: String) {
    let session = session_with(&store, "presenze", 1, 0).await;
    let (seated, _, _) = register(&store, &session, 1, 1).await;
    let (waiting, _, _) = register(&store, &session, 2, 1).await;

    // Nobody waiting can be marked: there was no seat to come to.
    let refused = store
        .record_presence("admin", waiting, Presence::Attended, at(14, 0))
        .await;
    assert!(
        matches!(refused, Err(Error::Transition { ref status, .. }) if status == "waitlisted"),
        "{refused:?}"
    );

    let marked = store
        .record_presence("admin", seated, Presence::Attended, at(14, 0))
        .await
        .unwrap();
    assert_eq!(marked.status, skillhub_core::capacity::Status::Attended);
    // The seat stays given: the waiting list does not move.
    assert_eq!(
        statuses(&store, &session).await,
        [
            super::s("persona2", "waitlisted", Some(1)),
            super::s("persona1", "attended", None),
        ]
    );
    let view = store.session(&session).await.unwrap().unwrap();
    assert_eq!((view.seated_in_person, view.waiting_in_person), (1, 1));

    // Final: neither marked again nor cancelled.
    assert!(matches!(
        store
            .record_presence("admin", seated, Presence::NoShow, at(14, 5))
            .await,
        Err(Error::Transition { .. })
    ));
    assert!(matches!(
        store
            .cancel("admin", Canceller::Staff, seated, at(14, 5))
            .await,
        Err(Error::Transition { .. })
    ));
    assert!(matches!(
        store
            .record_presence("admin", 999_999, Presence::Attended, at(14, 5))
            .await,
        Err(Error::UnknownRegistration(999_999))
    ));

    let log = store
        .audit_log("registration", &seated.to_string())
        .await
        .unwrap();
    let last = log.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("registration.presence", "admin")
    );
    assert!(!format!("{last:?}").contains("persona1"), "{last:?}");
}

async fn attended_registrations_become_facts_once_per_person(store: Store, _url: String) {
    let first = session_with(&store, "primo", 5, 0).await;
    let second = session_with(&store, "secondo", 5, 0).await;
    let (a1, _, _) = register(&store, &first, 1, 1).await;
    let (b1, _, _) = register(&store, &first, 2, 1).await;
    let (a2, _, _) = register(&store, &second, 1, 1).await;
    let (c2, _, _) = register(&store, &second, 3, 1).await;
    let _unmarked = register(&store, &second, 4, 1).await;
    for id in [a1, b1, a2] {
        store
            .record_presence("admin", id, Presence::Attended, at(14, 0))
            .await
            .unwrap();
    }
    store
        .record_presence("admin", c2, Presence::NoShow, at(14, 0))
        .await
        .unwrap();

    let program = store.program("binario-f").await.unwrap().unwrap();
    let all = store.attendance(&program).await.unwrap();
    // Each session somebody came to was held, and its hub was active: each counts once.
    let held: Vec<(Unit, &str)> = all
        .iter()
        .filter(|f| f.unit != Unit::People)
        .map(|f| (f.unit, f.person.as_str()))
        .collect();
    assert_eq!(
        held,
        [
            (Unit::Sessions, "session:primo"),
            (Unit::Circles, "hub:binario-f-roma-termini"),
            (Unit::Sessions, "session:secondo"),
            (Unit::Circles, "hub:binario-f-roma-termini"),
        ]
    );
    let facts: Vec<_> = all.into_iter().filter(|f| f.unit == Unit::People).collect();
    // One fact per attendance; no-shows and unmarked seats give none.
    assert_eq!(facts.len(), 3, "{facts:?}");
    let people: std::collections::BTreeSet<&str> =
        facts.iter().map(|f| f.person.as_str()).collect();
    assert_eq!(people.len(), 2, "persona1 attended twice, under one key");
    assert!(
        facts.iter().all(|f| !f.person.contains('@')),
        "no e-mail leaves the store"
    );
    for fact in &facts {
        assert_eq!(fact.unit, Unit::People);
        assert_eq!(fact.mode, Some(Mode::InPerson));
        // The hub's country, and the session's local day.
        assert_eq!(fact.country.as_str(), "IT");
        assert_eq!(fact.date.to_string(), "2019-06-11");
    }
    // Another program's attendance is not this one's.
    let other = store.program("milano-digitale").await.unwrap().unwrap();
    assert_eq!(store.attendance(&other).await.unwrap(), []);
}

async fn turnout_counts_registrations_by_status_per_session(store: Store, _url: String) {
    use chrono::NaiveDate;
    use skillhub_progress::breakdown::Period;

    let full = session_with(&store, "piena", 2, 0).await;
    let quiet = session_with(&store, "tranquilla", 5, 0).await;
    let (came, _, _) = register(&store, &full, 1, 1).await;
    let (absent, _, _) = register(&store, &full, 2, 1).await;
    register(&store, &full, 3, 1).await;
    register(&store, &full, 4, 1).await;
    let (gone, _, _) = register(&store, &quiet, 5, 1).await;
    register(&store, &quiet, 6, 1).await;
    store
        .record_presence("admin", came, Presence::Attended, at(14, 0))
        .await
        .unwrap();
    store
        .record_presence("admin", absent, Presence::NoShow, at(14, 0))
        .await
        .unwrap();
    store
        .cancel("admin", Canceller::Staff, gone, at(14, 0))
        .await
        .unwrap();

    let program = "binario-f".parse().unwrap();
    let day = |d| NaiveDate::from_ymd_opt(2019, 6, d).unwrap();
    let rows = store
        .turnout(&program, Period::new(day(11), day(11)).unwrap())
        .await
        .unwrap();
    let counts: Vec<(&str, u64, u64, u64, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r.session.as_str(),
                r.seats,
                r.attended,
                r.no_show,
                r.unmarked,
                r.waiting,
            )
        })
        .collect();
    // Two waiting at the full session: demand not met; the cancelled registration counts nowhere.
    assert_eq!(
        counts,
        [("piena", 2, 1, 1, 0, 2), ("tranquilla", 5, 0, 0, 1, 0)]
    );
    assert!(rows.iter().all(|r| r.date == day(11)
        && r.hub.as_ref().map(|h| h.as_str()) == Some("binario-f-roma-termini")
        && r.title == "Prova"));
    // Another day, another program: nothing.
    let later = store
        .turnout(&program, Period::new(day(12), day(30)).unwrap())
        .await
        .unwrap();
    assert_eq!(later, []);
    let other = "milano-digitale".parse().unwrap();
    assert_eq!(
        store
            .turnout(&other, Period::new(day(11), day(11)).unwrap())
            .await
            .unwrap(),
        []
    );
}
