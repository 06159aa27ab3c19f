//! `skillhub report …`: reports on programs. The counting (once per person per target, nested
//! targets, pace and projection) and the Italian text and SVG chart are in
//! `skillhub_progress`; this module reads, calls and prints.
//!
//! `report progress` counts the registrations marked attended in the database (`--db`) and the
//! completions online imported there (`import completions`), or the facts of an attendance file given with `--attendance FILE.json` (data from elsewhere, or
//! tests).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use skillhub_core::tz::Zone;
use skillhub_progress::{AttendanceError, ProgressReport, parse_attendance, progress};

use crate::context::Context;
use crate::error::{CliError, Result};

/// `skillhub report …`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Progress against a program's targets: per target done / goal / percent / days left, and
    /// a projection at the current pace (linear from the program's start).
    ///
    /// Each person counts once per target; a target counts what its parents count, narrowed by
    /// its own mode and country. Counts the registrations marked attended in the database
    /// (`--db`) and the completions online imported there (`import completions`), or, with
    /// --attendance, the facts of a file
    /// {"attendance": [{"person", "mode": "in_person"|"online", "unit": "people"|"smes"|
    /// "cooperatives"|"circles", "country": "IT", "date": "YYYY-MM-DD"}]} instead.
    Progress {
        /// The program's id, e.g. `community-skill-hubs`.
        #[arg(long)]
        program: String,
        /// Output: Italian text, JSON, a spreadsheet for Italian Excel, or an SVG bar chart.
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
        /// Count the attendance facts of this file instead of the database's (see above).
        #[arg(long, value_name = "FILE.json")]
        attendance: Option<PathBuf>,
        /// The day of the report (YYYY-MM-DD); default: today in Europe/Rome.
        #[arg(long)]
        today: Option<NaiveDate>,
    },
}

/// How `report progress` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Italian text, one line per target.
    Text,
    /// The report as JSON.
    Json,
    /// `;`-separated, UTF-8 with BOM, decimal commas, dd/mm/yyyy.
    Csv,
    /// A bar chart.
    Svg,
}

/// Runs a `report` command and returns what to print.
pub async fn run(ctx: &Context, cmd: ReportCommand) -> Result<String> {
    match cmd {
        ReportCommand::Progress {
            program,
            format,
            attendance,
            today,
        } => {
            let store = ctx.store().await?;
            let program = store
                .program(&program)
                .await
                .map_err(|err| ctx.db_error(err))?
                .ok_or_else(|| CliError::UnknownProgram(program.clone()))?;
            let facts = match &attendance {
                Some(path) => read_attendance(path)?,
                None => store
                    .attendance(&program)
                    .await
                    .map_err(|err| ctx.db_error(err))?,
            };
            let today = today.unwrap_or_else(today_in_rome);
            render(&progress(&program, &facts, today), format)
        }
    }
}

/// Today in Italy, where the programs' targets are counted.
fn today_in_rome() -> NaiveDate {
    Zone::rome().date_of(chrono::Utc::now())
}

fn read_attendance(path: &Path) -> Result<Vec<skillhub_progress::Attendance>> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_attendance(&text).map_err(|err| match err {
        AttendanceError::Syntax {
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
    })
}

/// The report in `format`.
pub fn render(report: &ProgressReport, format: ReportFormat) -> Result<String> {
    match format {
        ReportFormat::Text => Ok(report.text_it()),
        ReportFormat::Json => Ok(serde_json::to_string_pretty(report)? + "\n"),
        ReportFormat::Csv => csv(report),
        ReportFormat::Svg => Ok(report.svg() + "\n"),
    }
}

