//! Grant calls over the store: rows ↔ core types, one transaction per decision, the audit log,
//! refusals as typed errors, and concurrency of withdrawals and rankings. The ranking rules
//! themselves are core's (and its proptests'); here they are only compared with the file form.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use skillhub_core::allocation::lottery::{self, LotterySeed};
use skillhub_core::grants::call::Applicant;
use skillhub_core::grants::evaluation::Mark;
use skillhub_core::grants::file::rank_call;
use skillhub_core::grants::lifecycle::Stage;
use skillhub_core::grants::score::Points;
use skillhub_core::ids::Tag;
use skillhub_core::person::OrganisationType;
use skillhub_store::{
    Error, EvaluatorView, GrantApplicationView, GrantBatchError, GrantError, GrantRanking,
    GrantWithdrawal, GrantWrite, Idempotency, NewEvaluator, NewGrantApplication, NewGrantReport,
    RankingSeed, Replay, Store, SubmittedApplication,
};

use super::{PgDatabase, parallel, sqlite};

contract!(
    a_call_file_ranks_the_same_over_the_store,
    submissions_are_admitted_or_refused_with_reasons,
    only_assigned_evaluators_without_conflicts_score,
    withdrawing_a_funded_application_promotes_from_the_reserve,
    parallel_withdrawals_never_overspend,
    parallel_rankings_award_once,
    parallel_creations_store_one_call,
    reports_are_scheduled_and_overdue_ones_listed,
    a_file_is_closed_after_its_final_report,
    a_full_tie_takes_its_seed_at_ranking,
    a_cooperative_has_one_live_application_per_call,
    withdrawals_reports_and_closures_replay_their_answer,
    a_batch_with_a_cooperative_that_applied_writes_nothing,
    a_batch_is_handed_in_whole_in_order,
);

const EXAMPLE: &str =
    include_str!("../../../../fixtures/grants/cooperazione-digitale-esempio.json");

