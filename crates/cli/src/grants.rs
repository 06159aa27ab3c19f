//! `skillhub grants …`: grant calls held in files. The rules (thresholds, exact weighted means,
//! the ranking, the lottery, the budget walk) are in `skillhub_core::grants`; this module reads,
//! calls and prints.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use skillhub_core::grants::file::{CallFileError, rank_call};

use crate::error::{CliError, Result};

/// `skillhub grants …`
#[derive(Debug, Subcommand)]
pub enum GrantsCommand {
    /// Ranks a grant call held in a file and walks its budget.
    ///
    /// CALL.json: {"budget_cents", "criteria": [{"id", "weight", "min_score"}], "min_total",
    /// "applications": [{"id", "requested_cents", "submitted_at", "priority", "conflicts",
    /// "scores": {"EVALUATOR": {"CRITERION": 0-5}}}], "lottery_seed"}. Scores of evaluators with a
    /// conflict are ignored; totals are exact weighted means. Ranked by total, then priority
    /// criteria met, then submission time, then the lottery; funded down the ranking while the
    /// request fits what is left, otherwise on the reserve list; applications below a threshold
    /// come last, without rank. Text output is in Italian and explains each place.
    Rank {
        /// The call file.
        #[arg(value_name = "CALL.json")]
        file: PathBuf,
        /// Print JSON: {"ranking": [{"id", "rank", "total", "status", "awarded_cents"}],
        /// "awarded_cents", "remaining_cents"}.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `grants` command and returns what to print.
pub fn run(cmd: GrantsCommand) -> Result<String> {
    match cmd {
        GrantsCommand::Rank { file, json } => rank(&file, json),
    }
}

fn rank(path: &Path, json: bool) -> Result<String> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })?;
    let outcome = rank_call(&text).map_err(|err| match err {
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
    })?;
    if json {
        Ok(serde_json::to_string_pretty(&outcome)? + "\n")
    } else {
        Ok(outcome.text_it().to_owned())
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
