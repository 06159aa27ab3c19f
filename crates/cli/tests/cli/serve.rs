//! The real `skillhub serve` binary as a process: killed with `kill -9` while clients are
//! registering, it loses no 201 and overbooks nothing (on SQLite, and on PostgreSQL with
//! `TEST_PG_URL`), and two processes on one PostgreSQL database never overbook.

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
    /// Every line it printed on stdout so far.
    stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    pub(crate) fn start(dir: &Path, db: &str) -> Server {
        Server::start_with(dir, &["--db", db])
    }

    /// `skillhub serve ARGS --addr 127.0.0.1:0` in `dir` (also its temporary directory).
    pub(crate) fn start_with(dir: &Path, args: &[&str]) -> Server {
        Server::start_with_env(dir, args, &[])
    }

    /// [`Server::start_with`] with more environment variables.
    pub(crate) fn start_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_skillhub"))
            .arg("serve")
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .env("TMPDIR", dir)
            .env("SKILLHUB_ADMIN_TOKEN", ADMIN)
            .env("SKILLHUB_RATE_LIMIT", "0")
            // The URL is printed on stdout whatever the log level.
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("skillhub serve starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let printed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = std::sync::Arc::clone(&printed);
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                keep.lock().unwrap().push(line.clone());
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
        Server {
            child,
            addr,
            stdout: printed,
        }
    }

    /// The lines printed on stdout so far.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    /// The first line printed on stdout that starts with `prefix`, waiting up to 10 s for it.
    pub(crate) fn printed(&self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let lines = self.stdout.lock().unwrap().clone();
            if let Some(line) = lines.iter().find(|l| l.starts_with(prefix)) {
                return line.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no line starting with {prefix:?} in {lines:#?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn kill9(mut self) {
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
pub(crate) fn http(
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

pub(crate) fn dechunk(mut rest: &str) -> String {
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

pub(crate) fn register(addr: &str, session: &str, n: usize) -> serde_json::Value {
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

pub(crate) fn create_session(addr: &str, capacity: u32) -> String {
    // A session ahead of the servers' clock: in 2030, or a later year with its calendar.
    let body = skillhub_testkit::in_future(&format!(
        r#"{{"program_id":"binario-f","hub_id":"binario-f-roma-termini","title":"Prova","starts_at":"2030-06-11T07:30:00Z","ends_at":"2030-06-11T11:30:00Z","capacity":{capacity},"mode":"in_person"}}"#
    ));
    let (status, value) = http(addr, "POST", "/v1/sessions", Some(&body), Some(ADMIN));
    assert_eq!(status, 201, "{value}");
    value["id"].as_str().unwrap().to_owned()
}

/// What a client saw of one registration it posted.
enum Posted {
    /// A 201 with its body.
    Created(serde_json::Value),
    /// The request was written and no complete answer came: the server died under it.
    Cut,
    /// A 503: the server was too busy to decide (nothing was written).
    Busy,
    /// No connection (the server was gone).
    Refused,
}

/// Posts one registration without panicking when the server dies under it.
fn post_registration(addr: &str, session: &str, n: usize) -> Posted {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return Posted::Refused;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let body = format!(r#"{{"email":"p{n}@example.it","name":"Persona {n}","attributes":{{}}}}"#);
    let request = format!(
        "POST /v1/sessions/{session}/registrations HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return Posted::Cut;
    }
    let mut reply = String::new();
    if stream.read_to_string(&mut reply).is_err() {
        return Posted::Cut;
    }
    let Some((head, rest)) = reply.split_once("\r\n\r\n") else {
        return Posted::Cut;
    };
    let text = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    match (head.split_whitespace().nth(1), serde_json::from_str(&text)) {
        (Some("201"), Ok(value)) => Posted::Created(value),
        (Some("503"), _) => Posted::Busy,
        (Some(status), Ok(value)) if status != "201" => {
            panic!("a registration got {status}: {value}")
        }
        _ => Posted::Cut,
    }
}

/// `kill -9` while clients are posting registrations, then a restart on the same database:
/// every 201 a client received is there as it was answered, the seats were never overbooked,
/// and the waiting list has no gap (what the server wrote, it wrote whole).
fn every_201_survives_kill_9_mid_flight(dir: &Path, db: &str) {
    const CAPACITY: usize = 10;
    const CLIENTS: usize = 12;
    let server = Server::start(dir, db);
    let session = create_session(&server.addr, CAPACITY as u32);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let created = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (addr, session) = (server.addr.clone(), session.clone());
            let (stop, created) = (stop.clone(), created.clone());
            std::thread::spawn(move || {
                let (mut answered, mut cut) = (Vec::new(), 0);
                for i in 0.. {
                    match post_registration(&addr, &session, client * 100_000 + i) {
                        Posted::Created(value) => {
                            answered.push(value);
                            created.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                        Posted::Cut => cut += 1,
                        Posted::Busy => {}
                        Posted::Refused => break,
                    }
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                }
                (answered, cut)
            })
        })
        .collect();
    // Enough 201s for a full session and a waiting list, then the kill, with every client busy.
    let deadline = Instant::now() + Duration::from_secs(120);
    while created.load(std::sync::atomic::Ordering::SeqCst) < 4 * CAPACITY {
        assert!(
            Instant::now() < deadline,
            "too few registrations within 120 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill9();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (mut answered, mut cut) = (Vec::new(), 0);
    for client in clients {
        let (mine, my_cut) = client.join().unwrap();
        answered.extend(mine);
        cut += my_cut;
    }
    assert!(
        cut > 0,
        "no request was in flight when the server was killed: the test missed its case"
    );

    let server = Server::start(dir, db);
    let (status, list) = http(
        &server.addr,
        "GET",
        &format!("/v1/sessions/{session}/registrations"),
        None,
        Some(ADMIN),
    );
    assert_eq!(status, 200, "{list}");
    let stored: std::collections::BTreeMap<i64, serde_json::Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_i64().unwrap(), r.clone()))
        .collect();
    for reg in &answered {
        let id = reg["id"].as_i64().unwrap();
        let now = stored
            .get(&id)
            .unwrap_or_else(|| panic!("registration {id} got a 201 and is gone: {reg}"));
        assert_eq!(now["status"], reg["status"], "{now} was answered as {reg}");
        assert_eq!(now["waitlist_position"], reg["waitlist_position"], "{now}");
        let path = format!("/v1/registrations/{id}");
        let token = reg["manage_token"].as_str().unwrap();
        let (status, seen) = http(&server.addr, "GET", &path, None, Some(token));
        assert_eq!((status, &seen["status"]), (200, &reg["status"]), "{seen}");
    }
    // Requests cut before their answer may have been written or not, but never in part.
    assert!(stored.len() >= answered.len());
    let confirmed = stored
        .values()
        .filter(|r| r["status"] == "confirmed")
        .count();
    let mut positions: Vec<i64> = stored
        .values()
        .filter_map(|r| r["waitlist_position"].as_i64())
        .collect();
    positions.sort_unstable();
    assert_eq!(confirmed, CAPACITY, "the seats are full, never overbooked");
    assert_eq!(
        positions,
        (1..=stored.len() as i64 - CAPACITY as i64).collect::<Vec<_>>()
    );
    let (_, view) = http(
        &server.addr,
        "GET",
        &format!("/v1/sessions/{session}"),
        None,
        None,
    );
    assert_eq!(
        (view["confirmed"].as_i64(), view["waitlisted"].as_i64()),
        (Some(CAPACITY as i64), Some(positions.len() as i64)),
        "the session's counters agree with its registrations"
    );
    // The restarted server goes on from where the killed one stopped.
    let next = register(&server.addr, &session, 999_999);
    assert_eq!(
        next["waitlist_position"].as_i64(),
        Some(positions.len() as i64 + 1)
    );
    server.terminate();
}

#[test]
fn every_201_survives_kill_9_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("durable.db").display());
    every_201_survives_kill_9_mid_flight(dir.path(), &db);
}

#[test]
fn every_201_survives_kill_9_on_postgresql() {
    let Some(admin_url) = skillhub_testkit::postgres_url() else {
        return;
    };
    let db = PgDatabase::create(&admin_url, "kill9");
    let dir = tempfile::tempdir().unwrap();
    every_201_survives_kill_9_mid_flight(dir.path(), &db.url);
}

/// A fresh database on the PostgreSQL server of `admin_url` (made and dropped with `psql`),
/// dropped again when the test ends, passed or failed.
pub(crate) struct PgDatabase {
    admin_url: String,
    name: String,
    pub(crate) url: String,
}

impl PgDatabase {
    pub(crate) fn create(admin_url: &str, what: &str) -> PgDatabase {
        let name = format!("skillhub_serve_{what}_{}", std::process::id());
        let db = PgDatabase {
            admin_url: admin_url.to_owned(),
            url: {
                let base = admin_url.split('?').next().unwrap();
                format!("{}/{name}", &base[..base.rfind('/').unwrap()])
            },
            name,
        };
        db.psql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name));
        db.psql(&format!("CREATE DATABASE {}", db.name));
        db
    }

    fn psql(&self, sql: &str) {
        let status = Command::new("psql")
            .args([self.admin_url.as_str(), "-q", "-c", sql])
            .status()
            .expect("psql runs");
        assert!(status.success(), "psql {sql}");
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([self.admin_url.as_str(), "-q", "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .status();
    }
}

#[test]
fn two_processes_on_one_postgresql_never_overbook() {
    let Some(admin_url) = skillhub_testkit::postgres_url() else {
        return;
    };
    let db = PgDatabase::create(&admin_url, "two");
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start(dir.path(), &db.url);
    let second = Server::start(dir.path(), &db.url);
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
}

/// The upcoming sessions of `program` the server lists.
pub(crate) fn upcoming(addr: &str, program: &str) -> Vec<serde_json::Value> {
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
    // "(esempio)", or "(esempio, e-learning)" when the first is an online lab.
    assert!(
        first["title"].as_str().unwrap().contains("(esempio"),
        "{first}"
    );
    // The real default stays clean: the seed programs only, nobody registered, no demo login.
    assert!(
        season
            .iter()
            .all(|s| s["confirmed"] == 0 && s["waitlisted"] == 0),
        "no registration in a new database"
    );
    let (_, programs) = http(&server.addr, "GET", "/v1/programs", None, None);
    assert_eq!(programs["items"].as_array().map_or(0, Vec::len), 6);
    assert!(upcoming(&server.addr, "portici-digitali").is_empty());
    assert_eq!(server.lines().len(), 1, "{:?}", server.lines());
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
