//! `NIX005` flake-input-unlocked: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// An input declared in `flake.nix` has no entry in `flake.lock` (after
    /// following `follows`). Only checked when `flake.lock` exists.
    ///
    /// ## Why
    /// The lock is what makes a flake reproducible. An input missing from it
    /// is resolved afresh (the newest commit of its branch) by whoever
    /// evaluates the flake next, and `nix flake check` in CI fails with
    /// `cannot write modified lock file` under `--no-update-lock-file`.
    ///
    /// ## Example
    /// ```nix
    /// inputs.deploy-rs.url = "github:serokell/deploy-rs";   # added, but `nix flake lock` never ran
    /// ```
    /// Run `nix flake lock` and commit `flake.lock`.
    code: FlakeInputUnlocked,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.nix.lock.is_none() {
        return;
    }
    for input in &cx.nix.inputs {
        if input.lock_node.is_some() {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::FlakeInputUnlocked,
                format!("flake input `{}` has no entry in `flake.lock`", input.name),
            )
            .at(input.location.clone())
            .on(NodeId::input(&input.name))
            .help("run `nix flake lock` and commit the updated `flake.lock`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_unlocked_input() {
        let analysis = analyze_fixture("nix-flake-input-unlocked");
        assert_fires_at(&analysis, Code::FlakeInputUnlocked, &["flake.nix:8:5"]);
    }

    #[test]
    fn silent_when_every_input_is_locked() {
        assert_clean(
            &analyze_fixture("nix-flake-input-unlocked-clean"),
            Code::FlakeInputUnlocked,
        );
    }
}
