//! `CROSS005` cross-kube-proxy-replacement: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};

use super::{offending_servers, place, server_finding};
use crate::cluster::CniKind;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// Cilium is deployed with `kubeProxyReplacement: true` (or `strict`)
    /// while a k3s server still runs kube-proxy (no `--disable-kube-proxy`).
    /// Reported where the server's `extraFlags` are written.
    ///
    /// ## Why
    /// With kube-proxy replacement Cilium implements Services in eBPF; a
    /// kube-proxy left running programs the same Services in iptables, so
    /// the two paths disagree on where traffic goes (NodePorts and
    /// externalTrafficPolicy especially) and debugging shows whichever ran
    /// last. Cilium's k3s guide disables kube-proxy for this.
    ///
    /// ## Example
    /// ```yaml
    /// values:
    ///   kubeProxyReplacement: true
    /// ```
    /// with `services.k3s.extraFlags` lacking `--disable-kube-proxy`.
    code: CrossKubeProxyReplacement,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for view in cx.clusters {
        let Some(cilium) = view.deployed.cnis.iter().find(|c| {
            c.kind == CniKind::Cilium && c.kube_proxy_replacement.as_ref().is_some_and(|k| k.value)
        }) else {
            continue;
        };
        let Some(kpr) = cilium
            .kube_proxy_replacement
            .as_ref()
            .and_then(|k| k.location.clone())
        else {
            continue;
        };
        let groups = offending_servers(view, |s| {
            s.settings.keeps_kube_proxy().then(|| {
                s.settings
                    .disable_kube_proxy
                    .as_ref()
                    .and_then(|d| d.location.clone())
            })
        });
        for (location, servers) in groups {
            out.push(server_finding(
                Code::CrossKubeProxyReplacement,
                location,
                &servers,
                |names| {
                    format!(
                        "k3s runs kube-proxy on {names}, but Cilium replaces it (`kubeProxyReplacement` at {})",
                        place(cx, &kpr)
                    )
                },
                "pass `--disable-kube-proxy` to every k3s server, or turn `kubeProxyReplacement` off".to_string(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_where_kube_proxy_stays() {
        let analysis = analyze_fixture("cross-cilium");
        assert_fires_at(
            &analysis,
            Code::CrossKubeProxyReplacement,
            &["flake.nix:16:22", "flake.nix:30:22"],
        );
    }

    #[test]
    fn silent_with_kube_proxy_disabled() {
        assert_clean(
            &analyze_fixture("cross-cilium-clean"),
            Code::CrossKubeProxyReplacement,
        );
    }
}
