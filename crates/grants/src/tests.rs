//! Tests of grant calls: the `grants rank` file contract, exact ties, the domain pipeline
//! (eligibility → evaluation → ranking → awards → withdrawal → mentoring → monitoring), and
//! snapshots of what a person reads.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use super::call::{Admission, Applicant, ApplicationId, Call, EnterpriseId, EvaluatorId};
use super::evaluation::{Evaluation, EvaluationError, Mark, ScoreSheet};
use super::file::{CallFileError, rank_call};
use super::lifecycle::{Action, Application, Stage};
use super::mentoring::{Enterprise, Mentee, match_mentors};
use super::monitoring::{Monitored, overdue};
use super::ranking::{Candidate, Status, rank};
use super::score::Points;
use skillhub_allocation::lottery::LotterySeed;
use skillhub_core::fixture::Catalog;
use skillhub_core::ids::Tag;
use skillhub_core::person::OrganisationType;

const EXAMPLE: &str = include_str!("../../../fixtures/grants/call-example.json");
const SAMPLE: &str = include_str!("../../../fixtures/grants/cooperazione-digitale-esempio.json");

/// Ranks `input` and compares the whole output with `expected`.
fn check(input: Value, expected: Value) {
    let outcome = rank_call(&input.to_string()).unwrap_or_else(|e| panic!("{e}\n{input:#}"));
    let actual = serde_json::to_value(&outcome).unwrap();
    assert_eq!(
        actual, expected,
        "\nactual:   {actual:#}\nexpected: {expected:#}"
    );
}

/// Ranks `input` and expects this error message.
fn check_err(input: Value, expected: &str) {
    let err = rank_call(&input.to_string()).expect_err(expected);
    assert_eq!(err.to_string(), expected, "{input:#}");
}

fn application(id: &str, cents: u64, at: &str, priority: &[&str], scores: Value) -> Value {
    json!({"id": id, "requested_cents": cents, "submitted_at": at, "priority": priority, "scores": scores})
}

fn one_criterion(budget: u64, applications: Vec<Value>) -> Value {
    json!({"budget_cents": budget, "criteria": [{"id": "impact", "weight": 1}],
           "applications": applications, "lottery_seed": 7})
}

#[test]
fn the_contract_example() {
    check(
        serde_json::from_str(EXAMPLE).unwrap(),
        json!({"ranking": [{"id": "coop-1", "rank": 1, "total": 4.0, "status": "funded",
                            "awarded_cents": 700000}],
               "awarded_cents": 700000, "remaining_cents": 349300000}),
    );
}

#[test]
fn walk_goes_on_past_a_request_that_does_not_fit() {
    let t = "2022-04-01T09:00:00+02:00";
    check(
        one_criterion(
            1000,
            vec![
                application("a", 600, t, &[], json!({"e": {"impact": 5}})),
                application("b", 500, t, &[], json!({"e": {"impact": 4}})),
                application("c", 400, t, &[], json!({"e": {"impact": 3}})),
                application("d", 1, t, &[], json!({"e": {"impact": 2}})),
            ],
        ),
        json!({"ranking": [
            {"id": "a", "rank": 1, "total": 5.0, "status": "funded", "awarded_cents": 600},
            {"id": "b", "rank": 2, "total": 4.0, "status": "reserve", "awarded_cents": 0},
            {"id": "c", "rank": 3, "total": 3.0, "status": "funded", "awarded_cents": 400},
            {"id": "d", "rank": 4, "total": 2.0, "status": "reserve", "awarded_cents": 0}],
            "awarded_cents": 1000, "remaining_cents": 0}),
    );
}

