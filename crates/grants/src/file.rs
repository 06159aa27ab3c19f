//! The JSON format of `skillhub grants rank CALL.json` (a contract: see `DESIGN.md`).
//!
//! Input:
//!
//! ```json
//! {"budget_cents": 350000000,
//!  "criteria": [{"id": "impact", "weight": 2.0, "min_score": 2.0}],
//!  "min_total": 3.0,
//!  "applications": [{"id": "coop-1", "requested_cents": 700000,
//!                    "submitted_at": "2019-03-01T10:00:00+01:00", "priority": ["social_coop"],
//!                    "conflicts": ["ev3"], "scores": {"ev1": {"impact": 4}, "ev3": {"impact": 5}}}],
//!  "lottery_seed": 42}
//! ```
//!
//! - `budget_cents`: a whole number ≥ 0. `criteria`: at least one, ids unique, `weight` more
//!   than 0 (at most 1000), `min_score` 0–5 or absent. `min_total`: 0–5 or absent.
//! - `applications`: ids unique, non-empty, without line breaks; `requested_cents` a whole number
//!   ≥ 1; `submitted_at` RFC 3339 with an offset (compared as instants); `priority` and
//!   `conflicts` lists of distinct strings (both optional); `scores` maps each evaluator to
//!   `{criterion: 0–5}`. Scores of an evaluator listed in `conflicts` are ignored. A criterion's
//!   score is the mean over the other evaluators who scored it; at least one must have.
//! - Weights, thresholds and scores are read **exactly as written in decimal** (at most 6
//!   decimal places: `0.1` is one tenth), and totals are exact fractions (see
//!   [`super::score`]).
//! - `lottery_seed`: a whole number (`LotterySeed::from_u64`) or 64 hexadecimal digits. It may be
//!   left out only when no two ranked applications tie on everything before the lottery.
//! - Other keys, at any level, are ignored. A key twice in one object is an error.
//!
//! Output: `{"ranking": [{"id", "rank", "total", "status", "awarded_cents"}], "awarded_cents",
//! "remaining_cents"}` in rank order, below-threshold applications last with `rank` null.
//! `status` is `funded`, `reserve` or `below_threshold`.
//!
//! **`total` is printed as the JSON number nearest to the exact total** (`4.5`, `4.0`,
//! `3.3333333333333335` for 10/3): enough for any reader, while the ranking itself compares the
//! exact fractions, so two totals that print alike but differ are still ordered correctly, and
//! equal ones tie. The Italian text ([`CallRanking::text_it`]) shows two decimals.
//!
//! Every error names the JSON pointer of the value at fault (`/applications/3/scores/ev1/impact:
//! a score goes from 0 to 5, not 6`); text that is not JSON gives the line and column instead.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::evaluation::{Part, assess};
use super::ranking::{Candidate, RankError, Ranking, Status, rank};
use super::score::{Points, Tally, Weight, number_micros};
use skillhub_allocation::lottery::LotterySeed;
use skillhub_core::program::Cents;

/// Why a call file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallFileError {
    /// The text is not JSON.
    #[error("line {line} column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON reader expected.
        message: String,
    },
    /// A value is missing, of the wrong type, or breaks a rule.
    #[error("{}: {message}", if pointer.is_empty() { "the document" } else { pointer })]
    Invalid {
        /// JSON pointer (RFC 6901) of the value; empty for the whole document.
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

impl CallFileError {
    fn at(pointer: &str, message: impl Into<String>) -> Self {
        CallFileError::Invalid {
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }

    /// The JSON pointer of the value at fault (`None` for a syntax error).
    pub fn pointer(&self) -> Option<&str> {
        match self {
            CallFileError::Invalid { pointer, .. } => Some(pointer),
            CallFileError::Syntax { .. } => None,
        }
    }
}

/// One line of the output's `ranking`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankRow {
    /// The application's id.
    pub id: String,
    /// 1, 2, …; `null` below threshold.
    pub rank: Option<u32>,
    /// The total, as the nearest JSON number (see the module docs).
    pub total: f64,
    /// `funded`, `reserve` or `below_threshold`.
    pub status: Status,
    /// The request when funded, else 0.
    pub awarded_cents: u64,
}

/// The output of `skillhub grants rank` and its Italian text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRanking {
    /// Every application, in rank order, below-threshold ones last.
    pub ranking: Vec<RankRow>,
    /// The sum awarded.
    pub awarded_cents: u64,
    /// The budget left.
    pub remaining_cents: u64,
    #[serde(skip)]
    text_it: String,
}

