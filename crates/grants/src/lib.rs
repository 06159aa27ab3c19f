//! `skillhub-grants`: grant calls ("bandi"): who may apply, evaluation, ranking under a budget
//! with a reserve list, mentoring by transformer enterprises, and monitoring, as in Cooperazione
//! Digitale (seed 002: €3.5M, about 500 cooperatives).
//!
//! The steps, each a pure function of its inputs:
//!
//! 1. [`call`]: a [`call::Call`] holds the budget, the weighted criteria and thresholds, the five
//!    priority criteria and three favoured project kinds of the seed, and who may apply; its
//!    [`call::Call::check_applicant`] says eligible, or ineligible with every reason (partita
//!    IVA, Albo number, region, the program's rule).
//! 2. [`lifecycle`]: an [`lifecycle::Application`] moves draft → submitted → eligible |
//!    ineligible → under evaluation → evaluated → ranked → funded | reserve | not funded →
//!    reports due → final report received → closed, or is withdrawn; illegal moves are refused.
//! 3. [`evaluation`]: evaluators without a conflict of interest score each criterion 0–5 with a
//!    comment; the score is the weighted mean of the criterion means, exact ([`score`]), and
//!    thresholds set applications apart.
//! 4. [`ranking`]: by score, then preferences met, then submission time, then the recorded
//!    lottery; funded down the list while the request fits, the others on the reserve list;
//!    withdrawals promote from it.
//! 5. [`mentoring`]: funded cooperatives matched to transformer enterprises with limited places
//!    (stable matching; enterprises with more years of digital projects preferred).
//! 6. [`monitoring`]: periodic reports and the final report, due dates in Europe/Rome, and the
//!    ones that are late on a given day.
//!
//! [`mod@file`] is the JSON contract of `skillhub grants rank CALL.json`, built on the same ranking.
//!
//! The main design decision: **scores are exact**. Points and weights are decimals read as
//! written and totals are fractions compared by cross-multiplication, so the order of a
//! graduatoria never depends on floating-point rounding, and equal totals really tie and go to
//! the published tie-breaks.
//!
//! ```
//! use skillhub_grants::file::rank_call;
//! let ranking = rank_call(r#"{"budget_cents": 700000,
//!   "criteria": [{"id": "impact", "weight": 1}],
//!   "applications": [
//!     {"id": "a", "requested_cents": 700000, "submitted_at": "2022-04-01T09:00:00+02:00", "scores": {"ev1": {"impact": 4}}},
//!     {"id": "b", "requested_cents": 700000, "submitted_at": "2022-04-01T08:00:00+02:00", "scores": {"ev1": {"impact": 4}}}
//!   ]}"#)?;
//! assert_eq!(ranking.ranking[0].id, "b"); // same score, handed in first
//! # Ok::<(), skillhub_grants::file::CallFileError>(())
//! ```

#![deny(missing_docs)]

pub mod call;
pub mod definition;
pub mod evaluation;
pub mod file;
pub mod lifecycle;
pub mod mentoring;
pub mod monitoring;
pub mod ranking;
pub mod score;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
