//! A program's registrations read at once: every session of the program (of one hub when asked)
//! in start order, each with exactly what `session_registrations` lists for it, waiting
//! positions included; nothing of another program or hub.

use chrono::NaiveDate;
use skillhub_core::capacity::Seats;
use skillhub_core::ids::{HubId, ProgramId, SessionId};
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::tz::Zone;
use skillhub_notify::Canceller;
use skillhub_store::{NewSession, Store};

use super::{PgDatabase, at, register, session_with, sqlite};

contract!(
    a_programs_registrations_are_its_sessions_lists_in_one_read,
    an_operators_hub_limits_the_programs_registrations,
);

/// A #milanodigitale session `id` at `hub` on `day` of June 2019, with `seats` in-person seats.
async fn milano_session(store: &Store, id: &str, hub: &str, day: u32, seats: i64) -> String {
    let session = Session::new(SessionSpec {
        id: SessionId::parse(id).unwrap(),
        program: ProgramId::parse("milano-digitale").unwrap(),
        hub: Some(HubId::parse(hub).unwrap()),
        room: None,
        title: format!("Laboratorio {id}"),
        competences: vec![],
        level: None,
        mode: Mode::InPerson,
        seats: Seats::new(seats, 0).unwrap(),
        trainers: vec![],
        date: NaiveDate::from_ymd_opt(2019, 6, day).unwrap(),
        start: chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
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

fn program(id: &str) -> ProgramId {
    ProgramId::parse(id).unwrap()
}

/// The session ids of a read, in its order.
fn ids(read: &[skillhub_store::SessionRegistrations]) -> Vec<&str> {
    read.iter().map(|s| s.session.id.as_str()).collect()
}

async fn a_programs_registrations_are_its_sessions_lists_in_one_read(store: Store, _url: String) {
    // Created out of start order: the read is in start order.
    let late = milano_session(&store, "giugno-20", "municipio-1", 20, 1).await;
    let early = milano_session(&store, "giugno-10", "municipio-2", 10, 1).await;
    let empty = milano_session(&store, "giugno-15", "municipio-1", 15, 5).await;
    // Another program's session, with a registration: never listed.
    let other = session_with(&store, "binario", 1, 0).await;
    register(&store, &other, 9, 0).await;
    // One seat at each: a confirmed seat, then a waiting list in tier order, FIFO within one.
    let (first, _, _) = register(&store, &late, 1, 1).await;
    register(&store, &late, 2, 1).await;
    register(&store, &late, 3, 0).await;
    register(&store, &late, 4, 1).await;
    register(&store, &early, 5, 0).await;
    register(&store, &early, 6, 0).await;
    // A cancellation promotes the head; the cancelled one is still listed.
    store
        .cancel("admin", Canceller::Staff, first, at(10, 0))
        .await
        .unwrap();

    let read = store
        .program_registrations(&program("milano-digitale"), None)
        .await
        .unwrap();
    assert_eq!(ids(&read), [early.as_str(), empty.as_str(), late.as_str()]);
    // Each session's list is exactly what the session's own read gives, positions included.
    for listed in &read {
        let own = store
            .session_registrations(listed.session.id.as_str())
            .await
            .unwrap();
        assert_eq!(listed.registrations, own, "{}", listed.session.id);
        assert_eq!(
            Some(&listed.session),
            store
                .session(listed.session.id.as_str())
                .await
                .unwrap()
                .as_ref()
        );
    }
    let late_list: Vec<(String, &str, Option<u32>)> = read[2]
        .registrations
        .iter()
        .map(|r| {
            (
                r.email.replace("@example.it", ""),
                r.status.name(),
                r.position(),
            )
        })
        .collect();
    assert_eq!(
        late_list,
        [
            ("persona2".to_owned(), "waitlisted", Some(1)),
            ("persona4".to_owned(), "waitlisted", Some(2)),
            ("persona3".to_owned(), "confirmed", None),
            ("persona1".to_owned(), "cancelled", None),
        ]
    );
    assert!(read[1].registrations.is_empty());
    assert!(
        read.iter()
            .flat_map(|s| &s.registrations)
            .all(|r| r.email != "persona9@example.it"),
        "nothing of another program"
    );

    // A program without sessions, and no program at all: nothing.
    assert!(
        store
            .program_registrations(&program("leadership-circles"), None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .program_registrations(&program("nessuno"), None)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn an_operators_hub_limits_the_programs_registrations(store: Store, _url: String) {
    let one = milano_session(&store, "uno", "municipio-1", 10, 2).await;
    let two = milano_session(&store, "due", "municipio-2", 11, 2).await;
    register(&store, &one, 1, 0).await;
    register(&store, &two, 2, 0).await;
    let hub = HubId::parse("municipio-2").unwrap();
    let read = store
        .program_registrations(&program("milano-digitale"), Some(&hub))
        .await
        .unwrap();
    assert_eq!(ids(&read), [two.as_str()]);
    assert_eq!(read[0].registrations.len(), 1);
    assert_eq!(read[0].registrations[0].email, "persona2@example.it");
    // A hub of another program: nothing.
    let elsewhere = HubId::parse("binario-f-roma-termini").unwrap();
    assert!(
        store
            .program_registrations(&program("milano-digitale"), Some(&elsewhere))
            .await
            .unwrap()
            .is_empty()
    );
}
