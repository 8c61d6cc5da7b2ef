//! `CROSS003` cross-ingress-class-unserved: the rule, its documentation and its tests.

use strata_core::{Code, Diagnostic, Location};
use strata_flux::K8sObject;
use strata_flux::flux_kinds::api_group;
use strata_flux::yaml::Yaml;

use crate::cluster::components::{chart_of, helm_values};
use crate::cluster::{ClusterView, PackagedComponent};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// An Ingress (`spec.ingressClassName`, or the legacy
    /// `kubernetes.io/ingress.class` annotation) or a cert-manager Issuer /
    /// ClusterIssuer HTTP-01 solver (`ingress.ingressClassName`,
    /// `ingress.class`) names an ingress class that nothing on the cluster
    /// serves: no ingress controller the Flux tree deploys (by its chart's
    /// default or configured class), no `IngressClass` object, and not k3s's
    /// bundled Traefik (class `traefik`) when a server keeps it. Only a tree
    /// that deploys some ingress controller or `IngressClass` itself is
    /// judged (otherwise they come from elsewhere, such as a Nix module).
    ///
    /// ## Why
    /// No controller picks the Ingress up: it never gets an address, and
    /// the ACME HTTP-01 challenge cert-manager creates is never answered, so
    /// certificates are never issued. Typical after replacing Traefik with
    /// ingress-nginx (class `nginx`) and keeping `ingressClassName: traefik`.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   ingressClassName: traefik   # k3s runs with --disable traefik; ingress-nginx serves `nginx`
    /// ```
    /// Name a class a deployed controller serves.
    code: CrossIngressClassUnserved,
    check: Some(check),
}

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for view in cx.clusters {
        let d = &view.deployed;
        if view.flux_cluster.is_none() || view.servers().next().is_none() {
            continue;
        }
        // A tree that deploys no ingress controller and no IngressClass gets
        // them from elsewhere (k3s's own manifests, a Nix module): the
        // classes it serves are not known here.
        if d.ingress_controllers.is_empty() && d.ingress_classes.is_empty() {
            continue;
        }
        // A controller whose values come partly from elsewhere may serve
        // any class: nothing is judged.
        if d.ingress_controllers
            .iter()
            .any(|c| !helm_values(c.object).1 && c.object.kind == "HelmRelease")
        {
            continue;
        }
        let traefik = bundled_traefik(view);
        for object in &d.objects {
            for (class, location) in requested_classes(object) {
                if class.contains("${") || d.serves_class(&class) {
                    continue;
                }
                if class == "traefik" && traefik != Some(false) {
                    continue;
                }
                if served_by_unknown_release(&d.objects, &cx.flux.objects, &class) {
                    continue;
                }
                let mut served: Vec<String> = d
                    .ingress_controllers
                    .iter()
                    .flat_map(|c| c.classes.iter().cloned())
                    .chain(d.ingress_classes.iter().map(|o| o.name.clone()))
                    .collect();
                if traefik == Some(true) {
                    served.push("traefik".into());
                }
                served.sort();
                served.dedup();
                let served = if served.is_empty() {
                    "no class is served".to_string()
                } else {
                    format!("served classes: `{}`", served.join("`, `"))
                };
                out.push(
                    Diagnostic::new(
                        Code::CrossIngressClassUnserved,
                        format!(
                            "{} asks for ingress class `{class}`, which no ingress controller of the cluster serves ({served})",
                            object.id
                        ),
                    )
                    .at(location)
                    .on(object.id.clone())
                    .help("name a class a deployed controller serves, or deploy the controller for this class (with k3s, Traefik's class is `traefik` unless `--disable traefik`)"),
                );
            }
        }
    }
}

/// Whether k3s's bundled Traefik runs: `Some(true)` when a server with
/// known flags keeps it, `Some(false)` when every server disables it, `None`
/// when some server's flags are not known.
fn bundled_traefik(view: &ClusterView<'_>) -> Option<bool> {
    if !view.servers_complete() {
        return None;
    }
    Some(
        view.servers()
            .any(|s| s.settings.disables(PackagedComponent::Traefik).is_none()),
    )
}

/// The classes an object asks for, with where each is written.
fn requested_classes(object: &K8sObject) -> Vec<(String, Location)> {
    let group = api_group(&object.api_version);
    let mut nodes: Vec<&Yaml> = Vec::new();
    match (group, object.kind.as_str()) {
        ("networking.k8s.io" | "extensions", "Ingress") => {
            nodes.extend(object.doc.path("spec.ingressClassName"));
            if object.doc.path("spec.ingressClassName").is_none() {
                nodes.extend(
                    object
                        .doc
                        .path("metadata.annotations")
                        .and_then(|a| a.get("kubernetes.io/ingress.class")),
                );
            }
        }
        ("cert-manager.io", "Issuer" | "ClusterIssuer") => {
            for solver in object
                .doc
                .path("spec.acme.solvers")
                .map(Yaml::as_seq)
                .unwrap_or(&[])
            {
                if let Some(ingress) = solver.path("http01.ingress") {
                    nodes.extend(ingress.get("ingressClassName").or(ingress.get("class")));
                }
            }
        }
        _ => {}
    }
    nodes
        .into_iter()
        .filter_map(|n| Some((n.as_str()?.to_string(), object.location_at(n))))
        .filter(|(c, _)| !c.is_empty())
        .collect()
}

/// Whether a HelmRelease strata does not know as an ingress controller
/// could serve `class`: its chart or release name contains the class (or
/// the class contains it), as `tailscale-operator` serves `tailscale`.
fn served_by_unknown_release(objects: &[&K8sObject], all: &[K8sObject], class: &str) -> bool {
    objects.iter().any(|o| {
        let chart = chart_of(o, all).map(|(c, _)| c);
        [
            chart.as_deref(),
            (o.kind == "HelmRelease").then_some(o.name.as_str()),
        ]
        .into_iter()
        .flatten()
        .any(|name| name.len() > 2 && (name.contains(class) || class.contains(name)))
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_each_unserved_class() {
        let analysis = analyze_fixture("cross-ingress");
        assert_fires_at(
            &analysis,
            Code::CrossIngressClassUnserved,
            &["flux/apps/issuer.yaml:14:20", "flux/apps/web.yaml:7:21"],
        );
    }

    #[test]
    fn silent_when_every_class_is_served() {
        assert_clean(
            &analyze_fixture("cross-ingress-clean"),
            Code::CrossIngressClassUnserved,
        );
    }
}
