//! The HTTP contract of `DESIGN.md`, end to end: most cases call the router with `oneshot`
//! against a fresh SQLite database per test; the concurrency cases run over a real socket, on
//! SQLite and on PostgreSQL when `TEST_PG_URL` is set (each in its own fresh database, dropped
//! afterwards). Only the PostgreSQL run can catch a missing lock: SQLite's one writer connection
//! serves the racing requests one at a time whatever the store locks. Response bodies people read are insta snapshots with ids, tokens and times
//! redacted.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "api/grants.rs"]
mod grants;
#[path = "api/progress.rs"]
mod progress;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, header};
use serde_json::{Value, json};
use skillhub_http::{AppState, Server, ServerConfig, app};
use skillhub_store::{OpenOptions, Store};
use skillhub_testkit::in_future;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const ADMIN: &str = "admin-secret-for-tests";

/// A router over a fresh SQLite database holding the seed programs.
struct Api {
    app: Router,
    store: Store,
    _dir: tempfile::TempDir,
}

fn config() -> ServerConfig {
    ServerConfig {
        admin_token: Some(ADMIN.to_owned()),
        rate_limit_per_minute: 0,
        ..ServerConfig::default()
    }
}

async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
    (store, dir)
}

async fn api_with(config: ServerConfig) -> Api {
    let (store, dir) = sqlite().await;
    let state = AppState::new(store.clone(), config).await.unwrap();
    Api {
        app: app(state),
        store,
        _dir: dir,
    }
}

async fn api() -> Api {
    api_with(config()).await
}

/// What came back.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text))
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }

    /// Asserts the status and that the body is a problem with that status; returns the body.
    fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.header("content-type"), "application/problem+json");
        let body = self.json();
        assert_eq!(body["status"], status, "{body}");
        for key in ["type", "title", "detail"] {
            assert!(body[key].is_string(), "{key} missing in {body}");
        }
        body
    }
}

/// One request: `token` as a bearer token, `body` as JSON.
struct Call<'a> {
    method: &'a str,
    uri: String,
    token: Option<&'a str>,
    body: Option<String>,
    headers: Vec<(&'a str, String)>,
}

impl<'a> Call<'a> {
    fn new(method: &'a str, uri: &str) -> Self {
        Call {
            method,
            uri: uri.to_owned(),
            token: None,
            body: None,
            headers: Vec::new(),
        }
    }
    fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }
    fn json(mut self, body: &Value) -> Self {
        self.body = Some(body.to_string());
        self.headers
            .push(("content-type", "application/json".to_owned()));
        self
    }
    fn raw(mut self, content_type: &str, body: &str) -> Self {
        self.body = Some(body.to_owned());
        if !content_type.is_empty() {
            self.headers.push(("content-type", content_type.to_owned()));
        }
        self
    }
    fn header(mut self, name: &'a str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
    async fn send(self, app: &Router) -> Reply {
        let mut request = Request::builder().method(self.method).uri(&self.uri);
        if let Some(token) = self.token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        let body = self.body.map_or_else(Body::empty, Body::from);
        let response = app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            text: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }
}

async fn get(app: &Router, uri: &str) -> Reply {
    Call::new("GET", uri).send(app).await
}

/// A person's registration body.
fn person(n: usize) -> Value {
    json!({"email": format!("persona{n}@example.it"), "name": format!("Persona {n}")})
}

/// Creates a session at Binario F with `capacity` seats through the admin route.
async fn binario_session(app: &Router, id: &str, capacity: u32) -> Value {
    let reply = Call::new("POST", "/v1/sessions")
        .token(ADMIN)
        .json(&json!({
            "id": id,
            "program_id": "binario-f",
            "hub_id": "binario-f-roma-termini",
            "title": "Facebook per la PA",
            "starts_at": in_future("2030-02-12T09:30:00+01:00"),
            "ends_at": in_future("2030-02-12T13:30:00+01:00"),
            "capacity": capacity,
            "mode": "in_person",
        }))
        .send(app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

async fn register(app: &Router, session: &str, body: &Value) -> Reply {
    Call::new("POST", &format!("/v1/sessions/{session}/registrations"))
        .json(body)
        .send(app)
        .await
}

/// Registers `body` outside the session's window, on purpose, with the admin token (sessions in
/// the past: a record of who came).
async fn register_late(app: &Router, session: &str, body: &Value) -> Reply {
    let mut body = body.clone();
    body["late"] = json!(true);
    Call::new("POST", &format!("/v1/sessions/{session}/registrations"))
        .token(ADMIN)
        .json(&body)
        .send(app)
        .await
}

/// A snapshot of a body, with the ids, tokens and times of registrations redacted.
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::assert_yaml_snapshot!($name, $value, {
            ".id" => "[id]",
            ".manage_token" => "[token]",
            ".created_at" => "[time]",
            ".updated_at" => "[time]",
            ".items[].id" => "[id]",
            ".items[].created_at" => "[time]",
            ".items[].updated_at" => "[time]",
        })
    };
}

/// A snapshot of a body with nothing to redact (catalog data, problems).
macro_rules! snapshot_plain {
    ($name:expr, $value:expr) => {
        insta::assert_yaml_snapshot!($name, $value)
    };
}

#[tokio::test]
async fn health_openapi_and_the_catalog_page() {
    let api = api().await;
    let reply = get(&api.app, "/healthz").await;
    assert_eq!((reply.status, reply.json()), (200, json!({"status": "ok"})));

    let reply = get(&api.app, "/openapi.json").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), "application/json");
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/",
        "/healthz",
        "/openapi.json",
        "/v1/programs",
        "/v1/programs/{id}",
        "/v1/hubs",
        "/v1/sessions",
        "/v1/sessions/{id}",
        "/v1/sessions/{id}/registrations",
        "/v1/registrations/{id}",
        "/v1/calendar.ics",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not described");
    }

    let reply = get(&api.app, "/").await;
    assert_eq!(reply.status, 200);
    assert!(reply.header("content-type").starts_with("text/html"));
    assert!(reply.text.contains("<html lang=\"it\">"));
    assert!(reply.text.contains("Social Academy a Binario F"));
    assert!(reply.text.contains("Prossimi incontri"));
    binario_session(&api.app, "futuro", 3).await;
    let reply = get(&api.app, "/").await;
    assert!(
        reply.text.contains(&in_future(
            "martedì 12 febbraio 2030, 9:30–13:30 — Binario F"
        )),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("3 posti liberi"));
}

