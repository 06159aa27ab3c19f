//! An example season ("stagione di esempio"): a program's sessions laid out from a weekly
//! pattern over the weeks after a given day, so that a new server has upcoming sessions to
//! register for. The pattern is data (`fixtures/seasons/`), the day is a parameter: the same
//! pattern and day always give the same sessions.
//!
//! Each series names a weekday, times, seats, a mode and (unless online) the hubs it rotates
//! through: in week `w` a series with hubs `h₀ … hₙ₋₁` meets at `h_(w mod n)`. Week 0 is the
//! first week after the day given, so the first session is between 1 and 7 days later. Ids are
//! `HUB-YYYY-MM-DD-HHMM` (`PROGRAM-…` online), as the API makes them.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use serde::Deserialize;

use crate::capacity::Seats;
use crate::ids::{HubId, ProgramId, SessionId};
use crate::italian::parse_weekday;
use crate::program::Program;
use crate::session::{Ambiguity, Mode, Session, SessionError, SessionSpec};

/// The example season of #milanodigitale, compiled in.
pub const EXAMPLE_SEASON: &str =
    include_str!("../../../fixtures/seasons/milano-digitale-esempio.toml");

/// Why a season pattern is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SeasonError {
    /// Not TOML of the season's shape.
    #[error("{0}")]
    Syntax(String),
    /// A value that does not fit, at its JSON pointer.
    #[error("{pointer}: {message}")]
    Invalid {
        /// Where, e.g. `/series/0/weekday`.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// A session the pattern makes is not valid.
    #[error("{pointer}: {source}")]
    Session {
        /// The series, e.g. `/series/2`.
        pointer: String,
        /// Why core refused it.
        #[source]
        source: SessionError,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeasonFile {
    program: String,
    weeks: u32,
    series: Vec<SeriesFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesFile {
    title: String,
    weekday: String,
    start: String,
    end: String,
    seats: i64,
    mode: Mode,
    #[serde(default)]
    hubs: Vec<String>,
}

/// A parsed season pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Season {
    program: ProgramId,
    weeks: u32,
    series: Vec<Series>,
}

#[derive(Debug, Clone, PartialEq)]
struct Series {
    title: String,
    weekday: Weekday,
    start: NaiveTime,
    end: NaiveTime,
    seats: Seats,
    mode: Mode,
    hubs: Vec<HubId>,
}

fn invalid(pointer: String, message: impl Into<String>) -> SeasonError {
    SeasonError::Invalid {
        pointer,
        message: message.into(),
    }
}

impl Season {
    /// Parses a season pattern (the format of `fixtures/seasons/`).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::fixture::{SEED_PROGRAMS, parse_program};
    /// use skillhub_core::season::{EXAMPLE_SEASON, Season};
    /// let season = Season::parse(EXAMPLE_SEASON)?;
    /// let (_, text) = SEED_PROGRAMS.iter().find(|(n, _)| *n == "milano-digitale.toml").unwrap();
    /// let program = parse_program(text).unwrap();
    /// let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    /// let sessions = season.sessions(&program, today)?;
    /// assert_eq!(sessions.len(), 8 * 4);
    /// assert!(sessions.iter().all(|s| s.local_start().date() > today));
    /// # Ok::<(), skillhub_core::season::SeasonError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Season, SeasonError> {
        let file: SeasonFile =
            toml::from_str(text).map_err(|err| SeasonError::Syntax(err.to_string()))?;
        let program = ProgramId::parse(&file.program)
            .map_err(|err| invalid("/program".into(), err.to_string()))?;
        if !(1..=52).contains(&file.weeks) {
            return Err(invalid("/weeks".into(), "a season lasts 1 to 52 weeks"));
        }
        let series = file
            .series
            .into_iter()
            .enumerate()
            .map(|(i, series)| Series::parse(&format!("/series/{i}"), series))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Season {
            program,
            weeks: file.weeks,
            series,
        })
    }

    /// The program the season is for.
    pub fn program(&self) -> &ProgramId {
        &self.program
    }

    /// The season's sessions, counted from the week after `from`, in date order.
    pub fn sessions(
        &self,
        program: &Program,
        from: NaiveDate,
    ) -> Result<Vec<Session>, SeasonError> {
        if program.id() != &self.program {
            return Err(invalid(
                "/program".into(),
                format!("the season is for {}, not {}", self.program, program.id()),
            ));
        }
        let mut sessions = Vec::new();
        for (i, series) in self.series.iter().enumerate() {
            let pointer = format!("/series/{i}");
            for week in 0..self.weeks {
                let session =
                    series
                        .session(program, from, week)
                        .map_err(|source| match source {
                            SeasonBuild::Invalid(message) => invalid(pointer.clone(), message),
                            SeasonBuild::Session(source) => SeasonError::Session {
                                pointer: pointer.clone(),
                                source,
                            },
                        })?;
                sessions.push(session);
            }
        }
        sessions.sort_by(|a, b| (a.starts_at(), a.id()).cmp(&(b.starts_at(), b.id())));
        Ok(sessions)
    }
}

/// Why one session of a series could not be made.
enum SeasonBuild {
    Invalid(String),
    Session(SessionError),
}

