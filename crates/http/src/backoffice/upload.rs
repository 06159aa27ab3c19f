//! `/gestione/importa`: a file uploaded into sessions or registrations, in two steps.
//!
//! The first post is a **dry run**: the file (a calendar listing, an iCalendar file, or a
//! spreadsheet of registrations) is read and planned exactly as `skillhub import` plans it
//! (`skillhub_import::plan`, [`skillhub_store::Store::plan_registrations`]), and the page shows
//! what would be created, or every problem with its line and field; nothing is written. The
//! file comes back in a hidden field (base64), so the second post, "Importa", needs nothing
//! kept on the server: it plans the same bytes again and writes them all or nothing, through
//! the store's one transaction (`create_sessions`, `import_registrations`); when anything is
//! refused nothing is written and the page says why.
//!
//! Who may: sessions only at a hub where the account may create one ([`Staff::may_create`]: an
//! operator its own hub, a manager its program's); registrations only into sessions it may
//! change (any other row is a problem of its line); a trainer nothing (403). Manage tokens of
//! imported registrations are never shown: the people get their own by e-mail.

use std::sync::Arc;

use axum::Router;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{Datelike, Utc};
use maud::{Markup, html};
use skillhub_core::capacity::Seats;
use skillhub_core::ids::HubId;
use skillhub_core::program::Program;
use skillhub_core::session::{Ambiguity, Session};
use skillhub_core::staff::{Act, Staff};
use skillhub_import::{Problem, calendar, csv, ics, plan};
use skillhub_store::{RegistrationPlan, SessionView};

use super::editor::{places, session_path};
use super::frame::{staff_page, with_lang};
use super::{Login, Runners, StaffError, StaffResult};
use crate::state::AppState;
use crate::web::{Lang, PageLang, html_response};

/// The page.
const PATH: &str = "/gestione/importa";

/// The largest file accepted (a listing or a sheet of some thousand rows is far smaller).
const MAX_FILE: usize = 2 * 1024 * 1024;

/// The largest request: the file again in base64 (4/3 of it) and the other fields.
const MAX_BODY: usize = MAX_FILE * 3 / 2 + 64 * 1024;

/// The most problems listed (the rest are counted).
const MAX_PROBLEMS: usize = 100;

/// The most sessions one iCalendar series may become, as `skillhub import ics` by default.
const MAX_OCCURRENCES: u16 = 500;

/// The route, with its own body limit (the server's default is for JSON bodies).
pub(super) fn routes() -> Router<AppState> {
    Router::new().route(
        PATH,
        get(upload_page)
            .post(upload)
            .layer(DefaultBodyLimit::max(MAX_BODY)),
    )
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A calendar listing (`- 12 febbraio (9.30 – 13.30) ➔ Titolo`).
    Listing,
    /// An iCalendar file.
    Ics,
    /// A spreadsheet of registrations.
    Registrations,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Listing, Kind::Ics, Kind::Registrations];

    fn value(self) -> &'static str {
        match self {
            Kind::Listing => "calendario",
            Kind::Ics => "ics",
            Kind::Registrations => "iscrizioni",
        }
    }

    fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.value() == text.trim())
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            Kind::Listing => lang.pick(
                "Calendario degli incontri (testo)",
                "Calendar listing (text)",
            ),
            Kind::Ics => lang.pick("File iCalendar (.ics)", "iCalendar file (.ics)"),
            Kind::Registrations => lang.pick(
                "Foglio di iscrizioni (CSV)",
                "Spreadsheet of registrations (CSV)",
            ),
        }
    }

    fn hint(self, lang: Lang) -> &'static str {
        match self {
            Kind::Listing => lang.pick(
                "Una riga per incontro, per esempio «- 12 febbraio (9.30 – 13.30) ➔ Titolo». Servono la sede e i posti.",
                "One line per session, for instance “- 12 febbraio (9.30 – 13.30) ➔ Title”. Needs the hub and the seats.",
            ),
            Kind::Ics => lang.pick(
                "Esportato da un calendario (Google, Outlook …); le serie diventano un incontro per data. Servono la sede e i posti.",
                "Exported from a calendar (Google, Outlook …); a series becomes one session per date. Needs the hub and the seats.",
            ),
            Kind::Registrations => lang.pick(
                "Colonne sessione, nome e cognome, e-mail (e, se servono alle regole del programma, le altre). Separatore «;» o «,».",
                "Columns sessione, nome e cognome, e-mail (and the others the program's rules need). Separator “;” or “,”.",
            ),
        }
    }
}