#[test]
fn openapi_json_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = skillhub_http::openapi_json();
    assert!(
        committed == generated,
        "openapi.json is not up to date, run `cargo xtask openapi`"
    );
}

#[tokio::test]
async fn programs_hubs_and_sessions() {
    let api = api().await;
    let programs = get(&api.app, "/v1/programs").await.json();
    let ids: Vec<&str> = programs["items"]
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
    snapshot_plain!(
        "program",
        get(&api.app, "/v1/programs/binario-f").await.json()
    );
    get(&api.app, "/v1/programs/nessuno").await.problem(404);

    let hubs = get(&api.app, "/v1/hubs?program=milano-digitale")
        .await
        .json();
    assert_eq!(hubs["items"].as_array().unwrap().len(), 9);
    assert_eq!(hubs["items"][3]["id"], "municipio-4");
    let all = get(&api.app, "/v1/hubs").await.json();
    assert!(all["items"].as_array().unwrap().len() > 9);
    get(&api.app, "/v1/hubs?program=Not%20A%20Slug")
        .await
        .problem(400);

    let reply = get(&api.app, "/v1/sessions/binario-f-2019-02-12").await;
    assert_eq!(reply.status, 200);
    let session = reply.json();
    let keys: Vec<&String> = session.as_object().unwrap().keys().collect();
    let mut expected = [
        "id",
        "program_id",
        "hub_id",
        "title",
        "starts_at",
        "ends_at",
        "zone",
        "mode",
        "level",
        "capacity",
        "confirmed",
        "waitlisted",
        "seats_left",
        "registration_opens_at",
        "registration_closes_at",
        "draw_commitment",
        "draw_public_value",
    ];
    expected.sort_unstable();
    let mut keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, expected);
    snapshot_plain!("session", session);
    get(&api.app, "/v1/sessions/nessuna").await.problem(404);
}

#[tokio::test]
async fn sessions_come_in_pages_with_an_opaque_cursor() {
    let api = api().await;
    let mut uri = "/v1/sessions?program=binario-f&limit=4".to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = get(&api.app, &uri).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let page = page.json();
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            seen.push((
                item["starts_at"].as_str().unwrap().to_owned(),
                item["id"].as_str().unwrap().to_owned(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/v1/sessions?program=binario-f&limit=4&cursor={cursor}"),
            None => {
                assert!(page.as_object().unwrap().contains_key("next_cursor"));
                break;
            }
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 15);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(
        seen[0],
        (
            "2019-02-12T08:30:00Z".to_owned(),
            "binario-f-2019-02-12".to_owned()
        )
    );

    let march = get(
        &api.app,
        "/v1/sessions?hub=binario-f-roma-termini&from=2019-03-01T00:00:00Z&to=2019-04-01T00:00:00%2B02:00",
    )
    .await
    .json();
    let ids: Vec<&str> = march["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "binario-f-2019-03-05",
            "binario-f-2019-03-12",
            "binario-f-2019-03-19",
            "binario-f-2019-03-26"
        ]
    );
    let none = get(&api.app, "/v1/sessions?program=leadership-circles")
        .await
        .json();
    assert_eq!(none, json!({"items": [], "next_cursor": null}));

    for bad in [
        "limit=0",
        "limit=201",
        "limit=dieci",
        "from=ieri",
        "to=2019-03-01",
        "cursor=zz",
        "cursor=00",
        "program=Binario%20F",
        "hub=-x",
        "programme=binario-f",
        "program=binario-f&program=milano-digitale",
    ] {
        let body = get(&api.app, &format!("/v1/sessions?{bad}"))
            .await
            .problem(400);
        assert!(!body["detail"].as_str().unwrap().is_empty(), "{bad}");
    }
}

#[tokio::test]
async fn seats_run_out_then_the_waiting_list_grows() {
    let api = api().await;
    binario_session(&api.app, "due-posti", 2).await;
    let mut created = Vec::new();
    for n in 0..4 {
        let reply = register(&api.app, "due-posti", &person(n)).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_eq!(reply.header("content-type"), "application/json");
        let body = reply.json();
        assert_eq!(
            reply.header("location"),
            format!("/v1/registrations/{}", body["id"])
        );
        created.push(body);
    }
    let summary: Vec<(Value, Value)> = created
        .iter()
        .map(|c| (c["status"].clone(), c["waitlist_position"].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (json!("confirmed"), Value::Null),
            (json!("confirmed"), Value::Null),
            (json!("waitlisted"), json!(1)),
            (json!("waitlisted"), json!(2)),
        ]
    );
    snapshot!("registration_created", &created[2]);
    let session = get(&api.app, "/v1/sessions/due-posti").await.json();
    assert_eq!(
        (
            &session["capacity"],
            &session["confirmed"],
            &session["waitlisted"],
            &session["seats_left"]
        ),
        (&json!(2), &json!(2), &json!(2), &json!(0))
    );

    let third = &created[2];
    let reply = Call::new("GET", &format!("/v1/registrations/{}", third["id"]))
        .token(third["manage_token"].as_str().unwrap())
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json().get("manage_token").is_none());
    snapshot!("registration", reply.json());

    // The same e-mail again: 409, whatever the case of any of its letters, and the problem
    // does not quote the address (it reaches whoever typed it).
    for variant in [
        "persona1@EXAMPLE.it",
        "PERSONA1@example.it",
        "Persona1@Example.IT",
    ] {
        let again = json!({"email": variant, "name": "Persona 1"});
        let body = register(&api.app, "due-posti", &again).await.problem(409);
        assert!(
            !body.to_string().to_lowercase().contains("persona1"),
            "{body}"
        );
        snapshot!("duplicate_email", body);
    }

    register(&api.app, "nessuna", &person(9)).await.problem(404);
}

