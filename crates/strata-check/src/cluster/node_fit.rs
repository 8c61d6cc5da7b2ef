//! Which nodes of a cluster a pod may run on: its `nodeSelector`, required
//! node affinity and tolerations matched against each node's labels and
//! taints as the Kubernetes scheduler matches them, with a third answer,
//! "maybe", for what strata cannot see.
//!
//! A node's labels are those k3s sets itself (`kubernetes.io/hostname`,
//! `kubernetes.io/os`, `kubernetes.io/arch`, and on servers
//! `node-role.kubernetes.io/control-plane` and `master`, plus `etcd` with
//! embedded etcd) and those its flags declare (`--node-label`, `nodeLabel`).
//! A label key is judged only when strata sees where it comes from: a key k3s
//! sets, or one some node of the cluster declares. Any other key may be set
//! at run time (`kubectl label`, node feature discovery, a GPU operator), so
//! a selector on it is "maybe", and nothing is reported about it.
//!
//! **Invariant:** [`Fit::No`] is only answered from known facts: a node whose
//! flags are not all known (an unreadable `extraFlags`, a `configPath` file)
//! may carry any label or taint, so it is never a certain "no".

use std::collections::{BTreeMap, BTreeSet};

use super::ClusterNode;
use super::placement::{NodeRequirement, Toleration, Workload};
use strata_core::Location;

/// Three-valued answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Certainly.
    Yes,
    /// Certainly not.
    No,
    /// Cannot tell.
    Maybe,
}

impl Fit {
    fn and(self, other: Fit) -> Fit {
        match (self, other) {
            (Fit::No, _) | (_, Fit::No) => Fit::No,
            (Fit::Yes, Fit::Yes) => Fit::Yes,
            _ => Fit::Maybe,
        }
    }

    fn or(self, other: Fit) -> Fit {
        match (self, other) {
            (Fit::Yes, _) | (_, Fit::Yes) => Fit::Yes,
            (Fit::No, Fit::No) => Fit::No,
            _ => Fit::Maybe,
        }
    }

    fn of(b: bool) -> Fit {
        if b { Fit::Yes } else { Fit::No }
    }
}

/// Label keys k3s (the kubelet) puts on every node.
const K3S_KEYS: &[&str] = &[
    "kubernetes.io/hostname",
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "node.kubernetes.io/instance-type",
    "beta.kubernetes.io/instance-type",
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
    "node-role.kubernetes.io/etcd",
];

/// A node's labels and taints as far as they are known.
#[derive(Clone, Debug)]
pub struct NodeLabels {
    /// The host's name.
    pub host: String,
    /// Known labels; a value of `None` is a label whose value is not known
    /// (the node name when `networking.hostName` is not known).
    pub labels: BTreeMap<String, Option<String>>,
    /// Known repelling taints (`NoSchedule`, `NoExecute`): key, value, effect.
    pub taints: Vec<(String, String, String)>,
    /// Whether every label and taint the node declares is known.
    pub complete: bool,
}

fn arch_of(system: &str) -> Option<&'static str> {
    match system.split('-').next()? {
        "x86_64" => Some("amd64"),
        "aarch64" => Some("arm64"),
        "armv7l" | "armv6l" => Some("arm"),
        "riscv64" => Some("riscv64"),
        _ => None,
    }
}

impl NodeLabels {
    /// What k3s and the node's flags put on a cluster node.
    pub fn of(node: &ClusterNode<'_>) -> NodeLabels {
        let host = node.host();
        let mut labels: BTreeMap<String, Option<String>> = BTreeMap::new();
        let flags = host
            .k3s
            .as_ref()
            .map(|k| k.extra_flags.as_slice())
            .unwrap_or(&[]);
        let node_name = flags
            .iter()
            .find_map(|f| {
                let (name, value) = super::k3s_settings::split_flag(f);
                (name == "--node-name").then(|| value.map(str::to_string))
            })
            .flatten()
            .or_else(|| host.hostname.value().cloned());
        labels.insert("kubernetes.io/hostname".into(), node_name);
        labels.insert("kubernetes.io/os".into(), Some("linux".into()));
        labels.insert("beta.kubernetes.io/os".into(), Some("linux".into()));
        let arch = host
            .system
            .value()
            .and_then(|s| arch_of(s))
            .map(str::to_string);
        labels.insert("kubernetes.io/arch".into(), arch.clone());
        labels.insert("beta.kubernetes.io/arch".into(), arch);
        labels.insert(
            "node.kubernetes.io/instance-type".into(),
            Some("k3s".into()),
        );
        labels.insert(
            "beta.kubernetes.io/instance-type".into(),
            Some("k3s".into()),
        );
        if node.is_server() {
            labels.insert(
                "node-role.kubernetes.io/control-plane".into(),
                Some("true".into()),
            );
            labels.insert("node-role.kubernetes.io/master".into(), Some("true".into()));
            if !node.topology.external_datastore {
                labels.insert("node-role.kubernetes.io/etcd".into(), Some("true".into()));
            }
        }
        for l in &node.settings.node_labels {
            labels.insert(l.value.key.clone(), Some(l.value.value.clone()));
        }
        let taints = node
            .settings
            .node_taints
            .iter()
            .filter(|t| t.value.effect == "NoSchedule" || t.value.effect == "NoExecute")
            .map(|t| {
                (
                    t.value.key.clone(),
                    t.value.value.clone(),
                    t.value.effect.clone(),
                )
            })
            .collect();
        NodeLabels {
            host: host.name.clone(),
            labels,
            taints,
            // A module strata did not read may declare more labels or taints.
            complete: node.settings.complete && super::host_support::unread_modules_unrelated(host),
        }
    }

