//! `NIX008` deploy-node-mismatch: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};
use strata_nix::HostSource;

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// The repository declares hosts both in `nixosConfigurations` and in a
    /// deploy tool (the Colmena hive, or deploy-rs's `deploy.nodes`), and
    /// one host is in only one of them: a Colmena or deploy-rs node without a
    /// `nixosConfigurations` entry of the same name, or a
    /// `nixosConfigurations` entry that no deploy tool deploys.
    ///
    /// ## Why
    /// Repositories that keep both usually mean them to describe the same
    /// machines: `nixos-anywhere --flake .#name` installs from
    /// `nixosConfigurations`, Colmena or deploy-rs updates afterwards. A host
    /// in one list only is either never updated by the deploy tool, or cannot
    /// be reinstalled (and a deploy-rs profile naming it fails to evaluate).
    ///
    /// ## Example
    /// ```nix
    /// nixosConfigurations = { node-a = …; node-b = …; };
    /// colmena = { meta = …; node-a = …; };   # node-b is never deployed
    /// ```
    /// Declare the host in both, or build one from the other
    /// (`nixosConfigurations = self.colmenaHive.nodes`).
    code: DeployNodeMismatch,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let hosts = &cx.nix.hosts;
    let any = |s: HostSource| hosts.iter().any(|h| h.sources.contains(&s));
    if !any(HostSource::NixosConfigurations) {
        return;
    }
    let tools: Vec<(HostSource, &str)> = [
        (HostSource::Colmena, "Colmena hive"),
        (HostSource::DeployRs, "deploy-rs `deploy.nodes`"),
    ]
    .into_iter()
    .filter(|(s, _)| any(*s))
    .collect();
    if tools.is_empty() {
        return;
    }
    for host in hosts {
        let in_nixos = host.sources.contains(&HostSource::NixosConfigurations);
        let deployed = tools.iter().any(|(s, _)| host.sources.contains(s));
        let message = if in_nixos && !deployed {
            let names: Vec<&str> = tools.iter().map(|(_, n)| *n).collect();
            format!(
                "nixosConfiguration `{}` has no node in the {}",
                host.name,
                names.join(" or the ")
            )
        } else if let Some((_, tool)) = tools
            .iter()
            .find(|(s, _)| !in_nixos && host.sources.contains(s))
        {
            format!(
                "`{}` of the {tool} has no nixosConfiguration of the same name",
                host.name
            )
        } else {
            continue;
        };
        let mut d = Diagnostic::new(Code::DeployNodeMismatch, message)
            .on(NodeId::host(&host.name))
            .help("declare the host in both, or derive one list from the other");
        if let Some(l) = &host.location {
            d = d.at(l.clone());
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_on_each_host_missing_from_one_side() {
        let analysis = analyze_fixture("nix-deploy-node-mismatch");
        assert_fires_at(
            &analysis,
            Code::DeployNodeMismatch,
            &["flake.nix:16:7", "flake.nix:29:9"],
        );
    }

    #[test]
    fn silent_when_both_sides_match() {
        assert_clean(
            &analyze_fixture("nix-deploy-node-mismatch-clean"),
            Code::DeployNodeMismatch,
        );
    }
}