#[tokio::test]
async fn cancelling_promotes_the_head_of_the_waiting_list() {
    let api = api().await;
    binario_session(&api.app, "un-posto", 1).await;
    let regs: Vec<Value> = {
        let mut v = Vec::new();
        for n in 0..4 {
            v.push(register(&api.app, "un-posto", &person(n)).await.json());
        }
        v
    };
    let token = |i: usize| regs[i]["manage_token"].as_str().unwrap().to_owned();
    let url = |i: usize| format!("/v1/registrations/{}", regs[i]["id"]);

    let reply = Call::new("DELETE", &url(0))
        .token(&token(0))
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let cancelled = reply.json();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["waitlist_position"], Value::Null);
    snapshot!("cancelled", cancelled);

    let status = |reply: Reply| {
        let body = reply.json();
        (body["status"].clone(), body["waitlist_position"].clone())
    };
    let now = |i: usize| Call::new("GET", &url(i)).token(ADMIN).send(&api.app);
    assert_eq!(status(now(1).await), (json!("confirmed"), Value::Null));
    assert_eq!(status(now(2).await), (json!("waitlisted"), json!(1)));
    assert_eq!(status(now(3).await), (json!("waitlisted"), json!(2)));

    // A waiting person leaves: the one behind moves up.
    let reply = Call::new("DELETE", &url(2))
        .token(ADMIN)
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(status(now(3).await), (json!("waitlisted"), json!(1)));

    // Cancelling twice is a conflict.
    Call::new("DELETE", &url(0))
        .token(&token(0))
        .send(&api.app)
        .await
        .problem(409);
    Call::new("DELETE", "/v1/registrations/999999")
        .token(ADMIN)
        .send(&api.app)
        .await
        .problem(404);
    Call::new("GET", "/v1/registrations/abc")
        .token(ADMIN)
        .send(&api.app)
        .await
        .problem(404);

    let log = api
        .store
        .audit_log("registration", &regs[1]["id"].to_string())
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    let first = format!("registrant:{}", regs[0]["id"]);
    assert_eq!(
        actions,
        [
            ("public", "registration.create"),
            (first.as_str(), "registration.promote")
        ]
    );
}

