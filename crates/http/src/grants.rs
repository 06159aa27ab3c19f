//! Grant calls ("bandi") over HTTP: applicants submit and follow their application with the
//! token they get once; evaluators (tokens issued by the admin per call) score the applications
//! assigned to them, never one they declared a conflict of interest with; the admin creates
//! calls, issues evaluator tokens, ranks and awards, records reports and lists the late ones.
//!
//! Roles are told apart by the bearer token: the admin token; an evaluator's token (looked up
//! by hash among the call's evaluators); an applicant's token (checked against the application's
//! hash). No token is a 401, a token of another role a 403. Every decision is the store's, in one
//! transaction, with the core's rules; this module parses requests (every problem named by its
//! JSON pointer) and writes the answers in the types of [`wire`].

pub(crate) mod wire;

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use serde_json::Value;
use skillhub_allocation::lottery::LotterySeed;
use skillhub_core::ids::Tag;
use skillhub_core::person::{Email, OrganisationType};
use skillhub_core::tz::Zone;
use skillhub_grants::call::Applicant;
use skillhub_grants::evaluation::Mark;
use skillhub_grants::file::CallFileError;
use skillhub_grants::score::Points;
use skillhub_store::{
    EvaluatorView, GrantApplicationView, GrantError, GrantWrite, Idempotency, NewGrantReport,
    RankingSeed, Replay,
};

use crate::auth::{Credential, identify};
use crate::extract::{Bearer, ClientIp, Fields, JsonObject, RateLimited, json_kind, pointer_token};
use crate::idempotency::{
    IdempotencyKeyHeader, answer, idempotency, idempotency_key, json_response,
};
use crate::openapi::{JsonBodyRefusals, NeedsToken, TooManyWrites};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::{FieldProblem, Problem};
use wire::{
    AssignedApplication, Evaluations, Evaluator, EvaluatorCreated, GrantApplication,
    GrantApplicationCreated, GrantCall, GrantRankingBody, GrantWithdrawal, OverdueItem,
    OverdueList,
};

/// A token that is not the admin's.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only the description is used, by the OpenAPI document.
enum NotAdmin {
    #[response(
        status = 403,
        description = "Not the admin token",
        content_type = "application/problem+json"
    )]
    Refused(Problem),
}

/// An application id that names none.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only the description is used, by the OpenAPI document.
enum NoApplication {
    #[response(
        status = 404,
        description = "No such application",
        content_type = "application/problem+json"
    )]
    Refused(Problem),
}

/// A call id that names none.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only the description is used, by the OpenAPI document.
enum NoCall {
    #[response(
        status = 404,
        description = "No such call",
        content_type = "application/problem+json"
    )]
    Refused(Problem),
}

/// A store failure as the API's error: grant refusals to 4xx, the rest as everywhere else.
fn fail(err: skillhub_store::Error) -> ApiError {
    let skillhub_store::Error::Grants(refusal) = err else {
        return ApiError::from(err);
    };
    let text = refusal.to_string();
    match refusal {
        GrantError::CallFile(CallFileError::Invalid { pointer, message }) => {
            ApiError::invalid(&pointer, message)
        }
        GrantError::CallFile(syntax) => ApiError::MalformedJson(syntax.to_string()),
        GrantError::Invalid { pointer, message } => ApiError::invalid(&pointer, message),
        GrantError::UnknownCall(_) | GrantError::UnknownApplication(_) => ApiError::NotFound(text),
        GrantError::ConflictOfInterest { .. } => ApiError::ConflictOfInterest,
        GrantError::NotAssigned { .. } => ApiError::Forbidden,
        GrantError::AlreadyApplied { call, .. } => ApiError::Conflict(format!(
            "a cooperative with this partita IVA already applied to grant call {call:?}"
        )),
        _ => ApiError::Conflict(text),
    }
}

/// A 201 answer with `body`.
fn created<T: serde::Serialize>(body: &T) -> Replay {
    answer(StatusCode::CREATED, body)
}

