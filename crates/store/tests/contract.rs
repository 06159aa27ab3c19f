//! The store's contract, run against SQLite always and against PostgreSQL when `TEST_PG_URL` is
//! set (each test in its own fresh database, dropped afterwards). Without `TEST_PG_URL` the
//! PostgreSQL cases return at once and record why (`skillhub_testkit::postgres_url`: `cargo
//! xtask ci` counts them; with `CI` set they fail instead).
//!
//! Concurrency: the parallel cases (`fifty_parallel_registrations_for_one_seat`,
//! `eight_parallel_cancellations_promote_eight`, `contract/concurrency.rs`, and grants'
//! `parallel_*` in `contract/grants.rs` and `contract/grants_applications.rs`) run on both
//! backends like every case, but on SQLite they cannot catch a missing lock: the store's writer
//! pool holds one connection, so the tasks are served one transaction at a time before any
//! `BEGIN IMMEDIATE` is reached, and the outcome is right with or without the lock. Only the
//! PostgreSQL run (a pool of connections, each decision behind `SELECT … FOR UPDATE`) races for
//! real, which is why CI sets `TEST_PG_URL` and fails without it.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Defines one test per backend for each case `async fn(Store, url)` named, in the module where
/// it is used (which must see `sqlite` and `PgDatabase`). Defined before the submodules so that
/// they use it too.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let (store, url, _dir) = super::sqlite().await;
                    super::$name(store.clone(), url).await;
                    store.close().await;
                }
            )*
        }
        mod postgres_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some((store, url, db)) = super::PgDatabase::create().await else { return };
                    super::$name(store.clone(), url).await;
                    db.drop(store).await;
                }
            )*
        }
    };
}

#[path = "contract/attendance.rs"]
mod attendance;
#[path = "contract/completions.rs"]
mod completions;
#[path = "contract/concurrency.rs"]
mod concurrency;
#[path = "contract/example_program.rs"]
mod example_program;
#[path = "contract/exports.rs"]
mod exports;
#[path = "contract/grants.rs"]
mod grants;
#[path = "contract/grants_applications.rs"]
mod grants_applications;
#[path = "contract/grants_notices.rs"]
mod grants_notices;
#[path = "contract/grants_reports.rs"]
mod grants_reports;
#[path = "contract/holds.rs"]
mod holds;
#[path = "contract/imports.rs"]
mod imports;
#[path = "contract/links.rs"]
mod links;
#[path = "contract/outbox.rs"]
mod outbox;
#[path = "contract/people.rs"]
mod people;
#[path = "contract/programs.rs"]
mod programs;
#[path = "contract/settings.rs"]
mod settings;
#[path = "contract/staff.rs"]
mod staff;

use skillhub_notify::Canceller;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use skillhub_core::capacity::{Policy, SeatKind, Status, Tier};
use skillhub_core::ids::{ProgramId, SessionId};
use skillhub_core::person::Person;
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::tz::Zone;
use skillhub_store::Registered;
use skillhub_store::{
    DrawRefusal, Error, Idempotency, NewSession, OpenOptions, RegisterRequest, Seed, SessionFilter,
    Store, Timing,
};

/// A fresh SQLite database in a temporary directory.
async fn sqlite() -> (Store, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
    (store, url, dir)
}

/// A fresh PostgreSQL database on the server of `TEST_PG_URL`, or `None` (skipped, and recorded)
/// without it.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    async fn create() -> Option<(Store, String, PgDatabase)> {
        let admin_url = skillhub_testkit::postgres_url()?;
        let name = format!(
            "skillhub_test_{}",
            skillhub_store::new_token().get(..16).unwrap()
        );
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .expect("TEST_PG_URL connects");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let url = database_url(&admin_url, &name);
        let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
        Some((store, url, PgDatabase { admin_url, name }))
    }

    async fn drop(self, store: Store) {
        store.close().await;
        let admin = sqlx::PgPool::connect(&self.admin_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&admin)
        .await
        .unwrap();
        admin.close().await;
    }
}

