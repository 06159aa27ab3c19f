//! Commands over the database: a listing, a calendar file and a registrations spreadsheet go
//! in (dry runs touch nothing), operator tokens are printed once, and people's data are
//! exported and erased.

use super::{fails, json, ok};

const PILOT: &str = "Laboratori pilota, Milano Digital Week\n\nMarzo 2020:\n- mer 11/03 ore 9.30-12.30 ➔ SPID e servizi online del Comune\n- giovedì 12 marzo (14,30 – 17) → Fascicolo del cittadino\n";

#[test]
fn a_calendar_goes_into_the_database_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pilota.txt"), PILOT).unwrap();
    let import = [
        "import",
        "calendar",
        "pilota.txt",
        "--year",
        "2020",
        "--zone",
        "Europe/Rome",
        "--program",
        "milano-digitale",
        "--hub",
        "municipio-4",
        "--seats",
        "25",
    ];
    assert_eq!(
        ok(dir.path(), &import),
        "2 incontri scritti in milano-digitale (municipio-4)\n"
    );
    assert!(
        dir.path().join("skillhub.db").is_file(),
        "the default database is ./skillhub.db"
    );
    let listed = ok(
        dir.path(),
        &["sessions", "list", "--program", "milano-digitale"],
    );
    assert_eq!(
        listed,
        "mercoledì 11 marzo 2020, 9:30–12:30  SPID e servizi online del Comune  (Municipio 4, in presenza, 25 posti) [municipio-4-2020-03-11-0930]\n\
         giovedì 12 marzo 2020, 14:30–17:00  Fascicolo del cittadino  (Municipio 4, in presenza, 25 posti) [municipio-4-2020-03-12-1430]\n"
    );
    // The same listing again: refused whole, nothing duplicated.
    fails(
        dir.path(),
        &import,
        1,
        "a session with id \"municipio-4-2020-03-11-0930\" exists already",
    );
    let again = ok(
        dir.path(),
        &["sessions", "list", "--program", "milano-digitale"],
    );
    assert_eq!(again.lines().count(), 2);
    // Without --seats nothing is read or written: a usage error.
    fails(
        dir.path(),
        &import[..import.len() - 2],
        2,
        "give --program, --hub and --seats",
    );
    let ics = ok(dir.path(), &["export", "ics", "--hub", "municipio-4"]);
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
    assert!(ics.contains("DTSTART:20200311T083000Z"), "{ics}");
}

#[test]
fn dry_runs_touch_no_database() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pilota.txt"), PILOT).unwrap();
    let out = ok(
        dir.path(),
        &[
            "import",
            "calendar",
            "pilota.txt",
            "--year",
            "2020",
            "--zone",
            "Europe/Rome",
            "--dry-run",
            "--json",
        ],
    );
    let value = json(&out);
    assert_eq!(value["sessions"][1]["starts_at"], "2020-03-12T13:30:00Z");
    assert_eq!(value["sessions"][1]["line"], 5);
    assert!(!dir.path().join("skillhub.db").exists());
}

#[test]
fn operator_tokens_are_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ops.db").display());
    let token = ok(
        dir.path(),
        &["--db", &db, "tokens", "create", "--program", "binario-f"],
    );
    assert_eq!(token.trim().len(), 64, "{token}");
    fails(
        dir.path(),
        &["--db", &db, "tokens", "create", "--program", "nope"],
        1,
        "no program has id \"nope\"",
    );
    let empty = format!("sqlite://{}", dir.path().join("empty.db").display());
    let none = json(&ok(
        dir.path(),
        &["--db", &empty, "--empty", "programs", "list", "--json"],
    ));
    assert_eq!(none["programs"].as_array().unwrap().len(), 0);
}

#[test]
fn people_export_and_erase_translate_to_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("people.db").display());
    let export = json(&ok(
        dir.path(),
        &["--db", &db, "people", "export", "Anna@Example.it"],
    ));
    assert_eq!(
        export["email"], "Anna@example.it",
        "the address as core parses it"
    );
    assert_eq!(export["registrations"], serde_json::json!([]));
    assert_eq!(export["audit"], serde_json::json!([]));
    let erased = json(&ok(
        dir.path(),
        &["--db", &db, "people", "erase", "anna@example.it", "--json"],
    ));
    assert_eq!(erased["email"], "anna@example.it");
    assert_eq!(erased["erased_registrations"], serde_json::json!([]));
    let text = ok(
        dir.path(),
        &["--db", &db, "people", "erase", "anna@example.it"],
    );
    assert!(text.contains("nothing to erase"), "{text}");
    let text = ok(dir.path(), &["--db", &db, "people", "collisions"]);
    assert_eq!(text, "no live registration collides with another\n");
    let found = json(&ok(
        dir.path(),
        &["--db", &db, "people", "collisions", "--json"],
    ));
    assert_eq!(found, serde_json::json!([]));
    fails(
        dir.path(),
        &["--db", &db, "people", "export", "not-an-address"],
        2,
        "is not an e-mail address",
    );
}

