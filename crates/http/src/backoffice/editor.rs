//! Creating, editing and cancelling a session from the back office: `/gestione/incontri/nuovo`,
//! `/gestione/incontri/{id}/modifica` and `/gestione/incontri/{id}/annulla`.
//!
//! The forms only translate: a new session is read into the API's own [`Draft`] (the form's
//! date and times as civil times of the hub's zone, [`Moment::Local`]) and created by
//! [`admin::create`], the code `POST /v1/sessions` runs, so both refuse the same sessions with
//! the same words; an edit is the store's `SessionChange` applied by
//! [`admin::change_session_as`] (as `PATCH /v1/sessions/{id}`: registrants hear of a new time,
//! place or title; more seats seat the first in line) and a cancellation goes through
//! [`admin::cancel_session_as`] (as `POST /v1/sessions/{id}/cancellation`, with the reason every
//! registrant reads). Who may is core's rule: [`Staff::may_create`] for the place chosen,
//! [`Act::Change`] on the session (and on the hub it moves to). A refused form comes back with
//! the values typed and each problem next to its field (`aria-describedby`), status 422 (409
//! when the session can no longer change).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use maud::{Markup, html};
use serde::Deserialize;
use skillhub_core::capacity::Seats;
use skillhub_core::ids::{HubId, ProgramId};
use skillhub_core::program::Program;
use skillhub_core::session::{Ambiguity, Mode};
use skillhub_core::staff::{Act, Place, Staff};
use skillhub_store::{SessionChange, SessionView};

use super::frame::{staff_page, with_lang};
use super::login::see_other;
use super::{Login, StaffError, StaffResult, session_for};
use crate::admin::{self, Draft, Moment};
use crate::problem::ApiError;
use crate::state::AppState;
use crate::web::{Lang, PageLang, html_response};

/// The page that creates a session.
const NEW_PATH: &str = "/gestione/incontri/nuovo";

/// The routes of the session editor.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(NEW_PATH, get(new_page).post(create))
        .route(
            "/gestione/incontri/{id}/modifica",
            get(edit_page).post(save),
        )
        .route("/gestione/incontri/{id}/annulla", post(cancel))
}

/// A session's own page in the back office.
pub(super) fn session_path(id: &str) -> String {
    format!("/gestione/incontri/{id}")
}

fn edit_path(id: &str) -> String {
    format!("/gestione/incontri/{id}/modifica")
}

/// What the forms send; every field as typed, so a refused form shows it again.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SessionForm {
    csrf: Option<String>,
    #[serde(default)]
    programma: String,
    #[serde(default)]
    sede: String,
    #[serde(default)]
    modalita: String,
    #[serde(default)]
    titolo: String,
    #[serde(default)]
    data: String,
    #[serde(default)]
    inizio: String,
    #[serde(default)]
    fine: String,
    #[serde(default)]
    posti: String,
    #[serde(default)]
    apertura: String,
    #[serde(default)]
    chiusura: String,
    #[serde(default)]
    motivo: String,
}

/// The value of the `sede` field that means "no hub: online".
const ONLINE: &str = "online";

