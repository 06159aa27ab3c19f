//! Moodle's exports of course completion, read as a spreadsheet (see [`crate::csv`]).
//!
//! Two exports are read, in English or Italian, as Moodle writes them or as Excel saves them
//! again:
//!
//! - the **course completion report** (Report → Course completion, "Scarica in formato
//!   foglio di calcolo"): one course per file, named `completion-SHORTNAME.csv`, columns
//!   `Name`, the identity fields (`Email address`, `Country` …), one or two per criterion, and
//!   last `Course complete` (Italian Moodle: `Criteri di completamento`) with the date and time
//!   of completion (`12/06/19, 10:30`), empty when not completed;
//! - a **report builder** report on course participation and completion: `Course full name`,
//!   `Full name`, `Email address`, `Time completed` (`Data e ora di completamento`), with dates as
//!   `Wednesday, 12 June 2019, 10:30 AM` or `mercoledì, 12 giugno 2019, 10:30`.
//!
//! Columns are found by their header, whatever their order; unknown ones are ignored. Besides
//! those, a file may say the learner's organisation: its kind (`Tipo organizzazione`: PMI,
//! cooperativa …) and its `Partita IVA` or `Codice fiscale organizzazione` (checked), as
//! profile fields that Moodle exports under their own names.

use std::io::Read;

use skillhub_core::partner::{FiscalCode, VatNumber};
use skillhub_core::person::{Email, OrganisationType};

use super::{Completion, Completions, Learner, Options, Skip, Source, completion_day};
use crate::Result;
use crate::csv::{Cells, ReadOptions, RowProblems, fold_header, map_headers, read_sheet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Email,
    Completed,
    Course,
    Country,
    OrganisationType,
    OrganisationCode,
}

/// The headers of each column as Moodle (or a person) writes them; matched folded (without case,
/// accents, spaces, `_`, `-`, `.` or `/`), and each problem names its column by the header
/// matched, so an Italian file hears its own words.
const HEADERS: [(Column, &str); 34] = [
    (Column::Email, "Email address"),
    (Column::Email, "Indirizzo email"),
    (Column::Email, "Email"),
    (Column::Email, "E-mail"),
    (Column::Email, "Indirizzo e-mail"),
    (Column::Completed, "Course complete"),
    (Column::Completed, "Course completed"),
    (Column::Completed, "Time completed"),
    (Column::Completed, "Completion date"),
    (Column::Completed, "Date completed"),
    (Column::Completed, "Criteri di completamento"),
    (Column::Completed, "Completato"),
    (Column::Completed, "Corso completato"),
    (Column::Completed, "Data di completamento"),
    (Column::Completed, "Data e ora di completamento"),
    (Column::Course, "Course"),
    (Column::Course, "Course full name"),
    (Column::Course, "Course full name with link"),
    (Column::Course, "Course name"),
    (Column::Course, "Nome completo del corso con link"),
    (Column::Course, "Corso"),
    (Column::Course, "Nome completo del corso"),
    (Column::Course, "Nome del corso"),
    (Column::Country, "Country"),
    (Column::Country, "Paese"),
    (Column::Country, "Nazione"),
    (Column::OrganisationType, "Tipo organizzazione"),
    (Column::OrganisationType, "Tipo di organizzazione"),
    (Column::OrganisationType, "Organisation type"),
    (Column::OrganisationType, "Organization type"),
    (Column::OrganisationCode, "Partita IVA"),
    (Column::OrganisationCode, "Codice fiscale organizzazione"),
    (
        Column::OrganisationCode,
        "Codice fiscale dell'organizzazione",
    ),
    (Column::OrganisationCode, "VAT number"),
];