#[test]
fn thresholds_put_applications_last_without_rank() {
    let t = "2022-04-01T09:00:00+02:00";
    let input = json!({"budget_cents": 10000,
        "criteria": [{"id": "impact", "weight": 2, "min_score": 2.5}, {"id": "quality", "weight": 1}],
        "min_total": 3,
        "applications": [
            application("low-impact", 100, t, &[], json!({"e1": {"impact": 2, "quality": 5}, "e2": {"impact": 3, "quality": 5}})),
            application("low-total", 100, t, &[], json!({"e1": {"impact": 3, "quality": 2}})),
            application("exactly", 100, t, &[], json!({"e1": {"impact": 3, "quality": 3}, "e2": {"impact": 2, "quality": 3}})),
        ],
        "lottery_seed": 1});
    // low-impact: impact mean 2.5 meets 2.5 → total (2×2.5 + 5)/3 = 10/3, ranked.
    // low-total: (2×3 + 2)/3 = 8/3 < 3. exactly: impact 2.5, total (5 + 3)/3 = 8/3 < 3; they
    // tie on everything, and the lottery (seed 1) orders them.
    check(
        input,
        json!({"ranking": [
            {"id": "low-impact", "rank": 1, "total": 10.0 / 3.0, "status": "funded", "awarded_cents": 100},
            {"id": "low-total", "rank": null, "total": 8.0 / 3.0, "status": "below_threshold", "awarded_cents": 0},
            {"id": "exactly", "rank": null, "total": 8.0 / 3.0, "status": "below_threshold", "awarded_cents": 0}],
            "awarded_cents": 100, "remaining_cents": 9900}),
    );
}

/// Two totals equal as fractions but computed from different scores (and different in floating
/// point: 0.1×1 + 0.2×1 + 0.3×0 > 0.1×0 + 0.2×0 + 0.3×1 in binary) tie, so priority decides.
#[test]
fn equal_totals_tie_exactly() {
    let by_float = |a: f64, b: f64, c: f64| (0.1 * a + 0.2 * b + 0.3 * c) / 0.6;
    assert!(by_float(1.0, 1.0, 0.0) > by_float(0.0, 0.0, 1.0));
    let t = "2022-04-01T09:00:00+02:00";
    let input = json!({"budget_cents": 100,
    "criteria": [{"id": "a", "weight": 0.1}, {"id": "b", "weight": 0.2}, {"id": "c", "weight": 0.3}],
    "applications": [
        application("first-by-float", 100, t, &[], json!({"e": {"a": 1, "b": 1, "c": 0}})),
        application("more-priority", 100, t, &["social_coop"], json!({"e": {"a": 0, "b": 0, "c": 1}})),
    ]});
    let outcome = rank_call(&input.to_string()).unwrap();
    assert_eq!(outcome.ranking[0].id, "more-priority");
    assert_eq!(outcome.ranking[0].status, Status::Funded);
    assert_eq!(outcome.ranking[1].status, Status::Reserve);
}

#[test]
fn submission_time_then_lottery() {
    let scores = json!({"e": {"impact": 4}});
    let apps = vec![
        application("late", 10, "2022-04-01T10:00:00+02:00", &[], scores.clone()),
        // 09:30 in London is 10:30 in Rome: later than "late".
        application(
            "london",
            10,
            "2022-04-01T09:30:00+01:00",
            &[],
            scores.clone(),
        ),
        application("early", 10, "2022-04-01T07:59:59Z", &[], scores.clone()),
        application(
            "tie-1",
            10,
            "2022-04-02T10:00:00+02:00",
            &[],
            scores.clone(),
        ),
        application(
            "tie-2",
            10,
            "2022-04-02T10:00:00+02:00",
            &[],
            scores.clone(),
        ),
        application("tie-3", 10, "2022-04-02T08:00:00Z", &[], scores),
    ];
    let order = |apps: Vec<Value>| -> Vec<String> {
        let outcome = rank_call(&one_criterion(1000, apps).to_string()).unwrap();
        outcome.ranking.iter().map(|r| r.id.clone()).collect()
    };
    let forward = order(apps.clone());
    assert_eq!(&forward[..3], ["early", "late", "london"]);
    let mut ties = forward[3..].to_vec();
    ties.sort();
    assert_eq!(ties, ["tie-1", "tie-2", "tie-3"]);
    // The lottery depends on the set of ids, not on the file's order.
    let mut reversed = apps;
    reversed.reverse();
    assert_eq!(order(reversed), forward);
}

#[test]
fn a_tie_without_seed_is_an_error() {
    let t = "2022-04-01T09:00:00+02:00";
    let mut input = one_criterion(
        100,
        vec![
            application("x", 10, t, &[], json!({"e": {"impact": 4}})),
            application("y", 10, t, &[], json!({"e": {"impact": 4}})),
        ],
    );
    input.as_object_mut().unwrap().remove("lottery_seed");
    check_err(
        input,
        "/lottery_seed: \"x\" and \"y\" tie on total, priority criteria and submission time, so the lottery must decide: give a lottery_seed",
    );
}