/// The form as sent: the upload, or the confirmation with the file back in `contenuto`.
#[derive(Debug, Default)]
struct UploadForm {
    csrf: Option<String>,
    kind: String,
    name: String,
    bytes: Vec<u8>,
    hub: String,
    seats: String,
    year: String,
    import: bool,
}

/// What planning found: what would be written, or the problems.
enum Planned {
    Sessions(Vec<Session>),
    Registrations(RegistrationPlan),
}

/// A problem of the form itself (no file, no hub …), by field.
type FieldProblems = Vec<(&'static str, String)>;

/// `GET /gestione/importa`.
pub(crate) async fn upload_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
) -> Response {
    let result = async {
        let places = places(&state, &login.staff()).await?;
        if places.is_empty() {
            return Err(StaffError::Forbidden);
        }
        let form = UploadForm {
            kind: Kind::Listing.value().to_owned(),
            year: Utc::now().year().to_string(),
            ..UploadForm::default()
        };
        Ok(html_response(
            StatusCode::OK,
            page(lang, &login, &places, &form, &Outcome::Form(Vec::new())),
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// Reads the multipart body; `Err` with a field problem when the file is too large.
async fn read_form(
    mut multipart: Multipart,
    lang: Lang,
) -> StaffResult<Result<UploadForm, String>> {
    let mut form = UploadForm::default();
    let mut content: Option<String> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Ok(Err(too_large(lang)));
            }
            Err(err) => return Err(StaffError::BadForm(err.body_text())),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let bytes = match field.bytes().await {
                Ok(bytes) => bytes,
                Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Ok(Err(too_large(lang)));
                }
                Err(err) => return Err(StaffError::BadForm(err.body_text())),
            };
            if !bytes.is_empty() {
                form.bytes = bytes.to_vec();
                form.name = file_name;
            }
            continue;
        }
        let text = match field.text().await {
            Ok(text) => text,
            Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Ok(Err(too_large(lang)));
            }
            Err(err) => return Err(StaffError::BadForm(err.body_text())),
        };
        match name.as_str() {
            "csrf" => form.csrf = Some(text),
            "tipo" => form.kind = text,
            "nome" => form.name = text,
            "contenuto" => content = Some(text),
            "sede" => form.hub = text,
            "posti" => form.seats = text,
            "anno" => form.year = text,
            "azione" => form.import = text == "importa",
            _ => {}
        }
    }
    if form.bytes.is_empty()
        && let Some(content) = content
    {
        form.bytes = BASE64
            .decode(content.trim())
            .map_err(|err| StaffError::BadForm(format!("contenuto: {err}")))?;
    }
    if form.bytes.len() > MAX_FILE {
        return Ok(Err(too_large(lang)));
    }
    if form.name.trim().is_empty() {
        "file".clone_into(&mut form.name);
    }
    Ok(Ok(form))
}

fn too_large(lang: Lang) -> String {
    format!(
        "{} {} MB.",
        lang.pick(
            "Il file è troppo grande: al massimo",
            "The file is too large: at most"
        ),
        MAX_FILE / 1024 / 1024
    )
}

/// What the page shows under the form.
enum Outcome {
    /// The form alone, with its own problems, if any.
    Form(FieldProblems),
    /// The file's problems, by line: nothing was or would be written.
    Problems(Vec<Problem>, usize),
    /// What the file would create, and the confirmation.
    DryRun(Planned),
    /// The import was refused as a whole: why.
    Refused(String),
    /// What was written.
    Done(Planned),
}

