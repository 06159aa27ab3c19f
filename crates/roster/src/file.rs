//! The trainers file (`fixtures/trainers/*.toml`): one `[[trainers]]` table per trainer.
//!
//! ```toml
//! [[trainers]]
//! id = "bip-001"
//! name = "Giulia Colombo"
//! home = "municipio-4"                       # their own Municipio
//! reach = ["municipio-1", "municipio-5"]     # other hubs they reach
//! online = true                              # teaches e-learning sessions
//! skills = { "2.6" = 4, "4" = 3 }            # competence (or whole area) = highest level taught
//! weekly = ["mar 9:00-14:00", "sab 9:00-13:00"]
//! off = ["2020-03-13", "2020-08-03..2020-08-21"]
//! max_per_week = 2
//! max_per_month = 6
//! ```
//!
//! [`parse_trainers`] reports every problem at once, each under the JSON pointer of its field
//! (`/trainers/3/weekly/0`); a file that does not parse as TOML of this shape gets the line,
//! column and field name instead. [`trainers_toml`] writes the same format back.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Deserialize;

use super::trainer::{DayOff, Skill, Trainer, TrainerSpec, WeeklySlot};
use skillhub_core::fixture::FieldError;
use skillhub_core::ids::{HubId, TrainerId};

/// Why a trainers file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrainerFileError {
    /// The TOML does not parse, or a value has the wrong type or an unknown key.
    #[error("{line}:{column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected, with the field's key when the line has one.
        message: String,
    },
    /// The file parses but breaks rules; every problem found is listed.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FieldError>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    trainers: Vec<RawTrainer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrainer {
    id: String,
    name: String,
    home: String,
    #[serde(default)]
    reach: Vec<String>,
    #[serde(default)]
    online: bool,
    #[serde(default)]
    skills: BTreeMap<String, i64>,
    #[serde(default)]
    weekly: Vec<String>,
    #[serde(default)]
    off: Vec<String>,
    max_per_week: i64,
    max_per_month: i64,
}

/// Collects problems under pointers.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, pointer: String, message: impl ToString) {
        self.0.push(FieldError {
            pointer,
            message: message.to_string(),
        });
    }

    /// `Some(value)`, or records the error and gives `None`.
    fn keep<T, E: ToString>(&mut self, pointer: String, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.add(pointer, e)).ok()
    }
}

/// Parses and validates a trainers file.
///
/// ```
/// use skillhub_roster::file::parse_trainers;
/// let text = r#"
/// [[trainers]]
/// id = "bip-001"
/// name = "Giulia Colombo"
/// home = "municipio-4"
/// skills = { "3.4" = 5 }
/// weekly = ["mar 9:00-14:00"]
/// max_per_week = 2
/// max_per_month = 6
/// "#;
/// let trainers = parse_trainers(text).unwrap();
/// assert_eq!(trainers[0].name(), "Giulia Colombo");
///
/// let bad = text.replace("mar 9:00-14:00", "martedì mattina").replace("= 5", "= 9");
/// let err = parse_trainers(&bad).unwrap_err().to_string();
/// assert!(err.contains("/trainers/0/weekly/0: \"martedì mattina\" is not a weekly slot"), "{err}");
/// assert!(err.contains("/trainers/0/skills/3.4: DigComp level 9 is out of range"), "{err}");
/// ```
pub fn parse_trainers(text: &str) -> Result<Vec<Trainer>, TrainerFileError> {
    let raw: RawFile = toml::from_str(text).map_err(|err| syntax_error(text, &err))?;
    let mut problems = Problems::default();
    let mut seen = BTreeSet::new();
    let mut trainers = Vec::with_capacity(raw.trainers.len());
    for (i, raw) in raw.trainers.into_iter().enumerate() {
        let at = |field: &str| format!("/trainers/{i}/{field}");
        if !seen.insert(raw.id.clone()) {
            problems.add(at("id"), format!("trainer id {:?} is used twice", raw.id));
        }
        if let Some(spec) = spec(raw, &at, &mut problems)
            && let Some(trainer) = problems.keep(at("name"), Trainer::new(spec))
        {
            trainers.push(trainer);
        }
    }
    if !problems.0.is_empty() {
        return Err(TrainerFileError::Invalid(problems.0));
    }
    Ok(trainers)
}

