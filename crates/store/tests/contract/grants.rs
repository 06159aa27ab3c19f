//! Grant calls over the store: rows ↔ core types, one transaction per decision, the audit log,
//! refusals as typed errors, and concurrency of withdrawals and rankings. The ranking rules
//! themselves are core's (and its proptests'); here they are only compared with the file form.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use skillhub_core::grants::call::Applicant;
use skillhub_core::grants::evaluation::Mark;
use skillhub_core::grants::file::rank_call;
use skillhub_core::grants::lifecycle::Stage;
use skillhub_core::grants::score::Points;
use skillhub_core::ids::Tag;
use skillhub_core::person::OrganisationType;
use skillhub_store::{
    Error, EvaluatorView, GrantError, GrantRanking, GrantWrite, NewEvaluator, NewGrantApplication,
    Replay, Store,
};

use super::{PgDatabase, parallel, sqlite};

/// One test per backend for a case `async fn(Store, url)` (the parent's `contract!` is defined
/// after this module is declared, so it has its own).
macro_rules! grants_contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let (store, url, _dir) = super::sqlite().await;
                    super::$name(store.clone(), url).await;
                    store.close().await;
                }
            )*
        }
        mod postgres_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some((store, url, db)) = super::PgDatabase::create().await else { return };
                    super::$name(store.clone(), url).await;
                    db.drop(store).await;
                }
            )*
        }
    };
}

grants_contract!(
    a_call_file_ranks_the_same_over_the_store,
    submissions_are_admitted_or_refused_with_reasons,
    only_assigned_evaluators_without_conflicts_score,
    withdrawing_a_funded_application_promotes_from_the_reserve,
    parallel_withdrawals_never_overspend,
    parallel_rankings_award_once,
    parallel_creations_store_one_call,
    reports_are_scheduled_and_overdue_ones_listed,
);

const EXAMPLE: &str =
    include_str!("../../../../fixtures/grants/cooperazione-digitale-esempio.json");

fn when(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
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
        .rank_grant_call("cd-esempio", "admin", when(2022, 6, 1, 9))
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
        .rank_grant_call("cd-esempio", "admin", when(2022, 7, 1, 9))
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
        .rank_grant_call("bando-prova", "admin", when(2022, 5, 1, 9))
        .await
        .unwrap_err();
    assert_eq!(
        grant_error(err),
        GrantError::EvaluationPending(vec!["domanda-1".into()])
    );
    // Illegal moves are refused and change nothing.
    let err = store
        .record_grant_report(good, 1, date(2022, 5, 1), "admin", when(2022, 5, 1, 9))
        .await
        .unwrap_err();
    assert!(matches!(
        grant_error(err),
        GrantError::Transition {
            from: Stage::Eligible,
            ..
        }
    ));
    store
        .withdraw_grant_application(bad, "public", when(2022, 4, 3, 9))
        .await
        .unwrap();
    let err = store
        .withdraw_grant_application(bad, "public", when(2022, 4, 3, 9))
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
    let (a, _) = submit(&store, "bando-prova", &coop1).await;
    let (b, _) = submit(&store, "bando-prova", &coop1).await;
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
        .rank_grant_call("bando-prova", "admin", when(2022, 5, 1, 9))
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
        .rank_grant_call("riserva", "admin", when(2022, 6, 1, 9))
        .await
        .unwrap();
    let status: Vec<&str> = ranking.ranking.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(status, ["funded", "reserve", "funded", "below_threshold"]);
    let id = ids(&ranking);
    let done = store
        .withdraw_grant_application(id["a"], "public", when(2022, 6, 2, 9))
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
    let done = store
        .withdraw_grant_application(id["c"], "admin", when(2022, 6, 3, 9))
        .await
        .unwrap();
    assert!(done.promoted.is_empty());
    let after = store.grant_ranking("riserva").await.unwrap();
    assert_eq!((after.awarded_cents, after.remaining_cents), (500, 500));
    let err = store
        .withdraw_grant_application(id["a"], "admin", when(2022, 6, 3, 9))
        .await
        .unwrap_err();
    assert!(matches!(grant_error(err), GrantError::Transition { .. }));
    let err = store
        .withdraw_grant_application(424_242, "admin", when(2022, 6, 3, 9))
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
        .rank_grant_call("parallelo", "admin", when(2022, 6, 1, 9))
        .await
        .unwrap();
    let id = ids(&ranking);
    // The three funded and the first in reserve withdraw at once.
    let leaving: Vec<i64> = (0..4).map(|i| id[&format!("coop-{i}")]).collect();
    let results = parallel(4, |i| {
        let store = store.clone();
        let app = leaving[i];
        async move {
            store
                .withdraw_grant_application(app, "public", when(2022, 6, 2, 9))
                .await
        }
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
                .rank_grant_call("una-volta", "admin", when(2022, 6, 1, 9 + i as u32))
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
        .rank_grant_call("monitor", "admin", awarded_at)
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
    let view = store
        .record_grant_report(
            id["a"],
            1,
            date(2022, 12, 20),
            "admin",
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
    let err = store
        .record_grant_report(
            id["a"],
            1,
            date(2022, 12, 20),
            "admin",
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
    let err = store
        .record_grant_report(
            id["a"],
            5,
            date(2022, 12, 20),
            "admin",
            when(2022, 12, 21, 9),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(grant_error(err), GrantError::Invalid { pointer, .. } if pointer == "/number")
    );
    let err = store
        .record_grant_report(
            id["c"],
            1,
            date(2022, 12, 20),
            "admin",
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
    let view = store
        .record_grant_report(id["a"], 4, date(2024, 6, 30), "admin", when(2024, 6, 30, 9))
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