impl CallRanking {
    /// The ranking in Italian, one explained line per application (see
    /// [`super::ranking::Ranking::text_it`]).
    pub fn text_it(&self) -> &str {
        &self.text_it
    }
}

/// Reads a call file and ranks it.
///
/// ```
/// use skillhub_grants::file::rank_call;
/// let outcome = rank_call(r#"{"budget_cents": 1000000,
///     "criteria": [{"id": "impact", "weight": 2.0, "min_score": 2.0}], "min_total": 3.0,
///     "applications": [
///       {"id": "coop-1", "requested_cents": 700000, "submitted_at": "2019-03-01T10:00:00+01:00",
///        "priority": ["social_coop"], "conflicts": ["ev3"],
///        "scores": {"ev1": {"impact": 4}, "ev2": {"impact": 5}, "ev3": {"impact": 0}}},
///       {"id": "coop-2", "requested_cents": 500000, "submitted_at": "2019-03-01T09:00:00+01:00",
///        "scores": {"ev1": {"impact": 4}}}],
///     "lottery_seed": 42}"#)?;
/// let json = serde_json::to_value(&outcome).unwrap();
/// assert_eq!(json["ranking"][0]["id"], "coop-1");
/// assert_eq!(json["ranking"][0]["total"], 4.5);
/// assert_eq!(json["ranking"][1]["status"], "reserve");
/// assert_eq!(json["remaining_cents"], 300000);
///
/// let err = rank_call(r#"{"budget_cents": -1, "criteria": [], "applications": []}"#).unwrap_err();
/// assert_eq!(err.to_string(), "/budget_cents: must be a whole number of cents, 0 or more");
/// # Ok::<(), skillhub_grants::file::CallFileError>(())
/// ```
pub fn rank_call(text: &str) -> Result<CallRanking, CallFileError> {
    let root: Node = serde_json::from_str(text).map_err(|err| syntax(&err))?;
    let call = read_call(&root)?;
    let candidates: Vec<Candidate<'_>> = call
        .applications
        .iter()
        .map(|a| Candidate {
            id: &a.id,
            requested: a.requested,
            total: a.assessment.total,
            misses: a.assessment.misses.clone(),
            preferences: a.preferences,
            submitted_at: a.submitted_at,
        })
        .collect();
    let ranking = rank(&candidates, call.budget, call.seed).map_err(|err| match err {
        RankError::SeedNeeded(a, b) => CallFileError::at(
            "/lottery_seed",
            format!(
                "{a:?} and {b:?} tie on total, priority criteria and submission time, so the lottery must decide: give a lottery_seed"
            ),
        ),
        other => CallFileError::at("/applications", other.to_string()),
    })?;
    Ok(CallRanking::from(&ranking))
}

impl From<&Ranking<'_>> for CallRanking {
    /// A ranking in the form `skillhub grants rank` prints, wherever it was computed.
    fn from(ranking: &Ranking<'_>) -> Self {
        CallRanking {
            ranking: ranking
                .entries()
                .iter()
                .map(|e| RankRow {
                    id: e.id.to_owned(),
                    rank: e.rank,
                    total: e.total.to_f64(),
                    status: e.status,
                    awarded_cents: e.awarded.get(),
                })
                .collect(),
            awarded_cents: ranking.awarded().get(),
            remaining_cents: ranking.remaining().get(),
            text_it: ranking.text_it(),
        }
    }
}