    /// Whether the node carries `key` with `value`.
    fn has(&self, key: &str, value: &str, judged: &BTreeSet<String>) -> Fit {
        match self.labels.get(key) {
            Some(Some(v)) => Fit::of(v == value),
            Some(None) => Fit::Maybe,
            None if judged.contains(key) && self.complete => Fit::No,
            None => Fit::Maybe,
        }
    }

    fn requirement(&self, r: &NodeRequirement, judged: &BTreeSet<String>) -> Fit {
        let value = match self.labels.get(&r.key) {
            Some(Some(v)) => Some(v.as_str()),
            Some(None) => return Fit::Maybe,
            None if judged.contains(&r.key) && self.complete => None,
            None => return Fit::Maybe,
        };
        match (r.operator.as_str(), value) {
            ("In", v) => Fit::of(v.is_some_and(|v| r.values.iter().any(|x| x == v))),
            ("NotIn", v) => Fit::of(!v.is_some_and(|v| r.values.iter().any(|x| x == v))),
            ("Exists", v) => Fit::of(v.is_some()),
            ("DoesNotExist", v) => Fit::of(v.is_none()),
            ("Gt" | "Lt", None) => Fit::No,
            ("Gt" | "Lt", Some(v)) => {
                let (Ok(v), Some(Ok(bound))) =
                    (v.parse::<i64>(), r.values.first().map(|b| b.parse::<i64>()))
                else {
                    return Fit::Maybe;
                };
                Fit::of(if r.operator == "Gt" {
                    v > bound
                } else {
                    v < bound
                })
            }
            _ => Fit::Maybe,
        }
    }

    /// The first repelling taint none of `tolerations` tolerates, when known.
    pub fn untolerated(&self, tolerations: &[Toleration]) -> Option<String> {
        self.taints
            .iter()
            .find(|(key, value, effect)| {
                !tolerations.iter().any(|t| {
                    (t.effect.is_empty() || t.effect == *effect)
                        && if t.operator == "Exists" {
                            t.key.is_empty() || t.key == *key
                        } else {
                            t.key == *key && t.value == *value
                        }
                })
            })
            .map(|(k, v, e)| {
                if v.is_empty() {
                    format!("{k}:{e}")
                } else {
                    format!("{k}={v}:{e}")
                }
            })
    }
}

/// The label keys whose absence on a node is a fact: those k3s sets and
/// those some node of the cluster declares.
pub fn judged_keys(labels: &[NodeLabels]) -> BTreeSet<String> {
    let mut keys: BTreeSet<String> = K3S_KEYS.iter().map(|k| k.to_string()).collect();
    for key in labels.iter().flat_map(|n| n.labels.keys()) {
        // Most nodes repeat the same keys: copy only a new one.
        if !keys.contains(key) {
            keys.insert(key.clone());
        }
    }
    keys
}

/// Why a pod does not fit one node, or that it may.
#[derive(Clone, Debug)]
pub enum NodeVerdict {
    /// It may run there (or strata cannot tell).
    Fits(Fit),
    /// A `nodeSelector` entry or required affinity rules the node out:
    /// where, and what the node has instead.
    Selected(Location, String),
    /// The node's taint repels it.
    Tainted(String),
}

/// A pod's placement: `nodeSelector` entries, required terms, tolerations.
#[derive(Clone, Debug, Default)]
pub struct Placement {
    /// `nodeSelector`: key, value, where the value is written.
    pub selector: Vec<(String, String, Location)>,
    /// Required node affinity terms (OR of ANDs).
    pub terms: Vec<Vec<NodeRequirement>>,
    /// Tolerations.
    pub tolerations: Vec<Toleration>,
}

impl Placement {
    /// A plain workload's placement.
    pub fn of_workload(w: &Workload<'_>) -> Placement {
        Placement {
            selector: w.node_selector.clone(),
            terms: w.required_node_terms.clone(),
            tolerations: w.tolerations.clone(),
        }
    }

    /// Whether it asks for anything at all.
    pub fn is_empty(&self) -> bool {
        self.selector.is_empty() && self.terms.is_empty()
    }

