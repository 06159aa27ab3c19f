//! `POST /v1/programs/{id}/completions?format=moodle|xapi`: completions of online courses from
//! an e-learning platform (a Moodle export as `text/csv`, xAPI statements as
//! `application/json`), sent by the program's staff. A thin adapter: `skillhub_import`'s
//! completions readers read, `Store::import_completions` writes in one transaction; here the
//! token, the body's type, the problems as RFC 9457 `problem+json` (422, every problem with its
//! line and its column or JSON pointer) and the summary. The progress route's figures for the
//! program are forgotten after an import, so they count the new completions at once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use chrono::Utc;
use serde::Serialize;
use skillhub_import::completions::{self, Options, Source, moodle, xapi};
use utoipa::ToSchema;

use crate::auth::identify;
use crate::catalog::Params;
use crate::extract::Bearer;
use crate::openapi::NeedsToken;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::{FieldProblem, Problem};

/// What an import of completions did.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionSummary {
    /// The program.
    pub program_id: String,
    /// `moodle` or `xapi`.
    pub format: String,
    /// Records read (rows or statements), skipped ones included.
    pub read: usize,
    /// Completions written now.
    pub new: usize,
    /// Completions already held (the same person and course): not written again.
    pub known: usize,
    /// Records skipped, by reason.
    pub skipped: Vec<Skipped>,
}

/// Records skipped for one reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct Skipped {
    /// `not_completed` (Moodle: an empty completion cell), `other_verb` (xAPI: a verb other
    /// than completed) or `completion_false` (xAPI: `result.completion` false).
    pub reason: String,
    /// The reason in Italian.
    pub label_it: String,
    /// How many.
    pub count: usize,
}

/// Imports completions of online courses into a program (its admin or operator): all or
/// nothing, each person and course once (importing the same export again adds nothing).
#[utoipa::path(post, path = "/v1/programs/{id}/completions", tag = "admin",
    params(
        ("id" = String, Path, description = "Program id, e.g. `community-skill-hubs`"),
        ("format" = String, Query, description = "`moodle` (a Moodle export, `text/csv`) or `xapi` (xAPI statements, `application/json`)"),
        ("country" = Option<String>, Query, description = "The country of completions whose row names none (xAPI names none), as a code or a name; default: the program's, when it has exactly one"),
        ("course" = Option<String>, Query, description = "Moodle: the course of an export without a course column (the course completion report)"),
    ),
    request_body(description = "The export: a Moodle CSV (course completion report or report builder, English or Italian, `,` or `;`, UTF-8 or Windows-1252) or xAPI statements (an array, or an LRS's `{\"statements\": [...]}`)",
        content((String = "text/csv"), (Object = "application/json"))),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Written: how many were read, new, already known and skipped", body = CompletionSummary),
        (status = 400, description = "A missing or unknown `format`, an unknown `country`, or an xAPI body that is not UTF-8", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        (status = 403, description = "Not the admin nor an operator of the program", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such program", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than the server accepts", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body's type is not the format's (`text/csv` for moodle, `application/json` for xapi)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem of the export, each with its line and its column (in `detail`) or JSON pointer; nothing was written", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn import_completions(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<CompletionSummary>> {
    let credential = identify(&state, &bearer).await?;
    if !credential.manages(&id) {
        return Err(ApiError::Forbidden);
    }
    let params = Params::new(query, &["format", "country", "course"])?;
    let source = match params.get("format").map(Source::parse) {
        Some(Some(source)) => source,
        _ => {
            return Err(ApiError::BadRequest(
                "format: say which export the body is: moodle (text/csv) or xapi (application/json)"
                    .to_owned(),
            ));
        }
    };
    let country = params
        .get("country")
        .map(completions::parse_country)
        .transpose()
        .map_err(|err| ApiError::BadRequest(format!("country: {err}")))?;
    let program = state
        .program(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no program has id {id:?}")))?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let expected = match source {
        Source::Moodle => matches!(media.as_deref(), Some("text/csv" | "text/plain")),
        Source::Xapi => media.as_deref() == Some("application/json"),
    };
    if !expected {
        return Err(ApiError::NotCompletions);
    }
    let defaults = Options::for_program(&program);
    let options = Options {
        country: country.or(defaults.country),
        course: params.get("course").map(str::to_owned),
        ..defaults
    };
    let read = match source {
        Source::Moodle => moodle::read("body", &body[..], &options),
        Source::Xapi => {
            let text = std::str::from_utf8(&body)
                .map_err(|err| ApiError::BadRequest(format!("the body is not UTF-8: {err}")))?;
            xapi::read("body", text, &options)
        }
    }
    .map_err(|err| refusal(err, source))?;
    let written = state
        .store()
        .import_completions(&credential.actor(), &program, &read, Utc::now())
        .await?;
    state.progress().forget(&id).await;
    Ok(Json(CompletionSummary {
        program_id: id,
        format: source.as_str().to_owned(),
        read: written.read,
        new: written.new,
        known: written.known,
        skipped: written
            .skipped
            .iter()
            .map(|(why, &count)| Skipped {
                reason: serde_json::to_value(why)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                label_it: why.label_it().to_owned(),
                count,
            })
            .collect(),
    }))
}

/// A reader's refusal as a problem: 422 with every problem (its line; the column in the
/// detail for Moodle, the JSON pointer for xAPI), and how many more were not listed.
fn refusal(err: skillhub_import::Error, source: Source) -> ApiError {
    match err {
        skillhub_import::Error::Invalid(report) => {
            let mut problems: Vec<FieldProblem> = report
                .problems
                .into_iter()
                .map(|p| {
                    let (pointer, detail) = match (source, p.field) {
                        (Source::Xapi, Some(pointer)) => (pointer, p.message),
                        (Source::Moodle, Some(column)) => {
                            (String::new(), format!("{column}: {}", p.message))
                        }
                        (_, None) => (String::new(), p.message),
                    };
                    FieldProblem {
                        pointer,
                        detail,
                        line: u64::try_from(p.line).ok(),
                        column: None,
                    }
                })
                .collect();
            if report.more > 0 {
                problems.push(FieldProblem {
                    pointer: String::new(),
                    detail: format!("… e altri {} problemi", report.more),
                    line: None,
                    column: None,
                });
            }
            ApiError::Invalid(problems)
        }
        skillhub_import::Error::Request(message) => ApiError::BadRequest(message),
        other => ApiError::internal(other),
    }
}
