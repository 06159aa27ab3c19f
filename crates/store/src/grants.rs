//! Grant calls ("bandi") over the database: calls, applications (one live application per
//! cooperative and call, by partita IVA), evaluators with their assignments and conflicts of
//! interest, score sheets, the ranking with its awards (and its lottery seed, given at ranking
//! time when the call has none), withdrawals that promote from the reserve list, monitoring
//! reports up to the final one, and closing a file. Writes that create or move something take
//! an optional [`Idempotency`] key, replayed as registrations replay theirs.
//!
//! Every decision is asked of `skillhub_core::grants` — the lifecycle table
//! ([`next`]), who may apply ([`Call::check_applicant`]), score sheets and conflicts
//! ([`Evaluation`]), thresholds ([`assess`]), the ranking and the budget walk ([`rank`],
//! [`Ranking::withdraw`]) and report due dates ([`overdue`]) — inside one write transaction that
//! first locks the call row (`BEGIN IMMEDIATE` on SQLite, `SELECT … FOR UPDATE` on PostgreSQL),
//! and every change is written to the audit log in the same transaction. An illegal move is a
//! typed [`GrantError`] and changes nothing. A batch of applications
//! ([`Store::submit_grant_applications`]) is one such transaction: every application is handed
//! in through the same step as a single one, and one refusal writes nothing.
//!
//! The ranking is never stored as a result: the set of applications it covers, and the order of
//! the withdrawals after it, are. The ranking is the core's function of the stored scores, the
//! call's budget and its recorded lottery seed, so reading it again, or withdrawing from it, runs
//! the same [`rank`] and replays the same withdrawals; scores are frozen once evaluated, so the
//! replay is the ranking that was awarded (checked against the stored stages on every
//! withdrawal). A call loaded from a `skillhub grants rank` file ranks exactly as the file does.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use skillhub_core::allocation::lottery::{self, LotterySeed};
use skillhub_core::codice_fiscale::PartitaIva;
use skillhub_core::eligibility::Rule;
use skillhub_core::grants::call::{
    Admission, Applicant, ApplicationId, Call, CallSpec, CriterionSpec, EvaluatorId,
};
use skillhub_core::grants::evaluation::{
    Assessment, Evaluation, EvaluationError, Mark, Part, ScoreSheet, assess,
};
use skillhub_core::grants::file::{CallFileError, CallRanking, RankRow, rank_call};
use skillhub_core::grants::lifecycle::{Event, Stage, next};
use skillhub_core::grants::monitoring::{DueReport, Monitored, ReportKind, ReportingPlan, overdue};
use skillhub_core::grants::ranking::{Candidate, RankError, Ranking, Status, rank};
use skillhub_core::grants::score::{Points, Tally, Weight};
use skillhub_core::ids::Tag;
use skillhub_core::program::{Cents, Criterion};
use skillhub_core::tz::Zone;

use crate::registrations::{remember, replay_of};
use crate::{Error, Idempotency, Replay, Result, Store, audit::audit, hash_token, new_token, read};

/// Why a grant operation is refused: every variant is the caller's doing (the HTTP layer maps
/// them to 4xx); failures of the database are [`Error`]'s other variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GrantError {
    /// The call definition is not a valid call file (see `skillhub grants rank`).
    #[error("{0}")]
    CallFile(#[from] CallFileError),
    /// A value of the call definition or of a request breaks a rule of the store (ids must be
    /// slugs, a reporting plan needs months …).
    #[error("{}: {message}", if pointer.is_empty() { "the document" } else { pointer })]
    Invalid {
        /// JSON pointer of the value at fault (empty: the whole document).
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// A call with this id exists already.
    #[error("a grant call with id {0:?} exists already")]
    DuplicateCall(String),
    /// No such call.
    #[error("no grant call has id {0:?}")]
    UnknownCall(String),
    /// No such application.
    #[error("no grant application has id {0}")]
    UnknownApplication(String),
    /// The call was ranked: it takes no new applications or evaluators.
    #[error("grant call {0:?} was already ranked: it takes no new applications or evaluators")]
    CallRanked(String),
    /// The lifecycle does not allow this move from where the application is.
    #[error("application {application} is {} and cannot be moved by {}", stage_name(*.from), event_name(*.event))]
    Transition {
        /// The application's code.
        application: String,
        /// Where it is.
        from: Stage,
        /// What was attempted.
        event: Event,
    },
    /// The evaluator declared a conflict of interest with the application.
    #[error(
        "evaluator {evaluator} declared a conflict of interest with {application} and cannot score it"
    )]
    ConflictOfInterest {
        /// The evaluator's code.
        evaluator: String,
        /// The application's code.
        application: String,
    },
    /// The evaluator is not assigned to the application.
    #[error("evaluator {evaluator} is not assigned to application {application}")]
    NotAssigned {
        /// The evaluator's code.
        evaluator: String,
        /// The application's code.
        application: String,
    },
    /// Applications of the call are still waiting for their evaluation.
    #[error("applications still under evaluation: {}", .0.join(", "))]
    EvaluationPending(Vec<String>),
    /// Two applications tie on everything before the lottery and the call has no seed: the
    /// ranking can be asked again with one (see [`RankingSeed`]).
    #[error("{0}")]
    SeedNeeded(String),
    /// The ranking was given a lottery seed other than the one the call recorded (or, for a
    /// call ranked without one, any seed).
    #[error(
        "grant call {call:?} {}: a ranking cannot use another",
        match recorded {
            Some(seed) => format!("recorded the lottery seed {seed}"),
            None => "was ranked without a lottery seed".to_owned(),
        }
    )]
    SeedRecorded {
        /// The call.
        call: String,
        /// The recorded seed (64 hex digits), if any.
        recorded: Option<String>,
    },
    /// The cooperative (by partita IVA) already has a live application in the call.
    #[error(
        "a cooperative with this partita IVA already applied to grant call {call:?} (application {existing})"
    )]
    AlreadyApplied {
        /// The call.
        call: String,
        /// The id of the live application (for the admin's eyes only).
        existing: i64,
    },
    /// A batch of applications holds the same cooperative (by partita IVA) twice: this one and
    /// the request at 0-based index `first`.
    #[error(
        "the same cooperative (by partita IVA) is application {} of this batch already",
        first + 1
    )]
    RepeatedApplicant {
        /// The 0-based index, in the batch, of the cooperative's first application.
        first: usize,
    },
    /// The final report came in: no report can be recorded after it.
    #[error(
        "application {application} has its final report already: report {number} can no longer be recorded"
    )]
    ReportAfterFinal {
        /// The application's code.
        application: String,
        /// The report's number.
        number: u32,
    },
    /// This report was already recorded.
    #[error("report {number} of application {application} was already recorded")]
    ReportExists {
        /// The application's code.
        application: String,
        /// The report's number.
        number: u32,
    },
}

