//! `skillhub import completions`: completions of online courses from an e-learning platform (a
//! Moodle export, xAPI statements) read by `skillhub_import::completions` and written by
//! `Store::import_completions`, all or nothing; progress counts them for the program's online
//! targets.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::Utc;
use clap::{Args, ValueEnum};
use serde::Serialize;
use skillhub_core::fixture::Catalog;
use skillhub_core::ids::ProgramId;
use skillhub_core::program::Program;
use skillhub_import::completions::{self, Completions, Options, Skip, moodle, xapi};
use skillhub_store::CompletionImport;

use super::{CsvEncoding, display, open, read};
use crate::context::Context;
use crate::error::{CliError, Result};

/// The arguments of `import completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The export: a Moodle CSV (course completion report or report builder) or xAPI JSON.
    file: PathBuf,
    /// The program the completions count for (its zone gives each completion's day).
    #[arg(long)]
    program: ProgramId,
    /// What the file is.
    #[arg(long, value_enum)]
    format: CompletionFormat,
    /// The country of completions whose row names none (xAPI names none); by default the
    /// program's, when it has exactly one.
    #[arg(long)]
    country: Option<String>,
    /// Moodle: the course of a file without a course column; by default the SHORTNAME of a file
    /// named completion-SHORTNAME.csv, as Moodle names its course completion report.
    #[arg(long)]
    course: Option<String>,
    /// Moodle: the encoding, if detection guesses wrong.
    #[arg(long, value_enum, default_value = "detect")]
    encoding: CsvEncoding,
    /// The most problems listed (the rest are counted).
    #[arg(long, default_value_t = 100)]
    max_problems: usize,
    /// Only read and check the file; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON: {"read", "completions" (or "new" and "known"), "skipped"}.
    #[arg(long)]
    json: bool,
}

/// `--format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionFormat {
    /// A Moodle export (CSV): Email address and Time completed (or Course complete), in English
    /// or Italian.
    Moodle,
    /// xAPI statements (JSON): an array or an LRS's answer; only the verb completed counts.
    Xapi,
}

/// What `--dry-run --json` prints.
#[derive(Debug, Serialize)]
struct Checked<'a> {
    read: usize,
    completions: usize,
    skipped: &'a std::collections::BTreeMap<Skip, usize>,
}

/// Runs `import completions`; the summary to print on success.
pub async fn run(ctx: &Context, args: CompletionsArgs) -> Result<String> {
    let country = args
        .country
        .as_deref()
        .map(completions::parse_country)
        .transpose()
        .map_err(|err| CliError::Usage(format!("--country: {err}")))?;
    let program = program(ctx, &args.program, args.dry_run).await?;
    let file = display(&args.file);
    let options = Options {
        country: country.or(Options::for_program(&program).country),
        course: args
            .course
            .clone()
            .or_else(|| completions::course_from_file_name(&file)),
        encoding: super::read_options(args.encoding, args.max_problems).encoding,
        max_problems: args.max_problems,
        ..Options::for_program(&program)
    };
    let read = match args.format {
        CompletionFormat::Moodle => moodle::read(&file, open(&args.file)?, &options)?,
        CompletionFormat::Xapi => xapi::read(&file, &read(&args.file)?, &options)?,
    };
    if args.dry_run {
        if args.json {
            return Ok(serde_json::to_string_pretty(&Checked {
                read: read.read,
                completions: read.completions.len(),
                skipped: &read.skipped,
            })? + "\n");
        }
        return Ok(format!(
            "{file}: {} letti, {} completamenti validi{} (prova: nulla è stato scritto)\n",
            read.read,
            read.completions.len(),
            skipped_words(&read)
        ));
    }
    let store = ctx.store().await?;
    let written = store
        .import_completions("cli", &program, &read, Utc::now())
        .await
        .map_err(|err| ctx.db_error(err))?;
    if args.json {
        return Ok(serde_json::to_string_pretty(&written)? + "\n");
    }
    Ok(summary(&file, &program, &read, &written))
}

/// The program: for a dry run a seed program will do (no database is opened), else the
/// database's.
async fn program(ctx: &Context, id: &ProgramId, dry_run: bool) -> Result<Program> {
    if dry_run
        && let Ok(catalog) = Catalog::seeds()
        && let Some(seed) = catalog.program(id.as_str())
    {
        return Ok(seed.clone());
    }
    ctx.store()
        .await?
        .program(id.as_str())
        .await
        .map_err(|err| ctx.db_error(err))?
        .ok_or_else(|| CliError::UnknownProgram(id.to_string()))
}

/// `, 2 saltati: 1 non ancora completati …`, or nothing when none was skipped.
fn skipped_words(read: &Completions) -> String {
    if read.skipped.is_empty() {
        return String::new();
    }
    let reasons: Vec<String> = read
        .skipped
        .iter()
        .map(|(why, n)| format!("{n} {}", why.label_it()))
        .collect();
    format!(", {} saltati: {}", read.skipped_total(), reasons.join("; "))
}

/// What an import wrote, in Italian.
fn summary(
    file: &str,
    program: &Program,
    read: &Completions,
    written: &CompletionImport,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{file}: {} letti, {} completamenti per {}: {} nuovi, {} già noti{}",
        written.read,
        read.completions.len(),
        program.id(),
        written.new,
        written.known,
        skipped_words(read)
    );
    out
}
