//! Tests of the spreadsheet reader and writer: the fixtures in every encoding and separator, an
//! error report snapshot, the value parsers, and properties.

use super::*;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2019, 2, 1).unwrap()
}

fn read(bytes: &[u8], options: &ReadOptions) -> Result<(Summary, Vec<PersonRow>)> {
    let mut rows = Vec::new();
    let summary = read_people("t.csv", bytes, options, |_| {}, |row| rows.push(row))?;
    Ok((summary, rows))
}

#[test]
fn the_fixtures_read_the_same_in_every_encoding_and_separator() {
    let utf8 = include_bytes!("../../../../fixtures/csv/persone.csv");
    let cp1252 = include_bytes!("../../../../fixtures/csv/persone-windows1252.csv");
    let bom_comma = include_bytes!("../../../../fixtures/csv/persone-bom-virgola.csv");
    let options = ReadOptions::new(today());
    let (a, rows) = read(utf8, &options).unwrap();
    let (b, rows_1252) = read(cp1252, &options).unwrap();
    let (c, rows_bom) = read(bom_comma, &options).unwrap();
    assert_eq!((a.delimiter, a.encoding, a.rows), (b';', Encoding::Utf8, 3));
    assert_eq!((b.delimiter, b.encoding), (b';', Encoding::Windows1252));
    assert_eq!((c.delimiter, c.encoding), (b',', Encoding::Utf8));
    assert_eq!(rows, rows_1252);
    assert_eq!(rows, rows_bom);
    let anna = &rows[1];
    assert_eq!(anna.name.as_str(), "Anna Maria D'Amico");
    assert_eq!(anna.codice_fiscale.as_str(), "RSSMRA85T10A56NH");
    assert_eq!(anna.birth_date, NaiveDate::from_ymd_opt(1985, 12, 10));
    assert_eq!(anna.score_hundredths, Some(123_456));
    assert!(anna.privacy_consent);
    assert_eq!(rows[2].name.as_str(), "Nicolò Bianchi");
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4]);
}

#[test]
fn a_forced_wrong_encoding_is_reported() {
    let cp1252 = include_bytes!("../../../../fixtures/csv/persone-windows1252.csv");
    let options = ReadOptions {
        encoding: Encoding::Utf8,
        ..ReadOptions::new(today())
    };
    let err = read(cp1252, &options).unwrap_err().to_string();
    assert!(err.contains("t.csv:4: nome: is not valid UTF-8"), "{err}");
}

