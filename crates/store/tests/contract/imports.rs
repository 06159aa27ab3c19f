//! Bulk imports of registrations: one transaction, all or nothing, each row decided exactly as a
//! registration of its own would be.

use skillhub_core::capacity::{Policy, SeatKind};
use skillhub_store::{Error, RegisterRequest, Store};

use super::{
    PgDatabase, at, register, request, session_with, session_with_policy, sqlite, statuses,
};

/// One test per backend for a case `async fn(Store)` (the parent's `contract!` is defined after
/// this module is declared, so it has its own).
macro_rules! imports_contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let (store, _url, _dir) = super::sqlite().await;
                    super::$name(store.clone()).await;
                    store.close().await;
                }
            )*
        }
        mod postgres_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some((store, _url, db)) = super::PgDatabase::create().await else { return };
                    super::$name(store.clone()).await;
                    db.drop(store).await;
                }
            )*
        }
    };
}

imports_contract!(
    an_import_seats_exactly_as_registrations_one_by_one,
    an_import_is_all_or_nothing_and_names_the_refused_row,
    an_import_into_a_batch_session_waits_for_the_draw,
    a_plan_judges_every_row_and_writes_nothing,
);

/// Tiers of six people arriving in this order at a session with `seats` seats.
const ARRIVALS: [(usize, u8); 6] = [(1, 1), (2, 0), (3, 1), (4, 0), (5, 2), (6, 0)];

async fn an_import_seats_exactly_as_registrations_one_by_one(store: Store) {
    let one_by_one = session_with(&store, "uno-alla-volta", 2, 0).await;
    for (n, tier) in ARRIVALS {
        register(&store, &one_by_one, n, tier).await;
    }
    let imported = session_with(&store, "importate", 2, 0).await;
    let requests: Vec<RegisterRequest> = ARRIVALS
        .iter()
        .map(|&(n, tier)| request(&imported, n, tier))
        .collect();
    let written = store
        .import_registrations(&requests, at(9, 0))
        .await
        .unwrap();
    assert_eq!(written.len(), 6);
    assert!(
        written.iter().all(|w| w.manage_token.len() == 64),
        "each registration gets its own manage token"
    );
    assert_eq!(
        statuses(&store, &imported).await,
        statuses(&store, &one_by_one).await
    );
    // The answers of the import are the positions at the moment each row was seated.
    let positions: Vec<(String, Option<i64>)> = written
        .iter()
        .map(|w| {
            let position = w.registration.position().map(i64::from);
            (w.registration.status.name().to_owned(), position)
        })
        .collect();
    assert_eq!(
        positions,
        [
            ("confirmed".to_owned(), None),
            ("confirmed".to_owned(), None),
            ("waitlisted".to_owned(), Some(1)),
            ("waitlisted".to_owned(), Some(1)),
            ("waitlisted".to_owned(), Some(3)),
            ("waitlisted".to_owned(), Some(2)),
        ]
    );
    let session = store.session(&imported).await.unwrap().unwrap();
    assert_eq!((session.confirmed(), session.waitlisted()), (2, 4));
    // A later registration of its own sees the imported ones.
    let (_, status, position) = register(&store, &imported, 7, 0).await;
    assert_eq!((status.as_str(), position), ("waitlisted", Some(3)));
}