/// `postgres://u@h:p/db?x` with the database replaced.
fn database_url(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let root = match base.rfind('/') {
        Some(i) if i > base.find("//").map_or(0, |j| j + 1) => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

contract!(
    a_new_database_holds_the_seed_programs,
    seats_run_out_then_the_waiting_list_grows,
    a_cancellation_promotes_the_head_and_positions_move_up,
    better_tiers_wait_ahead_fifo_within_a_tier,
    one_live_registration_per_email,
    email_identity_ignores_case,
    idempotency_keys_replay_or_refuse,
    fifty_parallel_registrations_for_one_seat,
    eight_parallel_cancellations_promote_eight,
    the_audit_log_is_append_only,
    tokens_are_checked_by_hash,
    sessions_page_in_start_order,
    online_seats_only_for_sessions_that_offer_them,
    sessions_are_created_all_or_nothing,
    reopening_never_seeds_twice,
    a_batch_session_waits_for_its_draw,
    a_cancellation_before_the_draw_only_leaves_the_pool,
    registration_keeps_to_its_window,
);

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 2, 1, h, m, 0).unwrap()
}

fn person(n: usize) -> Person {
    serde_json::from_value(serde_json::json!({
        "name": format!("Persona {n}"),
        "email": format!("persona{n}@example.it"),
    }))
    .unwrap()
}

/// Creates a Binario F session `id` with `seats` in-person seats (and `online` online ones:
/// hybrid).
async fn session_with(store: &Store, id: &str, seats: i64, online: i64) -> String {
    session_with_policy(store, id, seats, online, Policy::FirstCome).await
}

async fn session_with_policy(
    store: &Store,
    id: &str,
    seats: i64,
    online: i64,
    policy: Policy,
) -> String {
    let session = test_session(id, seats, online);
    let mut new = NewSession::open_until_start(session);
    new.policy = policy;
    store.create_session("admin", &new).await.unwrap();
    id.to_owned()
}

/// A batch session of `seats` in-person seats whose registration closes at `closes_at`.
async fn batch_session(store: &Store, id: &str, seats: i64, closes_at: DateTime<Utc>) -> String {
    let session = test_session(id, seats, 0);
    let window =
        skillhub_core::window::RegistrationWindow::new(None, Some(closes_at), session.starts_at())
            .unwrap();
    let new = NewSession {
        session,
        policy: Policy::Batch,
        window,
        commitment: None,
    };
    store.create_session("admin", &new).await.unwrap();
    id.to_owned()
}

fn test_session(id: &str, seats: i64, online: i64) -> Session {
    let mode = if online > 0 {
        Mode::Hybrid
    } else {
        Mode::InPerson
    };
    Session::new(SessionSpec {
        id: SessionId::parse(id).unwrap(),
        program: ProgramId::parse("binario-f").unwrap(),
        hub: Some("binario-f-roma-termini".parse().unwrap()),
        room: None,
        title: "Prova".into(),
        competences: vec![],
        level: None,
        mode,
        seats: skillhub_core::capacity::Seats::new(seats, online).unwrap(),
        trainers: vec![],
        date: chrono::NaiveDate::from_ymd_opt(2019, 6, 11).unwrap(),
        start: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(13, 30, 0).unwrap(),
        zone: Zone::rome(),
        ambiguity: Ambiguity::Refuse,
    })
    .unwrap()
}

fn request(session: &str, n: usize, tier: u8) -> RegisterRequest {
    RegisterRequest {
        session_id: session.parse().unwrap(),
        person: person(n),
        kind: None,
        tier: Tier::new(tier),
        actor: "public".into(),
        timing: Timing::InWindow,
        lang: skillhub_core::lang::Lang::It,
    }
}

/// Registers and returns `(id, status, position)`.
async fn register(store: &Store, session: &str, n: usize, tier: u8) -> (i64, String, Option<i64>) {
    let registered = store
        .register(&request(session, n, tier), None, at(9, 0))
        .await
        .unwrap();
    assert!(!registered.replayed, "no idempotency key was given");
    let r = registered.registration;
    // What register returns is what a read of it gives right after.
    assert_eq!(store.registration(r.id).await.unwrap().as_ref(), Some(&r));
    (
        r.id,
        r.status.name().to_owned(),
        r.position().map(i64::from),
    )
}

