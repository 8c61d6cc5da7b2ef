//! Address ranges as Kubernetes and k3s write them: CIDRs (`10.42.0.0/16`),
//! ranges (`192.168.1.200-192.168.1.220`, MetalLB's form) and single
//! addresses, IPv4 or IPv6, compared as inclusive integer intervals.

use std::net::IpAddr;

/// An inclusive range of addresses of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AddressRange {
    /// IPv6 (else IPv4).
    pub v6: bool,
    /// First address.
    pub first: u128,
    /// Last address.
    pub last: u128,
}

impl AddressRange {
    /// Parses `a.b.c.d/n`, `first-last` or one address; `None` for anything
    /// else (a `${VAR}`, a typo), so callers judge only what they read.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some((addr, prefix)) = text.split_once('/') {
            let addr: IpAddr = addr.trim().parse().ok()?;
            let prefix: u32 = prefix.trim().parse().ok()?;
            let (v6, bits, value) = split(addr);
            if prefix > bits {
                return None;
            }
            let host_bits = bits - prefix;
            let mask = if host_bits == 128 {
                u128::MAX
            } else {
                (1u128 << host_bits) - 1
            };
            let first = value & !mask;
            return Some(AddressRange {
                v6,
                first,
                last: first | mask,
            });
        }
        if let Some((a, b)) = text.split_once('-') {
            let (v6a, _, first) = split(a.trim().parse().ok()?);
            let (v6b, _, last) = split(b.trim().parse().ok()?);
            return (v6a == v6b && first <= last).then_some(AddressRange {
                v6: v6a,
                first,
                last,
            });
        }
        let (v6, _, value) = split(text.parse().ok()?);
        Some(AddressRange {
            v6,
            first: value,
            last: value,
        })
    }

    /// Whether `other` lies wholly inside this range.
    pub fn contains(&self, other: &AddressRange) -> bool {
        self.v6 == other.v6 && self.first <= other.first && other.last <= self.last
    }

    /// Whether the two ranges share an address.
    pub fn overlaps(&self, other: &AddressRange) -> bool {
        self.v6 == other.v6 && self.first <= other.last && other.first <= self.last
    }
}

fn split(addr: IpAddr) -> (bool, u32, u128) {
    match addr {
        IpAddr::V4(a) => (false, 32, u32::from(a) as u128),
        IpAddr::V6(a) => (true, 128, u128::from(a)),
    }
}

#[cfg(test)]
mod tests {
    use super::AddressRange;

    #[test]
    fn reads_cidrs_ranges_and_addresses() {
        let net = AddressRange::parse("10.42.0.0/16").unwrap();
        assert!(net.contains(&AddressRange::parse("10.42.3.0/24").unwrap()));
        assert!(!net.contains(&AddressRange::parse("10.43.0.0/24").unwrap()));
        let pool = AddressRange::parse("192.168.1.200-192.168.1.220").unwrap();
        assert!(pool.overlaps(&AddressRange::parse("192.168.1.220").unwrap()));
        assert!(!pool.overlaps(&AddressRange::parse("192.168.1.221").unwrap()));
        assert!(AddressRange::parse("fd00::/64").unwrap().v6);
        assert_eq!(AddressRange::parse("${POOL}"), None);
        assert_eq!(AddressRange::parse("10.0.0.0/33"), None);
        assert!(AddressRange::parse("0.0.0.0/0").unwrap().contains(&net));
    }
}
