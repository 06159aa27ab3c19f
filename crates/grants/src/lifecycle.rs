//! An application's life ("iter della domanda") as a state machine that refuses illegal moves.
//!
//! ```text
//! draft ─submit→ submitted ─admit→ eligible ─start→ under evaluation ─complete→ evaluated ─rank→ ranked
//!                    └─refuse→ ineligible ─close→ closed
//! ranked ─fund→ funded ─open reporting→ reports due ─final report→ final report received ─close→ closed
//! ranked ─reserve→ reserve ─fund (promotion)→ funded
//! ranked | reserve ─decline→ not funded ─close→ closed
//! any stage but closed and withdrawn ─withdraw→ withdrawn
//! ```
//!
//! [`next`] is the whole table; [`Application::apply`] moves one application with the data each
//! move carries, and refuses a move that is not in the table, or whose data is wrong (a refusal
//! without reasons, funding an application that was not ranked). A refused move changes nothing.
//! Withdrawing a funded application gives its money back to the call: see
//! [`super::ranking::Ranking::withdraw`], which promotes from the reserve list.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::call::{Applicant, ApplicationId, Shortfall};
use super::evaluation::Assessment;
use skillhub_core::ids::Tag;
use skillhub_core::program::Cents;

/// Where an application is ("stato della domanda").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Being written ("bozza").
    Draft,
    /// Handed in ("presentata").
    Submitted,
    /// Admitted to evaluation ("ammissibile").
    Eligible,
    /// Not admitted, with reasons ("non ammissibile").
    Ineligible,
    /// Evaluators are scoring it ("in valutazione").
    UnderEvaluation,
    /// Scored ("valutata").
    Evaluated,
    /// Placed in the ranking, or found below threshold ("in graduatoria").
    Ranked,
    /// Awarded its request ("finanziata").
    Funded,
    /// On the reserve list ("in riserva").
    Reserve,
    /// Not funded ("non finanziata").
    NotFunded,
    /// Funded and reporting ("in monitoraggio").
    ReportsDue,
    /// The final report came in ("relazione finale ricevuta").
    FinalReportReceived,
    /// Done ("chiusa").
    Closed,
    /// Withdrawn by the applicant ("ritirata").
    Withdrawn,
}

impl Stage {
    /// Every stage.
    pub const ALL: [Stage; 14] = [
        Stage::Draft,
        Stage::Submitted,
        Stage::Eligible,
        Stage::Ineligible,
        Stage::UnderEvaluation,
        Stage::Evaluated,
        Stage::Ranked,
        Stage::Funded,
        Stage::Reserve,
        Stage::NotFunded,
        Stage::ReportsDue,
        Stage::FinalReportReceived,
        Stage::Closed,
        Stage::Withdrawn,
    ];

    /// Italian name.
    pub fn it(self) -> &'static str {
        match self {
            Stage::Draft => "bozza",
            Stage::Submitted => "presentata",
            Stage::Eligible => "ammissibile",
            Stage::Ineligible => "non ammissibile",
            Stage::UnderEvaluation => "in valutazione",
            Stage::Evaluated => "valutata",
            Stage::Ranked => "in graduatoria",
            Stage::Funded => "finanziata",
            Stage::Reserve => "in riserva",
            Stage::NotFunded => "non finanziata",
            Stage::ReportsDue => "in monitoraggio",
            Stage::FinalReportReceived => "relazione finale ricevuta",
            Stage::Closed => "chiusa",
            Stage::Withdrawn => "ritirata",
        }
    }

    /// Whether nothing can happen any more.
    pub fn is_final(self) -> bool {
        matches!(self, Stage::Closed | Stage::Withdrawn)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.it())
    }
}

/// A kind of move, without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Hand in.
    Submit,
    /// Admit to evaluation.
    Admit,
    /// Refuse admission.
    Refuse,
    /// Evaluators start.
    StartEvaluation,
    /// Evaluators finish.
    CompleteEvaluation,
    /// Place in the ranking.
    Rank,
    /// Award the request (from the ranking, or a promotion from the reserve list).
    Fund,
    /// Put on the reserve list.
    PutInReserve,
    /// Decide not to fund (below threshold, or the reserve list is closed).
    Decline,
    /// Start monitoring a funded project.
    OpenReporting,
    /// Receive the mandatory final report.
    ReceiveFinalReport,
    /// Close the file.
    Close,
    /// The applicant withdraws.
    Withdraw,
}

impl Event {
    /// Every event.
    pub const ALL: [Event; 13] = [
        Event::Submit,
        Event::Admit,
        Event::Refuse,
        Event::StartEvaluation,
        Event::CompleteEvaluation,
        Event::Rank,
        Event::Fund,
        Event::PutInReserve,
        Event::Decline,
        Event::OpenReporting,
        Event::ReceiveFinalReport,
        Event::Close,
        Event::Withdraw,
    ];
}

