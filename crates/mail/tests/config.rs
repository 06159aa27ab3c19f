//! The configuration from the environment's variables: defaults, and errors that name the
//! variable without showing a password.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use skillhub_mail::{MailConfig, MailError};

/// The configuration from these variables.
fn read(vars: &[(&str, &str)]) -> Result<MailConfig, MailError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    MailConfig::from_vars(|name| vars.get(name).cloned())
}

#[test]
fn defaults() {
    for vars in [
        &[][..],
        &[("SKILLHUB_SMTP_URL", ""), ("SKILLHUB_MAIL_DIR", " ")][..],
    ] {
        let config = read(vars).unwrap();
        assert_eq!(config.smtp_url, None);
        assert_eq!(config.from.to_string(), "skillhub <noreply@localhost>");
        assert_eq!(config.dir, std::path::PathBuf::from("./mail"));
    }
}

#[test]
fn values_as_given() {
    let config = read(&[
        (
            "SKILLHUB_SMTP_URL",
            "smtp://mail.example.org:587?tls=required",
        ),
        (
            "SKILLHUB_MAIL_FROM",
            "Città Digitale <iscrizioni@example.org>",
        ),
        ("SKILLHUB_MAIL_DIR", "/var/spool/skillhub"),
    ])
    .unwrap();
    assert_eq!(
        config.smtp_url.as_deref(),
        Some("smtp://mail.example.org:587?tls=required")
    );
    assert_eq!(config.from.email.to_string(), "iscrizioni@example.org");
    assert_eq!(config.from.name.as_deref(), Some("Città Digitale"));
    assert_eq!(config.dir, std::path::PathBuf::from("/var/spool/skillhub"));
}

#[test]
fn errors_name_the_variable_and_hide_the_password() {
    for (url, says) in [
        ("http://anna:s3cret@mail.example.org", "scheme"),
        ("anna:s3cret", "scheme"),
        ("not a url s3cret", "not a URL"),
        ("smtp://anna:s3cret@", "not a URL"),
    ] {
        let err = read(&[("SKILLHUB_SMTP_URL", url)]).unwrap_err().to_string();
        assert!(err.starts_with("SKILLHUB_SMTP_URL: "), "{err}");
        assert!(err.contains(says), "{url}: {err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
    let err = read(&[("SKILLHUB_MAIL_FROM", "nobody")])
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("SKILLHUB_MAIL_FROM: \"nobody\""), "{err}");
}
