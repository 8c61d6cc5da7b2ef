//! Every fixture repository, and this whole repository with nothing excluded
//! (broken fixtures included), analyse without a panic; findings always point
//! into files that were read, and output is the same twice over.

use std::path::PathBuf;

use strata_core::RepoTree;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn every_fixture_and_the_unexcluded_repository_analyse() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 16, "fixtures: {dirs:?}");
    dirs.push(root());
    for dir in dirs {
        let tree = RepoTree::scan(&dir).unwrap();
        let first = strata_check::analyze_tree(&tree, Vec::new());
        for d in &first.diagnostics {
            if let Some(location) = &d.location {
                assert!(
                    first.sources.get(&location.file).is_some(),
                    "{}: {d:?}",
                    dir.display()
                );
            }
        }
        let second = strata_check::analyze_tree(&tree, Vec::new());
        assert_eq!(first.diagnostics, second.diagnostics, "{}", dir.display());
        assert_eq!(
            first.graph.edges().collect::<Vec<_>>(),
            second.graph.edges().collect::<Vec<_>>()
        );
    }
}
