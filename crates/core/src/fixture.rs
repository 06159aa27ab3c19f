//! Programs as data: the TOML format of `fixtures/programs/*.toml`, its validation, and the six
//! seed programs compiled into the library.
//!
//! Validation collects every problem, each with the JSON pointer of the field it is about
//! (`/sessions/3/end`), so that an operator fixes a file in one pass; a syntax error carries the
//! line and column instead. The caller adds the file name (core does no IO).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Duration, NaiveDate, NaiveTime};
use serde::{Deserialize, Deserializer};

use crate::capacity::{SeatKind, Seats};
use crate::digcomp::{Competence, LevelRange};
use crate::eligibility::Rule;
use crate::hub::Hub;
use crate::ids::{HubId, ProgramId, RoomId, SessionId, Tag, TrainerId};
use crate::lang::Lang;
use crate::partner::{Contact, FiscalCode, Partner, PartnerKind, Phone, VatNumber, id_from_name};
use crate::person::Country;
use crate::person::Email;
use crate::program::{
    Audience, Budget, DateWindow, EmailConfirmation, GrantCallInfo, Milestone, PriorityTier,
    Program, Target, non_empty,
};
use crate::reminder::Reminders;
use crate::session::{Ambiguity, Mode, Session, SessionSpec};
use crate::settings::{CodiceFiscaleRule, Languages, Settings, WindowDefaults};
use crate::tz::Zone;

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON pointer of the field, e.g. `/sessions/3/end`.
    pub pointer: String,
    /// What is wrong, in the user's terms.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Why a program file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProgramError {
    /// The TOML does not parse or does not have the expected shape.
    #[error("{line}:{column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// The file parses but breaks rules; every problem found is listed.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FieldError>),
}

/// A program as written in a fixture, before validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
    id: ProgramId,
    name: String,
    summary_it: String,
    source: String,
    /// The program's zone; also `[settings] zone` (one of the two).
    zone: Option<Zone>,
    #[serde(default)]
    sponsors: Vec<String>,
    #[serde(default)]
    partners: Vec<RawPartner>,
    #[serde(deserialize_with = "non_empty")]
    countries: Vec<Country>,
    #[serde(default)]
    regions: Vec<Tag>,
    window: DateWindow,
    #[serde(deserialize_with = "non_empty")]
    audiences: Vec<Audience>,
    #[serde(default)]
    targets: Vec<Target>,
    /// What the program's definition assumes beyond its seed (dates, rules), in Italian.
    #[serde(default)]
    assumptions: Vec<String>,
    budget: Option<Budget>,
    grant_call: Option<GrantCallInfo>,
    eligibility: Option<Rule>,
    #[serde(default)]
    priority: Vec<PriorityTier>,
    #[serde(default)]
    milestones: Vec<Milestone>,
    trainer_pool: Option<u32>,
    #[serde(default)]
    hubs: Vec<Hub>,
    #[serde(default)]
    sessions: Vec<RawSession>,
    /// Hours before a session's start; absent: 48 and 2. Also `[settings] reminders`.
    reminders: Option<Vec<i64>>,
    /// Also `[settings] email_confirmation`.
    email_confirmation: Option<EmailConfirmation>,
    /// Also `[settings] hold_minutes`.
    hold_minutes: Option<i64>,
    settings: Option<RawSettings>,
}

/// `[settings]`: every field optional (see [`crate::settings`] for the defaults).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    zone: Option<Zone>,
    registration: Option<RawRegistration>,
    reminders: Option<Vec<i64>>,
    email_confirmation: Option<EmailConfirmation>,
    hold_minutes: Option<i64>,
    languages: Option<Vec<Lang>>,
    funder_line: Option<String>,
    codice_fiscale: Option<CodiceFiscaleRule>,
}

/// `[settings.registration]`: the window of a session created without one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistration {
    opens_days_before: Option<i64>,
    #[serde(default)]
    closes_hours_before: i64,
}

/// A partner as written: `{ id, name, kind, role?, partita_iva?, codice_fiscale?, contact? }`, or
/// the old `{ name, role }` of files written before partners were organisations (still read:
/// stored definitions are parsed again), which becomes a partner of kind `other` whose id is
/// made from its name ([`crate::partner::id_from_name`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPartner {
    id: Option<Tag>,
    name: String,
    kind: Option<PartnerKind>,
    role: Option<String>,
    partita_iva: Option<String>,
    codice_fiscale: Option<String>,
    contact: Option<RawContact>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    email: String,
    phone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSession {
    id: SessionId,
    hub: Option<HubId>,
    room: Option<RoomId>,
    title: String,
    #[serde(default)]
    competences: Vec<Competence>,
    level: Option<LevelRange>,
    mode: Mode,
    seats: Seats,
    #[serde(default)]
    trainers: Vec<TrainerId>,
    date: NaiveDate,
    #[serde(deserialize_with = "clock_time")]
    start: NaiveTime,
    #[serde(deserialize_with = "clock_time")]
    end: NaiveTime,
}

/// `"09:30"` → 09:30.
fn clock_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveTime, D::Error> {
    let text = String::deserialize(deserializer)?;
    NaiveTime::parse_from_str(&text, "%H:%M")
        .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a time (expected HH:MM)")))
}

/// Collects field errors under JSON pointers.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            pointer: pointer.into(),
            message: message.into(),
        });
    }
}

/// Parses and validates one program file.
///
/// ```
/// use skillhub_core::fixture::{parse_program, SEED_PROGRAMS};
/// let (_, binario_f) = SEED_PROGRAMS.iter().find(|(name, _)| *name == "binario-f.toml").unwrap();
/// let program = parse_program(binario_f).unwrap();
/// assert_eq!(program.sessions().len(), 15);
/// ```
pub fn parse_program(text: &str) -> Result<Program, ProgramError> {
    let raw: RawProgram = toml::from_str(text).map_err(|err| syntax_error(text, &err))?;
    validate(raw)
}

