//! Completions of online courses: imported once per person and course, all or nothing, counted
//! by progress under the same key as the person's attended registrations, and covered by the
//! person's data export and erasure.

use chrono::NaiveDate;
use skillhub_core::capacity::Presence;
use skillhub_core::ids::{ProgramId, SessionId};
use skillhub_core::program::Program;
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::tz::Zone;
use skillhub_import::completions::{Completions, Options, moodle};
use skillhub_store::{Error, NewSession, Store};

use super::{PgDatabase, at, register, sqlite};

contract!(
    completions_count_once_with_the_classroom_and_import_once,
    an_import_is_all_or_nothing,
    completions_are_in_the_data_export_and_erased_by_address,
);

/// A Community Skill Hubs export (report builder, Italian): persona1 (written in another case
/// than their registration), persona2 for an SME in two courses, someone not done yet.
const EXPORT: &str = "Corso;Indirizzo email;Paese;Tipo organizzazione;Partita IVA;Data e ora di completamento\n\
    Competenze digitali di base;Persona1@Example.it;Italia;;;mercoledì, 12 giugno 2019, 10:30\n\
    Competenze digitali di base;persona2@example.it;Spagna;PMI;01234567897;12/06/2019\n\
    Sicurezza online;persona2@example.it;Spagna;PMI;01234567897;2019-07-01\n\
    Sicurezza online;persona3@example.it;Italia;;;\n";

fn read(text: &str, program: &Program) -> Completions {
    moodle::read(
        "export.csv",
        text.as_bytes(),
        &Options::for_program(program),
    )
    .unwrap()
}

/// An in-person session of Community Skill Hubs in Italy, on 11 June 2019.
async fn classroom(store: &Store) -> String {
    let session = Session::new(SessionSpec {
        id: SessionId::parse("csh-aula").unwrap(),
        program: ProgramId::parse("community-skill-hubs").unwrap(),
        hub: Some("csh-italia".parse().unwrap()),
        room: None,
        title: "Competenze digitali in aula".into(),
        competences: vec![],
        level: None,
        mode: Mode::InPerson,
        seats: skillhub_core::capacity::Seats::new(10, 0).unwrap(),
        trainers: vec![],
        date: NaiveDate::from_ymd_opt(2019, 6, 11).unwrap(),
        start: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(13, 30, 0).unwrap(),
        zone: Zone::rome(),
        ambiguity: Ambiguity::Refuse,
    })
    .unwrap();
    store
        .create_session("admin", &NewSession::open_until_start(session))
        .await
        .unwrap();
    "csh-aula".to_owned()
}

fn done(report: &skillhub_progress::ProgressReport) -> Vec<(String, u64)> {
    report
        .targets
        .iter()
        .map(|t| (t.id.to_string(), t.done))
        .collect()
}

async fn completions_count_once_with_the_classroom_and_import_once(store: Store, _url: String) {
    let program = store
        .program("community-skill-hubs")
        .await
        .unwrap()
        .unwrap();
    let session = classroom(&store).await;
    let (present, _, _) = register(&store, &session, 1, 1).await;
    store
        .record_presence("admin", present, Presence::Attended, at(14, 0))
        .await
        .unwrap();

    let file = read(EXPORT, &program);
    let first = store
        .import_completions("cli", &program, &file, at(15, 0))
        .await
        .unwrap();
    assert_eq!(
        (
            first.read,
            first.new,
            first.known,
            first.skipped.values().sum::<usize>()
        ),
        (4, 3, 0, 1)
    );
    // The same export again adds nothing.
    let again = store
        .import_completions("cli", &program, &file, at(15, 5))
        .await
        .unwrap();
    assert_eq!((again.new, again.known), (0, 3));

    let facts = store.attendance(&program).await.unwrap();
    assert!(
        facts.iter().all(|f| !f.person.contains('@')),
        "no e-mail leaves the store"
    );
    let today = NaiveDate::from_ymd_opt(2019, 12, 31).unwrap();
    let report = skillhub_progress::progress(&program, &facts, today);
    // persona1 came to the classroom and completed online: one person for `people` and
    // `candidates`, one in each of the classroom and online targets. persona2's SME counts once
    // among the SMEs online, and with the two people in `reach`.
    assert_eq!(
        done(&report),
        [
            ("reach".to_owned(), 3),
            ("people".to_owned(), 2),
            ("candidates".to_owned(), 2),
            ("candidates-classroom".to_owned(), 1),
            ("candidates-online".to_owned(), 2),
            ("smes-classroom".to_owned(), 0),
            ("smes-online".to_owned(), 1),
        ]
    );
    // A partner's progress counts the sessions at its hubs only: completions are at none.
    let at_hubs = store
        .attendance_at(&program, &["csh-italia".parse().unwrap()])
        .await
        .unwrap();
    // Her presence, the session held and its hub; no completion.
    assert_eq!(at_hubs.len(), 3, "{at_hubs:?}");
    assert!(
        at_hubs.iter().all(|f| f.mode == Some(Mode::InPerson)),
        "{at_hubs:?}"
    );

    let log = store
        .audit_log("program", "community-skill-hubs")
        .await
        .unwrap();
    let imports: Vec<_> = log
        .iter()
        .filter(|l| l.action == "completions.import")
        .collect();
    assert_eq!(imports.len(), 2);
    assert_eq!(imports[0].actor, "cli");
    let after = imports[1].after.as_deref().unwrap();
    assert!(after.contains("\"known\":3"), "{after}");
    assert!(
        !after.contains('@') && !after.contains("01234567897"),
        "{after}"
    );
}

