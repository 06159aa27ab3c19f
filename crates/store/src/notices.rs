//! The notices of the store's decisions: who must hear of a decision and what, built inside the
//! decision's transaction from what it just wrote, and posted to the outbox with it
//! ([`crate::outbox::post!`]).
//!
//! A notice holds the facts as they stood at the decision (the session's title, times, place
//! and iCalendar revision, the waiting position), so a message tells what was decided even when
//! it leaves later; it never holds a secret (the sender issues the manage link when it writes the
//! message).

use chrono::{DateTime, Utc};
use skillhub_core::capacity::SeatKind;
use skillhub_core::ids::SessionId;
use skillhub_core::lang::Lang;
use skillhub_core::tz::Zone;
use skillhub_notify::{Event, Notice, Place, SessionFacts};

use crate::outbox::Letter;
use crate::{Error, Result};

/// What a message tells of a session, read in one query with its program's and hub's names.
pub(crate) const FACTS: &str = "SELECT s.id, s.title, s.starts_at, s.ends_at, s.zone, \
     p.name AS program, h.name AS hub_name, h.address AS hub_address, s.revision \
     FROM sessions s JOIN programs p ON p.id = s.program_id LEFT JOIN hubs h ON h.id = s.hub_id \
     WHERE s.id = $1";

/// A row of [`FACTS`].
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct FactsRow {
    id: String,
    title: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    zone: String,
    program: String,
    hub_name: Option<String>,
    hub_address: Option<String>,
    revision: i64,
}

impl FactsRow {
    /// Whether these are the facts of `session`.
    pub(crate) fn is_of(&self, session: &skillhub_core::ids::SessionId) -> bool {
        self.id == session.as_str()
    }

    /// The facts as a registration holding a `kind` seat sees them: the hub for a seat in the
    /// room, no place for an online one.
    pub(crate) fn facts(&self, kind: SeatKind) -> Result<SessionFacts> {
        let corrupt = |message: String| Error::Corrupt {
            table: "sessions",
            message: format!("session {}: {message}", self.id),
        };
        let place = match (kind, &self.hub_name, &self.hub_address) {
            (SeatKind::InPerson, Some(name), Some(address)) => Some(Place {
                name: name.clone(),
                address: address.clone(),
            }),
            _ => None,
        };
        Ok(SessionFacts {
            id: self
                .id
                .parse::<SessionId>()
                .map_err(|e| corrupt(e.to_string()))?,
            program: self.program.clone(),
            title: self.title.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            zone: Zone::parse(&self.zone).map_err(|e| corrupt(e.to_string()))?,
            place,
            online: kind == SeatKind::Online,
            sequence: u32::try_from(self.revision).map_err(|e| corrupt(e.to_string()))?,
        })
    }
}

/// Who a registration's messages go to, read with the decision.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Addressee {
    pub(crate) id: i64,
    pub(crate) email: String,
    pub(crate) email_key: String,
    pub(crate) name: String,
    pub(crate) lang: String,
    pub(crate) kind: String,
}

/// The addressee of registration `$1`.
pub(crate) const ADDRESSEE: &str =
    "SELECT id, email, email_key, name, lang, kind FROM registrations WHERE id = $1";

impl Addressee {
    /// The seat kind of the registration.
    pub(crate) fn kind(&self) -> Result<SeatKind> {
        SeatKind::parse(&self.kind).ok_or_else(|| Error::Corrupt {
            table: "registrations",
            message: format!(
                "registration {}: unknown seat kind {:?}",
                self.id, self.kind
            ),
        })
    }

    /// A letter to this person telling `event`, to leave at `now`.
    pub(crate) fn letter(&self, event: Event, now: DateTime<Utc>) -> Result<Letter> {
        let lang = self.lang.parse::<Lang>().unwrap_or_default();
        letter(
            Some(self.id),
            &self.email,
            &self.email_key,
            Notice {
                lang,
                name: self.name.clone(),
                event,
            },
            now,
        )
    }
}

/// A letter to `recipient` telling `notice`, to leave at `now`.
pub(crate) fn letter(
    registration_id: Option<i64>,
    recipient: &str,
    recipient_key: &str,
    notice: Notice,
    now: DateTime<Utc>,
) -> Result<Letter> {
    Ok(Letter {
        kind: notice.kind(),
        registration_id,
        recipient: recipient.to_owned(),
        recipient_key: recipient_key.to_owned(),
        lang: notice.lang,
        notice: serde_json::to_string(&notice).map_err(|err| Error::Corrupt {
            table: "outbox",
            message: format!("a notice cannot be written as JSON: {err}"),
        })?,
        dedupe: None,
        due_at: now,
    })
}