fn spec(
    raw: RawTrainer,
    at: &dyn Fn(&str) -> String,
    problems: &mut Problems,
) -> Option<TrainerSpec> {
    let before = problems.0.len();
    let id = problems.keep(at("id"), TrainerId::parse(&raw.id));
    let home = problems.keep(at("home"), HubId::parse(&raw.home));
    let reach: Vec<HubId> = (raw.reach.iter().enumerate())
        .filter_map(|(j, h)| problems.keep(at(&format!("reach/{j}")), HubId::parse(h)))
        .collect();
    let skills: Vec<Skill> = (raw.skills.iter())
        .filter_map(|(scope, &level)| {
            problems.keep(at(&format!("skills/{scope}")), Skill::parse(scope, level))
        })
        .collect();
    let weekly: Vec<WeeklySlot> = (raw.weekly.iter().enumerate())
        .filter_map(|(j, s)| problems.keep(at(&format!("weekly/{j}")), WeeklySlot::parse(s)))
        .collect();
    let off: Vec<DayOff> = (raw.off.iter().enumerate())
        .filter_map(|(j, s)| problems.keep(at(&format!("off/{j}")), DayOff::parse(s)))
        .collect();
    let limit = |n: i64, field: &str, problems: &mut Problems| {
        let result = u16::try_from(n)
            .map_err(|_| format!("{n} is not a number of sessions (expected 0 to 65535)"));
        problems.keep(at(field), result)
    };
    let max_per_week = limit(raw.max_per_week, "max_per_week", problems);
    let max_per_month = limit(raw.max_per_month, "max_per_month", problems);
    if raw.name.trim().is_empty() {
        problems.add(at("name"), "the name must not be empty");
    }
    if problems.0.len() > before {
        return None;
    }
    Some(TrainerSpec {
        id: id?,
        name: raw.name,
        home: home?,
        reach,
        online: raw.online,
        skills,
        weekly,
        off,
        max_per_week: max_per_week?,
        max_per_month: max_per_month?,
    })
}

fn syntax_error(text: &str, err: &toml::de::Error) -> TrainerFileError {
    let offset = err.span().map_or(0, |span| span.start).min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let key = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.split_once('='))
        .map(|(key, _)| key.trim())
        .filter(|key| !key.is_empty() && !key.starts_with('['));
    let message = match key {
        Some(key) => format!("{} (field `{key}`)", err.message().trim()),
        None => err.message().trim().to_owned(),
    };
    TrainerFileError::Syntax {
        line,
        column,
        message,
    }
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| quote(&s)).collect();
    format!("[{}]", items.join(", "))
}

/// Writes trainers in the format [`parse_trainers`] reads, after a comment `header` (one `# `
/// line per line of it).
///
/// ```
/// use skillhub_fixtures::milano::milano_trainers;
/// use skillhub_roster::file::{parse_trainers, trainers_toml};
/// let trainers = milano_trainers(7);
/// let text = trainers_toml(&trainers, "Generated.");
/// assert_eq!(parse_trainers(&text).unwrap(), trainers);
/// ```
pub fn trainers_toml(trainers: &[Trainer], header: &str) -> String {
    let mut out = String::new();
    for line in header.lines() {
        let _ = writeln!(out, "# {line}");
    }
    for t in trainers {
        let _ = writeln!(out, "\n[[trainers]]");
        let _ = writeln!(out, "id = {}", quote(t.id().as_str()));
        let _ = writeln!(out, "name = {}", quote(t.name()));
        let _ = writeln!(out, "home = {}", quote(t.home().as_str()));
        let reach = t.reach().iter().filter(|h| *h != t.home());
        let _ = writeln!(out, "reach = {}", list(reach.map(ToString::to_string)));
        let _ = writeln!(out, "online = {}", t.online());
        let skills: Vec<String> = (t.skills().iter())
            .map(|s| format!("{} = {}", quote(&s.scope.to_string()), s.up_to))
            .collect();
        let _ = writeln!(out, "skills = {{ {} }}", skills.join(", "));
        let _ = writeln!(
            out,
            "weekly = {}",
            list(t.weekly().iter().map(ToString::to_string))
        );
        let _ = writeln!(
            out,
            "off = {}",
            list(t.off().iter().map(ToString::to_string))
        );
        let _ = writeln!(out, "max_per_week = {}", t.max_per_week());
        let _ = writeln!(out, "max_per_month = {}", t.max_per_month());
    }
    out
}
