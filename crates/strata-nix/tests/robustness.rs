//! Nothing panics or hangs, whatever the input.

use proptest::prelude::*;
use strata_core::RepoTree;
use strata_nix::eval::{Limits, eval_source_with};

/// Tokens that make random text look like Nix, to reach deep into the
/// evaluator rather than stopping at the first syntax error.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "rec",
    "let",
    "in",
    "a",
    "b",
    "x",
    "=",
    ";",
    ":",
    "(",
    ")",
    "[",
    "]",
    "1",
    "0",
    "-1",
    "2.5",
    "\"s\"",
    "\"${",
    "}\"",
    "''",
    "''\n  t ${a}\n''",
    "./p",
    "../q",
    "<nixpkgs>",
    "with",
    "if",
    "then",
    "else",
    "inherit",
    ".",
    "or",
    "?",
    "//",
    "++",
    "+",
    "-",
    "*",
    "/",
    "@",
    "...",
    ",",
    "builtins.mapAttrs",
    "builtins.listToAttrs",
    "builtins.genList",
    "builtins.foldl'",
    "map",
    "import",
    "assert",
    "!",
    "==",
    "->",
    "&&",
    "||",
    "<",
    "true",
    "null",
    "throw",
    "x: x",
    "f: f f",
    "rec { a = a; }",
    "{ a, b ? 1, ... }@c:",
    "imports",
    "config",
    "lib.mkIf",
    "lib.mkMerge",
    "a.b.c",
    "${a}",
    "|>",
];

fn nixish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|t| t.join(" "))
}

fn small_limits() -> Limits {
    Limits {
        max_steps: 50_000,
        max_depth: 200,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn evaluator_never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = eval_source_with(&text, small_limits());
    }

    #[test]
    fn evaluator_never_panics_on_nix_like_text(text in nixish()) {
        let _ = eval_source_with(&text, small_limits());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn load_never_panics(flake in nixish(), module in nixish(), raw in "\\PC{0,80}") {
        let dir = tempfile::tempdir().unwrap();
        let outputs = format!(
            "{{ inputs.nixpkgs.url = \"x\"; outputs = {{ self, nixpkgs, ... }}: {{ nixosConfigurations.h = nixpkgs.lib.nixosSystem {{ modules = [ ./m.nix ({flake}) ]; }}; colmena.n = import ./m.nix; }}; }}"
        );
        std::fs::write(dir.path().join("flake.nix"), outputs).unwrap();
        std::fs::write(dir.path().join("m.nix"), &module).unwrap();
        std::fs::write(dir.path().join("raw.nix"), &raw).unwrap();
        std::fs::write(dir.path().join("flake.lock"), &raw).unwrap();
        let tree = RepoTree::scan(dir.path()).unwrap();
        let repo = strata_nix::load_with(&tree, small_limits());
        prop_assert_eq!(repo.files.len(), 3);
    }
}

#[test]
fn load_never_panics_on_a_random_flake() {
    // A whole flake.nix of random text, too.
    let dir = tempfile::tempdir().unwrap();
    for text in [
        "",
        "{",
        "{ outputs = x: x; }",
        "{ outputs = { self }: self; }",
        "{ outputs = _: { colmena = 1; nixosConfigurations = { a = 1; }; }; }",
        "rec { outputs = _: outputs; }",
    ] {
        std::fs::write(dir.path().join("flake.nix"), text).unwrap();
        let tree = RepoTree::scan(dir.path()).unwrap();
        let _ = strata_nix::load(&tree);
    }
}

const REAL: &str = include_str!("../../../tests/fixtures/nix-colmena-literal/flake.nix");

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Real code with a random slice cut out or duplicated: the shapes error
    /// recovery produces.
    #[test]
    fn evaluator_never_panics_on_damaged_real_code(a in 0usize..2000, b in 0usize..200, dup in any::<bool>()) {
        let start = a.min(REAL.len());
        let end = (start + b).min(REAL.len());
        let (start, end) = (floor(REAL, start), floor(REAL, end));
        let text = if dup {
            format!("{}{}{}", &REAL[..end], &REAL[start..end], &REAL[end..])
        } else {
            format!("{}{}", &REAL[..start], &REAL[end..])
        };
        let _ = eval_source_with(&format!("({text}).outputs {{ self = {{ }}; nixpkgs = {{ }}; colmena = {{ }}; }}"), small_limits());
    }
}

fn floor(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
