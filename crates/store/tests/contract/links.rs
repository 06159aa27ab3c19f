//! Links asked for by address: "Ho perso il link" posts one message listing exactly the
//! address's live registrations, or nothing; an address gets at most three requests of each kind
//! an hour; a data link is issued at send time, works for an hour, survives any number of
//! exports and is spent by an erasure, with every other link of the address.

use chrono::{DateTime, Duration, TimeZone, Utc};
use skillhub_core::capacity::Status;
use skillhub_core::lang::Lang;
use skillhub_core::person::Email;
use skillhub_notify::{Canceller, Event, Notice};
use skillhub_store::{Claimed, DataLink, Outcome, REQUESTS_PER_HOUR, Store};

use super::{PgDatabase, at, request, session_with, sqlite};

contract!(
    lost_links_list_the_live_registrations_only,
    an_address_gets_three_requests_an_hour,
    a_data_link_works_an_hour_and_until_an_erasure,
    an_erasure_by_staff_spends_the_data_links,
);

const LEASE: Duration = Duration::seconds(120);

fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

/// Claims everything due at `now` and records it sent; what was sent, with its notice.
async fn deliver(store: &Store, now: DateTime<Utc>) -> Vec<(Claimed, Notice)> {
    let claimed = store.claim_mail("sender", now, LEASE, 1000).await.unwrap();
    let tries: Vec<(i64, Outcome)> = claimed
        .iter()
        .map(|c| {
            (
                c.id,
                Outcome::Sent {
                    message_id: format!("m{}@test", c.id),
                },
            )
        })
        .collect();
    store.mail_tried("sender", &tries, now).await.unwrap();
    claimed
        .into_iter()
        .map(|c| {
            let notice = serde_json::from_str(&c.notice).unwrap();
            (c, notice)
        })
        .collect()
}

async fn register(store: &Store, session: &str, n: usize) -> i64 {
    store
        .register(&request(session, n, 0), None, at(9, 0))
        .await
        .unwrap()
        .registration
        .id
}

async fn lost_links_list_the_live_registrations_only(store: Store, _url: String) {
    let roomy = session_with(&store, "t-lost-roomy", 5, 0).await;
    let full = session_with(&store, "t-lost-full", 1, 0).await;
    let dropped = session_with(&store, "t-lost-dropped", 5, 0).await;
    let confirmed = register(&store, &roomy, 1).await;
    register(&store, &full, 2).await;
    let waiting = register(&store, &full, 1).await;
    let cancelled = register(&store, &dropped, 1).await;
    store
        .cancel("registrant", Canceller::Person, cancelled, at(9, 1))
        .await
        .unwrap();
    deliver(&store, at(9, 2)).await;

    // Asked with the address in another case, in English.
    store
        .request_lost_links(&email("PERSONA1@Example.it"), Lang::En, at(10, 0))
        .await
        .unwrap();
    let sent = deliver(&store, at(10, 1)).await;
    assert_eq!(sent.len(), 1, "one message for all the registrations");
    let (claimed, notice) = &sent[0];
    assert_eq!(claimed.kind, "lost_links");
    assert_eq!(claimed.registration_id, None);
    assert_eq!(
        claimed.recipient, "persona1@example.it",
        "to the address as registered"
    );
    assert_eq!(notice.lang, Lang::En);
    assert_eq!(notice.name, "Persona 1");
    let Event::LostLinks { registrations } = &notice.event else {
        panic!("{:?}", notice.event)
    };
    let listed: Vec<(i64, &str)> = registrations
        .iter()
        .map(|(id, session)| (*id, session.id.as_str()))
        .collect();
    assert_eq!(
        listed,
        [(confirmed, roomy.as_str()), (waiting, full.as_str())],
        "the live ones only, not the cancelled one"
    );
    assert_eq!(notice.manage_links_needed(), [confirmed, waiting]);
    let issued = store
        .issue_manage_tokens(&notice.manage_links_needed(), at(10, 1))
        .await
        .unwrap();
    for (id, token) in &issued {
        assert!(store.check_manage_token(*id, token).await.unwrap());
    }

    // An address with no registration gets nothing at all.
    store
        .request_lost_links(&email("nessuno@example.it"), Lang::It, at(10, 2))
        .await
        .unwrap();
    assert!(deliver(&store, at(10, 3)).await.is_empty());
    // Nor does one whose sessions have all ended (11 June 2019, 13:30 in Rome).
    let after = Utc.with_ymd_and_hms(2019, 6, 11, 12, 0, 0).unwrap();
    store
        .request_lost_links(&email("persona1@example.it"), Lang::It, after)
        .await
        .unwrap();
    assert!(deliver(&store, after).await.is_empty());
    // The other person's registration is not in anybody else's list.
    store
        .request_lost_links(&email("persona2@example.it"), Lang::It, at(10, 4))
        .await
        .unwrap();
    let sent = deliver(&store, at(10, 5)).await;
    let Event::LostLinks { registrations } = &sent[0].1.event else {
        panic!("{:?}", sent[0].1.event)
    };
    assert_eq!(registrations.len(), 1);
    assert_eq!(registrations[0].1.id.as_str(), full);
}

