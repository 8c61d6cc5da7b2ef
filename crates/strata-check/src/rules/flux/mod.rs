//! Rules over the Flux and kustomize tree.

pub mod depends_on_cycle;
pub mod depends_on_unresolved;
pub mod kustomization_path_missing;
pub mod kustomize_resource_missing;
pub mod source_unresolved;

use strata_core::{Code, Diagnostic, NodeId};
use strata_flux::{FluxTree, ReferenceKind};

use crate::rules::Context;

/// Reports every reference of the given kinds whose target is not in the
/// graph, at the name it uses, with the likely fix.
pub(crate) fn report_unresolved(
    cx: &Context<'_>,
    kinds: &[ReferenceKind],
    code: Code,
    out: &mut Vec<Diagnostic>,
) {
    for object in &cx.flux.objects {
        for reference in object.refs.iter().filter(|r| kinds.contains(&r.kind)) {
            if cx.graph.contains(&reference.target) {
                continue;
            }
            let field = match reference.kind {
                ReferenceKind::DependsOn => "dependsOn",
                ReferenceKind::SourceRef => "sourceRef",
                ReferenceKind::ChartRef => "chartRef",
            };
            let target = &reference.target;
            let elsewhere = same_name_elsewhere(cx.flux, target);
            let help = match elsewhere.first() {
                Some(ns) => format!(
                    "a {} of that name exists in namespace {}: add `namespace: {ns}` to this `{field}`",
                    target.kind(),
                    elsewhere.join(", ")
                ),
                None => format!(
                    "no {} named `{}` is applied in namespace `{}`; fix the name, or declare it in a tree Flux applies",
                    target.kind(),
                    target.name(),
                    target.namespace().unwrap_or("default")
                ),
            };
            out.push(
                Diagnostic::new(
                    code,
                    format!("`{field}` names `{target}`, which does not exist"),
                )
                .at(reference.location.clone())
                .on(object.id.clone())
                .help(help),
            );
        }
    }
}

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
