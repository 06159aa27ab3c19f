//! Seats a batch decided in memory and has not written yet ([`Unwritten`]), written together in
//! one round trip ([`WriteSeats`]); and the waiting lines the batch counts in memory
//! ([`Waiting`]) so that deciding a place in line needs no query per request.
//!
//! A batch decides its plain requests (public, inside the window, no idempotency key) by the
//! same rules as [`crate::registrations::seat!`] ([`crate::registrations::Locked::place`]), keeps
//! their rows here, and writes them before anything else reads the session's registrations: the
//! registrations, the session's counters and the audit lines, as `seat!` writes them one by one.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use skillhub_core::capacity::{SeatKind, Status, Tier};

use crate::registrations::{RegistrationView, SeatWrite, audited};
use crate::{Error, Result, stored_time};

/// A registration row, as [`WRITE_SQLITE`] and [`WRITE_POSTGRES`] read it from JSON.
#[derive(Serialize)]
struct Row {
    id: i64,
    session_id: String,
    email: String,
    name: String,
    attributes: String,
    kind: &'static str,
    tier: u8,
    sequence: i64,
    status: &'static str,
    manage_token_hash: String,
    created_at: String,
    updated_at: String,
    email_key: String,
    lang: &'static str,
    hold_expires_at: Option<String>,
    address_check: &'static str,
    codice_fiscale: Option<String>,
}

/// An audit line `registration.create`, as the statements read it from JSON.
#[derive(Serialize)]
struct Audited {
    at: String,
    actor: String,
    entity_id: String,
    after: Option<String>,
}

/// Seats decided and not yet written, all of one session.
#[derive(Default)]
pub(crate) struct Unwritten {
    rows: Vec<Row>,
    audit: Vec<Audited>,
    /// The counters' deltas: seated and waiting in person and online, then held.
    deltas: (i64, i64, i64, i64),
    held: (i64, i64),
}

impl Unwritten {
    /// Keeps `seat` (its id given) for the next write.
    pub(crate) fn push(&mut self, seat: &SeatWrite<'_>) {
        let view: &RegistrationView = &seat.view;
        let hold_expires_at = match view.status {
            Status::Held { expires_at } => Some(stored_time(expires_at)),
            _ => None,
        };
        self.rows.push(Row {
            id: view.id,
            session_id: view.session_id.to_string(),
            email: view.email.clone(),
            name: view.name.clone(),
            attributes: view.attributes.clone(),
            kind: view.kind.as_str(),
            tier: view.tier.get(),
            sequence: seat.sequence,
            status: view.status.name(),
            manage_token_hash: seat.token_hash.to_owned(),
            created_at: stored_time(view.created_at),
            updated_at: stored_time(view.updated_at),
            email_key: seat.email_key.clone(),
            lang: view.lang.code(),
            hold_expires_at,
            address_check: seat.address_check,
            codice_fiscale: view.codice_fiscale.as_ref().map(|c| c.as_str().to_owned()),
        });
        self.audit.push(Audited {
            at: stored_time(view.created_at),
            actor: seat.actor.to_owned(),
            entity_id: view.id.to_string(),
            after: audited(view),
        });
        let (a, b, c, d) = seat.deltas;
        self.deltas = (
            self.deltas.0 + a,
            self.deltas.1 + b,
            self.deltas.2 + c,
            self.deltas.3 + d,
        );
        self.held = (self.held.0 + seat.held.0, self.held.1 + seat.held.1);
    }