async fn statuses(store: &Store, session: &str) -> Vec<(String, String, Option<i64>)> {
    store
        .session_registrations(session)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let position = r.position().map(i64::from);
            (
                r.email.replace("@example.it", ""),
                r.status.name().to_owned(),
                position,
            )
        })
        .collect()
}

fn s(email: &str, status: &str, position: Option<i64>) -> (String, String, Option<i64>) {
    (email.to_owned(), status.to_owned(), position)
}

async fn a_new_database_holds_the_seed_programs(store: Store, _url: String) {
    let programs = store.programs().await.unwrap();
    let ids: Vec<&str> = programs.iter().map(|p| p.id().as_str()).collect();
    assert_eq!(
        ids,
        [
            "binario-f",
            "community-skill-hubs",
            "cooperazione-digitale",
            "leadership-circles",
            "milano-digitale",
            "she-means-business"
        ]
    );
    let filter = SessionFilter {
        program: Some("binario-f".into()),
        ..Default::default()
    };
    let sessions = store.sessions(&filter).await.unwrap();
    assert_eq!(sessions.len(), 15);
    assert_eq!(sessions[7].id.as_str(), "binario-f-2019-04-02");
    assert_eq!(
        sessions[7].starts_at,
        Utc.with_ymd_and_hms(2019, 4, 2, 7, 30, 0).unwrap()
    );
    assert_eq!(sessions[7].capacity(), 40);
}

async fn seats_run_out_then_the_waiting_list_grows(store: Store, _url: String) {
    let id = session_with(&store, "t-seats", 2, 0).await;
    assert_eq!(register(&store, &id, 1, 0).await.1, "confirmed");
    assert_eq!(register(&store, &id, 2, 0).await.1, "confirmed");
    let third = register(&store, &id, 3, 0).await;
    assert_eq!((third.1.as_str(), third.2), ("waitlisted", Some(1)));
    let fourth = register(&store, &id, 4, 0).await;
    assert_eq!((fourth.1.as_str(), fourth.2), ("waitlisted", Some(2)));
    let view = store.session(&id).await.unwrap().unwrap();
    assert_eq!(
        (view.confirmed(), view.waitlisted(), view.seats_left()),
        (2, 2, 0)
    );
}

async fn a_cancellation_promotes_the_head_and_positions_move_up(store: Store, _url: String) {
    let id = session_with(&store, "t-cancel", 1, 0).await;
    let (first, ..) = register(&store, &id, 1, 0).await;
    let (second, ..) = register(&store, &id, 2, 0).await;
    let (third, ..) = register(&store, &id, 3, 0).await;
    let done = store
        .cancel("admin", Canceller::Staff, first, at(10, 0))
        .await
        .unwrap();
    assert_eq!(done.registration.status, Status::Cancelled);
    assert_eq!(done.promoted, [second]);
    assert_eq!(
        statuses(&store, &id).await,
        [
            s("persona3", "waitlisted", Some(1)),
            s("persona1", "cancelled", None),
            s("persona2", "confirmed", None)
        ]
    );
    let again = store
        .cancel("admin", Canceller::Staff, first, at(10, 1))
        .await
        .unwrap_err();
    assert!(matches!(again, Error::Transition { .. }), "{again}");
    // A waiting person who leaves frees no seat: nobody is promoted.
    let left = store
        .cancel("admin", Canceller::Staff, third, at(10, 2))
        .await
        .unwrap();
    assert!(left.promoted.is_empty());
    let view = store.session(&id).await.unwrap().unwrap();
    assert_eq!((view.confirmed(), view.waitlisted()), (1, 0));
    let log = store
        .audit_log("registration", &second.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["registration.create", "registration.promote"]);
}

async fn better_tiers_wait_ahead_fifo_within_a_tier(store: Store, _url: String) {
    let id = session_with(&store, "t-tiers", 1, 0).await;
    register(&store, &id, 1, 1).await;
    assert_eq!(register(&store, &id, 2, 1).await.2, Some(1));
    assert_eq!(register(&store, &id, 3, 1).await.2, Some(2));
    // A professional (tier 0) arrives later but waits ahead of the public (tier 1).
    assert_eq!(register(&store, &id, 4, 0).await.2, Some(1));
    assert_eq!(register(&store, &id, 5, 0).await.2, Some(2));
    assert_eq!(
        statuses(&store, &id).await,
        [
            s("persona4", "waitlisted", Some(1)),
            s("persona5", "waitlisted", Some(2)),
            s("persona2", "waitlisted", Some(3)),
            s("persona3", "waitlisted", Some(4)),
            s("persona1", "confirmed", None),
        ]
    );
}

