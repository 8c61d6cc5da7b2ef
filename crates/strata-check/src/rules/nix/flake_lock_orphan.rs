//! `NIX006` flake-lock-orphan: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// An entry of `flake.lock` that no input of `flake.nix` uses: an input
    /// of the lock's root node that `flake.nix` no longer declares (nor the
    /// `outputs` function takes), or a node that nothing reaches from the
    /// declared inputs, `follows` included.
    ///
    /// ## Why
    /// Nix drops such entries at the next `nix flake lock`; until then the
    /// lock pins sources nobody uses, and its diff on the next update hides
    /// the real changes. It usually means an input was removed from
    /// `flake.nix` without relocking.
    ///
    /// ## Example
    /// ```json
    /// "root": { "inputs": { "nixpkgs": "nixpkgs", "flake-utils": "flake-utils" } }
    /// ```
    /// with `flake-utils` no longer in `flake.nix`: run `nix flake lock`.
    code: FlakeLockOrphan,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(lock) = &cx.nix.lock else { return };
    for orphan in &lock.orphans {
        let message = if orphan.root_input {
            format!(
                "`flake.lock` pins input `{}`, which `flake.nix` does not declare",
                orphan.name
            )
        } else {
            format!("`flake.lock` node `{}` is reached by no input", orphan.name)
        };
        out.push(
            Diagnostic::new(Code::FlakeLockOrphan, message)
                .at(orphan.location.clone())
                .help("run `nix flake lock` to drop entries no input uses"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_stale_entries() {
        let analysis = analyze_fixture("nix-flake-lock-orphan");
        assert_fires_at(
            &analysis,
            Code::FlakeLockOrphan,
            &["flake.lock:53:5", "flake.lock:91:9"],
        );
    }

    #[test]
    fn silent_when_every_entry_is_used_through_follows() {
        assert_clean(
            &analyze_fixture("nix-flake-lock-orphan-clean"),
            Code::FlakeLockOrphan,
        );
    }
}
