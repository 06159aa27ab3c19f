//! Bulk imports: many registrations (a spreadsheet of them) written in one transaction, all or
//! nothing, each decided by the same seat rules as a registration of its own.
//!
//! The rows are seated in file order through the `seat!` step that [`Store::register`] uses, so
//! an import of n rows leaves the database exactly as n registrations one after the other would
//! (confirmed while seats last, then waitlisted by tier, everyone waiting before a draw), only
//! atomically: when any row is refused (unknown session, a seat kind the session does not offer,
//! an e-mail already registered, including twice in the same file) nothing is written, and the
//! error says which row.
//!
//! What a sheet would write is planned here too ([`Store::plan_registrations`]): the sessions
//! its rows name are read, and each row judged by `skillhub_import::plan`, the same for the
//! command line and the back office.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use skillhub_core::lang::Lang;
use skillhub_core::program::Program;
use skillhub_import::csv::RegistrationRow;
use skillhub_import::plan::{SessionFacts, judge_registrations};

use crate::catalog::SessionView;
use crate::registrations::Timing;

use crate::registrations::{
    LOCK_FOR_SEAT_POSTGRES, LOCK_FOR_SEAT_SQLITE, Locked, RegisterRequest, RegistrationView,
    micros, seat,
};
use crate::{Error, Result, Store, hash_token, new_token, write_tx};

/// One registration written by [`Store::import_registrations`].
#[derive(Debug, Clone)]
pub struct ImportedRegistration {
    /// The registration as stored, with its waiting position when it waits.
    pub registration: RegistrationView,
    /// The secret that lets the person see and cancel it (shown once, stored hashed).
    pub manage_token: String,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
#[error("{}{source}", match .index { Some(i) => format!("registration {} of the import: ", i + 1), None => String::new() })]
pub struct ImportError {
    /// The 0-based index of the request that was refused, when one was.
    pub index: Option<usize>,
    /// Why.
    #[source]
    pub source: Error,
}

/// A spreadsheet of registrations judged, ready for [`Store::import_registrations`].
#[derive(Debug, Clone)]
pub struct RegistrationPlan {
    /// One request per row, in file order.
    pub requests: Vec<RegisterRequest>,
    /// The file line of each request.
    pub lines: Vec<u64>,
    /// The sessions the rows name, by id.
    pub sessions: BTreeMap<String, SessionView>,
}

impl Store {
    /// The requests `rows` (read from `file`) make for `actor`: every session a row names must
    /// exist and be one `in_scope` admits, and its program's rules must admit the person on
    /// its local day (the tier comes from the same rules), exactly as one registration is
    /// judged. Staff enter a sheet on purpose, often after the fact, so the registration window
    /// does not refuse them (rows outside it are audited as late). The outer error is the
    /// database's; the inner one lists every row refused, with its line (at most
    /// `max_problems`). Nothing is written.
    pub async fn plan_registrations(
        &self,
        file: &str,
        rows: &[RegistrationRow],
        actor: &str,
        in_scope: impl Fn(&SessionView) -> bool,
        max_problems: usize,
    ) -> Result<std::result::Result<RegistrationPlan, skillhub_import::Error>> {
        let mut sessions: BTreeMap<String, Option<SessionView>> = BTreeMap::new();
        let mut programs: BTreeMap<String, Option<Program>> = BTreeMap::new();
        for row in rows {
            let id = row.session.as_str();
            if sessions.contains_key(id) {
                continue;
            }
            let found = self.session(id).await?;
            if let Some(session) = &found
                && !programs.contains_key(session.program_id.as_str())
            {
                let program = self.program(session.program_id.as_str()).await?;
                programs.insert(session.program_id.to_string(), program);
            }
            sessions.insert(id.to_owned(), found);
        }
        let lookup = |id: &skillhub_core::ids::SessionId| {
            let Some(Some(session)) = sessions.get(id.as_str()) else {
                return Err(format!("no session has id {:?}", id.as_str()));
            };
            if !in_scope(session) {
                return Err(format!("session {id} is not one you run"));
            }
            let Some(Some(program)) = programs.get(session.program_id.as_str()) else {
                return Err(format!("session {id} has no program"));
            };
            Ok(SessionFacts {
                program,
                zone: session.zone,
                starts_at: session.starts_at,
            })
        };
        let judged = match judge_registrations(file, rows, lookup, max_problems) {
            Ok(judged) => judged,
            Err(err) => return Ok(Err(err)),
        };
        let lines = judged.iter().map(|j| j.line).collect();
        let requests = judged
            .into_iter()
            .map(|j| RegisterRequest {
                session_id: j.session,
                person: j.person,
                kind: j.kind,
                tier: j.tier,
                actor: actor.to_owned(),
                timing: Timing::Late,
                lang: Lang::It,
            })
            .collect();
        Ok(Ok(RegistrationPlan {
            requests,
            lines,
            sessions: sessions
                .into_iter()
                .filter_map(|(id, s)| s.map(|s| (id, s)))
                .collect(),
        }))
    }

