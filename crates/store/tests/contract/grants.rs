//! Grant calls over the store: rows ↔ core types, one transaction per decision, the audit log,
//! refusals as typed errors, and concurrency of withdrawals and rankings. The ranking rules
//! themselves are core's (and its proptests'); here they are only compared with the file form.
//!
//! This file holds the helpers the grant suites share and the calls' cases (a call file over the
//! store, ranking, ties, withdrawals, concurrency); `grants_applications.rs` and
//! `grants_reports.rs` hold the applications' and the monitoring's.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use skillhub_allocation::lottery::{self, LotterySeed};
use skillhub_core::ids::Tag;
use skillhub_core::person::OrganisationType;
use skillhub_grants::call::Applicant;
use skillhub_grants::evaluation::Mark;
use skillhub_grants::file::rank_call;
use skillhub_grants::lifecycle::Stage;
use skillhub_grants::score::Points;
use skillhub_store::{
    Error, EvaluatorView, GrantApplicationView, GrantError, GrantRanking, GrantWithdrawal,
    GrantWrite, NewEvaluator, NewGrantApplication, NewGrantReport, RankingSeed, Replay, Store,
};

use super::{PgDatabase, parallel, sqlite};

contract!(
    a_call_file_ranks_the_same_over_the_store,
    withdrawing_a_funded_application_promotes_from_the_reserve,
    parallel_withdrawals_never_overspend,
    parallel_rankings_award_once,
    parallel_creations_store_one_call,
    a_full_tie_takes_its_seed_at_ranking,
    awards_count_once_for_the_program_they_name,
);

const EXAMPLE: &str =
    include_str!("../../../../fixtures/grants/cooperazione-digitale-esempio.json");