#[tokio::test]
async fn tokens_decide_who_sees_and_cancels() {
    let api = api().await;
    binario_session(&api.app, "riservata", 5).await;
    let operator = api
        .store
        .create_operator_token("binario-f", "segreteria")
        .await
        .unwrap();
    let stranger = api
        .store
        .create_operator_token("milano-digitale", "altro")
        .await
        .unwrap();
    let anna = register(&api.app, "riservata", &person(1)).await.json();
    let bruno = register(&api.app, "riservata", &person(2)).await.json();
    let anna_url = format!("/v1/registrations/{}", anna["id"]);
    let bruno_token = bruno["manage_token"].as_str().unwrap();

    // No token: 401; someone else's token: 403; both say Bearer.
    let reply = get(&api.app, &anna_url).await;
    let body = reply.problem(401);
    assert_eq!(reply.header("www-authenticate"), "Bearer");
    snapshot!("unauthorized", body);
    let reply = Call::new("GET", &anna_url)
        .token(bruno_token)
        .send(&api.app)
        .await;
    let body = reply.problem(403);
    assert_eq!(reply.header("www-authenticate"), "Bearer");
    snapshot!("forbidden", body);
    Call::new("GET", &anna_url)
        .token("not-a-token")
        .send(&api.app)
        .await
        .problem(403);
    Call::new("GET", &anna_url)
        .token(&stranger)
        .send(&api.app)
        .await
        .problem(403);
    let reply = Call::new("GET", &anna_url)
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .send(&api.app)
        .await;
    reply.problem(401);

    // Her token, the program's operator and the admin may look.
    for token in [anna["manage_token"].as_str().unwrap(), &operator, ADMIN] {
        let reply = Call::new("GET", &anna_url)
            .token(token)
            .send(&api.app)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    // An operator reads but does not cancel; someone else's token neither.
    Call::new("DELETE", &anna_url)
        .token(&operator)
        .send(&api.app)
        .await
        .problem(403);
    Call::new("DELETE", &anna_url)
        .token(bruno_token)
        .send(&api.app)
        .await
        .problem(403);
    Call::new("DELETE", &anna_url)
        .send(&api.app)
        .await
        .problem(401);

    // A session's registrations: admin and the program's operators only.
    let list = "/v1/sessions/riservata/registrations";
    get(&api.app, list).await.problem(401);
    Call::new("GET", list)
        .token(bruno_token)
        .send(&api.app)
        .await
        .problem(403);
    Call::new("GET", list)
        .token(&stranger)
        .send(&api.app)
        .await
        .problem(403);
    let reply = Call::new("GET", list).token(&operator).send(&api.app).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    snapshot!("session_registrations", reply.json());
    let reply = Call::new("GET", list).token(ADMIN).send(&api.app).await;
    assert_eq!(reply.json()["items"].as_array().unwrap().len(), 2);
    Call::new("GET", "/v1/sessions/nessuna/registrations")
        .token(ADMIN)
        .send(&api.app)
        .await
        .problem(404);

    // Creating sessions: admin, or an operator of that program.
    let new = |id: &str| {
        json!({"id": id, "program_id": "binario-f", "hub_id": "binario-f-roma-termini",
               "title": "WhatsApp per la PA", "starts_at": in_future("2030-03-01T09:00:00Z"),
               "ends_at": in_future("2030-03-01T11:00:00Z"), "capacity": 10, "mode": "in_person"})
    };
    Call::new("POST", "/v1/sessions")
        .json(&new("a"))
        .send(&api.app)
        .await
        .problem(401);
    Call::new("POST", "/v1/sessions")
        .token(bruno_token)
        .json(&new("a"))
        .send(&api.app)
        .await
        .problem(403);
    Call::new("POST", "/v1/sessions")
        .token(&stranger)
        .json(&new("a"))
        .send(&api.app)
        .await
        .problem(403);
    let reply = Call::new("POST", "/v1/sessions")
        .token(&operator)
        .json(&new("a"))
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let log = api.store.audit_log("session", "a").await.unwrap();
    assert_eq!(log[0].actor, "operator:binario-f");
}

#[tokio::test]
async fn creating_sessions_checks_every_field() {
    let api = api().await;
    let post = |body: Value| {
        Call::new("POST", "/v1/sessions")
            .token(ADMIN)
            .json(&body)
            .send(&api.app)
    };

    let reply = post(json!({
        "program_id": "binario-f",
        "hub_id": "binario-f-roma-termini",
        "title": "Instagram per la cultura",
        "starts_at": in_future("2030-10-27T08:30:00Z"),
        "ends_at": in_future("2030-10-27T12:30:00Z"),
        "capacity": 31,
        "mode": "hybrid",
        "level": {"min": 2, "max": 4},
    }))
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        reply.header("location"),
        &in_future("/v1/sessions/binario-f-roma-termini-2030-10-27-0930")
    );
    let created = reply.json();
    // The snapshot shows the session's dates in 2030, whichever year they fell in.
    let as_written: Value =
        serde_json::from_str(&skillhub_testkit::as_written(&created.to_string())).unwrap();
    snapshot_plain!("created_session", &as_written);
    assert_eq!(
        get(
            &api.app,
            &in_future("/v1/sessions/binario-f-roma-termini-2030-10-27-0930")
        )
        .await
        .json(),
        created
    );

    // An online session needs no hub and lives in the program's zone.
    let reply = post(json!({
        "program_id": "she-means-business", "title": "Marketing digitale",
        "starts_at": "2019-06-04T08:00:00Z", "ends_at": "2019-06-04T10:00:00Z",
        "capacity": 100, "mode": "online",
    }))
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let online = reply.json();
    assert_eq!(
        (online["hub_id"].clone(), online["zone"].clone()),
        (Value::Null, json!("Europe/Rome"))
    );
    assert_eq!(online["id"], "she-means-business-2019-06-04-1000");
    // Two rooms at the same time: a generated id never collides, it takes a suffix.
    for expected in [
        "she-means-business-2019-06-04-1000-2",
        "she-means-business-2019-06-04-1000-3",
    ] {
        let reply = post(json!({
            "program_id": "she-means-business", "title": "Marketing digitale, aula 2",
            "starts_at": "2019-06-04T08:00:00Z", "ends_at": "2019-06-04T10:00:00Z",
            "capacity": 100, "mode": "online",
        }))
        .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_eq!(reply.json()["id"], expected);
    }
    // An id the client gives is theirs: taken, it is a conflict.
    let body = post(json!({
        "id": "she-means-business-2019-06-04-1000",
        "program_id": "she-means-business", "title": "Marketing digitale",
        "starts_at": "2019-06-04T08:00:00Z", "ends_at": "2019-06-04T10:00:00Z",
        "capacity": 100, "mode": "online",
    }))
    .await
    .problem(409);
    assert!(body["detail"].as_str().unwrap().contains("exists already"));
    // An evening event across local midnight, and one across the autumn clock change (02:30
    // summer time to 02:10 winter time in Rome), judged on their instants.
    for (id, starts_at, ends_at) in [
        (
            "serata",
            in_future("2030-03-08T20:00:00Z"),
            in_future("2030-03-09T00:00:00Z"),
        ),
        (
            "cambio-ora",
            "2019-10-27T00:30:00Z".to_owned(),
            "2019-10-27T01:10:00Z".to_owned(),
        ),
    ] {
        let reply = post(json!({
            "id": id, "program_id": "binario-f", "hub_id": "binario-f-roma-termini",
            "title": "Notte digitale", "starts_at": starts_at, "ends_at": ends_at,
            "capacity": 10, "mode": "in_person",
        }))
        .await;
        assert_eq!(reply.status, 201, "{id}: {}", reply.text);
        let session = reply.json();
        assert_eq!(
            (session["starts_at"].as_str(), session["ends_at"].as_str()),
            (Some(starts_at.as_str()), Some(ends_at.as_str()))
        );
        assert_eq!(
            get(&api.app, &format!("/v1/sessions/{id}")).await.json(),
            session
        );
    }

    // Everything wrong at once: every problem with its pointer.
    let body = post(json!({
        "program_id": "Binario F", "title": 7, "starts_at": "domani",
        "mode": "in_aula", "capacity": -1, "colour": "blu",
    }))
    .await
    .problem(422);
    snapshot!("invalid_session", body);

    let check = |body: Value, pointer: &'static str| {
        let post = post(body);
        async move {
            let problem = post.await.problem(422);
            assert_eq!(problem["errors"][0]["pointer"], pointer, "{problem}");
        }
    };
    let base = json!({
        "program_id": "binario-f", "hub_id": "binario-f-roma-termini", "title": "T",
        "starts_at": in_future("2030-03-01T09:00:00Z"), "ends_at": in_future("2030-03-01T11:00:00Z"),
        "capacity": 10, "mode": "in_person",
    });
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        if value.is_null() {
            body.as_object_mut().unwrap().remove(key);
        } else {
            body[key] = value;
        }
        body
    };
    check(with("program_id", json!("nessuno")), "/program_id").await;
    check(with("hub_id", json!("municipio-1")), "/hub_id").await;
    check(with("hub_id", Value::Null), "/hub_id").await;
    check(
        with("ends_at", json!(in_future("2030-03-01T08:00:00Z"))),
        "/ends_at",
    )
    .await;
    check(
        with("ends_at", json!(in_future("2030-03-02T11:00:00Z"))),
        "/ends_at",
    )
    .await;
    check(with("title", json!("   ")), "/title").await;
    check(with("capacity", json!(100_001)), "/capacity").await;
    check(with("capacity", json!("dieci")), "/capacity").await;
    check(with("capacity", Value::Null), "/capacity").await;
    check(
        with("seats", json!({"in_person": 5, "online": 5})),
        "/seats",
    )
    .await;
    check(with("level", json!({"min": 5, "max": 2})), "/level").await;
    check(
        with("starts_at", json!("1800-03-01T09:00:00Z")),
        "/starts_at",
    )
    .await;
    check(with("id", json!("Con Spazi")), "/id").await;
    let mut hybrid = with("mode", json!("hybrid"));
    hybrid["seats"] = json!({"in_person": 4, "online": 4});
    check(hybrid.clone(), "/capacity").await;
    hybrid["capacity"] = json!(8);
    let reply = post(hybrid).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn idempotent_registrations_replay_the_first_answer() {
    let api = api().await;
    binario_session(&api.app, "idem", 1).await;
    let send = |key: &str, body: Value| {
        Call::new("POST", "/v1/sessions/idem/registrations")
            .header("idempotency-key", key)
            .json(&body)
            .send(&api.app)
    };
    let first = send("chiave-1", person(1)).await;
    assert_eq!(first.status, 201);
    // The same body, keys in another order: the same answer, byte for byte.
    let reordered = json!({"name": "Persona 1", "email": "persona1@example.it"});
    let second = send("chiave-1", reordered).await;
    assert_eq!((second.status, &second.text), (201, &first.text));
    assert_eq!(second.header("location"), first.header("location"));
    // Another body under the same key: 422.
    let body = send("chiave-1", person(2)).await.problem(422);
    snapshot!("idempotency_mismatch", body);
    // Without the key the same person is a duplicate.
    register(&api.app, "idem", &person(1)).await.problem(409);
    // A new key is a new registration.
    let other = send("chiave-2", person(2)).await.json();
    assert_eq!(other["status"], "waitlisted");
    send("", person(3)).await.problem(400);
    let session = get(&api.app, "/v1/sessions/idem").await.json();
    assert_eq!(
        (&session["confirmed"], &session["waitlisted"]),
        (&json!(1), &json!(1))
    );
}

