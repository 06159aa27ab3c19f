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
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use skillhub_core::grants::call::Applicant;
use skillhub_core::grants::evaluation::Mark;
use skillhub_core::grants::file::CallFileError;
use skillhub_core::grants::score::Points;
use skillhub_core::ids::Tag;
use skillhub_core::person::OrganisationType;
use skillhub_core::tz::Zone;
use skillhub_store::{EvaluatorView, GrantError, GrantWrite, Idempotency, Replay};

use crate::auth::{Credential, identify, token_hash};
use crate::extract::{Bearer, ClientIp, Fields, JsonObject, RateLimited, json_kind, pointer_token};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::{FieldProblem, Problem};
use wire::{
    AssignedApplication, Evaluations, Evaluator, EvaluatorCreated, GrantApplication,
    GrantApplicationCreated, GrantCall, GrantRankingBody, GrantWithdrawal, OverdueItem,
    OverdueList,
};

/// The header that makes a creation idempotent.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

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
        GrantError::ConflictOfInterest { .. } | GrantError::NotAssigned { .. } => {
            ApiError::Forbidden
        }
        _ => ApiError::Conflict(text),
    }
}

/// The `Idempotency-Key` header: 1–255 visible ASCII characters, or a 400.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::BadRequest("Idempotency-Key must be 1 to 255 visible ASCII characters".to_owned())
    };
    let text = value.to_str().map_err(|_| bad())?;
    if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(text.to_owned()))
}

/// The idempotency record of a request: route and caller, key, hash of the canonical body.
fn idempotency(
    route: String,
    key: Option<String>,
    bearer: &Bearer,
    ip: std::net::IpAddr,
    canonical: &str,
) -> Option<Idempotency> {
    key.map(|key| {
        let caller = match &bearer.0 {
            Some(token) => format!("token:{}", token_hash(token)),
            None => format!("ip:{ip}"),
        };
        Idempotency {
            scope: format!("{route} {caller}"),
            key,
            request_hash: hex::encode(Sha256::digest(canonical.as_bytes())),
        }
    })
}

