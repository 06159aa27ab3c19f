//! Runs the real `skillhub` binary in a fresh temporary directory and compares its output with
//! expectations, printing both on a mismatch.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn skillhub(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_skillhub"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the skillhub binary runs");
    Run {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let run = skillhub(dir, args);
    assert_eq!(
        run.status, 0,
        "skillhub {args:?}\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.is_empty(),
        "skillhub {args:?} wrote to stderr:\n{}",
        run.stderr
    );
    run.stdout
}

fn fails(dir: &Path, args: &[&str], status: i32, stderr_has: &str) {
    let run = skillhub(dir, args);
    assert_eq!(
        run.status, status,
        "skillhub {args:?}\nstderr:\n{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "nothing is printed on failure, got:\n{}",
        run.stdout
    );
    assert!(
        run.stderr.contains(stderr_has),
        "skillhub {args:?}: stderr lacks {stderr_has:?}:\n{}",
        run.stderr
    );
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("not JSON ({err}):\n{text}"))
}

#[test]
fn programs_list_names_the_six_seed_programs() {
    let dir = tempfile::tempdir().unwrap();
    let value = json(&ok(dir.path(), &["programs", "list", "--json"]));
    let ids: Vec<&str> = value["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
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
    let text = ok(dir.path(), &["programs", "list"]);
    let line = text.lines().find(|l| l.starts_with("binario-f ")).unwrap();
    let (_, rest) = line.split_once(' ').unwrap();
    assert_eq!(
        rest.trim_start(),
        "Social Academy a Binario F (IT; dal 12/02/2019 al 04/06/2019; 1 sede, 15 incontri)"
    );
}

#[test]
fn programs_show_in_italian_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let text = ok(dir.path(), &["programs", "show", "cooperazione-digitale"]);
    assert!(
        text.contains("Fondo: 3.500.000,00 € (Google.org)"),
        "{text}"
    );
    assert!(
        text.contains(
            "Sede: Sede Umbria [coop-umbria], Via della Pallotta 12, 06126 Perugia (Europe/Rome)"
        ),
        "{text}"
    );
    let value = json(&ok(
        dir.path(),
        &["programs", "show", "community-skill-hubs", "--json"],
    ));
    let goals: Vec<u64> = value["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["goal"].as_u64().unwrap())
        .collect();
    assert_eq!(goals, [500_000, 300_000, 75_000, 100_000, 250_000]);
}

#[test]
fn sessions_list_uses_rome_time_in_italian() {
    let dir = tempfile::tempdir().unwrap();
    let text = ok(dir.path(), &["sessions", "list", "--program", "binario-f"]);
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        "martedì 12 febbraio 2019, 9:30–13:30  Facebook per la Sanità  (Binario F, in presenza, 40 posti) [binario-f-2019-02-12]"
    );
    assert_eq!(text.lines().count(), 15);
    let value = json(&ok(
        dir.path(),
        &["sessions", "list", "--program", "binario-f", "--json"],
    ));
    let april = &value["sessions"][7];
    assert_eq!(april["id"], "binario-f-2019-04-02");
    assert_eq!(april["starts_at"], "2019-04-02T07:30:00Z");
    assert_eq!(april["local_start"], "2019-04-02T09:30");
    assert_eq!(april["zone"], "Europe/Rome");
    assert_eq!(april["mode"], "in_person");
    assert_eq!(april["capacity"], 40);
}

#[test]
fn eligibility_check_explains_in_italian() {
    let dir = tempfile::tempdir().unwrap();
    let person = dir.path().join("mario.json");
    std::fs::write(
        &person,
        r#"{"name": "Mario Rossi", "email": "mario@example.it", "attributes": {"gender": "male", "country": "SE"}}"#,
    )
    .unwrap();
    let args = [
        "eligibility",
        "check",
        "--program",
        "she-means-business",
        "--person",
        "mario.json",
        "--on",
        "2017-06-01",
    ];
    let text = ok(dir.path(), &args);
    assert!(
        text.starts_with(
            "Non idoneo: mario@example.it non può iscriversi a she-means-business.\n- "
        ),
        "{text}"
    );
    let value = json(&ok(dir.path(), &[&args[..], &["--json"]].concat()));
    assert_eq!(value["eligible"], false);
    assert!(value["reasons"].as_array().unwrap().len() >= 2, "{value}");
    assert!(
        value["reasons"][0]["it"].is_string() && value["reasons"][0]["en"].is_string(),
        "{value}"
    );

    std::fs::write(
        &person,
        r#"{"name": "Giulia Bianchi", "email": "giulia@example.it", "attributes": {"organisation_type": "public_administration"}}"#,
    )
    .unwrap();
    let text = ok(
        dir.path(),
        &[
            "eligibility",
            "check",
            "--program",
            "binario-f",
            "--person",
            "mario.json",
            "--on",
            "2019-02-01",
        ],
    );
    assert!(
        text.starts_with("Idoneo: giulia@example.it può iscriversi a binario-f.\n"),
        "{text}"
    );
    assert!(
        text.contains("Priorità 1: professionisti della comunicazione"),
        "{text}"
    );
}