/// A 200 answer with `body`.
fn ok<T: serde::Serialize>(body: &T) -> Replay {
    answer(StatusCode::OK, body)
}

/// The answer of a store write: `respond`'s for a new one, the stored one for a replay.
fn written<T>(outcome: GrantWrite<T>, respond: impl FnOnce(&T) -> Replay) -> Replay {
    match outcome {
        GrantWrite::Done(done) => respond(&done),
        GrantWrite::Replayed(replay) => replay,
    }
}

async fn admin_only(state: &AppState, bearer: &Bearer) -> ApiResult<()> {
    match identify(state, bearer).await? {
        Credential::Admin => Ok(()),
        _ => Err(ApiError::Forbidden),
    }
}

/// The evaluator a request's token belongs to; 401 without a token, 403 for any other token.
async fn evaluator_of(state: &AppState, bearer: &Bearer) -> ApiResult<EvaluatorView> {
    match identify(state, bearer).await? {
        Credential::Other(token) => state
            .store()
            .grant_evaluator(&token)
            .await?
            .ok_or(ApiError::Forbidden),
        _ => Err(ApiError::Forbidden),
    }
}

/// The application's id from the path; a non-number names no application.
fn application_id(text: &str) -> ApiResult<i64> {
    text.parse()
        .map_err(|_| ApiError::NotFound(format!("no grant application has id {text}")))
}

/// The idempotency record of a write to application `id` (`POST
/// /v1/grants/applications/{id}/{what}`), when the request has an `Idempotency-Key`.
fn application_write(
    id: i64,
    what: &str,
    headers: &HeaderMap,
    bearer: &Bearer,
    ip: std::net::IpAddr,
    canonical: &str,
) -> ApiResult<Option<Idempotency>> {
    let key = idempotency_key(headers)?;
    let route = format!("POST /v1/grants/applications/{id}/{what}");
    Ok(idempotency(route, key, bearer, ip, canonical))
}

/// The admin, or the applicant by the application's token; returns the audit actor.
async fn admin_or_applicant(state: &AppState, bearer: &Bearer, id: i64) -> ApiResult<String> {
    match identify(state, bearer).await? {
        Credential::Admin => Ok("admin".to_owned()),
        Credential::Other(token) if state.store().check_applicant_token(id, &token).await? => {
            Ok(format!("applicant:{id}"))
        }
        _ => Err(ApiError::Forbidden),
    }
}

fn problem(pointer: String, detail: impl Into<String>) -> FieldProblem {
    FieldProblem {
        pointer,
        detail: detail.into(),
        line: None,
        column: None,
    }
}

/// A list of slugs at `/name`, each problem at its own index.
fn tags(name: &str, value: Value) -> Result<BTreeSet<Tag>, FieldProblem> {
    let Value::Array(items) = value else {
        return Err(problem(
            format!("/{name}"),
            format!("expected a list, found {}", json_kind(&value)),
        ));
    };
    let mut out = BTreeSet::new();
    for (i, item) in items.into_iter().enumerate() {
        let pointer = format!("/{name}/{i}");
        let Value::String(text) = item else {
            return Err(problem(pointer, "expected a string"));
        };
        let tag = Tag::parse(&text).map_err(|e| problem(pointer.clone(), e.to_string()))?;
        if !out.insert(tag) {
            return Err(problem(pointer, "listed twice"));
        }
    }
    Ok(out)
}

