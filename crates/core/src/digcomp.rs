//! DigComp 2.2, the EU framework of digital competence: five areas, 21 competences, eight
//! proficiency levels in four bands; and placement of a person from a self-assessment.
//!
//! Names are the JRC's English ones and the official Italian translation (AgID / Repubblica
//! Digitale).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a DigComp value does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigCompError {
    /// A level outside 1–8.
    #[error("DigComp level {0} is out of range (expected 1 to 8)")]
    Level(i64),
    /// A range whose minimum is above its maximum.
    #[error("DigComp level range {min}–{max} is empty (min must not exceed max)")]
    Range {
        /// The minimum given.
        min: u8,
        /// The maximum given.
        max: u8,
    },
    /// A competence id that DigComp 2.2 does not have.
    #[error("{0:?} is not a DigComp 2.2 competence (expected 1.1 to 5.4)")]
    Competence(String),
    /// A self-assessment answer outside 0–8.
    #[error("self-assessment answer {answer} for {competence} is out of range (expected 0 to 8)")]
    Answer {
        /// The competence answered.
        competence: String,
        /// The answer given.
        answer: i64,
    },
}

/// A proficiency level, 1 to 8 ("livello di padronanza").
///
/// ```
/// use skillhub_core::digcomp::{Band, Level};
/// let level = Level::new(5).unwrap();
/// assert_eq!(level.band(), Band::Advanced);
/// assert!(Level::new(9).is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Level(u8);

impl Level {
    /// The lowest level.
    pub const MIN: Level = Level(1);
    /// The highest level.
    pub const MAX: Level = Level(8);

    /// Checks 1 ≤ `n` ≤ 8.
    pub fn new(n: i64) -> Result<Self, DigCompError> {
        match u8::try_from(n) {
            Ok(n @ 1..=8) => Ok(Level(n)),
            _ => Err(DigCompError::Level(n)),
        }
    }

    /// The number 1–8.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The band the level belongs to.
    pub fn band(self) -> Band {
        match self.0 {
            1 | 2 => Band::Foundation,
            3 | 4 => Band::Intermediate,
            5 | 6 => Band::Advanced,
            _ => Band::HighlySpecialised,
        }
    }

    /// Every level, 1 to 8.
    pub fn all() -> impl Iterator<Item = Level> {
        (1..=8).map(Level)
    }
}

impl fmt::Debug for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Level({})", self.0)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Level::new(i64::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// The four bands of two levels each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Levels 1–2.
    Foundation,
    /// Levels 3–4.
    Intermediate,
    /// Levels 5–6.
    Advanced,
    /// Levels 7–8.
    HighlySpecialised,
}

impl Band {
    /// Italian name (AgID).
    pub fn it(self) -> &'static str {
        match self {
            Band::Foundation => "Base",
            Band::Intermediate => "Intermedio",
            Band::Advanced => "Avanzato",
            Band::HighlySpecialised => "Altamente specializzato",
        }
    }

    /// English name (JRC).
    pub fn en(self) -> &'static str {
        match self {
            Band::Foundation => "Foundation",
            Band::Intermediate => "Intermediate",
            Band::Advanced => "Advanced",
            Band::HighlySpecialised => "Highly specialised",
        }
    }
}

/// An inclusive range of levels a session is meant for.
///
/// ```
/// use skillhub_core::digcomp::{Level, LevelRange};
/// let range = LevelRange::new(Level::new(3).unwrap(), Level::new(4).unwrap()).unwrap();
/// assert!(range.contains(Level::new(4).unwrap()));
/// assert!(!range.contains(Level::new(5).unwrap()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct LevelRange {
    min: Level,
    max: Level,
}

impl LevelRange {
    /// Checks `min ≤ max`.
    pub fn new(min: Level, max: Level) -> Result<Self, DigCompError> {
        if min > max {
            return Err(DigCompError::Range {
                min: min.0,
                max: max.0,
            });
        }
        Ok(LevelRange { min, max })
    }

