//! What anyone may read: health, the OpenAPI document and the catalog page, programs, hubs
//! and sessions (one by one and in pages), and the calendar feed.

use serde_json::json;
use skillhub_testkit::in_future;

use super::{api, binario_session, get, snapshot_plain};

#[tokio::test]
async fn health_openapi_and_the_catalog_page() {
    let api = api().await;
    let reply = get(&api.app, "/healthz").await;
    assert_eq!((reply.status, reply.json()), (200, json!({"status": "ok"})));

    let reply = get(&api.app, "/openapi.json").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), "application/json");
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/",
        "/healthz",
        "/openapi.json",
        "/v1/programs",
        "/v1/programs/{id}",
        "/v1/hubs",
        "/v1/sessions",
        "/v1/sessions/{id}",
        "/v1/sessions/{id}/registrations",
        "/v1/registrations/{id}",
        "/v1/calendar.ics",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not described");
    }

    let reply = get(&api.app, "/").await;
    assert_eq!(reply.status, 200);
    assert!(reply.header("content-type").starts_with("text/html"));
    assert!(reply.text.contains("<html lang=\"it\">"));
    assert!(reply.text.contains("Social Academy a Binario F"));
    assert!(reply.text.contains("Prossimi incontri"));
    binario_session(&api.app, "futuro", 3).await;
    let reply = get(&api.app, "/").await;
    assert!(
        reply.text.contains(&in_future(
            "martedì 12 febbraio 2030, 9:30–13:30 — Binario F"
        )),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("3 posti liberi"));
}

#[test]
fn openapi_json_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = skillhub_http::openapi_json();
    assert!(
        committed == generated,
        "openapi.json is not up to date, run `cargo xtask openapi`"
    );
}

#[tokio::test]
async fn programs_hubs_and_sessions() {
    let api = api().await;
    let programs = get(&api.app, "/v1/programs").await.json();
    let ids: Vec<&str> = programs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "binario-f",
            "community-skill-hubs",
            "cooperazione-digitale",
            "leadership-circles",
            "milano-digitale",
            "she-means-business"
        ]
    );
    snapshot_plain!(
        "program",
        get(&api.app, "/v1/programs/binario-f").await.json()
    );
    get(&api.app, "/v1/programs/nessuno").await.problem(404);

    let hubs = get(&api.app, "/v1/hubs?program=milano-digitale")
        .await
        .json();
    assert_eq!(hubs["items"].as_array().unwrap().len(), 9);
    assert_eq!(hubs["items"][3]["id"], "municipio-4");
    let all = get(&api.app, "/v1/hubs").await.json();
    assert!(all["items"].as_array().unwrap().len() > 9);
    get(&api.app, "/v1/hubs?program=Not%20A%20Slug")
        .await
        .problem(400);

    let reply = get(&api.app, "/v1/sessions/binario-f-2019-02-12").await;
    assert_eq!(reply.status, 200);
    let session = reply.json();
    let keys: Vec<&String> = session.as_object().unwrap().keys().collect();
    let mut expected = [
        "id",
        "program_id",
        "hub_id",
        "title",
        "starts_at",
        "ends_at",
        "zone",
        "mode",
        "level",
        "capacity",
        "confirmed",
        "waitlisted",
        "seats_left",
        "registration_opens_at",
        "registration_closes_at",
        "draw_commitment",
        "draw_public_value",
    ];
    expected.sort_unstable();
    let mut keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, expected);
    snapshot_plain!("session", session);
    get(&api.app, "/v1/sessions/nessuna").await.problem(404);
}

#[tokio::test]
async fn sessions_come_in_pages_with_an_opaque_cursor() {
    let api = api().await;
    let mut uri = "/v1/sessions?program=binario-f&limit=4".to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = get(&api.app, &uri).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let page = page.json();
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            seen.push((
                item["starts_at"].as_str().unwrap().to_owned(),
                item["id"].as_str().unwrap().to_owned(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/v1/sessions?program=binario-f&limit=4&cursor={cursor}"),
            None => {
                assert!(page.as_object().unwrap().contains_key("next_cursor"));
                break;
            }
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 15);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(
        seen[0],
        (
            "2019-02-12T08:30:00Z".to_owned(),
            "binario-f-2019-02-12".to_owned()
        )
    );

    let march = get(
        &api.app,
        "/v1/sessions?hub=binario-f-roma-termini&from=2019-03-01T00:00:00Z&to=2019-04-01T00:00:00%2B02:00",
    )
    .await
    .json();
    let ids: Vec<&str> = march["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "binario-f-2019-03-05",
            "binario-f-2019-03-12",
            "binario-f-2019-03-19",
            "binario-f-2019-03-26"
        ]
    );
    let none = get(&api.app, "/v1/sessions?program=leadership-circles")
        .await
        .json();
    assert_eq!(none, json!({"items": [], "next_cursor": null}));

    for bad in [
        "limit=0",
        "limit=201",
        "limit=dieci",
        "from=ieri",
        "to=2019-03-01",
        "cursor=zz",
        "cursor=00",
        "program=Binario%20F",
        "hub=-x",
        "programme=binario-f",
        "program=binario-f&program=milano-digitale",
    ] {
        let body = get(&api.app, &format!("/v1/sessions?{bad}"))
            .await
            .problem(400);
        assert!(!body["detail"].as_str().unwrap().is_empty(), "{bad}");
    }
}

#[tokio::test]
async fn the_calendar_feed_holds_the_sessions() {
    let api = api().await;
    binario_session(&api.app, "nuova", 5).await;
    let reply = get(&api.app, "/v1/calendar.ics?program=binario-f").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("content-type"), "text/calendar; charset=utf-8");
    assert_eq!(reply.text.matches("BEGIN:VEVENT").count(), 16);
    assert!(
        reply
            .text
            .contains("\r\nUID:binario-f-2019-02-12@skillhub\r\n")
    );
    assert!(reply.text.contains("\r\nUID:nuova@skillhub\r\n"));
    assert!(reply.text.contains("\r\nDTSTART:20190212T083000Z\r\n"));
    assert!(
        reply
            .text
            .contains("X-WR-CALNAME:Social Academy a Binario F")
    );
    let hub = get(&api.app, "/v1/calendar.ics?hub=binario-f-roma-termini").await;
    assert_eq!(hub.text.matches("BEGIN:VEVENT").count(), 16);
    assert!(
        hub.text
            .contains("LOCATION:Binario F\\, Stazione Roma Termini\\, 00185 Roma")
    );
    let all = get(&api.app, "/v1/calendar.ics").await;
    assert!(all.text.starts_with("BEGIN:VCALENDAR\r\n"));
    get(&api.app, "/v1/calendar.ics?program=nessuno")
        .await
        .problem(404);
    get(
        &api.app,
        "/v1/calendar.ics?hub=municipio-1&program=binario-f",
    )
    .await
    .problem(404);
    get(&api.app, "/v1/calendar.ics?program=Non%20Valido")
        .await
        .problem(400);
}