async fn one_live_registration_per_email(store: Store, _url: String) {
    let id = session_with(&store, "t-email", 5, 0).await;
    let (first, ..) = register(&store, &id, 1, 0).await;
    let err = store
        .register(&request(&id, 1, 0), None, at(9, 1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AlreadyRegistered { .. }), "{err}");
    store
        .cancel("registrant", Canceller::Person, first, at(9, 2))
        .await
        .unwrap();
    assert_eq!(register(&store, &id, 1, 0).await.1, "confirmed");
    let missing = store
        .register(&request("t-none", 1, 0), None, at(9, 3))
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::UnknownSession(_)), "{missing}");
    // A refused duplicate wrote nothing; a clock finer than the database's still reads back
    // equal.
    assert_eq!(store.session(&id).await.unwrap().unwrap().confirmed(), 1);
    let fine = at(9, 4) + chrono::Duration::nanoseconds(123_456_789);
    let Registered { registration, .. } = store
        .register(&request(&id, 2, 0), None, fine)
        .await
        .unwrap();
    assert_eq!(
        store.registration(registration.id).await.unwrap(),
        Some(registration)
    );
}

/// `Anna@Example.it`, `anna@example.it` and `ANNA@EXAMPLE.IT` are one person; the address is
/// kept as typed.
async fn email_identity_ignores_case(store: Store, _url: String) {
    let id = session_with(&store, "t-case", 5, 0).await;
    let as_typed = |email: &str| {
        let mut req = request(&id, 0, 0);
        req.person.email = skillhub_core::person::Email::parse(email).unwrap();
        req
    };
    let Registered { registration, .. } = store
        .register(&as_typed("Anna@Example.it"), None, at(9, 0))
        .await
        .unwrap();
    assert_eq!(registration.email, "Anna@example.it", "kept as typed");
    for variant in ["anna@example.it", "ANNA@EXAMPLE.IT", "aNNa@example.IT"] {
        let err = store
            .register(&as_typed(variant), None, at(9, 1))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::AlreadyRegistered { .. }),
            "{variant}: {err}"
        );
        assert!(!err.to_string().to_lowercase().contains("anna"), "{err}");
    }
    assert_eq!(store.session(&id).await.unwrap().unwrap().confirmed(), 1);
    let data = store
        .person_data(&skillhub_core::person::Email::parse("ANNA@example.it").unwrap())
        .await
        .unwrap();
    assert_eq!(data.registrations.len(), 1);
}

async fn idempotency_keys_replay_or_refuse(store: Store, _url: String) {
    let id = session_with(&store, "t-idem", 5, 0).await;
    let key = Idempotency {
        scope: "POST /x 127.0.0.1".into(),
        key: "k1".into(),
        request_hash: "h1".into(),
    };
    let first = store
        .register(&request(&id, 1, 0), Some(&key), at(9, 0))
        .await
        .unwrap();
    assert!(!first.replayed, "first is new");
    // The other registrations move nothing of the first's answer.
    register(&store, &id, 7, 0).await;
    let again = store
        .register(&request(&id, 1, 0), Some(&key), at(9, 5))
        .await
        .unwrap();
    assert!(again.replayed, "second is a replay");
    assert_eq!(again.registration, first.registration);
    assert_eq!(again.manage_token, first.manage_token);
    let other = Idempotency {
        request_hash: "h2".into(),
        ..key.clone()
    };
    let err = store
        .register(&request(&id, 2, 0), Some(&other), at(9, 6))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::IdempotencyMismatch(_)), "{err}");
    // After 24 hours the key is forgotten: the same request is a new registration (409: same email).
    let late = store
        .register(
            &request(&id, 1, 0),
            Some(&key),
            at(9, 0) + chrono::Duration::hours(25),
        )
        .await;
    assert!(
        matches!(late, Err(Error::AlreadyRegistered { .. })),
        "{late:?}"
    );
    // The stale key was forgotten when it was read (a refusal is its request's answer; the
    // batch around it commits), so nothing is left to purge.
    assert_eq!(
        store
            .purge_idempotency(at(9, 0) + chrono::Duration::hours(48))
            .await
            .unwrap(),
        0
    );
}

