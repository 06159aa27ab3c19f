//! Monitoring of funded grant projects over the store: reports scheduled and overdue ones
//! listed, a file closed after its final report, and withdrawals, reports and closures that
//! replay their answer for a repeated idempotency key.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use skillhub_grants::lifecycle::Stage;
use skillhub_store::{
    Error, GrantApplicationView, GrantError, GrantWrite, Idempotency, NewGrantReport, Replay, Store,
};

use super::grants::{
    call_file, date, done, grant_error, ids, load, no_replay, report, stage, when, withdraw,
};
use super::{PgDatabase, sqlite};

contract!(
    reports_are_scheduled_and_overdue_ones_listed,
    a_file_is_closed_after_its_final_report,
    withdrawals_reports_and_closures_replay_their_answer,
);

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
