//! Tests of the completion readers: the fixtures (Moodle's exports in English and Italian, an
//! LRS's answer) and their error reports as snapshots, the dates Moodle writes, and properties:
//! no input panics, one bad row refuses the whole file, generated exports read back as written.

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use skillhub_core::person::Country;
use skillhub_core::tz::Zone;

use super::*;
use crate::Error;

fn options(country: Option<&str>) -> Options {
    Options {
        zone: Zone::rome(),
        country: country.map(|c| Country::parse(c).unwrap()),
        course: None,
        encoding: Encoding::Detect,
        max_problems: 100,
    }
}

/// A fixture of `fixtures/completions/`, compiled in.
fn fixture(name: &str) -> &'static [u8] {
    match name {
        "completion-competenze_digitali_di_base.csv" => include_bytes!(
            "../../../../fixtures/completions/completion-competenze_digitali_di_base.csv"
        ),
        "moodle-partecipazione-corso.csv" => {
            include_bytes!("../../../../fixtures/completions/moodle-partecipazione-corso.csv")
        }
        "moodle-report-builder.csv" => {
            include_bytes!("../../../../fixtures/completions/moodle-report-builder.csv")
        }
        "moodle-errori.csv" => include_bytes!("../../../../fixtures/completions/moodle-errori.csv"),
        "xapi-lrs.json" => include_bytes!("../../../../fixtures/completions/xapi-lrs.json"),
        "xapi-errori.json" => include_bytes!("../../../../fixtures/completions/xapi-errori.json"),
        other => panic!("no fixture {other}"),
    }
}

