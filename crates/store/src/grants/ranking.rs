//! The ranking of a call, never stored as a result: recomputed by the core from the frozen
//! scores, the call's budget and its recorded lottery seed, with the withdrawals replayed;
//! ranking and awarding a call once (taking a seed then when it has none), and withdrawals that
//! promote from the reserve list.

use chrono::{DateTime, Utc};
use serde::Serialize;
use skillhub_allocation::lottery::{self, LotterySeed};
use skillhub_grants::call::Call;
use skillhub_grants::file::{CallRanking, RankRow};
use skillhub_grants::lifecycle::{Event, Stage};
use skillhub_grants::ranking::{Candidate, RankError, Ranking, Status, rank};

use super::applications::{GrantApplicationView, view_of};
use super::definition::stored_call;
use super::rows::{
    APP_SELECT, AppRow, CallData, CallRow, INSERT_AWARD, LOCK_CALL_POSTGRES, LOCK_CALL_SQLITE,
    LockedCall, REPORTS_OF_CALL, ROLES_OF_CALL, ReportRow, RoleRow, SCORES_OF_CALL, SET_STAGE,
    ScoreRow, seed_of,
};
use super::{GrantError, GrantWrite, corrupt, stage_json, stage_name, step, to_i64};
use crate::idempotency::Answers;
use crate::{Error, Idempotency, Replay, Result, Store, audit::audit, read};

/// The ranking of a call in the shape of `skillhub grants rank --json` (serialized exactly like
/// it), with the stored ids of the applications and the Italian text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantRanking {
    /// Every application of the ranking, in rank order, below-threshold ones last.
    pub ranking: Vec<RankRow>,
    /// The sum awarded.
    pub awarded_cents: u64,
    /// The budget left.
    pub remaining_cents: u64,
    /// The stored id of each row's application, in the same order.
    #[serde(skip)]
    pub application_ids: Vec<i64>,
    /// Whether this is the awarded ranking (`false`: a preview of an unranked call).
    #[serde(skip)]
    pub awarded: bool,
    /// The ranking in Italian, one explained line per application.
    #[serde(skip)]
    pub text_it: String,
}

/// What a withdrawal did.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantWithdrawal {
    /// The withdrawn application.
    pub application: GrantApplicationView,
    /// Applications promoted from the reserve list, in rank order.
    pub promoted: Vec<GrantApplicationView>,
}

/// Awards `$cents` to application `$id` in `$tx`; `$how` is `ranking` or `promotion`.
// A macro: expanded for either backend's transaction type.
macro_rules! award {
    ($tx:ident, $id:expr, $cents:expr, $now:expr, $how:expr) => {
        sqlx::query(INSERT_AWARD)
            .bind($id)
            .bind($cents)
            .bind($now)
            .bind($how)
            .execute(&mut *$tx)
            .await?;
    };
}

/// The candidates of `apps` (in the given order) for [`rank`].
fn candidates<'a>(call: &Call, data: &CallData, apps: &[&'a AppRow]) -> Result<Vec<Candidate<'a>>> {
    let mut out = Vec::with_capacity(apps.len());
    for app in apps {
        let assessment = data.assessment(call, app)?;
        out.push(Candidate {
            id: app.code.as_str(),
            requested: app.requested(),
            total: assessment.total,
            misses: assessment.misses,
            preferences: call
                .preferences_met(&app.tags(&app.priorities)?, &app.tags(&app.project_kinds)?),
            submitted_at: app
                .submitted_at
                .ok_or_else(|| corrupt("grant_applications", "evaluated but never submitted"))?,
        });
    }
    Ok(out)
}

fn rank_error(err: RankError) -> Error {
    match err {
        RankError::SeedNeeded(a, b) => GrantError::SeedNeeded(format!(
            "{a:?} and {b:?} tie on total, priority criteria and submission time, so the lottery \
             must decide, but the call has no lottery_seed: rank it giving one, as \
             {{\"lottery_seed\": N}} (a whole number or 64 hex digits) or as \
             {{\"public_value\": \"…\"}} for a verifiable draw (the seed is then SHA-256 of the \
             ranked application ids, sorted, one a line, followed by the public value)"
        ))
        .into(),
        other => corrupt("grant_applications", other),
    }
}