/// Parses and validates one program written in JSON: the same document as the TOML format
/// (the same fields, dates and times as strings), with the same checks and the same JSON
/// pointers; a syntax error carries the JSON's line and column.
///
/// ```
/// use skillhub_core::fixture::{parse_program, parse_program_json, SEED_PROGRAMS};
/// let (_, text) = SEED_PROGRAMS.iter().find(|(name, _)| *name == "binario-f.toml").unwrap();
/// let value: toml::Value = toml::from_str(text).unwrap();
/// let json = serde_json::to_string(&value).unwrap();
/// assert_eq!(parse_program_json(&json).unwrap(), parse_program(text).unwrap());
/// ```
pub fn parse_program_json(text: &str) -> Result<Program, ProgramError> {
    let raw: RawProgram = serde_json::from_str(text).map_err(|err| {
        let full = err.to_string();
        // serde_json's text ends with " at line L column C", which the fields carry.
        let message = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(message, _)| message);
        ProgramError::Syntax {
            line: err.line().max(1),
            column: err.column().max(1),
            message: message.to_owned(),
        }
    })?;
    validate(raw)
}

fn syntax_error(text: &str, err: &toml::de::Error) -> ProgramError {
    let offset = err.span().map_or(0, |span| span.start).min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    ProgramError::Syntax {
        line,
        column,
        message: err.message().to_owned(),
    }
}

fn validate(raw: RawProgram) -> Result<Program, ProgramError> {
    let mut problems = Problems::default();
    if raw.name.trim().is_empty() {
        problems.add("/name", "the name must not be empty");
    }
    if raw
        .window
        .until
        .is_some_and(|until| until < raw.window.from)
    {
        problems.add("/window/until", "the program ends before it starts");
    }
    check_targets(&raw.targets, &mut problems);
    let partners = partners(raw.partners, &mut problems);
    for (i, hub) in raw.hubs.iter().enumerate() {
        if let Some(id) = &hub.partner
            && !partners.iter().any(|p| &p.id == id)
        {
            problems.add(
                format!("/hubs/{i}/partner"),
                format!("the program has no partner \"{id}\" (its `partners` name none)"),
            );
        }
    }
    let settings = settings(
        raw.settings.unwrap_or_default(),
        TopLevel {
            zone: raw.zone,
            reminders: raw.reminders,
            email_confirmation: raw.email_confirmation,
            hold_minutes: raw.hold_minutes,
        },
        &mut problems,
    );
    check_unique(
        raw.hubs.iter().map(|h| h.id.as_str()),
        "/hubs",
        "hub",
        &mut problems,
    );
    check_unique(
        raw.sessions.iter().map(|s| s.id.as_str()),
        "/sessions",
        "session",
        &mut problems,
    );
    for (i, hub) in raw.hubs.iter().enumerate() {
        check_unique(
            hub.rooms.iter().map(|r| r.id.as_str()),
            &format!("/hubs/{i}/rooms"),
            "room",
            &mut problems,
        );
    }
    let mut sessions = Vec::with_capacity(raw.sessions.len());
    for (i, session) in raw.sessions.into_iter().enumerate() {
        if let Some(built) = build_session(
            &raw.id,
            settings.zone(),
            &raw.hubs,
            raw.window,
            i,
            session,
            &mut problems,
        ) {
            sessions.push(built);
        }
    }
    if !problems.0.is_empty() {
        return Err(ProgramError::Invalid(problems.0));
    }
    sessions.sort_by(|a, b| (a.starts_at(), a.id()).cmp(&(b.starts_at(), b.id())));
    Ok(Program {
        id: raw.id,
        name: raw.name,
        summary_it: raw.summary_it,
        source: raw.source,
        sponsors: raw.sponsors,
        partners,
        countries: raw.countries,
        regions: raw.regions,
        window: raw.window,
        audiences: raw.audiences,
        targets: raw.targets,
        assumptions: raw.assumptions,
        budget: raw.budget,
        grant_call: raw.grant_call,
        eligibility: raw.eligibility,
        priority: raw.priority,
        milestones: raw.milestones,
        trainer_pool: raw.trainer_pool,
        hubs: raw.hubs,
        sessions,
        settings,
    })
}

/// The settings the top level of a file may still give, as files did before `[settings]`.
struct TopLevel {
    zone: Option<Zone>,
    reminders: Option<Vec<i64>>,
    email_confirmation: Option<EmailConfirmation>,
    hold_minutes: Option<i64>,
}

/// One setting given at the top level or in `[settings]` (not both: which one would win?).
fn either<T>(
    top: Option<T>,
    inside: Option<T>,
    name: &str,
    problems: &mut Problems,
) -> (Option<T>, String) {
    match (top, inside) {
        (Some(_), Some(inside)) => {
            problems.add(
                format!("/settings/{name}"),
                format!("{name} is given twice, here and at the top level (/{name}): keep one"),
            );
            (Some(inside), format!("/settings/{name}"))
        }
        (Some(top), None) => (Some(top), format!("/{name}")),
        (None, inside) => (inside, format!("/settings/{name}")),
    }
}

