//! The calendar invitation attached to a message about a seat: one `VEVENT` per registration,
//! written by `skillhub_import::ics::invitation` (its escaping and folding, not a second copy).
//!
//! The `UID` is the registration's (`registration-42@DOMAIN`), so the entry a person's calendar
//! made from the confirmation is the one a later change updates (`SEQUENCE` is the session's
//! `sequence`) and a cancellation removes (`METHOD:CANCEL`, `STATUS:CANCELLED`, with
//! `sequence + 1` so calendars accept it as newer). Only seats get one: a waiting list, lost
//! links, data links and grants do not.

use skillhub_import::ics::{self, Invitation};

pub use skillhub_import::ics::Method;

use crate::notice::{DrawOutcome, Event, SessionFacts};

/// An attachment: `text/calendar; method=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Request (add or update) or cancel.
    pub method: Method,
    /// A whole `VCALENDAR`, lines ending in CRLF.
    pub text: String,
}

/// Whether an event's message carries a calendar, and which kind.
pub(crate) fn method_of(event: &Event) -> Option<Method> {
    match event {
        Event::Confirmed { .. }
        | Event::Promoted { .. }
        | Event::SessionChanged { .. }
        | Event::Reminder { .. }
        | Event::Drawn {
            outcome: DrawOutcome::Confirmed,
            ..
        } => Some(Method::Request),
        Event::Cancelled { .. } | Event::SessionCancelled { .. } => Some(Method::Cancel),
        _ => None,
    }
}

/// What the invitation needs beyond the session's facts.
pub(crate) struct Entry<'a> {
    pub(crate) method: Method,
    pub(crate) registration: i64,
    pub(crate) session: &'a SessionFacts,
    pub(crate) domain: &'a str,
    pub(crate) stamp: chrono::DateTime<chrono::Utc>,
    /// `LOCATION`: the place on one line, or `Online`.
    pub(crate) location: String,
    /// `DESCRIPTION`.
    pub(crate) description: String,
    /// `URL`: the manage link (none for a cancellation).
    pub(crate) url: Option<String>,
}

/// The invitation of one registration.
pub(crate) fn calendar(entry: Entry<'_>) -> Calendar {
    let sequence = match entry.method {
        Method::Request => entry.session.sequence,
        Method::Cancel => entry.session.sequence.saturating_add(1),
    };
    let text = ics::invitation(&Invitation {
        method: entry.method,
        uid: format!("registration-{}@{}", entry.registration, entry.domain),
        sequence,
        stamp: entry.stamp,
        starts_at: entry.session.starts_at,
        ends_at: entry.session.ends_at,
        summary: entry.session.title.clone(),
        location: entry.location,
        description: entry.description,
        url: entry.url,
    });
    Calendar {
        method: entry.method,
        text,
    }
}
