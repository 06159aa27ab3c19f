//! Handler tests: each page is parsed with an HTML parser and its content asserted (headings,
//! labels, statuses, messages next to fields), and the pages people read are insta snapshots
//! with registration ids and tokens redacted.

use axum::body::Body;
use axum::http::{Request, header};
use chrono::NaiveDate;
use scraper::{ElementRef, Html, Selector};
use serde_json::{Value, json};
use skillhub_core::eligibility::{Context, Eligibility};
use skillhub_core::person::Attributes;
use skillhub_testkit::{as_written, in_future};

use super::{Reply, Web, send};

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

/// 64-hex-digit tokens → `[token]`, `/iscrizioni/<id>/` → `/iscrizioni/[id]/`.
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

// ---------------------------------------------------------------------------------------------
// the catalog

#[tokio::test]
async fn the_catalog_groups_sessions_by_hub_and_month_in_italian() {
    let web = Web::new().await;
    catalog_fixture(&web).await;
    let mut visitor = Visitor::new();
    let (first, _) = visitor
        .submit(
            &web,
            "/incontri/febbraio",
            "/incontri/febbraio",
            &person("Anna Rossi", "anna@example.it"),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text);

    let reply = get(&web, "/").await;
    assert_eq!(reply.status, 200);
    assert!(reply.header("content-type").starts_with("text/html"));
    let html = Html::parse_document(&reply.text);
    assert_eq!(attr(&html, "html", "lang"), "it");
    assert_eq!(one(&html, "h1"), "Corsi gratuiti di competenze digitali");
    let program = web.store.program("binario-f").await.unwrap().unwrap();
    let hub = &program.hubs()[0];
    let milano = web.store.program("milano-digitale").await.unwrap().unwrap();
    let municipio = milano
        .hubs()
        .iter()
        .find(|h| h.id.as_str() == "municipio-1")
        .unwrap();
    assert_eq!(
        texts(&html, "h3"),
        [
            format!("{} — {}", hub.name, program.name()),
            format!("{} — {}", municipio.name, milano.name()),
        ]
    );
    assert_eq!(
        texts(&html, "h4"),
        [
            in_future("febbraio 2030"),
            in_future("marzo 2030"),
            in_future("febbraio 2030")
        ]
    );
    let items = texts(&html, "ul.sessions li");
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(items[0].starts_with("Facebook per la PA"), "{}", items[0]);
    assert!(
        items[0].contains(&in_future("martedì 12 febbraio 2030, 9:30–13:30")),
        "{}",
        items[0]
    );
    assert!(
        items[0].contains("posti esauriti — lista d'attesa"),
        "{}",
        items[0]
    );
    assert!(
        items[1].contains(&in_future("martedì 5 marzo 2030, 10:00–12:00")),
        "{}",
        items[1]
    );
    assert!(items[1].contains("30 posti liberi"), "{}", items[1]);
    assert!(
        items[2].contains(&in_future("mercoledì 20 febbraio 2030, 18:00–20:00")),
        "{}",
        items[2]
    );
    assert!(items[2].contains("in presenza e online"), "{}", items[2]);
    assert!(items[2].contains("livello DigComp 2–4"), "{}", items[2]);
    assert_eq!(
        attr(&html, "ul.sessions li a", "href"),
        "/incontri/febbraio",
        "each session links to its page"
    );
    assert_headings_in_order(&html);
    assert_every_control_is_labelled(&html);
    assert_self_contained(&reply, &html);
    insta::assert_snapshot!("catalog_it", main_of(&reply.text));
}

