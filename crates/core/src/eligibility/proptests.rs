//! Properties of the rule algebra, for arbitrary rules, people and days.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use proptest::collection::{btree_map, btree_set, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::ids::Tag;
use crate::person::{Attributes, Country, Gender, OrganisationType};

const ROLES: [&str; 3] = ["community_admin", "pa_communicator", "trainer"];
const MEMBERSHIPS: [&str; 2] = ["albo_cooperative", "legacoop"];
const REGIONS: [&str; 3] = ["lazio", "lombardia", "puglia"];
const COUNTRIES: [&str; 6] = ["IT", "ES", "FR", "IE", "GB", "SE"];

fn tag(pool: &'static [&'static str]) -> impl Strategy<Value = Tag> + Clone {
    select(pool).prop_map(|s| Tag::parse(s).unwrap())
}

fn country() -> impl Strategy<Value = Country> + Clone {
    select(&COUNTRIES[..]).prop_map(|s| Country::parse(s).unwrap())
}

fn gender() -> impl Strategy<Value = Gender> + Clone {
    select(vec![Gender::Female, Gender::Male, Gender::NonBinary])
}

fn organisation() -> impl Strategy<Value = OrganisationType> + Clone {
    select(vec![
        OrganisationType::Cooperative,
        OrganisationType::SocialCooperative,
        OrganisationType::Sme,
        OrganisationType::PublicAdministration,
    ])
}

/// A day in `from_year` … `from_year + years`.
fn day_in(from_year: i32, years: u64) -> impl Strategy<Value = NaiveDate> + Clone {
    let start = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap();
    (0..years * 365).prop_map(move |n| start + Days::new(n))
}

/// Days of evaluation and window bounds: 2016–2020.
fn day() -> impl Strategy<Value = NaiveDate> + Clone {
    day_in(2016, 5)
}

fn ordered<T: Ord>(a: Option<T>, b: Option<T>) -> (Option<T>, Option<T>) {
    match (a, b) {
        (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
        pair => pair,
    }
}

/// Bounds with at least one end, low ≤ high.
fn bounds<T: Ord + Clone + std::fmt::Debug>(
    value: impl Strategy<Value = T> + Clone + 'static,
) -> impl Strategy<Value = (Option<T>, Option<T>)> + Clone {
    prop_oneof![
        value.clone().prop_map(|a| (Some(a), None)),
        value.clone().prop_map(|b| (None, Some(b))),
        (value.clone(), value).prop_map(|(a, b)| ordered(Some(a), Some(b))),
    ]
}

/// Tests that reading a rule accepts.
fn valid_leaf() -> BoxedStrategy<Rule> {
    let available =
        btree_map(country(), (option::of(day()), option::of(day())), 1..=4).prop_map(|windows| {
            Rule::Available(
                windows
                    .into_iter()
                    .map(|(country, (from, until))| {
                        let (from, until) = ordered(from, until);
                        CountryWindow {
                            country,
                            from,
                            until,
                        }
                    })
                    .collect(),
            )
        });
    prop_oneof![
        btree_set(gender(), 1..=3).prop_map(Rule::Gender),
        tag(&ROLES).prop_map(Rule::Role),
        btree_set(country(), 1..=3).prop_map(Rule::Country),
        btree_set(tag(&REGIONS), 1..=2).prop_map(Rule::Region),
        bounds(0u32..80).prop_map(|(min, max)| Rule::Age { min, max }),
        btree_set(organisation(), 1..=3).prop_map(Rule::OrganisationType),
        tag(&MEMBERSHIPS).prop_map(Rule::Membership),
        bounds(day()).prop_map(|(from, until)| Rule::Window { from, until }),
        available,
    ]
    .boxed()
}

/// Also tests that only code can build: empty lists, missing or inverted bounds.
fn any_leaf() -> BoxedStrategy<Rule> {
    let odd = prop_oneof![
        Just(Rule::Gender(BTreeSet::new())),
        Just(Rule::Country(BTreeSet::new())),
        Just(Rule::Region(BTreeSet::new())),
        Just(Rule::OrganisationType(BTreeSet::new())),
        Just(Rule::Available(Vec::new())),
        (option::of(0u32..80), option::of(0u32..80)).prop_map(|(min, max)| Rule::Age { min, max }),
        (option::of(day()), option::of(day()))
            .prop_map(|(from, until)| Rule::Window { from, until }),
    ];
    prop_oneof![6 => valid_leaf(), 1 => odd].boxed()
}

fn tree(leaf: BoxedStrategy<Rule>) -> BoxedStrategy<Rule> {
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Rule::All),
            vec(inner.clone(), 0..4).prop_map(Rule::Any),
            inner.prop_map(|r| Rule::Not(Box::new(r))),
        ]
    })
    .boxed()
}

fn valid_rule() -> BoxedStrategy<Rule> {
    tree(valid_leaf())
}

fn any_rule() -> BoxedStrategy<Rule> {
    tree(any_leaf())
}

