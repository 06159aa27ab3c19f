//! What the CLI prints: JSON wire shapes (`--json`) and Italian text. Converted from core types
//! here, so core types are never the output format.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use skillhub_core::eligibility::{Context, Eligibility};
use skillhub_core::italian;
use skillhub_core::person::Person;
use skillhub_core::program::{DateWindow, Program};
use skillhub_core::session::Session;
use skillhub_import::csv::ItalianWriter;

use crate::error::{CliError, Result};

/// Rows as a spreadsheet for Italian Excel (`;`, UTF-8 with BOM, CRLF), as text to print.
pub fn italian_csv<R, C>(rows: impl IntoIterator<Item = R>) -> Result<String>
where
    R: IntoIterator<Item = C>,
    C: AsRef<[u8]>,
{
    let io = |source| CliError::Write {
        path: PathBuf::from("-"),
        source,
    };
    let mut writer = ItalianWriter::new(Vec::new()).map_err(io)?;
    for row in rows {
        writer.row(row).map_err(io)?;
    }
    let bytes = writer.finish().map_err(io)?;
    String::from_utf8(bytes).map_err(|e| io(std::io::Error::other(e)))
}

/// Pretty JSON with a final newline.
pub fn json<T: Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `{"programs": [...]}`.
#[derive(Debug, Serialize)]
pub struct ProgramList<'a> {
    programs: Vec<ProgramSummary<'a>>,
}

#[derive(Debug, Serialize)]
struct ProgramSummary<'a> {
    id: &'a str,
    name: &'a str,
    source: &'a str,
    countries: Vec<&'a str>,
    window: DateWindow,
    hubs: usize,
    sessions: usize,
}

impl<'a> ProgramSummary<'a> {
    fn new(p: &'a Program) -> Self {
        ProgramSummary {
            id: p.id().as_str(),
            name: p.name(),
            source: p.source(),
            countries: p.countries().iter().map(|c| c.as_str()).collect(),
            window: p.window(),
            hubs: p.hubs().len(),
            sessions: p.sessions().len(),
        }
    }
}

impl<'a> ProgramList<'a> {
    /// All programs.
    pub fn new(programs: &'a [Program]) -> Self {
        ProgramList {
            programs: programs.iter().map(ProgramSummary::new).collect(),
        }
    }
}

fn window_text(window: DateWindow) -> String {
    match window.until {
        Some(until) => format!(
            "dal {} al {}",
            italian::short_date(window.from),
            italian::short_date(until)
        ),
        None => format!("dal {}", italian::short_date(window.from)),
    }
}

/// One line per program.
pub fn programs_text(programs: &[Program]) -> String {
    let width = programs
        .iter()
        .map(|p| p.id().as_str().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for p in programs {
        let countries: Vec<&str> = p.countries().iter().map(|c| c.as_str()).collect();
        let _ = writeln!(
            out,
            "{:width$}  {} ({}; {}; {}, {})",
            p.id().as_str(),
            p.name(),
            countries.join(", "),
            window_text(p.window()),
            count(p.hubs().len(), "sede", "sedi"),
            count(p.sessions().len(), "incontro", "incontri"),
        );
    }
    out
}

/// `1 sede`, `3 sedi`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The whole program.
#[derive(Debug, Serialize)]
pub struct ProgramDetail<'a> {
    #[serde(flatten)]
    summary: ProgramSummary<'a>,
    summary_it: &'a str,
    zone: &'a str,
    sponsors: &'a [String],
    partners: &'a [skillhub_core::program::Partner],
    regions: &'a [skillhub_core::ids::Tag],
    audiences: &'a [skillhub_core::program::Audience],
    targets: &'a [skillhub_core::program::Target],
    budget: Option<&'a skillhub_core::program::Budget>,
    grant_call: Option<&'a skillhub_core::program::GrantCallInfo>,
    eligibility: Option<&'a skillhub_core::eligibility::Rule>,
    priority: &'a [skillhub_core::program::PriorityTier],
    milestones: &'a [skillhub_core::program::Milestone],
    trainer_pool: Option<u32>,
    hub_list: Vec<HubWire<'a>>,
}