#[tokio::test]
async fn the_catalog_filters_by_program_hub_month_and_level() {
    let web = Web::new().await;
    catalog_fixture(&web).await;
    let check = |query: &'static str, expected: &'static [&'static str]| {
        let web = &web;
        async move {
            let reply = get(web, &format!("/?{query}")).await;
            assert_eq!(reply.status, 200, "{query}");
            let html = Html::parse_document(&reply.text);
            let titles = texts(&html, "ul.sessions li a.title");
            assert_eq!(titles, expected, "{query}");
            if expected.is_empty() {
                assert!(reply.text.contains("Nessun incontro in programma"));
            }
        }
    };
    check(
        "",
        &[
            "Facebook per la PA",
            "Comunicare con i video",
            "Usare lo SPID",
        ],
    )
    .await;
    check("program=milano-digitale", &["Usare lo SPID"]).await;
    check(
        "hub=binario-f-roma-termini",
        &["Facebook per la PA", "Comunicare con i video"],
    )
    .await;
    // `check` takes queries that live as long as the test (leaked: the test ends soon).
    check(
        in_future("month=2030-02").leak(),
        &["Facebook per la PA", "Usare lo SPID"],
    )
    .await;
    check(
        in_future("month=2030-03&program=binario-f").leak(),
        &["Comunicare con i video"],
    )
    .await;
    check("level=3", &["Usare lo SPID"]).await;
    check("level=7", &[]).await;
    check("program=nessuno", &[]).await;
    // Values that name nothing are ignored rather than refused.
    check(
        "month=marzo&level=99&x=1",
        &[
            "Facebook per la PA",
            "Comunicare con i video",
            "Usare lo SPID",
        ],
    )
    .await;
    let reply = get(&web, &in_future("/?program=binario-f&month=2030-03")).await;
    let html = Html::parse_document(&reply.text);
    assert_eq!(
        attr(&html, "#f-program option[selected]", "value"),
        "binario-f"
    );
    assert_eq!(
        attr(&html, "#f-month option[selected]", "value"),
        in_future("2030-03")
    );
    assert_eq!(
        texts(&html, "#f-month option"),
        [
            "Tutti".to_owned(),
            in_future("febbraio 2030"),
            in_future("marzo 2030")
        ]
    );
}

#[tokio::test]
async fn english_with_lang_or_accept_language() {
    let web = Web::new().await;
    catalog_fixture(&web).await;
    for (path, accept) in [("/?lang=en", "it"), ("/", "en-GB,en;q=0.9,it;q=0.5")] {
        let reply = get_with(&web, path, &[("accept-language", accept)]).await;
        let html = Html::parse_document(&reply.text);
        assert_eq!(attr(&html, "html", "lang"), "en", "{path} {accept}");
        assert_eq!(one(&html, "h1"), "Free digital skills courses");
        assert!(
            texts(&html, "ul.sessions li")[0]
                .contains(&in_future("Tuesday 12 February 2030, 9:30–13:30")),
            "{}",
            reply.text
        );
        assert_eq!(texts(&html, "h4")[0], in_future("February 2030"));
    }
    let reply = get_with(&web, "/?lang=it", &[("accept-language", "en")]).await;
    let html = Html::parse_document(&reply.text);
    assert_eq!(attr(&html, "html", "lang"), "it");
    // The switch link keeps the filters and names the other language.
    let reply = get(&web, "/?program=binario-f").await;
    let html = Html::parse_document(&reply.text);
    assert_eq!(
        attr(&html, "header a[hreflang=en]", "href"),
        "/?program=binario-f&lang=en"
    );
    let english = get(&web, "/?lang=en").await;
    insta::assert_snapshot!("catalog_en", main_of(&english.text));
}

// ---------------------------------------------------------------------------------------------
// the session page and registering

