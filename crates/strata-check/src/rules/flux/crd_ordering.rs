//! `FLUX021` crd-ordering: the rule, its documentation and its tests.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use strata_core::{Code, Diagnostic, EdgeKind, Location, NodeId, Severity};
use strata_flux::K8sObject;
use strata_flux::flux_kinds::{HELM_GROUP, SOURCE_GROUP, api_group};
use strata_flux::yaml::Yaml;

use super::crd_providers::{BUILT_IN_GROUPS, groups_of_chart, is_flux_group};
use super::objects::{at, is};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// A custom resource (a kind from a CRD: cert-manager's `ClusterIssuer`,
    /// CloudNativePG's `Cluster`, a `ServiceMonitor`, MetalLB's
    /// `IPAddressPool`, …) is applied by a Flux Kustomization that does not
    /// — directly or through other Kustomizations — `dependsOn` the
    /// Kustomization that installs its CRD: the one applying the HelmRelease
    /// of the chart that ships it, or a `CustomResourceDefinition` object in
    /// the tree.
    ///
    /// A CRD object applied by the same Kustomization is fine
    /// (kustomize-controller applies CRDs and Namespaces before everything
    /// else). A HelmRelease applied by the same Kustomization is not: the
    /// chart is installed by helm-controller later, after the apply.
    /// Charts are matched by name through a table of the common charts and
    /// their API groups; a group with no known provider in the tree is trusted
    /// (its CRDs may be installed outside Flux), and Flux's own kinds are
    /// installed by Flux itself.
    ///
    /// ## Why
    /// On a running cluster the CRD exists already, so nothing fails — until
    /// the cluster is rebuilt from Git (a disaster recovery, a new node pool,
    /// a test cluster): then Flux applies both Kustomizations at once, the
    /// server-side dry-run rejects the custom resource with `no matches for
    /// kind`, and the whole Kustomization applying it fails. With
    /// `dependsOn`, Flux waits until the installing Kustomization is Ready
    /// (give it `wait: true` so that Ready means the HelmRelease is installed).
    ///
    /// The severity says whether the rebuild recovers. When another
    /// Kustomization installs the CRD, Flux's retries apply the custom
    /// resource once that CRD exists: the rebuild fails for a while, then
    /// converges (a warning). When the same Kustomization applies both the
    /// custom resource and the HelmRelease that installs its CRD, the failed
    /// dry-run stops the whole apply, the HelmRelease is never created, and
    /// the CRD never comes: the rebuild never converges (an error).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kustomize.toolkit.fluxcd.io/v1
    /// kind: Kustomization
    /// metadata: { name: infrastructure-configs, namespace: flux-system }
    /// spec:
    ///   path: ./infrastructure/configs   # ClusterIssuers
    ///   dependsOn:
    ///     - name: infrastructure-controllers   # applies the cert-manager HelmRelease
    /// ```
    code: CrdOrdering,
    check: Some(check),
}

/// Something in the tree that installs a CRD.
struct Provider<'a> {
    /// The Kustomization applying it (`None`: applied from outside the tree).
    applier: Option<&'a NodeId>,
    /// A `CustomResourceDefinition` object (applied first within its apply)
    /// rather than a HelmRelease (installed after it).
    crd_object: bool,
    /// What it is, for the message.
    what: String,
    location: Location,
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let (by_kind, by_group) = providers(cx);
    let mut closures: BTreeMap<&NodeId, BTreeSet<NodeId>> = BTreeMap::new();
    for object in &cx.flux.objects {
        let group = api_group(&object.api_version);
        if BUILT_IN_GROUPS.contains(&group) || is_flux_group(group) {
            continue;
        }
        let Some(kustomization) = object.applied_by.as_ref() else {
            continue;
        };
        let candidates: Vec<&Provider<'_>> = by_kind
            .get(&(group, object.kind.as_str()))
            .into_iter()
            .chain(by_group.get(group))
            .flatten()
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let reachable = closures
            .entry(kustomization)
            .or_insert_with(|| ready_before(cx, kustomization));
        let satisfied = candidates.iter().any(|p| match p.applier {
            None => true,
            Some(applier) if applier == kustomization => p.crd_object,
            Some(applier) => reachable.contains(applier),
        });
        if satisfied {
            continue;
        }
        // Name the provider applied elsewhere if there is one: that is the
        // dependency to add. (Every candidate has an applier here: one
        // without would have satisfied the check.)
        let Some((provider, installer)) = candidates
            .iter()
            .filter_map(|p| Some((*p, p.applier?)))
            .min_by_key(|(_, installer)| *installer == kustomization)
        else {
            continue;
        };
        out.push(diagnostic(object, kustomization, provider, installer));
    }
}

