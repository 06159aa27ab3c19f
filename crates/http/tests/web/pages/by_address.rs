//! The pages that ask by address ("Ho perso il link", "I miei dati") answer the same bytes
//! whatever the address, post a message only to a known one and within its hourly limit; the
//! one-time data link shows, downloads and erases an address's data, once, and not after its
//! hour.

use chrono::{Duration, Utc};
use scraper::Html;
use serde_json::{Value, json};
use skillhub_core::lang::Lang;
use skillhub_core::person::Email;
use skillhub_store::REQUESTS_PER_HOUR;

use super::{
    Visitor, Web, assert_every_control_is_labelled, assert_headings_in_order,
    assert_self_contained, attr, get, main_of, one, person, texts,
};

/// The messages queued for `kind`, claimed (so each is counted once) with their recipients.
async fn claimed(web: &Web, kind: &str) -> Vec<(i64, String)> {
    web.store
        .claim_mail(
            "test",
            Utc::now() + Duration::minutes(1),
            Duration::minutes(5),
            100,
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.kind == kind)
        .map(|c| (c.id, c.recipient))
        .collect()
}

/// Registers Anna in session `id` through its form.
async fn register_anna(web: &Web, id: &str) {
    let mut anna = Visitor::new();
    let page = format!("/incontri/{id}");
    let (reply, _) = anna
        .submit(web, &page, &page, &person("Anna Rossi", "anna@example.it"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn the_address_forms_answer_the_same_whatever_the_address() {
    let web = Web::new().await;
    web.session(json!({"id": "perso", "capacity": 5})).await;
    register_anna(&web, "perso").await;
    claimed(&web, "confirmed").await;

    for (path, kind) in [("/link-perso", "lost_links"), ("/miei-dati", "data_link")] {
        for lang in ["", "?lang=en"] {
            let page = format!("{path}{lang}");
            let mut visitor = Visitor::new();
            let (reply, html) = visitor.open(&web, &page).await;
            assert_eq!(reply.status, 200);
            assert_headings_in_order(&html);
            assert_every_control_is_labelled(&html);
            assert_self_contained(&reply, &html);
            let known = visitor
                .submit(&web, &page, path, &[("email", "Anna@Example.it")])
                .await
                .0;
            let unknown = visitor
                .submit(&web, &page, path, &[("email", "nessuno@example.it")])
                .await
                .0;
            assert_eq!(known.status, 200, "{}", known.text);
            assert_eq!(
                (known.status, &known.text),
                (unknown.status, &unknown.text),
                "{page}: the same answer for a known and an unknown address"
            );
            assert_eq!(known.header("set-cookie"), unknown.header("set-cookie"));
        }
        // One message, to the known address only.
        let sent = claimed(&web, kind).await;
        let recipients: Vec<&str> = sent.iter().map(|(_, to)| to.as_str()).collect();
        assert_eq!(recipients, ["anna@example.it", "anna@example.it"], "{path}");
        // Over the limit (two asked already, one more allowed): still the same page, no message.
        let mut visitor = Visitor::new();
        let first = visitor
            .submit(&web, path, path, &[("email", "anna@example.it")])
            .await
            .0;
        for _ in 0..3 {
            let again = visitor
                .submit(&web, path, path, &[("email", "anna@example.it")])
                .await
                .0;
            assert_eq!((again.status, &again.text), (first.status, &first.text));
        }
        assert_eq!(
            claimed(&web, kind).await.len(),
            usize::try_from(REQUESTS_PER_HOUR).unwrap() - 2,
            "{path}: nothing past the limit"
        );
    }

    let mut visitor = Visitor::new();
    let (reply, html) = visitor
        .submit(&web, "/link-perso", "/link-perso", &[("email", "anna@")])
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        one(&html, "#e-email"),
        "Scrivi un indirizzo e-mail valido, per esempio nome@esempio.it."
    );
    assert_eq!(attr(&html, "#f-email", "value"), "anna@");
    let (reply, _) = visitor
        .submit(&web, "/miei-dati", "/miei-dati", &[("email", " ")])
        .await;
    assert_eq!(reply.status, 422);
    // Without the CSRF pair nothing is asked.
    let (reply, _) = Visitor::new()
        .post(&web, "/link-perso", &[("email", "anna@example.it")])
        .await;
    assert_eq!(reply.status, 403);
}

#[tokio::test]
async fn the_address_pages_read_well() {
    let web = Web::new().await;
    let mut visitor = Visitor::new();
    let (reply, _) = visitor.open(&web, "/link-perso").await;
    insta::assert_snapshot!("lost_links_it", main_of(&reply.text));
    let (reply, _) = visitor
        .submit(
            &web,
            "/link-perso",
            "/link-perso",
            &[("email", "anna@example.it")],
        )
        .await;
    insta::assert_snapshot!("lost_links_sent_it", main_of(&reply.text));
    let (reply, _) = visitor.open(&web, "/miei-dati?lang=en").await;
    insta::assert_snapshot!("data_link_en", main_of(&reply.text));
    // Every page's footer leads to both.
    let (_, html) = visitor.open(&web, "/").await;
    let footer = texts(&html, "footer a");
    assert_eq!(
        footer,
        ["Hai perso il link della tua iscrizione?", "I miei dati"]
    );
}

/// A data link for `email` as a sender would issue it, asked at `asked` (the link works an hour
/// from then).
async fn data_link(web: &Web, email: &str, asked: chrono::DateTime<Utc>) -> String {
    let email = Email::parse(email).unwrap();
    web.store
        .request_data_link(&email, Lang::It, asked)
        .await
        .unwrap();
    let (id, _) = claimed(web, "data_link").await.pop().expect("a data link");
    web.store
        .issue_data_token(id, asked + skillhub_store::DATA_LINK_VALIDITY, asked)
        .await
        .unwrap()
        .expect("a token")
}

#[tokio::test]
async fn the_data_link_shows_downloads_and_erases_once() {
    let web = Web::new().await;
    web.session(json!({"id": "dati-1", "capacity": 1})).await;
    web.session(json!({"id": "dati-2", "capacity": 5})).await;
    register_anna(&web, "dati-1").await;
    register_anna(&web, "dati-2").await;
    let mut bruno = Visitor::new();
    bruno
        .submit(
            &web,
            "/incontri/dati-1",
            "/incontri/dati-1",
            &person("Bruno Bianchi", "bruno@example.it"),
        )
        .await;
    let token = data_link(&web, "anna@example.it", Utc::now()).await;
    let link = format!("/miei-dati/{token}");

    let mut anna = Visitor::new();
    let (reply, html) = anna.open(&web, &link).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_headings_in_order(&html);
    assert_every_control_is_labelled(&html);
    assert_self_contained(&reply, &html);
    assert_eq!(one(&html, "h1"), "I tuoi dati");
    assert_eq!(one(&html, "main > dl.facts dd"), "anna@example.it");
    assert_eq!(texts(&html, "ul.sessions h3").len(), 2);
    assert!(
        one(&html, "[role=status]").starts_with("Questo link vale fino al"),
        "{}",
        reply.text
    );
    assert!(!reply.text.contains("bruno"), "nobody else's data");

    // The download, as often as one likes within the hour.
    for _ in 0..2 {
        let data = get(&web, &format!("{link}/dati.json")).await;
        assert_eq!(data.status, 200);
        assert!(data.header("content-disposition").starts_with("attachment"));
        let data: Value = serde_json::from_str(&data.text).unwrap();
        assert_eq!(data["email"], "anna@example.it");
        let sessions: Vec<&str> = data["registrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["session_id"].as_str().unwrap())
            .collect();
        assert_eq!(sessions, ["dati-1", "dati-2"]);
    }

    // Erasure asks for a confirmation, then erases everything, once.
    let erase = format!("{link}/cancella");
    let (reply, html) = anna.submit(&web, &link, &erase, &[]).await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        one(&html, "#e-confirm"),
        "Per cancellare i dati spunta la conferma."
    );
    let (reply, html) = anna
        .submit(&web, &link, &erase, &[("confirm", "yes")])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(one(&html, "h1"), "Dati cancellati");
    assert_eq!(
        one(&html, "[role=status]"),
        "Abbiamo cancellato i dati personali di 2 iscrizioni."
    );
    // Anna's seat went on to Bruno.
    let rows = web.store.session_registrations("dati-1").await.unwrap();
    let bruno_row = rows.iter().find(|r| r.email == "bruno@example.it").unwrap();
    assert_eq!(bruno_row.status.name(), "confirmed");
    assert!(rows.iter().all(|r| r.email != "anna@example.it"));
    // The link is spent: the page, the download and a second erasure are 410 pages.
    for path in [link.clone(), format!("{link}/dati.json")] {
        let reply = get(&web, &path).await;
        assert_eq!(reply.status, 410, "{path}");
        let html = Html::parse_document(&reply.text);
        assert_eq!(one(&html, "h1"), "Link scaduto");
        assert_eq!(attr(&html, "main a", "href"), "/miei-dati");
    }
    let cookie = anna.cookie.clone().unwrap();
    let csrf = cookie.split_once('=').unwrap().1.to_owned();
    let (reply, _) = anna
        .post(&web, &erase, &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(reply.status, 410);
}

#[tokio::test]
async fn expired_and_unknown_data_links_are_clear_pages() {
    let web = Web::new().await;
    web.session(json!({"id": "scaduto", "capacity": 5})).await;
    register_anna(&web, "scaduto").await;
    claimed(&web, "confirmed").await;
    let expired = data_link(&web, "anna@example.it", Utc::now() - Duration::hours(2)).await;
    let reply = get(&web, &format!("/miei-dati/{expired}?lang=en")).await;
    assert_eq!(reply.status, 410);
    let html = Html::parse_document(&reply.text);
    assert_eq!(one(&html, "h1"), "Link expired");
    for path in [
        format!("/miei-dati/{}", "a".repeat(64)),
        "/miei-dati/x/dati.json".to_owned(),
    ] {
        let reply = get(&web, &path).await;
        assert_eq!(reply.status, 404, "{path}");
        let html = Html::parse_document(&reply.text);
        assert_eq!(one(&html, "h1"), "Link non valido");
    }
    // Nothing was erased by trying.
    let rows = web.store.session_registrations("scaduto").await.unwrap();
    assert_eq!(rows[0].email, "anna@example.it");
}