fn syntax(err: &serde_json::Error) -> CallFileError {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    CallFileError::Syntax {
        line: err.line(),
        column: err.column(),
        message: full.strip_suffix(&suffix).unwrap_or(&full).to_owned(),
    }
}

/// A checked call file.
struct CallFile {
    budget: Cents,
    applications: Vec<FileApplication>,
    seed: Option<LotterySeed>,
}

struct FileApplication {
    id: String,
    requested: Cents,
    submitted_at: DateTime<Utc>,
    preferences: u32,
    assessment: super::evaluation::Assessment,
}

struct FileCriterion {
    id: String,
    weight: Weight,
    min_score: Option<Points>,
}

fn read_call(root: &Node) -> Result<CallFile, CallFileError> {
    let top = Obj::new(root, "")?;
    let budget = whole(top.required("budget_cents")?, 0).map_err(|_| {
        CallFileError::at(
            &top.at("budget_cents"),
            "must be a whole number of cents, 0 or more",
        )
    })?;
    let criteria = read_criteria(&top)?;
    let min_total = match top.optional("min_total") {
        Some(node) => Some(points(node, &top.at("min_total"))?),
        None => None,
    };
    let seed = match top.optional("lottery_seed") {
        Some(node) => Some(read_seed(node, &top.at("lottery_seed"))?),
        None => None,
    };
    let list_ptr = top.at("applications");
    let items = array(top.required("applications")?, &list_ptr)?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut applications = Vec::with_capacity(items.len());
    for (i, node) in items.iter().enumerate() {
        let ptr = format!("{list_ptr}/{i}");
        let application = read_application(node, &ptr, &criteria, min_total)?;
        if let Some(first) = seen.get(application.id.as_str()) {
            return Err(CallFileError::at(
                &format!("{ptr}/id"),
                format!(
                    "{:?} is already the id of {list_ptr}/{first}",
                    application.id
                ),
            ));
        }
        seen.insert(application.id.clone(), i);
        applications.push(application);
    }
    Ok(CallFile {
        budget: Cents::new(budget),
        applications,
        seed,
    })
}

fn read_criteria(top: &Obj<'_>) -> Result<Vec<FileCriterion>, CallFileError> {
    let list_ptr = top.at("criteria");
    let items = array(top.required("criteria")?, &list_ptr)?;
    if items.is_empty() {
        return Err(CallFileError::at(
            &list_ptr,
            "a call needs at least one criterion",
        ));
    }
    let mut criteria: Vec<FileCriterion> = Vec::with_capacity(items.len());
    for (i, node) in items.iter().enumerate() {
        let ptr = format!("{list_ptr}/{i}");
        let obj = Obj::new(node, &ptr)?;
        let id = string(obj.required("id")?, &obj.at("id"))?;
        if let Some(j) = criteria.iter().position(|c| c.id == id) {
            return Err(CallFileError::at(
                &obj.at("id"),
                format!("{id:?} is already the id of {list_ptr}/{j}"),
            ));
        }
        let weight_ptr = obj.at("weight");
        let weight = Weight::from_micros(micros(obj.required("weight")?, &weight_ptr)?)
            .map_err(|e| CallFileError::at(&weight_ptr, e.to_string()))?;
        let min_score = match obj.optional("min_score") {
            Some(node) => Some(points(node, &obj.at("min_score"))?),
            None => None,
        };
        criteria.push(FileCriterion {
            id: id.to_owned(),
            weight,
            min_score,
        });
    }
    Ok(criteria)
}

