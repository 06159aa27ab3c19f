//! `skillhub report …`: reports on programs. The counting (once per person per target, nested
//! targets, pace and projection) and the Italian text and SVG chart are in
//! `skillhub_progress`; this module reads, calls and prints.
//!
//! `report progress` counts the registrations marked attended in the database (`--db`) and the
//! completions online imported there (`import completions`), or the facts of an attendance file
//! given with `--attendance FILE.json` (data from elsewhere, or tests). `report funder` is a
//! period's report for a funder (`skillhub_progress::funder`): the database's facts and turnout,
//! as text, JSON or an XLSX file.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use skillhub_core::program::Unit;
use skillhub_core::tz::Zone;
use skillhub_progress::breakdown::Period;
use skillhub_progress::funder::{Audience, FunderReport, FunderRequest};
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
    /// A period's report for a funder: each target's progress and pace at the period's end and
    /// what was reached within it, breakdowns by gender, age band, country, region, hub, partner
    /// and mode, no-shows and demand not met per hub and session, and which numbers are
    /// assumptions. With --public, counts of 1 to 4 are shown as "<5" (and whatever would let
    /// one be worked out is hidden too); otherwise the counts are exact and not to be published.
    Funder {
        /// The program's id, e.g. `milano-digitale`.
        #[arg(long)]
        program: String,
        /// First day of the period (dd/mm/yyyy or YYYY-MM-DD).
        #[arg(long, value_parser = parse_day)]
        from: NaiveDate,
        /// Last day of the period, included (dd/mm/yyyy or YYYY-MM-DD).
        #[arg(long, value_parser = parse_day)]
        to: NaiveDate,
        /// Output: Italian text, JSON, or an Excel workbook (xlsx needs --out); default: xlsx
        /// when --out ends in .xlsx, text otherwise.
        #[arg(long, value_enum)]
        format: Option<FunderFormat>,
        /// Write the report to this file instead of printing it.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The public version: small counts suppressed, no list of sessions.
        #[arg(long)]
        public: bool,
        /// What the breakdowns count: people (default), smes, cooperatives,
        /// people_and_organisations, awards, circles or sessions.
        #[arg(long, value_parser = parse_unit, default_value = "people")]
        unit: Unit,
        /// The day the report is made (dd/mm/yyyy or YYYY-MM-DD); default: today in Europe/Rome.
        #[arg(long, value_parser = parse_day)]
        today: Option<NaiveDate>,
    },
}

/// How `report funder` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FunderFormat {
    /// Italian text.
    Text,
    /// The report as JSON.
    Json,
    /// An Excel workbook (with --out).
    Xlsx,
}

/// A day as `YYYY-MM-DD` or `dd/mm/yyyy`.
fn parse_day(text: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| format!("{text:?} non è una data (gg/mm/aaaa o AAAA-MM-GG; expected a date)"))
}

/// A unit by its wire name.
fn parse_unit(text: &str) -> std::result::Result<Unit, String> {
    Unit::ALL
        .into_iter()
        .find(|u| u.as_str() == text)
        .ok_or_else(|| {
            let names: Vec<&str> = Unit::ALL.iter().map(|u| u.as_str()).collect();
            format!("{text:?} is not a unit (one of {})", names.join(", "))
        })
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
        ReportCommand::Funder {
            program,
            from,
            to,
            format,
            out,
            public,
            unit,
            today,
        } => {
            let period = Period::new(from, to).map_err(|err| CliError::Usage(err.to_string()))?;
            let store = ctx.store().await?;
            let program = store
                .program(&program)
                .await
                .map_err(|err| ctx.db_error(err))?
                .ok_or_else(|| CliError::UnknownProgram(program.clone()))?;
            let facts = store
                .attendance(&program)
                .await
                .map_err(|err| ctx.db_error(err))?;
            let sessions = store
                .turnout(program.id(), period)
                .await
                .map_err(|err| ctx.db_error(err))?;
            let request = FunderRequest {
                period,
                generated: today.unwrap_or_else(today_in_rome),
                audience: if public {
                    Audience::Public
                } else {
                    Audience::Staff
                },
                unit,
            };
            let report = FunderReport::build(&program, &facts, &sessions, request);
            write_funder(&report, format, out.as_deref())
        }
    }
}

