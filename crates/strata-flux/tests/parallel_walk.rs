//! The walk builds each wave of Kustomizations on every thread: what it
//! finds must be what one thread finds, findings of a shared base included.

mod common;

use common::{diagnostic_positions, fixture};
use strata_flux::FluxTree;

/// Everything of a tree that output shows, as text.
fn summary(flux: &FluxTree) -> String {
    let objects: Vec<String> = flux
        .objects
        .iter()
        .map(|o| format!("{} by {:?} at {:?}", o.id, o.applied_by, o.location))
        .collect();
    format!(
        "{objects:#?}\n{:#?}\n{:#?}\n{:#?}",
        diagnostic_positions(flux),
        flux.incomplete_builds,
        flux.unapplied
    )
}

fn load_on(threads: usize, name: &str) -> FluxTree {
    let tree = fixture(name);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
        .install(|| strata_flux::load(&tree))
}

#[test]
fn three_kustomizations_sharing_a_base_read_as_on_one_thread() {
    let one = load_on(1, "flux-shape-shared-base");
    for threads in [2, 4] {
        assert_eq!(
            summary(&load_on(threads, "flux-shape-shared-base")),
            summary(&one),
            "{threads} threads"
        );
    }
    // The base's missing entry is reported once, where it is written.
    assert!(
        diagnostic_positions(&one)
            .iter()
            .any(|d| d == "FLUX005 apps/base/kustomization.yaml:5:5"),
        "{:?}",
        diagnostic_positions(&one)
    );
    let deployments = one
        .objects
        .iter()
        .filter(|o| o.kind == "Deployment")
        .count();
    assert_eq!(deployments, 3, "the base applied in each team's namespace");
    // kustomize refuses every build that includes the base, not only the
    // first one built: each Kustomization's build is incomplete.
    let incomplete: Vec<&str> = one
        .incomplete_builds
        .iter()
        .map(|b| b.kustomization.name())
        .collect();
    assert_eq!(incomplete, ["apps-a", "apps-b", "apps-c"]);
}