async fn an_import_is_all_or_nothing(store: Store, url: String) {
    let program = store
        .program("community-skill-hubs")
        .await
        .unwrap()
        .unwrap();
    let file = read(EXPORT, &program);
    // A program the store does not hold takes nothing.
    let stranger = skillhub_core::fixture::parse_program(
        &include_str!("../../../../fixtures/programs/community-skill-hubs.toml")
            .replace("id = \"community-skill-hubs\"", "id = \"sconosciuto\""),
    )
    .unwrap();
    let refused = store
        .import_completions("cli", &stranger, &file, at(15, 0))
        .await;
    assert!(
        matches!(refused, Err(Error::UnknownProgram(ref id)) if id == "sconosciuto"),
        "{refused:?}"
    );
    // A write that fails halfway (here a trigger refuses the third completion) leaves nothing.
    refuse_course(&url, "Sicurezza online").await;
    let refused = store
        .import_completions("cli", &program, &file, at(15, 0))
        .await;
    assert!(matches!(refused, Err(Error::Database(_))), "{refused:?}");
    assert_eq!(store.completion_facts(&program).await.unwrap(), []);
    let log = store
        .audit_log("program", "community-skill-hubs")
        .await
        .unwrap();
    assert!(
        log.iter().all(|l| l.action != "completions.import"),
        "{log:?}"
    );
}

/// Makes the database refuse completions of `course` (a trigger), on either backend.
async fn refuse_course(url: &str, course: &str) {
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE TRIGGER refuse_course BEFORE INSERT ON completions \
             WHEN NEW.course = '{course}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )))
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE FUNCTION refuse_course() RETURNS trigger AS $$ BEGIN \
             IF NEW.course = '{course}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; \
             END $$ LANGUAGE plpgsql"
        )))
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "CREATE TRIGGER refuse_course BEFORE INSERT ON completions \
             FOR EACH ROW EXECUTE FUNCTION refuse_course()",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
}

async fn completions_are_in_the_data_export_and_erased_by_address(store: Store, _url: String) {
    let program = store
        .program("community-skill-hubs")
        .await
        .unwrap()
        .unwrap();
    store
        .import_completions("cli", &program, &read(EXPORT, &program), at(15, 0))
        .await
        .unwrap();
    let persona2 = skillhub_core::person::Email::parse("Persona2@example.it").unwrap();
    let data = store.person_data(&persona2).await.unwrap();
    let courses: Vec<(&str, &str, String)> = data
        .completions
        .iter()
        .map(|c| {
            (
                c.course.as_str(),
                c.country.as_str(),
                c.completed_on.to_string(),
            )
        })
        .collect();
    assert_eq!(
        courses,
        [
            ("Competenze digitali di base", "ES", "2019-06-12".to_owned()),
            ("Sicurezza online", "ES", "2019-07-01".to_owned()),
        ]
    );
    assert_eq!(
        data.completions[0].organisation_code.as_deref(),
        Some("01234567897")
    );
    let json = serde_json::to_string(&data).unwrap();
    assert!(json.contains("\"completions\""), "{json}");

    let before = store.completion_facts(&program).await.unwrap();
    let erasure = store
        .erase_person("admin", &persona2, at(16, 0))
        .await
        .unwrap();
    assert_eq!(erasure.completions.len(), 2);
    assert!(erasure.registrations.is_empty());
    // The address is gone, the counts stay.
    let after = store.person_data(&persona2).await.unwrap();
    assert!(after.completions.is_empty(), "{after:?}");
    assert!(
        !serde_json::to_string(&after)
            .unwrap()
            .contains("completions")
    );
    assert_eq!(store.completion_facts(&program).await.unwrap(), before);
    let line = store
        .audit_log("completion", &erasure.completions[0].to_string())
        .await
        .unwrap();
    assert_eq!(
        line.iter().map(|l| l.action.as_str()).collect::<Vec<_>>(),
        ["completion.erase"]
    );
    // Someone else's completions are not touched.
    let persona1 = skillhub_core::person::Email::parse("persona1@example.it").unwrap();
    assert_eq!(
        store
            .person_data(&persona1)
            .await
            .unwrap()
            .completions
            .len(),
        1
    );
}