/// `[settings]` with the top-level fields of older files, checked.
fn settings(raw: RawSettings, top: TopLevel, problems: &mut Problems) -> Settings {
    let (zone, _) = either(top.zone, raw.zone, "zone", problems);
    let zone = zone.unwrap_or_else(|| {
        problems.add(
            "/settings/zone",
            "the program's time zone is missing: give zone (e.g. \"Europe/Rome\") in [settings]",
        );
        Zone::rome()
    });
    let mut settings = Settings::defaults(zone);
    let (hours, at) = either(top.reminders, raw.reminders, "reminders", problems);
    settings.reminders = reminders(hours.as_deref(), &at, problems);
    let (confirmation, _) = either(
        top.email_confirmation,
        raw.email_confirmation,
        "email_confirmation",
        problems,
    );
    settings.email_confirmation = confirmation.unwrap_or_default();
    let (minutes, at) = either(top.hold_minutes, raw.hold_minutes, "hold_minutes", problems);
    if let Some(minutes) = minutes {
        match u32::try_from(minutes)
            .ok()
            .filter(|m| (1..=1440).contains(m))
        {
            Some(minutes) => settings.hold_minutes = minutes,
            None => problems.add(
                at,
                format!("a seat is held 1 to 1440 minutes, not {minutes}"),
            ),
        }
    }
    if let Some(registration) = raw.registration {
        settings.registration = window_defaults(&registration, problems);
    }
    if let Some(languages) = raw.languages {
        match Languages::new(languages) {
            Ok(languages) => settings.languages = languages,
            Err(err) => problems.add("/settings/languages", err.to_string()),
        }
    }
    if let Some(line) = raw.funder_line {
        if line.trim().is_empty() {
            problems.add(
                "/settings/funder_line",
                "the funder's line must not be empty (leave it out instead)",
            );
        } else if line.chars().count() > 300 {
            problems.add(
                "/settings/funder_line",
                "the funder's line is one line: at most 300 characters",
            );
        } else {
            settings.funder_line = Some(line.trim().to_owned());
        }
    }
    settings.codice_fiscale = raw.codice_fiscale.unwrap_or_default();
    settings
}

/// `[settings.registration]`, each bound at its own pointer.
fn window_defaults(raw: &RawRegistration, problems: &mut Problems) -> WindowDefaults {
    let at = "/settings/registration";
    let opens = match raw.opens_days_before {
        None => Some(None),
        Some(days) => u32::try_from(days).ok().filter(|d| *d > 0).map(Some),
    };
    let closes = u32::try_from(raw.closes_hours_before).ok();
    match (opens, closes) {
        (Some(opens), Some(closes)) => WindowDefaults::new(opens, closes).unwrap_or_else(|err| {
            let field = match err {
                crate::settings::WindowDefaultsError::ClosesHours(_) => "closes_hours_before",
                _ => "opens_days_before",
            };
            problems.add(format!("{at}/{field}"), err.to_string());
            WindowDefaults::default()
        }),
        (opens, closes) => {
            if opens.is_none() {
                problems.add(
                    format!("{at}/opens_days_before"),
                    format!(
                        "registration opens 1 to 366 days before the start, not {}",
                        raw.opens_days_before.unwrap_or_default()
                    ),
                );
            }
            if closes.is_none() {
                problems.add(
                    format!("{at}/closes_hours_before"),
                    format!(
                        "registration closes 0 to 168 hours before the start, not {}",
                        raw.closes_hours_before
                    ),
                );
            }
            WindowDefaults::default()
        }
    }
}

/// `reminders = [48, 2]` (at the pointer `at`): hours before the start, each 1–720 (30 days),
/// no two alike; absent, the default (48 and 2); `[]`, none.
fn reminders(hours: Option<&[i64]>, at: &str, problems: &mut Problems) -> Reminders {
    let Some(hours) = hours else {
        return Reminders::default();
    };
    let mut offsets = Vec::with_capacity(hours.len());
    for (i, h) in hours.iter().enumerate() {
        let pointer = format!("{at}/{i}");
        if !(1..=720).contains(h) {
            problems.add(
                pointer,
                format!("a reminder is 1 to 720 hours before the start, not {h}"),
            );
        } else if hours[..i].contains(h) {
            problems.add(
                pointer,
                format!("the reminder {h} hours before is given twice"),
            );
        } else {
            offsets.push(Duration::hours(*h));
        }
    }
    Reminders::new(offsets).unwrap_or_else(|err| {
        // Unreachable after the checks above; reported rather than assumed.
        problems.add(at, err.to_string());
        Reminders::default()
    })
}

/// Partners: each in the new form or the old one, ids unique, tax codes and contacts checked.
fn partners(raw: Vec<RawPartner>, problems: &mut Problems) -> Vec<Partner> {
    let mut partners = Vec::with_capacity(raw.len());
    for (i, raw) in raw.into_iter().enumerate() {
        let at = |field: &str| format!("/partners/{i}/{field}");
        if raw.name.trim().is_empty() {
            problems.add(at("name"), "the name must not be empty");
        }
        let detailed = raw.kind.is_some()
            || raw.partita_iva.is_some()
            || raw.codice_fiscale.is_some()
            || raw.contact.is_some();
        let (id, kind) = match (raw.id, raw.kind) {
            (Some(id), Some(kind)) => (Some(id), kind),
            (Some(id), None) => {
                problems.add(
                    at("kind"),
                    "say what kind of organisation it is: association, social_cooperative, \
                     cooperative, company, foundation, school, public_body or other",
                );
                (Some(id), PartnerKind::Other)
            }
            (None, _) if detailed => {
                problems.add(
                    at("id"),
                    "a partner with a kind, a tax code or a contact needs an id",
                );
                (None, PartnerKind::Other)
            }
            (None, _) => (id_from_name(&raw.name), PartnerKind::Other),
        };
        let partita_iva = raw.partita_iva.and_then(|text| {
            VatNumber::parse(&text)
                .map_err(|err| problems.add(at("partita_iva"), err.to_string()))
                .ok()
        });
        let codice_fiscale = raw.codice_fiscale.and_then(|text| {
            FiscalCode::parse(&text)
                .map_err(|err| problems.add(at("codice_fiscale"), err.to_string()))
                .ok()
        });
        let contact = raw.contact.and_then(|contact| {
            let email = Email::parse(&contact.email)
                .map_err(|err| problems.add(at("contact/email"), err.to_string()))
                .ok();
            let phone = match contact.phone.as_deref().map(Phone::parse) {
                Some(Err(err)) => {
                    problems.add(at("contact/phone"), err.to_string());
                    None
                }
                Some(Ok(phone)) => Some(phone),
                None => None,
            };
            email.map(|email| Contact { email, phone })
        });
        let Some(id) = id else {
            if !detailed {
                problems.add(
                    at("name"),
                    format!("no id can be made from the name {:?}: give an id", raw.name),
                );
            }
            continue;
        };
        if partners.iter().any(|p: &Partner| p.id == id) {
            problems.add(
                at("id"),
                format!("partner id {:?} is used twice", id.as_str()),
            );
        }
        partners.push(Partner {
            id,
            name: raw.name,
            kind,
            role: raw.role,
            partita_iva,
            codice_fiscale,
            contact,
        });
    }
    partners
}

