//! `cargo xtask loadtest`: registrations per second against real `skillhub serve` processes.
//!
//! Bounded in count and time, loopback only. For each configuration — SQLite with one process,
//! PostgreSQL with one and with two processes sharing a database — it starts release servers on
//! `127.0.0.1:0` with the rate limit off, creates a session of 10,000 seats through the admin API,
//! sends 12,000 registrations from 64 concurrent clients spread over the processes, then checks
//! the outcome through the API (never more confirmed than seats, waiting positions exactly
//! 1..n, every 201 present) and prints registrations/s and p50/p99 latency.
//!
//! The load generator itself always runs from the release build (a debug build re-executes the
//! release one): it shares the machine's cores with the servers and the database, and a debug
//! generator measured itself rather than the server (PostgreSQL: about 860/s instead of 1,700/s).
//!
//! Each configuration runs twice: without mail (`serve --no-delivery`: the decisions still
//! write their messages to the outbox, nobody sends them) and with mail (each server delivers
//! to an SMTP server on loopback, aiosmtpd from `skillhub-testkit`, sharing the two cores), so
//! the table shows what delivery costs the seat decision; with mail it also says how long after
//! the last registration the last message arrived.
//!
//! After the closed-loop run, each configuration without mail is driven **open loop**, the way
//! wrk2 does it: registrations (a new address each) are scheduled at a fixed rate, half the
//! closed-loop figure, for [`OPEN_SECONDS`] seconds over [`CLIENTS`] connections, and each
//! latency is measured from when the request was due, not from when a connection was free to
//! send it, so a stall counts for every request it delays (coordinated omission corrected). The
//! percentiles come from an HdrHistogram.
//!
//! Last, each configuration without mail measures its **ceiling**: the same closed loop, each
//! request refused with 422 before the store (an address without a domain). It costs what a
//! registration costs in HTTP, JSON, the program's rules and the generator, without the seat
//! decision: no store can make registrations faster than that on these cores.
//!
//! `cargo xtask loadtest --no-mail` runs only the configurations without mail.
//!
//! PostgreSQL runs on `TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`): a fresh
//! database is created and dropped for each configuration.

use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

const SEATS: u64 = 10_000;
const REQUESTS: u64 = 12_000;
const CLIENTS: u64 = 64;
const ADMIN: &str = "loadtest-admin-token";
/// No run may take longer than this.
const DEADLINE: Duration = Duration::from_secs(300);
/// How long the open-loop run lasts.
const OPEN_SECONDS: u64 = 5;

/// Whether the servers send the outbox's messages, and where.
#[derive(Debug, Clone)]
enum Mail {
    /// `--no-delivery`.
    Off,
    /// Delivery on, to this SMTP URL.
    Smtp(String),
}

/// One configuration's figures.
struct Figures {
    label: String,
    /// With mail: the messages received, and when the last came after the last registration.
    mail: Option<(u64, Duration)>,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    confirmed: u64,
    waitlisted: u64,
    ok: bool,
    /// The open-loop run, without mail.
    open: Option<OpenLoop>,
    /// The ceiling run, without mail.
    ceiling: Option<Ceiling>,
}

