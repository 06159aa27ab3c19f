//! Evaluation ("valutazione"): evaluators score every criterion of an application 0–5 with a
//! comment; the application's score is the weighted mean of the criterion means; thresholds
//! decide whether it can be ranked.
//!
//! - An evaluator who declared a conflict of interest with an application cannot score it; a
//!   conflict declared after scoring withdraws the sheet already given.
//! - A criterion's score is the mean over the evaluators who scored it (all of them, in a
//!   [`Evaluation`], which refuses incomplete sheets); the total is `Σ wᵢ·meanᵢ / Σ wᵢ`, exact
//!   (see [`super::score`]).
//! - A criterion mean below its `min_score`, or a total below the call's `min_total`, is a
//!   [`Miss`]: the application is "below threshold" ("sotto soglia") and is not ranked. Equal to
//!   the minimum passes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::call::{ApplicationId, Call, EvaluatorId};
use super::score::{Fraction, Points, ScoreError, Tally, Weight, weighted_mean};
use skillhub_core::ids::Tag;

/// Why a score sheet or an evaluation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluationError {
    /// The evaluator declared a conflict of interest with this application.
    #[error(
        "evaluator {evaluator} declared a conflict of interest with {application} and cannot score it"
    )]
    Conflict {
        /// Who.
        evaluator: EvaluatorId,
        /// Which application.
        application: ApplicationId,
    },
    /// The evaluator already handed in a sheet for this application.
    #[error("evaluator {0} already scored this application")]
    AlreadyScored(EvaluatorId),
    /// A sheet scores a criterion the call does not have.
    #[error("the call has no criterion {0}")]
    UnknownCriterion(Tag),
    /// A sheet leaves a criterion unscored.
    #[error("criterion {0} has no score")]
    MissingCriterion(Tag),
    /// A score without its comment ("motivazione").
    #[error("the score for criterion {0} needs a comment")]
    MissingComment(Tag),
    /// Nobody without a conflict scored the application yet.
    #[error("no evaluator has scored {0} yet")]
    NoSheets(ApplicationId),
    /// The exact arithmetic overflowed (see [`ScoreError::Overflow`]).
    #[error(transparent)]
    Score(#[from] ScoreError),
}

/// One criterion's score with its reason ("giudizio").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mark {
    /// 0–5.
    pub points: Points,
    /// Why, in the evaluator's words; never empty.
    pub comment: String,
}

/// One evaluator's scores of one application ("scheda di valutazione").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreSheet {
    /// Who scored.
    pub evaluator: EvaluatorId,
    /// A mark per criterion of the call.
    pub marks: BTreeMap<Tag, Mark>,
}

/// The evaluation of one application under a call: conflicts and sheets.
///
/// ```
/// use std::collections::BTreeMap;
/// use skillhub_core::fixture::Catalog;
/// use skillhub_grants::call::{ApplicationId, Call, EvaluatorId};
/// use skillhub_grants::evaluation::{Evaluation, EvaluationError, Mark, ScoreSheet};
/// use skillhub_grants::score::Points;
/// let catalog = Catalog::seeds().unwrap();
/// let call = Call::cooperazione_digitale(catalog.program("cooperazione-digitale").unwrap())?;
/// let mut evaluation = Evaluation::new(&call, ApplicationId::parse("coop-1")?);
/// let sheet = |who: &str, points: u8| -> Result<ScoreSheet, Box<dyn std::error::Error>> {
///     let marks = call.criteria().iter().map(|c| {
///         Ok((c.id.clone(), Mark { points: Points::whole(points)?, comment: "motivato".into() }))
///     }).collect::<Result<BTreeMap<_, _>, Box<dyn std::error::Error>>>()?;
///     Ok(ScoreSheet { evaluator: EvaluatorId::parse(who)?, marks })
/// };
/// evaluation.declare_conflict(EvaluatorId::parse("ev3")?);
/// assert!(matches!(evaluation.score(sheet("ev3", 5)?), Err(EvaluationError::Conflict { .. })));
/// evaluation.score(sheet("ev1", 4)?)?;
/// evaluation.score(sheet("ev2", 3)?)?;
/// let assessment = evaluation.assess()?;
/// assert_eq!(assessment.total.to_it(2), "3,50");
/// assert!(assessment.passes());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Evaluation<'c> {
    call: &'c Call,
    application: ApplicationId,
    conflicts: BTreeSet<EvaluatorId>,
    sheets: Vec<ScoreSheet>,
}

