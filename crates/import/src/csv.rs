//! Spreadsheets as Italian offices write them, read as a stream and validated row by row; and
//! spreadsheets written so that Italian Excel opens them.
//!
//! # Reading
//!
//! Three kinds of sheet share one streaming reader and the conventions below: people
//! ([`read_people`]), registrations ([`read_registrations`]: session, person and the attributes
//! rules read) and grant applications of cooperatives ([`read_applications`]: partita IVA, Albo
//! number, region, amount, Sì/No priority criteria, project kind).
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
//! the reader returns `Ok`. Every problem is collected, up to a limit, then only counted.
//!
//! The hot path allocates only what a valid row keeps: records are reused, name cells go into
//! buffers reused from row to row, a record is checked or decoded at once (an ASCII or UTF-8
//! record is sliced into cells as it is; a Windows-1252 one that is not ASCII is decoded through
//! a table into a reused buffer), and dates, numbers and Sì/No are read without building strings.
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

mod applications;
mod registrations;

pub use applications::{ApplicationOptions, ApplicationRow, read_applications};
pub(crate) use registrations::organisation;
pub use registrations::{RegistrationRow, read_registrations};

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

/// Header spellings (folded, see [`fold_header`]) of the columns that describe a person, shared
/// by the people, registration and grant application spreadsheets.
mod spelling {
    pub(super) const NAME: &[&str] = &["nome", "name"];
    pub(super) const SURNAME: &[&str] = &["cognome", "surname"];
    pub(super) const FULL_NAME: &[&str] =
        &["nomeecognome", "nomecognome", "cognomeenome", "nominativo"];
    pub(super) const EMAIL: &[&str] = &["email", "posta", "indirizzoemail", "mail"];
    pub(super) const CODICE_FISCALE: &[&str] = &["codicefiscale", "cf", "codfiscale"];
    pub(super) const BIRTH_DATE: &[&str] = &["datadinascita", "nascita", "datanascita"];
    pub(super) const PARTITA_IVA: &[&str] = &["partitaiva", "piva"];
}

/// The columns of a people spreadsheet, with the header spellings each accepts (folded).
const PEOPLE_COLUMNS: [(Column, &[&str]); 10] = [
    (Column::Name, spelling::NAME),
    (Column::Surname, spelling::SURNAME),
    (Column::FullName, spelling::FULL_NAME),
    (Column::Email, spelling::EMAIL),
    (Column::CodiceFiscale, spelling::CODICE_FISCALE),
    (Column::BirthDate, spelling::BIRTH_DATE),
    (Column::Level, &["livello", "livellodigcomp", "digcomp"]),
    (Column::PartitaIva, spelling::PARTITA_IVA),
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
    progress: impl FnMut(Progress),
    mut sink: impl FnMut(PersonRow),
) -> Result<Summary> {
    let mut buffers = NameBuffers::default();
    read_sheet(
        file,
        input,
        options,
        header_columns,
        |line, cells, problems| person(line, cells, options, &mut buffers, problems),
        progress,
        &mut sink,
    )
}

/// What a row parser reports: the column label and the message, for each problem of the row.
pub(crate) type RowProblems = Vec<(&'static str, String)>;

/// The mapped cells of one record, decoded on demand.
pub(crate) struct Cells<'r, C> {
    record: &'r ::csv::ByteRecord,
    columns: &'r [Option<C>],
    encoding: Encoding,
}

