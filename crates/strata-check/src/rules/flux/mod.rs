//! Rules over the Flux and kustomize tree.

pub mod depends_on_cycle;
pub mod depends_on_unresolved;
pub mod kustomization_path_missing;
pub mod kustomize_resource_missing;
pub mod source_unresolved;

use strata_core::NodeId;
use strata_flux::FluxTree;

/// Ids of objects with the same kind and name as `target` in other namespaces:
/// the usual cause of an unresolved reference is a defaulted namespace.
pub(crate) fn same_name_elsewhere(flux: &FluxTree, target: &NodeId) -> Vec<String> {
    let mut found: Vec<String> = flux
        .objects
        .iter()
        .filter(|o| o.kind == target.kind() && o.name == target.name() && &o.id != target)
        .filter_map(|o| o.namespace.clone())
        .collect();
    found.sort();
    found.dedup();
    found
}
