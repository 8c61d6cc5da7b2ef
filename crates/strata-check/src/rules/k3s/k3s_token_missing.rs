//! `K3S006` k3s-token-missing: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};
use strata_nix::TokenSource;

use crate::assemble_nix::fact_location;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A k3s node joins a server (`serverAddr` is set) but has no `token`,
    /// no `tokenFile` and no `environmentFile` (which could carry
    /// `K3S_TOKEN`).
    ///
    /// ## Why
    /// A joining node must present the cluster token: without one, k3s
    /// refuses to start (`--token is required`) and the node never joins.
    /// Only the server that starts the cluster may omit it (it generates
    /// one).
    ///
    /// ## Example
    /// ```nix
    /// services.k3s = { role = "agent"; serverAddr = "https://10.0.0.11:6443"; };
    /// ```
    /// Add `tokenFile = config.sops.secrets.k3s-token.path;`.
    code: K3sTokenMissing,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for host in &cx.nix.hosts {
        let Some(k3s) = &host.k3s else { continue };
        if k3s.enable.value() != Some(&true) {
            continue;
        }
        let joins = k3s
            .server_addr
            .value()
            .is_some_and(|a| !a.trim().is_empty());
        if !joins || !matches!(k3s.token, TokenSource::None) || !k3s.environment_file.is_unset() {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::K3sTokenMissing,
            format!(
                "`{}` joins a k3s server but has no `token`, `tokenFile` or `environmentFile`",
                host.name
            ),
        )
        .on(NodeId::host(&host.name))
        .help("set `services.k3s.tokenFile` to the cluster token (from sops-nix or agenix)");
        if let Some(l) = fact_location(&k3s.server_addr, host) {
            d = d.at(l);
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_join_without_token() {
        let analysis = analyze_fixture("k3s-token-missing");
        assert_fires_at(&analysis, Code::K3sTokenMissing, &["flake.nix:26:24"]);
    }

    #[test]
    fn silent_with_token_file_or_environment_file() {
        assert_clean(
            &analyze_fixture("k3s-token-missing-clean"),
            Code::K3sTokenMissing,
        );
    }
}
