//! Programs as data over HTTP (admin): `POST /v1/programs` creates a program from its
//! definition, `PUT /v1/programs/{id}` replaces it with a new version, both in TOML
//! (`application/toml`, the format of `fixtures/programs/`) or the same document in JSON, both
//! with `?dry_run=true` to see the plan and write nothing; `GET /v1/programs/{id}/history` lists
//! the versions. A thin adapter over `Store::put_program`: core validates, the store decides and
//! writes; here the body's type, the token, and the answer.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use skillhub_core::definition::{self, Format, line_of};
use skillhub_core::revision::{Change, Sentence};
use skillhub_store::{ProgramPlan, ProgramRefusal, PutMode, PutProgram, Run};

use crate::auth::{Credential, identify};
use crate::catalog::Params;
use crate::extract::Bearer;
use crate::openapi::NeedsToken;
use crate::problem::{ApiError, ApiResult, program_refusal};
use crate::state::AppState;
use crate::wire::{self, FieldProblem, Problem, Text};

/// Creates a program from its definition (admin). With `dry_run=true` nothing is written and
/// the answer (200) says what would be.
#[utoipa::path(post, path = "/v1/programs", tag = "admin",
    params(("dry_run" = Option<bool>, Query, description = "Only check and plan; write nothing")),
    request_body(description = "The program's definition: TOML in the format of `fixtures/programs/`, or the same document in JSON",
        content((String = "application/toml"), (Object = "application/json"))),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created: the plan it followed", body = wire::ProgramPlan,
            headers(("Location" = String, description = "The program's URL"))),
        (status = 200, description = "A dry run: what would be written", body = wire::ProgramPlan),
        (status = 400, description = "A body that is not UTF-8, or a malformed `dry_run`", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        (status = 403, description = "Not the admin token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A program with this id exists, or a hub or session id of the definition belongs to another program", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than the server accepts", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is neither `application/toml` nor `application/json`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem of the definition, each with its JSON pointer and, when known, its line", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_program(
    State(state): State<AppState>,
    bearer: Bearer,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    put(&state, &bearer, query, &headers, &body, Target::Create).await
}

/// Replaces a program with a new version of its definition (admin); the body's `id` must be
/// the path's. Published sessions never change: the definition's new sessions are added, a hub
/// that has sessions cannot be removed. With `dry_run=true` nothing is written.
#[utoipa::path(put, path = "/v1/programs/{id}", tag = "admin",
    params(
        ("id" = String, Path, description = "Program id, e.g. `binario-f`"),
        ("dry_run" = Option<bool>, Query, description = "Only check and plan; write nothing"),
    ),
    request_body(description = "The program's definition: TOML in the format of `fixtures/programs/`, or the same document in JSON",
        content((String = "application/toml"), (Object = "application/json"))),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced (or, for a dry run, what would be): the plan", body = wire::ProgramPlan),
        (status = 400, description = "A body that is not UTF-8, or a malformed `dry_run`", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        (status = 403, description = "Not the admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such program", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A hub the definition leaves out still has sessions (listed), or a hub or session id belongs to another program", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than the server accepts", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is neither `application/toml` nor `application/json`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem of the definition, each with its JSON pointer and, when known, its line; or an `id` that is not the path's", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn replace_program(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    put(
        &state,
        &bearer,
        query,
        &headers,
        &body,
        Target::Replace(&id),
    )
    .await
}

/// A program's versions, newest first (admin, or an operator of the program).
#[utoipa::path(get, path = "/v1/programs/{id}/history", tag = "admin",
    params(("id" = String, Path, description = "Program id, e.g. `binario-f`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The versions, newest first", body = wire::ProgramHistory),
        NeedsToken,
        (status = 403, description = "Not the admin nor an operator of the program", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such program", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn history(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::ProgramHistory>> {
    let credential = identify(&state, &bearer).await?;
    if !credential.manages(&id) {
        return Err(ApiError::Forbidden);
    }
    let versions = state.store().program_history(&id).await?;
    if versions.is_empty() {
        return Err(ApiError::NotFound(format!("no program has id {id:?}")));
    }
    Ok(Json(wire::ProgramHistory {
        program_id: id,
        items: versions
            .into_iter()
            .map(|v| wire::ProgramVersion {
                version: v.version,
                format: v.format.as_str().to_owned(),
                actor: v.actor,
                created_at: v.created_at,
                summary: v.summary,
                changes: v
                    .changes
                    .into_iter()
                    .map(|c| wire::ProgramChange {
                        kind: c.kind,
                        it: c.it,
                        en: c.en,
                        note: None,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// Which request it is.
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    Create,
    /// A replace of the program with this id (the path's).
    Replace(&'a str),
}

async fn put(
    state: &AppState,
    bearer: &Bearer,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: &HeaderMap,
    body: &[u8],
    target: Target<'_>,
) -> ApiResult<Response> {
    let credential = identify(state, bearer).await?;
    if credential != Credential::Admin {
        return Err(ApiError::Forbidden);
    }
    let params = Params::new(query, &["dry_run"])?;
    let run = match params.get("dry_run") {
        None | Some("false") => Run::Write,
        Some("true") => Run::DryRun,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "dry_run: {other:?} is neither true nor false"
            )));
        }
    };
    let format = body_format(headers)?;
    let text = std::str::from_utf8(body)
        .map_err(|err| ApiError::BadRequest(format!("the body is not UTF-8: {err}")))?;
    // The path's id and the body's must agree before anything is planned.
    if let Target::Replace(id) = target {
        let program = definition::parse(format, text)
            .map_err(|err| program_refusal(ProgramRefusal::Invalid(err), Some((format, text))))?;
        if program.id().as_str() != id {
            let mut problem = FieldProblem {
                pointer: "/id".to_owned(),
                detail: format!(
                    "the body defines program {:?}, the URL names {id:?}",
                    program.id().as_str()
                ),
                line: None,
                column: None,
            };
            problem.line = line_of(format, text, "/id").and_then(|n| u64::try_from(n).ok());
            return Err(ApiError::Invalid(vec![problem]));
        }
    }
    let mode = match target {
        Target::Create => PutMode::Create,
        Target::Replace(_) => PutMode::Replace,
    };
    let plan = state
        .store()
        .put_program(PutProgram {
            text,
            format,
            mode,
            run,
            actor: &credential.actor(),
        })
        .await
        .map_err(|err| match err {
            skillhub_store::Error::Program(r) => program_refusal(r, Some((format, text))),
            other => ApiError::from(other),
        })?;
    if plan.written {
        state.remember_program(plan.program_id.as_str()).await?;
    }
    let created = plan.written && plan.created;
    let location = format!("/v1/programs/{}", plan.program_id);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = (status, Json(wire_plan(&plan))).into_response();
    if created && let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The body's format from its `Content-Type` (parameters such as `charset` aside).
fn body_format(headers: &HeaderMap) -> ApiResult<Format> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match media.as_deref() {
        Some("application/toml") => Ok(Format::Toml),
        Some("application/json") => Ok(Format::Json),
        _ => Err(ApiError::NotAProgram),
    }
}

fn text(sentence: Sentence) -> Text {
    Text {
        it: sentence.it,
        en: sentence.en,
    }
}

fn wire_plan(plan: &ProgramPlan) -> wire::ProgramPlan {
    wire::ProgramPlan {
        program_id: plan.program_id.to_string(),
        created: plan.created,
        previous_version: plan.previous_version,
        version: plan.version,
        written: plan.written,
        changes: plan.changes.iter().map(wire_change).collect(),
        sessions_added: plan
            .sessions_added
            .iter()
            .map(ToString::to_string)
            .collect(),
        note: plan.rule_note().map(text),
    }
}

fn wire_change(change: &Change) -> wire::ProgramChange {
    let sentence = change.sentence();
    wire::ProgramChange {
        kind: change.kind().to_owned(),
        it: sentence.it,
        en: sentence.en,
        note: change.note().map(text),
    }
}
