//! Spreadsheets as Italian offices write them, read as a stream and validated row by row; and
//! spreadsheets written so that Italian Excel opens them.
//!
//! # Reading
//!
//! - **Separator**: `;`, `,` or tab, sniffed from the header line (the most frequent wins,
//!   `;` on a tie), unless given.
//! - **Encoding**: UTF-8 with or without BOM, or Windows-1252, detected from the first 64 KiB
//!   (valid UTF-8 → UTF-8, otherwise Windows-1252), unless given. A later invalid UTF-8 byte is a
//!   problem that suggests the override.
//! - **Headers** are matched without case, accents, spaces, `_`, `-` or `.`: `Data di nascita`,
//!   `DATA_DI_NASCITA` and `datadinascita` are one column. Unknown columns are ignored.
//! - **Values**: dates `dd/mm/yyyy` (also `d/m/yyyy` and `dd-mm-yyyy`) or ISO `yyyy-mm-dd`;
//!   decimals `1.234,56` (or `1234.56`); booleans `Sì`/`Si`/`No`/`x`/empty; DigComp levels 1–8;
//!   codice fiscale and partita IVA with their check characters (`skillhub_core::codice_fiscale`);
//!   e-mail (`skillhub_core::person::Email`).
//!
//! Memory does not grow with the file: rows are decoded one at a time from a buffered reader and
//! handed to a sink as soon as they are valid. Because the import is all-or-nothing, the sink
//! must treat rows as *staged* (the store writes them in one transaction) and keep them only when
//! [`read_people`] returns `Ok`. Every problem is collected, up to a limit, then only counted.
//!
//! # Writing
//!
//! [`ItalianWriter`] writes a UTF-8 BOM (without it Excel assumes the ANSI code page), `;`
//! separators, CRLF line ends, `dd/mm/yyyy` dates and decimal commas.

use std::io::{BufRead, BufReader, Read, Write};

use chrono::NaiveDate;
use skillhub_core::codice_fiscale::{CodiceFiscale, PartitaIva};
use skillhub_core::digcomp::Level;
use skillhub_core::italian;
use skillhub_core::person::{Email, PersonName};
use skillhub_core::program::Program;

use crate::{Error, Problem, Report, Result};

/// The character encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Detect: a BOM or valid UTF-8 in the first 64 KiB means UTF-8, otherwise Windows-1252.
    #[default]
    Detect,
    /// UTF-8 (a BOM is dropped).
    Utf8,
    /// Windows-1252 (what Excel writes as "CSV" on Italian Windows).
    Windows1252,
}

/// How to read a spreadsheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// The encoding, or detect it.
    pub encoding: Encoding,
    /// The separator, or sniff it.
    pub delimiter: Option<u8>,
    /// The most problems kept; further ones are only counted.
    pub max_problems: usize,
    /// The earliest acceptable date (e.g. of birth).
    pub earliest: NaiveDate,
    /// The latest acceptable date: "today", passed in (libraries read no clock).
    pub latest: NaiveDate,
    /// Call the progress callback every this many rows.
    pub progress_every: u64,
}

impl ReadOptions {
    /// Detected encoding and separator, 100 problems, dates from 1900-01-01 to `today`, progress
    /// every 65,536 rows.
    pub fn new(today: NaiveDate) -> Self {
        ReadOptions {
            encoding: Encoding::Detect,
            delimiter: None,
            max_problems: 100,
            earliest: NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN),
            latest: today,
            progress_every: 65_536,
        }
    }
}

/// How far a read has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Data rows read so far.
    pub rows: u64,
    /// Bytes of the file read so far.
    pub bytes: u64,
}

/// What a read found: rows, the separator and encoding used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Valid data rows (all of them, when the read succeeded).
    pub rows: u64,
    /// The separator used.
    pub delimiter: u8,
    /// The encoding used (never `Detect`).
    pub encoding: Encoding,
}

/// One person from a people spreadsheet ("anagrafica partecipanti").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// The file line the row starts on.
    pub line: u64,
    /// `nome` and `cognome` (or `nome e cognome`), joined.
    pub name: PersonName,
    /// `email` / `e-mail`.
    pub email: Email,
    /// `codice fiscale` / `cf`.
    pub codice_fiscale: CodiceFiscale,
    /// `data di nascita`, if given.
    pub birth_date: Option<NaiveDate>,
    /// `livello` (DigComp 1–8), if given.
    pub level: Option<Level>,
    /// `partita iva`, if given.
    pub partita_iva: Option<PartitaIva>,
    /// `consenso privacy` (Sì/No/x).
    pub privacy_consent: bool,
    /// `punteggio`: a self-assessment score in hundredths (`12,5` → 1250), if given.
    pub score_hundredths: Option<i64>,
}

