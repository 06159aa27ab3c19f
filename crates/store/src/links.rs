//! Links asked for by e-mail address on the public pages: the manage links of an address's live
//! registrations ("Ho perso il link") and a one-time link to everything held about the address
//! ("I miei dati").
//!
//! Anyone may type any address, so **the caller learns nothing**: a request returns `()` whether
//! the address is known or not, and the message goes to the address itself, never to the asker.
//! An address that holds nothing gets nothing (not even "we found nothing"): a stranger's address
//! typed in the form is then never written to, so the pages cannot be used to send mail to
//! people who never registered. **An address gets at most [`REQUESTS_PER_HOUR`] requests of each
//! kind an hour**, whoever asks: counted in the database (`address_requests`, keyed by the
//! SHA-256 of `Email::key`, never the address), under a lock on that key (an advisory lock on
//! PostgreSQL, `BEGIN IMMEDIATE` on SQLite), so the limit holds across server processes; a
//! request over it is dropped silently, and old counts are pruned by later requests.
//!
//! A data link's secret is issued when its message is sent ([`Store::issue_data_token`], as
//! manage links are), never stored readable: `data_tokens` keeps its SHA-256, the address's key,
//! and when it expires (an hour after the request). It may be opened and the data downloaded any
//! number of times within the hour; an erasure of the address ([`Store::erase_person`]) spends
//! every link of the address and forgets whose they were.

use chrono::{DateTime, Duration, Utc};
use skillhub_core::capacity::SeatKind;
use skillhub_core::lang::Lang;
use skillhub_core::person::Email;
use skillhub_notify::{Canceller, Event, Notice};

use crate::notices::{FACTS, FactsRow, letter};
use crate::outbox::post;

use crate::{Erasure, Error, Result, Store, hash_token, new_token, read, write_tx};

/// Requests of one kind an address may make in an hour (the window slides).
pub const REQUESTS_PER_HOUR: i64 = 3;
/// How long a data link works after it was asked for.
pub const DATA_LINK_VALIDITY: Duration = Duration::hours(1);
/// How long an expired or spent data link is still told apart from an unknown one (a clear
/// "expired" page instead of "not found"), before its row is deleted.
const DATA_TOKEN_KEPT: Duration = Duration::days(1);

/// What a data link opens, as [`Store::data_link`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataLink {
    /// It works: everything held about `email` may be shown, downloaded or erased.
    Open {
        /// The address (its key, as the registrations hold it).
        email: Email,
        /// When it stops working.
        valid_until: DateTime<Utc>,
    },
    /// It worked once and no longer does: expired, or spent by an erasure.
    Gone,
    /// No such link (mistyped, or expired more than a day ago).
    Unknown,
}

/// Who the audit log says acted when a data link's holder erased (no address: the log holds no
/// personal data).
const DATA_LINK_ACTOR: &str = "person:data-link";

/// Which kind of request an address makes (the `purpose` of `address_requests`).
#[derive(Debug, Clone, Copy)]
enum Purpose {
    LostLinks,
    DataLink,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::LostLinks => "lost_links",
            Purpose::DataLink => "data_link",
        }
    }
}

/// The lock statements of a request: SQLite's `BEGIN IMMEDIATE` already serialises writers (the
/// statement only uses its parameter), PostgreSQL takes a transaction-scoped advisory lock on the
/// address's hash.
const LOCK_SQLITE: &str = "SELECT length($1)";
const LOCK_POSTGRES: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";

/// The live registrations of the address with key `$1` (as `people::IDS_OF` finds a person's)
/// whose session has not ended at `$2`, soonest first.
const LIVE: &str = "SELECT r.id, r.email, r.name, r.kind, r.session_id FROM registrations r \
     JOIN sessions s ON s.id = r.session_id \
     WHERE (r.email_key = $1 OR r.id IN \
        (SELECT registration_id FROM email_key_collisions WHERE email_key = $1)) \
     AND r.status IN ('held', 'confirmed', 'waitlisted') AND s.ends_at > $2 \
     ORDER BY s.starts_at, r.id";

/// The newest registration of the address with key `$1`, if any: whom a data link is written to.
const NEWEST: &str = "SELECT email, name FROM registrations WHERE email_key = $1 OR id IN \
     (SELECT registration_id FROM email_key_collisions WHERE email_key = $1) \
     ORDER BY id DESC LIMIT 1";

