//! Staff changing a session after people registered: moving it (time or place) and cancelling
//! it. Each runs in one transaction under the session's lock and writes, with the change, a
//! message to every registration it touches ([`crate::outbox`]).
//!
//! A move keeps every registration where it stands and raises the session's iCalendar revision
//! (`revision`, the `SEQUENCE` of the event people imported), so calendars update the entry
//! instead of adding a second one. A cancellation cancels every live registration (confirmed or
//! waiting) and the session takes no registration afterwards; the seat counters go to zero.

use chrono::{DateTime, Utc};
use serde::Serialize;
use skillhub_core::capacity::{SeatKind, Seats};
use skillhub_core::ids::HubId;
use skillhub_notify::Event;

use crate::catalog::SessionView;
use crate::notices::{Addressee, FACTS, FactsRow};
use crate::outbox::post;
use crate::registrations::{Locked, promote};
use crate::{Error, Result, Store, audit::audit, write_tx};

/// A new time, place, title or number of seats for a session; what is `None` stays.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionChange {
    /// The new start.
    pub starts_at: Option<DateTime<Utc>>,
    /// The new end.
    pub ends_at: Option<DateTime<Utc>>,
    /// The new hub (of the session's program).
    pub hub_id: Option<HubId>,
    /// The new title.
    pub title: Option<String>,
    /// The new seats per kind: they must suit the session's mode, and never be fewer than the
    /// seats of that kind already given (cancel or move people first).
    pub seats: Option<Seats>,
}

impl SessionChange {
    /// Whether the change is one registrants see (time, place or title): it raises the
    /// revision and tells them. New seats alone tell only those they seat.
    fn is_told(&self) -> bool {
        self.starts_at.is_some()
            || self.ends_at.is_some()
            || self.hub_id.is_some()
            || self.title.is_some()
    }
}

/// What [`Store::cancel_session`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionCancellation {
    /// The session as it is now.
    pub session: SessionView,
    /// The registrations cancelled with it (they were confirmed or waiting), by id.
    pub cancelled: Vec<i64>,
}

/// Who the live registrations of a session are, to tell of a change (one query, not one per
/// registration).
const LIVE: &str = "SELECT id, email, email_key, name, lang, kind FROM registrations WHERE session_id = $1 \
     AND status IN ('held', 'confirmed', 'waitlisted') ORDER BY id";

