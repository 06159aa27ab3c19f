//! Programs as data: a program is created and edited from its definition (TOML or JSON), each
//! write a new version with its changes; refusals name the problem and change nothing; a dry
//! run writes nothing; the seeds are version 1 and unchanged.

use skillhub_core::definition::Format;
use skillhub_core::fixture::{Catalog, ProgramError, SEED_PROGRAMS};
use skillhub_store::{
    Error, ProgramPlan, ProgramRefusal, PutMode, PutProgram, Run, SessionFilter, Store,
};

use super::{PgDatabase, sqlite};

contract!(
    the_seeds_are_version_one_and_unchanged,
    a_program_is_created_then_edited_in_versions,
    a_dry_run_writes_nothing,
    refusals_name_the_problem_and_change_nothing,
    a_hub_with_sessions_is_not_removed,
    a_json_definition_is_stored_and_read_back,
    published_sessions_are_never_changed_by_a_definition,
);

/// A program that is not a seed: one hub, one session.
const LABORATORI: &str = skillhub_testkit::LABORATORI_TORINO;

/// [`LABORATORI`] edited: the hub moves, a rule appears, a second session is added.
fn edited() -> String {
    let mut text = LABORATORI
        .replacen("Via della Cittadella 5", "Via Po 17", 1)
        .replacen(
            "audiences = [\"people\"]",
            "audiences = [\"people\"]\neligibility = { age = { min = 18 } }",
            1,
        );
    text.push_str(
        r#"
[[sessions]]
id = "torino-pec-2030-03-12"
hub = "torino-centro"
title = "La PEC e il domicilio digitale"
mode = "in_person"
seats = { in_person = 15, online = 0 }
date = "2030-03-12"
start = "09:30"
end = "12:30"
"#,
    );
    text
}

fn put<'a>(text: &'a str, mode: PutMode, run: Run) -> PutProgram<'a> {
    PutProgram {
        text,
        format: Format::Toml,
        mode,
        run,
        actor: "admin-token",
    }
}

async fn create(store: &Store) -> ProgramPlan {
    store
        .put_program(put(LABORATORI, PutMode::Create, Run::Write))
        .await
        .unwrap()
}

/// The program's sessions as `(id, program version)`.
async fn sessions(store: &Store, program: &str) -> Vec<(String, i64)> {
    let filter = SessionFilter {
        program: Some(program.to_owned()),
        ..SessionFilter::default()
    };
    store
        .sessions(&filter)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id.to_string(), s.program_version))
        .collect()
}

fn refusal(err: Error) -> ProgramRefusal {
    match err {
        Error::Program(refusal) => refusal,
        other => panic!("expected a program refusal, got {other:?}"),
    }
}

async fn the_seeds_are_version_one_and_unchanged(store: Store, _url: String) {
    let seeds = Catalog::seeds().unwrap();
    for (seed, (_, text)) in seeds.programs().iter().zip(SEED_PROGRAMS) {
        let id = seed.id().as_str();
        let stored = store.stored_program(id).await.unwrap().unwrap();
        assert_eq!(&stored.program, seed);
        assert_eq!((stored.version, stored.format), (1, Format::Toml));
        assert_eq!(stored.definition, text);
        let history = store.program_history(id).await.unwrap();
        assert_eq!(history.len(), 1, "{id}");
        assert_eq!((history[0].version, history[0].actor.as_str()), (1, "seed"));
        assert!(history[0].changes.is_empty());
        for (session, version) in sessions(&store, id).await {
            assert_eq!(version, 1, "{session}");
        }
    }
}

