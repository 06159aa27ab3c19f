//! Applications: handing them in, one or a batch in one transaction (one live application per
//! cooperative and call, by partita IVA; admitted or refused by the call's rules), reading them,
//! and checking an applicant's token.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use skillhub_core::codice_fiscale::PartitaIva;
use skillhub_core::ids::Tag;
use skillhub_grants::call::{Admission, Applicant, Call};
use skillhub_grants::lifecycle::{Event, Stage};
use skillhub_grants::monitoring::{DueReport, ReportingPlan};

use super::definition::stored_call;
use super::reports::ReportView;
use super::rows::{
    APP_SELECT, AppRow, CallRow, LOCK_CALL_POSTGRES, LOCK_CALL_SQLITE, NOT_LIVE, ReportRow,
};
use super::{GrantError, GrantWrite, corrupt, invalid, stage_json, stage_name, step, to_i64};
use crate::idempotency::Answers;
use crate::{Error, Idempotency, Replay, Result, Store, audit::audit, hash_token, new_token, read};

/// A reason an application was not admitted, in Italian and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantReason {
    /// Italian.
    pub it: String,
    /// English.
    pub en: String,
}

/// A stored application and where it is in its life.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantApplicationView {
    /// Id (the number in URLs).
    pub id: i64,
    /// The call.
    pub call_id: String,
    /// The id in the call's ranking, e.g. `coop-1` or `domanda-3`.
    pub code: String,
    /// Who applies (`None` for an application imported from a call file).
    pub applicant: Option<Applicant>,
    /// The amount requested, in cents.
    pub requested_cents: u64,
    /// Priority criteria declared.
    pub priorities: Vec<String>,
    /// Project kinds declared.
    pub project_kinds: Vec<String>,
    /// Where it is.
    pub stage: Stage,
    /// When it was handed in.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Why it was not admitted (when `ineligible`).
    pub reasons: Vec<GrantReason>,
    /// Its rank, once ranked above threshold.
    pub rank: Option<u32>,
    /// The money awarded (0 unless funded and not withdrawn).
    pub awarded_cents: u64,
    /// When it was funded.
    pub awarded_at: Option<DateTime<Utc>>,
    /// The reports it owes once funded, with those received.
    pub reports: Vec<ReportView>,
}

/// What a submission asks for.
#[derive(Debug, Clone)]
pub struct NewGrantApplication {
    /// Who applies.
    pub applicant: Applicant,
    /// The amount requested, in cents (more than 0).
    pub requested_cents: u64,
    /// Priority criteria declared.
    pub priorities: BTreeSet<Tag>,
    /// Project kinds declared.
    pub project_kinds: BTreeSet<Tag>,
}

/// An application handed in by [`Store::submit_grant_applications`].
#[derive(Debug, Clone)]
pub struct SubmittedApplication {
    /// The application as stored.
    pub application: GrantApplicationView,
    /// The secret that lets the applicant follow it (shown once, stored hashed).
    pub applicant_token: String,
}

/// Why [`Store::submit_grant_applications`] wrote nothing.
#[derive(Debug, thiserror::Error)]
#[error("{}{source}", match .index { Some(i) => format!("application {} of the batch: ", i + 1), None => String::new() })]
pub struct GrantBatchError {
    /// The 0-based index of the request that was refused, when one was (a refusal of the whole
    /// batch, such as an unknown or ranked call, or a failure to commit, has none).
    pub index: Option<usize>,
    /// Why: a [`GrantError`] as [`Error::Grants`], or a failure of the database.
    #[source]
    pub source: Error,
}

