//! Evaluation in three-valued (Kleene) logic, and explanations that follow the rule's shape.

use chrono::NaiveDate;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize};

use super::rule::{Rule, within};
use super::words::{self, Clause};
use crate::person::Attributes;

/// What a rule is evaluated against besides the person: the day ("data di riferimento"), which
/// decides ages and date windows. Core has no clock: the caller chooses the day (the day of
/// registration, or the session's date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Context {
    /// The day of evaluation.
    pub on: NaiveDate,
}

impl Context {
    /// A context for the day `on`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::eligibility::Context;
    /// let day = NaiveDate::from_ymd_opt(2019, 2, 12).unwrap();
    /// assert_eq!(Context::new(day), Context { on: day });
    /// ```
    pub fn new(on: NaiveDate) -> Self {
        Context { on }
    }
}

/// The verdict: admitted, or not with the reasons ("idoneo" / "non idoneo").
///
/// Serializes as `{"eligible": true, "reasons": []}` or
/// `{"eligible": false, "reasons": [{"it": "…", "en": "…"}]}`. `Ineligible` always carries at
/// least one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eligibility {
    /// The person may take part.
    Eligible,
    /// The person may not take part, for these reasons (at least one), in rule order.
    Ineligible(Vec<Reason>),
}

impl Eligibility {
    /// Whether the person may take part.
    pub fn is_eligible(&self) -> bool {
        matches!(self, Eligibility::Eligible)
    }

    /// The reasons for a refusal; empty when eligible.
    pub fn reasons(&self) -> &[Reason] {
        match self {
            Eligibility::Eligible => &[],
            Eligibility::Ineligible(reasons) => reasons,
        }
    }
}

impl Serialize for Eligibility {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Eligibility", 2)?;
        out.serialize_field("eligible", &self.is_eligible())?;
        out.serialize_field("reasons", self.reasons())?;
        out.end()
    }
}

/// One condition a person does not meet, as a sentence in Italian and in English
/// ("motivo"), e.g. "È riservato alle donne; hai indicato di essere uomo.".
///
/// Serializes as `{"it": "…", "en": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Reason {
    it: String,
    en: String,
    #[serde(skip)]
    kind: ReasonKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ReasonKind {
    /// The person has not declared (or declared an impossible) attribute the rule needs.
    Information,
    /// A condition is not met.
    Unmet,
}

impl Reason {
    pub(super) fn unmet(it: String, en: String) -> Self {
        Reason {
            it,
            en,
            kind: ReasonKind::Unmet,
        }
    }

    pub(super) fn information(it: String, en: String) -> Self {
        Reason {
            it,
            en,
            kind: ReasonKind::Information,
        }
    }

    /// The sentence in Italian.
    pub fn it(&self) -> &str {
        &self.it
    }

    /// The sentence in English.
    pub fn en(&self) -> &str {
        &self.en
    }

    /// Whether the reason asks the person to declare something ("Serve indicare …"): declaring
    /// it may change the verdict. A refusal none of whose reasons asks for information stays a
    /// refusal whatever the person adds.
    pub fn needs_information(&self) -> bool {
        self.kind == ReasonKind::Information
    }
}

/// A rule phrased for a catalog page, in Italian and English, like Moodle's
/// "Disponibile solo se: …".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Description {
    it: String,
    en: String,
}

impl Description {
    /// The sentence in Italian.
    pub fn it(&self) -> &str {
        &self.it
    }

    /// The sentence in English.
    pub fn en(&self) -> &str {
        &self.en
    }
}

/// A truth value of Kleene's three-valued logic: `Unknown` when an attribute the test needs is
/// missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    pub(super) fn from_bool(value: bool) -> Self {
        if value { Truth::True } else { Truth::False }
    }

    fn not(self) -> Self {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    fn and(self, other: Self) -> Self {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    fn or(self, other: Self) -> Self {
        self.not().and(other.not()).not()
    }
}

/// Whether a rule is wanted to hold (`Positive`) or, under an odd number of `not`s, to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Polarity {
    Positive,
    Negative,
}

impl Polarity {
    pub(super) fn flip(self) -> Self {
        match self {
            Polarity::Positive => Polarity::Negative,
            Polarity::Negative => Polarity::Positive,
        }
    }
}

impl Rule {
    /// Judges a person's declared attributes on the day `ctx.on`.
    ///
    /// Eligible only when the rule is true; a test on a missing attribute is unknown (see the
    /// module docs) and gives a reason asking for it.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::eligibility::{Context, Rule};
    /// use skillhub_core::person::Attributes;
    ///
    /// let rule: Rule = serde_json::from_str(r#"{"role": "community_admin"}"#).unwrap();
    /// let ctx = Context::new(NaiveDate::from_ymd_opt(2019, 3, 1).unwrap());
    /// let admin: Attributes = serde_json::from_str(r#"{"roles": ["community_admin"]}"#).unwrap();
    /// assert!(rule.evaluate(&admin, &ctx).is_eligible());
    ///
    /// let verdict = rule.evaluate(&Attributes::default(), &ctx);
    /// assert_eq!(
    ///     serde_json::to_value(&verdict).unwrap(),
    ///     serde_json::json!({"eligible": false, "reasons": [{
    ///         "it": "È riservato a chi ha il ruolo «amministratore di community»; non l'hai indicato.",
    ///         "en": "It is only open to people with the role “community admin”; you have not stated that role."
    ///     }]})
    /// );
    /// ```
    pub fn evaluate(&self, attributes: &Attributes, ctx: &Context) -> Eligibility {
        let judge = Judge { attributes, ctx };
        if judge.value(self) == Truth::True {
            return Eligibility::Eligible;
        }
        let mut reasons = Vec::new();
        judge.explain(self, Polarity::Positive, &mut reasons);
        let mut unique: Vec<Reason> = Vec::with_capacity(reasons.len());
        for reason in reasons {
            if !unique.contains(&reason) {
                unique.push(reason);
            }
        }
        if unique.is_empty() {
            // Unreachable by construction (every non-true node explains itself); kept so that
            // `Ineligible` never comes without a reason.
            unique.push(words::nobody());
        }
        Eligibility::Ineligible(unique)
    }

