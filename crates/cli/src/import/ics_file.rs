//! `skillhub import ics`: an iCalendar file into sessions of one hub, written by the same code
//! path as `import calendar` ([`super::write_sessions`]).

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use serde::Serialize;
use skillhub_core::fixture::Catalog;
use skillhub_core::ids::{HubId, ProgramId};
use skillhub_core::italian;
use skillhub_core::tz::Zone;
use skillhub_import::{ics, plan};

use super::{Occurrence, Target, ambiguity, display, read, write_sessions};
use crate::commands::find;
use crate::context::Context;
use crate::error::{CliError, Result};

/// The arguments of `import ics`.
#[derive(Debug, Args)]
pub struct IcsArgs {
    /// The calendar (`.ics`, UTF-8; CRLF or LF, folded lines).
    file: PathBuf,
    /// The program the sessions belong to.
    #[arg(long)]
    program: ProgramId,
    /// The hub the sessions happen in; floating times are read in its zone, and every session
    /// is written in its local time.
    #[arg(long)]
    hub: HubId,
    /// In-person seats of each session (needed to write them).
    #[arg(long)]
    seats: Option<u32>,
    /// Which occurrence a floating or TZID time that happens twice (clocks going back) means;
    /// by default such a time is an error.
    #[arg(long, value_enum)]
    ambiguous: Option<Occurrence>,
    /// The most sessions one series (RRULE) may expand to.
    #[arg(long, default_value_t = 500)]
    max_occurrences: u16,
    /// Only read and check the file; print the sessions, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON: {"sessions":[{"uid","title","local_date","local_start","local_end","zone",
    /// "starts_at","ends_at","line"}]}, times in the hub's zone.
    #[arg(long)]
    json: bool,
}

/// One session as `--json` prints it.
#[derive(Debug, Serialize)]
struct SessionOut<'a> {
    uid: &'a str,
    title: &'a str,
    local_date: String,
    local_start: String,
    local_end: String,
    zone: &'static str,
    starts_at: String,
    ends_at: String,
    line: usize,
}

/// Runs `import ics`; the text to print on success.
pub async fn run(ctx: &Context, args: IcsArgs) -> Result<String> {
    // Check the options that writing needs before reading anything.
    let seats = match (args.seats, args.dry_run) {
        (_, true) => None,
        (Some(seats), false) => Some(seats),
        (None, false) => {
            return Err(CliError::Usage(
                "import ics: to write the sessions give --seats (or use --dry-run)".into(),
            ));
        }
    };
    let zone = hub_zone(ctx, &args.program, &args.hub, args.dry_run).await?;
    let text = read(&args.file)?;
    let file = display(&args.file);
    let options = ics::ImportOptions {
        zone,
        ambiguity: ambiguity(args.ambiguous),
        max_occurrences: args.max_occurrences,
    };
    let events = ics::parse(&file, &text, &options)?;
    let planned = plan::from_events(&file, &events, zone)?;
    if let Some(seats) = seats {
        let target = Target {
            program: &args.program,
            hub: &args.hub,
            seats,
        };
        return write_sessions(ctx, &args.file, &planned, &target).await;
    }
    if args.json {
        let sessions: Vec<SessionOut<'_>> = events
            .iter()
            .zip(&planned)
            .map(|(event, planned)| SessionOut {
                uid: event.uid(),
                title: &planned.title,
                local_date: planned.date.format("%Y-%m-%d").to_string(),
                local_start: planned.start.format("%H:%M").to_string(),
                local_end: planned.end.format("%H:%M").to_string(),
                zone: zone.name(),
                starts_at: rfc3339(event.starts_at()),
                ends_at: rfc3339(event.ends_at()),
                line: planned.line,
            })
            .collect();
        let value = serde_json::json!({ "sessions": sessions });
        return Ok(serde_json::to_string_pretty(&value)? + "\n");
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} incontri in {file} (prova: nulla è stato scritto)",
        planned.len()
    );
    for session in &planned {
        let _ = writeln!(
            out,
            "  riga {:>3}  {}  {}",
            session.line,
            italian::span(
                session.date.and_time(session.start),
                session.date.and_time(session.end)
            ),
            session.title
        );
    }
    Ok(out)
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The hub's zone. A dry run looks the program up among the seed programs first, so checking
/// a file against a seed hub needs no database; otherwise (and for writing) in the database.
async fn hub_zone(ctx: &Context, program: &ProgramId, hub: &HubId, dry_run: bool) -> Result<Zone> {
    if dry_run
        && let Ok(catalog) = Catalog::seeds()
        && let Some(seed) = catalog.program(program.as_str())
    {
        return seed
            .hub(hub)
            .map(|h| h.zone)
            .ok_or_else(|| CliError::UnknownHub(hub.to_string()));
    }
    let known = find(ctx, program.as_str()).await?;
    known
        .hub(hub)
        .map(|h| h.zone)
        .ok_or_else(|| CliError::UnknownHub(hub.to_string()))
}