#[tokio::test]
async fn ineligible_people_get_the_reasons_in_italian_and_english() {
    let api = api().await;
    let reply = Call::new("POST", "/v1/sessions")
        .token(ADMIN)
        .json(&json!({
            "id": "smb-roma", "program_id": "she-means-business", "title": "Vendere online",
            "starts_at": "2019-03-08T09:00:00Z", "ends_at": "2019-03-08T12:00:00Z",
            "capacity": 30, "mode": "online",
        }))
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);

    let mario = json!({"email": "mario@example.it", "name": "Mario Rossi",
        "attributes": {"gender": "male", "country": "IT"}});
    let body = register_late(&api.app, "smb-roma", &mario)
        .await
        .problem(422);
    assert_eq!(body["type"], "/problems/ineligible");
    snapshot!("ineligible", body);

    // Not saying is not the same as not meeting: the reasons ask.
    let body = register_late(&api.app, "smb-roma", &person(1))
        .await
        .problem(422);
    snapshot!("ineligible_missing_attributes", body);

    // Ireland opened on 1 January 2018; the session's local date decides.
    let aoife = json!({"email": "aoife@example.ie", "name": "Aoife",
        "attributes": {"gender": "female", "country": "IE"}});
    let reply = register_late(&api.app, "smb-roma", &aoife).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["status"], "confirmed");
}

#[tokio::test]
async fn bad_input_is_a_problem_never_a_server_error() {
    let api = api_with(ServerConfig {
        body_limit: 1024,
        ..config()
    })
    .await;
    binario_session(&api.app, "s", 5).await;
    let uri = "/v1/sessions/s/registrations";

    let body = Call::new("POST", uri)
        .raw("application/json", "{\"email\": ")
        .send(&api.app)
        .await
        .problem(400);
    assert_eq!(body["type"], "/problems/malformed-json");
    snapshot!("malformed_json", body);
    Call::new("POST", uri)
        .raw("application/json", "")
        .send(&api.app)
        .await
        .problem(400);
    Call::new("POST", uri)
        .raw("application/json", "{} {}")
        .send(&api.app)
        .await
        .problem(400);
    Call::new("POST", uri)
        .raw("text/plain", "{}")
        .send(&api.app)
        .await
        .problem(415);
    Call::new("POST", uri)
        .raw("", "{}")
        .send(&api.app)
        .await
        .problem(415);

    let pointer = |reply: Reply| {
        let body = reply.problem(422);
        body["errors"][0]["pointer"].as_str().unwrap().to_owned()
    };
    assert_eq!(pointer(register(&api.app, "s", &json!([1, 2])).await), "");
    assert_eq!(pointer(register(&api.app, "s", &json!("x")).await), "");
    assert_eq!(
        pointer(register(&api.app, "s", &json!({"name": "A"})).await),
        "/email"
    );
    assert_eq!(
        pointer(register(&api.app, "s", &json!({"email": 5, "name": "A"})).await),
        "/email"
    );
    assert_eq!(
        pointer(register(&api.app, "s", &json!({"email": "a@b", "name": "A"})).await),
        "/email"
    );
    assert_eq!(
        pointer(register(&api.app, "s", &json!({"email": "a@b.it", "name": ""})).await),
        "/name"
    );
    assert_eq!(
        pointer(
            register(
                &api.app,
                "s",
                &json!({"email": "a@b.it", "name": "A", "attributes": []})
            )
            .await
        ),
        "/attributes"
    );
    assert_eq!(
        pointer(
            register(
                &api.app,
                "s",
                &json!({"email": "a@b.it", "name": "A", "attributes": {"gender": 1}})
            )
            .await
        ),
        "/attributes/gender"
    );
    assert_eq!(
        pointer(
            register(
                &api.app,
                "s",
                &json!({"email": "a@b.it", "name": "A", "eta": 40})
            )
            .await
        ),
        "/eta"
    );
    let body = register(
        &api.app,
        "s",
        &json!({"email": 5, "name": null, "attributes": {"birth_date": "31/02/1990"}}),
    )
    .await
    .problem(422);
    snapshot!("invalid_registration", body);

    let big = json!({"email": "a@b.it", "name": "x".repeat(2000)});
    let body = register(&api.app, "s", &big).await.problem(413);
    assert_eq!(body["type"], "/problems/payload-too-large");

    let reply = get(&api.app, "/v2/nothing").await;
    snapshot!("no_route", reply.problem(404));
    let reply = Call::new("PUT", "/v1/sessions").send(&api.app).await;
    reply.problem(405);
    assert!(reply.header("allow").contains("GET"), "{:?}", reply.headers);
}