/// The applicant member, each problem at its own pointer.
fn read_applicant(value: Value) -> Result<Applicant, FieldProblem> {
    let Value::Object(mut map) = value else {
        return Err(problem(
            "/applicant".to_owned(),
            format!("expected an object, found {}", json_kind(&value)),
        ));
    };
    let at = |key: &str| format!("/applicant/{}", pointer_token(key));
    let mut text = |key: &str, required: bool| -> Result<Option<String>, FieldProblem> {
        match map.remove(key) {
            None | Some(Value::Null) if required => Err(problem(at(key), "this field is required")),
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s)),
            Some(_) => Err(problem(at(key), "expected a non-empty string")),
        }
    };
    let name = text("name", true)?.unwrap_or_default();
    let partita_iva = text("partita_iva", true)?.unwrap_or_default();
    let albo_number = text("albo_number", false)?;
    let organisation_type = text("organisation_type", false)?
        .map(|t| {
            serde_json::from_value::<OrganisationType>(Value::String(t))
                .map_err(|e| problem(at("organisation_type"), e.to_string()))
        })
        .transpose()?;
    let slug = |key: &str, value: Option<String>| {
        value
            .map(|t| Tag::parse(&t).map_err(|e| problem(at(key), e.to_string())))
            .transpose()
    };
    let region = slug("region", text("region", false)?)?;
    let sector = slug("sector", text("sector", false)?)?;
    let email = text("email", false)?
        .map(|t| Email::parse(&t).map_err(|e| problem(at("email"), e.to_string())))
        .transpose()?;
    if let Some(key) = map.keys().next() {
        return Err(problem(at(key), "unknown field"));
    }
    Ok(Applicant {
        name,
        partita_iva,
        organisation_type,
        albo_number,
        region,
        sector,
        email,
    })
}

fn positive(name: &str, value: Value) -> Result<u64, FieldProblem> {
    value
        .as_u64()
        .filter(|n| *n > 0)
        .ok_or_else(|| problem(format!("/{name}"), "expected a whole number more than 0"))
}

fn ids(name: &str, value: Value) -> Result<Vec<i64>, FieldProblem> {
    let Value::Array(items) = value else {
        return Err(problem(
            format!("/{name}"),
            "expected a list of application ids",
        ));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_i64()
                .ok_or_else(|| problem(format!("/{name}/{i}"), "expected an application id"))
        })
        .collect()
}

fn read_marks(value: Value) -> Result<BTreeMap<Tag, Mark>, FieldProblem> {
    let Value::Object(map) = value else {
        return Err(problem(
            "/marks".to_owned(),
            format!("expected an object, found {}", json_kind(&value)),
        ));
    };
    let mut marks = BTreeMap::new();
    for (key, mark) in map {
        let at = format!("/marks/{}", pointer_token(&key));
        let id = Tag::parse(&key).map_err(|e| problem(at.clone(), e.to_string()))?;
        let Value::Object(mut mark) = mark else {
            return Err(problem(at, "expected {\"points\", \"comment\"}"));
        };
        let points = mark
            .remove("points")
            .ok_or_else(|| problem(format!("{at}/points"), "this field is required"))
            .and_then(|p| {
                serde_json::from_value::<Points>(p)
                    .map_err(|e| problem(format!("{at}/points"), e.to_string()))
            })?;
        let comment = match mark.remove("comment") {
            Some(Value::String(text)) => text,
            None | Some(Value::Null) => {
                return Err(problem(format!("{at}/comment"), "this field is required"));
            }
            Some(_) => return Err(problem(format!("{at}/comment"), "expected a string")),
        };
        if let Some(extra) = mark.keys().next() {
            return Err(problem(
                format!("{at}/{}", pointer_token(extra)),
                "unknown field",
            ));
        }
        marks.insert(id, Mark { points, comment });
    }
    Ok(marks)
}

fn finish_or<T>(fields: Fields, value: Option<T>) -> ApiResult<T> {
    fields.finish()?;
    value.ok_or_else(|| ApiError::internal("a required field passed the checks unread"))
}

/// Today in Italy, where grant calls run.
fn rome_today() -> NaiveDate {
    Zone::rome().date_of(Utc::now())
}