    /// Phrases the rule for a catalog page: "Disponibile solo se: …" / "Available only if: …",
    /// with `not` pushed down to the tests ("non hai il ruolo …").
    ///
    /// ```
    /// use skillhub_core::eligibility::Rule;
    /// let rule: Rule = serde_json::from_str(
    ///     r#"{"all": [{"age": {"min": 18}}, {"not": {"country": ["FR"]}}]}"#,
    /// ).unwrap();
    /// assert_eq!(
    ///     rule.describe().it(),
    ///     "Disponibile solo se: hai almeno 18 anni e non risiedi in Francia."
    /// );
    /// assert_eq!(
    ///     rule.describe().en(),
    ///     "Available only if: you are at least 18 years old and you do not live in France."
    /// );
    /// ```
    pub fn describe(&self) -> Description {
        let text = match words::clause(self, Polarity::Positive) {
            Clause::Const(true) => words::everyone(),
            Clause::Const(false) => words::nobody_description(),
            clause => words::only_if(&clause),
        };
        Description {
            it: text.it,
            en: text.en,
        }
    }
}

/// A person and a day, against which rules are judged.
struct Judge<'a> {
    attributes: &'a Attributes,
    ctx: &'a Context,
}

impl Judge<'_> {
    fn value(&self, rule: &Rule) -> Truth {
        match rule {
            Rule::All(parts) => parts
                .iter()
                .fold(Truth::True, |acc, part| acc.and(self.value(part))),
            Rule::Any(parts) => parts
                .iter()
                .fold(Truth::False, |acc, part| acc.or(self.value(part))),
            Rule::Not(part) => self.value(part).not(),
            leaf => self.leaf(leaf),
        }
    }

    /// The truth of `rule` as wanted under `polarity`: true when it does what is wanted.
    fn wanted(&self, rule: &Rule, polarity: Polarity) -> Truth {
        match polarity {
            Polarity::Positive => self.value(rule),
            Polarity::Negative => self.value(rule).not(),
        }
    }

    fn leaf(&self, rule: &Rule) -> Truth {
        let a = self.attributes;
        let on = self.ctx.on;
        // A test on a missing attribute is unknown, unless no value could pass it.
        let known = |value: Option<bool>, possible: bool| match value {
            Some(value) => Truth::from_bool(value),
            None if possible => Truth::Unknown,
            None => Truth::False,
        };
        match rule {
            Rule::Gender(set) => known(a.gender.map(|g| set.contains(&g)), !set.is_empty()),
            Rule::Role(tag) => Truth::from_bool(a.roles.contains(tag)),
            Rule::Country(set) => known(a.country.map(|c| set.contains(&c)), !set.is_empty()),
            Rule::Region(set) => known(a.region.as_ref().map(|r| set.contains(r)), !set.is_empty()),
            Rule::Age { min, max } => known(
                a.age_on(on).map(|age| {
                    min.is_none_or(|min| min <= age) && max.is_none_or(|max| age <= max)
                }),
                min.is_none_or(|min| max.is_none_or(|max| min <= max)),
            ),
            Rule::OrganisationType(set) => known(
                a.organisation_type.map(|o| set.contains(&o)),
                !set.is_empty(),
            ),
            Rule::Membership(tag) => Truth::from_bool(a.memberships.contains(tag)),
            Rule::Window { from, until } => Truth::from_bool(within(*from, *until, on)),
            Rule::Available(list) => known(
                a.country
                    .map(|c| list.iter().any(|e| e.country == c && e.contains(on))),
                list.iter().any(|e| e.contains(on)),
            ),
            Rule::All(_) | Rule::Any(_) | Rule::Not(_) => self.value(rule),
        }
    }

    /// Appends the reasons why `rule` does not do what `polarity` wants; called only when it
    /// does not (its wanted truth is false or unknown).
    fn explain(&self, rule: &Rule, polarity: Polarity, out: &mut Vec<Reason>) {
        let parts = match rule {
            Rule::Not(part) => return self.explain(part, polarity.flip(), out),
            Rule::All(parts) | Rule::Any(parts) => parts,
            leaf => {
                let truth = self.wanted(leaf, polarity);
                let ctx = words::LeafCtx {
                    attributes: self.attributes,
                    on: self.ctx.on,
                };
                out.push(words::leaf_reason(leaf, polarity, truth, &ctx));
                return;
            }
        };
        let conjunctive = matches!(rule, Rule::All(_)) == (polarity == Polarity::Positive);
        if conjunctive {
            // Every failed part, not only the first.
            for part in parts {
                if self.wanted(part, polarity) != Truth::True {
                    self.explain(part, polarity, out);
                }
            }
            return;
        }
        if let [only] = parts.as_slice() {
            return self.explain(only, polarity, out);
        }
        // A disjunction: name the alternatives once, then ask for whatever missing attribute
        // could make one of them true.
        out.push(words::alternatives(rule, polarity));
        for part in parts {
            if self.wanted(part, polarity) == Truth::Unknown {
                let mut inner = Vec::new();
                self.explain(part, polarity, &mut inner);
                out.extend(inner.into_iter().filter(Reason::needs_information));
            }
        }
    }
}