#[tokio::test]
async fn public_writes_are_rate_limited_per_address() {
    let api = api_with(ServerConfig {
        rate_limit_per_minute: 2,
        ..config()
    })
    .await;
    binario_session(&api.app, "s", 5).await;
    assert_eq!(register(&api.app, "s", &person(1)).await.status, 201);
    assert_eq!(register(&api.app, "s", &person(2)).await.status, 201);
    let reply = register(&api.app, "s", &person(3)).await;
    let body = reply.problem(429);
    assert_eq!(reply.header("retry-after"), "30");
    snapshot!("rate_limited", body);
    // Reads are not limited.
    assert_eq!(get(&api.app, "/v1/sessions/s").await.status, 200);
}

#[tokio::test]
async fn the_calendar_feed_holds_the_sessions() {
    let api = api().await;
    binario_session(&api.app, "nuova", 5).await;
    let reply = get(&api.app, "/v1/calendar.ics?program=binario-f").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("content-type"), "text/calendar; charset=utf-8");
    assert_eq!(reply.text.matches("BEGIN:VEVENT").count(), 16);
    assert!(
        reply
            .text
            .contains("\r\nUID:binario-f-2019-02-12@skillhub\r\n")
    );
    assert!(reply.text.contains("\r\nUID:nuova@skillhub\r\n"));
    assert!(reply.text.contains("\r\nDTSTART:20190212T083000Z\r\n"));
    assert!(
        reply
            .text
            .contains("X-WR-CALNAME:Social Academy a Binario F")
    );
    let hub = get(&api.app, "/v1/calendar.ics?hub=binario-f-roma-termini").await;
    assert_eq!(hub.text.matches("BEGIN:VEVENT").count(), 16);
    assert!(
        hub.text
            .contains("LOCATION:Binario F\\, Stazione Roma Termini\\, 00185 Roma")
    );
    let all = get(&api.app, "/v1/calendar.ics").await;
    assert!(all.text.starts_with("BEGIN:VCALENDAR\r\n"));
    get(&api.app, "/v1/calendar.ics?program=nessuno")
        .await
        .problem(404);
    get(
        &api.app,
        "/v1/calendar.ics?hub=municipio-1&program=binario-f",
    )
    .await
    .problem(404);
    get(&api.app, "/v1/calendar.ics?program=Non%20Valido")
        .await
        .problem(400);
}

// ---------------------------------------------------------------------------------------------
// Over a real socket.

/// A running server on port 0 and its shutdown switch.
struct Running {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), skillhub_http::ServeError>>,
}

async fn start(store: Store) -> Running {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = Server::bind(store, addr, config()).await.unwrap();
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    Running { addr, stop, task }
}

impl Running {
    async fn stop(self) {
        self.stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the server stops within 10 s")
            .unwrap()
            .unwrap();
    }
}

/// One HTTP/1.1 exchange over a fresh TCP connection: status and body.
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, rest) = text.split_once("\r\n\r\n").expect("a header block");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        unchunk(rest)
    } else {
        rest.to_owned()
    };
    (status, body)
}

