//! `GET /v1/programs/{id}/report`: the funder's period report over the API, as Italian text or
//! an Excel workbook (`skillhub_progress::funder`, the same report as `skillhub report funder`
//! and the back office's `/gestione/programmi/{id}/relazione`).
//!
//! Without a token it is the **public** version: every count of 1 to 4 shown as `<5`, cells that
//! would let one be worked out hidden, no list of sessions. The admin token or an operator token
//! of the program gets the **staff** version (exact counts); any other token is refused (403), so
//! a caller never mistakes one version for the other. The attendance facts come from the same
//! cache as `GET /v1/programs/{id}/progress`; the turnout of the period's sessions is one query.
//! JSON is not offered here yet: the report's shape is the CLI's `--format json` for now, not a
//! wire type of this API.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use skillhub_core::program::Unit;
use skillhub_progress::breakdown::Period;
use skillhub_progress::funder::{Audience, FunderReport, FunderRequest};

use crate::auth::{Credential, identify};
use crate::catalog::Params;
use crate::extract::Bearer;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::Problem;

/// A day as `YYYY-MM-DD` or `dd/mm/yyyy`; a 400 naming the parameter otherwise.
fn day(name: &str, text: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| {
            ApiError::BadRequest(format!(
                "{name}: {text:?} is not a day such as 2019-06-30 or 30/06/2019"
            ))
        })
}

/// The funder's report of a program for a period: each target's progress and pace at the
/// period's end and what was reached within it, breakdowns by gender, age band, country, region,
/// hub, partner and mode, no-shows and demand not met per hub, and which numbers are
/// assumptions. Public (small counts suppressed) without a token; exact with the admin's or an
/// operator token of the program as a bearer token (optional: the OpenAPI document lists no
/// security for this route, since without a token it answers the public version, never a 401).
#[utoipa::path(get, path = "/v1/programs/{id}/report", tag = "catalog",
    params(
        ("id" = String, Path, description = "Program id, e.g. `milano-digitale`"),
        ("from" = String, Query, description = "First day of the period, YYYY-MM-DD or dd/mm/yyyy"),
        ("to" = String, Query, description = "Last day of the period (included), YYYY-MM-DD or dd/mm/yyyy"),
        ("format" = Option<String>, Query, description = "`text` (Italian, default) or `xlsx` (an Excel workbook)"),
    ),
    responses(
        (status = 200, description = "The report", content(
            (String = "text/plain"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "A missing, malformed or unknown parameter, or a period that ends before it starts", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A token that is neither the admin's nor an operator's of the program", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such program", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn funder_report(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult<Response> {
    let params = Params::new(query, &["from", "to", "format"])?;
    let program = state
        .program(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no program has id {id:?}")))?;
    let audience = match bearer.0 {
        None => Audience::Public,
        Some(_) => match identify(&state, &bearer).await? {
            credential @ (Credential::Admin | Credential::Operator { .. })
                if credential.manages(program.id().as_str()) =>
            {
                Audience::Staff
            }
            _ => return Err(ApiError::Forbidden),
        },
    };
    let required = |name: &str| {
        params
            .get(name)
            .ok_or_else(|| ApiError::BadRequest(format!("{name}: is required (YYYY-MM-DD)")))
    };
    let from = day("from", required("from")?)?;
    let to = day("to", required("to")?)?;
    let period = Period::new(from, to).map_err(|err| ApiError::BadRequest(err.to_string()))?;
    let format = params.get("format").unwrap_or("text");
    if !matches!(format, "text" | "xlsx") {
        return Err(ApiError::BadRequest(format!(
            "format: {format:?} is not one of text, xlsx"
        )));
    }
    let now = Utc::now();
    let today = program
        .zone()
        .to_local(now)
        .map_or(now.date_naive(), |local| local.date());
    let facts = state.progress().facts(state.store(), &program).await?;
    let sessions = state.store().turnout(program.id(), period).await?;
    let request = FunderRequest {
        period,
        generated: today,
        audience,
        unit: Unit::People,
    };
    let xlsx = format == "xlsx";
    // Counting a program's facts takes a while: off the request threads.
    let (body, content_type) = tokio::task::spawn_blocking(move || {
        let report = FunderReport::build(&program, &facts, &sessions, request);
        if xlsx {
            report.xlsx().map(|bytes| {
                (
                    bytes,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            })
        } else {
            Ok((report.text_it().into_bytes(), "text/plain; charset=utf-8"))
        }
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if audience == Audience::Staff {
        // Exact counts: kept by no cache between the server and the caller.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}
