//! `/link-perso` ("Ho perso il link") and `/miei-dati` ("I miei dati"): forms that ask, by
//! e-mail address, for the manage links of the address's live registrations or for a one-time
//! link to everything held about it. The message goes to the address, never to the page.
//!
//! **The answer says nothing about the address**: known, unknown, or over its hourly limit, the
//! page is the same 200 with the same text ("if the address has …, we have written to it"), so
//! nobody learns who is registered; only a malformed address (422), a stale form (403) or too
//! many posts from one network address (429, the per-IP limit of every public write) differ, and
//! those depend on the request alone. The store decides what to post
//! (`Store::request_lost_links`, `Store::request_data_link`) and counts the requests per address.

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::html;
use skillhub_core::person::Email;

use super::PageLang;
use super::csrf::{self, Csrf};
use super::i18n::{Lang, Speak as _, T};
use super::layout::{page, switch_link, with_lang};
use super::manage::{checked, form_parts};
use super::{WebError, html_response};
use crate::extract::RateLimited;
use crate::openapi::FormRefusals;
use crate::problem::ApiError;
use crate::state::AppState;

/// One of the two forms: what it says and where it posts.
#[derive(Debug, Clone, Copy)]
struct Ask {
    /// The page's path (GET shows the form, POST asks).
    path: &'static str,
    heading: T,
    intro: T,
    button: T,
    /// The answer, whatever the address.
    sent: T,
}

const LOST_LINKS: Ask = Ask {
    path: "/link-perso",
    heading: T::LostHeading,
    intro: T::LostIntro,
    button: T::LostButton,
    sent: T::LostSent,
};

const DATA_LINK: Ask = Ask {
    path: "/miei-dati",
    heading: T::MyDataHeading,
    intro: T::MyDataIntro,
    button: T::MyDataButton,
    sent: T::MyDataSent,
};

/// The form of `ask`, with the address typed so far and its problem (then 422).
fn form(ask: Ask, lang: Lang, csrf: &Csrf, typed: &str, problem: Option<T>) -> Response {
    let body = html! {
        h1 { (lang.t(ask.heading)) }
        p { (lang.t(ask.intro)) }
        form method="post" action=(ask.path) novalidate {
            input type="hidden" name=(csrf::FIELD) value=(csrf.token());
            input type="hidden" name="lang" value=(lang.code());
            div.field {
                label for="f-email" { (lang.t(T::Email)) }
                input #f-email type="email" name="email" value=(typed) autocomplete="email" required
                    aria-invalid=[problem.map(|_| "true")]
                    aria-describedby=[problem.map(|_| "e-email")];
                @if let Some(problem) = problem {
                    p.error #e-email role="alert" { (lang.t(problem)) }
                }
            }
            button type="submit" { (lang.t(ask.button)) }
        }
        p { a href=(with_lang("/", lang)) { (lang.t(T::BackToCatalog)) } }
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
            lang.t(ask.heading),
            Some(&switch_link(ask.path, lang)),
            body,
        ),
    );
    csrf.set_cookie(&mut response);
    response
}

/// The answer to every well-formed request of `ask`: the same bytes whatever the address.
fn answer(ask: Ask, lang: Lang) -> Response {
    let body = html! {
        h1 { (lang.t(T::RequestHeading)) }
        div.notice.ok role="status" { p { (lang.t(ask.sent)) } }
        p { (lang.t(T::RequestAfter)) }
        p { a href=(with_lang("/", lang)) { (lang.t(T::BackToCatalog)) } }
    };
    html_response(
        StatusCode::OK,
        page(
            lang,
            lang.t(T::RequestHeading),
            Some(&switch_link(ask.path, lang)),
            body,
        ),
    )
}

/// Which request a post makes of the store.
#[derive(Debug, Clone, Copy)]
enum Request {
    LostLinks,
    DataLink,
}

