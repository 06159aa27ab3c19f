//! The registrations of a session or of a whole program as a spreadsheet: CSV for Italian Excel
//! (`;`, a UTF-8 BOM, CRLF, `dd/mm/yyyy`, through `skillhub_import::csv::ItalianWriter`) or XLSX
//! (`rust_xlsxwriter`: a bold, frozen header row, set column widths, real Excel dates, an
//! autofilter).
//!
//! A session's export needs [`Act::See`] on the session ([`super::session_for`]). A program's
//! export lists only the sessions the account sees ([`Staff::may`] on each, as the dashboard
//! does): everything for an admin and the program's manager, one hub's sessions for its
//! operator, a trainer's own sessions; an account of another program gets the 403 page. The
//! program's sessions and registrations are read in one store call
//! ([`skillhub_store::Store::program_registrations`]), not one per session.
//!
//! Both are personal data: never cached (`Cache-Control: no-store`), and no manage token or
//! address-confirmation secret is in them. A text cell that a spreadsheet would read as a
//! formula (`=`, `+`, `-`, `@` first) is written with a leading apostrophe in the CSV; the XLSX
//! writes strings as strings, never as formulas.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use skillhub_core::capacity::{SeatKind, Status, Tier};
use skillhub_core::ids::{HubId, Tag};
use skillhub_core::program::Program;
use skillhub_core::settings::CodiceFiscaleRule;
use skillhub_core::staff::{Act, Role, Staff};
use skillhub_import::csv::ItalianWriter;
use skillhub_store::{RegistrationView, SessionView};

use super::dashboard::awaiting_draw;
use super::{Login, Runners, StaffError, StaffResult, session_for};
use crate::state::AppState;
use crate::web::{Lang, PageLang};

/// The export routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/gestione/incontri/{id}/iscrizioni.csv", get(session_csv))
        .route("/gestione/incontri/{id}/iscrizioni.xlsx", get(session_xlsx))
        .route("/gestione/programmi/{id}/iscrizioni.csv", get(program_csv))
        .route(
            "/gestione/programmi/{id}/iscrizioni.xlsx",
            get(program_xlsx),
        )
}

/// Which file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    /// CSV for Italian Excel.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

/// One cell, typed, so each format writes it its own way.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    /// Text as typed (a name, an address) or chosen by us.
    Text(String),
    /// A whole number.
    Number(i64),
    /// A day: `dd/mm/yyyy`.
    Day(NaiveDate),
    /// A civil time: `dd/mm/yyyy HH:MM`.
    Moment(NaiveDateTime),
    /// Nothing.
    Empty,
}

/// A sheet: its name, its header and its rows (each as long as the header).
#[derive(Debug, Clone)]
struct Sheet {
    name: &'static str,
    header: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

async fn session_csv(
    state: State<AppState>,
    lang: PageLang,
    login: Login,
    id: Path<String>,
) -> Response {
    session_export(state, lang, login, id, FileKind::Csv).await
}

async fn session_xlsx(
    state: State<AppState>,
    lang: PageLang,
    login: Login,
    id: Path<String>,
) -> Response {
    session_export(state, lang, login, id, FileKind::Xlsx).await
}

async fn program_csv(
    state: State<AppState>,
    lang: PageLang,
    login: Login,
    id: Path<String>,
    filter: Query<PartnerFilter>,
) -> Response {
    program_export(state, lang, login, id, filter, FileKind::Csv).await
}

async fn program_xlsx(
    state: State<AppState>,
    lang: PageLang,
    login: Login,
    id: Path<String>,
    filter: Query<PartnerFilter>,
) -> Response {
    program_export(state, lang, login, id, filter, FileKind::Xlsx).await
}

/// `?partner=ID`: only the sessions at the hubs that partner of the program runs.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct PartnerFilter {
    partner: Option<String>,
}

/// The hubs of the partner `filter` names, or `None` without a filter; a partner the program
/// does not have is a 404 page that says so.
pub(crate) fn partner_hubs(
    lang: Lang,
    program: &Program,
    filter: &PartnerFilter,
) -> StaffResult<Option<(Tag, Vec<HubId>)>> {
    let Some(text) = filter.partner.as_deref() else {
        return Ok(None);
    };
    let partner = Tag::parse(text)
        .ok()
        .and_then(|id| program.partner(&id))
        .ok_or_else(|| {
            StaffError::Missing(match lang {
                Lang::It => format!(
                    "Il programma {} non ha il partner «{text}».",
                    program.name()
                ),
                Lang::En => format!("The program {} has no partner “{text}”.", program.name()),
            })
        })?;
    let hubs = program.hubs_of(&partner.id).map(|h| h.id.clone()).collect();
    Ok(Some((partner.id.clone(), hubs)))
}