/// The same closed loop with requests the server refuses before the store (an invalid
/// address: 422): what HTTP, JSON, the program's rules and the generator cost on these cores,
/// an upper bound for registrations.
struct Ceiling {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// An open-loop run's figures (see the module docs).
struct OpenLoop {
    /// Registrations scheduled per second.
    rate: u64,
    /// Registrations answered 201 per second, over the whole run.
    achieved: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    max_ms: f64,
    /// Answers other than 201.
    errors: u64,
}

/// Registrations at `rate` per second for [`OPEN_SECONDS`] to `path` over [`CLIENTS`]
/// connections spread over `addrs`, each latency counted from when it was due.
async fn open_loop(addrs: &[String], path: &str, rate: u64) -> Result<OpenLoop, String> {
    let rate = rate.max(1);
    let total = rate * OPEN_SECONDS;
    let (due_tx, due_rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Instant)>();
    let due_rx = Arc::new(tokio::sync::Mutex::new(due_rx));
    let mut workers = Vec::new();
    for client in 0..CLIENTS {
        let addr = addrs[client as usize % addrs.len()].clone();
        let path = path.to_owned();
        let due_rx = due_rx.clone();
        workers.push(tokio::spawn(async move {
            let mut http = Client::connect(&addr).await.map_err(|e| e.to_string())?;
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            loop {
                let next = due_rx.lock().await.recv().await;
                let Some((n, due)) = next else { break };
                let body = format!(
                    r#"{{"email":"aperto{n}@example.it","name":"Persona {n}","attributes":{{}}}}"#
                );
                let (status, _) = http
                    .send("POST", &path, Some(&body), None)
                    .await
                    .map_err(|e| e.to_string())?;
                latencies.push(due.elapsed());
                if status != 201 {
                    errors += 1;
                }
            }
            Ok::<_, String>((latencies, errors))
        }));
    }
    let start = Instant::now() + Duration::from_millis(50);
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    for n in 0..total {
        let due = start + interval.mul_f64(n as f64);
        tokio::time::sleep_until(due.into()).await;
        if due_tx.send((n, due)).is_err() {
            break;
        }
    }
    drop(due_tx);
    let mut histogram = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)
        .map_err(|e| e.to_string())?;
    let mut errors = 0;
    for worker in workers {
        let (latencies, failed) = worker.await.map_err(|e| e.to_string())??;
        errors += failed;
        for latency in latencies {
            let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
            histogram.saturating_record(micros.max(1));
        }
    }
    let elapsed = start.elapsed();
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    Ok(OpenLoop {
        rate,
        achieved: (histogram.len() - errors) as f64 / elapsed.as_secs_f64(),
        p50_ms: ms(0.50),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        max_ms: histogram.max() as f64 / 1000.0,
        errors,
    })
}

/// A minimal HTTP/1.1 client on one keep-alive connection: enough for JSON requests on
/// loopback, with `Content-Length` or chunked responses.
struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    async fn connect(addr: &str) -> std::io::Result<Client> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Client {
            stream: BufReader::new(stream),
        })
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
        token: Option<&str>,
    ) -> std::io::Result<(u16, String)> {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if let Some(token) = token {
            request.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        let body = body.unwrap_or("");
        if !body.is_empty() {
            request.push_str("Content-Type: application/json\r\n");
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        self.stream.get_mut().write_all(request.as_bytes()).await?;
        let mut status_line = String::new();
        self.stream.read_line(&mut status_line).await?;
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
        let (mut length, mut chunked) = (0usize, false);
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        let mut bytes = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                self.stream.read_line(&mut size).await?;
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                self.stream.read_exact(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                bytes.extend_from_slice(&chunk[..n]);
            }
        } else {
            bytes.resize(length, 0);
            self.stream.read_exact(&mut bytes).await?;
        }
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }
}

/// Starts `skillhub serve` on port 0 and returns it with the address it printed.
async fn start_server(db: &str, mail: &Mail) -> Result<(Child, String), String> {
    let binary = crate::root().join("target/release/skillhub");
    let mut command = Command::new(binary);
    command.args(["serve", "--db", db, "--addr", "127.0.0.1:0"]);
    match mail {
        Mail::Off => {
            command.arg("--no-delivery");
        }
        Mail::Smtp(url) => {
            command.env("SKILLHUB_SMTP_URL", url);
        }
    }
    let mut child = command
        .current_dir(crate::root().join("target/loadtest"))
        .env("SKILLHUB_ADMIN_TOKEN", ADMIN)
        .env("SKILLHUB_RATE_LIMIT", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start skillhub serve: {e}"))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stderr).lines();
    let mut out_lines = BufReader::new(stdout).lines();
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let line = tokio::select! {
                line = lines.next_line() => line,
                line = out_lines.next_line() => line,
            };
            match line {
                Ok(Some(line)) => {
                    if let Some(at) = line.find("http://") {
                        let url = line[at + 7..]
                            .split(|c: char| c.is_whitespace() || c == '/')
                            .next()
                            .unwrap_or("")
                            .to_owned();
                        return Ok(url);
                    }
                }
                Ok(None) => return Err("the server exited before listening".to_owned()),
                Err(e) => return Err(e.to_string()),
            }
        }
    })
    .await
    .map_err(|_| "the server did not say where it listens within 60 s".to_owned())??;
    // Keep draining the server's output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    tokio::spawn(async move { while let Ok(Some(_)) = out_lines.next_line().await {} });
    Ok((child, found))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// A registration body with a new address for request `n`.
