//! The account page, an admin's optional second factor (TOTP), and a program's own page.

use skillhub_core::staff::{Role, Scope};
use totp_rs::{Builder, Secret};

use super::super::Web;
use super::{PASSWORD, StaffClient, binario_f, get_as, post_as};

/// The value of the hidden `secret` field of the account page.
fn shown_secret(html: &str) -> String {
    let page = scraper::Html::parse_document(html);
    page.select(&scraper::Selector::parse("input[name=secret]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned()
}

/// The code an authenticator app with `secret` shows `offset` seconds from now.
fn code(secret: &str, offset: i64) -> String {
    let totp = Builder::new()
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    let at = u64::try_from(chrono::Utc::now().timestamp() + offset).unwrap();
    totp.generate(at).to_string()
}

#[tokio::test]
async fn an_admin_turns_totp_on_and_then_logs_in_with_a_code_once() {
    let web = Web::new().await;
    let admin = StaffClient::new(&web, "admin@example.org", Scope::admin()).await;
    let page = admin.get(&web, "/gestione/account").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("<svg"), "the key as a QR code");
    let secret = shown_secret(&page.text);
    // A wrong code turns nothing on.
    let wrong = admin
        .post(
            &web,
            "/gestione/account/totp/on",
            &[("secret", &secret), ("code", "12345")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let on = admin
        .post(
            &web,
            "/gestione/account/totp/on",
            &[("secret", &secret), ("code", &code(&secret, 0))],
        )
        .await;
    assert_eq!(on.status, 303, "{}", on.text);
    // The open login goes on; a new one needs the code.
    assert_eq!(admin.get(&web, "/gestione").await.status, 200);
    let half = StaffClient::log_in(&web, "admin@example.org", PASSWORD).await;
    let half = half.unwrap();
    let blocked = get_as(&web, &half, "/gestione").await;
    assert_eq!(blocked.status, 303);
    assert!(
        blocked.header("location").starts_with("/gestione/codice"),
        "{}",
        blocked.header("location")
    );
    let form = get_as(&web, &half, "/gestione/codice").await;
    assert_eq!(form.status, 200);
    let token = super::csrf_field(&form.text);
    let bad = post_as(
        &web,
        &half,
        "/gestione/codice",
        &[("csrf", &token), ("code", "000000")],
    )
    .await;
    assert_eq!(bad.status, 401);
    // The next step's code (the current one was used to turn it on: a code works once).
    let next = code(&secret, 30);
    let good = post_as(
        &web,
        &half,
        "/gestione/codice",
        &[("csrf", &token), ("code", &next)],
    )
    .await;
    assert_eq!(good.status, 303, "{}", good.text);
    assert_eq!(get_as(&web, &half, "/gestione").await.status, 200);
    // The same code again, in another login: refused.
    let other = StaffClient::log_in(&web, "admin@example.org", PASSWORD)
        .await
        .unwrap();
    let form = get_as(&web, &other, "/gestione/codice").await;
    let token = super::csrf_field(&form.text);
    let replay = post_as(
        &web,
        &other,
        "/gestione/codice",
        &[("csrf", &token), ("code", &next)],
    )
    .await;
    assert_eq!(replay.status, 401);
    assert_eq!(get_as(&web, &other, "/gestione").await.status, 303);
}

#[tokio::test]
async fn only_admins_turn_totp_on() {
    let web = Web::new().await;
    let manager = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    let page = manager.get(&web, "/gestione/account").await;
    assert_eq!(page.status, 200);
    assert!(!page.text.contains("name=\"secret\""));
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let refused = manager
        .post(
            &web,
            "/gestione/account/totp/on",
            &[("secret", secret), ("code", &code(secret, 0))],
        )
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn a_programs_page_is_its_managers_and_the_admins() {
    let web = Web::new().await;
    let manager = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    let operator = StaffClient::new(&web, "op@example.org", binario_f(Role::Operator)).await;
    let admin = StaffClient::new(&web, "admin@example.org", Scope::admin()).await;
    let page = manager.get(&web, "/gestione/programmi/binario-f").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Avanzamento") && page.text.contains("Obiettivi"));
    assert!(page.text.contains("<svg"), "the chart");
    assert!(
        !page.text.contains("Calendario dei formatori"),
        "Binario F has no trainers"
    );
    // The dashboard links the program for its manager, not for the operator.
    assert!(
        manager
            .get(&web, "/gestione")
            .await
            .text
            .contains("/gestione/programmi/binario-f")
    );
    assert!(
        !operator
            .get(&web, "/gestione")
            .await
            .text
            .contains("/gestione/programmi/")
    );
    assert_eq!(
        operator
            .get(&web, "/gestione/programmi/binario-f")
            .await
            .status,
        403
    );
    assert_eq!(
        manager
            .get(&web, "/gestione/programmi/milano-digitale")
            .await
            .status,
        403
    );
    assert_eq!(
        admin.get(&web, "/gestione/programmi/nessuno").await.status,
        404
    );
    let milano = admin.get(&web, "/gestione/programmi/milano-digitale").await;
    assert_eq!(milano.status, 200);
    assert!(
        milano.text.contains("Calendario dei formatori"),
        "Milano has trainers"
    );
}
