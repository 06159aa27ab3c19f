//! What the admin does to sessions: creating them, every field checked, and drawing a batch
//! session by tier then lottery against its published commitment.

use serde_json::{Value, json};
use skillhub_testkit::in_future;

use super::{
    ADMIN, Call, api, binario_session, get, person, register, register_late, snapshot,
    snapshot_plain,
};

#[tokio::test]
async fn creating_sessions_checks_every_field() {
    let api = api().await;
    let post = |body: Value| {
        Call::new("POST", "/v1/sessions")
            .token(ADMIN)
            .json(&body)
            .send(&api.app)
    };

    let reply = post(json!({
        "program_id": "binario-f",
        "hub_id": "binario-f-roma-termini",
        "title": "Instagram per la cultura",
        "starts_at": in_future("2030-10-27T08:30:00Z"),
        "ends_at": in_future("2030-10-27T12:30:00Z"),
        "capacity": 31,
        "mode": "hybrid",
        "level": {"min": 2, "max": 4},
    }))
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        reply.header("location"),
        &in_future("/v1/sessions/binario-f-roma-termini-2030-10-27-0930")
    );
    let created = reply.json();
    // The snapshot shows the session's dates in 2030, whichever year they fell in.
    let as_written: Value =
        serde_json::from_str(&skillhub_testkit::as_written(&created.to_string())).unwrap();
    snapshot_plain!("created_session", &as_written);
    assert_eq!(
        get(
            &api.app,
            &in_future("/v1/sessions/binario-f-roma-termini-2030-10-27-0930")
        )
        .await
        .json(),
        created
    );

    // An online session needs no hub and lives in the program's zone.
    let reply = post(json!({
        "program_id": "she-means-business", "title": "Marketing digitale",
        "starts_at": "2019-06-04T08:00:00Z", "ends_at": "2019-06-04T10:00:00Z",
        "capacity": 100, "mode": "online",
    }))
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let online = reply.json();
    assert_eq!(
        (online["hub_id"].clone(), online["zone"].clone()),
        (Value::Null, json!("Europe/Rome"))
    );
    assert_eq!(online["id"], "she-means-business-2019-06-04-1000");
    // Two rooms at the same time: a generated id never collides, it takes a suffix.
    for expected in [
        "she-means-business-2019-06-04-1000-2",
        "she-means-business-2019-06-04-1000-3",
    ] {
        let reply = post(json!({
            "program_id": "she-means-business", "title": "Marketing digitale, aula 2",
            "starts_at": "2019-06-04T08:00:00Z", "ends_at": "2019-06-04T10:00:00Z",
            "capacity": 100, "mode": "online",
        }))
        .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_eq!(reply.json()["id"], expected);
    }
    // An id the client gives is theirs: taken, it is a conflict.
    let body = post(json!({
        "id": "she-means-business-2019-06-04-1000",
        "program_id": "she-means-business", "title": "Marketing digitale",
        "starts_at": "2019-06-04T08:00:00Z", "ends_at": "2019-06-04T10:00:00Z",
        "capacity": 100, "mode": "online",
    }))
    .await
    .problem(409);
    assert!(body["detail"].as_str().unwrap().contains("exists already"));
    // An evening event across local midnight, and one across the autumn clock change (02:30
    // summer time to 02:10 winter time in Rome), judged on their instants.
    for (id, starts_at, ends_at) in [
        (
            "serata",
            in_future("2030-03-08T20:00:00Z"),
            in_future("2030-03-09T00:00:00Z"),
        ),
        (
            "cambio-ora",
            "2019-10-27T00:30:00Z".to_owned(),
            "2019-10-27T01:10:00Z".to_owned(),
        ),
    ] {
        let reply = post(json!({
            "id": id, "program_id": "binario-f", "hub_id": "binario-f-roma-termini",
            "title": "Notte digitale", "starts_at": starts_at, "ends_at": ends_at,
            "capacity": 10, "mode": "in_person",
        }))
        .await;
        assert_eq!(reply.status, 201, "{id}: {}", reply.text);
        let session = reply.json();
        assert_eq!(
            (session["starts_at"].as_str(), session["ends_at"].as_str()),
            (Some(starts_at.as_str()), Some(ends_at.as_str()))
        );
        assert_eq!(
            get(&api.app, &format!("/v1/sessions/{id}")).await.json(),
            session
        );
    }

    // Everything wrong at once: every problem with its pointer.
    let body = post(json!({
        "program_id": "Binario F", "title": 7, "starts_at": "domani",
        "mode": "in_aula", "capacity": -1, "colour": "blu",
    }))
    .await
    .problem(422);
    snapshot!("invalid_session", body);

    let check = |body: Value, pointer: &'static str| {
        let post = post(body);
        async move {
            let problem = post.await.problem(422);
            assert_eq!(problem["errors"][0]["pointer"], pointer, "{problem}");
        }
    };
    let base = json!({
        "program_id": "binario-f", "hub_id": "binario-f-roma-termini", "title": "T",
        "starts_at": in_future("2030-03-01T09:00:00Z"), "ends_at": in_future("2030-03-01T11:00:00Z"),
        "capacity": 10, "mode": "in_person",
    });
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        if value.is_null() {
            body.as_object_mut().unwrap().remove(key);
        } else {
            body[key] = value;
        }
        body
    };
    check(with("program_id", json!("nessuno")), "/program_id").await;
    check(with("hub_id", json!("municipio-1")), "/hub_id").await;
    check(with("hub_id", Value::Null), "/hub_id").await;
    check(
        with("ends_at", json!(in_future("2030-03-01T08:00:00Z"))),
        "/ends_at",
    )
    .await;
    check(
        with("ends_at", json!(in_future("2030-03-02T11:00:00Z"))),
        "/ends_at",
    )
    .await;
    check(with("title", json!("   ")), "/title").await;
    check(with("capacity", json!(100_001)), "/capacity").await;
    check(with("capacity", json!("dieci")), "/capacity").await;
    check(with("capacity", Value::Null), "/capacity").await;
    check(
        with("seats", json!({"in_person": 5, "online": 5})),
        "/seats",
    )
    .await;
    check(with("level", json!({"min": 5, "max": 2})), "/level").await;
    check(
        with("starts_at", json!("1800-03-01T09:00:00Z")),
        "/starts_at",
    )
    .await;
    check(with("id", json!("Con Spazi")), "/id").await;
    let mut hybrid = with("mode", json!("hybrid"));
    hybrid["seats"] = json!({"in_person": 4, "online": 4});
    check(hybrid.clone(), "/capacity").await;
    hybrid["capacity"] = json!(8);
    let reply = post(hybrid).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn a_batch_session_is_drawn_by_tier_then_lottery() {
    use sha2::Digest;
    let api = api().await;
    let secret = "frase segreta pubblicata dopo la chiusura";
    let commitment = format!("sha256:{}", hex::encode(sha2::Sha256::digest(secret)));
    let batch = |id: &str, closes_at: &str, commitment: Option<&str>| {
        let mut body = json!({
            "id": id,
            "program_id": "binario-f",
            "hub_id": "binario-f-roma-termini",
            "title": "Instagram per la PA",
            "starts_at": in_future("2030-02-19T09:30:00+01:00"),
            "ends_at": in_future("2030-02-19T13:30:00+01:00"),
            "capacity": 1,
            "mode": "in_person",
            "policy": "batch",
            "registration_closes_at": closes_at,
        });
        if let Some(commitment) = commitment {
            body["draw_commitment"] = json!(commitment);
        }
        Call::new("POST", "/v1/sessions").token(ADMIN).json(&body)
    };
    // Registration for this one is open until 2030: the draw waits for its close.
    let reply = batch("aperta", &in_future("2030-02-01T00:00:00Z"), None)
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let reply = register(&api.app, "aperta", &person(9)).await;
    assert_eq!(
        reply.json()["status"],
        "waitlisted",
        "nobody gets a seat before the draw"
    );
    let commit = Call::new("POST", "/v1/sessions/aperta/draw-commitment")
        .token(ADMIN)
        .json(&json!({"commitment": "Lotto, estrazione del 2030-02-02, ruota di Roma"}))
        .send(&api.app)
        .await;
    assert_eq!(commit.status, 200, "{}", commit.text);
    assert_eq!(
        commit.json()["draw_commitment"],
        "Lotto, estrazione del 2030-02-02, ruota di Roma"
    );
    let early = Call::new("POST", "/v1/sessions/aperta/allocation")
        .token(ADMIN)
        .json(&json!({"public_value": "17 42 5 88 3"}))
        .send(&api.app)
        .await
        .problem(409);
    assert!(
        early["detail"].as_str().unwrap().contains("still open"),
        "{early}"
    );

    // This one closed in 2020, committed when it was created; the admin entered its
    // applicants late, on purpose.
    let reply = batch("sorteggio", "2020-01-01T00:00:00Z", Some(&commitment))
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let closed = register(&api.app, "sorteggio", &person(7))
        .await
        .problem(409);
    assert_eq!(closed["type"], "/problems/registration-closed");
    let mut late = person(7);
    late["late"] = json!(true);
    register(&api.app, "sorteggio", &late).await.problem(401);
    let mut ids = Vec::new();
    for n in 0..3 {
        let reply = register_late(&api.app, "sorteggio", &person(n)).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_eq!(reply.json()["status"], "waitlisted");
        ids.push(reply.json()["id"].as_i64().unwrap());
    }
    let path = "/v1/sessions/sorteggio/allocation";
    Call::new("POST", path)
        .json(&json!({"public_value": secret}))
        .send(&api.app)
        .await
        .problem(401);
    // Only the committed secret is accepted: no seed of the operator's choosing.
    let bad = Call::new("POST", path)
        .token(ADMIN)
        .json(&json!({"seed": "07".repeat(32)}))
        .send(&api.app)
        .await
        .problem(422);
    assert_eq!(bad["errors"][1]["pointer"], "/seed", "{bad}");
    let wrong = Call::new("POST", path)
        .token(ADMIN)
        .json(&json!({"public_value": "un altro valore"}))
        .send(&api.app)
        .await
        .problem(422);
    assert_eq!(wrong["errors"][0]["pointer"], "/public_value", "{wrong}");
    let drawn = Call::new("POST", path)
        .token(ADMIN)
        .json(&json!({"public_value": secret}))
        .send(&api.app)
        .await;
    assert_eq!(drawn.status, 200, "{}", drawn.text);
    let body = drawn.json();
    assert_eq!(body["public_value"], secret);
    assert_eq!(body["confirmed"].as_array().unwrap().len(), 1);
    assert_eq!(body["waitlisted"].as_array().unwrap().len(), 2);
    let mut all: Vec<i64> = body["confirmed"]
        .as_array()
        .unwrap()
        .iter()
        .chain(body["waitlisted"].as_array().unwrap())
        .map(|v| v.as_i64().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(all, ids, "everyone is in the draw once");
    // Anyone can recompute it from the pool's ids and the public value.
    let order: Vec<String> = body["lottery_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect();
    let pool: Vec<String> = ids.iter().map(i64::to_string).collect();
    assert!(skillhub_allocation::lottery::verify(&pool, secret, &order));
    let session = get(&api.app, "/v1/sessions/sorteggio").await.json();
    assert_eq!(session["draw_public_value"], secret);
    assert_eq!(session["draw_commitment"], commitment.as_str());
    // Once only; and a first-come session has no draw.
    Call::new("POST", path)
        .token(ADMIN)
        .json(&json!({"public_value": secret}))
        .send(&api.app)
        .await
        .problem(409);
    binario_session(&api.app, "ordinaria", 5).await;
    Call::new("POST", "/v1/sessions/ordinaria/allocation")
        .token(ADMIN)
        .json(&json!({"public_value": "x"}))
        .send(&api.app)
        .await
        .problem(409);
    Call::new("POST", "/v1/sessions/nessuna/allocation")
        .token(ADMIN)
        .json(&json!({"public_value": "x"}))
        .send(&api.app)
        .await
        .problem(404);
}

#[tokio::test]
async fn staff_move_and_cancel_a_session_and_everyone_hears() {
    let api = api().await;
    binario_session(&api.app, "spostato", 1).await;
    for n in 1..=2 {
        assert_eq!(register(&api.app, "spostato", &person(n)).await.status, 201);
    }
    let patch = |token: Option<&'static str>, body: Value| {
        let mut call = Call::new("PATCH", "/v1/sessions/spostato").json(&body);
        if let Some(token) = token {
            call = call.token(token);
        }
        call.send(&api.app)
    };
    let later = json!({
        "starts_at": in_future("2030-02-19T09:30:00+01:00"),
        "ends_at": in_future("2030-02-19T13:30:00+01:00"),
    });
    // Staff only; something to change; a session that stays a session.
    patch(None, later.clone()).await.problem(401);
    patch(Some("not-a-token"), later.clone()).await.problem(403);
    let nothing = patch(Some(ADMIN), json!({})).await.problem(422);
    assert!(
        nothing["detail"]
            .as_str()
            .unwrap()
            .contains("nothing to change")
    );
    let backwards = patch(
        Some(ADMIN),
        json!({"ends_at": in_future("2030-02-12T08:00:00+01:00")}),
    )
    .await
    .problem(422);
    assert!(
        backwards["detail"].as_str().unwrap().contains("spostato"),
        "{backwards}"
    );
    patch(Some(ADMIN), json!({"hub_id": "no-such-hub"}))
        .await
        .problem(422);
    patch(Some(ADMIN), json!({"starts_at": "tomorrow"}))
        .await
        .problem(422);

    let moved = patch(Some(ADMIN), later).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(
        moved.json()["starts_at"],
        in_future("2030-02-19T08:30:00Z").as_str()
    );
    assert_eq!(
        get(&api.app, "/v1/sessions/spostato").await.json()["starts_at"],
        moved.json()["starts_at"],
        "the server reads the moved session again"
    );

    // More seats seat the one waiting; fewer than are given are refused; a new title is told.
    let more = patch(Some(ADMIN), json!({"capacity": 2})).await;
    assert_eq!(more.status, 200, "{}", more.text);
    assert_eq!(
        (
            more.json()["capacity"].clone(),
            more.json()["confirmed"].clone()
        ),
        (json!(2), json!(2))
    );
    let fewer = patch(Some(ADMIN), json!({"capacity": 1}))
        .await
        .problem(422);
    assert!(
        fewer["detail"].as_str().unwrap().contains("given already"),
        "{fewer}"
    );
    let renamed = patch(Some(ADMIN), json!({"title": "Facebook per la PA, bis"})).await;
    assert_eq!(renamed.json()["title"], "Facebook per la PA, bis");
    patch(Some(ADMIN), json!({"title": ""})).await.problem(422);

    let cancel = |token: &'static str| {
        Call::new("POST", "/v1/sessions/spostato/cancellation")
            .token(token)
            .send(&api.app)
    };
    cancel("not-a-token").await.problem(403);
    let done = cancel(ADMIN).await;
    assert_eq!(done.status, 200, "{}", done.text);
    let body = done.json();
    assert_eq!(body["cancelled"], json!([1, 2]));
    assert!(body["session"]["cancelled_at"].is_string(), "{body}");
    assert_eq!(body["session"]["confirmed"], 0);
    cancel(ADMIN).await.problem(409);
    register(&api.app, "spostato", &person(3))
        .await
        .problem(409);
    patch(
        Some(ADMIN),
        json!({"ends_at": in_future("2030-02-19T14:00:00+01:00")}),
    )
    .await
    .problem(409);
    Call::new("POST", "/v1/sessions/nessuna/cancellation")
        .token(ADMIN)
        .send(&api.app)
        .await
        .problem(404);

    // Two registered, moved, the second seated, renamed then cancelled: all in the outbox.
    let told: Vec<String> = api
        .store
        .claim_mail(
            "test",
            chrono::Utc::now(),
            chrono::Duration::seconds(60),
            100,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.kind)
        .collect();
    assert_eq!(
        told,
        [
            "confirmed",
            "waitlisted",
            "session_changed",
            "session_changed",
            "promoted",
            "session_changed",
            "session_changed",
            "session_cancelled",
            "session_cancelled"
        ]
    );
}
