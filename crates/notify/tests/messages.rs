//! Every kind of message in both languages, as a person reads it (subject, text, calendar), in
//! snapshots; the HTML part of one, with a name that must be escaped; the stored JSON of a
//! notice read back; and the errors of a sender that forgot a link.

// In tests a failed unwrap is a failed test, with its message; the fixed dates and ids exist.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone as _, Utc};
use proptest::prelude::*;
use skillhub_core::ids::SessionId;
use skillhub_core::lang::Lang;
use skillhub_core::tz::Zone;
use skillhub_notify::{
    Canceller, DrawOutcome, Envelope, Event, Links, Method, Notice, Place, RenderError,
    SessionFacts, render,
};

/// 2030-02-12 (a Tuesday) at `h:m` in Rome (UTC+1 in February).
fn rome(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 2, 12, h - 1, m, 0).unwrap()
}

fn session() -> SessionFacts {
    SessionFacts {
        id: SessionId::parse("alfabetizzazione-2030-02-12").unwrap(),
        program: "Milano Digitale".into(),
        title: "Alfabetizzazione digitale".into(),
        starts_at: rome(9, 30),
        ends_at: rome(13, 30),
        zone: Zone::rome(),
        place: Some(Place {
            name: "Biblioteca Sormani".into(),
            address: "Corso di Porta Vittoria 6, Milano".into(),
        }),
        online: false,
        sequence: 0,
    }
}

fn online() -> SessionFacts {
    SessionFacts {
        id: SessionId::parse("pec-2030-02-19").unwrap(),
        title: "La PEC e la firma digitale".into(),
        starts_at: rome(18, 0) + Duration::days(7),
        ends_at: rome(19, 30) + Duration::days(7),
        place: None,
        online: true,
        ..session()
    }
}

fn links() -> Links {
    Links {
        public_url: "https://corsi.example.org".into(),
        manage: [
            (
                42,
                "https://corsi.example.org/iscrizioni/42/s3cr3t".to_owned(),
            ),
            (
                43,
                "https://corsi.example.org/iscrizioni/43/an0th3r".to_owned(),
            ),
        ]
        .into(),
        data: Some("https://corsi.example.org/dati/once-only".into()),
        confirm: Some("https://corsi.example.org/conferma/42/c0nf1rm".into()),
        check_in: Some("https://corsi.example.org/gestione/presenza/42".into()),
    }
}

fn envelope() -> Envelope {
    Envelope {
        message_id: "notice-1@corsi.example.org".into(),
        stamp: Utc.with_ymd_and_hms(2030, 2, 1, 10, 0, 0).unwrap(),
        domain: "corsi.example.org".into(),
    }
}

