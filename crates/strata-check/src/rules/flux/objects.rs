//! Helpers the rules that read documents as written share: one visit per
//! written document, and locations of values inside an object's document.

use std::collections::HashSet;

use strata_core::{Location, Span};
use strata_flux::K8sObject;
use strata_flux::flux_kinds::api_group;
use strata_flux::yaml::Yaml;

use crate::rules::Context;

/// Every object once per written document, in the tree's (sorted) order.
///
/// `cx.flux.objects` holds an object once per Kustomization that applies it;
/// a finding about what the document says belongs to the document, so the
/// rules reading documents as written look at each one once (FLUX018 is the
/// rule about the repetition itself).
pub(crate) fn unique_documents<'a>(cx: &'a Context<'_>) -> impl Iterator<Item = &'a K8sObject> {
    let mut seen: HashSet<(&str, Span)> = HashSet::new();
    cx.flux
        .objects
        .iter()
        .filter(move |o| seen.insert((o.location.file.as_str(), o.location.span)))
}

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
