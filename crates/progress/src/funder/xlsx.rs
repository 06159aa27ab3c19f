//! The funder's report as an Excel workbook (`rust_xlsxwriter`, written to bytes): sheets
//! "Obiettivi", "Ripartizioni", "Hub", "Sessioni" and "Ipotesi e note", each with a bold, frozen
//! header row in Italian and an autofilter; counts are numbers, `<5`, `n.d.` and `riservato` are
//! text, dates are Excel dates shown `dd/mm/yyyy`, rates are numbers shown as percentages.
//!
//! The same report gives the same bytes: the document's creation date is the report's day
//! (never the clock), and nothing else in the file depends on when it is written.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use skillhub_core::italian;

use super::{FunderReport, ShownTally};
use crate::suppress::Count;
use crate::turnout::Tally;

/// Why the workbook could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The XLSX writer refused (a date out of Excel's range, a sheet too large).
    #[error("impossibile scrivere il file Excel: {0}")]
    Xlsx(#[from] XlsxError),
}

/// One cell of a sheet.
enum Cell {
    Text(String),
    Number(u64),
    Count(Count),
    Day(NaiveDate),
    /// Tenths of a percent.
    Percent(u64),
    Empty,
}

impl Cell {
    fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    fn opt_day(day: Option<NaiveDate>) -> Cell {
        day.map_or(Cell::Empty, Cell::Day)
    }

    fn opt_number(n: Option<u64>) -> Cell {
        n.map_or(Cell::Empty, Cell::Number)
    }

    fn opt_percent(p: Option<u64>) -> Cell {
        p.map_or(Cell::Empty, Cell::Percent)
    }
}

/// A sheet: a name, a header, rows.
struct Sheet {
    name: &'static str,
    header: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
}

/// The widest a column gets, in characters.
const MAX_WIDTH: usize = 60;

impl FunderReport {
    /// The report as an XLSX workbook (see the module docs).
    pub fn xlsx(&self) -> Result<Vec<u8>, WriteError> {
        let mut workbook = Workbook::new();
        let created = excel_day(self.generated)?;
        workbook.set_properties(
            &DocProperties::new()
                .set_title(format!("Relazione per il finanziatore: {}", self.name))
                .set_subject(self.period.text_it())
                .set_author("skillhub")
                .set_creation_datetime(&created),
        );
        let formats = Formats::new();
        for sheet in [
            self.targets_sheet(),
            self.breakdowns_sheet(),
            self.hubs_sheet(),
            self.sessions_sheet(),
            self.notes_sheet(),
        ] {
            write_sheet(workbook.add_worksheet(), &sheet, &formats)?;
        }
        Ok(workbook.save_to_buffer()?)
    }

    fn targets_sheet(&self) -> Sheet {
        Sheet {
            name: "Obiettivi",
            header: &[
                "Obiettivo",
                "Descrizione",
                "Livello",
                "Conteggio",
                "Traguardo",
                "Nel periodo",
                "Dall'avvio",
                "Percentuale",
                "Scadenza",
                "A ritmo costante",
                "Proiezione alla scadenza",
                "In linea",
                "Traguardo previsto il",
                "Obiettivo stimato",
            ],
            rows: self
                .targets
                .iter()
                .map(|t| {
                    vec![
                        Cell::text(t.id.as_str()),
                        Cell::text(format!("{}{}", "  ".repeat(t.depth as usize), t.label_it)),
                        Cell::Number(u64::from(t.depth)),
                        Cell::text(t.unit.counting_it()),
                        Cell::Number(t.goal),
                        Cell::Count(t.in_period),
                        Cell::Count(t.reached),
                        Cell::opt_percent(t.percent),
                        Cell::opt_day(t.deadline),
                        Cell::opt_number(t.expected),
                        Cell::opt_number(t.projected),
                        t.on_track
                            .map_or(Cell::Empty, |ok| Cell::text(if ok { "Sì" } else { "No" })),
                        Cell::opt_day(t.reaches_goal_on),
                        t.assumption.clone().map_or(Cell::Empty, Cell::Text),
                    ]
                })
                .collect(),
        }
    }