    /// How the pod fits `node`.
    pub fn verdict(&self, node: &NodeLabels, judged: &BTreeSet<String>) -> NodeVerdict {
        let mut fit = Fit::Yes;
        for (key, value, at) in &self.selector {
            match node.has(key, value, judged) {
                Fit::No => {
                    let has = match node.labels.get(key) {
                        Some(Some(v)) => format!("`{key}={v}`"),
                        _ => format!("no `{key}` label"),
                    };
                    return NodeVerdict::Selected(at.clone(), has);
                }
                f => fit = fit.and(f),
            }
        }
        if !self.terms.is_empty() {
            let mut any = Fit::No;
            let mut first_no: Option<(Location, String)> = None;
            for term in &self.terms {
                let mut all = Fit::Yes;
                for r in term {
                    let f = node.requirement(r, judged);
                    if f == Fit::No && first_no.is_none() {
                        let has = match node.labels.get(&r.key) {
                            Some(Some(v)) => format!("`{}={v}`", r.key),
                            _ => format!("no `{}` label", r.key),
                        };
                        first_no = Some((r.location.clone(), has));
                    }
                    all = all.and(f);
                }
                any = any.or(all);
            }
            match any {
                Fit::No => {
                    let (at, has) = first_no.unwrap_or_else(|| {
                        (Location::new("", strata_core::Span::at(0)), String::new())
                    });
                    return NodeVerdict::Selected(at, has);
                }
                f => fit = fit.and(f),
            }
        }
        if let Some(taint) = node.untolerated(&self.tolerations) {
            return NodeVerdict::Tainted(taint);
        }
        if !node.complete {
            fit = fit.and(Fit::Maybe);
        }
        NodeVerdict::Fits(fit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::Span;

    fn at() -> Location {
        Location::new("apps/x.yaml", Span::at(0))
    }

    fn node(labels: &[(&str, &str)], taints: &[(&str, &str, &str)], complete: bool) -> NodeLabels {
        NodeLabels {
            host: "n".into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), Some(v.to_string())))
                .collect(),
            taints: taints
                .iter()
                .map(|(k, v, e)| (k.to_string(), v.to_string(), e.to_string()))
                .collect(),
            complete,
        }
    }

    fn req(key: &str, operator: &str, values: &[&str]) -> NodeRequirement {
        NodeRequirement {
            key: key.into(),
            operator: operator.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
            location: at(),
        }
    }

    fn fits(p: &Placement, n: &NodeLabels, judged: &[&str]) -> bool {
        let judged: BTreeSet<String> = judged.iter().map(|k| k.to_string()).collect();
        matches!(p.verdict(n, &judged), NodeVerdict::Fits(_))
    }

    #[test]
    fn expressions_as_the_scheduler_reads_them() {
        let n = node(&[("zone", "attic"), ("cores", "8")], &[], true);
        let terms = |r: NodeRequirement| Placement {
            terms: vec![vec![r]],
            ..Placement::default()
        };
        let keys = ["zone", "cores", "gpu"];
        assert!(fits(
            &terms(req("zone", "In", &["attic", "garage"])),
            &n,
            &keys
        ));
        assert!(!fits(&terms(req("zone", "NotIn", &["attic"])), &n, &keys));
        assert!(fits(&terms(req("gpu", "DoesNotExist", &[])), &n, &keys));
        assert!(!fits(&terms(req("gpu", "Exists", &[])), &n, &keys));
        assert!(fits(&terms(req("cores", "Gt", &["4"])), &n, &keys));
        assert!(!fits(&terms(req("cores", "Lt", &["4"])), &n, &keys));
        // A key nothing declares may be set at run time: not a "no".
        assert!(fits(&terms(req("gpu", "Exists", &[])), &n, &["zone"]));
        // Nor on a node whose flags are not all known.
        let open = node(&[("zone", "attic")], &[], false);
        assert!(fits(&terms(req("gpu", "Exists", &[])), &open, &keys));
    }

    #[test]
    fn tolerations_match_key_value_and_effect() {
        let n = node(&[], &[("dedicated", "media", "NoSchedule")], true);
        let tol = |key: &str, operator: &str, value: &str, effect: &str| Placement {
            tolerations: vec![Toleration {
                key: key.into(),
                operator: operator.into(),
                value: value.into(),
                effect: effect.into(),
            }],
            ..Placement::default()
        };
        assert!(!fits(&Placement::default(), &n, &[]));
        assert!(fits(
            &tol("dedicated", "Equal", "media", "NoSchedule"),
            &n,
            &[]
        ));
        assert!(fits(&tol("dedicated", "Exists", "", ""), &n, &[]));
        assert!(fits(&tol("", "Exists", "", ""), &n, &[]));
        assert!(!fits(
            &tol("dedicated", "Equal", "video", "NoSchedule"),
            &n,
            &[]
        ));
        assert!(!fits(
            &tol("dedicated", "Equal", "media", "NoExecute"),
            &n,
            &[]
        ));
    }
}