async fn an_address_gets_three_requests_an_hour(store: Store, _url: String) {
    let id = session_with(&store, "t-lost-limit", 5, 0).await;
    register(&store, &id, 1).await;
    register(&store, &id, 2).await;
    deliver(&store, at(9, 1)).await;
    let anna = email("persona1@example.it");
    for minute in 0..5 {
        store
            .request_lost_links(&anna, Lang::It, at(10, minute))
            .await
            .unwrap();
    }
    assert_eq!(
        deliver(&store, at(10, 10)).await.len(),
        usize::try_from(REQUESTS_PER_HOUR).unwrap(),
        "the requests over the limit post nothing"
    );
    // Another address, and another kind of request, count apart.
    store
        .request_lost_links(&email("persona2@example.it"), Lang::It, at(10, 11))
        .await
        .unwrap();
    store
        .request_data_link(&anna, Lang::It, at(10, 12))
        .await
        .unwrap();
    let kinds: Vec<String> = deliver(&store, at(10, 13))
        .await
        .into_iter()
        .map(|(c, _)| c.kind)
        .collect();
    assert_eq!(kinds, ["lost_links", "data_link"]);
    // Within the hour, still nothing; an hour after the first, one more.
    store
        .request_lost_links(&anna, Lang::It, at(10, 59))
        .await
        .unwrap();
    assert!(deliver(&store, at(10, 59)).await.is_empty());
    store
        .request_lost_links(&anna, Lang::It, at(11, 0))
        .await
        .unwrap();
    assert_eq!(deliver(&store, at(11, 0)).await.len(), 1);
    // Unknown addresses are counted too, and stay silent.
    for minute in 0..5 {
        store
            .request_lost_links(&email("nessuno@example.it"), Lang::It, at(12, minute))
            .await
            .unwrap();
    }
    assert!(deliver(&store, at(12, 10)).await.is_empty());
}