    /// Registers every request in one transaction, in order, as [`Store::register`] would one
    /// after the other; on the first refusal nothing is written. The sessions involved are
    /// locked up front in id order, so concurrent imports and registrations never deadlock.
    pub async fn import_registrations(
        &self,
        requests: &[RegisterRequest],
        now: DateTime<Utc>,
    ) -> Result<Vec<ImportedRegistration>, ImportError> {
        let tokens: Vec<String> = requests.iter().map(|_| new_token()).collect();
        let mut failed = None;
        let views = self
            .seat_all(requests, &tokens, now, &mut failed)
            .await
            .map_err(|source| ImportError {
                index: failed,
                source,
            })?;
        Ok(views
            .into_iter()
            .zip(tokens)
            .map(|(registration, manage_token)| ImportedRegistration {
                registration,
                manage_token,
            })
            .collect())
    }

    /// The transaction of [`Store::import_registrations`]; `failed` holds the index of the
    /// request being seated, so an error can name it.
    async fn seat_all(
        &self,
        requests: &[RegisterRequest],
        tokens: &[String],
        now: DateTime<Utc>,
        failed: &mut Option<usize>,
    ) -> Result<Vec<RegistrationView>> {
        let hashes: Vec<String> = tokens.iter().map(|t| hash_token(t)).collect();
        let mut sessions: Vec<&str> = requests.iter().map(|r| r.session_id.as_str()).collect();
        sessions.sort_unstable();
        sessions.dedup();
        let now = micros(now);
        // The plain lock up front: reserving an id per session would only leave gaps.
        let plain = match self.kind() {
            crate::BackendKind::Postgres => crate::LOCK_SESSION_POSTGRES,
            crate::BackendKind::Sqlite => crate::LOCK_SESSION_SQLITE,
        };
        write_tx!(
            self,
            LOCK_FOR_SEAT_SQLITE,
            LOCK_FOR_SEAT_POSTGRES,
            |tx, lock| {
                for session in &sessions {
                    let locked: Option<Locked> = sqlx::query_as(plain)
                        .bind(*session)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if locked.is_none() {
                        *failed = requests
                            .iter()
                            .position(|r| r.session_id.as_str() == *session);
                        return Err(Error::UnknownSession((*session).to_owned()));
                    }
                }
                let mut views = Vec::with_capacity(requests.len());
                for (index, (request, hash)) in requests.iter().zip(&hashes).enumerate() {
                    *failed = Some(index);
                    // Read again for every row: the previous rows moved its counters.
                    let locked: Locked = sqlx::query_as(lock)
                        .bind(request.session_id.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                    views.push(seat!(tx, &locked, request, hash, now)?);
                }
                *failed = None;
                Ok(views)
            }
        )
    }
}