    fn breakdowns_sheet(&self) -> Sheet {
        let mut rows = Vec::new();
        for b in &self.breakdowns {
            for c in &b.cells {
                rows.push(vec![
                    Cell::text(b.dimension.label_it()),
                    Cell::text(c.label_it.clone()),
                    c.value.clone().map_or(Cell::Empty, Cell::Text),
                    Cell::Count(c.count),
                ]);
            }
            rows.push(vec![
                Cell::text(b.dimension.label_it()),
                Cell::text("Totale"),
                Cell::Empty,
                Cell::Count(b.total),
            ]);
        }
        Sheet {
            name: "Ripartizioni",
            header: &["Ripartizione", "Voce", "Codice", "Conteggio"],
            rows,
        }
    }

    fn hubs_sheet(&self) -> Sheet {
        let row = |t: &ShownTally| {
            vec![
                Cell::text(t.label.clone()),
                t.hub
                    .as_ref()
                    .map_or(Cell::Empty, |h| Cell::text(h.as_str())),
                Cell::Number(t.sessions),
                Cell::Number(t.seats),
                Cell::Count(t.attended),
                Cell::Count(t.no_show),
                Cell::opt_percent(t.no_show_rate),
                Cell::Count(t.unmarked),
                Cell::Count(t.waiting),
                Cell::opt_number(t.seats_unused),
            ]
        };
        Sheet {
            name: "Hub",
            header: &[
                "Hub",
                "Codice",
                "Incontri",
                "Posti",
                "Presenti",
                "Assenti",
                "Tasso di assenza",
                "Non registrati",
                "In lista d'attesa (domanda non soddisfatta)",
                "Posti non usati",
            ],
            rows: self
                .turnout
                .hubs
                .iter()
                .chain(std::iter::once(&self.turnout.program))
                .map(row)
                .collect(),
        }
    }

    fn sessions_sheet(&self) -> Sheet {
        let mut rows: Vec<Vec<Cell>> = self
            .turnout
            .sessions
            .iter()
            .map(|s| {
                let r = &s.row;
                let tally = Tally {
                    sessions: 1,
                    seats: r.seats,
                    attended: r.attended,
                    no_show: r.no_show,
                    unmarked: r.unmarked,
                    waiting: r.waiting,
                };
                vec![
                    Cell::Day(r.date),
                    Cell::text(r.session.as_str()),
                    Cell::text(r.title.clone()),
                    Cell::text(s.hub_label.clone()),
                    Cell::Number(r.seats),
                    Cell::Number(r.attended),
                    Cell::Number(r.no_show),
                    Cell::opt_percent(tally.no_show_rate()),
                    Cell::Number(r.unmarked),
                    Cell::Number(r.waiting),
                    Cell::Number(tally.seats_unused()),
                ]
            })
            .collect();
        if self.audience == super::Audience::Public {
            rows.push(vec![
                Cell::Empty,
                Cell::Empty,
                Cell::text("L'elenco degli incontri è solo nella versione riservata: i numeri di un incontro sono spesso piccoli."),
            ]);
        }
        Sheet {
            name: "Sessioni",
            header: &[
                "Data",
                "Incontro",
                "Titolo",
                "Hub",
                "Posti",
                "Presenti",
                "Assenti",
                "Tasso di assenza",
                "Non registrati",
                "In lista d'attesa (domanda non soddisfatta)",
                "Posti non usati",
            ],
            rows,
        }
    }

