//! The rule tree, its serde form, and the checks made while reading it.

use std::collections::BTreeSet;

use std::fmt;

use chrono::NaiveDate;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::ids::Tag;
use crate::person::{Country, Gender, OrganisationType};

/// A condition on who may take part ("requisito"), as written in fixtures and JSON.
///
/// The serde form is externally tagged and snake_case, e.g.
/// `{"all": [{"gender": ["female"]}, {"age": {"min": 18}}]}`; reading it checks each node
/// (see [`RuleError`]), so a parsed rule is always meaningful. Rules built in code can be checked
/// with [`Rule::validate`]; evaluation never panics on an unchecked one.
///
/// ```
/// use skillhub_core::eligibility::Rule;
/// let rule: Rule = toml::from_str::<toml::Table>(r#"rule = { role = "community_admin" }"#)
///     .unwrap()["rule"].clone().try_into().unwrap();
/// assert_eq!(rule.describe().en(), "Available only if: you have the role “community admin”.");
/// assert!(serde_json::from_str::<Rule>(r#"{"age": {"min": 30, "max": 18}}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// Every part holds (`{"all": [...]}`); an empty `all` admits everyone.
    All(Vec<Rule>),
    /// At least one part holds (`{"any": [...]}`); an empty `any` admits nobody.
    Any(Vec<Rule>),
    /// The part does not hold (`{"not": {...}}`).
    Not(Box<Rule>),
    /// The declared gender is one of these (`{"gender": ["female"]}`).
    Gender(BTreeSet<Gender>),
    /// The person has this role (`{"role": "community_admin"}`).
    Role(Tag),
    /// The person lives in one of these countries (`{"country": ["IT", "ES"]}`).
    Country(BTreeSet<Country>),
    /// The person lives in one of these regions (`{"region": ["lazio"]}`).
    Region(BTreeSet<Tag>),
    /// The person's age on the day of evaluation is within the bounds, both inclusive
    /// (`{"age": {"min": 18}}`).
    Age {
        /// Youngest age admitted.
        #[serde(skip_serializing_if = "Option::is_none")]
        min: Option<u32>,
        /// Oldest age admitted.
        #[serde(skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
    /// The person's organisation is of one of these kinds
    /// (`{"organisation_type": ["cooperative", "social_cooperative"]}`).
    OrganisationType(BTreeSet<OrganisationType>),
    /// The person is a member of this body or register (`{"membership": "albo_cooperative"}`).
    Membership(Tag),
    /// The day of evaluation is within the window, both ends inclusive
    /// (`{"window": {"from": "2018-01-01"}}`).
    Window {
        /// First day admitted.
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<NaiveDate>,
        /// Last day admitted.
        #[serde(skip_serializing_if = "Option::is_none")]
        until: Option<NaiveDate>,
    },
    /// The person's country is listed and the day of evaluation is within that country's window
    /// (`{"available": [{"country": "IE", "from": "2018-01-01", "until": null}]}`), as for
    /// #SheMeansBusiness: active in the United Kingdom and Italy, from 2018 in Ireland, Spain and
    /// Sweden.
    Available(Vec<CountryWindow>),
}

/// Where and when a program is available: one country and an inclusive window of days
/// (no `from`: since always; no `until`: with no end).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = r#"a country and its window, such as {"country": "IE", "from": "2018-01-01"}"#
)]
pub struct CountryWindow {
    /// The country.
    pub country: Country,
    /// First day it is available there.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "date"
    )]
    pub from: Option<NaiveDate>,
    /// Last day it is available there.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "date"
    )]
    pub until: Option<NaiveDate>,
}

impl CountryWindow {
    /// Whether `day` is within the window.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::eligibility::CountryWindow;
    /// use skillhub_core::person::Country;
    /// let ie = CountryWindow {
    ///     country: Country::parse("IE").unwrap(),
    ///     from: NaiveDate::from_ymd_opt(2018, 1, 1),
    ///     until: None,
    /// };
    /// assert!(!ie.contains(NaiveDate::from_ymd_opt(2017, 12, 31).unwrap()));
    /// assert!(ie.contains(NaiveDate::from_ymd_opt(2018, 1, 1).unwrap()));
    /// ```
    pub fn contains(&self, day: NaiveDate) -> bool {
        within(self.from, self.until, day)
    }
}

