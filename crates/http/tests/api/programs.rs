//! Programs as data over HTTP: the admin creates a program (TOML or JSON), plans an edit with
//! a dry run, writes it, and reads the history; every refusal is a problem with its pointers
//! (and lines), and `GET /v1/programs/{id}` shows the stored version at once.

use serde_json::{Value, json};

use super::{ADMIN, Api, Call, api, get, snapshot_plain};

/// A program that is not a seed: one hub, one session.
const LABORATORI: &str = skillhub_testkit::LABORATORI_TORINO;

/// [`LABORATORI`] with the hub moved and a rule on age.
fn edited() -> String {
    LABORATORI
        .replace("Via della Cittadella 5", "Via Po 17")
        .replace(
            "audiences = [\"people\"]",
            "audiences = [\"people\"]\neligibility = { age = { min = 18 } }",
        )
}

fn toml_to_json(text: &str) -> String {
    let value: toml::Value = toml::from_str(text).unwrap();
    serde_json::to_string(&value).unwrap()
}

async fn send(api: &Api, method: &str, uri: &str, content_type: &str, body: &str) -> super::Reply {
    Call::new(method, uri)
        .token(ADMIN)
        .raw(content_type, body)
        .send(&api.app)
        .await
}

#[tokio::test]
async fn a_program_is_created_planned_edited_and_shown_at_once() {
    let api = api().await;
    let reply = send(&api, "POST", "/v1/programs", "application/toml", LABORATORI).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.header("location"), "/v1/programs/laboratori-torino");
    let plan = reply.json();
    assert_eq!(
        (
            plan["created"].clone(),
            plan["version"].clone(),
            plan["written"].clone()
        ),
        (json!(true), json!(1), json!(true))
    );
    assert_eq!(plan["sessions_added"], json!(["torino-spid-2030-03-05"]));
    let shown = get(&api.app, "/v1/programs/laboratori-torino").await.json();
    assert_eq!(
        (shown["version"].clone(), shown["eligibility"].clone()),
        (json!(1), Value::Null)
    );

    // A dry run: the plan, nothing written.
    let uri = "/v1/programs/laboratori-torino";
    let reply = send(
        &api,
        "PUT",
        &format!("{uri}?dry_run=true"),
        "application/toml",
        &edited(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let dry = reply.json();
    assert_eq!(dry["written"], false);
    assert_eq!(get(&api.app, uri).await.json()["version"], 1);

    // Written, as JSON: the same plan, and the program shows the new version at once.
    let reply = send(
        &api,
        "PUT",
        uri,
        "application/json",
        &toml_to_json(&edited()),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let plan = reply.json();
    assert_eq!(plan["changes"], dry["changes"]);
    snapshot_plain!("program_edit_plan", plan);
    let shown = get(&api.app, uri).await.json();
    assert_eq!(shown["version"], 2);
    assert_eq!(
        shown["eligibility"]["it"],
        "Disponibile solo se: hai almeno 18 anni."
    );
    let listed = get(&api.app, "/v1/programs").await.json();
    let versions: Vec<(String, i64)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(versions.contains(&("laboratori-torino".to_owned(), 2)));
    assert!(versions.contains(&("binario-f".to_owned(), 1)));
    let hubs = get(&api.app, "/v1/hubs?program=laboratori-torino")
        .await
        .json();
    assert!(hubs.to_string().contains("Via Po 17"), "{hubs}");

    // The history, newest first.
    let reply = Call::new("GET", "/v1/programs/laboratori-torino/history")
        .token(ADMIN)
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let history = reply.json();
    let lines: Vec<(i64, &str, &str)> = history["items"]
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
    assert_eq!(lines, [(2, "admin", "json"), (1, "admin", "toml")]);
    assert_eq!(history["items"][0]["changes"][1]["kind"], "hub_moved");
}

#[tokio::test]
async fn refusals_are_problems_with_pointers_and_lines() {
    let api = api().await;
    // Every problem of a TOML body, each with its pointer and line.
    let broken = LABORATORI
        .replace("end = \"12:30\"", "end = \"08:30\"")
        .replace("capacity = 20", "capacity = 10");
    let reply = send(&api, "POST", "/v1/programs", "application/toml", &broken).await;
    let problem = reply.problem(422);
    assert_eq!(
        problem["errors"],
        json!([
            {"pointer": "/sessions/0/seats/in_person", "line": 23,
             "detail": "20 in-person seats do not fit in room \"aula\", which holds 10"},
            {"pointer": "/sessions/0", "line": 17,
             "detail": "the session ends (2030-03-05 08:30:00) before or when it starts (2030-03-05 09:30:00)"},
        ])
    );
    // The same problems in JSON, without lines; a syntax error with its line and column.
    let reply = send(
        &api,
        "POST",
        "/v1/programs",
        "application/json",
        &toml_to_json(&broken),
    )
    .await;
    let problem = reply.problem(422);
    assert_eq!(
        problem["errors"][0]["pointer"],
        "/sessions/0/seats/in_person"
    );
    assert!(problem["errors"][0].get("line").is_none());
    let reply = send(
        &api,
        "POST",
        "/v1/programs",
        "application/toml",
        "id = \"x\"\nname = 3\n",
    )
    .await;
    let problem = reply.problem(422);
    assert_eq!(
        (
            problem["errors"][0]["line"].clone(),
            problem["errors"][0]["column"].clone()
        ),
        (json!(2), json!(8))
    );
    // Nothing was written.
    get(&api.app, "/v1/programs/laboratori-torino")
        .await
        .problem(404);

    // An existing id, a missing one, a body whose id is not the path's.
    let reply = send(&api, "POST", "/v1/programs", "application/toml", LABORATORI).await;
    assert_eq!(reply.status, 201);
    let reply = send(&api, "POST", "/v1/programs", "application/toml", LABORATORI).await;
    assert!(
        reply.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("exists already")
    );
    let other = LABORATORI.replace("laboratori-torino", "laboratori-asti");
    let reply = send(
        &api,
        "PUT",
        "/v1/programs/laboratori-asti",
        "application/toml",
        &other,
    )
    .await;
    reply.problem(404);
    let reply = send(
        &api,
        "PUT",
        "/v1/programs/binario-f",
        "application/toml",
        LABORATORI,
    )
    .await;
    let problem = reply.problem(422);
    assert_eq!(problem["errors"][0]["pointer"], "/id");
    assert_eq!(problem["errors"][0]["line"], 1);

    // A hub that has sessions is not removed: the problem lists them.
    let without_hub = &LABORATORI[..LABORATORI.find("[[hubs]]").unwrap()];
    let reply = send(
        &api,
        "PUT",
        "/v1/programs/laboratori-torino",
        "application/toml",
        without_hub,
    )
    .await;
    assert_eq!(
        reply.problem(409)["detail"],
        "hub \"torino-centro\" cannot be removed: it has sessions torino-spid-2030-03-05"
    );
    assert_eq!(
        get(&api.app, "/v1/programs/laboratori-torino").await.json()["version"],
        1
    );

    // The body's type, the query, the token.
    let reply = send(&api, "POST", "/v1/programs", "text/plain", LABORATORI).await;
    reply.problem(415);
    let reply = send(
        &api,
        "POST",
        "/v1/programs?dry_run=maybe",
        "application/toml",
        LABORATORI,
    )
    .await;
    reply.problem(400);
    let reply = Call::new("POST", "/v1/programs")
        .raw("application/toml", LABORATORI)
        .send(&api.app)
        .await;
    reply.problem(401);
    let operator = api
        .store
        .create_operator_token("laboratori-torino", "sportello")
        .await
        .unwrap();
    let reply = Call::new("PUT", "/v1/programs/laboratori-torino")
        .token(&operator)
        .raw("application/toml", LABORATORI)
        .send(&api.app)
        .await;
    reply.problem(403);
    // An operator of the program reads its history; nobody reads an unknown one.
    let reply = Call::new("GET", "/v1/programs/laboratori-torino/history")
        .token(&operator)
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let reply = Call::new("GET", "/v1/programs/binario-f/history")
        .token(&operator)
        .send(&api.app)
        .await;
    reply.problem(403);
    let reply = Call::new("GET", "/v1/programs/nessuno/history")
        .token(ADMIN)
        .send(&api.app)
        .await;
    reply.problem(404);
    Call::new("GET", "/v1/programs/binario-f/history")
        .send(&api.app)
        .await
        .problem(401);
}

#[tokio::test]
async fn a_session_given_no_window_gets_the_programs_default() {
    let api = api().await;
    let windowed = LABORATORI.replace(
        "audiences = [\"people\"]\n",
        "audiences = [\"people\"]\n\n[settings]\nregistration = { opens_days_before = 14, closes_hours_before = 2 }\n",
    );
    let reply = send(&api, "POST", "/v1/programs", "application/toml", &windowed).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let body = json!({
        "id": "torino-pec-2030-04-09",
        "program_id": "laboratori-torino",
        "hub_id": "torino-centro",
        "title": "La PEC",
        "starts_at": "2030-04-09T09:30:00+02:00",
        "ends_at": "2030-04-09T12:30:00+02:00",
        "capacity": 20,
        "mode": "in_person",
    });
    let reply = Call::new("POST", "/v1/sessions")
        .token(ADMIN)
        .json(&body)
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let session = reply.json();
    assert_eq!(session["registration_opens_at"], "2030-03-26T07:30:00Z");
    assert_eq!(session["registration_closes_at"], "2030-04-09T05:30:00Z");
    // A window given is the window.
    let mut given = body.clone();
    given["id"] = json!("torino-pec-2030-04-16");
    given["starts_at"] = json!("2030-04-16T09:30:00+02:00");
    given["ends_at"] = json!("2030-04-16T12:30:00+02:00");
    given["registration_closes_at"] = json!("2030-04-15T18:00:00+02:00");
    let reply = Call::new("POST", "/v1/sessions")
        .token(ADMIN)
        .json(&given)
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["registration_opens_at"], Value::Null);
}
