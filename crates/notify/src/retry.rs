//! When to try a message again after a failed send: exponential backoff, capped, then given up.
//!
//! The outbox asks [`next_attempt`] after each failure with the number of tries so far; "now" is
//! a parameter (this crate reads no clock). Waits double from 30 seconds (30 s, 1 min, 2 min,
//! 4 min … ) up to an hour; after [`MAX_ATTEMPTS`] failed tries (about 6 hours in all) the
//! message is marked failed for the organisers to see, rather than retried for ever.

use chrono::{DateTime, Duration, Utc};

/// The number of failed tries after which a message is given up.
pub const MAX_ATTEMPTS: u32 = 12;

/// The wait after the first failure.
pub const FIRST_WAIT: Duration = Duration::seconds(30);

/// The longest wait between two tries.
pub const LONGEST_WAIT: Duration = Duration::hours(1);

/// The wait after the `attempts`-th failed try (1 is the first): 30 s doubled each time, at most
/// an hour. `attempts` of 0 is treated as 1.
pub fn wait_after(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(20);
    let seconds = FIRST_WAIT.num_seconds().saturating_mul(1i64 << doublings);
    Duration::seconds(seconds).min(LONGEST_WAIT)
}

/// When to try again after the `attempts`-th failed try, or `None` once [`MAX_ATTEMPTS`] tries
/// have failed (the message is given up as failed).
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use skillhub_notify::retry::{MAX_ATTEMPTS, next_attempt};
/// let now = Utc.with_ymd_and_hms(2030, 2, 12, 8, 0, 0).unwrap();
/// assert_eq!(next_attempt(1, now), Some(now + Duration::seconds(30)));
/// assert_eq!(next_attempt(3, now), Some(now + Duration::minutes(2)));
/// assert_eq!(next_attempt(11, now), Some(now + Duration::hours(1)));
/// assert_eq!(next_attempt(MAX_ATTEMPTS, now), None);
/// ```
pub fn next_attempt(attempts: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    now.checked_add_signed(wait_after(attempts))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_896_935_400, 0).unwrap_or_default()
    }

    #[test]
    fn the_schedule() {
        let waits: Vec<i64> = (1..MAX_ATTEMPTS)
            .map(|n| wait_after(n).num_seconds())
            .collect();
        assert_eq!(
            waits,
            [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600]
        );
        assert_eq!(wait_after(0), FIRST_WAIT);
        assert_eq!(wait_after(u32::MAX), LONGEST_WAIT);
        assert_eq!(next_attempt(u32::MAX, now()), None);
    }

    proptest! {
        #[test]
        fn waits_grow_and_are_capped(a in 0u32..100, b in 0u32..100) {
            let (few, many) = (a.min(b), a.max(b));
            prop_assert!(wait_after(few) <= wait_after(many));
            prop_assert!(wait_after(many) <= LONGEST_WAIT);
            prop_assert!(wait_after(few) >= FIRST_WAIT);
        }

        #[test]
        fn the_next_try_is_later_until_given_up(attempts in 0u32..100, offset in 0i64..1_000_000) {
            let now = now() + Duration::seconds(offset);
            match next_attempt(attempts, now) {
                Some(at) => {
                    prop_assert!(attempts < MAX_ATTEMPTS);
                    prop_assert!(at > now && at - now <= LONGEST_WAIT);
                }
                None => prop_assert!(attempts >= MAX_ATTEMPTS),
            }
        }
    }
}
