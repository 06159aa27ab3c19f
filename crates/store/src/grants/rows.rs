//! The rows of the grant tables as sqlx decodes them, the SQL the operations share, and what
//! decisions about a call read under its lock ([`CallData`], [`LockedCall`]).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use skillhub_allocation::lottery::LotterySeed;
use skillhub_core::ids::Tag;
use skillhub_core::program::Cents;
use skillhub_grants::call::Call;
use skillhub_grants::evaluation::{Assessment, Part, assess};
use skillhub_grants::lifecycle::Stage;
use skillhub_grants::score::{Points, Tally};

use super::{GrantError, corrupt, parse_stage, stage_name};
use crate::Result;

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct CallRow {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) definition: String,
    pub(super) lottery_seed: Option<String>,
    pub(super) ranked_at: Option<DateTime<Utc>>,
    pub(super) next_number: i64,
    pub(super) created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct AppRow {
    pub(super) id: i64,
    pub(super) call_id: String,
    pub(super) code: String,
    pub(super) applicant: Option<String>,
    pub(super) requested_cents: i64,
    pub(super) priorities: String,
    pub(super) project_kinds: String,
    pub(super) stage: String,
    pub(super) submitted_at: Option<DateTime<Utc>>,
    pub(super) shortfalls: String,
    pub(super) in_ranking: i64,
    pub(super) rank: Option<i64>,
    pub(super) withdrawal_seq: Option<i64>,
    pub(super) awarded_at: Option<DateTime<Utc>>,
    pub(super) award_cents: Option<i64>,
    pub(super) award_withdrawn_at: Option<DateTime<Utc>>,
}

impl AppRow {
    pub(super) fn stage(&self) -> Result<Stage> {
        parse_stage(&self.stage)
    }

    pub(super) fn requested(&self) -> Cents {
        Cents::new(u64::try_from(self.requested_cents).unwrap_or(0))
    }

    /// The same application, moved to `stage`.
    pub(super) fn at(&self, stage: Stage) -> AppRow {
        AppRow {
            stage: stage_name(stage).to_owned(),
            ..self.clone()
        }
    }