impl<C: Copy> Cells<'_, C> {
    /// Calls `f` with every cell whose column is known, in file order, with its text trimmed
    /// (decoded into `scratch` when it needs decoding) or why it does not decode.
    pub(crate) fn each(&self, scratch: &mut String, mut f: impl FnMut(C, Result<&str, String>)) {
        if let Some(text) = self.plain_text() {
            // One check for the whole record; each cell is a slice of it (or, for a cell cut
            // inside a character, left to `field`, which says why it does not decode).
            for (i, column) in self.columns.iter().enumerate().take(self.record.len()) {
                let Some(column) = *column else { continue };
                let cell = self.record.range(i).and_then(|range| text.get(range));
                match cell {
                    Some(cell) => f(column, Ok(trim(cell))),
                    None => {
                        let bytes = self.record.get(i).unwrap_or_default();
                        f(column, field(bytes, self.encoding, scratch).map(trim));
                    }
                }
            }
            return;
        }
        if self.encoding == Encoding::Windows1252 {
            self.each_windows_1252(scratch, f);
            return;
        }
        for (bytes, column) in self.record.iter().zip(self.columns) {
            let Some(column) = *column else { continue };
            f(column, field(bytes, self.encoding, scratch).map(trim));
        }
    }

    /// A Windows-1252 record that is not all ASCII: decoded at once into `scratch` (every byte
    /// decodes), each cell a slice of it found by adding up how much longer each cell's text
    /// is than its bytes.
    fn each_windows_1252(&self, scratch: &mut String, mut f: impl FnMut(C, Result<&str, String>)) {
        scratch.clear();
        scratch.extend(self.record.as_slice().iter().map(|&b| windows_1252(b)));
        let mut end = 0;
        for (bytes, column) in self.record.iter().zip(self.columns) {
            let start = end;
            end += bytes.len();
            for &b in bytes.iter().filter(|b| !b.is_ascii()) {
                end += windows_1252(b).len_utf8() - 1;
            }
            let Some(column) = *column else { continue };
            // `start..end` are the cell's bounds in `scratch` by construction.
            f(
                column,
                Ok(trim(scratch.get(start..end).unwrap_or_default())),
            );
        }
    }

    /// The whole record as text when it needs no decoding: ASCII in a Windows-1252 file, valid
    /// UTF-8 in a UTF-8 file.
    fn plain_text(&self) -> Option<&str> {
        let bytes = self.record.as_slice();
        match self.encoding {
            Encoding::Windows1252 if !bytes.is_ascii() => None,
            Encoding::Windows1252 | Encoding::Utf8 => std::str::from_utf8(bytes).ok(),
            Encoding::Detect => None,
        }
    }
}

/// `str::trim`, with the ASCII ends trimmed by byte first (the common case, without decoding
/// characters); Unicode whitespace at the ends is left to `str::trim`.
fn trim(text: &str) -> &str {
    // Unicode's White_Space in ASCII: tab, line feed, vertical tab, form feed, return, space.
    let space = |b: &u8| matches!(b, b' ' | b'\t'..=b'\r');
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|b| !space(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !space(b))
        .map_or(start, |i| i + 1);
    // Both cuts are next to ASCII bytes, so they fall on character boundaries.
    let inner = text.get(start..end).unwrap_or(text);
    let inner = match inner.as_bytes().first() {
        Some(a) if !a.is_ascii() => inner.trim_start(),
        _ => inner,
    };
    match inner.as_bytes().last() {
        Some(z) if !z.is_ascii() => inner.trim_end(),
        _ => inner,
    }
}