async fn fifty_parallel_registrations_for_one_seat(store: Store, _url: String) {
    let id = Arc::new(session_with(&store, "t-race", 1, 0).await);
    let results = parallel(50, |n| {
        let (store, id) = (store.clone(), id.clone());
        async move { register(&store, &id, n, 0).await }
    })
    .await;
    let confirmed = results.iter().filter(|r| r.1 == "confirmed").count();
    let mut positions: Vec<i64> = results.iter().filter_map(|r| r.2).collect();
    positions.sort_unstable();
    assert_eq!(confirmed, 1);
    assert_eq!(positions, (1..=49).collect::<Vec<_>>());
    let view = store.session(&id).await.unwrap().unwrap();
    assert_eq!((view.confirmed(), view.waitlisted()), (1, 49));
}

async fn eight_parallel_cancellations_promote_eight(store: Store, _url: String) {
    let id = session_with(&store, "t-cancels", 8, 0).await;
    let mut confirmed = Vec::new();
    for n in 0..8 {
        confirmed.push(register(&store, &id, n, 0).await.0);
    }
    for n in 8..20 {
        register(&store, &id, n, 0).await;
    }
    let confirmed = Arc::new(confirmed);
    let promoted = parallel(8, |i| {
        let (store, confirmed) = (store.clone(), confirmed.clone());
        async move {
            store
                .cancel("admin", Canceller::Staff, confirmed[i], at(11, 0))
                .await
                .unwrap()
                .promoted
        }
    })
    .await;
    let mut all: Vec<i64> = promoted.into_iter().flatten().collect();
    all.sort_unstable();
    assert_eq!(all.len(), 8, "each cancellation promotes exactly one");
    all.dedup();
    assert_eq!(all.len(), 8, "nobody is promoted twice");
    let rows = statuses(&store, &id).await;
    let waiting: Vec<Option<i64>> = rows
        .iter()
        .filter(|r| r.1 == "waitlisted")
        .map(|r| r.2)
        .collect();
    assert_eq!(waiting, [Some(1), Some(2), Some(3), Some(4)]);
    assert_eq!(rows.iter().filter(|r| r.1 == "confirmed").count(), 8);
    let view = store.session(&id).await.unwrap().unwrap();
    assert_eq!((view.confirmed(), view.waitlisted()), (8, 4));
}

async fn the_audit_log_is_append_only(store: Store, url: String) {
    let id = session_with(&store, "t-audit", 1, 0).await;
    let log = store.audit_log("session", &id).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].actor.as_str(), log[0].action.as_str()),
        ("admin", "session.create")
    );
    let tamper = "UPDATE audit_log SET actor = 'someone else'";
    let refused = if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query(tamper).execute(&pool).await.is_err()
    } else {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let refused = sqlx::query(tamper).execute(&pool).await.is_err();
        pool.close().await;
        refused
    };
    assert!(refused, "UPDATE audit_log must be refused");
}

async fn tokens_are_checked_by_hash(store: Store, _url: String) {
    let id = session_with(&store, "t-token", 1, 0).await;
    let Registered {
        registration,
        manage_token,
        ..
    } = store
        .register(&request(&id, 1, 0), None, at(9, 0))
        .await
        .unwrap();
    assert!(
        store
            .check_manage_token(registration.id, &manage_token)
            .await
            .unwrap()
    );
    assert!(
        !store
            .check_manage_token(registration.id, "nope")
            .await
            .unwrap()
    );
    assert!(
        !store
            .check_manage_token(registration.id + 1, &manage_token)
            .await
            .unwrap()
    );
    let operator = store
        .create_operator_token("binario-f", "segreteria")
        .await
        .unwrap();
    assert_eq!(
        store.operator_program(&operator).await.unwrap().as_deref(),
        Some("binario-f")
    );
    assert_eq!(store.operator_program(&manage_token).await.unwrap(), None);
    assert!(matches!(
        store.create_operator_token("nope", "x").await,
        Err(Error::UnknownProgram(_))
    ));
}

