//! `K3S005` k3s-token-literal: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};
use strata_nix::TokenSource;

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// `services.k3s.token` is set (or `--token` is passed in `extraFlags`):
    /// the cluster token is written into the configuration. The finding
    /// points at the value and never prints it.
    ///
    /// ## Why
    /// Everything in a NixOS configuration is copied to the world-readable
    /// Nix store, and usually committed to git: anyone with a shell on any
    /// node (or read access to the repository) can join a node to the
    /// cluster or read its secrets. The NixOS option documentation says so.
    ///
    /// ## Example
    /// ```nix
    /// services.k3s.token = "K10…";
    /// ```
    /// Use `services.k3s.tokenFile = config.sops.secrets.k3s-token.path;`
    /// (sops-nix, agenix) and rotate the leaked token.
    code: K3sTokenLiteral,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for host in &cx.nix.hosts {
        let Some(k3s) = &host.k3s else { continue };
        let TokenSource::Literal { location } = &k3s.token else {
            continue;
        };
        let mut d = Diagnostic::new(
            Code::K3sTokenLiteral,
            format!(
                "k3s token of `{}` is written in the configuration and ends up in the world-readable Nix store",
                host.name
            ),
        )
        .on(NodeId::host(&host.name))
        .help("use `services.k3s.tokenFile` with a secret manager (sops-nix, agenix), and rotate this token");
        if let Some(l) = location.clone().or_else(|| host.location.clone()) {
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
    fn fires_at_the_token_without_printing_it() {
        let analysis = analyze_fixture("k3s-token-literal");
        assert_fires_at(&analysis, Code::K3sTokenLiteral, &["flake.nix:27:19"]);
        let text = format!("{:?}", analysis.diagnostics);
        assert!(!text.contains("K10-fixture-secret"), "token leaked: {text}");
        let graph = serde_json::to_string(
            &analysis
                .graph
                .nodes()
                .map(|n| format!("{:?}", n))
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default();
        assert!(
            !graph.contains("K10-fixture-secret"),
            "token leaked into the graph"
        );
    }

    #[test]
    fn silent_with_a_token_file() {
        assert_clean(
            &analyze_fixture("k3s-token-literal-clean"),
            Code::K3sTokenLiteral,
        );
    }
}