#[derive(Debug, Serialize)]
struct HubWire<'a> {
    id: &'a str,
    name: &'a str,
    zone: &'a str,
    address: String,
    organisers: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    partner: Option<&'a str>,
}

impl<'a> ProgramDetail<'a> {
    /// One program.
    pub fn new(p: &'a Program) -> Self {
        ProgramDetail {
            summary: ProgramSummary::new(p),
            summary_it: p.summary_it(),
            zone: p.zone().name(),
            sponsors: p.sponsors(),
            partners: p.partners(),
            regions: p.regions(),
            audiences: p.audiences(),
            targets: p.targets(),
            budget: p.budget(),
            grant_call: p.grant_call(),
            eligibility: p.eligibility(),
            priority: p.priority(),
            milestones: p.milestones(),
            trainer_pool: p.trainer_pool(),
            hub_list: p
                .hubs()
                .iter()
                .map(|h| HubWire {
                    id: h.id.as_str(),
                    name: &h.name,
                    zone: h.zone.name(),
                    address: h.address.one_line(),
                    organisers: &h.organisers,
                    partner: h.partner.as_ref().map(|p| p.as_str()),
                })
                .collect(),
        }
    }
}

/// The program in Italian, for a person.
pub fn program_text(p: &Program) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} [{}]", p.name(), p.id());
    let _ = writeln!(out, "{}", p.summary_it());
    let _ = writeln!(out, "Periodo: {}", window_text(p.window()));
    let countries: Vec<&str> = p.countries().iter().map(|c| c.name_it()).collect();
    let _ = writeln!(out, "Paesi: {}", countries.join(", "));
    if !p.sponsors().is_empty() {
        let _ = writeln!(out, "Promotori: {}", p.sponsors().join(", "));
    }
    for partner in p.partners() {
        let role = partner
            .role
            .as_ref()
            .map(|role| format!(" — {role}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "Partner: {} ({}){role}",
            partner.name,
            partner.kind.name_it()
        );
    }
    if let Some(budget) = p.budget() {
        let _ = writeln!(out, "Fondo: {} ({})", budget.total, budget.funder);
    }
    match p.eligibility() {
        Some(rule) => {
            let _ = writeln!(out, "Requisiti: {}", rule.describe().it());
        }
        None => {
            let _ = writeln!(out, "Requisiti: aperto a tutti");
        }
    }
    for (i, tier) in p.priority().iter().enumerate() {
        let _ = writeln!(out, "Priorità {}: {}", i + 1, tier.name_it);
    }
    for target in p.targets() {
        let _ = writeln!(
            out,
            "Obiettivo: {} {}{}",
            italian::thousands(target.goal),
            target.label_it,
            target
                .deadline
                .map(|d| format!(" entro il {}", italian::short_date(d)))
                .unwrap_or_default()
        );
    }
    for milestone in p.milestones() {
        let _ = writeln!(
            out,
            "Tappa: {} ({})",
            milestone.name_it,
            window_text(milestone.window)
        );
    }
    if let Some(pool) = p.trainer_pool() {
        let _ = writeln!(out, "Formatori disponibili: {pool}");
    }
    for hub in p.hubs() {
        let _ = writeln!(
            out,
            "Sede: {} [{}], {} ({})",
            hub.name,
            hub.id,
            hub.address.one_line(),
            hub.zone
        );
        if !hub.organisers.is_empty() {
            let _ = writeln!(out, "  referenti: {}", hub.organisers.join(", "));
        }
    }
    let _ = writeln!(out, "Incontri: {}", p.sessions().len());
    out
}

/// `{"sessions": [...]}`.
#[derive(Debug, Serialize)]
pub struct SessionList<'a> {
    sessions: Vec<SessionWire<'a>>,
}

#[derive(Debug, Serialize)]
struct SessionWire<'a> {
    id: &'a str,
    program_id: &'a str,
    hub_id: Option<&'a str>,
    title: &'a str,
    starts_at: String,
    ends_at: String,
    zone: &'a str,
    local_start: String,
    local_end: String,
    mode: &'static str,
    level: Option<LevelWire>,
    capacity: u32,
}