/// `POST /gestione/importa`: a dry run, or (`azione=importa`) the import.
pub(crate) async fn upload(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let result = async {
        let multipart = multipart.map_err(|err| StaffError::BadForm(err.body_text()))?;
        let form = match read_form(multipart, lang).await? {
            Ok(form) => form,
            Err(problem) => {
                // The form's token is in the body that could not be read: show the form again
                // only to someone logged in (the extractor checked), with nothing done.
                let places = places(&state, &login.staff()).await?;
                let empty = UploadForm::default();
                return Ok(html_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    page(
                        lang,
                        &login,
                        &places,
                        &empty,
                        &Outcome::Form(vec![("file", problem)]),
                    ),
                ));
            }
        };
        login.check(form.csrf.as_deref())?;
        let staff = login.staff();
        let places = places(&state, &staff).await?;
        if places.is_empty() {
            return Err(StaffError::Forbidden);
        }
        let (status, outcome) = run(&state, lang, &login, &staff, &places, &form).await?;
        Ok(html_response(
            status,
            page(lang, &login, &places, &form, &outcome),
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// Plans the file and, when asked and all is well, writes it.
async fn run(
    state: &AppState,
    lang: Lang,
    login: &Login,
    staff: &Staff,
    places: &[(Arc<Program>, Vec<HubId>, bool)],
    form: &UploadForm,
) -> StaffResult<(StatusCode, Outcome)> {
    let mut problems: FieldProblems = Vec::new();
    let kind = Kind::parse(&form.kind);
    if kind.is_none() {
        problems.push((
            "tipo",
            lang.pick(
                "Scegli che cosa contiene il file.",
                "Choose what the file holds.",
            )
            .to_owned(),
        ));
    }
    if form.bytes.is_empty() {
        problems.push((
            "file",
            lang.pick("Scegli il file da caricare.", "Choose the file to upload.")
                .to_owned(),
        ));
    }
    let Some(kind) = kind else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Outcome::Form(problems)));
    };
    let planned = match kind {
        Kind::Registrations => {
            if !problems.is_empty() {
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, Outcome::Form(problems)));
            }
            plan_registrations(state, login, staff, form).await?
        }
        Kind::Listing | Kind::Ics => {
            let Some((program, hub, seats, year)) =
                target_fields(lang, staff, places, form, &mut problems)?
            else {
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, Outcome::Form(problems)));
            };
            if !problems.is_empty() {
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, Outcome::Form(problems)));
            }
            plan_sessions(state, kind, &program, &hub, seats, year, form).await?
        }
    };
    let planned = match planned {
        Ok(planned) => planned,
        Err((found, more)) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome::Problems(found, more),
            ));
        }
    };
    if !form.import {
        return Ok((StatusCode::OK, Outcome::DryRun(planned)));
    }
    write(state, login, planned).await
}

/// The hub, its program, the seats and the year a listing or a calendar needs; `None` (with the
/// problems) when they cannot be read. A hub the account may not create at is a refusal.
#[allow(clippy::type_complexity)]
fn target_fields(
    lang: Lang,
    staff: &Staff,
    places: &[(Arc<Program>, Vec<HubId>, bool)],
    form: &UploadForm,
    problems: &mut FieldProblems,
) -> StaffResult<Option<(Arc<Program>, HubId, Seats, i32)>> {
    let seats = form
        .seats
        .trim()
        .parse::<u32>()
        .ok()
        .and_then(|n| Seats::new(i64::from(n), 0).ok());
    if seats.is_none() {
        problems.push((
            "posti",
            lang.pick(
                "Scrivi quanti posti ha ogni incontro, un numero intero.",
                "Write how many seats each session has, a whole number.",
            )
            .to_owned(),
        ));
    }
    let year = form
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=2200).contains(y));
    if year.is_none() {
        problems.push((
            "anno",
            lang.pick(
                "Scrivi l'anno delle date che non lo indicano, per esempio 2030.",
                "Write the year of the dates that do not say it, for instance 2030.",
            )
            .to_owned(),
        ));
    }
    let hub = HubId::parse(form.hub.trim()).ok();
    let found = hub.as_ref().and_then(|hub| {
        places
            .iter()
            .find(|(p, _, _)| p.hub(hub).is_some())
            .map(|(p, _, _)| p.clone())
    });
    let (Some(hub), Some(program)) = (hub, found) else {
        // A hub of a program outside the account's reach is not among its places either.
        if !form.hub.trim().is_empty() && HubId::parse(form.hub.trim()).is_ok() {
            return Err(StaffError::Forbidden);
        }
        problems.push((
            "sede",
            lang.pick(
                "Scegli la sede degli incontri.",
                "Choose the sessions' hub.",
            )
            .to_owned(),
        ));
        return Ok(None);
    };
    let partner = program.hub(&hub).and_then(|h| h.partner.as_ref());
    if !staff.may_create(program.id(), Some(&hub), partner) {
        return Err(StaffError::Forbidden);
    }
    let (Some(seats), Some(year)) = (seats, year) else {
        return Ok(None);
    };
    Ok(Some((program, hub, seats, year)))
}

