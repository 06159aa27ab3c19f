//! The session page and registering: the form asks for what the rules read, seats and the
//! waiting list, messages next to the fields, eligibility reasons, the CSRF cookie, duplicates,
//! the registration window, a batch session's draw and the rate limit on forms.

use chrono::NaiveDate;
use scraper::Html;
use serde_json::json;
use skillhub_core::eligibility::{Context, Eligibility};
use skillhub_core::person::Attributes;
use skillhub_testkit::in_future;

use super::{
    Visitor, Web, assert_every_control_is_labelled, assert_headings_in_order,
    assert_self_contained, attr, get, main_of, one, person, select, texts,
};

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
async fn a_cancelled_session_says_so_instead_of_the_form() {
    let web = Web::new().await;
    web.session(json!({"id": "annullato"})).await;
    let page = "/incontri/annullato";
    let mut anna = Visitor::new();
    // The form is opened before staff cancel the session, and sent after.
    let (_, form_page) = anna.open(&web, page).await;
    web.store
        .cancel_session("admin", "annullato", None, chrono::Utc::now())
        .await
        .unwrap();
    let hidden: Vec<(String, String)> = form_page
        .select(&select(&format!(
            "form[action=\"{page}\"] input[type=hidden]"
        )))
        .map(|i| {
            (
                i.value().attr("name").unwrap().to_owned(),
                i.value().attr("value").unwrap().to_owned(),
            )
        })
        .collect();
    let mut fields: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.extend(person("Anna Rossi", "anna@example.it"));
    let (reply, html) = anna.post(&web, page, &fields).await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(
        texts(&html, "#session-cancelled strong"),
        ["Incontro annullato"]
    );
    assert!(
        !reply.text.contains("già iscritto")
            && html.select(&select("form[method=post]")).next().is_none(),
        "no form and no talk of a duplicate: {}",
        main_of(&reply.text)
    );
    let (reply, html) = anna.open(&web, &format!("{page}?lang=en")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        texts(&html, "#session-cancelled strong"),
        ["Session cancelled"]
    );
    let (_, html) = anna.open(&web, "/").await;
    assert!(
        texts(&html, ".seats").contains(&"Incontro annullato".to_owned()),
        "the catalog says so too"
    );
}

/// A program that requires the codice fiscale and offers Italian only: its page is Italian
/// whatever is asked, without the language switch, and its form asks for the code (required,
/// checked, a message next to the field).
#[tokio::test]
async fn a_program_asks_for_the_codice_fiscale_in_its_languages() {
    let web = Web::new().await;
    let strict = skillhub_testkit::LABORATORI_TORINO.replace(
        "[[hubs]]",
        "[settings]\nlanguages = [\"it\"]\ncodice_fiscale = \"required\"\n\n[[hubs]]",
    );
    let request = axum::http::Request::post("/v1/programs")
        .header("authorization", format!("Bearer {}", crate::ADMIN))
        .header("content-type", "application/toml")
        .body(axum::body::Body::from(strict))
        .unwrap();
    let reply = crate::send(&web.app, request).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let page = "/incontri/torino-spid-2030-03-05";

    let reply = get(&web, &format!("{page}?lang=en")).await;
    let html = Html::parse_document(&reply.text);
    assert_eq!(attr(&html, "html", "lang"), "it");
    assert!(
        html.select(&select("header a[hreflang]")).next().is_none(),
        "no switch to a language the program does not offer"
    );
    assert_eq!(attr(&html, "#f-codice_fiscale", "autocomplete"), "off");
    assert!(
        html.select(&select("#f-codice_fiscale[required]"))
            .next()
            .is_some()
    );
    assert_every_control_is_labelled(&html);

    let (reply, html) = Visitor::new()
        .submit(&web, page, page, &person("Mario Rossi", "mario@example.it"))
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(one(&html, "#e-codice_fiscale"), "Campo obbligatorio.");
    let mut wrong = person("Mario Rossi", "mario@example.it");
    wrong.push(("codice_fiscale", "RSSMRA85T10A562T"));
    let (reply, html) = Visitor::new().submit(&web, page, page, &wrong).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(
        one(&html, "#e-codice_fiscale").starts_with("Questo codice fiscale non è valido"),
        "{}",
        reply.text
    );

    let mut right = person("Mario Rossi", "mario@example.it");
    right.push(("codice_fiscale", "rssmra85t10a562s"));
    let (reply, html) = Visitor::new()
        .submit(&web, &format!("{page}?lang=en"), page, &right)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(one(&html, "#status"), "confermato");
    let registered = web
        .store
        .session_registrations("torino-spid-2030-03-05")
        .await
        .unwrap();
    assert_eq!(
        registered[0].codice_fiscale.as_ref().map(|c| c.as_str()),
        Some("RSSMRA85T10A562S")
    );
    assert_eq!(registered[0].lang, skillhub_core::lang::Lang::It);
}
