//! The example program of `fixtures/programs/examples/` (a foundation's own, not a seed) taken
//! end to end, as a foundation starting on skillhub would: loaded beside the seeds, a session
//! at one of its hubs, a registration judged by its rules, presence recorded, and its targets
//! counting the person.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use skillhub_core::capacity::{Presence, Seats, Status, Tier};
use skillhub_core::fixture::{Catalog, parse_program};
use skillhub_core::ids::{ProgramId, SessionId};
use skillhub_core::lang::Lang;
use skillhub_core::person::Person;
use skillhub_core::program::Unit;
use skillhub_core::program::Verdict;
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_store::{NewSession, RegisterRequest, Store, Timing};

use super::{PgDatabase, sqlite};

contract!(the_example_program_goes_from_file_to_progress);

const EXAMPLE: &str = include_str!("../../../../fixtures/programs/examples/portici-digitali.toml");

fn person(name: &str, email: &str, attributes: serde_json::Value) -> Person {
    serde_json::from_value(serde_json::json!({
        "name": name, "email": email, "attributes": attributes,
    }))
    .unwrap()
}

async fn the_example_program_goes_from_file_to_progress(store: Store, _url: String) {
    // Loaded beside the six seeds, and read back as it was written.
    let parsed = parse_program(EXAMPLE).unwrap();
    let catalog = Catalog::parse([("portici-digitali.toml", EXAMPLE)]).unwrap();
    store.load_programs(&catalog, &[EXAMPLE]).await.unwrap();
    assert_eq!(store.programs().await.unwrap().len(), 7);
    let program = store.program("portici-digitali").await.unwrap().unwrap();
    assert_eq!(program, parsed);
    let hub = program
        .hubs()
        .iter()
        .find(|h| h.id.as_str() == "portici-bolognina")
        .unwrap();
    let room = &hub.rooms[0];
    assert_eq!(room.capacity, 14);

    // A session at the hub, in its room, as staff create one.
    let session = Session::new(SessionSpec {
        id: SessionId::parse("portici-bolognina-2026-03-10-1000").unwrap(),
        program: ProgramId::parse("portici-digitali").unwrap(),
        hub: Some(hub.id.clone()),
        room: Some(room.id.clone()),
        title: "Il mio primo smartphone".into(),
        competences: vec![],
        level: None,
        mode: Mode::InPerson,
        seats: Seats::new(i64::from(room.capacity), 0).unwrap(),
        trainers: vec![],
        date: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
        start: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        zone: hub.zone,
        ambiguity: Ambiguity::Refuse,
    })
    .unwrap();
    let created = store
        .create_session("admin", &NewSession::open_until_start(session.clone()))
        .await
        .unwrap();
    assert_eq!(created.capacity(), 14);

    // Its rules judge: someone from Milan may not; a Bolognese of 70 may, first in line.
    let judge = |p: &Person| {
        program
            .judge(&p.attributes, &session.zone(), session.starts_at())
            .unwrap()
    };
    let milanese = person(
        "Paolo Colombo",
        "paolo.colombo@example.org",
        serde_json::json!({"region": "lombardia", "birth_date": "1950-05-01"}),
    );
    assert!(matches!(judge(&milanese), Verdict::Refused(_)));
    let anna = person(
        "Anna Ricci",
        "anna.ricci@example.org",
        serde_json::json!({"region": "emilia-romagna", "birth_date": "1955-05-01"}),
    );
    assert_eq!(judge(&anna), Verdict::Admitted(Tier::FIRST));
    let registered = store
        .register(
            &RegisterRequest {
                session_id: session.id().clone(),
                person: anna,
                kind: None,
                tier: Tier::FIRST,
                actor: "public".into(),
                timing: Timing::InWindow,
                lang: Lang::It,
            },
            None,
            Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
        )
        .await
        .unwrap()
        .registration;
    assert_eq!(registered.status, Status::Confirmed);

    // She came; the program's targets count her, in person and not online.
    store
        .record_presence(
            "admin",
            registered.id,
            Presence::Attended,
            Utc.with_ymd_and_hms(2026, 3, 10, 9, 5, 0).unwrap(),
        )
        .await
        .unwrap();
    let facts = store.attendance(&program).await.unwrap();
    // Her presence, and the session held at its hub.
    let units: Vec<Unit> = facts.iter().map(|f| f.unit).collect();
    assert_eq!(units, [Unit::People, Unit::Sessions, Unit::Circles]);
    let report = skillhub_progress::progress(
        &program,
        &facts,
        NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
    );
    let done: Vec<(&str, u64, u64)> = report
        .targets
        .iter()
        .map(|t| (t.id.as_str(), t.done, t.goal))
        .collect();
    assert_eq!(
        done,
        [
            ("persone-formate", 1, 900),
            ("persone-formate-in-sede", 1, 700),
            ("persone-formate-online", 0, 200),
        ]
    );
}