async fn a_data_link_works_an_hour_and_until_an_erasure(store: Store, _url: String) {
    let roomy = session_with(&store, "t-data-roomy", 5, 0).await;
    let full = session_with(&store, "t-data-full", 1, 0).await;
    let anna = register(&store, &roomy, 1).await;
    let seated = register(&store, &full, 1).await;
    let waiting = register(&store, &full, 2).await;
    deliver(&store, at(9, 1)).await;

    let t = at(10, 0);
    store
        .request_data_link(&email("nessuno@example.it"), Lang::It, t)
        .await
        .unwrap();
    assert!(
        deliver(&store, t).await.is_empty(),
        "an address holding nothing gets nothing"
    );
    store
        .request_data_link(&email("Persona1@example.it"), Lang::En, t)
        .await
        .unwrap();
    let sent = deliver(&store, t).await;
    assert_eq!(sent.len(), 1);
    let (claimed, notice) = &sent[0];
    assert_eq!(
        (claimed.kind.as_str(), claimed.recipient.as_str()),
        ("data_link", "persona1@example.it")
    );
    assert!(
        !claimed.notice.contains("token"),
        "the outbox keeps no secret"
    );
    let Event::DataLink { valid_until } = notice.event else {
        panic!("{:?}", notice.event)
    };
    assert_eq!(valid_until, t + Duration::hours(1));
    assert!(notice.manage_links_needed().is_empty());

    // The secret exists from the sending on, one per try; never for another kind of message or
    // once the hour is over.
    let soon = t + Duration::minutes(1);
    let token = store
        .issue_data_token(claimed.id, valid_until, soon)
        .await
        .unwrap()
        .unwrap();
    let retry = store
        .issue_data_token(claimed.id, valid_until, soon)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(token, retry);
    let confirmation = store.messages_about(anna).await.unwrap()[0].id;
    assert_eq!(
        store
            .issue_data_token(confirmation, valid_until, soon)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .issue_data_token(claimed.id, valid_until, valid_until)
            .await
            .unwrap(),
        None
    );

    // Open within the hour, as often as one likes; gone after it; unknown otherwise.
    let open = DataLink::Open {
        email: email("persona1@example.it"),
        valid_until,
    };
    assert_eq!(store.data_link(&token, soon).await.unwrap(), open);
    assert_eq!(
        store
            .data_link(&token, t + Duration::minutes(59))
            .await
            .unwrap(),
        open
    );
    assert_eq!(
        store.data_link(&token, valid_until).await.unwrap(),
        DataLink::Gone
    );
    assert_eq!(
        store.data_link("not-a-token", soon).await.unwrap(),
        DataLink::Unknown
    );
    assert_eq!(
        store.erase_by_data_link(&token, valid_until).await.unwrap(),
        None,
        "an expired link erases nothing"
    );

    // The erasure: live registrations cancelled first (the seat goes on), then all anonymised.
    let erased = store
        .erase_by_data_link(&token, soon)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(erased.registrations, [anna, seated]);
    for id in [anna, seated] {
        let view = store.registration(id).await.unwrap().unwrap();
        assert_eq!(view.status, Status::Cancelled);
        assert!(view.email.starts_with("erased-"), "{}", view.email);
    }
    let promoted = store.registration(waiting).await.unwrap().unwrap();
    assert_eq!(promoted.status, Status::Confirmed);
    // Spent: this link and the other one of the address; no second erasure.
    for link in [&token, &retry] {
        assert_eq!(store.data_link(link, soon).await.unwrap(), DataLink::Gone);
    }
    assert_eq!(store.erase_by_data_link(&token, soon).await.unwrap(), None);
    assert!(
        store
            .person_data(&email("persona1@example.it"))
            .await
            .unwrap()
            .registrations
            .is_empty()
    );
    // The other person's promotion is told; nothing is posted to the erased address.
    let sent = deliver(&store, soon).await;
    let recipients: Vec<&str> = sent.iter().map(|(c, _)| c.recipient.as_str()).collect();
    assert_eq!(recipients, ["persona2@example.it"]);
}

async fn an_erasure_by_staff_spends_the_data_links(store: Store, _url: String) {
    let id = session_with(&store, "t-data-staff", 5, 0).await;
    register(&store, &id, 1).await;
    deliver(&store, at(9, 1)).await;
    let anna = email("persona1@example.it");
    store
        .request_data_link(&anna, Lang::It, at(10, 0))
        .await
        .unwrap();
    let sent = deliver(&store, at(10, 0)).await;
    let Event::DataLink { valid_until } = sent[0].1.event else {
        panic!("{:?}", sent[0].1.event)
    };
    let token = store
        .issue_data_token(sent[0].0.id, valid_until, at(10, 0))
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        store.data_link(&token, at(10, 1)).await.unwrap(),
        DataLink::Open { .. }
    ));
    // A data-link message still queued when staff erase the address never leaves.
    store
        .request_data_link(&anna, Lang::It, at(10, 1))
        .await
        .unwrap();
    store.erase_person("admin", &anna, at(10, 2)).await.unwrap();
    assert_eq!(
        store.data_link(&token, at(10, 3)).await.unwrap(),
        DataLink::Gone
    );
    assert!(deliver(&store, at(10, 5)).await.is_empty());
}
