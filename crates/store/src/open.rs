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
        if fresh && options.seed == Seed::Programs {
            let catalog = Catalog::parse(SEED_PROGRAMS)?;
            let texts: Vec<&str> = SEED_PROGRAMS.iter().map(|(_, text)| *text).collect();
            store.load_programs_if_empty(&catalog, &texts).await?;
        }
        Ok(store)
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
        .busy_timeout(Duration::from_secs(10));
    let memory = url.contains(":memory:");
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
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
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect.read_only(false))
            .await?
    };
    Ok(Store {
        backend: Backend::Sqlite { write, read },
        created: false,
    })
}

async fn open_postgres(url: &str, options: &OpenOptions) -> Result<Store> {
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections.unwrap_or(8))
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await?;
    Ok(Store {
        backend: Backend::Postgres(pool),
        created: false,
    })
}
