//! `NIX010` host-duplicate-address: the rule, its documentation and its tests.

use std::collections::BTreeMap;

use strata_core::{Code, Diagnostic, NodeId};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// Two hosts have the same static address
    /// (`networking.interfaces.<if>.ipv4.addresses`) or the same
    /// `networking.hostName`. Reported on every host after the first (by
    /// name), at its address or hostName.
    ///
    /// ## Why
    /// A copied host file that kept its address gives an IP conflict the
    /// moment both machines are up: ARP flaps between them, k3s nodes with
    /// the same hostname overwrite each other's Node object, and the deploy
    /// tool may push one host's configuration to the other.
    ///
    /// ## Example
    /// ```nix
    /// # hosts/node-b.nix, copied from node-a.nix
    /// networking.interfaces.eno1.ipv4.addresses = [ { address = "10.0.0.11"; prefixLength = 24; } ];
    /// ```
    code: HostDuplicateAddress,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut addresses: BTreeMap<String, &str> = BTreeMap::new();
    let mut hostnames: BTreeMap<String, &str> = BTreeMap::new();
    for host in &cx.nix.hosts {
        let mut mine = Vec::new();
        for a in &host.addresses {
            if let Some(address) = a.address.known() {
                mine.push(("address", address, a.address.location().cloned()));
            }
        }
        if let Some(name) = host.hostname.known() {
            mine.push(("hostName", name, host.hostname.location().cloned()));
        }
        for (what, value, location) in mine {
            let seen = if what == "address" {
                &mut addresses
            } else {
                &mut hostnames
            };
            match seen.get(value) {
                Some(first) if *first != host.name => {
                    let mut d = Diagnostic::new(
                        Code::HostDuplicateAddress,
                        format!("`{}` has {what} `{value}`, like `{first}`", host.name),
                    )
                    .on(NodeId::host(&host.name))
                    .help(format!("give every host its own {what}"));
                    if let Some(l) = location.or_else(|| host.location.clone()) {
                        d = d.at(l);
                    }
                    out.push(d);
                }
                Some(_) => {}
                None => {
                    seen.insert(value.clone(), &host.name);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_copied_address_and_hostname() {
        let analysis = analyze_fixture("nix-host-duplicate-address");
        assert_fires_at(
            &analysis,
            Code::HostDuplicateAddress,
            &["hosts/node-b.nix:4:25", "hosts/node-b.nix:6:61"],
        );
    }

    #[test]
    fn silent_when_addresses_differ() {
        assert_clean(
            &analyze_fixture("nix-host-duplicate-address-clean"),
            Code::HostDuplicateAddress,
        );
    }
}
