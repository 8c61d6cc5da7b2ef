//! `NIX011` state-version-missing: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A NixOS host (a `nixosConfigurations` entry or a Colmena node) whose
    /// modules, as far as strata reads them, never set
    /// `system.stateVersion`. Hosts whose configuration could not be read
    /// at all are skipped.
    ///
    /// ## Why
    /// `stateVersion` pins the defaults of stateful services (database
    /// formats, data directories) to the release the machine was installed
    /// with. Without it NixOS warns and falls back to the current release,
    /// so an upgrade can silently switch PostgreSQL or k3s data layouts.
    ///
    /// ## Example
    /// ```nix
    /// { networking.hostName = "node-a"; }   # no system.stateVersion = "25.11";
    /// ```
    /// Set it once, to the release the host was installed with, and never
    /// change it.
    code: StateVersionMissing,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for host in &cx.nix.hosts {
        if !host.is_nixos() || !host.state_version.is_unset() {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::StateVersionMissing,
            format!("host `{}` does not set `system.stateVersion`", host.name),
        )
        .on(NodeId::host(&host.name))
        .help("set `system.stateVersion` to the NixOS release the host was installed with");
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
    fn fires_at_the_host_without_state_version() {
        let analysis = analyze_fixture("nix-state-version-missing");
        assert_fires_at(&analysis, Code::StateVersionMissing, &["flake.nix:13:7"]);
    }

    #[test]
    fn silent_when_every_host_sets_it() {
        assert_clean(
            &analyze_fixture("nix-state-version-missing-clean"),
            Code::StateVersionMissing,
        );
    }
}
