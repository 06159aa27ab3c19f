//! The outbox: messages to people, written in the transaction of the decision they tell, then
//! claimed, sent and marked by a sender (`skillhub-mail`'s delivery).
//!
//! A message row holds the facts of its notice as JSON (a `skillhub_notify::Notice`: no
//! secret, no rendered text); the sender writes the text when it sends. **Nothing is lost**: the
//! row commits with the decision, so a crash after the commit leaves it queued and the next pass
//! sends it. **Nothing is sent twice at once**: a sender claims rows with a lease
//! (`lease_until`, `leased_by`; on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so two processes
//! take different rows) and only the lease holder may mark a row sent or failed. A lease that
//! runs out (the sender died) makes the row claimable again. A transient failure sets the next
//! attempt (backoff chosen by the caller); a permanent one, or one too many, marks it failed with
//! its reason. Erasing a person deletes their queued messages and empties the sent ones.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use skillhub_core::lang::Lang;

use crate::{Error, Result, Store, hash_token, new_token, read, write_tx};

/// A message to write into the outbox with a decision.
#[derive(Debug, Clone)]
pub(crate) struct Letter {
    /// What it tells (the notice's kind, e.g. `confirmed`).
    pub(crate) kind: &'static str,
    /// The registration it is about, if any (erasure finds it by this).
    pub(crate) registration_id: Option<i64>,
    /// The address, as typed.
    pub(crate) recipient: String,
    /// The address's identity (`Email::key`), so erasing a person finds every message to them.
    pub(crate) recipient_key: String,
    /// The language of the message.
    pub(crate) lang: Lang,
    /// The notice's JSON.
    pub(crate) notice: String,
    /// A key that makes the message once-only (a reminder: its registration and offset).
    pub(crate) dedupe: Option<String>,
    /// When it may leave (now, for every decision).
    pub(crate) due_at: DateTime<Utc>,
}

/// The SQL that writes one [`Letter`]; a repeated `dedupe` key writes nothing.
pub(crate) const POST: &str = "INSERT INTO outbox (kind, registration_id, recipient, recipient_key, \
     lang, notice, dedupe, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (dedupe) DO NOTHING";

/// Writes `$letters` (an iterator of [`Letter`]) into the outbox inside the caller's
/// transaction `$tx`, with the decision they tell, at `$now`; evaluates to `Result<u64>`, the
/// rows written. A macro, like `audit!`, so it expands for either backend's transaction.
macro_rules! post {
    ($tx:ident, $letters:expr, $now:expr) => {
        async {
            let mut written = 0_u64;
            for letter in $letters {
                let letter: $crate::outbox::Letter = letter;
                written += sqlx::query($crate::outbox::POST)
                    .bind(letter.kind)
                    .bind(letter.registration_id)
                    .bind(&letter.recipient)
                    .bind(&letter.recipient_key)
                    .bind(letter.lang.code())
                    .bind(&letter.notice)
                    .bind(&letter.dedupe)
                    .bind($now)
                    .bind(letter.due_at)
                    .execute(&mut *$tx)
                    .await?
                    .rows_affected();
            }
            Ok::<u64, $crate::Error>(written)
        }
        .await
    };
}
pub(crate) use post;

/// [`POST`] for many letters in one statement on SQLite: `$1` is the JSON array
/// [`as_rows`] writes, inserted in its order.
pub(crate) const POST_ALL_SQLITE: &str = "INSERT INTO outbox (kind, registration_id, recipient, \
     recipient_key, lang, notice, dedupe, created_at, next_attempt_at) \
     SELECT value ->> '$.kind', value ->> '$.registration_id', value ->> '$.recipient', \
     value ->> '$.recipient_key', value ->> '$.lang', value ->> '$.notice', value ->> '$.dedupe', \
     value ->> '$.created_at', value ->> '$.due_at' FROM json_each($1) WHERE true ORDER BY key \
     ON CONFLICT (dedupe) DO NOTHING";