pub(super) fn when(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Withdraws without an idempotency key.
pub(super) async fn withdraw(
    store: &Store,
    id: i64,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<GrantWithdrawal, Error> {
    store
        .withdraw_grant_application(id, actor, None, at, |_| no_replay(&(), &()))
        .await
        .map(done)
}

/// Records report `number` as the admin, without an idempotency key.
pub(super) async fn report(
    store: &Store,
    id: i64,
    number: u32,
    received_on: NaiveDate,
    at: DateTime<Utc>,
) -> Result<GrantApplicationView, Error> {
    let report = NewGrantReport {
        number,
        received_on,
    };
    store
        .record_grant_report(id, report, "admin", None, at, |_| no_replay(&(), &()))
        .await
        .map(done)
}

/// What a write without an idempotency key did.
pub(super) fn done<T>(write: GrantWrite<T>) -> T {
    match write {
        GrantWrite::Done(done) => done,
        GrantWrite::Replayed(_) => panic!("no idempotency key was given"),
    }
}

pub(super) fn no_replay<T: ?Sized, U: ?Sized>(_: &T, _: &U) -> Replay {
    Replay {
        status: 0,
        body: String::new(),
    }
}

/// A call file with one criterion (`impact`, at least 2) scored by `ev1`, seed 7; applications
/// handed in an hour apart in list order.
pub(super) fn call_file(id: &str, budget: u64, apps: &[(&str, u64, f64)]) -> String {
    let applications: Vec<Value> = apps
        .iter()
        .enumerate()
        .map(|(i, (code, cents, score))| {
            json!({"id": code, "requested_cents": cents,
                   "submitted_at": format!("2022-04-01T{:02}:00:00+02:00", 8 + i),
                   "scores": {"ev1": {"impact": score}}})
        })
        .collect();
    json!({"id": id, "budget_cents": budget, "lottery_seed": 7,
           "criteria": [{"id": "impact", "weight": 1, "min_score": 2}],
           "applications": applications})
    .to_string()
}

pub(super) async fn load(store: &Store, text: &str) -> String {
    match store
        .create_grant_call(text, None, "cli", None, when(2022, 5, 1, 9), |_| {
            no_replay(&(), &())
        })
        .await
        .unwrap()
    {
        GrantWrite::Done(view) => view.id,
        GrantWrite::Replayed(_) => panic!("no idempotency key was given"),
    }
}

/// The id of each application by code.
pub(super) fn ids(ranking: &GrantRanking) -> BTreeMap<String, i64> {
    ranking
        .ranking
        .iter()
        .zip(&ranking.application_ids)
        .map(|(row, id)| (row.id.clone(), *id))
        .collect()
}

pub(super) async fn stage(store: &Store, id: i64) -> Stage {
    store.grant_application(id).await.unwrap().unwrap().stage
}

pub(super) fn grant_error(err: Error) -> GrantError {
    match err {
        Error::Grants(err) => err,
        other => panic!("expected a grant refusal, got {other:?}"),
    }
}

async fn a_call_file_ranks_the_same_over_the_store(store: Store, _url: String) {
    let expected = serde_json::to_value(rank_call(EXAMPLE).unwrap()).unwrap();
    let err = store
        .create_grant_call(EXAMPLE, None, "cli", None, when(2022, 5, 1, 9), |_| {
            no_replay(&(), &())
        })
        .await
        .unwrap_err();
    assert_eq!(
        grant_error(err),
        GrantError::Invalid {
            pointer: "/id".into(),
            message: "a stored call needs an id".into()
        }
    );
    let GrantWrite::Done(call) = store
        .create_grant_call(
            EXAMPLE,
            Some("cd-esempio"),
            "cli",
            None,
            when(2022, 5, 1, 9),
            |_| no_replay(&(), &()),
        )
        .await
        .unwrap()
    else {
        panic!("created")
    };
    assert_eq!(call.budget_cents, 6_000_000);
    assert!(call.ranked_at.is_none());
    let preview = store.grant_ranking("cd-esempio").await.unwrap();
    assert!(!preview.awarded);
    assert_eq!(serde_json::to_value(&preview).unwrap(), expected);
    assert_eq!(preview.text_it, rank_call(EXAMPLE).unwrap().text_it());

    let awarded = store
        .rank_grant_call("cd-esempio", None, "admin", when(2022, 6, 1, 9))
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(&awarded).unwrap(), expected);
    // Each row's stored stage and award say what the ranking says.
    for (row, id) in awarded.ranking.iter().zip(&awarded.application_ids) {
        let view = store.grant_application(*id).await.unwrap().unwrap();
        assert_eq!(view.code, row.id);
        assert_eq!(view.rank, row.rank);
        assert_eq!(view.awarded_cents, row.awarded_cents);
        let want = match row.status.as_str() {
            "funded" => Stage::Funded,
            "reserve" => Stage::Reserve,
            _ => Stage::NotFunded,
        };
        assert_eq!(view.stage, want, "{}", row.id);
        let log = store
            .audit_log("grant_application", &id.to_string())
            .await
            .unwrap();
        let actions: Vec<&str> = log.iter().map(|l| l.action.as_str()).collect();
        assert_eq!(actions[0], "grant_application.import");
        assert!(actions[1].starts_with("grant_application."), "{actions:?}");
    }
    // Ranking again changes nothing and is not logged twice.
    let again = store
        .rank_grant_call("cd-esempio", None, "admin", when(2022, 7, 1, 9))
        .await
        .unwrap();
    assert_eq!(again, awarded);
    let log = store.audit_log("grant_call", "cd-esempio").await.unwrap();
    let actions: Vec<&str> = log.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(actions, ["grant_call.create", "grant_call.rank"]);
    let call = store.grant_call("cd-esempio").await.unwrap().unwrap();
    assert_eq!(call.ranked_at, Some(when(2022, 6, 1, 9)));

    let err = store
        .create_grant_call(
            EXAMPLE,
            Some("cd-esempio"),
            "cli",
            None,
            when(2022, 5, 1, 9),
            |_| no_replay(&(), &()),
        )
        .await
        .unwrap_err();
    assert_eq!(
        grant_error(err),
        GrantError::DuplicateCall("cd-esempio".into())
    );
    let bad = EXAMPLE.replace("\"weight\": 3", "\"weight\": 0");
    let err = store
        .create_grant_call(&bad, Some("bad"), "cli", None, when(2022, 5, 1, 9), |_| {
            no_replay(&(), &())
        })
        .await
        .unwrap_err();
    let GrantError::CallFile(file_err) = grant_error(err) else {
        panic!("a call file error")
    };
    assert_eq!(file_err.pointer(), Some("/criteria/0/weight"));
    assert!(store.grant_call("bad").await.unwrap().is_none());
}

pub(super) fn coop(name: &str, partita_iva: &str) -> Applicant {
    Applicant {
        name: name.into(),
        partita_iva: partita_iva.into(),
        organisation_type: Some(OrganisationType::SocialCooperative),
        albo_number: Some("A123456".into()),
        region: Some(Tag::parse("umbria").unwrap()),
        sector: None,
        email: None,
    }
}

pub(super) fn application(
    applicant: Applicant,
    cents: u64,
    priorities: &[&str],
) -> NewGrantApplication {
    NewGrantApplication {
        applicant,
        requested_cents: cents,
        priorities: priorities.iter().map(|p| Tag::parse(p).unwrap()).collect(),
        project_kinds: BTreeSet::new(),
    }
}

pub(super) const OPEN_CALL: &str = r#"{"id": "bando-prova", "name": "Bando di prova", "budget_cents": 1000000,
  "criteria": [{"id": "impact", "label_it": "impatto", "weight": 2, "min_score": 2},
               {"id": "quality", "weight": 1}],
  "min_total": 3, "lottery_seed": 42,
  "priority_criteria": [{"id": "social_coop", "it": "cooperativa sociale", "en": "social cooperative"}]}"#;

