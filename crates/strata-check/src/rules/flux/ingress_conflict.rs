//! `FLUX019` ingress-conflict: the rule, its documentation and its tests.

use std::collections::{BTreeMap, BTreeSet};

use strata_core::{Code, Diagnostic, Location, NodeId};
use strata_flux::K8sObject;
use strata_flux::yaml::Yaml;

use super::objects::{at, is};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What
    /// Two Ingress objects (`networking.k8s.io/v1`) of the same ingress class
    /// claim the same host, path and `pathType`; or two Gateway API HTTPRoutes
    /// attached to the same parent claim the same hostname and path match.
    ///
    /// ## Why
    /// The controller routes the request to one of them only — which one
    /// depends on creation order (ingress-nginx keeps the oldest), so the
    /// other app is silently unreachable, and a redeploy can swap which one
    /// wins. It usually happens when an app is copied as a template and its
    /// host is not changed, or when a chart's own ingress is enabled next to a
    /// hand-written one.
    ///
    /// ## Example
    /// ```yaml
    /// # apps/base/grafana/ingress.yaml and apps/base/kuma/ingress.yaml
    /// spec:
    ///   ingressClassName: nginx
    ///   rules:
    ///     - host: status.lab.example.com   # claimed twice
    ///       http: { paths: [ { path: /, pathType: Prefix, … } ] }
    /// ```
    /// Give one of them its own host (or path).
    code: IngressConflict,
    check: Some(check),
}

/// What a route claims: class or parents, host, path, match type.
type Claim = (String, String, String, String);

fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // The first claimant of each route, in object order (sorted by id).
    let mut claimed: BTreeMap<Claim, (&K8sObject, Location)> = BTreeMap::new();
    // One finding per object and claim, however often the object repeats it.
    let mut reported: BTreeSet<(Claim, &NodeId)> = BTreeSet::new();
    for object in cx.flux.written_objects() {
        let claims = if is(object, "networking.k8s.io", "Ingress") {
            ingress_claims(object)
        } else if is(object, "gateway.networking.k8s.io", "HTTPRoute") {
            http_route_claims(object)
        } else {
            continue;
        };
        for (claim, location) in claims {
            match claimed.get(&claim) {
                // The same object listing a route twice is its own business.
                Some((first, _)) if first.id == object.id => {}
                Some(_) if !reported.insert((claim.clone(), &object.id)) => {}
                Some((first, first_location)) => out.push(
                    Diagnostic::new(
                        Code::IngressConflict,
                        format!(
                            "{} `{}` claims `{}{}`, already claimed by `{}`",
                            object.kind, object.name, claim.1, claim.2, first.id
                        ),
                    )
                    .at(location)
                    .on(object.id.clone())
                    .related(first_location.clone(), format!("claimed first by `{}`", first.id))
                    .help("give one of the two routes its own host or path; the controller sends this traffic to one of them only"),
                ),
                None => {
                    claimed.insert(claim, (object, location));
                }
            }
        }
    }
}

fn text(node: Option<&Yaml>) -> Option<String> {
    node.and_then(Yaml::scalar_text)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// `(class, host, path, pathType)` of every rule path, at the path value
/// (or the host, for a rule without paths written).
fn ingress_claims(object: &K8sObject) -> Vec<(Claim, Location)> {
    let doc = &object.doc;
    let class = text(doc.path("spec.ingressClassName"))
        .or_else(|| {
            doc.path("metadata.annotations")
                .and_then(|a| text(a.get("kubernetes.io/ingress.class")))
        })
        .unwrap_or_default();
    let mut claims = Vec::new();
    for rule in doc.path("spec.rules").map(Yaml::as_seq).unwrap_or_default() {
        let host = text(rule.get("host")).unwrap_or_else(|| "*".to_string());
        for path in rule
            .path("http.paths")
            .map(Yaml::as_seq)
            .unwrap_or_default()
        {
            let value = text(path.get("path")).unwrap_or_else(|| "/".to_string());
            let kind = text(path.get("pathType")).unwrap_or_default();
            let node = path
                .get("path")
                .or_else(|| rule.get("host"))
                .unwrap_or(path);
            claims.push(((class.clone(), host.clone(), value, kind), at(object, node)));
        }
    }
    claims
}

/// `(parents, hostname, path, match type)` of every rule match of an
/// HTTPRoute, at the path value (or the hostname).
fn http_route_claims(object: &K8sObject) -> Vec<(Claim, Location)> {
    let doc = &object.doc;
    let mut parents: Vec<String> = doc
        .path("spec.parentRefs")
        .map(Yaml::as_seq)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let namespace = text(p.get("namespace"))
                .or_else(|| object.namespace.clone())
                .unwrap_or_default();
            let section = text(p.get("sectionName")).unwrap_or_default();
            format!(
                "{namespace}/{}#{section}",
                text(p.get("name")).unwrap_or_default()
            )
        })
        .collect();
    parents.sort();
    let parents = parents.join(",");
    let hostnames: Vec<(&Yaml, String)> = doc
        .path("spec.hostnames")
        .map(Yaml::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|h| text(Some(h)).map(|t| (h, t)))
        .collect();
    let mut claims = Vec::new();
    for rule in doc.path("spec.rules").map(Yaml::as_seq).unwrap_or_default() {
        let matches = rule.get("matches").map(Yaml::as_seq).unwrap_or_default();
        // A rule without matches matches every path.
        let paths: Vec<(Option<&Yaml>, String, String)> = if matches.is_empty() {
            vec![(None, "/".to_string(), "PathPrefix".to_string())]
        } else {
            matches
                .iter()
                // Header, query or method matches split traffic further: not a conflict to judge.
                .filter(|m| {
                    ["headers", "queryParams", "method"]
                        .iter()
                        .all(|k| m.get(k).is_none())
                })
                .map(|m| {
                    let value = m.path("path.value");
                    (
                        value,
                        text(value).unwrap_or_else(|| "/".to_string()),
                        text(m.path("path.type")).unwrap_or_else(|| "PathPrefix".to_string()),
                    )
                })
                .collect()
        };
        for (node, path, kind) in paths {
            for (host_node, host) in &hostnames {
                let location = at(object, node.unwrap_or(host_node));
                claims.push((
                    (parents.clone(), host.clone(), path.clone(), kind.clone()),
                    location,
                ));
            }
        }
    }
    claims
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use strata_core::Code;

    #[test]
    fn fires_at_the_later_route_claiming_the_same_host_and_path() {
        let analysis = analyze_fixture("flux-ingress-conflict");
        assert_fires_at(
            &analysis,
            Code::IngressConflict,
            &[
                "apps/base/uptime-kuma/ingress.yaml:19:19",
                "apps/base/whoami/httproute.yaml:22:44",
            ],
        );
        let all = findings(&analysis, Code::IngressConflict).join("\n");
        assert!(
            all.contains(
                "claims `status.lab.example.com/`, already claimed by `Ingress/monitoring/gatus`"
            ),
            "{all}"
        );
    }

    #[test]
    fn silent_on_other_hosts_paths_and_classes() {
        assert_clean(
            &analyze_fixture("flux-ingress-conflict-clean"),
            Code::IngressConflict,
        );
    }
}
