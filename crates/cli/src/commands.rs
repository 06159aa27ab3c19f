//! One function per command: read inputs, call core, hand the result to `output`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use skillhub_core::eligibility;
use skillhub_core::person::Person;
use skillhub_core::program::Program;

use crate::context::Context;
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
    /// Creates or replaces a program from FILE (TOML in the format of `fixtures/programs/`, or
    /// JSON): prints what changes, or every problem as FILE:LINE: /pointer: message.
    Load(crate::programs::LoadArgs),
    /// A program's versions, newest first: who changed what, when.
    History(crate::programs::HistoryArgs),
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

/// `skillhub tokens …`
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Creates an operator token for one program; prints it once (it is stored hashed).
    Create {
        /// The program the token may manage.
        #[arg(long)]
        program: String,
        /// A note saying who holds it.
        #[arg(long, default_value = "operatore")]
        label: String,
    },
}

/// A program with the sessions the database holds for it.
pub async fn find(ctx: &Context, id: &str) -> Result<Program> {
    ctx.store()
        .await?
        .program_with_sessions(id)
        .await
        .map_err(|err| ctx.db_error(err))?
        .ok_or_else(|| CliError::UnknownProgram(id.to_owned()))
}

/// Every program with its sessions, in id order.
pub async fn all_programs(ctx: &Context) -> Result<Vec<Program>> {
    let store = ctx.store().await?;
    let ids: Vec<String> = store
        .programs()
        .await
        .map_err(|err| ctx.db_error(err))?
        .iter()
        .map(|p| p.id().to_string())
        .collect();
    let mut programs = Vec::with_capacity(ids.len());
    for id in ids {
        programs.push(find(ctx, &id).await?);
    }
    Ok(programs)
}

/// `programs list | show | load | history`.
pub async fn programs(ctx: &Context, cmd: ProgramsCommand) -> Result<String> {
    match cmd {
        ProgramsCommand::List { format } => {
            let programs = all_programs(ctx).await?;
            if format.json {
                output::json(&output::ProgramList::new(&programs))
            } else {
                Ok(output::programs_text(&programs))
            }
        }
        ProgramsCommand::Load(args) => crate::programs::load(ctx, args).await,
        ProgramsCommand::History(args) => crate::programs::history(ctx, args).await,
        ProgramsCommand::Show { id, format } => {
            let program = find(ctx, &id).await?;
            if format.json {
                output::json(&output::ProgramDetail::new(&program))
            } else {
                Ok(output::program_text(&program))
            }
        }
    }
}

/// `sessions list`.
pub async fn sessions(ctx: &Context, cmd: SessionsCommand) -> Result<String> {
    let SessionsCommand::List { program, format } = cmd;
    let program = find(ctx, &program).await?;
    if format.json {
        output::json(&output::SessionList::new(&program))
    } else {
        Ok(output::sessions_text(&program))
    }
}

/// `tokens create`.
pub async fn tokens(ctx: &Context, cmd: TokensCommand) -> Result<String> {
    let TokensCommand::Create { program, label } = cmd;
    let token = ctx
        .store()
        .await?
        .create_operator_token(&program, &label)
        .await
        .map_err(|err| match err {
            skillhub_store::Error::UnknownProgram(id) => CliError::UnknownProgram(id),
            other => ctx.db_error(other),
        })?;
    Ok(format!("{token}\n"))
}

/// `eligibility check`.
pub async fn eligibility(ctx: &Context, cmd: EligibilityCommand) -> Result<String> {
    let EligibilityCommand::Check {
        program,
        person,
        on,
        format,
    } = cmd;
    let person = read_person(&person)?;
    let program = find(ctx, &program).await?;
    // The CLI is the edge where the clock may be read; core receives the day.
    let on = on.unwrap_or_else(|| chrono::Local::now().date_naive());
    let verdict = output::Verdict::new(&program, &person, eligibility::Context { on });
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
