//! Creating, editing and cancelling a session from the back office: who may (each role's
//! boundary), what a refused form shows, and that registrants hear of every change.

use chrono::{TimeZone, Utc};
use scraper::{Html, Selector};
use serde_json::json;
use skillhub_core::ids::{HubId, ProgramId};
use skillhub_core::staff::{Role, Scope};
use skillhub_testkit::in_future;

use super::super::{Web, send};
use super::{StaffClient, binario_f};
use axum::body::Body;
use axum::http::Request;

/// A Milano Digitale scope of `role` (an operator at Municipio 4).
fn milano(role: Role) -> Scope {
    let program = Some(ProgramId::parse("milano-digitale").unwrap());
    let hub = (role == Role::Operator).then(|| HubId::parse("municipio-4").unwrap());
    Scope::new(role, program, hub).unwrap()
}

/// The year the tests' sessions are in (always ahead).
fn year() -> String {
    in_future("2030")
}

/// A complete new-session form at `hub` of `program`, changed by `over`.
fn new_session<'a>(
    program: &'a str,
    hub: &'a str,
    over: &[(&'a str, &'a str)],
) -> Vec<(&'a str, String)> {
    let mut fields: Vec<(&str, String)> = vec![
        ("programma", program.to_owned()),
        ("sede", hub.to_owned()),
        ("modalita", "in_person".to_owned()),
        ("titolo", "SPID e servizi online".to_owned()),
        ("data", format!("12/02/{}", year())),
        ("inizio", "9:30".to_owned()),
        ("fine", "12:30".to_owned()),
        ("posti", "20".to_owned()),
    ];
    for (key, value) in over {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = (*value).to_owned(),
            None => fields.push((key, (*value).to_owned())),
        }
    }
    fields
}

fn borrowed<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The text of the element `css` of `html`, if any.
fn text_of(html: &str, css: &str) -> Option<String> {
    let page = Html::parse_document(html);
    page.select(&Selector::parse(css).unwrap())
        .next()
        .map(|e| e.text().collect::<String>().trim().to_owned())
}

/// The value of the input `name`.
fn value_of(html: &str, name: &str) -> Option<String> {
    let page = Html::parse_document(html);
    page.select(&Selector::parse(&format!("input[name={name}]")).unwrap())
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_owned))
}