fn diagnostic(
    object: &K8sObject,
    kustomization: &NodeId,
    provider: &Provider<'_>,
    installer: &NodeId,
) -> Diagnostic {
    let group = api_group(&object.api_version);
    let location = object
        .doc
        .get("kind")
        .map_or_else(|| object.location.clone(), |k| at(object, k));
    let (message, help) = if installer == kustomization {
        (
            format!(
                "{} `{}` ({group}) is applied by Kustomization `{}` in the same run as {}, which installs its CRD only after that apply",
                object.kind,
                object.name,
                kustomization.name(),
                provider.what
            ),
            format!(
                "move `{}` to a Kustomization with `dependsOn: [{{name: {}}}]` (and `wait: true` on `{}`)",
                object.name,
                installer.name(),
                installer.name()
            ),
        )
    } else {
        let namespace = match (installer.namespace(), kustomization.namespace()) {
            (Some(theirs), ours) if Some(theirs) != ours => format!(", namespace: {theirs}"),
            _ => String::new(),
        };
        (
            format!(
                "{} `{}` ({group}) is applied by Kustomization `{}`, which does not depend on Kustomization `{}` installing its CRD ({})",
                object.kind,
                object.name,
                kustomization.name(),
                installer.name(),
                provider.what
            ),
            format!(
                "add `dependsOn: [{{name: {}{namespace}}}]` to Kustomization `{}` (and `wait: true` on `{}`), so a rebuilt cluster has the CRD first",
                installer.name(),
                kustomization.name(),
                installer.name()
            ),
        )
    };
    // Only the same-run case never converges (see the rule's Why).
    let severity = if installer == kustomization {
        Severity::Error
    } else {
        Severity::Warning
    };
    Diagnostic::new(Code::CrdOrdering, message)
        .severity(severity)
        .at(location)
        .on(object.id.clone())
        .related(
            provider.location.clone(),
            format!("the CRD comes from {}", provider.what),
        )
        .help(help)
}

type ByKind<'a> = BTreeMap<(&'a str, &'a str), Vec<Provider<'a>>>;
type ByGroup<'a> = BTreeMap<&'static str, Vec<Provider<'a>>>;

/// Every CRD provider of the tree: CRD objects by (group, kind), HelmReleases
/// of known charts by group.
fn providers<'a>(cx: &'a Context<'_>) -> (ByKind<'a>, ByGroup<'a>) {
    let mut by_kind: ByKind<'a> = BTreeMap::new();
    let mut by_group: ByGroup<'a> = BTreeMap::new();
    for object in &cx.flux.objects {
        if is(object, "apiextensions.k8s.io", "CustomResourceDefinition") {
            let doc = &object.doc;
            if let (Some(group), Some(kind)) = (
                doc.path("spec.group").and_then(Yaml::as_str),
                doc.path("spec.names.kind").and_then(Yaml::as_str),
            ) {
                by_kind.entry((group, kind)).or_default().push(Provider {
                    applier: object.applied_by.as_ref(),
                    crd_object: true,
                    what: format!("CustomResourceDefinition `{}`", object.name),
                    location: object.location.clone(),
                });
            }
        } else if is(object, HELM_GROUP, "HelmRelease") {
            let Some((chart, location)) = chart_of(cx, object) else {
                continue;
            };
            for group in groups_of_chart(&chart) {
                by_group.entry(group).or_default().push(Provider {
                    applier: object.applied_by.as_ref(),
                    crd_object: false,
                    what: format!(
                        "HelmRelease `{}/{}`, chart `{chart}`",
                        object.namespace.as_deref().unwrap_or_default(),
                        object.name
                    ),
                    location: location.clone(),
                });
            }
        }
    }
    // Charts a bootstrap helmfile installs exist before Flux applies
    // anything: their CRDs are there, whatever Kustomization uses them.
    for release in &cx.flux.bootstrap_releases {
        // A templated helmfile chart is usually the chart of the Flux
        // HelmRelease of the same name that takes the release over.
        let mut charts = vec![release.chart.clone()];
        charts.extend(
            cx.flux
                .objects
                .iter()
                .filter(|o| is(o, HELM_GROUP, "HelmRelease") && o.name == release.name)
                .filter(|o| {
                    release.namespace.is_none()
                        || o.namespace.as_deref() == release.namespace.as_deref()
                })
                .filter_map(|o| chart_of(cx, o).map(|(chart, _)| chart)),
        );
        charts.sort();
        charts.dedup();
        for group in charts.iter().flat_map(|chart| groups_of_chart(chart)) {
            by_group.entry(group).or_default().push(Provider {
                applier: None,
                crd_object: false,
                what: format!(
                    "bootstrap release `{}`, chart `{}`",
                    release.name, release.chart
                ),
                location: release.location.clone(),
            });
        }
    }
    (by_kind, by_group)
}

/// The chart a HelmRelease installs, by name, and where that name is
/// written: `spec.chart.spec.chart` (its last path segment), or the source
/// named by `spec.chartRef` (an OCIRepository's URL, a HelmChart's chart).
fn chart_of(cx: &Context<'_>, release: &K8sObject) -> Option<(String, Location)> {
    let last_segment = |text: &str| {
        let text = text.trim_end_matches('/');
        text.rsplit('/').next().unwrap_or(text).to_string()
    };
    if let Some(chart) = release.doc.path("spec.chart.spec.chart") {
        return Some((last_segment(chart.as_str()?), at(release, chart)));
    }
    let target = &release
        .refs
        .iter()
        .find(|r| r.kind == strata_flux::ReferenceKind::ChartRef)?
        .target;
    let objects = &cx.flux.objects;
    let source = objects
        .get(objects.partition_point(|o| &o.id < target))
        .filter(|o| {
            &o.id == target && strata_flux::flux_kinds::api_group(&o.api_version) == SOURCE_GROUP
        })?;
    let node = match source.kind.as_str() {
        "OCIRepository" => source.doc.path("spec.url"),
        "HelmChart" => source.doc.path("spec.chart"),
        _ => None,
    }?;
    let name = last_segment(node.as_str()?);
    // An OCI URL may carry a tag (`…/chart:1.2.3`).
    let name = name.split(':').next().unwrap_or_default().to_string();
    Some((name, at(source, node)))
}

