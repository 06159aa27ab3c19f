//! `/iscrizioni/{id}/{token}`: the manage page a registration's secret link opens, without any
//! e-mail — its status and waiting position, the session as an `.ics` file, cancellation (the
//! seat goes to the head of the waiting list at once), the person's data as JSON and its
//! erasure. A wrong id or token is the same "invalid link" page, so links cannot be probed.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;

use skillhub_core::capacity::Status;
use skillhub_store::RegistrationView;

use super::PageLang;
use super::csrf::{self, Csrf};
use super::i18n::{Lang, Speak as _, T};
use super::layout::{page, switch_link, with_lang};
use super::session::SessionCtx;
use super::{WebError, WebResult, html_response};
use crate::calendar::{calendar_text, core_session};
use crate::extract::RateLimited;
use crate::openapi::FormRefusals;
use crate::problem::ApiError;
use crate::state::AppState;

/// The registration the link names, when its token is right.
async fn authorized(state: &AppState, id: &str, token: &str) -> WebResult<RegistrationView> {
    let id: i64 = id.parse().map_err(|_| WebError::BadLink)?;
    if !state.store().check_manage_token(id, token).await? {
        return Err(WebError::BadLink);
    }
    state
        .store()
        .registration(id)
        .await?
        .ok_or(WebError::BadLink)
}

fn base(id: &str, token: &str) -> String {
    format!("/iscrizioni/{id}/{token}")
}

/// The path of registration `id`'s manage page with the secret `token`, in `lang`: the link
/// shown after registering and the one the messages carry (on the public URL).
pub(crate) fn path(id: i64, token: &str, lang: Lang) -> String {
    with_lang(&format!("/iscrizioni/{id}/{token}"), lang)
}

/// A registration's manage page.
#[utoipa::path(get, path = "/iscrizioni/{id}/{token}", tag = "pages",
    params(
        ("id" = i64, Path, description = "Registration id"),
        ("token" = String, Path, description = "The registration's manage token"),
        ("lang" = Option<String>, Query, description = "`it` (default) or `en`"),
    ),
    responses(
        (status = 200, description = "Status, waiting position, calendar file, cancellation, data export and erasure (HTML)", body = String, content_type = "text/html"),
        (status = 404, description = "A wrong id or token (HTML)", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn manage_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    headers: HeaderMap,
    Path((id, token)): Path<(String, String)>,
) -> Response {
    let result = async {
        let registration = authorized(&state, &id, &token).await?;
        let page = ManagePage {
            csrf: &csrf,
            headers: &headers,
            here: &base(&id, &token),
        };
        manage_response(&state, lang, &page, &registration, None).await
    };
    result.await.unwrap_or_else(|err| err.render(lang))
}

/// What the manage page needs of its request: the CSRF token, the headers (for the host the
/// check-in code points to) and its own path.
struct ManagePage<'a> {
    csrf: &'a Csrf,
    headers: &'a HeaderMap,
    here: &'a str,
}

/// The manage page of `registration`, with `problem` shown at the erasure form.
async fn manage_response(
    state: &AppState,
    lang: Lang,
    request: &ManagePage<'_>,
    registration: &RegistrationView,
    problem: Option<T>,
) -> WebResult<Response> {
    let (csrf, here) = (request.csrf, request.here);
    let ctx = SessionCtx::load(state, registration.session_id.as_str()).await?;
    let lang = ctx.lang(lang);
    let live = registration.status.is_live();
    // A confirmed seat gets the code staff scan at the door; it holds no secret.
    let checkin = (registration.status == Status::Confirmed)
        .then(|| {
            let url = crate::qr::checkin_url(state, request.headers, registration.id);
            crate::qr::svg(&url, lang.t(T::CheckinLabel), 240)
        })
        .flatten();
    let body = html! {
        h1 { (lang.t(T::ManageHeading)) ": " (ctx.view.title) }
        (ctx.status_notice(lang, registration))
        (ctx.facts(lang))
        p { a.button.secondary href=(format!("{here}/incontro.ics")) download { (lang.t(T::DownloadIcs)) } }
        p { a href=(with_lang(&format!("/incontri/{}", ctx.view.id), lang)) { (lang.t(T::BackToSession)) } }
        @if let Some(code) = checkin {
            h2 { (lang.t(T::CheckinHeading)) }
            p { (lang.t(T::CheckinText)) }
            div.qr { (code) }
        }
        @if live {
            h2 { (lang.t(T::CancelHeading)) }
            p { (lang.t(T::CancelText)) }
            form method="post" action=(format!("{here}/annulla")) {
                input type="hidden" name=(csrf::FIELD) value=(csrf.token());
                input type="hidden" name="lang" value=(lang.code());
                button.danger type="submit" { (lang.t(T::CancelButton)) }
            }
        }
        h2 { (lang.t(T::YourData)) }
        p { (lang.t(T::YourDataText)) }
        p { a href=(format!("{here}/dati.json")) download { (lang.t(T::DownloadData)) } }
        h3 #cancella { (lang.t(T::EraseHeading)) }
        p { (lang.t(T::EraseText)) }
        form method="post" action=(format!("{here}/cancella-dati")) {
            input type="hidden" name=(csrf::FIELD) value=(csrf.token());
            input type="hidden" name="lang" value=(lang.code());
            div.field {
                label.check for="f-confirm" {
                    input #f-confirm type="checkbox" name="confirm" value="yes"
                        aria-invalid=[problem.map(|_| "true")]
                        aria-describedby=[problem.map(|_| "e-confirm")];
                    span { (lang.t(T::EraseConfirm)) }
                }
                @if let Some(problem) = problem {
                    p.error #e-confirm role="alert" { (lang.t(problem)) }
                }
            }
            button.danger type="submit" { (lang.t(T::EraseButton)) }
        }
    };
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut response = html_response(
        status,
        page(
            lang,
            lang.t(T::ManageHeading),
            ctx.switch_link(here, lang).as_deref(),
            body,
        ),
    );
    csrf.set_cookie(&mut response);
    Ok(response)
}

