//! `GET /v1/calendar.ics`: the sessions of a program, a hub or the whole catalog as an RFC 5545
//! calendar people subscribe to, written by `skillhub_import::ics`.
//!
//! The sessions come from the store (so sessions created through the API are in the feed), and
//! are rebuilt as core sessions from their stored instants and zone; the `DTSTAMP` is the time of
//! the request.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use skillhub_core::ids::{HubId, ProgramId};
use skillhub_core::program::Program;
use skillhub_core::session::Session;
use skillhub_import::ics::{ExportOptions, Times, export_sessions};
use skillhub_store::{SessionFilter, SessionView};

use crate::catalog::Params;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::Problem;

/// Sessions read from the store per query.
const BATCH: u32 = 500;

/// The sessions as an iCalendar feed.
#[utoipa::path(get, path = "/v1/calendar.ics", tag = "catalog",
    params(
        ("program" = Option<String>, Query, description = "Only this program's sessions"),
        ("hub" = Option<String>, Query, description = "Only this hub's sessions"),
    ),
    responses(
        (status = 200, description = "RFC 5545 calendar, one VEVENT per session, times in UTC", body = String, content_type = "text/calendar"),
        (status = 400, description = "A malformed or unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such program or hub", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn calendar(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult<Response> {
    let params = Params::new(query, &["program", "hub"])?;
    let program_id = params.id::<ProgramId>("program")?;
    let hub_id = params.id::<HubId>("hub")?;
    let programs: BTreeMap<String, Arc<Program>> = state
        .programs()
        .await?
        .into_iter()
        .map(|p| (p.id().to_string(), p))
        .collect();
    let program = program_id
        .as_ref()
        .map(|id| {
            programs
                .get(id.as_str())
                .ok_or_else(|| ApiError::NotFound(format!("no program has id {:?}", id.as_str())))
        })
        .transpose()?;
    let hub = hub_id
        .as_ref()
        .map(|id| {
            programs
                .values()
                .filter(|p| program.is_none_or(|only| only.id() == p.id()))
                .find_map(|p| p.hub(id).map(|h| (p, h)))
                .ok_or_else(|| ApiError::NotFound(format!("no hub has id {:?}", id.as_str())))
        })
        .transpose()?;
    let name = match (program, hub) {
        (_, Some((p, h))) => format!("{} — {}", p.name(), h.name),
        (Some(p), None) => p.name().to_owned(),
        (None, None) => "skillhub".to_owned(),
    };
    let filter = SessionFilter {
        program: program_id.map(|id| id.to_string()),
        hub: hub_id.map(|id| id.to_string()),
        ..SessionFilter::default()
    };
    let views = all_sessions(&state, filter).await?;
    let sessions = views
        .iter()
        .map(core_session)
        .collect::<ApiResult<Vec<_>>>()?;
    let refs: Vec<&Session> = sessions.iter().collect();
    let text = calendar_text(&name, &refs, |s| {
        programs.get(s.program().as_str()).map(Arc::as_ref)
    });
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    Ok(response)
}

/// `sessions` as an RFC 5545 calendar named `name`, stamped now, times in UTC; each event's
/// location is its hub's name and address (from the program `program_of` gives), or "Online".
/// Shared by the feed and the manage page's download.
pub(crate) fn calendar_text<'p>(
    name: &str,
    sessions: &[&Session],
    program_of: impl Fn(&Session) -> Option<&'p Program>,
) -> String {
    let location = |s: &Session| match s.hub().and_then(|h| program_of(s)?.hub(h)) {
        Some(hub) => format!("{}, {}", hub.name, hub.address.one_line()),
        None => "Online".to_owned(),
    };
    let options = ExportOptions {
        dtstamp: Utc::now(),
        times: Times::Utc,
    };
    export_sessions(name, sessions, location, &options)
}

/// Every session the filter selects, page after page.
async fn all_sessions(state: &AppState, mut filter: SessionFilter) -> ApiResult<Vec<SessionView>> {
    filter.limit = Some(BATCH);
    let mut all = Vec::new();
    loop {
        let page = state.store().sessions(&filter).await?;
        let full = page.len() >= BATCH as usize;
        filter.after = page.last().map(|s| (s.starts_at, s.id.to_string()));
        all.extend(page);
        if !full {
            return Ok(all);
        }
    }
}

/// A stored session as a core session: local times from its instants in its zone (the
/// store's one conversion).
pub(crate) fn core_session(view: &SessionView) -> ApiResult<Session> {
    view.to_session().map_err(ApiError::internal)
}
