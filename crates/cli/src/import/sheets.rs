//! `skillhub import csv registrations|applications`: read the sheet with `skillhub-import`,
//! judge each row (registrations: `Store::plan_registrations`, the back office's path too;
//! applications: the grant call's checks) and write through `skillhub-store`, all or nothing.

use std::path::Path;

use chrono::Utc;
use serde::Serialize;
use skillhub_core::capacity::Status;
use skillhub_core::fixture::Catalog;
use skillhub_core::ids::ProgramId;
use skillhub_core::program::Program;
use skillhub_grants::call::{Admission, Call};
use skillhub_import::csv::{
    ApplicationOptions, ApplicationRow, Encoding, ReadOptions, RegistrationRow, Summary,
    read_applications, read_registrations,
};
use skillhub_store::{GrantBatchError, GrantError, ImportError, NewGrantApplication};

use super::{display, open, progress_bar, show_progress};
use crate::commands::find;
use crate::context::Context;
use crate::error::{CliError, Result};

/// `windows-1252` or `utf-8`, and the separator, as messages name them.
pub(crate) fn summary_words(summary: &Summary) -> (&'static str, char) {
    let encoding = match summary.encoding {
        Encoding::Windows1252 => "windows-1252",
        _ => "utf-8",
    };
    (encoding, char::from(summary.delimiter))
}

/// One registration row as `--dry-run --json` prints it.
#[derive(Debug, Serialize)]
struct RegistrationOut<'a> {
    line: u64,
    session_id: &'a str,
    email: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
}

/// One written registration as `--json` prints it.
#[derive(Debug, Serialize)]
struct WrittenOut<'a> {
    line: u64,
    id: i64,
    session_id: &'a str,
    email: &'a str,
    status: &'a str,
    waitlist_position: Option<u32>,
    manage_token: &'a str,
}

/// `import csv registrations`: every row checked; then (without --dry-run) each person judged
/// by the session's program (eligibility, tier) and all of them seated in one transaction.
pub async fn registrations(
    ctx: &Context,
    path: &Path,
    options: &ReadOptions,
    dry_run: bool,
    json: bool,
) -> Result<String> {
    let file = display(path);
    let reader = open(path)?;
    let bar = progress_bar(&reader);
    let mut rows = Vec::new();
    let result = read_registrations(
        &file,
        reader,
        options,
        |p| show_progress(&bar, p),
        |row| rows.push(row),
    );
    bar.finish_and_clear();
    let summary = result?;
    let (encoding, delimiter) = summary_words(&summary);
    if dry_run {
        if json {
            let out: Vec<RegistrationOut<'_>> = rows
                .iter()
                .map(|r| RegistrationOut {
                    line: r.line,
                    session_id: r.session.as_str(),
                    email: r.person.email.as_str(),
                    name: r.person.name.as_str(),
                    kind: r.kind.map(skillhub_core::capacity::SeatKind::as_str),
                })
                .collect();
            let value = serde_json::json!({
                "rows": summary.rows,
                "delimiter": delimiter.to_string(),
                "encoding": encoding,
                "registrations": out,
            });
            return Ok(serde_json::to_string_pretty(&value)? + "\n");
        }
        return Ok(format!(
            "{} iscrizioni valide in {file} ({encoding}, separatore {delimiter:?}; prova: nulla è stato scritto)\n",
            summary.rows
        ));
    }
    let store = ctx.store().await?;
    let requests = store
        .plan_registrations(&file, &rows, "cli", |_| true, options.max_problems)
        .await
        .map_err(|err| ctx.db_error(err))??
        .requests;
    let written = store
        .import_registrations(&requests, Utc::now())
        .await
        .map_err(|err| import_error(ctx, &file, &rows, err))?;
    if json {
        let out: Vec<WrittenOut<'_>> = written
            .iter()
            .zip(&rows)
            .map(|(w, row)| WrittenOut {
                line: row.line,
                id: w.registration.id,
                session_id: w.registration.session_id.as_str(),
                email: &w.registration.email,
                status: w.registration.status.name(),
                waitlist_position: w.registration.position(),
                manage_token: &w.manage_token,
            })
            .collect();
        let value = serde_json::json!({ "registrations": out });
        return Ok(serde_json::to_string_pretty(&value)? + "\n");
    }
    let confirmed = written
        .iter()
        .filter(|w| w.registration.status == Status::Confirmed)
        .count();
    Ok(format!(
        "{} iscrizioni scritte da {file}: {confirmed} confermate, {} in lista d'attesa\n",
        written.len(),
        written.len() - confirmed
    ))
}

