//! Attendance and progress: `POST /v1/registrations/{id}/presence` records whether a person came
//! (admin, or an operator of the program), and `GET /v1/programs/{id}/progress` reports every
//! target of a program against what the store's attendance reached, as JSON, Italian text, a
//! spreadsheet for Italian Excel, or an SVG bar chart.
//!
//! The counting (once per person per target, nested targets, the pace and its projection) is
//! `skillhub_progress`; which facts an attended registration gives is
//! `skillhub_progress::facts_of`, read by the store.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use skillhub_core::capacity::Presence;
use skillhub_core::ids::{HubId, Tag};
use skillhub_import::csv::ItalianWriter;
use skillhub_progress::{ProgressReport, TargetProgress};
use utoipa::ToSchema;

use crate::auth::{Credential, identify};
use crate::catalog::Params;
use crate::extract::{Bearer, JsonObject, serde_value};
use crate::openapi::{JsonBodyRefusals, NeedsToken};
use crate::problem::{ApiError, ApiResult};
use crate::registrations::{registration_id, wire_registration};
use crate::state::AppState;
use crate::wire::{Problem, Registration};

/// Records whether the person of a confirmed registration came (`{"presence": "attended"}`) or
/// not (`"no_show"`). The seat stays given: nobody is promoted. Final: a registration is marked
/// once.
#[utoipa::path(post, path = "/v1/registrations/{id}/presence", tag = "admin",
    params(("id" = i64, Path, description = "Registration id")),
    request_body(content = PresenceRequest, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The registration, now attended or no_show", body = Registration),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        (status = 403, description = "Not the admin nor an operator of the program", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration", body = Problem, content_type = "application/problem+json"),
        JsonBodyRefusals,
        (status = 409, description = "Not confirmed (waiting, cancelled, or already marked)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A presence that is neither attended nor no_show", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn record_presence(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Json<Registration>> {
    let credential = identify(&state, &bearer).await?;
    if matches!(credential, Credential::Other(_)) {
        return Err(ApiError::Forbidden);
    }
    let id = registration_id(&id)?;
    let view = state
        .store()
        .registration(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no registration has id {id}")))?;
    let program = state
        .store()
        .session(view.session_id.as_str())
        .await?
        .map(|s| s.program_id.to_string())
        .unwrap_or_default();
    if !credential.manages(&program) {
        return Err(ApiError::Forbidden);
    }
    let mut fields = body?.fields;
    let presence: Option<Presence> = fields.required_with("presence", |value| {
        serde_value::<Presence>("presence", value)
            .map_err(|_| crate::extract::at("presence", "must be \"attended\" or \"no_show\""))
    });
    fields.finish()?;
    let Some(presence) = presence else {
        // `finish` reports a missing or invalid field; this is not reached.
        return Err(ApiError::invalid("/presence", "is required"));
    };
    let marked = state
        .store()
        .record_presence(&credential.actor(), id, presence, Utc::now())
        .await?;
    state.progress().forget(&program).await;
    Ok(Json(wire_registration(&marked)?))
}

/// The body of `POST /v1/registrations/{id}/presence`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresenceRequest {
    /// `attended` (came) or `no_show` (did not come).
    #[schema(value_type = String, example = "attended")]
    pub presence: String,
}

/// A program's progress against its targets on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    /// The program.
    pub program_id: String,
    /// Its name.
    pub name: String,
    /// The day of the report.
    #[schema(value_type = String, format = Date)]
    pub today: NaiveDate,
    /// The program's start, from which the pace is measured.
    #[schema(value_type = String, format = Date)]
    pub start: NaiveDate,
    /// Targets, each parent followed by its children.
    pub targets: Vec<Target>,
    /// Attendance facts read.
    pub facts: usize,
    /// Facts dated before the start or after the day, not counted.
    pub ignored: usize,
}

/// One target's progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct Target {
    /// Target id.
    pub id: String,
    /// Italian label.
    pub label_it: String,
    /// English label.
    pub label_en: String,
    /// The target it is part of.
    #[schema(required = true)]
    pub parent: Option<String>,
    /// 0 for a top target, 1 for its children …
    pub depth: u32,
    /// What is counted: `people`, `smes`, `cooperatives`, `circles`.
    pub unit: String,
    /// Only this mode counts (`in_person`, `online`).
    #[schema(required = true)]
    pub mode: Option<String>,
    /// Only this country counts (ISO code).
    #[schema(required = true)]
    pub country: Option<String>,
    /// The goal.
    pub goal: u64,
    /// Distinct people (or SMEs …) counted.
    pub done: u64,
    /// `done / goal` in percent, rounded down to one decimal.
    pub percent: f64,
    /// The deadline.
    #[schema(value_type = Option<String>, format = Date, required = true)]
    pub deadline: Option<NaiveDate>,
    /// Days from the report's day to the deadline (negative once past).
    #[schema(required = true)]
    pub days_left: Option<i64>,
    /// The count at the deadline at the current pace.
    #[schema(required = true)]
    pub projected: Option<u64>,
    /// Whether the projection reaches the goal.
    #[schema(required = true)]
    pub on_track: Option<bool>,
    /// Where a steady pace from the start would be on the report's day.
    #[schema(required = true)]
    pub expected: Option<u64>,
    /// The day the goal is reached at the current pace.
    #[schema(value_type = Option<String>, format = Date, required = true)]
    pub reaches_goal_on: Option<NaiveDate>,
}

