//! `skillhub serve --demo` tried as a newcomer tries it: the catalog holds upcoming example
//! sessions of several programs, one with a waiting list, one nearly full, one a batch draw still
//! open with its commitment; the printed demo login opens the back office; no message leaves the
//! throwaway directory; and nothing is left when the server stops.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::serve::{Server, dechunk, http, upcoming};

/// A reply: status, head (lowercase names kept as sent) and body.
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    /// The `name=value` of cookie `name` this reply sets.
    fn cookie(&self, name: &str) -> Option<String> {
        self.head
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
            .map(|l| l["set-cookie:".len()..].trim())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap().to_owned())
    }
}

/// One request on a fresh connection, with a cookie and a form body when given.
fn request(addr: &str, method: &str, path: &str, cookie: &str, form: &[(&str, &str)]) -> Reply {
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let cookie = if cookie.is_empty() {
        String::new()
    } else {
        format!("Cookie: {cookie}\r\n")
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{cookie}\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply.split_whitespace().nth(1).unwrap().parse().unwrap();
    let (head, rest) = reply.split_once("\r\n\r\n").unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    Reply {
        status,
        head: head.to_owned(),
        body,
    }
}

/// `application/x-www-form-urlencoded` of one value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of the login form's `csrf` field.
fn csrf_field(html: &str) -> String {
    let at = html
        .find("name=\"csrf\"")
        .unwrap_or_else(|| panic!("no csrf field in {html}"));
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..at + html[at..].find('>').unwrap()];
    let value = tag.split("value=\"").nth(1).unwrap();
    value[..value.find('"').unwrap()].to_owned()
}

/// Logs in through the back office's form; the staff cookie, or the refusal.
fn log_in(addr: &str, email: &str, password: &str) -> Result<String, Reply> {
    let form = request(addr, "GET", "/gestione/accesso", "", &[]);
    assert_eq!(form.status, 200, "{}", form.body);
    let public = form
        .cookie("skillhub_csrf")
        .expect("the form sets its token");
    let token = csrf_field(&form.body);
    let reply = request(
        addr,
        "POST",
        "/gestione/accesso",
        &public,
        &[("csrf", &token), ("email", email), ("password", password)],
    );
    match reply.cookie("skillhub_staff") {
        Some(cookie) if reply.status == 303 => Ok(cookie),
        _ => Err(reply),
    }
}

fn starts_at(session: &serde_json::Value) -> DateTime<Utc> {
    session["starts_at"].as_str().unwrap().parse().unwrap()
}

fn number(session: &serde_json::Value, field: &str) -> u64 {
    session[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} in {session}"))
}

#[test]
fn the_demo_is_a_first_look_worth_having() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--demo"]);
    let now = Utc::now();

    // The six seed programs and the example program.
    let (status, programs) = http(&server.addr, "GET", "/v1/programs", None, None);
    assert_eq!(status, 200);
    let ids: Vec<&str> = programs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 7, "{ids:?}");
    assert!(ids.contains(&"portici-digitali"), "{ids:?}");

    // Upcoming example sessions of several programs, in several hubs.
    let path = format!(
        "/v1/sessions?limit=200&from={}",
        now.format("%Y-%m-%dT%H:%M:%SZ")
    );
    let (status, page) = http(&server.addr, "GET", &path, None, None);
    assert_eq!(status, 200, "{page}");
    assert!(page["next_cursor"].is_null(), "one page");
    let ahead: Vec<&serde_json::Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| starts_at(s) > now)
        .collect();
    assert!(
        ahead
            .iter()
            .all(|s| s["title"].as_str().unwrap().contains("(esempio")),
        "every upcoming session says it is an example"
    );
    let of = |field: &str| -> std::collections::BTreeSet<String> {
        ahead
            .iter()
            .filter_map(|s| s[field].as_str().map(str::to_owned))
            .collect()
    };
    assert!(of("program_id").len() >= 2, "{:?}", of("program_id"));
    assert!(of("hub_id").len() >= 8, "{:?}", of("hub_id"));
    assert_eq!(upcoming(&server.addr, "milano-digitale").len(), 32);

    // People registered: one session with a waiting list, one nearly full, one batch draw
    // still open with its commitment recorded.
    let waiting: Vec<_> = ahead
        .iter()
        .filter(|s| number(s, "waitlisted") > 0 && s["draw_commitment"].is_null())
        .collect();
    assert!(!waiting.is_empty(), "a session with a waiting list");
    assert_eq!(number(waiting[0], "seats_left"), 0);
    assert!(
        ahead
            .iter()
            .any(|s| (1..=2).contains(&number(s, "seats_left")) && number(s, "confirmed") > 10),
        "a session nearly full"
    );
    let draws: Vec<_> = ahead
        .iter()
        .filter(|s| !s["draw_commitment"].is_null())
        .collect();
    assert_eq!(draws.len(), 1, "one batch draw");
    let closes: DateTime<Utc> = draws[0]["registration_closes_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(closes > now && closes < starts_at(draws[0]), "{}", draws[0]);
    assert!(
        number(draws[0], "waitlisted") > number(draws[0], "capacity"),
        "more people than seats wait for the draw: {}",
        draws[0]
    );
    // The public catalog says so too.
    let catalog = request(&server.addr, "GET", "/", "", &[]);
    assert_eq!(catalog.status, 200);
    assert!(catalog.body.contains("lista d&#39;attesa") || catalog.body.contains("lista d'attesa"));
    assert!(catalog.body.contains("Portici Digitali"));

    // The printed login opens the back office; a wrong password does not.
    let login = server.printed("demo: login ");
    let words: Vec<&str> = login.split_whitespace().collect();
    let (email, password) = (words[2], words[4]);
    assert_eq!(email, "demo@example.org", "{login}");
    assert!(server.printed("demo: back office ").ends_with("/gestione"));
    let refused = log_in(&server.addr, email, "una-password-sbagliata").unwrap_err();
    assert_ne!(refused.status, 303);
    let cookie = log_in(&server.addr, email, password)
        .unwrap_or_else(|reply| panic!("{} {}", reply.status, reply.body));
    let dashboard = request(&server.addr, "GET", "/gestione", &cookie, &[]);
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    assert!(dashboard.body.contains("Portici Digitali"));
    let desk = request(
        &server.addr,
        "GET",
        &format!("/gestione/incontri/{}", waiting[0]["id"].as_str().unwrap()),
        &cookie,
        &[],
    );
    assert_eq!(desk.status, 200);
    assert!(desk.body.contains("@example.org"));

    // Messages stay beside the throwaway database, as files; none in the working directory.
    let mail_line = server.printed("demo: the messages are written into ");
    let mail_dir = std::path::PathBuf::from(mail_line.rsplit(' ').next().unwrap());
    assert!(mail_dir.starts_with(dir.path()), "{}", mail_dir.display());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::fs::read_dir(&mail_dir).map_or(0, Iterator::count) == 0 {
        assert!(std::time::Instant::now() < deadline, "no message written");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!dir.path().join("mail").exists());

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
