//! Who the client is: the TCP peer, or, when the peer is a proxy this server was told to trust
//! (`--trusted-proxy CIDR`), the address that proxy saw, from `X-Forwarded-For`.
//!
//! Anyone can send `X-Forwarded-For`, so it is read only from trusted peers; otherwise a client
//! could pick any address and walk around the rate limit. Each proxy appends the address it
//! received the request from, so the list reads client, proxy 1, proxy 2 …, and only its right
//! end was written by proxies we trust: the client is the right-most address that is not itself
//! a trusted proxy. A header that does not parse as a list of addresses is ignored (the peer
//! counts), rather than believed in part.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// A network of trusted proxies: `10.0.0.0/8`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr(IpNet);

/// A trusted proxy that is neither a network (`ADDRESS/PREFIX`) nor an address.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is neither a network such as 10.0.0.0/8 nor an IP address")]
pub struct CidrError(String);

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(Cidr(net.trunc()));
        }
        text.parse::<IpAddr>()
            .map(|ip| Cidr(IpNet::from(canonical(ip))))
            .map_err(|_| CidrError(text.to_owned()))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Cidr {
    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts as its IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&canonical(ip))
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a dual-stack socket reports for an IPv4
/// peer) as the IPv4 address they are.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// The client's address for a request from `peer` with `headers`, trusting `X-Forwarded-For`
/// only from `trusted` proxies.
pub(crate) fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let Some(hops) = forwarded_for(headers) else {
        return peer;
    };
    hops.into_iter()
        .rev()
        .find(|ip| !is_trusted(*ip))
        .unwrap_or(peer)
}

/// Every address of every `X-Forwarded-For` header, in order; `None` when there is none or one
/// entry is not an address.
fn forwarded_for(headers: &HeaderMap) -> Option<Vec<IpAddr>> {
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let text = value.to_str().ok()?;
        for entry in text.split(',') {
            hops.push(canonical(entry.trim().parse().ok()?));
        }
    }
    (!hops.is_empty()).then_some(hops)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn check(peer: &str, xff: &[&str], trusted: &[&str], expect: &str) {
        let mut headers = HeaderMap::new();
        for value in xff {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        let trusted: Vec<Cidr> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        let got = client_address(peer.parse().unwrap(), &headers, &trusted);
        assert_eq!(
            got,
            expect.parse::<IpAddr>().unwrap(),
            "{peer} {xff:?} {trusted:?}"
        );
    }

    #[test]
    fn forwarded_for_is_read_from_trusted_proxies_only() {
        let proxies = ["10.0.0.0/8"];
        // A trusted proxy: the address it saw.
        check("10.0.0.2", &["203.0.113.7"], &proxies, "203.0.113.7");
        // Through two trusted proxies: the right-most untrusted address; what the client wrote
        // on the left (a spoof) is not believed.
        check(
            "10.0.0.2",
            &["198.51.100.1, 203.0.113.7, 10.1.1.1"],
            &proxies,
            "203.0.113.7",
        );
        // Several headers are one list.
        check(
            "10.0.0.2",
            &["198.51.100.1", "203.0.113.7"],
            &proxies,
            "203.0.113.7",
        );
        // Only trusted hops, or no header: the peer.
        check("10.0.0.2", &["10.9.9.9"], &proxies, "10.0.0.2");
        check("10.0.0.2", &[], &proxies, "10.0.0.2");
        // A dual-stack socket's IPv4-mapped peer is trusted as its IPv4 address.
        check("::ffff:10.0.0.2", &["203.0.113.7"], &proxies, "203.0.113.7");
        // IPv6 proxies and clients.
        check(
            "2001:db8::1",
            &["2001:db8:aaaa::5"],
            &["2001:db8::/64"],
            "2001:db8:aaaa::5",
        );
    }

    #[test]
    fn a_spoofed_header_from_an_untrusted_peer_is_ignored() {
        check(
            "198.51.100.9",
            &["203.0.113.7"],
            &["10.0.0.0/8"],
            "198.51.100.9",
        );
        check("198.51.100.9", &["203.0.113.7"], &[], "198.51.100.9");
    }

    #[test]
    fn a_malformed_header_falls_back_to_the_peer() {
        let proxies = ["10.0.0.0/8"];
        check(
            "10.0.0.2",
            &["203.0.113.7, not-an-address"],
            &proxies,
            "10.0.0.2",
        );
        check("10.0.0.2", &["203.0.113.7:4711"], &proxies, "10.0.0.2");
        check("10.0.0.2", &[""], &proxies, "10.0.0.2");
    }

    #[test]
    fn proxies_are_networks_or_addresses() {
        assert!(
            "10.0.0.0/8"
                .parse::<Cidr>()
                .unwrap()
                .contains("10.200.0.1".parse().unwrap())
        );
        assert!(
            "10.1.2.3"
                .parse::<Cidr>()
                .unwrap()
                .contains("10.1.2.3".parse().unwrap())
        );
        assert!(
            !"10.1.2.3"
                .parse::<Cidr>()
                .unwrap()
                .contains("10.1.2.4".parse().unwrap())
        );
        assert!("fd00::/8".parse::<Cidr>().is_ok());
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("proxy.local".parse::<Cidr>().is_err());
    }
}
