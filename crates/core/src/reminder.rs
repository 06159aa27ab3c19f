//! Reminders ("promemoria"): the messages a program sends before a session starts, as offsets
//! before its start (by default 48 hours and 2 hours before).
//!
//! The rule is [`Reminders::due`], a function of the session's start, the moment of the
//! registration and "now" (core reads no clock): an offset is due once its moment
//! (`start - offset`) has come, as long as the session has not started, and only for a
//! registration made before that moment, so that someone who registers an hour before the
//! start is not "reminded" of what they just did. The caller (the outbox) remembers which
//! offsets it already sent for a registration and sends each at most once.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest offset: a reminder is never sent more than 30 days before a session.
pub const MAX_OFFSET: Duration = Duration::days(30);

/// Why a list of reminder offsets was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReminderError {
    /// An offset of zero or less: a reminder comes before the start.
    #[error("a reminder comes before the start: {minutes} minutes is not positive")]
    NotPositive {
        /// The offset given, in whole minutes (rounded toward zero).
        minutes: i64,
    },
    /// An offset that is not a whole number of minutes.
    #[error("a reminder offset is whole minutes or hours: {seconds} seconds is not")]
    NotWholeMinutes {
        /// The offset given, in seconds.
        seconds: i64,
    },
    /// An offset longer than [`MAX_OFFSET`].
    #[error("a reminder is at most 30 days before the start: {minutes} minutes is more")]
    TooFar {
        /// The offset given, in minutes.
        minutes: i64,
    },
    /// The same offset twice.
    #[error("the reminder {minutes} minutes before the start is given twice")]
    Duplicate {
        /// The offset given twice, in minutes.
        minutes: i64,
    },
}

/// The reminders of a program: offsets before a session's start, each positive, whole minutes,
/// at most 30 days, no two alike, kept largest first. May be empty (no reminders).
///
/// Serialized as the offsets in minutes, largest first (`[2880, 120]`).
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use skillhub_core::reminder::Reminders;
/// let reminders = Reminders::default();
/// assert_eq!(reminders.offsets(), [Duration::hours(48), Duration::hours(2)]);
///
/// let starts_at = Utc.with_ymd_and_hms(2030, 2, 12, 8, 30, 0).unwrap();
/// let registered_at = starts_at - Duration::days(10);
/// // One day before: the 48-hour reminder is due, the 2-hour one is not yet.
/// let now = starts_at - Duration::hours(24);
/// assert_eq!(reminders.due(starts_at, registered_at, now), [Duration::hours(48)]);
/// // Registered 30 hours before: too late for the 48-hour reminder, in time for the 2-hour one.
/// let late = starts_at - Duration::hours(30);
/// let now = starts_at - Duration::minutes(90);
/// assert_eq!(reminders.due(starts_at, late, now), [Duration::hours(2)]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reminders(Vec<Duration>);

impl Default for Reminders {
    /// 48 hours and 2 hours before the start.
    fn default() -> Reminders {
        Reminders(vec![Duration::hours(48), Duration::hours(2)])
    }
}

impl Reminders {
    /// No reminders at all.
    pub fn none() -> Reminders {
        Reminders(Vec::new())
    }

    /// Checks and sorts the offsets (largest first); refuses the first bad one.
    pub fn new(mut offsets: Vec<Duration>) -> Result<Reminders, ReminderError> {
        for offset in &offsets {
            let minutes = offset.num_minutes();
            if *offset <= Duration::zero() {
                return Err(ReminderError::NotPositive { minutes });
            }
            if offset.num_seconds() % 60 != 0 || offset.subsec_nanos() != 0 {
                return Err(ReminderError::NotWholeMinutes {
                    seconds: offset.num_seconds(),
                });
            }
            if *offset > MAX_OFFSET {
                return Err(ReminderError::TooFar { minutes });
            }
        }
        offsets.sort_by(|a, b| b.cmp(a));
        if let Some(pair) = offsets.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(ReminderError::Duplicate {
                minutes: pair[0].num_minutes(),
            });
        }
        Ok(Reminders(offsets))
    }

    /// The offsets, largest first.
    pub fn offsets(&self) -> &[Duration] {
        &self.0
    }

    /// Whether there are no reminders.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The offsets due at `now` for a registration made at `registered_at` to a session starting
    /// at `starts_at`, largest first: those whose moment (`starts_at - offset`) has come
    /// (`<= now`) while the session has not started (`now < starts_at`), and that the
    /// registration was made before (`registered_at < starts_at - offset`). Every due offset is
    /// returned, also those whose moment passed long ago: the caller sends each at most once.
    pub fn due(
        &self,
        starts_at: DateTime<Utc>,
        registered_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Vec<Duration> {
        if now >= starts_at {
            return Vec::new();
        }
        self.0
            .iter()
            .copied()
            .filter(|offset| {
                let moment = starts_at - *offset;
                registered_at < moment && moment <= now
            })
            .collect()
    }
}

