//! Delivery: the outbox's messages written out and sent. One pass expires the held seats whose
//! time ran out (`Store::expire_holds`: their seats go on and everyone concerned is told), posts
//! the reminders that are due, then takes the due messages in batches (claimed with a lease, so
//! two processes never send the same one), writes each one's text with fresh manage links, the
//! fresh one-time link of a data-link message or the confirmation link of a held seat
//! (`skillhub_notify::render`), sends it, and records how every try went in one transaction per
//! batch. `skillhub serve` runs passes in a loop ([`Delivery::run`]); `skillhub mail deliver`
//! runs one.
//!
//! A transient failure is tried again later (`skillhub_notify::retry::next_attempt`: backoff,
//! then given up); a permanent refusal (SMTP 5xx) or a message that cannot be written fails at
//! once, with its reason. Logs name messages by outbox id and kind only: no address, no text.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use lettre::message::Mailbox;
use skillhub_core::lang::Lang;
use skillhub_notify::{Envelope, Event, Links, Notice, render};
use skillhub_store::{Claimed, Outcome, Store};

use crate::{CalendarPart, Outgoing, SendError, Transport, assemble};

/// Makes the full URL of a registration's manage page from its id, a secret and the language
/// (the web adapter knows its routes).
pub type ManageLink = Arc<dyn Fn(i64, &str, Lang) -> String + Send + Sync>;

/// Makes the full URL of the one-time page of a person's data ("I miei dati") from its secret and
/// the language (the web adapter knows its routes).
pub type DataLink = Arc<dyn Fn(&str, Lang) -> String + Send + Sync>;

/// Makes the full URL of a registration's address-confirmation page from its id, a secret and
/// the language (the web adapter knows its routes).
pub type ConfirmLink = Arc<dyn Fn(i64, &str, Lang) -> String + Send + Sync>;

/// Makes the full URL of a registration's check-in page in the back office from its id: what
/// the check-in code of a message about a seat holds (the web adapter knows its routes).
pub type CheckInLink = Arc<dyn Fn(i64) -> String + Send + Sync>;

/// How long a claimed message is this sender's alone: far more than a send takes.
const LEASE: Duration = Duration::seconds(120);
/// Messages claimed per transaction.
const BATCH: u32 = 50;
/// Passes of [`Delivery::run`]: a message leaves within about this long of its decision.
const INTERVAL: StdDuration = StdDuration::from_secs(1);
/// Reminders are looked for at most this often.
const REMINDERS_EVERY: Duration = Duration::seconds(60);

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pass {
    /// Held seats that expired (their address was not confirmed in time).
    pub holds_expired: u64,
    /// Reminders posted to the outbox (before sessions, and of grant reports).
    pub reminders: u64,
    /// Messages the server took.
    pub sent: u64,
    /// Messages that failed and will be tried again.
    pub retrying: u64,
    /// Messages given up.
    pub failed: u64,
}

/// Why a pass stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] skillhub_store::Error),
}

/// The sender: the outbox, a transport and what every message needs.
pub struct Delivery {
    store: Store,
    transport: Transport,
    from: Mailbox,
    public_url: String,
    manage_link: ManageLink,
    data_link: DataLink,
    /// Makes the address-confirmation links; without it such messages cannot be written.
    confirm_link: Option<ConfirmLink>,
    /// Makes the check-in URLs; without it messages go without a check-in code.
    check_in_link: Option<CheckInLink>,
    /// This process's name on its leases.
    sender: String,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("transport", &self.transport.describe())
            .field("from", &self.from.to_string())
            .field("public_url", &self.public_url)
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

impl Delivery {
    /// A sender on `store` through `transport`, writing from `from`, with links on
    /// `public_url` (the site's base URL) made by `manage_link` and `data_link`.
    pub fn new(
        store: Store,
        transport: Transport,
        from: Mailbox,
        public_url: String,
        manage_link: ManageLink,
        data_link: DataLink,
    ) -> Delivery {
        let mut nonce = [0u8; 6];
        // Without randomness the process id alone still tells senders apart on one machine.
        let _ = getrandom::fill(&mut nonce);
        Delivery {
            store,
            transport,
            from,
            public_url,
            manage_link,
            data_link,
            confirm_link: None,
            check_in_link: None,
            sender: format!("{}-{}", std::process::id(), hex::encode(nonce)),
        }
    }

