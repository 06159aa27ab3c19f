//! One batch of registrations for one session, decided in one transaction under the session's
//! lock ([`Store::register_batch`]), each request as it would be alone and in arrival order.

use std::collections::HashSet;

use skillhub_core::capacity::Status;

use super::Arrival;
use super::seats::{Unwritten, WAITING, Waiting, WriteSeats};
use crate::idempotency::Answers;
use crate::outbox::{POST_ALL_POSTGRES, POST_ALL_SQLITE, post_all};
use crate::registrations::{
    EXPIRY_ACTOR, LOCK_FOR_SEAT_POSTGRES, LOCK_FOR_SEAT_SQLITE, Locked, RESERVE_IDS_POSTGRES,
    Registered, Remembered, Seating, TAKEN_POSTGRES, TAKEN_SQLITE, add_seat, expire_due, facts,
    json_list, micros, seat,
};
use crate::{Error, Result, Store, Timing, hash_token, new_token, write_tx};

impl Store {
    /// Decides `batch` (requests for one session, in arrival order) in one transaction under
    /// the session's lock, each by the code that decides it alone and in its order: its answer,
    /// or its own refusal. A database error fails the whole transaction (nothing of it is
    /// written): the caller decides each request again alone ([`crate::group`]).
    pub(crate) async fn register_batch(
        &self,
        batch: &[Arrival],
    ) -> Result<Vec<Result<Registered>>> {
        self.register_batch_as(batch, true).await
    }

