//! Assembling: the bytes parse back (with mail-parser, as a mail program would) into exactly
//! what was given, whatever the names, subject and texts hold.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{check_message, from, outgoing};
use skillhub_mail::{MailError, assemble};

/// Assembles `outgoing` and checks what a reader gets back.
fn check(outgoing: &skillhub_mail::Outgoing) {
    let message = assemble(outgoing, &from()).unwrap();
    check_message(&message.formatted(), outgoing);
}

#[test]
fn text_and_html_as_alternatives() {
    check(&outgoing("anna@example.org", None));
}

#[test]
fn an_invitation_is_attached_with_its_method() {
    check(&outgoing("anna@example.org", Some("REQUEST")));
    check(&outgoing("anna@example.org", Some("CANCEL")));
}

#[test]
fn a_check_in_code_stands_beside_the_html() {
    let mut outgoing = outgoing("anna@example.org", None);
    outgoing.check_in = Some("https://corsi.example.it/gestione/presenza/42".to_owned());
    check(&outgoing);
    // With the invitation too: the code is a picture of the HTML, the invitation an attachment.
    let mut outgoing = common::outgoing("anna@example.org", Some("REQUEST"));
    outgoing.check_in = Some("https://corsi.example.it/gestione/presenza/42".to_owned());
    check(&outgoing);
}

#[test]
fn a_check_in_code_too_long_to_draw_is_an_error() {
    let mut outgoing = outgoing("anna@example.org", None);
    outgoing.check_in = Some("x".repeat(5000));
    assert!(matches!(
        assemble(&outgoing, &from()),
        Err(MailError::CheckInCode { .. })
    ));
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let mut outgoing = outgoing("anna@example.org", Some("REQUEST"));
    outgoing.check_in = Some("https://corsi.example.it/gestione/presenza/42".to_owned());
    let one = assemble(&outgoing, &from()).unwrap().formatted();
    let two = assemble(&outgoing, &from()).unwrap().formatted();
    assert_eq!(String::from_utf8_lossy(&one), String::from_utf8_lossy(&two));
}

#[test]
fn an_empty_name_leaves_the_address_alone() {
    let mut outgoing = outgoing("anna@example.org", None);
    outgoing.to_name = String::new();
    let bytes = assemble(&outgoing, &from()).unwrap().formatted();
    let message = common::parse(&bytes);
    let to = message.to().and_then(|a| a.first()).unwrap();
    assert_eq!(to.name(), None);
    assert_eq!(to.address(), Some("anna@example.org"));
}

#[test]
fn line_breaks_cannot_add_headers() {
    let mut outgoing = outgoing("anna@example.org", None);
    outgoing.subject = "Ciao\r\nBcc: eve@example.org".to_owned();
    outgoing.to_name = "Anna\nBcc: eve@example.org".to_owned();
    let message = assemble(&outgoing, &from()).unwrap();
    let bytes = message.formatted();
    let parsed = common::parse(&bytes);
    assert!(
        parsed.bcc().is_none(),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(message.envelope().to().len(), 1);
}

#[test]
fn a_bad_address_is_an_error_naming_it() {
    for bad in [
        "anna",
        "anna@",
        "@example.org",
        "anna rossi@example.org",
        "",
    ] {
        let err = assemble(&outgoing(bad, None), &from()).unwrap_err();
        assert!(
            matches!(&err, MailError::Address { address, .. } if address == bad),
            "{bad:?}: {err:?}"
        );
        assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
    }
}

#[test]
fn a_bad_method_or_language_is_an_error() {
    let err = assemble(&outgoing("anna@example.org", Some("request; x=y")), &from()).unwrap_err();
    assert!(matches!(err, MailError::Header { .. }), "{err:?}");
    let mut wrong = outgoing("anna@example.org", None);
    wrong.lang = "it\r\nX-Evil: 1".to_owned();
    let err = assemble(&wrong, &from()).unwrap_err();
    assert!(matches!(err, MailError::Header { .. }), "{err:?}");
}
