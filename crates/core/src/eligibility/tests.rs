//! Explanations for realistic cases, as snapshots a person can read; serde form and errors.

use chrono::NaiveDate;
use serde::Serialize;

use super::*;
use crate::person::Attributes;

/// #SheMeansBusiness as in `fixtures/programs/she-means-business.toml`.
const SHE_MEANS_BUSINESS: &str = r#"
rule = { all = [
  { gender = ["female"] },
  { available = [
    { country = "FR", from = "2017-01-01" },
    { country = "GB", from = "2017-01-01" },
    { country = "IT", from = "2017-01-01" },
    { country = "IE", from = "2018-01-01" },
    { country = "ES", from = "2018-01-01" },
    { country = "SE", from = "2018-01-01" },
  ] },
] }
"#;

const LEADERSHIP_CIRCLES: &str = r#"rule = { role = "community_admin" }"#;

/// Cooperazione Digitale, restricted to the regions of its three offices for the test's sake.
const COOPERAZIONE_DIGITALE: &str = r#"
rule = { all = [
  { organisation_type = ["cooperative", "social_cooperative"] },
  { membership = "albo_cooperative" },
  { region = ["emilia-romagna", "umbria", "puglia"] },
] }
"#;

/// A rule from TOML written the way fixtures write it (`rule = …`).
fn toml_rule(text: &str) -> Rule {
    #[derive(serde::Deserialize)]
    struct Holder {
        rule: Rule,
    }
    toml::from_str::<Holder>(text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .rule
}

fn json_rule(text: &str) -> Rule {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[derive(Serialize)]
struct Case {
    case: &'static str,
    person: &'static str,
    on: NaiveDate,
    #[serde(flatten)]
    verdict: Eligibility,
}

/// A table of cases for one rule; each `check` is one line and becomes one entry of the snapshot.
#[derive(Serialize)]
struct Table {
    rule: Rule,
    describe: Description,
    cases: Vec<Case>,
}

impl Table {
    fn new(rule: Rule) -> Self {
        Table {
            describe: rule.describe(),
            rule,
            cases: Vec::new(),
        }
    }

    fn check(&mut self, case: &'static str, person: &'static str, on: &str) {
        let attributes: Attributes = serde_json::from_str(person).unwrap();
        let on = day(on);
        let verdict = self.rule.evaluate(&attributes, &Context { on });
        assert_eq!(verdict.is_eligible(), verdict.reasons().is_empty());
        self.cases.push(Case {
            case,
            person,
            on,
            verdict,
        });
    }
}

// The tables below keep one case per line; rustfmt would spread each over five.

#[test]
#[rustfmt::skip]
fn she_means_business() {
    let mut t = Table::new(toml_rule(SHE_MEANS_BUSINESS));
    t.check("woman in Ireland before the 2018 launch", r#"{"gender":"female","country":"IE"}"#, "2017-06-01");
    t.check("woman in Ireland after the launch", r#"{"gender":"female","country":"IE"}"#, "2018-06-01");
    t.check("woman in Ireland on launch day", r#"{"gender":"female","country":"IE"}"#, "2018-01-01");
    t.check("man in France", r#"{"gender":"male","country":"FR"}"#, "2018-06-01");
    t.check("woman in the UK", r#"{"gender":"female","country":"GB"}"#, "2017-03-08");
    t.check("woman in the UK before the program", r#"{"gender":"female","country":"GB"}"#, "2016-12-31");
    t.check("woman in Poland", r#"{"gender":"female","country":"PL"}"#, "2018-06-01");
    t.check("man in Poland: both reasons", r#"{"gender":"male","country":"PL"}"#, "2018-06-01");
    t.check("non-binary person in Italy", r#"{"gender":"non_binary","country":"IT"}"#, "2018-06-01");
    t.check("nothing declared", r#"{}"#, "2018-06-01");
    t.check("nothing declared, before any country opens", r#"{}"#, "2016-06-01");
    t.check("woman, country missing", r#"{"gender":"female"}"#, "2018-06-01");
    t.check("man, country missing", r#"{"gender":"male"}"#, "2018-06-01");
    insta::assert_yaml_snapshot!(t);
}

#[test]
#[rustfmt::skip]
fn leadership_circles() {
    let mut t = Table::new(toml_rule(LEADERSHIP_CIRCLES));
    t.check("community admin", r#"{"roles":["community_admin"]}"#, "2018-03-01");
    t.check("no role declared", r#"{}"#, "2018-03-01");
    t.check("another role", r#"{"roles":["pa_communicator"],"region":"lombardia"}"#, "2018-03-01");
    insta::assert_yaml_snapshot!(t);
}

#[test]
#[rustfmt::skip]
fn cooperazione_digitale() {
    let mut t = Table::new(toml_rule(COOPERAZIONE_DIGITALE));
    t.check("social cooperative in Umbria, registered", r#"{"organisation_type":"social_cooperative","memberships":["albo_cooperative"],"region":"umbria"}"#, "2019-03-01");
    t.check("cooperative in Puglia, registered", r#"{"organisation_type":"cooperative","memberships":["albo_cooperative"],"region":"puglia"}"#, "2019-03-01");
    t.check("SME in Lazio, not registered: three reasons", r#"{"organisation_type":"sme","region":"lazio"}"#, "2019-03-01");
    t.check("cooperative, region missing", r#"{"organisation_type":"cooperative","memberships":["albo_cooperative"]}"#, "2019-03-01");
    t.check("registered, kind of organisation missing", r#"{"memberships":["albo_cooperative"],"region":"emilia-romagna"}"#, "2019-03-01");
    t.check("non-profit in an unknown region slug", r#"{"organisation_type":"non_profit","memberships":["albo_cooperative"],"region":"alto-adige"}"#, "2019-03-01");
    insta::assert_yaml_snapshot!(t);
}

#[test]
#[rustfmt::skip]
fn age_bounds() {
    let mut adults = Table::new(json_rule(r#"{"age": {"min": 18}}"#));
    adults.check("the day before the 18th birthday", r#"{"birth_date":"2000-06-02"}"#, "2018-06-01");
    adults.check("on the 18th birthday", r#"{"birth_date":"2000-06-01"}"#, "2018-06-01");
    adults.check("born on 29 February, on 28 February", r#"{"birth_date":"2000-02-29"}"#, "2018-02-28");
    adults.check("born on 29 February, on 1 March", r#"{"birth_date":"2000-02-29"}"#, "2018-03-01");
    adults.check("date of birth missing", r#"{"gender":"female"}"#, "2018-06-01");
    adults.check("born after the day of evaluation", r#"{"birth_date":"2030-03-08"}"#, "2018-06-08");
    let mut young = Table::new(json_rule(r#"{"age": {"min": 18, "max": 29}}"#));
    young.check("29, last day", r#"{"birth_date":"1988-06-02"}"#, "2018-06-01");
    young.check("30", r#"{"birth_date":"1988-06-01"}"#, "2018-06-01");
    young.check("17", r#"{"birth_date":"2001-01-01"}"#, "2018-06-01");
    let mut exact = Table::new(json_rule(r#"{"age": {"min": 1, "max": 1}}"#));
    exact.check("aged 2", r#"{"birth_date":"2016-01-01"}"#, "2018-06-01");
    let mut under = Table::new(json_rule(r#"{"age": {"max": 29}}"#));
    under.check("aged 45", r#"{"birth_date":"1973-01-11"}"#, "2018-06-11");
    let mut not_seniors = Table::new(json_rule(r#"{"not": {"age": {"min": 65}}}"#));
    not_seniors.check("aged 70", r#"{"birth_date":"1948-01-01"}"#, "2018-06-01");
    not_seniors.check("aged 64", r#"{"birth_date":"1954-01-01"}"#, "2018-06-01");
    not_seniors.check("date of birth missing", r#"{}"#, "2018-06-01");
    insta::assert_yaml_snapshot!([adults, young, exact, under, not_seniors]);
}

#[test]
#[rustfmt::skip]
fn missing_attributes() {
    let mut t = Table::new(json_rule(r#"{"all": [
        {"gender": ["female", "non_binary"]}, {"country": ["IT"]}, {"region": ["lazio", "lombardia"]},
        {"age": {"min": 18}}, {"organisation_type": ["public_administration", "utility"]},
        {"role": "pa_communicator"}, {"membership": "albo_cooperative"}
    ]}"#));
    t.check("nothing declared: one request per attribute, then the unmet ones", r#"{}"#, "2019-02-12");
    t.check("everything declared and right", r#"{"gender":"female","country":"IT","region":"lazio","birth_date":"1980-05-05","organisation_type":"utility","roles":["pa_communicator"],"memberships":["albo_cooperative"]}"#, "2019-02-12");
    t.check("everything declared and wrong", r#"{"gender":"male","country":"ES","region":"puglia","birth_date":"2005-05-05","organisation_type":"large_enterprise"}"#, "2019-02-12");
    insta::assert_yaml_snapshot!(t);
}

#[test]
#[rustfmt::skip]
fn not_and_any_nesting() {
    let mut tables = Vec::new();
    let mut t = Table::new(json_rule(r#"{"any": [{"role": "community_admin"}, {"membership": "albo_cooperative"}]}"#));
    t.check("neither alternative", r#"{}"#, "2019-01-01");
    t.check("the second alternative", r#"{"memberships":["albo_cooperative"]}"#, "2019-01-01");
    tables.push(t);

    let mut t = Table::new(json_rule(r#"{"any": [{"gender": ["female"]}, {"age": {"max": 29}}]}"#));
    t.check("man without a date of birth: alternatives and a request", r#"{"gender":"male"}"#, "2019-01-01");
    t.check("young man", r#"{"gender":"male","birth_date":"1995-01-01"}"#, "2019-01-01");
    tables.push(t);

    let mut t = Table::new(json_rule(r#"{"not": {"role": "community_admin"}}"#));
    t.check("an admin is excluded", r#"{"roles":["community_admin"]}"#, "2019-01-01");
    t.check("others are admitted", r#"{}"#, "2019-01-01");
    tables.push(t);

    let mut t = Table::new(json_rule(r#"{"not": {"all": [{"role": "community_admin"}, {"country": ["IT"]}]}}"#));
    t.check("admin in Italy: the combination is named", r#"{"roles":["community_admin"],"country":"IT"}"#, "2019-01-01");
    t.check("admin, country missing", r#"{"roles":["community_admin"]}"#, "2019-01-01");
    t.check("admin in Spain", r#"{"roles":["community_admin"],"country":"ES"}"#, "2019-01-01");
    t.check("not an admin, country missing", r#"{}"#, "2019-01-01");
    tables.push(t);

    let mut t = Table::new(json_rule(r#"{"not": {"any": [{"country": ["FR"]}, {"gender": ["male"]}, {"membership": "legacoop"}]}}"#));
    t.check("man in France: each exclusion named", r#"{"gender":"male","country":"FR"}"#, "2019-01-01");
    t.check("woman, country missing", r#"{"gender":"female"}"#, "2019-01-01");
    t.check("woman in Italy", r#"{"gender":"female","country":"IT"}"#, "2019-01-01");
    tables.push(t);

    let mut t = Table::new(json_rule(r#"{"any": [
        {"all": [{"gender": ["female"]}, {"country": ["IT"]}]},
        {"all": [{"role": "community_admin"}, {"age": {"min": 18}}]},
        {"not": {"all": [{"window": {"from": "2019-01-08"}}, {"region": ["marche"]}]}}
    ]}"#));
    t.check("none of the groups", r#"{"gender":"male","country":"IT","region":"marche","birth_date":"1990-01-01"}"#, "2019-02-11");
    tables.push(t);

    let mut t = Table::new(json_rule(r#"{"all": [
        {"any": [{"role": "digital_professional"}, {"role": "communication_professional"}, {"organisation_type": ["public_administration", "utility"]}]},
        {"not": {"window": {"from": "2019-06-05"}}},
        {"window": {"from": "2019-02-12", "until": "2019-06-04"}}
    ]}"#));
    t.check("a PA communicator in time", r#"{"organisation_type":"public_administration"}"#, "2019-03-26");
    t.check("too early, no profession", r#"{}"#, "2019-02-11");
    t.check("too late", r#"{"roles":["digital_professional"]}"#, "2019-06-05");
    tables.push(t);

    let mut t = Table::new(json_rule(r#"{"not": {"window": {"until": "2018-12-31"}}}"#));
    t.check("during the excluded period", r#"{}"#, "2018-12-31");
    t.check("after it", r#"{}"#, "2019-01-01");
    tables.push(t);

    let mut t = Table::new(json_rule(r#"{"not": {"available": [{"country": "IE", "from": "2018-01-01", "until": "2018-12-31"}, {"country": "IT"}]}}"#));
    t.check("in Ireland while it is open there", r#"{"country":"IE"}"#, "2018-03-08");
    t.check("in Italy", r#"{"country":"IT"}"#, "2018-03-08");
    tables.push(t);

    let mut t = Table::new(json_rule(r#"{"any": []}"#));
    t.check("empty any admits nobody", r#"{}"#, "2019-01-01");
    tables.push(t);

    let mut t = Table::new(json_rule(r#"{"all": []}"#));
    t.check("empty all admits everyone", r#"{}"#, "2019-01-01");
    tables.push(t);

    let mut t = Table::new(json_rule(r#"{"not": {"not": {"gender": ["female"]}}}"#));
    t.check("double negation is the test itself", r#"{"gender":"male"}"#, "2019-01-01");
    tables.push(t);

    insta::assert_yaml_snapshot!(tables);
}

#[test]
fn descriptions() {
    let rules = [
        SHE_MEANS_BUSINESS,
        LEADERSHIP_CIRCLES,
        COOPERAZIONE_DIGITALE,
        r#"rule = { any = [{ role = "communication_professional" }, { role = "digital_professional" }, { organisation_type = ["public_administration", "utility"] }] }"#,
        r#"rule = { all = [{ any = [{ gender = ["female"] }, { age = { max = 29 } }] }, { country = ["IT", "GB"] }] }"#,
        r#"rule = { not = { all = [{ role = "community_admin" }, { any = [{ country = ["FR"] }, { age = { min = 65 } }] }] } }"#,
        r#"rule = { not = { any = [{ region = ["lazio", "marche"] }, { membership = "legacoop" }] } }"#,
        r#"rule = { window = { from = "2019-02-12", until = "2019-06-04" } }"#,
        r#"rule = { not = { window = { from = "2019-02-12", until = "2019-06-04" } } }"#,
        r#"rule = { not = { gender = ["male", "non_binary"] } }"#,
        r#"rule = { all = [] }"#,
        r#"rule = { any = [] }"#,
        r#"rule = { not = { any = [] } }"#,
    ];
    let described: Vec<Description> = rules.iter().map(|r| toml_rule(r).describe()).collect();
    insta::assert_yaml_snapshot!(described);
}

#[test]
fn serde_form() {
    let rule = toml_rule(SHE_MEANS_BUSINESS);
    insta::assert_json_snapshot!(rule);
    let back: Rule = serde_json::from_value(serde_json::to_value(&rule).unwrap()).unwrap();
    assert_eq!(back, rule);
    // The brief's spelling, with an explicit null.
    let ie =
        json_rule(r#"{"available": [{"country": "IE", "from": "2018-01-01", "until": null}]}"#);
    assert_eq!(
        ie,
        Rule::Available(vec![CountryWindow {
            country: crate::person::Country::parse("IE").unwrap(),
            from: Some(day("2018-01-01")),
            until: None,
        }])
    );
    let verdict =
        Rule::Any(vec![]).evaluate(&Attributes::default(), &Context::new(day("2019-01-01")));
    assert_eq!(
        serde_json::to_string(&verdict).unwrap(),
        r#"{"eligible":false,"reasons":[{"it":"Non è aperto a nessuno.","en":"It is not open to anyone."}]}"#
    );
    assert_eq!(
        serde_json::to_string(&Eligibility::Eligible).unwrap(),
        r#"{"eligible":true,"reasons":[]}"#
    );
}

#[test]
fn bad_rules_say_what_is_wrong() {
    let bad = [
        r#"{"age": {"min": 30, "max": 18}}"#,
        r#"{"age": {}}"#,
        r#"{"age": {"min": 18, "maximum": 30}}"#,
        r#"{"age": {"min": -1}}"#,
        r#"{"window": {"from": "2019-06-04", "until": "2019-02-12"}}"#,
        r#"{"window": {}}"#,
        r#"{"window": {"from": "4 giugno 2019"}}"#,
        r#"{"gender": []}"#,
        r#"{"gender": ["woman"]}"#,
        r#"{"country": []}"#,
        r#"{"country": ["ITA"]}"#,
        r#"{"region": []}"#,
        r#"{"region": ["Lazio"]}"#,
        r#"{"organisation_type": []}"#,
        r#"{"role": "Community Admin"}"#,
        r#"{"available": []}"#,
        r#"{"available": [{"country": "IE"}, {"country": "ie", "from": "2018-01-01"}]}"#,
        r#"{"available": [{"country": "IE", "from": "2019-01-01", "until": "2018-01-01"}]}"#,
        r#"{"available": [{"country": "IE", "since": "2018-01-01"}]}"#,
        r#"{"all": [{"gender": ["female"]}, {"age": {"min": 30, "max": 18}}]}"#,
        r#"{"not": [{"gender": ["female"]}]}"#,
        r#"{"sex": ["female"]}"#,
        r#"{"gender": ["female"], "country": ["IT"]}"#,
        r#"{"age": 18}"#,
        r#"{}"#,
        r#"[{"gender": ["female"]}]"#,
        r#"{"all": {"gender": ["female"]}}"#,
        r#"{"available": [{"country": "IE", "from": "2018-02-30"}]}"#,
    ];
    let errors: Vec<(&str, String)> = bad
        .iter()
        .map(|text| {
            let err = serde_json::from_str::<Rule>(text).expect_err(text);
            (*text, err.to_string())
        })
        .collect();
    insta::assert_yaml_snapshot!(errors);
}

#[test]
fn bad_rules_in_toml() {
    #[derive(Debug, serde::Deserialize)]
    struct Holder {
        #[allow(dead_code)]
        rule: Rule,
    }
    let err = toml::from_str::<Holder>("rule = { all = [{ age = { min = 30, max = 18 } }] }")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`age` has min 30 greater than max 18"),
        "{err}"
    );
}

#[test]
fn validate_checks_rules_built_in_code() {
    let ok = toml_rule(COOPERAZIONE_DIGITALE);
    assert_eq!(ok.validate(), Ok(()));
    let nested = Rule::Not(Box::new(Rule::Any(vec![
        Rule::Role(crate::ids::Tag::parse("x").unwrap()),
        Rule::Gender(Default::default()),
    ])));
    assert_eq!(nested.validate(), Err(RuleError::Empty { rule: "gender" }));
}

#[test]
fn italian_dates_elide_the_article() {
    let rule = json_rule(r#"{"window": {"from": "2019-03-08", "until": "2019-03-11"}}"#);
    let person = Attributes::default();
    let early = rule.evaluate(&person, &Context::new(day("2019-03-01")));
    assert_eq!(
        early.reasons()[0].it(),
        "Non è ancora disponibile: apre l'8 marzo 2019."
    );
    let late = rule.evaluate(&person, &Context::new(day("2019-03-12")));
    assert_eq!(
        late.reasons()[0].it(),
        "Non è più disponibile: era aperto fino all'11 marzo 2019."
    );
    assert_eq!(
        rule.describe().it(),
        "Disponibile solo se: la data è compresa tra l'8 marzo 2019 e l'11 marzo 2019."
    );
}

#[test]
fn toml_dates_may_be_native() {
    let native = toml_rule(
        "rule = { all = [{ window = { from = 2018-01-01 } }, \
         { available = [{ country = \"IE\", from = 2018-01-01, until = 2018-12-31 }] }] }",
    );
    let quoted = toml_rule(
        r#"rule = { all = [{ window = { from = "2018-01-01" } },
           { available = [{ country = "IE", from = "2018-01-01", until = "2018-12-31" }] }] }"#,
    );
    assert_eq!(native, quoted);
    #[derive(Debug, serde::Deserialize)]
    struct Holder {
        #[allow(dead_code)]
        rule: Rule,
    }
    let err = toml::from_str::<Holder>("rule = { window = { from = 2018-01-01T09:30:00 } }")
        .unwrap_err()
        .to_string();
    assert!(err.contains("write a day without a time"), "{err}");
}
