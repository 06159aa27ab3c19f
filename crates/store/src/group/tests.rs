//! Group commit decides as one by one would: the same sequence of requests, fed alone (each
//! decided by `seat!` with its own writes) and in arbitrary batches (plain requests decided in
//! memory and written together, as the server does), gets the same answers and leaves the same
//! registrations, counters, messages and audit lines (a property on SQLite; one fixed case on
//! PostgreSQL when `TEST_PG_URL` is set).

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use skillhub_core::capacity::{SeatKind, Seats, Tier};
use skillhub_core::ids::{ProgramId, SessionId};
use skillhub_core::lang::Lang;
use skillhub_core::person::Person;
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::tz::Zone;

use super::Arrival;
use crate::{Idempotency, NewSession, OpenOptions, RegisterRequest, Store, Timing};

/// One request of a generated sequence.
#[derive(Debug, Clone)]
struct Step {
    /// Who (a few people, so addresses and codes repeat).
    person: usize,
    tier: u8,
    online: bool,
    beyond: bool,
    /// An idempotency key (of a few) and whether the body is the first one's.
    key: Option<(u8, bool)>,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0usize..8,
        0u8..3,
        proptest::bool::weighted(0.2),
        proptest::bool::weighted(0.1),
        proptest::option::weighted(0.3, (0u8..3, proptest::bool::weighted(0.8))),
    )
        .prop_map(|(person, tier, online, beyond, key)| Step {
            person,
            tier,
            online,
            beyond,
            key,
        })
}

const SESSION: &str = "gruppo-prova";

fn at_minute(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 6, 11, 6, 0, 0).unwrap() + chrono::Duration::minutes(minute)
}

/// Person `n`; people 6 and 7 share a codice fiscale under two addresses.
fn person(n: usize) -> Person {
    let mut value = serde_json::json!({
        "name": format!("Persona {n}"),
        "email": format!("persona{n}@example.it"),
    });
    if n >= 6 {
        value["codice_fiscale"] = "RSSMRA85T10A562S".into();
    }
    serde_json::from_value(value).unwrap()
}

fn arrival(i: usize, step: &Step) -> Arrival {
    Arrival {
        request: RegisterRequest {
            session_id: SESSION.parse().unwrap(),
            person: person(step.person),
            kind: step.online.then_some(SeatKind::Online),
            tier: Tier::new(step.tier),
            actor: if step.beyond { "admin" } else { "public" }.into(),
            timing: if step.beyond {
                Timing::BeyondSeats
            } else {
                Timing::InWindow
            },
            lang: Lang::It,
        },
        idempotency: step.key.map(|(key, same)| Idempotency {
            scope: format!("POST /v1/sessions/{SESSION}/registrations"),
            key: format!("k{key}"),
            request_hash: if same {
                format!("h{key}")
            } else {
                format!("h{key}-{i}")
            },
        }),
        now: at_minute(i64::try_from(i).unwrap()),
    }
}

async fn store_with_session(url: &str, in_person: i64, online: i64) -> Store {
    let store = Store::open(url, &OpenOptions::default()).await.unwrap();
    let session = Session::new(SessionSpec {
        id: SessionId::parse(SESSION).unwrap(),
        program: ProgramId::parse("binario-f").unwrap(),
        hub: Some("binario-f-roma-termini".parse().unwrap()),
        room: None,
        title: "Prova".into(),
        competences: vec![],
        level: None,
        mode: if online > 0 {
            Mode::Hybrid
        } else {
            Mode::InPerson
        },
        seats: Seats::new(in_person, online).unwrap(),
        trainers: vec![],
        date: chrono::NaiveDate::from_ymd_opt(2019, 6, 11).unwrap(),
        start: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(13, 30, 0).unwrap(),
        zone: Zone::rome(),
        ambiguity: Ambiguity::Refuse,
    })
    .unwrap();
    store
        .create_session("admin", &NewSession::open_until_start(session))
        .await
        .unwrap();
    store
}

/// What a request was answered and what the session holds at the end, without the secrets
/// (manage tokens are new each time).
type Answers = Vec<Result<(i64, String, Option<u32>, bool), String>>;
type Final = (
    Vec<(i64, String, String, Option<u32>)>,
    String,
    Vec<OutboxRow>,
    Vec<AuditRow>,
);

/// A registration's line of the audit log: when, who, what, the registration's rank and the
/// state it records.
type AuditRow = (String, String, String, Option<i64>, Option<String>);

/// The audit log as stored, times as their text.
const AUDIT: &str = "SELECT CAST(at AS TEXT), actor, action, entity_id, after FROM audit_log \
     WHERE entity = 'registration' ORDER BY id";

/// A row of [`OUTBOX`].
type OutboxRow = (String, Option<i64>, String, String, String, String, String);

/// The outbox as stored, times as their text (SQLite compares them as text): kind,
/// registration, recipient, language, notice, created, due.
const OUTBOX: &str = "SELECT kind, registration_id, recipient, lang, notice, \
     CAST(created_at AS TEXT), CAST(next_attempt_at AS TEXT) FROM outbox";