fn problems(result: crate::Result<Completions>) -> String {
    match result {
        Err(Error::Invalid(report)) => report.to_string(),
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn the_course_completion_report_names_its_course_by_its_file() {
    let name = "completion-competenze_digitali_di_base.csv";
    let options = Options {
        course: course_from_file_name(name),
        ..options(None)
    };
    let read = moodle::read(name, fixture(name), &options).unwrap();
    insta::assert_yaml_snapshot!(read);
}

#[test]
fn a_report_builder_export_saved_again_by_italian_excel() {
    let name = "moodle-partecipazione-corso.csv";
    let read = moodle::read(name, fixture(name), &options(None)).unwrap();
    assert_eq!(
        read.completions[1].learner.key(),
        "nicolo.esposito@example.org"
    );
    insta::assert_yaml_snapshot!(read);
}

#[test]
fn a_report_builder_export_in_english_with_a_bom() {
    let name = "moodle-report-builder.csv";
    let read = moodle::read(name, fixture(name), &options(None)).unwrap();
    insta::assert_yaml_snapshot!(read);
}

#[test]
fn a_moodle_error_report_names_line_and_column_of_every_problem() {
    let name = "moodle-errori.csv";
    insta::assert_snapshot!(problems(moodle::read(name, fixture(name), &options(None))));
}

#[test]
fn a_program_in_one_country_needs_no_country_column() {
    let file = "Corso;Indirizzo email;Completato\n\
                Sicurezza online;anna@example.org;12/06/2019\n";
    let read = moodle::read("c.csv", file.as_bytes(), &options(Some("IT"))).unwrap();
    assert_eq!(read.completions[0].country.as_str(), "IT");
    let refused = problems(moodle::read("c.csv", file.as_bytes(), &options(None)));
    assert_eq!(
        refused,
        "c.csv:2: Paese: manca il paese: il programma si svolge in più paesi, aggiungi la colonna «Paese» (Country) con il paese di ciascuno, o indica il paese di tutto il file"
    );
}

#[test]
fn missing_columns_are_named_in_the_header() {
    let file = "Nome;Cognome;Email\nAnna;Rossi;anna@example.org\n";
    assert_eq!(
        problems(moodle::read("c.csv", file.as_bytes(), &options(Some("IT")))),
        "c.csv:1: mancano le colonne «Data e ora di completamento» (Time completed, Course complete, Criteri di completamento), «Corso» (Course, Course full name), o il corso di tutto il file nell'intestazione"
    );
}

#[test]
fn an_lrs_answer_keeps_only_completions() {
    let name = "xapi-lrs.json";
    let text = String::from_utf8(fixture(name).to_vec()).unwrap();
    let read = xapi::read(name, &text, &options(Some("IT"))).unwrap();
    insta::assert_yaml_snapshot!(read);
}

#[test]
fn an_xapi_error_report_names_line_and_pointer_of_every_problem() {
    let name = "xapi-errori.json";
    let text = String::from_utf8(fixture(name).to_vec()).unwrap();
    insta::assert_snapshot!(problems(xapi::read(name, &text, &options(Some("IT")))));
}

#[test]
fn xapi_in_a_program_of_several_countries_needs_the_files_country() {
    let name = "xapi-lrs.json";
    let text = String::from_utf8(fixture(name).to_vec()).unwrap();
    assert_eq!(
        problems(xapi::read(name, &text, &options(None))),
        "xapi-lrs.json:1: manca il paese: il programma si svolge in più paesi e gli statement xAPI non lo dicono; indica il paese di questi completamenti"
    );
}

#[test]
fn xapi_that_is_not_json_or_not_statements() {
    let check = |text: &str, expected: &str| {
        assert_eq!(
            problems(xapi::read("x.json", text, &options(Some("IT")))),
            expected
        );
    };
    check(
        "[\n{\"verb\": }\n]",
        "x.json:2: il file non è JSON valido (colonna 10): expected value",
    );
    check(
        "{\"more\": \"\"}",
        "x.json:1: atteso un oggetto con «statements», un elenco di statement xAPI (la risposta di un LRS)",
    );
    check(
        "\"completed\"",
        "x.json:1: atteso un elenco di statement xAPI ([…]) o la risposta di un LRS ({\"statements\": […]})",
    );
    check("[3]", "x.json:1: /0: uno statement è un oggetto JSON ({…})");
}

#[test]
fn the_days_moodle_writes() {
    let check = |text: &str, expected: &str| {
        assert_eq!(
            completion_day(text, Zone::rome()).map(|d| d.to_string()),
            Ok(expected.to_owned()),
            "{text}"
        );
    };
    check("mercoledì, 12 giugno 2019, 10:30", "2019-06-12");
    check("Mercoledi 12 Giugno 2019", "2019-06-12");
    check("Wednesday, 12 June 2019, 10:30 AM", "2019-06-12");
    check("Wed, 5 Jun 2019, 9:05 PM", "2019-06-05");
    check("12 giugno 2019", "2019-06-12");
    check("domenica, 31 marzo 2019, 02:30", "2019-03-31");
    check("12/06/19, 10:30", "2019-06-12");
    check("12/06/2019 10:30", "2019-06-12");
    check("1/7/2019", "2019-07-01");
    check("2019-06-12", "2019-06-12");
    check("2019-06-12 10:30", "2019-06-12");
    check("2019-06-12T10:30:00", "2019-06-12");
    // Instants are taken in the program's zone: 22:30 UTC is the next day in Rome.
    check("2019-06-11T22:30:00Z", "2019-06-12");
    check("2019-06-12T00:30:00+02:00", "2019-06-12");
    check("1560328200", "2019-06-12");
    for bad in [
        "",
        "ieri",
        "31/06/2019",
        "12/06/2019 25:00",
        "12/06/2019 10:30 mattina",
        "2019-13-01",
        "2019-06-12T10:30 circa",
        "12345",
        "giovedì, 12 giugno 2019",
        "12 smarch 2019",
        "99999999999999999999",
    ] {
        assert!(completion_day(bad, Zone::rome()).is_err(), "{bad}");
    }
    assert_eq!(
        completion_day("domenica, 12 giugno 2019", Zone::rome()),
        Err(
            "«domenica, 12 giugno 2019»: il 12/06/2019 è un mercoledì, non una domenica".to_owned()
        )
    );
}

#[test]
fn countries_by_name_or_code() {
    for (text, code) in [
        ("Italia", "IT"),
        ("ITALY", "IT"),
        ("Regno Unito", "GB"),
        ("UK", "GB"),
        ("España", "ES"),
        ("pl", "PL"),
    ] {
        assert_eq!(parse_country(text).unwrap().as_str(), code, "{text}");
    }
    assert!(parse_country("Atlantide").is_err());
    assert!(parse_country("I").is_err());
}

/// A learner of the generated files, by number.
fn address(n: usize) -> String {
    format!("persona.{n}@example.org")
}

const COURSES: [&str; 3] = [
    "Competenze digitali di base",
    "Sicurezza online; per tutti",
    "Marketing \"digitale\"",
];

/// One row of a generated Moodle export: who, which course, when (if completed), how the date
/// is written, which country.
#[derive(Debug, Clone)]
struct Generated {
    who: usize,
    course: usize,
    day: Option<NaiveDate>,
    style: usize,
    country: Option<&'static str>,
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        0usize..40,
        0usize..COURSES.len(),
        prop::option::weighted(0.8, 0u32..1100),
        0usize..6,
        prop::option::of(prop::sample::select(vec![
            "Italia", "Spain", "PL", "France",
        ])),
    )
        .prop_map(|(who, course, day, style, country)| Generated {
            who,
            course,
            day: day.map(|d| {
                NaiveDate::from_ymd_opt(2018, 1, 1).unwrap() + chrono::Days::new(d.into())
            }),
            style,
            country,
        })
}

/// A day as Moodle (or a person) may write it, in one of several styles.
fn written(day: NaiveDate, style: usize) -> String {
    let months_en = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match style {
        0 => format!(
            "{}, {} {} {}, 10:30",
            italian::weekday_name(day.weekday()),
            day.day(),
            italian::month_name(day.month()).unwrap(),
            day.year()
        ),
        1 => format!(
            "{}, {} {} {}, 4:05 PM",
            day.weekday(),
            day.day(),
            months_en[day.month0() as usize],
            day.year()
        )
        .replace("Mon,", "Monday,")
        .replace("Tue,", "Tuesday,"),
        2 => day.format("%d/%m/%y, 10:30").to_string(),
        3 => day.format("%d/%m/%Y").to_string(),
        4 => day.format("%Y-%m-%d").to_string(),
        _ => Zone::rome()
            .resolve(day.and_hms_opt(12, 0, 0).unwrap())
            .unwrap()
            .unique()
            .unwrap()
            .timestamp()
            .to_string(),
    }
}

/// A cell, quoted as CSV quotes it.
fn cell(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// A Moodle report builder export of `rows`, in English or Italian, with `,` or `;`.
fn export(rows: &[Generated], italian_headers: bool, separator: char) -> String {
    let headers = if italian_headers {
        [
            "Nome completo del corso",
            "Indirizzo email",
            "Paese",
            "Data e ora di completamento",
        ]
    } else {
        [
            "Course full name",
            "Email address",
            "Country",
            "Time completed",
        ]
    };
    let mut out = headers.map(cell).join(&separator.to_string()) + "\r\n";
    for row in rows {
        let cells = [
            cell(COURSES[row.course]),
            cell(&address(row.who)),
            cell(row.country.unwrap_or("")),
            cell(&row.day.map(|d| written(d, row.style)).unwrap_or_default()),
        ];
        out += &(cells.join(&separator.to_string()) + "\r\n");
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn generated_moodle_exports_read_back_as_written(
        rows in prop::collection::vec(generated(), 0..30),
        italian_headers in any::<bool>(),
        separator in prop::sample::select(vec![',', ';']),
    ) {
        let text = export(&rows, italian_headers, separator);
        let read = moodle::read("g.csv", text.as_bytes(), &options(Some("IT"))).unwrap();
        let expected: Vec<(String, &str, NaiveDate, String)> = rows
            .iter()
            .filter_map(|r| {
                let country = r.country.map_or("IT".to_owned(), |c| parse_country(c).unwrap().to_string());
                Some((address(r.who), COURSES[r.course], r.day?, country))
            })
            .collect();
        let got: Vec<(String, &str, NaiveDate, String)> = read
            .completions
            .iter()
            .map(|c| (c.learner.key(), c.course.as_str(), c.completed_on, c.country.to_string()))
            .collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(read.read, rows.len());
        prop_assert_eq!(read.skipped_total(), rows.iter().filter(|r| r.day.is_none()).count());
    }

    #[test]
    fn one_bad_row_refuses_the_whole_file(
        rows in prop::collection::vec(generated(), 1..30),
        bad in any::<prop::sample::Index>(),
    ) {
        let mut rows = rows;
        let bad = bad.index(rows.len());
        rows[bad].day = Some(NaiveDate::from_ymd_opt(2019, 6, 12).unwrap());
        let text = export(&rows, true, ';');
        // Break the bad row's address alone, by rewriting its line.
        let mut lines: Vec<String> = text.split("\r\n").map(str::to_owned).collect();
        lines[bad + 1] = lines[bad + 1].replace("@example.org", "-at-example.org");
        let text = lines.join("\r\n");
        let result = moodle::read("g.csv", text.as_bytes(), &options(Some("IT")));
        let Err(Error::Invalid(report)) = result else {
            return Err(TestCaseError::fail(format!("accepted: {result:?}")));
        };
        prop_assert_eq!(report.problems.len(), 1);
        prop_assert_eq!(report.problems[0].line, bad + 2);
        prop_assert_eq!(report.problems[0].field.as_deref(), Some("Indirizzo email"));
    }

    #[test]
    fn the_moodle_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = moodle::read("x.csv", &bytes[..], &options(None));
        let mut text = b"Course;Email address;Country;Time completed\n".to_vec();
        text.extend_from_slice(&bytes);
        let _ = moodle::read("x.csv", &text[..], &options(Some("IT")));
    }

    #[test]
    fn completion_day_never_panics(text in "\\PC{0,40}", digits in "[0-9/:, -]{0,24}") {
        let _ = completion_day(&text, Zone::rome());
        let _ = completion_day(&digits, Zone::rome());
    }

    #[test]
    fn the_xapi_reader_never_panics(text in "\\PC{0,200}", json in json_value()) {
        let _ = xapi::read("x.json", &text, &options(None));
        let _ = xapi::read("x.json", &json.to_string(), &options(Some("IT")));
        let statements = serde_json::json!({ "statements": [json.clone(), { "actor": json.clone(), "verb": { "id": xapi::COMPLETED }, "object": json, "timestamp": "2019-06-12T10:00:00Z" }] });
        let _ = xapi::read("x.json", &statements.to_string(), &options(Some("IT")));
    }

    #[test]
    fn generated_statements_read_back_as_written(
        statements in prop::collection::vec(
            (0usize..40, any::<bool>(), any::<bool>(), 0usize..COURSES.len(), 1_514_764_800i64..1_609_459_200),
            0..30,
        ),
    ) {
        let zone = Zone::rome();
        let mut expected = Vec::new();
        let mut skipped = 0;
        let list: Vec<serde_json::Value> = statements
            .iter()
            .map(|&(who, account, completed, course, at)| {
                let instant = Utc.timestamp_opt(at, 0).unwrap();
                let actor = if account {
                    serde_json::json!({ "account": { "homePage": "https://lms.example.org", "name": format!("u{who}") } })
                } else {
                    serde_json::json!({ "mbox": format!("mailto:{}", address(who)) })
                };
                let verb = if completed { xapi::COMPLETED } else { "http://adlnet.gov/expapi/verbs/attempted" };
                if completed {
                    let key = if account { format!("account https://lms.example.org u{who}") } else { address(who) };
                    expected.push((key, format!("https://lms.example.org/course/{course}"), zone.date_of(instant)));
                } else {
                    skipped += 1;
                }
                serde_json::json!({
                    "actor": actor,
                    "verb": { "id": verb },
                    "object": { "id": format!("https://lms.example.org/course/{course}") },
                    "timestamp": instant.to_rfc3339(),
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&list).unwrap();
        let read = xapi::read("g.json", &text, &options(Some("IT"))).unwrap();
        let got: Vec<(String, String, NaiveDate)> = read
            .completions
            .iter()
            .map(|c| (c.learner.key(), c.course.clone(), c.completed_on))
            .collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(read.skipped_total(), skipped);
        prop_assert_eq!(read.read, statements.len());
    }
}

/// Arbitrary JSON, a few levels deep, with the keys statements have.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        "\\PC{0,12}".prop_map(serde_json::Value::String),
        Just(serde_json::json!("mailto:a@b.it")),
        Just(serde_json::json!(xapi::COMPLETED)),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "actor",
                        "mbox",
                        "account",
                        "homePage",
                        "name",
                        "verb",
                        "id",
                        "object",
                        "result",
                        "completion",
                        "timestamp",
                        "stored",
                        "objectType",
                    ]),
                    inner
                ),
                0..4
            )
            .prop_map(|pairs| serde_json::Value::Object(
                pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}
