//! The back office under `/gestione`: the pages a program's staff work in (Italian by default,
//! English with `?lang=en`), behind a login.
//!
//! Who may do what is core's rule ([`skillhub_core::staff::Staff::may`]); this module asks it
//! before every page and every action, and shows a refusal as a page (403), never a 500. The
//! login is a server-side session ([`login`]): a cookie whose hash is a row of `staff_logins`,
//! so a logout or a disabled account ends it at once in every process. Every form of a logged-in
//! page carries a token derived from the login's secret ([`login::Login::csrf`]), checked in
//! constant time; the login form itself carries the public pages' double-submit token. Every
//! change goes through the same store operation as the API (and so the same audit log, with
//! `staff:ID` as the actor).
//!
//! These pages are for staff, not integrators: they are not in the OpenAPI document (see
//! `docs/http.md`, "Back office").

mod checkin;
mod dashboard;
mod definition;
mod desk;
mod editor;
mod exports;
mod frame;
mod funder;
pub(crate) mod login;
mod password;
mod program;
mod register;
mod totp;
mod upload;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use maud::html;
use std::sync::Arc;

use skillhub_core::ids::{HubId, ProgramId, Tag};
use skillhub_core::program::Program;
use skillhub_core::staff::{Act, Place, Staff};
use skillhub_store::SessionView;

use crate::problem::ApiError;
use crate::state::AppState;
use crate::web::{Lang, html_response};

pub(crate) use frame::{staff_page, with_lang};
pub(crate) use login::Login;
pub use password::HashError as PasswordHashError;

/// The argon2id PHC string of `password` with a fresh salt, as a password set through a setup
/// link is stored (for [`crate::hash_staff_password`]).
pub(crate) async fn hash_password(
    password: skillhub_core::staff::Password,
) -> Result<String, PasswordHashError> {
    password::hash(password).await
}

/// The back office's routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/gestione", get(dashboard::dashboard))
        .route(
            "/gestione/accesso",
            get(login::login_page).post(login::log_in),
        )
        .route("/gestione/esci", post(login::log_out))
        .route(
            "/gestione/attiva/{token}",
            get(login::setup_page).post(login::set_password),
        )
        .route(
            "/gestione/codice",
            get(totp::code_page).post(totp::check_code),
        )
        .route("/gestione/account", get(totp::account_page))
        .route("/gestione/account/totp/on", post(totp::totp_on))
        .route("/gestione/account/totp/off", post(totp::totp_off))
        .route("/gestione/programmi/{id}", get(program::program_page))
        .merge(desk::routes())
        .merge(checkin::routes())
        .merge(exports::routes())
        .merge(funder::routes())
        .merge(register::routes())
        .merge(editor::routes())
        .merge(upload::routes())
        .merge(definition::routes())
}

/// The path of the page where the holder of setup link `token` sets their password.
pub(crate) fn setup_path(token: &str) -> String {
    format!("/gestione/attiva/{token}")
}

/// What a back-office page can fail with; each is a page in the staff's language.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StaffError {
    /// No such session, registration or page (404).
    #[error("no such page")]
    NotFound,
    /// Something the address names that does not exist, said in the staff's language (404):
    /// a partner a program does not have.
    #[error("not found: {0}")]
    Missing(String),
    /// Logged in, but this is not theirs (403).
    #[error("not in this account's scope")]
    Forbidden,
    /// A form whose CSRF field is wrong (403).
    #[error("the form's CSRF token does not match")]
    Csrf,
    /// An act the store or the page refused, with what to do about it, in the staff's
    /// language (409).
    #[error("refused: {0}")]
    Refused(String),
    /// A body that is not the form it should be (400).
    #[error("the request body is not a form: {0}")]
    BadForm(String),
    /// Over a rate limit (429).
    #[error("too many requests: retry after {0} s")]
    RateLimited(u64),
    /// The database is busy or unreachable (503); the cause is logged.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// Not the user's doing (500); the cause is logged.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ApiError> for StaffError {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::NotFound(_) => StaffError::NotFound,
            ApiError::Forbidden => StaffError::Forbidden,
            ApiError::RateLimited { retry_after } => StaffError::RateLimited(retry_after),
            ApiError::Unavailable(cause) => StaffError::Unavailable(cause),
            other => StaffError::Internal(other.to_string()),
        }
    }
}

impl From<skillhub_store::Error> for StaffError {
    fn from(err: skillhub_store::Error) -> Self {
        StaffError::from(ApiError::from(err))
    }
}

/// A `Result` whose error is a [`StaffError`].
pub(crate) type StaffResult<T> = Result<T, StaffError>;