    pub(super) fn tags(&self, text: &str) -> Result<BTreeSet<Tag>> {
        let list: Vec<String> =
            serde_json::from_str(text).map_err(|e| corrupt("grant_applications", e))?;
        list.iter()
            .map(|t| Tag::parse(t).map_err(|e| corrupt("grant_applications", e)))
            .collect()
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct ScoreRow {
    pub(super) application_id: i64,
    pub(super) evaluator: String,
    pub(super) criterion: String,
    pub(super) points_micros: i64,
    pub(super) comment: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct RoleRow {
    pub(super) application_id: i64,
    pub(super) evaluator_id: i64,
    pub(super) evaluator: String,
    pub(super) role: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct ReportRow {
    pub(super) application_id: i64,
    pub(super) number: i64,
    pub(super) received_on: NaiveDate,
}

pub(super) const CALL_COLUMNS: &str =
    "id, name, definition, lottery_seed, ranked_at, next_number, created_at FROM grant_calls";
pub(super) const LOCK_CALL_SQLITE: &str = "SELECT id, name, definition, lottery_seed, ranked_at, next_number, created_at FROM grant_calls WHERE id = $1";
pub(super) const LOCK_CALL_POSTGRES: &str = "SELECT id, name, definition, lottery_seed, ranked_at, next_number, created_at FROM grant_calls WHERE id = $1 FOR UPDATE";

pub(super) const APP_SELECT: &str = "SELECT a.id, a.call_id, a.code, a.applicant, a.requested_cents, \
     a.priorities, a.project_kinds, a.stage, a.submitted_at, a.shortfalls, a.in_ranking, a.rank, \
     a.withdrawal_seq, w.awarded_at, w.amount_cents AS award_cents, \
     w.withdrawn_at AS award_withdrawn_at \
     FROM grant_applications a LEFT JOIN grant_awards w ON w.application_id = a.id";

pub(super) const SCORES_OF_CALL: &str = "SELECT s.application_id, e.code AS evaluator, s.criterion, \
     s.points_micros, s.comment FROM grant_scores s \
     JOIN grant_evaluators e ON e.id = s.evaluator_id \
     JOIN grant_applications a ON a.id = s.application_id WHERE a.call_id = $1 \
     ORDER BY s.application_id, e.code, s.criterion";

pub(super) const ROLES_OF_CALL: &str = "SELECT g.application_id, g.evaluator_id, e.code AS evaluator, g.role \
     FROM grant_assignments g JOIN grant_evaluators e ON e.id = g.evaluator_id \
     WHERE e.call_id = $1 ORDER BY g.application_id, e.code";

pub(super) const REPORTS_OF_CALL: &str = "SELECT r.application_id, r.number, r.received_on \
     FROM grant_reports r JOIN grant_applications a ON a.id = r.application_id \
     WHERE a.call_id = $1 ORDER BY r.application_id, r.number";

pub(super) const SET_STAGE: &str = "UPDATE grant_applications SET stage = $2, rank = $3, in_ranking = $4, updated_at = $5 WHERE id = $1";

pub(super) const INSERT_AWARD: &str = "INSERT INTO grant_awards (application_id, amount_cents, awarded_at, how) \
     VALUES ($1, $2, $3, $4)";

/// A call under its lock: its row, the core call, its recorded seed and its data.
pub(super) struct LockedCall {
    pub(super) row: CallRow,
    pub(super) call: Call,
    pub(super) seed: Option<LotterySeed>,
    pub(super) data: CallData,
}

/// The stages in which an application no longer counts as its cooperative's application to the
/// call (SQL list): another one with the same partita IVA may then be handed in.
pub(super) const NOT_LIVE: &str = "('ineligible', 'withdrawn', 'closed')";

/// What decisions about a call read.
pub(super) struct CallData {
    pub(super) apps: Vec<AppRow>,
    pub(super) scores: Vec<ScoreRow>,
    pub(super) roles: Vec<RoleRow>,
    pub(super) reports: Vec<ReportRow>,
}

impl CallData {
    pub(super) fn app(&self, id: i64) -> Option<&AppRow> {
        self.apps.iter().find(|a| a.id == id)
    }

    /// The application `id`, or `UnknownApplication`.
    pub(super) fn application(&self, id: i64) -> Result<&AppRow> {
        self.app(id)
            .ok_or_else(|| GrantError::UnknownApplication(id.to_string()).into())
    }

    /// The application with this code, or a corrupt-row error (the ranking named it).
    pub(super) fn by_code(&self, code: &str) -> Result<&AppRow> {
        self.apps
            .iter()
            .find(|a| a.code == code)
            .ok_or_else(|| corrupt("grant_applications", format!("{code} is not stored")))
    }

    pub(super) fn conflicts(&self, application: i64) -> BTreeSet<&str> {
        self.roles
            .iter()
            .filter(|r| r.application_id == application && r.role == "conflict")
            .map(|r| r.evaluator.as_str())
            .collect()
    }

    /// The application's score from every sheet of an evaluator without a conflict: the same
    /// [`assess`] the call file uses.
    pub(super) fn assessment(&self, call: &Call, app: &AppRow) -> Result<Assessment> {
        let conflicts = self.conflicts(app.id);
        let mut tallies = vec![Tally::default(); call.criteria().len()];
        for score in self
            .scores
            .iter()
            .filter(|s| s.application_id == app.id && !conflicts.contains(s.evaluator.as_str()))
        {
            let k = call
                .criteria()
                .iter()
                .position(|c| c.id.as_str() == score.criterion)
                .ok_or_else(|| corrupt("grant_scores", "a score of an unknown criterion"))?;
            tallies[k].add(stored_points(score.points_micros)?);
        }
        let parts: Vec<Part<'_>> = call
            .criteria()
            .iter()
            .zip(&tallies)
            .map(|(c, &tally)| Part {
                id: c.id.as_str(),
                label_it: &c.label_it,
                weight: c.weight,
                min_score: c.min_score,
                tally,
            })
            .collect();
        assess(&parts, call.min_total()).map_err(|e| corrupt("grant_scores", e))
    }
}

/// Points as stored (millionths).
pub(super) fn stored_points(micros: i64) -> Result<Points> {
    u64::try_from(micros)
        .ok()
        .and_then(|m| Points::from_micros(m).ok())
        .ok_or_else(|| corrupt("grant_scores", "points out of range"))
}

pub(super) fn seed_of(row: &CallRow) -> Result<Option<LotterySeed>> {
    row.lottery_seed
        .as_deref()
        .map(|s| LotterySeed::parse(s).map_err(|e| corrupt("grant_calls", e)))
        .transpose()
}