/// [`POST_ALL_SQLITE`] on PostgreSQL.
pub(crate) const POST_ALL_POSTGRES: &str = "INSERT INTO outbox (kind, registration_id, \
     recipient, recipient_key, lang, notice, dedupe, created_at, next_attempt_at) \
     SELECT l.value ->> 'kind', CAST(l.value ->> 'registration_id' AS BIGINT), \
     l.value ->> 'recipient', l.value ->> 'recipient_key', l.value ->> 'lang', \
     l.value ->> 'notice', l.value ->> 'dedupe', CAST(l.value ->> 'created_at' AS TIMESTAMPTZ), \
     CAST(l.value ->> 'due_at' AS TIMESTAMPTZ) \
     FROM jsonb_array_elements(CAST($1 AS jsonb)) WITH ORDINALITY AS l(value, n) ORDER BY l.n \
     ON CONFLICT (dedupe) DO NOTHING";

/// One letter as a row of [`POST_ALL_SQLITE`] and [`POST_ALL_POSTGRES`].
#[derive(Serialize)]
struct Row<'a> {
    kind: &'a str,
    registration_id: Option<i64>,
    recipient: &'a str,
    recipient_key: &'a str,
    lang: &'static str,
    notice: &'a str,
    dedupe: Option<&'a str>,
    created_at: String,
    due_at: String,
}

/// `letters`, each with when it was written, as the JSON array the statements above read, times
/// as [`crate::stored_time`] writes them (so the rows equal [`post!`]'s to the character).
pub(crate) fn as_rows(letters: &[(Letter, DateTime<Utc>)]) -> Result<String> {
    let rows: Vec<Row<'_>> = letters
        .iter()
        .map(|(letter, written)| Row {
            kind: letter.kind,
            registration_id: letter.registration_id,
            recipient: &letter.recipient,
            recipient_key: &letter.recipient_key,
            lang: letter.lang.code(),
            notice: &letter.notice,
            dedupe: letter.dedupe.as_deref(),
            created_at: crate::stored_time(*written),
            due_at: crate::stored_time(letter.due_at),
        })
        .collect();
    serde_json::to_string(&rows).map_err(|err| Error::Corrupt {
        table: "outbox",
        message: format!("letters cannot be written as JSON: {err}"),
    })
}

/// Writes `$letters` (a `&[(Letter, DateTime<Utc>)]`: each letter with when it was written)
/// into the outbox in one statement,
/// `$sql` ([`POST_ALL_SQLITE`] or [`POST_ALL_POSTGRES`], the transaction's backend's), inside
/// the caller's transaction `$tx`; evaluates to `Result<u64>`, the rows written. What
/// [`post!`] does, in one round trip however many letters.
macro_rules! post_all {
    ($tx:ident, $sql:expr, $letters:expr) => {
        async {
            let letters: &[($crate::outbox::Letter, chrono::DateTime<chrono::Utc>)] = $letters;
            if letters.is_empty() {
                return Ok::<u64, $crate::Error>(0);
            }
            let rows = $crate::outbox::as_rows(letters)?;
            Ok(sqlx::query($sql)
                .bind(rows)
                .execute(&mut *$tx)
                .await?
                .rows_affected())
        }
        .await
    };
}
pub(crate) use post_all;

/// A message a sender claimed: it holds the lease until it marks it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Claimed {
    /// The outbox row.
    pub id: i64,
    /// The notice's kind.
    pub kind: String,
    /// The registration it is about, if any.
    pub registration_id: Option<i64>,
    /// The address, as typed.
    pub recipient: String,
    /// `it` or `en`.
    pub lang: String,
    /// The notice's JSON (a `skillhub_notify::Notice`).
    pub notice: String,
    /// Tries so far, this one included.
    pub attempts: i64,
    /// When the decision wrote it.
    pub created_at: DateTime<Utc>,
}

/// How a try ended, for [`Store::mail_tried`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server took it, with this `Message-ID`.
    Sent {
        /// The header's value, without `<>`.
        message_id: String,
    },
    /// It failed and will be tried again at `retry_at`.
    Retry {
        /// Why, in the server's words (no body, no address).
        reason: String,
        /// The next attempt.
        retry_at: DateTime<Utc>,
    },
    /// It failed for good (a permanent refusal, or too many tries).
    Failed {
        /// Why.
        reason: String,
    },
}

/// What `skillhub mail status` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailStatus {
    /// Waiting to be sent (including those waiting for a retry).
    pub queued: i64,
    /// Sent.
    pub sent: i64,
    /// Given up.
    pub failed: i64,
    /// Of the queued ones, those that failed at least once, with their last reason.
    pub retrying: Vec<MailFailure>,
    /// The failed ones, newest first (at most 100).
    pub failures: Vec<MailFailure>,
}