/// Attributes with any field possibly missing; some births fall after the day of evaluation.
fn attributes() -> impl Strategy<Value = Attributes> {
    (
        option::of(gender()),
        btree_set(tag(&ROLES), 0..=2),
        option::of(country()),
        option::of(tag(&REGIONS)),
        option::of(day_in(1940, 82)),
        option::of(organisation()),
        btree_set(tag(&MEMBERSHIPS), 0..=2),
    )
        .prop_map(
            |(gender, roles, country, region, birth_date, organisation_type, memberships)| {
                Attributes {
                    gender,
                    roles,
                    country,
                    region,
                    birth_date,
                    organisation_type,
                    organisation_code: None,
                    memberships,
                }
            },
        )
}

/// Attributes with every field declared and a birth before any day of evaluation.
fn complete_attributes() -> impl Strategy<Value = Attributes> {
    (
        gender(),
        btree_set(tag(&ROLES), 0..=2),
        country(),
        tag(&REGIONS),
        day_in(1940, 75),
        organisation(),
        btree_set(tag(&MEMBERSHIPS), 0..=2),
    )
        .prop_map(
            |(gender, roles, country, region, birth, organisation_type, memberships)| Attributes {
                gender: Some(gender),
                roles,
                country: Some(country),
                region: Some(region),
                birth_date: Some(birth),
                organisation_type: Some(organisation_type),
                organisation_code: None,
                memberships,
            },
        )
}

fn not(rule: Rule) -> Rule {
    Rule::Not(Box::new(rule))
}

fn information(verdict: &Eligibility) -> Vec<Reason> {
    verdict
        .reasons()
        .iter()
        .filter(|r| r.needs_information())
        .cloned()
        .collect()
}

fn reason_set(verdict: &Eligibility) -> BTreeSet<(String, String)> {
    verdict
        .reasons()
        .iter()
        .map(|r| (r.it().to_owned(), r.en().to_owned()))
        .collect()
}

/// Two-valued semantics, written independently, for people who declared everything.
fn holds(rule: &Rule, a: &Attributes, on: NaiveDate) -> bool {
    let between = |from: Option<NaiveDate>, until: Option<NaiveDate>| {
        from.is_none_or(|f| f <= on) && until.is_none_or(|u| on <= u)
    };
    match rule {
        Rule::All(parts) => parts.iter().all(|p| holds(p, a, on)),
        Rule::Any(parts) => parts.iter().any(|p| holds(p, a, on)),
        Rule::Not(part) => !holds(part, a, on),
        Rule::Gender(set) => set.contains(&a.gender.unwrap()),
        Rule::Role(tag) => a.roles.contains(tag),
        Rule::Country(set) => set.contains(&a.country.unwrap()),
        Rule::Region(set) => set.contains(a.region.as_ref().unwrap()),
        Rule::Age { min, max } => {
            let age = a.age_on(on).unwrap();
            min.is_none_or(|m| m <= age) && max.is_none_or(|m| age <= m)
        }
        Rule::OrganisationType(set) => set.contains(&a.organisation_type.unwrap()),
        Rule::Membership(tag) => a.memberships.contains(tag),
        Rule::Window { from, until } => between(*from, *until),
        Rule::Available(list) => list
            .iter()
            .any(|e| Some(e.country) == a.country && between(e.from, e.until)),
    }
}