async fn sessions_page_in_start_order(store: Store, _url: String) {
    let mut seen = Vec::new();
    let mut filter = SessionFilter {
        program: Some("binario-f".into()),
        limit: Some(4),
        ..Default::default()
    };
    loop {
        let page = store.sessions(&filter).await.unwrap();
        let Some(last) = page.last() else { break };
        filter.after = Some((last.starts_at, last.id.to_string()));
        seen.extend(page.into_iter().map(|s| s.id));
    }
    assert_eq!(seen.len(), 15);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    let april = SessionFilter {
        from: Some(Utc.with_ymd_and_hms(2019, 4, 1, 0, 0, 0).unwrap()),
        to: Some(Utc.with_ymd_and_hms(2019, 5, 1, 0, 0, 0).unwrap()),
        ..Default::default()
    };
    let ids: Vec<String> = store
        .sessions(&april)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id.to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "binario-f-2019-04-02",
            "binario-f-2019-04-09",
            "binario-f-2019-04-16"
        ]
    );
    let hub = SessionFilter {
        hub: Some("municipio-1".into()),
        ..Default::default()
    };
    assert!(store.sessions(&hub).await.unwrap().is_empty());
}

async fn online_seats_only_for_sessions_that_offer_them(store: Store, _url: String) {
    let id = session_with(&store, "t-kinds", 1, 0).await;
    let mut online = request(&id, 1, 0);
    online.kind = Some(SeatKind::Online);
    let err = store.register(&online, None, at(9, 0)).await.unwrap_err();
    assert!(matches!(err, Error::NoSuchSeats { .. }), "{err}");
    let hybrid = session_with(&store, "t-hybrid", 1, 1).await;
    let mut a = request(&hybrid, 1, 0);
    a.kind = Some(SeatKind::Online);
    store.register(&a, None, at(9, 0)).await.unwrap();
    assert_eq!(
        register(&store, &hybrid, 2, 0).await.1,
        "confirmed",
        "in-person seats are separate"
    );
    let mut c = request(&hybrid, 3, 0);
    c.kind = Some(SeatKind::Online);
    let Registered { registration, .. } = store.register(&c, None, at(9, 0)).await.unwrap();
    assert_eq!(
        (registration.status.name(), registration.position()),
        ("waitlisted", Some(1))
    );
}

/// Runs `n` tasks at once and collects their results in task order.
async fn parallel<T, F, Fut>(n: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(task(i))).collect();
    let mut out = Vec::with_capacity(n);
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[test]
fn database_urls_get_their_name_replaced() {
    assert_eq!(
        database_url("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        database_url("postgres://u@h/test?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    let _ = Seed::Empty;
}

async fn sessions_are_created_all_or_nothing(store: Store, _url: String) {
    let program = store
        .program_with_sessions("binario-f")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(program.sessions().len(), 15);
    let first = program.sessions()[0].clone();
    assert_eq!(first.local_start().to_string(), "2019-02-12 09:30:00");
    // A new session, then one whose id exists: nothing of the batch is written.
    let err = store
        .create_sessions("cli", &[test_session("t-batch", 3, 0), first])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::DuplicateSession(ref id) if id == "binario-f-2019-02-12"),
        "{err}"
    );
    assert!(store.session("t-batch").await.unwrap().is_none());
    let created = store
        .create_sessions("cli", &[test_session("t-batch", 3, 0)])
        .await
        .unwrap();
    assert_eq!(created[0].capacity(), 3);
    let program = store
        .program_with_sessions("binario-f")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(program.sessions().len(), 16);
}

async fn reopening_never_seeds_twice(store: Store, url: String) {
    // Several processes may open a new PostgreSQL database at once: all of them open it, and the
    // seed programs are loaded once. (SQLite serves one process: opened again, not in parallel.)
    let opens: Vec<Store> = if url.starts_with("postgres") {
        let tasks = parallel(3, |_| {
            let url = url.clone();
            async move { Store::open(&url, &OpenOptions::default()).await.unwrap() }
        });
        tasks.await
    } else {
        vec![Store::open(&url, &OpenOptions::default()).await.unwrap()]
    };
    for other in opens {
        assert_eq!(other.programs().await.unwrap().len(), 6);
        other.close().await;
    }
    assert_eq!(store.programs().await.unwrap().len(), 6);
}

