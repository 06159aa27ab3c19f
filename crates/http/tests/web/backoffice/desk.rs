//! A session's desk (its registrations; cancel with a reason, move, add by hand, the draw's
//! commitment) and check-in (the QR page, the list), for each role and its boundaries.

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};
use skillhub_core::capacity::Status;
use skillhub_core::ids::{HubId, ProgramId, SessionId};
use skillhub_core::staff::{Role, Scope};

use super::super::{Web, send};
use super::{StaffClient, binario_f};

/// Registers `name` at session `id` through the public API: its id and manage token.
async fn register(web: &Web, id: &str, name: &str, email: &str) -> (i64, String) {
    let request = Request::post(format!("/v1/sessions/{id}/registrations"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"name": name, "email": email}).to_string(),
        ))
        .unwrap();
    let reply = send(&web.app, request).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let body: Value = serde_json::from_str(&reply.text).unwrap();
    (
        body["id"].as_i64().unwrap(),
        body["manage_token"].as_str().unwrap().to_owned(),
    )
}

async fn status(web: &Web, id: i64) -> Status {
    web.store.registration(id).await.unwrap().unwrap().status
}

/// An operator of Milano Digitale's Municipio 2.
fn municipio_2_operator() -> Scope {
    Scope::new(
        Role::Operator,
        Some(ProgramId::parse("milano-digitale").unwrap()),
        Some(HubId::parse("municipio-2").unwrap()),
    )
    .unwrap()
}

#[tokio::test]
async fn the_desk_lists_every_registration_with_its_status_and_finds_people() {
    let web = Web::new().await;
    web.session(json!({"id": "fb", "capacity": 1})).await;
    let (_, anna_token) = register(&web, "fb", "Anna Rossi", "anna@example.it").await;
    let (_, bruno_token) = register(&web, "fb", "Bruno Verdi", "bruno@example.it").await;
    let manager = StaffClient::new(&web, "mgr@example.org", binario_f(Role::Manager)).await;
    let page = manager.get(&web, "/gestione/incontri/fb").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Anna Rossi") && page.text.contains("confermata"));
    assert!(page.text.contains("Bruno Verdi") && page.text.contains("in attesa, posizione 1"));
    // No page of the back office shows a manage token.
    assert!(!page.text.contains(&anna_token) && !page.text.contains(&bruno_token));
    let found = manager.get(&web, "/gestione/incontri/fb?q=BRUNO").await;
    assert!(found.text.contains("Bruno Verdi") && !found.text.contains("Anna Rossi"));
    let by_mail = manager.get(&web, "/gestione/incontri/fb?q=anna%40").await;
    assert!(by_mail.text.contains("Anna Rossi") && !by_mail.text.contains("Bruno Verdi"));
    let english = manager.get(&web, "/gestione/incontri/fb?lang=en").await;
    assert!(
        english.text.contains("waiting, position 1"),
        "{}",
        english.text
    );
    assert_eq!(
        manager.get(&web, "/gestione/incontri/nessuno").await.status,
        404
    );
}

