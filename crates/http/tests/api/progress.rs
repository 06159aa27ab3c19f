//! Attendance, progress and the roster over HTTP: who may mark presence, what the progress route
//! counts from the store in each format, and the roster route's parameters and roles.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};
use skillhub_core::capacity::Presence;
use skillhub_http::ServerConfig;

use super::{ADMIN, Call, api, api_with, config, get, person, register_late as register};

/// A Community Skill Hub session in Madrid on 12 March 2019 with `capacity` seats. (It is over,
/// so its registrations are entered late by the admin, as a record of who came.)
async fn madrid_session(app: &axum::Router, capacity: u32) -> String {
    let reply = Call::new("POST", "/v1/sessions")
        .token(ADMIN)
        .json(&json!({
            "id": "csh-madrid-1",
            "program_id": "community-skill-hubs",
            "hub_id": "csh-espana",
            "title": "Competenze digitali per le PMI",
            "starts_at": "2019-03-12T09:30:00+01:00",
            "ends_at": "2019-03-12T13:00:00+01:00",
            "capacity": capacity,
            "mode": "in_person",
        }))
        .send(app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    "csh-madrid-1".to_owned()
}

async fn presence(
    app: &axum::Router,
    id: &Value,
    token: Option<&str>,
    body: &Value,
) -> super::Reply {
    let mut call = Call::new("POST", &format!("/v1/registrations/{id}/presence")).json(body);
    if let Some(token) = token {
        call = call.token(token);
    }
    call.send(app).await
}

#[tokio::test]
async fn presence_is_marked_by_the_program_staff_on_seats_only() {
    let api = api().await;
    let session = madrid_session(&api.app, 1).await;
    let seated = register(&api.app, &session, &person(1)).await.json();
    let waiting = register(&api.app, &session, &person(2)).await.json();
    let attended = json!({"presence": "attended"});

    // Who may: not the public, not the person, not another program's operator.
    presence(&api.app, &seated["id"], None, &attended)
        .await
        .problem(401);
    let own = seated["manage_token"].as_str().unwrap();
    presence(&api.app, &seated["id"], Some(own), &attended)
        .await
        .problem(403);
    let other = api
        .store
        .create_operator_token("binario-f", "altro programma")
        .await
        .unwrap();
    presence(&api.app, &seated["id"], Some(&other), &attended)
        .await
        .problem(403);

    // What: a presence, and nothing else.
    let bad = presence(
        &api.app,
        &seated["id"],
        Some(ADMIN),
        &json!({"presence": "maybe"}),
    )
    .await
    .problem(422);
    assert_eq!(bad["errors"][0]["pointer"], "/presence", "{bad}");
    let missing = presence(&api.app, &seated["id"], Some(ADMIN), &json!({}))
        .await
        .problem(422);
    assert_eq!(missing["errors"][0]["pointer"], "/presence", "{missing}");
    presence(&api.app, &json!(999_999), Some(ADMIN), &attended)
        .await
        .problem(404);

    // On seats only, once.
    presence(&api.app, &waiting["id"], Some(ADMIN), &attended)
        .await
        .problem(409);
    let operator = api
        .store
        .create_operator_token("community-skill-hubs", "sportello Madrid")
        .await
        .unwrap();
    let marked = presence(&api.app, &seated["id"], Some(&operator), &attended).await;
    assert_eq!(marked.status, 200, "{}", marked.text);
    assert_eq!(marked.json()["status"], "attended");
    presence(
        &api.app,
        &seated["id"],
        Some(ADMIN),
        &json!({"presence": "no_show"}),
    )
    .await
    .problem(409);
    // The seat stays given: the second person still waits.
    let still = Call::new("GET", &format!("/v1/registrations/{}", waiting["id"]))
        .token(ADMIN)
        .send(&api.app)
        .await
        .json();
    assert_eq!(
        (&still["status"], &still["waitlist_position"]),
        (&json!("waitlisted"), &json!(1))
    );
}

#[tokio::test]
async fn progress_counts_the_attendance_in_the_store_in_every_format() {
    let api = api().await;
    let session = madrid_session(&api.app, 5).await;
    for n in 1..=3 {
        let r = register(&api.app, &session, &person(n)).await.json();
        let mark = if n == 3 { "no_show" } else { "attended" };
        let reply = presence(&api.app, &r["id"], Some(ADMIN), &json!({"presence": mark})).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }

    let uri = "/v1/programs/community-skill-hubs/progress?on=2019-06-30";
    let reply = get(&api.app, uri).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("content-type"), "application/json");
    let body = reply.json();
    let done: Vec<(&str, u64)> = body["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap(), t["done"].as_u64().unwrap()))
        .collect();
    // Two came (the no-show does not count), in person, in Spain.
    assert_eq!(
        done,
        [
            ("reach", 2),
            ("people", 2),
            ("candidates", 2),
            ("candidates-classroom", 2),
            ("candidates-online", 0),
            ("smes-classroom", 0),
            ("smes-online", 0)
        ]
    );
    insta::assert_yaml_snapshot!("progress_json", body);

    let text = get(&api.app, &format!("{uri}&format=text")).await;
    assert_eq!(text.header("content-type"), "text/plain; charset=utf-8");
    assert!(text.text.contains("2 su 500.000"), "{}", text.text);
    let csv = get(&api.app, &format!("{uri}&format=csv")).await;
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert!(
        csv.text.starts_with("\u{feff}obiettivo;descrizione;"),
        "{}",
        csv.text
    );
    assert!(csv.text.contains("\r\npeople;"), "{}", csv.text);
    let svg = get(&api.app, &format!("{uri}&format=svg")).await;
    assert_eq!(svg.header("content-type"), "image/svg+xml");
    assert!(svg.text.starts_with("<svg"), "{}", svg.text);

    // Before the session, nothing was done yet.
    let early = get(
        &api.app,
        "/v1/programs/community-skill-hubs/progress?on=2019-03-11",
    )
    .await
    .json();
    assert_eq!(early["targets"][0]["done"], 0);

    for bad in ["?on=30/06/2019", "?format=xml", "?when=2019-06-30"] {
        get(
            &api.app,
            &format!("/v1/programs/community-skill-hubs/progress{bad}"),
        )
        .await
        .problem(400);
    }
    get(&api.app, "/v1/programs/atlantide/progress")
        .await
        .problem(404);
}

/// The people counted on 30 June 2019 by the public progress route.
async fn people_counted(app: &axum::Router) -> u64 {
    let reply = get(
        app,
        "/v1/programs/community-skill-hubs/progress?on=2019-06-30",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["targets"][0]["done"].as_u64().unwrap()
}

#[tokio::test]
async fn progress_is_kept_a_while_but_this_servers_presences_show_at_once() {
    let api = api().await;
    let session = madrid_session(&api.app, 5).await;
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(register(&api.app, &session, &person(n)).await.json()["id"].clone());
    }
    let attended = json!({"presence": "attended"});
    assert_eq!(people_counted(&api.app).await, 0);
    let reply = presence(&api.app, &ids[0], Some(ADMIN), &attended).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(people_counted(&api.app).await, 1);
    // Another process (here: the store directly) marks the second person: the route keeps its
    // figures until they are a minute old …
    let second = ids[1].as_i64().unwrap();
    api.store
        .record_presence("altro-processo", second, Presence::Attended, Utc::now())
        .await
        .unwrap();
    assert_eq!(people_counted(&api.app).await, 1);
    // … or until this server records a presence in the program.
    let reply = presence(&api.app, &ids[2], Some(ADMIN), &attended).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(people_counted(&api.app).await, 3);

    // With no age allowed, every request reads the store.
    let fresh = api_with(ServerConfig {
        progress_max_age: Duration::ZERO,
        ..config()
    })
    .await;
    let session = madrid_session(&fresh.app, 5).await;
    let id = register(&fresh.app, &session, &person(1)).await.json()["id"].clone();
    assert_eq!(people_counted(&fresh.app).await, 0);
    fresh
        .store
        .record_presence(
            "altro-processo",
            id.as_i64().unwrap(),
            Presence::Attended,
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(people_counted(&fresh.app).await, 1);
}

#[tokio::test]
async fn the_roster_route_is_for_the_program_staff() {
    let api = api().await;
    let uri = "/v1/programs/milano-digitale/roster?from=2020-03-12&to=2020-03-12";
    get(&api.app, uri).await.problem(401);
    let other = api
        .store
        .create_operator_token("binario-f", "altro programma")
        .await
        .unwrap();
    Call::new("GET", uri)
        .token(&other)
        .send(&api.app)
        .await
        .problem(403);

    let reply = Call::new("GET", uri).token(ADMIN).send(&api.app).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    let sessions = body["sessions"].as_array().unwrap();
    assert_eq!(
        body["summary"]["sessions"].as_u64().unwrap(),
        sessions.len() as u64
    );
    assert!(!sessions.is_empty());
    assert!(
        sessions
            .iter()
            .all(|s| s["local_start"].as_str().unwrap().starts_with("2020-03-12")),
        "{body}"
    );
    assert_eq!(body["travel_minutes"], 45);

    let admin = |uri: &str| Call::new("GET", uri).token(ADMIN).send(&api.app);
    admin("/v1/programs/binario-f/roster").await.problem(409);
    for bad in [
        "?from=12/03/2020",
        "?from=2020-03-15&to=2020-03-11",
        "?from=2020-01-01&to=2021-06-01",
        "?travel_minutes=-5",
        "?seats=3",
    ] {
        admin(&format!("/v1/programs/milano-digitale/roster{bad}"))
            .await
            .problem(400);
    }
    admin("/v1/programs/atlantide/roster").await.problem(404);
}

/// A program whose two hubs are run by two partners (and a third partner that runs none).
const TWO_PARTNERS: &str = r#"
id = "rete-civica"
name = "Rete civica digitale"
summary_it = "Laboratori in due sedi, ciascuna gestita da un partner."
source = "test"
countries = ["IT"]
window = { from = "2019-01-01", until = "2019-12-31" }
audiences = ["people"]

[settings]
zone = "Europe/Rome"

[[partners]]
id = "coop-nord"
name = "Cooperativa Nord"
kind = "social_cooperative"

[[partners]]
id = "assoc-sud"
name = "Associazione Sud"
kind = "association"

[[partners]]
id = "fondazione"
name = "Fondazione Finanziatrice"
kind = "foundation"

[[targets]]
id = "persone"
label_it = "Persone formate"
label_en = "People trained"
unit = "people"
goal = 100

[[hubs]]
id = "rete-nord"
name = "Sede Nord"
zone = "Europe/Rome"
address = { city = "Milano", country = "IT" }
partner = "coop-nord"

[[hubs]]
id = "rete-sud"
name = "Sede Sud"
zone = "Europe/Rome"
address = { city = "Napoli", country = "IT" }
partner = "assoc-sud"
"#;

/// The people counted by `uri`.
async fn people_at(app: &axum::Router, uri: &str) -> u64 {
    let reply = get(app, uri).await;
    assert_eq!(reply.status, 200, "{uri}: {}", reply.text);
    reply.json()["targets"][0]["done"].as_u64().unwrap()
}

#[tokio::test]
async fn progress_can_count_one_partners_hubs_only() {
    let api = api().await;
    let catalog = skillhub_core::fixture::Catalog::parse([("rete.toml", TWO_PARTNERS)]).unwrap();
    api.store
        .load_programs(&catalog, &[TWO_PARTNERS])
        .await
        .unwrap();
    // One person attends at the north hub, two at the south one.
    for (hub, people) in [("rete-nord", 1..=1), ("rete-sud", 2..=3)] {
        let reply = Call::new("POST", "/v1/sessions")
            .token(ADMIN)
            .json(&json!({
                "id": format!("{hub}-1"), "program_id": "rete-civica", "hub_id": hub,
                "title": "Servizi online", "starts_at": "2019-03-12T09:30:00+01:00",
                "ends_at": "2019-03-12T12:30:00+01:00", "capacity": 5, "mode": "in_person",
            }))
            .send(&api.app)
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        for n in people {
            let r = register(&api.app, &format!("{hub}-1"), &person(n))
                .await
                .json();
            let marked = presence(
                &api.app,
                &r["id"],
                Some(ADMIN),
                &json!({"presence": "attended"}),
            )
            .await;
            assert_eq!(marked.status, 200, "{}", marked.text);
        }
    }
    let uri = "/v1/programs/rete-civica/progress?on=2019-06-30";
    assert_eq!(people_at(&api.app, uri).await, 3);
    assert_eq!(
        people_at(&api.app, &format!("{uri}&partner=coop-nord")).await,
        1
    );
    assert_eq!(
        people_at(&api.app, &format!("{uri}&partner=assoc-sud")).await,
        2
    );
    // A partner that runs no hub has counted nobody; the whole program still counts everyone.
    assert_eq!(
        people_at(&api.app, &format!("{uri}&partner=fondazione")).await,
        0
    );
    assert_eq!(people_at(&api.app, uri).await, 3);
    let unknown = get(&api.app, &format!("{uri}&partner=nessuno"))
        .await
        .problem(404);
    assert!(
        unknown["detail"]
            .as_str()
            .unwrap()
            .contains("has no partner \"nessuno\""),
        "{unknown}"
    );
}

#[tokio::test]
async fn the_funder_report_is_public_with_small_counts_hidden_and_exact_for_the_programs_staff() {
    let api = api().await;
    let session = madrid_session(&api.app, 5).await;
    for n in 1..=3 {
        let r = register(&api.app, &session, &person(n)).await.json();
        let mark = if n == 3 { "no_show" } else { "attended" };
        let reply = presence(&api.app, &r["id"], Some(ADMIN), &json!({"presence": mark})).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let uri = "/v1/programs/community-skill-hubs/report?from=2019-03-01&to=31/03/2019";

    // The public: two present, one absent, shown as "<5", no rate from them, no sessions.
    let public = get(&api.app, uri).await;
    assert_eq!(public.status, 200, "{}", public.text);
    assert_eq!(public.header("content-type"), "text/plain; charset=utf-8");
    assert!(public.text.contains("Versione pubblica"), "{}", public.text);
    assert!(
        public.text.contains(
            "- Community Skill Hub España: 1 incontro, 5 posti, <5 presenti, <5 assenti, "
        ),
        "{}",
        public.text
    );
    assert!(!public.text.contains("Incontri svolti"), "{}", public.text);

    // The program's operator and the admin: exact.
    let operator = api
        .store
        .create_operator_token("community-skill-hubs", "sportello Madrid")
        .await
        .unwrap();
    for token in [ADMIN, operator.as_str()] {
        let staff = Call::new("GET", uri).token(token).send(&api.app).await;
        assert_eq!(staff.status, 200, "{}", staff.text);
        assert_eq!(staff.header("cache-control"), "no-store");
        assert!(
            staff.text.contains(
                "- Community Skill Hub España: 1 incontro, 5 posti, 2 presenti, 1 assenti (tasso di assenza 33,3 %)"
            ),
            "{}",
            staff.text
        );
        assert!(staff.text.contains("Incontri svolti"), "{}", staff.text);
    }
    // Another program's operator: refused, rather than given the public version unasked.
    let other = api
        .store
        .create_operator_token("binario-f", "altro programma")
        .await
        .unwrap();
    Call::new("GET", uri)
        .token(&other)
        .send(&api.app)
        .await
        .problem(403);

    // As a workbook.
    let request = axum::http::Request::get(format!("{uri}&format=xlsx"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(api.app.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip: an XLSX workbook");

    // Every bad parameter is a 400 problem naming it; an unknown program a 404.
    for (query, says) in [
        ("from=2019-03-01", "to: is required"),
        (
            "from=2019-03-32&to=2019-04-01",
            "from: \"2019-03-32\" is not a day",
        ),
        (
            "from=2019-03-31&to=2019-03-01",
            "il periodo inizia il 31/03/2019",
        ),
        (
            "from=2019-03-01&to=2019-03-31&format=pdf",
            "format: \"pdf\" is not one of text, xlsx",
        ),
        ("from=2019-03-01&to=2019-03-31&on=2019-01-01", "on"),
    ] {
        let problem = get(
            &api.app,
            &format!("/v1/programs/community-skill-hubs/report?{query}"),
        )
        .await
        .problem(400);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(says),
            "{query}: {problem}"
        );
    }
    get(
        &api.app,
        "/v1/programs/nessuno/report?from=2019-03-01&to=2019-03-31",
    )
    .await
    .problem(404);
}
