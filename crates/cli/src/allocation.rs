//! `skillhub match`, `skillhub lottery …` and `skillhub place`: fair allocation on files (and,
//! for `place --program`, on the sessions in the database). The
//! rules (deferred acceptance, the verifiable lottery, placement by level) are in
//! `skillhub_allocation`; this module reads, calls and prints.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::Deserialize;
use skillhub_allocation::lottery::{self, LotterySeed};
use skillhub_allocation::matching::{InputErrorKind, ParsedInstance, solve};
use skillhub_allocation::placement::{self, Offer, Outcome};
use skillhub_core::capacity::Tier;
use skillhub_core::digcomp::{Level, LevelRange, SelfAssessment};
use skillhub_store::SessionFilter;

use crate::context::Context;
use crate::error::{CliError, Result};

/// `skillhub match INSTANCE.json [-o OUT]`.
#[derive(Debug, Args)]
pub struct MatchArgs {
    /// `{"applicants": {"a1": ["p1", …]}, "providers": {"p1": {"capacity": 2, "ranking": ["a1", …]}}}`.
    instance: PathBuf,
    /// Write `{"assignment": {…}}` to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `skillhub lottery …`
#[derive(Debug, Subcommand)]
pub enum LotteryCommand {
    /// Draws an order from a published list of ids and a public random value given later
    /// (e.g. a lotto draw): anyone with both can recompute it.
    Draw {
        /// The published list: one id per line.
        #[arg(long)]
        ids: PathBuf,
        /// The public random value, exactly as published.
        #[arg(long)]
        public_value: String,
        /// Print JSON: {"seed", "order"}.
        #[arg(long)]
        json: bool,
    },
    /// Checks a claimed order against the published list and the public value; exits 1 when
    /// it does not match.
    Verify {
        /// The published list: one id per line.
        #[arg(long)]
        ids: PathBuf,
        /// The public random value, exactly as published.
        #[arg(long)]
        public_value: String,
        /// The claimed order: one id per line, first drawn first.
        #[arg(long)]
        order: PathBuf,
    },
}

/// `skillhub place FILE.json [--program ID]`.
#[derive(Debug, Args)]
pub struct PlaceArgs {
    /// `{"seed": 42, "sessions": [{"id", "level": {"min","max"}|null, "seats"}],
    /// "people": [{"id", "level": n | "assessment": {"1.1": 3, …}, "tier": 0, "choices": [ids]}]}`;
    /// without "sessions" when --program is given.
    file: PathBuf,
    /// Take the sessions from the database (`--db`): every session of this program, with its
    /// DigComp level range and the seats nobody holds or waits for.
    #[arg(long)]
    program: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })
}

fn write_or_print(output: Option<PathBuf>, text: String) -> Result<String> {
    match output {
        Some(path) => {
            std::fs::write(&path, text).map_err(|source| CliError::Write { path, source })?;
            Ok(String::new())
        }
        None => Ok(text),
    }
}

/// `skillhub match`.
pub fn run_match(args: MatchArgs) -> Result<String> {
    let text = read(&args.instance)?;
    let file = args.instance.display().to_string();
    let parsed = ParsedInstance::parse(&text).map_err(|err| match err.kind() {
        InputErrorKind::Syntax {
            line,
            column,
            message,
        } => CliError::Input(format!("{file}:{line}:{column}: {message}")),
        _ => CliError::Input(format!("{file}: {err}")),
    })?;
    let matching = solve(parsed.instance());
    let mut out = parsed.write_assignment(&matching);
    out.push('\n');
    write_or_print(args.output, out)
}

