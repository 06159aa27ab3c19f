//! Registering and cancelling: seats, the waiting list and its promotions, idempotent
//! replays, eligibility reasons, and the registration window with a hybrid session's seats.

use serde_json::{Value, json};
use skillhub_testkit::in_future;

use super::{
    ADMIN, Call, Reply, api, binario_session, get, person, register, register_late, snapshot,
};

#[tokio::test]
async fn seats_run_out_then_the_waiting_list_grows() {
    let api = api().await;
    binario_session(&api.app, "due-posti", 2).await;
    let mut created = Vec::new();
    for n in 0..4 {
        let reply = register(&api.app, "due-posti", &person(n)).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_eq!(reply.header("content-type"), "application/json");
        let body = reply.json();
        assert_eq!(
            reply.header("location"),
            format!("/v1/registrations/{}", body["id"])
        );
        created.push(body);
    }
    let summary: Vec<(Value, Value)> = created
        .iter()
        .map(|c| (c["status"].clone(), c["waitlist_position"].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (json!("confirmed"), Value::Null),
            (json!("confirmed"), Value::Null),
            (json!("waitlisted"), json!(1)),
            (json!("waitlisted"), json!(2)),
        ]
    );
    snapshot!("registration_created", &created[2]);
    let session = get(&api.app, "/v1/sessions/due-posti").await.json();
    assert_eq!(
        (
            &session["capacity"],
            &session["confirmed"],
            &session["waitlisted"],
            &session["seats_left"]
        ),
        (&json!(2), &json!(2), &json!(2), &json!(0))
    );

    let third = &created[2];
    let reply = Call::new("GET", &format!("/v1/registrations/{}", third["id"]))
        .token(third["manage_token"].as_str().unwrap())
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json().get("manage_token").is_none());
    snapshot!("registration", reply.json());

    // The same e-mail again: 409, whatever the case of any of its letters, and the problem
    // does not quote the address (it reaches whoever typed it).
    for variant in [
        "persona1@EXAMPLE.it",
        "PERSONA1@example.it",
        "Persona1@Example.IT",
    ] {
        let again = json!({"email": variant, "name": "Persona 1"});
        let body = register(&api.app, "due-posti", &again).await.problem(409);
        assert!(
            !body.to_string().to_lowercase().contains("persona1"),
            "{body}"
        );
        snapshot!("duplicate_email", body);
    }

    register(&api.app, "nessuna", &person(9)).await.problem(404);
}

#[tokio::test]
async fn cancelling_promotes_the_head_of_the_waiting_list() {
    let api = api().await;
    binario_session(&api.app, "un-posto", 1).await;
    let regs: Vec<Value> = {
        let mut v = Vec::new();
        for n in 0..4 {
            v.push(register(&api.app, "un-posto", &person(n)).await.json());
        }
        v
    };
    let token = |i: usize| regs[i]["manage_token"].as_str().unwrap().to_owned();
    let url = |i: usize| format!("/v1/registrations/{}", regs[i]["id"]);

    let reply = Call::new("DELETE", &url(0))
        .token(&token(0))
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let cancelled = reply.json();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["waitlist_position"], Value::Null);
    snapshot!("cancelled", cancelled);

    let status = |reply: Reply| {
        let body = reply.json();
        (body["status"].clone(), body["waitlist_position"].clone())
    };
    let now = |i: usize| Call::new("GET", &url(i)).token(ADMIN).send(&api.app);
    assert_eq!(status(now(1).await), (json!("confirmed"), Value::Null));
    assert_eq!(status(now(2).await), (json!("waitlisted"), json!(1)));
    assert_eq!(status(now(3).await), (json!("waitlisted"), json!(2)));

    // A waiting person leaves: the one behind moves up.
    let reply = Call::new("DELETE", &url(2))
        .token(ADMIN)
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(status(now(3).await), (json!("waitlisted"), json!(1)));

    // Cancelling twice is a conflict.
    Call::new("DELETE", &url(0))
        .token(&token(0))
        .send(&api.app)
        .await
        .problem(409);
    Call::new("DELETE", "/v1/registrations/999999")
        .token(ADMIN)
        .send(&api.app)
        .await
        .problem(404);
    Call::new("GET", "/v1/registrations/abc")
        .token(ADMIN)
        .send(&api.app)
        .await
        .problem(404);

    let log = api
        .store
        .audit_log("registration", &regs[1]["id"].to_string())
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    let first = format!("registrant:{}", regs[0]["id"]);
    assert_eq!(
        actions,
        [
            ("public", "registration.create"),
            (first.as_str(), "registration.promote")
        ]
    );
}

#[tokio::test]
async fn idempotent_registrations_replay_the_first_answer() {
    let api = api().await;
    binario_session(&api.app, "idem", 1).await;
    let send = |key: &str, body: Value| {
        Call::new("POST", "/v1/sessions/idem/registrations")
            .header("idempotency-key", key)
            .json(&body)
            .send(&api.app)
    };
    let first = send("chiave-1", person(1)).await;
    assert_eq!(first.status, 201);
    // The same body, keys in another order: the same answer, byte for byte.
    let reordered = json!({"name": "Persona 1", "email": "persona1@example.it"});
    let second = send("chiave-1", reordered).await;
    assert_eq!((second.status, &second.text), (201, &first.text));
    assert_eq!(second.header("location"), first.header("location"));
    // Another body under the same key: 422.
    let body = send("chiave-1", person(2)).await.problem(422);
    snapshot!("idempotency_mismatch", body);
    // Without the key the same person is a duplicate.
    register(&api.app, "idem", &person(1)).await.problem(409);
    // A new key is a new registration.
    let other = send("chiave-2", person(2)).await.json();
    assert_eq!(other["status"], "waitlisted");
    send("", person(3)).await.problem(400);
    let session = get(&api.app, "/v1/sessions/idem").await.json();
    assert_eq!(
        (&session["confirmed"], &session["waitlisted"]),
        (&json!(1), &json!(1))
    );
}

