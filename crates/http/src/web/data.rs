//! `/miei-dati/{token}`: the page a one-time data link opens ("I miei dati") — everything held
//! about the link's address (`Store::person_data`), its download as JSON, and the erasure of it
//! all (`Store::erase_by_data_link`, after a confirmation).
//!
//! The link was mailed to the address (`/miei-dati` asks for it), so opening it proves the
//! address is the holder's: it reaches the whole address, unlike a manage link, which reaches its
//! registration only. It works for an hour ([`skillhub_store::DATA_LINK_VALIDITY`]); the page and
//! the download may be opened any number of times until then, and an erasure spends it (and every
//! other link of the address). A link that no longer works is a 410 page, one nobody was given a
//! 404 page, each saying how to ask for a new one.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use skillhub_core::capacity::Status;
use skillhub_core::person::Email;
use skillhub_core::tz::Zone;
use skillhub_store::{DataLink, HeldRegistration, PersonData};

use super::PageLang;
use super::csrf::{self, Csrf};
use super::i18n::{Lang, Speak as _, T};
use super::layout::{page, switch_link, with_lang};
use super::manage::{ManageForm, checked, download, form_parts};
use super::{WebError, WebResult, html_response};
use crate::extract::RateLimited;
use crate::openapi::FormRefusals;
use crate::problem::ApiError;
use crate::state::AppState;

/// The path of the data page with the secret `token`, in `lang`: what a data-link message links
/// to (on the public URL).
pub(crate) fn path(token: &str, lang: Lang) -> String {
    with_lang(&base(token), lang)
}

fn base(token: &str) -> String {
    format!("/miei-dati/{token}")
}

/// The address the link opens and until when, if it is open now.
async fn opened(state: &AppState, token: &str) -> WebResult<(Email, DateTime<Utc>)> {
    match state.store().data_link(token, Utc::now()).await? {
        DataLink::Open { email, valid_until } => Ok((email, valid_until)),
        DataLink::Gone => Err(WebError::DataLinkGone),
        DataLink::Unknown => Err(WebError::DataLinkUnknown),
    }
}

/// An instant as Italian civil time (the messages say "ora italiana" too).
fn italian(at: DateTime<Utc>) -> Option<chrono::NaiveDateTime> {
    Zone::rome().to_local(at).ok()
}

/// A held registration's status in words.
fn status_text(lang: Lang, registration: &HeldRegistration) -> String {
    match registration.status {
        Status::Confirmed => lang.t(T::Confirmed).to_owned(),
        Status::Waitlisted { position } => {
            lang.waitlisted_at(registration.position.unwrap_or(position))
        }
        Status::Attended => lang.t(T::Attended).to_owned(),
        Status::NoShow => lang.t(T::NoShow).to_owned(),
        _ => lang.t(T::Cancelled).to_owned(),
    }
}

/// A moment in words, or RFC 3339 when the zone cannot say it.
fn moment(lang: Lang, at: DateTime<Utc>) -> String {
    italian(at).map_or_else(|| at.to_rfc3339(), |local| lang.moment(local))
}

/// One registration as the page lists it.
fn registration(lang: Lang, held: &HeldRegistration) -> Markup {
    html! {
        li {
            h3 { (held.session_title) }
            dl.facts {
                dt { (lang.t(T::When)) }
                dd { (moment(lang, held.session_starts_at)) }
                dt { (lang.t(T::Status)) }
                dd { (status_text(lang, held)) }
                dt { (lang.t(T::Name)) }
                dd { (held.name) }
                dt { (lang.t(T::DataRegisteredOn)) }
                dd { (moment(lang, held.created_at)) }
            }
        }
    }
}