    /// This sender with address-confirmation links made by `confirm_link` (for the programs
    /// that require address confirmation).
    pub fn with_confirm_link(mut self, confirm_link: ConfirmLink) -> Delivery {
        self.confirm_link = Some(confirm_link);
        self
    }

    /// This sender with a check-in code, holding the URL `check_in_link` makes, in the messages
    /// that give a person a seat and in reminders.
    pub fn with_check_in_link(mut self, check_in_link: CheckInLink) -> Delivery {
        self.check_in_link = Some(check_in_link);
        self
    }

    /// Where messages go, for people and logs (no password).
    pub fn describe(&self) -> String {
        self.transport.describe()
    }

    /// One pass at `now`: expires the holds whose time ran out, posts the due reminders, then
    /// sends every due message.
    pub async fn pass(&self, now: DateTime<Utc>) -> Result<Pass, DeliveryError> {
        let mut pass = Pass {
            holds_expired: self.store.expire_holds(now).await?,
            reminders: self.post_due(now).await?,
            ..Pass::default()
        };
        self.send_due(now, &mut pass).await?;
        Ok(pass)
    }

    /// Posts what came due by `now` without a decision: the reminders before sessions, and the
    /// grant calls' monitoring reports due soon or overdue. How many.
    async fn post_due(&self, now: DateTime<Utc>) -> Result<u64, DeliveryError> {
        Ok(self.store.post_reminders(now).await?
            + self.store.post_grant_report_notices(now).await?)
    }

    /// Sends the due messages at `now`, batch after batch, until none is left.
    async fn send_due(&self, now: DateTime<Utc>, pass: &mut Pass) -> Result<(), DeliveryError> {
        loop {
            let claimed = self
                .store
                .claim_mail(&self.sender, now, LEASE, BATCH)
                .await?;
            if claimed.is_empty() {
                return Ok(());
            }
            // The batch's manage links in one transaction: a registration named by several of
            // its messages gets one new link for them all.
            let needed: std::collections::BTreeSet<i64> = claimed
                .iter()
                .filter_map(|message| serde_json::from_str::<Notice>(&message.notice).ok())
                .flat_map(|notice| notice.manage_links_needed())
                .collect();
            let needed: Vec<i64> = needed.into_iter().collect();
            let tokens = self.store.issue_manage_tokens(&needed, now).await?;
            let mut tries = Vec::with_capacity(claimed.len());
            for message in &claimed {
                let outcome = self.try_one(message, &tokens, now).await?;
                match &outcome {
                    Outcome::Sent { .. } => pass.sent += 1,
                    Outcome::Retry { reason, .. } => {
                        pass.retrying += 1;
                        tracing::warn!(outbox = message.id, kind = %message.kind, %reason, "message not sent; will retry");
                    }
                    Outcome::Failed { reason } => {
                        pass.failed += 1;
                        tracing::warn!(outbox = message.id, kind = %message.kind, %reason, "message failed");
                    }
                }
                tries.push((message.id, outcome));
            }
            self.store
                .mail_tried(&self.sender, &tries, Utc::now())
                .await?;
        }
    }

