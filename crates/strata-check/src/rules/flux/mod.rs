//! Rules over the Flux and kustomize tree.

pub mod api_version_deprecated;
pub mod api_version_removed;
pub mod chart_version_unpinned;
pub mod container_resources_missing;
pub mod crd_ordering;
pub mod depends_on_cycle;
pub mod depends_on_unresolved;
pub mod flux_object_malformed;
pub mod image_tag_unpinned;
pub mod ingress_conflict;
pub mod kustomization_path_missing;
pub mod kustomize_duplicate_id;
pub mod kustomize_resource_missing;
pub mod manifest_not_applied;
pub mod namespace_missing;
pub mod object_duplicate;
pub mod object_name_invalid;
pub mod oci_tag_moving;
pub mod secret_plaintext;
pub mod sops_without_decryption;
pub mod source_unresolved;
pub mod substitute_from_unresolved;
pub mod substitution_invalid;
pub mod substitution_variable_unset;
pub mod sync_root_missing;
pub mod sync_root_unresolved;
pub mod values_from_unresolved;

mod crd_providers;
mod flux_api;
mod objects;
pub(crate) mod workloads;

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
            // Flux tolerates a missing optional source (`optional: true`).
            if reference.optional || cx.graph.contains(&reference.target) {
                continue;
            }
            let field = match reference.kind {
                ReferenceKind::DependsOn => "dependsOn",
                ReferenceKind::SourceRef => "sourceRef",
                ReferenceKind::ChartRef => "chartRef",
                ReferenceKind::ValuesFrom => "valuesFrom",
                ReferenceKind::SubstituteFrom => "postBuild.substituteFrom",
            };
            let target = &reference.target;
            let elsewhere = same_name_elsewhere(cx.flux, target);
            let hashed = hashed_generated_name(cx.flux, target);
            let help = match (hashed, elsewhere.first()) {
                (Some(generated), _) => format!(
                    "kustomize generated `{generated}`: its name carries a content hash that Flux \
                     does not see through; set `options: {{disableNameSuffixHash: true}}` on the \
                     generator (or `generatorOptions` for the whole kustomization)"
                ),
                (None, elsewhere_first) => match elsewhere_first {
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
                },
            };
            // A build that names a missing file may have declared it:
            // strata cannot know, and FLUX005 already names the cause.
            if let Some(incomplete) = cx.flux.incomplete_builds.iter().find(|b| {
                target
                    .namespace()
                    .is_some_and(|ns| b.namespaces.contains(ns))
            }) {
                out.push(
                    Diagnostic::new(
                        code,
                        format!(
                            "`{field}` names `{target}`, which nothing applied declares; the build of Kustomization `{}` names a file that is not in the repository, which may",
                            incomplete.kustomization.name()
                        ),
                    )
                    .severity(strata_core::Severity::Warning)
                    .at(reference.location.clone())
                    .on(object.id.clone())
                    .related(incomplete.missing.clone(), "the missing file")
                    .help("add the missing file (see FLUX005), or fix the reference"),
                );
                continue;
            }
            // Declared in the repository but applied by no Kustomization:
            // applied by hand (`sops -d … | kubectl apply`), so it may well
            // exist; say where it is, as a warning.
            if let Some(file) = cx.flux.unapplied.iter().find(|f| f.ids.contains(target)) {
                out.push(
                    Diagnostic::new(
                        code,
                        format!(
                            "`{field}` names `{target}`, which `{}` declares but no Flux Kustomization applies",
                            file.file
                        ),
                    )
                    .severity(strata_core::Severity::Warning)
                    .at(reference.location.clone())
                    .on(object.id.clone())
                    .help(format!(
                        "if `{}` is applied by hand, nothing rebuilds it with the cluster: apply it from a Kustomization (with `decryption` for SOPS files)",
                        file.file
                    )),
                );
                continue;
            }
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

/// The name kustomize gave a generated object that `target` means: same
/// kind and namespace, `target`'s name plus a content-hash suffix.
fn hashed_generated_name<'a>(flux: &'a FluxTree, target: &NodeId) -> Option<&'a str> {
    flux.objects
        .iter()
        .filter(|o| o.generated && o.kind == target.kind())
        .filter(|o| o.namespace.as_deref() == target.namespace())
        .find(|o| {
            o.name
                .strip_prefix(target.name())
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|hash| {
                    hash.len() == 10 && hash.chars().all(|c| c.is_ascii_alphanumeric())
                })
        })
        .map(|o| o.name.as_str())
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
