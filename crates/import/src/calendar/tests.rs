//! Tests of the calendar listing reader: one `check` line per variant, snapshots of the Binario F
//! import and of an error report, and properties (no panic; render → parse is the identity).

use super::*;
use proptest::prelude::*;

fn options(year: i32) -> Options {
    Options {
        year,
        zone: Zone::rome(),
        ambiguity: Ambiguity::Refuse,
    }
}

/// One line per case: a listing line and `date start end | title`, or the error message.
fn check(line: &str, expect: &str) {
    let got = match parse("t.txt", line, &options(2019)) {
        Ok(listing) => listing
            .sessions()
            .iter()
            .map(|s| {
                format!(
                    "{} {} {} | {}",
                    s.local_date(),
                    s.local_start().format("%H:%M"),
                    s.local_end().format("%H:%M"),
                    s.title()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Err(err) => err.to_string(),
    };
    assert_eq!(got, expect, "input: {line:?}");
}

#[test]
fn the_variants_people_write() {
    let x = "2019-02-12 09:30 13:30 | Facebook per la Sanità";
    check("- 12 febbraio (9.30 – 13.30) ➔ Facebook per la Sanità", x);
    check("- 12 febbraio (9,30-13,30) ➔Facebook per la Sanità", x);
    check("12 febbraio (9:30 — 13:30) → Facebook per la Sanità", x);
    check("• 12 Febbraio 9.30/13.30 -> Facebook per la Sanità", x);
    check(
        "martedì 12 febbraio ore 9.30-13.30: Facebook per la Sanità",
        x,
    );
    check(
        "Martedi, 12 febbraio 2019, dalle 9.30 alle 13.30 - Facebook per la Sanità",
        x,
    );
    check("mar 12/02 (ore 9,30 – 13,30) Facebook per la Sanità", x);
    check("MAR. 12/02/2019 h 9.30 - 13.30 | Facebook per la Sanità", x);
    check(
        "* 12 feb. dalle ore 9.30 alle ore 13.30 => Facebook per la Sanità",
        x,
    );
    check(
        "  - 12 febbraio (9.30 – 13.30) ➔   Facebook per la Sanità   ",
        x,
    );
    check(
        "12 febbraio 9-13 Facebook: strumenti",
        "2019-02-12 09:00 13:00 | Facebook: strumenti",
    );
    check(
        "– 4 giugno (09.05 – 18) ➔ WhatsApp (e Messenger) – base",
        "2019-06-04 09:05 18:00 | WhatsApp (e Messenger) – base",
    );
}

#[test]
fn headers_and_prose_are_not_entries() {
    for line in [
        "Febbraio:",
        "MARZO",
        "aprile 2019:",
        "Il programma",
        "Il calendario, in partenza il 12 febbraio alle 9,30 con un incontro dedicato.",
        "- Il 12 febbraio alle 9,30 si parte",
        "Martedì prossimo ci vediamo",
        "2019 è l'anno della Social Academy",
        "9.30 – 13.30 in sala",
        "",
        "   ",
    ] {
        check(line, "");
    }
}

#[test]
fn a_header_year_holds_until_the_next_header_with_a_year() {
    let text = "Dicembre 2019:\n- 17 dicembre (9-13) ➔ A\nGennaio 2020\n- 14 gennaio (9-13) ➔ B\nFebbraio:\n- 11 febbraio (9-13) ➔ C\n";
    let listing = parse("t.txt", text, &options(2018)).unwrap();
    let dates: Vec<String> = listing
        .sessions()
        .iter()
        .map(|s| s.local_date().to_string())
        .collect();
    assert_eq!(dates, ["2019-12-17", "2020-01-14", "2020-02-11"]);
}

#[test]
fn errors_name_what_was_expected() {
    check(
        "- 31 febbraio (9.30 – 13.30) ➔ X",
        "t.txt:1: 31 febbraio 2019 is not a date",
    );
    check(
        "- 12/13 (9.30 – 13.30) ➔ X",
        "t.txt:1: 12/13/2019 is not a date (the month must be 1 to 12)",
    );
    check(
        "lunedì 12 febbraio (9.30 – 13.30) ➔ X",
        "t.txt:1: 12 febbraio 2019 is a martedì, not a lunedì",
    );
    check(
        "- 12 febbrario (9.30 – 13.30) ➔ X",
        "t.txt:1: expected a month after the day: a name (gennaio … dicembre) or /MM, found \"febbrario (9.30 – 13.30)\"…",
    );
    check(
        "- 12 febbraio ➔ X",
        "t.txt:1: expected a time range such as (9.30 – 13.30) after the date, found \"➔ X\"",
    );
    check(
        "- 12 febbraio (9.3 – 13.30) ➔ X",
        "t.txt:1: expected two digits of minutes after the hour, found \"– 13.30) ➔ X\"",
    );
    check(
        "- 12 febbraio (25.30 – 13.30) ➔ X",
        "t.txt:1: \"25.30\" is not a time of day (expected 0.00 to 23.59, written 9, 9.30, 9,30 or 9:30)",
    );
    check(
        "- 12 febbraio (9.30 13.30) ➔ X",
        "t.txt:1: expected a dash (-, –, —, / or alle) between the start and the end time, found \"13.30) ➔ X\"",
    );
    check(
        "- 12 febbraio (9.30 – 13.30 ➔ X",
        "t.txt:1: expected ')' after the end time, found \"➔ X\"",
    );
    check(
        "- 12 febbraio (13.30 – 9.30) ➔ X",
        "t.txt:1: the end 9.30 is not after the start 13.30",
    );
    check(
        "- 12 febbraio (9.30 – 13.30) ➔ ",
        "t.txt:1: expected a title after the time range",
    );
}

#[test]
fn dst_gap_is_an_error_and_ambiguity_follows_the_policy() {
    check(
        "- 31 marzo (2.30 – 4) ➔ Notte",
        "t.txt:1: 2019-03-31 02:30:00 does not exist in Europe/Rome: the clocks jump forward over it (DST gap)",
    );
    let line = "- 27 ottobre (2.30 – 4) ➔ Notte";
    check(
        line,
        "t.txt:1: 2019-10-27 02:30:00 happens twice in Europe/Rome (the clocks go back): choose the earlier or the later one",
    );
    for (ambiguity, utc) in [
        (Ambiguity::Earlier, "2019-10-27T00:30:00+00:00"),
        (Ambiguity::Later, "2019-10-27T01:30:00+00:00"),
    ] {
        let options = Options {
            ambiguity,
            ..options(2019)
        };
        let listing = parse("t.txt", line, &options).unwrap();
        assert_eq!(listing.sessions()[0].starts_at().to_rfc3339(), utc);
    }
}

#[test]
fn crlf_bom_and_line_numbers() {
    let text = "\u{feff}Il programma\r\n\r\nFebbraio:\r\n- 12 febbraio (9.30 – 13.30) ➔ A\r\n- 19 febbraio (9.30 – 13.30) ➔ B\r\n";
    let listing = parse("t.txt", text, &options(2019)).unwrap();
    let got: Vec<(usize, &str)> = listing
        .sessions()
        .iter()
        .map(|s| (s.line(), s.title()))
        .collect();
    assert_eq!(got, [(4, "A"), (5, "B")]);
}

fn binario_f() -> Listing {
    let text = include_str!("../../../../fixtures/listings/binario-f-2019.txt");
    parse("binario-f-2019.txt", text, &options(2019)).unwrap()
}

#[test]
fn binario_f_2019_every_session_is_a_tuesday_and_crosses_into_summer_time() {
    let listing = binario_f();
    assert_eq!(listing.sessions().len(), 15);
    assert!(
        listing
            .sessions()
            .iter()
            .all(|s| s.local_date().weekday() == Weekday::Tue)
    );
    let at = |date: &str| {
        let s = listing
            .sessions()
            .iter()
            .find(|s| s.local_date().to_string() == date)
            .unwrap();
        s.starts_at().to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    assert_eq!(at("2019-03-26"), "2019-03-26T08:30:00Z");
    assert_eq!(at("2019-04-02"), "2019-04-02T07:30:00Z");
}

#[test]
fn binario_f_2019_snapshot() {
    insta::assert_json_snapshot!(binario_f());
}

#[test]
fn an_error_report_lists_every_failing_line() {
    let text = "Il programma\nFebbraio:\n- 12 febbraio (9.30 – 13.30) ➔ Facebook per la Sanità\n- 31 febbraio (9.30 – 13.30) ➔ Impossibile\nlunedì 19 febbraio (9.30 – 13.30) ➔ Giorno sbagliato\n- 26 febbraio (9.30 – 13) Senza freccia\nMarzo:\n- 5 marzo (9.30 13.30) ➔ Senza trattino\n- 31 marzo (2.30 – 4) ➔ Nel salto dell'ora legale\n- 12 marzo (9.30 – 13.30) ➔\n";
    let err = parse("programma.txt", text, &options(2019)).unwrap_err();
    insta::assert_snapshot!(err.to_string());
}

/// The styles people write, for the round-trip property.
#[derive(Debug, Clone)]
struct Style {
    bullet: &'static str,
    weekday: u8,
    slash_date: bool,
    year: bool,
    paren: bool,
    intro: &'static str,
    time_sep: &'static str,
    dash: &'static str,
    arrow: &'static str,
    crlf: bool,
}

fn style() -> impl Strategy<Value = Style> {
    (
        (
            prop::sample::select(vec!["- ", "– ", "• ", "* ", ""]),
            0u8..3,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            prop::sample::select(vec!["", "ore ", "dalle ", "h "]),
            prop::sample::select(vec![".", ",", ":"]),
            prop::sample::select(vec![" – ", "-", " — ", " / ", " alle "]),
            prop::sample::select(vec![" ➔ ", " ➔", " → ", " -> ", ": ", " "]),
            any::<bool>(),
        ),
    )
        .prop_map(
            |((bullet, weekday, slash_date, year, paren), (intro, time_sep, dash, arrow, crlf))| {
                Style {
                    bullet,
                    weekday,
                    slash_date,
                    year,
                    paren,
                    intro,
                    time_sep,
                    dash,
                    arrow,
                    crlf,
                }
            },
        )
}

fn styled(sessions: &[ListedSession], style: &Style) -> String {
    let nl = if style.crlf { "\r\n" } else { "\n" };
    let mut out = format!("Il programma, in partenza il 12 febbraio alle 9,30:{nl}{nl}");
    let time = |t: NaiveTime| {
        if t.minute() == 0 && style.time_sep != ":" {
            t.hour().to_string()
        } else {
            format!("{}{}{:02}", t.hour(), style.time_sep, t.minute())
        }
    };
    let mut year = None;
    for s in sessions {
        let d = s.local_date();
        if year != Some(d.year()) {
            year = Some(d.year());
            out.push_str(&format!(
                "{} {}:{nl}",
                italian::month_name(d.month()).unwrap().to_uppercase(),
                d.year()
            ));
        }
        let weekday = match style.weekday {
            0 => String::new(),
            1 => format!("{} ", italian::weekday_name(d.weekday())),
            _ => format!(
                "{}. ",
                &italian::fold(italian::weekday_name(d.weekday()))[..3]
            ),
        };
        let date = match (style.slash_date, style.year) {
            (true, true) => format!("{:02}/{:02}/{}", d.day(), d.month(), d.year()),
            (true, false) => format!("{}/{:02}", d.day(), d.month()),
            (false, true) => format!(
                "{} {} {}",
                d.day(),
                italian::month_name(d.month()).unwrap(),
                d.year()
            ),
            (false, false) => format!("{} {}", d.day(), italian::month_name(d.month()).unwrap()),
        };
        let range = format!(
            "{}{}{}{}",
            style.intro,
            time(s.local_start()),
            style.dash,
            time(s.local_end())
        );
        let range = if style.paren {
            format!("({range})")
        } else {
            range
        };
        out.push_str(&format!(
            "{}{weekday}{date} {range}{}{}{nl}",
            style.bullet,
            style.arrow,
            s.title()
        ));
    }
    out
}

fn session_strategy() -> impl Strategy<Value = ListedSession> {
    (
        2018i32..2022,
        1u32..366,
        6u32..20,
        prop::sample::select(vec![0u32, 5, 15, 30, 45]),
        1u32..240,
        "[A-Za-zÀÈàèéìòù][A-Za-z0-9àèéìòù ,'()!?%&.]{0,30}[A-Za-z0-9àèéìòù!?.)]",
    )
        .prop_filter_map(
            "a real date",
            |(year, ordinal, hour, minute, minutes, title)| {
                let date = NaiveDate::from_yo_opt(year, ordinal)?;
                let start = NaiveTime::from_hms_opt(hour, minute, 0)?;
                let end = start + chrono::Duration::minutes(i64::from(minutes));
                (end > start).then_some(())?;
                let zone = Zone::rome();
                let instant = |t| Ambiguity::Refuse.instant(zone, date.and_time(t)).ok();
                Some(ListedSession {
                    title,
                    local_date: date,
                    local_start: start,
                    local_end: end,
                    zone,
                    starts_at: instant(start)?,
                    ends_at: instant(end)?,
                    line: 0,
                })
            },
        )
}

fn without_lines(sessions: &[ListedSession]) -> Vec<ListedSession> {
    sessions
        .iter()
        .cloned()
        .map(|s| ListedSession { line: 0, ..s })
        .collect()
}

/// Fragments that make inputs look like listings, so the no-panic property reaches deep paths.
fn listing_like() -> impl Strategy<Value = String> {
    let fragment = prop::sample::select(vec![
        "- ",
        "12",
        "31",
        "0",
        "99",
        "/",
        "02",
        "2019",
        " ",
        "febbraio",
        "MAR",
        "mar.",
        "martedì",
        "(",
        ")",
        "9",
        ".",
        ",",
        ":",
        "30",
        "–",
        "—",
        "-",
        "alle",
        "dalle",
        "ore",
        "h",
        "➔",
        "→",
        "->",
        "Titolo",
        "\n",
        "\r\n",
        "\u{feff}",
        "é",
        "𝄞",
        "Febbraio:",
    ]);
    prop::collection::vec(fragment, 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// No input makes the reader panic: arbitrary text, and text built from listing fragments.
    #[test]
    fn never_panics(text in any::<String>(), like in listing_like()) {
        let _ = parse("x.txt", &text, &options(2019));
        let _ = parse("x.txt", &like, &options(2019));
    }

    /// `render` then `parse` gives the sessions back.
    #[test]
    fn render_then_parse_is_the_identity(sessions in prop::collection::vec(session_strategy(), 0..20)) {
        let text = render(&sessions);
        let back = parse("r.txt", &text, &options(2000)).unwrap();
        prop_assert_eq!(without_lines(back.sessions()), without_lines(&sessions));
    }

    /// The same holds for every style people write (weekdays, slashes, commas, `alle`, CRLF …).
    #[test]
    fn every_style_parses_back(
        sessions in prop::collection::vec(session_strategy(), 0..12),
        style in style(),
    ) {
        let mut sessions = sessions;
        sessions.sort_by_key(|s| s.local_date());
        let text = styled(&sessions, &style);
        let back = parse("s.txt", &text, &options(2000));
        let back = back.map_err(|err| TestCaseError::fail(format!("{err}\n{text}")))?;
        prop_assert_eq!(without_lines(back.sessions()), without_lines(&sessions));
    }
}