/// A row of [`LIVE`].
#[derive(Debug, sqlx::FromRow)]
struct LiveRow {
    id: i64,
    email: String,
    name: String,
    kind: String,
    session_id: String,
}

/// The SHA-256 of an address's key: how `address_requests` names it.
fn key_hash(key: &str) -> String {
    hash_token(key)
}

/// Inside `$tx`: whether the address (`$hash`) may make one more `$purpose` request at `$now`;
/// when it may, the request is counted. Old counts are pruned first. Evaluates to
/// `Result<bool>`. A macro, like `post!`, so it expands for either backend's transaction.
macro_rules! count_request {
    ($tx:ident, $lock:ident, $hash:expr, $purpose:expr, $now:expr) => {
        async {
            let hash: &str = $hash;
            let purpose: Purpose = $purpose;
            let now: DateTime<Utc> = $now;
            sqlx::query($lock).bind(hash).execute(&mut *$tx).await?;
            let since = now - Duration::hours(1);
            sqlx::query("DELETE FROM address_requests WHERE requested_at <= $1")
                .bind(since)
                .execute(&mut *$tx)
                .await?;
            let made: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM address_requests WHERE key_hash = $1 AND purpose = $2",
            )
            .bind(hash)
            .bind(purpose.as_str())
            .fetch_one(&mut *$tx)
            .await?;
            if made >= REQUESTS_PER_HOUR {
                return Ok::<bool, Error>(false);
            }
            sqlx::query(
                "INSERT INTO address_requests (purpose, key_hash, requested_at) VALUES ($1, $2, $3)",
            )
            .bind(purpose.as_str())
            .bind(hash)
            .bind(now)
            .execute(&mut *$tx)
            .await?;
            Ok::<bool, Error>(true)
        }
        .await
    };
}

impl Store {
    /// "Ho perso il link": in one transaction, posts one message to `email` listing the manage
    /// links of its live registrations (confirmed or waiting, for sessions that have not ended at
    /// `now`), in `lang`; the sender issues a fresh link for each. An address without any posts
    /// nothing, and neither does a request over the address's hourly limit
    /// ([`REQUESTS_PER_HOUR`]). The answer is the same in every case, so a caller cannot learn
    /// whether the address is registered.
    pub async fn request_lost_links(
        &self,
        email: &Email,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let key = email.key();
        let hash = key_hash(&key);
        // The body is an async block so that its early returns still commit the count.
        write_tx!(self, LOCK_SQLITE, LOCK_POSTGRES, |tx, lock| async {
            if !count_request!(tx, lock, &hash, Purpose::LostLinks, now)? {
                return Ok(());
            }
            let live: Vec<LiveRow> = sqlx::query_as(LIVE)
                .bind(&key)
                .bind(now)
                .fetch_all(&mut *tx)
                .await?;
            // The newest registration says how the person wrote their address and name.
            let Some(newest) = live.iter().max_by_key(|row| row.id) else {
                return Ok(());
            };
            let (recipient, name) = (newest.email.clone(), newest.name.clone());
            let mut registrations = Vec::with_capacity(live.len());
            for row in &live {
                let kind = SeatKind::parse(&row.kind).ok_or_else(|| Error::Corrupt {
                    table: "registrations",
                    message: format!("registration {}: unknown seat kind {:?}", row.id, row.kind),
                })?;
                let facts: FactsRow = sqlx::query_as(FACTS)
                    .bind(&row.session_id)
                    .fetch_one(&mut *tx)
                    .await?;
                registrations.push((row.id, facts.facts(kind)?));
            }
            let notice = Notice {
                lang,
                name,
                event: Event::LostLinks { registrations },
            };
            let letter = letter(None, &recipient, &key, notice, now)?;
            post!(tx, [letter], now)?;
            Ok::<(), Error>(())
        }
        .await)
    }

