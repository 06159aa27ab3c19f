//! `skillhub programs load` and `history`: a program from a file (TOML or JSON), created then
//! edited, a dry run that writes nothing, and every problem of a bad file with its line and
//! pointer.

use super::{fails, json, ok};

/// A program that is not a seed: one hub, one session.
const LABORATORI: &str = skillhub_testkit::LABORATORI_TORINO;

#[test]
fn a_program_is_loaded_then_edited_with_a_dry_run_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lab.toml"), LABORATORI).unwrap();
    assert_eq!(
        ok(dir.path(), &["programs", "load", "lab.toml"]),
        "laboratori-torino: nuovo programma, versione 1\n\
         Incontri pubblicati: torino-spid-2030-03-05\n"
    );
    let edited = LABORATORI
        .replace("Via della Cittadella 5", "Via Po 17")
        .replace(
            "audiences = [\"people\"]",
            "audiences = [\"people\"]\neligibility = { age = { min = 18 } }",
        );
    std::fs::write(dir.path().join("lab.toml"), &edited).unwrap();
    let dry = ok(dir.path(), &["programs", "load", "lab.toml", "--dry-run"]);
    assert_eq!(
        dry.lines().collect::<Vec<_>>(),
        [
            "laboratori-torino: versione 1 → 2 (prova: nulla è stato scritto)",
            "Modifiche:",
            "  - Chi può partecipare cambia. Prima: aperto a tutti. Ora: Disponibile solo se: hai almeno 18 anni.",
            "    Nota: Vale solo per le iscrizioni fatte dopo la modifica: i posti già assegnati e le liste d'attesa restano come sono.",
            "  - La sede «Biblioteca civica centrale» (torino-centro) cambia indirizzo: da Via della Cittadella 5, 10122 Torino a Via Po 17, 10122 Torino.",
        ]
    );
    let history = ok(dir.path(), &["programs", "history", "laboratori-torino"]);
    assert_eq!(history.lines().count(), 1, "{history}");

    // The same edit as JSON, written.
    let value: toml::Value = toml::from_str(&edited).unwrap();
    std::fs::write(
        dir.path().join("lab.json"),
        serde_json::to_string_pretty(&value).unwrap(),
    )
    .unwrap();
    let plan = json(&ok(dir.path(), &["programs", "load", "lab.json", "--json"]));
    assert_eq!(plan["version"], 2);
    assert_eq!(plan["written"], true);
    assert_eq!(plan["changes"][1]["kind"], "hub_moved");
    assert!(
        plan["note"]["en"]
            .as_str()
            .unwrap()
            .starts_with("It applies only")
    );

    let history = json(&ok(
        dir.path(),
        &["programs", "history", "laboratori-torino", "--json"],
    ));
    let versions: Vec<(i64, &str, &str)> = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["actor"].as_str().unwrap(),
                v["format"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, [(2, "cli", "json"), (1, "cli", "toml")]);
    let shown = ok(dir.path(), &["programs", "show", "laboratori-torino"]);
    assert!(shown.contains("Via Po 17"), "{shown}");
}

#[test]
fn a_bad_file_is_refused_with_every_line_and_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let broken = LABORATORI
        .replace("end = \"12:30\"", "end = \"08:30\"")
        .replace("capacity = 20", "capacity = 10");
    std::fs::write(dir.path().join("lab.toml"), broken).unwrap();
    fails(
        dir.path(),
        &["programs", "load", "lab.toml"],
        1,
        "lab.toml:23: /sessions/0/seats/in_person: 20 in-person seats do not fit in room \"aula\", which holds 10\n\
         lab.toml:17: /sessions/0: the session ends (2030-03-05 08:30:00) before or when it starts (2030-03-05 09:30:00)",
    );
    std::fs::write(dir.path().join("lab.json"), "{\n  \"id\": 3\n}").unwrap();
    fails(
        dir.path(),
        &["programs", "load", "lab.json", "--dry-run"],
        1,
        "lab.json:2:9: invalid type: integer `3`",
    );
    std::fs::write(dir.path().join("lab.txt"), "").unwrap();
    fails(
        dir.path(),
        &["programs", "load", "lab.txt"],
        2,
        "lab.txt: a program is a .toml file",
    );
    // Nothing was written: the program does not exist.
    fails(
        dir.path(),
        &["programs", "history", "laboratori-torino"],
        1,
        "no program has id \"laboratori-torino\"",
    );
    let seeds = ok(dir.path(), &["programs", "history", "binario-f"]);
    assert!(
        seeds.starts_with("v1  ") && seeds.contains("  seed  toml  Prima versione."),
        "{seeds}"
    );
}
