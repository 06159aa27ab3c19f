//! Matching, the lottery and placement by level: the generated instance judged by the
//! independent checker, JSON pointers in errors, a draw anyone can verify, and placement from a
//! file or over the database.

use std::path::Path;
use std::process::Command;

use super::{fails, json, ok};

/// The independent matching checker and its instance generator: `../shared/bench/matching`
/// beside the repository when it is there (the steering repository's own copy), else the copy
/// kept in `fixtures/bench/matching/` (taken from it unchanged), so the judge of the matching
/// runs wherever the repository is cloned.
fn bench_matching_dir() -> std::path::PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = manifest.join("../../../shared/bench/matching");
    if ["gen.py", "check.py"]
        .iter()
        .all(|script| shared.join(script).is_file())
    {
        return shared;
    }
    manifest.join("../../fixtures/bench/matching")
}

#[test]
fn match_solves_the_generated_s_instance_as_the_independent_checker_wants() {
    let bench = bench_matching_dir();
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
