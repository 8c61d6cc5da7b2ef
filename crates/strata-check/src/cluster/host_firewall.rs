//! Whether a host's NixOS firewall lets a port in, counting host-wide
//! `allowed*Ports` / `allowed*PortRanges`, `interfaces.<name>.allowed*` and
//! `trustedInterfaces` (iptables-style names: `eth+` matches every `eth…`).

use strata_nix::{Fact, HostFacts};

/// `Some(true)` open, `Some(false)` closed, `None` not known statically.
///
/// `via`: the interfaces the traffic arrives on, when known (for traffic
/// between nodes: the interfaces holding the node's addresses); `None`
/// counts a port open on any interface as open.
pub fn lets_in(host: &HostFacts, port: i64, udp: bool, via: Option<&[String]>) -> Option<bool> {
    let fw = &host.firewall;
    match fw.enabled() {
        Some(false) => return Some(true),
        None => return None,
        Some(true) => {}
    }
    let mut unknown = false;
    match fw.allows(port, udp) {
        Some(true) => return Some(true),
        None => unknown = true,
        Some(false) => {}
    }
    let applies = |name: &str| match via {
        None => true,
        Some(ifaces) => ifaces.iter().any(|i| matches_interface(name, i)),
    };
    match &fw.trusted_interfaces {
        Fact::Known { value, .. } if value.iter().any(|t| applies(t)) => return Some(true),
        Fact::Unknown { .. } => unknown = true,
        _ => {}
    }
    for iface in fw.interfaces.iter().filter(|i| applies(&i.name)) {
        let (ports, ranges) = if udp {
            (&iface.allowed_udp_ports, &iface.allowed_udp_port_ranges)
        } else {
            (&iface.allowed_tcp_ports, &iface.allowed_tcp_port_ranges)
        };
        match strata_nix::port_open_in(ports, ranges, port) {
            Some(true) => return Some(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    if unknown { None } else { Some(false) }
}

/// Whether the firewall's interface name `pattern` (`eno1`, `eth+`) names `iface`.
fn matches_interface(pattern: &str, iface: &str) -> bool {
    match pattern.strip_suffix('+') {
        Some(prefix) => iface.starts_with(prefix),
        None => pattern == iface,
    }
}

/// The interfaces holding a host's static addresses (where other nodes'
/// traffic arrives); `None` when it has none.
pub fn address_interfaces(host: &HostFacts) -> Option<Vec<String>> {
    let mut out: Vec<String> = host.addresses.iter().map(|a| a.interface.clone()).collect();
    out.dedup();
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::matches_interface;

    #[test]
    fn interface_patterns_as_iptables_reads_them() {
        assert!(matches_interface("eno1", "eno1"));
        assert!(matches_interface("eth+", "eth0"));
        assert!(!matches_interface("eth+", "eno1"));
        assert!(!matches_interface("eno", "eno1"));
    }
}
