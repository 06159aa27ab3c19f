//! `skillhub-store`: skillhub's persistence, on SQLite (the embedded default) or PostgreSQL.
//!
//! One [`Store`] API serves the HTTP server and the CLI. The main design decision: **every seat
//! decision is made by `skillhub-core`'s capacity rules inside one database transaction** that
//! holds the session's lock — `BEGIN IMMEDIATE` on SQLite (one writer at a time), a
//! `SELECT … FOR UPDATE` on the session row in PostgreSQL — and never by reading in one
//! transaction and writing in another. So "never more confirmed than seats" and "waiting
//! positions 1..n" hold under any concurrency, across any number of server processes sharing one
//! PostgreSQL database.
//!
//! The session row carries the counters that [`skillhub_core::capacity::Occupancy`] needs
//! (seated and waiting per seat kind) and the next arrival sequence; they change only in the
//! transaction that changes the registrations they count. Waiting positions are derived
//! (`1 +` the waiting entries with a smaller `(tier, sequence)`), never stored.
//!
//! SQL is written once per backend where the dialects differ (migrations under
//! `migrations/{sqlite,postgres}`) and once for both elsewhere (`$1` placeholders work on both);
//! queries are runtime queries decoded with `FromRow`, no compile-time macros.
//!
//! Durability: SQLite runs in WAL mode with `synchronous = NORMAL`, so a committed transaction is
//! in the operating system's hands before the response is sent and survives `kill -9` of the
//! server (not a power cut: use `--sqlite-sync full` for that); PostgreSQL commits with its own
//! settings.

#![deny(missing_docs)]

mod attendance;
mod audit;
mod catalog;
mod changes;
mod completions;
mod exports;
mod grants;
mod group;
mod holds;
mod idempotency;
mod imports;
mod links;
mod notices;
mod open;
mod outbox;
mod people;
mod programs;
mod registrations;
mod reminders;
#[cfg(test)]
mod scratch;
mod staff;
mod tokens;
mod turnout;

use std::fmt;

use skillhub_core::window::WindowState;