impl From<GrantError> for Error {
    fn from(err: GrantError) -> Self {
        Error::Grants(err)
    }
}

fn invalid(pointer: &str, message: impl Into<String>) -> GrantError {
    GrantError::Invalid {
        pointer: pointer.to_owned(),
        message: message.into(),
    }
}

fn corrupt(table: &'static str, message: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        table,
        message: message.to_string(),
    }
}

/// The wire name of a stage: `draft`, `under_evaluation`, `funded` …
pub fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Draft => "draft",
        Stage::Submitted => "submitted",
        Stage::Eligible => "eligible",
        Stage::Ineligible => "ineligible",
        Stage::UnderEvaluation => "under_evaluation",
        Stage::Evaluated => "evaluated",
        Stage::Ranked => "ranked",
        Stage::Funded => "funded",
        Stage::Reserve => "reserve",
        Stage::NotFunded => "not_funded",
        Stage::ReportsDue => "reports_due",
        Stage::FinalReportReceived => "final_report_received",
        Stage::Closed => "closed",
        Stage::Withdrawn => "withdrawn",
    }
}

fn event_name(event: Event) -> &'static str {
    match event {
        Event::Submit => "submit",
        Event::Admit => "admit",
        Event::Refuse => "refuse",
        Event::StartEvaluation => "start_evaluation",
        Event::CompleteEvaluation => "complete_evaluation",
        Event::Rank => "rank",
        Event::Fund => "fund",
        Event::PutInReserve => "put_in_reserve",
        Event::Decline => "decline",
        Event::OpenReporting => "open_reporting",
        Event::ReceiveFinalReport => "receive_final_report",
        Event::Close => "close",
        Event::Withdraw => "withdraw",
    }
}

fn parse_stage(text: &str) -> Result<Stage> {
    Stage::ALL
        .into_iter()
        .find(|s| stage_name(*s) == text)
        .ok_or_else(|| corrupt("grant_applications", format!("unknown stage {text:?}")))
}

/// The core's transition table, as a typed refusal.
fn step(code: &str, from: Stage, event: Event) -> Result<Stage, GrantError> {
    next(from, event).ok_or_else(|| GrantError::Transition {
        application: code.to_owned(),
        from,
        event,
    })
}

// ---------------------------------------------------------------------------------------------
// The call definition
// ---------------------------------------------------------------------------------------------

