//! `skillhub grants …`: grant calls held in files or in the database. The rules (thresholds,
//! exact weighted means, the ranking, the lottery, the budget walk) are in
//! `skillhub_grants`, the stored calls in `skillhub_store`; this module reads, calls and
//! prints.

use std::path::{Path, PathBuf};

use chrono::Utc;
use clap::Subcommand;
use skillhub_allocation::lottery::LotterySeed;
use skillhub_grants::file::{CallFileError, rank_call};
use skillhub_store::{GrantError, GrantRanking, GrantWrite, RankingSeed, Replay};

use crate::context::Context;
use crate::error::{CliError, Result};

/// `skillhub grants …`
#[derive(Debug, Subcommand)]
pub enum GrantsCommand {
    /// Ranks a grant call held in a file, or stored in the database (`--call ID`), and walks its
    /// budget.
    ///
    /// CALL.json: {"budget_cents", "criteria": [{"id", "weight", "min_score"}], "min_total",
    /// "applications": [{"id", "requested_cents", "submitted_at", "priority", "conflicts",
    /// "scores": {"EVALUATOR": {"CRITERION": 0-5}}}], "lottery_seed"}. Scores of evaluators with a
    /// conflict are ignored; totals are exact weighted means. Ranked by total, then priority
    /// criteria met, then submission time, then the lottery; funded down the ranking while the
    /// request fits what is left, otherwise on the reserve list; applications below a threshold
    /// come last, without rank. Text output is in Italian and explains each place.
    ///
    /// With --call, the stored call's awarded ranking (with the withdrawals since), or, before
    /// it is ranked, a preview over its evaluated applications; --award records the ranking and
    /// its awards (once).
    Rank {
        /// The call file.
        #[arg(
            value_name = "CALL.json",
            required_unless_present = "call",
            conflicts_with = "call"
        )]
        file: Option<PathBuf>,
        /// A call stored in the database (see `skillhub grants load`).
        #[arg(long, value_name = "ID")]
        call: Option<String>,
        /// With --call: rank the call and award its budget in the database.
        #[arg(long, requires = "call")]
        award: bool,
        /// With --award: the lottery seed for a call that recorded none (a whole number, or 64
        /// hex digits), recorded with the call as `POST /v1/grants/calls/{id}/ranking` records
        /// `{"lottery_seed": N}`; a seed other than the recorded one is refused.
        #[arg(long, value_name = "N", requires = "award", value_parser = parse_seed)]
        lottery_seed: Option<LotterySeed>,
        /// Print JSON: {"ranking": [{"id", "rank", "total", "status", "awarded_cents"}],
        /// "awarded_cents", "remaining_cents"}.
        #[arg(long)]
        json: bool,
    },
    /// Stores a call file in the database, with its applications, evaluators, conflicts and
    /// scores (each application evaluated, ready to rank).
    ///
    /// The file is the one of `skillhub grants rank`, with optional members the ranking ignores:
    /// "id", "name", "reporting": {"every_months", "duration_months"} (default 6 and 24),
    /// "priority_criteria": [{"id", "it", "en"}], criteria "label_it".
    Load {
        /// The call file.
        #[arg(value_name = "CALL.json")]
        file: PathBuf,
        /// The call's id (default: the file's "id").
        #[arg(long)]
        id: Option<String>,
        /// Print the stored call as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `grants` command and returns what to print.
pub async fn run(ctx: &Context, cmd: GrantsCommand) -> Result<String> {
    match cmd {
        GrantsCommand::Rank {
            file: Some(file),
            call: None,
            json,
            ..
        } => rank(&file, json),
        GrantsCommand::Rank {
            call: Some(call),
            award,
            lottery_seed,
            json,
            ..
        } => {
            let how = if award {
                Ranking::Award(lottery_seed.map(RankingSeed::Seed))
            } else {
                Ranking::Read
            };
            rank_stored(ctx, &call, how, json).await
        }
        GrantsCommand::Rank { .. } => Err(CliError::Usage(
            "give a CALL.json file or --call ID".to_owned(),
        )),
        GrantsCommand::Load { file, id, json } => load(ctx, &file, id.as_deref(), json).await,
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })
}

