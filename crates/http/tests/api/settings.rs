//! A program's settings where the API reads them: a program that requires the codice fiscale
//! refuses a registration without it (or with one that is wrong, or of another birth date) at
//! `/codice_fiscale`, and one code holds one live registration per session; a program that
//! offers only Italian writes to everyone in Italian.

use serde_json::json;
use skillhub_core::lang::Lang;

use super::{ADMIN, Call, api, register};

/// The test program, asking for the codice fiscale and offering Italian only.
fn strict() -> String {
    skillhub_testkit::LABORATORI_TORINO.replace(
        "[[hubs]]",
        "[settings]\nlanguages = [\"it\"]\ncodice_fiscale = \"required\"\n\n[[hubs]]",
    )
}

const SESSION: &str = "torino-spid-2030-03-05";

#[tokio::test]
async fn the_codice_fiscale_and_the_languages_a_program_asks_for() {
    let api = api().await;
    let reply = Call::new("POST", "/v1/programs")
        .token(ADMIN)
        .raw("application/toml", &strict())
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);

    let problem = |body: serde_json::Value| {
        let app = api.app.clone();
        async move {
            let reply = register(&app, SESSION, &body).await;
            assert_eq!(reply.status, 422, "{}", reply.text);
            let problem = reply.json();
            let pointers: Vec<String> = problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["pointer"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(pointers, ["/codice_fiscale"], "{problem}");
            problem["errors"][0]["detail"].as_str().unwrap().to_owned()
        }
    };
    let anna = json!({"email": "anna@example.it", "name": "Anna Rossi"});
    let missing = problem(anna.clone()).await;
    assert!(missing.contains("needs the codice fiscale"), "{missing}");
    let wrong = problem(json!({"email": "anna@example.it", "name": "Anna Rossi", "codice_fiscale": "RSSMRA85T10A562T"})).await;
    assert!(wrong.contains("check"), "{wrong}");
    let other_day = problem(json!({
        "email": "anna@example.it", "name": "Anna Rossi", "codice_fiscale": "RSSMRA85T10A562S",
        "attributes": {"birth_date": "1985-12-11"}
    }))
    .await;
    assert!(other_day.contains("born on another day"), "{other_day}");

    // Right, in any case: registered, and in Italian although English was asked for.
    let reply = register(
        &api.app,
        SESSION,
        &json!({
            "email": "mario@example.it", "name": "Mario Rossi",
            "codice_fiscale": "rssmra85t10a562s", "lang": "en",
            "attributes": {"birth_date": "1985-12-10"}
        }),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let id = reply.json()["id"].as_i64().unwrap();
    let stored = api.store.registration(id).await.unwrap().unwrap();
    assert_eq!(
        stored.codice_fiscale.map(|c| c.as_str().to_owned()),
        Some("RSSMRA85T10A562S".to_owned())
    );
    assert_eq!(stored.lang, Lang::It);

    // The same code under another address: the same person, already registered.
    let reply = register(
        &api.app,
        SESSION,
        &json!({"email": "m.rossi@example.it", "name": "Mario Rossi", "codice_fiscale": "RSSMRA85T10A562S"}),
    )
    .await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    assert!(reply.text.contains("codice fiscale"), "{}", reply.text);
    assert!(!reply.text.contains("RSSMRA85T10A562S"), "{}", reply.text);
}
