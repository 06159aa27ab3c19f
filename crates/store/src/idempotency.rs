//! Idempotency keys: the answer to a write, remembered with the write in its transaction, so a
//! client that sends the same request again (same scope, key and request hash) within
//! [`IDEMPOTENCY_TTL_HOURS`] gets that answer back instead of a second write, and one that sends
//! another request under the same key is refused ([`Error::IdempotencyMismatch`]).
//!
//! The two steps ([`Answers::recall`] before the write, [`Answers::remember`] after it) are
//! methods of the connection a transaction holds, on either backend: `tx.recall(idem, now)`.

use std::future::Future;

use chrono::{DateTime, Duration, Utc};

use crate::{Error, Result, Store, write_tx};

/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_TTL_HOURS: i64 = 24;

/// An idempotency key, scoped to a route and a caller, with a hash of the request body.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// Route and caller, e.g. `POST /v1/sessions/x/registrations 127.0.0.1`.
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// A hash of the request, to tell a replay from a different request under the same key.
    pub request_hash: String,
}

/// A remembered answer, replayed for a repeated idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: String,
}

/// The idempotency steps, on the connection of an open write transaction.
pub(crate) trait Answers {
    /// The answer remembered for `idem`, if it is fresh at `now` (a stale one is forgotten); a
    /// different request under the same key fails with [`Error::IdempotencyMismatch`]. Without
    /// a key, nothing.
    fn recall(
        &mut self,
        idem: Option<&Idempotency>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Replay>>> + Send;

    /// Forgets what was remembered for `idem` (an answer a new write replaces).
    fn forget(&mut self, idem: Option<&Idempotency>) -> impl Future<Output = Result<()>> + Send;

    /// Remembers `replay` for `idem` (without a key, nothing), committed with the write.
    fn remember(
        &mut self,
        idem: Option<&Idempotency>,
        replay: &Replay,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
}

const RECALL: &str = "SELECT request_hash, status, body, created_at FROM idempotency_keys \
     WHERE scope = $1 AND key = $2";
const FORGET: &str = "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2";
const REMEMBER: &str = "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, \
     created_at) VALUES ($1, $2, $3, $4, $5, $6)";

/// The newest instant at which a remembered answer is already stale at `now`.
fn stale_from(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::hours(IDEMPOTENCY_TTL_HOURS)
}

impl Store {
    /// Forgets the idempotency keys that are stale at `now`; returns how many.
    pub async fn purge_idempotency(&self, now: DateTime<Utc>) -> Result<u64> {
        let before = stale_from(now);
        write_tx!(self, |tx, _lock| {
            let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at <= $1")
                .bind(before)
                .execute(&mut *tx)
                .await?;
            Ok::<u64, Error>(done.rows_affected())
        })
    }
}

/// What [`Answers::recall`] makes of a stored row.
fn judge(
    idem: &Idempotency,
    stored: (String, i64, String, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<Option<Replay>> {
    let (hash, status, body, at) = stored;
    if at <= stale_from(now) {
        return Ok(None);
    }
    if hash != idem.request_hash {
        return Err(Error::IdempotencyMismatch(idem.key.clone()));
    }
    let status = u16::try_from(status).map_err(|_| Error::Corrupt {
        table: "idempotency_keys",
        message: format!("{}: status {status}", idem.key),
    })?;
    Ok(Some(Replay { status, body }))
}

// One implementation for both drivers' connection types: the SQL is the same, the types are not
// (sqlx has no connection trait object).
macro_rules! answers_on {
    ($connection:ty) => {
        impl Answers for $connection {
            async fn recall(
                &mut self,
                idem: Option<&Idempotency>,
                now: DateTime<Utc>,
            ) -> Result<Option<Replay>> {
                let Some(idem) = idem else { return Ok(None) };
                let stored: Option<(String, i64, String, DateTime<Utc>)> = sqlx::query_as(RECALL)
                    .bind(&idem.scope)
                    .bind(&idem.key)
                    .fetch_optional(&mut *self)
                    .await?;
                let Some(stored) = stored else {
                    return Ok(None);
                };
                let replay = judge(idem, stored, now)?;
                if replay.is_none() {
                    self.forget(Some(idem)).await?;
                }
                Ok(replay)
            }

            async fn forget(&mut self, idem: Option<&Idempotency>) -> Result<()> {
                let Some(idem) = idem else { return Ok(()) };
                sqlx::query(FORGET)
                    .bind(&idem.scope)
                    .bind(&idem.key)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn remember(
                &mut self,
                idem: Option<&Idempotency>,
                replay: &Replay,
                now: DateTime<Utc>,
            ) -> Result<()> {
                let Some(idem) = idem else { return Ok(()) };
                sqlx::query(REMEMBER)
                    .bind(&idem.scope)
                    .bind(&idem.key)
                    .bind(&idem.request_hash)
                    .bind(i64::from(replay.status))
                    .bind(&replay.body)
                    .bind(now)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }
        }
    };
}

answers_on!(sqlx::SqliteConnection);
answers_on!(sqlx::PgConnection);