#[test]
fn errors_name_the_pointer() {
    let t = "2022-04-01T09:00:00+02:00";
    let base = || serde_json::from_str::<Value>(EXAMPLE).unwrap();
    let with = |pointer: &str, value: Value| {
        let mut input = base();
        *input.pointer_mut(pointer).unwrap() = value;
        input
    };
    check_err(json!([]), "the document: must be an object, not a list");
    check_err(
        with("/budget_cents", json!(-5)),
        "/budget_cents: must be a whole number of cents, 0 or more",
    );
    check_err(
        with("/budget_cents", json!(1.5)),
        "/budget_cents: must be a whole number of cents, 0 or more",
    );
    check_err(
        with("/criteria", json!([])),
        "/criteria: a call needs at least one criterion",
    );
    check_err(
        with("/criteria/0/weight", json!(0)),
        "/criteria/0/weight: a weight must be more than 0 and at most 1000, not 0",
    );
    check_err(
        with("/criteria/0/weight", json!(0.0000001)),
        "/criteria/0/weight: must be a number of 0 or more with at most 6 decimal places, not 1e-7",
    );
    check_err(
        with("/criteria/0/min_score", json!(6)),
        "/criteria/0/min_score: a score goes from 0 to 5, not 6",
    );
    check_err(
        with("/min_total", json!("3")),
        "/min_total: must be a number, not a string",
    );
    check_err(
        with("/lottery_seed", json!(-1)),
        "/lottery_seed: must be a whole number from 0 to 18446744073709551615, or 64 hexadecimal digits",
    );
    check_err(
        with("/applications/0/requested_cents", json!(0)),
        "/applications/0/requested_cents: must be a whole number of cents, 1 or more",
    );
    let err =
        rank_call(&with("/applications/0/submitted_at", json!("2019-03-01 10:00")).to_string())
            .unwrap_err();
    assert!(
        err.to_string().starts_with("/applications/0/submitted_at: \"2019-03-01 10:00\" is not an RFC 3339 time with an offset ("),
        "{err}"
    );
    check_err(
        with("/applications/0/scores/ev1/impact", json!(5.5)),
        "/applications/0/scores/ev1/impact: a score goes from 0 to 5, not 5.5",
    );
    check_err(
        with("/applications/0/scores/ev1/impact", json!(null)),
        "/applications/0/scores/ev1/impact: must be a number, not null",
    );
    check_err(
        with("/applications/0/scores/ev1", json!({"imp/act": 3})),
        "/applications/0/scores/ev1/imp~1act: the call has no criterion \"imp/act\"",
    );
    check_err(
        with("/applications/0/scores", json!({"ev3": {"impact": 5}})),
        "/applications/0/scores: no evaluator without a conflict of interest scored criterion \"impact\"",
    );
    check_err(
        with("/applications/0/priority", json!(["a", "a"])),
        "/applications/0/priority/1: listed twice",
    );
    check_err(
        with("/applications/0/id", json!("")),
        "/applications/0/id: must not be empty",
    );
    let mut two = base();
    let copy = two["applications"][0].clone();
    two["applications"].as_array_mut().unwrap().push(copy);
    check_err(
        two,
        "/applications/1/id: \"coop-1\" is already the id of /applications/0",
    );
    let mut missing = base();
    missing["applications"][0]
        .as_object_mut()
        .unwrap()
        .remove("submitted_at");
    check_err(missing, "/applications/0/submitted_at: missing");
    let dup = r#"{"budget_cents": 1, "budget_cents": 2, "criteria": [], "applications": []}"#;
    assert_eq!(
        rank_call(dup).unwrap_err().to_string(),
        "/budget_cents: this key appears twice"
    );
    let syntax = rank_call("{\n  \"budget_cents\": 1,\n}").unwrap_err();
    assert!(
        matches!(
            syntax,
            CallFileError::Syntax {
                line: 3,
                column: 1,
                ..
            }
        ),
        "{syntax:?}"
    );
    let _ = t;
}

#[test]
fn unknown_keys_are_ignored_and_hex_seeds_accepted() {
    let mut input: Value = serde_json::from_str(EXAMPLE).unwrap();
    input["meta"] = json!({"anything": [1, 2]});
    input["applications"][0]["name"] = json!("Cooperativa Uno");
    input["lottery_seed"] =
        json!("2a00000000000000000000000000000000000000000000000000000000000000");
    let outcome = rank_call(&input.to_string()).unwrap();
    assert_eq!(outcome.awarded_cents, 700_000);
}