    /// The lowest level the range admits.
    pub fn min(self) -> Level {
        self.min
    }

    /// The highest level the range admits.
    pub fn max(self) -> Level {
        self.max
    }

    /// Whether `level` is inside the range.
    pub fn contains(self, level: Level) -> bool {
        self.min <= level && level <= self.max
    }
}

impl<'de> Deserialize<'de> for LevelRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            min: Level,
            max: Level,
        }
        let raw = Raw::deserialize(deserializer)?;
        LevelRange::new(raw.min, raw.max).map_err(serde::de::Error::custom)
    }
}

/// One of the five competence areas, numbered 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Area(u8);

/// One of the 21 competences, e.g. 3.4 Programming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Competence {
    area: u8,
    number: u8,
}

/// (id, English, Italian) of the five areas.
const AREAS: [(&str, &str, &str); 5] = [
    (
        "1",
        "Information and data literacy",
        "Alfabetizzazione su informazioni e dati",
    ),
    (
        "2",
        "Communication and collaboration",
        "Comunicazione e collaborazione",
    ),
    (
        "3",
        "Digital content creation",
        "Creazione di contenuti digitali",
    ),
    ("4", "Safety", "Sicurezza"),
    ("5", "Problem solving", "Risolvere problemi"),
];

/// (id, English, Italian) of the 21 competences, in order.
const COMPETENCES: [(&str, &str, &str); 21] = [
    (
        "1.1",
        "Browsing, searching and filtering data, information and digital content",
        "Navigare, ricercare e filtrare dati, informazioni e contenuti digitali",
    ),
    (
        "1.2",
        "Evaluating data, information and digital content",
        "Valutare dati, informazioni e contenuti digitali",
    ),
    (
        "1.3",
        "Managing data, information and digital content",
        "Gestire dati, informazioni e contenuti digitali",
    ),
    (
        "2.1",
        "Interacting through digital technologies",
        "Interagire attraverso le tecnologie digitali",
    ),
    (
        "2.2",
        "Sharing through digital technologies",
        "Condividere informazioni attraverso le tecnologie digitali",
    ),
    (
        "2.3",
        "Engaging citizenship through digital technologies",
        "Esercitare la cittadinanza attraverso le tecnologie digitali",
    ),
    (
        "2.4",
        "Collaborating through digital technologies",
        "Collaborare attraverso le tecnologie digitali",
    ),
    ("2.5", "Netiquette", "Netiquette"),
    (
        "2.6",
        "Managing digital identity",
        "Gestire l'identità digitale",
    ),
    (
        "3.1",
        "Developing digital content",
        "Sviluppare contenuti digitali",
    ),
    (
        "3.2",
        "Integrating and re-elaborating digital content",
        "Integrare e rielaborare contenuti digitali",
    ),
    ("3.3", "Copyright and licences", "Copyright e licenze"),
    ("3.4", "Programming", "Programmazione"),
    ("4.1", "Protecting devices", "Proteggere i dispositivi"),
    (
        "4.2",
        "Protecting personal data and privacy",
        "Proteggere i dati personali e la privacy",
    ),
    (
        "4.3",
        "Protecting health and well-being",
        "Proteggere la salute e il benessere",
    ),
    ("4.4", "Protecting the environment", "Proteggere l'ambiente"),
    (
        "5.1",
        "Solving technical problems",
        "Risolvere problemi tecnici",
    ),
    (
        "5.2",
        "Identifying needs and technological responses",
        "Individuare fabbisogni e risposte tecnologiche",
    ),
    (
        "5.3",
        "Creatively using digital technology",
        "Utilizzare in modo creativo le tecnologie digitali",
    ),
    (
        "5.4",
        "Identifying digital competence gaps",
        "Individuare i divari di competenze digitali",
    ),
];

