//! `/gestione/programmi/{id}/relazione`: the funder's period report as a page laid out for
//! printing (the browser's Print: the form, the menu and the links are not printed), and
//! `/gestione/programmi/{id}/relazione.xlsx`, the same report as an Excel workbook. Both are
//! `skillhub_progress::funder::FunderReport` made from the store's attendance facts (through the
//! progress cache, as the program's page) and the turnout of the period's sessions, the same as
//! `skillhub report funder`.
//!
//! The period is `?dal=…&al=…` (`dd/mm/yyyy` or `YYYY-MM-DD`, as the date inputs send it;
//! default: the program's start to today), the version `?versione=pubblica` (small counts
//! suppressed) or `riservata` (exact, the default: staff read it). A date that is not one, or a
//! period backwards, is said on the page (400) beside the form, never a 500. Admins and the
//! program's manager only (`Staff::sees_whole_program`), like the program's page.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use skillhub_core::program::{Program, Unit};
use skillhub_progress::breakdown::Period;
use skillhub_progress::funder::{Audience, FunderReport, FunderRequest, ShownTally};
use skillhub_progress::progress;
use skillhub_progress::suppress::Count;
use skillhub_progress::turnout::{Tally, percent_it};

use super::exports::{XLSX_TYPE, download};
use super::frame::{staff_page, with_lang};
use super::program::program_for;
use super::{Login, StaffError, StaffResult};
use crate::state::AppState;
use crate::web::{Lang, PageLang, html_response};

/// The report's routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/gestione/programmi/{id}/relazione", get(report_page))
        .route("/gestione/programmi/{id}/relazione.xlsx", get(report_xlsx))
}

/// The page's path for a program.
pub(super) fn report_path(program: &skillhub_core::ids::ProgramId) -> String {
    format!("/gestione/programmi/{program}/relazione")
}

/// What the address asks for; every field is text, so no query is refused before the page can
/// say what is wrong with it.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReportQuery {
    dal: Option<String>,
    al: Option<String>,
    versione: Option<String>,
}

/// What was wrong with the query, in the page's language.
struct BadQuery(String);

/// The period and audience the query asks for, the program's start to `today` by default.
fn request(
    query: &ReportQuery,
    program: &Program,
    today: NaiveDate,
    lang: Lang,
) -> Result<FunderRequest, BadQuery> {
    let day = |field: &Option<String>, name: &str, default: NaiveDate| match field
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => Ok(default),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
            .map_err(|_| {
                BadQuery(format!(
                    "{name}: {text:?} {}",
                    lang.pick("non è una data (gg/mm/aaaa)", "is not a date (dd/mm/yyyy)")
                ))
            }),
    };
    let start = program.window().from;
    let end = program
        .window()
        .until
        .map_or(today, |until| until.min(today));
    let from = day(&query.dal, lang.pick("Dal", "From"), start)?;
    let to = day(&query.al, lang.pick("Al", "To"), end.max(from))?;
    let period = Period::new(from, to).map_err(|err| BadQuery(err.to_string()))?;
    let audience = match query.versione.as_deref() {
        None | Some("" | "riservata") => Audience::Staff,
        Some("pubblica") => Audience::Public,
        Some(other) => {
            return Err(BadQuery(format!(
                "{}: {other:?}",
                lang.pick(
                    "versione sconosciuta (pubblica o riservata)",
                    "unknown version (pubblica or riservata)"
                )
            )));
        }
    };
    Ok(FunderRequest {
        period,
        generated: today,
        audience,
        unit: Unit::People,
    })
}

/// The report and the progress chart at its last day: the facts from the progress cache (as
/// the program's page reads them), the counting off the async workers.
async fn build(
    state: &AppState,
    program: &std::sync::Arc<Program>,
    request: FunderRequest,
) -> StaffResult<(FunderReport, String)> {
    let facts = state.progress().facts(state.store(), program).await?;
    let sessions = state.store().turnout(program.id(), request.period).await?;
    let program = std::sync::Arc::clone(program);
    tokio::task::spawn_blocking(move || {
        let report = FunderReport::build(&program, &facts, &sessions, request);
        let svg = progress(&program, &facts, report.as_of).svg();
        (report, svg)
    })
    .await
    .map_err(|err| StaffError::Internal(err.to_string()))
}