#[test]
fn sample_call_snapshot() {
    let outcome = rank_call(SAMPLE).unwrap();
    insta::assert_snapshot!("sample_ranking_text", outcome.text_it());
    insta::assert_json_snapshot!("sample_ranking_json", outcome);
}

// ---- the domain pipeline ----

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2022, 4, day, hour, 0, 0).unwrap()
}

fn tag(t: &str) -> Tag {
    Tag::parse(t).unwrap()
}

fn applicant(name: &str, vat: &str, albo: Option<&str>, region: Option<&str>) -> Applicant {
    Applicant {
        name: name.to_owned(),
        partita_iva: vat.to_owned(),
        organisation_type: Some(OrganisationType::SocialCooperative),
        albo_number: albo.map(str::to_owned),
        region: region.map(tag),
        sector: Some(tag("agrifood")),
        email: None,
    }
}

fn call() -> Call {
    let catalog = Catalog::seeds().unwrap();
    Call::cooperazione_digitale(catalog.program("cooperazione-digitale").unwrap()).unwrap()
}

fn sheet(call: &Call, evaluator: &str, points: [u8; 4]) -> ScoreSheet {
    let marks: BTreeMap<Tag, Mark> = call
        .criteria()
        .iter()
        .zip(points)
        .map(|(c, p)| {
            let mark = Mark {
                points: Points::whole(p).unwrap(),
                comment: format!("{} {p}", c.label_it),
            };
            (c.id.clone(), mark)
        })
        .collect();
    ScoreSheet {
        evaluator: EvaluatorId::parse(evaluator).unwrap(),
        marks,
    }
}

#[test]
fn eligibility_reasons_snapshot() {
    let call = call();
    let on = NaiveDate::from_ymd_opt(2022, 4, 1).unwrap();
    let mut not_coop = applicant(
        "Srl Qualunque",
        "01234567897",
        Some("A000001"),
        Some("lazio"),
    );
    not_coop.organisation_type = Some(OrganisationType::Sme);
    let cases = [
        applicant(
            "Cooperativa in regola",
            "01234567897",
            Some("A123456"),
            Some("emilia-romagna"),
        ),
        applicant(
            "Partita IVA sbagliata",
            "01234567890",
            Some("A123456"),
            Some("puglia"),
        ),
        applicant("Senza Albo né regione", "01234567897", None, None),
        applicant(
            "Albo e regione sbagliati",
            "IT01234567897",
            Some("123456"),
            Some("baviera"),
        ),
        not_coop,
    ];
    let verdicts: Vec<(String, Vec<String>)> = cases
        .iter()
        .map(|a| match call.check_applicant(a, on) {
            Admission::Eligible => (a.name.clone(), vec!["ammissibile".to_owned()]),
            Admission::Ineligible(reasons) => {
                (a.name.clone(), reasons.iter().map(|r| r.it()).collect())
            }
        })
        .collect();
    insta::assert_yaml_snapshot!("eligibility_reasons", verdicts);
}

#[test]
fn evaluation_rules() {
    let call = call();
    let mut evaluation = Evaluation::new(&call, ApplicationId::parse("coop-1").unwrap());
    let mut incomplete = sheet(&call, "ev1", [4, 4, 4, 4]);
    incomplete.marks.remove(&tag("quality"));
    assert_eq!(
        evaluation.score(incomplete),
        Err(EvaluationError::MissingCriterion(tag("quality")))
    );
    let mut silent = sheet(&call, "ev1", [4, 4, 4, 4]);
    silent.marks.get_mut(&tag("impact")).unwrap().comment = " ".into();
    assert_eq!(
        evaluation.score(silent),
        Err(EvaluationError::MissingComment(tag("impact")))
    );
    assert!(matches!(
        evaluation.assess(),
        Err(EvaluationError::NoSheets(_))
    ));
    evaluation.score(sheet(&call, "ev1", [5, 5, 5, 5])).unwrap();
    assert_eq!(
        evaluation.score(sheet(&call, "ev1", [1, 1, 1, 1])),
        Err(EvaluationError::AlreadyScored(
            EvaluatorId::parse("ev1").unwrap()
        ))
    );
    evaluation.score(sheet(&call, "ev2", [1, 2, 3, 3])).unwrap();
    // impact mean 3, quality 3.5, readiness 4, sustainability 4: (9 + 7 + 4 + 4) / 7 = 24/7.
    let assessment = evaluation.assess().unwrap();
    assert_eq!(assessment.total.to_string(), "24/7");
    // A conflict declared late withdraws the sheet: ev2 alone gives (3 + 4 + 3 + 3)/7 = 13/7.
    let withdrawn = evaluation.declare_conflict(EvaluatorId::parse("ev1").unwrap());
    assert!(withdrawn.is_some());
    let assessment = evaluation.assess().unwrap();
    assert_eq!(assessment.total.to_string(), "13/7");
    let misses: Vec<String> = assessment.misses.iter().map(|m| m.it()).collect();
    assert_eq!(
        misses,
        [
            "impatto sulla cooperativa e sul territorio 1,00 sotto il minimo di 2",
            "punteggio totale 1,86 sotto il minimo di 3"
        ]
    );
}

