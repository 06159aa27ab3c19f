//! The HTTP contract of `DESIGN.md`, end to end: most cases call the router with `oneshot`
//! against a fresh SQLite database per test; the concurrency cases run over a real socket, on
//! SQLite and on PostgreSQL when `TEST_PG_URL` is set (each in its own fresh database, dropped
//! afterwards). Only the PostgreSQL run can catch a missing lock: SQLite's one writer connection
//! serves the racing requests one at a time whatever the store locks. Response bodies people read are insta snapshots with ids, tokens and times
//! redacted.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "api/admin.rs"]
mod admin;
#[path = "api/catalog.rs"]
mod catalog;
#[path = "api/completions.rs"]
mod completions;
#[path = "api/grants.rs"]
mod grants;
#[path = "api/programs.rs"]
mod programs;
#[path = "api/progress.rs"]
mod progress;
#[path = "api/registrations.rs"]
mod registrations;
#[path = "api/security.rs"]
mod security;
#[path = "api/settings.rs"]
mod settings;
#[path = "api/socket.rs"]
mod socket;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, header};
use serde_json::{Value, json};
use skillhub_http::{AppState, ServerConfig, app};
use skillhub_store::{OpenOptions, Store};
use skillhub_testkit::in_future;
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
pub(crate) use snapshot;

/// A snapshot of a body with nothing to redact (catalog data, problems).
macro_rules! snapshot_plain {
    ($name:expr, $value:expr) => {
        insta::assert_yaml_snapshot!($name, $value)
    };
}
pub(crate) use snapshot_plain;
