//! `CROSS001` cross-servicelb-conflict: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};

use super::{offending_servers, place, server_finding};
use crate::cluster::{LoadBalancer, PackagedComponent};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// The Flux tree deploys a load balancer for `LoadBalancer` Services
    /// (MetalLB, kube-vip in services mode, or Cilium LB IPAM), while a k3s
    /// server of the cluster it runs on does not pass `--disable servicelb`.
    /// Reported where that server's `extraFlags` are written (one finding
    /// for servers sharing a module); servers whose flags are not all known
    /// are not judged.
    ///
    /// ## Why
    /// k3s's servicelb (klipper-lb) answers every `LoadBalancer` Service by
    /// binding its ports on the nodes' own addresses. With a second
    /// implementation both claim the Service: its external address flips
    /// between the node IP and the pool address, and the svclb pods hold
    /// ports 80/443 on every node. The k3s and MetalLB docs both say to
    /// disable servicelb.
    ///
    /// ## Example
    /// ```nix
    /// services.k3s.extraFlags = [ "--disable traefik" ];   # servicelb still on
    /// ```
    /// with `flux/infrastructure/metallb/HelmRelease.yaml` installing the
    /// `metallb` chart. Add `"--disable servicelb"` to every server's flags.
    code: CrossServiceLbConflict,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for view in cx.clusters {
        let d = &view.deployed;
        // The load balancer itself when the tree installs it, else its pool.
        let is_pool = |lb: &LoadBalancer<'_>| d.pools.iter().any(|p| p.object.id == lb.object.id);
        let Some(lb) = d
            .load_balancers
            .iter()
            .find(|lb| !is_pool(lb))
            .or(d.load_balancers.first())
        else {
            continue;
        };
        let groups = offending_servers(view, |s| {
            s.settings
                .disables(PackagedComponent::ServiceLb)
                .is_none()
                .then_some(None)
        });
        for (location, servers) in groups {
            out.push(server_finding(
                Code::CrossServiceLbConflict,
                location,
                &servers,
                |names| {
                    format!(
                        "k3s servicelb is enabled on {names}, but {} is deployed ({} at {}): both answer LoadBalancer Services",
                        lb.kind.as_str(),
                        lb.object.id,
                        place(cx, &lb.location)
                    )
                },
                format!(
                    "add `--disable servicelb` to `services.k3s.extraFlags` of every k3s server so only {} hands out LoadBalancer addresses",
                    lb.kind.as_str()
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
    fn fires_at_the_server_flags_without_disable_servicelb() {
        let analysis = analyze_fixture("cross-servicelb");
        assert_fires_at(
            &analysis,
            Code::CrossServiceLbConflict,
            &["flake.nix:27:22"],
        );
    }

    /// The example homelab with `--disable servicelb` removed from its
    /// shared k3s module: one finding, at that module's `extraFlags`.
    #[test]
    fn fires_on_the_example_without_disable_servicelb() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let copy = tempfile::tempdir().unwrap();
        for entry in [
            "flake.nix",
            "flake.lock",
            "nix",
            "hosts",
            "modules",
            "flux",
            "secrets",
            ".sops.yaml",
            "strata.toml",
        ] {
            copy_tree(&root.join(entry), &copy.path().join(entry));
        }
        let module = copy.path().join("modules/k3s/default.nix");
        let text = std::fs::read_to_string(&module).unwrap();
        assert!(text.contains("      \"--disable servicelb\"\n"));
        std::fs::write(&module, text.replace("      \"--disable servicelb\"\n", "")).unwrap();
        let options = crate::Options {
            eval: crate::EvalMode::Static,
            ..Default::default()
        };
        let analysis = crate::analyze(copy.path(), &options).unwrap();
        assert_fires_at(
            &analysis,
            Code::CrossServiceLbConflict,
            &["modules/k3s/default.nix:20:5"],
        );
        let message = &findings(&analysis, Code::CrossServiceLbConflict)[0];
        assert!(
            message.contains("`homelab-0`, `homelab-1`, `homelab-2`"),
            "{message}"
        );
        assert!(
            message.contains("flux/infrastructure/controllers/metallb/HelmRelease.yaml:"),
            "{message}"
        );
    }

    fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
        if from.is_dir() {
            std::fs::create_dir_all(to).unwrap();
            for entry in std::fs::read_dir(from).unwrap() {
                let entry = entry.unwrap();
                copy_tree(&entry.path(), &to.join(entry.file_name()));
            }
        } else if from.is_file() {
            std::fs::copy(from, to).unwrap();
        }
    }

    #[test]
    fn silent_when_every_server_disables_servicelb() {
        assert_clean(
            &analyze_fixture("cross-servicelb-clean"),
            Code::CrossServiceLbConflict,
        );
    }
}