/// Whether `day` is within the inclusive, possibly open-ended window.
pub(super) fn within(from: Option<NaiveDate>, until: Option<NaiveDate>, day: NaiveDate) -> bool {
    from.is_none_or(|from| from <= day) && until.is_none_or(|until| day <= until)
}

/// Why a rule is refused: it could never admit anyone, or it does not say what it tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// A `gender`, `country`, `region`, `organisation_type` or `available` list is empty, so the
    /// test could admit nobody.
    #[error(
        "`{rule}` lists nothing: name at least one value, or use `{{\"any\": []}}` to admit nobody"
    )]
    Empty {
        /// The rule's name as written, e.g. `gender`.
        rule: &'static str,
    },
    /// `age` without `min` or `max`.
    #[error("`age` needs `min`, `max` or both")]
    AgeUnbounded,
    /// `age` whose `min` is above its `max`, so nobody could be that old.
    #[error("`age` has min {min} greater than max {max}")]
    AgeRange {
        /// Youngest age admitted.
        min: u32,
        /// Oldest age admitted.
        max: u32,
    },
    /// `window` without `from` or `until`.
    #[error("`window` needs `from`, `until` or both")]
    WindowUnbounded,
    /// `window` that ends before it starts.
    #[error("`window` starts on {from}, after it ends on {until}")]
    WindowRange {
        /// First day.
        from: NaiveDate,
        /// Last day.
        until: NaiveDate,
    },
    /// An `available` entry that ends before it starts.
    #[error("`available` for {country} starts on {from}, after it ends on {until}")]
    AvailableRange {
        /// The entry's country.
        country: Country,
        /// First day.
        from: NaiveDate,
        /// Last day.
        until: NaiveDate,
    },
    /// A country listed twice in `available`, with windows that would compete.
    #[error("`available` lists {country} more than once; give each country one window")]
    DuplicateCountry {
        /// The repeated country.
        country: Country,
    },
}

impl Rule {
    /// Checks every node of the tree as deserialization does; useful for rules built in code.
    ///
    /// ```
    /// use skillhub_core::eligibility::{Rule, RuleError};
    /// let rule = Rule::All(vec![Rule::Age { min: Some(30), max: Some(18) }]);
    /// assert_eq!(rule.validate(), Err(RuleError::AgeRange { min: 30, max: 18 }));
    /// ```
    pub fn validate(&self) -> Result<(), RuleError> {
        self.check_node()?;
        match self {
            Rule::All(parts) | Rule::Any(parts) => parts.iter().try_for_each(Rule::validate),
            Rule::Not(part) => part.validate(),
            _ => Ok(()),
        }
    }

    /// Checks this node only (its parts were checked when they were read).
    fn check_node(&self) -> Result<(), RuleError> {
        let empty = |rule| Err(RuleError::Empty { rule });
        match self {
            Rule::Gender(set) if set.is_empty() => empty("gender"),
            Rule::Country(set) if set.is_empty() => empty("country"),
            Rule::Region(set) if set.is_empty() => empty("region"),
            Rule::OrganisationType(set) if set.is_empty() => empty("organisation_type"),
            Rule::Available(list) if list.is_empty() => empty("available"),
            Rule::Age {
                min: None,
                max: None,
            } => Err(RuleError::AgeUnbounded),
            Rule::Age {
                min: Some(min),
                max: Some(max),
            } if min > max => Err(RuleError::AgeRange {
                min: *min,
                max: *max,
            }),
            Rule::Window {
                from: None,
                until: None,
            } => Err(RuleError::WindowUnbounded),
            Rule::Window {
                from: Some(from),
                until: Some(until),
            } if from > until => Err(RuleError::WindowRange {
                from: *from,
                until: *until,
            }),
            Rule::Available(list) => check_available(list),
            _ => Ok(()),
        }
    }
}