/// The streaming reader shared by every kind of spreadsheet: detects the encoding and the
/// separator, maps the header with `header`, parses each non-blank record with `parse` and hands
/// valid rows to `sink` (with their line) only while no problem has been found.
pub(crate) fn read_sheet<R: Read, C: Copy, T>(
    file: &str,
    input: R,
    options: &ReadOptions,
    header: impl FnOnce(&::csv::ByteRecord, Encoding) -> Result<Vec<Option<C>>, String>,
    mut parse: impl FnMut(u64, &Cells<'_, C>, &mut RowProblems) -> Option<T>,
    mut progress: impl FnMut(Progress),
    mut sink: impl FnMut(T),
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
    let summary = |rows| Summary {
        rows,
        delimiter,
        encoding,
    };
    if !read(&mut reader, &mut record)? {
        fail(
            &mut report,
            1,
            None,
            "expected a header line, found an empty file".to_owned(),
        );
        return report.into_result(summary(0));
    }
    let columns = match header(&record, encoding) {
        Ok(columns) => columns,
        Err(message) => {
            fail(&mut report, 1, None, message);
            return report.into_result(summary(0));
        }
    };
    let mut rows = 0u64;
    let mut problems = RowProblems::new();
    while read(&mut reader, &mut record)? {
        let byte = record.position().map_or(0, |p| p.byte()) + if bom { 3 } else { 0 };
        let line = reader.get_mut().get_mut().line_at(byte);
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        rows += 1;
        let cells = Cells {
            record: &record,
            columns: &columns,
            encoding,
        };
        match parse(line, &cells, &mut problems) {
            Some(row) if problems.is_empty() => {
                if report.is_empty() {
                    sink(row);
                }
            }
            _ => {
                for (column, message) in problems.drain(..) {
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
    report.into_result(summary(rows))
}

/// Counts lines by byte offset as the CSV reader pulls bytes (csv's own line numbers are off
/// by one after CRLF line ends). Holds only the offsets of line ends read ahead but not yet asked
/// about, so memory is bounded by the read-ahead buffer.
#[derive(Debug)]
struct LineCounter<R> {
    inner: R,
    read: u64,
    /// Offsets of `\n` not yet passed.
    pending: std::collections::VecDeque<u64>,
    /// Offsets of `\r` not yet passed (to recognise blank CRLF lines).
    returns: std::collections::VecDeque<u64>,
    passed: u64,
}

impl<R> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter {
            inner,
            read: 0,
            pending: Default::default(),
            returns: Default::default(),
            passed: 0,
        }
    }

    /// The 1-based line of the record that the CSV reader says starts at `offset`: blank lines
    /// at `offset` (which the reader skips but counts into the record's position) are stepped
    /// over. Offsets must not decrease between calls.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut start = offset;
        loop {
            while self.pending.front().is_some_and(|&nl| nl < start) {
                self.pending.pop_front();
                self.passed += 1;
            }
            while self.returns.front().is_some_and(|&cr| cr < start) {
                self.returns.pop_front();
            }
            let blank = match self.pending.front() {
                Some(&nl) if nl == start => 1,
                Some(&nl) if nl == start + 1 && self.returns.front() == Some(&start) => 2,
                _ => break,
            };
            start += blank;
        }
        self.passed + 1
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let start = self.read;
        for i in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            let at = start + i as u64;
            if buf[i] == b'\n' {
                self.pending.push_back(at);
            } else {
                self.returns.push_back(at);
            }
        }
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
/// `scratch` otherwise (reusing its allocation).
fn field<'a>(
    bytes: &'a [u8],
    encoding: Encoding,
    scratch: &'a mut String,
) -> Result<&'a str, String> {
    match encoding {
        Encoding::Windows1252 if bytes.is_ascii() => {
            std::str::from_utf8(bytes).map_err(|e| e.to_string())
        }
        Encoding::Windows1252 => {
            scratch.clear();
            scratch.extend(bytes.iter().map(|&b| windows_1252(b)));
            Ok(scratch.as_str())
        }
        _ => std::str::from_utf8(bytes).map_err(|_| {
            "is not valid UTF-8: the file may be Windows-1252 (set the encoding explicitly)"
                .to_owned()
        }),
    }
}

/// The character of a Windows-1252 byte, as the WHATWG Encoding Standard decodes it (and
/// `encoding_rs`, which a test compares on every byte): ASCII and Latin-1 as themselves, the
/// 0x80–0x9F block as its punctuation, `€`, `Š`, …, and its five unassigned bytes as the C1
/// controls of the same number.
fn windows_1252(byte: u8) -> char {
    const C1: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}',
        '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}',
        '\u{178}',
    ];
    match byte {
        0x80..=0x9F => C1[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// The column each header names, by its folded spelling (`lookup`); unknown columns are `None`.
pub(crate) fn map_headers<C>(
    record: &::csv::ByteRecord,
    encoding: Encoding,
    mut lookup: impl FnMut(&str) -> Option<C>,
) -> Vec<Option<C>> {
    let mut scratch = String::new();
    record
        .iter()
        .map(|bytes| {
            lookup(&fold_header(
                field(bytes, encoding, &mut scratch).unwrap_or_default(),
            ))
        })
        .collect()
}

/// The column a folded header names in `table`.
pub(crate) fn lookup<C: Copy>(table: &[(C, &[&str])], folded: &str) -> Option<C> {
    table
        .iter()
        .find(|(_, names)| names.contains(&folded))
        .map(|(c, _)| *c)
}

/// Which column index holds what; a missing required column is an error.
fn header_columns(
    record: &::csv::ByteRecord,
    encoding: Encoding,
) -> Result<Vec<Option<Column>>, String> {
    let columns = map_headers(record, encoding, |name| lookup(&PEOPLE_COLUMNS, name));
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
    missing_columns(&missing)?;
    Ok(columns)
}

/// `Err("expected the columns …")` when any is missing.
pub(crate) fn missing_columns(missing: &[&str]) -> Result<(), String> {
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "expected the columns {} in the header",
            missing.join(", ")
        ))
    }
}

/// The name cells of a row: reused from row to row, so reading a name allocates only the
/// name that is kept.
#[derive(Debug, Default)]
pub(crate) struct NameBuffers {
    name: String,
    surname: String,
    full: String,
    scratch: String,
}

impl NameBuffers {
    /// Forgets the previous row.
    pub(crate) fn clear(&mut self) {
        self.name.clear();
        self.surname.clear();
        self.full.clear();
    }

    /// `nome e cognome` if given, else `nome cognome`, checked; a problem on `nome` otherwise.
    pub(crate) fn person_name(&mut self, problems: &mut RowProblems) -> Option<PersonName> {
        if self.full.is_empty() {
            self.full.push_str(&self.name);
            self.full.push(' ');
            self.full.push_str(&self.surname);
        }
        match PersonName::parse(&self.full) {
            Ok(name) => Some(name),
            Err(err) => {
                problems.push(("nome", err.to_string()));
                None
            }
        }
    }
}