/// [`rank`] over `apps`, in the given order.
fn ranked<'a>(
    call: &Call,
    seed: Option<LotterySeed>,
    data: &CallData,
    apps: &[&'a AppRow],
) -> Result<Ranking<'a>> {
    let candidates = candidates(call, data, apps)?;
    rank(&candidates, call.budget(), seed).map_err(rank_error)
}

/// The applications an unranked call would rank now: the evaluated ones.
fn evaluated(data: &CallData) -> Vec<&AppRow> {
    data.apps
        .iter()
        .filter(|a| a.stage == stage_name(Stage::Evaluated))
        .collect()
}

/// The applications a ranked call's ranking covers.
fn covered(data: &CallData) -> Vec<&AppRow> {
    data.apps.iter().filter(|a| a.in_ranking == 1).collect()
}

/// The awarded ranking of a ranked call: [`rank`] over the applications it covers, then the
/// withdrawals since, in their order.
fn replayed<'a>(call: &Call, seed: Option<LotterySeed>, data: &'a CallData) -> Result<Ranking<'a>> {
    let covered = covered(data);
    let mut ranking = ranked(call, seed, data, &covered)?;
    let mut withdrawn: Vec<&AppRow> = covered
        .iter()
        .copied()
        .filter(|a| a.withdrawal_seq.is_some())
        .collect();
    withdrawn.sort_by_key(|a| a.withdrawal_seq);
    for app in withdrawn {
        ranking
            .withdraw(&app.code)
            .map_err(|e| corrupt("grant_applications", e))?;
    }
    Ok(ranking)
}

/// A lottery seed given when a call is ranked, for a call that recorded none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RankingSeed {
    /// This seed.
    Seed(LotterySeed),
    /// A verifiable draw: the seed is SHA-256 of the ids of the applications ranked (sorted by
    /// their bytes, each followed by a line break) followed by this public value, e.g. the
    /// numbers of a stated lotto draw ([`LotterySeed::from_public_value`]), so anyone can
    /// recompute it once the value is published.
    PublicValue(String),
}

/// The seed a ranking of `apps` uses: the recorded one, or the one given when there is none.
/// A given seed that differs from the recorded one (or from none, on a call already ranked)
/// is refused. Returns the seed, and whether it was given now.
fn ranking_seed(
    row: &CallRow,
    recorded: Option<LotterySeed>,
    given: Option<&RankingSeed>,
    apps: &[&AppRow],
) -> Result<(Option<LotterySeed>, bool)> {
    let given = match given {
        None => return Ok((recorded, false)),
        Some(RankingSeed::Seed(seed)) => *seed,
        Some(RankingSeed::PublicValue(value)) => {
            let ids: Vec<&str> = apps.iter().map(|a| a.code.as_str()).collect();
            let canonical =
                lottery::canonical_list(&ids).map_err(|e| corrupt("grant_applications", e))?;
            LotterySeed::from_public_value(&canonical, value)
        }
    };
    match recorded {
        Some(seed) if seed == given => Ok((recorded, false)),
        None if row.ranked_at.is_none() => Ok((Some(given), true)),
        other => Err(GrantError::SeedRecorded {
            call: row.id.clone(),
            recorded: other.map(|s| s.to_string()),
        }
        .into()),
    }
}

fn ranking_view(ranking: &Ranking<'_>, data: &CallData, awarded: bool) -> GrantRanking {
    let file = CallRanking::from(ranking);
    let id_of = |code: &str| {
        data.apps
            .iter()
            .find(|a| a.code == code)
            .map_or(0, |a| a.id)
    };
    GrantRanking {
        application_ids: file.ranking.iter().map(|row| id_of(&row.id)).collect(),
        text_it: file.text_it().to_owned(),
        ranking: file.ranking,
        awarded_cents: file.awarded_cents,
        remaining_cents: file.remaining_cents,
        awarded,
    }
}