pub(super) async fn submit(store: &Store, call: &str, app: &NewGrantApplication) -> (i64, String) {
    match store
        .submit_grant_application(call, app, None, when(2022, 4, 1, 9), no_replay)
        .await
        .unwrap()
    {
        GrantWrite::Done((view, token)) => (view.id, token),
        GrantWrite::Replayed(_) => panic!("no idempotency key was given"),
    }
}

pub(super) async fn evaluator(
    store: &Store,
    call: &str,
    applications: &[i64],
    conflicts: &[i64],
) -> EvaluatorView {
    let request = NewEvaluator {
        label: "Valutatrice".into(),
        applications: applications.to_vec(),
        conflicts: conflicts.to_vec(),
        email: None,
    };
    match store
        .create_grant_evaluator(
            call,
            &request,
            "admin",
            None,
            when(2022, 4, 2, 9),
            no_replay,
        )
        .await
        .unwrap()
    {
        GrantWrite::Done((view, token)) => {
            let found = store.grant_evaluator(&token).await.unwrap().unwrap();
            assert_eq!(found, view);
            view
        }
        GrantWrite::Replayed(_) => panic!("no idempotency key was given"),
    }
}

pub(super) fn sheet(impact: u8, quality: u8, comment: &str) -> BTreeMap<Tag, Mark> {
    [("impact", impact), ("quality", quality)]
        .into_iter()
        .map(|(id, points)| {
            (
                Tag::parse(id).unwrap(),
                Mark {
                    points: Points::whole(points).unwrap(),
                    comment: comment.into(),
                },
            )
        })
        .collect()
}

async fn withdrawing_a_funded_application_promotes_from_the_reserve(store: Store, _url: String) {
    let text = call_file(
        "riserva",
        1000,
        &[
            ("a", 600, 5.0),
            ("b", 500, 4.0),
            ("c", 400, 3.0),
            ("d", 300, 1.0),
        ],
    );
    load(&store, &text).await;
    let ranking = store
        .rank_grant_call("riserva", None, "admin", when(2022, 6, 1, 9))
        .await
        .unwrap();
    let status: Vec<&str> = ranking.ranking.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(status, ["funded", "reserve", "funded", "below_threshold"]);
    let id = ids(&ranking);
    let done = withdraw(&store, id["a"], "public", when(2022, 6, 2, 9))
        .await
        .unwrap();
    assert_eq!(done.application.stage, Stage::Withdrawn);
    assert_eq!(done.application.awarded_cents, 0);
    let promoted: Vec<(&str, Stage, u64)> = done
        .promoted
        .iter()
        .map(|p| (p.code.as_str(), p.stage, p.awarded_cents))
        .collect();
    assert_eq!(promoted, [("b", Stage::Funded, 500)]);
    let after = store.grant_ranking("riserva").await.unwrap();
    let status: Vec<(&str, &str, u64)> = after
        .ranking
        .iter()
        .map(|r| (r.id.as_str(), r.status.as_str(), r.awarded_cents))
        .collect();
    assert_eq!(
        status,
        [
            ("a", "withdrawn", 0),
            ("b", "funded", 500),
            ("c", "funded", 400),
            ("d", "below_threshold", 0)
        ]
    );
    assert_eq!((after.awarded_cents, after.remaining_cents), (900, 100));
    let log = store
        .audit_log("grant_application", &id["b"].to_string())
        .await
        .unwrap();
    assert_eq!(log.last().unwrap().action, "grant_application.promote");
    // c's withdrawal frees 400: nobody is left in reserve.
    let done = withdraw(&store, id["c"], "admin", when(2022, 6, 3, 9))
        .await
        .unwrap();
    assert!(done.promoted.is_empty());
    let after = store.grant_ranking("riserva").await.unwrap();
    assert_eq!((after.awarded_cents, after.remaining_cents), (500, 500));
    let err = withdraw(&store, id["a"], "admin", when(2022, 6, 3, 9))
        .await
        .unwrap_err();
    assert!(matches!(grant_error(err), GrantError::Transition { .. }));
    let err = withdraw(&store, 424_242, "admin", when(2022, 6, 3, 9))
        .await
        .unwrap_err();
    assert_eq!(
        grant_error(err),
        GrantError::UnknownApplication("424242".into())
    );
}

