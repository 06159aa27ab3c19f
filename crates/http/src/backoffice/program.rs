//! `/gestione/programmi/{id}`: a program as its manager reads it: progress against its targets
//! (the chart and the table, from the same report as `GET /v1/programs/{id}/progress`), and its
//! roster where it has trainers (the same as `GET /v1/programs/{id}/roster`, its pilot week),
//! and the link to the funder's period report (`backoffice::funder`).
//! Admins and the program's manager only (`Staff::sees_whole_program`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use maud::{Markup, PreEscaped, html};
use skillhub_core::program::Program;
use skillhub_fixtures::milano;
use skillhub_progress::ProgressReport;
use skillhub_roster::Rules;
use skillhub_roster::file::parse_trainers;
use skillhub_roster::report::{RosterReport, RosterRequest};

use super::frame::{staff_page, with_lang};
use super::{Login, StaffError, StaffResult};
use crate::state::AppState;
use crate::web::{Lang, PageLang, html_response};

/// `GET /gestione/programmi/{id}`.
pub(crate) async fn program_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let (program, today) = program_for(&state, &login, &id).await?;
        let report = state
            .progress()
            .report(state.store(), &program, today)
            .await?;
        let roster = roster_rows(&program).await?;
        Ok(html_response(
            StatusCode::OK,
            page(lang, &login, &program, &report, roster.as_deref()),
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// The program, if the login sees all of it, and today in its zone.
pub(super) async fn program_for(
    state: &AppState,
    login: &Login,
    id: &str,
) -> StaffResult<(std::sync::Arc<Program>, NaiveDate)> {
    let program = state.program(id).await?.ok_or(StaffError::NotFound)?;
    if !login.staff().sees_whole_program(program.id()) {
        return Err(StaffError::Forbidden);
    }
    let now = Utc::now();
    let today = program
        .zone()
        .to_local(now)
        .map_or(now.date_naive(), |local| local.date());
    Ok((program, today))
}

/// The roster of the program's pilot week as table rows (the header first), when the program
/// has trainers.
async fn roster_rows(program: &std::sync::Arc<Program>) -> StaffResult<Option<Vec<[String; 12]>>> {
    let Some(trainers) = skillhub_fixtures::trainers_file(program.id()) else {
        return Ok(None);
    };
    let program = program.clone();
    // The roster takes CPU: off the async workers, as the API's does.
    tokio::task::spawn_blocking(move || {
        let trainers = parse_trainers(trainers).map_err(|err| err.to_string())?;
        let (_, sessions) = milano::milano_year(milano::SEED, milano::YEAR_SESSIONS);
        let request = RosterRequest {
            from: None,
            to: None,
            travel_minutes: Rules::default().travel_minutes,
            seed: milano::SEED,
        };
        let report = RosterReport::build(&program, trainers, sessions, request)
            .map_err(|err| err.to_string())?;
        Ok::<_, String>(Some(report.rows_it()))
    })
    .await
    .map_err(|err| StaffError::Internal(err.to_string()))?
    .map_err(StaffError::Internal)
}

fn page(
    lang: Lang,
    login: &Login,
    program: &Program,
    report: &ProgressReport,
    roster: Option<&[[String; 12]]>,
) -> Markup {
    let here = format!("/gestione/programmi/{}", program.id());
    let chart_label = lang.pick(
        "Grafico dell'avanzamento verso gli obiettivi: i dati sono nella tabella che segue",
        "Chart of the progress towards the targets: the figures are in the table below",
    );
    staff_page(
        lang,
        program.name(),
        Some(login),
        &here,
        html! {
            h1 { (program.name()) }
            div.actions.no-print {
                a.button.secondary href=(with_lang(&format!("/gestione/programmi/{}/iscrizioni.csv", program.id()), lang)) { (lang.pick("Iscrizioni (CSV)", "Registrations (CSV)")) }
                a.button.secondary href=(with_lang(&format!("/gestione/programmi/{}/iscrizioni.xlsx", program.id()), lang)) { (lang.pick("Iscrizioni (Excel)", "Registrations (Excel)")) }
                a.button.secondary href=(format!("/v1/programs/{}/progress?format=csv", program.id())) { (lang.pick("Avanzamento (CSV)", "Progress (CSV)")) }
                a.button.secondary href=(with_lang(&super::funder::report_path(program.id()), lang)) { (lang.pick("Relazione per il finanziatore", "Report for the funder")) }
                a.button.secondary href=(with_lang(&super::definition::definition_path(program.id()), lang)) { (lang.pick("Definizione del programma", "The program's definition")) }
                a.button.secondary href=(with_lang(&super::definition::history_path(program.id()), lang)) { (lang.pick("Versioni", "Versions")) }
            }
            h2 { (lang.pick("Avanzamento", "Progress")) }
            p { (lang.pick("Al ", "As of ")) (lang.date(report.today)) "; " (lang.pick("dal ", "since ")) (lang.date(report.start)) "." }
            figure {
                div role="img" aria-label=(chart_label) { (PreEscaped(report.svg())) }
            }
            div.table-box {
                table {
                    caption { (lang.pick("Obiettivi", "Targets")) }
                    thead {
                        tr {
                            th scope="col" { (lang.pick("Obiettivo", "Target")) }
                            th.num scope="col" { (lang.pick("Raggiunti", "Reached")) }
                            th.num scope="col" { (lang.pick("Traguardo", "Goal")) }
                            th.num scope="col" { "%" }
                            th scope="col" { (lang.pick("Scadenza", "Deadline")) }
                            th scope="col" { (lang.pick("Andamento", "Pace")) }
                        }
                    }
                    tbody {
                        @for target in &report.targets {
                            tr {
                                th scope="row" style=(format!("padding-left:{}rem", 0.75 + f64::from(target.depth))) {
                                    (lang.pick(&target.label_it, &target.label_en))
                                }
                                td.num { (target.done) }
                                td.num { (target.goal) }
                                td.num { (target.percent_it()) }
                                td { @if let Some(deadline) = target.deadline { (lang.date(deadline)) } @else { "—" } }
                                td {
                                    @match target.on_track {
                                        Some(true) => span.badge.ok { (lang.pick("in linea", "on track")) },
                                        Some(false) => span.badge.bad { (lang.pick("in ritardo", "behind")) },
                                        None => "—",
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(rows) = roster {
                h2 { (lang.pick("Formatori: settimana pilota", "Trainers: the pilot week")) }
                p.hint { (lang.pick(
                    "Chi insegna in quale incontro, e perché un incontro resta scoperto.",
                    "Who teaches at which session, and why a session stays short.",
                )) }
                div.table-box {
                    table {
                        caption { (lang.pick("Calendario dei formatori", "Trainers' roster")) }
                        @if let Some((header, body)) = rows.split_first() {
                            thead { tr { @for cell in header { th scope="col" { (cell.replace('_', " ")) } } } }
                            tbody { @for row in body { tr { @for cell in row { td { (cell) } } } } }
                        }
                    }
                }
            }
        },
    )
}