/// The JSON of a call: the file of `skillhub grants rank` (budget, criteria, thresholds,
/// applications with their scores, lottery seed), plus optional members the file ignores:
/// `id`, `name`, `reporting` (`{"every_months", "duration_months"}`, default 6 over 24),
/// `priority_criteria` (`[{"id", "it", "en"}]`; default: every priority an application of the
/// file declares), criteria `label_it`, and `rule` (who may apply; default: a cooperative in the
/// Albo).
#[derive(Debug, Clone, Deserialize)]
struct Definition {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<serde_json::Value>,
    budget_cents: serde_json::Number,
    criteria: Vec<DefCriterion>,
    #[serde(default)]
    min_total: Option<Points>,
    #[serde(default)]
    lottery_seed: Option<serde_json::Value>,
    #[serde(default)]
    applications: Vec<DefApplication>,
    #[serde(default)]
    priority_criteria: Option<serde_json::Value>,
    #[serde(default)]
    reporting: Option<serde_json::Value>,
    #[serde(default)]
    rule: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
struct DefCriterion {
    id: String,
    weight: Weight,
    #[serde(default)]
    min_score: Option<Points>,
    #[serde(default)]
    label_it: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
struct DefReporting {
    every_months: u32,
    duration_months: u32,
}

#[derive(Debug, Clone, Deserialize)]
struct DefApplication {
    id: String,
    requested_cents: serde_json::Number,
    submitted_at: String,
    #[serde(default)]
    priority: Option<Vec<String>>,
    #[serde(default)]
    conflicts: Option<Vec<String>>,
    scores: BTreeMap<String, BTreeMap<String, Points>>,
}

/// A whole number of cents as the file reads it (`700000` or `700000.0`).
fn whole_cents(n: &serde_json::Number) -> Option<u64> {
    match (n.as_u64(), n.as_f64()) {
        (Some(v), _) => Some(v),
        (None, Some(f)) if f.fract() == 0.0 && (0.0..1.8e19).contains(&f) => Some(f as u64),
        _ => None,
    }
}

fn tag(text: &str, pointer: &str) -> Result<Tag, GrantError> {
    Tag::parse(text).map_err(|e| invalid(pointer, format!("{text:?} is not an id here: {e}")))
}

/// A checked call definition: the core [`Call`], the seed and the applications of the file.
struct Checked {
    call: Call,
    seed: Option<LotterySeed>,
    applications: Vec<DefApplication>,
}

/// Checks a definition: first as the file contract does (so a bad value gets the same message
/// and pointer), then the store's own rules. `id` overrides the definition's `id`.
fn check_definition(text: &str, id: Option<&str>) -> Result<Checked, GrantError> {
    rank_call(text)?;
    parse_definition(text, id)
}

/// The members the file contract checked are read as it reads them; the others (which it
/// ignores) are read here, each problem at its own pointer.
fn parse_definition(text: &str, id: Option<&str>) -> Result<Checked, GrantError> {
    let def: Definition = serde_json::from_str(text).map_err(|e| invalid("", e.to_string()))?;
    check_parsed(def, id)
}

/// A member the file contract ignores, read as `T`, a problem at `pointer` otherwise.
fn member<T: serde::de::DeserializeOwned>(
    value: &Option<serde_json::Value>,
    pointer: &str,
) -> Result<Option<T>, GrantError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|e| invalid(pointer, e.to_string())),
    }
}

/// A call definition's text with `"applications": []` added when it has none, so a call can be
/// created before anyone applies.
fn with_applications(text: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = value.as_object_mut()?;
    if object.get("applications").is_some_and(|v| !v.is_null()) {
        return None;
    }
    object.insert(
        "applications".to_owned(),
        serde_json::Value::Array(Vec::new()),
    );
    serde_json::to_string(&value).ok()
}

fn check_parsed(def: Definition, id: Option<&str>) -> Result<Checked, GrantError> {
    let id_text = match id {
        Some(id) => Some(id.to_owned()),
        None => member::<String>(&def.id, "/id")?,
    }
    .ok_or_else(|| invalid("/id", "a stored call needs an id"))?;
    let id = tag(&id_text, "/id")?;
    let mut criteria = Vec::with_capacity(def.criteria.len());
    for (i, c) in def.criteria.iter().enumerate() {
        criteria.push(CriterionSpec {
            id: tag(&c.id, &format!("/criteria/{i}/id"))?,
            label_it: member::<String>(&c.label_it, &format!("/criteria/{i}/label_it"))?
                .unwrap_or_else(|| c.id.clone()),
            weight: c.weight,
            min_score: c.min_score,
        });
    }
    let seed = match &def.lottery_seed {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(hex)) => {
            Some(LotterySeed::parse(hex).map_err(|e| invalid("/lottery_seed", e.to_string()))?)
        }
        Some(serde_json::Value::Number(n)) => {
            Some(LotterySeed::from_u64(n.as_u64().ok_or_else(|| {
                invalid("/lottery_seed", "must be a whole number")
            })?))
        }
        Some(_) => {
            return Err(invalid(
                "/lottery_seed",
                "must be a number or 64 hex digits",
            ));
        }
    };
    let reporting = match member::<DefReporting>(&def.reporting, "/reporting")? {
        None => ReportingPlan::SEMESTRAL,
        Some(r) => ReportingPlan::new(r.every_months, r.duration_months)
            .map_err(|e| invalid("/reporting", e.to_string()))?,
    };
    let listed = member::<Vec<serde_json::Value>>(&def.priority_criteria, "/priority_criteria")?;
    let priority_criteria = match listed {
        Some(list) => list
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                member::<Criterion>(&Some(item), &format!("/priority_criteria/{i}"))?
                    .ok_or_else(|| invalid(&format!("/priority_criteria/{i}"), "must not be null"))
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => {
            let mut declared = BTreeSet::new();
            for (i, a) in def.applications.iter().enumerate() {
                for (j, p) in a.priority.iter().flatten().enumerate() {
                    declared.insert(tag(p, &format!("/applications/{i}/priority/{j}"))?);
                }
            }
            declared
                .into_iter()
                .map(|id| Criterion {
                    it: id.as_str().to_owned(),
                    en: id.as_str().to_owned(),
                    id,
                })
                .collect()
        }
    };
    for (i, a) in def.applications.iter().enumerate() {
        let at = |rest: &str| format!("/applications/{i}/{rest}");
        ApplicationId::parse(&a.id)
            .map_err(|e| invalid(&at("id"), format!("{:?} is not an id here: {e}", a.id)))?;
        for evaluator in a.scores.keys().chain(a.conflicts.iter().flatten()) {
            EvaluatorId::parse(evaluator).map_err(|e| {
                invalid(
                    &at("scores"),
                    format!("{evaluator:?} is not an evaluator id: {e}"),
                )
            })?;
        }
    }
    let budget = whole_cents(&def.budget_cents)
        .ok_or_else(|| invalid("/budget_cents", "must be a whole number of cents"))?;
    let call = Call::new(CallSpec {
        name: member::<String>(&def.name, "/name")?.unwrap_or_else(|| id.as_str().to_owned()),
        id,
        budget: Cents::new(budget),
        criteria,
        min_total: def.min_total,
        priority_criteria,
        favoured_projects: Vec::new(),
        rule: member::<Rule>(&def.rule, "/rule")?,
        reporting,
    })
    .map_err(|e| invalid("/criteria", e.to_string()))?;
    Ok(Checked {
        call,
        seed,
        applications: def.applications,
    })
}