/// The columns of a people spreadsheet, with the header spellings each accepts (folded).
const PEOPLE_COLUMNS: [(Column, &[&str]); 10] = [
    (Column::Name, &["nome", "name"]),
    (Column::Surname, &["cognome", "surname"]),
    (
        Column::FullName,
        &["nomeecognome", "nomecognome", "cognomeenome", "nominativo"],
    ),
    (Column::Email, &["email", "posta", "indirizzoemail", "mail"]),
    (
        Column::CodiceFiscale,
        &["codicefiscale", "cf", "codfiscale"],
    ),
    (
        Column::BirthDate,
        &["datadinascita", "nascita", "datanascita"],
    ),
    (Column::Level, &["livello", "livellodigcomp", "digcomp"]),
    (Column::PartitaIva, &["partitaiva", "piva"]),
    (Column::Privacy, &["consensoprivacy", "privacy", "consenso"]),
    (Column::Score, &["punteggio", "score"]),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Surname,
    FullName,
    Email,
    CodiceFiscale,
    BirthDate,
    Level,
    PartitaIva,
    Privacy,
    Score,
}

impl Column {
    fn label(self) -> &'static str {
        match self {
            Column::Name => "nome",
            Column::Surname => "cognome",
            Column::FullName => "nome e cognome",
            Column::Email => "email",
            Column::CodiceFiscale => "codice fiscale",
            Column::BirthDate => "data di nascita",
            Column::Level => "livello",
            Column::PartitaIva => "partita iva",
            Column::Privacy => "consenso privacy",
            Column::Score => "punteggio",
        }
    }
}

/// A header folded for matching: lowercase, no accents, no spaces, `_`, `-` or `.`.
pub fn fold_header(header: &str) -> String {
    italian::fold(header)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.' | '/'))
        .collect()
}

/// Reads a people spreadsheet; each valid row goes to `sink` (staged: see the module docs),
/// `progress` is called every `progress_every` rows and at the end.
///
/// ```
/// use chrono::NaiveDate;
/// use skillhub_import::csv::{ReadOptions, read_people};
/// let file = "Nome;Cognome;E-mail;Codice Fiscale;Data di nascita;Consenso privacy\r\n\
///             Mario;Rossi;mario.rossi@example.it;RSSMRA85T10A562S;10/12/1985;Sì\r\n";
/// let today = NaiveDate::from_ymd_opt(2019, 2, 1).unwrap();
/// let mut people = Vec::new();
/// let summary = read_people("p.csv", file.as_bytes(), &ReadOptions::new(today), |_| {}, |p| people.push(p)).unwrap();
/// assert_eq!(summary.rows, 1);
/// assert_eq!(people[0].name.as_str(), "Mario Rossi");
/// ```
pub fn read_people<R: Read>(
    file: &str,
    input: R,
    options: &ReadOptions,
    mut progress: impl FnMut(Progress),
    mut sink: impl FnMut(PersonRow),
) -> Result<Summary> {
    let mut input = BufReader::with_capacity(1 << 16, LineCounter::new(input));
    let head = input.fill_buf().map_err(|source| Error::Io {
        file: file.to_owned(),
        source,
    })?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let encoding = match options.encoding {
        Encoding::Detect if bom || looks_utf8(head) => Encoding::Utf8,
        Encoding::Detect => Encoding::Windows1252,
        chosen => chosen,
    };
    let head = if bom { &head[3..] } else { head };
    let delimiter = options.delimiter.unwrap_or_else(|| sniff(head));
    if bom {
        input.consume(3);
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let mut report = Report::default();
    let mut record = ::csv::ByteRecord::new();
    let fail = |report: &mut Report, line: u64, field: Option<&str>, message: String| {
        report.push_limited(
            Problem {
                file: file.to_owned(),
                line: usize::try_from(line).unwrap_or(usize::MAX),
                field: field.map(str::to_owned),
                message,
            },
            options.max_problems,
        );
    };
    let read = |reader: &mut ::csv::Reader<_>, record: &mut ::csv::ByteRecord| {
        reader.read_byte_record(record).map_err(|err| {
            Error::Invalid(Report {
                problems: vec![Problem {
                    file: file.to_owned(),
                    line: err
                        .position()
                        .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0)),
                    field: None,
                    message: format!("the file is not CSV: {err}"),
                }],
                more: 0,
            })
        })
    };
    if !read(&mut reader, &mut record)? {
        fail(
            &mut report,
            1,
            None,
            "expected a header line, found an empty file".to_owned(),
        );
        return report.into_result(Summary {
            rows: 0,
            delimiter,
            encoding,
        });
    }
    let columns = match header_columns(&record, encoding) {
        Ok(columns) => columns,
        Err(message) => {
            fail(&mut report, 1, None, message);
            return report.into_result(Summary {
                rows: 0,
                delimiter,
                encoding,
            });
        }
    };
    let mut rows = 0u64;
    let mut scratch = String::new();
    while read(&mut reader, &mut record)? {
        let byte = record.position().map_or(0, |p| p.byte()) + if bom { 3 } else { 0 };
        let line = reader.get_mut().get_mut().line_at(byte);
        rows += 1;
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            rows -= 1;
            continue;
        }
        match person(&record, &columns, encoding, options, &mut scratch) {
            Ok(row) => {
                if report.is_empty() {
                    sink(PersonRow { line, ..row });
                }
            }
            Err(problems) => {
                for (column, message) in problems {
                    fail(&mut report, line, Some(column), message);
                }
            }
        }
        if options.progress_every > 0 && rows.is_multiple_of(options.progress_every) {
            progress(Progress {
                rows,
                bytes: record.position().map_or(0, |p| p.byte()),
            });
        }
    }
    progress(Progress {
        rows,
        bytes: reader.position().byte(),
    });
    report.into_result(Summary {
        rows,
        delimiter,
        encoding,
    })
}