/// The session of a registration as an iCalendar file.
#[utoipa::path(get, path = "/iscrizioni/{id}/{token}/incontro.ics", tag = "pages",
    params(
        ("id" = i64, Path, description = "Registration id"),
        ("token" = String, Path, description = "The registration's manage token"),
    ),
    responses(
        (status = 200, description = "RFC 5545 calendar with the session", body = String, content_type = "text/calendar"),
        (status = 404, description = "A wrong id or token (HTML)", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn ics(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Path((id, token)): Path<(String, String)>,
) -> Response {
    let result = async {
        let registration = authorized(&state, &id, &token).await?;
        let ctx = SessionCtx::load(&state, registration.session_id.as_str()).await?;
        let session = core_session(&ctx.view)?;
        let program = state.program(ctx.view.program_id.as_str()).await?;
        let name = program
            .as_ref()
            .map_or_else(|| "skillhub".to_owned(), |p| p.name().to_owned());
        let text = calendar_text(&name, &[&session], |_| program.as_deref());
        Ok::<_, WebError>(download(
            text,
            "text/calendar; charset=utf-8",
            &format!("{}.ics", ctx.view.id),
        ))
    };
    result.await.unwrap_or_else(|err| err.render(lang))
}

/// Everything held about this registration (and nothing about the address's other
/// registrations: the link proves only that its holder received this one), as JSON.
#[utoipa::path(get, path = "/iscrizioni/{id}/{token}/dati.json", tag = "pages",
    params(
        ("id" = i64, Path, description = "Registration id"),
        ("token" = String, Path, description = "The registration's manage token"),
    ),
    responses(
        (status = 200, description = "This registration, its session and its audit lines (nothing about other registrations of the address)", body = Object, content_type = "application/json"),
        (status = 404, description = "A wrong id or token (HTML)", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn data(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Path((id, token)): Path<(String, String)>,
) -> Response {
    let result = async {
        let registration = authorized(&state, &id, &token).await?;
        let data = state
            .store()
            .registration_data(registration.id)
            .await?
            .ok_or(WebError::BadLink)?;
        let text = serde_json::to_string_pretty(&data)
            .map_err(|err| WebError::Internal(err.to_string()))?;
        Ok::<_, WebError>(download(
            text,
            "application/json",
            "skillhub-dati-personali.json",
        ))
    };
    result.await.unwrap_or_else(|err| err.render(lang))
}

/// Cancels the registration; the head of the waiting list gets the seat.
#[utoipa::path(post, path = "/iscrizioni/{id}/{token}/annulla", tag = "pages",
    params(
        ("id" = i64, Path, description = "Registration id"),
        ("token" = String, Path, description = "The registration's manage token"),
    ),
    request_body(content = ManageForm, content_type = "application/x-www-form-urlencoded",
        description = "`csrf` (equal to the `skillhub_csrf` cookie) and `lang`"),
    responses(
        (status = 303, description = "Cancelled (or already not live): back to the manage page",
            headers(("Location" = String, description = "The manage page"))),
        (status = 403, description = "The CSRF field does not match the cookie (HTML)", body = String, content_type = "text/html"),
        (status = 404, description = "A wrong id or token (HTML)", body = String, content_type = "text/html"),
        FormRefusals,
    ))]
pub(crate) async fn cancel(
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
        let actor = format!("registrant:{}", registration.id);
        match state
            .store()
            .cancel(
                &actor,
                skillhub_notify::Canceller::Person,
                registration.id,
                Utc::now(),
            )
            .await
        {
            Ok(_) | Err(skillhub_store::Error::Transition { .. }) => {}
            Err(other) => return Err(other.into()),
        }
        Ok::<_, WebError>(Redirect::to(&with_lang(&base(&id, &token), lang)).into_response())
    };
    result.await.unwrap_or_else(|err| err.render(lang))
}

/// Erases the personal data of this registration (cancelling it first when it is live); the
/// address's other registrations are not touched.
#[utoipa::path(post, path = "/iscrizioni/{id}/{token}/cancella-dati", tag = "pages",
    params(
        ("id" = i64, Path, description = "Registration id"),
        ("token" = String, Path, description = "The registration's manage token"),
    ),
    request_body(content = ManageForm, content_type = "application/x-www-form-urlencoded",
        description = "`confirm=yes`, `csrf` (equal to the `skillhub_csrf` cookie) and `lang`"),
    responses(
        (status = 200, description = "Erased: this registration anonymised (cancelled first when live, so its seat goes on); the link stops working (HTML)", body = String, content_type = "text/html"),
        (status = 403, description = "The CSRF field does not match the cookie (HTML)", body = String, content_type = "text/html"),
        (status = 404, description = "A wrong id or token (HTML)", body = String, content_type = "text/html"),
        (status = 422, description = "Not confirmed: the manage page again, with the message (HTML)", body = String, content_type = "text/html"),
        FormRefusals,
    ))]
