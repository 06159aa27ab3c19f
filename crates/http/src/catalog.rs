//! Public reads of the catalog: health and readiness, programs, hubs, sessions and their pages.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use skillhub_core::ids::{HubId, ProgramId};
use skillhub_store::{SessionFilter, SessionView};

use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::{
    Health, Hub, HubList, Problem, Program, ProgramList, Readiness, Session, SessionPage,
};

/// The default number of sessions per page.
pub(crate) const DEFAULT_PAGE: u32 = 100;
/// The largest number of sessions per page.
pub(crate) const MAX_PAGE: u32 = 200;

/// The server answers.
#[utoipa::path(get, path = "/healthz", tag = "meta",
    responses((status = 200, description = "The server answers", body = Health)))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

/// How long `/readyz` waits for the database: a little more than the store's own waits
/// ([`skillhub_store::Timeouts::server`]), which usually answer first.
const READY_WITHIN: Duration = Duration::from_secs(2);

/// Whether the server can serve now: the database answers and takes writes (on SQLite, its write
/// lock is free) within 2 s. For a load balancer's or an orchestrator's readiness probe;
/// `/healthz` only says that the process answers.
#[utoipa::path(get, path = "/readyz", tag = "meta",
    responses(
        (status = 200, description = "The database answers", body = Readiness),
        (status = 503, description = "The database is busy, locked or unreachable", body = Problem,
            content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before asking again"))),
    ))]
pub(crate) async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Readiness>> {
    match tokio::time::timeout(READY_WITHIN, state.store().ping()).await {
        Ok(Ok(())) => Ok(Json(Readiness {
            status: "ready".to_owned(),
        })),
        // Whatever the failure, the server cannot serve now: not ready.
        Ok(Err(err)) => Err(ApiError::Unavailable(err.to_string())),
        Err(_) => Err(ApiError::Unavailable(format!(
            "the database did not answer within {READY_WITHIN:?}"
        ))),
    }
}

/// Every program, in id order.
#[utoipa::path(get, path = "/v1/programs", tag = "catalog",
    responses((status = 200, description = "The programs", body = ProgramList)))]
pub(crate) async fn list_programs(State(state): State<AppState>) -> ApiResult<Json<ProgramList>> {
    let programs = state.programs_with_versions().await?;
    Ok(Json(ProgramList {
        items: programs
            .iter()
            .map(|read| Program::new(&read.program, read.version))
            .collect(),
    }))
}

