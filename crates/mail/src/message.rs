//! Assembling a message: an [`Outgoing`] (texts, recipient, date, Message-ID) into a MIME
//! message that lettre can send or write out.
//!
//! The shape is what mail programs show best: `multipart/alternative` with the plain text first
//! and the HTML second (a reader shows the last one it can), inside `multipart/mixed` with an
//! `invito.ics` attachment (`text/calendar; method=REQUEST|CANCEL`, so calendars offer to add or
//! remove the event) when the message carries one. A message with a check-in code has its HTML
//! in `multipart/related` beside the code's PNG (inline, with the `Content-ID` the HTML's
//! `cid:` names), so only the HTML reader sees the picture. Every header that may hold a person's words
//! (names, subject) is encoded by lettre (RFC 2047 for non-ASCII, quoting for specials), and line
//! breaks in them are turned into spaces first, so no text can add a header. Nothing here reads
//! the clock: the `Date` and `Message-ID` come in with the message, so a retry sends the same
//! message and the same input always gives the same bytes.

use std::str::FromStr as _;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use lettre::Address;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::MailError;

/// A message ready to assemble: its texts are written, its identity and date chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The Message-ID without the angle brackets, e.g. `outbox-42.1733550000@skillhub.example`;
    /// the same on every attempt, so a receiver can tell a repeat.
    pub message_id: String,
    /// The `Date` header.
    pub date: DateTime<Utc>,
    /// The recipient's address as typed.
    pub to: String,
    /// The recipient's display name (may be empty: then the address alone).
    pub to_name: String,
    /// The subject, any Unicode.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body, the same content as `text`.
    pub html: String,
    /// An iCalendar invitation or cancellation to attach, if any.
    pub calendar: Option<CalendarPart>,
    /// What the check-in code holds (a URL), when the HTML shows one as
    /// `cid:`[`skillhub_notify::render::CHECK_IN_IMAGE`].
    pub check_in: Option<String>,
    /// The language of the texts, a BCP 47 tag (`it`, `en`): the `Content-Language` header.
    pub lang: String,
}

/// An iCalendar attachment (RFC 5546): the event as text and what the calendar should do with
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarPart {
    /// The iTIP method, as in the text's `METHOD:` line: `REQUEST` (add or update) or `CANCEL`.
    pub method: String,
    /// The iCalendar text (`BEGIN:VCALENDAR` …).
    pub text: String,
}

/// The name of the calendar attachment.
pub const CALENDAR_FILE: &str = "invito.ics";

/// Assembles `outgoing` as a message from `from`.
///
/// # Errors
///
/// [`MailError::Address`] when `outgoing.to` is not an address (naming it),
/// [`MailError::Header`] for a calendar method or language that cannot be a header value,
/// [`MailError::CheckInCode`] for a check-in code too long to draw,
/// [`MailError::Build`] if lettre refuses the message.
///
/// ```
/// use skillhub_mail::{Outgoing, assemble};
///
/// let outgoing = Outgoing {
///     message_id: "outbox-1.1@skillhub.example".into(),
///     date: "2030-02-01T09:00:00Z".parse().unwrap(),
///     to: "anna@example.it".into(),
///     to_name: "Anna Rossi".into(),
///     subject: "Iscrizione confermata".into(),
///     text: "Ciao Anna".into(),
///     html: "<p>Ciao Anna</p>".into(),
///     calendar: None,
///     check_in: None,
///     lang: "it".into(),
/// };
/// let from = "skillhub <noreply@skillhub.example>".parse().unwrap();
/// let message = assemble(&outgoing, &from).unwrap();
/// let bytes = String::from_utf8(message.formatted()).unwrap();
/// assert!(bytes.contains("Message-ID: <outbox-1.1@skillhub.example>"));
/// assert!(bytes.contains("Auto-Submitted: auto-generated"));
/// ```
pub fn assemble(outgoing: &Outgoing, from: &Mailbox) -> Result<lettre::Message, MailError> {
    let to = recipient(&outgoing.to, &outgoing.to_name)?;
    let lang = language(&outgoing.lang)?;
    let mut texts = vec![outgoing.text.as_str(), outgoing.html.as_str()];
    texts.extend(outgoing.calendar.as_ref().map(|c| c.text.as_str()));
    let html = SinglePart::builder()
        .header(ContentType::TEXT_HTML)
        .body(outgoing.html.clone());
    let alternative = MultiPart::alternative()
        .boundary(boundary("alternative", &texts))
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(outgoing.text.clone()),
        );
    let alternative = match &outgoing.check_in {
        None => alternative.singlepart(html),
        Some(text) => alternative.multipart(
            MultiPart::related()
                .boundary(boundary("related", &texts))
                .singlepart(html)
                .singlepart(check_in_code(text)?),
        ),
    };
    let builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(one_line(&outgoing.subject))
        .date(SystemTime::from(outgoing.date))
        .message_id(Some(format!("<{}>", one_line(&outgoing.message_id))))
        .header(ContentLanguage(lang))
        .header(AutoSubmitted);
    let built = match &outgoing.calendar {
        None => builder.multipart(alternative),
        Some(calendar) => builder.multipart(
            MultiPart::mixed()
                .boundary(boundary("mixed", &texts))
                .multipart(alternative)
                .singlepart(invitation(calendar)?),
        ),
    };
    built.map_err(MailError::Build)
}

