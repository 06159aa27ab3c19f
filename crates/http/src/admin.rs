//! Admin routes: creating sessions and reading a session's registrations, for the admin token
//! and for operator tokens of the session's program.
//!
//! A new session is built by core ([`Session::new`]), so it satisfies every invariant a seeded
//! one does. The body gives UTC instants; the local times core wants are derived in the hub's
//! zone (the program's without a hub), and a time that the clocks pass twice keeps the
//! occurrence the instant names.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use skillhub_core::capacity::Seats;
use skillhub_core::digcomp::LevelRange;
use skillhub_core::ids::{HubId, ProgramId, SessionId};
use skillhub_core::session::{Ambiguity, Mode, Session, SessionError, SessionSpec};
use skillhub_core::tz::{Zone, supported_date};

use skillhub_allocation::lottery::Commitment;
use skillhub_core::window::{RegistrationWindow, WindowError};

use crate::auth::{Credential, identify};
use crate::catalog::wire_session;
use crate::extract::{Bearer, Fields, JsonObject, at, string};
use crate::openapi::{JsonBodyRefusals, NeedsToken};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::{self, Problem, Registration, RegistrationList};

/// Creates a session (admin, or an operator of its program).
#[utoipa::path(post, path = "/v1/sessions", tag = "admin",
    request_body(content = wire::NewSession, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new session", body = wire::Session,
            headers(("Location" = String, description = "The session's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        (status = 403, description = "Not the admin nor an operator of the program", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A session with this id exists", body = Problem, content_type = "application/problem+json"),
        JsonBodyRefusals,
        (status = 422, description = "An invalid field, named by its JSON pointer", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_session(
    State(state): State<AppState>,
    bearer: Bearer,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Response> {
    let credential = identify(&state, &bearer).await?;
    if matches!(credential, Credential::Other(_)) {
        return Err(ApiError::Forbidden);
    }
    let mut fields = body?.fields;
    let draft = Draft::read(&mut fields);
    if let Some(program) = &draft.program_id
        && !credential.manages(program.as_str())
    {
        return Err(ApiError::Forbidden);
    }
    if draft.capacity.is_none() && draft.seats.is_none() && !fields.has_errors() {
        fields.error("/capacity", "give the capacity (or the seats per kind)");
    }
    fields.finish()?;
    let created = create(&state, &credential.actor(), draft).await?;
    let body = wire_session(&created)?;
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/sessions/{}", created.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Checks `draft`, has core build the session and creates it for `actor`: the one way a client
/// creates a session (`POST /v1/sessions` and the back office's form). Who may create it is the
/// caller's question, asked before. A refusal names the field by its JSON pointer
/// ([`ApiError::Invalid`]).
pub(crate) async fn create(
    state: &AppState,
    actor: &str,
    draft: Draft,
) -> ApiResult<skillhub_store::SessionView> {
    let built = build_session(state, draft).await?;
    let policy = match built.policy {
        Some(wire::Policy::Batch) => skillhub_core::capacity::Policy::Batch,
        Some(wire::Policy::FirstCome) | None => skillhub_core::capacity::Policy::FirstCome,
    };
    if built.commitment.is_some() && policy != skillhub_core::capacity::Policy::Batch {
        return Err(ApiError::invalid(
            "/draw_commitment",
            "only a batch session has a draw to commit to",
        ));
    }
    let mut new = skillhub_store::NewSession {
        session: built.session,
        policy,
        window: built.window,
        commitment: built.commitment,
    };
    // A generated id names the hub and the start, so two rooms of one hub at the same time
    // would share it: the second becomes `…-2`, and so on. A given id is the client's choice.
    let mut attempt = 1;
    loop {
        match state.store().create_session(actor, &new).await {
            Err(skillhub_store::Error::DuplicateSession(_))
                if built.generated_id && attempt < MAX_ID_SUFFIX =>
            {
                attempt += 1;
                let id = SessionId::parse(&format!("{}-{attempt}", built.base_id))
                    .map_err(ApiError::internal)?;
                new.session = new.session.with_id(id);
            }
            other => break other,
        }
    }
    .map_err(|err| match err {
        skillhub_store::Error::UnknownProgram(_) => {
            ApiError::invalid("/program_id", err.to_string())
        }
        skillhub_store::Error::UnknownHub(_) => ApiError::invalid("/hub_id", err.to_string()),
        other => ApiError::from(other),
    })
}

/// How many sessions may share a generated id's stem (`…`, `…-2`, … `…-99`).
const MAX_ID_SUFFIX: u32 = 99;

/// A session to create, as the body describes it.
struct Built {
    session: Session,
    policy: Option<wire::Policy>,
    window: RegistrationWindow,
    commitment: Option<Commitment>,
    /// Whether the id was made up here (and may take a suffix) rather than given.
    generated_id: bool,
    /// The id before any suffix.
    base_id: SessionId,
}

/// A session to create as a client describes it, each field parsed on its own: the body of
/// `POST /v1/sessions` ([`Draft::read`]) or the back office's form. `None` is a field not given;
/// the required ones are checked before [`create`] is called.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    pub(crate) program_id: Option<ProgramId>,
    pub(crate) hub_id: Option<HubId>,
    pub(crate) title: Option<String>,
    pub(crate) starts_at: Option<Moment>,
    pub(crate) ends_at: Option<Moment>,
    pub(crate) capacity: Option<u32>,
    pub(crate) mode: Option<Mode>,
    pub(crate) seats: Option<Seats>,
    pub(crate) id: Option<SessionId>,
    pub(crate) level: Option<LevelRange>,
    pub(crate) policy: Option<wire::Policy>,
    pub(crate) opens_at: Option<Moment>,
    pub(crate) closes_at: Option<Moment>,
    pub(crate) commitment: Option<Commitment>,
}

/// A time as a client gives it: an instant (the API's RFC 3339), or a civil time of the
/// session's zone (a form's date and time), resolved once the zone is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Moment {
    /// An instant.
    Instant(DateTime<Utc>),
    /// A civil time in the zone of the session's hub (the program's without a hub); a time the
    /// clocks skip or pass twice is refused.
    Local(NaiveDateTime),
}

impl Moment {
    /// The instant, in `zone` for a civil time; a problem at `pointer` when it is none or twice.
    fn resolve(self, zone: Zone, pointer: &str) -> ApiResult<DateTime<Utc>> {
        match self {
            Moment::Instant(at) => Ok(at),
            Moment::Local(local) => Ambiguity::Refuse
                .instant(zone, local)
                .map_err(|err| ApiError::invalid(pointer, err.to_string())),
        }
    }
}

fn id_field<T: std::str::FromStr<Err = skillhub_core::ids::IdError>>(
    name: &'static str,
) -> impl FnOnce(Value) -> Result<T, wire::FieldProblem> {
    move |value| {
        let text = string(name, value)?;
        text.parse::<T>().map_err(|err| at(name, err))
    }
}

fn instant_field(
    name: &'static str,
) -> impl FnOnce(Value) -> Result<DateTime<Utc>, wire::FieldProblem> {
    move |value| {
        let text = string(name, value)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|err| {
                at(
                    name,
                    format!("{text:?} is not an RFC 3339 instant such as 2019-02-12T09:30:00+01:00 ({err})"),
                )
            })
    }
}

/// A draw commitment member, as core parses it.
fn commitment_field(value: Value) -> Result<Commitment, wire::FieldProblem> {
    let text = string("draw_commitment", value)?;
    Commitment::parse(&text).map_err(|err| at("draw_commitment", err))
}

impl Draft {
    fn read(fields: &mut Fields) -> Draft {
        Draft {
            program_id: fields.required_with("program_id", id_field("program_id")),
            hub_id: fields.optional_with("hub_id", id_field("hub_id")),
            title: fields.required_with("title", |v| string("title", v)),
            starts_at: fields
                .required_with("starts_at", instant_field("starts_at"))
                .map(Moment::Instant),
            ends_at: fields
                .required_with("ends_at", instant_field("ends_at"))
                .map(Moment::Instant),
            capacity: fields.optional("capacity"),
            mode: fields.required("mode"),
            seats: fields.optional("seats"),
            id: fields.optional_with("id", id_field("id")),
            level: fields.optional("level"),
            policy: fields.optional("policy"),
            opens_at: fields
                .optional_with(
                    "registration_opens_at",
                    instant_field("registration_opens_at"),
                )
                .map(Moment::Instant),
            closes_at: fields
                .optional_with(
                    "registration_closes_at",
                    instant_field("registration_closes_at"),
                )
                .map(Moment::Instant),
            commitment: fields.optional_with("draw_commitment", commitment_field),
        }
    }
}

/// `HUB-YYYY-MM-DD-HHMM` (`PROGRAM-…` without a hub); a hash-based id when that is too long.
fn default_id(
    program: &ProgramId,
    hub: Option<&HubId>,
    local_start: NaiveDateTime,
) -> ApiResult<SessionId> {
    let prefix = hub.map_or_else(|| program.as_str(), |h| h.as_str());
    if let Ok(id) = SessionId::starting(prefix, local_start) {
        return Ok(id);
    }
    let stamp = local_start.format("%Y-%m-%d-%H%M");
    let digest = hex::encode(Sha256::digest(prefix.as_bytes()));
    SessionId::parse(&format!("s-{}-{stamp}", &digest[..12])).map_err(ApiError::internal)
}

fn session_problem(err: &SessionError) -> ApiError {
    let pointer = match err {
        SessionError::Title => "/title",
        SessionError::EndsBeforeStart { .. } | SessionError::TooLong { .. } => "/ends_at",
        SessionError::SeatsForMode { .. } => "/seats",
        _ => "/starts_at",
    };
    ApiError::invalid(pointer, err.to_string())
}

/// Checks a draft whose required fields were given, then has core build the session.
async fn build_session(state: &AppState, draft: Draft) -> ApiResult<Built> {
    let policy = draft.policy;
    let (Some(program_id), Some(title), Some(starts_at), Some(ends_at), Some(mode)) = (
        draft.program_id,
        draft.title,
        draft.starts_at,
        draft.ends_at,
        draft.mode,
    ) else {
        return Err(ApiError::internal(
            "a required field passed the checks unread",
        ));
    };
    let program = state.program(program_id.as_str()).await?.ok_or_else(|| {
        ApiError::invalid("/program_id", format!("no program has id {program_id:?}"))
    })?;
    let zone = match &draft.hub_id {
        Some(hub_id) => {
            program
                .hub(hub_id)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "/hub_id",
                        format!("program {program_id} has no hub {hub_id}"),
                    )
                })?
                .zone
        }
        None if mode == Mode::Online => program.zone(),
        None => {
            return Err(ApiError::invalid(
                "/hub_id",
                format!("a {} session needs a hub", mode.as_str()),
            ));
        }
    };
    let seats = match (draft.capacity, draft.seats) {
        (Some(capacity), None) => Seats::for_mode(mode, capacity)
            .map_err(|e| ApiError::invalid("/capacity", e.to_string()))?,
        (capacity, Some(seats)) => {
            if capacity.is_some_and(|c| c != seats.total()) {
                return Err(ApiError::invalid(
                    "/capacity",
                    format!(
                        "the capacity must be the sum of the seats ({})",
                        seats.total()
                    ),
                ));
            }
            seats
        }
        (None, None) => return Err(ApiError::invalid("/capacity", "give the capacity")),
    };
    let starts_at = starts_at.resolve(zone, "/starts_at")?;
    let ends_at = ends_at.resolve(zone, "/ends_at")?;
    let opens_at = draft
        .opens_at
        .map(|at| at.resolve(zone, "/registration_opens_at"))
        .transpose()?;
    let closes_at = draft
        .closes_at
        .map(|at| at.resolve(zone, "/registration_closes_at"))
        .transpose()?;
    let local = |at: DateTime<Utc>, pointer: &str| {
        zone.to_local(at)
            .ok()
            .filter(|l| supported_date(l.date()))
            .ok_or_else(|| ApiError::invalid(pointer, "the date must be in the years 1900–2200"))
    };
    let local_start = local(starts_at, "/starts_at")?;
    local(ends_at, "/ends_at")?;
    let generated_id = draft.id.is_none();
    let id = match draft.id {
        Some(id) => id,
        None => default_id(&program_id, draft.hub_id.as_ref(), local_start)?,
    };
    let base_id = id.clone();
    // The instants are the session (one across midnight or the autumn clock change included);
    // core derives its local times in the zone.
    let spec = SessionSpec {
        id,
        program: program_id,
        hub: draft.hub_id,
        room: None,
        title,
        competences: Vec::new(),
        level: draft.level,
        mode,
        seats,
        trainers: Vec::new(),
        date: local_start.date(),
        start: local_start.time(),
        end: local_start.time(),
        zone,
        ambiguity: Ambiguity::Refuse,
    };
    let session =
        Session::between(spec, starts_at, ends_at).map_err(|err| session_problem(&err))?;
    // A session given no window gets the program's default one (`[settings]`).
    let window = match (opens_at, closes_at) {
        (None, None) => Ok(program.settings().registration().window(starts_at)),
        (opens_at, closes_at) => RegistrationWindow::new(opens_at, closes_at, starts_at),
    };
    let window = window.map_err(|err| {
        let pointer = match err {
            WindowError::OpensAfterClose { .. } => "/registration_opens_at",
            _ => "/registration_closes_at",
        };
        ApiError::invalid(pointer, err.to_string())
    })?;
    Ok(Built {
        session,
        policy,
        window,
        commitment: draft.commitment,
        generated_id,
        base_id,
    })
}