/// Creates a grant call from the JSON of `skillhub grants rank CALL.json` with an `id` (admin).
#[utoipa::path(post, path = "/v1/grants/calls", tag = "grants",
    params(IdempotencyKeyHeader),
    request_body(content = wire::NewGrantCall, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The call", body = GrantCall,
            headers(("Location" = String, description = "The call's URL"))),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        JsonBodyRefusals,
        NotAdmin,
        (status = 409, description = "A call with this id exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid value, named by its JSON pointer, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_call(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    bearer: Bearer,
    headers: HeaderMap,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Response> {
    admin_only(&state, &bearer).await?;
    let key = idempotency_key(&headers)?;
    let body = body?;
    let idem = idempotency(
        "POST /v1/grants/calls".to_owned(),
        key,
        &bearer,
        ip,
        &body.canonical,
    );
    let respond = |view: &skillhub_store::GrantCallView| created(&GrantCall::from(view));
    let outcome = state
        .store()
        .create_grant_call(
            &body.canonical,
            None,
            "admin",
            idem.as_ref(),
            Utc::now(),
            respond,
        )
        .await
        .map_err(fail)?;
    let replay = written(outcome, respond);
    let location = serde_json::from_str::<GrantCall>(&replay.body)
        .ok()
        .map(|c| format!("/v1/grants/calls/{}", c.id));
    Ok(json_response(replay, location))
}

/// A grant call: budget, criteria, thresholds, reporting plan (public).
#[utoipa::path(get, path = "/v1/grants/calls/{id}", tag = "grants",
    params(("id" = String, Path, description = "Call id")),
    responses(
        (status = 200, description = "The call", body = GrantCall),
        NoCall,
    ))]
pub(crate) async fn get_call(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<GrantCall>> {
    let view = state
        .store()
        .grant_call(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no grant call has id {id:?}")))?;
    Ok(Json(GrantCall::from(&view)))
}

/// Hands in an application (public): it is admitted at once, or refused with every reason.
/// The answer carries the applicant's token, shown only this once.
#[utoipa::path(post, path = "/v1/grants/calls/{id}/applications", tag = "grants",
    params(
        ("id" = String, Path, description = "Call id"),
        IdempotencyKeyHeader,
    ),
    request_body(content = wire::NewGrantApplication, content_type = "application/json"),
    responses(
        (status = 201, description = "Submitted: `eligible`, or `ineligible` with `reasons`", body = GrantApplicationCreated,
            headers(("Location" = String, description = "The application's URL"))),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        NoCall,
        JsonBodyRefusals,
        (status = 409, description = "The call was ranked and takes no more applications, or the cooperative (by partita IVA) already has a live application in it (its id is named to the admin only)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named by its JSON pointer, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        TooManyWrites,
    ))]
pub(crate) async fn submit_application(
    _limited: RateLimited,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    bearer: Bearer,
    Path(call_id): Path<String>,
    headers: HeaderMap,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Response> {
    if state.store().grant_call(&call_id).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "no grant call has id {call_id:?}"
        )));
    }
    let is_admin =
        bearer.0.is_some() && matches!(identify(&state, &bearer).await, Ok(Credential::Admin));
    let key = idempotency_key(&headers)?;
    let body = body?;
    let canonical = body.canonical;
    let mut fields = body.fields;
    let applicant = fields.required_with("applicant", read_applicant);
    let requested = fields.required_with("requested_cents", |v| positive("requested_cents", v));
    let priorities = fields.optional_with("priorities", |v| tags("priorities", v));
    let project_kinds = fields.optional_with("project_kinds", |v| tags("project_kinds", v));
    let (applicant, requested) = finish_or(fields, applicant.zip(requested))?;
    let request = skillhub_store::NewGrantApplication {
        applicant,
        requested_cents: requested,
        priorities: priorities.unwrap_or_default(),
        project_kinds: project_kinds.unwrap_or_default(),
    };
    let idem = idempotency(
        format!("POST /v1/grants/calls/{call_id}/applications"),
        key,
        &bearer,
        ip,
        &canonical,
    );
    let respond = |view: &GrantApplicationView, token: &str| {
        created(&GrantApplicationCreated {
            application: GrantApplication::from(view),
            token: token.to_owned(),
        })
    };
    let outcome = state
        .store()
        .submit_grant_application(&call_id, &request, idem.as_ref(), Utc::now(), respond)
        .await
        .map_err(|err| match err {
            // Only the admin learns which application is in the way.
            skillhub_store::Error::Grants(refusal @ GrantError::AlreadyApplied { .. })
                if is_admin =>
            {
                ApiError::Conflict(refusal.to_string())
            }
            other => fail(other),
        })?;
    let replay = written(outcome, |(view, token)| respond(view, token));
    let location = serde_json::from_str::<GrantApplicationCreated>(&replay.body)
        .ok()
        .map(|c| format!("/v1/grants/applications/{}", c.application.id));
    Ok(json_response(replay, location))
}