fn unchunk(mut rest: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").unwrap();
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_real_socket_serves_health_and_registrations() {
    let (store, _dir) = sqlite().await;
    let server = start(store).await;
    let (status, body) = http(server.addr, "GET", "/healthz", None, None).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    // A session that is over takes no registration (this was the README's example).
    let (status, body) = http(
        server.addr,
        "POST",
        "/v1/sessions/binario-f-2019-02-12/registrations",
        None,
        Some(&person(1)),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["type"], "/problems/registration-closed");
    let session = json!({
        "id": "futura", "program_id": "binario-f", "hub_id": "binario-f-roma-termini",
        "title": "Facebook per la PA", "starts_at": in_future("2030-02-12T09:30:00+01:00"),
        "ends_at": in_future("2030-02-12T13:30:00+01:00"), "capacity": 5, "mode": "in_person",
    });
    let (status, body) = http(
        server.addr,
        "POST",
        "/v1/sessions",
        Some(ADMIN),
        Some(&session),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(
        server.addr,
        "POST",
        "/v1/sessions/futura/registrations",
        None,
        Some(&person(1)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(created["status"], "confirmed");
    let path = format!("/v1/registrations/{}", created["id"]);
    let (status, body) = http(
        server.addr,
        "GET",
        &path,
        created["manage_token"].as_str(),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = http(server.addr, "GET", "/nowhere", None, None).await;
    assert_eq!(status, 404);
    server.stop().await;
}

/// 50 people at once for 1 seat over HTTP: one seat given, positions 1..49; then the seat's
/// holder cancels and the head of the list gets it.
async fn fifty_for_one_seat(store: Store) {
    let server = start(store.clone()).await;
    let addr = server.addr;
    let (status, body) = http(
        addr,
        "POST",
        "/v1/sessions",
        Some(ADMIN),
        Some(&json!({
            "id": "corsa", "program_id": "binario-f", "hub_id": "binario-f-roma-termini",
            "title": "Un posto solo", "starts_at": in_future("2030-05-01T09:00:00Z"),
            "ends_at": in_future("2030-05-01T10:00:00Z"), "capacity": 1, "mode": "in_person",
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let tasks: Vec<_> = (0..50)
        .map(|n| {
            tokio::spawn(async move {
                let (status, body) = http(
                    addr,
                    "POST",
                    "/v1/sessions/corsa/registrations",
                    None,
                    Some(&person(n)),
                )
                .await;
                assert_eq!(status, 201, "{body}");
                serde_json::from_str::<Value>(&body).unwrap()
            })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        created.push(task.await.unwrap());
    }
    let confirmed: Vec<&Value> = created
        .iter()
        .filter(|c| c["status"] == "confirmed")
        .collect();
    assert_eq!(confirmed.len(), 1);
    let mut positions: Vec<u64> = created
        .iter()
        .filter_map(|c| c["waitlist_position"].as_u64())
        .collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=49).collect::<Vec<_>>());

    let holder = confirmed[0];
    let path = format!("/v1/registrations/{}", holder["id"]);
    let (status, body) = http(addr, "DELETE", &path, holder["manage_token"].as_str(), None).await;
    assert_eq!(status, 200, "{body}");
    let head = created
        .iter()
        .find(|c| c["waitlist_position"] == 1)
        .unwrap();
    let (_, body) = http(
        addr,
        "GET",
        &format!("/v1/registrations/{}", head["id"]),
        Some(ADMIN),
        None,
    )
    .await;
    let head: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (head["status"].clone(), head["waitlist_position"].clone()),
        (json!("confirmed"), Value::Null)
    );
    let (_, body) = http(
        addr,
        "GET",
        "/v1/sessions/corsa/registrations",
        Some(ADMIN),
        None,
    )
    .await;
    let list: Value = serde_json::from_str(&body).unwrap();
    let mut waiting: Vec<u64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["waitlist_position"].as_u64())
        .collect();
    waiting.sort_unstable();
    assert_eq!(waiting, (1..=48).collect::<Vec<_>>());
    let (_, body) = http(addr, "GET", "/v1/sessions/corsa", None, None).await;
    let session: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (&session["confirmed"], &session["waitlisted"]),
        (&json!(1), &json!(48))
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_for_one_seat_on_sqlite() {
    let (store, _dir) = sqlite().await;
    fifty_for_one_seat(store.clone()).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_for_one_seat_on_postgres() {
    let Some(admin_url) = skillhub_testkit::postgres_url() else {
        return;
    };
    let name = format!("skillhub_http_{}", &skillhub_store::new_token()[..16]);
    let admin = sqlx::PgPool::connect(&admin_url)
        .await
        .expect("TEST_PG_URL connects");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    let url = database_url(&admin_url, &name);
    let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
    fifty_for_one_seat(store.clone()).await;
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .unwrap();
    admin.close().await;
}

/// `postgres://u@h:p/db?x` with the database replaced.
fn database_url(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let root = match base.rfind('/') {
        Some(i) if i > base.find("//").map_or(0, |j| j + 1) => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

#[tokio::test]
async fn a_batch_session_is_drawn_by_tier_then_lottery() {
    use sha2::Digest;
    let api = api().await;
    let secret = "frase segreta pubblicata dopo la chiusura";
    let commitment = format!("sha256:{}", hex::encode(sha2::Sha256::digest(secret)));
    let batch = |id: &str, closes_at: &str, commitment: Option<&str>| {
        let mut body = json!({
            "id": id,
            "program_id": "binario-f",
            "hub_id": "binario-f-roma-termini",
            "title": "Instagram per la PA",
            "starts_at": in_future("2030-02-19T09:30:00+01:00"),
            "ends_at": in_future("2030-02-19T13:30:00+01:00"),
            "capacity": 1,
            "mode": "in_person",
            "policy": "batch",
            "registration_closes_at": closes_at,
        });
        if let Some(commitment) = commitment {
            body["draw_commitment"] = json!(commitment);
        }
        Call::new("POST", "/v1/sessions").token(ADMIN).json(&body)
    };
    // Registration for this one is open until 2030: the draw waits for its close.
    let reply = batch("aperta", &in_future("2030-02-01T00:00:00Z"), None)
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let reply = register(&api.app, "aperta", &person(9)).await;
    assert_eq!(
        reply.json()["status"],
        "waitlisted",
        "nobody gets a seat before the draw"
    );
    let commit = Call::new("POST", "/v1/sessions/aperta/draw-commitment")
        .token(ADMIN)
        .json(&json!({"commitment": "Lotto, estrazione del 2030-02-02, ruota di Roma"}))
        .send(&api.app)
        .await;
    assert_eq!(commit.status, 200, "{}", commit.text);
    assert_eq!(
        commit.json()["draw_commitment"],
        "Lotto, estrazione del 2030-02-02, ruota di Roma"
    );
    let early = Call::new("POST", "/v1/sessions/aperta/allocation")
        .token(ADMIN)
        .json(&json!({"public_value": "17 42 5 88 3"}))
        .send(&api.app)
        .await
        .problem(409);
    assert!(
        early["detail"].as_str().unwrap().contains("still open"),
        "{early}"
    );

    // This one closed in 2020, committed when it was created; the admin entered its
    // applicants late, on purpose.
    let reply = batch("sorteggio", "2020-01-01T00:00:00Z", Some(&commitment))
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let closed = register(&api.app, "sorteggio", &person(7))
        .await
        .problem(409);
    assert_eq!(closed["type"], "/problems/registration-closed");
    let mut late = person(7);
    late["late"] = json!(true);
    register(&api.app, "sorteggio", &late).await.problem(401);
    let mut ids = Vec::new();
    for n in 0..3 {
        let reply = register_late(&api.app, "sorteggio", &person(n)).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_eq!(reply.json()["status"], "waitlisted");
        ids.push(reply.json()["id"].as_i64().unwrap());
    }
    let path = "/v1/sessions/sorteggio/allocation";
    Call::new("POST", path)
        .json(&json!({"public_value": secret}))
        .send(&api.app)
        .await
        .problem(401);
    // Only the committed secret is accepted: no seed of the operator's choosing.
    let bad = Call::new("POST", path)
        .token(ADMIN)
        .json(&json!({"seed": "07".repeat(32)}))
        .send(&api.app)
        .await
        .problem(422);
    assert_eq!(bad["errors"][1]["pointer"], "/seed", "{bad}");
    let wrong = Call::new("POST", path)
        .token(ADMIN)
        .json(&json!({"public_value": "un altro valore"}))
        .send(&api.app)
        .await
        .problem(422);
    assert_eq!(wrong["errors"][0]["pointer"], "/public_value", "{wrong}");
    let drawn = Call::new("POST", path)
        .token(ADMIN)
        .json(&json!({"public_value": secret}))
        .send(&api.app)
        .await;
    assert_eq!(drawn.status, 200, "{}", drawn.text);
    let body = drawn.json();
    assert_eq!(body["public_value"], secret);
    assert_eq!(body["confirmed"].as_array().unwrap().len(), 1);
    assert_eq!(body["waitlisted"].as_array().unwrap().len(), 2);
    let mut all: Vec<i64> = body["confirmed"]
        .as_array()
        .unwrap()
        .iter()
        .chain(body["waitlisted"].as_array().unwrap())
        .map(|v| v.as_i64().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(all, ids, "everyone is in the draw once");
    // Anyone can recompute it from the pool's ids and the public value.
    let order: Vec<String> = body["lottery_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect();
    let pool: Vec<String> = ids.iter().map(i64::to_string).collect();
    assert!(skillhub_allocation::lottery::verify(&pool, secret, &order));
    let session = get(&api.app, "/v1/sessions/sorteggio").await.json();
    assert_eq!(session["draw_public_value"], secret);
    assert_eq!(session["draw_commitment"], commitment.as_str());
    // Once only; and a first-come session has no draw.
    Call::new("POST", path)
        .token(ADMIN)
        .json(&json!({"public_value": secret}))
        .send(&api.app)
        .await
        .problem(409);
    binario_session(&api.app, "ordinaria", 5).await;
    Call::new("POST", "/v1/sessions/ordinaria/allocation")
        .token(ADMIN)
        .json(&json!({"public_value": "x"}))
        .send(&api.app)
        .await
        .problem(409);
    Call::new("POST", "/v1/sessions/nessuna/allocation")
        .token(ADMIN)
        .json(&json!({"public_value": "x"}))
        .send(&api.app)
        .await
        .problem(404);
}

/// Outside its window a session takes no registration: the problem says when it opens or
/// that it closed, and a hybrid session's online seats are booked with `seat`.
#[tokio::test]
async fn registration_keeps_to_the_window_and_seats_are_chosen() {
    let api = api().await;
    let reply = Call::new("POST", "/v1/sessions")
        .token(ADMIN)
        .json(&json!({
            "id": "ibrida", "program_id": "binario-f", "hub_id": "binario-f-roma-termini",
            "title": "Facebook per la PA", "starts_at": in_future("2030-02-12T09:30:00+01:00"),
            "ends_at": in_future("2030-02-12T13:30:00+01:00"), "seats": {"in_person": 1, "online": 1},
            "mode": "hybrid", "registration_opens_at": in_future("2029-12-01T09:00:00+01:00"),
        }))
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        reply.json()["registration_opens_at"],
        in_future("2029-12-01T08:00:00Z")
    );
    assert_eq!(
        reply.json()["registration_closes_at"],
        in_future("2030-02-12T08:30:00Z")
    );
    let early = register(&api.app, "ibrida", &person(1)).await.problem(409);
    assert_eq!(early["type"], "/problems/registration-closed");
    assert!(
        early["detail"]
            .as_str()
            .unwrap()
            .contains(&in_future("opens at 2029-12-01")),
        "{early}"
    );
    // The admin may still add someone on purpose; the seat asked for is the one given.
    let mut online = person(1);
    online["seat"] = json!("online");
    let reply = register_late(&api.app, "ibrida", &online).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let id = reply.json()["id"].clone();
    let got = Call::new("GET", &format!("/v1/registrations/{id}"))
        .token(ADMIN)
        .send(&api.app)
        .await
        .json();
    assert_eq!(got["seat"], "online");
    let session = get(&api.app, "/v1/sessions/ibrida").await.json();
    assert_eq!(session["confirmed"], 1);
    // A seat kind the session does not offer names the field; a wrong window too.
    binario_session(&api.app, "solo-aula", 5).await;
    let mut body = person(2);
    body["seat"] = json!("online");
    body["late"] = json!(true);
    let problem = Call::new("POST", "/v1/sessions/solo-aula/registrations")
        .token(ADMIN)
        .json(&body)
        .send(&api.app)
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["pointer"], "/seat", "{problem}");
    let problem = Call::new("POST", "/v1/sessions")
        .token(ADMIN)
        .json(&json!({
            "program_id": "binario-f", "hub_id": "binario-f-roma-termini",
            "title": "T", "starts_at": in_future("2030-02-12T09:30:00+01:00"),
            "ends_at": in_future("2030-02-12T13:30:00+01:00"), "capacity": 5, "mode": "in_person",
            "registration_closes_at": in_future("2030-02-13T00:00:00Z"),
        }))
        .send(&api.app)
        .await
        .problem(422);
    assert_eq!(
        problem["errors"][0]["pointer"], "/registration_closes_at",
        "{problem}"
    );
    // Late registrations are for the admin only.
    let token = api
        .store
        .create_operator_token("binario-f", "op")
        .await
        .unwrap();
    let mut body = person(3);
    body["late"] = json!(true);
    Call::new("POST", "/v1/sessions/ibrida/registrations")
        .token(&token)
        .json(&body)
        .send(&api.app)
        .await
        .problem(403);
}
