//! Logging in: the setup link, the login form and its refusals, the cookie, logout and
//! revocation at once, and what the dashboard shows each role.

use axum::body::Body;
use axum::http::Request;
use serde_json::json;
use skillhub_core::person::Email;
use skillhub_core::staff::{Role, Scope};
use skillhub_http::{PublicUrl, ServerConfig};
use skillhub_store::NewStaff;

use super::super::{Web, config, send};
use super::{PASSWORD, StaffClient, binario_f, csrf_field, get_as, post_as, set_cookie};

#[tokio::test]
async fn without_a_login_every_page_sends_to_the_login_form() {
    let web = Web::new().await;
    let reply = send(
        &web.app,
        Request::get("/gestione?lang=en")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.header("location"),
        "/gestione/accesso?dopo=%2Fgestione%3Flang%3Den&lang=en"
    );
    // A made-up cookie is nobody.
    let reply = get_as(
        &web,
        &format!("skillhub_staff={}", "ab".repeat(32)),
        "/gestione",
    )
    .await;
    assert_eq!(reply.status, 303);
    // The login form is a page in Italian, with the public pages' form token.
    let form = send(
        &web.app,
        Request::get("/gestione/accesso")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(form.status, 200);
    assert!(form.text.contains("Accesso alla gestione"), "{}", form.text);
    assert!(set_cookie(&form, "skillhub_csrf").is_some());
}

#[tokio::test]
async fn a_setup_link_sets_a_long_enough_password_once() {
    let web = Web::new().await;
    let link = web
        .store
        .add_staff(
            "cli",
            &NewStaff {
                email: Email::parse("mara@example.org").unwrap(),
                scope: binario_f(Role::Manager),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let path = format!("/gestione/attiva/{}", link.token);
    let page = send(&web.app, Request::get(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("mara@example.org"));
    let cookie = set_cookie(&page, "skillhub_csrf").unwrap();
    let token = csrf_field(&page.text);
    let post = |fields: Vec<(&'static str, String)>| {
        let (web, cookie, path) = (&web, cookie.clone(), path.clone());
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_as(web, &cookie, &path, &fields).await
        }
    };
    // Too short: said next to the field, nothing stored.
    let short = post(vec![
        ("csrf", token.clone()),
        ("password", "corta".into()),
        ("again", "corta".into()),
    ])
    .await;
    assert_eq!(short.status, 422);
    assert!(short.text.contains("almeno 12 caratteri"), "{}", short.text);
    // Two different passwords.
    let differ = post(vec![
        ("csrf", token.clone()),
        ("password", PASSWORD.into()),
        ("again", "un-altra-password".into()),
    ])
    .await;
    assert_eq!(differ.status, 422);
    assert!(differ.text.contains("non coincidono"));
    // Without the form token: refused.
    let forged = post(vec![
        ("password", PASSWORD.into()),
        ("again", PASSWORD.into()),
    ])
    .await;
    assert_eq!(forged.status, 403);
    // Right: to the login page; then the link is spent.
    let set = post(vec![
        ("csrf", token.clone()),
        ("password", PASSWORD.into()),
        ("again", PASSWORD.into()),
    ])
    .await;
    assert_eq!(set.status, 303);
    assert_eq!(set.header("location"), "/gestione/accesso?attivato=1");
    let again = send(&web.app, Request::get(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(again.status, 410);
    // The stored hash is argon2id, never the password.
    let account = web
        .store
        .login_candidate(&Email::parse("mara@example.org").unwrap())
        .await;
    let hash = account.unwrap().unwrap().password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn wrong_logins_all_look_the_same_and_five_lock_the_account() {
    let web = Web::new().await;
    let staff = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    let unknown = StaffClient::log_in(&web, "nobody@example.org", PASSWORD)
        .await
        .unwrap_err();
    let wrong = StaffClient::log_in(&web, "mara@example.org", "sbagliata-davvero")
        .await
        .unwrap_err();
    let malformed = StaffClient::log_in(&web, "not an address", PASSWORD)
        .await
        .unwrap_err();
    for reply in [&unknown, &wrong, &malformed] {
        assert_eq!(reply.status, 401);
        assert!(
            reply.text.contains("indirizzo o password non corretti"),
            "{}",
            reply.text
        );
    }
    // Four more wrong make five in a row: the account is locked, for the right password too.
    // (Nine attempts so far from this address, under its limit of ten a minute.)
    for _ in 0..4 {
        StaffClient::log_in(&web, "mara@example.org", "sbagliata-davvero")
            .await
            .unwrap_err();
    }
    let locked = StaffClient::log_in(&web, "mara@example.org", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(locked.status, 401);
    assert_eq!(
        locked.text.replace(&csrf_field(&locked.text), ""),
        wrong.text.replace(&csrf_field(&wrong.text), ""),
        "a locked account answers like a wrong password"
    );
    // The session opened before still works: locking stops guessing, not work.
    assert_eq!(staff.get(&web, "/gestione").await.status, 200);
}

#[tokio::test]
async fn logins_are_limited_per_address() {
    let web = Web::new().await;
    let mut limited = None;
    for n in 0..12 {
        let reply = StaffClient::log_in(&web, "nobody@example.org", "qualsiasi-cosa-123")
            .await
            .unwrap_err();
        if reply.status == 429 {
            limited = Some(n);
            assert!(!reply.header("retry-after").is_empty());
            break;
        }
    }
    assert_eq!(
        limited,
        Some(10),
        "ten attempts a minute from one address, then 429"
    );
}

#[tokio::test]
async fn logout_and_disabling_end_a_login_at_once() {
    let web = Web::new().await;
    let staff = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    let other = StaffClient::log_in(&web, "mara@example.org", PASSWORD)
        .await
        .unwrap();
    // Logging out needs the form token.
    let forged = post_as(&web, &staff.cookie, "/gestione/esci", &[]).await;
    assert_eq!(forged.status, 403);
    let out = staff.post(&web, "/gestione/esci", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), "/gestione/accesso?uscito=1");
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(staff.get(&web, "/gestione").await.status, 303);
    // The other login of the same account goes on, until the account is disabled.
    assert_eq!(get_as(&web, &other, "/gestione").await.status, 200);
    web.store
        .disable_staff(
            "cli",
            &Email::parse("mara@example.org").unwrap(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(get_as(&web, &other, "/gestione").await.status, 303);
    assert!(
        StaffClient::log_in(&web, "mara@example.org", PASSWORD)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_cookie_is_http_only_lax_and_secure_over_https() {
    let web = Web::new().await;
    StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    let form = send(
        &web.app,
        Request::get("/gestione/accesso")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let public = set_cookie(&form, "skillhub_csrf").unwrap();
    let reply = post_as(
        &web,
        &public,
        "/gestione/accesso",
        &[
            ("csrf", &csrf_field(&form.text)),
            ("email", "mara@example.org"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let cookie = reply.header("set-cookie");
    assert!(cookie.starts_with("skillhub_staff="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "{cookie}");

    let https = Web::with(ServerConfig {
        public_url: Some("https://corsi.example.org".parse::<PublicUrl>().unwrap()),
        ..config()
    })
    .await;
    let link = https
        .store
        .add_staff(
            "cli",
            &NewStaff {
                email: Email::parse("mara@example.org").unwrap(),
                scope: Scope::admin(),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let path = format!("/gestione/attiva/{}", link.token);
    let page = send(&https.app, Request::get(&path).body(Body::empty()).unwrap()).await;
    let public = set_cookie(&page, "__Host-skillhub_csrf").unwrap();
    let token = csrf_field(&page.text);
    post_as(
        &https,
        &public,
        &path,
        &[
            ("csrf", &token),
            ("password", PASSWORD),
            ("again", PASSWORD),
        ],
    )
    .await;
    let reply = post_as(
        &https,
        &public,
        "/gestione/accesso",
        &[
            ("csrf", &token),
            ("email", "mara@example.org"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.text);
    let cookie = reply.header("set-cookie");
    assert!(cookie.starts_with("__Host-skillhub_staff="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
}

#[tokio::test]
async fn the_dashboard_lists_what_each_role_reaches() {
    let web = Web::new().await;
    let roma = web
        .session(json!({"id": "bf-roma", "title": "Corso a Roma"}))
        .await;
    let online = web
        .session(
            json!({"id": "bf-online", "title": "Corso online", "hub_id": null, "mode": "online"}),
        )
        .await;
    let milano = web
        .session(json!({
            "id": "md-lab", "title": "Laboratorio a Milano", "program_id": "milano-digitale",
            "hub_id": null, "mode": "online",
        }))
        .await;
    assert_eq!(roma["id"], "bf-roma");
    assert_eq!(online["id"], "bf-online");
    assert_eq!(milano["id"], "md-lab");
    let seen = |html: &str| -> Vec<&'static str> {
        ["Corso a Roma", "Corso online", "Laboratorio a Milano"]
            .into_iter()
            .filter(|title| html.contains(title))
            .collect()
    };
    let admin = StaffClient::new(&web, "admin@example.org", Scope::admin()).await;
    let manager = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    let operator = StaffClient::new(&web, "op@example.org", binario_f(Role::Operator)).await;
    let trainer = StaffClient::new(&web, "tr@example.org", binario_f(Role::Trainer)).await;
    let page = admin.get(&web, "/gestione").await;
    assert_eq!(
        seen(&page.text),
        ["Corso a Roma", "Corso online", "Laboratorio a Milano"]
    );
    assert_eq!(
        seen(&manager.get(&web, "/gestione").await.text),
        ["Corso a Roma", "Corso online"]
    );
    assert_eq!(
        seen(&operator.get(&web, "/gestione").await.text),
        ["Corso a Roma"]
    );
    assert!(seen(&trainer.get(&web, "/gestione").await.text).is_empty());
    web.store
        .assign_trainer(
            "cli",
            &"bf-online".parse().unwrap(),
            trainer.id,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(
        seen(&trainer.get(&web, "/gestione").await.text),
        ["Corso online"]
    );
    // Seats, confirmed, waiting, pending: one seat, two registrations.
    for n in 0..2 {
        let reply = send(
            &web.app,
            Request::post("/v1/sessions/bf-roma/registrations")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"name": format!("P {n}"), "email": format!("p{n}@example.org")})
                        .to_string(),
                ))
                .unwrap(),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    let page = scraper::Html::parse_document(&manager.get(&web, "/gestione").await.text);
    let row: Vec<String> = page
        .select(&scraper::Selector::parse("tr").unwrap())
        .find(|tr| tr.text().any(|t| t.contains("Corso a Roma")))
        .unwrap()
        .select(&scraper::Selector::parse("td.num").unwrap())
        .map(|td| td.text().collect::<String>())
        .collect();
    assert_eq!(row, ["1", "1", "1", "0"]);
}