#[derive(Debug, Serialize)]
struct LevelWire {
    min: u8,
    max: u8,
}

impl<'a> SessionList<'a> {
    /// A program's sessions.
    pub fn new(p: &'a Program) -> Self {
        SessionList {
            sessions: p.sessions().iter().map(SessionWire::new).collect(),
        }
    }
}

impl<'a> SessionWire<'a> {
    fn new(s: &'a Session) -> Self {
        SessionWire {
            id: s.id().as_str(),
            program_id: s.program().as_str(),
            hub_id: s.hub().map(|h| h.as_str()),
            title: s.title(),
            starts_at: rfc3339(s.starts_at()),
            ends_at: rfc3339(s.ends_at()),
            zone: s.zone().name(),
            local_start: s.local_start().format("%Y-%m-%dT%H:%M").to_string(),
            local_end: s.local_end().format("%Y-%m-%dT%H:%M").to_string(),
            mode: s.mode().as_str(),
            level: s.level().map(|l| LevelWire {
                min: l.min().get(),
                max: l.max().get(),
            }),
            capacity: s.seats().total(),
        }
    }
}

/// One line per session, in Italian.
pub fn sessions_text(p: &Program) -> String {
    let mut out = String::new();
    if p.sessions().is_empty() {
        let _ = writeln!(out, "Nessun incontro in calendario per {}.", p.name());
    }
    for s in p.sessions() {
        let place = s
            .hub()
            .and_then(|id| p.hub(id))
            .map_or("online".to_owned(), |h| h.name.clone());
        let level = s
            .level()
            .map(|l| format!(", livello {}–{}", l.min(), l.max()))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}  {}  ({}, {}, {} posti{level}) [{}]",
            italian::span(s.local_start(), s.local_end()),
            s.title(),
            place,
            s.mode().it(),
            s.seats().total(),
            s.id(),
        );
    }
    out
}

/// The answer to `eligibility check`.
#[derive(Debug, Serialize)]
pub struct Verdict<'a> {
    program_id: &'a str,
    email: &'a str,
    on: chrono::NaiveDate,
    #[serde(flatten)]
    eligibility: Eligibility,
    priority_tier: Option<PriorityWire<'a>>,
}

#[derive(Debug, Serialize)]
struct PriorityWire<'a> {
    rank: usize,
    name_it: &'a str,
    name_en: &'a str,
}

impl<'a> Verdict<'a> {
    /// Evaluates the program's rules for the person on the context's day.
    pub fn new(program: &'a Program, person: &'a Person, ctx: Context) -> Self {
        let eligibility = program.eligibility_of(&person.attributes, &ctx);
        let priority_tier =
            program
                .priority_tier_of(&person.attributes, &ctx)
                .map(|(rank, tier)| PriorityWire {
                    rank: rank + 1,
                    name_it: &tier.name_it,
                    name_en: &tier.name_en,
                });
        Verdict {
            program_id: program.id().as_str(),
            email: person.email.as_str(),
            on: ctx.on,
            eligibility,
            priority_tier,
        }
    }

    /// In Italian, with the English below.
    pub fn text(&self) -> String {
        let mut out = String::new();
        match &self.eligibility {
            Eligibility::Eligible => {
                let _ = writeln!(
                    out,
                    "Idoneo: {} può iscriversi a {}.",
                    self.email, self.program_id
                );
                let _ = writeln!(
                    out,
                    "Eligible: {} may register for {}.",
                    self.email, self.program_id
                );
            }
            Eligibility::Ineligible(reasons) => {
                let _ = writeln!(
                    out,
                    "Non idoneo: {} non può iscriversi a {}.",
                    self.email, self.program_id
                );
                for reason in reasons {
                    let _ = writeln!(out, "- {}", reason.it());
                }
                let _ = writeln!(
                    out,
                    "Not eligible: {} may not register for {}.",
                    self.email, self.program_id
                );
                for reason in reasons {
                    let _ = writeln!(out, "- {}", reason.en());
                }
            }
        }
        if let Some(tier) = &self.priority_tier {
            let _ = writeln!(out, "Priorità {}: {}", tier.rank, tier.name_it);
        }
        out
    }
}