    /// "I miei dati": in one transaction, posts to `email` a message with a one-time link to
    /// everything held about it, valid [`DATA_LINK_VALIDITY`] from `now`, in `lang` (the sender
    /// issues the link's secret). An address that holds no registration posts nothing, and
    /// neither does a request over the address's hourly limit; the answer is the same in every
    /// case.
    pub async fn request_data_link(
        &self,
        email: &Email,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let key = email.key();
        let hash = key_hash(&key);
        write_tx!(self, LOCK_SQLITE, LOCK_POSTGRES, |tx, lock| async {
            if !count_request!(tx, lock, &hash, Purpose::DataLink, now)? {
                return Ok(());
            }
            let newest: Option<(String, String)> = sqlx::query_as(NEWEST)
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((recipient, name)) = newest else {
                return Ok(());
            };
            let notice = Notice {
                lang,
                name,
                event: Event::DataLink {
                    valid_until: now + DATA_LINK_VALIDITY,
                },
            };
            let letter = letter(None, &recipient, &key, notice, now)?;
            post!(tx, [letter], now)?;
            Ok::<(), Error>(())
        }
        .await)
    }

    /// The secret of the data link that outbox message `outbox_id` (a `data_link` notice) carries,
    /// valid until `valid_until` (the notice's): a new one per call (a retried message gets its
    /// own), stored hashed. `None` when the message is not a data link, its address was erased
    /// since, or `valid_until` has passed at `now` (a link sent late would not work anyway).
    pub async fn issue_data_token(
        &self,
        outbox_id: i64,
        valid_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        if valid_until <= now {
            return Ok(None);
        }
        write_tx!(self, |tx, _lock| async {
            sqlx::query("DELETE FROM data_tokens WHERE expires_at <= $1")
                .bind(now - DATA_TOKEN_KEPT)
                .execute(&mut *tx)
                .await?;
            let key: Option<String> = sqlx::query_scalar(
                "SELECT recipient_key FROM outbox WHERE id = $1 AND kind = 'data_link'",
            )
            .bind(outbox_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(key) = key.filter(|key| !key.is_empty()) else {
                return Ok(None);
            };
            let token = new_token();
            sqlx::query(
                "INSERT INTO data_tokens (token_hash, email_key, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(hash_token(&token))
            .bind(&key)
            .bind(now)
            .bind(valid_until)
            .execute(&mut *tx)
            .await?;
            Ok::<Option<String>, Error>(Some(token))
        }
        .await)
    }

    /// What the data link with secret `token` opens at `now`.
    pub async fn data_link(&self, token: &str, now: DateTime<Utc>) -> Result<DataLink> {
        let hash = hash_token(token);
        let row: Option<(String, DateTime<Utc>, Option<DateTime<Utc>>)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT email_key, expires_at, used_at FROM data_tokens WHERE token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await?
        });
        let Some((key, expires_at, used_at)) = row else {
            return Ok(DataLink::Unknown);
        };
        if used_at.is_some() || expires_at <= now {
            return Ok(DataLink::Gone);
        }
        let email = Email::parse(&key).map_err(|err| Error::Corrupt {
            table: "data_tokens",
            message: format!("a link's address does not read: {err}"),
        })?;
        Ok(DataLink::Open {
            email,
            valid_until: expires_at,
        })
    }

    /// Erases everything held about the address of the data link `token`, as its holder asks
    /// at `now`: its live registrations are cancelled first (their seats go on to the waiting
    /// lists, as a manage link's erasure does), then [`Store::erase_person`] anonymises them all
    /// and spends every data link of the address, this one included. `None` (nothing done) when
    /// the link is not open.
    pub async fn erase_by_data_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Erasure>> {
        let DataLink::Open { email, .. } = self.data_link(token, now).await? else {
            return Ok(None);
        };
        let key = email.key();
        let live: Vec<LiveRow> = read!(self, |pool| {
            sqlx::query_as(LIVE)
                .bind(&key)
                .bind(now)
                .fetch_all(pool)
                .await?
        });
        for row in live {
            match self
                .cancel(DATA_LINK_ACTOR, Canceller::Person, row.id, now)
                .await
            {
                Ok(_) | Err(Error::Transition { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(Some(self.erase_person(DATA_LINK_ACTOR, &email, now).await?))
    }
}

/// Spends every data link of the address with key `$key` at `$now` inside the caller's
/// transaction, and forgets whose they were (an erasure: the links stop working and keep no
/// address). Evaluates to `Result<()>`.
macro_rules! forget_data_links {
    ($tx:ident, $key:expr, $now:expr) => {
        async {
            let key: &str = $key;
            sqlx::query(
                "UPDATE data_tokens SET email_key = '', used_at = COALESCE(used_at, $2) \
                 WHERE email_key = $1",
            )
            .bind(key)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
            Ok::<(), $crate::Error>(())
        }
        .await
    };
}
pub(crate) use forget_data_links;