impl Serialize for Reminders {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(Duration::num_minutes))
    }
}

impl<'de> Deserialize<'de> for Reminders {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Reminders, D::Error> {
        let minutes = Vec::<i64>::deserialize(deserializer)?;
        Reminders::new(minutes.into_iter().map(Duration::minutes).collect())
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use proptest::prelude::*;

    use super::*;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 2, 12, 8, 30, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn offsets_are_checked_and_sorted() {
        let hours = |h: &[i64]| Reminders::new(h.iter().map(|h| Duration::hours(*h)).collect());
        assert_eq!(
            hours(&[2, 48]).map(|r| r.offsets().to_vec()),
            Ok(vec![Duration::hours(48), Duration::hours(2)])
        );
        assert_eq!(hours(&[]), Ok(Reminders::none()));
        assert_eq!(hours(&[0]), Err(ReminderError::NotPositive { minutes: 0 }));
        assert_eq!(
            hours(&[721]),
            Err(ReminderError::TooFar { minutes: 721 * 60 })
        );
        assert_eq!(hours(&[720]).map(|r| r.offsets().len()), Ok(1));
        assert_eq!(
            hours(&[2, 24, 2]),
            Err(ReminderError::Duplicate { minutes: 120 })
        );
        assert_eq!(
            Reminders::new(vec![Duration::seconds(90)]),
            Err(ReminderError::NotWholeMinutes { seconds: 90 })
        );
    }

    #[test]
    fn examples() {
        let r = Reminders::default();
        let start = start();
        let early = start - Duration::days(7);
        let check = |registered_at, now, expected: &[i64]| {
            let expected: Vec<Duration> = expected.iter().map(|h| Duration::hours(*h)).collect();
            assert_eq!(r.due(start, registered_at, now), expected, "{now}");
        };
        check(early, start - Duration::hours(49), &[]);
        check(early, start - Duration::hours(48), &[48]);
        check(early, start - Duration::hours(2), &[48, 2]);
        check(early, start - Duration::minutes(1), &[48, 2]);
        check(early, start, &[]);
        // Registered inside the 48-hour window: only the 2-hour reminder.
        check(start - Duration::hours(5), start - Duration::hours(1), &[2]);
        // Registered exactly at a reminder's moment: too late for it.
        check(start - Duration::hours(2), start - Duration::hours(1), &[]);
    }

    #[test]
    fn serialized_as_minutes() {
        let json = serde_json::to_string(&Reminders::default()).unwrap_or_default();
        assert_eq!(json, "[2880,120]");
        let back: Result<Reminders, _> = serde_json::from_str("[120, 2880]");
        assert_eq!(back.ok(), Some(Reminders::default()));
        assert!(serde_json::from_str::<Reminders>("[0]").is_err());
    }

    fn reminders() -> impl Strategy<Value = Reminders> {
        proptest::collection::btree_set(1i64..=43_200, 0..5).prop_map(|minutes| {
            // Distinct minutes within 30 days: always valid.
            Reminders::new(minutes.into_iter().map(Duration::minutes).collect())
                .unwrap_or_else(|_| Reminders::none())
        })
    }

    proptest! {
        #[test]
        fn due_offsets_lie_between_registration_and_now(
            r in reminders(),
            registered in -50_000i64..50_000,
            now in -50_000i64..50_000,
        ) {
            let start = start();
            let registered_at = start + Duration::minutes(registered);
            let now = start + Duration::minutes(now);
            let due = r.due(start, registered_at, now);
            if now >= start {
                prop_assert!(due.is_empty());
            }
            for offset in &due {
                let moment = start - *offset;
                prop_assert!(registered_at < moment && moment <= now);
                prop_assert!(r.offsets().contains(offset));
            }
            // Complete: every offset that satisfies the rule is returned.
            let expected = r.offsets().iter().filter(|o| {
                let moment = start - **o;
                now < start && registered_at < moment && moment <= now
            }).count();
            prop_assert_eq!(due.len(), expected);
        }

        #[test]
        fn due_grows_with_now_until_the_start(
            r in reminders(),
            registered in -50_000i64..0,
            a in -50_000i64..0,
            b in -50_000i64..0,
        ) {
            let start = start();
            let registered_at = start + Duration::minutes(registered);
            let (early, late) = (a.min(b), a.max(b));
            let before = r.due(start, registered_at, start + Duration::minutes(early));
            let after = r.due(start, registered_at, start + Duration::minutes(late));
            prop_assert!(before.iter().all(|o| after.contains(o)));
        }

        #[test]
        fn a_registration_inside_a_window_never_gets_that_reminder(
            r in reminders(),
            now in -50_000i64..0,
        ) {
            let start = start();
            for offset in r.offsets() {
                let inside = start - *offset;
                let due = r.due(start, inside, start + Duration::minutes(now));
                prop_assert!(!due.contains(offset));
            }
        }
    }
}
