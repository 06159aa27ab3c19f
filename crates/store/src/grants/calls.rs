//! Calls: storing one from its definition (with the applications, evaluators, conflicts and
//! scores a `skillhub grants rank` file holds, ready to rank) and reading it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use skillhub_grants::call::Call;
use skillhub_grants::lifecycle::Stage;

use super::definition::{check_definition, stored_call, whole_cents, with_applications};
use super::rows::{CALL_COLUMNS, CallRow, LOCK_CALL_SQLITE};
use super::{GrantError, GrantWrite, corrupt, stage_json, stage_name, to_i64};
use crate::idempotency::Answers;
use crate::{Error, Idempotency, Replay, Result, Store, audit::audit, read};

/// A criterion of a stored call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionView {
    /// Id.
    pub id: String,
    /// Italian name.
    pub label_it: String,
    /// Weight.
    pub weight: f64,
    /// Lowest mean allowed.
    pub min_score: Option<f64>,
}

/// A stored grant call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantCallView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Budget in cents.
    pub budget_cents: u64,
    /// Scored criteria.
    pub criteria: Vec<CriterionView>,
    /// Lowest total allowed.
    pub min_total: Option<f64>,
    /// The recorded lottery seed (64 hex digits), if any.
    pub lottery_seed: Option<String>,
    /// Months between periodic reports.
    pub report_every_months: u32,
    /// Months from the award to the final report.
    pub report_duration_months: u32,
    /// When it was ranked, if it was.
    pub ranked_at: Option<DateTime<Utc>>,
    /// How many applications it has.
    pub applications: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
}

fn call_view(row: &CallRow, call: &Call, applications: i64) -> GrantCallView {
    GrantCallView {
        id: row.id.clone(),
        name: row.name.clone(),
        budget_cents: call.budget().get(),
        criteria: call
            .criteria()
            .iter()
            .map(|c| CriterionView {
                id: c.id.as_str().to_owned(),
                label_it: c.label_it.clone(),
                weight: c.weight.micros() as f64 / 1e6,
                min_score: c.min_score.map(|p| p.micros() as f64 / 1e6),
            })
            .collect(),
        min_total: call.min_total().map(|p| p.micros() as f64 / 1e6),
        lottery_seed: row.lottery_seed.clone(),
        report_every_months: call.reporting().every_months(),
        report_duration_months: call.reporting().duration_months(),
        ranked_at: row.ranked_at,
        applications,
        created_at: row.created_at,
    }
}

/// A unique violation on inserting a call means another transaction created it first.
fn duplicate_or(err: sqlx::Error, call_id: &str) -> Error {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            GrantError::DuplicateCall(call_id.to_owned()).into()
        }
        _ => err.into(),
    }
}