fn check_unique<'a>(
    ids: impl Iterator<Item = &'a str>,
    pointer: &str,
    what: &str,
    problems: &mut Problems,
) {
    let mut seen = BTreeSet::new();
    for (i, id) in ids.enumerate() {
        if !seen.insert(id) {
            problems.add(
                format!("{pointer}/{i}/id"),
                format!("{what} id {id:?} is used twice"),
            );
        }
    }
}

/// Targets: unique ids, parents exist, no cycles, same unit as the parent, and the children of
/// a target never add up to more than its goal (75,000 ⊂ 300,000 ⊂ 500,000).
fn check_targets(targets: &[Target], problems: &mut Problems) {
    check_unique(
        targets.iter().map(|t| t.id.as_str()),
        "/targets",
        "target",
        problems,
    );
    let by_id: BTreeMap<&str, (usize, &Target)> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), (i, t)))
        .collect();
    let mut children_sum: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, target) in targets.iter().enumerate() {
        if target
            .assumption
            .as_deref()
            .is_some_and(|note| note.trim().is_empty())
        {
            problems.add(
                format!("/targets/{i}/assumption"),
                "say why the goal is an estimate, or leave the field out",
            );
        }
        let Some(parent_id) = &target.parent else {
            continue;
        };
        let Some((_, parent)) = by_id.get(parent_id.as_str()) else {
            problems.add(
                format!("/targets/{i}/parent"),
                format!("no target has id \"{parent_id}\""),
            );
            continue;
        };
        if !parent.unit.counts(target.unit) {
            problems.add(
                format!("/targets/{i}/unit"),
                format!("a part of \"{parent_id}\" must count a unit that it counts"),
            );
        }
        *children_sum.entry(parent_id.as_str()).or_default() += target.goal;
        // Walk up: a cycle returns to this target within `targets.len()` steps.
        let mut cursor = target.parent.as_ref();
        for _ in 0..targets.len() {
            match cursor {
                Some(id) if id == &target.id => {
                    problems.add(
                        format!("/targets/{i}/parent"),
                        "the targets' parents form a cycle",
                    );
                    break;
                }
                Some(id) => cursor = by_id.get(id.as_str()).and_then(|(_, t)| t.parent.as_ref()),
                None => break,
            }
        }
    }
    for (parent_id, sum) in children_sum {
        if let Some((i, parent)) = by_id.get(parent_id)
            && sum > parent.goal
        {
            problems.add(
                format!("/targets/{i}/goal"),
                format!(
                    "its parts add up to {sum}, more than its goal of {}",
                    parent.goal
                ),
            );
        }
    }
}

fn build_session(
    program: &ProgramId,
    program_zone: Zone,
    hubs: &[Hub],
    window: DateWindow,
    i: usize,
    raw: RawSession,
    problems: &mut Problems,
) -> Option<Session> {
    let at = |field: &str| format!("/sessions/{i}/{field}");
    let hub = match &raw.hub {
        Some(id) => match hubs.iter().find(|h| &h.id == id) {
            Some(hub) => Some(hub),
            None => {
                problems.add(at("hub"), format!("the program has no hub \"{id}\""));
                return None;
            }
        },
        None if raw.mode != Mode::Online => {
            problems.add(at("hub"), "a session with in-person seats needs a hub");
            return None;
        }
        None => None,
    };
    if let (Some(room_id), Some(hub)) = (&raw.room, hub) {
        match hub.room(room_id) {
            None => problems.add(
                at("room"),
                format!("hub {:?} has no room \"{room_id}\"", hub.id.as_str()),
            ),
            Some(room) if raw.seats.get(SeatKind::InPerson) > room.capacity => problems.add(
                at("seats/in_person"),
                format!(
                    "{} in-person seats do not fit in room {:?}, which holds {}",
                    raw.seats.get(SeatKind::InPerson),
                    room.id.as_str(),
                    room.capacity
                ),
            ),
            Some(_) => {}
        }
    }
    if !window.contains(raw.date) {
        problems.add(
            at("date"),
            format!("{} is outside the program's dates", raw.date),
        );
    }
    let spec = SessionSpec {
        id: raw.id,
        program: program.clone(),
        hub: raw.hub,
        room: raw.room,
        title: raw.title,
        competences: raw.competences,
        level: raw.level,
        mode: raw.mode,
        seats: raw.seats,
        trainers: raw.trainers,
        date: raw.date,
        start: raw.start,
        end: raw.end,
        zone: hub.map_or(program_zone, |h| h.zone),
        ambiguity: Ambiguity::Refuse,
    };
    Session::new(spec)
        .map_err(|err| problems.add(format!("/sessions/{i}"), err.to_string()))
        .ok()
}

/// The six seed programs of `fixtures/programs/`, compiled in: `(file name, TOML text)`.
pub const SEED_PROGRAMS: [(&str, &str); 6] = [
    (
        "community-skill-hubs.toml",
        include_str!("../../../fixtures/programs/community-skill-hubs.toml"),
    ),
    (
        "she-means-business.toml",
        include_str!("../../../fixtures/programs/she-means-business.toml"),
    ),
    (
        "leadership-circles.toml",
        include_str!("../../../fixtures/programs/leadership-circles.toml"),
    ),
    (
        "cooperazione-digitale.toml",
        include_str!("../../../fixtures/programs/cooperazione-digitale.toml"),
    ),
    (
        "binario-f.toml",
        include_str!("../../../fixtures/programs/binario-f.toml"),
    ),
    (
        "milano-digitale.toml",
        include_str!("../../../fixtures/programs/milano-digitale.toml"),
    ),
];