#[test]
fn an_error_report_names_line_and_column_of_every_problem() {
    let bytes = include_bytes!("../../../../fixtures/csv/persone-errori.csv");
    let err = read(bytes, &ReadOptions::new(today())).unwrap_err();
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn problems_past_the_limit_are_counted() {
    let mut text = String::from("nome;cognome;email;cf\n");
    for _ in 0..10 {
        text.push_str("A;B;x;y\n");
    }
    let options = ReadOptions {
        max_problems: 3,
        ..ReadOptions::new(today())
    };
    let Err(Error::Invalid(report)) = read(text.as_bytes(), &options) else {
        panic!("expected problems")
    };
    assert_eq!((report.problems.len(), report.more), (3, 17));
    assert!(report.to_string().ends_with("… and 17 more problems"));
}

#[test]
fn nothing_reaches_the_sink_after_a_problem_and_headers_are_checked() {
    let text = "nome;cognome;email;cf\nA;B;x;RSSMRA85T10A562S\nA;B;a@b.it;RSSMRA85T10A562S\n";
    let mut rows = 0;
    let result = read_people(
        "t.csv",
        text.as_bytes(),
        &ReadOptions::new(today()),
        |_| {},
        |_| rows += 1,
    );
    assert!(result.is_err());
    assert_eq!(rows, 0);
    let err = read(b"Nome\tE-mail\nA\ta@b.it\n", &ReadOptions::new(today())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv:1: expected the columns nome and cognome (or nome e cognome), codice fiscale in the header"
    );
}

#[test]
fn headers_fold() {
    for header in [
        "Data di nascita",
        "DATA_DI_NASCITA",
        "data-di-nascità",
        " datadinascita ",
    ] {
        assert_eq!(fold_header(header), "datadinascita", "{header}");
    }
}

#[test]
fn values() {
    assert_eq!(yes_no("Sì"), Ok(true));
    assert_eq!(yes_no("SI"), Ok(true));
    assert_eq!(yes_no("x"), Ok(true));
    assert_eq!(yes_no("no"), Ok(false));
    assert_eq!(yes_no(""), Ok(false));
    assert!(yes_no("forse").is_err());
    assert_eq!(decimal_hundredths("-0,5"), Ok(-50));
    assert_eq!(decimal_hundredths("1234.56"), Ok(123_456));
    assert!(decimal_hundredths("12,345").is_err());
    assert_eq!(parse_date("4/6/2019").unwrap().to_string(), "2019-06-04");
    assert!(parse_date("2019/06/04").is_err());
}

#[test]
fn the_binario_f_sessions_as_an_italian_spreadsheet() {
    let catalog = skillhub_core::fixture::Catalog::seeds().unwrap();
    let program = catalog.program("binario-f").unwrap();
    let bytes = write_sessions(program, Vec::new()).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").take(3).collect();
    assert_eq!(
        lines[0],
        "id;titolo;data;inizio;fine;durata_ore;sede;modalita;posti_in_presenza;posti_online"
    );
    assert_eq!(
        lines[1],
        "binario-f-2019-02-12;Facebook per la Sanità;12/02/2019;09:30;13:30;4,00;Binario F;in presenza;40;0"
    );
}

proptest! {
    /// Italian decimals read back what they write.
    #[test]
    fn decimals_round_trip(value in -1_000_000_000_000i64..1_000_000_000_000) {
        prop_assert_eq!(decimal_hundredths(&format_hundredths(value)), Ok(value));
    }

    /// Rows written by the Italian writer (any cell text) read back as the same cells, and no
    /// input makes the people reader panic.
    #[test]
    fn writer_cells_survive_and_reader_never_panics(
        cells in prop::collection::vec("[a-zA-Zàèéìòù0-9 ;,\"\n]{0,12}", 4),
        junk in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut writer = ItalianWriter::new(Vec::new()).unwrap();
        writer.row(["nome", "cognome", "email", "cf"]).unwrap();
        writer.row(&cells).unwrap();
        let bytes = writer.finish().unwrap();
        let mut reader = ::csv::ReaderBuilder::new().delimiter(b';').from_reader(&bytes[3..]);
        let back: Vec<String> = reader.records().next().unwrap().unwrap().iter().map(str::to_owned).collect();
        prop_assert_eq!(back, cells);
        let _ = read(&junk, &ReadOptions::new(today()));
    }
}

/// The value readers as they were before they were made allocation-free: the new ones must
/// answer exactly as these do, for every input.
mod reference {
    use super::*;

    pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
        let text = text.trim();
        let iso = text.len() == 10 && text.as_bytes()[4] == b'-';
        let parsed = if iso {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
        } else {
            let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
            match parts.as_slice() {
                [d, m, y] if y.len() == 4 => match (d.parse(), m.parse(), y.parse()) {
                    (Ok(d), Ok(m), Ok(y)) => NaiveDate::from_ymd_opt(y, m, d),
                    _ => None,
                },
                _ => None,
            }
        };
        parsed.ok_or_else(|| format!("{text:?} is not a date (expected dd/mm/yyyy or yyyy-mm-dd)"))
    }

    pub fn yes_no(text: &str) -> Result<bool, String> {
        match italian::fold(text.trim()).as_str() {
            "si" | "s" | "x" | "yes" | "y" | "1" | "vero" | "true" => Ok(true),
            "no" | "n" | "0" | "falso" | "false" | "" => Ok(false),
            _ => Err(format!(
                "{text:?} is not Sì or No (expected Sì, No, x or an empty cell)"
            )),
        }
    }

    pub fn decimal_hundredths(text: &str) -> Result<i64, String> {
        let bad = || format!("{text:?} is not a number (expected e.g. 1.234,56)");
        let t = text.trim();
        let (negative, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (int, frac) = match (t.split_once(','), t.matches('.').count()) {
            (Some((int, frac)), _) => (int.replace('.', ""), frac),
            (None, 1) => match t.split_once('.') {
                Some((int, frac)) if (1..=2).contains(&frac.len()) => (int.to_owned(), frac),
                _ => (t.replace('.', ""), ""),
            },
            (None, _) => (t.replace('.', ""), ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !digits(&int) || !digits(frac) || frac.len() > 2 {
            return Err(bad());
        }
        let int: i64 = int.parse().map_err(|_| bad())?;
        let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let value = int
            .checked_mul(100)
            .and_then(|v| v.checked_add(frac))
            .ok_or_else(bad)?;
        Ok(if negative { -value } else { value })
    }
}

proptest! {
    /// The fast value readers agree with the reference ones on any text, including the shapes
    /// spreadsheets hold.
    #[test]
    fn fast_readers_agree_with_the_reference(
        text in prop_oneof![
            ".{0,14}",
            "[ \t]?-?[0-9.]{0,8}[,.]?[0-9]{0,3}[ ]?",
            "[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9+]{2,5}",
            "[ ]?(Sì|SÌ|sì|Si|si|SI|x|X|No|NO|no|n|S|1|0|vero|falso)[ \u{a0}]?",
        ],
    ) {
        prop_assert_eq!(parse_date(&text), reference::parse_date(&text));
        prop_assert_eq!(yes_no(&text), reference::yes_no(&text));
        prop_assert_eq!(decimal_hundredths(&text), reference::decimal_hundredths(&text));
        prop_assert_eq!(trim(&text), text.trim());
    }

    /// Neither the registrations nor the applications reader panics on any bytes.
    #[test]
    fn registration_and_application_readers_never_panic(
        junk in prop::collection::vec(any::<u8>(), 0..300),
        header in prop::sample::select(vec![
            "sessione;nome e cognome;email;genere;regione;modalita;ruoli\n",
            "ragione sociale;partita iva;regione;importo richiesto;workers buyout;tipo di progetto\n",
        ]),
    ) {
        let mut bytes = header.as_bytes().to_vec();
        bytes.extend(&junk);
        let _ = read_registrations("t.csv", &bytes[..], &ReadOptions::new(today()), |_| {}, |_| {});
        let catalog = skillhub_core::fixture::Catalog::seeds().unwrap();
        let info = catalog.program("cooperazione-digitale").unwrap().grant_call().unwrap();
        let options = ApplicationOptions {
            read: ReadOptions::new(today()),
            priority_criteria: &info.priority_criteria,
            project_kinds: &info.favoured_projects,
        };
        let _ = read_applications("t.csv", &bytes[..], &options, |_| {}, |_| {});
    }
}

fn registrations(bytes: &[u8]) -> Result<(Summary, Vec<RegistrationRow>)> {
    let mut rows = Vec::new();
    let summary = read_registrations(
        "t.csv",
        bytes,
        &ReadOptions::new(today()),
        |_| {},
        |row| rows.push(row),
    )?;
    Ok((summary, rows))
}

#[test]
fn registrations_read_the_same_in_utf8_and_windows_1252() {
    let utf8 = include_bytes!("../../../../fixtures/csv/iscrizioni.csv");
    let cp1252 = include_bytes!("../../../../fixtures/csv/iscrizioni-windows1252.csv");
    let (a, rows) = registrations(utf8).unwrap();
    let (b, rows_1252) = registrations(cp1252).unwrap();
    assert_eq!(
        (a.encoding, b.encoding),
        (Encoding::Utf8, Encoding::Windows1252)
    );
    assert_eq!(rows, rows_1252);
    assert_eq!(a.rows, 4, "the blank line is not a row");
    assert_eq!(
        rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        [2, 3, 4, 6]
    );
    let anna = &rows[0];
    assert_eq!(anna.session.as_str(), "binario-f-2019-02-12");
    assert_eq!(anna.person.name.as_str(), "Anna Maria D'Amico");
    assert_eq!(anna.kind, Some(skillhub_core::capacity::SeatKind::InPerson));
    let attributes = serde_json::to_value(&anna.person.attributes).unwrap();
    assert_eq!(
        attributes,
        serde_json::json!({"gender": "female", "country": "IT", "region": "lazio",
            "birth_date": "1985-12-10", "organisation_type": "sme"})
    );
    let giulia = &rows[2].person.attributes;
    assert_eq!(giulia.region.as_ref().unwrap().as_str(), "valle-d-aosta");
    assert_eq!(
        giulia.roles.iter().next().unwrap().as_str(),
        "community_admin"
    );
    assert_eq!(rows[3].person.email.as_str(), "JOSE@example.it");
    assert_eq!(rows[3].kind, None);
}

#[test]
fn a_registrations_error_report_names_line_and_column_of_every_problem() {
    let bytes = include_bytes!("../../../../fixtures/csv/iscrizioni-errori.csv");
    let err = registrations(bytes).unwrap_err();
    insta::assert_snapshot!(err.to_string());
    let err = registrations(b"Nome;E-mail\nA;a@b.it\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv:1: expected the columns sessione, nome and cognome (or nome e cognome) in the header"
    );
}

fn applications(bytes: &[u8]) -> Result<Vec<ApplicationRow>> {
    let catalog = skillhub_core::fixture::Catalog::seeds().unwrap();
    let info = catalog
        .program("cooperazione-digitale")
        .unwrap()
        .grant_call()
        .unwrap();
    let options = ApplicationOptions {
        read: ReadOptions::new(today()),
        priority_criteria: &info.priority_criteria,
        project_kinds: &info.favoured_projects,
    };
    let mut rows = Vec::new();
    read_applications("t.csv", bytes, &options, |_| {}, |row| rows.push(row))?;
    Ok(rows)
}

#[test]
fn applications_of_cooperatives() {
    let rows = applications(include_bytes!(
        "../../../../fixtures/csv/domande-cooperative.csv"
    ))
    .unwrap();
    let summary: Vec<String> = rows
        .iter()
        .map(|r| {
            let tags = |set: &std::collections::BTreeSet<skillhub_core::ids::Tag>| {
                set.iter().map(|t| t.as_str()).collect::<Vec<_>>().join("+")
            };
            format!(
                "{} {} {} {} {:?} {} [{}] [{}]",
                r.line,
                r.id.as_str(),
                r.applicant.partita_iva,
                r.applicant.region.as_ref().unwrap().as_str(),
                r.applicant.albo_number,
                r.requested.get(),
                tags(&r.priorities),
                tags(&r.project_kinds)
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "2 coop-0001 01234567897 umbria Some(\"A123456\") 1250000 [peripheral_area+social_coop] [supply_chain]",
            "3 coop-0002 00743110157 emilia-romagna Some(\"A654321\") 700000 [women_or_youth+workers_buyout] [cross_sector+network]",
            "4 coop-0003 12345678903 sicilia Some(\"A000042\") 3500050 [confiscated_assets+peripheral_area+social_coop] []",
        ]
    );
    let named = applications(
        b"Ragione sociale,Codice fiscale,Regione,Importo\nAlfa,01234567897,Lazio,\"1.000,00\"\n",
    )
    .unwrap();
    assert_eq!(
        named[0].id.as_str(),
        "domanda-2",
        "without an id column, the line names it"
    );
}

#[test]
fn an_applications_error_report_names_line_and_column_of_every_problem() {
    let err = applications(include_bytes!(
        "../../../../fixtures/csv/domande-errori.csv"
    ))
    .unwrap_err();
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn lines_are_counted_past_blank_lines_of_either_ending() {
    for end in ["\n", "\r\n"] {
        let text = [
            "nome;cognome;email;cf",
            "",
            "A;B;a@b.it;RSSMRA85T10A562S",
            "",
            "",
            "A;B;x;RSSMRA85T10A562S",
            "",
        ]
        .join(end);
        let err = read(text.as_bytes(), &ReadOptions::new(today())).unwrap_err();
        assert!(
            err.to_string().starts_with("t.csv:6: email:"),
            "{end:?}: {err}"
        );
    }
}

#[test]
fn a_cooperative_applies_once_per_file() {
    let err = applications(
        b"Ragione sociale;Partita IVA;Regione;Importo\n\
          Alfa;01234567897;Lazio;1000\n\
          Beta;00743110157;Lazio;1000\n\
          Alfa bis;IT01234567897;Lazio;2000\n",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv:4: partita iva: 01234567897 already applies on line 2: a cooperative hands in one application per call"
    );
}

#[test]
fn windows_1252_decodes_every_byte_as_encoding_rs() {
    for byte in 0..=255u8 {
        let bytes = [byte];
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
        assert_eq!(windows_1252(byte).to_string(), text, "byte {byte:#04x}");
    }
}

/// What `Cells::each` gives for a record, as owned values.
fn decoded_cells(
    record: &::csv::ByteRecord,
    columns: &[Option<usize>],
    encoding: Encoding,
) -> Vec<(usize, Result<String, String>)> {
    let cells = Cells {
        record,
        columns,
        encoding,
    };
    let (mut out, mut scratch) = (Vec::new(), String::new());
    cells.each(&mut scratch, |column, text| {
        out.push((column, text.map(str::to_owned)));
    });
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A record decoded at once (when it is ASCII, or UTF-8 in a UTF-8 file) gives the cells
    /// that decoding each cell on its own gives, errors included (a character cut between
    /// two cells).
    #[test]
    fn records_decode_as_their_cells(
        fields in proptest::collection::vec(
            proptest::collection::vec(prop_oneof![4 => 0x20u8..0x7F, 1 => any::<u8>(), 1 => Just(0xC3u8), 1 => 0xA0u8..0xC0], 0..6),
            0..6,
        ),
        known in proptest::collection::vec(any::<bool>(), 0..7),
        utf8 in any::<bool>(),
    ) {
        let record = ::csv::ByteRecord::from(fields);
        let columns: Vec<Option<usize>> = known.iter().enumerate().map(|(i, &k)| k.then_some(i)).collect();
        let encoding = if utf8 { Encoding::Utf8 } else { Encoding::Windows1252 };
        let mut scratch = String::new();
        let expected: Vec<(usize, Result<String, String>)> = record
            .iter()
            .zip(&columns)
            .filter_map(|(bytes, column)| {
                column.map(|c| (c, field(bytes, encoding, &mut scratch).map(|t| trim(t).to_owned())))
            })
            .collect();
        prop_assert_eq!(decoded_cells(&record, &columns, encoding), expected);
    }
}
