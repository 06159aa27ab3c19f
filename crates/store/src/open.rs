//! Opening a database: connect, migrate, and load the seed programs into a new one.

use std::str::FromStr;
use std::time::Duration;

use skillhub_core::fixture::{Catalog, SEED_PROGRAMS};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{Backend, Error, Result, Store};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// What a new database starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    /// The six seed programs of `fixtures/programs` (the default).
    #[default]
    Programs,
    /// Nothing (`--empty`).
    Empty,
}

/// How hard SQLite flushes a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// WAL + `synchronous = NORMAL`: a commit survives a crash or `kill -9` of the process;
    /// the last commits may be lost if the machine loses power.
    #[default]
    Normal,
    /// WAL + `synchronous = FULL`: a commit also survives a power cut (one fsync per commit).
    Full,
}

/// Options for [`Store::open`].
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// What a new database starts with.
    pub seed: Seed,
    /// SQLite durability.
    pub sqlite_sync: SqliteSync,
    /// Most connections to PostgreSQL per process (default 8: registrations for one session
    /// queue on its row lock, and waiting in the pool is cheaper than waiting on the lock).
    pub max_connections: Option<u32>,
    /// How long to wait for the database before calling it unavailable
    /// ([`Error::is_unavailable`]). The default is [`Timeouts::batch`], for the CLI's imports;
    /// a server passes [`Timeouts::server`].
    pub timeouts: Timeouts,
}

/// How long the store waits for the database before it gives up with an error that
/// [`Error::is_unavailable`] recognises.
///
/// A batch (the CLI importing a spreadsheet while a server runs) may wait long: nobody is at the
/// other end of a socket. A server must not: a person's browser waits, and a wait longer than a
/// couple of seconds is better answered "try again shortly" (503, `Retry-After`). Queueing for
/// SQLite's one writer connection is not trouble but the normal way writes take turns (a load
/// of 64 clients queues there for tens of milliseconds), so it has its own, longer, bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// How long SQLite waits for a write lock another process holds (its `busy_timeout`)
    /// before `SQLITE_BUSY`.
    pub sqlite_busy: Duration,
    /// How long a query waits for a connection of the pool: PostgreSQL's pool (connecting
    /// included, so a database that does not answer is given up on after this) and SQLite's
    /// readers.
    pub acquire: Duration,
    /// How long a write waits in the queue for SQLite's one writer connection.
    pub sqlite_write_queue: Duration,
}

impl Timeouts {
    /// For batches (the default): 10 s for SQLite's lock, 30 s for a connection or the writer.
    pub const fn batch() -> Timeouts {
        Timeouts {
            sqlite_busy: Duration::from_secs(10),
            acquire: Duration::from_secs(30),
            sqlite_write_queue: Duration::from_secs(30),
        }
    }

    /// For a server: 1.5 s for SQLite's lock or a connection, so that database trouble is
    /// answered within 2 s; 5 s in the queue for SQLite's writer, a hundred times what a heavy
    /// load queues there, and well within a request's timeout.
    pub const fn server() -> Timeouts {
        Timeouts {
            sqlite_busy: Duration::from_millis(1500),
            acquire: Duration::from_millis(1500),
            sqlite_write_queue: Duration::from_secs(5),
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts::batch()
    }
}

impl Store {
    /// Opens `url` (`sqlite://FILE`, `sqlite::memory:`, `postgres://…`), creating the SQLite file
    /// if missing, runs the migrations, and loads the seed programs when the database is new.
    pub async fn open(url: &str, options: &OpenOptions) -> Result<Store> {
        let mut store = if url.starts_with("sqlite:") {
            open_sqlite(url, options).await?
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            open_postgres(url, options).await?
        } else {
            return Err(Error::Url(url.to_owned()));
        };
        let fresh = store.migrate().await?;
        store.created = fresh;
        store.read_hold_minutes().await?;
        if fresh && options.seed == Seed::Programs {
            let catalog = Catalog::parse(SEED_PROGRAMS)?;
            let texts: Vec<&str> = SEED_PROGRAMS.iter().map(|(_, text)| *text).collect();
            store.load_programs_if_empty(&catalog, &texts).await?;
        }
        Ok(store)
    }

    /// Whether the database answers and takes writes now: a write lock taken and given back at
    /// once on SQLite (so another process holding it makes this fail after
    /// [`Timeouts::sqlite_busy`]), `SELECT 1` on PostgreSQL. For a readiness check.
    pub async fn ping(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite { write, .. } => {
                let tx = write.begin_with("BEGIN IMMEDIATE").await?;
                tx.rollback().await?;
            }
            Backend::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Runs pending migrations; true when the database had none applied before (it is new).
    async fn migrate(&self) -> Result<bool> {
        match &self.backend {
            Backend::Sqlite { write, .. } => {
                let applied = applied_sqlite(write).await;
                SQLITE_MIGRATIONS.run(write).await?;
                Ok(applied == 0)
            }
            Backend::Postgres(pool) => {
                let applied = applied_postgres(pool).await;
                POSTGRES_MIGRATIONS.run(pool).await?;
                Ok(applied == 0)
            }
        }
    }
}

async fn applied_sqlite(pool: &sqlx::SqlitePool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .unwrap_or(0)
}

async fn applied_postgres(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .unwrap_or(0)
}

async fn open_sqlite(url: &str, options: &OpenOptions) -> Result<Store> {
    let synchronous = match options.sqlite_sync {
        SqliteSync::Normal => SqliteSynchronous::Normal,
        SqliteSync::Full => SqliteSynchronous::Full,
    };
    let connect = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous)
        .foreign_keys(true)
        .busy_timeout(options.timeouts.sqlite_busy);
    let memory = url.contains(":memory:");
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(options.timeouts.sqlite_write_queue)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(connect.clone())
        .await?;
    // An in-memory database exists once per connection: readers must share the writer.
    let read = if memory {
        write.clone()
    } else {
        SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(options.timeouts.acquire)
            .connect_with(connect.read_only(false))
            .await?
    };
    Ok(Store {
        backend: Backend::Sqlite { write, read },
        created: false,
        groups: Default::default(),
    })
}

async fn open_postgres(url: &str, options: &OpenOptions) -> Result<Store> {
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections.unwrap_or(8))
        .acquire_timeout(options.timeouts.acquire)
        .connect(url)
        .await?;
    Ok(Store {
        backend: Backend::Postgres(pool),
        created: false,
        groups: Default::default(),
    })
}
