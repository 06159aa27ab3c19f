//! The outbox: every decision a person must hear of writes its messages in its own
//! transaction; senders claim them with leases, never the same one twice at once; reminders are
//! posted once and never one whose moment came before the registration; erasure forgets them.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use skillhub_core::lang::Lang;
use skillhub_notify::{Canceller, DrawOutcome, Event, Notice};
use skillhub_store::{Claimed, Error, Outcome, SessionChange, Store};

use super::{PgDatabase, at, batch_session, request, session_with, sqlite};

contract!(
    every_decision_posts_its_messages,
    a_refused_decision_posts_nothing,
    claims_are_leased_and_recorded,
    parallel_senders_never_share_a_message,
    retries_wait_and_failures_are_kept,
    mailed_manage_links_reach_their_registration_only,
    erasure_forgets_the_messages,
    reminders_come_once_and_never_before_the_registration,
    a_moved_session_tells_everyone_with_a_new_revision,
    new_seats_seat_the_first_in_line_and_a_new_title_is_told,
    a_cancelled_session_tells_everyone_and_takes_nobody,
    a_draw_tells_everyone_its_result,
);

const LEASE: Duration = Duration::seconds(120);

/// Everything due at `now`, claimed by `sender`, with its notice read.
async fn claim(store: &Store, sender: &str, now: DateTime<Utc>) -> Vec<(Claimed, Notice)> {
    store
        .claim_mail(sender, now, LEASE, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|c| {
            let notice: Notice = serde_json::from_str(&c.notice).unwrap();
            assert_eq!(c.kind, notice.kind());
            assert_eq!(c.lang, notice.lang.code());
            (c, notice)
        })
        .collect()
}

/// Claims everything due at `now` and records it sent, as a sender does; what it sent.
async fn deliver(store: &Store, now: DateTime<Utc>) -> Vec<(Claimed, Notice)> {
    let messages = claim(store, "sender", now).await;
    let tries: Vec<(i64, Outcome)> = messages.iter().map(|(c, _)| sent(c.id)).collect();
    store.mail_tried("sender", &tries, now).await.unwrap();
    messages
}

fn kinds(messages: &[(Claimed, Notice)]) -> Vec<(&str, Option<i64>)> {
    messages
        .iter()
        .map(|(c, _)| (c.kind.as_str(), c.registration_id))
        .collect()
}

fn sent(id: i64) -> (i64, Outcome) {
    (
        id,
        Outcome::Sent {
            message_id: format!("m{id}@test"),
        },
    )
}

async fn every_decision_posts_its_messages(store: Store, _url: String) {
    let id = session_with(&store, "t-mail", 1, 0).await;
    let first = store
        .register(&request(&id, 1, 0), None, at(9, 0))
        .await
        .unwrap()
        .registration;
    let mut english = request(&id, 2, 0);
    english.lang = Lang::En;
    let second = store
        .register(&english, None, at(9, 1))
        .await
        .unwrap()
        .registration;
    assert_eq!(second.lang, Lang::En);
    let cancelled = store
        .cancel("registrant", Canceller::Person, first.id, at(9, 2))
        .await
        .unwrap();
    assert_eq!(cancelled.promoted, [second.id]);

    let messages = claim(&store, "a", at(9, 3)).await;
    assert_eq!(
        kinds(&messages),
        [
            ("confirmed", Some(first.id)),
            ("waitlisted", Some(second.id)),
            ("cancelled", Some(first.id)),
            ("promoted", Some(second.id)),
        ]
    );
    let recipients: Vec<&str> = messages.iter().map(|(c, _)| c.recipient.as_str()).collect();
    assert_eq!(
        recipients,
        [
            "persona1@example.it",
            "persona2@example.it",
            "persona1@example.it",
            "persona2@example.it"
        ]
    );
    let (_, waitlisted) = &messages[1];
    assert_eq!(waitlisted.lang, Lang::En);
    assert_eq!(waitlisted.name, "Persona 2");
    let Event::Waitlisted {
        position, session, ..
    } = &waitlisted.event
    else {
        panic!("{:?}", waitlisted.event)
    };
    assert_eq!(*position, 1);
    assert_eq!(session.id.as_str(), id);
    assert_eq!(session.title, "Prova");
    assert_eq!(session.program, "Social Academy a Binario F");
    assert_eq!(session.sequence, 0);
    assert!(!session.online);
    assert!(session.place.is_some(), "an in-person seat is told its hub");
    assert!(matches!(
        messages[2].1.event,
        Event::Cancelled {
            by: Canceller::Person,
            ..
        }
    ));
    // Nothing more is due, and nothing claimed is claimed again while leased.
    assert!(claim(&store, "b", at(9, 4)).await.is_empty());
}