/// One message that failed, without its address or text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MailFailure {
    /// The outbox row.
    pub id: i64,
    /// The notice's kind.
    pub kind: String,
    /// The registration it is about, if any.
    pub registration_id: Option<i64>,
    /// Tries so far.
    pub attempts: i64,
    /// The last reason.
    pub reason: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it was given up, or the next attempt of a retrying one.
    pub at: DateTime<Utc>,
}

/// A message the outbox holds about a registration (for a person's data and for staff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Message {
    /// The outbox row.
    pub id: i64,
    /// The notice's kind.
    pub kind: String,
    /// `queued`, `sent` or `failed`.
    pub state: String,
    /// The address (empty once the person was erased).
    pub recipient: String,
    /// The notice's JSON (`{}` once the person was erased).
    pub notice: String,
    /// When the decision wrote it.
    pub created_at: DateTime<Utc>,
    /// When it was sent or given up.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Claims the due rows that nobody holds (queued, due, no live lease), oldest first; PostgreSQL
/// skips rows another transaction is claiming.
const CLAIM_POSTGRES: &str = "UPDATE outbox SET lease_until = $2, leased_by = $3, \
     attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox WHERE state = 'queued' \
     AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) \
     ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, registration_id, recipient, lang, notice, attempts, created_at";
/// The same on SQLite, where `BEGIN IMMEDIATE` already makes the claim one writer's.
const CLAIM_SQLITE: &str = "UPDATE outbox SET lease_until = $2, leased_by = $3, \
     attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox WHERE state = 'queued' \
     AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) \
     ORDER BY next_attempt_at, id LIMIT $4) \
     RETURNING id, kind, registration_id, recipient, lang, notice, attempts, created_at";