pub(crate) async fn erase(
    limited: Result<RateLimited, ApiError>,
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    headers: HeaderMap,
    Path((id, token)): Path<(String, String)>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let (lang, fields) = form_parts(lang, form);
    let result = async {
        limited?;
        let fields = checked(&csrf, fields)?;
        let registration = authorized(&state, &id, &token).await?;
        if !fields.iter().any(|(k, v)| k == "confirm" && v == "yes") {
            let here = base(&id, &token);
            let page = ManagePage {
                csrf: &csrf,
                headers: &headers,
                here: &here,
            };
            let problem = Some(T::EraseConfirmRequired);
            return manage_response(&state, lang, &page, &registration, problem).await;
        }
        let actor = format!("registrant:{}", registration.id);
        let erasure = state
            .store()
            .erase_registration(&actor, registration.id, Utc::now())
            .await?;
        // What the person attended no longer says where they were from.
        state.progress().forget_all().await;
        let body = html! {
            h1 { (lang.t(T::ErasedHeading)) }
            div.notice.ok role="status" { p { (lang.erased(erasure.registrations.len())) } }
            p { a href=(with_lang("/", lang)) { (lang.t(T::BackToCatalog)) } }
        };
        Ok::<_, WebError>(html_response(
            StatusCode::OK,
            page(
                lang,
                lang.t(T::ErasedHeading),
                Some(&switch_link("/", lang)),
                body,
            ),
        ))
    };
    result.await.unwrap_or_else(|err| err.render(lang))
}

/// The fields of the manage page's forms (cancel, erase) and of the data page's erasure as the
/// OpenAPI document describes them.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used, by the OpenAPI document.
pub(crate) struct ManageForm {
    /// Equal to the `skillhub_csrf` cookie.
    csrf: Option<String>,
    /// `it` or `en`: the language of the answer.
    lang: Option<String>,
    /// `yes`: erasing was confirmed (the erase form only).
    confirm: Option<String>,
}

/// The form's fields and its language (the hidden `lang` wins over the request's).
pub(crate) fn form_parts(
    lang: Lang,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> (Lang, Result<Vec<(String, String)>, WebError>) {
    match form {
        Ok(Form(fields)) => {
            let lang = match fields
                .iter()
                .find(|(k, _)| k == "lang")
                .map(|(_, v)| v.as_str())
            {
                Some("en") => Lang::En,
                Some("it") => Lang::It,
                _ => lang,
            };
            (lang, Ok(fields))
        }
        Err(rejection) => (lang, Err(WebError::BadForm(rejection.body_text()))),
    }
}

/// The form, if its CSRF field matches the cookie.
pub(crate) fn checked(
    csrf: &Csrf,
    fields: Result<Vec<(String, String)>, WebError>,
) -> WebResult<Vec<(String, String)>> {
    let fields = fields?;
    let field = fields
        .iter()
        .find(|(k, _)| k == csrf::FIELD)
        .map(|(_, v)| v.as_str());
    if csrf.accepts(field) {
        Ok(fields)
    } else {
        Err(WebError::Csrf)
    }
}

/// A file to save, never cached.
pub(super) fn download(body: String, content_type: &'static str, filename: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