fn registration(n: u64) -> String {
    format!(r#"{{"email":"persona{n}@example.it","name":"Persona {n}","attributes":{{}}}}"#)
}

/// A registration body the server refuses before the store (an address that is not one): the
/// same request, parsing and answer, without the seat decision.
fn refused(n: u64) -> String {
    format!(r#"{{"email":"persona{n}-senza-dominio","name":"Persona {n}","attributes":{{}}}}"#)
}

/// A closed loop's answers: each request's latency and, for a 201, its registration's id.
struct ClosedLoop {
    started: Instant,
    elapsed: Duration,
    latencies: Vec<Duration>,
    ids: Vec<i64>,
}

/// [`REQUESTS`] requests `body(n)` to `path` from [`CLIENTS`] clients spread over `addrs`, each
/// sending its next request when the last one was answered; any answer but `expected` fails.
async fn closed_loop(
    addrs: &[String],
    path: &str,
    body: fn(u64) -> String,
    expected: u16,
) -> Result<ClosedLoop, String> {
    let path = Arc::new(path.to_owned());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let addr = addrs[client as usize % addrs.len()].clone();
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            let mut http = Client::connect(&addr).await.map_err(|e| e.to_string())?;
            let mut latencies = Vec::new();
            let mut ids = Vec::new();
            let mut n = client;
            while n < REQUESTS {
                if started.elapsed() > DEADLINE {
                    return Err("deadline passed".to_owned());
                }
                let body = body(n);
                let sent = Instant::now();
                let (status, reply) = http
                    .send("POST", &path, Some(&body), None)
                    .await
                    .map_err(|e| e.to_string())?;
                latencies.push(sent.elapsed());
                if status != expected {
                    return Err(format!("request {n}: {status} {reply}"));
                }
                if status == 201 {
                    let value: serde_json::Value =
                        serde_json::from_str(&reply).map_err(|e| e.to_string())?;
                    ids.push(value["id"].as_i64().unwrap_or(-1));
                }
                n += CLIENTS;
            }
            Ok::<_, String>((latencies, ids))
        }));
    }
    let mut latencies = Vec::new();
    let mut ids = Vec::new();
    for task in tasks {
        let (l, i) = task.await.map_err(|e| e.to_string())??;
        latencies.extend(l);
        ids.extend(i);
    }
    Ok(ClosedLoop {
        started,
        elapsed: started.elapsed(),
        latencies,
        ids,
    })
}