fn read_application(
    node: &Node,
    ptr: &str,
    criteria: &[FileCriterion],
    min_total: Option<Points>,
) -> Result<FileApplication, CallFileError> {
    let obj = Obj::new(node, ptr)?;
    let id = string(obj.required("id")?, &obj.at("id"))?;
    if id.contains(['\n', '\r']) {
        return Err(CallFileError::at(
            &obj.at("id"),
            "an id cannot contain a line break",
        ));
    }
    let requested = whole(obj.required("requested_cents")?, 1).map_err(|_| {
        CallFileError::at(
            &obj.at("requested_cents"),
            "must be a whole number of cents, 1 or more",
        )
    })?;
    let time_ptr = obj.at("submitted_at");
    let time_text = string(obj.required("submitted_at")?, &time_ptr)?;
    let submitted_at = DateTime::parse_from_rfc3339(time_text)
        .map_err(|e| {
            CallFileError::at(
                &time_ptr,
                format!("{time_text:?} is not an RFC 3339 time with an offset ({e})"),
            )
        })?
        .with_timezone(&Utc);
    let priority = string_set(obj.optional("priority"), &obj.at("priority"))?;
    let conflicts = string_set(obj.optional("conflicts"), &obj.at("conflicts"))?;
    let tallies = read_scores(&obj, criteria, &conflicts)?;
    let parts: Vec<Part<'_>> = criteria
        .iter()
        .zip(&tallies)
        .map(|(c, &tally)| Part {
            id: &c.id,
            label_it: &c.id,
            weight: c.weight,
            min_score: c.min_score,
            tally,
        })
        .collect();
    let assessment = assess(&parts, min_total)
        .map_err(|e| CallFileError::at(&obj.at("scores"), e.to_string()))?;
    Ok(FileApplication {
        id: id.to_owned(),
        requested: Cents::new(requested),
        submitted_at,
        preferences: u32::try_from(priority.len()).unwrap_or(u32::MAX),
        assessment,
    })
}

/// Each criterion's tally over the evaluators without a conflict.
fn read_scores(
    obj: &Obj<'_>,
    criteria: &[FileCriterion],
    conflicts: &BTreeSet<&str>,
) -> Result<Vec<Tally>, CallFileError> {
    let scores_ptr = obj.at("scores");
    let scores = Obj::new(obj.required("scores")?, &scores_ptr)?;
    let mut tallies = vec![Tally::default(); criteria.len()];
    for (evaluator, sheet) in scores.pairs {
        let sheet = Obj::new(sheet, &scores.at(evaluator))?;
        for (criterion, value) in sheet.pairs {
            let ptr = sheet.at(criterion);
            let k = criteria
                .iter()
                .position(|c| c.id == *criterion)
                .ok_or_else(|| {
                    CallFileError::at(&ptr, format!("the call has no criterion {criterion:?}"))
                })?;
            let given = points(value, &ptr)?;
            if !conflicts.contains(evaluator.as_str()) {
                tallies[k].add(given);
            }
        }
    }
    if let Some(k) = tallies.iter().position(|t| t.count == 0) {
        return Err(CallFileError::at(
            &scores_ptr,
            format!(
                "no evaluator without a conflict of interest scored criterion {:?}",
                criteria[k].id
            ),
        ));
    }
    Ok(tallies)
}

fn read_seed(node: &Node, ptr: &str) -> Result<LotterySeed, CallFileError> {
    match node {
        Node::String(text) => {
            LotterySeed::parse(text).map_err(|e| CallFileError::at(ptr, e.to_string()))
        }
        _ => whole(node, 0).map(LotterySeed::from_u64).map_err(|_| {
            CallFileError::at(
                ptr,
                "must be a whole number from 0 to 18446744073709551615, or 64 hexadecimal digits",
            )
        }),
    }
}

/// A JSON value with the order and repetitions of its object keys kept, so a key written twice
/// is reported rather than silently overwritten.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number(_) => "a number",
            Node::String(_) => "a string",
            Node::Array(_) => "a list",
            Node::Object(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        serde_json::Number::from_f64(v)
            .map(Node::Number)
            .ok_or_else(|| E::custom("a number must be finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut pairs = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            pairs.push((key, value));
        }
        Ok(Node::Object(pairs))
    }
}