impl<'c> Evaluation<'c> {
    /// An evaluation with no conflicts and no sheets yet.
    pub fn new(call: &'c Call, application: ApplicationId) -> Self {
        Evaluation {
            call,
            application,
            conflicts: BTreeSet::new(),
            sheets: Vec::new(),
        }
    }

    /// Records that `evaluator` has a conflict of interest with the application. A sheet they
    /// already handed in is withdrawn and returned.
    pub fn declare_conflict(&mut self, evaluator: EvaluatorId) -> Option<ScoreSheet> {
        let withdrawn = self
            .sheets
            .iter()
            .position(|s| s.evaluator == evaluator)
            .map(|i| self.sheets.remove(i));
        self.conflicts.insert(evaluator);
        withdrawn
    }

    /// Adds a sheet: the evaluator has no conflict and has not scored yet, and the sheet marks
    /// every criterion of the call, each with a comment, and nothing else.
    pub fn score(&mut self, sheet: ScoreSheet) -> Result<(), EvaluationError> {
        if self.conflicts.contains(&sheet.evaluator) {
            return Err(EvaluationError::Conflict {
                evaluator: sheet.evaluator,
                application: self.application.clone(),
            });
        }
        if self.sheets.iter().any(|s| s.evaluator == sheet.evaluator) {
            return Err(EvaluationError::AlreadyScored(sheet.evaluator));
        }
        if let Some(id) = sheet
            .marks
            .keys()
            .find(|id| self.call.criterion(id.as_str()).is_none())
        {
            return Err(EvaluationError::UnknownCriterion(id.clone()));
        }
        for criterion in self.call.criteria() {
            let mark = sheet
                .marks
                .get(&criterion.id)
                .ok_or_else(|| EvaluationError::MissingCriterion(criterion.id.clone()))?;
            if mark.comment.trim().is_empty() {
                return Err(EvaluationError::MissingComment(criterion.id.clone()));
            }
        }
        self.sheets.push(sheet);
        Ok(())
    }

    /// The sheets handed in, in order.
    pub fn sheets(&self) -> &[ScoreSheet] {
        &self.sheets
    }

    /// The application's score and thresholds, from every sheet handed in.
    pub fn assess(&self) -> Result<Assessment, EvaluationError> {
        if self.sheets.is_empty() {
            return Err(EvaluationError::NoSheets(self.application.clone()));
        }
        let parts: Vec<Part<'_>> = self
            .call
            .criteria()
            .iter()
            .map(|c| {
                let mut tally = Tally::default();
                for mark in self.sheets.iter().filter_map(|s| s.marks.get(&c.id)) {
                    tally.add(mark.points);
                }
                Part {
                    id: c.id.as_str(),
                    label_it: &c.label_it,
                    weight: c.weight,
                    min_score: c.min_score,
                    tally,
                }
            })
            .collect();
        Ok(assess(&parts, self.call.min_total())?)
    }
}

/// One criterion's input to [`assess`]: its weight and minimum, and the points given.
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    /// Criterion id.
    pub id: &'a str,
    /// Italian name, for explanations.
    pub label_it: &'a str,
    /// Weight.
    pub weight: Weight,
    /// Lowest mean allowed.
    pub min_score: Option<Points>,
    /// Points given (at least one evaluator).
    pub tally: Tally,
}

