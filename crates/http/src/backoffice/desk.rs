//! `/gestione/incontri/{id}`: a session's desk: its registrations with status, tier, waiting
//! position and time, searchable by name or address; and what staff do there: cancel one (with
//! a reason the person reads), move one to another session of the program, add a person by hand
//! (beyond the seats only as an admin's or a manager's explicit, audited choice), record a batch
//! session's draw commitment and run its draw.
//!
//! Each act is one store operation (or, for a move, two: the new seat first, so nobody loses a
//! confirmed seat if the second fails), with the staff account as the audit actor.

use axum::Form;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use skillhub_allocation::lottery::Commitment;
use skillhub_core::capacity::{Policy, Status};
use skillhub_core::codice_fiscale::CodiceFiscale;
use skillhub_core::person::{Attributes, Email, Person, PersonName};
use skillhub_core::settings::CodiceFiscaleRule;
use skillhub_core::staff::Act;
use skillhub_core::window::WindowState;
use skillhub_store::{RegistrationView, SessionView, Timing};

use super::dashboard::{hub_name, upcoming, when};
use super::exports::{self, kind_text};
use super::frame::{staff_page, with_lang};
use super::login::see_other;
use super::{Login, Runners, StaffError, StaffResult, session_for};
use crate::registrations::{Asked, Enrolment, enrol};
use crate::state::AppState;
use crate::web::{Lang, PageLang, html_response};

/// The desk's routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/gestione/incontri/{id}", get(desk))
        .route("/gestione/incontri/{id}/iscrivi", post(add_by_hand))
        .route(
            "/gestione/incontri/{id}/iscrizioni/{registration}/annulla",
            post(cancel_one),
        )
        .route(
            "/gestione/incontri/{id}/iscrizioni/{registration}/sposta",
            post(move_one),
        )
        .route("/gestione/incontri/{id}/impegno", post(commit))
        .route("/gestione/incontri/{id}/sorteggio", post(draw))
}

/// The path of session `id`'s desk.
pub(crate) fn desk_path(id: &str) -> String {
    format!("/gestione/incontri/{id}")
}

/// The query of the desk: a search, and what the last act did.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeskQuery {
    q: Option<String>,
    fatto: Option<String>,
}

/// Every form of the desk: the CSRF field and the act's own fields.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeskForm {
    csrf: Option<String>,
    motivo: Option<String>,
    verso: Option<String>,
    nome: Option<String>,
    email: Option<String>,
    codice_fiscale: Option<String>,
    oltre: Option<String>,
    valore: Option<String>,
}

/// What the form to add a person by hand said wrong, per field.
#[derive(Debug, Default)]
struct AddProblems {
    name: Option<&'static str>,
    email: Option<&'static str>,
    codice_fiscale: Option<&'static str>,
}

impl AddProblems {
    fn any(&self) -> bool {
        self.name.is_some() || self.email.is_some() || self.codice_fiscale.is_some()
    }
}