/// A set of programs whose ids (program, hub, session) are unique across all of them.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    programs: Vec<Program>,
}

/// Why a set of program files cannot form a catalog: per file, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|(file, err)| indent(file, err)).collect::<Vec<_>>().join("\n"))]
pub struct CatalogError(pub Vec<(String, ProgramError)>);

fn indent(file: &str, err: &ProgramError) -> String {
    match err {
        ProgramError::Syntax {
            line,
            column,
            message,
        } => format!("{file}:{line}:{column}: {message}"),
        ProgramError::Invalid(fields) => fields
            .iter()
            .map(|f| format!("{file}: {f}"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

impl Catalog {
    /// Parses `(file name, text)` pairs; every file's problems are reported.
    ///
    /// ```
    /// use skillhub_core::fixture::{Catalog, SEED_PROGRAMS};
    /// let catalog = Catalog::parse(SEED_PROGRAMS).unwrap();
    /// assert_eq!(catalog.programs().len(), 6);
    /// ```
    pub fn parse<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Catalog, CatalogError> {
        let mut errors = Vec::new();
        let mut programs: Vec<(String, Program)> = Vec::new();
        for (file, text) in files {
            match parse_program(text) {
                Ok(program) => programs.push((file.to_owned(), program)),
                Err(err) => errors.push((file.to_owned(), err)),
            }
        }
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for (file, program) in &programs {
            let mut problems = Problems::default();
            let ids = std::iter::once(("program", "/id".to_owned(), program.id.to_string()))
                .chain(
                    program
                        .hubs
                        .iter()
                        .enumerate()
                        .map(|(i, h)| ("hub", format!("/hubs/{i}/id"), h.id.to_string())),
                )
                .chain(
                    program
                        .sessions
                        .iter()
                        .map(|s| ("session", "/sessions".to_owned(), s.id().to_string())),
                );
            for (kind, pointer, id) in ids {
                let key = format!("{kind}:{id}");
                if let Some(other) = seen.insert(key, file.clone()) {
                    problems.add(pointer, format!("{kind} id {id:?} is also used in {other}"));
                }
            }
            if !problems.0.is_empty() {
                errors.push((file.clone(), ProgramError::Invalid(problems.0)));
            }
        }
        if !errors.is_empty() {
            return Err(CatalogError(errors));
        }
        Ok(Catalog {
            programs: programs.into_iter().map(|(_, p)| p).collect(),
        })
    }

    /// The seed programs.
    pub fn seeds() -> Result<Catalog, CatalogError> {
        Catalog::parse(SEED_PROGRAMS)
    }

    /// All programs, in file order.
    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    /// The program with this id.
    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.id.as_str() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::italian;
    use crate::partner::PartnerKind;
    use chrono::{Datelike, SecondsFormat, Weekday};

    fn seeds() -> Catalog {
        match Catalog::seeds() {
            Ok(catalog) => catalog,
            Err(err) => panic!("the seed programs must load:\n{err}"),
        }
    }

    /// A readable summary of every seed program: what a person checks against the seeds.
    #[test]
    fn seed_programs_summary() {
        let catalog = seeds();
        let summary: Vec<serde_json::Value> = catalog
            .programs()
            .iter()
            .map(|p| {
                serde_json::json!({
                    "id": p.id(),
                    "name": p.name(),
                    "source": p.source(),
                    "countries": p.countries(),
                    "window": p.window(),
                    "sponsors": p.sponsors(),
                    "partners": p.partners().iter().map(|x| format!("{} [{}] {}{}", x.id, x.kind.code(), x.name, x.role.as_ref().map(|r| format!(" — {r}")).unwrap_or_default())).collect::<Vec<_>>(),
                    "audiences": p.audiences(),
                    "budget": p.budget().map(|b| format!("{} ({})", b.total, b.funder)),
                    "eligibility": p.eligibility().map(|r| r.describe().it().to_owned()),
                    "priority": p.priority().iter().map(|t| t.name_it.clone()).collect::<Vec<_>>(),
                    "targets": p.targets().iter().map(|t| format!(
                        "{} {} ({:?}{}{}){}{}", t.id, t.goal, t.unit,
                        t.mode.map(|m| format!(", {}", m.as_str())).unwrap_or_default(),
                        t.parent.as_ref().map(|x| format!(" ⊂ {x}")).unwrap_or_default(),
                        t.deadline.map(|d| format!(" by {d}")).unwrap_or_default(),
                        t.assumption.as_ref().map(|a| format!(" — stimato: {a}")).unwrap_or_default(),
                    )).collect::<Vec<_>>(),
                    "assumptions": p.assumptions(),
                    "hubs": p.hubs().iter().map(|h| format!(
                        "{} [{}] {} — {}{}", h.id, h.zone, h.name, h.address.one_line(),
                        if h.organisers.is_empty() { String::new() } else { format!(" — {}", h.organisers.join(", ")) },
                    ) + &h.partner.as_ref().map(|p| format!(" (partner {p})")).unwrap_or_default()).collect::<Vec<_>>(),
                    "sessions": p.sessions().iter().map(|s| format!(
                        "{} | {} | {} → {}",
                        italian::span(s.local_start(), s.local_end()),
                        s.title(),
                        s.starts_at().to_rfc3339_opts(SecondsFormat::Secs, true),
                        s.ends_at().to_rfc3339_opts(SecondsFormat::Secs, true),
                    )).collect::<Vec<_>>(),
                    "grant_call": p.grant_call(),
                    "milestones": p.milestones(),
                    "trainer_pool": p.trainer_pool(),
                })
            })
            .collect();
        insta::assert_yaml_snapshot!(summary);
    }

    #[test]
    fn ids_are_the_contract_ones() {
        let catalog = seeds();
        let ids: Vec<&str> = catalog.programs().iter().map(|p| p.id().as_str()).collect();
        assert_eq!(
            ids,
            [
                "community-skill-hubs",
                "she-means-business",
                "leadership-circles",
                "cooperazione-digitale",
                "binario-f",
                "milano-digitale"
            ]
        );
        let binario = catalog.program("binario-f").unwrap();
        assert_eq!(binario.hubs()[0].id.as_str(), "binario-f-roma-termini");
        let milano: Vec<&str> = catalog
            .program("milano-digitale")
            .unwrap()
            .hubs()
            .iter()
            .map(|h| h.id.as_str())
            .collect();
        let expected: Vec<String> = (1..=9).map(|n| format!("municipio-{n}")).collect();
        assert_eq!(milano, expected);
    }

    #[test]
    fn binario_f_is_fifteen_tuesday_mornings_of_2019_in_rome() {
        let catalog = seeds();
        let sessions = catalog.program("binario-f").unwrap().sessions();
        assert_eq!(sessions.len(), 15);
        for s in sessions {
            assert_eq!(s.zone().name(), "Europe/Rome");
            assert_eq!(s.local_start().weekday(), Weekday::Tue, "{}", s.id());
            assert_eq!(s.local_start().year(), 2019);
            assert_eq!(italian::clock(s.local_start()), "9:30");
            assert_eq!(italian::clock(s.local_end()), "13:30");
        }
        let utc = |id: &str| {
            let s = sessions.iter().find(|s| s.id().as_str() == id).unwrap();
            s.starts_at().to_rfc3339_opts(SecondsFormat::Secs, true)
        };
        assert_eq!(utc("binario-f-2019-03-26"), "2019-03-26T08:30:00Z");
        assert_eq!(utc("binario-f-2019-04-02"), "2019-04-02T07:30:00Z");
    }

    #[test]
    fn community_skill_hubs_targets_nest() {
        let catalog = seeds();
        let program = catalog.program("community-skill-hubs").unwrap();
        let goal = |id: &str| {
            program
                .targets()
                .iter()
                .find(|t| t.id.as_str() == id)
                .unwrap()
        };
        assert_eq!(goal("people").goal, 500_000);
        assert_eq!(goal("candidates").goal, 300_000);
        assert_eq!(
            goal("candidates").parent.as_ref().unwrap().as_str(),
            "people"
        );
        assert_eq!(goal("candidates-classroom").goal, 75_000);
        assert_eq!(
            goal("candidates-classroom")
                .parent
                .as_ref()
                .unwrap()
                .as_str(),
            "candidates"
        );
        assert_eq!(
            goal("smes-classroom").goal + goal("smes-online").goal,
            350_000
        );
    }

    /// A seed with one edit must fail with exactly these field errors.
    fn check_broken(file: &str, from: &str, to: &str, expect: &[&str]) {
        let (_, text) = SEED_PROGRAMS
            .iter()
            .find(|(name, _)| *name == file)
            .unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        let broken = text.replacen(from, to, 1);
        let err = parse_program(&broken).expect_err("the edited fixture must be refused");
        let lines: Vec<String> = err.to_string().lines().map(str::to_owned).collect();
        assert_eq!(lines, expect, "{file}: {from:?} → {to:?}");
    }

    #[test]
    fn broken_fixtures_name_the_field() {
        check_broken(
            "binario-f.toml",
            "date = \"2019-02-19\"",
            "date = \"2019-02-30\"",
            &["68:8: input is out of range"],
        );
        check_broken(
            "binario-f.toml",
            "end = \"13:30\"",
            "end = \"08:30\"",
            &[
                "/sessions/0: the session ends (2019-02-12 08:30:00) before or when it starts (2019-02-12 09:30:00)",
            ],
        );
        check_broken(
            "binario-f.toml",
            "hub = \"binario-f-roma-termini\"",
            "hub = \"termini\"",
            &["/sessions/0/hub: the program has no hub \"termini\""],
        );
        check_broken(
            "binario-f.toml",
            "in_person = 40, online = 0",
            "in_person = 400, online = 0",
            &[
                "/sessions/0/seats/in_person: 400 in-person seats do not fit in room \"sala\", which holds 40",
            ],
        );
        check_broken(
            "binario-f.toml",
            "date = \"2019-06-04\"",
            "date = \"2019-06-05\"",
            &["/sessions/14/date: 2019-06-05 is outside the program's dates"],
        );
        check_broken(
            "community-skill-hubs.toml",
            "goal = 75000",
            "goal = 375000",
            &["/targets/2/goal: its parts add up to 600000, more than its goal of 300000"],
        );
        check_broken(
            "milano-digitale.toml",
            "id = \"municipio-2\"",
            "id = \"municipio-1\"",
            &["/hubs/1/id: hub id \"municipio-1\" is used twice"],
        );
    }

    /// binario-f with `settings` added after its top-level `zone`.
    fn binario_f_with(settings: &str) -> Result<Program, ProgramError> {
        let (_, text) = SEED_PROGRAMS
            .iter()
            .find(|(n, _)| *n == "binario-f.toml")
            .unwrap();
        let zone = "zone = \"Europe/Rome\"\n";
        assert!(text.contains(zone));
        parse_program(&text.replacen(zone, &format!("{zone}{settings}\n"), 1))
    }

    #[test]
    fn message_settings_have_defaults_and_are_checked() {
        use crate::program::EmailConfirmation;
        for program in seeds().programs() {
            assert_eq!(
                program.reminders(),
                &Reminders::default(),
                "{}",
                program.id()
            );
            assert_eq!(program.email_confirmation(), EmailConfirmation::None);
            assert_eq!(program.hold_minutes(), 30);
        }
        let program = binario_f_with(
            "reminders = [2, 24]\nemail_confirmation = \"required\"\nhold_minutes = 90",
        )
        .unwrap();
        assert_eq!(
            program.reminders().offsets(),
            [Duration::hours(24), Duration::hours(2)]
        );
        assert_eq!(program.email_confirmation(), EmailConfirmation::Required);
        assert_eq!(program.hold_minutes(), 90);
        assert!(
            binario_f_with("reminders = []")
                .unwrap()
                .reminders()
                .is_empty()
        );

        let problems = |settings: &str| {
            let err = binario_f_with(settings).unwrap_err().to_string();
            err.lines().map(str::to_owned).collect::<Vec<_>>()
        };
        assert_eq!(
            problems("reminders = [48, 0, 721, 48]\nhold_minutes = 0"),
            [
                "/reminders/1: a reminder is 1 to 720 hours before the start, not 0",
                "/reminders/2: a reminder is 1 to 720 hours before the start, not 721",
                "/reminders/3: the reminder 48 hours before is given twice",
                "/hold_minutes: a seat is held 1 to 1440 minutes, not 0",
            ]
        );
        assert_eq!(
            problems("hold_minutes = 1441"),
            ["/hold_minutes: a seat is held 1 to 1440 minutes, not 1441"]
        );
        assert!(problems("email_confirmation = \"maybe\"")[0].contains("unknown variant"));
    }

    /// binario-f with its partners replaced by `partners` (TOML lines of an inline array) and
    /// its hub run by `hub_partner`.
    fn binario_f_partners(partners: &str, hub_partner: &str) -> Result<Program, ProgramError> {
        let (_, text) = SEED_PROGRAMS
            .iter()
            .find(|(n, _)| *n == "binario-f.toml")
            .unwrap();
        let start = text.find("partners = [").unwrap();
        let end = start + text[start..].find("\n]\n").unwrap() + 3;
        let text = format!(
            "{}partners = [\n{partners}\n]\n{}",
            &text[..start],
            &text[end..]
        );
        let hub = "partner = \"pa-social\"";
        assert!(text.contains(hub));
        parse_program(&text.replacen(hub, &format!("partner = \"{hub_partner}\""), 1))
    }

    #[test]
    fn partners_are_organisations_and_the_old_form_still_reads() {
        let program = binario_f_partners(
            r#"{ id = "pa-social", name = "PA Social", kind = "association", partita_iva = "IT 01234567897",
                 codice_fiscale = "97123450013", contact = { email = "info@pasocial.example", phone = "+39 06 1234567" } },
               { name = "LVenture Group", role = "ospita lo spazio" }"#,
            "pa-social",
        )
        .unwrap();
        let pa = program.partner(&Tag::parse("pa-social").unwrap()).unwrap();
        assert_eq!(pa.kind, PartnerKind::Association);
        assert_eq!(pa.partita_iva.as_ref().unwrap().as_str(), "01234567897");
        assert_eq!(pa.codice_fiscale.as_ref().unwrap().as_str(), "97123450013");
        assert_eq!(
            pa.contact
                .as_ref()
                .unwrap()
                .phone
                .as_ref()
                .unwrap()
                .as_str(),
            "+39 06 1234567"
        );
        let old = &program.partners()[1];
        assert_eq!(
            (old.id.as_str(), old.kind, old.role.as_deref()),
            (
                "lventure-group",
                PartnerKind::Other,
                Some("ospita lo spazio")
            )
        );
        assert_eq!(
            program
                .hubs_of(&pa.id)
                .map(|h| h.id.as_str())
                .collect::<Vec<_>>(),
            ["binario-f-roma-termini"]
        );
    }

    #[test]
    fn partner_problems_name_the_field() {
        let problems = |partners: &str, hub: &str| {
            let err = binario_f_partners(partners, hub).unwrap_err().to_string();
            err.lines().map(str::to_owned).collect::<Vec<_>>()
        };
        assert_eq!(
            problems(
                r#"{ id = "pa-social", name = "PA Social", kind = "association", partita_iva = "01234567891" },
                   { id = "pa-social", name = "", kind = "other", codice_fiscale = "RSSMRA85T10A562T" },
                   { id = "x", name = "X", contact = { email = "nobody", phone = "12" } },
                   { name = "Y", kind = "company" }"#,
                "pa-sociale",
            ),
            [
                "/partners/0/partita_iva: la partita IVA 01234567891 ha la cifra di controllo sbagliata: con le prime 10 cifre l'ultima dovrebbe essere 7, non 1",
                "/partners/1/name: the name must not be empty",
                "/partners/1/codice_fiscale: il codice fiscale RSSMRA85T10A562T ha il carattere di controllo sbagliato: dovrebbe essere S, non T",
                "/partners/1/id: partner id \"pa-social\" is used twice",
                "/partners/2/kind: say what kind of organisation it is: association, social_cooperative, cooperative, company, foundation, school, public_body or other",
                "/partners/2/contact/email: \"nobody\" is not an e-mail address (expected name@domain.tld)",
                "/partners/2/contact/phone: \"12\" non è un numero di telefono (da 6 a 15 cifre, con spazi, punti o trattini e un + iniziale facoltativo)",
                "/partners/3/id: a partner with a kind, a tax code or a contact needs an id",
                "/hubs/0/partner: the program has no partner \"pa-sociale\" (its `partners` name none)",
            ]
        );
        assert!(
            problems(r#"{ id = "p", name = "P", kind = "charity" }"#, "p")[0]
                .contains("unknown variant")
        );
    }

    /// binario-f with its top-level `zone` replaced by `replacement`.
    fn binario_f_zone(replacement: &str) -> Result<Program, ProgramError> {
        let (_, text) = SEED_PROGRAMS
            .iter()
            .find(|(n, _)| *n == "binario-f.toml")
            .unwrap();
        let zone = "zone = \"Europe/Rome\"\n";
        assert!(text.contains(zone));
        // A table must come after the top-level keys: `[settings]` goes at the end.
        let (top, table) = replacement
            .split_once("[settings]")
            .unwrap_or((replacement, ""));
        let mut text = text.replacen(zone, top, 1);
        if !table.is_empty() {
            text.push_str(&format!("\n[settings]{table}\n"));
        }
        parse_program(&text)
    }

    #[test]
    fn settings_in_one_place() {
        use crate::lang::Lang;
        use crate::settings::CodiceFiscaleRule;
        let program = binario_f_zone(
            "[settings]\nzone = \"Europe/Rome\"\nreminders = [24]\nemail_confirmation = \"required\"\n\
             hold_minutes = 45\nlanguages = [\"it\"]\nfunder_line = \"Iniziativa finanziata da Facebook\"\n\
             codice_fiscale = \"required\"\nregistration = { opens_days_before = 21, closes_hours_before = 12 }",
        )
        .unwrap();
        let settings = program.settings();
        assert_eq!(settings.zone().name(), "Europe/Rome");
        assert_eq!(program.reminders().offsets(), [Duration::hours(24)]);
        assert_eq!(program.email_confirmation(), EmailConfirmation::Required);
        assert_eq!(program.hold_minutes(), 45);
        assert_eq!(settings.languages().all(), [Lang::It]);
        assert_eq!(
            settings.funder_line(),
            Some("Iniziativa finanziata da Facebook")
        );
        assert_eq!(settings.codice_fiscale(), CodiceFiscaleRule::Required);
        assert_eq!(settings.registration().opens_days_before(), Some(21));
        assert_eq!(settings.registration().closes_hours_before(), 12);
        // The seeds say nothing: every default.
        for program in seeds().programs() {
            let defaults = crate::settings::Settings::defaults(program.zone());
            assert_eq!(program.settings(), &defaults, "{}", program.id());
        }
    }

    #[test]
    fn settings_problems_name_the_field() {
        let problems = |replacement: &str| {
            let err = binario_f_zone(replacement).unwrap_err().to_string();
            err.lines().map(str::to_owned).collect::<Vec<_>>()
        };
        assert_eq!(
            problems(
                "zone = \"Europe/Rome\"\nreminders = [2]\nhold_minutes = 10\n[settings]\nzone = \"Europe/Rome\"\n\
                 reminders = [0]\nhold_minutes = 20\nlanguages = [\"it\", \"it\"]\nfunder_line = \" \"\n\
                 registration = { opens_days_before = 1, closes_hours_before = 30 }"
            ),
            [
                "/settings/zone: zone is given twice, here and at the top level (/zone): keep one",
                "/settings/reminders: reminders is given twice, here and at the top level (/reminders): keep one",
                "/settings/reminders/0: a reminder is 1 to 720 hours before the start, not 0",
                "/settings/hold_minutes: hold_minutes is given twice, here and at the top level (/hold_minutes): keep one",
                "/settings/registration/opens_days_before: registration would close (30 hours before the start) before it opens (1 days before)",
                "/settings/languages: the language \"it\" is given twice",
                "/settings/funder_line: the funder's line must not be empty (leave it out instead)",
            ]
        );
        assert_eq!(
            problems(
                "[settings]\nregistration = { opens_days_before = 0, closes_hours_before = -1 }\nlanguages = []"
            ),
            [
                "/settings/zone: the program's time zone is missing: give zone (e.g. \"Europe/Rome\") in [settings]",
                "/settings/registration/opens_days_before: registration opens 1 to 366 days before the start, not 0",
                "/settings/registration/closes_hours_before: registration closes 0 to 168 hours before the start, not -1",
                "/settings/languages: a program offers at least one language (\"it\", \"en\")",
            ]
        );
        assert!(
            problems("zone = \"Europe/Rome\"\n[settings]\nlanguages = [\"fr\"]")[0]
                .contains("unknown variant")
        );
        assert!(
            problems("zone = \"Europe/Rome\"\n[settings]\nwhatever = 1")[0]
                .contains("unknown field")
        );
    }

    /// The complete file of docs/formats.md parses, with its settings and partner.
    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("../../../docs/formats.md");
        let section = &doc[doc.find("## Programs").unwrap()..];
        let start = section.find("```toml\n").unwrap() + "```toml\n".len();
        let end = start + section[start..].find("```").unwrap();
        let program = match parse_program(&section[start..end]) {
            Ok(program) => program,
            Err(err) => panic!("the example of docs/formats.md must parse:\n{err}"),
        };
        let partner = &program.partners()[0];
        assert_eq!(partner.kind, PartnerKind::PublicBody);
        assert_eq!(program.hubs()[0].partner.as_ref(), Some(&partner.id));
        assert_eq!(
            program.settings().registration().opens_days_before(),
            Some(30)
        );
    }

    #[test]
    fn dst_gap_in_a_fixture_is_an_error() {
        let (_, text) = SEED_PROGRAMS
            .iter()
            .find(|(n, _)| *n == "binario-f.toml")
            .unwrap();
        let broken = text
            .replacen(
                "window = { from = \"2019-02-12\", until = \"2019-06-04\" }",
                "window = { from = \"2019-02-12\", until = \"2019-12-31\" }",
                1,
            )
            .replacen(
                "date = \"2019-06-04\"\nstart = \"09:30\"",
                "date = \"2019-03-31\"\nstart = \"02:30\"",
                1,
            );
        let err = parse_program(&broken).unwrap_err().to_string();
        assert_eq!(
            err,
            "/sessions/14: 2019-03-31 02:30:00 does not exist in Europe/Rome: the clocks jump forward over it (DST gap)"
        );
    }

    #[test]
    fn ids_must_be_unique_across_programs() {
        let (_, a) = SEED_PROGRAMS[5];
        let err = Catalog::parse([("a.toml", a), ("b.toml", a)])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("b.toml: /id: program id \"milano-digitale\" is also used in a.toml"),
            "{err}"
        );
        assert!(
            err.contains("b.toml: /hubs/8/id: hub id \"municipio-9\" is also used in a.toml"),
            "{err}"
        );
    }
}
