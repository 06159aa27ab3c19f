//! `skillhub import …` and `skillhub export …`: read files, call `skillhub-import`, print.
//!
//! `--dry-run` reads and checks the file in full and prints what would be written. Without it,
//! the sessions of a calendar listing or an iCalendar file go into the database in one
//! transaction (all or nothing, through one code path), registrations from a spreadsheet are
//! seated in one transaction by the store's seat rules, and grant applications are handed in to
//! a stored call in one transaction too; people from a spreadsheet can only be checked for now
//! (the database keeps no register of people yet). Completions of online courses (a Moodle
//! export, xAPI statements) go into the program's completions in one transaction.

mod completions;
mod ics_file;
mod sheets;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use skillhub_core::capacity::Seats;
use skillhub_core::ids::{HubId, ProgramId};
use skillhub_core::italian;
use skillhub_core::session::{Ambiguity, Session};
use skillhub_core::tz::Zone;
use skillhub_import::{calendar, ics, plan};

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
    /// Reads an iCalendar file (RFC 5545) into sessions of a program's hub.
    ///
    /// VEVENTs with DTSTART/DTEND (or DURATION) in UTC, with a TZID (an IANA zone; VTIMEZONE
    /// blocks are not trusted over the tz database) or floating (read in the hub's zone); folded
    /// lines; series (RRULE with COUNT or UNTIL, EXDATE, RDATE) expanded into one session per
    /// occurrence; all-day and cancelled events skipped. Every problem is reported with its file,
    /// line and property, and nothing is written when any event fails. Without --dry-run the
    /// sessions are written (with --seats in-person seats each) in one transaction, exactly as
    /// `import calendar` writes them.
    Ics(ics_file::IcsArgs),
    /// Reads completions of online courses from an e-learning platform: a Moodle export (the
    /// course completion report or a report builder report, in English or Italian) or xAPI
    /// statements (JSON; only the verb completed counts).
    ///
    /// Each completion counts for the program's online targets under the person's e-mail, like
    /// their registrations: someone who attends in a classroom and completes online counts once
    /// for a target above both. Rows not completed are skipped and counted. Every problem is
    /// reported with its file and line (and column or JSON pointer), and nothing is written when
    /// any row fails. Without --dry-run the completions are written in one transaction; a
    /// course a person already completed is known and not written again, so importing the same
    /// export twice adds nothing.
    Completions(completions::CompletionsArgs),
    /// Reads a spreadsheet (CSV) as Italian offices write it: `;`, `,` or tab separators,
    /// UTF-8 with or without BOM or Windows-1252, dd/mm/yyyy dates, decimal commas, Sì/No.
    ///
    /// The file is streamed and every row validated (codice fiscale and partita IVA check
    /// characters, e-mail, DigComp level, dates); all problems are reported, each with its line
    /// and column, and nothing is imported when any row fails. People: the database keeps no
    /// register of people yet, so run with --dry-run. Registrations: written in one transaction,
    /// each confirmed or waitlisted as a registration of its own would be, after the program's
    /// eligibility rules admit it. Applications: checked against the call of --program, and
    /// without --dry-run handed in to the stored grant call --call, all in one transaction (a
    /// cooperative that applied already refuses the whole file).
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
        /// Only read and check the file; write nothing (required for people: the database keeps
        /// no register of people yet).
        #[arg(long)]
        dry_run: bool,
        /// Print JSON: {"rows", "delimiter", "encoding"} (with "registrations" or
        /// "applications" for those kinds).
        #[arg(long)]
        json: bool,
        /// Applications: the program whose call the file answers (its priority criteria and
        /// project kinds).
        #[arg(long, default_value = "cooperazione-digitale")]
        program: ProgramId,
        /// Applications: the stored grant call to hand them in to (needed without --dry-run).
        #[arg(long)]
        call: Option<String>,
    },
}

/// `import csv KIND`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CsvKind {
    /// People: nome, cognome, email, codice fiscale [, data di nascita, livello, partita iva,
    /// consenso privacy, punteggio].
    People,
    /// Registrations: sessione, nome, cognome (or nome e cognome), email [, codice fiscale,
    /// data di nascita, genere, paese, regione, tipo organizzazione, ruoli, iscrizioni,
    /// modalità].
    Registrations,
    /// Grant applications of cooperatives: ragione sociale, partita iva (or codice fiscale),
    /// regione, importo richiesto [, id domanda, numero albo, tipo organizzazione, settore,
    /// tipo di progetto, one Sì/No column per priority criterion of the call].
    Applications,
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
pub(crate) enum Occurrence {
    /// The first occurrence (still summer time).
    Earlier,
    /// The second occurrence (already winter time).
    Later,
}

