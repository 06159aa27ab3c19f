//! What rostering needs to know about a session: where (a hub or online), when (local civil time
//! and UTC instants), what it teaches (DigComp competences and level) and how many trainers it
//! needs. Built from a [`Session`] or directly.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Serialize, Serializer};

use super::RosterError;
use skillhub_core::digcomp::{Competence, Level};
use skillhub_core::ids::{HubId, SessionId};
use skillhub_core::session::{Ambiguity, Mode, Session};
use skillhub_core::tz::Zone;

/// The most trainers one session can ask for.
pub const MAX_TRAINERS_PER_SESSION: u8 = 20;

/// Where a session happens, for travel: a hub (a Municipio) or online.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// In person at a hub (hybrid sessions too: someone must be there).
    Hub(HubId),
    /// Online (e-learning): no travel.
    Online,
}

impl Place {
    /// The hub, if in person.
    pub fn hub(&self) -> Option<&HubId> {
        match self {
            Place::Hub(hub) => Some(hub),
            Place::Online => None,
        }
    }

    /// The place's name: `Municipio 4` for the hub `municipio-4`, the hub's id otherwise, or
    /// `online`.
    pub fn name(&self) -> String {
        match self {
            Place::Hub(hub) => match hub.as_str().strip_prefix("municipio-") {
                Some(n) if n.chars().all(|c| c.is_ascii_digit()) => format!("Municipio {n}"),
                _ => hub.to_string(),
            },
            Place::Online => "online".to_owned(),
        }
    }

    /// "il Municipio 4", "la sede binario-f", "online".
    pub fn name_it_with_article(&self) -> String {
        match self {
            Place::Hub(hub) if hub.as_str().starts_with("municipio-") => {
                format!("il {}", self.name())
            }
            Place::Hub(_) => format!("la sede {}", self.name()),
            Place::Online => "online".to_owned(),
        }
    }

    /// "nel Municipio 4", "nella sede binario-f", "online".
    pub fn at_it(&self) -> String {
        match self {
            Place::Hub(hub) if hub.as_str().starts_with("municipio-") => {
                format!("nel {}", self.name())
            }
            Place::Hub(_) => format!("nella sede {}", self.name()),
            Place::Online => "online".to_owned(),
        }
    }

    /// "in Municipio 4", "at binario-f", "online".
    pub fn at_en(&self) -> String {
        match self {
            Place::Hub(hub) if hub.as_str().starts_with("municipio-") => {
                format!("in {}", self.name())
            }
            Place::Hub(_) => format!("at {}", self.name()),
            Place::Online => "online".to_owned(),
        }
    }
}

impl fmt::Display for Place {
    /// The hub's id, or `online`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Hub(hub) => f.write_str(hub.as_str()),
            Place::Online => f.write_str("online"),
        }
    }
}

impl Serialize for Place {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Everything needed to build a [`RosterSession`]; times are local to `zone`, on one day.
#[derive(Debug, Clone)]
pub struct RosterSessionSpec {
    /// Id.
    pub id: SessionId,
    /// Where.
    pub place: Place,
    /// Local date.
    pub date: NaiveDate,
    /// Local start.
    pub start: NaiveTime,
    /// Local end (same day).
    pub end: NaiveTime,
    /// The zone of the local times (the hub's, or the program's for online sessions).
    pub zone: Zone,
    /// Policy for times that happen twice.
    pub ambiguity: Ambiguity,
    /// Competences taught: a trainer must teach every one of them.
    pub competences: Vec<Competence>,
    /// The level a trainer must teach them at.
    pub level: Level,
    /// How many trainers it needs, 1 to [`MAX_TRAINERS_PER_SESSION`].
    pub trainers_needed: u8,
}

/// A session to staff. Fields are private: it ends after it starts, on the same local day, its
/// instants match its local times, and it needs 1 to [`MAX_TRAINERS_PER_SESSION`] trainers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterSession {
    id: SessionId,
    place: Place,
    local_start: NaiveDateTime,
    local_end: NaiveDateTime,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    competences: Vec<Competence>,
    level: Level,
    trainers_needed: u8,
}

