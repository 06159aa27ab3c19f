//! What grant calls write to applicants that give an address: the receipt, every change of
//! stage, and the monitoring reports due soon or overdue, each once.

use chrono::{Duration, TimeZone, Utc};
use skillhub_core::person::Email;
use skillhub_notify::{Event, Notice};
use skillhub_store::{NewEvaluator, Store};

use super::grants::{
    OPEN_CALL, application, call_file, coop, date, ids, load, no_replay, submit, when, withdraw,
};
use super::{PgDatabase, sqlite};

contract!(
    applicants_hear_of_receipt_and_every_stage,
    reports_due_and_overdue_are_told_once,
);

/// Every message due at `at`, claimed and recorded sent: (kind, recipient, event).
async fn told(store: &Store, at: chrono::DateTime<Utc>) -> Vec<(String, String, Event)> {
    let claimed = store
        .claim_mail("test", at, Duration::seconds(60), 100)
        .await
        .unwrap();
    let tries: Vec<(i64, skillhub_store::Outcome)> = claimed
        .iter()
        .map(|c| {
            (
                c.id,
                skillhub_store::Outcome::Sent {
                    message_id: c.id.to_string(),
                },
            )
        })
        .collect();
    store.mail_tried("test", &tries, at).await.unwrap();
    claimed
        .into_iter()
        .map(|c| {
            let notice: Notice = serde_json::from_str(&c.notice).unwrap();
            (c.kind, c.recipient, notice.event)
        })
        .collect()
}

async fn applicants_hear_of_receipt_and_every_stage(store: Store, _url: String) {
    load(&store, OPEN_CALL).await;
    let mut granello = coop("Il Granello", "01234567897");
    granello.email = Some(Email::parse("bandi@granello.example.it").unwrap());
    let (good, _) = submit(&store, "bando-prova", &application(granello, 700_000, &[])).await;
    let mut wrong = coop("Sbagliata", "01234567890");
    wrong.email = Some(Email::parse("info@sbagliata.example.it").unwrap());
    let (bad, _) = submit(&store, "bando-prova", &application(wrong, 500_000, &[])).await;
    // Without an address nobody is written to.
    submit(
        &store,
        "bando-prova",
        &application(coop("Senza posta", "12345678903"), 500_000, &[]),
    )
    .await;
    let messages = told(&store, when(2022, 4, 1, 10)).await;
    let kinds: Vec<(&str, &str)> = messages
        .iter()
        .map(|(kind, to, _)| (kind.as_str(), to.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("application_received", "bandi@granello.example.it"),
            ("application_received", "info@sbagliata.example.it"),
            ("application_stage", "info@sbagliata.example.it"),
        ]
    );
    assert_eq!(
        messages[0].2,
        Event::ApplicationReceived {
            call: "Bando di prova".into(),
            application: good,
        }
    );
    assert_eq!(
        messages[2].2,
        Event::ApplicationStage {
            call: "Bando di prova".into(),
            application: bad,
            stage: "non ammissibile".into(),
        }
    );
    // An evaluator with an address hears of each assigned application; the applicant of the
    // move to evaluation.
    let request = NewEvaluator {
        label: "Valutatrice".into(),
        applications: vec![good],
        conflicts: Vec::new(),
        email: Some(Email::parse("valutatrice@example.it").unwrap()),
    };
    store
        .create_grant_evaluator(
            "bando-prova",
            &request,
            "admin",
            None,
            when(2022, 4, 2, 8),
            |_, _| no_replay(&(), &()),
        )
        .await
        .unwrap();
    let messages = told(&store, when(2022, 4, 2, 8)).await;
    let kinds: Vec<(&str, &str)> = messages
        .iter()
        .map(|(kind, to, _)| (kind.as_str(), to.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("evaluator_assigned", "valutatrice@example.it"),
            ("application_stage", "bandi@granello.example.it"),
        ]
    );
    withdraw(&store, good, "applicant", when(2022, 4, 2, 9))
        .await
        .unwrap();
    let messages = told(&store, when(2022, 4, 2, 10)).await;
    assert_eq!(messages.len(), 1);
    let Event::ApplicationStage { application, .. } = &messages[0].2 else {
        panic!("{:?}", messages[0].2)
    };
    assert_eq!(*application, good);
}

async fn reports_due_and_overdue_are_told_once(store: Store, url: String) {
    load(&store, &call_file("monitor", 250, &[("a", 100, 5.0)])).await;
    let awarded_at = Utc.with_ymd_and_hms(2022, 6, 30, 23, 30, 0).unwrap();
    let ranking = store
        .rank_grant_call("monitor", None, "admin", awarded_at)
        .await
        .unwrap();
    let a = ids(&ranking)["a"];
    // An application of a call file has no applicant: give this one an address, as a
    // submitted one would have.
    give_address(&url, a, "progetti@coop.example.it").await;
    told(&store, awarded_at).await;
    // The first report is due on 1 January 2023 (Rome): told from 25 December, once.
    let on = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap();
    assert_eq!(
        store
            .post_grant_report_notices(on(2022, 12, 24))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .post_grant_report_notices(on(2022, 12, 25))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .post_grant_report_notices(on(2022, 12, 30))
            .await
            .unwrap(),
        0,
        "once"
    );
    let due = told(&store, on(2022, 12, 30)).await;
    assert_eq!(
        due.iter()
            .map(|(_, to, e)| (to.as_str(), e.clone()))
            .collect::<Vec<_>>(),
        [(
            "progetti@coop.example.it",
            Event::ReportDue {
                call: "monitor".into(),
                application: a,
                due: date(2023, 1, 1),
            }
        )]
    );
    // Not received by 2 January: overdue, once.
    assert_eq!(
        store
            .post_grant_report_notices(on(2023, 1, 2))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .post_grant_report_notices(on(2023, 1, 3))
            .await
            .unwrap(),
        0
    );
    let late = told(&store, on(2023, 1, 3)).await;
    assert!(matches!(
        late[0].2,
        Event::ReportOverdue { application, .. } if application == a
    ));
}

/// Stores `email` as the contact address of application `id`'s applicant, on either backend.
async fn give_address(url: &str, id: i64, email: &str) {
    let applicant = serde_json::json!({
        "name": "Coop del monitoraggio", "partita_iva": "01234567897", "email": email,
    })
    .to_string();
    let sql = "UPDATE grant_applications SET applicant = $1 WHERE id = $2";
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(&applicant)
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(&applicant)
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
}