pub(super) fn view_of(
    plan: ReportingPlan,
    app: &AppRow,
    reports: &[ReportRow],
) -> Result<GrantApplicationView> {
    let applicant = match &app.applicant {
        Some(text) => {
            Some(serde_json::from_str(text).map_err(|e| corrupt("grant_applications", e))?)
        }
        None => None,
    };
    let names = |text: &str| -> Result<Vec<String>> {
        serde_json::from_str(text).map_err(|e| corrupt("grant_applications", e))
    };
    let withdrawn = app.award_withdrawn_at.is_some();
    let awarded_at = app.awarded_at.filter(|_| !withdrawn);
    let received: BTreeMap<u32, NaiveDate> = reports
        .iter()
        .filter(|r| r.application_id == app.id)
        .map(|r| (u32::try_from(r.number).unwrap_or(0), r.received_on))
        .collect();
    let schedule = match awarded_at {
        Some(at) => plan.schedule(at).map_err(|e| corrupt("grant_awards", e))?,
        None => Vec::new(),
    };
    Ok(GrantApplicationView {
        id: app.id,
        call_id: app.call_id.clone(),
        code: app.code.clone(),
        applicant,
        requested_cents: app.requested().get(),
        priorities: names(&app.priorities)?,
        project_kinds: names(&app.project_kinds)?,
        stage: app.stage()?,
        submitted_at: app.submitted_at,
        reasons: serde_json::from_str(&app.shortfalls)
            .map_err(|e| corrupt("grant_applications", e))?,
        rank: app.rank.and_then(|r| u32::try_from(r).ok()),
        awarded_cents: if withdrawn {
            0
        } else {
            app.award_cents
                .and_then(|c| u64::try_from(c).ok())
                .unwrap_or(0)
        },
        awarded_at,
        reports: schedule
            .into_iter()
            .map(|r: DueReport| ReportView {
                number: r.number,
                kind: r.kind,
                due: r.due,
                received_on: received.get(&r.number).copied(),
            })
            .collect(),
    })
}

fn names_json(tags: &BTreeSet<Tag>) -> String {
    let list: Vec<&str> = tags.iter().map(Tag::as_str).collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".to_owned())
}

/// Hands in one application inside the caller's open write transaction `$tx`, which holds the
/// lock of the call `$call_id` (the [`Call`] `$call`, its dates in `$zone`): refuses a cooperative (by partita
/// IVA, as core normalises it) with a live application in the call, takes the next free code
/// from `*$next_number` (and moves it on, in the call row too), asks the call's rules to admit
/// or refuse the applicant on `$now`'s date in the call's zone, inserts the application with
/// `$token_hash` and writes the audit line as `$actor`. Evaluates to
/// `Result<GrantApplicationView>`; on `Err` the caller must not commit. Shared by
/// [`Store::submit_grant_application`] and [`Store::submit_grant_applications`], so an
/// application of a batch is decided exactly as one of its own. A macro, like `audit!`, so the
/// same SQL is bound for whichever backend's transaction it is given.
// A macro: expanded for either backend's transaction type.
macro_rules! submit_step {
    (
        $tx:ident, $call:expr, $zone:expr, $call_id:expr, $next_number:expr, $request:expr,
        $token_hash:expr, $actor:expr, $now:expr
    ) => {
        async {
            let call: &Call = $call;
            let zone: &skillhub_core::tz::Zone = $zone;
            let call_id: &str = $call_id;
            let next_number: &mut i64 = $next_number;
            let request: &NewGrantApplication = $request;
            let now: DateTime<Utc> = $now;
            let partita_iva = PartitaIva::parse(&request.applicant.partita_iva).ok();
            if let Some(partita_iva) = &partita_iva {
                let existing: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT MIN(id) FROM grant_applications WHERE call_id = $1 \
                     AND partita_iva = $2 AND stage NOT IN {NOT_LIVE}"
                )))
                .bind(call_id)
                .bind(partita_iva.as_str())
                .fetch_one(&mut *$tx)
                .await?;
                if let Some(existing) = existing {
                    return Err(GrantError::AlreadyApplied {
                        call: call_id.to_owned(),
                        existing,
                    }
                    .into());
                }
            }
            let (code, number) = free_code!(
                $tx,
                "SELECT id FROM grant_applications WHERE call_id = $1 AND code = $2",
                call_id,
                "domanda-",
                *next_number
            );
            *next_number = number;
            sqlx::query("UPDATE grant_calls SET next_number = $2 WHERE id = $1")
                .bind(call_id)
                .bind(number)
                .execute(&mut *$tx)
                .await?;
            let submitted = step(&code, Stage::Draft, Event::Submit)?;
            let (stage, reasons) = match call.check_applicant(&request.applicant, zone.date_of(now))
            {
                Admission::Eligible => (step(&code, submitted, Event::Admit)?, Vec::new()),
                Admission::Ineligible(shortfalls) => (
                    step(&code, submitted, Event::Refuse)?,
                    shortfalls
                        .iter()
                        .map(|s| GrantReason {
                            it: s.it(),
                            en: s.en(),
                        })
                        .collect(),
                ),
            };
            let applicant = serde_json::to_string(&request.applicant)
                .map_err(|e| corrupt("grant_applications", e))?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO grant_applications (call_id, code, applicant, requested_cents, \
                 priorities, project_kinds, stage, submitted_at, shortfalls, token_hash, \
                 partita_iva, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $8, $8) RETURNING id",
            )
            .bind(call_id)
            .bind(&code)
            .bind(&applicant)
            .bind(to_i64(request.requested_cents))
            .bind(names_json(&request.priorities))
            .bind(names_json(&request.project_kinds))
            .bind(stage_name(stage))
            .bind(now)
            .bind(serde_json::to_string(&reasons).unwrap_or_else(|_| "[]".to_owned()))
            .bind($token_hash)
            .bind(partita_iva.as_ref().map(PartitaIva::as_str))
            .fetch_one(&mut *$tx)
            .await?;
            audit!(
                $tx,
                now,
                $actor,
                "grant_application.submit",
                "grant_application",
                &id.to_string(),
                None::<String>,
                Some(stage_json(stage_name(stage)))
            )?;
            let call_name: String = sqlx::query_scalar(super::notices::CALL_NAME)
                .bind(call_id)
                .fetch_one(&mut *$tx)
                .await?;
            let mut letters = Vec::new();
            letters.extend(super::notices::to_applicant(
                Some(&applicant),
                skillhub_notify::Event::ApplicationReceived {
                    call: call_name.clone(),
                    application: id,
                },
                now,
            )?);
            if stage == Stage::Ineligible {
                letters.extend(super::notices::to_applicant(
                    Some(&applicant),
                    skillhub_notify::Event::ApplicationStage {
                        call: call_name,
                        application: id,
                        stage: stage.it().to_owned(),
                    },
                    now,
                )?);
            }
            crate::outbox::post!($tx, letters, now)?;
            let app = fetch_app!($tx, id);
            let view: Result<GrantApplicationView> = view_of(call.reporting(), &app, &[]);
            view
        }
        .await
    };
}

