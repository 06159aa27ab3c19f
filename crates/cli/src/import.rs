//! `skillhub import …` and `skillhub export …`: read files, call `skillhub-import`, print.
//!
//! `--dry-run` reads and checks the file in full and prints what would be written. Without it,
//! a calendar's sessions go into the database in one transaction (all or nothing); people from
//! a spreadsheet can only be checked for now (the database keeps no register of people yet).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use skillhub_core::capacity::Seats;
use skillhub_core::ids::{HubId, ProgramId, SessionId};
use skillhub_core::italian;
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::tz::Zone;
use skillhub_import::{calendar, ics};

use crate::commands::{all_programs, find};
use crate::context::Context;
use crate::error::{CliError, Result};

/// `skillhub import …`
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Reads an Italian calendar listing (`- 12 febbraio (9.30 – 13.30) ➔ Titolo`) into sessions.
    ///
    /// Every line that starts with a date (after an optional bullet and weekday) must be a valid
    /// entry; month headers, blank lines and prose are ignored. All problems are reported, and
    /// nothing is imported when any line fails. Without --dry-run the sessions are written to the
    /// program and hub given (--program, --hub, --seats), all in one transaction.
    Calendar(CalendarArgs),
    /// Reads a spreadsheet (CSV) as Italian offices write it: `;`, `,` or tab separators,
    /// UTF-8 with or without BOM or Windows-1252, dd/mm/yyyy dates, decimal commas, Sì/No.
    ///
    /// The file is streamed and every row validated (codice fiscale and partita IVA check
    /// characters, e-mail, DigComp level, dates); all problems are reported, each with its line
    /// and column, and nothing is imported when any row fails. The database keeps no register
    /// of people yet, so run with --dry-run.
    Csv {
        /// What the file holds.
        #[arg(value_enum)]
        kind: CsvKind,
        /// The spreadsheet.
        file: PathBuf,
        /// The encoding, if detection guesses wrong.
        #[arg(long, value_enum, default_value = "detect")]
        encoding: CsvEncoding,
        /// The most problems listed (the rest are counted).
        #[arg(long, default_value_t = 100)]
        max_problems: usize,
        /// Only read and check the file; write nothing (required for now: the database keeps no
        /// register of people yet).
        #[arg(long)]
        dry_run: bool,
        /// Print JSON: {"rows", "delimiter", "encoding"}.
        #[arg(long)]
        json: bool,
    },
}

/// `import csv KIND`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CsvKind {
    /// People: nome, cognome, email, codice fiscale [, data di nascita, livello, partita iva,
    /// consenso privacy, punteggio].
    People,
}

/// `--encoding`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CsvEncoding {
    /// UTF-8 if the start of the file is valid UTF-8, otherwise Windows-1252.
    Detect,
    /// UTF-8 (with or without BOM).
    Utf8,
    /// Windows-1252.
    Windows1252,
}

/// The arguments of `import calendar`.
#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// The listing (UTF-8 text; CRLF and a BOM are fine).
    file: PathBuf,
    /// The year of dates that do not name one.
    #[arg(long)]
    year: i32,
    /// The IANA zone of the times, e.g. Europe/Rome.
    #[arg(long)]
    zone: Zone,
    /// The program the sessions belong to (needed to write them).
    #[arg(long, requires = "hub")]
    program: Option<ProgramId>,
    /// The hub the sessions happen in (needed to write them).
    #[arg(long, requires = "program")]
    hub: Option<HubId>,
    /// In-person seats of each session (needed to write them).
    #[arg(long)]
    seats: Option<u32>,
    /// Which occurrence to take for a time that happens twice (clocks going back); by default
    /// such a time is an error.
    #[arg(long, value_enum)]
    ambiguous: Option<Occurrence>,
    /// Only read and check the file; print the sessions, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON: {"sessions":[{"title","local_date","local_start","local_end","zone",
    /// "starts_at","ends_at","line"}]}.
    #[arg(long)]
    json: bool,
}

/// `--ambiguous earlier|later`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Occurrence {
    /// The first occurrence (still summer time).
    Earlier,
    /// The second occurrence (already winter time).
    Later,
}

