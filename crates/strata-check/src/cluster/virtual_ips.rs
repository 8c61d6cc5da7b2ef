//! The virtual IPs a repository provides for its k3s API: keepalived
//! `virtualIps` of its hosts, kube-vip's address in a manifest (a Flux
//! HelmRelease's values or a kube-vip container's `address` /
//! `vip_address`), and the addresses written in Nix or YAML files that set up
//! kube-vip or keepalived (configuration strata does not type, such as
//! `services.k3s.manifests` or an `extraConfig`).

use std::collections::BTreeSet;

use strata_flux::FluxTree;
use strata_flux::yaml::Yaml;
use strata_nix::NixRepo;

use super::components::{helm_values, value_text};
use crate::rules::flux::workloads::{containers, pod_spec};

/// Every IPv4 literal in a text.
fn ipv4_literals(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|w| w.parse::<std::net::Ipv4Addr>().is_ok())
        .map(str::to_string)
}

fn env_addresses(container: &Yaml, out: &mut BTreeSet<String>) {
    for e in container.get("env").map(Yaml::as_seq).unwrap_or(&[]) {
        let name = e.get("name").and_then(Yaml::as_str);
        if matches!(name, Some("address" | "vip_address"))
            && let Some(v) = e.get("value").and_then(Yaml::as_str)
        {
            out.insert(v.trim().to_string());
        }
    }
}

/// The virtual IPs, as written (no prefix length), without the hosts' own
/// addresses.
pub fn provided_virtual_ips(nix: &NixRepo, flux: &FluxTree) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for host in &nix.hosts {
        out.extend(host.virtual_ips.iter().cloned());
    }
    for object in &flux.objects {
        let (values, _) = helm_values(object);
        if values.is_some()
            && object
                .doc
                .path("spec.chart.spec.chart")
                .and_then(Yaml::as_str)
                .is_some_and(|c| c.ends_with("kube-vip"))
        {
            for path in ["config.address", "env.address", "env.vip_address"] {
                if let Some((v, _)) = value_text(values, path) {
                    out.insert(v);
                }
            }
        }
        if let Some(spec) = pod_spec(object) {
            for c in containers(spec, false) {
                if c.get("image")
                    .and_then(Yaml::as_str)
                    .is_some_and(|i| i.contains("kube-vip"))
                {
                    env_addresses(c, &mut out);
                }
            }
        }
    }
    let texts = nix
        .sources
        .iter()
        .filter(|f| f.path().ends_with(".nix"))
        .chain(
            flux.sources
                .iter()
                .filter(|f| f.path().ends_with(".yaml") || f.path().ends_with(".yml")),
        );
    for f in texts {
        let text = f.text();
        if ["kube-vip", "kubevip", "keepalived"]
            .iter()
            .any(|w| text.contains(w))
        {
            out.extend(ipv4_literals(text));
        }
    }
    // A host's own address is that host, not a virtual IP (the text of a
    // file that mentions keepalived also names the hosts it runs on).
    let host_addresses: BTreeSet<String> = nix
        .hosts
        .iter()
        .flat_map(|h| h.known_addresses().into_iter().chain(h.deploy_target()))
        .collect();
    out.retain(|a| !a.contains("${") && !a.is_empty() && !host_addresses.contains(a));
    out
}

#[cfg(test)]
mod tests {
    use super::ipv4_literals;

    #[test]
    fn finds_addresses_in_text() {
        let found: Vec<String> =
            ipv4_literals("addr = \"10.0.0.5/24\"; v1.2.3 port 6443 1.2.3.4:80").collect();
        assert_eq!(found, ["10.0.0.5", "1.2.3.4"]);
    }
}