/// `GET /gestione/programmi/{id}/relazione`.
pub(crate) async fn report_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Response {
    let result = async {
        let (program, today) = program_for(&state, &login, &id).await?;
        match request(&query, &program, today, lang) {
            Ok(request) => {
                let (report, svg) = build(&state, &program, request).await?;
                Ok(html_response(
                    StatusCode::OK,
                    page(lang, &login, &program, &query, None, Some((&report, &svg))),
                ))
            }
            Err(BadQuery(why)) => Ok(html_response(
                StatusCode::BAD_REQUEST,
                page(lang, &login, &program, &query, Some(&why), None),
            )),
        }
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// `GET /gestione/programmi/{id}/relazione.xlsx`.
pub(crate) async fn report_xlsx(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Response {
    let result = async {
        let (program, today) = program_for(&state, &login, &id).await?;
        let request = request(&query, &program, today, lang).map_err(|BadQuery(why)| {
            StaffError::Refused(format!(
                "{why}. {}",
                lang.pick(
                    "Correggi il periodo nella pagina della relazione.",
                    "Correct the period on the report's page."
                )
            ))
        })?;
        let (report, _) = build(&state, &program, request).await?;
        let bytes = tokio::task::spawn_blocking(move || report.xlsx())
            .await
            .map_err(|err| StaffError::Internal(err.to_string()))?
            .map_err(|err| StaffError::Internal(err.to_string()))?;
        let stem = format!(
            "relazione-{}-{}-{}{}",
            program.id(),
            request.period.from().format("%Y%m%d"),
            request.period.to().format("%Y%m%d"),
            match request.audience {
                Audience::Public => "-pubblica",
                Audience::Staff => "",
            }
        );
        // Ids are slugs and dates digits: nothing to quote or escape in the name.
        download(bytes, XLSX_TYPE, &format!("{stem}.xlsx"))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// The query again, for the download link and the language switch.
fn query_string(query: &ReportQuery, report: Option<&FunderReport>) -> String {
    let (from, to, version) = match report {
        Some(r) => (
            r.period.from().to_string(),
            r.period.to().to_string(),
            match r.audience {
                Audience::Public => "pubblica",
                Audience::Staff => "riservata",
            }
            .to_owned(),
        ),
        None => (
            query.dal.clone().unwrap_or_default(),
            query.al.clone().unwrap_or_default(),
            query.versione.clone().unwrap_or_default(),
        ),
    };
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "dal={}&al={}&versione={}",
        encode(&from),
        encode(&to),
        encode(&version)
    )
}

fn page(
    lang: Lang,
    login: &Login,
    program: &Program,
    query: &ReportQuery,
    error: Option<&str>,
    report: Option<(&FunderReport, &str)>,
) -> Markup {
    let base = report_path(program.id());
    let params = query_string(query, report.map(|(r, _)| r));
    let here = format!("{base}?{params}");
    let title = lang.pick("Relazione per il finanziatore", "Report for the funder");
    let (from, to, public) = match report {
        Some((r, _)) => (
            r.period.from().to_string(),
            r.period.to().to_string(),
            r.audience == Audience::Public,
        ),
        None => (
            query.dal.clone().unwrap_or_default(),
            query.al.clone().unwrap_or_default(),
            query.versione.as_deref() == Some("pubblica"),
        ),
    };
    staff_page(
        lang,
        &format!("{title}: {}", program.name()),
        Some(login),
        &here,
        html! {
            h1 { (title) ": " (program.name()) }
            div.no-print {
                p { a href=(with_lang(&format!("/gestione/programmi/{}", program.id()), lang)) { (lang.pick("← Torna al programma", "← Back to the program")) } }
                form.filters method="get" action=(base) aria-describedby=[error.map(|_| "report-error")] {
                    @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
                    div {
                        label for="dal" { (lang.pick("Dal", "From")) }
                        input #dal type="date" name="dal" value=(from) aria-invalid=[error.map(|_| "true")];
                    }
                    div {
                        label for="al" { (lang.pick("Al", "To")) }
                        input #al type="date" name="al" value=(to) aria-invalid=[error.map(|_| "true")];
                    }
                    div {
                        label for="versione" { (lang.pick("Versione", "Version")) }
                        select #versione name="versione" {
                            option value="riservata" selected[!public] { (lang.pick("riservata (numeri esatti)", "staff (exact counts)")) }
                            option value="pubblica" selected[public] { (lang.pick("pubblica (celle piccole nascoste)", "public (small cells hidden)")) }
                        }
                    }
                    div { button type="submit" { (lang.pick("Mostra", "Show")) } }
                }
                @if let Some(why) = error {
                    p #report-error.notice.bad role="alert" { (why) }
                }
                @if report.is_some() {
                    div.actions {
                        a.button.secondary href=(with_lang(&format!("{base}.xlsx?{params}"), lang)) { (lang.pick("Scarica in Excel", "Download as Excel")) }
                    }
                    p.hint { (lang.pick(
                        "Per la versione stampata o un PDF usa «Stampa» del browser: il modulo e i menu non vengono stampati.",
                        "For a printed copy or a PDF use the browser's Print: the form and the menus are not printed.",
                    )) }
                }
            }
            @if let Some((report, svg)) = report {
                (body(lang, report, svg))
            }
        },
    )
}

/// A count as a cell.
fn count(c: Count) -> Markup {
    html! { td.num { (c.text_it()) } }
}

fn tally_row(t: &ShownTally, header: Markup) -> Markup {
    html! {
        tr {
            (header)
            td.num { (t.sessions) }
            td.num { (t.seats) }
            (count(t.attended))
            (count(t.no_show))
            td.num { (t.no_show_rate.map(percent_it).unwrap_or_else(|| "—".to_owned())) }
            (count(t.unmarked))
            (count(t.waiting))
            td.num { (t.seats_unused.map(|n| n.to_string()).unwrap_or_else(|| "—".to_owned())) }
        }
    }
}

fn turnout_head(first: &str) -> Markup {
    html! {
        thead {
            tr {
                th scope="col" { (first) }
                th.num scope="col" { "Incontri" }
                th.num scope="col" { "Posti" }
                th.num scope="col" { "Presenti" }
                th.num scope="col" { "Assenti" }
                th.num scope="col" { "Tasso di assenza" }
                th.num scope="col" { "Non registrati" }
                th.num scope="col" { "In lista d'attesa" }
                th.num scope="col" { "Posti non usati" }
            }
        }
    }
}

/// The report itself, in Italian whatever the page's language: it is the funder's document.
fn body(lang: Lang, report: &FunderReport, svg: &str) -> Markup {
    let chart_label = lang.pick(
        "Grafico dell'avanzamento verso gli obiettivi alla fine del periodo: i dati sono nella tabella che segue",
        "Chart of the progress towards the targets at the period's end: the figures are in the table below",
    );
    html! {
        section lang="it" {
            p {
                "Periodo: " (report.period.text_it()) "; conteggi al " (skillhub_core::italian::short_date(report.as_of))
                "; redatta il " (skillhub_core::italian::short_date(report.generated)) "."
                @if !report.sponsors.is_empty() { " Finanziato da: " (report.sponsors.join(", ")) "." }
            }
            p.notice.(if report.audience == Audience::Public { "ok" } else { "wait" }) {
                strong { (report.audience.label_it()) "." }
            }
            h2 { "Obiettivi" }
            @if report.targets.is_empty() {
                p { "Il programma non ha obiettivi numerici." }
            } @else {
                figure {
                    div role="img" aria-label=(chart_label) { (PreEscaped(svg)) }
                }
            }
            div.table-box {
                table {
                    caption { "Obiettivi: raggiunti nel periodo e dall'avvio, con il ritmo" }
                    thead {
                        tr {
                            th scope="col" { "Obiettivo" }
                            th.num scope="col" { "Nel periodo" }
                            th.num scope="col" { "Dall'avvio" }
                            th.num scope="col" { "Traguardo" }
                            th.num scope="col" { "%" }
                            th scope="col" { "Scadenza" }
                            th.num scope="col" { "A ritmo costante" }
                            th.num scope="col" { "Proiezione" }
                            th scope="col" { "Andamento" }
                        }
                    }
                    tbody {
                        @if report.targets.is_empty() {
                            tr { td colspan="9" { "Nessun obiettivo." } }
                        }
                        @for t in &report.targets {
                            tr {
                                th scope="row" style=(format!("padding-left:{}rem", 0.75 + f64::from(t.depth))) {
                                    (t.label_it)
                                    @if t.assumption.is_some() { " " span.badge { "obiettivo stimato" } }
                                }
                                (count(t.in_period))
                                (count(t.reached))
                                td.num { (skillhub_core::italian::thousands(t.goal)) }
                                td.num { (t.percent.map(percent_it).unwrap_or_else(|| "—".to_owned())) }
                                td { (t.deadline.map(skillhub_core::italian::short_date).unwrap_or_else(|| "—".to_owned())) }
                                td.num { (t.expected.map(skillhub_core::italian::thousands).unwrap_or_else(|| "—".to_owned())) }
                                td.num { (t.projected.map(skillhub_core::italian::thousands).unwrap_or_else(|| "—".to_owned())) }
                                td {
                                    @match t.on_track {
                                        Some(true) => span.badge.ok { "in linea" },
                                        Some(false) => span.badge.bad { "in ritardo" },
                                        None => "—",
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Ripartizioni" }
            p.hint { "Conteggio: " (report.unit.counting_it()) ". Ogni ripartizione somma al totale del periodo." }
            div.grid {
                @for b in &report.breakdowns {
                    div.table-box {
                        table {
                            caption { (b.dimension.label_it()) }
                            thead { tr { th scope="col" { "Voce" } th.num scope="col" { "Conteggio" } } }
                            tbody {
                                @if b.withheld {
                                    tr { td colspan="2" { "Non pubblicata: anche nascondendo ogni cella si ricaverebbe un numero piccolo." } }
                                } @else {
                                    @for c in &b.cells {
                                        tr { th scope="row" { (c.label_it) } (count(c.count)) }
                                    }
                                }
                            }
                            tfoot { tr { th scope="row" { "Totale" } (count(b.total)) } }
                        }
                    }
                }
            }
            h2 { "Presenze, assenze e domanda non soddisfatta" }
            div.table-box {
                table {
                    caption { "Per hub" }
                    (turnout_head("Hub"))
                    tbody {
                        @for h in &report.turnout.hubs {
                            (tally_row(h, html! { th scope="row" { (h.label) } }))
                        }
                    }
                    tfoot {
                        (tally_row(&report.turnout.program, html! { th scope="row" { "Totale" } }))
                    }
                }
            }
            @if !report.turnout.sessions.is_empty() {
                div.table-box {
                    table {
                        caption { "Per incontro" }
                        thead {
                            tr {
                                th scope="col" { "Data" }
                                th scope="col" { "Incontro" }
                                th scope="col" { "Hub" }
                                th.num scope="col" { "Posti" }
                                th.num scope="col" { "Presenti" }
                                th.num scope="col" { "Assenti" }
                                th.num scope="col" { "Tasso di assenza" }
                                th.num scope="col" { "Non registrati" }
                                th.num scope="col" { "In lista d'attesa" }
                                th.num scope="col" { "Posti non usati" }
                            }
                        }
                        tbody {
                            @for s in &report.turnout.sessions {
                                @let r = &s.row;
                                @let tally = Tally { sessions: 1, seats: r.seats, attended: r.attended, no_show: r.no_show, unmarked: r.unmarked, waiting: r.waiting };
                                tr {
                                    td { (skillhub_core::italian::short_date(r.date)) }
                                    th scope="row" { (r.title) br; small { (r.session.as_str()) } }
                                    td { (s.hub_label) }
                                    td.num { (r.seats) }
                                    td.num { (r.attended) }
                                    td.num { (r.no_show) }
                                    td.num { (tally.no_show_rate().map(percent_it).unwrap_or_else(|| "—".to_owned())) }
                                    td.num { (r.unmarked) }
                                    td.num { (r.waiting) }
                                    td.num { (tally.seats_unused()) }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Ipotesi e note" }
            ul {
                @for (label, why) in report.estimated() {
                    li { strong { "Obiettivo stimato, " (label) ": " } (why) }
                }
                @for note in &report.assumptions {
                    li { strong { "Ipotesi: " } (note) }
                }
                @for note in &report.notes {
                    li { (note) }
                }
            }
        }
    }
}
