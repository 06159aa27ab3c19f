//! The public web pages, in Italian (English with `?lang=en` or `Accept-Language`): the catalog,
//! a session's page with its registration form, the manage page a registration's secret link
//! opens (status, calendar file, cancellation, the person's data and its erasure), the pages
//! that ask by e-mail address for lost manage links or a one-time link to all of an address's
//! data ([`by_address`], [`data`]), and the page of the link that confirms a held seat's address.
//!
//! Pages are rendered on the server with maud (templates checked at compile time) and work
//! without JavaScript; the style sheet is inline and nothing is loaded from elsewhere (the
//! `Content-Security-Policy` says so). Forms carry a double-submit CSRF token ([`csrf`]), so the
//! server stays stateless. Every decision is the API's: registering goes through
//! [`crate::registrations::enrol`], seats and erasure through the store, eligibility and
//! priority through core; this module parses forms and writes HTML.

pub(crate) mod by_address;
pub(crate) mod catalog;
pub(crate) mod confirm;
pub(crate) mod csrf;
pub(crate) mod data;
mod i18n;
pub(crate) mod layout;
pub(crate) mod manage;
pub(crate) mod session;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use skillhub_core::session::Mode;
use skillhub_core::window::WindowState;

use crate::problem::ApiError;
use crate::state::AppState;

use by_address::{data_link_page, lost_links_page, request_data_link, request_lost_links};
use data::{data_erase, data_json, data_page};
use manage::{cancel, erase, ics, manage_page};
use session::{register, session_page};

pub(crate) use i18n::Lang;
use i18n::{Speak as _, T};
use layout::{page, switch_link, with_lang};

/// The HTML routes other than `/` (which `server.rs` routes with the API's).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/incontri/{id}", get(session_page).post(register))
        .route("/iscrizioni/{id}/{token}", get(manage_page))
        .route(
            "/iscrizioni/{id}/conferma/{token}",
            get(confirm::confirm_page).post(confirm::confirm),
        )
        .route("/iscrizioni/{id}/{token}/incontro.ics", get(ics))
        .route("/iscrizioni/{id}/{token}/dati.json", get(manage::data))
        .route("/iscrizioni/{id}/{token}/annulla", post(cancel))
        .route("/iscrizioni/{id}/{token}/cancella-dati", post(erase))
        .route("/link-perso", get(lost_links_page).post(request_lost_links))
        .route("/miei-dati", get(data_link_page).post(request_data_link))
        .route("/miei-dati/{token}", get(data_page))
        .route("/miei-dati/{token}/dati.json", get(data_json))
        .route("/miei-dati/{token}/cancella", post(data_erase))
}

/// The language a page request asks for (`?lang=`, then `Accept-Language`, else Italian), as an
/// extractor: core's [`Lang`] cannot be one itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageLang(pub(crate) Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().and_then(|q| {
            q.split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(name, _)| *name == "lang")
                .map(|(_, value)| value.to_owned())
        });
        Ok(PageLang(Lang::choose(query.as_deref(), &parts.headers)))
    }
}

/// What a page request can fail with; each is shown as a page in the request's language.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WebError {
    /// No such session or page (404).
    #[error("no such page")]
    NotFound,
    /// A manage link whose registration or token is wrong (404, so ids cannot be probed).
    #[error("the manage link is not valid")]
    BadLink,
    /// A data link that no longer works: expired, or spent by an erasure (410).
    #[error("the data link has expired or was used to erase")]
    DataLinkGone,
    /// A data link nobody was given (404).
    #[error("the data link is not valid")]
    DataLinkUnknown,
    /// A form whose CSRF field does not match its cookie (403).
    #[error("the form's CSRF token does not match its cookie")]
    Csrf,
    /// A form body that is not a form (400).
    #[error("the request body is not a form: {0}")]
    BadForm(String),
    /// Over the rate limit (429).
    #[error("too many requests: retry after {0} s")]
    RateLimited(u64),
    /// The database is busy or unreachable (503, `Retry-After`); the cause is logged.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// Not the visitor's doing (500); the cause is logged.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ApiError> for WebError {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::NotFound(_) => WebError::NotFound,
            ApiError::RateLimited { retry_after } => WebError::RateLimited(retry_after),
            ApiError::Unavailable(cause) => WebError::Unavailable(cause),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<skillhub_store::Error> for WebError {
    fn from(err: skillhub_store::Error) -> Self {
        WebError::from(ApiError::from(err))
    }
}