/// Every kind, with the variants that change the wording.
fn events() -> Vec<(&'static str, Event)> {
    let moved = SessionFacts {
        starts_at: rome(15, 0) + Duration::days(2),
        ends_at: rome(18, 0) + Duration::days(2),
        place: Some(Place {
            name: "Biblioteca Calvairate".into(),
            address: "Via Ciceri Visconti 1, Milano".into(),
        }),
        sequence: 1,
        ..session()
    };
    let due = NaiveDate::from_ymd_opt(2030, 6, 30).unwrap();
    let call = "Cooperazione Digitale 2030".to_owned();
    vec![
        (
            "confirmed",
            Event::Confirmed {
                registration: 42,
                session: session(),
            },
        ),
        (
            "confirmed_online",
            Event::Confirmed {
                registration: 42,
                session: online(),
            },
        ),
        (
            "waitlisted",
            Event::Waitlisted {
                registration: 42,
                session: session(),
                position: 3,
            },
        ),
        (
            "in_draw",
            Event::InDraw {
                registration: 42,
                session: session(),
                closes_at: Utc.with_ymd_and_hms(2030, 2, 5, 22, 59, 0).unwrap(),
            },
        ),
        (
            "promoted",
            Event::Promoted {
                registration: 42,
                session: session(),
            },
        ),
        (
            "cancelled_by_person",
            Event::Cancelled {
                registration: 42,
                session: session(),
                by: Canceller::Person,
                reason: None,
            },
        ),
        (
            "cancelled_by_staff",
            Event::Cancelled {
                registration: 42,
                session: session(),
                by: Canceller::Staff,
                reason: Some(
                    "il corso è stato riservato a chi non ha mai usato lo SPID".to_owned(),
                ),
            },
        ),
        (
            "session_changed",
            Event::SessionChanged {
                registration: 42,
                session: moved,
                before: session(),
            },
        ),
        (
            "session_cancelled",
            Event::SessionCancelled {
                registration: 42,
                session: session(),
                reason: None,
            },
        ),
        (
            "session_cancelled_with_reason",
            Event::SessionCancelled {
                registration: 42,
                session: session(),
                reason: Some("La formatrice è malata: <recuperiamo> presto".to_owned()),
            },
        ),
        (
            "drawn_confirmed",
            Event::Drawn {
                registration: 42,
                session: session(),
                outcome: DrawOutcome::Confirmed,
            },
        ),
        (
            "drawn_waitlisted",
            Event::Drawn {
                registration: 42,
                session: session(),
                outcome: DrawOutcome::Waitlisted { position: 1 },
            },
        ),
        (
            "reminder_48_hours",
            Event::Reminder {
                registration: 42,
                session: session(),
                before_minutes: 48 * 60,
            },
        ),
        (
            "reminder_1_hour",
            Event::Reminder {
                registration: 42,
                session: session(),
                before_minutes: 60,
            },
        ),
        (
            "reminder_30_minutes",
            Event::Reminder {
                registration: 42,
                session: online(),
                before_minutes: 30,
            },
        ),
        (
            "reminder_7_days",
            Event::Reminder {
                registration: 42,
                session: session(),
                before_minutes: 7 * 1440,
            },
        ),
        (
            "confirm_address",
            Event::ConfirmAddress {
                registration: 42,
                session: session(),
                hold_until: rome(10, 15) - Duration::days(11),
            },
        ),
        (
            "hold_expired",
            Event::HoldExpired {
                registration: 42,
                session: session(),
            },
        ),
        (
            "lost_links",
            Event::LostLinks {
                registrations: vec![(42, session()), (43, online())],
            },
        ),
        (
            "lost_links_none",
            Event::LostLinks {
                registrations: vec![],
            },
        ),
        (
            "data_link",
            Event::DataLink {
                valid_until: Utc.with_ymd_and_hms(2030, 2, 2, 10, 0, 0).unwrap(),
            },
        ),
        (
            "application_received",
            Event::ApplicationReceived {
                call: call.clone(),
                application: 1234,
            },
        ),
        (
            "application_stage",
            Event::ApplicationStage {
                call: call.clone(),
                application: 1234,
                stage: "ammessa".into(),
            },
        ),
        (
            "evaluator_assigned",
            Event::EvaluatorAssigned {
                call: call.clone(),
                application: 1234,
            },
        ),
        (
            "report_due",
            Event::ReportDue {
                call: call.clone(),
                application: 1234,
                due,
            },
        ),
        (
            "report_overdue",
            Event::ReportOverdue {
                call,
                application: 1234,
                due,
            },
        ),
    ]
}

/// What a person reads, in both languages: subject, text, and the calendar when there is one.
fn read(event: &Event) -> String {
    let mut out = String::new();
    for lang in Lang::ALL {
        let notice = Notice {
            lang,
            name: "Anna Rossi".into(),
            event: event.clone(),
        };
        let message = render(&notice, &links(), &envelope()).unwrap();
        out.push_str(&format!(
            "===== {lang}\nSubject: {}\n\n{}",
            message.subject, message.text
        ));
        if let Some(calendar) = message.calendar {
            out.push_str(&format!(
                "\n----- calendar ({})\n{}",
                calendar.method.as_str(),
                calendar.text.replace("\r\n", "\n")
            ));
        }
        out.push('\n');
    }
    out
}

#[test]
fn every_kind_in_both_languages() {
    let events = events();
    let kinds: std::collections::BTreeSet<&str> = events.iter().map(|(_, e)| e.kind()).collect();
    assert_eq!(kinds.len(), 18, "every kind of event is shown");
    for (name, event) in &events {
        insta::assert_snapshot!(*name, read(event));
    }
}

#[test]
fn calendars_only_for_seats_and_cancellations() {
    for (name, event) in events() {
        let notice = Notice {
            lang: Lang::It,
            name: String::new(),
            event,
        };
        let message = render(&notice, &links(), &envelope()).unwrap();
        let expected = match name {
            "confirmed"
            | "confirmed_online"
            | "promoted"
            | "session_changed"
            | "drawn_confirmed"
            | "reminder_48_hours"
            | "reminder_1_hour"
            | "reminder_30_minutes"
            | "reminder_7_days" => Some(Method::Request),
            "cancelled_by_person"
            | "cancelled_by_staff"
            | "session_cancelled"
            | "session_cancelled_with_reason" => Some(Method::Cancel),
            _ => None,
        };
        assert_eq!(
            message.calendar.as_ref().map(|c| c.method),
            expected,
            "{name}"
        );
        assert!(
            message.text.starts_with("Ciao,\n\n"),
            "{name}: anonymous greeting"
        );
        if let Some(calendar) = message.calendar {
            assert!(
                calendar
                    .text
                    .contains("\r\nUID:registration-42@corsi.example.org\r\n"),
                "{name}"
            );
        }
    }
}