async fn a_refused_decision_posts_nothing(store: Store, _url: String) {
    let id = session_with(&store, "t-mail-refused", 1, 0).await;
    store
        .register(&request(&id, 1, 0), None, at(9, 0))
        .await
        .unwrap();
    let again = store
        .register(&request(&id, 1, 0), None, at(9, 1))
        .await
        .unwrap_err();
    assert!(matches!(again, Error::AlreadyRegistered { .. }), "{again}");
    let messages = claim(&store, "a", at(9, 2)).await;
    assert_eq!(
        kinds(&messages).len(),
        1,
        "only the registration that was made"
    );
}

async fn claims_are_leased_and_recorded(store: Store, _url: String) {
    let id = session_with(&store, "t-mail-lease", 5, 0).await;
    for n in 1..=3 {
        store
            .register(&request(&id, n, 0), None, at(9, 0))
            .await
            .unwrap();
    }
    let mine = claim(&store, "a", at(9, 1)).await;
    assert_eq!(mine.len(), 3);
    assert!(mine.iter().all(|(c, _)| c.attempts == 1));
    // Leased to "a": "b" gets none until the lease runs out, then all of them.
    assert!(claim(&store, "b", at(9, 2)).await.is_empty());
    let theirs = claim(&store, "b", at(9, 1) + LEASE).await;
    assert_eq!(theirs.len(), 3);
    assert!(theirs.iter().all(|(c, _)| c.attempts == 2));
    // "a" comes back late: its record does not count, "b"'s does.
    let late: Vec<(i64, Outcome)> = mine.iter().map(|(c, _)| sent(c.id)).collect();
    assert_eq!(store.mail_tried("a", &late, at(9, 5)).await.unwrap(), 0);
    let done: Vec<(i64, Outcome)> = theirs.iter().map(|(c, _)| sent(c.id)).collect();
    assert_eq!(store.mail_tried("b", &done, at(9, 5)).await.unwrap(), 3);
    let status = store.mail_status().await.unwrap();
    assert_eq!((status.queued, status.sent, status.failed), (0, 3, 0));
    // A sent message is never claimed again.
    assert!(claim(&store, "c", at(12, 0)).await.is_empty());
}

async fn parallel_senders_never_share_a_message(store: Store, _url: String) {
    let id = session_with(&store, "t-mail-parallel", 200, 0).await;
    for n in 1..=120 {
        store
            .register(&request(&id, n, 0), None, at(9, 0))
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for sender in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("sender-{sender}");
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_mail(&name, at(9, 1), LEASE, 7).await.unwrap();
                if batch.is_empty() {
                    return mine;
                }
                let tries: Vec<(i64, Outcome)> = batch.iter().map(|c| sent(c.id)).collect();
                let recorded = store.mail_tried(&name, &tries, at(9, 1)).await.unwrap();
                assert_eq!(recorded, u64::try_from(batch.len()).unwrap());
                mine.extend(batch.into_iter().map(|c| c.id));
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let distinct: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 120, "every message claimed once");
    assert_eq!(distinct.len(), 120, "no message claimed twice");
    assert_eq!(store.mail_status().await.unwrap().sent, 120);
}