#[tokio::test]
async fn ineligible_people_get_the_reasons_in_italian_and_english() {
    let api = api().await;
    let reply = Call::new("POST", "/v1/sessions")
        .token(ADMIN)
        .json(&json!({
            "id": "smb-roma", "program_id": "she-means-business", "title": "Vendere online",
            "starts_at": "2019-03-08T09:00:00Z", "ends_at": "2019-03-08T12:00:00Z",
            "capacity": 30, "mode": "online",
        }))
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);

    let mario = json!({"email": "mario@example.it", "name": "Mario Rossi",
        "attributes": {"gender": "male", "country": "IT"}});
    let body = register_late(&api.app, "smb-roma", &mario)
        .await
        .problem(422);
    assert_eq!(body["type"], "/problems/ineligible");
    snapshot!("ineligible", body);

    // Not saying is not the same as not meeting: the reasons ask.
    let body = register_late(&api.app, "smb-roma", &person(1))
        .await
        .problem(422);
    snapshot!("ineligible_missing_attributes", body);

    // Ireland opened on 1 January 2018; the session's local date decides.
    let aoife = json!({"email": "aoife@example.ie", "name": "Aoife",
        "attributes": {"gender": "female", "country": "IE"}});
    let reply = register_late(&api.app, "smb-roma", &aoife).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["status"], "confirmed");
}

/// Outside its window a session takes no registration: the problem says when it opens or
/// that it closed, and a hybrid session's online seats are booked with `seat`.
#[tokio::test]
async fn registration_keeps_to_the_window_and_seats_are_chosen() {
    let api = api().await;
    let reply = Call::new("POST", "/v1/sessions")
        .token(ADMIN)
        .json(&json!({
            "id": "ibrida", "program_id": "binario-f", "hub_id": "binario-f-roma-termini",
            "title": "Facebook per la PA", "starts_at": in_future("2030-02-12T09:30:00+01:00"),
            "ends_at": in_future("2030-02-12T13:30:00+01:00"), "seats": {"in_person": 1, "online": 1},
            "mode": "hybrid", "registration_opens_at": in_future("2029-12-01T09:00:00+01:00"),
        }))
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        reply.json()["registration_opens_at"],
        in_future("2029-12-01T08:00:00Z")
    );
    assert_eq!(
        reply.json()["registration_closes_at"],
        in_future("2030-02-12T08:30:00Z")
    );
    let early = register(&api.app, "ibrida", &person(1)).await.problem(409);
    assert_eq!(early["type"], "/problems/registration-closed");
    assert!(
        early["detail"]
            .as_str()
            .unwrap()
            .contains(&in_future("opens at 2029-12-01")),
        "{early}"
    );
    // The admin may still add someone on purpose; the seat asked for is the one given.
    let mut online = person(1);
    online["seat"] = json!("online");
    let reply = register_late(&api.app, "ibrida", &online).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let id = reply.json()["id"].clone();
    let got = Call::new("GET", &format!("/v1/registrations/{id}"))
        .token(ADMIN)
        .send(&api.app)
        .await
        .json();
    assert_eq!(got["seat"], "online");
    let session = get(&api.app, "/v1/sessions/ibrida").await.json();
    assert_eq!(session["confirmed"], 1);
    // A seat kind the session does not offer names the field; a wrong window too.
    binario_session(&api.app, "solo-aula", 5).await;
    let mut body = person(2);
    body["seat"] = json!("online");
    body["late"] = json!(true);
    let problem = Call::new("POST", "/v1/sessions/solo-aula/registrations")
        .token(ADMIN)
        .json(&body)
        .send(&api.app)
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["pointer"], "/seat", "{problem}");
    let problem = Call::new("POST", "/v1/sessions")
        .token(ADMIN)
        .json(&json!({
            "program_id": "binario-f", "hub_id": "binario-f-roma-termini",
            "title": "T", "starts_at": in_future("2030-02-12T09:30:00+01:00"),
            "ends_at": in_future("2030-02-12T13:30:00+01:00"), "capacity": 5, "mode": "in_person",
            "registration_closes_at": in_future("2030-02-13T00:00:00Z"),
        }))
        .send(&api.app)
        .await
        .problem(422);
    assert_eq!(
        problem["errors"][0]["pointer"], "/registration_closes_at",
        "{problem}"
    );
    // Late registrations are for the admin only.
    let token = api
        .store
        .create_operator_token("binario-f", "op")
        .await
        .unwrap();
    let mut body = person(3);
    body["late"] = json!(true);
    Call::new("POST", "/v1/sessions/ibrida/registrations")
        .token(&token)
        .json(&body)
        .send(&api.app)
        .await
        .problem(403);
}