/// Problems by field name (`""`: the form as a whole), in the staff's language.
#[derive(Debug, Default)]
struct Problems(BTreeMap<&'static str, String>);

impl Problems {
    fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A date as a date input sends it (`2030-02-12`) or as people type it (`12/02/2030`).
fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
}

/// A time as a time input sends it (`09:30`) or as people type it (`9.30`, `9,30`, `9`).
fn parse_time(text: &str) -> Option<NaiveTime> {
    let text = text.trim().replace(['.', ','], ":");
    if let Ok(hour) = text.parse::<u32>() {
        return NaiveTime::from_hms_opt(hour, 0, 0);
    }
    ["%H:%M", "%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveTime::parse_from_str(&text, format).ok())
}

/// A date and time as a `datetime-local` input sends it (`2030-02-01T09:00`) or as people type
/// it (`01/02/2030 9:00`).
fn parse_date_time(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    let (date, time) = text
        .split_once('T')
        .or_else(|| text.split_once(' '))
        .unwrap_or((text, "0:00"));
    Some(parse_date(date)?.and_time(parse_time(time)?))
}

/// A number of seats.
fn parse_seats(text: &str) -> Option<u32> {
    text.trim().parse().ok()
}

/// The form field a problem of the API's validation is about, by its JSON pointer.
fn field_of(pointer: &str) -> &'static str {
    match pointer {
        "/program_id" => "programma",
        "/hub_id" => "sede",
        "/mode" => "modalita",
        "/title" => "titolo",
        "/starts_at" => "inizio",
        "/ends_at" => "fine",
        "/capacity" | "/seats" => "posti",
        "/registration_opens_at" => "apertura",
        "/registration_closes_at" => "chiusura",
        _ => "",
    }
}

/// A problem the API's validation found, as the form says it: a lead in the staff's language
/// naming what to check, then the rule's own words.
fn explained(lang: Lang, field: &str, detail: &str) -> String {
    let lead = match field {
        "programma" => lang.pick("Scegli un programma", "Choose a program"),
        "sede" => lang.pick("Controlla la sede", "Check the hub"),
        "modalita" => lang.pick("Controlla la modalità", "Check the mode"),
        "titolo" => lang.pick("Controlla il titolo", "Check the title"),
        "inizio" => lang.pick(
            "Controlla la data e l'ora di inizio",
            "Check the date and start time",
        ),
        "fine" => lang.pick("Controlla l'ora di fine", "Check the end time"),
        "posti" => lang.pick("Controlla i posti", "Check the seats"),
        "apertura" => lang.pick(
            "Controlla l'apertura delle iscrizioni",
            "Check when registration opens",
        ),
        "chiusura" => lang.pick(
            "Controlla la chiusura delle iscrizioni",
            "Check when registration closes",
        ),
        _ => lang.pick(
            "L'incontro non è stato salvato",
            "The session was not saved",
        ),
    };
    format!("{lead} ({detail}).")
}

/// Whether `staff` may create a session in `program` at `hub` (none: online), run by the
/// partner the program names for that hub.
fn may_create(staff: &Staff, program: &Program, hub: Option<&HubId>) -> bool {
    let partner = hub
        .and_then(|h| program.hub(h))
        .and_then(|h| h.partner.as_ref());
    staff.may_create(program.id(), hub, partner)
}

/// The programs `staff` may create a session in, each with the hubs it may use and whether it
/// may create an online one.
pub(super) async fn places(
    state: &AppState,
    staff: &Staff,
) -> StaffResult<Vec<(Arc<Program>, Vec<HubId>, bool)>> {
    let programs = state.programs().await?;
    Ok(programs
        .into_iter()
        .filter(|p| staff.scope.covers_program(p.id()))
        .map(|p| {
            let hubs: Vec<HubId> = p
                .hubs()
                .iter()
                .filter(|h| may_create(staff, &p, Some(&h.id)))
                .map(|h| h.id.clone())
                .collect();
            let online = may_create(staff, &p, None);
            (p, hubs, online)
        })
        .filter(|(_, hubs, online)| !hubs.is_empty() || *online)
        .collect())
}

/// `GET /gestione/incontri/nuovo`.
pub(crate) async fn new_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
) -> Response {
    let result = async {
        let places = places(&state, &login.staff()).await?;
        if places.is_empty() {
            return Err(StaffError::Forbidden);
        }
        let form = SessionForm {
            modalita: Mode::InPerson.as_str().to_owned(),
            ..SessionForm::default()
        };
        Ok(html_response(
            StatusCode::OK,
            new_form(lang, &login, &places, &form, &Problems::default()),
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// `POST /gestione/incontri/nuovo`: the session is created as `POST /v1/sessions` creates it,
/// then the browser goes to its page.
pub(crate) async fn create(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    form: Result<Form<SessionForm>, FormRejection>,
) -> Response {
    let result = async {
        let Form(form) = form.map_err(|err| StaffError::BadForm(err.body_text()))?;
        login.check(form.csrf.as_deref())?;
        let staff = login.staff();
        let places = places(&state, &staff).await?;
        if places.is_empty() {
            return Err(StaffError::Forbidden);
        }
        let (draft, mut problems) = read_draft(lang, &form);
        if let Some(program) = &draft.program_id {
            if !staff.scope.covers_program(program) {
                return Err(StaffError::Forbidden);
            }
            // A hub that is not the program's is the validation's to explain; one the account
            // does not run is a refusal.
            let known = state
                .program(program.as_str())
                .await?
                .filter(|p| draft.hub_id.as_ref().is_none_or(|h| p.hub(h).is_some()));
            if let Some(known) = known
                && !problems.0.contains_key("sede")
                && !may_create(&staff, &known, draft.hub_id.as_ref())
            {
                return Err(StaffError::Forbidden);
            }
        }
        if !problems.is_empty() {
            return Ok(refused_new(
                lang,
                &login,
                &places,
                &form,
                &problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
        match admin::create(&state, &login.actor(), draft).await {
            Ok(created) => Ok(see_other(&with_lang(
                &session_path(created.id.as_str()),
                lang,
            ))),
            Err(ApiError::Invalid(found)) => {
                for problem in found {
                    let field = field_of(&problem.pointer);
                    problems.add(field, explained(lang, field, &problem.detail));
                }
                Ok(refused_new(
                    lang,
                    &login,
                    &places,
                    &form,
                    &problems,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))
            }
            Err(ApiError::Conflict(detail)) => {
                problems.add("", explained(lang, "", &detail));
                Ok(refused_new(
                    lang,
                    &login,
                    &places,
                    &form,
                    &problems,
                    StatusCode::CONFLICT,
                ))
            }
            Err(other) => Err(other.into()),
        }
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

fn refused_new(
    lang: Lang,
    login: &Login,
    places: &[(Arc<Program>, Vec<HubId>, bool)],
    form: &SessionForm,
    problems: &Problems,
    status: StatusCode,
) -> Response {
    html_response(status, new_form(lang, login, places, form, problems))
}

/// The form's date and its start and end times, each `None` with its problem added when it
/// does not parse.
fn read_day_and_times(
    lang: Lang,
    form: &SessionForm,
    problems: &mut Problems,
) -> (Option<NaiveDate>, Option<NaiveTime>, Option<NaiveTime>) {
    let date = parse_date(&form.data);
    if date.is_none() {
        problems.add(
            "data",
            lang.pick(
                "Scrivi la data come gg/mm/aaaa, per esempio 12/02/2030.",
                "Write the date as dd/mm/yyyy, for instance 12/02/2030.",
            ),
        );
    }
    let start = parse_time(&form.inizio);
    if start.is_none() {
        problems.add(
            "inizio",
            lang.pick(
                "Scrivi l'ora di inizio, per esempio 9:30.",
                "Write the start time, for instance 9:30.",
            ),
        );
    }
    let end = parse_time(&form.fine);
    if end.is_none() {
        problems.add(
            "fine",
            lang.pick(
                "Scrivi l'ora di fine, per esempio 13:30.",
                "Write the end time, for instance 13:30.",
            ),
        );
    }
    (date, start, end)
}

/// The form read into the API's draft; what cannot be read is a problem of its field.
fn read_draft(lang: Lang, form: &SessionForm) -> (Draft, Problems) {
    let mut problems = Problems::default();
    let mut draft = Draft::default();
    match ProgramId::parse(form.programma.trim()) {
        Ok(program) => draft.program_id = Some(program),
        Err(_) => problems.add(
            "programma",
            lang.pick("Scegli il programma.", "Choose the program."),
        ),
    }
    match form.sede.trim() {
        "" => problems.add(
            "sede",
            lang.pick(
                "Scegli la sede, oppure «online».",
                "Choose the hub, or “online”.",
            ),
        ),
        ONLINE => {}
        hub => match HubId::parse(hub) {
            Ok(hub) => draft.hub_id = Some(hub),
            Err(_) => problems.add("sede", lang.pick("Questa sede non esiste.", "No such hub.")),
        },
    }
    match Mode::parse(form.modalita.trim()) {
        Some(mode) => draft.mode = Some(mode),
        None => problems.add(
            "modalita",
            lang.pick("Scegli la modalità.", "Choose the mode."),
        ),
    }
    let title = form.titolo.trim();
    if title.is_empty() {
        problems.add("titolo", lang.pick("Scrivi il titolo.", "Write the title."));
    } else {
        draft.title = Some(title.to_owned());
    }
    let (date, start, end) = read_day_and_times(lang, form, &mut problems);
    if let Some(date) = date {
        draft.starts_at = start.map(|t| Moment::Local(date.and_time(t)));
        draft.ends_at = end.map(|t| Moment::Local(date.and_time(t)));
    }
    match parse_seats(&form.posti) {
        Some(seats) => draft.capacity = Some(seats),
        None => problems.add(
            "posti",
            lang.pick(
                "Scrivi quanti posti ci sono, un numero intero.",
                "Write how many seats there are, a whole number.",
            ),
        ),
    }
    for (field, value, slot) in [
        ("apertura", &form.apertura, &mut draft.opens_at),
        ("chiusura", &form.chiusura, &mut draft.closes_at),
    ] {
        if value.trim().is_empty() {
            continue;
        }
        match parse_date_time(value) {
            Some(at) => *slot = Some(Moment::Local(at)),
            None => problems.add(
                field,
                lang.pick(
                    "Scrivi data e ora come gg/mm/aaaa hh:mm, oppure lascia vuoto.",
                    "Write date and time as dd/mm/yyyy hh:mm, or leave it empty.",
                ),
            ),
        }
    }
    (draft, problems)
}

/// A labelled input with its problem, if any.
fn input(
    name: &'static str,
    label: &str,
    kind: &str,
    value: &str,
    hint: Option<&str>,
    problems: &Problems,
) -> Markup {
    let id = format!("f-{name}");
    let problem = problems.get(name);
    let described: Vec<String> = hint
        .map(|_| format!("h-{name}"))
        .into_iter()
        .chain(problem.map(|_| format!("e-{name}")))
        .collect();
    let required = !matches!(name, "apertura" | "chiusura");
    html! {
        div.field {
            label for=(id) { (label) }
            @if let Some(hint) = hint { p.hint id=(format!("h-{name}")) { (hint) } }
            input id=(id) type=(kind) name=(name) value=(value)
                required[required]
                min=[(kind == "number").then_some("0")]
                aria-invalid=[problem.map(|_| "true")]
                aria-describedby=[(!described.is_empty()).then(|| described.join(" "))];
            @if let Some(problem) = problem { p.error id=(format!("e-{name}")) { (problem) } }
        }
    }
}

fn new_form(
    lang: Lang,
    login: &Login,
    places: &[(Arc<Program>, Vec<HubId>, bool)],
    form: &SessionForm,
    problems: &Problems,
) -> Markup {
    let title = lang.pick("Nuovo incontro", "New session");
    let program_problem = problems.get("programma");
    let hub_problem = problems.get("sede");
    let mode_problem = problems.get("modalita");
    let only_program = (places.len() == 1).then(|| places[0].0.id().to_string());
    let chosen_program = only_program.as_deref().unwrap_or(form.programma.as_str());
    staff_page(
        lang,
        title,
        Some(login),
        NEW_PATH,
        html! {
            h1 { (title) }
            (general_in(lang, problems))
            form method="post" action=(with_lang(NEW_PATH, lang)) novalidate {
                input type="hidden" name="csrf" value=(login.csrf());
                div.field {
                    label for="f-programma" { (lang.pick("Programma", "Program")) }
                    select #f-programma name="programma" required
                        aria-invalid=[program_problem.map(|_| "true")]
                        aria-describedby=[program_problem.map(|_| "e-programma")] {
                        @if only_program.is_none() { option value="" { (lang.pick("— scegli —", "— choose —")) } }
                        @for (program, _, _) in places {
                            option value=(program.id()) selected[program.id().as_str() == chosen_program] { (program.name()) }
                        }
                    }
                    @if let Some(problem) = program_problem { p.error #e-programma { (problem) } }
                }
                div.field {
                    label for="f-sede" { (lang.pick("Sede", "Hub")) }
                    p.hint #h-sede { (lang.pick("Le sedi del programma scelto; «online» per un incontro senza sede.", "The hubs of the program chosen; “online” for a session without a hub.")) }
                    select #f-sede name="sede" required
                        aria-invalid=[hub_problem.map(|_| "true")]
                        aria-describedby=(if hub_problem.is_some() { "h-sede e-sede" } else { "h-sede" }) {
                        option value="" { (lang.pick("— scegli —", "— choose —")) }
                        @for (program, hubs, online) in places {
                            optgroup label=(program.name()) {
                                @for hub in hubs {
                                    @let name = program.hub(hub).map_or(hub.as_str(), |h| h.name.as_str());
                                    option value=(hub) selected[hub.as_str() == form.sede] { (name) }
                                }
                                @if *online && places.len() == 1 {
                                    option value=(ONLINE) selected[form.sede == ONLINE] { (lang.pick("Online (senza sede)", "Online (no hub)")) }
                                }
                            }
                        }
                        @if places.len() > 1 && places.iter().any(|(_, _, online)| *online) {
                            option value=(ONLINE) selected[form.sede == ONLINE] { (lang.pick("Online (senza sede)", "Online (no hub)")) }
                        }
                    }
                    @if let Some(problem) = hub_problem { p.error #e-sede { (problem) } }
                }
                div.field {
                    label for="f-modalita" { (lang.pick("Modalità", "Mode")) }
                    select #f-modalita name="modalita" required
                        aria-invalid=[mode_problem.map(|_| "true")]
                        aria-describedby=[mode_problem.map(|_| "e-modalita")] {
                        @for (mode, it, en) in [(Mode::InPerson, "In presenza", "In person"), (Mode::Online, "Online", "Online"), (Mode::Hybrid, "Ibrida (in presenza e online)", "Hybrid (in person and online)")] {
                            option value=(mode.as_str()) selected[mode.as_str() == form.modalita] { (lang.pick(it, en)) }
                        }
                    }
                    @if let Some(problem) = mode_problem { p.error #e-modalita { (problem) } }
                }
                (input("titolo", lang.pick("Titolo", "Title"), "text", &form.titolo, None, problems))
                div.grid {
                    (input("data", lang.pick("Data", "Date"), "date", &form.data, Some(lang.pick("gg/mm/aaaa", "dd/mm/yyyy")), problems))
                    (input("inizio", lang.pick("Ora di inizio", "Start time"), "time", &form.inizio, Some(lang.pick("ora della sede, per esempio 09:30", "the hub's time, for instance 09:30")), problems))
                    (input("fine", lang.pick("Ora di fine", "End time"), "time", &form.fine, Some(lang.pick("lo stesso giorno, per esempio 13:30", "the same day, for instance 13:30")), problems))
                }
                (input("posti", lang.pick("Posti", "Seats"), "number", &form.posti, Some(lang.pick("in un incontro ibrido metà sono online", "in a hybrid session half are online")), problems))
                fieldset {
                    legend { (lang.pick("Iscrizioni (facoltativo)", "Registration (optional)")) }
                    p.hint { (lang.pick("Senza date le iscrizioni si aprono subito e si chiudono all'inizio dell'incontro.", "Without dates registration opens at once and closes when the session starts.")) }
                    div.grid {
                        (input("apertura", lang.pick("Si aprono il", "Opens on"), "datetime-local", &form.apertura, None, problems))
                        (input("chiusura", lang.pick("Si chiudono il", "Closes on"), "datetime-local", &form.chiusura, None, problems))
                    }
                }
                button type="submit" { (lang.pick("Crea l'incontro", "Create the session")) }
            }
        },
    )
}

/// The form's own problem, or a summary pointing at the fields, in the staff's language.
fn general_in(lang: Lang, problems: &Problems) -> Markup {
    html! {
        @if let Some(problem) = problems.get("") {
            div.notice.bad role="alert" { p { (problem) } }
        } @else if !problems.is_empty() {
            div.notice.bad role="alert" { p { (lang.pick("Controlla i campi segnati qui sotto.", "Check the fields marked below.")) } }
        }
    }
}

/// The local date and time of an instant of `session` (its zone).
fn local(session: &SessionView, at: chrono::DateTime<chrono::Utc>) -> NaiveDateTime {
    session.local(at).unwrap_or(at.naive_utc())
}

/// The edit form's values from the session as it is.
fn form_of(session: &SessionView) -> SessionForm {
    let start = local(session, session.starts_at);
    let end = local(session, session.ends_at);
    SessionForm {
        titolo: session.title.clone(),
        sede: session
            .hub_id
            .as_ref()
            .map_or_else(|| ONLINE.to_owned(), ToString::to_string),
        data: start.format("%Y-%m-%d").to_string(),
        inizio: start.format("%H:%M").to_string(),
        fine: end.format("%H:%M").to_string(),
        posti: session.capacity().to_string(),
        ..SessionForm::default()
    }
}

/// `GET /gestione/incontri/{id}/modifica`: the session's facts to change, and the form that
/// cancels it (with the reason every registrant reads).
pub(crate) async fn edit_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let session = session_for(&state, &login, &id, Act::Change).await?;
        let program = state.program(session.program_id.as_str()).await?;
        Ok(html_response(
            StatusCode::OK,
            edit_form(
                lang,
                &login,
                &session,
                program.as_deref(),
                &form_of(&session),
                &Problems::default(),
            ),
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// What an edit asks for, read from the form against the session as it is: only what differs
/// is changed.
fn read_change(
    lang: Lang,
    staff: &Staff,
    session: &SessionView,
    program: Option<&Program>,
    form: &SessionForm,
) -> StaffResult<(SessionChange, Problems)> {
    let mut problems = Problems::default();
    let mut change = SessionChange::default();
    let title = form.titolo.trim();
    if title.is_empty() {
        problems.add("titolo", lang.pick("Scrivi il titolo.", "Write the title."));
    } else if title != session.title {
        change.title = Some(title.to_owned());
    }
    let mut zone = session.zone;
    let hub = form.sede.trim();
    if session.hub_id.is_some()
        && !hub.is_empty()
        && Some(hub) != session.hub_id.as_ref().map(HubId::as_str)
    {
        let found = HubId::parse(hub).ok().and_then(|id| {
            program
                .and_then(|p| p.hub(&id))
                .map(|h| (id, h.zone, h.partner.clone()))
        });
        match found {
            None => problems.add(
                "sede",
                lang.pick(
                    "Questa sede non è del programma.",
                    "This hub is not one of the program's.",
                ),
            ),
            Some((id, hub_zone, partner)) => {
                let place = Place {
                    program: &session.program_id,
                    hub: Some(&id),
                    partner: partner.as_ref(),
                    assigned: false,
                };
                if !staff.may(Act::Change, place) {
                    return Err(StaffError::Forbidden);
                }
                zone = hub_zone;
                change.hub_id = Some(id);
            }
        }
    }
    let (date, start, end) = read_day_and_times(lang, form, &mut problems);
    if let (Some(date), Some(start), Some(end)) = (date, start, end) {
        let moved = change.hub_id.is_some();
        let instant = |time: NaiveTime, field: &'static str, problems: &mut Problems| {
            Ambiguity::Refuse
                .instant(zone, date.and_time(time))
                .map_err(|err| problems.add(field, explained(lang, field, &err.to_string())))
                .ok()
        };
        let starts_at = instant(start, "inizio", &mut problems);
        let ends_at = instant(end, "fine", &mut problems);
        // In another zone the same civil times are other instants: they are given again.
        if starts_at.is_some_and(|at| at != session.starts_at || moved) {
            change.starts_at = starts_at;
        }
        if ends_at.is_some_and(|at| at != session.ends_at || moved) {
            change.ends_at = ends_at;
        }
    }
    match parse_seats(&form.posti) {
        None => problems.add(
            "posti",
            lang.pick(
                "Scrivi quanti posti ci sono, un numero intero.",
                "Write how many seats there are, a whole number.",
            ),
        ),
        Some(capacity) if i64::from(capacity) != session.capacity() => {
            match Seats::for_mode(session.mode, capacity) {
                Ok(seats) => change.seats = Some(seats),
                Err(err) => problems.add("posti", explained(lang, "posti", &err.to_string())),
            }
        }
        Some(_) => {}
    }
    Ok((change, problems))
}

/// The field a refusal of `change` is about when it changes one thing; the form's otherwise.
fn field_changed(change: &SessionChange) -> &'static str {
    let changed = [
        (change.title.is_some(), "titolo"),
        (change.hub_id.is_some(), "sede"),
        (
            change.starts_at.is_some() && change.ends_at.is_none(),
            "inizio",
        ),
        (
            change.ends_at.is_some() && change.starts_at.is_none(),
            "fine",
        ),
        (change.seats.is_some(), "posti"),
    ];
    let timed = change.starts_at.is_some() && change.ends_at.is_some();
    let mut fields = changed
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, field)| *field);
    match (fields.next(), fields.next(), timed) {
        (Some(field), None, false) => field,
        (None, None, true) => "inizio",
        _ => "",
    }
}

/// `POST /gestione/incontri/{id}/modifica`: the change as `PATCH /v1/sessions/{id}` makes it.
pub(crate) async fn save(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    form: Result<Form<SessionForm>, FormRejection>,
) -> Response {
    let result = async {
        let Form(form) = form.map_err(|err| StaffError::BadForm(err.body_text()))?;
        login.check(form.csrf.as_deref())?;
        let session = session_for(&state, &login, &id, Act::Change).await?;
        let program = state.program(session.program_id.as_str()).await?;
        let (change, mut problems) =
            read_change(lang, &login.staff(), &session, program.as_deref(), &form)?;
        let refused = |problems: &Problems, status| {
            html_response(
                status,
                edit_form(lang, &login, &session, program.as_deref(), &form, problems),
            )
        };
        if !problems.is_empty() {
            return Ok(refused(&problems, StatusCode::UNPROCESSABLE_ENTITY));
        }
        if change == SessionChange::default() {
            return Ok(see_other(&with_lang(&session_path(&id), lang)));
        }
        match admin::change_session_as(&state, &login.actor(), &id, &change).await {
            Ok(_) => Ok(see_other(&with_lang(&session_path(&id), lang))),
            Err(ApiError::Invalid(found)) => {
                let field = field_changed(&change);
                for problem in found {
                    problems.add(field, explained(lang, field, &problem.detail));
                }
                Ok(refused(&problems, StatusCode::UNPROCESSABLE_ENTITY))
            }
            Err(ApiError::Conflict(detail)) => {
                problems.add("", explained(lang, "", &detail));
                Ok(refused(&problems, StatusCode::CONFLICT))
            }
            Err(other) => Err(other.into()),
        }
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// `POST /gestione/incontri/{id}/annulla`: cancels the session with a reason, as `POST
/// /v1/sessions/{id}/cancellation` does; every registrant is told, with the reason.
pub(crate) async fn cancel(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    form: Result<Form<SessionForm>, FormRejection>,
) -> Response {
    let result = async {
        let Form(form) = form.map_err(|err| StaffError::BadForm(err.body_text()))?;
        login.check(form.csrf.as_deref())?;
        let session = session_for(&state, &login, &id, Act::Change).await?;
        let program = state.program(session.program_id.as_str()).await?;
        let mut problems = Problems::default();
        let refused = |problems: &Problems, status| {
            let mut shown = form_of(&session);
            form.motivo.clone_into(&mut shown.motivo);
            html_response(
                status,
                edit_form(lang, &login, &session, program.as_deref(), &shown, problems),
            )
        };
        let reason = form.motivo.trim();
        if reason.is_empty() {
            problems.add(
                "motivo",
                lang.pick(
                    "Scrivi il motivo: lo leggeranno tutte le persone iscritte.",
                    "Write the reason: everyone registered will read it.",
                ),
            );
            return Ok(refused(&problems, StatusCode::UNPROCESSABLE_ENTITY));
        }
        match admin::cancel_session_as(&state, &login.actor(), &id, Some(reason)).await {
            Ok(_) => Ok(see_other(&with_lang(&session_path(&id), lang))),
            Err(ApiError::Invalid(found)) => {
                for problem in found {
                    problems.add("motivo", explained(lang, "", &problem.detail));
                }
                Ok(refused(&problems, StatusCode::UNPROCESSABLE_ENTITY))
            }
            Err(ApiError::Conflict(detail)) => {
                problems.add("motivo", explained(lang, "", &detail));
                Ok(refused(&problems, StatusCode::CONFLICT))
            }
            Err(other) => Err(other.into()),
        }
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

fn edit_form(
    lang: Lang,
    login: &Login,
    session: &SessionView,
    program: Option<&Program>,
    form: &SessionForm,
    problems: &Problems,
) -> Markup {
    let id = session.id.as_str();
    let here = edit_path(id);
    let title = lang.pick("Modifica l'incontro", "Edit the session");
    let staff = login.staff();
    let hubs: Vec<(&str, &str)> = program
        .map(|p| {
            p.hubs()
                .iter()
                .filter(|h| {
                    staff.may(
                        Act::Change,
                        Place {
                            program: &session.program_id,
                            hub: Some(&h.id),
                            partner: h.partner.as_ref(),
                            assigned: false,
                        },
                    )
                })
                .map(|h| (h.id.as_str(), h.name.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let hub_problem = problems.get("sede");
    let reason_problem = problems.get("motivo");
    let cancelled = session.cancelled_at.is_some();
    staff_page(
        lang,
        title,
        Some(login),
        &here,
        html! {
            h1 { (title) }
            p { a href=(with_lang(&session_path(id), lang)) { (session.title) } " · " (super::dashboard::when(lang, session)) }
            @if cancelled {
                div.notice.bad role="status" { p { (lang.pick("Questo incontro è stato annullato: non si può più modificare.", "This session was cancelled: it can no longer be changed.")) } }
            }
            @if problems.get("motivo").is_none() { (general_in(lang, problems)) }
            @if !cancelled {
                form method="post" action=(with_lang(&here, lang)) novalidate {
                    input type="hidden" name="csrf" value=(login.csrf());
                    p.hint { (lang.pick(
                        "Se cambi data, orari, sede o titolo, tutte le persone iscritte ricevono un messaggio con i nuovi dati. Se aumenti i posti, passano subito le prime persone in lista d'attesa.",
                        "If you change the date, times, hub or title, everyone registered gets a message with the new facts. If you add seats, the first people waiting get them at once.",
                    )) }
                    (input("titolo", lang.pick("Titolo", "Title"), "text", &form.titolo, None, problems))
                    @if session.hub_id.is_some() {
                        div.field {
                            label for="f-sede" { (lang.pick("Sede", "Hub")) }
                            select #f-sede name="sede"
                                aria-invalid=[hub_problem.map(|_| "true")]
                                aria-describedby=[hub_problem.map(|_| "e-sede")] {
                                @for (hub, name) in &hubs {
                                    option value=(hub) selected[*hub == form.sede] { (name) }
                                }
                            }
                            @if let Some(problem) = hub_problem { p.error #e-sede { (problem) } }
                        }
                    } @else {
                        p { strong { (lang.pick("Sede: ", "Hub: ")) } (lang.pick("online", "online")) }
                    }
                    div.grid {
                        (input("data", lang.pick("Data", "Date"), "date", &form.data, Some(lang.pick("gg/mm/aaaa", "dd/mm/yyyy")), problems))
                        (input("inizio", lang.pick("Ora di inizio", "Start time"), "time", &form.inizio, None, problems))
                        (input("fine", lang.pick("Ora di fine", "End time"), "time", &form.fine, None, problems))
                    }
                    (input("posti", lang.pick("Posti", "Seats"), "number", &form.posti, Some(lang.pick("non meno dei posti già assegnati", "no fewer than the seats already given")), problems))
                    button type="submit" { (lang.pick("Salva le modifiche", "Save the changes")) }
                }
                h2 { (lang.pick("Annulla l'incontro", "Cancel the session")) }
                p { (lang.pick(
                    "Annullare l'incontro cancella tutte le iscrizioni e avvisa ogni persona iscritta o in lista d'attesa, con il motivo che scrivi qui. Non si può tornare indietro.",
                    "Cancelling the session cancels every registration and tells everyone registered or waiting, with the reason you write here. It cannot be undone.",
                )) }
                @if reason_problem.is_some() {
                    div.notice.bad role="alert" { p { (lang.pick("L'incontro non è stato annullato.", "The session was not cancelled.")) } }
                }
                form method="post" action=(with_lang(&format!("/gestione/incontri/{id}/annulla"), lang)) novalidate {
                    input type="hidden" name="csrf" value=(login.csrf());
                    div.field {
                        label for="f-motivo" { (lang.pick("Motivo dell'annullamento", "Reason for cancelling")) }
                        p.hint #h-motivo { (lang.pick("Lo leggono tutte le persone iscritte.", "Everyone registered reads it.")) }
                        textarea #f-motivo name="motivo" required
                            aria-invalid=[reason_problem.map(|_| "true")]
                            aria-describedby=(if reason_problem.is_some() { "h-motivo e-motivo" } else { "h-motivo" }) { (form.motivo) }
                        @if let Some(problem) = reason_problem { p.error #e-motivo { (problem) } }
                    }
                    button.danger type="submit" { (lang.pick("Annulla l'incontro e avvisa gli iscritti", "Cancel the session and tell the registrants")) }
                }
            }
        },
    )
}
