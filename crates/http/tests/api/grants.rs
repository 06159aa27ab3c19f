//! Grant calls over HTTP: who may do what (applicant, evaluator, admin), problems with JSON
//! pointers, and the whole life of a call: submit → score → rank and award → report → overdue →
//! withdrawal with a promotion from the reserve list.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::{ADMIN, Call, api, get};

fn call_body(id: &str) -> Value {
    json!({"id": id, "name": "Bando di prova", "budget_cents": 1_000_000,
           "criteria": [{"id": "impact", "label_it": "impatto", "weight": 2, "min_score": 2},
                        {"id": "quality", "label_it": "qualità", "weight": 1}],
           "min_total": 3, "lottery_seed": 42})
}

fn application(name: &str, partita_iva: &str, cents: u64) -> Value {
    json!({"applicant": {"name": name, "partita_iva": partita_iva,
                         "organisation_type": "social_cooperative", "albo_number": "A123456",
                         "region": "umbria"},
           "requested_cents": cents, "priorities": ["social_coop"]})
}

fn sheet(impact: u32, quality: u32) -> Value {
    json!({"marks": {"impact": {"points": impact, "comment": "motivato"},
                     "quality": {"points": quality, "comment": "motivato"}}})
}

/// The call `id` with applications A (700,000) and B (600,000), both eligible; evaluator 1 is
/// assigned both, evaluator 2 only A, with a conflict of interest with B.
struct Setup {
    app: axum::Router,
    a: i64,
    a_token: String,
    b: i64,
    b_token: String,
    ev1: String,
    ev2: String,
}

async fn setup(api: &super::Api, id: &str) -> Setup {
    let app = api.app.clone();
    let reply = Call::new("POST", "/v1/grants/calls")
        .token(ADMIN)
        .json(&call_body(id))
        .send(&app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.header("location"), format!("/v1/grants/calls/{id}"));
    let mut submitted = Vec::new();
    for (name, partita_iva, cents) in [
        ("Il Granello", "01234567897", 700_000),
        ("Filiera Corta", "09876543217", 600_000),
    ] {
        let reply = Call::new("POST", &format!("/v1/grants/calls/{id}/applications"))
            .json(&application(name, partita_iva, cents))
            .send(&app)
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let body = reply.json();
        assert_eq!(body["application"]["stage"], "eligible");
        submitted.push((
            body["application"]["id"].as_i64().unwrap(),
            body["token"].as_str().unwrap().to_owned(),
        ));
    }
    let (a, a_token) = submitted[0].clone();
    let (b, b_token) = submitted[1].clone();
    let mut tokens = Vec::new();
    for (assigned, conflicts) in [(json!([a, b]), json!([])), (json!([a]), json!([b]))] {
        let reply = Call::new("POST", &format!("/v1/grants/calls/{id}/evaluators"))
            .token(ADMIN)
            .json(&json!({"label": "Valutatore", "applications": assigned, "conflicts": conflicts}))
            .send(&app)
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        tokens.push(reply.json()["token"].as_str().unwrap().to_owned());
    }
    Setup {
        app,
        a,
        a_token,
        b,
        b_token,
        ev1: tokens[0].clone(),
        ev2: tokens[1].clone(),
    }
}

