//! `CROSS004` cross-cni-flannel: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};

use super::{offending_servers, place, server_finding};
use crate::cluster::components::{helm_values, value_text};
use crate::cluster::{ClusterView, Cni, CniKind};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// The Flux tree deploys Cilium or Calico as the cluster's CNI while a
    /// k3s server keeps flannel (no `--flannel-backend=none`) or its
    /// embedded network policy controller (no `--disable-network-policy`).
    /// Reported at the server's `--flannel-backend` flag when it names
    /// another backend, else where its `extraFlags` are written. A CNI
    /// chained onto flannel (Cilium `cni.chainingMode`, Calico with another
    /// `installation.cni.type`, Canal) is meant to keep it and is not
    /// reported.
    ///
    /// ## Why
    /// Two CNIs configure pod networking on every node: pods get addresses
    /// from either, routes and VXLAN devices clash, and traffic between
    /// nodes fails intermittently. k3s's network policy controller
    /// (kube-router) also programs iptables for NetworkPolicies that Cilium
    /// or Calico already enforce. Both vendors' k3s guides start with these
    /// two flags.
    ///
    /// ## Example
    /// ```nix
    /// services.k3s.extraFlags = [ "--disable servicelb" ];   # flannel and kube-router stay
    /// ```
    /// with the `cilium` chart deployed. Add `"--flannel-backend=none"` and
    /// `"--disable-network-policy"` to every server.
    code: CrossCniFlannel,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for view in cx.clusters {
        let Some(cni) = view
            .deployed
            .cnis
            .iter()
            .find(|c| replaces_flannel(view, c))
        else {
            continue;
        };
        let cni_name = cni.kind.as_str();
        let at = format!("{} at {}", cni.object.id, place(cx, &cni.location));
        // What the CNI replaces, and the flag that hands it over.
        let flannel = offending_servers(view, |s| {
            s.settings.keeps_flannel().then(|| {
                s.settings
                    .flannel_backend
                    .as_ref()
                    .and_then(|b| b.location.clone())
            })
        });
        let policy = offending_servers(view, |s| {
            s.settings.keeps_network_policy().then(|| {
                s.settings
                    .disable_network_policy
                    .as_ref()
                    .and_then(|d| d.location.clone())
            })
        });
        let kept = [
            (
                flannel,
                "flannel",
                "is the cluster's CNI",
                format!(
                    "pass `--flannel-backend=none` to every k3s server so {cni_name} alone sets up pod networking"
                ),
            ),
            (
                policy,
                "its network policy controller",
                "enforces NetworkPolicies",
                "pass `--disable-network-policy` to every k3s server".to_string(),
            ),
        ];
        for (offending, component, role, help) in kept {
            for (location, servers) in offending {
                out.push(server_finding(
                    Code::CrossCniFlannel,
                    location,
                    &servers,
                    |names| {
                        format!("k3s keeps {component} on {names}, but {cni_name} {role} ({at})")
                    },
                    help.clone(),
                ));
            }
        }
    }
}

/// Whether a CNI replaces flannel rather than chaining onto it; when that
/// is not known (values from elsewhere), it is not judged.
fn replaces_flannel(view: &ClusterView<'_>, cni: &Cni<'_>) -> bool {
    let (values, complete) = helm_values(cni.object);
    if cni.object.kind == "HelmRelease" {
        if !complete {
            return false;
        }
        return match cni.kind {
            CniKind::Cilium => {
                value_text(values, "cni.chainingMode").is_none_or(|(mode, _)| mode == "none")
            }
            CniKind::Calico => {
                value_text(values, "installation.cni.type").is_none_or(|(kind, _)| kind == "Calico")
            }
        };
    }
    // Plain manifests: Canal runs flannel beside calico/node; a Cilium
    // config map may chain Cilium onto flannel.
    let canal = crate::rules::flux::workloads::pod_spec(cni.object).is_some_and(|spec| {
        crate::rules::flux::workloads::containers(spec, true).any(|c| {
            c.get("image")
                .and_then(|i| i.as_str())
                .is_some_and(|i| i.contains("flannel"))
        })
    });
    let chained = view.deployed.objects.iter().any(|o| {
        o.kind == "ConfigMap"
            && o.doc
                .path("data")
                .and_then(|d| d.get("cni-chaining-mode"))
                .and_then(|m| m.as_str())
                .is_some_and(|m| m != "none")
    });
    !canal && !chained
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_flannel_and_policy_flags() {
        let analysis = analyze_fixture("cross-cilium");
        assert_fires_at(
            &analysis,
            Code::CrossCniFlannel,
            &["flake.nix:17:11", "flake.nix:30:22", "flake.nix:30:22"],
        );
    }

    #[test]
    fn silent_without_flannel_and_kube_router() {
        assert_clean(
            &analyze_fixture("cross-cilium-clean"),
            Code::CrossCniFlannel,
        );
    }
}
