//! `FLUX018` object-duplicate: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic};
use strata_flux::flux_kinds::api_group;
use strata_flux::{K8sObject, ObjectOrigin};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// The same object — kind, namespace and name — is applied more than
    /// once: declared in two files, or one file reached by two Flux
    /// Kustomizations (two `spec.path`s that include the same directory).
    ///
    /// ## Why
    /// Within one build kustomize refuses duplicate ids, and Flux fails the
    /// whole Kustomization. Across Kustomizations both apply: the two
    /// versions overwrite each other on every reconcile, and when one
    /// Kustomization stops applying it, its garbage collection deletes an
    /// object the other still declares (a Namespace: with everything in it).
    ///
    /// ## Example
    /// ```yaml
    /// # apps/base/media/namespace.yaml and apps/base/jellyfin/namespace.yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata: { name: media }
    /// ```
    /// Keep one declaration, applied by one Kustomization, and make the
    /// others `dependsOn` it.
    code: ObjectDuplicate,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // Objects are sorted by id, so duplicates are neighbours; the group is
    // compared too (two kinds may share a name across API groups).
    let objects = &cx.flux.objects;
    let mut start = 0;
    while start < objects.len() {
        let first_id = &objects[start].id;
        let mut end = start + 1;
        while end < objects.len() && objects[end].id == *first_id {
            end += 1;
        }
        // Each cluster is judged on its own; what a bootstrap step or the
        // Flux Operator makes exist before Flux is taken over, not doubled.
        let group: Vec<&K8sObject> = objects[start..end]
            .iter()
            .filter(|o| o.origin == ObjectOrigin::Flux)
            .collect();
        for (i, later) in group.iter().enumerate().skip(1) {
            let Some(first) = group[..i].iter().find(|f| f.cluster == later.cluster) else {
                continue;
            };
            if api_group(&later.api_version) != api_group(&first.api_version) {
                continue;
            }
            // The same rendering of the same applier twice (a ResourceSet
            // applied twice renders twice): the applier's duplicate is
            // the finding, not each of its objects again.
            if first.applied_by == later.applied_by && first.location == later.location {
                continue;
            }
            out.push(duplicate(cx, first, later));
        }
        start = end;
    }
}

fn duplicate(cx: &Context<'_>, first: &K8sObject, later: &K8sObject) -> Diagnostic {
    let applier = |o: &K8sObject| {
        o.applied_by
            .as_ref()
            .map_or("the cluster entry".to_string(), |k| {
                format!("{} `{}`", k.kind(), k.name())
            })
    };
    let same_document = first.location == later.location;
    let message = if same_document {
        format!(
            "{} `{}` is applied twice: by {} and by {}",
            later.kind,
            later.name,
            applier(first),
            applier(later)
        )
    } else {
        format!(
            "{} `{}` is declared again (applied by {}; first applied by {})",
            later.kind,
            later.name,
            applier(later),
            applier(first)
        )
    };
    let mut diagnostic = Diagnostic::new(Code::ObjectDuplicate, message)
        .at(later.location.clone())
        .on(later.id.clone());
    if same_document {
        // The objects coincide; what differs is who applies them.
        for kustomization in [&first.applied_by, &later.applied_by].into_iter().flatten() {
            if let Some(location) = cx
                .graph
                .node(kustomization)
                .and_then(|n| n.location.clone())
            {
                diagnostic = diagnostic.related(
                    location,
                    format!("Kustomization `{}` applies it", kustomization.name()),
                );
            }
        }
        diagnostic.help(
            "two Kustomizations' paths include this directory: keep it in one of them and make \
             the other `dependsOn` that one",
        )
    } else {
        diagnostic
            .related(first.location.clone(), format!("`{}` first declared here", first.id))
            .help("delete one of the two declarations (merge their fields first); if two apps need it, keep it with the one the other `dependsOn`")
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_second_declaration_and_at_a_twice_applied_file() {
        let analysis = analyze_fixture("flux-object-duplicate");
        assert_fires_at(
            &analysis,
            Code::ObjectDuplicate,
            &[
                "apps/base/radarr/namespace.yaml:4:9",
                "infrastructure/configs/ip-pool.yaml:4:9",
                "infrastructure/configs/ip-pool.yaml:13:9",
            ],
        );
        let related: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::ObjectDuplicate)
            .map(|d| {
                d.related
                    .iter()
                    .map(|r| r.location.file.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        let kustomizations = vec!["clusters/home/infrastructure.yaml".to_string(); 2];
        assert_eq!(
            related,
            [
                vec!["apps/base/media/namespace.yaml".to_string()],
                kustomizations.clone(),
                kustomizations,
            ]
        );
        let all = findings(&analysis, Code::ObjectDuplicate).join("\n");
        assert!(
            all.contains("IPAddressPool `lan` is applied twice: by Kustomization `infrastructure-configs` and by Kustomization `metallb-config`"),
            "{all}"
        );
    }

    #[test]
    fn silent_when_every_object_is_applied_once() {
        assert_clean(
            &analyze_fixture("flux-object-duplicate-clean"),
            Code::ObjectDuplicate,
        );
    }
}