#[tokio::test]
async fn the_form_asks_for_what_the_rules_read() {
    let web = Web::new().await;
    web.session(json!({"id": "binario"})).await;
    web.session(json!({
        "id": "circolo", "program_id": "leadership-circles", "hub_id": "circle-roma",
        "title": "Gestire una community",
    }))
    .await;
    let (reply, html) = Visitor::new().open(&web, "/incontri/binario").await;
    assert_eq!(reply.status, 200);
    // Binario F admits everyone; its priority tier reads roles and the kind of organisation.
    assert_eq!(texts(&html, "h2")[0], "Chi può partecipare");
    assert!(texts(&html, "main p").contains(&"Aperto a tutti.".to_owned()));
    assert_eq!(one(&html, "label[for=f-name]"), "Nome e cognome");
    assert_eq!(one(&html, "label[for=f-email]"), "Indirizzo e-mail");
    assert_eq!(
        texts(&html, "fieldset fieldset label"),
        [
            "professionista della comunicazione",
            "professionista del digitale"
        ]
    );
    assert!(
        texts(&html, "#f-organisation_type option")
            .contains(&"pubblica amministrazione".to_owned())
    );
    assert!(
        html.select(&select("#f-gender")).next().is_none(),
        "no rule reads the gender"
    );
    assert_eq!(attr(&html, "#f-consent", "type"), "checkbox");
    assert_headings_in_order(&html);
    assert_every_control_is_labelled(&html);
    assert_self_contained(&reply, &html);
    let dd = texts(&html, "dl.facts dd");
    assert!(
        dd.contains(&in_future("martedì 12 febbraio 2030, 9:30–13:30")),
        "{dd:?}"
    );
    assert!(dd.contains(&"1 posto libero".to_owned()), "{dd:?}");
    insta::assert_snapshot!("session_it", main_of(&reply.text));

    // The circles are for community admins: the rule is described and its role asked.
    let (_, html) = Visitor::new().open(&web, "/incontri/circolo").await;
    let program = web
        .store
        .program("leadership-circles")
        .await
        .unwrap()
        .unwrap();
    let described = program.eligibility().unwrap().describe();
    assert!(texts(&html, "main p").contains(&described.it().to_owned()));
    assert_eq!(
        one(&html, "label[for=f-roles-community_admin]"),
        "amministratore di community"
    );

    let (_, html) = Visitor::new().open(&web, "/incontri/circolo?lang=en").await;
    assert!(texts(&html, "main p").contains(&described.en().to_owned()));
    assert_eq!(
        one(&html, "label[for=f-roles-community_admin]"),
        "community admin"
    );

    let reply = get(&web, "/incontri/nessuno").await;
    assert_eq!(reply.status, 404);
    let html = Html::parse_document(&reply.text);
    assert_eq!(one(&html, "h1"), "Pagina non trovata");
}