/// Whether the stored stage agrees with the replayed ranking's status.
fn agrees(stage: Stage, status: Status) -> bool {
    match status {
        Status::Funded => matches!(
            stage,
            Stage::Funded | Stage::ReportsDue | Stage::FinalReportReceived | Stage::Closed
        ),
        Status::Reserve => stage == Stage::Reserve,
        Status::BelowThreshold => matches!(stage, Stage::NotFunded | Stage::Closed),
        Status::Withdrawn => stage == Stage::Withdrawn,
    }
}

impl Store {
    /// The ranking of a call: the awarded one once the call was ranked (with the withdrawals
    /// since), else a preview over the applications evaluated so far that writes nothing.
    /// Computed with the same core functions as `skillhub grants rank CALL.json`, under the
    /// call's lock so the ranking and the stored stages are read together.
    pub async fn grant_ranking(&self, call_id: &str) -> Result<GrantRanking> {
        call_tx!(self, |tx, lock| {
            let locked = lock_and_load!(tx, lock, call_id);
            let (call, seed, data) = (&locked.call, locked.seed, &locked.data);
            if locked.row.ranked_at.is_some() {
                return Ok(ranking_view(&replayed(call, seed, data)?, data, true));
            }
            let ranking = ranked(call, seed, data, &evaluated(data))?;
            Ok(ranking_view(&ranking, data, false))
        })
    }

