//! `NIX009` deploy-profile-missing: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};
use strata_nix::{Fact, HostSource};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A deploy-rs profile's `path` activates
    /// `self.nixosConfigurations.<name>` and the flake has no such
    /// configuration.
    ///
    /// ## Why
    /// `deploy .#node` evaluates every profile of the node first: one
    /// missing configuration fails the whole deploy with `attribute '<name>'
    /// missing`, typically after a host was renamed in `nixosConfigurations`
    /// but not in `deploy.nodes`.
    ///
    /// ## Example
    /// ```nix
    /// deploy.nodes.edge-1.profiles.system.path =
    ///   deploy-rs.lib.x86_64-linux.activate.nixos self.nixosConfigurations.edge1;   # it is `edge-1`
    /// ```
    code: DeployProfileMissing,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let configured = |name: &str| {
        cx.nix
            .hosts
            .iter()
            .any(|h| h.name == name && h.sources.contains(&HostSource::NixosConfigurations))
    };
    for host in &cx.nix.hosts {
        let Some(deploy) = &host.deploy_rs else {
            continue;
        };
        for profile in &deploy.profiles {
            let Fact::Known { value, location } = &profile.configuration else {
                continue;
            };
            if configured(value) {
                continue;
            }
            let mut d = Diagnostic::new(
                Code::DeployProfileMissing,
                format!(
                    "deploy-rs profile `{}` of `{}` activates nixosConfiguration `{value}`, which does not exist",
                    profile.name, host.name
                ),
            )
            .on(NodeId::host(&host.name))
            .help("name an existing `nixosConfigurations` entry");
            if let Some(l) = location.clone().or_else(|| profile.location.clone()) {
                d = d.at(l);
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_missing_configuration_name() {
        let analysis = analyze_fixture("nix-deploy-profile-missing");
        assert_fires_at(&analysis, Code::DeployProfileMissing, &["flake.nix:32:99"]);
    }

    #[test]
    fn silent_when_profiles_name_existing_configurations() {
        assert_clean(
            &analyze_fixture("nix-deploy-profile-missing-clean"),
            Code::DeployProfileMissing,
        );
    }
}