async fn a_program_is_created_then_edited_in_versions(store: Store, _url: String) {
    let plan = create(&store).await;
    assert!(plan.created && plan.written);
    assert_eq!((plan.previous_version, plan.version), (None, 1));
    assert!(plan.changes.is_empty());
    assert_eq!(
        plan.sessions_added
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["torino-spid-2030-03-05"]
    );
    assert_eq!(
        sessions(&store, "laboratori-torino").await,
        [("torino-spid-2030-03-05".to_owned(), 1)]
    );

    let text = edited();
    let plan = store
        .put_program(put(&text, PutMode::Replace, Run::Write))
        .await
        .unwrap();
    assert!(!plan.created);
    assert_eq!((plan.previous_version, plan.version), (Some(1), 2));
    let kinds: Vec<&str> = plan.changes.iter().map(|c| c.kind()).collect();
    assert_eq!(kinds, ["eligibility_changed", "hub_moved", "session_added"]);
    assert!(plan.rule_note().is_some());
    assert_eq!(
        sessions(&store, "laboratori-torino").await,
        [
            ("torino-spid-2030-03-05".to_owned(), 1),
            ("torino-pec-2030-03-12".to_owned(), 2)
        ]
    );
    let stored = store
        .stored_program("laboratori-torino")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 2);
    assert!(stored.program.eligibility().is_some());
    assert_eq!(
        stored.program.hubs()[0].address.one_line(),
        "Via Po 17, 10122 Torino"
    );
    let hubs = store.program_hubs("laboratori-torino").await.unwrap();
    assert_eq!(hubs[0].address, "Via Po 17, 10122 Torino");

    let history = store.program_history("laboratori-torino").await.unwrap();
    let lines: Vec<(i64, &str)> = history
        .iter()
        .map(|v| (v.version, v.actor.as_str()))
        .collect();
    assert_eq!(lines, [(2, "admin-token"), (1, "admin-token")]);
    assert_eq!(history[0].changes[1].kind, "hub_moved");
    assert!(
        history[0]
            .summary
            .starts_with("Chi può partecipare cambia.")
    );
    assert_eq!(history[1].summary, "Prima versione.");
    let (first, definition) = store
        .program_version("laboratori-torino", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.version, definition.as_str()), (1, LABORATORI));
    assert!(
        store
            .program_version("laboratori-torino", 3)
            .await
            .unwrap()
            .is_none()
    );
    let audit: Vec<(String, String)> = store
        .audit_log("program", "laboratori-torino")
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor))
        .collect();
    assert_eq!(
        audit,
        [
            ("program.create".to_owned(), "admin-token".to_owned()),
            ("program.update".to_owned(), "admin-token".to_owned())
        ]
    );
    // An unchanged definition is a new version with no changes.
    let same = store
        .put_program(put(&text, PutMode::CreateOrReplace, Run::Write))
        .await
        .unwrap();
    assert_eq!((same.version, same.changes.len()), (3, 0));
    assert!(same.sessions_added.is_empty());
}

