//! Held seats: address confirmation (a program's `email_confirmation = "required"`).
//!
//! A public registration to such a program that gets a seat holds it (`held`, until
//! `hold_expires_at` = now + the program's `hold_minutes`) and is mailed a confirmation link
//! ([`skillhub_notify::Event::ConfirmAddress`], the link's secret issued at send time by
//! [`Store::issue_confirm_tokens`], stored hashed). Following it ([`Store::confirm_address`])
//! turns the hold into a confirmed seat, once; a hold not confirmed in time expires
//! ([`Store::expire_holds`], and lazily at the start of a registration or cancellation of its
//! session) and its seat goes to the head of the waiting list exactly as a cancelled seat does:
//! both use the one promotion step (`registrations::promote!`). So made-up addresses cannot fill such a session for longer than a hold.
//!
//! Counting: a hold takes a seat. `sessions.seated_*` counts every seat taken, holds included,
//! and `held_*` how many of those are holds, so `Locked::occupancy` gives core's
//! `Occupancy { seated, held }` and "confirmed + held ≤ seats" is core's rule as before.
//!
//! Who is held: only the public's registrations (`Timing::InWindow`); staff adding someone late
//! and spreadsheet imports are confirmed at once (staff vouch for the address). The waiting list
//! is unchanged: someone who registered publicly when no seat was free waits like anyone else
//! (`address_check = 'pending'`), and when promoted gets a hold of their own and the
//! confirmation message instead of a confirmed seat, since nobody has checked their address yet;
//! someone who already confirmed (or was never asked) is promoted to a confirmed seat.

use chrono::{DateTime, Utc};
use skillhub_core::capacity::Status;
use skillhub_notify::Event;

use crate::audit::audit;
use crate::notices::{ADDRESSEE, Addressee, FACTS, FactsRow};
use crate::outbox::post;
use crate::registrations::{EXPIRY_ACTOR, Locked, UPDATE_HELD, VIEW, expire_due, held_deltas};
use crate::{Error, RegistrationView, Result, Store, hash_token, new_token, read, write_tx};

impl Store {
    /// Expires every hold whose time has come at `now`, session by session, each under its
    /// session's lock: the seat goes to the head of the waiting list as after a cancellation
    /// ([`Event::Promoted`], or a new hold for someone whose address is unconfirmed), and the
    /// person whose hold expired is told ([`Event::HoldExpired`]). Returns how many expired.
    /// The mail delivery's passes call it, so a running server expires holds within a second.
    pub async fn expire_holds(&self, now: DateTime<Utc>) -> Result<u64> {
        let sessions: Vec<String> = read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT DISTINCT session_id FROM registrations WHERE status = 'held' \
                 AND hold_expires_at <= $1 ORDER BY session_id",
            )
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        let mut expired = 0;
        for session_id in sessions {
            expired += write_tx!(self, |tx, lock| {
                let locked: Option<Locked> = sqlx::query_as(lock)
                    .bind(&session_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                match locked {
                    Some(locked) => expire_due!(tx, &locked, EXPIRY_ACTOR, now),
                    None => Ok(0),
                }
            })?;
        }
        Ok(expired)
    }

