//! The example homelab at the repository root stays clean for everything
//! strata-flux reports and for the facts the Flux rules judge.

use std::collections::BTreeSet;
use std::path::PathBuf;

use strata_core::{NodeId, RepoTree};
use strata_flux::ReferenceKind;

#[test]
fn the_example_homelab_is_understood_without_findings() {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    // The fixtures are repositories of their own (strata.toml excludes them).
    let tree = RepoTree::scan_excluding(&root, &["tests/fixtures".to_string()])
        .expect("the repository root is readable");
    let flux = strata_flux::load(&tree);
    assert!(flux.diagnostics.is_empty(), "{:#?}", flux.diagnostics);
    assert!(
        flux.unapplied.is_empty(),
        "dead manifests: {:#?}",
        flux.unapplied
    );
    let ids: BTreeSet<&NodeId> = flux
        .objects
        .iter()
        .map(|o| &o.id)
        .chain(flux.provided.iter().map(|p| &p.id))
        .collect();
    for object in &flux.objects {
        assert!(
            object.unset_variables.is_empty(),
            "{}: {:?}",
            object.id,
            object.unset_variables
        );
        for reference in &object.refs {
            if matches!(
                reference.kind,
                ReferenceKind::ValuesFrom | ReferenceKind::SubstituteFrom
            ) && !reference.optional
            {
                assert!(
                    ids.contains(&reference.target),
                    "{} → {}",
                    object.id,
                    reference.target
                );
            }
        }
        if object.sops_encrypted
            && let Some(kustomization) = &object.applied_by
        {
            assert_eq!(
                flux.decryption_provider(kustomization),
                Some("sops"),
                "{} applied by {kustomization}",
                object.id
            );
        }
    }
}
