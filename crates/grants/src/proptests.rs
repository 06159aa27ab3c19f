//! Properties of grant calls, for all inputs: the budget is never exceeded, the reserve list is
//! exactly the requests that did not fit, the ranking is a total order that does not depend on
//! the input's order, withdrawals keep all of that, and illegal transitions are always refused.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::evaluation::Miss;
use super::file::rank_call;
use super::lifecycle::{Action, Application, Event, Stage, next};
use super::ranking::{Candidate, Ranking, Status, rank};
use super::score::{Fraction, Points};
use skillhub_allocation::lottery::LotterySeed;
use skillhub_core::program::Cents;

/// A candidate as generated: request, total numerator and denominator, preferences, minute of
/// submission, below threshold.
type Spec = (u64, u64, u64, u32, u32, bool);

/// Candidates with few distinct totals, preferences and times, so that every tie-break is
/// reached; some below threshold.
fn candidates() -> impl Strategy<Value = (Vec<Spec>, u64, u64)> {
    (
        proptest::collection::vec(
            (
                1u64..400,
                0u64..=6,
                1u64..=3,
                0u32..3,
                0u32..3,
                proptest::bool::weighted(0.15),
            ),
            0..40,
        ),
        0u64..3000,
        any::<u64>(),
    )
}

fn at(k: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2022, 4, 1, 9, k, 0).unwrap()
}

fn build<'a>(specs: &[Spec], ids: &'a [String]) -> Vec<Candidate<'a>> {
    specs
        .iter()
        .zip(ids)
        .map(|(&(cents, num, den, prefs, minute, below), id)| {
            let total = Fraction::new(u128::from(num), u128::from(den)).unwrap();
            let misses = if below {
                vec![Miss::Total {
                    total,
                    min: Points::whole(5).unwrap(),
                }]
            } else {
                vec![]
            };
            Candidate {
                id,
                requested: Cents::new(cents),
                total,
                misses,
                preferences: prefs,
                submitted_at: at(minute),
            }
        })
        .collect()
}

/// The key the ranking sorts ranked entries by, larger first.
fn key(
    e: &super::ranking::Placed<'_>,
) -> (
    Fraction,
    u32,
    std::cmp::Reverse<DateTime<Utc>>,
    std::cmp::Reverse<Option<u32>>,
) {
    (
        e.total,
        e.preferences,
        std::cmp::Reverse(e.submitted_at),
        std::cmp::Reverse(e.lottery_place),
    )
}

