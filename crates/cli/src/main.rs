//! `skillhub`: the command line of skillhub. Glue only: it parses arguments, reads files, calls
//! `skillhub-core` (rules), `skillhub-import` (files) and `skillhub-store` (the database), and
//! prints; no rule lives here.

mod allocation;
mod commands;
mod context;
mod demo;
mod error;
mod grants;
mod import;
mod mail;
mod output;
mod people;
mod programs;
mod report;
mod roster;
mod serve;
mod staff;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::context::Context;

/// Runs digital-skills training programs: hubs, sessions, seats, eligibility.
#[derive(Debug, Parser)]
#[command(name = "skillhub", version, about)]
struct Cli {
    /// The database: sqlite://FILE or postgres://…; a new one is created, migrated and loaded
    /// with the six seed programs.
    #[arg(
        long,
        global = true,
        env = "SKILLHUB_DB",
        default_value = "sqlite://skillhub.db"
    )]
    db: String,
    /// Start a new database empty instead of with the seed programs.
    #[arg(long, global = true)]
    empty: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the HTTP server: registrations until seats run out, waiting lists, the catalog.
    ///
    /// Settings from the environment: SKILLHUB_ADMIN_TOKEN (the admin bearer token),
    /// SKILLHUB_RATE_LIMIT (public writes per minute per client address; default 600, 0 = off),
    /// RUST_LOG (log filter; default info). Stops cleanly on Ctrl-C or SIGTERM.
    Serve(serve::ServeArgs),
    /// Programs: list them, show one, load one from a file (create or replace), its history.
    #[command(subcommand)]
    Programs(commands::ProgramsCommand),
    /// Sessions of a program, with times in the hub's zone.
    #[command(subcommand)]
    Sessions(commands::SessionsCommand),
    /// Whether a person may take part in a program, and why not.
    #[command(subcommand)]
    Eligibility(commands::EligibilityCommand),
    /// Reads files into skillhub: calendar listings, spreadsheets.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Writes files out of skillhub: iCalendar, spreadsheets for Italian Excel.
    #[command(subcommand)]
    Export(import::ExportCommand),
    /// Many-to-one stable matching: the applicant-optimal assignment of an instance file.
    Match(allocation::MatchArgs),
    /// A verifiable lottery: draw an order anyone can recompute, or check one.
    #[command(subcommand)]
    Lottery(allocation::LotteryCommand),
    /// Places people in sessions by DigComp level and preference (a file in, a report out).
    Place(allocation::PlaceArgs),
    /// Operator tokens (secrets scoped to one program, for the HTTP API).
    #[command(subcommand)]
    Tokens(commands::TokensCommand),
    /// Trainers to sessions: a roster that respects skills, availability, travel and rest.
    Roster(roster::RosterArgs),
    /// Grant calls for cooperatives: check applications, score them, rank and fund them.
    #[command(subcommand)]
    Grants(grants::GrantsCommand),
    /// Progress against a program's targets: tables, CSV and charts.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// A person's data (GDPR): export everything held about an e-mail address, or erase it.
    #[command(subcommand)]
    People(people::PeopleCommand),
    /// Messages to people: send the due ones once, or see what is queued, sent and failed.
    ///
    /// Settings from the environment: SKILLHUB_SMTP_URL (smtp://host:port,
    /// smtps://user:pass@host:465, smtp://host?tls=required; without it messages are written
    /// as .eml files), SKILLHUB_MAIL_DIR (where; default ./mail), SKILLHUB_MAIL_FROM (the
    /// sender).
    #[command(subcommand)]
    Mail(mail::MailCommand),
    /// The back office's staff accounts: add one (it prints a one-time setup URL as its last
    /// line), reset its password, list, disable or enable them.
    #[command(subcommand)]
    Staff(staff::StaffCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let ctx = Context::new(cli.db, cli.empty);
    let result = runtime.block_on(async {
        let result = match cli.command {
            Command::Serve(args) => serve::run(&ctx, args).await,
            Command::Programs(cmd) => commands::programs(&ctx, cmd).await,
            Command::Sessions(cmd) => commands::sessions(&ctx, cmd).await,
            Command::Eligibility(cmd) => commands::eligibility(&ctx, cmd).await,
            Command::Import(cmd) => import::run(&ctx, cmd).await,
            Command::Export(cmd) => import::run_export(&ctx, cmd).await,
            Command::Tokens(cmd) => commands::tokens(&ctx, cmd).await,
            Command::Match(args) => allocation::run_match(args),
            Command::Lottery(cmd) => allocation::run_lottery(cmd),
            Command::Place(args) => allocation::run_place(&ctx, args).await,
            Command::Roster(args) => roster::run(args),
            Command::Grants(cmd) => grants::run(&ctx, cmd).await,
            Command::Report(cmd) => report::run(&ctx, cmd).await,
            Command::People(cmd) => people::run(&ctx, cmd).await,
            Command::Mail(cmd) => mail::run(&ctx, cmd).await,
            Command::Staff(cmd) => staff::run(&ctx, cmd).await,
        };
        ctx.close().await;
        result
    });
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{err}");
            err.exit_code()
        }
    }
}