/// An application and where it is, with the reasons of a refusal and the reports due (its
/// applicant's token, or the admin).
#[utoipa::path(get, path = "/v1/grants/applications/{id}", tag = "grants",
    params(("id" = i64, Path, description = "Application id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The application", body = GrantApplication),
        NeedsToken,
        (status = 403, description = "Neither this application's token nor the admin's", body = Problem, content_type = "application/problem+json"),
        NoApplication,
    ))]
pub(crate) async fn get_application(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<GrantApplication>> {
    let id = application_id(&id)?;
    admin_or_applicant(&state, &bearer, id).await?;
    let view = state
        .store()
        .grant_application(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no grant application has id {id}")))?;
    Ok(Json(GrantApplication::from(&view)))
}

/// Withdraws an application at any stage before closing (its applicant's token, or the
/// admin). A funded one gives its money back, and the reserve list is walked again at once.
#[utoipa::path(post, path = "/v1/grants/applications/{id}/withdrawal", tag = "grants",
    params(
        ("id" = i64, Path, description = "Application id"),
        IdempotencyKeyHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn, with the applications promoted from the reserve list", body = GrantWithdrawal),
        (status = 400, description = "Malformed Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        (status = 403, description = "Neither this application's token nor the admin's", body = Problem, content_type = "application/problem+json"),
        NoApplication,
        (status = 409, description = "Already withdrawn or closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An Idempotency-Key reused with another request", body = Problem, content_type = "application/problem+json"),
        TooManyWrites,
    ))]
pub(crate) async fn withdraw_application(
    _limited: RateLimited,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    bearer: Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = application_id(&id)?;
    let actor = admin_or_applicant(&state, &bearer, id).await?;
    let idem = application_write(id, "withdrawal", &headers, &bearer, ip, "")?;
    let respond = |done: &skillhub_store::GrantWithdrawal| {
        ok(&GrantWithdrawal {
            application: GrantApplication::from(&done.application),
            promoted: done.promoted.iter().map(|p| p.id).collect(),
        })
    };
    let outcome = state
        .store()
        .withdraw_grant_application(id, &actor, idem.as_ref(), Utc::now(), respond)
        .await
        .map_err(fail)?;
    Ok(json_response(written(outcome, respond), None))
}

/// Issues an evaluator token for a call (admin), assigns it applications and records the
/// conflicts of interest it declared. The token is shown only this once.
#[utoipa::path(post, path = "/v1/grants/calls/{id}/evaluators", tag = "grants",
    params(
        ("id" = String, Path, description = "Call id"),
        IdempotencyKeyHeader,
    ),
    request_body(content = wire::NewEvaluator, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The evaluator and its token", body = EvaluatorCreated),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        NotAdmin,
        NoCall,
        JsonBodyRefusals,
        (status = 409, description = "The call was ranked, or an application's evaluation is over", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named by its JSON pointer, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_evaluator(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    bearer: Bearer,
    Path(call_id): Path<String>,
    headers: HeaderMap,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Response> {
    admin_only(&state, &bearer).await?;
    let key = idempotency_key(&headers)?;
    let body = body?;
    let canonical = body.canonical;
    let mut fields = body.fields;
    let label = fields.required_with("label", |v| match v {
        Value::String(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(problem("/label".to_owned(), "expected a non-empty string")),
    });
    let applications = fields.optional_with("applications", |v| ids("applications", v));
    let conflicts = fields.optional_with("conflicts", |v| ids("conflicts", v));
    let email = fields.optional_with("email", |v| match v {
        Value::String(s) => {
            Email::parse(&s).map_err(|e| problem("/email".to_owned(), e.to_string()))
        }
        _ => Err(problem("/email".to_owned(), "expected an e-mail address")),
    });
    let label = finish_or(fields, label)?;
    let request = skillhub_store::NewEvaluator {
        label,
        applications: applications.unwrap_or_default(),
        conflicts: conflicts.unwrap_or_default(),
        email,
    };
    let idem = idempotency(
        format!("POST /v1/grants/calls/{call_id}/evaluators"),
        key,
        &bearer,
        ip,
        &canonical,
    );
    let respond = |view: &EvaluatorView, token: &str| {
        created(&EvaluatorCreated {
            evaluator: Evaluator::from(view),
            token: token.to_owned(),
        })
    };
    let outcome = state
        .store()
        .create_grant_evaluator(
            &call_id,
            &request,
            "admin",
            idem.as_ref(),
            Utc::now(),
            respond,
        )
        .await
        .map_err(fail)?;
    let replay = written(outcome, |(view, token)| respond(view, token));
    Ok(json_response(replay, None))
}

/// The applications assigned to the evaluator whose token this is, with the call's criteria.
#[utoipa::path(get, path = "/v1/grants/evaluations", tag = "grants",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What to score", body = Evaluations),
        NeedsToken,
        (status = 403, description = "Not an evaluator's token", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn evaluations(
    State(state): State<AppState>,
    bearer: Bearer,
) -> ApiResult<Json<Evaluations>> {
    let evaluator = evaluator_of(&state, &bearer).await?;
    let call = state
        .store()
        .grant_call(&evaluator.call_id)
        .await?
        .ok_or_else(|| ApiError::internal("an evaluator without its call"))?;
    let items = state.store().grant_assignments(&evaluator).await?;
    Ok(Json(Evaluations {
        evaluator: Evaluator::from(&evaluator),
        criteria: GrantCall::from(&call).criteria,
        items: items
            .iter()
            .map(|a| AssignedApplication {
                application: GrantApplication::from(&a.application),
                scored: a.scored,
            })
            .collect(),
    }))
}

/// Records the evaluator's score sheet for an application (replacing its earlier one): a mark
/// 0–5 with a comment for every criterion. When every assigned evaluator has scored, the
/// application is evaluated.
#[utoipa::path(put, path = "/v1/grants/applications/{id}/scores", tag = "grants",
    params(("id" = i64, Path, description = "Application id")),
    request_body(content = wire::ScoreSheet, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The application after the sheet", body = GrantApplication),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        (status = 403, description = "Not an evaluator's token, an evaluator not assigned to this application, or one who declared a conflict of interest with it", body = Problem, content_type = "application/problem+json"),
        NoApplication,
        JsonBodyRefusals,
        (status = 409, description = "The application is not under evaluation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or invalid mark, named by its JSON pointer", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn score_application(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Json<GrantApplication>> {
    let evaluator = evaluator_of(&state, &bearer).await?;
    let id = application_id(&id)?;
    let mut fields = body?.fields;
    let marks = fields.required_with("marks", read_marks);
    let marks = finish_or(fields, marks)?;
    let view = state
        .store()
        .score_grant_application(&evaluator, id, marks, Utc::now())
        .await
        .map_err(fail)?;
    Ok(Json(GrantApplication::from(&view)))
}

/// Ranks the call and awards its budget (admin), once: asking again returns the same ranking.
/// Refused while applications wait for their evaluation.
/// A call without a recorded lottery seed can be given one in the body, as `lottery_seed` or as
/// the `public_value` of a verifiable draw; it is recorded with the call and in the audit log.
#[utoipa::path(post, path = "/v1/grants/calls/{id}/ranking", tag = "grants",
    params(("id" = String, Path, description = "Call id")),
    request_body(content = Option<wire::RankingRequest>, content_type = "application/json",
        description = "Optional: the lottery seed, for a call that recorded none"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The awarded ranking", body = GrantRankingBody),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        NotAdmin,
        NoCall,
        JsonBodyRefusals,
        (status = 409, description = "Applications still under evaluation, a full tie without a lottery seed (give one in the body), or a seed other than the one the call recorded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid seed, named by its JSON pointer", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn rank_call(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(call_id): Path<String>,
    headers: HeaderMap,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Json<GrantRankingBody>> {
    admin_only(&state, &bearer).await?;
    // The body is optional: without a Content-Type there is none.
    let seed = if headers.contains_key(header::CONTENT_TYPE) {
        read_ranking_seed(body?.fields)?
    } else {
        None
    };
    let ranking = state
        .store()
        .rank_grant_call(&call_id, seed.as_ref(), "admin", Utc::now())
        .await
        .map_err(fail)?;
    Ok(Json(GrantRankingBody::new(&call_id, &ranking)))
}

/// The seed of a ranking body: `lottery_seed` (a whole number or 64 hex digits) or
/// `public_value` (a non-empty string), not both.
fn read_ranking_seed(mut fields: Fields) -> ApiResult<Option<RankingSeed>> {
    let seed = fields.optional_with("lottery_seed", |v| match v {
        Value::Number(n) => n.as_u64().map(LotterySeed::from_u64).ok_or_else(|| {
            problem(
                "/lottery_seed".to_owned(),
                "expected a whole number, 0 or more",
            )
        }),
        Value::String(hex) => {
            LotterySeed::parse(&hex).map_err(|e| problem("/lottery_seed".to_owned(), e.to_string()))
        }
        other => Err(problem(
            "/lottery_seed".to_owned(),
            format!(
                "expected a whole number or 64 hex digits, found {}",
                json_kind(&other)
            ),
        )),
    });
    let public_value = fields.optional_with("public_value", |v| match v {
        Value::String(text) if !text.trim().is_empty() => Ok(text),
        _ => Err(problem(
            "/public_value".to_owned(),
            "expected a non-empty string, the public random value as published",
        )),
    });
    if seed.is_some() && public_value.is_some() {
        fields.error(
            "/public_value",
            "give lottery_seed or public_value, not both",
        );
    }
    fields.finish()?;
    Ok(seed
        .map(RankingSeed::Seed)
        .or(public_value.map(RankingSeed::PublicValue)))
}

/// The call's ranking (admin): the awarded one, with the withdrawals since, or a preview over
/// the applications evaluated so far.
#[utoipa::path(get, path = "/v1/grants/calls/{id}/ranking", tag = "grants",
    params(("id" = String, Path, description = "Call id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The ranking (`awarded` false for a preview)", body = GrantRankingBody),
        NeedsToken,
        NotAdmin,
        NoCall,
        (status = 409, description = "A full tie without a lottery seed", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_ranking(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(call_id): Path<String>,
) -> ApiResult<Json<GrantRankingBody>> {
    admin_only(&state, &bearer).await?;
    let ranking = state.store().grant_ranking(&call_id).await.map_err(fail)?;
    Ok(Json(GrantRankingBody::new(&call_id, &ranking)))
}

/// Records a report of a funded project (admin): the first opens monitoring, the final one
/// closes it to reports (none is taken after it).
#[utoipa::path(post, path = "/v1/grants/applications/{id}/reports", tag = "grants",
    params(
        ("id" = i64, Path, description = "Application id"),
        IdempotencyKeyHeader,
    ),
    request_body(content = wire::NewReport, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The application with the report", body = GrantApplication),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        NotAdmin,
        NoApplication,
        JsonBodyRefusals,
        (status = 409, description = "Not funded, the report was already recorded, or the final report came in already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, a report the project does not owe, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn record_report(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    bearer: Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Response> {
    admin_only(&state, &bearer).await?;
    let id = application_id(&id)?;
    let body = body?;
    let idem = application_write(id, "reports", &headers, &bearer, ip, &body.canonical)?;
    let mut fields = body.fields;
    let number = fields.required_with("number", |v| {
        v.as_u64()
            .filter(|n| *n > 0)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| problem("/number".to_owned(), "expected a report number, 1 or more"))
    });
    let received_on = fields.optional::<NaiveDate>("received_on");
    let number = finish_or(fields, number)?;
    let report = NewGrantReport {
        number,
        received_on: received_on.unwrap_or_else(rome_today),
    };
    let respond = |view: &GrantApplicationView| created(&GrantApplication::from(view));
    let outcome = state
        .store()
        .record_grant_report(id, report, "admin", idem.as_ref(), Utc::now(), respond)
        .await
        .map_err(fail)?;
    Ok(json_response(written(outcome, respond), None))
}

/// Closes an application's file (admin): one that was refused, not funded, or whose final
/// report came in. A closed application takes no report and cannot be withdrawn.
#[utoipa::path(post, path = "/v1/grants/applications/{id}/closure", tag = "grants",
    params(
        ("id" = i64, Path, description = "Application id"),
        IdempotencyKeyHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The closed application", body = GrantApplication),
        (status = 400, description = "Malformed Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        NotAdmin,
        NoApplication,
        (status = 409, description = "Neither refused, nor not funded, nor with its final report in (or closed already)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An Idempotency-Key reused with another request", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn close_application(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    bearer: Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    admin_only(&state, &bearer).await?;
    let id = application_id(&id)?;
    let idem = application_write(id, "closure", &headers, &bearer, ip, "")?;
    let respond = |view: &GrantApplicationView| ok(&GrantApplication::from(view));
    let outcome = state
        .store()
        .close_grant_application(id, "admin", idem.as_ref(), Utc::now(), respond)
        .await
        .map_err(fail)?;
    Ok(json_response(written(outcome, respond), None))
}

/// The reports of the call's funded projects that are late on a day (admin), most late first.
#[utoipa::path(get, path = "/v1/grants/calls/{id}/overdue", tag = "grants",
    params(
        ("id" = String, Path, description = "Call id"),
        ("on" = Option<String>, Query, description = "The day, YYYY-MM-DD (Europe/Rome; default today)"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The late reports", body = OverdueList),
        (status = 400, description = "`on` is not a date", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        NotAdmin,
        NoCall,
    ))]
pub(crate) async fn overdue(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(call_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<OverdueList>> {
    admin_only(&state, &bearer).await?;
    let mut on = None;
    for pair in query.as_deref().unwrap_or("").split('&') {
        match pair.split_once('=') {
            Some(("on", value)) => {
                on = Some(NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                    ApiError::BadRequest(format!("on={value} is not a date such as 2023-07-01"))
                })?);
            }
            _ if pair.is_empty() => {}
            _ => return Err(ApiError::BadRequest(format!("unknown parameter {pair:?}"))),
        }
    }
    let on = on.unwrap_or_else(rome_today);
    let late = state
        .store()
        .overdue_grant_reports(&call_id, on)
        .await
        .map_err(fail)?;
    Ok(Json(OverdueList {
        call_id,
        on,
        items: late.iter().map(OverdueItem::from).collect(),
    }))
}

/// The grant routes, merged into the app's router.
pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post, put};
    axum::Router::new()
        .route("/v1/grants/calls", post(create_call))
        .route("/v1/grants/calls/{id}", get(get_call))
        .route(
            "/v1/grants/calls/{id}/applications",
            post(submit_application),
        )
        .route("/v1/grants/calls/{id}/evaluators", post(create_evaluator))
        .route(
            "/v1/grants/calls/{id}/ranking",
            get(get_ranking).post(rank_call),
        )
        .route("/v1/grants/calls/{id}/overdue", get(overdue))
        .route("/v1/grants/applications/{id}", get(get_application))
        .route(
            "/v1/grants/applications/{id}/withdrawal",
            post(withdraw_application),
        )
        .route(
            "/v1/grants/applications/{id}/scores",
            put(score_application),
        )
        .route("/v1/grants/applications/{id}/reports", post(record_report))
        .route(
            "/v1/grants/applications/{id}/closure",
            post(close_application),
        )
        .route("/v1/grants/evaluations", get(evaluations))
}
