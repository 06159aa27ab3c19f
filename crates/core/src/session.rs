//! Sessions: one scheduled occurrence of a course ("incontro", "laboratorio", "lezione").
//!
//! A session is written in local civil time in its hub's zone (that is what listings and people
//! say) and also carries the UTC instants derived from it through [`crate::tz`], so that ordering,
//! overlap and storage never depend on a zone again.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::capacity::{SeatKind, Seats};
use crate::digcomp::{Competence, LevelRange};
use crate::ids::{HubId, ProgramId, RoomId, SessionId, TrainerId};
use crate::tz::{LocalTime, TzError, Zone};

/// Why a session cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The title is empty or longer than 300 characters.
    #[error("the title must be 1 to 300 characters long")]
    Title,
    /// The end is not after the start.
    #[error("the session ends ({end}) before or when it starts ({start})")]
    EndsBeforeStart {
        /// Local start.
        start: NaiveDateTime,
        /// Local end.
        end: NaiveDateTime,
    },
    /// The local time does not exist in the zone (clocks went forward).
    #[error("{local} does not exist in {zone}: the clocks jump forward over it (DST gap)")]
    Gap {
        /// The civil time.
        local: NaiveDateTime,
        /// The zone.
        zone: Zone,
    },
    /// The local time happens twice in the zone and no policy chose one.
    #[error(
        "{local} happens twice in {zone} (the clocks go back): choose the earlier or the later one"
    )]
    Ambiguous {
        /// The civil time.
        local: NaiveDateTime,
        /// The zone.
        zone: Zone,
    },
    /// The mode and the seats disagree (an online session with in-person seats, …).
    #[error("a {mode} session cannot have {kind} seats")]
    SeatsForMode {
        /// The session's mode.
        mode: &'static str,
        /// The kind of seat it should not have.
        kind: &'static str,
    },
    /// The date is outside what the system handles.
    #[error(transparent)]
    Tz(#[from] TzError),
}

/// How people attend ("modalità").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// In presenza (classroom).
    InPerson,
    /// Online (e-learning, webinar).
    Online,
    /// Both, each with its own seats.
    Hybrid,
}

impl Mode {
    /// The wire name: `in_person`, `online`, `hybrid`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::InPerson => "in_person",
            Mode::Online => "online",
            Mode::Hybrid => "hybrid",
        }
    }

    /// Italian label.
    pub fn it(self) -> &'static str {
        match self {
            Mode::InPerson => "in presenza",
            Mode::Online => "online",
            Mode::Hybrid => "in presenza e online",
        }
    }
}

/// What to do with a local time that happens twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ambiguity {
    /// Refuse it (the default: a person must decide).
    #[default]
    Refuse,
    /// Take the first occurrence (summer time).
    Earlier,
    /// Take the second occurrence (winter time).
    Later,
}

impl Ambiguity {
    /// Resolves a local time in a zone to one instant under this policy.
    pub fn instant(self, zone: Zone, local: NaiveDateTime) -> Result<DateTime<Utc>, SessionError> {
        match (zone.resolve(local)?, self) {
            (LocalTime::Unique(at), _) => Ok(at),
            (LocalTime::Ambiguous { earlier, .. }, Ambiguity::Earlier) => Ok(earlier),
            (LocalTime::Ambiguous { later, .. }, Ambiguity::Later) => Ok(later),
            (LocalTime::Ambiguous { .. }, Ambiguity::Refuse) => {
                Err(SessionError::Ambiguous { local, zone })
            }
            (LocalTime::Gap, _) => Err(SessionError::Gap { local, zone }),
        }
    }
}

/// Everything needed to build a [`Session`]; the times are local to `zone`.
#[derive(Debug, Clone)]
pub struct SessionSpec {
    /// Id.
    pub id: SessionId,
    /// Program it belongs to.
    pub program: ProgramId,
    /// Hub, or none for an online session of the program.
    pub hub: Option<HubId>,
    /// Room inside the hub.
    pub room: Option<RoomId>,
    /// Title as published.
    pub title: String,
    /// DigComp competences it teaches.
    pub competences: Vec<Competence>,
    /// DigComp levels it is meant for.
    pub level: Option<LevelRange>,
    /// How people attend.
    pub mode: Mode,
    /// Seats per kind.
    pub seats: Seats,
    /// Trainers assigned.
    pub trainers: Vec<TrainerId>,
    /// Local date.
    pub date: NaiveDate,
    /// Local start time.
    pub start: NaiveTime,
    /// Local end time (same day).
    pub end: NaiveTime,
    /// The zone of the local times (the hub's).
    pub zone: Zone,
    /// Policy for times that happen twice.
    pub ambiguity: Ambiguity,
}