async fn retries_wait_and_failures_are_kept(store: Store, _url: String) {
    let id = session_with(&store, "t-mail-retry", 5, 0).await;
    for n in 1..=2 {
        store
            .register(&request(&id, n, 0), None, at(9, 0))
            .await
            .unwrap();
    }
    let claimed = claim(&store, "a", at(9, 1)).await;
    let (retry, fail) = (claimed[0].0.id, claimed[1].0.id);
    let tries = [
        (
            retry,
            Outcome::Retry {
                reason: "451 4.3.0 try again later".into(),
                retry_at: at(9, 10),
            },
        ),
        (
            fail,
            Outcome::Failed {
                reason: "550 5.1.1 mailbox unavailable".into(),
            },
        ),
    ];
    assert_eq!(store.mail_tried("a", &tries, at(9, 1)).await.unwrap(), 2);
    let status = store.mail_status().await.unwrap();
    assert_eq!((status.queued, status.sent, status.failed), (1, 0, 1));
    assert_eq!(status.failures.len(), 1);
    assert_eq!(status.failures[0].id, fail);
    assert_eq!(status.failures[0].reason, "550 5.1.1 mailbox unavailable");
    assert_eq!(status.retrying.len(), 1);
    assert_eq!(status.retrying[0].reason, "451 4.3.0 try again later");
    assert_eq!(status.retrying[0].at, at(9, 10));
    // Not before its time; then once more, and it goes.
    assert!(claim(&store, "a", at(9, 9)).await.is_empty());
    let again = claim(&store, "a", at(9, 10)).await;
    assert_eq!(kinds(&again), [("confirmed", claimed[0].0.registration_id)]);
    assert_eq!(again[0].0.attempts, 2);
    store
        .mail_tried("a", &[sent(retry)], at(9, 10))
        .await
        .unwrap();
    let status = store.mail_status().await.unwrap();
    assert_eq!((status.queued, status.sent, status.failed), (0, 1, 1));
    assert!(status.retrying.is_empty());
}

async fn mailed_manage_links_reach_their_registration_only(store: Store, _url: String) {
    let id = session_with(&store, "t-mail-links", 5, 0).await;
    let mut ids = Vec::new();
    for n in 1..=2 {
        let registered = store
            .register(&request(&id, n, 0), None, at(9, 0))
            .await
            .unwrap();
        ids.push(registered.registration.id);
    }
    let issued = store
        .issue_manage_tokens(&[ids[0], 999_999], at(9, 1))
        .await
        .unwrap();
    assert_eq!(issued.keys().copied().collect::<Vec<_>>(), [ids[0]]);
    let token = &issued[&ids[0]];
    assert!(store.check_manage_token(ids[0], token).await.unwrap());
    assert!(!store.check_manage_token(ids[1], token).await.unwrap());
    // Each message gets its own link; the earlier ones keep working.
    let second = store
        .issue_manage_tokens(&[ids[0]], at(9, 2))
        .await
        .unwrap();
    assert_ne!(&second[&ids[0]], token);
    assert!(store.check_manage_token(ids[0], token).await.unwrap());
    assert!(
        store
            .check_manage_token(ids[0], &second[&ids[0]])
            .await
            .unwrap()
    );
}

