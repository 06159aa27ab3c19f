//! `skillhub`: the command line of skillhub. Glue only: it parses arguments, reads files, calls
//! `skillhub-core` and prints; no rule lives here.

mod commands;
mod error;
mod import;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Runs digital-skills training programs: hubs, sessions, seats, eligibility.
#[derive(Debug, Parser)]
#[command(name = "skillhub", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Programs: list them, or show one.
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Programs(cmd) => commands::programs(cmd),
        Command::Sessions(cmd) => commands::sessions(cmd),
        Command::Eligibility(cmd) => commands::eligibility(cmd),
        Command::Import(cmd) => import::run(cmd),
        Command::Export(cmd) => import::run_export(cmd),
    };
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