/// One row per target, for Italian Excel (the rows are `ProgressReport::rows_it`).
fn csv(report: &ProgressReport) -> Result<String> {
    crate::output::italian_csv(report.rows_it())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CLI's context on the SQLite database `skillhub.db` in `dir` (made with the seeds).
    fn context(dir: &tempfile::TempDir) -> Context {
        Context::new(
            format!("sqlite://{}", dir.path().join("skillhub.db").display()),
            false,
        )
    }

    /// Runs `report progress` for Community Skill Hubs on a new database in `dir`.
    async fn report(
        dir: &tempfile::TempDir,
        format: ReportFormat,
        attendance: Option<PathBuf>,
    ) -> Result<String> {
        let ctx = context(dir);
        let out = run(
            &ctx,
            ReportCommand::Progress {
                program: "community-skill-hubs".to_owned(),
                format,
                attendance,
                today: NaiveDate::from_ymd_opt(2019, 6, 30),
            },
        )
        .await;
        ctx.close().await;
        out
    }

    #[tokio::test]
    async fn every_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("presenze.json");
        std::fs::write(
            &path,
            r#"{"attendance": [
              {"person": "anna", "mode": "in_person", "unit": "people", "country": "IT", "date": "2019-03-01"},
              {"person": "pmi-1", "mode": "online", "unit": "smes", "country": "PL", "date": "2019-03-01"}
            ]}"#,
        )
        .unwrap();
        let text = report(&dir, ReportFormat::Text, Some(path.clone()))
            .await
            .unwrap();
        assert!(
            text.contains("- Persone e imprenditori formati: 1 su 500.000 (0,0 %)"),
            "{text}"
        );
        let json = report(&dir, ReportFormat::Json, Some(path.clone()))
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["targets"][6]["id"], "smes-online");
        assert_eq!(json["targets"][6]["done"], 1);
        let csv = report(&dir, ReportFormat::Csv, Some(path.clone()))
            .await
            .unwrap();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(
            lines[0].starts_with("\u{feff}obiettivo;descrizione;livello"),
            "{csv}"
        );
        assert_eq!(
            lines[4],
            "candidates-classroom;Candidati formati in aula;3;people;in_person;;75000;1;0,0;31/12/2019;184;1;No;56095;;persone (una volta per persona);"
        );
        let svg = report(&dir, ReportFormat::Svg, None).await.unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("PMI formate online"));
    }

    #[tokio::test]
    async fn without_a_file_the_database_attendance_counts() {
        use skillhub_core::capacity::{Presence, Tier};
        use skillhub_store::RegisterRequest;

        let dir = tempfile::tempdir().unwrap();
        let ctx = context(&dir);
        let store = ctx.store().await.unwrap();
        // A session in Madrid, 12 March 2019 (inside the report's range).
        let session = skillhub_core::session::Session::new(skillhub_core::session::SessionSpec {
            id: "csh-madrid-1".parse().unwrap(),
            program: "community-skill-hubs".parse().unwrap(),
            hub: Some("csh-espana".parse().unwrap()),
            room: None,
            title: "Competenze digitali".into(),
            competences: vec![],
            level: None,
            mode: skillhub_core::session::Mode::InPerson,
            seats: skillhub_core::capacity::Seats::new(10, 0).unwrap(),
            trainers: vec![],
            date: NaiveDate::from_ymd_opt(2019, 3, 12).unwrap(),
            start: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            end: chrono::NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
            zone: Zone::parse("Europe/Madrid").unwrap(),
            ambiguity: skillhub_core::session::Ambiguity::Refuse,
        })
        .unwrap();
        store
            .create_session(
                "test",
                &skillhub_store::NewSession::open_until_start(session),
            )
            .await
            .unwrap();
        let person = serde_json::from_value(serde_json::json!({
            "name": "Ana García", "email": "ana@example.es", "attributes": {}
        }))
        .unwrap();
        let request = RegisterRequest {
            session_id: "csh-madrid-1".parse().unwrap(),
            person,
            kind: None,
            tier: Tier::FIRST,
            actor: "test".into(),
            timing: skillhub_store::Timing::Late,
            lang: skillhub_core::lang::Lang::It,
        };
        let now = chrono::Utc::now();
        let registration = store
            .register(&request, None, now)
            .await
            .unwrap()
            .registration;
        store
            .record_presence("test", registration.id, Presence::Attended, now)
            .await
            .unwrap();
        ctx.close().await;

        let json = report(&dir, ReportFormat::Json, None).await.unwrap();
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let done: Vec<(&str, u64)> = json["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["id"].as_str().unwrap(), t["done"].as_u64().unwrap()))
            .collect();
        // In person in Spain: a person and a classroom candidate; no SME was declared.
        assert_eq!(
            done,
            [
                ("reach", 1),
                ("people", 1),
                ("candidates", 1),
                ("candidates-classroom", 1),
                ("candidates-online", 0),
                ("smes-classroom", 0),
                ("smes-online", 0)
            ]
        );
    }

    #[tokio::test]
    async fn errors() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(&dir);
        let err = run(
            &ctx,
            ReportCommand::Progress {
                program: "nope".to_owned(),
                format: ReportFormat::Text,
                attendance: None,
                today: None,
            },
        )
        .await
        .unwrap_err();
        ctx.close().await;
        assert!(matches!(err, CliError::UnknownProgram(_)));
        let path = dir.path().join("presenze.json");
        std::fs::write(
            &path,
            r#"{"attendance": [{"person": "a", "mode": "hybrid", "unit": "people", "country": "IT", "date": "2019-03-01"}]}"#,
        )
        .unwrap();
        let err = report(&dir, ReportFormat::Text, Some(path.clone()))
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: /attendance/0/mode: say how the person attended: in_person or online",
                path.display()
            )
        );
    }
}
