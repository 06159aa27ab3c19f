//! Where mail goes and whom it is from, read from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SKILLHUB_SMTP_URL` | the SMTP server, as lettre reads it: `smtp://host:25`, `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://user:pass@host:465` (TLS from the start) | none: messages are written as files |
//! | `SKILLHUB_MAIL_FROM` | the sender, `Name <address>` or an address | `skillhub <noreply@localhost>` |
//! | `SKILLHUB_MAIL_DIR` | where messages are written as `.eml` files when there is no SMTP URL | `./mail` |
//!
//! An unset or empty variable takes its default. The default sender is only good for the
//! files of a trial run: a real server wants an address of a domain it sends for, so set
//! `SKILLHUB_MAIL_FROM` together with `SKILLHUB_SMTP_URL`. A password in the URL is never
//! printed: errors, [`MailConfig`]'s `Debug` and the transport's description show `***` instead.

use std::path::PathBuf;
use std::str::FromStr as _;

use lettre::message::Mailbox;

use crate::MailError;

/// The variable naming the SMTP server.
pub const SMTP_URL: &str = "SKILLHUB_SMTP_URL";
/// The variable naming the sender.
pub const MAIL_FROM: &str = "SKILLHUB_MAIL_FROM";
/// The variable naming the directory for messages written as files.
pub const MAIL_DIR: &str = "SKILLHUB_MAIL_DIR";
/// The sender when `SKILLHUB_MAIL_FROM` is not set.
pub const DEFAULT_FROM: &str = "skillhub <noreply@localhost>";
/// The directory when `SKILLHUB_MAIL_DIR` is not set.
pub const DEFAULT_DIR: &str = "./mail";

/// Where mail goes and whom it is from.
#[derive(Clone)]
pub struct MailConfig {
    /// The SMTP server's URL (see the module docs), or `None`: write files into `dir`.
    pub smtp_url: Option<String>,
    /// The `From` of every message.
    pub from: Mailbox,
    /// Where messages are written when there is no SMTP server.
    pub dir: PathBuf,
}

impl MailConfig {
    /// Reads `SKILLHUB_SMTP_URL`, `SKILLHUB_MAIL_FROM` and `SKILLHUB_MAIL_DIR` (see the module
    /// docs for the defaults).
    ///
    /// # Errors
    ///
    /// [`MailError::Config`] naming the variable and what is wrong with its value (a URL's
    /// password is never shown).
    pub fn from_env() -> Result<MailConfig, MailError> {
        MailConfig::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`MailConfig::from_env`], with the variables' values from `var` (for tests, or
    /// another source of settings).
    ///
    /// # Errors
    ///
    /// As [`MailConfig::from_env`].
    ///
    /// ```
    /// use skillhub_mail::MailConfig;
    ///
    /// let config = MailConfig::from_vars(|name| match name {
    ///     "SKILLHUB_SMTP_URL" => Some("smtps://anna:secret@mail.example.org:465".into()),
    ///     _ => None,
    /// })
    /// .unwrap();
    /// assert_eq!(config.from.to_string(), "skillhub <noreply@localhost>");
    /// assert!(!format!("{config:?}").contains("secret"));
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<MailConfig, MailError> {
        let set = |name| var(name).filter(|value: &String| !value.trim().is_empty());
        let smtp_url = set(SMTP_URL).map(|url| check_url(url.trim())).transpose()?;
        let from = set(MAIL_FROM).unwrap_or_else(|| DEFAULT_FROM.to_owned());
        let from = Mailbox::from_str(from.trim()).map_err(|err| MailError::Config {
            variable: MAIL_FROM,
            problem: format!("{from:?} is not a sender (`Name <address>` or an address): {err}"),
        })?;
        let dir = PathBuf::from(set(MAIL_DIR).unwrap_or_else(|| DEFAULT_DIR.to_owned()));
        Ok(MailConfig {
            smtp_url,
            from,
            dir,
        })
    }
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url.as_deref().map(redact))
            .field("from", &self.from.to_string())
            .field("dir", &self.dir)
            .finish()
    }
}

/// The URL if it is one lettre can use (scheme `smtp` or `smtps`, a host); the error shows it
/// redacted.
fn check_url(text: &str) -> Result<String, MailError> {
    let problem = |problem: String| MailError::Config {
        variable: SMTP_URL,
        problem,
    };
    let url = url::Url::parse(text).map_err(|err| {
        problem(format!(
            "not a URL ({err}); write smtp://host:port, smtp://user:password@host:587?tls=required \
             or smtps://user:password@host:465"
        ))
    })?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        // Not even the scheme is shown: in `user:pass@host` it would be the user.
        return Err(problem(
            "the URL's scheme must be smtp or smtps (smtp://host:port, \
             smtps://user:password@host:465)"
                .to_owned(),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(problem(format!("{} names no host", redact(text))));
    }
    Ok(text.to_owned())
}

/// `url` with its user and password replaced by `***`, for logs and errors; text that is not a
/// URL of a server (with a host) is not shown at all, since a password may be anywhere in it.
///
/// ```
/// use skillhub_mail::config::redact;
///
/// assert_eq!(redact("smtps://anna:secret@mail.example.org:465"), "smtps://***@mail.example.org:465");
/// assert_eq!(redact("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
/// assert_eq!(redact("anna:secret"), "(a URL without a host)");
/// ```
pub fn redact(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "(a value that is not a URL)".to_owned();
    };
    if parsed.host_str().is_none_or(str::is_empty) {
        return "(a URL without a host)".to_owned();
    }
    if parsed.username().is_empty() && parsed.password().is_none() {
        return parsed.to_string();
    }
    // Both setters fail only for URLs that cannot have credentials, and this one has them.
    let _ = parsed.set_password(None);
    let _ = parsed.set_username("***");
    parsed.to_string()
}
