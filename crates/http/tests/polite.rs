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
    // A session open for registration (the seed programs' sessions are over).
    let later = skillhub_core::session::Session::new(skillhub_core::session::SessionSpec {
        id: skillhub_core::ids::SessionId::parse(OPEN).unwrap(),
        program: "binario-f".parse().unwrap(),
        hub: Some("binario-f-roma-termini".parse().unwrap()),
        room: None,
        title: "Facebook per la PA".into(),
        competences: Vec::new(),
        level: None,
        mode: skillhub_core::session::Mode::InPerson,
        seats: skillhub_core::capacity::Seats::new(5, 0).unwrap(),
        trainers: Vec::new(),
        date: chrono::NaiveDate::from_ymd_opt(skillhub_testkit::future_year(), 2, 12).unwrap(),
        start: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(13, 30, 0).unwrap(),
        zone: skillhub_core::tz::Zone::rome(),
        ambiguity: skillhub_core::session::Ambiguity::Refuse,
    })
    .unwrap();
    store.create_sessions("test", &[later]).await.unwrap();
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
/// The id of the session [`server`] opens for registration.
const OPEN: &str = "aperta";

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
        "/v1/sessions/aperta/registrations",
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
    let reply = send(&app, "GET", "/v1/sessions/aperta", None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    // And once the lock is given back, the same registration is taken.
    drop(_lock);
    let reply = send(
        &app,
        "POST",
        "/v1/sessions/aperta/registrations",
        Some(json!({"email": "persona1@example.it", "name": "Persona 1"})),
    )
    .await;
    assert_eq!(reply.status, 201, "{reply:?}");
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

/// A server on port 0 with `config`, over a fresh empty SQLite file, and its stop switch.
struct Running {
    addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), skillhub_http::ServeError>>,
    _dir: tempfile::TempDir,
}

async fn start(config: ServerConfig) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let options = OpenOptions {
        seed: skillhub_store::Seed::Empty,
        ..OpenOptions::default()
    };
    let store = Store::open(&url, &options).await.unwrap();
    let server = skillhub_http::Server::bind(store, "127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stop,
        task,
        _dir: dir,
    }
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

