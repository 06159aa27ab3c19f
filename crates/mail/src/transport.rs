//! Sending an assembled message: by SMTP, or as a `.eml` file in a directory.
//!
//! Without an SMTP server configured, messages are written into a directory (`./mail` by
//! default), one `{stem}.eml` each, which any mail program opens: a newcomer sees what would
//! have been sent without setting up a server. A file is written under a temporary name in the
//! same directory and renamed, so a reader never finds half a message and a retry replaces the
//! file whole.
//!
//! A failure says whether trying again can help: [`SendError::Permanent`] is a 5xx reply (the
//! server refused this message or recipient for good), [`SendError::Transient`] anything else
//! (a 4xx reply, no connection, a timeout, a full disk). Its text is the server's reason, with
//! the recipient's address replaced by `<recipient>` where the server quoted it: it is stored
//! and shown by the status commands, which need no one's address.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};

use crate::config::redact;
use crate::{MailConfig, MailError};

/// How long an SMTP connection, command or reply may take before the send is given up (and is
/// transient).
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Where messages go.
pub enum Transport {
    /// An SMTP server (connections are pooled and reused).
    Smtp {
        /// lettre's transport.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The server's URL with any credentials redacted, for [`Transport::describe`].
        url: String,
    },
    /// A directory that messages are written into as `{stem}.eml` files.
    Dir(PathBuf),
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Refused for good (an SMTP 5xx): sending it again will fail again.
    #[error("refused: {0}")]
    Permanent(String),
    /// Not sent this time (an SMTP 4xx, no connection, a timeout, a file error): worth trying
    /// again later.
    #[error("not sent, try again: {0}")]
    Transient(String),
}

impl Transport {
    /// The transport `config` asks for: SMTP when it has a URL (with a timeout of
    /// [`SMTP_TIMEOUT`]), else its directory, created if missing. Call it inside a Tokio
    /// runtime: the SMTP connection pool starts a task.
    ///
    /// # Errors
    ///
    /// [`MailError::Smtp`] when lettre cannot use the URL (the error shows it redacted),
    /// [`MailError::Dir`] when the directory cannot be created.
    pub fn new(config: &MailConfig) -> Result<Transport, MailError> {
        match &config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|source| MailError::Smtp {
                        url: redact(url),
                        source,
                    })?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Ok(Transport::Smtp {
                    transport,
                    url: redact(url),
                })
            }
            None => {
                std::fs::create_dir_all(&config.dir).map_err(|source| MailError::Dir {
                    path: config.dir.clone(),
                    source,
                })?;
                Ok(Transport::Dir(config.dir.clone()))
            }
        }
    }

    /// Where messages go, for logs: `SMTP smtp://host:port` (credentials redacted) or
    /// `files in ./mail`.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { url, .. } => format!("SMTP {url}"),
            Transport::Dir(dir) => format!("files in {}", dir.display()),
        }
    }

    /// Sends `message`: to the SMTP server, or into `{dir}/{stem}.eml` (`stem` names the
    /// message, e.g. `outbox-42`; it is a file name, without `/`).
    ///
    /// # Errors
    ///
    /// [`SendError::Permanent`] for an SMTP 5xx reply (and a `stem` that cannot be a file
    /// name), [`SendError::Transient`] for anything else.
    pub async fn send(&self, stem: &str, message: &lettre::Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp { transport, .. } => {
                let sent = transport
                    .send_raw(message.envelope(), &message.formatted())
                    .await;
                sent.map(|_| ()).map_err(|err| classify(&err, message))
            }
            Transport::Dir(dir) => write_file(dir, stem, &message.formatted()).await,
        }
    }
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // lettre's own Debug would show the credentials.
        f.debug_tuple("Transport").field(&self.describe()).finish()
    }
}

/// Permanent for a 5xx reply, transient for everything else; the reason without the
/// recipients' addresses.
fn classify(err: &lettre::transport::smtp::Error, message: &lettre::Message) -> SendError {
    let mut reason = chain(err);
    for address in message.envelope().to() {
        let address = address.to_string();
        if !address.is_empty() {
            reason = reason.replace(&format!("<{address}>"), "<recipient>");
            reason = reason.replace(&address, "<recipient>");
        }
    }
    if err.is_permanent() {
        SendError::Permanent(reason)
    } else {
        SendError::Transient(reason)
    }
}

/// An error and its sources on one line, each said once (lettre's Display already includes its
/// direct source).
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text.replace(['\r', '\n'], " ")
}

/// Writes `bytes` into `{dir}/{stem}.eml` through a temporary file in the same directory.
async fn write_file(dir: &Path, stem: &str, bytes: &[u8]) -> Result<(), SendError> {
    let fine = !stem.is_empty()
        && !stem.starts_with('.')
        && !stem.contains(['/', '\\', '\0'])
        && stem.len() <= 200;
    if !fine {
        return Err(SendError::Permanent(format!(
            "{stem:?} cannot name a file (empty, starting with a dot, or with a slash)"
        )));
    }
    let path = dir.join(format!("{stem}.eml"));
    // Unique per process and call, so two sends of one stem at once never share a file.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let temporary = dir.join(format!(".{stem}.eml.{}-{n}.tmp", std::process::id()));
    let io = |doing: &str, path: &Path, err: std::io::Error| {
        SendError::Transient(format!("cannot {doing} {}: {err}", path.display()))
    };
    tokio::fs::write(&temporary, bytes)
        .await
        .map_err(|err| io("write", &temporary, err))?;
    if let Err(err) = tokio::fs::rename(&temporary, &path).await {
        let _ = tokio::fs::remove_file(&temporary).await;
        return Err(io("move the message to", &path, err));
    }
    Ok(())
}