    fn notes_sheet(&self) -> Sheet {
        let mut rows = vec![
            vec![Cell::text("Programma"), Cell::text(self.name.clone())],
            vec![
                Cell::text("Codice del programma"),
                Cell::text(self.program.as_str()),
            ],
        ];
        if !self.sponsors.is_empty() {
            rows.push(vec![
                Cell::text("Finanziato da"),
                Cell::text(self.sponsors.join(", ")),
            ]);
        }
        rows.extend([
            vec![Cell::text("Dal"), Cell::Day(self.period.from())],
            vec![Cell::text("Al"), Cell::Day(self.period.to())],
            vec![Cell::text("Conteggi al"), Cell::Day(self.as_of)],
            vec![Cell::text("Redatta il"), Cell::Day(self.generated)],
            vec![Cell::text("Versione"), Cell::text(self.audience.label_it())],
            vec![
                Cell::text("Le ripartizioni contano"),
                Cell::text(self.unit.counting_it()),
            ],
        ]);
        for (label, why) in self.estimated() {
            rows.push(vec![
                Cell::text(format!("Obiettivo stimato: {label}")),
                Cell::text(why),
            ]);
        }
        for note in &self.assumptions {
            rows.push(vec![Cell::text("Ipotesi"), Cell::text(note.clone())]);
        }
        for note in &self.notes {
            rows.push(vec![Cell::text("Nota"), Cell::text(note.clone())]);
        }
        Sheet {
            name: "Ipotesi e note",
            header: &["Voce", "Testo"],
            rows,
        }
    }
}

struct Formats {
    bold: Format,
    day: Format,
    percent: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            bold: Format::new().set_bold(),
            day: Format::new().set_num_format("dd/mm/yyyy"),
            percent: Format::new().set_num_format("0.0%"),
            wrap: Format::new().set_text_wrap(),
        }
    }
}

fn write_sheet(worksheet: &mut Worksheet, sheet: &Sheet, f: &Formats) -> Result<(), XlsxError> {
    worksheet.set_name(sheet.name)?;
    let mut widths: Vec<usize> = sheet.header.iter().map(|h| h.chars().count()).collect();
    for (col, title) in (0u16..).zip(sheet.header) {
        worksheet.write_string_with_format(0, col, *title, &f.bold)?;
    }
    for (row, cells) in (1u32..).zip(&sheet.rows) {
        for ((col, cell), width) in (0u16..).zip(cells).zip(widths.iter_mut()) {
            let shown = match cell {
                Cell::Text(text) => {
                    if text.chars().count() > MAX_WIDTH {
                        worksheet.write_string_with_format(row, col, text, &f.wrap)?;
                    } else {
                        worksheet.write_string(row, col, text)?;
                    }
                    text.chars().count()
                }
                Cell::Number(n) | Cell::Count(Count::Exact(n)) => {
                    // Counts are far below 2^53: exact as a float.
                    worksheet.write_number(row, col, *n as f64)?;
                    italian::thousands(*n).len()
                }
                Cell::Count(count) => {
                    let text = count.text_it();
                    worksheet.write_string(row, col, &text)?;
                    text.chars().count()
                }
                Cell::Day(day) => {
                    worksheet.write_datetime_with_format(row, col, excel_day(*day)?, &f.day)?;
                    10
                }
                Cell::Percent(tenths) => {
                    worksheet.write_number_with_format(
                        row,
                        col,
                        *tenths as f64 / 1000.0,
                        &f.percent,
                    )?;
                    7
                }
                Cell::Empty => 0,
            };
            *width = (*width).max(shown);
        }
    }
    for (col, width) in (0u16..).zip(&widths) {
        // Two characters of margin for the autofilter's button.
        let chars = u32::try_from((*width).min(MAX_WIDTH) + 2).unwrap_or(10);
        worksheet.set_column_width(col, f64::from(chars))?;
    }
    worksheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(sheet.rows.len()).unwrap_or(u32::MAX);
    let last_col = u16::try_from(sheet.header.len().saturating_sub(1)).unwrap_or(0);
    worksheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

/// A day as Excel's.
fn excel_day(day: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year =
        u16::try_from(day.year()).map_err(|_| XlsxError::DateTimeRangeError(day.to_string()))?;
    // Months and days always fit a u8.
    ExcelDateTime::from_ymd(year, day.month() as u8, day.day() as u8)
}
