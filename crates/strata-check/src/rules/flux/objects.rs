//! Helpers the rules that read documents as written share: locations of
//! values inside an object's document, kinds, substitutions. (One visit per
//! written document: `FluxTree::written_objects`.)

use strata_core::Location;
use strata_flux::K8sObject;
use strata_flux::flux_kinds::api_group;
use strata_flux::yaml::Yaml;

/// The location of `node`, a value inside `object`'s document.
pub(crate) fn at(object: &K8sObject, node: &Yaml) -> Location {
    // A patched value (kustomize `namespace:`, `images:`, a parent's
    // `spec.patches`) is written in another file than the object.
    object.location_at(node)
}

/// Whether `object` is of `kind` in API group `group` (any version).
pub(crate) fn is(object: &K8sObject, group: &str, kind: &str) -> bool {
    object.kind == kind && api_group(&object.api_version) == group
}

/// Whether a value is (or contains) a Flux `${VAR}` substitution: its real
/// value is only known after postBuild, so rules judging values skip it.
pub(crate) fn is_substituted(text: &str) -> bool {
    text.contains("${")
}
