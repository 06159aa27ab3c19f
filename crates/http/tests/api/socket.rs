//! Over a real socket: a server on port 0 answering HTTP/1.1, and 50 people at once for one
//! seat on SQLite and on PostgreSQL.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use skillhub_http::Server;
use skillhub_store::{OpenOptions, Store};
use skillhub_testkit::in_future;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{ADMIN, config, person, sqlite};

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
