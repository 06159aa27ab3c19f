//! People and their data (GDPR, "diritto di accesso" and "diritto all'oblio"): everything held
//! about an e-mail address, and erasing it.
//!
//! A person is known only by the e-mail address of their registrations (compared without regard
//! to case). Erasure anonymises those registrations in one transaction: e-mail, name and
//! attributes are replaced and the manage token stops working, while the registration rows, their
//! statuses and so the sessions' seat counts stay as they were. The audit log never held personal
//! data (it names registrations by id, see `registrations::audited`), so after an erasure none is
//! left anywhere; the erasure itself is audited by registration id. The person's completions of
//! online courses (`completions`) are listed too, and erasure empties their address while their
//! hashed key stays, so a program's counts do not change.

use chrono::{DateTime, Utc};
use serde::Serialize;
use skillhub_core::capacity::{SeatKind, Status};
use skillhub_core::ids::SessionId;
use skillhub_core::person::Email;

use crate::audit::{AuditEntry, audit};
use crate::completions::HeldCompletion;
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
    /// Its completions of online courses, oldest first (none is not written).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub completions: Vec<HeldCompletion>,
}

/// One registration as held, with the session it is for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldRegistration {
    /// Registration id.
    pub id: i64,
    /// The session.
    pub session_id: SessionId,
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
    /// The codice fiscale given with it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codice_fiscale: Option<skillhub_core::codice_fiscale::CodiceFiscale>,
    /// The kind of seat (`in_person` or `online` in JSON).
    pub kind: SeatKind,
    /// Where it stands (its name in JSON: `confirmed`, `waitlisted`, `cancelled`, `attended`,
    /// `no_show`).
    #[serde(serialize_with = "status_name")]
    pub status: Status,
    /// 1-based waiting position, when waitlisted.
    pub position: Option<u32>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Two live registrations of one session that migration 0006 found to be one person (their
/// addresses differ only in case). Both are kept; staff decide which one to cancel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EmailCollision {
    /// The later registration, whose key got `#ID` so the unique index could be built.
    pub registration_id: i64,
    /// The session.
    pub session_id: String,
    /// The oldest live registration of the same person in the session.
    pub kept_id: i64,
}

/// What [`Store::erase_person`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Erasure {
    /// The registrations anonymised, by id (empty when the address held none).
    pub registrations: Vec<i64>,
    /// The completions of online courses whose address was erased, by id (their hashed key
    /// stays, so the targets' counts do not change).
    pub completions: Vec<i64>,
}

/// Everything the store holds about one registration: what its manage link may download.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistrationData {
    /// The registration, with the session it is for.
    pub registration: HeldRegistration,
    /// The audit lines about it, oldest first (they hold no personal data).
    pub audit: Vec<AuditEntry>,
}

/// One row of [`REGISTRATION_DATA`]: the registration with its session, and one of its audit
/// lines (none only if the log was never written for it).
#[derive(sqlx::FromRow)]
struct DataRow {
    #[sqlx(flatten)]
    view: RegistrationView,
    session_title: String,
    session_starts_at: DateTime<Utc>,
    audit_id: Option<i64>,
    audit_at: Option<DateTime<Utc>>,
    audit_actor: Option<String>,
    audit_action: Option<String>,
    audit_before: Option<String>,
    audit_after: Option<String>,
}

/// A registration, its session and its audit lines in one indexed query (the registration by
/// its key, the session by its key, the lines by `audit_by_entity`), one row per audit line.
const REGISTRATION_DATA: &str = "SELECT r.id, r.session_id, r.email, r.name, r.attributes, \
     r.kind, r.tier, r.status, r.lang, \
     CASE WHEN r.status = 'waitlisted' THEN (SELECT COUNT(*) FROM registrations w \
        WHERE w.session_id = r.session_id AND w.kind = r.kind AND w.status = 'waitlisted' \
        AND (w.tier < r.tier OR (w.tier = r.tier AND w.sequence <= r.sequence))) END AS position, \
     r.created_at, r.updated_at, r.hold_expires_at, r.codice_fiscale, s.title AS session_title, s.starts_at AS session_starts_at, \
     a.id AS audit_id, a.at AS audit_at, a.actor AS audit_actor, a.action AS audit_action, \
     a.before AS audit_before, a.after AS audit_after \
     FROM registrations r JOIN sessions s ON s.id = r.session_id \
     LEFT JOIN audit_log a ON a.entity = 'registration' AND a.entity_id = CAST(r.id AS TEXT) \
     WHERE r.id = $1 ORDER BY a.id";

