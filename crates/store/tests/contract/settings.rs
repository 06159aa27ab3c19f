//! A program's settings where the store reads them: sessions created without a window (an
//! import, a listing) get the program's default registration window.

use chrono::{Duration, NaiveDate, NaiveTime};
use skillhub_core::capacity::Seats;
use skillhub_core::fixture::Catalog;
use skillhub_core::ids::{ProgramId, SessionId};
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::tz::Zone;
use skillhub_store::Store;

use super::{PgDatabase, sqlite};

contract!(imported_sessions_get_the_programs_default_window);

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
