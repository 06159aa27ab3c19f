//! What the mail tests share: a message with every hard character, and reading bytes back.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use skillhub_mail::{CalendarPart, Outgoing};

/// A name with non-ASCII letters and a quote, as people type them.
pub const NAME: &str = "Niccolò \"Nico\" D'Àvila";
pub const SUBJECT: &str = "Iscrizione confermata — laboratorio è pieno? No: 5 € di sconto";
pub const TEXT: &str =
    "Ciao Niccolò,\nla tua iscrizione è confermata — ci vediamo lì.\nCosto: 0 €.\n";
pub const HTML: &str = "<p>Ciao Niccolò,</p><p>la tua iscrizione è confermata — ci vediamo lì.</p>";
pub const CALENDAR: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//skillhub//IT\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:reg-42@skillhub.example\r\nDTSTAMP:20300201T090000Z\r\nDTSTART:20300212T083000Z\r\nDTEND:20300212T123000Z\r\nSUMMARY:Facebook per la PA — Roma\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// A message to `to`, with a calendar invitation when `method` is given.
pub fn outgoing(to: &str, method: Option<&str>) -> Outgoing {
    Outgoing {
        message_id: "outbox-42.1733550000@skillhub.example".to_owned(),
        date: "2030-02-01T09:00:00Z".parse().unwrap(),
        to: to.to_owned(),
        to_name: NAME.to_owned(),
        subject: SUBJECT.to_owned(),
        text: TEXT.to_owned(),
        html: HTML.to_owned(),
        calendar: method.map(|method| CalendarPart {
            method: method.to_owned(),
            text: CALENDAR.replace("REQUEST", method),
        }),
        lang: "it".to_owned(),
    }
}

/// The sender of the tests.
pub fn from() -> lettre::message::Mailbox {
    "Città Digitale «skillhub» <noreply@skillhub.example>"
        .parse()
        .unwrap()
}

/// The bytes parsed as a mail program would, or a failure showing them.
pub fn parse(bytes: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(bytes)
        .unwrap_or_else(|| panic!("not a message:\n{}", String::from_utf8_lossy(bytes)))
}

/// Checks that `bytes` are `outgoing`'s message as sent: headers, bodies, the invitation.
pub fn check_message(bytes: &[u8], outgoing: &Outgoing) {
    use mail_parser::MimeHeaders as _;
    let raw = String::from_utf8_lossy(bytes);
    let message = parse(bytes);
    assert_eq!(message.subject(), Some(SUBJECT), "{raw}");
    let from = message.from().and_then(|a| a.first()).unwrap();
    assert_eq!(from.name(), Some("Città Digitale «skillhub»"), "{raw}");
    assert_eq!(from.address(), Some("noreply@skillhub.example"));
    let to = message.to().and_then(|a| a.first()).unwrap();
    assert_eq!(to.name(), Some(NAME), "{raw}");
    assert_eq!(to.address(), Some(outgoing.to.as_str()));
    assert_eq!(
        message.message_id(),
        Some("outbox-42.1733550000@skillhub.example")
    );
    assert_eq!(
        message.date().map(|d| d.to_timestamp()),
        Some(outgoing.date.timestamp())
    );
    assert_eq!(
        message.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    assert_eq!(
        message.header_raw("Content-Language").map(str::trim),
        Some("it")
    );
    // MIME text is written with CRLF line ends.
    let lf = |text: std::borrow::Cow<'_, str>| text.replace("\r\n", "\n");
    assert_eq!(message.body_text(0).map(lf).as_deref(), Some(TEXT), "{raw}");
    assert_eq!(message.body_html(0).map(lf).as_deref(), Some(HTML), "{raw}");
    let root = message.root_part().content_type().unwrap();
    match &outgoing.calendar {
        None => {
            assert_eq!(
                (root.ctype(), root.subtype()),
                ("multipart", Some("alternative"))
            );
            assert_eq!(message.attachment_count(), 0, "{raw}");
        }
        Some(calendar) => {
            assert_eq!((root.ctype(), root.subtype()), ("multipart", Some("mixed")));
            assert_eq!(message.attachment_count(), 1, "{raw}");
            let attachment = message.attachment(0).unwrap();
            assert_eq!(attachment.attachment_name(), Some("invito.ics"));
            let kind = attachment.content_type().unwrap();
            assert_eq!((kind.ctype(), kind.subtype()), ("text", Some("calendar")));
            assert_eq!(kind.attribute("method"), Some(calendar.method.as_str()));
            assert_eq!(kind.attribute("charset"), Some("utf-8"));
            let text = String::from_utf8(attachment.contents().to_vec()).unwrap();
            assert_eq!(text, calendar.text, "{raw}");
        }
    }
}