/// `GET /gestione/incontri/{id}/iscrizioni.{csv,xlsx}`.
async fn session_export(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    format: FileKind,
) -> Response {
    let result = async {
        let session = session_for(&state, &login, &id, Act::See).await?;
        let program = state.program(session.program_id.as_str()).await?;
        let registrations = state.store().session_registrations(&id).await?;
        let columns = Columns {
            lang,
            program: program.as_deref(),
        };
        let mut sheet = Sheet {
            name: lang.pick("Iscrizioni", "Registrations"),
            header: columns.header(),
            rows: Vec::with_capacity(registrations.len()),
        };
        for registration in &registrations {
            sheet.rows.push(columns.row(&session, registration));
        }
        file(sheet, format, &format!("iscrizioni-{id}")).await
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// `GET /gestione/programmi/{id}/iscrizioni.{csv,xlsx}`.
async fn program_export(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    Query(filter): Query<PartnerFilter>,
    format: FileKind,
) -> Response {
    let result = async {
        let program = state.program(&id).await?.ok_or(StaffError::NotFound)?;
        let staff = login.staff();
        if !staff.scope.covers_program(program.id()) {
            return Err(StaffError::Forbidden);
        }
        let partner = partner_hubs(lang, &program, &filter)?;
        let read = state
            .store()
            .program_registrations(program.id(), staff.scope.hub())
            .await?;
        let assigned = assigned_sessions(&state, &staff).await?;
        let runners = Runners::load(&state, &staff).await?;
        let columns = Columns {
            lang,
            program: Some(&program),
        };
        let mut header = vec![
            lang.pick("data", "date"),
            lang.pick("orario", "time"),
            lang.pick("sede", "hub"),
            lang.pick("incontro", "session"),
        ];
        header.extend(columns.header());
        let mut sheet = Sheet {
            name: lang.pick("Iscrizioni", "Registrations"),
            header,
            rows: Vec::new(),
        };
        for listed in &read {
            let session = &listed.session;
            let trainers: &[i64] = if assigned.contains(&session.id) {
                &[staff.id]
            } else {
                &[]
            };
            if !staff.may(Act::See, runners.place(&staff, session, trainers)) {
                continue;
            }
            if let Some((_, hubs)) = &partner
                && !session.hub_id.as_ref().is_some_and(|h| hubs.contains(h))
            {
                continue;
            }
            let leading = session_cells(lang, &program, session);
            for registration in &listed.registrations {
                let mut row = leading.clone();
                row.extend(columns.row(session, registration));
                sheet.rows.push(row);
            }
        }
        let name = match &partner {
            Some((partner, _)) => format!("iscrizioni-{id}-{partner}"),
            None => format!("iscrizioni-{id}"),
        };
        file(sheet, format, &name).await
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// The sessions a trainer is assigned to (nobody else needs them: their scope decides).
async fn assigned_sessions(
    state: &AppState,
    staff: &Staff,
) -> StaffResult<Vec<skillhub_core::ids::SessionId>> {
    if staff.scope.role() == Role::Trainer {
        Ok(state.store().trainer_sessions(staff.id).await?)
    } else {
        Ok(Vec::new())
    }
}

/// A session's day, times, hub and title: the leading cells of a program's rows.
fn session_cells(lang: Lang, program: &Program, session: &SessionView) -> Vec<Cell> {
    let (day, times) = match session.local_span() {
        Some((start, end)) => (
            Cell::Day(start.date()),
            Cell::Text(format!("{}–{}", hh_mm(start), hh_mm(end))),
        ),
        None => (
            Cell::Day(session.starts_at.date_naive()),
            Cell::Text(session.starts_at.format("%H:%M UTC").to_string()),
        ),
    };
    let hub = match &session.hub_id {
        Some(hub) => program
            .hub(hub)
            .map_or_else(|| hub.to_string(), |h| h.name.clone()),
        None => lang.pick("Online", "Online").to_owned(),
    };
    vec![
        day,
        times,
        Cell::Text(hub),
        Cell::Text(session.title.clone()),
    ]
}

/// The columns of a registration, in `lang`; `program` names the priority tiers.
#[derive(Debug)]
struct Columns<'a> {
    lang: Lang,
    program: Option<&'a Program>,
}

impl Columns<'_> {
    /// Whether the program requires the codice fiscale: then a column after the e-mail holds
    /// it.
    fn with_codice_fiscale(&self) -> bool {
        self.program
            .is_some_and(|p| p.settings().codice_fiscale() == CodiceFiscaleRule::Required)
    }

    fn header(&self) -> Vec<&'static str> {
        let lang = self.lang;
        let mut header = vec!["id", lang.pick("nome", "name"), "e-mail"];
        if self.with_codice_fiscale() {
            header.push("codice fiscale");
        }
        header.extend([
            lang.pick("stato", "status"),
            lang.pick("posizione in lista", "waiting position"),
            lang.pick("fascia", "tier"),
            lang.pick("tipo di posto", "seat"),
            lang.pick("data e ora di iscrizione", "registered at"),
            lang.pick("lingua", "language"),
        ]);
        header
    }

    fn row(&self, session: &SessionView, registration: &RegistrationView) -> Vec<Cell> {
        let lang = self.lang;
        let pool = awaiting_draw(session);
        let position = match registration.position() {
            Some(position) if !pool => Cell::Number(i64::from(position)),
            _ => Cell::Empty,
        };
        let registered = session
            .local(registration.created_at)
            .unwrap_or_else(|| registration.created_at.naive_utc());
        let mut row = vec![
            Cell::Number(registration.id),
            Cell::Text(registration.name.clone()),
            Cell::Text(registration.email.clone()),
        ];
        if self.with_codice_fiscale() {
            row.push(
                registration
                    .codice_fiscale
                    .as_ref()
                    .map_or(Cell::Empty, |code| Cell::Text(code.as_str().to_owned())),
            );
        }
        row.extend([
            Cell::Text(status_text(lang, &registration.status, pool).to_owned()),
            position,
            self.tier(registration.tier),
            Cell::Text(kind_text(lang, registration.kind).to_owned()),
            Cell::Moment(registered),
            Cell::Text(
                match registration.lang {
                    Lang::It => lang.pick("italiano", "Italian"),
                    Lang::En => lang.pick("inglese", "English"),
                }
                .to_owned(),
            ),
        ]);
        row
    }

    /// A priority tier as `1 – its name`, or `2 – nessuna priorità` for the tier after the
    /// program's named ones; nothing for a program without priority tiers.
    fn tier(&self, tier: Tier) -> Cell {
        let Some(program) = self.program else {
            return Cell::Text((tier.get() + 1).to_string());
        };
        let tiers = program.priority();
        if tiers.is_empty() {
            return Cell::Empty;
        }
        let rank = usize::from(tier.get());
        let name = tiers.get(rank).map_or_else(
            || self.lang.pick("nessuna priorità", "no priority"),
            |t| self.lang.pick(&t.name_it, &t.name_en),
        );
        Cell::Text(format!("{} – {name}", rank + 1))
    }
}

/// Where a registration stands, in words; `pool`: a batch session before its draw, whose
/// waiting registrations are applicants in a pool, not a line.
pub(crate) fn status_text(lang: Lang, status: &Status, pool: bool) -> &'static str {
    match status {
        Status::Held { .. } => lang.pick("in attesa di conferma", "awaiting confirmation"),
        Status::Confirmed => lang.pick("confermata", "confirmed"),
        Status::Waitlisted { .. } if pool => lang.pick("in attesa del sorteggio", "in the draw"),
        Status::Waitlisted { .. } => lang.pick("in lista d'attesa", "waiting list"),
        Status::Cancelled => lang.pick("annullata", "cancelled"),
        Status::Attended => lang.pick("presente", "present"),
        Status::NoShow => lang.pick("assente", "absent"),
        Status::Expired => lang.pick("scaduta", "expired"),
    }
}