/// A file's problems (the first [`MAX_PROBLEMS`]) and how many more there were.
type FileProblems = (Vec<Problem>, usize);

fn file_problems(err: skillhub_import::Error, file: &str) -> FileProblems {
    match err {
        skillhub_import::Error::Invalid(report) => (report.problems, report.more),
        other => (
            vec![Problem {
                file: file.to_owned(),
                line: 0,
                field: None,
                message: other.to_string(),
            }],
            0,
        ),
    }
}

/// The file as text: UTF-8 (a byte-order mark is fine).
fn text_of(form: &UploadForm) -> Result<&str, FileProblems> {
    std::str::from_utf8(&form.bytes).map_err(|err| {
        (
            vec![Problem {
                file: form.name.clone(),
                line: 0,
                field: None,
                message: format!(
                    "the file is not UTF-8 text ({err}): save it as UTF-8 and upload it again"
                ),
            }],
            0,
        )
    })
}

/// The sessions a listing or a calendar would create at `hub`, planned as `skillhub import`
/// plans them; a session whose id exists already is a problem of its line.
async fn plan_sessions(
    state: &AppState,
    kind: Kind,
    program: &Program,
    hub: &HubId,
    seats: Seats,
    year: i32,
    form: &UploadForm,
) -> StaffResult<Result<Planned, FileProblems>> {
    let Some(zone) = program.hub(hub).map(|h| h.zone) else {
        return Err(StaffError::NotFound);
    };
    let file = form.name.as_str();
    let text = match text_of(form) {
        Ok(text) => text,
        Err(problems) => return Ok(Err(problems)),
    };
    let planned = match kind {
        Kind::Listing => {
            let options = calendar::Options {
                year,
                zone,
                ambiguity: Ambiguity::Refuse,
            };
            calendar::parse(file, text, &options)
                .map(|listing| plan::from_listing(&listing, Ambiguity::Refuse))
        }
        _ => {
            let options = ics::ImportOptions {
                zone,
                ambiguity: Ambiguity::Refuse,
                max_occurrences: MAX_OCCURRENCES,
            };
            ics::parse(file, text, &options)
                .and_then(|events| plan::from_events(file, &events, zone))
        }
    };
    let target = plan::Target {
        program: program.id(),
        hub,
        zone,
        seats,
    };
    let sessions = match planned.and_then(|planned| {
        plan::sessions(file, &planned, &target).map(|sessions| (planned, sessions))
    }) {
        Ok(found) => found,
        Err(err) => return Ok(Err(file_problems(err, file))),
    };
    let (planned, sessions) = sessions;
    let mut taken = Vec::new();
    for (listed, session) in planned.iter().zip(&sessions) {
        if state
            .store()
            .session(session.id().as_str())
            .await?
            .is_some()
        {
            taken.push(Problem {
                file: file.to_owned(),
                line: listed.line,
                field: None,
                message: format!(
                    "a session with id {:?} exists already (was this file imported before?)",
                    session.id().as_str()
                ),
            });
        }
    }
    if !taken.is_empty() {
        return Ok(Err((taken, 0)));
    }
    Ok(Ok(Planned::Sessions(sessions)))
}

/// The registrations a sheet would write, judged as `skillhub import csv registrations`
/// judges them; a row naming a session the account may not change is a problem of its line.
async fn plan_registrations(
    state: &AppState,
    login: &Login,
    staff: &Staff,
    form: &UploadForm,
) -> StaffResult<Result<Planned, FileProblems>> {
    let file = form.name.as_str();
    let options = csv::ReadOptions {
        max_problems: MAX_PROBLEMS,
        ..csv::ReadOptions::new(Utc::now().date_naive())
    };
    let mut rows = Vec::new();
    if let Err(err) = csv::read_registrations(
        file,
        form.bytes.as_slice(),
        &options,
        |_| {},
        |row| rows.push(row),
    ) {
        return Ok(Err(file_problems(err, file)));
    }
    let runners = Runners::load(state, staff).await?;
    let in_scope =
        |session: &SessionView| staff.may(Act::Change, runners.place(staff, session, &[]));
    let planned = state
        .store()
        .plan_registrations(file, &rows, &login.actor(), in_scope, MAX_PROBLEMS)
        .await?;
    Ok(planned
        .map(Planned::Registrations)
        .map_err(|err| file_problems(err, file)))
}