/// Ten applications of 100 with falling scores and a budget of 300: three funded, seven in
/// reserve.
fn ten_of_a_hundred(id: &str) -> String {
    let codes: Vec<String> = (0..10).map(|i| format!("coop-{i}")).collect();
    let apps: Vec<(&str, u64, f64)> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), 100, 5.0 - 0.25 * i as f64))
        .collect();
    call_file(id, 300, &apps)
}

async fn parallel_withdrawals_never_overspend(store: Store, _url: String) {
    load(&store, &ten_of_a_hundred("parallelo")).await;
    let ranking = store
        .rank_grant_call("parallelo", None, "admin", when(2022, 6, 1, 9))
        .await
        .unwrap();
    let id = ids(&ranking);
    // The three funded and the first in reserve withdraw at once.
    let leaving: Vec<i64> = (0..4).map(|i| id[&format!("coop-{i}")]).collect();
    let results = parallel(4, |i| {
        let store = store.clone();
        let app = leaving[i];
        async move { withdraw(&store, app, "public", when(2022, 6, 2, 9)).await }
    })
    .await;
    for result in &results {
        assert!(result.is_ok(), "{result:?}");
    }
    let after = store.grant_ranking("parallelo").await.unwrap();
    assert_eq!((after.awarded_cents, after.remaining_cents), (300, 0));
    let funded: Vec<&str> = after
        .ranking
        .iter()
        .filter(|r| r.status.as_str() == "funded")
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(funded, ["coop-4", "coop-5", "coop-6"]);
    // Stored stages and awards agree with the replayed ranking.
    let mut awarded = 0;
    for (row, app) in after.ranking.iter().zip(&after.application_ids) {
        let view = store.grant_application(*app).await.unwrap().unwrap();
        let want = match row.status.as_str() {
            "funded" => Stage::Funded,
            "reserve" => Stage::Reserve,
            _ => Stage::Withdrawn,
        };
        assert_eq!(view.stage, want, "{}", row.id);
        awarded += view.awarded_cents;
    }
    assert_eq!(awarded, 300);
}