/// The core call of a stored definition.
fn stored_call(id: &str, definition: &str) -> Result<Checked> {
    parse_definition(definition, Some(id)).map_err(|e| corrupt("grant_calls", e))
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

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

/// A reason an application was not admitted, in Italian and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantReason {
    /// Italian.
    pub it: String,
    /// English.
    pub en: String,
}

/// One report a funded project owes, and whether it came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportView {
    /// 1, 2, …; the final report has the last number.
    pub number: u32,
    /// `periodic` or `final`.
    pub kind: ReportKind,
    /// Due by the end of this Europe/Rome day.
    pub due: NaiveDate,
    /// When it was received, if it was.
    pub received_on: Option<NaiveDate>,
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

/// A report that came in, as the admin records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewGrantReport {
    /// Which report (1, 2, …; the final one has the last number).
    pub number: u32,
    /// The day it came in (Europe/Rome).
    pub received_on: NaiveDate,
}

/// What an admin asks when adding an evaluator to a call.
#[derive(Debug, Clone)]
pub struct NewEvaluator {
    /// A name for people (never shown to applicants).
    pub label: String,
    /// Applications (ids) to assign.
    pub applications: Vec<i64>,
    /// Applications (ids) the evaluator declared a conflict of interest with.
    pub conflicts: Vec<i64>,
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

/// A new row (or an idempotent replay of the response that created it).
#[derive(Debug, Clone)]
pub enum GrantWrite<T> {
    /// Done now.
    Done(T),
    /// The same idempotency key and request were seen before: the stored response.
    Replayed(Replay),
}

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

/// A report past its due day and not received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueReport {
    /// The application's id.
    pub application_id: i64,
    /// Its code.
    pub code: String,
    /// The report's number.
    pub number: u32,
    /// `periodic` or `final`.
    pub kind: ReportKind,
    /// Its due day (Europe/Rome).
    pub due: NaiveDate,
    /// Whole days since the due day.
    pub days_late: i64,
    /// The line in Italian.
    pub text_it: String,
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
struct CallRow {
    id: String,
    name: String,
    definition: String,
    lottery_seed: Option<String>,
    ranked_at: Option<DateTime<Utc>>,
    next_number: i64,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct AppRow {
    id: i64,
    call_id: String,
    code: String,
    applicant: Option<String>,
    requested_cents: i64,
    priorities: String,
    project_kinds: String,
    stage: String,
    submitted_at: Option<DateTime<Utc>>,
    shortfalls: String,
    in_ranking: i64,
    rank: Option<i64>,
    withdrawal_seq: Option<i64>,
    awarded_at: Option<DateTime<Utc>>,
    award_cents: Option<i64>,
    award_withdrawn_at: Option<DateTime<Utc>>,
}

impl AppRow {
    fn stage(&self) -> Result<Stage> {
        parse_stage(&self.stage)
    }

    fn requested(&self) -> Cents {
        Cents::new(u64::try_from(self.requested_cents).unwrap_or(0))
    }

    /// The same application, moved to `stage`.
    fn at(&self, stage: Stage) -> AppRow {
        AppRow {
            stage: stage_name(stage).to_owned(),
            ..self.clone()
        }
    }