/// A JSON answer (new or replayed) with its status and `Location`.
fn json_response(replay: Replay, location: Option<String>) -> Response {
    let status = StatusCode::from_u16(replay.status).unwrap_or(StatusCode::CREATED);
    let mut response = (status, Body::from(replay.body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    response
}

fn created<T: serde::Serialize>(body: &T) -> Replay {
    Replay {
        status: StatusCode::CREATED.as_u16(),
        // Serializing wire types of strings and numbers cannot fail.
        body: serde_json::to_string(body).unwrap_or_default(),
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

fn rome_today() -> NaiveDate {
    let now = Utc::now();
    Zone::rome()
        .to_local(now)
        .map_or_else(|_| now.date_naive(), |local| local.date())
}

/// Creates a grant call from the JSON of `skillhub grants rank CALL.json` with an `id` (admin).
#[utoipa::path(post, path = "/v1/grants/calls", tag = "grants",
    params(("Idempotency-Key" = Option<String>, Header,
        description = "1–255 visible ASCII characters; the same key with the same body replays the first answer")),
    request_body(content = wire::NewGrantCall, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The call", body = GrantCall,
            headers(("Location" = String, description = "The call's URL"))),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin token", body = Problem, content_type = "application/problem+json"),
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
    let outcome = state
        .store()
        .create_grant_call(
            &body.canonical,
            None,
            "admin",
            idem.as_ref(),
            Utc::now(),
            |view| created(&GrantCall::from(view)),
        )
        .await
        .map_err(fail)?;
    let replay = match outcome {
        GrantWrite::Done(view) => created(&GrantCall::from(&view)),
        GrantWrite::Replayed(replay) => replay,
    };
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
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
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
        ("Idempotency-Key" = Option<String>, Header,
            description = "1–255 visible ASCII characters; the same key with the same body replays the first answer"),
    ),
    request_body(content = wire::NewGrantApplication, content_type = "application/json"),
    responses(
        (status = 201, description = "Submitted: `eligible`, or `ineligible` with `reasons`", body = GrantApplicationCreated,
            headers(("Location" = String, description = "The application's URL"))),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call was ranked and takes no more applications", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named by its JSON pointer, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
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
    let respond = |view: &skillhub_store::GrantApplicationView, token: &str| {
        created(&GrantApplicationCreated {
            application: GrantApplication::from(view),
            token: token.to_owned(),
        })
    };
    let outcome = state
        .store()
        .submit_grant_application(&call_id, &request, idem.as_ref(), Utc::now(), respond)
        .await
        .map_err(fail)?;
    let replay = match outcome {
        GrantWrite::Done((view, token)) => respond(&view, &token),
        GrantWrite::Replayed(replay) => replay,
    };
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
        (status = 401, description = "No bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither this application's token nor the admin's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
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
    params(("id" = i64, Path, description = "Application id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn, with the applications promoted from the reserve list", body = GrantWithdrawal),
        (status = 401, description = "No bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither this application's token nor the admin's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn or closed", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes from this address", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub(crate) async fn withdraw_application(
    _limited: RateLimited,
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<GrantWithdrawal>> {
    let id = application_id(&id)?;
    let actor = admin_or_applicant(&state, &bearer, id).await?;
    let done = state
        .store()
        .withdraw_grant_application(id, &actor, Utc::now())
        .await
        .map_err(fail)?;
    Ok(Json(GrantWithdrawal {
        application: GrantApplication::from(&done.application),
        promoted: done.promoted.iter().map(|p| p.id).collect(),
    }))
}

/// Issues an evaluator token for a call (admin), assigns it applications and records the
/// conflicts of interest it declared. The token is shown only this once.
#[utoipa::path(post, path = "/v1/grants/calls/{id}/evaluators", tag = "grants",
    params(
        ("id" = String, Path, description = "Call id"),
        ("Idempotency-Key" = Option<String>, Header,
            description = "1–255 visible ASCII characters; the same key with the same body replays the first answer"),
    ),
    request_body(content = wire::NewEvaluator, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The evaluator and its token", body = EvaluatorCreated),
        (status = 401, description = "No bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call was ranked, or an application's evaluation is over", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, named by its JSON pointer", body = Problem, content_type = "application/problem+json"),
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
    let label = finish_or(fields, label)?;
    let request = skillhub_store::NewEvaluator {
        label,
        applications: applications.unwrap_or_default(),
        conflicts: conflicts.unwrap_or_default(),
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
    let replay = match outcome {
        GrantWrite::Done((view, token)) => respond(&view, &token),
        GrantWrite::Replayed(replay) => replay,
    };
    Ok(json_response(replay, None))
}

/// The applications assigned to the evaluator whose token this is, with the call's criteria.
#[utoipa::path(get, path = "/v1/grants/evaluations", tag = "grants",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What to score", body = Evaluations),
        (status = 401, description = "No bearer token", body = Problem, content_type = "application/problem+json"),
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
        (status = 401, description = "No bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an evaluator's token, an evaluator not assigned to this application, or one who declared a conflict of interest with it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
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
#[utoipa::path(post, path = "/v1/grants/calls/{id}/ranking", tag = "grants",
    params(("id" = String, Path, description = "Call id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The awarded ranking", body = GrantRankingBody),
        (status = 401, description = "No bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Applications still under evaluation, or a full tie without a lottery seed", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn rank_call(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(call_id): Path<String>,
) -> ApiResult<Json<GrantRankingBody>> {
    admin_only(&state, &bearer).await?;
    let ranking = state
        .store()
        .rank_grant_call(&call_id, "admin", Utc::now())
        .await
        .map_err(fail)?;
    Ok(Json(GrantRankingBody::new(&call_id, &ranking)))
}

/// The call's ranking (admin): the awarded one, with the withdrawals since, or a preview over
/// the applications evaluated so far.
#[utoipa::path(get, path = "/v1/grants/calls/{id}/ranking", tag = "grants",
    params(("id" = String, Path, description = "Call id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The ranking (`awarded` false for a preview)", body = GrantRankingBody),
        (status = 401, description = "No bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
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
/// closes it to reports.
#[utoipa::path(post, path = "/v1/grants/applications/{id}/reports", tag = "grants",
    params(("id" = i64, Path, description = "Application id")),
    request_body(content = wire::NewReport, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The application with the report", body = GrantApplication),
        (status = 401, description = "No bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not funded, or the report was already recorded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid field, or a report the project does not owe", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn record_report(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Response> {
    admin_only(&state, &bearer).await?;
    let id = application_id(&id)?;
    let mut fields = body?.fields;
    let number = fields.required_with("number", |v| {
        v.as_u64()
            .filter(|n| *n > 0)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| problem("/number".to_owned(), "expected a report number, 1 or more"))
    });
    let received_on = fields.optional::<NaiveDate>("received_on");
    let number = finish_or(fields, number)?;
    let view = state
        .store()
        .record_grant_report(
            id,
            number,
            received_on.unwrap_or_else(rome_today),
            "admin",
            Utc::now(),
        )
        .await
        .map_err(fail)?;
    Ok(json_response(created(&GrantApplication::from(&view)), None))
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
        (status = 401, description = "No bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
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
        .route("/v1/grants/evaluations", get(evaluations))
}
