//! [`post_all!`] writes what [`post!`] writes: the same rows to the character, times included
//! (SQLite compares them as text), so a sender claims them alike.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use skillhub_core::lang::Lang;

use super::{Letter, POST_ALL_POSTGRES, POST_ALL_SQLITE};
use crate::{Error, OpenOptions, Store, write_tx};

/// A stored row: recipient, its key, language, notice, dedupe key, created and due as text.
type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
);

fn letter(n: u32, due_at: DateTime<Utc>) -> Letter {
    Letter {
        kind: "confirmed",
        registration_id: None,
        recipient: format!("Persona{n}@Example.it"),
        recipient_key: format!("persona{n}@example.it"),
        lang: if n.is_multiple_of(2) {
            Lang::It
        } else {
            Lang::En
        },
        notice: format!(r#"{{"name":"Zoë \"{n}\" d'Àrco","n":{n}}}"#),
        dedupe: (n == 3).then(|| format!("promemoria-{n}")),
        due_at,
    }
}

/// Writes the same letters once with `post!` and once with `post_all!` (a repeated dedupe key
/// included: written once), then compares the stored rows and what a sender claims.
async fn same_rows(store: &Store) -> crate::Result<()> {
    // A whole second and a time with microseconds: RFC 3339 writes the fraction only when
    // there is one.
    let whole = Utc.with_ymd_and_hms(2030, 6, 11, 7, 30, 0).unwrap();
    let fraction = whole + Duration::microseconds(123_450);
    let written = |n: u32| if n.is_multiple_of(2) { whole } else { fraction };
    let letters: Vec<Letter> = (0..4).map(|n| letter(n, written(n + 1))).collect();
    let count = write_tx!(store, POST_ALL_SQLITE, POST_ALL_POSTGRES, |tx, sql| {
        let mut one_by_one = 0;
        for (n, letter) in (0_u32..).zip(&letters) {
            one_by_one += post!(tx, [letter.clone()], written(n))?;
        }
        let mut copies: Vec<(Letter, DateTime<Utc>)> = (0_u32..)
            .zip(&letters)
            .map(|(n, letter)| {
                let mut copy = letter.clone();
                copy.recipient.push_str(".copia");
                copy.dedupe = copy.dedupe.map(|key| format!("{key}-copia"));
                (copy, written(n))
            })
            .collect();
        // The same dedupe key twice in one statement: the second writes nothing.
        copies.push(copies[3].clone());
        let together = post_all!(tx, sql, &copies)?;
        Ok::<(u64, u64), Error>((one_by_one, together))
    })?;
    assert_eq!(count, (4, 4), "rows written one by one and together");
    let rows: Vec<Row> = crate::read!(store, |conn| sqlx::query_as(
        "SELECT recipient, recipient_key, lang, notice, dedupe, CAST(created_at AS TEXT), \
             CAST(next_attempt_at AS TEXT) FROM outbox ORDER BY id"
    )
    .fetch_all(conn)
    .await
    .unwrap());
    assert_eq!(rows.len(), 8);
    for (alone, together) in rows[..4].iter().zip(&rows[4..]) {
        let mut expected = alone.clone();
        expected.0.push_str(".copia");
        expected.4 = expected.4.map(|key| format!("{key}-copia"));
        assert_eq!(together, &expected);
    }
    // At the whole second only the letters due then are claimed, written either way; at the
    // fractional time the rest: times compare as `post!`'s do.
    let recipients = |claimed: Vec<super::Claimed>| -> Vec<String> {
        claimed.into_iter().map(|c| c.recipient).collect()
    };
    let first = store
        .claim_mail("prova", whole, Duration::minutes(5), 100)
        .await
        .unwrap();
    let due_first: Vec<String> = [1, 3, 5, 7].iter().map(|&i| rows[i].0.clone()).collect();
    assert_eq!(recipients(first), due_first);
    let then = store
        .claim_mail("prova", fraction, Duration::minutes(5), 100)
        .await
        .unwrap();
    let due_then: Vec<String> = [0, 2, 4, 6].iter().map(|&i| rows[i].0.clone()).collect();
    assert_eq!(recipients(then), due_then);
    Ok(())
}

#[tokio::test]
async fn post_all_writes_what_post_writes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("outbox.db").display());
    let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
    same_rows(&store).await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn post_all_writes_what_post_writes_on_postgresql() {
    let Some(admin) = skillhub_testkit::postgres_url() else {
        return;
    };
    let scratch = crate::scratch::Scratch::create(&admin, "outbox", 1).await;
    let store = Store::open(&scratch.url(0), &OpenOptions::default())
        .await
        .unwrap();
    same_rows(&store).await.unwrap();
    store.close().await;
    scratch.drop_all().await;
}