/// A column, with the header it was found by.
type Found = (Column, &'static str);

/// The cells of one row, trimmed; empty cells are `None`.
#[derive(Debug, Default)]
struct Row {
    email: Option<(String, &'static str)>,
    completed: Option<(String, &'static str)>,
    course: Option<(String, &'static str)>,
    country: Option<(String, &'static str)>,
    organisation_type: Option<(String, &'static str)>,
    organisation_code: Option<(String, &'static str)>,
}

/// A row as read: a completion, or skipped.
enum Outcome {
    Done(Completion),
    Skipped(Skip),
}

/// Reads a Moodle export of course completions (see the module docs) from `input`, named
/// `file` in problems. All or nothing: every completion, or [`crate::Error::Invalid`] with
/// every problem found (up to [`Options::max_problems`]), each with its line and column.
///
/// ```
/// use skillhub_core::person::Country;
/// use skillhub_core::tz::Zone;
/// use skillhub_import::completions::{Options, moodle};
/// let file = "Nome completo del corso;Nome completo;Indirizzo email;Data e ora di completamento\r\n\
///             Competenze digitali di base;Anna Rossi;anna.rossi@example.org;mercoledì, 12 giugno 2019, 10:30\r\n\
///             Competenze digitali di base;Luca Bianchi;luca.bianchi@example.org;\r\n";
/// let options = Options { country: Country::parse("IT").ok(), course: None, zone: Zone::rome(),
///     encoding: Default::default(), max_problems: 100 };
/// let read = moodle::read("corsi.csv", file.as_bytes(), &options).unwrap();
/// assert_eq!(read.completions.len(), 1);
/// assert_eq!(read.completions[0].completed_on.to_string(), "2019-06-12");
/// assert_eq!(read.skipped_total(), 1);
/// ```
pub fn read<R: Read>(file: &str, input: R, options: &Options) -> Result<Completions> {
    let sheet = ReadOptions {
        encoding: options.encoding,
        max_problems: options.max_problems,
        ..ReadOptions::new(chrono::NaiveDate::MAX)
    };
    let mut completions = Vec::new();
    let mut skipped = std::collections::BTreeMap::new();
    // Whether the header has a country column: read by every row, for its message.
    let has_country = std::cell::Cell::new(false);
    let summary = read_sheet(
        file,
        input,
        &sheet,
        |record, encoding| {
            let columns = map_headers(record, encoding, header);
            let has = |c: Column| columns.iter().flatten().any(|(found, _)| *found == c);
            let mut missing = Vec::new();
            if !has(Column::Email) {
                missing.push("«Indirizzo email» (Email address)");
            }
            if !has(Column::Completed) {
                missing.push(
                    "«Data e ora di completamento» (Time completed, Course complete, Criteri di completamento)",
                );
            }
            if !has(Column::Course) && options.course.is_none() {
                missing.push("«Corso» (Course, Course full name), o il corso di tutto il file");
            }
            has_country.set(has(Column::Country));
            if missing.is_empty() {
                Ok(columns)
            } else {
                Err(format!(
                    "mancano le colonne {} nell'intestazione",
                    missing.join(", ")
                ))
            }
        },
        |line, cells, problems| row(line, cells, options, has_country.get(), problems),
        |_| {},
        |read| match read {
            Outcome::Done(completion) => completions.push(completion),
            Outcome::Skipped(why) => *skipped.entry(why).or_insert(0) += 1,
        },
    )?;
    Ok(Completions {
        source: Source::Moodle,
        read: usize::try_from(summary.rows).unwrap_or(usize::MAX),
        completions,
        skipped,
    })
}

/// The column a (folded) header names, with the header as [`HEADERS`] writes it.
fn header(folded: &str) -> Option<Found> {
    HEADERS
        .iter()
        .find(|(_, name)| fold_header(name) == folded)
        .copied()
}

/// One row: its cells first (a decoding problem is reported on its column), then the checks.
fn row(
    line: u64,
    cells: &Cells<'_, Found>,
    options: &Options,
    has_country: bool,
    problems: &mut RowProblems,
) -> Option<Outcome> {
    let mut row = Row::default();
    let mut scratch = String::new();
    cells.each(&mut scratch, |(column, label), text| {
        let text = match text {
            Ok("") => return,
            Ok(text) => text.to_owned(),
            Err(message) => {
                problems.push((label, format!("la cella non si legge: {message}")));
                return;
            }
        };
        let slot = match column {
            Column::Email => &mut row.email,
            Column::Completed => &mut row.completed,
            Column::Course => &mut row.course,
            Column::Country => &mut row.country,
            Column::OrganisationType => &mut row.organisation_type,
            Column::OrganisationCode => &mut row.organisation_code,
        };
        // A column named twice (two e-mail columns …): the first non-empty cell counts.
        slot.get_or_insert((text, label));
    });
    let Some((completed, completed_label)) = &row.completed else {
        // Not completed (yet): nothing else of the row matters.
        return Some(Outcome::Skipped(Skip::NotCompleted));
    };
    let mut check = |label: &'static str, result: Result<(), String>| {
        if let Err(message) = result {
            problems.push((label, message));
        }
    };
    let mut day = None;
    check(
        completed_label,
        completion_day(completed, options.zone).map(|d| day = Some(d)),
    );
    let mut email = None;
    match &row.email {
        Some((text, label)) => check(
            label,
            Email::parse(text)
                .map(|e| email = Some(e))
                .map_err(|_| format!("«{text}» non è un indirizzo e-mail (nome@dominio.it)")),
        ),
        None => check(
            "Indirizzo email",
            Err(
                "manca l'indirizzo e-mail: il corso risulta completato ma la riga non dice da chi"
                    .to_owned(),
            ),
        ),
    }
    let course = match (&row.course, &options.course) {
        (Some((text, _)), _) => Some(text.clone()),
        (None, Some(course)) => Some(course.clone()),
        (None, None) => {
            check("Corso", Err("manca il nome del corso".to_owned()));
            None
        }
    };
    let mut country = None;
    match (&row.country, options.country) {
        (Some((text, label)), _) => {
            check(label, super::parse_country(text).map(|c| country = Some(c)))
        }
        (None, Some(default)) => country = Some(default),
        (None, None) => check("Paese", Err(missing_country(has_country))),
    }
    let organisation = organisation(&row, &mut check);
    let (Some(completed_on), Some(email), Some(course), Some(country), Some((kind, code))) =
        (day, email, course, country, organisation)
    else {
        return None;
    };
    Some(Outcome::Done(Completion {
        line: usize::try_from(line).unwrap_or(usize::MAX),
        learner: Learner::Email(email),
        course,
        completed_on,
        country,
        organisation_type: kind,
        organisation_code: code,
    }))
}

/// Why a row without a country is refused: which column to fill or to add.
fn missing_country(has_column: bool) -> String {
    if has_column {
        "manca il paese: il programma si svolge in più paesi, scrivi il paese di chi ha completato il corso (Italia, IT …)".to_owned()
    } else {
        "manca il paese: il programma si svolge in più paesi, aggiungi la colonna «Paese» (Country) con il paese di ciascuno, o indica il paese di tutto il file".to_owned()
    }
}

/// The organisation's kind and code: `Some((None, None))` when the row names none, `None`
/// after a problem. A code needs its kind (an SME and a cooperative count in different targets).
type OrganisationCells = (Option<OrganisationType>, Option<FiscalCode>);

fn organisation(
    row: &Row,
    check: &mut impl FnMut(&'static str, Result<(), String>),
) -> Option<OrganisationCells> {
    let mut ok = true;
    let mut kind = None;
    if let Some((text, label)) = &row.organisation_type {
        match crate::csv::organisation(text) {
            Ok(k) => kind = Some(k),
            Err(_) => {
                ok = false;
                check(
                    label,
                    Err(format!(
                        "«{text}» non è un tipo di organizzazione (ad esempio PMI, cooperativa, cooperativa sociale, ente no profit, pubblica amministrazione)"
                    )),
                );
            }
        }
    }
    let mut code = None;
    if let Some((text, label)) = &row.organisation_code {
        // A partita IVA column is told in a partita IVA's words (and may have `IT` before it).
        let vat = matches!(*label, "Partita IVA" | "VAT number");
        let parsed = if vat {
            VatNumber::parse(text).and_then(|v| FiscalCode::parse(v.as_str()))
        } else {
            FiscalCode::parse(text)
        };
        match parsed {
            Ok(c) => code = Some(c),
            Err(err) => {
                ok = false;
                check(label, Err(err.to_string()));
            }
        }
        if ok && kind.is_none() {
            ok = false;
            check(
                label,
                Err("c'è il codice dell'organizzazione ma non il suo tipo: aggiungi la colonna «Tipo organizzazione» (PMI, cooperativa …)".to_owned()),
            );
        }
    }
    ok.then_some((kind, code))
}