impl From<&TargetProgress> for Target {
    fn from(t: &TargetProgress) -> Self {
        Target {
            id: t.id.to_string(),
            label_it: t.label_it.clone(),
            label_en: t.label_en.clone(),
            parent: t.parent.as_ref().map(ToString::to_string),
            depth: t.depth,
            unit: serde_json::to_value(t.unit)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            mode: t.mode.map(|m| m.as_str().to_owned()),
            country: t.country.map(|c| c.as_str().to_owned()),
            goal: t.goal,
            done: t.done,
            percent: t.percent as f64 / 10.0,
            deadline: t.deadline,
            days_left: t.days_left,
            projected: t.projected,
            on_track: t.on_track,
            expected: t.expected,
            reaches_goal_on: t.reaches_goal_on,
        }
    }
}

impl From<&ProgressReport> for Progress {
    fn from(r: &ProgressReport) -> Self {
        Progress {
            program_id: r.program.to_string(),
            name: r.name.clone(),
            today: r.today,
            start: r.start,
            targets: r.targets.iter().map(Target::from).collect(),
            facts: r.facts,
            ignored: r.ignored,
        }
    }
}

/// Progress against a program's targets, from the attendance recorded in the store. The server
/// keeps a program's figures for up to `progress_max_age` (default 60 s): a presence recorded
/// through this server shows at once, one recorded elsewhere (another server process, the CLI)
/// within that time.
#[utoipa::path(get, path = "/v1/programs/{id}/progress", tag = "catalog",
    params(
        ("id" = String, Path, description = "Program id, e.g. `community-skill-hubs`"),
        ("on" = Option<String>, Query, description = "The day of the report, YYYY-MM-DD; default: today in the program's zone"),
        ("format" = Option<String>, Query, description = "`json` (default), `text` (Italian), `csv` (Italian Excel) or `svg` (a bar chart)"),
        ("partner" = Option<String>, Query, description = "Only the sessions at the hubs this partner of the program runs (a partner's id, e.g. `comune-di-milano`)"),
    ),
    responses(
        (status = 200, description = "The progress of every target", content(
            (Progress = "application/json"),
            (String = "text/plain"),
            (String = "text/csv"),
            (String = "image/svg+xml"),
        )),
        (status = 400, description = "A malformed or unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such program, or no such partner of it", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn progress(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult<Response> {
    let params = Params::new(query, &["on", "format", "partner"])?;
    let program = state
        .program(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no program has id {id:?}")))?;
    let on = match params.get("on") {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            ApiError::BadRequest(format!("on: {text:?} is not a day such as 2019-06-30"))
        })?,
        None => {
            let now = Utc::now();
            program
                .zone()
                .to_local(now)
                .map_or(now.date_naive(), |local| local.date())
        }
    };
    let format = params.get("format").unwrap_or("json");
    if !matches!(format, "json" | "text" | "csv" | "svg") {
        return Err(ApiError::BadRequest(format!(
            "format: {format:?} is not one of json, text, csv, svg"
        )));
    }
    let report = match params.get("partner") {
        None => state.progress().report(state.store(), &program, on).await?,
        Some(text) => {
            let partner = Tag::parse(text)
                .ok()
                .and_then(|id| program.partner(&id))
                .ok_or_else(|| {
                    ApiError::NotFound(format!("program {id:?} has no partner {text:?}"))
                })?;
            let hubs: Vec<HubId> = program.hubs_of(&partner.id).map(|h| h.id.clone()).collect();
            state
                .progress()
                .report_at(state.store(), &program, &hubs, on)
                .await?
        }
    };
    let typed = |content_type: &'static str, body: String| {
        let mut response = body.into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    };
    Ok(match format {
        "text" => typed("text/plain; charset=utf-8", report.text_it()),
        "svg" => typed("image/svg+xml", report.svg()),
        "csv" => typed("text/csv; charset=utf-8", csv(&report)?),
        _ => Json(Progress::from(&*report)).into_response(),
    })
}

/// The report as a spreadsheet for Italian Excel (`;`, BOM, decimal commas).
fn csv(report: &ProgressReport) -> ApiResult<String> {
    let mut writer = ItalianWriter::new(Vec::new()).map_err(ApiError::internal)?;
    for row in report.rows_it() {
        writer.row(row).map_err(ApiError::internal)?;
    }
    let bytes = writer.finish().map_err(ApiError::internal)?;
    String::from_utf8(bytes).map_err(ApiError::internal)
}