/// One program as stored now, with its current version.
#[utoipa::path(get, path = "/v1/programs/{id}", tag = "catalog",
    params(("id" = String, Path, description = "Program id, e.g. `binario-f`")),
    responses(
        (status = 200, description = "The program", body = Program),
        (status = 404, description = "No such program", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_program(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Program>> {
    let read = state
        .program_with_version(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no program has id {id:?}")))?;
    Ok(Json(Program::new(&read.program, read.version)))
}

/// Every hub, by program.
#[utoipa::path(get, path = "/v1/hubs", tag = "catalog",
    params(("program" = Option<String>, Query, description = "Only the hubs of this program")),
    responses(
        (status = 200, description = "The hubs", body = HubList),
        (status = 400, description = "A malformed or unknown parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_hubs(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult<Json<HubList>> {
    let params = Params::new(query, &["program"])?;
    let only = params.id::<ProgramId>("program")?;
    let programs = state.programs().await?;
    let items = programs
        .iter()
        .filter(|p| only.as_ref().is_none_or(|id| p.id() == id))
        .flat_map(|p| p.hubs().iter().map(|h| Hub::new(p, h)))
        .collect();
    Ok(Json(HubList { items }))
}

/// Query parameters, each given at most once, none unknown.
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Checks the names against `known` and that none is repeated.
    pub(crate) fn new(
        query: Result<Query<Vec<(String, String)>>, QueryRejection>,
        known: &[&str],
    ) -> ApiResult<Params> {
        let Query(pairs) = query.map_err(|r| ApiError::BadRequest(r.body_text()))?;
        for (i, (name, _)) in pairs.iter().enumerate() {
            if !known.contains(&name.as_str()) {
                return Err(ApiError::BadRequest(format!(
                    "unknown query parameter {name:?} (known: {})",
                    known.join(", ")
                )));
            }
            if pairs[..i].iter().any(|(other, _)| other == name) {
                return Err(ApiError::BadRequest(format!(
                    "the query parameter {name:?} is given twice"
                )));
            }
        }
        Ok(Params(pairs))
    }

    /// The raw value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `name` as an id (a slug); 400 when malformed.
    pub(crate) fn id<T: std::str::FromStr<Err = skillhub_core::ids::IdError>>(
        &self,
        name: &str,
    ) -> ApiResult<Option<T>> {
        self.get(name)
            .map(|v| {
                v.parse::<T>()
                    .map_err(|err| ApiError::BadRequest(format!("{name}: {err}")))
            })
            .transpose()
    }

    /// `name` as an RFC 3339 instant; 400 when malformed.
    fn instant(&self, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
        self.get(name)
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|at| at.with_timezone(&Utc))
                    .map_err(|err| {
                        ApiError::BadRequest(format!(
                            "{name}: {v:?} is not an RFC 3339 instant such as 2019-02-12T00:00:00Z ({err})"
                        ))
                    })
            })
            .transpose()
    }
}

/// The opaque cursor of the page after the session `(starts_at, id)`: hex of
/// `1|RFC3339|id`, versioned so its form can change.
pub(crate) fn encode_cursor(starts_at: DateTime<Utc>, id: &str) -> String {
    let at = starts_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    hex::encode(format!("1|{at}|{id}"))
}

/// The `(starts_at, id)` a cursor continues after.
pub(crate) fn decode_cursor(cursor: &str) -> Option<(DateTime<Utc>, String)> {
    let bytes = hex::decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let rest = text.strip_prefix("1|")?;
    let (at, id) = rest.split_once('|')?;
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some((at, id.to_owned()))
}

/// The wire form of a stored session; a stored mode the API does not know is our failure.
pub(crate) fn wire_session(view: &SessionView) -> ApiResult<Session> {
    Session::from_view(view).ok_or_else(|| {
        ApiError::internal(format!(
            "session {} has an unknown mode {:?} or level",
            view.id, view.mode
        ))
    })
}

/// Sessions in start order, a page at a time.
#[utoipa::path(get, path = "/v1/sessions", tag = "catalog",
    params(
        ("program" = Option<String>, Query, description = "Only this program's sessions"),
        ("hub" = Option<String>, Query, description = "Only this hub's sessions"),
        ("from" = Option<String>, Query, description = "Starting at or after this RFC 3339 instant"),
        ("to" = Option<String>, Query, description = "Starting before this RFC 3339 instant"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page"),
        ("limit" = Option<u32>, Query, description = "Sessions per page, 1–200 (default 100)"),
    ),
    responses(
        (status = 200, description = "A page of sessions", body = SessionPage),
        (status = 400, description = "A malformed or unknown parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_sessions(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult<Json<SessionPage>> {
    let params = Params::new(query, &["program", "hub", "from", "to", "cursor", "limit"])?;
    let limit = match params.get("limit") {
        None => DEFAULT_PAGE,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "limit: {text:?} is not a number from 1 to {MAX_PAGE}"
                ))
            })?,
    };
    let after = params
        .get("cursor")
        .map(|c| {
            decode_cursor(c).ok_or_else(|| {
                ApiError::BadRequest("cursor: not a cursor this server gave".to_owned())
            })
        })
        .transpose()?;
    let filter = SessionFilter {
        program: params.id::<ProgramId>("program")?.map(|id| id.to_string()),
        hub: params.id::<HubId>("hub")?.map(|id| id.to_string()),
        from: params.instant("from")?,
        to: params.instant("to")?,
        after,
        // One more than the page, to know whether another page follows.
        limit: Some(limit + 1),
    };
    let mut views = state.store().sessions(&filter).await?;
    let more = views.len() > limit as usize;
    views.truncate(limit as usize);
    let next_cursor = match views.last() {
        Some(last) if more => Some(encode_cursor(last.starts_at, last.id.as_str())),
        _ => None,
    };
    let items = views.iter().map(wire_session).collect::<ApiResult<_>>()?;
    Ok(Json(SessionPage { items, next_cursor }))
}

/// One session with its live counts.
#[utoipa::path(get, path = "/v1/sessions/{id}", tag = "catalog",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session", body = Session),
        (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Session>> {
    let view = state
        .store()
        .session(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no session has id {id:?}")))?;
    Ok(Json(wire_session(&view)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let at = Utc.with_ymd_and_hms(2019, 2, 12, 8, 30, 0).unwrap();
        let cursor = encode_cursor(at, "binario-f-2019-02-12");
        assert_eq!(
            decode_cursor(&cursor),
            Some((at, "binario-f-2019-02-12".to_owned()))
        );
        for bad in [
            "",
            "zz",
            "00",
            &hex::encode("2|x|y"),
            &hex::encode("1|nope|y"),
        ] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}