#[tokio::test]
async fn grant_roles_are_enforced() {
    let api = api().await;
    let s = setup(&api, "bando-ruoli").await;
    let app = &s.app;
    let scores = |id: i64| format!("/v1/grants/applications/{id}/scores");

    // Creating a call: admin only.
    let reply = Call::new("POST", "/v1/grants/calls")
        .json(&call_body("altro"))
        .send(app)
        .await;
    reply.problem(401);
    let reply = Call::new("POST", "/v1/grants/calls")
        .token(&s.a_token)
        .json(&call_body("altro"))
        .send(app)
        .await;
    reply.problem(403);

    // An applicant cannot score, not even its own application; nobody scores without a token.
    let reply = Call::new("PUT", &scores(s.a))
        .token(&s.a_token)
        .json(&sheet(5, 5))
        .send(app)
        .await;
    reply.problem(403);
    let reply = Call::new("PUT", &scores(s.a))
        .json(&sheet(5, 5))
        .send(app)
        .await;
    reply.problem(401);
    let reply = Call::new("PUT", &scores(s.a))
        .token(ADMIN)
        .json(&sheet(5, 5))
        .send(app)
        .await;
    reply.problem(403);
    // An evaluator with a declared conflict cannot score that application, and is told why.
    let reply = Call::new("PUT", &scores(s.b))
        .token(&s.ev2)
        .json(&sheet(5, 5))
        .send(app)
        .await;
    let body = reply.problem(403);
    assert_eq!(body["type"], "/problems/conflict-of-interest");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("l'esaminatore ha dichiarato un conflitto di interessi con questa domanda")
            && detail.contains("declared a conflict of interest"),
        "{detail}"
    );
    // A sheet without a comment names the mark at fault.
    let reply = Call::new("PUT", &scores(s.a))
        .token(&s.ev1)
        .json(&json!({"marks": {"impact": {"points": 4, "comment": ""},
                                "quality": {"points": 4, "comment": "ok"}}}))
        .send(app)
        .await;
    let body = reply.problem(422);
    assert_eq!(body["errors"][0]["pointer"], "/marks/impact/comment");
    let reply = Call::new("PUT", &scores(s.a))
        .token(&s.ev1)
        .json(&json!({"marks": {"impact": {"points": 6, "comment": "troppo"}}}))
        .send(app)
        .await;
    let body = reply.problem(422);
    assert_eq!(body["errors"][0]["pointer"], "/marks/impact/points");
    let reply = Call::new("PUT", &scores(999_999))
        .token(&s.ev1)
        .json(&sheet(5, 5))
        .send(app)
        .await;
    reply.problem(404);

    // Applications: their own token or the admin.
    let own = format!("/v1/grants/applications/{}", s.a);
    let reply = Call::new("GET", &own).token(&s.a_token).send(app).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["code"], "domanda-1");
    Call::new("GET", &own)
        .token(&s.b_token)
        .send(app)
        .await
        .problem(403);
    Call::new("GET", &own)
        .token(&s.ev1)
        .send(app)
        .await
        .problem(403);
    get(app, &own).await.problem(401);
    let reply = Call::new("GET", &own).token(ADMIN).send(app).await;
    assert_eq!(reply.status, 200);
    Call::new(
        "POST",
        &format!("/v1/grants/applications/{}/withdrawal", s.a),
    )
    .token(&s.b_token)
    .send(app)
    .await
    .problem(403);

    // Evaluations: evaluator tokens only.
    let reply = Call::new("GET", "/v1/grants/evaluations")
        .token(&s.ev2)
        .send(app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["application"]["id"], s.a);
    assert_eq!(body["criteria"][0]["id"], "impact");
    for token in [s.a_token.as_str(), ADMIN] {
        Call::new("GET", "/v1/grants/evaluations")
            .token(token)
            .send(app)
            .await
            .problem(403);
    }
    get(app, "/v1/grants/evaluations").await.problem(401);

    // Admin routes refuse applicants and evaluators.
    for token in [s.a_token.as_str(), s.ev1.as_str()] {
        Call::new("POST", "/v1/grants/calls/bando-ruoli/ranking")
            .token(token)
            .send(app)
            .await
            .problem(403);
        Call::new("GET", "/v1/grants/calls/bando-ruoli/overdue")
            .token(token)
            .send(app)
            .await
            .problem(403);
        Call::new("POST", &format!("/v1/grants/applications/{}/reports", s.a))
            .token(token)
            .json(&json!({"number": 1}))
            .send(app)
            .await
            .problem(403);
        Call::new("POST", &format!("/v1/grants/applications/{}/closure", s.a))
            .token(token)
            .send(app)
            .await
            .problem(403);
    }
    Call::new("POST", &format!("/v1/grants/applications/{}/closure", s.a))
        .send(app)
        .await
        .problem(401);
    Call::new("POST", "/v1/grants/applications/999999/closure")
        .token(ADMIN)
        .send(app)
        .await
        .problem(404);

    // A call that does not exist.
    get(app, "/v1/grants/calls/nessuno").await.problem(404);
    Call::new("POST", "/v1/grants/calls/nessuno/applications")
        .json(&application("X", "01234567897", 1))
        .send(app)
        .await
        .problem(404);
    for (method, uri) in [
        ("POST", "/v1/grants/calls/nessuno/ranking"),
        ("GET", "/v1/grants/calls/nessuno/ranking"),
        ("GET", "/v1/grants/calls/nessuno/overdue?on=2030-01-01"),
    ] {
        Call::new(method, uri)
            .token(ADMIN)
            .send(app)
            .await
            .problem(404);
    }
    Call::new("POST", "/v1/grants/calls/nessuno/evaluators")
        .token(ADMIN)
        .json(&json!({"label": "x"}))
        .send(app)
        .await
        .problem(404);
    // Assigning an application of another call is a problem with its pointer.
    let reply = Call::new("POST", "/v1/grants/calls")
        .token(ADMIN)
        .json(&call_body("altro"))
        .send(app)
        .await;
    assert_eq!(reply.status, 201);
    let reply = Call::new("POST", "/v1/grants/calls/altro/evaluators")
        .token(ADMIN)
        .json(&json!({"label": "x", "applications": [s.a]}))
        .send(app)
        .await;
    assert_eq!(
        reply.problem(422)["errors"][0]["pointer"],
        "/applications/0"
    );
    // Ranking while evaluations are pending is a conflict.
    let reply = Call::new("POST", "/v1/grants/calls/bando-ruoli/ranking")
        .token(ADMIN)
        .send(app)
        .await;
    reply.problem(409);
}

