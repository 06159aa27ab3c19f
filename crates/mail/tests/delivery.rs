//! Delivery end to end: decisions of a real store (SQLite) write the outbox, a [`Delivery`]
//! pass (time is a parameter) renders and sends to a real SMTP server (aiosmtpd, from
//! `skillhub-testkit`; skipped without it, failing under CI), and what arrives is parsed back
//! with mail-parser: a registration (with its check-in code, read back from the picture), a waiting place, a promotion after a cancellation, a
//! staff cancellation of a session with three registrants, a reminder, a refusal for good, a
//! failure worth a retry, the manage links asked for by address ("Ho perso il link": a known
//! address gets working links, an unknown one nothing) and a one-time data link that opens the
//! address's data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mail_parser::MimeHeaders as _;
use skillhub_core::capacity::Tier;
use skillhub_core::ids::{ProgramId, SessionId};
use skillhub_core::lang::Lang;
use skillhub_core::person::Person;
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::tz::Zone;
use skillhub_mail::delivery::{ConfirmLink, DataLink, Delivery, ManageLink, Pass};
use skillhub_mail::{MailConfig, Transport};
use skillhub_notify::Canceller;
use skillhub_store::{NewSession, OpenOptions, RegisterRequest, Store, Timing};
use skillhub_testkit::smtp::SmtpServer;

/// When the registrations are made.
fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 2, 1, h, m, 0).unwrap()
}

/// The sessions start on Tuesday 11 June 2019 at 9:30 in Rome.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 6, 11, 7, 30, 0).unwrap()
}

struct World {
    store: Store,
    delivery: Delivery,
    smtp: SmtpServer,
    _dir: tempfile::TempDir,
}

/// A fresh store and a sender to the SMTP server, or `None` (skipped) without aiosmtpd.
async fn world() -> Option<World> {
    let smtp = skillhub_testkit::smtp_server()?;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
    let config = MailConfig {
        smtp_url: Some(smtp.url()),
        from: "Corsi digitali <corsi@comune.example.it>".parse().unwrap(),
        dir: dir.path().join("mail"),
    };
    let transport = Transport::new(&config).unwrap();
    let link: ManageLink = Arc::new(|id, token, lang| {
        let suffix = if lang == Lang::En { "?lang=en" } else { "" };
        format!("https://corsi.comune.example.it/iscrizioni/{id}/{token}{suffix}")
    });
    let data: DataLink = Arc::new(|token, lang| {
        let suffix = if lang == Lang::En { "?lang=en" } else { "" };
        format!("https://corsi.comune.example.it/miei-dati/{token}{suffix}")
    });
    let confirm: ConfirmLink = Arc::new(|id, token, _lang| {
        format!("https://corsi.comune.example.it/iscrizioni/{id}/conferma/{token}")
    });
    let delivery = Delivery::new(
        store.clone(),
        transport,
        config.from,
        "https://corsi.comune.example.it".to_owned(),
        link,
        data,
    )
    .with_confirm_link(confirm)
    .with_check_in_link(Arc::new(|id| {
        format!("https://corsi.comune.example.it/gestione/presenza/{id}")
    }));
    Some(World {
        store,
        delivery,
        smtp,
        _dir: dir,
    })
}

async fn session(store: &Store, id: &str, seats: i64) {
    session_of(
        store,
        id,
        seats,
        "binario-f",
        Some("binario-f-roma-termini"),
    )
    .await;
}

/// A program like the seed ones that requires address confirmation (a 30-minute hold).
const CONFIRMING: &str = r#"
id = "conferma-prova"
name = "Conferma prova"
summary_it = "Un programma di prova che chiede di confermare l'indirizzo."
source = "test"
zone = "Europe/Rome"
countries = ["IT"]
window = { from = "2017-01-01", until = "2020-12-31" }
audiences = ["women"]
email_confirmation = "required"
"#;