/// A `Result` whose error is a [`WebError`].
pub(crate) type WebResult<T> = Result<T, WebError>;

impl WebError {
    /// The error as a page in `lang`.
    pub(crate) fn render(self, lang: Lang) -> Response {
        let (status, heading, text) = match &self {
            WebError::NotFound => (StatusCode::NOT_FOUND, T::NotFoundHeading, T::NotFoundText),
            WebError::BadLink => (StatusCode::NOT_FOUND, T::BadLinkHeading, T::BadLinkText),
            WebError::DataLinkGone => (StatusCode::GONE, T::DataGoneHeading, T::DataGoneText),
            WebError::DataLinkUnknown => (
                StatusCode::NOT_FOUND,
                T::DataUnknownHeading,
                T::DataUnknownText,
            ),
            WebError::Csrf => (StatusCode::FORBIDDEN, T::CsrfHeading, T::CsrfText),
            WebError::BadForm(_) => (StatusCode::BAD_REQUEST, T::CsrfHeading, T::CsrfText),
            WebError::RateLimited(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                T::TooManyHeading,
                T::TooManyText,
            ),
            WebError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    T::ErrorHeading,
                    T::ErrorText,
                )
            }
            WebError::Internal(cause) => {
                tracing::error!(%cause, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    T::ErrorHeading,
                    T::ErrorText,
                )
            }
        };
        let ask_again = matches!(self, WebError::DataLinkGone | WebError::DataLinkUnknown);
        let body = html! {
            h1 { (lang.t(heading)) }
            p { (lang.t(text)) }
            @if ask_again {
                p { a href=(with_lang("/miei-dati", lang)) { (lang.t(T::AskAgain)) } }
            }
            p { a href=(with_lang("/", lang)) { (lang.t(T::BackToCatalog)) } }
        };
        let mut response = html_response(
            status,
            page(lang, lang.t(heading), Some(&switch_link("/", lang)), body),
        );
        let retry_after = match self {
            WebError::RateLimited(seconds) => Some(seconds),
            WebError::Unavailable(_) => Some(crate::problem::RETRY_UNAVAILABLE),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A page as a response: HTML, never cached (pages show live seat counts and secret links), no
/// referrer (manage links carry a token), and a policy that allows nothing from elsewhere.
pub(crate) fn html_response(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

/// How people attend, in words.
pub(crate) fn mode_text(lang: Lang, mode: Mode) -> &'static str {
    match mode {
        Mode::Online => lang.t(T::Online),
        Mode::Hybrid => lang.t(T::Hybrid),
        Mode::InPerson => lang.t(T::InPerson),
    }
}

/// Where a session's registration window stands now: the page shows the form only when it is
/// open (a window that no longer reads counts as closed: no form is better than one that
/// cannot be answered). The store decides again under the session's lock.
pub(crate) fn window_now(view: &skillhub_store::SessionView) -> WindowState {
    view.window().map_or(
        WindowState::Closed {
            closed_at: view.starts_at,
        },
        |window| window.state_at(chrono::Utc::now()),
    )
}

/// An instant as the civil time of the session's zone (none when the stored zone no longer
/// reads: the page leaves the time out rather than fail).
pub(crate) fn local_time(
    view: &skillhub_store::SessionView,
    at: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::NaiveDateTime> {
    view.local(at)
}