/// Counts lines by byte offset as the CSV reader pulls bytes (csv's own line numbers are off
/// by one after CRLF line ends). Holds only the offsets of newlines read ahead but not yet
/// asked about, so memory is bounded by the read-ahead buffer.
#[derive(Debug)]
struct LineCounter<R> {
    inner: R,
    read: u64,
    pending: std::collections::VecDeque<u64>,
    passed: u64,
}

impl<R> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter {
            inner,
            read: 0,
            pending: Default::default(),
            passed: 0,
        }
    }

    /// The 1-based line of the byte at `offset`; offsets must not decrease between calls.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.pending.front().is_some_and(|&nl| nl <= offset) {
            self.pending.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let start = self.read;
        self.pending.extend(
            buf[..n]
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| start + i as u64),
        );
        self.read += n as u64;
        Ok(n)
    }
}

/// Valid UTF-8, allowing a character cut at the end of the sample.
fn looks_utf8(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(err) => err.error_len().is_none() && sample.len() - err.valid_up_to() < 4,
    }
}

/// The most frequent of `;`, `,`, tab on the first line; `;` on a tie.
fn sniff(head: &[u8]) -> u8 {
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |d: u8| first.iter().filter(|&&b| b == d).count();
    [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|&d| (count(d), d == b';'))
        .unwrap_or(b';')
}

/// Decodes one field: borrowed when it is ASCII or UTF-8, decoded from Windows-1252 into
/// `scratch` otherwise.
fn field<'a>(
    bytes: &'a [u8],
    encoding: Encoding,
    scratch: &'a mut String,
) -> Result<&'a str, String> {
    if bytes.is_ascii() {
        return std::str::from_utf8(bytes).map_err(|e| e.to_string());
    }
    match encoding {
        Encoding::Windows1252 => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            scratch.clear();
            scratch.push_str(&text);
            Ok(scratch.as_str())
        }
        _ => std::str::from_utf8(bytes).map_err(|_| {
            "is not valid UTF-8: the file may be Windows-1252 (set the encoding explicitly)"
                .to_owned()
        }),
    }
}