fn check_available(list: &[CountryWindow]) -> Result<(), RuleError> {
    let mut seen = BTreeSet::new();
    for entry in list {
        if !seen.insert(entry.country) {
            return Err(RuleError::DuplicateCountry {
                country: entry.country,
            });
        }
        if let (Some(from), Some(until)) = (entry.from, entry.until)
            && from > until
        {
            return Err(RuleError::AvailableRange {
                country: entry.country,
                from,
                until,
            });
        }
    }
    Ok(())
}

const RULES: &[&str] = &[
    "all",
    "any",
    "not",
    "gender",
    "role",
    "country",
    "region",
    "age",
    "organisation_type",
    "membership",
    "window",
    "available",
];

/// Read by hand rather than derived, for messages that say what is wrong: a map with two keys
/// (a common slip for `all`) or a list where a rule is expected.
impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RuleVisitor)
    }
}

struct RuleVisitor;

impl<'de> Visitor<'de> for RuleVisitor {
    type Value = Rule;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            r#"a rule: a map with one key, such as {"gender": ["female"]} or {"all": [...]}"#,
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Rule, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom(
                "a rule needs one key, such as `all`, `any`, `not`, `gender` or `age`; \
                 use {\"all\": []} to admit everyone",
            ));
        };
        let rule = match key.as_str() {
            "all" => Rule::All(map.next_value()?),
            "any" => Rule::Any(map.next_value()?),
            "not" => Rule::Not(map.next_value()?),
            "gender" => Rule::Gender(map.next_value()?),
            "role" => Rule::Role(map.next_value()?),
            "country" => Rule::Country(map.next_value()?),
            "region" => Rule::Region(map.next_value()?),
            "age" => {
                let AgeBounds { min, max } = map.next_value()?;
                Rule::Age { min, max }
            }
            "organisation_type" => Rule::OrganisationType(map.next_value()?),
            "membership" => Rule::Membership(map.next_value()?),
            "window" => {
                let WindowBounds { from, until } = map.next_value()?;
                Rule::Window { from, until }
            }
            "available" => Rule::Available(map.next_value()?),
            other => return Err(de::Error::unknown_variant(other, RULES)),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a rule has exactly one key, found `{key}` and `{extra}`: \
                 to require both, write {{\"all\": [{{\"{key}\": …}}, {{\"{extra}\": …}}]}}"
            )));
        }
        rule.check_node().map_err(de::Error::custom)?;
        Ok(rule)
    }
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = r#"age bounds, such as {"min": 18, "max": 29}"#
)]
struct AgeBounds {
    #[serde(default)]
    min: Option<u32>,
    #[serde(default)]
    max: Option<u32>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = r#"a window of days, such as {"from": "2018-01-01", "until": "2018-12-31"}"#
)]
struct WindowBounds {
    #[serde(default, deserialize_with = "date")]
    from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "date")]
    until: Option<NaiveDate>,
}

/// An optional day written `YYYY-MM-DD`, as a string (JSON, TOML) or a TOML local date
/// (`from = 2018-01-01`).
fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    deserializer.deserialize_option(DateVisitor)
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = Option<NaiveDate>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"a date written YYYY-MM-DD, such as "2018-01-01""#)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(DateVisitor)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        text.parse::<NaiveDate>().map(Some).map_err(|_| {
            E::custom(format!(
                r#"{text:?} is not a date: write it YYYY-MM-DD, such as "2018-01-01""#
            ))
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let written = toml::value::Datetime::deserialize(MapAccessDeserializer::new(map))?;
        let day = match (written.date, written.time, written.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
            }
            _ => None,
        };
        day.map(Some).ok_or_else(|| {
            de::Error::custom(format!(
                "{written} is not a date: write a day without a time, such as 2018-01-01"
            ))
        })
    }
}