#[tokio::test]
async fn nobody_logged_out_reaches_the_editor() {
    let web = Web::new().await;
    for path in [
        "/gestione/incontri/nuovo",
        "/gestione/incontri/binario-f-2019-02-12/modifica",
    ] {
        let reply = send(&web.app, Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(reply.status, 303, "{path}");
        assert!(reply.header("location").starts_with("/gestione/accesso"));
    }
}

#[tokio::test]
async fn a_manager_creates_a_session_as_the_api_does() {
    let web = Web::new().await;
    let manager = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    let dashboard = manager.get(&web, "/gestione").await;
    assert!(dashboard.text.contains("href=\"/gestione/incontri/nuovo\""));
    assert!(dashboard.text.contains("href=\"/gestione/importa\""));
    let page = manager.get(&web, "/gestione/incontri/nuovo").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(text_of(&page.text, "h1").unwrap(), "Nuovo incontro");
    assert!(page.text.contains("value=\"binario-f-roma-termini\""));
    assert!(
        !page.text.contains("value=\"municipio-4\""),
        "only the manager's program"
    );
    let date = format!("{}-02-12", year());
    let fields = new_session(
        "binario-f",
        "binario-f-roma-termini",
        &[("data", &date), ("inizio", "09:30")],
    );
    let reply = manager
        .post(&web, "/gestione/incontri/nuovo", &borrowed(&fields))
        .await;
    assert_eq!(reply.status, 303, "{}", reply.text);
    let id = format!("binario-f-roma-termini-{}-02-12-0930", year());
    assert_eq!(reply.header("location"), format!("/gestione/incontri/{id}"));
    let session = web.store.session(&id).await.unwrap().unwrap();
    assert_eq!(session.title, "SPID e servizi online");
    assert_eq!(session.capacity(), 20);
    let year: i32 = year().parse().unwrap();
    // 9:30 in Rome in February is 8:30 UTC.
    assert_eq!(
        session.starts_at,
        Utc.with_ymd_and_hms(year, 2, 12, 8, 30, 0).unwrap()
    );
    // The same form again: the id takes a suffix, as the API's generated ids do.
    let again = manager
        .post(&web, "/gestione/incontri/nuovo", &borrowed(&fields))
        .await;
    assert_eq!(
        again.header("location"),
        format!("/gestione/incontri/{id}-2")
    );
    // The audit log names the member of staff.
    let audit = web.store.audit_log("session", &id).await.unwrap();
    assert_eq!(audit[0].actor, format!("staff:{}", manager.id));
}

#[tokio::test]
async fn a_refused_form_keeps_the_values_and_says_what_is_wrong_where() {
    let web = Web::new().await;
    let manager = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    let fields = new_session(
        "binario-f",
        "binario-f-roma-termini",
        &[("titolo", "  "), ("data", "31/02/2030"), ("posti", "tanti")],
    );
    let reply = manager
        .post(&web, "/gestione/incontri/nuovo", &borrowed(&fields))
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert_eq!(
        text_of(&reply.text, "#e-titolo").unwrap(),
        "Scrivi il titolo."
    );
    assert!(
        text_of(&reply.text, "#e-data")
            .unwrap()
            .contains("gg/mm/aaaa")
    );
    assert!(text_of(&reply.text, "#e-posti").unwrap().contains("numero"));
    assert!(
        reply.text.contains("aria-describedby=\"h-posti e-posti\""),
        "the message is tied to its field"
    );
    assert_eq!(value_of(&reply.text, "posti").unwrap(), "tanti");
    assert_eq!(value_of(&reply.text, "inizio").unwrap(), "9:30");
    // What only the rules catch: an end before the start, next to the end time.
    let backwards = new_session(
        "binario-f",
        "binario-f-roma-termini",
        &[("inizio", "13:30"), ("fine", "9:30")],
    );
    let reply = manager
        .post(&web, "/gestione/incontri/nuovo", &borrowed(&backwards))
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(
        text_of(&reply.text, "#e-fine")
            .unwrap()
            .starts_with("Controlla l'ora di fine"),
        "{}",
        reply.text
    );
    // In person without a hub: the hub is what to fix.
    let nowhere = new_session("binario-f", "online", &[]);
    let reply = manager
        .post(&web, "/gestione/incontri/nuovo", &borrowed(&nowhere))
        .await;
    assert_eq!(reply.status, 422);
    assert!(
        text_of(&reply.text, "#e-sede")
            .unwrap()
            .contains("needs a hub")
    );
    // Nothing was created.
    let sessions = web
        .store
        .sessions(&skillhub_store::SessionFilter {
            program: Some("binario-f".into()),
            from: Some(Utc::now()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(sessions.is_empty(), "{sessions:?}");
    // English on request.
    let reply = manager
        .post(&web, "/gestione/incontri/nuovo?lang=en", &borrowed(&fields))
        .await;
    assert_eq!(
        text_of(&reply.text, "#e-titolo").unwrap(),
        "Write the title."
    );
}

#[tokio::test]
async fn each_role_creates_only_where_it_works() {
    let web = Web::new().await;
    let trainer = StaffClient::new(&web, "tina@example.org", binario_f(Role::Trainer)).await;
    assert!(
        !trainer
            .get(&web, "/gestione")
            .await
            .text
            .contains("/gestione/incontri/nuovo"),
        "no link to what a trainer may not do"
    );
    assert_eq!(
        trainer.get(&web, "/gestione/incontri/nuovo").await.status,
        403
    );
    let fields = new_session("binario-f", "binario-f-roma-termini", &[]);
    let refused = trainer
        .post(&web, "/gestione/incontri/nuovo", &borrowed(&fields))
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        text_of(&refused.text, "h1").unwrap(),
        "Accesso non consentito"
    );
    // A manager of another program.
    let other = StaffClient::new(&web, "ugo@example.org", milano(Role::Manager)).await;
    let refused = other
        .post(&web, "/gestione/incontri/nuovo", &borrowed(&fields))
        .await;
    assert_eq!(refused.status, 403);
    // An operator of Municipio 4: there, yes; at Municipio 1, no; online, no.
    let operator = StaffClient::new(&web, "olga@example.org", milano(Role::Operator)).await;
    let page = operator.get(&web, "/gestione/incontri/nuovo").await;
    assert!(page.text.contains("value=\"municipio-4\""));
    assert!(!page.text.contains("value=\"municipio-1\""));
    let elsewhere = new_session("milano-digitale", "municipio-1", &[]);
    assert_eq!(
        operator
            .post(&web, "/gestione/incontri/nuovo", &borrowed(&elsewhere))
            .await
            .status,
        403
    );
    let online = new_session("milano-digitale", "online", &[("modalita", "online")]);
    assert_eq!(
        operator
            .post(&web, "/gestione/incontri/nuovo", &borrowed(&online))
            .await
            .status,
        403
    );
    let own = new_session("milano-digitale", "municipio-4", &[]);
    let created = operator
        .post(&web, "/gestione/incontri/nuovo", &borrowed(&own))
        .await;
    assert_eq!(created.status, 303, "{}", created.text);
    // A form without its token changes nothing.
    let forged = super::post_as(
        &web,
        &operator.cookie,
        "/gestione/incontri/nuovo",
        &borrowed(&own),
    )
    .await;
    assert_eq!(forged.status, 403);
}

/// A Binario F session through the API with `registered` people (one seat: the second waits).
async fn session_with_people(web: &Web, id: &str, registered: usize) {
    web.session(json!({"id": id, "capacity": 1})).await;
    for n in 0..registered {
        let body = json!({"name": format!("Persona {n}"), "email": format!("p{n}@example.it")});
        let request = Request::post(format!("/v1/sessions/{id}/registrations"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let reply = send(&web.app, request).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
}

#[tokio::test]
async fn an_edit_changes_what_differs_and_registrants_hear_of_it() {
    let web = Web::new().await;
    session_with_people(&web, "modificato", 2).await;
    let manager = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    let page = manager
        .get(&web, "/gestione/incontri/modificato/modifica")
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(
        value_of(&page.text, "titolo").unwrap(),
        "Facebook per la PA"
    );
    assert_eq!(value_of(&page.text, "inizio").unwrap(), "09:30");
    assert_eq!(value_of(&page.text, "posti").unwrap(), "1");
    assert!(
        page.text.contains("name=\"motivo\""),
        "the cancel form is there"
    );
    // A new title and one more seat: the one waiting is seated; both hear of the title.
    let fields = [
        ("titolo", "Facebook per la PA, seconda edizione"),
        ("sede", "binario-f-roma-termini"),
        ("data", &format!("{}-02-12", year())),
        ("inizio", "09:30"),
        ("fine", "13:30"),
        ("posti", "2"),
    ];
    let saved = manager
        .post(&web, "/gestione/incontri/modificato/modifica", &fields)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    assert_eq!(saved.header("location"), "/gestione/incontri/modificato");
    let session = web.store.session("modificato").await.unwrap().unwrap();
    assert_eq!(session.title, "Facebook per la PA, seconda edizione");
    assert_eq!(
        (session.capacity(), session.confirmed(), session.revision),
        (2, 2, 1)
    );
    let kinds: Vec<String> = web
        .store
        .messages_about(2)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.kind)
        .collect();
    assert_eq!(kinds, ["waitlisted", "session_changed", "promoted"]);
    // Fewer seats than are given: refused next to the seats, nothing changed.
    let refused = manager
        .post(
            &web,
            "/gestione/incontri/modificato/modifica",
            &fields
                .iter()
                .map(|&(k, v)| if k == "posti" { (k, "1") } else { (k, v) })
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(
        text_of(&refused.text, "#e-posti")
            .unwrap()
            .contains("given already"),
        "{}",
        refused.text
    );
    assert_eq!(value_of(&refused.text, "posti").unwrap(), "1");
    assert_eq!(
        web.store
            .session("modificato")
            .await
            .unwrap()
            .unwrap()
            .capacity(),
        2
    );
    // A later time, in the hub's own time.
    let moved = manager
        .post(
            &web,
            "/gestione/incontri/modificato/modifica",
            &fields
                .iter()
                .map(|&(k, v)| if k == "inizio" { (k, "10:00") } else { (k, v) })
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.text);
    let session = web.store.session("modificato").await.unwrap().unwrap();
    assert_eq!(
        session.local_span().unwrap().0.format("%H:%M").to_string(),
        "10:00"
    );
}

#[tokio::test]
async fn editing_stops_at_each_roles_boundary() {
    let web = Web::new().await;
    session_with_people(&web, "confine", 0).await;
    let path = "/gestione/incontri/confine/modifica";
    let other = StaffClient::new(&web, "ugo@example.org", milano(Role::Manager)).await;
    assert_eq!(other.get(&web, path).await.status, 403);
    assert_eq!(
        other.post(&web, path, &[("titolo", "Altro")]).await.status,
        403
    );
    let operator = StaffClient::new(&web, "olga@example.org", milano(Role::Operator)).await;
    assert_eq!(operator.get(&web, path).await.status, 403);
    assert_eq!(
        operator
            .post(
                &web,
                "/gestione/incontri/confine/annulla",
                &[("motivo", "no")]
            )
            .await
            .status,
        403
    );
    let trainer = StaffClient::new(&web, "tina@example.org", binario_f(Role::Trainer)).await;
    assert_eq!(trainer.get(&web, path).await.status, 403);
    let own_operator = StaffClient::new(&web, "otto@example.org", binario_f(Role::Operator)).await;
    assert_eq!(own_operator.get(&web, path).await.status, 200);
    let missing = own_operator
        .get(&web, "/gestione/incontri/nessuno/modifica")
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        web.store.session("confine").await.unwrap().unwrap().title,
        "Facebook per la PA"
    );
}

#[tokio::test]
async fn a_cancellation_needs_a_reason_and_everyone_reads_it() {
    let web = Web::new().await;
    session_with_people(&web, "annullato", 2).await;
    let manager = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    let path = "/gestione/incontri/annullato/annulla";
    let without = manager.post(&web, path, &[("motivo", "   ")]).await;
    assert_eq!(without.status, 422, "{}", without.text);
    assert!(
        text_of(&without.text, "#e-motivo")
            .unwrap()
            .contains("motivo")
    );
    assert!(
        web.store
            .session("annullato")
            .await
            .unwrap()
            .unwrap()
            .cancelled_at
            .is_none()
    );
    let done = manager
        .post(&web, path, &[("motivo", "La sede è chiusa per lavori.")])
        .await;
    assert_eq!(done.status, 303, "{}", done.text);
    assert_eq!(done.header("location"), "/gestione/incontri/annullato");
    assert!(
        web.store
            .session("annullato")
            .await
            .unwrap()
            .unwrap()
            .cancelled_at
            .is_some()
    );
    for registration in [1, 2] {
        let messages = web.store.messages_about(registration).await.unwrap();
        let last = messages.last().unwrap();
        assert_eq!(last.kind, "session_cancelled");
        assert!(
            last.notice.contains("La sede è chiusa per lavori."),
            "{}",
            last.notice
        );
    }
    // Twice: a clear refusal, not an error.
    let again = manager.post(&web, path, &[("motivo", "Di nuovo")]).await;
    assert_eq!(again.status, 409, "{}", again.text);
    let page = manager
        .get(&web, "/gestione/incontri/annullato/modifica")
        .await;
    assert!(page.text.contains("è stato annullato"));
    assert!(!page.text.contains("name=\"motivo\""));
}