#[test]
fn a_check_in_code_only_for_a_seat() {
    for (name, event) in events() {
        let notice = Notice {
            lang: Lang::It,
            name: String::new(),
            event,
        };
        let message = render(&notice, &links(), &envelope()).unwrap();
        let expected = matches!(
            name,
            "confirmed"
                | "confirmed_online"
                | "promoted"
                | "drawn_confirmed"
                | "reminder_48_hours"
                | "reminder_1_hour"
                | "reminder_30_minutes"
                | "reminder_7_days"
        );
        assert_eq!(notice.check_in_needed().is_some(), expected, "{name}");
        assert_eq!(
            message.check_in.as_deref(),
            expected.then_some("https://corsi.example.org/gestione/presenza/42"),
            "{name}"
        );
        assert_eq!(
            message.html.contains("cid:ingresso@skillhub"),
            expected,
            "{name}"
        );
        // The page it opens is the staff's: the person reads where the code is, not its URL.
        assert!(!message.text.contains("/gestione/"), "{name}");
        // Without the URL the message goes without the code.
        let without = Links {
            check_in: None,
            ..links()
        };
        let message = render(&notice, &without, &envelope()).unwrap();
        assert_eq!(message.check_in, None, "{name}");
        assert!(!message.html.contains("cid:"), "{name}");
    }
}

#[test]
fn html_escapes_what_people_typed() {
    let mut session = session();
    session.title = "Excel <script>alert(1)</script> & \"formule\"".into();
    let notice = Notice {
        lang: Lang::En,
        name: "O'Brien <b>&".into(),
        event: Event::Confirmed {
            registration: 42,
            session,
        },
    };
    let message = render(&notice, &links(), &envelope()).unwrap();
    assert!(!message.html.contains("<script>"));
    assert!(!message.html.contains("<b>"));
    assert!(message.html.contains("Hello O&#39;Brien &lt;b&gt;&amp;,"));
    assert!(
        message
            .html
            .starts_with("<!DOCTYPE html>\n<html lang=\"en\">")
    );
    for external in ["<link", "<script", "@import", "url("] {
        assert!(!message.html.contains(external), "{external}");
    }
    // The one picture, the check-in code, travels in the message.
    assert_eq!(message.html.matches("src=").count(), 1);
    assert!(
        message.html.contains(
            "<img src=\"cid:ingresso@skillhub\" alt=\"QR code to check in at the session\""
        )
    );
    insta::assert_snapshot!("html_confirmed_en", message.html);
    // The plain text is not HTML: what was typed is shown as typed.
    assert!(message.text.starts_with("Hello O'Brien <b>&,\n"));
}

#[test]
fn a_missing_link_is_an_error() {
    let notice = |event| Notice {
        lang: Lang::It,
        name: "Anna".into(),
        event,
    };
    let no_links = Links {
        public_url: "https://corsi.example.org".into(),
        ..Links::default()
    };
    let err = |event| render(&notice(event), &no_links, &envelope()).unwrap_err();
    assert!(matches!(
        err(Event::Confirmed {
            registration: 42,
            session: session()
        }),
        RenderError::MissingManageLink { registration: 42 }
    ));
    assert!(matches!(
        err(Event::LostLinks {
            registrations: vec![(7, session())]
        }),
        RenderError::MissingManageLink { registration: 7 }
    ));
    assert!(matches!(
        err(Event::DataLink {
            valid_until: rome(10, 0)
        }),
        RenderError::MissingDataLink
    ));
    assert!(matches!(
        err(Event::ConfirmAddress {
            registration: 42,
            session: session(),
            hold_until: rome(9, 0)
        }),
        RenderError::MissingConfirmLink
    ));
    // What the notice says it needs is exactly what rendering asks for.
    for (name, event) in events() {
        let notice = notice(event);
        let mut needed = Links {
            manage: Default::default(),
            ..links()
        };
        for id in notice.manage_links_needed() {
            needed
                .manage
                .insert(id, format!("https://corsi.example.org/iscrizioni/{id}/x"));
        }
        assert!(render(&notice, &needed, &envelope()).is_ok(), "{name}");
    }
}

