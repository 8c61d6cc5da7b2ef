//! Whatever the repository holds, analysis finishes with findings, never a panic.

use proptest::prelude::*;
use strata_core::RepoTree;

/// Fragments that real files are made of, so random input reaches deep into
/// both parsers instead of failing on the first byte.
const YAML_BITS: &[&str] = &[
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\n",
    "kind: Kustomization\n",
    "kind: HelmRelease\n",
    "metadata:\n  name: a\n",
    "  namespace: flux-system\n",
    "spec:\n  path: ./x\n",
    "  dependsOn:\n    - name: a\n",
    "resources:\n  - ./x\n  - ../y\n",
    "---\n",
    "  sourceRef: {kind: GitRepository, name: a}\n",
    "- [\n",
    ": :\n",
    "\t",
    "é",
    "&a *a\n",
    "namespace: ns\n",
    "apiVersion: kustomize.config.k8s.io/v1beta1\n",
];
const NIX_BITS: &[&str] = &[
    "{ ",
    "}",
    "imports = [ ./x.nix ];",
    "import ./y",
    "let a = 1; in",
    "rec { a = a; }",
    "x: x",
    "(",
    ")",
    "services.k3s.serverAddr = \"https://1.2.3.4:6443\";",
    "nixosConfigurations.h = ",
    "colmena = {",
    "\"${",
    "''",
    "inherit (a) b;",
    "with a;",
    "if a then b else c",
    "a.b.c or d",
    "[ ",
    "]",
    "é",
];

fn assemble(bits: &[&str], picks: &[usize]) -> String {
    picks.iter().map(|i| bits[i % bits.len()]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn random_repositories_analyse(
        yaml_files in proptest::collection::vec(proptest::collection::vec(0usize..64, 0..30), 1..5),
        nix_files in proptest::collection::vec(proptest::collection::vec(0usize..64, 0..30), 1..5),
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("clusters/home")).unwrap();
        std::fs::create_dir_all(dir.path().join("x")).unwrap();
        for (i, picks) in yaml_files.iter().enumerate() {
            let dest = if i == 0 { "clusters/home/kustomization.yaml".to_string() } else { format!("clusters/home/f{i}.yaml") };
            std::fs::write(dir.path().join(dest), assemble(YAML_BITS, picks)).unwrap();
        }
        for (i, picks) in nix_files.iter().enumerate() {
            let dest = if i == 0 { "flake.nix".to_string() } else { format!("x/m{i}.nix") };
            std::fs::write(dir.path().join(dest), assemble(NIX_BITS, picks)).unwrap();
        }
        let tree = RepoTree::scan(dir.path()).unwrap();
        let analysis = strata_check::analyze_tree(&tree, Vec::new());
        // Every finding with a location points into a file that was read.
        for d in &analysis.diagnostics {
            if let Some(location) = &d.location {
                prop_assert!(analysis.sources.get(&location.file).is_some(), "{d:?}");
            }
        }
        let _ = strata_plan_free_ordering_check(&analysis);
    }
}

/// The graph's cycle search must terminate on whatever was read.
fn strata_plan_free_ordering_check(analysis: &strata_check::Analysis) -> usize {
    analysis
        .graph
        .cycles(&[
            strata_core::EdgeKind::DependsOn,
            strata_core::EdgeKind::Contains,
        ])
        .len()
}
