//! Trainers ("formatori"): what they teach (DigComp competences or whole areas, up to a level),
//! where they go (their own Municipio and the others they reach, and whether they teach online),
//! when they are free (weekly hours and days off) and how much they take (sessions per week and
//! per month).
//!
//! Availability is written in the civil time of the place where the trainer teaches (for Milan,
//! Europe/Rome): "martedì 9:00–13:00" means 9:00 on the hub's clock, whatever the season.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Serialize, Serializer};

use super::session::Place;
use skillhub_core::digcomp::{Area, Competence, DigCompError, Level};
use skillhub_core::ids::{HubId, TrainerId};
use skillhub_core::italian;

/// Why a trainer, or one of its parts, does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrainerError {
    /// The name is empty or longer than 200 characters.
    #[error("the name must be 1 to 200 characters long")]
    Name,
    /// A weekly slot that is not `giorno HH:MM-HH:MM`.
    #[error(
        "{0:?} is not a weekly slot (expected a weekday and a time range, e.g. \"mar 9:00-13:00\")"
    )]
    Slot(String),
    /// A weekly slot that ends when or before it starts.
    #[error("the slot {0:?} ends before it starts")]
    SlotEmpty(String),
    /// A day off that is not `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`.
    #[error("{0:?} is not a day off (expected \"2020-03-13\" or \"2020-08-01..2020-08-31\")")]
    DayOff(String),
    /// A range of days off whose last day is before its first.
    #[error("the days off {0:?} end before they start")]
    DayOffRange(String),
    /// A skill key that is neither a competence (`3.4`) nor an area (`3`).
    #[error("{0:?} is neither a DigComp competence (1.1 to 5.4) nor an area (1 to 5)")]
    SkillScope(String),
    /// The same competence or area twice.
    #[error("the skill {0} is listed twice")]
    DuplicateSkill(String),
    /// A level out of range.
    #[error(transparent)]
    Level(#[from] DigCompError),
}

/// A weekly time range in which a trainer can teach, e.g. Tuesdays 9:00–13:00 ("disponibilità").
///
/// ```
/// use skillhub_roster::WeeklySlot;
/// let slot = WeeklySlot::parse("martedì 9:00–13:00").unwrap();
/// assert_eq!(slot, WeeklySlot::parse("mar 9:00-13:00").unwrap());
/// assert_eq!(slot.to_string(), "mar 9:00-13:00");
/// assert!(WeeklySlot::parse("mar 13:00-9:00").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeeklySlot {
    day: Weekday,
    from: NaiveTime,
    until: NaiveTime,
}

impl WeeklySlot {
    /// Checks `from < until`.
    pub fn new(day: Weekday, from: NaiveTime, until: NaiveTime) -> Result<Self, TrainerError> {
        let slot = WeeklySlot { day, from, until };
        if until <= from {
            return Err(TrainerError::SlotEmpty(slot.to_string()));
        }
        Ok(slot)
    }

    /// Parses `mar 9:00-13:00`, `martedì 9.00–13.00` (Italian weekday, full or abbreviated; `:`
    /// or `.` in times; `-` or `–` between them).
    pub fn parse(text: &str) -> Result<Self, TrainerError> {
        let bad = || TrainerError::Slot(text.to_owned());
        let (day, range) = text
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(bad)?;
        let day = italian::parse_weekday(day).ok_or_else(bad)?;
        let (from, until) = range.trim().split_once(['-', '–']).ok_or_else(bad)?;
        let clock = |t: &str| NaiveTime::parse_from_str(&t.trim().replace('.', ":"), "%H:%M");
        let (from, until) = (
            clock(from).map_err(|_| bad())?,
            clock(until).map_err(|_| bad())?,
        );
        WeeklySlot::new(day, from, until)
    }

    /// The weekday.
    pub fn day(self) -> Weekday {
        self.day
    }

    /// Start of the range.
    pub fn from(self) -> NaiveTime {
        self.from
    }

    /// End of the range.
    pub fn until(self) -> NaiveTime {
        self.until
    }

    /// Whether a session from `start` to `end` (civil times, same day) fits inside the slot.
    pub fn covers(self, start: NaiveDateTime, end: NaiveDateTime) -> bool {
        start.date() == end.date()
            && start.weekday() == self.day
            && self.from <= start.time()
            && end.time() <= self.until
    }
}