/// A refusal of the store, as `FILE:LINE: message` of the row it is about.
fn import_error(ctx: &Context, file: &str, rows: &[RegistrationRow], err: ImportError) -> CliError {
    match err.index.and_then(|i| rows.get(i)) {
        Some(row) => CliError::Input(format!("{file}:{}: {}", row.line, err.source)),
        None => ctx.db_error(err.source),
    }
}

/// What `import csv applications` does besides reading.
#[derive(Debug)]
pub struct ApplicationTarget {
    /// The program whose call the file answers.
    pub program: ProgramId,
    /// The stored call to hand them in to (without --dry-run).
    pub call: Option<String>,
    /// Only check and print.
    pub dry_run: bool,
    /// Print JSON.
    pub json: bool,
}

/// One application as `--json` prints it, with the call's verdict on the applicant.
#[derive(Debug, Serialize)]
struct ApplicationOut<'a> {
    line: u64,
    id: &'a str,
    name: &'a str,
    partita_iva: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    organisation_type: Option<skillhub_core::person::OrganisationType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    albo_number: Option<&'a str>,
    region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sector: Option<&'a str>,
    requested_cents: u64,
    priorities: Vec<&'a str>,
    project_kinds: Vec<&'a str>,
    #[serde(flatten)]
    admission: Admission,
}

/// `import csv applications`: every row checked against the call of `--program`; with
/// `--dry-run` printed with the call's verdict on each applicant, otherwise handed in to the
/// stored call `--call`.
pub async fn applications(
    ctx: &Context,
    path: &Path,
    read: &ReadOptions,
    target: ApplicationTarget,
) -> Result<String> {
    let call_id = match (&target.call, target.dry_run) {
        (_, true) => None,
        (Some(call), false) => Some(call.as_str()),
        (None, false) => {
            return Err(CliError::Usage(
                "import csv applications: to hand the applications in give --call ID (a call stored with `skillhub grants`), or use --dry-run".into(),
            ));
        }
    };
    let program = program_of(ctx, &target.program, target.dry_run).await?;
    let info = program
        .grant_call()
        .ok_or_else(|| CliError::Usage(format!("program {} runs no grant call", program.id())))?;
    let options = ApplicationOptions {
        read: *read,
        priority_criteria: &info.priority_criteria,
        project_kinds: &info.favoured_projects,
    };
    let file = display(path);
    let reader = open(path)?;
    let bar = progress_bar(&reader);
    let mut rows = Vec::new();
    let result = read_applications(
        &file,
        reader,
        &options,
        |p| show_progress(&bar, p),
        |row| rows.push(row),
    );
    bar.finish_and_clear();
    let summary = result?;
    if let Some(call_id) = call_id {
        return submit(ctx, &file, call_id, &rows).await;
    }
    let (encoding, delimiter) = summary_words(&summary);
    let call = Call::cooperazione_digitale(&program)
        .map_err(|err| CliError::Usage(format!("program {}: {err}", program.id())))?;
    // The verdict is judged on the day of the run, the day the applications would be handed in.
    let today = read.latest;
    if target.json {
        let out: Vec<ApplicationOut<'_>> = rows
            .iter()
            .map(|row| application_out(row, call.check_applicant(&row.applicant, today)))
            .collect();
        let value = serde_json::json!({
            "rows": summary.rows,
            "delimiter": delimiter.to_string(),
            "encoding": encoding,
            "applications": out,
        });
        return Ok(serde_json::to_string_pretty(&value)? + "\n");
    }
    let eligible = rows
        .iter()
        .filter(|row| call.check_applicant(&row.applicant, today) == Admission::Eligible)
        .count();
    Ok(format!(
        "{} domande valide in {file} ({encoding}, separatore {delimiter:?}), {eligible} ammissibili al bando {}; prova: nulla è stato scritto\n",
        summary.rows,
        program.id()
    ))
}

