//! Who may do what and what bad input gets: tokens for reading, cancelling and creating,
//! problems with JSON pointers instead of server errors, and the rate limit on public writes.

use serde_json::json;
use skillhub_http::ServerConfig;
use skillhub_testkit::in_future;

use super::{
    ADMIN, Call, Reply, api, api_with, binario_session, config, get, person, register, snapshot,
};

#[tokio::test]
async fn tokens_decide_who_sees_and_cancels() {
    let api = api().await;
    binario_session(&api.app, "riservata", 5).await;
    let operator = api
        .store
        .create_operator_token("binario-f", "segreteria")
        .await
        .unwrap();
    let stranger = api
        .store
        .create_operator_token("milano-digitale", "altro")
        .await
        .unwrap();
    let anna = register(&api.app, "riservata", &person(1)).await.json();
    let bruno = register(&api.app, "riservata", &person(2)).await.json();
    let anna_url = format!("/v1/registrations/{}", anna["id"]);
    let bruno_token = bruno["manage_token"].as_str().unwrap();

    // No token: 401; someone else's token: 403; both say Bearer.
    let reply = get(&api.app, &anna_url).await;
    let body = reply.problem(401);
    assert_eq!(reply.header("www-authenticate"), "Bearer");
    snapshot!("unauthorized", body);
    let reply = Call::new("GET", &anna_url)
        .token(bruno_token)
        .send(&api.app)
        .await;
    let body = reply.problem(403);
    assert_eq!(reply.header("www-authenticate"), "Bearer");
    snapshot!("forbidden", body);
    Call::new("GET", &anna_url)
        .token("not-a-token")
        .send(&api.app)
        .await
        .problem(403);
    Call::new("GET", &anna_url)
        .token(&stranger)
        .send(&api.app)
        .await
        .problem(403);
    let reply = Call::new("GET", &anna_url)
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .send(&api.app)
        .await;
    reply.problem(401);

    // Her token, the program's operator and the admin may look.
    for token in [anna["manage_token"].as_str().unwrap(), &operator, ADMIN] {
        let reply = Call::new("GET", &anna_url)
            .token(token)
            .send(&api.app)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    // An operator reads but does not cancel; someone else's token neither.
    Call::new("DELETE", &anna_url)
        .token(&operator)
        .send(&api.app)
        .await
        .problem(403);
    Call::new("DELETE", &anna_url)
        .token(bruno_token)
        .send(&api.app)
        .await
        .problem(403);
    Call::new("DELETE", &anna_url)
        .send(&api.app)
        .await
        .problem(401);

    // A session's registrations: admin and the program's operators only.
    let list = "/v1/sessions/riservata/registrations";
    get(&api.app, list).await.problem(401);
    Call::new("GET", list)
        .token(bruno_token)
        .send(&api.app)
        .await
        .problem(403);
    Call::new("GET", list)
        .token(&stranger)
        .send(&api.app)
        .await
        .problem(403);
    let reply = Call::new("GET", list).token(&operator).send(&api.app).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    snapshot!("session_registrations", reply.json());
    let reply = Call::new("GET", list).token(ADMIN).send(&api.app).await;
    assert_eq!(reply.json()["items"].as_array().unwrap().len(), 2);
    Call::new("GET", "/v1/sessions/nessuna/registrations")
        .token(ADMIN)
        .send(&api.app)
        .await
        .problem(404);

    // Creating sessions: admin, or an operator of that program.
    let new = |id: &str| {
        json!({"id": id, "program_id": "binario-f", "hub_id": "binario-f-roma-termini",
               "title": "WhatsApp per la PA", "starts_at": in_future("2030-03-01T09:00:00Z"),
               "ends_at": in_future("2030-03-01T11:00:00Z"), "capacity": 10, "mode": "in_person"})
    };
    Call::new("POST", "/v1/sessions")
        .json(&new("a"))
        .send(&api.app)
        .await
        .problem(401);
    Call::new("POST", "/v1/sessions")
        .token(bruno_token)
        .json(&new("a"))
        .send(&api.app)
        .await
        .problem(403);
    Call::new("POST", "/v1/sessions")
        .token(&stranger)
        .json(&new("a"))
        .send(&api.app)
        .await
        .problem(403);
    let reply = Call::new("POST", "/v1/sessions")
        .token(&operator)
        .json(&new("a"))
        .send(&api.app)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let log = api.store.audit_log("session", "a").await.unwrap();
    assert_eq!(log[0].actor, "operator:binario-f");
}

#[tokio::test]
async fn bad_input_is_a_problem_never_a_server_error() {
    let api = api_with(ServerConfig {
        body_limit: 1024,
        ..config()
    })
    .await;
    binario_session(&api.app, "s", 5).await;
    let uri = "/v1/sessions/s/registrations";

    let body = Call::new("POST", uri)
        .raw("application/json", "{\"email\": ")
        .send(&api.app)
        .await
        .problem(400);
    assert_eq!(body["type"], "/problems/malformed-json");
    snapshot!("malformed_json", body);
    Call::new("POST", uri)
        .raw("application/json", "")
        .send(&api.app)
        .await
        .problem(400);
    Call::new("POST", uri)
        .raw("application/json", "{} {}")
        .send(&api.app)
        .await
        .problem(400);
    Call::new("POST", uri)
        .raw("text/plain", "{}")
        .send(&api.app)
        .await
        .problem(415);
    Call::new("POST", uri)
        .raw("", "{}")
        .send(&api.app)
        .await
        .problem(415);

    let pointer = |reply: Reply| {
        let body = reply.problem(422);
        body["errors"][0]["pointer"].as_str().unwrap().to_owned()
    };
    assert_eq!(pointer(register(&api.app, "s", &json!([1, 2])).await), "");
    assert_eq!(pointer(register(&api.app, "s", &json!("x")).await), "");
    assert_eq!(
        pointer(register(&api.app, "s", &json!({"name": "A"})).await),
        "/email"
    );
    assert_eq!(
        pointer(register(&api.app, "s", &json!({"email": 5, "name": "A"})).await),
        "/email"
    );
    assert_eq!(
        pointer(register(&api.app, "s", &json!({"email": "a@b", "name": "A"})).await),
        "/email"
    );
    assert_eq!(
        pointer(register(&api.app, "s", &json!({"email": "a@b.it", "name": ""})).await),
        "/name"
    );
    assert_eq!(
        pointer(
            register(
                &api.app,
                "s",
                &json!({"email": "a@b.it", "name": "A", "attributes": []})
            )
            .await
        ),
        "/attributes"
    );
    assert_eq!(
        pointer(
            register(
                &api.app,
                "s",
                &json!({"email": "a@b.it", "name": "A", "attributes": {"gender": 1}})
            )
            .await
        ),
        "/attributes/gender"
    );
    // An organisation's tax code with a wrong check digit is named where it is.
    let wrong_code = register(
        &api.app,
        "s",
        &json!({"email": "a@b.it", "name": "A", "attributes": {"organisation_code": "01234567891"}}),
    )
    .await;
    let text = wrong_code.text.clone();
    assert_eq!(
        pointer(wrong_code),
        "/attributes/organisation_code",
        "{text}"
    );
    assert!(text.contains("cifra di controllo"), "{text}");
    assert_eq!(
        pointer(
            register(
                &api.app,
                "s",
                &json!({"email": "a@b.it", "name": "A", "eta": 40})
            )
            .await
        ),
        "/eta"
    );
    let body = register(
        &api.app,
        "s",
        &json!({"email": 5, "name": null, "attributes": {"birth_date": "31/02/1990"}}),
    )
    .await
    .problem(422);
    snapshot!("invalid_registration", body);

    let big = json!({"email": "a@b.it", "name": "x".repeat(2000)});
    let body = register(&api.app, "s", &big).await.problem(413);
    assert_eq!(body["type"], "/problems/payload-too-large");

    let reply = get(&api.app, "/v2/nothing").await;
    snapshot!("no_route", reply.problem(404));
    let reply = Call::new("PUT", "/v1/sessions").send(&api.app).await;
    reply.problem(405);
    assert!(reply.header("allow").contains("GET"), "{:?}", reply.headers);
}

#[tokio::test]
async fn public_writes_are_rate_limited_per_address() {
    let api = api_with(ServerConfig {
        rate_limit_per_minute: 2,
        ..config()
    })
    .await;
    binario_session(&api.app, "s", 5).await;
    assert_eq!(register(&api.app, "s", &person(1)).await.status, 201);
    assert_eq!(register(&api.app, "s", &person(2)).await.status, 201);
    let reply = register(&api.app, "s", &person(3)).await;
    let body = reply.problem(429);
    assert_eq!(reply.header("retry-after"), "30");
    snapshot!("rate_limited", body);
    // Reads are not limited.
    assert_eq!(get(&api.app, "/v1/sessions/s").await.status, 200);
}
