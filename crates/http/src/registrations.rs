//! Registrations: the public write that takes a seat or a place on the waiting list, and the
//! routes with which the person (by the registration's manage token) or the admin sees and
//! cancels it.
//!
//! Registering goes: rate limit → the session exists (404) → the body is a person (422 naming
//! the field) → the program's eligibility rules, judged on the session's local date, admit them
//! (422 with the reasons in Italian and English) → the priority tier → the store decides the
//! seat in one transaction, replaying the stored answer for a repeated `Idempotency-Key` with the
//! same body and refusing one with another body (422), and refusing a second live registration
//! of the same e-mail (409).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::Value;
use skillhub_core::capacity::SeatKind;
use skillhub_core::codice_fiscale::CodiceFiscale;
use skillhub_core::eligibility::Reason;
use skillhub_core::lang::Lang;
use skillhub_core::person::{Attributes, Email, Person, PersonName};
use skillhub_core::program::Verdict;
use skillhub_notify::Canceller;
use skillhub_store::{
    Idempotency, RegisterRequest, Registered, RegistrationView, SessionView, Timing,
};

use crate::auth::{Credential, identify};
use crate::extract::{
    Bearer, ClientIp, JsonObject, RateLimited, at, json_kind, pointer_token, string,
};
use crate::idempotency::{
    IdempotencyKeyHeader, answer, idempotency, idempotency_key, json_response,
};
use crate::openapi::{JsonBodyRefusals, NeedsToken, TooManyWrites};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::{self, FieldProblem, Problem, Registration, RegistrationCreated};

/// Registers a person for a session.
#[utoipa::path(post, path = "/v1/sessions/{id}/registrations", tag = "registrations",
    params(
        ("id" = String, Path, description = "Session id"),
        IdempotencyKeyHeader,
    ),
    request_body(content = wire::NewRegistration, content_type = "application/json"),
    responses(
        (status = 201, description = "Confirmed or waitlisted", body = RegistrationCreated,
            headers(("Location" = String, description = "The registration's URL"))),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A late registration (`\"late\": true`) without a bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A late registration (`\"late\": true`) with a token that is not the admin's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This e-mail is already registered for the session, or the session does not take registrations now (`registration-closed`)", body = Problem, content_type = "application/problem+json"),
        JsonBodyRefusals,
        (status = 422, description = "An invalid field (with its JSON pointer), a person who is not eligible (with `reasons`), or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        TooManyWrites,
    ))]
