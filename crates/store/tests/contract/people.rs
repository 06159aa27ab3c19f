//! GDPR: everything held about an e-mail, and erasure that anonymises registrations in one
//! transaction while seat counts, waiting order and the audit log stay (without personal data).

use skillhub_core::capacity::Status;
use skillhub_core::person::{Email, Person};
use skillhub_notify::Canceller;
use skillhub_store::{ERASED_DOMAIN, Idempotency, Store};

use super::{PgDatabase, at, database_url, request, session_with, sqlite, statuses};

contract!(
    person_data_holds_every_registration_of_the_address,
    erasure_anonymises_and_keeps_counts_order_and_audit,
    erasing_an_unknown_address_does_nothing,
    erasure_forgets_stored_responses_that_quote_the_address,
    a_registrations_data_and_erasure_reach_it_alone,
);

/// Anna, with attributes the audit must never see.
fn anna(email: &str) -> Person {
    serde_json::from_value(serde_json::json!({
        "name": "Anna Rossi",
        "email": email,
        "attributes": {"gender": "female", "country": "IT", "region": "lazio"},
    }))
    .unwrap()
}

/// Registers `person` and returns `(id, status, position, manage token)`.
async fn enrol(store: &Store, session: &str, person: Person) -> (i64, String, Option<i64>, String) {
    let mut req = request(session, 0, 1);
    req.person = person;
    let registered = store.register(&req, None, at(9, 0)).await.unwrap();
    assert!(!registered.replayed, "no idempotency key was given");
    let r = registered.registration;
    (
        r.id,
        r.status.name().to_owned(),
        r.position().map(i64::from),
        registered.manage_token,
    )
}

fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

async fn person_data_holds_every_registration_of_the_address(store: Store, _url: String) {
    let one = session_with(&store, "p-one", 1, 0).await;
    let two = session_with(&store, "p-two", 5, 0).await;
    let (first, ..) = enrol(&store, &one, anna("anna@example.it")).await;
    let (second, ..) = enrol(&store, &two, anna("Anna@Example.IT")).await;
    enrol(&store, &one, person_n(7)).await;
    store
        .cancel("registrant", Canceller::Person, second, at(10, 0))
        .await
        .unwrap();

    let data = store.person_data(&email("anna@example.it")).await.unwrap();
    let ids: Vec<i64> = data.registrations.iter().map(|r| r.id).collect();
    assert_eq!(ids, [first, second], "both addresses, whatever their case");
    assert_eq!(data.registrations[0].name, "Anna Rossi");
    assert_eq!(data.registrations[0].session_title, "Prova");
    assert_eq!(data.registrations[0].attributes["region"], "lazio");
    assert_eq!(data.registrations[1].status, Status::Cancelled);
    let actions: Vec<&str> = data.audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "registration.create",
            "registration.create",
            "registration.cancel"
        ]
    );
    // The audit names registrations by id only.
    for line in &data.audit {
        let text = format!("{:?} {:?}", line.before, line.after);
        for personal in ["anna", "Anna", "Rossi", "lazio", "female"] {
            assert!(!text.contains(personal), "{personal} in the audit: {text}");
        }
    }
    let nobody = store
        .person_data(&email("nobody@example.it"))
        .await
        .unwrap();
    assert!(nobody.registrations.is_empty() && nobody.audit.is_empty());
}

fn person_n(n: usize) -> Person {
    serde_json::from_value(serde_json::json!({
        "name": format!("Persona {n}"),
        "email": format!("persona{n}@example.it"),
    }))
    .unwrap()
}