/// The policy `--ambiguous` asks for: refuse unless told which occurrence.
pub(crate) fn ambiguity(occurrence: Option<Occurrence>) -> Ambiguity {
    match occurrence {
        None => Ambiguity::Refuse,
        Some(Occurrence::Earlier) => Ambiguity::Earlier,
        Some(Occurrence::Later) => Ambiguity::Later,
    }
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
        ImportCommand::Ics(args) => ics_file::run(ctx, args).await,
        ImportCommand::Completions(args) => completions::run(ctx, args).await,
        ImportCommand::Csv {
            kind: CsvKind::Registrations,
            file,
            encoding,
            max_problems,
            dry_run,
            json,
            ..
        } => {
            let options = read_options(encoding, max_problems);
            sheets::registrations(ctx, &file, &options, dry_run, json).await
        }
        ImportCommand::Csv {
            kind: CsvKind::Applications,
            file,
            encoding,
            max_problems,
            dry_run,
            json,
            program,
            call,
        } => {
            let options = read_options(encoding, max_problems);
            let target = sheets::ApplicationTarget {
                program,
                call,
                dry_run,
                json,
            };
            sheets::applications(ctx, &file, &options, target).await
        }
        ImportCommand::Csv {
            kind: CsvKind::People,
            file,
            encoding,
            max_problems,
            dry_run,
            json,
            ..
        } => {
            if !dry_run {
                return Err(CliError::DryRunOnly {
                    what: "import csv people",
                    why: "the database keeps no register of people yet",
                });
            }
            let reader = open(&file)?;
            let bar = progress_bar(&reader);
            let options = read_options(encoding, max_problems);
            let result = skillhub_import::csv::read_people(
                &display(&file),
                reader,
                &options,
                |p| show_progress(&bar, p),
                |_| {},
            );
            bar.finish_and_clear();
            let summary = result?;
            let (encoding, delimiter) = sheets::summary_words(&summary);
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

/// How to read a spreadsheet, from `--encoding` and `--max-problems`; "today" (the latest
/// acceptable date) is read from the clock here, at the edge.
fn read_options(encoding: CsvEncoding, max_problems: usize) -> skillhub_import::csv::ReadOptions {
    skillhub_import::csv::ReadOptions {
        encoding: match encoding {
            CsvEncoding::Detect => skillhub_import::csv::Encoding::Detect,
            CsvEncoding::Utf8 => skillhub_import::csv::Encoding::Utf8,
            CsvEncoding::Windows1252 => skillhub_import::csv::Encoding::Windows1252,
        },
        max_problems,
        ..skillhub_import::csv::ReadOptions::new(chrono::Local::now().date_naive())
    }
}

/// A progress bar over the bytes of `file` (drawn on stderr only when it is a terminal).
fn progress_bar(file: &std::fs::File) -> indicatif::ProgressBar {
    let size = file.metadata().map_or(0, |m| m.len());
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn show_progress(bar: &indicatif::ProgressBar, p: skillhub_import::csv::Progress) {
    bar.set_position(p.bytes);
    bar.set_message(format!("{} righe", p.rows));
}

/// Opens a file to stream.
fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })
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
        ambiguity: ambiguity(args.ambiguous),
    };
    let listing = calendar::parse(&display(&args.file), &text, &options)?;
    if let Some((program, hub, seats)) = target {
        let planned = plan::from_listing(&listing, options.ambiguity);
        let target = Target {
            program,
            hub,
            seats,
        };
        return write_sessions(ctx, &args.file, &planned, &target).await;
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

/// Where read sessions are written: `--program`, `--hub`, `--seats`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// The program.
    pub program: &'a ProgramId,
    /// The hub (its zone is the sessions' zone).
    pub hub: &'a HubId,
    /// In-person seats of each session.
    pub seats: u32,
}

/// Writes checked sessions into the database, all in one transaction: the one way files become
/// sessions (`import calendar`, `import ics`, and the back office's upload). They are built by
/// [`plan::sessions`]; session ids are `HUB-YYYY-MM-DD-HHMM`, so importing the same file twice
/// is refused, not duplicated.
pub(crate) async fn write_sessions(
    ctx: &Context,
    file: &Path,
    planned: &[plan::Planned],
    target: &Target<'_>,
) -> Result<String> {
    let Target {
        program,
        hub,
        seats,
    } = *target;
    let known = find(ctx, program.as_str()).await?;
    let zone = known
        .hub(hub)
        .ok_or_else(|| CliError::UnknownHub(hub.to_string()))?
        .zone;
    let seats = Seats::new(i64::from(seats), 0)
        .map_err(|err| CliError::Usage(format!("--seats: {err}")))?;
    let target = plan::Target {
        program,
        hub,
        zone,
        seats,
    };
    // The file was read in the hub's zone, so this only fails on what the reader cannot see:
    // a session that ends on another day, a hub in another zone.
    let sessions = plan::sessions(&display(file), planned, &target)?;
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

/// A whole text file.
pub(crate) fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })
}

/// A path as people read it in messages.
pub(crate) fn display(path: &Path) -> String {
    path.display().to_string()
}
