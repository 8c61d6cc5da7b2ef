//! `NIX007` flake-input-unused: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, NodeId};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A flake input that no output uses: its name never appears in the body
    /// of `outputs` (neither as a formal argument used there nor as
    /// `inputs.<name>`), no other input `follows` it, and — when `outputs`
    /// hands its whole argument on (`specialArgs = { inherit inputs; }`) —
    /// no other Nix file of the repository names it either.
    ///
    /// ## Why
    /// Every input is fetched and locked, slows `nix flake update`, and is
    /// one more supply-chain dependency; an unused one usually remains from
    /// a removed feature (a dropped `deploy-rs`, a replaced `flake-utils`).
    ///
    /// ## Example
    /// ```nix
    /// inputs.flake-utils.url = "github:numtide/flake-utils";
    /// outputs = { self, nixpkgs, ... }: { … };   # flake-utils never used
    /// ```
    /// Remove the input and run `nix flake lock`.
    code: FlakeInputUnused,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for input in &cx.nix.inputs {
        if input.used {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::FlakeInputUnused,
                format!("flake input `{}` is used by no output", input.name),
            )
            .at(input.location.clone())
            .on(NodeId::input(&input.name))
            .help("remove the input (and run `nix flake lock`), or use it"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_unused_input() {
        let analysis = analyze_fixture("nix-flake-input-unused");
        assert_fires_at(&analysis, Code::FlakeInputUnused, &["flake.nix:6:5"]);
    }

    #[test]
    fn silent_when_inputs_reach_modules_through_special_args() {
        assert_clean(
            &analyze_fixture("nix-flake-input-unused-clean"),
            Code::FlakeInputUnused,
        );
    }
}