/// The stage after `event` in `stage`, or `None` when the move is illegal. This is the whole
/// transition table.
///
/// ```
/// use skillhub_grants::lifecycle::{Event, Stage, next};
/// assert_eq!(next(Stage::Draft, Event::Submit), Some(Stage::Submitted));
/// assert_eq!(next(Stage::Draft, Event::Fund), None);
/// assert_eq!(next(Stage::Funded, Event::Withdraw), Some(Stage::Withdrawn));
/// assert_eq!(next(Stage::Closed, Event::Withdraw), None);
/// ```
pub fn next(stage: Stage, event: Event) -> Option<Stage> {
    use Event as E;
    use Stage as S;
    if event == E::Withdraw {
        return (!stage.is_final()).then_some(S::Withdrawn);
    }
    Some(match (stage, event) {
        (S::Draft, E::Submit) => S::Submitted,
        (S::Submitted, E::Admit) => S::Eligible,
        (S::Submitted, E::Refuse) => S::Ineligible,
        (S::Eligible, E::StartEvaluation) => S::UnderEvaluation,
        (S::UnderEvaluation, E::CompleteEvaluation) => S::Evaluated,
        (S::Evaluated, E::Rank) => S::Ranked,
        (S::Ranked | S::Reserve, E::Fund) => S::Funded,
        (S::Ranked, E::PutInReserve) => S::Reserve,
        (S::Ranked | S::Reserve, E::Decline) => S::NotFunded,
        (S::Funded, E::OpenReporting) => S::ReportsDue,
        (S::ReportsDue, E::ReceiveFinalReport) => S::FinalReportReceived,
        (S::Ineligible | S::NotFunded | S::FinalReportReceived, E::Close) => S::Closed,
        _ => return None,
    })
}

/// A move with its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Hand in, at this instant.
    Submit {
        /// When.
        at: DateTime<Utc>,
    },
    /// Admit.
    Admit,
    /// Refuse, for these reasons (at least one).
    Refuse(Vec<Shortfall>),
    /// Evaluators start.
    StartEvaluation,
    /// Evaluators finish with this result.
    CompleteEvaluation(Assessment),
    /// Placed at this rank (1 first), or `None` when below threshold.
    Rank(Option<u32>),
    /// The request is awarded at this instant.
    Fund {
        /// When.
        at: DateTime<Utc>,
    },
    /// Put on the reserve list.
    PutInReserve,
    /// Not funded.
    Decline,
    /// Monitoring starts.
    OpenReporting,
    /// The final report came in.
    ReceiveFinalReport,
    /// Close the file.
    Close,
    /// The applicant withdraws.
    Withdraw,
}

impl Action {
    /// The move without its data.
    pub fn event(&self) -> Event {
        match self {
            Action::Submit { .. } => Event::Submit,
            Action::Admit => Event::Admit,
            Action::Refuse(_) => Event::Refuse,
            Action::StartEvaluation => Event::StartEvaluation,
            Action::CompleteEvaluation(_) => Event::CompleteEvaluation,
            Action::Rank(_) => Event::Rank,
            Action::Fund { .. } => Event::Fund,
            Action::PutInReserve => Event::PutInReserve,
            Action::Decline => Event::Decline,
            Action::OpenReporting => Event::OpenReporting,
            Action::ReceiveFinalReport => Event::ReceiveFinalReport,
            Action::Close => Event::Close,
            Action::Withdraw => Event::Withdraw,
        }
    }
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// The move is not allowed from this stage.
    #[error("an application that is {from} cannot {event:?}")]
    Illegal {
        /// Where the application is.
        from: Stage,
        /// What was attempted.
        event: Event,
    },
    /// A refusal must say why.
    #[error("a refusal needs at least one reason")]
    NoReasons,
    /// Only an application with a rank (above threshold) can be funded or put in reserve, and
    /// only one that passes every threshold can get a rank.
    #[error("{0}")]
    Threshold(&'static str),
}

/// Why an application cannot be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplicationError {
    /// The request is 0.
    #[error("an application must request more than 0 €")]
    ZeroRequest,
}