async fn erasure_forgets_the_messages(store: Store, _url: String) {
    let id = session_with(&store, "t-mail-erase", 5, 0).await;
    let anna = store
        .register(&request(&id, 1, 0), None, at(9, 0))
        .await
        .unwrap()
        .registration;
    let other = store
        .register(&request(&id, 2, 0), None, at(9, 0))
        .await
        .unwrap()
        .registration;
    let first = claim(&store, "a", at(9, 1)).await;
    let tries: Vec<(i64, Outcome)> = first.iter().map(|(c, _)| sent(c.id)).collect();
    store.mail_tried("a", &tries, at(9, 1)).await.unwrap();
    let link = store
        .issue_manage_tokens(&[anna.id], at(9, 1))
        .await
        .unwrap()[&anna.id]
        .clone();
    // A queued message to Anna, then her erasure.
    store
        .cancel("admin", Canceller::Staff, anna.id, at(9, 2))
        .await
        .unwrap();
    let email = skillhub_core::person::Email::parse("persona1@example.it").unwrap();
    store.erase_person("admin", &email, at(9, 3)).await.unwrap();
    assert!(
        claim(&store, "a", at(9, 4)).await.is_empty(),
        "her queued message is gone"
    );
    assert!(!store.check_manage_token(anna.id, &link).await.unwrap());
    assert!(
        store
            .issue_manage_tokens(&[anna.id], at(9, 4))
            .await
            .unwrap()
            .is_empty(),
        "an erased registration gets no new link"
    );
    let status = store.mail_status().await.unwrap();
    assert_eq!(
        (status.queued, status.sent),
        (0, 2),
        "sent ones stay counted"
    );
    // The sent ones keep no address and no facts; the other person's are untouched.
    let data = store.person_data(&email).await.unwrap();
    assert!(data.registrations.is_empty());
    let kept = store
        .messages_about(other.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.state, m.recipient, m.notice.contains("Persona 2")))
        .collect::<Vec<_>>();
    assert_eq!(
        kept,
        [("sent".to_owned(), "persona2@example.it".to_owned(), true)]
    );
    let erased = store
        .messages_about(anna.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.state, m.recipient, m.notice))
        .collect::<Vec<_>>();
    assert_eq!(
        erased,
        [("sent".to_owned(), String::new(), "{}".to_owned())],
        "the queued cancellation is gone, the sent confirmation emptied"
    );
}

async fn reminders_come_once_and_never_before_the_registration(store: Store, _url: String) {
    // The test session starts on 11 June 2019 at 9:30 in Rome (7:30 UTC).
    let id = session_with(&store, "t-mail-remind", 5, 0).await;
    let start = Utc.with_ymd_and_hms(2019, 6, 11, 7, 30, 0).unwrap();
    let early = store
        .register(&request(&id, 1, 0), None, at(9, 0))
        .await
        .unwrap()
        .registration;
    let reminders = |messages: Vec<(Claimed, Notice)>| -> Vec<(i64, u32)> {
        messages
            .into_iter()
            .filter_map(|(_, n)| match n.event {
                Event::Reminder {
                    registration,
                    before_minutes,
                    ..
                } => Some((registration, before_minutes)),
                _ => None,
            })
            .collect()
    };
    deliver(&store, at(9, 1)).await;
    assert_eq!(
        store
            .post_reminders(start - Duration::hours(49))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .post_reminders(start - Duration::hours(48))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .post_reminders(start - Duration::hours(47))
            .await
            .unwrap(),
        0,
        "once"
    );
    // Someone registering inside the 48-hour window gets only the 2-hour reminder.
    let late_at = start - Duration::hours(10);
    let late = store
        .register(&request(&id, 2, 0), None, late_at)
        .await
        .unwrap()
        .registration;
    assert_eq!(
        reminders(deliver(&store, start - Duration::hours(10)).await),
        [(early.id, 48 * 60)]
    );
    assert_eq!(
        store
            .post_reminders(start - Duration::hours(2))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        reminders(deliver(&store, start - Duration::hours(2)).await),
        [(early.id, 120), (late.id, 120)]
    );
    // Nothing once the session has started, nothing for a cancelled registration.
    assert_eq!(store.post_reminders(start).await.unwrap(), 0);
}

