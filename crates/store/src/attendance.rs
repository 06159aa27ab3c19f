//! Attendance: recording who came ("presente") or not ("assente"), and the attendance facts
//! that progress against a program's targets counts.
//!
//! Marking a registration runs in one write transaction holding the session's lock, like every
//! other change of a registration; the rule (only a confirmed seat can be marked, and the seat
//! stays given) is `skillhub_core::capacity::after_attendance`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use skillhub_core::capacity::{Presence, SeatKind, after_attendance};
use skillhub_core::ids::{HubId, ProgramId, SessionId};
use skillhub_core::person::Attributes;
use skillhub_core::program::Program;
use skillhub_core::session::Mode;
use skillhub_core::tz::Zone;
use skillhub_progress::{Attendance, facts_of, held_facts};

use crate::audit::audit;
use crate::registrations::{RegistrationView, VIEW, audited};
use crate::{BackendKind, Error, Result, Store, hash_token, read, write_tx};

/// How many attended registrations one SQLite query returns.
const CHUNK: i64 = 20_000;

/// Up to [`CHUNK`] attended registrations of a program with an id above `$2`, in id order, as
/// one JSON array of `[session, id, email, attributes, kind]` (the attributes as the text
/// stored), and the last id (NULL when there are none). The table is scanned in rowid order,
/// so each of its pages is read once however the sessions interleave.
const ATTENDED_SQLITE: &str = "SELECT \
     json_group_array(json_array(session_id, id, email, attributes, kind)), max(id) \
     FROM (SELECT r.session_id, r.id, r.email, r.attributes, r.kind \
           FROM registrations r NOT INDEXED \
           WHERE r.id > $2 AND r.status = 'attended' \
             AND r.session_id IN (SELECT id FROM sessions WHERE program_id = $1) \
           ORDER BY r.id LIMIT $3)";

/// The attended registrations of a program on PostgreSQL, one JSON array per session, as
/// [`ATTENDED_SQLITE`] writes each.
const ATTENDED_POSTGRES: &str = "SELECT \
     json_agg(json_build_array(r.session_id, r.id, r.email, r.attributes, r.kind))::text \
     FROM sessions s JOIN registrations r ON r.session_id = s.id \
     WHERE s.program_id = $1 AND r.status = 'attended' GROUP BY r.session_id";

/// One attended registration, as the JSON arrays of [`ATTENDED_SQLITE`] hold it.
#[derive(serde::Deserialize)]
struct AttendedRow<'a> {
    #[serde(borrow)]
    session: std::borrow::Cow<'a, str>,
    id: i64,
    #[serde(borrow)]
    email: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    attributes: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
}

/// One session of the program, as read for progress.
#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    hub_id: Option<String>,
    mode: String,
    starts_at: DateTime<Utc>,
    zone: String,
}

/// Where and when a session took place, and whether somebody came.
struct Place {
    id: SessionId,
    hub: Option<HubId>,
    mode: Mode,
    day: chrono::NaiveDate,
    held: bool,
}