fn well_formed(sentence: &str) -> bool {
    sentence.chars().next().is_some_and(char::is_uppercase)
        && sentence.ends_with('.')
        && !sentence.contains('{')
        && !sentence.contains("  ")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// `not(not r)` is `r`, reasons included.
    #[test]
    fn double_negation(r in any_rule(), a in attributes(), on in day()) {
        let ctx = Context { on };
        prop_assert_eq!(not(not(r.clone())).evaluate(&a, &ctx), r.evaluate(&a, &ctx));
    }

    /// `not(all(xs))` ≡ `any(not x …)`, with the same requests for missing information.
    #[test]
    fn de_morgan_all(xs in vec(any_rule(), 0..4), a in attributes(), on in day()) {
        let ctx = Context { on };
        let left = not(Rule::All(xs.clone())).evaluate(&a, &ctx);
        let right = Rule::Any(xs.into_iter().map(not).collect()).evaluate(&a, &ctx);
        prop_assert_eq!(left.is_eligible(), right.is_eligible());
        prop_assert_eq!(information(&left), information(&right));
    }

    /// `not(any(xs))` ≡ `all(not x …)`, reasons included.
    #[test]
    fn de_morgan_any(xs in vec(any_rule(), 0..4), a in attributes(), on in day()) {
        let ctx = Context { on };
        let left = not(Rule::Any(xs.clone())).evaluate(&a, &ctx);
        let right = Rule::All(xs.into_iter().map(not).collect()).evaluate(&a, &ctx);
        prop_assert_eq!(left, right);
    }

    /// An empty `all` admits everyone; an empty `any` nobody, with a reason.
    #[test]
    fn empty_all_and_any(a in attributes(), on in day()) {
        let ctx = Context { on };
        prop_assert!(Rule::All(vec![]).evaluate(&a, &ctx).is_eligible());
        let none = Rule::Any(vec![]).evaluate(&a, &ctx);
        prop_assert!(!none.is_eligible());
        prop_assert_eq!(none.reasons().len(), 1);
        prop_assert!(!not(Rule::All(vec![])).evaluate(&a, &ctx).is_eligible());
        prop_assert!(not(Rule::Any(vec![])).evaluate(&a, &ctx).is_eligible());
    }

    /// The order of the parts of `all` and `any` does not change the verdict, nor the set of
    /// reasons of `all`, nor the requests for information of `any`.
    #[test]
    fn all_and_any_commute(
        (xs, ys) in vec(any_rule(), 0..5).prop_flat_map(|xs| (Just(xs.clone()), Just(xs).prop_shuffle())),
        a in attributes(),
        on in day(),
    ) {
        let ctx = Context { on };
        let all_x = Rule::All(xs.clone()).evaluate(&a, &ctx);
        let all_y = Rule::All(ys.clone()).evaluate(&a, &ctx);
        prop_assert_eq!(all_x.is_eligible(), all_y.is_eligible());
        prop_assert_eq!(reason_set(&all_x), reason_set(&all_y));
        let any_x = Rule::Any(xs).evaluate(&a, &ctx);
        let any_y = Rule::Any(ys).evaluate(&a, &ctx);
        prop_assert_eq!(any_x.is_eligible(), any_y.is_eligible());
        let info = |v: &Eligibility| information(v).into_iter().map(|r| r.it().to_owned()).collect::<BTreeSet<_>>();
        prop_assert_eq!(info(&any_x), info(&any_y));
    }

    /// `Ineligible` has at least one reason, each a whole sentence in both languages, without
    /// repeats; `Eligible` has none.
    #[test]
    fn reasons_are_present_and_well_formed(r in any_rule(), a in attributes(), on in day()) {
        let verdict = r.evaluate(&a, &Context { on });
        let reasons = verdict.reasons();
        prop_assert_eq!(verdict.is_eligible(), reasons.is_empty());
        if let Eligibility::Ineligible(list) = &verdict {
            prop_assert!(!list.is_empty());
        }
        for reason in reasons {
            prop_assert!(well_formed(reason.it()), "{:?}", reason);
            prop_assert!(well_formed(reason.en()), "{:?}", reason);
        }
        prop_assert_eq!(reason_set(&verdict).len(), reasons.len());
        let json = serde_json::to_value(&verdict).unwrap();
        prop_assert_eq!(json["eligible"].as_bool(), Some(verdict.is_eligible()));
        prop_assert_eq!(json["reasons"].as_array().map(Vec::len), Some(reasons.len()));
    }

    /// Every rule has a description, as a whole sentence in both languages.
    #[test]
    fn descriptions_are_total(r in any_rule()) {
        let d = r.describe();
        prop_assert!(well_formed(d.it()), "{:?}", d);
        prop_assert!(well_formed(d.en()), "{:?}", d);
    }

    /// Any valid rule survives a JSON and a TOML round trip unchanged.
    #[test]
    fn serde_round_trip(r in valid_rule()) {
        prop_assert_eq!(r.validate(), Ok(()));
        let json = serde_json::to_string(&r).unwrap();
        let back: Rule = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &r);

        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Holder { rule: Rule }
        let holder = Holder { rule: r };
        let toml_text = toml::to_string(&holder).unwrap();
        let back: Holder = toml::from_str(&toml_text).unwrap();
        prop_assert_eq!(back, holder);
    }

    /// With everything declared, the verdict is plain two-valued logic, and no reason asks for
    /// information.
    #[test]
    fn complete_attributes_get_boolean_verdicts(r in any_rule(), a in complete_attributes(), on in day()) {
        let verdict = r.evaluate(&a, &Context { on });
        prop_assert_eq!(verdict.is_eligible(), holds(&r, &a, on));
        prop_assert!(information(&verdict).is_empty());
    }

    /// Declaring a missing attribute never undoes an admission, nor a refusal that asked for
    /// nothing.
    #[test]
    fn declaring_more_is_monotone(r in any_rule(), partial in attributes(), fill in complete_attributes(), on in day()) {
        let ctx = Context { on };
        let completed = Attributes {
            gender: partial.gender.or(fill.gender),
            roles: partial.roles.clone(),
            country: partial.country.or(fill.country),
            region: partial.region.clone().or(fill.region),
            birth_date: partial.birth_date.or(fill.birth_date),
            organisation_type: partial.organisation_type.or(fill.organisation_type),
            organisation_code: None,
            memberships: partial.memberships.clone(),
        };
        let before = r.evaluate(&partial, &ctx);
        let after = r.evaluate(&completed, &ctx);
        if before.is_eligible() {
            prop_assert!(after.is_eligible());
        } else if information(&before).is_empty() {
            prop_assert!(!after.is_eligible());
        }
    }
}