#[tokio::test]
async fn grant_bodies_name_their_json_pointers() {
    let api = api().await;
    let app = &api.app;
    let mut bad = call_body("rotto");
    bad["criteria"][1]["weight"] = json!(0);
    let reply = Call::new("POST", "/v1/grants/calls")
        .token(ADMIN)
        .json(&bad)
        .send(app)
        .await;
    assert_eq!(
        reply.problem(422)["errors"][0]["pointer"],
        "/criteria/1/weight"
    );
    for (member, value, pointer) in [
        (
            "reporting",
            json!({"every_months": 0, "duration_months": 12}),
            "/reporting",
        ),
        (
            "priority_criteria",
            json!([{"id": "social_coop"}]),
            "/priority_criteria/0",
        ),
        ("name", json!(7), "/name"),
    ] {
        let mut bad = call_body("rotto");
        bad[member] = value;
        let reply = Call::new("POST", "/v1/grants/calls")
            .token(ADMIN)
            .json(&bad)
            .send(app)
            .await;
        assert_eq!(reply.problem(422)["errors"][0]["pointer"], pointer);
    }
    let reply = Call::new("POST", "/v1/grants/calls")
        .token(ADMIN)
        .raw("application/json", "{\"id\": ")
        .send(app)
        .await;
    reply.problem(400);
    let reply = Call::new("POST", "/v1/grants/calls")
        .token(ADMIN)
        .json(&call_body("Not A Slug"))
        .send(app)
        .await;
    assert_eq!(reply.problem(422)["errors"][0]["pointer"], "/id");
    let reply = Call::new("POST", "/v1/grants/calls")
        .token(ADMIN)
        .json(&call_body("buono"))
        .send(app)
        .await;
    assert_eq!(reply.status, 201);
    Call::new("POST", "/v1/grants/calls")
        .token(ADMIN)
        .json(&call_body("buono"))
        .send(app)
        .await
        .problem(409);
    let mut body = application("X", "01234567897", 0);
    body["applicant"]["region"] = json!("Terra di Nessuno");
    body["colour"] = json!("blu");
    let reply = Call::new("POST", "/v1/grants/calls/buono/applications")
        .json(&body)
        .send(app)
        .await;
    let problem = reply.problem(422);
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        ["/applicant/region", "/requested_cents", "/colour"]
    );
}

