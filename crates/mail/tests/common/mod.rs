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
        check_in: None,
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
    let expected =
        usize::from(outgoing.calendar.is_some()) + usize::from(outgoing.check_in.is_some());
    assert_eq!(message.attachment_count(), expected, "{raw}");
    let attachment = |ctype: &str, subtype: &str| {
        message
            .attachments()
            .find(|part| {
                part.content_type()
                    .is_some_and(|t| t.ctype() == ctype && t.subtype() == Some(subtype))
            })
            .unwrap_or_else(|| panic!("no {ctype}/{subtype} part:\n{raw}"))
    };
    match &outgoing.calendar {
        None => {
            assert_eq!(
                (root.ctype(), root.subtype()),
                ("multipart", Some("alternative"))
            );
        }
        Some(calendar) => {
            assert_eq!((root.ctype(), root.subtype()), ("multipart", Some("mixed")));
            let attachment = attachment("text", "calendar");
            assert_eq!(attachment.attachment_name(), Some("invito.ics"));
            let kind = attachment.content_type().unwrap();
            assert_eq!(kind.attribute("method"), Some(calendar.method.as_str()));
            assert_eq!(kind.attribute("charset"), Some("utf-8"));
            let text = String::from_utf8(attachment.contents().to_vec()).unwrap();
            assert_eq!(text, calendar.text, "{raw}");
        }
    }
    if let Some(url) = &outgoing.check_in {
        let picture = attachment("image", "png");
        assert_eq!(
            picture.content_id(),
            Some(skillhub_notify::render::CHECK_IN_IMAGE),
            "{raw}"
        );
        assert!(
            raw.contains("Content-Type: multipart/related"),
            "the picture stands beside the HTML: {raw}"
        );
        assert_eq!(read_code(picture.contents()), *url);
    }
}

/// What the QR code in the PNG `bytes` holds, read as a phone's camera would.
pub fn read_code(bytes: &[u8]) -> String {
    let picture = image::load_from_memory(bytes).unwrap().to_luma8();
    let (width, height) = picture.dimensions();
    let to_usize = |n: u32| usize::try_from(n).unwrap();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(to_usize(width), to_usize(height), |x, y| {
            picture.get_pixel(u32::try_from(x).unwrap(), u32::try_from(y).unwrap())[0]
        });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one code in the picture");
    let (_, content) = grids[0].decode().unwrap();
    content
}