/// A session `id` of `seats` seats in `program`, at `hub` (in person) or online without one.
async fn session_of(store: &Store, id: &str, seats: i64, program: &str, hub: Option<&str>) {
    let (mode, seats) = match hub {
        Some(_) => (
            Mode::InPerson,
            skillhub_core::capacity::Seats::new(seats, 0),
        ),
        None => (Mode::Online, skillhub_core::capacity::Seats::new(0, seats)),
    };
    let session = Session::new(SessionSpec {
        id: SessionId::parse(id).unwrap(),
        program: ProgramId::parse(program).unwrap(),
        hub: hub.map(|hub| hub.parse().unwrap()),
        room: None,
        title: "Facebook per la PA".into(),
        competences: vec![],
        level: None,
        mode,
        seats: seats.unwrap(),
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
}

/// Registers `local@example.org` (named after it) in `lang`; the registration's id.
async fn register(store: &Store, session: &str, local: &str, lang: Lang) -> i64 {
    let person: Person = serde_json::from_value(serde_json::json!({
        "name": format!("{local} Rossi"),
        "email": format!("{local}@example.org"),
    }))
    .unwrap();
    let request = RegisterRequest {
        session_id: session.parse().unwrap(),
        person,
        kind: None,
        tier: Tier::new(0),
        actor: "public".into(),
        timing: Timing::InWindow,
        lang,
    };
    store
        .register(&request, None, at(9, 0))
        .await
        .unwrap()
        .registration
        .id
}

/// What one message says, read back from the bytes the server received.
#[derive(Debug)]
struct Received {
    to: String,
    subject: String,
    text: String,
    html: String,
    language: String,
    message_id: String,
    /// The calendar attachment's method and text.
    calendar: Option<(String, String)>,
    /// What the check-in code's picture holds.
    check_in: Option<String>,
}

fn read(bytes: &[u8]) -> Received {
    let message = mail_parser::MessageParser::default().parse(bytes).unwrap();
    let of_type = |subtype: &str| {
        message.attachments().find(|part| {
            part.content_type()
                .is_some_and(|kind| kind.subtype() == Some(subtype))
        })
    };
    let calendar = of_type("calendar").map(|part| {
        let kind = part.content_type().unwrap();
        (
            kind.attribute("method").unwrap().to_owned(),
            String::from_utf8(part.contents().to_vec()).unwrap(),
        )
    });
    let check_in = of_type("png").map(|part| common::read_code(part.contents()));
    assert_eq!(
        message.attachment_count(),
        usize::from(calendar.is_some()) + usize::from(check_in.is_some()),
        "nothing but an invitation and a check-in code is attached"
    );
    Received {
        to: message
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap()
            .to_owned(),
        subject: message.subject().unwrap().to_owned(),
        text: message.body_text(0).unwrap().into_owned(),
        html: message.body_html(0).unwrap().into_owned(),
        language: message
            .header_raw("Content-Language")
            .unwrap()
            .trim()
            .to_owned(),
        message_id: message.message_id().unwrap().to_owned(),
        calendar,
        check_in,
    }
}

/// The messages that arrived after the first `seen`, waiting for `n` more.
fn arrived(smtp: &SmtpServer, seen: usize, n: usize) -> Vec<Received> {
    let all = smtp.wait_for(seen + n, StdDuration::from_secs(20));
    assert_eq!(all.len(), seen + n, "exactly {n} more arrived");
    all[seen..].iter().map(|bytes| read(bytes)).collect()
}

/// The manage link a message carries, checked against the store.
async fn link_in(store: &Store, message: &Received, registration: i64) -> String {
    let prefix = format!("https://corsi.comune.example.it/iscrizioni/{registration}/");
    let start = message.text.find(&prefix).expect("a manage link") + prefix.len();
    let token: String = message.text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert!(
        store
            .check_manage_token(registration, &token)
            .await
            .unwrap(),
        "the mailed link reaches registration {registration}"
    );
    token
}

/// The one event of a calendar attachment, read with skillhub's own iCalendar reader.
fn event(calendar: &str) -> skillhub_import::ics::Event {
    let options = skillhub_import::ics::ImportOptions {
        zone: Zone::rome(),
        ambiguity: Ambiguity::Refuse,
        max_occurrences: 10,
    };
    let mut events = skillhub_import::ics::parse("invito.ics", calendar, &options).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0)
}

#[tokio::test]
async fn registrations_waiting_places_and_promotions_are_mailed() {
    let Some(w) = world().await else { return };
    session(&w.store, "t-seat", 1).await;
    let anna = register(&w.store, "t-seat", "anna", Lang::It).await;
    let bruno = register(&w.store, "t-seat", "bruno", Lang::En).await;
    let pass = w.delivery.pass(at(9, 1)).await.unwrap();
    assert_eq!(
        pass,
        Pass {
            holds_expired: 0,
            reminders: 0,
            sent: 2,
            retrying: 0,
            failed: 0
        }
    );
    let got = arrived(&w.smtp, 0, 2);

    let confirmed = &got[0];
    assert_eq!(confirmed.to, "anna@example.org");
    assert_eq!(confirmed.language, "it");
    assert!(
        confirmed.subject.starts_with("Iscrizione confermata"),
        "{}",
        confirmed.subject
    );
    assert!(confirmed.text.contains("Facebook per la PA"));
    assert!(
        confirmed
            .text
            .contains("martedì 11 giugno 2019, 9:30–13:30"),
        "the local time in the hub's zone:\n{}",
        confirmed.text
    );
    assert!(confirmed.html.contains("lang=\"it\""));
    link_in(&w.store, confirmed, anna).await;
    let (method, calendar) = confirmed.calendar.as_ref().expect("an invitation");
    assert_eq!(method, "REQUEST");
    let invitation = event(calendar);
    assert_eq!(invitation.starts_at(), start(), "the start, in UTC");
    assert_eq!(invitation.title(), "Facebook per la PA");
    assert_eq!(
        confirmed.check_in,
        Some(format!(
            "https://corsi.comune.example.it/gestione/presenza/{anna}"
        )),
        "a seat comes with the check-in code"
    );

    let waiting = &got[1];
    assert_eq!(
        (waiting.to.as_str(), waiting.language.as_str()),
        ("bruno@example.org", "en")
    );
    assert!(
        waiting.text.contains("position 1"),
        "the place in line:\n{}",
        waiting.text
    );
    assert!(waiting.calendar.is_none(), "no seat, no invitation");
    assert!(waiting.check_in.is_none(), "no seat, no check-in code");
    link_in(&w.store, waiting, bruno).await;

    // Anna cancels: she is told, and Bruno gets her seat and his invitation.
    w.store
        .cancel("registrant", Canceller::Person, anna, at(10, 0))
        .await
        .unwrap();
    assert_eq!(w.delivery.pass(at(10, 1)).await.unwrap().sent, 2);
    let got = arrived(&w.smtp, 2, 2);
    let cancelled = got.iter().find(|m| m.to == "anna@example.org").unwrap();
    assert_eq!(cancelled.calendar.as_ref().unwrap().0, "CANCEL");
    let promoted = got.iter().find(|m| m.to == "bruno@example.org").unwrap();
    assert!(
        promoted.subject.contains("seat"),
        "promoted: {}",
        promoted.subject
    );
    assert_eq!(promoted.calendar.as_ref().unwrap().0, "REQUEST");
    assert_eq!(
        promoted.check_in,
        Some(format!(
            "https://corsi.comune.example.it/gestione/presenza/{bruno}"
        ))
    );
    assert!(cancelled.check_in.is_none(), "a cancellation has no code");
    link_in(&w.store, promoted, bruno).await;
    // Every message has its own Message-ID, and nothing else is due.
    let mut ids: Vec<&str> = got.iter().map(|m| m.message_id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 2);
    assert_eq!(w.delivery.pass(at(10, 2)).await.unwrap(), Pass::default());
}

#[tokio::test]
async fn a_cancelled_session_reaches_its_three_registrants() {
    let Some(w) = world().await else { return };
    session(&w.store, "t-off", 2).await;
    for local in ["carla", "dario", "elena"] {
        register(&w.store, "t-off", local, Lang::It).await;
    }
    assert_eq!(w.delivery.pass(at(9, 1)).await.unwrap().sent, 3);
    let done = w
        .store
        .cancel_session("operator:binario-f", "t-off", None, at(11, 0))
        .await
        .unwrap();
    assert_eq!(done.cancelled.len(), 3);
    assert_eq!(w.delivery.pass(at(11, 1)).await.unwrap().sent, 3);
    let got = arrived(&w.smtp, 3, 3);
    let mut to: Vec<&str> = got.iter().map(|m| m.to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(
        to,
        [
            "carla@example.org",
            "dario@example.org",
            "elena@example.org"
        ]
    );
    for message in &got {
        assert!(
            message.subject.starts_with("Incontro annullato"),
            "{}",
            message.subject
        );
        let (method, calendar) = message.calendar.as_ref().unwrap();
        assert_eq!(method, "CANCEL");
        assert!(calendar.contains("STATUS:CANCELLED"), "{calendar}");
    }
}

#[tokio::test]
async fn a_reminder_leaves_when_its_time_comes_and_once() {
    let Some(w) = world().await else { return };
    session(&w.store, "t-remind", 5).await;
    let anna = register(&w.store, "t-remind", "anna", Lang::It).await;
    w.delivery.pass(at(9, 1)).await.unwrap();
    arrived(&w.smtp, 0, 1);
    let before = start() - Duration::hours(48) - Duration::minutes(1);
    assert_eq!(w.delivery.pass(before).await.unwrap(), Pass::default());
    let due = start() - Duration::hours(48);
    let pass = w.delivery.pass(due).await.unwrap();
    assert_eq!((pass.reminders, pass.sent), (1, 1));
    let reminder = &arrived(&w.smtp, 1, 1)[0];
    assert!(
        reminder.subject.starts_with("Promemoria"),
        "{}",
        reminder.subject
    );
    assert!(reminder.text.contains("tra 48 ore"), "{}", reminder.text);
    link_in(&w.store, reminder, anna).await;
    assert_eq!(
        w.delivery
            .pass(due + Duration::minutes(5))
            .await
            .unwrap()
            .reminders,
        0,
        "once"
    );
}

#[tokio::test]
async fn a_refusal_for_good_fails_and_a_4xx_waits_for_a_retry() {
    let Some(w) = world().await else { return };
    session(&w.store, "t-fail", 5).await;
    register(&w.store, "t-fail", "refuse", Lang::It).await;
    register(&w.store, "t-fail", "later", Lang::It).await;
    let pass = w.delivery.pass(at(9, 1)).await.unwrap();
    assert_eq!((pass.sent, pass.retrying, pass.failed), (0, 1, 1));
    let status = w.store.mail_status().await.unwrap();
    assert_eq!((status.queued, status.sent, status.failed), (1, 0, 1));
    assert!(
        status.failures[0].reason.contains("mailbox unavailable"),
        "{:?}",
        status.failures
    );
    assert!(!status.failures[0].reason.contains("refuse@"), "no address");
    assert!(status.retrying[0].reason.contains("try again later"));
    // The retry waits its turn: not at once, then again (and 451 again).
    assert_eq!(w.delivery.pass(at(9, 1)).await.unwrap(), Pass::default());
    let retry_at = status.retrying[0].at;
    assert!(retry_at > at(9, 1));
    assert_eq!(w.delivery.pass(retry_at).await.unwrap().retrying, 1);
    assert!(w.smtp.messages().is_empty(), "nothing was delivered");
}

#[tokio::test]
async fn lost_links_reach_a_known_address_and_nothing_reaches_an_unknown_one() {
    let Some(w) = world().await else { return };
    session(&w.store, "t-lost-1", 5).await;
    session(&w.store, "t-lost-2", 5).await;
    let first = register(&w.store, "t-lost-1", "anna", Lang::It).await;
    let second = register(&w.store, "t-lost-2", "anna", Lang::It).await;
    assert_eq!(w.delivery.pass(at(9, 1)).await.unwrap().sent, 2);
    arrived(&w.smtp, 0, 2);

    let unknown = skillhub_core::person::Email::parse("nessuno@example.org").unwrap();
    w.store
        .request_lost_links(&unknown, Lang::It, at(10, 0))
        .await
        .unwrap();
    assert_eq!(w.delivery.pass(at(10, 1)).await.unwrap(), Pass::default());
    let known = skillhub_core::person::Email::parse("Anna@Example.org").unwrap();
    w.store
        .request_lost_links(&known, Lang::En, at(10, 2))
        .await
        .unwrap();
    assert_eq!(w.delivery.pass(at(10, 3)).await.unwrap().sent, 1);
    let got = arrived(&w.smtp, 2, 1);
    let message = &got[0];
    assert_eq!(
        (message.to.as_str(), message.language.as_str()),
        ("anna@example.org", "en")
    );
    assert!(message.calendar.is_none());
    // A working link for each live registration, fresh ones beside the first messages' links.
    link_in(&w.store, message, first).await;
    link_in(&w.store, message, second).await;
    // Still nothing for the unknown address: exactly three messages in all.
    std::thread::sleep(StdDuration::from_millis(300));
    assert_eq!(w.smtp.messages().len(), 3);
}

#[tokio::test]
async fn a_data_link_arrives_and_opens_the_address_data() {
    let Some(w) = world().await else { return };
    session(&w.store, "t-data", 5).await;
    register(&w.store, "t-data", "anna", Lang::It).await;
    assert_eq!(w.delivery.pass(at(9, 1)).await.unwrap().sent, 1);
    arrived(&w.smtp, 0, 1);

    let anna = skillhub_core::person::Email::parse("anna@example.org").unwrap();
    w.store
        .request_data_link(&anna, Lang::It, at(10, 0))
        .await
        .unwrap();
    assert_eq!(w.delivery.pass(at(10, 1)).await.unwrap().sent, 1);
    let got = arrived(&w.smtp, 1, 1);
    let message = &got[0];
    assert_eq!(message.to, "anna@example.org");
    assert_eq!(message.subject, "Il link ai tuoi dati");
    assert!(
        message.text.contains("venerdì 1 febbraio 2019, ore 12:00"),
        "valid for an hour, in Italian time:\n{}",
        message.text
    );
    let prefix = "https://corsi.comune.example.it/miei-dati/";
    let start = message.text.find(prefix).expect("a data link") + prefix.len();
    let token: String = message.text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64);
    match w.store.data_link(&token, at(10, 30)).await.unwrap() {
        skillhub_store::DataLink::Open { email, .. } => assert_eq!(email, anna),
        other => panic!("the mailed link does not open: {other:?}"),
    }
    assert!(
        !w.store
            .mail_status()
            .await
            .unwrap()
            .failures
            .iter()
            .any(|f| f.kind == "data_link"),
        "sent, not failed"
    );
}

/// The confirmation link a message carries: its secret, checked against the store.
async fn confirm_link_in(store: &Store, message: &Received, registration: i64) -> String {
    let prefix = format!("https://corsi.comune.example.it/iscrizioni/{registration}/conferma/");
    let start = message.text.find(&prefix).expect("a confirmation link") + prefix.len();
    let token: String = message.text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert!(
        store
            .check_confirm_token(registration, &token)
            .await
            .unwrap()
    );
    token
}

#[tokio::test]
async fn a_held_seat_is_confirmed_by_its_link_or_released_to_the_next() {
    let Some(w) = world().await else { return };
    let catalog =
        skillhub_core::fixture::Catalog::parse([("conferma-prova.toml", CONFIRMING)]).unwrap();
    w.store
        .load_programs(&catalog, &[CONFIRMING])
        .await
        .unwrap();
    session_of(&w.store, "conferma-a", 1, "conferma-prova", None).await;
    let anna = register(&w.store, "conferma-a", "anna", Lang::It).await;
    let bruno = register(&w.store, "conferma-a", "bruno", Lang::En).await;
    let pass = w.delivery.pass(at(9, 1)).await.unwrap();
    assert_eq!((pass.sent, pass.holds_expired), (2, 0));
    let got = arrived(&w.smtp, 0, 2);
    assert_eq!(got[0].to, "anna@example.org");
    assert!(
        got[0].subject.starts_with("Conferma il tuo indirizzo"),
        "{}",
        got[0].subject
    );
    assert!(
        got[0].calendar.is_none(),
        "no invitation before the address is confirmed"
    );
    assert!(
        got[1].subject.starts_with("Waiting list"),
        "{}",
        got[1].subject
    );

    // Following the link (the page's button) confirms the seat; the invitation comes with it.
    let token = confirm_link_in(&w.store, &got[0], anna).await;
    let confirmed = w
        .store
        .confirm_address(anna, &token, at(9, 10))
        .await
        .unwrap();
    assert_eq!(confirmed.status, skillhub_core::capacity::Status::Confirmed);
    assert_eq!(w.delivery.pass(at(9, 11)).await.unwrap().sent, 1);
    let got = arrived(&w.smtp, 2, 1);
    assert!(
        got[0].subject.starts_with("Iscrizione confermata"),
        "{}",
        got[0].subject
    );
    let (method, text) = got[0].calendar.as_ref().expect("the invitation");
    assert_eq!(method, "REQUEST");
    assert_eq!(
        event(text).uid(),
        format!("registration-{anna}@comune.example.it")
    );
    // A confirmed seat does not expire: Bruno keeps waiting.
    assert_eq!(w.delivery.pass(at(10, 0)).await.unwrap().holds_expired, 0);

    // A hold nobody confirms is released at its end, and the next in line is told.
    session_of(&w.store, "conferma-b", 1, "conferma-prova", None).await;
    let carla = register(&w.store, "conferma-b", "carla", Lang::It).await;
    let dario = register(&w.store, "conferma-b", "dario", Lang::En).await;
    assert_eq!(w.delivery.pass(at(9, 12)).await.unwrap().sent, 2);
    arrived(&w.smtp, 3, 2);
    let pass = w.delivery.pass(at(9, 45)).await.unwrap();
    assert_eq!((pass.holds_expired, pass.sent), (1, 2));
    let got = arrived(&w.smtp, 5, 2);
    assert_eq!(got[0].to, "carla@example.org");
    assert!(
        got[0].subject.starts_with("Posto liberato"),
        "{}",
        got[0].subject
    );
    assert!(got[0].calendar.is_none());
    // Dario registered publicly and never confirmed: the seat is held for him in turn.
    assert_eq!(got[1].to, "dario@example.org");
    assert!(
        got[1].subject.starts_with("Confirm your address"),
        "{}",
        got[1].subject
    );
    confirm_link_in(&w.store, &got[1], dario).await;
    let _ = (bruno, carla);
}