#[tokio::test]
async fn a_grant_call_from_submission_to_overdue_reports() {
    let api = api().await;
    let s = setup(&api, "bando-flusso").await;
    let app = &s.app;

    // An ineligible applicant is told why, in Italian and English; the same key replays.
    let ineligible = application("Sbagliata", "01234567890", 100_000);
    let post = |key: &str, body: &Value| {
        Call::new("POST", "/v1/grants/calls/bando-flusso/applications")
            .header("idempotency-key", key)
            .json(body)
    };
    let first = post("k-1", &ineligible).send(app).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let body = first.json();
    assert_eq!(body["application"]["stage"], "ineligible");
    assert!(
        body["application"]["reasons"][0]["en"]
            .as_str()
            .unwrap()
            .contains("partita IVA")
    );
    let again = post("k-1", &ineligible).send(app).await;
    assert_eq!(
        (again.status, again.text.as_str()),
        (201, first.text.as_str())
    );
    post("k-1", &application("Altra", "01234567890", 1))
        .send(app)
        .await
        .problem(422);
    let c = body["application"]["id"].as_i64().unwrap();
    let c_token = body["token"].as_str().unwrap().to_owned();
    let withdrawal = Call::new("POST", &format!("/v1/grants/applications/{c}/withdrawal"))
        .token(&c_token)
        .send(app)
        .await;
    assert_eq!(withdrawal.status, 200, "{}", withdrawal.text);
    assert_eq!(withdrawal.json()["application"]["stage"], "withdrawn");

    // A: ev1 (5, 4) and ev2 (4, 4); B: only ev1 (4, 4), ev2 has a conflict.
    for (token, id, impact, quality, stage) in [
        (&s.ev1, s.a, 5, 4, "under_evaluation"),
        (&s.ev2, s.a, 4, 4, "evaluated"),
        (&s.ev1, s.b, 4, 4, "evaluated"),
    ] {
        let reply = Call::new("PUT", &format!("/v1/grants/applications/{id}/scores"))
            .token(token)
            .json(&sheet(impact, quality))
            .send(app)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.json()["stage"], stage);
    }
    let preview = Call::new("GET", "/v1/grants/calls/bando-flusso/ranking")
        .token(ADMIN)
        .send(app)
        .await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert_eq!(preview.json()["awarded"], false);

    let ranking = Call::new("POST", "/v1/grants/calls/bando-flusso/ranking")
        .token(ADMIN)
        .send(app)
        .await;
    assert_eq!(ranking.status, 200, "{}", ranking.text);
    let body = ranking.json();
    insta::assert_yaml_snapshot!("grant_ranking", body, {
        ".ranking[].application_id" => "[id]",
    });
    let again = Call::new("POST", "/v1/grants/calls/bando-flusso/ranking")
        .token(ADMIN)
        .send(app)
        .await;
    assert_eq!(again.json(), body);
    assert_eq!(body["ranking"][0]["application_id"], s.a);
    // No more applications once ranked.
    Call::new("POST", "/v1/grants/calls/bando-flusso/applications")
        .json(&application("Tardiva", "01234567897", 1))
        .send(app)
        .await
        .problem(409);

    // The applicant sees its award and the reports it owes.
    let own = Call::new("GET", &format!("/v1/grants/applications/{}", s.a))
        .token(&s.a_token)
        .send(app)
        .await
        .json();
    assert_eq!(own["stage"], "funded");
    assert_eq!(own["awarded_cents"], 700_000);
    assert_eq!(own["reports"].as_array().unwrap().len(), 4);
    assert_eq!(own["reports"][3]["kind"], "final");
    let due: NaiveDate = serde_json::from_value(own["reports"][0]["due"].clone()).unwrap();

    // Overdue the day after report 1 is due; not once it is recorded.
    let overdue = |on: NaiveDate| {
        Call::new(
            "GET",
            &format!("/v1/grants/calls/bando-flusso/overdue?on={on}"),
        )
        .token(ADMIN)
    };
    let late = overdue(due + Duration::days(1)).send(app).await;
    assert_eq!(late.status, 200, "{}", late.text);
    let late = late.json();
    assert_eq!(late["items"].as_array().unwrap().len(), 1);
    assert_eq!(late["items"][0]["application_id"], s.a);
    assert_eq!(late["items"][0]["days_late"], 1);
    let reply = Call::new("POST", &format!("/v1/grants/applications/{}/reports", s.a))
        .token(ADMIN)
        .json(&json!({"number": 1, "received_on": due.to_string()}))
        .send(app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["stage"], "reports_due");
    let late = overdue(due + Duration::days(1)).send(app).await.json();
    assert_eq!(late["items"], json!([]));
    Call::new("POST", &format!("/v1/grants/applications/{}/reports", s.a))
        .token(ADMIN)
        .json(&json!({"number": 1}))
        .send(app)
        .await
        .problem(409);
    Call::new("POST", &format!("/v1/grants/applications/{}/reports", s.b))
        .token(ADMIN)
        .json(&json!({"number": 1}))
        .send(app)
        .await
        .problem(409);
    Call::new("GET", "/v1/grants/calls/bando-flusso/overdue?on=domani")
        .token(ADMIN)
        .send(app)
        .await
        .problem(400);

    // A withdraws: B, in reserve, now fits and is funded at once.
    let reply = Call::new(
        "POST",
        &format!("/v1/grants/applications/{}/withdrawal", s.a),
    )
    .token(&s.a_token)
    .send(app)
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["promoted"], json!([s.b]));
    let b = Call::new("GET", &format!("/v1/grants/applications/{}", s.b))
        .token(&s.b_token)
        .send(app)
        .await
        .json();
    assert_eq!(
        (b["stage"].as_str(), b["awarded_cents"].as_u64()),
        (Some("funded"), Some(600_000))
    );
    let after = Call::new("GET", "/v1/grants/calls/bando-flusso/ranking")
        .token(ADMIN)
        .send(app)
        .await
        .json();
    let statuses: Vec<&str> = after["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["withdrawn", "funded"]);
    assert_eq!(after["remaining_cents"], 400_000);
    Call::new(
        "POST",
        &format!("/v1/grants/applications/{}/withdrawal", s.a),
    )
    .token(&s.a_token)
    .send(app)
    .await
    .problem(409);
}