/// A threshold an application does not reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "threshold", rename_all = "snake_case")]
pub enum Miss {
    /// A criterion's mean is below its minimum.
    Criterion {
        /// Criterion id.
        id: String,
        /// Italian name.
        label_it: String,
        /// The mean, exact.
        #[serde(serialize_with = "fraction_number")]
        mean: Fraction,
        /// The minimum.
        min: Points,
    },
    /// The total is below the call's minimum.
    Total {
        /// The total, exact.
        #[serde(serialize_with = "fraction_number")]
        total: Fraction,
        /// The minimum.
        min: Points,
    },
}

fn fraction_number<S: serde::Serializer>(f: &Fraction, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(f.to_f64())
}

impl Miss {
    /// `impatto 1,50 sotto il minimo di 2` / `punteggio totale 2,75 sotto il minimo di 3`.
    pub fn it(&self) -> String {
        match self {
            Miss::Criterion {
                label_it,
                mean,
                min,
                ..
            } => format!(
                "{label_it} {} sotto il minimo di {}",
                mean.to_it(2),
                min.to_it()
            ),
            Miss::Total { total, min } => format!(
                "punteggio totale {} sotto il minimo di {}",
                total.to_it(2),
                min.to_it()
            ),
        }
    }
}

/// One criterion's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriterionResult {
    /// Criterion id.
    pub id: String,
    /// Mean over the evaluators who scored it, exact.
    #[serde(serialize_with = "fraction_number")]
    pub mean: Fraction,
    /// How many evaluators scored it.
    pub scored_by: u32,
}

/// An application's score ("esito della valutazione").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// The weighted mean of the criterion means, exact.
    #[serde(serialize_with = "fraction_number")]
    pub total: Fraction,
    /// Each criterion's mean, in the call's order.
    pub criteria: Vec<CriterionResult>,
    /// Thresholds not reached: criteria first, in the call's order, then the total.
    pub misses: Vec<Miss>,
}

impl Assessment {
    /// Whether every threshold is reached, so the application can be ranked.
    pub fn passes(&self) -> bool {
        self.misses.is_empty()
    }
}

/// The weighted mean of `parts` and the thresholds it misses. Every part needs at least one
/// score.
///
/// ```
/// use skillhub_grants::evaluation::{Part, assess};
/// use skillhub_grants::score::{Points, Tally, Weight};
/// let mut tally = Tally::default();
/// tally.add(Points::whole(1)?);
/// tally.add(Points::whole(2)?);
/// let part = Part { id: "impact", label_it: "impatto", weight: Weight::whole(2)?, min_score: Some(Points::whole(2)?), tally };
/// let assessment = assess(&[part], Some(Points::whole(1)?))?;
/// assert_eq!(assessment.misses.len(), 1);
/// assert_eq!(assessment.misses[0].it(), "impatto 1,50 sotto il minimo di 2");
/// # Ok::<(), skillhub_grants::score::ScoreError>(())
/// ```
pub fn assess(parts: &[Part<'_>], min_total: Option<Points>) -> Result<Assessment, ScoreError> {
    let weighted: Vec<(Weight, Tally)> = parts.iter().map(|p| (p.weight, p.tally)).collect();
    let total = weighted_mean(&weighted)?;
    let mut misses = Vec::new();
    let mut criteria = Vec::with_capacity(parts.len());
    for part in parts {
        let mean = part.tally.mean().ok_or(ScoreError::Unscored)?;
        if let Some(min) = part.min_score.filter(|&min| part.tally.mean_below(min)) {
            misses.push(Miss::Criterion {
                id: part.id.to_owned(),
                label_it: part.label_it.to_owned(),
                mean,
                min,
            });
        }
        criteria.push(CriterionResult {
            id: part.id.to_owned(),
            mean,
            scored_by: part.tally.count,
        });
    }
    if let Some(min) = min_total.filter(|min| total < min.to_fraction()) {
        misses.push(Miss::Total { total, min });
    }
    Ok(Assessment {
        total,
        criteria,
        misses,
    })
}
