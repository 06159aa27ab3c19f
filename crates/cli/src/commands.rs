//! One function per command: read inputs, call core, hand the result to `output`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use skillhub_core::eligibility::Context;
use skillhub_core::fixture::Catalog;
use skillhub_core::person::Person;
use skillhub_core::program::Program;

use crate::error::{CliError, Result};
use crate::output;

/// `--json`: machine output on stdout.
#[derive(Debug, Clone, Copy, Args)]
pub struct Format {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// `skillhub programs …`
#[derive(Debug, Subcommand)]
pub enum ProgramsCommand {
    /// Every program, one line each.
    List {
        #[command(flatten)]
        format: Format,
    },
    /// One program in full: partners, targets, hubs, rules.
    Show {
        /// The program's id, e.g. `binario-f`.
        id: String,
        #[command(flatten)]
        format: Format,
    },
}

/// `skillhub sessions …`
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// A program's sessions in start order, times in the hub's zone.
    List {
        /// The program's id.
        #[arg(long)]
        program: String,
        #[command(flatten)]
        format: Format,
    },
}

/// `skillhub eligibility …`
#[derive(Debug, Subcommand)]
pub enum EligibilityCommand {
    /// Says whether the person in FILE may take part in the program, and if not, why.
    Check {
        /// The program's id.
        #[arg(long)]
        program: String,
        /// A JSON file: `{"name", "email", "attributes": {…}}`.
        #[arg(long)]
        person: PathBuf,
        /// The day to judge on (YYYY-MM-DD); default: today.
        #[arg(long)]
        on: Option<NaiveDate>,
        #[command(flatten)]
        format: Format,
    },
}

fn catalog() -> Result<Catalog> {
    Ok(Catalog::seeds()?)
}

fn find<'a>(catalog: &'a Catalog, id: &str) -> Result<&'a Program> {
    catalog
        .program(id)
        .ok_or_else(|| CliError::UnknownProgram(id.to_owned()))
}

/// `programs list | show`.
pub fn programs(cmd: ProgramsCommand) -> Result<String> {
    let catalog = catalog()?;
    match cmd {
        ProgramsCommand::List { format } if format.json => {
            output::json(&output::ProgramList::new(catalog.programs()))
        }
        ProgramsCommand::List { .. } => Ok(output::programs_text(catalog.programs())),
        ProgramsCommand::Show { id, format } => {
            let program = find(&catalog, &id)?;
            if format.json {
                output::json(&output::ProgramDetail::new(program))
            } else {
                Ok(output::program_text(program))
            }
        }
    }
}

/// `sessions list`.
pub fn sessions(cmd: SessionsCommand) -> Result<String> {
    let catalog = catalog()?;
    let SessionsCommand::List { program, format } = cmd;
    let program = find(&catalog, &program)?;
    if format.json {
        output::json(&output::SessionList::new(program))
    } else {
        Ok(output::sessions_text(program))
    }
}

/// `eligibility check`.
pub fn eligibility(cmd: EligibilityCommand) -> Result<String> {
    let EligibilityCommand::Check {
        program,
        person,
        on,
        format,
    } = cmd;
    let catalog = catalog()?;
    let program = find(&catalog, &program)?;
    let person = read_person(&person)?;
    // The CLI is the edge where the clock may be read; core receives the day.
    let on = on.unwrap_or_else(|| chrono::Local::now().date_naive());
    let verdict = output::Verdict::new(program, &person, Context { on });
    if format.json {
        output::json(&verdict)
    } else {
        Ok(verdict.text())
    }
}

fn read_person(path: &Path) -> Result<Person> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|err| CliError::Json {
        path: path.to_owned(),
        line: err.line(),
        column: err.column(),
        message: err
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    })
}