async fn erasure_anonymises_and_keeps_counts_order_and_audit(store: Store, _url: String) {
    let id = session_with(&store, "p-erase", 1, 0).await;
    enrol(&store, &id, person_n(1)).await;
    let (anna_id, status, position, token) = enrol(&store, &id, anna("anna@example.it")).await;
    assert_eq!((status.as_str(), position), ("waitlisted", Some(1)));
    enrol(&store, &id, person_n(3)).await;
    let before = store.session(&id).await.unwrap().unwrap();
    let log_before = store
        .audit_log("registration", &anna_id.to_string())
        .await
        .unwrap();

    let erasure = store
        .erase_person("cli", &email("ANNA@example.it"), at(11, 0))
        .await
        .unwrap();
    assert_eq!(erasure.registrations, [anna_id]);

    let after = store.session(&id).await.unwrap().unwrap();
    assert_eq!(
        (after.confirmed(), after.waitlisted()),
        (before.confirmed(), before.waitlisted())
    );
    let erased_email = format!("erased-{anna_id}@{ERASED_DOMAIN}");
    assert_eq!(
        statuses(&store, &id).await,
        [
            (erased_email.clone(), "waitlisted".to_owned(), Some(1)),
            ("persona3".to_owned(), "waitlisted".to_owned(), Some(2)),
            ("persona1".to_owned(), "confirmed".to_owned(), None),
        ]
    );
    let view = store.registration(anna_id).await.unwrap().unwrap();
    assert_eq!((view.name.as_str(), view.attributes.as_str()), ("", "{}"));
    assert!(!store.check_manage_token(anna_id, &token).await.unwrap());
    assert!(
        store
            .person_data(&email("anna@example.it"))
            .await
            .unwrap()
            .registrations
            .is_empty()
    );
    // The log is kept and grows by the erasure, still without personal data.
    let log = store
        .audit_log("registration", &anna_id.to_string())
        .await
        .unwrap();
    assert_eq!(log[..log_before.len()], log_before[..]);
    assert_eq!(log.last().unwrap().action, "registration.erase");
    for line in &log {
        let text = format!("{:?} {:?}", line.before, line.after);
        assert!(!text.contains("anna") && !text.contains("Rossi"), "{text}");
    }
    // The seat logic goes on as before: a cancellation promotes the erased registration.
    let first = store.session_registrations(&id).await.unwrap();
    let confirmed = first
        .iter()
        .find(|r| r.status == Status::Confirmed)
        .unwrap()
        .id;
    let cancelled = store
        .cancel("admin", Canceller::Staff, confirmed, at(12, 0))
        .await
        .unwrap();
    assert_eq!(cancelled.promoted, [anna_id]);
}

async fn erasing_an_unknown_address_does_nothing(store: Store, _url: String) {
    let id = session_with(&store, "p-none", 2, 0).await;
    enrol(&store, &id, person_n(1)).await;
    let erasure = store
        .erase_person("cli", &email("nobody@example.it"), at(11, 0))
        .await
        .unwrap();
    assert!(erasure.registrations.is_empty());
    assert_eq!(
        statuses(&store, &id).await,
        [("persona1".to_owned(), "confirmed".to_owned(), None)]
    );
}

/// An audit line as version 2 of the schema wrote it: the whole registration, e-mail included.
const LEGACY_AFTER: &str = r#"{"id":1,"session_id":"s","email":"anna@example.it","name":"Anna Rossi","attributes":"{\"gender\":\"female\"}","kind":"in_person","tier":1,"status":"confirmed","position":null,"created_at":"2019-02-01T09:00:00Z","updated_at":"2019-02-01T09:00:00Z"}"#;

const INSERT_LEGACY: &str = "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) \
     VALUES ($1, 'public', 'registration.create', 'registration', '1', $2, $3)";

/// The audit lines of registration 1 after migration 0003 keep everything but the person.
async fn assert_scrubbed(store: &Store) {
    let log = store.audit_log("registration", "1").await.unwrap();
    assert_eq!(log.len(), 2);
    for line in &log {
        let after: serde_json::Value =
            serde_json::from_str(line.after.as_deref().unwrap()).unwrap();
        assert_eq!(after["status"], "confirmed");
        assert_eq!(after["session_id"], "s");
        for gone in ["email", "name", "attributes"] {
            assert!(after.get(gone).is_none(), "{gone} left in {after}");
        }
    }
    let before: serde_json::Value =
        serde_json::from_str(log[1].before.as_deref().unwrap()).unwrap();
    assert!(before.get("email").is_none() && before["tier"] == 1);
}

fn migrations(backend: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
}

