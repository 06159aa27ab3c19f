//! `/gestione`: the dashboard: the upcoming sessions the account reaches, by month and then by
//! hub, with seats, confirmed, waiting and pending (seats held until an address is confirmed;
//! a batch session's applicants before its draw).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Duration, Utc};
use maud::{Markup, html};
use skillhub_core::capacity::{Phase, Policy};
use skillhub_core::staff::{Act, Role};
use skillhub_store::{SessionFilter, SessionView};

use super::frame::{role_name, staff_page, with_lang};
use super::{Login, Runners, StaffResult};
use crate::state::AppState;
use crate::web::{Lang, PageLang, html_response};

/// The most sessions the dashboard lists (the nearest first).
const MAX_SESSIONS: u32 = 500;

/// `GET /gestione`.
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
) -> Response {
    match upcoming(&state, &login).await {
        Ok(sessions) => html_response(StatusCode::OK, page(&state, lang, &login, &sessions).await),
        Err(err) => err.render(lang, Some(&login)),
    }
}

/// The sessions that have not ended, that `login` may see, nearest first.
pub(crate) async fn upcoming(state: &AppState, login: &Login) -> StaffResult<Vec<SessionView>> {
    let staff = login.staff();
    let now = Utc::now();
    let filter = SessionFilter {
        program: staff.scope.program().map(ToString::to_string),
        hub: staff.scope.hub().map(ToString::to_string),
        // A session lasts at most a day: anything that started before then has ended.
        from: Some(now - Duration::hours(24)),
        limit: Some(MAX_SESSIONS),
        ..SessionFilter::default()
    };
    let sessions = state.store().sessions(&filter).await?;
    let runners = Runners::load(state, &staff).await?;
    let assigned = if staff.scope.role() == Role::Trainer {
        state.store().trainer_sessions(staff.id).await?
    } else {
        Vec::new()
    };
    Ok(sessions
        .into_iter()
        .filter(|s| s.ends_at > now)
        .filter(|s| {
            let trainers: &[i64] = if assigned.contains(&s.id) {
                &[staff.id]
            } else {
                &[]
            };
            staff.may(Act::See, runners.place(&staff, s, trainers))
        })
        .collect())
}

/// Pending seats: held for an address to confirm, or a batch session's applicants before the
/// draw.
fn pending(session: &SessionView) -> i64 {
    if awaiting_draw(session) {
        session.waitlisted()
    } else {
        session.held
    }
}

/// A batch session before its draw: its applicants are a pool, not a line.
pub(crate) fn awaiting_draw(session: &SessionView) -> bool {
    session.policy == Policy::Batch && session.phase() == Phase::AwaitingDraw
}

async fn page(state: &AppState, lang: Lang, login: &Login, sessions: &[SessionView]) -> Markup {
    let account = login.account();
    // Month → hub name → sessions, in start order within each.
    let mut months: BTreeMap<(i32, u32), BTreeMap<String, Vec<&SessionView>>> = BTreeMap::new();
    for session in sessions {
        let local = session
            .local(session.starts_at)
            .unwrap_or(session.starts_at.naive_utc());
        let hub = hub_name(state, lang, session).await;
        months
            .entry((local.year(), local.month()))
            .or_default()
            .entry(hub)
            .or_default()
            .push(session);
    }
    // The programs whose own pages (progress, roster, exports) this account reads.
    let staff = login.staff();
    let programs: Vec<(String, String)> = state
        .programs()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|p| staff.sees_whole_program(p.id()))
        .map(|p| (p.id().to_string(), p.name().to_owned()))
        .collect();
    let title = lang.pick("Bacheca", "Dashboard");
    html! {
        (staff_page(lang, title, Some(login), "/gestione", html! {
            h1 { (title) }
            p {
                (role_name(lang, account.scope.role()))
                @if let Some(program) = account.scope.program() { " · " (lang.pick("programma ", "program ")) strong { (program) } }
                @if let Some(hub) = account.scope.hub() { " · " (lang.pick("sede ", "hub ")) strong { (hub) } }
            }
            @if account.scope.role() != Role::Trainer {
                div.actions {
                    a.button href=(with_lang("/gestione/incontri/nuovo", lang)) { (lang.pick("Nuovo incontro", "New session")) }
                    a.button.secondary href=(with_lang("/gestione/importa", lang)) { (lang.pick("Importa un file", "Import a file")) }
                    @if account.scope.role() == Role::Admin {
                        a.button.secondary href=(with_lang("/gestione/programmi/nuovo", lang)) { (lang.pick("Nuovo programma", "New program")) }
                    }
                }
            }
            @if !programs.is_empty() {
                h2 { (lang.pick("Programmi", "Programs")) }
                ul {
                    @for (id, name) in &programs {
                        li { a href=(with_lang(&format!("/gestione/programmi/{id}"), lang)) { (name) } }
                    }
                }
            }
            h2 { (lang.pick("Prossimi incontri", "Upcoming sessions")) }
            @if months.is_empty() {
                p { (lang.pick("Nessun incontro in programma tra quelli che gestisci.", "No upcoming session among those you run.")) }
            }
            @for ((year, month), hubs) in &months {
                h3 { (capitalised(&lang.month(*year, *month))) }
                @for (hub, list) in hubs {
                    div.table-box {
                        table {
                            caption { (hub) }
                            thead {
                                tr {
                                    th scope="col" { (lang.pick("Quando", "When")) }
                                    th scope="col" { (lang.pick("Incontro", "Session")) }
                                    th.num scope="col" { (lang.pick("Posti", "Seats")) }
                                    th.num scope="col" { (lang.pick("Confermati", "Confirmed")) }
                                    th.num scope="col" { (lang.pick("In attesa", "Waiting")) }
                                    th.num scope="col" { (lang.pick("Da confermare", "Pending")) }
                                }
                            }
                            tbody {
                                @for session in list {
                                    tr {
                                        td { (when(lang, session)) }
                                        td {
                                            a href=(with_lang(&format!("/gestione/incontri/{}", session.id), lang)) { (session.title) }
                                            @if session.cancelled_at.is_some() {
                                                " " span.badge.bad { (lang.pick("annullato", "cancelled")) }
                                            }
                                        }
                                        td.num { (session.capacity()) }
                                        td.num { (session.confirmed() - session.held) }
                                        td.num { @if awaiting_draw(session) { "—" } @else { (session.waitlisted()) } }
                                        td.num { (pending(session)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }))
    }
}

/// The session's day and times in its zone.
pub(crate) fn when(lang: Lang, session: &SessionView) -> String {
    match session.local_span() {
        Some((start, end)) => lang.span(start, end),
        None => session.starts_at.to_rfc3339(),
    }
}

/// The name of the session's hub, or "online".
pub(crate) async fn hub_name(state: &AppState, lang: Lang, session: &SessionView) -> String {
    let Some(hub) = &session.hub_id else {
        return lang.pick("Online", "Online").to_owned();
    };
    match state.program(session.program_id.as_str()).await {
        Ok(Some(program)) => program
            .hub(hub)
            .map_or_else(|| hub.to_string(), |h| h.name.clone()),
        _ => hub.to_string(),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
