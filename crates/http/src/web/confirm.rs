//! `/iscrizioni/{id}/conferma/{token}`: the page of the link that confirms a held seat's address
//! (a program that requires address confirmation). **A GET confirms nothing**: mail scanners
//! and link previews open links on their own, so the page shows a button, and only its POST
//! (with the CSRF field) confirms. Once confirmed the page says so (following the link again
//! changes nothing); once the hold has run out it says the seat was released and links the
//! session's page. A wrong id or token is the "invalid link" page, so links cannot be probed.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use skillhub_core::capacity::Status;
use skillhub_store::RegistrationView;

use super::PageLang;
use super::csrf::{self, Csrf};
use super::i18n::{Lang, Speak as _, T};
use super::layout::{page, with_lang};
use super::manage::{checked, form_parts};
use super::session::SessionCtx;
use super::{WebError, WebResult, html_response};
use crate::extract::RateLimited;
use crate::problem::ApiError;
use crate::state::AppState;

fn base(id: &str, token: &str) -> String {
    format!("/iscrizioni/{id}/conferma/{token}")
}

/// The path of registration `id`'s confirmation page with the secret `token`, in `lang`: the
/// link a message asking to confirm an address carries (on the public URL).
pub(crate) fn path(id: i64, token: &str, lang: Lang) -> String {
    with_lang(&base(&id.to_string(), token), lang)
}

/// The registration the link names, when its token is one issued for it.
async fn authorized(state: &AppState, id: &str, token: &str) -> WebResult<RegistrationView> {
    let id: i64 = id.parse().map_err(|_| WebError::BadLink)?;
    if !state.store().check_confirm_token(id, token).await? {
        return Err(WebError::BadLink);
    }
    state
        .store()
        .registration(id)
        .await?
        .ok_or(WebError::BadLink)
}

/// The confirmation page: a button that confirms (a GET never does).
#[utoipa::path(get, path = "/iscrizioni/{id}/conferma/{token}", tag = "pages",
    params(
        ("id" = i64, Path, description = "Registration id"),
        ("token" = String, Path, description = "The secret of the confirmation link mailed to the registration"),
        ("lang" = Option<String>, Query, description = "`it` (default) or `en`"),
    ),
    responses(
        (status = 200, description = "A held seat: the button that confirms the address (nothing is confirmed by this GET); already confirmed: says so; the hold ran out: says the seat was released and links the session (HTML)", body = String, content_type = "text/html"),
        (status = 404, description = "A wrong id or token (HTML)", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn confirm_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    Path((id, token)): Path<(String, String)>,
) -> Response {
    let result = async {
        let registration = authorized(&state, &id, &token).await?;
        confirm_response(&state, lang, &csrf, &registration, &base(&id, &token)).await
    };
    result.await.unwrap_or_else(|err| err.render(lang))
}

/// Confirms the address: the held seat becomes a confirmed one (the confirmation with the
/// calendar invitation is mailed), then back to the page, which says so.
#[utoipa::path(post, path = "/iscrizioni/{id}/conferma/{token}", tag = "pages",
    params(
        ("id" = i64, Path, description = "Registration id"),
        ("token" = String, Path, description = "The secret of the confirmation link mailed to the registration"),
    ),
    request_body(content = crate::web::manage::ManageForm, content_type = "application/x-www-form-urlencoded",
        description = "`csrf` (equal to the `skillhub_csrf` cookie) and `lang`"),
    responses(
        (status = 303, description = "Confirmed (or already confirmed, or the hold ran out): back to the confirmation page, which says which",
            headers(("Location" = String, description = "The confirmation page"))),
        (status = 403, description = "The CSRF field does not match the cookie (HTML)", body = String, content_type = "text/html"),
        (status = 404, description = "A wrong id or token (HTML)", body = String, content_type = "text/html"),
        crate::openapi::FormRefusals,
    ))]
pub(crate) async fn confirm(
    limited: Result<RateLimited, ApiError>,
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    Path((id, token)): Path<(String, String)>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let (lang, fields) = form_parts(lang, form);
    let result = async {
        limited?;
        checked(&csrf, fields)?;
        let registration = authorized(&state, &id, &token).await?;
        match state
            .store()
            .confirm_address(registration.id, &token, Utc::now())
            .await
        {
            // The page says what happened: confirmed, or released.
            Ok(_)
            | Err(skillhub_store::Error::HoldExpired { .. })
            | Err(skillhub_store::Error::Transition { .. }) => {}
            Err(other) => return Err(other.into()),
        }
        Ok::<_, WebError>(Redirect::to(&with_lang(&base(&id, &token), lang)).into_response())
    };
    result.await.unwrap_or_else(|err| err.render(lang))
}

/// The page for `registration` at `here`: the button while held, else where it stands.
async fn confirm_response(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    registration: &RegistrationView,
    here: &str,
) -> WebResult<Response> {
    let ctx = SessionCtx::load(state, registration.session_id.as_str()).await?;
    let lang = ctx.lang(lang);
    let session_page = with_lang(&format!("/incontri/{}", ctx.view.id), lang);
    // A hold past its time is released, whether or not the expiry has run yet.
    let released = match registration.status {
        Status::Held { expires_at } => expires_at <= Utc::now(),
        Status::Expired => true,
        _ => false,
    };
    let (heading, body) = if released {
        let body = html! {
            h1 { (lang.t(T::ExpiredHeading)) ": " (ctx.view.title) }
            div.notice role="status" { p { (lang.t(T::ExpiredText)) } }
            (ctx.facts(lang))
            p { a href=(session_page) { (lang.t(T::BackToSession)) } }
        };
        (T::ExpiredHeading, body)
    } else if let Status::Held { expires_at } = registration.status {
        let body = html! {
            h1 { (lang.t(T::ConfirmHeading)) ": " (ctx.view.title) }
            div.notice.wait role="status" {
                p { (lang.check_mailbox(ctx.view.local(expires_at))) }
            }
            (ctx.facts(lang))
            p { (lang.t(T::ConfirmText)) }
            form method="post" action=(here) {
                input type="hidden" name=(csrf::FIELD) value=(csrf.token());
                input type="hidden" name="lang" value=(lang.code());
                button type="submit" { (lang.t(T::ConfirmButton)) }
            }
        };
        (T::ConfirmHeading, body)
    } else {
        let body = html! {
            h1 { (lang.t(T::ConfirmHeading)) ": " (ctx.view.title) }
            @if matches!(registration.status, Status::Confirmed | Status::Attended | Status::NoShow) {
                div.notice.ok role="status" { p { (lang.t(T::ConfirmedAddressText)) } }
            } @else {
                (ctx.status_notice(lang, registration))
            }
            (ctx.facts(lang))
            p { a href=(session_page) { (lang.t(T::BackToSession)) } }
        };
        (T::ConfirmHeading, body)
    };
    let mut response = html_response(
        StatusCode::OK,
        page(
            lang,
            lang.t(heading),
            ctx.switch_link(here, lang).as_deref(),
            body,
        ),
    );
    csrf.set_cookie(&mut response);
    Ok(response)
}
