//! Completions of online courses over HTTP: who may send them, the body's type and the format,
//! the summary, the problems of a refused export (422, never written), and the progress route
//! counting them at once.

use serde_json::{Value, json};

use super::{ADMIN, Call, api, get};

const PATH: &str = "/v1/programs/community-skill-hubs/completions";

/// A report builder export (Italian), as Moodle writes it.
const MOODLE: &str = "Nome completo del corso;Indirizzo email;Paese;Tipo organizzazione;Partita IVA;Data e ora di completamento\n\
    Sicurezza online per le PMI;anna.rossi@example.org;Italia;PMI;01234567897;mercoledì, 12 giugno 2019, 10:30\n\
    Sicurezza online per le PMI;pilar.sanchez@example.org;Spagna;;;05/07/2019 09:05\n\
    Sicurezza online per le PMI;giulia.ferri@example.org;Italia;;;\n";

async fn send(
    app: &axum::Router,
    query: &str,
    token: Option<&str>,
    kind: &str,
    body: &str,
) -> super::Reply {
    let mut call = Call::new("POST", &format!("{PATH}{query}")).raw(kind, body);
    if let Some(token) = token {
        call = call.token(token);
    }
    call.send(app).await
}

fn done(report: &Value, id: &str) -> Value {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .map(|t| t["done"].clone())
        .unwrap()
}

#[tokio::test]
async fn the_program_staff_send_completions_once_and_progress_counts_them() {
    let api = api().await;
    let progress = "/v1/programs/community-skill-hubs/progress?on=2019-12-31";
    let before = get(&api.app, progress).await.json();
    assert_eq!(done(&before, "candidates-online"), 0);

    // Who may: not the public, not another program's operator.
    send(&api.app, "?format=moodle", None, "text/csv", MOODLE)
        .await
        .problem(401);
    let other = api
        .store
        .create_operator_token("binario-f", "altro programma")
        .await
        .unwrap();
    send(&api.app, "?format=moodle", Some(&other), "text/csv", MOODLE)
        .await
        .problem(403);
    let operator = api
        .store
        .create_operator_token("community-skill-hubs", "piattaforma e-learning")
        .await
        .unwrap();

    // The format is said, and the body is of its type.
    let missing = send(&api.app, "", Some(&operator), "text/csv", MOODLE)
        .await
        .problem(400);
    assert!(
        missing["detail"].as_str().unwrap().contains("moodle"),
        "{missing}"
    );
    send(
        &api.app,
        "?format=xapi",
        Some(&operator),
        "text/csv",
        MOODLE,
    )
    .await
    .problem(415);
    send(
        &api.app,
        "?format=moodle&country=Atlantide",
        Some(&operator),
        "text/csv",
        MOODLE,
    )
    .await
    .problem(400);
    send(&api.app, "?format=moodle", Some(ADMIN), "text/csv", MOODLE).await;
    let unknown = Call::new("POST", "/v1/programs/nessuno/completions?format=moodle")
        .token(ADMIN)
        .raw("text/csv", MOODLE)
        .send(&api.app)
        .await;
    unknown.problem(404);

    let again = send(
        &api.app,
        "?format=moodle",
        Some(&operator),
        "text/csv; charset=utf-8",
        MOODLE,
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(
        again.json(),
        json!({
            "program_id": "community-skill-hubs",
            "format": "moodle",
            "read": 3,
            "new": 0,
            "known": 2,
            "skipped": [{
                "reason": "not_completed",
                "label_it": "non ancora completati (cella di completamento vuota)",
                "count": 1,
            }],
        })
    );
    // The admin's import above wrote them; the figures were forgotten, so they show at once.
    let after = get(&api.app, progress).await.json();
    assert_eq!(done(&after, "candidates-online"), 2);
    assert_eq!(done(&after, "smes-online"), 1);
}

#[tokio::test]
async fn a_refused_export_lists_every_problem_and_writes_nothing() {
    let api = api().await;
    let broken = "Corso;Indirizzo email;Paese;Data di completamento\n\
        Sicurezza online;anna.rossi@example.org;Italia;12/06/2019\n\
        Sicurezza online;mario.verdi(at)example.org;Italia;13/06/2019\n\
        Sicurezza online;paola.neri@example.org;;31/06/2019\n";
    let body = send(&api.app, "?format=moodle", Some(ADMIN), "text/csv", broken)
        .await
        .problem(422);
    let errors: Vec<(u64, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 3, "{body}");
    assert_eq!(errors[0].0, 3);
    assert!(
        errors[0]
            .1
            .starts_with("Indirizzo email: «mario.verdi(at)example.org»"),
        "{body}"
    );
    assert_eq!((errors[1].0, errors[2].0), (4, 4));
    assert!(errors[2].1.starts_with("Paese: manca il paese"), "{body}");
    let data = api
        .store
        .person_data(&skillhub_core::person::Email::parse("anna.rossi@example.org").unwrap())
        .await
        .unwrap();
    assert!(data.completions.is_empty(), "nothing was written");

    // xAPI: problems by JSON pointer, with the statement's line.
    let statements = "[\n  {\"actor\": {\"name\": \"Anna\"},\n   \"verb\": {\"id\": \"http://adlnet.gov/expapi/verbs/completed\"},\n   \"object\": {\"id\": \"https://lms.example.org/corso/1\"},\n   \"timestamp\": \"2019-06-12T10:30:00+02:00\"}\n]";
    let body = send(
        &api.app,
        "?format=xapi&country=IT",
        Some(ADMIN),
        "application/json",
        statements,
    )
    .await
    .problem(422);
    assert_eq!(body["errors"][0]["pointer"], "/0/actor", "{body}");
    assert_eq!(body["errors"][0]["line"], 2, "{body}");
    // Not JSON at all is a problem too, never a 500.
    let body = send(
        &api.app,
        "?format=xapi&country=IT",
        Some(ADMIN),
        "application/json",
        "[{",
    )
    .await
    .problem(422);
    assert!(body["detail"].as_str().unwrap().contains("JSON"), "{body}");
    // A program in six countries needs the file's country for xAPI.
    let fine = statements.replace(
        "\"name\": \"Anna\"",
        "\"mbox\": \"mailto:anna.rossi@example.org\"",
    );
    send(
        &api.app,
        "?format=xapi",
        Some(ADMIN),
        "application/json",
        &fine,
    )
    .await
    .problem(422);
    let written = send(
        &api.app,
        "?format=xapi&country=Italia",
        Some(ADMIN),
        "application/json",
        &fine,
    )
    .await;
    assert_eq!(written.status, 200, "{}", written.text);
    assert_eq!(written.json()["new"], 1);
}
