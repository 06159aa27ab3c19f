//! The manage link: the calendar, the data and their erasure, wrong links, and a full link
//! with a secure cookie behind an HTTPS public URL.

use scraper::Html;
use serde_json::{Value, json};
use skillhub_testkit::in_future;

use super::{Visitor, Web, attr, get, one, person};

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