    /// [`Store::register_batch`], deciding plain requests in memory or (`in_memory` false,
    /// for the tests that compare the two) each by `seat!` with its own writes.
    pub(crate) async fn register_batch_as(
        &self,
        batch: &[Arrival],
        in_memory: bool,
    ) -> Result<Vec<Result<Registered>>> {
        let Some(first) = batch.first() else {
            return Ok(Vec::new());
        };
        let session_id = first.request.session_id.as_str();
        let tokens: Vec<(String, String)> = batch
            .iter()
            .map(|_| {
                let token = new_token();
                let hash = hash_token(&token);
                (token, hash)
            })
            .collect();
        let emails: Vec<String> = batch.iter().map(|p| p.request.person.email.key()).collect();
        let codes: Vec<&str> = batch
            .iter()
            .filter_map(|p| p.request.person.codice_fiscale.as_ref())
            .map(|c| c.as_str())
            .collect();
        let (emails, codes) = (json_list(&emails), json_list(&codes));
        write_tx!(
            self,
            // The lock, the read of live identities, the messages' statement, and where the
            // ids come from: one past the last (SQLite's AUTOINCREMENT), or reserved from
            // PostgreSQL's sequence for the whole batch at once.
            (
                LOCK_FOR_SEAT_SQLITE,
                TAKEN_SQLITE,
                POST_ALL_SQLITE,
                None::<&str>
            ),
            (
                LOCK_FOR_SEAT_POSTGRES,
                TAKEN_POSTGRES,
                POST_ALL_POSTGRES,
                Some(RESERVE_IDS_POSTGRES)
            ),
            |tx, lock| {
                let (lock, taken, post_all_sql, reserve) = lock;
                // Ids reserved for the requests still to come (PostgreSQL), taken in order: the
                // lock reserves one, and after a seat the rest of the batch gets its ids in one
                // query; a new lock (it reserves a larger one) drops those left.
                let mut ids: std::collections::VecDeque<i64> = std::collections::VecDeque::new();
                // Who of the batch holds a live registration already: refused without a write
                // (a unique index hit would abort the whole transaction on PostgreSQL).
                let live: Vec<(String, Option<String>)> = sqlx::query_as(taken)
                    .bind(session_id)
                    .bind(&emails)
                    .bind(&codes)
                    .fetch_all(&mut *tx)
                    .await?;
                let mut taken_emails: HashSet<String> = HashSet::new();
                let mut taken_codes: HashSet<String> = HashSet::new();
                for (email, code) in live {
                    taken_emails.insert(email);
                    taken_codes.extend(code);
                }
                let mut outcomes = Vec::with_capacity(batch.len());
                // The session row as the previous request left it: read under the lock once,
                // then kept up to date with each seat (re-read after anything else changes it).
                let mut current: Option<Locked> = None;
                // The messages are written together after the last seat.
                let mut seating = Seating {
                    facts: None,
                    letters: Some(Vec::new()),
                };
                // Plain requests (public, inside the window, no idempotency key, no hold due) are
                // decided in memory and written together: before any other step reads or
                // changes the session's registrations, and at the end.
                let mut unwritten = Unwritten::default();
                let mut waiting = Waiting::default();
                for (index, (pending, (manage_token, token_hash))) in
                    batch.iter().zip(&tokens).enumerate()
                {
                    let request = &pending.request;
                    let idempotency = pending.idempotency.as_ref();
                    let now = micros(pending.now);
                    let locked = match current.take() {
                        Some(locked) => Some(locked),
                        None => {
                            tx.write_seats(&mut unwritten).await?;
                            waiting.forget();
                            ids.clear();
                            sqlx::query_as(lock)
                                .bind(request.session_id.as_str())
                                .fetch_optional(&mut *tx)
                                .await?
                        }
                    };
                    let Some(mut locked) = locked else {
                        outcomes.push(Err(Error::UnknownSession(request.session_id.to_string())));
                        continue;
                    };
                    // The id of a plain request, reserved under the lock: it is decided in memory.
                    let plain = locked.reserved_id.filter(|_| {
                        in_memory
                            && idempotency.is_none()
                            && request.timing == Timing::InWindow
                            && !locked.holds_due(now)
                    });
                    if plain.is_none() {
                        tx.write_seats(&mut unwritten).await?;
                        waiting.forget();
                    }
                    // Holds due to expire go first: their seats may be this request's.
                    if locked.holds_due(now) {
                        expire_due!(tx, &locked, EXPIRY_ACTOR, now)?;
                        ids.clear();
                        locked = sqlx::query_as(lock)
                            .bind(request.session_id.as_str())
                            .fetch_one(&mut *tx)
                            .await?;
                    }
                    let unreadable = match tx.recall(idempotency, now).await {
                        Ok(Some(replay)) => match Remembered::registered(&replay) {
                            Some(registered) => {
                                outcomes.push(Ok(registered));
                                current = Some(locked);
                                continue;
                            }
                            None => true,
                        },
                        Ok(None) => false,
                        Err(err @ Error::IdempotencyMismatch(_)) => {
                            outcomes.push(Err(err));
                            current = Some(locked);
                            continue;
                        }
                        Err(err) => return Err(err),
                    };
                    let email_key = request.person.email.key();
                    let code = request.person.codice_fiscale.as_ref().map(|c| c.as_str());
                    if taken_emails.contains(&email_key) {
                        outcomes.push(Err(Error::AlreadyRegistered {
                            session: request.session_id.to_string(),
                            email: request.person.email.as_str().to_owned(),
                        }));
                        current = Some(locked);
                        continue;
                    }
                    if let Some(code) = code
                        && taken_codes.contains(code)
                    {
                        outcomes.push(Err(Error::CodiceFiscaleRegistered {
                            session: request.session_id.to_string(),
                        }));
                        current = Some(locked);
                        continue;
                    }
                    if request.timing == Timing::BeyondSeats {
                        let kind = request.kind.unwrap_or_else(|| locked.view.default_kind());
                        if locked.view.cancelled_at.is_none()
                            && locked.view.mode.offers(kind)
                            && locked.occupancy(kind).free() == 0
                        {
                            add_seat!(tx, &locked, kind, &request.actor, now)?;
                            ids.clear();
                            locked = sqlx::query_as(lock)
                                .bind(request.session_id.as_str())
                                .fetch_one(&mut *tx)
                                .await?;
                        }
                    }
                    let decided = match plain {
                        Some(id) => match locked.admits(request, now) {
                            Ok(admitted) => {
                                let (kind, tier) = (admitted.kind, request.tier);
                                let ahead = match waiting.ahead(kind, tier) {
                                    _ if !locked.needs_ahead(kind) => 0,
                                    Some(ahead) => ahead,
                                    // The line not read yet: read after the seats so far.
                                    None => {
                                        tx.write_seats(&mut unwritten).await?;
                                        let counted: Vec<(i64, i64)> = sqlx::query_as(WAITING)
                                            .bind(session_id)
                                            .bind(kind.as_str())
                                            .fetch_all(&mut *tx)
                                            .await?;
                                        waiting.read(kind, counted);
                                        waiting.ahead(kind, tier).unwrap_or(0)
                                    }
                                };
                                let placed = locked.place(request, now, &admitted, ahead);
                                let mut write = placed.write(&locked, request, token_hash);
                                write.view.id = id;
                                if matches!(write.view.status, Status::Waitlisted { .. }) {
                                    waiting.joined(kind, tier);
                                }
                                let facts = facts!(tx, &mut seating, &request.session_id)?;
                                let letter = locked.letter(&write.view, request, &facts)?;
                                seating.letters.get_or_insert_default().push((letter, now));
                                unwritten.push(&write);
                                Ok(write.view)
                            }
                            Err(err) => Err(err),
                        },
                        None => seat!(tx, &locked, request, token_hash.as_str(), now, &mut seating),
                    };
                    let view = match decided {
                        Ok(view) => view,
                        // Refused before anything of it was written: its own answer.
                        Err(
                            err @ (Error::SessionCancelled(_)
                            | Error::NoSuchSeats { .. }
                            | Error::RegistrationClosed { .. }),
                        ) => {
                            outcomes.push(Err(err));
                            current = Some(locked);
                            continue;
                        }
                        Err(err) => return Err(err),
                    };
                    let next_id = match reserve {
                        None => Some(view.id + 1),
                        Some(reserve) => {
                            let after = batch.len() - index - 1;
                            if ids.is_empty() && after > 0 {
                                ids = sqlx::query_scalar::<_, i64>(reserve)
                                    .bind(i64::try_from(after).unwrap_or(i64::MAX))
                                    .fetch_all(&mut *tx)
                                    .await?
                                    .into();
                            }
                            ids.pop_front()
                        }
                    };
                    current = Some(locked.after_seat(&view, next_id));
                    if idempotency.is_some() {
                        if unreadable {
                            tx.forget(idempotency).await?;
                        }
                        let replay = Remembered::replay(&view, manage_token)?;
                        tx.remember(idempotency, &replay, now).await?;
                    }
                    taken_emails.insert(email_key);
                    taken_codes.extend(code.map(str::to_owned));
                    outcomes.push(Ok(Registered {
                        registration: view,
                        manage_token: manage_token.clone(),
                        replayed: false,
                    }));
                }
                tx.write_seats(&mut unwritten).await?;
                let letters = seating.letters.unwrap_or_default();
                post_all!(tx, post_all_sql, &letters)?;
                Ok(outcomes)
            }
        )
    }
}
