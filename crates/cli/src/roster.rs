//! `skillhub roster`: who teaches which session, and which sessions stay uncovered and why.
//!
//! Until the store holds trainers, a program's trainers are a file: `--trainers FILE`, or
//! `fixtures/trainers/<program id>.toml` (compiled in; #milanodigitale's 200 Bip trainers); a
//! program without one has no roster. The sessions are the generated year of labs of
//! `skillhub_fixtures::milano`, from the pilot week in Milano Digital Week (11–15 March 2020, the
//! default range) to 14 March 2021. The rules and the algorithm are in `skillhub_roster`; this
//! module reads the trainers, picks the sessions, calls it, prints.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use skillhub_core::fixture::Catalog;
use skillhub_core::ids::{SessionId, TrainerId};
use skillhub_core::program::Program;
use skillhub_fixtures::milano;
use skillhub_roster::Trainer;
use skillhub_roster::file;
use skillhub_roster::report::{RosterReport, RosterRequest, RosterRequestError};

use crate::error::{CliError, Result};

/// `skillhub roster --program ID [--trainers FILE] [--from DATE --to DATE] [--json | --csv]`
#[derive(Debug, clap::Args)]
pub struct RosterArgs {
    /// The program's id; its trainers are `fixtures/trainers/<id>.toml` unless --trainers is given.
    #[arg(long)]
    pub program: String,
    /// The program's trainers, in the format of fixtures/trainers/*.toml.
    #[arg(long, value_name = "FILE")]
    pub trainers: Option<PathBuf>,
    /// First day (YYYY-MM-DD or dd/mm/yyyy); default: the first day of the pilot week.
    #[arg(long, value_parser = parse_day)]
    pub from: Option<NaiveDate>,
    /// Last day, included (YYYY-MM-DD or dd/mm/yyyy); default: the last day of the pilot week.
    #[arg(long, value_parser = parse_day)]
    pub to: Option<NaiveDate>,
    /// Print JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print a spreadsheet for Italian Excel: `;`, UTF-8 with BOM, dd/mm/yyyy.
    #[arg(long)]
    pub csv: bool,
    /// Minutes needed between in-person sessions in different Municipi.
    #[arg(long, default_value_t = 45)]
    pub travel_minutes: u32,
    /// The seed of the generated sessions.
    #[arg(long, default_value_t = milano::SEED)]
    pub seed: u64,
    /// A trainer drops out of a session (TRAINER@SESSION): refill it with the fewest changes
    /// elsewhere, print the changes, then the new roster.
    #[arg(long, value_name = "TRAINER@SESSION", value_parser = parse_drop_out)]
    pub drop_out: Option<(TrainerId, SessionId)>,
}

fn parse_drop_out(text: &str) -> std::result::Result<(TrainerId, SessionId), String> {
    let (trainer, session) = text
        .split_once('@')
        .ok_or_else(|| format!("{text:?} is not TRAINER@SESSION"))?;
    let trainer = trainer
        .parse()
        .map_err(|err| format!("trainer {trainer:?}: {err}"))?;
    let session = session
        .parse()
        .map_err(|err| format!("session {session:?}: {err}"))?;
    Ok((trainer, session))
}

fn parse_day(text: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| format!("{text:?} is not a date (expected YYYY-MM-DD or dd/mm/yyyy)"))
}

/// Runs `skillhub roster` and returns what to print.
pub fn run(args: RosterArgs) -> Result<String> {
    let catalog = Catalog::seeds()?;
    let program = catalog
        .program(&args.program)
        .ok_or_else(|| CliError::UnknownProgram(args.program.clone()))?;
    let trainers = trainers(program, args.trainers.as_deref())?;
    let (_, sessions) = milano::milano_year(args.seed, milano::YEAR_SESSIONS);
    let request = RosterRequest {
        from: args.from,
        to: args.to,
        travel_minutes: args.travel_minutes,
        seed: args.seed,
    };
    let report =
        RosterReport::build(program, trainers, sessions, request).map_err(|err| match err {
            RosterRequestError::NoRange => CliError::Usage("give --from and --to".to_owned()),
            RosterRequestError::Reversed { from, to } => {
                CliError::Usage(format!("--to {to} is before --from {from}"))
            }
            RosterRequestError::Problem(message) => CliError::Input(message),
            other => CliError::Usage(other.to_string()),
        })?;
    let Some((trainer, session)) = &args.drop_out else {
        return if args.json {
            Ok(serde_json::to_string_pretty(&report)? + "\n")
        } else if args.csv {
            csv(&report)
        } else {
            Ok(report.text_it())
        };
    };
    let (report, changes) = report
        .drop_out(trainer, session)
        .map_err(|err| CliError::Input(err.to_string()))?;
    if args.json {
        let out = serde_json::json!({"changes": changes, "roster": report});
        Ok(serde_json::to_string_pretty(&out)? + "\n")
    } else if args.csv {
        csv(&report)
    } else {
        Ok(format!(
            "Sostituzione: {trainer} non tiene {session}; cambi:\n{}\n{}",
            report.changes_it(&changes),
            report.text_it()
        ))
    }
}

