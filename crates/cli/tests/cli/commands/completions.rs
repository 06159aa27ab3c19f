//! `import completions`: a Moodle export and xAPI statements go into a program's completions
//! once (a dry run touches no database), a refused file lists every problem with its line, and
//! `report progress` counts the completions online.

use super::{fails, json, ok};

const MOODLE: &[u8] =
    include_bytes!("../../../../../fixtures/completions/moodle-partecipazione-corso.csv");
const MOODLE_ERRORS: &[u8] =
    include_bytes!("../../../../../fixtures/completions/moodle-errori.csv");
const XAPI: &[u8] = include_bytes!("../../../../../fixtures/completions/xapi-lrs.json");

#[test]
fn completions_go_into_the_database_once_and_count_online() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("corso.csv"), MOODLE).unwrap();
    let import = [
        "import",
        "completions",
        "corso.csv",
        "--program",
        "community-skill-hubs",
        "--format",
        "moodle",
    ];
    let dry = ok(dir.path(), &[&import[..], &["--dry-run"]].concat());
    assert_eq!(
        dry,
        "corso.csv: 5 letti, 4 completamenti validi, 1 saltati: 1 non ancora completati (cella di completamento vuota) (prova: nulla è stato scritto)\n"
    );
    assert!(
        !dir.path().join("skillhub.db").exists(),
        "a dry run for a seed program needs no database"
    );
    assert_eq!(
        ok(dir.path(), &import),
        "corso.csv: 5 letti, 4 completamenti per community-skill-hubs: 4 nuovi, 0 già noti, 1 saltati: 1 non ancora completati (cella di completamento vuota)\n"
    );
    let again = json(&ok(dir.path(), &[&import[..], &["--json"]].concat()));
    assert_eq!(
        (again["new"].as_u64(), again["known"].as_u64()),
        (Some(0), Some(4))
    );

    let report = json(&ok(
        dir.path(),
        &[
            "report",
            "progress",
            "--program",
            "community-skill-hubs",
            "--format",
            "json",
            "--today",
            "2019-12-31",
        ],
    ));
    let done = |id: &str| {
        report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .map(|t| t["done"].clone())
            .unwrap()
    };
    // Anna completed two courses, Nicolò and Pilar one: three people online; two SMEs.
    assert_eq!(done("candidates-online"), 3);
    assert_eq!(done("candidates-classroom"), 0);
    assert_eq!(done("smes-online"), 2);
}

#[test]
fn a_refused_export_lists_every_problem_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("errori.csv"), MOODLE_ERRORS).unwrap();
    let db = format!("sqlite://{}", dir.path().join("c.db").display());
    let import = [
        "--db",
        &db,
        "import",
        "completions",
        "errori.csv",
        "--program",
        "community-skill-hubs",
        "--format",
        "moodle",
    ];
    fails(
        dir.path(),
        &import,
        1,
        "errori.csv:3: Indirizzo email: «mario.verdi(at)example.org» non è un indirizzo e-mail",
    );
    fails(
        dir.path(),
        &import,
        1,
        "errori.csv:9: Paese: manca il paese",
    );

    let export = |email: &str| json(&ok(dir.path(), &["--db", &db, "people", "export", email]));
    assert_eq!(
        export("anna.rossi@example.org").get("completions"),
        None,
        "nothing written"
    );

    std::fs::write(dir.path().join("lrs.json"), XAPI).unwrap();
    let xapi = [
        "--db",
        &db,
        "import",
        "completions",
        "lrs.json",
        "--program",
        "community-skill-hubs",
        "--format",
        "xapi",
    ];
    // Community Skill Hubs runs in six countries and xAPI names none: say which.
    fails(dir.path(), &xapi, 1, "lrs.json:1: manca il paese");
    fails(
        dir.path(),
        &[&xapi[..], &["--country", "Atlantide"]].concat(),
        2,
        "--country: «Atlantide» non è un paese riconosciuto",
    );
    let written = json(&ok(
        dir.path(),
        &[&xapi[..], &["--country", "Italia", "--json"]].concat(),
    ));
    assert_eq!(written["new"], 3);
    assert_eq!(written["skipped"]["other_verb"], 1);
    assert_eq!(
        export("anna.rossi@example.org")["completions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let erased = json(&ok(
        dir.path(),
        &[
            "--db",
            &db,
            "people",
            "erase",
            "anna.rossi@example.org",
            "--json",
        ],
    ));
    assert_eq!(erased["erased_completions"].as_array().unwrap().len(), 1);
    assert_eq!(export("anna.rossi@example.org").get("completions"), None);
}