async fn a_dry_run_writes_nothing(store: Store, _url: String) {
    let plan = store
        .put_program(put(LABORATORI, PutMode::Create, Run::DryRun))
        .await
        .unwrap();
    assert!(plan.created && !plan.written);
    assert_eq!(plan.version, 1);
    assert!(store.program("laboratori-torino").await.unwrap().is_none());
    assert!(sessions(&store, "laboratori-torino").await.is_empty());

    create(&store).await;
    let text = edited();
    let plan = store
        .put_program(put(&text, PutMode::Replace, Run::DryRun))
        .await
        .unwrap();
    assert_eq!((plan.version, plan.written), (2, false));
    assert_eq!(plan.changes.len(), 3);
    assert_eq!(plan.sessions_added.len(), 1);
    let stored = store
        .stored_program("laboratori-torino")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.version, stored.definition.as_str()),
        (1, LABORATORI)
    );
    assert_eq!(sessions(&store, "laboratori-torino").await.len(), 1);
    assert_eq!(
        store
            .program_history("laboratori-torino")
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .audit_log("program", "laboratori-torino")
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn refusals_name_the_problem_and_change_nothing(store: Store, _url: String) {
    // Every problem of the file, each with its pointer.
    let broken = LABORATORI
        .replacen("end = \"12:30\"", "end = \"08:30\"", 1)
        .replacen("hub = \"torino-centro\"", "hub = \"torino\"", 1);
    let err = store
        .put_program(put(&broken, PutMode::Create, Run::Write))
        .await
        .unwrap_err();
    let ProgramRefusal::Invalid(ProgramError::Invalid(problems)) = refusal(err) else {
        panic!("expected field errors");
    };
    let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(pointers, ["/sessions/0/hub"]);
    let err = store
        .put_program(put("id = ", PutMode::Create, Run::Write))
        .await
        .unwrap_err();
    assert!(matches!(
        refusal(err),
        ProgramRefusal::Invalid(ProgramError::Syntax { line: 1, .. })
    ));
    // A create of an existing id, a replace of a missing one.
    let (_, binario_f) = SEED_PROGRAMS
        .iter()
        .find(|(n, _)| *n == "binario-f.toml")
        .unwrap();
    let err = store
        .put_program(put(binario_f, PutMode::Create, Run::Write))
        .await
        .unwrap_err();
    assert_eq!(refusal(err), ProgramRefusal::Exists("binario-f".into()));
    let err = store
        .put_program(put(LABORATORI, PutMode::Replace, Run::Write))
        .await
        .unwrap_err();
    assert_eq!(
        refusal(err),
        ProgramRefusal::Missing("laboratori-torino".into())
    );
    // Another program's hub or session.
    let taken = LABORATORI.replace("torino-centro", "binario-f-roma-termini");
    let err = store
        .put_program(put(&taken, PutMode::Create, Run::Write))
        .await
        .unwrap_err();
    assert_eq!(
        refusal(err),
        ProgramRefusal::HubOfAnotherProgram {
            hub: "binario-f-roma-termini".into(),
            program: "binario-f".into()
        }
    );
    let taken = LABORATORI
        .replace("torino-spid-2030-03-05", "binario-f-2019-02-12")
        .replace("2030-", "2019-");
    let err = store
        .put_program(put(&taken, PutMode::Create, Run::Write))
        .await
        .unwrap_err();
    assert_eq!(
        refusal(err),
        ProgramRefusal::SessionOfAnotherProgram {
            session: "binario-f-2019-02-12".into(),
            program: "binario-f".into()
        }
    );
    // Nothing was written by any of them.
    assert!(store.program("laboratori-torino").await.unwrap().is_none());
    assert!(hubs_of(&store, "laboratori-torino").await.is_empty());
    let binario = store.stored_program("binario-f").await.unwrap().unwrap();
    assert_eq!(binario.version, 1);
}

async fn a_hub_with_sessions_is_not_removed(store: Store, _url: String) {
    create(&store).await;
    // A second hub, then a file without the first hub and its session.
    let two_hubs = LABORATORI.replacen(
        "[[sessions]]",
        "[[hubs]]\nid = \"torino-nord\"\nname = \"Biblioteca nord\"\nzone = \"Europe/Rome\"\naddress = { city = \"Torino\", country = \"IT\" }\n\n[[sessions]]",
        1,
    );
    store
        .put_program(put(&two_hubs, PutMode::Replace, Run::Write))
        .await
        .unwrap();
    let start = two_hubs.find("[[hubs]]").unwrap();
    let end = two_hubs.find("[[hubs]]\nid = \"torino-nord\"").unwrap();
    let without_first: String =
        two_hubs[..start].to_owned() + &two_hubs[end..two_hubs.find("[[sessions]]").unwrap()];
    for run in [Run::DryRun, Run::Write] {
        let err = store
            .put_program(put(&without_first, PutMode::Replace, run))
            .await
            .unwrap_err();
        let refused = refusal(err);
        assert_eq!(
            refused.to_string(),
            "hub \"torino-centro\" cannot be removed: it has sessions torino-spid-2030-03-05"
        );
    }
    assert_eq!(
        store
            .stored_program("laboratori-torino")
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
    // A hub without sessions goes.
    let plan = store
        .put_program(put(LABORATORI, PutMode::Replace, Run::Write))
        .await
        .unwrap();
    let kinds: Vec<&str> = plan.changes.iter().map(|c| c.kind()).collect();
    assert_eq!(kinds, ["hub_removed"]);
    assert_eq!(
        hubs_of(&store, "laboratori-torino").await,
        ["torino-centro"]
    );
}

async fn a_json_definition_is_stored_and_read_back(store: Store, _url: String) {
    let (_, binario_f) = SEED_PROGRAMS
        .iter()
        .find(|(n, _)| *n == "binario-f.toml")
        .unwrap();
    let value: toml::Value = toml::from_str(binario_f).unwrap();
    let json = serde_json::to_string_pretty(&value).unwrap();
    let plan = store
        .put_program(PutProgram {
            text: &json,
            format: Format::Json,
            mode: PutMode::Replace,
            run: Run::Write,
            actor: "staff:1",
        })
        .await
        .unwrap();
    assert_eq!((plan.version, plan.changes.len()), (2, 0));
    let stored = store.stored_program("binario-f").await.unwrap().unwrap();
    assert_eq!(stored.format, Format::Json);
    assert_eq!(
        stored.program,
        Catalog::seeds()
            .unwrap()
            .program("binario-f")
            .unwrap()
            .clone()
    );
    assert_eq!(store.programs().await.unwrap().len(), 6);
    let history = store.program_history("binario-f").await.unwrap();
    assert_eq!(
        (history[0].format, history[0].actor.as_str()),
        (Format::Json, "staff:1")
    );
}

async fn published_sessions_are_never_changed_by_a_definition(store: Store, _url: String) {
    create(&store).await;
    let before = store
        .session("torino-spid-2030-03-05")
        .await
        .unwrap()
        .unwrap();
    // The file describes the session differently, then drops it: it stays as published.
    let moved = LABORATORI.replacen("title = \"SPID", "title = \"Nuovo titolo: SPID", 1);
    let plan = store
        .put_program(put(&moved, PutMode::Replace, Run::Write))
        .await
        .unwrap();
    let kinds: Vec<&str> = plan.changes.iter().map(|c| c.kind()).collect();
    assert_eq!(kinds, ["session_differs"]);
    assert!(plan.changes[0].note().is_some());
    let without = &LABORATORI[..LABORATORI.find("[[sessions]]").unwrap()];
    let plan = store
        .put_program(put(without, PutMode::Replace, Run::Write))
        .await
        .unwrap();
    let kinds: Vec<&str> = plan.changes.iter().map(|c| c.kind()).collect();
    assert_eq!(kinds, ["session_dropped"]);
    let after = store
        .session("torino-spid-2030-03-05")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, before);
}

/// The ids of the hubs stored for `program`.
async fn hubs_of(store: &Store, program: &str) -> Vec<String> {
    store
        .program_hubs(program)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}