/// A kind of seat, in words.
pub(crate) fn kind_text(lang: Lang, kind: SeatKind) -> &'static str {
    match lang {
        Lang::It => kind.name_it(),
        Lang::En => kind.name_en(),
    }
}

/// `09:30`.
fn hh_mm(at: NaiveDateTime) -> String {
    at.format("%H:%M").to_string()
}

/// The sheet as a download named `stem` plus the format's extension. Built off the async
/// workers: a program's workbook can take a while.
async fn file(sheet: Sheet, format: FileKind, stem: &str) -> StaffResult<Response> {
    let bytes = tokio::task::spawn_blocking(move || match format {
        FileKind::Csv => csv(&sheet).map_err(|err| err.to_string()),
        FileKind::Xlsx => xlsx(&sheet).map_err(|err| err.to_string()),
    })
    .await
    .map_err(|err| StaffError::Internal(err.to_string()))?
    .map_err(StaffError::Internal)?;
    let (content_type, extension) = match format {
        FileKind::Csv => ("text/csv; charset=utf-8", "csv"),
        FileKind::Xlsx => (XLSX_TYPE, "xlsx"),
    };
    // Ids are slugs (`a-z 0-9 - _ .`): nothing to quote or escape in the name.
    download(bytes, content_type, &format!("{stem}.{extension}"))
}