async fn a_batch_session_waits_for_its_draw(store: Store, _url: String) {
    use sha2::Digest;
    use skillhub_allocation::lottery::{self, Commitment};
    let id = batch_session(&store, "t-batch-draw", 2, at(11, 0)).await;
    // The organiser commits to a secret while registration is open (a hash published now).
    let secret = "frase segreta del sorteggio 2019";
    let hash = hex::encode(sha2::Sha256::digest(secret));
    let commitment = Commitment::parse(&format!("sha256:{hash}")).unwrap();
    let view = store
        .commit_draw("admin", &id, &commitment, at(8, 0))
        .await
        .unwrap();
    assert_eq!(view.draw_commitment, Some(format!("sha256:{hash}")));
    let again = store
        .commit_draw("admin", &id, &commitment, at(8, 1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            again,
            Error::Draw {
                refusal: DrawRefusal::AlreadyCommitted(_),
                ..
            }
        ),
        "{again}"
    );
    // Everyone waits for the draw, in tier order; professionals (tier 0) first.
    for (n, tier) in [(1, 1), (2, 1), (3, 0), (4, 1), (5, 0)] {
        assert_eq!(register(&store, &id, n, tier).await.1, "waitlisted");
    }
    // Not before registration closes (the pool is not final), not with another value.
    let early = store
        .allocate("admin", &id, secret, at(10, 59))
        .await
        .unwrap_err();
    assert!(
        matches!(
            early,
            Error::Draw {
                refusal: DrawRefusal::StillOpen(_),
                ..
            }
        ),
        "{early}"
    );
    let wrong = store
        .allocate("admin", &id, "un altro segreto", at(12, 0))
        .await
        .unwrap_err();
    assert!(
        matches!(
            wrong,
            Error::Draw {
                refusal: DrawRefusal::ValueRefused,
                ..
            }
        ),
        "{wrong}"
    );
    let first = store
        .allocate("admin", &id, secret, at(12, 0))
        .await
        .unwrap();
    assert_eq!(first.confirmed.len(), 2);
    assert_eq!(first.waitlisted.len(), 3);
    // Anyone holding the pool's ids and the public value recomputes the lottery's order.
    let mut pool: Vec<String> = first.lottery_order.iter().map(i64::to_string).collect();
    let order = pool.clone();
    pool.sort();
    assert!(lottery::verify(&pool, secret, &order), "{first:?}");
    // The two tier-0 applicants win the two seats whatever the lottery says; within a tier the
    // lottery's order holds.
    let rows = statuses(&store, &id).await;
    let confirmed: Vec<&str> = rows
        .iter()
        .filter(|r| r.1 == "confirmed")
        .map(|r| r.0.as_str())
        .collect();
    assert_eq!(confirmed.len(), 2);
    assert!(
        confirmed.contains(&"persona3") && confirmed.contains(&"persona5"),
        "{rows:?}"
    );
    let place = |id: i64| first.lottery_order.iter().position(|&x| x == id).unwrap();
    assert!(
        first
            .waitlisted
            .windows(2)
            .all(|w| place(w[0]) < place(w[1])),
        "{first:?}"
    );
    let positions: Vec<Option<i64>> = rows
        .iter()
        .filter(|r| r.1 == "waitlisted")
        .map(|r| r.2)
        .collect();
    assert_eq!(positions, [Some(1), Some(2), Some(3)]);
    let again = store
        .allocate("admin", &id, secret, at(12, 1))
        .await
        .unwrap_err();
    assert!(matches!(again, Error::AlreadyAllocated { .. }), "{again}");
    // The seed and the public value are in the session and the audit log.
    let session = store.session(&id).await.unwrap().unwrap();
    assert_eq!(session.lottery_seed.as_deref(), Some(first.seed.as_str()));
    assert_eq!(session.draw_public_value.as_deref(), Some(secret));
    let log = store.audit_log("session", &id).await.unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.action, "session.allocate");
    assert!(last.after.as_deref().unwrap().contains(&first.seed));
    // After the close only staff add someone, late on purpose: behind the list, and audited.
    let mut request = request(&id, 9, 1);
    let closed = store.register(&request, None, at(12, 2)).await.unwrap_err();
    assert!(
        matches!(closed, Error::RegistrationClosed { .. }),
        "{closed}"
    );
    request.timing = Timing::Late;
    let Registered { registration, .. } = store.register(&request, None, at(12, 2)).await.unwrap();
    assert_eq!(
        (registration.status.name(), registration.position()),
        ("waitlisted", Some(4))
    );
    let log = store
        .audit_log("registration", &registration.id.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(actions, ["registration.create", "registration.late"]);

    // Without a commitment recorded before the close, the draw never runs.
    let uncommitted = batch_session(&store, "t-batch-none", 1, at(11, 0)).await;
    register(&store, &uncommitted, 1, 1).await;
    let late = store
        .commit_draw("admin", &uncommitted, &commitment, at(11, 0))
        .await
        .unwrap_err();
    assert!(
        matches!(
            late,
            Error::Draw {
                refusal: DrawRefusal::TooLateToCommit,
                ..
            }
        ),
        "{late}"
    );
    let none = store
        .allocate("admin", &uncommitted, "17 42 5", at(12, 0))
        .await
        .unwrap_err();
    assert!(
        matches!(
            none,
            Error::Draw {
                refusal: DrawRefusal::NotCommitted,
                ..
            }
        ),
        "{none}"
    );
    // A first-come session has no draw.
    let plain = session_with(&store, "t-plain", 1, 0).await;
    assert!(matches!(
        store.allocate("admin", &plain, "x", at(12, 0)).await,
        Err(Error::NotBatch(_))
    ));
}