fn lines(path: &Path) -> Result<Vec<String>> {
    Ok(read(path)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// `skillhub lottery draw | verify`.
pub fn run_lottery(cmd: LotteryCommand) -> Result<String> {
    match cmd {
        LotteryCommand::Draw {
            ids,
            public_value,
            json,
        } => {
            let list = lines(&ids)?;
            let draw = lottery::verifiable_draw(&list, &public_value)
                .map_err(|err| CliError::Input(format!("{}: {err}", ids.display())))?;
            if json {
                return Ok(serde_json::to_string_pretty(&draw)? + "\n");
            }
            let mut out = format!("seme {}\n", draw.seed);
            for (i, id) in draw.order.iter().enumerate() {
                let _ = writeln!(out, "{:>5}  {id}", i + 1);
            }
            Ok(out)
        }
        LotteryCommand::Verify {
            ids,
            public_value,
            order,
        } => {
            let list = lines(&ids)?;
            let claimed = lines(&order)?;
            if lottery::verify(&list, &public_value, &claimed) {
                Ok(format!(
                    "verificato: l'ordine di {} è quello del sorteggio\n",
                    order.display()
                ))
            } else {
                Err(CliError::Input(format!(
                    "{}: the order is not the draw of {} with public value {public_value:?}",
                    order.display(),
                    ids.display()
                )))
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceFile {
    seed: u64,
    sessions: Option<Vec<PlaceSession>>,
    people: Vec<PlacePerson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceSession {
    id: String,
    level: Option<LevelRange>,
    seats: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlacePerson {
    id: String,
    level: Option<Level>,
    #[serde(default)]
    assessment: std::collections::BTreeMap<String, i64>,
    #[serde(default)]
    tier: u8,
    choices: Vec<String>,
}

/// The sessions of `program` in the store as offers: level range, and seats neither given nor
/// owed to someone waiting.
async fn stored_offers(ctx: &Context, program: &str) -> Result<Vec<Offer<String>>> {
    let store = ctx.store().await?;
    if store
        .program(program)
        .await
        .map_err(|err| ctx.db_error(err))?
        .is_none()
    {
        return Err(CliError::UnknownProgram(program.to_owned()));
    }
    let mut offers = Vec::new();
    let mut filter = SessionFilter {
        program: Some(program.to_owned()),
        limit: Some(500),
        ..SessionFilter::default()
    };
    loop {
        let page = store
            .sessions(&filter)
            .await
            .map_err(|err| ctx.db_error(err))?;
        for view in &page {
            let session = view.to_session().map_err(|err| ctx.db_error(err))?;
            let free = (view.seats_left() - view.waitlisted()).max(0);
            offers.push(Offer {
                session: view.id.to_string(),
                level: session.level(),
                seats: u32::try_from(free).unwrap_or(u32::MAX),
            });
        }
        match page.last() {
            Some(last) if page.len() == 500 => {
                filter.after = Some((last.starts_at, last.id.to_string()));
            }
            _ => break,
        }
    }
    Ok(offers)
}

/// `skillhub place`.
pub async fn run_place(ctx: &Context, args: PlaceArgs) -> Result<String> {
    let text = read(&args.file)?;
    let file = args.file.display().to_string();
    let input: PlaceFile = serde_json::from_str(&text).map_err(|err| CliError::Json {
        path: args.file.clone(),
        line: err.line(),
        column: err.column(),
        message: err
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    })?;
    let mut people = Vec::with_capacity(input.people.len());
    for (i, p) in input.people.into_iter().enumerate() {
        let level = match p.level {
            Some(level) => level,
            None => {
                SelfAssessment::new(p.assessment.iter().map(|(k, v)| (k.as_str(), *v)))
                    .map_err(|err| {
                        CliError::Input(format!("{file}: /people/{i}/assessment: {err}"))
                    })?
                    .place()
                    .overall
            }
        };
        people.push(placement::Person {
            person: p.id,
            level,
            tier: Tier::new(p.tier),
            choices: p.choices,
        });
    }
    let offers: Vec<Offer<String>> = match (input.sessions, &args.program) {
        (Some(sessions), None) => sessions
            .into_iter()
            .map(|s| Offer {
                session: s.id,
                level: s.level,
                seats: s.seats,
            })
            .collect(),
        (None, Some(program)) => stored_offers(ctx, program).await?,
        (Some(_), Some(_)) => {
            return Err(CliError::Input(format!(
                "{file}: /sessions: give the sessions in the file or with --program, not both"
            )));
        }
        (None, None) => {
            return Err(CliError::Input(format!(
                "{file}: /sessions: missing (or give --program to take them from the database)"
            )));
        }
    };
    let report = placement::place(&people, &offers, LotterySeed::from_u64(input.seed))
        .map_err(|err| CliError::Input(format!("{file}: {err}")))?;
    if args.json {
        return Ok(serde_json::to_string_pretty(&report)? + "\n");
    }
    let mut out = format!(
        "{} persone su {} collocate (seme {})\n",
        report.placed(),
        report.outcomes.len(),
        report.seed
    );
    for outcome in &report.outcomes {
        let mark = match outcome.outcome {
            Outcome::Placed { .. } => "✓",
            Outcome::Unplaced(_) => "✗",
        };
        let _ = writeln!(out, "{mark} {}", outcome.it());
    }
    Ok(out)
}
