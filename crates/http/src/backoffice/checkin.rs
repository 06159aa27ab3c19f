//! Check-in at the door. A confirmed person's manage page shows a QR code of
//! `/gestione/presenza/{id}` ([`crate::qr::checkin_url`]); staff who scan it with the phone's camera land on
//! that page, which asks them to log in first (and comes back), then shows the person and the
//! session with one button to record presence, for staff who may check in at that session
//! (`Act::CheckIn`): anyone else gets the login form or the 403 page and sees nothing of the
//! person. The URL carries no secret: the login and the scope are the lock, and a registration's
//! id says nothing without them.
//!
//! `/gestione/incontri/{id}/presenze` is the session's check-in list: the people with a seat,
//! each with a one-tap "present" button, and the count present / confirmed. Presence is the store's
//! `record_presence`, as the API's, and so feeds progress; like the API's, it forgets the
//! program's cached progress, so the program page and the funder report count the person at once.

use axum::Form;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use skillhub_core::capacity::{Presence, Status};
use skillhub_core::staff::Act;
use skillhub_store::{RegistrationView, SessionView};

use super::dashboard::{hub_name, when};
use super::desk::{desk_path, status_text};
use super::frame::{staff_page, with_lang};
use super::login::{after_login, see_other};
use super::{Login, StaffError, StaffResult, session_for};
use crate::qr::checkin_path;
use crate::state::AppState;
use crate::web::{Lang, PageLang, html_response};

/// The check-in routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/gestione/incontri/{id}/presenze", get(list))
        .route(
            "/gestione/presenza/{registration}",
            get(card).post(check_in),
        )
}

/// A registration and its session, when `login` may check in there (404, 403 otherwise).
async fn registration_for(
    state: &AppState,
    login: &Login,
    id: &str,
) -> StaffResult<(RegistrationView, SessionView)> {
    let id: i64 = id.parse().map_err(|_| StaffError::NotFound)?;
    let registration = state
        .store()
        .registration(id)
        .await?
        .ok_or(StaffError::NotFound)?;
    let session = session_for(state, login, registration.session_id.as_str(), Act::CheckIn).await?;
    Ok((registration, session))
}

