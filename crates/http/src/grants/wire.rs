//! The JSON bodies of the grant routes, converted from the store's views (core types are not
//! the API). Instants are RFC 3339 UTC with `Z`, days `YYYY-MM-DD`.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};
use skillhub_grants::lifecycle::Stage;
use skillhub_grants::monitoring::ReportKind;
use skillhub_store::{
    EvaluatorView, GrantApplicationView, GrantCallView, GrantRanking, OverdueReport,
};
use utoipa::ToSchema;

use crate::wire::Text;

fn utc<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn utc_option<S: Serializer>(at: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => utc(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// A criterion of a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GrantCriterion {
    /// Id, e.g. `impact`.
    pub id: String,
    /// Italian name.
    pub label_it: String,
    /// Weight in the weighted mean.
    pub weight: f64,
    /// The lowest mean score allowed on it.
    #[schema(required = true)]
    pub min_score: Option<f64>,
}

/// How often funded projects report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reporting {
    /// Months between periodic reports.
    pub every_months: u32,
    /// Months from the award to the mandatory final report.
    pub duration_months: u32,
}

/// A grant call ("bando").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GrantCall {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The money to award, in cents.
    pub budget_cents: u64,
    /// Scored criteria.
    pub criteria: Vec<GrantCriterion>,
    /// The lowest total allowed.
    #[schema(required = true)]
    pub min_total: Option<f64>,
    /// The recorded lottery seed (64 hex digits) that breaks full ties.
    #[schema(required = true)]
    pub lottery_seed: Option<String>,
    /// Reporting plan of funded projects.
    pub reporting: Reporting,
    /// When it was ranked; no applications are taken after.
    #[serde(serialize_with = "utc_option")]
    #[schema(required = true, value_type = Option<String>, format = DateTime)]
    pub ranked_at: Option<DateTime<Utc>>,
    /// How many applications it has.
    pub applications: i64,
}

impl From<&GrantCallView> for GrantCall {
    fn from(v: &GrantCallView) -> Self {
        GrantCall {
            id: v.id.clone(),
            name: v.name.clone(),
            budget_cents: v.budget_cents,
            criteria: v
                .criteria
                .iter()
                .map(|c| GrantCriterion {
                    id: c.id.clone(),
                    label_it: c.label_it.clone(),
                    weight: c.weight,
                    min_score: c.min_score,
                })
                .collect(),
            min_total: v.min_total,
            lottery_seed: v.lottery_seed.clone(),
            reporting: Reporting {
                every_months: v.report_every_months,
                duration_months: v.report_duration_months,
            },
            ranked_at: v.ranked_at,
            applications: v.applications,
        }
    }
}

/// A new call: the JSON of `skillhub grants rank CALL.json` (its `applications`, with their
/// scores, are imported already evaluated; leave it out or empty to open a call), plus the
/// members below. Other members are ignored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewGrantCall {
    /// Id, a slug: `cooperazione-digitale-2022`.
    pub id: String,
    /// Name as published (default: the id).
    pub name: Option<String>,
    /// The money to award, in cents.
    pub budget_cents: u64,
    /// `[{"id", "weight", "min_score", "label_it"}]`, at least one.
    #[schema(value_type = Vec<Object>)]
    pub criteria: Vec<serde_json::Value>,
    /// The lowest total allowed, 0–5.
    pub min_total: Option<f64>,
    /// A whole number or 64 hexadecimal digits; needed when applications tie on everything.
    #[schema(value_type = Option<Object>)]
    pub lottery_seed: Option<serde_json::Value>,
    /// `{"every_months", "duration_months"}` (default 6 and 24).
    pub reporting: Option<Reporting>,
    /// `[{"id", "it", "en"}]`: priority criteria counted in the tie-break (default: those the
    /// imported applications declare).
    #[schema(value_type = Option<Vec<Object>>)]
    pub priority_criteria: Option<Vec<serde_json::Value>>,
    /// Applications of the file form, with `scores` per evaluator and `conflicts`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub applications: Option<Vec<serde_json::Value>>,
}

