//! The append-only audit log: who did what, when, with the state before and after. Triggers in
//! both schemas refuse any UPDATE or DELETE of it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Result, Store, read};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    /// Order of writing.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who: `admin`, `operator:<program>`, `public`, `registrant:<id>`, `cli`.
    pub actor: String,
    /// What, e.g. `registration.create`, `registration.promote`.
    pub action: String,
    /// The kind of thing changed: `session`, `registration`.
    pub entity: String,
    /// Its id.
    pub entity_id: String,
    /// Its state before, as JSON (none for a creation).
    pub before: Option<String>,
    /// Its state after, as JSON.
    pub after: Option<String>,
}

/// Appends one line to the audit log inside the caller's transaction `$tx`:
/// `audit!(tx, at, actor, action, entity, entity_id, before, after)`. A macro, so the same SQL
/// is bound for whichever backend's transaction it is given.
macro_rules! audit {
    ($tx:expr, $at:expr, $actor:expr, $action:expr, $entity:expr, $entity_id:expr, $before:expr, $after:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($at)
        .bind($actor)
        .bind($action)
        .bind($entity)
        .bind($entity_id)
        .bind($before)
        .bind($after)
        .execute(&mut *$tx)
        .await
    };
}
pub(crate) use audit;

impl Store {
    /// The audit log of one entity, oldest first.
    pub async fn audit_log(&self, entity: &str, entity_id: &str) -> Result<Vec<AuditEntry>> {
        Ok(read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, at, actor, action, entity, entity_id, before, after FROM audit_log \
                 WHERE entity = $1 AND entity_id = $2 ORDER BY id",
            )
            .bind(entity)
            .bind(entity_id)
            .fetch_all(pool)
            .await?
        }))
    }
}
