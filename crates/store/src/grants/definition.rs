//! A call's definition: the JSON of `skillhub grants rank` with the members only the store
//! reads, checked first as the file contract checks it (same message, same pointer), then by
//! the store's own rules, into the core [`Call`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use skillhub_allocation::lottery::LotterySeed;
use skillhub_core::eligibility::Rule;
use skillhub_core::ids::Tag;
use skillhub_core::program::{Cents, Criterion};
use skillhub_grants::call::{ApplicationId, Call, CallSpec, CriterionSpec, EvaluatorId};
use skillhub_grants::file::rank_call;
use skillhub_grants::monitoring::ReportingPlan;
use skillhub_grants::score::{Points, Weight};

use super::{GrantError, corrupt, invalid};
use crate::Result;

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
pub(super) struct DefApplication {
    pub(super) id: String,
    pub(super) requested_cents: serde_json::Number,
    pub(super) submitted_at: String,
    #[serde(default)]
    pub(super) priority: Option<Vec<String>>,
    #[serde(default)]
    pub(super) conflicts: Option<Vec<String>>,
    pub(super) scores: BTreeMap<String, BTreeMap<String, Points>>,
}

/// A whole number of cents as the file reads it (`700000` or `700000.0`).
pub(super) fn whole_cents(n: &serde_json::Number) -> Option<u64> {
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
pub(super) struct Checked {
    pub(super) call: Call,
    pub(super) seed: Option<LotterySeed>,
    pub(super) applications: Vec<DefApplication>,
}

/// Checks a definition: first as the file contract does (so a bad value gets the same message
/// and pointer), then the store's own rules. `id` overrides the definition's `id`.
pub(super) fn check_definition(text: &str, id: Option<&str>) -> Result<Checked, GrantError> {
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
pub(super) fn with_applications(text: &str) -> Option<String> {
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
pub(super) fn stored_call(id: &str, definition: &str) -> Result<Checked> {
    parse_definition(definition, Some(id)).map_err(|e| corrupt("grant_calls", e))
}
