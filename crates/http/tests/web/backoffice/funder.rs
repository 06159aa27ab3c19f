//! The funder's period report: the printable page (staff and public versions), its Excel
//! download read back as a spreadsheet, who may see it, and every bad period said on the page.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Request, header};
use calamine::{Data, Reader, Xlsx};
use chrono::{NaiveDate, NaiveTime, Utc};
use skillhub_core::capacity::{Presence, Seats, Tier};
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::staff::{Role, Scope};
use skillhub_core::tz::Zone;
use skillhub_store::{NewSession, RegisterRequest, Timing};
use tower::ServiceExt;

use super::super::{Web, send};
use super::{StaffClient, binario_f};

const PAGE: &str = "/gestione/programmi/binario-f/relazione";

/// A Binario F session on 11 June 2019 with two seats: Anna came, Bruno did not, Carla waited.
async fn a_past_session(web: &Web) {
    let session = Session::new(SessionSpec {
        id: "binario-f-giugno".parse().unwrap(),
        program: "binario-f".parse().unwrap(),
        hub: Some("binario-f-roma-termini".parse().unwrap()),
        room: None,
        title: "Facebook per la PA".into(),
        competences: vec![],
        level: None,
        mode: Mode::InPerson,
        seats: Seats::new(2, 0).unwrap(),
        trainers: vec![],
        date: NaiveDate::from_ymd_opt(2019, 6, 11).unwrap(),
        start: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        end: NaiveTime::from_hms_opt(13, 30, 0).unwrap(),
        zone: Zone::rome(),
        ambiguity: Ambiguity::Refuse,
    })
    .unwrap();
    web.store
        .create_session("admin", &NewSession::open_until_start(session))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (name, email, gender) in [
        ("Anna Rossi", "anna@example.it", "female"),
        ("Bruno Neri", "bruno@example.it", "male"),
        ("Carla Bianchi", "carla@example.it", "female"),
    ] {
        let person = serde_json::from_value(serde_json::json!({
            "name": name, "email": email, "attributes": {"gender": gender}
        }))
        .unwrap();
        let request = RegisterRequest {
            session_id: "binario-f-giugno".parse().unwrap(),
            person,
            kind: None,
            tier: Tier::FIRST,
            actor: "test".into(),
            timing: Timing::Late,
            lang: skillhub_core::lang::Lang::It,
        };
        let registered = web
            .store
            .register(&request, None, Utc::now())
            .await
            .unwrap();
        ids.push(registered.registration.id);
    }
    for (id, presence) in [(ids[0], Presence::Attended), (ids[1], Presence::NoShow)] {
        web.store
            .record_presence("staff:1", id, presence, Utc::now())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_report_page_for_staff_and_for_the_public() {
    let web = Web::new().await;
    a_past_session(&web).await;
    let manager = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;

    // The program's page links it.
    let program = manager.get(&web, "/gestione/programmi/binario-f").await;
    assert!(program.text.contains(PAGE), "{}", program.text);

    let staff = manager
        .get(&web, &format!("{PAGE}?dal=01/06/2019&al=30/06/2019"))
        .await;
    assert_eq!(staff.status, 200, "{}", staff.text);
    let text = &staff.text;
    assert!(
        text.contains("Periodo: dal 01/06/2019 al 30/06/2019"),
        "{text}"
    );
    assert!(text.contains("versione riservata"), "{text}");
    // Binario F counts no target: no chart, and the table says so.
    assert!(
        text.contains("Il programma non ha obiettivi numerici."),
        "{text}"
    );
    assert!(text.contains("<caption>Per incontro</caption>"), "{text}");
    // One present, one absent (50 %), one left waiting: the session's row.
    assert!(
        text.contains("<td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">50,0 %</td><td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">1</td>"),
        "{text}"
    );
    assert!(
        text.contains("<th scope=\"row\">donne</th><td class=\"num\">1</td>"),
        "{text}"
    );
    // The form keeps the period, as the date inputs send it.
    assert!(text.contains("value=\"2019-06-01\""), "{text}");
    assert!(
        text.contains("relazione.xlsx?dal=2019-06-01&amp;al=2019-06-30&amp;versione=riservata"),
        "{text}"
    );

    let public = manager
        .get(
            &web,
            &format!("{PAGE}?dal=2019-06-01&al=2019-06-30&versione=pubblica"),
        )
        .await;
    assert_eq!(public.status, 200, "{}", public.text);
    assert!(public.text.contains("versione pubblica"));
    assert!(public.text.contains("&lt;5"), "{}", public.text);
    assert!(
        !public.text.contains("Per incontro"),
        "no sessions in public"
    );
    assert!(
        !public.text.contains("50,0 %"),
        "no rate from hidden counts"
    );

    // Without a period: from the program's start to today (its end, for a program that ended).
    let whole = manager.get(&web, PAGE).await;
    assert_eq!(whole.status, 200, "{}", whole.text);
}

#[tokio::test]
async fn a_bad_period_is_said_on_the_page() {
    let web = Web::new().await;
    let manager = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    for (query, says) in [
        ("dal=31/06/2019", "non è una data"),
        (
            "dal=30/06/2019&al=01/06/2019",
            "il periodo inizia il 30/06/2019",
        ),
        ("versione=segreta", "versione sconosciuta"),
    ] {
        let reply = manager.get(&web, &format!("{PAGE}?{query}")).await;
        assert_eq!(reply.status, 400, "{query}");
        assert!(reply.text.contains(says), "{query}: {}", reply.text);
        assert!(reply.text.contains("role=\"alert\""), "{query}");
        assert!(reply.text.contains("<form"), "the form to correct it");
    }
    let xlsx = manager
        .get(&web, &format!("{PAGE}.xlsx?dal=31/06/2019"))
        .await;
    assert_eq!(xlsx.status, 409);
    assert!(xlsx.text.contains("non è una data"), "{}", xlsx.text);
}

#[tokio::test]
async fn the_workbook_reads_back() {
    let web = Web::new().await;
    a_past_session(&web).await;
    let admin = StaffClient::new(&web, "admin@example.org", Scope::admin()).await;
    let request = Request::get(format!("{PAGE}.xlsx?dal=2019-06-10&al=2019-06-30"))
        .header(header::COOKIE, &admin.cookie)
        .body(Body::empty())
        .unwrap();
    let response = web.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"relazione-binario-f-20190610-20190630.xlsx\""
    );
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        [
            "Obiettivi",
            "Ripartizioni",
            "Hub",
            "Sessioni",
            "Ipotesi e note"
        ]
    );
    let sessions = workbook.worksheet_range("Sessioni").unwrap();
    assert_eq!(
        sessions.get((1, 1)),
        Some(&Data::String("binario-f-giugno".into()))
    );
    // Seats, present, absent, rate, unmarked, waiting, unused.
    let numbers: Vec<Option<&Data>> = (4..11).map(|c| sessions.get((1, c))).collect();
    assert_eq!(
        numbers,
        [
            Some(&Data::Float(2.0)),
            Some(&Data::Float(1.0)),
            Some(&Data::Float(1.0)),
            Some(&Data::Float(0.5)),
            Some(&Data::Float(0.0)),
            Some(&Data::Float(1.0)),
            Some(&Data::Float(1.0)),
        ]
    );
}