/// The checks of a submission that need no database: an application requests more than 0 €.
fn check_request(request: &NewGrantApplication) -> Result<(), GrantError> {
    if request.requested_cents == 0 {
        return Err(invalid(
            "/requested_cents",
            "an application must request more than 0 €",
        ));
    }
    Ok(())
}

/// [`check_request`] for each request of a batch, and no cooperative (by partita IVA, as core
/// normalises it) twice: the first problem, with the index of its request.
fn check_batch(requests: &[NewGrantApplication]) -> Result<(), GrantBatchError> {
    let mut first_of: BTreeMap<PartitaIva, usize> = BTreeMap::new();
    for (index, request) in requests.iter().enumerate() {
        let refused = |refusal: GrantError| GrantBatchError {
            index: Some(index),
            source: refusal.into(),
        };
        check_request(request).map_err(refused)?;
        let Ok(partita_iva) = PartitaIva::parse(&request.applicant.partita_iva) else {
            // Refused as ineligible when handed in; such applications never block each other.
            continue;
        };
        if let Some(&first) = first_of.get(&partita_iva) {
            return Err(refused(GrantError::RepeatedApplicant { first }));
        }
        first_of.insert(partita_iva, index);
    }
    Ok(())
}

impl Store {
    /// Hands in an application: draft → submitted, then admitted (eligible) or refused
    /// (ineligible, with every reason) by the call's rules on today's Europe/Rome date. Returns
    /// the application and the applicant's token (shown once, stored hashed).
    pub async fn submit_grant_application(
        &self,
        call_id: &str,
        request: &NewGrantApplication,
        idempotency: Option<&Idempotency>,
        now: DateTime<Utc>,
        respond: impl FnOnce(&GrantApplicationView, &str) -> Replay,
    ) -> Result<GrantWrite<(GrantApplicationView, String)>> {
        check_request(request)?;
        token_write!(
            self,
            call_id,
            idempotency,
            now,
            respond,
            |tx, row, token_hash| {
                let checked = stored_call(&row.id, &row.definition)?;
                let mut next_number = row.next_number;
                submit_step!(
                    tx,
                    &checked.call,
                    &checked.zone,
                    call_id,
                    &mut next_number,
                    request,
                    &token_hash,
                    "public",
                    now
                )?
            }
        )
    }