/// The registrations of a person by `email_key` (`$1`), with those that collided with another
/// of the same person in a session when migration 0006 made the key case-insensitive (their own
/// key became `KEY#ID`; `email_key_collisions` keeps the one they share).
const IDS_OF: &str = "SELECT id FROM registrations WHERE email_key = $1 \
     OR id IN (SELECT registration_id FROM email_key_collisions WHERE email_key = $1) ORDER BY id";

/// Anonymises registration `$id` inside the caller's write transaction `$tx` and audits it:
/// the address `erased-ID@erased.invalid`, an empty name, no attributes, a manage token nobody
/// knows, no collision record; status, tier and order stay. Evaluates to `Result<()>`. A macro, like `audit!`, so it
/// is expanded for whichever backend's transaction it is given.
macro_rules! anonymise {
    ($tx:ident, $id:expr, $actor:expr, $now:expr) => {
        async {
            let id: i64 = $id;
            sqlx::query(
                "UPDATE registrations SET email = $2, email_key = $2, name = '', attributes = '{}', \
                 codice_fiscale = NULL, manage_token_hash = $3, updated_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind($crate::erased_address(id))
            .bind(hash_token(&new_token()))
            .bind($now)
            .execute(&mut *$tx)
            .await?;
            // Its migration-0006 collision record keeps the address's key: it goes too.
            sqlx::query("DELETE FROM email_key_collisions WHERE registration_id = $1")
                .bind(id)
                .execute(&mut *$tx)
                .await?;
            // Its messages: queued ones are not sent, sent ones keep no address or facts.
            $crate::outbox::forget_registration!($tx, id)?;
            let view: RegistrationView = sqlx::query_as(VIEW).bind(id).fetch_one(&mut *$tx).await?;
            audit!(
                $tx,
                $now,
                $actor,
                "registration.erase",
                "registration",
                &id.to_string(),
                None::<String>,
                audited(&view)
            )?;
            Ok::<(), Error>(())
        }
        .await
    };
}

impl Store {
    /// Everything held about `email`: its registrations with their sessions, and the audit lines
    /// about them. An address the store does not know gives empty lists.
    pub async fn person_data(&self, email: &Email) -> Result<PersonData> {
        let key = email.key();
        let (views, titles, audit) = read!(self, |pool| {
            let ids: Vec<i64> = sqlx::query_scalar(IDS_OF)
                .bind(&key)
                .fetch_all(pool)
                .await?;
            let mut views: Vec<RegistrationView> = Vec::with_capacity(ids.len());
            let mut titles: Vec<(String, DateTime<Utc>)> = Vec::with_capacity(ids.len());
            let mut audit: Vec<AuditEntry> = Vec::new();
            for id in ids {
                let view: RegistrationView = sqlx::query_as(VIEW).bind(id).fetch_one(pool).await?;
                let title: (String, DateTime<Utc>) =
                    sqlx::query_as("SELECT title, starts_at FROM sessions WHERE id = $1")
                        .bind(view.session_id.as_str())
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
            email: email.as_str().to_owned(),
            registrations,
            audit,
            completions: self.completions_of(&key).await?,
        })
    }

    /// The live registrations that became duplicates of another when e-mail identity became
    /// case-insensitive (migration 0006), by session; those since cancelled are left out.
    pub async fn email_collisions(&self) -> Result<Vec<EmailCollision>> {
        Ok(read!(self, |pool| {
            sqlx::query_as(
                "SELECT c.registration_id, c.session_id, c.kept_id FROM email_key_collisions c \
                 JOIN registrations r ON r.id = c.registration_id \
                 WHERE r.status IN ('confirmed', 'waitlisted') ORDER BY c.session_id, c.registration_id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Everything held about registration `id` alone (its manage link's download): the
    /// registration with its session and its audit lines, in one query; `None` for an unknown id.
    pub async fn registration_data(&self, id: i64) -> Result<Option<RegistrationData>> {
        let rows: Vec<DataRow> = read!(self, |pool| {
            sqlx::query_as(REGISTRATION_DATA)
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        let mut audit = Vec::with_capacity(rows.len());
        let mut first = None;
        for row in rows {
            if let (Some(id), Some(at), Some(actor), Some(action)) = (
                row.audit_id,
                row.audit_at,
                row.audit_actor,
                row.audit_action,
            ) {
                audit.push(AuditEntry {
                    id,
                    at,
                    actor,
                    action,
                    entity: "registration".to_owned(),
                    entity_id: row.view.id.to_string(),
                    before: row.audit_before,
                    after: row.audit_after,
                });
            }
            if first.is_none() {
                first = Some((row.view, row.session_title, row.session_starts_at));
            }
        }
        let Some((view, title, starts_at)) = first else {
            return Ok(None);
        };
        Ok(Some(RegistrationData {
            registration: held(view, title, starts_at)?,
            audit,
        }))
    }

    /// Erases registration `id` alone, as its manage link may: a live registration is cancelled
    /// first (its seat goes to the head of the waiting list, as [`Store::cancel`] does), then in
    /// one transaction it gets the address `erased-ID@erased.invalid`, an empty name, no
    /// attributes and a manage token nobody knows, and the stored answer replayed for its
    /// idempotency key is deleted. The person's other registrations are not touched.
    pub async fn erase_registration(
        &self,
        actor: &str,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Erasure> {
        match self
            .cancel(actor, skillhub_notify::Canceller::Person, id, now)
            .await
        {
            Ok(_) | Err(Error::Transition { .. }) => {}
            Err(other) => return Err(other),
        }
        write_tx!(self, |tx, _lock| {
            anonymise!(tx, id, actor, now)?;
            // The 201 answer kept for an idempotent replay names the registration first.
            sqlx::query(
                "DELETE FROM idempotency_keys WHERE scope LIKE 'POST /v1/sessions/%/registrations%' \
                 AND body LIKE $1",
            )
            .bind(format!("{{\"id\":{id},%"))
            .execute(&mut *tx)
            .await?;
            Ok::<Erasure, Error>(Erasure {
                registrations: vec![id],
                completions: Vec::new(),
            })
        })
    }

    /// Erases `email`: in one transaction, each of its registrations gets the address
    /// `erased-ID@erased.invalid`, an empty name and no attributes, and a manage token nobody
    /// knows; statuses, waiting order and seat counts do not change. Each erasure is audited by
    /// registration id under `actor`. Its messages are forgotten (queued ones deleted, sent ones
    /// emptied) and its data links spent. Its completions of online courses lose their address and
    /// keep the hashed key they count by (each erasure audited by completion id). Erasing an
    /// unknown address does nothing.
    pub async fn erase_person(
        &self,
        actor: &str,
        email: &Email,
        now: DateTime<Utc>,
    ) -> Result<Erasure> {
        let key = email.key();
        write_tx!(self, |tx, _lock| {
            let ids: Vec<i64> = sqlx::query_scalar(IDS_OF)
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
            for &id in &ids {
                anonymise!(tx, id, actor, now)?;
            }
            // Messages to the address about no registration (a lost link) go too.
            crate::outbox::forget_recipient!(tx, &key)?;
            // Its data links ("I miei dati") stop working and keep no address.
            crate::links::forget_data_links!(tx, &key, now)?;
            // Stored responses replayed for idempotency keys may quote the address (a
            // registration's body does): they go too, rather than live out their 24 hours.
            sqlx::query("DELETE FROM idempotency_keys WHERE LOWER(body) LIKE $1 ESCAPE '\\'")
                .bind(quoted_pattern(&key))
                .execute(&mut *tx)
                .await?;
            // Completions online keep the hashed key they count by, not the address.
            let completions = crate::completions::forget_completions!(tx, &key, actor, now)?;
            Ok::<Erasure, Error>(Erasure {
                registrations: ids,
                completions,
            })
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

fn status_name<S: serde::Serializer>(status: &Status, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(status.name())
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
    let position = view.position();
    Ok(HeldRegistration {
        id: view.id,
        session_id: view.session_id,
        session_title,
        session_starts_at,
        email: view.email,
        name: view.name,
        attributes,
        codice_fiscale: view.codice_fiscale,
        kind: view.kind,
        status: view.status,
        position,
        created_at: view.created_at,
        updated_at: view.updated_at,
    })
}