/// Which column index holds what; a missing required column is an error.
fn header_columns(
    record: &::csv::ByteRecord,
    encoding: Encoding,
) -> Result<Vec<Option<Column>>, String> {
    let mut scratch = String::new();
    let columns: Vec<Option<Column>> = record
        .iter()
        .map(|bytes| {
            let name = fold_header(field(bytes, encoding, &mut scratch).unwrap_or_default());
            PEOPLE_COLUMNS
                .iter()
                .find(|(_, names)| names.contains(&name.as_str()))
                .map(|(c, _)| *c)
        })
        .collect();
    let has = |c: Column| columns.contains(&Some(c));
    let mut missing = Vec::new();
    let split_name = has(Column::Name) && has(Column::Surname);
    if !has(Column::FullName) && !split_name {
        missing.push("nome and cognome (or nome e cognome)");
    }
    for required in [Column::Email, Column::CodiceFiscale] {
        if !has(required) {
            missing.push(required.label());
        }
    }
    if missing.is_empty() {
        Ok(columns)
    } else {
        Err(format!(
            "expected the columns {} in the header",
            missing.join(", ")
        ))
    }
}

type RowProblems = Vec<(&'static str, String)>;

fn person(
    record: &::csv::ByteRecord,
    columns: &[Option<Column>],
    encoding: Encoding,
    options: &ReadOptions,
    scratch: &mut String,
) -> Result<PersonRow, RowProblems> {
    let mut problems = RowProblems::new();
    let (mut name, mut surname, mut full) = (String::new(), String::new(), String::new());
    let (mut email, mut cf, mut birth, mut level, mut vat, mut privacy, mut score) =
        (None, None, None, None, None, false, None);
    for (bytes, column) in record.iter().zip(columns) {
        let Some(column) = *column else { continue };
        let label = column.label();
        let text = match field(bytes, encoding, scratch) {
            Ok(text) => text.trim(),
            Err(message) => {
                problems.push((label, message));
                continue;
            }
        };
        let mut check = |result: Result<(), String>| {
            if let Err(message) = result {
                problems.push((label, message));
            }
        };
        match column {
            Column::Name => name = text.to_owned(),
            Column::Surname => surname = text.to_owned(),
            Column::FullName => full = text.to_owned(),
            Column::Email | Column::CodiceFiscale if text.is_empty() => {}
            Column::Email => check(
                Email::parse(text)
                    .map(|e| email = Some(e))
                    .map_err(|e| e.to_string()),
            ),
            Column::CodiceFiscale => check(
                CodiceFiscale::parse(text)
                    .map(|c| cf = Some(c))
                    .map_err(|e| e.to_string()),
            ),
            Column::BirthDate if text.is_empty() => {}
            Column::BirthDate => check(date_in_range(text, options).map(|d| birth = Some(d))),
            Column::Level if text.is_empty() => {}
            Column::Level => check(
                text.parse::<i64>()
                    .map_err(|_| format!("{text:?} is not a DigComp level (expected 1 to 8)"))
                    .and_then(|n| Level::new(n).map_err(|e| e.to_string()))
                    .map(|l| level = Some(l)),
            ),
            Column::PartitaIva if text.is_empty() => {}
            Column::PartitaIva => check(
                PartitaIva::parse(text)
                    .map(|p| vat = Some(p))
                    .map_err(|e| e.to_string()),
            ),
            Column::Privacy => check(yes_no(text).map(|b| privacy = b)),
            Column::Score if text.is_empty() => {}
            Column::Score => check(decimal_hundredths(text).map(|s| score = Some(s))),
        }
    }
    let full = if full.is_empty() {
        format!("{name} {surname}")
    } else {
        full
    };
    let name = PersonName::parse(&full).map_err(|e| e.to_string());
    if let Err(message) = &name {
        problems.push(("nome", message.clone()));
    }
    if email.is_none() && !problems.iter().any(|(c, _)| *c == "email") {
        problems.push((
            "email",
            "expected an e-mail address, found an empty cell".to_owned(),
        ));
    }
    if cf.is_none() && !problems.iter().any(|(c, _)| *c == "codice fiscale") {
        problems.push((
            "codice fiscale",
            "expected a codice fiscale, found an empty cell".to_owned(),
        ));
    }
    match (name, email, cf) {
        (Ok(name), Some(email), Some(codice_fiscale)) if problems.is_empty() => Ok(PersonRow {
            line: 0,
            name,
            email,
            codice_fiscale,
            birth_date: birth,
            level,
            partita_iva: vat,
            privacy_consent: privacy,
            score_hundredths: score,
        }),
        _ => Err(problems),
    }
}

/// `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy` or ISO `yyyy-mm-dd`.
///
/// ```
/// use skillhub_import::csv::parse_date;
/// assert_eq!(parse_date("04/06/2019").unwrap().to_string(), "2019-06-04");
/// assert_eq!(parse_date("2019-06-04").unwrap().to_string(), "2019-06-04");
/// assert!(parse_date("31/02/2019").is_err());
/// ```
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

fn date_in_range(text: &str, options: &ReadOptions) -> Result<NaiveDate, String> {
    let date = parse_date(text)?;
    if date < options.earliest || date > options.latest {
        return Err(format!(
            "{} is out of range (expected {} to {})",
            italian::short_date(date),
            italian::short_date(options.earliest),
            italian::short_date(options.latest)
        ));
    }
    Ok(date)
}

/// `Sì`, `si`, `s`, `x`, `yes`, `1`, `vero` → true; `No`, `n`, `0`, `falso`, empty → false.
pub fn yes_no(text: &str) -> Result<bool, String> {
    match italian::fold(text.trim()).as_str() {
        "si" | "s" | "x" | "yes" | "y" | "1" | "vero" | "true" => Ok(true),
        "no" | "n" | "0" | "falso" | "false" | "" => Ok(false),
        _ => Err(format!(
            "{text:?} is not Sì or No (expected Sì, No, x or an empty cell)"
        )),
    }
}

/// `1.234,56` (Italian), `1234,5`, `1234.56` (a lone `.` followed by 1 or 2 digits is a decimal
/// point), `-3` → hundredths.
///
/// ```
/// use skillhub_import::csv::decimal_hundredths;
/// assert_eq!(decimal_hundredths("1.234,56"), Ok(123_456));
/// assert_eq!(decimal_hundredths("12,5"), Ok(1_250));
/// assert_eq!(decimal_hundredths("1.234"), Ok(123_400));
/// assert!(decimal_hundredths("1,2,3").is_err());
/// ```
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

/// Writes spreadsheets for Italian Excel: BOM, `;`, CRLF, `dd/mm/yyyy`, decimal commas.
#[derive(Debug)]
pub struct ItalianWriter<W: Write> {
    inner: ::csv::Writer<W>,
}

impl<W: Write> ItalianWriter<W> {
    /// Starts the file (writes the BOM).
    pub fn new(mut out: W) -> std::io::Result<Self> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let inner = ::csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(::csv::Terminator::CRLF)
            .from_writer(out);
        Ok(ItalianWriter { inner })
    }

    /// Writes one row of already formatted cells.
    pub fn row<I, T>(&mut self, cells: I) -> std::io::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.inner
            .write_record(cells)
            .map_err(std::io::Error::other)
    }

    /// Flushes and gives the output back.
    pub fn finish(self) -> std::io::Result<W> {
        self.inner
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

/// `1.234,56` from hundredths.
pub fn format_hundredths(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let int = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped},{:02}", abs % 100)
}

