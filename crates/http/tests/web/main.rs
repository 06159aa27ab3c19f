//! The public web pages: handler tests that parse the HTML and assert what a person reads
//! ([`pages`]), and a real browser driven through WebDriver against the real server
//! ([`browser`]). One test binary for the web part.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backoffice;
mod browser;
mod pages;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, header};
use serde_json::{Value, json};
use skillhub_http::{AppState, ServerConfig, app};
use skillhub_store::{OpenOptions, Store};
use skillhub_testkit::in_future;
use tower::ServiceExt;

/// The admin token of the test servers.
pub(crate) const ADMIN: &str = "admin-secret-for-web-tests";

/// A server configuration for tests: an admin token, no rate limit.
pub(crate) fn config() -> ServerConfig {
    ServerConfig {
        admin_token: Some(ADMIN.to_owned()),
        rate_limit_per_minute: 0,
        ..ServerConfig::default()
    }
}

/// A fresh SQLite database with the seed programs, in a temporary directory.
pub(crate) async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("web.db").display());
    let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
    (store, dir)
}

/// A router over a fresh database.
pub(crate) struct Web {
    pub(crate) app: Router,
    pub(crate) store: Store,
    _dir: tempfile::TempDir,
}

impl Web {
    pub(crate) async fn new() -> Web {
        Web::with(config()).await
    }

    pub(crate) async fn with(config: ServerConfig) -> Web {
        let (store, dir) = sqlite().await;
        let state = AppState::new(store.clone(), config).await.unwrap();
        Web {
            app: app(state),
            store,
            _dir: dir,
        }
    }

    /// Creates a session through the admin API (`body` completes the defaults: a Binario F
    /// session on 12 February 2030, 9:30–13:30, in person; 2030 as `skillhub_testkit::in_future`
    /// reads it, a year with 2030's calendar that is always ahead).
    pub(crate) async fn session(&self, body: Value) -> Value {
        let mut full = json!({
            "program_id": "binario-f",
            "hub_id": "binario-f-roma-termini",
            "title": "Facebook per la PA",
            "starts_at": in_future("2030-02-12T09:30:00+01:00"),
            "ends_at": in_future("2030-02-12T13:30:00+01:00"),
            "capacity": 1,
            "mode": "in_person",
        });
        for (key, value) in body.as_object().unwrap() {
            full[key] = value.clone();
        }
        let request = Request::post("/v1/sessions")
            .header(header::AUTHORIZATION, format!("Bearer {ADMIN}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(full.to_string()))
            .unwrap();
        let reply = send(&self.app, request).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        serde_json::from_str(&reply.text).unwrap()
    }
}

/// What came back.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) text: String,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }
}

pub(crate) async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Reply {
        status,
        headers,
        text: String::from_utf8(body.to_vec()).unwrap(),
    }
}