async fn run_config(
    label: &str,
    db: &str,
    processes: usize,
    with_mail: bool,
) -> Result<Figures, String> {
    let smtp = if with_mail {
        Some(skillhub_testkit::smtp::SmtpServer::start()?)
    } else {
        None
    };
    let mail = smtp
        .as_ref()
        .map_or(Mail::Off, |server| Mail::Smtp(server.url()));
    let mut servers = Vec::new();
    for _ in 0..processes {
        // One after the other: the first creates and seeds the database.
        servers.push(start_server(db, &mail).await?);
    }
    let addrs: Vec<String> = servers.iter().map(|(_, a)| a.clone()).collect();
    let mut admin = Client::connect(&addrs[0])
        .await
        .map_err(|e| e.to_string())?;
    // A session ahead of the servers' clock: in 2030, or a later year with its calendar.
    let body = skillhub_testkit::in_future(&format!(
        r#"{{"program_id":"binario-f","hub_id":"binario-f-roma-termini","title":"Prova di carico","starts_at":"2030-06-11T07:30:00Z","ends_at":"2030-06-11T11:30:00Z","capacity":{SEATS},"mode":"in_person"}}"#
    ));
    let (status, created) = admin
        .send("POST", "/v1/sessions", Some(&body), Some(ADMIN))
        .await
        .map_err(|e| e.to_string())?;
    if status != 201 {
        return Err(format!("creating the session: {status} {created}"));
    }
    let session: serde_json::Value = serde_json::from_str(&created).map_err(|e| e.to_string())?;
    let session_id = session["id"].as_str().ok_or("no session id")?.to_owned();
    let path = format!("/v1/sessions/{session_id}/registrations");
    let closed = closed_loop(&addrs, &path, registration, 201).await?;
    let (mut latencies, mut ids, elapsed) = (closed.latencies, closed.ids, closed.elapsed);
    let started = closed.started;
    latencies.sort_unstable();
    // Check through the API: counts, positions, every 201 present. On a new connection: the
    // server closes one idle longer than its keep-alive timeout, as the admin's was during the
    // run.
    let mut admin = Client::connect(&addrs[0])
        .await
        .map_err(|e| e.to_string())?;
    let (status, list) = admin
        .send(
            "GET",
            &format!("/v1/sessions/{session_id}/registrations"),
            None,
            Some(ADMIN),
        )
        .await
        .map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("listing registrations: {status}"));
    }
    let list: serde_json::Value = serde_json::from_str(&list).map_err(|e| e.to_string())?;
    let items = list
        .get("items")
        .and_then(|v| v.as_array())
        .or_else(|| list.as_array())
        .ok_or("no registrations in the list")?;
    let confirmed = items.iter().filter(|r| r["status"] == "confirmed").count() as u64;
    let mut positions: Vec<i64> = items
        .iter()
        .filter(|r| r["status"] == "waitlisted")
        .filter_map(|r| r["waitlist_position"].as_i64())
        .collect();
    positions.sort_unstable();
    let contiguous = positions
        .iter()
        .enumerate()
        .all(|(i, p)| *p == i as i64 + 1);
    let mut listed: Vec<i64> = items.iter().filter_map(|r| r["id"].as_i64()).collect();
    listed.sort_unstable();
    ids.sort_unstable();
    let all_present = ids == listed;
    let ok = confirmed == SEATS.min(REQUESTS)
        && contiguous
        && all_present
        && positions.len() as u64 == REQUESTS - confirmed;
    // With mail: every registration's message (and the session's), then how long it took.
    let mail = match &smtp {
        Some(server) => {
            let last = started + elapsed;
            let wanted = REQUESTS;
            let mut received = 0;
            while last.elapsed() < Duration::from_secs(120) {
                received = std::fs::read_dir(server.maildir().join("new"))
                    .map(|entries| entries.count() as u64)
                    .unwrap_or(0);
                if received >= wanted {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Some((received, last.elapsed()))
        }
        None => None,
    };
    let per_second = REQUESTS as f64 / elapsed.as_secs_f64();
    // Open loop (without mail), on a session of its own, at half the closed-loop rate.
    let open = if with_mail {
        None
    } else {
        // The same day, in the afternoon: another session.
        let afternoon = body
            .replace("T07:30:00Z", "T12:30:00Z")
            .replace("T11:30:00Z", "T16:30:00Z");
        let (status, created) = admin
            .send("POST", "/v1/sessions", Some(&afternoon), Some(ADMIN))
            .await
            .map_err(|e| e.to_string())?;
        if status != 201 {
            return Err(format!(
                "creating the open-loop session: {status} {created}"
            ));
        }
        let session: serde_json::Value =
            serde_json::from_str(&created).map_err(|e| e.to_string())?;
        let id = session["id"].as_str().ok_or("no session id")?;
        let path = format!("/v1/sessions/{id}/registrations");
        Some(open_loop(&addrs, &path, (per_second / 2.0) as u64).await?)
    };
    // The ceiling: the same closed loop, each request refused before the store.
    let ceiling = if with_mail {
        None
    } else {
        let mut refusals = closed_loop(&addrs, &path, refused, 422).await?;
        refusals.latencies.sort_unstable();
        Some(Ceiling {
            per_second: REQUESTS as f64 / refusals.elapsed.as_secs_f64(),
            p50_ms: percentile(&refusals.latencies, 0.50),
            p99_ms: percentile(&refusals.latencies, 0.99),
        })
    };
    for (mut child, _) in servers {
        let _ = child.kill().await;
    }
    Ok(Figures {
        open,
        ceiling,
        label: label.to_owned(),
        mail,
        per_second,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        confirmed,
        waitlisted: positions.len() as u64,
        ok,
    })
}

async fn pg_database(admin_url: &str, name: &str, create: bool) -> Result<(), String> {
    let statement = if create {
        format!("CREATE DATABASE {name}")
    } else {
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    };
    let status = Command::new("psql")
        .args([admin_url, "-q", "-c", &statement])
        .status()
        .await
        .map_err(|e| format!("psql: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("psql failed: {statement}"))
    }
}

fn with_database(url: &str, name: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    match base.rfind('/') {
        Some(i) if i > base.find("//").map_or(0, |j| j + 1) => format!("{}/{name}", &base[..i]),
        _ => format!("{base}/{name}"),
    }
}

/// Runs the three configurations and prints the table.
pub fn run(mail: bool) -> ExitCode {
    // The load generator shares the two cores with the servers: it must be optimised code too.
    let args: &[&str] = if mail {
        &["loadtest"]
    } else {
        &["loadtest", "--no-mail"]
    };
    if let Some(code) = crate::in_release(args) {
        return code;
    }
    if !crate::build_release() {
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("loadtest: {e}");
            return ExitCode::FAILURE;
        }
    };
    let results = runtime.block_on(async {
        let mut results = Vec::new();
        let dir = crate::root().join("target/loadtest");
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        let mails: &[bool] = if mail { &[false, true] } else { &[false] };
        for &with_mail in mails {
            let mail = if with_mail { ", mail" } else { ", no mail" };
            let sqlite = format!(
                "sqlite://{}",
                dir.join(format!("load{with_mail}.db")).display()
            );
            results
                .push(run_config(&format!("SQLite, 1 process{mail}"), &sqlite, 1, with_mail).await);
        }
        let pg = std::env::var("TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        for processes in [1, 2] {
            for &with_mail in mails {
                let name = format!(
                    "skillhub_load_{processes}_{with_mail}_{}",
                    std::process::id()
                );
                let label = format!(
                    "PostgreSQL, {processes} process{}{}",
                    if processes > 1 { "es" } else { "" },
                    if with_mail { ", mail" } else { ", no mail" }
                );
                let outcome = match pg_database(&pg, &name, true).await {
                    Ok(()) => {
                        let result =
                            run_config(&label, &with_database(&pg, &name), processes, with_mail)
                                .await;
                        let _ = pg_database(&pg, &name, false).await;
                        result
                    }
                    Err(e) => Err(e),
                };
                results.push(outcome.map_err(|e| format!("{label}: {e}")));
            }
        }
        results
    });
    println!(
        "| configuration | registrations | clients | registrations/s | p50 | p99 | confirmed | waitlisted | outcome | mail |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut ok = true;
    let mut open_rows = Vec::new();
    let mut ceiling_rows = Vec::new();
    for result in results {
        match result {
            Ok(f) => {
                ok &= f.ok;
                if let Some(ceiling) = &f.ceiling {
                    ceiling_rows.push(format!(
                        "| {} | {REQUESTS} | {CLIENTS} | {:.0} | {:.1} ms | {:.1} ms |",
                        f.label, ceiling.per_second, ceiling.p50_ms, ceiling.p99_ms
                    ));
                }
                if let Some(open) = &f.open {
                    ok &= open.errors == 0;
                    open_rows.push(format!(
                        "| {} | {}/s for {OPEN_SECONDS} s | {:.0} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
                        f.label,
                        open.rate,
                        open.achieved,
                        open.p50_ms,
                        open.p99_ms,
                        open.p999_ms,
                        open.max_ms,
                        open.errors
                    ));
                }
                let mail = match f.mail {
                    None => "off".to_owned(),
                    Some((received, after)) => format!(
                        "{received} received, the last {:.1} s after the last registration",
                        after.as_secs_f64()
                    ),
                };
                println!(
                    "| {} | {REQUESTS} | {CLIENTS} | {:.0} | {:.1} ms | {:.1} ms | {} | {} | {} | {mail} |",
                    f.label,
                    f.per_second,
                    f.p50_ms,
                    f.p99_ms,
                    f.confirmed,
                    f.waitlisted,
                    if f.ok {
                        "no overbooking, positions 1..n"
                    } else {
                        "FAILED"
                    }
                );
            }
            Err(e) => {
                ok = false;
                println!("| {e} |");
            }
        }
    }
    println!();
    println!(
        "Open loop (a fixed rate, half the closed-loop figure; latency from when each request was due):"
    );
    println!();
    println!("| configuration | scheduled | answered/s | p50 | p99 | p99.9 | max | errors |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in open_rows {
        println!("{row}");
    }
    println!();
    println!(
        "Ceiling (the same closed loop, each request refused with 422 before the store: HTTP, \
         JSON and the generator alone):"
    );
    println!();
    println!("| configuration | requests | clients | answers/s | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    for row in ceiling_rows {
        println!("{row}");
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