impl fmt::Display for WeeklySlot {
    /// `mar 9:00-13:00`: the form the trainers file uses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day: String = italian::weekday_name(self.day).chars().take(3).collect();
        write!(
            f,
            "{day} {}-{}",
            self.from.format("%-H:%M"),
            self.until.format("%-H:%M")
        )
    }
}

impl Serialize for WeeklySlot {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Days a trainer cannot teach: one day or a range of days, both ends included ("assenza").
///
/// ```
/// use chrono::NaiveDate;
/// use skillhub_roster::DayOff;
/// let august = DayOff::parse("2020-08-01..2020-08-31").unwrap();
/// assert!(august.contains(NaiveDate::from_ymd_opt(2020, 8, 15).unwrap()));
/// assert_eq!(DayOff::parse("2020-03-13").unwrap().to_string(), "2020-03-13");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DayOff {
    from: NaiveDate,
    until: NaiveDate,
}

impl DayOff {
    /// Days from `from` to `until`, both included; checks `from ≤ until`.
    pub fn new(from: NaiveDate, until: NaiveDate) -> Result<Self, TrainerError> {
        if until < from {
            return Err(TrainerError::DayOffRange(format!("{from}..{until}")));
        }
        Ok(DayOff { from, until })
    }

    /// One day.
    pub fn day(day: NaiveDate) -> Self {
        DayOff {
            from: day,
            until: day,
        }
    }

    /// Parses `2020-03-13` or `2020-08-01..2020-08-31`.
    pub fn parse(text: &str) -> Result<Self, TrainerError> {
        let bad = || TrainerError::DayOff(text.to_owned());
        let date = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| bad());
        match text.split_once("..") {
            Some((from, until)) => DayOff::new(date(from)?, date(until)?),
            None => Ok(DayOff::day(date(text)?)),
        }
    }

    /// The first day off.
    pub fn first(self) -> NaiveDate {
        self.from
    }

    /// The last day off.
    pub fn last(self) -> NaiveDate {
        self.until
    }

    /// Whether `day` is off.
    pub fn contains(self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.until
    }
}

impl fmt::Display for DayOff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.until {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}..{}", self.from, self.until)
        }
    }
}

impl Serialize for DayOff {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a skill covers: one competence, or every competence of an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkillScope {
    /// One competence, e.g. 3.4 Programming.
    Competence(Competence),
    /// Every competence of an area, e.g. 4 Safety.
    Area(Area),
}

impl SkillScope {
    /// Parses `3.4` (a competence) or `3` (an area).
    pub fn parse(text: &str) -> Result<Self, TrainerError> {
        let text = text.trim();
        if text.contains('.') {
            return Competence::parse(text)
                .map(SkillScope::Competence)
                .map_err(|_| TrainerError::SkillScope(text.to_owned()));
        }
        text.parse::<u8>()
            .ok()
            .and_then(Area::new)
            .map(SkillScope::Area)
            .ok_or_else(|| TrainerError::SkillScope(text.to_owned()))
    }

    /// Whether the scope includes `competence`.
    pub fn covers(self, competence: Competence) -> bool {
        match self {
            SkillScope::Competence(c) => c == competence,
            SkillScope::Area(a) => competence.area() == a,
        }
    }
}

impl fmt::Display for SkillScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkillScope::Competence(c) => f.write_str(c.id()),
            SkillScope::Area(a) => write!(f, "{}", a.number()),
        }
    }
}

/// A competence (or area) a trainer teaches, up to a level ("competenza").
///
/// ```
/// use skillhub_roster::Skill;
/// let skill = Skill::parse("3.4", 5).unwrap();
/// assert_eq!(skill.up_to.get(), 5);
/// assert!(Skill::parse("3.9", 5).is_err());
/// assert!(Skill::parse("3", 9).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Skill {
    /// The competence or area.
    pub scope: SkillScope,
    /// The highest level taught.
    pub up_to: Level,
}

