//! The real `skillhub serve` binary as a process: it survives `kill -9` without losing a 201,
//! and two processes on one PostgreSQL database never overbook.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const ADMIN: &str = "serve-test-admin";

/// A running server and the address it printed.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: String,
}

impl Server {
    pub(crate) fn start(dir: &Path, db: &str) -> Server {
        Server::start_with(dir, &["--db", db])
    }

    /// `skillhub serve ARGS --addr 127.0.0.1:0` in `dir` (also its temporary directory).
    fn start_with(dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_skillhub"))
            .arg("serve")
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .env("TMPDIR", dir)
            .env("SKILLHUB_ADMIN_TOKEN", ADMIN)
            .env("SKILLHUB_RATE_LIMIT", "0")
            // The URL is printed on stdout whatever the log level.
            .env("RUST_LOG", "warn")
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("skillhub serve starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent && let Some(at) = line.find("http://") {
                    let addr: String = line[at + 7..]
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != '/')
                        .collect();
                    let _ = tx.send(addr);
                    sent = true;
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server prints its URL within 60 s");
        Server { child, addr }
    }

    fn kill9(mut self) {
        // SIGKILL: no shutdown, no flush beyond what each commit already did.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub(crate) fn terminate(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "serve exits 0 on SIGTERM, got {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().unwrap();
        panic!("serve did not stop within 20 s of SIGTERM");
    }
}

/// A server left running by a failed test is killed with it.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = body.unwrap_or("");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply.split_whitespace().nth(1).unwrap().parse().unwrap();
    let (head, rest) = reply.split_once("\r\n\r\n").unwrap();
    let text = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    let value = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, value)
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            break;
        }
        out.push_str(&tail[..n]);
        rest = &tail[n + 2..];
    }
    out
}

fn register(addr: &str, session: &str, n: usize) -> serde_json::Value {
    let body = format!(r#"{{"email":"p{n}@example.it","name":"Persona {n}","attributes":{{}}}}"#);
    let (status, value) = http(
        addr,
        "POST",
        &format!("/v1/sessions/{session}/registrations"),
        Some(&body),
        None,
    );
    assert_eq!(status, 201, "{value}");
    value
}

fn create_session(addr: &str, capacity: u32) -> String {
    let body = format!(
        r#"{{"program_id":"binario-f","hub_id":"binario-f-roma-termini","title":"Prova","starts_at":"2030-06-11T07:30:00Z","ends_at":"2030-06-11T11:30:00Z","capacity":{capacity},"mode":"in_person"}}"#
    );
    let (status, value) = http(addr, "POST", "/v1/sessions", Some(&body), Some(ADMIN));
    assert_eq!(status, 201, "{value}");
    value["id"].as_str().unwrap().to_owned()
}

#[test]
fn every_201_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("durable.db").display());
    let server = Server::start(dir.path(), &db);
    assert_eq!(
        http(&server.addr, "GET", "/healthz", None, None),
        (200, serde_json::json!({"status": "ok"}))
    );
    let session = create_session(&server.addr, 3);
    let created: Vec<serde_json::Value> = (0..5)
        .map(|n| register(&server.addr, &session, n))
        .collect();
    server.kill9();
    let server = Server::start(dir.path(), &db);
    for reg in &created {
        let path = format!("/v1/registrations/{}", reg["id"]);
        let token = reg["manage_token"].as_str().unwrap();
        let (status, now) = http(&server.addr, "GET", &path, None, Some(token));
        assert_eq!(status, 200, "{now}");
        assert_eq!(now["status"], reg["status"], "{now}");
        assert_eq!(now["waitlist_position"], reg["waitlist_position"]);
    }
    let (_, view) = http(
        &server.addr,
        "GET",
        &format!("/v1/sessions/{session}"),
        None,
        None,
    );
    assert_eq!(
        (view["confirmed"].as_i64(), view["waitlisted"].as_i64()),
        (Some(3), Some(2))
    );
    server.terminate();
}