impl Area {
    /// The five areas in order.
    pub fn all() -> impl Iterator<Item = Area> {
        (1..=5).map(Area)
    }

    /// The area number 1–5, if it exists.
    pub fn new(number: u8) -> Option<Area> {
        (1..=5).contains(&number).then_some(Area(number))
    }

    /// The number 1–5.
    pub fn number(self) -> u8 {
        self.0
    }

    fn row(self) -> (&'static str, &'static str, &'static str) {
        AREAS[usize::from(self.0 - 1)]
    }

    /// English name.
    pub fn en(self) -> &'static str {
        self.row().1
    }

    /// Italian name.
    pub fn it(self) -> &'static str {
        self.row().2
    }

    /// The competences of this area.
    pub fn competences(self) -> impl Iterator<Item = Competence> {
        Competence::all().filter(move |c| c.area == self.0)
    }
}

impl Competence {
    /// The 21 competences in order.
    pub fn all() -> impl Iterator<Item = Competence> {
        COMPETENCES.iter().map(|(id, _, _)| {
            let b = id.as_bytes();
            Competence {
                area: b[0] - b'0',
                number: b[2] - b'0',
            }
        })
    }

    /// Parses an id such as `3.4`.
    ///
    /// ```
    /// use skillhub_core::digcomp::Competence;
    /// assert_eq!(Competence::parse("3.4").unwrap().it(), "Programmazione");
    /// assert!(Competence::parse("2.7").is_err());
    /// ```
    pub fn parse(id: &str) -> Result<Competence, DigCompError> {
        Competence::all()
            .find(|c| c.id() == id.trim())
            .ok_or_else(|| DigCompError::Competence(id.to_owned()))
    }

    fn row(self) -> (&'static str, &'static str, &'static str) {
        // `Competence` values only come from `all()`, so the row exists.
        COMPETENCES
            .iter()
            .copied()
            .find(|(id, _, _)| {
                id.as_bytes() == [b'0' + self.area, b'.', b'0' + self.number].as_slice()
            })
            .unwrap_or(("?", "?", "?"))
    }

    /// The id, such as `3.4`.
    pub fn id(self) -> &'static str {
        self.row().0
    }

    /// The area this competence belongs to.
    pub fn area(self) -> Area {
        Area(self.area)
    }

    /// English name.
    pub fn en(self) -> &'static str {
        self.row().1
    }

    /// Italian name.
    pub fn it(self) -> &'static str {
        self.row().2
    }
}

impl Serialize for Competence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Competence {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Competence::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A self-assessment: for each competence, the highest level (0–8) at whose tasks the person
/// says they succeed; 0 means "not yet", and an unanswered competence counts as 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelfAssessment {
    answers: BTreeMap<Competence, u8>,
}

impl SelfAssessment {
    /// Builds an assessment from `(competence id, answer)` pairs.
    pub fn new<'a>(
        answers: impl IntoIterator<Item = (&'a str, i64)>,
    ) -> Result<Self, DigCompError> {
        let mut map = BTreeMap::new();
        for (id, answer) in answers {
            let competence = Competence::parse(id)?;
            let value = u8::try_from(answer)
                .ok()
                .filter(|a| *a <= 8)
                .ok_or_else(|| DigCompError::Answer {
                    competence: id.to_owned(),
                    answer,
                })?;
            map.insert(competence, value);
        }
        Ok(SelfAssessment { answers: map })
    }

    fn answer(&self, competence: Competence) -> u8 {
        self.answers.get(&competence).copied().unwrap_or(0)
    }