/// A MIME boundary that depends on nothing but `kind` and the texts, so that the same message
/// gives the same bytes (lettre's own is random). It starts with `=_`, which quoted-printable
/// and base64 never write, and is made longer until no text holds it (a 7-bit part is written
/// as it is).
fn boundary(kind: &str, texts: &[&str]) -> String {
    let mut boundary = format!("=_skillhub_{kind}");
    while texts.iter().any(|text| text.contains(boundary.as_str())) {
        boundary.push('_');
    }
    boundary
}

/// The recipient as a mailbox: the address as typed (spaces around it dropped), the name if any.
fn recipient(address: &str, name: &str) -> Result<Mailbox, MailError> {
    let parsed = Address::from_str(address.trim()).map_err(|source| MailError::Address {
        address: address.to_owned(),
        source,
    })?;
    let name = one_line(name);
    let name = name.trim();
    Ok(Mailbox::new(
        (!name.is_empty()).then(|| name.to_owned()),
        parsed,
    ))
}

/// The check-in code's picture, inline under the `Content-ID` the HTML names.
fn check_in_code(text: &str) -> Result<SinglePart, MailError> {
    let png = crate::qr::png(text)?;
    // A constant MIME type always parses.
    let content_type = ContentType::parse("image/png").map_err(|_| MailError::Header {
        header: "the check-in code's content type",
        value: "image/png".to_owned(),
        problem: "not a MIME type",
    })?;
    Ok(
        Attachment::new_inline(skillhub_notify::render::CHECK_IN_IMAGE.to_owned())
            .body(png, content_type),
    )
}

/// The `invito.ics` attachment, typed with its iTIP method.
fn invitation(calendar: &CalendarPart) -> Result<SinglePart, MailError> {
    let method = &calendar.method;
    if method.is_empty() || method.len() > 32 || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(MailError::Header {
            header: "the calendar's method",
            value: method.clone(),
            problem: "an iTIP method is uppercase ASCII letters, e.g. REQUEST or CANCEL",
        });
    }
    let content_type = ContentType::parse(&format!(
        "text/calendar; charset=utf-8; method={method}"
    ))
    .map_err(|_| MailError::Header {
        header: "the calendar's content type",
        value: method.clone(),
        problem: "not a MIME type",
    })?;
    Ok(Attachment::new(CALENDAR_FILE.to_owned()).body(calendar.text.clone(), content_type))
}

/// A language tag for `Content-Language`: letters, digits and hyphens (`it`, `en`, `pt-BR`).
fn language(tag: &str) -> Result<String, MailError> {
    let fine = !tag.is_empty()
        && tag.len() <= 35
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if fine {
        Ok(tag.to_owned())
    } else {
        Err(MailError::Header {
            header: "Content-Language",
            value: tag.to_owned(),
            problem: "a language tag is letters, digits and hyphens, e.g. it or en",
        })
    }
}

/// `text` with its line breaks as spaces: a header value is one line.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// `Content-Language` (RFC 3282): the language the texts are written in.
#[derive(Debug, Clone)]
struct ContentLanguage(String);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(text: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentLanguage(text.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): a machine wrote this message, so auto-responders
/// (holiday replies) must not answer it.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_boundary_is_in_no_text() {
        assert_eq!(boundary("mixed", &["a", "b"]), "=_skillhub_mixed");
        assert_eq!(
            boundary("mixed", &["a =_skillhub_mixed_ b", "=_skillhub_mixed"]),
            "=_skillhub_mixed__"
        );
    }

    #[test]
    fn header_values_are_one_line_and_checked() {
        assert_eq!(one_line("a\r\nBcc: x"), "a  Bcc: x");
        assert!(language("it").is_ok());
        assert!(language("it\nX: y").is_err());
        assert!(language("").is_err());
    }
}