/// Everything the server sends until it closes the connection, or `None` if it keeps it open
/// longer than `within`.
async fn until_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> Option<String> {
    use tokio::io::AsyncReadExt as _;
    let mut received = Vec::new();
    match tokio::time::timeout(within, stream.read_to_end(&mut received)).await {
        Ok(Ok(_)) | Ok(Err(_)) => Some(String::from_utf8_lossy(&received).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_a_request_is_closed_after_the_header_timeout() {
    use tokio::io::AsyncWriteExt as _;
    let server = start(ServerConfig {
        header_timeout: Duration::from_millis(300),
        keep_alive_timeout: Duration::from_secs(60),
        ..ServerConfig::default()
    })
    .await;
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let answer = until_closed(&mut slow, Duration::from_secs(5))
        .await
        .expect("the server closes a connection that stops mid-headers");
    assert!(!answer.contains("200 OK"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed() {
    use tokio::io::AsyncWriteExt as _;
    let server = start(ServerConfig {
        header_timeout: Duration::from_secs(60),
        keep_alive_timeout: Duration::from_millis(400),
        ..ServerConfig::default()
    })
    .await;
    let mut client = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let answer = until_closed(&mut client, Duration::from_secs(5))
        .await
        .expect("the server closes an idle connection");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("x-content-type-options: nosniff"),
        "{answer}"
    );
    let idle = started.elapsed();
    assert!(idle >= Duration::from_millis(300), "{idle:?}");
    assert!(idle < Duration::from_secs(3), "{idle:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_wait_for_one_to_close() {
    use tokio::io::AsyncWriteExt as _;
    let server = start(ServerConfig {
        header_timeout: Duration::from_secs(60),
        keep_alive_timeout: Duration::from_secs(60),
        max_connections: 1,
        ..ServerConfig::default()
    })
    .await;
    // The first connection takes the only place and sits idle.
    let first = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The second is not served while the first is open…
    let mut second = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    second
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        until_closed(&mut second, Duration::from_millis(500)).await,
        None
    );
    // …and is once it closes.
    drop(first);
    let answer = until_closed(&mut second, Duration::from_secs(5))
        .await
        .expect("served once a place is free");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_closes_idle_connections_and_returns() {
    let server = start(ServerConfig {
        header_timeout: Duration::from_secs(60),
        keep_alive_timeout: Duration::from_secs(60),
        ..ServerConfig::default()
    })
    .await;
    let mut idle = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.stop().await;
    assert!(
        until_closed(&mut idle, Duration::from_secs(2))
            .await
            .is_some()
    );
}

/// The status of a registration to a session that does not exist (404 once past the rate
/// limit, 429 when limited), sent over a real socket with `X-Forwarded-For: xff`.
async fn limited_status(addr: std::net::SocketAddr, xff: Option<&str>) -> u16 {
    use tokio::io::AsyncWriteExt as _;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = r#"{"email":"a@example.it","name":"A"}"#;
    let forwarded = xff.map_or(String::new(), |x| format!("X-Forwarded-For: {x}\r\n"));
    let request = format!(
        "POST /v1/sessions/nessuna/registrations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/json\r\n{forwarded}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = until_closed(&mut stream, Duration::from_secs(5))
        .await
        .unwrap();
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_counts_forwarded_clients_only_behind_a_trusted_proxy() {
    // The test client is the proxy, at 127.0.0.1.
    let trusting = start(ServerConfig {
        rate_limit_per_minute: 1,
        trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
        ..ServerConfig::default()
    })
    .await;
    assert_eq!(
        limited_status(trusting.addr, Some("203.0.113.7")).await,
        404
    );
    assert_eq!(
        limited_status(trusting.addr, Some("203.0.113.8")).await,
        404
    );
    assert_eq!(
        limited_status(trusting.addr, Some("203.0.113.7")).await,
        429
    );
    trusting.stop().await;

    // Not a trusted proxy: X-Forwarded-For is ignored, the peer is the client.
    let wary = start(ServerConfig {
        rate_limit_per_minute: 1,
        ..ServerConfig::default()
    })
    .await;
    assert_eq!(limited_status(wary.addr, Some("203.0.113.7")).await, 404);
    assert_eq!(limited_status(wary.addr, Some("203.0.113.8")).await, 429);
    wary.stop().await;
}

/// A TCP forwarder to `target` on a port of its own; aborting the task it returns cuts it: the
/// port refuses connections and the open ones are dropped, as when a database server goes away.
async fn forwarder(
    target: std::net::SocketAddr,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        // Dropped with the task, which aborts every forwarded connection.
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                continue;
            };
            connections.spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (addr, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_that_goes_away_after_start_answers_503() {
    let Some(admin_url) = skillhub_testkit::postgres_url() else {
        return;
    };
    let admin = url::Url::parse(&admin_url).unwrap();
    let target = std::net::SocketAddr::new(
        admin.host_str().unwrap().parse().unwrap(),
        admin.port().unwrap_or(5432),
    );
    let name = format!("skillhub_polite_{}", &skillhub_store::new_token()[..12]);
    let pool = sqlx::PgPool::connect(&admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .unwrap();

    let (proxy, cut) = forwarder(target).await;
    let mut through = admin.clone();
    through.set_port(Some(proxy.port())).unwrap();
    through.set_path(&format!("/{name}"));
    let options = OpenOptions {
        timeouts: Timeouts::server(),
        ..OpenOptions::default()
    };
    let store = Store::open(through.as_str(), &options).await.unwrap();
    let state = AppState::new(store, ServerConfig::default()).await.unwrap();
    let app = app(state);
    assert_eq!(send(&app, "GET", "/readyz", None).await.status, 200);

    // The database goes away.
    cut.abort();
    let _ = cut.await;
    for (method, uri, body) in [
        (
            "POST",
            "/v1/sessions/aperta/registrations",
            Some(json!({"email": "persona1@example.it", "name": "Persona 1"})),
        ),
        ("GET", "/v1/programs", None),
        ("GET", "/readyz", None),
    ] {
        let started = Instant::now();
        send(&app, method, uri, body).await.assert_unavailable();
        let took = started.elapsed();
        assert!(took < Duration::from_secs(3), "{method} {uri}: {took:?}");
    }

    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&pool)
    .await
    .unwrap();
}
