//! Tests of the iCalendar writer and reader: folding, escaping, time zones, series, a snapshot
//! of the Binario F calendar, and the export → import property.

use super::*;
use chrono::NaiveTime;
use proptest::prelude::*;
use skillhub_core::capacity::Seats;
use skillhub_core::fixture::Catalog;
use skillhub_core::ids::{ProgramId, SessionId};
use skillhub_core::session::{Mode, SessionSpec};

fn dtstamp() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 1, 15, 9, 0, 0).unwrap()
}

fn import_options() -> ImportOptions {
    ImportOptions {
        zone: Zone::rome(),
        ambiguity: Ambiguity::Refuse,
        max_occurrences: 500,
    }
}

fn binario_f() -> Program {
    Catalog::seeds()
        .unwrap()
        .program("binario-f")
        .unwrap()
        .clone()
}

fn calendar(events: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//IT\r\n{events}END:VCALENDAR\r\n")
}

/// One line per case: VEVENT body lines (joined with CRLF) → `start end | title` per session,
/// or the error text.
fn check(body: &[&str], expect: &str) {
    let text = calendar(&format!(
        "BEGIN:VEVENT\r\n{}\r\nEND:VEVENT\r\n",
        body.join("\r\n")
    ));
    let got = match parse("t.ics", &text, &import_options()) {
        Ok(events) => events
            .iter()
            .map(|e| {
                format!(
                    "{} {} {} | {}",
                    e.local_start(),
                    e.local_end().time(),
                    e.starts_at().format("%H:%MZ"),
                    e.title()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Err(err) => err.to_string(),
    };
    assert_eq!(got, expect, "{body:?}");
}

#[test]
fn folding_keeps_lines_within_75_octets_and_characters_whole() {
    let title = "àèìòù€".repeat(20);
    let mut out = String::new();
    fold_into(&mut out, &format!("SUMMARY:{title}"));
    for line in out.split("\r\n").filter(|l| !l.is_empty()) {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    let unfolded = out.replace("\r\n ", "");
    assert_eq!(unfolded, format!("SUMMARY:{title}\r\n"));
    let mut short = String::new();
    fold_into(&mut short, &"x".repeat(75));
    assert_eq!(short, format!("{}\r\n", "x".repeat(75)));
}

#[test]
fn text_escaping_round_trips() {
    let text = "Cultura, Turismo; eventi\\backslash\nseconda riga";
    assert_eq!(
        escape(text),
        "Cultura\\, Turismo\\; eventi\\\\backslash\\nseconda riga"
    );
    assert_eq!(unescape(&escape(text)), text);
}

#[test]
fn offsets() {
    assert_eq!(utc_offset(3600), "+0100");
    assert_eq!(utc_offset(-12_600), "-0330");
    assert_eq!(utc_offset(0), "+0000");
}

#[test]
fn binario_f_calendar_in_local_time_snapshot() {
    let program = binario_f();
    let options = ExportOptions {
        dtstamp: dtstamp(),
        times: Times::Local,
    };
    let ics = export_program(&program, &options);
    assert!(
        ics.lines().all(|l| l.len() <= 76),
        "CRLF line of at most 75 octets + CR"
    );
    insta::assert_snapshot!(ics.replace("\r\n", "⏎\n"));
}

#[test]
fn binario_f_hub_in_utc_crosses_into_summer_time() {
    let program = binario_f();
    let hub = HubId::parse("binario-f-roma-termini").unwrap();
    let options = ExportOptions {
        dtstamp: dtstamp(),
        times: Times::Utc,
    };
    let ics = export_hub(&program, &hub, &options).unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 15);
    assert!(ics.contains("DTSTART:20190326T083000Z\r\n"));
    assert!(ics.contains("DTSTART:20190402T073000Z\r\n"));
    assert!(!ics.contains("VTIMEZONE"));
    let unknown = HubId::parse("nowhere").unwrap();
    assert!(export_hub(&program, &unknown, &options).is_err());
}

#[test]
fn the_vtimezone_of_rome_2019_has_both_changes() {
    let program = binario_f();
    let ics = export_program(
        &program,
        &ExportOptions {
            dtstamp: dtstamp(),
            times: Times::Local,
        },
    );
    let tz: Vec<&str> = ics
        .split("\r\n")
        .skip_while(|l| *l != "BEGIN:VTIMEZONE")
        .take_while(|l| *l != "END:VTIMEZONE")
        .collect();
    assert_eq!(
        tz,
        [
            "BEGIN:VTIMEZONE",
            "TZID:Europe/Rome",
            "BEGIN:DAYLIGHT",
            "DTSTART:20190331T020000",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            "DTSTART:20191027T030000",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "END:STANDARD",
        ]
    );
}

#[test]
fn events_in_every_kind_of_time() {
    let title = "SUMMARY:Facebook per la Sanità";
    let x = "2019-02-12 09:30:00 13:30:00 08:30Z | Facebook per la Sanità";
    check(
        &[
            "UID:a",
            "DTSTART;TZID=Europe/Rome:20190212T093000",
            "DTEND;TZID=Europe/Rome:20190212T133000",
            title,
        ],
        x,
    );
    check(
        &[
            "UID:a",
            "DTSTART:20190212T083000Z",
            "DTEND:20190212T123000Z",
            title,
        ],
        x,
    );
    check(
        &["UID:a", "DTSTART:20190212T093000", "DURATION:PT4H", title],
        x,
    );
    check(
        &[
            "UID:a",
            "DTSTART;TZID=\"/mozilla.org/20050126_1/Europe/Rome\":20190212T093000",
            "DTEND:20190212T123000Z",
            title,
        ],
        x,
    );
    check(
        &[
            "UID:a",
            "DTSTART;TZID=Europe/Rome:20190212T093000",
            "DTEND;TZID=Europe/Rome:20190212T133000",
            "SUMMARY:Facebook per la Sa",
            " nità",
        ],
        x,
    );
    check(
        &[
            "UID:a",
            "DTSTART;VALUE=DATE:20190212",
            "SUMMARY:Tutto il giorno",
        ],
        "",
    );
    check(
        &[
            "UID:a",
            "STATUS:CANCELLED",
            "DTSTART:20190212T093000",
            "SUMMARY:Annullato",
        ],
        "",
    );
}

#[test]
fn weekly_series_expand_with_exdate_count_and_until() {
    let start = "DTSTART;TZID=Europe/Rome:20190319T093000";
    let end = "DTEND;TZID=Europe/Rome:20190319T133000";
    check(
        &[
            "UID:s",
            start,
            end,
            "RRULE:FREQ=WEEKLY;COUNT=3",
            "SUMMARY:S",
        ],
        "2019-03-19 09:30:00 13:30:00 08:30Z | S\n2019-03-26 09:30:00 13:30:00 08:30Z | S\n2019-04-02 09:30:00 13:30:00 07:30Z | S",
    );
    check(
        &[
            "UID:s",
            start,
            end,
            "RRULE:FREQ=WEEKLY;UNTIL=20190402T073000Z",
            "EXDATE;TZID=Europe/Rome:20190326T093000",
            "SUMMARY:S",
        ],
        "2019-03-19 09:30:00 13:30:00 08:30Z | S\n2019-04-02 09:30:00 13:30:00 07:30Z | S",
    );
    check(
        &[
            "UID:s",
            start,
            end,
            "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20190329T000000Z",
            "SUMMARY:S",
        ],
        "2019-03-19 09:30:00 13:30:00 08:30Z | S\n2019-03-21 09:30:00 13:30:00 08:30Z | S",
    );
    check(
        &["UID:s", start, end, "RRULE:FREQ=WEEKLY", "SUMMARY:S"],
        "t.ics:8: RRULE: expected COUNT or UNTIL: an endless series cannot become sessions",
    );
}

#[test]
fn every_problem_is_reported_with_its_line() {
    let text = calendar(
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Europe/Roma:20190212T093000\r\nDTEND:20190212T123000Z\r\nSUMMARY:A\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:b\r\nDTSTART;TZID=Europe/Rome:20190331T023000\r\nDTEND;TZID=Europe/Rome:20190331T040000\r\nSUMMARY:B\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:c\r\nDTSTART:2019-02-12\r\nSUMMARY:C\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:d\r\nDTSTART:20190212T093000\r\nDTEND:20190212T083000\r\nEND:VEVENT\r\n\
         riga senza due punti\r\n",
    );
    let err = parse("prova.ics", &text, &import_options()).unwrap_err();
    insta::assert_snapshot!(err.to_string());
}

fn session_strategy() -> impl Strategy<Value = Session> {
    (
        0u32..400,
        prop::sample::select(vec![
            "Europe/Rome",
            "Europe/Madrid",
            "Europe/Warsaw",
            "Europe/London",
            "America/New_York",
        ]),
        (1990i32..2030, 1u32..366, 0u32..24, 0u32..60),
        1i64..600,
        "[A-Za-zÀ-ÿ€0-9 ,;:\\\\'\"()!?%&.\n-]{1,120}",
    )
        .prop_filter_map(
            "a session that exists",
            |(n, zone, (year, ordinal, hour, minute), minutes, title)| {
                let date = NaiveDate::from_yo_opt(year, ordinal)?;
                let start = NaiveTime::from_hms_opt(hour, minute, 0)?;
                let end = start.overflowing_add_signed(Duration::minutes(minutes)).0;
                (end > start && !title.trim().is_empty()).then_some(())?;
                Session::new(SessionSpec {
                    id: SessionId::parse(&format!("s-{n}")).ok()?,
                    program: ProgramId::parse("p").ok()?,
                    hub: None,
                    room: None,
                    title,
                    competences: vec![],
                    level: None,
                    mode: Mode::Online,
                    seats: Seats::new(0, 10).ok()?,
                    trainers: vec![],
                    date,
                    start,
                    end,
                    zone: Zone::parse(zone).ok()?,
                    ambiguity: Ambiguity::Earlier,
                })
                .ok()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Export then import gives every session back: id, title, location, local times, zone and
    /// instants, in UTC and in local time with VTIMEZONE; and no physical line exceeds 75 octets.
    #[test]
    fn export_then_import_is_the_identity(
        sessions in prop::collection::vec(session_strategy(), 0..8),
        local in any::<bool>(),
    ) {
        let times = if local { Times::Local } else { Times::Utc };
        let refs: Vec<&Session> = sessions.iter().collect();
        let text = export_sessions("Prova, con; virgole", &refs, |s| format!("Sala {}, piano 1", s.id()), &ExportOptions { dtstamp: dtstamp(), times });
        for line in text.split("\r\n") {
            prop_assert!(line.len() <= 75, "{} octets", line.len());
        }
        let by_zone = |s: &Session| ImportOptions { zone: s.zone(), ambiguity: Ambiguity::Earlier, max_occurrences: 10 };
        for (session, index) in sessions.iter().zip(0..) {
            // Import with each session's zone as the default, so UTC exports show the same zone.
            let events = parse("r.ics", &text, &by_zone(session)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let event = &events[index];
            prop_assert_eq!(event.uid(), format!("{}@skillhub", session.id()));
            prop_assert_eq!(event.title(), session.title());
            let location = format!("Sala {}, piano 1", session.id());
            prop_assert_eq!(event.location(), Some(location.as_str()));
            prop_assert_eq!(event.zone(), session.zone());
            prop_assert_eq!(event.starts_at(), session.starts_at());
            prop_assert_eq!(event.ends_at(), session.ends_at());
            prop_assert_eq!(event.local_start(), session.local_start());
            prop_assert_eq!(event.local_end(), session.local_end());
        }
    }

    /// No input makes the reader panic.
    #[test]
    fn never_panics(text in any::<String>(), lines in prop::collection::vec(prop::sample::select(vec![
        "BEGIN:VEVENT", "END:VEVENT", "BEGIN:VCALENDAR", "DTSTART:20190212T093000", "DTSTART;VALUE=DATE:2019",
        "DTEND;TZID=Europe/Rome:20190331T023000", "RRULE:FREQ=WEEKLY;COUNT=99999", "RRULE:FREQ=DAILY;UNTIL=2",
        "EXDATE:20190219T093000,x", "DURATION:P", "DURATION:PT", "SUMMARY:x", " folded", ":", ";;:", "RDATE:20190101T000000Z",
    ]), 0..30)) {
        let _ = parse("x.ics", &text, &import_options());
        let _ = parse("x.ics", &lines.join("\r\n"), &import_options());
    }
}

fn sample_invitation(method: Method) -> Invitation {
    let at = |h, m| Utc.with_ymd_and_hms(2030, 2, 12, h, m, 0).unwrap();
    Invitation {
        method,
        uid: "registration-42@example.org".into(),
        sequence: 3,
        stamp: at(7, 5),
        starts_at: at(8, 30),
        ends_at: at(12, 30),
        summary: "Alfabetizzazione digitale; SPID, PEC e \\ altro".into(),
        location: "Biblioteca Sormani, Corso di Porta Vittoria 6, Milano".into(),
        description: "Il tuo link personale:\nhttps://example.org/iscrizioni/42/aVeryLongSecretTokenThatMakesThisLineLongerThanSeventyFiveOctets".into(),
        url: Some("https://example.org/iscrizioni/42/secret".into()),
    }
}

#[test]
fn an_invitation_parses_back_with_its_instants_and_text() {
    let text = invitation(&sample_invitation(Method::Request));
    assert!(text.lines().all(|l| l.len() <= 75), "{text}");
    assert!(text.contains("\r\nMETHOD:REQUEST\r\n"));
    assert!(text.contains("\r\nSEQUENCE:3\r\n"));
    assert!(text.contains("\r\nSTATUS:CONFIRMED\r\n"));
    let events = parse("invitation.ics", &text, &import_options()).unwrap();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.uid(), "registration-42@example.org");
    assert_eq!(
        event.starts_at(),
        Utc.with_ymd_and_hms(2030, 2, 12, 8, 30, 0).unwrap()
    );
    assert_eq!(event.local_start().to_string(), "2030-02-12 09:30:00");
    assert_eq!(
        event.title(),
        "Alfabetizzazione digitale; SPID, PEC e \\ altro"
    );
    assert_eq!(
        event.location(),
        Some("Biblioteca Sormani, Corso di Porta Vittoria 6, Milano")
    );
}

#[test]
fn a_cancelled_invitation_says_so_and_is_no_session() {
    let text = invitation(&sample_invitation(Method::Cancel));
    assert!(text.contains("\r\nMETHOD:CANCEL\r\n"));
    assert!(text.contains("\r\nSTATUS:CANCELLED\r\n"));
    // The reader skips cancelled events: nothing to add to a catalog.
    assert_eq!(parse("cancel.ics", &text, &import_options()).unwrap(), []);
}
