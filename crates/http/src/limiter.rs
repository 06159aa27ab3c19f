//! A per-address rate limit for public writes: a token bucket per client, kept as GCRA.
//!
//! A client is an IPv4 address or an IPv6 /64: one IPv6 subscriber is usually given a whole /64
//! (or more), so keying by the full address would give one person 2^64 buckets. IPv4-mapped IPv6
//! addresses count as the IPv4 address. Which address is the client's (the peer, or what a
//! trusted proxy forwarded) is `crate::forwarded`'s business.
//!
//! Each address may send `per_minute` writes in a burst, then one every `60 s / per_minute`. The
//! generic cell rate algorithm stores one instant per address (the "theoretical arrival time")
//! instead of a counter and a window, so there is no burst of twice the limit at a window's edge
//! and an address that has been quiet for a minute costs nothing: its entry is dropped by
//! [`RateLimiter::prune`], which the server calls every [`PRUNE_EVERY`] (never during a check,
//! so a request never pays for a scan of the map).
//!
//! The limiter is per process: behind a load balancer with N processes an address gets up to N
//! times the limit, which is the usual trade-off of stateless servers (a shared limiter would put
//! a database write in front of every request).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How often the server drops the entries of quiet clients.
pub(crate) const PRUNE_EVERY: Duration = Duration::from_secs(30);

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
        let ip = bucket(ip);
        let mut arrivals = self.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
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

    /// Drops the entries of clients whose bucket is full again at `now` (they would start
    /// afresh anyway); returns how many are left.
    pub(crate) fn prune(&self, now: Instant) -> usize {
        let mut arrivals = self.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        arrivals.retain(|_, tat| *tat > now);
        arrivals.len()
    }
}

/// The bucket of a client address: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64.
fn bucket(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = v6.to_bits() & !u128::from(u64::MAX);
            IpAddr::V6(Ipv6Addr::from_bits(prefix))
        }
        v4 => v4,
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
        for n in 0..5000_u32 {
            limiter.check(IpAddr::from(n.to_be_bytes()), t0);
        }
        // Checking never scans: the entries stay until pruned.
        limiter.check(ip(1), t0 + Duration::from_secs(61));
        assert_eq!(limiter.arrivals.lock().unwrap().len(), 5001);
        assert_eq!(limiter.prune(t0 + Duration::from_secs(61)), 1);
        assert_eq!(limiter.prune(t0 + Duration::from_secs(200)), 0);
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        let v6 = |text: &str| text.parse::<IpAddr>().unwrap();
        // Two addresses of one /64 share a bucket…
        assert_eq!(limiter.check(v6("2001:db8:1:2::1"), t0), Verdict::Allowed);
        assert_eq!(
            limiter.check(v6("2001:db8:1:2:ffff:ffff:ffff:ffff"), t0),
            Verdict::Allowed
        );
        assert!(matches!(
            limiter.check(v6("2001:db8:1:2:abcd::9"), t0),
            Verdict::Limited { .. }
        ));
        // …another /64 has its own.
        assert_eq!(limiter.check(v6("2001:db8:1:3::1"), t0), Verdict::Allowed);
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        let limiter = RateLimiter::new(1);
        let t0 = Instant::now();
        assert_eq!(limiter.check(ip(7), t0), Verdict::Allowed);
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().unwrap();
        assert!(matches!(limiter.check(mapped, t0), Verdict::Limited { .. }));
        // A neighbouring IPv4 address is another client (not the same "/64").
        let neighbour: IpAddr = "::ffff:10.0.0.8".parse().unwrap();
        assert_eq!(limiter.check(neighbour, t0), Verdict::Allowed);
    }
}