pub(crate) async fn register(
    _limited: RateLimited,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    bearer: Bearer,
    Path(session_id): Path<String>,
    headers: HeaderMap,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Response> {
    // Only the session's fixed facts are needed here (its program and day): the seat counters
    // are read by the store under the session's lock.
    let session = state
        .session_facts(&session_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no session has id {session_id:?}")))?;
    let key = idempotency_key(&headers)?;
    let body = body?;
    let asked = read_registration(body.fields)?;
    if asked.timing == Timing::Late && identify(&state, &bearer).await? != Credential::Admin {
        return Err(ApiError::Forbidden);
    }
    let idem = idempotency(
        format!("POST /v1/sessions/{session_id}/registrations"),
        key,
        &bearer,
        ip,
        &body.canonical,
    );
    match enrol(&state, &session, asked, idem.as_ref()).await? {
        Enrolment::Ineligible(reasons) => Err(ApiError::Ineligible {
            program: session.program_id.to_string(),
            reasons,
        }),
        Enrolment::Registered(registered) => created(&registered),
    }
}

/// What asking for a seat came to.
#[derive(Debug)]
pub(crate) enum Enrolment {
    /// The program's rules refuse the person, for these reasons (at least one).
    Ineligible(Vec<Reason>),
    /// The store registered the person (confirmed or waitlisted), now or for an earlier
    /// request with the same idempotency key.
    Registered(Registered),
}

/// What a registration asks for: who, which seat, and whether outside the window.
#[derive(Debug)]
pub(crate) struct Asked {
    /// Who.
    pub(crate) person: Person,
    /// The kind of seat; `None` for the session's default.
    pub(crate) seat: Option<SeatKind>,
    /// [`Timing::Late`] only for the admin's `"late": true` or staff adding someone by hand;
    /// [`Timing::BeyondSeats`] only for an admin's or a manager's explicit choice.
    pub(crate) timing: Timing,
    /// Who asks, for the audit log: `public`, `admin` or `staff:ID`.
    pub(crate) actor: String,
    /// The language of the messages about it.
    pub(crate) lang: Lang,
}

impl Asked {
    /// A person asking for the session's default seat, inside the window (the web form).
    pub(crate) fn public(person: Person, lang: Lang) -> Asked {
        Asked {
            person,
            seat: None,
            timing: Timing::InWindow,
            actor: "public".to_owned(),
            lang,
        }
    }
}

/// Registers a person for `session` as the public does, through the API or the web pages: the
/// program judges them ([`Program::judge`](skillhub_core::program::Program::judge): eligibility
/// and priority tier on the session's local day), then the store decides the seat in one
/// transaction (inside the registration window unless the admin asked for a late one).
pub(crate) async fn enrol(
    state: &AppState,
    session: &SessionView,
    asked: Asked,
    idempotency: Option<&Idempotency>,
) -> ApiResult<Enrolment> {
    let program = state
        .program(session.program_id.as_str())
        .await?
        .ok_or_else(|| ApiError::internal(format!("session {} has no program", session.id)))?;
    program
        .settings()
        .codice_fiscale()
        .check(&asked.person)
        .map_err(|problem| ApiError::invalid("/codice_fiscale", problem.to_string()))?;
    let verdict = program
        .judge(&asked.person.attributes, &session.zone, session.starts_at)
        .map_err(ApiError::internal)?;
    let tier = match verdict {
        Verdict::Refused(reasons) => return Ok(Enrolment::Ineligible(reasons)),
        Verdict::Admitted(tier) => tier,
    };
    let request = RegisterRequest {
        session_id: session.id.clone(),
        person: asked.person,
        kind: asked.seat,
        tier,
        actor: asked.actor,
        timing: asked.timing,
        // People are written to in a language the program offers.
        lang: program.settings().languages().pick(asked.lang),
    };
    let registered = state
        .store()
        .register(&request, idempotency, Utc::now())
        .await?;
    Ok(Enrolment::Registered(registered))
}

/// The 201 of a registration, new or replayed: the same registration gives the same bytes.
fn created(registered: &Registered) -> ApiResult<Response> {
    let view = &registered.registration;
    let body = RegistrationCreated::from_view(view, &registered.manage_token).ok_or_else(|| {
        ApiError::internal(format!("registration {} has an unknown status", view.id))
    })?;
    Ok(json_response(
        answer(StatusCode::CREATED, &body),
        Some(format!("/v1/registrations/{}", view.id)),
    ))
}

/// What a registration body asks for, or every problem with it.
fn read_registration(mut fields: crate::extract::Fields) -> ApiResult<Asked> {
    let email = fields.required_with("email", |v| {
        Email::parse(&string("email", v)?).map_err(|err| at("email", err))
    });
    let name = fields.required_with("name", |v| {
        PersonName::parse(&string("name", v)?).map_err(|err| at("name", err))
    });
    let attributes = fields.optional_with("attributes", read_attributes);
    let codice_fiscale = fields.optional_with("codice_fiscale", |v| {
        CodiceFiscale::parse(&string("codice_fiscale", v)?).map_err(|err| at("codice_fiscale", err))
    });
    let seat: Option<wire::SeatKind> = fields.optional("seat");
    let late: Option<bool> = fields.optional("late");
    let lang: Option<wire::Language> = fields.optional("lang");
    fields.finish()?;
    match (email, name) {
        (Some(email), Some(name)) => Ok(Asked {
            actor: if late == Some(true) {
                "admin"
            } else {
                "public"
            }
            .to_owned(),
            person: Person {
                name,
                email,
                attributes: attributes.unwrap_or_default(),
                codice_fiscale,
            },
            seat: seat.map(SeatKind::from),
            timing: if late == Some(true) {
                Timing::Late
            } else {
                Timing::InWindow
            },
            lang: lang.map(Lang::from).unwrap_or_default(),
        }),
        _ => Err(ApiError::internal(
            "a required field passed the checks unread",
        )),
    }
}

/// Core's [`Attributes`], with the problem pointing at the member that does not parse.
fn read_attributes(value: Value) -> Result<Attributes, FieldProblem> {
    let Value::Object(map) = value else {
        return Err(at(
            "attributes",
            format!("expected an object, found {}", json_kind(&value)),
        ));
    };
    let whole = serde_json::from_value::<Attributes>(Value::Object(map.clone()));
    let Err(err) = whole else {
        return whole.map_err(|e| at("attributes", e));
    };
    // Every member is optional, so the member that fails alone is the one to name.
    for (key, member) in map {
        let mut alone = serde_json::Map::new();
        alone.insert(key.clone(), member);
        if let Err(member_err) = serde_json::from_value::<Attributes>(Value::Object(alone)) {
            let detail = if key == "birth_date" {
                format!("expected a date such as 1990-02-28 ({member_err})")
            } else {
                member_err.to_string()
            };
            return Err(FieldProblem {
                pointer: format!("/attributes/{}", pointer_token(&key)),
                detail,
                line: None,
                column: None,
            });
        }
    }
    Err(at("attributes", err))
}

/// The registration's id from the path; a non-number names no registration.
pub(crate) fn registration_id(text: &str) -> ApiResult<i64> {
    text.parse()
        .map_err(|_| ApiError::NotFound(format!("no registration has id {text:?}")))
}

/// May this credential see (or, with `Purpose::Cancel`, cancel) registration `id`?
async fn authorize(
    state: &AppState,
    credential: &Credential,
    id: i64,
    purpose: Purpose,
) -> ApiResult<()> {
    match credential {
        Credential::Admin => Ok(()),
        Credential::Other(token) if state.store().check_manage_token(id, token).await? => Ok(()),
        Credential::Operator { program } if purpose == Purpose::Read => {
            let Some(view) = state.store().registration(id).await? else {
                return Err(ApiError::Forbidden);
            };
            let session = state.store().session(view.session_id.as_str()).await?;
            if session.is_some_and(|s| s.program_id.as_str() == program) {
                Ok(())
            } else {
                Err(ApiError::Forbidden)
            }
        }
        _ => Err(ApiError::Forbidden),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Read,
    Cancel,
}

pub(crate) fn wire_registration(view: &RegistrationView) -> ApiResult<Registration> {
    Registration::from_view(view).ok_or_else(|| {
        ApiError::internal(format!("registration {} has an unknown status", view.id))
    })
}

/// A registration with its status and waiting position (its manage token, an operator of its
/// program, or the admin).
#[utoipa::path(get, path = "/v1/registrations/{id}", tag = "registrations",
    params(("id" = i64, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The registration", body = Registration),
        NeedsToken,
        (status = 403, description = "A token that is not this registration's, an operator's of its program, nor the admin's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_registration(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<Registration>> {
    let credential = identify(&state, &bearer).await?;
    let id = registration_id(&id)?;
    authorize(&state, &credential, id, Purpose::Read).await?;
    let view = state
        .store()
        .registration(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no registration has id {id}")))?;
    Ok(Json(wire_registration(&view)?))
}

/// Cancels a registration (its manage token or the admin); the head of the waiting list gets
/// the seat at once.
#[utoipa::path(delete, path = "/v1/registrations/{id}", tag = "registrations",
    params(("id" = i64, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cancelled registration", body = Registration),
        NeedsToken,
        (status = 403, description = "A token that is neither this registration's nor the admin's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled (or attended)", body = Problem, content_type = "application/problem+json"),
        TooManyWrites,
    ))]
pub(crate) async fn cancel_registration(
    _limited: RateLimited,
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<Registration>> {
    let credential = identify(&state, &bearer).await?;
    let id = registration_id(&id)?;
    authorize(&state, &credential, id, Purpose::Cancel).await?;
    let (actor, by) = match credential {
        Credential::Admin => ("admin".to_owned(), Canceller::Staff),
        _ => (format!("registrant:{id}"), Canceller::Person),
    };
    let cancellation = state.store().cancel(&actor, by, id, Utc::now()).await?;
    Ok(Json(wire_registration(&cancellation.registration)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attribute_problems_point_at_the_member() {
        let check = |value: Value, pointer: &str| {
            let problem = read_attributes(value).unwrap_err();
            assert_eq!(problem.pointer, pointer, "{}", problem.detail);
        };
        check(
            json!({"gender": "female", "country": "Italia"}),
            "/attributes/country",
        );
        check(json!({"sex": "f"}), "/attributes/sex");
        check(json!({"birth_date": 1990}), "/attributes/birth_date");
        check(json!([]), "/attributes");
        assert!(read_attributes(json!({"gender": "female", "country": "it"})).is_ok());
    }
}
