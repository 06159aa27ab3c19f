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
    /// The session is longer than a day (its end was probably mistyped).
    #[error("the session lasts more than 24 hours ({start} to {end})")]
    TooLong {
        /// Its local start.
        start: NaiveDateTime,
        /// Its local end.
        end: NaiveDateTime,
    },
    /// The seats do not match the mode (online seats for an in-person session, …).
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

    /// The mode named `text` ([`Mode::as_str`]).
    pub fn parse(text: &str) -> Option<Mode> {
        [Mode::InPerson, Mode::Online, Mode::Hybrid]
            .into_iter()
            .find(|mode| mode.as_str() == text)
    }

    /// Whether a session of this mode offers seats of `kind`.
    pub fn offers(self, kind: crate::capacity::SeatKind) -> bool {
        use crate::capacity::SeatKind;
        matches!(
            (self, kind),
            (Mode::InPerson, SeatKind::InPerson)
                | (Mode::Online, SeatKind::Online)
                | (Mode::Hybrid, _)
        )
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

/// The longest session whose local end, written before its start, is read as the next day.
pub const NIGHT_HOURS: i64 = 12;

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
    ///
    /// An end at or before the start is on the next day when that makes a session of at most
    /// [`NIGHT_HOURS`] hours: an evening event from 21:00 to 01:00 crosses local midnight,
    /// while 09:30–08:30 is a mistake and refused.
    pub fn new(spec: SessionSpec) -> Result<Session, SessionError> {
        let local_start = spec.date.and_time(spec.start);
        let same_day = spec.date.and_time(spec.end);
        let local_end = if spec.end <= spec.start {
            let next_day = spec
                .date
                .succ_opt()
                .map(|next| next.and_time(spec.end))
                .filter(|end| *end - local_start <= chrono::Duration::hours(NIGHT_HOURS));
            next_day.ok_or(SessionError::EndsBeforeStart {
                start: local_start,
                end: same_day,
            })?
        } else {
            same_day
        };
        let starts_at = spec.ambiguity.instant(spec.zone, local_start)?;
        let ends_at = spec.ambiguity.instant(spec.zone, local_end)?;
        Session::build(spec, starts_at, ends_at)
    }

    /// Builds a session from its UTC instants (what the API and the store hold), its local
    /// times derived in `spec.zone`; `spec.date`, `start`, `end` and `ambiguity` are not read.
    /// It is judged on the instants, so a session across the autumn clock change (Rome,
    /// 2019-10-27 00:30Z–01:10Z: 02:30 summer time to 02:10 winter time) is as valid as one
    /// across midnight.
    ///
    /// ```
    /// use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
    /// use skillhub_core::capacity::Seats;
    /// use skillhub_core::ids::{ProgramId, SessionId};
    /// use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
    /// use skillhub_core::tz::Zone;
    /// let spec = SessionSpec {
    ///     id: SessionId::parse("notte").unwrap(),
    ///     program: ProgramId::parse("binario-f").unwrap(),
    ///     hub: None, room: None, title: "Cambio dell'ora".into(),
    ///     competences: vec![], level: None, mode: Mode::Online,
    ///     seats: Seats::new(0, 10).unwrap(), trainers: vec![],
    ///     date: NaiveDate::MIN, start: NaiveTime::MIN, end: NaiveTime::MIN,
    ///     zone: Zone::rome(), ambiguity: Ambiguity::Refuse,
    /// };
    /// let start = Utc.with_ymd_and_hms(2019, 10, 27, 0, 30, 0).unwrap();
    /// let end = Utc.with_ymd_and_hms(2019, 10, 27, 1, 10, 0).unwrap();
    /// let session = Session::between(spec, start, end).unwrap();
    /// assert_eq!(session.local_start().to_string(), "2019-10-27 02:30:00");
    /// assert_eq!(session.local_end().to_string(), "2019-10-27 02:10:00");
    /// ```
    pub fn between(
        spec: SessionSpec,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    ) -> Result<Session, SessionError> {
        Session::build(spec, starts_at, ends_at)
    }

    fn build(
        spec: SessionSpec,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    ) -> Result<Session, SessionError> {
        let title = spec.title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            return Err(SessionError::Title);
        }
        let local_start = spec.zone.to_local(starts_at)?;
        let local_end = spec.zone.to_local(ends_at)?;
        if ends_at <= starts_at {
            return Err(SessionError::EndsBeforeStart {
                start: local_start,
                end: local_end,
            });
        }
        if ends_at - starts_at > chrono::Duration::hours(24) {
            return Err(SessionError::TooLong {
                start: local_start,
                end: local_end,
            });
        }
        check_seats_for_mode(spec.mode, spec.seats)?;
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
    /// The same session under another id (ids are names, not part of what makes a session
    /// valid): how a generated id that is taken becomes `…-2`.
    pub fn with_id(self, id: SessionId) -> Session {
        Session { id, ..self }
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn spec(date: (i32, u32, u32), start: (u32, u32), end: (u32, u32)) -> SessionSpec {
        SessionSpec {
            id: SessionId::parse("s").unwrap(),
            program: ProgramId::parse("p").unwrap(),
            hub: None,
            room: None,
            title: "Serata".into(),
            competences: vec![],
            level: None,
            mode: Mode::Online,
            seats: Seats::new(0, 10).unwrap(),
            trainers: vec![],
            date: NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap(),
            start: NaiveTime::from_hms_opt(start.0, start.1, 0).unwrap(),
            end: NaiveTime::from_hms_opt(end.0, end.1, 0).unwrap(),
            zone: Zone::rome(),
            ambiguity: Ambiguity::Refuse,
        }
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn an_evening_event_crosses_local_midnight() {
        let session = Session::new(spec((2019, 3, 8), (21, 0), (1, 0))).unwrap();
        assert_eq!(session.starts_at(), utc(2019, 3, 8, 20, 0));
        assert_eq!(session.ends_at(), utc(2019, 3, 9, 0, 0));
        assert_eq!(session.local_end().to_string(), "2019-03-09 01:00:00");
    }

    #[test]
    fn a_session_across_the_autumn_change_is_judged_on_its_instants() {
        let start = utc(2019, 10, 27, 0, 30);
        let end = utc(2019, 10, 27, 1, 10);
        let session = Session::between(spec((2000, 1, 1), (0, 0), (0, 0)), start, end).unwrap();
        assert_eq!((session.starts_at(), session.ends_at()), (start, end));
        // 02:30 summer time, then 02:10 winter time: the local end is before the local start.
        assert!(session.local_end() < session.local_start());
        // The same instants the other way round are refused, and so is a session of days.
        let err = Session::between(spec((2000, 1, 1), (0, 0), (0, 0)), end, start).unwrap_err();
        assert!(matches!(err, SessionError::EndsBeforeStart { .. }), "{err}");
        let err = Session::between(
            spec((2000, 1, 1), (0, 0), (0, 0)),
            start,
            start + chrono::Duration::hours(25),
        )
        .unwrap_err();
        assert!(matches!(err, SessionError::TooLong { .. }), "{err}");
    }

    #[test]
    fn between_agrees_with_new_on_ordinary_sessions() {
        let by_local = Session::new(spec((2019, 2, 12), (9, 30), (13, 30))).unwrap();
        let by_instants = Session::between(
            spec((2000, 1, 1), (0, 0), (0, 0)),
            by_local.starts_at(),
            by_local.ends_at(),
        )
        .unwrap();
        assert_eq!(by_local, by_instants);
    }
}
