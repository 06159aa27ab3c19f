//! A stored call's definition: the JSON of `skillhub grants rank` ([`crate::file`]) with the
//! members only a stored call reads (`id`, `name`, `reporting`, `priority_criteria`, criteria
//! `label_it`, `rule`), read into a [`Call`] once, here, for the store and anyone else.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use skillhub_allocation::lottery::LotterySeed;
use skillhub_core::eligibility::Rule;
use skillhub_core::ids::{ProgramId, Tag};
use skillhub_core::program::{Cents, Criterion};
use skillhub_core::tz::Zone;

use crate::call::{ApplicationId, Call, CallSpec, CriterionSpec, EvaluatorId};
use crate::file::CallFileError;
use crate::monitoring::ReportingPlan;
use crate::score::{Points, Weight};

fn invalid(pointer: &str, message: impl Into<String>) -> CallFileError {
    CallFileError::Invalid {
        pointer: pointer.to_owned(),
        message: message.into(),
    }
}

/// The JSON of a call: the file of `skillhub grants rank` (budget, criteria, thresholds,
/// applications with their scores, lottery seed), plus optional members the file ignores:
/// `id`, `name`, `program` (the id of the program whose targets count its awards; default: the
/// program of the call's own id, when there is one), `zone` (default Europe/Rome), `reporting` (`{"every_months", "duration_months"}`,
/// default 6 over 24),
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
    applications: Vec<DefinedApplication>,
    #[serde(default)]
    priority_criteria: Option<serde_json::Value>,
    #[serde(default)]
    reporting: Option<serde_json::Value>,
    #[serde(default)]
    rule: Option<serde_json::Value>,
    #[serde(default)]
    zone: Option<serde_json::Value>,
    #[serde(default)]
    program: Option<serde_json::Value>,
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

/// An application as a call's file lists it, with its score sheets.
#[derive(Debug, Clone, Deserialize)]
pub struct DefinedApplication {
    /// Its id in the file (an [`ApplicationId`]).
    pub id: String,
    /// What it asks for, in cents (read with [`whole_cents`]).
    pub requested_cents: serde_json::Number,
    /// When it was handed in (RFC 3339).
    pub submitted_at: String,
    /// The priority criteria it declares.
    #[serde(default)]
    pub priority: Option<Vec<String>>,
    /// The evaluators with a conflict of interest.
    #[serde(default)]
    pub conflicts: Option<Vec<String>>,
    /// Score sheets: evaluator → criterion → points.
    pub scores: BTreeMap<String, BTreeMap<String, Points>>,
}

/// A whole number of cents as the file reads it (`700000` or `700000.0`).
pub fn whole_cents(n: &serde_json::Number) -> Option<u64> {
    match (n.as_u64(), n.as_f64()) {
        (Some(v), _) => Some(v),
        (None, Some(f)) if f.fract() == 0.0 && (0.0..1.8e19).contains(&f) => Some(f as u64),
        _ => None,
    }
}

fn tag(text: &str, pointer: &str) -> Result<Tag, CallFileError> {
    Tag::parse(text).map_err(|e| invalid(pointer, format!("{text:?} is not an id here: {e}")))
}

/// A checked call definition: the [`Call`], the seed and the applications of the file.
#[derive(Debug)]
pub struct CallDefinition {
    /// The call.
    pub call: Call,
    /// The lottery seed it names, if any.
    pub seed: Option<LotterySeed>,
    /// The applications of the file.
    pub applications: Vec<DefinedApplication>,
    /// The zone whose calendar day an applicant is judged on (`zone`, an IANA name; default
    /// Europe/Rome: the calls are Italian).
    pub zone: Zone,
    /// The program whose targets count the call's awards (`program`), if named.
    pub program: Option<ProgramId>,
}

/// Reads a definition whose file members [`rank_call`](crate::file::rank_call) accepts (check with it first, so a bad
/// value gets the file contract's message and pointer): the members it checked are read as it
/// reads them; the others (which it ignores) are read here, each problem at its own pointer.
/// `id` overrides the definition's `id`.
pub fn parse_definition(text: &str, id: Option<&str>) -> Result<CallDefinition, CallFileError> {
    let def: Definition = serde_json::from_str(text).map_err(|e| invalid("", e.to_string()))?;
    check_parsed(def, id)
}

/// A member the file contract ignores, read as `T`, a problem at `pointer` otherwise.
fn member<T: serde::de::DeserializeOwned>(
    value: &Option<serde_json::Value>,
    pointer: &str,
) -> Result<Option<T>, CallFileError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|e| invalid(pointer, e.to_string())),
    }
}

/// A call definition's text with `"applications": []` added when it has none, so a call can be
/// created before anyone applies.
pub fn with_applications(text: &str) -> Option<String> {
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

fn check_parsed(def: Definition, id: Option<&str>) -> Result<CallDefinition, CallFileError> {
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
    let zone = match member::<String>(&def.zone, "/zone")? {
        None => Zone::rome(),
        Some(name) => Zone::parse(&name).map_err(|e| invalid("/zone", e.to_string()))?,
    };
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
    Ok(CallDefinition {
        call,
        seed,
        applications: def.applications,
        zone,
        program: member::<ProgramId>(&def.program, "/program")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALL: &str = r#"{"budget_cents": 700000, "criteria": [{"id": "impatto", "weight": 1}],
        "applications": [{"id": "coop-1", "requested_cents": 1000.0,
            "submitted_at": "2021-03-01T09:00:00Z", "priority": ["sud"],
            "scores": {"val-1": {"impatto": 4}}}]}"#;

    #[test]
    fn a_definition_reads_into_a_call_with_its_defaults() {
        let read = parse_definition(CALL, Some("bando-2021")).unwrap();
        assert_eq!(read.call.id().as_str(), "bando-2021");
        assert_eq!(read.call.name(), "bando-2021");
        assert_eq!(read.applications.len(), 1);
        assert_eq!(
            whole_cents(&read.applications[0].requested_cents),
            Some(1000)
        );
        // Without `priority_criteria`, every priority an application declares.
        let ids: Vec<&str> = read
            .call
            .priority_criteria()
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(ids, ["sud"]);
        assert_eq!(read.zone, Zone::rome());
        let lisbon = CALL.replacen('{', r#"{"zone": "Europe/Lisbon","#, 1);
        let read = parse_definition(&lisbon, Some("x")).unwrap();
        assert_eq!(read.zone.name(), "Europe/Lisbon");
    }

    #[test]
    fn a_member_only_a_stored_call_reads_is_refused_at_its_pointer() {
        let no_id = parse_definition(CALL, None).unwrap_err();
        assert_eq!(no_id.to_string(), "/id: a stored call needs an id");
        let bad = CALL.replacen(
            '{',
            r#"{"reporting": {"every_months": 0, "duration_months": 24},"#,
            1,
        );
        let err = parse_definition(&bad, Some("x")).unwrap_err();
        assert!(err.to_string().starts_with("/reporting: "), "{err}");
        let atlantis = CALL.replacen('{', r#"{"zone": "Europe/Atlantis","#, 1);
        let err = parse_definition(&atlantis, Some("x")).unwrap_err();
        assert!(err.to_string().starts_with("/zone: "), "{err}");
        assert_eq!(
            with_applications(r#"{"a": 1}"#).as_deref(),
            Some(r#"{"a":1,"applications":[]}"#)
        );
        assert_eq!(with_applications(CALL), None);
    }
}