/// The funder's report in its format, printed or written to `out`.
fn write_funder(
    report: &FunderReport,
    format: Option<FunderFormat>,
    out: Option<&Path>,
) -> Result<String> {
    let by_name = out
        .and_then(|p| p.extension())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let format = format.unwrap_or(if by_name {
        FunderFormat::Xlsx
    } else {
        FunderFormat::Text
    });
    let bytes = match format {
        FunderFormat::Text => report.text_it().into_bytes(),
        FunderFormat::Json => (serde_json::to_string_pretty(report)? + "\n").into_bytes(),
        FunderFormat::Xlsx => report
            .xlsx()
            .map_err(|err| CliError::Input(err.to_string()))?,
    };
    let Some(path) = out else {
        if format == FunderFormat::Xlsx {
            return Err(CliError::Usage(
                "--format xlsx scrive un file: indicare --out FILE.xlsx (an Excel workbook needs --out)"
                    .to_owned(),
            ));
        }
        return String::from_utf8(bytes).map_err(|err| CliError::Input(err.to_string()));
    };
    std::fs::write(path, &bytes).map_err(|source| CliError::Write {
        path: path.to_owned(),
        source,
    })?;
    Ok(format!(
        "Relazione scritta in {} ({} byte).\n",
        path.display(),
        bytes.len()
    ))
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

    /// A session in Madrid on 12 March 2019 with one person registered and marked present, in
    /// the database of `ctx`.
    async fn one_attended_in_madrid(ctx: &Context) {
        use skillhub_core::capacity::{Presence, Tier};
        use skillhub_store::RegisterRequest;

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
    }

    #[tokio::test]
    async fn without_a_file_the_database_attendance_counts() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(&dir);
        one_attended_in_madrid(&ctx).await;
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

    /// `report funder` on the database of `dir` for March 2019, made on 1 April 2019.
    async fn funder(
        dir: &tempfile::TempDir,
        format: Option<FunderFormat>,
        out: Option<PathBuf>,
        public: bool,
    ) -> Result<String> {
        let ctx = context(dir);
        let day = |m, d| NaiveDate::from_ymd_opt(2019, m, d).unwrap();
        let out = run(
            &ctx,
            ReportCommand::Funder {
                program: "community-skill-hubs".to_owned(),
                from: day(3, 1),
                to: day(3, 31),
                format,
                out,
                public,
                unit: Unit::People,
                today: Some(day(4, 1)),
            },
        )
        .await;
        ctx.close().await;
        out
    }

    #[tokio::test]
    async fn funder_report_as_text_json_and_a_workbook() {
        use calamine::{Data, Reader, Xlsx};

        let dir = tempfile::tempdir().unwrap();
        let ctx = context(&dir);
        one_attended_in_madrid(&ctx).await;
        ctx.close().await;

        let staff = funder(&dir, None, None, false).await.unwrap();
        assert!(
            staff.contains("Periodo: dal 01/03/2019 al 31/03/2019"),
            "{staff}"
        );
        assert!(staff.contains("Versione riservata"), "{staff}");
        assert!(staff.contains("- Community Skill Hub España: 1 incontro, 10 posti, 1 presenti, 0 assenti (tasso di assenza 0,0 %)"), "{staff}");
        let public = funder(&dir, None, None, true).await.unwrap();
        assert!(
            public
                .contains("- Genere: donne 0; uomini 0; persone non binarie 0; non dichiarato <5."),
            "{public}"
        );
        assert!(!public.contains("Incontri svolti"), "{public}");
        let json = funder(&dir, Some(FunderFormat::Json), None, true)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["audience"], "public");
        assert_eq!(
            json["breakdowns"][0]["total"],
            serde_json::json!({"shown": "small"})
        );

        // An .xlsx name is enough to say the format; read it back as a spreadsheet does.
        let path = dir.path().join("relazione.xlsx");
        let said = funder(&dir, None, Some(path.clone()), false).await.unwrap();
        assert!(said.starts_with("Relazione scritta in "), "{said}");
        let mut workbook: Xlsx<_> = calamine::open_workbook(&path).unwrap();
        assert_eq!(
            workbook.sheet_names(),
            [
                "Obiettivi",
                "Ripartizioni",
                "Hub",
                "Sessioni",
                "Ipotesi e note"
            ]
        );
        let sessions = workbook.worksheet_range("Sessioni").unwrap();
        assert_eq!(
            sessions.get((1, 1)),
            Some(&Data::String("csh-madrid-1".into()))
        );
        assert_eq!(sessions.get((1, 5)), Some(&Data::Float(1.0)));
        let targets = workbook.worksheet_range("Obiettivi").unwrap();
        assert_eq!(targets.get((2, 0)), Some(&Data::String("people".into())));
        assert_eq!(targets.get((2, 5)), Some(&Data::Float(1.0)));

        // A workbook is a file: without --out it is refused, and so is a period backwards.
        let err = funder(&dir, Some(FunderFormat::Xlsx), None, false)
            .await
            .unwrap_err();
        assert!(matches!(err, CliError::Usage(_)), "{err}");
        let ctx = context(&dir);
        let err = run(
            &ctx,
            ReportCommand::Funder {
                program: "community-skill-hubs".to_owned(),
                from: NaiveDate::from_ymd_opt(2019, 3, 31).unwrap(),
                to: NaiveDate::from_ymd_opt(2019, 3, 1).unwrap(),
                format: None,
                out: None,
                public: false,
                unit: Unit::People,
                today: None,
            },
        )
        .await
        .unwrap_err();
        ctx.close().await;
        assert!(
            err.to_string()
                .starts_with("il periodo inizia il 31/03/2019"),
            "{err}"
        );
        assert_eq!(
            parse_day("12/03/2019"),
            Ok(NaiveDate::from_ymd_opt(2019, 3, 12).unwrap())
        );
        assert!(parse_unit("smes").is_ok() && parse_unit("nope").is_err());
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
