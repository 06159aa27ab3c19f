//! Benchmark of the progress route's cold path, the part the in-memory count
//! (`skillhub-progress`'s `progress/600k`) leaves out: reading a program's attendance facts from
//! the database (`Store::attendance`: one query joining registrations and sessions, then a fact
//! per attended registration) and counting them into the report, on the embedded SQLite.
//!
//! - `progress_route/attendance-10k`: the read alone, 10,000 attended registrations of
//!   Community Skill Hubs (10 sessions in Madrid, 1,000 people each).
//! - `progress_route/cold-10k`: the read and the report, what `GET /v1/programs/{id}/progress`
//!   costs when its cache is cold (without HTTP and JSON).
//! - `progress_route/cold-1m`: the same over 1,000,000 attended registrations (700,000 people,
//!   a third of them for an SME with its partita IVA, half online, over 97 sessions at the three
//!   hubs, written straight into the table: a million through the API would take minutes), with
//!   the sessions held and their hubs: the goal is under a second.
//!
//! Run: `CARGO_BUILD_JOBS=2 cargo bench -p skillhub-store --bench progress_route`.

// A benchmark's setup fails loudly: there is nothing to measure without it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use skillhub_core::capacity::{Presence, Seats, Tier};
use skillhub_core::person::Person;
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::tz::Zone;
use skillhub_progress::progress;
use skillhub_store::{NewSession, OpenOptions, RegisterRequest, Store, Timing};

const SESSIONS: u32 = 10;
const PEOPLE: u32 = 1_000;

fn session(n: u32) -> Session {
    Session::new(SessionSpec {
        id: format!("csh-madrid-bench-{n}").parse().unwrap(),
        program: "community-skill-hubs".parse().unwrap(),
        hub: Some("csh-espana".parse().unwrap()),
        room: None,
        title: "Competenze digitali".into(),
        competences: vec![],
        level: None,
        mode: Mode::InPerson,
        seats: Seats::new(i64::from(PEOPLE), 0).unwrap(),
        trainers: vec![],
        date: NaiveDate::from_ymd_opt(2019, 3, 1 + n).unwrap(),
        start: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        end: NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
        zone: Zone::parse("Europe/Madrid").unwrap(),
        ambiguity: Ambiguity::Refuse,
    })
    .unwrap()
}

fn person(n: u32) -> Person {
    serde_json::from_value(serde_json::json!({
        "name": format!("Persona {n}"),
        "email": format!("persona{n}@example.es"),
        "attributes": {"country": "ES"},
    }))
    .unwrap()
}

/// A store with `SESSIONS × PEOPLE` attended registrations.
async fn filled(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
    let mut requests = Vec::new();
    for s in 0..SESSIONS {
        let session = session(s);
        let id = session.id().clone();
        store
            .create_session("bench", &NewSession::open_until_start(session))
            .await
            .unwrap();
        for p in 0..PEOPLE {
            requests.push(RegisterRequest {
                session_id: id.clone(),
                // The same people come back: a person counts once per target.
                person: person((s * PEOPLE + p) % (SESSIONS * PEOPLE / 2)),
                kind: None,
                tier: Tier::FIRST,
                actor: "bench".into(),
                timing: Timing::Late,
                lang: skillhub_core::lang::Lang::It,
            });
        }
    }
    let at = Utc.with_ymd_and_hms(2019, 2, 1, 9, 0, 0).unwrap();
    let written = store.import_registrations(&requests, at).await.unwrap();
    for w in &written {
        store
            .record_presence("bench", w.registration.id, Presence::Attended, at)
            .await
            .unwrap();
    }
    store
}

/// Sessions of the million: 97 (the statement below names the number), at the three hubs in turn.
const MILLION_SESSIONS: u32 = 97;

/// A store with 1,000,000 attended registrations, written by one SQL statement.
async fn million(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}", dir.path().join("million.db").display());
    let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
    let hubs = [
        ("csh-italia", "Europe/Rome"),
        ("csh-espana", "Europe/Madrid"),
        ("csh-polska", "Europe/Warsaw"),
    ];
    for n in 0..MILLION_SESSIONS {
        let (hub, zone) = hubs[(n % 3) as usize];
        let session = Session::new(SessionSpec {
            id: format!("csh-million-{n}").parse().unwrap(),
            program: "community-skill-hubs".parse().unwrap(),
            hub: Some(hub.parse().unwrap()),
            room: None,
            title: "Competenze digitali".into(),
            competences: vec![],
            level: None,
            mode: Mode::Hybrid,
            seats: Seats::new(20_000, 20_000).unwrap(),
            trainers: vec![],
            date: NaiveDate::from_ymd_opt(2019, 1, 1).unwrap()
                + chrono::Days::new(u64::from(n) * 3),
            start: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            end: NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
            zone: Zone::parse(zone).unwrap(),
            ambiguity: Ambiguity::Refuse,
        })
        .unwrap();
        store
            .create_session("bench", &NewSession::open_until_start(session))
            .await
            .unwrap();
    }
    let path = dir.path().join("million.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
    let mut conn = sqlx::ConnectOptions::connect(&options).await.unwrap();
    // Person i % 700,000 at session i % 97: never twice at one session (97 does not divide
    // 700,000). A third declare an SME with one of three partite IVA; half came online.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999) \
         INSERT INTO registrations (session_id, email, name, attributes, kind, tier, sequence, \
           status, manage_token_hash, created_at, updated_at, email_key) \
         SELECT 'csh-million-' || (i % 97), 'persona' || (i % 700000) || '@example.org', \
           'Persona', CASE i % 3 \
             WHEN 0 THEN '{\"gender\":\"female\",\"birth_date\":\"1980-05-01\",\"organisation_type\":\"sme\",\"organisation_code\":\"' || \
               CASE i % 9 WHEN 0 THEN '01234567897' WHEN 3 THEN '97123450013' ELSE '12345678903' END || '\"}' \
             WHEN 1 THEN '{\"gender\":\"male\",\"region\":\"lazio\"}' \
             ELSE '{}' END, \
           CASE i % 2 WHEN 0 THEN 'in_person' ELSE 'online' END, 0, i, 'attended', \
           'bench-' || i, '2019-01-01T00:00:00Z', '2019-01-01T00:00:00Z', \
           'persona' || (i % 700000) || '@example.org' \
         FROM n",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    store
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = runtime.block_on(filled(&dir));
    let program = runtime
        .block_on(store.program("community-skill-hubs"))
        .unwrap()
        .unwrap();
    let today = NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
    let facts = runtime.block_on(store.attendance(&program)).unwrap();
    assert!(facts.len() >= (SESSIONS * PEOPLE) as usize);

    let mut group = c.benchmark_group("progress_route");
    group.sample_size(20);
    group.bench_function("attendance-10k", |b| {
        b.iter(|| black_box(runtime.block_on(store.attendance(&program)).unwrap()));
    });
    group.bench_function("cold-10k", |b| {
        b.iter(|| {
            let facts = runtime.block_on(store.attendance(&program)).unwrap();
            black_box(progress(&program, &facts, today))
        });
    });
    drop(store);

    let dir = tempfile::tempdir().unwrap();
    let store = runtime.block_on(million(&dir));
    let facts = runtime.block_on(store.attendance(&program)).unwrap();
    assert!(facts.len() >= 1_000_000, "{}", facts.len());
    group.sample_size(10);
    group.bench_function("cold-1m", |b| {
        b.iter(|| {
            let facts = runtime.block_on(store.attendance(&program)).unwrap();
            black_box(progress(&program, &facts, today))
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