/// The invariants every ranking keeps, after any withdrawals.
fn check_invariants(ranking: &Ranking<'_>) -> Result<(), TestCaseError> {
    let entries = ranking.entries();
    let awarded: u64 = entries.iter().map(|e| e.awarded.get()).sum();
    prop_assert!(awarded <= ranking.budget().get());
    prop_assert_eq!(awarded, ranking.awarded().get());
    prop_assert_eq!(awarded + ranking.remaining().get(), ranking.budget().get());
    for e in entries {
        match e.status {
            Status::Funded => prop_assert_eq!(e.awarded, e.requested),
            _ => prop_assert_eq!(e.awarded.get(), 0),
        }
        // No reserve application fits what is left: otherwise it would have been funded.
        if e.status == Status::Reserve {
            prop_assert!(e.requested > ranking.remaining());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Awards never exceed the budget; each reserve application's request exceeded what was left
    /// at its turn (recomputed by an independent walk); ranks are 1..k in order, below-threshold
    /// applications last without rank; the order is strict on (total, preferences, time,
    /// lottery place), so the ranking is a total order; and it does not depend on the order of
    /// the input.
    #[test]
    fn ranking_properties((specs, budget, seed) in candidates()) {
        let ids: Vec<String> = (0..specs.len()).map(|i| format!("coop-{i}")).collect();
        let list = build(&specs, &ids);
        let seed = LotterySeed::from_u64(seed);
        let ranking = rank(&list, Cents::new(budget), Some(seed)).unwrap();
        check_invariants(&ranking)?;
        let entries = ranking.entries();
        prop_assert_eq!(entries.len(), list.len());

        let mut left = budget;
        let mut expected_rank = 1;
        let mut seen_below = false;
        for e in entries {
            if e.status == Status::BelowThreshold {
                seen_below = true;
                prop_assert_eq!(e.rank, None);
                continue;
            }
            prop_assert!(!seen_below, "a ranked entry after a below-threshold one");
            prop_assert_eq!(e.rank, Some(expected_rank));
            expected_rank += 1;
            prop_assert_eq!(e.left_at_turn.get(), left);
            if e.status == Status::Reserve {
                prop_assert!(e.requested.get() > left);
            } else {
                prop_assert!(e.requested.get() <= left);
                left -= e.requested.get();
            }
        }
        for pair in entries.windows(2) {
            if pair[0].status == Status::BelowThreshold || pair[1].status != Status::BelowThreshold {
                prop_assert!(key(&pair[0]) > key(&pair[1]), "{} !> {}", pair[0].id, pair[1].id);
            }
        }
        let places: BTreeSet<Option<u32>> = entries.iter().map(|e| e.lottery_place).collect();
        prop_assert_eq!(places.len(), entries.len(), "lottery places are distinct");

        let mut reversed = list.clone();
        reversed.reverse();
        let again = rank(&reversed, Cents::new(budget), Some(seed)).unwrap();
        let ids_of = |r: &Ranking<'_>| r.entries().iter().map(|e| (e.id.to_owned(), e.status)).collect::<Vec<_>>();
        prop_assert_eq!(ids_of(&ranking), ids_of(&again));
    }

    /// Withdrawals in any order keep every invariant, never take money from a funded
    /// application, and leave no reserve request that fits.
    #[test]
    fn withdrawals_keep_the_invariants((specs, budget, seed) in candidates(), picks in proptest::collection::vec(any::<prop::sample::Index>(), 0..10)) {
        let ids: Vec<String> = (0..specs.len()).map(|i| format!("coop-{i}")).collect();
        let list = build(&specs, &ids);
        let mut ranking = rank(&list, Cents::new(budget), Some(LotterySeed::from_u64(seed))).unwrap();
        if list.is_empty() {
            return Ok(());
        }
        for pick in picks {
            let id = list[pick.index(list.len())].id;
            let funded_before: BTreeSet<&str> = ranking.entries().iter()
                .filter(|e| e.status == Status::Funded).map(|e| e.id).collect();
            let was_withdrawn = ranking.entry(id).unwrap().status == Status::Withdrawn;
            let result = ranking.withdraw(id);
            prop_assert_eq!(result.is_err(), was_withdrawn);
            check_invariants(&ranking)?;
            for e in ranking.entries() {
                if funded_before.contains(e.id) && e.id != id {
                    prop_assert_eq!(e.status, Status::Funded);
                }
            }
        }
    }

    /// The file contract keeps the same properties: awarded ≤ budget, awarded + remaining =
    /// budget, reserve requests exceeded the money left at their turn, ranks 1..k then nulls,
    /// and shuffling the applications in the file changes nothing.
    #[test]
    fn file_contract_properties((specs, budget, seed) in candidates(), rotate in 0usize..40) {
        let applications: Vec<Value> = specs.iter().enumerate().map(|(i, &(cents, num, _, prefs, minute, _))| {
            let priority: Vec<String> = (0..prefs).map(|p| format!("p{p}")).collect();
            json!({"id": format!("coop-{i}"), "requested_cents": cents,
                   "submitted_at": format!("2022-04-01T09:{minute:02}:00+02:00"), "priority": priority,
                   "conflicts": ["ev9"],
                   "scores": {"ev1": {"impact": num.min(5), "quality": 5 - num.min(5)}, "ev2": {"impact": (num + 1).min(5), "quality": 3}, "ev9": {"impact": 0, "quality": 0}}})
        }).collect();
        let call = |apps: &[Value]| json!({"budget_cents": budget,
            "criteria": [{"id": "impact", "weight": 2, "min_score": 1}, {"id": "quality", "weight": 1.5}],
            "min_total": 2.5, "applications": apps, "lottery_seed": seed}).to_string();
        let outcome: Value = serde_json::to_value(rank_call(&call(&applications)).unwrap()).unwrap();
        let awarded = outcome["awarded_cents"].as_u64().unwrap();
        prop_assert!(awarded <= budget);
        prop_assert_eq!(awarded + outcome["remaining_cents"].as_u64().unwrap(), budget);
        let mut left = budget;
        let mut expected_rank = 1u64;
        for row in outcome["ranking"].as_array().unwrap() {
            let i: usize = row["id"].as_str().unwrap()[5..].parse().unwrap();
            let requested = specs[i].0;
            match row["status"].as_str().unwrap() {
                "funded" => { prop_assert!(requested <= left); left -= requested; }
                "reserve" => prop_assert!(requested > left),
                "below_threshold" => { prop_assert!(row["rank"].is_null()); continue; }
                other => prop_assert!(false, "status {}", other),
            }
            prop_assert_eq!(row["rank"].as_u64(), Some(expected_rank));
            expected_rank += 1;
        }
        let mut rotated = applications.clone();
        if !rotated.is_empty() {
            let k = rotate % rotated.len();
            rotated.rotate_left(k);
        }
        let again: Value = serde_json::to_value(rank_call(&call(&rotated)).unwrap()).unwrap();
        prop_assert_eq!(outcome, again);
    }
}

/// The transition table written out independently of [`next`], as the issue states it.
fn allowed(stage: Stage, event: Event) -> Option<Stage> {
    use Event as E;
    use Stage as S;
    const TABLE: [(Stage, Event, Stage); 15] = [
        (S::Draft, E::Submit, S::Submitted),
        (S::Submitted, E::Admit, S::Eligible),
        (S::Submitted, E::Refuse, S::Ineligible),
        (S::Eligible, E::StartEvaluation, S::UnderEvaluation),
        (S::UnderEvaluation, E::CompleteEvaluation, S::Evaluated),
        (S::Evaluated, E::Rank, S::Ranked),
        (S::Ranked, E::Fund, S::Funded),
        (S::Ranked, E::PutInReserve, S::Reserve),
        (S::Ranked, E::Decline, S::NotFunded),
        (S::Reserve, E::Fund, S::Funded),
        (S::Reserve, E::Decline, S::NotFunded),
        (S::Funded, E::OpenReporting, S::ReportsDue),
        (S::ReportsDue, E::ReceiveFinalReport, S::FinalReportReceived),
        (S::FinalReportReceived, E::Close, S::Closed),
        (S::Ineligible, E::Close, S::Closed),
    ];
    if event == E::Withdraw {
        return (!matches!(stage, S::Closed | S::Withdrawn)).then_some(S::Withdrawn);
    }
    if (stage, event) == (S::NotFunded, E::Close) {
        return Some(S::Closed);
    }
    TABLE
        .iter()
        .find(|(s, e, _)| (*s, *e) == (stage, event))
        .map(|(_, _, to)| *to)
}

fn action(event: Event, pass: bool) -> Action {
    match event {
        Event::Submit => Action::Submit { at: at(0) },
        Event::Admit => Action::Admit,
        Event::Refuse => Action::Refuse(vec![super::call::Shortfall::MissingRegion]),
        Event::StartEvaluation => Action::StartEvaluation,
        Event::CompleteEvaluation => Action::CompleteEvaluation(super::evaluation::Assessment {
            total: Fraction::whole(if pass { 4 } else { 1 }),
            criteria: vec![],
            misses: if pass {
                vec![]
            } else {
                vec![Miss::Total {
                    total: Fraction::whole(1),
                    min: Points::whole(3).unwrap(),
                }]
            },
        }),
        Event::Rank => Action::Rank(pass.then_some(1)),
        Event::Fund => Action::Fund { at: at(1) },
        Event::PutInReserve => Action::PutInReserve,
        Event::Decline => Action::Decline,
        Event::OpenReporting => Action::OpenReporting,
        Event::ReceiveFinalReport => Action::ReceiveFinalReport,
        Event::Close => Action::Close,
        Event::Withdraw => Action::Withdraw,
    }
}

fn draft() -> Application {
    Application::new(
        super::call::ApplicationId::parse("coop-1").unwrap(),
        super::call::Applicant {
            name: "Coop".into(),
            partita_iva: "01234567897".into(),
            organisation_type: None,
            albo_number: None,
            region: None,
            sector: None,
            email: None,
        },
        Cents::new(1),
        BTreeSet::new(),
        BTreeSet::new(),
    )
    .unwrap()
}

#[test]
fn the_table_is_the_spec() {
    for stage in Stage::ALL {
        for event in Event::ALL {
            assert_eq!(
                next(stage, event),
                allowed(stage, event),
                "{stage:?} + {event:?}"
            );
        }
    }
}

/// One move of a generated walk: mostly (7 in 8) an event the table allows from the stage the
/// application is in (the `k`-th of them, withdrawal aside: it is allowed almost everywhere and
/// would end most walks early), otherwise any event, allowed or not, withdrawal included.
/// Uniform events reach the stages after ranking in about 3 walks in 1,000; these reach every
/// stage in many.
#[derive(Debug, Clone, Copy)]
enum Move {
    /// The `k`-th (modulo their number) event other than withdrawal that the table allows from
    /// the current stage.
    Allowed(usize),
    /// `Event::ALL[k]`, whatever the stage.
    Any(usize),
}

impl Move {
    fn event(self, stage: Stage) -> Event {
        match self {
            Move::Any(k) => Event::ALL[k % Event::ALL.len()],
            Move::Allowed(k) => {
                let allowed: Vec<Event> = Event::ALL
                    .into_iter()
                    .filter(|e| *e != Event::Withdraw && allowed(stage, *e).is_some())
                    .collect();
                // A final stage allows nothing: any event then (it must be refused).
                allowed
                    .get(k % allowed.len().max(1))
                    .copied()
                    .unwrap_or(Event::ALL[k % Event::ALL.len()])
            }
        }
    }
}

fn walks() -> impl Strategy<Value = Vec<Move>> {
    let step = prop_oneof![
        7 => (0usize..13).prop_map(Move::Allowed),
        1 => (0usize..13).prop_map(Move::Any),
    ];
    proptest::collection::vec(step, 0..40)
}

/// The stages a walk passes through (the draft included).
fn stages_of(moves: &[Move], pass: bool) -> BTreeSet<Stage> {
    let mut application = draft();
    let mut seen = BTreeSet::from([application.stage()]);
    for m in moves {
        let event = m.event(application.stage());
        if application.apply(action(event, pass)).is_ok() {
            seen.insert(application.stage());
        }
    }
    seen
}

/// The generator reaches every stage: over 1,000 walks from a fixed seed, each stage is entered
/// in at least 2 % of them (with uniform events the stages after ranking were entered in 0.3 %).
#[test]
fn the_walks_reach_every_stage() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let walks = walks();
    let mut entered: BTreeMap<Stage, u32> = BTreeMap::new();
    for n in 0..1000u32 {
        let moves = walks.new_tree(&mut runner).unwrap().current();
        for stage in stages_of(&moves, n % 4 != 0) {
            *entered.entry(stage).or_default() += 1;
        }
    }
    for stage in Stage::ALL {
        let count = entered.get(&stage).copied().unwrap_or(0);
        assert!(
            count >= 20,
            "{stage:?} entered in {count} walks of 1000: {entered:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Any sequence of moves: a move outside the table is refused and changes nothing; a move in
    /// the table goes where the table says (unless its data is refused: a below-threshold
    /// application is never ranked, funded or put in reserve); nothing moves after closed or
    /// withdrawn.
    #[test]
    fn illegal_transitions_are_refused(moves in walks(), pass in any::<bool>()) {
        let mut application = draft();
        for m in moves {
            let event = m.event(application.stage());
            let before = application.clone();
            let result = application.apply(action(event, pass));
            match allowed(before.stage(), event) {
                None => {
                    prop_assert!(result.is_err());
                    prop_assert_eq!(&application, &before);
                }
                Some(to) => match result {
                    Ok(stage) => {
                        prop_assert_eq!(stage, to);
                        prop_assert_eq!(application.history().len(), before.history().len() + 1);
                    }
                    Err(_) => {
                        prop_assert!(!pass, "{:?} + {:?} refused although passing", before.stage(), event);
                        prop_assert!(matches!(event, Event::Rank | Event::Fund | Event::PutInReserve));
                        prop_assert_eq!(&application, &before);
                    }
                },
            }
            if before.stage().is_final() {
                prop_assert_eq!(&application, &before);
            }
        }
        prop_assert!(application.awarded().get() <= 1);
    }
}