#[test]
fn the_stored_shape_is_tagged() {
    let notice = Notice {
        lang: Lang::It,
        name: "Anna".into(),
        event: Event::Drawn {
            registration: 42,
            session: online(),
            outcome: DrawOutcome::Waitlisted { position: 2 },
        },
    };
    insta::assert_json_snapshot!("stored_notice", notice);
    assert_eq!(notice.kind(), "drawn");
}

fn arb_session() -> impl Strategy<Value = SessionFacts> {
    (
        ".*",
        ".*",
        0i64..4_000_000_000,
        1i64..86_400,
        any::<bool>(),
        any::<u32>(),
        proptest::option::of((".*", ".*")),
    )
        .prop_map(|(program, title, start, length, online, sequence, place)| {
            let starts_at = DateTime::from_timestamp(start, 0).unwrap();
            SessionFacts {
                id: SessionId::parse("s-1").unwrap(),
                program,
                title,
                starts_at,
                ends_at: starts_at + Duration::seconds(length),
                zone: Zone::rome(),
                place: place.map(|(name, address)| Place { name, address }),
                online,
                sequence,
            }
        })
}

fn arb_event() -> impl Strategy<Value = Event> {
    let instant = (0i64..4_000_000_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap());
    prop_oneof![
        (any::<i64>(), arb_session()).prop_map(|(registration, session)| Event::Confirmed {
            registration,
            session
        }),
        (any::<i64>(), arb_session(), any::<u32>()).prop_map(
            |(registration, session, position)| Event::Waitlisted {
                registration,
                session,
                position
            }
        ),
        (
            any::<i64>(),
            arb_session(),
            any::<bool>(),
            proptest::option::of(".{1,80}")
        )
            .prop_map(|(registration, session, staff, reason)| {
                Event::Cancelled {
                    registration,
                    session,
                    by: if staff {
                        Canceller::Staff
                    } else {
                        Canceller::Person
                    },
                    reason,
                }
            }),
        (any::<i64>(), arb_session(), arb_session()).prop_map(|(registration, session, before)| {
            Event::SessionChanged {
                registration,
                session,
                before,
            }
        }),
        (
            any::<i64>(),
            arb_session(),
            proptest::option::of(any::<u32>())
        )
            .prop_map(|(registration, session, position)| Event::Drawn {
                registration,
                session,
                outcome: position.map_or(DrawOutcome::Confirmed, |position| {
                    DrawOutcome::Waitlisted { position }
                })
            }),
        (any::<i64>(), arb_session(), any::<u32>()).prop_map(
            |(registration, session, before_minutes)| Event::Reminder {
                registration,
                session,
                before_minutes
            }
        ),
        (any::<i64>(), arb_session(), instant.clone()).prop_map(
            |(registration, session, hold_until)| Event::ConfirmAddress {
                registration,
                session,
                hold_until
            }
        ),
        (any::<i64>(), arb_session()).prop_map(|(registration, session)| {
            Event::HoldExpired {
                registration,
                session,
            }
        }),
        proptest::collection::vec((any::<i64>(), arb_session()), 0..3)
            .prop_map(|registrations| Event::LostLinks { registrations }),
        instant.prop_map(|valid_until| Event::DataLink { valid_until }),
        (".*", any::<i64>(), ".*").prop_map(|(call, application, stage)| Event::ApplicationStage {
            call,
            application,
            stage
        }),
        (".*", any::<i64>(), 0i32..3000, 1u32..366).prop_map(|(call, application, year, day)| {
            Event::ReportOverdue {
                call,
                application,
                due: NaiveDate::from_yo_opt(year, day).unwrap_or_default(),
            }
        }),
    ]
}

proptest! {
    #[test]
    fn a_notice_reads_back_as_stored(
        english in any::<bool>(),
        name in ".*",
        event in arb_event(),
    ) {
        let notice = Notice { lang: if english { Lang::En } else { Lang::It }, name, event };
        let json = serde_json::to_string(&notice).unwrap();
        let back: Notice = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &notice);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(value["event"]["kind"].as_str(), Some(notice.kind()));
    }

    #[test]
    fn any_notice_renders_without_panicking(
        name in ".*",
        event in arb_event(),
    ) {
        let notice = Notice { lang: Lang::It, name, event };
        let mut links = links();
        for id in notice.manage_links_needed() {
            links.manage.insert(id, format!("https://corsi.example.org/iscrizioni/{id}/x"));
        }
        // Instants beyond the zone database are an error, never a panic.
        if let Ok(message) = render(&notice, &links, &envelope()) {
            prop_assert!(!message.subject.is_empty());
            prop_assert!(!message.html.contains("<script"));
        }
    }
}
