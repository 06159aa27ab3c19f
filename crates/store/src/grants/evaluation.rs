//! Evaluation: evaluators (reached by their token) with the applications assigned to them and
//! their declared conflicts of interest, and score sheets; an application's evaluation completes
//! when every evaluator assigned to it has scored.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use skillhub_core::ids::Tag;
use skillhub_grants::call::{ApplicationId, EvaluatorId};
use skillhub_grants::evaluation::{Evaluation, EvaluationError, Mark, ScoreSheet};
use skillhub_grants::lifecycle::{Event, Stage};

use super::applications::{GrantApplicationView, view_of};
use super::definition::stored_call;
use super::rows::{
    APP_SELECT, AppRow, CallData, CallRow, LOCK_CALL_POSTGRES, LOCK_CALL_SQLITE, LockedCall,
    REPORTS_OF_CALL, ROLES_OF_CALL, ReportRow, RoleRow, SCORES_OF_CALL, SET_STAGE, ScoreRow,
    seed_of, stored_points,
};
use super::{GrantError, GrantWrite, corrupt, invalid, stage_json, stage_name, step, to_i64};
use crate::idempotency::Answers;
use crate::{Error, Idempotency, Replay, Result, Store, audit::audit, hash_token, new_token, read};

/// What an admin asks when adding an evaluator to a call.
#[derive(Debug, Clone)]
pub struct NewEvaluator {
    /// A name for people (never shown to applicants).
    pub label: String,
    /// Applications (ids) to assign.
    pub applications: Vec<i64>,
    /// Applications (ids) the evaluator declared a conflict of interest with.
    pub conflicts: Vec<i64>,
    /// Where the call writes to the evaluator (each assigned application), if anywhere.
    pub email: Option<skillhub_core::person::Email>,
}

/// A stored evaluator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EvaluatorView {
    /// Id.
    pub id: i64,
    /// The call.
    pub call_id: String,
    /// The evaluator's code in score sheets, e.g. `ev2`.
    pub code: String,
    /// Name for people.
    pub label: String,
}

/// An application assigned to an evaluator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    /// The application.
    pub application: GrantApplicationView,
    /// Whether this evaluator's sheet is in.
    pub scored: bool,
}