/// An object node with its pointer; keys are unique (checked by [`Obj::new`]).
struct Obj<'n> {
    pointer: String,
    pairs: &'n [(String, Node)],
}

impl<'n> Obj<'n> {
    fn new(node: &'n Node, pointer: &str) -> Result<Self, CallFileError> {
        let Node::Object(pairs) = node else {
            return Err(CallFileError::at(
                pointer,
                format!("must be an object, not {}", node.kind()),
            ));
        };
        let obj = Obj {
            pointer: pointer.to_owned(),
            pairs,
        };
        let mut seen = BTreeSet::new();
        if let Some((key, _)) = pairs.iter().find(|(k, _)| !seen.insert(k.as_str())) {
            return Err(CallFileError::at(&obj.at(key), "this key appears twice"));
        }
        Ok(obj)
    }

    /// The pointer of a key of this object (RFC 6901 escapes: `~` → `~0`, `/` → `~1`).
    fn at(&self, key: &str) -> String {
        format!(
            "{}/{}",
            self.pointer,
            key.replace('~', "~0").replace('/', "~1")
        )
    }

    /// The value of `key`, `None` when absent or `null`.
    fn optional(&self, key: &str) -> Option<&'n Node> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v, Node::Null))
    }

    fn required(&self, key: &str) -> Result<&'n Node, CallFileError> {
        self.optional(key)
            .ok_or_else(|| CallFileError::at(&self.at(key), "missing"))
    }
}

fn array<'n>(node: &'n Node, ptr: &str) -> Result<&'n [Node], CallFileError> {
    match node {
        Node::Array(items) => Ok(items),
        other => Err(CallFileError::at(
            ptr,
            format!("must be a list, not {}", other.kind()),
        )),
    }
}

fn string<'n>(node: &'n Node, ptr: &str) -> Result<&'n str, CallFileError> {
    match node {
        Node::String(s) if !s.is_empty() => Ok(s),
        Node::String(_) => Err(CallFileError::at(ptr, "must not be empty")),
        other => Err(CallFileError::at(
            ptr,
            format!("must be a string, not {}", other.kind()),
        )),
    }
}

/// A list of distinct non-empty strings (absent: empty).
fn string_set<'n>(node: Option<&'n Node>, ptr: &str) -> Result<BTreeSet<&'n str>, CallFileError> {
    let mut set = BTreeSet::new();
    let Some(node) = node else {
        return Ok(set);
    };
    for (i, item) in array(node, ptr)?.iter().enumerate() {
        let item_ptr = format!("{ptr}/{i}");
        if !set.insert(string(item, &item_ptr)?) {
            return Err(CallFileError::at(&item_ptr, "listed twice"));
        }
    }
    Ok(set)
}

/// A whole number ≥ `min` (a float with no fractional part is accepted: `700000.0`).
fn whole(node: &Node, min: u64) -> Result<u64, ()> {
    let Node::Number(n) = node else {
        return Err(());
    };
    let value = match (n.as_u64(), n.as_f64()) {
        (Some(v), _) => v,
        (None, Some(f)) if f.fract() == 0.0 && (0.0..1.8e19).contains(&f) => f as u64,
        _ => return Err(()),
    };
    if value < min {
        return Err(());
    }
    Ok(value)
}

/// A decimal number ≥ 0 with at most 6 decimal places, in millionths.
fn micros(node: &Node, ptr: &str) -> Result<u64, CallFileError> {
    match node {
        Node::Number(n) => number_micros(n).map_err(|_| {
            CallFileError::at(
                ptr,
                format!("must be a number of 0 or more with at most 6 decimal places, not {n}"),
            )
        }),
        other => Err(CallFileError::at(
            ptr,
            format!("must be a number, not {}", other.kind()),
        )),
    }
}

/// A score 0–5.
fn points(node: &Node, ptr: &str) -> Result<Points, CallFileError> {
    Points::from_micros(micros(node, ptr)?).map_err(|e| CallFileError::at(ptr, e.to_string()))
}