impl Store {
    /// Records whether the person of a confirmed registration came. Refused (with
    /// [`Error::Transition`]) from any other status; nobody is promoted, since the seat was used.
    pub async fn record_presence(
        &self,
        actor: &str,
        id: i64,
        presence: Presence,
        now: DateTime<Utc>,
    ) -> Result<RegistrationView> {
        let session_id = self.session_of_registration(id).await?;
        write_tx!(self, |tx, lock| {
            // The session's lock orders this after any cancellation or promotion in flight.
            sqlx::query(lock)
                .bind(&session_id)
                .execute(&mut *tx)
                .await?;
            let before: RegistrationView =
                sqlx::query_as(VIEW).bind(id).fetch_one(&mut *tx).await?;
            let Some(after) = after_attendance(&before.status, presence) else {
                return Err(Error::Transition {
                    id,
                    status: before.status.name().to_owned(),
                    action: match presence {
                        Presence::Attended => "marked present",
                        Presence::NoShow => "marked absent",
                    },
                });
            };
            sqlx::query("UPDATE registrations SET status = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(after.name())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let registration: RegistrationView =
                sqlx::query_as(VIEW).bind(id).fetch_one(&mut *tx).await?;
            audit!(
                tx,
                now,
                actor,
                "registration.presence",
                "registration",
                &id.to_string(),
                audited(&before),
                audited(&registration)
            )?;
            Ok(registration)
        })
    }

    /// The facts of a program, for `skillhub_progress::progress`: one or more per attended
    /// registration (see `skillhub_progress::facts_of`), dated by the session's local day,
    /// keyed by a hash of the e-mail so that a person counts once however many sessions they
    /// attended, and no e-mail leaves the store; the sessions held and their hubs
    /// (`skillhub_progress::held_facts`); the completions online
    /// ([`Store::completion_facts`]), keyed alike; and the grants awarded by the program's
    /// calls ([`Store::award_facts`]).
    pub async fn attendance(&self, program: &Program) -> Result<Vec<Attendance>> {
        let mut facts = self.attendance_where(program, |_| true, CHUNK).await?;
        facts.extend(self.award_facts(program).await?);
        Ok(facts)
    }

    /// [`Store::attendance`] at the sessions of these hubs only (a partner's hubs: progress
    /// filtered by partner); a session without a hub is at none of them, and an award at none.
    pub async fn attendance_at(
        &self,
        program: &Program,
        hubs: &[HubId],
    ) -> Result<Vec<Attendance>> {
        self.attendance_where(program, |hub| hub.is_some_and(|h| hubs.contains(h)), CHUNK)
            .await
    }

    /// The facts of the sessions at the hubs `at` admits, reading SQLite `chunk` registrations
    /// at a time.
    async fn attendance_where(
        &self,
        program: &Program,
        at: impl Fn(Option<&HubId>) -> bool,
        chunk: i64,
    ) -> Result<Vec<Attendance>> {
        let sessions: Vec<SessionRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, hub_id, mode, starts_at, zone FROM sessions WHERE program_id = $1 \
                 ORDER BY starts_at, id",
            )
            .bind(program.id().as_str())
            .fetch_all(pool)
            .await?
        });
        // Each session's hub, mode and local day, once; zones parsed once each.
        let mut zones: HashMap<String, Zone> = HashMap::new();
        let mut places: HashMap<String, Place> = HashMap::with_capacity(sessions.len());
        for row in sessions {
            let corrupt = |message: String| Error::Corrupt {
                table: "sessions",
                message: format!("{}: {message}", row.id),
            };
            let hub = row
                .hub_id
                .as_deref()
                .map(HubId::parse)
                .transpose()
                .map_err(|e| corrupt(e.to_string()))?;
            if !at(hub.as_ref()) {
                continue;
            }
            let zone = match zones.get(&row.zone) {
                Some(zone) => *zone,
                None => {
                    let zone = Zone::parse(&row.zone).map_err(|e| corrupt(e.to_string()))?;
                    zones.insert(row.zone.clone(), zone);
                    zone
                }
            };
            let day = zone
                .to_local(row.starts_at)
                .map_err(|e| corrupt(e.to_string()))?
                .date();
            let id = SessionId::parse(&row.id).map_err(|e| corrupt(e.to_string()))?;
            let mode =
                Mode::parse(&row.mode).ok_or_else(|| corrupt(format!("mode {:?}", row.mode)))?;
            places.insert(
                row.id,
                Place {
                    id,
                    hub,
                    mode,
                    day,
                    held: false,
                },
            );
        }
        // The attended registrations as JSON arrays of many each: SQLite hands each row from
        // its thread to the caller, which costs more than decoding the row itself. On SQLite
        // the table is read once in rowid order, a chunk at a time.
        let mut chunks: Vec<String> = Vec::new();
        match self.kind() {
            BackendKind::Sqlite => {
                let mut after = 0;
                while let (read, Some(last)) =
                    self.attended_chunk(program.id(), after, chunk).await?
                {
                    if last <= after {
                        // Ids only grow along the table: a chunk that does not move on would
                        // read the same rows for ever.
                        return Err(Error::Corrupt {
                            table: "registrations",
                            message: format!("a chunk after id {after} ends at {last}"),
                        });
                    }
                    chunks.push(read);
                    after = last;
                }
            }
            BackendKind::Postgres => {
                chunks = read!(self, |pool| {
                    sqlx::query_scalar(ATTENDED_POSTGRES)
                        .bind(program.id().as_str())
                        .fetch_all(pool)
                        .await?
                });
            }
        }
        let mut facts = Vec::new();
        for chunk in &chunks {
            decode(program, chunk, &mut places, &mut facts)?;
        }
        // The sessions held (somebody came) and their hubs, in the sessions' order.
        let mut held: Vec<&Place> = places.values().filter(|p| p.held).collect();
        held.sort_by(|a, b| (a.day, &a.id).cmp(&(b.day, &b.id)));
        for place in held {
            facts.extend(held_facts(
                program,
                &place.id,
                place.hub.as_ref(),
                place.mode,
                place.day,
            ));
        }
        // Completions online are at no hub, keyed like the registrations above.
        if at(None) {
            facts.extend(self.completion_facts(program).await?);
        }
        Ok(facts)
    }

    /// [`ATTENDED_SQLITE`]'s `chunk` registrations after the id `after`, and the last id
    /// (`None`: no more).
    async fn attended_chunk(
        &self,
        program: &ProgramId,
        after: i64,
        chunk: i64,
    ) -> Result<(String, Option<i64>)> {
        Ok(read!(self, |pool| {
            sqlx::query_as(ATTENDED_SQLITE)
                .bind(program.as_str())
                .bind(after)
                .bind(chunk)
                .fetch_one(pool)
                .await?
        }))
    }
}