impl RosterSession {
    /// Builds a session to staff.
    ///
    /// ```
    /// use chrono::{NaiveDate, NaiveTime};
    /// use skillhub_core::digcomp::{Competence, Level};
    /// use skillhub_core::ids::{HubId, SessionId};
    /// use skillhub_roster::{Place, RosterSession, RosterSessionSpec};
    /// use skillhub_core::session::Ambiguity;
    /// use skillhub_core::tz::Zone;
    /// let session = RosterSession::new(RosterSessionSpec {
    ///     id: SessionId::parse("municipio-4-2020-03-12-0930").unwrap(),
    ///     place: Place::Hub(HubId::parse("municipio-4").unwrap()),
    ///     date: NaiveDate::from_ymd_opt(2020, 3, 12).unwrap(),
    ///     start: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
    ///     end: NaiveTime::from_hms_opt(13, 30, 0).unwrap(),
    ///     zone: Zone::rome(),
    ///     ambiguity: Ambiguity::Refuse,
    ///     competences: vec![Competence::parse("3.4").unwrap()],
    ///     level: Level::new(5).unwrap(),
    ///     trainers_needed: 2,
    /// }).unwrap();
    /// assert_eq!(session.starts_at().to_rfc3339(), "2020-03-12T08:30:00+00:00");
    /// ```
    pub fn new(spec: RosterSessionSpec) -> Result<RosterSession, RosterError> {
        let local_start = spec.date.and_time(spec.start);
        let local_end = spec.date.and_time(spec.end);
        let invalid = |reason: &str| RosterError::InvalidSession {
            session: spec.id.clone(),
            reason: reason.to_owned(),
        };
        if local_end <= local_start {
            return Err(invalid("it ends before or when it starts"));
        }
        let starts_at = spec
            .ambiguity
            .instant(spec.zone, local_start)
            .map_err(|e| invalid(&e.to_string()))?;
        let ends_at = spec
            .ambiguity
            .instant(spec.zone, local_end)
            .map_err(|e| invalid(&e.to_string()))?;
        if ends_at <= starts_at {
            return Err(invalid("it ends before or when it starts"));
        }
        let session = RosterSession {
            id: spec.id,
            place: spec.place,
            local_start,
            local_end,
            starts_at,
            ends_at,
            competences: spec.competences,
            level: spec.level,
            trainers_needed: 1,
        };
        session.with_trainers_needed(spec.trainers_needed)
    }

    /// The same session needing `n` trainers (1 to [`MAX_TRAINERS_PER_SESSION`]).
    pub fn with_trainers_needed(mut self, n: u8) -> Result<RosterSession, RosterError> {
        if !(1..=MAX_TRAINERS_PER_SESSION).contains(&n) {
            return Err(RosterError::TrainersNeeded {
                session: self.id,
                needed: n,
            });
        }
        self.trainers_needed = n;
        Ok(self)
    }

    /// Id.
    pub fn id(&self) -> &SessionId {
        &self.id
    }
    /// Where.
    pub fn place(&self) -> &Place {
        &self.place
    }
    /// Local start.
    pub fn local_start(&self) -> NaiveDateTime {
        self.local_start
    }
    /// Local end.
    pub fn local_end(&self) -> NaiveDateTime {
        self.local_end
    }
    /// Start instant.
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }
    /// End instant.
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.ends_at
    }
    /// Competences taught.
    pub fn competences(&self) -> &[Competence] {
        &self.competences
    }
    /// Level a trainer must teach them at.
    pub fn level(&self) -> Level {
        self.level
    }
    /// How many trainers it needs.
    pub fn trainers_needed(&self) -> u8 {
        self.trainers_needed
    }
}

impl From<&Session> for RosterSession {
    /// One trainer (see [`RosterSession::with_trainers_needed`]); the level is the top of the
    /// session's level range (a trainer must teach its most advanced participants), level 1 when
    /// it has none; online sessions, and sessions without a hub, need no travel.
    fn from(session: &Session) -> Self {
        let place = match (session.mode(), session.hub()) {
            (Mode::Online, _) | (_, None) => Place::Online,
            (_, Some(hub)) => Place::Hub(hub.clone()),
        };
        RosterSession {
            id: session.id().clone(),
            place,
            local_start: session.local_start(),
            local_end: session.local_end(),
            starts_at: session.starts_at(),
            ends_at: session.ends_at(),
            competences: session.competences().to_vec(),
            level: session.level().map_or(Level::MIN, |range| range.max()),
            trainers_needed: 1,
        }
    }
}