    fn tags(&self, text: &str) -> Result<BTreeSet<Tag>> {
        let list: Vec<String> =
            serde_json::from_str(text).map_err(|e| corrupt("grant_applications", e))?;
        list.iter()
            .map(|t| Tag::parse(t).map_err(|e| corrupt("grant_applications", e)))
            .collect()
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct ScoreRow {
    application_id: i64,
    evaluator: String,
    criterion: String,
    points_micros: i64,
    comment: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct RoleRow {
    application_id: i64,
    evaluator_id: i64,
    evaluator: String,
    role: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct ReportRow {
    application_id: i64,
    number: i64,
    received_on: NaiveDate,
}

const CALL_COLUMNS: &str =
    "id, name, definition, lottery_seed, ranked_at, next_number, created_at FROM grant_calls";
const LOCK_CALL_SQLITE: &str = "SELECT id, name, definition, lottery_seed, ranked_at, next_number, created_at FROM grant_calls WHERE id = $1";
const LOCK_CALL_POSTGRES: &str = "SELECT id, name, definition, lottery_seed, ranked_at, next_number, created_at FROM grant_calls WHERE id = $1 FOR UPDATE";

const APP_SELECT: &str = "SELECT a.id, a.call_id, a.code, a.applicant, a.requested_cents, \
     a.priorities, a.project_kinds, a.stage, a.submitted_at, a.shortfalls, a.in_ranking, a.rank, \
     a.withdrawal_seq, w.awarded_at, w.amount_cents AS award_cents, \
     w.withdrawn_at AS award_withdrawn_at \
     FROM grant_applications a LEFT JOIN grant_awards w ON w.application_id = a.id";

const SCORES_OF_CALL: &str = "SELECT s.application_id, e.code AS evaluator, s.criterion, \
     s.points_micros, s.comment FROM grant_scores s \
     JOIN grant_evaluators e ON e.id = s.evaluator_id \
     JOIN grant_applications a ON a.id = s.application_id WHERE a.call_id = $1 \
     ORDER BY s.application_id, e.code, s.criterion";

const ROLES_OF_CALL: &str = "SELECT g.application_id, g.evaluator_id, e.code AS evaluator, g.role \
     FROM grant_assignments g JOIN grant_evaluators e ON e.id = g.evaluator_id \
     WHERE e.call_id = $1 ORDER BY g.application_id, e.code";

const REPORTS_OF_CALL: &str = "SELECT r.application_id, r.number, r.received_on \
     FROM grant_reports r JOIN grant_applications a ON a.id = r.application_id \
     WHERE a.call_id = $1 ORDER BY r.application_id, r.number";

const SET_STAGE: &str = "UPDATE grant_applications SET stage = $2, rank = $3, in_ranking = $4, updated_at = $5 WHERE id = $1";

const INSERT_AWARD: &str = "INSERT INTO grant_awards (application_id, amount_cents, awarded_at, how) \
     VALUES ($1, $2, $3, $4)";

/// Runs `$body` in one write transaction holding the lock of a call row: `$lock` is the SQL that
/// reads (SQLite, under `BEGIN IMMEDIATE`) or locks (PostgreSQL, `FOR UPDATE`) it. Commits when
/// the body returns `Ok`, rolls back otherwise.
macro_rules! call_tx {
    ($store:expr, |$tx:ident, $lock:ident| $body:expr) => {
        crate::write_tx!(
            $store,
            LOCK_CALL_SQLITE,
            LOCK_CALL_POSTGRES,
            |$tx, $lock| $body
        )
    };
}

/// Locks the call `$id` in `$tx` and returns its row, or fails with `UnknownCall`.
macro_rules! lock_call {
    ($tx:ident, $lock:ident, $id:expr) => {{
        let row: Option<CallRow> = sqlx::query_as($lock)
            .bind($id)
            .fetch_optional(&mut *$tx)
            .await?;
        match row {
            Some(row) => row,
            None => return Err(GrantError::UnknownCall($id.to_owned()).into()),
        }
    }};
}

/// Everything of a call that decisions read: applications, scores, roles, reports.
macro_rules! load_call_data {
    ($tx:ident, $call_id:expr) => {{
        let apps: Vec<AppRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{APP_SELECT} WHERE a.call_id = $1 ORDER BY a.id"
        )))
        .bind($call_id)
        .fetch_all(&mut *$tx)
        .await?;
        let scores: Vec<ScoreRow> = sqlx::query_as(SCORES_OF_CALL)
            .bind($call_id)
            .fetch_all(&mut *$tx)
            .await?;
        let roles: Vec<RoleRow> = sqlx::query_as(ROLES_OF_CALL)
            .bind($call_id)
            .fetch_all(&mut *$tx)
            .await?;
        let reports: Vec<ReportRow> = sqlx::query_as(REPORTS_OF_CALL)
            .bind($call_id)
            .fetch_all(&mut *$tx)
            .await?;
        CallData {
            apps,
            scores,
            roles,
            reports,
        }
    }};
}

/// Moves an application to `$stage` (with its rank and ranking flag) and writes the audit line.
macro_rules! move_to {
    ($tx:ident, $now:expr, $actor:expr, $app:expr, $stage:expr, $rank:expr, $in_ranking:expr, $action:expr) => {{
        let app: &AppRow = $app;
        let stage: Stage = $stage;
        sqlx::query(SET_STAGE)
            .bind(app.id)
            .bind(stage_name(stage))
            .bind($rank)
            .bind($in_ranking)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        audit!(
            $tx,
            $now,
            $actor,
            $action,
            "grant_application",
            &app.id.to_string(),
            Some(stage_json(&app.stage)),
            Some(stage_json(stage_name(stage)))
        )?;
    }};
}

fn stage_json(stage: &str) -> String {
    format!("{{\"stage\":\"{stage}\"}}")
}

/// The application `$id` as stored, with its award, read in `$tx`.
macro_rules! fetch_app {
    ($tx:ident, $id:expr) => {{
        let app: AppRow =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{APP_SELECT} WHERE a.id = $1")))
                .bind($id)
                .fetch_one(&mut *$tx)
                .await?;
        app
    }};
}

/// Awards `$cents` to application `$id` in `$tx`; `$how` is `ranking` or `promotion`.
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

/// The first code `$prefix` + n (n = `$from`, `$from` + 1, …) that `$taken` (SQL with the call
/// as `$1` and the code as `$2`) finds free in the call, and the number after it.
macro_rules! free_code {
    ($tx:ident, $taken:expr, $call_id:expr, $prefix:literal, $from:expr) => {{
        let mut number: i64 = $from;
        loop {
            let code = format!(concat!($prefix, "{}"), number);
            number += 1;
            let taken: Option<i64> = sqlx::query_scalar($taken)
                .bind($call_id)
                .bind(&code)
                .fetch_optional(&mut *$tx)
                .await?;
            if taken.is_none() {
                break (code, number);
            }
        }
    }};
}

/// Locks the call `$id` in `$tx` (or fails with `UnknownCall`) and reads everything decisions
/// about it read, as a [`LockedCall`].
macro_rules! lock_and_load {
    ($tx:ident, $lock:ident, $id:expr) => {{
        let row = lock_call!($tx, $lock, $id);
        let call = stored_call(&row.id, &row.definition)?.call;
        let seed = seed_of(&row)?;
        let data = load_call_data!($tx, $id);
        LockedCall {
            row,
            call,
            seed,
            data,
        }
    }};
}

/// A call under its lock: its row, the core call, its recorded seed and its data.
struct LockedCall {
    row: CallRow,
    call: Call,
    seed: Option<LotterySeed>,
    data: CallData,
}

/// The stages in which an application no longer counts as its cooperative's application to the
/// call (SQL list): another one with the same partita IVA may then be handed in.
const NOT_LIVE: &str = "('ineligible', 'withdrawn', 'closed')";

/// What decisions about a call read.
struct CallData {
    apps: Vec<AppRow>,
    scores: Vec<ScoreRow>,
    roles: Vec<RoleRow>,
    reports: Vec<ReportRow>,
}

impl CallData {
    fn app(&self, id: i64) -> Option<&AppRow> {
        self.apps.iter().find(|a| a.id == id)
    }