/// Who applies: a cooperative as it declares itself ("soggetto proponente").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GrantApplicant {
    /// Company name ("ragione sociale").
    pub name: String,
    /// Partita IVA, 11 digits.
    pub partita_iva: String,
    /// `cooperative`, `social_cooperative`, …
    pub organisation_type: Option<String>,
    /// Number in the Albo delle società cooperative, e.g. `A123456`.
    pub albo_number: Option<String>,
    /// Region of the registered office, e.g. `emilia-romagna`.
    pub region: Option<String>,
    /// Sector of activity, e.g. `agrifood`.
    pub sector: Option<String>,
    /// The contact address the call writes to: receipt, stage changes, reports due (optional;
    /// without it nobody is written to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A new application ("domanda").
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewGrantApplication {
    /// Who applies.
    pub applicant: GrantApplicant,
    /// The amount requested, in cents (more than 0).
    pub requested_cents: u64,
    /// Priority criteria the applicant meets, e.g. `social_coop`.
    #[serde(default)]
    pub priorities: Vec<String>,
    /// Kinds of project, e.g. `supply_chain`.
    #[serde(default)]
    pub project_kinds: Vec<String>,
}

/// Where an application is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantStage {
    /// Being written.
    Draft,
    /// Handed in.
    Submitted,
    /// Admitted to evaluation.
    Eligible,
    /// Not admitted (see `reasons`).
    Ineligible,
    /// Evaluators are scoring it.
    UnderEvaluation,
    /// Scored.
    Evaluated,
    /// In the ranking.
    Ranked,
    /// Awarded its request.
    Funded,
    /// On the reserve list.
    Reserve,
    /// Not funded.
    NotFunded,
    /// Funded and reporting.
    ReportsDue,
    /// The final report came in.
    FinalReportReceived,
    /// Done.
    Closed,
    /// Withdrawn.
    Withdrawn,
}

impl From<Stage> for GrantStage {
    fn from(stage: Stage) -> Self {
        match stage {
            Stage::Draft => GrantStage::Draft,
            Stage::Submitted => GrantStage::Submitted,
            Stage::Eligible => GrantStage::Eligible,
            Stage::Ineligible => GrantStage::Ineligible,
            Stage::UnderEvaluation => GrantStage::UnderEvaluation,
            Stage::Evaluated => GrantStage::Evaluated,
            Stage::Ranked => GrantStage::Ranked,
            Stage::Funded => GrantStage::Funded,
            Stage::Reserve => GrantStage::Reserve,
            Stage::NotFunded => GrantStage::NotFunded,
            Stage::ReportsDue => GrantStage::ReportsDue,
            Stage::FinalReportReceived => GrantStage::FinalReportReceived,
            Stage::Closed => GrantStage::Closed,
            Stage::Withdrawn => GrantStage::Withdrawn,
        }
    }
}

/// `periodic` or `final`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantReportKind {
    /// A progress report ("relazione intermedia").
    Periodic,
    /// The mandatory final report ("relazione finale").
    Final,
}

impl From<ReportKind> for GrantReportKind {
    fn from(kind: ReportKind) -> Self {
        match kind {
            ReportKind::Periodic => GrantReportKind::Periodic,
            ReportKind::Final => GrantReportKind::Final,
        }
    }
}

/// A report a funded project owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GrantReport {
    /// 1, 2, …; the final report has the last number.
    pub number: u32,
    /// Periodic or final.
    pub kind: GrantReportKind,
    /// Due by the end of this day (Europe/Rome).
    pub due: NaiveDate,
    /// When it was received.
    #[schema(required = true)]
    pub received_on: Option<NaiveDate>,
}

/// An application and where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GrantApplication {
    /// Id.
    pub id: i64,
    /// The call.
    pub call_id: String,
    /// Its id in the ranking, e.g. `domanda-3`.
    pub code: String,
    /// Where it is.
    pub stage: GrantStage,
    /// Where it is, in Italian.
    pub stage_it: String,
    /// Who applies (null for applications imported from a call file).
    #[schema(required = true)]
    pub applicant: Option<GrantApplicant>,
    /// The amount requested, in cents.
    pub requested_cents: u64,
    /// Priority criteria declared.
    pub priorities: Vec<String>,
    /// Project kinds declared.
    pub project_kinds: Vec<String>,
    /// When it was handed in.
    #[serde(serialize_with = "utc_option")]
    #[schema(required = true, value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// Why it was not admitted, in Italian and English.
    pub reasons: Vec<Text>,
    /// Its rank, once ranked above threshold.
    #[schema(required = true)]
    pub rank: Option<u32>,
    /// The money awarded, in cents.
    pub awarded_cents: u64,
    /// When it was funded.
    #[serde(serialize_with = "utc_option")]
    #[schema(required = true, value_type = Option<String>, format = DateTime)]
    pub awarded_at: Option<DateTime<Utc>>,
    /// The reports it owes, once funded.
    pub reports: Vec<GrantReport>,
}

