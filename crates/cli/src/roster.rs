//! `skillhub roster`: who teaches which session, and which sessions stay uncovered and why.
//!
//! Until the store holds trainers, this runs on the generated #milanodigitale fixture
//! (`skillhub_core::roster::milano`): its 200 trainers and a year of labs from the pilot week in
//! Milano Digital Week (11–15 March 2020, the default range) to 14 March 2021. The rules and the
//! algorithm are in `skillhub_core::roster`; this module picks the sessions, calls it, prints.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use skillhub_core::fixture::Catalog;
use skillhub_core::italian;
use skillhub_core::program::Program;
use skillhub_core::roster::{
    Optimality, Place, Roster, RosterProblem, RosterSession, Rules, Trainer, file, milano,
};
use skillhub_import::csv::ItalianWriter;

use crate::error::{CliError, Result};

/// Sessions in the generated year (the pilot week included).
const YEAR_SESSIONS: usize = 2_000;

/// `skillhub roster --program milano-digitale [--from DATE --to DATE] [--json | --csv]`
#[derive(Debug, clap::Args)]
pub struct RosterArgs {
    /// The program's id. Only `milano-digitale` has trainers (200, generated from --seed).
    #[arg(long)]
    pub program: String,
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
    /// The seed of the generated trainers and sessions.
    #[arg(long, default_value_t = milano::SEED)]
    pub seed: u64,
    /// Print the trainers as the TOML of fixtures/trainers/milano-digitale.toml instead.
    #[arg(long, conflicts_with_all = ["json", "csv", "from", "to"])]
    pub trainers_toml: bool,
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
    if program.id().as_str() != "milano-digitale" {
        return Err(CliError::Usage(format!(
            "{} has no trainers to roster: only milano-digitale has them (generated) for now",
            program.id()
        )));
    }
    if args.trainers_toml {
        let header = milano::FILE_HEADER.replace("(2020)", &format!("({})", args.seed));
        return Ok(file::trainers_toml(
            &milano::milano_trainers(args.seed),
            &header,
        ));
    }
    let pilot = program.milestones().first().map(|m| m.window);
    let from = args.from.or(pilot.map(|w| w.from));
    let to = args.to.or(pilot.and_then(|w| w.until));
    let (Some(from), Some(to)) = (from, to) else {
        return Err(CliError::Usage("give --from and --to".to_owned()));
    };
    if to < from {
        return Err(CliError::Usage(format!(
            "--to {to} is before --from {from}"
        )));
    }
    let (trainers, sessions) = milano::milano_year(args.seed, YEAR_SESSIONS);
    let sessions: Vec<RosterSession> = sessions
        .into_iter()
        .filter(|s| (from..=to).contains(&s.local_start().date()))
        .collect();
    let rules = Rules {
        travel_minutes: args.travel_minutes,
        ..Rules::default()
    };
    let problem = RosterProblem::new(trainers, sessions, rules)
        .map_err(|err| CliError::Input(err.to_string()))?;
    let roster = problem.solve();
    let view = View {
        program,
        problem: &problem,
        roster: &roster,
        from,
        to,
        seed: args.seed,
    };
    if args.json {
        Ok(serde_json::to_string_pretty(&view.wire())? + "\n")
    } else if args.csv {
        view.csv()
    } else {
        Ok(view.text())
    }
}

struct View<'a> {
    program: &'a Program,
    problem: &'a RosterProblem,
    roster: &'a Roster,
    from: NaiveDate,
    to: NaiveDate,
    seed: u64,
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn plural<'a>(n: u32, one: &'a str, many: &'a str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn optimality_it(optimality: Optimality) -> &'static str {
    match optimality {
        Optimality::Proven => "turni ottimali (dimostrato con ricerca esatta)",
        Optimality::CoverageAndLoadProven => {
            "copertura e carico massimo ottimali (dimostrato); preferenza per il proprio Municipio euristica"
        }
        Optimality::CoverageProven => {
            "copertura ottimale (dimostrato); carico e preferenza per il proprio Municipio euristici"
        }
        _ => "turni validi, non dimostrati ottimali",
    }
}