#[tokio::test]
async fn one_seat_confirms_then_waitlists_and_a_cancellation_promotes() {
    let web = Web::new().await;
    web.session(json!({"id": "posto-unico"})).await;
    let page = "/incontri/posto-unico";
    let mut anna = Visitor::new();
    let (reply, html) = anna
        .submit(&web, page, page, &person("Anna Rossi", "anna@example.it"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(one(&html, "#status"), "confermato");
    let anna_link = attr(&html, "#manage-link", "href");
    assert!(anna_link.starts_with("/iscrizioni/"), "{anna_link}");
    assert_headings_in_order(&html);
    insta::assert_snapshot!("registered_it", main_of(&reply.text));

    let mut bruno = Visitor::new();
    let (reply, html) = bruno
        .submit(
            &web,
            page,
            page,
            &person("Bruno Bianchi", "bruno@example.it"),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(one(&html, "#status"), "lista d'attesa, posizione 1");
    let bruno_link = attr(&html, "#manage-link", "href");

    // The catalog and the session page now say the seats are gone.
    let (_, html) = anna.open(&web, page).await;
    assert!(texts(&html, "dl.facts dd").contains(&"posti esauriti — lista d'attesa".to_owned()));

    let (reply, html) = anna.open(&web, &anna_link).await;
    assert_eq!(reply.status, 200);
    assert_eq!(one(&html, "#status"), "confermato");
    assert_headings_in_order(&html);
    assert_self_contained(&reply, &html);
    insta::assert_snapshot!("manage_it", main_of(&reply.text));

    let cancel = format!("{anna_link}/annulla");
    let (reply, _) = anna.submit(&web, &anna_link, &cancel, &[]).await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), anna_link);
    let (_, html) = anna.open(&web, &anna_link).await;
    assert_eq!(one(&html, "#status"), "annullata");
    assert!(
        html.select(&select(&format!("form[action=\"{cancel}\"]")))
            .next()
            .is_none(),
        "a cancelled registration offers no cancellation"
    );
    let (_, html) = bruno.open(&web, &bruno_link).await;
    assert_eq!(one(&html, "#status"), "confermato");
    let view = web.store.session("posto-unico").await.unwrap().unwrap();
    assert_eq!((view.confirmed(), view.waitlisted()), (1, 0));
}

#[tokio::test]
async fn bad_input_comes_back_with_messages_next_to_the_fields() {
    let web = Web::new().await;
    web.session(json!({
        "id": "cooperative", "program_id": "cooperazione-digitale", "hub_id": "coop-puglia",
        "title": "Il digitale per le cooperative",
    }))
    .await;
    let page = "/incontri/cooperative";
    let fields = [
        ("name", ""),
        ("email", "anna@"),
        ("organisation_type", "astronave"),
    ];
    let (reply, html) = Visitor::new().submit(&web, page, page, &fields).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(one(&html, "#e-name"), "Campo obbligatorio.");
    assert_eq!(
        one(&html, "#e-email"),
        "Scrivi un indirizzo e-mail valido, per esempio nome@esempio.it."
    );
    assert_eq!(
        one(&html, "#e-organisation_type"),
        "Scegli una delle voci dell'elenco."
    );
    assert_eq!(
        one(&html, "#e-consent"),
        "Per iscriverti serve il consenso al trattamento dei dati."
    );
    assert_eq!(
        attr(&html, "#f-email", "value"),
        "anna@",
        "what was typed is kept"
    );
    assert_eq!(attr(&html, "#f-email", "aria-invalid"), "true");
    assert!(attr(&html, "#f-email", "aria-describedby").contains("e-email"));
    assert_eq!(
        texts(&html, "[role=alert] li a"),
        [
            "Nome e cognome: Campo obbligatorio.",
            "Indirizzo e-mail: Scrivi un indirizzo e-mail valido, per esempio nome@esempio.it.",
            "Tipo di organizzazione: Scegli una delle voci dell'elenco.",
            "Consenso al trattamento dei dati: Per iscriverti serve il consenso al trattamento dei dati.",
        ]
    );
    insta::assert_snapshot!("form_errors_it", main_of(&reply.text));

    let (reply, html) = Visitor::new()
        .submit(&web, &format!("{page}?lang=en"), page, &[("email", "x")])
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(attr(&html, "html", "lang"), "en");
    assert_eq!(one(&html, "#e-name"), "This field is required.");
    assert_eq!(
        one(&html, "#e-email"),
        "Write a valid e-mail address, for example name@example.org."
    );
    let view = web.store.session("cooperative").await.unwrap().unwrap();
    assert_eq!(
        view.confirmed() + view.waitlisted(),
        0,
        "nothing was registered"
    );
}

#[tokio::test]
async fn ineligible_people_read_the_reasons_and_can_add_what_is_missing() {
    let web = Web::new().await;
    web.session(json!({
        "id": "cooperative", "program_id": "cooperazione-digitale", "hub_id": "coop-puglia",
        "title": "Il digitale per le cooperative",
    }))
    .await;
    let page = "/incontri/cooperative";
    let mut fields = person("Anna Rossi", "anna@example.it");
    fields.push(("organisation_type", "sme"));
    let (reply, html) = Visitor::new().submit(&web, page, page, &fields).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    // The reasons are core's, for the same attributes on the session's day.
    let program = web
        .store
        .program("cooperazione-digitale")
        .await
        .unwrap()
        .unwrap();
    let attributes: Attributes =
        serde_json::from_value(json!({"organisation_type": "sme"})).unwrap();
    let day = NaiveDate::from_ymd_opt(skillhub_testkit::future_year(), 2, 12).unwrap();
    let Eligibility::Ineligible(reasons) = program.eligibility_of(&attributes, &Context::new(day))
    else {
        panic!("an SME is not a cooperative")
    };
    let expected: Vec<String> = reasons.iter().map(|r| r.it().to_owned()).collect();
    assert_eq!(texts(&html, "ul.reasons li"), expected);
    assert_eq!(
        one(&html, "[role=alert] h2"),
        "Non puoi iscriverti a questo incontro"
    );
    assert_eq!(
        reply.text.contains("puoi aggiungerli nel modulo"),
        reasons.iter().any(|r| r.needs_information()),
        "the hint to add data shows when a reason asks for some"
    );
    assert_eq!(
        attr(&html, "#f-organisation_type option[selected]", "value"),
        "sme"
    );
    insta::assert_snapshot!("ineligible_it", main_of(&reply.text));

    // Without the kind of organisation, core asks for it and the page invites to add it.
    let (reply, html) = Visitor::new()
        .submit(&web, page, page, &person("Anna Rossi", "anna@example.it"))
        .await;
    assert_eq!(reply.status, 422);
    let Eligibility::Ineligible(reasons) =
        program.eligibility_of(&Attributes::default(), &Context::new(day))
    else {
        panic!("nothing declared admits nobody here")
    };
    assert!(reasons.iter().any(|r| r.needs_information()));
    let expected: Vec<String> = reasons.iter().map(|r| r.it().to_owned()).collect();
    assert_eq!(texts(&html, "ul.reasons li"), expected);
    assert!(reply.text.contains("puoi aggiungerli nel modulo"));

    // Declaring a cooperative on the register admits.
    let mut fields = person("Anna Rossi", "anna@example.it");
    fields.extend([
        ("organisation_type", "social_cooperative"),
        ("memberships", "albo_cooperative"),
    ]);
    let (reply, html) = Visitor::new().submit(&web, page, page, &fields).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(one(&html, "#status"), "confermato");
}

#[tokio::test]
async fn forms_without_the_csrf_cookie_are_refused() {
    let web = Web::new().await;
    web.session(json!({"id": "csrf"})).await;
    let page = "/incontri/csrf";
    let mut fields = person("Anna Rossi", "anna@example.it");
    // No cookie at all (another site's form).
    let (reply, html) = Visitor::new().post(&web, page, &fields).await;
    assert_eq!(reply.status, 403);
    assert_eq!(one(&html, "h1"), "Modulo scaduto");
    // A cookie, but a field that does not match it.
    let mut visitor = Visitor::new();
    visitor.open(&web, page).await;
    let wrong = "0".repeat(64);
    fields.push(("csrf", &wrong));
    let (reply, _) = visitor.post(&web, page, &fields).await;
    assert_eq!(reply.status, 403);
    let view = web.store.session("csrf").await.unwrap().unwrap();
    assert_eq!(view.confirmed(), 0);
}

#[tokio::test]
async fn the_same_address_twice_is_shown_in_the_form() {
    let web = Web::new().await;
    web.session(json!({"id": "doppio", "capacity": 5})).await;
    let page = "/incontri/doppio";
    let mut visitor = Visitor::new();
    let fields = person("Anna Rossi", "anna@example.it");
    let (reply, _) = visitor.submit(&web, page, page, &fields).await;
    assert_eq!(reply.status, 200);
    let (reply, html) = visitor.submit(&web, page, page, &fields).await;
    assert_eq!(reply.status, 409);
    assert!(
        one(&html, "[role=alert]").starts_with("Questo indirizzo e-mail è già iscritto"),
        "{}",
        reply.text
    );
}

// ---------------------------------------------------------------------------------------------
// the manage link: calendar, data, erasure

#[tokio::test]
async fn the_manage_link_gives_the_calendar_the_data_and_erases_them() {
    let web = Web::new().await;
    web.session(json!({"id": "gdpr", "capacity": 5})).await;
    web.session(json!({"id": "gdpr-2", "capacity": 5, "starts_at": in_future("2030-03-12T09:30:00+01:00"), "ends_at": in_future("2030-03-12T13:30:00+01:00")})).await;
    let mut anna = Visitor::new();
    let fields = person("Anna Rossi", "anna@example.it");
    let (_, html) = anna
        .submit(&web, "/incontri/gdpr", "/incontri/gdpr", &fields)
        .await;
    let link = attr(&html, "#manage-link", "href");
    let (_, html) = anna
        .submit(&web, "/incontri/gdpr-2", "/incontri/gdpr-2", &fields)
        .await;
    let other_link = attr(&html, "#manage-link", "href");
    anna.submit(
        &web,
        "/incontri/gdpr",
        "/incontri/gdpr",
        &person("Bruno Bianchi", "bruno@example.it"),
    )
    .await;

    let ics = get(&web, &format!("{link}/incontro.ics")).await;
    assert_eq!(ics.status, 200);
    assert!(ics.header("content-type").starts_with("text/calendar"));
    assert!(ics.header("content-disposition").contains("gdpr.ics"));
    assert!(ics.text.contains("BEGIN:VEVENT") && ics.text.contains("SUMMARY:Facebook per la PA"));
    assert!(
        ics.text.contains(&in_future("DTSTART:20300212T083000Z")),
        "{}",
        ics.text
    );

    let data = get(&web, &format!("{link}/dati.json")).await;
    assert_eq!(data.status, 200);
    assert!(data.header("content-disposition").starts_with("attachment"));
    let data: Value = serde_json::from_str(&data.text).unwrap();
    // The link proves only that its holder received this registration's message: it shows
    // this registration, not the others made with the same address (anyone can register any
    // address), nor anybody else's.
    assert_eq!(data["registration"]["session_id"], "gdpr");
    assert_eq!(data["registration"]["email"], "anna@example.it");
    assert_eq!(data["registration"]["name"], "Anna Rossi");
    assert_eq!(data["audit"][0]["action"], "registration.create");
    assert!(
        !data.to_string().contains("gdpr-2") && !data.to_string().contains("bruno"),
        "{data}"
    );

    let before = web.store.session("gdpr").await.unwrap().unwrap();
    // Erasure is final, so the form asks to confirm it.
    let (reply, html) = anna
        .submit(&web, &link, &format!("{link}/cancella-dati"), &[])
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(
        one(&html, "#e-confirm"),
        "Per cancellare i dati spunta la conferma."
    );
    assert_eq!(attr(&html, "#f-confirm", "aria-invalid"), "true");
    let data = get(&web, &format!("{link}/dati.json")).await;
    assert_eq!(data.status, 200, "nothing was erased");
    let (reply, html) = anna
        .submit(
            &web,
            &link,
            &format!("{link}/cancella-dati"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(one(&html, "h1"), "Dati cancellati");
    assert_eq!(
        one(&html, "[role=status]"),
        "Abbiamo cancellato i dati personali di 1 iscrizione."
    );
    let after = web.store.session("gdpr").await.unwrap().unwrap();
    assert_eq!(
        after.confirmed(),
        before.confirmed() - 1,
        "a live registration is cancelled before it is erased: its seat goes on"
    );
    let registrations = web.store.session_registrations("gdpr").await.unwrap();
    let emails: Vec<&str> = registrations.iter().map(|r| r.email.as_str()).collect();
    assert!(!emails.contains(&"anna@example.it") && emails.contains(&"bruno@example.it"));
    let reply = get(&web, &link).await;
    assert_eq!(reply.status, 404, "the link stops working");
    let html = Html::parse_document(&reply.text);
    assert_eq!(one(&html, "h1"), "Link non valido");
    // The other registration of the same address is untouched, and so is its link.
    let (reply, html) = anna.open(&web, &other_link).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(one(&html, "#status"), "confermato");
    let other = web.store.session_registrations("gdpr-2").await.unwrap();
    assert_eq!(other[0].email, "anna@example.it");
}

#[tokio::test]
async fn wrong_manage_links_are_one_invalid_link_page() {
    let web = Web::new().await;
    web.session(json!({"id": "link"})).await;
    let mut anna = Visitor::new();
    let (_, html) = anna
        .submit(
            &web,
            "/incontri/link",
            "/incontri/link",
            &person("Anna Rossi", "anna@example.it"),
        )
        .await;
    let link = attr(&html, "#manage-link", "href");
    let id = link.split('/').nth(2).unwrap();
    let wrong_token = format!("/iscrizioni/{id}/{}", "a".repeat(64));
    let other_id = format!("/iscrizioni/999/{}", link.split('/').nth(3).unwrap());
    for path in [
        wrong_token.as_str(),
        other_id.as_str(),
        "/iscrizioni/abc/xyz",
        "/iscrizioni/1/x/dati.json",
        "/iscrizioni/1/x/incontro.ics",
    ] {
        let reply = get(&web, path).await;
        assert_eq!(reply.status, 404, "{path}");
        let html = Html::parse_document(&reply.text);
        assert_eq!(one(&html, "h1"), "Link non valido", "{path}");
    }
    // Cancelling or erasing with a wrong token, even with a good CSRF pair, changes nothing.
    let cookie = anna.cookie.clone().unwrap();
    let csrf = cookie.split_once('=').unwrap().1.to_owned();
    for action in ["annulla", "cancella-dati"] {
        let (reply, _) = anna
            .post(&web, &format!("{wrong_token}/{action}"), &[("csrf", &csrf)])
            .await;
        assert_eq!(reply.status, 404, "{action}");
    }
    let (_, html) = anna.open(&web, &link).await;
    assert_eq!(one(&html, "#status"), "confermato");
}

#[tokio::test]
async fn outside_its_window_a_session_shows_why_instead_of_the_form() {
    let web = Web::new().await;
    web.session(
        json!({"id": "presto", "registration_opens_at": in_future("2029-12-01T09:00:00+01:00")}),
    )
    .await;
    web.session(json!({"id": "chiusa", "registration_closes_at": "2020-01-01T00:00:00Z"}))
        .await;
    let (reply, html) = Visitor::new().open(&web, "/incontri/presto").await;
    assert_eq!(reply.status, 200);
    assert!(html.select(&select("form")).next().is_none(), "no form");
    assert_eq!(
        one(&html, "#registration-closed strong"),
        in_future("Iscrizioni aperte dal sabato 1 dicembre 2029, ore 9:00")
    );
    assert_headings_in_order(&html);
    assert_self_contained(&reply, &html);
    let (_, html) = Visitor::new().open(&web, "/incontri/presto?lang=en").await;
    assert_eq!(
        one(&html, "#registration-closed strong"),
        in_future("Registration opens on Saturday 1 December 2029, at 9:00")
    );
    let page = "/incontri/chiusa";
    let (_, html) = Visitor::new().open(&web, page).await;
    assert_eq!(
        one(&html, "#registration-closed strong"),
        "Iscrizioni chiuse"
    );
    // A form sent anyway (a page left open) is refused with the same notice.
    let mut visitor = Visitor::new();
    visitor.open(&web, "/incontri/presto").await;
    let cookie = visitor.cookie.clone().unwrap();
    let csrf = cookie.split_once('=').unwrap().1.to_owned();
    let mut fields = person("Anna Rossi", "anna@example.it");
    fields.push(("csrf", &csrf));
    let (reply, html) = visitor.post(&web, page, &fields).await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(
        one(&html, "#registration-closed strong"),
        "Iscrizioni chiuse"
    );
    let view = web.store.session("chiusa").await.unwrap().unwrap();
    assert_eq!(view.confirmed() + view.waitlisted(), 0);
    // The catalog says so too, where it would show the seats left.
    let (_, html) = Visitor::new().open(&web, "/").await;
    let seats = texts(&html, "ul.sessions .seats");
    assert!(seats.contains(&"Iscrizioni chiuse".to_owned()), "{seats:?}");
    assert!(
        seats.contains(&in_future(
            "Iscrizioni aperte dal sabato 1 dicembre 2029, ore 9:00"
        )),
        "{seats:?}"
    );
}

#[tokio::test]
async fn a_batch_session_says_everyone_waits_for_the_draw() {
    let web = Web::new().await;
    web.session(json!({"id": "sorteggio", "capacity": 5, "policy": "batch"}))
        .await;
    let page = "/incontri/sorteggio";
    let (reply, html) = Visitor::new()
        .submit(&web, page, page, &person("Anna Rossi", "anna@example.it"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(one(&html, "#status"), "lista d'attesa, posizione 1");
    assert!(
        one(&html, "[role=status]").contains("sorteggio"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn too_many_forms_from_one_address_get_a_page_that_says_wait() {
    let web = Web::with(skillhub_http::ServerConfig {
        rate_limit_per_minute: 1,
        ..super::config()
    })
    .await;
    web.session(json!({"id": "limite", "capacity": 5})).await;
    let page = "/incontri/limite";
    let mut visitor = Visitor::new();
    let (reply, _) = visitor
        .submit(&web, page, page, &person("Anna Rossi", "anna@example.it"))
        .await;
    assert_eq!(reply.status, 200);
    let (reply, html) = visitor
        .submit(
            &web,
            page,
            page,
            &person("Bruno Bianchi", "bruno@example.it"),
        )
        .await;
    assert_eq!(reply.status, 429);
    assert!(reply.header("retry-after").parse::<u64>().unwrap() >= 1);
    assert!(reply.header("content-type").starts_with("text/html"));
    assert_eq!(one(&html, "h1"), "Troppe richieste");
}

#[tokio::test]
async fn behind_an_https_public_url_the_link_is_full_and_the_cookie_secure() {
    let web = Web::with(skillhub_http::ServerConfig {
        public_url: Some("https://corsi.example.it".parse().unwrap()),
        ..super::config()
    })
    .await;
    web.session(json!({"id": "pubblico"})).await;
    let page = "/incontri/pubblico";
    let mut anna = Visitor::new();
    let (first, _) = anna.open(&web, page).await;
    let set = first.header("set-cookie");
    assert!(set.starts_with("__Host-skillhub_csrf="), "{set}");
    assert!(set.contains("; Secure"), "{set}");
    let (reply, html) = anna
        .submit(&web, page, page, &person("Anna Rossi", "anna@example.it"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let link = attr(&html, "#manage-link", "href");
    assert!(
        link.starts_with("https://corsi.example.it/iscrizioni/"),
        "{link}"
    );
    assert_eq!(one(&html, "#manage-link"), link);
}
