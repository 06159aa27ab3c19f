//! Reading the catalog: programs and sessions in Italian and as JSON, eligibility explained,
//! and errors that name the file and line.

use super::{fails, json, ok};

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
    assert_eq!(
        goals,
        [
            1_000_000, 500_000, 300_000, 75_000, 225_000, 100_000, 250_000
        ]
    );
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