impl Store {
    /// Adds an evaluator to a call with a new token (shown once, stored hashed), assigns it
    /// applications (an eligible one starts its evaluation) and records its declared conflicts
    /// of interest. Applications must belong to the call; an application cannot be both.
    pub async fn create_grant_evaluator(
        &self,
        call_id: &str,
        request: &NewEvaluator,
        actor: &str,
        idempotency: Option<&Idempotency>,
        now: DateTime<Utc>,
        respond: impl FnOnce(&EvaluatorView, &str) -> Replay,
    ) -> Result<GrantWrite<(EvaluatorView, String)>> {
        token_write!(
            self,
            call_id,
            idempotency,
            now,
            respond,
            |tx, _row, token_hash| {
                let data = load_call_data!(tx, call_id);
                let mut targets = Vec::new();
                for (list, name, role) in [
                    (&request.applications, "applications", "assigned"),
                    (&request.conflicts, "conflicts", "conflict"),
                ] {
                    for (i, id) in list.iter().enumerate() {
                        let pointer = format!("/{name}/{i}");
                        let Some(app) = data.app(*id) else {
                            return Err(invalid(
                                &pointer,
                                format!("call {call_id} has no application {id}"),
                            )
                            .into());
                        };
                        if targets.iter().any(|(a, _): &(&AppRow, &str)| a.id == *id) {
                            return Err(invalid(
                                &pointer,
                                format!("application {id} is listed twice"),
                            )
                            .into());
                        }
                        targets.push((app, role));
                    }
                }
                let count: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM grant_evaluators WHERE call_id = $1")
                        .bind(call_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let (code, _) = free_code!(
                    tx,
                    "SELECT id FROM grant_evaluators WHERE call_id = $1 AND code = $2",
                    call_id,
                    "ev",
                    count + 1
                );
                let evaluator: EvaluatorView = sqlx::query_as(
                    "INSERT INTO grant_evaluators (call_id, code, label, token_hash, created_at, email) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, call_id, code, label",
                )
                .bind(call_id)
                .bind(&code)
                .bind(&request.label)
                .bind(&token_hash)
                .bind(now)
                .bind(request.email.as_ref().map(skillhub_core::person::Email::as_str))
                .fetch_one(&mut *tx)
                .await?;
                audit!(
                    tx,
                    now,
                    actor,
                    "grant_evaluator.create",
                    "grant_evaluator",
                    &evaluator.id.to_string(),
                    None::<String>,
                    Some(format!("{{\"call\":\"{call_id}\",\"code\":\"{code}\"}}"))
                )?;
                let mut letters = Vec::new();
                if let Some(email) = &request.email {
                    let call_name: String = sqlx::query_scalar(super::notices::CALL_NAME)
                        .bind(call_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    for (app, role) in &targets {
                        if *role != "assigned" {
                            continue;
                        }
                        let notice = skillhub_notify::Notice {
                            lang: skillhub_core::lang::Lang::It,
                            name: request.label.clone(),
                            event: skillhub_notify::Event::EvaluatorAssigned {
                                call: call_name.clone(),
                                application: app.id,
                            },
                        };
                        letters.push(crate::notices::letter(
                            None,
                            email.as_str(),
                            &email.key(),
                            notice,
                            now,
                        )?);
                    }
                }
                crate::outbox::post!(tx, letters, now)?;
                for (app, role) in targets {
                    let stage = app.stage()?;
                    if role == "assigned" {
                        // Scoring is only open before the evaluation completes.
                        let to = match stage {
                            Stage::UnderEvaluation => stage,
                            other => step(&app.code, other, Event::StartEvaluation)?,
                        };
                        if to != stage {
                            move_to!(
                                tx,
                                now,
                                actor,
                                app,
                                to,
                                None::<i64>,
                                0_i64,
                                "grant_application.start_evaluation"
                            );
                        }
                    }
                    sqlx::query(
                    "INSERT INTO grant_assignments (evaluator_id, application_id, role) VALUES ($1, $2, $3)",
                )
                .bind(evaluator.id)
                .bind(app.id)
                .bind(role)
                .execute(&mut *tx)
                .await?;
                    audit!(
                        tx,
                        now,
                        actor,
                        if role == "assigned" {
                            "grant_evaluator.assign"
                        } else {
                            "grant_evaluator.conflict"
                        },
                        "grant_application",
                        &app.id.to_string(),
                        None::<String>,
                        Some(format!("{{\"evaluator\":\"{code}\",\"role\":\"{role}\"}}"))
                    )?;
                }
                evaluator
            }
        )
    }

    /// The evaluator a token belongs to, if any (looked up by hash).
    pub async fn grant_evaluator(&self, token: &str) -> Result<Option<EvaluatorView>> {
        let hash = hash_token(token);
        Ok(read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, call_id, code, label FROM grant_evaluators WHERE token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The applications assigned to an evaluator (not those it declared a conflict with).
    pub async fn grant_assignments(&self, evaluator: &EvaluatorView) -> Result<Vec<Assignment>> {
        let ids: Vec<(i64, i64)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT g.application_id, (SELECT COUNT(*) FROM grant_scores s \
                   WHERE s.application_id = g.application_id AND s.evaluator_id = g.evaluator_id) \
                 FROM grant_assignments g WHERE g.evaluator_id = $1 AND g.role = 'assigned' \
                 ORDER BY g.application_id",
            )
            .bind(evaluator.id)
            .fetch_all(pool)
            .await?
        });
        let mut out = Vec::with_capacity(ids.len());
        for (id, sheets) in ids {
            if let Some(application) = self.grant_application(id).await? {
                out.push(Assignment {
                    application,
                    scored: sheets > 0,
                });
            }
        }
        Ok(out)
    }

    /// Records an evaluator's score sheet for an application (replacing its earlier sheet):
    /// refused if the evaluator declared a conflict of interest with it, is not assigned to it,
    /// or the evaluation is over; the sheet must mark every criterion 0–5 with a comment (the
    /// core's [`Evaluation`] judges). When every assigned evaluator has scored, the evaluation
    /// completes in the same transaction.
    pub async fn score_grant_application(
        &self,
        evaluator: &EvaluatorView,
        application_id: i64,
        marks: BTreeMap<Tag, Mark>,
        now: DateTime<Utc>,
    ) -> Result<GrantApplicationView> {
        let call_id = call_of_application!(self, application_id);
        call_tx!(self, |tx, lock| {
            let locked = lock_and_load!(tx, lock, &call_id);
            let (call, data) = (&locked.call, &locked.data);
            let app = data.application(application_id)?;
            let refused = |conflict: bool| -> Error {
                let (evaluator, application) = (evaluator.code.clone(), app.code.clone());
                if conflict {
                    GrantError::ConflictOfInterest {
                        evaluator,
                        application,
                    }
                    .into()
                } else {
                    GrantError::NotAssigned {
                        evaluator,
                        application,
                    }
                    .into()
                }
            };
            let role = data.roles.iter().find(|r| {
                r.application_id == app.id
                    && r.evaluator_id == evaluator.id
                    && evaluator.call_id == call_id
            });
            match role.map(|r| r.role.as_str()) {
                Some("assigned") => {}
                Some("conflict") => return Err(refused(true)),
                _ => return Err(refused(false)),
            }
            let stage = app.stage()?;
            if stage != Stage::UnderEvaluation {
                return Err(GrantError::Transition {
                    application: app.code.clone(),
                    from: stage,
                    event: Event::CompleteEvaluation,
                }
                .into());
            }
            let code =
                ApplicationId::parse(&app.code).map_err(|e| corrupt("grant_applications", e))?;
            let mut evaluation = Evaluation::new(call, code);
            for conflicted in data.conflicts(app.id) {
                evaluation.declare_conflict(
                    EvaluatorId::parse(conflicted).map_err(|e| corrupt("grant_evaluators", e))?,
                );
            }
            let mut others: BTreeMap<&str, BTreeMap<Tag, Mark>> = BTreeMap::new();
            for s in data
                .scores
                .iter()
                .filter(|s| s.application_id == app.id && s.evaluator != evaluator.code)
            {
                let points = stored_points(s.points_micros)?;
                let criterion = Tag::parse(&s.criterion).map_err(|e| corrupt("grant_scores", e))?;
                others.entry(s.evaluator.as_str()).or_default().insert(
                    criterion,
                    Mark {
                        points,
                        comment: s.comment.clone(),
                    },
                );
            }
            for (who, marks) in others {
                let sheet = ScoreSheet {
                    evaluator: EvaluatorId::parse(who)
                        .map_err(|e| corrupt("grant_evaluators", e))?,
                    marks,
                };
                evaluation
                    .score(sheet)
                    .map_err(|e| corrupt("grant_scores", e))?;
            }
            let me =
                EvaluatorId::parse(&evaluator.code).map_err(|e| corrupt("grant_evaluators", e))?;
            evaluation
                .score(ScoreSheet {
                    evaluator: me,
                    marks: marks.clone(),
                })
                .map_err(|e| Error::from(sheet_error(e, &evaluator.code, &app.code)))?;
            sqlx::query("DELETE FROM grant_scores WHERE application_id = $1 AND evaluator_id = $2")
                .bind(app.id)
                .bind(evaluator.id)
                .execute(&mut *tx)
                .await?;
            for (criterion, mark) in &marks {
                sqlx::query(
                    "INSERT INTO grant_scores (application_id, evaluator_id, criterion, points_micros, \
                     comment, scored_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(app.id)
                .bind(evaluator.id)
                .bind(criterion.as_str())
                .bind(to_i64(mark.points.micros()))
                .bind(&mark.comment)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let actor = format!("evaluator:{}", evaluator.id);
            audit!(
                tx,
                now,
                &actor,
                "grant_application.score",
                "grant_application",
                &app.id.to_string(),
                None::<String>,
                Some(format!(
                    "{{\"evaluator\":\"{}\",\"criteria\":{}}}",
                    evaluator.code,
                    marks.len()
                ))
            )?;
            let assigned = data
                .roles
                .iter()
                .filter(|r| r.application_id == app.id && r.role == "assigned")
                .count();
            let mut stage = stage;
            if evaluation.sheets().len() >= assigned {
                evaluation
                    .assess()
                    .map_err(|e| corrupt("grant_scores", e))?;
                stage = step(&app.code, stage, Event::CompleteEvaluation)?;
                let action = "grant_application.evaluated";
                move_to!(tx, now, &actor, app, stage, None::<i64>, 0_i64, action);
            }
            view_of(call.reporting(), &app.at(stage), &data.reports)
        })
    }
}

/// A refused sheet as a problem with the pointer of the value at fault in the request
/// (`/marks/impact/comment`), or the refusal for a conflict of interest.
fn sheet_error(err: EvaluationError, evaluator: &str, application: &str) -> GrantError {
    match err {
        EvaluationError::Conflict { .. } => GrantError::ConflictOfInterest {
            evaluator: evaluator.to_owned(),
            application: application.to_owned(),
        },
        EvaluationError::UnknownCriterion(id) => {
            invalid(&format!("/marks/{id}"), "the call has no such criterion")
        }
        EvaluationError::MissingCriterion(id) => {
            invalid(&format!("/marks/{id}"), "this criterion needs a mark")
        }
        EvaluationError::MissingComment(id) => {
            invalid(&format!("/marks/{id}/comment"), "a score needs a comment")
        }
        other => invalid("/marks", other.to_string()),
    }
}