/// The media type of an Excel workbook.
pub(crate) const XLSX_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `bytes` as a download named `filename` (which the caller made of slugs and digits, with
/// nothing to quote), never cached: staff files hold personal data or exact counts.
pub(crate) fn download(
    bytes: Vec<u8>,
    content_type: &'static str,
    filename: &str,
) -> StaffResult<Response> {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition = format!("attachment; filename=\"{filename}\"");
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|err| StaffError::Internal(err.to_string()))?,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

/// The sheet for Italian Excel.
fn csv(sheet: &Sheet) -> std::io::Result<Vec<u8>> {
    let mut writer = ItalianWriter::new(Vec::new())?;
    writer.row(&sheet.header)?;
    for row in &sheet.rows {
        writer.row(row.iter().map(csv_cell))?;
    }
    writer.finish()
}

/// One cell as CSV text.
fn csv_cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => defused(text),
        Cell::Number(n) => n.to_string(),
        Cell::Day(day) => day.format("%d/%m/%Y").to_string(),
        Cell::Moment(at) => at.format("%d/%m/%Y %H:%M").to_string(),
        Cell::Empty => String::new(),
    }
}

/// `text`, with an apostrophe first when a spreadsheet would take it for a formula (names and
/// addresses are typed by the public).
fn defused(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The widest a column gets, in characters.
const MAX_WIDTH: usize = 50;

/// The sheet as an Excel workbook.
fn xlsx(sheet: &Sheet) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let moment = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let day = Format::new().set_num_format("dd/mm/yyyy");
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet.name)?;
    let mut widths: Vec<usize> = sheet.header.iter().map(|h| h.chars().count()).collect();
    for (col, title) in (0u16..).zip(&sheet.header) {
        worksheet.write_string_with_format(0, col, *title, &bold)?;
    }
    for (row, cells) in (1u32..).zip(&sheet.rows) {
        for ((col, cell), width) in (0u16..).zip(cells).zip(widths.iter_mut()) {
            let shown = match cell {
                Cell::Text(text) => {
                    worksheet.write_string(row, col, text)?;
                    text.chars().count()
                }
                Cell::Number(n) => {
                    // Ids and positions are far below 2^53: exact as a float.
                    worksheet.write_number(row, col, *n as f64)?;
                    n.to_string().len()
                }
                Cell::Day(d) => {
                    worksheet.write_datetime_with_format(row, col, excel_day(*d)?, &day)?;
                    10
                }
                Cell::Moment(at) => {
                    worksheet.write_datetime_with_format(row, col, excel_moment(*at)?, &moment)?;
                    16
                }
                Cell::Empty => 0,
            };
            *width = (*width).max(shown);
        }
    }
    for (col, width) in (0u16..).zip(&widths) {
        // Two characters of margin for the autofilter's button.
        let chars = u32::try_from((*width).min(MAX_WIDTH) + 2).unwrap_or(10);
        worksheet.set_column_width(col, f64::from(chars))?;
    }
    worksheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(sheet.rows.len()).unwrap_or(u32::MAX);
    let last_col = u16::try_from(sheet.header.len().saturating_sub(1)).unwrap_or(0);
    worksheet.autofilter(0, 0, last_row, last_col)?;
    workbook.save_to_buffer()
}

/// A day as Excel's.
fn excel_day(day: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year =
        u16::try_from(day.year()).map_err(|_| XlsxError::DateTimeRangeError(day.to_string()))?;
    // Months and days always fit a u8.
    ExcelDateTime::from_ymd(year, day.month() as u8, day.day() as u8)
}

/// A civil time as Excel's (to the minute).
fn excel_moment(at: NaiveDateTime) -> Result<ExcelDateTime, XlsxError> {
    // Hours and minutes always fit.
    excel_day(at.date())?.and_hms(at.hour() as u16, at.minute() as u8, 0)
}