    /// Confirms the address of registration `id` with `token`, the secret of the link mailed to
    /// it: a held seat becomes a confirmed one (and the person gets [`Event::Confirmed`], with
    /// the calendar invitation). Following the link again, or for a registration already
    /// confirmed, changes nothing and answers the registration as it is. Refused with
    /// [`Error::ConfirmationRefused`] for a token that is not this registration's, with
    /// [`Error::HoldExpired`] once the hold has run out (its seat was given on), and with
    /// [`Error::Transition`] for a cancelled or waiting one.
    pub async fn confirm_address(
        &self,
        id: i64,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<RegistrationView> {
        let session_id = self.session_of_registration(id).await?;
        let hash = hash_token(token);
        let now = crate::registrations::micros(now);
        write_tx!(self, |tx, lock| {
            // The session's lock serialises this with registrations, cancellations and expiries.
            let _locked: Locked = sqlx::query_as(lock)
                .bind(&session_id)
                .fetch_one(&mut *tx)
                .await?;
            let owner: Option<i64> = sqlx::query_scalar(
                "SELECT registration_id FROM confirm_tokens WHERE token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(&mut *tx)
            .await?;
            if owner != Some(id) {
                return Err(Error::ConfirmationRefused(id));
            }
            let before: RegistrationView =
                sqlx::query_as(VIEW).bind(id).fetch_one(&mut *tx).await?;
            match before.status {
                Status::Held { expires_at } if expires_at > now => {}
                Status::Held { .. } | Status::Expired => {
                    return Err(Error::HoldExpired {
                        id,
                        session: session_id.clone(),
                    });
                }
                Status::Confirmed | Status::Attended | Status::NoShow => return Ok(before),
                Status::Waitlisted { .. } | Status::Cancelled => {
                    return Err(Error::Transition {
                        id,
                        status: before.status.name().to_owned(),
                        action: "confirmed",
                    });
                }
            }
            sqlx::query(
                "UPDATE registrations SET status = 'confirmed', hold_expires_at = NULL, \
                 address_check = 'done', updated_at = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let (a, b) = held_deltas(before.kind, -1);
            sqlx::query(UPDATE_HELD)
                .bind(&session_id)
                .bind(a)
                .bind(b)
                .execute(&mut *tx)
                .await?;
            let facts: FactsRow = sqlx::query_as(FACTS)
                .bind(&session_id)
                .fetch_one(&mut *tx)
                .await?;
            let to: Addressee = sqlx::query_as(ADDRESSEE)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let letter = to.letter(
                Event::Confirmed {
                    registration: id,
                    session: facts.facts(before.kind)?,
                },
                now,
            )?;
            post!(tx, [letter], now)?;
            audit!(
                tx,
                now,
                "person",
                "registration.confirm_address",
                "registration",
                &id.to_string(),
                Some("{\"status\":\"held\"}".to_owned()),
                Some("{\"status\":\"confirmed\"}".to_owned())
            )?;
            Ok(RegistrationView {
                status: Status::Confirmed,
                updated_at: now,
                ..before
            })
        })
    }

    /// Whether `token` is a confirmation-link secret issued for registration `id` (found by
    /// its hash, so no stored secret is compared byte by byte).
    pub async fn check_confirm_token(&self, id: i64, token: &str) -> Result<bool> {
        let hash = hash_token(token);
        let owner: Option<i64> = read!(self, |pool| {
            sqlx::query_scalar("SELECT registration_id FROM confirm_tokens WHERE token_hash = $1")
                .bind(&hash)
                .fetch_optional(pool)
                .await?
        });
        Ok(owner == Some(id))
    }

    /// Issues a new secret for the address-confirmation link of each registration in
    /// `registrations` that is still held (stored hashed in `confirm_tokens`); returns them by
    /// registration. The sender calls it when it writes an [`Event::ConfirmAddress`] message, so
    /// no secret is ever kept readable, not in the outbox either.
    pub async fn issue_confirm_tokens(
        &self,
        registrations: &[i64],
        now: DateTime<Utc>,
    ) -> Result<std::collections::BTreeMap<i64, String>> {
        if registrations.is_empty() {
            return Ok(std::collections::BTreeMap::new());
        }
        write_tx!(self, |tx, _lock| {
            let mut issued = std::collections::BTreeMap::new();
            for &id in registrations {
                let held: Option<String> = sqlx::query_scalar(
                    "SELECT status FROM registrations WHERE id = $1 AND status = 'held'",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                if held.is_none() {
                    continue;
                }
                let token = new_token();
                sqlx::query(
                    "INSERT INTO confirm_tokens (token_hash, registration_id, created_at) \
                     VALUES ($1, $2, $3)",
                )
                .bind(hash_token(&token))
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                issued.insert(id, token);
            }
            Ok::<_, Error>(issued)
        })
    }
}
