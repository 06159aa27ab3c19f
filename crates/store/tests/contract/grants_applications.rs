//! Grant applications over the store: submissions admitted or refused with reasons, evaluators
//! and their conflicts of interest, one live application per cooperative and call, and batches
//! handed in whole or not at all.

use std::collections::BTreeSet;

use skillhub_core::ids::Tag;
use skillhub_grants::lifecycle::Stage;
use skillhub_store::{
    Error, GrantBatchError, GrantError, NewGrantApplication, Store, SubmittedApplication,
};

use super::grants::{
    OPEN_CALL, application, call_file, coop, date, evaluator, grant_error, load, no_replay, report,
    sheet, stage, submit, when, withdraw,
};
use super::{PgDatabase, parallel, sqlite};

contract!(
    submissions_are_admitted_or_refused_with_reasons,
    only_assigned_evaluators_without_conflicts_score,
    a_cooperative_has_one_live_application_per_call,
    a_batch_with_a_cooperative_that_applied_writes_nothing,
    a_batch_is_handed_in_whole_in_order,
);

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
