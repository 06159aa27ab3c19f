//! `skillhub report …`: reports on programs. The counting (once per person per target, nested
//! targets, pace and projection) and the Italian text and SVG chart are in
//! `skillhub_core::progress`; this module reads, calls and prints.
//!
//! Until the store supplies attendance, `report progress` counts the facts of an attendance file
//! given with `--attendance FILE.json`, or none (every target at zero, which still shows goals,
//! deadlines and days left). The program is one of the seed programs.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use skillhub_core::fixture::Catalog;
use skillhub_core::italian;
use skillhub_core::progress::{AttendanceError, ProgressReport, parse_attendance, progress};
use skillhub_core::tz::Zone;
use skillhub_import::csv::ItalianWriter;

use crate::error::{CliError, Result};

/// `skillhub report …`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Progress against a program's targets: per target done / goal / percent / days left, and
    /// a projection at the current pace (linear from the program's start).
    ///
    /// Each person counts once per target; a target counts what its parents count, narrowed by
    /// its own mode and country. The attendance file is
    /// {"attendance": [{"person", "mode": "in_person"|"online", "unit": "people"|"smes"|
    /// "cooperatives"|"circles", "country": "IT", "date": "YYYY-MM-DD"}]}; without it, nothing
    /// has been counted yet.
    Progress {
        /// The program's id, e.g. `community-skill-hubs`.
        #[arg(long)]
        program: String,
        /// Output: Italian text, JSON, a spreadsheet for Italian Excel, or an SVG bar chart.
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
        /// The attendance facts to count (see above).
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
pub fn run(cmd: ReportCommand) -> Result<String> {
    match cmd {
        ReportCommand::Progress {
            program,
            format,
            attendance,
            today,
        } => {
            let catalog = Catalog::seeds()?;
            let program = catalog
                .program(&program)
                .ok_or_else(|| CliError::UnknownProgram(program.clone()))?;
            let facts = match &attendance {
                Some(path) => read_attendance(path)?,
                None => Vec::new(),
            };
            let today = today.unwrap_or_else(today_in_rome);
            render(&progress(program, &facts, today), format)
        }
    }
}

fn today_in_rome() -> NaiveDate {
    let now = chrono::Utc::now();
    Zone::rome()
        .to_local(now)
        .map_or(now.date_naive(), |local| local.date())
}

fn read_attendance(path: &Path) -> Result<Vec<skillhub_core::progress::Attendance>> {
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

/// One row per target: `obiettivo;descrizione;livello;unita;modalita;paese;traguardo;fatti;
/// percentuale;scadenza;giorni_rimasti;proiezione;in_linea;previsto_oggi;traguardo_previsto_il`.
fn csv(report: &ProgressReport) -> Result<String> {
    let io = |source| CliError::Write {
        path: PathBuf::from("-"),
        source,
    };
    let mut writer = ItalianWriter::new(Vec::new()).map_err(io)?;
    writer
        .row([
            "obiettivo",
            "descrizione",
            "livello",
            "unita",
            "modalita",
            "paese",
            "traguardo",
            "fatti",
            "percentuale",
            "scadenza",
            "giorni_rimasti",
            "proiezione",
            "in_linea",
            "previsto_oggi",
            "traguardo_previsto_il",
        ])
        .map_err(io)?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    for t in &report.targets {
        let unit = serde_json::to_value(t.unit)?;
        writer
            .row([
                t.id.to_string(),
                t.label_it.clone(),
                t.depth.to_string(),
                unit.as_str().unwrap_or_default().to_owned(),
                opt(t.mode.map(|m| m.as_str().to_owned())),
                opt(t.country.map(|c| c.as_str().to_owned())),
                t.goal.to_string(),
                t.done.to_string(),
                format!("{},{}", t.percent / 10, t.percent % 10),
                opt(t.deadline.map(italian::short_date)),
                opt(t.days_left.map(|d| d.to_string())),
                opt(t.projected.map(|p| p.to_string())),
                opt(t.on_track.map(|ok| if ok { "Sì" } else { "No" }.to_owned())),
                opt(t.expected.map(|e| e.to_string())),
                opt(t.reaches_goal_on.map(italian::short_date)),
            ])
            .map_err(io)?;
    }
    let bytes = writer.finish().map_err(io)?;
    String::from_utf8(bytes).map_err(|e| io(std::io::Error::other(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(format: ReportFormat, attendance: Option<PathBuf>) -> Result<String> {
        run(ReportCommand::Progress {
            program: "community-skill-hubs".to_owned(),
            format,
            attendance,
            today: NaiveDate::from_ymd_opt(2019, 6, 30),
        })
    }

    #[test]
    fn every_format() {
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
        let text = report(ReportFormat::Text, Some(path.clone())).unwrap();
        assert!(
            text.contains("- Persone e imprenditori formati: 1 su 500.000 (0,0 %)"),
            "{text}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&report(ReportFormat::Json, Some(path.clone())).unwrap()).unwrap();
        assert_eq!(json["targets"][4]["done"], 1);
        let csv = report(ReportFormat::Csv, Some(path.clone())).unwrap();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(
            lines[0].starts_with("\u{feff}obiettivo;descrizione;livello"),
            "{csv}"
        );
        assert_eq!(
            lines[3],
            "candidates-classroom;Candidati formati in aula;2;people;in_person;;75000;1;0,0;31/12/2020;550;2;No;37363;17/04/114135"
        );
        let svg = report(ReportFormat::Svg, None).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("PMI formate online"));
    }

    #[test]
    fn errors() {
        let err = run(ReportCommand::Progress {
            program: "nope".to_owned(),
            format: ReportFormat::Text,
            attendance: None,
            today: None,
        })
        .unwrap_err();
        assert!(matches!(err, CliError::UnknownProgram(_)));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("presenze.json");
        std::fs::write(
            &path,
            r#"{"attendance": [{"person": "a", "mode": "hybrid", "unit": "people", "country": "IT", "date": "2019-03-01"}]}"#,
        )
        .unwrap();
        let err = report(ReportFormat::Text, Some(path.clone())).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: /attendance/0/mode: say how the person attended: in_person or online",
                path.display()
            )
        );
    }
}
