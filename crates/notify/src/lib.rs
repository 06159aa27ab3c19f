//! `skillhub-notify`: what skillhub's e-mails say, in Italian and English.
//!
//! A decision (a seat given, a session moved, a reminder due) becomes a [`Notice`], stored as
//! JSON in the outbox with the decision; [`render`] turns it, at send time, into a subject, a
//! plain-text part, an HTML part and, for a seat, a calendar invitation that later messages
//! update or cancel (to come: this first piece holds the notices). [`retry`] says when to try a failed send again.
//!
//! The main design decision: this crate is pure like `skillhub-core`. It knows nothing of SMTP,
//! the store, the clock or randomness: the sender passes the links with their secrets
//! ([`Links`]), the message id and the time ([`Envelope`]). Texts live in Fluent files (one per
//! language) compiled in, dates are said by core's `Lang` (as the web pages say them), and the
//! calendar is written by `skillhub_import::ics`.

#![deny(missing_docs)]

pub mod notice;
pub mod retry;

pub use notice::{Canceller, DrawOutcome, Event, Notice, Place, SessionFacts};