#[test]
fn errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.json"),
        "{\"name\": \"A\",\n \"email\": 42}",
    )
    .unwrap();
    fails(
        dir.path(),
        &[
            "eligibility",
            "check",
            "--program",
            "binario-f",
            "--person",
            "bad.json",
        ],
        1,
        "bad.json:2:",
    );
    fails(
        dir.path(),
        &[
            "eligibility",
            "check",
            "--program",
            "binario-f",
            "--person",
            "missing.json",
        ],
        1,
        "missing.json: cannot read",
    );
    fails(
        dir.path(),
        &["programs", "show", "nope"],
        1,
        "no program has id \"nope\"",
    );
    fails(
        dir.path(),
        &["programs", "frobnicate"],
        2,
        "unrecognized subcommand",
    );
}

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

/// `../shared/bench/matching` beside the repository (CI clones main with `shared/` beside it),
/// or `None` after recording why the test is skipped (with `CI` set, a failure: `check.py` is
/// the independent judge of the matching, so CI must run it).
fn bench_matching_dir() -> Option<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/matching");
    for script in ["gen.py", "check.py"] {
        if !dir.join(script).is_file() {
            let why = format!(
                "{} is missing: the steering repository's shared/ must be beside this one",
                dir.join(script).display()
            );
            skillhub_testkit::skip(skillhub_testkit::Need::SharedBench, &why);
            return None;
        }
    }
    Some(dir)
}

#[test]
fn match_solves_the_generated_s_instance_as_the_independent_checker_wants() {
    let Some(bench) = bench_matching_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let generated = Command::new("python3")
        .arg(bench.join("gen.py"))
        .args(["--preset", "S", "--seed", "7", "-o"])
        .arg(dir.path().join("S.json"))
        .status()
        .expect("python3 runs");
    assert!(generated.success(), "gen.py failed");
    ok(dir.path(), &["match", "S.json", "-o", "out.json"]);
    let check = Command::new("python3")
        .arg(bench.join("check.py"))
        .args(["S.json", "out.json", "--json"])
        .current_dir(dir.path())
        .output()
        .expect("python3 runs");
    let summary = json(&String::from_utf8_lossy(&check.stdout));
    assert_eq!(summary["ok"], true, "check.py: {summary}");
    assert_eq!(summary["valid"], true);
    assert_eq!(summary["stable"], true);
}

#[test]
fn match_errors_name_the_json_pointer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"applicants": {"a1": ["p1", "p9"]}, "providers": {"p1": {"capacity": 1, "ranking": ["a1"]}}}"#,
    )
    .unwrap();
    fails(
        dir.path(),
        &["match", "bad.json"],
        1,
        "bad.json: /applicants/a1/1",
    );
    std::fs::write(dir.path().join("ok.json"), r#"{"applicants": {"a1": ["p1"], "a2": []}, "providers": {"p1": {"capacity": 1, "ranking": ["a2", "a1"]}}, "meta": {}}"#).unwrap();
    let out = json(&ok(dir.path(), &["match", "ok.json"]));
    assert_eq!(
        out,
        serde_json::json!({"assignment": {"a1": "p1", "a2": null}})
    );
}

#[test]
fn a_lottery_anyone_can_verify() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ids.txt"),
        "coop-3\ncoop-1\ncoop-2\ncoop-4\n",
    )
    .unwrap();
    let draw = json(&ok(
        dir.path(),
        &[
            "lottery",
            "draw",
            "--ids",
            "ids.txt",
            "--public-value",
            "lotto 2019-03-02: 17 42 5",
            "--json",
        ],
    ));
    let order: Vec<String> = draw["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order.len(), 4);
    std::fs::write(dir.path().join("order.txt"), order.join("\n")).unwrap();
    let verified = ok(
        dir.path(),
        &[
            "lottery",
            "verify",
            "--ids",
            "ids.txt",
            "--public-value",
            "lotto 2019-03-02: 17 42 5",
            "--order",
            "order.txt",
        ],
    );
    assert!(verified.starts_with("verificato"), "{verified}");
    fails(
        dir.path(),
        &[
            "lottery",
            "verify",
            "--ids",
            "ids.txt",
            "--public-value",
            "another value",
            "--order",
            "order.txt",
        ],
        1,
        "is not the draw",
    );
}