/// Before the draw nobody holds a seat, so a cancellation only leaves the pool: nobody is
/// promoted past the lottery.
async fn a_cancellation_before_the_draw_only_leaves_the_pool(store: Store, _url: String) {
    let id = batch_session(&store, "t-batch-cancel", 1, at(11, 0)).await;
    let (first, ..) = register(&store, &id, 1, 1).await;
    register(&store, &id, 2, 1).await;
    register(&store, &id, 3, 1).await;
    let cancelled = store
        .cancel("registrant", Canceller::Person, first, at(9, 30))
        .await
        .unwrap();
    assert!(cancelled.promoted.is_empty(), "{:?}", cancelled.promoted);
    assert_eq!(
        statuses(&store, &id).await,
        [
            s("persona2", "waitlisted", Some(1)),
            s("persona3", "waitlisted", Some(2)),
            s("persona1", "cancelled", None),
        ]
    );
    let session = store.session(&id).await.unwrap().unwrap();
    assert_eq!((session.confirmed(), session.waitlisted()), (0, 2));
}

/// Registration has a window: not before it opens, not after it closes, never once the session
/// has started.
async fn registration_keeps_to_its_window(store: Store, _url: String) {
    let session = test_session("t-window", 5, 0);
    let starts_at = session.starts_at();
    let window =
        skillhub_core::window::RegistrationWindow::new(Some(at(9, 0)), Some(at(18, 0)), starts_at)
            .unwrap();
    let mut new = NewSession::open_until_start(session);
    new.window = window;
    store.create_session("admin", &new).await.unwrap();
    let view = store.session("t-window").await.unwrap().unwrap();
    assert_eq!(view.window().unwrap(), window);
    let try_at = |when: DateTime<Utc>| {
        let store = store.clone();
        async move { store.register(&request("t-window", 1, 1), None, when).await }
    };
    let early = try_at(at(8, 59)).await.unwrap_err();
    assert!(matches!(early, Error::RegistrationClosed { .. }), "{early}");
    let late = try_at(at(18, 0)).await.unwrap_err();
    assert!(matches!(late, Error::RegistrationClosed { .. }), "{late}");
    assert!(try_at(at(9, 0)).await.is_ok());
    // A session open until its start takes nobody at or after the start.
    let open = session_with(&store, "t-started", 5, 0).await;
    let err = store
        .register(&request(&open, 2, 1), None, starts_at)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RegistrationClosed { .. }), "{err}");
}