fn file_error(path: &Path, err: CallFileError) -> CliError {
    match err {
        CallFileError::Syntax {
            line,
            column,
            message,
        } => CliError::Json {
            path: path.to_owned(),
            line,
            column,
            message,
        },
        other => CliError::Input(format!("{}: {other}", path.display())),
    }
}

fn rank(path: &Path, json: bool) -> Result<String> {
    let text = read(path)?;
    let outcome = rank_call(&text).map_err(|err| file_error(path, err))?;
    if json {
        Ok(serde_json::to_string_pretty(&outcome)? + "\n")
    } else {
        Ok(outcome.text_it().to_owned())
    }
}

/// Prints a stored ranking exactly as the file form prints its own.
fn print_ranking(ranking: &GrantRanking, json: bool) -> Result<String> {
    if json {
        Ok(serde_json::to_string_pretty(ranking)? + "\n")
    } else {
        Ok(ranking.text_it.clone())
    }
}

/// What `grants rank --call` does with the stored call.
enum Ranking {
    /// Print the awarded ranking, or a preview.
    Read,
    /// Rank and award (`--award`), with the lottery seed given, if any.
    Award(Option<RankingSeed>),
}

/// A lottery seed as `--lottery-seed` and the ranking body's `lottery_seed` take it: a whole
/// number ([`LotterySeed::from_u64`]) or 64 hex digits.
fn parse_seed(text: &str) -> std::result::Result<LotterySeed, String> {
    match text.parse::<u64>() {
        Ok(n) => Ok(LotterySeed::from_u64(n)),
        Err(_) => LotterySeed::parse(text)
            .map_err(|e| format!("expected a whole number or 64 hex digits: {e}")),
    }
}

async fn rank_stored(ctx: &Context, call: &str, how: Ranking, json: bool) -> Result<String> {
    let store = ctx.store().await?;
    let ranking = match &how {
        Ranking::Award(seed) => {
            store
                .rank_grant_call(call, seed.as_ref(), "cli", Utc::now())
                .await
        }
        Ranking::Read => store.grant_ranking(call).await,
    }
    .map_err(|err| match err {
        skillhub_store::Error::Grants(GrantError::SeedNeeded(message)) => {
            CliError::Input(format!("{message} (here: --award --lottery-seed N)"))
        }
        other => ctx.db_error(other),
    })?;
    print_ranking(&ranking, json)
}

async fn load(ctx: &Context, path: &Path, id: Option<&str>, json: bool) -> Result<String> {
    let text = read(path)?;
    let store = ctx.store().await?;
    let no_replay = |_: &_| Replay {
        status: 0,
        body: String::new(),
    };
    let outcome = store
        .create_grant_call(&text, id, "cli", None, Utc::now(), no_replay)
        .await
        .map_err(|err| match err {
            skillhub_store::Error::Grants(GrantError::CallFile(file)) => file_error(path, file),
            skillhub_store::Error::Grants(GrantError::Invalid { pointer, message }) => {
                CliError::Input(format!("{}: {pointer}: {message}", path.display()))
            }
            other => ctx.db_error(other),
        })?;
    let GrantWrite::Done(call) = outcome else {
        return Err(CliError::Input("the call was not stored".to_owned()));
    };
    if json {
        Ok(serde_json::to_string_pretty(&call)? + "\n")
    } else {
        Ok(format!(
            "Bando {} ({}) salvato: {} domande, budget {} centesimi.\n",
            call.id, call.name, call.applications, call.budget_cents
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let path = dir.path().join("call.json");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn json_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            include_str!("../../../fixtures/grants/call-example.json"),
        );
        let json: serde_json::Value = serde_json::from_str(&rank(&path, true).unwrap()).unwrap();
        assert_eq!(json["ranking"][0]["status"], "funded");
        assert_eq!(json["remaining_cents"], 349_300_000);
        let text = rank(&path, false).unwrap();
        assert!(
            text.contains("1. coop-1: punteggio 4,00 — finanziata con 7.000,00 €"),
            "{text}"
        );
    }

    #[test]
    fn errors_name_file_and_pointer() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            r#"{"budget_cents": 1, "criteria": [], "applications": []}"#,
        );
        let err = rank(&path, true).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: /criteria: a call needs at least one criterion",
                path.display()
            )
        );
        let path = write(&dir, "{\n  \"budget_cents\": 1,\n}");
        let err = rank(&path, true).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{}:3:1: ", path.display())),
            "{err}"
        );
    }
}
