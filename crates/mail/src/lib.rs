//! `skillhub-mail`: e-mail out of skillhub, assembled and sent.
//!
//! - [`message`]: an [`Outgoing`] message (texts already written, date and Message-ID already
//!   chosen) assembled into MIME: plain text and HTML as alternatives, the check-in code as a
//!   picture beside the HTML ([`qr`]) and an iCalendar invitation attached when there are ones,
//!   headers encoded for any name and subject.
//! - [`transport`]: a [`Transport`] sends an assembled message by SMTP, or writes it as a
//!   `.eml` file into a directory when no SMTP server is configured, and says whether a failure
//!   is [`SendError::Permanent`] (the server refused for good) or [`SendError::Transient`]
//!   (worth another try).
//! - [`config`]: [`MailConfig`] from `SKILLHUB_SMTP_URL`, `SKILLHUB_MAIL_FROM` and
//!   `SKILLHUB_MAIL_DIR`.
//!
//! - [`delivery`]: the outbox's sender, the one place that joins the store's outbox, the texts of
//!   `skillhub-notify` and a transport: [`delivery::Delivery::pass`] posts the due reminders,
//!   claims due messages with a lease, writes each with fresh manage links, sends it and records
//!   how it went; [`delivery::Delivery::run`] does so every second beside the server.
//!
//! The main design decision: **`message`, `transport` and `config` translate and delegate**.
//! They know nothing about registrations, the outbox or what a message says: the caller brings
//! the texts and decides what to do after a failure; there a message only becomes bytes and bytes
//! reach a server or a file, and assembling is pure (the date is a parameter, no clock is read),
//! so the same input gives the same bytes. `delivery` is the use case on top, and the only module
//! that reads the clock or the store.

#![deny(missing_docs)]

pub mod config;
pub mod delivery;
pub mod message;
pub mod qr;
pub mod transport;

use std::path::PathBuf;

pub use config::MailConfig;
pub use message::{CalendarPart, Outgoing, assemble};
pub use transport::{SendError, Transport};

/// What can go wrong before a message is sent: a configuration, an address or a message that
/// cannot be used. A failed send is a [`SendError`] instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// An e-mail address that is not one (a recipient's, as typed).
    #[error("{address:?} is not an e-mail address: {source}")]
    Address {
        /// The address as given.
        address: String,
        /// What lettre found wrong with it.
        #[source]
        source: lettre::address::AddressError,
    },
    /// A header value that cannot be written (a calendar method or a language tag).
    #[error("{header} cannot be {value:?}: {problem}")]
    Header {
        /// The header, or the header's parameter.
        header: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A check-in code that cannot be drawn (its text is too long for a QR code).
    #[error("cannot draw the check-in code: {problem}")]
    CheckInCode {
        /// Why.
        problem: String,
    },
    /// lettre refused to build the message.
    #[error("cannot assemble the message: {0}")]
    Build(#[source] lettre::error::Error),
    /// A configuration variable whose value cannot be used (a password in it is never shown).
    #[error("{variable}: {problem}")]
    Config {
        /// The environment variable.
        variable: &'static str,
        /// What is wrong with its value.
        problem: String,
    },
    /// The SMTP transport cannot be set up from the URL.
    #[error("SMTP {url}: {source}")]
    Smtp {
        /// The URL with any credentials redacted.
        url: String,
        /// lettre's reason.
        #[source]
        source: lettre::transport::smtp::Error,
    },
    /// The mail directory cannot be created.
    #[error("cannot create the mail directory {}: {source}", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// A result whose error is a [`MailError`] unless said otherwise.
pub type Result<T, E = MailError> = std::result::Result<T, E>;