/// `skillhub export …`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Writes sessions as an iCalendar file (RFC 5545) to subscribe to: one event per session
    /// with a stable UID, UTC times (or local ones with --local-times), title and place.
    ///
    /// Without --program or --hub, every session of every program in the database.
    #[command(group(clap::ArgGroup::new("scope").args(["program", "hub"])))]
    Ics {
        /// Only this program's sessions.
        #[arg(long)]
        program: Option<ProgramId>,
        /// Only this hub's sessions.
        #[arg(long)]
        hub: Option<HubId>,
        /// Write DTSTART/DTEND in the hub's local time with a VTIMEZONE, instead of UTC.
        #[arg(long)]
        local_times: bool,
        /// Write to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Writes a program's sessions as a spreadsheet that Italian Excel opens as it is: UTF-8
    /// with BOM, `;` separators, dd/mm/yyyy dates, decimal commas.
    Csv {
        /// The program's id.
        #[arg(long)]
        program: ProgramId,
        /// Write to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Runs `skillhub import …`; the text to print on success.
pub async fn run(ctx: &Context, cmd: ImportCommand) -> Result<String> {
    match cmd {
        ImportCommand::Calendar(args) => import_calendar(ctx, args).await,
        ImportCommand::Csv {
            kind: CsvKind::People,
            file,
            encoding,
            max_problems,
            dry_run,
            json,
        } => {
            if !dry_run {
                return Err(CliError::DryRunOnly {
                    what: "import csv people",
                    why: "the database keeps no register of people yet",
                });
            }
            let reader = std::fs::File::open(&file).map_err(|source| CliError::Read {
                path: file.clone(),
                source,
            })?;
            let size = reader.metadata().map_or(0, |m| m.len());
            let bar = indicatif::ProgressBar::new(size);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let options = skillhub_import::csv::ReadOptions {
                encoding: match encoding {
                    CsvEncoding::Detect => skillhub_import::csv::Encoding::Detect,
                    CsvEncoding::Utf8 => skillhub_import::csv::Encoding::Utf8,
                    CsvEncoding::Windows1252 => skillhub_import::csv::Encoding::Windows1252,
                },
                max_problems,
                // The CLI is the edge where the clock may be read.
                ..skillhub_import::csv::ReadOptions::new(chrono::Local::now().date_naive())
            };
            let progress = |p: skillhub_import::csv::Progress| {
                bar.set_position(p.bytes);
                bar.set_message(format!("{} righe", p.rows));
            };
            let result = skillhub_import::csv::read_people(
                &display(&file),
                reader,
                &options,
                progress,
                |_| {},
            );
            bar.finish_and_clear();
            let summary = result?;
            let encoding = match summary.encoding {
                skillhub_import::csv::Encoding::Windows1252 => "windows-1252",
                _ => "utf-8",
            };
            let delimiter = char::from(summary.delimiter);
            if json {
                let value = serde_json::json!({
                    "rows": summary.rows,
                    "delimiter": delimiter.to_string(),
                    "encoding": encoding,
                });
                return Ok(serde_json::to_string_pretty(&value)? + "\n");
            }
            Ok(format!(
                "{} persone valide in {} ({encoding}, separatore {delimiter:?}; prova: nulla è stato scritto)\n",
                summary.rows,
                display(&file)
            ))
        }
    }
}

async fn import_calendar(ctx: &Context, args: CalendarArgs) -> Result<String> {
    // Check the options that writing needs before reading anything.
    let target = match (&args.program, &args.hub, args.seats, args.dry_run) {
        (_, _, _, true) => None,
        (Some(program), Some(hub), Some(seats), false) => Some((program, hub, seats)),
        _ => {
            return Err(CliError::Usage(
                "import calendar: to write the sessions give --program, --hub and --seats (or use --dry-run)".into(),
            ));
        }
    };
    let text = read(&args.file)?;
    let options = calendar::Options {
        year: args.year,
        zone: args.zone,
        ambiguity: match args.ambiguous {
            None => Ambiguity::Refuse,
            Some(Occurrence::Earlier) => Ambiguity::Earlier,
            Some(Occurrence::Later) => Ambiguity::Later,
        },
    };
    let listing = calendar::parse(&display(&args.file), &text, &options)?;
    if let Some((program, hub, seats)) = target {
        return write_calendar(ctx, &listing, program, hub, seats, options.ambiguity).await;
    }
    if args.json {
        return Ok(serde_json::to_string_pretty(&listing)? + "\n");
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} incontri in {} (prova: nulla è stato scritto)",
        listing.sessions().len(),
        display(&args.file)
    );
    for session in listing.sessions() {
        let start = session.local_date().and_time(session.local_start());
        let end = session.local_date().and_time(session.local_end());
        let _ = writeln!(
            out,
            "  riga {:>3}  {}  {}",
            session.line(),
            italian::span(start, end),
            session.title()
        );
    }
    Ok(out)
}

/// Writes a checked listing's sessions into the database, all in one transaction. Session ids
/// are `HUB-YYYY-MM-DD-HHMM`, so importing the same listing twice is refused, not duplicated.
async fn write_calendar(
    ctx: &Context,
    listing: &calendar::Listing,
    program: &ProgramId,
    hub: &HubId,
    seats: u32,
    ambiguity: Ambiguity,
) -> Result<String> {
    let known = find(ctx, program.as_str()).await?;
    let zone = known
        .hub(hub)
        .ok_or_else(|| CliError::UnknownHub(hub.to_string()))?
        .zone;
    let seats = Seats::new(i64::from(seats), 0)
        .map_err(|err| CliError::Usage(format!("--seats: {err}")))?;
    let mut sessions = Vec::with_capacity(listing.sessions().len());
    for listed in listing.sessions() {
        let id = format!(
            "{hub}-{}-{}",
            listed.local_date().format("%Y-%m-%d"),
            listed.local_start().format("%H%M")
        );
        let spec = SessionSpec {
            id: SessionId::parse(&id)
                .map_err(|err| CliError::Usage(format!("session id: {err}")))?,
            program: program.clone(),
            hub: Some(hub.clone()),
            room: None,
            title: listed.title().to_owned(),
            competences: Vec::new(),
            level: None,
            mode: Mode::InPerson,
            seats,
            trainers: Vec::new(),
            date: listed.local_date(),
            start: listed.local_start(),
            end: listed.local_end(),
            zone,
            ambiguity,
        };
        // The listing was checked in the same zone, so this only fails on a hub in another zone.
        let session = Session::new(spec)
            .map_err(|err| CliError::Usage(format!("line {}: {err}", listed.line())))?;
        sessions.push(session);
    }
    let store = ctx.store().await?;
    let created = store
        .create_sessions("cli", &sessions)
        .await
        .map_err(|err| ctx.db_error(err))?;
    Ok(format!(
        "{} incontri scritti in {program} ({hub})\n",
        created.len()
    ))
}

/// Runs `skillhub export …`; the text to print on success (empty when written to a file).
pub async fn run_export(ctx: &Context, cmd: ExportCommand) -> Result<String> {
    let programs = all_programs(ctx).await?;
    let (program, hub, local_times, output) = match cmd {
        ExportCommand::Ics {
            program,
            hub,
            local_times,
            output,
        } => (program, hub, local_times, output),
        ExportCommand::Csv { program, output } => {
            let program = programs
                .iter()
                .find(|p| p.id() == &program)
                .ok_or_else(|| CliError::UnknownProgram(program.to_string()))?;
            let bytes = skillhub_import::csv::write_sessions(program, Vec::new())?;
            return match output {
                // Bytes with a BOM go to the file as they are; stdout gets the same text.
                Some(path) => {
                    std::fs::write(&path, bytes)
                        .map_err(|source| CliError::Write { path, source })?;
                    Ok(String::new())
                }
                None => Ok(String::from_utf8_lossy(&bytes).into_owned()),
            };
        }
    };
    let options = ics::ExportOptions {
        // The CLI is the edge where the clock may be read; the library receives DTSTAMP.
        dtstamp: chrono::Utc::now(),
        times: if local_times {
            ics::Times::Local
        } else {
            ics::Times::Utc
        },
    };
    let text = match (program, hub) {
        (Some(id), _) => {
            let program = programs
                .iter()
                .find(|p| p.id() == &id)
                .ok_or_else(|| CliError::UnknownProgram(id.to_string()))?;
            ics::export_program(program, &options)
        }
        (None, Some(id)) => {
            let program = programs
                .iter()
                .find(|p| p.hub(&id).is_some())
                .ok_or_else(|| CliError::UnknownHub(id.to_string()))?;
            ics::export_hub(program, &id, &options)?
        }
        (None, None) => {
            let sessions: Vec<(&Session, String)> = programs
                .iter()
                .flat_map(|p| {
                    p.sessions().iter().map(move |s| {
                        let place = s.hub().and_then(|h| p.hub(h)).map_or_else(
                            || "Online".to_owned(),
                            |h| format!("{}, {}", h.name, h.address.one_line()),
                        );
                        (s, place)
                    })
                })
                .collect();
            let refs: Vec<&Session> = sessions.iter().map(|(s, _)| *s).collect();
            let place = |s: &Session| {
                sessions
                    .iter()
                    .find(|(x, _)| x.id() == s.id())
                    .map(|(_, p)| p.clone())
                    .unwrap_or_default()
            };
            ics::export_sessions("skillhub", &refs, place, &options)
        }
    };
    match output {
        None => Ok(text),
        Some(path) => {
            std::fs::write(&path, text).map_err(|source| CliError::Write { path, source })?;
            Ok(String::new())
        }
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