impl Store {
    /// Moves a session to a new time or place, or gives it a new title or number of seats:
    /// checked as a new session would be (it ends after it starts and lasts at most 24 hours;
    /// the hub belongs to its program; the title is one; the seats suit its mode). A new time,
    /// place or title raises its revision by one, and every confirmed or waiting registration
    /// is told the new and the old facts. New seats are never fewer than those given; more
    /// seats go at once to the heads of the waiting list (as a freed seat does: promoted
    /// people are told). A cancelled session cannot change.
    pub async fn change_session(
        &self,
        actor: &str,
        session_id: &str,
        change: &SessionChange,
        now: DateTime<Utc>,
    ) -> Result<SessionView> {
        write_tx!(self, |tx, lock| {
            let locked: Option<Locked> = sqlx::query_as(lock)
                .bind(session_id)
                .fetch_optional(&mut *tx)
                .await?;
            let locked = changeable(locked, session_id, now)?;
            let before_facts: FactsRow = sqlx::query_as(FACTS)
                .bind(session_id)
                .fetch_one(&mut *tx)
                .await?;
            let mut after = locked.view.clone();
            after.starts_at = change.starts_at.unwrap_or(after.starts_at);
            after.ends_at = change.ends_at.unwrap_or(after.ends_at);
            if let Some(title) = &change.title {
                title.trim().clone_into(&mut after.title);
            }
            if let Some(seats) = change.seats {
                for kind in [SeatKind::InPerson, SeatKind::Online] {
                    let given = match kind {
                        SeatKind::InPerson => locked.view.seated_in_person,
                        SeatKind::Online => locked.view.seated_online,
                    };
                    if i64::from(seats.get(kind)) < given {
                        return Err(Error::InvalidChange {
                            session: session_id.to_owned(),
                            message: format!(
                                "{given} {} seats are given already: cancel or move registrations before lowering the seats to {}",
                                kind.name_en(),
                                seats.get(kind)
                            ),
                        });
                    }
                }
                after.seats_in_person = i64::from(seats.get(SeatKind::InPerson));
                after.seats_online = i64::from(seats.get(SeatKind::Online));
            }
            if let Some(hub) = &change.hub_id {
                let zone: Option<String> =
                    sqlx::query_scalar("SELECT zone FROM hubs WHERE id = $1 AND program_id = $2")
                        .bind(hub.as_str())
                        .bind(after.program_id.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(zone) = zone else {
                    return Err(Error::InvalidChange {
                        session: session_id.to_owned(),
                        message: format!(
                            "program {} has no hub {:?}",
                            after.program_id,
                            hub.as_str()
                        ),
                    });
                };
                after.zone = skillhub_core::tz::Zone::parse(&zone).map_err(|e| Error::Corrupt {
                    table: "hubs",
                    message: format!("{hub}: {e}"),
                })?;
                after.hub_id = Some(hub.clone());
            }
            // The changed session must still be a session: core judges it on its instants.
            after.to_session().map_err(|err| invalid(session_id, err))?;
            if change.seats.is_some() {
                sqlx::query(
                    "UPDATE sessions SET seats_in_person = $2, seats_online = $3 WHERE id = $1",
                )
                .bind(session_id)
                .bind(after.seats_in_person)
                .bind(after.seats_online)
                .execute(&mut *tx)
                .await?;
            }
            let told = change.is_told();
            let mut letters = Vec::new();
            if told {
                if after.starts_at <= now {
                    return Err(Error::InvalidChange {
                        session: session_id.to_owned(),
                        message: "the new start has passed".to_owned(),
                    });
                }
                // Its registration window must still close by the start.
                after.window().map_err(|err| invalid(session_id, err))?;
                after.revision += 1;
                sqlx::query(
                    "UPDATE sessions SET starts_at = $2, ends_at = $3, hub_id = $4, zone = $5, \
                     title = $6, revision = revision + 1 WHERE id = $1",
                )
                .bind(session_id)
                .bind(after.starts_at)
                .bind(after.ends_at)
                .bind(after.hub_id.as_ref().map(HubId::as_str))
                .bind(after.zone.name())
                .bind(&after.title)
                .execute(&mut *tx)
                .await?;
                let after_facts: FactsRow = sqlx::query_as(FACTS)
                    .bind(session_id)
                    .fetch_one(&mut *tx)
                    .await?;
                let live: Vec<Addressee> = sqlx::query_as(LIVE)
                    .bind(session_id)
                    .fetch_all(&mut *tx)
                    .await?;
                for to in &live {
                    let kind = to.kind()?;
                    letters.push(to.letter(
                        Event::SessionChanged {
                            registration: to.id,
                            session: after_facts.facts(kind)?,
                            before: before_facts.facts(kind)?,
                        },
                        now,
                    )?);
                }
            }
            let told_count = letters.len();
            post!(tx, letters, now)?;
            // The registrants heard of the change first; then more seats seat the first in line.
            let mut promoted: Vec<i64> = Vec::new();
            if let Some(seats) = change.seats {
                for kind in [SeatKind::InPerson, SeatKind::Online] {
                    let mut occupancy = locked.occupancy(kind);
                    occupancy.seats = seats.get(kind);
                    let count = locked.view.phase().promotions(&occupancy);
                    promoted.extend(promote!(tx, &locked, kind, count, actor, now)?);
                }
            }
            audit!(
                tx,
                now,
                actor,
                "session.change",
                "session",
                session_id,
                Some(
                    serde_json::json!({
                        "starts_at": locked.view.starts_at,
                        "ends_at": locked.view.ends_at,
                        "hub_id": locked.view.hub_id,
                        "title": locked.view.title,
                        "seats_in_person": locked.view.seats_in_person,
                        "seats_online": locked.view.seats_online,
                    })
                    .to_string()
                ),
                Some(
                    serde_json::json!({
                        "starts_at": after.starts_at,
                        "ends_at": after.ends_at,
                        "hub_id": after.hub_id,
                        "title": after.title,
                        "seats_in_person": after.seats_in_person,
                        "seats_online": after.seats_online,
                        "revision": after.revision,
                        "told": told_count,
                        "promoted": promoted,
                    })
                    .to_string()
                )
            )?;
            let view: SessionView = sqlx::query_as(crate::catalog::GET_SESSION)
                .bind(session_id)
                .fetch_one(&mut *tx)
                .await?;
            Ok(view)
        })
    }

    /// Cancels a session: every confirmed or waiting registration is cancelled and told (with
    /// `reason`, the organisers' words, when given), the counters go to zero, and the session
    /// takes no registration any more. Once.
    pub async fn cancel_session(
        &self,
        actor: &str,
        session_id: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<SessionCancellation> {
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        write_tx!(self, |tx, lock| {
            let locked: Option<Locked> = sqlx::query_as(lock)
                .bind(session_id)
                .fetch_optional(&mut *tx)
                .await?;
            let locked = changeable(locked, session_id, now)?;
            let facts: FactsRow = sqlx::query_as(FACTS)
                .bind(session_id)
                .fetch_one(&mut *tx)
                .await?;
            let live: Vec<Addressee> = sqlx::query_as(LIVE)
                .bind(session_id)
                .fetch_all(&mut *tx)
                .await?;
            let cancelled: Vec<i64> = live.iter().map(|to| to.id).collect();
            let mut letters = Vec::with_capacity(live.len());
            for to in &live {
                let kind = to.kind()?;
                letters.push(to.letter(
                    Event::SessionCancelled {
                        registration: to.id,
                        session: facts.facts(kind)?,
                        reason: reason.clone(),
                    },
                    now,
                )?);
            }
            sqlx::query(
                "UPDATE registrations SET status = 'cancelled', updated_at = $2 \
                 WHERE session_id = $1 AND status IN ('held', 'confirmed', 'waitlisted')",
            )
            .bind(session_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE sessions SET cancelled_at = $2, seated_in_person = 0, seated_online = 0, \
                 waiting_in_person = 0, waiting_online = 0, held_in_person = 0, held_online = 0 \
                 WHERE id = $1",
            )
            .bind(session_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            post!(tx, letters, now)?;
            audit!(
                tx,
                now,
                actor,
                "session.cancel",
                "session",
                session_id,
                None::<String>,
                Some(serde_json::json!({ "cancelled": cancelled, "reason": reason }).to_string())
            )?;
            let mut session = locked.view;
            session.cancelled_at = Some(now);
            session.seated_in_person = 0;
            session.seated_online = 0;
            session.waiting_in_person = 0;
            session.waiting_online = 0;
            Ok(SessionCancellation { session, cancelled })
        })
    }
}

/// The locked row of a session staff may still change at `now`: it exists, it was not
/// cancelled and it has not started.
fn changeable(locked: Option<Locked>, session_id: &str, now: DateTime<Utc>) -> Result<Locked> {
    let Some(locked) = locked else {
        return Err(Error::UnknownSession(session_id.to_owned()));
    };
    if locked.view.cancelled_at.is_some() {
        return Err(Error::SessionCancelled(session_id.to_owned()));
    }
    if now >= locked.view.starts_at {
        return Err(Error::InvalidChange {
            session: session_id.to_owned(),
            message: "it has started: a session is changed or cancelled before its start"
                .to_owned(),
        });
    }
    Ok(locked)
}

/// A check of the moved session that failed, as the refusal of the change.
fn invalid(session_id: &str, err: Error) -> Error {
    let message = match err {
        // The checks speak of a stored row ("ID: what"); here it is the change.
        Error::Corrupt { message, .. } => message
            .strip_prefix(&format!("{session_id}: "))
            .map(str::to_owned)
            .unwrap_or(message),
        other => other.to_string(),
    };
    Error::InvalidChange {
        session: session_id.to_owned(),
        message,
    }
}
