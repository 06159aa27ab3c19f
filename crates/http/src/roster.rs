//! `GET /v1/programs/{id}/roster` (admin, or an operator of the program): which trainer teaches
//! which session between two days, which sessions stay short and why, in Italian and English.
//! The roster is `skillhub_roster`, on the program's trainers file of `fixtures/trainers/`
//! (compiled in by `skillhub-fixtures`; a program without one has no trainers) and the generated
//! year of labs; this module parses the query, asks and writes the answer.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use skillhub_fixtures::milano;
use skillhub_roster::Rules;
use skillhub_roster::file::parse_trainers;
use skillhub_roster::report::{RosterReport, RosterRequest, RosterRequestError};

use crate::auth::identify;
use crate::catalog::Params;
use crate::extract::Bearer;
use crate::openapi::NeedsToken;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::Problem;

/// The longest range one request may roster, in days (a year and a day: the generated year).
const MAX_DAYS: i64 = 366;

/// The roster of a program's sessions between two days (default: its pilot week).
#[utoipa::path(get, path = "/v1/programs/{id}/roster", tag = "admin",
    params(
        ("id" = String, Path, description = "Program id; a program has trainers when it has a trainers file (`milano-digitale`)"),
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD; default: the first day of the pilot week"),
        ("to" = Option<String>, Query, description = "Last day, included, YYYY-MM-DD; default: the last day of the pilot week"),
        ("travel_minutes" = Option<u32>, Query, description = "Minutes between in-person sessions in different Municipi; default 45"),
        ("seed" = Option<u64>, Query, description = "Seed of the generated sessions"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The roster: summary (slots filled and proven bounds, largest load), sessions with their trainers, uncovered sessions with the reason in Italian and English, loads per trainer", body = Object),
        (status = 400, description = "A malformed or unknown parameter, or a range over a year", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        (status = 403, description = "Not the admin nor an operator of the program", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such program", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The program has no trainers", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn roster(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let credential = identify(&state, &bearer).await?;
    let params = Params::new(query, &["from", "to", "travel_minutes", "seed"])?;
    let program = state
        .program(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no program has id {id:?}")))?;
    if !credential.manages(program.id().as_str()) {
        return Err(ApiError::Forbidden);
    }
    let day = |name: &str| {
        params
            .get(name)
            .map(|text| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                    ApiError::BadRequest(format!(
                        "{name}: {text:?} is not a day such as 2020-03-11"
                    ))
                })
            })
            .transpose()
    };
    let number = |name: &str| {
        params
            .get(name)
            .map(|text| {
                text.parse::<u64>().map_err(|_| {
                    ApiError::BadRequest(format!("{name}: {text:?} is not a whole number"))
                })
            })
            .transpose()
    };
    let request = RosterRequest {
        from: day("from")?,
        to: day("to")?,
        travel_minutes: match number("travel_minutes")? {
            Some(n) => u32::try_from(n)
                .map_err(|_| ApiError::BadRequest(format!("travel_minutes: {n} is too large")))?,
            None => Rules::default().travel_minutes,
        },
        seed: number("seed")?.unwrap_or(milano::SEED),
    };
    if let (Some(from), Some(to)) = (request.from, request.to)
        && (to - from).num_days() > MAX_DAYS
    {
        return Err(ApiError::BadRequest(format!(
            "from {from} to {to} is more than {MAX_DAYS} days: roster at most a year at a time"
        )));
    }
    let Some(trainers) = skillhub_fixtures::trainers_file(program.id()) else {
        return Err(ApiError::Conflict(format!(
            "{id} has no trainers to roster: there is no trainers file for it"
        )));
    };
    // The roster takes up to a second of CPU for a year: off the async workers.
    let report = tokio::task::spawn_blocking(move || {
        let trainers = parse_trainers(trainers).map_err(|err| err.to_string())?;
        let (_, sessions) = milano::milano_year(request.seed, milano::YEAR_SESSIONS);
        Ok::<_, String>(
            RosterReport::build(&program, trainers, sessions, request)
                .map(|report| serde_json::to_value(&report)),
        )
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    match report {
        Ok(json) => Ok(Json(json.map_err(ApiError::internal)?)),
        Err(err @ RosterRequestError::NoTrainers(_)) => Err(ApiError::Conflict(err.to_string())),
        Err(err) => Err(ApiError::BadRequest(err.to_string())),
    }
}