async fn a_moved_session_tells_everyone_with_a_new_revision(store: Store, _url: String) {
    let id = session_with(&store, "t-mail-move", 1, 0).await;
    for n in 1..=2 {
        store
            .register(&request(&id, n, 0), None, at(9, 0))
            .await
            .unwrap();
    }
    deliver(&store, at(9, 1)).await;
    let later = Utc.with_ymd_and_hms(2019, 6, 12, 7, 30, 0).unwrap();
    let change = SessionChange {
        starts_at: Some(later),
        ends_at: Some(later + Duration::hours(4)),
        ..SessionChange::default()
    };
    let moved = store
        .change_session("admin", &id, &change, at(10, 0))
        .await
        .unwrap();
    assert_eq!((moved.starts_at, moved.revision), (later, 1));
    let told = deliver(&store, at(10, 1)).await;
    assert_eq!(told.len(), 2, "the confirmed and the waiting one");
    for (_, notice) in &told {
        let Event::SessionChanged {
            session, before, ..
        } = &notice.event
        else {
            panic!("{:?}", notice.event)
        };
        assert_eq!((session.starts_at, session.sequence), (later, 1));
        assert_eq!(before.sequence, 0);
        assert_eq!(
            before.starts_at,
            Utc.with_ymd_and_hms(2019, 6, 11, 7, 30, 0).unwrap()
        );
    }
    // Ending before it starts is no session.
    let backwards = SessionChange {
        ends_at: Some(later - Duration::hours(1)),
        ..SessionChange::default()
    };
    let refused = store
        .change_session("admin", &id, &backwards, at(10, 2))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::InvalidChange { .. }), "{refused}");
}

async fn new_seats_seat_the_first_in_line_and_a_new_title_is_told(store: Store, _url: String) {
    use skillhub_core::capacity::Seats;
    let id = session_with(&store, "t-mail-seats", 1, 0).await;
    let mut ids = Vec::new();
    for n in 1..=4 {
        let registered = store
            .register(&request(&id, n, 0), None, at(9, 0))
            .await
            .unwrap();
        ids.push(registered.registration.id);
    }
    deliver(&store, at(9, 1)).await;
    // Two more seats: the first two in line are seated and told; nobody else hears of it.
    let more = SessionChange {
        seats: Some(Seats::new(3, 0).unwrap()),
        ..SessionChange::default()
    };
    let changed = store
        .change_session("staff:1", &id, &more, at(10, 0))
        .await
        .unwrap();
    assert_eq!(
        (
            changed.capacity(),
            changed.confirmed(),
            changed.waitlisted()
        ),
        (3, 3, 1)
    );
    assert_eq!(changed.revision, 0, "seats are not in anyone's calendar");
    assert_eq!(store.session(&id).await.unwrap().unwrap(), changed);
    let told = deliver(&store, at(10, 1)).await;
    assert_eq!(
        kinds(&told),
        [("promoted", Some(ids[1])), ("promoted", Some(ids[2]))]
    );
    // Fewer seats than are given: refused, nothing changes.
    let fewer = SessionChange {
        seats: Some(Seats::new(2, 0).unwrap()),
        ..SessionChange::default()
    };
    let refused = store
        .change_session("staff:1", &id, &fewer, at(10, 2))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::InvalidChange { message, .. } if message.contains("3 in-person seats are given already")),
        "{refused}"
    );
    assert_eq!(store.session(&id).await.unwrap().unwrap(), changed);
    // Seats that do not suit the mode (an in-person session has no online seats): refused.
    let online = SessionChange {
        seats: Some(Seats::new(3, 2).unwrap()),
        ..SessionChange::default()
    };
    assert!(
        store
            .change_session("staff:1", &id, &online, at(10, 2))
            .await
            .is_err()
    );
    // A new title is told to everyone still registered, with a new revision.
    let renamed = SessionChange {
        title: Some("  Facebook per la Sanità, seconda edizione ".to_owned()),
        ..SessionChange::default()
    };
    let changed = store
        .change_session("staff:1", &id, &renamed, at(10, 3))
        .await
        .unwrap();
    assert_eq!(
        (changed.title.as_str(), changed.revision),
        ("Facebook per la Sanità, seconda edizione", 1)
    );
    let told = deliver(&store, at(10, 4)).await;
    assert_eq!(told.len(), 4);
    assert!(told.iter().all(|(c, _)| c.kind == "session_changed"));
    // An empty title is none.
    let blank = SessionChange {
        title: Some("   ".to_owned()),
        ..SessionChange::default()
    };
    assert!(
        store
            .change_session("staff:1", &id, &blank, at(10, 5))
            .await
            .is_err()
    );
}

