//! Grant calls from the command line: loading and ranking over the store as the file ranks,
//! applications checked against the call and handed in from a spreadsheet all or nothing, and
//! the award's lottery seed.

use super::{fails, json, ok};

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
                email: None,
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
            email: None,
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