async fn an_import_is_all_or_nothing_and_names_the_refused_row(store: Store) {
    let first = session_with(&store, "prima", 1, 0).await;
    let second = session_with(&store, "seconda", 5, 0).await;
    let duplicate = vec![
        request(&first, 1, 0),
        request(&second, 2, 0),
        request(&second, 3, 0),
        request(&second, 2, 0),
    ];
    let err = store
        .import_registrations(&duplicate, at(9, 0))
        .await
        .unwrap_err();
    assert_eq!(err.index, Some(3));
    assert!(
        matches!(err.source, Error::AlreadyRegistered { .. }),
        "{:?}",
        err.source
    );
    assert_eq!(
        err.to_string(),
        "registration 4 of the import: this e-mail address is already registered for session seconda"
    );
    for id in [&first, &second] {
        assert!(statuses(&store, id).await.is_empty(), "nothing is written");
        let session = store.session(id).await.unwrap().unwrap();
        assert_eq!((session.confirmed(), session.waitlisted()), (0, 0));
    }
    let unknown = vec![request(&first, 1, 0), request("nessuna", 2, 0)];
    let err = store
        .import_registrations(&unknown, at(9, 0))
        .await
        .unwrap_err();
    assert_eq!(err.index, Some(1));
    assert!(matches!(err.source, Error::UnknownSession(_)));
    let mut online = request(&first, 4, 0);
    online.kind = Some(SeatKind::Online);
    let err = store
        .import_registrations(&[request(&first, 1, 0), online], at(9, 0))
        .await
        .unwrap_err();
    assert_eq!(err.index, Some(1));
    assert!(matches!(err.source, Error::NoSuchSeats { .. }));
    assert!(statuses(&store, &first).await.is_empty());
    // The same rows without the refused one go in whole.
    store
        .import_registrations(&duplicate[..3], at(9, 0))
        .await
        .unwrap();
    assert_eq!(statuses(&store, &second).await.len(), 2);
}

async fn an_import_into_a_batch_session_waits_for_the_draw(store: Store) {
    let batch = session_with_policy(&store, "a-sorteggio", 2, 0, Policy::Batch).await;
    let requests: Vec<RegisterRequest> = (1..=3).map(|n| request(&batch, n, 0)).collect();
    let written = store
        .import_registrations(&requests, at(9, 0))
        .await
        .unwrap();
    assert!(
        written
            .iter()
            .all(|w| w.registration.status.name() == "waitlisted"),
        "before the draw everyone waits"
    );
}

/// A plan reads the sessions a sheet names, refuses every row it must (no such session, one out
/// of scope) with its line, and writes nothing; the requests it makes seat as an import does.
async fn a_plan_judges_every_row_and_writes_nothing(store: Store) {
    let id = session_with(&store, "t-plan", 1, 0).await;
    let other = session_with(&store, "t-plan-other", 1, 0).await;
    let sheet = format!(
        "sessione;nome e cognome;email\n{id};Anna Rossi;anna@example.it\n\
         nessuna;Bruno Bianchi;bruno@example.it\n{other};Carla Verdi;carla@example.it\n"
    );
    let read = |text: &str| {
        let mut rows = Vec::new();
        let options = skillhub_import::csv::ReadOptions::new(
            chrono::NaiveDate::from_ymd_opt(2019, 6, 1).unwrap(),
        );
        skillhub_import::csv::read_registrations(
            "f.csv",
            text.as_bytes(),
            &options,
            |_| {},
            |r| rows.push(r),
        )
        .unwrap();
        rows
    };
    let rows = read(&sheet);
    let only_one = |s: &skillhub_store::SessionView| s.id.as_str() == id;
    let refused = store
        .plan_registrations("f.csv", &rows, "staff:7", only_one, 100)
        .await
        .unwrap()
        .unwrap_err();
    let skillhub_import::Error::Invalid(report) = refused else {
        panic!("{refused}")
    };
    let lines: Vec<(usize, &str)> = report
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (3, "no session has id \"nessuna\""),
            (4, "session t-plan-other is not one you run")
        ]
    );
    let plan = store
        .plan_registrations("f.csv", &rows[..1], "staff:7", only_one, 100)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(plan.lines, [2]);
    assert_eq!(plan.requests[0].actor, "staff:7");
    assert_eq!(plan.sessions[&id].id.as_str(), id);
    assert!(store.session_registrations(&id).await.unwrap().is_empty());
    let written = store
        .import_registrations(&plan.requests, at(9, 0))
        .await
        .unwrap();
    assert_eq!(written[0].registration.status.name(), "confirmed");
}