/// A new SQLite database in `dir` migrated up to `version` only: its URL and a pool on it.
async fn sqlite_migrated_to(dir: &std::path::Path, version: i64) -> (String, sqlx::SqlitePool) {
    let url = format!("sqlite://{}?mode=rwc", dir.join("old.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let migrator = sqlx::migrate::Migrator::new(migrations("sqlite"))
        .await
        .unwrap();
    migrator.run_to(version, &pool).await.unwrap();
    (url, pool)
}

/// A new PostgreSQL database migrated up to `version` only (its URL, a pool on it, and the
/// database to drop), or `None` (skipped) without `TEST_PG_URL`.
async fn postgres_migrated_to(version: i64) -> Option<(String, sqlx::PgPool, PgDatabase)> {
    let admin_url = skillhub_testkit::postgres_url()?;
    let name = format!(
        "skillhub_test_{}",
        skillhub_store::new_token().get(..16).unwrap()
    );
    let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let url = database_url(&admin_url, &name);
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let migrator = sqlx::migrate::Migrator::new(migrations("postgres"))
        .await
        .unwrap();
    migrator.run_to(version, &pool).await.unwrap();
    Some((url, pool, PgDatabase { admin_url, name }))
}

#[tokio::test]
async fn migration_0003_scrubs_old_audit_lines_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (url, pool) = sqlite_migrated_to(dir.path(), 2).await;
    for before in [None, Some(LEGACY_AFTER)] {
        sqlx::query(INSERT_LEGACY)
            .bind(at(9, 0))
            .bind(before)
            .bind(LEGACY_AFTER)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let store = Store::open(&url, &skillhub_store::OpenOptions::default())
        .await
        .unwrap();
    assert_scrubbed(&store).await;
    // The log is append-only again afterwards.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let refused = sqlx::query("UPDATE audit_log SET actor = 'x'")
        .execute(&pool)
        .await
        .is_err();
    pool.close().await;
    assert!(
        refused,
        "UPDATE audit_log must be refused after the migration"
    );
    store.close().await;
}

#[tokio::test]
async fn migration_0003_scrubs_old_audit_lines_on_postgres() {
    let Some((url, pool, db)) = postgres_migrated_to(2).await else {
        return;
    };
    for before in [None, Some(LEGACY_AFTER)] {
        sqlx::query(INSERT_LEGACY)
            .bind(at(9, 0))
            .bind(before)
            .bind(LEGACY_AFTER)
            .execute(&pool)
            .await
            .unwrap();
    }
    let store = Store::open(&url, &skillhub_store::OpenOptions::default())
        .await
        .unwrap();
    assert_scrubbed(&store).await;
    let refused = sqlx::query("UPDATE audit_log SET actor = 'x'")
        .execute(&pool)
        .await
        .is_err();
    assert!(
        refused,
        "UPDATE audit_log must be refused after the migration"
    );
    pool.close().await;
    db.drop(store).await;
}

async fn erasure_forgets_stored_responses_that_quote_the_address(store: Store, _url: String) {
    let id = session_with(&store, "p-replay", 5, 0).await;
    let key = |n: &str| Idempotency {
        scope: "POST /v1/sessions/p-replay/registrations 127.0.0.1".into(),
        key: n.into(),
        request_hash: "h".into(),
    };
    // The store remembers the registration as it was made, e-mail included.
    let mut anna_request = request(&id, 0, 1);
    anna_request.person = anna("Anna_R@example.it");
    let mut other = request(&id, 1, 1);
    other.person = person_n(1);
    for (req, k) in [(&anna_request, "k-anna"), (&other, "k-other")] {
        let first = store.register(req, Some(&key(k)), at(9, 0)).await.unwrap();
        assert!(!first.replayed);
    }
    // A look-alike address (`_` is a LIKE wildcard) must not be touched.
    store
        .erase_person("cli", &email("annaxr@example.it"), at(10, 0))
        .await
        .unwrap();
    let replayed = store
        .register(&anna_request, Some(&key("k-anna")), at(10, 1))
        .await
        .unwrap();
    assert!(replayed.replayed, "{replayed:?}");

    store
        .erase_person("cli", &email("anna_r@example.it"), at(11, 0))
        .await
        .unwrap();
    // Anna's stored response is gone (the same key now makes a new registration); the other
    // person's is kept.
    let again = store
        .register(&anna_request, Some(&key("k-anna")), at(11, 1))
        .await
        .unwrap();
    assert!(!again.replayed, "{again:?}");
    let kept = store
        .register(&other, Some(&key("k-other")), at(11, 2))
        .await
        .unwrap();
    assert!(kept.replayed, "{kept:?}");
}

/// What a manage link reaches: one registration, never the others of the same address.
async fn a_registrations_data_and_erasure_reach_it_alone(store: Store, _url: String) {
    let one = session_with(&store, "p-alone", 1, 0).await;
    let two = session_with(&store, "p-other", 5, 0).await;
    let (first, ..) = enrol(&store, &one, anna("anna@example.it")).await;
    let (second, _, _, second_token) = enrol(&store, &two, anna("anna@example.it")).await;
    let (waiting, status, ..) = enrol(&store, &one, person_n(2)).await;
    assert_eq!(status, "waitlisted");

    let data = store.registration_data(first).await.unwrap().unwrap();
    assert_eq!(data.registration.id, first);
    assert_eq!(data.registration.session_id.as_str(), one);
    assert_eq!(data.registration.session_title, "Prova");
    assert_eq!(data.registration.attributes["region"], "lazio");
    let lines: Vec<(&str, &str)> = data
        .audit
        .iter()
        .map(|e| (e.action.as_str(), e.entity_id.as_str()))
        .collect();
    assert_eq!(lines, [("registration.create", first.to_string().as_str())]);
    assert_eq!(
        data.audit,
        store
            .audit_log("registration", &first.to_string())
            .await
            .unwrap(),
        "the joined lines are the log's"
    );
    assert!(store.registration_data(999_999).await.unwrap().is_none());

    let erasure = store
        .erase_registration(&format!("registrant:{first}"), first, at(11, 0))
        .await
        .unwrap();
    assert_eq!(erasure.registrations, [first]);
    // A live registration is cancelled before it is erased, so its seat goes on.
    let view = store.registration(first).await.unwrap().unwrap();
    assert_eq!(view.status, Status::Cancelled);
    assert_eq!(view.email, format!("erased-{first}@{ERASED_DOMAIN}"));
    assert_eq!(
        store.registration(waiting).await.unwrap().unwrap().status,
        Status::Confirmed
    );
    // The address's other registration, and its link, are untouched.
    let other = store.registration(second).await.unwrap().unwrap();
    assert_eq!(
        (other.email.as_str(), other.name.as_str()),
        ("anna@example.it", "Anna Rossi")
    );
    assert!(
        store
            .check_manage_token(second, &second_token)
            .await
            .unwrap()
    );
    let actions: Vec<String> = store
        .registration_data(first)
        .await
        .unwrap()
        .unwrap()
        .audit
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "registration.create",
            "registration.cancel",
            "registration.erase"
        ]
    );
}