#[test]
fn two_processes_on_one_postgresql_never_overbook() {
    let Some(admin_url) = skillhub_testkit::postgres_url() else {
        return;
    };
    let name = format!("skillhub_serve_{}", std::process::id());
    let psql = |sql: &str| {
        let status = Command::new("psql")
            .args([admin_url.as_str(), "-q", "-c", sql])
            .status()
            .expect("psql runs");
        assert!(status.success(), "psql {sql}");
    };
    psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    psql(&format!("CREATE DATABASE {name}"));
    let base = admin_url.split('?').next().unwrap();
    let db = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start(dir.path(), &db);
    let second = Server::start(dir.path(), &db);
    let session = create_session(&first.addr, 10);
    let addrs = [first.addr.clone(), second.addr.clone()];
    let handles: Vec<_> = (0..40)
        .map(|n| {
            let addr = addrs[n % 2].clone();
            let session = session.clone();
            std::thread::spawn(move || register(&addr, &session, n))
        })
        .collect();
    let replies: Vec<serde_json::Value> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let confirmed = replies
        .iter()
        .filter(|r| r["status"] == "confirmed")
        .count();
    let mut positions: Vec<i64> = replies
        .iter()
        .filter_map(|r| r["waitlist_position"].as_i64())
        .collect();
    positions.sort_unstable();
    assert_eq!(confirmed, 10, "exactly the capacity is confirmed");
    // Positions given at registration time are 1..30 without gaps (each was the list's length).
    assert_eq!(positions, (1..=30).collect::<Vec<_>>());
    let (_, view) = http(
        &second.addr,
        "GET",
        &format!("/v1/sessions/{session}"),
        None,
        None,
    );
    assert_eq!(
        (view["confirmed"].as_i64(), view["waitlisted"].as_i64()),
        (Some(10), Some(30))
    );
    first.terminate();
    second.terminate();
    psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

/// The upcoming sessions of `program` the server lists.
fn upcoming(addr: &str, program: &str) -> Vec<serde_json::Value> {
    let (status, body) = http(
        addr,
        "GET",
        &format!("/v1/sessions?program={program}&limit=200"),
        None,
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

#[test]
fn a_new_server_has_upcoming_sessions_to_register_for() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("nuovo.db").display());
    let server = Server::start(dir.path(), &db);
    let season = upcoming(&server.addr, "milano-digitale");
    assert_eq!(season.len(), 32, "eight weeks of four weekly labs");
    let now = chrono::Utc::now();
    let first = &season[0];
    let starts: chrono::DateTime<chrono::Utc> =
        first["starts_at"].as_str().unwrap().parse().unwrap();
    assert!(
        starts > now && starts < now + chrono::Duration::days(8),
        "{first}"
    );
    assert!(first["title"].as_str().unwrap().contains("(esempio)"));
    let person = r#"{"email": "anna@example.it", "name": "Anna Rossi", "attributes": {}}"#;
    let path = format!(
        "/v1/sessions/{}/registrations",
        first["id"].as_str().unwrap()
    );
    let (status, body) = http(&server.addr, "POST", &path, Some(person), None);
    assert_eq!(status, 201, "{body}");
    server.terminate();
    // Only a database the server creates gets the season, once.
    let server = Server::start(dir.path(), &db);
    assert_eq!(upcoming(&server.addr, "milano-digitale").len(), 32);
    server.terminate();
}

#[test]
fn demo_runs_on_a_throwaway_database() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--demo"]);
    assert_eq!(upcoming(&server.addr, "milano-digitale").len(), 32);
    let (status, body) = http(&server.addr, "GET", "/v1/programs", None, None);
    assert_eq!(status, 200);
    assert_eq!(body["items"].as_array().map_or(0, Vec::len), 6, "{body}");
    let leftovers = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("skillhub-demo-")
            })
            .count()
    };
    assert_eq!(
        leftovers(),
        1,
        "the demo database lives in the temporary directory"
    );
    server.terminate();
    assert_eq!(leftovers(), 0, "and is deleted when the server stops");
    assert!(!dir.path().join("skillhub.db").exists(), "nothing is kept");
}
