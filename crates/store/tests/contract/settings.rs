//! A program's settings where the store reads them: sessions created without a window (an
//! import, a listing) get the program's default registration window; a registration keeps the
//! codice fiscale it was given (a program may require one), one live registration per code and
//! session, and erasure clears it.

use chrono::{Duration, NaiveDate, NaiveTime};
use skillhub_core::capacity::Seats;
use skillhub_core::codice_fiscale::CodiceFiscale;
use skillhub_core::fixture::Catalog;
use skillhub_core::ids::{ProgramId, SessionId};
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::tz::Zone;
use skillhub_notify::Canceller;
use skillhub_store::{Error, Store};

use super::{PgDatabase, at, person, request, session_with, sqlite};

contract!(
    imported_sessions_get_the_programs_default_window,
    a_registration_keeps_its_codice_fiscale
);

/// A program whose sessions open 14 days before and close 2 hours before their start.
const WINDOWED: &str = r#"
id = "finestra-prova"
name = "Finestra prova"
summary_it = "Un programma di prova con una finestra d'iscrizione predefinita."
source = "test"
countries = ["IT"]
window = { from = "2030-01-01" }
audiences = ["people"]

[settings]
zone = "Europe/Rome"
registration = { opens_days_before = 14, closes_hours_before = 2 }
"#;

fn session(program: &str, id: &str) -> Session {
    Session::new(SessionSpec {
        id: SessionId::parse(id).unwrap(),
        program: ProgramId::parse(program).unwrap(),
        hub: None,
        room: None,
        title: "Prova".into(),
        competences: vec![],
        level: None,
        mode: Mode::Online,
        seats: Seats::new(0, 10).unwrap(),
        trainers: vec![],
        date: NaiveDate::from_ymd_opt(2030, 3, 5).unwrap(),
        start: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        zone: Zone::rome(),
        ambiguity: Ambiguity::Refuse,
    })
    .unwrap()
}

async fn imported_sessions_get_the_programs_default_window(store: Store, _url: String) {
    let catalog = Catalog::parse([("finestra-prova.toml", WINDOWED)]).unwrap();
    store.load_programs(&catalog, &[WINDOWED]).await.unwrap();
    let windowed = session("finestra-prova", "finestra-prova-1");
    let plain = session("binario-f", "binario-f-prova-1");
    let created = store
        .create_sessions("import", &[windowed.clone(), plain.clone()])
        .await
        .unwrap();
    let start = windowed.starts_at();
    assert_eq!(
        created[0].registration_opens_at,
        Some(start - Duration::days(14))
    );
    assert_eq!(
        created[0].registration_closes_at,
        Some(start - Duration::hours(2))
    );
    // A program that says nothing: open from creation until the start, as always.
    assert_eq!(created[1].registration_opens_at, None);
    assert_eq!(created[1].registration_closes_at, Some(plain.starts_at()));
}

async fn a_registration_keeps_its_codice_fiscale(store: Store, _url: String) {
    let session = session_with(&store, "binario-f-cf-1", 5, 0).await;
    let code = CodiceFiscale::parse("RSSMRA85T10A562S").unwrap();
    let now = at(9, 0);
    let with_code = |n: usize| {
        let mut asked = request(&session, n, 0);
        asked.person.codice_fiscale = Some(code.clone());
        asked
    };
    let anna = store.register(&with_code(1), None, now).await.unwrap();
    assert_eq!(anna.registration.codice_fiscale.as_ref(), Some(&code));
    let id = anna.registration.id;
    let read = store.registration(id).await.unwrap().unwrap();
    assert_eq!(read.codice_fiscale.as_ref(), Some(&code));
    // Without one, none is kept.
    let plain = store
        .register(&request(&session, 3, 0), None, now)
        .await
        .unwrap();
    assert_eq!(plain.registration.codice_fiscale, None);

    // The same code under another address is the same person: refused while Anna's is live.
    let err = store.register(&with_code(2), None, now).await.unwrap_err();
    assert!(
        matches!(err, Error::CodiceFiscaleRegistered { .. }),
        "{err}"
    );
    assert!(!err.to_string().contains(code.as_str()), "{err}");
    store
        .cancel("person", Canceller::Person, id, now)
        .await
        .unwrap();
    let again = store.register(&with_code(2), None, now).await.unwrap();

    // The person's data holds it; erasure clears it.
    let data = store.person_data(&person(2).email).await.unwrap();
    assert_eq!(data.registrations[0].codice_fiscale.as_ref(), Some(&code));
    store
        .erase_person("admin", &person(2).email, now)
        .await
        .unwrap();
    let erased = store
        .registration(again.registration.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(erased.codice_fiscale, None);
    let kept = store
        .registration_data(again.registration.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.registration.codice_fiscale, None);
}