/// A session and three registrations as schema 5 held them: two live ones whose addresses
/// differ only in case, and a cancelled third variant.
const LEGACY_REGISTRATIONS: [&str; 3] = [
    "INSERT INTO programs (id, name, definition, loaded_at) VALUES ('p', 'P', '', $1)",
    "INSERT INTO sessions (id, program_id, title, starts_at, ends_at, zone, mode, \
     seats_in_person, seats_online, seated_in_person, next_sequence) \
     VALUES ('s', 'p', 'S', $1, $1, 'Europe/Rome', 'in_person', 5, 0, 2, 4)",
    "INSERT INTO registrations (session_id, email, name, attributes, kind, tier, sequence, status, \
     manage_token_hash, created_at, updated_at) VALUES \
     ('s', 'Anna@example.it', 'Anna', '{}', 'in_person', 1, 1, 'confirmed', 'h1', $1, $1), \
     ('s', 'anna@example.it', 'Anna', '{}', 'in_person', 1, 2, 'confirmed', 'h2', $1, $1), \
     ('s', 'ANNA@example.it', 'Anna', '{}', 'in_person', 1, 3, 'cancelled', 'h3', $1, $1)",
];

/// After migration 0006 every registration is still there, the later live duplicate is
/// reported, the person's data holds all three, and a fourth spelling is refused.
async fn assert_collisions_reported(store: &Store) {
    let collisions = store.email_collisions().await.unwrap();
    assert_eq!(
        collisions,
        [skillhub_store::EmailCollision {
            registration_id: 2,
            session_id: "s".into(),
            kept_id: 1
        }]
    );
    let data = store.person_data(&email("ANNA@EXAMPLE.IT")).await.unwrap();
    let ids: Vec<i64> = data.registrations.iter().map(|r| r.id).collect();
    assert_eq!(ids, [1, 2, 3], "nothing lost");
    assert_eq!(
        data.registrations[0].email, "Anna@example.it",
        "kept as typed"
    );
    let mut again = super::request("s", 0, 1);
    again.person = anna("aNNa@Example.it");
    let err = store.register(&again, None, at(8, 0)).await.unwrap_err();
    assert!(
        matches!(err, skillhub_store::Error::AlreadyRegistered { .. }),
        "{err}"
    );
    // Erasing the person erases all three, and the collision record that kept their key.
    let erasure = store
        .erase_person("cli", &email("anna@example.it"), at(12, 0))
        .await
        .unwrap();
    assert_eq!(erasure.registrations, [1, 2, 3]);
    assert!(store.email_collisions().await.unwrap().is_empty());
    assert!(
        store
            .person_data(&email("anna@example.it"))
            .await
            .unwrap()
            .registrations
            .is_empty()
    );
}

#[tokio::test]
async fn migration_0006_keeps_and_reports_addresses_that_now_collide_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (url, pool) = sqlite_migrated_to(dir.path(), 5).await;
    for sql in LEGACY_REGISTRATIONS {
        sqlx::query(sql)
            .bind(at(9, 0))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let store = Store::open(&url, &skillhub_store::OpenOptions::default())
        .await
        .unwrap();
    assert_collisions_reported(&store).await;
    store.close().await;
}

#[tokio::test]
async fn migration_0006_keeps_and_reports_addresses_that_now_collide_on_postgres() {
    let Some((url, pool, db)) = postgres_migrated_to(5).await else {
        return;
    };
    for sql in LEGACY_REGISTRATIONS {
        sqlx::query(sql)
            .bind(at(9, 0))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let store = Store::open(&url, &skillhub_store::OpenOptions::default())
        .await
        .unwrap();
    assert_collisions_reported(&store).await;
    db.drop(store).await;
}
