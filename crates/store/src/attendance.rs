//! Attendance: recording who came ("presente") or not ("assente"), and the attendance facts
//! that progress against a program's targets counts.
//!
//! Marking a registration runs in one write transaction holding the session's lock, like every
//! other change of a registration; the rule (only a confirmed seat can be marked, and the seat
//! stays given) is `skillhub_core::capacity::after_attendance`.

use chrono::{DateTime, Utc};
use skillhub_core::capacity::{Presence, SeatKind, after_attendance};
use skillhub_core::ids::HubId;
use skillhub_core::person::Attributes;
use skillhub_core::program::Program;
use skillhub_core::tz::Zone;
use skillhub_progress::{Attendance, facts_of};

use crate::audit::audit;
use crate::registrations::{RegistrationView, VIEW, audited};
use crate::{Error, Result, Store, hash_token, read, write_tx};

/// One attended registration as read for progress.
#[derive(sqlx::FromRow)]
struct AttendedRow {
    id: i64,
    email: String,
    attributes: String,
    kind: String,
    hub_id: Option<String>,
    starts_at: DateTime<Utc>,
    zone: String,
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

    /// The attendance facts of a program, for `skillhub_progress::progress`: one or more
    /// per attended registration (see `skillhub_progress::facts_of`), dated by the
    /// session's local day, keyed by a hash of the e-mail so that a person counts once however
    /// many sessions they attended, and no e-mail leaves the store; and those of its
    /// completions online ([`Store::completion_facts`]), keyed alike.
    pub async fn attendance(&self, program: &Program) -> Result<Vec<Attendance>> {
        self.attendance_where(program, |_| true).await
    }

    /// [`Store::attendance`] at the sessions of these hubs only (a partner's hubs: progress
    /// filtered by partner); a session without a hub is at none of them.
    pub async fn attendance_at(
        &self,
        program: &Program,
        hubs: &[HubId],
    ) -> Result<Vec<Attendance>> {
        self.attendance_where(program, |hub| hub.is_some_and(|h| hubs.contains(h)))
            .await
    }

    async fn attendance_where(
        &self,
        program: &Program,
        at: impl Fn(Option<&HubId>) -> bool,
    ) -> Result<Vec<Attendance>> {
        let rows: Vec<AttendedRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.email, r.attributes, r.kind, s.hub_id, s.starts_at, s.zone \
                 FROM registrations r JOIN sessions s ON s.id = r.session_id \
                 WHERE s.program_id = $1 AND r.status = 'attended' ORDER BY r.id",
            )
            .bind(program.id().as_str())
            .fetch_all(pool)
            .await?
        });
        let mut facts = Vec::with_capacity(rows.len());
        for row in rows {
            let corrupt = |message: String| Error::Corrupt {
                table: "registrations",
                message: format!("{}: {message}", row.id),
            };
            let attributes: Attributes =
                serde_json::from_str(&row.attributes).map_err(|e| corrupt(e.to_string()))?;
            let kind = SeatKind::parse(&row.kind)
                .ok_or_else(|| corrupt(format!("unknown seat kind {:?}", row.kind)))?;
            let zone = Zone::parse(&row.zone).map_err(|e| corrupt(e.to_string()))?;
            let day = zone
                .to_local(row.starts_at)
                .map_err(|e| corrupt(e.to_string()))?
                .date();
            let hub = row
                .hub_id
                .as_deref()
                .map(HubId::parse)
                .transpose()
                .map_err(|e| corrupt(e.to_string()))?;
            if !at(hub.as_ref()) {
                continue;
            }
            // A person is their address's key (`Email::key`: ASCII case folded), computed from
            // the stored address so registrations that collided in migration 0006 count once.
            let who = hash_token(&row.email.to_ascii_lowercase());
            facts.extend(facts_of(
                program,
                &who,
                &attributes,
                kind,
                hub.as_ref(),
                day,
            ));
        }
        // Completions online are at no hub, keyed like the registrations above.
        if at(None) {
            facts.extend(self.completion_facts(program).await?);
        }
        Ok(facts)
    }
}