async fn parallel_rankings_award_once(store: Store, _url: String) {
    load(&store, &ten_of_a_hundred("una-volta")).await;
    let results = parallel(6, |i| {
        let store = store.clone();
        async move {
            store
                .rank_grant_call("una-volta", None, "admin", when(2022, 6, 1, 9 + i as u32))
                .await
                .unwrap()
        }
    })
    .await;
    assert!(results.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(results[0].awarded_cents, 300);
    let log = store.audit_log("grant_call", "una-volta").await.unwrap();
    let ranks = log.iter().filter(|l| l.action == "grant_call.rank").count();
    assert_eq!(ranks, 1);
}

async fn parallel_creations_store_one_call(store: Store, _url: String) {
    let text = ten_of_a_hundred("doppio");
    let results = parallel(5, |_| {
        let (store, text) = (store.clone(), text.clone());
        async move {
            store
                .create_grant_call(&text, None, "cli", None, when(2022, 5, 1, 9), |_| {
                    no_replay(&(), &())
                })
                .await
        }
    })
    .await;
    let created = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(created, 1);
    for result in results {
        if let Err(err) = result {
            assert_eq!(grant_error(err), GrantError::DuplicateCall("doppio".into()));
        }
    }
    let call = store.grant_call("doppio").await.unwrap().unwrap();
    assert_eq!(call.applications, 10);
}

/// A call without a seed where two cooperatives, handed in at the same instant with the same
/// scores, tie on everything; returns their ids. (A call file that ties is refused when it is
/// created, as `skillhub grants rank` refuses it, so the tie comes from submissions.)
async fn tied_call(store: &Store, id: &str) -> (i64, i64) {
    let open = OPEN_CALL
        .replace("bando-prova", id)
        .replace(", \"lottery_seed\": 42", "");
    load(store, &open).await;
    let mut apps = Vec::new();
    for (name, partita_iva) in [("Uno", "01234567897"), ("Due", "09876543217")] {
        let request = application(coop(name, partita_iva), 600_000, &["social_coop"]);
        apps.push(submit(store, id, &request).await.0);
    }
    let ev = evaluator(store, id, &apps, &[]).await;
    for app in &apps {
        store
            .score_grant_application(&ev, *app, sheet(4, 4, "pari"), when(2022, 4, 5, 9))
            .await
            .unwrap();
    }
    (apps[0], apps[1])
}

/// The file form of [`tied_call`] with a seed, to rank it as `skillhub grants rank` does.
fn tied_file(seed: u64) -> String {
    let app = |code: &str| {
        json!({"id": code, "requested_cents": 600_000, "submitted_at": "2022-04-01T09:00:00Z",
               "priority": ["social_coop"],
               "scores": {"ev1": {"impact": 4, "quality": 4}}})
    };
    json!({"budget_cents": 1_000_000,
           "criteria": [{"id": "impact", "weight": 2, "min_score": 2},
                        {"id": "quality", "weight": 1}],
           "min_total": 3, "lottery_seed": seed,
           "applications": [app("domanda-1"), app("domanda-2")]})
    .to_string()
}

async fn a_full_tie_takes_its_seed_at_ranking(store: Store, _url: String) {
    tied_call(&store, "pari").await;
    let at = when(2022, 6, 1, 9);
    let err = store
        .rank_grant_call("pari", None, "admin", at)
        .await
        .unwrap_err();
    let GrantError::SeedNeeded(message) = grant_error(err) else {
        panic!("a seed is needed")
    };
    assert!(message.contains("\"lottery_seed\""), "{message}");
    assert!(message.contains("\"public_value\""), "{message}");
    let call = store.grant_call("pari").await.unwrap().unwrap();
    assert!(call.ranked_at.is_none() && call.lottery_seed.is_none());

    // With a seed: the ranking the file gives with that seed, recorded and audited.
    let seven = RankingSeed::Seed(LotterySeed::from_u64(7));
    let ranking = store
        .rank_grant_call("pari", Some(&seven), "admin", at)
        .await
        .unwrap();
    let expected = rank_call(&tied_file(7)).unwrap();
    assert_eq!(
        serde_json::to_value(&ranking).unwrap(),
        serde_json::to_value(&expected).unwrap()
    );
    let call = store.grant_call("pari").await.unwrap().unwrap();
    let recorded = LotterySeed::from_u64(7).to_string();
    assert_eq!(call.lottery_seed.as_deref(), Some(recorded.as_str()));
    let log = store.audit_log("grant_call", "pari").await.unwrap();
    let rank_line = log.iter().find(|l| l.action == "grant_call.rank").unwrap();
    let after: Value = serde_json::from_str(rank_line.after.as_deref().unwrap()).unwrap();
    assert_eq!(after["seed"], json!(recorded));
    assert_eq!(after["seed_given"], json!(true));
    // Read again, or asked again with the same seed: the same ranking; another seed is refused.
    assert_eq!(store.grant_ranking("pari").await.unwrap(), ranking);
    let again = store
        .rank_grant_call("pari", Some(&seven), "admin", at)
        .await
        .unwrap();
    assert_eq!(again, ranking);
    for other in [
        RankingSeed::Seed(LotterySeed::from_u64(8)),
        RankingSeed::PublicValue("Lotto".into()),
    ] {
        let err = store
            .rank_grant_call("pari", Some(&other), "admin", at)
            .await
            .unwrap_err();
        assert_eq!(
            grant_error(err),
            GrantError::SeedRecorded {
                call: "pari".into(),
                recorded: Some(recorded.clone())
            }
        );
    }

    // A verifiable draw: the seed is fixed by the application ids and the public value.
    tied_call(&store, "pari-pubblico").await;
    let value = "Lotto 2022-06-01 Roma 12 45 67 3 88";
    let public = RankingSeed::PublicValue(value.into());
    store
        .rank_grant_call("pari-pubblico", Some(&public), "admin", at)
        .await
        .unwrap();
    let draw = lottery::verifiable_draw(&["domanda-1", "domanda-2"], value).unwrap();
    let call = store.grant_call("pari-pubblico").await.unwrap().unwrap();
    assert_eq!(call.lottery_seed, Some(draw.seed.to_string()));
    let log = store
        .audit_log("grant_call", "pari-pubblico")
        .await
        .unwrap();
    let rank_line = log.iter().find(|l| l.action == "grant_call.rank").unwrap();
    let after: Value = serde_json::from_str(rank_line.after.as_deref().unwrap()).unwrap();
    assert_eq!(after["public_value"], json!(value));

    // A call with a seed of its own (7) refuses another one before ranking too.
    load(&store, &call_file("con-seme", 100, &[("a", 10, 3.0)])).await;
    let eight = RankingSeed::Seed(LotterySeed::from_u64(8));
    let err = store
        .rank_grant_call("con-seme", Some(&eight), "admin", at)
        .await
        .unwrap_err();
    assert!(matches!(grant_error(err), GrantError::SeedRecorded { .. }));
}

async fn awards_count_once_for_the_program_they_name(store: Store, _url: String) {
    let program = store
        .program("cooperazione-digitale")
        .await
        .unwrap()
        .unwrap();
    let mut text: Value = serde_json::from_str(&call_file(
        "premi",
        1000,
        &[("a", 600, 5.0), ("b", 500, 4.0), ("c", 400, 3.0)],
    ))
    .unwrap();
    // A program that does not exist is refused at its pointer.
    text["program"] = json!("nessuno");
    let err = store
        .create_grant_call(
            &text.to_string(),
            None,
            "cli",
            None,
            when(2022, 5, 1, 9),
            |_| no_replay(&(), &()),
        )
        .await
        .unwrap_err();
    assert_eq!(
        grant_error(err),
        GrantError::Invalid {
            pointer: "/program".into(),
            message: "no program has id \"nessuno\"".into()
        }
    );
    text["program"] = json!("cooperazione-digitale");
    load(&store, &text.to_string()).await;
    // A call of no program counts for none.
    load(&store, &call_file("altro", 1000, &[("x", 500, 5.0)])).await;
    store
        .rank_grant_call("altro", None, "admin", when(2022, 6, 1, 9))
        .await
        .unwrap();
    let awards = |facts: &[skillhub_progress::Attendance]| -> Vec<String> {
        facts
            .iter()
            .filter(|f| f.unit == skillhub_core::program::Unit::Awards)
            .map(|f| format!("{} {}", f.person, f.date))
            .collect()
    };
    assert!(awards(&store.attendance(&program).await.unwrap()).is_empty());

    let ranking = store
        .rank_grant_call("premi", None, "admin", when(2022, 6, 1, 9))
        .await
        .unwrap();
    assert_eq!(
        awards(&store.attendance(&program).await.unwrap()),
        ["award:premi/a 2022-06-01", "award:premi/c 2022-06-01"]
    );
    // A withdrawn award no longer counts; the one promoted from the reserve does, from its day.
    withdraw(&store, ids(&ranking)["a"], "public", when(2022, 7, 2, 9))
        .await
        .unwrap();
    let facts = store.attendance(&program).await.unwrap();
    assert_eq!(
        awards(&facts),
        ["award:premi/b 2022-07-02", "award:premi/c 2022-06-01"]
    );
    let report = skillhub_progress::progress(
        &program,
        &facts,
        NaiveDate::from_ymd_opt(2022, 12, 31).unwrap(),
    );
    assert_eq!(report.targets[0].id.as_str(), "beneficiaries");
    assert_eq!(report.targets[0].done, 2);
}