fn person(
    line: u64,
    cells: &Cells<'_, Column>,
    options: &ReadOptions,
    buffers: &mut NameBuffers,
    problems: &mut RowProblems,
) -> Option<PersonRow> {
    buffers.clear();
    let (mut email, mut cf, mut birth, mut level, mut vat, mut privacy, mut score) =
        (None, None, None, None, None, false, None);
    let NameBuffers {
        name,
        surname,
        full,
        scratch,
    } = buffers;
    cells.each(scratch, |column, text| {
        let label = column.label();
        let text = match text {
            Ok(text) => text,
            Err(message) => {
                problems.push((label, message));
                return;
            }
        };
        let mut check = |result: Result<(), String>| {
            if let Err(message) = result {
                problems.push((label, message));
            }
        };
        match column {
            Column::Name => set(name, text),
            Column::Surname => set(surname, text),
            Column::FullName => set(full, text),
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
    });
    let name = buffers.person_name(problems);
    required(problems, email.is_some(), "email", "an e-mail address");
    required(problems, cf.is_some(), "codice fiscale", "a codice fiscale");
    match (name, email, cf) {
        (Some(name), Some(email), Some(codice_fiscale)) if problems.is_empty() => Some(PersonRow {
            line,
            name,
            email,
            codice_fiscale,
            birth_date: birth,
            level,
            partita_iva: vat,
            privacy_consent: privacy,
            score_hundredths: score,
        }),
        _ => None,
    }
}

/// Replaces `buffer`'s text with `text`, keeping its allocation.
pub(crate) fn set(buffer: &mut String, text: &str) {
    buffer.clear();
    buffer.push_str(text);
}

/// A problem "expected WHAT, found an empty cell" on `column` when the value is missing and no
/// other problem was reported on that column.
pub(crate) fn required(
    problems: &mut RowProblems,
    present: bool,
    column: &'static str,
    what: &str,
) {
    if !present && !problems.iter().any(|(c, _)| *c == column) {
        problems.push((column, format!("expected {what}, found an empty cell")));
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
    let bytes = text.as_bytes();
    let iso = bytes.len() == 10 && bytes[4] == b'-';
    let parsed = if iso {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    } else if let Some(date) = fast_date(bytes) {
        // Exactly `dd/mm/yyyy` in ASCII digits: the common case, read without a general parser.
        date
    } else {
        let mut parts = text.split(['/', '-', '.']);
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(d), Some(m), Some(y), None) if y.len() == 4 => {
                match (d.parse(), m.parse(), y.parse()) {
                    (Ok(d), Ok(m), Ok(y)) => NaiveDate::from_ymd_opt(y, m, d),
                    _ => None,
                }
            }
            _ => None,
        }
    };
    parsed.ok_or_else(|| format!("{text:?} is not a date (expected dd/mm/yyyy or yyyy-mm-dd)"))
}

/// `dd/mm/yyyy` with ASCII digits and `/`: `Some(the date, or None when it does not exist)`;
/// `None` for any other shape (left to the general reader, which agrees on these).
fn fast_date(bytes: &[u8]) -> Option<Option<NaiveDate>> {
    let [d1, d2, b'/', m1, m2, b'/', y1, y2, y3, y4] = *bytes else {
        return None;
    };
    let digits = [d1, d2, m1, m2, y1, y2, y3, y4];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |a: u8, b: u8| u32::from(a - b'0') * 10 + u32::from(b - b'0');
    let year = i32::try_from(n(y1, y2) * 100 + n(y3, y4)).ok()?;
    Some(NaiveDate::from_ymd_opt(year, n(m1, m2), n(d1, d2)))
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
    let trimmed = text.trim();
    // The spellings spreadsheets use most, compared without building a folded copy.
    let common = match trimmed {
        "Sì" | "sì" | "SÌ" | "Si" | "si" | "SI" | "x" | "X" => Some(true),
        "No" | "no" | "NO" | "" => Some(false),
        _ => None,
    };
    if let Some(answer) = common {
        return Ok(answer);
    }
    match italian::fold(trimmed).as_str() {
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
    // The integer part keeps its grouping dots here; they are skipped when it is read.
    let (int, frac) = match (t.split_once(','), t.bytes().filter(|&b| b == b'.').count()) {
        (Some((int, frac)), _) => (int, frac),
        (None, 1) => match t.split_once('.') {
            Some((int, frac)) if (1..=2).contains(&frac.len()) => (int, frac),
            _ => (t, ""),
        },
        (None, _) => (t, ""),
    };
    let mut value = 0i64;
    let mut digits = 0usize;
    for b in int.bytes().filter(|&b| b != b'.') {
        if !b.is_ascii_digit() {
            return Err(bad());
        }
        digits += 1;
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(bad)?;
    }
    if digits == 0 || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let frac = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(2)
        .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'));
    let value = value
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
