//! Grant calls ("bandi") over the database: calls, applications (one live application per
//! cooperative and call, by partita IVA), evaluators with their assignments and conflicts of
//! interest, score sheets, the ranking with its awards (and its lottery seed, given at ranking time
//! when the call has none), withdrawals that promote from the reserve list, monitoring reports up
//! to the final one, and closing a file. Writes that create or move something take an optional
//! [`Idempotency`](crate::Idempotency) key, replayed as registrations replay theirs.
//!
//! Every decision is asked of `skillhub_grants` — the lifecycle table ([`next`]), who may
//! apply ([`Call::check_applicant`](skillhub_grants::call::Call::check_applicant)), score
//! sheets and conflicts ([`Evaluation`](skillhub_grants::evaluation::Evaluation)), thresholds
//! ([`assess`](skillhub_grants::evaluation::assess)), the ranking and the budget walk
//! ([`rank`](skillhub_grants::ranking::rank),
//! [`Ranking::withdraw`](skillhub_grants::ranking::Ranking::withdraw)) and report due dates
//! ([`overdue`](skillhub_grants::monitoring::overdue)) — inside one write transaction that
//! first locks the call row (`BEGIN IMMEDIATE` on SQLite, `SELECT … FOR UPDATE` on PostgreSQL), and
//! every change is written to the audit log in the same transaction. An illegal move is a typed
//! [`GrantError`] and changes nothing. A batch of applications
//! ([`Store::submit_grant_applications`](crate::Store::submit_grant_applications)) is one such
//! transaction: every application is handed in through the same step as a single one, and one
//! refusal writes nothing.
//!
//! The ranking is never stored as a result: the set of applications it covers, and the order of the
//! withdrawals after it, are. The ranking is the core's function of the stored scores, the call's
//! budget and its recorded lottery seed, so reading it again, or withdrawing from it, runs the same
//! [`rank`](skillhub_grants::ranking::rank) and replays the same withdrawals; scores are
//! frozen once evaluated, so the replay is the ranking that was awarded (checked against the stored
//! stages on every withdrawal). A call loaded from a `skillhub grants rank` file ranks exactly as
//! the file does.
//!
//! The module is split by concern: [`definition`] (a call's JSON, checked), [`rows`] (the rows as
//! stored, the shared SQL, and what decisions about a call read), [`macros`] (the steps the
//! operations share inside a call's transaction), then the operations: [`calls`], [`applications`],
//! [`evaluation`] (evaluators, assignments, score sheets), [`ranking`] (ranking, awards,
//! withdrawals) and [`reports`] (monitoring reports, closing a file); [`awards`] reads the awards
//! as facts for progress.

#[macro_use]
mod macros;

mod applications;
mod awards;
mod calls;
mod definition;
mod evaluation;
mod notices;
mod ranking;
mod reports;
mod rows;

use skillhub_grants::file::CallFileError;
use skillhub_grants::lifecycle::{Event, Stage, next};

use crate::{Error, Replay, Result};

pub use applications::{
    GrantApplicationView, GrantBatchError, GrantReason, NewGrantApplication, SubmittedApplication,
};
pub use calls::{CriterionView, GrantCallView};
pub use evaluation::{Assignment, EvaluatorView, NewEvaluator};
pub use ranking::{GrantRanking, GrantWithdrawal, RankingSeed};
pub use reports::{NewGrantReport, OverdueReport, ReportView};

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

fn stage_json(stage: &str) -> String {
    format!("{{\"stage\":\"{stage}\"}}")
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A new row (or an idempotent replay of the response that created it).
#[derive(Debug, Clone)]
pub enum GrantWrite<T> {
    /// Done now.
    Done(T),
    /// The same idempotency key and request were seen before: the stored response.
    Replayed(Replay),
}