#[tokio::test]
async fn staff_out_of_scope_get_a_refusal_page_and_strangers_the_login() {
    let web = Web::new().await;
    web.session(json!({"id": "fb", "capacity": 1})).await;
    let (anna, _) = register(&web, "fb", "Anna Rossi", "anna@example.it").await;
    web.session(json!({"id": "m1", "program_id": "milano-digitale", "hub_id": "municipio-1"}))
        .await;
    let milan = StaffClient::new(&web, "milano@example.org", municipio_2_operator()).await;
    // An operator of one hub sees nothing of another hub's session.
    for path in ["/gestione/incontri/m1", "/gestione/incontri/m1/presenze"] {
        assert_eq!(milan.get(&web, path).await.status, 403, "{path}");
    }
    let trainer = StaffClient::new(&web, "docente@example.org", binario_f(Role::Trainer)).await;
    let other = Scope::new(
        Role::Manager,
        Some(ProgramId::parse("she-means-business").unwrap()),
        None,
    )
    .unwrap();
    let stranger = StaffClient::new(&web, "altro@example.org", other).await;
    for client in [&milan, &trainer, &stranger] {
        for path in [
            "/gestione/incontri/fb".to_owned(),
            "/gestione/incontri/fb/presenze".to_owned(),
            format!("/gestione/presenza/{anna}"),
        ] {
            let reply = client.get(&web, &path).await;
            assert_eq!(reply.status, 403, "{path}: {}", reply.text);
            assert!(reply.text.contains("Accesso non consentito"));
            assert!(!reply.text.contains("Anna Rossi"), "{path}");
        }
        let cancel = client
            .post(
                &web,
                &format!("/gestione/incontri/fb/iscrizioni/{anna}/annulla"),
                &[("motivo", "prova")],
            )
            .await;
        assert_eq!(cancel.status, 403);
        let present = client
            .post(&web, &format!("/gestione/presenza/{anna}"), &[])
            .await;
        assert_eq!(present.status, 403);
    }
    assert_eq!(status(&web, anna).await, Status::Confirmed);
    // Not logged in: the login form, which comes back here.
    let anonymous = send(
        &web.app,
        Request::get(format!("/gestione/presenza/{anna}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(anonymous.status, 303);
    assert!(
        anonymous
            .header("location")
            .starts_with("/gestione/accesso?dopo="),
        "{}",
        anonymous.header("location")
    );
    // A form without the login's token changes nothing.
    let manager = StaffClient::new(&web, "mgr@example.org", binario_f(Role::Manager)).await;
    let forged = super::post_as(
        &web,
        &manager.cookie,
        &format!("/gestione/incontri/fb/iscrizioni/{anna}/annulla"),
        &[("csrf", "sbagliato"), ("motivo", "prova")],
    )
    .await;
    assert_eq!(forged.status, 403);
    assert_eq!(status(&web, anna).await, Status::Confirmed);
}

#[tokio::test]
async fn a_cancellation_needs_a_reason_which_the_person_reads_and_the_seat_moves_on() {
    let web = Web::new().await;
    web.session(json!({"id": "fb", "capacity": 1})).await;
    let (anna, _) = register(&web, "fb", "Anna Rossi", "anna@example.it").await;
    let (bruno, _) = register(&web, "fb", "Bruno Verdi", "bruno@example.it").await;
    let operator = StaffClient::new(&web, "op@example.org", binario_f(Role::Operator)).await;
    let path = format!("/gestione/incontri/fb/iscrizioni/{anna}/annulla");
    let blank = operator.post(&web, &path, &[("motivo", "  ")]).await;
    assert_eq!(blank.status, 409);
    assert!(blank.text.contains("Scrivi il motivo"), "{}", blank.text);
    assert_eq!(status(&web, anna).await, Status::Confirmed);

    let done = operator
        .post(
            &web,
            &path,
            &[("motivo", "il corso è per chi non ha lo SPID")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.text);
    assert_eq!(
        done.header("location"),
        "/gestione/incontri/fb?fatto=annullata"
    );
    assert_eq!(status(&web, anna).await, Status::Cancelled);
    assert_eq!(status(&web, bruno).await, Status::Confirmed);
    let told = web.store.messages_about(anna).await.unwrap();
    let cancelled = told.iter().find(|m| m.kind == "cancelled").unwrap();
    assert!(
        cancelled
            .notice
            .contains("il corso è per chi non ha lo SPID"),
        "{}",
        cancelled.notice
    );
    let log = web
        .store
        .audit_log("registration", &anna.to_string())
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "registration.cancel"
                && e.actor == format!("staff:{}", operator.id)),
        "{log:?}"
    );
    // Twice is a clear refusal, not an error.
    let again = operator.post(&web, &path, &[("motivo", "ancora")]).await;
    assert_eq!(again.status, 409);
}

#[tokio::test]
async fn a_person_added_by_hand_waits_unless_a_manager_adds_a_seat_on_purpose() {
    let web = Web::new().await;
    web.session(json!({"id": "fb", "capacity": 1})).await;
    register(&web, "fb", "Anna Rossi", "anna@example.it").await;
    let operator = StaffClient::new(&web, "op@example.org", binario_f(Role::Operator)).await;
    let manager = StaffClient::new(&web, "mgr@example.org", binario_f(Role::Manager)).await;
    let add = "/gestione/incontri/fb/iscrivi";

    let wrong = operator
        .post(&web, add, &[("nome", ""), ("email", "non-un-indirizzo")])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.text.contains("Scrivi nome e cognome") && wrong.text.contains("non-un-indirizzo")
    );

    let waits = operator
        .post(
            &web,
            add,
            &[("nome", "Carla Bianchi"), ("email", "carla@example.it")],
        )
        .await;
    assert_eq!(
        waits.header("location"),
        "/gestione/incontri/fb?fatto=in-attesa"
    );
    // Only an admin or a manager goes beyond the seats; the operator does not see the choice.
    let page = operator.get(&web, "/gestione/incontri/fb").await;
    assert!(!page.text.contains("name=\"oltre\""));
    let refused = operator
        .post(
            &web,
            add,
            &[
                ("nome", "Dario Neri"),
                ("email", "dario@example.it"),
                ("oltre", "si"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);

    let beyond = manager
        .post(
            &web,
            add,
            &[
                ("nome", "Dario Neri"),
                ("email", "dario@example.it"),
                ("oltre", "si"),
            ],
        )
        .await;
    assert_eq!(
        beyond.header("location"),
        "/gestione/incontri/fb?fatto=aggiunta",
        "{}",
        beyond.text
    );
    let session = web.store.session("fb").await.unwrap().unwrap();
    assert_eq!(session.capacity(), 2, "one seat added for Dario");
    let people = web.store.session_registrations("fb").await.unwrap();
    let dario = people.iter().find(|r| r.name == "Dario Neri").unwrap();
    assert_eq!(dario.status, Status::Confirmed);
    let carla = people.iter().find(|r| r.name == "Carla Bianchi").unwrap();
    assert_eq!(
        carla.status,
        Status::Waitlisted { position: 1 },
        "the line keeps its order"
    );
    let log = web.store.audit_log("session", "fb").await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "session.overbook" && e.actor == format!("staff:{}", manager.id)),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_registration_moves_to_a_session_with_a_free_seat_and_never_to_a_full_one() {
    let web = Web::new().await;
    web.session(json!({"id": "fb", "capacity": 1})).await;
    web.session(json!({
        "id": "fb2",
        "capacity": 1,
        "starts_at": skillhub_testkit::in_future("2030-02-19T09:30:00+01:00"),
        "ends_at": skillhub_testkit::in_future("2030-02-19T13:30:00+01:00"),
    }))
    .await;
    let (anna, _) = register(&web, "fb", "Anna Rossi", "anna@example.it").await;
    let manager = StaffClient::new(&web, "mgr@example.org", binario_f(Role::Manager)).await;
    let path = format!("/gestione/incontri/fb/iscrizioni/{anna}/sposta");
    let page = manager.get(&web, "/gestione/incontri/fb").await;
    assert!(page.text.contains("option value=\"fb2\""), "{}", page.text);

    let moved = manager.post(&web, &path, &[("verso", "fb2")]).await;
    assert_eq!(moved.status, 303, "{}", moved.text);
    assert_eq!(status(&web, anna).await, Status::Cancelled);
    let there = web.store.session_registrations("fb2").await.unwrap();
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].name, "Anna Rossi");
    assert_eq!(there[0].status, Status::Confirmed);
    let told = web.store.messages_about(anna).await.unwrap();
    assert!(
        told.iter()
            .any(|m| m.kind == "cancelled" && m.notice.contains("spostata a"))
    );

    // fb2 is full now: Bruno stays where he is.
    let (bruno, _) = register(&web, "fb", "Bruno Verdi", "bruno@example.it").await;
    let full = manager
        .post(
            &web,
            &format!("/gestione/incontri/fb/iscrizioni/{bruno}/sposta"),
            &[("verso", "fb2")],
        )
        .await;
    assert_eq!(full.status, 409);
    assert!(full.text.contains("non ha posti liberi"));
    assert_eq!(status(&web, bruno).await, Status::Confirmed);
    // A registration of another session is not this session's to move.
    let elsewhere = manager
        .post(
            &web,
            &format!("/gestione/incontri/fb2/iscrizioni/{bruno}/sposta"),
            &[("verso", "fb")],
        )
        .await;
    assert_eq!(elsewhere.status, 404);
}

#[tokio::test]
async fn a_batch_sessions_commitment_is_recorded_from_the_desk() {
    let web = Web::new().await;
    web.session(json!({"id": "lotto", "capacity": 1, "policy": "batch"}))
        .await;
    let manager = StaffClient::new(&web, "mgr@example.org", binario_f(Role::Manager)).await;
    let page = manager.get(&web, "/gestione/incontri/lotto").await;
    assert!(page.text.contains("Registra l'impegno"), "{}", page.text);
    let bad = manager
        .post(&web, "/gestione/incontri/lotto/impegno", &[("valore", "")])
        .await;
    assert_eq!(bad.status, 409);
    let done = manager
        .post(
            &web,
            "/gestione/incontri/lotto/impegno",
            &[(
                "valore",
                "prima estrazione del Lotto, ruota di Roma, del venerdì",
            )],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.text);
    let session = web.store.session("lotto").await.unwrap().unwrap();
    assert!(session.draw_commitment.is_some());
    // Registration is still open: the draw is not offered yet.
    let page = manager.get(&web, "/gestione/incontri/lotto").await;
    assert!(!page.text.contains("Fai il sorteggio"));
    let early = manager
        .post(
            &web,
            "/gestione/incontri/lotto/sorteggio",
            &[("valore", "17")],
        )
        .await;
    assert_eq!(early.status, 409);
}

#[tokio::test]
async fn the_qr_code_leads_staff_to_one_tap_check_in_and_the_list_counts_it() {
    let web = Web::new().await;
    web.session(json!({"id": "fb", "capacity": 1})).await;
    let (anna, token) = register(&web, "fb", "Anna Rossi", "anna@example.it").await;
    let (bruno, bruno_token) = register(&web, "fb", "Bruno Verdi", "bruno@example.it").await;
    // Anna's manage page has the code; Bruno, waiting, has none.
    let manage = send(
        &web.app,
        Request::get(format!("/iscrizioni/{anna}/{token}"))
            .header(header::HOST, "corsi.example.it")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(manage.text.contains("<svg role=\"img\""), "{}", manage.text);
    assert!(
        manage.text.contains("Il tuo codice per l&#39;ingresso")
            || manage.text.contains("Il tuo codice per l'ingresso")
    );
    let waiting = send(
        &web.app,
        Request::get(format!("/iscrizioni/{bruno}/{bruno_token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(!waiting.text.contains("<svg role=\"img\""));

    // The trainer of the session checks Anna in.
    let trainer = StaffClient::new(&web, "docente@example.org", binario_f(Role::Trainer)).await;
    web.store
        .assign_trainer(
            "cli",
            &SessionId::parse("fb").unwrap(),
            trainer.id,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let card = trainer
        .get(&web, &format!("/gestione/presenza/{anna}"))
        .await;
    assert_eq!(card.status, 200, "{}", card.text);
    assert!(card.text.contains("Anna Rossi") && card.text.contains("Segna presente"));
    let list = trainer.get(&web, "/gestione/incontri/fb/presenze").await;
    assert!(
        list.text.contains("<strong>0 / 1</strong>"),
        "{}",
        list.text
    );
    assert!(
        !list.text.contains("Bruno Verdi"),
        "only people with a seat"
    );
    // The program's progress, read once (and kept by the cache) before she comes …
    let facts = || async {
        let reply = send(
            &web.app,
            Request::get("/v1/programs/binario-f/progress")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        serde_json::from_str::<Value>(&reply.text).unwrap()["facts"].clone()
    };
    assert_eq!(facts().await, 0);
    let tap = trainer
        .post(&web, &format!("/gestione/presenza/{anna}"), &[])
        .await;
    assert_eq!(tap.status, 303);
    assert_eq!(status(&web, anna).await, Status::Attended);
    // … counts her at once: her presence, the session held and its hub.
    assert_eq!(facts().await, 3);
    let again = trainer
        .post(
            &web,
            &format!("/gestione/presenza/{anna}"),
            &[("dopo", "/gestione/incontri/fb/presenze#r1")],
        )
        .await;
    assert_eq!(again.status, 303, "twice changes nothing");
    assert_eq!(
        again.header("location"),
        "/gestione/incontri/fb/presenze#r1"
    );
    let list = trainer.get(&web, "/gestione/incontri/fb/presenze").await;
    assert!(
        list.text.contains("<strong>1 / 1</strong>"),
        "{}",
        list.text
    );
    // Somebody waiting cannot be marked present.
    let not_seated = trainer
        .post(&web, &format!("/gestione/presenza/{bruno}"), &[])
        .await;
    assert_eq!(not_seated.status, 409);
    // The trainer reads the desk but changes nothing there.
    let desk = trainer.get(&web, "/gestione/incontri/fb").await;
    assert_eq!(desk.status, 200);
    assert!(!desk.text.contains("/annulla\""));
    let log = web
        .store
        .audit_log("registration", &anna.to_string())
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "registration.presence"
                && e.actor == format!("staff:{}", trainer.id))
    );
}

/// A program that requires the codice fiscale: the desk asks for it, refuses a form without it
/// or with a wrong one (the text stays), and adds the person with a good one.
#[tokio::test]
async fn the_desk_asks_for_the_codice_fiscale_a_program_requires() {
    let web = Web::new().await;
    let manager = super::strict_torino(&web).await;
    let desk = "/gestione/incontri/torino-spid-2030-03-05";
    let page = manager.get(&web, desk).await;
    assert!(
        page.text.contains("name=\"codice_fiscale\""),
        "{}",
        page.text
    );
    let add = format!("{desk}/iscrivi");
    let person = [("nome", "Mario Rossi"), ("email", "mario@example.it")];

    let missing = manager.post(&web, &add, &person).await;
    assert_eq!(missing.status, 422);
    assert!(
        missing
            .text
            .contains("Il programma richiede il codice fiscale.")
    );

    let wrong = [person[0], person[1], ("codice_fiscale", "RSSMRA85T10A562X")];
    let wrong = manager.post(&web, &add, &wrong).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text.contains("Questo codice fiscale non è valido"));
    assert!(wrong.text.contains("RSSMRA85T10A562X"), "the text stays");

    let good = [person[0], person[1], ("codice_fiscale", "rssmra85t10a562s")];
    let added = manager.post(&web, &add, &good).await;
    assert_eq!(added.status, 303, "{}", added.text);
    let listed = web
        .store
        .session_registrations("torino-spid-2030-03-05")
        .await
        .unwrap();
    let code = listed[0]
        .codice_fiscale
        .as_ref()
        .map(|c| c.as_str().to_owned());
    assert_eq!(code.as_deref(), Some("RSSMRA85T10A562S"));
}
