//! `skillhub programs load FILE` and `skillhub programs history ID`: a program's definition
//! (TOML, or the same document in JSON) into the database through `Store::put_program`, which
//! creates or replaces it by the file's id, and the versions it went through.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;
use skillhub_core::definition::{Format, line_of};
use skillhub_core::fixture::ProgramError;
use skillhub_store::{ProgramPlan, ProgramRefusal, PutMode, PutProgram, Run};

use crate::context::Context;
use crate::error::{CliError, Result};

/// `skillhub programs load …`
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The program's definition: a `.toml` file in the format of `fixtures/programs/`, or the
    /// same document as `.json`. Its `id` says which program it creates or replaces.
    pub file: PathBuf,
    /// Check the file and print what would change (changes, new sessions, the new version);
    /// write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `skillhub programs history …`
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The program's id.
    pub id: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `programs load`: creates or replaces the program the file defines; the plan as text or JSON.
pub async fn load(ctx: &Context, args: LoadArgs) -> Result<String> {
    let name = args.file.display().to_string();
    let format = Format::of_file(&name).ok_or_else(|| {
        CliError::Usage(format!(
            "{name}: a program is a .toml file (or the same document as .json)"
        ))
    })?;
    let text = std::fs::read_to_string(&args.file).map_err(|source| CliError::Read {
        path: args.file.clone(),
        source,
    })?;
    let store = ctx.store().await?;
    let plan = store
        .put_program(PutProgram {
            text: &text,
            format,
            mode: PutMode::CreateOrReplace,
            run: if args.dry_run {
                Run::DryRun
            } else {
                Run::Write
            },
            actor: "cli",
        })
        .await
        .map_err(|err| match err {
            skillhub_store::Error::Program(refusal) => {
                CliError::Input(refusal_text(&args.file, format, &text, &refusal))
            }
            other => ctx.db_error(other),
        })?;
    if args.json {
        return Ok(serde_json::to_string_pretty(&PlanOut::new(&plan))? + "\n");
    }
    Ok(plan_text(&plan))
}

/// Every problem of a refused file, one a line: `FILE:LINE:COLUMN: message` for a syntax error,
/// `FILE:LINE: /pointer: message` for a field (`FILE: /pointer: message` when its line is not
/// known), `FILE: message` for a conflict with what is stored.
pub(crate) fn refusal_text(
    file: &Path,
    format: Format,
    text: &str,
    refusal: &ProgramRefusal,
) -> String {
    let file = file.display();
    match refusal {
        ProgramRefusal::Invalid(ProgramError::Syntax {
            line,
            column,
            message,
        }) => format!("{file}:{line}:{column}: {message}"),
        ProgramRefusal::Invalid(ProgramError::Invalid(problems)) => problems
            .iter()
            .map(|p| match line_of(format, text, &p.pointer) {
                Some(line) => format!("{file}:{line}: {}: {}", p.pointer, p.message),
                None => format!("{file}: {}: {}", p.pointer, p.message),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => other
            .to_string()
            .lines()
            .map(|line| format!("{file}: {line}"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn plan_text(plan: &ProgramPlan) -> String {
    let mut out = String::new();
    let what = if plan.created {
        format!("nuovo programma, versione {}", plan.version)
    } else {
        format!(
            "versione {} → {}",
            plan.previous_version.unwrap_or_default(),
            plan.version
        )
    };
    let _ = writeln!(
        out,
        "{}: {what}{}",
        plan.program_id,
        if plan.written {
            ""
        } else {
            " (prova: nulla è stato scritto)"
        }
    );
    if !plan.created {
        if plan.changes.is_empty() {
            let _ = writeln!(out, "Nessuna modifica.");
        } else {
            let _ = writeln!(out, "Modifiche:");
        }
        for change in &plan.changes {
            let _ = writeln!(out, "  - {}", change.sentence().it);
            if let Some(note) = change.note() {
                let _ = writeln!(out, "    Nota: {}", note.it);
            }
        }
    }
    if !plan.sessions_added.is_empty() {
        let ids: Vec<String> = plan
            .sessions_added
            .iter()
            .map(ToString::to_string)
            .collect();
        let _ = writeln!(
            out,
            "Incontri pubblicati{}: {}",
            if plan.written { "" } else { " (da pubblicare)" },
            ids.join(", ")
        );
    }
    out
}

/// The plan as printed by `--json`.
#[derive(Debug, Serialize)]
struct PlanOut {
    program_id: String,
    created: bool,
    previous_version: Option<i64>,
    version: i64,
    written: bool,
    changes: Vec<ChangeOut>,
    sessions_added: Vec<String>,
    /// Said when a change of eligibility or priority applies to new registrations only.
    note: Option<SentenceOut>,
}

#[derive(Debug, Serialize)]
struct ChangeOut {
    kind: &'static str,
    it: String,
    en: String,
    note: Option<SentenceOut>,
}

#[derive(Debug, Serialize)]
struct SentenceOut {
    it: String,
    en: String,
}

impl From<skillhub_core::revision::Sentence> for SentenceOut {
    fn from(s: skillhub_core::revision::Sentence) -> SentenceOut {
        SentenceOut { it: s.it, en: s.en }
    }
}

impl PlanOut {
    fn new(plan: &ProgramPlan) -> PlanOut {
        PlanOut {
            program_id: plan.program_id.to_string(),
            created: plan.created,
            previous_version: plan.previous_version,
            version: plan.version,
            written: plan.written,
            changes: plan
                .changes
                .iter()
                .map(|c| {
                    let sentence = c.sentence();
                    ChangeOut {
                        kind: c.kind(),
                        it: sentence.it,
                        en: sentence.en,
                        note: c.note().map(SentenceOut::from),
                    }
                })
                .collect(),
            sessions_added: plan
                .sessions_added
                .iter()
                .map(ToString::to_string)
                .collect(),
            note: plan.rule_note().map(SentenceOut::from),
        }
    }
}

/// `programs history`: the versions, newest first.
pub async fn history(ctx: &Context, args: HistoryArgs) -> Result<String> {
    let store = ctx.store().await?;
    let versions = store
        .program_history(&args.id)
        .await
        .map_err(|err| ctx.db_error(err))?;
    if versions.is_empty() {
        return Err(CliError::UnknownProgram(args.id));
    }
    if args.json {
        return Ok(serde_json::to_string_pretty(&serde_json::json!({
            "program_id": args.id,
            "versions": versions,
        }))? + "\n");
    }
    let mut out = String::new();
    for v in &versions {
        let _ = writeln!(
            out,
            "v{}  {}  {}  {}  {}",
            v.version,
            v.created_at.format("%Y-%m-%d %H:%M UTC"),
            v.actor,
            v.format.as_str(),
            v.summary
        );
    }
    Ok(out)
}