#[test]
fn placement_by_level_explains_who_got_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("place.json"),
        r#"{"seed": 1,
            "sessions": [{"id": "base", "level": {"min": 1, "max": 2}, "seats": 1},
                         {"id": "avanzato", "level": {"min": 5, "max": 6}, "seats": 1}],
            "people": [{"id": "anna", "level": 2, "choices": ["avanzato", "base"]},
                       {"id": "bruno", "assessment": {"1.1": 1}, "choices": ["base"]},
                       {"id": "carla", "level": 8, "choices": ["base"]}]}"#,
    )
    .unwrap();
    let report = json(&ok(dir.path(), &["place", "place.json", "--json"]));
    assert_eq!(report["outcomes"].as_array().unwrap().len(), 3);
    let text = ok(dir.path(), &["place", "place.json"]);
    assert!(text.starts_with("1 persone su 3 collocate"), "{text}");
}

#[test]
fn placement_over_the_database_takes_the_programs_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("place.db").display());
    std::fs::write(
        dir.path().join("people.json"),
        r#"{"seed": 7,
            "people": [{"id": "anna", "level": 3, "choices": ["binario-f-2019-02-12"]},
                       {"id": "bruno", "level": 4, "choices": ["binario-f-2019-02-19"]}]}"#,
    )
    .unwrap();
    let text = ok(
        dir.path(),
        &[
            "--db",
            &db,
            "place",
            "people.json",
            "--program",
            "binario-f",
        ],
    );
    assert!(text.starts_with("2 persone su 2 collocate"), "{text}");
    fails(
        dir.path(),
        &["--db", &db, "place", "people.json"],
        1,
        "/sessions: missing",
    );
    fails(
        dir.path(),
        &[
            "--db",
            &db,
            "place",
            "people.json",
            "--program",
            "atlantide",
        ],
        1,
        "atlantide",
    );
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

#[test]
fn grants_load_then_rank_over_the_store_as_the_file_ranks() {
    let dir = tempfile::tempdir().unwrap();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/grants/cooperazione-digitale-esempio.json"
    );
    std::fs::copy(example, dir.path().join("call.json")).unwrap();
    // The file form is a contract and never touches a database.
    let from_file = ok(dir.path(), &["grants", "rank", "call.json", "--json"]);
    let text_from_file = ok(dir.path(), &["grants", "rank", "call.json"]);
    assert!(!dir.path().join("skillhub.db").exists());
    let db = format!("sqlite://{}", dir.path().join("grants.db").display());
    let loaded = json(&ok(
        dir.path(),
        &[
            "--db",
            &db,
            "grants",
            "load",
            "call.json",
            "--id",
            "cd-2022",
            "--json",
        ],
    ));
    assert_eq!(loaded["id"], "cd-2022");
    let file = json(&std::fs::read_to_string(dir.path().join("call.json")).unwrap());
    assert_eq!(
        loaded["applications"].as_u64(),
        Some(file["applications"].as_array().unwrap().len() as u64)
    );
    let preview = ok(
        dir.path(),
        &["--db", &db, "grants", "rank", "--call", "cd-2022", "--json"],
    );
    assert_eq!(preview, from_file);
    let text = ok(
        dir.path(),
        &["--db", &db, "grants", "rank", "--call", "cd-2022"],
    );
    assert_eq!(text, text_from_file);
    let awarded = ok(
        dir.path(),
        &[
            "--db", &db, "grants", "rank", "--call", "cd-2022", "--award", "--json",
        ],
    );
    assert_eq!(awarded, from_file);
    fails(
        dir.path(),
        &[
            "--db",
            &db,
            "grants",
            "load",
            "call.json",
            "--id",
            "cd-2022",
        ],
        1,
        "exists already",
    );
    fails(
        dir.path(),
        &["--db", &db, "grants", "rank", "--call", "nessuno"],
        1,
        "no grant call has id \"nessuno\"",
    );
    fails(dir.path(), &["--db", &db, "grants", "rank"], 2, "CALL.json");
    fails(
        dir.path(),
        &["grants", "rank", "call.json", "--call", "cd-2022"],
        2,
        "cannot be used with",
    );
    let bad = std::fs::read_to_string(dir.path().join("call.json"))
        .unwrap()
        .replacen("\"weight\": 3", "\"weight\": 0", 1);
    std::fs::write(dir.path().join("bad.json"), bad).unwrap();
    fails(
        dir.path(),
        &["--db", &db, "grants", "load", "bad.json", "--id", "rotto"],
        1,
        "bad.json: /criteria/0/weight: ",
    );
    fails(
        dir.path(),
        &["--db", &db, "grants", "load", "call.json"],
        1,
        "call.json: /id: a stored call needs an id",
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

#[test]
fn applications_of_cooperatives_are_checked_against_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/csv/domande-cooperative.csv"
    );
    std::fs::copy(sheet, dir.path().join("domande.csv")).unwrap();
    let dry = json(&ok(
        dir.path(),
        &[
            "import",
            "csv",
            "applications",
            "domande.csv",
            "--dry-run",
            "--json",
        ],
    ));
    assert_eq!(dry["encoding"], "windows-1252");
    assert_eq!(dry["applications"][0]["requested_cents"], 1_250_000);
    assert_eq!(dry["applications"][0]["admission"], "eligible");
    assert_eq!(
        dry["applications"][2]["priorities"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(!dir.path().join("skillhub.db").exists());
    fails(
        dir.path(),
        &["import", "csv", "applications", "domande.csv"],
        2,
        "give --call ID",
    );
    fails(
        dir.path(),
        &[
            "import",
            "csv",
            "applications",
            "domande.csv",
            "--call",
            "nessuno",
        ],
        2,
        "no grant call has id \"nessuno\"",
    );
}

/// Runs `task` with the store of `db` on a runtime of its own, as a second process would.
fn with_store<T>(db: &str, task: impl AsyncFnOnce(&skillhub_store::Store) -> T) -> T {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let options = skillhub_store::OpenOptions::default();
        let store = skillhub_store::Store::open(db, &options).await.unwrap();
        let out = task(&store).await;
        store.close().await;
        out
    })
}