impl From<&GrantApplicationView> for GrantApplication {
    fn from(v: &GrantApplicationView) -> Self {
        GrantApplication {
            id: v.id,
            call_id: v.call_id.clone(),
            code: v.code.clone(),
            stage: v.stage.into(),
            stage_it: v.stage.it().to_owned(),
            applicant: v.applicant.as_ref().map(|a| GrantApplicant {
                name: a.name.clone(),
                partita_iva: a.partita_iva.clone(),
                organisation_type: a.organisation_type.and_then(|t| {
                    serde_json::to_value(t)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                }),
                albo_number: a.albo_number.clone(),
                region: a.region.as_ref().map(|r| r.as_str().to_owned()),
                sector: a.sector.as_ref().map(|r| r.as_str().to_owned()),
                email: a.email.as_ref().map(|e| e.as_str().to_owned()),
            }),
            requested_cents: v.requested_cents,
            priorities: v.priorities.clone(),
            project_kinds: v.project_kinds.clone(),
            submitted_at: v.submitted_at,
            reasons: v
                .reasons
                .iter()
                .map(|r| Text {
                    it: r.it.clone(),
                    en: r.en.clone(),
                })
                .collect(),
            rank: v.rank,
            awarded_cents: v.awarded_cents,
            awarded_at: v.awarded_at,
            reports: v
                .reports
                .iter()
                .map(|r| GrantReport {
                    number: r.number,
                    kind: r.kind.into(),
                    due: r.due,
                    received_on: r.received_on,
                })
                .collect(),
        }
    }
}

/// A new application and the applicant's token: keep it, it is shown only once and lets the
/// applicant see and withdraw the application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GrantApplicationCreated {
    /// The application.
    pub application: GrantApplication,
    /// The applicant's bearer token.
    pub token: String,
}

/// A withdrawn application and the applications it let in from the reserve list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GrantWithdrawal {
    /// The withdrawn application.
    pub application: GrantApplication,
    /// Ids of the applications promoted from the reserve list, in rank order.
    pub promoted: Vec<i64>,
}

/// A new evaluator of a call, its assignments and declared conflicts of interest.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewEvaluator {
    /// A name for people.
    pub label: String,
    /// Ids of the applications to score (eligible ones start their evaluation).
    #[serde(default)]
    pub applications: Vec<i64>,
    /// Ids of the applications the evaluator declared a conflict of interest with.
    #[serde(default)]
    pub conflicts: Vec<i64>,
    /// Where the call writes to the evaluator: one message per assigned application
    /// (optional).
    #[serde(default)]
    pub email: Option<String>,
}

/// An evaluator ("valutatore").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Evaluator {
    /// Id.
    pub id: i64,
    /// The call.
    pub call_id: String,
    /// Its id in score sheets, e.g. `ev2`.
    pub code: String,
    /// Name for people.
    pub label: String,
}

impl From<&EvaluatorView> for Evaluator {
    fn from(v: &EvaluatorView) -> Self {
        Evaluator {
            id: v.id,
            call_id: v.call_id.clone(),
            code: v.code.clone(),
            label: v.label.clone(),
        }
    }
}

/// A new evaluator and its token: shown only once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EvaluatorCreated {
    /// The evaluator.
    pub evaluator: Evaluator,
    /// Its bearer token.
    pub token: String,
}

/// An application assigned to the evaluator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AssignedApplication {
    /// The application.
    pub application: GrantApplication,
    /// Whether the evaluator's sheet is in.
    pub scored: bool,
}

