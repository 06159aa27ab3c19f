//! Who may take part in a program ("requisiti di partecipazione").
//!
//! A [`Rule`] is data: a small tree of attribute tests (gender, role, country, region, age,
//! kind of organisation, membership), date windows, per-country availability, and `all` / `any`
//! / `not`. Programs keep their rules in TOML fixtures and JSON, so the serde form is a contract:
//! externally tagged, snake_case, validated while it is read (an `age` with `min` above `max`,
//! or a `gender` list naming nobody, is refused with a message saying what is wrong).
//!
//! [`Rule::evaluate`] judges a person's declared [`Attributes`](crate::person::Attributes) on the
//! day in [`Context`] (core has no clock: the caller says which day) and returns
//! [`Eligibility::Eligible`] or [`Eligibility::Ineligible`] with [`Reason`]s, each a sentence in
//! Italian and English that a citizen understands, in the spirit of Moodle's "Not available
//! unless: …". [`Rule::describe`] phrases the rule itself for catalog pages.
//!
//! The main design decision: **three-valued logic**. A test on an attribute the person has not
//! declared is *unknown*, not false, and `not` keeps it unknown (Kleene's logic). So
//! `not(country = FR)` does not admit someone who never said where they live: they get
//! "Serve indicare il paese di residenza" instead. Only a rule that is *true* admits. Kleene's
//! logic keeps the algebra one expects (`not(not r) = r`, De Morgan, `all`/`any` commutative) and
//! is monotone: declaring a missing attribute never turns an admission into a refusal, nor a
//! refusal that asked for nothing into an admission. One refinement: a test that fails whatever the
//! missing value would be (availability when no country is open on that day, an empty list)
//! is simply false, so the person is not asked for data that could not help.
//!
//! Explanations follow the rule's shape, with `not` pushed down to the leaves:
//! - `all`: every failed part gets its own reason, not only the first;
//! - `any`: one reason listing the alternatives ("Serve almeno una di queste condizioni: …"),
//!   plus a request for each missing attribute that could make an alternative true;
//! - `not` of a single test: the test phrased as an exclusion ("Non è aperto a chi ha il ruolo …");
//! - `not(any(…))` is `all(not …)`: each matching part is named as an exclusion;
//! - `not(all(…))` is refused only when every part holds, so the reason names the combination
//!   ("Non è aperto se valgono insieme queste condizioni: …") rather than a list of negations.
//!
//! ```
//! use chrono::NaiveDate;
//! use skillhub_core::eligibility::{Context, Eligibility, Rule};
//! use skillhub_core::person::Attributes;
//!
//! let rule: Rule = serde_json::from_str(r#"{"all": [
//!     {"gender": ["female"]},
//!     {"available": [{"country": "IT"}, {"country": "IE", "from": "2018-01-01", "until": null}]}
//! ]}"#).unwrap();
//! let anna: Attributes = serde_json::from_str(r#"{"gender": "female", "country": "IE"}"#).unwrap();
//! let ctx = Context { on: NaiveDate::from_ymd_opt(2017, 6, 1).unwrap() };
//! let Eligibility::Ineligible(reasons) = rule.evaluate(&anna, &ctx) else { panic!() };
//! assert_eq!(reasons[0].it(), "In Irlanda non è ancora disponibile: apre il 1º gennaio 2018.");
//! assert_eq!(reasons[0].en(), "It is not available in Ireland yet: it opens there on 1 January 2018.");
//! ```

mod evaluate;
mod needs;
mod rule;
mod words;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use evaluate::{Context, Description, Eligibility, Reason};
pub use needs::{Needs, italian_regions, region_words, tag_words};
pub use rule::{CountryWindow, Rule, RuleError};
