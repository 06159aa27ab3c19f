//! A per-address rate limit for public writes: a token bucket per client IP, kept as GCRA.
//!
//! Each address may send `per_minute` writes in a burst, then one every `60 s / per_minute`. The
//! generic cell rate algorithm stores one instant per address (the "theoretical arrival time")
//! instead of a counter and a window, so there is no burst of twice the limit at a window's edge
//! and an address that has been quiet for a minute costs nothing: its entry is dropped.
//!
//! The limiter is per process: behind a load balancer with N processes an address gets up to N
//! times the limit, which is the usual trade-off of stateless servers (a shared limiter would put
//! a database write in front of every request).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Above this many tracked addresses, the entries of quiet addresses are dropped.
const PRUNE_ABOVE: usize = 4096;

/// What the limiter says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Go ahead.
    Allowed,
    /// Over the limit: try again after this many seconds (at least 1).
    Limited {
        /// Seconds to wait, rounded up.
        retry_after: u64,
    },
}

/// Token buckets per client address.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    /// Time between two requests at the sustained rate; `None` when the limit is off.
    interval: Option<Duration>,
    /// How far ahead of now the theoretical arrival time may run (the burst).
    tolerance: Duration,
    arrivals: Mutex<HashMap<IpAddr, Instant>>,
}

impl RateLimiter {
    /// `per_minute` requests per minute per address; 0 turns the limit off.
    pub(crate) fn new(per_minute: u32) -> Self {
        let interval = (per_minute > 0).then(|| Duration::from_secs(60) / per_minute);
        let tolerance = interval.map_or(Duration::ZERO, |t| Duration::from_secs(60) - t);
        RateLimiter {
            interval,
            tolerance,
            arrivals: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `ip` at `now`.
    pub(crate) fn check(&self, ip: IpAddr, now: Instant) -> Verdict {
        let Some(interval) = self.interval else {
            return Verdict::Allowed;
        };
        // A panic while holding the lock cannot leave the map inconsistent (each update is one
        // insert), so a poisoned lock is still usable.
        let mut arrivals = self.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        if arrivals.len() > PRUNE_ABOVE {
            arrivals.retain(|_, tat| *tat > now);
        }
        let tat = arrivals.get(&ip).copied().unwrap_or(now).max(now);
        let ahead = tat - now;
        if ahead > self.tolerance {
            let wait = ahead - self.tolerance;
            let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Verdict::Limited {
                retry_after: retry_after.max(1),
            };
        }
        arrivals.insert(ip, tat + interval);
        Verdict::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn a_burst_of_the_limit_then_one_per_interval() {
        let limiter = RateLimiter::new(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(ip(1), t0), Verdict::Allowed);
        }
        assert_eq!(
            limiter.check(ip(1), t0),
            Verdict::Limited { retry_after: 20 }
        );
        // Another address has its own bucket.
        assert_eq!(limiter.check(ip(2), t0), Verdict::Allowed);
        // One interval (20 s) later, one more request fits, and only one.
        let t1 = t0 + Duration::from_secs(20);
        assert_eq!(limiter.check(ip(1), t1), Verdict::Allowed);
        assert!(matches!(limiter.check(ip(1), t1), Verdict::Limited { .. }));
        // After a quiet minute the whole burst is back.
        let t2 = t1 + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(limiter.check(ip(1), t2), Verdict::Allowed);
        }
    }

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        let limiter = RateLimiter::new(600);
        let t0 = Instant::now();
        for _ in 0..600 {
            assert_eq!(limiter.check(ip(1), t0), Verdict::Allowed);
        }
        assert_eq!(
            limiter.check(ip(1), t0),
            Verdict::Limited { retry_after: 1 }
        );
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = RateLimiter::new(0);
        let t0 = Instant::now();
        for _ in 0..10_000 {
            assert_eq!(limiter.check(ip(1), t0), Verdict::Allowed);
        }
    }

    #[test]
    fn quiet_addresses_are_forgotten() {
        let limiter = RateLimiter::new(1);
        let t0 = Instant::now();
        for n in 0..=PRUNE_ABOVE {
            let ip = IpAddr::from(u32::try_from(n).unwrap().to_be_bytes());
            limiter.check(ip, t0);
        }
        limiter.check(ip(1), t0 + Duration::from_secs(61));
        let tracked = limiter.arrivals.lock().unwrap().len();
        assert_eq!(tracked, 1);
    }
}