/// Handles a post of `ask`'s form: checks the form, asks the store, answers neutrally.
async fn ask_for(
    request: Request,
    limited: Result<RateLimited, ApiError>,
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let ask = match request {
        Request::LostLinks => LOST_LINKS,
        Request::DataLink => DATA_LINK,
    };
    let (lang, fields) = form_parts(lang, form);
    let result = async {
        limited?;
        let fields = checked(csrf, fields)?;
        let typed = fields
            .iter()
            .find(|(k, _)| k == "email")
            .map_or("", |(_, v)| v.trim());
        if typed.is_empty() {
            return Ok(self::form(ask, lang, csrf, typed, Some(T::Required)));
        }
        let Ok(email) = Email::parse(typed) else {
            return Ok(self::form(ask, lang, csrf, typed, Some(T::BadEmail)));
        };
        let store = state.store();
        match request {
            Request::LostLinks => store.request_lost_links(&email, lang, Utc::now()).await?,
            Request::DataLink => store.request_data_link(&email, lang, Utc::now()).await?,
        }
        Ok::<_, WebError>(answer(ask, lang))
    };
    result.await.unwrap_or_else(|err| err.render(lang))
}

/// The "Ho perso il link" form.
#[utoipa::path(get, path = "/link-perso", tag = "pages",
    params(("lang" = Option<String>, Query, description = "`it` (default) or `en`")),
    responses(
        (status = 200, description = "A form asking for the e-mail address whose manage links to send (HTML)", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn lost_links_page(PageLang(lang): PageLang, csrf: Csrf) -> Response {
    form(LOST_LINKS, lang, &csrf, "", None)
}

/// Asks for the manage links of an address's live registrations, mailed to the address.
#[utoipa::path(post, path = "/link-perso", tag = "pages",
    request_body(content = AddressForm, content_type = "application/x-www-form-urlencoded",
        description = "`email`, `csrf` (equal to the `skillhub_csrf` cookie) and `lang`"),
    responses(
        (status = 200, description = "The same page whatever the address: known or not, over its hourly limit or not (HTML)", body = String, content_type = "text/html"),
        (status = 403, description = "The CSRF field does not match the cookie (HTML)", body = String, content_type = "text/html"),
        (status = 422, description = "No address, or not an address: the form again with the message (HTML)", body = String, content_type = "text/html"),
        FormRefusals,
    ))]
pub(crate) async fn request_lost_links(
    limited: Result<RateLimited, ApiError>,
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    ask_for(Request::LostLinks, limited, &state, lang, &csrf, form).await
}

/// The "I miei dati" form.
#[utoipa::path(get, path = "/miei-dati", tag = "pages",
    params(("lang" = Option<String>, Query, description = "`it` (default) or `en`")),
    responses(
        (status = 200, description = "A form asking for the e-mail address to send a one-time data link to (HTML)", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn data_link_page(PageLang(lang): PageLang, csrf: Csrf) -> Response {
    form(DATA_LINK, lang, &csrf, "", None)
}

/// Asks for a one-time link to everything held about an address, mailed to the address.
#[utoipa::path(post, path = "/miei-dati", tag = "pages",
    request_body(content = AddressForm, content_type = "application/x-www-form-urlencoded",
        description = "`email`, `csrf` (equal to the `skillhub_csrf` cookie) and `lang`"),
    responses(
        (status = 200, description = "The same page whatever the address: known or not, over its hourly limit or not (HTML)", body = String, content_type = "text/html"),
        (status = 403, description = "The CSRF field does not match the cookie (HTML)", body = String, content_type = "text/html"),
        (status = 422, description = "No address, or not an address: the form again with the message (HTML)", body = String, content_type = "text/html"),
        FormRefusals,
    ))]
pub(crate) async fn request_data_link(
    limited: Result<RateLimited, ApiError>,
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    ask_for(Request::DataLink, limited, &state, lang, &csrf, form).await
}

/// The fields of the two address forms as the OpenAPI document describes them.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used, by the OpenAPI document.
pub(crate) struct AddressForm {
    /// The e-mail address.
    email: String,
    /// Equal to the `skillhub_csrf` cookie.
    csrf: Option<String>,
    /// `it` or `en`: the language of the answer and of the message.
    lang: Option<String>,
}