impl View<'_> {
    fn place_name(&self, place: &Place) -> String {
        place
            .hub()
            .and_then(|hub| self.program.hub(hub))
            .map_or_else(|| place.name(), |hub| hub.name.clone())
    }

    fn trainer(&self, id: &skillhub_core::ids::TrainerId) -> Option<&Trainer> {
        self.problem
            .trainer_index(id)
            .map(|i| &self.problem.trainers()[i])
    }

    fn names(&self, session: &RosterSession) -> Vec<String> {
        self.roster
            .trainers_of(session.id())
            .map(|id| match self.trainer(id) {
                Some(t) => format!("{} ({id})", t.name()),
                None => id.to_string(),
            })
            .collect()
    }

    fn text(&self) -> String {
        let s = &self.roster.summary;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Turni dei formatori — {}, dal {} al {} (formatori e incontri generati, seme {})",
            self.program.name(),
            italian::short_date(self.from),
            italian::short_date(self.to),
            self.seed
        );
        let _ = writeln!(
            out,
            "{}, {} necessari: {} assegnati (al massimo {}), {} con tutti i formatori.",
            plural(s.sessions, "incontro", "incontri"),
            plural(s.slots_needed, "formatore", "formatori"),
            s.slots_filled,
            s.slots_bound,
            s.sessions_covered
        );
        let _ = writeln!(
            out,
            "Carico massimo: {} a formatore (non meno di {}); {} fuori dal proprio Municipio.",
            plural(s.max_load, "incontro", "incontri"),
            s.max_load_bound,
            plural(s.away, "incontro in presenza", "incontri in presenza")
        );
        let _ = writeln!(out, "Esito: {}.", optimality_it(s.optimality));
        let _ = writeln!(out);
        for session in self.problem.sessions() {
            let names = self.names(session);
            let missing = usize::from(session.trainers_needed()).saturating_sub(names.len());
            let _ = writeln!(
                out,
                "{}  {}  [{}]  {}{}",
                italian::span(session.local_start(), session.local_end()),
                self.place_name(session.place()),
                session.id(),
                if names.is_empty() {
                    "—".to_owned()
                } else {
                    names.join(", ")
                },
                if missing == 1 {
                    "  (ne manca 1)".to_owned()
                } else if missing > 1 {
                    format!("  (ne mancano {missing})")
                } else {
                    String::new()
                }
            );
        }
        if !self.roster.uncovered.is_empty() {
            let _ = writeln!(out, "\nIncontri scoperti:");
            for u in &self.roster.uncovered {
                let _ = writeln!(out, "- [{}] {}", u.session, u.it());
            }
        }
        out
    }

    fn csv(&self) -> Result<String> {
        let io = |source| CliError::Write {
            path: PathBuf::from("-"),
            source,
        };
        let mut writer = ItalianWriter::new(Vec::new()).map_err(io)?;
        writer
            .row([
                "data",
                "inizio",
                "fine",
                "sede",
                "modalita",
                "incontro",
                "competenze",
                "livello",
                "formatori_necessari",
                "formatori_assegnati",
                "formatori",
                "motivo_scopertura",
            ])
            .map_err(io)?;
        for session in self.problem.sessions() {
            let names = self.names(session);
            let competences: Vec<String> = session
                .competences()
                .iter()
                .map(|c| format!("{} {}", c.id(), c.it()))
                .collect();
            let reason = self
                .roster
                .uncovered
                .iter()
                .find(|u| &u.session == session.id())
                .map(|u| u.reason_it())
                .unwrap_or_default();
            let mode = match session.place() {
                Place::Online => "online",
                Place::Hub(_) => "in presenza",
            };
            writer
                .row([
                    italian::short_date(session.local_start().date()),
                    italian::clock(session.local_start()),
                    italian::clock(session.local_end()),
                    self.place_name(session.place()),
                    mode.to_owned(),
                    session.id().to_string(),
                    competences.join(", "),
                    session.level().to_string(),
                    session.trainers_needed().to_string(),
                    names.len().to_string(),
                    names.join(", "),
                    reason,
                ])
                .map_err(io)?;
        }
        let bytes = writer.finish().map_err(io)?;
        String::from_utf8(bytes).map_err(|e| io(std::io::Error::other(e)))
    }

    fn wire(&self) -> RosterWire<'_> {
        let s = &self.roster.summary;
        RosterWire {
            program_id: self.program.id().as_str(),
            from: self.from,
            to: self.to,
            seed: self.seed,
            travel_minutes: self.problem.rules().travel_minutes,
            summary: SummaryWire {
                sessions: s.sessions,
                sessions_covered: s.sessions_covered,
                slots_needed: s.slots_needed,
                slots_filled: s.slots_filled,
                slots_bound: s.slots_bound,
                max_load: s.max_load,
                max_load_bound: s.max_load_bound,
                away: s.away,
                optimality: match s.optimality {
                    Optimality::Proven => "proven",
                    Optimality::CoverageAndLoadProven => "coverage_and_load_proven",
                    Optimality::CoverageProven => "coverage_proven",
                    _ => "unproven",
                },
            },
            sessions: self
                .problem
                .sessions()
                .iter()
                .map(|session| SessionWire {
                    id: session.id().as_str(),
                    place: session.place().to_string(),
                    place_name: self.place_name(session.place()),
                    local_start: session.local_start().format("%Y-%m-%dT%H:%M").to_string(),
                    local_end: session.local_end().format("%Y-%m-%dT%H:%M").to_string(),
                    starts_at: rfc3339(session.starts_at()),
                    ends_at: rfc3339(session.ends_at()),
                    competences: session.competences().iter().map(|c| c.id()).collect(),
                    level: session.level().get(),
                    trainers_needed: session.trainers_needed(),
                    trainers: self
                        .roster
                        .trainers_of(session.id())
                        .map(|id| TrainerWire {
                            id: id.as_str(),
                            name: self.trainer(id).map_or("", Trainer::name),
                        })
                        .collect(),
                })
                .collect(),
            uncovered: self
                .roster
                .uncovered
                .iter()
                .map(|u| UncoveredWire {
                    session: u.session.as_str(),
                    needed: u.needed,
                    assigned: u.assigned,
                    reason: serde_json::to_value(u.shortfall).unwrap_or_default(),
                    it: u.it(),
                    en: u.en(),
                })
                .collect(),
            loads: self
                .roster
                .loads
                .iter()
                .map(|l| LoadWire {
                    trainer: l.trainer.as_str(),
                    sessions: l.sessions,
                    at_home: l.at_home,
                    away: l.away,
                    online: l.online,
                })
                .collect(),
        }
    }
}

