//! Database trouble is told apart from refusals: a SQLite file another process holds locked and
//! a PostgreSQL server that does not answer give errors that [`Error::is_unavailable`]
//! recognises, within the short waits of [`Timeouts::server`].

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use skillhub_store::{Error, OpenOptions, Store, Timeouts};
use sqlx::Connection as _;

fn server() -> OpenOptions {
    OpenOptions {
        timeouts: Timeouts::server(),
        ..OpenOptions::default()
    }
}

#[tokio::test]
async fn a_sqlite_file_locked_by_another_process_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let store = Store::open(&url, &server()).await.unwrap();
    store.ping().await.unwrap();

    // Another process takes the write lock and keeps it.
    let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE; CREATE TABLE lock_holder (x INTEGER);")
        .execute(&mut other)
        .await
        .unwrap();

    let started = Instant::now();
    let err = store.ping().await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // Once the lock is given back, the database answers again.
    sqlx::raw_sql("ROLLBACK").execute(&mut other).await.unwrap();
    store.ping().await.unwrap();
}

#[tokio::test]
async fn a_postgres_server_that_does_not_answer_is_unavailable() {
    let started = Instant::now();
    let err = Store::open("postgres://postgres@127.0.0.1:1/test", &server())
        .await
        .unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn refusals_are_not_unavailability() {
    assert!(!Error::UnknownSession("x".into()).is_unavailable());
    assert!(!Error::Database(sqlx::Error::RowNotFound).is_unavailable());
    assert!(Error::Database(sqlx::Error::PoolTimedOut).is_unavailable());
}