/// One scheduled session. Fields are private: a `Session` always ends after it starts, its
/// instants match its local times, and its seats match its mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    id: SessionId,
    program: ProgramId,
    hub: Option<HubId>,
    room: Option<RoomId>,
    title: String,
    competences: Vec<Competence>,
    level: Option<LevelRange>,
    mode: Mode,
    seats: Seats,
    trainers: Vec<TrainerId>,
    local_start: NaiveDateTime,
    local_end: NaiveDateTime,
    zone: Zone,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

impl Session {
    /// Builds a session, resolving its local times in its zone.
    ///
    /// ```
    /// use chrono::{NaiveDate, NaiveTime};
    /// use skillhub_core::capacity::Seats;
    /// use skillhub_core::ids::{ProgramId, SessionId};
    /// use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
    /// use skillhub_core::tz::Zone;
    /// let session = Session::new(SessionSpec {
    ///     id: SessionId::parse("binario-f-2019-04-02").unwrap(),
    ///     program: ProgramId::parse("binario-f").unwrap(),
    ///     hub: None, room: None,
    ///     title: "Instagram per Ambiente, servizi pubblici e gestione emergenze".into(),
    ///     competences: vec![], level: None, mode: Mode::InPerson,
    ///     seats: Seats::new(50, 0).unwrap(), trainers: vec![],
    ///     date: NaiveDate::from_ymd_opt(2019, 4, 2).unwrap(),
    ///     start: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
    ///     end: NaiveTime::from_hms_opt(13, 30, 0).unwrap(),
    ///     zone: Zone::rome(), ambiguity: Ambiguity::Refuse,
    /// }).unwrap();
    /// assert_eq!(session.starts_at().to_rfc3339(), "2019-04-02T07:30:00+00:00");
    /// ```
    pub fn new(spec: SessionSpec) -> Result<Session, SessionError> {
        let title = spec.title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            return Err(SessionError::Title);
        }
        let local_start = spec.date.and_time(spec.start);
        let local_end = spec.date.and_time(spec.end);
        if local_end <= local_start {
            return Err(SessionError::EndsBeforeStart {
                start: local_start,
                end: local_end,
            });
        }
        check_seats_for_mode(spec.mode, spec.seats)?;
        let starts_at = spec.ambiguity.instant(spec.zone, local_start)?;
        let ends_at = spec.ambiguity.instant(spec.zone, local_end)?;
        if ends_at <= starts_at {
            return Err(SessionError::EndsBeforeStart {
                start: local_start,
                end: local_end,
            });
        }
        Ok(Session {
            id: spec.id,
            program: spec.program,
            hub: spec.hub,
            room: spec.room,
            title: title.to_owned(),
            competences: spec.competences,
            level: spec.level,
            mode: spec.mode,
            seats: spec.seats,
            trainers: spec.trainers,
            local_start,
            local_end,
            zone: spec.zone,
            starts_at,
            ends_at,
        })
    }

    /// Id.
    pub fn id(&self) -> &SessionId {
        &self.id
    }
    /// Program it belongs to.
    pub fn program(&self) -> &ProgramId {
        &self.program
    }
    /// Hub, if any (online sessions may have none).
    pub fn hub(&self) -> Option<&HubId> {
        self.hub.as_ref()
    }
    /// Room, if any.
    pub fn room(&self) -> Option<&RoomId> {
        self.room.as_ref()
    }
    /// Title as published.
    pub fn title(&self) -> &str {
        &self.title
    }
    /// DigComp competences taught.
    pub fn competences(&self) -> &[Competence] {
        &self.competences
    }
    /// DigComp levels it is meant for.
    pub fn level(&self) -> Option<LevelRange> {
        self.level
    }
    /// How people attend.
    pub fn mode(&self) -> Mode {
        self.mode
    }
    /// Seats per kind.
    pub fn seats(&self) -> Seats {
        self.seats
    }
    /// Trainers assigned.
    pub fn trainers(&self) -> &[TrainerId] {
        &self.trainers
    }
    /// Local start in the session's zone.
    pub fn local_start(&self) -> NaiveDateTime {
        self.local_start
    }
    /// Local end in the session's zone.
    pub fn local_end(&self) -> NaiveDateTime {
        self.local_end
    }
    /// The zone of the local times.
    pub fn zone(&self) -> Zone {
        self.zone
    }
    /// Start instant.
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }
    /// End instant.
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.ends_at
    }
}

fn check_seats_for_mode(mode: Mode, seats: Seats) -> Result<(), SessionError> {
    let bad = |kind| {
        Err(SessionError::SeatsForMode {
            mode: mode.as_str(),
            kind,
        })
    };
    match mode {
        Mode::InPerson if seats.get(SeatKind::Online) > 0 => bad("online"),
        Mode::Online if seats.get(SeatKind::InPerson) > 0 => bad("in_person"),
        _ => Ok(()),
    }
}