/// Writes what was planned, all or nothing.
async fn write(
    state: &AppState,
    login: &Login,
    planned: Planned,
) -> StaffResult<(StatusCode, Outcome)> {
    match planned {
        Planned::Sessions(sessions) => {
            match state
                .store()
                .create_sessions(&login.actor(), &sessions)
                .await
            {
                Ok(_) => Ok((StatusCode::OK, Outcome::Done(Planned::Sessions(sessions)))),
                Err(
                    err @ (skillhub_store::Error::DuplicateSession(_)
                    | skillhub_store::Error::UnknownHub(_)
                    | skillhub_store::Error::UnknownProgram(_)),
                ) => Ok((StatusCode::CONFLICT, Outcome::Refused(err.to_string()))),
                Err(err) => Err(err.into()),
            }
        }
        Planned::Registrations(plan) => {
            match state
                .store()
                .import_registrations(&plan.requests, Utc::now())
                .await
            {
                Ok(_) => Ok((StatusCode::OK, Outcome::Done(Planned::Registrations(plan)))),
                Err(err) => {
                    let Some(line) = err.index.and_then(|i| plan.lines.get(i)) else {
                        return Err(err.source.into());
                    };
                    if err.source.is_unavailable() {
                        return Err(err.source.into());
                    }
                    Ok((
                        StatusCode::CONFLICT,
                        Outcome::Refused(format!("riga {line}: {}", err.source)),
                    ))
                }
            }
        }
    }
}