impl Store {
    /// Stores a call from its JSON (the `skillhub grants rank` file, see the module docs), with
    /// the applications, evaluators, conflicts and scores the file holds: each application is
    /// submitted, admitted and evaluated, ready to rank. `id` overrides the JSON's `id`.
    /// With `idempotency`, a repeated key with the same request replays `respond`'s answer.
    pub async fn create_grant_call(
        &self,
        definition: &str,
        id: Option<&str>,
        actor: &str,
        idempotency: Option<&Idempotency>,
        now: DateTime<Utc>,
        respond: impl FnOnce(&GrantCallView) -> Replay,
    ) -> Result<GrantWrite<GrantCallView>> {
        let completed = with_applications(definition);
        let definition = completed.as_deref().unwrap_or(definition);
        let checked = check_definition(definition, id)?;
        let call_id = checked.call.id().as_str().to_owned();
        let seed = checked.seed.map(|s| s.to_string());
        crate::write_tx!(self, |tx, _lock| {
            if let Some(replay) = tx.recall(idempotency, now).await? {
                return Ok(GrantWrite::Replayed(replay));
            }
            let exists: Option<String> =
                sqlx::query_scalar("SELECT id FROM grant_calls WHERE id = $1")
                    .bind(&call_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_some() {
                return Err(GrantError::DuplicateCall(call_id.clone()).into());
            }
            if let Some(program) = &checked.program {
                let known: Option<String> =
                    sqlx::query_scalar("SELECT id FROM programs WHERE id = $1")
                        .bind(program.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                if known.is_none() {
                    return Err(GrantError::Invalid {
                        pointer: "/program".to_owned(),
                        message: format!("no program has id \"{program}\""),
                    }
                    .into());
                }
            }
            sqlx::query(
                "INSERT INTO grant_calls (id, name, definition, budget_cents, lottery_seed, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&call_id)
            .bind(checked.call.name())
            .bind(definition)
            .bind(to_i64(checked.call.budget().get()))
            .bind(&seed)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| duplicate_or(e, &call_id))?;
            audit!(
                tx,
                now,
                actor,
                "grant_call.create",
                "grant_call",
                &call_id,
                None::<String>,
                Some(format!(
                    "{{\"budget_cents\":{},\"applications\":{}}}",
                    checked.call.budget().get(),
                    checked.applications.len()
                ))
            )?;
            let mut evaluators: BTreeMap<String, i64> = BTreeMap::new();
            for a in &checked.applications {
                for code in a.scores.keys().chain(a.conflicts.iter().flatten()) {
                    if evaluators.contains_key(code) {
                        continue;
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO grant_evaluators (call_id, code, label, created_at) \
                         VALUES ($1, $2, $2, $3) RETURNING id",
                    )
                    .bind(&call_id)
                    .bind(code)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    evaluators.insert(code.clone(), id);
                }
            }
            for a in &checked.applications {
                let submitted_at = DateTime::parse_from_rfc3339(&a.submitted_at)
                    .map_err(|e| corrupt("grant_applications", e))?
                    .with_timezone(&Utc);
                let priorities: Vec<&str> =
                    a.priority.iter().flatten().map(String::as_str).collect();
                let requested = whole_cents(&a.requested_cents).unwrap_or(0);
                let app_id: i64 = sqlx::query_scalar(
                    "INSERT INTO grant_applications (call_id, code, requested_cents, priorities, \
                     project_kinds, stage, submitted_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, '[]', $5, $6, $7, $7) RETURNING id",
                )
                .bind(&call_id)
                .bind(&a.id)
                .bind(to_i64(requested))
                .bind(serde_json::to_string(&priorities).unwrap_or_else(|_| "[]".to_owned()))
                .bind(stage_name(Stage::Evaluated))
                .bind(submitted_at)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let conflicts: BTreeSet<&String> = a.conflicts.iter().flatten().collect();
                for code in a.scores.keys().chain(a.conflicts.iter().flatten()) {
                    let role = if conflicts.contains(code) {
                        "conflict"
                    } else {
                        "assigned"
                    };
                    sqlx::query(
                        "INSERT INTO grant_assignments (evaluator_id, application_id, role) \
                         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(evaluators.get(code).copied().unwrap_or(0))
                    .bind(app_id)
                    .bind(role)
                    .execute(&mut *tx)
                    .await?;
                }
                // A conflict withdraws the sheet (core's rule), so conflicted sheets are not kept.
                for (code, sheet) in a.scores.iter().filter(|(c, _)| !conflicts.contains(c)) {
                    for (criterion, points) in sheet {
                        sqlx::query(
                            "INSERT INTO grant_scores (application_id, evaluator_id, criterion, \
                             points_micros, comment, scored_at) VALUES ($1, $2, $3, $4, '', $5)",
                        )
                        .bind(app_id)
                        .bind(evaluators.get(code).copied().unwrap_or(0))
                        .bind(criterion)
                        .bind(to_i64(points.micros()))
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                audit!(
                    tx,
                    now,
                    actor,
                    "grant_application.import",
                    "grant_application",
                    &app_id.to_string(),
                    None::<String>,
                    Some(stage_json(stage_name(Stage::Evaluated)))
                )?;
            }
            let row: CallRow = sqlx::query_as(LOCK_CALL_SQLITE)
                .bind(&call_id)
                .fetch_one(&mut *tx)
                .await?;
            let count = i64::try_from(checked.applications.len()).unwrap_or(i64::MAX);
            let view = call_view(&row, &checked.call, count);
            tx.remember(idempotency, &respond(&view), now).await?;
            Ok(GrantWrite::Done(view))
        })
    }

    /// A stored call, if there is one.
    pub async fn grant_call(&self, id: &str) -> Result<Option<GrantCallView>> {
        let row: Option<CallRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {CALL_COLUMNS} WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else { return Ok(None) };
        let count: i64 = read!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM grant_applications WHERE call_id = $1")
                .bind(id)
                .fetch_one(pool)
                .await?
        });
        let checked = stored_call(&row.id, &row.definition)?;
        Ok(Some(call_view(&row, &checked.call, count)))
    }
}
