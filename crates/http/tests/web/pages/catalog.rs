//! The catalog: sessions grouped by hub and month in Italian, its filters, and English by
//! `lang` or `Accept-Language`.

use scraper::Html;
use skillhub_testkit::in_future;

use super::{
    Visitor, Web, assert_every_control_is_labelled, assert_headings_in_order,
    assert_self_contained, attr, catalog_fixture, get, get_with, main_of, one, person, texts,
};

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