    /// Hands in every application of `requests` to the call in one transaction holding the
    /// call's lock, in order, each decided as [`Store::submit_grant_application`] decides one
    /// (and audited as one, by `actor`): all or nothing. Returns the applications with their
    /// applicant tokens (shown once, stored hashed) in input order; on the first refusal
    /// (including [`GrantError::AlreadyApplied`], or [`GrantError::RepeatedApplicant`] for a
    /// cooperative that is in `requests` twice) nothing is written and the error says which
    /// request.
    pub async fn submit_grant_applications(
        &self,
        call_id: &str,
        requests: &[NewGrantApplication],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<SubmittedApplication>, GrantBatchError> {
        check_batch(requests)?;
        let tokens: Vec<String> = requests.iter().map(|_| new_token()).collect();
        let mut failed = None;
        let views = self
            .submit_all(call_id, requests, &tokens, actor, now, &mut failed)
            .await
            .map_err(|source| GrantBatchError {
                index: failed,
                source,
            })?;
        Ok(views
            .into_iter()
            .zip(tokens)
            .map(|(application, applicant_token)| SubmittedApplication {
                application,
                applicant_token,
            })
            .collect())
    }

    /// The transaction of [`Store::submit_grant_applications`]; `failed` holds the index of the
    /// request being handed in, so an error can name it.
    async fn submit_all(
        &self,
        call_id: &str,
        requests: &[NewGrantApplication],
        tokens: &[String],
        actor: &str,
        now: DateTime<Utc>,
        failed: &mut Option<usize>,
    ) -> Result<Vec<GrantApplicationView>> {
        let hashes: Vec<String> = tokens.iter().map(|t| hash_token(t)).collect();
        call_tx!(self, |tx, lock| {
            let row = lock_call!(tx, lock, call_id);
            if row.ranked_at.is_some() {
                return Err(GrantError::CallRanked(call_id.to_owned()).into());
            }
            let checked = stored_call(&row.id, &row.definition)?;
            let mut next_number = row.next_number;
            let mut views = Vec::with_capacity(requests.len());
            for (index, (request, hash)) in requests.iter().zip(&hashes).enumerate() {
                *failed = Some(index);
                views.push(submit_step!(
                    tx,
                    &checked.call,
                    &checked.zone,
                    call_id,
                    &mut next_number,
                    request,
                    hash,
                    actor,
                    now
                )?);
            }
            *failed = None;
            Ok(views)
        })
    }

    /// An application, if there is one.
    pub async fn grant_application(&self, id: i64) -> Result<Option<GrantApplicationView>> {
        let app: Option<AppRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{APP_SELECT} WHERE a.id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let Some(app) = app else { return Ok(None) };
        let definition: String = read!(self, |pool| {
            sqlx::query_scalar("SELECT definition FROM grant_calls WHERE id = $1")
                .bind(&app.call_id)
                .fetch_one(pool)
                .await?
        });
        let reports: Vec<ReportRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT application_id, number, received_on FROM grant_reports \
                 WHERE application_id = $1 ORDER BY number",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let checked = stored_call(&app.call_id, &definition)?;
        Ok(Some(view_of(checked.call.reporting(), &app, &reports)?))
    }

    /// Whether `token` is the applicant's token of application `id` (compared by hash).
    pub async fn check_applicant_token(&self, id: i64, token: &str) -> Result<bool> {
        let stored: Option<Option<String>> = read!(self, |pool| {
            sqlx::query_scalar("SELECT token_hash FROM grant_applications WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(stored
            .flatten()
            .is_some_and(|hash| crate::tokens::same(&hash, &hash_token(token))))
    }
}
