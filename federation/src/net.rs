//! Which addresses this node may connect to.
//!
//! Fetching a URL a remote server gave us must not reach into the node's
//! own network (SSRF). Private, loopback, link-local, carrier-grade NAT,
//! benchmark, reserved, IPv6 unique-local and link-local and IPv4-mapped
//! addresses are refused, unless listed in `federation.allow_private` (for
//! tests and intranets). The check runs on the resolved addresses at connect
//! time, so a name that resolves differently later cannot slip through.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;

/// An entry of `federation.allow_private`: a network or a host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowEntry {
    Net(IpNet),
    Host(String),
}

impl FromStr for AllowEntry {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(net) = s.parse::<IpNet>() {
            return Ok(Self::Net(net));
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Self::Net(IpNet::from(ip)));
        }
        let valid = !s.is_empty()
            && s.len() <= 253
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if valid {
            Ok(Self::Host(s.to_ascii_lowercase()))
        } else {
            Err(format!(
                "'{s}' is geen netwerk (zoals 10.0.0.0/8) of hostnaam"
            ))
        }
    }
}

/// `host` or `host:port` of a URL, as a `Host` header carries it.
pub fn authority(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

/// [`authority`] of a URL given as text.
pub fn authority_of(url: &str) -> Option<String> {
    url::Url::parse(url).ok().map(|u| authority(&u))
}

/// The addresses a node may not connect to unless allowed explicitly.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    const NETS: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),       // "this" network
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // carrier-grade NAT
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmark
        ([198, 51, 100, 0], 24), // documentation
        ([203, 0, 113, 0], 24),  // documentation
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, and broadcast
    ];
    NETS.iter().any(|(net, prefix)| in_v4(ip, *net, *prefix))
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    ip.is_loopback()
        || ip.is_unspecified()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64
        || ip.to_ipv4_mapped().is_some() // ::ffff:a.b.c.d, whatever it maps to
        || (s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated)
}

/// Whether connecting to `ip` (reached as `host`) is allowed.
pub fn allowed(ip: IpAddr, host: &str, allow: &[AllowEntry]) -> bool {
    if !is_forbidden(ip) {
        return true;
    }
    allow.iter().any(|entry| match entry {
        AllowEntry::Net(net) => net.contains(&ip),
        AllowEntry::Host(h) => h.eq_ignore_ascii_case(host),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_and_special_addresses_are_refused() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.20.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "198.18.0.1",
            "198.19.255.255",
            "240.0.0.1",
            "255.255.255.255",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:8.8.8.8",
            "::ffff:127.0.0.1",
            "::",
        ] {
            assert!(is_forbidden(ip(a)), "{a}");
        }
        for a in [
            "8.8.8.8",
            "145.100.1.1",
            "100.128.0.1",
            "198.20.0.1",
            "2a00:1450::1",
        ] {
            assert!(!is_forbidden(ip(a)), "{a}");
        }
    }

    #[test]
    fn allow_list_opens_networks_and_hosts() {
        let allow: Vec<AllowEntry> = ["127.0.0.0/8", "intranet.local"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert!(allowed(ip("127.0.0.2"), "127.0.0.2", &allow));
        assert!(allowed(ip("10.0.0.5"), "intranet.local", &allow));
        assert!(!allowed(ip("10.0.0.5"), "other.local", &allow));
        assert!("not a host!".parse::<AllowEntry>().is_err());
    }
}