impl Series {
    fn parse(pointer: &str, file: SeriesFile) -> Result<Series, SeasonError> {
        let weekday = parse_weekday(&file.weekday).ok_or_else(|| {
            invalid(
                format!("{pointer}/weekday"),
                format!("{:?} is not a weekday (lunedì … domenica)", file.weekday),
            )
        })?;
        let time = |name: &str, text: &str| {
            NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| {
                invalid(
                    format!("{pointer}/{name}"),
                    format!("{text:?} is not a time such as 18:30"),
                )
            })
        };
        let start = time("start", &file.start)?;
        let end = time("end", &file.end)?;
        let seats = u32::try_from(file.seats)
            .map_err(|_| invalid(format!("{pointer}/seats"), "seats cannot be negative"))
            .and_then(|n| {
                Seats::for_mode(file.mode, n)
                    .map_err(|err| invalid(format!("{pointer}/seats"), err.to_string()))
            })?;
        let hubs = file
            .hubs
            .iter()
            .enumerate()
            .map(|(j, hub)| {
                HubId::parse(hub)
                    .map_err(|err| invalid(format!("{pointer}/hubs/{j}"), err.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if hubs.is_empty() && file.mode != Mode::Online {
            return Err(invalid(
                format!("{pointer}/hubs"),
                "a session in the room needs at least one hub",
            ));
        }
        Ok(Series {
            title: file.title,
            weekday,
            start,
            end,
            seats,
            mode: file.mode,
            hubs,
        })
    }

    fn session(
        &self,
        program: &Program,
        from: NaiveDate,
        week: u32,
    ) -> Result<Session, SeasonBuild> {
        let ahead = (7 + self.weekday.num_days_from_monday() as i64
            - from.weekday().num_days_from_monday() as i64)
            % 7;
        let first = from + Duration::days(if ahead == 0 { 7 } else { ahead });
        let date = first + Duration::weeks(i64::from(week));
        let hub = if self.hubs.is_empty() {
            None
        } else {
            let k = usize::try_from(week).unwrap_or(0) % self.hubs.len();
            Some(self.hubs[k].clone())
        };
        let zone = match &hub {
            Some(id) => {
                program
                    .hub(id)
                    .ok_or_else(|| {
                        SeasonBuild::Invalid(format!("{} has no hub {id}", program.id()))
                    })?
                    .zone
            }
            None => program.zone(),
        };
        let prefix = hub
            .as_ref()
            .map_or_else(|| program.id().as_str(), HubId::as_str);
        let id = SessionId::starting(prefix, date.and_time(self.start))
            .map_err(|err| SeasonBuild::Invalid(err.to_string()))?;
        Session::new(SessionSpec {
            id,
            program: program.id().clone(),
            hub,
            room: None,
            title: self.title.clone(),
            competences: Vec::new(),
            level: None,
            mode: self.mode,
            seats: self.seats,
            trainers: Vec::new(),
            date,
            start: self.start,
            end: self.end,
            zone,
            // An evening lab never falls in the autumn's repeated hour; if it did, the first.
            ambiguity: Ambiguity::Earlier,
        })
        .map_err(SeasonBuild::Session)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::fixture::{SEED_PROGRAMS, parse_program};

    fn milano() -> Program {
        let (_, text) = SEED_PROGRAMS
            .iter()
            .find(|(name, _)| *name == "milano-digitale.toml")
            .unwrap();
        parse_program(text).unwrap()
    }

    #[test]
    fn the_example_season_rotates_through_the_municipi() {
        let season = Season::parse(EXAMPLE_SEASON).unwrap();
        let from = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(); // a Sunday
        let sessions = season.sessions(&milano(), from).unwrap();
        let first = &sessions[0];
        assert_eq!(first.id().as_str(), "municipio-1-2026-12-08-1800");
        assert_eq!(first.title(), "Primi passi con SPID e CIE (esempio)");
        let hubs: std::collections::BTreeSet<&str> = sessions
            .iter()
            .filter_map(|s| s.hub().map(HubId::as_str))
            .collect();
        assert_eq!(hubs.len(), 9, "every Municipio has labs: {hubs:?}");
        assert!(
            sessions
                .iter()
                .any(|s| s.mode() == Mode::Online && s.hub().is_none())
        );
    }

    #[test]
    fn bad_patterns_name_the_field() {
        let check = |from: &str, to: &str, expected: &str| {
            let text = EXAMPLE_SEASON.replacen(from, to, 1);
            let err = Season::parse(&text)
                .and_then(|season| season.sessions(&milano(), NaiveDate::MIN))
                .unwrap_err();
            assert_eq!(err.to_string(), expected, "{from} → {to}");
        };
        check(
            "martedì",
            "martedo",
            "/series/0/weekday: \"martedo\" is not a weekday (lunedì … domenica)",
        );
        check(
            "\"18:00\"",
            "\"6 pm\"",
            "/series/0/start: \"6 pm\" is not a time such as 18:30",
        );
        check(
            "weeks = 8",
            "weeks = 0",
            "/weeks: a season lasts 1 to 52 weeks",
        );
        check(
            "municipio-1",
            "municipio-10",
            "/series/0: milano-digitale has no hub municipio-10",
        );
    }

    proptest! {
        /// Whatever the day, every session is in the eight weeks after it, on its series'
        /// weekday, and ids are unique.
        #[test]
        fn sessions_fall_in_the_weeks_after_the_day(days in 0i64..20_000) {
            let from = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Duration::days(days);
            let season = Season::parse(EXAMPLE_SEASON).unwrap();
            let sessions = season.sessions(&milano(), from).unwrap();
            let mut ids = std::collections::BTreeSet::new();
            for session in &sessions {
                let day = session.local_start().date();
                prop_assert!(day > from && day <= from + Duration::weeks(8), "{day} from {from}");
                prop_assert!(ids.insert(session.id().clone()));
            }
        }
    }
}