/// What an evaluator has to score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evaluations {
    /// The evaluator.
    pub evaluator: Evaluator,
    /// The criteria of its call.
    pub criteria: Vec<GrantCriterion>,
    /// Its applications.
    pub items: Vec<AssignedApplication>,
}

/// One criterion's mark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GrantMark {
    /// 0–5, at most 6 decimal places.
    pub points: f64,
    /// Why ("motivazione"); never empty.
    pub comment: String,
}

/// An evaluator's score sheet: a mark for every criterion of the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScoreSheet {
    /// Marks by criterion id.
    pub marks: std::collections::BTreeMap<String, GrantMark>,
}

/// One line of a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RankingRow {
    /// The application's id in the ranking.
    pub id: String,
    /// The application's stored id.
    pub application_id: i64,
    /// 1, 2, …; null below threshold.
    #[schema(required = true)]
    pub rank: Option<u32>,
    /// The weighted mean score (nearest number to the exact fraction).
    pub total: f64,
    /// `funded`, `reserve`, `below_threshold` or `withdrawn`.
    pub status: String,
    /// The request when funded, else 0.
    pub awarded_cents: u64,
}

/// A call's ranking ("graduatoria") and its budget walk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GrantRankingBody {
    /// The call.
    pub call_id: String,
    /// Whether this is the awarded ranking (false: a preview of an unranked call).
    pub awarded: bool,
    /// In rank order, below-threshold applications last.
    pub ranking: Vec<RankingRow>,
    /// The sum awarded.
    pub awarded_cents: u64,
    /// The budget left.
    pub remaining_cents: u64,
    /// The ranking explained in Italian, one line per application.
    pub text_it: String,
}

impl GrantRankingBody {
    /// The body of a call's ranking.
    pub fn new(call_id: &str, r: &GrantRanking) -> Self {
        GrantRankingBody {
            call_id: call_id.to_owned(),
            awarded: r.awarded,
            ranking: r
                .ranking
                .iter()
                .zip(&r.application_ids)
                .map(|(row, id)| RankingRow {
                    id: row.id.clone(),
                    application_id: *id,
                    rank: row.rank,
                    total: row.total,
                    status: row.status.as_str().to_owned(),
                    awarded_cents: row.awarded_cents,
                })
                .collect(),
            awarded_cents: r.awarded_cents,
            remaining_cents: r.remaining_cents,
            text_it: r.text_it.clone(),
        }
    }
}

/// The optional body of ranking a call: the lottery seed, for a call that recorded none (one
/// of the two members, or neither).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct RankingRequest {
    /// A whole number or 64 hexadecimal digits.
    #[schema(value_type = Option<Object>)]
    pub lottery_seed: Option<serde_json::Value>,
    /// A public random value published after the applications (e.g. a lotto draw), exactly as
    /// published: the seed is SHA-256 of the ranked application ids (sorted, each followed by a
    /// line break) followed by this value, so anyone can recompute the draw.
    pub public_value: Option<String>,
}

/// A report that came in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewReport {
    /// Which report (1, 2, …; the final one has the last number).
    pub number: u32,
    /// The day it came in (Europe/Rome; default today).
    pub received_on: Option<NaiveDate>,
}

/// A report past its due day and not received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OverdueItem {
    /// The application's id.
    pub application_id: i64,
    /// Its id in the ranking.
    pub code: String,
    /// The report's number.
    pub number: u32,
    /// Periodic or final.
    pub kind: GrantReportKind,
    /// Its due day.
    pub due: NaiveDate,
    /// Whole days since then.
    pub days_late: i64,
    /// The line in Italian.
    pub text_it: String,
}

impl From<&OverdueReport> for OverdueItem {
    fn from(o: &OverdueReport) -> Self {
        OverdueItem {
            application_id: o.application_id,
            code: o.code.clone(),
            number: o.number,
            kind: o.kind.into(),
            due: o.due,
            days_late: o.days_late,
            text_it: o.text_it.clone(),
        }
    }
}

/// The late reports of a call on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OverdueList {
    /// The call.
    pub call_id: String,
    /// The day (Europe/Rome).
    pub on: NaiveDate,
    /// Most late first.
    pub items: Vec<OverdueItem>,
}