/// The applications of `call` handed in by applicants (not loaded from a call file), by id.
fn handed_in(db: &str, call: &str) -> Vec<skillhub_store::GrantApplicationView> {
    with_store(db, async |store| {
        let count = store.grant_call(call).await.unwrap().unwrap().applications;
        let mut out = Vec::new();
        for id in 1..=count {
            let view = store.grant_application(id).await.unwrap().unwrap();
            if view.applicant.is_some() {
                out.push(view);
            }
        }
        out
    })
}

#[test]
fn applications_from_a_spreadsheet_are_handed_in_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/csv/domande-cooperative.csv"
    );
    std::fs::copy(sheet, dir.path().join("domande.csv")).unwrap();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/grants/cooperazione-digitale-esempio.json"
    );
    std::fs::copy(example, dir.path().join("call.json")).unwrap();
    let db = format!("sqlite://{}", dir.path().join("bando.db").display());
    ok(
        dir.path(),
        &[
            "--db",
            &db,
            "grants",
            "load",
            "call.json",
            "--id",
            "cd-2022",
        ],
    );
    let import = [
        "--db",
        &db,
        "import",
        "csv",
        "applications",
        "domande.csv",
        "--call",
        "cd-2022",
    ];
    assert_eq!(
        ok(dir.path(), &import),
        "3 domande consegnate al bando cd-2022 da domande.csv\n"
    );
    let first = handed_in(&db, "cd-2022");
    let codes: Vec<&str> = first.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, ["domanda-1", "domanda-2", "domanda-3"]);
    assert_eq!(
        first[0].applicant.as_ref().unwrap().partita_iva,
        "01234567897"
    );
    // The same file again: its first cooperative applied already, so nothing of it is handed in.
    fails(
        dir.path(),
        &import,
        1,
        "domande.csv:2: partita_iva: a cooperative with this partita IVA already applied to grant call \"cd-2022\"",
    );
    assert_eq!(handed_in(&db, "cd-2022"), first);
    // A new cooperative before one that applied: refused with it, at the file's own line.
    let text = std::fs::read(dir.path().join("domande.csv")).unwrap();
    let lines: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
    let new_one: &[u8] = b"coop-0009;Nuova Cooperativa Sociale;09876543217;A123457;Umbria;\
        cooperativa sociale;10.000,00;No;x;No;;;altro\r\n";
    let mixed = [lines[0], new_one, lines[3]].concat();
    std::fs::write(dir.path().join("nuove.csv"), mixed).unwrap();
    let import_new = [&import[..5], &["nuove.csv", "--call", "cd-2022"]].concat();
    fails(
        dir.path(),
        &import_new,
        1,
        "nuove.csv:3: partita_iva: a cooperative with this partita IVA already applied",
    );
    assert_eq!(handed_in(&db, "cd-2022"), first);
}

