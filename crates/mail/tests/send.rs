//! Sending: to a real SMTP server (aiosmtpd, from `skillhub-testkit`; the tests skip without
//! it), whose replies decide permanent or transient, and into a directory as `.eml` files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{check_message, from, outgoing};
use skillhub_mail::{MailConfig, SendError, Transport, assemble};

/// The configuration of a transport to `smtp_url`, or to files in `dir`.
fn config(smtp_url: Option<String>, dir: &std::path::Path) -> MailConfig {
    MailConfig {
        smtp_url,
        from: from(),
        dir: dir.to_owned(),
    }
}

/// Sends a message to `to` through `transport`.
async fn send(transport: &Transport, to: &str) -> Result<(), SendError> {
    let message = assemble(&outgoing(to, Some("REQUEST")), &from()).unwrap();
    transport.send("outbox-42", &message).await
}

#[tokio::test]
async fn a_message_arrives_as_it_was_assembled() {
    let Some(server) = skillhub_testkit::smtp_server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let transport = Transport::new(&config(Some(server.url()), dir.path())).unwrap();
    assert_eq!(transport.describe(), format!("SMTP {}", server.url()));
    send(&transport, "anna@example.org").await.unwrap();
    let messages = server.wait_for(1, Duration::from_secs(10));
    check_message(&messages[0], &outgoing("anna@example.org", Some("REQUEST")));
    // The pooled connection is reused for the next one.
    send(&transport, "bruno@example.org").await.unwrap();
    assert_eq!(server.wait_for(2, Duration::from_secs(10)).len(), 2);
}

#[tokio::test]
async fn a_5xx_is_permanent_and_a_4xx_transient() {
    let Some(server) = skillhub_testkit::smtp_server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let transport = Transport::new(&config(Some(server.url()), dir.path())).unwrap();
    let refused = send(&transport, "refuse-me@example.org").await.unwrap_err();
    let SendError::Permanent(reason) = &refused else {
        panic!("a 550 is permanent: {refused:?}");
    };
    assert!(reason.contains("mailbox unavailable"), "{reason}");
    assert!(!reason.contains("refuse-me"), "no address in {reason}");
    let later = send(&transport, "later@example.org").await.unwrap_err();
    let SendError::Transient(reason) = &later else {
        panic!("a 451 is transient: {later:?}");
    };
    assert!(reason.contains("try again later"), "{reason}");
    // Nothing was delivered, and the transport still works after the refusals.
    send(&transport, "anna@example.org").await.unwrap();
    assert_eq!(server.wait_for(1, Duration::from_secs(10)).len(), 1);
}

#[tokio::test]
async fn no_server_listening_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("smtp://127.0.0.1:{port}");
    let transport = Transport::new(&config(Some(url), dir.path())).unwrap();
    let err = send(&transport, "anna@example.org").await.unwrap_err();
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
}

#[tokio::test]
async fn credentials_are_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let url = "smtps://anna:s3cret@127.0.0.1:465".to_owned();
    let transport = Transport::new(&config(Some(url), dir.path())).unwrap();
    assert_eq!(transport.describe(), "SMTP smtps://***@127.0.0.1:465");
    assert!(!format!("{transport:?}").contains("s3cret"));
}

#[tokio::test]
async fn without_a_server_messages_are_files() {
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    let transport = Transport::new(&config(None, &mail)).unwrap();
    assert_eq!(transport.describe(), format!("files in {}", mail.display()));
    send(&transport, "anna@example.org").await.unwrap();
    // A retry replaces the file whole.
    send(&transport, "anna@example.org").await.unwrap();
    let names: Vec<String> = std::fs::read_dir(&mail)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["outbox-42.eml"]);
    let bytes = std::fs::read(mail.join("outbox-42.eml")).unwrap();
    check_message(&bytes, &outgoing("anna@example.org", Some("REQUEST")));
    let message = assemble(&outgoing("anna@example.org", None), &from()).unwrap();
    let err = transport.send("../escape", &message).await.unwrap_err();
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
}