/// Scores A (ev1 5/4, ev2 4/4) and B (ev1 4/4) and ranks the call: A funded (700,000), B in
/// reserve (600,000 does not fit the 300,000 left).
async fn score_and_rank(s: &Setup, id: &str) {
    for (token, app, impact, quality) in [
        (&s.ev1, s.a, 5, 4),
        (&s.ev2, s.a, 4, 4),
        (&s.ev1, s.b, 4, 4),
    ] {
        let reply = Call::new("PUT", &format!("/v1/grants/applications/{app}/scores"))
            .token(token)
            .json(&sheet(impact, quality))
            .send(&s.app)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let reply = Call::new("POST", &format!("/v1/grants/calls/{id}/ranking"))
        .token(ADMIN)
        .send(&s.app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn a_grant_file_closes_after_its_final_report() {
    let api = api().await;
    let s = setup(&api, "bando-chiuso").await;
    let app = &s.app;
    score_and_rank(&s, "bando-chiuso").await;
    let reports = format!("/v1/grants/applications/{}/reports", s.a);
    let closure = format!("/v1/grants/applications/{}/closure", s.a);

    // Funded but without its final report: not yet.
    Call::new("POST", &closure)
        .token(ADMIN)
        .send(app)
        .await
        .problem(409);
    // The final report, with a key: replayed as it was, another body under it refused.
    let post = |key: &str, number: u32| {
        Call::new("POST", &reports)
            .token(ADMIN)
            .header("idempotency-key", key)
            .json(&json!({"number": number, "received_on": "2024-05-30"}))
    };
    let first = post("finale", 4).send(app).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.json()["stage"], "final_report_received");
    let again = post("finale", 4).send(app).await;
    assert_eq!(
        (again.status, again.text.as_str()),
        (201, first.text.as_str())
    );
    post("finale", 2).send(app).await.problem(422);
    // No report after the final one.
    let detail = post("tardiva", 2).send(app).await.problem(409)["detail"].clone();
    assert!(
        detail.as_str().unwrap().contains("final report"),
        "{detail}"
    );

    // Closing is the admin's, once; replayed with its key.
    Call::new("POST", &closure)
        .token(&s.a_token)
        .send(app)
        .await
        .problem(403);
    let close = || {
        Call::new("POST", &closure)
            .token(ADMIN)
            .header("idempotency-key", "chiudi")
    };
    let closed = close().send(app).await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    assert_eq!(closed.json()["stage"], "closed");
    assert_eq!(closed.json()["stage_it"], "chiusa");
    let again = close().send(app).await;
    assert_eq!(
        (again.status, again.text.as_str()),
        (200, closed.text.as_str())
    );
    Call::new("POST", &closure)
        .token(ADMIN)
        .send(app)
        .await
        .problem(409);
    // Closed is final: no withdrawal, no report.
    Call::new(
        "POST",
        &format!("/v1/grants/applications/{}/withdrawal", s.a),
    )
    .token(&s.a_token)
    .send(app)
    .await
    .problem(409);
    post("dopo", 3).send(app).await.problem(409);
    // B is in reserve: its file is not closed either.
    Call::new("POST", &format!("/v1/grants/applications/{}/closure", s.b))
        .token(ADMIN)
        .send(app)
        .await
        .problem(409);
}

#[tokio::test]
async fn withdrawals_replay_with_an_idempotency_key() {
    let api = api().await;
    let s = setup(&api, "bando-chiavi").await;
    let app = &s.app;
    score_and_rank(&s, "bando-chiavi").await;
    let withdraw = |key: &str| {
        Call::new(
            "POST",
            &format!("/v1/grants/applications/{}/withdrawal", s.a),
        )
        .token(&s.a_token)
        .header("idempotency-key", key)
    };
    let first = withdraw("ritiro-1").send(app).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.json()["promoted"], json!([s.b]));
    let again = withdraw("ritiro-1").send(app).await;
    assert_eq!(
        (again.status, again.text.as_str()),
        (200, first.text.as_str())
    );
    assert_eq!(again.header("content-type"), "application/json");
    withdraw("ritiro-2").send(app).await.problem(409);
    withdraw("").send(app).await.problem(400);
}

#[tokio::test]
async fn one_live_application_per_cooperative() {
    let api = api().await;
    let s = setup(&api, "bando-doppio").await;
    let app = &s.app;
    let submit = |token: Option<&'static str>| {
        let call = Call::new("POST", "/v1/grants/calls/bando-doppio/applications")
            .json(&application("Il Granello bis", "IT01234567897", 100_000));
        match token {
            Some(token) => call.token(token),
            None => call,
        }
    };
    // The public is refused without learning which application is in the way; the admin is told.
    let public = submit(None).send(app).await.problem(409)["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(public.contains("partita IVA"), "{public}");
    assert!(!public.contains(&s.a.to_string()), "{public}");
    let admin = submit(Some(ADMIN)).send(app).await.problem(409)["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(admin.contains(&format!("application {}", s.a)), "{admin}");
    // Once A is withdrawn, the cooperative may apply again.
    let reply = Call::new(
        "POST",
        &format!("/v1/grants/applications/{}/withdrawal", s.a),
    )
    .token(&s.a_token)
    .send(app)
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let reply = submit(None).send(app).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn a_full_tie_is_ranked_with_a_seed_given_at_ranking() {
    use chrono::TimeZone;
    use skillhub_grants::call::Applicant;
    use skillhub_store::{GrantWrite, NewGrantApplication, Replay};

    let api = api().await;
    let app = &api.app;
    let mut body = call_body("bando-pari");
    body.as_object_mut().unwrap().remove("lottery_seed");
    let reply = Call::new("POST", "/v1/grants/calls")
        .token(ADMIN)
        .json(&body)
        .send(app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    // Two cooperatives handed in at the same instant (through the store, to fix the instant).
    let at = chrono::Utc.with_ymd_and_hms(2022, 4, 1, 9, 0, 0).unwrap();
    let mut ids = Vec::new();
    for (name, partita_iva) in [("Uno", "01234567897"), ("Due", "09876543217")] {
        let request = NewGrantApplication {
            applicant: Applicant {
                name: name.into(),
                partita_iva: partita_iva.into(),
                organisation_type: Some(skillhub_core::person::OrganisationType::SocialCooperative),
                albo_number: Some("A123456".into()),
                region: Some(skillhub_core::ids::Tag::parse("umbria").unwrap()),
                sector: None,
                email: None,
            },
            requested_cents: 600_000,
            priorities: Default::default(),
            project_kinds: Default::default(),
        };
        let no_replay = |_: &_, _: &str| Replay {
            status: 0,
            body: String::new(),
        };
        let GrantWrite::Done((view, _)) = api
            .store
            .submit_grant_application("bando-pari", &request, None, at, no_replay)
            .await
            .unwrap()
        else {
            panic!("no key was given")
        };
        ids.push(view.id);
    }
    let reply = Call::new("POST", "/v1/grants/calls/bando-pari/evaluators")
        .token(ADMIN)
        .json(&json!({"label": "Valutatore", "applications": ids}))
        .send(app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let ev = reply.json()["token"].as_str().unwrap().to_owned();
    for id in &ids {
        let reply = Call::new("PUT", &format!("/v1/grants/applications/{id}/scores"))
            .token(&ev)
            .json(&sheet(4, 4))
            .send(app)
            .await;
        assert_eq!(reply.json()["stage"], "evaluated", "{}", reply.text);
    }
    let rank = |body: Option<Value>| {
        let call = Call::new("POST", "/v1/grants/calls/bando-pari/ranking").token(ADMIN);
        match body {
            Some(body) => call.json(&body),
            None => call,
        }
    };
    // Without a seed: 409, saying how to give one.
    let detail = rank(None).send(app).await.problem(409)["detail"].clone();
    let detail = detail.as_str().unwrap();
    assert!(
        detail.contains("lottery_seed") && detail.contains("public_value"),
        "{detail}"
    );
    // Bad seeds name their pointer.
    for (body, pointer) in [
        (json!({"lottery_seed": "abc"}), "/lottery_seed"),
        (json!({"lottery_seed": -1}), "/lottery_seed"),
        (json!({"public_value": ""}), "/public_value"),
        (
            json!({"lottery_seed": 1, "public_value": "x"}),
            "/public_value",
        ),
        (json!({"seed": 1}), "/seed"),
    ] {
        let problem = rank(Some(body)).send(app).await.problem(422);
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{problem}");
    }
    // With a verifiable public value: ranked, and the seed recorded with the call.
    let value = "Lotto 2022-06-01 Roma 12 45 67 3 88";
    let reply = rank(Some(json!({"public_value": value}))).send(app).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let ranked = reply.json();
    assert_eq!(ranked["awarded"], true);
    let draw =
        skillhub_allocation::lottery::verifiable_draw(&["domanda-1", "domanda-2"], value).unwrap();
    let call = get(app, "/v1/grants/calls/bando-pari").await.json();
    assert_eq!(call["lottery_seed"], draw.seed.to_string());
    assert_eq!(ranked["ranking"][0]["id"], draw.order[0]);
    // Another seed now is a conflict; the same ranking is read back.
    rank(Some(json!({"lottery_seed": 7})))
        .send(app)
        .await
        .problem(409);
    assert_eq!(rank(None).send(app).await.json(), ranked);
}