impl StaffError {
    /// The error as a page in `lang`; `login` adds the staff's menu when there is one.
    pub(crate) fn render(self, lang: Lang, login: Option<&Login>) -> Response {
        let (status, heading, text) = match &self {
            StaffError::NotFound => (
                StatusCode::NOT_FOUND,
                lang.pick("Pagina non trovata", "Page not found"),
                lang.pick(
                    "Questa pagina non esiste, o non esiste più.",
                    "This page does not exist, or no longer does.",
                ),
            ),
            StaffError::Missing(what) => (
                StatusCode::NOT_FOUND,
                lang.pick("Non trovato", "Not found"),
                what.as_str(),
            ),
            StaffError::Forbidden => (
                StatusCode::FORBIDDEN,
                lang.pick("Accesso non consentito", "Not allowed"),
                lang.pick(
                    "Il tuo account non ha accesso a questa pagina: riguarda un programma, una sede o un incontro che non gestisci.",
                    "Your account cannot open this page: it belongs to a program, a hub or a session you do not run.",
                ),
            ),
            StaffError::Csrf | StaffError::BadForm(_) => (
                if matches!(self, StaffError::Csrf) {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::BAD_REQUEST
                },
                lang.pick("Modulo scaduto", "Form expired"),
                lang.pick(
                    "Il modulo non è stato accettato: ricarica la pagina e riprova.",
                    "The form was not accepted: reload the page and try again.",
                ),
            ),
            StaffError::Refused(why) => (
                StatusCode::CONFLICT,
                lang.pick("Operazione non eseguita", "Not done"),
                why.as_str(),
            ),
            StaffError::RateLimited(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                lang.pick("Troppe richieste", "Too many requests"),
                lang.pick(
                    "Hai inviato troppe richieste in poco tempo: attendi un minuto e riprova.",
                    "You sent too many requests in a short time: wait a minute and try again.",
                ),
            ),
            StaffError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    lang.pick("Servizio momentaneamente non disponibile", "Service unavailable"),
                    lang.pick(
                        "Il servizio è momentaneamente occupato: riprova tra qualche secondo.",
                        "The service is busy: try again in a few seconds.",
                    ),
                )
            }
            StaffError::Internal(cause) => {
                tracing::error!(%cause, "back-office page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    lang.pick("Si è verificato un errore", "Something went wrong"),
                    lang.pick(
                        "Non è stato possibile completare l'operazione. Riprova più tardi.",
                        "The operation could not be completed. Try again later.",
                    ),
                )
            }
        };
        let body = html! {
            h1 { (heading) }
            p { (text) }
            p { a href=(with_lang("/gestione", lang)) { (lang.pick("Torna alla bacheca", "Back to the dashboard")) } }
        };
        let mut response =
            html_response(status, staff_page(lang, heading, login, "/gestione", body));
        let retry_after = match self {
            StaffError::RateLimited(seconds) => Some(seconds),
            StaffError::Unavailable(_) => Some(crate::problem::RETRY_UNAVAILABLE),
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

/// What core's staff rule reads of a program besides a session's own row: which partner runs
/// which hub. Loaded only for an account bound to a partner (no other scope reads it), from the
/// program as it stands, so a hub given to the partner later is reached at once.
pub(crate) struct Runners(Option<Arc<Program>>);

impl Runners {
    /// The runners `staff`'s rule needs (none unless it is bound to a partner).
    pub(crate) async fn load(state: &AppState, staff: &Staff) -> StaffResult<Runners> {
        match (staff.scope.partner(), staff.scope.program()) {
            (Some(_), Some(program)) => Ok(Runners(state.program(program.as_str()).await?)),
            _ => Ok(Runners(None)),
        }
    }

    /// The partner that runs `hub` of `program`, when the loaded program says.
    pub(crate) fn partner<'a>(
        &'a self,
        program: &ProgramId,
        hub: Option<&HubId>,
    ) -> Option<&'a Tag> {
        let loaded = self.0.as_ref().filter(|p| p.id() == program)?;
        loaded.hub(hub?)?.partner.as_ref()
    }

    /// A session as core's staff rule reads it, for `staff`: its program, its hub, the partner
    /// that runs the hub, and whether `staff` trains at it (`trainers`: the session's trainer
    /// accounts).
    pub(crate) fn place<'a>(
        &'a self,
        staff: &Staff,
        session: &'a SessionView,
        trainers: &[i64],
    ) -> Place<'a> {
        Place {
            program: &session.program_id,
            hub: session.hub_id.as_ref(),
            partner: self.partner(&session.program_id, session.hub_id.as_ref()),
            assigned: trainers.contains(&staff.id),
        }
    }
}

/// Session `id`, when `login` may do `act` there: 404 for no such session, 403 for one out of
/// scope (after the login, so ids cannot be probed by strangers).
pub(crate) async fn session_for(
    state: &AppState,
    login: &Login,
    id: &str,
    act: Act,
) -> StaffResult<SessionView> {
    let session = state
        .store()
        .session(id)
        .await?
        .ok_or(StaffError::NotFound)?;
    let trainers = state.store().session_trainers(id).await?;
    let staff = login.staff();
    let runners = Runners::load(state, &staff).await?;
    if !staff.may(act, runners.place(&staff, &session, &trainers)) {
        return Err(StaffError::Forbidden);
    }
    Ok(session)
}