impl Skill {
    /// Parses a scope (`3.4` or `3`) and a level (1–8).
    pub fn parse(scope: &str, level: i64) -> Result<Self, TrainerError> {
        Ok(Skill {
            scope: SkillScope::parse(scope)?,
            up_to: Level::new(level)?,
        })
    }
}

/// Everything needed to build a [`Trainer`].
#[derive(Debug, Clone)]
pub struct TrainerSpec {
    /// Id.
    pub id: TrainerId,
    /// Full name.
    pub name: String,
    /// Their own Municipio (hub), preferred when loads are equal.
    pub home: HubId,
    /// Other hubs they can reach; their own is always included.
    pub reach: Vec<HubId>,
    /// Whether they teach online (e-learning) sessions.
    pub online: bool,
    /// What they teach.
    pub skills: Vec<Skill>,
    /// When they can teach, every week.
    pub weekly: Vec<WeeklySlot>,
    /// Days they cannot teach.
    pub off: Vec<DayOff>,
    /// The most sessions in one ISO week (Monday to Sunday).
    pub max_per_week: u16,
    /// The most sessions in one calendar month.
    pub max_per_month: u16,
}

/// A trainer. Fields are private: skills never repeat a scope, the home hub is among the hubs
/// reached, and the slots and days off are well formed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trainer {
    id: TrainerId,
    name: String,
    home: HubId,
    reach: Vec<HubId>,
    online: bool,
    #[serde(serialize_with = "skills_map")]
    skills: Vec<Skill>,
    weekly: Vec<WeeklySlot>,
    off: Vec<DayOff>,
    max_per_week: u16,
    max_per_month: u16,
    #[serde(skip)]
    levels: [u8; 21],
}

fn skills_map<S: Serializer>(skills: &[Skill], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(skills.iter().map(|s| (s.scope.to_string(), s.up_to.get())))
}

/// 0-based position of a competence among the 21 (1.1 → 0, 5.4 → 20).
pub(crate) fn competence_index(competence: Competence) -> usize {
    const FIRST: [usize; 5] = [0, 3, 9, 13, 17];
    let area = usize::from(competence.area().number());
    let number = competence
        .id()
        .bytes()
        .last()
        .map_or(1, |b| usize::from(b.saturating_sub(b'0')));
    FIRST[area - 1] + number - 1
}

