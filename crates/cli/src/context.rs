//! What every command may need: the database, opened on first use (so commands that only read
//! files never create one).

use skillhub_store::{OpenOptions, Seed, Store, Timeouts};
use tokio::sync::OnceCell;

use crate::error::{CliError, Result};

/// The database URL and, once opened, the store.
#[derive(Debug)]
pub struct Context {
    db: String,
    empty: bool,
    store: OnceCell<Store>,
}

impl Context {
    /// A context for `--db URL` (`--empty`: no seed programs in a new database).
    pub fn new(db: String, empty: bool) -> Self {
        Context {
            db,
            empty,
            store: OnceCell::new(),
        }
    }

    /// Whether `--empty` was given (a new database gets no seed programs).
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// The store, opened (created, migrated, seeded) on first use, with the long waits of
    /// [`Timeouts::batch`]: an import may wait for a server's writes.
    pub async fn store(&self) -> Result<&Store> {
        self.store_with(Timeouts::batch()).await
    }

    /// The store for `skillhub serve`, with the short waits of [`Timeouts::server`], so that
    /// database trouble is answered with a 503 within about 2 s instead of holding requests.
    pub async fn server_store(&self) -> Result<&Store> {
        self.store_with(Timeouts::server()).await
    }

    async fn store_with(&self, timeouts: Timeouts) -> Result<&Store> {
        self.store
            .get_or_try_init(|| async {
                let options = OpenOptions {
                    seed: if self.empty {
                        Seed::Empty
                    } else {
                        Seed::Programs
                    },
                    timeouts,
                    ..OpenOptions::default()
                };
                Store::open(&self.db, &options)
                    .await
                    .map_err(|source| CliError::Store {
                        db: self.db.clone(),
                        source,
                    })
            })
            .await
    }

    /// Closes the store if it was opened.
    pub async fn close(&self) {
        if let Some(store) = self.store.get() {
            store.close().await;
        }
    }

    /// Maps a store error of an operation on this database.
    pub fn db_error(&self, source: skillhub_store::Error) -> CliError {
        CliError::Store {
            db: self.db.clone(),
            source,
        }
    }
}
