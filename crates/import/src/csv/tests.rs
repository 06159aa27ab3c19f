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