    /// The application `id`, or `UnknownApplication`.
    fn application(&self, id: i64) -> Result<&AppRow> {
        self.app(id)
            .ok_or_else(|| GrantError::UnknownApplication(id.to_string()).into())
    }

    /// The application with this code, or a corrupt-row error (the ranking named it).
    fn by_code(&self, code: &str) -> Result<&AppRow> {
        self.apps
            .iter()
            .find(|a| a.code == code)
            .ok_or_else(|| corrupt("grant_applications", format!("{code} is not stored")))
    }

    fn conflicts(&self, application: i64) -> BTreeSet<&str> {
        self.roles
            .iter()
            .filter(|r| r.application_id == application && r.role == "conflict")
            .map(|r| r.evaluator.as_str())
            .collect()
    }

    /// The application's score from every sheet of an evaluator without a conflict: the same
    /// [`assess`] the call file uses.
    fn assessment(&self, call: &Call, app: &AppRow) -> Result<Assessment> {
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
fn stored_points(micros: i64) -> Result<Points> {
    u64::try_from(micros)
        .ok()
        .and_then(|m| Points::from_micros(m).ok())
        .ok_or_else(|| corrupt("grant_scores", "points out of range"))
}

fn view_of(
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

fn seed_of(row: &CallRow) -> Result<Option<LotterySeed>> {
    row.lottery_seed
        .as_deref()
        .map(|s| LotterySeed::parse(s).map_err(|e| corrupt("grant_calls", e)))
        .transpose()
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

fn rome_date(now: DateTime<Utc>) -> NaiveDate {
    Zone::rome()
        .to_local(now)
        .map_or_else(|_| now.date_naive(), |local| local.date())
}

fn names_json(tags: &BTreeSet<Tag>) -> String {
    let list: Vec<&str> = tags.iter().map(Tag::as_str).collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".to_owned())
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

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The application with this id, read outside any transaction (to learn its call).
macro_rules! call_of_application {
    ($store:expr, $id:expr) => {{
        let call_id: Option<String> = read!($store, |pool| {
            sqlx::query_scalar("SELECT call_id FROM grant_applications WHERE id = $1")
                .bind($id)
                .fetch_optional(pool)
                .await?
        });
        match call_id {
            Some(call_id) => call_id,
            None => return Err(GrantError::UnknownApplication($id.to_string()).into()),
        }
    }};
}

/// One idempotent write that adds to the open call `$call_id` something reached by a new
/// secret token (an application, an evaluator): the call locked (its row as `$row`), a stored
/// answer for `$idem` replayed before anything else, a ranked call refused, and the token
/// (shown once) as `$token` with its hash as `$token_hash`. `$body` evaluates to what was
/// added (failing with `?` or `return Err`); `$respond`'s answer to it and the token is
/// remembered for `$idem` in the same transaction.
macro_rules! token_write {
    (
        $store:expr, $call_id:expr, $idem:expr, $now:expr, $respond:expr,
        |$tx:ident, $row:ident, $token_hash:ident| $body:expr
    ) => {{
        let token = new_token();
        let $token_hash = hash_token(&token);
        call_tx!($store, |$tx, lock| {
            let $row = lock_call!($tx, lock, $call_id);
            if let Some(replay) = replay_of!($tx, $idem, $now) {
                return Ok(GrantWrite::Replayed(replay));
            }
            if $row.ranked_at.is_some() {
                return Err(GrantError::CallRanked($call_id.to_owned()).into());
            }
            let done = $body;
            remember!($tx, $idem, $respond(&done, &token), $now);
            Ok(GrantWrite::Done((done, token.clone())))
        })
    }};
}

/// One idempotent write to application `$id`: its call locked and loaded as `$locked` (a
/// [`LockedCall`]), a stored answer for `$idem` replayed before anything else, the application
/// as `$app`; `$body` evaluates to what was done (failing with `?` or `return Err`), and
/// `$respond`'s answer to it is remembered for `$idem` in the same transaction.
macro_rules! application_write {
    (
        $store:expr, $id:expr, $idem:expr, $now:expr, $respond:expr,
        |$tx:ident, $locked:ident, $app:ident| $body:expr
    ) => {{
        let call_id = call_of_application!($store, $id);
        call_tx!($store, |$tx, lock| {
            let $locked = lock_and_load!($tx, lock, &call_id);
            if let Some(replay) = replay_of!($tx, $idem, $now) {
                return Ok(GrantWrite::Replayed(replay));
            }
            let $app = $locked.data.application($id)?;
            let done = $body;
            remember!($tx, $idem, $respond(&done), $now);
            Ok(GrantWrite::Done(done))
        })
    }};
}

/// Hands in one application inside the caller's open write transaction `$tx`, which holds the
/// lock of the call `$call_id` (the core [`Call`] `$call`): refuses a cooperative (by partita
/// IVA, as core normalises it) with a live application in the call, takes the next free code
/// from `*$next_number` (and moves it on, in the call row too), asks the call's rules to admit
/// or refuse the applicant on `$now`'s Europe/Rome date, inserts the application with
/// `$token_hash` and writes the audit line as `$actor`. Evaluates to
/// `Result<GrantApplicationView>`; on `Err` the caller must not commit. Shared by
/// [`Store::submit_grant_application`] and [`Store::submit_grant_applications`], so an
/// application of a batch is decided exactly as one of its own. A macro, like `audit!`, so the
/// same SQL is bound for whichever backend's transaction it is given.
macro_rules! submit_step {
    (
        $tx:ident, $call:expr, $call_id:expr, $next_number:expr, $request:expr,
        $token_hash:expr, $actor:expr, $now:expr
    ) => {
        async {
            let call: &Call = $call;
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
            let (stage, reasons) = match call.check_applicant(&request.applicant, rome_date(now)) {
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

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

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
            if let Some(replay) = replay_of!(tx, idempotency, now) {
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
            remember!(tx, idempotency, respond(&view), now);
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
                    "INSERT INTO grant_evaluators (call_id, code, label, token_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id, call_id, code, label",
                )
                .bind(call_id)
                .bind(&code)
                .bind(&request.label)
                .bind(&token_hash)
                .bind(now)
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

    /// Records report `number` of a funded project, received on `received_on` (a Europe/Rome
    /// date): the first report opens monitoring (funded → reports due), the final one moves it
    /// to final report received, after which no report is taken. The number must be one of the
    /// project's schedule. With `idempotency`, a repeated key with the same request replays
    /// `respond`'s answer.
    pub async fn record_grant_report(
        &self,
        application_id: i64,
        report: NewGrantReport,
        actor: &str,
        idempotency: Option<&Idempotency>,
        now: DateTime<Utc>,
        respond: impl FnOnce(&GrantApplicationView) -> Replay,
    ) -> Result<GrantWrite<GrantApplicationView>> {
        let NewGrantReport {
            number,
            received_on,
        } = report;
        application_write!(
            self,
            application_id,
            idempotency,
            now,
            respond,
            |tx, locked, app| {
                let (call, data) = (&locked.call, &locked.data);
                let mut stage = app.stage()?;
                match stage {
                    Stage::Funded => {
                        stage = step(&app.code, stage, Event::OpenReporting)?;
                        let action = "grant_application.open_reporting";
                        move_to!(tx, now, actor, app, stage, app.rank, app.in_ranking, action);
                    }
                    Stage::ReportsDue => {}
                    Stage::FinalReportReceived | Stage::Closed if app.awarded_at.is_some() => {
                        return Err(GrantError::ReportAfterFinal {
                            application: app.code.clone(),
                            number,
                        }
                        .into());
                    }
                    from => {
                        return Err(GrantError::Transition {
                            application: app.code.clone(),
                            from,
                            event: Event::OpenReporting,
                        }
                        .into());
                    }
                }
                let awarded_at = app.awarded_at.ok_or_else(|| {
                    corrupt(
                        "grant_awards",
                        format!("{} is funded without an award", app.code),
                    )
                })?;
                let schedule = call
                    .reporting()
                    .schedule(awarded_at)
                    .map_err(|e| corrupt("grant_awards", e))?;
                let Some(due) = schedule.iter().find(|r| r.number == number) else {
                    return Err(invalid(
                        "/number",
                        format!(
                            "the project owes reports 1 to {}, not {number}",
                            schedule.len()
                        ),
                    )
                    .into());
                };
                if data
                    .reports
                    .iter()
                    .any(|r| r.application_id == app.id && r.number == i64::from(number))
                {
                    return Err(GrantError::ReportExists {
                        application: app.code.clone(),
                        number,
                    }
                    .into());
                }
                sqlx::query(
                "INSERT INTO grant_reports (application_id, number, kind, received_on, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(app.id)
            .bind(i64::from(number))
            .bind(match due.kind {
                ReportKind::Periodic => "periodic",
                ReportKind::Final => "final",
            })
            .bind(received_on)
            .bind(now)
            .execute(&mut *tx)
            .await?;
                audit!(
                    tx,
                    now,
                    actor,
                    "grant_application.report",
                    "grant_application",
                    &app.id.to_string(),
                    None::<String>,
                    Some(format!(
                        "{{\"report\":{number},\"received_on\":\"{received_on}\"}}"
                    ))
                )?;
                if due.kind == ReportKind::Final {
                    let before = app.at(stage);
                    stage = step(&app.code, stage, Event::ReceiveFinalReport)?;
                    let action = "grant_application.final_report";
                    move_to!(
                        tx,
                        now,
                        actor,
                        &before,
                        stage,
                        app.rank,
                        app.in_ranking,
                        action
                    );
                }
                let mut reports = data.reports.clone();
                reports.push(ReportRow {
                    application_id: app.id,
                    number: i64::from(number),
                    received_on,
                });
                view_of(call.reporting(), &app.at(stage), &reports)?
            }
        )
    }

    /// Closes an application's file ("chiusura"): one that was refused, not funded, or whose
    /// final report came in (the core's lifecycle refuses any other). Nothing happens to a
    /// closed application any more: no report, no withdrawal. With `idempotency`, a repeated key
    /// with the same request replays `respond`'s answer.
    pub async fn close_grant_application(
        &self,
        application_id: i64,
        actor: &str,
        idempotency: Option<&Idempotency>,
        now: DateTime<Utc>,
        respond: impl FnOnce(&GrantApplicationView) -> Replay,
    ) -> Result<GrantWrite<GrantApplicationView>> {
        application_write!(
            self,
            application_id,
            idempotency,
            now,
            respond,
            |tx, locked, app| {
                let (call, data) = (&locked.call, &locked.data);
                let closed = step(&app.code, app.stage()?, Event::Close)?;
                let action = "grant_application.close";
                move_to!(
                    tx,
                    now,
                    actor,
                    app,
                    closed,
                    app.rank,
                    app.in_ranking,
                    action
                );
                view_of(call.reporting(), &app.at(closed), &data.reports)?
            }
        )
    }

    /// Every report of the call's funded projects that is late on `on` (a Europe/Rome date),
    /// most late first (the core's [`overdue`]).
    pub async fn overdue_grant_reports(
        &self,
        call_id: &str,
        on: NaiveDate,
    ) -> Result<Vec<OverdueReport>> {
        call_tx!(self, |tx, lock| {
            let locked = lock_and_load!(tx, lock, call_id);
            let data = &locked.data;
            let mut projects = Vec::new();
            for app in &data.apps {
                let monitored = matches!(
                    app.stage()?,
                    Stage::Funded | Stage::ReportsDue | Stage::FinalReportReceived
                );
                let Some(awarded_at) = app.awarded_at.filter(|_| monitored) else {
                    continue;
                };
                projects.push(Monitored {
                    id: app.code.as_str(),
                    awarded_at,
                    received: data
                        .reports
                        .iter()
                        .filter(|r| r.application_id == app.id)
                        .filter_map(|r| u32::try_from(r.number).ok())
                        .collect(),
                });
            }
            let late = overdue(&projects, locked.call.reporting(), on)
                .map_err(|e| corrupt("grant_awards", e))?;
            Ok(late
                .iter()
                .map(|o| OverdueReport {
                    application_id: data
                        .apps
                        .iter()
                        .find(|a| a.code == o.id)
                        .map_or(0, |a| a.id),
                    code: o.id.to_owned(),
                    number: o.report.number,
                    kind: o.report.kind,
                    due: o.report.due,
                    days_late: o.days_late,
                    text_it: o.it(),
                })
                .collect())
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
