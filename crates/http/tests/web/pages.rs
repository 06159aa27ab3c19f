//! Handler tests: each page is parsed with an HTML parser and its content asserted (headings,
//! labels, statuses, messages next to fields), and the pages people read are insta snapshots
//! with registration ids and tokens redacted.

mod by_address;
mod catalog;
mod manage;
mod registering;

use axum::body::Body;
use axum::http::{Request, header};
use scraper::{ElementRef, Html, Selector};
use serde_json::json;
use skillhub_testkit::{as_written, in_future};

use super::{Reply, Web, config, send};

// ---------------------------------------------------------------------------------------------
// helpers

fn select(selector: &str) -> Selector {
    Selector::parse(selector).unwrap()
}

/// The text of an element, whitespace collapsed.
fn text_of(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The texts of every element `selector` matches.
fn texts(html: &Html, selector: &str) -> Vec<String> {
    html.select(&select(selector)).map(text_of).collect()
}

fn one(html: &Html, selector: &str) -> String {
    let found = texts(html, selector);
    assert_eq!(found.len(), 1, "{selector}: {found:?}");
    found.into_iter().next().unwrap()
}

fn attr(html: &Html, selector: &str, name: &str) -> String {
    html.select(&select(selector))
        .next()
        .unwrap_or_else(|| panic!("no {selector}"))
        .value()
        .attr(name)
        .unwrap_or_else(|| panic!("{selector} has no {name}"))
        .to_owned()
}

async fn get(web: &Web, path: &str) -> Reply {
    get_with(web, path, &[]).await
}

async fn get_with(web: &Web, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(&web.app, request.body(Body::empty()).unwrap()).await
}

/// `application/x-www-form-urlencoded`.
fn encode(fields: &[(&str, &str)]) -> String {
    let part = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                other => format!("%{other:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", part(k), part(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A browser's worth of state: the CSRF cookie a page set.
struct Visitor {
    cookie: Option<String>,
}

impl Visitor {
    fn new() -> Visitor {
        Visitor { cookie: None }
    }

    /// Opens a page, keeping the CSRF cookie it sets.
    async fn open(&mut self, web: &Web, path: &str) -> (Reply, Html) {
        let mut headers = Vec::new();
        let cookie = self.cookie.clone();
        if let Some(cookie) = &cookie {
            headers.push(("cookie", cookie.as_str()));
        }
        let reply = get_with(web, path, &headers).await;
        self.keep(&reply);
        let html = Html::parse_document(&reply.text);
        (reply, html)
    }

    fn keep(&mut self, reply: &Reply) {
        if let Some(set) = reply.headers.get(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            assert!(
                set.contains("HttpOnly") && set.contains("SameSite=Strict"),
                "{set}"
            );
            self.cookie = Some(set.split(';').next().unwrap().to_owned());
        }
    }

    /// Opens the page at `page`, then submits its form whose action is `action` with `fields`
    /// and the page's hidden fields.
    async fn submit(
        &mut self,
        web: &Web,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (Reply, Html) {
        let (_, html) = self.open(web, page).await;
        let form = html
            .select(&select(&format!("form[action=\"{action}\"]")))
            .next()
            .unwrap_or_else(|| panic!("no form posts to {action}"));
        let hidden: Vec<(String, String)> = form
            .select(&select("input[type=hidden]"))
            .map(|i| {
                (
                    i.value().attr("name").unwrap().to_owned(),
                    i.value().attr("value").unwrap().to_owned(),
                )
            })
            .collect();
        let mut all: Vec<(&str, &str)> = hidden
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        all.extend_from_slice(fields);
        self.post(web, action, &all).await
    }

    async fn post(&mut self, web: &Web, path: &str, fields: &[(&str, &str)]) -> (Reply, Html) {
        let mut request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie.as_str());
        }
        let reply = send(&web.app, request.body(Body::from(encode(fields))).unwrap()).await;
        self.keep(&reply);
        let html = Html::parse_document(&reply.text);
        (reply, html)
    }
}

fn person<'a>(name: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("name", name), ("email", email), ("consent", "yes")]
}

/// The `main` of a page, one tag per line, with tokens and registration ids redacted.
fn main_of(text: &str) -> String {
    let html = Html::parse_document(text);
    let main = html.select(&select("main")).next().expect("a main element");
    // Dates show as 2030 (and December 2029) whichever year the sessions fell in.
    redact(&as_written(&main.html().replace("><", ">\n<")))
}

/// 64-hex-digit tokens → `[token]`, `/iscrizioni/<id>/` → `/iscrizioni/[id]/`, a QR code's
/// modules (`d="M…"`) → `d="[qr]"` (what they encode is asserted where it matters).
fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if run == 64 {
            out.push_str("[token]");
            i += run;
            continue;
        }
        if text[i..].starts_with(" d=\"M") {
            let end = text[i + 4..]
                .find('"')
                .map_or(text.len(), |at| i + 4 + at + 1);
            out.push_str(" d=\"[qr]\"");
            i = end;
            continue;
        }
        if text[i..].starts_with("/iscrizioni/") {
            out.push_str("/iscrizioni/");
            i += "/iscrizioni/".len();
            let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 0 {
                out.push_str("[id]");
                i += digits;
            }
            continue;
        }
        let c = text[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Headings never skip a level going down, and there is exactly one `h1`.
fn assert_headings_in_order(html: &Html) {
    let levels: Vec<u8> = html
        .select(&select("h1, h2, h3, h4, h5, h6"))
        .map(|h| h.value().name()[1..].parse().unwrap())
        .collect();
    assert_eq!(levels.iter().filter(|l| **l == 1).count(), 1, "{levels:?}");
    assert_eq!(levels.first(), Some(&1), "{levels:?}");
    for pair in levels.windows(2) {
        assert!(
            pair[1] <= pair[0] + 1,
            "a heading skips a level: {levels:?}"
        );
    }
}

/// Every visible control has a `<label for>` (or sits in one).
fn assert_every_control_is_labelled(html: &Html) {
    for control in html.select(&select("input:not([type=hidden]), select, textarea")) {
        let id = control.value().attr("id").expect("controls have ids");
        let labelled = html
            .select(&select(&format!("label[for=\"{id}\"]")))
            .next()
            .is_some();
        assert!(labelled, "#{id} has no label");
    }
}

/// Nothing is loaded from anywhere: no script, no stylesheet link, no image, and links stay on
/// the site.
fn assert_self_contained(reply: &Reply, html: &Html) {
    assert!(
        html.select(&select("script, link, img, iframe, object, embed"))
            .next()
            .is_none()
    );
    for element in html.select(&select("[src], [href], [action]")) {
        for name in ["src", "href", "action"] {
            if let Some(target) = element.value().attr(name) {
                assert!(
                    target.starts_with('/') || target.starts_with('#'),
                    "{name}={target} leaves the site"
                );
            }
        }
    }
    assert!(
        reply
            .header("content-security-policy")
            .contains("default-src 'none'")
    );
    assert_eq!(
        attr(html, "meta[name=viewport]", "content"),
        "width=device-width, initial-scale=1"
    );
}

/// Two Binario F sessions in two months (one with a single seat), and a Milano one at a level.
async fn catalog_fixture(web: &Web) {
    web.session(json!({"id": "febbraio", "capacity": 1})).await;
    web.session(json!({
        "id": "marzo", "title": "Comunicare con i video", "capacity": 30,
        "starts_at": in_future("2030-03-05T10:00:00+01:00"), "ends_at": in_future("2030-03-05T12:00:00+01:00"),
    }))
    .await;
    web.session(json!({
        "id": "milano-1", "program_id": "milano-digitale", "hub_id": "municipio-1",
        "title": "Usare lo SPID", "capacity": 10, "mode": "hybrid",
        "level": {"min": 2, "max": 4},
        "starts_at": in_future("2030-02-20T18:00:00+01:00"), "ends_at": in_future("2030-02-20T20:00:00+01:00"),
    }))
    .await;
}