pub use audit::AuditEntry;
pub use catalog::{NewSession, SessionFilter, SessionView};
pub use changes::{SessionCancellation, SessionChange};
pub use completions::{CompletionImport, HeldCompletion};
pub use exports::SessionRegistrations;
pub use grants::{
    Assignment, CriterionView, EvaluatorView, GrantApplicationView, GrantBatchError, GrantCallView,
    GrantError, GrantRanking, GrantReason, GrantWithdrawal, GrantWrite, NewEvaluator,
    NewGrantApplication, NewGrantReport, OverdueReport, RankingSeed, ReportView,
    SubmittedApplication, stage_name,
};
pub use group::MAX_BATCH;
pub use idempotency::{IDEMPOTENCY_TTL_HOURS, Idempotency, Replay};
pub use imports::{ImportError, ImportedRegistration, RegistrationPlan};
pub use links::{DATA_LINK_VALIDITY, DataLink, REQUESTS_PER_HOUR};
pub use open::{OpenOptions, Seed, SqliteSync, Timeouts};
pub use outbox::{Claimed, MailFailure, MailStatus, Message, Outcome};
pub use people::{
    ERASED_DOMAIN, EmailCollision, Erasure, HeldRegistration, PersonData, RegistrationData,
};
pub use programs::{
    ChangeText, HubInUse, ProgramPlan, ProgramRefusal, ProgramVersion, PutMode, PutProgram, Run,
    StoredHub, StoredProgram,
};
pub use registrations::{
    Allocation, Cancellation, RegisterRequest, Registered, RegistrationView, Timing,
};
pub use staff::{
    LOCKOUT, LOGIN_IDLE, LOGIN_LIFETIME, LoginCandidate, LoginSession, MAX_FAILED_LOGINS, NewStaff,
    SETUP_LINK_VALIDITY, SetupLink, StaffAccount, StaffRefusal,
};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database URL is neither `sqlite:` nor `postgres:`.
    #[error("unsupported database URL {0:?} (expected sqlite://FILE or postgres://…)")]
    Url(String),
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value no longer parses (the database was edited by hand?).
    #[error("corrupt row in {table}: {message}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What did not parse.
        message: String,
    },
    /// The seed programs do not load.
    #[error("the seed programs are invalid:\n{0}")]
    Seeds(#[from] skillhub_core::fixture::CatalogError),
    /// No such session.
    #[error("no session has id {0:?}")]
    UnknownSession(String),
    /// No such program.
    #[error("no program has id {0:?}")]
    UnknownProgram(String),
    /// No such hub.
    #[error("no hub has id {0:?}")]
    UnknownHub(String),
    /// No such registration.
    #[error("no registration has id {0}")]
    UnknownRegistration(i64),
    /// A session with this id exists already.
    #[error("a session with id {0:?} exists already")]
    DuplicateSession(String),
    /// The person already holds a live registration for the session. (The message does not
    /// quote the address: it reaches whoever typed it, who may not be its owner.)
    #[error("this e-mail address is already registered for session {session}")]
    AlreadyRegistered {
        /// The session.
        session: String,
        /// The e-mail.
        email: String,
    },
    /// The codice fiscale already holds a live registration for the session (under another
    /// address). The message does not quote the code, for the reason above.
    #[error("this codice fiscale is already registered for session {session}")]
    CodiceFiscaleRegistered {
        /// The session.
        session: String,
    },
    /// The batch that was to decide a registration stopped without an answer (only when the
    /// runtime shuts down): nothing of it was written.
    #[error("the registration was not decided: the server is shutting down")]
    GroupAbandoned,
    /// The session offers no seats of the kind asked for.
    #[error("session {session} has no {kind} seats")]
    NoSuchSeats {
        /// The session.
        session: String,
        /// The seat kind asked for.
        kind: &'static str,
    },
    /// The operation is not allowed in the registration's current state.
    #[error("registration {id} is {status}: it cannot be {action}")]
    Transition {
        /// The registration.
        id: i64,
        /// Its status.
        status: String,
        /// What was asked.
        action: &'static str,
    },
    /// The session gives its seats first come, first served: there is no draw to run.
    #[error("session {0} is first come, first served: it has no draw")]
    NotBatch(String),
    /// The draw already ran.
    #[error("the draw of session {session} already ran (seed {seed})")]
    AlreadyAllocated {
        /// The session.
        session: String,
        /// The seed it used.
        seed: String,
    },
    /// The session does not take registrations now (before its window opens, after it
    /// closes, or once it has started).
    #[error("registration for session {session} is closed: {}", closed_text(.state))]
    RegistrationClosed {
        /// The session.
        session: String,
        /// Where its window stands.
        state: WindowState,
    },
    /// A batch session's draw cannot be committed to or run now (see [`DrawRefusal`]).
    #[error("session {session}: {refusal}")]
    Draw {
        /// The session.
        session: String,
        /// Why.
        refusal: DrawRefusal,
    },
    /// The idempotency key was used before with a different request.
    #[error("the Idempotency-Key {0:?} was already used with a different request")]
    IdempotencyMismatch(String),
    /// Staff cancelled the session: it takes no registration and no change any more.
    #[error("session {0} was cancelled")]
    SessionCancelled(String),
    /// A change of a session's time or place that would break what a session is.
    #[error("session {session}: {message}")]
    InvalidChange {
        /// The session.
        session: String,
        /// What is wrong with the change.
        message: String,
    },
    /// The link does not confirm this registration's address (a wrong or unknown secret).
    #[error("this link does not confirm the address of registration {0}")]
    ConfirmationRefused(i64),
    /// The registration's hold ran out before its address was confirmed: its seat was released
    /// and went on; the person may register again.
    #[error(
        "the seat held for registration {id} was released: its address was not confirmed in time \
         (session {session})"
    )]
    HoldExpired {
        /// The registration.
        id: i64,
        /// Its session.
        session: String,
    },
    /// A grant call refused an operation (see [`GrantError`]).
    #[error(transparent)]
    Grants(GrantError),
    /// A staff account operation was refused (see [`StaffRefusal`]).
    #[error(transparent)]
    Staff(StaffRefusal),
    /// A program's definition was refused (see [`ProgramRefusal`]).
    #[error(transparent)]
    Program(ProgramRefusal),
}