/// A program's sessions as an Italian spreadsheet: `id;titolo;data;inizio;fine;durata_ore;sede;
/// modalita;posti_in_presenza;posti_online`.
pub fn write_sessions<W: Write>(program: &Program, out: W) -> Result<W> {
    let io = |source| Error::Io {
        file: "output".to_owned(),
        source,
    };
    let mut writer = ItalianWriter::new(out).map_err(io)?;
    writer
        .row([
            "id",
            "titolo",
            "data",
            "inizio",
            "fine",
            "durata_ore",
            "sede",
            "modalita",
            "posti_in_presenza",
            "posti_online",
        ])
        .map_err(io)?;
    for session in program.sessions() {
        let minutes = (session.ends_at() - session.starts_at()).num_minutes();
        let start = session.local_start();
        let place = session
            .hub()
            .and_then(|h| program.hub(h))
            .map_or("Online", |h| h.name.as_str());
        let seats = session.seats();
        writer
            .row([
                session.id().to_string(),
                session.title().to_owned(),
                italian::short_date(start.date()),
                start.format("%H:%M").to_string(),
                session.local_end().format("%H:%M").to_string(),
                format_hundredths(minutes * 100 / 60),
                place.to_owned(),
                session.mode().it().to_owned(),
                seats
                    .get(skillhub_core::capacity::SeatKind::InPerson)
                    .to_string(),
                seats
                    .get(skillhub_core::capacity::SeatKind::Online)
                    .to_string(),
            ])
            .map_err(io)?;
    }
    writer.finish().map_err(io)
}

#[cfg(test)]
mod tests;
