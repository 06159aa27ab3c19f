//! The back office: handler tests for every page and role boundary, through a [`StaffClient`]
//! that logs in as a real account (created in the store, its password set through the setup
//! page, logged in through the login form) and sends its cookie and form token like a browser.

mod account;
mod definition;
mod desk;
mod editor;
mod exports;
mod funder;
mod login;
mod upload;

use axum::body::Body;
use axum::http::{Request, header};
use scraper::{Html, Selector};
use skillhub_core::ids::{HubId, ProgramId};
use skillhub_core::person::Email;
use skillhub_core::staff::{Role, Scope};
use skillhub_store::NewStaff;

use super::{Reply, Web, send};

/// The boundary of the multipart bodies the tests post.
pub(crate) const BOUNDARY: &str = "----skillhub-test-boundary";

/// `fields` and an optional file as a multipart body.
pub(crate) fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The password every test account sets.
pub(crate) const PASSWORD: &str = "una-password-di-prova";

/// A logged-in member of staff, as a browser would be: the login cookie and the form token.
pub(crate) struct StaffClient {
    pub(crate) id: i64,
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

/// The value of the first `input[name=csrf]` of a page.
pub(crate) fn csrf_field(html: &str) -> String {
    let page = Html::parse_document(html);
    page.select(&Selector::parse("input[name=csrf]").unwrap())
        .next()
        .unwrap_or_else(|| panic!("no csrf field in {html}"))
        .value()
        .attr("value")
        .unwrap()
        .to_owned()
}

/// The `name=value` of cookie `name` that a response sets.
pub(crate) fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// `GET path` with `cookie`.
pub(crate) async fn get_as(web: &Web, cookie: &str, path: &str) -> Reply {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    send(&web.app, request).await
}

/// `POST path` with `cookie` and a form of `fields`.
pub(crate) async fn post_as(web: &Web, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let request = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    send(&web.app, request).await
}

/// Loads `laboratori-torino` (the test kit's program) requiring the codice fiscale, through
/// the API, and returns its manager.
pub(crate) async fn strict_torino(web: &Web) -> StaffClient {
    let strict = skillhub_testkit::LABORATORI_TORINO.replace(
        "[[hubs]]",
        "[settings]\ncodice_fiscale = \"required\"\n\n[[hubs]]",
    );
    let request = Request::post("/v1/programs")
        .header(header::AUTHORIZATION, format!("Bearer {}", super::ADMIN))
        .header(header::CONTENT_TYPE, "application/toml")
        .body(Body::from(strict))
        .unwrap();
    let reply = send(&web.app, request).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let scope = Scope::new(
        Role::Manager,
        Some(ProgramId::parse("laboratori-torino").unwrap()),
        None,
    )
    .unwrap();
    StaffClient::new(web, "lia@example.org", scope).await
}

/// The scope of `role` at Binario F (its one hub for an operator).
pub(crate) fn binario_f(role: Role) -> Scope {
    let program = Some(ProgramId::parse("binario-f").unwrap());
    match role {
        Role::Admin => Scope::admin(),
        Role::Operator => Scope::new(
            role,
            program,
            Some(HubId::parse("binario-f-roma-termini").unwrap()),
        )
        .unwrap(),
        _ => Scope::new(role, program, None).unwrap(),
    }
}

impl StaffClient {
    /// Creates the account `email` with `scope`, sets its password through the setup page and
    /// logs in through the login form.
    pub(crate) async fn new(web: &Web, email: &str, scope: Scope) -> StaffClient {
        let link = web
            .store
            .add_staff(
                "cli",
                &NewStaff {
                    email: Email::parse(email).unwrap(),
                    scope,
                },
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        let setup = format!("/gestione/attiva/{}", link.token);
        let page = send(&web.app, Request::get(&setup).body(Body::empty()).unwrap()).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let public = set_cookie(&page, "skillhub_csrf").unwrap();
        let token = csrf_field(&page.text);
        let set = post_as(
            web,
            &public,
            &setup,
            &[
                ("csrf", &token),
                ("password", PASSWORD),
                ("again", PASSWORD),
            ],
        )
        .await;
        assert_eq!(set.status, 303, "{}", set.text);
        let cookie = StaffClient::log_in(web, email, PASSWORD).await.unwrap();
        let dashboard = get_as(web, &cookie, "/gestione").await;
        assert_eq!(dashboard.status, 200, "{}", dashboard.text);
        StaffClient {
            id: link.account.id,
            csrf: csrf_field(&dashboard.text),
            cookie,
        }
    }

    /// Logs in through the form; the login cookie (`name=value`), or the refusal.
    pub(crate) async fn log_in(web: &Web, email: &str, password: &str) -> Result<String, Reply> {
        let form = send(
            &web.app,
            Request::get("/gestione/accesso")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        let public = set_cookie(&form, "skillhub_csrf").unwrap();
        let token = csrf_field(&form.text);
        let reply = post_as(
            web,
            &public,
            "/gestione/accesso",
            &[("csrf", &token), ("email", email), ("password", password)],
        )
        .await;
        match set_cookie(&reply, "skillhub_staff") {
            Some(cookie) if reply.status == 303 => Ok(cookie),
            _ => Err(reply),
        }
    }

    /// `GET path` as this member of staff.
    pub(crate) async fn get(&self, web: &Web, path: &str) -> Reply {
        get_as(web, &self.cookie, path).await
    }

    /// `POST path` as this member of staff, with the form token added to `fields`.
    pub(crate) async fn post(&self, web: &Web, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        all.extend_from_slice(fields);
        post_as(web, &self.cookie, path, &all).await
    }
}