async fn run(store: &Store, arrivals: &[Arrival], cuts: &[bool]) -> (Answers, Final) {
    let mut answers = Vec::new();
    let mut batch: Vec<Arrival> = Vec::new();
    for (i, arrival) in arrivals.iter().enumerate() {
        batch.push(arrival.clone());
        if cuts.get(i).copied().unwrap_or(true) || i + 1 == arrivals.len() {
            // One by one, each by `seat!` and its own writes; in batches, as the server does.
            let outcomes = if cuts.is_empty() {
                store.register_batch_as(&batch, false).await.unwrap()
            } else {
                store.decide_together(&batch).await
            };
            for outcome in outcomes {
                answers.push(
                    outcome
                        .map(|r| {
                            (
                                r.registration.id,
                                r.registration.status.name().to_owned(),
                                r.registration.position(),
                                r.replayed,
                            )
                        })
                        .map_err(|e| e.to_string()),
                );
            }
            batch.clear();
        }
    }
    let listed: Vec<(i64, String, String, Option<u32>)> = store
        .session_registrations(SESSION)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let position = r.position();
            (r.id, r.email, r.status.name().to_owned(), position)
        })
        .collect();
    // Ids are compared by their order: PostgreSQL's sequence may leave gaps (an id reserved
    // for a request that was refused), which mean nothing.
    let mut ids: Vec<i64> = listed.iter().map(|(id, ..)| *id).collect();
    ids.sort_unstable();
    let rank = |id: i64| i64::try_from(ids.partition_point(|&x| x < id)).unwrap();
    let answers = answers
        .into_iter()
        .map(|a| a.map(|(id, status, position, replayed)| (rank(id), status, position, replayed)))
        .collect();
    let listed = listed
        .into_iter()
        .map(|(id, email, status, position)| (rank(id), email, status, position))
        .collect::<Vec<_>>();
    let view = store.session(SESSION).await.unwrap().unwrap();
    let counts = format!(
        "{} seats {}+{}, seated {}+{}, waiting {}+{}",
        view.id,
        view.seats_in_person,
        view.seats_online,
        view.seated_in_person,
        view.seated_online,
        view.waiting_in_person,
        view.waiting_online
    );
    // The messages with their registrations' ranks, in the order of the registrations they
    // tell of: a batch writes its messages after its last seat, so ids may interleave
    // differently with those written by other steps (which mean nothing to delivery).
    let rows: Vec<OutboxRow> = crate::read!(store, |conn| sqlx::query_as(OUTBOX)
        .fetch_all(conn)
        .await
        .unwrap());
    let mut outbox: Vec<_> = rows
        .into_iter()
        .map(
            |(kind, registration, recipient, lang, notice, created, due)| {
                let notice = match registration {
                    Some(id) => notice.replace(
                        &format!("\"registration\":{id}"),
                        &format!("\"registration\":#{}", rank(id)),
                    ),
                    None => notice,
                };
                (
                    kind,
                    registration.map(rank),
                    recipient,
                    lang,
                    notice,
                    created,
                    due,
                )
            },
        )
        .collect();
    outbox.sort();
    let lines: Vec<(String, String, String, String, Option<String>)> =
        crate::read!(store, |conn| sqlx::query_as(AUDIT)
            .fetch_all(conn)
            .await
            .unwrap());
    let audit = lines
        .into_iter()
        .map(|(at, actor, action, entity, after)| {
            let id: Option<i64> = entity.parse().ok();
            let after = match (id, after) {
                (Some(id), Some(after)) => {
                    Some(after.replace(&format!("\"id\":{id},"), &format!("\"id\":#{},", rank(id))))
                }
                (_, after) => after,
            };
            (at, actor, action, id.map(rank), after)
        })
        .collect();
    (answers, (listed, counts, outbox, audit))
}

/// Feeds `steps` alone, then in the batches `cuts` makes (a cut after each `true`), each on a
/// fresh database at `url_for(n)`; both runs must agree.
async fn compare(
    url_for: impl Fn(usize) -> String,
    in_person: i64,
    online: i64,
    steps: &[Step],
    cuts: &[bool],
) -> Result<(), TestCaseError> {
    let arrivals: Vec<Arrival> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| arrival(i, s))
        .collect();
    let alone = store_with_session(&url_for(0), in_person, online).await;
    let together = store_with_session(&url_for(1), in_person, online).await;
    let one_by_one = run(&alone, &arrivals, &[]).await;
    let grouped = run(&together, &arrivals, cuts).await;
    alone.close().await;
    together.close().await;
    prop_assert_eq!(&one_by_one.0, &grouped.0, "the answers");
    prop_assert_eq!(
        &one_by_one.1,
        &grouped.1,
        "the registrations and the counters"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The same requests, alone or in any batches: the same answers (confirmed until the
    /// seats run out, then waitlisted with consecutive positions; a repeated address or code
    /// refused; an idempotency key replayed or refused) and the same final registrations.
    #[test]
    fn batches_decide_as_one_by_one(
        in_person in 0i64..4,
        online in 0i64..3,
        steps in proptest::collection::vec(step(), 1..24),
        cuts in proptest::collection::vec(any::<bool>(), 24),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let url_for = |n: usize| format!("sqlite://{}", dir.path().join(format!("{n}.db")).display());
        runtime.block_on(compare(url_for, in_person, online, &steps, &cuts))?;
    }
}

/// One mixed sequence on PostgreSQL: its unique indexes abort a whole transaction, which the
/// batch must never reach (a duplicate is refused before its write).
#[tokio::test]
async fn batches_decide_as_one_by_one_on_postgresql() {
    let Some(admin) = skillhub_testkit::postgres_url() else {
        return;
    };
    let steps: Vec<Step> = [0, 1, 1, 6, 7, 2, 3, 0, 4, 5, 2]
        .iter()
        .enumerate()
        .map(|(i, &person)| Step {
            person,
            tier: u8::try_from(i % 3).unwrap(),
            online: false,
            beyond: i == 9,
            key: (i == 2 || i == 7).then_some((0, true)),
        })
        .collect();
    let scratch = crate::scratch::Scratch::create(&admin, "group", 2).await;
    let url_for = |n: usize| scratch.url(n);
    let outcome = compare(
        url_for,
        3,
        0,
        &steps,
        &[
            false, false, true, false, false, false, false, false, false, false, true,
        ],
    )
    .await;
    scratch.drop_all().await;
    outcome.unwrap();
}
