//! Operations racing on one session's lock, beyond the contract's first two parallel cases:
//! registrations against cancellations, against a bulk import, and draws against each other.
//!
//! Like every contract case these run on SQLite and on PostgreSQL, but only the PostgreSQL run
//! can catch a missing lock: on SQLite the store's writer pool has one connection, so the tasks
//! take turns before any `BEGIN IMMEDIATE` and the outcome would be right without it.

use skillhub_notify::Canceller;
use std::sync::Arc;

use skillhub_store::{Error, Store};

use super::{PgDatabase, at, batch_session, parallel, request, session_with, sqlite, statuses};

contract!(
    cancellations_racing_registrations_never_overbook,
    an_import_racing_registrations_stays_whole,
    parallel_draws_run_once,
);

/// Registers person `n` without reading the registration back (a racing cancellation may have
/// promoted it already); returns its status.
async fn register_racing(store: &Store, session: &str, n: usize) -> String {
    let registered = store
        .register(&request(session, n, 0), None, at(9, 0))
        .await
        .unwrap();
    assert!(!registered.replayed, "no idempotency key was given");
    registered.registration.status.name().to_owned()
}

/// The session seats `confirmed` people and `waiting` wait at positions exactly 1..n, and its
/// counters agree with its registrations.
async fn assert_counts(store: &Store, session: &str, confirmed: usize, waiting: usize) {
    let rows = statuses(store, session).await;
    let mut positions: Vec<i64> = rows.iter().filter_map(|r| r.2).collect();
    positions.sort_unstable();
    let seated = rows.iter().filter(|r| r.1 == "confirmed").count();
    assert_eq!((seated, positions.len()), (confirmed, waiting), "{rows:?}");
    assert_eq!(
        positions,
        (1..=waiting as i64).collect::<Vec<_>>(),
        "{rows:?}"
    );
    let view = store.session(session).await.unwrap().unwrap();
    assert_eq!(
        (view.confirmed(), view.waitlisted()),
        (confirmed as i64, waiting as i64),
        "the session's counters agree with its registrations"
    );
}

async fn cancellations_racing_registrations_never_overbook(store: Store, _url: String) {
    let id = Arc::new(session_with(&store, "t-churn", 5, 0).await);
    let mut confirmed = Vec::new();
    for n in 0..10 {
        let registration = store
            .register(&request(&id, n, 0), None, at(9, 0))
            .await
            .unwrap()
            .registration;
        let (registration, status) = (registration.id, registration.status.name());
        if status == "confirmed" {
            confirmed.push(registration);
        }
    }
    assert_eq!(confirmed.len(), 5);
    let confirmed = Arc::new(confirmed);
    // The five seated people cancel while ten more people register.
    let promoted = parallel(15, |i| {
        let (store, id, confirmed) = (store.clone(), id.clone(), confirmed.clone());
        async move {
            if i < 5 {
                let cancelled = store
                    .cancel("admin", Canceller::Staff, confirmed[i], at(11, 0))
                    .await
                    .unwrap();
                cancelled.promoted.len()
            } else {
                register_racing(&store, &id, 100 + i).await;
                0
            }
        }
    })
    .await;
    // Someone was always waiting, so each cancellation promoted exactly one.
    assert_eq!(promoted, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_counts(&store, &id, 5, 10).await;
}

async fn an_import_racing_registrations_stays_whole(store: Store, _url: String) {
    let id = Arc::new(session_with(&store, "t-import-race", 4, 0).await);
    let imported: Vec<String> = (200..206).map(|n| format!("persona{n}")).collect();
    parallel(7, |i| {
        let (store, id) = (store.clone(), id.clone());
        async move {
            if i == 0 {
                let requests: Vec<_> = (200..206).map(|n| request(&id, n, 0)).collect();
                store
                    .import_registrations(&requests, at(9, 0))
                    .await
                    .unwrap();
            } else {
                register_racing(&store, &id, i).await;
            }
        }
    })
    .await;
    assert_counts(&store, &id, 4, 8).await;
    // One transaction: nobody registering at the same time got between the imported rows.
    let rows = statuses(&store, &id).await;
    let mut positions: Vec<i64> = rows
        .iter()
        .filter(|r| imported.contains(&r.0))
        .filter_map(|r| r.2)
        .collect();
    positions.sort_unstable();
    assert!(
        positions.windows(2).all(|w| w[1] == w[0] + 1),
        "the imported rows wait together: {rows:?}"
    );
}

async fn parallel_draws_run_once(store: Store, _url: String) {
    use sha2::Digest;
    use skillhub_allocation::lottery::Commitment;
    let id = Arc::new(batch_session(&store, "t-draw-race", 2, at(11, 0)).await);
    let secret = "segreto del sorteggio conteso";
    let commitment = Commitment::parse(&format!(
        "sha256:{}",
        hex::encode(sha2::Sha256::digest(secret))
    ))
    .unwrap();
    store
        .commit_draw("admin", &id, &commitment, at(8, 0))
        .await
        .unwrap();
    for n in 0..6 {
        register_racing(&store, &id, n).await;
    }
    let draws = parallel(6, |_| {
        let (store, id) = (store.clone(), id.clone());
        async move { store.allocate("admin", &id, secret, at(12, 0)).await }
    })
    .await;
    let (done, refused): (Vec<_>, Vec<_>) = draws.into_iter().partition(Result::is_ok);
    assert_eq!(done.len(), 1, "exactly one draw runs: {refused:?}");
    for refusal in refused {
        assert!(
            matches!(refusal, Err(Error::AlreadyAllocated { .. })),
            "{refusal:?}"
        );
    }
    assert_counts(&store, &id, 2, 4).await;
}