    /// Places the person: per area, the lower median of the area's answers; overall, the lower
    /// median of the five area levels. A median of 0 places at level 1 (everyone can start at
    /// foundation). The median keeps one over-confident answer from lifting a whole area.
    ///
    /// ```
    /// use skillhub_core::digcomp::SelfAssessment;
    /// let a = SelfAssessment::new([("1.1", 4), ("1.2", 3), ("1.3", 8), ("3.4", 6)]).unwrap();
    /// let placement = a.place();
    /// assert_eq!(placement.area(1).unwrap().get(), 4);
    /// assert_eq!(placement.area(3).unwrap().get(), 1);
    /// assert_eq!(placement.overall.get(), 1);
    /// ```
    pub fn place(&self) -> Placement {
        let raw: Vec<u8> = Area::all()
            .map(|area| lower_median(area.competences().map(|c| self.answer(c)).collect()))
            .collect();
        let per_area = raw.iter().map(|&n| Level(n.max(1))).collect();
        Placement {
            per_area,
            overall: Level(lower_median(raw).max(1)),
        }
    }
}

fn lower_median(mut values: Vec<u8>) -> u8 {
    values.sort_unstable();
    values
        .get(values.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0)
}

/// Where a self-assessment places a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placement {
    /// Level per area, areas 1–5 in order.
    pub per_area: Vec<Level>,
    /// One level for the whole person.
    pub overall: Level,
}

impl Placement {
    /// The level in area `number` (1–5).
    pub fn area(&self, number: u8) -> Option<Level> {
        self.per_area
            .get(usize::from(number.checked_sub(1)?))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn framework_has_five_areas_and_21_competences() {
        assert_eq!(Area::all().count(), 5);
        assert_eq!(Competence::all().count(), 21);
        let per_area: Vec<usize> = Area::all().map(|a| a.competences().count()).collect();
        assert_eq!(per_area, [3, 6, 4, 4, 4]);
        for c in Competence::all() {
            assert_eq!(Competence::parse(c.id()).unwrap(), c);
            assert!(c.id().starts_with(&c.area().number().to_string()));
        }
    }

    #[test]
    fn framework_table() {
        let table: Vec<String> = Area::all()
            .flat_map(|a| {
                std::iter::once(format!("{} {} / {}", a.number(), a.en(), a.it())).chain(
                    a.competences()
                        .map(|c| format!("  {} {} / {}", c.id(), c.en(), c.it())),
                )
            })
            .chain(
                Level::all().map(|l| format!("level {l}: {} / {}", l.band().en(), l.band().it())),
            )
            .collect();
        insta::assert_yaml_snapshot!(table);
    }

    #[test]
    fn bands() {
        let bands: Vec<Band> = Level::all().map(Level::band).collect();
        use Band::*;
        assert_eq!(
            bands,
            [
                Foundation,
                Foundation,
                Intermediate,
                Intermediate,
                Advanced,
                Advanced,
                HighlySpecialised,
                HighlySpecialised
            ]
        );
    }

    #[test]
    fn bad_values() {
        assert!(Level::new(0).is_err());
        assert!(serde_json::from_str::<Level>("9").is_err());
        assert!(serde_json::from_str::<LevelRange>(r#"{"min":5,"max":3}"#).is_err());
        assert!(SelfAssessment::new([("1.1", 9)]).is_err());
        assert!(SelfAssessment::new([("6.1", 1)]).is_err());
    }

    proptest! {
        /// Placement is monotone: answering higher never places lower, and levels stay in 1–8.
        #[test]
        fn placement_is_monotone(answers in proptest::collection::vec(0i64..=8, 21), bump in 0usize..21) {
            let ids: Vec<&str> = Competence::all().map(Competence::id).collect();
            let before = SelfAssessment::new(ids.iter().copied().zip(answers.iter().copied())).unwrap();
            let mut higher = answers.clone();
            higher[bump] = 8;
            let after = SelfAssessment::new(ids.iter().copied().zip(higher)).unwrap();
            let (p, q) = (before.place(), after.place());
            prop_assert!(p.overall <= q.overall);
            for (x, y) in p.per_area.iter().zip(&q.per_area) {
                prop_assert!(x <= y);
            }
        }
    }
}