    /// Whether nothing waits to be written.
    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows as JSON, the audit lines as JSON, and how many rows the write must touch (each
    /// registration, its audit line, and the session once).
    fn as_json(&self) -> Result<(String, String, u64)> {
        let corrupt = |err: serde_json::Error| Error::Corrupt {
            table: "registrations",
            message: format!("seats cannot be written as JSON: {err}"),
        };
        let rows = serde_json::to_string(&self.rows).map_err(corrupt)?;
        let audit = serde_json::to_string(&self.audit).map_err(corrupt)?;
        Ok((rows, audit, 2 * self.rows.len() as u64 + 1))
    }

    /// The session of the seats (all are of one).
    fn session(&self) -> &str {
        self.rows.first().map_or("", |row| row.session_id.as_str())
    }

    /// Checks what a write touched and forgets the rows written.
    fn written(&mut self, touched: u64, expected: u64) -> Result<()> {
        let session = self.session().to_owned();
        *self = Unwritten::default();
        if touched == expected {
            Ok(())
        } else {
            Err(Error::Corrupt {
                table: "sessions",
                message: format!(
                    "seating a batch of session {session} touched {touched} rows instead of \
                     {expected}"
                ),
            })
        }
    }
}

/// SQLite: the registrations, the session's counters and the audit lines, three statements in
/// one call (`$n` number the whole text). `$1`: the rows; `$2`–`$7` the counters' deltas; `$8`
/// how many registrations; `$9` the session; `$10` the audit lines.
const WRITE_SQLITE: &str = "INSERT INTO registrations (id, session_id, email, name, attributes, \
     kind, tier, sequence, status, manage_token_hash, created_at, updated_at, email_key, lang, \
     hold_expires_at, address_check, codice_fiscale) \
     SELECT value ->> '$.id', value ->> '$.session_id', value ->> '$.email', value ->> '$.name', \
     value ->> '$.attributes', value ->> '$.kind', value ->> '$.tier', value ->> '$.sequence', \
     value ->> '$.status', value ->> '$.manage_token_hash', value ->> '$.created_at', \
     value ->> '$.updated_at', value ->> '$.email_key', value ->> '$.lang', \
     value ->> '$.hold_expires_at', value ->> '$.address_check', value ->> '$.codice_fiscale' \
     FROM json_each($1) ORDER BY key; \
     UPDATE sessions SET seated_in_person = seated_in_person + $2, \
     seated_online = seated_online + $3, waiting_in_person = waiting_in_person + $4, \
     waiting_online = waiting_online + $5, held_in_person = held_in_person + $6, \
     held_online = held_online + $7, next_sequence = next_sequence + $8 WHERE id = $9; \
     INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) \
     SELECT value ->> '$.at', value ->> '$.actor', 'registration.create', 'registration', \
     value ->> '$.entity_id', NULL, value ->> '$.after' FROM json_each($10) ORDER BY key";

/// [`WRITE_SQLITE`] on PostgreSQL, in one statement of data-modifying CTEs that answers how
/// many rows it touched.
const WRITE_POSTGRES: &str = "WITH reg AS (INSERT INTO registrations (id, session_id, email, \
     name, attributes, kind, tier, sequence, status, manage_token_hash, created_at, updated_at, \
     email_key, lang, hold_expires_at, address_check, codice_fiscale) OVERRIDING SYSTEM VALUE \
     SELECT CAST(r.value ->> 'id' AS BIGINT), r.value ->> 'session_id', r.value ->> 'email', \
     r.value ->> 'name', r.value ->> 'attributes', r.value ->> 'kind', \
     CAST(r.value ->> 'tier' AS BIGINT), CAST(r.value ->> 'sequence' AS BIGINT), \
     r.value ->> 'status', r.value ->> 'manage_token_hash', \
     CAST(r.value ->> 'created_at' AS TIMESTAMPTZ), CAST(r.value ->> 'updated_at' AS TIMESTAMPTZ), \
     r.value ->> 'email_key', r.value ->> 'lang', \
     CAST(r.value ->> 'hold_expires_at' AS TIMESTAMPTZ), r.value ->> 'address_check', \
     r.value ->> 'codice_fiscale' \
     FROM jsonb_array_elements(CAST($1 AS jsonb)) WITH ORDINALITY AS r(value, n) ORDER BY r.n \
     RETURNING id), \
     counts AS (UPDATE sessions SET seated_in_person = seated_in_person + $2, \
     seated_online = seated_online + $3, waiting_in_person = waiting_in_person + $4, \
     waiting_online = waiting_online + $5, held_in_person = held_in_person + $6, \
     held_online = held_online + $7, next_sequence = next_sequence + $8 WHERE id = $9 \
     RETURNING id), \
     logged AS (INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) \
     SELECT CAST(a.value ->> 'at' AS TIMESTAMPTZ), a.value ->> 'actor', 'registration.create', \
     'registration', a.value ->> 'entity_id', NULL, a.value ->> 'after' \
     FROM jsonb_array_elements(CAST($10 AS jsonb)) WITH ORDINALITY AS a(value, n) ORDER BY a.n \
     RETURNING id) \
     SELECT (SELECT COUNT(*) FROM reg) + (SELECT COUNT(*) FROM counts) \
     + (SELECT COUNT(*) FROM logged)";

/// Binds the ten parameters of [`WRITE_SQLITE`] and [`WRITE_POSTGRES`] (the same on both).
macro_rules! bind_write {
    ($query:expr, $unwritten:expr, $rows:expr, $audit:expr) => {{
        let unwritten: &Unwritten = $unwritten;
        let (a, b, c, d) = unwritten.deltas;
        $query
            .bind($rows)
            .bind(a)
            .bind(b)
            .bind(c)
            .bind(d)
            .bind(unwritten.held.0)
            .bind(unwritten.held.1)
            .bind(unwritten.rows.len() as i64)
            .bind(unwritten.session().to_owned())
            .bind($audit)
    }};
}

/// Writes the [`Unwritten`] seats on one backend's connection in one round trip.
pub(crate) trait WriteSeats {
    /// Writes them (nothing when there are none) and empties `unwritten`.
    fn write_seats(
        &mut self,
        unwritten: &mut Unwritten,
    ) -> impl std::future::Future<Output = Result<()>> + Send;
}

impl WriteSeats for sqlx::SqliteConnection {
    async fn write_seats(&mut self, unwritten: &mut Unwritten) -> Result<()> {
        if unwritten.is_empty() {
            return Ok(());
        }
        let (rows, audit, expected) = unwritten.as_json()?;
        let done = bind_write!(sqlx::query(WRITE_SQLITE), unwritten, rows, audit)
            .execute(&mut *self)
            .await?;
        unwritten.written(done.rows_affected(), expected)
    }
}

impl WriteSeats for sqlx::PgConnection {
    async fn write_seats(&mut self, unwritten: &mut Unwritten) -> Result<()> {
        if unwritten.is_empty() {
            return Ok(());
        }
        let (rows, audit, expected) = unwritten.as_json()?;
        let touched: i64 = bind_write!(sqlx::query_scalar(WRITE_POSTGRES), unwritten, rows, audit)
            .fetch_one(&mut *self)
            .await?;
        unwritten.written(u64::try_from(touched).unwrap_or(0), expected)
    }
}

/// How many wait in each tier of the session's lines, per kind of seat: read from the store
/// once per kind ([`WAITING`], after every seat decided so far was written), then counted in
/// memory as the batch waitlists people.
#[derive(Debug, Default)]
pub(crate) struct Waiting {
    by_kind: HashMap<SeatKind, BTreeMap<u8, i64>>,
}

/// The session's waiting line of a kind, counted by tier (`$1` the session, `$2` the kind).
pub(crate) const WAITING: &str = "SELECT tier, COUNT(*) FROM registrations WHERE session_id = $1 \
     AND kind = $2 AND status = 'waitlisted' GROUP BY tier";

impl Waiting {
    /// How many of `kind` wait in `tier` or a better one (a smaller number), if that line was
    /// read.
    pub(crate) fn ahead(&self, kind: SeatKind, tier: Tier) -> Option<i64> {
        self.by_kind
            .get(&kind)
            .map(|tiers| tiers.range(..=tier.get()).map(|(_, n)| n).sum())
    }

    /// Keeps the line of `kind` as [`WAITING`] read it.
    pub(crate) fn read(&mut self, kind: SeatKind, counted: Vec<(i64, i64)>) {
        let tiers = counted
            .into_iter()
            .filter_map(|(tier, n)| u8::try_from(tier).ok().map(|tier| (tier, n)))
            .collect();
        self.by_kind.insert(kind, tiers);
    }

    /// Counts one more waiting in `tier` of `kind`, when that line was read.
    pub(crate) fn joined(&mut self, kind: SeatKind, tier: Tier) {
        if let Some(tiers) = self.by_kind.get_mut(&kind) {
            *tiers.entry(tier.get()).or_default() += 1;
        }
    }

    /// Forgets every line: something other than the batch's own seats changed them.
    pub(crate) fn forget(&mut self) {
        self.by_kind.clear();
    }
}
