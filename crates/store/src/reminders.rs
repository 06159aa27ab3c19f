//! Reminders before a session: each sender's pass asks, for every program, which confirmed
//! registrations have a reminder due (`skillhub_core::reminder::Reminders::due`, the program's
//! offsets, 48 and 2 hours by default) and posts it to the outbox.
//!
//! A registration gets each reminder at most once (the outbox's `dedupe` key
//! `reminder:ID:MINUTES`), and never one whose moment came before it was made. When several are
//! due at once (the senders were stopped for a while), only the nearest to the start is sent, and
//! a reminder farther from the start than one already posted is never sent afterwards.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use skillhub_notify::Event;

use crate::notices::{ADDRESSEE, Addressee, FACTS, FactsRow};
use crate::outbox::post;
use crate::{Result, Store, write_tx};

/// Confirmed registrations of a program's sessions starting in `($2, $3]`, not cancelled.
const CANDIDATES: &str = "SELECT r.id, r.created_at, s.id, s.starts_at FROM registrations r \
     JOIN sessions s ON s.id = r.session_id WHERE s.program_id = $1 AND s.starts_at > $2 \
     AND s.starts_at <= $3 AND s.cancelled_at IS NULL AND r.status = 'confirmed' \
     ORDER BY s.starts_at, r.id";

/// The reminders already posted for registration `$1`.
const POSTED: &str = "SELECT dedupe FROM outbox WHERE registration_id = $1 AND kind = 'reminder'";

/// The outbox key of registration `id`'s reminder `minutes` before the start.
fn dedupe(id: i64, minutes: i64) -> String {
    format!("reminder:{id}:{minutes}")
}

impl Store {
    /// Posts the reminders due at `now` to the outbox; returns how many.
    pub async fn post_reminders(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut posted = 0;
        for program in self.programs().await? {
            let reminders = program.reminders();
            let Some(farthest) = reminders.offsets().first().copied() else {
                continue;
            };
            let program_id = program.id().as_str();
            posted += write_tx!(self, |tx, _lock| {
                let candidates: Vec<(i64, DateTime<Utc>, String, DateTime<Utc>)> =
                    sqlx::query_as(CANDIDATES)
                        .bind(program_id)
                        .bind(now)
                        .bind(now + farthest)
                        .fetch_all(&mut *tx)
                        .await?;
                let mut facts: BTreeMap<String, FactsRow> = BTreeMap::new();
                let mut letters = Vec::new();
                for (id, created_at, session_id, starts_at) in candidates {
                    // The nearest to the start among those due: the one to send.
                    let Some(offset) = reminders.due(starts_at, created_at, now).into_iter().min()
                    else {
                        continue;
                    };
                    let minutes = offset.num_minutes();
                    let sent: BTreeSet<String> = sqlx::query_scalar::<_, Option<String>>(POSTED)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?
                        .into_iter()
                        .flatten()
                        .collect();
                    let nearer_or_same = reminders
                        .offsets()
                        .iter()
                        .filter(|o| **o <= offset)
                        .any(|o| sent.contains(&dedupe(id, o.num_minutes())));
                    if nearer_or_same {
                        continue;
                    }
                    if !facts.contains_key(&session_id) {
                        let row: FactsRow = sqlx::query_as(FACTS)
                            .bind(&session_id)
                            .fetch_one(&mut *tx)
                            .await?;
                        facts.insert(session_id.clone(), row);
                    }
                    let Some(row) = facts.get(&session_id) else {
                        continue;
                    };
                    let to: Addressee = sqlx::query_as(ADDRESSEE)
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let mut letter = to.letter(
                        Event::Reminder {
                            registration: id,
                            session: row.facts(to.kind()?)?,
                            before_minutes: u32::try_from(minutes).unwrap_or(u32::MAX),
                        },
                        now,
                    )?;
                    letter.dedupe = Some(dedupe(id, minutes));
                    letters.push(letter);
                }
                post!(tx, letters, now)
            })?;
        }
        Ok(posted)
    }
}