fn page(
    lang: Lang,
    login: &Login,
    places: &[(Arc<Program>, Vec<HubId>, bool)],
    form: &UploadForm,
    outcome: &Outcome,
) -> Markup {
    let title = lang.pick("Importa un file", "Import a file");
    let field_problems: &[(&'static str, String)] = match outcome {
        Outcome::Form(problems) => problems,
        _ => &[],
    };
    let problem = |name: &str| {
        field_problems
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, m)| m.as_str())
    };
    let chosen = Kind::parse(&form.kind).unwrap_or(Kind::Listing);
    staff_page(
        lang,
        title,
        Some(login),
        PATH,
        html! {
            h1 { (title) }
            (result(lang, login, form, outcome))
            @if !matches!(outcome, Outcome::Done(_)) {
                @if matches!(outcome, Outcome::DryRun(_)) {
                    h2 { (lang.pick("Oppure carica un altro file", "Or upload another file")) }
                }
                p { (lang.pick(
                    "Prima il file viene controllato e vedi che cosa verrebbe creato e ogni problema con la sua riga: non si scrive nulla. Poi un clic importa tutto, oppure niente se qualcosa non va.",
                    "First the file is checked and you see what would be created and every problem with its line: nothing is written. Then one click imports everything, or nothing if anything is wrong.",
                )) }
                @if !field_problems.is_empty() {
                    div.notice.bad role="alert" { p { (lang.pick("Controlla i campi segnati qui sotto.", "Check the fields marked below.")) } }
                }
                form method="post" action=(with_lang(PATH, lang)) enctype="multipart/form-data" novalidate {
                    input type="hidden" name="csrf" value=(login.csrf());
                    input type="hidden" name="azione" value="prova";
                    fieldset aria-describedby=[problem("tipo").map(|_| "e-tipo")] {
                        legend { (lang.pick("Che cosa contiene il file", "What the file holds")) }
                        @for kind in Kind::ALL {
                            @let id = format!("f-tipo-{}", kind.value());
                            div.field {
                                label.check for=(id) {
                                    input #(id) type="radio" name="tipo" value=(kind.value()) checked[kind == chosen] aria-describedby=(format!("h-{id}"));
                                    span { (kind.label(lang)) }
                                }
                                p.hint id=(format!("h-{id}")) { (kind.hint(lang)) }
                            }
                        }
                        @if let Some(message) = problem("tipo") { p.error #e-tipo { (message) } }
                    }
                    div.field {
                        label for="f-file" { (lang.pick("File", "File")) }
                        input #f-file type="file" name="file" required accept=".txt,.ics,.csv,text/plain,text/calendar,text/csv"
                            aria-invalid=[problem("file").map(|_| "true")]
                            aria-describedby=[problem("file").map(|_| "e-file")];
                        @if let Some(message) = problem("file") { p.error #e-file { (message) } }
                    }
                    fieldset {
                        legend { (lang.pick("Per calendari e file iCalendar", "For listings and iCalendar files")) }
                        div.field {
                            label for="f-sede" { (lang.pick("Sede degli incontri", "The sessions' hub")) }
                            select #f-sede name="sede"
                                aria-invalid=[problem("sede").map(|_| "true")]
                                aria-describedby=[problem("sede").map(|_| "e-sede")] {
                                option value="" { (lang.pick("— scegli —", "— choose —")) }
                                @for (program, hubs, _) in places {
                                    @if !hubs.is_empty() {
                                        optgroup label=(program.name()) {
                                            @for hub in hubs {
                                                @let name = program.hub(hub).map_or(hub.as_str(), |h| h.name.as_str());
                                                option value=(hub) selected[hub.as_str() == form.hub.trim()] { (name) }
                                            }
                                        }
                                    }
                                }
                            }
                            @if let Some(message) = problem("sede") { p.error #e-sede { (message) } }
                        }
                        div.grid {
                            div.field {
                                label for="f-posti" { (lang.pick("Posti di ogni incontro", "Seats of each session")) }
                                input #f-posti type="number" name="posti" min="0" value=(form.seats)
                                    aria-invalid=[problem("posti").map(|_| "true")]
                                    aria-describedby=[problem("posti").map(|_| "e-posti")];
                                @if let Some(message) = problem("posti") { p.error #e-posti { (message) } }
                            }
                            div.field {
                                label for="f-anno" { (lang.pick("Anno delle date senza anno", "Year of dates without one")) }
                                input #f-anno type="number" name="anno" min="1900" max="2200" value=(form.year)
                                    aria-invalid=[problem("anno").map(|_| "true")]
                                    aria-describedby=[problem("anno").map(|_| "e-anno")];
                                @if let Some(message) = problem("anno") { p.error #e-anno { (message) } }
                            }
                        }
                    }
                    button type="submit" { (lang.pick("Controlla il file (prova)", "Check the file (dry run)")) }
                }
            }
        },
    )
}

/// The dry run's or the import's result.
fn result(lang: Lang, login: &Login, form: &UploadForm, outcome: &Outcome) -> Markup {
    match outcome {
        Outcome::Form(_) => html! {},
        Outcome::Problems(problems, more) => html! {
            div.notice.bad role="alert" {
                p { strong { (lang.pick("Il file ha dei problemi: non è stato importato nulla.", "The file has problems: nothing was imported.")) } }
                p { (lang.pick("Correggi le righe indicate e carica di nuovo il file.", "Fix the lines shown and upload the file again.")) }
            }
            div.table-box {
                table {
                    caption { (lang.pick("Problemi in ", "Problems in ")) (form.name) }
                    thead { tr {
                        th scope="col" { (lang.pick("Riga", "Line")) }
                        th scope="col" { (lang.pick("Campo", "Field")) }
                        th scope="col" { (lang.pick("Problema", "Problem")) }
                    } }
                    tbody {
                        @for problem in problems {
                            tr {
                                td { @if problem.line > 0 { (lang.pick("riga ", "line ")) (problem.line) } @else { "—" } }
                                td { (problem.field.as_deref().unwrap_or("—")) }
                                td { (problem.message) }
                            }
                        }
                    }
                }
            }
            @if *more > 0 {
                p { (lang.pick("E altri problemi: ", "And more problems: ")) (more) "." }
            }
        },
        Outcome::DryRun(planned) => html! {
            div.notice role="status" {
                p { strong { (lang.pick("Prova riuscita: non è stato ancora scritto nulla.", "Dry run passed: nothing has been written yet.")) } }
                p { (summary(lang, planned, false)) }
            }
            (table(lang, planned))
            form method="post" action=(with_lang(PATH, lang)) enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(login.csrf());
                input type="hidden" name="azione" value="importa";
                input type="hidden" name="tipo" value=(form.kind);
                input type="hidden" name="nome" value=(form.name);
                input type="hidden" name="sede" value=(form.hub);
                input type="hidden" name="posti" value=(form.seats);
                input type="hidden" name="anno" value=(form.year);
                input type="hidden" name="contenuto" value=(BASE64.encode(&form.bytes));
                button type="submit" { (lang.pick("Importa", "Import")) }
            }
        },
        Outcome::Refused(why) => html! {
            div.notice.bad role="alert" {
                p { strong { (lang.pick("Importazione rifiutata: non è stato scritto nulla.", "Import refused: nothing was written.")) } }
                p { (why) }
            }
        },
        Outcome::Done(planned) => html! {
            div.notice.ok role="status" {
                p { strong { (summary(lang, planned, true)) } }
            }
            (table(lang, planned))
            p { a href=(with_lang(PATH, lang)) { (lang.pick("Importa un altro file", "Import another file")) } " · " a href=(with_lang("/gestione", lang)) { (lang.pick("Torna alla bacheca", "Back to the dashboard")) } }
        },
    }
}

fn summary(lang: Lang, planned: &Planned, done: bool) -> String {
    match (planned, done) {
        (Planned::Sessions(s), false) => format!("{} {}", s.len(), lang.pick("incontri da creare.", "sessions to create.")),
        (Planned::Sessions(s), true) => format!("{} {}", s.len(), lang.pick("incontri creati.", "sessions created.")),
        (Planned::Registrations(p), false) => format!("{} {}", p.requests.len(), lang.pick("iscrizioni da registrare (confermate finché ci sono posti, poi in lista d'attesa).", "registrations to record (confirmed while seats last, then waiting).")),
        (Planned::Registrations(p), true) => format!("{} {}", p.requests.len(), lang.pick("iscrizioni registrate: ognuno riceve il suo messaggio.", "registrations recorded: each person gets their message.")),
    }
}

fn table(lang: Lang, planned: &Planned) -> Markup {
    match planned {
        Planned::Sessions(sessions) => html! {
            div.table-box {
                table {
                    caption { (lang.pick("Incontri", "Sessions")) }
                    thead { tr {
                        th scope="col" { (lang.pick("Data e ora", "Date and time")) }
                        th scope="col" { (lang.pick("Sede", "Hub")) }
                        th scope="col" { (lang.pick("Titolo", "Title")) }
                        th.num scope="col" { (lang.pick("Posti", "Seats")) }
                    } }
                    tbody {
                        @for session in sessions {
                            tr {
                                td { (lang.span(session.local_start(), session.local_end())) }
                                td { (session.hub().map_or("—", |h| h.as_str())) }
                                td { (session.title()) }
                                td.num { (session.seats().total()) }
                            }
                        }
                    }
                }
            }
        },
        Planned::Registrations(plan) => html! {
            div.table-box {
                table {
                    caption { (lang.pick("Iscrizioni", "Registrations")) }
                    thead { tr {
                        th scope="col" { (lang.pick("Riga", "Line")) }
                        th scope="col" { (lang.pick("Nome", "Name")) }
                        th scope="col" { (lang.pick("E-mail", "E-mail")) }
                        th scope="col" { (lang.pick("Incontro", "Session")) }
                        th scope="col" { (lang.pick("Posto", "Seat")) }
                        th.num scope="col" { (lang.pick("Fascia", "Tier")) }
                    } }
                    tbody {
                        @for (request, line) in plan.requests.iter().zip(&plan.lines) {
                            @let session = plan.sessions.get(request.session_id.as_str());
                            tr {
                                td { (line) }
                                td { (request.person.name.as_str()) }
                                td { (request.person.email.as_str()) }
                                td {
                                    @match session {
                                        Some(s) => { a href=(with_lang(&session_path(s.id.as_str()), lang)) { (s.title) } " · " (super::dashboard::when(lang, s)) },
                                        None => (request.session_id),
                                    }
                                }
                                td { @match (request.kind, session) {
                                    (Some(kind), _) => (lang.pick(kind.name_it(), kind.name_en())),
                                    (None, Some(s)) => (lang.pick(s.default_kind().name_it(), s.default_kind().name_en())),
                                    (None, None) => "—",
                                } }
                                td.num { (request.tier) }
                            }
                        }
                    }
                }
            }
        },
    }
}