impl Store {
    /// Claims at most `limit` due messages for `sender` (a name unique to the process) for
    /// `lease`: until then no other sender takes them. Oldest first.
    pub async fn claim_mail(
        &self,
        sender: &str,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<Claimed>> {
        let until = now + lease;
        let mut claimed: Vec<Claimed> =
            write_tx!(self, CLAIM_SQLITE, CLAIM_POSTGRES, |tx, claim| {
                Ok::<Vec<Claimed>, Error>(
                    sqlx::query_as(claim)
                        .bind(now)
                        .bind(until)
                        .bind(sender)
                        .bind(i64::from(limit))
                        .fetch_all(&mut *tx)
                        .await?,
                )
            })?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    /// Records how `sender`'s tries ended, in one transaction: `tries` pairs an outbox row
    /// with its outcome. A row whose lease ran out and was taken by another sender is left to
    /// that one (its try counts); the answer is how many rows were recorded.
    pub async fn mail_tried(
        &self,
        sender: &str,
        tries: &[(i64, Outcome)],
        now: DateTime<Utc>,
    ) -> Result<u64> {
        if tries.is_empty() {
            return Ok(0);
        }
        write_tx!(self, |tx, _lock| {
            let mut recorded = 0;
            for (id, outcome) in tries {
                let (state, next, message_id, reason, finished) = match outcome {
                    Outcome::Sent { message_id } => {
                        ("sent", now, Some(message_id.as_str()), None, Some(now))
                    }
                    Outcome::Retry { reason, retry_at } => {
                        ("queued", *retry_at, None, Some(reason.as_str()), None)
                    }
                    Outcome::Failed { reason } => {
                        ("failed", now, None, Some(reason.as_str()), Some(now))
                    }
                };
                recorded += sqlx::query(
                    "UPDATE outbox SET state = $3, next_attempt_at = $4, message_id = $5, \
                     last_error = COALESCE($6, last_error), finished_at = $7, lease_until = NULL, \
                     leased_by = NULL WHERE id = $1 AND leased_by = $2 AND state = 'queued'",
                )
                .bind(id)
                .bind(sender)
                .bind(state)
                .bind(next)
                .bind(message_id)
                .bind(reason)
                .bind(finished)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            Ok::<u64, Error>(recorded)
        })
    }

    /// New manage links for the registrations a message shows: a secret each (returned, stored
    /// hashed beside the registration's own), for registrations that exist and were not erased.
    pub async fn issue_manage_tokens(
        &self,
        registrations: &[i64],
        now: DateTime<Utc>,
    ) -> Result<BTreeMap<i64, String>> {
        if registrations.is_empty() {
            return Ok(BTreeMap::new());
        }
        write_tx!(self, |tx, _lock| {
            let mut issued = BTreeMap::new();
            for &id in registrations {
                let email: Option<String> =
                    sqlx::query_scalar("SELECT email FROM registrations WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                // Erased (see `people`): its links must stop, not start again.
                if email.is_none_or(|email| email == crate::erased_address(id)) {
                    continue;
                }
                let token = new_token();
                sqlx::query(
                    "INSERT INTO manage_tokens (token_hash, registration_id, created_at) \
                     VALUES ($1, $2, $3)",
                )
                .bind(hash_token(&token))
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                issued.insert(id, token);
            }
            Ok::<BTreeMap<i64, String>, Error>(issued)
        })
    }

    /// The messages about registration `id`, oldest first.
    pub async fn messages_about(&self, id: i64) -> Result<Vec<Message>> {
        Ok(read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, kind, state, recipient, notice, created_at, finished_at FROM outbox \
                 WHERE registration_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Counts by state, the retrying ones and the latest failures, without addresses or text.
    pub async fn mail_status(&self) -> Result<MailStatus> {
        const FAILURES: &str = "SELECT id, kind, registration_id, attempts, \
             COALESCE(last_error, '') AS reason, created_at, COALESCE(finished_at, next_attempt_at) AS at \
             FROM outbox WHERE state = $1 AND ($1 = 'failed' OR attempts > 0 AND last_error IS NOT NULL) \
             ORDER BY id DESC LIMIT 100";
        read!(self, |pool| {
            let counts: Vec<(String, i64)> =
                sqlx::query_as("SELECT state, COUNT(*) FROM outbox GROUP BY state")
                    .fetch_all(pool)
                    .await?;
            let count = |state: &str| {
                counts
                    .iter()
                    .find(|(s, _)| s == state)
                    .map_or(0, |(_, n)| *n)
            };
            Ok(MailStatus {
                queued: count("queued"),
                sent: count("sent"),
                failed: count("failed"),
                retrying: sqlx::query_as(FAILURES)
                    .bind("queued")
                    .fetch_all(pool)
                    .await?,
                failures: sqlx::query_as(FAILURES)
                    .bind("failed")
                    .fetch_all(pool)
                    .await?,
            })
        })
    }
}

/// Forgets what the outbox holds of registration `$id` inside the caller's transaction: queued
/// messages are deleted, sent and failed ones keep only their kind, state and times (address and
/// notice emptied), and its mailed manage links stop working. Evaluates to `Result<()>`.
macro_rules! forget_registration {
    ($tx:ident, $id:expr) => {
        async {
            let id: i64 = $id;
            sqlx::query("DELETE FROM outbox WHERE registration_id = $1 AND state = 'queued'")
                .bind(id)
                .execute(&mut *$tx)
                .await?;
            sqlx::query(
                "UPDATE outbox SET recipient = '', recipient_key = '', notice = '{}' \
                 WHERE registration_id = $1",
            )
            .bind(id)
            .execute(&mut *$tx)
            .await?;
            sqlx::query("DELETE FROM manage_tokens WHERE registration_id = $1")
                .bind(id)
                .execute(&mut *$tx)
                .await?;
            sqlx::query("DELETE FROM confirm_tokens WHERE registration_id = $1")
                .bind(id)
                .execute(&mut *$tx)
                .await?;
            Ok::<(), $crate::Error>(())
        }
        .await
    };
}
pub(crate) use forget_registration;

/// Forgets every message to the address with identity `$key` (`Email::key`), whatever it is
/// about, inside the caller's transaction, as [`forget_registration!`] does for one registration.
macro_rules! forget_recipient {
    ($tx:ident, $key:expr) => {
        async {
            let key: &str = $key;
            sqlx::query("DELETE FROM outbox WHERE recipient_key = $1 AND state = 'queued'")
                .bind(key)
                .execute(&mut *$tx)
                .await?;
            sqlx::query(
                "UPDATE outbox SET recipient = '', recipient_key = '', notice = '{}' \
                 WHERE recipient_key = $1",
            )
            .bind(key)
            .execute(&mut *$tx)
            .await?;
            Ok::<(), $crate::Error>(())
        }
        .await
    };
}
pub(crate) use forget_recipient;

#[cfg(test)]
mod tests;