fn application_out(row: &ApplicationRow, admission: Admission) -> ApplicationOut<'_> {
    let a = &row.applicant;
    ApplicationOut {
        line: row.line,
        id: row.id.as_str(),
        name: &a.name,
        partita_iva: &a.partita_iva,
        organisation_type: a.organisation_type,
        albo_number: a.albo_number.as_deref(),
        region: a.region.as_ref().map(|r| r.as_str()),
        sector: a.sector.as_ref().map(|s| s.as_str()),
        requested_cents: row.requested.get(),
        priorities: row.priorities.iter().map(|t| t.as_str()).collect(),
        project_kinds: row.project_kinds.iter().map(|t| t.as_str()).collect(),
        admission,
    }
}

/// The program: for a dry run among the seed programs first (no database needed), otherwise
/// in the database.
async fn program_of(ctx: &Context, id: &ProgramId, dry_run: bool) -> Result<Program> {
    if dry_run
        && let Ok(catalog) = Catalog::seeds()
        && let Some(seed) = catalog.program(id.as_str())
    {
        return Ok(seed.clone());
    }
    find(ctx, id.as_str()).await
}

/// Hands every (checked) application in to the stored call, in file order, in one transaction
/// of the store: when any row is refused (its cooperative applied already, the call is ranked
/// …) nothing is handed in, and the error names the row's line.
async fn submit(
    ctx: &Context,
    file: &str,
    call_id: &str,
    rows: &[ApplicationRow],
) -> Result<String> {
    let store = ctx.store().await?;
    let requests: Vec<NewGrantApplication> = rows
        .iter()
        .map(|row| NewGrantApplication {
            applicant: row.applicant.clone(),
            requested_cents: row.requested.get(),
            priorities: row.priorities.clone(),
            project_kinds: row.project_kinds.clone(),
        })
        .collect();
    let submitted = store
        .submit_grant_applications(call_id, &requests, "cli", Utc::now())
        .await
        .map_err(|err| submit_error(ctx, file, rows, err))?;
    Ok(format!(
        "{} domande consegnate al bando {call_id} da {file}\n",
        submitted.len()
    ))
}

/// A refusal of the store as `FILE:LINE: field: message` of the row it is about (a refusal of
/// the whole call as `FILE: message`, an unknown call as a usage error).
fn submit_error(
    ctx: &Context,
    file: &str,
    rows: &[ApplicationRow],
    err: GrantBatchError,
) -> CliError {
    let refusal = match err.source {
        skillhub_store::Error::Grants(refusal) => refusal,
        other => return ctx.db_error(other),
    };
    if let GrantError::UnknownCall(call) = &refusal {
        return CliError::Usage(format!("no grant call has id {call:?}"));
    }
    let Some(row) = err.index.and_then(|i| rows.get(i)) else {
        return CliError::Input(format!("{file}: {refusal}; nothing was handed in"));
    };
    let message = match &refusal {
        GrantError::AlreadyApplied { .. } => format!("partita_iva: {refusal}"),
        GrantError::RepeatedApplicant { first } => match rows.get(*first) {
            Some(first) => format!(
                "partita_iva: the same cooperative applies on line {}",
                first.line
            ),
            None => format!("partita_iva: {refusal}"),
        },
        _ => refusal.to_string(),
    };
    CliError::Input(format!(
        "{file}:{}: {message}; nothing was handed in",
        row.line
    ))
}