/// `GET /gestione/incontri/{id}`.
async fn desk(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    Query(query): Query<DeskQuery>,
) -> Response {
    let result = async {
        let session = session_for(&state, &login, &id, Act::See).await?;
        let page = page(&state, lang, &login, &session, &query, None).await?;
        Ok(html_response(StatusCode::OK, page))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// A registration's status in words (the exports' words), with its waiting position.
pub(crate) fn status_text(lang: Lang, status: &Status) -> String {
    match status {
        Status::Waitlisted { position } => {
            format!(
                "{} {position}",
                lang.pick("in attesa, posizione", "waiting, position")
            )
        }
        other => exports::status_text(lang, other, false).to_owned(),
    }
}

/// The badge class of a status.
fn status_class(status: &Status) -> &'static str {
    match status {
        Status::Confirmed | Status::Attended => "badge ok",
        Status::Held { .. } | Status::Waitlisted { .. } => "badge wait",
        _ => "badge bad",
    }
}

/// A time in the session's zone, dd/mm/yyyy hh:mm.
pub(crate) fn local_time(session: &SessionView, at: DateTime<Utc>) -> String {
    session
        .local(at)
        .unwrap_or(at.naive_utc())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// The order of the list: seats first, then the waiting line, then the rest; by time within.
fn rank(status: &Status) -> (u8, u32) {
    match status {
        Status::Confirmed | Status::Attended => (0, 0),
        Status::Held { .. } => (1, 0),
        Status::Waitlisted { position } => (2, *position),
        Status::NoShow => (3, 0),
        Status::Cancelled | Status::Expired => (4, 0),
    }
}

/// Whether `registration` matches the search `q` (name or address, any case).
fn matches(registration: &RegistrationView, q: &str) -> bool {
    let q = q.trim().to_lowercase();
    q.is_empty()
        || registration.name.to_lowercase().contains(&q)
        || registration.email.to_lowercase().contains(&q)
}

/// What the last act did, as the notice above the list.
fn done_text(lang: Lang, done: &str) -> Option<&'static str> {
    Some(match done {
        "annullata" => lang.pick(
            "Iscrizione annullata: la persona riceve il motivo per e-mail.",
            "Registration cancelled: the person receives the reason by e-mail.",
        ),
        "spostata" => lang.pick(
            "Iscrizione spostata: la persona ha un posto nell'altro incontro ed è stata avvisata.",
            "Registration moved: the person has a seat at the other session and was told.",
        ),
        "aggiunta" => lang.pick(
            "Persona iscritta: riceve la conferma per e-mail.",
            "Person registered: they receive the confirmation by e-mail.",
        ),
        "in-attesa" => lang.pick(
            "Persona iscritta in lista d'attesa: non c'erano posti liberi.",
            "Person put on the waiting list: no seat was free.",
        ),
        "impegno" => lang.pick(
            "Impegno del sorteggio registrato.",
            "Draw commitment recorded.",
        ),
        "sorteggio" => lang.pick(
            "Sorteggio fatto: ognuno riceve l'esito per e-mail.",
            "Draw made: everyone receives the outcome by e-mail.",
        ),
        _ => return None,
    })
}

/// The desk page; `problems` (with the values typed) when the form to add a person was wrong.
async fn page(
    state: &AppState,
    lang: Lang,
    login: &Login,
    session: &SessionView,
    query: &DeskQuery,
    problems: Option<(&AddProblems, &DeskForm)>,
) -> StaffResult<Markup> {
    let staff = login.staff();
    let trainers = state.store().session_trainers(session.id.as_str()).await?;
    let runners = Runners::load(state, &staff).await?;
    let here = runners.place(&staff, session, &trainers);
    let may_change = staff.may(Act::Change, here) && session.cancelled_at.is_none();
    let may_overbook = staff.may(Act::Overbook, here);
    let may_check_in = staff.may(Act::CheckIn, here);
    let asks_codice_fiscale = state
        .program(session.program_id.as_str())
        .await?
        .is_some_and(|p| p.settings().codice_fiscale() == CodiceFiscaleRule::Required);
    let mut registrations = state
        .store()
        .session_registrations(session.id.as_str())
        .await?;
    registrations.sort_by_key(|r| (rank(&r.status), r.created_at));
    let search = query.q.as_deref().unwrap_or("").trim();
    let shown: Vec<&RegistrationView> = registrations
        .iter()
        .filter(|r| matches(r, search))
        .collect();
    // Where a registration may move: the program's other upcoming sessions this account runs.
    let targets: Vec<SessionView> = if may_change {
        upcoming(state, login)
            .await?
            .into_iter()
            .filter(|s| {
                s.program_id == session.program_id
                    && s.id != session.id
                    && s.cancelled_at.is_none()
                    && staff.may(Act::Change, runners.place(&staff, s, &[]))
            })
            .collect()
    } else {
        Vec::new()
    };
    let hub = hub_name(state, lang, session).await;
    let path = desk_path(session.id.as_str());
    let now = Utc::now();
    let batch = session.policy == Policy::Batch && session.draw_public_value.is_none();
    let closed = matches!(
        session.window().map(|w| w.state_at(now)),
        Ok(WindowState::Closed { .. })
    );
    let csrf = login.csrf();
    let (add_problems, typed) = match problems {
        Some((p, f)) => (Some(p), Some(f)),
        None => (None, None),
    };
    let body = html! {
        p { a href=(with_lang("/gestione", lang)) { "← " (lang.pick("Bacheca", "Dashboard")) } }
        h1 { (session.title) }
        @if session.cancelled_at.is_some() {
            p { span.badge.bad { (lang.pick("Incontro annullato", "Session cancelled")) } }
        }
        @if let Some(text) = query.fatto.as_deref().and_then(|d| done_text(lang, d)) {
            p.notice role="status" { (text) }
        }
        dl.facts {
            dt { (lang.pick("Quando", "When")) } dd { (when(lang, session)) }
            dt { (lang.pick("Dove", "Where")) } dd { (hub) }
            dt { (lang.pick("Posti", "Seats")) } dd { (session.capacity()) }
            dt { (lang.pick("Confermati", "Confirmed")) } dd { (session.confirmed() - session.held) }
            dt { (lang.pick("In attesa", "Waiting")) } dd { (session.waitlisted()) }
            dt { (lang.pick("Da confermare", "Pending")) } dd { (session.held) }
        }
        nav.actions aria-label=(lang.pick("Azioni sull'incontro", "Session actions")) {
            @if may_check_in {
                a.button href=(with_lang(&format!("{path}/presenze"), lang)) { (lang.pick("Presenze", "Check-in")) }
            }
            a.button.secondary href=(with_lang(&format!("{path}/registro"), lang)) { (lang.pick("Registro presenze", "Attendance register")) }
            a.button.secondary href=(format!("{path}/iscrizioni.csv")) download { (lang.pick("Scarica CSV", "Download CSV")) }
            a.button.secondary href=(format!("{path}/iscrizioni.xlsx")) download { (lang.pick("Scarica Excel", "Download Excel")) }
            @if may_change {
                a.button.secondary href=(with_lang(&format!("{path}/modifica"), lang)) { (lang.pick("Modifica o annulla l'incontro", "Edit or cancel the session")) }
            }
        }
        h2 #iscrizioni { (lang.pick("Iscrizioni", "Registrations")) }
        form.search method="get" action=(path) role="search" {
            @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
            div.field {
                label for="f-q" { (lang.pick("Cerca per nome o e-mail", "Search by name or e-mail")) }
                input #f-q type="search" name="q" value=(search);
            }
            button.secondary type="submit" { (lang.pick("Cerca", "Search")) }
        }
        @if shown.is_empty() {
            p { (if search.is_empty() { lang.pick("Nessuna iscrizione.", "No registration.") } else { lang.pick("Nessuna iscrizione corrisponde alla ricerca.", "No registration matches the search.") }) }
        } @else {
            div.table-box {
                table {
                    caption { (shown.len()) " " (lang.pick("iscrizioni", "registrations")) }
                    thead {
                        tr {
                            th scope="col" { (lang.pick("Nome", "Name")) }
                            th scope="col" { (lang.pick("E-mail", "E-mail")) }
                            th scope="col" { (lang.pick("Stato", "Status")) }
                            th.num scope="col" { (lang.pick("Fascia", "Tier")) }
                            th scope="col" { (lang.pick("Posto", "Seat")) }
                            th scope="col" { (lang.pick("Iscritta il", "Registered")) }
                            @if may_change { th scope="col" { (lang.pick("Azioni", "Actions")) } }
                        }
                    }
                    tbody {
                        @for r in &shown {
                            tr #(format!("r{}", r.id)) {
                                th scope="row" { (r.name) }
                                td { (r.email) }
                                td { span class=(status_class(&r.status)) { (status_text(lang, &r.status)) } }
                                td.num { (r.tier) }
                                td { (kind_text(lang, r.kind)) }
                                td { (local_time(session, r.created_at)) }
                                @if may_change {
                                    td {
                                        @if r.status.is_live() {
                                            (row_actions(lang, &csrf, &path, r, &targets))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if may_change {
            (add_form(lang, &csrf, &path, may_overbook, asks_codice_fiscale, add_problems, typed))
        }
        @if batch && may_change {
            (draw_forms(lang, &csrf, &path, session, closed))
        }
    };
    Ok(staff_page(lang, &session.title, Some(login), &path, body))
}

/// A live registration's actions: cancel with a reason; move to another session.
fn row_actions(
    lang: Lang,
    csrf: &str,
    path: &str,
    r: &RegistrationView,
    targets: &[SessionView],
) -> Markup {
    let base = format!("{path}/iscrizioni/{}", r.id);
    html! {
        details {
            summary { (lang.pick("Annulla", "Cancel")) span.visually-hidden { " " (r.name) } }
            form method="post" action=(with_lang(&format!("{base}/annulla"), lang)) {
                input type="hidden" name="csrf" value=(csrf);
                div.field {
                    label for=(format!("motivo-{}", r.id)) { (lang.pick("Motivo (lo riceve la persona)", "Reason (the person receives it)")) }
                    textarea #(format!("motivo-{}", r.id)) name="motivo" required maxlength="500" rows="3" {}
                }
                button.danger type="submit" { (lang.pick("Annulla l'iscrizione", "Cancel the registration")) }
            }
        }
        @if !targets.is_empty() && matches!(r.status, Status::Confirmed | Status::Waitlisted { .. }) {
            details {
                summary { (lang.pick("Sposta", "Move")) span.visually-hidden { " " (r.name) } }
                form method="post" action=(with_lang(&format!("{base}/sposta"), lang)) {
                    input type="hidden" name="csrf" value=(csrf);
                    div.field {
                        label for=(format!("verso-{}", r.id)) { (lang.pick("All'incontro", "To the session")) }
                        select #(format!("verso-{}", r.id)) name="verso" required {
                            @for s in targets {
                                option value=(s.id) { (when(lang, s)) " · " (s.title) " (" (s.seats_left()) " " (lang.pick("posti liberi", "seats free")) ")" }
                            }
                        }
                    }
                    button type="submit" { (lang.pick("Sposta", "Move")) }
                }
            }
        }
    }
}

/// The form to add a person by hand.
fn add_form(
    lang: Lang,
    csrf: &str,
    path: &str,
    may_overbook: bool,
    asks_codice_fiscale: bool,
    problems: Option<&AddProblems>,
    typed: Option<&DeskForm>,
) -> Markup {
    let name_problem = problems.and_then(|p| p.name);
    let email_problem = problems.and_then(|p| p.email);
    let code_problem = problems.and_then(|p| p.codice_fiscale);
    html! {
        h2 #aggiungi { (lang.pick("Aggiungi una persona", "Add a person")) }
        p { (lang.pick(
            "Per chi si iscrive allo sportello o al telefono: riceve la conferma per e-mail. Se non ci sono posti liberi va in lista d'attesa.",
            "For someone registering at the desk or by phone: they receive the confirmation by e-mail. Without a free seat they go on the waiting list.",
        )) }
        form method="post" action=(with_lang(&format!("{path}/iscrivi"), lang)) novalidate {
            input type="hidden" name="csrf" value=(csrf);
            div.grid {
                div.field {
                    label for="f-nome" { (lang.pick("Nome e cognome", "Full name")) }
                    input #f-nome type="text" name="nome" autocomplete="off" required
                        value=(typed.and_then(|t| t.nome.as_deref()).unwrap_or(""))
                        aria-invalid=[name_problem.map(|_| "true")]
                        aria-describedby=[name_problem.map(|_| "e-nome")];
                    @if let Some(problem) = name_problem { p.error #e-nome { (problem) } }
                }
                div.field {
                    label for="f-email" { (lang.pick("E-mail", "E-mail")) }
                    input #f-email type="email" name="email" autocomplete="off" required
                        value=(typed.and_then(|t| t.email.as_deref()).unwrap_or(""))
                        aria-invalid=[email_problem.map(|_| "true")]
                        aria-describedby=[email_problem.map(|_| "e-email")];
                    @if let Some(problem) = email_problem { p.error #e-email { (problem) } }
                }
                @if asks_codice_fiscale {
                    div.field {
                        label for="f-codice-fiscale" { (lang.pick("Codice fiscale", "Codice fiscale (tax code)")) }
                        input #f-codice-fiscale type="text" name="codice_fiscale" autocomplete="off" required
                            value=(typed.and_then(|t| t.codice_fiscale.as_deref()).unwrap_or(""))
                            aria-invalid=[code_problem.map(|_| "true")]
                            aria-describedby=[code_problem.map(|_| "e-codice-fiscale")];
                        @if let Some(problem) = code_problem { p.error #e-codice-fiscale { (problem) } }
                    }
                }
            }
            @if may_overbook {
                div.field {
                    label.check for="f-oltre" {
                        input #f-oltre type="checkbox" name="oltre" value="si";
                        span { (lang.pick(
                            "Oltre i posti: se l'incontro è pieno, aggiungi un posto per questa persona (resta nel registro delle attività)",
                            "Beyond the seats: if the session is full, add a seat for this person (kept in the audit log)",
                        )) }
                    }
                }
            }
            button type="submit" { (lang.pick("Iscrivi", "Register")) }
        }
    }
}

/// A batch session's draw: the commitment while registration is open, the draw once closed.
fn draw_forms(lang: Lang, csrf: &str, path: &str, session: &SessionView, closed: bool) -> Markup {
    html! {
        h2 #sorteggio { (lang.pick("Sorteggio", "Draw")) }
        @match (&session.draw_commitment, closed) {
            (None, false) => {
                p { (lang.pick(
                    "Prima che le iscrizioni chiudano, registra da dove verrà il valore pubblico del sorteggio (per esempio «sha256:…» di un valore segreto, o «prima estrazione del Lotto di venerdì»): nessuno potrà sceglierlo dopo aver visto gli iscritti.",
                    "Before registration closes, record where the draw's public value will come from (for example \"sha256:…\" of a secret value, or \"Friday's first Lotto number\"): nobody can choose it after seeing the applicants.",
                )) }
                form method="post" action=(with_lang(&format!("{path}/impegno"), lang)) {
                    input type="hidden" name="csrf" value=(csrf);
                    div.field {
                        label for="f-impegno" { (lang.pick("Impegno", "Commitment")) }
                        input #f-impegno type="text" name="valore" required;
                    }
                    button type="submit" { (lang.pick("Registra l'impegno", "Record the commitment")) }
                }
            }
            (Some(commitment), false) => {
                p { (lang.pick("Impegno registrato: ", "Commitment recorded: ")) code { (commitment) } }
                p { (lang.pick("Il sorteggio si fa quando le iscrizioni chiudono.", "The draw is made once registration closes.")) }
            }
            (None, true) => {
                p { (lang.pick(
                    "Nessun impegno è stato registrato prima della chiusura: il sorteggio non si può fare in modo verificabile.",
                    "No commitment was recorded before registration closed: the draw cannot be made verifiably.",
                )) }
            }
            (Some(commitment), true) => {
                p { (lang.pick("Impegno registrato: ", "Commitment recorded: ")) code { (commitment) } }
                form method="post" action=(with_lang(&format!("{path}/sorteggio"), lang)) {
                    input type="hidden" name="csrf" value=(csrf);
                    div.field {
                        label for="f-valore" { (lang.pick("Valore pubblico promesso dall'impegno", "The public value the commitment promised")) }
                        input #f-valore type="text" name="valore" required;
                    }
                    button type="submit" { (lang.pick("Fai il sorteggio", "Make the draw")) }
                }
            }
        }
    }
}

/// The form, or a 400 page.
fn read_form(form: Result<Form<DeskForm>, FormRejection>, login: &Login) -> StaffResult<DeskForm> {
    let Form(form) = form.map_err(|err| StaffError::BadForm(err.body_text()))?;
    login.check(form.csrf.as_deref())?;
    Ok(form)
}

/// Registration `registration` of session `id`, when it is one (else 404).
async fn registration_of(
    state: &AppState,
    id: &str,
    registration: &str,
) -> StaffResult<RegistrationView> {
    let registration: i64 = registration.parse().map_err(|_| StaffError::NotFound)?;
    let view = state
        .store()
        .registration(registration)
        .await?
        .ok_or(StaffError::NotFound)?;
    if view.session_id.as_str() != id {
        return Err(StaffError::NotFound);
    }
    Ok(view)
}

/// Back to the desk, saying what was done.
fn back(id: &str, done: &str, lang: Lang) -> Response {
    see_other(&with_lang(&format!("{}?fatto={done}", desk_path(id)), lang))
}

/// A refusal the person at the desk can act on (409).
fn refused(lang: Lang, it: &str, en: &str) -> StaffError {
    StaffError::Refused(lang.pick(it, en).to_owned())
}

/// `POST /gestione/incontri/{id}/iscrizioni/{registration}/annulla`: with a reason.
async fn cancel_one(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path((id, registration)): Path<(String, String)>,
    form: Result<Form<DeskForm>, FormRejection>,
) -> Response {
    let result = async {
        let form = read_form(form, &login)?;
        session_for(&state, &login, &id, Act::Change).await?;
        let view = registration_of(&state, &id, &registration).await?;
        let reason = form.motivo.as_deref().unwrap_or("").trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(refused(
                lang,
                "Scrivi il motivo dell'annullamento (al massimo 500 caratteri): la persona lo riceve per e-mail.",
                "Write the reason for the cancellation (at most 500 characters): the person receives it by e-mail.",
            ));
        }
        if !view.status.is_live() {
            return Err(refused(
                lang,
                "Questa iscrizione non è più attiva: non c'è niente da annullare.",
                "This registration is no longer live: there is nothing to cancel.",
            ));
        }
        state
            .store()
            .cancel_by_staff(&login.actor(), view.id, reason, Utc::now())
            .await?;
        Ok(back(&id, "annullata", lang))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// The person of a stored registration, to register them elsewhere.
fn person_of(view: &RegistrationView) -> StaffResult<Person> {
    let broken = |what: &str| StaffError::Internal(format!("registration {}: {what}", view.id));
    Ok(Person {
        name: PersonName::parse(&view.name).map_err(|_| broken("its name does not parse"))?,
        email: Email::parse(&view.email).map_err(|_| {
            // An erased registration has a placeholder address; it cannot move.
            StaffError::Refused("erased".into())
        })?,
        attributes: serde_json::from_str::<Attributes>(&view.attributes)
            .map_err(|_| broken("its attributes do not parse"))?,
        codice_fiscale: view.codice_fiscale.clone(),
    })
}

/// `POST /gestione/incontri/{id}/iscrizioni/{registration}/sposta`: to session `verso` of the
/// same program, with a seat there: the new registration first (late, as staff), then the old
/// one cancelled with the move as its reason. Refused when the other session has no free seat.
async fn move_one(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path((id, registration)): Path<(String, String)>,
    form: Result<Form<DeskForm>, FormRejection>,
) -> Response {
    let result = async {
        let form = read_form(form, &login)?;
        let from = session_for(&state, &login, &id, Act::Change).await?;
        let view = registration_of(&state, &id, &registration).await?;
        let to_id = form.verso.as_deref().unwrap_or("");
        let to = session_for(&state, &login, to_id, Act::Change).await?;
        if to.program_id != from.program_id || to.id == from.id || to.cancelled_at.is_some() {
            return Err(refused(
                lang,
                "Si può spostare un'iscrizione solo a un altro incontro attivo dello stesso programma.",
                "A registration moves only to another live session of the same program.",
            ));
        }
        if !matches!(view.status, Status::Confirmed | Status::Waitlisted { .. }) {
            return Err(refused(
                lang,
                "Si spostano solo le iscrizioni confermate o in lista d'attesa.",
                "Only confirmed or waiting registrations move.",
            ));
        }
        let person = person_of(&view).map_err(|err| match err {
            StaffError::Refused(_) => refused(
                lang,
                "I dati di questa iscrizione sono stati cancellati: non si può spostare.",
                "This registration's data was erased: it cannot move.",
            ),
            other => other,
        })?;
        if to.seats_left() <= 0 {
            return Err(refused(
                lang,
                "L'altro incontro non ha posti liberi: la persona perderebbe il suo posto.",
                "The other session has no free seat: the person would lose their seat.",
            ));
        }
        let asked = Asked {
            person,
            seat: Some(view.kind),
            timing: Timing::Late,
            actor: login.actor(),
            lang: view.lang,
        };
        let registered = match enrol(&state, &to, asked, None).await? {
            Enrolment::Registered(registered) => registered,
            Enrolment::Ineligible(_) => {
                return Err(refused(
                    lang,
                    "La persona non ha i requisiti per l'altro incontro.",
                    "The person does not meet the other session's requirements.",
                ));
            }
        };
        let now = Utc::now();
        if registered.registration.status != Status::Confirmed {
            // The last seat went meanwhile: undo, and the person keeps the seat they had.
            state
                .store()
                .cancel_by_staff(
                    &login.actor(),
                    registered.registration.id,
                    "spostamento non riuscito: nessun posto libero",
                    now,
                )
                .await?;
            return Err(refused(
                lang,
                "L'ultimo posto dell'altro incontro è stato appena preso: l'iscrizione resta dov'era.",
                "The other session's last seat was just taken: the registration stays where it was.",
            ));
        }
        let reason = match view.lang {
            Lang::En => format!("moved to \"{}\", {}", to.title, when(Lang::En, &to)),
            _ => format!("spostata a «{}», {}", to.title, when(Lang::It, &to)),
        };
        state
            .store()
            .cancel_by_staff(&login.actor(), view.id, &reason, now)
            .await?;
        Ok(back(&id, "spostata", lang))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// `POST /gestione/incontri/{id}/iscrivi`: a person added by hand (late, never held; beyond the
/// seats with `oltre`, for an admin or a manager).
async fn add_by_hand(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    form: Result<Form<DeskForm>, FormRejection>,
) -> Response {
    let result = async {
        let form = read_form(form, &login)?;
        let session = session_for(&state, &login, &id, Act::Change).await?;
        if session.cancelled_at.is_some() {
            return Err(refused(
                lang,
                "L'incontro è stato annullato: non si può iscrivere nessuno.",
                "The session was cancelled: nobody can register.",
            ));
        }
        let beyond = form.oltre.as_deref() == Some("si");
        if beyond {
            let trainers = state.store().session_trainers(&id).await?;
            let staff = login.staff();
            let runners = Runners::load(&state, &staff).await?;
            if !staff.may(Act::Overbook, runners.place(&staff, &session, &trainers)) {
                return Err(StaffError::Forbidden);
            }
        }
        let name = PersonName::parse(form.nome.as_deref().unwrap_or("").trim());
        let email = Email::parse(form.email.as_deref().unwrap_or("").trim());
        let code = form
            .codice_fiscale
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(CodiceFiscale::parse)
            .transpose();
        let rule = state
            .program(session.program_id.as_str())
            .await?
            .map(|p| p.settings().codice_fiscale())
            .unwrap_or_default();
        let code_problem = match &code {
            Err(_) => Some(lang.pick(
                "Questo codice fiscale non è valido: controlla i 16 caratteri.",
                "This codice fiscale is not valid: check its 16 characters.",
            )),
            // The desk asks no date of birth: only a missing code can fail the program's rule.
            Ok(code) => rule.check_code(code.as_ref(), None).err().map(|_| {
                lang.pick(
                    "Il programma richiede il codice fiscale.",
                    "The program requires the codice fiscale.",
                )
            }),
        };
        let problems = AddProblems {
            codice_fiscale: code_problem,
            name: name.is_err().then(|| {
                lang.pick(
                    "Scrivi nome e cognome (da 1 a 200 caratteri).",
                    "Write the full name (1 to 200 characters).",
                )
            }),
            email: email.is_err().then(|| {
                lang.pick(
                    "Scrivi un indirizzo e-mail come nome@esempio.it.",
                    "Write an e-mail address such as name@example.org.",
                )
            }),
        };
        let (Ok(name), Ok(email), Ok(codice_fiscale), None) = (name, email, code, code_problem)
        else {
            debug_assert!(problems.any());
            let markup = page(
                &state,
                lang,
                &login,
                &session,
                &DeskQuery::default(),
                Some((&problems, &form)),
            )
            .await?;
            return Ok(html_response(StatusCode::UNPROCESSABLE_ENTITY, markup));
        };
        let asked = Asked {
            person: Person {
                name,
                email,
                attributes: Attributes::default(),
                codice_fiscale,
            },
            seat: None,
            timing: if beyond {
                Timing::BeyondSeats
            } else {
                Timing::Late
            },
            actor: login.actor(),
            lang,
        };
        match enrol(&state, &session, asked, None).await? {
            Enrolment::Registered(registered) => {
                let done = if matches!(registered.registration.status, Status::Waitlisted { .. }) {
                    "in-attesa"
                } else {
                    "aggiunta"
                };
                Ok(back(&id, done, lang))
            }
            Enrolment::Ineligible(_) => Err(refused(
                lang,
                "La persona non ha i requisiti del programma per questo incontro.",
                "The person does not meet the program's requirements for this session.",
            )),
        }
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// `POST /gestione/incontri/{id}/impegno`: a batch session's draw commitment.
async fn commit(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    form: Result<Form<DeskForm>, FormRejection>,
) -> Response {
    let result = async {
        let form = read_form(form, &login)?;
        session_for(&state, &login, &id, Act::Change).await?;
        let commitment =
            Commitment::parse(form.valore.as_deref().unwrap_or("").trim()).map_err(|_| {
                refused(
                    lang,
                    "L'impegno è «sha256:» seguito da 64 cifre esadecimali, o una descrizione del valore pubblico.",
                    "A commitment is \"sha256:\" and 64 hex digits, or a description of the public value.",
                )
            })?;
        state
            .store()
            .commit_draw(&login.actor(), &id, &commitment, Utc::now())
            .await
            .map_err(|err| draw_refusal(lang, err))?;
        Ok(back(&id, "impegno", lang))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// `POST /gestione/incontri/{id}/sorteggio`: a batch session's draw, with the public value.
async fn draw(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    form: Result<Form<DeskForm>, FormRejection>,
) -> Response {
    let result = async {
        let form = read_form(form, &login)?;
        session_for(&state, &login, &id, Act::Change).await?;
        let value = form.valore.as_deref().unwrap_or("").trim();
        state
            .store()
            .allocate(&login.actor(), &id, value, Utc::now())
            .await
            .map_err(|err| draw_refusal(lang, err))?;
        Ok(back(&id, "sorteggio", lang))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// A draw the store refused, in words; other errors as they are.
fn draw_refusal(lang: Lang, err: skillhub_store::Error) -> StaffError {
    match err {
        skillhub_store::Error::Draw { refusal, .. } => StaffError::Refused(format!(
            "{} ({refusal})",
            lang.pick(
                "Il sorteggio non si può fare ora",
                "The draw cannot be made now"
            )
        )),
        other => StaffError::from(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_puts_seats_first_then_the_line_in_order() {
        let mut statuses = [
            Status::Cancelled,
            Status::Waitlisted { position: 2 },
            Status::Confirmed,
            Status::Waitlisted { position: 1 },
            Status::NoShow,
        ];
        statuses.sort_by_key(rank);
        assert_eq!(
            statuses,
            [
                Status::Confirmed,
                Status::Waitlisted { position: 1 },
                Status::Waitlisted { position: 2 },
                Status::NoShow,
                Status::Cancelled,
            ]
        );
    }
}
