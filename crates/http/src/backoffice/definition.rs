//! `/gestione/programmi/nuovo`, `/gestione/programmi/{id}/definizione` and
//! `/gestione/programmi/{id}/versioni`: a program's definition uploaded or edited in the back
//! office, with a preview, and its history.
//!
//! The one use case is [`skillhub_store::Store::put_program`], as for `skillhub programs load` and
//! `POST`/`PUT /v1/programs`: the same validation, the same refusals, the same versions. The form
//! takes a file (`.toml` or `.json`) or the text in a box; "Anteprima" is a dry run that shows
//! what would change (targets, rules, hubs, sessions added) and, when a rule of eligibility or
//! priority changes, that it applies to registrations made from then on only; "Salva" writes,
//! all or nothing. Every problem is listed with its line and its field's JSON pointer, and the
//! text stays in the box to be fixed.
//!
//! Who may: a new program, an admin; a program's definition and history, an admin or the
//! program's manager ([`skillhub_core::staff::Staff::sees_whole_program`]). The text's id must
//! be the page's program, so a manager cannot replace another program through their own page.

use axum::Router;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use maud::{Markup, html};
use skillhub_core::definition::{self, Format};
use skillhub_core::fixture::ProgramError;
use skillhub_core::ids::ProgramId;
use skillhub_core::revision::Change;
use skillhub_core::staff::Role;
use skillhub_store::{ProgramPlan, ProgramRefusal, PutMode, PutProgram, Run};

use super::frame::{staff_page, with_lang};
use super::{Login, StaffError, StaffResult};
use crate::state::AppState;
use crate::web::{Lang, PageLang, html_response};

/// The largest definition accepted (the largest seed is some 30 KB).
const MAX_TEXT: usize = 512 * 1024;

/// The most problems listed (the rest are counted).
const MAX_PROBLEMS: usize = 100;

/// The page of a new program.
const NEW: &str = "/gestione/programmi/nuovo";

/// The routes, with their own body limit.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            NEW,
            get(new_page)
                .post(new_program)
                .layer(DefaultBodyLimit::max(MAX_TEXT * 2)),
        )
        .route(
            "/gestione/programmi/{id}/definizione",
            get(edit_page)
                .post(edit_program)
                .layer(DefaultBodyLimit::max(MAX_TEXT * 2)),
        )
        .route("/gestione/programmi/{id}/versioni", get(history_page))
}

/// The path of a program's definition page.
pub(crate) fn definition_path(id: &ProgramId) -> String {
    format!("/gestione/programmi/{id}/definizione")
}

/// The path of a program's history page.
pub(crate) fn history_path(id: &ProgramId) -> String {
    format!("/gestione/programmi/{id}/versioni")
}

/// The form as sent.
#[derive(Debug, Default)]
struct DefinitionForm {
    csrf: Option<String>,
    text: String,
    format: Option<Format>,
    save: bool,
}

impl DefinitionForm {
    /// The text's format: the file's extension, else JSON when it opens with `{`, else TOML.
    fn format(&self) -> Format {
        self.format.unwrap_or_else(|| {
            if self.text.trim_start().starts_with('{') {
                Format::Json
            } else {
                Format::Toml
            }
        })
    }
}

/// What the page shows under the form.
enum Outcome {
    /// The form alone.
    Form,
    /// A problem of the form itself (empty, too large, not UTF-8).
    FormProblem(String),
    /// The text's problems: nothing was or would be written.
    Problems(Vec<Problem>),
    /// The store refused the definition as a whole: why.
    Refused(String),
    /// What saving would do.
    Preview(ProgramPlan),
    /// What was saved.
    Saved(ProgramPlan),
}

/// One problem of the text, where to find it.
struct Problem {
    line: Option<usize>,
    pointer: Option<String>,
    message: String,
}

/// Which page: a new program, or the definition of one.
#[derive(Clone, Copy)]
enum Target<'a> {
    New,
    Edit(&'a ProgramId, i64),
}

/// `GET /gestione/programmi/nuovo`.
async fn new_page(PageLang(lang): PageLang, login: Login) -> Response {
    if login.account().scope.role() != Role::Admin {
        return StaffError::Forbidden.render(lang, Some(&login));
    }
    html_response(
        StatusCode::OK,
        page(
            lang,
            &login,
            Target::New,
            &DefinitionForm::default(),
            &Outcome::Form,
        ),
    )
}