fn when(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Withdraws without an idempotency key.
async fn withdraw(
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
async fn report(
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
fn done<T>(write: GrantWrite<T>) -> T {
    match write {
        GrantWrite::Done(done) => done,
        GrantWrite::Replayed(_) => panic!("no idempotency key was given"),
    }
}

fn no_replay<T: ?Sized, U: ?Sized>(_: &T, _: &U) -> Replay {
    Replay {
        status: 0,
        body: String::new(),
    }
}

/// A call file with one criterion (`impact`, at least 2) scored by `ev1`, seed 7; applications
/// handed in an hour apart in list order.
fn call_file(id: &str, budget: u64, apps: &[(&str, u64, f64)]) -> String {
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

async fn load(store: &Store, text: &str) -> String {
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
fn ids(ranking: &GrantRanking) -> BTreeMap<String, i64> {
    ranking
        .ranking
        .iter()
        .zip(&ranking.application_ids)
        .map(|(row, id)| (row.id.clone(), *id))
        .collect()
}

async fn stage(store: &Store, id: i64) -> Stage {
    store.grant_application(id).await.unwrap().unwrap().stage
}

fn grant_error(err: Error) -> GrantError {
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

fn coop(name: &str, partita_iva: &str) -> Applicant {
    Applicant {
        name: name.into(),
        partita_iva: partita_iva.into(),
        organisation_type: Some(OrganisationType::SocialCooperative),
        albo_number: Some("A123456".into()),
        region: Some(Tag::parse("umbria").unwrap()),
        sector: None,
    }
}

fn application(applicant: Applicant, cents: u64, priorities: &[&str]) -> NewGrantApplication {
    NewGrantApplication {
        applicant,
        requested_cents: cents,
        priorities: priorities.iter().map(|p| Tag::parse(p).unwrap()).collect(),
        project_kinds: BTreeSet::new(),
    }
}

const OPEN_CALL: &str = r#"{"id": "bando-prova", "name": "Bando di prova", "budget_cents": 1000000,
  "criteria": [{"id": "impact", "label_it": "impatto", "weight": 2, "min_score": 2},
               {"id": "quality", "weight": 1}],
  "min_total": 3, "lottery_seed": 42,
  "priority_criteria": [{"id": "social_coop", "it": "cooperativa sociale", "en": "social cooperative"}]}"#;

async fn submit(store: &Store, call: &str, app: &NewGrantApplication) -> (i64, String) {
    match store
        .submit_grant_application(call, app, None, when(2022, 4, 1, 9), no_replay)
        .await
        .unwrap()
    {
        GrantWrite::Done((view, token)) => (view.id, token),
        GrantWrite::Replayed(_) => panic!("no idempotency key was given"),
    }
}

async fn evaluator(
    store: &Store,
    call: &str,
    applications: &[i64],
    conflicts: &[i64],
) -> EvaluatorView {
    let request = NewEvaluator {
        label: "Valutatrice".into(),
        applications: applications.to_vec(),
        conflicts: conflicts.to_vec(),
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

fn sheet(impact: u8, quality: u8, comment: &str) -> BTreeMap<Tag, Mark> {
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

async fn submissions_are_admitted_or_refused_with_reasons(store: Store, _url: String) {
    load(&store, OPEN_CALL).await;
    let (good, token) = submit(
        &store,
        "bando-prova",
        &application(
            coop("Il Granello", "01234567897"),
            700_000,
            &["social_coop"],
        ),
    )
    .await;
    let (bad, _) = submit(
        &store,
        "bando-prova",
        &application(coop("Sbagliata", "01234567890"), 500_000, &[]),
    )
    .await;
    let view = store.grant_application(good).await.unwrap().unwrap();
    assert_eq!(view.stage, Stage::Eligible);
    assert_eq!(view.code, "domanda-1");
    assert_eq!(view.priorities, ["social_coop"]);
    assert_eq!(view.applicant.as_ref().unwrap().name, "Il Granello");
    let refused = store.grant_application(bad).await.unwrap().unwrap();
    assert_eq!(refused.stage, Stage::Ineligible);
    assert_eq!(refused.reasons.len(), 1);
    assert!(
        refused.reasons[0].it.contains("partita IVA"),
        "{:?}",
        refused.reasons
    );
    assert!(store.check_applicant_token(good, &token).await.unwrap());
    assert!(!store.check_applicant_token(bad, &token).await.unwrap());
    assert!(!store.check_applicant_token(good, "nope").await.unwrap());
    let log = store
        .audit_log("grant_application", &good.to_string())
        .await
        .unwrap();
    assert_eq!(log[0].action, "grant_application.submit");
    assert!(!log[0].after.as_deref().unwrap().contains("Granello"));

    // Nothing to rank while an application waits for its evaluation.
    let err = store
        .rank_grant_call("bando-prova", None, "admin", when(2022, 5, 1, 9))
        .await
        .unwrap_err();
    assert_eq!(
        grant_error(err),
        GrantError::EvaluationPending(vec!["domanda-1".into()])
    );
    // Illegal moves are refused and change nothing.
    let err = report(&store, good, 1, date(2022, 5, 1), when(2022, 5, 1, 9))
        .await
        .unwrap_err();
    assert!(matches!(
        grant_error(err),
        GrantError::Transition {
            from: Stage::Eligible,
            ..
        }
    ));
    withdraw(&store, bad, "public", when(2022, 4, 3, 9))
        .await
        .unwrap();
    let err = withdraw(&store, bad, "public", when(2022, 4, 3, 9))
        .await
        .unwrap_err();
    assert!(matches!(
        grant_error(err),
        GrantError::Transition {
            from: Stage::Withdrawn,
            ..
        }
    ));
    assert_eq!(stage(&store, bad).await, Stage::Withdrawn);
    let err = store
        .submit_grant_application(
            "nessuno",
            &application(coop("X", "01234567897"), 1, &[]),
            None,
            when(2022, 4, 1, 9),
            no_replay,
        )
        .await
        .unwrap_err();
    assert_eq!(grant_error(err), GrantError::UnknownCall("nessuno".into()));
    assert!(store.grant_application(9999).await.unwrap().is_none());
}

async fn only_assigned_evaluators_without_conflicts_score(store: Store, _url: String) {
    load(&store, OPEN_CALL).await;
    load(&store, &call_file("altro", 100, &[("x", 10, 3.0)])).await;
    let coop1 = application(coop("Uno", "01234567897"), 700_000, &["social_coop"]);
    let coop2 = application(coop("Due", "09876543217"), 700_000, &["social_coop"]);
    let (a, _) = submit(&store, "bando-prova", &coop1).await;
    let (b, _) = submit(&store, "bando-prova", &coop2).await;
    let ev1 = evaluator(&store, "bando-prova", &[a, b], &[]).await;
    let ev2 = evaluator(&store, "bando-prova", &[a], &[b]).await;
    let stranger = evaluator(&store, "altro", &[], &[]).await;
    assert_eq!((ev1.code.as_str(), ev2.code.as_str()), ("ev1", "ev2"));
    assert_eq!(stage(&store, a).await, Stage::UnderEvaluation);
    let refusal = |err: Error| grant_error(err);
    let err = store
        .score_grant_application(&ev2, b, sheet(5, 5, "ok"), when(2022, 4, 5, 9))
        .await
        .unwrap_err();
    assert_eq!(
        refusal(err),
        GrantError::ConflictOfInterest {
            evaluator: "ev2".into(),
            application: "domanda-2".into()
        }
    );
    let err = store
        .score_grant_application(&stranger, a, sheet(5, 5, "ok"), when(2022, 4, 5, 9))
        .await
        .unwrap_err();
    assert!(matches!(refusal(err), GrantError::NotAssigned { .. }));
    let err = store
        .score_grant_application(&ev1, a, sheet(4, 4, " "), when(2022, 4, 5, 9))
        .await
        .unwrap_err();
    assert_eq!(
        refusal(err),
        GrantError::Invalid {
            pointer: "/marks/impact/comment".into(),
            message: "a score needs a comment".into()
        }
    );
    let mut partial = sheet(4, 4, "buono");
    partial.remove(&Tag::parse("quality").unwrap());
    let err = store
        .score_grant_application(&ev1, a, partial, when(2022, 4, 5, 9))
        .await
        .unwrap_err();
    assert!(
        matches!(refusal(err), GrantError::Invalid { pointer, .. } if pointer == "/marks/quality")
    );

    // ev1 scores a twice (the second sheet replaces the first), ev2 completes it.
    for points in [1, 4] {
        let view = store
            .score_grant_application(&ev1, a, sheet(points, 4, "motivato"), when(2022, 4, 5, 9))
            .await
            .unwrap();
        assert_eq!(view.stage, Stage::UnderEvaluation);
    }
    let view = store
        .score_grant_application(&ev2, a, sheet(5, 2, "motivato"), when(2022, 4, 5, 10))
        .await
        .unwrap();
    assert_eq!(view.stage, Stage::Evaluated);
    let err = store
        .score_grant_application(&ev1, a, sheet(5, 5, "tardi"), when(2022, 4, 6, 9))
        .await
        .unwrap_err();
    assert!(matches!(
        refusal(err),
        GrantError::Transition {
            from: Stage::Evaluated,
            ..
        }
    ));
    // b: ev2's conflict leaves ev1 alone, whose sheet completes it.
    let view = store
        .score_grant_application(&ev1, b, sheet(1, 1, "debole"), when(2022, 4, 5, 11))
        .await
        .unwrap();
    assert_eq!(view.stage, Stage::Evaluated);
    let assignments = store.grant_assignments(&ev2).await.unwrap();
    assert_eq!(assignments.len(), 1);
    assert!(assignments[0].scored);

    // a: impact (4 + 5) / 2, quality (4 + 2) / 2 → (2 × 4.5 + 3) / 3 = 4; b: below thresholds.
    let ranking = store
        .rank_grant_call("bando-prova", None, "admin", when(2022, 5, 1, 9))
        .await
        .unwrap();
    let rows: Vec<(&str, Option<u32>, f64, &str)> = ranking
        .ranking
        .iter()
        .map(|r| (r.id.as_str(), r.rank, r.total, r.status.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("domanda-1", Some(1), 4.0, "funded"),
            ("domanda-2", None, 1.0, "below_threshold")
        ]
    );
    assert_eq!(stage(&store, b).await, Stage::NotFunded);
    // A ranked call takes no more applications or evaluators.
    let err = store
        .submit_grant_application("bando-prova", &coop1, None, when(2022, 5, 2, 9), no_replay)
        .await
        .unwrap_err();
    assert_eq!(
        grant_error(err),
        GrantError::CallRanked("bando-prova".into())
    );
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

async fn reports_are_scheduled_and_overdue_ones_listed(store: Store, _url: String) {
    load(
        &store,
        &call_file(
            "monitor",
            250,
            &[("a", 100, 5.0), ("b", 100, 4.0), ("c", 100, 3.0)],
        ),
    )
    .await;
    // 23:30 UTC on 30 June is 1 July in Rome: reports due 1 January and 1 July.
    let awarded_at = Utc.with_ymd_and_hms(2022, 6, 30, 23, 30, 0).unwrap();
    let ranking = store
        .rank_grant_call("monitor", None, "admin", awarded_at)
        .await
        .unwrap();
    let id = ids(&ranking);
    let a = store.grant_application(id["a"]).await.unwrap().unwrap();
    let due: Vec<(u32, NaiveDate)> = a.reports.iter().map(|r| (r.number, r.due)).collect();
    assert_eq!(
        due,
        [
            (1, date(2023, 1, 1)),
            (2, date(2023, 7, 1)),
            (3, date(2024, 1, 1)),
            (4, date(2024, 7, 1))
        ]
    );
    let view = report(
        &store,
        id["a"],
        1,
        date(2022, 12, 20),
        when(2022, 12, 21, 9),
    )
    .await
    .unwrap();
    assert_eq!(view.stage, Stage::ReportsDue);
    assert_eq!(view.reports[0].received_on, Some(date(2022, 12, 20)));
    let late = store
        .overdue_grant_reports("monitor", date(2023, 1, 3))
        .await
        .unwrap();
    let lines: Vec<(&str, u32, i64)> = late
        .iter()
        .map(|o| (o.code.as_str(), o.number, o.days_late))
        .collect();
    assert_eq!(lines, [("b", 1, 2)]);
    assert!(late[0].text_it.starts_with("b: relazione intermedia n. 1"));
    let err = report(
        &store,
        id["a"],
        1,
        date(2022, 12, 20),
        when(2022, 12, 21, 9),
    )
    .await
    .unwrap_err();
    assert_eq!(
        grant_error(err),
        GrantError::ReportExists {
            application: "a".into(),
            number: 1
        }
    );
    let err = report(
        &store,
        id["a"],
        5,
        date(2022, 12, 20),
        when(2022, 12, 21, 9),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(grant_error(err), GrantError::Invalid { pointer, .. } if pointer == "/number")
    );
    let err = report(
        &store,
        id["c"],
        1,
        date(2022, 12, 20),
        when(2022, 12, 21, 9),
    )
    .await
    .unwrap_err();
    assert!(matches!(
        grant_error(err),
        GrantError::Transition {
            from: Stage::Reserve,
            ..
        }
    ));
    let view = report(&store, id["a"], 4, date(2024, 6, 30), when(2024, 6, 30, 9))
        .await
        .unwrap();
    assert_eq!(view.stage, Stage::FinalReportReceived);
    let late = store
        .overdue_grant_reports("monitor", date(2024, 7, 2))
        .await
        .unwrap();
    let a_late: Vec<u32> = late
        .iter()
        .filter(|o| o.code == "a")
        .map(|o| o.number)
        .collect();
    assert_eq!(a_late, [2, 3]);
    assert_eq!(late.iter().filter(|o| o.code == "b").count(), 4);
    let err = store
        .overdue_grant_reports("nessuno", date(2024, 7, 2))
        .await
        .unwrap_err();
    assert_eq!(grant_error(err), GrantError::UnknownCall("nessuno".into()));
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

async fn a_file_is_closed_after_its_final_report(store: Store, _url: String) {
    let text = call_file(
        "chiusura",
        250,
        &[("a", 100, 5.0), ("b", 100, 4.0), ("c", 100, 1.0)],
    );
    load(&store, &text).await;
    let ranking = store
        .rank_grant_call("chiusura", None, "admin", when(2022, 6, 1, 9))
        .await
        .unwrap();
    let id = ids(&ranking);
    let close = |app: i64, at: DateTime<Utc>| {
        let store = store.clone();
        async move {
            store
                .close_grant_application(app, "admin", None, at, |_| no_replay(&(), &()))
                .await
                .map(done)
        }
    };
    // Funded and still reporting: not yet.
    let err = close(id["a"], when(2022, 7, 1, 9)).await.unwrap_err();
    assert!(matches!(
        grant_error(err),
        GrantError::Transition {
            from: Stage::Funded,
            ..
        }
    ));
    // Report 1, then the final report (4): the application moves on, and no report follows.
    report(&store, id["a"], 1, date(2022, 12, 1), when(2022, 12, 1, 9))
        .await
        .unwrap();
    let view = report(&store, id["a"], 4, date(2024, 5, 30), when(2024, 5, 30, 9))
        .await
        .unwrap();
    assert_eq!(view.stage, Stage::FinalReportReceived);
    let err = report(&store, id["a"], 2, date(2024, 6, 1), when(2024, 6, 1, 9))
        .await
        .unwrap_err();
    assert_eq!(
        grant_error(err),
        GrantError::ReportAfterFinal {
            application: "a".into(),
            number: 2
        }
    );
    let view = close(id["a"], when(2024, 6, 2, 9)).await.unwrap();
    assert_eq!(view.stage, Stage::Closed);
    assert_eq!(view.awarded_cents, 100);
    assert_eq!(stage(&store, id["a"]).await, Stage::Closed);
    let log = store
        .audit_log("grant_application", &id["a"].to_string())
        .await
        .unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.action, "grant_application.close");
    assert_eq!(
        last.before.as_deref(),
        Some("{\"stage\":\"final_report_received\"}")
    );
    assert_eq!(last.after.as_deref(), Some("{\"stage\":\"closed\"}"));
    // Closed is final: no withdrawal, no report, no second closing.
    let err = withdraw(&store, id["a"], "admin", when(2024, 6, 3, 9))
        .await
        .unwrap_err();
    assert!(matches!(
        grant_error(err),
        GrantError::Transition {
            from: Stage::Closed,
            ..
        }
    ));
    let err = report(&store, id["a"], 3, date(2024, 6, 3), when(2024, 6, 3, 9))
        .await
        .unwrap_err();
    assert!(matches!(
        grant_error(err),
        GrantError::ReportAfterFinal { .. }
    ));
    let err = close(id["a"], when(2024, 6, 3, 9)).await.unwrap_err();
    assert!(matches!(grant_error(err), GrantError::Transition { .. }));
    // Not funded (below threshold) closes too; the ranking still reads, and a withdrawal
    // after closings still replays it.
    let view = close(id["c"], when(2024, 6, 3, 9)).await.unwrap();
    assert_eq!(view.stage, Stage::Closed);
    withdraw(&store, id["b"], "admin", when(2024, 6, 4, 9))
        .await
        .unwrap();
    let after = store.grant_ranking("chiusura").await.unwrap();
    let status: Vec<(&str, &str)> = after
        .ranking
        .iter()
        .map(|r| (r.id.as_str(), r.status.as_str()))
        .collect();
    assert_eq!(
        status,
        [
            ("a", "funded"),
            ("b", "withdrawn"),
            ("c", "below_threshold")
        ]
    );
    let err = close(424_242, when(2024, 6, 3, 9)).await.unwrap_err();
    assert_eq!(
        grant_error(err),
        GrantError::UnknownApplication("424242".into())
    );
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

async fn a_cooperative_has_one_live_application_per_call(store: Store, _url: String) {
    load(&store, OPEN_CALL).await;
    let mut second = OPEN_CALL.replace("bando-prova", "bando-due");
    second.push(' ');
    load(&store, &second).await;
    let first = application(coop("Il Granello", "01234567897"), 700_000, &[]);
    let (a, _) = submit(&store, "bando-prova", &first).await;
    // The same partita IVA, written another way, is the same cooperative.
    let again = application(coop("Granello Soc. Coop.", " IT01234567897 "), 100_000, &[]);
    let err = store
        .submit_grant_application("bando-prova", &again, None, when(2022, 4, 2, 9), no_replay)
        .await
        .unwrap_err();
    assert_eq!(
        grant_error(err),
        GrantError::AlreadyApplied {
            call: "bando-prova".into(),
            existing: a
        }
    );
    // Another call, or another cooperative, may.
    submit(&store, "bando-due", &again).await;
    submit(
        &store,
        "bando-prova",
        &application(coop("Altra", "09876543217"), 100_000, &[]),
    )
    .await;
    // Refused applications (an invalid partita IVA) do not block each other.
    let invalid = application(coop("Sbagliata", "01234567890"), 100_000, &[]);
    let (x, _) = submit(&store, "bando-prova", &invalid).await;
    let (y, _) = submit(&store, "bando-prova", &invalid).await;
    assert_eq!(stage(&store, x).await, Stage::Ineligible);
    assert_eq!(stage(&store, y).await, Stage::Ineligible);
    // Once withdrawn, the cooperative may apply again.
    withdraw(&store, a, "public", when(2022, 4, 3, 9))
        .await
        .unwrap();
    let (b, _) = submit(&store, "bando-prova", &again).await;
    assert_eq!(stage(&store, b).await, Stage::Eligible);
    // Two at once: one is taken, the other refused.
    load(&store, &OPEN_CALL.replace("bando-prova", "bando-tre")).await;
    let results = parallel(4, |_| {
        let store = store.clone();
        let first = first.clone();
        async move {
            store
                .submit_grant_application("bando-tre", &first, None, when(2022, 4, 2, 9), no_replay)
                .await
        }
    })
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    for result in results {
        if let Err(err) = result {
            assert!(matches!(
                grant_error(err),
                GrantError::AlreadyApplied { .. }
            ));
        }
    }
}

fn key(key: &str, request: &str) -> Idempotency {
    Idempotency {
        scope: "test".into(),
        key: key.into(),
        request_hash: request.into(),
    }
}

fn answer(body: &str) -> Replay {
    Replay {
        status: 200,
        body: body.into(),
    }
}

async fn withdrawals_reports_and_closures_replay_their_answer(store: Store, _url: String) {
    load(
        &store,
        &call_file("chiavi", 150, &[("a", 100, 5.0), ("b", 100, 4.0)]),
    )
    .await;
    let ranking = store
        .rank_grant_call("chiavi", None, "admin", when(2022, 6, 1, 9))
        .await
        .unwrap();
    let id = ids(&ranking);
    let at = when(2022, 12, 1, 9);
    let first = report_keyed(&store, id["a"], 1, &key("r-1", "h1"))
        .await
        .unwrap();
    assert!(matches!(first, GrantWrite::Done(ref v) if v.stage == Stage::ReportsDue));
    let again = report_keyed(&store, id["a"], 1, &key("r-1", "h1"))
        .await
        .unwrap();
    assert!(matches!(again, GrantWrite::Replayed(ref r) if r.body == "report 1"));
    let err = report_keyed(&store, id["a"], 2, &key("r-1", "h2"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::IdempotencyMismatch(k) if k == "r-1"));

    let withdraw_keyed = |idem: Idempotency| {
        let store = store.clone();
        let app = id["a"];
        async move {
            store
                .withdraw_grant_application(app, "public", Some(&idem), at, |done| {
                    answer(&format!("promoted {}", done.promoted.len()))
                })
                .await
        }
    };
    let first = withdraw_keyed(key("w-1", "h")).await.unwrap();
    assert!(matches!(first, GrantWrite::Done(ref d) if d.promoted.len() == 1));
    let again = withdraw_keyed(key("w-1", "h")).await.unwrap();
    assert!(matches!(again, GrantWrite::Replayed(ref r) if r.body == "promoted 1"));
    // A new key asks again, and the lifecycle refuses.
    let err = withdraw_keyed(key("w-2", "h")).await.unwrap_err();
    assert!(matches!(grant_error(err), GrantError::Transition { .. }));
    let log = store
        .audit_log("grant_application", &id["a"].to_string())
        .await
        .unwrap();
    let withdrawals = log
        .iter()
        .filter(|l| l.action == "grant_application.withdraw")
        .count();
    assert_eq!(withdrawals, 1);

    let close_keyed = |app: i64, idem: Idempotency| {
        let store = store.clone();
        async move {
            store
                .close_grant_application(app, "admin", Some(&idem), at, |view| {
                    answer(view.code.as_str())
                })
                .await
        }
    };
    let err = close_keyed(id["b"], key("c-1", "h")).await.unwrap_err();
    assert!(matches!(grant_error(err), GrantError::Transition { .. }));
    report(&store, id["b"], 4, date(2024, 5, 1), at)
        .await
        .unwrap();
    let first = close_keyed(id["b"], key("c-1", "h")).await.unwrap();
    assert!(matches!(first, GrantWrite::Done(ref v) if v.stage == Stage::Closed));
    let again = close_keyed(id["b"], key("c-1", "h")).await.unwrap();
    assert!(matches!(again, GrantWrite::Replayed(ref r) if r.body == "b"));
}

async fn report_keyed(
    store: &Store,
    id: i64,
    number: u32,
    idem: &Idempotency,
) -> Result<GrantWrite<GrantApplicationView>, Error> {
    let report = NewGrantReport {
        number,
        received_on: date(2022, 12, 1),
    };
    store
        .record_grant_report(id, report, "admin", Some(idem), when(2022, 12, 1, 9), |v| {
            answer(&format!(
                "report {}",
                v.reports.iter().filter(|r| r.received_on.is_some()).count()
            ))
        })
        .await
}

/// How many applications the call holds.
async fn applications(store: &Store, call: &str) -> i64 {
    store.grant_call(call).await.unwrap().unwrap().applications
}

/// Hands in `requests` as one batch by `cli`.
async fn batch(
    store: &Store,
    call: &str,
    requests: &[NewGrantApplication],
) -> Result<Vec<SubmittedApplication>, GrantBatchError> {
    store
        .submit_grant_applications(call, requests, "cli", when(2022, 4, 2, 9))
        .await
}

/// The index and the grant refusal of a batch that wrote nothing.
fn batch_refusal(err: GrantBatchError) -> (Option<usize>, GrantError) {
    (err.index, grant_error(err.source))
}

async fn a_batch_with_a_cooperative_that_applied_writes_nothing(store: Store, _url: String) {
    load(&store, OPEN_CALL).await;
    let (a, _) = submit(
        &store,
        "bando-prova",
        &application(coop("Il Granello", "01234567897"), 700_000, &[]),
    )
    .await;
    let before = applications(&store, "bando-prova").await;
    assert_eq!(before, 1);
    let other = application(coop("Altra", "09876543217"), 100_000, &[]);
    // The same partita IVA, written another way, is the same cooperative.
    let again = application(coop("Granello Soc. Coop.", " IT01234567897 "), 100_000, &[]);
    let err = batch(&store, "bando-prova", &[other.clone(), again.clone()])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "application 2 of the batch: a cooperative with this partita IVA already applied to \
         grant call \"bando-prova\" (application 1)"
    );
    assert_eq!(
        batch_refusal(err),
        (
            Some(1),
            GrantError::AlreadyApplied {
                call: "bando-prova".into(),
                existing: a
            }
        )
    );
    assert_eq!(applications(&store, "bando-prova").await, before);
    // The same cooperative twice in one batch; a request of nothing; an unknown call.
    let err = batch(&store, "bando-due", std::slice::from_ref(&other))
        .await
        .unwrap_err();
    assert_eq!(
        batch_refusal(err),
        (None, GrantError::UnknownCall("bando-due".into()))
    );
    let twice = application(coop("Altra di nuovo", "IT09876543217"), 5_000, &[]);
    let err = batch(&store, "bando-prova", &[other.clone(), twice])
        .await
        .unwrap_err();
    assert_eq!(
        batch_refusal(err),
        (Some(1), GrantError::RepeatedApplicant { first: 0 })
    );
    let nothing = application(coop("Terza", "12345678903"), 0, &[]);
    let err = batch(&store, "bando-prova", &[other.clone(), nothing])
        .await
        .unwrap_err();
    let (index, refusal) = batch_refusal(err);
    assert_eq!(index, Some(1));
    assert!(
        matches!(&refusal, GrantError::Invalid { pointer, .. } if pointer == "/requested_cents"),
        "{refusal:?}"
    );
    assert_eq!(applications(&store, "bando-prova").await, before);
    // Nothing of the refused batches was kept, not even the codes they took.
    let done = batch(&store, "bando-prova", &[other]).await.unwrap();
    assert_eq!(done[0].application.code, "domanda-2");
    assert_eq!(applications(&store, "bando-prova").await, before + 1);
    // A ranked call takes no batch.
    let ranked = call_file("chiuso", 1_000_000, &[("coop-1", 500_000, 4.0)]);
    load(&store, &ranked).await;
    store
        .rank_grant_call("chiuso", None, "admin", when(2022, 6, 1, 9))
        .await
        .unwrap();
    let err = batch(&store, "chiuso", &[again]).await.unwrap_err();
    assert_eq!(
        batch_refusal(err),
        (None, GrantError::CallRanked("chiuso".into()))
    );
    assert_eq!(applications(&store, "chiuso").await, 1);
}

async fn a_batch_is_handed_in_whole_in_order(store: Store, _url: String) {
    load(&store, OPEN_CALL).await;
    let mut second = OPEN_CALL.replace("bando-prova", "bando-due");
    second.push(' ');
    load(&store, &second).await;
    let requests = [
        application(
            coop("Il Granello", "01234567897"),
            700_000,
            &["social_coop"],
        ),
        application(coop("Sbagliata", "01234567890"), 500_000, &[]),
        application(coop("Altra", "09876543217"), 100_000, &[]),
    ];
    let done = batch(&store, "bando-prova", &requests).await.unwrap();
    assert_eq!(done.len(), 3);
    assert_eq!(applications(&store, "bando-prova").await, 3);
    let codes: Vec<&str> = done.iter().map(|d| d.application.code.as_str()).collect();
    assert_eq!(codes, ["domanda-1", "domanda-2", "domanda-3"]);
    let names: Vec<&str> = done
        .iter()
        .map(|d| d.application.applicant.as_ref().unwrap().name.as_str())
        .collect();
    assert_eq!(names, ["Il Granello", "Sbagliata", "Altra"]);
    let tokens: BTreeSet<&str> = done.iter().map(|d| d.applicant_token.as_str()).collect();
    assert_eq!(tokens.len(), 3, "every applicant has a token of its own");
    for (i, d) in done.iter().enumerate() {
        let stored = store.grant_application(d.application.id).await.unwrap();
        assert_eq!(stored.as_ref(), Some(&d.application));
        for (j, other) in done.iter().enumerate() {
            let theirs = store
                .check_applicant_token(d.application.id, &other.applicant_token)
                .await
                .unwrap();
            assert_eq!(theirs, i == j);
        }
        let log = store
            .audit_log("grant_application", &d.application.id.to_string())
            .await
            .unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(
            (log[0].actor.as_str(), log[0].action.as_str()),
            ("cli", "grant_application.submit")
        );
        assert!(!log[0].after.as_deref().unwrap().contains(names[i]));
    }
    // Each is decided as the same application handed in on its own.
    for (request, d) in requests.iter().zip(&done) {
        let (id, _) = submit(&store, "bando-due", request).await;
        let alone = store.grant_application(id).await.unwrap().unwrap();
        assert_eq!(
            (&alone.code, alone.stage, &alone.reasons),
            (
                &d.application.code,
                d.application.stage,
                &d.application.reasons
            )
        );
    }
    assert_eq!(done[0].application.stage, Stage::Eligible);
    assert_eq!(done[1].application.stage, Stage::Ineligible);
    // An empty batch writes nothing and refuses nothing.
    assert!(batch(&store, "bando-prova", &[]).await.unwrap().is_empty());
    assert_eq!(applications(&store, "bando-prova").await, 3);
}