/// Decodes one JSON array of attended registrations into facts, marking their sessions held.
fn decode(
    program: &Program,
    chunk: &str,
    places: &mut HashMap<String, Place>,
    facts: &mut Vec<Attendance>,
) -> Result<()> {
    let rows: Vec<AttendedRow<'_>> = serde_json::from_str(chunk).map_err(|e| Error::Corrupt {
        table: "registrations",
        message: format!("attended registrations: {e}"),
    })?;
    facts.reserve(rows.len() * 2);
    for row in rows {
        let Some(place) = places.get_mut(&*row.session) else {
            continue;
        };
        let corrupt = |message: String| Error::Corrupt {
            table: "registrations",
            message: format!("{}: {message}", row.id),
        };
        let attributes: Attributes =
            serde_json::from_str(&row.attributes).map_err(|e| corrupt(e.to_string()))?;
        let kind = SeatKind::parse(&row.kind)
            .ok_or_else(|| corrupt(format!("unknown seat kind {:?}", row.kind)))?;
        place.held = true;
        // A person is their address's key (`Email::key`: ASCII case folded), computed from the
        // stored address so registrations that collided in migration 0006 count once.
        let who = hash_token(&row.email.to_ascii_lowercase());
        facts.extend(facts_of(
            program,
            &who,
            &attributes,
            kind,
            place.hub.as_ref(),
            place.day,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use skillhub_core::capacity::Tier;

    use super::*;
    use crate::{OpenOptions, RegisterRequest, Timing};
    use skillhub_core::program::Unit;

    /// Read a chunk of two at a time, the facts are those of one read: every chunk boundary
    /// keeps its registrations, none twice.
    #[tokio::test]
    async fn chunks_read_every_attended_registration_once() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
        let program = store.program("binario-f").await.unwrap().unwrap();
        let at = Utc.with_ymd_and_hms(2019, 2, 1, 9, 0, 0).unwrap();
        for n in 0..5 {
            let person = serde_json::from_value(serde_json::json!({
                "name": format!("Persona {n}"), "email": format!("p{n}@example.org"),
                "attributes": {},
            }))
            .unwrap();
            let request = RegisterRequest {
                session_id: "binario-f-2019-02-12".parse().unwrap(),
                person,
                kind: None,
                tier: Tier::FIRST,
                actor: "test".into(),
                timing: Timing::Late,
                lang: skillhub_core::lang::Lang::It,
            };
            let done = store.register(&request, None, at).await.unwrap();
            store
                .record_presence("test", done.registration.id, Presence::Attended, at)
                .await
                .unwrap();
        }
        let keys = |facts: Vec<Attendance>| {
            let mut keys: Vec<(Unit, String)> =
                facts.into_iter().map(|f| (f.unit, f.person)).collect();
            keys.sort();
            keys
        };
        let whole = keys(
            store
                .attendance_where(&program, |_| true, CHUNK)
                .await
                .unwrap(),
        );
        let by_two = keys(store.attendance_where(&program, |_| true, 2).await.unwrap());
        assert_eq!(whole.len(), 7, "five people, one session held at one hub");
        assert_eq!(by_two, whole);
    }
}