#[test]
fn grants_rank_award_takes_the_lottery_seed() {
    use skillhub_core::ids::Tag;
    use skillhub_core::person::OrganisationType;
    use skillhub_grants::call::Applicant;
    use skillhub_grants::evaluation::Mark;
    use skillhub_grants::score::Points;
    use skillhub_store::{GrantWrite, NewEvaluator, NewGrantApplication, Replay};

    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("pari.db").display());
    // Two cooperatives tie on everything but the lottery, and the call has no seed.
    let at = chrono::DateTime::parse_from_rfc3339("2022-04-01T09:00:00Z")
        .unwrap()
        .to_utc();
    with_store(&db, async |store| {
        let no_replay = |_: &_| Replay {
            status: 0,
            body: String::new(),
        };
        let call = r#"{"id": "pari", "budget_cents": 1000000,
            "criteria": [{"id": "impact", "weight": 1, "min_score": 2}]}"#;
        store
            .create_grant_call(call, None, "cli", None, at, no_replay)
            .await
            .unwrap();
        let coop = |name: &str, partita_iva: &str| NewGrantApplication {
            applicant: Applicant {
                name: name.into(),
                partita_iva: partita_iva.into(),
                organisation_type: Some(OrganisationType::SocialCooperative),
                albo_number: Some("A123456".into()),
                region: Some(Tag::parse("umbria").unwrap()),
                sector: None,
            },
            requested_cents: 600_000,
            priorities: Default::default(),
            project_kinds: Default::default(),
        };
        let requests = [coop("Uno", "01234567897"), coop("Due", "09876543217")];
        let done = store
            .submit_grant_applications("pari", &requests, "cli", at)
            .await
            .unwrap();
        let ids: Vec<i64> = done.iter().map(|d| d.application.id).collect();
        let request = NewEvaluator {
            label: "Valutatrice".into(),
            applications: ids.clone(),
            conflicts: Vec::new(),
        };
        let GrantWrite::Done((evaluator, _)) = store
            .create_grant_evaluator("pari", &request, "admin", None, at, |_, _| Replay {
                status: 0,
                body: String::new(),
            })
            .await
            .unwrap()
        else {
            panic!("no idempotency key was given")
        };
        for id in ids {
            let mark = Mark {
                points: Points::whole(4).unwrap(),
                comment: "pari".into(),
            };
            let marks = [(Tag::parse("impact").unwrap(), mark)]
                .into_iter()
                .collect();
            store
                .score_grant_application(&evaluator, id, marks, at)
                .await
                .unwrap();
        }
    });
    let app = |code: &str| {
        serde_json::json!({"id": code, "requested_cents": 600_000,
            "submitted_at": "2022-04-01T09:00:00Z", "scores": {"ev1": {"impact": 4}}})
    };
    let file = serde_json::json!({"budget_cents": 1_000_000,
        "criteria": [{"id": "impact", "weight": 1, "min_score": 2}], "lottery_seed": 7,
        "applications": [app("domanda-1"), app("domanda-2")]});
    std::fs::write(dir.path().join("pari.json"), file.to_string()).unwrap();
    let from_file = ok(dir.path(), &["grants", "rank", "pari.json", "--json"]);

    let rank = ["--db", &db, "grants", "rank", "--call", "pari", "--award"];
    fails(dir.path(), &rank, 1, "--award --lottery-seed N");
    fails(
        dir.path(),
        &[
            "--db",
            &db,
            "grants",
            "rank",
            "--call",
            "pari",
            "--lottery-seed",
            "7",
        ],
        2,
        "--award",
    );
    fails(
        dir.path(),
        &[&rank[..], &["--lottery-seed", "sette"]].concat(),
        2,
        "expected a whole number or 64 hex digits",
    );
    let with_seven = [&rank[..], &["--lottery-seed", "7", "--json"]].concat();
    assert_eq!(ok(dir.path(), &with_seven), from_file);
    // Recorded: the same seed (also as its 64 hex digits) gives the same ranking, another is
    // refused, and reading needs none.
    assert_eq!(ok(dir.path(), &with_seven), from_file);
    let hex = format!("07{}", "0".repeat(62));
    assert_eq!(
        ok(
            dir.path(),
            &[&rank[..], &["--lottery-seed", &hex, "--json"]].concat()
        ),
        from_file
    );
    fails(
        dir.path(),
        &[&rank[..], &["--lottery-seed", "8"]].concat(),
        1,
        &format!(
            "grant call \"pari\" recorded the lottery seed {hex}: a ranking cannot use another"
        ),
    );
    assert_eq!(
        ok(
            dir.path(),
            &["--db", &db, "grants", "rank", "--call", "pari", "--json"]
        ),
        from_file
    );
}