    /// Ranks a call and awards its budget, once: every evaluated application is ranked
    /// (or found below threshold), then funded, put on the reserve list or declined, as the
    /// core's budget walk says. Refused while applications wait for their evaluation. A call
    /// without a recorded lottery seed can be given one now (`seed`), which is recorded with it
    /// and in the audit log; a seed other than the recorded one is refused. Asking again
    /// returns the awarded ranking unchanged.
    pub async fn rank_grant_call(
        &self,
        call_id: &str,
        given: Option<&RankingSeed>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<GrantRanking> {
        call_tx!(self, |tx, lock| {
            let locked = lock_and_load!(tx, lock, call_id);
            let (row, call, data) = (&locked.row, &locked.call, &locked.data);
            if row.ranked_at.is_some() {
                let (seed, _) = ranking_seed(row, locked.seed, given, &covered(data))?;
                return Ok(ranking_view(&replayed(call, seed, data)?, data, true));
            }
            let mut pending = Vec::new();
            for app in &data.apps {
                if matches!(
                    app.stage()?,
                    Stage::Submitted | Stage::Eligible | Stage::UnderEvaluation
                ) {
                    pending.push(app.code.clone());
                }
            }
            if !pending.is_empty() {
                return Err(GrantError::EvaluationPending(pending).into());
            }
            let evaluated = evaluated(data);
            let (seed, given_now) = ranking_seed(row, locked.seed, given, &evaluated)?;
            let ranking = ranked(call, seed, data, &evaluated)?;
            for entry in ranking.entries() {
                let app = evaluated[entry.index];
                let ranked = step(&app.code, Stage::Evaluated, Event::Rank)?;
                let (event, action) = match entry.status {
                    Status::Funded => (Event::Fund, "grant_application.fund"),
                    Status::Reserve => (Event::PutInReserve, "grant_application.reserve"),
                    Status::BelowThreshold | Status::Withdrawn => {
                        (Event::Decline, "grant_application.decline")
                    }
                };
                let to = step(&app.code, ranked, event)?;
                let rank = entry.rank.map(i64::from);
                move_to!(tx, now, actor, app, to, rank, 1_i64, action);
                if to == Stage::Funded {
                    award!(tx, app.id, to_i64(entry.awarded.get()), now, "ranking");
                }
            }
            let recorded = seed.map(|s| s.to_string());
            sqlx::query("UPDATE grant_calls SET ranked_at = $2, lottery_seed = $3 WHERE id = $1")
                .bind(call_id)
                .bind(now)
                .bind(&recorded)
                .execute(&mut *tx)
                .await?;
            let public_value = match given {
                Some(RankingSeed::PublicValue(value)) if given_now => Some(value.as_str()),
                _ => None,
            };
            let after = serde_json::json!({
                "awarded_cents": ranking.awarded().get(),
                "remaining_cents": ranking.remaining().get(),
                "seed": recorded,
                "seed_given": given_now,
                "public_value": public_value,
            });
            audit!(
                tx,
                now,
                actor,
                "grant_call.rank",
                "grant_call",
                call_id,
                None::<String>,
                Some(after.to_string())
            )?;
            let mut view = ranking_view(&ranking, data, true);
            view.application_ids = ranking
                .entries()
                .iter()
                .map(|e| evaluated[e.index].id)
                .collect();
            Ok(view)
        })
    }

    /// Withdraws an application at any stage before closing. When it was in the awarded
    /// ranking, its money goes back to the budget and the reserve list is walked again in rank
    /// order (the core's [`Ranking::withdraw`]): each application whose request fits is funded,
    /// in the same transaction. With `idempotency`, a repeated key with the same request
    /// replays `respond`'s answer.
    pub async fn withdraw_grant_application(
        &self,
        application_id: i64,
        actor: &str,
        idempotency: Option<&Idempotency>,
        now: DateTime<Utc>,
        respond: impl FnOnce(&GrantWithdrawal) -> Replay,
    ) -> Result<GrantWrite<GrantWithdrawal>> {
        application_write!(
            self,
            application_id,
            idempotency,
            now,
            respond,
            |tx, locked, app| {
                let (call, data) = (&locked.call, &locked.data);
                let to = step(&app.code, app.stage()?, Event::Withdraw)?;
                let mut promoted_ids = Vec::new();
                if locked.row.ranked_at.is_some() && app.in_ranking == 1 {
                    let mut ranking = replayed(call, locked.seed, data)?;
                    for entry in ranking.entries() {
                        let stored = data.by_code(entry.id)?;
                        if !stored.stage().is_ok_and(|s| agrees(s, entry.status)) {
                            return Err(corrupt(
                                "grant_applications",
                                format!(
                                    "{} is stored as {} but the ranking says {}",
                                    entry.id,
                                    stored.stage,
                                    entry.status.as_str()
                                ),
                            ));
                        }
                    }
                    let promoted = ranking
                        .withdraw(&app.code)
                        .map_err(|e| corrupt("grant_applications", e))?;
                    for code in promoted {
                        let lucky = data.by_code(code)?;
                        let funded = step(&lucky.code, lucky.stage()?, Event::Fund)?;
                        let action = "grant_application.promote";
                        move_to!(tx, now, actor, lucky, funded, lucky.rank, 1_i64, action);
                        sqlx::query("DELETE FROM grant_awards WHERE application_id = $1")
                            .bind(lucky.id)
                            .execute(&mut *tx)
                            .await?;
                        award!(tx, lucky.id, lucky.requested_cents, now, "promotion");
                        promoted_ids.push(lucky.id);
                    }
                    let seq: Option<i64> = sqlx::query_scalar(
                        "SELECT MAX(withdrawal_seq) FROM grant_applications WHERE call_id = $1",
                    )
                    .bind(&locked.row.id)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE grant_applications SET withdrawal_seq = $2 WHERE id = $1")
                        .bind(app.id)
                        .bind(seq.unwrap_or(0) + 1)
                        .execute(&mut *tx)
                        .await?;
                }
                let action = "grant_application.withdraw";
                move_to!(tx, now, actor, app, to, app.rank, app.in_ranking, action);
                sqlx::query("UPDATE grant_awards SET withdrawn_at = $2 WHERE application_id = $1")
                    .bind(app.id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                let mut views = Vec::new();
                for id in std::iter::once(app.id).chain(promoted_ids) {
                    let fresh = fetch_app!(tx, id);
                    views.push(view_of(call.reporting(), &fresh, &data.reports)?);
                }
                let mut views = views.into_iter();
                let application = views
                    .next()
                    .ok_or_else(|| corrupt("grant_applications", "vanished"))?;
                GrantWithdrawal {
                    application,
                    promoted: views.collect(),
                }
            }
        )
    }
}
