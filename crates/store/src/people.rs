//! People and their data (GDPR, "diritto di accesso" and "diritto all'oblio"): everything held
//! about an e-mail address, and erasing it.
//!
//! A person is known only by the e-mail address of their registrations (compared without regard
//! to case). Erasure anonymises those registrations in one transaction: e-mail, name and
//! attributes are replaced and the manage token stops working, while the registration rows, their
//! statuses and so the sessions' seat counts stay as they were. The audit log never held personal
//! data (it names registrations by id, see `registrations::audited`), so after an erasure none is
//! left anywhere; the erasure itself is audited by registration id.

use chrono::{DateTime, Utc};
use serde::Serialize;
use skillhub_core::person::Email;

use crate::audit::{AuditEntry, audit};
use crate::registrations::{RegistrationView, VIEW, audited};
use crate::{Error, Result, Store, hash_token, new_token, read, write_tx};

/// The domain of the addresses erased registrations get (`.invalid` is reserved: RFC 2606).
pub const ERASED_DOMAIN: &str = "erased.invalid";

/// Everything the store holds about one e-mail address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonData {
    /// The address asked about.
    pub email: String,
    /// Its registrations, oldest first.
    pub registrations: Vec<HeldRegistration>,
    /// The audit lines about those registrations, oldest first (they hold no personal data).
    pub audit: Vec<AuditEntry>,
}

/// One registration as held, with the session it is for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldRegistration {
    /// Registration id.
    pub id: i64,
    /// The session.
    pub session_id: String,
    /// The session's title.
    pub session_title: String,
    /// When the session starts.
    pub session_starts_at: DateTime<Utc>,
    /// E-mail as registered.
    pub email: String,
    /// Name as registered.
    pub name: String,
    /// Declared attributes.
    pub attributes: serde_json::Value,
    /// `in_person` or `online`.
    pub kind: String,
    /// `confirmed`, `waitlisted`, `cancelled`, `attended`, `no_show`.
    pub status: String,
    /// 1-based waiting position, when waitlisted.
    pub position: Option<i64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// What [`Store::erase_person`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Erasure {
    /// The registrations anonymised, by id (empty when the address held none).
    pub registrations: Vec<i64>,
}

const IDS_OF: &str = "SELECT id FROM registrations WHERE LOWER(email) = LOWER($1) ORDER BY id";

impl Store {
    /// Everything held about `email`: its registrations with their sessions, and the audit lines
    /// about them. An address the store does not know gives empty lists.
    pub async fn person_data(&self, email: &Email) -> Result<PersonData> {
        let email = email.as_str();
        let (views, titles, audit) = read!(self, |pool| {
            let ids: Vec<i64> = sqlx::query_scalar(IDS_OF)
                .bind(email)
                .fetch_all(pool)
                .await?;
            let mut views: Vec<RegistrationView> = Vec::with_capacity(ids.len());
            let mut titles: Vec<(String, DateTime<Utc>)> = Vec::with_capacity(ids.len());
            let mut audit: Vec<AuditEntry> = Vec::new();
            for id in ids {
                let view: RegistrationView = sqlx::query_as(VIEW).bind(id).fetch_one(pool).await?;
                let title: (String, DateTime<Utc>) =
                    sqlx::query_as("SELECT title, starts_at FROM sessions WHERE id = $1")
                        .bind(&view.session_id)
                        .fetch_one(pool)
                        .await?;
                let lines: Vec<AuditEntry> = sqlx::query_as(
                    "SELECT id, at, actor, action, entity, entity_id, before, after FROM audit_log \
                     WHERE entity = 'registration' AND entity_id = $1 ORDER BY id",
                )
                .bind(id.to_string())
                .fetch_all(pool)
                .await?;
                views.push(view);
                titles.push(title);
                audit.extend(lines);
            }
            (views, titles, audit)
        });
        let registrations = views
            .into_iter()
            .zip(titles)
            .map(|(view, (session_title, session_starts_at))| {
                held(view, session_title, session_starts_at)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut audit = audit;
        audit.sort_by_key(|entry| entry.id);
        Ok(PersonData {
            email: email.to_owned(),
            registrations,
            audit,
        })
    }

    /// Erases `email`: in one transaction, each of its registrations gets the address
    /// `erased-ID@erased.invalid`, an empty name and no attributes, and a manage token nobody
    /// knows; statuses, waiting order and seat counts do not change. Each erasure is audited by
    /// registration id under `actor`. Erasing an unknown address does nothing.
    pub async fn erase_person(
        &self,
        actor: &str,
        email: &Email,
        now: DateTime<Utc>,
    ) -> Result<Erasure> {
        let email = email.as_str();
        write_tx!(self, |tx, _lock| {
            let ids: Vec<i64> = sqlx::query_scalar(IDS_OF)
                .bind(email)
                .fetch_all(&mut *tx)
                .await?;
            for id in &ids {
                sqlx::query(
                    "UPDATE registrations SET email = $2, name = '', attributes = '{}', \
                     manage_token_hash = $3, updated_at = $4 WHERE id = $1",
                )
                .bind(id)
                .bind(format!("erased-{id}@{ERASED_DOMAIN}"))
                .bind(hash_token(&new_token()))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let view: RegistrationView =
                    sqlx::query_as(VIEW).bind(id).fetch_one(&mut *tx).await?;
                audit!(
                    tx,
                    now,
                    actor,
                    "registration.erase",
                    "registration",
                    &id.to_string(),
                    None::<String>,
                    audited(&view)
                )?;
            }
            // Stored responses replayed for idempotency keys may quote the address (a
            // registration's body does): they go too, rather than live out their 24 hours.
            sqlx::query("DELETE FROM idempotency_keys WHERE LOWER(body) LIKE $1 ESCAPE '\\'")
                .bind(quoted_pattern(email))
                .execute(&mut *tx)
                .await?;
            Ok::<Erasure, Error>(Erasure { registrations: ids })
        })
    }
}

/// A `LIKE` pattern (escape character `\`) matching text that holds `email`, lowercased, as a
/// JSON string: `%"anna@example.it"%`.
fn quoted_pattern(email: &str) -> String {
    let mut pattern = String::from("%\"");
    for c in email.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push_str("\"%");
    pattern
}

fn held(
    view: RegistrationView,
    session_title: String,
    session_starts_at: DateTime<Utc>,
) -> Result<HeldRegistration> {
    let attributes = serde_json::from_str(&view.attributes).map_err(|err| Error::Corrupt {
        table: "registrations",
        message: format!("registration {}: attributes are not JSON: {err}", view.id),
    })?;
    Ok(HeldRegistration {
        id: view.id,
        session_id: view.session_id,
        session_title,
        session_starts_at,
        email: view.email,
        name: view.name,
        attributes,
        kind: view.kind,
        status: view.status,
        position: view.position,
        created_at: view.created_at,
        updated_at: view.updated_at,
    })
}