/// `--json`.
#[derive(Debug, Serialize)]
struct RosterWire<'a> {
    program_id: &'a str,
    from: NaiveDate,
    to: NaiveDate,
    seed: u64,
    travel_minutes: u32,
    summary: SummaryWire,
    sessions: Vec<SessionWire<'a>>,
    uncovered: Vec<UncoveredWire<'a>>,
    loads: Vec<LoadWire<'a>>,
}

#[derive(Debug, Serialize)]
struct SummaryWire {
    sessions: u32,
    sessions_covered: u32,
    slots_needed: u32,
    slots_filled: u32,
    slots_bound: u32,
    max_load: u32,
    max_load_bound: u32,
    away: u32,
    optimality: &'static str,
}

#[derive(Debug, Serialize)]
struct SessionWire<'a> {
    id: &'a str,
    place: String,
    place_name: String,
    local_start: String,
    local_end: String,
    starts_at: String,
    ends_at: String,
    competences: Vec<&'static str>,
    level: u8,
    trainers_needed: u8,
    trainers: Vec<TrainerWire<'a>>,
}

#[derive(Debug, Serialize)]
struct TrainerWire<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Debug, Serialize)]
struct UncoveredWire<'a> {
    session: &'a str,
    needed: u8,
    assigned: u8,
    reason: serde_json::Value,
    it: String,
    en: String,
}

#[derive(Debug, Serialize)]
struct LoadWire<'a> {
    trainer: &'a str,
    sessions: u32,
    at_home: u32,
    away: u32,
    online: u32,
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
    fn trainers_toml_is_the_fixture() {
        let toml = run(args(&["--trainers-toml"])).unwrap();
        assert_eq!(
            toml,
            include_str!("../../../fixtures/trainers/milano-digitale.toml")
        );
    }
}