const SERIES_ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:serie@test\r\n\
DTSTART;TZID=Europe/Rome:20200311T093000\r\nDTEND;TZID=Europe/Rome:20200311T123000\r\n\
RRULE:FREQ=WEEKLY;COUNT=3\r\nEXDATE;TZID=Europe/Rome:20200318T093000\r\n\
SUMMARY:SPID e servizi online del Comune: laboratorio pr\r\n atico\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:utc@test\r\nDTSTART:20200312T133000Z\r\nDTEND:20200312T160000Z\r\n\
SUMMARY:Fascicolo del cittadino\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn an_ics_file_goes_into_the_database_like_a_listing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("serie.ics"), SERIES_ICS).unwrap();
    let base = [
        "import",
        "ics",
        "serie.ics",
        "--program",
        "milano-digitale",
        "--hub",
        "municipio-4",
    ];
    let dry = json(&ok(
        dir.path(),
        &[&base[..], &["--dry-run", "--json"]].concat(),
    ));
    assert_eq!(dry["sessions"].as_array().unwrap().len(), 3);
    assert_eq!(dry["sessions"][1]["local_date"], "2020-03-25");
    assert_eq!(dry["sessions"][2]["local_start"], "14:30");
    assert_eq!(
        dry["sessions"][0]["title"],
        "SPID e servizi online del Comune: laboratorio pratico"
    );
    assert!(
        !dir.path().join("skillhub.db").exists(),
        "a dry run on a seed hub needs no database"
    );
    fails(dir.path(), &base, 2, "give --seats");
    let write = [&base[..], &["--seats", "20"]].concat();
    assert_eq!(
        ok(dir.path(), &write),
        "3 incontri scritti in milano-digitale (municipio-4)\n"
    );
    let listed = ok(
        dir.path(),
        &["sessions", "list", "--program", "milano-digitale"],
    );
    assert!(listed.contains("[municipio-4-2020-03-25-0930]"), "{listed}");
    fails(dir.path(), &write, 1, "exists already");
    std::fs::write(
        dir.path().join("rotto.ics"),
        SERIES_ICS.replace("DTEND:20200312T160000Z", "DTEND:2020-03-12"),
    )
    .unwrap();
    fails(
        dir.path(),
        &[
            "import",
            "ics",
            "rotto.ics",
            "--program",
            "milano-digitale",
            "--hub",
            "municipio-4",
            "--dry-run",
        ],
        1,
        "rotto.ics:15: DTEND: \"2020-03-12\" is not a DATE-TIME",
    );
}

#[test]
fn registrations_from_a_spreadsheet_are_seated_in_one_go() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = "Sessione;Nome e cognome;E-mail;Modalità\r\n\
        binario-f-2019-02-12;Anna Rossi;anna@example.it;in presenza\r\n\
        binario-f-2019-02-12;Luca Verdi;luca@example.it;\r\n";
    std::fs::write(dir.path().join("iscrizioni.csv"), sheet).unwrap();
    let dry = json(&ok(
        dir.path(),
        &[
            "import",
            "csv",
            "registrations",
            "iscrizioni.csv",
            "--dry-run",
            "--json",
        ],
    ));
    assert_eq!(dry["rows"], 2);
    assert_eq!(dry["registrations"][1]["email"], "luca@example.it");
    assert!(!dir.path().join("skillhub.db").exists());
    let written = json(&ok(
        dir.path(),
        &["import", "csv", "registrations", "iscrizioni.csv", "--json"],
    ));
    assert_eq!(written["registrations"][0]["status"], "confirmed");
    assert_eq!(written["registrations"][1]["line"], 3);
    // Again: the first row is refused, so nothing of the second time is written.
    fails(
        dir.path(),
        &["import", "csv", "registrations", "iscrizioni.csv"],
        1,
        "iscrizioni.csv:2: this e-mail address is already registered",
    );
    std::fs::write(
        dir.path().join("ignota.csv"),
        "sessione,nome e cognome,email\nnessuna,Anna Rossi,anna@example.it\n",
    )
    .unwrap();
    fails(
        dir.path(),
        &["import", "csv", "registrations", "ignota.csv"],
        1,
        "ignota.csv:2: sessione: no session has id \"nessuna\"",
    );
}
