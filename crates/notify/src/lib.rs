//! `skillhub-notify`: what skillhub's e-mails say, in Italian and English.
//!
//! A decision (a seat given, a session moved, a reminder due) becomes a [`Notice`], stored as
//! JSON in the outbox with the decision; [`render()`] turns it, at send time, into a subject, a
//! plain-text part, an HTML part and, for a seat, a calendar invitation that later messages
//! update or cancel. [`retry`] says when to try a failed send again.
//!
//! The main design decision: this crate is pure like `skillhub-core`. It knows nothing of SMTP,
//! the store, the clock or randomness: the sender passes the links with their secrets
//! ([`Links`]), the message id and the time ([`Envelope`]). Texts live in Fluent files (one per
//! language) compiled in, dates are said by core's `Lang` (as the web pages say them), and the
//! calendar is written by `skillhub_import::ics`.

#![deny(missing_docs)]

pub mod calendar;
mod letter;
mod locale;
pub mod notice;
pub mod render;
pub mod retry;

pub use calendar::{Calendar, Method};
pub use notice::{Canceller, DrawOutcome, Event, Notice, Place, SessionFacts};
pub use render::{Envelope, Links, Rendered, render};

/// Why a message could not be written. None of these is the person's fault: each is a bug or a
/// missing piece in what the sender passed, and the message stays in the outbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The message shows a registration's manage link that [`Links::manage`] does not have.
    #[error("no manage link was given for registration {registration}")]
    MissingManageLink {
        /// The registration.
        registration: i64,
    },
    /// A data-link message without [`Links::data`].
    #[error("no data link was given")]
    MissingDataLink,
    /// An address-confirmation message without [`Links::confirm`].
    #[error("no confirmation link was given")]
    MissingConfirmLink,
    /// An instant outside the time-zone database's range.
    #[error("a time cannot be said in its zone")]
    Time {
        /// Why.
        #[source]
        source: skillhub_core::tz::TzError,
    },
    /// A Fluent message is missing or does not format (a bug in the `.ftl` files).
    #[error("message {id}: {message}")]
    Fluent {
        /// The message id (with `.attribute`).
        id: String,
        /// What went wrong.
        message: String,
    },
}