#[tokio::test]
async fn the_report_is_for_who_sees_the_whole_program() {
    let web = Web::new().await;
    let operator = StaffClient::new(&web, "op@example.org", binario_f(Role::Operator)).await;
    let other = StaffClient::new(
        &web,
        "milano@example.org",
        Scope::new(
            Role::Manager,
            Some("milano-digitale".parse().unwrap()),
            None,
        )
        .unwrap(),
    )
    .await;
    let admin = StaffClient::new(&web, "admin@example.org", Scope::admin()).await;
    for path in [PAGE.to_owned(), format!("{PAGE}.xlsx")] {
        assert_eq!(operator.get(&web, &path).await.status, 403, "{path}");
        assert_eq!(other.get(&web, &path).await.status, 403, "{path}");
        let reply = send(&web.app, Request::get(&path).body(Body::empty()).unwrap()).await;
        assert_eq!(reply.status, 303, "{path}: to the login form");
    }
    // A program with targets: the chart as on the program's page.
    let csh = admin
        .get(&web, "/gestione/programmi/community-skill-hubs/relazione")
        .await;
    assert_eq!(csh.status, 200);
    assert!(csh.text.contains("<svg") && csh.text.contains("Candidati formati in aula"));
    assert_eq!(
        admin
            .get(&web, "/gestione/programmi/nessuno/relazione")
            .await
            .status,
        404
    );
}
