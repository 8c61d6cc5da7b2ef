//! `CROSS002` cross-traefik-conflict: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};

use super::{offending_servers, place, server_finding};
use crate::cluster::PackagedComponent;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// The Flux tree deploys an ingress controller other than Traefik
    /// (ingress-nginx, HAProxy, Contour, Kong, Cilium's ingress…), while a
    /// k3s server of the cluster does not pass `--disable traefik`.
    /// Reported where that server's `extraFlags` are written.
    ///
    /// ## Why
    /// k3s installs its bundled Traefik unless told not to. Two controllers
    /// then compete for ports 80 and 443 (Traefik's LoadBalancer Service
    /// holds them through servicelb, or takes the pool's first address), and
    /// Ingresses without a class may be served by either. It is almost
    /// always an oversight when replacing Traefik.
    ///
    /// ## Example
    /// ```nix
    /// services.k3s.extraFlags = "--disable servicelb";
    /// ```
    /// with the `ingress-nginx` chart deployed by Flux. Add
    /// `--disable traefik`, or remove the second controller.
    code: CrossTraefikConflict,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for view in cx.clusters {
        let Some(controller) = view
            .deployed
            .ingress_controllers
            .iter()
            .find(|c| c.name != "traefik")
        else {
            continue;
        };
        let groups = offending_servers(view, |s| {
            s.settings
                .disables(PackagedComponent::Traefik)
                .is_none()
                .then_some(None)
        });
        for (location, servers) in groups {
            out.push(server_finding(
                Code::CrossTraefikConflict,
                location,
                &servers,
                |names| {
                    format!(
                        "k3s's bundled Traefik is enabled on {names}, but {} is deployed as ingress controller ({} at {})",
                        controller.name,
                        controller.object.id,
                        place(cx, &controller.location)
                    )
                },
                format!(
                    "add `--disable traefik` to `services.k3s.extraFlags` of every k3s server, so {} alone serves Ingresses",
                    controller.name
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_server_flags_keeping_traefik() {
        let analysis = analyze_fixture("cross-ingress");
        assert_fires_at(&analysis, Code::CrossTraefikConflict, &["flake.nix:27:22"]);
    }

    #[test]
    fn silent_when_traefik_is_disabled() {
        assert_clean(
            &analyze_fixture("cross-ingress-clean"),
            Code::CrossTraefikConflict,
        );
    }
}
