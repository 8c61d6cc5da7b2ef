//! Address ranges as load balancer pools and host subnets write them: a
//! CIDR (`10.0.0.0/24`), a range (`10.0.0.10-10.0.0.20`, spaces allowed),
//! or one address. IPv4 and IPv6 are kept apart (an IPv4 range never meets
//! an IPv6 one).

use std::net::IpAddr;

/// An inclusive range of addresses of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct IpRange {
    /// IPv6 (else IPv4).
    pub v6: bool,
    /// First address, as a number.
    pub first: u128,
    /// Last address, as a number.
    pub last: u128,
}

fn number(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

impl IpRange {
    /// Parses `a.b.c.d/n`, `a-b` or a single address; `None` for anything
    /// else (a `${VAR}`, a host name, a malformed entry).
    pub(crate) fn parse(text: &str) -> Option<IpRange> {
        let text = text.trim();
        if let Some((from, to)) = text.split_once('-') {
            let (v6, first) = number(from.trim().parse().ok()?);
            let (v6_to, last) = number(to.trim().parse().ok()?);
            return (v6 == v6_to && first <= last).then_some(IpRange { v6, first, last });
        }
        if let Some((addr, prefix)) = text.split_once('/') {
            let (v6, base) = number(addr.trim().parse().ok()?);
            let bits: u32 = if v6 { 128 } else { 32 };
            let prefix: u32 = prefix.trim().parse().ok()?;
            if prefix > bits {
                return None;
            }
            let host_bits = bits - prefix;
            let size_mask: u128 = if host_bits >= 128 {
                u128::MAX
            } else {
                (1u128 << host_bits) - 1
            };
            let first = base & !size_mask;
            return Some(IpRange {
                v6,
                first,
                last: first | size_mask,
            });
        }
        Self::single(text.parse().ok()?)
    }

    /// One address.
    pub(crate) fn single(ip: IpAddr) -> Option<IpRange> {
        let (v6, n) = number(ip);
        Some(IpRange {
            v6,
            first: n,
            last: n,
        })
    }

    /// The subnet `address/prefix` lies in.
    pub(crate) fn subnet(address: &str, prefix: i64) -> Option<IpRange> {
        IpRange::parse(&format!("{address}/{prefix}"))
    }

    /// Whether `ip` lies inside.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let (v6, n) = number(ip);
        v6 == self.v6 && self.first <= n && n <= self.last
    }

    /// Whether the two share an address.
    pub(crate) fn overlaps(&self, other: &IpRange) -> bool {
        self.v6 == other.v6 && self.first <= other.last && other.first <= self.last
    }

    /// Whether `other` lies wholly inside.
    pub(crate) fn covers(&self, other: &IpRange) -> bool {
        self.v6 == other.v6 && self.first <= other.first && other.last <= self.last
    }
}

#[cfg(test)]
mod tests {
    use super::IpRange;

    fn r(text: &str) -> IpRange {
        IpRange::parse(text).unwrap_or_else(|| panic!("{text} parses"))
    }

    #[test]
    fn reads_cidrs_ranges_and_single_addresses() {
        assert_eq!(r("10.0.0.0/30"), r("10.0.0.0-10.0.0.3"));
        assert_eq!(r("10.0.0.7/30"), r("10.0.0.4 - 10.0.0.7"));
        assert_eq!(r("10.0.0.9"), r("10.0.0.9/32"));
        assert_eq!(r("0.0.0.0/0").last, u128::from(u32::MAX));
        assert_eq!(r("::/0").last, u128::MAX);
        assert!(IpRange::parse("10.0.0.9-10.0.0.1").is_none());
        assert!(IpRange::parse("10.0.0.0/33").is_none());
        assert!(IpRange::parse("${LB_RANGE}").is_none());
        assert!(IpRange::parse("10.0.0.1-fd00::1").is_none());
    }

    #[test]
    fn neighbours_do_not_overlap() {
        assert!(!r("10.0.0.200-10.0.0.220").overlaps(&r("10.0.0.221/32")));
        assert!(!r("10.0.0.224/29").overlaps(&r("10.0.0.232-10.0.0.239")));
        assert!(r("10.0.0.200-10.0.0.220").overlaps(&r("10.0.0.210/30")));
        assert!(r("10.0.0.220/32").overlaps(&r("10.0.0.200-10.0.0.220")));
        assert!(!r("10.0.0.0/24").overlaps(&r("fd00::/8")));
        assert!(r("10.0.0.0/24").covers(&r("10.0.0.200-10.0.0.220")));
        assert!(!r("10.0.0.0/24").covers(&r("10.0.0.250-10.0.1.5")));
    }
}