    /// Writes and sends one claimed message; how it went.
    /// `tokens` holds the new manage links of the batch's registrations.
    async fn try_one(
        &self,
        message: &Claimed,
        tokens: &BTreeMap<i64, String>,
        now: DateTime<Utc>,
    ) -> Result<Outcome, DeliveryError> {
        let notice: Notice = match serde_json::from_str(&message.notice) {
            Ok(notice) => notice,
            Err(err) => {
                return Ok(Outcome::Failed {
                    reason: format!("the notice cannot be read: {err}"),
                });
            }
        };
        // A data link's secret, like a manage link's, exists only from the message's sending on.
        let data = match &notice.event {
            Event::DataLink { valid_until } => self
                .store
                .issue_data_token(message.id, *valid_until, now)
                .await?
                .map(|token| (self.data_link)(&token, notice.lang)),
            _ => None,
        };
        // A hold confirmed, cancelled or expired since gets no link, nor the message.
        let confirm = match (notice.confirm_link_needed(), &self.confirm_link) {
            (Some(id), Some(link)) => self
                .store
                .issue_confirm_tokens(&[id], now)
                .await?
                .get(&id)
                .map(|token| link(id, token, notice.lang)),
            _ => None,
        };
        let links = Links {
            public_url: self.public_url.clone(),
            manage: notice
                .manage_links_needed()
                .into_iter()
                .filter_map(|id| {
                    let token = tokens.get(&id)?;
                    Some((id, (self.manage_link)(id, token, notice.lang)))
                })
                .collect::<BTreeMap<_, _>>(),
            data,
            confirm,
            check_in: notice
                .check_in_needed()
                .zip(self.check_in_link.as_ref())
                .map(|(id, link)| link(id)),
        };
        let message_id = message_id(message, &self.from);
        let envelope = Envelope {
            message_id: message_id.clone(),
            stamp: now,
            domain: self.from.email.domain().to_owned(),
        };
        let rendered = match render(&notice, &links, &envelope) {
            Ok(rendered) => rendered,
            // A registration erased since (or a data link expired before it could leave): its
            // link cannot be made, nor the message.
            Err(err) => {
                return Ok(Outcome::Failed {
                    reason: format!("the message cannot be written: {err}"),
                });
            }
        };
        let outgoing = Outgoing {
            message_id: message_id.clone(),
            date: now,
            to: message.recipient.clone(),
            to_name: notice.name.clone(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            calendar: rendered.calendar.map(|calendar| CalendarPart {
                method: calendar.method.as_str().to_owned(),
                text: calendar.text,
            }),
            check_in: rendered.check_in,
            lang: notice.lang.code().to_owned(),
        };
        let assembled = match assemble(&outgoing, &self.from) {
            Ok(assembled) => assembled,
            Err(err) => {
                return Ok(Outcome::Failed {
                    reason: err.to_string(),
                });
            }
        };
        Ok(
            match self
                .transport
                .send(&format!("{:08}-{}", message.id, message.kind), &assembled)
                .await
            {
                Ok(()) => Outcome::Sent { message_id },
                Err(SendError::Permanent(reason)) => Outcome::Failed { reason },
                Err(SendError::Transient(reason)) => {
                    let attempts = u32::try_from(message.attempts).unwrap_or(u32::MAX);
                    match skillhub_notify::retry::next_attempt(attempts, now) {
                        Some(retry_at) => Outcome::Retry { reason, retry_at },
                        None => Outcome::Failed {
                            reason: format!("gave up after {attempts} tries: {reason}"),
                        },
                    }
                }
            },
        )
    }

    /// Passes until `shutdown` resolves: every `INTERVAL` (a second), reminders every minute. A pass
    /// that fails (the database is away) is logged and the next one tries again.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tracing::info!(transport = %self.transport.describe(), "mail delivery started");
        tokio::pin!(shutdown);
        let mut reminders_at = DateTime::<Utc>::MIN_UTC;
        loop {
            let now = Utc::now();
            let mut pass = Pass::default();
            let result = async {
                pass.holds_expired = self.store.expire_holds(now).await?;
                if now >= reminders_at {
                    pass.reminders = self.post_due(now).await?;
                    reminders_at = now + REMINDERS_EVERY;
                }
                self.send_due(now, &mut pass).await
            }
            .await;
            match result {
                Ok(()) if pass != Pass::default() => tracing::info!(
                    sent = pass.sent,
                    retrying = pass.retrying,
                    failed = pass.failed,
                    reminders = pass.reminders,
                    holds_expired = pass.holds_expired,
                    "mail pass"
                ),
                Ok(()) => {}
                Err(err) => tracing::warn!(error = %err, "mail pass failed; trying again"),
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(INTERVAL) => {}
            }
        }
        tracing::info!("mail delivery stopped");
    }
}

/// The `Message-ID` of an outbox row: the same on every try, so a message sent twice (a
/// sender that died after sending and before recording) is recognisably one.
fn message_id(message: &Claimed, from: &Mailbox) -> String {
    format!(
        "outbox-{}.{}@{}",
        message.id,
        message.created_at.timestamp(),
        from.email.domain()
    )
}