/// Runs the draw of a `batch` session (admin, or an operator of its program): by priority tier,
/// then by lottery; the seed is stored with the session and in the audit log.
#[utoipa::path(post, path = "/v1/sessions/{id}/allocation", tag = "admin",
    params(("id" = String, Path, description = "Session id")),
    request_body(content = wire::AllocationRequest, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The draw's outcome, its public value, seed and lottery order", body = wire::AllocationResult),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        (status = 403, description = "Not the admin nor an operator of the program", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a batch session, registration still open, no commitment recorded before it closed, or the draw already ran", body = Problem, content_type = "application/problem+json"),
        JsonBodyRefusals,
        (status = 422, description = "No public value, or one that is not what the commitment promised", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn allocate(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Json<wire::AllocationResult>> {
    let credential = session_manager(&state, &bearer, &id).await?;
    let mut fields = body?.fields;
    let public_value: Option<String> = fields.required("public_value");
    fields.finish()?;
    let public_value =
        public_value.ok_or_else(|| ApiError::internal("a required field passed unread"))?;
    let done = state
        .store()
        .allocate(&credential.actor(), &id, &public_value, chrono::Utc::now())
        .await?;
    Ok(Json(wire::AllocationResult {
        session_id: id,
        seed: done.seed,
        public_value: done.public_value,
        lottery_order: done.lottery_order,
        confirmed: done.confirmed,
        waitlisted: done.waitlisted,
    }))
}

/// Records a batch session's draw commitment (admin, or an operator of its program), before
/// its registration closes; once.
#[utoipa::path(post, path = "/v1/sessions/{id}/draw-commitment", tag = "admin",
    params(("id" = String, Path, description = "Session id")),
    request_body(content = wire::DrawCommitment, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session, with its commitment", body = wire::Session),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        (status = 403, description = "Not the admin nor an operator of the program", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a batch session, a commitment already recorded, or registration already closed", body = Problem, content_type = "application/problem+json"),
        JsonBodyRefusals,
        (status = 422, description = "A commitment that is neither `sha256:HEX` nor a description", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn commit_draw(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Json<wire::Session>> {
    let credential = session_manager(&state, &bearer, &id).await?;
    let mut fields = body?.fields;
    let commitment = fields.required_with("commitment", |value| {
        let text = string("commitment", value)?;
        Commitment::parse(&text).map_err(|err| at("commitment", err))
    });
    fields.finish()?;
    let commitment =
        commitment.ok_or_else(|| ApiError::internal("a required field passed unread"))?;
    let view = state
        .store()
        .commit_draw(&credential.actor(), &id, &commitment, chrono::Utc::now())
        .await?;
    Ok(Json(wire_session(&view)?))
}

/// Moves a session to a new time or place, renames it or changes its seats (admin, or an
/// operator of its program), before it starts: for a new time, place or title every confirmed
/// or waiting registration is told by e-mail, with a calendar update; more seats go at once to
/// the first people waiting.
#[utoipa::path(patch, path = "/v1/sessions/{id}", tag = "admin",
    params(("id" = String, Path, description = "Session id")),
    request_body(content = wire::SessionChange, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session as it is now", body = wire::Session),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        NeedsToken,
        (status = 403, description = "Not the admin nor an operator of the program", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The session was cancelled", body = Problem, content_type = "application/problem+json"),
        JsonBodyRefusals,
        (status = 422, description = "No change, an invalid field, a hub of another program, a session that would end before it starts or last over 24 hours, fewer seats than are given, or one that has started", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn change_session(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
    body: Result<JsonObject, ApiError>,
) -> ApiResult<Json<wire::Session>> {
    let credential = session_manager(&state, &bearer, &id).await?;
    let mut fields = body?.fields;
    let starts_at: Option<DateTime<Utc>> = fields.optional("starts_at");
    let ends_at: Option<DateTime<Utc>> = fields.optional("ends_at");
    let hub_id = fields.optional_with("hub_id", |value| {
        let text = string("hub_id", value)?;
        HubId::parse(&text).map_err(|err| at("hub_id", err))
    });
    let title = fields.optional_with("title", |value| string("title", value));
    let capacity: Option<u32> = fields.optional("capacity");
    fields.finish()?;
    let seats = match capacity {
        None => None,
        Some(capacity) => {
            let session = state
                .store()
                .session(&id)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("no session has id {id:?}")))?;
            Some(
                Seats::for_mode(session.mode, capacity)
                    .map_err(|err| ApiError::invalid("/capacity", err.to_string()))?,
            )
        }
    };
    let change = skillhub_store::SessionChange {
        starts_at,
        ends_at,
        hub_id,
        title,
        seats,
    };
    if change == skillhub_store::SessionChange::default() {
        return Err(ApiError::invalid(
            "",
            "nothing to change: give starts_at, ends_at, hub_id, title or capacity",
        ));
    }
    let view = change_session_as(&state, &credential.actor(), &id, &change).await?;
    Ok(Json(wire_session(&view)?))
}

/// Changes session `id` for `actor` through the store (who may is the caller's question), and
/// forgets what this process cached of it: the one way a client changes a session (`PATCH
/// /v1/sessions/{id}` and the back office's form).
pub(crate) async fn change_session_as(
    state: &AppState,
    actor: &str,
    id: &str,
    change: &skillhub_store::SessionChange,
) -> ApiResult<skillhub_store::SessionView> {
    let view = state
        .store()
        .change_session(actor, id, change, Utc::now())
        .await?;
    state.forget_session(id);
    Ok(view)
}

/// Cancels a session (admin, or an operator of its program), before it starts: every confirmed
/// or waiting registration is cancelled and told by e-mail, and nobody may register any more.
#[utoipa::path(post, path = "/v1/sessions/{id}/cancellation", tag = "admin",
    params(("id" = String, Path, description = "Session id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cancelled session and the registrations cancelled with it", body = wire::SessionCancelled),
        NeedsToken,
        (status = 403, description = "Not the admin nor an operator of the program", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The session has started", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn cancel_session(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::SessionCancelled>> {
    let credential = session_manager(&state, &bearer, &id).await?;
    let done = cancel_session_as(&state, &credential.actor(), &id, None).await?;
    Ok(Json(wire::SessionCancelled {
        session: wire_session(&done.session)?,
        cancelled: done.cancelled,
    }))
}

/// Cancels session `id` for `actor` through the store, every registrant told (with `reason`
/// when given), and forgets what this process cached of it: the one way a client cancels a
/// session (`POST /v1/sessions/{id}/cancellation` and the back office's form).
pub(crate) async fn cancel_session_as(
    state: &AppState,
    actor: &str,
    id: &str,
    reason: Option<&str>,
) -> ApiResult<skillhub_store::SessionCancellation> {
    let done = state
        .store()
        .cancel_session(actor, id, reason, Utc::now())
        .await?;
    state.forget_session(id);
    Ok(done)
}

/// The credential, if it manages session `id`: the admin, or an operator of its program (401
/// without a token, 403 with another, 404 for no such session).
async fn session_manager(state: &AppState, bearer: &Bearer, id: &str) -> ApiResult<Credential> {
    let credential = identify(state, bearer).await?;
    if matches!(credential, Credential::Other(_)) {
        return Err(ApiError::Forbidden);
    }
    let session = state
        .store()
        .session(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no session has id {id:?}")))?;
    if !credential.manages(session.program_id.as_str()) {
        return Err(ApiError::Forbidden);
    }
    Ok(credential)
}

/// Every registration of a session (admin, or an operator of its program).
#[utoipa::path(get, path = "/v1/sessions/{id}/registrations", tag = "admin",
    params(("id" = String, Path, description = "Session id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Waiting ones in list order, then the others", body = RegistrationList),
        NeedsToken,
        (status = 403, description = "Not the admin nor an operator of the program", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn session_registrations(
    State(state): State<AppState>,
    bearer: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<RegistrationList>> {
    session_manager(&state, &bearer, &id).await?;
    let views = state.store().session_registrations(&id).await?;
    let items = views
        .iter()
        .map(|v| {
            Registration::from_view(v).ok_or_else(|| {
                ApiError::internal(format!("registration {} has an unknown status", v.id))
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Json(RegistrationList { items }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ids_follow_the_seeds_and_stay_slugs() {
        let program = ProgramId::parse("binario-f").unwrap();
        let hub = HubId::parse("binario-f-roma-termini").unwrap();
        let start = chrono::NaiveDate::from_ymd_opt(2019, 2, 12)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap();
        assert_eq!(
            default_id(&program, Some(&hub), start).unwrap().as_str(),
            "binario-f-roma-termini-2019-02-12-0930"
        );
        assert_eq!(
            default_id(&program, None, start).unwrap().as_str(),
            "binario-f-2019-02-12-0930"
        );
        let long = HubId::parse(&"h".repeat(60)).unwrap();
        let id = default_id(&program, Some(&long), start).unwrap();
        assert!(id.as_str().starts_with("s-") && id.as_str().ends_with("-2019-02-12-0930"));
    }
}
