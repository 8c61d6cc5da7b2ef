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
    "builtins.readDir ./.",
    "builtins.readDir",
    "builtins.readFile",
    "builtins.fromJSON",
    "\"{\\\"a\\\": [1, {\\\"b\\\": null}]}\"",
    "lib.filterAttrs",
    "lib.mapAttrsToList",
    "lib.mapAttrs'",
    "lib.recursiveUpdate",
    "lib.hasPrefix",
    "lib.strings.removeSuffix",
    "lib.attrsets.genAttrs",
    "lib.lists.flatten",
    "lib.unique",
    "lib.range",
    "lib.foldr",
    "lib.splitString",
    "lib.concatMapStringsSep",
    "lib.attrByPath",
    "lib.nameValuePair",
    "lib.optionals",
    "lib.mkDefault",
    "lib.mkForce",
    "flake-utils.lib.eachDefaultSystem",
    "deploy-rs.lib.x86_64-linux.activate.nixos",
    "self.nixosConfigurations.h",
];

fn nixish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|t| t.join(" "))
}

fn small_limits() -> Limits {
    Limits {
        max_steps: 50_000,
        max_depth: 200,
        ..Limits::default()
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random expressions where every host shape reads them: as a host's
    /// facts (with `lib` in scope), deploy-rs nodes, package sets, the hive.
    #[test]
    fn host_readers_never_panic(a in nixish(), b in nixish(), c in nixish()) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("hosts")).unwrap();
        std::fs::write(dir.path().join("hosts/h.nix"), &c).unwrap();
        let flake = format!(
            "{{ inputs.nixpkgs.url = \"x\"; outputs = {{ self, nixpkgs, deploy-rs, flake-utils, ... }}: let lib = nixpkgs.lib; in {{ \
               nixosConfigurations.h = lib.nixosSystem {{ modules = [ ({{ lib, config, ... }}: {{ networking.hostName = ({a}); services.k3s = ({b}); networking.firewall.allowedTCPPortRanges = ({c}); sops.secrets = ({a}); }}) ]; }}; \
               deploy.nodes.h = ({b}); deploy.nodes.g.profiles.system.path = ({c}); \
               packages = ({a}); colmenaHive = (lib.makeHive ({b})); }}; }}"
        );
        std::fs::write(dir.path().join("flake.nix"), flake).unwrap();
        let tree = RepoTree::scan(dir.path()).unwrap();
        let repo = strata_nix::load_with(&tree, small_limits());
        // Serialising the facts forces nothing and never fails either.
        prop_assert!(serde_json::to_string(&repo.hosts).is_ok());
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
