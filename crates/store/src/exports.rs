//! What the back office's exports read: every registration of a program's sessions at once
//! (the program's spreadsheet of registrations), instead of one query per session.
//!
//! Two statements, one for the sessions and one for their registrations, whatever the number of
//! sessions; the registrations carry their waiting positions, computed as
//! [`Store::registration`] computes them (per session and seat kind, tier then arrival). The
//! two reads are not one snapshot: a registration made between them is listed with its session,
//! or not at all when its session was created in between (its session is not in the list).

use std::collections::HashMap;

use skillhub_core::ids::{HubId, ProgramId};

use crate::catalog::SessionView;
use crate::registrations::RegistrationView;
use crate::{Result, Store, read};

/// A session of a program with every registration it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRegistrations {
    /// The session.
    pub session: SessionView,
    /// Its registrations as [`Store::session_registrations`] lists them: per seat kind, the
    /// waiting ones first in list order with their positions, then the others by tier and
    /// arrival.
    pub registrations: Vec<RegistrationView>,
}

/// The sessions of a program, in start order, optionally of one hub.
const PROGRAM_SESSIONS: &str = "SELECT * FROM sessions WHERE program_id = $1 \
     AND (CAST($2 AS TEXT) IS NULL OR hub_id = $2) ORDER BY starts_at, id";

/// The registrations of those sessions with their waiting positions, in the order of
/// `Store::session_registrations` within each session.
const PROGRAM_REGISTRATIONS: &str = "SELECT r.id, r.session_id, r.email, r.name, r.attributes, \
     r.kind, r.tier, r.status, r.lang, \
     CASE WHEN r.status = 'waitlisted' THEN (SELECT COUNT(*) FROM registrations w \
        WHERE w.session_id = r.session_id AND w.kind = r.kind AND w.status = 'waitlisted' \
        AND (w.tier < r.tier OR (w.tier = r.tier AND w.sequence <= r.sequence))) END AS position, \
     r.created_at, r.updated_at, r.hold_expires_at, r.codice_fiscale \
     FROM registrations r JOIN sessions s ON s.id = r.session_id \
     WHERE s.program_id = $1 AND (CAST($2 AS TEXT) IS NULL OR s.hub_id = $2) \
     ORDER BY r.session_id, r.kind, CASE WHEN r.status = 'waitlisted' THEN 0 ELSE 1 END, \
     r.tier, r.sequence, r.id";

impl Store {
    /// Every session of `program` (only those of `hub` when given: an operator's), in start
    /// order, each with all its registrations, whatever their status. An unknown program has
    /// no session: an empty list.
    pub async fn program_registrations(
        &self,
        program: &ProgramId,
        hub: Option<&HubId>,
    ) -> Result<Vec<SessionRegistrations>> {
        let hub = hub.map(HubId::as_str);
        let (sessions, registrations): (Vec<SessionView>, Vec<RegistrationView>) =
            read!(self, |pool| {
                let sessions = sqlx::query_as(PROGRAM_SESSIONS)
                    .bind(program.as_str())
                    .bind(hub)
                    .fetch_all(pool)
                    .await?;
                let registrations = sqlx::query_as(PROGRAM_REGISTRATIONS)
                    .bind(program.as_str())
                    .bind(hub)
                    .fetch_all(pool)
                    .await?;
                (sessions, registrations)
            });
        let mut by_session: HashMap<String, Vec<RegistrationView>> = HashMap::new();
        for registration in registrations {
            by_session
                .entry(registration.session_id.to_string())
                .or_default()
                .push(registration);
        }
        Ok(sessions
            .into_iter()
            .map(|session| SessionRegistrations {
                registrations: by_session.remove(session.id.as_str()).unwrap_or_default(),
                session,
            })
            .collect())
    }
}
