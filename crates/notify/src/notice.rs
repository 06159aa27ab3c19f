//! Notices: what happened, to whom, in which language, as it stood when the decision was made.
//!
//! A [`Notice`] is written to the outbox in the same transaction as the decision it tells of, as
//! JSON, and read back when the message is sent, maybe by a later version of skillhub: so the
//! shapes here are stable, internally tagged (`"kind": "confirmed"`), and carry the facts
//! themselves (the session's title, time and place as they were) rather than ids to look up
//! again. Only the links, which hold secrets the outbox must not keep, are supplied at send time
//! ([`crate::render::Links`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use skillhub_core::ids::SessionId;
use skillhub_core::lang::Lang;
use skillhub_core::tz::Zone;

/// A hub: where an in-person session takes place ("sede").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The hub's name, e.g. `Biblioteca Sormani`.
    pub name: String,
    /// Its address on one line, e.g. `Corso di Porta Vittoria 6, Milano`.
    pub address: String,
}

/// The facts of a session a message tells, as they stood when the decision was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFacts {
    /// The session ("incontro").
    pub id: SessionId,
    /// The program's name.
    pub program: String,
    /// The session's title.
    pub title: String,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// The zone its times are said in (serialized as the IANA name).
    pub zone: Zone,
    /// The hub, for an in-person seat; `None` for an online seat.
    pub place: Option<Place>,
    /// The registration's seat is online.
    pub online: bool,
    /// iCalendar `SEQUENCE`: 0, one more per change of time or place.
    pub sequence: u32,
}

/// Who cancelled a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Canceller {
    /// The person, from their manage link.
    Person,
    /// The organisers.
    Staff,
}

/// What a draw ("sorteggio") gave a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum DrawOutcome {
    /// A seat.
    Confirmed,
    /// A place on the waiting list.
    Waitlisted {
        /// 1 is the first in line.
        position: u32,
    },
}

/// What happened: one variant per kind of message. `registration` is the registration's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A seat was given at registration.
    Confirmed {
        /// The registration.
        registration: i64,
        /// Its session.
        session: SessionFacts,
    },
    /// The seats were taken: the registration waits.
    Waitlisted {
        /// The registration.
        registration: i64,
        /// Its session.
        session: SessionFacts,
        /// 1 is the first in line.
        position: u32,
    },
    /// A batch session's registration: it waits for the draw, which is made after
    /// registration closes (no place in line yet).
    InDraw {
        /// The registration.
        registration: i64,
        /// Its session.
        session: SessionFacts,
        /// When registration closes and the draw can be made.
        closes_at: DateTime<Utc>,
    },
    /// A seat came free and went to this registration from the waiting list.
    Promoted {
        /// The registration.
        registration: i64,
        /// Its session.
        session: SessionFacts,
    },
    /// The registration was cancelled.
    Cancelled {
        /// The registration.
        registration: i64,
        /// Its session.
        session: SessionFacts,
        /// By the person or by the organisers.
        by: Canceller,
        /// The organisers' reason, when they gave one (the person reads it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The session moved (time or place).
    SessionChanged {
        /// The registration.
        registration: i64,
        /// The session as it is now.
        session: SessionFacts,
        /// The session as it was.
        before: SessionFacts,
    },
    /// The organisers cancelled the session.
    SessionCancelled {
        /// The registration.
        registration: i64,
        /// The session.
        session: SessionFacts,
        /// Why, in the organisers' words, when they gave a reason (absent in notices written
        /// before reasons existed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A batch session's draw decided.
    Drawn {
        /// The registration.
        registration: i64,
        /// Its session.
        session: SessionFacts,
        /// A seat or a waiting position.
        outcome: DrawOutcome,
    },
    /// A reminder before the start.
    Reminder {
        /// The registration.
        registration: i64,
        /// Its session.
        session: SessionFacts,
        /// The reminder's offset (`core::reminder`), in minutes.
        before_minutes: u32,
    },
    /// A seat is held until the address is confirmed.
    ConfirmAddress {
        /// The registration.
        registration: i64,
        /// Its session.
        session: SessionFacts,
        /// When the held seat is freed if the address is not confirmed.
        hold_until: DateTime<Utc>,
    },
    /// A held seat was freed: the address was not confirmed before the hold ran out, so the
    /// registration expired and the seat went on (to the first in line, if anyone waits).
    HoldExpired {
        /// The registration.
        registration: i64,
        /// Its session.
        session: SessionFacts,
    },
    /// Someone asked for the manage links of an address's registrations.
    LostLinks {
        /// The live ones, each with its session; may be empty.
        registrations: Vec<(i64, SessionFacts)>,
    },
    /// Someone asked for a one-time link to download a person's data.
    DataLink {
        /// When the link stops working.
        valid_until: DateTime<Utc>,
    },
    /// A grant application was received.
    ApplicationReceived {
        /// The call's name.
        call: String,
        /// The application's number.
        application: i64,
    },
    /// A grant application reached a stage (admitted, ranked, funded …).
    ApplicationStage {
        /// The call's name.
        call: String,
        /// The application's number.
        application: i64,
        /// The stage, as the grants workflow names it.
        stage: String,
    },
    /// An evaluator was given an application to assess.
    EvaluatorAssigned {
        /// The call's name.
        call: String,
        /// The application's number.
        application: i64,
    },
    /// A funded project's report is due soon.
    ReportDue {
        /// The call's name.
        call: String,
        /// The application's number.
        application: i64,
        /// The last day.
        due: NaiveDate,
    },
    /// A funded project's report is late.
    ReportOverdue {
        /// The call's name.
        call: String,
        /// The application's number.
        application: i64,
        /// The day it was due.
        due: NaiveDate,
    },
}

/// One message to send: to a person (their address is the outbox's), in their language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The language the registration or application was made in.
    pub lang: Lang,
    /// The person's name, as they typed it; may be empty.
    pub name: String,
    /// What happened.
    pub event: Event,
}