/// An application of the pipeline: id, request, region, points, preferences declared.
type AppSpec<'a> = (&'a str, u64, Option<&'a str>, [u8; 4], &'a [&'a str]);

/// The whole life of a small call: eligibility, evaluation, ranking, awards, a withdrawal that
/// promotes from the reserve list, mentoring and monitoring.
#[test]
fn pipeline() {
    let call = call();
    let on = NaiveDate::from_ymd_opt(2022, 4, 1).unwrap();
    let specs: [AppSpec<'_>; 6] = [
        (
            "coop-a",
            150_000_000,
            Some("emilia-romagna"),
            [5, 5, 5, 5],
            &["social_coop"],
        ),
        ("coop-b", 150_000_000, Some("puglia"), [4, 4, 4, 4], &[]),
        (
            "coop-c",
            100_000_000,
            Some("umbria"),
            [4, 4, 4, 4],
            &["peripheral_area", "supply_chain"],
        ),
        ("coop-d", 40_000_000, Some("umbria"), [3, 3, 3, 3], &[]),
        ("coop-e", 10_000_000, None, [5, 5, 5, 5], &[]),
        ("coop-f", 10_000_000, Some("lazio"), [1, 5, 5, 5], &[]),
    ];
    let mut applications: Vec<Application> = specs
        .iter()
        .map(|(id, cents, region, _, prefs)| {
            let declared: BTreeSet<Tag> = prefs.iter().map(|p| tag(p)).collect();
            let (priorities, kinds): (BTreeSet<Tag>, BTreeSet<Tag>) = declared
                .into_iter()
                .partition(|t| t.as_str() != "supply_chain");
            Application::new(
                ApplicationId::parse(id).unwrap(),
                applicant(id, "01234567897", Some("A123456"), *region),
                skillhub_core::program::Cents::new(*cents),
                priorities,
                kinds,
            )
            .unwrap()
        })
        .collect();
    for (k, (application, (_, _, _, points, _))) in applications.iter_mut().zip(&specs).enumerate()
    {
        application
            .apply(Action::Submit {
                at: at(1, 8 + k as u32),
            })
            .unwrap();
        match call.check_applicant(application.applicant(), on) {
            Admission::Eligible => {
                application.apply(Action::Admit).unwrap();
            }
            Admission::Ineligible(reasons) => {
                application.apply(Action::Refuse(reasons)).unwrap();
                continue;
            }
        }
        application.apply(Action::StartEvaluation).unwrap();
        let mut evaluation = Evaluation::new(&call, application.id().clone());
        evaluation.score(sheet(&call, "ev1", *points)).unwrap();
        evaluation.score(sheet(&call, "ev2", *points)).unwrap();
        application
            .apply(Action::CompleteEvaluation(evaluation.assess().unwrap()))
            .unwrap();
    }
    assert_eq!(applications[4].stage(), Stage::Ineligible);
    let candidates: Vec<Candidate<'_>> = applications
        .iter()
        .filter_map(|a| Candidate::from_application(&call, a))
        .collect();
    assert_eq!(
        candidates[2].preferences, 2,
        "a priority criterion and a favoured project kind"
    );
    let mut ranking = rank(&candidates, call.budget(), Some(LotterySeed::from_u64(1))).unwrap();
    let order: Vec<(&str, Option<u32>, Status)> = ranking
        .entries()
        .iter()
        .map(|e| (e.id, e.rank, e.status))
        .collect();
    assert_eq!(
        order,
        [
            ("coop-a", Some(1), Status::Funded),
            ("coop-c", Some(2), Status::Funded),
            ("coop-b", Some(3), Status::Reserve),
            ("coop-d", Some(4), Status::Funded),
            ("coop-f", None, Status::BelowThreshold),
        ]
    );
    let awarded_at = at(20, 10);
    let rank_of: BTreeMap<String, (Option<u32>, Status)> = ranking
        .entries()
        .iter()
        .map(|e| (e.id.to_owned(), (e.rank, e.status)))
        .collect();
    let mut owned = applications.clone();
    for application in &mut owned {
        let Some(&(place, status)) = rank_of.get(application.id().as_str()) else {
            continue;
        };
        application.apply(Action::Rank(place)).unwrap();
        let action = match status {
            Status::Funded => Action::Fund { at: awarded_at },
            Status::Reserve => Action::PutInReserve,
            _ => Action::Decline,
        };
        application.apply(action).unwrap();
    }
    let stages: Vec<Stage> = owned.iter().map(Application::stage).collect();
    assert_eq!(
        stages,
        [
            Stage::Funded,
            Stage::Reserve,
            Stage::Funded,
            Stage::Funded,
            Stage::Ineligible,
            Stage::NotFunded
        ]
    );
    // coop-d withdraws: €0.4M back, €1M left, coop-b (€1.5M) still does not fit. Then coop-c
    // withdraws: €2M left, and coop-b is promoted.
    assert_eq!(ranking.withdraw("coop-d").unwrap(), Vec::<&str>::new());
    assert_eq!(ranking.withdraw("coop-c").unwrap(), ["coop-b"]);
    assert_eq!(ranking.awarded().get(), 300_000_000);
    assert!(ranking.withdraw("coop-c").is_err());
    owned[3].apply(Action::Withdraw).unwrap();
    owned[2].apply(Action::Withdraw).unwrap();
    assert!(
        owned[2].apply(Action::Withdraw).is_err(),
        "withdrawn is final"
    );
    owned[1].apply(Action::Fund { at: at(25, 9) }).unwrap();
    assert!(
        owned[5].apply(Action::Fund { at: at(25, 9) }).is_err(),
        "not funded stays so"
    );
    assert_eq!(owned[2].awarded().get(), 0);
    assert_eq!(owned[1].awarded().get(), 150_000_000);

    // Mentoring for the funded ones.
    let enterprises = [
        Enterprise {
            id: EnterpriseId::parse("node-digitale").unwrap(),
            name: "Node Digitale".into(),
            sectors: [tag("agrifood")].into(),
            regions: [tag("puglia")].into(),
            years_digital: 12,
            capacity: 1,
        },
        Enterprise {
            id: EnterpriseId::parse("pico-lab").unwrap(),
            name: "PICO Lab".into(),
            sectors: [tag("welfare")].into(),
            regions: [tag("umbria")].into(),
            years_digital: 4,
            capacity: 2,
        },
    ];
    let funded: Vec<&Application> = owned
        .iter()
        .filter(|a| a.stage() == Stage::Funded)
        .collect();
    let mentees: Vec<Mentee<'_>> = funded
        .iter()
        .map(|a| Mentee {
            id: a.id().as_str(),
            sector: a.applicant().sector.as_ref(),
            region: a.applicant().region.as_ref(),
            rank: a.rank().unwrap(),
        })
        .collect();
    let plan = match_mentors(&mentees, &enterprises).unwrap();
    let lines: Vec<String> = plan.iter().map(|p| p.it()).collect();
    insta::assert_yaml_snapshot!("pipeline_mentoring", lines);

    // Monitoring: every 6 months over 24 from the award, Europe/Rome dates.
    let projects: Vec<Monitored<'_>> = funded
        .iter()
        .map(|a| Monitored {
            id: a.id().as_str(),
            awarded_at: a.awarded_at().unwrap(),
            received: BTreeSet::new(),
        })
        .collect();
    let today = NaiveDate::from_ymd_opt(2023, 5, 1).unwrap();
    let late: Vec<String> = overdue(&projects, call.reporting(), today)
        .unwrap()
        .iter()
        .map(|o| o.it())
        .collect();
    insta::assert_yaml_snapshot!("pipeline_overdue", late);
    insta::assert_snapshot!("pipeline_ranking", ranking.text_it());
}