async fn a_cancelled_session_tells_everyone_and_takes_nobody(store: Store, _url: String) {
    let id = session_with(&store, "t-mail-off", 2, 0).await;
    let mut ids = Vec::new();
    for n in 1..=3 {
        let registered = store
            .register(&request(&id, n, 0), None, at(9, 0))
            .await
            .unwrap();
        ids.push(registered.registration.id);
    }
    deliver(&store, at(9, 1)).await;
    let done = store
        .cancel_session("admin", &id, Some("  la sede è chiusa  "), at(10, 0))
        .await
        .unwrap();
    assert_eq!(done.cancelled, ids);
    assert_eq!(done.session.cancelled_at, Some(at(10, 0)));
    assert_eq!(
        (done.session.confirmed(), done.session.waitlisted()),
        (0, 0)
    );
    assert_eq!(
        store.session(&id).await.unwrap().unwrap(),
        done.session,
        "what it answers is what is stored"
    );
    let told = deliver(&store, at(10, 1)).await;
    assert_eq!(
        kinds(&told),
        ids.iter()
            .map(|id| ("session_cancelled", Some(*id)))
            .collect::<Vec<_>>()
    );
    for (_, notice) in &told {
        assert!(
            matches!(&notice.event, Event::SessionCancelled { reason: Some(r), .. } if r == "la sede è chiusa"),
            "every message gives the reason, trimmed: {notice:?}"
        );
    }
    for id in &ids {
        let view = store.registration(*id).await.unwrap().unwrap();
        assert_eq!(view.status.name(), "cancelled");
    }
    let refused = store
        .register(&request(&id, 9, 0), None, at(10, 2))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::SessionCancelled(_)), "{refused}");
    let twice = store
        .cancel_session("admin", &id, None, at(10, 3))
        .await
        .unwrap_err();
    assert!(matches!(twice, Error::SessionCancelled(_)), "{twice}");
}

async fn a_draw_tells_everyone_its_result(store: Store, _url: String) {
    use skillhub_allocation::lottery::Commitment;
    let id = batch_session(&store, "t-mail-draw", 1, at(11, 0)).await;
    store
        .commit_draw(
            "admin",
            &id,
            &Commitment::parse("the first number drawn on the Rome wheel on 1 February 2019")
                .unwrap(),
            at(8, 0),
        )
        .await
        .unwrap();
    for n in 1..=3 {
        store
            .register(&request(&id, n, 0), None, at(9, 0))
            .await
            .unwrap();
    }
    let entered = deliver(&store, at(9, 1)).await;
    assert!(
        entered
            .iter()
            .all(|(_, n)| matches!(n.event, Event::InDraw { .. })),
        "before the draw everyone is in the draw, not in a line"
    );
    let public = "il numero estratto sulla ruota di Roma";
    let allocation = store
        .allocate("admin", &id, public, at(12, 0))
        .await
        .unwrap();
    assert_eq!(
        (allocation.confirmed.len(), allocation.waitlisted.len()),
        (1, 2)
    );
    let told = claim(&store, "a", at(12, 1)).await;
    let mut outcomes: Vec<(i64, DrawOutcome)> = told
        .into_iter()
        .filter_map(|(_, n)| match n.event {
            Event::Drawn {
                registration,
                outcome,
                ..
            } => Some((registration, outcome)),
            _ => None,
        })
        .collect();
    outcomes.sort_by_key(|(id, _)| *id);
    let mut expected: Vec<(i64, DrawOutcome)> = allocation
        .confirmed
        .iter()
        .map(|id| (*id, DrawOutcome::Confirmed))
        .chain(
            allocation
                .waitlisted
                .iter()
                .zip(1..)
                .map(|(id, position)| (*id, DrawOutcome::Waitlisted { position })),
        )
        .collect();
    expected.sort_by_key(|(id, _)| *id);
    assert_eq!(outcomes, expected);
}