impl Notice {
    /// The event's kind, as its serde tag: `confirmed`, `waitlisted`, … `report_overdue`.
    pub fn kind(&self) -> &'static str {
        self.event.kind()
    }

    /// The registrations whose manage link the message shows: the sender must put each in
    /// [`crate::render::Links::manage`]. Empty for messages without one (a cancellation, an
    /// address to confirm, an expired hold, a data link, grants).
    pub fn manage_links_needed(&self) -> Vec<i64> {
        match &self.event {
            Event::Confirmed { registration, .. }
            | Event::Waitlisted { registration, .. }
            | Event::InDraw { registration, .. }
            | Event::Promoted { registration, .. }
            | Event::SessionChanged { registration, .. }
            | Event::Drawn { registration, .. }
            | Event::Reminder { registration, .. } => vec![*registration],
            Event::LostLinks { registrations } => registrations.iter().map(|(id, _)| *id).collect(),
            Event::Cancelled { .. }
            | Event::SessionCancelled { .. }
            | Event::ConfirmAddress { .. }
            | Event::HoldExpired { .. }
            | Event::DataLink { .. }
            | Event::ApplicationReceived { .. }
            | Event::ApplicationStage { .. }
            | Event::EvaluatorAssigned { .. }
            | Event::ReportDue { .. }
            | Event::ReportOverdue { .. } => Vec::new(),
        }
    }
}

impl Notice {
    /// The registration whose address-confirmation link the message shows
    /// ([`Event::ConfirmAddress`]): the sender must put it in [`crate::render::Links::confirm`].
    pub fn confirm_link_needed(&self) -> Option<i64> {
        match &self.event {
            Event::ConfirmAddress { registration, .. } => Some(*registration),
            _ => None,
        }
    }

    /// The registration whose check-in code the message shows: a message saying a person has a
    /// seat (confirmed, promoted, drawn with a seat) and the reminder before the session (sent to
    /// confirmed people only). The code holds [`crate::render::Links::check_in`]; without it
    /// the message goes without a code (the manage page shows it too).
    pub fn check_in_needed(&self) -> Option<i64> {
        match &self.event {
            Event::Confirmed { registration, .. }
            | Event::Promoted { registration, .. }
            | Event::Drawn {
                registration,
                outcome: DrawOutcome::Confirmed,
                ..
            }
            | Event::Reminder { registration, .. } => Some(*registration),
            _ => None,
        }
    }
}

impl Event {
    /// The serde tag of this kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Confirmed { .. } => "confirmed",
            Event::Waitlisted { .. } => "waitlisted",
            Event::InDraw { .. } => "in_draw",
            Event::Promoted { .. } => "promoted",
            Event::Cancelled { .. } => "cancelled",
            Event::SessionChanged { .. } => "session_changed",
            Event::SessionCancelled { .. } => "session_cancelled",
            Event::Drawn { .. } => "drawn",
            Event::Reminder { .. } => "reminder",
            Event::ConfirmAddress { .. } => "confirm_address",
            Event::HoldExpired { .. } => "hold_expired",
            Event::LostLinks { .. } => "lost_links",
            Event::DataLink { .. } => "data_link",
            Event::ApplicationReceived { .. } => "application_received",
            Event::ApplicationStage { .. } => "application_stage",
            Event::EvaluatorAssigned { .. } => "evaluator_assigned",
            Event::ReportDue { .. } => "report_due",
            Event::ReportOverdue { .. } => "report_overdue",
        }
    }

    /// The registration and session a message about one registration is about.
    pub fn registration(&self) -> Option<(i64, &SessionFacts)> {
        match self {
            Event::Confirmed {
                registration,
                session,
            }
            | Event::Waitlisted {
                registration,
                session,
                ..
            }
            | Event::InDraw {
                registration,
                session,
                ..
            }
            | Event::Promoted {
                registration,
                session,
            }
            | Event::Cancelled {
                registration,
                session,
                ..
            }
            | Event::SessionChanged {
                registration,
                session,
                ..
            }
            | Event::SessionCancelled {
                registration,
                session,
                ..
            }
            | Event::Drawn {
                registration,
                session,
                ..
            }
            | Event::Reminder {
                registration,
                session,
                ..
            }
            | Event::ConfirmAddress {
                registration,
                session,
                ..
            }
            | Event::HoldExpired {
                registration,
                session,
            } => Some((*registration, session)),
            _ => None,
        }
    }
}