/// An application to a call and where it is in its life ("domanda di contributo").
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use skillhub_grants::call::{Applicant, ApplicationId};
/// use skillhub_grants::lifecycle::{Action, Application, Stage};
/// use skillhub_core::program::Cents;
/// let applicant = Applicant {
///     name: "Cooperativa Alfa".into(), partita_iva: "01234567897".into(),
///     organisation_type: None, albo_number: None, region: None, sector: None, email: None,
/// };
/// let id = ApplicationId::parse("coop-1")?;
/// let mut application = Application::new(id, applicant, Cents::new(700_000), [].into(), [].into())?;
/// assert!(application.apply(Action::Admit).is_err()); // a draft cannot be admitted
/// assert_eq!(application.stage(), Stage::Draft);
/// let at = Utc.with_ymd_and_hms(2022, 4, 1, 9, 0, 0).unwrap();
/// assert_eq!(application.apply(Action::Submit { at })?, Stage::Submitted);
/// assert_eq!(application.apply(Action::Withdraw)?, Stage::Withdrawn);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    id: ApplicationId,
    applicant: Applicant,
    requested: Cents,
    priorities: BTreeSet<Tag>,
    project_kinds: BTreeSet<Tag>,
    stage: Stage,
    submitted_at: Option<DateTime<Utc>>,
    shortfalls: Vec<Shortfall>,
    assessment: Option<Assessment>,
    rank: Option<u32>,
    awarded_at: Option<DateTime<Utc>>,
    history: Vec<Stage>,
}

impl Application {
    /// A draft requesting `requested` (more than 0), declaring priority criteria it meets and the
    /// kinds its project is.
    pub fn new(
        id: ApplicationId,
        applicant: Applicant,
        requested: Cents,
        priorities: BTreeSet<Tag>,
        project_kinds: BTreeSet<Tag>,
    ) -> Result<Self, ApplicationError> {
        if requested.get() == 0 {
            return Err(ApplicationError::ZeroRequest);
        }
        Ok(Application {
            id,
            applicant,
            requested,
            priorities,
            project_kinds,
            stage: Stage::Draft,
            submitted_at: None,
            shortfalls: Vec::new(),
            assessment: None,
            rank: None,
            awarded_at: None,
            history: vec![Stage::Draft],
        })
    }

    /// Applies a move, or refuses it and changes nothing. Returns the new stage.
    pub fn apply(&mut self, action: Action) -> Result<Stage, TransitionError> {
        let to = next(self.stage, action.event()).ok_or(TransitionError::Illegal {
            from: self.stage,
            event: action.event(),
        })?;
        match action {
            Action::Submit { at } => self.submitted_at = Some(at),
            Action::Refuse(reasons) if reasons.is_empty() => {
                return Err(TransitionError::NoReasons);
            }
            Action::Refuse(reasons) => self.shortfalls = reasons,
            Action::CompleteEvaluation(assessment) => self.assessment = Some(assessment),
            Action::Rank(Some(_)) if !self.assessment.as_ref().is_some_and(Assessment::passes) => {
                return Err(TransitionError::Threshold(
                    "an application below threshold has no rank",
                ));
            }
            Action::Rank(rank) => self.rank = rank,
            Action::Fund { .. } | Action::PutInReserve if self.rank.is_none() => {
                return Err(TransitionError::Threshold(
                    "an application below threshold can be neither funded nor put in reserve",
                ));
            }
            Action::Fund { at } => self.awarded_at = Some(at),
            _ => {}
        }
        self.stage = to;
        self.history.push(to);
        Ok(to)
    }

    /// Id.
    pub fn id(&self) -> &ApplicationId {
        &self.id
    }
    /// Who applies.
    pub fn applicant(&self) -> &Applicant {
        &self.applicant
    }
    /// The amount requested.
    pub fn requested(&self) -> Cents {
        self.requested
    }
    /// Priority criteria declared.
    pub fn priorities(&self) -> &BTreeSet<Tag> {
        &self.priorities
    }
    /// Kinds of project declared (supply chain, network, cross-sector …).
    pub fn project_kinds(&self) -> &BTreeSet<Tag> {
        &self.project_kinds
    }
    /// Where it is.
    pub fn stage(&self) -> Stage {
        self.stage
    }
    /// When it was handed in.
    pub fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.submitted_at
    }
    /// Why it was not admitted.
    pub fn shortfalls(&self) -> &[Shortfall] {
        &self.shortfalls
    }
    /// Its score, once evaluated.
    pub fn assessment(&self) -> Option<&Assessment> {
        self.assessment.as_ref()
    }
    /// Its rank, once ranked above threshold.
    pub fn rank(&self) -> Option<u32> {
        self.rank
    }
    /// When it was funded.
    pub fn awarded_at(&self) -> Option<DateTime<Utc>> {
        self.awarded_at
    }
    /// The money awarded: the request while funded or reporting, else nothing.
    pub fn awarded(&self) -> Cents {
        match self.stage {
            Stage::Funded | Stage::ReportsDue | Stage::FinalReportReceived | Stage::Closed
                if self.awarded_at.is_some() =>
            {
                self.requested
            }
            _ => Cents::new(0),
        }
    }
    /// Every stage it went through, the current one last.
    pub fn history(&self) -> &[Stage] {
        &self.history
    }
}