/// `POST /gestione/programmi/nuovo`: a preview, or (`azione=salva`) the new program.
async fn new_program(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let result = async {
        if login.account().scope.role() != Role::Admin {
            return Err(StaffError::Forbidden);
        }
        let (form, problem) = read(multipart, lang).await?;
        login.check(form.csrf.as_deref())?;
        let (status, outcome) = match problem {
            Some(problem) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome::FormProblem(problem),
            ),
            None => put(&state, lang, &login, &form, None).await?,
        };
        Ok(html_response(
            status,
            page(lang, &login, Target::New, &form, &outcome),
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// The stored program `id` with its version, when `login` may change its definition.
async fn editable(
    state: &AppState,
    login: &Login,
    id: &str,
) -> StaffResult<skillhub_store::StoredProgram> {
    let stored = state
        .store()
        .stored_program(id)
        .await?
        .ok_or(StaffError::NotFound)?;
    if !login.staff().sees_whole_program(stored.program.id()) {
        return Err(StaffError::Forbidden);
    }
    Ok(stored)
}

/// `GET /gestione/programmi/{id}/definizione`: the current definition in the box.
async fn edit_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let stored = editable(&state, &login, &id).await?;
        let form = DefinitionForm {
            text: stored.definition.clone(),
            format: Some(stored.format),
            ..DefinitionForm::default()
        };
        Ok(html_response(
            StatusCode::OK,
            page(
                lang,
                &login,
                Target::Edit(stored.program.id(), stored.version),
                &form,
                &Outcome::Form,
            ),
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// `POST /gestione/programmi/{id}/definizione`: a preview, or (`azione=salva`) a new version.
async fn edit_program(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let result = async {
        let stored = editable(&state, &login, &id).await?;
        let (form, problem) = read(multipart, lang).await?;
        login.check(form.csrf.as_deref())?;
        let (status, outcome) = match problem {
            Some(problem) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome::FormProblem(problem),
            ),
            None => put(&state, lang, &login, &form, Some(stored.program.id())).await?,
        };
        let version = match &outcome {
            Outcome::Saved(plan) => plan.version,
            _ => stored.version,
        };
        Ok(html_response(
            status,
            page(
                lang,
                &login,
                Target::Edit(stored.program.id(), version),
                &form,
                &outcome,
            ),
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// Reads the multipart body: the form, and a problem of the form itself if any (the text is
/// then what could be read, maybe empty).
async fn read(
    multipart: Result<Multipart, MultipartRejection>,
    lang: Lang,
) -> StaffResult<(DefinitionForm, Option<String>)> {
    let mut multipart = multipart.map_err(|err| StaffError::BadForm(err.body_text()))?;
    let mut form = DefinitionForm::default();
    let mut file: Option<(String, Vec<u8>)> = None;
    let too_large = || {
        format!(
            "{} {} KB.",
            lang.pick(
                "Il testo è troppo grande: al massimo",
                "The text is too large: at most"
            ),
            MAX_TEXT / 1024
        )
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Ok((form, Some(too_large())));
            }
            Err(err) => return Err(StaffError::BadForm(err.body_text())),
        };
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Ok((form, Some(too_large())));
            }
            Err(err) => return Err(StaffError::BadForm(err.body_text())),
        };
        match name.as_str() {
            "file" if !bytes.is_empty() => {
                file = Some((file_name.unwrap_or_default(), bytes.to_vec()));
            }
            "csrf" => form.csrf = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "definizione" => form.text = String::from_utf8_lossy(&bytes).into_owned(),
            "azione" => form.save = bytes.as_ref() == b"salva",
            _ => {}
        }
    }
    if let Some((name, bytes)) = file {
        // A file chosen replaces the box: it is what the person meant to send.
        form.format = Format::of_file(&name);
        match String::from_utf8(bytes) {
            Ok(text) => form.text = text,
            Err(_) => {
                return Ok((
                    form,
                    Some(
                        lang.pick(
                            "Il file non è testo UTF-8: salvalo come UTF-8 (TOML o JSON) e riprova.",
                            "The file is not UTF-8 text: save it as UTF-8 (TOML or JSON) and try again.",
                        )
                        .to_owned(),
                    ),
                ));
            }
        }
        // Nothing was saved yet: a new file is always previewed first.
        form.save = false;
    }
    if form.text.len() > MAX_TEXT {
        form.text.clear();
        return Ok((form, Some(too_large())));
    }
    if form.text.trim().is_empty() {
        return Ok((
            form,
            Some(
                lang.pick(
                    "Scegli un file o scrivi la definizione del programma nel riquadro.",
                    "Choose a file or write the program's definition in the box.",
                )
                .to_owned(),
            ),
        ));
    }
    Ok((form, None))
}

/// Plans the definition and, when asked and all is well, writes it; `page_program` is the
/// program of the page (none for a new one), which the text must define.
async fn put(
    state: &AppState,
    lang: Lang,
    login: &Login,
    form: &DefinitionForm,
    page_program: Option<&ProgramId>,
) -> StaffResult<(StatusCode, Outcome)> {
    let format = form.format();
    let actor = login.actor();
    let request = |run| PutProgram {
        text: &form.text,
        format,
        mode: if page_program.is_some() {
            PutMode::Replace
        } else {
            PutMode::Create
        },
        run,
        actor: &actor,
    };
    // Always planned first: the plan says which program the text defines, and a page's
    // program must be that one before anything is written.
    let plan = match state.store().put_program(request(Run::DryRun)).await {
        Ok(plan) => plan,
        Err(skillhub_store::Error::Program(refusal)) => {
            return Ok(refused(lang, format, &form.text, refusal));
        }
        Err(err) => return Err(err.into()),
    };
    if let Some(expected) = page_program
        && plan.program_id != *expected
    {
        let message = match lang {
            Lang::It => format!(
                "Il testo definisce il programma «{}», ma questa pagina è di «{expected}»: l'id non si cambia. Per un programma nuovo usa «Nuovo programma».",
                plan.program_id
            ),
            Lang::En => format!(
                "The text defines program “{}”, but this page is “{expected}”'s: the id cannot change. For a new program use “New program”.",
                plan.program_id
            ),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Outcome::Refused(message)));
    }
    if !form.save {
        return Ok((StatusCode::OK, Outcome::Preview(plan)));
    }
    match state.store().put_program(request(Run::Write)).await {
        Ok(plan) => {
            state.remember_program(plan.program_id.as_str()).await?;
            Ok((StatusCode::OK, Outcome::Saved(plan)))
        }
        Err(skillhub_store::Error::Program(refusal)) => {
            Ok(refused(lang, format, &form.text, refusal))
        }
        Err(err) => Err(err.into()),
    }
}

/// A refusal as what the page shows, in `lang`.
fn refused(
    lang: Lang,
    format: Format,
    text: &str,
    refusal: ProgramRefusal,
) -> (StatusCode, Outcome) {
    let conflict = |message: String| (StatusCode::CONFLICT, Outcome::Refused(message));
    match refusal {
        ProgramRefusal::Invalid(ProgramError::Syntax {
            line,
            column,
            message,
        }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome::Problems(vec![Problem {
                line: Some(line),
                pointer: None,
                message: format!(
                    "{} {column}: {message}",
                    lang.pick("colonna", "column")
                ),
            }]),
        ),
        ProgramRefusal::Invalid(ProgramError::Invalid(fields)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome::Problems(
                fields
                    .into_iter()
                    .map(|field| Problem {
                        line: definition::line_of(format, text, &field.pointer),
                        pointer: Some(field.pointer),
                        message: field.message,
                    })
                    .collect(),
            ),
        ),
        ProgramRefusal::Exists(id) => conflict(match lang {
            Lang::It => format!(
                "Esiste già un programma con id «{id}»: per cambiarlo apri la sua definizione."
            ),
            Lang::En => {
                format!("A program with id “{id}” exists already: open its definition to change it.")
            }
        }),
        ProgramRefusal::Missing(id) => conflict(match lang {
            Lang::It => format!("Nessun programma ha id «{id}»."),
            Lang::En => format!("No program has id “{id}”."),
        }),
        ProgramRefusal::HubsInUse(hubs) => conflict(
            hubs.iter()
                .map(|hub| match lang {
                    Lang::It => format!(
                        "La sede «{}» non si può togliere: ha {} incontri ({}) e {} account dello staff.",
                        hub.hub,
                        hub.sessions.len(),
                        hub.sessions.join(", "),
                        hub.staff
                    ),
                    Lang::En => format!(
                        "Hub “{}” cannot be removed: it has {} sessions ({}) and {} staff accounts.",
                        hub.hub,
                        hub.sessions.len(),
                        hub.sessions.join(", "),
                        hub.staff
                    ),
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ProgramRefusal::HubOfAnotherProgram { hub, program } => conflict(match lang {
            Lang::It => format!(
                "La sede «{hub}» appartiene al programma «{program}»: gli id delle sedi sono unici tra i programmi."
            ),
            Lang::En => format!(
                "Hub “{hub}” belongs to program “{program}”: hub ids are unique across programs."
            ),
        }),
        ProgramRefusal::SessionOfAnotherProgram { session, program } => conflict(match lang {
            Lang::It => {
                format!("L'incontro «{session}» appartiene al programma «{program}».")
            }
            Lang::En => format!("Session “{session}” belongs to program “{program}”."),
        }),
        other => conflict(other.to_string()),
    }
}

fn page(
    lang: Lang,
    login: &Login,
    target: Target<'_>,
    form: &DefinitionForm,
    outcome: &Outcome,
) -> Markup {
    let (title, here, intro) = match target {
        Target::New => (
            lang.pick("Nuovo programma", "New program").to_owned(),
            NEW.to_owned(),
            lang.pick(
                "Carica la definizione di un programma (il formato dei file di fixtures/programs, in TOML o in JSON) o scrivila nel riquadro. L'anteprima dice che cosa verrebbe creato; niente è salvato finché non premi «Salva».",
                "Upload a program's definition (the format of the files of fixtures/programs, in TOML or JSON) or write it in the box. The preview says what would be created; nothing is saved until you press “Save”.",
            ),
        ),
        Target::Edit(id, _) => (
            match lang {
                Lang::It => format!("Definizione del programma {id}"),
                Lang::En => format!("Definition of program {id}"),
            },
            definition_path(id),
            lang.pick(
                "Modifica la definizione o carica un file che la sostituisce. L'anteprima elenca che cosa cambia; salvando nasce una nuova versione. Gli incontri già pubblicati e le iscrizioni non cambiano.",
                "Change the definition or upload a file that replaces it. The preview lists what changes; saving makes a new version. Published sessions and registrations do not change.",
            ),
        ),
    };
    let action = with_lang(&here, lang);
    let previewed = matches!(outcome, Outcome::Preview(_));
    staff_page(
        lang,
        &title,
        Some(login),
        &here,
        html! {
            h1 { (title) }
            @if let Target::Edit(id, version) = target {
                p {
                    (lang.pick("Versione attuale: ", "Current version: ")) strong { (version) } " · "
                    a href=(with_lang(&history_path(id), lang)) { (lang.pick("Versioni precedenti", "Earlier versions")) } " · "
                    a href=(with_lang(&format!("/gestione/programmi/{id}"), lang)) { (lang.pick("Avanzamento del programma", "The program's progress")) }
                }
            }
            (outcome_block(lang, outcome))
            p { (intro) }
            form method="post" action=(action) enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(login.csrf());
                div.field {
                    label for="file" { (lang.pick("File (.toml o .json, facoltativo)", "File (.toml or .json, optional)")) }
                    input #file type="file" name="file" accept=".toml,.json,application/toml,application/json";
                }
                div.field {
                    label for="definizione" { (lang.pick("Definizione", "Definition")) }
                    p.hint #definizione-hint { (lang.pick(
                        "Se scegli un file, il file sostituisce il riquadro.",
                        "If you choose a file, the file replaces the box.",
                    )) }
                    textarea #definizione.code name="definizione" rows="24" wrap="off" spellcheck="false" aria-describedby="definizione-hint" { (form.text) }
                }
                div.actions {
                    button type="submit" name="azione" value="anteprima" class=[previewed.then_some("secondary")] { (lang.pick("Anteprima", "Preview")) }
                    @if previewed {
                        button type="submit" name="azione" value="salva" { (lang.pick("Salva", "Save")) }
                    }
                }
            }
        },
    )
}

/// The result above the form.
fn outcome_block(lang: Lang, outcome: &Outcome) -> Markup {
    match outcome {
        Outcome::Form => html! {},
        Outcome::FormProblem(problem) => html! {
            div.notice.error role="alert" { p { (problem) } }
        },
        Outcome::Refused(why) => html! {
            div.notice.error role="alert" {
                h2 { (lang.pick("Definizione non salvata", "Definition not saved")) }
                p { (why) }
            }
        },
        Outcome::Problems(problems) => html! {
            div.notice.error role="alert" {
                h2 { (lang.pick("La definizione ha dei problemi: niente è stato salvato", "The definition has problems: nothing was saved")) }
                ul {
                    @for problem in problems.iter().take(MAX_PROBLEMS) {
                        li {
                            @if let Some(line) = problem.line { (lang.pick("Riga ", "Line ")) (line) ": " }
                            @if let Some(pointer) = &problem.pointer { code { (pointer) } " — " }
                            (problem.message)
                        }
                    }
                }
                @if problems.len() > MAX_PROBLEMS {
                    p { (problems.len() - MAX_PROBLEMS) (lang.pick(" altri problemi non mostrati.", " more problems not shown.")) }
                }
            }
        },
        Outcome::Preview(plan) => html! {
            div.notice role="status" {
                h2 { (lang.pick("Anteprima: niente è ancora salvato", "Preview: nothing is saved yet")) }
                (plan_block(lang, plan))
                p { (lang.pick("Se va bene, premi «Salva» sotto il riquadro.", "If it is right, press “Save” under the box.")) }
            }
        },
        Outcome::Saved(plan) => html! {
            div.notice.ok role="status" {
                h2 {
                    @if plan.created { (lang.pick("Programma creato", "Program created")) }
                    @else { (lang.pick("Nuova versione salvata", "New version saved")) }
                }
                (plan_block(lang, plan))
            }
        },
    }
}

/// What a plan does: the program, its version, the changes, the sessions added and the rule note.
fn plan_block(lang: Lang, plan: &ProgramPlan) -> Markup {
    html! {
        p {
            (lang.pick("Programma ", "Program ")) code { (plan.program_id) } ": "
            @match plan.previous_version {
                Some(previous) => { (lang.pick("versione ", "version ")) (previous) " → " strong { (plan.version) } }
                None => { (lang.pick("nuovo, versione ", "new, version ")) strong { (plan.version) } }
            }
        }
        @if let Some(note) = plan.rule_note() {
            p.rule-note { strong { (lang.pick("Attenzione: ", "Note: ")) } (note.get(lang)) }
        }
        @if !plan.created {
            @if plan.changes.is_empty() {
                p { (lang.pick("Nessuna modifica rispetto alla versione attuale.", "No change from the current version.")) }
            } @else {
                h3 { (lang.pick("Che cosa cambia", "What changes")) }
                ul { @for change in &plan.changes { li { (sentence(lang, change)) } } }
            }
        }
        @if !plan.sessions_added.is_empty() {
            h3 { (lang.pick("Incontri pubblicati", "Sessions published")) " (" (plan.sessions_added.len()) ")" }
            ul { @for session in &plan.sessions_added { li { code { (session) } } } }
        }
    }
}

fn sentence(lang: Lang, change: &Change) -> String {
    change.sentence().get(lang).to_owned()
}

/// `GET /gestione/programmi/{id}/versioni`.
async fn history_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let stored = editable(&state, &login, &id).await?;
        let versions = state.store().program_history(&id).await?;
        let program = stored.program.id();
        let title = match lang {
            Lang::It => format!("Versioni del programma {program}"),
            Lang::En => format!("Versions of program {program}"),
        };
        let here = history_path(program);
        Ok(html_response(
            StatusCode::OK,
            staff_page(
                lang,
                &title,
                Some(&login),
                &here,
                html! {
                    h1 { (title) }
                    p { a href=(with_lang(&definition_path(program), lang)) { (lang.pick("Modifica la definizione", "Change the definition")) } }
                    div.table-box {
                        table {
                            caption { (lang.pick("Chi ha cambiato che cosa, e quando", "Who changed what, and when")) }
                            thead {
                                tr {
                                    th.num scope="col" { (lang.pick("Versione", "Version")) }
                                    th scope="col" { (lang.pick("Quando", "When")) }
                                    th scope="col" { (lang.pick("Chi", "Who")) }
                                    th scope="col" { (lang.pick("Che cosa", "What")) }
                                }
                            }
                            tbody {
                                @for version in &versions {
                                    tr {
                                        td.num { (version.version) }
                                        td { (when(lang, version.created_at)) }
                                        td { (version.actor) }
                                        td {
                                            @if version.changes.is_empty() {
                                                (version.summary)
                                            } @else {
                                                ul { @for change in &version.changes { li { (lang.pick(&change.it, &change.en)) } } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
            ),
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// An instant as the back office says it: in Rome's time, where the programs run.
fn when(lang: Lang, at: chrono::DateTime<chrono::Utc>) -> String {
    skillhub_core::tz::Zone::rome()
        .to_local(at)
        .map_or_else(|_| at.to_rfc3339(), |local| lang.moment(local))
}
