//! A server that fails politely: database trouble is a 503 problem with `Retry-After` within a
//! couple of seconds, never a 500 nor a long wait, and `/readyz` tells a load balancer so.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};
use skillhub_http::{AppState, ServerConfig, app};
use skillhub_store::{OpenOptions, Store, Timeouts};
use sqlx::Connection as _;
use tower::ServiceExt;

/// A router over a fresh SQLite file opened as `skillhub serve` opens it, and the file's URL.
async fn server() -> (Router, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let options = OpenOptions {
        timeouts: Timeouts::server(),
        ..OpenOptions::default()
    };
    let store = Store::open(&url, &options).await.unwrap();
    let config = ServerConfig {
        rate_limit_per_minute: 0,
        ..ServerConfig::default()
    };
    let state = AppState::new(store, config).await.unwrap();
    (app(state), url, dir)
}

/// Status, `Retry-After`, `Content-Type` and body of one request.
async fn send(app: &Router, method: &str, uri: &str, body: Option<Value>) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (retry_after, content_type) = (header(header::RETRY_AFTER), header(header::CONTENT_TYPE));
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Reply {
        status,
        retry_after,
        content_type,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    retry_after: Option<String>,
    content_type: Option<String>,
    body: Value,
}

impl Reply {
    fn assert_unavailable(&self) {
        assert_eq!(self.status, 503, "{self:?}");
        assert_eq!(self.retry_after.as_deref(), Some("2"), "{self:?}");
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/problem+json")
        );
        assert_eq!(self.body["type"], "/problems/unavailable", "{self:?}");
    }
}

/// Another process takes the SQLite file's write lock and keeps it until dropped.
async fn hold_write_lock(url: &str) -> sqlx::SqliteConnection {
    let mut other = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE; CREATE TABLE lock_holder (x INTEGER);")
        .execute(&mut other)
        .await
        .unwrap();
    other
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_answers_503_with_retry_after_quickly() {
    let (app, url, _dir) = server().await;
    let _lock = hold_write_lock(&url).await;
    let started = Instant::now();
    let reply = send(
        &app,
        "POST",
        "/v1/sessions/binario-f-2019-02-12/registrations",
        Some(json!({"email": "persona1@example.it", "name": "Persona 1"})),
    )
    .await;
    reply.assert_unavailable();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Reads go on: SQLite's readers never wait for the writer.
    let reply = send(&app, "GET", "/v1/sessions/binario-f-2019-02-12", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_200_on_a_good_database_and_503_on_a_locked_one() {
    let (app, url, _dir) = server().await;
    let reply = send(&app, "GET", "/readyz", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body, json!({"status": "ready"}));

    let lock = hold_write_lock(&url).await;
    let started = Instant::now();
    send(&app, "GET", "/readyz", None)
        .await
        .assert_unavailable();
    assert!(started.elapsed() < Duration::from_secs(3));
    // Liveness says nothing about the database.
    assert_eq!(send(&app, "GET", "/healthz", None).await.status, 200);

    drop(lock);
    assert_eq!(send(&app, "GET", "/readyz", None).await.status, 200);
}