impl Trainer {
    /// Builds a trainer.
    ///
    /// ```
    /// use skillhub_core::digcomp::{Competence, Level};
    /// use skillhub_core::ids::{HubId, TrainerId};
    /// use skillhub_roster::{Place, Skill, Trainer, TrainerSpec, WeeklySlot};
    /// let trainer = Trainer::new(TrainerSpec {
    ///     id: TrainerId::parse("bip-001").unwrap(),
    ///     name: "Giulia Colombo".into(),
    ///     home: HubId::parse("municipio-4").unwrap(),
    ///     reach: vec![HubId::parse("municipio-5").unwrap()],
    ///     online: true,
    ///     skills: vec![Skill::parse("3.4", 5).unwrap(), Skill::parse("2", 3).unwrap()],
    ///     weekly: vec![WeeklySlot::parse("mar 9:00-13:00").unwrap()],
    ///     off: vec![],
    ///     max_per_week: 2,
    ///     max_per_month: 6,
    /// }).unwrap();
    /// let programming = Competence::parse("3.4").unwrap();
    /// assert!(trainer.teaches(&[programming], Level::new(5).unwrap()));
    /// assert!(!trainer.teaches(&[programming], Level::new(6).unwrap()));
    /// assert!(trainer.reaches(&Place::Hub(HubId::parse("municipio-5").unwrap())));
    /// ```
    pub fn new(spec: TrainerSpec) -> Result<Trainer, TrainerError> {
        let name = spec.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(TrainerError::Name);
        }
        let mut seen = BTreeSet::new();
        let mut levels = [0u8; 21];
        for skill in &spec.skills {
            if !seen.insert(skill.scope) {
                return Err(TrainerError::DuplicateSkill(skill.scope.to_string()));
            }
            for competence in Competence::all().filter(|&c| skill.scope.covers(c)) {
                let slot = &mut levels[competence_index(competence)];
                *slot = (*slot).max(skill.up_to.get());
            }
        }
        let mut reach: BTreeSet<HubId> = spec.reach.into_iter().collect();
        reach.insert(spec.home.clone());
        let mut off = spec.off;
        off.sort();
        let mut skills = spec.skills;
        skills.sort_by_key(|s| s.scope.to_string());
        Ok(Trainer {
            id: spec.id,
            name: name.to_owned(),
            home: spec.home,
            reach: reach.into_iter().collect(),
            online: spec.online,
            skills,
            weekly: spec.weekly,
            off,
            max_per_week: spec.max_per_week,
            max_per_month: spec.max_per_month,
            levels,
        })
    }

    /// Id.
    pub fn id(&self) -> &TrainerId {
        &self.id
    }
    /// Full name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Their own Municipio.
    pub fn home(&self) -> &HubId {
        &self.home
    }
    /// Every hub they reach, their own included, sorted.
    pub fn reach(&self) -> &[HubId] {
        &self.reach
    }
    /// Whether they teach online.
    pub fn online(&self) -> bool {
        self.online
    }
    /// What they teach, ordered by scope id (`2` before `2.6` before `3.4`).
    pub fn skills(&self) -> &[Skill] {
        &self.skills
    }
    /// Weekly availability.
    pub fn weekly(&self) -> &[WeeklySlot] {
        &self.weekly
    }
    /// Days off, sorted.
    pub fn off(&self) -> &[DayOff] {
        &self.off
    }
    /// The most sessions in one ISO week.
    pub fn max_per_week(&self) -> u16 {
        self.max_per_week
    }
    /// The most sessions in one calendar month.
    pub fn max_per_month(&self) -> u16 {
        self.max_per_month
    }

    /// The highest level they teach `competence` at, through a competence or an area skill.
    pub fn level_for(&self, competence: Competence) -> Option<Level> {
        let n = self.levels[competence_index(competence)];
        Level::new(i64::from(n)).ok()
    }

    /// Whether they teach every one of `competences` at `level` or above. A session that names no
    /// competence can be taught by anyone (and its level is then not checked).
    pub fn teaches(&self, competences: &[Competence], level: Level) -> bool {
        competences
            .iter()
            .all(|&c| self.levels[competence_index(c)] >= level.get())
    }

    /// Whether they can be at `place`: a hub they reach, or online if they teach online.
    pub fn reaches(&self, place: &Place) -> bool {
        match place {
            Place::Hub(hub) => self.reach.binary_search(hub).is_ok(),
            Place::Online => self.online,
        }
    }

    /// Whether a session from `start` to `end` (civil times) fits one of their weekly slots and
    /// falls on none of their days off.
    pub fn available(&self, start: NaiveDateTime, end: NaiveDateTime) -> bool {
        let day = start.date();
        self.weekly.iter().any(|slot| slot.covers(start, end))
            && !self.off.iter().any(|off| off.contains(day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn competence_indices_follow_the_framework() {
        for (i, c) in Competence::all().enumerate() {
            assert_eq!(competence_index(c), i, "{}", c.id());
        }
    }

    fn check_slot(text: &str, expect: Option<&str>) {
        assert_eq!(
            WeeklySlot::parse(text)
                .ok()
                .map(|s| s.to_string())
                .as_deref(),
            expect,
            "{text:?}"
        );
    }

    #[test]
    fn weekly_slots() {
        check_slot("mar 9:00-13:00", Some("mar 9:00-13:00"));
        check_slot("Martedì 09.30 – 13.30", Some("mar 9:30-13:30"));
        check_slot("sabato 9:00-12:00", Some("sab 9:00-12:00"));
        check_slot("mar 13:00-9:00", None);
        check_slot("mar 9:00", None);
        check_slot("xyz 9:00-10:00", None);
        check_slot("mar 25:00-26:00", None);
    }

    #[test]
    fn days_off_and_scopes() {
        assert!(DayOff::parse("2020-08-31..2020-08-01").is_err());
        assert!(DayOff::parse("13/03/2020").is_err());
        assert_eq!(
            SkillScope::parse("4").unwrap(),
            SkillScope::Area(Area::new(4).unwrap())
        );
        assert!(SkillScope::parse("6").is_err());
        assert!(SkillScope::parse("2.7").is_err());
    }
}