/// The Kustomizations that are Ready before `start` reconciles, as Flux
/// orders them: what `start` and every Kustomization applying it (a child
/// exists only once its parent applied it) `dependsOn`, transitively; and
/// for each of those that waits (`wait: true` or `healthChecks`), every
/// Kustomization it applies, since it is Ready only once they are.
fn ready_before(cx: &Context<'_>, start: &NodeId) -> BTreeSet<NodeId> {
    let graph = cx.graph;
    let mut seen = BTreeSet::new();
    // `start` and its appliers.
    let mut appliers = vec![start.clone()];
    let mut index = 0;
    while index < appliers.len() {
        let id = appliers[index].clone();
        for (parent, kind) in graph.incoming(&id) {
            if kind == EdgeKind::Contains
                && parent.kind() == "Kustomization"
                && !appliers.contains(parent)
            {
                appliers.push(parent.clone());
            }
        }
        index += 1;
    }
    let mut queue: VecDeque<NodeId> = VecDeque::new();
    for id in &appliers {
        for (next, kind) in graph.outgoing(id) {
            if kind == EdgeKind::DependsOn && seen.insert(next.clone()) {
                queue.push_back(next.clone());
            }
        }
    }
    while let Some(id) = queue.pop_front() {
        let mut next_ids: Vec<NodeId> = graph
            .outgoing(&id)
            .filter(|(_, kind)| *kind == EdgeKind::DependsOn)
            .map(|(next, _)| next.clone())
            .collect();
        if waits(cx, &id) {
            next_ids.extend(
                graph
                    .outgoing(&id)
                    .filter(|(next, kind)| {
                        *kind == EdgeKind::Contains && next.kind() == "Kustomization"
                    })
                    .map(|(next, _)| next.clone()),
            );
        }
        for next in next_ids {
            if seen.insert(next.clone()) {
                queue.push_back(next);
            }
        }
    }
    seen
}

/// Whether a Kustomization is Ready only once what it applies is healthy.
fn waits(cx: &Context<'_>, id: &NodeId) -> bool {
    cx.flux.object(id).is_some_and(|k| {
        k.doc.path("spec.wait").and_then(Yaml::as_bool) == Some(true)
            || !k
                .doc
                .path("spec.healthChecks")
                .map(Yaml::as_seq)
                .unwrap_or_default()
                .is_empty()
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::{Code, Severity};

    #[test]
    fn fires_on_custom_resources_applied_before_their_crds() {
        let analysis = analyze_fixture("flux-crd-ordering");
        assert_fires_at(
            &analysis,
            Code::CrdOrdering,
            &[
                "apps/base/immich/database.yaml:2:7",
                "infrastructure/configs/cluster-issuers.yaml:2:7",
                "infrastructure/controllers/monitoring/servicemonitor.yaml:2:7",
            ],
        );
        let all = findings(&analysis, Code::CrdOrdering).join("\n");
        assert!(
            all.contains("ClusterIssuer `letsencrypt-prod` (cert-manager.io) is applied by Kustomization `infrastructure-configs`, which does not depend on Kustomization `infrastructure-controllers`"),
            "{all}"
        );
        let helps: Vec<String> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::CrdOrdering)
            .filter_map(|d| d.help.clone())
            .collect();
        assert!(helps.iter().any(|h| h.contains("add `dependsOn: [{name: infrastructure-controllers}]` to Kustomization `infrastructure-configs`")), "{helps:#?}");
        // Another Kustomization installs the CRD: Flux's retries converge
        // (warning). The same run installs it: never converges (error).
        let severities: Vec<(String, Severity)> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::CrdOrdering)
            .map(|d| {
                (
                    d.location
                        .as_ref()
                        .map(|l| l.file.to_string())
                        .unwrap_or_default(),
                    d.severity,
                )
            })
            .collect();
        assert_eq!(
            severities,
            [
                (
                    "apps/base/immich/database.yaml".to_string(),
                    Severity::Warning
                ),
                (
                    "infrastructure/configs/cluster-issuers.yaml".to_string(),
                    Severity::Warning
                ),
                (
                    "infrastructure/controllers/monitoring/servicemonitor.yaml".to_string(),
                    Severity::Error
                ),
            ]
        );
    }

    #[test]
    fn silent_when_dependencies_order_every_crd_first() {
        assert_clean(
            &analyze_fixture("flux-crd-ordering-clean"),
            Code::CrdOrdering,
        );
    }
}