/// The program's trainers: the file given, else its file in `fixtures/trainers/`.
fn trainers(program: &Program, path: Option<&Path>) -> Result<Vec<Trainer>> {
    let (name, text) = match path {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
                path: path.to_owned(),
                source,
            })?;
            (path.display().to_string(), text)
        }
        None => {
            let id = program.id();
            let text = skillhub_fixtures::trainers_file(id).ok_or_else(|| {
                CliError::Usage(format!(
                    "{id} has no trainers: there is no fixtures/trainers/{id}.toml; give them \
                     with --trainers FILE"
                ))
            })?;
            (format!("fixtures/trainers/{id}.toml"), text.to_owned())
        }
    };
    file::parse_trainers(&text).map_err(|err| {
        let lines: Vec<String> = err
            .to_string()
            .lines()
            .map(|line| {
                if line.starts_with(|c: char| c.is_ascii_digit()) {
                    format!("{name}:{line}")
                } else {
                    format!("{name}: {line}")
                }
            })
            .collect();
        CliError::Input(lines.join("\n"))
    })
}

/// The report as a spreadsheet for Italian Excel.
fn csv(report: &RosterReport<'_>) -> Result<String> {
    crate::output::italian_csv(report.rows_it())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> RosterArgs {
        use clap::Parser;
        #[derive(Debug, clap::Parser)]
        struct Cli {
            #[command(flatten)]
            roster: RosterArgs,
        }
        let mut argv = vec!["roster", "--program", "milano-digitale"];
        argv.extend_from_slice(extra);
        Cli::parse_from(argv).roster
    }

    #[test]
    fn pilot_week_text() {
        let text = run(args(&[])).unwrap();
        assert!(text.starts_with("Turni dei formatori — "), "{text}");
        assert!(text.contains("dal 11/03/2020 al 15/03/2020"), "{text}");
        assert!(text.contains("89 incontri"), "{text}");
    }

    #[test]
    fn csv_is_for_italian_excel() {
        let csv = run(args(&[
            "--csv",
            "--from",
            "12/03/2020",
            "--to",
            "2020-03-12",
        ]))
        .unwrap();
        assert!(csv.starts_with("\u{feff}data;inizio;fine;sede;"), "{csv}");
        assert!(csv.contains("\r\n12/03/2020;"), "{csv}");
    }

    #[test]
    fn json_and_errors() {
        let json = run(args(&["--json"])).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["summary"]["sessions"], 89);
        assert!(matches!(
            run(args(&["--from", "2020-03-15", "--to", "2020-03-11"])),
            Err(CliError::Usage(_))
        ));
        let mut other = args(&[]);
        other.program = "binario-f".to_owned();
        assert!(matches!(run(other), Err(CliError::Usage(_))));
        let mut unknown = args(&[]);
        unknown.program = "atlantide".to_owned();
        assert!(matches!(run(unknown), Err(CliError::UnknownProgram(_))));
    }

    #[test]
    fn trainers_come_from_the_program_file_or_the_one_given() {
        let mut other = args(&[]);
        other.program = "binario-f".to_owned();
        let err = run(other).unwrap_err().to_string();
        assert!(
            err.contains("no fixtures/trainers/binario-f.toml") && err.contains("--trainers FILE"),
            "{err}"
        );
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/trainers/milano-digitale.toml"
        );
        assert_eq!(
            run(args(&["--trainers", file])).unwrap(),
            run(args(&[])).unwrap()
        );
        let missing = run(args(&["--trainers", "nessuno.toml"]));
        assert!(matches!(missing, Err(CliError::Read { .. })), "{missing:?}");
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("formatori.toml");
        std::fs::write(&bad, "[[trainers]]\nid = \"Bip\"\n").unwrap();
        let err = run(args(&["--trainers", bad.to_str().unwrap()]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(&format!("{}", bad.display())), "{err}");
    }

    #[test]
    fn a_drop_out_prints_the_changes_then_the_roster() {
        let json = run(args(&["--json"])).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let session = value["sessions"][0]["id"].as_str().unwrap().to_owned();
        let trainer = value["sessions"][0]["trainers"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let out = run(args(&["--drop-out", &format!("{trainer}@{session}")])).unwrap();
        assert!(
            out.starts_with(&format!(
                "Sostituzione: {trainer} non tiene {session}; cambi:\n- [{session}] esce "
            )),
            "{out}"
        );
        assert!(out.contains("Turni dei formatori — "), "{out}");
        let json = run(args(&[
            "--json",
            "--drop-out",
            &format!("{trainer}@{session}"),
        ]))
        .unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["changes"][0]["removed"], trainer.as_str());
        let not_there = run(args(&["--drop-out", &format!("{trainer}@nessuna")]));
        assert!(
            matches!(not_there, Err(CliError::Input(_))),
            "{not_there:?}"
        );
    }
}