/// The data page of `data` at `here`, with `problem` shown at the erasure form (then 422).
fn data_response(
    lang: Lang,
    csrf: &Csrf,
    data: &PersonData,
    valid_until: DateTime<Utc>,
    here: &str,
    problem: Option<T>,
) -> Response {
    let body = html! {
        h1 { (lang.t(T::YourData)) }
        div.notice role="status" {
            p { (italian(valid_until).map_or_else(String::new, |at| lang.valid_until(at))) }
        }
        dl.facts {
            dt { (lang.t(T::Email)) }
            dd { (data.email) }
        }
        h2 { (lang.t(T::DataRegistrations)) }
        @if data.registrations.is_empty() {
            p { (lang.t(T::DataNone)) }
        } @else {
            ul.sessions {
                @for held in &data.registrations { (registration(lang, held)) }
            }
        }
        p { a.button.secondary href=(format!("{here}/dati.json")) download { (lang.t(T::DataDownload)) } }
        h2 #cancella { (lang.t(T::DataEraseHeading)) }
        p { (lang.t(T::DataEraseText)) }
        form method="post" action=(format!("{here}/cancella")) {
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
            lang.t(T::YourData),
            Some(&switch_link(here, lang)),
            body,
        ),
    );
    csrf.set_cookie(&mut response);
    response
}

/// Everything held about the link's address, as a page.
#[utoipa::path(get, path = "/miei-dati/{token}", tag = "pages",
    params(
        ("token" = String, Path, description = "The data link's one-time secret"),
        ("lang" = Option<String>, Query, description = "`it` (default) or `en`"),
    ),
    responses(
        (status = 200, description = "The address's registrations, a JSON download and the erasure form (HTML)", body = String, content_type = "text/html"),
        (status = 404, description = "No such link (HTML)", body = String, content_type = "text/html"),
        (status = 410, description = "The link expired (it works one hour) or was spent by an erasure (HTML)", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn data_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    Path(token): Path<String>,
) -> Response {
    let result = async {
        let (email, valid_until) = opened(&state, &token).await?;
        let data = state.store().person_data(&email).await?;
        Ok::<_, WebError>(data_response(
            lang,
            &csrf,
            &data,
            valid_until,
            &base(&token),
            None,
        ))
    };
    result.await.unwrap_or_else(|err| err.render(lang))
}

/// Everything held about the link's address, as JSON.
#[utoipa::path(get, path = "/miei-dati/{token}/dati.json", tag = "pages",
    params(("token" = String, Path, description = "The data link's one-time secret")),
    responses(
        (status = 200, description = "The address, its registrations with their sessions, and their audit lines", body = Object, content_type = "application/json"),
        (status = 404, description = "No such link (HTML)", body = String, content_type = "text/html"),
        (status = 410, description = "The link expired or was spent by an erasure (HTML)", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn data_json(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Path(token): Path<String>,
) -> Response {
    let result = async {
        let (email, _) = opened(&state, &token).await?;
        let data = state.store().person_data(&email).await?;
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

/// Erases everything held about the link's address (live registrations are cancelled first);
/// the link stops working.
#[utoipa::path(post, path = "/miei-dati/{token}/cancella", tag = "pages",
    params(("token" = String, Path, description = "The data link's one-time secret")),
    request_body(content = ManageForm, content_type = "application/x-www-form-urlencoded",
        description = "`confirm=yes`, `csrf` (equal to the `skillhub_csrf` cookie) and `lang`"),
    responses(
        (status = 200, description = "Erased: every registration of the address anonymised (live ones cancelled first); every data link of the address stops working (HTML)", body = String, content_type = "text/html"),
        (status = 403, description = "The CSRF field does not match the cookie (HTML)", body = String, content_type = "text/html"),
        (status = 404, description = "No such link (HTML)", body = String, content_type = "text/html"),
        (status = 410, description = "The link expired or was already spent by an erasure (HTML)", body = String, content_type = "text/html"),
        (status = 422, description = "Not confirmed: the data page again, with the message (HTML)", body = String, content_type = "text/html"),
        FormRefusals,
    ))]
pub(crate) async fn data_erase(
    limited: Result<RateLimited, ApiError>,
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    Path(token): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let (lang, fields) = form_parts(lang, form);
    let result = async {
        limited?;
        let fields = checked(&csrf, fields)?;
        let (email, valid_until) = opened(&state, &token).await?;
        if !fields.iter().any(|(k, v)| k == "confirm" && v == "yes") {
            let data = state.store().person_data(&email).await?;
            let problem = Some(T::EraseConfirmRequired);
            return Ok(data_response(
                lang,
                &csrf,
                &data,
                valid_until,
                &base(&token),
                problem,
            ));
        }
        // Spent by another erasure in between: the same page as a spent link.
        let erasure = state
            .store()
            .erase_by_data_link(&token, Utc::now())
            .await?
            .ok_or(WebError::DataLinkGone)?;
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