/// `GET /gestione/presenza/{registration}`: the page a QR code opens.
async fn card(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(registration): Path<String>,
) -> Response {
    let result = async {
        let (registration, session) = registration_for(&state, &login, &registration).await?;
        let hub = hub_name(&state, lang, &session).await;
        let path = checkin_path(registration.id);
        let title = lang.pick("Ingresso", "Check-in");
        let body = html! {
            h1 { (title) ": " (registration.name) }
            dl.facts {
                dt { (lang.pick("Incontro", "Session")) }
                dd { a href=(with_lang(&desk_path(session.id.as_str()), lang)) { (session.title) } }
                dt { (lang.pick("Quando", "When")) } dd { (when(lang, &session)) }
                dt { (lang.pick("Dove", "Where")) } dd { (hub) }
                dt { (lang.pick("Stato", "Status")) } dd { (status_text(lang, &registration.status)) }
            }
            @match registration.status {
                Status::Confirmed => {
                    form method="post" action=(with_lang(&path, lang)) {
                        input type="hidden" name="csrf" value=(login.csrf());
                        button.big type="submit" { (lang.pick("Segna presente", "Mark present")) }
                    }
                }
                Status::Attended => {
                    p.notice.ok role="status" { (lang.pick("Presenza registrata.", "Presence recorded.")) }
                }
                _ => {
                    p.notice.bad role="alert" { (lang.pick(
                        "Questa persona non ha un posto confermato per l'incontro: non si può segnare presente.",
                        "This person has no confirmed seat at the session: they cannot be marked present.",
                    )) }
                }
            }
            p { a href=(with_lang(&format!("{}/presenze", desk_path(session.id.as_str())), lang)) { (lang.pick("Elenco delle presenze", "Check-in list")) } }
        };
        Ok(html_response(
            StatusCode::OK,
            staff_page(lang, title, Some(&login), &path, body),
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// The form of a check-in: the CSRF field and where to go back.
#[derive(Debug, Deserialize)]
pub(crate) struct CheckInForm {
    csrf: Option<String>,
    dopo: Option<String>,
}

/// `POST /gestione/presenza/{registration}`: records presence, then back to `dopo` (a
/// back-office page) or to the card. Twice is fine: the second time changes nothing.
async fn check_in(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(registration): Path<String>,
    form: Result<Form<CheckInForm>, FormRejection>,
) -> Response {
    let result = async {
        let Form(form) = form.map_err(|err| StaffError::BadForm(err.body_text()))?;
        login.check(form.csrf.as_deref())?;
        let (registration, session) = registration_for(&state, &login, &registration).await?;
        match registration.status {
            Status::Attended => {}
            Status::Confirmed => {
                state
                    .store()
                    .record_presence(
                        &login.actor(),
                        registration.id,
                        Presence::Attended,
                        Utc::now(),
                    )
                    .await?;
                // Progress counts her now, not when the cache would have expired.
                state.progress().forget(session.program_id.as_str()).await;
            }
            _ => {
                return Err(StaffError::Refused(
                    lang.pick(
                        "Questa persona non ha un posto confermato: non si può segnare presente.",
                        "This person has no confirmed seat: they cannot be marked present.",
                    )
                    .to_owned(),
                ));
            }
        }
        let back = match form.dopo.as_deref() {
            Some(next) => after_login(Some(next)).to_owned(),
            None => with_lang(&checkin_path(registration.id), lang),
        };
        Ok(see_other(&back))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// The query of the check-in list: a search.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    q: Option<String>,
}

/// `GET /gestione/incontri/{id}/presenze`: the people with a seat, one tap each.
async fn list(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Response {
    let result = async {
        let session = session_for(&state, &login, &id, Act::CheckIn).await?;
        let mut people: Vec<RegistrationView> = state
            .store()
            .session_registrations(&id)
            .await?
            .into_iter()
            .filter(|r| matches!(r.status, Status::Confirmed | Status::Attended))
            .collect();
        people.sort_by_key(|r| r.name.to_lowercase());
        let present = people
            .iter()
            .filter(|r| r.status == Status::Attended)
            .count();
        let seated = people.len();
        let search = query.q.as_deref().unwrap_or("").trim().to_lowercase();
        let path = format!("{}/presenze", desk_path(&id));
        let title = lang.pick("Presenze", "Check-in");
        let csrf = login.csrf();
        let body = html! {
            p { a href=(with_lang(&desk_path(&id), lang)) { "← " (session.title) } }
            h1 { (title) ": " (session.title) }
            p { (when(lang, &session)) }
            p.notice role="status" {
                strong { (present) " / " (seated) } " "
                (lang.pick("presenti su confermati", "present of confirmed"))
            }
            form method="get" action=(path) role="search" {
                @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
                div.field {
                    label for="f-q" { (lang.pick("Cerca per nome", "Search by name")) }
                    input #f-q type="search" name="q" value=(query.q.as_deref().unwrap_or(""));
                }
                button.secondary type="submit" { (lang.pick("Cerca", "Search")) }
            }
            div.table-box {
                table {
                    caption { (lang.pick("Persone con un posto", "People with a seat")) }
                    thead {
                        tr {
                            th scope="col" { (lang.pick("Nome", "Name")) }
                            th scope="col" { (lang.pick("Presenza", "Presence")) }
                        }
                    }
                    tbody {
                        @for r in people.iter().filter(|r| search.is_empty() || r.name.to_lowercase().contains(&search) || r.email.to_lowercase().contains(&search)) {
                            tr #(format!("r{}", r.id)) {
                                th scope="row" { (r.name) }
                                td {
                                    @if r.status == Status::Attended {
                                        span.badge.ok { (lang.pick("presente", "present")) }
                                    } @else {
                                        form method="post" action=(with_lang(&checkin_path(r.id), lang)) {
                                            input type="hidden" name="csrf" value=(csrf);
                                            input type="hidden" name="dopo" value=(format!("{}#r{}", with_lang(&path, lang), r.id));
                                            button type="submit" { (lang.pick("Presente", "Present")) span.visually-hidden { ": " (r.name) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        };
        Ok(html_response(
            StatusCode::OK,
            staff_page(lang, title, Some(&login), &path, body),
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}