fn closed_text(state: &WindowState) -> String {
    match state {
        WindowState::NotYetOpen { opens_at } => format!("it opens at {}", opens_at.to_rfc3339()),
        WindowState::Closed { closed_at } => format!("it closed at {}", closed_at.to_rfc3339()),
        WindowState::Open => "it is open".to_owned(),
    }
}

/// Why a batch session's draw is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DrawRefusal {
    /// No commitment was recorded while registration was open, so any seed could have been
    /// chosen after seeing the applicants.
    #[error(
        "no draw commitment was recorded before registration closed: the draw cannot be verified"
    )]
    NotCommitted,
    /// The commitment is recorded once.
    #[error("the draw commitment is already recorded ({0})")]
    AlreadyCommitted(String),
    /// A commitment recorded after the close would come after the applicants are known.
    #[error("registration has closed: a commitment now would come after the applicants are known")]
    TooLateToCommit,
    /// The pool is final only when registration closes.
    #[error("registration is still open until {}: the draw runs after it closes", .0.to_rfc3339())]
    StillOpen(chrono::DateTime<chrono::Utc>),
    /// The public value is not what the commitment promised.
    #[error("the public value does not match the recorded commitment")]
    ValueRefused,
}

impl Error {
    /// Whether the database is unavailable rather than refusing this request: unreachable
    /// (connection refused or lost, TLS), shutting down, out of connections, or locked by
    /// someone else past the wait of [`Timeouts`]. Such a request may well succeed if sent
    /// again shortly, so a server answers it with 503 and `Retry-After`, not 500.
    pub fn is_unavailable(&self) -> bool {
        use sqlx::migrate::MigrateError;
        match self {
            Error::Database(err)
            | Error::Migrate(MigrateError::Execute(err) | MigrateError::ExecuteMigration(err, _)) => {
                unavailable(err)
            }
            _ => false,
        }
    }
}

/// See [`Error::is_unavailable`].
fn unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            use sqlx::error::DatabaseError as _;
            if let Some(sqlite) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                // The extended result code; its low byte is the primary code:
                // SQLITE_BUSY (5) and SQLITE_LOCKED (6).
                let code = sqlite.code().and_then(|code| code.parse::<i32>().ok());
                return code.is_some_and(|code| matches!(code & 0xff, 5 | 6));
            }
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                // Class 08: connection exceptions; 57P01–57P03: the server is shutting down or
                // not yet accepting connections; 53300: no connection slot left.
                let code = pg.code();
                return code.starts_with("08")
                    || matches!(code, "57P01" | "57P02" | "57P03" | "53300");
            }
            false
        }
        _ => false,
    }
}

/// A `Result` whose error is the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

#[derive(Clone)]
enum Backend {
    Sqlite {
        /// One connection: SQLite has one writer at a time, and a queue in the pool is cheaper
        /// than `SQLITE_BUSY` retries.
        write: sqlx::SqlitePool,
        /// Readers never block the writer in WAL mode.
        read: sqlx::SqlitePool,
    },
    Postgres(sqlx::PgPool),
}

/// The store. Cheap to clone (pools are shared).
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    /// Whether opening it created the database (no migration had run before).
    created: bool,
    /// The registrations waiting for their session's batch ([`group`]).
    groups: group::SharedGroups,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Store({:?})", self.kind())
    }
}

impl Store {
    /// Which database this store talks to.
    pub fn kind(&self) -> BackendKind {
        match self.backend {
            Backend::Sqlite { .. } => BackendKind::Sqlite,
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Whether [`Store::open`] created this database (it had no schema before): what an
    /// adapter checks before adding example data a new database starts with.
    pub fn was_created(&self) -> bool {
        self.created
    }

    /// Closes every connection (waits for them to be returned).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { write, read } => {
                write.close().await;
                read.close().await;
            }
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}

/// Runs `$body` with `$conn` bound to a read pool of whichever backend the store has. The body is
/// compiled once per backend, so the same SQL text is type-checked against both drivers.
macro_rules! read {
    ($store:expr, |$conn:ident| $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite { read, .. } => {
                let $conn = read;
                $body
            }
            $crate::Backend::Postgres(pool) => {
                let $conn = pool;
                $body
            }
        }
    };
}

