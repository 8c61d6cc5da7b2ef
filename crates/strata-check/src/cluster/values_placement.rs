//! Placement written in a HelmRelease's values: charts follow the pod spec's
//! own field names, so a mapping of the values with a `nodeSelector` of
//! plain `key: value` entries (and its sibling `tolerations` and
//! `affinity.nodeAffinity`) is where some pod of the chart asks to run.
//! Mappings with `matchLabels` / `matchExpressions` under `nodeSelector`
//! (label selectors of custom resources) are not pod placement and are left
//! out.

use strata_flux::K8sObject;
use strata_flux::yaml::Yaml;

use super::components::helm_values;
use super::node_fit::Placement;
use super::placement::{NodeRequirement, Toleration};

/// Values nest at most this deep before placement is no longer looked for.
const MAX_DEPTH: usize = 24;

/// Every placement a HelmRelease's values write; none when any is templated.
pub fn values_placements(object: &K8sObject) -> Vec<Placement> {
    let (Some(values), _) = helm_values(object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(object, values, 0, &mut out);
    out
}

fn walk(object: &K8sObject, node: &Yaml, depth: usize, out: &mut Vec<Placement>) {
    if depth > MAX_DEPTH {
        return;
    }
    if node.is_map() {
        if let Some(p) = placement_here(object, node) {
            out.push(p);
        }
        for (_, v) in node.entries() {
            walk(object, v, depth + 1, out);
        }
    } else {
        for v in node.as_seq() {
            walk(object, v, depth + 1, out);
        }
    }
}

fn text(node: &Yaml, key: &str) -> Option<String> {
    node.get(key)?.scalar_text().map(|t| t.into_owned())
}

fn placement_here(object: &K8sObject, block: &Yaml) -> Option<Placement> {
    let mut p = Placement::default();
    if let Some(sel) = block.get("nodeSelector") {
        let entries = sel.entries();
        if entries
            .iter()
            .any(|(k, _)| matches!(k.as_str(), Some("matchLabels" | "matchExpressions")))
        {
            return None;
        }
        for (k, v) in entries {
            let (key, value) = (k.scalar_text()?, v.scalar_text()?);
            if key.contains("${") || value.contains("${") {
                return None;
            }
            p.selector
                .push((key.into_owned(), value.into_owned(), object.location_at(v)));
        }
    }
    let terms = block.path(
        "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
    );
    for term in terms.map(Yaml::as_seq).unwrap_or(&[]) {
        if term.get("matchFields").is_some() {
            return None;
        }
        let mut reqs = Vec::new();
        for expr in term
            .get("matchExpressions")
            .map(Yaml::as_seq)
            .unwrap_or(&[])
        {
            let key_node = expr.get("key")?;
            let key = key_node.scalar_text()?.into_owned();
            let values: Vec<String> = expr
                .get("values")
                .map(Yaml::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|v| v.scalar_text().map(|t| t.into_owned()))
                .collect();
            if key.contains("${") || values.iter().any(|v| v.contains("${")) {
                return None;
            }
            reqs.push(NodeRequirement {
                key,
                operator: text(expr, "operator").unwrap_or_default(),
                values,
                location: object.location_at(key_node),
            });
        }
        p.terms.push(reqs);
    }
    if p.is_empty() {
        return None;
    }
    for t in block.get("tolerations").map(Yaml::as_seq).unwrap_or(&[]) {
        let readable = ["key", "value", "operator", "effect"]
            .iter()
            .all(|k| text(t, k).is_none_or(|v| !v.contains("${")));
        if !readable {
            return None;
        }
        p.tolerations.push(Toleration {
            key: text(t, "key").unwrap_or_default(),
            operator: text(t, "operator").unwrap_or_else(|| "Equal".into()),
            value: text(t, "value").unwrap_or_default(),
            effect: text(t, "effect").unwrap_or_default(),
        });
    }
    Some(p)
}