/// Runs `$body` inside one write transaction (`$tx`), with `$lock` the SQL that locks a
/// session row on this backend (or, with the two lock statements given first, whichever row
/// they lock: `write_tx!(store, SQLITE_LOCK, POSTGRES_LOCK, |tx, lock| …)`); commits when the
/// body returns `Ok`, rolls back otherwise.
macro_rules! write_tx {
    ($store:expr, |$tx:ident, $lock:ident| $body:expr) => {
        $crate::write_tx!(
            $store,
            $crate::LOCK_SESSION_SQLITE,
            $crate::LOCK_SESSION_POSTGRES,
            |$tx, $lock| $body
        )
    };
    ($store:expr, $sqlite_lock:expr, $postgres_lock:expr, |$tx:ident, $lock:ident| $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite { write, .. } => {
                let mut $tx = write.begin_with("BEGIN IMMEDIATE").await?;
                let $lock = $sqlite_lock;
                let result = $body;
                if result.is_ok() {
                    $tx.commit().await?;
                }
                result
            }
            $crate::Backend::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let $lock = $postgres_lock;
                let result = $body;
                if result.is_ok() {
                    $tx.commit().await?;
                }
                result
            }
        }
    };
}

pub(crate) use {read, write_tx};

/// The session row, read under the write lock `BEGIN IMMEDIATE` already holds, with its
/// program's hold and its soonest hold expiry (`registrations::Locked`). The expiry is read
/// from the index of held registrations (`INDEXED BY`): SQLite's planner otherwise walks every
/// registration of the session, at each lock of a session of thousands.
pub(crate) const LOCK_SESSION_SQLITE: &str = "SELECT *, (SELECT hold_minutes FROM programs \
     WHERE programs.id = sessions.program_id) AS hold_minutes, (SELECT MIN(hold_expires_at) \
     FROM registrations INDEXED BY registrations_holds \
     WHERE registrations.session_id = sessions.id \
     AND registrations.status = 'held') AS next_hold_expiry FROM sessions WHERE id = $1";
/// The session row, locked until the transaction ends, with what `LOCK_SESSION_SQLITE` reads.
pub(crate) const LOCK_SESSION_POSTGRES: &str = "SELECT *, (SELECT hold_minutes FROM programs \
     WHERE programs.id = sessions.program_id) AS hold_minutes, (SELECT MIN(hold_expires_at) \
     FROM registrations WHERE registrations.session_id = sessions.id \
     AND registrations.status = 'held') AS next_hold_expiry FROM sessions WHERE id = $1 FOR UPDATE";

/// The address an erased registration `id` is left with (see `people`).
pub(crate) fn erased_address(id: i64) -> String {
    format!("erased-{id}@{ERASED_DOMAIN}")
}

/// `at` as sqlx writes a `DateTime<Utc>` into SQLite (RFC 3339, `AutoSi` fractions,
/// `+00:00`): rows a statement reads from JSON then equal, to the character, those written with
/// bound times, and compare as theirs do (SQLite compares times as text). PostgreSQL reads the
/// same text as a `timestamptz`.
pub(crate) fn stored_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// A secret token (manage tokens, operator tokens): 32 random bytes as hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source only fails on a broken system; then no token can be safe.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    hex::encode(bytes)
}

/// How a token is stored: its SHA-256, hex. Tokens are 256-bit random values, so a plain hash
/// (no salt, no stretching) is enough and lets lookups use an index.
pub fn hash_token(token: &str) -> String {
    use sha2::Digest;
    let mut hex = [0u8; 64];
    // 32 bytes always fit in 64 hex digits, which are ASCII: neither step can fail.
    let _ = hex::encode_to_slice(sha2::Sha256::digest(token.as_bytes()), &mut hex);
    std::str::from_utf8(&hex)
        .map(str::to_owned)
        .unwrap_or_default()
}

#[cfg(test)]
mod hash_tests {
    /// A stored hash is SHA-256 in lowercase hex, as hashes already stored were written.
    #[test]
    fn hash_token_is_sha256_in_lowercase_hex() {
        assert_eq!(
            super::hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
